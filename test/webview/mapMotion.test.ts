// How the map moves, in headless Chromium: after an expand or a collapse only the nodes whose place
// changed are animated (and only the edges at them redrawn), and the picture after is the one a full
// render draws from the layout; during a drag the dragged node's edges follow it live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { loadPlaywright, MISSING, shotPath, withChromium } from '../e2e/browser.ts';
import { deliver, openHarness, sent, syntheticModel } from '../../bench/webview.ts';
import { edgePath, type Box } from '../../webview/layout/geometry.ts';
import type { MapNode } from '../../src/core/map/protocol.ts';

const pw = loadPlaywright();

const boxes = async (page: Page) => new Map(Object.entries((await page.evaluate('Object.fromEntries(window.__nsaMap.layout.boxes)')) as Record<string, Box>));
const xy = (t: string | null) => t!.match(/translate\(([-\d.e]+),\s*([-\d.e]+)\)/)!.slice(1).map(Number);

/** The picture as drawn: each node's transform, each edge's path. */
async function drawn(page: Page): Promise<{ nodes: Record<string, string>; edges: { from: string; to: string; d: string }[] }> {
  return (await page.evaluate(`({
    nodes: Object.fromEntries([...document.querySelectorAll('g.node')].map((g) => [g.dataset.id, g.getAttribute('transform')])),
    edges: [...document.querySelectorAll('path.edge')].map((p) => ({ from: p.dataset.from, to: p.dataset.to, d: p.getAttribute('d') })),
  })`)) as never;
}

/** The picture a full render draws from the layout. */
function assertAsLaidOut(pic: Awaited<ReturnType<typeof drawn>>, laid: Map<string, Box>): void {
  assert.equal(Object.keys(pic.nodes).length, laid.size);
  for (const [id, t] of Object.entries(pic.nodes)) assert.equal(t, `translate(${laid.get(id)!.x},${laid.get(id)!.y})`, id);
  for (const e of pic.edges) assert.equal(e.d, edgePath(laid.get(e.from)!, laid.get(e.to)!), `${e.from} → ${e.to}`);
}

test('webview: an expand animates only the nodes that move and the edges at them; after it the picture is the full render of the layout; a collapse too', { skip: pw ? false : MISSING }, async () =>
  withChromium(pw!, async (browser) => {
    const page = await openHarness(browser, { width: 1600, height: 1000 });
    const m = syntheticModel(400);
    await deliver(page, { type: 'map/init', model: m });
    await page.waitForSelector('body[data-ready="true"]');
    // every write of a node's transform and of an edge's path, by element
    await page.evaluate(`(() => {
      window.__writes = [];
      new MutationObserver((ms) => { for (const x of ms) { const el = x.target; window.__writes.push(el.tagName === 'g' ? ['node', el.dataset.id, el.getAttribute('transform')] : ['edge', el.dataset.from + '>' + el.dataset.to]); } })
        .observe(document.querySelector('g.viewport'), { attributes: true, attributeFilter: ['transform', 'd'], subtree: true });
    })()`);
    // a driver-band node: its expansion leaves most of the map in place (a row more in the bottom band)
    const origin = m.nodes[23];
    for (const step of ['expand', 'collapse']) {
      const before = await boxes(page);
      const edgesBefore = new Set((await drawn(page)).edges.map((e) => `${e.from}>${e.to}`));
      await page.evaluate('window.__writes = []');
      // the re-render, and right after it (same task): is a transition under way?
      let animating: boolean;
      if (step === 'expand') {
        await page.locator(`g.node[data-id="${origin.id}"]`).dispatchEvent('click');
        const ex = (await sent(page)).filter((x) => x.type === 'map/expand').pop()!;
        const callees: MapNode[] = Array.from({ length: 20 }, (_, i) => ({ id: `${origin.id}_c${i}`, label: `${origin.label}_callee_${i}`, kind: 'function', layer: origin.layer, file: origin.file, line: i + 1, detail: 'synthetic' }));
        const msg = { type: 'map/expanded', id: ex.id as number, nodeId: origin.id, nodes: callees, edges: callees.map((c) => ({ from: origin.id, to: c.id, kind: 'direct' as const })) };
        animating = (await page.evaluate(`window.__deliver(${JSON.stringify(msg)}), window.__nsaMap.renderer.motion.moving`)) as boolean;
      } else animating = (await page.evaluate(`document.querySelector('g.node[data-id="${origin.id}"]').dispatchEvent(new MouseEvent('click', { bubbles: true })), window.__nsaMap.renderer.motion.moving`)) as boolean;
      assert.equal(animating, true, `${step}: the moved nodes fly`);
      const after = await boxes(page);
      const moved = new Set([...after].filter(([id, b]) => before.has(id) && (before.get(id)!.x !== b.x || before.get(id)!.y !== b.y)).map(([id]) => id));
      assert.ok(moved.size > 0 && moved.size < after.size / 2, `${step}: ${moved.size} of ${after.size} moved`);
      assert.equal(((await page.evaluate('window.__nsaMap.renderer.motion.last')) as { nodes: number }).nodes, moved.size);
      await page.waitForTimeout(500);
      const writes = (await page.evaluate('window.__writes')) as [string, string, string | null][];
      // nodes: only those that moved were written (new ones appear in place: one write each)
      const nodeWrites = new Map<string, (string | null)[]>();
      for (const [k, id, t] of writes) if (k === 'node') nodeWrites.set(id, [...(nodeWrites.get(id) ?? []), t]);
      for (const id of nodeWrites.keys()) assert.ok(moved.has(id) || !before.has(id), `${step}: ${id} did not move but was written`);
      for (const id of moved) assert.ok(nodeWrites.has(id), `${step}: ${id} moved but was not written`);
      // how many moved nodes were seen mid-way (frames depend on the machine's load: said, not asserted)
      const between = [...moved].filter((id) => {
        const [x0, y0, x1, y1] = [before.get(id)!.x, before.get(id)!.y, after.get(id)!.x, after.get(id)!.y];
        return nodeWrites.get(id)!.some((t) => {
          const [x, y] = xy(t);
          const f = Math.abs(x1 - x0) > Math.abs(y1 - y0) ? (x - x0) / (x1 - x0) : (y - y0) / (y1 - y0);
          return f > 0.01 && f < 0.99;
        });
      }).length;
      console.log(`# ${step}: ${moved.size} of ${after.size} nodes moved (${between} seen mid-way), ${writes.filter((w) => w[0] === 'edge').length} edge paths written`);
      // edges: only new ones and those at a moved node were redrawn
      for (const [k, key] of writes) {
        if (k !== 'edge') continue;
        const [from, to] = key.split('>');
        assert.ok(!edgesBefore.has(key) || moved.has(from) || moved.has(to), `${step}: edge ${key} redrawn though its ends stayed`);
      }
      assertAsLaidOut(await drawn(page), after);
    }
    await page.screenshot({ path: shotPath('webview-7-after-collapse.png') });
  }));

