// The one place that starts perf: `perf record -o -` piped straight into `perf script -i -` (two
// children, no shell: the pipe is between the processes, we read only the text). Tests pass their own
// PerfRunner. Every pipeline started is tracked and killed when this process exits, so perf never
// outlives the window, panel or `serve` that started it.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: string | null;
  /** errno code when the process could not be started (`ENOENT`: perf not installed). */
  error?: string;
}

export interface PerfPipeline {
  /** `perf script` text as it is produced. */
  output: AsyncIterable<Uint8Array | string>;
  /** Both exits, once both processes ended; stderr of each (the last 64 KiB). */
  done: Promise<{ record: Exit; script: Exit; recordStderr: string; scriptStderr: string }>;
  /** Ask perf record to stop (SIGINT: it flushes what it has). */
  stop(): void;
  /** Kill both at once (SIGKILL). */
  kill(): void;
}

export interface PerfRunner {
  start(recordArgs: string[], scriptArgs: string[], opts: { cwd?: string; env?: Record<string, string> }): PerfPipeline;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(c: ChildProcess): void {
  live.add(c);
  c.once('exit', () => live.delete(c));
  c.once('error', () => live.delete(c));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
}
/** Children still running (for tests and shutdown checks). */
export function runningPerfProcesses(): number {
  return live.size;
}

/** The exit of a child ('exit', not 'close': perf record's stdout belongs to perf script). */
function exitOf(c: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    let done = false;
    c.once('error', (e: NodeJS.ErrnoException) => {
      if (!done) {
        done = true;
        resolve({ code: null, signal: null, error: e.code ?? e.message });
      }
    });
    c.once('exit', (code, signal) => {
      if (!done) {
        done = true;
        resolve({ code, signal });
      }
    });
  });
}

function tail(c: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    if (!c.stderr) return resolve('');
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => {
      s += d;
      if (s.length > 131072) s = s.slice(-65536);
    });
    c.stderr.once('close', () => resolve(s.slice(-65536)));
    c.stderr.once('error', () => resolve(s));
  });
}

/** The real runner: `perf` from PATH (or `perfPath`). */
export function spawnPerfRunner(perfPath = 'perf'): PerfRunner {
  return {
    start(recordArgs, scriptArgs, opts) {
      const env = { ...process.env, ...(opts.env ?? {}), LC_ALL: 'C' };
      const record = spawn(perfPath, recordArgs, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      track(record);
      const recordExit = exitOf(record);
      const recordStderr = tail(record);
      // perf script only when record started: it reads record's stdout directly (a pipe, no copy through us)
      let script: ChildProcess | undefined;
      if (record.pid !== undefined && record.stdout) {
        script = spawn(perfPath, scriptArgs, { cwd: opts.cwd, env, stdio: [record.stdout, 'pipe', 'pipe'] });
        track(script);
        record.stdout.destroy(); // our copy of the pipe's read end: perf script holds its own
      }
      const scriptExit: Promise<Exit> = script ? exitOf(script) : recordExit.then((e) => ({ code: null, signal: null, error: e.error ?? 'not started' }));
      const scriptStderr = script ? tail(script) : Promise.resolve('');
      const empty: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
      return {
        output: script?.stdout ?? empty,
        done: Promise.all([recordExit, scriptExit, recordStderr, scriptStderr]).then(([r, s, re, se]) => ({ record: r, script: s, recordStderr: re, scriptStderr: se })),
        stop() {
          if (record.exitCode === null && record.signalCode === null) record.kill('SIGINT');
        },
        kill() {
          for (const c of [record, script]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
        },
      };
    },
  };
}

/** `perf script` alone on a saved perf.data. */
export function spawnPerfScript(args: string[], perfPath = 'perf'): { output: AsyncIterable<Uint8Array | string>; done: Promise<{ exit: Exit; stderr: string }> } {
  const c = spawn(perfPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  track(c);
  const exit = exitOf(c);
  const stderr = tail(c);
  const empty: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
  return { output: c.stdout ?? empty, done: Promise.all([exit, stderr]).then(([e, s]) => ({ exit: e, stderr: s })) };
}
