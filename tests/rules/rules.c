// SPDX-License-Identifier: GPL-2.0
/*
 * tests/rules - the rule language (loader/rule.c) and rules files
 * (loader/rules_file.c), in user space, no root: valid rules give their
 * exact canonical text and survive a round trip, invalid ones give their
 * exact message, files cover every case of issue 10 item 14, and every
 * ClassBench set in the directory given as argument parses whole.
 *
 * Usage: rules [CLASSBENCH_DIR]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "fwctl.h"
#include "rule.h"

static int failures;
static char tmpdir[] = "/tmp/fwctl-rules-XXXXXX";

static void pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("PASS: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

/* The interfaces 'in' may name in these tests. */
static const struct rule_ctx attached = { .ifname = { "input", "output" } };

/* --- valid rules: exact canonical text, and the round trip --------------- */

static const struct {
	const char *in, *out;
} valid[] = {
	/* the issue's examples */
	{ "tcp 7070", "allow tcp 7070" },
	{ "deny tcp dport 22 src 10.9.0.0/16", "deny tcp src 10.9.0.0/16 dport 22" },
	{ "allow tcp dport 22,80,443 in input dst 10.0.0.0/8,fd00::/8",
	  "allow tcp in input dst 10.0.0.0/8,fd00::/8 dport 22,80,443" },
	{ "allow icmp type echo-request in input", "allow icmp in input type echo-request" },
	{ "allow any src 192.168.7.0/24 comment \"backup host\"",
	  "allow any src 192.168.7.0/24 comment \"backup host\"" },
	{ "deny udp sport 5000-5100 dport 53", "deny udp sport 5000-5100 dport 53" },
	/* protocols */
	{ "udp 5000-5100", "allow udp 5000-5100" },
	{ "icmp", "allow icmp" },
	{ "icmpv6", "allow icmpv6" },
	{ "any", "allow any" },
	{ "deny any", "deny any" },
	{ "47", "allow 47" },
	{ "0", "allow 0" },
	{ "255", "allow 255" },
	{ "1", "allow icmp" },
	{ "6 80", "allow tcp 80" },
	{ "17", "allow udp" },
	{ "58", "allow icmpv6" },
	{ "006", "allow tcp" },
	{ "TCP 80", "allow tcp 80" },
	{ "ALLOW Tcp DPORT 80", "allow tcp dport 80" },
	/* ports */
	{ "tcp 0", "allow tcp 0" },
	{ "tcp 0-65535", "allow tcp 0-65535" },
	{ "tcp 80-80", "allow tcp 80" },
	{ "udp 0080", "allow udp 80" },
	{ "tcp dport 443,22,80,22", "allow tcp dport 22,80,443" },
	{ "tcp dport 1000-2000,80,1000-1999", "allow tcp dport 80,1000-1999,1000-2000" },
	{ "tcp 7070 dport 80 sport 1-2", "allow tcp 7070 sport 1-2 dport 80" },
	{ "udp sport 0 dport 65535", "allow udp sport 0 dport 65535" },
	{ "17 dport 53", "allow udp dport 53" },
	/* addresses */
	{ "any src 10.0.0.1/32", "allow any src 10.0.0.1" },
	{ "any src 10.0.0.1", "allow any src 10.0.0.1" },
	{ "any src 2001:db8::1/128", "allow any src 2001:db8::1" },
	{ "any src 2001:0DB8:0000::/32", "allow any src 2001:db8::/32" },
	{ "any dst fd00::/8,10.0.0.0/8,::/0,0.0.0.0/0",
	  "allow any dst 0.0.0.0/0,10.0.0.0/8,::/0,fd00::/8" },
	{ "any src 10.0.0.0/16,10.0.0.0/8,10.0.0.0/8", "allow any src 10.0.0.0/8,10.0.0.0/16" },
	{ "any src 255.255.255.255/32,0.0.0.0/32", "allow any src 0.0.0.0,255.255.255.255" },
	{ "any src ::ffff:1.2.3.4", "allow any src ::ffff:1.2.3.4" },
	{ "any src 2001:db8:0:0:1:0:0:1", "allow any src 2001:db8::1:0:0:1" },
	{ "any dst ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124",
	  "allow any dst ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124" },
	{ "tcp src 0.0.0.0/0", "allow tcp src 0.0.0.0/0" },
	{ "any src 10.0.0.0/8 dst 10.1.0.0/16,fd00::/8",
	  "allow any src 10.0.0.0/8 dst 10.1.0.0/16,fd00::/8" },
	{ "icmp src 10.0.0.0/8,fd00::/8", "allow icmp src 10.0.0.0/8,fd00::/8" },
	{ "icmpv6 dst fe80::/10", "allow icmpv6 dst fe80::/10" },
	{ "1 dst 10.0.0.1", "allow icmp dst 10.0.0.1" },
	/* ICMP types */
	{ "icmp type 8", "allow icmp type echo-request" },
	{ "icmp type 8/0", "allow icmp type echo-request/0" },
	{ "icmp type 3/4", "allow icmp type destination-unreachable/4" },
	{ "icmp type 0", "allow icmp type echo-reply" },
	{ "icmp type 11", "allow icmp type time-exceeded" },
	{ "icmp type 12", "allow icmp type parameter-problem" },
	{ "icmp type 5", "allow icmp type 5" },
	{ "icmp type 255/255", "allow icmp type 255/255" },
	{ "icmp type ECHO-REQUEST", "allow icmp type echo-request" },
	{ "icmp type time-exceeded/1", "allow icmp type time-exceeded/1" },
	{ "icmpv6 type 128", "allow icmpv6 type echo-request" },
	{ "icmpv6 type echo-reply", "allow icmpv6 type echo-reply" },
	{ "icmpv6 type 129", "allow icmpv6 type echo-reply" },
	{ "icmpv6 type 2", "allow icmpv6 type packet-too-big" },
	{ "icmpv6 type 4/1", "allow icmpv6 type parameter-problem/1" },
	{ "icmpv6 type 135", "allow icmpv6 type 135" },
	{ "58 type 1", "allow icmpv6 type destination-unreachable" },
	{ "1 type 3", "allow icmp type destination-unreachable" },
	{ "icmpv6 type 8", "allow icmpv6 type 8" },
	{ "icmp type 128", "allow icmp type 128" },
	/* interfaces */
	{ "udp in output", "allow udp in output" },
	{ "tcp 22 in input", "allow tcp 22 in input" },
	/* comments and blanks */
	{ "tcp 80 comment \"say \\\"hi\\\" \\\\ ok\"", "allow tcp 80 comment \"say \\\"hi\\\" \\\\ ok\"" },
	{ "tcp 80 comment \"\"", "allow tcp 80 comment \"\"" },
	{ "tcp 80 comment \"a # b\"", "allow tcp 80 comment \"a # b\"" },
	{ "tcp 80 comment \"caf\xc3\xa9\"", "allow tcp 80 comment \"caf\xc3\xa9\"" },
	{ "tcp 80 # tcp 81", "allow tcp 80" },
	{ "tcp 80#x", "allow tcp 80" },
	{ "tcp 80 comment \"x\"# y", "allow tcp 80 comment \"x\"" },
	{ "  tcp\t80  ", "allow tcp 80" },
	{ "tcp 80\r", "allow tcp 80" },
	/* every field */
	{ "deny udp 53 dport 53,5353 sport 1024-65535 dst 192.168.0.0/16 src 10.0.0.0/8 "
	  "in input comment \"dns\"",
	  "deny udp 53 in input src 10.0.0.0/8 dst 192.168.0.0/16 sport 1024-65535 "
	  "dport 53,5353 comment \"dns\"" },
	/* stateful (issue 12): after every match, before the comment */
	{ "allow tcp dport 7070 in input stateful", "allow tcp in input dport 7070 stateful" },
	{ "allow udp dport 53 in input stateful", "allow udp in input dport 53 stateful" },
	{ "allow icmp type echo-request in input stateful",
	  "allow icmp in input type echo-request stateful" },
	{ "allow icmpv6 type echo-request in input stateful",
	  "allow icmpv6 in input type echo-request stateful" },
	{ "tcp 22 stateful", "allow tcp 22 stateful" },
	{ "TCP dport 22 STATEFUL", "allow tcp dport 22 stateful" },
	{ "6 dport 22 stateful", "allow tcp dport 22 stateful" },
	{ "17 stateful", "allow udp stateful" },
	{ "1 stateful", "allow icmp stateful" },
	{ "58 stateful", "allow icmpv6 stateful" },
	{ "icmp type 8 stateful", "allow icmp type echo-request stateful" },
	{ "icmp type 8/0 stateful", "allow icmp type echo-request/0 stateful" },
	{ "icmpv6 type 128 stateful", "allow icmpv6 type echo-request stateful" },
	{ "udp src 10.0.0.0/8 dst fd00::/8,10.1.0.0/16 sport 1024-65535 stateful comment \"q\"",
	  "allow udp src 10.0.0.0/8 dst 10.1.0.0/16,fd00::/8 sport 1024-65535 stateful comment \"q\"" },
	{ "tcp dport 22 stateful # stateful", "allow tcp dport 22 stateful" },
	{ "tcp dport 22 comment \"stateful\"", "allow tcp dport 22 comment \"stateful\"" },
};

