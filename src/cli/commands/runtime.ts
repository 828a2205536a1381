// `profile` and `drops`: what the running kernel does (perf-sampled stacks, skb:kfree_skb drops),
// joined with the tree and checked against the static call graph. Recording and indexing run side by
// side; `--from FILE` reads a saved perf.data, `perf script` text or folded stacks instead (no root).
import { writeFileSync } from 'node:fs';
import type { CliCommand, CliIo } from '../command.ts';
import { printJson } from '../command.ts';
import { TEXT, UsageError, int, lastValue, num, numberFlag, type ParsedArgs } from '../args.ts';
import { TREE_BOOLEAN_FLAGS, TREE_FLAG_SPECS, TREE_VALUE_FLAGS, openTree } from '../openTree.ts';
import { treePositionals } from './index.ts';
import { treeFileReader } from '../../core/index/treeFiles.ts';
import { CallGraph } from '../../core/graph/callGraph.ts';
import { buildLayerModel } from '../../core/graph/layers.ts';
import {
  Recorder, RuntimeProblem, formatDrops, formatProfile, joinContext, joinDrops, joinProfile, kernelRelease, readRecordingFile, readSystemFile, systemRecorderDeps, toFolded,
  type PerfRecording, type RecordOptions, type RuntimeMode,
} from '../../core/runtime/index.ts';

const FILTER_FLAGS = ['seconds', 'from', 'pid', 'netns', 'cgroup'];
/** What the flags hold, checked before recording or indexing starts. */
const FLAG_SPECS = { ...TREE_FLAG_SPECS, seconds: num(1, 600), frequency: int(1, 20_000), netns: int(1, 2 ** 22), 'max-hops': int(1, 8), top: int(1, 1000), from: TEXT, folded: TEXT, pid: TEXT, cgroup: TEXT };

/** Record (or read --from) while the index opens; returns the recording, its seconds and notes. */
async function acquire(args: ParsedArgs, io: CliIo, mode: RuntimeMode): Promise<{ rec: PerfRecording; seconds: number; notes: string[] }> {
  const from = lastValue(args, 'from');
  if (from) {
    const r = await readRecordingFile(from);
    const span = r.recording.firstTime !== null && r.recording.lastTime !== null ? r.recording.lastTime - r.recording.firstTime : 0;
    if (r.recording.samples + r.recording.dropRecords === 0) r.notes.push(`${from} holds no samples or drops${r.recording.malformed ? ` (${r.recording.malformed} lines did not parse)` : ''}`);
    return { rec: r.recording, seconds: span, notes: r.notes };
  }
  const opts: RecordOptions = {
    mode,
    seconds: numberFlag(args, 'seconds', 10, 1, 600),
    frequency: numberFlag(args, 'frequency', 999, 1, 20_000),
  };
  const pid = lastValue(args, 'pid');
  if (pid !== undefined) {
    if (!/^\d+(,\d+)*$/.test(pid)) throw new UsageError(`--pid takes PIDs separated by commas, got '${pid}'`);
    opts.pids = pid.split(',').map(Number);
  }
  if (args.values.has('netns')) opts.netnsPid = numberFlag(args, 'netns', 0, 1, 2 ** 22);
  const cg = lastValue(args, 'cgroup');
  if (cg !== undefined) {
    if (!/^[\w./@:-]+$/.test(cg) || cg.includes('..')) throw new UsageError(`--cgroup takes a perf_event cgroup path, got '${cg}'`);
    opts.cgroup = cg;
  }
  const recorder = new Recorder(systemRecorderDeps());
  const stop = () => recorder.stop();
  process.once('SIGINT', stop);
  const quiet = args.booleans.has('quiet');
  if (!quiet) io.err(`netstack-atlas: recording ${mode === 'drops' ? 'drops (skb:kfree_skb)' : 'kernel stacks (cpu-clock)'} for ${opts.seconds} s (Ctrl-C stops early)\n`);
  let shown = 0;
  try {
    const r = await recorder.record(opts, (p) => {
      if (quiet || !io.isTTY || Date.now() - shown < 250) return;
      shown = Date.now();
      io.err(`\r${p.elapsed.toFixed(1)} s: ${p.samples.toLocaleString('en-US')} samples, ${p.drops.toLocaleString('en-US')} drops   `);
    });
    if (!quiet && io.isTTY) io.err('\n');
    if (r.problem && r.recording.samples + r.recording.dropRecords === 0) throw r.problem;
    if (r.problem) r.notes.unshift(r.problem.message);
    return { rec: r.recording, seconds: r.seconds, notes: r.notes };
  } finally {
    process.off('SIGINT', stop);
  }
}

