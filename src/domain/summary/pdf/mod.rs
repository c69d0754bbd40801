//! The one-page PDF: krilla draws the laid-out page with the embedded DejaVu Sans faces.
//! No creation date and no random id, so the same summary gives the same bytes.

mod font;
pub(crate) mod layout;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use self::font::{BOLD, Face, REGULAR};
use self::layout::{Mark, PAGE_HEIGHT, PAGE_WIDTH, lay_out};
use super::{Labels, Summary, SummaryError};

pub fn to_pdf(summary: &Summary) -> Result<Vec<u8>, SummaryError> {
    let page = lay_out(summary)?;
    let font = |face: &Face| {
        Font::new(face.data.into(), 0)
            .ok_or_else(|| SummaryError::Render("DejaVu Sans could not be loaded".into()))
    };
    let (regular, bold) = (font(&REGULAR)?, font(&BOLD)?);

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(Labels::of(summary).title)
            .language(summary.language.clone()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| SummaryError::Render("invalid page size".into()))?;
    let mut pdf_page = document.start_page_with(settings);
    let mut surface = pdf_page.surface();
    for mark in &page.marks {
        match mark {
            Mark::Text {
                x,
                y,
                size,
                bold: is_bold,
                text,
            } => {
                let (face, font) = if *is_bold {
                    (&*BOLD, &bold)
                } else {
                    (&*REGULAR, &regular)
                };
                draw_text(
                    &mut surface,
                    face,
                    font,
                    Point::from_xy(*x, *y),
                    *size,
                    text,
                );
            }
            Mark::Rule { x1, y1, x2, y2 } => draw_rule(&mut surface, (*x1, *y1), (*x2, *y2)),
        }
    }
    surface.finish();
    pdf_page.finish();
    document
        .finish()
        .map_err(|e| SummaryError::Render(format!("{e:?}")))
}

/// One line of text, one glyph per character, with the advances the layout measured.
fn draw_text(surface: &mut Surface, face: &Face, font: &Font, at: Point, size: f32, text: &str) {
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .map(|(i, c)| {
            let glyph = face.glyph(c);
            KrillaGlyph::new(
                GlyphId::new(u32::from(glyph)),
                face.advance(glyph),
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            )
        })
        .collect();
    surface.set_stroke(None);
    surface.set_fill(Some(Fill::default()));
    surface.draw_glyphs(at, &glyphs, font.clone(), text, size, false);
}

fn draw_rule(surface: &mut Surface, from: (f32, f32), to: (f32, f32)) {
    let mut path = PathBuilder::new();
    path.move_to(from.0, from.1);
    path.line_to(to.0, to.1);
    let Some(path) = path.finish() else { return };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: luma::Color::new(140).into(),
        width: 0.5,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
}
