// Small IPv4/IPv6 helpers: parse to bytes, test subnet membership, normalise v4-mapped addresses.
import { networkInterfaces } from 'node:os';

/** An address prefix the host owns, e.g. 192.168.1.0/24 or ::1/128. */
export interface Subnet {
  bytes: Uint8Array;
  prefix: number;
}

export function parseIPv4(s: string): Uint8Array | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(p[i])) return null;
    const v = Number(p[i]);
    if (v > 255) return null;
    b[i] = v;
  }
  return b;
}

export function parseIPv6(s: string): Uint8Array | null {
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = parse(halves[0]);
  const b = halves.length === 2 ? parse(halves[1]) : [];
  if (!a || !b) return null;
  const groups = halves.length === 2 ? [...a, ...new Array(8 - a.length - b.length).fill(0), ...b] : a;
  if (groups.length !== 8 || a.length + b.length > (halves.length === 2 ? 7 : 8)) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function parseIP(s: string): Uint8Array | null {
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s);
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; other addresses unchanged. */
export function unmapV4(addr: string): string {
  return addr.startsWith('::ffff:') && addr.indexOf('.') > 0 ? addr.slice(7) : addr;
}

export function parseCidr(cidr: string): Subnet | null {
  const slash = cidr.indexOf('/');
  if (slash < 0) return null;
  const bytes = parseIP(cidr.slice(0, slash));
  const prefix = Number(cidr.slice(slash + 1));
  if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) return null;
  return { bytes, prefix };
}

export function inSubnet(addr: Uint8Array, net: Subnet): boolean {
  if (addr.length !== net.bytes.length) return false;
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net.bytes[i]) return false;
  const rem = net.prefix & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (addr[full] & mask) === (net.bytes[full] & mask);
}

/** Loopback ranges always count as the host's own. */
export const LOOPBACK_SUBNETS: readonly Subnet[] = [parseCidr('127.0.0.0/8')!, parseCidr('::1/128')!];

/** The subnets of this process's network namespace (from os.networkInterfaces) plus loopback. */
export function localSubnets(): Subnet[] {
  const out: Subnet[] = [...LOOPBACK_SUBNETS];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const s = a.cidr ? parseCidr(a.cidr) : null;
      if (s) out.push(s);
    }
  }
  return out;
}

/** Subnets from `ip -j addr show` JSON (used for another network namespace), plus loopback. */
export function subnetsFromIpJson(json: string): Subnet[] {
  const out: Subnet[] = [...LOOPBACK_SUBNETS];
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return out;
  }
  if (!Array.isArray(data)) return out;
  for (const link of data) {
    const infos = (link as { addr_info?: unknown }).addr_info;
    if (!Array.isArray(infos)) continue;
    for (const ai of infos) {
      const { local, prefixlen } = ai as { local?: unknown; prefixlen?: unknown };
      if (typeof local === 'string' && typeof prefixlen === 'number') {
        const s = parseCidr(`${local}/${prefixlen}`);
        if (s) out.push(s);
      }
    }
  }
  return out;
}

/** Format 16 bytes as a compressed IPv6 address (`::1`, `fe80::1`). */
export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}