async function run(args: ParsedArgs, io: CliIo, mode: RuntimeMode): Promise<number> {
  if (!args.positional[0]) throw new UsageError('missing the kernel tree argument');
  const folded = lastValue(args, 'folded');
  const maxHops = numberFlag(args, 'max-hops', 4, 1, 8);
  const top = numberFlag(args, 'top', 10, 1, 1000);
  // the index opens while perf records (both take seconds)
  const [opened, acquired] = await Promise.allSettled([openTree(args, io), acquire(args, io, mode)]);
  if (opened.status === 'rejected') throw opened.reason;
  const session = opened.value;
  try {
    if (acquired.status === 'rejected') throw acquired.reason;
    const got = acquired.value;
    const read = treeFileReader(session.tree.root);
    let graph: CallGraph | undefined;
    let layers;
    const notes = [...got.notes];
    try {
      graph = new CallGraph(session.index);
      layers = buildLayerModel(session.index, graph, read);
    } catch (e) {
      notes.push(`call graph not available: ${(e as Error).message}`);
    }
    const ctx = { ...joinContext(session.index, graph, layers, read, readSystemFile, kernelRelease()), maxHops };
    if (mode === 'stacks') {
      if (folded) writeFileSync(folded, toFolded(got.rec.stacks));
      const r = joinProfile(got.rec, got.seconds, ctx, notes);
      if (args.booleans.has('json')) printJson(io, r);
      else io.out(formatProfile(r, top));
      return 0;
    }
    const r = joinDrops(got.rec, got.seconds, ctx, notes);
    if (args.booleans.has('json')) printJson(io, r);
    else io.out(formatDrops(r));
    return 0;
  } finally {
    session.dispose();
  }
}

/** A privilege or input problem is one line naming the fix (exit 1), like every other error. */
async function guarded(f: () => Promise<number>, io: CliIo, name: string): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof RuntimeProblem) {
      io.err(`netstack-atlas ${name}: ${e.message}\n`);
      return e.code === 'zero-samples' ? 3 : 1;
    }
    throw e;
  }
}

const profile: CliCommand = {
  name: 'profile',
  usage: 'profile <tree> [--seconds N] [--frequency HZ] [--from FILE] [--folded OUT] [--pid P[,P]] [--netns PID] [--cgroup CG] [--max-hops 4] [--top N] [--json]   (perf-sampled kernel stacks on the layers)',
  valueFlags: [...TREE_VALUE_FLAGS, ...FILTER_FLAGS, 'frequency', 'folded', 'max-hops', 'top'],
  booleanFlags: TREE_BOOLEAN_FLAGS,
  flags: FLAG_SPECS,
  positionals: treePositionals([]),
  run: (args, io) => guarded(() => run(args, io, 'stacks'), io, 'profile'),
};

const drops: CliCommand = {
  name: 'drops',
  usage: 'drops <tree> [--seconds N] [--from FILE] [--pid P[,P]] [--netns PID] [--cgroup CG] [--json]   (skb:kfree_skb drops by reason, at the dropping line)',
  valueFlags: [...TREE_VALUE_FLAGS, ...FILTER_FLAGS],
  booleanFlags: TREE_BOOLEAN_FLAGS,
  flags: FLAG_SPECS,
  positionals: treePositionals([]),
  run: (args, io) => guarded(() => run(args, io, 'drops'), io, 'drops'),
};

export const runtimeCommands: CliCommand[] = [profile, drops];
