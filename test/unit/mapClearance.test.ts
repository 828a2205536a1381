// The map's texts kept clear of boxes (pure): badges beside their boxes and never over another box,
// a mark or another badge, the short form where only it fits; band titles left of the band, wrapped to
// the band's height. And the layouts memo: the same input gives the same layout without the pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandTitleLines, overlaps, placeBadges, placeBandTitle, textBox } from '../../webview/layout/clearance.ts';
import { LayoutMemo } from '../../webview/layout/memo.ts';
import { layoutMap } from '../../webview/layout/layout.ts';
import { MapState } from '../../webview/state.ts';
import type { Box } from '../../webview/layout/geometry.ts';
import { syntheticModel } from '../../bench/webview.ts';
import type { MapNode } from '../../src/core/map/protocol.ts';

const PX = 9, BASE = 13;
const abs = (boxes: Map<string, Box>, id: string, p: { x: number; y: number; anchor: 'start' | 'end'; text: string }) => textBox(p.text, PX, boxes.get(id)!.x + p.x, boxes.get(id)!.y + p.y, p.anchor);

test('badges: right of the box when free, else left, else above, else the value alone; never over another box, a mark or each other', () => {
  const boxes = new Map<string, Box>([
    ['a', { x: 0, y: 0, w: 100, h: 18 }],
    // b leaves 200 units right of a: a's badge fits there
    ['b', { x: 300, y: 0, w: 100, h: 18 }],
    // c and d are 8 apart: c's badge goes left of c (free), d's right of d
    ['c', { x: 0, y: 24, w: 100, h: 18 }],
    ['d', { x: 108, y: 24, w: 100, h: 18 }],
    ['e', { x: 216, y: 24, w: 60, h: 18 }],
  ]);
  const long = 'Tcp:OutSegs 12.3k +4.5/s';
  const p = placeBadges(boxes, [{ id: 'a', text: long }, { id: 'd', text: long, short: '+4.5/s' }, { id: 'b', text: long }], PX, BASE);
  assert.deepEqual(p.get('a'), { x: 103, y: BASE, anchor: 'start', text: long });
  // d: right runs into e, left into c, above into a and a's badge; the short text fits none of them
  // either (e and c are 8 away): no badge (the hover and the heat still say it)
  assert.equal(p.get('d'), undefined);
  // b: right of b is free
  assert.equal(p.get('b')?.anchor, 'start');
  const shown = [...p].filter(([, v]) => v).map(([id, v]) => [id, abs(boxes, id, v!)] as const);
  for (const [id, r] of shown) {
    for (const [o, b] of boxes) if (o !== id) assert.ok(!overlaps(r, b), `${id}'s badge over ${o}`);
    for (const [o, q] of shown) if (o !== id) assert.ok(!overlaps(r, q), `${id}'s badge over ${o}'s`);
  }
  // with room for the short text only: the short text
  const tight = new Map<string, Box>([['x', { x: 0, y: 0, w: 100, h: 18 }], ['y', { x: 150, y: 0, w: 100, h: 18 }], ['z', { x: -60, y: 0, w: 52, h: 18 }], ['w', { x: 0, y: -24, w: 300, h: 18 }]]);
  assert.deepEqual(placeBadges(tight, [{ id: 'x', text: long, short: '+4.5/s' }], PX, BASE).get('x'), { x: 103, y: BASE, anchor: 'start', text: '+4.5/s' });
  // a mark (a path step number) where the badge would go keeps it away
  const marked = placeBadges(new Map([['x', { x: 0, y: 0, w: 100, h: 18 }]]), [{ id: 'x', text: long }], PX, BASE, [{ x: 110, y: 2, w: 16, h: 16 }]);
  assert.equal(marked.get('x')?.anchor, 'end');
});

