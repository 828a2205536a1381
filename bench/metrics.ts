// Metrics bench: 10,000 TCP connections on loopback, then
//  1. one full sample (procfs counters + socket dump through ss + parse + summary) against
//     `ss -tan` + `nstat -az` doing the same reads — CPU time (ours: process.cpuUsage + children;
//     theirs: children), medians over several batches, and the ratio (target ≤ 1.5);
//  2. the Sampler at 1 Hz (cheap counter ticks; socket dumps as often as a 1 % budget allows) —
//     share of one core (target ≤ 2 %).
// Runnable alone: `node --import tsx bench/metrics.ts` (env BENCH_CONNECTIONS, BENCH_SAMPLER_SECONDS).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readProcfs } from '../src/core/metrics/procfsSource.ts';
import { Sampler } from '../src/core/metrics/sampler.ts';
import { execFileText } from '../src/core/metrics/ss.ts';

export interface BenchRow {
  name: string;
  value: string;
}

const CLK_TCK = 100; // USER_HZ on Linux

/** CPU ms of waited-for children (cutime + cstime from /proc/self/stat). Resolution 10 ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state(3) … utime(14) stime(15) cutime(16) cstime(17) → indexes 11..14 here.
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Two children hold `n` loopback connections: one accepts (server ends), one connects (client ends).
 *  Split so that each stays under a 20,000 fd hard limit when the limit cannot be raised. */
const SERVER = `
const net = require('net');
const n = Number(process.argv[1]);
const held = [];
const server = net.createServer((s) => { held.push(s); if (held.length === n) console.log('accepted ' + n); });
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => console.log('port ' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;
const CLIENT = `
const net = require('net');
const [n, port] = process.argv.slice(1).map(Number);
const held = [];
(async () => {
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => new Promise((resolve, reject) => {
      const c = net.connect({ host: '127.0.0.1', port }, resolve);
      c.on('error', reject);
      held.push(c);
    })));
  }
  console.log('connected ' + held.length);
})().catch((e) => { console.error(e.message); process.exit(1); });
process.on('SIGTERM', () => process.exit(0));
`;

function spawnWithFds(script: string, args: string[]): ChildProcess {
  // Raise the fd limit if allowed (CAP_SYS_RESOURCE), else take the hard limit.
  return spawn('bash', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n hard; exec "$@"', 'holder', process.execPath, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function nextLine(child: ChildProcess, what: string, timeoutMs = 120_000): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  return new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: not ready in ${timeoutMs / 1000} s`)), timeoutMs);
    const lines: string[] = [];
    rl.on('line', (l) => {
      lines.push(l);
      clearTimeout(t);
      resolve(l);
    });
    child.once('exit', (c) => reject(new Error(`${what} exited with ${c}`)));
  });
}

