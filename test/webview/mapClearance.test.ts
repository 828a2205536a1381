// Texts kept clear of the boxes, in headless Chromium on the model captured from the 6.1 tree (the
// TCP send path lit and three nodes of it expanded) in a VS Code panel's size: zoomed out, no band's
// big title over a box or a cell's aggregate; zoomed in with a badge on every node that has counters and a "% CPU" badge on
// every node of the path and of its expansions, no badge over another node's box (its label), a path
// step number, a band title, a column head or another badge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadPlaywright, MISSING, shotPath, withChromium } from '../e2e/browser.ts';
import { deliver, openHarness, sent } from '../../bench/webview.ts';
import type { LiveSample, MapEdge, MapModel, MapNode, RuntimeOverlay } from '../../src/core/map/protocol.ts';

const pw = loadPlaywright();
interface Captured {
  model: MapModel;
  trace: { nodes: MapNode[]; edges: MapEdge[] };
  expansions: Record<string, { nodes: MapNode[]; edges: MapEdge[] }>;
}
const captured = JSON.parse(readFileSync(join(__dirname, '../fixtures/map-6.1-tcp-send.json'), 'utf8')) as Captured;
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
const meets = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The panel's view: the captured model, the TCP send path lit, its three expansions. */
async function panel(page: Page): Promise<void> {
  await deliver(page, { type: 'map/init', model: captured.model });
  await page.waitForSelector('body[data-ready="true"]');
  await deliver(page, { type: 'map/path', id: null, title: 'TCP send', found: true, nodes: captured.trace.nodes, edges: captured.trace.edges });
  for (const [fn, x] of Object.entries(captured.expansions)) {
    await page.locator(`g.node[data-id="fn:${fn}"]`).dispatchEvent('click');
    const ex = (await sent(page)).filter((m) => m.type === 'map/expand').pop()!;
    await deliver(page, { type: 'map/expanded', id: ex.id as number, nodeId: `fn:${fn}`, nodes: x.nodes, edges: x.edges });
  }
  await page.waitForTimeout(400);
}

/** Screen rectangles of what is displayed: node boxes by id, and the texts `sel` matches with their node. */
async function rects(page: Page, sel: string): Promise<{ boxes: [string, Rect][]; texts: [string, Rect, string][] }> {
  return (await page.evaluate(`(() => {
    const r = (el) => { const b = el.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
    const shown = (el) => getComputedStyle(el).display !== 'none' && (el.textContent || el.tagName === 'circle') && el.getBoundingClientRect().width > 0;
    return {
      boxes: [...document.querySelectorAll('g.node')].map((g) => [g.dataset.id, r(g.querySelector('rect'))]),
      texts: [...document.querySelectorAll(${JSON.stringify(sel)})].filter(shown).map((t) => [t.closest('g.node')?.dataset.id ?? t.closest('g.band')?.dataset.layer, r(t), t.textContent]),
    };
  })()`)) as never;
}

test('webview: zoomed out in the panel, no band title is drawn over a box or a cell\'s aggregate', { skip: pw ? false : MISSING }, async () =>
  withChromium(pw!, async (browser) => {
    const page = await openHarness(browser, { width: 1080, height: 800 });
    await panel(page);
    for (const k of [0.5, 0.4, 0.8]) {
      await page.evaluate(`window.__nsaMap.zoomTo(${k})`);
      const { boxes, texts } = await rects(page, '.band text.far-title');
      // nor over a cell's aggregate ("[TCP] · 9")
      boxes.push(...(await rects(page, '.cell text.agg')).texts.map(([, r, t]) => [`"${t}"`, r] as [string, Rect]));
      if (k === 0.5) await page.screenshot({ path: shotPath('webview-9-zoom-0.5.png') });
      assert.equal(texts.length, 6, `zoom ${k}: ${texts.length} band titles shown`);
      for (const [band, t, text] of texts) for (const [id, b] of boxes) assert.ok(!meets(t, b), `zoom ${k}: "${text}" (${band}) over ${id}`);
      console.log(`# zoom ${k}: 6 band titles, none over the ${boxes.length} boxes`);
    }
  }));

test('webview: zoomed in, counter and CPU badges sit clear of every other node\'s box, of the step numbers, titles and heads, and of each other', { skip: pw ? false : MISSING }, async () =>
  withChromium(pw!, async (browser) => {
    const page = await openHarness(browser, { width: 1080, height: 800 });
    await panel(page);
    const ids = (await page.evaluate(`[...document.querySelectorAll('g.node')].map((g) => g.dataset.id)`)) as string[];
    const all = [...captured.model.nodes, ...captured.trace.nodes, ...Object.values(captured.expansions).flatMap((x) => x.nodes)];
    const counted = [...new Map(all.filter((n) => n.counters?.length && ids.includes(n.id)).map((n) => [n.id, n])).values()];
    assert.ok(counted.length >= 8, `${counted.length} nodes with counters drawn`);
    const badges: LiveSample['badges'] = Object.fromEntries(counted.map((n, i) => [n.id, n.counters!.map((c) => ({ counter: c, value: 123456 + i, rate: 4567.8 }))]));
    await deliver(page, { type: 'live/sample', source: 'procfs', available: true, badges, alerts: [], history: {} });
    const heated = [...captured.trace.nodes, ...Object.values(captured.expansions).flatMap((x) => x.nodes)].filter((n) => ids.includes(n.id) && !badges[n.id]);
    const overlay: RuntimeOverlay = { type: 'runtime/overlay', kernelRelease: '6.18.0', treeVersion: '6.1.0', seconds: 10, samples: 5000, nodes: [], heat: Object.fromEntries(heated.map((n, i) => [n.id, 0.001 + (i % 7) * 0.03])), edges: [], hotPath: [], drops: {}, notInTree: [], notes: [] };
    await deliver(page, overlay);
    const wanted = counted.length + heated.length;
    for (const k of [2.5, 1, 4]) {
      await page.evaluate(`window.__nsaMap.zoomTo(${k})`);
      const { boxes, texts } = await rects(page, 'g.node text.badge');
      // and the path's step numbers, the band titles in the gutter, the column heads
      const marks = (await rects(page, 'g.step circle, .band text.title tspan, .cell text.name')).texts.map(([, r, t]) => [`"${t}"`, r] as [string, Rect]);
      boxes.push(...marks);
      if (k >= 2.2) assert.ok(texts.length >= wanted * 0.6, `zoom ${k}: ${texts.length} of ${wanted} badges shown`);
      for (const [owner, t, text] of texts) {
        for (const [id, b] of boxes) if (id !== owner) assert.ok(!meets(t, b), `zoom ${k}: badge "${text}" of ${owner} over ${id}`);
        for (const [o2, t2] of texts) if (o2 !== owner) assert.ok(!meets(t, t2), `zoom ${k}: badges of ${owner} and ${o2} overlap`);
      }
      console.log(`# zoom ${k}: ${texts.length} of ${wanted} badges shown, none over another box or badge`);
      if (k === 2.5) {
        // where the path's badges are
        await page.evaluate(`window.__nsaMap.focusNode(${JSON.stringify(captured.trace.nodes[3].id)}); window.__nsaMap.zoomTo(2.5)`);
        await page.screenshot({ path: shotPath('webview-10-zoom-2.5-badges.png') });
      }
    }
  }));
