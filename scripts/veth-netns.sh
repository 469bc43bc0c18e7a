#!/bin/bash
# scripts/veth-netns.sh - run a command in a throwaway network namespace
# holding one veth pair. For the tools that need real ingress ifindexes
# (BPF_PROG_TEST_RUN) but must not touch the host's interfaces: the unit
# tests, the fuzz tests and bench-unit. The namespace and its veths vanish
# with the command, whatever happens. Root.
#
# usage: scripts/veth-netns.sh [--gro] NAME_A NAME_B -- COMMAND [ARG...]
#   In COMMAND's arguments, {a} and {b} become the two interface names and
#   {ia} and {ib} their ifindexes. --gro turns GRO on on NAME_A, so that
#   frames redirected into NAME_B come out of NAME_A (a veth drops XDP
#   frames unless its peer has GRO or an XDP program).
# Exit status: COMMAND's, or 125 when the namespace or the pair cannot be
# made (with a message on stderr).
set -u

gro=0
if [ "${1:-}" = --gro ]; then
	gro=1
	shift
fi
if [ $# -lt 4 ] || [ "$3" != -- ]; then
	echo "usage: $0 [--gro] NAME_A NAME_B -- COMMAND [ARG...]" >&2
	exit 125
fi

# /sys/class/net would still show the outer namespace: ask ip for ifindexes.
exec unshare --net -- bash -c '
	gro=$1 a=$2 b=$3
	shift 4
	ifindex() { ip -o link show dev "$1" | cut -d: -f1; }
	if ! ip link add "$a" type veth peer name "$b" ||
	   ! ip link set "$a" up || ! ip link set "$b" up ||
	   { [ "$gro" = 1 ] && ! ethtool -K "$a" gro on >/dev/null; }; then
		echo "veth-netns: cannot create the veth pair $a/$b in a private netns" >&2
		exit 125
	fi
	ia=$(ifindex "$a") ib=$(ifindex "$b")
	args=()
	for w in "$@"; do
		w=${w//\{a\}/$a} w=${w//\{b\}/$b}
		w=${w//\{ia\}/$ia} w=${w//\{ib\}/$ib}
		args+=("$w")
	done
	exec "${args[@]}"
' veth-netns "$gro" "$1" "$2" "$3" "${@:4}"
