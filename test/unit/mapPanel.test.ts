// The map's geometry where people look at it: a VS Code editor panel beside the explorer (~1080×800)
// and a 1600×960 page, on a model captured from the 6.1 tree (test/fixtures/map-6.1-tcp-send.json:
// the nodes shown by default, the TCP send trace, three expansions). After Fit: labels ≥ 11 px on
// screen, band titles (left gutter) never over a column head, column heads never over each other or a
// box; an expansion's callers above and callees below their origin, in its column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MapState } from '../../webview/state.ts';
import { layoutMap, type LayoutResult } from '../../webview/layout/layout.ts';
import { BAND_HEAD, CHAR_W, LABEL_K, TITLE_LINE, fitView, wrapTitle, columnHead, type Box } from '../../webview/layout/geometry.ts';
import { measure, type Geometry } from '../webview/mapGeometry.ts';
import type { MapEdge, MapModel, MapNode } from '../../src/core/map/protocol.ts';

interface Captured {
  model: MapModel;
  trace: { nodes: MapNode[]; edges: MapEdge[] };
  expansions: Record<string, { nodes: MapNode[]; edges: MapEdge[] }>;
}
const captured = JSON.parse(readFileSync(join(__dirname, '../fixtures/map-6.1-tcp-send.json'), 'utf8')) as Captured;

/** The three views of the measures, as the webview builds them. */
function views(): { name: string; state: MapState }[] {
  const d = new MapState();
  d.init(captured.model);
  const p = new MapState();
  p.init(captured.model);
  p.setPath(captured.trace.nodes, captured.trace.edges);
  const e = new MapState();
  e.init(captured.model);
  e.setPath(captured.trace.nodes, captured.trace.edges);
  for (const [fn, x] of Object.entries(captured.expansions)) e.expand(`fn:${fn}`, 'callees', x.nodes, x.edges);
  return [{ name: 'default', state: d }, { name: 'TCP send', state: p }, { name: 'three expansions', state: e }];
}

const PANEL = { width: 1080, height: 800 };
const PAGE = { width: 1600, height: 960 };
const fmt = (g: Geometry) => `${g.nodes} nodes, ${g.result.width}×${g.result.height}, labels ${g.labelPx.toFixed(1)} px at Fit (${g.wholePx.toFixed(1)} px whole), ${g.crossingsPerEdge.toFixed(2)} crossings/edge`;

const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Text boxes as drawn (monospace, 12 map units): gutter title lines and column heads. */
function texts(r: LayoutResult): { titles: Box[]; heads: (Box & { cell: string })[] } {
  const titles = r.bands.flatMap((b) => b.title.map((line, i) => ({ x: 2, y: b.y + TITLE_LINE * (i + 1) - 11, w: line.length * CHAR_W, h: 13 })));
  const heads = r.cells.filter((c) => c.head).map((c) => ({ cell: `${c.band}|${c.column}`, x: c.x, y: c.y + BAND_HEAD - 16, w: c.head.length * CHAR_W, h: 13 }));
  return { titles, heads };
}

test('panel 1080×800: after Fit every view keeps labels ≥ 11 px; the default and the TCP send path fit whole (or all but a sliver)', () => {
  for (const { name, state } of views()) {
    const g = measure(state, PANEL);
    console.log(`# panel, ${name}: ${fmt(g)}`);
    assert.ok(g.labelPx >= 11, `${name}: ${fmt(g)}`);
    // Fit shows at least the band stack's full width
    assert.ok(g.result.width * (g.labelPx / 12) <= PANEL.width, `${name}: ${fmt(g)}`);
    if (name === 'default') assert.ok(g.wholePx >= 11, `default fits whole: ${fmt(g)}`);
    if (name === 'TCP send') assert.ok(g.wholePx >= 10.5, `TCP send nearly whole: ${fmt(g)}`);
  }
});

test('page 1600×960: the issue\'s measures on the captured 6.1 model', () => {
  const [d, p, e] = views().map(({ state }) => measure(state, PAGE));
  console.log(`# page: default ${fmt(d)}; TCP send ${fmt(p)}; expanded ${fmt(e)}`);
  assert.ok(d.crossingsPerEdge <= 1.0 && d.labelPx >= 11, fmt(d));
  assert.equal(p.path!.crossings, 0);
  assert.ok(p.path!.horizontal <= 1.5 * p.path!.vertical, JSON.stringify(p.path));
  assert.ok(e.crossingsPerEdge <= 1.5 && e.labelPx >= 11, fmt(e));
});

