#!/bin/bash
# bench/classbench.sh - issue 11's benchmarks on the ClassBench sets (`make
# bench` runs it after bench/run.sh; `make bench-classbench` alone). Root.
# Writes bench/classbench.md: every figure, the targets met or missed, and
# bench/classbench-notes.md (the analysis) appended.
#
#   bench/classbench.sh                  full run (about 10-15 minutes)
#   BENCH_QUICK=1 bench/classbench.sh    1k and 10k sets only (about 2-3 minutes)
#   BENCH_CB_OUT=/tmp/cb.md ...          write the results elsewhere
#   BENCH_CB_PARTS="replay live" ...     only some parts: replay live compile cli soak
#   CLASSBENCH_DIR=DIR ...               the sets (default: shared/classbench
#                                        beside the repository or its parent)
#
# Parts (see the method in each section of the results):
#   replay   build/bench/classbench: ns/packet of fwctl's program replaying
#            each set's trace (BPF_PROG_TEST_RUN, program mode), next to the
#            reference rules on the same frames, every verdict and rule
#            counter checked against the set's expected first matches
#   live     bench/unit.sh --rules ref --mode live: forwarding cost of the
#            reference rules against the trivial devmap redirect
#   compile  build/bench/classifier: the compiler alone, and its tree shapes
#   cli      an attached fwctl (a veth pair in a private netns): 'rules load'
#            wall time and peak RSS, generation memory (bpftool), 'rules add'
#            on top of each set, and 'nft -f' of the same rules
#   soak     bench/soak.sh with SOAK_CHURN=load: 'rules load' of two 10k-rule
#            files in turn under traffic, no allowed frame lost
# Timed figures are medians of interleaved rounds; the machine is shared:
# quote ratios from one run, not absolute figures.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=$ROOT/build
FWCTL=$BUILD/fwctl
QUICK=${BENCH_QUICK:-0}