static void test_valid(void)
{
	struct fwctl_err e = { "" };
	struct rule r, r2;
	char *t, *t2;
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		if (rule_from_text(valid[i].in, &attached, &r, &e)) {
			fail("valid '%s': rejected: %s", valid[i].in, e.msg);
			continue;
		}
		t = rule_to_text(&r);
		rule_free(&r);
		if (!t || strcmp(t, valid[i].out)) {
			fail("valid '%s': canonical '%s', expected '%s'", valid[i].in, t, valid[i].out);
			free(t);
			continue;
		}
		t2 = NULL;
		if (!rule_from_text(t, &attached, &r2, &e)) {
			t2 = rule_to_text(&r2);
			rule_free(&r2);
		}
		if (t2 && !strcmp(t, t2))
			pass("'%s' -> '%s', round trip", valid[i].in, t);
		else
			fail("round trip of '%s': '%s' (%s)", t, t2 ? t2 : "rejected", e.msg);
		free(t);
		free(t2);
	}
}

/* The command-line form: comment TEXT is one word, taken as is. */
static const struct {
	const char *argv[8];
	const char *out;
} valid_args[] = {
	{ { "tcp", "7070" }, "allow tcp 7070" },
	{ { "allow", "any", "comment", "backup host" }, "allow any comment \"backup host\"" },
	{ { "tcp", "80", "comment", "say \"hi\" # not a comment \\" },
	  "allow tcp 80 comment \"say \\\"hi\\\" # not a comment \\\\\"" },
	{ { "tcp", "80", "comment", "\"quoted\"" }, "allow tcp 80 comment \"\\\"quoted\\\"\"" },
	{ { "deny", "tcp", "dport", "22", "src", "10.9.0.0/16" }, "deny tcp src 10.9.0.0/16 dport 22" },
	{ { "icmpv6", "type", "echo-request", "in", "output" }, "allow icmpv6 in output type echo-request" },
	{ { "allow", "tcp", "dport", "7070", "in", "input", "stateful" },
	  "allow tcp in input dport 7070 stateful" },
	{ { "udp", "53", "stateful", "comment", "dns" }, "allow udp 53 stateful comment \"dns\"" },
};

static int argv_len(const char *const *argv)
{
	int n = 0;

	while (n < 8 && argv[n])
		n++;
	return n;
}

static void test_valid_args(void)
{
	struct fwctl_err e = { "" };
	struct rule r, r2;
	char *t, *t2 = NULL;
	size_t i;

	for (i = 0; i < sizeof(valid_args) / sizeof(valid_args[0]); i++) {
		int argc = argv_len(valid_args[i].argv);

		if (rule_from_args(argc, (char **)valid_args[i].argv, &attached, &r, &e)) {
			fail("valid args '%s'...: rejected: %s", valid_args[i].argv[0], e.msg);
			continue;
		}
		t = rule_to_text(&r);
		rule_free(&r);
		t2 = NULL;
		if (t && !rule_from_text(t, &attached, &r2, &e)) {
			t2 = rule_to_text(&r2);
			rule_free(&r2);
		}
		if (t && !strcmp(t, valid_args[i].out) && t2 && !strcmp(t, t2))
			pass("args -> '%s', round trip", t);
		else
			fail("args -> '%s', expected '%s', round trip '%s'", t, valid_args[i].out, t2);
		free(t);
		free(t2);
	}
}

/* A whole rule quoted as one argument is read as a line of a file: every
 * valid line gives its canonical text that way too. */
static void test_one_word_rule(void)
{
	static const char *const tab_and_comment = "udp\t53 # a file comment";
	struct fwctl_err e = { "" };
	const char *word, *want;
	struct rule r;
	size_t i, n = sizeof(valid) / sizeof(valid[0]);
	char *t;

	for (i = 0; i <= n; i++) {
		word = i < n ? valid[i].in : tab_and_comment;
		want = i < n ? valid[i].out : "allow udp 53";
		if (rule_from_args(1, (char **)&word, &attached, &r, &e)) {
			fail("one word '%s': rejected: %s", word, e.msg);
			continue;
		}
		t = rule_to_text(&r);
		rule_free(&r);
		if (t && !strcmp(t, want))
			pass("one word '%s' -> '%s'", word, t);
		else
			fail("one word '%s' -> '%s', expected '%s'", word, t, want);
		free(t);
	}
}

/* --- invalid rules: exact messages ------------------------------------- */

