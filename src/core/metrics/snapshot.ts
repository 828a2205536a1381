// The common model every counter source maps onto (procfs, node_exporter, Prometheus).
// The UI and the alert logic only ever see a HostSnapshot, never where the numbers came from.

/** Counters of one group, by the kernel's own name: `{ RetransSegs: 12, CurrEstab: 3 }`. */
export type CounterGroup = Record<string, number>;

/**
 * Counter groups keyed by the kernel's group names: `Ip`, `Icmp`, `IcmpMsg`, `Tcp`, `Udp`, `UdpLite`
 * (/proc/net/snmp), `TcpExt`, `IpExt`, `MPTcpExt` (/proc/net/netstat), `Ip6`, `Icmp6`, `Udp6`, `UdpLite6`
 * (/proc/net/snmp6, split by name prefix). A counter's stable key is `Group:Name` (see counterKey).
 */
export type CounterGroups = Record<string, CounterGroup>;

/** One interface's /proc/net/dev row: `rx_bytes`, `rx_packets`, …, `tx_carrier`, `tx_compressed`. */
export type DeviceCounters = Record<string, number>;

/** One CPU's /proc/net/softnet_stat row. Known columns are named; unknown ones are kept as `col<N>`. */
export interface SoftnetRow {
  /** CPU number: from the kernel's own column when present (13+ columns), else the row index. */
  cpu: number;
  processed: number;
  dropped: number;
  time_squeeze: number;
  /** Other columns: cpu_collision, received_rps, flow_limit_count, backlog_len, input_qlen, process_qlen, colN. */
  [column: string]: number;
}

/** /proc/net/sockstat + sockstat6: `{ sockets: {used}, TCP: {inuse, orphan, tw, alloc, mem}, UDP6: {inuse}, … }` (all gauges). */
export type Sockstat = Record<string, Record<string, number>>;

/** Connection tracking table usage (gauges). */
export interface ConntrackInfo {
  count: number;
  /** null when the maximum is not readable. */
  max: number | null;
}

/** A listening TCP socket and its accept queue. */
export interface ListenSocket {
  /** Local address as printed by ss (`0.0.0.0`, `::`, `127.0.0.1`, `*`). */
  local: string;
  port: number;
  /** Connections waiting in the accept queue (Recv-Q of a LISTEN socket). */
  queue: number;
  /** The accept queue's maximum (Send-Q of a LISTEN socket); null when unknown (/proc/net/tcp fallback). */
  max: number | null;
}

/** A summary of the socket table (TCP and UDP, IPv4 and IPv6). */
export interface SocketSummary {
  /** Where the table came from: `ss` (netlink sock_diag), `proc` (/proc/net/tcp* fallback) or `node_exporter`. */
  via: 'ss' | 'proc' | 'prometheus';
  /** TCP sockets by ss state name: ESTAB, LISTEN, TIME-WAIT, SYN-SENT, … */
  byState: Record<string, number>;
  /** UDP sockets by state (UNCONN, ESTAB). */
  udpByState: Record<string, number>;
  /** TCP connections (not LISTEN) whose local port is a listening port. */
  inbound: number;
  /** Other TCP connections (not LISTEN). */
  outbound: number;
  /** Listening TCP sockets and their accept queues. */
  listen: ListenSocket[];
  /** Inbound connections per listening port (`"22": 3`). */
  byPort: Record<string, number>;
  /** TCP connections per remote address; remotes outside the host's subnets are folded into `other`. */
  byRemote: Record<string, number>;
  /** Retransmissions seen on sockets: `current` = sum of unrecovered retransmits of sockets whose
   *  retransmit timer is on; `sockets` = how many; `total` = sum of tcpi_total_retrans (only with tcpInfo). */
  retrans: { sockets: number; current: number; total: number | null };
  /** Number of sockets parsed. */
  total: number;
}

/** A part of the snapshot that could not be read, and why. */
export interface Unavailable {
  /** `snmp`, `netstat`, `snmp6`, `dev`, `softnet`, `sockstat`, `sockstat6`, `conntrack`, `sockets`, … */
  part: string;
  reason: string;
}

/** An alert raised by computeAlerts. */
export interface Alert {
  /** Stable kind: `listen-queue`, `conntrack`, `listen-overflows`, `softnet-dropped`, … */
  kind: string;
  severity: 'warning' | 'critical';
  /** Counter keys (`TcpExt:ListenOverflows`) or objects (`listen:0.0.0.0:80`) the alert is about. */
  keys: string[];
  message: string;
  value: number;
  threshold: number;
}

/** Everything known about the host's network counters at one moment. */
export interface HostSnapshot {
  /** `procfs`, `procfs:/proc/1234` (another netns), a node_exporter URL, or `prometheus:<url>#<selector>`. */
  source: string;
  /** Wall-clock time of the reading (ms since epoch). */
  time: number;
  /** Monotonic clock of the reading (ms), for rates; the sampler's clock. */
  mono: number;
  groups: CounterGroups;
  devices: Record<string, DeviceCounters>;
  softnet: SoftnetRow[];
  sockstat: Sockstat;
  /** null when connection tracking is not loaded or not reported. */
  conntrack: ConntrackInfo | null;
  /** null when no socket table was read for this snapshot (cheap sampler ticks, Prometheus). */
  sockets: SocketSummary | null;
  /** Notes that are not failures (e.g. the /proc/net/tcp fallback is slower and has no backlog maximum). */
  notes: string[];
  unavailable: Unavailable[];
}

/** The stable key of a counter: `Tcp:RetransSegs`. */
export function counterKey(group: string, name: string): string {
  return group + ':' + name;
}

/** Gauges among the kernel's counter groups: values that are levels, not running totals (no rates). */
export const GAUGE_KEYS: ReadonlySet<string> = new Set([
  'Ip:Forwarding',
  'Ip:DefaultTTL',
  'Tcp:RtoAlgorithm',
  'Tcp:RtoMin',
  'Tcp:RtoMax',
  'Tcp:MaxConn',
  'Tcp:CurrEstab',
]);

/** softnet_stat columns that are levels, not counters. */
export const SOFTNET_GAUGES: ReadonlySet<string> = new Set(['cpu', 'backlog_len', 'input_qlen', 'process_qlen']);

export function emptySnapshot(source: string, time: number, mono: number): HostSnapshot {
  return {
    source,
    time,
    mono,
    groups: {},
    devices: {},
    softnet: [],
    sockstat: {},
    conntrack: null,
    sockets: null,
    notes: [],
    unavailable: [],
  };
}
