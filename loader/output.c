// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - what fwctl prints: names of counters, numbers, info messages,
 * table cells padded to their display width, and the JSON values every
 * --json command shares (one schema: see JSON in docs/fwctl.8).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <json-c/json.h>
#include "fwctl.h"
#include "rule.h"

int fwctl_verbose;

static const char *const drop_names[FWCTL_DROP_REASON_COUNT][2] = {
	/* JSON key "by_policy": "policy" is the policy's name (a string) everywhere. */
	[FWCTL_DROP_POLICY] = { "policy", "by_policy" },
	[FWCTL_DROP_MALFORMED] = { "malformed", "malformed" },
	[FWCTL_DROP_FRAGMENT] = { "fragment", "fragment" },
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = { "unknown ethertype", "unknown_ethertype" },
	[FWCTL_DROP_REDIRECT_ERROR] = { "redirect error", "redirect_error" },
	/* JSON key "by_rule": "rule" is a rule's text (a string) everywhere. */
	[FWCTL_DROP_RULE] = { "rule", "by_rule" },
};

const char *drop_reason_name(enum fwctl_drop_reason r)
{
	return r < FWCTL_DROP_REASON_COUNT ? drop_names[r][0] : "?";
}

const char *drop_reason_key(enum fwctl_drop_reason r)
{
	return r < FWCTL_DROP_REASON_COUNT ? drop_names[r][1] : "unknown";
}

/*
 * What decided a forward: in tables; as the trace and the metrics name it;
 * as the key of its packet count in `stats --json` (like the drops':
 * "rule" and "policy" are strings everywhere else).
 */
static const char *const fwd_names[FWCTL_FWD_REASON_COUNT][3] = {
	[FWCTL_FWD_RULE] = { "rule", "rule", "by_rule" },
	[FWCTL_FWD_POLICY] = { "policy", "policy", "by_policy" },
	[FWCTL_FWD_ARP_ND] = { "ARP/ND", "arp-nd", "arp_nd" },
	[FWCTL_FWD_FLOW] = { "flow", "flow", "flow" },
	[FWCTL_FWD_RELATED] = { "related ICMP", "related", "related" },
};

const char *fwd_reason_label(enum fwctl_fwd_reason r)
{
	return r < FWCTL_FWD_REASON_COUNT ? fwd_names[r][0] : "?";
}

const char *fwd_reason_key(enum fwctl_fwd_reason r)
{
	return r < FWCTL_FWD_REASON_COUNT ? fwd_names[r][1] : "unknown";
}

const char *fwd_reason_json(enum fwctl_fwd_reason r)
{
	return r < FWCTL_FWD_REASON_COUNT ? fwd_names[r][2] : "unknown";
}

const char *dir_key(enum fwctl_dir d)
{
	return d == FWCTL_DIR_IN_TO_OUT ? "input_to_output" : "output_to_input";
}

const char *policy_name(__u32 policy)
{
	return policy == FWCTL_POLICY_ACCEPT ? "accept" : "drop";
}

