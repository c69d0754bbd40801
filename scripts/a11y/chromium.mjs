// How the checks launch Chromium (check.mjs, docs.mjs): the machine's network is closed and
// nothing may phone home, so no GPU, no QUIC, no first-run, background, component-update or
// sync traffic; each check gives its own fresh profile directory.
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
