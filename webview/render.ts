// Drawing the laid-out map into SVG with d3: bands, subsystem cells with their names, edges (bundled
// parallel edges carry a count; path edges numbered and labelled by kind), nodes. Semantic zoom is a
// class on the svg set from the zoom level: a text is shown only where it is ≥ 11 px on screen.
import { select, type Selection } from 'd3';
import type { LayoutResult } from './layout/layout.ts';
import { BAND_HEAD, CHAR_W, LABEL_PX, MIN_SCREEN_PX, NODE_H, TITLE_LINE, shownLabel, type Box } from './layout/geometry.ts';
import type { MapState, ViewNode } from './state.ts';
import { Motion, type EdgeEl } from './motion.ts';
import { TITLE_LEADING, placeBadges, placeBandTitle, textBox } from './layout/clearance.ts';
import type { MapEdge } from '../src/core/map/protocol.ts';

type G = Selection<SVGGElement, unknown, null, undefined>;
export type DrawnEdge = MapEdge & { count: number; kinds: string[] };

/** Font sizes in map units of the texts semantic zoom switches. file:line (`detail`) lives in the 6-unit gap under a box, so it is small and
 *  shows only from zoom 2.2 (5 × 2.2 = 11 px): larger, it ran into the next row's box. */
export const ZOOM_TEXT = { label: LABEL_PX, detail: 5, cell: 11, band: 14, far: 30, agg: 22 };
/** Width of monospace text at a font size (map units). */
const textW = (s: string, px: number) => s.length * CHAR_W * (px / LABEL_PX);
/** Between a band's big title and the band's left edge, when it goes left of the band. */
const FAR_GAP = 14;
/** Room kept clear around a band's big title (it is drawn with a halo). */
const FAR_HALO = 4;

/** Baseline of a node's label, and of its badge. */
const LABEL_Y = 13;
/** Font size of a counter or CPU badge (map units). */
export const BADGE_PX = 9;

/** Every class `zoomClasses` may set (cleared before each zoom). */
export const ZOOM_CLASSES = ['z-labels', 'z-far', 'z-detail', 'z-cells', 'z-far-titles', 'z-far-aggs'];
/** The zoom classes for scale k: which texts are ≥ 11 px on screen. */
export function zoomClasses(k: number): string {
  const show = (px: number) => px * k >= MIN_SCREEN_PX;
  // zoomed far out even the band titles and cell counts would be under 11 px: hidden, not shrunk
  return [show(ZOOM_TEXT.label) ? 'z-labels' : 'z-far', show(ZOOM_TEXT.detail) ? 'z-detail' : '', show(ZOOM_TEXT.cell) ? 'z-cells' : '', show(ZOOM_TEXT.far) ? 'z-far-titles' : '', show(ZOOM_TEXT.agg) ? 'z-far-aggs' : ''].filter(Boolean).join(' ');
}

export interface RenderHooks {
  nodeClass(d: ViewNode): string;
  onNode(g: Selection<SVGGElement, ViewNode, SVGGElement, unknown>): void;
  onEdge(p: Selection<SVGPathElement, DrawnEdge, SVGGElement, unknown>): void;
  /** Classes an edge gets besides its own (with a leading space, or ''). */
  edgeClass(e: DrawnEdge): string;
  /** The samples a recording saw on an edge (null: none). */
  edgeSamples(e: DrawnEdge): number | null;
}

export class Renderer {
  readonly gBands: G;
  readonly gCells: G;
  readonly gEdges: G;
  readonly gNodes: G;
  readonly gMarks: G;
  layout: LayoutResult | undefined;
  readonly motion = new Motion();
  private state: MapState | undefined;

  constructor(readonly root: G, private readonly hooks: RenderHooks) {
    this.gBands = root.append('g').attr('class', 'bands');
    this.gCells = root.append('g').attr('class', 'cells');
    this.gEdges = root.append('g').attr('class', 'edges');
    this.gNodes = root.append('g').attr('class', 'nodes');
    this.gMarks = root.append('g').attr('class', 'marks');
  }

  box(id: string): Box | undefined {
    return this.layout?.boxes.get(id);
  }

  /** Each edge's class (kind, lit, bundled, and what the hooks add: the run-time overlay's observed
   *  and hot) and sample count, written where they changed. */
  private styleEdges(ep = this.gEdges.selectAll<SVGPathElement, DrawnEdge>('path.edge')): void {
    const state = this.state;
    if (!state) return;
    changed(ep, 'class', (e) => `edge ${e.kind}${state.isPathEdge(e) ? ' on-path' : ''}${e.count > 1 ? ' bundled' : ''}${this.hooks.edgeClass(e)}|${this.hooks.edgeSamples(e) ?? ''}`).each(function (e) {
      const [cls, samples] = (this as unknown as Record<string, string>).__nsa_class.split('|');
      this.setAttribute('class', cls);
      if (samples) this.setAttribute('data-samples', samples);
      else this.removeAttribute('data-samples');
    });
  }

