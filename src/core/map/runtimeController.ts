// One recording at a time for a host (the extension or `serve`): starts perf only on the user's
// `runtime/record`, posts `runtime/status` while recording (throttled), then the joined result as
// `runtime/overlay`. `dispose()` kills perf at once (panel, window or server closing).
import type { RuntimeOverlay, RuntimeStatus, ToWebview } from './protocol.ts';
import { Recorder, type RecorderDeps, type RuntimeMode } from '../runtime/recorder.ts';
import { joinDrops, joinProfile, type DropsReport, type JoinContext, type ProfileReport } from '../runtime/join.ts';
import { toOverlay } from './runtimeOverlay.ts';

export interface RuntimeResult {
  profile?: ProfileReport;
  drops?: DropsReport;
  overlay: RuntimeOverlay;
}

export interface RuntimeControllerOptions {
  deps: RecorderDeps;
  /** The join context (undefined while the tree is not indexed: the recording still runs). */
  context(): JoinContext | undefined | Promise<JoinContext | undefined>;
  post(m: ToWebview): void;
  onResult?(r: RuntimeResult): void;
  now?(): number;
  /** Minimum milliseconds between two progress messages. */
  statusEveryMs?: number;
}

export class RuntimeController {
  private recorder: Recorder | undefined;
  private disposed = false;
  last: RuntimeResult | undefined;

  constructor(private readonly o: RuntimeControllerOptions) {}

  get busy(): boolean {
    return !!this.recorder;
  }

  /** Start a recording; resolves when it is done (or failed: the status says why). */
  async record(seconds: number, mode: RuntimeMode): Promise<RuntimeResult | undefined> {
    const now = this.o.now ?? Date.now;
    const status = (s: Omit<RuntimeStatus, 'type' | 'mode' | 'seconds'>) => this.o.post({ type: 'runtime/status', mode, seconds, ...s });
    if (this.disposed) return undefined;
    if (this.recorder) {
      status({ state: 'recording', elapsed: 0, events: 0, message: 'a recording is already running: stop it first' });
      return undefined;
    }
    const recorder = (this.recorder = new Recorder(this.o.deps));
    status({ state: 'recording', elapsed: 0, events: 0, message: 'starting perf…' });
    let lastPost = 0;
    try {
      const r = await recorder.record({ mode, seconds }, (p) => {
        const t = now();
        if (t - lastPost < (this.o.statusEveryMs ?? 250)) return;
        lastPost = t;
        status({ state: 'recording', elapsed: Math.round(p.elapsed * 10) / 10, events: p.samples + p.drops });
      });
      if (this.disposed) return undefined;
      const events = r.recording.samples + r.recording.dropRecords;
      if (r.problem && events === 0) {
        status({ state: 'error', elapsed: r.seconds, events: 0, message: r.problem.message });
        return undefined;
      }
      status({ state: 'analysing', elapsed: r.seconds, events });
      const ctx = await this.o.context();
      if (!ctx) {
        status({ state: 'error', elapsed: r.seconds, events, message: 'the tree is not indexed yet: record again when indexing is done' });
        return undefined;
      }
      const notes = r.problem ? [r.problem.message, ...r.notes] : r.notes;
      const profile = mode !== 'drops' ? joinProfile(r.recording, r.seconds, ctx, notes) : undefined;
      const drops = mode !== 'stacks' ? joinDrops(r.recording, r.seconds, ctx, profile ? [] : notes) : undefined;
      const overlay = toOverlay(profile, drops);
      this.last = { profile, drops, overlay };
      this.o.post(overlay);
      status({ state: 'done', elapsed: r.seconds, events, message: summary(profile, drops) });
      this.o.onResult?.(this.last);
      return this.last;
    } catch (e) {
      status({ state: 'error', elapsed: 0, events: 0, message: `recording failed: ${(e as Error).message}` });
      return undefined;
    } finally {
      if (this.recorder === recorder) this.recorder = undefined;
    }
  }

  /** Stop early: what was recorded so far is analysed. */
  stop(): void {
    this.recorder?.stop();
  }

  dispose(): void {
    this.disposed = true;
    this.recorder?.kill();
    this.recorder = undefined;
  }
}

function summary(p: ProfileReport | undefined, d: DropsReport | undefined): string {
  const parts: string[] = [];
  if (p) parts.push(`${p.samples.toLocaleString('en-US')} samples, ${p.treeSamples.toLocaleString('en-US')} in the network stack`);
  if (d) parts.push(`${d.total.toLocaleString('en-US')} drops${d.reasons[0] ? ` (most: ${d.reasons[0].reason})` : ''}`);
  return parts.join(' · ');
}
