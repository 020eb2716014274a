import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, as `.ci/run` installs it; flags for a container without a GPU or a sandbox. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
