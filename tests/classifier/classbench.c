// SPDX-License-Identifier: GPL-2.0
/*
 * classbench.c - read the ClassBench sets. The rule reader covers only
 * what the converted sets contain; the full language is rule_from_text()'s.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "classbench.h"

const char *cb_dir(void)
{
	static char path[4200];
	char exe[4096];
	ssize_t n;
	const char *env = getenv("CLASSBENCH_DIR");

	if (env)
		return access(env, R_OK) ? NULL : env;
	/* build/tests/classifier -> REPO/../shared/classbench */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return NULL;
		*slash = 0;
	}
	snprintf(path, sizeof(path), "%s/shared/classbench", exe);
	return access(path, R_OK) ? NULL : path;
}

static int parse_prefix(const char *s, struct rule_prefix *p)
{
	char buf[64], *slash;
	unsigned char a[16];

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, a) == 1) {
		p->family = FWCTL_FAMILY_V4;
		p->len = slash ? atoi(slash) : 32;
		p->addr[0] = (__u32)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		p->family = FWCTL_FAMILY_V6;
		p->len = slash ? atoi(slash) : 128;
		for (int w = 0; w < 4; w++)
			p->addr[w] = (__u32)a[4 * w] << 24 | a[4 * w + 1] << 16 |
				     a[4 * w + 2] << 8 | a[4 * w + 3];
	} else {
		return -1;
	}
	return 0;
}

static int parse_ports(const char *s, struct rule_ports *p)
{
	unsigned int lo, hi;

	if (sscanf(s, "%u-%u", &lo, &hi) == 2)
		;
	else if (sscanf(s, "%u", &lo) == 1)
		hi = lo;
	else
		return -1;
	p->lo = lo;
	p->hi = hi;
	return lo <= hi && hi <= 65535 ? 0 : -1;
}

/* One comma list of prefixes or ports into a fresh array. */
static int parse_list(char *s, int prefixes, void **out, unsigned int *n)
{
	size_t sz = prefixes ? sizeof(struct rule_prefix) : sizeof(struct rule_ports);
	unsigned int cnt = 1;
	char *save = NULL;

	for (char *c = s; *c; c++)
		cnt += *c == ',';
	*out = calloc(cnt, sz);
	*n = 0;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *el = (char *)*out + *n * sz;

		if (prefixes ? parse_prefix(t, (void *)el) : parse_ports(t, (void *)el))
			return -1;
		(*n)++;
	}
	return 0;
}

void cb_rule_free(struct rule *r)
{
	free(r->src);
	free(r->dst);
	free(r->sport);
	free(r->dport);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}

int cb_parse_rule(const char *line, struct rule *r)
{
	char buf[4096], *save = NULL, *t;
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->in = -1;
	snprintf(buf, sizeof(buf), "%s", line);
	t = strtok_r(buf, " \t\n", &save);
	if (!t)
		return -1;
	if (!strcmp(t, "allow") || !strcmp(t, "deny")) {
		r->action = t[0] == 'd' ? FWCTL_ACTION_DENY : FWCTL_ACTION_ALLOW;
		t = strtok_r(NULL, " \t\n", &save);
	}
	if (!t)
		return -1;
	if (!strcmp(t, "tcp"))
		r->proto = 6;
	else if (!strcmp(t, "udp"))
		r->proto = 17;
	else if (!strcmp(t, "icmp"))
		r->proto = 1;
	else if (!strcmp(t, "icmpv6"))
		r->proto = 58;
	else if (!strcmp(t, "any"))
		r->proto = RULE_PROTO_ANY;
	else
		r->proto = atoi(t);
	while (!err && (t = strtok_r(NULL, " \t\n", &save))) {
		char *v = strtok_r(NULL, " \t\n", &save);

		if (!v)
			err = -1;
		else if (!strcmp(t, "src"))
			err = parse_list(v, 1, (void **)&r->src, &r->n_src);
		else if (!strcmp(t, "dst"))
			err = parse_list(v, 1, (void **)&r->dst, &r->n_dst);
		else if (!strcmp(t, "sport"))
			err = parse_list(v, 0, (void **)&r->sport, &r->n_sport);
		else if (!strcmp(t, "dport"))
			err = parse_list(v, 0, (void **)&r->dport, &r->n_dport);
		else
			err = -1;
	}
	if (err)
		cb_rule_free(r);
	return err;
}