static const struct {
	const char *in, *msg;
} invalid[] = {
	{ "", "missing protocol (tcp, udp, icmp, icmpv6, any or 0-255)" },
	{ "# only a comment", "missing protocol" },
	{ "allow", "missing protocol after 'allow'" },
	{ "allow deny tcp", "action given twice: 'deny'" },
	{ "foo", "unknown protocol 'foo' (tcp, udp, icmp, icmpv6, any or 0-255)" },
	{ "256", "invalid protocol '256': out of range (0-255)" },
	{ "6x", "invalid protocol '6x': not a number (0-255)" },
	{ "\"tcp\"", "unexpected quoted string \"tcp\"" },
	{ "stateful", "unknown protocol 'stateful'" },
	/* PORTS */
	{ "tcp 65536", "invalid port '65536': out of range (0-65535)" },
	{ "tcp 99999999999999999999", "invalid port '99999999999999999999': out of range" },
	{ "tcp 90-80", "invalid port range '90-80': inverted (90 > 80)" },
	{ "tcp 70x", "invalid port '70x': not a number (0-65535)" },
	{ "udp 5000-51x", "invalid port range '5000-51x': not a number" },
	{ "udp 5000-", "invalid port range '5000-': not a number" },
	{ "tcp -5", "invalid port range '-5': not a number" },
	{ "tcp 1-2-3", "invalid port range '1-2-3'" },
	{ "tcp 22,80", "invalid port '22,80': a list needs sport or dport" },
	{ "icmp 80", "unexpected port '80': protocol 'icmp' has no ports (only tcp and udp do)" },
	{ "47 80", "unexpected port '80': protocol '47' has no ports" },
	{ "any 80", "unexpected port '80': protocol 'any' has no ports" },
	/* fields on the wrong protocol */
	{ "icmp dport 80", "'dport' needs protocol tcp or udp, not icmp" },
	{ "any sport 80", "'sport' needs protocol tcp or udp, not any" },
	{ "47 dport 80", "'dport' needs protocol tcp or udp, not 47" },
	{ "tcp type 8", "'type' needs protocol icmp or icmpv6, not tcp" },
	{ "any type echo-request", "'type' needs protocol icmp or icmpv6, not any" },
	{ "2 type 8", "'type' needs protocol icmp or icmpv6, not 2" },
	/* ICMP types */
	{ "icmp type packet-too-big", "ICMP type 'packet-too-big' is not defined for icmp (it is an icmpv6 type)" },
	{ "icmp type packet-too-big/0", "ICMP type 'packet-too-big' is not defined for icmp" },
	{ "icmpv6 type foo", "unknown ICMP type 'foo' for icmpv6 (0-255, destination-unreachable, "
	  "packet-too-big, time-exceeded, parameter-problem, echo-request, echo-reply)" },
	{ "icmp type foo", "unknown ICMP type 'foo' for icmp (0-255, echo-reply, destination-unreachable, "
	  "echo-request, time-exceeded, parameter-problem)" },
	{ "icmp type 256", "invalid ICMP type '256' (0-255 or a name)" },
	{ "icmp type 8x", "invalid ICMP type '8x' (0-255 or a name)" },
	{ "icmp type /8", "unknown ICMP type '/8' for icmp" },
	{ "icmp type 8/256", "invalid ICMP code in '8/256' (0-255)" },
	{ "icmp type 8/", "invalid ICMP code in '8/' (0-255)" },
	{ "icmp type echo-request/x", "invalid ICMP code in 'echo-request/x' (0-255)" },
	/* a field twice, missing values, order */
	{ "tcp dport 80 dport 81", "'dport' given twice" },
	{ "tcp sport 80 sport 80", "'sport' given twice" },
	{ "tcp src 10.0.0.0/8 src 10.0.0.0/8", "'src' given twice" },
	{ "tcp dst 10.0.0.0/8 dst 11.0.0.0/8", "'dst' given twice" },
	{ "tcp in input in output", "'in' given twice" },
	{ "icmp type 8 type 0", "'type' given twice" },
	{ "tcp comment \"a\" comment \"b\"", "unexpected 'comment' after the comment (the comment comes last)" },
	{ "tcp comment \"a\" dport 80", "unexpected 'dport' after the comment (the comment comes last)" },
	{ "tcp dport", "missing value after 'dport'" },
	{ "tcp src", "missing value after 'src'" },
	{ "tcp in", "missing value after 'in'" },
	{ "icmp type", "missing value after 'type'" },
	{ "tcp comment", "missing text after 'comment'" },
	{ "tcp 80 81", "unexpected '81' (expected in, src, dst, sport, dport, type, stateful or comment)" },
	/* stateful */
	{ "deny tcp dport 22 stateful", "'stateful' needs an allow rule: a deny rule creates no flow" },
	{ "deny icmp type echo-request stateful", "'stateful' needs an allow rule" },
	{ "any stateful", "'stateful' needs protocol tcp, udp, icmp or icmpv6, not any" },
	{ "allow any src 10.0.0.0/8 stateful", "'stateful' needs protocol tcp, udp, icmp or icmpv6, not any" },
	{ "47 stateful", "'stateful' needs protocol tcp, udp, icmp or icmpv6, not 47: "
	  "the rule could never start a flow" },
	{ "0 stateful", "not 0: the rule could never start a flow" },
	{ "icmp type echo-reply stateful", "'stateful' with icmp type echo-reply: only echo-request "
	  "starts a flow" },
	{ "icmp type 3/4 stateful", "'stateful' with icmp type destination-unreachable:" },
	{ "icmp type 5 stateful", "'stateful' with icmp type 5: only echo-request starts a flow" },
	{ "icmp type 128 stateful", "'stateful' with icmp type 128:" },
	{ "icmpv6 type 8 stateful", "'stateful' with icmpv6 type 8:" },
	{ "icmpv6 type echo-reply stateful", "'stateful' with icmpv6 type echo-reply:" },
	{ "icmpv6 type packet-too-big stateful", "'stateful' with icmpv6 type packet-too-big:" },
	{ "tcp stateful stateful", "'stateful' given twice" },
	{ "tcp dport 22 stateful stateful comment \"x\"", "'stateful' given twice" },
	{ "tcp stateful dport 22", "unexpected 'dport' after 'stateful' (stateful comes after every "
	  "match, before the comment)" },
	{ "udp stateful in input", "unexpected 'in' after 'stateful'" },
	{ "tcp comment \"x\" stateful", "unexpected 'stateful' after the comment (the comment comes last)" },
	{ "stateful tcp", "unknown protocol 'stateful'" },
	{ "allow stateful", "unknown protocol 'stateful'" },
	{ "tcp dport stateful", "invalid port 'stateful': not a number" },
	{ "tcp \"stateful\"", "unexpected quoted string \"stateful\"" },
	{ "tcp dport 80 allow", "unexpected 'allow': the action (allow or deny) comes first" },
	{ "tcp dport 80 deny", "unexpected 'deny': the action (allow or deny) comes first" },
	{ "tcp from 10.0.0.0/8", "unexpected 'from'" },
	/* the text form's strings */
	{ "tcp comment backup", "comment text must be double-quoted: 'backup'" },
	{ "tcp comment \"unterminated", "unterminated quoted string '\"unterminated'" },
	{ "tcp comment \"a\\nb\"", "invalid escape '\\n' in quoted string (only \\\" and \\\\)" },
	{ "tcp comment \"a\"b", "unexpected 'b' right after the quoted string '\"a\"b'" },
	{ "tcp \"80\"", "unexpected quoted string \"80\"" },
	{ "tcp dport \"80\"", "unexpected quoted string \"80\" after 'dport'" },
	{ "tcp comment \"tab\there\"", "comment holds a control character (byte 0x09 at offset 3)" },
	/* interfaces */
	{ "tcp in eth9", "unknown interface 'eth9' after 'in' (attached: input and output)" },
	{ "tcp in Input", "unknown interface 'Input'" },
	{ "tcp in a/b", "invalid interface name 'a/b'" },
	{ "tcp in abcdefghijklmnop", "invalid interface name 'abcdefghijklmnop'" },
	/* prefixes */
	{ "tcp src 10.1.2.3/8", "10.1.2.3/8 has host bits set (did you mean 10.0.0.0/8?)" },
	{ "tcp src 10.1.2.3/0", "10.1.2.3/0 has host bits set (did you mean 0.0.0.0/0?)" },
	{ "tcp src 10.0.0.1/31", "10.0.0.1/31 has host bits set (did you mean 10.0.0.0/31?)" },
	{ "tcp src 2001:db8::1/32", "2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)" },
	{ "tcp src fd00::1/127", "fd00::1/127 has host bits set (did you mean fd00::/127?)" },
	{ "tcp dst 10.0.0.0/8,10.1.2.3/8",
	  "dst '10.0.0.0/8,10.1.2.3/8': 10.1.2.3/8 has host bits set (did you mean 10.0.0.0/8?)" },
	{ "tcp src 10.0.0.0/33", "invalid prefix length in '10.0.0.0/33' (0-32 for IPv4)" },
	{ "tcp src fd00::/129", "invalid prefix length in 'fd00::/129' (0-128 for IPv6)" },
	{ "tcp src 10.0.0.0/", "invalid prefix length in '10.0.0.0/' (0-32 for IPv4)" },
	{ "tcp src 10.0.0.0/+8", "invalid prefix length in '10.0.0.0/+8'" },
	{ "tcp src 10.0.0.0/8/8", "invalid prefix length in '10.0.0.0/8/8'" },
	{ "tcp src 10.0.0.256", "invalid IPv4 address '10.0.0.256'" },
	{ "tcp src 10.0.0", "invalid IPv4 address '10.0.0'" },
	{ "tcp src 010.0.0.1", "invalid IPv4 address '010.0.0.1'" },
	{ "tcp src fd00:::1", "invalid IPv6 address 'fd00:::1'" },
	{ "tcp src fe80::1%eth0", "invalid IPv6 address 'fe80::1%eth0'" },
	{ "tcp src /8", "invalid IPv4 address '/8'" },
	{ "tcp src any", "invalid IPv4 address 'any'" },
	{ "tcp src 10.0.0.0/8,", "empty element in src list '10.0.0.0/8,'" },
	{ "tcp dport ,80", "empty element in dport list ',80'" },
	{ "tcp sport 80,,81", "empty element in sport list '80,,81'" },
	{ "tcp dport 80,99999", "dport '80,99999': invalid port '99999': out of range (0-65535)" },
	{ "tcp sport 5-1", "invalid port range '5-1': inverted (5 > 1)" },
	/* families (semantics 5) */
	{ "any src 10.0.0.0/8 dst fd00::/8",
	  "dst 'fd00::/8' has no address family in common with src '10.0.0.0/8': the rule can never match" },
	{ "tcp src fd00::/8,fe80::/10 dst 0.0.0.0/0", "dst '0.0.0.0/0' has no address family in common" },
	{ "icmp src fd00::/8", "icmp matches only IPv4 but src 'fd00::/8' has no IPv4 prefix: "
	  "the rule can never match" },
	{ "icmp src 10.0.0.0/8,fd00::/8 dst ::/0",
	  "icmp matches only IPv4 but dst '::/0' has no IPv4 prefix" },
	{ "any src 10.0.0.0/8,10.1.0.0/16 dst ::/0,fd00::/8",
	  "dst '::/0,fd00::/8' has no address family in common with src '10.0.0.0/8,10.1.0.0/16'" },
	{ "icmp dst fd00::/8", "icmp matches only IPv4 but dst 'fd00::/8' has no IPv4 prefix" },
	{ "icmpv6 src 10.0.0.0/8", "icmpv6 matches only IPv6 but src '10.0.0.0/8' has no IPv6 prefix" },
	{ "icmpv6 src ::/0,10.0.0.0/8 dst 10.0.0.0/8,fd00::/8 src ::/0", "'src' given twice" },
	{ "icmpv6 src ::/0,10.0.0.0/8 dst 10.0.0.0/8", "icmpv6 matches only IPv6 but dst '10.0.0.0/8'" },
	{ "1 dst fd00::1", "icmp matches only IPv4 but dst 'fd00::1' has no IPv4 prefix" },
	{ "58 src 1.2.3.4", "icmpv6 matches only IPv6 but src '1.2.3.4' has no IPv6 prefix" },
};

