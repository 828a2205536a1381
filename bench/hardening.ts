// Costs of the hardening (issue 12): the safe tree-file read against a plain readFileSync on the same
// files, and the peak memory of reading a 200 MB exporter answer with the 64 MiB cap.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readTreeFile } from '../src/core/index/treeFiles.ts';
import { hugeExporterAnswer } from '../test/metrics/hugeExporter.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function readCost(root: string, files: string[], rounds = 5): { plainUs: number; safeUs: number } {
  const plain: number[] = [];
  const safe: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // side by side in each round, alternating which goes first
    const runs: [number[], () => void][] = [
      [plain, () => { for (const f of files) readFileSync(join(root, f)); }],
      [safe, () => { for (const f of files) readTreeFile(root, f); }],
    ];
    if (r % 2) runs.reverse();
    for (const [into, run] of runs) {
      const t0 = performance.now();
      run();
      into.push(((performance.now() - t0) * 1000) / files.length);
    }
  }
  return { plainUs: median(plain), safeUs: median(safe) };
}

async function cappedPeakRss(): Promise<number> {
  const server = http.createServer(hugeExporterAnswer);

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  const root = join(__dirname, '..');
  const script = `require(${JSON.stringify(join(root, 'src/core/metrics/http.ts'))}).httpGetText(process.argv[1], { timeoutMs: 60000 }).catch(() => {}).finally(() => console.log(process.resourceUsage().maxRSS));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, url], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  server.closeAllConnections();
  server.close();
  return Number(out.trim()) / 1024;
}

export async function benchHardening(kernel: string | undefined): Promise<void> {
  console.log('\n| hardening | value |\n|---|---:|');
  if (kernel) {
    const dir = 'net/ipv4';
    const files = readdirSync(join(kernel, dir)).filter((f) => f.endsWith('.c')).map((f) => `${dir}/${f}`);
    const c = readCost(kernel, files);
    console.log(`| tree-file read, ${files.length} files of ${dir} (median of 5) | ${c.safeUs.toFixed(0)} µs safe vs ${c.plainUs.toFixed(0)} µs readFileSync per file (×${(c.safeUs / c.plainUs).toFixed(2)}) |`);
  }
  console.log(`| peak RSS reading a 200 MB exporter answer (64 MiB cap) | ${(await cappedPeakRss()).toFixed(0)} MiB |`);
}

if (require.main === module) void benchHardening(process.env.NETSTACK_ATLAS_KERNEL);
