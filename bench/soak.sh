#!/bin/bash
# bench/soak.sh - soak benchmark (not part of make test): allowed UDP at full
# rate through the filter while unrelated rules are added and removed every
# few milliseconds, or (SOAK_CHURN=load) while whole large rule files are
# loaded in turn. Reports whether any allowed frame was lost and whether
# the counters stay consistent (forwarded + dropped == received).
#
#   bench/soak.sh                       60 s, native mode
#   SOAK_SECONDS=10 SOAK_MODE=skb bench/soak.sh
#   SOAK_CHURN=load SOAK_LOAD_RULES=10000 bench/soak.sh
#   SOAK_BASE_RULES=5000 bench/soak.sh  the rules churn on top of a big set
#
# Knobs: SOAK_SECONDS (60), SOAK_MODE (native|skb), SOAK_INTERVAL_US (2000:
# one rule change every 2 ms from the libfwctl churner, plus a second churner
# calling the fwctl CLI back to back), SOAK_PPS (0 = as fast as the sender
# can), SOAK_LEN (frame length, 64), SOAK_CHURN (rules: the two churners;
# load: instead of them, 'fwctl rules load' of two files A and B in turn,
# back to back, each of SOAK_LOAD_RULES rules (10000) and both allowing the
# soak's traffic), SOAK_BASE_RULES (rules churn: that many deny rules for
# TCP from 198.18.0.0/15 after "udp 5201" before the churn starts, so that
# the churners' adds append to a big set, which compiles only what they
# append; 0), SOAK_JSON (a file to write the summary to, one JSON object).
#
# The load churn (issue 11: no packet allowed by both the old and the new
# rule set may be dropped during a change): A is "allow udp 5201" followed
# by deny rules for UDP to 5201 from other sources (198.18.0.0/15) and TCP
# rules; B has other deny rules for UDP to 5201 from other sources first,
# and "allow udp 5201" last. Every load replaces the whole set (thousands of
# rules removed and added); "allow udp 5201", unchanged, keeps its id and
# counter, so its counter must equal the frames sent. At the end the rule
# set must be exactly A or B (rules save), and whole (cli_helper check).
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
CHURN_KIND=${SOAK_CHURN:-rules}
LOAD_RULES=${SOAK_LOAD_RULES:-10000}
BASE_RULES=${SOAK_BASE_RULES:-0}
JSON_OUT=${SOAK_JSON:-}
PORT=5201
RULE="allow udp $PORT"	# canonical text of the rule that allows the traffic

case $CHURN_KIND in
rules | load) ;;
*) echo "soak.sh: SOAK_CHURN is rules or load" >&2; exit 2 ;;
esac
if ! [[ $LOAD_RULES =~ ^[0-9]+$ ]] || [ "$LOAD_RULES" -lt 2 ] || [ "$LOAD_RULES" -gt 100000 ]; then
	echo "soak.sh: SOAK_LOAD_RULES is 2..100000" >&2
	exit 2
fi

if ! [[ $BASE_RULES =~ ^[0-9]+$ ]] || [ "$BASE_RULES" -gt 100000 ]; then
	echo "soak.sh: SOAK_BASE_RULES is 0..100000" >&2
	exit 2
fi
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
if [ "$CHURN_KIND" = rules ] && [ "$BASE_RULES" -gt 0 ]; then
	for i in $(seq 0 $((BASE_RULES - 1))); do
		echo "deny tcp src 198.$((18 + i / 65536)).$((i / 256 % 256)).$((i % 256)) dport $((i % 60000 + 1))"
	done >"$TMP/base.rules"
	"$FWCTL" rules add --file "$TMP/base.rules" >/dev/null || die "rules add --file of the base rules failed"
fi

# The load churn's files, in canonical text (rules save prints the same):
# N rules each, "allow udp 5201" first in A and last in B. The other rules
# never match the soak's traffic (10.10.0.100 -> 10.10.0.200, UDP 40000 ->
# 5201) but come close: the same protocol and port from other sources.
load_file() {	# A|B
	local n=$((LOAD_RULES - 1)) i
	echo "policy drop"
	if [ "$1" = A ]; then echo "$RULE"; fi
	for ((i = 0; i < n; i++)); do
		if [ "$1" = A ]; then
			case $((i % 3)) in
			0) echo "deny udp src 198.18.$((i / 250 % 256)).$((i % 250 + 1)) dport $PORT" ;;
			1) echo "allow tcp src 10.10.0.100 dst 10.10.$((i / 250 % 256 + 1)).$((i % 250 + 1)) dport $((1000 + i % 5000))" ;;
			*) echo "deny tcp sport $((20000 + i % 40000)) dport $PORT" ;;
			esac
		else
			case $((i % 3)) in
			0) echo "deny udp src 198.19.$((i / 250 % 256)).$((i % 250 + 1)) dport $PORT" ;;
			1) echo "deny udp dst 10.10.$((i / 250 % 256 + 1)).$((i % 250 + 1)) sport 40000" ;;
			*) echo "allow udp sport $((1 + i % 39999)) dport $((5300 + i % 40000))" ;;
			esac
		fi
	done
	if [ "$1" = B ]; then echo "$RULE"; fi
}
if [ "$CHURN_KIND" = load ]; then
	load_file A >"$TMP/A.rules" && load_file B >"$TMP/B.rules" || die "cannot write the rule files"
	"$FWCTL" rules check "$TMP/A.rules" >/dev/null && "$FWCTL" rules check "$TMP/B.rules" >/dev/null ||
		die "the load churn's files do not check"
