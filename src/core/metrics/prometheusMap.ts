// Map node_exporter metric names onto the HostSnapshot model, so the UI does not care where numbers
// come from. Used for both a node_exporter /metrics page and a Prometheus server's query results.
//   node_netstat_<Group>_<Name>               → groups[Group][Name]        (node_netstat_Tcp_RetransSegs)
//   node_sockstat_<PROTO>_<field>             → sockstat[PROTO][field]     (node_sockstat_TCP_inuse)
//   node_softnet_<col>_total{cpu}             → softnet[].<col>            (times_squeezed → time_squeeze)
//   node_nf_conntrack_entries[_limit]         → conntrack.count / .max
//   node_network_{receive,transmit}_<c>_total{device} → devices[device].{rx,tx}_<c>
import type { PromSample } from './prometheusText.ts';
import { emptySnapshot, type HostSnapshot, type SoftnetRow } from './snapshot.ts';

const SOFTNET_NAMES = new Map([
  ['processed', 'processed'],
  ['dropped', 'dropped'],
  ['times_squeezed', 'time_squeeze'],
  ['received_rps', 'received_rps'],
  ['flow_limit_count', 'flow_limit_count'],
  ['cpu_collision', 'cpu_collision'],
]);

/** True when the samples include anything node_exporter-like we can use. */
export function hasNodeMetrics(samples: readonly PromSample[]): boolean {
  return samples.some((s) => /^node_(netstat|sockstat|softnet|nf_conntrack|network)_/.test(s.name));
}

export function samplesToSnapshot(samples: readonly PromSample[], source: string, time: number, mono: number): HostSnapshot {
  const snap = emptySnapshot(source, time, mono);
  const softnet = new Map<number, SoftnetRow>();
  let ctCount: number | null = null;
  let ctMax: number | null = null;
  const safe = (k: string) => k !== '__proto__';
  for (const s of samples) {
    const n = s.name;
    if (!Number.isFinite(s.value)) continue;
    if (n.startsWith('node_netstat_')) {
      const rest = n.slice('node_netstat_'.length);
      const u = rest.indexOf('_');
      if (u <= 0 || u === rest.length - 1) continue;
      const group = rest.slice(0, u);
      const name = rest.slice(u + 1);
      if (!safe(group) || !safe(name)) continue;
      (snap.groups[group] ?? (snap.groups[group] = Object.create(null)))[name] = s.value;
    } else if (n.startsWith('node_sockstat_')) {
      const rest = n.slice('node_sockstat_'.length);
      const u = rest.indexOf('_');
      if (u <= 0 || u === rest.length - 1) continue;
      const proto = rest.slice(0, u);
      const field = rest.slice(u + 1);
      // mem_bytes is node_exporter's own pages × page size; procfs has `mem` (pages) already.
      if (field === 'mem_bytes' || !safe(proto) || !safe(field)) continue;
      (snap.sockstat[proto] ?? (snap.sockstat[proto] = Object.create(null)))[field] = s.value;
    } else if (n.startsWith('node_softnet_')) {
      const cpu = Number(s.labels.cpu);
      if (!Number.isInteger(cpu) || cpu < 0) continue;
      let col = n.slice('node_softnet_'.length);
      if (col.endsWith('_total')) col = col.slice(0, -6);
      const mapped = SOFTNET_NAMES.get(col) ?? col;
      if (!safe(mapped)) continue;
      let row = softnet.get(cpu);
      if (!row) softnet.set(cpu, (row = { cpu, processed: 0, dropped: 0, time_squeeze: 0 }));
      row[mapped] = s.value;
    } else if (n === 'node_nf_conntrack_entries') {
      ctCount = s.value;
    } else if (n === 'node_nf_conntrack_entries_limit') {
      ctMax = s.value;
    } else if (n.startsWith('node_network_') && n.endsWith('_total')) {
      const m = /^node_network_(receive|transmit)_(\w+)_total$/.exec(n);
      const dev = s.labels.device;
      if (!m || !dev || !safe(dev)) continue;
      const d = snap.devices[dev] ?? (snap.devices[dev] = Object.create(null));
      d[(m[1] === 'receive' ? 'rx_' : 'tx_') + m[2]] = s.value;
    }
  }
  snap.softnet = [...softnet.values()].sort((a, b) => a.cpu - b.cpu);
  if (ctCount !== null) snap.conntrack = { count: ctCount, max: ctMax };
  const missing = (part: string, reason: string) => snap.unavailable.push({ part, reason });
  if (Object.keys(snap.groups).length === 0) missing('netstat', 'no node_netstat_* metrics (netstat collector disabled?)');
  if (Object.keys(snap.devices).length === 0) missing('dev', 'no node_network_*_total metrics');
  if (snap.softnet.length === 0) missing('softnet', 'no node_softnet_* metrics');
  if (Object.keys(snap.sockstat).length === 0) missing('sockstat', 'no node_sockstat_* metrics');
  if (!snap.conntrack) missing('conntrack', 'no node_nf_conntrack_entries (conntrack not loaded on that host?)');
  missing('sockets', 'node_exporter exposes no socket table');
  return snap;
}
