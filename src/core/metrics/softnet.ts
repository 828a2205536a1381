// /proc/net/softnet_stat: one row of 32-bit hex columns per *online* CPU (offline CPUs are skipped,
// so the row index is not always the CPU number). The width depends on the kernel:
//    9: processed dropped time_squeeze 0 0 0 0 0 cpu_collision        (2.6 … 3.x)
//   10: + received_rps
//   11: + flow_limit_count                                             (3.11+)
//   13: + backlog_len cpu                                               (5.10+: the CPU number is a column)
//   15: + input_qlen process_qlen                                      (6.5+)
// Counters wrap at 2^32 (the sampler handles that). softnet_stat is global, not per network namespace.
import { splitWords } from './headerValuePairs.ts';
import type { SoftnetRow } from './snapshot.ts';

export const SOFTNET_COLUMNS: readonly (string | null)[] = [
  'processed',
  'dropped',
  'time_squeeze',
  null, // unused (was throttled / fastroute)
  null,
  null,
  null,
  null,
  'cpu_collision',
  'received_rps',
  'flow_limit_count',
  'backlog_len',
  'cpu',
  'input_qlen',
  'process_qlen',
];

/** Counters in softnet_stat are 32-bit. */
export const SOFTNET_COUNTER_BITS = 32;

export function parseSoftnet(text: string, issues: string[] = []): SoftnetRow[] {
  const rows: SoftnetRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const words = splitWords(lines[i]);
    if (words.length === 0) continue;
    if (words.length < 3) {
      issues.push(`row ${i + 1}: only ${words.length} columns`);
      continue;
    }
    const row: SoftnetRow = { cpu: rows.length, processed: 0, dropped: 0, time_squeeze: 0 };
    let ok = true;
    for (let k = 0; k < words.length; k++) {
      if (!/^[0-9a-fA-F]{1,16}$/.test(words[k])) {
        issues.push(`row ${i + 1}: column ${k} is not hex`);
        ok = false;
        break;
      }
      const name = k < SOFTNET_COLUMNS.length ? SOFTNET_COLUMNS[k] : 'col' + k;
      const v = parseInt(words[k], 16);
      if (name === null) continue; // always-zero legacy columns
      row[name] = v;
    }
    if (ok) rows.push(row);
  }
  return rows;
}

/** The sum of each column over all CPUs (except `cpu`). */
export function softnetTotals(rows: readonly SoftnetRow[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of rows) {
    for (const k in r) {
      if (k === 'cpu') continue;
      t[k] = (t[k] ?? 0) + r[k];
    }
  }
  return t;
}
