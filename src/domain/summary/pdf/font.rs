//! Glyph ids and advance widths of the embedded DejaVu Sans faces, read from the font's own
//! `cmap`, `head`, `hhea` and `hmtx` tables. Measuring and drawing with the same numbers keeps
//! the word wrapping exact.

use std::sync::LazyLock;

pub(super) struct Face {
    pub data: &'static [u8],
    units_per_em: f32,
    /// Advance width per glyph id, in font units.
    advances: Vec<u16>,
    /// Glyph id per Basic Multilingual Plane code point (0: the font's .notdef).
    glyphs: Vec<u16>,
}

pub(super) static REGULAR: LazyLock<Face> = LazyLock::new(|| {
    Face::parse(dejavu::sans::regular()).expect("DejaVu Sans is a valid TrueType font")
});
pub(super) static BOLD: LazyLock<Face> = LazyLock::new(|| {
    Face::parse(dejavu::sans::bold()).expect("DejaVu Sans Bold is a valid TrueType font")
});

impl Face {
    fn parse(data: &'static [u8]) -> Result<Face, String> {
        let head = table(data, b"head")?;
        let hhea = table(data, b"hhea")?;
        let hmtx = table(data, b"hmtx")?;
        let cmap = table(data, b"cmap")?;
        let units_per_em = f32::from(u16_at(head, 18)?);
        let metrics = usize::from(u16_at(hhea, 34)?);
        let advances = (0..metrics)
            .map(|i| u16_at(hmtx, i * 4))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Face {
            data,
            units_per_em,
            advances,
            glyphs: unicode_map(cmap)?,
        })
    }

    pub fn glyph(&self, c: char) -> u16 {
        self.glyphs.get(c as usize).copied().unwrap_or(0)
    }

    /// The advance of a glyph as a fraction of the font size.
    pub fn advance(&self, glyph: u16) -> f32 {
        let units = self
            .advances
            .get(usize::from(glyph))
            .or(self.advances.last())
            .copied()
            .unwrap_or(0);
        f32::from(units) / self.units_per_em
    }

    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
    }
}

fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("font data ends before offset {at}"))
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("font data ends before offset {at}"))
}

/// The bytes of a table, from the font's table directory.
fn table<'a>(data: &'a [u8], tag: &[u8; 4]) -> Result<&'a [u8], String> {
    let count = usize::from(u16_at(data, 4)?);
    for i in 0..count {
        let record = 12 + i * 16;
        if data.get(record..record + 4) == Some(tag.as_slice()) {
            let offset = u32_at(data, record + 8)? as usize;
            let length = u32_at(data, record + 12)? as usize;
            return data
                .get(offset..offset + length)
                .ok_or_else(|| format!("table {} out of bounds", String::from_utf8_lossy(tag)));
        }
    }
    Err(format!("no {} table", String::from_utf8_lossy(tag)))
}

/// The Unicode BMP subtable (format 4) as a code point -> glyph id array.
fn unicode_map(cmap: &[u8]) -> Result<Vec<u16>, String> {
    let count = usize::from(u16_at(cmap, 2)?);
    let subtable = (0..count)
        .map(|i| 4 + i * 8)
        .find_map(|record| {
            let platform = u16_at(cmap, record).ok()?;
            let encoding = u16_at(cmap, record + 2).ok()?;
            let offset = u32_at(cmap, record + 4).ok()? as usize;
            let unicode_bmp = matches!((platform, encoding), (3, 1) | (0, 3));
            (unicode_bmp && u16_at(cmap, offset).ok()? == 4).then_some(offset)
        })
        .ok_or("no Unicode BMP cmap subtable")?;
    let s = cmap.get(subtable..).ok_or("cmap subtable out of bounds")?;
    let segments = usize::from(u16_at(s, 6)? / 2);
    let (ends, starts, deltas, ranges) =
        (14, 16 + segments * 2, 16 + segments * 4, 16 + segments * 6);
    let mut glyphs = vec![0u16; 0x10000];
    for seg in 0..segments {
        let end = u16_at(s, ends + seg * 2)?;
        let start = u16_at(s, starts + seg * 2)?;
        let delta = u16_at(s, deltas + seg * 2)?;
        let range_at = ranges + seg * 2;
        let range = usize::from(u16_at(s, range_at)?);
        for code in start..=end {
            let glyph = if range == 0 {
                code.wrapping_add(delta)
            } else {
                let at = range_at + range + usize::from(code - start) * 2;
                match u16_at(s, at)? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            };
            glyphs[usize::from(code)] = glyph;
            if code == u16::MAX {
                break;
            }
        }
    }
    Ok(glyphs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_metrics_are_read_from_the_font() {
        let face = &*REGULAR;
        assert_ne!(face.glyph('a'), 0);
        assert_ne!(face.glyph('é'), 0);
        assert_ne!(face.glyph('•'), 0);
        assert_eq!(face.glyph('\u{E000}'), 0);
        // DejaVu Sans: 2048 units per em, "a" is 1255 units wide.
        assert!((face.advance(face.glyph('a')) - 1255.0 / 2048.0).abs() < 1e-6);
        assert!(BOLD.width("Summary", 10.0) > face.width("Summary", 10.0));
    }
}
