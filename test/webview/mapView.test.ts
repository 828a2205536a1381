// The map in headless Chromium with a scripted host: semantic zoom, numbered path and Fade toggle,
// expansion bundles (also 20,000 neighbours from a script), deep links (and an unknown function with
// near misses), the run-time overlay from scripted runtime/* messages, a 400 px wide window, exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, loadPlaywright, MISSING, shotPath } from '../e2e/browser.ts';
import { deliver, openHarness, sent, syntheticModel } from '../../bench/webview.ts';
import type { MapModel, MapNode, RuntimeOverlay } from '../../src/core/map/protocol.ts';

const pw = loadPlaywright();

/** A browser for one test, closed whatever happens. */
async function withBrowser(run: (browser: Browser) => Promise<void>): Promise<void> {
  const browser = await launchChromium(pw!);
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

function model(): MapModel {
  const m = syntheticModel(60);
  m.columns = [{ id: 'A', title: 'A', count: 30 }, { id: 'B', title: 'B', count: 30 }];
  m.nodes.forEach((n, i) => (n.column = i % 2 ? 'A' : 'B'));
  m.nodes.push({ id: 'fn:tcp_sendmsg', label: 'tcp_sendmsg', kind: 'function', layer: 'protocol', file: 'net/ipv4/tcp.c', line: 1483, detail: 'bound in proto tcp_prot.sendmsg', key: true, column: 'A' });
  return m;
}

test('webview: semantic zoom hides labels below 11 px, path numbered in call order, Fade toggle, bundles, deep link to an unknown function', { skip: pw ? false : MISSING }, async () =>
  withBrowser(async (browser) => {
    const page = await openHarness(browser, { width: 1600, height: 1000 });
    const m = model();
    await deliver(page, { type: 'map/init', model: m });
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('button.fit').count(), 1);
    // zoomed out: labels hidden (never drawn under 11 px), band titles and cell aggregates shown
    await page.evaluate('window.__nsaMap.zoomTo(0.5)');
    assert.match((await page.locator('svg.map').getAttribute('class')) ?? '', /z-far/);
    assert.equal(await page.locator('g.node text.label').first().isVisible(), false);
    assert.equal(await page.locator('.band text.far-title').first().isVisible(), true);
    // farther out the band titles (30 units) would be 9 px: hidden too, like the labels before them
    await page.evaluate('window.__nsaMap.zoomTo(0.3)');
    assert.equal(await page.locator('.band text.far-title').first().isVisible(), false);
    await page.evaluate('window.__nsaMap.zoomTo(0.5)');
    await page.evaluate('window.__nsaMap.zoomTo(2)');
    assert.doesNotMatch((await page.locator('svg.map').getAttribute('class')) ?? '', /z-detail/, 'file:line would be under 11 px at zoom 2');
    await page.evaluate('window.__nsaMap.zoomTo(2.4)');
    const cls = (await page.locator('svg.map').getAttribute('class')) ?? '';
    assert.match(cls, /z-labels/);
    assert.match(cls, /z-detail/);
    assert.equal(await page.locator('g.node[data-label="tcp_sendmsg"] text.detail').textContent(), 'tcp.c:1483 .sendmsg');
    // file:line stays in the gap under its box: it never reaches the next row
    const [top, bottom] = (await page.locator('g.node[data-label="tcp_sendmsg"] text.detail').evaluate((t) => {
      const b = (t as unknown as { getBBox(): { y: number; height: number } }).getBBox();
      return [b.y, b.y + b.height];
    })) as number[];
    assert.ok(top >= 17 && bottom <= 24.5, `file:line spans ${top.toFixed(1)}–${bottom.toFixed(1)} under a box of 18 in rows of 24`);
    await page.locator('button.fit').click();

    // a path: numbered in call order, others faded; the toggle clears the fade
    const path = [m.nodes[1], m.nodes[7], m.nodes[13]];
    await deliver(page, { type: 'map/path', id: null, title: 'T', found: true, nodes: path, edges: [{ from: path[0].id, to: path[1].id, kind: 'ops', evidence: 'x.c:1 — ops' }, { from: path[1].id, to: path[2].id, kind: 'direct' }] });
    assert.deepEqual(await page.locator('g.step').evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))), ['1', '2', '3']);
    assert.equal(await page.locator('text.edge-kind').textContent(), 'ops');
    assert.match((await page.locator('svg.map').getAttribute('class')) ?? '', /path-faded/);
    await page.locator('button.fade-toggle').click();
    assert.doesNotMatch((await page.locator('svg.map').getAttribute('class')) ?? '', /path-faded/);

    // expand from a script: 20,000 callees → 12 shown and a "+19988 more" bundle; the page stays usable
    await page.locator('g.node[data-label="tcp_sendmsg"]').click();
    const ex = (await sent(page)).filter((x) => x.type === 'map/expand').pop()!;
    const many: MapNode[] = Array.from({ length: 20_000 }, (_, i) => ({ id: `fn:c${i}`, label: `callee_${i}`, kind: 'function', layer: (['protocol', 'network', 'device'] as const)[i % 3], file: `net/c${i % 9}.c`, line: i + 1, detail: 'in net' }));
    await deliver(page, { type: 'map/expanded', id: ex.id as number, nodeId: 'fn:tcp_sendmsg', nodes: many, edges: many.map((n) => ({ from: 'fn:tcp_sendmsg', to: n.id, kind: 'direct' as const })) });
    const bundle = page.locator('g.node.bundle');
    assert.equal(await bundle.getAttribute('data-label'), '+19988 more callees');
    assert.equal(await page.locator('g.node[data-label^="callee_"]').count(), 12);
    await bundle.click();
    assert.equal(await page.locator('g.node[data-label^="callee_"]').count(), 24);
    await page.screenshot({ path: shotPath('webview-3-expanded.png') });
    // click again: collapse
    await page.locator('g.node[data-label="tcp_sendmsg"]').click();
    assert.equal(await page.locator('g.node[data-label^="callee_"]').count(), 0);

    // deep link to a function the host does not know: one line with near misses
    await deliver(page, { type: 'map/link', link: '#focus=tcp_sendmsgg' });
    const q = (await sent(page)).filter((x) => x.type === 'map/traceVia').pop()!;
    assert.deepEqual([q.from, q.to], ['tcp_sendmsgg', 'tcp_sendmsgg']);
    await deliver(page, { type: 'map/path', id: q.id as number, title: 'x', found: false, nodes: [], edges: [], message: 'not in this tree: tcp_sendmsgg (did you mean tcp_sendmsg?)' });
    assert.equal(await page.locator('.status').innerText(), 'deep link: not in this tree: tcp_sendmsgg (did you mean tcp_sendmsg?)');
    assert.equal(await page.locator('g.node.on-path').count(), 3, 'the lit path stays');
    await deliver(page, { type: 'map/link', link: '#path=a,b,c,d' });
    assert.match(await page.locator('.status').innerText(), /a path is a preset or from,via,to/);
    // a known one focuses; a preset link traces; Copy link gives the fragment back
    await deliver(page, { type: 'map/link', link: '#path=tcp-send' });
    assert.equal((await sent(page)).filter((x) => x.type === 'map/trace').pop()?.preset, 'tcp-send');
    await page.locator('button.copy-link').click();
    assert.equal(await page.evaluate('document.body.dataset.link'), '#path=tcp-send');
    // a preset with functions missing in this tree: the host names them, the rest is lit
    await deliver(page, { type: 'map/path', id: null, title: 'TCP send', found: false, nodes: path.slice(0, 2), edges: [], message: 'not in this tree: tcp_sendmsg_locked' });
    assert.match(await page.locator('.status').innerText(), /not in this tree: tcp_sendmsg_locked — 2 functions lit/);
    assert.equal(await page.locator('g.node.on-path').count(), 2);
  }));

