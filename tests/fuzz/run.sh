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

echo "fuzz: seed $seed (replay the stream with FUZZ_SEED=$seed)"
scripts/veth-netns.sh fza fzb -- "$bin" stream --ifaces {a} {b} --seed "$seed" \
	--seconds "$seconds" --save "$save"
rc=$?
[ $rc -eq 125 ] && echo "fuzz: cannot create a veth pair in a private netns" >&2
exit $rc
