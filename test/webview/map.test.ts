// The fast tier of the VS Code experience: the webview protocol, the map model on the fixture tree,
// the webview bundle alone in headless Chromium with a scripted host, and `serve` end to end.
// Run: npm run test:webview (needs `npm run build`; the browser parts need /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseFromWebview } from '../../src/core/map/protocol.ts';
import { MapBuilder, liveMessage } from '../../src/core/map/mapModel.ts';
import { openIndex } from '../../src/core/index/indexer.ts';
import { buildGraphs } from '../../src/core/map/graphs.ts';
import { LAYER_ORDER } from '../../src/core/graph/types.ts';
import { grammar, fixtureTree, cliPath } from '../helpers.ts';
import { launchChromium, loadPlaywright, MISSING, shotPath } from '../e2e/browser.ts';
import { benchWebview, deliver, openHarness, sent, syntheticModel } from '../../bench/webview.ts';

const pw = loadPlaywright();

test('protocol: webview messages of the wrong shape are dropped', () => {
  assert.deepEqual(parseFromWebview({ type: 'map/ready' }), { type: 'map/ready' });
  assert.ok(parseFromWebview({ type: 'map/expand', id: 1, nodeId: 'fn:tcp_sendmsg', fn: 'tcp_sendmsg', direction: 'callees' }));
  assert.ok(parseFromWebview({ type: 'map/open', id: 2, file: 'net/socket.c', line: 10 }));
  for (const bad of [
    null, 42, 'map/ready', [], {}, { type: 'nope' },
    { type: 'map/ready', extra: 1 },
    { type: 'map/expand', id: 1, nodeId: 'x', fn: 'a b', direction: 'callees' },
    { type: 'map/expand', id: -1, nodeId: 'x', fn: 'f', direction: 'callees' },
    { type: 'map/expand', id: 1, nodeId: 'x', fn: 'f', direction: 'sideways' },
    { type: 'map/open', id: 1, file: '../../etc/passwd', line: 1 },
    { type: 'map/open', id: 1, file: '/etc/passwd', line: 1 },
    { type: 'map/open', id: 1, file: 'net/socket.c', line: 0 },
    { type: 'map/open', id: 1, file: 'net/socket.c', line: '3' },
    { type: 'map/trace', id: 1, preset: 'x; rm -rf' },
    { type: 'map/log', level: 'debug', message: 'x' },
  ]) assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
});

test('map model on the fixture tree: six bands, ops tables with members, inetsw, structs; expand; live badges', async () => {
  const s = await openIndex(fixtureTree, { grammar, noCache: true, workers: 0 });
  try {
    const g = buildGraphs(s.index, () => {});
    assert.equal(g.graphAvailable, true);
    const b = new MapBuilder({ index: s.index, graph: g.graph, layers: g.layers, counters: g.counters, presets: g.presets, graphAvailable: true });
    const m = b.build();
    assert.deepEqual(m.layers.map((l) => l.id), LAYER_ORDER);
    const ids = new Set(m.nodes.map((n) => n.id));
    assert.ok(ids.has('ops:net_device_ops:loopback_ops'), 'loopback_ops');
    assert.ok(ids.has('fn:loopback_xmit'));
    assert.ok(m.nodes.some((n) => n.kind === 'inetsw'), 'inetsw entries');
    assert.ok(m.edges.some((e) => e.from === 'ops:net_device_ops:loopback_ops' && e.to === 'fn:loopback_xmit' && e.kind === 'member'));
    for (const e of m.edges) assert.ok(ids.has(e.from) && ids.has(e.to), `dangling edge ${e.from} → ${e.to}`);
    const withCounters = m.nodes.filter((n) => n.counters?.length);
    const sample = { snapshot: { groups: { Tcp: { InSegs: 10, OutSegs: 5 } } }, rates: { perSec: { 'Tcp:InSegs': 2 } }, alerts: [{ kind: 'softnet-dropped', keys: [], severity: 'warning' as const, message: 'drops' }] };
    const live = liveMessage(sample, 'procfs', undefined, m.nodes, () => [1, 2]);
    assert.equal(live.available, true);
    assert.equal(live.alerts[0].nodeId, 'fn:enqueue_to_backlog');
    if (withCounters.length) assert.ok(Object.keys(live.badges).length <= withCounters.length);
    const off = liveMessage(undefined, 'procfs', 'no /proc', m.nodes, () => []);
    assert.equal(off.available, false);
    assert.equal(off.reason, 'no /proc');
    // a preset naming functions this tree lacks: says which (with near misses), lights the rest
    const partial = new MapBuilder({ index: s.index, graph: g.graph, layers: g.layers, presets: { p: { title: 'P', waypoints: ['tcp_sendmsg', 'tcp_sendmsgg', 'zz_missing', 'loopback_xmit'] } }, graphAvailable: true, maintainers: null });
    const pr = partial.trace('p');
    assert.match(pr.message ?? '', /^not in this tree: tcp_sendmsgg \(did you mean tcp_sendmsg\b[^)]*\?\), zz_missing/);
    assert.equal(pr.found, false);
    assert.ok(pr.nodes.some((n) => n.label === 'tcp_sendmsg'), 'the rest is lit');
    assert.match(partial.build().notes.join(' '), /no MAINTAINERS file in the tree: columns by directory/);
    const fn = m.nodes.find((n) => n.kind === 'function' && g.graph.callees(n.label).some((e) => s.index.functions(e.to).length))!;
    const ex = b.expand(fn.label, 'callees');
    assert.ok(ex.nodes.length > 0 && ex.edges.every((e) => e.from === fn.id));
  } finally {
    s.dispose();
  }
});