void fwctl_info(const char *fmt, ...)
{
	va_list ap;

	if (fwctl_verbose < 1)
		return;
	fputs("fwctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fmt_si(double v, const char *unit, char *buf, size_t len)
{
	static const char prefix[] = " kMGT";
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f %s", v, unit);
	else
		snprintf(buf, len, "%.2f %c%s", v, prefix[i], unit);
}

void fmt_time_utc(__u64 unix_seconds, char *buf, size_t len)
{
	time_t t = unix_seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- display width ------------------------------------------------------ */

/*
 * Length of the UTF-8 sequence at s, 0 if it is not one (stray byte,
 * overlong form, surrogate, beyond U+10FFFF); its code point in *cp.
 */
static int utf8_seq(const unsigned char *s, unsigned int *cp)
{
	static const unsigned int min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	int n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (!n || s[0] > 0xf4)
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

int str_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int cp;
	int n, w, width = 0;

	while (*s) {
		n = utf8_seq(s, &cp);
		if (!n) {
			width++;	/* a stray byte takes one cell where it shows at all */
			s++;
			continue;
		}
		/* wcwidth() knows wide and combining characters in a UTF-8 locale. */
		w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
		width += w < 0 ? 1 : w;
		s += n;
	}
	return width;
}

void print_cell(FILE *f, const char *s, int width, bool right)
{
	int pad = width - str_width(s);

	if (right)
		fprintf(f, "%*s%s", pad > 0 ? pad : 0, "", s);
	else
		fprintf(f, "%s%*s", s, pad > 0 ? pad : 0, "");
}

/* --- Prometheus text format ------------------------------------------- */

/*
 * A label value as the text format wants it: backslash, double quote and
 * newline escaped (a rule's comment may hold any of them); UTF-8, so a
 * byte that is not (interface names may hold any) is U+FFFD, as in JSON.
 */
void prom_label_value(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int cp;
	int n;

	for (; *s; s += n ? n : 1) {
		n = utf8_seq(s, &cp);
		if (!n)
			fputs("\xef\xbf\xbd", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fwrite(s, 1, n, f);
	}
}

/* --- JSON ------------------------------------------------------------- */

json_object *json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	json_object *o;
	char *clean, *q;
	int n;

	if (!s)
		return NULL;
	/* JSON is UTF-8: a byte that is not (interface names may hold any) is U+FFFD. */
	clean = malloc(strlen(s) * 3 + 1);
	if (!clean)
		return NULL;
	for (q = clean; *p; p += n ? n : 1) {
		n = utf8_seq(p, &cp);
		if (n) {
			memcpy(q, p, n);
			q += n;
		} else {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
		}
	}
	*q = '\0';
	o = json_object_new_string(clean);
	free(clean);
	return o;
}

json_object *json_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

json_object *json_num(double v, int decimals)
{
	char buf[64];

	if (isnan(v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

void json_add(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add(obj, key, val);
}

void json_timestamp(json_object *obj, const struct timespec *ts)
{
	char buf[48], date[32];
	struct tm tm;
	time_t t = ts->tv_sec;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%03ldZ", date, ts->tv_nsec / 1000000);
	json_add(obj, "timestamp", json_object_new_string(buf));
	/* The same millisecond as the string: rounding could pass a second. */
	json_add(obj, "timestamp_unix", json_num(ts->tv_sec + ts->tv_nsec / 1000000 / 1e3, 3));
}

void json_print(json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void fwctl_err_set(struct fwctl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* --- rule objects --------------------------------------------------------- */

static json_object *json_range(const struct rule_ports *p)
{
	json_object *o = json_object_new_object();

	json_add(o, "lo", json_u64(p->lo));
	json_add(o, "hi", json_u64(p->hi));
	return o;
}

static json_object *json_ranges(const struct rule_ports *p, unsigned int n)
{
	json_object *a;
	unsigned int i;

	if (!p || !n)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_range(&p[i]));
	return a;
}

/* "10.0.0.0/8", "fd00::/8", "192.0.2.1" (full length: no suffix). */
static json_object *json_prefixes(const struct rule_prefix *p, unsigned int n)
{
	char addr[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	__u32 words[4];
	json_object *a;
	unsigned int i, j, full;

	if (!p || !n)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		for (j = 0; j < 4; j++)
			words[j] = htonl(p[i].addr[j]);
		full = p[i].family == FWCTL_FAMILY_V4 ? 32 : 128;
		inet_ntop(p[i].family == FWCTL_FAMILY_V4 ? AF_INET : AF_INET6, words, addr,
			  sizeof(addr));
		if (p[i].len == full)
			snprintf(buf, sizeof(buf), "%s", addr);
		else
			snprintf(buf, sizeof(buf), "%s/%u", addr, p[i].len);
		json_object_array_add(a, json_object_new_string(buf));
	}
	return a;
}

static json_object *json_proto(int proto)
{
	const char *name = rule_proto_name(proto);
	char num[8];

	if (name)
		return json_object_new_string(name);
	snprintf(num, sizeof(num), "%d", proto);
	return json_object_new_string(num);
}

/*
 * The one rule object: every field always there, null where the rule has
 * no such match (it matches anything) or a figure is not measured.
 */
json_object *json_rule(const struct rule *r, __u32 id, unsigned int position, const char *text,
		       const struct rule_figures *fig)
{
	json_object *o = json_object_new_object();

	json_add(o, "id", json_u64(id));
	json_add(o, "position", json_u64(position));
	json_add(o, "rule", json_str(text));
	json_add(o, "action", json_object_new_string(r->action == FWCTL_ACTION_DENY ? "deny"
										    : "allow"));
	json_add(o, "proto", json_proto(r->proto));
	json_add(o, "proto_number", r->proto == RULE_PROTO_ANY ? NULL : json_u64(r->proto));
	json_add(o, "ports", r->has_ports ? json_range(&r->ports) : NULL);
	json_add(o, "in", r->in == RULE_IN_ANY ? NULL : json_str(r->in_name));
	json_add(o, "src", json_prefixes(r->src, r->n_src));
	json_add(o, "dst", json_prefixes(r->dst, r->n_dst));
	json_add(o, "sport", json_ranges(r->sport, r->n_sport));
	json_add(o, "dport", json_ranges(r->dport, r->n_dport));
	json_add(o, "type", r->has_type ? json_u64(r->type) : NULL);
	json_add(o, "code", r->has_code ? json_u64(r->code) : NULL);
	json_add(o, "stateful", json_object_new_boolean(r->stateful));
	json_add(o, "comment", json_str(r->comment));
	json_add(o, "packets", json_u64(fig->packets));
	json_add(o, "bytes", json_u64(fig->bytes));
	json_add(o, "packets_per_sec", json_num(fig->pps, 1));
	json_add(o, "bits_per_sec", json_num(fig->bps, 1));
	return o;
}

/* --- the rule list, as every command shows it ----------------------------- */

int rule_rows_build(const struct ruleset *rs, const struct fwctl_rule_stats *st,
		    struct rule_row **out)
{
	struct rule_row *rows = calloc(rs->n ? rs->n : 1, sizeof(*rows));
	unsigned int i;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < rs->n; i++) {
		const struct ruleset_entry *en = &rs->v[i];

		rows[i].text = strdup(en->text);
		if (!rows[i].text || rule_copy(&rows[i].rule, &en->rule)) {
			rule_rows_free(rows, i + 1);
			return -ENOMEM;
		}
		rows[i].id = en->id;
		rows[i].position = i + 1;
		rows[i].fig.packets = st[en->id].packets;
		rows[i].fig.bytes = st[en->id].bytes;
		rows[i].fig.pps = NAN;
		rows[i].fig.bps = NAN;
	}
	*out = rows;
	return rs->n;
}

void rule_rows_free(struct rule_row *rows, unsigned int n)
{
	unsigned int i;

	for (i = 0; rows && i < n; i++) {
		free(rows[i].text);
		rule_free(&rows[i].rule);
	}
	free(rows);
}

json_object *json_rules(const struct rule_row *rows, unsigned int n)
{
	json_object *a = json_object_new_array_ext(n);
	unsigned int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_rule(&rows[i].rule, rows[i].id, rows[i].position,
						   rows[i].text, &rows[i].fig));
	return a;
}

void print_rules_table(const struct rule_row *rows, unsigned int n, const char *indent)
{
	bool rates = n && !isnan(rows[0].fig.pps);
	char pr[32], br[32];
	unsigned int i;
	int w = 18;

	if (!n) {
		printf("%sno rules\n", indent);
		return;
	}
	for (i = 0; i < n; i++)
		if (str_width(rows[i].text) > w)
			w = str_width(rows[i].text);
	printf("%s%6s %6s  ", indent, "POS", "ID");
	print_cell(stdout, "RULE", w, false);
	printf(" %14s %16s%s\n", "PACKETS", "BYTES", rates ? "          PKT/S          BIT/S" : "");
	for (i = 0; i < n; i++) {
		printf("%s%6u %6u  ", indent, rows[i].position, rows[i].id);
		print_cell(stdout, rows[i].text, w, false);
		printf(" %14llu %16llu", (unsigned long long)rows[i].fig.packets,
		       (unsigned long long)rows[i].fig.bytes);
		if (rates) {
			fmt_si(rows[i].fig.pps, "p/s", pr, sizeof(pr));
			fmt_si(rows[i].fig.bps, "bit/s", br, sizeof(br));
			printf("   %12s %14s", pr, br);
		}
		printf("\n");
	}
}
