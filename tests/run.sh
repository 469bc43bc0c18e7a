#!/bin/bash
# run.sh - run every test suite and print one closing line "N passed, N failed".
#
# A suite is an executable tests/<name>/run (script or program) that prints
# one line per test: "PASS: what it checks", "FAIL: what it checks: why" or
# "SKIP: what: why". A suite that exits non-zero without printing a FAIL
# counts as one failure. SUITES="unit cli" runs a subset.
#
# A suite that runs longer than SUITE_TIMEOUT seconds (default 1200) is
# stopped (SIGTERM to it and its children, which run their cleanup; SIGKILL
# 20 s later) and counts as failed: a hang must not eat CI's whole time.
set -u
cd "$(dirname "$0")/.."

suites=${SUITES:-"rules classifier capture unit cli ruleset output fuzz e2e peer classify packaging harness metrics conntrack trace ct-e2e"}
limit=${SUITE_TIMEOUT:-1200}
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for s in $suites; do
	runner=tests/$s/run
	if [ ! -x "$runner" ]; then
		echo "FAIL: suite $s: $runner missing"
		fail=$((fail + 1))
		continue
	fi
	echo "== suite $s"
	timeout -k 20 "$limit" "$runner" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	k=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL: suite $s: still running after $limit s (SUITE_TIMEOUT), stopped"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: suite $s exited with status $rc"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
done

echo
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