test('webview: run-time overlay from scripted messages: record/stop with a count, CPU heat, observed and unexplained edges, hot path, drop markers', { skip: pw ? false : MISSING }, async () =>
  withBrowser(async (browser) => {
    const page = await openHarness(browser, { width: 1600, height: 1000 });
    const m = model();
    await deliver(page, { type: 'map/init', model: m });
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator('button.record').click();
    assert.deepEqual((await sent(page)).filter((x) => x.type === 'runtime/record').map((x) => [x.seconds, x.mode]), [[10, 'both']]);
    await deliver(page, { type: 'runtime/status', state: 'recording', mode: 'both', elapsed: 0, seconds: 10, events: 0, message: 'starting perf…' });
    assert.equal(await page.locator('span.status').first().innerText(), 'starting perf…');
    await deliver(page, { type: 'runtime/status', state: 'recording', mode: 'both', elapsed: 3, seconds: 10, events: 12345, message: undefined });
    assert.equal(await page.locator('button.record').innerText(), 'Recording 3/10 s · 12.3k events');
    assert.equal(await page.locator('span.status').first().innerText(), '', 'the start note goes once the recording counts');
    assert.equal(await page.locator('button.stop').isVisible(), true);
    await page.locator('button.stop').click();
    assert.equal((await sent(page)).filter((x) => x.type === 'runtime/stop').length, 1);
    const a = m.nodes[1].id, b = m.nodes[7].id, c = m.nodes[13].id;
    const overlay: RuntimeOverlay = {
      type: 'runtime/overlay', kernelRelease: '6.18.0', treeVersion: '6.1.0', seconds: 10, samples: 5000,
      nodes: [{ id: 'fn:obs_only', label: 'obs_only', kind: 'function', layer: 'device', file: 'net/core/dev.c', line: 9, detail: 'in net/core/dev.c', column: 'A' }],
      heat: { [a]: 0.5, [b]: 0.2, [c]: 0.01 },
      edges: [{ from: a, to: b, samples: 900, static: { kind: 'direct', hops: 1 } }, { from: b, to: 'fn:obs_only', samples: 40, static: null }],
      hotPath: [a, b, c],
      drops: { [c]: [{ reason: 'NO_SOCKET', count: 77, lines: [{ file: 'net/ipv4/udp.c', line: 2400 }] }, { reason: 'TCP_CSUM', count: 3, lines: [{ file: 'net/ipv4/tcp_ipv4.c', line: 2000 }] }] },
      notInTree: [], notes: ['kernel 6.18.0 is newer than the tree (6.1.0)'],
    };
    await deliver(page, { type: 'runtime/status', state: 'done', mode: 'both', elapsed: 10, seconds: 10, events: 5077 });
    await deliver(page, overlay);
    assert.match((await page.locator(`g.node[data-id="${a}"]`).getAttribute('class')) ?? '', /heat-4 hot/);
    assert.match((await page.locator(`g.node[data-id="${c}"]`).getAttribute('class')) ?? '', /heat-1/);
    assert.equal(await page.locator(`path.edge.observed[data-from="${a}"][data-to="${b}"]`).getAttribute('data-samples'), '900');
    assert.equal(await page.locator('path.edge.hot').count() >= 1, true);
    assert.equal(await page.locator('g.node[data-id="fn:obs_only"]').count(), 1);
    assert.equal(await page.locator(`path.unexplained[data-from="${b}"][data-to="fn:obs_only"]`).count(), 1);
    assert.match(await page.locator('.runtime-panel').innerText(), /1 observed calls the static graph does not explain:[\s\S]*→ obs_only: 40 samples/);
    assert.deepEqual(await page.locator('circle.drop-mark').evaluateAll((els) => els.map((e) => e.getAttribute('data-reason'))), ['NO_SOCKET', 'TCP_CSUM']);
    assert.match((await page.locator('circle.drop-mark[data-reason="NO_SOCKET"] title').textContent()) ?? '', /NO_SOCKET: 77 drops\nnet\/ipv4\/udp.c:2400/);
    assert.notEqual(await page.locator('circle.drop-mark[data-reason="NO_SOCKET"]').getAttribute('style'), await page.locator('circle.drop-mark[data-reason="TCP_CSUM"]').getAttribute('style'));
    assert.match(await page.locator('.banner').innerText(), /newer than the tree/);
    await page.screenshot({ path: shotPath('webview-4-runtime.png') });
  }));

