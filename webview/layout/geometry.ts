// Sizes of the map's boxes and the measures the tests and the bench assert on the laid-out picture:
// edge anchors (as drawn), crossings per edge, horizontal vs vertical travel of a path, label size on
// screen after Fit. Pure: no DOM (labels are monospace, so their width is computed, not measured).

export const NODE_H = 18;
export const ROW_GAP = 6;
export const ROW = NODE_H + ROW_GAP;
export const NODE_GAP = 8;
export const COL_GAP = 20;
/** A band's head line: the column heads of its cells (the band's title is in the gutter). */
export const BAND_HEAD = 18;
export const BAND_GAP = 4;
export const COLUMN_HEAD = 4;
/** The left gutter holds each band's title, wrapped to GUTTER_CHARS a line, TITLE_LINE apart (the
 *  layer names on the left of the "Anatomy of the Linux networking stack" figure): it never meets a
 *  column head. */
export const GUTTER_CHARS = 12;
export const TITLE_LINE = 14;
/** Node label font size in map units (monospace). */
export const LABEL_PX = 12;
export const CHAR_W = 7.23;
export const MAX_LABEL_CHARS = 30;
/** Never draw a label smaller than this on screen: hide it instead. */
export const MIN_SCREEN_PX = 11;
export const GUTTER = Math.ceil(GUTTER_CHARS * CHAR_W) + 16;
/** The zoom at which a node label is MIN_SCREEN_PX on screen (a hair over: rounding never hides it). */
export const LABEL_K = (MIN_SCREEN_PX + 0.01) / LABEL_PX;
/** Fit leaves this much room around the picture (px). */
export const FIT_MARGIN = 16;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A band title in gutter lines of at most `max` characters (words kept whole, long ones split after a
 *  hyphen or cut). */
export function wrapTitle(title: string, max = GUTTER_CHARS): string[] {
  const words = title.split(/\s+/).filter(Boolean).flatMap((w) => (w.length > max && w.includes('-') ? w.split(/(?<=-)/) : [w]));
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.length ? lines[lines.length - 1] : undefined;
    if (last !== undefined && last.length + (last.endsWith('-') ? 0 : 1) + w.length <= max) lines[lines.length - 1] = last + (last.endsWith('-') ? '' : ' ') + w;
    else lines.push(w.length > max ? w.slice(0, max - 1) + '…' : w);
  }
  return lines;
}

/** A column's head in a cell `w` wide: MAINTAINERS' "NETWORKING [TCP]" reads "[TCP]" (every column of
 *  the network tree is NETWORKING something; the hover has the full name), clipped to the cell. */
export function columnHead(column: string, w: number): string {
  const short = column.replace(/^NETWORKING\s+(?=\S)/, '');
  const k = Math.max(1, Math.floor((w + 4) / CHAR_W));
  return short.length > k ? (k <= 2 ? '' : short.slice(0, k - 1) + '…') : short;
}

/** The label a box shows (glyph for tables, clipped) and the box's width for it. */
export function shownLabel(label: string, kind?: string): string {
  const glyph = kind === 'ops' ? '▤ ' : kind === 'struct' ? '◆ ' : kind === 'inetsw' ? '⇄ ' : kind === 'bundle' ? '' : '';
  const s = glyph + label;
  return s.length > MAX_LABEL_CHARS ? s.slice(0, MAX_LABEL_CHARS - 1) + '…' : s;
}
export function boxWidth(label: string, kind?: string): number {
  return Math.ceil(shownLabel(label, kind).length * CHAR_W + 12);
}

/** Where an edge leaves and enters its boxes, as the renderer draws it: bottom → top going down,
 *  top → bottom going up, side to side within a row. */
export function anchors(a: Box, b: Box): [number, number, number, number] {
  if (b.y >= a.y + a.h) return [a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y];
  if (a.y >= b.y + b.h) return [a.x + a.w / 2, a.y, b.x + b.w / 2, b.y + b.h];
  return b.x >= a.x ? [a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2] : [a.x, a.y + a.h / 2, b.x + b.w, b.y + b.h / 2];
}

