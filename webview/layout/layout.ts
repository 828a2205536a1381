// The stack map's layout: a pipeline of small named steps over plain data (the idea of Sourcetrail's
// TrailLayouter: remove cycles → assign levels → order to reduce crossings → place; written anew for a
// grid of layer bands × subsystem columns). Rows are the six bands, top to bottom; each band is cut
// into sub-rows so that a call between two functions of one band goes one sub-row down (a path reads
// top to bottom like a stack trace); columns are subsystems. Inside a cell, nodes are ordered by
// median sweeps over the visible edges, seeded by the preset paths, then placed as close to their
// neighbours as the cell allows. Deterministic: the same input gives the same picture. Pure: no DOM.
import { BAND_GAP, BAND_HEAD, COLUMN_HEAD, COL_GAP, FIT_MARGIN, GUTTER, LABEL_K, NODE_GAP, NODE_H, ROW, TITLE_LINE, anchors, boxWidth, columnHead, crossingsOf, segment, segmentsCross, wrapTitle, type Box, type Segment } from './geometry.ts';

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
  /** The map's area on screen (px): Fit's shape (it overrides aspect), and the width the band stack
   *  should not pass, so that Fit can show the whole width with labels ≥ 11 px. */
  view?: { width: number; height: number };
  /** Most sub-rows a band's calls may take (default 10). */
  maxLevels?: number;
  /** Band titles ("Network protocols (13341)"): written in the left gutter. */
  bandTitles?: Partial<Record<BandId, string>>;
}
export interface LayoutResult {
  boxes: Map<string, Box>;
  /** Each band with its title's gutter lines (first baseline at y + TITLE_LINE). */
  bands: { id: BandId; y: number; h: number; rows: number; title: string[] }[];
  /** Where the cells start (the gutter's width). */
  gutter: number;
  /** Column order (left to right in every band). */
  columns: string[];
  /** The non-empty cells: a column's part of a band, headed by `head` (its name clipped to the cell). */
  cells: { band: BandId; column: string; head: string; x: number; y: number; w: number; h: number; count: number }[];
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
  /** The lit path's spine: a node's place among the path's nodes of its band (-1: not on it). In a band
   *  with fewer rows than that stretch of the path, it continues in the next slot to the right, from the
   *  band's top (newspaper columns; the steps are numbered). */
  spine: Int32Array;
  spineLen: Int32Array;
  /** The slot (newspaper column) of a spine node. */
  slot: Int32Array;
  /** Per band: the spine's column and the width of one spine slot. */
  spineCol: Int32Array;
  slotW: Float64Array;
  /** Band title lines (gutter) and the rows a band needs to hold them. */
  titles: string[][];
  gutter: number;
  /** A cell's (band * columns + column) packed width in r rows, as step 4 estimated it. */
  cellCap?: (cell: number, r: number) => number;
  /** Per cell: its first row and row count in the band, and its stack (left to right; -1: empty). */
  cellRow0: Int32Array;
  cellRows: Int32Array;
  cellStack: Int32Array;
  /** Band widths step 4 planned. */
  planned: number[];
  /** Step 4's cell widths and band plans (kept for a re-plan). */
  memo?: { cells: Map<number, number>; plans: Map<number, BandPlan> };
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
  const view = input.view && input.view.width > 2 * FIT_MARGIN && input.view.height > 2 * FIT_MARGIN ? input.view : undefined;
  const aspect = view ? (view.width - 2 * FIT_MARGIN) / (view.height - 2 * FIT_MARGIN) : input.aspect ?? 1.6;
  const maxWidth = view ? (view.width - 2 * FIT_MARGIN) / LABEL_K : Infinity;
  let rowsOf = step('choose sub-rows per band for the aspect', () => chooseRows(w, aspect, maxWidth, new Float64Array(BANDS.length).fill(1)));
  step('pack cells into sub-rows', () => packRows(w, rowsOf));
  rowsOf = step('re-plan bands that packed wider than planned', () => replan(w, rowsOf, aspect, maxWidth));
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
  const B = BANDS.length;
  const spine = new Int32Array(n).fill(-1), spineLen = new Int32Array(B), spineCol = new Int32Array(B).fill(-1), slotW = new Float64Array(B);
  for (const i of p) {
    if (i === undefined || spine[i] >= 0) continue;
    const b = band[i];
    spine[i] = spineLen[b]++;
    spineCol[b] = col[i];
    // room between slots for the step numbers
    slotW[b] = Math.max(slotW[b], width[i] + NODE_GAP + 12);
  }
  const titles = BANDS.map((b) => (input.bandTitles?.[b] ? wrapTitle(input.bandTitles[b]!) : []));
  const gutter = input.bandTitles ? GUTTER : 0;
  return { nodes, width, band, col, columns, out, inn, calls, callers, pathNb, seed, level: new Int32Array(n), row: new Int32Array(n), rowsOf: new Int32Array(B), x: new Float64Array(n), order: new Float64Array(n), back: new Set(), topo: [], spine, spineLen, slot: new Int32Array(n), spineCol, slotW, titles, gutter, cellRow0: new Int32Array(B * columns.length), cellRows: new Int32Array(B * columns.length), cellStack: new Int32Array(B * columns.length), planned: [] };
}

