#!/bin/bash
# bench/trace.sh - what tracing costs the datapath (issue 13), run by
# `make bench` and `make bench-trace`: ns/packet of the real program
# (bpf/fwctl.bpf.c with the bench's rules, policy drop) before tracing
# (tests/trace/fwctl_notrace.bpf.c: the datapath without the trace flag's
# test), with tracing off, with a trace on (default --rate 1000, no limit,
# filtered out) and while a fwctl check runs; variants interleaved in each
# round (tests/trace/bench.c). BPF_PROG_TEST_RUN, program mode, in a
# throwaway network namespace holding a veth pair. Writes bench/trace.md
# (BENCH_TRACE_OUT to write elsewhere). Root.
#
# usage: bench/trace.sh [ROUNDS [REPEAT]]   (default 21 rounds of 2,000,000)
set -u
cd "$(dirname "$0")/.."
bin=build/tests/trace
out=${BENCH_TRACE_OUT:-bench/trace.md}
rounds=${1:-21} repeat=${2:-2000000}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/trace.sh: needs root (BPF_PROG_TEST_RUN, a network namespace)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "bench/trace.sh: $bin missing (run make)" >&2
	exit 1
fi
res=$(mktemp)
trap 'rm -f "$res"' EXIT
scripts/veth-netns.sh fwbt-in fwbt-out -- "$bin" bench {ia} {ib} "$rounds" "$repeat" | tee "$res"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 125 ]; then
	echo "bench/trace.sh: cannot create a veth pair in a private netns" >&2
	exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"
{
	echo "# What tracing costs (issue 13)"
	echo
	echo "\`make bench-trace\` (bench/trace.sh), $(date -u '+%Y-%m-%d %H:%M UTC'); kernel"
	echo "$(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"
	echo "$(nproc) CPUs, shared machine. $rounds rounds of BPF_PROG_TEST_RUN (repeat $repeat)"
	echo "of one 64-byte IPv4 TCP frame through the real program, as \`fwctl attach\`"
	echo "loads it for the input interface, rules \`allow icmp\`, \`allow tcp 7070\`,"
	echo "\`allow udp\`, \`allow tcp dport 1005\`, policy drop; program mode (the"
	echo "redirect is returned, not carried out). The variants run interleaved in each"
	echo "round. \"before tracing\" is tests/trace/fwctl_notrace.bpf.c: bpf/fwctl.bpf.c"
	echo "without the entry's test of the trace flag, i.e. the datapath as it was before"
	echo "this change. First figure: median of this thread's CPU time per packet; in"
	echo "brackets the kernel's own average (whole ns), mean of the rounds. Target:"
	echo "tracing off within 2% of before tracing (median of the per-round ratios)."
	echo
	echo '```'
	sed 's/^cost: //' "$res"
	echo '```'
	echo
	echo "\"on, --rate 1000\": a trace wanting every frame at the default rate (after"
	echo "the first second's burst the rate limit refuses them, counting each as lost);"
	echo "\"on, every frame\": no rate limit, every frame recorded, a reader draining"
	echo "the ring on the other CPU; \"on, filtered out\": a trace whose filter"
	echo "(\`--proto 47\`) wants none of them; \"a check running\": a \`fwctl check\`"
	echo "holds a check slot (real frames are looked at for probe metadata)."
	echo
	echo "Against main's own program before tracing (a one-off): bench/trace-vs-main.md."
} >"$out"
echo "bench/trace.sh: wrote $out"
