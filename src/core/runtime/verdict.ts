// The static graph's verdict on calls observed at run time: a caller → callee pair is explained by an
// edge (its kind), or by a path of at most `maxHops` edges (inlined and tail-called functions vanish
// from run-time stacks), or not at all — a gap of the source graph. Bidirectional: callees of the
// caller up to ⌈max/2⌉ edges meet callers of the callee up to ⌊max/2⌋, each side cached per function.
import type { CallEdge, EdgeKind } from '../graph/types.ts';

export interface EdgeSource {
  callees(fn: string): readonly CallEdge[];
  callers(fn: string): readonly CallEdge[];
}

export interface StaticVerdict {
  /** The edge's kind; for a path, the least direct kind on it (ops > callback > hint > direct). */
  kind: EdgeKind;
  hops: number;
  /** The functions of the path, caller first (only for hops > 1). */
  via?: string[];
}

const KIND_RANK: Record<EdgeKind, number> = { direct: 0, macro: 1, hint: 2, callback: 3, param: 4, pointer: 5, ops: 6 };
/** Nodes visited per side and function before giving up (hubs reached through ops tables). */
const SIDE_CAP = 50_000;

type Side = Map<string, { hops: number; edges: CallEdge[] }>;

export class EdgeExplainer {
  private readonly fwd = new Map<string, Side>();
  private readonly bwd = new Map<string, Side>();
  private readonly fwdDepth: number;
  private readonly bwdDepth: number;

  constructor(private readonly graph: EdgeSource, readonly maxHops = 4) {
    this.fwdDepth = Math.ceil(maxHops / 2);
    this.bwdDepth = Math.floor(maxHops / 2);
  }

  explain(from: string, to: string): StaticVerdict | null {
    // one edge: prefer the most direct kind
    let best: CallEdge | undefined;
    for (const e of this.graph.callees(from)) if (e.to === to && (!best || KIND_RANK[e.kind] < KIND_RANK[best.kind])) best = e;
    if (best) return { kind: best.kind, hops: 1 };
    if (this.maxHops < 2) return null;
    const f = this.side(from, true);
    const b = this.side(to, false);
    let meet: { hops: number; edges: CallEdge[] } | undefined;
    const [small, large, smallIsF] = f.size <= b.size ? [f, b, true] : [b, f, false];
    for (const [node, s] of small) {
      const o = large.get(node);
      if (!o) continue;
      const hops = s.hops + o.hops;
      if (hops === 0 || hops > this.maxHops || (meet && meet.hops <= hops)) continue;
      const [fe, be] = smallIsF ? [s.edges, o.edges] : [o.edges, s.edges];
      meet = { hops, edges: [...fe, ...be.slice().reverse()] };
    }
    if (!meet) return null;
    let kind: EdgeKind = 'direct';
    for (const e of meet.edges) if (KIND_RANK[e.kind] > KIND_RANK[kind]) kind = e.kind;
    return { kind, hops: meet.hops, via: [from, ...meet.edges.map((e) => e.to)] };
  }

  /** Functions within depth of `fn`, with the shortest edge list to each (callees forward, callers back). */
  private side(fn: string, forward: boolean): Side {
    const cache = forward ? this.fwd : this.bwd;
    let s = cache.get(fn);
    if (s) return s;
    s = new Map([[fn, { hops: 0, edges: [] }]]);
    let frontier = [fn];
    const depth = forward ? this.fwdDepth : this.bwdDepth;
    for (let h = 1; h <= depth && frontier.length && s.size < SIDE_CAP; h++) {
      const next: string[] = [];
      for (const x of frontier) {
        const here = s.get(x)!;
        for (const e of forward ? this.graph.callees(x) : this.graph.callers(x)) {
          const y = forward ? e.to : e.from;
          if (s.has(y)) continue;
          s.set(y, { hops: h, edges: [...here.edges, e] });
          next.push(y);
          if (s.size >= SIDE_CAP) break;
        }
      }
      frontier = next;
    }
    if (cache.size > 20_000) cache.clear();
    cache.set(fn, s);
    return s;
  }
}

/** The verdict for each pair (`null`: unexplained), in the pairs' order. */
export function explainEdges(graph: EdgeSource, pairs: Iterable<{ from: string; to: string }>, maxHops = 4): (StaticVerdict | null)[] {
  const x = new EdgeExplainer(graph, maxHops);
  return [...pairs].map((p) => x.explain(p.from, p.to));
}
