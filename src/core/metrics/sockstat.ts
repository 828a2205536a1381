// /proc/net/sockstat and /proc/net/sockstat6: `PROTO: key value key value ...` lines, all gauges.
//   sockets: used 9
//   TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 338      (mem in pages)
//   TCP6: inuse 0
import { parseDecimal, splitWords } from './headerValuePairs.ts';
import type { Sockstat } from './snapshot.ts';

export function parseSockstat(text: string, issues: string[] = [], into: Sockstat = Object.create(null)): Sockstat {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      issues.push(`line ${i + 1}: no 'PROTO:'`);
      continue;
    }
    const proto = line.slice(0, colon).trim();
    const w = splitWords(line.slice(colon + 1));
    if (w.length % 2 !== 0) issues.push(`${proto}: odd number of words`);
    const g = into[proto] ?? (into[proto] = Object.create(null));
    for (let k = 0; k + 1 < w.length; k += 2) {
      const v = parseDecimal(w[k + 1]);
      if (v === null) {
        issues.push(`${proto}:${w[k]}: not a number`);
        continue;
      }
      g[w[k]] = v;
    }
  }
  return into;
}
