#!/usr/bin/env python3
"""Socket load for scripts/traffic.sh: one role per process, run inside a namespace with `ip netns exec`.

Roles (all loop until the given number of seconds has passed):
  server ADDR4 ADDR6        TCP echo (v4+v6), UDP echo (v4+v6), UDP-Lite sink, unix stream/dgram pairs
  client PEER4 PEER6        TCP connect/send/recv, UDP send/recv, UDP-Lite, raw ICMP echo, ping sockets (v4+v6)
  capture IFNAME            AF_PACKET: a plain socket (packet_rcv) and a mmap ring (tpacket_rcv)
  udp-to ADDR PORT          UDP datagrams to one address (VXLAN overlay traffic)
Only the standard library: the machine has no ping/nc/tcpdump.
"""
import mmap
import os
import select
import socket
import struct
import sys
import threading
import time

PORT = 7011
UDPLITE = 136


def until(seconds):
    end = time.time() + seconds
    return lambda: time.time() < end


def v6only(s, family):
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)


def tcp_server(family, addr, alive):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    v6only(s, family)
    s.bind((addr, PORT))
    s.listen(64)
    s.settimeout(0.5)
    while alive():
        try:
            c, _ = s.accept()
        except OSError:
            continue
        threading.Thread(target=echo_stream, args=(c, alive), daemon=True).start()


def echo_stream(c, alive):
    c.settimeout(2)
    try:
        while alive():
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()


def udp_server(family, addr, alive, proto=0):
    s = socket.socket(family, socket.SOCK_DGRAM, proto)
    v6only(s, family)
    s.bind((addr, PORT + (1 if proto else 0)))
    s.settimeout(0.5)
    while alive():
        try:
            d, peer = s.recvfrom(65536)
            s.sendto(d, peer)
        except OSError:
            continue


def unix_pairs(alive):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    x, y = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    msg = b"u" * 2048
    while alive():
        a.sendall(msg)
        b.recv(4096)
        x.send(msg)
        y.recv(4096)


def tcp_client(family, peer, alive):
    msg = b"t" * 3000
    while alive():
        try:
            s = socket.create_connection((peer, PORT), timeout=2)
            for _ in range(20):
                s.sendall(msg)
                got = 0
                while got < len(msg):
                    d = s.recv(65536)
                    if not d:
                        break
                    got += len(d)
            s.close()
        except OSError:
            time.sleep(0.1)


def udp_client(family, peer, alive, proto=0):
    s = socket.socket(family, socket.SOCK_DGRAM, proto)
    if proto == UDPLITE:
        s.setsockopt(UDPLITE, 10, 8)  # UDPLITE_SEND_CSCOV
    s.settimeout(0.5)
    port = PORT + (1 if proto else 0)
    while alive():
        try:
            s.sendto(b"d" * 1200, (peer, port))
            s.recv(65536)
        except OSError:
            time.sleep(0.01)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp_client(family, peer, alive):
    """Raw ICMP echo (raw_sendmsg → raw_getfrag) and ping sockets (ping_getfrag), v4 or v6."""
    v6 = family == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    raw = socket.socket(family, socket.SOCK_RAW, proto)
    raw.settimeout(0.2)
    try:
        ping = socket.socket(family, socket.SOCK_DGRAM, proto)
        ping.settimeout(0.2)
    except OSError:
        ping = None
    seq = 0
    while alive():
        seq = (seq + 1) & 0xFFFF
        typ = 128 if v6 else 8
        body = struct.pack("!BBHHH", typ, 0, 0, 0x1111, seq) + b"p" * 56
        if not v6:
            body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        for s in (raw, ping):
            if s is None:
                continue
            try:
                s.sendto(body, (peer, 0))
                s.recv(2048)
            except OSError:
                pass


def capture(ifname, alive):
    """A plain packet socket and a TPACKET_V1 receive ring on the same interface."""
    ETH_P_ALL = 3
    plain = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    plain.bind((ifname, 0))
    ring = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    block, nblocks, frame = 1 << 16, 8, 1 << 11
    ring.setsockopt(263, 5, struct.pack("IIII", block, nblocks, frame, block * nblocks // frame))  # PACKET_RX_RING
    ring.bind((ifname, 0))
    mem = mmap.mmap(ring.fileno(), block * nblocks)
    nframes = block * nblocks // frame
    i = 0
    while alive():
        r, _, _ = select.select([plain, ring], [], [], 0.2)
        if plain in r:
            plain.recv(65536)
        if ring in r:
            # hand every used frame back to the kernel (tp_status = TP_STATUS_KERNEL)
            for _ in range(nframes):
                off = i * frame
                if struct.unpack_from("L", mem, off)[0] & 1 == 0:
                    break
                struct.pack_into("L", mem, off, 0)
                i = (i + 1) % nframes


def udp_to(addr, port, alive):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while alive():
        try:
            s.sendto(b"v" * 800, (addr, int(port)))
        except OSError:
            pass
        time.sleep(0.0005)


def run(threads):
    ts = [threading.Thread(target=f, args=a, daemon=True) for f, a in threads]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def main():
    role, seconds, rest = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    alive = until(seconds)
    A4, A6 = socket.AF_INET, socket.AF_INET6
    if role == "server":
        a4, a6 = rest
        run([(tcp_server, (A4, a4, alive)), (tcp_server, (A6, a6, alive)),
             (udp_server, (A4, a4, alive)), (udp_server, (A6, a6, alive)),
             (udp_server, (A4, a4, alive, UDPLITE)), (unix_pairs, (alive,))])
    elif role == "client":
        p4, p6 = rest
        run([(tcp_client, (A4, p4, alive)), (tcp_client, (A6, p6, alive)),
             (udp_client, (A4, p4, alive)), (udp_client, (A6, p6, alive)),
             (udp_client, (A4, p4, alive, UDPLITE)),
             (icmp_client, (A4, p4, alive)), (icmp_client, (A6, p6, alive))])
    elif role == "capture":
        capture(rest[0], alive)
    elif role == "udp-to":
        udp_to(rest[0], rest[1], alive)
    else:
        sys.exit(f"traffic-load: unknown role {role}")


if __name__ == "__main__":
    main()
