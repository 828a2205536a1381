// The cold rows of bench.ts alone, one round, same run: cscope, ours (default), ours --precise, cscope again.
// `node --import tsx scripts/coldRows.ts` (dist/ built; NETSTACK_ATLAS_KERNEL set).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSourceFiles } from '../src/core/index/kernelTree.ts';
import { timed, timedCscope, type Measure } from '../bench/measure.ts';

const tree = process.env.NETSTACK_ATLAS_KERNEL ?? '';
const dist = join(__dirname, '..', 'dist');
const work = mkdtempSync(join(tmpdir(), 'nsa-cold-'));
try {
  const files = listSourceFiles(tree).files;
  const list = join(work, 'files.txt');
  writeFileSync(list, files.join('\n') + '\n');
  const cache = join(work, 'cache');
  const ours = (...flags: string[]) => {
    rmSync(cache, { recursive: true, force: true });
    return timed('node', [join(dist, 'cli.js'), 'index', tree, '--cache-dir', cache, '--json', '--quiet', '--no-derived', ...flags]);
  };
  const rows: [string, Measure][] = [];
  rows.push(['cscope -b -q -k', timedCscope(tree, list, work)]);
  rows.push(['netstack-atlas index (default: drivers/net bodies lexed)', ours()]);
  rows.push(['netstack-atlas index --precise', ours('--precise')]);
  rows.push(['cscope -b -q -k (again)', timedCscope(tree, list, work)]);
  const c = { seconds: (rows[0][1].seconds + rows[3][1].seconds) / 2, cpu: (rows[0][1].cpu + rows[3][1].cpu) / 2 };
  console.log(`${files.length} files\n| what | wall s | CPU s | peak RSS MiB | wall / cscope | CPU / cscope |\n|---|---:|---:|---:|---:|---:|`);
  for (const [name, m] of rows) console.log(`| ${name} | ${m.seconds.toFixed(1)} | ${m.cpu.toFixed(1)} | ${m.rssMiB.toFixed(0)} | ${(m.seconds / c.seconds).toFixed(2)} | ${(m.cpu / c.cpu).toFixed(2)} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
