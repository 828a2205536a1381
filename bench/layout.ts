// The map layout's speed in node (no DOM): 2,000 visible nodes (the budget: ≤ 50 ms) and
// 20,000, on the synthetic model the webview bench uses; median of 7 runs after a warm-up, with the
// time per named step of the median run. Prints a markdown table.
import { layoutMap, type LayoutInput } from '../webview/layout/layout.ts';
import { MapState } from '../webview/state.ts';
import { syntheticModel } from './webview.ts';

export function layoutInputOf(n: number): LayoutInput {
  const st = new MapState();
  const m = syntheticModel(n);
  m.columns = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, title: `c${i}`, count: 0 }));
  for (const [i, node] of m.nodes.entries()) node.column = `c${(i * 7) % 12}`;
  st.init(m);
  return st.layoutInput({ aspect: 1600 / 960 });
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
}

if (require.main === module) void benchLayout();