export async function startHolder(n: number): Promise<{ children: ChildProcess[] }> {
  const server = spawnWithFds(SERVER, [String(n)]);
  const rl = createInterface({ input: server.stdout! });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  rl.on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const waitFor = async (prefix: string) => {
    const end = performance.now() + 120_000;
    while (!lines.some((l) => l.startsWith(prefix))) {
      if (performance.now() > end || server.exitCode !== null) throw new Error(`connection holder: no '${prefix}'`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
    return lines.find((l) => l.startsWith(prefix))!;
  };
  const port = Number((await waitFor('port ')).split(' ')[1]);
  const client = spawnWithFds(CLIENT, [String(n), String(port)]);
  const connected = await nextLine(client, 'connecting child');
  if (connected !== `connected ${n}`) throw new Error(`connecting child: ${connected}`);
  await waitFor('accepted ');
  return { children: [client, server] };
}

/** Median CPU ms per run of `f`, over `batches` batches of `perBatch` runs. */
async function cpuPerRun(f: () => Promise<unknown>, batches: number, perBatch: number, countSelf: boolean): Promise<{ median: number; all: number[] }> {
  const per: number[] = [];
  await f(); // warm up
  for (let b = 0; b < batches; b++) {
    const s0 = selfCpuMs();
    const c0 = childrenCpuMs();
    for (let i = 0; i < perBatch; i++) await f();
    const self = selfCpuMs() - s0;
    const kids = childrenCpuMs() - c0;
    per.push(((countSelf ? self : 0) + kids) / perBatch);
  }
  return { median: median(per), all: per };
}

export async function benchMetrics(opts: { connections?: number; samplerSeconds?: number; log?: (s: string) => void } = {}): Promise<{ rows: BenchRow[] }> {
  const n = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 10_000);
  const samplerSeconds = opts.samplerSeconds ?? Number(process.env.BENCH_SAMPLER_SECONDS ?? 30);
  const log = opts.log ?? (() => {});
  const rows: BenchRow[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'atlas-bench-'));
  const nstatEnv = { NSTAT_HISTORY: join(tmp, 'nstat.history') };
  log(`opening ${n} loopback TCP connections…`);
  const { children } = await startHolder(n);
  try {
    const probe = await readProcfs({ sockets: true });
    const tcpSockets = Object.values(probe.sockets?.byState ?? {}).reduce((a, b) => a + b, 0);
    rows.push({ name: 'metrics: TCP sockets on the host', value: String(tcpSockets) });

    const batches = 7;
    const perBatch = 5;
    log('measuring one full sample (ours)…');
    const ours = await cpuPerRun(() => readProcfs({ sockets: true }), batches, perBatch, true);
    log('measuring ss -tan + nstat -az (theirs)…');
    const theirs = await cpuPerRun(
      () =>
        Promise.all([
          execFileText('ss', ['-tan'], { timeoutMs: 30_000 }),
          new Promise<void>((resolve, reject) =>
            spawn('nstat', ['-az'], { stdio: 'ignore', env: { ...process.env, ...nstatEnv } }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`nstat exited ${c}`)))),
          ),
        ]),
      batches,
      perBatch,
      false,
    );
    log('measuring the /proc/net/tcp* fallback…');
    const fallback = await cpuPerRun(() => readProcfs({ sockets: true, socketReader: 'proc' }), 3, 2, true);
    const cheap = await cpuPerRun(() => readProcfs({ sockets: false }), batches, 20, true);
    rows.push({ name: 'metrics: full sample CPU, ours (procfs + ss -tuanoH + parse), median ms', value: ours.median.toFixed(1) });
    rows.push({ name: 'metrics: ss -tan + nstat -az CPU, median ms', value: theirs.median.toFixed(1) });
    rows.push({ name: 'metrics: ratio ours / theirs (target ≤ 1.5)', value: (ours.median / theirs.median).toFixed(2) });
    rows.push({ name: 'metrics: counters-only sample CPU (no socket dump), median ms', value: cheap.median.toFixed(2) });
    rows.push({ name: 'metrics: full sample via /proc/net/tcp* fallback, median ms', value: fallback.median.toFixed(1) });

    log(`running the sampler at 1 Hz for ${samplerSeconds} s…`);
    const sampler = new Sampler({ intervalMs: 1000, take: (full) => readProcfs({ sockets: full }) });
    let ticks = 0;
    let fulls = 0;
    const s0 = selfCpuMs();
    const c0 = childrenCpuMs();
    const w0 = performance.now();
    await new Promise<void>((resolve) => {
      sampler.on('sample', (s) => {
        ticks++;
        if (s.full) fulls++;
        if (ticks >= samplerSeconds) resolve();
      });
      sampler.start();
    });
    sampler.stop();
    const wall = performance.now() - w0;
    const cpu = selfCpuMs() - s0 + (childrenCpuMs() - c0);
    rows.push({ name: `metrics: sampler at 1 Hz, ${ticks} ticks (${fulls} with socket dump), share of one core (target ≤ 2 %)`, value: ((100 * cpu) / wall).toFixed(2) + ' %' });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
  return { rows };
}

if (require.main === module) {
  benchMetrics({ log: (s) => process.stderr.write(s + '\n') }).then(
    ({ rows }) => {
      for (const r of rows) console.log(`${r.name.padEnd(100)} ${r.value}`);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
