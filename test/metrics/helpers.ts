// Shared helpers for the metrics tests: run the CLI in-process, poll with a deadline, child processes.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runCli } from '../../src/cli/main.ts';

export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function countersJson(extra: string[] = []): Promise<any> {
  const r = await cli(['counters', '--json', ...extra]);
  if (r.code !== 0) throw new Error(`counters failed (${r.code}): ${r.err}`);
  return JSON.parse(r.out);
}

/** Poll `probe` until it returns a truthy value or the deadline passes; returns the last value. */
export async function pollUntil<T>(probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 2000, everyMs = 50): Promise<{ value: T; ok: boolean }> {
  const end = performance.now() + deadlineMs;
  let value = await probe();
  while (!ok(value) && performance.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await probe();
  }
  return { value, ok: ok(value) };
}

/** Start a child that prints one line (e.g. its port) when ready; resolves with that line. */
export async function startChild(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not get ready in ${timeoutMs} ms`)), timeoutMs);
    rl.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited early with ${c}`));
    });
  });
  return { child, line };
}

export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (e, out, errOut) => (e ? reject(new Error(`${cmd} ${args.join(' ')}: ${e.message} ${errOut}`)) : resolve(out))),
  );
}

/** A python3 TCP listener with the given backlog that never accepts. Prints its port. */
export const PY_NO_ACCEPT = `
import socket, sys, time, signal
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
fam = socket.AF_INET6 if sys.argv[1] == '::1' else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((sys.argv[1], 0))
s.listen(int(sys.argv[2]))
print(s.getsockname()[1], flush=True)
time.sleep(120)
`;