test('band titles zoomed out: in the band\'s leftmost free stretch (one line, else two), else left of it', () => {
  const band = { y: 0, h: 160 };
  const row = (y: number, x0: number, n: number) => Array.from({ length: n }, (_, i) => ({ x: x0 + i * 108, y, w: 100, h: 18 }));
  // rows 0-1 full from the gutter to 1200, rows 2-3 end at 420, rows 4-5 empty: the title goes under
  // rows 0-1, right of 420
  const boxes = [...row(22, 110, 11), ...row(46, 110, 11), ...row(70, 110, 3), ...row(94, 110, 3)].sort((a, b) => a.x - b.x);
  const t = placeBandTitle(band, 'Network layer (IP) (10076)', 30, boxes, 2, 1300, -14);
  assert.equal(t.anchor, 'start');
  assert.deepEqual(t.lines, ['Network layer (IP) (10076)']);
  const r = textBox(t.lines[0], 30, t.x, t.y);
  for (const b of boxes) assert.ok(!overlaps(r, b), JSON.stringify([r, b]));
  assert.ok(t.x >= 420 && r.y >= 64, JSON.stringify(r));
  // no stretch wide enough for one line: two lines where a narrower gap is
  const two = placeBandTitle(band, 'Network layer (IP) (10076)', 30, boxes, 2, 700, -14);
  assert.deepEqual(two.lines, ['Network layer', '(IP) (10076)']);
  assert.equal(two.anchor, 'start');
  // a band full to the edge: left of it, right-aligned at -14
  const full = placeBandTitle(band, 'Network layer (IP) (10076)', 30, [...row(0, 0, 13), ...row(24, 0, 13), ...row(48, 0, 13), ...row(72, 0, 13), ...row(96, 0, 13)].sort((a, b) => a.x - b.x), 2, 1400, -14);
  assert.equal(full.anchor, 'end');
  assert.equal(full.x, -14);
});

test('band titles left of the band: as many lines as its height holds, centred on it', () => {
  const t = 'Protocol-agnostic socket layer (977)';
  const tall = bandTitleLines({ y: 100, h: 258 }, t, 30);
  assert.deepEqual(tall.lines, ['Protocol-', 'agnostic', 'socket layer', '(977)']);
  const short = bandTitleLines({ y: 0, h: 66 }, 'System call interface (74)', 30);
  assert.deepEqual(short.lines, ['System call interface (74)'], 'a two-row band holds one line');
  assert.ok(short.y > 0 && short.y < 66);
  // a band of 110 holds three lines of 30: the lines grow longer until three hold the title
  assert.deepEqual(bandTitleLines({ y: 0, h: 110 }, t, 30).lines, ['Protocol-', 'agnostic socket', 'layer (977)']);
});

test('layouts memo: the same input again gives the same layout without the pipeline; a new input lays out anew; bounded', () => {
  const st = new MapState();
  const m = syntheticModel(300);
  st.init(m);
  const memo = new LayoutMemo(2);
  const view = { width: 1600, height: 960 };
  const first = memo.layout(st.layoutInput({ view }));
  assert.deepEqual([...first.boxes], [...layoutMap(st.layoutInput({ view })).boxes]);
  const o = m.nodes[20];
  const callees: MapNode[] = Array.from({ length: 5 }, (_, i) => ({ id: `${o.id}_c${i}`, label: `c${i}`, kind: 'function', layer: o.layer, file: o.file, line: 1, detail: '' }));
  st.expand(o.id, 'callees', callees, callees.map((c) => ({ from: o.id, to: c.id, kind: 'direct' as const })));
  const expanded = memo.layout(st.layoutInput({ view }));
  assert.notEqual(expanded.boxes, first.boxes);
  assert.ok(expanded.boxes.has(callees[0].id));
  st.collapse(o.id);
  // the collapse undid the expand: the first layout again, not laid out
  const again = memo.layout(st.layoutInput({ view }));
  assert.equal(again.boxes, first.boxes);
  assert.deepEqual(again.steps.map((s) => s.name), ['same input as a recent layout']);
  // bounded: two more inputs push the first out
  memo.layout(st.layoutInput({ view: { width: 1000, height: 800 } }));
  memo.layout(st.layoutInput({ view: { width: 900, height: 800 } }));
  assert.notEqual(memo.layout(st.layoutInput({ view })).boxes, first.boxes);
});
