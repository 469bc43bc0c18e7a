#!/bin/bash
# tests/trace/cli.sh - fwctl trace and fwctl check as commands, run by
# tests/trace/run in a private network namespace: the real datapath
# attached by `fwctl attach` to two veths with the rules below, frames sent
# through the attached program with BPF_PROG_TEST_RUN (build/tests/trace
# send), the commands through build/fwctl. Prints PASS:/FAIL:/SKIP: lines.
set -u
T=$PWD/build/tests/trace
FW=$PWD/build/fwctl
export FWCTL_PIN_DIR=/sys/fs/bpf/fwctl-trace-$$
IN=trin$$ OUT=trout$$
tmp=$(mktemp -d)
bg=()

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
check() {	# check WHAT WHY COMMAND...: PASS if COMMAND succeeds
	local what=$1 why=$2
	shift 2
	if "$@"; then pass "$what"; else fail "$what" "$why"; fi
}

cleanup() {
	local p
	for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$FW" detach >/dev/null 2>&1
	ip link del "$IN" 2>/dev/null
	ip link del "$OUT" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The rules: rule N decides TCP or UDP port 100N or 200N (ids in file order).
cat >"$tmp/rules" <<'EOF2'
policy drop
allow tcp dport 1001
allow tcp dport 1002
allow tcp dport 1003
allow udp dport 1004
allow tcp dport 1005
allow udp dport 1006
deny udp dport 2007
deny udp dport 2003
allow tcp dport 1009
EOF2

# Two veth pairs, the filter on one end of each: on the two ends of ONE pair
# it would redirect every frame back and forth for ever. No IPv6 on them:
# router solicitations would show in the traces.
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
if ! ip link add "$IN" type veth peer name "${IN}p" || ! ip link add "$OUT" type veth peer name "${OUT}p" ||
   ! ip link set "$IN" up || ! ip link set "$OUT" up || ! ip link set "${IN}p" up ||
   ! ip link set "${OUT}p" up || ! "$FW" attach -m skb "$IN" "$OUT" >/dev/null ||
   ! "$FW" rules load "$tmp/rules" >/dev/null; then
	fail "trace cli: fwctl attach on two veth pairs, rules load" "see above"
	exit 1
fi

live_slots() { "$T" slots | grep -c "live=1"; }
on_slots() { "$T" slots | grep -c "on=1"; }
# Slots tracing: claimed, heartbeat fresh, and turned on.
tracing() { "$T" slots | grep -c "on=1 claimed=1 live=1"; }

# Wait until N trace slots are tracing; 5 s at most.
wait_tracing() {
	local i
	for i in $(seq 50); do
		[ "$(tracing)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start NAME ARGS...: fwctl trace ARGS in the background, output in
# $tmp/NAME.out and .err, exit status in .rc, its pid (for signals) in
# $pid_NAME; returns once its slot is tracing.
start() {
	local name=$1 before i
	shift
	before=$(tracing)
	rm -f "$tmp/$name.rc" "$tmp/$name.pid"
	( bash -c 'echo $$ >"$0"; exec "$@"' "$tmp/$name.pid" "$FW" trace "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"; echo $? >"$tmp/$name.rc" ) 2>/dev/null &
	for i in $(seq 50); do
		[ -s "$tmp/$name.pid" ] && break
		sleep 0.1
	done
	eval "pid_$name=$(cat "$tmp/$name.pid")"
	bg+=("$(cat "$tmp/$name.pid")")
	wait_tracing $((before + 1))
}

# finish NAME: wait for the trace to end (5 s at most); its exit status.
finish() {
	local i
	for i in $(seq 50); do
		[ -s "$tmp/$1.rc" ] && { cat "$tmp/$1.rc"; return; }
		sleep 0.1
	done
	echo timeout
}

send() { "$T" send "$@" >/dev/null; }
jqt() { jq -e "$@" >/dev/null 2>&1; }	# jqt ARGS...: jq -e, quiet

# --- level 1 text lines ---------------------------------------------------
start t1 --count 4
send "$IN" tcp4,sport=40000,dport=1005,flags=0x12,vlan=1
send "$OUT" udp6,sport=40001,dport=2007
send "$OUT" arp
send "$IN" bad4
rc=$(finish t1)
out=$tmp/t1.out
check "trace: --count 4 ends after 4 frames, exit 0" "exit $rc, $(wc -l <"$out") lines" \
	test "$rc" = 0 -a "$(wc -l <"$out")" = 4
check "trace: level 1 line: RFC 3339 time, interface, FORWARD rule=5, length" "$(sed -n 1p "$out")" \
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z in=$IN FORWARD rule=5 len=" <(sed -n 1p "$out")
check "trace: level 1 line: MACs, VLAN tag, addresses, TTL, ports, flags SYN|ACK, seq/ack, window" \
	"$(sed -n 1p "$out")" grep -q "eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x8100 vlan tpid=0x8100 id=100 pcp=0 dei=0 type=0x0800 ipv4 src=10.0.0.1 dst=10.0.0.2 ttl=64 .* tcp sport=40000 dport=1005 flags=SYN|ACK seq=305397760 ack=0 window=65535" <(sed -n 1p "$out")
check "trace: level 1 line: IPv6 addresses, hop limit, UDP ports, DROP rule=7 on the output" \
	"$(sed -n 2p "$out")" grep -q "in=$OUT DROP rule=7 .*ipv6 src=fd00::1 dst=fd00::2 hop_limit=64 .*udp sport=40001 dport=2007" <(sed -n 2p "$out")
check "trace: level 1 line: ARP forwarded as FORWARD arp-nd, its fields by name" "$(sed -n 3p "$out")" \
	grep -q "in=$OUT FORWARD arp-nd .*arp op=request .*sender_ip=10.0.0.1 .*target_ip=10.0.0.2" <(sed -n 3p "$out")
check "trace: level 1 line: a malformed frame is DROP reason=malformed" "$(sed -n 4p "$out")" \
	grep -q "in=$IN DROP reason=malformed .*undecoded=" <(sed -n 4p "$out")
check "trace: at the end, lost counts on stderr" "$(cat "$tmp/t1.err")" \
	grep -q "4 packets shown; lost: 0 to the rate limit, 0 to a full ring buffer" "$tmp/t1.err"
check "trace: its slot is free once it ended" "$("$T" slots | tr '\n' ' ')" \
	test "$("$T" slots | grep -c 'claimed=1\|on=1')" = 0

# --- JSON ---------------------------------------------------------------------
start t2 --count 3 --json
send "$IN" tcp4,sport=40000,dport=1005
send "$IN" tcp4,sport=40002,dport=80
send "$OUT" icmp4,type=8
rc=$(finish t2)
out=$tmp/t2.out
check "trace --json: one valid JSON object per line and frame" "exit $rc: $(head -c 300 "$out")" \
	test "$rc" = 0 -a "$(jq -c . "$out" 2>/dev/null | wc -l)" = 3
check "trace --json: ts (RFC 3339), in, verdict, reason, rule_id, len and headers of a rule's forward" \
	"$(sed -n 1p "$out")" jqt --arg in "$IN" '(.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$")) and .in == $in and .verdict == "forward" and .reason == "rule" and .rule_id == 5 and .len == 54 and .eth.src == "02:00:00:00:00:01" and .ipv4.src == "10.0.0.1" and .ipv4.ttl == 64 and .tcp.sport == 40000 and .tcp.dport == 1005 and .tcp.flags == "SYN" and .tcp.window == 65535' <(sed -n 1p "$out")
check "trace --json: a policy drop has reason policy and rule_id null" "$(sed -n 2p "$out")" \
	jqt '.verdict == "drop" and .reason == "policy" and .rule_id == null and .tcp.dport == 80' <(sed -n 2p "$out")
check "trace --json: ICMP type and code; the output side's interface and direction" \
	"$(sed -n 3p "$out")" jqt --arg out "$OUT" '.in == $out and .direction == "output_to_input" and .icmp.type == 8 and .icmp.code == 0 and .verdict == "drop"' <(sed -n 3p "$out")

# --- every kind of frame, every verdict of the real datapath ------------------
kinds=("$IN tcp4,sport=46001,dport=1005" "$OUT udp6,sport=46002,dport=2007"
       "$IN tcp4,sport=46003,dport=80" "$OUT arp" "$IN nd6" "$IN bad4" "$IN frag4"
       "$OUT frag6" "$OUT ether" "$IN tcp4,sport=46004,dport=1005 1 lo")
want='["forward","rule",5,"input_to_output"] ["drop","rule",7,"output_to_input"] ["drop","policy",null,"input_to_output"] ["forward","arp-nd",null,"output_to_input"] ["forward","arp-nd",null,"input_to_output"] ["drop","malformed",null,"input_to_output"] ["drop","fragment",null,"input_to_output"] ["drop","fragment",null,"output_to_input"] ["drop","unknown_ethertype",null,"output_to_input"] ["drop","redirect_error",5,"input_to_output"] ["forward","policy",null,"output_to_input"] ["forward","policy",null,"input_to_output"] '
start every --count 12 --json
for k in "${kinds[@]}"; do send $k; done
"$FW" policy accept >/dev/null
send "$OUT" tcp6,sport=46005,dport=80
send "$IN" icmp4
"$FW" policy drop >/dev/null
rc=$(finish every)
got=$(jq -c '[.verdict, .reason, .rule_id, .direction]' "$tmp/every.out" | tr '\n' ' ')
check "trace: every kind of frame through the real datapath: verdict, reason, rule, direction" \
	"exit $rc; got $got" test "$rc" = 0 -a "$got" = "$want"
check "trace: a redirect error names the rule that allowed it and counts as a drop" \
	"$(sed -n 10p "$tmp/every.out")" jqt '.verdict == "drop" and .reason == "redirect_error" and .rule_id == 5 and .tcp.sport == 46004' <(sed -n 10p "$tmp/every.out")
start nd --count 1 --json --proto icmpv6
send "$IN" arp
send "$IN" tcp6,sport=46006,dport=80
send "$IN" nd6
rc=$(finish nd)
check "trace --proto icmpv6: Neighbor Discovery (ICMPv6), not ARP nor TCP" "exit $rc: $(cat "$tmp/nd.out")" \
	jqt '.reason == "arp-nd" and .icmpv6 != null' "$tmp/nd.out"
check "trace: ND is shown as ICMPv6 with its type" "$(sed -n 5p "$tmp/every.out")" \
	jqt '.icmpv6.type == 135 or .icmpv6.type == 136 or .icmpv6.type == 133 or .icmpv6.type == 134' <(sed -n 5p "$tmp/every.out")

# --- level 2 ----------------------------------------------------------------
start t3 --count 1 --level 2
send "$IN" tcp4,dport=1005,payload=20
rc=$(finish t3)
check "trace --level 2: the payload in hex and ASCII after the line" "$(cat "$tmp/t3.out")" \
	grep -q "^  0036:  a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5  ................$" "$tmp/t3.out"
start t3j --count 1 --level 2 --json
send "$IN" long,len=1400
rc=$(finish t3j)
check "trace --level 2 --json: 1400-byte frame, all of it, payload in hex" "$(head -c 300 "$tmp/t3j.out")" \
	jqt '.len == 1400 and .caplen == 1400 and .payload.offset == 42 and (.payload.hex | length) == 2716' "$tmp/t3j.out"
start t3k --count 1 --json
send "$IN" long,len=1400
rc=$(finish t3k)
check "trace --level 1: only the first 128 bytes of a 1400-byte frame" "$(head -c 300 "$tmp/t3k.out")" \
	jqt '.len == 1400 and .caplen == 128 and (has("payload") | not)' "$tmp/t3k.out"

# --- filters, and two traces at once -----------------------------------------
start fwd --count 2 --verdict forward
start drp --count 2 --verdict drop
check "trace: two traces at once hold two slots" "$(tracing) tracing" test "$(tracing)" = 2
send "$IN" tcp4,sport=41001,dport=1003
send "$IN" tcp4,sport=41002,dport=80
send "$OUT" udp4,sport=41003,dport=1004
send "$OUT" udp4,sport=41004,dport=81
r1=$(finish fwd) r2=$(finish drp)
check "trace: two traces with different filters at once: --verdict forward gets exactly the forwards" \
	"$(cat "$tmp/fwd.out")" test "$r1" = 0 -a "$(grep -c FORWARD "$tmp/fwd.out")" = 2 -a \
	"$(grep -c 'sport=41001\|sport=41003' "$tmp/fwd.out")" = 2
check "trace: ... and --verdict drop exactly the drops" "$(cat "$tmp/drp.out")" \
	test "$r2" = 0 -a "$(grep -c DROP "$tmp/drp.out")" = 2 -a \
	"$(grep -c 'sport=41002\|sport=41004' "$tmp/drp.out")" = 2

filter_case() {	# filter_case WHAT EXPECTED_SPORT TRACE_ARGS...
	local what=$1 want=$2 rc
	shift 2
	start f "$@" --count 1 --json
	send "$IN" tcp4,sport=42001,dport=1005
	send "$OUT" udp6,sport=42002,dport=2007
	send "$IN" udp4,sport=42003,dport=80
	send "$OUT" arp
	rc=$(finish f)
	check "trace $what: shows exactly the frame it names" "exit $rc: $(cat "$tmp/f.out")" \
		jqt --argjson s "$want" '(.tcp.sport // .udp.sport // 0) == $s' "$tmp/f.out"
}
filter_case "--rule 7" 42002 --rule 7
filter_case "--reason policy --in $IN" 42003 --reason policy --in "$IN"
filter_case "--proto udp --in $IN" 42003 --proto udp --in "$IN"
filter_case "--reason arp-nd" 0 --reason arp-nd
filter_case "--in $OUT --proto 17" 42002 --in "$OUT" --proto 17

# --- capture files ----------------------------------------------------------
specs=(tcp4,sport=40000,dport=1005 udp4,sport=40000,dport=80 arp bad4)
ifs=("$IN" "$IN" "$OUT" "$IN")
start w --count 4 -w "$tmp/t.pcapng"
for i in 0 1 2 3; do send "${ifs[$i]}" "${specs[$i]}"; done
rc=$(finish w)
"$T" pcap "$tmp/ref.pcap" "${specs[@]}"
hexof() { tcpdump -r "$1" -nn -xx 2>/dev/null | grep -E '^\s+0x'; }
check "trace -w FILE.pcapng: tcpdump -r reads the 4 frames, the same bytes as sent" \
	"exit $rc; tcpdump: $(tcpdump -r "$tmp/t.pcapng" -nn 2>&1 | tail -2)" \
	test "$rc" = 0 -a "$(tcpdump -r "$tmp/t.pcapng" -nn 2>/dev/null | wc -l)" = 4 -a \
	"$(hexof "$tmp/t.pcapng" | md5sum)" = "$(hexof "$tmp/ref.pcap" | md5sum)"
fields=$(tshark -r "$tmp/t.pcapng" -T fields -e frame.interface_name -e frame.comment \
	 -e frame.verdict.ebpf_xdp 2>/dev/null | tr '\t' '|' | tr '\n' ';')
check "trace -w FILE.pcapng: tshark shows interface, comment and XDP verdict of each frame" "$fields" \
	test "$fields" = "$IN|FORWARD rule=5|4;$IN|DROP reason=policy|1;$OUT|FORWARD arp-nd|4;$IN|DROP reason=malformed|1;"
check "trace -w FILE.pcapng: nothing on stdout" "$(head -c 200 "$tmp/w.out")" test ! -s "$tmp/w.out"
start wp --count 2 -w "$tmp/t.pcap"
send "$IN" "${specs[0]}"
send "$IN" "${specs[1]}"
rc=$(finish wp)
check "trace -w FILE.pcap: classic pcap that tcpdump reads" "exit $rc" \
	test "$rc" = 0 -a "$(tcpdump -r "$tmp/t.pcap" -nn 2>/dev/null | wc -l)" = 2 -a \
	"$(head -c 4 "$tmp/t.pcap" | od -An -tx1 | tr -d ' ')" = d4c3b2a1

# --- lost records, signals --------------------------------------------------
start r --rate 1
"$T" send "$IN" tcp4,dport=80 50 >/dev/null	# one CPU, one bucket of 1
kill -INT "${pid_r}"
rc=$(finish r)
check "trace --rate 1: 50 frames at once, 1 shown, SIGINT ends it, 49 counted as lost to the rate limit" \
	"exit $rc: $(cat "$tmp/r.err")" test "$rc" = 0 -a "$(wc -l <"$tmp/r.out")" = 1 -a \
	"$(grep -c '1 packet shown; lost: 49 to the rate limit, 0 to a full ring buffer' "$tmp/r.err")" = 1
start s
kill -TERM "${pid_s}"
rc=$(finish s)
check "trace: SIGTERM ends it cleanly and frees its slot" "exit $rc: $(cat "$tmp/s.err")" \
	test "$rc" = 0 -a "$("$T" slots | grep -c 'claimed=1')" = 0
lost=$("$T" counters | grep -o 'lost_rate_limit=[0-9]*')
check "trace: the lost counters stay, for fwctl stats (total over all traces)" "$lost" \
	test "${lost#*=}" -ge 49
sj=$("$FW" stats --json | jq -c .trace)
check "stats --json: a trace object with lost_rate_limit and lost_ring_full, the map's values" \
	"stats: $sj; map: $lost" jqt --argjson n "${lost#*=}" \
	'.lost_rate_limit == $n and .lost_ring_full == 0 and (keys | length) == 2' <<<"$sj"
prom=$("$FW" stats --prometheus | grep '^fwctl_trace_lost_total' | tr '\n' ' ')
check "stats --prometheus: fwctl_trace_lost_total{cause} has the same values" "$prom" \
	test "$prom" = "fwctl_trace_lost_total{cause=\"rate_limit\"} ${lost#*=} fwctl_trace_lost_total{cause=\"ring_full\"} 0 "

# --- a trace stopped (Ctrl-Z) for over a second -------------------------------
start z --count 2
kill -STOP "${pid_z}"
sleep 1.3
send "$IN" tcp4,sport=45001,dport=1005	# the program finds it stale: off
off=$(tracing)
kill -CONT "${pid_z}"
wait_tracing 1
send "$IN" tcp4,sport=45002,dport=1005
send "$IN" tcp4,sport=45003,dport=1005
rc=$(finish z)
check "trace: stopped for 1.3 s it is off meanwhile, then on again and says so" \
	"tracing while stopped: $off; exit $rc: $(cat "$tmp/z.out" "$tmp/z.err")" \
	test "$off" = 0 -a "$rc" = 0 -a "$(grep -c 'sport=45001' "$tmp/z.out")" = 0 -a \
	"$(grep -c 'sport=4500[23]' "$tmp/z.out")" = 2 -a \
	"$(grep -c 'stopped for more than 1 s 1 time' "$tmp/z.err")" = 1

# --- bad input: usage errors, no state change --------------------------------
bad() {	# bad WHAT ARGS...: exit 2, one line on stderr, no slot taken
	local what=$1 rc err
	shift
	err=$("$FW" trace "$@" 2>&1 >/dev/null)
	rc=$?
	check "trace $what: usage error (exit 2, one line naming it), no slot taken" "exit $rc: $err" \
		test "$rc" = 2 -a "$(echo "$err" | wc -l)" = 1 -a "$("$T" slots | grep -c 'claimed=1')" = 0
}
bad "--level 3" --level 3
bad "--verdict accept" --verdict accept
bad "--reason bogus" --reason bogus
bad "--rule 0" --rule 0
bad "--rule x" --rule x
bad "--proto nope" --proto nope
bad "--proto 256" --proto 256
bad "--rate -1" --rate -1
bad "--count 0" --count 0
bad "-w out.txt" -w "$tmp/out.txt"
bad "--in nosuch" --in nosuch
bad "--verdict forward --reason malformed" --verdict forward --reason malformed
bad "an extra argument" extra
bad "-w - --json" -w - --json
check "trace -w out.txt: no file was created" "" test ! -e "$tmp/out.txt"

# --- kill -9 ------------------------------------------------------------------
start k1
kill -9 "${pid_k1}"
sleep 1.3
send "$IN" tcp4,dport=1005
check "trace killed with kill -9: 1.3 s later the program has turned its slot off (tracing off)" \
	"$("$T" slots | tr '\n' ' ')" test "$(on_slots)" = 0 -a "$(live_slots)" = 0
for n in a b c d; do start "m$n" --count 1000; done
err=$("$FW" trace --count 1 2>&1 >/dev/null)
rc=$?
check "trace: a fifth trace while four run is refused (exit 1, says why)" "exit $rc: $err" \
	test "$rc" = 1 -a "$(echo "$err" | grep -c 'traces are running already')" = 1
kill -9 "${pid_mb}"
sleep 1.3
start late --count 1
check "trace: after kill -9 of one of four, a new trace takes its slot" "$("$T" slots | tr '\n' ' ')" \
	test "$(tracing)" = 4
send "$IN" tcp4,sport=43000,dport=1005
rc=$(finish late)
check "trace: ... and gets its frames" "exit $rc: $(cat "$tmp/late.out")" \
	grep -q "sport=43000" "$tmp/late.out"
for n in a c d; do eval "kill -TERM \$pid_m$n"; finish "m$n" >/dev/null; done
check "trace: every trace ended, tracing is off" "$("$T" slots | tr '\n' ' ')" \
	test "$(on_slots)" = 0 -a "$("$T" slots | grep -c 'claimed=1')" = 0

# --- fwctl check --------------------------------------------------------------
cap=(tcp4,sport=40000,dport=1005 udp4,sport=40000,dport=80 arp short,len=10 long,len=4000
     tcp4,dport=1005/cut udp6,sport=40000,dport=2007 tcp4,sport=40000,dport=1009,vlan=2)
"$T" pcap "$tmp/c.pcapng" "${cap[@]}"
"$T" pcap "$tmp/c.pcap" "${cap[@]}"
before=$("$T" counters)
sbefore=$("$FW" stats --json | jq -c 'del(.timestamp, .timestamp_unix)')
start during --count 1
out=$("$FW" check "$tmp/c.pcapng" 2>"$tmp/check.err")
rc=$?
after=$("$T" counters)
safter=$("$FW" stats --json | jq -c 'del(.timestamp, .timestamp_unix)')
exp="packet 1: FORWARD rule=5  tcp 10.0.0.1:40000 > 10.0.0.2:1005 SYN
packet 2: DROP reason=policy  udp 10.0.0.1:40000 > 10.0.0.2:80
packet 3: FORWARD arp-nd  arp request 10.0.0.1 > 10.0.0.2
packet 4: too short (10 bytes), not checked
packet 5: too long (4000 bytes, the test-run limit is 3520), not checked
packet 6: cut short in the capture (20 of 54 bytes), not checked
packet 7: DROP rule=7  udp [fd00::1]:40000 > [fd00::2]:2007
packet 8: FORWARD rule=9  vlan 100 vlan 101 tcp 10.0.0.1:40000 > 10.0.0.2:1009 SYN"
check "check FILE.pcapng: every packet's verdict, rule or reason, by number; short, long, cut ones named" \
	"exit $rc: $out" test "$rc" = 0 -a "$out" = "$exp"
check "check: live counters (directions, rules, trace lost) unchanged" "$before / $after" \
	test "$before" = "$after"
check "check: fwctl stats --json the same before and after (time aside)" \
	"$sbefore / $safter" test -n "$sbefore" -a "$sbefore" = "$safter"
send "$IN" tcp4,sport=44000,dport=1005
rc=$(finish during)
check "check: a trace running meanwhile sees no probe, only the next real frame" \
	"$(cat "$tmp/during.out")" grep -q "sport=44000" "$tmp/during.out"
out2=$("$FW" check "$tmp/c.pcap" 2>/dev/null)
check "check FILE.pcap: classic pcap gives the same" "$out2" test "$out2" = "$exp"
out=$("$FW" check "$tmp/c.pcapng" --expect forward 2>"$tmp/e.err")
rc=$?
check "check --expect forward: exit 1 at packet 2, named on stderr" "exit $rc: $(cat "$tmp/e.err")" \
	test "$rc" = 1 -a "$(tail -1 "$tmp/e.err")" = "fwctl check: packet 2: DROP reason=policy, expected forward" \
	-a "$(echo "$out" | wc -l)" = 2
"$T" pcap "$tmp/d.pcapng" udp4,dport=80 tcp6,dport=81 short,len=10 udp4,dport=2003
"$FW" check "$tmp/d.pcapng" --expect drop >/dev/null 2>&1
rc=$?
check "check --expect drop: a capture that is all drops (and an unchecked frame) exits 0" \
	"exit $rc" test "$rc" = 0
"$FW" check "$tmp/d.pcapng" --expect forward >/dev/null 2>"$tmp/e2.err"
rc=$?
check "check --expect forward: packet 1 disagrees, exit 1" "exit $rc: $(cat "$tmp/e2.err")" \
	test "$rc" = 1 -a "$(grep -c "packet 1: DROP reason=policy, expected forward" "$tmp/e2.err")" = 1
out=$("$FW" check "$tmp/c.pcapng" --json --in "$OUT")
check "check --json --in OUT: one object per packet; verdict, reason, rule_id, in, headers" \
	"$(echo "$out" | head -c 400)" jqt -s --arg out "$OUT" 'length == 8 and .[0].packet == 1 and .[0].in == $out and .[0].direction == "output_to_input" and .[0].verdict == "forward" and .[0].reason == "rule" and .[0].rule_id == 5 and .[0].tcp.dport == 1005 and .[1].rule_id == null and .[3].checked == false and .[3].error == "too short (10 bytes)" and .[6].verdict == "drop" and .[6].rule_id == 7' <<<"$out"

# The same frames, live (through the attached program) and checked, same verdicts.
live=(tcp4,dport=1005 udp4,dport=80 arp bad4 frag4 ether udp6,dport=2007 icmp4 nd6 tcp6,dport=1002,vlan=1)
"$T" pcap "$tmp/live.pcapng" "${live[@]}"
start lv --count ${#live[@]} --json
for s in "${live[@]}"; do send "$IN" "$s"; done
finish lv >/dev/null
got_live=$(jq -c '[.verdict, .reason, .rule_id]' "$tmp/lv.out" | tr '\n' ' ')
got_check=$("$FW" check "$tmp/live.pcapng" --json | jq -c '[.verdict, .reason, .rule_id]' | tr '\n' ' ')
check "check: a capture of mixed traffic gets the same verdicts, reasons and rules as live" \
	"live: $got_live; check: $got_check" test -n "$got_live" -a "$got_live" = "$got_check"
"$FW" policy accept >/dev/null
got_live=$(for s in "${live[@]}"; do "$T" send "$IN" "$s"; done | tr '\n' ' ')
got_check=$("$FW" check "$tmp/live.pcapng" --json | jq -r '"action " + (if .verdict == "forward" then "4" else "1" end)' | tr '\n' ' ')
check "check: under policy accept too (actions of live runs = checked verdicts)" \
	"live: $got_live; check: $got_check" test "$got_live" = "$got_check"
"$FW" policy drop >/dev/null

# A check of a packet of a live flow: the flow's verdict, and the flow untouched
# (packets, bytes, state as before).
"$FW" rules add allow tcp dport 7777 in "$IN" stateful >/dev/null
send "$IN" tcp4,sport=41000,dport=7777
"$T" pcap "$tmp/flow.pcapng" tcp4,sport=41000,dport=7777,flags=0x10
fbefore=$("$FW" ct list --json | jq -c '[.flows[] | select(.dport == 7777) | del(.age, .expires)]')
fout=$("$FW" check "$tmp/flow.pcapng" --json 2>&1)
fafter=$("$FW" ct list --json | jq -c '[.flows[] | select(.dport == 7777) | del(.age, .expires)]')
fverdict=$(jq -r '.verdict + " " + .reason' <<<"$fout" 2>/dev/null)
check "check: a packet of a live flow is forwarded as flow; the flow's counters and state unchanged" \
	"check: $fout; flow before: $fbefore; after: $fafter" \
	test "$fverdict" = "forward flow" -a "$(jq length <<<"$fbefore")" = 1 -a "$fbefore" = "$fafter"
"$FW" rules del allow tcp dport 7777 in "$IN" stateful >/dev/null

# A check of a later fragment whose first fragment was remembered: the first
# fragment's verdict, and nothing counted (fragments followed as before).
"$FW" rules add allow udp dport 7778 in "$IN" >/dev/null
send "$IN" udp4,sport=41001,dport=7778,frag=0x2000
"$T" pcap "$tmp/later.pcapng" frag4
ffol() { "$FW" ct stats --json | jq -c '[.fragments_remembered, .fragments_followed]'; }
fbefore=$(ffol)
fout=$("$FW" check "$tmp/later.pcapng" --json 2>&1)
fafter=$(ffol)
fverdict=$(jq -r '.verdict + " " + .reason' <<<"$fout" 2>/dev/null)
check "check: a later fragment gets its first fragment's verdict; fragments followed unchanged" \
	"check: $fout; [remembered, followed] before: $fbefore; after: $fafter" \
	test "$fverdict" = "forward rule" -a "$fbefore" = "$fafter" -a "$(jq '.[0]' <<<"$fbefore")" -ge 1
"$FW" rules del allow udp dport 7778 in "$IN" >/dev/null

badc() {	# badc WHAT WANT_RC ARGS...
	local what=$1 want=$2 rc err
	shift 2
	err=$("$FW" check "$@" 2>&1 >/dev/null)
	rc=$?
	check "check $what: exit $want, one line naming the problem" "exit $rc: $err" \
		test "$rc" = "$want" -a "$(echo "$err" | wc -l)" = 1
}
badc "without FILE" 2
badc "--expect maybe" 2 "$tmp/c.pcapng" --expect maybe
badc "--in nosuch" 2 "$tmp/c.pcapng" --in nosuch
badc "two files" 2 "$tmp/c.pcapng" "$tmp/c.pcap"
badc "a missing file" 1 "$tmp/missing.pcap"
printf 'not a capture at all\n' >"$tmp/junk.pcap"
badc "a file that is not a capture" 1 "$tmp/junk.pcap"
# A check interrupted, then one killed: the check slot is given back, or
# taken back by the next check.
"$T" pcap "$tmp/big.pcap" "udp4,dport=80*200000"
( bash -c 'echo $$ >"$0"; exec "$@"' "$tmp/big.pid" "$FW" check "$tmp/big.pcap" \
	>/dev/null 2>"$tmp/big.err"; echo $? >"$tmp/big.rc" ) 2>/dev/null &
for i in $(seq 50); do
	[ "$("$T" slots | grep -c 'checking=1')" = 1 ] && break
	sleep 0.1
done
kill -INT "$(cat "$tmp/big.pid")"
for i in $(seq 50); do [ -s "$tmp/big.rc" ] && break; sleep 0.1; done
check "check: Ctrl-C ends it (exit 1, 'interrupted after packet N') and gives its check slot back" \
	"exit $(cat "$tmp/big.rc"): $(cat "$tmp/big.err"); $("$T" slots | grep checking=1)" \
	test "$(cat "$tmp/big.rc")" = 1 -a "$(grep -c 'interrupted after packet [0-9]' "$tmp/big.err")" = 1 \
	-a "$("$T" slots | grep -c 'checking=1')" = 0
rm -f "$tmp/big.rc" "$tmp/big.pid"
( bash -c 'echo $$ >"$0"; exec "$@"' "$tmp/big.pid" "$FW" check "$tmp/big.pcap" \
	>/dev/null 2>&1; echo $? >"$tmp/big.rc" ) 2>/dev/null &
for i in $(seq 50); do
	[ "$("$T" slots | grep -c 'checking=1')" = 1 ] && break
	sleep 0.1
done
kill -9 "$(cat "$tmp/big.pid")"
for i in $(seq 50); do [ -s "$tmp/big.rc" ] && break; sleep 0.1; done
left=$("$T" slots | grep -c 'checking=1')
"$FW" check "$tmp/d.pcapng" >/dev/null 2>&1
check "check: killed with kill -9 it leaves its slot in use, the next check takes it back" \
	"left $left; after: $("$T" slots | grep checking=1)" \
	test "$left" = 1 -a "$("$T" slots | grep -c 'checking=1')" = 0
check "check: no check slot left in use, no trace on (the program's flag word is clear)" \
	"$("$T" slots | tr '\n' ' ')" test "$("$T" slots | grep -c 'on=1\|checking=1')" = 0
exit 0