static int load_rules(const char *path, struct cb_set *s, char *msg, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned int cap = 0, lineno = 0;

	if (!f) {
		snprintf(msg, len, "cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (s->n_rules == cap) {
			cap = cap ? cap * 2 : 1024;
			s->rules = realloc(s->rules, cap * sizeof(*s->rules));
			s->ids = realloc(s->ids, cap * sizeof(*s->ids));
		}
		if (cb_parse_rule(line, &s->rules[s->n_rules])) {
			snprintf(msg, len, "%s:%u: cannot read the rule", path, lineno);
			fclose(f);
			return -1;
		}
		s->ids[s->n_rules] = s->n_rules + 1;
		s->n_rules++;
	}
	fclose(f);
	return 0;
}

/* A trace header as the datapath's key: ports only for TCP and UDP
 * (ICMP's type and code are not in the trace; its rules have none). */
static void trace_key(__u32 src, __u32 dst, __u32 sp, __u32 dp, __u32 proto,
		      struct fwctl_key *k)
{
	memset(k, 0, sizeof(*k));
	k->w[FWCTL_DIM_SRC0] = src;
	k->w[FWCTL_DIM_DST0] = dst;
	k->w[FWCTL_DIM_PROTO] = proto;
	k->w[FWCTL_DIM_FAMILY] = FWCTL_FAMILY_V4;
	if (proto == 6 || proto == 17) {
		k->w[FWCTL_DIM_SPORT] = sp;
		k->w[FWCTL_DIM_DPORT] = dp;
	}
}

static int load_trace(const char *tpath, const char *epath, struct cb_set *s,
		      char *msg, size_t len)
{
	gzFile t = gzopen(tpath, "r"), e = gzopen(epath, "r");
	char line[512], act[32];
	unsigned int cap = 0;
	int err = 0;

	if (!t || !e) {
		snprintf(msg, len, "cannot open %s", t ? epath : tpath);
		err = -1;
		goto out;
	}
	while (gzgets(t, line, sizeof(line))) {
		struct in_addr a, b;
		char sa[64], sb[64];
		unsigned int sp, dp, proto, rule;

		if (sscanf(line, "%63s %63s %u %u %u", sa, sb, &sp, &dp, &proto) != 5 ||
		    !inet_aton(sa, &a) || !inet_aton(sb, &b)) {
			snprintf(msg, len, "%s: bad line %u", tpath, s->n_keys + 1);
			err = -1;
			goto out;
		}
		if (!gzgets(e, line, sizeof(line)) ||
		    sscanf(line, "%u %31s", &rule, act) != 2) {
			snprintf(msg, len, "%s: no line %u", epath, s->n_keys + 1);
			err = -1;
			goto out;
		}
		if (s->n_keys == cap) {
			cap = cap ? cap * 2 : 65536;
			s->keys = realloc(s->keys, cap * sizeof(*s->keys));
			s->expect = realloc(s->expect, cap * sizeof(*s->expect));
			s->expect_deny = realloc(s->expect_deny, cap);
		}
		trace_key(ntohl(a.s_addr), ntohl(b.s_addr), sp, dp, proto, &s->keys[s->n_keys]);
		s->expect[s->n_keys] = rule;
		s->expect_deny[s->n_keys] = !strcmp(act, "deny");
		s->n_keys++;
	}
out:
	if (t)
		gzclose(t);
	if (e)
		gzclose(e);
	return err;
}

int cb_load(const char *dir, const char *name, struct cb_set *s, char *msg, size_t len)
{
	char path[4096], epath[4096];

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/%s.rules", dir, name);
	if (load_rules(path, s, msg, len))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.trace.gz", dir, name);
	snprintf(epath, sizeof(epath), "%s/%s.expect.gz", dir, name);
	return load_trace(path, epath, s, msg, len);
}

void cb_free(struct cb_set *s)
{
	for (unsigned int i = 0; i < s->n_rules; i++)
		cb_rule_free(&s->rules[i]);
	free(s->rules);
	free(s->ids);
	free(s->keys);
	free(s->expect);
	free(s->expect_deny);
	memset(s, 0, sizeof(*s));
}
