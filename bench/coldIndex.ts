// The whole-tree row of the cold-index bench: `netstack-atlas index --all` side by side with
// `cscope -b -q -k` and gtags on the same file list of the whole 6.1 tree, in one run (medians of
// BENCH_FULL_RUNS, default 1: one round is ~10 minutes on a 2-core machine).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSourceFiles } from '../src/core/index/kernelTree.ts';
import { med, timed, timedCscope, timedGtags, type Measure } from './measure.ts';

const FULL_TREE = process.env.NETSTACK_ATLAS_FULL_KERNEL ?? '/root/.cache/netstack-atlas/kernel-full/linux-source-6.1';

export async function benchWholeTree(o: { dist: string; log(line: string): void }): Promise<void> {
  const ready = existsSync(join(FULL_TREE, '..', 'READY')) || existsSync(join(FULL_TREE, 'Makefile'));
  if (!ready) {
    o.log(`\n| whole tree | skipped: no tree at ${FULL_TREE} |\n|---|---|`);
    return;
  }
  const runs = Number(process.env.BENCH_FULL_RUNS ?? 1);
  const work = mkdtempSync(join(tmpdir(), 'nsa-bench-full-'));
  try {
    const files = listSourceFiles(FULL_TREE, { all: true }).files;
    const list = join(work, 'files.txt');
    writeFileSync(list, files.join('\n') + '\n');
    const cscope: Measure[] = [], gtags: Measure[] = [], ours: Measure[] = [], precise: Measure[] = [];
    const cache = join(work, 'cache');
    for (let i = 0; i < runs; i++) {
      cscope.push(timedCscope(FULL_TREE, list, work));
      gtags.push(timedGtags(FULL_TREE, list, work));
      rmSync(cache, { recursive: true, force: true });
      ours.push(timed('node', [join(o.dist, 'cli.js'), 'index', FULL_TREE, '--all', '--cache-dir', cache, '--json', '--quiet']));
      rmSync(cache, { recursive: true, force: true });
      precise.push(timed('node', [join(o.dist, 'cli.js'), 'index', FULL_TREE, '--all', '--precise', '--cache-dir', cache, '--json', '--quiet']));
    }
    const c = med(cscope);
    o.log(`\n# whole linux-source-6.1 tree (--all): ${files.length} files; ${runs} run(s), medians\n`);
    o.log('| what | wall s | CPU s | peak RSS MiB | wall / cscope | CPU / cscope | RSS / cscope |');
    o.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, m] of [['cscope -b -q -k', c], ['GNU global (gtags)', med(gtags)], ['netstack-atlas index --all, cold (bodies outside net/ and include/ lexed)', med(ours)], ['netstack-atlas index --all --precise, cold', med(precise)]] as const) {
      o.log(`| ${name} | ${m.seconds.toFixed(1)} | ${m.cpu.toFixed(1)} | ${m.rssMiB.toFixed(0)} | ${(m.seconds / c.seconds).toFixed(2)} | ${(m.cpu / c.cpu).toFixed(2)} | ${(m.rssMiB / c.rssMiB).toFixed(2)} |`);
    }
    o.log('\ntarget: wall ≤ 1.0 × cscope, peak RSS ≤ cscope\'s');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
