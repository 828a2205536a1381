// Live host counters for hovers, CodeLens, the Alerts view and the map: one Sampler on the chosen
// source (procfs, a node_exporter, or Prometheus), restarted when the settings change.
// Context key: netstackAtlas.metricsAvailable.
import * as vscode from 'vscode';
import { Sampler, takeSnapshot, parseSource, redactUrl, type Sample, type SourceSpec } from '../core/metrics/index.ts';
import { fmtNum } from '../core/metrics/format.ts';
import { config, SECTION } from './config.ts';
import type { Atlas } from './session.ts';

export interface CounterReading {
  value: number | undefined;
  rate: number | null;
}

export class LiveMetrics implements vscode.Disposable {
  private sampler: Sampler | undefined;
  latest: Sample | undefined;
  sourceText = 'procfs';
  /** Why no values: a source error, or parts missing. */
  problem: string | undefined;
  private readonly sampled = new vscode.EventEmitter<Sample | undefined>();
  readonly onSample = this.sampled.event;
  private readonly disposables: vscode.Disposable[] = [this.sampled];

  constructor(private readonly atlas: Atlas) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.metrics`) || e.affectsConfiguration(`${SECTION}.alerts`)) this.restart();
      }),
    );
  }

  get available(): boolean {
    return !!this.latest && !this.problem;
  }

  start(): void {
    if (this.sampler) return;
    const source = config.metricsSource() || 'procfs';
    // shown on the map and in the log: never with a password
    this.sourceText = redactUrl(source);
    let spec: SourceSpec;
    try {
      spec = parseSource(source);
    } catch (e) {
      this.fail(e);
      return;
    }
    const intervalMs = config.intervalMs();
    const sampler = new Sampler({
      take: (full) => takeSnapshot(spec, { sockets: full }),
      intervalMs,
      historyMs: config.historyMinutes() * 60_000,
      fullEvery: 5,
      thresholds: config.thresholds(),
    });
    sampler.on('sample', (s) => {
      this.latest = s;
      const missing = s.snapshot.unavailable.filter((u) => ['snmp', 'netstat'].includes(u.part));
      this.problem = Object.keys(s.snapshot.groups).length === 0 ? `no counters from ${this.sourceText}${missing.length ? ': ' + missing.map((u) => `${u.part} (${u.reason})`).join(', ') : ''}` : undefined;
      void vscode.commands.executeCommand('setContext', 'netstackAtlas.metricsAvailable', !this.problem);
      this.sampled.fire(s);
    });
    sampler.on('error', (e) => this.fail(e));
    this.sampler = sampler;
    sampler.start();
  }

  private fail(e: unknown): void {
    this.problem = `metrics unavailable (${this.sourceText}): ${e instanceof Error ? e.message : String(e)}`;
    this.latest = undefined;
    this.atlas.output.warn(this.problem);
    void vscode.commands.executeCommand('setContext', 'netstackAtlas.metricsAvailable', false);
    this.sampled.fire(undefined);
  }

  restart(): void {
    this.sampler?.stop();
    this.sampler = undefined;
    this.latest = undefined;
    this.problem = undefined;
    this.start();
  }

  /** A counter's value and per-second rate: `Tcp:InSegs`. */
  read(counter: string): CounterReading {
    const s = this.latest;
    if (!s) return { value: undefined, rate: null };
    const i = counter.indexOf(':');
    const value = s.snapshot.groups[counter.slice(0, i)]?.[counter.slice(i + 1)];
    return { value, rate: s.rates ? s.rates.perSec[counter] ?? 0 : null };
  }

  history(counter: string, n = 60): number[] {
    if (!this.sampler) return [];
    return this.sampler.history.get(counter).values.slice(-n).map((v) => (Number.isFinite(v) ? v : 0));
  }

  /** `41 (+2/s)`, or `unavailable`. */
  format(counter: string): string {
    const r = this.read(counter);
    if (r.value === undefined) return this.problem ? 'unavailable' : this.latest ? 'not reported by this host' : 'waiting for the first sample';
    return `${fmtNum(r.value)}${r.rate === null ? '' : ` (+${fmtNum(Math.round(r.rate * 10) / 10)}/s)`}`;
  }

  dispose(): void {
    this.sampler?.stop();
    for (const d of this.disposables) d.dispose();
  }
}
