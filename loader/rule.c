// SPDX-License-Identifier: GPL-2.0
/*
 * rule.c - the rule language (issue 11): words or a text line to struct
 * rule, and struct rule back to its canonical text. Every error is one
 * line naming the token at fault. Plain C: no BPF, no libbpf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fwctl.h"
#include "rule.h"

/* Tokens are quoted in messages up to this many bytes. */
#define TOK_SHOWN	64

static const struct {
	const char *name;
	int proto;
} proto_names[] = {
	{ "tcp", FWCTL_IPPROTO_TCP },
	{ "udp", FWCTL_IPPROTO_UDP },
	{ "icmp", FWCTL_IPPROTO_ICMP },
	{ "icmpv6", FWCTL_IPPROTO_ICMPV6 },
	{ "any", RULE_PROTO_ANY },
};

static const struct {
	int proto;
	const char *name;
	int type;
} icmp_names[] = {
	{ FWCTL_IPPROTO_ICMP, "echo-reply", 0 },
	{ FWCTL_IPPROTO_ICMP, "destination-unreachable", 3 },
	{ FWCTL_IPPROTO_ICMP, "echo-request", 8 },
	{ FWCTL_IPPROTO_ICMP, "time-exceeded", 11 },
	{ FWCTL_IPPROTO_ICMP, "parameter-problem", 12 },
	{ FWCTL_IPPROTO_ICMPV6, "destination-unreachable", 1 },
	{ FWCTL_IPPROTO_ICMPV6, "packet-too-big", 2 },
	{ FWCTL_IPPROTO_ICMPV6, "time-exceeded", 3 },
	{ FWCTL_IPPROTO_ICMPV6, "parameter-problem", 4 },
	{ FWCTL_IPPROTO_ICMPV6, "echo-request", 128 },
	{ FWCTL_IPPROTO_ICMPV6, "echo-reply", 129 },
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

const char *rule_proto_name(int proto)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(proto_names); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

const char *rule_icmp_type_name(int proto, int type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(icmp_names); i++)
		if (icmp_names[i].proto == proto && icmp_names[i].type == type)
			return icmp_names[i].name;
	return NULL;
}

static bool proto_has_ports(int proto)
{
	return proto == FWCTL_IPPROTO_TCP || proto == FWCTL_IPPROTO_UDP;
}

static bool proto_is_icmp(int proto)
{
	return proto == FWCTL_IPPROTO_ICMP || proto == FWCTL_IPPROTO_ICMPV6;
}

/* The protocol as canonical text writes it, for messages. */
static const char *proto_str(int proto, char buf[8])
{
	const char *name = rule_proto_name(proto);

	if (name)
		return name;
	snprintf(buf, 8, "%d", proto);
	return buf;
}

/* --- numbers, ports, prefixes, ICMP types ------------------------------- */

/* A decimal number of digits only (no sign, no blank): 0, or -EINVAL if
 * s[0..len) is not one, or -ERANGE above max. */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v <= max)	/* stop growing once out of range */
			v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int port_error(int err, const char *what, const char *s, struct fwctl_err *e)
{
	if (err == -ERANGE)
		fwctl_err_set(e, "invalid %s '%.*s': out of range (0-65535)", what, TOK_SHOWN, s);
	else
		fwctl_err_set(e, "invalid %s '%.*s': not a number (0-65535)", what, TOK_SHOWN, s);
	return -EINVAL;
}

/* PORT or LO-HI, 0-65535, LO <= HI. */
static int parse_portspec(const char *s, struct rule_ports *out, struct fwctl_err *e)
{
	const char *dash = strchr(s, '-');
	unsigned long lo, hi;
	int err;

	if (!dash) {
		err = parse_uint(s, strlen(s), 65535, &lo);
		if (err)
			return port_error(err, "port", s, e);
		out->lo = out->hi = lo;
		return 0;
	}
	err = parse_uint(s, dash - s, 65535, &lo);
	if (!err)
		err = parse_uint(dash + 1, strlen(dash + 1), 65535, &hi);
	if (err)
		return port_error(err, "port range", s, e);
	if (lo > hi) {
		fwctl_err_set(e, "invalid port range '%.*s': inverted (%lu > %lu)",
			      TOK_SHOWN, s, lo, hi);
		return -EINVAL;
	}
	out->lo = lo;
	out->hi = hi;
	return 0;
}

static unsigned int prefix_max_len(const struct rule_prefix *p)
{
	return p->family == FWCTL_FAMILY_V4 ? 32 : 128;
}