  /** What else is drawn on the map that a badge must not cover: the path's step numbers, the band
   *  titles in the gutter, the column heads. */
  private marked(): Box[] {
    const layout = this.layout!;
    const out: Box[] = [];
    for (const id of this.state?.pathNodes ?? []) {
      const b = layout.boxes.get(id);
      if (b) out.push({ x: b.x - 18, y: b.y + 1, w: 16, h: 16 });
    }
    for (const d of layout.bands) d.title.forEach((line, i) => out.push({ x: 2, y: d.y + TITLE_LINE * (i + 1) - 11, w: line.length * CHAR_W, h: 13 }));
    for (const c of layout.cells) if (c.head) out.push({ x: c.x, y: c.y + BAND_HEAD - 16, w: c.head.length * CHAR_W, h: 13 });
    return out;
  }

  /** Each node's counter or CPU badge (text and short form; '' for none), placed clear of every other
   *  box and badge; written where it changed. A node without a badge element gets one when it needs it. */
  drawBadges(text: (d: ViewNode) => { text: string; short: string }): void {
    const layout = this.layout;
    if (!layout) return;
    const sel = this.gNodes.selectAll<SVGGElement, ViewNode>('g.node');
    const want = new Map<string, { text: string; short: string }>();
    sel.each((d) => {
      const t = text(d);
      if (t.text) want.set(d.id, t);
    });
    const places = placeBadges(layout.boxes, [...want].map(([id, t]) => ({ id, ...t })), BADGE_PX, LABEL_Y, this.marked());
    changed(sel, 'badge', (d) => {
      const p = places.get(d.id);
      return want.has(d.id) ? (p ? `${p.text}|${p.x}|${p.y}|${p.anchor}` : '|crowded') : '';
    }).each(function (d) {
      let t = this.querySelector<SVGTextElement>('text.badge');
      if (!t && !want.has(d.id)) return;
      t ??= this.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'text'));
      const p = places.get(d.id);
      t.setAttribute('class', `badge${want.has(d.id) && !p ? ' crowded' : ''}`);
      t.textContent = p?.text ?? '';
      t.setAttribute('x', String(p?.x ?? 0));
      t.setAttribute('y', String(p?.y ?? LABEL_Y));
      t.setAttribute('text-anchor', p?.anchor ?? 'start');
    });
  }

  draw(state: MapState, layout: LayoutResult, animate: boolean, bandTitles: Map<string, string>, bandNotes: Map<string, string>, edges = state.visibleEdges()): void {
    this.layout = layout;
    this.state = state;
    const width = Math.max(layout.width, 600);
    const band = this.gBands.selectAll<SVGGElement, LayoutResult['bands'][number]>('g.band').data(layout.bands, (d) => d.id).join((enter) => {
      const g = enter.append('g').attr('class', 'band');
      g.append('rect').attr('class', 'bg');
      g.append('text').attr('class', 'title');
      g.append('text').attr('class', 'far-title');
      g.append('text').attr('class', 'alert');
      return g;
    });
    band.attr('data-layer', (d) => d.id);
    band.select('rect.bg').attr('x', -8).attr('width', width + 16).attr('y', (d) => d.y).attr('height', (d) => d.h);
    // the title in the left gutter, a line per tspan (never over a column head)
    band.select('text.title').attr('x', 2).attr('y', (d) => d.y + TITLE_LINE).selectAll('tspan').data((d) => (d.title.length ? d.title : [bandTitles.get(d.id) ?? d.id]).map((t, i) => ({ t, i }))).join('tspan').attr('x', 2).attr('dy', (l) => (l.i ? TITLE_LINE : 0)).text((l) => l.t);
    // zoomed out, a band's big title goes where no box (or path step number) is under it: the leftmost
    // free stretch of the band, else left of the band
    const inBand = new Map<string, Box[]>(layout.bands.map((d) => [d.id, []]));
    const byY = [...layout.bands].sort((a, b) => a.y - b.y);
    const stepped = new Set(state.pathNodes);
    for (const [id, b] of layout.boxes) {
      const d = byY.find((x) => b.y + b.h / 2 >= x.y && b.y + b.h / 2 < x.y + x.h);
      if (!d) continue;
      const l = inBand.get(d.id)!;
      l.push(b);
      if (stepped.has(id)) l.push({ x: b.x - 18, y: b.y + 1, w: 16, h: 16 });
    }
    const aggText = (d: LayoutResult['cells'][number]) => `${clipTo(d.head || d.column, Math.max(6, d.w / 14))} · ${d.count}`;
    // and the cells' aggregates ("[TCP] · 9"), shown at the same zooms
    for (const c of layout.cells) {
      const t = aggText(c), w = textW(t, ZOOM_TEXT.agg);
      inBand.get(c.band)?.push(textBox(t, ZOOM_TEXT.agg, c.x + c.w / 2 - w / 2, c.y + c.h / 2 + 8));
    }
    for (const l of inBand.values()) l.sort((a, b) => a.x - b.x);
    const far = new Map(layout.bands.map((d) => [d.id, placeBandTitle(d, bandTitles.get(d.id) ?? d.id, ZOOM_TEXT.far, inBand.get(d.id)!, 2, width, -FAR_GAP, FAR_HALO)]));
    band.select('text.far-title').attr('y', (d) => far.get(d.id)!.y).attr('text-anchor', (d) => far.get(d.id)!.anchor)
      .selectAll('tspan').data((d) => far.get(d.id)!.lines.map((t, i) => ({ t, i, x: far.get(d.id)!.x }))).join('tspan')
      .attr('x', (l) => l.x).attr('dy', (l) => (l.i ? TITLE_LEADING * ZOOM_TEXT.far : 0)).text((l) => l.t);
    band.select('text.alert').attr('x', width / 2).attr('y', (d) => d.y + 14).text((d) => bandNotes.get(d.id) ?? '');

    const cells = this.gCells.selectAll<SVGGElement, LayoutResult['cells'][number]>('g.cell').data(layout.cells, (d) => `${d.band}|${d.column}`).join((enter) => {
      const g = enter.append('g').attr('class', 'cell');
      g.append('rect');
      g.append('text').attr('class', 'name').append('title');
      g.append('text').attr('class', 'agg');
      return g;
    });
    cells.attr('data-column', (d) => d.column);
    cells.select('rect').attr('x', (d) => d.x - 6).attr('y', (d) => d.y + 2).attr('width', (d) => d.w + 12).attr('height', (d) => d.h - 4);
    // the column head: the cell's name clipped to the cell (the layout computed it), full name on hover
    cells.select('text.name').attr('x', (d) => d.x).attr('y', (d) => d.y + BAND_HEAD - 5).each(function (d) {
      const t = select(this);
      t.selectAll('tspan').data([d.head]).join('tspan').text((x) => x);
      t.select('title').text(`${d.column} · ${d.count} shown`);
    });
    cells.select('text.agg').attr('x', (d) => d.x + d.w / 2).attr('y', (d) => d.y + d.h / 2 + 8).attr('text-anchor', 'middle').text(aggText);

    const visible = state.visibleNodes();
    const pathIndex = new Map(state.pathNodes.map((id, i) => [id, i + 1]));
    const ep = this.gEdges
      .selectAll<SVGPathElement, DrawnEdge>('path.edge')
      .data(edges, (e) => `${e.from}>${e.to}`)
      .join((enter) => enter.append('path').attr('data-from', (e) => e.from).attr('data-to', (e) => e.to).call((p) => p.append('title')));
    // only what changed is written: a re-render after an expand keeps thousands of edges as they are
    // the count (a bundle's width) and the hover text change together
    changed(ep, 'title', (e) => `${e.kinds.join(' + ')}${e.count > 1 ? ` (${e.count} edges)` : ''}${e.confidence ? ` (${e.confidence})` : ''}: ${e.evidence ?? ''}`).each(function (e) {
      this.firstChild!.textContent = (this as unknown as Record<string, string>).__nsa_title;
      this.setAttribute('data-count', String(e.count));
      if (e.count > 1) this.style.strokeWidth = `${Math.min(5, 1 + e.count * 0.7)}px`;
      else if (this.style.strokeWidth) this.style.strokeWidth = '';
    });
    this.styleEdges(ep);
    this.hooks.onEdge(ep);

    // kind labels on the lit path's edges (ops / hint / callback), centred on the edge
    const labelled = edges.filter((e) => state.isPathEdge(e) && e.kind !== 'direct');
    this.gEdges.selectAll<SVGTextElement, DrawnEdge>('text.edge-kind').data(labelled, (e) => `${e.from}>${e.to}`).join('text')
      .attr('class', 'edge-kind')
      .attr('x', (e) => mid(layout, e)[0] + 4)
      .attr('y', (e) => mid(layout, e)[1] + 3)
      .text((e) => e.kind);

    const node = this.gNodes
      .selectAll<SVGGElement, ViewNode>('g.node')
      .data(visible, (n) => n.id)
      .join(
        (enter) => {
          const g = enter.append('g').attr('tabindex', '-1');
          // no badge yet (drawBadges then touches only the nodes that get one)
          g.property('__nsa_badge', '');
          g.append('rect').attr('height', NODE_H);
          g.append('text').attr('class', 'label').attr('x', 6).attr('y', LABEL_Y);
          g.append('text').attr('class', 'detail').attr('x', 2).attr('y', NODE_H + 4.6);
          this.hooks.onNode(g);
          return g;
        },
        (update) => update,
        (exit) => exit.each((n) => this.motion.forget(n.id)).remove(),
      );
    // A re-render after an expand moves part of a map of thousands: only the elements whose value
    // changed are written, and only the nodes that move (and their edges) are animated.
    writeClasses(node, (n) => this.hooks.nodeClass(n));
    changed(node, 'id', (n) => n.id).attr('data-id', (n) => n.id).attr('data-label', (n) => n.label);
    const motion = this.motion;
    const resized = new Set<string>();
    node.each(function (n) {
      const b = layout.boxes.get(n.id);
      if (b && motion.track(n.id, this, b)) resized.add(n.id);
    });
    const edgeEls: EdgeEl[] = [];
    ep.each(function (e) {
      const o = this as unknown as { __nsa_edge?: EdgeEl };
      edgeEls.push((o.__nsa_edge ??= { el: this, from: e.from, to: e.to }));
    });
    motion.setEdges(edgeEls);
    const flying = motion.moveTo(layout.boxes, animate);
    // the edges whose ends stay: drawn when new or when an end changed width (its anchors moved)
    for (const e of edgeEls) if (!flying.has(e) && (!Motion.drawn(e) || resized.has(e.from) || resized.has(e.to))) motion.drawEdge(e);
    // width, label, file:line and the ops slot of a bound function (clipped to the box) change together
    const relabelled = changed(node, 'text', (n) => `${layout.boxes.get(n.id)?.w ?? 100}|${n.label}|${n.kind}|${n.file}:${n.line}|${n.detail}`);
    relabelled.select('rect').attr('width', (n) => layout.boxes.get(n.id)?.w ?? 100);
    relabelled.select('text.label').text((n) => shownLabel(n.label, n.kind));
    relabelled.select('text.detail').text((n) => (n.kind === 'bundle' ? '' : clipTo(`${n.file.split('/').pop()}:${n.line}${n.detail.startsWith('bound in') ? ` .${n.detail.split('.').pop()}` : ''}`, (layout.boxes.get(n.id)?.w ?? 100) / textW('x', ZOOM_TEXT.detail))));
    // the lit path numbered in call order (only its nodes carry a number)
    const steps = state.pathNodes.filter((id) => layout.boxes.has(id));
    const st = this.gMarks.selectAll<SVGGElement, string>('g.step').data(steps, (id) => id).join((enter) => {
      const g = enter.append('g').attr('class', 'step');
      g.append('circle').attr('r', 8);
      g.append('text').attr('text-anchor', 'middle').attr('y', 4);
      return g;
    });
    st.attr('data-step', (id) => pathIndex.get(id) ?? 0).attr('transform', (id) => {
      const b = layout.boxes.get(id)!;
      return `translate(${b.x - 10},${b.y + NODE_H / 2})`;
    });
    st.select('text').text((id) => String(pathIndex.get(id)));
  }
}

