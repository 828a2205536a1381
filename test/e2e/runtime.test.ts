// End to end in a real VS Code (code-server) in headless Chromium: "Record 10 s" from the map's
// toolbar with the real perf on real traffic (two network namespaces joined by a veth pair made here:
// TCP bulk, UDP to a closed port, SYNs an nftables rule drops), then what the recording shows on the
// map (CPU heat, observed and unexplained calls, drop markers, the running kernel vs the tree) and in
// the editor (hover, CodeLens, the gutter mark on the dropping line, Go to Implementations ranked by
// run time, the Runtime view). A screenshot of each under test-output/e2e-runtime-*.png.
// Needs root, perf, ip and nft besides code-server and Chromium (skipped otherwise, saying which).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import type { Page } from 'playwright-core';
import { helpers, skip as noBrowser, startSession, stopSession, type Session } from './session.ts';
import { liveMissing, sh, startSink, vethPair, type VethPair } from '../runtime/netns.ts';

const skip = noBrowser || liveMissing() || false;

let pair: VethPair | undefined;
let session: Session | undefined;
let page: Page;
let tree = '';
const { shot, mapFrame, runCommand, openFile, findInTree, pane, treeRow, expand } = helpers(() => page, () => tree, 'e2e-runtime-');

/** perf processes still running (none may outlive a recording). */
function perfRunning(): string[] {
  try {
    return sh(['pgrep', '-a', '-x', 'perf']).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

before(async () => {
  if (skip) return;
  // namespaces and links carry this helper's tag (the pid keeps two runs apart)
  pair = vethPair(`w10b${process.pid % 1000}`, '10.211.0');
  session = await startSession();
  ({ page, tree } = session);
});

after(async () => {
  await stopSession(session);
  pair?.remove(); // the traffic, the namespaces, the veth pair and the nft table
});

/** Hover a word on a visible editor line until a hover matching `want` shows; its text. */
async function hoverText(lineText: string, word: RegExp, want: RegExp): Promise<string> {
  const line = page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
  const target = line.locator('span span', { hasText: word }).first();
  await target.waitFor({ timeout: 10_000 });
  let text = '';
  for (let i = 0; i < 6 && !want.test(text); i++) {
    await page.mouse.move(0, 0);
    await target.hover();
    const hover = page.locator('.monaco-hover-content', { hasText: want }).last();
    await hover.waitFor({ timeout: 5_000 }).catch(() => undefined);
    text = (await hover.innerText().catch(() => '')) ?? '';
  }
  return text;
}

/** Whether the active editor shows a gutter icon on a (visible) line; waits a bounded while (the
 *  extension host sets decorations a moment after an editor shows). */
async function gutterMarkOn(line: number): Promise<{ found: boolean; detail: string }> {
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  const num = editor.locator('.line-numbers', { hasText: new RegExp(`^${line}$`) }).first();
  await num.waitFor({ timeout: 10_000 });
  const y = (await num.boundingBox())!.y;
  let at: number[] = [];
  for (let i = 0; i < 50; i++) {
    at = await editor.locator('.cgmr').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().y));
    if (at.some((m) => Math.abs(m - y) < 2)) return { found: true, detail: '' };
    await page.waitForTimeout(100);
  }
  return { found: false, detail: `no gutter mark on line ${line} (marks at ${at.join(', ')}, the line at ${y})` };
}

test('the tree is indexed and the map open', { skip, timeout: 300_000 }, async () => {
  await page.locator('.statusbar-item', { hasText: /Netstack Atlas: ready · Linux 6\.1/ }).waitFor({ timeout: 280_000 });
  await runCommand('Netstack Atlas: Open Stack Map');
  await mapFrame().locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  assert.equal(await mapFrame().locator('svg.map.runtime').count(), 0, 'no overlay before a recording');
  assert.deepEqual(perfRunning(), [], 'perf never starts without the user');
});

