// The stack map's layout: a pipeline of small named steps over plain data (the idea of Sourcetrail's
// TrailLayouter: remove cycles → assign levels → order to reduce crossings → place; written anew for a
// grid of layer bands × subsystem columns). Rows are the six bands, top to bottom; each band is cut
// into sub-rows so that a call between two functions of one band goes one sub-row down (a path reads
// top to bottom like a stack trace); columns are subsystems. Inside a cell, nodes are ordered by
// median sweeps over the visible edges, seeded by the preset paths, then placed as close to their
// neighbours as the cell allows. Deterministic: the same input gives the same picture. Pure: no DOM.
import { BAND_GAP, BAND_HEAD, COLUMN_HEAD, COL_GAP, NODE_GAP, NODE_H, ROW, anchors, boxWidth, crossingsOf, segment, segmentsCross, type Box, type Segment } from './geometry.ts';

export const BANDS = ['syscall', 'socket', 'protocol', 'network', 'device', 'driver'] as const;
export type BandId = (typeof BANDS)[number];

export interface LayoutNode {
  id: string;
  layer: BandId;
  column?: string;
  label: string;
  kind?: string;
}
export interface LayoutEdge {
  from: string;
  to: string;
  /** Structural (an ops table's member, a registration): orders nodes but makes no sub-row. */
  weak?: boolean;
}
export interface LayoutInput {
  nodes: readonly LayoutNode[];
  edges: readonly LayoutEdge[];
  /** Column ids in their default order (unknown columns go last). */
  columns: readonly string[];
  /** Node-id paths that seed the order (the lit path first, then preset waypoints). */
  seeds?: readonly (readonly string[])[];
  /** The lit path in call order: its nodes line up with their path neighbours first. */
  path?: readonly string[];
  /** Dragged nodes: kept where the user put them. */
  pinned?: Readonly<Record<string, { x: number; y: number }>>;
  /** Viewport width / height the picture should fill (default 1.6). */
  aspect?: number;
  /** Most sub-rows a band's calls may take (default 10). */
  maxLevels?: number;
}
export interface LayoutResult {
  boxes: Map<string, Box>;
  bands: { id: BandId; y: number; h: number; rows: number }[];
  /** Column order (left to right in every band). */
  columns: string[];
  /** The non-empty cells: a column's part of a band, headed by the column's name. */
  cells: { band: BandId; column: string; x: number; y: number; w: number; h: number; count: number }[];
  width: number;
  height: number;
  /** Time per named step (ms), for the bench. */
  steps: { name: string; ms: number }[];
}

/** Working state shared by the steps (indices into `nodes`). */
interface Work {
  nodes: LayoutNode[];
  width: Float64Array;
  band: Int32Array;
  col: Int32Array;
  columns: string[];
  out: number[][];
  inn: number[][];
  /** Call edges only (what makes sub-rows). */
  calls: number[][];
  callers: number[][];
  /** Path neighbours of a node on the lit path (else empty). */
  pathNb: number[][];
  /** Seed rank: position along the first seed path containing the node (Infinity: none). */
  seed: Float64Array;
  level: Int32Array;
  /** Sub-row within the band. */
  row: Int32Array;
  rowsOf: Int32Array;
  x: Float64Array;
  order: Float64Array;
  /** In-band back edges (v * n + u) and a topological order of the in-band call DAG. */
  back: Set<number>;
  topo: number[];
}

/** Sub-rows per band at most (fill arrays are sized for it). */
const MAX_ROWS = 64;
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function layoutMap(input: LayoutInput): LayoutResult {
  const steps: { name: string; ms: number }[] = [];
  const step = <T>(name: string, f: () => T): T => {
    const t0 = now();
    const r = f();
    steps.push({ name, ms: now() - t0 });
    return r;
  };
  const w = step('index graph', () => indexGraph(input));
  step('order columns by the seed paths', () => orderColumns(w, input));
  step('break cycles and assign in-band levels', () => assignLevels(w, input.maxLevels ?? 10));
  const rowsOf = step('choose sub-rows per band for the aspect', () => chooseRows(w, input.aspect ?? 1.6));
  step('pack cells into sub-rows', () => packRows(w, rowsOf));
  const geo = step('order by median sweeps', () => sweep(w, rowsOf));
  const r = step('place boxes', () => place(w, rowsOf, geo, input.pinned));
  r.steps = steps;
  return r;
}

