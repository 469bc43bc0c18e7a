// SPDX-License-Identifier: GPL-2.0
/*
 * real.c - connection and fragment tracking in the real datapath: fwctl
 * attached (build/fwctl, pins in a private directory) to a veth pair in
 * a throwaway network namespace, stateful rules added with `fwctl rules`,
 * frames run through the attached programs with BPF_PROG_TEST_RUN, and
 * the outcome read back through `fwctl ct`, `fwctl stats` and `fwctl
 * rules list` themselves. Run by tests/conntrack/run as
 * build/tests/conntrack --real IF_IN IF_OUT (scripts/veth-netns.sh).
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <linux/bpf.h>
#include "fwctl.h"
#include "pkt.h"
#include "real.h"

#define WHY_LEN	1024
#define OUT_MAX	65536
#define IN	0
#define OUT	1
#define FWD	XDP_REDIRECT
#define DROP	XDP_DROP

/* Hosts: A on the input side, B on the output side, R a router on the output side. */
#define A	1
#define B	2
#define R	3

static const char *ifname[2];
static int ifindex[2], prog[2];
static const char *only_real;
static int failures;
static char out[OUT_MAX];

/* The rules the tests use, and two stateless ones for fragments. */
static const char *const rule_fmt[] = {
	"allow tcp dport 7070 in %s stateful",
	"allow udp dport 53 in %s stateful",
	"allow icmp type echo-request in %s stateful",
	"allow icmpv6 type echo-request in %s stateful",
	"allow udp dport 5000",
};
#define N_RULES	(sizeof(rule_fmt) / sizeof(rule_fmt[0]))
static __u32 rule_id[N_RULES];

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			int __n = snprintf(why, WHY_LEN, "line %d: ", __LINE__);  \
			snprintf(why + __n, WHY_LEN - __n, __VA_ARGS__);        \
			return false;                                           \
		}                                                               \
	} while (0)

