#!/bin/bash
# bench/unit.sh - `make bench-unit`: in-kernel ns/packet of fwctl next to a
# trivial bpf_redirect_map program (BPF_PROG_TEST_RUN, repeat >= 10^7), at 1
# and 10,000 rules by default. Runs build/bench/unit in a throwaway network
# namespace holding a veth pair (scripts/veth-netns.sh). Options go to the
# program: --rules 1,100,1000,10000 --packet allowed|dropped|both
# --mode program|live|both --runs N --repeat N --watcher --csv (see
# build/bench/unit --help). Root.
set -u
cd "$(dirname "$0")/.."
bin=build/bench/unit

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/unit.sh: needs root (BPF_PROG_TEST_RUN, a network namespace)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "bench/unit.sh: $bin missing (run make)" >&2
	exit 1
fi
for a in "$@"; do
	case $a in -h|--help) exec "$bin" --help ;; esac
done

# GRO on fwb-in: live mode redirects into fwb-out, whose frames come out of
# fwb-in.
scripts/veth-netns.sh --gro fwb-in fwb-out -- "$bin" "$@" {ia} {ib}
rc=$?
[ $rc -eq 125 ] && echo "bench/unit.sh: cannot create a veth pair in a private netns" >&2
exit $rc