test('webview: progress before the index, six bands, ops members on click, open on double-click, path, badges', { skip: pw ? false : MISSING }, async () => {
  const browser = await launchChromium(pw!);
  try {
    const page = await openHarness(browser);
    assert.deepEqual((await sent(page))[0], { type: 'map/ready' });
    await deliver(page, { type: 'map/progress', message: 'Indexing the kernel tree…', done: 12, total: 900 });
    assert.match(await page.locator('.overlay .msg').innerText(), /12 \/ 900 files/);
    await page.screenshot({ path: shotPath('webview-1-progress.png') });

    const model = syntheticModel(60);
    model.nodes.push({ id: 'ops:proto:tcp_prot', label: 'tcp_prot', kind: 'ops', layer: 'protocol', file: 'net/ipv4/tcp_ipv4.c', line: 3000, detail: 'struct proto', key: true });
    model.nodes.push({ id: 'fn:tcp_sendmsg', label: 'tcp_sendmsg', kind: 'function', layer: 'protocol', file: 'net/ipv4/tcp.c', line: 1483, detail: 'bound in proto tcp_prot.sendmsg', counters: ['Tcp:OutSegs'] });
    model.edges.push({ from: 'ops:proto:tcp_prot', to: 'fn:tcp_sendmsg', kind: 'member', evidence: 'net/ipv4/tcp_ipv4.c:3010 — .sendmsg = tcp_sendmsg' });
    await deliver(page, { type: 'map/init', model });
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('.overlay').isHidden(), true);
    assert.equal(await page.locator('g.band').count(), 6);
    assert.equal(await page.locator('g.node[data-label="tcp_sendmsg"]').count(), 0, 'members hidden until the table is clicked');
    await page.locator('g.node[data-label="tcp_prot"]').click();
    await page.waitForSelector('g.node[data-label="tcp_sendmsg"]');
    await page.locator('g.node[data-label="tcp_sendmsg"]').dblclick();
    const opened = (await sent(page)).filter((m) => m.type === 'map/open');
    assert.deepEqual(opened.map((m) => [m.file, m.line]), [['net/ipv4/tcp.c', 1483]]);
    const expand = (await sent(page)).find((m) => m.type === 'map/expand');
    assert.equal(expand?.fn, 'tcp_sendmsg');

    await deliver(page, { type: 'live/sample', source: 'procfs', available: true, badges: { 'fn:tcp_sendmsg': [{ counter: 'Tcp:OutSegs', value: 41, rate: 2 }] }, alerts: [], history: { 'Tcp:OutSegs': [0, 1, 2, 2, 3] } });
    assert.equal(await page.locator('g.node[data-label="tcp_sendmsg"] text.badge').textContent(), 'Tcp:OutSegs 41 +2/s');
    await page.selectOption('select.preset', 'tcp-send');
    const trace = (await sent(page)).find((m) => m.type === 'map/trace');
    assert.equal(trace?.preset, 'tcp-send');
    await deliver(page, { type: 'map/path', id: trace!.id as number, title: 'TCP send', found: true, nodes: [model.nodes[1], model.nodes[7], model.nodes[13]], edges: [{ from: model.nodes[1].id, to: model.nodes[7].id, kind: 'direct' }, { from: model.nodes[7].id, to: model.nodes[13].id, kind: 'direct' }] });
    assert.equal(await page.locator('g.node.on-path').count(), 3);
    assert.equal(await page.locator('path.edge.on-path').count(), 2);
    await page.screenshot({ path: shotPath('webview-2-path.png') });

    await deliver(page, { type: 'live/sample', source: 'procfs', available: false, reason: 'cannot read /proc/net/snmp', badges: {}, alerts: [], history: {} });
    assert.match(await page.locator('.banner').innerText(), /Live counters unavailable: cannot read \/proc\/net\/snmp/);
    assert.equal(await page.locator('g.node[data-label="tcp_sendmsg"] text.badge').textContent(), 'Tcp:OutSegs: n/a');
    // keyboard: arrows select, Enter opens
    await page.locator('svg.map').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.equal((await sent(page)).filter((m) => m.type === 'map/open').length, 2);
    const svg = await page.evaluate('window.__nsaMap.exportSvg()');
    assert.match(String(svg), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  } finally {
    await browser.close();
  }
});

