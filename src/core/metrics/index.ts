// Live host network counters: procfs (default), sockets through `ss` (netlink sock_diag), and remote
// hosts through node_exporter or a Prometheus server — all mapped onto HostSnapshot.
// Pure TypeScript: no vscode, no DOM.
export * from './snapshot.ts';
export { takeSnapshot, parseSource, type SourceSpec, type SnapshotOptions } from './source.ts';
export { readProcfs, type ProcfsOptions } from './procfsSource.ts';
export { readNodeExporter, readPrometheus } from './prometheusSources.ts';
export { Sampler, type Sample, type SamplerOptions, type SnapshotTaker, type Timers } from './sampler.ts';
export { computeAlerts, DEFAULT_THRESHOLDS, type AlertThresholds } from './alerts.ts';
export { computeRates, flattenCounters, flattenGauges, type Rates } from './rates.ts';
export { HistoryRing } from './history.ts';
export { systemClock, readTextFile, type Clock, type ReadFn } from './clock.ts';
export { redactUrl } from './http.ts';
export { execFileText, type ExecFn } from './ss.ts';
export { parseSnmp } from './snmp.ts';
export { parseNetstat } from './netstat.ts';
export { parseSnmp6 } from './snmp6.ts';
export { parseNetDev } from './netdev.ts';
export { parseSoftnet, softnetTotals } from './softnet.ts';
export { parseSockstat } from './sockstat.ts';
export { parseSs } from './ss.ts';
export { parseProcNetSockets } from './procNetTcp.ts';
export { parsePromText } from './prometheusText.ts';
export { samplesToSnapshot } from './prometheusMap.ts';
export { summarizeSockets } from './socketSummary.ts';
