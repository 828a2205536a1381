// What the map shows, as plain data: the nodes it knows, which are visible, the edges, the nodes
// expanded (callers above, callees below, at most BUNDLE_MAX at a time, the rest in a "+N more"
// bundle node that opens on click) and the lit path. Pure (no DOM): the layout input comes from here,
// and the tests drive it on the real 6.1 model.
import type { MapEdge, MapModel, MapNode } from '../src/core/map/protocol.ts';
import type { LayoutEdge, LayoutInput, LayoutNode } from './layout/layout.ts';

export const BUNDLE_MAX = 12;
/** The lit path's own column (its nodes keep their subsystem in the hover). */
export const PATH_COLUMN = '⟂ path';

export interface ViewNode extends MapNode {
  visible: boolean;
  /** For a bundle node: the hidden neighbours it stands for. */
  rest?: string[];
  origin?: string;
}

/** 1 for a helper no network rule placed (voted in, or from a generic include/linux header). */
function generic(n: MapNode): number {
  return /^(no rule matched|most of its)/.test(n.detail) || (/^include\/linux\//.test(n.file) && !/^include\/linux\/(netdevice|skbuff|tcp|udp|ip|ipv6|netfilter)/.test(n.file)) ? 1 : 0;
}

export const edgeKey = (e: { from: string; to: string; kind: string }) => `${e.from}>${e.to}>${e.kind}`;
const bundleId = (origin: string, dir: string) => `bundle:${dir}:${origin}`;

export class MapState {
  model: MapModel | undefined;
  readonly nodes = new Map<string, ViewNode>();
  readonly edges = new Map<string, MapEdge>();
  /** node → the neighbours its expansion revealed (collapse hides them again). */
  readonly expanded = new Map<string, { direction: 'callees' | 'callers'; revealed: string[]; bundle?: string }>();
  pathNodes: string[] = [];
  pathEdges = new Set<string>();

  init(model: MapModel): void {
    this.model = model;
    this.nodes.clear();
    this.edges.clear();
    this.expanded.clear();
    this.pathNodes = [];
    this.pathEdges.clear();
    for (const n of model.nodes) this.nodes.set(n.id, { ...n, visible: !!n.key });
    for (const e of model.edges) this.edges.set(edgeKey(e), e);
  }

  /** Nodes and edges the host sent; `reveal` makes the nodes visible. */
  merge(nodes: readonly MapNode[], edges: readonly MapEdge[], reveal: boolean): void {
    for (const n of nodes) {
      const have = this.nodes.get(n.id);
      if (have) have.visible ||= reveal;
      else this.nodes.set(n.id, { ...n, visible: reveal });
    }
    for (const e of edges) this.edges.set(edgeKey(e), e);
  }

  show(id: string): boolean {
    const n = this.nodes.get(id);
    if (!n) return false;
    n.visible = true;
    return true;
  }

  /** An expansion's answer: the first BUNDLE_MAX not yet visible appear, the rest wait in a bundle. */
  expand(origin: string, direction: 'callees' | 'callers', nodes: readonly MapNode[], edges: readonly MapEdge[]): { revealed: string[]; bundled: number } {
    this.merge(nodes, edges, false);
    // network functions first; generic kernel helpers (rcu_read_lock, IS_ERR) wait in the bundle
    const fresh = nodes.filter((n) => !this.nodes.get(n.id)!.visible).sort((a, b) => generic(a) - generic(b)).map((n) => n.id);
    const revealed = fresh.slice(0, BUNDLE_MAX);
    for (const id of revealed) this.nodes.get(id)!.visible = true;
    const rest = fresh.slice(BUNDLE_MAX);
    let bundle: string | undefined;
    const o = this.nodes.get(origin);
    if (rest.length && o) {
      bundle = bundleId(origin, direction);
      this.nodes.set(bundle, { id: bundle, label: `+${rest.length} more ${direction}`, kind: 'bundle', layer: o.layer, column: o.column, file: o.file, line: o.line, detail: `${rest.length} more ${direction} of ${o.label}: click to show the next ${Math.min(BUNDLE_MAX, rest.length)}`, visible: true, rest, origin });
      const e: MapEdge = direction === 'callees' ? { from: origin, to: bundle, kind: 'direct' } : { from: bundle, to: origin, kind: 'direct' };
      this.edges.set(edgeKey(e), e);
    }
    const prev = this.expanded.get(origin);
    this.expanded.set(origin, { direction, revealed: [...(prev?.revealed ?? []), ...revealed], bundle });
    return { revealed, bundled: rest.length };
  }

  /** Open a bundle: its next BUNDLE_MAX appear; the bundle shrinks or goes. */
  openBundle(id: string): string[] {
    const b = this.nodes.get(id);
    if (!b?.rest || !b.origin) return [];
    const next = b.rest.splice(0, BUNDLE_MAX);
    for (const n of next) this.show(n);
    const exp = this.expanded.get(b.origin);
    exp?.revealed.push(...next);
    if (b.rest.length) {
      const dir = id.split(':')[1];
      b.label = `+${b.rest.length} more ${dir}`;
    } else {
      this.nodes.delete(id);
      for (const [k, e] of this.edges) if (e.from === id || e.to === id) this.edges.delete(k);
      if (exp) exp.bundle = undefined;
    }
    return next;
  }

  /** Undo an expansion: what it revealed hides again (unless key, on the path or expanded itself). */
  collapse(origin: string): void {
    const exp = this.expanded.get(origin);
    if (!exp) return;
    this.expanded.delete(origin);
    const keep = new Set(this.pathNodes);
    for (const id of exp.revealed) {
      const n = this.nodes.get(id);
      if (n && !n.key && !keep.has(id) && !this.expanded.has(id)) n.visible = false;
    }
    if (exp.bundle) {
      this.nodes.delete(exp.bundle);
      for (const [k, e] of this.edges) if (e.from === exp.bundle || e.to === exp.bundle) this.edges.delete(k);
    }
  }

  setPath(nodes: readonly MapNode[], edges: readonly MapEdge[]): void {
    this.merge(nodes, edges, true);
    this.pathNodes = nodes.map((n) => n.id);
    this.pathEdges = new Set(edges.map(edgeKey));
  }

  clearPath(): void {
    this.pathNodes = [];
    this.pathEdges.clear();
  }

  visibleNodes(): ViewNode[] {
    return [...this.nodes.values()].filter((n) => n.visible);
  }

  /** Visible edges, parallel ones (same ends, several kinds) folded into one with a count. */
  visibleEdges(): (MapEdge & { count: number; kinds: string[] })[] {
    const by = new Map<string, MapEdge & { count: number; kinds: string[] }>();
    // what an expansion revealed is a satellite of its origin: its edges go to that origin and to the
    // origin's other satellites only (a helper like inet_sk would otherwise criss-cross the map to
    // every caller on it); hover shows the rest
    const originsOf = new Map<string, Set<string>>();
    const onPath = new Set(this.pathNodes);
    for (const [origin, exp] of this.expanded) {
      for (const id of exp.revealed) {
        const n = this.nodes.get(id);
        if (n && !n.key && !onPath.has(id)) originsOf.set(id, (originsOf.get(id) ?? new Set()).add(origin));
      }
    }
    const related = (sat: string, other: string) => {
      const o = originsOf.get(sat)!;
      if (o.has(other)) return true;
      const oo = originsOf.get(other);
      if (oo) for (const x of oo) if (o.has(x) || x === sat) return true;
      return false;
    };
    const lit = (e: MapEdge) => this.pathEdges.size > 0 && this.pathEdges.has(edgeKey(e));
    for (const e of this.edges.values()) {
      if (!this.nodes.get(e.from)?.visible || !this.nodes.get(e.to)?.visible || e.from === e.to) continue;
      if (originsOf.size && ((originsOf.has(e.to) && !related(e.to, e.from)) || (originsOf.has(e.from) && !related(e.from, e.to))) && !lit(e)) continue;
      const k = `${e.from}>${e.to}`;
      const have = by.get(k);
      if (have) {
        have.count++;
        have.kinds.push(e.kind);
        if (lit(e)) Object.assign(have, { kind: e.kind, evidence: e.evidence });
        // (not a spread: V8 copies these edges of mixed shapes by spread ~30× slower, 9 ms for 2,600)
      } else by.set(k, Object.assign({ count: 1, kinds: [e.kind] }, e));
    }
    return [...by.values()];
  }

  isPathEdge(e: { from: string; to: string; kinds: string[] }): boolean {
    if (!this.pathEdges.size) return false;
    return e.kinds.some((kind) => this.pathEdges.has(`${e.from}>${e.to}>${kind}`));
  }

  /** The layout's input for what is visible now. */
  layoutInput(opts: { aspect?: number; view?: LayoutInput['view']; pinned?: LayoutInput['pinned']; edges?: ReturnType<MapState['visibleEdges']> } = {}): LayoutInput {
    // the lit path is a spine of its own (first column, in call order); what an expansion revealed
    // sits next to its origin (the origin's column), not with its subsystem
    const onPath = new Set(this.pathNodes);
    const columnOf = new Map<string, string | undefined>();
    for (const id of onPath) columnOf.set(id, PATH_COLUMN);
    for (const [origin, exp] of this.expanded) {
      const oc = columnOf.get(origin) ?? this.nodes.get(origin)?.column;
      for (const id of exp.revealed) if (!columnOf.has(id) && !this.nodes.get(id)?.key) columnOf.set(id, oc);
      if (exp.bundle) columnOf.set(exp.bundle, oc);
    }
    const nodes: LayoutNode[] = this.visibleNodes().map((n) => ({ id: n.id, layer: n.layer, column: columnOf.has(n.id) ? columnOf.get(n.id) : n.column, label: n.label, kind: n.kind }));
    const edges: LayoutEdge[] = (opts.edges ?? this.visibleEdges()).map((e) => ({ from: e.from, to: e.to, weak: e.kind === 'member' || e.kind === 'registers' }));
    const seeds: string[][] = [];
    if (this.pathNodes.length) seeds.push(this.pathNodes);
    for (const p of Object.values(this.model?.presetPaths ?? {})) seeds.push(p);
    const columns = (this.model?.columns ?? []).map((c) => c.id);
    if (onPath.size) columns.unshift(PATH_COLUMN);
    const bandTitles = Object.fromEntries((this.model?.layers ?? []).map((l) => [l.id, `${l.title} (${l.count})`]));
    return { nodes, edges, columns, seeds, path: this.pathNodes, aspect: opts.aspect, view: opts.view, pinned: opts.pinned, bandTitles };
  }
}
