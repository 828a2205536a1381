// Texts placed clear of the boxes: a band's big title (zoomed out) where no box is under it, a node's
// counter or CPU badge beside its box where no other box or badge is. Pure: boxes in, places out.
import { CHAR_W, LABEL_PX, ROW, wrapTitle, type Box } from './geometry.ts';

/** Rectangles on a grid of CELL-unit squares: "is this rectangle free?" looks at a few squares only. */
const CELL = 64;
const cellKey = (x: number, y: number) => y * 100_003 + x;
export class Obstacles {
  private readonly grid = new Map<number, Box[]>();

  constructor(boxes: Iterable<Box> = []) {
    for (const b of boxes) this.add(b);
  }

  add(b: Box): void {
    const x0 = Math.floor(b.x / CELL), x1 = Math.floor((b.x + b.w) / CELL), y0 = Math.floor(b.y / CELL), y1 = Math.floor((b.y + b.h) / CELL);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const l = this.grid.get(cellKey(x, y));
        if (l) l.push(b);
        else this.grid.set(cellKey(x, y), [b]);
      }
    }
  }

  /** No rectangle overlaps r (`except`: one that may). */
  free(r: Box, except?: Box): boolean {
    const x0 = Math.floor(r.x / CELL), x1 = Math.floor((r.x + r.w) / CELL), y0 = Math.floor(r.y / CELL), y1 = Math.floor((r.y + r.h) / CELL);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const l = this.grid.get(cellKey(x, y));
        if (l) for (const b of l) if (b !== except && overlaps(r, b)) return false;
      }
    }
    return true;
  }
}

export const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The box of a monospace text at font size px with its baseline at y (the font's box as the browser
 *  measures it: ascent and descent of the editor's monospace fonts, about 0.95 and 0.25 of the size). */
export function textBox(text: string, px: number, x: number, baseline: number, anchor: 'start' | 'end' = 'start'): Box {
  const w = text.length * CHAR_W * (px / LABEL_PX);
  return { x: anchor === 'end' ? x - w : x, y: baseline - 0.95 * px, w, h: 1.2 * px };
}

/** Line height of a wrapped big title, in font sizes. */
export const TITLE_LEADING = 1.15;
/** Line length of a big title. */
const TITLE_CHARS = 14;

/** Where a band's big title (zoomed out) goes: inside the band at the leftmost (then highest) place,
 *  from x0 on, where the text (one line, else two) and a `halo` around it cover none of `boxes`
 *  (sorted by x); when the band has none before maxX, left of the band (right-aligned at `outside`),
 *  where no box ever is, wrapped to lines of about TITLE_CHARS, as many as the band's height holds
 *  (the layer names left of the "Anatomy of the Linux networking stack" figure). Its lines, anchor
 *  point and first baseline. */
export function placeBandTitle(band: { y: number; h: number }, text: string, px: number, boxes: readonly Box[], x0: number, maxX: number, outside: number, halo = 4): { x: number; y: number; lines: string[]; anchor: 'start' | 'end' } {
  for (let k = 1; k <= 2; k++) {
    const lines = k === 1 ? [text] : wrapTitle(text, Math.ceil(text.length / k));
    if (lines.length > k) continue;
    const at = freeStretch(band, lines, px, boxes, x0, maxX, halo);
    if (at) return { ...at, lines, anchor: 'start' };
  }
  return { x: outside, ...bandTitleLines(band, text, px), anchor: 'end' };
}

/** The leftmost (then highest) place in the band for a block of lines clear of the boxes (by x). */
function freeStretch(band: { y: number; h: number }, lines: string[], px: number, boxes: readonly Box[], x0: number, maxX: number, halo: number): { x: number; y: number } | undefined {
  const w = Math.max(...lines.map((l) => l.length)) * CHAR_W * (px / LABEL_PX) + 2 * halo;
  const extra = (lines.length - 1) * TITLE_LEADING * px;
  const top = band.y + 0.95 * px + halo, bottom = band.y + band.h - 0.25 * px - halo - extra;
  let best: { x: number; y: number } | undefined;
  for (let y = top; y <= bottom; y += ROW / 2) {
    // the boxes the block's strip crosses, left to right: the first gap wide enough
    const y0 = y - 0.95 * px - halo, y1 = y + extra + 0.25 * px + halo;
    let x = x0 - halo;
    for (const b of boxes) {
      if (b.y >= y1 || b.y + b.h <= y0) continue;
      if (b.x >= x + w) break;
      x = Math.max(x, b.x + b.w);
    }
    if (x + w <= maxX && (!best || x + halo < best.x)) best = { x: x + halo, y };
  }
  return best;
}

/** A big title left of its band: wrapped to lines of about TITLE_CHARS, as many as the band's height
 *  holds, centred on the band. Its first baseline and lines. */
export function bandTitleLines(band: { y: number; h: number }, text: string, px: number): { y: number; lines: string[] } {
  const fit = Math.max(1, Math.floor((band.h - 1.2 * px) / (TITLE_LEADING * px)) + 1);
  let lines = [text];
  for (let max = TITLE_CHARS; max < text.length; max += 2) {
    const l = wrapTitle(text, max);
    if (l.length <= fit) {
      lines = l;
      break;
    }
  }
  const h = (lines.length - 1) * TITLE_LEADING * px;
  return { y: band.y + (band.h - h) / 2 + 0.35 * px, lines };
}

/** Where a badge sits relative to its node's box: x and baseline (node coordinates), anchored at
 *  its start or end; `text` is what fits (the full text, or only the value when only that fits). */
export interface BadgePlace {
  x: number;
  y: number;
  anchor: 'start' | 'end';
  text: string;
}

/** Badges beside their boxes, clear of every other box, of the `others` (texts and marks drawn on the
 *  map) and of each other: right of the box on the
 *  label's baseline, else left of it, else above it; when none is free, the short text (the value
 *  alone) in the same places; else none (the hover and the heat still say it). */
export function placeBadges(boxes: ReadonlyMap<string, Box>, badges: readonly { id: string; text: string; short?: string }[], px: number, baseline: number, others: readonly Box[] = [], gap = 3): Map<string, BadgePlace | undefined> {
  const obstacles = new Obstacles(boxes.values());
  for (const b of others) obstacles.add(b);
  const out = new Map<string, BadgePlace | undefined>();
  // left to right, top to bottom: a badge takes the room right of its box before its neighbour's
  // badge could take it from the left
  const order = badges.filter((b) => boxes.has(b.id) && b.text).sort((a, b) => {
    const p = boxes.get(a.id)!, q = boxes.get(b.id)!;
    return p.y - q.y || p.x - q.x || (a.id < b.id ? -1 : 1);
  });
  for (const b of order) {
    const box = boxes.get(b.id)!;
    let got: BadgePlace | undefined;
    for (const text of b.short && b.short !== b.text ? [b.text, b.short] : [b.text]) {
      const tries: BadgePlace[] = [
        { x: box.w + gap, y: baseline, anchor: 'start', text },
        { x: -gap, y: baseline, anchor: 'end', text },
        { x: 0, y: -gap, anchor: 'start', text },
      ];
      for (const t of tries) {
        const r = textBox(text, px, box.x + t.x, box.y + t.y, t.anchor);
        if (obstacles.free(r, box)) {
          got = t;
          obstacles.add(r);
          break;
        }
      }
      if (got) break;
    }
    out.set(b.id, got);
  }
  return out;
}
