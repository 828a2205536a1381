// Deltas and per-second rates between two snapshots. Counters only (gauges are levels, see GAUGE_KEYS).
// A counter that goes down was reset (namespace/device re-created, module reloaded): its delta is its
// new value, as Prometheus does. softnet_stat columns are 32-bit and wrap: delta = cur + 2^32 - prev.
// Rates are never negative.
import { GAUGE_KEYS, SOFTNET_GAUGES, counterKey, type HostSnapshot } from './snapshot.ts';

export interface Rates {
  /** Seconds between the two snapshots (monotonic clock). */
  dt: number;
  /** Counter increase per key since the previous snapshot. */
  delta: Record<string, number>;
  /** delta / dt. */
  perSec: Record<string, number>;
  /** Keys whose counter went down (treated as a reset or, for softnet, a 32-bit wrap). */
  resets: string[];
}

/** Flat counter values keyed `Group:Name`, `dev:<iface>:<col>`, `softnet:<cpu>:<col>`. Gauges excluded. */
export function flattenCounters(s: HostSnapshot): Map<string, number> {
  const m = new Map<string, number>();
  for (const g in s.groups) {
    const grp = s.groups[g];
    for (const n in grp) {
      const k = counterKey(g, n);
      if (!GAUGE_KEYS.has(k)) m.set(k, grp[n]);
    }
  }
  for (const d in s.devices) {
    const dev = s.devices[d];
    for (const c in dev) m.set(`dev:${d}:${c}`, dev[c]);
  }
  for (const row of s.softnet) {
    for (const c in row) if (!SOFTNET_GAUGES.has(c)) m.set(`softnet:${row.cpu}:${c}`, row[c]);
  }
  return m;
}

/** Gauge values keyed `Tcp:CurrEstab`, `sockstat:TCP:inuse`, `conntrack:count`, `sockets:inbound` … */
export function flattenGauges(s: HostSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of GAUGE_KEYS) {
    const [g, n] = k.split(':');
    const v = s.groups[g]?.[n];
    if (v !== undefined) out[k] = v;
  }
  for (const p in s.sockstat) for (const f in s.sockstat[p]) out[`sockstat:${p}:${f}`] = s.sockstat[p][f];
  if (s.conntrack) {
    out['conntrack:count'] = s.conntrack.count;
    if (s.conntrack.max !== null) out['conntrack:max'] = s.conntrack.max;
  }
  for (const row of s.softnet) {
    if (row.backlog_len !== undefined) out[`softnet:${row.cpu}:backlog_len`] = row.backlog_len;
  }
  if (s.sockets) {
    out['sockets:inbound'] = s.sockets.inbound;
    out['sockets:outbound'] = s.sockets.outbound;
    for (const st in s.sockets.byState) out[`sockets:${st}`] = s.sockets.byState[st];
  }
  return out;
}

const WRAP32 = 2 ** 32;

export function computeRates(prev: HostSnapshot, cur: HostSnapshot): Rates {
  const dt = (cur.mono - prev.mono) / 1000;
  const a = flattenCounters(prev);
  const b = flattenCounters(cur);
  const delta: Record<string, number> = {};
  const perSec: Record<string, number> = {};
  const resets: string[] = [];
  const softnetSum: Record<string, number> = {};
  for (const [k, v] of b) {
    const p = a.get(k);
    if (p === undefined || !Number.isFinite(p) || !Number.isFinite(v)) continue;
    let d = v - p;
    if (d < 0) {
      resets.push(k);
      d = k.startsWith('softnet:') && p < WRAP32 && v < WRAP32 ? v + WRAP32 - p : Math.max(0, v);
    }
    delta[k] = d;
    if (k.startsWith('softnet:')) {
      const col = k.slice(k.lastIndexOf(':') + 1);
      softnetSum[col] = (softnetSum[col] ?? 0) + d;
    }
  }
  // Whole-host softnet counters: the sum of the per-CPU deltas (sums of wrapping values would not wrap cleanly).
  for (const col in softnetSum) delta[`softnet:${col}`] = softnetSum[col];
  for (const k in delta) perSec[k] = dt > 0 ? delta[k] / dt : 0;
  return { dt, delta, perSec, resets };
}
