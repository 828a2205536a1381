// Records what the running kernel does: `perf record` for N seconds or until stopped — stacks
// (`-a -g`, cpu-clock at a set frequency) and/or drops (`-e skb:kfree_skb -g`) — streamed through
// `perf script` into the reader, which aggregates as the text arrives (bounded memory, live counts).
// perf runs with its working directory, HOME and TMPDIR in a private temp dir that is removed
// afterwards (its build-id cache and scratch files land there). The process runner, system-file
// reads, temp-dir calls and timers are passed in.
import { PERF_SCRIPT_FIELDS, PerfScriptReader, type PerfRecording, type ReaderOptions } from './perfScript.ts';
import type { PerfRunner } from './perfProcess.ts';
import { PERF_MISSING, RuntimeProblem, classifyPerfFailure, preflight, readHostSettings, tempDirNote, unknownFramesNote, type HostSettings } from './diagnose.ts';

export type RuntimeMode = 'stacks' | 'drops' | 'both';

export interface RecordOptions {
  mode: RuntimeMode;
  seconds: number;
  /** cpu-clock samples per second per CPU (stacks). */
  frequency?: number;
  /** Only these processes (`--pid`). */
  pids?: number[];
  /** Only the tasks of this network namespace (the namespace of this PID), as `--pid` of its tasks. */
  netnsPid?: number;
  /** Only this perf_event cgroup (`-G`, relative to the cgroup mount). */
  cgroup?: string;
  reader?: ReaderOptions;
}

export interface RecorderDeps {
  runner: PerfRunner;
  readSystemFile(path: string): string | undefined;
  isRoot: boolean;
  tmpdir: string;
  mkdtemp(prefix: string): string;
  rmrf(dir: string): void;
  /** The PIDs whose network namespace is that of `pid` (for --netns). */
  pidsInNetns?(pid: number): number[];
  now?(): number;
  setTimeout?(fn: () => void, ms: number): unknown;
  clearTimeout?(t: unknown): void;
}

export interface RecordProgress {
  elapsed: number;
  samples: number;
  drops: number;
}

export interface RecordResult {
  recording: PerfRecording;
  /** Wall seconds recorded. */
  seconds: number;
  mode: RuntimeMode;
  /** Notes to show with the result (sampling under a storm, hidden symbols, no temp dir, …). */
  notes: string[];
  /** Set when nothing usable was recorded; the notes may still hold partial news. */
  problem?: RuntimeProblem;
  /** perf ended early (killed, failed mid-run): the counts are what arrived before. */
  partial: boolean;
}

export const DEFAULT_FREQUENCY = 999;

/** `perf record` and `perf script` arguments for the options (exported for tests and docs). */
export function perfArgs(o: RecordOptions, pids?: number[]): { record: string[]; script: string[] } {
  const record = ['record', '-o', '-', '-g', '--no-buildid-cache', '--synth=no']; // no user-space maps: kernel frames only, 2 s faster start
  const events: string[] = [];
  if (o.mode !== 'drops') events.push(`cpu-clock/period=${Math.round(1e9 / (o.frequency ?? DEFAULT_FREQUENCY))}/`);
  if (o.mode !== 'stacks') events.push('skb:kfree_skb');
  for (const e of events) record.push('-e', e);
  if (o.cgroup) record.push('-G', events.map(() => o.cgroup).join(','));
  const list = pids ?? o.pids;
  if (list?.length) record.push('--pid', list.join(','));
  else record.push('-a');
  record.push('--', 'sleep', String(o.seconds)); // perf ends by itself even if we are gone
  return { record, script: ['script', '-i', '-', '-F', PERF_SCRIPT_FIELDS, '--max-stack', '128'] };
}

/** One recording. `onProgress` is called as text arrives (the caller throttles what it shows). */
export class Recorder {
  private stopped = false;
  private stopPipeline: (() => void) | undefined;
  private killPipeline: (() => void) | undefined;

  constructor(private readonly deps: RecorderDeps) {}

  /** Stop early: perf flushes and the result holds what was recorded so far. */
  stop(): void {
    this.stopped = true;
    this.stopPipeline?.();
  }

  /** Kill perf at once (window/panel/server closing). */
  kill(): void {
    this.stopped = true;
    this.killPipeline?.();
  }

  async record(o: RecordOptions, onProgress?: (p: RecordProgress) => void): Promise<RecordResult> {
    const r = await this.recordOnce(o, onProgress);
    if (r.problem?.code === 'tracepoint-missing' && o.mode === 'both' && !this.stopped) {
      // stacks do not need the tracepoint: record them alone and say why drops are missing
      const again = await this.recordOnce({ ...o, mode: 'stacks' }, onProgress);
      again.notes.unshift(r.problem.message);
      again.mode = 'both';
      return again;
    }
    return r;
  }

