// Connection tracking usage. /proc/sys/net/netfilter/nf_conntrack_count and _max exist only when the
// nf_conntrack module is loaded. /proc/sys shows the *reader's* network namespace, so for another
// namespace the count comes from /proc/<pid>/net/stat/nf_conntrack (first column `entries`, hex).
import { splitWords } from './headerValuePairs.ts';

/** A single non-negative decimal integer file (`262144\n`), or null. */
export function parseSingleInteger(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : null;
}

/** `entries` from /proc/net/stat/nf_conntrack (same value on every CPU row), or null. */
export function parseConntrackStatEntries(text: string): number | null {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return null;
  const header = splitWords(lines[0]);
  const idx = header.indexOf('entries');
  if (idx < 0) return null;
  const w = splitWords(lines[1]);
  if (idx >= w.length || !/^[0-9a-fA-F]{1,16}$/.test(w[idx])) return null;
  return parseInt(w[idx], 16);
}
