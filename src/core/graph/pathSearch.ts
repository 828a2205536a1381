// Call-path search over anything that lists a function's edges both ways: the call graph built in
// memory and the one read back from the cache answer `path` with the same code.
import type { CallEdge, Confidence, PathResult } from './types.ts';

export interface PathOptions {
  maxDepth?: number;
  minConfidence?: 'typed' | 'field-name';
  k?: number;
}

export interface EdgeSource {
  callees(fn: string): readonly CallEdge[];
  callers(fn: string): readonly CallEdge[];
}

/** Lower is better; a confidence this version does not know ranks last. */
export const RANK: Record<Confidence, number> = { exact: 0, typed: 1, 'field-name': 2 };
const rankOf = (c: string) => (RANK as Record<string, number>)[c] ?? 3;

const edgeKey = (e: CallEdge) => `${e.from}>${e.to}`;

/** Shortest call path (BFS, bounded), then up to k-1 alternatives that avoid one edge of the best. */
export function searchPath(g: EdgeSource, from: string, to: string, opts: PathOptions = {}): PathResult {
  const maxDepth = opts.maxDepth ?? 40;
  const minRank = opts.minConfidence === 'typed' ? RANK.typed : RANK['field-name'];
  const k = Math.max(1, opts.k ?? 3);
  const best = bfs(g, from, to, maxDepth, minRank, new Set());
  if (!best.edges) return { found: false, functions: [], edges: [], depth: best.depth };
  const alternatives: { functions: string[]; edges: CallEdge[] }[] = [];
  const seen = new Set([best.edges.map(edgeKey).join(' ')]);
  for (const banned of best.edges) {
    if (alternatives.length >= k - 1) break;
    const alt = bfs(g, from, to, maxDepth, minRank, new Set([edgeKey(banned)]));
    if (!alt.edges) continue;
    const key = alt.edges.map(edgeKey).join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    alternatives.push({ functions: [from, ...alt.edges.map((e) => e.to)], edges: alt.edges });
  }
  alternatives.sort((a, b) => a.edges.length - b.edges.length);
  return { found: true, functions: [from, ...best.edges.map((e) => e.to)], edges: best.edges, alternatives, depth: best.edges.length };
}

/**
 * Bidirectional breadth-first search: expand the smaller frontier each round, so an unreachable
 * target is known as soon as either side runs dry. Depth counts edges; bounded by maxDepth.
 */
function bfs(g: EdgeSource, from: string, to: string, maxDepth: number, minRank: number, banned: Set<string>): { edges?: CallEdge[]; depth: number } {
  if (from === to) return { edges: [], depth: 0 };
  const ok = (e: CallEdge) => rankOf(e.confidence) <= minRank && !banned.has(edgeKey(e));
  const fwd = new Map<string, CallEdge | null>([[from, null]]);
  const bwd = new Map<string, CallEdge | null>([[to, null]]);
  let ff = [from];
  let bf = [to];
  let depth = 0;
  /** One level out from `frontier`; returns the next frontier and where it met the other side. */
  /** Whether `fn` is `fn0` or reached from it on the forward tree (a param edge's context). */
  const cameThrough = (fn: string, fn0: string) => {
    for (let cur: string | undefined = fn, n = 0; cur !== undefined && n <= maxDepth; cur = fwd.get(cur)?.from, n++) if (cur === fn0) return true;
    return false;
  };
  const expand = (frontier: string[], seen: Map<string, CallEdge | null>, other: Map<string, CallEdge | null>, forward: boolean) => {
    const next: string[] = [];
    for (const fn of frontier) {
      for (const e of forward ? g.callees(fn) : g.callers(fn)) {
        const node = forward ? e.to : e.from;
        if (!ok(e) || seen.has(node)) continue;
        // a function calling its parameter calls what *this* path passed it: forward, only through the
        // function that passed it, or when the path starts at the function itself (any caller may have);
        // backward the context is unknown, so the forward side takes such edges
        if (e.passedBy !== undefined && (!forward || (fn !== from && !cameThrough(fn, e.passedBy)))) continue;
        seen.set(node, e);
        if (other.has(node)) return { next, meet: node };
        next.push(node);
      }
    }
    return { next, meet: undefined };
  };
  while (ff.length && bf.length && depth < maxDepth) {
    depth++;
    let meet: string | undefined;
    if (ff.length <= bf.length) ({ next: ff, meet } = expand(ff, fwd, bwd, true));
    else ({ next: bf, meet } = expand(bf, bwd, fwd, false));
    if (meet) {
      const edges: CallEdge[] = [];
      for (let cur = fwd.get(meet); cur; cur = fwd.get(cur.from)) edges.unshift(cur);
      for (let cur = bwd.get(meet); cur; cur = bwd.get(cur.to)) edges.push(cur);
      return { edges, depth: edges.length };
    }
  }
  return { depth };
}
