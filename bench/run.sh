#!/bin/bash
# bench/run.sh - fwctl against the alternatives, side by side in one run
# (`make bench`, root). Writes bench/results.md and bench/results.png.
#
#   bench/run.sh                 full run (about 10 minutes)
#   BENCH_QUICK=1 bench/run.sh   short run (about 2-3 minutes), same tables
#   BENCH_OUT=/tmp/r.md ...      write the results elsewhere (PNG and samples .tsv next to it)
#   BENCH_METRICS="a b" ...      only some metrics (a b c d e)
#
# Variants, all in the same topology (scripts/topology.sh, veth), one at a
# time on the filter's two interfaces fwin-SUFFIX / fwout-SUFFIX:
#   trivial      bpf/trivial_redirect.bpf.c: redirect through a devmap only
#   fwctl        fwctl attach (native), rules icmp, tcp 7070, udp, policy drop
#   fwctl-skb    the same in skb (generic XDP) mode
#   bridge+nft   Linux bridge + nftables bridge table, the same filtering
#   relay        AF_PACKET relay in C, read()/write() per frame, no filtering
#   relay-batch  the same with recvmmsg()/sendmmsg() (64 frames per call)
# Each measurement is repeated in rounds, variants interleaved (A B C A B C
# ...), and reported as median, min and max; ratios are between medians of
# the same run. See bench/README.md for the method.
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=$ROOT/build
QUICK=${BENCH_QUICK:-0}
OUT_MD=${BENCH_OUT:-$ROOT/bench/results.md}
OUT_PNG=${OUT_MD%.md}.png
OUT_RAW=${OUT_MD%.md}.tsv	# every sample, to redo the report: bench/report.py --raw
METRICS=${BENCH_METRICS:-a b c d e}
GEN_CPU=1		# the generator thread (and the softirq work it triggers)
RELAY_CPU=0		# the user-space relay, off the generator's CPU

if [ "$QUICK" = 1 ]; then
	A_ROUNDS=3 A_SECS=1 B_ROUNDS=2 B_SECS=2 D_ROUNDS=1 D_SECS=2 D_PPS=250000
	C_REPEAT=2000000 C_RUNS=3 C_ROUNDS=1
else
	A_ROUNDS=7 A_SECS=2.5 B_ROUNDS=5 B_SECS=4 D_ROUNDS=2 D_SECS=4 D_PPS=250000
	C_REPEAT=10000000 C_RUNS=3 C_ROUNDS=3
fi

die() { echo "bench: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (sudo make bench)"
for t in fwctl bench/xdpgen bench/trivial bench/relay; do
	[ -x "$BUILD/$t" ] || die "missing $BUILD/$t: run make first"
done
for c in iperf3 nft ethtool python3 gnuplot taskset bpftool; do
	command -v "$c" >/dev/null || die "missing command $c (scripts/install-deps.sh)"
done
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf ||
	die "cannot mount bpffs on /sys/fs/bpf"

# --- topology and cleanup ----------------------------------------------------
SUFFIX=b$(printf '%05d' $(($$ % 100000)))
# shellcheck source=../scripts/topology.sh
source "$ROOT/scripts/topology.sh"
topo_names "$SUFFIX"
IN=$TOPO_IN OUT=$TOPO_OUT PRIV=$TOPO_PRIV_NS PUB=$TOPO_PUB_NS
BR=fwbr-$SUFFIX
NFT_TABLE=fwbench_$SUFFIX
export FWCTL_PIN_DIR=/sys/fs/bpf/fwbench-$SUFFIX	# our own fwctl instance
WORK=$(mktemp -d /tmp/fwbench.XXXXXX)
RAW=$WORK/raw.tsv	# metric variant key round value
RELAY_PID= IPERF_PID= FLOOD_PID=

cleanup() {
	trap - EXIT INT TERM
	[ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	# Only the jobs just killed: a bare `wait` also waits for any process
	# substitution still open, and would hang on one that outlives us.
	# shellcheck disable=SC2086
	[ -z "$FLOOD_PID$RELAY_PID$IPERF_PID" ] || wait $FLOOD_PID $RELAY_PID $IPERF_PID 2>/dev/null
	"$BUILD/fwctl" detach >/dev/null 2>&1
	rm -rf "$FWCTL_PIN_DIR"
	nft delete table bridge "$NFT_TABLE" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	topo_down "$SUFFIX"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

topo_up "$SUFFIX" veth || die "topology setup failed"
# An idle veth pair in each host namespace keeps the generator's program
# attached (see xdpgen --anchor): BPF_PROG_TEST_RUN is then cheap to call.
for ns in "$PRIV" "$PUB"; do
	ip -n "$ns" link add xg0 type veth peer name xg1 || die "anchor veth in $ns"
done

gro() {	# gro on|off: GRO on the filter's interfaces
	ethtool -K "$IN" gro "$1" >/dev/null && ethtool -K "$OUT" gro "$1" >/dev/null
}

# --- variants ----------------------------------------------------------------
fwctl_rules() {
	"$BUILD/fwctl" rules add icmp >/dev/null &&
		"$BUILD/fwctl" rules add tcp 7070 >/dev/null &&
		"$BUILD/fwctl" rules add udp >/dev/null
}

var_up() {
	case $1 in
	trivial) "$BUILD/bench/trivial" attach "$IN" "$OUT" ;;
	fwctl) "$BUILD/fwctl" attach --mode native "$IN" "$OUT" >/dev/null 2>"$WORK/attach.err" ||
		{ cat "$WORK/attach.err" >&2; false; } && fwctl_rules ;;
	fwctl-skb) "$BUILD/fwctl" attach --mode skb "$IN" "$OUT" >/dev/null 2>"$WORK/attach.err" ||
		{ cat "$WORK/attach.err" >&2; false; } && fwctl_rules ;;
	bridge+nft)
		ip link add "$BR" type bridge &&
			sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1" &&
			ip link set "$IN" master "$BR" && ip link set "$OUT" master "$BR" &&
			ip link set "$BR" up &&
			nft -f - <<-EOF
			table bridge $NFT_TABLE {
				chain filter {
					type filter hook forward priority 0; policy drop;
					ether type arp accept
					icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept
					meta l4proto icmp accept
					meta l4proto tcp th dport 7070 accept
					meta l4proto tcp th sport 7070 accept
					meta l4proto udp accept
				}
			}
			EOF
		;;
	relay | relay-batch)
		local opt=
		[ "$1" = relay-batch ] && opt=--batch
		# shellcheck disable=SC2086
		taskset -c $RELAY_CPU "$BUILD/bench/relay" $opt "$IN" "$OUT" >/dev/null &
		RELAY_PID=$!
		sleep 0.2
		kill -0 "$RELAY_PID" 2>/dev/null
		;;
	*) die "unknown variant $1" ;;
	esac || die "setting up $1 failed"
}

