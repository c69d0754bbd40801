// Accessibility and layout check of the summary pages, run by scripts/a11y.sh (which starts the
// service and writes the list of pages). For every page, at a desktop width and at 390 px:
//   - axe-core with the WCAG 2.0/2.1 A and AA rules: zero violations;
//   - <html lang> is the summary's language;
//   - at 390 px the text reflows: the page is no wider than the window (no horizontal scroll);
// and printed (Chromium's print to PDF) on A4 and on US Letter: exactly one page.
//
// Input (environment):
//   PAGES      a JSON file: [{"name", "lang", "url"?, "headers"?, "preview"?}]; "preview" is a
//              body for POST {BASE_URL}/v1/summaries/preview?format=html (fetched here, with
//              TOKEN), "url" a page Chromium opens itself (with "headers" if any)
//   BASE_URL, TOKEN, CHROMIUM (the browser binary)
// Prints one line per page and a summary line "N passed, N failed"; exits 1 on any failure.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { FLAGS } from './chromium.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: '390px', width: 390, height: 844 },
];

const pages = JSON.parse(readFileSync(process.env.PAGES, 'utf8'));
const baseUrl = process.env.BASE_URL;
const token = process.env.TOKEN;

/** The number of pages of a PDF, from its page objects (checked against the page tree). */
function pdfPages(bytes) {
  const text = bytes.toString('latin1');
  const objects = (text.match(/\/Type\s*\/Page[^s]/g) || []).length;
  const declared = text.match(/\/Type\s*\/Pages[^>]*\/Count\s+(\d+)/);
  if (declared && Number(declared[1]) !== objects) {
    throw new Error(`PDF declares ${declared[1]} pages and has ${objects} page objects`);
  }
  return objects;
}

async function previewHtml(body) {
  const response = await fetch(`${baseUrl}/v1/summaries/preview?format=html`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`preview answered ${response.status}: ${await response.text()}`);
  }
  return response.text();
}

async function load(page, entry, html) {
  if (html !== undefined) {
    await page.goto('about:blank');
    await page.setContent(html, { waitUntil: 'load' });
    return;
  }
  await page.setExtraHTTPHeaders(entry.headers || {});
  const response = await page.goto(entry.url, { waitUntil: 'load' });
  if (!response || response.status() !== 200) {
    throw new Error(`${entry.url} answered ${response ? response.status() : 'nothing'}`);
  }
}

async function checkPage(page, entry, html) {
  const problems = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await load(page, entry, html);
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== entry.lang) {
      problems.push(`${viewport.name}: <html lang="${lang}">, expected "${entry.lang}"`);
    }
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
      TAGS,
    );
    for (const violation of result.violations) {
      const where = violation.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ');
      problems.push(`${viewport.name}: axe ${violation.id} (${violation.impact}): ${violation.help} at ${where}`);
    }
    if (viewport.width === 390) {
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        window: window.innerWidth,
      }));
      if (widths.page > widths.window) {
        problems.push(`390px: the page is ${widths.page} px wide, so it scrolls sideways`);
      }
    }
  }
  for (const format of ['A4', 'Letter']) {
    const pdf = await page.pdf({ format });
    const count = pdfPages(pdf);
    if (count !== 1) {
      problems.push(`printed on ${format}: ${count} pages`);
    }
  }
  return problems;
}

const userDataDir = mkdtempSync(join(tmpdir(), 'concord-a11y-profile-'));
let passed = 0;
let failed = 0;
try {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: FLAGS,
    // The pages forbid every script (Content-Security-Policy: default-src 'none'); axe-core is
    // the test's own script, injected past it. The pages themselves run none.
    bypassCSP: true,
  });
  const page = context.pages()[0] || (await context.newPage());
  for (const entry of pages) {
    let problems;
    try {
      const html = entry.preview ? await previewHtml(entry.preview) : undefined;
      problems = await checkPage(page, entry, html);
    } catch (error) {
      problems = [String(error && error.stack ? error.stack : error)];
    }
    if (problems.length === 0) {
      passed += 1;
      console.log(`ok    ${entry.name} (${entry.lang})`);
    } else {
      failed += 1;
      console.log(`FAIL  ${entry.name} (${entry.lang})`);
      for (const problem of problems) console.log(`        ${problem}`);
    }
  }
  await context.close();
} finally {
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
