#!/bin/bash
# bench/ct.sh - connection tracking's cost (issue 12, "Benchmarks"); run by
# `make bench` after the others, alone by `make bench-ct`. Writes
# bench/conntrack.md (BENCH_CT_OUT elsewhere), with bench/conntrack-notes.md
# (the analysis) appended; BENCH_QUICK=1 for fewer rounds.
#
# In a private network namespace: two fwctl instances attached natively by
# `fwctl attach`, each on a veth pair of its own (their peers with GRO on, so
# that redirected frames come out there), with their own pin directories:
#   stateful  (sin/sout):  the issue's four `stateful` rules, policy drop
#   stateless (lin/lout):  the same rules without `stateful`
# then build/bench/ct (bench/ct/ct_bench.c) on their programs: flow setup
# rate, a fill of the established table, and an established flow next to
# the stateless rule and a trivial redirect, program and live mode. Then
# the table as `fwctl ct stats` sees it and its memory as bpftool reports it.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
FWCTL=$ROOT/build/fwctl
BIN=$ROOT/build/bench/ct
OUT=${BENCH_CT_OUT:-$ROOT/bench/conntrack.md}
FILL=${BENCH_CT_FILL:-262144}
RUNS=7 REPEAT=2000000
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=3 REPEAT=500000

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/ct.sh: needs root (network namespaces, BPF)" >&2
	exit 1
fi
for f in "$FWCTL" "$BIN"; do
	if [ ! -x "$f" ]; then
		echo "bench/ct.sh: $f missing (run make)" >&2
		exit 1
	fi
done
if ! "$FWCTL" ct stats --help >/dev/null 2>&1; then
	echo "bench/ct.sh: skipped: this fwctl has no 'ct' command (no connection tracking)" >&2
	exit 0
fi
for t in bpftool jq nsenter ethtool; do
	command -v "$t" >/dev/null || { echo "bench/ct.sh: '$t' missing (scripts/install-deps.sh bench)" >&2; exit 1; }
done

NS=ctbench-$$
PIN_S=/sys/fs/bpf/fwctl-ctb-s-$$ PIN_L=/sys/fs/bpf/fwctl-ctb-l-$$
TMP=$(mktemp -d /tmp/fwctl-ctbench.XXXXXX)
fw() { local pin=$1; shift; FWCTL_PIN_DIR=$pin nsenter --net="/run/netns/$NS" "$FWCTL" "$@"; }
cleanup() {
	fw "$PIN_S" detach >/dev/null 2>&1
	fw "$PIN_L" detach >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench/ct.sh: $*" >&2; exit 1; }

ip netns add "$NS" || die "cannot create netns $NS"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for p in sin sout lin lout; do
	ip -n "$NS" link add name "$p" type veth peer name "${p}p" || die "cannot create veth $p"
	ip netns exec "$NS" ethtool -K "${p}p" gro on tx off txvlan off >/dev/null
	ip -n "$NS" link set dev "$p" up && ip -n "$NS" link set dev "${p}p" up || die "cannot set $p up"
done

rules() {	# rules IF SUFFIX: the issue's four rules, on IF, ending in SUFFIX
	printf 'policy drop\nallow tcp dport 7070 in %s%s\nallow udp dport 53 in %s%s\n' "$1" "$2" "$1" "$2"
	printf 'allow icmp type echo-request in %s%s\nallow icmpv6 type echo-request in %s%s\n' "$1" "$2" "$1" "$2"
}
rules sin " stateful" >"$TMP/s.rules"
rules lin "" >"$TMP/l.rules"
fw "$PIN_S" attach sin sout >"$TMP/attach" 2>&1 || die "attach sin sout: $(cat "$TMP/attach")"
fw "$PIN_S" rules load "$TMP/s.rules" >"$TMP/load" 2>&1 || die "rules load (stateful): $(cat "$TMP/load")"
fw "$PIN_L" attach lin lout >"$TMP/attach" 2>&1 || die "attach lin lout: $(cat "$TMP/attach")"
fw "$PIN_L" rules load "$TMP/l.rules" >"$TMP/load" 2>&1 || die "rules load (stateless): $(cat "$TMP/load")"

echo "bench/ct.sh: $RUNS rounds of $REPEAT runs, fill $FILL flows (about a minute)" >&2
nsenter --net="/run/netns/$NS" "$BIN" --runs "$RUNS" --repeat "$REPEAT" --fill "$FILL" \
	sin sout soutp lin lout loutp >"$TMP/bench" || die "build/bench/ct failed: $(tail -n 3 "$TMP/bench")"
fw "$PIN_S" ct stats --json >"$TMP/stats.json" || die "ct stats failed"
fw "$PIN_S" ct stats >"$TMP/stats.txt"

# What tracking costs a rule set without stateful rules: fwctl next to
# fwctl built without tracking code (bench/unit/fwctl_noct.bpf.c), same
# maps and rules, interleaved.
echo "bench/ct.sh: rule sets without stateful rules, with and without tracking code" >&2
"$ROOT/bench/unit.sh" --rules ref,1000 --mode both --runs "$RUNS" --repeat "$((REPEAT * 5))" \
	--without-ct >"$TMP/noct" 2>&1 || die "bench/unit.sh --without-ct failed: $(tail -n 3 "$TMP/noct")"

# Memory: bytes_memlock of every pinned map of the stateful instance.
mem_rows() {
	local f
	for f in "$PIN_S"/*; do
		bpftool map show pinned "$f" --json 2>/dev/null |
			jq -r --arg n "${f##*/}" 'select(.type != null) |
				"\($n)\t\(.type)\t\(.max_entries)\t\(.bytes_memlock // 0)"'
	done
}
mem_rows >"$TMP/mem.tsv"

