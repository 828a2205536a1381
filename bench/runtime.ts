// Run-time bench (prints a markdown table):
//  1. analysing 10 s of stacks (~40,000 samples: parse + join + static verdict + drops) on the 6.1
//     index — target ≤ 1 s;
//  2. `perf script` text parsing throughput — target ≥ 50 MB/s; side by side with the anchor, perf
//     script itself producing text from a perf.data recorded here (our reader must never be the
//     bottleneck of the pipe);
//  3. memory under a drop storm (1,000,000 drop records streamed): heap growth;
//  4. the overhead of recording at the default frequency: CPU share of perf record + perf script
//     (children CPU over wall × CPUs) while the machine idles as it is, and of our reader.
// Runnable alone: `node --import tsx bench/runtime.ts` (env NETSTACK_ATLAS_KERNEL, BENCH_RUNTIME_SECONDS).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openIndex } from '../src/core/index/indexer.ts';
import { distGrammarLocation } from '../src/core/index/treeSitter.ts';
import { CallGraph } from '../src/core/graph/callGraph.ts';
import { buildLayerModel } from '../src/core/graph/layers.ts';
import { treeFileReader } from '../src/core/index/treeFiles.ts';
import { LAYER_ORDER } from '../src/core/graph/types.ts';
import { PerfScriptReader, PERF_SCRIPT_FIELDS, readPerfScript } from '../src/core/runtime/perfScript.ts';
import { joinContext, joinDrops, joinProfile } from '../src/core/runtime/join.ts';
import { Recorder, DEFAULT_FREQUENCY } from '../src/core/runtime/recorder.ts';
import { readSystemFile, systemRecorderDeps } from '../src/core/runtime/system.ts';

export interface BenchRow {
  name: string;
  value: string;
  target: string;
}

const CLK_TCK = 100;
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Deterministic pseudo-random. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

/** ~`samples` perf script records whose kernel chains are walks down the static graph from system
 *  calls (so the join and the verdict do real work), with the entry frames and user frames perf adds. */
function synthStacks(g: CallGraph, roots: string[], samples: number, seed = 7): string {
  const r = rng(seed);
  const chains: string[][] = [];
  for (let i = 0; i < 600; i++) {
    const chain = [roots[Math.floor(r() * roots.length)]];
    for (let d = 0; d < 22; d++) {
      const out = g.callees(chain[chain.length - 1]);
      if (!out.length) break;
      chain.push(out[Math.floor(r() * out.length)].to);
    }
    chains.push(chain);
  }
  const out: string[] = [];
  for (let i = 0; i < samples; i++) {
    const c = chains[Math.floor(r() * r() * chains.length)]; // skewed: some stacks hot
    const leaf = 1 + Math.floor(r() * (c.length - 1));
    const frames = c.slice(0, leaf + 1).reverse().map((f, j) => `\tffffffff81${(0x100000 + j * 0x1000 + (f.length * 97)).toString(16).padStart(6, '0')} ${j % 5 === 0 ? f + '.isra.0' : f}+0x${(j * 16 + 5).toString(16)} ([kernel.kallsyms])`);
    out.push(`python3 ${1000 + (i % 50)}/${1000 + (i % 50)} [00${i % 2}] ${(100 + i / 4000).toFixed(6)}:    1001001 cpu-clock/period=1001001/: \n${frames.join('\n')}\n\tffffffff8225a6c1 do_syscall_64+0x71 ([kernel.kallsyms])\n\tffffffff81000130 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])\n\t          10acb3 __libc_sendto+0x13 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n\n`);
  }
  return out.join('');
}

