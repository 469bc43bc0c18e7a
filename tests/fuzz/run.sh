#!/bin/bash
# tests/fuzz/run.sh - `make fuzz`: a time-bounded differential fuzzing stream
# with a random seed (printed). Every frame on which the datapath and the
# reference disagree is saved as tests/fuzz/regressions/
# seedS-rR-fN__CONFIG__dDIR.pcap: the name says the configuration (rule set
# and policy) and the direction it failed under, and tests/fuzz/run replays
# it in every `make test`.
#
#   FUZZ_SECONDS (default 60), FUZZ_SEED (default random),
#   FUZZ_SAVE_DIR (default tests/fuzz/regressions)
set -u
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-60}
seed=${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
save=${FUZZ_SAVE_DIR:-tests/fuzz/regressions}
bin=${FUZZ_BIN:-build/tests/fuzz}

if [ "$(id -u)" -ne 0 ]; then
	echo "fuzz: needs root (BPF_PROG_TEST_RUN)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "fuzz: $bin missing (run make)" >&2
	exit 1
fi
mkdir -p "$save" || exit 1
save=$(cd "$save" && pwd)

sfx=$$$RANDOM
ns=fwfz$sfx a=fza$sfx b=fzb$sfx
ns=${ns:0:15} a=${a:0:15} b=${b:0:15}
cleanup() { ip netns del "$ns" 2>/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$ns" ||
   ! ip -n "$ns" link add "$a" type veth peer name "$b" ||
   ! ip -n "$ns" link set "$a" up || ! ip -n "$ns" link set "$b" up; then
	echo "fuzz: cannot create netns $ns with veth $a/$b" >&2
	exit 1
fi

echo "fuzz: seed $seed (replay the stream with FUZZ_SEED=$seed)"
ip netns exec "$ns" "$bin" stream --ifaces "$a" "$b" --seed "$seed" --seconds "$seconds" \
	--save "$save"
