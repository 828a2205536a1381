// One code-server + headless Chromium session on a kernel tree, shared by the e2e files (each file
// starts its own): the built .vsix installed into a fresh profile, the tree opened, and the helpers
// every scenario uses (commands, Quick Open, tree views, the map's frame, screenshots).
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium, loadPlaywright, shotPath, toolsDir } from './browser.ts';

export const repo = join(__dirname, '../..');
const codeServer = join(toolsDir, 'node_modules/.bin/code-server');
const vsix = process.env.NSA_VSIX ?? join(repo, 'netstack-atlas.vsix');
const pw = loadPlaywright();
export const skip: string | false = !pw ? 'needs /usr/bin/chromium (bash scripts/e2e-install.sh)' : !existsSync(codeServer) ? 'needs code-server (bash scripts/e2e-install.sh)' : !existsSync(vsix) ? 'needs the .vsix (npm run package)' : false;

export interface Session {
  tree: string;
  profile: string;
  serverUrl: string;
  browser: Browser;
  page: Page;
  server: ChildProcess;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** code-server on a free port with the .vsix installed into a fresh profile (NSA_E2E_PROFILE: reuse
 *  and keep one, so its index cache makes reruns warm), and a page on the tree. */
export async function startSession(extraSettings: Record<string, unknown> = {}): Promise<Session> {
  const tree = process.env.NETSTACK_ATLAS_KERNEL ?? execFileSync('bash', [join(repo, 'scripts/kernel-tree.sh')], { encoding: 'utf8' }).trim();
  const profile = process.env.NSA_E2E_PROFILE ?? mkdtempSync(join(tmpdir(), 'nsa-e2e-'));
  const userData = join(profile, 'user-data');
  const extDir = join(profile, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User/settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'extensions.autoCheckUpdates': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'window.restoreWindows': 'none',
      'editor.hover.delay': 200,
      'netstackAtlas.metrics.intervalMs': 1000,
      ...extraSettings,
    }),
  );
  const common = ['--user-data-dir', userData, '--extensions-dir', extDir, '--disable-telemetry', '--disable-update-check'];
  execFileSync(codeServer, [...common, '--install-extension', vsix], { stdio: 'pipe' });
  const port = await freePort();
  const server = spawn(codeServer, [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-getting-started-override', tree], { stdio: ['ignore', 'pipe', 'pipe'] });
  let serverLog = '';
  server.stdout!.on('data', (d) => (serverLog += d));
  server.stderr!.on('data', (d) => (serverLog += d));
  const serverUrl = `http://127.0.0.1:${port}/`;
  const url = `${serverUrl}?folder=${encodeURIComponent(tree)}`;
  for (let i = 0; i < 120 && !/HTTP server listening/.test(serverLog); i++) await new Promise((r) => setTimeout(r, 250));
  const browser = await launchChromium(pw!);
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  process.stderr.write(`e2e: code-server at ${url}\n`);
  return { tree, profile, serverUrl, browser, page, server, log: () => serverLog };
}

/** Browser and code-server closed, the profile removed (unless NSA_E2E_KEEP or NSA_E2E_PROFILE). */
export async function stopSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close();
  if (s.server.exitCode === null && s.server.signalCode === null) {
    s.server.kill('SIGTERM');
    await new Promise((r) => s.server.once('exit', r));
  }
  if (!process.env.NSA_E2E_KEEP && !process.env.NSA_E2E_PROFILE) rmSync(s.profile, { recursive: true, force: true });
}

/** `12.3k` → 12300. */
export function parseNum(s: string): number {
  const m = /^([\d.]+)([kMGT]?)$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as Record<string, number>)[m[2]];
}

export function procCounter(file: string, group: string, name: string): number {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(group + ':'));
  const head = lines[0].split(/\s+/);
  const vals = lines[1].split(/\s+/);
  return Number(vals[head.indexOf(name)]);
}

/** The scenario helpers on the current page (a scenario may swap it) and tree; screenshots are
 *  test-output/<prefix><name>.png. */
export function helpers(current: () => Page, tree: () => string, prefix = 'e2e-') {
  async function shot(name: string): Promise<void> {
    await current().screenshot({ path: shotPath(`${prefix}${name}.png`) });
  }

  /** The map's document: the webview's outer iframe, then its active frame. */
  function mapFrame(): FrameLocator {
    return current().frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  async function runCommand(title: string): Promise<void> {
    const page = current();
    // a webview or an editor taking focus right then closes the palette: try again (3 times at most)
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`>${title}`, { timeout: 5_000 });
        await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
        await page.keyboard.press('Enter');
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Quick Open (`net/ipv4/af_inet.c:841:39` opens at that line and column); waits for the tab. */
  async function openFile(spec: string): Promise<void> {
    const page = current();
    const name = spec.replace(/:.*$/, '').split('/').pop()!;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(spec);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 20_000 });
  }

  /** Line (1-based) and column (1-based, characters) of a pattern's first match in a tree file; `at`: where in the match. */
  function findInTree(file: string, re: RegExp, at = ''): { line: number; col: number } {
    const lines = readFileSync(join(tree(), file), 'utf8').split('\n');
    const line = lines.findIndex((l) => re.test(l));
    assert.ok(line >= 0, `${re} in ${file}`);
    const m = re.exec(lines[line])!;
    return { line: line + 1, col: m.index + (at ? m[0].indexOf(at) : 0) + 1 };
  }

  /** A sidebar view pane by its title (`Ops Tables`). */
  function pane(title: string): Locator {
    const page = current();
    return page.locator('.pane', { has: page.locator('.pane-header', { hasText: title }) });
  }

  /** A row of a (virtualized) tree view, scrolling the view down until it is rendered. */
  async function treeRow(view: Locator, label: RegExp): Promise<Locator> {
    const page = current();
    const row = view.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: label }) }).first();
    const list = view.locator('.monaco-list').first();
    // down through the list, then once more from the top (a row above the viewport is not rendered)
    for (const dir of [1, -1, 1]) {
      for (let i = 0; i < 150 && !(await row.count()); i++) {
        await list.hover();
        await page.mouse.wheel(0, dir * 66);
        await page.waitForTimeout(40);
      }
      if (await row.count()) break;
    }
    await row.waitFor({ timeout: 5_000 });
    return row;
  }

  /** Expand a tree row (a click may land while the view is still busy: check and retry). */
  async function expand(row: Locator): Promise<void> {
    for (let i = 0; i < 4 && (await row.getAttribute('aria-expanded')) !== 'true'; i++) {
      await row.click();
      await current().waitForTimeout(400);
    }
    assert.equal(await row.getAttribute('aria-expanded'), 'true');
  }

  return { shot, mapFrame, runCommand, openFile, findInTree, pane, treeRow, expand };
}
