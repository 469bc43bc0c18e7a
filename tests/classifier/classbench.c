// SPDX-License-Identifier: GPL-2.0
/*
 * classbench.c - read the ClassBench sets: the rules through the loader's
 * own rules-file reader, the trace and the expected matches from gzip.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "classbench.h"
#include "fwctl.h"

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

static int load_rules(const char *path, struct cb_set *s, char *msg, size_t len)
{
	struct fwctl_err e = { { 0 } };
	struct rules_file f;

	if (rules_file_read(path, NULL, &f, &e)) {
		snprintf(msg, len, "%s", e.msg);
		rules_file_free(&f);
		return -1;
	}
	/* Take the rules over from f. */
	s->rules = f.rules;
	s->n_rules = f.n;
	f.rules = NULL;
	f.n = 0;
	rules_file_free(&f);
	s->ids = calloc(s->n_rules ? s->n_rules : 1, sizeof(*s->ids));
	for (unsigned int i = 0; i < s->n_rules; i++)
		s->ids[i] = i + 1;
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
		rule_free(&s->rules[i]);
	free(s->rules);
	free(s->ids);
	free(s->keys);
	free(s->expect);
	free(s->expect_deny);
	memset(s, 0, sizeof(*s));
}
