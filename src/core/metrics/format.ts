// Plain-text rendering of snapshots and rates for the CLI (`counters`, `watch`). No terminal codes here.
import type { Rates } from './rates.ts';
import type { Alert, HostSnapshot, SocketSummary } from './snapshot.ts';
import { softnetTotals } from './softnet.ts';

export function fmtNum(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  const a = Math.abs(n);
  if (a >= 1e12) return (n / 1e12).toFixed(1) + 'T';
  if (a >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A unicode sparkline of the last `width` values (NaN drawn as a space). */
export function sparkline(values: readonly number[], width = 30): string {
  const v = values.slice(-width);
  const finite = v.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return '';
  const max = Math.max(...finite);
  const min = Math.min(0, ...finite);
  return v
    .map((x) => (Number.isFinite(x) ? SPARKS[max === min ? 0 : Math.min(7, Math.floor(((x - min) / (max - min)) * 7.999))] : ' '))
    .join('');
}

function pick(g: Record<string, number> | undefined, names: string[]): string {
  if (!g) return 'unavailable';
  return names.map((n) => `${n} ${fmtNum(g[n])}`).join(', ');
}

export function formatSockets(s: SocketSummary | null): string[] {
  if (!s) return ['Sockets   not read'];
  const states = Object.entries(s.byState)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [`Sockets   (${s.via}) TCP ${states || 'none'}; inbound ${s.inbound}, outbound ${s.outbound}; UDP ${Object.entries(s.udpByState).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`];
  for (const l of s.listen.slice(0, 20)) {
    const inb = s.byPort[String(l.port)] ?? 0;
    lines.push(`  listen  ${l.local}:${l.port}  accept queue ${l.queue}/${l.max ?? '?'}  inbound ${inb}`);
  }
  if (s.listen.length > 20) lines.push(`  … ${s.listen.length - 20} more listening sockets`);
  const remotes = Object.entries(s.byRemote).sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (remotes.length) lines.push(`  remotes ${remotes.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.retrans.sockets > 0 || s.retrans.total) {
    lines.push(`  retrans ${s.retrans.sockets} socket(s) retransmitting, ${s.retrans.current} unrecovered${s.retrans.total !== null ? `, ${s.retrans.total} in total` : ''}`);
  }
  return lines;
}

export function formatAlerts(alerts: readonly Alert[]): string[] {
  return alerts.map((a) => `  [${a.severity}] ${a.message}`);
}

/** The readable summary of `counters` (without --json). */
export function formatSnapshot(s: HostSnapshot, alerts: readonly Alert[], rates: Rates | null): string {
  const g = s.groups;
  const r = (k: string) => (rates ? ` (${fmtNum(rates.perSec[k] ?? 0)}/s)` : '');
  const lines: string[] = [];
  lines.push(`Source    ${s.source} at ${new Date(s.time).toISOString()}`);
  lines.push(`TCP       ${pick(g.Tcp, ['CurrEstab', 'ActiveOpens', 'PassiveOpens', 'InSegs', 'OutSegs'])}; RetransSegs ${fmtNum(g.Tcp?.RetransSegs)}${r('Tcp:RetransSegs')}`);
  lines.push(`TcpExt    ListenOverflows ${fmtNum(g.TcpExt?.ListenOverflows)}${r('TcpExt:ListenOverflows')}, ListenDrops ${fmtNum(g.TcpExt?.ListenDrops)}${r('TcpExt:ListenDrops')}, TCPTimeouts ${fmtNum(g.TcpExt?.TCPTimeouts)}`);
  lines.push(`UDP       ${pick(g.Udp, ['InDatagrams', 'OutDatagrams', 'InErrors'])}; NoPorts ${fmtNum(g.Udp?.NoPorts)}${r('Udp:NoPorts')}, RcvbufErrors ${fmtNum(g.Udp?.RcvbufErrors)}${r('Udp:RcvbufErrors')}`);
  if (g.Ip6) lines.push(`IPv6      ${pick(g.Ip6, ['InReceives', 'OutRequests', 'InDiscards'])}; Udp6 NoPorts ${fmtNum(g.Udp6?.NoPorts)}`);
  for (const [name, d] of Object.entries(s.devices)) {
    lines.push(`Device    ${name.padEnd(10)} rx ${fmtNum(d.rx_bytes)} B ${fmtNum(d.rx_packets)} pkts (drop ${fmtNum(d.rx_drop)}), tx ${fmtNum(d.tx_bytes)} B ${fmtNum(d.tx_packets)} pkts (drop ${fmtNum(d.tx_drop)})`);
  }
  if (s.softnet.length) {
    const t = softnetTotals(s.softnet);
    lines.push(`Softnet   ${s.softnet.length} CPU(s): processed ${fmtNum(t.processed)}, dropped ${fmtNum(t.dropped)}${r('softnet:dropped')}, time_squeeze ${fmtNum(t.time_squeeze)}${r('softnet:time_squeeze')}`);
  }
  const ss = s.sockstat;
  if (ss.TCP) lines.push(`Sockstat  sockets ${fmtNum(ss.sockets?.used)}; TCP ${Object.entries(ss.TCP).map(([k, v]) => `${k} ${v}`).join(' ')}; UDP inuse ${fmtNum(ss.UDP?.inuse)}; TCP6 inuse ${fmtNum(ss.TCP6?.inuse)}`);
  lines.push(`Conntrack ${s.conntrack ? `${s.conntrack.count} / ${s.conntrack.max ?? '?'}` : 'unavailable'}`);
  lines.push(...formatSockets(s.sockets));
  if (alerts.length) lines.push('Alerts', ...formatAlerts(alerts));
  if (s.unavailable.length) lines.push('Unavailable', ...s.unavailable.map((u) => `  ${u.part}: ${u.reason}`));
  if (s.notes.length) lines.push('Notes', ...s.notes.map((n) => `  ${n}`));
  return lines.join('\n') + '\n';
}

/** The main rates shown by `watch`, in display order: [key, label]. */
export const WATCH_KEYS: ReadonlyArray<[string, string]> = [
  ['Tcp:InSegs', 'TCP segs in'],
  ['Tcp:OutSegs', 'TCP segs out'],
  ['Tcp:RetransSegs', 'TCP retrans'],
  ['Tcp:ActiveOpens', 'TCP active opens'],
  ['Tcp:PassiveOpens', 'TCP passive opens'],
  ['TcpExt:ListenOverflows', 'Listen overflows'],
  ['TcpExt:ListenDrops', 'Listen drops'],
  ['Udp:InDatagrams', 'UDP in'],
  ['Udp:OutDatagrams', 'UDP out'],
  ['Udp:NoPorts', 'UDP no port'],
  ['Udp:RcvbufErrors', 'UDP rcvbuf errors'],
  ['Ip6:InReceives', 'IPv6 in'],
  ['softnet:processed', 'softnet processed'],
  ['softnet:dropped', 'softnet dropped'],
  ['softnet:time_squeeze', 'softnet squeezed'],
];
