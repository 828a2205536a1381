// End to end in a real VS Code (code-server 4.100.3) in a real browser (Debian's Chromium, headless):
// the built .vsix installed into a fresh profile, a kernel tree opened, and what a person would see
// asserted step by step, with a screenshot of each under test-output/.
// Run through `npm run test:e2e` (scripts/e2e-test.sh installs code-server, builds and packages first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, helpers, parseNum, procCounter, skip, startSession, stopSession, type Session } from './session.ts';

let session: Session | undefined;
let tree = '';
let browser: Browser | undefined;
let page: Page;
let profile = '';
let serverUrl = '';
let plainDir = '';
const { shot, mapFrame, runCommand, openFile, findInTree, pane, treeRow, expand } = helpers(() => page, () => tree);

before(async () => {
  if (skip) return;
  session = await startSession();
  ({ tree, browser, page, profile, serverUrl } = session);
});

after(async () => {
  await stopSession(session);
  if (plainDir) rmSync(plainDir, { recursive: true, force: true });
});

test('open the tree: indexing progress, then a ready status bar', { skip, timeout: 300_000 }, async () => {
  const status = page.locator('.statusbar-item', { hasText: 'Netstack Atlas' }).first();
  await status.waitFor({ timeout: 60_000 });
  const first = await status.innerText();
  // a cold profile indexes from scratch: the progress shows "indexing n/N" in the status bar
  assert.match(first, /indexing \d+\/\d+|ready/);
  if (/indexing/.test(first)) await shot('1-indexing');
  await page.locator('.statusbar-item', { hasText: /Netstack Atlas: ready · Linux 6\.1/ }).waitFor({ timeout: 240_000 });
  await shot('2-ready');
  assert.match(await page.locator('.statusbar-item', { hasText: 'Netstack Atlas: ready' }).first().innerText(), /metrics: procfs/);
});

test('Open Stack Map: six bands with tcp_sendmsg, ip_output, dev_queue_xmit', { skip, timeout: 120_000 }, async () => {
  await runCommand('Netstack Atlas: Open Stack Map');
  const map = mapFrame();
  await map.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  assert.equal(await map.locator('g.band').count(), 6);
  for (const fn of ['tcp_sendmsg', 'ip_output', 'dev_queue_xmit']) assert.equal(await map.locator(`g.node[data-label="${fn}"]`).count(), 1, fn);
  await shot('3-map');
});

test('click tcp_prot: its members appear', { skip, timeout: 60_000 }, async () => {
  const map = mapFrame();
  assert.equal(await map.locator('g.node[data-label="tcp_close"]').count(), 0);
  await map.locator('g.node[data-id="ops:proto:tcp_prot"]').click();
  await map.locator('g.node[data-label="tcp_close"]').waitFor({ timeout: 10_000 });
  assert.ok((await map.locator('path.edge.member').count()) > 10);
  await shot('4-tcp-prot-members');
});

