// Headless Chromium (Debian's, apt) driven by playwright-core (a devDependency; it downloads no browser).
// code-server lives outside the extension's dependencies (scripts/e2e-install.sh).
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as PW from 'playwright-core';

export const toolsDir = process.env.NSA_CODE_SERVER_DIR ?? join(homedir(), '.cache/netstack-atlas/code-server');
export const outputDir = join(__dirname, '../../test-output');

/** playwright-core when Chromium is installed, else undefined (tests skip, naming the install command). */
export function loadPlaywright(): typeof PW | undefined {
  return existsSync('/usr/bin/chromium') ? PW : undefined;
}

export const MISSING = 'needs /usr/bin/chromium: run `bash scripts/e2e-install.sh`';

export async function launchChromium(pw: typeof PW): Promise<PW.Browser> {
  return pw.chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A browser for one test, closed whatever happens. */
export async function withChromium(pw: typeof PW, run: (browser: PW.Browser) => Promise<void>): Promise<void> {
  const browser = await launchChromium(pw);
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

export function shotPath(name: string): string {
  mkdirSync(outputDir, { recursive: true });
  return join(outputDir, name);
}
