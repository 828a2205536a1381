// A recording joined with the tree: each frame → the function's definition (file:line, layer); each
// drop location `func+0xoff` → the function and, inside its body, the lines that drop with that reason;
// each observed caller → callee pair → the static graph's verdict. Functions the running kernel has
// but the tree does not are counted and named. The result is what `profile`/`drops` print as JSON and
// what the map overlay and the editor show.
import type { LayerId, LayerModel } from '../graph/types.ts';
import { placementOf } from '../graph/layers.ts';
import type { ReadTreeFile } from '../index/treeFiles.ts';
import type { PerfRecording } from './perfScript.ts';
import { loadDropReasons, reasonName, type DropReasons } from './dropReasons.ts';
import { EdgeExplainer, type EdgeSource, type StaticVerdict } from './verdict.ts';
import { versionNote } from './diagnose.ts';

/** What the join needs of the index (KernelIndex fits). */
export interface FunctionLookup {
  functions(name: string): readonly { file: string; def: { line: number; startLine: number; endLine: number; isInline?: boolean } }[];
  kernelVersion: string | null;
}

export interface JoinContext {
  index: FunctionLookup;
  layers: LayerModel | undefined;
  graph: EdgeSource | undefined;
  readFile: ReadTreeFile;
  reasons: DropReasons;
  kernelRelease: string;
  maxHops?: number;
}

export interface ProfileFunction {
  name: string;
  /** Samples whose stack holds it (inclusive) and where it is the leaf (self). */
  samples: number;
  self: number;
  layer: LayerId | null;
  file: string;
  line: number;
}

export interface ProfileEdge {
  from: string;
  to: string;
  samples: number;
  /** Absent: an end is not in the index; null: the static graph does not explain it. */
  static?: StaticVerdict | null;
}

export interface ProfileReport {
  kernelRelease: string;
  treeVersion: string | null;
  seconds: number;
  samples: number;
  /** Samples with a kernel frame, and with a frame of the tree (the network-stack share's base). */
  kernelSamples: number;
  treeSamples: number;
  functions: ProfileFunction[];
  edges: ProfileEdge[];
  notInTree: { name: string; samples: number }[];
  unknownFrames: number;
  /** Observed in-tree edges the static graph explains: by pair and weighted by samples. */
  explained: { pairs: number; explainedPairs: number; share: number; sampleShare: number; direct: number; paths: number; unexplained: { from: string; to: string; samples: number }[] };
  /** The hottest observed chain from a system call to a driver (function names, top first). */
  hotPath: string[];
  notes: string[];
}

export interface DropLocation {
  function: string;
  offset: string;
  count: number;
  file: string | null;
  line: number | null;
  layer: LayerId | null;
  /** Every line of the function's body that drops with this reason (empty: the definition line is given). */
  lines: number[];
}

export interface DropsReport {
  kernelRelease: string;
  treeVersion: string | null;
  seconds: number;
  total: number;
  sampled: number;
  /** Every Nth drop's chain kept under a storm (1: all). */
  keepEvery: number;
  reasons: { reason: string; count: number; doc?: string; locations: DropLocation[] }[];
  reasonNames: DropReasons['source'];
  notes: string[];
}

const UNKNOWN = '[unknown]';

/** Where a function is defined and placed (the layer model's choice among same-named statics). */
function locate(ctx: JoinContext, name: string): { file: string; line: number; startLine: number; endLine: number; layer: LayerId | null } | undefined {
  // a header's inline stub (`handle_mm_fault` for !CONFIG_MMU in linux/mm.h) is not the function the
  // running kernel sampled: frames only match real definitions
  const defs = ctx.index.functions(name).filter((d) => !(d.def.isInline && d.file.startsWith('include/')));
  if (!defs.length) return undefined;
  const p = ctx.layers ? placementOf(ctx.layers, name) : undefined;
  const d = (p && defs.find((x) => x.file === p.file)) || defs[0];
  return { file: d.file, line: d.def.line, startLine: d.def.startLine, endLine: d.def.endLine, layer: p?.layer ?? null };
}

