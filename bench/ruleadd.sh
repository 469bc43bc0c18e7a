#!/bin/bash
# bench/ruleadd.sh - one 'fwctl rules add' on big sets, two builds side by
# side: each attached to its own veth pair (in one private netns) with its
# own pin directory, the same set loaded into both, then adds (each deleted
# again) interleaved A, B, A, B... Prints the medians of wall and CPU time
# (user + system, bash's time) per set and build. Root.
#
# usage: bench/ruleadd.sh [-n REPS] [-s "SET..."] [-d CLASSBENCH_DIR] FWCTL_A FWCTL_B
#   defaults: 9 adds each, acl1-10k fw1-10k ipc1-10k, ../shared/classbench
# The rule added is the one bench/classbench.sh adds (at the end of the
# list); '-p' adds it at position 1 instead (the whole set is recompiled);
# '-k' keeps every add (REPS different rules, one after the other: the
# appended rules pile up) instead of deleting each again.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
reps=9 sets="acl1-10k fw1-10k ipc1-10k" dir=$here/../shared/classbench at=() keep=0
[ -d "$dir" ] || dir=/work/shared/classbench
while getopts n:s:d:pk o; do
	case $o in
	n) reps=$OPTARG ;;
	s) sets=$OPTARG ;;
	d) dir=$OPTARG ;;
	p) at=(--at 1) ;;
	k) keep=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: $0 [-n REPS] [-s SETS] [-d DIR] [-p] FWCTL_A FWCTL_B" >&2; exit 2; }

if [ -z "${RULEADD_INNER:-}" ]; then
	opt=()
	[ ${#at[@]} -gt 0 ] && opt+=(-p)
	[ "$keep" = 1 ] && opt+=(-k)
	exec env RULEADD_INNER=1 unshare --net -- "$0" -n "$reps" -s "$sets" -d "$dir" "${opt[@]}" \
		"$(realpath "$1")" "$(realpath "$2")"
fi

A=$1 B=$2 work=$(mktemp -d /tmp/ruleadd.XXXXXX)
pin() { echo "/sys/fs/bpf/ruleadd-$$-$1"; }
cleanup() {
	FWCTL_PIN_DIR=$(pin a) "$A" detach >/dev/null 2>&1
	FWCTL_PIN_DIR=$(pin b) "$B" detach >/dev/null 2>&1
	rm -rf "$(pin a)" "$(pin b)" "$work"
}
trap cleanup EXIT
# Each build filters two veths of different pairs: attached to both ends of
# one pair, it would bounce every frame the stack sends (IPv6 router
# solicitations...) between them forever, and the softirqs would eat the
# CPU being measured. The peers have no XDP program: what is forwarded to
# them is dropped there. No IPv6 in the namespace either.
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for x in a0 a1 b0 b1; do
	ip link add "ra$x" type veth peer name "ra${x}p" && ip link set "ra$x" up &&
		ip link set "ra${x}p" up || exit 1
done
FWCTL_PIN_DIR=$(pin a) "$A" attach raa0 raa1 >/dev/null 2>&1 || { echo "attach A failed" >&2; exit 1; }
FWCTL_PIN_DIR=$(pin b) "$B" attach rab0 rab1 >/dev/null 2>&1 || { echo "attach B failed" >&2; exit 1; }

# one X R: append "wall cpu" (seconds) of one add to $work/X, then delete it
one() {
	local x=$1 bin TIMEFORMAT='%3R %3U %3S' w u k rule=(allow tcp src 203.0.113.7 dport 4444)
	[ "$keep" = 1 ] && rule[5]=$((4444 + $2))
	bin=$A
	[ "$x" = b ] && bin=$B
	{ time FWCTL_PIN_DIR=$(pin "$x") "$bin" rules add "${at[@]}" "${rule[@]}" >/dev/null; } \
		2>"$work/t" || { echo "add on $x failed" >&2; exit 1; }
	read -r w u k <"$work/t"
	echo "$w $(awk -v u="$u" -v k="$k" 'BEGIN { print u + k }')" >>"$work/$x"
	[ "$keep" = 1 ] || FWCTL_PIN_DIR=$(pin "$x") "$bin" rules del "${rule[@]}" >/dev/null || exit 1
}
med() {	# FILE COLUMN: median in ms
	awk -v c="$2" '{ print $c }' "$1" | sort -g |
		awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
			printf "%.0f", m * 1000 }'
}
printf '%-10s %5s  %8s %8s  %8s %8s   (medians of %d adds each, ms; load %s)\n' set rules \
	"A wall" "A cpu" "B wall" "B cpu" "$reps" "$(cut -d' ' -f1-3 /proc/loadavg)"
for s in $sets; do
	for x in a b; do
		bin=$A
		[ "$x" = b ] && bin=$B
		FWCTL_PIN_DIR=$(pin "$x") "$bin" rules load "$dir/$s.rules" >"$work/load" ||
			{ echo "load $s on $x failed" >&2; exit 1; }
		n=$(awk '{ print $2 }' "$work/load")
	done
	: >"$work/a"
	: >"$work/b"
	for r in $(seq "$reps"); do
		one a "$r"
		one b "$r"
	done
	printf '%-10s %5s  %8s %8s  %8s %8s\n' "$s" "$n" \
		"$(med "$work/a" 1)" "$(med "$work/a" 2)" "$(med "$work/b" 1)" "$(med "$work/b" 2)"
done