static void test_invalid(void)
{
	struct fwctl_err e;
	struct rule r;
	size_t i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(e.msg, sizeof(e.msg), "(no message)");
		if (!rule_from_text(invalid[i].in, &attached, &r, &e)) {
			char *t = rule_to_text(&r);

			fail("invalid '%s': accepted as '%s'", invalid[i].in, t);
			free(t);
			rule_free(&r);
		} else if (!strstr(e.msg, invalid[i].msg) || strchr(e.msg, '\n')) {
			fail("invalid '%s': message '%s', expected '%s'", invalid[i].in, e.msg,
			     invalid[i].msg);
		} else if (r.src || r.dst || r.sport || r.dport || r.comment) {
			fail("invalid '%s': rule not left empty", invalid[i].in);
		} else {
			pass("invalid '%s': %s", invalid[i].in, e.msg);
		}
	}
}

static void expect_args_error(int argc, const char **argv, const struct rule_ctx *ctx,
			      const char *msg, const char *what)
{
	struct fwctl_err e = { "(no message)" };
	struct rule r;

	if (!rule_from_args(argc, (char **)argv, ctx, &r, &e)) {
		rule_free(&r);
		fail("%s: accepted", what);
	} else if (!strstr(e.msg, msg) || strchr(e.msg, '\n')) {
		fail("%s: message '%s', expected '%s'", what, e.msg, msg);
	} else {
		pass("%s: %s", what, e.msg);
	}
}