var_down() {
	case $1 in
	trivial) "$BUILD/bench/trivial" detach "$IN" "$OUT" ;;
	fwctl | fwctl-skb) "$BUILD/fwctl" detach >/dev/null ;;
	bridge+nft)
		nft delete table bridge "$NFT_TABLE"
		ip link del "$BR"
		;;
	relay | relay-batch)
		kill "$RELAY_PID" 2>/dev/null
		wait "$RELAY_PID" 2>/dev/null
		RELAY_PID=
		;;
	esac
	ip link set dev "$IN" xdp off 2>/dev/null
	ip link set dev "$OUT" xdp off 2>/dev/null
	return 0
}

record() {	# metric variant key round value
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}

# --- a. Mpps of 64-byte UDP ----------------------------------------------------
metric_a() {
	local r v out
	log "a. 64-byte UDP Mpps: $A_ROUNDS rounds x ${A_SECS}s"
	gro on	# the non-XDP variants take XDP frames from the generator only with GRO
	for r in $(seq "$A_ROUNDS"); do
		for v in trivial fwctl fwctl-skb bridge+nft relay relay-batch; do
			var_up "$v"
			out=$("$BUILD/bench/xdpgen" rate --gen "$PRIV:$TOPO_HOST_IF" \
				--count "$PUB:$TOPO_HOST_IF" --kind udp --seconds "$A_SECS" \
				--warmup 0.5 --cpu $GEN_CPU --anchor xg0) || die "xdpgen failed ($v)"
			var_down "$v"
			out=${out#mpps=}
			record a "$v" mpps "$r" "${out%% *}"
			log "   round $r $v: ${out%% *} Mpps"
		done
	done
	gro off
}

# --- b. iperf3 TCP Gbit/s, port 7070 -------------------------------------------
# iperf_server CPU / iperf_run SECONDS CPU: pinned, so that runs do not
# differ by where the scheduler happens to put the two ends.
iperf_server() {
	ip netns exec "$PRIV" taskset -c "$1" iperf3 -s -p 7070 >/dev/null 2>&1 &
	IPERF_PID=$!
	sleep 0.5
}

iperf_stop() {
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	wait "$IPERF_PID" 2>/dev/null
	IPERF_PID=
}

# Receiver Gbit/s of one iperf3 run from the public host, or 0 if it failed.
iperf_run() {
	ip netns exec "$PUB" timeout $(($1 + 15)) taskset -c "$2" iperf3 -c "$TOPO_PRIV_IP4" -p 7070 \
		-t "$1" -J 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print("%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")'
}

metric_b() {
	local r v g
	log "b. iperf3 TCP Gbit/s: $B_ROUNDS rounds x ${B_SECS}s"
	iperf_server 1
	for r in $(seq "$B_ROUNDS"); do
		# bridge+nft(gro): the bridge with GRO on its ports, which XDP
		# cannot use (each frame is redirected as it comes).
		for v in trivial fwctl fwctl-skb bridge+nft bridge+nft-gro relay relay-batch; do
			if [ "$v" = bridge+nft-gro ]; then
				gro on
				var_up bridge+nft
			else
				var_up "$v"
			fi
			sleep 0.2
			g=$(iperf_run "$B_SECS" 0)
			var_down "${v%-gro}"
			gro off
			record b "$v" gbps "$r" "$g"
			log "   round $r $v: $g Gbit/s"
		done
	done
	iperf_stop
}

# --- c. ns/packet against the number of rules (build/bench/unit) ---------------
# bench/unit.sh runs fwctl's program and the trivial redirect through
# BPF_PROG_TEST_RUN, interleaved, C_RUNS runs each per figure: alone
# (program mode, every rule count and both kinds of frame), then with every
# redirect carried out (live mode: allowed frames, 1 and 10,000 rules; keys
# "N/allowed-live"). It is called C_ROUNDS times, so that each figure's runs
# are spread over the whole measurement instead of falling into one burst of
# load. Each call's median, min and max of a figure are recorded as three
# samples.
metric_c() {
	log "c. ns/packet vs rules (bench/unit.sh, $C_ROUNDS rounds x $C_RUNS runs x $C_REPEAT)"
	if [ ! -x "$BUILD/bench/unit" ]; then
		log "   build/bench/unit missing: metric c skipped"
		return 0
	fi
	local r out n k fm flo fhi tm tlo thi mode key
	for r in $(seq "$C_ROUNDS"); do
		out=$("$ROOT/bench/unit.sh" --rules 1,100,1000,10000 --packet both --mode program \
			--runs "$C_RUNS" --repeat "$C_REPEAT" --csv &&
		      "$ROOT/bench/unit.sh" --rules 1,10000 --packet allowed --mode live \
			--runs "$C_RUNS" --repeat "$C_REPEAT" --csv) ||
			{ log "   bench/unit.sh failed"; return 0; }
		# rules,packet,fwctl_median_ns,fwctl_min_ns,fwctl_max_ns,trivial_median_ns,
		# trivial_min_ns,trivial_max_ns,ratio,ratio_of_mins,fwctl_wall_ns,
		# trivial_wall_ns,runs,repeat,mode
		while IFS=, read -r n k fm flo fhi tm tlo thi _ _ _ _ _ _ mode; do
			[[ $n =~ ^[0-9]+$ ]] || continue
			key=$n/$k
			[ "$mode" = live ] && key=$key-live
			record c fwctl "$key" "$r.1" "$fm"
			record c fwctl "$key" "$r.2" "$flo"
			record c fwctl "$key" "$r.3" "$fhi"
			record c trivial "$key" "$r.1" "$tm"
			record c trivial "$key" "$r.2" "$tlo"
			record c trivial "$key" "$r.3" "$thi"
			log "   round $r, $n rules, $k, $mode: fwctl $fm ns (min $flo), trivial $tm ns (min $tlo)"
		done <<<"$out"
	done
}

# --- d. blocked flood while allowed TCP flows ----------------------------------
metric_d() {
	local r v g0 g1 g2 fl
	log "d. TCP 7070 under a flood of blocked TCP:1234 (max rate, and paced at $D_PPS/s): $D_ROUNDS rounds x ${D_SECS}s"
	# The flood arrives as XDP frames: the filter's interfaces take them only
	# with an XDP program or GRO on.
	iperf_server $RELAY_CPU	# both ends of the TCP connection off the generator's CPU
	for r in $(seq "$D_ROUNDS"); do
		for v in fwctl fwctl-skb bridge+nft bridge+nft-gro; do
			case $v in
			bridge+nft)	# GRO off as in b; an XDP_PASS program lets the flood in
				gro off
				var_up bridge+nft
				"$BUILD/bench/xdpgen" pass "-:$IN" && "$BUILD/bench/xdpgen" pass "-:$OUT" ||
					die "xdpgen pass failed"
				;;
			bridge+nft-gro) gro on; var_up bridge+nft ;;
			*) gro on; var_up "$v" ;;
			esac
			sleep 0.2
			g0=$(iperf_run "$D_SECS" $RELAY_CPU)
			flood_start ""
			g1=$(iperf_run "$D_SECS" $RELAY_CPU)
			flood_stop
			fl=$FLOOD_MPPS
			flood_start "$D_PPS"
			g2=$(iperf_run "$D_SECS" $RELAY_CPU)
			flood_stop
			var_down "${v%-gro}"
			record d "$v" gbps_quiet "$r" "$g0"
			record d "$v" gbps_flood "$r" "$g1"
			record d "$v" flood_mpps "$r" "${fl:-0}"
			record d "$v" gbps_paced "$r" "$g2"
			log "   round $r $v: $g0 Gbit/s quiet, $g1 under a ${fl:-?} Mpps flood, $g2 under $D_PPS/s"
		done
	done
	iperf_stop
	gro off
}