// ── 2. columns: those the seed paths cross, in path order, then the rest in their default order ──
function orderColumns(w: Work, input: LayoutInput): void {
  const rank = new Map<number, number>();
  const seeded = [...w.nodes.keys()].filter((i) => w.seed[i] < Infinity).sort((a, b) => w.seed[a] - w.seed[b]);
  for (const i of seeded) if (!rank.has(w.col[i])) rank.set(w.col[i], rank.size);
  const used = new Set(w.col);
  // with a lit path: its spine's column first, then the columns most linked to the spine (short edges)
  const spineCols = new Set<number>(), links = new Map<number, number>();
  for (let i = 0; i < w.nodes.length; i++) {
    if (w.spine[i] < 0) continue;
    spineCols.add(w.col[i]);
    for (const u of [...w.out[i], ...w.inn[i]]) if (w.spine[u] < 0) links.set(w.col[u], (links.get(w.col[u]) ?? 0) + 1);
  }
  const key = (c: number) => (spineCols.has(c) ? -1e6 : -(links.get(c) ?? 0) * 1e3) + (rank.get(c) ?? 500 + c);
  const order = w.columns.map((_, i) => i).filter((i) => used.has(i)).sort((a, b) => key(a) - key(b));
  const remap = new Int32Array(w.columns.length);
  order.forEach((c, i) => (remap[c] = i));
  w.columns = order.map((c) => w.columns[c]);
  for (let i = 0; i < w.col.length; i++) w.col[i] = remap[w.col[i]];
  for (let b = 0; b < w.spineCol.length; b++) if (w.spineCol[b] >= 0) w.spineCol[b] = remap[w.spineCol[b]];
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

// ── 4. how many sub-rows each band gets, and how its cells share them: enough rows for a short chain and
//       the band's title; then rows are added where the picture comes closest to the window's shape (the
//       zoom Fit needs is what counts: a narrow panel gets more, narrower rows). A band's cells stand side
//       by side, except that small cells next to each other stack (each under its own head) rather than
//       each take a full-height column; the lit path's spine wraps into slots when that is narrower ──
/** In-band call chains longer than this wrap rather than force rows. */
const CHAIN_ROWS = 4;
/** Most cells in one stack. */
const STACK_MAX = 4;
interface BandPlan {
  width: number;
  /** Stacks left to right; each cell with its first row and row count. */
  stacks: { cell: number; row0: number; rows: number }[][];
}
/** Widths (widest first) dealt one by one to the emptiest of r rows (the first of equals): the widest
 *  row's width. (A linear scan for the emptiest: r is at most MAX_ROWS, and a heap measured slower.) */
function deal(l: readonly number[], r: number): number {
  const fill = new Float64Array(r);
  for (const x of l) {
    let m = 0;
    for (let j = 1; j < r; j++) if (fill[j] < fill[m]) m = j;
    fill[m] += x;
  }
  let max = 0;
  for (let j = 0; j < r; j++) max = Math.max(max, fill[j]);
  return max;
}
/** Deals of earlier layouts by cell content (widths joined) and row count; cleared when this full. */
const dealt = new Map<string, Map<number, number>>();
const DEALT_MAX = 512;

function chooseRows(w: Work, aspect: number, maxWidth: number, corr: Float64Array): Int32Array {
  const B = BANDS.length, C = w.columns.length;
  const widths: number[][] = Array.from({ length: B * C }, () => []);
  const count = new Int32Array(B);
  const rows = new Int32Array(B).fill(1);
  for (let i = 0; i < w.nodes.length; i++) {
    const b = w.band[i];
    count[b]++;
    if (w.spine[i] >= 0) continue;
    widths[b * C + w.col[i]].push(w.width[i] + NODE_GAP);
    if (inChain(w, i)) rows[b] = Math.max(rows[b], Math.min(CHAIN_ROWS, w.level[i] + 1));
  }
  for (const l of widths) l.sort((a, b) => b - a);
  // a cell's width in r rows: its boxes dealt widest first to the emptiest row (what packing reaches);
  // a cell whose boxes did not change since an earlier layout (an expand changes one or two cells)
  // answers from that layout's deal
  const memo = (w.memo ??= { cells: new Map(), plans: new Map() }).cells;
  const sig: string[] = [];
  const cellWidth = (k: number, r: number): number => {
    const l = widths[k];
    if (!l.length) return 0;
    r = Math.max(1, Math.min(r, l.length));
    const key = k * (MAX_ROWS + 1) + r;
    let v = memo.get(key);
    if (v === undefined) {
      const s = (sig[k] ??= l.join(','));
      let byR = dealt.get(s);
      if (!byR) {
        if (dealt.size >= DEALT_MAX) dealt.clear();
        dealt.set(s, (byR = new Map()));
      }
      v = byR.get(r);
      if (v === undefined) byR.set(r, (v = deal(l, r) - NODE_GAP));
      memo.set(key, v);
    }
    return v;
  };
  w.cellCap = (k: number, r: number) => cellWidth(k, r) + NODE_GAP;
  const cellsOf: number[][] = BANDS.map((_, b) => {
    const l: number[] = [];
    for (let c = 0; c < C; c++) if (widths[b * C + c].length || w.spineCol[b] === c) l.push(b * C + c);
    return l;
  });
  /** Fewest rows that bring cell k to width W or less (Infinity: never). */
  const rowsFor = (k: number, W: number, R: number): number => {
    if (cellWidth(k, R) > W) return Infinity;
    let lo = 1, hi = R;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cellWidth(k, mid) <= W) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  /** The narrowest stack of cells ks in R rows (a stacked cell's head takes a row). */
  const stackOf = (b: number, ks: number[], R: number): { width: number; rows: number[] } | undefined => {
    if (ks.length === 1) {
      const k = ks[0];
      const sp = w.spineCol[b] === k % C ? Math.ceil(w.spineLen[b] / R) * w.slotW[b] : 0;
      return { width: sp + (widths[k].length ? cellWidth(k, R) : -NODE_GAP), rows: [R] };
    }
    if (ks.some((k) => w.spineCol[b] === k % C) || R < 2 * ks.length - 1) return undefined;
    const fits = (W: number) => ks.reduce((sum, k) => sum + rowsFor(k, W, R), 0) + ks.length - 1 <= R;
    // the narrowest width at which the cells fit one above the other: bisection between the widest box
    // and the widest single row
    let lo = Math.max(...ks.map((k) => widths[k][0] - NODE_GAP)), hi = Math.max(...ks.map((k) => cellWidth(k, 1)));
    if (!fits(hi)) return undefined;
    for (let it = 0; it < 14 && hi - lo > 1; it++) {
      const mid = (lo + hi) / 2;
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    const rs = ks.map((k) => rowsFor(k, hi, R));
    const W = Math.max(...ks.map((k, t) => cellWidth(k, rs[t])));
    // the last cell takes the rows left over
    rs[rs.length - 1] += R - (rs.reduce((x, y) => x + y, 0) + ks.length - 1);
    return { width: W, rows: rs };
  };
  const plans = w.memo.plans;
  const planOf = (b: number, R: number): BandPlan => {
    const key = b * (MAX_ROWS + 1) + R;
    let plan = plans.get(key);
    if (plan) return plan;
    // cheapest split of the band's cells (in column order) into consecutive stacks
    const ks = cellsOf[b], m = ks.length;
    const cost = new Float64Array(m + 1).fill(Infinity);
    const from = new Int32Array(m + 1);
    const got: ({ width: number; rows: number[] } | undefined)[] = new Array(m + 1);
    cost[0] = 0;
    for (let j = 1; j <= m; j++) {
      for (let i = Math.max(0, j - STACK_MAX); i < j; i++) {
        if (cost[i] === Infinity) continue;
        const st = stackOf(b, ks.slice(i, j), R);
        if (!st) continue;
        const c = cost[i] + st.width + COL_GAP;
        if (c < cost[j] - 1e-6) {
          cost[j] = c;
          from[j] = i;
          got[j] = st;
        }
      }
    }
    const stacks: BandPlan['stacks'] = [];
    for (let j = m; j > 0; j = from[j]) {
      const i = from[j], st = got[j]!;
      let r0 = 0;
      stacks.unshift(ks.slice(i, j).map((cell, t) => {
        const e = { cell, row0: r0, rows: st.rows[t] };
        r0 += st.rows[t] + 1;
        return e;
      }));
    }
    plan = { width: w.gutter + (m ? cost[m] - COL_GAP : 0), stacks };
    plans.set(key, plan);
    return plan;
  };
  for (let b = 0; b < B; b++) {
    // the title's lines fit beside the band's rows
    const need = Math.ceil((w.titles[b].length * TITLE_LINE + 4 - BAND_HEAD) / ROW);
    rows[b] = Math.min(MAX_ROWS, Math.max(rows[b], need, 1));
  }
  const height = (r: Int32Array) => {
    let h = COLUMN_HEAD;
    for (let b = 0; b < B; b++) h += BAND_HEAD + r[b] * ROW + BAND_GAP;
    return h;
  };
  // the zoom Fit would need: smaller is worse
  const score = (r: Int32Array) => {
    let wd = 0;
    for (let b = 0; b < B; b++) wd = Math.max(wd, planOf(b, r[b]).width * corr[b]);
    // packing and ordering come out a few per cent wider than the estimate
    wd *= 1.01;
    // past the width where Fit keeps labels readable, narrowing is worth more than height
    return Math.max(wd / aspect, height(r)) + Math.max(0, wd - 0.97 * maxWidth) * 4;
  };
  let best = score(rows);
  const maxRows = (b: number) => Math.min(MAX_ROWS, Math.max(1, 2 * count[b]));
  for (let iter = 0; iter < 400; iter++) {
    // moves: a row more in one band, or in every band about as wide as the widest (bands tied for the
    // width only narrow the picture together)
    const bw = BANDS.map((_, b) => planOf(b, rows[b]).width * corr[b]);
    const top = Math.max(...bw);
    const moves: number[][] = BANDS.map((_, b) => [b]);
    moves.push(BANDS.map((_, b) => b).filter((b) => bw[b] >= top - 24));
    let pick: number[] | undefined, pickScore = best;
    for (const mv of moves) {
      if (!mv.length || mv.some((b) => rows[b] >= maxRows(b))) continue;
      for (const b of mv) rows[b]++;
      const sc = score(rows);
      for (const b of mv) rows[b]--;
      if (sc < pickScore - 1e-6) {
        pick = mv;
        pickScore = sc;
      }
    }
    if (!pick) break;
    for (const b of pick) rows[b]++;
    best = pickScore;
  }
  // each cell's rows in its band
  w.cellRow0.fill(0);
  w.cellRows.fill(0);
  w.cellStack.fill(-1);
  for (let b = 0; b < B; b++) {
    planOf(b, rows[b]).stacks.forEach((st, si) => {
      for (const e of st) {
        w.cellRow0[e.cell] = e.row0;
        w.cellRows[e.cell] = e.rows;
        w.cellStack[e.cell] = si;
      }
    });
  }
  w.planned = BANDS.map((_, b) => planOf(b, rows[b]).width);
  w.rowsOf = rows;
  return rows;
}

/** Band widths as packed (rows' contents side by side, stacks as wide as their widest cell). */
function packedWidths(w: Work, rows: Int32Array): number[] {
  const B = BANDS.length, C = w.columns.length;
  const fill = new Float64Array(B * C * MAX_ROWS);
  for (let i = 0; i < w.nodes.length; i++) if (w.spine[i] < 0) fill[(w.band[i] * C + w.col[i]) * MAX_ROWS + w.row[i]] += w.width[i] + NODE_GAP;
  return BANDS.map((_, b) => {
    const stackW: number[] = [];
    for (let c = 0; c < C; c++) {
      const k = b * C + c, si = w.cellStack[k];
      if (si < 0) continue;
      let cw = 0;
      for (let r = 0; r < MAX_ROWS; r++) cw = Math.max(cw, fill[k * MAX_ROWS + r]);
      if (w.spineCol[b] === c) cw += Math.ceil(w.spineLen[b] / rows[b]) * w.slotW[b];
      stackW[si] = Math.max(stackW[si] ?? 0, cw - NODE_GAP);
    }
    return stackW.reduce((x, y) => x + y + COL_GAP, w.gutter) - (stackW.length ? COL_GAP : 0);
  });
}

// ── 5b. a band whose in-band chains packed wider than step 4 planned: plan again with its width scaled
//        by what packing gave, and pack again (once; the same input still gives the same picture) ──
function replan(w: Work, rows: Int32Array, aspect: number, maxWidth: number): Int32Array {
  const got = packedWidths(w, rows);
  const corr = Float64Array.from(got, (g, b) => Math.max(1, g / Math.max(1, w.planned[b])));
  const widest = Math.max(...got);
  if (widest <= Math.max(...w.planned) * 1.02 || !corr.some((c) => c > 1.02)) return rows;
  const again = chooseRows(w, aspect, maxWidth, corr);
  packRows(w, again);
  return again;
}

// ── 5. pack: a call chain goes down a row per call (wrapping to the next row with room when a row is
//       full); the other nodes fill the rows, those linked upwards nearer the top, those linked
//       downwards nearer the bottom ──
function packRows(w: Work, rows: Int32Array): void {
  const B = BANDS.length, C = w.columns.length, n = w.nodes.length;
  const total = new Float64Array(B * C);
  for (let i = 0; i < n; i++) if (w.spine[i] < 0) total[w.band[i] * C + w.col[i]] += w.width[i] + NODE_GAP;
  const fill = new Float64Array(B * C * 64);
  void total;
  const put = (i: number, minRowInBand: number, pref: number) => {
    const c = w.band[i] * C + w.col[i];
    // the cell's own rows: [r0, R)
    const r0 = w.cellRow0[c], R = r0 + w.cellRows[c];
    const minRow = Math.max(r0, Math.min(R - 1, minRowInBand));
    const lim = Math.max((w.cellCap?.(c, w.cellRows[c]) ?? Infinity) + 1, w.width[i] + NODE_GAP);
    let target = -1;
    for (let t = 0; t < R - r0; t++) {
      const r = pref > 0 ? R - 1 - t : Math.min(R - 1, minRow + t);
      if (r < minRow) break;
      if (fill[c * 64 + r] + w.width[i] + NODE_GAP <= lim) {
        target = r;
        break;
      }
    }
    if (target < 0) {
      // every row from minRow is full: the least filled of them
      target = minRow;
      for (let r = target; r < R; r++) if (fill[c * 64 + r] < fill[c * 64 + target]) target = r;
    }
    w.row[i] = target;
    fill[c * 64 + target] += w.width[i] + NODE_GAP;
  };
  // the lit path first (its spine: a row per step, the next slot when the band's rows run out), then
  // chains in topological order of the in-band calls
  const placed = new Uint8Array(n);
  const minRowOf = (v: number) => {
    let minRow = 0;
    for (const u of w.callers[v]) if (placed[u] && w.band[u] === w.band[v] && !w.back.has(u * n + v)) minRow = Math.max(minRow, w.row[u] + 1);
    return minRow;
  };
  for (let v = 0; v < n; v++) {
    if (w.spine[v] < 0) continue;
    const R = rows[w.band[v]];
    w.row[v] = w.spine[v] % R;
    w.slot[v] = Math.floor(w.spine[v] / R);
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
  // the rest of each cell, widest first: into the row nearest where it would like to be (beside its
  // placed neighbours in the band, else up when linked upwards, down when linked downwards) among those
  // with room for it under the width step 4 counted on, else the emptiest row
  const wish = (i: number) => {
    let sum = 0, k = 0;
    for (const l of [w.out[i], w.inn[i]]) {
      for (const u of l) {
        if (!placed[u] || w.band[u] !== w.band[i]) continue;
        sum += w.row[u];
        k++;
      }
    }
    return k ? sum / k : p[i] < 0 ? -Infinity : p[i] > 0 ? Infinity : NaN;
  };
  const freeOf = new Map<number, number[]>();
  for (const i of free) {
    const c = w.band[i] * C + w.col[i];
    let l = freeOf.get(c);
    if (!l) freeOf.set(c, (l = []));
    l.push(i);
  }
  for (const [c, l] of freeOf) {
    const r0 = w.cellRow0[c], R = w.cellRows[c];
    const lim = (w.cellCap?.(c, R) ?? Infinity) + 1;
    for (const i of [...l].sort((a, b) => w.width[b] - w.width[a] || p[a] - p[b] || a - b)) {
      const d = w.width[i] + NODE_GAP, want = wish(i);
      let best = -1, bestDist = Infinity, emptiest = r0;
      for (let r = r0; r < r0 + R; r++) {
        if (fill[c * 64 + r] < fill[c * 64 + emptiest]) emptiest = r;
        if (fill[c * 64 + r] + d > lim) continue;
        const dist = Number.isNaN(want) ? 0 : want === -Infinity ? r - r0 : want === Infinity ? r0 + R - 1 - r : Math.abs(r - want);
        if (best < 0 || dist < bestDist - 1e-9 || (Math.abs(dist - bestDist) < 1e-9 && fill[c * 64 + r] < fill[c * 64 + best])) {
          best = r;
          bestDist = dist;
        }
      }
      const r = best >= 0 ? best : emptiest;
      w.row[i] = r;
      fill[c * 64 + r] += d;
      placed[i] = 1;
    }
  }
  // first fit in this order can miss the width step 4 counted on: move boxes from a cell's fullest row
  // to the emptiest row that keeps them below their in-band callers and above their in-band callees,
  // while that narrows the cell
  const inCell = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (w.spine[i] >= 0) continue;
    const c = w.band[i] * C + w.col[i];
    let l = inCell.get(c);
    if (!l) inCell.set(c, (l = []));
    l.push(i);
  }
  const span = (i: number): [number, number] => {
    let lo = 0, hi = MAX_ROWS;
    for (const u of w.callers[i]) if (w.band[u] === w.band[i] && !w.back.has(u * n + i)) lo = Math.max(lo, w.row[u] + 1);
    for (const u of w.calls[i]) if (w.band[u] === w.band[i] && !w.back.has(i * n + u)) hi = Math.min(hi, w.row[u] - 1);
    return [lo, hi];
  };
  for (const [c, l] of inCell) {
    const r0 = w.cellRow0[c], R = r0 + w.cellRows[c];
    for (let guard = 0; guard < 4 * l.length; guard++) {
      let hi = r0;
      for (let r = r0; r < R; r++) if (fill[c * 64 + r] > fill[c * 64 + hi]) hi = r;
      let pick = -1, to = -1;
      for (const i of l) {
        if (w.row[i] !== hi) continue;
        const d = w.width[i] + NODE_GAP;
        const [a, b] = span(i);
        let t = -1;
        for (let r = Math.max(r0, a); r <= Math.min(R - 1, b); r++) if (r !== hi && (t < 0 || fill[c * 64 + r] < fill[c * 64 + t])) t = r;
        if (t < 0 || fill[c * 64 + t] + d >= fill[c * 64 + hi] - 0.5) continue;
        if (pick < 0 || d < w.width[pick] + NODE_GAP) {
          pick = i;
          to = t;
        }
      }
      if (pick < 0) break;
      const d = w.width[pick] + NODE_GAP;
      fill[c * 64 + hi] -= d;
      fill[c * 64 + to] += d;
      w.row[pick] = to;
    }
  }
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
    if (w.spine[i] >= 0) continue;
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
  // the spine's slots open its cell; the cell's other nodes follow them
  const spineW = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    if (w.spineCol[b] < 0 || !w.spineLen[b]) continue;
    const k = b * C + w.spineCol[b];
    spineW[k] = Math.ceil(w.spineLen[b] / rows[b]) * w.slotW[b];
    colW[k] = colW[k] > 0 ? spineW[k] + colW[k] : spineW[k] - NODE_GAP;
  }
  // stacks side by side from the gutter; a stack is as wide as its widest cell
  const colX = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const stackW: number[] = [];
    for (let c = 0; c < C; c++) {
      const k = b * C + c, si = w.cellStack[k];
      if (si >= 0 && colW[k] > 0) stackW[si] = Math.max(stackW[si] ?? 0, colW[k]);
    }
    const stackX: number[] = [];
    let x = w.gutter;
    for (let si = 0; si < stackW.length; si++) {
      stackX[si] = x;
      if (stackW[si] > 0) x += stackW[si] + COL_GAP;
    }
    for (let c = 0; c < C; c++) {
      const k = b * C + c, si = w.cellStack[k];
      if (si < 0 || !(colW[k] > 0)) continue;
      colX[k] = stackX[si];
      colW[k] = stackW[si];
    }
  }
  for (let i = 0; i < n; i++) if (w.spine[i] >= 0) w.x[i] = colX[w.band[i] * C + w.col[i]] + w.slot[i] * w.slotW[w.band[i]];
  const cellOf = (k: number) => bandOfRow[Math.floor(k / C)] * C + (k % C);
  const freeX = (k: number) => colX[cellOf(k)] + spineW[cellOf(k)];
  const freeW = (k: number) => colW[cellOf(k)] - spineW[cellOf(k)];
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
  for (const [k, s] of segs) pack(w, s, freeX(k), freeW(k));
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
          placeSegment(w, s, want, freeX(k), freeW(k));
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
      const k = b * C + c, cw = geo.colW[k];
      if (!(cw > 0)) continue;
      width = Math.max(width, geo.colX[k] + cw);
      // a stacked cell's head sits on the row above its first
      const y = geo.bandY[b] + w.cellRow0[k] * ROW;
      cells.push({ band: id, column: w.columns[c], head: columnHead(w.columns[c], cw), x: geo.colX[k], y, w: cw, h: BAND_HEAD + w.cellRows[k] * ROW, count: counts[k] });
    }
    return { id, y: geo.bandY[b], h, rows: rows[b], title: w.titles[b] };
  });
  return { boxes, bands, gutter: w.gutter, columns: [...w.columns], cells, width, height, steps: [] };
}