static void test_invalid_args(void)
{
	char longc[RULE_COMMENT_MAX + 2];
	const char *a1[] = { "tcp", "comment", "a\nb" };
	const char *a2[] = { "tcp", "80", "comment", "a", "b" };
	const char *a3[] = { "tcp", "comment", longc };
	const char *a4[] = { "tcp 80 frob" };
	const char *a5[] = { "tcp", "comment", "del\x7f" };
	struct fwctl_err e;
	struct rule r;

	expect_args_error(0, NULL, &attached, "missing protocol", "args: no words");
	expect_args_error(3, a1, &attached, "comment holds a control character (byte 0x0a at offset 1)",
			  "args: newline in a comment");
	expect_args_error(3, a5, &attached, "comment holds a control character (byte 0x7f at offset 3)",
			  "args: DEL in a comment");
	expect_args_error(5, a2, &attached, "unexpected 'b' after the comment",
			  "args: a comment of two words");
	expect_args_error(1, a4, &attached, "unexpected 'frob'",
			  "args: a whole rule in one word, read as a line, with an error");
	memset(longc, 'x', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	expect_args_error(3, a3, &attached, "comment too long (256 bytes, at most 255)",
			  "args: 256-byte comment");
	longc[RULE_COMMENT_MAX] = '\0';
	if (rule_from_args(3, (char **)a3, &attached, &r, &e)) {
		fail("args: 255-byte comment: %s", e.msg);
		return;
	}
	if (strlen(r.comment) != RULE_COMMENT_MAX)
		fail("args: 255-byte comment: kept %zu bytes", strlen(r.comment));
	else
		pass("args: 255-byte comment accepted");
	rule_free(&r);
}

/* A random line: mostly [ACTION] PROTO [PORTS] (KEYWORD VALUE)..., with
 * a word from anywhere now and then. */
static size_t soup_line(char *line, size_t size)
{
	static const char *const heads[] = {
		"", "allow ", "deny ", "allow deny ",
	};
	static const char *const protos[] = {
		"tcp", "udp", "icmp", "icmpv6", "any", "47", "6", "58", "256", "foo",
	};
	static const char *const kws[] = {
		"in", "src", "dst", "sport", "dport", "type", "comment", "stateful", "#",
	};
	static const char *const vals[] = {
		"80", "0-65535", "90-80", "0", "input", "output", "eth9", "\"x y\"", "\"a\\\"b\"",
		"\"\"", "\"", "10.0.0.0/8", "10.1.2.3/8", "fd00::/8", "::/0", "1.2.3.4",
		"2001:db8::1", "22,80", "80,22,80", "1000-2000,0", "10.0.0.0/8,fd00::/8",
		"::,0.0.0.0/0", "echo-request", "packet-too-big", "echo-reply/3", "8/0", "3",
		"x", ",", "1.2.3.4/33",
	};
#define PICK(a) a[rand() % (sizeof(a) / sizeof(a[0]))]
	size_t len = snprintf(line, size, "%s%s", PICK(heads), PICK(protos));
	int j, n = rand() % 5;

	if (rand() % 3 == 0)
		len += snprintf(line + len, size - len, " %s", PICK(vals));
	for (j = 0; j < n; j++) {
		len += snprintf(line + len, size - len, " %s", PICK(kws));
		if (rand() % 10)
			len += snprintf(line + len, size - len, " %s", PICK(vals));
	}
#undef PICK
	return len;
}

/*
 * Random lines (fixed seed): whatever is accepted round trips and re-parses
 * to an equal rule; whatever is rejected gets one non-empty line.
 */
static void test_soup(void)
{
	unsigned int i, accepted = 0, bad = 0;
	struct fwctl_err e;
	struct rule r, r2;
	char line[512], *t, *t2;

	srand(42);
	for (i = 0; i < 20000 && bad < 5; i++) {
		soup_line(line, sizeof(line));
		e.msg[0] = '\0';
		if (rule_from_text(line, &attached, &r, &e)) {
			if (!e.msg[0] || strchr(e.msg, '\n')) {
				fail("soup '%s': rejected with message '%s'", line, e.msg);
				bad++;
			}
			continue;
		}
		accepted++;
		t = rule_to_text(&r);
		t2 = NULL;
		if (t && !rule_from_text(t, &attached, &r2, &e)) {
			t2 = rule_to_text(&r2);
			if (!rule_equal(&r, &r2)) {
				fail("soup '%s': re-parsed rule differs", line);
				bad++;
			}
			rule_free(&r2);
		}
		if (!t2 || strcmp(t, t2)) {
			fail("soup '%s': '%s' round trips to '%s'", line, t, t2);
			bad++;
		}
		free(t);
		free(t2);
		rule_free(&r);
	}
	if (!bad)
		pass("20000 random lines: %u accepted, all round trip; the rest one-line errors",
		     accepted);
}

/* --- in IF: attached, half known, not attached ------------------------- */

static void test_in(void)
{
	const struct rule_ctx none = { .ifname = { NULL, NULL } };
	const struct rule_ctx half = { .ifname = { "eth0", NULL } };
	const char *out[] = { "tcp", "in", "output" };
	struct fwctl_err e = { "" };
	struct rule r;
	char *t;

	if (!rule_from_args(3, (char **)out, &attached, &r, &e) && r.in == FWCTL_DIR_OUT_TO_IN &&
	    !strcmp(r.in_name, "output"))
		pass("in output: the output side (%d)", r.in);
	else
		fail("in output: in %d name '%s' (%s)", r.in, r.in_name, e.msg);
	rule_free(&r);
	if (!rule_from_text("tcp in input", &attached, &r, &e) && r.in == FWCTL_DIR_IN_TO_OUT)
		pass("in input: the input side (%d)", r.in);
	else
		fail("in input: in %d (%s)", r.in, e.msg);
	rule_free(&r);
	if (!rule_from_text("tcp", &attached, &r, &e) && r.in == RULE_IN_ANY)
		pass("no in: RULE_IN_ANY");
	else
		fail("no in: in %d", r.in);
	rule_free(&r);
	if (!rule_from_text("tcp in eth9", NULL, &r, &e) && r.in == RULE_IN_UNRESOLVED &&
	    !strcmp(r.in_name, "eth9") && (t = rule_to_text(&r))) {
		if (!strcmp(t, "allow tcp in eth9"))
			pass("in eth9, not attached: unresolved, '%s'", t);
		else
			fail("in eth9, not attached: '%s'", t);
		free(t);
	} else {
		fail("in eth9, not attached: in %d (%s)", r.in, e.msg);
	}
	rule_free(&r);
	if (!rule_from_text("tcp in eth9", &none, &r, &e) && r.in == RULE_IN_UNRESOLVED)
		pass("in eth9, no names known: unresolved");
	else
		fail("in eth9, no names known: in %d (%s)", r.in, e.msg);
	rule_free(&r);
	if (rule_from_text("tcp in eth1", &half, &r, &e) && strstr(e.msg, "'eth1'"))
		pass("in eth1, only eth0 known: %s", e.msg);
	else
		fail("in eth1, only eth0 known: accepted or '%s'", e.msg);
	if (rule_from_text("tcp in a:b", NULL, &r, &e) && strstr(e.msg, "invalid interface name 'a:b'"))
		pass("in a:b, not attached: %s", e.msg);
	else
		fail("in a:b, not attached: '%s'", e.msg);
}

/* --- equality, copies, rules built in code ----------------------------- */

static bool text_is(const struct rule *r, const char *want, bool key)
{
	char *t = key ? rule_key_text(r) : rule_to_text(r);
	bool ok = t && !strcmp(t, want);

	if (!ok)
		printf("  got '%s', want '%s'\n", t, want);
	free(t);
	return ok;
}

static void test_equal_copy(void)
{
	struct rule a, b, c;
	struct fwctl_err e;

	rule_from_text("tcp dport 80,22 comment \"web\"", &attached, &a, &e);
	rule_from_text("allow tcp dport 22,80,22", &attached, &b, &e);
	if (rule_equal(&a, &b) && text_is(&a, "allow tcp dport 22,80", true))
		pass("rule_equal: same key text, comment aside");
	else
		fail("rule_equal: 'tcp dport 80,22 comment' and 'allow tcp dport 22,80,22' differ");
	rule_free(&b);
	rule_from_text("deny tcp dport 22,80", &attached, &b, &e);
	if (!rule_equal(&a, &b))
		pass("rule_equal: allow and deny differ");
	else
		fail("rule_equal: allow and deny equal");
	rule_free(&b);
	if (!rule_copy(&c, &a) && c.comment != a.comment && c.dport != a.dport &&
	    text_is(&c, "allow tcp dport 22,80 comment \"web\"", false))
		pass("rule_copy: deep copy with the same text");
	else
		fail("rule_copy");
	rule_free(&a);
	if (text_is(&c, "allow tcp dport 22,80 comment \"web\"", false))
		pass("rule_copy: the copy outlives the original");
	else
		fail("rule_copy: the copy changed when the original was freed");
	rule_free(&c);

	/* A rule built in code, lists unsorted: canonical text sorts them. */
	struct rule_prefix src[3] = {
		{ FWCTL_FAMILY_V6, 8, { 0xfd000000 } },
		{ FWCTL_FAMILY_V4, 24, { 0xc0a80100 } },
		{ FWCTL_FAMILY_V4, 24, { 0xc0a80100 } },
	};
	struct rule_ports sp[2] = { { 443, 443 }, { 80, 90 } };
	struct rule h = {
		.action = FWCTL_ACTION_DENY, .proto = FWCTL_IPPROTO_UDP, .in = RULE_IN_ANY,
		.src = src, .n_src = 3, .sport = sp, .n_sport = 2,
	};
	if (text_is(&h, "deny udp src 192.168.1.0/24,fd00::/8 sport 80-90,443", false) &&
	    h.n_src == 3 && src[0].family == FWCTL_FAMILY_V6)
		pass("rule_to_text sorts an unsorted rule built in code, leaving it as it was");
	else
		fail("rule_to_text of an unsorted rule");
	if (!strcmp(rule_proto_name(RULE_PROTO_ANY), "any") && !rule_proto_name(47) &&
	    !strcmp(rule_icmp_type_name(58, 129), "echo-reply") && !rule_icmp_type_name(1, 129))
		pass("rule_proto_name and rule_icmp_type_name");
	else
		fail("rule_proto_name or rule_icmp_type_name");
}

/* --- rules files ------------------------------------------------------- */

static char *tmp_path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static const char *write_file(const char *name, const char *data, size_t len)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	return path;
}