# flood_start [PPS]: blocked TCP:1234 from the public host, paced if PPS given.
flood_start() {
	local pace=()
	[ -n "$1" ] && pace=(--pps "$1")
	"$BUILD/bench/xdpgen" flood --gen "$PUB:$TOPO_HOST_IF" --kind blocked \
		--seconds $((D_SECS + 30)) --cpu $GEN_CPU --anchor xg0 "${pace[@]}" \
		>"$WORK/flood.out" 2>&1 &
	FLOOD_PID=$!
	sleep 0.7
}

# flood_stop: sets FLOOD_MPPS to the Mpps the generator injected.
flood_stop() {
	kill "$FLOOD_PID" 2>/dev/null
	wait "$FLOOD_PID" 2>/dev/null
	FLOOD_PID=
	FLOOD_MPPS=$(sed -n 's/^injected_mpps=\([0-9.]*\).*/\1/p' "$WORK/flood.out")
}

# --- e. memory -----------------------------------------------------------------
metric_e() {
	local f=$WORK/rules10k.txt rss out ids id mem total=0 v
	log "e. memory for 10,000 rules"
	# 10,000 distinct rules: tcp ports 10001-15000 and udp ports 10001-15000.
	for p in $(seq 10001 15000); do echo "tcp $p"; echo "udp $p"; done >"$f"
	var_up fwctl
	out=$( { /usr/bin/time -f 'RSS=%M' "$BUILD/fwctl" rules add --file "$f" >/dev/null; } 2>&1)
	rss=$(sed -n 's/^RSS=//p' <<<"$out")
	[ -n "$rss" ] && record e fwctl rss_kib_rules_add_10000 1 "$rss"
	# Kernel memory of the maps the attached program uses.
	id=$(ip -j link show dev "$IN" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])' 2>/dev/null)
	ids=$(bpftool -j prog show id "$id" 2>/dev/null | python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin).get("map_ids", []))))' 2>/dev/null)
	for m in $ids; do
		read -r v mem < <(bpftool -j map show id "$m" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("name","?"), d.get("bytes_memlock", 0))')
		record e fwctl "map:$v" 1 "$mem"
		total=$((total + mem))
	done
	record e fwctl maps_memlock_total 1 "$total"
	var_down fwctl

	# The same 10,000 rules for nftables, for scale.
	{
		echo "table bridge $NFT_TABLE { chain filter { type filter hook forward priority 0; policy drop;"
		sed -e 's/^\(tcp\|udp\) \(.*\)/meta l4proto \1 th dport \2 accept/' "$f"
		echo "} }"
	} >"$WORK/nft10k.nft"
	out=$( { /usr/bin/time -f 'RSS=%M' nft -f "$WORK/nft10k.nft"; } 2>&1)
	rss=$(sed -n 's/^RSS=//p' <<<"$out")
	[ -n "$rss" ] && record e bridge+nft rss_kib_rules_add_10000 1 "$rss"
	nft delete table bridge "$NFT_TABLE" 2>/dev/null

	# Trivial redirect's map, for scale.
	var_up trivial
	id=$(ip -j link show dev "$IN" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])' 2>/dev/null)
	total=0
	for m in $(bpftool -j prog show id "$id" | python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin).get("map_ids", []))))'); do
		mem=$(bpftool -j map show id "$m" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("bytes_memlock", 0))')
		total=$((total + mem))
	done
	record e trivial maps_memlock_total 1 "$total"
	var_down trivial
}

# --- run -----------------------------------------------------------------------
log "topology $SUFFIX up; quick=$QUICK; metrics: $METRICS"
T0=$(date +%s)
for m in $METRICS; do
	case $m in
	a | b | c | d | e) "metric_$m" ;;
	*) die "unknown metric $m" ;;
	esac
done
log "measured in $(($(date +%s) - T0)) s; writing $OUT_MD, $OUT_PNG and $OUT_RAW"
{
	printf '# fwctl bench samples, %s, kernel %s, quick=%s: metric variant key round value\n' \
		"$(date -u +%FT%TZ)" "$(uname -r)" "$QUICK"
	cat "$RAW"
} >"$OUT_RAW"

python3 "$ROOT/bench/report.py" --raw "$RAW" --md "$OUT_MD" --png "$OUT_PNG" \
	--quick "$QUICK" --work "$WORK" --d-pps "$D_PPS" --seconds $(($(date +%s) - T0)) ||
	die "report failed"
log "done"
