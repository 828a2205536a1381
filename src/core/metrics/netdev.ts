// /proc/net/dev: two header lines, then `  name: rx columns | tx columns` per interface.
//   Inter-|   Receive                                                |  Transmit
//    face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
// Column names come from the second header line (rx_bytes … tx_compressed), so extra columns are kept.
import { splitWords } from './headerValuePairs.ts';
import type { DeviceCounters } from './snapshot.ts';

const DEFAULT_RX = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'];
const DEFAULT_TX = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'];

export function parseNetDev(text: string, issues: string[] = []): Record<string, DeviceCounters> {
  const devices: Record<string, DeviceCounters> = Object.create(null);
  const lines = text.split('\n');
  let columns = [...DEFAULT_RX.map((c) => 'rx_' + c), ...DEFAULT_TX.map((c) => 'tx_' + c)];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (line.includes('|')) {
      // A header line. The one with column names has three '|'-separated parts: face | rx | tx.
      const parts = line.split('|');
      if (parts.length >= 3 && /bytes/.test(parts[1])) {
        const rx = splitWords(parts[1]);
        const tx = splitWords(parts[2]);
        columns = [...rx.map((c) => 'rx_' + c), ...tx.map((c) => 'tx_' + c)];
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      issues.push(`line ${i + 1}: no 'name:'`);
      continue;
    }
    const name = line.slice(0, colon).trim();
    if (!name) {
      issues.push(`line ${i + 1}: empty interface name`);
      continue;
    }
    const nums = splitWords(line.slice(colon + 1));
    if (nums.length !== columns.length) issues.push(`${name}: ${nums.length} values for ${columns.length} columns`);
    const dev: DeviceCounters = Object.create(null);
    for (let k = 0; k < nums.length; k++) {
      if (!/^\d+$/.test(nums[k])) {
        issues.push(`${name}: column ${k} not a number`);
        continue;
      }
      dev[k < columns.length ? columns[k] : 'col' + k] = Number(nums[k]);
    }
    devices[name] = dev;
  }
  return devices;
}
