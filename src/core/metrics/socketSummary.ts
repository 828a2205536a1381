// Summarise a socket table the way monitoring agents do: counts by state, inbound vs outbound,
// per listening port, per remote address (remotes outside the host's subnets folded into `other`),
// accept queues of listening sockets, and retransmissions. Order-independent: a connection is inbound
// when its local port is a listening port, whichever the dump lists first.
import { inSubnet, parseIP, unmapV4, type Subnet } from './ipaddr.ts';
import type { SocketSummary } from './snapshot.ts';
import type { SocketEntry } from './socketTable.ts';

/** The bucket for remote addresses outside the host's own subnets. */
export const OTHER_REMOTES = 'other';

/** Accumulates sockets one by one (from a parsed table or straight from ss's byte stream). */
export class SocketAccumulator {
  private readonly byState: Record<string, number> = {};
  private readonly udpByState: Record<string, number> = {};
  private readonly listen: SocketSummary['listen'] = [];
  private readonly listening = new Set<number>();
  /** Connections (not LISTEN) per local port. */
  private readonly perLocalPort = new Uint32Array(65536);
  private readonly byRemote: Record<string, number> = {};
  private readonly ownCache = new Map<string, string>();
  private readonly retrans = { sockets: 0, current: 0, total: null as number | null };
  private connections = 0;
  private total = 0;

  constructor(
    private readonly ownSubnets: readonly Subnet[],
    private readonly via: SocketSummary['via'],
  ) {}

  /** The byRemote bucket of a peer address: itself when inside the host's subnets, else `other`. */
  private bucket(peer: string): string {
    let b = this.ownCache.get(peer);
    if (b === undefined) {
      const addr = unmapV4(peer);
      const bytes = parseIP(addr);
      b = bytes && this.ownSubnets.some((s) => inSubnet(bytes, s)) ? addr : OTHER_REMOTES;
      this.ownCache.set(peer, b);
    }
    return b;
  }

  addUdp(state: string): void {
    this.total++;
    this.udpByState[state] = (this.udpByState[state] ?? 0) + 1;
  }

  addTcp(state: string, recvQ: number, sendQ: number, local: string | null, localPort: number, peer: string, timerRetrans: number, totalRetrans: number | null): void {
    this.total++;
    this.byState[state] = (this.byState[state] ?? 0) + 1;
    if (state === 'LISTEN') {
      this.listening.add(localPort);
      this.listen.push({ local: unmapV4(local ?? '*'), port: localPort, queue: recvQ, max: this.via === 'ss' ? sendQ : null });
      return;
    }
    if (state === 'UNCONN' || state === 'CLOSED') return;
    this.connections++;
    this.perLocalPort[localPort & 0xffff]++;
    const rk = this.bucket(peer);
    this.byRemote[rk] = (this.byRemote[rk] ?? 0) + 1;
    if (timerRetrans > 0) {
      this.retrans.sockets++;
      this.retrans.current += timerRetrans;
    }
    if (totalRetrans !== null) this.retrans.total = (this.retrans.total ?? 0) + totalRetrans;
  }

  add(e: SocketEntry): void {
    if (e.proto === 'udp') this.addUdp(e.state);
    else this.addTcp(e.state, e.recvQ, e.sendQ, e.local, e.localPort, e.peer, e.timerRetrans, e.totalRetrans);
  }

  finish(): SocketSummary {
    const byPort: Record<string, number> = {};
    let inbound = 0;
    for (const p of [...this.listening].sort((a, b) => a - b)) {
      const n = this.perLocalPort[p];
      if (n > 0) {
        byPort[String(p)] = n;
        inbound += n;
      }
    }
    const listen = [...this.listen].sort((a, b) => a.port - b.port || a.local.localeCompare(b.local));
    return {
      via: this.via,
      byState: this.byState,
      udpByState: this.udpByState,
      inbound,
      outbound: this.connections - inbound,
      listen,
      byPort,
      byRemote: this.byRemote,
      retrans: { ...this.retrans },
      total: this.total,
    };
  }
}

export function summarizeSockets(entries: readonly SocketEntry[], ownSubnets: readonly Subnet[], via: SocketSummary['via']): SocketSummary {
  const acc = new SocketAccumulator(ownSubnets, via);
  for (const e of entries) acc.add(e);
  return acc.finish();
}
