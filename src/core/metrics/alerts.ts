// Alerts computed from a snapshot (levels) and, when available, rates (things increasing).
import type { Rates } from './rates.ts';
import type { Alert, HostSnapshot, SocketSummary } from './snapshot.ts';

/** Alert thresholds (settings). Rate thresholds fire when the per-second rate is strictly above them. */
export interface AlertThresholds {
  /** A listen socket's accept queue at or above this share of its maximum. */
  listenQueueRatio: number;
  /** Conntrack table at or above this share of nf_conntrack_max. */
  conntrackRatio: number;
  /** TcpExt:ListenOverflows and TcpExt:ListenDrops, per second. */
  listenDropsPerSec: number;
  /** softnet `dropped` summed over CPUs, per second. */
  softnetDroppedPerSec: number;
  /** softnet `time_squeeze` summed over CPUs, per second. */
  softnetSqueezePerSec: number;
  /** Udp(6):RcvbufErrors per second. */
  udpRcvbufErrorsPerSec: number;
  /** Udp(6):NoPorts per second. */
  udpNoPortsPerSec: number;
  /** Tcp:RetransSegs per second. */
  tcpRetransPerSec: number;
  /** Tcp:RetransSegs / Tcp:OutSegs, evaluated once OutSegs reaches tcpRetransMinOutSegsPerSec. */
  tcpRetransRatio: number;
  tcpRetransMinOutSegsPerSec: number;
}

export const DEFAULT_THRESHOLDS: Readonly<AlertThresholds> = Object.freeze({
  listenQueueRatio: 0.9,
  conntrackRatio: 0.9,
  listenDropsPerSec: 0,
  softnetDroppedPerSec: 0,
  softnetSqueezePerSec: 0,
  udpRcvbufErrorsPerSec: 0,
  udpNoPortsPerSec: 0,
  tcpRetransPerSec: 100,
  tcpRetransRatio: 0.02,
  tcpRetransMinOutSegsPerSec: 100,
});

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * Alerts for one moment. `rates` may be null (a single snapshot): then only level alerts (listen
 * queues, conntrack) are computed. `sockets` overrides snapshot.sockets (the sampler keeps the last dump).
 */
export function computeAlerts(
  snapshot: HostSnapshot,
  rates: Rates | null,
  thresholds: Partial<AlertThresholds> = {},
  sockets: SocketSummary | null = snapshot.sockets,
): Alert[] {
  const t: AlertThresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const alerts: Alert[] = [];
  for (const l of sockets?.listen ?? []) {
    if (l.max === null || l.max <= 0) continue;
    const ratio = l.queue / l.max;
    if (ratio >= t.listenQueueRatio) {
      alerts.push({
        kind: 'listen-queue',
        severity: l.queue >= l.max ? 'critical' : 'warning',
        keys: [`listen:${l.local}:${l.port}`],
        message: `accept queue of ${l.local}:${l.port} is ${l.queue}/${l.max}${l.queue >= l.max ? ' (full: new connections are dropped)' : ''}`,
        value: ratio,
        threshold: t.listenQueueRatio,
      });
    }
  }
  const ct = snapshot.conntrack;
  if (ct && ct.max !== null && ct.max > 0 && ct.count / ct.max >= t.conntrackRatio) {
    alerts.push({
      kind: 'conntrack',
      severity: ct.count / ct.max >= 0.98 ? 'critical' : 'warning',
      keys: ['conntrack:count'],
      message: `conntrack table ${ct.count}/${ct.max} (${Math.round((100 * ct.count) / ct.max)} %)`,
      value: ct.count / ct.max,
      threshold: t.conntrackRatio,
    });
  }
  if (!rates) return alerts;
  const rate = (k: string) => rates.perSec[k];
  const rising = (kind: string, keys: string[], limit: number, what: string, severity: Alert['severity'] = 'warning') => {
    for (const k of keys) {
      const r = rate(k);
      if (r !== undefined && r > limit) {
        alerts.push({ kind, severity, keys: [k], message: `${k} rising: ${fmt(r)}/s (${what})`, value: r, threshold: limit });
      }
    }
  };
  rising('listen-drops', ['TcpExt:ListenOverflows', 'TcpExt:ListenDrops'], t.listenDropsPerSec, 'a listen queue overflowed; SYNs or ACKs dropped', 'critical');
  rising('softnet-dropped', ['softnet:dropped'], t.softnetDroppedPerSec, 'backlog full, packets dropped', 'critical');
  rising('softnet-squeeze', ['softnet:time_squeeze'], t.softnetSqueezePerSec, 'NAPI budget or time ran out');
  rising('udp-rcvbuf', ['Udp:RcvbufErrors', 'Udp6:RcvbufErrors'], t.udpRcvbufErrorsPerSec, 'receive buffers full, datagrams dropped');
  rising('udp-noports', ['Udp:NoPorts', 'Udp6:NoPorts'], t.udpNoPortsPerSec, 'datagrams to closed ports');
  const retr = rate('Tcp:RetransSegs');
  const out = rate('Tcp:OutSegs');
  if (retr !== undefined) {
    if (retr > t.tcpRetransPerSec) {
      alerts.push({ kind: 'tcp-retrans', severity: 'warning', keys: ['Tcp:RetransSegs'], message: `TCP retransmits ${fmt(retr)}/s`, value: retr, threshold: t.tcpRetransPerSec });
    } else if (out !== undefined && out >= t.tcpRetransMinOutSegsPerSec && retr / out > t.tcpRetransRatio) {
      alerts.push({
        kind: 'tcp-retrans-ratio',
        severity: 'warning',
        keys: ['Tcp:RetransSegs', 'Tcp:OutSegs'],
        message: `TCP retransmits ${fmt((100 * retr) / out)} % of segments sent`,
        value: retr / out,
        threshold: t.tcpRetransRatio,
      });
    }
  }
  return alerts;
}