// ── 1. index ───────────────────────────────────────────────────────────────
function indexGraph(input: LayoutInput): Work {
  const nodes = [...input.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = nodes.length;
  const at = new Map<string, number>();
  nodes.forEach((d, i) => at.set(d.id, i));
  const columns = [...input.columns];
  const colAt = new Map(columns.map((c, i) => [c, i]));
  const width = new Float64Array(n), band = new Int32Array(n), col = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = nodes[i];
    width[i] = boxWidth(d.label, d.kind);
    band[i] = Math.max(0, BANDS.indexOf(d.layer));
    const c = d.column ?? 'other';
    let ci = colAt.get(c);
    if (ci === undefined) {
      ci = columns.length;
      columns.push(c);
      colAt.set(c, ci);
    }
    col[i] = ci;
  }
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  const calls: number[][] = Array.from({ length: n }, () => []);
  const callers: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<string>();
  for (const e of input.edges) {
    const a = at.get(e.from), b = at.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    const k = `${a}>${b}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out[a].push(b);
    inn[b].push(a);
    if (!e.weak) {
      calls[a].push(b);
      callers[b].push(a);
    }
  }
  const seed = new Float64Array(n).fill(Infinity);
  let rank = 0;
  for (const path of input.seeds ?? []) {
    for (const id of path) {
      const i = at.get(id);
      if (i !== undefined && seed[i] === Infinity) seed[i] = rank;
      rank++;
    }
  }
  const pathNb: number[][] = Array.from({ length: n }, () => []);
  const p = (input.path ?? []).map((id) => at.get(id));
  for (let k = 0; k + 1 < p.length; k++) {
    const a = p[k], b = p[k + 1];
    if (a === undefined || b === undefined || a === b) continue;
    pathNb[a].push(b);
    pathNb[b].push(a);
  }
  return { nodes, width, band, col, columns, out, inn, calls, callers, pathNb, seed, level: new Int32Array(n), row: new Int32Array(n), rowsOf: new Int32Array(BANDS.length), x: new Float64Array(n), order: new Float64Array(n), back: new Set(), topo: [] };
}

// ── 2. columns: those the seed paths cross, in path order, then the rest in their default order ──
function orderColumns(w: Work, input: LayoutInput): void {
  const rank = new Map<number, number>();
  const seeded = [...w.nodes.keys()].filter((i) => w.seed[i] < Infinity).sort((a, b) => w.seed[a] - w.seed[b]);
  for (const i of seeded) if (!rank.has(w.col[i])) rank.set(w.col[i], rank.size);
  const used = new Set(w.col);
  const order = w.columns.map((_, i) => i).filter((i) => used.has(i)).sort((a, b) => (rank.get(a) ?? 1e9 + a) - (rank.get(b) ?? 1e9 + b));
  const remap = new Int32Array(w.columns.length);
  order.forEach((c, i) => (remap[c] = i));
  w.columns = order.map((c) => w.columns[c]);
  for (let i = 0; i < w.col.length; i++) w.col[i] = remap[w.col[i]];
  void input;
}

// ── 3. levels: longest path over the acyclic part of each band's own calls ──
function assignLevels(w: Work, maxLevels: number): void {
  const n = w.nodes.length;
  // depth-first from the seeded nodes first, then in id order; an edge to a node on the stack is a back edge
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const topo: number[] = [];
  const starts = [...Array(n).keys()].sort((a, b) => w.seed[a] - w.seed[b] || a - b);
  const back = new Set<number>();
  for (const s of starts) {
    if (state[s]) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      const list = w.calls[v];
      if (k < list.length) {
        top[1]++;
        const u = list[k];
        if (w.band[u] !== w.band[v]) continue;
        if (state[u] === 1) back.add(v * n + u);
        else if (state[u] === 0) {
          state[u] = 1;
          stack.push([u, 0]);
        }
      } else {
        state[v] = 2;
        topo.push(v);
        stack.pop();
      }
    }
  }
  // reverse post-order is a topological order of the in-band DAG
  for (let t = topo.length - 1; t >= 0; t--) {
    const v = topo[t];
    for (const u of w.calls[v]) {
      if (w.band[u] !== w.band[v] || back.has(v * n + u)) continue;
      if (w.level[u] < w.level[v] + 1) w.level[u] = Math.min(maxLevels - 1, w.level[v] + 1);
    }
  }
  w.back = back;
  w.topo = topo.reverse();
}

/** A node takes part in its band's call chain when it has an in-band edge. */
function inChain(w: Work, i: number): boolean {
  for (const u of w.calls[i]) if (w.band[u] === w.band[i]) return true;
  for (const u of w.callers[i]) if (w.band[u] === w.band[i]) return true;
  return false;
}

// ── 4. how many sub-rows each band gets: enough for its chain, more while it makes the picture fit better ──
function chooseRows(w: Work, aspect: number): Int32Array {
  const B = BANDS.length, C = w.columns.length;
  const cellTotal = new Float64Array(B * C);
  const widest = new Float64Array(B * C);
  const rows = new Int32Array(B);
  for (let i = 0; i < w.nodes.length; i++) {
    const c = w.band[i] * C + w.col[i];
    cellTotal[c] += w.width[i] + NODE_GAP;
    widest[c] = Math.max(widest[c], w.width[i]);
    if (inChain(w, i)) rows[w.band[i]] = Math.max(rows[w.band[i]], w.level[i] + 1);
  }
  for (let b = 0; b < B; b++) rows[b] = Math.min(MAX_ROWS, Math.max(1, rows[b]));
  // each band lays its cells out side by side (the columns keep their order in every band)
  const size = (r: Int32Array): [number, number] => {
    let width = 0;
    for (let b = 0; b < B; b++) {
      let bw = 0;
      for (let c = 0; c < C; c++) if (cellTotal[b * C + c] > 0) bw += Math.max(widest[b * C + c], cellTotal[b * C + c] / r[b]) + COL_GAP;
      width = Math.max(width, bw);
    }
    let height = COLUMN_HEAD;
    for (let b = 0; b < B; b++) height += BAND_HEAD + r[b] * ROW + BAND_GAP;
    return [width, height];
  };
  // the zoom Fit would need: smaller is worse; add a row where it helps most
  const score = (r: Int32Array) => {
    const [wd, ht] = size(r);
    return Math.max(wd / aspect, ht);
  };
  let best = score(rows);
  for (let iter = 0; iter < 200; iter++) {
    let pick = -1, pickScore = best;
    for (let b = 0; b < B; b++) {
      if (rows[b] >= MAX_ROWS) continue;
      rows[b]++;
      const s = score(rows);
      rows[b]--;
      if (s < pickScore - 1e-6) {
        pick = b;
        pickScore = s;
      }
    }
    if (pick < 0) break;
    rows[pick]++;
    best = pickScore;
  }
  w.rowsOf = rows;
  return rows;
}

// ── 5. pack: a call chain goes down a row per call (wrapping to the next row with room when a row is
//       full); the other nodes fill the rows, those linked upwards nearer the top, those linked
//       downwards nearer the bottom ──
function packRows(w: Work, rows: Int32Array): void {
  const B = BANDS.length, C = w.columns.length, n = w.nodes.length;
  const total = new Float64Array(B * C);
  for (let i = 0; i < n; i++) total[w.band[i] * C + w.col[i]] += w.width[i] + NODE_GAP;
  const fill = new Float64Array(B * C * 64);
  const cap = (c: number, b: number) => total[c] / rows[b] * 1.15 + 1;
  const put = (i: number, minRow: number, pref: number) => {
    const b = w.band[i], c = b * C + w.col[i], R = rows[b];
    const lim = Math.max(cap(c, b), w.width[i] + NODE_GAP);
    let target = -1;
    for (let t = 0; t < R; t++) {
      const r = pref > 0 ? R - 1 - t : Math.min(R - 1, minRow + t);
      if (r < minRow) break;
      if (fill[c * 64 + r] + w.width[i] + NODE_GAP <= lim) {
        target = r;
        break;
      }
    }
    if (target < 0) {
      // every row from minRow is full: the least filled of them
      target = Math.min(R - 1, minRow);
      for (let r = target; r < R; r++) if (fill[c * 64 + r] < fill[c * 64 + target]) target = r;
    }
    w.row[i] = target;
    fill[c * 64 + target] += w.width[i] + NODE_GAP;
  };
  // chains first, in topological order of the in-band calls; the lit path before everything (a row per
  // call whatever the rows hold, so it reads top to bottom)
  const placed = new Uint8Array(n);
  const minRowOf = (v: number) => {
    let minRow = 0;
    for (const u of w.callers[v]) if (placed[u] && w.band[u] === w.band[v] && !w.back.has(u * n + v)) minRow = Math.max(minRow, w.row[u] + 1);
    return Math.min(minRow, rows[w.band[v]] - 1);
  };
  for (const v of w.topo) {
    if (!w.pathNb[v].length) continue;
    const r = minRowOf(v);
    w.row[v] = r;
    fill[(w.band[v] * C + w.col[v]) * 64 + r] += w.width[v] + NODE_GAP;
    placed[v] = 1;
  }
  for (const v of w.topo) {
    if (placed[v] || !inChain(w, v)) continue;
    put(v, minRowOf(v), 0);
    placed[v] = 1;
  }
  const pull = (i: number) => {
    let s = 0;
    for (const u of w.out[i]) s += Math.sign(w.band[u] - w.band[i]);
    for (const u of w.inn[i]) s += Math.sign(w.band[u] - w.band[i]);
    return s;
  };
  const free = [...Array(n).keys()].filter((i) => !placed[i]);
  const p = new Float64Array(n);
  for (const i of free) p[i] = pull(i);
  free.sort((a, b) => p[a] - p[b] || w.seed[a] - w.seed[b] || a - b);
  for (const i of free) put(i, 0, p[i]);
}

interface Geo {
  /** Nodes per (band, row, column) segment, in order. */
  segs: Map<number, number[]>;
  colX: Float64Array;
  colW: Float64Array;
  rowY: Float64Array;
  bandY: Float64Array;
  rowBase: Int32Array;
}

/** Global row index of a node (bands stacked). */
const rowKey = (w: Work, base: Int32Array, i: number) => base[w.band[i]] + w.row[i];

// ── 6. order: median sweeps down and up over all visible edges, inside each cell segment ──
function sweep(w: Work, rows: Int32Array): Geo {
  const B = BANDS.length, C = w.columns.length, n = w.nodes.length;
  const rowBase = new Int32Array(B);
  let total = 0;
  for (let b = 0; b < B; b++) {
    rowBase[b] = total;
    total += rows[b];
  }
  const segs = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const k = rowKey(w, rowBase, i) * C + w.col[i];
    let s = segs.get(k);
    if (!s) segs.set(k, (s = []));
    s.push(i);
  }
  for (const s of segs.values()) s.sort((a, b) => w.seed[a] - w.seed[b] || a - b);
  // cell widths: the widest segment of the column within the band; cells side by side per band
  const bandOfRow = new Int32Array(total);
  for (let b = 0; b < B; b++) for (let r = 0; r < rows[b]; r++) bandOfRow[rowBase[b] + r] = b;
  const colW = new Float64Array(B * C);
  for (const [k, s] of segs) {
    let sum = -NODE_GAP;
    for (const i of s) sum += w.width[i] + NODE_GAP;
    const cell = bandOfRow[Math.floor(k / C)] * C + (k % C);
    colW[cell] = Math.max(colW[cell], sum);
  }
  const colX = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let x = 0;
    for (let c = 0; c < C; c++) {
      colX[b * C + c] = x;
      if (colW[b * C + c] > 0) x += colW[b * C + c] + COL_GAP;
    }
  }
  const cellOf = (k: number) => bandOfRow[Math.floor(k / C)] * C + (k % C);
  const rowY = new Float64Array(total);
  const bandY = new Float64Array(B);
  let y = COLUMN_HEAD;
  for (let b = 0; b < B; b++) {
    bandY[b] = y;
    y += BAND_HEAD;
    for (let r = 0; r < rows[b]; r++) rowY[rowBase[b] + r] = y + r * ROW;
    y += rows[b] * ROW + BAND_GAP;
  }
  const geo: Geo = { segs, colX, colW, rowY, bandY, rowBase };
  // initial x: packed left in seed order
  for (const [k, s] of segs) pack(w, s, colX[cellOf(k)], colW[cellOf(k)]);
  const byRow: number[][] = Array.from({ length: total }, () => []);
  for (const k of segs.keys()) byRow[Math.floor(k / C)].push(k);
  const want = new Float64Array(n);
  const median = (i: number, dir: number) => {
    const xs: number[] = [];
    if (w.pathNb[i].length) {
      // a node of the lit path follows the path: the mean of its path neighbours
      let sum = 0;
      for (const u of w.pathNb[i]) sum += w.x[u] + w.width[u] / 2;
      return sum / w.pathNb[i].length;
    }
    const r = rowKey(w, rowBase, i);
    for (const u of w.inn[i]) if (dir === 0 || Math.sign(rowKey(w, rowBase, u) - r) === -dir) xs.push(w.x[u] + w.width[u] / 2);
    for (const u of w.out[i]) if (dir === 0 || Math.sign(rowKey(w, rowBase, u) - r) === -dir) xs.push(w.x[u] + w.width[u] / 2);
    if (!xs.length) return NaN;
    xs.sort((a, b) => a - b);
    const m = xs.length >> 1;
    return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
  };
  const passes = n > 5000 ? 1 : n > 1000 ? 2 : 6;
  // small maps keep the pass with fewest crossings (counting is cheap below a few hundred edges)
  let edgeCount = 0;
  for (const l of w.out) edgeCount += l.length;
  const judge = edgeCount <= 300;
  const boxOf = (i: number): Box => ({ x: w.x[i], y: rowY[rowKey(w, rowBase, i)], w: w.width[i], h: NODE_H });
  const crossings = () => {
    const list: Segment[] = [];
    for (let i = 0; i < n; i++) for (const u of w.out[i]) list.push(segment(i, u, anchors(boxOf(i), boxOf(u))));
    return crossingsOf(list);
  };
  let best = judge ? crossings() : 0;
  let bestX = w.x.slice();
  let bestSegs = new Map([...segs].map(([k, s]) => [k, [...s]]));
  for (let it = 0; it < passes; it++) {
    for (const dir of n > 1000 ? [1, -1] : [1, -1, 0]) {
      // dir 1: top to bottom using rows above; -1: bottom to top using rows below; 0: both
      const order = dir === -1 ? [...byRow.keys()].reverse() : [...byRow.keys()];
      for (const r of order) {
        for (const k of byRow[r]) {
          const s = segs.get(k)!;
          for (const i of s) {
            const m = median(i, dir);
            want[i] = Number.isNaN(m) ? w.x[i] + w.width[i] / 2 : m;
          }
          s.sort((a, b) => want[a] - want[b] || w.seed[a] - w.seed[b] || a - b);
          placeSegment(w, s, want, colX[cellOf(k)], colW[cellOf(k)]);
        }
      }
    }
    if (judge) {
      const c = crossings();
      if (c < best) {
        best = c;
        bestX = w.x.slice();
        bestSegs = new Map([...segs].map(([k, s]) => [k, [...s]]));
      }
    }
  }
  if (judge) {
    w.x.set(bestX);
    for (const [k, s] of bestSegs) segs.set(k, s);
    transpose(w, segs, (i) => rowY[rowKey(w, rowBase, i)]);
  }
  return geo;
}

/** Swap neighbours in a segment while that removes crossings (the exchange step of layered layouts),
 *  counting only the edges at the two nodes against all others. For small maps. */
function transpose(w: Work, segs: Map<number, number[]>, yOf: (i: number) => number): void {
  const n = w.nodes.length;
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++) for (const u of w.out[i]) edges.push([i, u]);
  const inc: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([a, b], k) => {
    inc[a].push(k);
    inc[b].push(k);
  });
  const seg = (k: number): [number, number, number, number] => {
    const [a, b] = edges[k];
    return anchors({ x: w.x[a], y: yOf(a), w: w.width[a], h: NODE_H }, { x: w.x[b], y: yOf(b), w: w.width[b], h: NODE_H });
  };
  const cache = edges.map((_, k) => segment(edges[k][0], edges[k][1], seg(k)));
  const local = (p: number, q: number) => {
    const mine = new Set([...inc[p], ...inc[q]]);
    for (const k of mine) cache[k] = segment(edges[k][0], edges[k][1], seg(k));
    let c = 0;
    for (const k of mine) {
      const p = cache[k];
      for (let j = 0; j < edges.length; j++) {
        if (j === k || (mine.has(j) && j < k)) continue;
        const q = cache[j];
        if (q.x0 > p.x1 || q.x1 < p.x0 || q.y0 > p.y1 || q.y1 < p.y0) continue;
        if (p.a === q.a || p.a === q.b || p.b === q.a || p.b === q.b) continue;
        if (segmentsCross(p.s, q.s)) c++;
      }
    }
    return c;
  };
  // a budget of segment tests, not of time: the same input still gives the same picture
  let budget = 800_000;
  for (let round = 0; round < 8 && budget > 0; round++) {
    let improved = false;
    for (const s of segs.values()) {
      for (let t = 0; t + 1 < s.length; t++) {
        const p = s[t], q = s[t + 1];
        if (!inc[p].length && !inc[q].length) continue;
        if ((budget -= 2 * (inc[p].length + inc[q].length) * edges.length) < 0) break;
        const before = local(p, q);
        const xp = w.x[p], xq = w.x[q];
        // q takes p's place, p follows it
        w.x[q] = xp;
        w.x[p] = xp + w.width[q] + (xq - xp - w.width[p]);
        if (local(p, q) < before) {
          s[t] = q;
          s[t + 1] = p;
          improved = true;
        } else {
          w.x[p] = xp;
          w.x[q] = xq;
          for (const k of [...inc[p], ...inc[q]]) cache[k] = segment(edges[k][0], edges[k][1], seg(k));
        }
      }
    }
    if (!improved) break;
  }
}

function pack(w: Work, s: number[], x0: number, _cw: number): void {
  let x = x0;
  for (const i of s) {
    w.x[i] = x;
    x += w.width[i] + NODE_GAP;
  }
}

/** Boxes in a fixed order as near their wanted centres as the segment allows: blocks of touching
 *  boxes sit at the mean of their wishes (pool-adjacent-violators), clamped to the column. */
function placeSegment(w: Work, s: number[], want: Float64Array, x0: number, cw: number): void {
  // offsets of each box from its block start
  const blocks: { start: number; end: number; sum: number; count: number; width: number; pos: number }[] = [];
  for (let k = 0; k < s.length; k++) {
    const i = s[k];
    const target = want[i] - w.width[i] / 2;
    let blk = { start: k, end: k, sum: target, count: 1, width: w.width[i], pos: target };
    while (blocks.length) {
      const prev = blocks[blocks.length - 1];
      if (prev.pos + prev.width + NODE_GAP <= blk.pos) break;
      blocks.pop();
      const off = prev.width + NODE_GAP;
      const merged = { start: prev.start, end: blk.end, sum: prev.sum + blk.sum - off * blk.count, count: prev.count + blk.count, width: prev.width + NODE_GAP + blk.width, pos: 0 };
      merged.pos = merged.sum / merged.count;
      blk = merged;
    }
    blocks.push(blk);
  }
  // clamp into the column, left to right then right to left
  let minX = x0;
  for (const b of blocks) {
    b.pos = Math.max(b.pos, minX);
    minX = b.pos + b.width + NODE_GAP;
  }
  let maxEnd = x0 + cw;
  for (let j = blocks.length - 1; j >= 0; j--) {
    const b = blocks[j];
    b.pos = Math.min(b.pos, maxEnd - b.width);
    maxEnd = b.pos - NODE_GAP;
  }
  for (const b of blocks) {
    let x = b.pos;
    for (let k = b.start; k <= b.end; k++) {
      w.x[s[k]] = x;
      x += w.width[s[k]] + NODE_GAP;
    }
  }
}

// ── 7. place: boxes from the final x and rows; pinned nodes where the user put them ──
function place(w: Work, rows: Int32Array, geo: Geo, pinned: LayoutInput['pinned']): LayoutResult {
  const boxes = new Map<string, Box>();
  for (let i = 0; i < w.nodes.length; i++) {
    const id = w.nodes[i].id;
    const p = pinned?.[id];
    const y = geo.rowY[rowKey(w, geo.rowBase, i)];
    boxes.set(id, p ? { x: p.x, y: p.y, w: w.width[i], h: NODE_H } : { x: Math.round(w.x[i]), y, w: w.width[i], h: NODE_H });
  }
  const C = w.columns.length;
  let width = 0;
  const counts = new Int32Array(BANDS.length * C);
  for (let i = 0; i < w.nodes.length; i++) counts[w.band[i] * C + w.col[i]]++;
  const cells: LayoutResult['cells'] = [];
  let height = COLUMN_HEAD;
  const bands = BANDS.map((id, b) => {
    const h = BAND_HEAD + rows[b] * ROW;
    height = geo.bandY[b] + h;
    for (let c = 0; c < C; c++) {
      const cw = geo.colW[b * C + c];
      if (!(cw > 0)) continue;
      width = Math.max(width, geo.colX[b * C + c] + cw);
      cells.push({ band: id, column: w.columns[c], x: geo.colX[b * C + c], y: geo.bandY[b], w: cw, h, count: counts[b * C + c] });
    }
    return { id, y: geo.bandY[b], h, rows: rows[b] };
  });
  return { boxes, bands, columns: [...w.columns], cells, width, height, steps: [] };
}
