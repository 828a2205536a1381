// Which source a snapshot comes from, as written on the command line:
//   procfs                               this host (default)
//   http://host:9100[/metrics]           a node_exporter
//   prometheus:http://prom:9090#<sel>    a Prometheus server; <sel> = label matchers picking one host
import type { Clock, ReadFn } from './clock.ts';
import { readProcfs, type ProcfsOptions } from './procfsSource.ts';
import { readNodeExporter, readPrometheus } from './prometheusSources.ts';
import { redactUrl } from './http.ts';
import type { HostSnapshot } from './snapshot.ts';
import type { ExecFn } from './ss.ts';

export type SourceSpec =
  | { kind: 'procfs'; netnsPid?: number }
  | { kind: 'node_exporter'; url: string }
  | { kind: 'prometheus'; url: string; selector: string };

export function parseSource(text: string | undefined, netnsPid?: number): SourceSpec {
  const s = (text ?? 'procfs').trim();
  if (s === '' || s === 'procfs') return netnsPid === undefined ? { kind: 'procfs' } : { kind: 'procfs', netnsPid };
  if (netnsPid !== undefined) throw new Error('--netns only applies to the procfs source');
  if (s.startsWith('prometheus:')) {
    const rest = s.slice('prometheus:'.length);
    const hash = rest.indexOf('#');
    const url = hash >= 0 ? rest.slice(0, hash) : rest;
    const selector = hash >= 0 ? rest.slice(hash + 1) : '';
    if (!/^https?:\/\//.test(url)) throw new Error(`prometheus source needs an http(s) URL: prometheus:<URL>#<selector>, got '${redactUrl(s)}'`);
    if (selector.trim() === '') throw new Error(`prometheus source needs a label selector after '#', e.g. prometheus:${redactUrl(url)}#instance="host:9100"`);
    return { kind: 'prometheus', url, selector };
  }
  if (/^https?:\/\//.test(s)) return { kind: 'node_exporter', url: s };
  throw new Error(`unknown source '${redactUrl(s)}': use procfs, a node_exporter URL, or prometheus:<URL>#<selector>`);
}

export interface SnapshotOptions extends Omit<ProcfsOptions, 'netnsPid'> {
  /** HTTP timeout for remote sources (ms, default 5000). */
  timeoutMs?: number;
  read?: ReadFn;
  exec?: ExecFn;
  clock?: Clock;
}

/** Take one snapshot from any source. Remote failures throw a one-line Error. */
export async function takeSnapshot(source: SourceSpec | string = 'procfs', opts: SnapshotOptions = {}): Promise<HostSnapshot> {
  const spec = typeof source === 'string' ? parseSource(source) : source;
  switch (spec.kind) {
    case 'procfs':
      return readProcfs({ ...opts, netnsPid: spec.netnsPid });
    case 'node_exporter':
      return readNodeExporter(spec.url, { timeoutMs: opts.timeoutMs, clock: opts.clock });
    case 'prometheus':
      return readPrometheus(spec.url, spec.selector, { timeoutMs: opts.timeoutMs, clock: opts.clock });
  }
}
