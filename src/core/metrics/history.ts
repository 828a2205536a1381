// A fixed-size ring of past samples for sparklines: one Float64Array per key (NaN = no value).
export class HistoryRing {
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly series = new Map<string, Float64Array>();
  /** Number of samples pushed so far (the ring holds the last `capacity`). */
  private pushed = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('history capacity must be a positive integer');
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
  }

  get size(): number {
    return Math.min(this.pushed, this.capacity);
  }

  push(time: number, values: Record<string, number>): void {
    const slot = this.pushed % this.capacity;
    this.times[slot] = time;
    for (const arr of this.series.values()) arr[slot] = NaN;
    for (const k in values) {
      let arr = this.series.get(k);
      if (!arr) {
        arr = new Float64Array(this.capacity).fill(NaN);
        this.series.set(k, arr);
      }
      arr[slot] = values[k];
    }
    this.pushed++;
  }

  keys(): string[] {
    return [...this.series.keys()];
  }

  /** Oldest first. Values are NaN where the key had no value at that time. */
  get(key: string): { times: number[]; values: number[] } {
    const n = this.size;
    const start = this.pushed - n;
    const arr = this.series.get(key);
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const slot = (start + i) % this.capacity;
      times.push(this.times[slot]);
      values.push(arr ? arr[slot] : NaN);
    }
    return { times, values };
  }
}