test('double-click a node: the editor opens the right file at the right line', { skip, timeout: 60_000 }, async () => {
  const map = mapFrame();
  await map.locator('g.node[data-label="tcp_v4_rcv"]').dblclick();
  const expected = readFileSync(join(tree, 'net/ipv4/tcp_ipv4.c'), 'utf8').split('\n').findIndex((l) => /^int tcp_v4_rcv\(/.test(l)) + 1;
  await page.locator('.tab.active', { hasText: 'tcp_ipv4.c' }).waitFor({ timeout: 20_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${expected},` }).waitFor({ timeout: 10_000 });
  await shot('5-open-source');
});

test('Trace Path TCP send: the path is highlighted end to end', { skip, timeout: 60_000 }, async () => {
  await page.locator('.tab', { hasText: 'Stack Map' }).click();
  await runCommand('Netstack Atlas: Trace Path');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'TCP send' }).first().click();
  const map = mapFrame();
  await map.locator('.status[data-path="found"]').waitFor({ state: 'attached', timeout: 20_000 });
  for (const fn of ['__sys_sendto', 'tcp_sendmsg', 'ip_output', 'dev_queue_xmit', 'loopback_xmit']) {
    assert.equal(await map.locator(`g.node.on-path[data-label="${fn}"]`).count(), 1, `${fn} on the path`);
  }
  const onPath = await map.locator("g.node.on-path").count();
  assert.ok(onPath >= 9, `${onPath} functions on the path`);
  assert.ok((await map.locator('path.edge.on-path').count()) >= 8);
  await shot('6-trace-tcp-send');
});

/** What the panel shows after Fit, measured in the page: the on-screen size of the node labels drawn
 *  (font size × zoom), and band titles or column heads drawn over one another. */
async function panelText(): Promise<{ labels: number; median: number; min: number; overlaps: string[]; zoom: number }> {
  return (await mapFrame().locator('body').evaluate(`(() => {
    const shown = (e) => getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().width > 0;
    const px = [...document.querySelectorAll('g.node text.label')].filter(shown).map((e) => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a).sort((a, b) => a - b);
    const rects = (sel) => [...document.querySelectorAll(sel)].filter(shown).map((e) => ({ t: e.textContent, r: e.getBoundingClientRect() }));
    const titles = rects('.band text.title'), heads = rects('.cell text.name');
    const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    const overlaps = [];
    for (const t of titles) for (const h of heads) if (hit(t.r, h.r)) overlaps.push(t.t + ' / ' + h.t);
    for (let i = 0; i < heads.length; i++) for (let j = i + 1; j < heads.length; j++) if (hit(heads[i].r, heads[j].r)) overlaps.push(heads[i].t + ' / ' + heads[j].t);
    return { labels: px.length, median: px.length ? px[px.length >> 1] : 0, min: px.length ? px[0] : 0, overlaps, zoom: Number(document.querySelector('svg.map').dataset.zoom) };
  })()`)) as { labels: number; median: number; min: number; overlaps: string[]; zoom: number };
}

/** Fit, then the panel's labels are readable (median ≥ 11 px, none drawn smaller) and no band title or
 *  column head is drawn over another. */
async function fitAndCheck(view: string): Promise<void> {
  await mapFrame().locator('button.fit').click();
  await page.waitForTimeout(500);
  const m = await panelText();
  process.stderr.write(`e2e: ${view} after Fit: ${m.labels} labels, median ${m.median.toFixed(1)} px, zoom ${m.zoom}\n`);
  assert.ok(m.labels > 20 && m.median >= 11, `${view}: ${JSON.stringify(m)}`);
  assert.ok(m.min >= 10.99, `${view}: a label drawn at ${m.min} px`);
  assert.deepEqual(m.overlaps, [], `${view}: titles over column heads`);
}

test('map views for the eye: default after Fit, TCP send path, three expansions with bundles, zoomed out and in, light theme', { skip, timeout: 120_000 }, async () => {
  const map = mapFrame();
  // the default view in the panel (beside the explorer): labels readable after Fit, titles clear of heads
  await map.locator('button', { hasText: 'Clear path' }).click();
  await fitAndCheck('default view');
  await shot('map-default');
  await map.locator('select.preset').selectOption('tcp-send');
  await map.locator('.status[data-path="found"]').waitFor({ state: 'attached', timeout: 20_000 });
  await fitAndCheck('TCP send path');
  await shot('map-tcp-send');
  // expand three nodes of the path: callees appear next to them, a "+N more" bundle for the rest
  for (const fn of ['tcp_sendmsg_locked', 'ip_finish_output2', '__dev_queue_xmit']) {
    const before = await map.locator('g.node').count();
    // what the last expansion added may have pushed this node out of view: Fit first
    await map.locator('button.fit').click();
    await page.waitForTimeout(400);
    await map.locator(`g.node[data-label="${fn}"]`).click();
    for (let i = 0; i < 50 && (await map.locator('g.node').count()) === before; i++) await page.waitForTimeout(100);
    assert.ok((await map.locator('g.node').count()) > before, `${fn} expanded`);
  }
  assert.ok((await map.locator('g.node.bundle').count()) >= 1, 'a "+N more" bundle');
  await page.waitForTimeout(500);
  await fitAndCheck('three expansions');
  await shot('map-expanded');
  const svg = map.locator('svg.map');
  // a string is evaluated as an expression (a function text would only be returned, never called)
  await map.locator('body').evaluate('window.__nsaMap.zoomTo(0.5)');
  await page.waitForTimeout(300);
  assert.match((await svg.getAttribute('class')) ?? '', /z-far/);
  await shot('map-zoomed-out');
  await map.locator('g.node[data-label="tcp_write_xmit"]').hover();
  await map.locator('body').evaluate("window.__nsaMap.focusNode('fn:tcp_write_xmit')");
  await map.locator('body').evaluate('window.__nsaMap.zoomTo(2.4)');
  await page.waitForTimeout(300);
  assert.match((await svg.getAttribute('class')) ?? '', /z-detail/);
  await shot('map-zoomed-in');
  // light theme: the map takes the theme's colours
  const settingsFile = join(profile, 'user-data/User/settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
  writeFileSync(settingsFile, JSON.stringify({ ...settings, 'workbench.colorTheme': 'Default Light Modern' }));
  await page.waitForTimeout(2500);
  await map.locator('button.fit').click();
  await page.waitForTimeout(400);
  await shot('map-light');
  writeFileSync(settingsFile, JSON.stringify(settings));
  await page.waitForTimeout(2500);
  await shot('map-dark');
  // collapse what was expanded
  for (const fn of ['tcp_sendmsg_locked', 'ip_finish_output2', '__dev_queue_xmit']) await map.locator(`g.node[data-label="${fn}"]`).click();
});

test('map PNG export: the save dialog writes a PNG file', { skip, timeout: 60_000 }, async () => {
  const map = mapFrame();
  const target = join(profile, 'exported-map.png');
  rmSync(target, { force: true });
  rmSync(join(tree, 'netstack-map.png'), { force: true });
  await map.locator('button.export-png').click();
  // code-server's save dialog is a quick input holding a path
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // the dialog fills in its default path a moment after it shows: typing before that is overwritten
  // (and Enter then saves into the kernel tree), so wait for the default before replacing it
  for (let i = 0; i < 50 && !(await input.inputValue()).includes('netstack-map.png'); i++) await page.waitForTimeout(100);
  await input.fill(target);
  await page.keyboard.press('Enter');
  // code-server's simple dialog may take a second Enter to accept a new file name
  for (let attempt = 0; attempt < 3 && !existsSync(target); attempt++) {
    for (let i = 0; i < 25 && !existsSync(target); i++) await page.waitForTimeout(200);
    if (!existsSync(target) && (await input.isVisible())) await page.keyboard.press('Enter');
  }
  // never leave the dialog open over the scenarios that follow
  if (await input.isVisible()) await page.keyboard.press('Escape');
  assert.ok(existsSync(target), 'exported file');
  assert.ok(!existsSync(join(tree, 'netstack-map.png')), 'nothing written into the kernel tree');
  assert.deepEqual([...readFileSync(target).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('hover tcp_v4_rcv: Tcp:InSegs with a number matching /proc/net/snmp', { skip, timeout: 90_000 }, async () => {
  await page.locator('.tab', { hasText: 'tcp_ipv4.c' }).click();
  const name = page.locator('.monaco-editor .view-line span span', { hasText: /^tcp_v4_rcv$/ }).first();
  await name.waitFor({ timeout: 10_000 });
  let text = '';
  for (let i = 0; i < 5 && !/Tcp:InSegs\S*\s+[\d.]+[kMGT]?/.test(text); i++) {
    await page.mouse.move(0, 0);
    await name.hover();
    const hover = page.locator('.monaco-hover-content', { hasText: 'tcp_v4_rcv' }).last();
    await hover.waitFor({ timeout: 10_000 }).catch(() => undefined);
    text = (await hover.innerText().catch(() => '')) ?? '';
  }
  await shot('7-hover');
  const m = /Tcp:InSegs\S*\s+([\d.]+[kMGT]?)/.exec(text);
  assert.ok(m, `hover text: ${text}`);
  const shown = parseNum(m[1]);
  const proc = procCounter('/proc/net/snmp', 'Tcp', 'InSegs');
  // sampled within the last second or two, and shown rounded ("1.9M"): allow half a unit of the last
  // digit shown on top of the growth
  const decimals = /\.(\d+)/.exec(m[1])?.[1].length ?? 0;
  const unit = parseNum(m[1]) / Number(m[1].replace(/[kMGT]$/, '')) * 10 ** -decimals;
  assert.ok(Math.abs(proc - shown) <= unit / 2 + Math.max(2000, proc * 0.01), `hover ${m[1]} = ${shown} vs /proc ${proc}`);
});

test('a UDP burst to a closed port: the Udp:NoPorts badge rises while it lasts', { skip, timeout: 60_000 }, async (t) => {
  await page.locator('.tab', { hasText: 'Stack Map' }).click();
  const map = mapFrame();
  await map.locator('button', { hasText: 'Clear path' }).click();
  const badge = map.locator('g.node[data-label="__udp4_lib_rcv"] text.badge');
  await badge.waitFor({ state: 'attached', timeout: 10_000 });
  const before = procCounter('/proc/net/snmp', 'Udp', 'NoPorts');
  const sock = createSocket('udp4');
  const port = await freePort(); // a TCP port just freed: nothing listens on it over UDP either
  const t0 = Date.now();
  const burst = setInterval(() => {
    for (let i = 0; i < 50; i++) sock.send('netstack-atlas e2e', port, '127.0.0.1');
  }, 100);
  try {
    // the live sampler ticks every second: the badge should move within a few ticks; 15 s is a hang bound
    let text = '';
    let rose = false;
    while (!rose && Date.now() - t0 < 15_000) {
      text = (await badge.textContent()) ?? '';
      const m = /Udp:NoPorts ([\d.]+[kMGT]?) \+([\d.]+[kMGT]?)\/s/.exec(text);
      rose = !!m && parseNum(m[2]) > 0 && parseNum(m[1]) > before;
      if (!rose) await new Promise((r) => setTimeout(r, 200));
    }
    t.diagnostic(`badge rose after ${Date.now() - t0} ms`);
    await shot('8-udp-noports');
    assert.ok(rose, `badge: ${text} (Udp:NoPorts was ${before} before the burst)`);
  } finally {
    clearInterval(burst);
    sock.close();
  }
});

test('Go to Implementations on sk->sk_prot->sendmsg: a peek list with tcp_sendmsg; the hover lists targets with confidence', { skip, timeout: 90_000 }, async () => {
  const at = findInTree('net/ipv4/af_inet.c', /INDIRECT_CALL_2\(sk->sk_prot->sendmsg,/, 'sendmsg');
  await openFile(`net/ipv4/af_inet.c:${at.line}:${at.col + 2}`);
  await page.locator('.statusbar-item', { hasText: `Ln ${at.line},` }).waitFor({ timeout: 10_000 });
  await runCommand('Go to Implementations');
  const peek = page.locator('.peekview-widget');
  await peek.waitFor({ timeout: 20_000 });
  assert.match(await peek.locator('.peekview-title').innerText(), /Implementations \((\d+)\)/);
  const n = Number(/Implementations \((\d+)\)/.exec(await peek.locator('.peekview-title').innerText())![1]);
  assert.ok(n >= 2, `${n} implementations`);
  // the list groups the targets by file: net/ipv4/tcp.c is one of them, and opening it shows tcp_sendmsg
  await peek.locator('.monaco-list-row', { hasText: /^tcp\.c\s*net\/ipv4/ }).first().click();
  const entry = peek.locator('.monaco-list-row', { hasText: /int tcp_sendmsg\(/ }).first();
  await entry.waitFor({ timeout: 10_000 });
  await entry.click();
  await peek.locator('.peekview-title', { hasText: 'tcp.c' }).waitFor({ timeout: 10_000 });
  const def = findInTree('net/ipv4/tcp.c', /^int tcp_sendmsg\(/);
  await peek.locator('.monaco-editor .view-line', { hasText: 'int tcp_sendmsg(struct sock *sk' }).first().waitFor({ timeout: 10_000 });
  assert.ok(await peek.locator('.line-numbers', { hasText: new RegExp(`^${def.line}$`) }).count(), `peek shows tcp.c line ${def.line}`);
  await shot('9-implementations-peek');
  await page.keyboard.press('Escape');
  await peek.waitFor({ state: 'hidden', timeout: 10_000 });

  const line = page.locator('.monaco-editor .view-line', { hasText: 'INDIRECT_CALL_2(sk->sk_prot->sendmsg' }).first();
  const member = line.locator('span span', { hasText: /^sendmsg$/ }).first();
  let text = '';
  for (let i = 0; i < 5 && !/confidence/.test(text); i++) {
    await page.mouse.move(0, 0);
    await member.hover();
    const hover = page.locator('.monaco-hover-content', { hasText: 'member call' }).last();
    await hover.waitFor({ timeout: 10_000 }).catch(() => undefined);
    text = (await hover.innerText().catch(() => '')) ?? '';
  }
  await shot('10-member-call-hover');
  assert.match(text, /member call sendmsg in inet_sendmsg/, text);
  assert.match(text, /tcp_sendmsg — \w+.*confidence (exact|typed)/, text);
  assert.match(text, /udp_sendmsg — \w+.*confidence (exact|typed)/, text);
  await page.mouse.move(0, 0);
});

test('Call Hierarchy on tcp_sendmsg: inet_sendmsg among its (indirect) callers', { skip, timeout: 60_000 }, async () => {
  const def = findInTree('net/ipv4/tcp.c', /^int tcp_sendmsg\(/, 'tcp_sendmsg');
  await openFile(`net/ipv4/tcp.c:${def.line}:${def.col + 2}`);
  await page.locator('.statusbar-item', { hasText: `Ln ${def.line},` }).waitFor({ timeout: 10_000 });
  await runCommand('Calls: Show Call Hierarchy');
  // code-server 4.100 shows the hierarchy in the sidebar's References view, rooted at tcp_sendmsg
  const view = page.locator('.sidebar', { has: page.locator('.title', { hasText: 'Callers of' }) });
  await view.locator('.monaco-list-row', { hasText: /^tcp_sendmsg\s*net\/ipv4\/tcp\.c/ }).first().waitFor({ timeout: 20_000 });
  const caller = view.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^inet_sendmsg$/ }) }).first();
  await caller.waitFor({ timeout: 20_000 });
  // the row names the edge kinds: the INDIRECT_CALL_2 hint and the proto.sendmsg ops slot
  assert.match(await caller.innerText(), /inet_sendmsg\s*(hint|ops)/);
  // opening the caller shows the call site: the INDIRECT_CALL_2 line of af_inet.c
  await caller.click();
  const site = findInTree('net/ipv4/af_inet.c', /INDIRECT_CALL_2\(sk->sk_prot->sendmsg,/);
  await page.locator('.tab.active', { hasText: 'af_inet.c' }).waitFor({ timeout: 10_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${site.line},` }).waitFor({ timeout: 10_000 });
  await shot('11-call-hierarchy');
});

test('Ops Tables: struct proto → tcp_prot → .sendmsg = tcp_sendmsg; Registrations: inet_add_protocol tcp_protocol', { skip, timeout: 90_000 }, async () => {
  await runCommand('Netstack Atlas: Focus on Ops Tables View');
  const ops = pane('Ops Tables');
  // only tables holding functions: no data tables such as nla_policy
  await ops.locator('.monaco-list-row').first().waitFor({ timeout: 10_000 });
  assert.equal(await ops.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^struct nla_policy$/ }) }).count(), 0);
  await expand(await treeRow(ops, /^struct proto$/));
  await expand(await treeRow(ops, /^tcp_prot$/));
  const member = await treeRow(ops, /^\.sendmsg = tcp_sendmsg$/);
  assert.match(await member.innerText(), /net\/ipv4\/tcp\.c:\d+/);
  await member.click();
  const def = findInTree('net/ipv4/tcp.c', /^int tcp_sendmsg\(/);
  await page.locator('.tab.active', { hasText: 'tcp.c' }).waitFor({ timeout: 10_000 });
  await page.locator('.statusbar-item', { hasText: `Ln ${def.line},` }).waitFor({ timeout: 10_000 });
  await shot('12-ops-tables');

  await runCommand('Netstack Atlas: Focus on Registrations View');
  const regs = pane('Registrations');
  await expand(await treeRow(regs, /^inet_add_protocol$/));
  const tcp = await treeRow(regs, /^tcp_protocol$/);
  assert.match(await tcp.innerText(), /protocol=IPPROTO_TCP/);
  assert.match(await tcp.innerText(), /handler=tcp_v4_rcv/);
  await shot('13-registrations');
});

