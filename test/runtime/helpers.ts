// Shared by the run-time tests: fixture text, a scripted perf runner, fixed host files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerfPipeline, PerfRunner, Exit } from '../../src/core/runtime/perfProcess.ts';
import type { RecorderDeps } from '../../src/core/runtime/recorder.ts';

export const fixtures = join(__dirname, 'fixtures');
export const runtimeTree = join(fixtures, 'tree');
export const samplePerf = readFileSync(join(fixtures, 'sample.perf.txt'), 'utf8');

export interface Script {
  /** Chunks of `perf script` text produced (in order). */
  chunks?: string[];
  record?: Exit;
  script?: Exit;
  recordStderr?: string;
  /** Called with the argument lists (to check them). */
  seen?: (record: string[], script: string[], cwd?: string) => void;
}

/** A runner that plays a script instead of perf; records stop/kill calls. */
export function fakeRunner(s: Script): PerfRunner & { stops: number; kills: number } {
  const r = {
    stops: 0,
    kills: 0,
    start(record: string[], script: string[], opts: { cwd?: string }): PerfPipeline {
      s.seen?.(record, script, opts.cwd);
      const chunks = s.chunks ?? [];
      return {
        output: (async function* () {
          for (const c of chunks) yield Buffer.from(c);
        })(),
        done: Promise.resolve({ record: s.record ?? { code: 0, signal: null }, script: s.script ?? { code: 0, signal: null }, recordStderr: s.recordStderr ?? '', scriptStderr: '' }),
        stop: () => void r.stops++,
        kill: () => void r.kills++,
      };
    },
  };
  return r;
}

export function fakeDeps(runner: PerfRunner, over: Partial<RecorderDeps> & { files?: Record<string, string> } = {}): RecorderDeps & { removed: string[] } {
  const files = { '/proc/sys/kernel/perf_event_paranoid': '2\n', '/proc/sys/kernel/kptr_restrict': '0\n', ...(over.files ?? {}) };
  const removed: string[] = [];
  return {
    runner,
    readSystemFile: (p) => files[p as keyof typeof files],
    isRoot: true,
    tmpdir: '/tmp',
    mkdtemp: (prefix) => `${prefix}XXXX`,
    rmrf: (d) => void removed.push(d),
    removed,
    ...over,
  };
}
