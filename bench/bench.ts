// `npm run bench`: our indexer side by side with ctags and cscope on the same file list of
// linux-source-6.1's network scope, in one run; then warm reopen and one-file re-index; then the
// live-metrics bench. Prints tables of medians and ratios (this machine is shared and noisy).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSourceFiles } from '../src/core/index/kernelTree.ts';
import { med, median, timed, timedCscope, timedGtags, type Measure } from './measure.ts';
import { openIndex } from '../src/core/index/indexer.ts';
import { distGrammarLocation } from '../src/core/index/treeSitter.ts';
import { CallGraph } from '../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../src/core/graph/layers.ts';
import { PRESETS, waypointPath } from '../src/core/graph/presets.ts';
import { treeFileReader } from '../src/core/index/treeFiles.ts';

const repo = join(__dirname, '..');
const dist = join(repo, 'dist');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const tree = process.env.NETSTACK_ATLAS_KERNEL ?? execFileSync('bash', [join(repo, 'scripts/kernel-tree.sh')], { encoding: 'utf8' }).trim();
const work = mkdtempSync(join(tmpdir(), 'nsa-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

async function main() {
  const files = listSourceFiles(tree).files;
  const list = join(work, 'files.txt');
  writeFileSync(list, files.join('\n') + '\n');
  console.log(`# linux-source-6.1 network scope: ${files.length} files; ${runs} runs each, medians\n`);
  const ctags: Measure[] = [], cscope: Measure[] = [], gtags: Measure[] = [], cold: Measure[] = [], precise: Measure[] = [], warm: Measure[] = [];
  const cache = join(work, 'cache');
  for (let i = 0; i < runs; i++) {
    ctags.push(timed('ctags', ['-L', list, '--languages=C', '--langmap=C:.c.h', '--fields=+n', '-f', join(work, 'tags')], tree));
    cscope.push(timedCscope(tree, list, work));
    gtags.push(timedGtags(tree, list, work));
    rmSync(cache, { recursive: true, force: true });
    precise.push(timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet', '--precise', '--no-derived']));
    rmSync(cache, { recursive: true, force: true });
    cold.push(timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet', '--no-derived']));
    warm.push(timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet', '--no-derived']));
  }
  // one-file re-index, in process, on an open index (what the editor does on save)
  const session = await openIndex(tree, { grammar: distGrammarLocation(dist), distDir: dist, cacheDir: cache });
  const one: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    await session.reindexFile('net/ipv4/tcp.c');
    one.push((performance.now() - t) / 1000);
  }
  // the resolution pass, then queries on the resolved graph (what the editor and the map do)
  const tg = performance.now();
  const graph = new CallGraph(session.index);
  const graphSeconds = (performance.now() - tg) / 1000;
  const pathMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    for (const p of Object.values(PRESETS)) {
      const t = performance.now();
      waypointPath(graph, p.waypoints);
      pathMs.push(performance.now() - t);
    }
  }
  const pairMs: number[] = [];
  for (const [a, b] of [['__sys_sendto', 'loopback_xmit'], ['netif_receive_skb', 'tcp_rcv_established'], ['udp_sendmsg', 'dev_queue_xmit'], ['loopback_xmit', '__sys_sendto']]) {
    const t = performance.now();
    graph.path(a, b);
    pairMs.push(performance.now() - t);
  }
  const layersMs: number[] = [];
  const readFile = treeFileReader(tree);
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    buildLayerModel(session.index, graph, readFile);
    layersMs.push(performance.now() - t);
  }
  session.dispose();
  const c = med(cscope);
  const rows: [string, Measure, string][] = [
    ['ctags (universal-ctags)', med(ctags), ''],
    ['GNU global (gtags)', med(gtags), (med(gtags).seconds / c.seconds).toFixed(2)],
    ['cscope -b -q -k', c, '1.00'],
    ['netstack-atlas index, cold (drivers/net bodies lexed, the default)', med(cold), (med(cold).seconds / c.seconds).toFixed(2)],
    ['netstack-atlas index --precise, cold (tree-sitter everywhere)', med(precise), (med(precise).seconds / c.seconds).toFixed(2)],
    ['netstack-atlas index, warm reopen', med(warm), (med(warm).seconds / c.seconds).toFixed(2)],
    ['netstack-atlas re-index net/ipv4/tcp.c (in process, first run excluded)', { seconds: median(one.slice(1)), rssMiB: NaN, cpu: NaN }, ''],
  ];
  console.log('| what | wall s (median) | CPU s | peak RSS MiB | wall / cscope | CPU / cscope |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, m, ratio] of rows) console.log(`| ${name} | ${m.seconds.toFixed(3)} | ${Number.isNaN(m.cpu) ? '–' : m.cpu.toFixed(1)} | ${Number.isNaN(m.rssMiB) ? '–' : m.rssMiB.toFixed(0)} | ${ratio} | ${Number.isNaN(m.cpu) ? '' : (m.cpu / c.cpu).toFixed(2)} |`);
  console.log(`\ntargets: cold ≤ 1.0 × cscope with peak RSS ≤ cscope's, warm ≤ 1 s, one file ≤ 0.1 s`);
  console.log('\n| call graph (in process, warm index) | median | target |');
  console.log('|---|---:|---:|');
  console.log(`| indirect-call resolution pass | ${graphSeconds.toFixed(2)} s (${((graphSeconds / med(cold).seconds) * 100).toFixed(1)} % of cold index) | ≤ 20 % |`);
  console.log(`| preset path query (5 presets × 5) | ${median(pathMs).toFixed(1)} ms | ≤ 50 ms |`);
  console.log(`| from → to path query (4 pairs, one unreachable) | ${median(pairMs).toFixed(1)} ms (max ${Math.max(...pairMs).toFixed(0)}) | ≤ 50 ms |`);
  console.log(`| layers model | ${median(layersMs).toFixed(0)} ms | ≤ 200 ms |`);

  {
    const { benchWebview } = await import('./webview.ts');
    const w = await benchWebview(2000);
    console.log('\n| map webview (headless Chromium) | value | target |\n|---|---:|---|');
    console.log(w ? `| first paint of ${w.nodes} nodes | ${w.firstPaintMs.toFixed(0)} ms | ≤ 1000 ms |` : '| first paint | Chromium not installed: skipped | |');
    const { benchWebviewExpand, medianMax } = await import('./webview.ts');
    const ex = await benchWebviewExpand(2000);
    if (ex) {
      const sync = medianMax(ex.map((r) => r.layoutMs + r.drawMs)), frame = medianMax(ex.map((r) => r.frameMs)), moved = medianMax(ex.map((r) => r.moved));
      console.log(`| expand / collapse re-render of a 2,000-node map: layout + draw (then a 300 ms transition of the ${moved.median.toFixed(0)} nodes that move, median) | median ${sync.median.toFixed(0)} ms, max ${sync.max.toFixed(0)} ms (${ex.length} steps) | ≤ 100 ms |`);
      console.log(`| the same, until the first frame of the transition is on screen | median ${frame.median.toFixed(0)} ms, max ${frame.max.toFixed(0)} ms | |`);
    }
  }
  if (process.env.BENCH_SKIP_GRAPH_RUNTIME !== '1') {
    // a capture of scripts/traffic.sh under `perf record -a -g -e cpu-clock -F 999` (perf.data, perf script text or folded)
    const capture = process.env.BENCH_PERF_CAPTURE;
    if (!capture) console.log('\n| call graph against run-time stacks | skipped: set BENCH_PERF_CAPTURE (perf.data, perf script text or folded stacks of scripts/traffic.sh) |\n|---|---|');
    else {
      const { benchGraphRuntime } = await import('./graphRuntime.ts');
      await benchGraphRuntime({ tree, capture, dist, cacheDir: cache, coldSeconds: med(cold).seconds });
    }
  }
  if (process.env.BENCH_SKIP_DERIVED !== '1') {
    const { benchDerived } = await import('./derived.ts');
    await benchDerived({ tree, work, runs: Math.max(runs, 5) });
  }
  if (process.env.BENCH_SKIP_FULL_TREE !== '1') {
    const { benchWholeTree } = await import('./coldIndex.ts');
    await benchWholeTree({ dist, log: (l) => console.log(l) });
  }
  if (process.env.BENCH_SKIP_METRICS !== '1') {
    const { benchMetrics } = await import('./metrics.ts');
    const m = await benchMetrics({ log: (l) => console.log(l) });
    console.log('\n| live metrics | value |\n|---|---:|');
    for (const r of m.rows) console.log(`| ${r.name} | ${r.value} |`);
  }
  if (process.env.BENCH_SKIP_RUNTIME !== '1') {
    const { benchRuntime } = await import('./runtime.ts');
    const r = await benchRuntime();
    console.log('\n| run time (perf stacks and drops) | value | target |\n|---|---:|---|');
    for (const x of r.rows) console.log(`| ${x.name} | ${x.value} | ${x.target} |`);
  }
  if (process.env.BENCH_SKIP_HARDENING !== '1') {
    const { benchHardening } = await import('./hardening.ts');
    await benchHardening(tree);
  }
  if (process.env.BENCH_SKIP_LAYOUT !== '1') {
    const { benchLayout } = await import('./layout.ts');
    await benchLayout();
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
