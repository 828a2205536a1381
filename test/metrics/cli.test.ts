// The real CLI as a child process: counters (readable and --json), watch with --count, Ctrl-C, TTY view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runCli } from '../../src/cli/main.ts';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

function runBin(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netstack-atlas ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

test('netstack-atlas counters prints a readable summary; --json parses', async () => {
  const r = await runBin(['counters']);
  assert.equal(r.code, 0, r.err);
  for (const head of ['Source    procfs', 'TCP       CurrEstab', 'UDP       InDatagrams', 'Device    lo', 'Softnet   ', 'Sockets   (ss)']) assert.ok(r.out.includes(head), `missing '${head}' in:\n${r.out}`);
  const j = await runBin(['counters', '--json', '--window', '0.3']);
  assert.equal(j.code, 0, j.err);
  const parsed = JSON.parse(j.out);
  assert.ok(parsed.rates && parsed.rates.dt > 0.25 && typeof parsed.rates.perSec['Tcp:InSegs'] === 'number');
});

test('watch --count N prints N plain lines when not a terminal, with rates from the second on', async () => {
  const r = await runBin(['watch', '--interval', '0.2', '--count', '3']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0], /first sample/);
  assert.match(lines[1], /Tcp:InSegs=\S+\/s .*Udp:NoPorts=\S+\/s .*alerts=\d+$/);
  assert.ok(!r.out.includes('\x1b['), 'no terminal codes when not a TTY');
});

test('watch stops on Ctrl-C (SIGINT)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'watch', '--interval', '0.2'], { cwd: ROOT });
  const rl = createInterface({ input: child.stdout });
  let lines = 0;
  await new Promise<void>((resolve) => rl.on('line', () => ++lines === 2 && resolve()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(killer);
  assert.equal(code, 0, 'exits cleanly on SIGINT, not killed');
});

test('watch on a TTY redraws in place with sparklines', async () => {
  let out = '';
  const code = await runCli(['watch', '--interval', '0.1', '--count', '3'], { out: (t) => (out += t), err: () => {}, isTTY: true });
  assert.equal(code, 0);
  const frames = out.split('\x1b[H\x1b[2J');
  assert.equal(frames.length, 4, 'three full-screen redraws');
  assert.match(frames[3], /TCP segs in\s+\S+\/s\s+[▁▂▃▄▅▆▇█]+/);
  assert.match(frames[3], /TCP established \d+/);
  assert.ok(out.endsWith('\x1b[?25h'), 'cursor shown again at the end');
});

test('watch --json emits one JSON object per tick with a socket table on full ticks', async () => {
  let out = '';
  const code = await runCli(['watch', '--interval', '0.1', '--count', '3', '--full-every', '2', '--json'], { out: (t) => (out += t), err: () => {}, isTTY: true });
  assert.equal(code, 0);
  const ticks = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(ticks.map((t) => t.seq), [0, 1, 2]);
  assert.deepEqual(ticks.map((t) => !!t.sockets), [true, false, true]);
  assert.equal(ticks[0].rates, null);
  assert.equal(typeof ticks[1].rates['Tcp:InSegs'], 'number');
});