test('webview: during a drag the dragged node\'s edges follow it (only those are redrawn); on drop they end at its pinned place', { skip: pw ? false : MISSING }, async () =>
  withChromium(pw!, async (browser) => {
    const page = await openHarness(browser, { width: 1400, height: 900 });
    const m = syntheticModel(120);
    await deliver(page, { type: 'map/init', model: m });
    await page.waitForSelector('body[data-ready="true"]');
    const id = m.nodes[30].id;
    const node = page.locator(`g.node[data-id="${id}"]`);
    const mine = (await drawn(page)).edges.filter((e) => e.from === id || e.to === id);
    assert.ok(mine.length >= 2, `${id} has ${mine.length} edges`);
    const box = (await node.boundingBox())!;
    await page.evaluate('window.__writes = []; new MutationObserver((ms) => { for (const x of ms) window.__writes.push(x.target.dataset.from + ">" + x.target.dataset.to); }).observe(document.querySelector("g.edges"), { attributes: true, attributeFilter: ["d"], subtree: true })');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 50, { steps: 8 });
    // mid-drag: the node is where the pointer took it, its edges end at it
    const laid = await boxes(page);
    const [x, y] = xy(await node.getAttribute('transform'));
    assert.ok(Math.abs(x - laid.get(id)!.x) > 20, 'the node follows the pointer');
    const here = { ...laid.get(id)!, x, y };
    const at = (k: string) => (k === id ? here : laid.get(k)!);
    const mid = (await drawn(page)).edges;
    for (const e of mid) if (e.from === id || e.to === id) assert.equal(e.d, edgePath(at(e.from), at(e.to)), `${e.from} → ${e.to} follows the drag`);
    const redrawn = new Set((await page.evaluate('window.__writes')) as string[]);
    assert.ok(redrawn.size >= mine.length, 'its edges were redrawn while dragging');
    for (const k of redrawn) assert.ok(k.split('>').includes(id), `edge ${k} redrawn though not at the dragged node`);
    await page.screenshot({ path: shotPath('webview-8-mid-drag.png') });
    await page.mouse.up();
    await page.waitForTimeout(500);
    assertAsLaidOut(await drawn(page), await boxes(page));
  }));
