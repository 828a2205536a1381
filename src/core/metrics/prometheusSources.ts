// Hosts other than this one: a node_exporter /metrics page, or a Prometheus server's HTTP API
// (instant query; a label selector picks the host). Both map onto HostSnapshot.
import { systemClock, type Clock } from './clock.ts';
import { httpGetText, looksLikeHtml, redactUrl, type HttpOptions } from './http.ts';
import { hasNodeMetrics, samplesToSnapshot } from './prometheusMap.ts';
import { parsePromText, parsePromValue, type PromSample } from './prometheusText.ts';
import type { HostSnapshot } from './snapshot.ts';

export interface RemoteOptions extends HttpOptions {
  clock?: Clock;
}

/** `http://host:9100` → `http://host:9100/metrics`; a URL with a path is kept. */
export function metricsUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/metrics';
  return u.toString();
}

export async function readNodeExporter(url: string, opts: RemoteOptions = {}): Promise<HostSnapshot> {
  const clock = opts.clock ?? systemClock;
  let target: string;
  try {
    target = metricsUrl(url);
  } catch {
    throw new Error(`not a valid URL: ${redactUrl(url)}`);
  }
  const { text, contentType } = await httpGetText(target, opts);
  // Named without its password in messages and as the snapshot's source.
  target = redactUrl(target);
  if (looksLikeHtml(text, contentType)) throw new Error(`${target} returned HTML, not Prometheus metrics (wrong path?)`);
  const parsed = parsePromText(text);
  if (!hasNodeMetrics(parsed.samples)) {
    const why = parsed.bad > 0 ? `${parsed.bad} line(s) not in the exposition format, e.g. '${parsed.firstBad}'` : `${parsed.samples.length} samples, none from node_exporter`;
    throw new Error(`${target} returned no node_exporter metrics (${why})`);
  }
  const snap = samplesToSnapshot(parsed.samples, target, clock.now(), clock.mono());
  if (parsed.bad > 0) snap.notes.push(`${parsed.bad} line(s) of ${target} not understood`);
  return snap;
}

/** `instance="a:9100"` or `{instance="a:9100",job="node"}` → the part inside braces. */
export function normalizeSelector(selector: string): string {
  const s = selector.trim();
  return s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1).trim() : s;
}

export const NODE_METRICS_REGEX = 'node_(netstat|sockstat|softnet|nf_conntrack|network)_.+';

export async function readPrometheus(url: string, selector: string, opts: RemoteOptions = {}): Promise<HostSnapshot> {
  const shown = redactUrl(url);
  const clock = opts.clock ?? systemClock;
  const sel = normalizeSelector(selector);
  const matchers = `{__name__=~"${NODE_METRICS_REGEX}"${sel ? ',' + sel : ''}}`;
  // An instant query answers with the evaluation time, not the scrape time: ask for the time of the
  // target's last scrape (its `up` sample) separately.
  // The two queries must see the same scrape: take the stamp before and after the values, and ask again
  // when a scrape landed in between.
  const stampOf = () => queryPrometheus(url, `max(timestamp(up{${sel}}))`, opts);
  let stamps = await stampOf();
  let values = await queryPrometheus(url, matchers, opts);
  for (let attempt = 0; attempt < 3; attempt++) {
    const after = await stampOf();
    if (after.samples[0]?.value === stamps.samples[0]?.value) break;
    stamps = after;
    values = await queryPrometheus(url, matchers, opts);
  }
  if (values.samples.length === 0) throw new Error(`Prometheus at ${shown} has no node_exporter series matching {${sel}}`);
  const hosts = new Set(values.samples.map((s) => s.labels.instance ?? ''));
  if (hosts.size > 1) {
    throw new Error(`selector {${sel}} matches ${hosts.size} hosts (${[...hosts].slice(0, 5).join(', ')}); narrow it, e.g. instance="${[...hosts][0]}"`);
  }
  const scraped = stamps.samples[0]?.value;
  const time = scraped !== undefined && Number.isFinite(scraped) ? scraped * 1000 : clock.now();
  // Rates between two readings must use the scrape times (two queries can return the same scrape).
  return samplesToSnapshot(values.samples, `prometheus:${shown}#${sel}`, time, scraped !== undefined && Number.isFinite(scraped) ? time : clock.mono());
}

/** One instant query against a Prometheus server's HTTP API. */
export async function queryPrometheus(rawUrl: string, query: string, opts: RemoteOptions = {}): Promise<{ samples: PromSample[]; latest: number }> {
  let api: URL;
  try {
    api = new URL('api/v1/query', rawUrl.endsWith('/') ? rawUrl : rawUrl + '/');
  } catch {
    throw new Error(`not a valid URL: ${redactUrl(rawUrl)}`);
  }
  const url = redactUrl(rawUrl);
  api.searchParams.set('query', query);
  const { status, text, contentType } = await httpGetText(api.toString(), { ...opts, allowErrorStatus: true, label: url });
  if (looksLikeHtml(text, contentType)) throw new Error(`${url} returned HTML, not the Prometheus API (wrong URL?)`);
  if (status >= 300) {
    let detail = '';
    try {
      const e = JSON.parse(text) as { error?: unknown };
      if (typeof e.error === 'string') detail = e.error.split('\n')[0];
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`Prometheus at ${url} answered HTTP ${status}${detail ? ': ' + detail : ''}`);
  }
  return parsePrometheusQueryResponse(text, url);
}

/** Parse an `/api/v1/query` JSON answer (resultType vector). Throws a one-line error on anything else. */
export function parsePrometheusQueryResponse(text: string, url: string): { samples: PromSample[]; latest: number } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url} did not return JSON (is it a Prometheus server?)`);
  }
  const b = body as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (b === null || typeof b !== 'object') throw new Error(`${url} returned unexpected JSON`);
  if (b.status !== 'success') throw new Error(`Prometheus at ${url}: ${typeof b.error === 'string' ? b.error.split('\n')[0] : 'query failed'}`);
  if (b.data?.resultType !== 'vector' || !Array.isArray(b.data.result)) throw new Error(`Prometheus at ${url} returned no vector result`);
  const samples: PromSample[] = [];
  let latest = 0;
  for (const r of b.data.result as unknown[]) {
    const metric = (r as { metric?: unknown }).metric;
    const value = (r as { value?: unknown }).value;
    if (!metric || typeof metric !== 'object' || !Array.isArray(value) || value.length !== 2) continue;
    const labels = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(metric as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
    // Results of functions and aggregations have no metric name.
    const name = labels.__name__ ?? '';
    const v = typeof value[1] === 'string' ? parsePromValue(value[1]) : null;
    if (v === null) continue;
    delete labels.__name__;
    samples.push({ name, labels, value: v });
    if (typeof value[0] === 'number' && value[0] * 1000 > latest) latest = value[0] * 1000;
  }
  return { samples, latest };
}
