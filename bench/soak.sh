#!/bin/bash
# bench/soak.sh - soak benchmark (not part of make test): allowed UDP at full
# rate through the filter while unrelated rules are added and removed every
# few milliseconds. Reports whether any allowed frame was lost and whether
# the counters stay consistent (forwarded + dropped == received).
#
#   bench/soak.sh                       60 s, native mode
#   SOAK_SECONDS=10 SOAK_MODE=skb bench/soak.sh
#
# Knobs: SOAK_SECONDS (60), SOAK_MODE (native|skb), SOAK_INTERVAL_US (2000:
# one rule change every 2 ms from the libfwctl churner, plus a second churner
# calling the fwctl CLI back to back), SOAK_PPS (0 = as fast as the sender
# can), SOAK_LEN (frame length, 64).
#
# Topology: scripts/topology.sh (fwpriv-SUF -> fwin-SUF | fwctl | fwout-SUF ->
# fwpub-SUF). The sender (build/tests/cli send, AF_PACKET) in fwpriv sends
# UDP to port 5201, allowed by the only permanent rule "udp 5201"; policy
# drop. Churned rules never change the verdict for udp 5201: other ports and
# protocols, and wider udp ranges around 5201 (the narrower "udp 5201" keeps
# winning). The frames are counted at four places: sender (frames that left
# its socket), the filter's rule counter for "udp 5201" and its forwarded
# count, the kernel's transmit report (tx sent/dropped), and the receiver in
# fwpub (AF_PACKET, plus the veth's own rx counter).
#
# Exit status: 0 when no allowed frame was lost and the counters agree.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
FWCTL=$ROOT/build/fwctl
HELPER=$ROOT/build/tests/cli
SECONDS_=${SOAK_SECONDS:-60}
MODE=${SOAK_MODE:-native}
INTERVAL_US=${SOAK_INTERVAL_US:-2000}
PPS=${SOAK_PPS:-0}
LEN=${SOAK_LEN:-64}
PORT=5201

if [ "$(id -u)" -ne 0 ]; then
	echo "soak.sh: must run as root" >&2
	exit 1
fi
for f in "$FWCTL" "$HELPER"; do
	[ -x "$f" ] || { echo "soak.sh: $f missing (run make)" >&2; exit 1; }
done
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf /sys/fs/bpf
fi