export async function benchRuntime(opts: { log?: (s: string) => void } = {}): Promise<{ rows: BenchRow[] }> {
  const log = opts.log ?? (() => {});
  const rows: BenchRow[] = [];
  const repo = join(__dirname, '..');
  const tree = process.env.NETSTACK_ATLAS_KERNEL ?? execFileSync('bash', [join(repo, 'scripts/kernel-tree.sh')], { encoding: 'utf8' }).trim();
  const dist = join(repo, 'dist');
  const s = await openIndex(tree, { grammar: distGrammarLocation(dist), distDir: dist });
  try {
    const g = new CallGraph(s.index);
    const read = treeFileReader(s.tree.root);
    const ctx = joinContext(s.index, g, buildLayerModel(s.index, g, read), read, readSystemFile, release());
    const roots = [...s.index.functionNames()].filter((n) => /^sys_(sendto|sendmsg|recvfrom|recvmsg|connect|accept4|read|write|socket|setsockopt)$/.test(n) || /^__sys_(sendto|recvfrom|sendmsg|recvmsg)$/.test(n) || /^(ip_rcv|__netif_receive_skb_core|net_rx_action|tcp_v4_rcv|udp_rcv)$/.test(n));
    const text = synthStacks(g, roots, 40_000);
    const bytes = Buffer.from(text);

    // 1. analysis of ~40,000 samples (fresh explainer and lookups each run)
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let explained = 0;
    let pairs = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const rec = await readPerfScript([bytes]);
      const p = joinProfile(rec, 10, ctx);
      joinDrops(rec, 10, ctx);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
      explained = p.explained.share;
      pairs = p.explained.pairs;
    }
    rows.push({ name: `analyse 40,000 samples (${(bytes.length / 1e6).toFixed(1)} MB text: parse + join + verdict on ${pairs} pairs)`, value: `${median(times).toFixed(0)} ms wall, ${median(cpuTimes).toFixed(0)} ms CPU (medians of 5; ${(explained * 100).toFixed(0)} % explained)`, target: '≤ 1000 ms' });

    // 2. parsing throughput, and the anchor: perf script producing text from a real perf.data
    const big = Buffer.concat(Array.from({ length: 4 }, () => bytes));
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = new PerfScriptReader();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let at = 0; at < big.length; at += 1 << 16) r.push(big.subarray(at, at + (1 << 16)));
      r.end();
      rates.push(big.length / 1e6 / ((performance.now() - t0) / 1000));
      const c = process.cpuUsage(c0);
      cpuRates.push(big.length / 1e6 / ((c.user + c.system) / 1e6));
    }
    let anchor = 'perf not available: skipped';
    let anchorRate = 0;
    const work = mkdtempSync(join(tmpdir(), 'nsa-bench-runtime-'));
    try {
      const rec = spawnSync('perf', ['record', '-o', join(work, 'p.data'), '-a', '-g', '-F', '999', '--', 'sleep', '3'], { encoding: 'utf8' });
      if (rec.status === 0) {
        const runs: number[] = [];
        let size = 0;
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const out = spawnSync('perf', ['script', '-i', join(work, 'p.data'), '-F', PERF_SCRIPT_FIELDS], { maxBuffer: 1 << 30 });
          runs.push(performance.now() - t0);
          size = out.stdout.length;
          if (i === 0) writeFileSync(join(work, 'p.txt'), out.stdout);
        }
        anchorRate = size / 1e6 / (median(runs) / 1000);
        // ours on that same real text
        const real = readFileSync(join(work, 'p.txt'));
        const ours: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = new PerfScriptReader();
          const t0 = performance.now();
          for (let at = 0; at < real.length; at += 1 << 16) r.push(real.subarray(at, at + (1 << 16)));
          r.end();
          ours.push(performance.now() - t0);
        }
        const oursReal = real.length / 1e6 / (median(ours) / 1000);
        anchor = `perf script writes ${anchorRate.toFixed(1)} MB/s; we read that text at ${oursReal.toFixed(0)} MB/s (${(oursReal / anchorRate).toFixed(1)}× the producer, ${(real.length / 1e6).toFixed(1)} MB)`;
      } else anchor = `perf record failed: ${(rec.stderr ?? '').trim().split('\n').pop()}`;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    rows.push({ name: `perf script parsing (${(big.length / 1e6).toFixed(0)} MB, 64 KiB chunks)`, value: `${median(rates).toFixed(0)} MB/s wall, ${median(cpuRates).toFixed(0)} MB per CPU-second (medians of 5; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs)`, target: '≥ 50 MB/s' });
    rows.push({ name: 'anchor: perf script on a 3 s system-wide perf.data', value: anchor, target: 'reader faster than perf script' });

    // 3. drop storm: 1,000,000 records streamed; heap growth stays flat
    {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      const r = new PerfScriptReader();
      let batch = '';
      const N = 1_000_000;
      let produced = 0;
      for (let i = 0; i < N; i++) {
        batch += `sh 77/77 [001] ${(100 + (3 * i) / N).toFixed(6)}: 1 skb:kfree_skb: skbaddr=0xffff888100000000 rx_sk=(nil) protocol=2048 location=__udp4_lib_rcv+0x4bc reason: NO_SOCKET\n\tffffffff81e94fb0 sk_skb_reason_drop+0x90 ([kernel.kallsyms])\n\tffffffff820a7f2c __udp4_lib_rcv+0x4bc ([kernel.kallsyms])\n\tffffffff82055443 ip_protocol_deliver_rcu+0x${(i % 13).toString(16)} ([kernel.kallsyms])\n\n`;
        if (batch.length > 1 << 16) {
          produced += batch.length;
          r.push(batch);
          batch = '';
          if (i % 50_000 < 200) peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
      r.push(batch);
      const rec = r.end();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      rows.push({ name: `drop storm: 1,000,000 drops in 3 s of perf time (${(produced / 1e6).toFixed(0)} MB text)`, value: `heap +${((peak - before) / 1048576).toFixed(1)} MiB peak; ${rec.dropTotal.toLocaleString('en-US')} counted, ${rec.dropSampled.toLocaleString('en-US')} chains kept (every ${rec.dropKeepEvery}th)`, target: 'bounded (independent of the drop count)' });
    }

    // 4. recording overhead at the default frequency (perf record + perf script CPU; our reader CPU)
    if (process.getuid?.() === 0) {
      const seconds = Number(process.env.BENCH_RUNTIME_SECONDS ?? 10);
      const c0 = childrenCpuMs();
      const self0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await new Recorder(systemRecorderDeps()).record({ mode: 'both', seconds });
      const wall = (performance.now() - t0) / 1000;
      const perfCpu = (childrenCpuMs() - c0) / 1000;
      const self = process.cpuUsage(self0);
      const n = cpus().length;
      if (r.problem && r.recording.samples === 0) rows.push({ name: 'recording overhead', value: r.problem.message, target: '' });
      else {
        rows.push({ name: `recording overhead: perf record + perf script, ${DEFAULT_FREQUENCY} Hz, -a -g + skb:kfree_skb, ${seconds} s`, value: `${((perfCpu / (wall * n)) * 100).toFixed(2)} % of ${n} CPUs (${(perfCpu / wall * 100).toFixed(1)} % of one core); ${r.recording.samples.toLocaleString('en-US')} samples`, target: 'measured' });
        rows.push({ name: 'reader CPU while recording (this process)', value: `${(((self.user + self.system) / 1e6 / (wall * n)) * 100).toFixed(2)} % of ${n} CPUs`, target: 'measured' });
      }
    } else rows.push({ name: 'recording overhead', value: 'needs root: skipped', target: '' });
    log(`layers: ${LAYER_ORDER.length}`);
  } finally {
    s.dispose();
  }
  return { rows };
}

if (require.main === module) {
  benchRuntime().then((r) => {
    console.log('| run time | value | target |\n|---|---:|---|');
    for (const x of r.rows) console.log(`| ${x.name} | ${x.value} | ${x.target} |`);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}