  private async recordOnce(o: RecordOptions, onProgress?: (p: RecordProgress) => void): Promise<RecordResult> {
    const d = this.deps;
    const now = d.now ?? Date.now;
    const setT = d.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    const clearT = d.clearTimeout ?? ((t: unknown) => clearTimeout(t as ReturnType<typeof setTimeout>));
    const settings: HostSettings = readHostSettings(d.readSystemFile, d.isRoot);
    const notes = preflight(settings);
    const reader = new PerfScriptReader(o.reader);
    const empty = (problem: RuntimeProblem): RecordResult => ({ recording: reader.end(), seconds: 0, mode: o.mode, notes, problem, partial: false });

    let pids = o.pids;
    if (o.netnsPid !== undefined) {
      pids = d.pidsInNetns?.(o.netnsPid) ?? [];
      if (!pids.length) return empty(new RuntimeProblem('bad-input', `no process in the network namespace of PID ${o.netnsPid}: give the PID of a process inside it (ip netns pids NAME)`));
      notes.push(`--netns ${o.netnsPid}: ${pids.length} task(s) of that namespace recorded; kernel work done for it in other contexts (softirq on another CPU) is not included`);
    }

    let dir: string | undefined;
    try {
      dir = d.mkdtemp(`${d.tmpdir.replace(/\/$/, '')}/netstack-atlas-perf-`);
    } catch (e) {
      notes.push(tempDirNote(d.tmpdir, e));
    }
    const started = now();
    try {
      const args = perfArgs(o, pids);
      const pipe = d.runner.start(args.record, args.script, { cwd: dir, env: dir ? { HOME: dir, TMPDIR: dir } : {} });
      this.stopPipeline = () => pipe.stop();
      this.killPipeline = () => pipe.kill();
      if (this.stopped) pipe.stop();
      // perf ends with `sleep N`; past that (plus start-up) we stop it, then kill it
      const grace = setT(() => {
        pipe.stop();
        hard = setT(() => pipe.kill(), 5000);
      }, (o.seconds + 15) * 1000);
      let hard: unknown;
      try {
        for await (const chunk of pipe.output) {
          reader.push(chunk);
          onProgress?.({ elapsed: (now() - started) / 1000, samples: reader.rec.samples, drops: reader.rec.dropTotal });
        }
      } catch (e) {
        notes.push(`reading perf script output failed: ${(e as Error).message}`);
      }
      const exits = await pipe.done;
      clearT(grace);
      if (hard !== undefined) clearT(hard);
      const recording = reader.end();
      // perf's own time span when it ended early; the asked duration when `sleep N` ran out
      const span = recording.firstTime !== null && recording.lastTime !== null ? recording.lastTime - recording.firstTime : 0;
      const wall = (now() - started) / 1000;
      const seconds = this.stopped || exits.record.signal || exits.record.code ? Math.min(wall, Math.max(span, 0.001)) : Math.min(o.seconds, Math.max(span, wall));
      const result: RecordResult = { recording, seconds, mode: o.mode, notes, partial: false };
      const r = exits.record;
      if (r.error) {
        result.problem = r.error === 'ENOENT' ? new RuntimeProblem('perf-missing', PERF_MISSING) : new RuntimeProblem('perf-failed', `perf could not be started: ${r.error}`);
        return result;
      }
      const events = recording.samples + recording.dropRecords;
      const byUs = this.stopped && (r.signal === 'SIGINT' || r.code === 0 || r.code === 130);
      if (r.signal && !byUs) {
        result.partial = true;
        notes.push(`perf was killed (${r.signal}) after ${seconds.toFixed(1)} s: the ${events.toLocaleString('en-US')} events read before are shown`);
      } else if (r.code !== 0 && r.code !== null && !byUs) {
        const p = classifyPerfFailure(exits.recordStderr, settings, o.mode !== 'stacks');
        if (events === 0) result.problem = p;
        else {
          result.partial = true;
          notes.push(`${p.message} (after ${events.toLocaleString('en-US')} events; those are shown)`);
        }
      }
      if (exits.script.signal && !result.problem && !this.stopped) {
        result.partial = true;
        notes.push(`perf script was killed (${exits.script.signal}): the events read before are shown`);
      }
      if (!result.problem) this.describe(result, o, settings);
      return result;
    } finally {
      this.stopPipeline = this.killPipeline = undefined;
      if (dir) {
        try {
          d.rmrf(dir);
        } catch (e) {
          notes.push(`could not remove the temp dir ${dir}: ${(e as Error).message}`);
        }
      }
    }
  }

  /** Notes on what the recording holds (zero samples, hidden symbols, storm sampling). */
  private describe(result: RecordResult, o: RecordOptions, s: HostSettings): void {
    const rec = result.recording;
    const notes = result.notes;
    if (o.mode !== 'drops' && rec.samples === 0) {
      result.problem = new RuntimeProblem('zero-samples', `no samples in ${result.seconds.toFixed(1)} s: perf recorded nothing${o.pids?.length || o.netnsPid !== undefined || o.cgroup ? ' for the filter (check --pid/--netns/--cgroup: the tasks must run during the recording)' : ' (was perf stopped at once?)'}`);
      return;
    }
    if (o.mode !== 'drops' && rec.kernelSamples === 0) notes.push(`none of the ${rec.samples} samples has a kernel frame: ${s.kptrRestrict ? 'kernel symbols may be hidden (kernel.kptr_restrict)' : 'the load ran in user space'}`);
    const unk = unknownFramesNote(rec.unknownFrames, rec.frames, rec.frames && rec.unknownFrames / rec.frames >= 0.5 ? s : null);
    if (unk) {
      if (rec.unknownFrames / Math.max(1, rec.frames) >= 0.5) result.problem = new RuntimeProblem('kptr-restrict', unk);
      else notes.push(unk);
    }
    if (o.mode !== 'stacks' && rec.dropRecords === 0) notes.push(`no packet was dropped in ${result.seconds.toFixed(1)} s (skb:kfree_skb with a drop reason)`);
    if (rec.dropKeepEvery > 1) notes.push(`drop storm: ${rec.dropTotal.toLocaleString('en-US')} drops; every drop is counted, but only every ${rec.dropKeepEvery}th drop's call chain was kept (${rec.dropSampled.toLocaleString('en-US')} chains)`);
    if (rec.overflow) notes.push(`${rec.overflow.toLocaleString('en-US')} samples had a stack beyond the cap of distinct stacks kept: counted in the totals only`);
    if (rec.malformed) notes.push(`${rec.malformed.toLocaleString('en-US')} lines of perf script output did not parse and were skipped`);
  }
}
