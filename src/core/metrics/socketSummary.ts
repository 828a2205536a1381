// Summarise a socket table the way monitoring agents do: counts by state, inbound vs outbound,
// per listening port, per remote address (remotes outside the host's subnets folded into `other`),
// accept queues of listening sockets, and retransmissions.
import { inSubnet, parseIP, unmapV4, type Subnet } from './ipaddr.ts';
import type { SocketSummary } from './snapshot.ts';
import type { SocketEntry } from './socketTable.ts';

/** The bucket for remote addresses outside the host's own subnets. */
export const OTHER_REMOTES = 'other';

export function summarizeSockets(entries: readonly SocketEntry[], ownSubnets: readonly Subnet[], via: SocketSummary['via']): SocketSummary {
  const byState: Record<string, number> = {};
  const udpByState: Record<string, number> = {};
  const listen: SocketSummary['listen'] = [];
  const listeningPorts = new Set<number>();
  for (const e of entries) {
    if (e.proto === 'udp') {
      udpByState[e.state] = (udpByState[e.state] ?? 0) + 1;
      continue;
    }
    byState[e.state] = (byState[e.state] ?? 0) + 1;
    if (e.state === 'LISTEN') {
      listeningPorts.add(e.localPort);
      listen.push({ local: unmapV4(e.local), port: e.localPort, queue: e.recvQ, max: via === 'ss' ? e.sendQ : null });
    }
  }
  let inbound = 0;
  let outbound = 0;
  const byPort: Record<string, number> = {};
  const byRemote: Record<string, number> = {};
  const ownCache = new Map<string, boolean>();
  const retrans = { sockets: 0, current: 0, total: null as number | null };
  for (const e of entries) {
    if (e.proto !== 'tcp' || e.state === 'LISTEN' || e.state === 'UNCONN' || e.state === 'CLOSED') continue;
    if (listeningPorts.has(e.localPort)) {
      inbound++;
      const k = String(e.localPort);
      byPort[k] = (byPort[k] ?? 0) + 1;
    } else outbound++;
    const remote = unmapV4(e.peer);
    let own = ownCache.get(remote);
    if (own === undefined) {
      const b = parseIP(remote);
      own = !!b && ownSubnets.some((s) => inSubnet(b, s));
      ownCache.set(remote, own);
    }
    const rk = own ? remote : OTHER_REMOTES;
    byRemote[rk] = (byRemote[rk] ?? 0) + 1;
    if (e.timerRetrans > 0) {
      retrans.sockets++;
      retrans.current += e.timerRetrans;
    }
    if (e.totalRetrans !== null) retrans.total = (retrans.total ?? 0) + e.totalRetrans;
  }
  listen.sort((a, b) => a.port - b.port || a.local.localeCompare(b.local));
  return { via, byState, udpByState, inbound, outbound, listen, byPort, byRemote, retrans, total: entries.length };
}
