// One socket as read from `ss` or /proc/net/{tcp,udp}*, before summarising.
export interface SocketEntry {
  proto: 'tcp' | 'udp';
  /** ss state names: ESTAB, LISTEN, SYN-SENT, SYN-RECV, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSE-WAIT,
   *  LAST-ACK, CLOSING, UNCONN. */
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  localPort: number;
  /** `*` when unconnected. */
  peer: string;
  /** null for `*`. */
  peerPort: number | null;
  /** Unrecovered retransmits when the retransmit timer is on (`timer:(on,…,N)` / retrnsmt), else 0. */
  timerRetrans: number;
  /** tcpi_total_retrans when read with tcp_info (`retrans:a/b`), else null. */
  totalRetrans: number | null;
}