fi
MAC_PUB=$(ip -n "$TOPO_PUB_NS" -j link show eth0 | jq -r '.[0].address')
veth_rx() { ip -n "$TOPO_PUB_NS" -j -s link show eth0 | jq '.[0].stats64.rx.packets'; }

sleep 1	# let the hosts' own start-up traffic (IPv6) pass
"$FWCTL" stats --json >"$TMP/s0.json"
rx0=$(veth_rx)

ip netns exec "$TOPO_PUB_NS" "$HELPER" recv eth0 3000 $((SECONDS_ + 30)) >"$TMP/recv" &
PIDS+=($!)
RECV=$!
for _ in $(seq 100); do grep -q ready "$TMP/recv" && break; sleep 0.05; done

if [ "$CHURN_KIND" = load ]; then
	echo "soak: ${SECONDS_} s, $MODE mode, UDP $LEN-byte frames to port $PORT, pps ${PPS/#0/max}," \
		"'rules load' of two files of $LOAD_RULES rules in turn, back to back"
else
	echo "soak: ${SECONDS_} s, $MODE mode, UDP $LEN-byte frames to port $PORT, pps ${PPS/#0/max}," \
		"rule change every ${INTERVAL_US} us + CLI churn"
fi

if [ "$CHURN_KIND" = load ]; then
	# The load churner: A, B, A, ... for as long as the traffic runs. No
	# second churner: its rules would vanish under the next load.
	echo "changes 0 failures 0" >"$TMP/churn"
	(
		end=$((SECONDS + SECONDS_)) n=0 f=0 t0=$(date +%s%N)
		while [ "$SECONDS" -lt "$end" ]; do
			for x in A B; do
				"$FWCTL" rules load "$TMP/$x.rules" >/dev/null 2>>"$TMP/load.err" || f=$((f + 1))
				n=$((n + 1))
			done
		done
		echo "changes $n failures $f ms_per_load $((($(date +%s%N) - t0) / 1000000 / (n ? n : 1)))"
	) >"$TMP/cli_churn" &
	CLI_CHURN=$!
	PIDS+=("$CLI_CHURN")
	CHURN=
else
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
fi

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
churn_rc=0
if [ -n "$CHURN" ]; then
	wait "$CHURN"
	churn_rc=$?
fi
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
rule_pk=$(d ".rules[] | select(.rule == \"$RULE\") | .packets")
changes=$(awk '{print $2}' "$TMP/churn")
cfail=$(awk '{print $4}' "$TMP/churn")
cli_changes=$(awk '{print $2}' "$TMP/cli_churn")
cli_fail=$(awk '{print $4}' "$TMP/cli_churn")
ms_per_load=$(awk '{print $6}' "$TMP/cli_churn")
veth=$((rx1 - rx0))
consistent=$(jq '[.directions[] | .received.packets == .forwarded.packets + .dropped.total] | all' "$TMP/s1.json")
"$HELPER" check >"$TMP/check" 2>&1
check_rc=$?
rules_left=$("$FWCTL" rules list --json | jq -r '[.rules[].rule] | join(",")')
if [ "$CHURN_KIND" = load ]; then
	# The set must be one of the two files, exactly.
	"$FWCTL" rules save | grep -v '^#' >"$TMP/saved"
	if cmp -s "$TMP/saved" "$TMP/A.rules"; then
		rules_left="file A ($(($(wc -l <"$TMP/A.rules") - 1)) rules)"
	elif cmp -s "$TMP/saved" "$TMP/B.rules"; then
		rules_left="file B ($(($(wc -l <"$TMP/B.rules") - 1)) rules)"
	else
		rules_left="neither A nor B: $(head -c 200 "$TMP/saved" | tr '\n' ';')"
	fi
fi

