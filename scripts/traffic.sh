#!/usr/bin/env bash
# Varied network traffic inside namespaces this script creates (never on the host's interfaces), for
# sampling kernel call stacks with perf: bridge + veth, VXLAN, nftables with conntrack, AF_PACKET
# capture (plain and mmap ring), unix sockets, sock_diag dumps (ss), TCP/UDP/UDP-Lite/ICMP over IPv4
# and IPv6. Everything is removed on exit, also on Ctrl-C.
#
#   scripts/traffic.sh [seconds=30] [tag=nsa]       (root; every namespace and link is prefixed with tag)
#   perf record -a -g -e cpu-clock -F 999 -o cap.data -- scripts/traffic.sh 60 g11
set -euo pipefail
SECONDS_TO_RUN=${1:-30}
T=${2:-nsa}
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD="python3 $HERE/traffic-load.py"
A=${T}a B=${T}b BR=${T}br
[ "$(id -u)" = 0 ] || { echo "traffic.sh: needs root (network namespaces)" >&2; exit 1; }
command -v nft >/dev/null || { echo "traffic.sh: nft not found (apt-get install nftables)" >&2; exit 1; }

cleanup() {
  set +e
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  for ns in "$A" "$B" "$BR"; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT INT TERM
cleanup

for ns in "$A" "$B" "$BR"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
# two hosts on a bridge
ip -n "$BR" link add "${T}br0" type bridge
ip -n "$BR" link set "${T}br0" up
for ns in "$A" "$B"; do
  ip link add "${ns}e0" netns "$ns" type veth peer name "${ns}p" netns "$BR"
  ip -n "$BR" link set "${ns}p" master "${T}br0" up
  ip -n "$ns" link set "${ns}e0" up
done
ip -n "$A" addr add 10.77.0.1/24 dev "${A}e0"; ip -n "$A" addr add fd77::1/64 dev "${A}e0" nodad
ip -n "$B" addr add 10.77.0.2/24 dev "${B}e0"; ip -n "$B" addr add fd77::2/64 dev "${B}e0" nodad
# VXLAN overlay between them over the bridge
ip -n "$A" link add "${A}vx" type vxlan id 77 remote 10.77.0.2 local 10.77.0.1 dstport 4789
ip -n "$B" link add "${B}vx" type vxlan id 77 remote 10.77.0.1 local 10.77.0.2 dstport 4789
ip -n "$A" addr add 10.78.0.1/24 dev "${A}vx"; ip -n "$A" link set "${A}vx" up
ip -n "$B" addr add 10.78.0.2/24 dev "${B}vx"; ip -n "$B" link set "${B}vx" up
# nftables with conntrack on the server side
ip netns exec "$B" nft -f - <<EOF
table inet ${T}filter {
  chain input { type filter hook input priority 0; ct state established,related accept; ct state new counter accept; }
  chain output { type filter hook output priority 0; ct state new,established counter accept; }
}
EOF

S=$SECONDS_TO_RUN
ip netns exec "$B" $LOAD server "$S" 0.0.0.0 :: &
sleep 0.5
ip netns exec "$B" $LOAD capture "$S" "${B}e0" &
ip netns exec "$A" $LOAD client "$S" 10.77.0.2 fd77::2 &
ip netns exec "$A" $LOAD udp-to "$S" 10.78.0.2 7011 &
ip netns exec "$B" $LOAD client "$S" 127.0.0.1 ::1 &
# sock_diag dumps
end=$((SECONDS + S))
while [ $SECONDS -lt $end ]; do
  ip netns exec "$B" ss -tuanpx >/dev/null 2>&1 || true
  ip netns exec "$A" ss -tin >/dev/null 2>&1 || true
  ip netns exec "$B" nft list ruleset >/dev/null 2>&1 || true
  sleep 0.2
done
wait
# what ran, on stderr: the server's conntrack-accepted packets and the overlay's counters
{ ip netns exec "$B" nft list ruleset | grep -o 'counter packets [0-9]*' | tr '\n' ' '
  ip -n "$B" -s link show "${B}vx" | awk 'NR==4 {print "vxlan rx packets", $2}'; } >&2
