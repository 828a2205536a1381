// The map's pure parts on plain data: MAINTAINERS columns (and a tree without or with a malformed
// one), deep links (and unknown names with near misses), the layout pipeline (sub-rows for in-band
// calls, determinism, pinned nodes), expansion bundles and a 20,000-node expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubsystemMatcher, chooseColumns, parseMaintainers, directoryOf } from '../../src/core/map/subsystems.ts';
import { parseDeepLink, formatDeepLink } from '../../webview/deeplink.ts';
import { layoutMap, type LayoutNode } from '../../webview/layout/layout.ts';
import { countCrossings } from '../../webview/layout/geometry.ts';
import { MapState, BUNDLE_MAX } from '../../webview/state.ts';
import type { MapModel, MapNode } from '../../src/core/map/protocol.ts';

const MAINTAINERS = `List of maintainers
\tF: *Files* and directories (a preamble line, indented: not a section)

NETWORKING [GENERAL]
M:\tA <a@b>
F:\tnet/
F:\tinclude/net/
X:\tnet/bluetooth/

NETWORKING [TCP]
F:\tnet/ipv4/tcp*.c
F:\tinclude/net/tcp.h

NETWORKING [IPv4/IPv6]
F:\tnet/ipv4/
F:\tnet/ipv6/

THE REST
F:\t*
F:\t*/
`;

test('MAINTAINERS: most specific F: wins, X: excludes, catch-alls ignored, directory fallback', () => {
  const m = new SubsystemMatcher(parseMaintainers(MAINTAINERS));
  assert.equal(m.of('net/ipv4/tcp_output.c').id, 'NETWORKING [TCP]');
  assert.equal(m.of('net/ipv4/ip_output.c').id, 'NETWORKING [IPv4/IPv6]');
  assert.equal(m.of('net/core/dev.c').id, 'NETWORKING [GENERAL]');
  assert.equal(m.of('include/net/tcp.h').id, 'NETWORKING [TCP]');
  assert.deepEqual(m.of('net/bluetooth/af_bluetooth.c'), { id: 'net/bluetooth', fromMaintainers: false });
  assert.deepEqual(m.of('drivers/net/ethernet/intel/e1000/e1000_main.c'), { id: 'drivers/net/ethernet', fromMaintainers: false });
  assert.equal(directoryOf('Makefile'), '(top)');
});

test('MAINTAINERS missing or malformed: one line, columns by directory, no crash', () => {
  const none = parseMaintainers(null);
  assert.match(none.problem!, /no MAINTAINERS file/);
  for (const bad of ['', '\0\0\0garbage', 'X:\tnothing\nF:\t\n', 'A\nF:\t[unclosed\n', 'x'.repeat(100_000)]) {
    const p = parseMaintainers(bad);
    assert.match(p.problem ?? '', /no section with F: patterns/);
    assert.equal(new SubsystemMatcher(p).of('net/ipv4/tcp.c').id, 'net/ipv4');
  }
});

test('columns: at most 12, the rest under "other", shown nodes first, deterministic', () => {
  const counts = new Map(Array.from({ length: 30 }, (_, i) => [`s${i}`, 100 - i] as [string, number]));
  const { columns, columnOf } = chooseColumns(counts, 12, new Map([['s29', 5]]));
  assert.equal(columns.length, 12);
  assert.equal(columns[0].id, 's29');
  assert.equal(columns[11].id, 'other');
  assert.equal(columnOf('s28'), 'other');
  assert.deepEqual(chooseColumns(counts, 12, new Map([['s29', 5]])).columns, columns);
});

test('deep links: focus, preset, from,via,to with depth; malformed ones say why', () => {
  assert.deepEqual(parseDeepLink('#focus=tcp_sendmsg'), { kind: 'focus', fn: 'tcp_sendmsg' });
  assert.deepEqual(parseDeepLink('#path=tcp-send'), { kind: 'preset', preset: 'tcp-send' });
  assert.deepEqual(parseDeepLink('#path=__sys_sendto,ip_output,loopback_xmit&depth=20'), { kind: 'trace', from: '__sys_sendto', via: 'ip_output', to: 'loopback_xmit', depth: 20 });
  assert.equal(formatDeepLink({ kind: 'trace', from: 'a', via: 'b', to: 'c', depth: 5 }), '#path=a,b,c&depth=5');
  assert.equal(parseDeepLink(''), undefined);
  for (const bad of ['#focus=a b', '#path=a,b,c,d', '#path=x;rm', '#depth=0&path=a,b', '#zoom=3']) assert.ok('error' in (parseDeepLink(bad) as object), bad);
});