test('not a kernel tree: Open Stack Map gives one notification and nothing else', { skip, timeout: 90_000 }, async () => {
  plainDir = mkdtempSync(join(tmpdir(), 'nsa-plain-'));
  writeFileSync(join(plainDir, 'hello.c'), '#include <stdio.h>\n\nint main(void)\n{\n\tprintf("hello\\n");\n\treturn 0;\n}\n');
  const main = page;
  page = await browser!.newPage({ viewport: { width: 1600, height: 1000 } });
  try {
    await page.goto(`${serverUrl}?folder=${encodeURIComponent(plainDir)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await openFile('hello.c');
    const toasts = page.locator('.notifications-toasts .notification-toast');
    const before = await toasts.count();
    await runCommand('Netstack Atlas: Open Stack Map');
    const note = toasts.filter({ hasText: 'not a Linux kernel tree' });
    await note.waitFor({ timeout: 30_000 });
    // the observation window: anything else the command would do (indexing, a map, errors) shows in it
    await page.waitForTimeout(4_000);
    await shot('14-not-kernel');
    assert.equal(await note.count(), 1);
    assert.equal(await toasts.count(), before + 1, (await toasts.allInnerTexts()).join('\n---\n'));
    assert.equal(await page.locator('.notifications-toasts .codicon-error').count(), 0);
    assert.equal(await page.locator('.statusbar-item', { hasText: 'Netstack Atlas' }).count(), 0);
    assert.equal(await page.locator('.notifications-toasts .monaco-progress-container.active').count(), 0);
    assert.equal(await page.locator('.tab', { hasText: 'Stack Map' }).count(), 0);
    assert.equal(await page.locator('.tab').count(), 1); // hello.c only
  } finally {
    await page.close();
    page = main;
  }
});