echo
echo "== soak summary ($MODE mode, ${secs:-?} s of traffic)"
printf '  %-52s %12s\n' "sender: frames sent (udp $PORT)" "$sent"
printf '  %-52s %12s\n' "  rate (packets/s)" "$(awk -v n="$sent" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')"
printf '  %-52s %12s\n' "  sends retried (ENOBUFS at the sender)" "$retries"
printf '  %-52s %12s\n' "filter in->out: received" "$in_rx"
printf '  %-52s %12s\n' "filter in->out: forwarded" "$in_fwd"
printf '  %-52s %12s\n' "filter in->out: dropped (policy/malformed/redirect)" "$in_drop ($in_pol/$in_mal/$in_rerr)"
printf '  %-52s %12s\n' "rule '$RULE': packets" "$rule_pk"
printf '  %-52s %12s\n' "kernel transmit: sent (native only) / dropped / redirect err" "$tx_sent / $tx_drop / $tx_err"
printf '  %-52s %12s\n' "receiver (fwpub eth0, AF_PACKET): frames" "$got"
printf '  %-52s %12s\n' "  receiver socket drops" "$sockdrops"
printf '  %-52s %12s\n' "receiver veth rx counter (all frames)" "$veth"
if [ "$CHURN_KIND" = load ]; then
	printf '  %-52s %12s\n' "rules load of $LOAD_RULES rules, A/B in turn (failures)" "$cli_changes ($cli_fail)"
	printf '  %-52s %12s\n' "  mean time per load (ms)" "$ms_per_load"
else
	printf '  %-52s %12s\n' "rule changes, libfwctl churner (failures)" "$changes ($cfail)"
	printf '  %-52s %12s\n' "  rate (changes/s)" "$(awk -v n="$changes" -v s="$SECONDS_" 'BEGIN {printf "%.0f", n / s}')"
	printf '  %-52s %12s\n' "rule changes, fwctl CLI churner (failures)" "$cli_changes ($cli_fail)"
fi
printf '  %-52s %12s\n' "  all changes: mean interval (ms)" "$(awk -v n="$((changes + cli_changes))" -v s="$SECONDS_" 'BEGIN {printf "%.1f", n ? 1000 * s / n : 0}')"
printf '  %-52s %12s\n' "received == forwarded + dropped (both dirs)" "$consistent"
printf '  %-52s %12s\n' "rule table after (check)" "$(cat "$TMP/check")"
if [ "$BASE_RULES" -gt 0 ] && [ "$CHURN_KIND" = rules ]; then
	printf '  %-52s %12s\n' "rules left" "$(cut -d, -f1 <<<"$rules_left") + $(($(tr -cd , <<<"$rules_left" | wc -c))) more"
else
	printf '  %-52s %12s\n' "rules left" "$rules_left"
fi

ok=1
verdict() { echo "  $1"; }
if [ "${rule_pk:-0}" -ne "$sent" ]; then
	verdict "LOST BY THE FILTER: rule '$RULE' matched ${rule_pk:-none} of $sent frames"; ok=0
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
if [ "$CHURN_KIND" = load ]; then
	[[ $rules_left == file* ]] || { verdict "RULE SET NOT A LOADED FILE: $rules_left"; ok=0; }
	[ -s "$TMP/load.err" ] && verdict "load errors: $(head -c 300 "$TMP/load.err")"
else
	want_left=$RULE
	[ "$BASE_RULES" -gt 0 ] && want_left="$RULE,$(paste -sd, "$TMP/base.rules")"
	[ "$rules_left" = "$want_left" ] ||
		{ verdict "churn rules left behind: $(head -c 300 <<<"$rules_left")"; ok=0; }
fi
if [ "$ok" = 1 ]; then
	echo "  RESULT: zero allowed packets lost ($sent sent, $rule_pk matched, $in_fwd forwarded, $got received) while $((changes + cli_changes)) rule changes ran; counters consistent"
else
	echo "  RESULT: FAILED"
fi
if [ -n "$JSON_OUT" ]; then
	jq -n --arg churn "$CHURN_KIND" --arg mode "$MODE" --argjson ok "$ok" \
		--argjson seconds "${secs:-0}" --argjson sent "${sent:-0}" \
		--argjson matched "${rule_pk:-0}" --argjson forwarded "${in_fwd:-0}" \
		--argjson received "${got:-0}" --argjson policy_drops "${in_pol:-0}" \
		--argjson changes "$((${changes:-0} + ${cli_changes:-0}))" \
		--argjson failures "$((${cfail:-0} + ${cli_fail:-0}))" \
		--argjson load_rules "$LOAD_RULES" --arg ms_per_load "${ms_per_load:-}" \
		--arg rules_left "$rules_left" --argjson consistent "${consistent:-false}" \
		'{churn: $churn, mode: $mode, ok: ($ok == 1), seconds: $seconds, sent: $sent,
		  matched: $matched, forwarded: $forwarded, received: $received,
		  policy_drops: $policy_drops, changes: $changes, failures: $failures,
		  load_rules: $load_rules, ms_per_load: $ms_per_load, rules_left: $rules_left,
		  consistent: $consistent}' >"$JSON_OUT"
fi
[ "$ok" = 1 ]
