// The "header line + value line" layout shared by /proc/net/snmp and /proc/net/netstat:
//   Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ...
//   Tcp: 1 200 120000 -1 ...
// A group's prefix can repeat (IcmpMsg prints 16 columns per pair), so pairs of the same group merge.
import type { CounterGroups } from './snapshot.ts';

/** Parse header/value line pairs into groups. Never throws; problems go to `issues`. */
export function parseHeaderValuePairs(text: string, issues: string[] = []): CounterGroups {
  const groups: CounterGroups = Object.create(null);
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const header = lines[i];
    if (header.trim() === '') {
      i++;
      continue;
    }
    const hc = header.indexOf(':');
    if (hc <= 0) {
      issues.push(`line ${i + 1}: no 'Group:' prefix`);
      i++;
      continue;
    }
    const group = header.slice(0, hc).trim();
    const values = lines[i + 1];
    const vc = values === undefined ? -1 : values.indexOf(':');
    if (values === undefined || vc <= 0 || values.slice(0, vc).trim() !== group) {
      issues.push(`line ${i + 1}: group '${group}' has no value line`);
      i++;
      continue;
    }
    const names = splitWords(header.slice(hc + 1));
    const nums = splitWords(values.slice(vc + 1));
    if (names.length !== nums.length) {
      issues.push(`group '${group}': ${names.length} names but ${nums.length} values`);
    }
    const g = groups[group] ?? (groups[group] = Object.create(null));
    const n = Math.min(names.length, nums.length);
    for (let k = 0; k < n; k++) {
      const v = parseDecimal(nums[k]);
      if (v === null) {
        issues.push(`${group}:${names[k]}: not a number '${nums[k].slice(0, 20)}'`);
        continue;
      }
      g[names[k]] = v;
    }
    i += 2;
  }
  return groups;
}

export function splitWords(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || c === 9 || c === 13;
    if (space) {
      if (start >= 0) {
        out.push(s.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** A signed decimal integer (`-1` for Tcp:MaxConn), or null. */
export function parseDecimal(s: string): number | null {
  if (!/^-?\d+$/.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}
