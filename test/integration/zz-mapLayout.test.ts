// The stack map's geometry on the real 6.1 model (the measures, 1600×1000 window after Fit):
// default view ≤ 1.0 crossing per visible edge; TCP send path 0 crossings among its own edges and
// horizontal travel ≤ 1.5× vertical; after expanding three of its nodes ≤ 1.5 crossings per edge;
// labels ≥ 11 px on screen; the same in a VS Code panel (1080×800). Also: the same input gives the same
// picture.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { grammar, distDir, integrationCache } from '../helpers.ts';
import { openIndex, type IndexSession } from '../../src/core/index/indexer.ts';
import { buildGraphs } from '../../src/core/map/graphs.ts';
import { MapBuilder } from '../../src/core/map/mapModel.ts';
import { MapState } from '../../webview/state.ts';
import { layoutMap } from '../../webview/layout/layout.ts';
import { measure } from '../webview/mapGeometry.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
let s: IndexSession;
let builder: MapBuilder;

before(async () => {
  assert.ok(tree, 'NETSTACK_ATLAS_KERNEL must point at linux-source-6.1');
  s = await openIndex(tree, { grammar, distDir, cacheDir: integrationCache });
  builder = new MapBuilder({ index: s.index, ...buildGraphs(s.index, () => {}) });
});
after(() => s?.dispose());

const fmt = (g: ReturnType<typeof measure>) => `${g.nodes} nodes, ${g.edges} edges, ${g.crossingsPerEdge.toFixed(2)} crossings/edge, labels ${g.labelPx.toFixed(1)} px, layout ${g.layoutMs.toFixed(1)} ms`;

test('6.1 map: columns are MAINTAINERS sections (≤ 12), every node in one', () => {
  const m = builder.build();
  assert.ok(m.columns && m.columns.length <= 12 && m.columns.length >= 6, JSON.stringify(m.columns));
  const ids = new Set(m.columns.map((c) => c.id));
  for (const want of ['NETWORKING [TCP]', 'NETWORKING [IPv4/IPv6]', 'NETWORKING [GENERAL]', 'NETWORKING DRIVERS']) assert.ok(ids.has(want), want);
  for (const n of m.nodes) assert.ok(n.column && ids.has(n.column), `${n.id} column ${n.column}`);
  assert.equal(m.nodes.find((n) => n.label === 'tcp_write_xmit')?.column, 'NETWORKING [TCP]');
  assert.equal(m.nodes.find((n) => n.label === 'ip_output')?.column, 'NETWORKING [IPv4/IPv6]');
});

test('6.1 map: default view ≤ 1.0 crossing per visible edge, labels ≥ 11 px after Fit, deterministic', () => {
  const st = new MapState();
  st.init(builder.build());
  const g = measure(st);
  console.log(`# default view: ${fmt(g)}`);
  assert.ok(g.edges > 40, `${g.edges} visible edges`);
  assert.ok(g.crossingsPerEdge <= 1.0, fmt(g));
  assert.ok(g.labelPx >= 11, fmt(g));
  const again = layoutMap(st.layoutInput({ view: { width: 1600, height: 960 } }));
  assert.deepEqual([...again.boxes], [...g.result.boxes]);
});

test('6.1 map: TCP send path reads top to bottom (0 self-crossings, sideways ≤ 1.5× down); three expansions stay ≤ 1.5 crossings/edge', () => {
  const st = new MapState();
  st.init(builder.build());
  const t = builder.trace('tcp-send');
  assert.equal(t.found, true, t.message);
  st.setPath(t.nodes, t.edges);
  const g = measure(st);
  console.log(`# TCP send: ${fmt(g)}; path ${g.path!.edges} edges, ${g.path!.crossings} self-crossings, horizontal ${Math.round(g.path!.horizontal)} vs vertical ${Math.round(g.path!.vertical)} (${(g.path!.horizontal / g.path!.vertical).toFixed(2)}×)`);
  assert.ok(g.path!.edges >= t.nodes.length - 2);
  assert.equal(g.path!.crossings, 0);
  assert.ok(g.path!.horizontal <= 1.5 * g.path!.vertical, `horizontal ${g.path!.horizontal} vertical ${g.path!.vertical}`);
  assert.ok(g.labelPx >= 11, fmt(g));
  // expand three nodes of the path (callees, as a click does)
  for (const fn of ['tcp_sendmsg_locked', 'ip_finish_output2', '__dev_queue_xmit']) {
    const id = `fn:${fn}`;
    assert.ok(st.nodes.get(id)?.visible, `${fn} on the path`);
    const r = builder.expand(fn, 'callees');
    st.expand(id, 'callees', r.nodes, r.edges);
  }
  const e = measure(st);
  console.log(`# after three expansions: ${fmt(e)}`);
  assert.ok(e.crossingsPerEdge <= 1.5, fmt(e));
  assert.ok([...st.nodes.values()].some((n) => n.kind === 'bundle'), 'a "+N more" bundle');
});

test('6.1 map in a VS Code panel (1080×800): labels ≥ 11 px after Fit in the default view, the TCP send path and after three expansions', () => {
  const panel = { width: 1080, height: 800 };
  const st = new MapState();
  st.init(builder.build());
  const d = measure(st, panel);
  console.log(`# panel default: ${fmt(d)}`);
  assert.ok(d.labelPx >= 11 && d.wholePx >= 11, fmt(d));
  const t = builder.trace('tcp-send');
  st.setPath(t.nodes, t.edges);
  const p = measure(st, panel);
  console.log(`# panel TCP send: ${fmt(p)} (whole picture ${p.wholePx.toFixed(1)} px)`);
  assert.ok(p.labelPx >= 11, fmt(p));
  for (const fn of ['tcp_sendmsg_locked', 'ip_finish_output2', '__dev_queue_xmit']) {
    const r = builder.expand(fn, 'callees');
    st.expand(`fn:${fn}`, 'callees', r.nodes, r.edges);
  }
  const e = measure(st, panel);
  console.log(`# panel after three expansions: ${fmt(e)} (whole picture ${e.wholePx.toFixed(1)} px)`);
  assert.ok(e.labelPx >= 11, fmt(e));
});
