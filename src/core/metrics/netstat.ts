// /proc/net/netstat: TcpExt, IpExt, MPTcpExt (and more on newer kernels) as header/value line pairs.
import { parseHeaderValuePairs } from './headerValuePairs.ts';
import type { CounterGroups } from './snapshot.ts';

export function parseNetstat(text: string, issues: string[] = []): CounterGroups {
  return parseHeaderValuePairs(text, issues);
}