/** The elements of `sel` whose value for `key` differs from what was last written (kept on the element). */
function changed<E extends Element, D>(sel: Selection<E, D, SVGGElement, unknown>, key: string, value: (d: D) => string): Selection<E, D, SVGGElement, unknown> {
  return sel.filter(function (d) {
    const el = this as unknown as Record<string, string>;
    const v = value(d);
    if (el[`__nsa_${key}`] === v) return false;
    el[`__nsa_${key}`] = v;
    return true;
  });
}

/** Sets each node group's class where it changed: every writer of a node's class goes through here,
 *  so the value kept on the element is always what the DOM holds. */
export function writeClasses<D>(sel: Selection<SVGGElement, D, SVGGElement, unknown>, cls: (d: D) => string): void {
  changed(sel, 'class', cls).attr('class', cached('class'));
}

/** Reads back the value `changed` stored for `key`. */
const cached = (key: string) =>
  function (this: Element): string {
    return (this as unknown as Record<string, string>)[`__nsa_${key}`];
  };

function mid(layout: LayoutResult, e: { from: string; to: string }): [number, number] {
  const a = layout.boxes.get(e.from), b = layout.boxes.get(e.to);
  if (!a || !b) return [0, 0];
  return [(a.x + a.w / 2 + b.x + b.w / 2) / 2, (a.y + a.h / 2 + b.y + b.h / 2) / 2];
}

function clipTo(s: string, n: number): string {
  const k = Math.max(4, Math.floor(n));
  return s.length > k ? s.slice(0, k - 1) + '…' : s;
}

export { select };
