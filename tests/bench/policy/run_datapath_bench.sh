#!/bin/bash
# Datapath benchmark (root): two pods wired to a scratch "node" namespace (veth + /32 routes, as
# the plugin wires them). Measures, in the same run, iperf3 TCP throughput and ping RTT between
# the pods with no policy, with no policy but conntrack on (as on a real node), and with a
# NetworkPolicy of N ingress rules on the server (programmed by the agent's compiler +
# NftEnforcer), then the programming latency of a one-rule change.
# usage: run_datapath_bench.sh BUILD_DIR [N=1000] [SECONDS=5] [ROUNDS=3]
set -euo pipefail
B=${1:?build dir}; N=${2:-1000}; T=${3:-5}; R=${4:-3}
BENCH=$B/bin/policy_update_bench
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 1; }
[ -x "$BENCH" ] || { echo "build policy_update_bench first"; exit 1; }
P=vpb$$; NODE=${P}n; CL=${P}c; SV=${P}s
cleanup() {
  [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null || true
  ip netns del "$CL" 2>/dev/null || true; ip netns del "$SV" 2>/dev/null || true
  ip netns del "$NODE" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$NODE"; ip -n "$NODE" link set lo up
ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
wire() { # netns ip hostveth mac
  ip netns add "$1"; ip -n "$1" link set lo up
  ip -n "$NODE" link add "$3" type veth peer name eth0 netns "$1"
  ip -n "$1" addr add "$2/32" dev eth0; ip -n "$1" link set eth0 up
  ip -n "$NODE" link set "$3" address "$4"
  ip -n "$1" neigh add 169.254.1.1 lladdr "$4" dev eth0 nud permanent
  ip -n "$1" route add 169.254.1.1 dev eth0 scope link
  ip -n "$1" route add default via 169.254.1.1 dev eth0
  ip -n "$NODE" link set "$3" up; ip -n "$NODE" route add "$2/32" dev "$3"
  ip netns exec "$NODE" sysctl -qw "net.ipv4.conf.$3.proxy_arp=1"
}
wire "$CL" 10.250.0.1 "${P}hc" 02:42:0a:fa:00:01; wire "$SV" 10.250.0.2 "${P}hs" 02:42:0a:fa:00:02
ip netns exec "$SV" iperf3 -s -p 5201 >/dev/null 2>&1 & SRV=$!
sleep 0.5
tput() { ip netns exec "$CL" iperf3 -c 10.250.0.2 -p 5201 -t "$T" -J |
  python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9,3))'; }
rtt() { ip netns exec "$CL" ping -q -c 400 -i 0.002 10.250.0.2 | awk -F'/' '/rtt/ {print $5}'; }
# Conntrack on without any policy, as on a real node (ipamd's SNAT/connmark rules and kube-proxy
# already track every forwarded packet): the baseline for the policy's own cost.
ct_on() { ip netns exec "$NODE" nft -f - <<'NFT'
table inet vpcbench_ct {
  chain track { type filter hook forward priority filter + 10; policy accept; ct state established,related accept; }
}
NFT
}
ct_off() { ip netns exec "$NODE" nft delete table inet vpcbench_ct 2>/dev/null || true; }
declare -a T0 T1 T2 L0 L1
for r in $(seq "$R"); do
  ip netns exec "$NODE" "$BENCH" remove >/dev/null
  T0+=("$(tput)"); L0+=("$(rtt)")
  ct_on; T2+=("$(tput)"); ct_off
  ip netns exec "$NODE" "$BENCH" install "$N" > /tmp/$P.install
  T1+=("$(tput)"); L1+=("$(rtt)")
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "rules=$N rounds=$R iperf3 ${T}s"
cat /tmp/$P.install; rm -f /tmp/$P.install
echo "throughput Gbit/s: no policy ${T0[*]} (median $(med "${T0[@]}")); with $N rules ${T1[*]} (median $(med "${T1[@]}"))"
echo "ping rtt avg ms:   no policy ${L0[*]} (median $(med "${L0[@]}")); with $N rules ${L1[*]} (median $(med "${L1[@]}"))"
echo "throughput Gbit/s: no policy, conntrack on ${T2[*]} (median $(med "${T2[@]}"))"
python3 -c "a=$(med "${T0[@]}"); b=$(med "${T1[@]}"); print(f'throughput loss: {100*(a-b)/a:.1f} % (vs no conntrack)')"
python3 -c "a=$(med "${T2[@]}"); b=$(med "${T1[@]}"); print(f'throughput loss: {100*(a-b)/a:.1f} % (vs conntrack on, no policy)')"
ip netns exec "$NODE" "$BENCH" measure "$N" 50