/* Mask of the network bits of word w (0-3) of a prefix of length len. */
static __u32 word_mask(unsigned int len, unsigned int w)
{
	int bits = (int)len - 32 * (int)w;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - bits);
}

/* "10.0.0.0/8", "fd00::/8", "10.1.2.3" (full length: no "/32"). */
static void prefix_str(const struct rule_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char b[16];
	int i;

	if (p->family == FWCTL_FAMILY_V4) {
		__u32 a = htonl(p->addr[0]);

		inet_ntop(AF_INET, &a, addr, sizeof(addr));
	} else {
		for (i = 0; i < 16; i++)
			b[i] = p->addr[i / 4] >> (24 - 8 * (i % 4));
		inet_ntop(AF_INET6, b, addr, sizeof(addr));
	}
	if (p->len == prefix_max_len(p))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, p->len);
}

/* ADDRESS[/LEN]: IPv4 if it has no ':', else IPv6; no host bits set. */
static int parse_prefix(const char *s, struct rule_prefix *p, struct fwctl_err *e)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned char b[16];
	char addr[INET6_ADDRSTRLEN + 8];
	unsigned long len;
	struct rule_prefix m;
	int i, err;

	memset(p, 0, sizeof(*p));
	p->family = memchr(s, ':', alen) ? FWCTL_FAMILY_V6 : FWCTL_FAMILY_V4;
	if (alen == 0 || alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(p->family == FWCTL_FAMILY_V4 ? AF_INET : AF_INET6, addr, b) != 1)
		goto bad_addr;
	for (i = 0; i < (p->family == FWCTL_FAMILY_V4 ? 1 : 4); i++)
		p->addr[i] = (__u32)b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 |
			     b[4 * i + 3];
	len = prefix_max_len(p);
	if (slash) {
		err = parse_uint(slash + 1, strlen(slash + 1), prefix_max_len(p), &len);
		if (err) {
			fwctl_err_set(e, "invalid prefix length in '%.*s' (0-%u for %s)",
				      TOK_SHOWN, s, prefix_max_len(p),
				      p->family == FWCTL_FAMILY_V4 ? "IPv4" : "IPv6");
			return -EINVAL;
		}
	}
	p->len = len;
	m = *p;
	for (i = 0; i < 4; i++)
		m.addr[i] &= word_mask(m.len, i);
	if (memcmp(m.addr, p->addr, sizeof(m.addr))) {
		prefix_str(&m, addr, sizeof(addr));
		fwctl_err_set(e, "%.*s has host bits set (did you mean %s?)", TOK_SHOWN, s, addr);
		return -EINVAL;
	}
	return 0;
bad_addr:
	fwctl_err_set(e, "invalid %s address '%.*s'",
		      p->family == FWCTL_FAMILY_V4 ? "IPv4" : "IPv6", TOK_SHOWN, s);
	return -EINVAL;
}

