// What a run-time overlay reveals on the map (webview/runtimeReveal.ts, pure): the run-time path, the nodes that
// dropped, the ends of unexplained calls and the hottest functions — a bounded set, not every node
// the overlay names; explained observed calls become map edges, unexplained ones do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observedEdges, overlayReveal, OVERLAY_REVEAL } from '../../webview/runtimeReveal.ts';
import type { RuntimeOverlay } from '../../src/core/map/protocol.ts';

function overlay(n: number): RuntimeOverlay {
  const ids = Array.from({ length: n }, (_, i) => `fn:f${i}`);
  return {
    type: 'runtime/overlay', kernelRelease: '6.18.0', treeVersion: '6.1.0', seconds: 10, samples: 1000,
    nodes: ids.map((id) => ({ id, label: id.slice(3), kind: 'function', layer: 'protocol', file: 'net/x.c', line: 1, detail: '' })),
    // f0 hottest … f(n-1) coldest
    heat: Object.fromEntries(ids.map((id, i) => [id, (n - i) / (n * 2)])),
    edges: [
      { from: 'fn:f0', to: 'fn:f1', samples: 90, static: { kind: 'direct', hops: 1 } },
      { from: 'fn:f1', to: 'fn:f350', samples: 9, static: { kind: 'ops', hops: 3 } },
      { from: 'fn:f380', to: 'fn:f399', samples: 4, static: null },
      { from: 'fn:f2', to: 'fn:f3', samples: 1 },
    ],
    hotPath: ['fn:f0', 'fn:f1', 'fn:f300'],
    drops: { 'fn:f390': [{ reason: 'NO_SOCKET', count: 7, lines: [{ file: 'net/x.c', line: 3 }] }] },
    notInTree: [], notes: [],
  };
}

test('an overlay of 400 nodes reveals the hot path, drop sites, unexplained ends and the hottest, no more', () => {
  const shown = new Set(overlayReveal(overlay(400)));
  for (const id of ['fn:f0', 'fn:f1', 'fn:f300', 'fn:f390', 'fn:f380', 'fn:f399']) assert.ok(shown.has(id), id);
  for (let i = 0; i < OVERLAY_REVEAL - 3; i++) assert.ok(shown.has(`fn:f${i}`), `f${i} among the hottest`);
  assert.ok(!shown.has('fn:f200'), 'a lukewarm function waits for a search or an expansion');
  assert.ok(shown.size <= OVERLAY_REVEAL + 3 + 3, `${shown.size} revealed`);
});

test('a small overlay is revealed whole; explained observed calls become edges with their kind', () => {
  const small = overlay(5);
  small.edges = small.edges.filter((e) => Number(e.to.slice(4)) < 5);
  small.hotPath = ['fn:f0', 'fn:f1'];
  small.drops = {};
  assert.deepEqual(new Set(overlayReveal(small)), new Set(small.nodes.map((n) => n.id)));
  const edges = observedEdges(overlay(400));
  assert.deepEqual(edges.map((e) => [e.from, e.to, e.kind]), [['fn:f0', 'fn:f1', 'direct'], ['fn:f1', 'fn:f350', 'ops']]);
  assert.match(edges[1].evidence!, /a path of 3 static edges/);
});