/** The SVG path of an edge between two boxes (a cubic with the anchors' tangents). */
export function edgePath(a: Box, b: Box): string {
  const [x1, y1, x2, y2] = anchors(a, b);
  if (Math.abs(y2 - y1) < 1 || (b.y < a.y + a.h && a.y < b.y + b.h)) {
    const mx = (x1 + x2) / 2;
    return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
  }
  const my = (y1 + y2) / 2;
  return `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`;
}

function cross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}
/** Do two segments cross properly (touching ends do not count)? */
export function segmentsCross(p: [number, number, number, number], q: [number, number, number, number]): boolean {
  const d1 = cross(q[0], q[1], q[2], q[3], p[0], p[1]);
  const d2 = cross(q[0], q[1], q[2], q[3], p[2], p[3]);
  const d3 = cross(p[0], p[1], p[2], p[3], q[0], q[1]);
  const d4 = cross(p[0], p[1], p[2], p[3], q[2], q[3]);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Crossings among the drawn edges (edges sharing an end never count), by straight anchor-to-anchor
 *  segments; O(E²) with a bounding-box reject: for measuring, not for every frame. */
export function countCrossings(boxes: ReadonlyMap<string, Box>, edges: readonly { from: string; to: string }[]): number {
  const ids = new Map<string, number>();
  const id = (k: string) => {
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  };
  const segs: Segment[] = [];
  for (const e of edges) {
    const a = boxes.get(e.from), b = boxes.get(e.to);
    if (!a || !b || e.from === e.to) continue;
    segs.push(segment(id(e.from), id(e.to), anchors(a, b)));
  }
  return crossingsOf(segs);
}

export interface Segment {
  a: number;
  b: number;
  s: [number, number, number, number];
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
export function segment(a: number, b: number, s: [number, number, number, number]): Segment {
  return { a, b, s, x0: Math.min(s[0], s[2]), x1: Math.max(s[0], s[2]), y0: Math.min(s[1], s[3]), y1: Math.max(s[1], s[3]) };
}

/** Crossings among segments (by end ids: sharing an end never counts), swept by x with a box reject. */
export function crossingsOf(segs: Segment[]): number {
  segs.sort((p, q) => p.x0 - q.x0);
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    const p = segs[i];
    for (let j = i + 1; j < segs.length && segs[j].x0 <= p.x1; j++) {
      const q = segs[j];
      if (q.y0 > p.y1 || q.y1 < p.y0) continue;
      if (p.a === q.a || p.a === q.b || p.b === q.a || p.b === q.b) continue;
      if (segmentsCross(p.s, q.s)) n++;
    }
  }
  return n;
}

/** Sum of |dx| and of |dy| over a path's edges, between box centres. */
export function travel(boxes: ReadonlyMap<string, Box>, edges: readonly { from: string; to: string }[]): { horizontal: number; vertical: number } {
  let horizontal = 0, vertical = 0;
  for (const e of edges) {
    const a = boxes.get(e.from), b = boxes.get(e.to);
    if (!a || !b) continue;
    horizontal += Math.abs(a.x + a.w / 2 - (b.x + b.w / 2));
    vertical += Math.abs(a.y + a.h / 2 - (b.y + b.h / 2));
  }
  return { horizontal, vertical };
}

/** What Fit does: the whole picture when its labels stay readable (≥ 11 px); else the full width of the
 *  band stack at the zoom where labels are just readable, from the top (the rest is a pan down); only
 *  when not even the width fits at that zoom, the whole picture with labels hidden. */
export function fitView(width: number, height: number, vw: number, vh: number, margin = FIT_MARGIN): { k: number; all: boolean } {
  const all = fitScale(width, height, vw, vh, margin);
  if (all >= LABEL_K) return { k: all, all: true };
  const byWidth = (vw - 2 * margin) / Math.max(1, width);
  return byWidth >= LABEL_K ? { k: LABEL_K, all: false } : { k: all, all: true };
}

/** The zoom that fits a `width` × `height` picture into a viewport (with a margin), capped so a small
 *  map is not blown up. */
export function fitScale(width: number, height: number, vw: number, vh: number, margin = FIT_MARGIN, max = 1.6): number {
  if (width <= 0 || height <= 0) return 1;
  return Math.min((vw - 2 * margin) / width, (vh - 2 * margin) / height, max);
}