static const char *write_str(const char *name, const char *data)
{
	return write_file(name, data, strlen(data));
}

/* Read path; expect failure whose first message contains msg. */
static void file_error(const char *what, const char *path, const char *msg)
{
	struct fwctl_err e = { "(no message)" };
	struct rules_file f;
	int err = rules_file_read(path, &attached, &f, &e);

	if (!err)
		fail("%s: accepted (%u rules)", what, f.n);
	else if (!strstr(e.msg, msg))
		fail("%s: message '%s', expected '%s'", what, e.msg, msg);
	else if (f.n || f.rules || !f.n_errors || strcmp(f.errors[0], e.msg))
		fail("%s: rules kept or errors[] not filled after an error", what);
	else
		pass("%s: %s", what, e.msg);
	rules_file_free(&f);
}

/* Read path; expect success with n rules. */
static bool file_ok(const char *what, const char *path, unsigned int n, struct rules_file *f)
{
	struct fwctl_err e = { "" };

	if (rules_file_read(path, &attached, f, &e)) {
		fail("%s: %s", what, e.msg);
		return false;
	}
	if (f->n != n) {
		fail("%s: %u rules, expected %u", what, f->n, n);
		return false;
	}
	return true;
}

static void test_file_basic(void)
{
	struct rules_file f;
	const char *p;

	p = write_str("basic.rules",
		      "# header\n"
		      "\n"
		      "policy accept   # the default\n"
		      "   \t\n"
		      "tcp 7070\n"
		      "deny udp dport 53 in output comment \"dns # not a comment\"\n"
		      "icmp");	/* no newline at the end */
	if (file_ok("basic file", p, 3, &f) && f.line[0] == 5 && f.line[1] == 6 && f.line[2] == 7 &&
	    f.has_policy && f.policy == FWCTL_POLICY_ACCEPT && f.policy_line == 3 &&
	    text_is(&f.rules[1], "deny udp in output dport 53 comment \"dns # not a comment\"", false))
		pass("basic file: 3 rules on lines 5, 6, 7, policy accept on line 3");
	else
		fail("basic file: lines or policy wrong");
	rules_file_free(&f);

	p = write_str("nopolicy.rules", "policy drop\n");
	if (file_ok("policy drop only", p, 0, &f) && f.has_policy && f.policy == FWCTL_POLICY_DROP)
		pass("policy drop only: 0 rules, policy drop");
	else
		fail("policy drop only");
	rules_file_free(&f);
	p = write_str("empty.rules", "");
	if (file_ok("empty file", p, 0, &f) && !f.has_policy)
		pass("empty file: 0 rules, no policy");
	rules_file_free(&f);

	file_error("missing file", tmp_path("none.rules"), "none.rules: No such file or directory");
	p = write_str("badline.rules", "tcp 1\nudp 2\ntcp 70x\n");
	file_error("bad rule line", p, "badline.rules:3: invalid port '70x': not a number");
	p = write_str("pol1.rules", "tcp 1\npolicy maybe\n");
	file_error("bad policy", p, "pol1.rules:2: unknown policy 'maybe' (drop or accept)");
	p = write_str("pol2.rules", "policy drop\ntcp 1\npolicy accept\n");
	file_error("two policies", p, "pol2.rules:3: policy given twice (first on line 1)");
	p = write_str("pol3.rules", "policy\n");
	file_error("policy without value", p, "pol3.rules:1: missing drop or accept after 'policy'");
	p = write_str("pol4.rules", "policy drop now\n");
	file_error("policy with extra word", p, "pol4.rules:1: unexpected 'now' after the policy");
	p = write_str("in.rules", "tcp in input\ntcp in eth9\n");
	file_error("unknown interface in a file", p, "in.rules:2: unknown interface 'eth9'");
}

