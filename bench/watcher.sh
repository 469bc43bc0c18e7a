#!/bin/bash
# bench/watcher.sh - what fwctl's transmit watcher (bpf/xmit_watch.bpf.c)
# costs the forwarding rate: metric a of bench/run.sh (64-byte UDP Mpps,
# build/bench/xdpgen, generator pinned to CPU 1) for three variants in the
# same run, interleaved in rounds:
#   trivial         the bare devmap redirect (bench/trivial)
#   fwctl           fwctl attach (native), rules icmp, tcp 7070, udp
#   fwctl-nowatch   the same, its watcher's tracepoint links removed
# and the per-round ratios between them (neighbours in time, so that the
# shared machine's load hits them alike). Root.
#
#   bench/watcher.sh [ROUNDS [SECONDS]]     default 7 rounds of 2.5 s
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=$ROOT/build
ROUNDS=${1:-7}
SECS=${2:-2.5}

die() { echo "bench/watcher.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in fwctl bench/xdpgen bench/trivial; do
	[ -x "$BUILD/$t" ] || die "missing $BUILD/$t: run make first"
done

SUFFIX=w$(printf '%05d' $(($$ % 100000)))
# shellcheck source=../scripts/topology.sh
source "$ROOT/scripts/topology.sh"
topo_names "$SUFFIX"
IN=$TOPO_IN OUT=$TOPO_OUT
export FWCTL_PIN_DIR=/sys/fs/bpf/fwwatch-$SUFFIX
WORK=$(mktemp -d /tmp/fwwatch.XXXXXX)

cleanup() {
	"$BUILD/fwctl" detach >/dev/null 2>&1
	"$BUILD/bench/trivial" detach "$IN" "$OUT" >/dev/null 2>&1
	topo_down "$SUFFIX"
	rm -rf "$WORK" "$FWCTL_PIN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

topo_up "$SUFFIX" veth || die "topology setup failed"
for ns in "$TOPO_PRIV_NS" "$TOPO_PUB_NS"; do	# see xdpgen --anchor
	ip -n "$ns" link add xg0 type veth peer name xg1 || die "anchor veth in $ns"
done
ethtool -K "$IN" gro on >/dev/null && ethtool -K "$OUT" gro on >/dev/null

up() {
	case $1 in
	trivial) "$BUILD/bench/trivial" attach "$IN" "$OUT" ;;
	fwctl*)
		"$BUILD/fwctl" attach "$IN" "$OUT" >/dev/null 2>&1 &&
			"$BUILD/fwctl" rules add icmp >/dev/null &&
			"$BUILD/fwctl" rules add tcp 7070 >/dev/null &&
			"$BUILD/fwctl" rules add udp >/dev/null || return 1
		# The pins hold the watcher's links: removing them detaches it.
		[ "$1" = fwctl-nowatch ] &&
			rm "$FWCTL_PIN_DIR/link_devmap_xmit" "$FWCTL_PIN_DIR/link_redirect_err"
		return 0
		;;
	esac
}

down() {
	case $1 in
	trivial) "$BUILD/bench/trivial" detach "$IN" "$OUT" ;;
	fwctl*) "$BUILD/fwctl" detach >/dev/null ;;
	esac
}

VARIANTS="trivial fwctl fwctl-nowatch"
echo "64-byte UDP Mpps, $ROUNDS rounds of ${SECS}s, variants interleaved: $VARIANTS"
for r in $(seq "$ROUNDS"); do
	line="round $r:"
	for v in $VARIANTS; do
		up "$v" || die "setting up $v failed"
		out=$("$BUILD/bench/xdpgen" rate --gen "$TOPO_PRIV_NS:$TOPO_HOST_IF" \
			--count "$TOPO_PUB_NS:$TOPO_HOST_IF" --kind udp --seconds "$SECS" \
			--warmup 0.5 --cpu 1 --anchor xg0) || die "xdpgen failed ($v)"
		down "$v"
		out=${out#mpps=}
		echo "$r $v ${out%% *}" >>"$WORK/raw"
		line="$line $v ${out%% *}"
	done
	echo "$line"
done

python3 - "$WORK/raw" <<'EOF'
import statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    r, v, mpps = line.split()
    rounds.setdefault(r, {})[v] = float(mpps)
def show(name, a, b):
    ratios = [x[a] / x[b] for x in rounds.values() if x.get(b)]
    print("%-32s median %.3f  [%.3f-%.3f]" % (name, statistics.median(ratios), min(ratios), max(ratios)))
for v in ("trivial", "fwctl", "fwctl-nowatch"):
    vals = [x[v] for x in rounds.values()]
    print("%-14s Mpps median %.3f  [%.3f-%.3f]" % (v, statistics.median(vals), min(vals), max(vals)))
print("per-round ratios:")
show("fwctl / trivial", "fwctl", "trivial")
show("fwctl-nowatch / trivial", "fwctl-nowatch", "trivial")
show("fwctl / fwctl-nowatch (watcher)", "fwctl", "fwctl-nowatch")
EOF