test('webview: a 400 px wide window still renders, fits and hides labels rather than shrinking them', { skip: pw ? false : MISSING }, async () =>
  withBrowser(async (browser) => {
    const page = await openHarness(browser, { width: 400, height: 700 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await deliver(page, { type: 'map/init', model: model() });
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('g.band').count(), 6);
    await page.locator('button.fit').click();
    const k = Number(await page.locator('svg.map').getAttribute('data-zoom'));
    const cls = (await page.locator('svg.map').getAttribute('class')) ?? '';
    // labels are 12 map units: shown only when 12·k ≥ 11
    assert.equal(/z-labels/.test(cls), 12 * k >= 11, `${cls} at k=${k}`);
    const box = await page.locator('svg.map').boundingBox();
    assert.ok(box && box.width <= 400 && box.height > 100, JSON.stringify(box));
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.waitForTimeout(300);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: shotPath('webview-5-narrow-then-wide.png') });
  }));

test('webview: a plain drag moves a node and it stays there (webview state) until Reset layout; a press that does not move still expands', { skip: pw ? false : MISSING }, async () =>
  withBrowser(async (browser) => {
    const page = await openHarness(browser, { width: 1400, height: 900 });
    const m = model();
    await deliver(page, { type: 'map/init', model: m });
    await page.waitForSelector('body[data-ready="true"]');
    const node = page.locator('g.node[data-label="tcp_sendmsg"]');
    const transform = async () => (await node.getAttribute('transform'))!.match(/translate\(([-\d.]+),\s*([-\d.]+)\)/)!.slice(1).map(Number);
    const [x0, y0] = await transform();
    const k = Number(await page.locator('svg.map').getAttribute('data-zoom'));
    const zoomBefore = await page.locator('g.viewport').getAttribute('transform');
    const box = (await node.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 6 });
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 60, { steps: 6 });
    await page.mouse.up();
    await page.waitForTimeout(400);
    const [x1, y1] = await transform();
    assert.ok(Math.abs(x1 - (x0 + 120 / k)) <= 2 && Math.abs(y1 - (y0 + 60 / k)) <= 2, `moved to ${x1},${y1} from ${x0},${y0} at k=${k}`);
    assert.equal(await page.locator('g.viewport').getAttribute('transform'), zoomBefore, 'the map itself did not pan');
    assert.equal((await sent(page)).filter((x) => x.type === 'map/expand').length, 0, 'a drag is not a click');
    assert.match((await node.getAttribute('class')) ?? '', /pinned/);
    const saved = (await page.evaluate('window.__nsaHost.state()')) as { pinned: Record<string, { x: number; y: number }> };
    assert.deepEqual(Object.keys(saved.pinned), ['fn:tcp_sendmsg']);
    // a re-layout (live sample, Fit, a path) keeps it where it was dropped
    await deliver(page, { type: 'map/path', id: null, title: 'T', found: true, nodes: [m.nodes[1], m.nodes[7]], edges: [{ from: m.nodes[1].id, to: m.nodes[7].id, kind: 'direct' }] });
    await page.locator('button.fit').click();
    await page.waitForTimeout(400);
    assert.deepEqual((await transform()).map(Math.round), [x1, y1].map(Math.round));
    // a press that does not move: a click, it expands
    await node.click();
    assert.deepEqual((await sent(page)).filter((x) => x.type === 'map/expand').map((x) => x.fn), ['tcp_sendmsg']);
    await page.screenshot({ path: shotPath('webview-6-dragged.png') });
    // Reset layout: back where the layout puts it, nothing pinned
    await page.locator('button', { hasText: 'Reset layout' }).click();
    await page.waitForTimeout(400);
    const [x2, y2] = await transform();
    assert.ok(Math.abs(x2 - x1) > 5 || Math.abs(y2 - y1) > 5, 'back in the layout');
    assert.deepEqual((await page.evaluate('window.__nsaHost.state()') as { pinned: object }).pinned, {});
  }));
