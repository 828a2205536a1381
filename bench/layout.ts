// The map layout's speed in node (no DOM): 2,000 visible nodes (the budget: ≤ 50 ms) and
// 20,000, on the synthetic model the webview bench uses; median of 7 runs after a warm-up, with the
// time per named step of the median run. Then the re-layout an expand or a collapse costs on the
// 2,000-node map (budget ≤ 100 ms): three nodes expanded one after the other (24 callees each: 12
// shown and a "+12 more" bundle), then collapsed. Prints markdown tables.
import { layoutMap, type LayoutInput } from '../webview/layout/layout.ts';
import { MapState } from '../webview/state.ts';
import type { MapNode } from '../src/core/map/protocol.ts';
import { syntheticModel } from './webview.ts';

const VIEW = { width: 1600, height: 960 };

function stateOf(n: number): MapState {
  const st = new MapState();
  const m = syntheticModel(n);
  m.columns = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, title: `c${i}`, count: 0 }));
  for (const [i, node] of m.nodes.entries()) node.column = `c${(i * 7) % 12}`;
  st.init(m);
  return st;
}

export function layoutInputOf(n: number): LayoutInput {
  return stateOf(n).layoutInput({ view: VIEW });
}

/** Median and min of `runs` timings of f (after one warm-up). */
function timeIt(f: () => void, runs: number): { median: number; min: number } {
  f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[ms.length >> 1], min: ms[0] };
}

/** Re-layout after each of three expansions and three collapses on an n-node map. */
export function benchExpand(n = 2000, runs = 7): { step: string; visible: number; median: number; min: number }[] {
  const st = stateOf(n);
  const origins = ['fn:f14', 'fn:f15', 'fn:f16'];
  const rows: { step: string; visible: number; median: number; min: number }[] = [];
  const relayout = (step: string) => {
    const input = st.layoutInput({ view: VIEW });
    rows.push({ step, visible: input.nodes.length, ...timeIt(() => layoutMap(input), runs) });
  };
  relayout('before');
  for (const o of origins) {
    const origin = st.nodes.get(o)!;
    const callees: MapNode[] = Array.from({ length: 24 }, (_, i) => ({ id: `fn:${o.slice(3)}_callee${i}`, label: `${origin.label}_callee_${i}`, kind: 'function', layer: origin.layer, file: origin.file, line: i + 1, detail: 'synthetic', column: origin.column }));
    st.expand(o, 'callees', callees, callees.map((c) => ({ from: o, to: c.id, kind: 'direct' as const })));
    relayout(`expand ${origin.label}`);
  }
  for (const o of origins) {
    st.collapse(o);
    relayout(`collapse ${st.nodes.get(o)!.label}`);
  }
  return rows;
}

export async function benchLayout(): Promise<void> {
  console.log('\n### Map layout (node, no DOM)\n');
  console.log('| visible nodes | edges | median ms | min ms | slowest step (median run) |');
  console.log('|---:|---:|---:|---:|---|');
  for (const n of [200, 2000, 20000]) {
    const input = layoutInputOf(n);
    layoutMap(input);
    const runs: { ms: number; steps: { name: string; ms: number }[] }[] = [];
    for (let i = 0; i < (n > 5000 ? 3 : 7); i++) {
      const t0 = performance.now();
      const r = layoutMap(input);
      runs.push({ ms: performance.now() - t0, steps: r.steps });
    }
    runs.sort((a, b) => a.ms - b.ms);
    const med = runs[runs.length >> 1];
    const slow = [...med.steps].sort((a, b) => b.ms - a.ms)[0];
    console.log(`| ${n} | ${input.edges.length} | ${med.ms.toFixed(1)} | ${runs[0].ms.toFixed(1)} | ${slow.name} ${slow.ms.toFixed(1)} ms |`);
  }
  console.log('\n### Map re-layout on expand / collapse (node, 2,000-node map, budget ≤ 100 ms)\n');
  console.log('| step | visible nodes | median ms | min ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of benchExpand()) console.log(`| ${r.step} | ${r.visible} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)} |`);
}

if (require.main === module) void benchLayout();
