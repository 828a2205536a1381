// /proc/net/snmp6: one `Name value` per line, e.g. `Ip6InReceives  42`, `Icmp6OutType133  2`.
// Names are split by prefix into groups Ip6, Icmp6, Udp6, UdpLite6, so the key is `Ip6:InReceives`.
// Absent when IPv6 is disabled.
import { parseDecimal, splitWords } from './headerValuePairs.ts';
import type { CounterGroups } from './snapshot.ts';

/** Longest prefixes first: `UdpLite6` must win over a shorter match. */
const PREFIXES = ['UdpLite6', 'Icmp6', 'Udp6', 'Ip6'];

export function splitSnmp6Name(name: string): [string, string] | null {
  for (const p of PREFIXES) {
    if (name.length > p.length && name.startsWith(p)) return [p, name.slice(p.length)];
  }
  return null;
}

export function parseSnmp6(text: string, issues: string[] = []): CounterGroups {
  const groups: CounterGroups = Object.create(null);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = splitWords(lines[i]);
    if (w.length === 0) continue;
    if (w.length !== 2) {
      issues.push(`line ${i + 1}: expected 'Name value'`);
      continue;
    }
    const v = parseDecimal(w[1]);
    if (v === null) {
      issues.push(`line ${i + 1}: not a number`);
      continue;
    }
    const split = splitSnmp6Name(w[0]);
    // Unknown prefixes are kept whole under group `Ip6Other` rather than dropped.
    const [group, name] = split ?? ['Ip6Other', w[0]];
    (groups[group] ?? (groups[group] = Object.create(null)))[name] = v;
  }
  return groups;
}