test('Record 10 s from the toolbar: a count while recording, then heat, observed and unexplained calls, drop markers and the kernel difference', { skip, timeout: 180_000 }, async (t) => {
  const map = mapFrame();
  await startSink(pair!, 5001);
  // traffic through the whole recording (perf takes a moment to start), stopped after it
  const load = pair!.run(pair!.nsA, ['load', pair!.addrB, '5001', '60']);
  try {
    await map.locator('button.record').click();
    const button = map.locator('button.record', { hasText: /Recording [1-9][\d.]*\/10 s · [\d.]+k? events/ });
    await button.waitFor({ timeout: 30_000 });
    assert.ok(await map.locator('button.stop').isVisible(), 'a stop button while recording');
    assert.equal(perfRunning().length > 0, true, 'perf records');
    await shot('1-recording');
    await map.locator('svg.map.runtime').waitFor({ state: 'attached', timeout: 120_000 });
  } finally {
    load.kill('SIGKILL');
  }
  await map.locator('button.record', { hasText: /^Record 10 s$/ }).waitFor({ timeout: 30_000 });
  for (let i = 0; i < 50 && perfRunning().length; i++) await page.waitForTimeout(100);
  assert.deepEqual(perfRunning(), [], 'perf is gone after the recording');
  // at the zoom the map had (readable), then the whole map
  await page.waitForTimeout(600);
  await shot('2-overlay');
  await map.locator('button.fit').click();
  await page.waitForTimeout(600);
  await shot('2b-overlay-fit');

  // CPU heat and a "% CPU" badge on the functions the traffic runs through, and on the run-time path
  const hot = await map.locator('g.node.hot').evaluateAll((els) => els.map((e) => e.getAttribute('data-label')!));
  assert.ok(hot.length >= 4, `a run-time path lit: ${hot.join(' ')}`);
  // a badge is placed clear of the other boxes: in full, as the value alone, or (crowded) not drawn,
  // the hover then saying it (checked below on __udp4_lib_rcv)
  const badges: string[] = [];
  for (const fn of [...new Set(['tcp_sendmsg', 'ip_output', '__dev_queue_xmit', ...hot])]) {
    const node = map.locator(`g.node[data-label="${fn}"]`);
    assert.equal(await node.count(), 1, `${fn} on the map`);
    assert.match((await node.getAttribute('class')) ?? '', /heat-[1-4]/, `${fn} heated`);
    const badge = node.locator('text.badge');
    if (/crowded/.test((await badge.getAttribute('class')) ?? '')) continue;
    const text = (await badge.textContent()) ?? '';
    assert.match(text, /^[\d.]+( % CPU|%)$/, `${fn} badge`);
    badges.push(`${fn} ${text}`);
  }
  assert.ok(badges.some((b) => / % CPU$/.test(b)), `a full "% CPU" badge among: ${badges.join(', ')}`);
  // observed calls thick with their sample count; the overlay reveals a few dozen nodes, not hundreds
  const observed = await map.locator('path.edge.observed[data-samples]').count();
  assert.ok(observed >= 5, `${observed} observed edges drawn`);
  const shown = await map.locator('g.node').count();
  assert.ok(shown < 250, `${shown} nodes on the map`);
  // the panel: the run-time path and the calls the static graph does not explain
  const panel = map.locator('.runtime-panel.shown');
  await panel.waitFor({ timeout: 5_000 });
  const panelText = await panel.innerText();
  assert.match(panelText, new RegExp(`Run-time path: \\d+ samples in [\\d.]+ s \\(${release().replace(/[.+]/g, '\\$&')}\\)`), panelText);
  assert.match(panelText, /→/);
  const unexplained = /(\d+) observed calls the static graph does not explain/.exec(panelText);
  t.diagnostic(unexplained ? `${unexplained[1]} unexplained; ${await map.locator('path.unexplained').count()} drawn dashed` : 'every observed call explained');
  if (unexplained) assert.ok((await panel.locator('li').count()) === Number(unexplained[1]));
  // drop markers: NO_SOCKET (UDP to a closed port) on the UDP receive function, with its line
  const noSocket = map.locator('circle.drop-mark[data-reason="NO_SOCKET"]');
  assert.ok((await noSocket.count()) >= 1, 'a NO_SOCKET marker');
  assert.match((await noSocket.first().locator('title').textContent()) ?? '', /NO_SOCKET: \d+ drops\nnet\/ipv4\/udp\.c:\d+/);
  // the running kernel is newer than the 6.1 tree: said on the map
  const banner = await map.locator('.banner').innerText();
  assert.match(banner, new RegExp(`running kernel ${release().split('-')[0].replace(/\./g, '\\.')}\\S* is newer than the tree \\(6\\.1`), banner);
  assert.match(banner, /of \d+ observed in-tree calls explained by the static graph/, banner);
  // a close-up of the drop marker and its hover
  await map.locator('body').evaluate("window.__nsaMap.focusNode('fn:__udp4_lib_rcv')");
  await map.locator('body').evaluate('window.__nsaMap.zoomTo(1.6)');
  await page.waitForTimeout(400);
  await map.locator('g.node[data-label="__udp4_lib_rcv"]').hover();
  await page.waitForTimeout(400);
  const tip = await map.locator('.tooltip').innerText();
  assert.match(tip, /% of sampled network CPU/, tip);
  assert.match(tip, /drop NO_SOCKET ×\d+ at net\/ipv4\/udp\.c:\d+/, tip);
  await shot('3-drop-marker');
});

