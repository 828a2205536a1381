/** Offsets ↔ 1-based lines for one text, by binary search over line starts. */
export class LineIndex {
  readonly starts: Int32Array;
  constructor(text: string) {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    const starts = new Int32Array(n);
    let k = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    this.starts = starts;
  }
  /** 0-based row of `offset`. */
  row(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  /** 1-based line of `offset`. */
  line(offset: number): number {
    return this.row(offset) + 1;
  }
  point(offset: number): { row: number; column: number } {
    const row = this.row(offset);
    return { row, column: offset - this.starts[row] };
  }
}
