#!/bin/bash
# bench/profile.sh - where fwctl's in-kernel time goes, per source line.
#
#   bench/profile.sh [RULES [allowed|dropped]]     (default 10000 allowed; root)
#
# Runs bench/unit.sh (fwctl and the trivial redirect through BPF_PROG_TEST_RUN)
# under `perf record -a`, then attributes the samples that fall in fwctl's
# JITed program to its source lines (build/bench/jitlines reads the JITed
# line info of an identical program attached for the purpose to a throwaway
# veth pair). Prints: the top kernel symbols of the run, and fwctl's time by
# source line. Needs perf (package linux-perf).
set -u
cd "$(dirname "$0")/.." || exit 1
RULES=${1:-10000}
KIND=${2:-allowed}
BUILD=$PWD/build

die() { echo "profile: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v perf >/dev/null || die "perf missing (apt-get install linux-perf)"
for t in fwctl bench/unit bench/jitlines; do
	[ -x "$BUILD/$t" ] || die "missing $BUILD/$t: run make"
done

W=$(mktemp -d /tmp/fwprof.XXXXXX)
A=fwpa$$ B=fwpb$$
export FWCTL_PIN_DIR=/sys/fs/bpf/fwprof-$$
cleanup() {
	"$BUILD/fwctl" detach >/dev/null 2>&1
	rm -rf "$FWCTL_PIN_DIR"
	ip link del "$A" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== bench/unit.sh --rules $RULES --packet $KIND under perf record -a"
perf record -q -a -o "$W/perf.data" -- bench/unit.sh --rules "$RULES" --packet "$KIND" \
	--runs 3 --repeat 30000000 || die "perf record failed"

ip link add "$A" type veth peer name "$B" || die "veth"
"$BUILD/fwctl" attach "$A" "$B" >/dev/null 2>&1 || die "fwctl attach failed"
id=$(ip -j link show dev "$A" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
tag=$(bpftool -j prog show id "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tag"])')
"$BUILD/bench/jitlines" "$id" >"$W/lines.txt" || die "jitlines failed"
perf script -i "$W/perf.data" -F comm,ip,sym,symoff 2>/dev/null | awk '$1 == "unit" { print $1, $3 }' >"$W/samples.txt"

python3 - "$W/samples.txt" "$W/lines.txt" "$tag" <<'EOF'
import bisect, collections, sys
samples, lines, tag = sys.argv[1:4]
syms = collections.Counter()
offs = []
for l in open(samples):
    parts = l.split()
    if len(parts) < 2:
        continue
    sym = parts[1]
    name = sym.split("+0x")[0]
    if name.startswith("bpf_prog_"):
        # bpf_prog_<tag>_<name>: group every instance of a program
        name = name if tag in name or "trivial" in name else name + " (other)"
    syms[name] += 1
    if f"bpf_prog_{tag}_fwctl_xdp+0x" in sym:
        offs.append(int(sym.split("+0x")[1], 16))
total = sum(syms.values())
print(f"\n== kernel symbols, process 'unit' ({total} samples)")
for s, n in syms.most_common(12):
    print(f"{100 * n / total:6.1f}%  {s}")
segs = []
for l in open(lines):
    off, insn, text = l.rstrip("\n").split(" ", 2)
    segs.append((int(off, 16), text))
segs.sort()
starts = [s[0] for s in segs]
by = collections.Counter()
for o in offs:
    i = bisect.bisect_right(starts, o) - 1
    by[segs[i][1] if i >= 0 else "?"] += 1
print(f"\n== fwctl_xdp by source line ({len(offs)} samples; perf skid may credit a line with the cost of the one before)")
for text, n in by.most_common(25):
    print(f"{100 * n / max(len(offs), 1):6.1f}%  {text[:100]}")
EOF