/* T is no type name of the rule's family: say which family has it. */
static int icmp_name_error(const char *s, size_t tlen, int proto, struct fwctl_err *e)
{
	const char *fam = proto == FWCTL_IPPROTO_ICMP ? "icmp" : "icmpv6";
	const char *other = proto == FWCTL_IPPROTO_ICMP ? "icmpv6" : "icmp";
	char names[160] = "";
	size_t i, n = 0;

	for (i = 0; i < ARRAY_LEN(icmp_names); i++) {
		if (strlen(icmp_names[i].name) == tlen &&
		    !strncasecmp(icmp_names[i].name, s, tlen)) {
			fwctl_err_set(e, "ICMP type '%.*s' is not defined for %s (it is an %s type)",
				      (int)(tlen < TOK_SHOWN ? tlen : TOK_SHOWN), s, fam, other);
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_LEN(icmp_names); i++)
		if (icmp_names[i].proto == proto && n < sizeof(names))
			n += snprintf(names + n, sizeof(names) - n, ", %s", icmp_names[i].name);
	fwctl_err_set(e, "unknown ICMP type '%.*s' for %s (0-255%s)", TOK_SHOWN, s, fam, names);
	return -EINVAL;
}

/* ICMP type T (number or name of the rule's family), optional /CODE. */
static int parse_icmp_type(const char *s, int proto, struct rule *r, struct fwctl_err *e)
{
	const char *slash = strchr(s, '/');
	size_t tlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;
	size_t i;
	int err;

	if (tlen && s[0] >= '0' && s[0] <= '9') {
		err = parse_uint(s, tlen, 255, &v);
		if (err) {
			fwctl_err_set(e, "invalid ICMP type '%.*s' (0-255 or a name)", TOK_SHOWN, s);
			return -EINVAL;
		}
		r->type = v;
	} else {
		for (i = 0; i < ARRAY_LEN(icmp_names); i++)
			if (strlen(icmp_names[i].name) == tlen &&
			    !strncasecmp(icmp_names[i].name, s, tlen) && icmp_names[i].proto == proto)
				break;
		if (i == ARRAY_LEN(icmp_names))
			return icmp_name_error(s, tlen, proto, e);
		r->type = icmp_names[i].type;
	}
	r->has_type = true;
	if (!slash)
		return 0;
	if (parse_uint(slash + 1, strlen(slash + 1), 255, &v)) {
		fwctl_err_set(e, "invalid ICMP code in '%.*s' (0-255)", TOK_SHOWN, s);
		return -EINVAL;
	}
	r->has_code = true;
	r->code = v;
	return 0;
}

/* --- lists ----------------------------------------------------------------- */

typedef int (*elem_fn)(const char *s, void *out, struct fwctl_err *e);

static int elem_prefix(const char *s, void *out, struct fwctl_err *e)
{
	return parse_prefix(s, out, e);
}

static int elem_ports(const char *s, void *out, struct fwctl_err *e)
{
	return parse_portspec(s, out, e);
}

static int oom(struct fwctl_err *e)
{
	fwctl_err_set(e, "out of memory");
	return -ENOMEM;
}

/* Put "KW 'LIST': " before the message about one element of a longer list. */
static void err_in_list(struct fwctl_err *e, const char *kw, const char *list)
{
	char msg[sizeof(e->msg)];

	if (!e)
		return;
	snprintf(msg, sizeof(msg), "%s", e->msg);
	fwctl_err_set(e, "%s '%.*s': %s", kw, TOK_SHOWN, list, msg);
}

/* Split LIST at commas into a calloc'd array of n elements of size bytes. */
static int parse_list(const char *kw, const char *list, size_t size, elem_fn fn,
		      void **out, unsigned int *n_out, struct fwctl_err *e)
{
	unsigned int n = 1, i;
	char *copy, *elem, *comma;
	const char *c;
	char *arr;

	for (c = list; *c; c++)
		n += *c == ',';
	copy = strdup(list);
	arr = calloc(n, size);
	if (!copy || !arr)
		goto nomem;
	elem = copy;
	for (i = 0; i < n; i++, elem = comma + 1) {
		comma = strchr(elem, ',');
		if (comma)
			*comma = '\0';
		if (!*elem) {
			fwctl_err_set(e, "empty element in %s list '%.*s'", kw, TOK_SHOWN, list);
			goto fail;
		}
		if (fn(elem, arr + i * size, e)) {
			if (n > 1)
				err_in_list(e, kw, list);
			goto fail;
		}
	}
	free(copy);
	*out = arr;
	*n_out = n;
	return 0;
nomem:
	oom(e);
fail:
	free(copy);
	free(arr);
	return -EINVAL;
}

/* --- the parser ---------------------------------------------------------- */

struct tok {
	const char *s;
	bool quoted;		/* a "string" of the text form, unescaped */
};

enum {
	F_IN = 1 << 0,
	F_SRC = 1 << 1,
	F_DST = 1 << 2,
	F_SPORT = 1 << 3,
	F_DPORT = 1 << 4,
	F_TYPE = 1 << 5,
	F_COMMENT = 1 << 6,
	F_STATEFUL = 1 << 7,
};

struct parser {
	const struct tok *t;
	int n, i;
	bool text_form;		/* comments must be quoted */
	const struct rule_ctx *ctx;
	struct rule *r;
	struct fwctl_err *e;
	unsigned int seen;	/* F_* */
	const char *src_tok, *dst_tok;	/* as written, for family errors */
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->e) {
		va_start(ap, fmt);
		vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const struct tok *next_tok(struct parser *p)
{
	return p->i < p->n ? &p->t[p->i++] : NULL;
}

static bool is_action(const char *s, __u8 *action)
{
	if (!strcasecmp(s, "allow"))
		*action = FWCTL_ACTION_ALLOW;
	else if (!strcasecmp(s, "deny"))
		*action = FWCTL_ACTION_DENY;
	else
		return false;
	return true;
}

static int parse_proto(struct parser *p, const char *s)
{
	unsigned long v;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_LEN(proto_names); i++) {
		if (!strcasecmp(s, proto_names[i].name)) {
			p->r->proto = proto_names[i].proto;
			return 0;
		}
	}
	if (s[0] < '0' || s[0] > '9')
		return perr(p, "unknown protocol '%.*s' (tcp, udp, icmp, icmpv6, any or 0-255)",
			    TOK_SHOWN, s);
	err = parse_uint(s, strlen(s), 255, &v);
	if (err)
		return perr(p, "invalid protocol '%.*s': %s (0-255)", TOK_SHOWN, s,
			    err == -ERANGE ? "out of range" : "not a number");
	p->r->proto = v;
	return 0;
}

/* PORTS: one port or range after the protocol, source OR destination. */
static int parse_ports(struct parser *p, const char *s)
{
	char pbuf[8];

	if (!proto_has_ports(p->r->proto))
		return perr(p, "unexpected port '%.*s': protocol '%s' has no ports (only tcp and udp do)",
			    TOK_SHOWN, s, proto_str(p->r->proto, pbuf));
	if (strchr(s, ','))
		return perr(p, "invalid port '%.*s': a list needs sport or dport", TOK_SHOWN, s);
	if (parse_portspec(s, &p->r->ports, p->e))
		return -EINVAL;
	p->r->has_ports = true;
	return 0;
}

/* Linux's rule for a device name (dev_valid_name), for names taken on trust. */
static bool ifname_valid(const char *s)
{
	if (!*s || strlen(s) >= 16 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

static int field_in(struct parser *p, const char *s)
{
	const struct rule_ctx *c = p->ctx;
	struct rule *r = p->r;
	int d;

	if (!ifname_valid(s))
		return perr(p, "invalid interface name '%.*s'", TOK_SHOWN, s);
	snprintf(r->in_name, sizeof(r->in_name), "%s", s);
	if (!c || (!c->ifname[0] && !c->ifname[1])) {
		r->in = RULE_IN_UNRESOLVED;
		return 0;
	}
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		if (c->ifname[d] && !strcmp(c->ifname[d], s)) {
			r->in = d;
			return 0;
		}
	}
	return perr(p, "unknown interface '%s' after 'in' (attached: %s and %s)", s,
		    c->ifname[0] ? c->ifname[0] : "?", c->ifname[1] ? c->ifname[1] : "?");
}

static int field_src(struct parser *p, const char *s)
{
	p->src_tok = s;
	return parse_list("src", s, sizeof(struct rule_prefix), elem_prefix,
			  (void **)&p->r->src, &p->r->n_src, p->e);
}

static int field_dst(struct parser *p, const char *s)
{
	p->dst_tok = s;
	return parse_list("dst", s, sizeof(struct rule_prefix), elem_prefix,
			  (void **)&p->r->dst, &p->r->n_dst, p->e);
}

static int need_ports(struct parser *p, const char *kw)
{
	char pbuf[8];

	if (proto_has_ports(p->r->proto))
		return 0;
	return perr(p, "'%s' needs protocol tcp or udp, not %s", kw, proto_str(p->r->proto, pbuf));
}

static int field_sport(struct parser *p, const char *s)
{
	if (need_ports(p, "sport"))
		return -EINVAL;
	return parse_list("sport", s, sizeof(struct rule_ports), elem_ports,
			  (void **)&p->r->sport, &p->r->n_sport, p->e);
}

static int field_dport(struct parser *p, const char *s)
{
	if (need_ports(p, "dport"))
		return -EINVAL;
	return parse_list("dport", s, sizeof(struct rule_ports), elem_ports,
			  (void **)&p->r->dport, &p->r->n_dport, p->e);
}

static int field_type(struct parser *p, const char *s)
{
	char pbuf[8];

	if (!proto_is_icmp(p->r->proto))
		return perr(p, "'type' needs protocol icmp or icmpv6, not %s",
			    proto_str(p->r->proto, pbuf));
	return parse_icmp_type(s, p->r->proto, p->r, p->e);
}

/* Comments go into one line of canonical text: no control characters. */
static int field_comment(struct parser *p, const char *s)
{
	size_t len = strlen(s), i;

	if (len > RULE_COMMENT_MAX)
		return perr(p, "comment too long (%zu bytes, at most %d): '%.*s...'", len,
			    RULE_COMMENT_MAX, 32, s);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return perr(p, "comment holds a control character (byte 0x%02x at offset %zu)",
				    (unsigned char)s[i], i);
	p->r->comment = strdup(s);
	if (!p->r->comment)
		return oom(p->e);
	return 0;
}

static const struct field {
	const char *kw;
	unsigned int bit;
	int (*parse)(struct parser *p, const char *s);
} fields[] = {
	{ "in", F_IN, field_in },
	{ "src", F_SRC, field_src },
	{ "dst", F_DST, field_dst },
	{ "sport", F_SPORT, field_sport },
	{ "dport", F_DPORT, field_dport },
	{ "type", F_TYPE, field_type },
	{ "comment", F_COMMENT, field_comment },
};

static const struct field *find_field(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++)
		if (!strcasecmp(fields[i].kw, s))
			return &fields[i];
	return NULL;
}

/* The echo-request type of ICMP (1) or ICMPv6 (58). */
static int echo_request(int proto)
{
	return proto == FWCTL_IPPROTO_ICMP ? 8 : 128;
}

/*
 * 'stateful': after every MATCH, before the comment. Refused on a rule that
 * could never create a flow: only an allowed TCP SYN, UDP datagram or ICMP
 * or ICMPv6 echo request starts one.
 */
static int parse_stateful(struct parser *p)
{
	const struct rule *r = p->r;
	const char *name;
	char pbuf[8];

	if (p->seen & F_STATEFUL)
		return perr(p, "'stateful' given twice");
	p->seen |= F_STATEFUL;
	if (r->action != FWCTL_ACTION_ALLOW)
		return perr(p, "'stateful' needs an allow rule: a deny rule creates no flow");
	if (r->proto == RULE_PROTO_ANY)
		return perr(p, "'stateful' needs protocol tcp, udp, icmp or icmpv6, not any");
	if (!proto_has_ports(r->proto) && !proto_is_icmp(r->proto))
		return perr(p, "'stateful' needs protocol tcp, udp, icmp or icmpv6, not %s: "
			    "the rule could never start a flow", proto_str(r->proto, pbuf));
	if (r->has_type && r->type != echo_request(r->proto)) {
		name = rule_icmp_type_name(r->proto, r->type);
		snprintf(pbuf, sizeof(pbuf), "%u", r->type);
		return perr(p, "'stateful' with %s type %s: only echo-request starts a flow",
			    rule_proto_name(r->proto), name ? name : pbuf);
	}
	p->r->stateful = true;
	return 0;
}

static bool is_stateful(const struct tok *t)
{
	return !t->quoted && !strcasecmp(t->s, "stateful");
}

static int unexpected(struct parser *p, const struct tok *t)
{
	__u8 action;

	if (t->quoted)
		return perr(p, "unexpected quoted string \"%.*s\"", TOK_SHOWN, t->s);
	if (p->seen & F_COMMENT)
		return perr(p, "unexpected '%.*s' after the comment (the comment comes last)",
			    TOK_SHOWN, t->s);
	if (is_action(t->s, &action))
		return perr(p, "unexpected '%.*s': the action (allow or deny) comes first",
			    TOK_SHOWN, t->s);
	return perr(p, "unexpected '%.*s' (expected in, src, dst, sport, dport, type, stateful "
		    "or comment)", TOK_SHOWN, t->s);
}

/* One MATCH or the comment: KEYWORD VALUE. */
static int parse_field(struct parser *p, const struct tok *t)
{
	const struct field *f = t->quoted ? NULL : find_field(t->s);
	const struct tok *v;

	if (is_stateful(t) && !(p->seen & F_COMMENT))
		return parse_stateful(p);
	if (!f || (p->seen & F_COMMENT))
		return unexpected(p, t);
	if ((p->seen & F_STATEFUL) && f->bit != F_COMMENT)
		return perr(p, "unexpected '%s' after 'stateful' (stateful comes after every match, "
			    "before the comment)", f->kw);
	if (p->seen & f->bit)
		return perr(p, "'%s' given twice", f->kw);
	p->seen |= f->bit;
	v = next_tok(p);
	if (!v)
		return perr(p, "missing %s after '%s'", f->bit == F_COMMENT ? "text" : "value",
			    f->kw);
	if (f->bit == F_COMMENT && p->text_form && !v->quoted)
		return perr(p, "comment text must be double-quoted: '%.*s'", TOK_SHOWN, v->s);
	if (f->bit != F_COMMENT && v->quoted)
		return perr(p, "unexpected quoted string \"%.*s\" after '%s'", TOK_SHOWN, v->s,
			    f->kw);
	return f->parse(p, v->s);
}

/* Families an address list has: bit FWCTL_FAMILY_V4 and/or _V6; all if none. */
static unsigned int list_families(const struct rule_prefix *l, unsigned int n)
{
	unsigned int fam = 0, i;

	if (!n)
		return 1u << FWCTL_FAMILY_V4 | 1u << FWCTL_FAMILY_V6;
	for (i = 0; i < n; i++)
		fam |= 1u << l[i].family;
	return fam;
}

/* Semantics 5: reject a rule that can never match because of families. */
static int check_families(struct parser *p)
{
	const struct rule *r = p->r;
	unsigned int fs = list_families(r->src, r->n_src);
	unsigned int fd = list_families(r->dst, r->n_dst);
	unsigned int need;
	const char *kw, *tok, *fam;

	if (!(fs & fd))
		return perr(p, "dst '%.*s' has no address family in common with src '%.*s': "
			    "the rule can never match", TOK_SHOWN, p->dst_tok, TOK_SHOWN, p->src_tok);
	if (r->proto == FWCTL_IPPROTO_ICMP)
		need = 1u << FWCTL_FAMILY_V4, fam = "IPv4";
	else if (r->proto == FWCTL_IPPROTO_ICMPV6)
		need = 1u << FWCTL_FAMILY_V6, fam = "IPv6";
	else
		return 0;
	if ((fs & need) && (fd & need))
		return 0;
	kw = fs & need ? "dst" : "src";
	tok = fs & need ? p->dst_tok : p->src_tok;
	return perr(p, "%s matches only %s but %s '%.*s' has no %s prefix: the rule can never match",
		    rule_proto_name(r->proto), fam, kw, TOK_SHOWN, tok, fam);
}

static int parse_toks(struct parser *p)
{
	struct rule *r = p->r;
	const struct tok *t;
	__u8 action;

	t = next_tok(p);
	if (!t)
		return perr(p, "missing protocol (tcp, udp, icmp, icmpv6, any or 0-255)");
	if (!t->quoted && is_action(t->s, &r->action)) {
		const char *a = t->s;

		t = next_tok(p);
		if (!t)
			return perr(p, "missing protocol after '%s'", a);
		if (!t->quoted && is_action(t->s, &action))
			return perr(p, "action given twice: '%s'", t->s);
	}
	if (t->quoted)
		return unexpected(p, t);
	if (parse_proto(p, t->s))
		return -EINVAL;
	if (p->i < p->n && !p->t[p->i].quoted &&
	    ((p->t[p->i].s[0] >= '0' && p->t[p->i].s[0] <= '9') || p->t[p->i].s[0] == '-')) {
		t = next_tok(p);
		if (parse_ports(p, t->s))
			return -EINVAL;
	}
	while ((t = next_tok(p)))
		if (parse_field(p, t))
			return -EINVAL;
	if (check_families(p))
		return -EINVAL;
	rule_normalize(r);
	return 0;
}

static int parse(const struct tok *t, int n, bool text_form, const struct rule_ctx *ctx,
		 struct rule *r, struct fwctl_err *e)
{
	struct parser p = {
		.t = t, .n = n, .text_form = text_form, .ctx = ctx, .r = r, .e = e,
	};
	int err;

	memset(r, 0, sizeof(*r));
	r->action = FWCTL_ACTION_ALLOW;
	r->in = RULE_IN_ANY;
	err = parse_toks(&p);
	if (err)
		rule_free(r);
	return err;
}

int rule_from_args(int argc, char **argv, const struct rule_ctx *ctx, struct rule *r,
		   struct fwctl_err *e)
{
	struct tok *t;
	int i, err;

	/* One word holding blanks can only be a whole rule quoted as one
	 * argument (no token holds a blank): read it as a line of a file,
	 * so that canonical text pasted from `rules list` works as is. */
	if (argc == 1 && argv[0][strcspn(argv[0], " \t")])
		return rule_from_text(argv[0], ctx, r, e);
	t = calloc(argc > 0 ? argc : 1, sizeof(*t));
	if (!t) {
		memset(r, 0, sizeof(*r));
		return oom(e);
	}
	for (i = 0; i < argc; i++)
		t[i].s = argv[i];
	err = parse(t, argc, false, ctx, r, e);
	free(t);
	return err;
}

/* --- the text form: tokens, quoted strings, '#' comments -------------- */

static bool is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The "..." at *rp, with \" and \\ escapes, unescaped to *wp. */
static int read_quoted(const char **rp, char **wp, struct fwctl_err *e)
{
	const char *r = *rp + 1, *start = *rp;
	char *w = *wp;

	for (;; r++) {
		if (!*r) {
			fwctl_err_set(e, "unterminated quoted string '%.*s'", TOK_SHOWN, start);
			return -EINVAL;
		}
		if (*r == '"')
			break;
		if (*r == '\\') {
			if (r[1] != '"' && r[1] != '\\') {
				fwctl_err_set(e, "invalid escape '\\%c' in quoted string (only \\\" and \\\\)",
					      r[1] ? r[1] : ' ');
				return -EINVAL;
			}
			r++;
		}
		*w++ = *r;
	}
	r++;
	if (*r && !is_blank(*r) && *r != '#') {
		fwctl_err_set(e, "unexpected '%c' right after the quoted string '%.*s'", *r,
			      (int)(r - start + 1 < TOK_SHOWN ? r - start + 1 : TOK_SHOWN), start);
		return -EINVAL;
	}
	*rp = r;
	*wp = w;
	return 0;
}

/*
 * Cut text into tokens written to out (strlen(text) + 1 bytes: a token and
 * its NUL never take more than the token and the byte after it). A '#'
 * outside a quoted string ends the line. *toks is malloc'd.
 */
static int tokenize(const char *text, char *out, struct tok **toks, int *n_out,
		    struct fwctl_err *e)
{
	struct tok *t = NULL, *nt;
	const char *r = text;
	char *w = out;
	int n = 0, cap = 0;

	for (;;) {
		while (is_blank(*r))
			r++;
		if (!*r || *r == '#')
			break;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nt = realloc(t, cap * sizeof(*t));
			if (!nt) {
				free(t);
				return oom(e);
			}
			t = nt;
		}
		t[n].s = w;
		t[n].quoted = *r == '"';
		if (t[n].quoted) {
			if (read_quoted(&r, &w, e)) {
				free(t);
				return -EINVAL;
			}
		} else {
			while (*r && !is_blank(*r) && *r != '#')
				*w++ = *r++;
		}
		*w++ = '\0';
		n++;
	}
	*toks = t;
	*n_out = n;
	return 0;
}