const fn = (name: string, layer: LayoutNode['layer'], column = 'c'): LayoutNode => ({ id: `fn:${name}`, label: name, layer, column });

test('layout: a call inside a band goes one sub-row down; the same input gives the same boxes; pinned stays', () => {
  const nodes = [fn('a', 'protocol'), fn('b', 'protocol'), fn('c', 'protocol'), fn('d', 'network'), fn('x', 'protocol', 'k')];
  const edges = [{ from: 'fn:a', to: 'fn:b' }, { from: 'fn:b', to: 'fn:c' }, { from: 'fn:c', to: 'fn:d' }, { from: 'fn:c', to: 'fn:a' }];
  const r = layoutMap({ nodes, edges, columns: ['c', 'k'] });
  const y = (id: string) => r.boxes.get(`fn:${id}`)!.y;
  assert.ok(y('a') < y('b') && y('b') < y('c') && y('c') < y('d'), JSON.stringify([...r.boxes]));
  assert.equal(countCrossings(r.boxes, edges.slice(0, 3)), 0);
  assert.deepEqual([...layoutMap({ nodes: [...nodes].reverse(), edges, columns: ['c', 'k'] }).boxes].sort(), [...r.boxes].sort());
  const pinned = layoutMap({ nodes, edges, columns: ['c', 'k'], pinned: { 'fn:x': { x: 900, y: 5 } } });
  assert.deepEqual([pinned.boxes.get('fn:x')!.x, pinned.boxes.get('fn:x')!.y], [900, 5]);
  assert.deepEqual(r.steps.map((s) => s.name), ['index graph', 'order columns by the seed paths', 'break cycles and assign in-band levels', 'choose sub-rows per band for the aspect', 'pack cells into sub-rows', 're-plan bands that packed wider than planned', 'order by median sweeps', 'place boxes']);
});

function model(n: number): MapModel {
  const nodes: MapNode[] = [{ id: 'fn:root', label: 'root', kind: 'function', layer: 'protocol', file: 'net/a.c', line: 1, detail: 'in net/a.c', key: true, column: 'c' }];
  return { layers: [], nodes, edges: [], presets: [], graphAvailable: true, notes: [], kernelVersion: null, columns: [{ id: 'c', title: 'c', count: n }] };
}

test('expansion: 12 shown, the rest in a "+N more" bundle that opens 12 at a time; collapse undoes; 20,000 neighbours stay bounded', () => {
  const st = new MapState();
  st.init(model(1));
  const many = Array.from({ length: 20_000 }, (_, i): MapNode => ({ id: `fn:f${i}`, label: `f${i}`, kind: 'function', layer: (['socket', 'protocol', 'network', 'device'] as const)[i % 4], file: `net/x${i % 7}.c`, line: i + 1, detail: 'in net', column: 'c' }));
  const r = st.expand('fn:root', 'callees', many, many.map((n) => ({ from: 'fn:root', to: n.id, kind: 'direct' as const })));
  assert.equal(r.revealed.length, BUNDLE_MAX);
  assert.equal(r.bundled, 20_000 - BUNDLE_MAX);
  const bundle = [...st.nodes.values()].find((n) => n.kind === 'bundle')!;
  assert.match(bundle.label, /^\+19988 more callees$/);
  assert.equal(st.visibleNodes().length, 1 + BUNDLE_MAX + 1);
  const t0 = Date.now();
  const lay = layoutMap(st.layoutInput());
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(lay.boxes.size, 14);
  assert.equal(st.openBundle(bundle.id).length, BUNDLE_MAX);
  assert.equal(st.visibleNodes().length, 1 + 2 * BUNDLE_MAX + 1);
  st.collapse('fn:root');
  assert.deepEqual(st.visibleNodes().map((n) => n.id), ['fn:root']);
});
