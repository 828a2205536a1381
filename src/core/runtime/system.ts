// The real I/O of a recording on this host (the recorder itself takes it as a parameter): perf from
// PATH, system files, a private temp dir, the tasks of a network namespace.
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import type { RecorderDeps } from './recorder.ts';
import { spawnPerfRunner, spawnPerfScript } from './perfProcess.ts';
import { PerfScriptReader, PERF_SCRIPT_FIELDS, type PerfRecording, type ReaderOptions } from './perfScript.ts';
import { looksFolded, parseFolded } from './folded.ts';
import { PERF_MISSING, RuntimeProblem } from './diagnose.ts';

export function readSystemFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** PIDs whose network namespace is that of `pid` (by the /proc/N/ns/net link). */
export function pidsInNetns(pid: number): number[] {
  let target: string;
  try {
    target = readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/net`) === target) out.push(Number(d));
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

export function systemRecorderDeps(perfPath?: string): RecorderDeps {
  return {
    runner: spawnPerfRunner(perfPath),
    readSystemFile,
    isRoot: process.getuid?.() === 0,
    tmpdir: process.env.TMPDIR || tmpdir(),
    mkdtemp: (prefix) => mkdtempSync(prefix),
    rmrf: (dir) => rmSync(dir, { recursive: true, force: true }),
    pidsInNetns,
  };
}

export const kernelRelease = (): string => release();

/** A saved recording: `perf.data` (run through `perf script` here), `perf script` text, or folded stacks. */
export async function readRecordingFile(path: string, opts: ReaderOptions = {}, perfPath = 'perf'): Promise<{ recording: PerfRecording; notes: string[] }> {
  const head = Buffer.alloc(4096);
  let got = 0;
  try {
    const fd = openSync(path, 'r');
    got = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
  } catch (e) {
    throw new RuntimeProblem('bad-input', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const start = head.subarray(0, got);
  if (start.subarray(0, 8).toString('latin1') === 'PERFILE2') {
    const p = spawnPerfScript(['script', '-i', path, '-F', PERF_SCRIPT_FIELDS, '--max-stack', '128'], perfPath);
    const reader = new PerfScriptReader(opts);
    for await (const c of p.output) reader.push(c);
    const { exit, stderr } = await p.done;
    if (exit.error === 'ENOENT') throw new RuntimeProblem('perf-missing', PERF_MISSING);
    const rec = reader.end();
    const notes = ['perf.data decoded with this host\'s perf and kernel symbols: for a file from another host, run `perf script -F ' + PERF_SCRIPT_FIELDS + '` there and pass the text'];
    if (exit.code !== 0 && rec.samples + rec.dropRecords === 0) throw new RuntimeProblem('bad-input', `perf script could not read ${path}: ${stderr.trim().split('\n').pop() ?? exit.code}`);
    return { recording: rec, notes };
  }
  if (looksFolded(start.toString('utf8'))) return { recording: parseFolded(readFileSync(path, 'utf8')), notes: ['read folded stacks (no drops, no perf timestamps)'] };
  const reader = new PerfScriptReader(opts);
  for await (const c of createReadStream(path)) reader.push(c as Buffer);
  return { recording: reader.end(), notes: [] };
}