test('hover and CodeLens on __udp4_lib_rcv: its CPU share, its drops with reason and documentation', { skip, timeout: 90_000 }, async () => {
  const def = findInTree('net/ipv4/udp.c', /^int __udp4_lib_rcv\(/, '__udp4_lib_rcv');
  await openFile(`net/ipv4/udp.c:${def.line}:${def.col + 2}`);
  await page.locator('.statusbar-item', { hasText: `Ln ${def.line},` }).waitFor({ timeout: 10_000 });
  const lens = page.locator('.codelens-decoration:visible', { hasText: /dropped/ }).first();
  await lens.waitFor({ timeout: 20_000 });
  const lensText = await lens.innerText();
  assert.match(lensText, /dropped [\d.]+k?\/s NO_SOCKET/, lensText);
  const text = await hoverText('int __udp4_lib_rcv(', /^__udp4_lib_rcv$/, /Run time/);
  await shot('4-hover-codelens');
  assert.match(text, /Run time \(last recording, [\d.]+ s\)/, text);
  assert.match(text, /[\d.]+ % of sampled stack CPU, [\d,]+ samples \([\d,]+ self\)/, text);
  // each reason with its line and its documentation comment from include/net/dropreason-core.h
  const doc = /@SKB_DROP_REASON_NO_SOCKET: (.*?) \*\//.exec(readFileSync(join(tree, 'include/net/dropreason.h'), 'utf8'))![1];
  assert.ok(text.includes(`with NO_SOCKET at net/ipv4/udp.c:`) && text.includes(` — ${doc}`), `"${doc}" in ${text}`);
  assert.match(text, /dropped [\d,]+ packets \([\d.]+k?\/s\) with NO_SOCKET/, text);
  await page.mouse.move(0, 0);
});

test('the gutter marks the line that dropped with NO_SOCKET', { skip, timeout: 60_000 }, async () => {
  const lines = readFileSync(join(tree, 'net/ipv4/udp.c'), 'utf8').split('\n');
  const def = findInTree('net/ipv4/udp.c', /^int __udp4_lib_rcv\(/);
  const drop = lines.findIndex((l, i) => i >= def.line && /SKB_DROP_REASON_NO_SOCKET/.test(l)) + 1;
  assert.ok(drop > def.line, 'a NO_SOCKET line in __udp4_lib_rcv');
  await openFile(`net/ipv4/udp.c:${drop}`);
  await page.locator('.statusbar-item', { hasText: `Ln ${drop},` }).waitFor({ timeout: 10_000 });
  const mark = await gutterMarkOn(drop);
  await shot('5-gutter');
  assert.ok(mark.found, mark.detail);
});

test('Go to Implementations on sk->sk_prot->sendmsg: the targets seen at run time ranked by share, each opening its definition', { skip, timeout: 90_000 }, async () => {
  const at = findInTree('net/ipv4/af_inet.c', /INDIRECT_CALL_2\(sk->sk_prot->sendmsg,/, 'sendmsg');
  await openFile(`net/ipv4/af_inet.c:${at.line}:${at.col + 2}`);
  await page.locator('.statusbar-item', { hasText: `Ln ${at.line},` }).waitFor({ timeout: 10_000 });
  // the hover ranks the observed targets (TCP bulk and UDP datagrams were sent: both seen)
  const text = await hoverText('INDIRECT_CALL_2(sk->sk_prot->sendmsg', /^sendmsg$/, /Seen at run time/);
  await shot('6-member-call-hover');
  const m = /Seen at run time from inet_sendmsg: ((?:\w+ [\d.]+ %(?:, )?)+)/.exec(text);
  assert.ok(m, text);
  const ranked = m[1].split(', ').map((x) => ({ name: x.split(' ')[0], pct: Number(x.split(' ')[1]) }));
  assert.ok(ranked.some((r) => r.name === 'tcp_sendmsg'), m[1]);
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].pct >= ranked[i].pct, `ranked by share: ${m[1]}`);
  // the first is a link to its definition
  const first = page.locator('.monaco-hover-content a', { hasText: ranked[0].name }).last();
  await first.click();
  const file = ranked[0].name === 'tcp_sendmsg' ? 'net/ipv4/tcp.c' : 'net/ipv4/udp.c';
  const def = findInTree(file, new RegExp(`^int ${ranked[0].name}\\(`));
  await page.locator('.tab.active', { hasText: file.split('/').pop()! }).waitFor({ timeout: 10_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${def.line},` }).waitFor({ timeout: 10_000 });
  // Go to Implementations: every target in the peek (VS Code lists them by file, whatever the order given)
  // back to the call (its editor keeps the cursor on sendmsg)
  await page.locator('.tab', { hasText: 'af_inet.c' }).click();
  await page.locator('.statusbar-item', { hasText: `Ln ${at.line},` }).waitFor({ timeout: 10_000 });
  await runCommand('Go to Implementations');
  const peek = page.locator('.peekview-widget');
  await peek.waitFor({ timeout: 20_000 });
  const n = Number(/Implementations \((\d+)\)/.exec(await peek.locator('.peekview-title').innerText())?.[1]);
  assert.ok(n >= ranked.length, `${n} implementations`);
  for (const f of ['tcp.c', 'udp.c']) assert.ok(await peek.locator('.monaco-list-row', { hasText: new RegExp(`^${f.replace('.', '\\.')}\\s*net/ipv4`) }).count(), f);
  await shot('7-implementations');
  await page.keyboard.press('Escape');
});

test('the Runtime view: top functions by layer and drops by reason, each opening its source', { skip, timeout: 90_000 }, async () => {
  await runCommand('Netstack Atlas: Focus on Runtime View');
  // the other views of the container folded, so the Runtime view has the room
  for (const title of ['Layers', 'Ops Tables', 'Registrations', 'Alerts']) {
    const head = page.locator('.pane-header[aria-expanded="true"]', { hasText: new RegExp(`^${title}`) });
    if (await head.count()) await head.first().click();
  }
  const view = pane('Runtime');
  await view.locator('.monaco-list-row').first().waitFor({ timeout: 10_000 });
  const fns = await treeRow(view, /^Top functions by layer$/);
  assert.match(await fns.innerText(), /[\d,]+ of [\d,]+ samples/);
  await expand(await treeRow(view, /^Network protocols$/));
  const tcp = await treeRow(view, /^tcp_sendmsg$/);
  assert.match(await tcp.innerText(), /[\d.]+ %/);
  await tcp.click();
  const def = findInTree('net/ipv4/tcp.c', /^int tcp_sendmsg\(/);
  await page.locator('.tab.active', { hasText: 'tcp.c' }).waitFor({ timeout: 10_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${def.line},` }).waitFor({ timeout: 10_000 });
  await shot('8-view-functions');

  await expand(await treeRow(view, /^NO_SOCKET$/));
  const loc = await treeRow(view, /^__udp4_lib_rcv/);
  const m = /net\/ipv4\/udp\.c:(\d+)/.exec(await loc.innerText());
  assert.ok(m, await loc.innerText());
  await loc.click();
  await page.locator('.tab.active', { hasText: 'udp.c' }).waitFor({ timeout: 10_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${m![1]},` }).waitFor({ timeout: 10_000 });
  assert.match(readFileSync(join(tree, 'net/ipv4/udp.c'), 'utf8').split('\n')[Number(m![1]) - 1], /SKB_DROP_REASON_NO_SOCKET/);
  // the editor shown again keeps its gutter mark
  const mark = await gutterMarkOn(Number(m![1]));
  await shot('9-view-drops');
  assert.ok(mark.found, mark.detail);
});
