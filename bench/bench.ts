// `npm run bench`: our indexer side by side with ctags and cscope on the same file list of
// linux-source-6.1's network scope, in one run; then warm reopen and one-file re-index; then the
// live-metrics bench. Prints tables of medians and ratios (this machine is shared and noisy).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSourceFiles } from '../src/core/index/kernelTree.ts';
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

interface Measure {
  seconds: number;
  rssMiB: number;
}

/** Wall seconds and peak RSS of a command, from GNU time. */
function timed(cmd: string, args: string[], cwd = repo): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-500)}`);
  const m = /(\d+\.\d+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr.slice(-200)}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const med = (ms: Measure[]): Measure => ({ seconds: median(ms.map((m) => m.seconds)), rssMiB: median(ms.map((m) => m.rssMiB)) });

async function main() {
  const files = listSourceFiles(tree).files;
  const list = join(work, 'files.txt');
  writeFileSync(list, files.join('\n') + '\n');
  console.log(`# linux-source-6.1 network scope: ${files.length} files; ${runs} runs each, medians\n`);
  const ctags: Measure[] = [], cscope: Measure[] = [], cold: Measure[] = [], warm: Measure[] = [];
  const cache = join(work, 'cache');
  for (let i = 0; i < runs; i++) {
    ctags.push(timed('ctags', ['-L', list, '--languages=C', '--langmap=C:.c.h', '--fields=+n', '-f', join(work, 'tags')], tree));
    // cscope updates an existing database incrementally: start from nothing each time
    for (const ext of ['', '.in', '.po']) rmSync(join(work, 'cscope.out' + ext), { force: true });
    cscope.push(timed('cscope', ['-b', '-q', '-k', '-i', list, '-f', join(work, 'cscope.out')], tree));
    rmSync(cache, { recursive: true, force: true });
    cold.push(timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet']));
    warm.push(timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet']));
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
    ['cscope -b -q -k', c, '1.00'],
    ['netstack-atlas index, cold', med(cold), (med(cold).seconds / c.seconds).toFixed(2)],
    ['netstack-atlas index, warm reopen', med(warm), (med(warm).seconds / c.seconds).toFixed(2)],
    ['netstack-atlas re-index net/ipv4/tcp.c (in process, first run excluded)', { seconds: median(one.slice(1)), rssMiB: NaN }, ''],
  ];
  console.log('| what | wall s (median) | peak RSS MiB | ours / cscope |');
  console.log('|---|---:|---:|---:|');
  for (const [name, m, ratio] of rows) console.log(`| ${name} | ${m.seconds.toFixed(3)} | ${Number.isNaN(m.rssMiB) ? '–' : m.rssMiB.toFixed(0)} | ${ratio} |`);
  console.log(`\ntargets: cold ≤ 1.0 × cscope, warm ≤ 1 s, one file ≤ 0.1 s, peak RSS ≤ 1024 MiB`);
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