static void test_file_errors_all(void)
{
	struct fwctl_err e = { "" };
	struct rules_file f;
	const char *p;
	char *big;
	size_t i, n = 0;

	p = write_str("errs.rules", "tcp 1\nfoo\nudp 2\ntcp 70x\nicmp 5\ntcp 1\n");
	if (rules_file_read(p, &attached, &f, &e) && f.n_errors == 4 && !f.more_errors &&
	    strstr(f.errors[0], "errs.rules:2: unknown protocol 'foo'") &&
	    strstr(f.errors[1], "errs.rules:4: invalid port '70x'") &&
	    strstr(f.errors[2], "errs.rules:5: unexpected port '5'") &&
	    strstr(f.errors[3], "errs.rules:6: duplicate of line 1: 'allow tcp 1'") && !f.n)
		pass("every error of a file collected, in line order, no rules kept");
	else
		fail("errors of a file: %u (%s)", f.n_errors, e.msg);
	rules_file_free(&f);

	big = malloc(40 * 8);
	for (i = 0; i < 40; i++)
		n += sprintf(big + n, "bad%zu\n", i);
	p = write_file("many.rules", big, n);
	free(big);
	if (rules_file_read(p, &attached, &f, &e) && f.n_errors == RULES_FILE_MAX_ERRORS &&
	    f.more_errors == 40 - RULES_FILE_MAX_ERRORS)
		pass("40 bad lines: %u messages kept, %u more counted", f.n_errors, f.more_errors);
	else
		fail("40 bad lines: %u kept, %u more", f.n_errors, f.more_errors);
	rules_file_free(&f);
}

/* Item 14: long lines, hidden rules, NUL, non-files, the size cap, CRLF, dups. */
static void test_file_item14(void)
{
	char line[2048], *p2;
	struct rules_file f;
	const char *p;
	size_t n;
	int i;

	/* A rule line far over 255 bytes is one rule. */
	n = sprintf(line, "tcp dport ");
	for (i = 1; i <= 200; i++)
		n += sprintf(line + n, "%s%d", i > 1 ? "," : "", 1000 + i);
	n += sprintf(line + n, "\n");
	p = write_file("long.rules", line, n);
	if (file_ok("long rule line", p, 1, &f) && f.rules[0].n_dport == 200)
		pass("a %zu-byte rule line is one rule with 200 ports", n);
	else
		fail("a %zu-byte rule line", n);
	rules_file_free(&f);

	/* A comment line longer than 255 bytes whose tail looks like a rule. */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	memcpy(line + 255, "tcp 9999\n", 10);
	p2 = line + strlen(line);
	strcpy(p2, "udp 1\n");
	p = write_str("hidden.rules", line);
	if (file_ok("long comment", p, 1, &f) && f.rules[0].proto == FWCTL_IPPROTO_UDP &&
	    f.line[0] == 2)
		pass("a %zu-byte comment line hides no rule in its tail", strlen(line) - 6);
	else
		fail("long comment line: its tail was read as a rule");
	rules_file_free(&f);

	/* A 255-byte comment string makes a rule line longer than 255 bytes. */
	n = sprintf(line, "tcp 80 comment \"");
	memset(line + n, 'c', RULE_COMMENT_MAX);
	n += RULE_COMMENT_MAX;
	n += sprintf(line + n, "\" # tcp 81\n");
	p = write_file("longcomment.rules", line, n);
	if (file_ok("rule with a long comment", p, 1, &f) &&
	    strlen(f.rules[0].comment) == RULE_COMMENT_MAX)
		pass("a %zu-byte line with a 255-byte comment is one rule", n);
	else
		fail("rule with a 255-byte comment");
	rules_file_free(&f);

	p = write_file("nul.rules", "tcp 1\ntcp 2\0udp 3\nudp 4\n", 24);
	file_error("NUL byte", p, "nul.rules:2: NUL byte at column 6: a rules file is text");
	file_error("directory", tmpdir, ": is a directory, not a rules file");
	file_error("/dev/zero", "/dev/zero",
		   "/dev/zero: is a character device, not a rules file (a regular file, a pipe, or - for stdin)");
	file_error("/dev/null", "/dev/null", "/dev/null: is a character device");

	/* CRLF line ends, a comment string included. */
	p = write_str("crlf.rules", "# dos\r\ntcp 1\r\nudp 2 comment \"x\"\r\n\r\npolicy drop\r\n");
	if (file_ok("CRLF file", p, 2, &f) && text_is(&f.rules[1], "allow udp 2 comment \"x\"", false) &&
	    f.has_policy && f.line[1] == 3)
		pass("CRLF file: 2 rules, comment and policy read");
	else
		fail("CRLF file");
	rules_file_free(&f);

	p = write_str("dup.rules", "tcp 1\nudp 2\n\nallow tcp 1 comment \"again\"\n");
	file_error("duplicate in a file", p, "dup.rules:4: duplicate of line 1: 'allow tcp 1'");
	p = write_str("dup2.rules", "tcp dport 80,22\n# x\ntcp dport 22,80,22\n");
	file_error("duplicate after normalization", p,
		   "dup2.rules:3: duplicate of line 1: 'allow tcp dport 22,80'");
	p = write_str("dup3.rules", "tcp dport 22 stateful\ntcp dport 22\nTCP DPORT 22 STATEFUL comment \"b\"\n");
	file_error("stateful duplicate in a file", p,
		   "dup3.rules:3: duplicate of line 1: 'allow tcp dport 22 stateful'");
	p = write_str("nodup.rules", "tcp 1\ndeny tcp 1\ntcp 1 in input\ntcp dport 1\ntcp sport 1\n"
		      "tcp dport 1 stateful\n");
	if (file_ok("near duplicates", p, 6, &f))
		pass("near duplicates (action, in, sport/dport, stateful differ) are all kept");
	rules_file_free(&f);
}

/* In a child: write len bytes (a multiple of 64 KiB) of '#' comment lines
 * of width w (a power of 2) to path or fd, then tail. */
