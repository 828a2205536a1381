// Samples a source at a fixed interval (default 1 s): deltas, per-second rates, alerts, and a ring of
// history (default 10 minutes) for sparklines. Cheap ticks read only the counters; the socket table
// (far more expensive with many sockets) is dumped every `fullEvery` ticks or on requestFull().
import { EventEmitter } from 'node:events';
import { computeAlerts, type AlertThresholds } from './alerts.ts';
import { systemClock, type Clock } from './clock.ts';
import { HistoryRing } from './history.ts';
import { computeRates, flattenGauges, type Rates } from './rates.ts';
import type { Alert, HostSnapshot, SocketSummary } from './snapshot.ts';

/** Reads one snapshot; `full` asks for the socket table too. */
export type SnapshotTaker = (full: boolean) => Promise<HostSnapshot>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SamplerOptions {
  take: SnapshotTaker;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** How much history to keep (default 10 minutes). */
  historyMs?: number;
  /** Dump sockets every N ticks (1 = every tick; 0 = only on requestFull()). When not set, the
   *  schedule adapts to what a dump costs: see socketDumpBudget. */
  fullEvery?: number;
  /** Adaptive schedule: the share of one core socket dumps may take (default 0.01 = 1 %). A dump that
   *  took d ms is followed by the next after ceil(d / (budget · interval)) ticks (1 to 60): every tick
   *  for small socket tables, every ~10–15 s with tens of thousands of sockets. */
  socketDumpBudget?: number;
  thresholds?: Partial<AlertThresholds>;
  /** After a failed tick, wait interval·2^(failures in a row) instead, up to this (default 30 s,
   *  never less than the interval): a dead source is not hammered. Back on the grid after a success. */
  maxBackoffMs?: number;
  clock?: Clock;
  timers?: Timers;
}

/** What the sampler emits on every tick. */
export interface Sample {
  seq: number;
  snapshot: HostSnapshot;
  /** null on the first tick (nothing to compare with). */
  rates: Rates | null;
  alerts: Alert[];
  /** The latest socket table (from this tick or an earlier full tick), and its age in ms. */
  sockets: SocketSummary | null;
  socketsAgeMs: number | null;
  /** Whether this tick dumped the socket table. */
  full: boolean;
}

export interface SamplerEvents {
  sample: [Sample];
  error: [Error];
}

export class Sampler extends EventEmitter<SamplerEvents> {
  readonly intervalMs: number;
  readonly history: HistoryRing;
  private readonly opts: SamplerOptions;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private prev: HostSnapshot | null = null;
  private lastSockets: { summary: SocketSummary; mono: number } | null = null;
  private seq = 0;
  private fullRequested = false;
  /** Adaptive schedule: ticks left until the next socket dump. */
  private ticksToFull = 0;
  private handle: unknown = null;
  private running = false;
  private inFlight: Promise<Sample> | null = null;
  latest: Sample | null = null;
  /** Failed ticks in a row (0 after a success). */
  failures = 0;
  /** When the last tick failed: how long until the next try (ms). */
  retryInMs = 0;

  constructor(opts: SamplerOptions) {
    super();
    this.opts = opts;
    this.intervalMs = opts.intervalMs ?? 1000;
    if (!(this.intervalMs > 0)) throw new RangeError('interval must be > 0');
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? realTimers;
    this.history = new HistoryRing(Math.max(1, Math.ceil((opts.historyMs ?? 600_000) / this.intervalMs)));
  }

  /** Dump the socket table on the next tick. */
  requestFull(): void {
    this.fullRequested = true;
  }

  /** Take one sample now (also used by the timer). Concurrent calls share one reading. */
  tick(): Promise<Sample> {
    if (!this.inFlight) this.inFlight = this.doTick().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async doTick(): Promise<Sample> {
    const fixed = this.opts.fullEvery;
    const full =
      this.fullRequested || this.seq === 0 || (fixed !== undefined ? fixed > 0 && this.seq % fixed === 0 : this.ticksToFull <= 0);
    this.fullRequested = false;
    const t0 = this.clock.mono();
    const snapshot = await this.opts.take(full);
    if (fixed === undefined) {
      if (full) {
        const budget = this.opts.socketDumpBudget ?? 0.01;
        const cost = Math.max(0, this.clock.mono() - t0);
        this.ticksToFull = Math.min(60, Math.max(1, Math.ceil(cost / (budget * this.intervalMs))));
      }
      this.ticksToFull--;
    }
    if (snapshot.sockets) this.lastSockets = { summary: snapshot.sockets, mono: snapshot.mono };
    const rates = this.prev ? computeRates(this.prev, snapshot) : null;
    this.prev = snapshot;
    const sockets = this.lastSockets?.summary ?? null;
    const sample: Sample = {
      seq: this.seq++,
      snapshot,
      rates,
      alerts: computeAlerts(snapshot, rates, this.opts.thresholds, sockets),
      sockets,
      socketsAgeMs: this.lastSockets ? snapshot.mono - this.lastSockets.mono : null,
      full: !!snapshot.sockets,
    };
    this.history.push(snapshot.time, { ...(rates?.perSec ?? {}), ...flattenGauges(snapshot) });
    this.latest = sample;
    return sample;
  }

  /** Start ticking every interval (first tick immediately). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const t0 = this.clock.mono();
    let n = 0;
    const loop = async () => {
      if (!this.running) return;
      let failed: Error | undefined;
      let sample: Sample | undefined;
      try {
        sample = await this.tick();
        this.failures = 0;
        this.retryInMs = 0;
      } catch (e) {
        failed = e instanceof Error ? e : new Error(String(e));
        this.failures++;
        const cap = Math.max(this.intervalMs, this.opts.maxBackoffMs ?? 30_000);
        this.retryInMs = Math.min(cap, this.intervalMs * 2 ** Math.min(this.failures, 30));
      }
      if (!this.running) return;
      // Listeners may stop the sampler: schedule first, emit last.
      const now = this.clock.mono();
      let delay: number;
      if (failed) {
        delay = this.retryInMs;
        n = Math.ceil((now + delay - t0) / this.intervalMs);
      } else {
        // Stay on the t0 + n·interval grid; skip slots a slow tick overran.
        n = Math.max(n + 1, Math.ceil((now - t0) / this.intervalMs));
        delay = Math.max(0, t0 + n * this.intervalMs - now);
      }
      this.handle = this.timers.setTimeout(loop, delay);
      if (failed) this.emit('error', failed);
      else this.emit('sample', sample!);
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  get isRunning(): boolean {
    return this.running;
  }
}
