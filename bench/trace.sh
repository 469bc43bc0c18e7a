#!/bin/bash
# bench/trace.sh - `make bench-trace`: what tracing costs the datapath, in
# ns/packet (tests/trace/bench.c): the tests/trace datapath without tracing
# code, with tracing off, with a trace on (default rate, no limit, filtered
# out) and while a fwctl check runs. BPF_PROG_TEST_RUN in a throwaway
# network namespace holding a veth pair. Root.
#
# usage: bench/trace.sh [ROUNDS [REPEAT]]   (default 21 rounds of 2,000,000)
set -u
cd "$(dirname "$0")/.."
bin=build/tests/trace

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/trace.sh: needs root (BPF_PROG_TEST_RUN, a network namespace)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "bench/trace.sh: $bin missing (run make)" >&2
	exit 1
fi
scripts/veth-netns.sh fwbt-in fwbt-out -- "$bin" bench {ia} {ib} "${1:-21}" "${2:-2000000}"
rc=$?
[ $rc -eq 125 ] && echo "bench/trace.sh: cannot create a veth pair in a private netns" >&2
exit $rc