static pid_t spawn_writer(const char *path, int fd, size_t len, size_t w, const char *tail)
{
	static char buf[64 << 10];
	pid_t pid = fork();
	size_t off;

	if (pid)
		return pid;
	if (path)
		fd = open(path, O_WRONLY);
	signal(SIGPIPE, SIG_DFL);
	memset(buf, 'p', sizeof(buf));
	for (off = 0; off < sizeof(buf); off += w) {
		buf[off] = '#';
		buf[off + w - 1] = '\n';
	}
	for (off = 0; off < len; off += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(1);
	if (tail && write(fd, tail, strlen(tail)) < 0)
		_exit(1);
	_exit(0);
}

static void test_file_big(void)
{
	const char *fifo = tmp_path("fifo.rules"), *p;
	struct fwctl_err e = { "" };
	struct rules_file f;
	char want[128];
	int fd, st, pfd[2], saved;
	pid_t pid;

	/* Over the cap through a FIFO: stops at the cap, names the line. */
	if (mkfifo(fifo, 0600)) {
		fail("mkfifo: %s", strerror(errno));
		return;
	}
	pid = spawn_writer(fifo, -1, RULES_FILE_MAX_BYTES + (1 << 20), 128, NULL);
	snprintf(want, sizeof(want), "fifo.rules:%u: more than 64 MiB of input",
		 RULES_FILE_MAX_BYTES / 128 + 1);
	file_error("endless input through a FIFO", fifo, want);
	waitpid(pid, &st, 0);

	/* Under the cap through a FIFO: read whole. */
	pid = spawn_writer(fifo, -1, 1 << 20, 64, "tcp 1\nudp 2\n");
	if (file_ok("FIFO under the cap", fifo, 2, &f) && f.line[0] == (1 << 20) / 64 + 1)
		pass("a FIFO of 1 MiB of comments and 2 rules: read whole");
	rules_file_free(&f);
	waitpid(pid, &st, 0);

	/* Over the cap as a sparse regular file: refused before reading. */
	p = tmp_path("sparse.rules");
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)RULES_FILE_MAX_BYTES + 1)) {
		fail("sparse file: %s", strerror(errno));
		return;
	}
	close(fd);
	snprintf(want, sizeof(want), "sparse.rules: %u bytes, more than the 64 MiB a rules file may have",
		 RULES_FILE_MAX_BYTES + 1);
	file_error("sparse file over the cap", p, want);

	/* stdin ("-") from a pipe. */
	if (pipe(pfd))
		return;
	pid = spawn_writer(NULL, pfd[1], 0, 2, "tcp 1\n# c\nudp 2\n");
	close(pfd[1]);
	saved = dup(0);
	dup2(pfd[0], 0);
	close(pfd[0]);
	if (!rules_file_read("-", &attached, &f, &e) && f.n == 2 && f.line[1] == 3)
		pass("stdin '-' from a pipe: 2 rules");
	else
		fail("stdin '-' from a pipe: %s", e.msg);
	rules_file_free(&f);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, &st, 0);

	/* stdin ("-") being /dev/zero: stops at the first NUL. */
	saved = dup(0);
	fd = open("/dev/zero", O_RDONLY);
	dup2(fd, 0);
	close(fd);
	file_error("stdin from /dev/zero", "-", "-:1: NUL byte at column 1");
	dup2(saved, 0);
	close(saved);
}

/* More rules than a set holds: refused with the line. */
static void test_file_max_rules(void)
{
	size_t cap = 32u << 20, n = 0;
	char *buf = malloc(cap), want[96];
	int i;

	for (i = 0; i < 65536; i++)
		n += sprintf(buf + n, "tcp dport %d\n", i);
	for (i = 0; i < 65536; i++)
		n += sprintf(buf + n, "udp dport %d\n", i);
	n += sprintf(buf + n, "any\n");
	snprintf(want, sizeof(want), "max.rules:%d: more than %d rules, the most a rule set holds",
		 FWCTL_SET_MAX_RULES + 1, FWCTL_SET_MAX_RULES);
	file_error("one rule more than a set holds", write_file("max.rules", buf, n), want);
	n -= 4;		/* without "any": exactly the most */
	{
		struct rules_file f;

		if (file_ok("the most rules a set holds", write_file("max.rules", buf, n),
			    FWCTL_SET_MAX_RULES, &f))
			pass("%d rules: read", FWCTL_SET_MAX_RULES);
		rules_file_free(&f);
	}
	free(buf);
}

/* --- ClassBench sets ---------------------------------------------------- */

static unsigned int count_rule_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned int n = 0;

	while (f && getline(&line, &cap, f) > 0)
		n += line[0] != '#' && line[0] != '\n';
	free(line);
	if (f)
		fclose(f);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void classbench_one(const char *dir, const char *name)
{
	struct fwctl_err e = { "" };
	struct rules_file f;
	char path[512];
	unsigned int want, i, bad = 0;
	double t0, t1;
	struct rule r;
	char *t, *t2;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	want = count_rule_lines(path);
	t0 = now();
	if (rules_file_read(path, NULL, &f, &e)) {
		fail("classbench %s: %s", name, e.msg);
		rules_file_free(&f);
		return;
	}
	t1 = now();
	for (i = 0; i < f.n && bad < 3; i++) {
		t = rule_to_text(&f.rules[i]);
		t2 = NULL;
		if (t && !rule_from_text(t, NULL, &r, &e)) {
			t2 = rule_to_text(&r);
			rule_free(&r);
		}
		if (!t || !t2 || strcmp(t, t2)) {
			fail("classbench %s line %u: round trip '%s' -> '%s'", name, f.line[i], t, t2);
			bad++;
		}
		free(t);
		free(t2);
	}
	if (f.n != want)
		fail("classbench %s: %u rules, the file has %u rule lines", name, f.n, want);
	else if (!bad)
		pass("classbench %s: %u rules, every one round trips (read in %.3f s)", name, f.n,
		     t1 - t0);
	rules_file_free(&f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_rules(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 6 && !strcmp(d->d_name + n - 6, ".rules");
}

static void test_classbench(const char *dir)
{
	struct dirent **list;
	int n, i;

	if (!dir || (n = scandir(dir, &list, is_rules, by_name)) < 0) {
		printf("SKIP: classbench sets: %s not found\n", dir ? dir : "(no directory given)");
		return;
	}
	if (!n)
		printf("SKIP: classbench sets: no .rules file in %s\n", dir);
	for (i = 0; i < n; i++) {
		classbench_one(dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

static void cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	test_valid();
	test_valid_args();
	test_one_word_rule();
	test_invalid();
	test_invalid_args();
	test_soup();
	test_in();
	test_equal_copy();
	test_file_basic();
	test_file_errors_all();
	test_file_item14();
	test_file_big();
	test_file_max_rules();
	test_classbench(argc > 1 ? argv[1] : NULL);
	return failures ? 1 : 0;
}
