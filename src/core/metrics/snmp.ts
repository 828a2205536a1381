// /proc/net/snmp: Ip, Icmp, IcmpMsg, Tcp, Udp, UdpLite as header/value line pairs.
// Traps: IcmpMsg lists only non-zero types (its columns change between reads, its prefix can repeat);
// Tcp:MaxConn is signed (-1); Tcp:CurrEstab and Tcp:MaxConn are gauges (see GAUGE_KEYS).
import { parseHeaderValuePairs } from './headerValuePairs.ts';
import type { CounterGroups } from './snapshot.ts';

export function parseSnmp(text: string, issues: string[] = []): CounterGroups {
  return parseHeaderValuePairs(text, issues);
}
