// The API docs page (/docs/) in headless Chromium, run by scripts/a11y.sh against the service it
// started. The page is opened under a real-looking host name (docs.concord.example, resolved to
// the service by Chromium itself), since Swagger UI calls its outside validator only when not on
// localhost; every request that leaves the service's origin is recorded and refused. Checks:
//   - no request to any other origin, and no Content-Security-Policy violation;
//   - the document rendered: the title, every operation and every webhook of /openapi.json;
//   - a viewport (width=device-width), and at 390 px no sideways scroll and no text under 12 px
//     in the title, the operations' paths and their summaries;
//   - a screenshot at 390 px, written to $SCREENSHOT for a person to look at.
//
// Input (environment): BASE_URL (http://127.0.0.1:PORT), CHROMIUM, SCREENSHOT (a .png path).
// Exits 1 on any failure.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { FLAGS as CHROMIUM_FLAGS } from './chromium.mjs';

const HOST = 'docs.concord.example';
const service = new URL(process.env.BASE_URL);
const origin = `http://${HOST}:${service.port}`;
const FLAGS = [
  ...CHROMIUM_FLAGS,
  // The name resolves to the service and nothing else does: a request elsewhere cannot reach out.
  `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
];

const problems = [];
const outside = [];
const userDataDir = mkdtempSync(join(tmpdir(), 'concord-docs-profile-'));
try {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) {
      return route.continue();
    }
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));

  const operations = await (await fetch(`${service.origin}/openapi.json`)).json();
  // Every operation, and every webhook (Swagger UI shows each as an operation block too).
  const expected = [...Object.values(operations.paths), ...Object.values(operations.webhooks || {})]
    .map((item) => Object.keys(item).length)
    .reduce((a, b) => a + b, 0);

  const response = await page.goto(`${origin}/docs/`, { waitUntil: 'load' });
  if (!response || response.status() !== 200) {
    throw new Error(`/docs/ answered ${response ? response.status() : 'nothing'}`);
  }
  await page.waitForSelector('.swagger-ui .information-container .title', { timeout: 20000 });
  await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, expected, {
    timeout: 20000,
  });
  // Let anything the page would fetch late (a validator badge, fonts) be asked for.
  await page.waitForTimeout(1500);

  const seen = await page.evaluate(() => {
    const size = (selector) =>
      [...document.querySelectorAll(selector)].map((e) => parseFloat(getComputedStyle(e).fontSize));
    return {
      title: document.querySelector('.swagger-ui .information-container .title').textContent,
      operations: document.querySelectorAll('.opblock').length,
      viewport: document.querySelector('meta[name="viewport"]')?.getAttribute('content') || '',
      pageWidth: document.documentElement.scrollWidth,
      windowWidth: window.innerWidth,
      smallest: Math.min(
        ...size('.swagger-ui .information-container .title'),
        ...size('.opblock-summary-path'),
        ...size('.opblock-summary-description'),
      ),
      violations: window.__violations,
    };
  });
  if (!seen.title.includes('Concord API')) problems.push(`the title reads "${seen.title}"`);
  if (seen.operations !== expected) {
    problems.push(`${seen.operations} operations shown, the document has ${expected}`);
  }
  if (!seen.viewport.includes('width=device-width')) problems.push(`viewport "${seen.viewport}"`);
  if (seen.pageWidth > seen.windowWidth) {
    problems.push(`at 390 px the page is ${seen.pageWidth} px wide, so it scrolls sideways`);
  }
  if (!(seen.smallest >= 12)) problems.push(`text as small as ${seen.smallest} px at 390 px`);
  for (const v of seen.violations) problems.push(`Content-Security-Policy: ${v}`);
  for (const e of errors) problems.push(`script error: ${e}`);
  for (const url of outside) problems.push(`a request outside the service: ${url}`);

  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });
  console.log(
    `docs at 390 px under ${HOST}: ${seen.operations} operations, smallest text ${seen.smallest} px, ` +
      `${outside.length} outside requests; screenshot ${process.env.SCREENSHOT}`,
  );
  await context.close();
} catch (error) {
  problems.push(String(error && error.stack ? error.stack : error));
} finally {
  rmSync(userDataDir, { recursive: true, force: true });
}
for (const problem of problems) console.log(`FAIL  docs: ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
