#!/bin/bash
# demo.sh - the reference scenario end to end (`sudo make demo`, which installs
# the dependencies and builds first).
#
# Two hosts in network namespaces, private 10.10.0.100 and public 10.10.0.200,
# with fwctl between them (scripts/topology.sh); the reference rules of the
# simple-fw unikernel (icmp, tcp 7070, udp, policy drop); one line per
# reference check, ALLOWED or BLOCKED against what is expected; an iperf3 TCP
# test through the filter on port 7070; `fwctl stats`; then everything is
# torn down. Exits 1 if any check did not give the expected result.
#
#   DEMO_MODE=skb scripts/demo.sh        generic XDP instead of native
#   DEMO_IPERF_SECONDS=10 scripts/demo.sh
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
FWCTL=$ROOT/build/fwctl
MODE=${DEMO_MODE:-native}
IPERF_SECONDS=${DEMO_IPERF_SECONDS:-5}

die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (sudo make demo)"
[ -x "$FWCTL" ] || die "$FWCTL missing (run make)"
for t in ip ping nc iperf3 ss timeout; do
	command -v "$t" >/dev/null || die "'$t' not installed (scripts/install-deps.sh)"
done
if [ -e "${FWCTL_PIN_DIR:-/sys/fs/bpf/fwctl}" ]; then
	die "fwctl is already attached on this machine ('fwctl status'); the demo will not disturb it"
fi

# shellcheck source=topology.sh
source "$ROOT/scripts/topology.sh"
SUF=d$(printf %05d $(($$ % 100000)))
topo_names "$SUF"
PRIV=$TOPO_PRIV_NS PUB=$TOPO_PUB_NS
TMP=$(mktemp -d /tmp/fwctl-demo.XXXXXX)
ATTACHED=0

