// Named paths through the stack: each is a list of waypoints, searched segment by segment so the
// path goes where its name says (a TCP send passes through tcp_sendmsg, not udp_sendmsg).
import type { PathOptions } from './pathSearch.ts';
import type { GraphQueries } from './graphQueries.ts';
import type { CallEdge, PathResult } from './types.ts';

export const PRESETS: Record<string, { title: string; waypoints: string[] }> = {
  'tcp-send': { title: 'TCP send', waypoints: ['__sys_sendto', 'inet_sendmsg', 'tcp_sendmsg', 'tcp_push', 'tcp_write_xmit', 'ip_queue_xmit', 'ip_output', 'dev_queue_xmit', 'loopback_xmit'] },
  'udp-send': { title: 'UDP send', waypoints: ['__sys_sendto', 'inet_sendmsg', 'udp_sendmsg', 'ip_output', 'dev_queue_xmit', 'loopback_xmit'] },
  'tcp-receive': { title: 'TCP receive', waypoints: ['netif_receive_skb', 'ip_rcv', 'ip_local_deliver', 'tcp_v4_rcv', 'tcp_rcv_established', 'sock_def_readable'] },
  'udp-receive': { title: 'UDP receive', waypoints: ['netif_receive_skb', 'ip_rcv', 'ip_local_deliver', 'udp_rcv', '__udp4_lib_rcv'] },
  'netif-rx': { title: 'netif_rx to the backlog', waypoints: ['netif_rx', 'enqueue_to_backlog'] },
};

/** The preset called `name`, own entries only: `toString`, `constructor` and `__proto__` are not presets. */
export function presetNamed<T>(presets: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(presets, name) ? presets[name] : undefined;
}

/** A path through every waypoint in order; `found: false` names the segment that failed. */
export function waypointPath(graph: Pick<GraphQueries, 'path'>, waypoints: string[], opts: PathOptions = {}): PathResult & { failedSegment?: [string, string] } {
  const functions = [waypoints[0]];
  const edges: CallEdge[] = [];
  let depth = 0;
  for (let i = 0; i + 1 < waypoints.length; i++) {
    const r = graph.path(waypoints[i], waypoints[i + 1], { ...opts, k: 1 });
    depth += r.depth;
    if (!r.found) return { found: false, functions, edges, depth, failedSegment: [waypoints[i], waypoints[i + 1]] };
    functions.push(...r.functions.slice(1));
    edges.push(...r.edges);
  }
  return { found: true, functions, edges, depth };
}