export function joinProfile(rec: PerfRecording, seconds: number, ctx: JoinContext, notes: string[] = []): ProfileReport {
  const incl = new Map<string, number>();
  const self = new Map<string, number>();
  const pairs = new Map<string, { from: string; to: string; samples: number }>();
  const where = new Map<string, ReturnType<typeof locate> | null>();
  const loc = (n: string) => {
    let w = where.get(n);
    if (w === undefined) where.set(n, (w = n === UNKNOWN ? null : locate(ctx, n) ?? null));
    return w;
  };
  let treeSamples = 0;
  const chains = new Map<string, number>();
  const seen = new Set<string>();
  for (const [stack, count] of rec.stacks) {
    const frames = stack.split(';');
    seen.clear();
    let inTree = false;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      if (!seen.has(f)) {
        seen.add(f);
        incl.set(f, (incl.get(f) ?? 0) + count);
        if (loc(f)) inTree = true;
      }
      if (i > 0 && frames[i - 1] !== UNKNOWN && f !== UNKNOWN) {
        const key = frames[i - 1] + '>' + f;
        if (!seen.has(key)) {
          seen.add(key);
          const p = pairs.get(key);
          if (p) p.samples += count;
          else pairs.set(key, { from: frames[i - 1], to: f, samples: count });
        }
      }
    }
    const leaf = frames[frames.length - 1];
    self.set(leaf, (self.get(leaf) ?? 0) + count);
    if (inTree) {
      treeSamples += count;
      const chain = runtimePath(frames, loc);
      if (chain) chains.set(chain, (chains.get(chain) ?? 0) + count);
    }
  }
  const functions: ProfileFunction[] = [];
  const notInTree: { name: string; samples: number }[] = [];
  for (const [name, samples] of incl) {
    const w = loc(name);
    if (w) functions.push({ name, samples, self: self.get(name) ?? 0, layer: w.layer, file: w.file, line: w.line });
    else if (name !== UNKNOWN) notInTree.push({ name, samples });
  }
  functions.sort((a, b) => b.samples - a.samples || a.name.localeCompare(b.name));
  notInTree.sort((a, b) => b.samples - a.samples || a.name.localeCompare(b.name));

  const explainer = ctx.graph ? new EdgeExplainer(ctx.graph, ctx.maxHops ?? 4) : undefined;
  const edges: ProfileEdge[] = [];
  const ex = { pairs: 0, explainedPairs: 0, share: 0, sampleShare: 0, direct: 0, paths: 0, unexplained: [] as { from: string; to: string; samples: number }[] };
  let inTreeSamples = 0;
  let explainedSamples = 0;
  for (const p of pairs.values()) {
    const a = loc(p.from);
    const b = loc(p.to);
    if (!a && !b) continue;
    const e: ProfileEdge = { from: p.from, to: p.to, samples: p.samples };
    if (a && b && explainer) {
      const v = explainer.explain(p.from, p.to);
      e.static = v;
      ex.pairs++;
      inTreeSamples += p.samples;
      if (v) {
        ex.explainedPairs++;
        explainedSamples += p.samples;
        if (v.hops === 1) ex.direct++;
        else ex.paths++;
      } else ex.unexplained.push({ from: p.from, to: p.to, samples: p.samples });
    }
    edges.push(e);
  }
  edges.sort((a, b) => b.samples - a.samples || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  ex.unexplained.sort((a, b) => b.samples - a.samples);
  ex.share = ex.pairs ? ex.explainedPairs / ex.pairs : 0;
  ex.sampleShare = inTreeSamples ? explainedSamples / inTreeSamples : 0;
  const hot = [...chains].sort((a, b) => b[1] - a[1] || b[0].split(';').length - a[0].split(';').length || (a[0] < b[0] ? -1 : 1))[0]; // ties: the longer chain

  const allNotes = [...notes];
  const vn = versionNote(ctx.kernelRelease, ctx.index.kernelVersion);
  if (vn) allNotes.push(`${vn} (${notInTree.length.toLocaleString('en-US')} run-time functions not in the tree)`);
  if (!ctx.graph) allNotes.push('no call graph: observed calls are not checked against the static graph');
  return {
    kernelRelease: ctx.kernelRelease,
    treeVersion: ctx.index.kernelVersion,
    seconds: round(seconds),
    samples: rec.samples,
    kernelSamples: rec.kernelSamples,
    treeSamples,
    functions,
    edges,
    notInTree,
    unknownFrames: rec.unknownFrames,
    explained: ex,
    hotPath: hot ? hot[0].split(';') : [],
    notes: allNotes,
  };
}

const LAYER_RANK: Record<LayerId, number> = { syscall: 0, socket: 1, protocol: 2, network: 3, device: 4, driver: 5 };

/** The in-tree frames of a stack from its first system-call frame to its last driver frame (the
 *  run-time path across the bands); else from the topmost band's frame to the lowest band's frame
 *  when it spans at least three bands. */