int rule_from_text(const char *text, const struct rule_ctx *ctx, struct rule *r,
		   struct fwctl_err *e)
{
	struct tok *t = NULL;
	char *buf = malloc(strlen(text) + 1);
	int n = 0, err;

	memset(r, 0, sizeof(*r));
	if (!buf)
		return oom(e);
	err = tokenize(text, buf, &t, &n, e);
	if (!err)
		err = parse(t, n, true, ctx, r, e);
	free(t);
	free(buf);
	return err;
}

/* --- normal form and canonical text ------------------------------------- */

static int cmp_prefix(const void *a, const void *b)
{
	const struct rule_prefix *x = a, *y = b;
	int i;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	for (i = 0; i < 4; i++)
		if (x->addr[i] != y->addr[i])
			return x->addr[i] < y->addr[i] ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

static int cmp_ports(const void *a, const void *b)
{
	const struct rule_ports *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Sort and drop exact repeats; returns the new length. */
static unsigned int sort_uniq(void *base, unsigned int n, size_t size,
			      int (*cmp)(const void *, const void *))
{
	char *a = base;
	unsigned int i, k = 0;

	if (n < 2)
		return n;
	qsort(a, n, size, cmp);
	for (i = 1; i < n; i++)
		if (cmp(a + k * size, a + i * size))
			memmove(a + ++k * size, a + i * size, size);
	return k + 1;
}

/* Strictly ascending: sorted without repeats. */
static bool is_normal(const void *base, unsigned int n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	const char *a = base;
	unsigned int i;

	for (i = 1; i < n; i++)
		if (cmp(a + (i - 1) * size, a + i * size) >= 0)
			return false;
	return true;
}

void rule_normalize(struct rule *r)
{
	r->n_src = sort_uniq(r->src, r->n_src, sizeof(*r->src), cmp_prefix);
	r->n_dst = sort_uniq(r->dst, r->n_dst, sizeof(*r->dst), cmp_prefix);
	r->n_sport = sort_uniq(r->sport, r->n_sport, sizeof(*r->sport), cmp_ports);
	r->n_dport = sort_uniq(r->dport, r->n_dport, sizeof(*r->dport), cmp_ports);
}

static bool rule_is_normal(const struct rule *r)
{
	return is_normal(r->src, r->n_src, sizeof(*r->src), cmp_prefix) &&
	       is_normal(r->dst, r->n_dst, sizeof(*r->dst), cmp_prefix) &&
	       is_normal(r->sport, r->n_sport, sizeof(*r->sport), cmp_ports) &&
	       is_normal(r->dport, r->n_dport, sizeof(*r->dport), cmp_ports);
}

/* A growing string; oom set once an allocation failed. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_grow(struct sbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 128;
	char *s;

	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap == b->cap)
		return;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

static void sb_add(struct sbuf *b, const char *str, size_t len)
{
	sb_grow(b, len);
	if (b->oom)
		return;
	memcpy(b->s + b->len, str, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *str)
{
	sb_add(b, str, strlen(str));
}

static void sb_ports(struct sbuf *b, const struct rule_ports *p)
{
	char buf[16];

	if (p->lo == p->hi)
		snprintf(buf, sizeof(buf), "%u", p->lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", p->lo, p->hi);
	sb_str(b, buf);
}

static void sb_prefixes(struct sbuf *b, const char *kw, const struct rule_prefix *l,
			unsigned int n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned int i;

	if (!n)
		return;
	sb_str(b, kw);
	for (i = 0; i < n; i++) {
		prefix_str(&l[i], buf, sizeof(buf));
		if (i)
			sb_str(b, ",");
		sb_str(b, buf);
	}
}

static void sb_portlist(struct sbuf *b, const char *kw, const struct rule_ports *l,
			unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	sb_str(b, kw);
	for (i = 0; i < n; i++) {
		if (i)
			sb_str(b, ",");
		sb_ports(b, &l[i]);
	}
}

static void sb_comment(struct sbuf *b, const char *c)
{
	const char *s;

	sb_str(b, " comment \"");
	for (s = c; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_str(b, "\\");
		sb_add(b, s, 1);
	}
	sb_str(b, "\"");
}

static void sb_type(struct sbuf *b, const struct rule *r)
{
	const char *name = rule_icmp_type_name(r->proto, r->type);
	char buf[32];

	sb_str(b, " type ");
	if (name)
		sb_str(b, name);
	else {
		snprintf(buf, sizeof(buf), "%u", r->type);
		sb_str(b, buf);
	}
	if (r->has_code) {
		snprintf(buf, sizeof(buf), "/%u", r->code);
		sb_str(b, buf);
	}
}

static char *to_text(const struct rule *r, bool with_comment)
{
	struct sbuf b = { 0 };
	char pbuf[8];
	struct rule n;
	char *s;

	/* Canonical means sorted: print a normalized copy of a rule that is not. */
	if (!rule_is_normal(r)) {
		if (rule_copy(&n, r))
			return NULL;
		rule_normalize(&n);
		s = to_text(&n, with_comment);
		rule_free(&n);
		return s;
	}
	sb_str(&b, r->action == FWCTL_ACTION_DENY ? "deny " : "allow ");
	sb_str(&b, proto_str(r->proto, pbuf));
	if (r->has_ports) {
		sb_str(&b, " ");
		sb_ports(&b, &r->ports);
	}
	if (r->in != RULE_IN_ANY) {
		sb_str(&b, " in ");
		sb_str(&b, r->in_name);
	}
	sb_prefixes(&b, " src ", r->src, r->n_src);
	sb_prefixes(&b, " dst ", r->dst, r->n_dst);
	sb_portlist(&b, " sport ", r->sport, r->n_sport);
	sb_portlist(&b, " dport ", r->dport, r->n_dport);
	if (r->has_type)
		sb_type(&b, r);
	if (r->stateful)
		sb_str(&b, " stateful");
	if (with_comment && r->comment)
		sb_comment(&b, r->comment);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *rule_to_text(const struct rule *r)
{
	return to_text(r, true);
}

char *rule_key_text(const struct rule *r)
{
	return to_text(r, false);
}

bool rule_equal(const struct rule *a, const struct rule *b)
{
	char *x = rule_key_text(a), *y = rule_key_text(b);
	bool eq = x && y && !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

/* --- memory ---------------------------------------------------------------- */

static void *dup_array(const void *a, unsigned int n, size_t size, bool *fail)
{
	void *c;

	if (!n)
		return NULL;
	c = malloc(n * size);
	if (!c) {
		*fail = true;
		return NULL;
	}
	return memcpy(c, a, n * size);
}

int rule_copy(struct rule *dst, const struct rule *src)
{
	bool fail = false;

	*dst = *src;
	dst->src = dup_array(src->src, src->n_src, sizeof(*src->src), &fail);
	dst->dst = dup_array(src->dst, src->n_dst, sizeof(*src->dst), &fail);
	dst->sport = dup_array(src->sport, src->n_sport, sizeof(*src->sport), &fail);
	dst->dport = dup_array(src->dport, src->n_dport, sizeof(*src->dport), &fail);
	dst->comment = NULL;
	if (src->comment) {
		dst->comment = strdup(src->comment);
		fail |= !dst->comment;
	}
	if (fail) {
		rule_free(dst);
		return -ENOMEM;
	}
	return 0;
}

void rule_free(struct rule *r)
{
	free(r->src);
	free(r->dst);
	free(r->sport);
	free(r->dport);
	free(r->comment);
	r->src = r->dst = NULL;
	r->sport = r->dport = NULL;
	r->n_src = r->n_dst = r->n_sport = r->n_dport = 0;
	r->comment = NULL;
}