// how fast is `npm run bench`'s business (no timed assertions here): this checks that a 2,000-node map paints
test('webview: a 2,000-node map paints and reports its first-paint time', { skip: pw ? false : MISSING }, async () => {
  const r = await benchWebview(2000);
  assert.ok(r);
  assert.ok(r.rendered > 0 && r.rendered <= 2000, `rendered ${r.rendered} node groups`);
  assert.ok(Number.isFinite(r.firstPaintMs) && r.firstPaintMs > 0, `first paint ${r.firstPaintMs} ms`);
});

test('serve: 127.0.0.1 only, token required, map renders, a node opens its source, bad messages dropped', { skip: pw ? false : MISSING }, async () => {
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'serve', fixtureTree, '--port', '0', '--no-cache', '--no-metrics', '--workers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    let out = '';
    for await (const chunk of child.stdout!) {
      out += chunk;
      if (out.includes('\n')) break;
    }
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0];
    assert.ok(url, out);
    const base = new URL(url);
    assert.equal((await fetch(`${base.origin}/`)).status, 403);
    assert.equal((await fetch(`${base.origin}/?token=wrong`)).status, 403);
    const page = await fetch(url);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'nonce-/);
    const bad = await fetch(`${base.origin}/api/msg?token=${base.searchParams.get('token')}`, { method: 'POST', body: JSON.stringify({ type: 'map/open', id: 1, file: '../../etc/passwd', line: 1 }) });
    assert.equal(bad.status, 400);
    assert.match(err, /dropped a message of the wrong shape/);

    const browser = await launchChromium(pw!);
    try {
      const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await p.goto(url);
      await p.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      assert.equal(await p.locator('g.band').count(), 6);
      await p.locator('g.node[data-label="loopback_xmit"]').dblclick();
      await p.waitForSelector('.source.shown .hl');
      assert.match(await p.locator('.source .hl').innerText(), /loopback_xmit/);
      await p.screenshot({ path: shotPath('serve-1-source.png') });
      // deep links in the URL: focus a function; an unknown one says so with near misses
      const q = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
      await q.goto(`${url}#focus=loopback_xmit`);
      await q.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      await q.waitForSelector('g.node.selected[data-label="loopback_xmit"]', { timeout: 10_000 });
      await q.evaluate("location.hash = '#focus=loopback_xmi'");
      await q.locator('.status', { hasText: /^deep link: not in this tree: loopback_xmi \(did you mean loopback_xmit/ }).waitFor({ timeout: 10_000 });
      await q.evaluate("location.hash = '#path=tcp-send'");
      await q.waitForSelector('.status[data-path]', { timeout: 10_000 });
      await q.locator('button.copy-link').click();
      assert.match(String(await q.evaluate('document.body.dataset.link')), /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+#path=tcp-send$/);
      // export: a download on serve, SVG and PNG
      for (const [button, magic] of [['button.export-svg', '<svg'], ['button.export-png', '\x89PNG']] as const) {
        const [download] = await Promise.all([q.waitForEvent('download'), q.locator(button).click()]);
        const file = await download.path();
        assert.ok(file, 'downloaded');
        assert.equal(readFileSync(file!, 'latin1').slice(0, magic.length), magic, button);
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
  }
});

