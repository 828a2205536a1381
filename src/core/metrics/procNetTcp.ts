// Fallback socket table when `ss` is missing or unusable: /proc/net/tcp, tcp6, udp, udp6.
//   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//    0: 0100007F:0CEA 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 1065 …
// Slower than sock_diag (the kernel prints every socket as text) and a LISTEN socket shows its accept
// queue (rx_queue) but not the backlog maximum. Addresses are hex words in host byte order.
import { endianness } from 'node:os';
import { formatIPv6, unmapV4 } from './ipaddr.ts';
import { splitWords } from './headerValuePairs.ts';
import type { SocketEntry } from './socketTable.ts';

const TCP_STATES: Record<number, string> = {
  1: 'ESTAB', 2: 'SYN-SENT', 3: 'SYN-RECV', 4: 'FIN-WAIT-1', 5: 'FIN-WAIT-2', 6: 'TIME-WAIT',
  7: 'UNCONN', 8: 'CLOSE-WAIT', 9: 'LAST-ACK', 10: 'LISTEN', 11: 'CLOSING', 12: 'SYN-RECV',
};

const LE = endianness() === 'LE';

function word(hex: string, littleEndian: boolean): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? b.reverse() : b;
}

/** `0100007F` → `127.0.0.1`; 32 hex digits → compressed IPv6. null when malformed. */
export function decodeProcAddress(hex: string, littleEndian = LE): string | null {
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return null;
  if (hex.length === 8) return word(hex, littleEndian).join('.');
  if (hex.length === 32) {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 4; i++) bytes.set(word(hex.slice(i * 8, i * 8 + 8), littleEndian), i * 4);
    return unmapV4(formatIPv6(bytes));
  }
  return null;
}

/** Parse one /proc/net/{tcp,tcp6,udp,udp6} file. Unparseable lines go to `bad`. */
export function parseProcNetSockets(text: string, proto: 'tcp' | 'udp', bad: string[] = [], littleEndian = LE): SocketEntry[] {
  const out: SocketEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = splitWords(lines[i]);
    if (w.length === 0 || w[0] === 'sl') continue;
    if (w.length < 10 || !w[0].endsWith(':')) {
      bad.push(`line ${i + 1}`);
      continue;
    }
    const [la, lp] = w[1].split(':');
    const [ra, rp] = w[2].split(':');
    const local = decodeProcAddress(la ?? '', littleEndian);
    const peer = decodeProcAddress(ra ?? '', littleEndian);
    const st = parseInt(w[3], 16);
    const [txq, rxq] = w[4].split(':');
    const [tr] = w[5].split(':');
    if (!local || !peer || !/^[0-9A-Fa-f]{1,4}$/.test(lp ?? '') || !/^[0-9A-Fa-f]{1,4}$/.test(rp ?? '') || !TCP_STATES[st] || !/^[0-9A-Fa-f]+$/.test(txq ?? '') || !/^[0-9A-Fa-f]+$/.test(rxq ?? '')) {
      bad.push(`line ${i + 1}`);
      continue;
    }
    const peerPort = parseInt(rp, 16);
    const state = proto === 'udp' ? (st === 1 ? 'ESTAB' : 'UNCONN') : TCP_STATES[st];
    const retr = /^[0-9A-Fa-f]+$/.test(w[6]) ? parseInt(w[6], 16) : 0;
    out.push({
      proto,
      state,
      recvQ: parseInt(rxq, 16),
      // For LISTEN the kernel prints 0 here: the backlog maximum is not available.
      sendQ: parseInt(txq, 16),
      local,
      localPort: parseInt(lp, 16),
      peer: peerPort === 0 && /^0+$/.test(ra) ? '*' : peer,
      peerPort: peerPort === 0 ? null : peerPort,
      timerRetrans: tr === '01' ? retr : 0,
      totalRetrans: null,
    });
  }
  return out;
}