cleanup() {
	local p
	# Background jobs of this shell still running (never a pid that may have
	# been reused); those started in $(...) end by their own timeout.
	for p in $(jobs -p); do
		kill "$p" 2>/dev/null
	done
	if [ "$ATTACHED" = 1 ]; then
		echo
		run_fwctl detach
	fi
	topo_down "$SUF"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Show each fwctl command and its output, as a user would type it.
run_fwctl() {
	echo "\$ fwctl $*"
	"$FWCTL" "$@"
}

wait_listen() {	# NS tcp|udp PORT
	local opt=-Hltn
	[ "$2" = udp ] && opt=-Hlun
	for _ in $(seq 100); do
		[ -n "$(ip netns exec "$1" ss $opt "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# --- what each check tries; each returns 0 when the traffic went through -----

try_ping() {	# NS ADDR [-6]
	ip netns exec "$1" ping -q ${3:-} -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# A TCP server on PORT in SRV_NS; the client in CLI_NS sends a line that must arrive.
try_tcp() {	# SRV_NS CLI_NS ADDR PORT
	local pid tok="tcp-$RANDOM$RANDOM" ok=1
	ip netns exec "$1" timeout 5 nc -l -p "$4" >"$TMP/tcp" 2>/dev/null &
	pid=$!
	wait_listen "$1" tcp "$4" || return 1
	echo "$tok" | ip netns exec "$2" timeout 3 nc -N -w 2 "$3" "$4" >/dev/null 2>&1 &&
		wait "$pid" && grep -q "$tok" "$TMP/tcp" && ok=0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $ok
}

try_udp() {	# SRV_NS CLI_NS ADDR PORT
	local pid tok="udp-$RANDOM$RANDOM" ok=1
	: >"$TMP/udp"
	ip netns exec "$1" timeout 5 nc -u -l -p "$4" >"$TMP/udp" 2>/dev/null &
	pid=$!
	wait_listen "$1" udp "$4" || return 1
	ip netns exec "$2" bash -c "echo $tok >/dev/udp/$3/$4" 2>/dev/null
	for _ in $(seq 20); do
		grep -q "$tok" "$TMP/udp" && { ok=0; break; }
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $ok
}

try_neigh() {	# NS ADDR: resolve ADDR from an empty neighbour table
	ip netns exec "$1" ip neigh flush dev "$TOPO_HOST_IF" 2>/dev/null
	ip netns exec "$1" ping -q -c 1 -W 1 "$2" >/dev/null 2>&1
	ip netns exec "$1" ip neigh show "$2" dev "$TOPO_HOST_IF" |
		grep -qE 'lladdr .*(REACHABLE|STALE|DELAY|PROBE)'
}

MISMATCH=0
# check EXPECTED "what was tried" COMMAND...
check() {
	local expected=$1 what=$2 got verdict
	shift 2
	if "$@"; then got=ALLOWED; else got=BLOCKED; fi
	if [ "$got" = "$expected" ]; then verdict=OK; else verdict=MISMATCH; MISMATCH=$((MISMATCH + 1)); fi
	printf '  %-8s %-46s (expected %s)  %s\n' "$got" "$what" "$expected" "$verdict"
}

# --- the demo -------------------------------------------------------------------

echo "fwctl demo: the simple-fw reference scenario, filtered by XDP ($MODE mode)"
echo
topo_up "$SUF" veth || die "could not create the topology"
echo "  private host  $TOPO_PRIV_IP4  (netns $PRIV)  ---  $TOPO_IN  [fwctl]  $TOPO_OUT  ---  public host  $TOPO_PUB_IP4  (netns $PUB)"
echo

# attach warns about the hosts' ends (GRO, checksum and VLAN offloads) only
# when they are wrong, and topology.sh sets them right: keep its stderr for
# failures.
if ! run_fwctl attach --mode "$MODE" "$TOPO_IN" "$TOPO_OUT" 2>"$TMP/attach"; then
	cat "$TMP/attach" >&2
	die "fwctl attach failed"
fi
ATTACHED=1
run_fwctl rules add icmp || die "fwctl rules add failed"
run_fwctl rules add tcp 7070 || die "fwctl rules add failed"
run_fwctl rules add udp || die "fwctl rules add failed"
run_fwctl policy drop || die "fwctl policy failed"
run_fwctl rules list || die "fwctl rules list failed"
echo

echo "Reference checks (traffic between the two hosts, through the filter):"
P4=$TOPO_PRIV_IP4 U4=$TOPO_PUB_IP4
check ALLOWED "arp   $P4 who-has $U4" try_neigh "$PRIV" "$U4"
check ALLOWED "ping  $P4 -> $U4" try_ping "$PRIV" "$U4"
check ALLOWED "ping  $U4 -> $P4" try_ping "$PUB" "$P4"
check ALLOWED "tcp   $U4 -> $P4:7070" try_tcp "$PRIV" "$PUB" "$P4" 7070
check ALLOWED "tcp   $P4 -> $U4:7070" try_tcp "$PUB" "$PRIV" "$U4" 7070
check ALLOWED "udp   $U4 -> $P4:8080" try_udp "$PRIV" "$PUB" "$P4" 8080
check ALLOWED "udp   $P4 -> $U4:8080" try_udp "$PUB" "$PRIV" "$U4" 8080
check BLOCKED "tcp   $U4 -> $P4:1234" try_tcp "$PRIV" "$PUB" "$P4" 1234
check BLOCKED "tcp   $P4 -> $U4:1234" try_tcp "$PUB" "$PRIV" "$U4" 1234
check ALLOWED "nd    $TOPO_PRIV_IP6 who-has $TOPO_PUB_IP6" try_neigh "$PRIV" "$TOPO_PUB_IP6"
check BLOCKED "ping6 $TOPO_PRIV_IP6 -> $TOPO_PUB_IP6 (no icmpv6 rule)" try_ping "$PRIV" "$TOPO_PUB_IP6" -6
echo

echo "iperf3 TCP through the filter, port 7070, ${IPERF_SECONDS} s (client public, server private):"
ip netns exec "$PRIV" timeout $((IPERF_SECONDS + 20)) iperf3 -s -1 -p 7070 >/dev/null 2>&1 &
if ! wait_listen "$PRIV" tcp 7070; then
	echo "  iperf3 server did not start"
	MISMATCH=$((MISMATCH + 1))
elif ip netns exec "$PUB" timeout $((IPERF_SECONDS + 15)) \
	iperf3 -c "$P4" -p 7070 -t "$IPERF_SECONDS" -f g >"$TMP/iperf" 2>&1; then
	# "[  5]   0.00-5.00   sec  2.99 GBytes  5.14 Gbits/sec   receiver"
	grep -E 'receiver$' "$TMP/iperf" | awk '{ printf "  throughput %s %s (receiver: %s %s in %s s)\n", $7, $8, $5, $6, $3 }'
	if ! grep -qE 'receiver$' "$TMP/iperf"; then
		echo "  iperf3 gave no receiver line: $(tail -n 1 "$TMP/iperf")"
		MISMATCH=$((MISMATCH + 1))
	fi
else
	echo "  iperf3 failed: $(tail -n 1 "$TMP/iperf")"
	MISMATCH=$((MISMATCH + 1))
fi
echo

run_fwctl stats || MISMATCH=$((MISMATCH + 1))

echo
if [ "$MISMATCH" -eq 0 ]; then
	echo "All checks gave the expected result."
else
	echo "$MISMATCH check(s) did not give the expected result."
fi
[ "$MISMATCH" -eq 0 ]