function runtimePath(frames: string[], loc: (n: string) => { layer: LayerId | null } | null | undefined): string | undefined {
  const tree: { name: string; rank: number }[] = [];
  for (const f of frames) {
    const w = loc(f);
    if (w?.layer) tree.push({ name: f, rank: LAYER_RANK[w.layer] });
  }
  if (tree.length < 2) return undefined;
  let top = tree.findIndex((t) => t.rank === 0);
  let bottom = -1;
  for (let i = tree.length - 1; i >= 0; i--) if (tree[i].rank === 5) { bottom = i; break; }
  if (top < 0 || bottom <= top) {
    const minRank = Math.min(...tree.map((t) => t.rank));
    const maxRank = Math.max(...tree.map((t) => t.rank));
    if (maxRank - minRank < 2) return undefined;
    top = tree.findIndex((t) => t.rank === minRank);
    bottom = tree.length - 1 - [...tree].reverse().findIndex((t) => t.rank === maxRank);
    if (bottom <= top) return undefined;
  }
  return tree.slice(top, bottom + 1).map((t) => t.name).join(';');
}

export function joinDrops(rec: PerfRecording, seconds: number, ctx: JoinContext, notes: string[] = []): DropsReport {
  const byReason = new Map<string, { reason: string; count: number; locations: Map<string, DropLocation> }>();
  const lineCache = new Map<string, string[] | null>();
  const fileLines = (f: string) => {
    let l = lineCache.get(f);
    if (l === undefined) lineCache.set(f, (l = ctx.readFile(f)?.split('\n') ?? null));
    return l;
  };
  const missingReasons = new Set<string>();
  for (const t of rec.drops.values()) {
    const reason = reasonName(t.reason, ctx.reasons);
    let r = byReason.get(reason);
    if (!r) byReason.set(reason, (r = { reason, count: 0, locations: new Map() }));
    r.count += t.count;
    const key = `${t.function}+${t.offset}`;
    let l = r.locations.get(key);
    if (!l) {
      const w = t.function.startsWith('0x') ? undefined : locate(ctx, t.function);
      let lines: number[] = [];
      if (w) {
        const text = fileLines(w.file);
        if (text) lines = dropLines(text, w.startLine, w.endLine, reason);
        if (!lines.length && !ctx.reasons.docs.has(reason)) missingReasons.add(reason);
      }
      l = { function: t.function, offset: t.offset, count: 0, file: w?.file ?? null, line: lines[0] ?? w?.line ?? null, layer: w?.layer ?? null, lines };
      r.locations.set(key, l);
    }
    l.count += t.count;
  }
  const reasons = [...byReason.values()]
    .map((r) => ({ reason: r.reason, count: r.count, ...(ctx.reasons.docs.get(r.reason) ? { doc: ctx.reasons.docs.get(r.reason) } : {}), locations: [...r.locations.values()].sort((a, b) => b.count - a.count) }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const allNotes = [...notes];
  if (ctx.reasons.note) allNotes.push(ctx.reasons.note);
  const vn = versionNote(ctx.kernelRelease, ctx.index.kernelVersion);
  if (vn) allNotes.push(vn);
  if (missingReasons.size) allNotes.push(`reasons not in the tree (newer than it): ${[...missingReasons].join(', ')}: located at the function's line`);
  return {
    kernelRelease: ctx.kernelRelease,
    treeVersion: ctx.index.kernelVersion,
    seconds: round(seconds),
    total: rec.dropTotal,
    sampled: rec.dropSampled,
    keepEvery: rec.dropKeepEvery,
    reasons,
    reasonNames: ctx.reasons.source,
    notes: allNotes,
  };
}

/** Lines in [start, end] naming `SKB_DROP_REASON_<reason>` (a `kfree_skb_reason(…)` argument, a
 *  `drop_reason = …` assignment, a `SKB_DR_SET(…, REASON)` short form). */
export function dropLines(lines: string[], start: number, end: number, reason: string): number[] {
  const out: number[] = [];
  const full = new RegExp(`\\bSKB_DROP_REASON_${reason}\\b|\\bSKB_DR_(?:SET|OR)\\s*\\(\\s*\\w+\\s*,\\s*${reason}\\s*\\)`);
  for (let i = Math.max(1, start); i <= Math.min(end, lines.length); i++) if (full.test(lines[i - 1])) out.push(i);
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The join context from an open index and its graphs (drop reasons loaded once here). */
export function joinContext(
  index: FunctionLookup & { root: string; allFacts(): Iterable<{ file: string }> },
  graph: EdgeSource | undefined,
  layers: LayerModel | undefined,
  readFile: ReadTreeFile,
  readSystemFile: (path: string) => string | undefined,
  kernelRelease: string,
): JoinContext {
  const files = [...index.allFacts()].map((f) => f.file);
  return { index, graph, layers, readFile, reasons: loadDropReasons(readSystemFile, readFile, files), kernelRelease };
}
