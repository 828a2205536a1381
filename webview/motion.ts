// Where the drawn nodes are, and how they get to where the layout puts them. A re-render after an
// expand or a collapse moves part of a map of thousands: one timer animates only the nodes whose place
// changed and the edges that touch them (their paths recomputed from the ends' places each frame). A
// d3 transition per element cost a schedule, a transform parse and a path-string interpolation per
// element per frame, for every node and every edge of the map. A drag moves one node and its edges
// the same way, live.
import { easeCubicInOut, timer, type Timer } from 'd3';
import { edgePath, type Box } from './layout/geometry.ts';

export const MOVE_MS = 300;
/** More moving nodes than this jump instead of flying (a frame must stay affordable). */
const MAX_ANIMATED = 4000;

interface Point {
  x: number;
  y: number;
}
export interface EdgeEl {
  el: SVGPathElement;
  from: string;
  to: string;
}

export class Motion {
  /** Where each node is drawn now (during a move: this frame's place). */
  private readonly at = new Map<string, Point>();
  private readonly els = new Map<string, SVGGElement>();
  /** Each node's width and height (edges anchor on the box). */
  private readonly size = new Map<string, { w: number; h: number }>();
  /** Edges by end (built per render): what follows a moving node. */
  private byNode = new Map<string, EdgeEl[]>();
  private running: { timer: Timer; finish: () => void } | undefined;
  /** What the last move touched: the nodes not at their target and the edges at them. */
  last = { nodes: 0, edges: 0 };

  /** A node as drawn: `el` shows `id`, `box` is where the layout wants it (its size is taken now, its
   *  place by `moveTo`). New nodes appear in place. True when its size is new (its edges' anchors move). */
  track(id: string, el: SVGGElement, box: Box): boolean {
    this.els.set(id, el);
    const s = this.size.get(id);
    const resized = !s || s.w !== box.w || s.h !== box.h;
    if (resized) this.size.set(id, { w: box.w, h: box.h });
    if (!this.at.has(id)) this.put(id, box.x, box.y);
    return resized;
  }

  forget(id: string): void {
    this.at.delete(id);
    this.els.delete(id);
    this.size.delete(id);
  }

  /** The box a node is drawn in now. */
  box(id: string): Box | undefined {
    const p = this.at.get(id), s = this.size.get(id);
    return p && s ? { x: p.x, y: p.y, w: s.w, h: s.h } : undefined;
  }

  /** The edges, indexed by their ends (for moves and drags). */
  setEdges(edges: EdgeEl[]): void {
    this.byNode = new Map();
    for (const e of edges) {
      for (const id of [e.from, e.to]) {
        const l = this.byNode.get(id);
        if (l) l.push(e);
        else this.byNode.set(id, [e]);
      }
    }
  }

  /** Moves every node to its target; only those not there already are touched, and only the edges at
   *  them are redrawn. Animated over MOVE_MS unless `animate` is off. Returns the edges it redraws. */
  moveTo(targets: ReadonlyMap<string, Box>, animate: boolean): Set<EdgeEl> {
    this.finish();
    const moving: { id: string; from: Point; to: Point }[] = [];
    for (const id of this.els.keys()) {
      const b = targets.get(id), p = this.at.get(id);
      if (b && p && (b.x !== p.x || b.y !== p.y)) moving.push({ id, from: { x: p.x, y: p.y }, to: { x: b.x, y: b.y } });
    }
    const edges = new Set<EdgeEl>();
    for (const m of moving) for (const e of this.byNode.get(m.id) ?? []) edges.add(e);
    this.last = { nodes: moving.length, edges: edges.size };
    const frame = (t: number) => {
      const k = easeCubicInOut(t);
      for (const m of moving) this.put(m.id, m.from.x + (m.to.x - m.from.x) * k, m.from.y + (m.to.y - m.from.y) * k);
      for (const e of edges) this.drawEdge(e);
    };
    if (!animate || !moving.length || moving.length > MAX_ANIMATED) {
      frame(1);
      return edges;
    }
    const finish = () => {
      t.stop();
      this.running = undefined;
      frame(1);
    };
    const t = timer((elapsed) => {
      if (elapsed >= MOVE_MS) finish();
      else frame(elapsed / MOVE_MS);
    });
    this.running = { timer: t, finish };
    return edges;
  }

  /** Ends a move at once, everything at its target. */
  finish(): void {
    this.running?.finish();
  }

  get moving(): boolean {
    return !!this.running;
  }

  /** A node dragged to (x, y): it and its edges follow at once. */
  drag(id: string, x: number, y: number): void {
    this.finish();
    this.put(id, x, y);
    for (const e of this.byNode.get(id) ?? []) this.drawEdge(e);
  }

  /** Has the edge been drawn? */
  static drawn(e: EdgeEl): boolean {
    return (e.el as unknown as { __nsa_d?: string }).__nsa_d !== undefined;
  }

  /** Sets an edge's path from where its ends are drawn now. */
  drawEdge(e: EdgeEl): void {
    const a = this.box(e.from), b = this.box(e.to);
    const d = a && b ? edgePath(a, b) : '';
    const el = e.el as unknown as { __nsa_d?: string };
    if (el.__nsa_d === d) return;
    el.__nsa_d = d;
    e.el.setAttribute('d', d);
  }

  private put(id: string, x: number, y: number): void {
    const p = this.at.get(id);
    if (p) {
      p.x = x;
      p.y = y;
    } else this.at.set(id, { x, y });
    this.els.get(id)?.setAttribute('transform', `translate(${x},${y})`);
  }
}