test('band titles sit in the gutter: never over a column head; heads never over each other or a box', () => {
  for (const view of [PANEL, PAGE, { width: 400, height: 700 }]) {
    for (const { name, state } of views()) {
      const r = layoutMap(state.layoutInput({ view }));
      const { titles, heads } = texts(r);
      const where = `${name} at ${view.width}×${view.height}`;
      assert.ok(titles.length >= 6 && heads.length >= 6, where);
      for (const t of titles) assert.ok(t.x + t.w <= r.gutter, `${where}: a title line leaves the gutter`);
      for (const t of titles) for (const h of heads) assert.ok(!overlap(t, h), `${where}: title over ${h.cell}`);
      for (let i = 0; i < heads.length; i++) for (let j = i + 1; j < heads.length; j++) assert.ok(!overlap(heads[i], heads[j]), `${where}: ${heads[i].cell} over ${heads[j].cell}`);
      for (const h of heads) for (const [id, b] of r.boxes) assert.ok(!overlap(h, b), `${where}: ${h.cell} over ${id}`);
      // every band's title lines fit its height
      for (const b of r.bands) assert.ok(b.title.length * TITLE_LINE <= b.h + 2, `${where}: ${b.id} title taller than the band`);
      // boxes never overlap each other
      const all = [...r.boxes];
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) assert.ok(!overlap(all[i][1], all[j][1]), `${where}: ${all[i][0]} over ${all[j][0]}`);
    }
  }
});

test('the lit path wraps into slots when its band runs out of rows and keeps reading top to bottom in each slot', () => {
  const [, { state }] = views();
  const r = layoutMap(state.layoutInput({ view: { width: 700, height: 700 } }));
  const path = state.pathNodes.map((id) => r.boxes.get(id)!);
  const slots = Math.max(...r.bands.map((b) => new Set(path.filter((x) => x.y >= b.y && x.y < b.y + b.h).map((x) => x.x)).size));
  assert.ok(slots >= 2, `${slots} slots in a band`);
  // within a band and a slot, each step is below the one before
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1], b = path[i];
    if (a.x === b.x && Math.abs(a.y - b.y) < 200) assert.ok(b.y > a.y, `step ${i + 1} below step ${i}`);
  }
});

test('Fit: whole when labels stay ≥ 11 px; else the full width at 11 px from the top; else whole (labels hidden)', () => {
  assert.deepEqual(fitView(1000, 700, 1600, 960), { k: Math.min(1.6, (1600 - 32) / 1000, (960 - 32) / 700), all: true });
  assert.deepEqual(fitView(1000, 2000, 1080, 800), { k: LABEL_K, all: false });
  const tiny = fitView(1000, 2000, 400, 700);
  assert.ok(tiny.all && tiny.k < LABEL_K);
});

test('gutter titles and column heads: words kept, hyphens split, NETWORKING dropped, clipped to the cell', () => {
  assert.deepEqual(wrapTitle('Protocol-agnostic socket layer (977)'), ['Protocol-', 'agnostic', 'socket layer', '(977)']);
  assert.deepEqual(wrapTitle('System call interface (74)'), ['System call', 'interface', '(74)']);
  assert.equal(columnHead('NETWORKING [TCP]', 200), '[TCP]');
  assert.equal(columnHead('GRE DEMULTIPLEXER DRIVER', 100), 'GRE DEMULTIPL…');
  assert.ok(columnHead('NETWORKING [IPv4/IPv6]', 40).length * CHAR_W <= 44);
});

test('expand: callees below their origin, callers above, in its column; 12 at a time and a "+N more" bundle', () => {
  const st = new MapState();
  st.init(captured.model);
  const origin = 'fn:tcp_sendmsg', o = st.nodes.get(origin)!;
  assert.ok(o?.visible);
  const mk = (p: string, i: number, layer: MapNode['layer']): MapNode => ({ id: `fn:${p}${i}`, label: `${p}${i}`, kind: 'function', layer, file: 'net/x.c', line: i + 1, detail: 'in net', column: 'NETWORKING [GENERAL]' });
  const callees = [...Array.from({ length: 9 }, (_, i) => mk('callee_p', i, 'protocol')), ...Array.from({ length: 9 }, (_, i) => mk('callee_n', i, 'network'))];
  const r1 = st.expand(origin, 'callees', callees, callees.map((c) => ({ from: origin, to: c.id, kind: 'direct' as const })));
  assert.equal(r1.revealed.length, 12);
  assert.equal(r1.bundled, 6);
  const origin2 = 'fn:ip_rcv';
  const callers = [...Array.from({ length: 5 }, (_, i) => mk('caller_n', i, 'network')), ...Array.from({ length: 4 }, (_, i) => mk('caller_p', i, 'protocol'))];
  st.expand(origin2, 'callers', callers, callers.map((c) => ({ from: c.id, to: origin2, kind: 'direct' as const })));
  for (const view of [PANEL, PAGE]) {
    const r = layoutMap(st.layoutInput({ view }));
    const cellOf = (id: string) => r.cells.find((c) => { const b = r.boxes.get(id)!; return b.x >= c.x && b.x < c.x + c.w + 1 && b.y >= c.y && b.y < c.y + c.h; })!;
    const ob = r.boxes.get(origin)!;
    for (const id of [...r1.revealed, `bundle:callees:${origin}`]) {
      const b = r.boxes.get(id)!;
      assert.ok(b.y > ob.y, `${id} below ${origin}`);
      assert.equal(cellOf(id).column, cellOf(origin).column, `${id} in ${origin}'s column`);
    }
    const ob2 = r.boxes.get(origin2)!;
    for (const c of callers) {
      const b = r.boxes.get(c.id)!;
      assert.ok(b.y < ob2.y, `${c.id} above ${origin2}`);
      assert.equal(cellOf(c.id).column, cellOf(origin2).column, `${c.id} in ${origin2}'s column`);
    }
  }
});