/* Run `fwctl ARGS` (a shell command line); stdout+stderr into out; exit status. */
static int fwctl(const char *fmt, ...)
{
	char cmd[1024], *p;
	size_t got = 0, n;
	va_list ap;
	FILE *f;
	int st;

	p = cmd + snprintf(cmd, sizeof(cmd), "build/fwctl ");
	va_start(ap, fmt);
	vsnprintf(p, sizeof(cmd) - (p - cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = 0;
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (got < sizeof(out) - 1 && (n = fread(out + got, 1, sizeof(out) - 1 - got, f)) > 0)
		got += n;
	out[got] = 0;
	st = pclose(f);
	if (getenv("CT_SHOW"))
		fprintf(stderr, "$ %s\n%s", cmd, out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One frame through the program attached to interface side; its verdict. */
static int send_frame(const struct pk *p, int side)
{
	uint8_t frame[PKT_MAX], res[PKT_MAX + 256];
	struct xdp_md ctx = { .ingress_ifindex = ifindex[side] };
	size_t len = pk_build(p, frame);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = res, .data_size_out = sizeof(res), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	ctx.data_end = len;
	if (bpf_prog_test_run_opts(prog[side], &o))
		return -errno;
	return o.retval;
}

#define SEND(pkt, side, want)                                                   \
	do {                                                                    \
		struct pk __p = pkt;                                            \
		int __v = send_frame(&__p, side);                               \
		CHECK(__v == (want), "%s on %s: verdict %d, expected %s", #pkt, \
		      side ? "output" : "input", __v, (want) == FWD ? "forward" : "drop"); \
	} while (0)

/* Frames. */
static struct pk tcp(int v6, int src, int dst, int sport, int dport, int flags)
{
	return (struct pk){ .v6 = v6, .src = src, .dst = dst, .proto = 6, .sport = sport,
			    .dport = dport, .flags = flags };
}

static struct pk udp(int v6, int src, int dst, int sport, int dport, int payload)
{
	return (struct pk){ .v6 = v6, .src = src, .dst = dst, .proto = 17, .sport = sport,
			    .dport = dport, .payload = payload };
}

static struct pk echo(int v6, int src, int dst, int reply, int id)
{
	return (struct pk){ .v6 = v6, .src = src, .dst = dst, .proto = v6 ? 58 : 1,
			    .type = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8), .id = id,
			    .payload = 16 };
}

/* Fragment i of a 4,000-byte UDP datagram to dport (3 fragments of 1480 bytes). */
static struct pk frag(int v6, int src, int dst, int dport, uint32_t id, int i, int later_nh)
{
	struct pk p = udp(v6, src, dst, 40000, dport, 1472);

	p.frag = 1;
	p.frag_id = id;
	p.frag_off = i * 185;		/* 1480 / 8 */
	p.mf = i < 2;
	p.payload = i == 0 ? 1472 : i == 1 ? 1480 : 1048;
	p.later_nh = later_nh;
	return p;
}

/* An ICMP error (type, code) from src to dst embedding the first 28/48 bytes of e. */
static struct pk icmp_error(int v6, int src, int dst, int type, int code, const struct pk *e,
			    uint8_t *buf)
{
	size_t n = pk_build_l3(e, buf);
	int want = v6 ? 48 : 28;

	return (struct pk){ .v6 = v6, .src = src, .dst = dst, .proto = v6 ? 58 : 1,
			    .type = type, .code = code, .embed = buf,
			    .embed_len = (int)n < want ? (int)n : want };
}

/* --- reading fwctl's own output -------------------------------------------------- */

static json_object *jget(json_object *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	return o;
}

static long long jnum(json_object *o, const char *path)
{
	o = jget(o, path);
	return o && json_object_is_type(o, json_type_int) ? json_object_get_int64(o) : -1;
}

static const char *jstr(json_object *o, const char *path)
{
	o = jget(o, path);
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

/* `fwctl ct list --json`: the flows array (NULL on failure); *root to free. */
static json_object *flows(json_object **root)
{
	*root = fwctl("ct list --json") ? NULL : json_tokener_parse(out);
	return jget(*root, "flows");
}

/* The flow of proto whose originator port (or echo id) is port, or NULL. */
static json_object *find_flow(json_object *a, const char *proto, int port)
{
	size_t i;

	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i);

		if (!strcmp(jstr(f, "proto"), proto) &&
		    (jnum(f, "sport") == port || jnum(f, "icmp_id") == port))
			return f;
	}
	return NULL;
}

/* Packets counted on rule id, from `fwctl stats --json` (-1: not listed). */
static long long rule_packets(__u32 id)
{
	json_object *root, *a;
	long long n = -1;
	size_t i;

	if (fwctl("stats --json"))
		return -1;
	root = json_tokener_parse(out);
	a = jget(root, "rules");
	for (i = 0; a && i < json_object_array_length(a); i++)
		if (jnum(json_object_array_get_idx(a, i), "id") == id)
			n = jnum(json_object_array_get_idx(a, i), "packets");
	json_object_put(root);
	return n;
}

/* A counter of direction d in `fwctl stats --json`, e.g. "forwarded.flow". */
static long long dir_counter(int d, const char *path)
{
	char full[256];
	json_object *root;
	long long n;

	if (fwctl("stats --json"))
		return -1;
	root = json_tokener_parse(out);
	snprintf(full, sizeof(full), "directions.%s.%s", d ? "output_to_input" : "input_to_output",
		 path);
	n = jnum(root, full);
	json_object_put(root);
	return n;
}

/* Rule ids from `fwctl rules list --json`, in list order. */
static int read_rule_ids(void)
{
	json_object *root, *a;
	size_t i;

	if (fwctl("rules list --json"))
		return -1;
	root = json_tokener_parse(out);
	a = jget(root, "rules");
	for (i = 0; a && i < N_RULES && i < json_object_array_length(a); i++)
		rule_id[i] = jnum(json_object_array_get_idx(a, i), "id");
	json_object_put(root);
	return a ? 0 : -1;
}

static int add_rules(void)
{
	char rule[128];
	size_t i;

	for (i = 0; i < N_RULES; i++) {
		snprintf(rule, sizeof(rule), rule_fmt[i], ifname[IN]);
		if (fwctl("rules add %s", rule))
			return -1;
	}
	return read_rule_ids();
}

/* --- the checks ------------------------------------------------------------------ */

static bool t_syn_creates(char *why)
{
	json_object *root, *f;
	bool ok;

	SEND(tcp(0, A, B, 40000, 7070, TCP_SYN), IN, FWD);
	f = find_flow(flows(&root), "tcp", 40000);
	ok = f && !strcmp(jstr(f, "state"), "syn") && !strcmp(jstr(f, "src"), "10.0.0.1") &&
	     !strcmp(jstr(f, "dst"), "10.0.0.2") && jnum(f, "dport") == 7070 &&
	     jnum(f, "rule_id") == rule_id[0] && jnum(f, "packets.orig") == 1 &&
	     jnum(f, "packets.reply") == 0 && jnum(f, "expires") > 50;
	json_object_put(root);
	CHECK(ok, "ct list --json: %.400s", out);
	CHECK(rule_packets(rule_id[0]) == 1, "rule 7070 counted %lld", rule_packets(rule_id[0]));
	return true;
}

static bool t_reply_passes(char *why)
{
	long long flow0 = dir_counter(OUT, "forwarded.flow"), n;
	json_object *root, *f;
	bool ok;

	SEND(tcp(0, B, A, 7070, 40000, TCP_SYN | TCP_ACK), OUT, FWD);
	SEND(tcp(0, A, B, 40000, 7070, TCP_ACK), IN, FWD);
	SEND(tcp(0, B, A, 7070, 40000, TCP_ACK | TCP_PSH), OUT, FWD);
	n = dir_counter(OUT, "forwarded.flow");
	CHECK(n - flow0 == 2, "output->input forwarded as flow +%lld, expected +2", n - flow0);
	CHECK(dir_counter(IN, "forwarded.flow") >= 1, "input flow counter 0");
	CHECK(rule_packets(rule_id[0]) == 4, "rule 7070 counted %lld, expected 4",
	      rule_packets(rule_id[0]));
	f = find_flow(flows(&root), "tcp", 40000);
	ok = f && !strcmp(jstr(f, "state"), "established") && jnum(f, "packets.orig") == 2 &&
	     jnum(f, "packets.reply") == 2 && jnum(f, "expires") > 7000;
	json_object_put(root);
	CHECK(ok, "ct list --json: %.400s", out);
	return true;
}

static bool t_outside_blocked(char *why)
{
	/* From the output side: no rule for it, and no flow. */
	SEND(tcp(0, B, A, 40001, 7070, TCP_SYN), OUT, DROP);
	SEND(tcp(0, B, A, 7070, 40002, TCP_SYN), OUT, DROP);
	SEND(udp(0, B, A, 53, 33333, 20), OUT, DROP);
	SEND(echo(0, B, A, 0, 77), OUT, DROP);
	return true;
}

static bool t_non_starting(char *why)
{
	long long before = rule_packets(rule_id[0]);
	json_object *root;

	/* Through the stateful rule's match, but no SYN: not a match, policy drop. */
	SEND(tcp(0, A, B, 40010, 7070, TCP_ACK), IN, DROP);
	SEND(tcp(0, A, B, 40011, 7070, TCP_SYN | TCP_ACK), IN, DROP);
	SEND(echo(0, A, B, 1, 4242), IN, DROP);
	CHECK(rule_packets(rule_id[0]) == before, "the stateful rule counted a non-starting packet");
	CHECK(!find_flow(flows(&root), "tcp", 40010), "a flow from an ACK");
	json_object_put(root);
	return true;
}

static bool t_udp_echo(char *why)
{
	json_object *root, *f;
	bool ok;

	SEND(udp(0, A, B, 33000, 53, 30), IN, FWD);
	SEND(udp(0, B, A, 53, 33000, 60), OUT, FWD);
	SEND(udp(0, B, A, 53, 33001, 60), OUT, DROP);
	SEND(echo(0, A, B, 0, 900), IN, FWD);
	SEND(echo(0, B, A, 1, 900), OUT, FWD);
	SEND(echo(0, B, A, 1, 901), OUT, DROP);
	SEND(echo(1, A, B, 0, 902), IN, FWD);
	SEND(echo(1, B, A, 1, 902), OUT, FWD);
	f = find_flow(flows(&root), "udp", 33000);
	ok = f && !strcmp(jstr(f, "state"), "replied") && jnum(f, "rule_id") == rule_id[1];
	f = find_flow(jget(root, "flows"), "icmpv6", 902);
	ok = ok && f && !strcmp(jstr(f, "state"), "replied") && jnum(f, "rule_id") == rule_id[3];
	json_object_put(root);
	CHECK(ok, "ct list --json: %.400s", out);
	return true;
}

static bool t_related(char *why)
{
	uint8_t emb[PKT_MAX];
	long long rel0 = dir_counter(OUT, "forwarded.related"), n;
	struct pk orig = tcp(0, A, B, 40000, 7070, TCP_ACK | TCP_PSH), e;
	struct pk orig6 = udp(1, A, B, 34000, 53, 100);

	/* Fragmentation needed from a router on the output side, about the flow. */
	e = icmp_error(0, R, A, 3, 4, &orig, emb);
	SEND(e, OUT, FWD);
	n = dir_counter(OUT, "forwarded.related");
	CHECK(n - rel0 == 1, "forwarded as related +%lld, expected +1", n - rel0);
	/* About a connection that does not exist: dropped. */
	orig.sport = 40999;
	e = icmp_error(0, R, A, 3, 4, &orig, emb);
	SEND(e, OUT, DROP);
	/* ICMPv6 packet too big about a UDP flow. */
	SEND(orig6, IN, FWD);
	e = icmp_error(1, R, A, 2, 0, &orig6, emb);
	SEND(e, OUT, FWD);
	orig6.sport = 34001;
	e = icmp_error(1, R, A, 2, 0, &orig6, emb);
	SEND(e, OUT, DROP);
	return true;
}

static bool t_rule_deleted(char *why)
{
	char rule[128];
	json_object *root;

	SEND(tcp(0, A, B, 41000, 7070, TCP_SYN), IN, FWD);
	SEND(tcp(0, B, A, 7070, 41000, TCP_SYN | TCP_ACK), OUT, FWD);
	SEND(tcp(0, A, B, 41000, 7070, TCP_ACK), IN, FWD);
	snprintf(rule, sizeof(rule), rule_fmt[0], ifname[IN]);
	CHECK(fwctl("rules del %s", rule) == 0, "rules del: %.300s", out);
	CHECK(!find_flow(flows(&root), "tcp", 41000), "ct list still shows the flow: %.300s", out);
	json_object_put(root);
	SEND(tcp(0, B, A, 7070, 41000, TCP_ACK), OUT, DROP);
	SEND(tcp(0, A, B, 41000, 7070, TCP_ACK), IN, DROP);
	/* Added again: a new rule, with a new serial; the old flow stays dead. */
	CHECK(fwctl("rules add -a 1 %s", rule) == 0, "rules add: %.300s", out);
	CHECK(!read_rule_ids(), "rules list: %.300s", out);
	SEND(tcp(0, B, A, 7070, 41000, TCP_ACK), OUT, DROP);
	return true;
}

/* rules load: a rule whose text stays keeps its flows; one left out ends them. */
static bool t_rules_load(char *why)
{
	char saved[128], without[128], cmd[300];
	int rc;

	snprintf(saved, sizeof(saved), "/tmp/fwctl-ctreal-%d.rules", getpid());
	snprintf(without, sizeof(without), "/tmp/fwctl-ctreal-%d-no7070.rules", getpid());
	SEND(tcp(0, A, B, 44000, 7070, TCP_SYN), IN, FWD);
	SEND(tcp(0, B, A, 7070, 44000, TCP_SYN | TCP_ACK), OUT, FWD);
	SEND(tcp(0, A, B, 44000, 7070, TCP_ACK), IN, FWD);
	rc = fwctl("rules save > %s && build/fwctl rules load %s", saved, saved);
	CHECK(rc == 0, "rules save | load: %d: %.300s", rc, out);
	SEND(tcp(0, B, A, 7070, 44000, TCP_ACK), OUT, FWD);
	snprintf(cmd, sizeof(cmd), "grep -v 7070 %s > %s", saved, without);
	rc = system(cmd);
	CHECK(rc == 0, "cannot write %s", without);
	rc = fwctl("rules load %s", without);
	CHECK(rc == 0, "rules load without 7070: %d: %.300s", rc, out);
	SEND(tcp(0, B, A, 7070, 44000, TCP_ACK), OUT, DROP);
	rc = fwctl("rules load %s", saved);
	unlink(saved);
	unlink(without);
	CHECK(rc == 0 && !read_rule_ids(), "rules load back: %d: %.300s", rc, out);
	SEND(tcp(0, A, B, 44000, 7070, TCP_ACK), IN, DROP);
	return true;
}

/*
 * Rule deleted, in a set too large for a bank (5,000 more rules, a box each:
 * more than the 4,096 cells of a bank as this suite attaches): the flows'
 * rule serials are read from the generation itself there, not from a
 * bank's copy.
 */
static bool t_rule_deleted_big(char *why)
{
	char saved[128], big[128], cmd[400], rule[128];
	int rc;

	snprintf(saved, sizeof(saved), "/tmp/fwctl-ctreal-%d.rules", getpid());
	snprintf(big, sizeof(big), "/tmp/fwctl-ctreal-%d-big.rules", getpid());
	rc = fwctl("rules save > %s", saved);
	CHECK(rc == 0, "rules save: %d: %.300s", rc, out);
	snprintf(cmd, sizeof(cmd), "{ cat %s; for p in $(seq 20001 25000); do "
		 "echo \"deny udp dport $p in %s\"; done; } > %s", saved, ifname[IN], big);
	rc = system(cmd);
	CHECK(rc == 0, "cannot write %s", big);
	rc = fwctl("rules load %s", big);
	unlink(big);
	/* (rules list would not fit out[]; the rules kept their ids) */
	CHECK(rc == 0, "rules load of 5,000 more rules: %d: %.300s", rc, out);
	SEND(tcp(0, A, B, 45000, 7070, TCP_SYN), IN, FWD);
	SEND(tcp(0, B, A, 7070, 45000, TCP_SYN | TCP_ACK), OUT, FWD);
	SEND(tcp(0, A, B, 45000, 7070, TCP_ACK), IN, FWD);
	SEND(tcp(0, B, A, 7070, 45000, TCP_ACK), OUT, FWD);
	snprintf(rule, sizeof(rule), rule_fmt[0], ifname[IN]);
	CHECK(fwctl("rules del %s", rule) == 0, "rules del: %.300s", out);
	SEND(tcp(0, B, A, 7070, 45000, TCP_ACK), OUT, DROP);
	SEND(tcp(0, A, B, 45000, 7070, TCP_ACK), IN, DROP);
	rc = fwctl("rules load %s", saved);
	unlink(saved);
	CHECK(rc == 0 && !read_rule_ids(), "rules load back: %d: %.300s", rc, out);
	return true;
}

static bool t_flush(char *why)
{
	json_object *root, *a;
	bool ok;

	SEND(udp(0, A, B, 35000, 53, 10), IN, FWD);
	CHECK(fwctl("ct flush") == 0 && strstr(out, "flushed"), "ct flush: %.300s", out);
	a = flows(&root);
	ok = a && json_object_array_length(a) == 0;
	json_object_put(root);
	CHECK(ok, "flows left after flush: %.300s", out);
	SEND(udp(0, B, A, 53, 35000, 10), OUT, DROP);
	return true;
}

/* A fragmented datagram: first fragment, then the later two, each with verdict want. */
static bool datagram(int v6, int dport, uint32_t id, int later_nh, int want, char *why)
{
	struct pk p;
	int i, v;

	for (i = 0; i < 3; i++) {
		p = frag(v6, A, B, dport, id, i, i ? later_nh : 0);
		v = send_frame(&p, IN);
		CHECK(v == want, "IPv%d datagram to %d, fragment %d: verdict %d, expected %s",
		      v6 ? 6 : 4, dport, i, v, want == FWD ? "forward" : "drop");
	}
	return true;
}

static bool t_frag_pass(char *why)
{
	long long n0 = rule_packets(rule_id[4]), n;

	if (!datagram(0, 5000, 0x1234, 0, FWD, why) || !datagram(1, 5000, 0x12345678, 0, FWD, why))
		return false;
	n = rule_packets(rule_id[4]);
	CHECK(n - n0 == 6, "stateless rule counted +%lld, expected +6 (every fragment)", n - n0);
	/* Through a stateful rule too: the query whole, and its reply. */
	if (!datagram(0, 53, 0x2222, 0, FWD, why) || !datagram(1, 53, 0x2223, 0, FWD, why))
		return false;
	return true;
}

static bool t_frag_block(char *why)
{
	long long p0 = dir_counter(IN, "dropped.by_policy"), f0 = dir_counter(IN, "dropped.fragment");

	if (!datagram(0, 5001, 0x3333, 0, DROP, why) || !datagram(1, 5001, 0x3334, 0, DROP, why))
		return false;
	CHECK(dir_counter(IN, "dropped.by_policy") - p0 == 6 && dir_counter(IN, "dropped.fragment") == f0,
	      "dropped policy +%lld fragment +%lld, expected +6 +0",
	      dir_counter(IN, "dropped.by_policy") - p0, dir_counter(IN, "dropped.fragment") - f0);
	return true;
}

static bool t_frag_relabel(char *why)
{
	/* Later fragments claiming TCP follow an allowed first fragment... */
	if (!datagram(1, 5000, 0x4444, 6, FWD, why))
		return false;
	/* ...and a blocked one, whatever they claim. */
	return datagram(1, 5001, 0x4445, 17, DROP, why);
}

/* `fwctl ct stats --json` field (-1: unreadable). */
static long long ct_stat(const char *path)
{
	json_object *root;
	long long n;

	if (fwctl("ct stats --json"))
		return -1;
	root = json_tokener_parse(out);
	n = jnum(root, path);
	json_object_put(root);
	return n;
}

static bool t_frag_unknown(char *why)
{
	long long f0 = dir_counter(IN, "dropped.fragment"), r0 = ct_stat("fragments_remembered");

	/* Middle fragments (more-fragments set): not first fragments either. */
	SEND(frag(0, A, B, 5000, 0x5555, 1, 0), IN, DROP);
	SEND(frag(1, A, B, 5000, 0x5556, 1, 0), IN, DROP);
	CHECK(dir_counter(IN, "dropped.fragment") - f0 == 2, "dropped as fragment +%lld, expected +2",
	      dir_counter(IN, "dropped.fragment") - f0);
	CHECK(ct_stat("fragments_remembered") == r0, "a later fragment remembered as a first one");
	/* Its first fragment, arriving after it, still decides the datagram. */
	SEND(frag(0, A, B, 5000, 0x5555, 0, 0), IN, FWD);
	SEND(frag(0, A, B, 5000, 0x5555, 2, 0), IN, FWD);
	return true;
}

static bool t_cli(char *why)
{
	json_object *root;
	bool ok;
	int rc;

	SEND(tcp(0, A, B, 42000, 7070, TCP_SYN), IN, FWD);
	SEND(frag(0, A, B, 5000, 0x6666, 0, 0), IN, FWD);
	rc = fwctl("ct list");
	CHECK(rc == 0 && strstr(out, "PROTO") && strstr(out, "10.0.0.1:42000") &&
	      strstr(out, "10.0.0.2:7070") && strstr(out, "syn"), "ct list: %d: %.400s", rc, out);
	rc = fwctl("ct stats --json");
	root = json_tokener_parse(out);
	ok = rc == 0 && jnum(root, "flows") >= 1 && jnum(root, "by_state.syn") >= 1 &&
	     jnum(root, "created") >= 1 && jnum(root, "size.established") == 262144 &&
	     jnum(root, "size.new") == 65536 && jnum(root, "fragments_remembered") >= 1;
	json_object_put(root);
	CHECK(ok, "ct stats --json: %d: %.400s", rc, out);
	rc = fwctl("ct stats");
	CHECK(rc == 0 && strstr(out, "evicted") && strstr(out, "insert failures"),
	      "ct stats: %d: %.300s", rc, out);
	rc = fwctl("ct timeout udp 45");
	CHECK(rc == 0, "ct timeout udp 45: %d: %.300s", rc, out);
	rc = fwctl("ct timeout --json");
	root = json_tokener_parse(out);
	ok = rc == 0 && jnum(root, "timeouts.udp-new") == 45 && jnum(root, "timeouts.udp-replied") == 45 &&
	     jnum(root, "timeouts.tcp-established") == 7200;
	json_object_put(root);
	CHECK(ok, "ct timeout --json: %d: %.300s", rc, out);
	rc = fwctl("ct timeout udp");
	CHECK(rc == 0 && strstr(out, "udp-new          45") && strstr(out, "udp-replied      45") &&
	      !strstr(out, "tcp-syn"), "ct timeout udp: %d: %.300s", rc, out);
	rc = fwctl("ct timeout --json tcp-established");
	root = json_tokener_parse(out);
	ok = rc == 0 && jnum(root, "timeouts.tcp-established") == 7200 &&
	     jnum(root, "timeouts.udp-new") < 0;
	json_object_put(root);
	CHECK(ok, "ct timeout --json tcp-established: %d: %.300s", rc, out);
	rc = fwctl("ct timeout tcp-syn 5 6");
	CHECK(rc == 2, "ct timeout tcp-syn 5 6: %d: %s", rc, out);
	rc = fwctl("ct timeout tcp-syn 0");
	CHECK(rc == 2 && strchr(out, '\n') == out + strlen(out) - 1, "ct timeout tcp-syn 0: %d: %s",
	      rc, out);
	rc = fwctl("ct timeout bogus 5");
	CHECK(rc == 2 && strstr(out, "'bogus'"), "ct timeout bogus 5: %d: %s", rc, out);
	rc = fwctl("ct timeout");
	CHECK(rc == 0 && strstr(out, "tcp-syn          60"), "a refused timeout changed: %s", out);
	rc = fwctl("ct bogus");
	CHECK(rc == 2 && strchr(out, '\n') == out + strlen(out) - 1, "ct bogus: %d: %s", rc, out);
	rc = fwctl("ct list extra");
	CHECK(rc == 2, "ct list extra: %d: %s", rc, out);
	rc = fwctl("ct");
	CHECK(rc == 2, "ct: %d: %s", rc, out);
	rc = fwctl("status --json");
	root = json_tokener_parse(out);
	ok = jnum(root, "ct_size") == 262144;
	json_object_put(root);
	CHECK(ok, "status --json: %.300s", out);
	rc = fwctl("status");
	CHECK(strstr(out, "262144"), "status: %.300s", out);
	rc = fwctl("ct flush");
	CHECK(rc == 0 && strstr(out, "flushed 3 flows"), "ct flush: %d: %s", rc, out);
	return true;
}

/* ns/packet of p run repeat times through side's program (best of 5); -1 on error. */
static double ns_per_packet(const struct pk *p, int side, int repeat)
{
	uint8_t frame[PKT_MAX], res[PKT_MAX + 256];
	struct xdp_md ctx = { .ingress_ifindex = ifindex[side] };
	size_t len = pk_build(p, frame);
	double best = -1;
	int i;

	ctx.data_end = len;
	for (i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
			    .data_out = res, .data_size_out = sizeof(res), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = repeat);

		if (bpf_prog_test_run_opts(prog[side], &o))
			return -1;
		if (best < 0 || o.duration < best)
			best = o.duration;
	}
	return best;
}

/* Figures, not checks: what a packet costs in the real program. */
static void bench(void)
{
	struct pk syn = tcp(0, A, B, 43000, 7070, TCP_SYN), ack = tcp(0, A, B, 43000, 7070, TCP_ACK);
	struct pk synack = tcp(0, B, A, 7070, 43000, TCP_SYN | TCP_ACK);
	struct pk stateless = udp(0, A, B, 43000, 5000, 0);

	if (send_frame(&syn, IN) != FWD || send_frame(&synack, OUT) != FWD ||
	    send_frame(&ack, IN) != FWD) {
		printf("# bench: no established flow to measure\n");
		return;
	}
	printf("# bench: real program, program mode (BPF_PROG_TEST_RUN, best of 5 x 1000000), "
	       "5 rules of which 4 stateful:\n");
	printf("# bench:   established TCP flow, ACK from the originator      %.0f ns/packet\n",
	       ns_per_packet(&ack, IN, 1000000));
	printf("# bench:   udp to a stateless rule behind them (flow miss + rules) %.0f ns/packet\n",
	       ns_per_packet(&stateless, IN, 1000000));
}

static void test(const char *name, bool (*fn)(char *why))
{
	char why[WHY_LEN] = "", *p;

	if (only_real && !strstr(name, only_real))
		return;
	if (fn(why)) {
		printf("PASS: real datapath: %s\n", name);
	} else {
		for (p = why; *p; p++)
			if (*p == '\n')
				*p = '|';
		printf("FAIL: real datapath: %s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

/* attach --ct-size: checked, kept, shown; detach removes the flow tables' pins. */
static bool t_ct_size(char *why)
{
	char path[512];
	json_object *root;
	struct stat st;
	bool ok;
	int rc;

	rc = fwctl("attach --ct-size 100 %s %s", ifname[IN], ifname[OUT]);
	CHECK(rc == 2 && strstr(out, "'100'") && strchr(out, '\n') == out + strlen(out) - 1,
	      "attach --ct-size 100: %d: %s", rc, out);
	CHECK(stat(getenv("FWCTL_PIN_DIR"), &st) && errno == ENOENT, "pin directory made");
	rc = fwctl("attach --ct-size 1024 %s %s", ifname[IN], ifname[OUT]);
	CHECK(rc == 0, "attach --ct-size 1024: %d: %s", rc, out);
	rc = fwctl("status --json");
	root = json_tokener_parse(out);
	ok = jnum(root, "ct_size") == 1024;
	json_object_put(root);
	CHECK(ok, "status --json: %.300s", out);
	rc = fwctl("ct stats --json");
	root = json_tokener_parse(out);
	ok = jnum(root, "size.established") == 1024 && jnum(root, "size.new") == 256;
	json_object_put(root);
	CHECK(ok, "ct stats --json: %.300s", out);
	rc = fwctl("detach");
	CHECK(rc == 0, "detach: %s", out);
	snprintf(path, sizeof(path), "%s/fwctl_ct_est", getenv("FWCTL_PIN_DIR"));
	CHECK(stat(path, &st) && errno == ENOENT, "%s left after detach", path);
	return true;
}

/* No IPv6 of the host's own on the pair (MLD, router solicitations): the
 * checks count frames, and only the ones they send may be counted. */
static void quiet_ipv6(const char *ifn)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifn);
	f = fopen(path, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
}

int real_main(const char *if_in, const char *if_out, const char *only)
{
	char pin[128];
	int i;

	only_real = only;
	ifname[IN] = if_in;
	ifname[OUT] = if_out;
	quiet_ipv6(if_in);
	quiet_ipv6(if_out);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/fwctl-ctreal-%d", getpid());
	setenv("FWCTL_PIN_DIR", pin, 1);
	test("attach --ct-size: out of range refused (exit 2, nothing made); 1024 kept in status "
	     "and the tables; detach removes their pins", t_ct_size);
	if (fwctl("attach --bank-cells 4096 %s %s", if_in, if_out)) {
		printf("FAIL: real datapath: attach: %s", out);
		return 1;
	}
	for (i = 0; i < 2; i++) {
		ifindex[i] = if_nametoindex(ifname[i]);
		prog[i] = bpf_prog_get_fd_by_id(xdp_prog_id_on(ifindex[i]));
	}
	if (prog[0] < 0 || prog[1] < 0 || add_rules()) {
		printf("FAIL: real datapath: programs or rules: %s", out);
		fwctl("detach");
		return 1;
	}
	test("a SYN from input through 'allow tcp dport 7070 in IF stateful' creates a flow "
	     "(ct list: syn, its rule) and counts on the rule", t_syn_creates);
	test("replies pass with policy drop, as flow packets (stats forwarded.flow) on the rule; "
	     "the handshake makes it established", t_reply_passes);
	test("from the output side: SYN to 7070, TCP/UDP from 7070/53, echo request are dropped",
	     t_outside_blocked);
	test("a packet that cannot start a flow (ACK, SYN-ACK, echo reply) does not match a "
	     "stateful rule", t_non_starting);
	test("udp query and icmp/icmpv6 echo: the reply passes, another port or id does not",
	     t_udp_echo);
	test("related: fragmentation needed (v4) and packet too big (v6) about a flow pass as "
	     "related; about no flow dropped", t_related);
	test("rule deleted: its flow is gone from ct list and stops passing; the rule added again "
	     "does not revive it", t_rule_deleted);
	test("rules load keeping the stateful rule's text keeps its flow; one without it ends "
	     "the flow; loading it back does not revive it", t_rules_load);
	test("rule deleted in a set too large for a bank (5,000 more rules): its flow stops "
	     "passing", t_rule_deleted_big);
	test("ct flush ends every flow", t_flush);
	test("fragments: a 4000-byte UDP datagram to an allowed port passes whole (v4, v6; "
	     "stateless and stateful rules), every fragment on the rule", t_frag_pass);
	test("fragments: a datagram to a blocked port loses every fragment (policy, v4 and v6)",
	     t_frag_block);
	test("fragments: IPv6 later fragments relabelled with another Next Header follow the "
	     "first fragment's verdict", t_frag_relabel);
	test("fragments: a later fragment without its first keeps today's rules, dropped as "
	     "fragment", t_frag_unknown);
	test("fwctl ct list, stats, timeout; bad input exits 2 with one line, nothing changed; "
	     "status shows the flow table size", t_cli);
	if (!only)
		bench();
	close(prog[0]);
	close(prog[1]);
	if (fwctl("detach"))
		printf("FAIL: real datapath: detach: %s", out);
	return failures ? 1 : 0;
}