die() { echo "classbench.sh: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

median() {	# numbers... -> median
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minmax() {	# numbers... -> "min-max"
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'
}
now_ns() { date +%s%N; }

# The ClassBench rules as an nftables ruleset: one inet table, one chain,
# one rule per line, first match as in fwctl (accept/drop end the chain).
to_nft() {	# RULES_FILE TABLE
	printf 'table inet %s {\n\tchain filter {\n\t\ttype filter hook forward priority 0; policy accept;\n' "$2"
	awk '
	/^[ \t]*#/ || NF == 0 { next }
	{
		i = 1; act = "accept"
		if ($1 == "allow" || $1 == "deny") { act = $1 == "deny" ? "drop" : "accept"; i = 2 }
		proto = $i; i++; m = ""; ports = 0
		for (; i < NF; i += 2) {
			k = $i; v = $(i + 1)
			if (v ~ /,/) { gsub(/,/, ", ", v); v = "{ " v " }" }
			if (k == "src") m = m " ip saddr " v
			else if (k == "dst") m = m " ip daddr " v
			else if (k == "sport" || k == "dport") { m = m " " proto " " k " " v; ports = 1 }
			else { print "to_nft: cannot convert line " NR ": " $0 > "/dev/stderr"; exit 1 }
		}
		if (i == NF) { print "to_nft: cannot convert line " NR ": " $0 > "/dev/stderr"; exit 1 }
		if (proto != "any" && !ports) m = " meta l4proto " proto m
		print "\t\t" substr(m, 2) (m == "" ? "" : " ") act
	}' "$1" || return 1
	printf '\t}\n}\n'
}

# --- the cli part, run inside a private netns holding the veth pair ---------
# classbench.sh --cli IF_A IF_B OUT_TSV: one "SET<TAB>KEY<TAB>VALUE" line per
# figure. Needs CB_DIR, CB_LOAD_SETS, CB_ADD_SETS, CB_NFT_SETS, CB_LOAD_REPS,
# CB_ADD_REPS from the caller.
gen_memory() {	# SET: memory of the current generation and of all maps
	local bytes id gen total=0 m v
	bytes=$(bpftool -j map lookup pinned "$FWCTL_PIN_DIR/fwctl_tables" key 0 0 0 0 |
		jq -r '.value | reverse | map(ltrimstr("0x")) | join("")') || return 1
	id=$((16#$bytes))
	gen=$(bpftool -j map show id "$id") || return 1
	printf '%s\tgen_cells\t%s\n' "$1" "$(jq .max_entries <<<"$gen")"
	printf '%s\tgen_memlock\t%s\n' "$1" "$(jq .bytes_memlock <<<"$gen")"
	total=$(jq .bytes_memlock <<<"$gen")
	for m in fwctl_config fwctl_rule_stats fwctl_dir_stats fwctl_tx_stats fwctl_devmap fwctl_tables fwctl_banks; do
		[ -e "$FWCTL_PIN_DIR/$m" ] || continue
		v=$(bpftool -j map show pinned "$FWCTL_PIN_DIR/$m" | jq .bytes_memlock)
		total=$((total + v))
	done
	printf '%s\tmaps_memlock\t%s\n' "$1" "$total"
}

# timed SET KEY CMD...: run CMD, append KEY_s (wall), KEY_cpu_s (user +
# system: bash's time, from the kernel's exact run time) and KEY_rss_kib
# (peak RSS, GNU time) for SET to CLI_OUT.
timed() {
	local s=$1 key=$2 wall u k rss TIMEFORMAT='%3R %3U %3S'
	shift 2
	{ time /usr/bin/time -f '%M' -o "$CLI_WORK/time" "$@" >/dev/null 2>"$CLI_WORK/err"; } \
		2>"$CLI_WORK/times" || return 1
	read -r wall u k <"$CLI_WORK/times"
	rss=$(tail -1 "$CLI_WORK/time")
	printf '%s\t%s_s\t%s\n%s\t%s_cpu_s\t%s\n%s\t%s_rss_kib\t%s\n' "$s" "$key" "$wall" \
		"$s" "$key" "$(awk -v u="$u" -v k="$k" 'BEGIN { printf "%.3f", u + k }')" \
		"$s" "$key" "$rss" >>"$CLI_OUT"
	LAST_MS=$(awk -v w="$wall" 'BEGIN { printf "%.0f", w * 1000 }')
}

# Loads and adds run twice in a row: as is, and at SCHED_FIFO (chrt -f 1),
# which takes the CPU from the ordinary tasks of the other users of this
# shared machine (nice does not: autogroups), for at most a few seconds:
# an estimate of the wall time on a quiet machine.
cli_part() {
	local a=$1 b=$2 s f r reps add='allow tcp src 203.0.113.7 dport 4444'
	CLI_OUT=$3
	CLI_WORK=$(mktemp -d /tmp/fwcb-cli.XXXXXX) || exit 1
	export FWCTL_PIN_DIR=/sys/fs/bpf/fwcb-$$
	# shellcheck disable=SC2064
	trap "'$FWCTL' detach >/dev/null 2>&1; rm -rf '$FWCTL_PIN_DIR' '$CLI_WORK'; nft delete table inet fwcb_$$ 2>/dev/null" EXIT
	# a and b are the two ends of one pair: every frame the stack sends on
	# them (IPv6 router solicitations, MLD...) would go round between them
	# for ever once attached (2 million frames/s measured) and take a CPU
	# from what is timed here. No IPv6, so no such frame.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "net.ipv6.conf.$a.disable_ipv6=1" \
		"net.ipv6.conf.$b.disable_ipv6=1" || die "cannot turn IPv6 off on $a and $b"
	"$FWCTL" attach "$a" "$b" >/dev/null 2>"$CLI_WORK/attach.err" ||
		die "fwctl attach: $(cat "$CLI_WORK/attach.err")"
	: >"$CLI_OUT"
	for s in $CB_LOAD_SETS; do
		f=$CB_DIR/$s.rules
		for r in $(seq "$CB_LOAD_REPS"); do
			"$FWCTL" rules flush >/dev/null || die "rules flush failed"
			timed "$s" load "$FWCTL" rules load "$f" || die "rules load $s: $(cat "$CLI_WORK/err")"
			log "   $s: rules load $r: $LAST_MS ms"
			"$FWCTL" rules flush >/dev/null || die "rules flush failed"
			timed "$s" load_rt chrt -f 1 "$FWCTL" rules load "$f" ||
				die "rules load $s: $(cat "$CLI_WORK/err")"
			log "   $s: rules load $r at SCHED_FIFO: $LAST_MS ms"
		done
		gen_memory "$s" >>"$CLI_OUT" || die "cannot read the generation's memory"
		# One rule appended on top of the set (and taken out again).
		if [[ " $CB_ADD_SETS " == *" $s "* ]]; then
			reps=$CB_ADD_REPS
			[[ $s == *-100k ]] && reps=$(((reps + 1) / 2))
			for r in $(seq "$reps"); do
				# shellcheck disable=SC2086
				timed "$s" add "$FWCTL" rules add $add && timed "$s" del "$FWCTL" rules del $add &&
					timed "$s" add_rt chrt -f 1 "$FWCTL" rules add $add &&
					timed "$s" del_rt chrt -f 1 "$FWCTL" rules del $add ||
					die "rules add/del on $s: $(cat "$CLI_WORK/err")"
			done
			log "   $s: rules add and del x$reps done"
		fi
		if [[ " $CB_NFT_SETS " == *" $s "* ]]; then
			to_nft "$f" "fwcb_$$" >"$CLI_WORK/nft" || die "cannot convert $s for nft"
			timed "$s" nft nft -f "$CLI_WORK/nft" || die "nft -f $s: $(head -3 "$CLI_WORK/err")"
			printf '%s\tnft_rules\t%s\n' "$s" \
				"$(nft -a list chain inet "fwcb_$$" filter | grep -c '# handle')" >>"$CLI_OUT"
			nft delete table inet "fwcb_$$" || die "cannot delete the nft table"
			log "   $s: nft -f $LAST_MS ms"
		fi
	done
	"$FWCTL" rules flush >/dev/null
}

if [ "${1:-}" = --cli ]; then
	cli_part "$2" "$3" "$4"
	exit 0
fi

# --- setup -------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "must run as root (sudo make bench-classbench)"
for t in fwctl bench/classbench bench/classifier bench/unit tests/cli; do
	[ -x "$BUILD/$t" ] || die "missing $BUILD/$t: run make first"
done
for c in bpftool jq nft awk; do
	command -v "$c" >/dev/null || die "missing command $c (scripts/install-deps.sh)"
done
[ -x /usr/bin/time ] || die "missing /usr/bin/time (package time)"
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf ||
	die "cannot mount bpffs on /sys/fs/bpf"
CB_DIR=${CLASSBENCH_DIR:-}
if [ -z "$CB_DIR" ]; then
	for d in "$ROOT/../shared/classbench" "$ROOT/../../shared/classbench"; do
		[ -r "$d/acl1-1k.rules" ] && CB_DIR=$(cd "$d" && pwd) && break
	done
fi
[ -n "$CB_DIR" ] && [ -r "$CB_DIR/acl1-1k.rules" ] ||
	die "no ClassBench sets: set CLASSBENCH_DIR (see ../shared/classbench/README.md)"
export CB_DIR

OUT=${BENCH_CB_OUT:-$ROOT/bench/classbench.md}
PARTS=${BENCH_CB_PARTS:-replay live compile cli soak}
S1K="acl1-1k fw1-1k ipc1-1k" S10K="acl1-10k fw1-10k ipc1-10k" S100K="acl1-100k fw1-100k ipc1-100k"
if [ "$QUICK" = 1 ]; then
	REPLAY_SETS="$S1K $S10K" ROUNDS=3 PASSES=2
	LIVE_RUNS=3 LIVE_REPEAT=1000000
	export CB_LOAD_SETS=$S10K CB_ADD_SETS=$S10K CB_NFT_SETS=$S10K CB_LOAD_REPS=1 CB_ADD_REPS=3
	SOAK_S=10
else
	REPLAY_SETS="$S1K $S10K $S100K" ROUNDS=9 PASSES=5
	LIVE_RUNS=9 LIVE_REPEAT=2000000
	export CB_LOAD_SETS="$S10K $S100K" CB_ADD_SETS="$S10K $S100K" CB_NFT_SETS="$S10K $S100K"
	export CB_LOAD_REPS=3 CB_ADD_REPS=7
	SOAK_S=30
fi
WORK=$(mktemp -d /tmp/fwcb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

# --- the parts ---------------------------------------------------------------
part_replay() {
	log "replay: $REPLAY_SETS ($ROUNDS rounds x $PASSES passes)"
	# shellcheck disable=SC2086
	scripts/veth-netns.sh cbin cbout -- "$BUILD/bench/classbench" -d "$CB_DIR" -n "$ROUNDS" \
		-p "$PASSES" -v {ia} {ib} $REPLAY_SETS >"$WORK/replay.md" 2>"$WORK/replay.err"
	echo $? >"$WORK/replay.rc"
	grep -v ': round ' "$WORK/replay.err" | tail -20 >&2
	log "replay: this machine's latency of a dependent load (build/bench/memlat)"
	"$BUILD/bench/memlat" -r 5 1 2 4 8 16 64 >"$WORK/memlat.txt" 2>&1 ||
		log "   bench/memlat failed: $(tail -1 "$WORK/memlat.txt")"
}

part_live() {
	log "live: reference rules vs trivial ($LIVE_RUNS runs x $LIVE_REPEAT)"
	bench/unit.sh --rules ref --packet allowed --mode both --runs "$LIVE_RUNS" \
		--repeat "$LIVE_REPEAT" --csv >"$WORK/live.csv" 2>"$WORK/live.err" ||
		log "   bench/unit.sh failed: $(tail -1 "$WORK/live.err")"
}

part_compile() {
	log "compile: build/bench/classifier"
	# shellcheck disable=SC2086
	"$BUILD/bench/classifier" -d "$CB_DIR" -r 3 $REPLAY_SETS >"$WORK/compile.txt" 2>&1 ||
		log "   bench/classifier failed"
}

part_cli() {
	log "cli: rules load / add, memory, nft -f ($CB_LOAD_SETS)"
	scripts/veth-netns.sh --gro cbin cbout -- "$ROOT/bench/classbench.sh" --cli {a} {b} \
		"$WORK/cli.tsv" || log "   the cli part failed"
}

part_soak() {
	log "soak: rules load of two 10k-rule files in turn, ${SOAK_S}s of traffic"
	SOAK_CHURN=load SOAK_LOAD_RULES=10000 SOAK_SECONDS=$SOAK_S SOAK_JSON=$WORK/soak.json \
		bench/soak.sh >"$WORK/soak.txt" 2>&1 || log "   the soak failed"
}

for p in $PARTS; do
	case $p in
	replay | live | compile | cli | soak) "part_$p" ;;
	*) die "unknown part $p" ;;
	esac
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ----------------------------------------------------------------
declare -A V	# V[SET/KEY] = space-separated values from the cli part
if [ -s "$WORK/cli.tsv" ]; then
	while IFS=$'\t' read -r s k v; do
		V[$s/$k]="${V[$s/$k]:-} $v"
	done <"$WORK/cli.tsv"
fi
val() { echo "${V[$1/$2]:-}"; }
# med SET KEY [SCALE [DECIMALS]]: median of a key's values x SCALE, or "-"
med() {
	local v
	v=$(val "$1" "$2")
	[ -z "$v" ] && { echo -; return; }
	# shellcheck disable=SC2086
	awk -v m="$(median $v)" -v f="${3:-1}" -v d="${4:-2}" 'BEGIN { printf "%.*f", d, m * f }'
}
# medr SET KEY SCALE DECIMALS: "median [min-max]" x SCALE
medr() {
	local v
	v=$(val "$1" "$2")
	[ -z "$v" ] && { echo -; return; }
	# shellcheck disable=SC2086
	awk -v m="$(median $v)" -v r="$(minmax $v)" -v f="$3" -v d="$4" 'BEGIN {
		split(r, a, "-"); printf "%.*f [%.*f-%.*f]", d, m * f, d, a[1] * f, d, a[2] * f }'
}

# The replay's rounds of a set (trace order), split by the machine's state:
# "fast" for a round whose ref figure is at or below the set's median ref,
# else "slow". For each state: "ROUNDS REF SET RATIO", the medians of the
# rounds' figures net of their copy (as the replay table's), or "0 - - -".
replay_states() {	# SET
	local rounds sel st m
	rounds=$(sed -n "s/^$1: round [0-9]*, trace order: copy \([0-9]*\) trivial [0-9]* ref \([0-9]*\) set \([0-9]*\)\$/\1 \2 \3/p" \
		"$WORK/replay.err" 2>/dev/null | awk '{ r = $2 - $1; printf "%d %d %.4f\n", r, $3 - $1, (r > 0 ? ($3 - $1) / r : 0) }')
	[ -n "$rounds" ] || return 0
	# shellcheck disable=SC2046
	m=$(median $(cut -d' ' -f1 <<<"$rounds"))
	for st in fast slow; do
		sel=$(awk -v m="$m" -v st="$st" '($1 <= m) == (st == "fast")' <<<"$rounds")
		if [ -z "$sel" ]; then
			printf '0 - - - '
			continue
		fi
		# shellcheck disable=SC2046
		printf '%d %.0f %.0f %.2f ' "$(wc -l <<<"$sel")" "$(median $(cut -d' ' -f1 <<<"$sel"))" \
			"$(median $(cut -d' ' -f2 <<<"$sel"))" "$(median $(cut -d' ' -f3 <<<"$sel"))"
	done
	echo
}

# replay column of a set: 11 = set/ref trace order, 14 = shuffled
replay_col() {	# SET COLUMN
	awk -F'|' -v s="$1" -v c="$2" '$2 ~ "^ " s " $" { v = $c; gsub(/\*/, "", v); split(v, a, " "); print a[1] }' \
		"$WORK/replay.md" 2>/dev/null
}

TARGETS=$WORK/targets.md
# target WHAT MEASURED LIMIT le|ge [NOTE [ALT]]: a row of the targets table;
# ALT, a second figure (at SCHED_FIFO), is judged too when MEASURED misses.
target() {
	local ok
	if [ -z "$2" ] || [ "$2" = - ]; then
		printf '| %s | not measured | %s %s | - |\n' "$1" "$([ "$4" = le ] && echo '<=' || echo '>=')" "$3"
		return
	fi
	met() { awk -v m="$1" -v l="$2" -v op="$3" 'BEGIN { exit !(op == "le" ? m <= l : m >= l) }'; }
	if met "$2" "$3" "$4"; then
		ok="**met**"
	elif [ -n "${6:-}" ] && [ "$6" != - ] && met "$6" "$3" "$4"; then
		ok="**missed** as is; met at SCHED_FIFO"
	else
		ok="**missed**"
	fi
	printf '| %s | %s%s | %s %s | %s |\n' "$1" "$2" "${5:+ ($5)}" \
		"$([ "$4" = le ] && echo '<=' || echo '>=')" "$3" "$ok"
}

live_rate_ratio() {	# program|live -> trivial ns / fwctl ns (forwarding rate ratio)
	awk -F, -v m="$1" '$1 == "ref" && $15 == m && $3 > 0 { printf "%.3f", $6 / $3 }' "$WORK/live.csv" 2>/dev/null
}

{
	echo "| target | measured | limit | |"
	echo "|---|--:|--:|---|"
	target "live forwarding rate, reference rules / trivial redirect" "$(live_rate_ratio live)" 0.93 ge
	for s in acl1-10k ipc1-10k; do
		target "ns/packet $s / reference rules (trace order)" "$(replay_col "$s" 11)" 3 le
	done
	for s in acl1-100k ipc1-100k; do
		target "ns/packet $s / reference rules (trace order)" "$(replay_col "$s" 11)" 4 le
	done
	target "ns/packet fw1-100k / reference rules (trace order)" "$(replay_col fw1-100k 11)" 8 le
	for s in acl1-100k ipc1-100k fw1-100k; do
		target "rules load of $s: compile + apply, wall s (median)" "$(med "$s" load_s)" \
			"$([ "$s" = fw1-100k ] && echo 10 || echo 2)" le \
			"SCHED_FIFO: $(med "$s" load_rt_s); CPU $(med "$s" load_cpu_s)" "$(med "$s" load_rt_s)"
	done
	for s in acl1-100k ipc1-100k fw1-100k; do
		m=$(val "$s" gen_memlock)
		[ -n "$m" ] && m=$(awk -v b="$(median $m)" 'BEGIN { printf "%.1f", b / 1048576 }')
		target "generation memory of $s, MiB (memlock)" "$m" 128 le
	done
	for s in acl1-10k ipc1-10k fw1-10k; do
		target "one rules add on $s, wall ms (median)" "$(med "$s" add_s 1000 0)" 100 le \
			"SCHED_FIFO: $(med "$s" add_rt_s 1000 0); CPU $(med "$s" add_cpu_s 1000 0)" \
			"$(med "$s" add_rt_s 1000 0)"
	done
} >"$TARGETS"

{
	echo "# fwctl on the ClassBench sets (issue 11 benchmarks)"
	echo
	echo "$(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)),"
	echo "load average $LOAD0 at the start, $LOAD1 at the end; quick=$QUICK; $(($(date +%s) - T0)) s."
	echo "Made by \`bench/classbench.sh\` (\`make bench-classbench\`); the sets from \`$CB_DIR\`."
	echo "Shared 2-CPU machine: absolute figures move by tens of percent between runs,"
	echo "the ratios (measured side by side, interleaved) much less. Targets missed are"
	echo "analysed in the notes at the end."
	echo
	echo "## Targets"
	echo
	cat "$TARGETS"
	echo
	echo "## 1. ns/packet replaying each set's trace (program mode)"
	echo
	echo "\`build/bench/classbench\`: fwctl's program loaded from its skeleton with private maps"
	echo "(as bench/unit), the set's \`.rules\` file read by the parser \`rules load\` uses and applied"
	echo "with \`ruleset_replace\`, policy drop. Each trace header becomes a 64-byte IPv4 frame"
	echo "(TCP SYN / UDP with the trace's ports, ICMP echo request, any other protocol as a bare"
	echo "payload). A replay program (\`bench/classbench/cb_replay.bpf.c\`) copies the next frame"
	echo "over the test frame and tail-calls the program measured, so one \`BPF_PROG_TEST_RUN\`"
	echo "with repeat = $PASSES x the trace length replays the whole trace $PASSES times and the"
	echo "kernel's duration is the mean per frame. Its own cost (\`copy\`: the copy without"
	echo "the call) is measured in the same round and subtracted: ns columns are net, the"
	echo "program's own cost. Variants per round (order rotated each round): copy, trivial"
	echo "(devmap redirect only), ref (fwctl with the reference rules \`icmp\`, \`tcp 7070\`, \`udp\`"
	echo "on the same frames), set. Ratios are medians of the per-round ratios [min-max]."
	echo "\`shuffled\`: the same frames in a random order (no locality). \`per-syscall\`: each"
	echo "frame alone in its own test run (cold caches, timer overhead included) during the"
	echo "verdict check. \`apply s\`: ruleset_replace in-process (compile, fill, commit)."
	echo "Checks (a failure stops the set): every frame's verdict (allow = XDP_REDIRECT, deny ="
	echo "XDP_DROP) equals \`.expect.gz\`; each rule's packet counter equals the number of"
	echo "headers whose expected first match it is (times the passes run), after the"
	echo "per-frame check, after one replay and after all the timing; forwarded and rule-drop"
	echo "totals equal the expected allows and denies; the reference rules' verdicts too."
	echo
	if [ -s "$WORK/replay.md" ]; then
		cat "$WORK/replay.md"
		[ "$(cat "$WORK/replay.rc" 2>/dev/null)" = 0 ] ||
			{ echo; echo "**FAILED** (exit $(cat "$WORK/replay.rc")):"; echo '```'; grep -v ': round ' "$WORK/replay.err" | tail -5; echo '```'; }
	else
		echo "(not run)"
	fi
	echo
	echo "### Where the 100k sets' time goes: the machine's memory"
	echo
	echo "A set of 100k rules cannot stay in cache: its boxes alone take over 6 MiB (a bank"
	echo "cell of 128 bytes holds two), its nodes 0.5-1 MiB, its rule counters 1.6 MiB a CPU."
	echo "A packet reads a few lines of them, each waiting on the one before: the lower nodes,"
	echo "the leaf's run, then the matched rule's counter. \`build/bench/memlat\` times one such"
	echo "wait on this machine: a load that depends on the load before it, over a working set"
	echo "of the size given (one random cycle through its 64-byte lines; ns per load, median"
	echo "[min-max] of 5 rounds, right after the replay):"
	echo
	if [ -s "$WORK/memlat.txt" ] && awk 'NF != 4 { exit 1 }' "$WORK/memlat.txt"; then
		echo "| working set MiB | ns per dependent load |"
		echo "|--:|--:|"
		awk '{ printf "| %s | %s [%s-%s] |\n", $1, $2, $3, $4 }' "$WORK/memlat.txt"
	else
		echo "(not run)"
	fi
	echo
	echo "The reference rules' figure is compute: it halves when the machine is in its fast"
	echo "state. A 100k set's is mostly waiting on memory, which the fast state does not"
	echo "shorten, so its ratio to the reference is worse in the fast state. The same replay's"
	echo "rounds (trace order), split at the median of the round's ref figure (net ns, medians):"
	echo
	STATES=""
	for s in $S100K; do
		read -r fn fr fs fq sn sr ss sq < <(replay_states "$s")
		[ -n "${fn:-}" ] && STATES+=$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |' \
			"$s" "$fn" "$fr" "$fs" "$fq" "$sn" "$sr" "$ss" "$sq")$'\n'
	done
	if [ -n "$STATES" ]; then
		echo "| set | fast rounds | ref | set | set/ref | slow rounds | ref | set | set/ref |"
		echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
		printf '%s' "$STATES"
	else
		echo "(no 100k set replayed)"
	fi
	echo
	echo "## 2. Forwarding cost, reference rules against the trivial redirect"
	echo
	echo "\`bench/unit.sh --rules ref --mode both\`: one 64-byte TCP frame to port 7070 (allowed by"
	echo "\`tcp 7070\`, the second rule), repeat $LIVE_REPEAT, $LIVE_RUNS runs interleaved. Live mode"
	echo "(\`BPF_F_TEST_XDP_LIVE_FRAMES\`) carries every redirect out through the devmap into a"
	echo "veth and up its peer's stack. Forwarding rate ratio = trivial ns / fwctl ns."
	echo
	if [ -s "$WORK/live.csv" ]; then
		echo "| mode | fwctl ns median [min-max] | trivial ns median [min-max] | rate ratio |"
		echo "|---|--:|--:|--:|"
		awk -F, '$1 == "ref" { printf "| %s | %s [%s-%s] | %s [%s-%s] | **%.3f** |\n",
			$15, $3, $4, $5, $6, $7, $8, ($3 > 0 ? $6 / $3 : 0) }' "$WORK/live.csv"
	else
		echo "(not run)"
	fi
	echo
	echo "## 3. Compile, apply, memory, one rule added; nft -f of the same rules"
	echo
	echo "An attached fwctl (native mode on a veth pair in a private netns). \`load s\`: wall"
	echo "time of \`fwctl rules load FILE\` after a flush (parse, compile, fill, commit), median"
	echo "[min-max] of $CB_LOAD_REPS; \`FIFO\`: the same right after under \`chrt -f 1\`"
	echo "(SCHED_FIFO: the CPU taken from the other users' ordinary tasks, an estimate for a"
	echo "quiet machine; nice does not do it here, autogroups); \`CPU s\`: CPU time (bash's"
	echo "time); \`RSS\`: peak RSS (GNU time). Wall minus CPU is mostly waiting for a"
	echo "CPU on this shared machine (plus the commit's RCU grace period, ~10-15 ms)."
	echo "\`cells\`: the generation's cells (x 128 B = \`MiB\`; the rule text is part of it);"
	echo "\`memlock\`: \`bpftool map show\` of the generation, and of all fwctl maps (the two"
	echo "banks and the rule counters, 4 MiB a CPU for 262,144 ids, are most of the rest); during a load both"
	echo "generations exist. \`add ms\`: \`fwctl rules add\` of one rule appended to the set,"
	echo "median [min-max] of $CB_ADD_REPS ($(((CB_ADD_REPS + 1) / 2)) at 100k), each deleted again"
	echo "(\`del ms\`), and the same at SCHED_FIFO. \`nft -f\`: the same rules as one \`inet\`"
	echo "table, one rule per line (\`ip saddr ... ip daddr ... tcp dport ... accept|drop\`),"
	echo "loaded once, deleted after; \`nft rules\` counts what it then held."
	echo
	if [ -s "$WORK/cli.tsv" ]; then
		echo "| set | load s | FIFO | CPU s | RSS MiB | cells | MiB | memlock MiB | all maps MiB | add ms | FIFO | CPU ms | del ms | nft -f s | CPU s | RSS MiB | nft rules |"
		echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
		for s in $CB_LOAD_SETS; do
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$s" "$(medr "$s" load_s 1 2)" "$(med "$s" load_rt_s)" \
				"$(med "$s" load_cpu_s)" "$(med "$s" load_rss_kib 0.0009765625 0)" \
				"$(med "$s" gen_cells 1 0)" "$(med "$s" gen_cells 0.0001220703125 1)" \
				"$(med "$s" gen_memlock 0.00000095367431640625 1)" \
				"$(med "$s" maps_memlock 0.00000095367431640625 1)" \
				"$(medr "$s" add_s 1000 0)" "$(med "$s" add_rt_s 1000 0)" \
				"$(med "$s" add_cpu_s 1000 0)" "$(med "$s" del_s 1000 0)" \
				"$(med "$s" nft_s)" "$(med "$s" nft_cpu_s)" \
				"$(med "$s" nft_rss_kib 0.0009765625 0)" "$(med "$s" nft_rules 1 0)"
		done
	else
		echo "(not run)"
	fi
	echo
	echo "The compiler alone, in user space (\`build/bench/classifier\`; compile = best of the"
	echo "in-process compile, no file parse; ns = the C walk of the trace, best of 3):"
	echo
	if [ -s "$WORK/compile.txt" ]; then
		echo '```'
		cat "$WORK/compile.txt"
		echo '```'
	else
		echo "(not run)"
	fi
	echo
	echo "## 4. Soak: rules load of two large files under traffic"
	echo
	echo "\`SOAK_CHURN=load SOAK_LOAD_RULES=10000 SOAK_SECONDS=$SOAK_S bench/soak.sh\`: UDP to port 5201 at"
	echo "full rate through the filter while \`fwctl rules load\` replaces the whole set back to back"
	echo "with file A (\`allow udp 5201\` first, then 9,999 rules: deny UDP to 5201 from other"
	echo "sources, TCP rules) and file B (9,999 other such rules, \`allow udp 5201\` last). Every"
	echo "frame sent must be counted on \`allow udp 5201\` (which keeps its id and counter across"
	echo "loads), forwarded and received; at the end the set must be exactly A or B, and whole."
	echo
	if [ -s "$WORK/soak.txt" ]; then
		echo '```'
		sed -n '/== soak summary/,$p' "$WORK/soak.txt"
		echo '```'
	else
		echo "(not run)"
	fi
	echo
	[ -r "$ROOT/bench/classbench-notes.md" ] && cat "$ROOT/bench/classbench-notes.md"
} >"$OUT"
log "wrote $OUT"
cat "$TARGETS" >&2
rc=0
[ -e "$WORK/replay.rc" ] && [ "$(cat "$WORK/replay.rc")" != 0 ] && rc=1
[ -s "$WORK/soak.json" ] && [ "$(jq .ok "$WORK/soak.json")" != true ] && rc=1
exit $rc