SUF=s$(printf %05d $(($$ % 100000)))
# shellcheck source=../scripts/topology.sh
source "$ROOT/scripts/topology.sh"
topo_names "$SUF"
export FWCTL_PIN_DIR=/sys/fs/bpf/fwctl-soak-$SUF
TMP=$(mktemp -d /tmp/fwctl-soak.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	# Only those: a bare `wait` also waits for process substitutions.
	[ ${#PIDS[@]} -eq 0 ] || wait "${PIDS[@]}" 2>/dev/null
	[ -d "$FWCTL_PIN_DIR" ] && { "$FWCTL" detach >/dev/null 2>&1 || rm -rf "$FWCTL_PIN_DIR"; }
	topo_down "$SUF"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "soak.sh: $*" >&2
	exit 1
}

topo_up "$SUF" || die "cannot create the topology"
"$FWCTL" attach --mode "$MODE" "$TOPO_IN" "$TOPO_OUT" >/dev/null 2>"$TMP/attach.err" ||
	die "attach failed: $(cat "$TMP/attach.err")"
"$FWCTL" rules add udp $PORT >/dev/null || die "rules add failed"
"$FWCTL" policy drop >/dev/null || die "policy failed"
MAC_PUB=$(ip -n "$TOPO_PUB_NS" -j link show eth0 | jq -r '.[0].address')
veth_rx() { ip -n "$TOPO_PUB_NS" -j -s link show eth0 | jq '.[0].stats64.rx.packets'; }

sleep 1	# let the hosts' own start-up traffic (IPv6) pass
"$FWCTL" stats --json >"$TMP/s0.json"
rx0=$(veth_rx)

ip netns exec "$TOPO_PUB_NS" "$HELPER" recv eth0 3000 $((SECONDS_ + 30)) >"$TMP/recv" &
PIDS+=($!)
RECV=$!
for _ in $(seq 100); do grep -q ready "$TMP/recv" && break; sleep 0.05; done

echo "soak: ${SECONDS_} s, $MODE mode, UDP $LEN-byte frames to port $PORT, pps ${PPS/#0/max}," \
	"rule change every ${INTERVAL_US} us + CLI churn"

# The churners: one through libfwctl at a fixed pace, one through the CLI.
"$HELPER" churn "$SECONDS_" "$INTERVAL_US" 17 $PORT >"$TMP/churn" 2>"$TMP/churn.err" &
CHURN=$!
PIDS+=("$CHURN")
(
	end=$((SECONDS + SECONDS_)) n=0 f=0
	while [ "$SECONDS" -lt "$end" ]; do
		p=$((60000 + RANDOM % 5000))
		if "$FWCTL" rules add tcp $p >/dev/null 2>&1; then
			"$FWCTL" rules del tcp $p >/dev/null 2>&1 || f=$((f + 1))
			n=$((n + 2))
		fi
	done
	echo "changes $n failures $f"
) >"$TMP/cli_churn" &
CLI_CHURN=$!
PIDS+=("$CLI_CHURN")

ip netns exec "$TOPO_PRIV_NS" timeout -s TERM "$SECONDS_" \
	"$HELPER" send eth0 "$MAC_PUB" 0 udp 40000 $PORT "$LEN" "$PPS" >"$TMP/send" 2>&1 &
SEND=$!
PIDS+=("$SEND")

# A sample every 10 s so that a long run shows progress.
t=0
while kill -0 "$SEND" 2>/dev/null; do
	sleep 1
	t=$((t + 1))
	if [ $((t % 10)) -eq 0 ]; then
		fwd=$("$FWCTL" stats --json 2>/dev/null | jq '.directions.input_to_output.forwarded.packets')
		echo "  ${t}s: forwarded $fwd, rules now $("$FWCTL" status --json 2>/dev/null | jq .rule_count)"
	fi
done
wait "$SEND"
wait "$CHURN"
churn_rc=$?
wait "$CLI_CHURN"
wait "$RECV"	# returns 3 s after the last frame
"$FWCTL" stats --json >"$TMP/s1.json"
rx1=$(veth_rx)

sent=$(awk '/^sent/ {print $2}' "$TMP/send")
secs=$(awk '/^sent/ {print $6}' "$TMP/send")
retries=$(awk '/^sent/ {print $4}' "$TMP/send")
got=$(awk '/^received/ {print $2}' "$TMP/recv")
sockdrops=$(awk '/^received/ {print $4}' "$TMP/recv")
d() { echo $(($(jq "$1" "$TMP/s1.json") - $(jq "$1" "$TMP/s0.json"))); }
in_rx=$(d .directions.input_to_output.received.packets)
in_fwd=$(d .directions.input_to_output.forwarded.packets)
in_drop=$(d .directions.input_to_output.dropped.total)
in_pol=$(d .directions.input_to_output.dropped.by_policy)
in_mal=$(d .directions.input_to_output.dropped.malformed)
in_rerr=$(d .directions.input_to_output.dropped.redirect_error)
tx_sent=$(d .directions.input_to_output.tx.sent)
tx_drop=$(d .directions.input_to_output.tx.drops)
tx_err=$(d .directions.input_to_output.tx.redirect_errors)
rule_pk=$(d ".rules[] | select(.rule == \"allow udp $PORT\") | .packets")
changes=$(awk '{print $2}' "$TMP/churn")
cfail=$(awk '{print $4}' "$TMP/churn")
cli_changes=$(awk '{print $2}' "$TMP/cli_churn")
cli_fail=$(awk '{print $4}' "$TMP/cli_churn")
veth=$((rx1 - rx0))
consistent=$(jq '[.directions[] | .received.packets == .forwarded.packets + .dropped.total] | all' "$TMP/s1.json")
"$HELPER" check >"$TMP/check" 2>&1
check_rc=$?
rules_left=$("$FWCTL" rules list --json | jq -r '[.rules[].rule] | join(",")')

echo
echo "== soak summary ($MODE mode, ${secs:-?} s of traffic)"
printf '  %-52s %12s\n' "sender: frames sent (udp $PORT)" "$sent"
printf '  %-52s %12s\n' "  rate (packets/s)" "$(awk -v n="$sent" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')"
printf '  %-52s %12s\n' "  sends retried (ENOBUFS at the sender)" "$retries"
printf '  %-52s %12s\n' "filter in->out: received" "$in_rx"
printf '  %-52s %12s\n' "filter in->out: forwarded" "$in_fwd"
printf '  %-52s %12s\n' "filter in->out: dropped (policy/malformed/redirect)" "$in_drop ($in_pol/$in_mal/$in_rerr)"
printf '  %-52s %12s\n' "rule 'udp $PORT': packets" "$rule_pk"
printf '  %-52s %12s\n' "kernel transmit: sent (native only) / dropped / redirect err" "$tx_sent / $tx_drop / $tx_err"
printf '  %-52s %12s\n' "receiver (fwpub eth0, AF_PACKET): frames" "$got"
printf '  %-52s %12s\n' "  receiver socket drops" "$sockdrops"
printf '  %-52s %12s\n' "receiver veth rx counter (all frames)" "$veth"
printf '  %-52s %12s\n' "rule changes, libfwctl churner (failures)" "$changes ($cfail)"
printf '  %-52s %12s\n' "  rate (changes/s)" "$(awk -v n="$changes" -v s="$SECONDS_" 'BEGIN {printf "%.0f", n / s}')"
printf '  %-52s %12s\n' "rule changes, fwctl CLI churner (failures)" "$cli_changes ($cli_fail)"
printf '  %-52s %12s\n' "  all changes: mean interval (ms)" "$(awk -v n="$((changes + cli_changes))" -v s="$SECONDS_" 'BEGIN {printf "%.1f", n ? 1000 * s / n : 0}')"
printf '  %-52s %12s\n' "received == forwarded + dropped (both dirs)" "$consistent"
printf '  %-52s %12s\n' "rule table after (check)" "$(cat "$TMP/check")"
printf '  %-52s %12s\n' "rules left" "$rules_left"

ok=1
verdict() { echo "  $1"; }
if [ "$rule_pk" -ne "$sent" ]; then
	verdict "LOST BY THE FILTER: rule 'udp $PORT' matched $rule_pk of $sent frames"; ok=0
fi
if [ "$in_pol" -ne 0 ] || [ "$in_rerr" -ne 0 ] || [ "$in_fwd" -lt "$sent" ]; then
	verdict "LOST BY THE FILTER: forwarded $in_fwd of $sent, policy drops $in_pol, redirect errors $in_rerr"; ok=0
fi
if [ "$tx_drop" -ne 0 ] || [ "$tx_err" -ne 0 ]; then
	verdict "LOST AFTER THE FILTER: kernel transmit dropped $tx_drop, redirect errors $tx_err"; ok=0
fi
if [ "$((got + sockdrops))" -lt "$sent" ]; then
	verdict "LOST ON THE WAY: receiver saw $got (+ $sockdrops socket drops) of $sent"; ok=0
elif [ "$got" -lt "$sent" ]; then
	verdict "note: receiver socket overflowed ($sockdrops drops); the veth delivered $veth frames"
fi
[ "$consistent" = true ] || { verdict "COUNTERS INCONSISTENT: received != forwarded + dropped"; ok=0; }
[ "$check_rc" -eq 0 ] || { verdict "RULE TABLE NOT CLEAN after the churn"; ok=0; }
[ "$churn_rc" -eq 0 ] && [ "${cli_fail:-1}" -eq 0 ] || { verdict "rule changes failed (see counts)"; ok=0; }
[ "$rules_left" = "udp $PORT" ] || { verdict "churn rules left behind: $rules_left"; ok=0; }
if [ "$ok" = 1 ]; then
	echo "  RESULT: zero allowed packets lost ($sent sent, $rule_pk matched, $in_fwd forwarded, $got received) while $((changes + cli_changes)) rule changes ran; counters consistent"
else
	echo "  RESULT: FAILED"
fi
[ "$ok" = 1 ]