{
	echo "# Connection tracking: benchmarks (issue 12)"
	echo
	echo "\`make bench\` (or \`make bench-ct\`) runs \`bench/ct.sh\`, which wrote this file."
	echo "$(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs (shared machine: other jobs may run)."
	echo
	echo "Two fwctl instances attached (native) by \`fwctl attach\` in a private network"
	echo "namespace, each on its own veth pair: one with the issue's rules (\`allow tcp"
	echo "dport 7070 in sin stateful\`, udp 53, icmp and icmpv6 echo-request, all"
	echo "\`stateful\`, policy drop), one with the same rules without \`stateful\`;"
	echo "and a trivial \`bpf_redirect_map\` program. \`build/bench/ct\`"
	echo "(bench/ct/ct_bench.c) runs frames through the attached programs with"
	echo "BPF_PROG_TEST_RUN; see its header for the method."
	echo
	ratio=$(sed -n 's/.*(live mode): \([0-9.]*\)x the trivial.*/\1/p' "$TMP/bench")
	verdict=missed
	awk -v r="${ratio:-0}" 'BEGIN { exit !(r >= 0.85) }' && verdict=met
	echo "**Target** (issue 12): forwarding rate of an established flow >= 0.85x the bare"
	echo "redirect, live mode: **${ratio:-?}x, $verdict** (median of the rounds)."
	echo
	echo '```'
	cat "$TMP/bench"
	echo '```'
	echo
	echo "## Rule sets without \`stateful\` rules: what tracking costs them"
	echo
	echo "Issue 12: \"the cost is zero for rule sets without stateful rules\". \`bench/unit.sh"
	echo "--rules ref,1000 --without-ct\`: fwctl (the reference rules, inline walk; 1,000"
	echo "rules, full walk), next to the same program built without its tracking code"
	echo "(\`bench/unit/fwctl_noct.bpf.c\`: no flow lookup, creation or move; fragment"
	echo "tracking stays) on the same maps and rules, in the same rounds. A difference"
	echo "within its per-round range around 0 is no cost this machine can show."
	echo
	echo '```'
	grep -v '^rules scaling' "$TMP/noct"
	echo '```'
	echo
	echo "## The table after the fill (\`fwctl ct stats\`)"
	echo
	echo '```'
	cat "$TMP/stats.txt"
	echo '```'
	echo
	echo "## Memory (bytes_memlock as bpftool reports it; the maps are preallocated at attach)"
	echo
	echo "| map | type | entries | memory |"
	echo "|---|---|---:|---:|"
	awk -F'\t' '$1 ~ /^fwctl_(ct_|frag)/ { printf "| %s | %s | %d | %.1f MiB |\n", $1, $2, $3, $4 / 1048576; t += $4 }
		END { printf "| **connection and fragment tracking** | | | **%.1f MiB** |\n", t / 1048576 }' "$TMP/mem.tsv"
	awk -F'\t' '{ t += $4 } END { printf "| all of the instance'"'"'s maps (%d) | | | %.1f MiB |\n", NR, t / 1048576 }' "$TMP/mem.tsv"
	jq -r '"\nFlows in the tables after the fill: \(.flows) (by state: \(.by_state | to_entries | map("\(.key) \(.value)") | join(", "))); sizes: \(.size.new) new, \(.size.established) established."' "$TMP/stats.json"
	est=$(awk -F'\t' '$1 ~ /ct_(est|tags)$/ { t += $4 } END { if (t) print t }' "$TMP/mem.tsv")
	[ -n "$est" ] && jq -rn --argjson b "$est" --argjson n "$(jq .size.established "$TMP/stats.json")" \
		'"The established table (slots and their tags): \($b / 1048576 * 10 | round / 10) MiB for \($n) flows, \($b / $n | round) bytes a flow."'
	# The analysis, written by hand after a run (kept apart so that a new
	# run does not lose it).
	if [ -f "$ROOT/bench/conntrack-notes.md" ]; then
		echo
		cat "$ROOT/bench/conntrack-notes.md"
	fi
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
cat "$OUT"
