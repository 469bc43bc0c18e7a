// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - frames for people and for JSON: reason names, and a decoder
 * that names every header field (Ethernet, VLAN tags, ARP, IPv4, IPv6 and
 * its extension headers, TCP, UDP, ICMP, ICMPv6).
 *
 * The decoder builds one JSON object per frame; the text line is printed
 * from that same object, so both always show the same fields under the
 * same names. It reads only the captured bytes, and stops (saying why in
 * "undecoded") at a header they cut short or that is not valid.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "capture.h"
#include "trace.h"

/* --- names -------------------------------------------------------------- */

/* Drop reasons, as fwctl_packets_total names them; later ones from output.c. */
static const char *const drop_reasons[] = {
	[FWCTL_DROP_POLICY] = "policy",
	[FWCTL_DROP_MALFORMED] = "malformed",
	[FWCTL_DROP_FRAGMENT] = "fragment",
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = "unknown_ethertype",
	[FWCTL_DROP_REDIRECT_ERROR] = "redirect_error",
	[FWCTL_DROP_RULE] = "rule",	/* as the metrics name it */
};
#define N_DROP_NAMED	(sizeof(drop_reasons) / sizeof(drop_reasons[0]))


const char *trace_reason_name(__u32 verdict, __u32 reason)
{
	if (verdict == FWCTL_VERDICT_FORWARD)
		return reason < FWCTL_FWD_REASON_COUNT ? fwd_reason_key(reason) : NULL;
	if (reason < N_DROP_NAMED)
		return drop_reasons[reason];
	return reason < FWCTL_DROP_REASON_COUNT ? drop_reason_key(reason) : NULL;
}

bool trace_reason_parse(const char *name, __u32 masks[FWCTL_VERDICT_COUNT])
{
	bool found = false;
	__u32 v, r;

	for (v = 0; v < FWCTL_VERDICT_COUNT; v++) {
		for (r = 0; r < 32; r++) {
			const char *n = trace_reason_name(v, r);

			if (n && !strcmp(n, name)) {
				masks[v] |= 1u << r;
				found = true;
			}
		}
	}
	return found;
}

/* Is name one of the comma-separated words of list? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

const char *trace_reason_list(void)
{
	static char list[256];
	size_t n = 0;
	__u32 v, r;

	if (list[0])
		return list;
	for (v = 0; v < FWCTL_VERDICT_COUNT; v++) {
		for (r = 0; r < 32; r++) {
			const char *name = trace_reason_name(v, r);

			if (name && !in_list(list, name) && n < sizeof(list))
				n += snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", name);
		}
	}
	return list;
}

int trace_proto_parse(const char *s)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
	};
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].proto;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtol(s, &end, 10);
	return *end || v > 255 ? -1 : (int)v;
}

const char *verdict_name(__u32 verdict)
{
	return verdict == FWCTL_VERDICT_FORWARD ? "forward" : "drop";
}

void trace_comment(char *buf, size_t len, __u32 verdict, __u32 reason, __u32 rule_id)
{
	const char *name = trace_reason_name(verdict, reason);
	char unknown[16];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "%u", reason);
		name = unknown;
	}
	capture_comment(buf, len, verdict == FWCTL_VERDICT_DROP, rule_id, name);
}

void fmt_rfc3339_ns(__u64 realtime_ns, char *buf, size_t len)
{
	time_t t = realtime_ns / 1000000000ULL;
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09lluZ", (unsigned long long)(realtime_ns % 1000000000ULL));
}

/* --- decoding ----------------------------------------------------------- */

struct cursor {
	const __u8 *p;
	__u32 off, caplen;
	struct json_object *root;
};

static __u16 get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *jint(long long v)
{
	return json_object_new_int64(v);
}

static struct json_object *jstr(const char *s)
{
	return json_str(s);	/* output.c: never invalid UTF-8 */
}

static struct json_object *jhex16(__u16 v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "0x%04x", v);
	return jstr(buf);
}

static struct json_object *jmac(const __u8 *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	return jstr(buf);
}

static struct json_object *jaddr(int family, const __u8 *a)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family, a, buf, sizeof(buf));
	return jstr(buf);
}

/* Are n more bytes captured? If not, say which header they cut short. */
static bool have(struct cursor *c, __u32 n, const char *what)
{
	char msg[64];

	if (c->off + n <= c->caplen)
		return true;
	snprintf(msg, sizeof(msg), "%s header cut short at %u bytes", what, c->caplen);
	add(c->root, "undecoded", jstr(msg));
	return false;
}

static void undecoded(struct cursor *c, const char *msg)
{
	add(c->root, "undecoded", jstr(msg));
}

static void tcp_flags(__u8 f, char *buf, size_t len)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 8; i++)
		if (f & 1 << i)
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names[i]);
	if (!n)
		snprintf(buf, len, "none");
}

static void decode_l4(struct cursor *c, __u8 proto)
{
	const __u8 *h = c->p + c->off;
	struct json_object *o;
	char flags[48];

	switch (proto) {
	case 6:
		if (!have(c, 20, "tcp"))
			return;
		o = json_object_new_object();
		tcp_flags(h[13], flags, sizeof(flags));
		add(o, "sport", jint(get16(h)));
		add(o, "dport", jint(get16(h + 2)));
		add(o, "flags", jstr(flags));
		add(o, "seq", jint(get32(h + 4)));
		add(o, "ack", jint(get32(h + 8)));
		add(o, "window", jint(get16(h + 14)));
		add(o, "hlen", jint((h[12] >> 4) * 4));
		add(o, "checksum", jhex16(get16(h + 16)));
		add(o, "urgent", jint(get16(h + 18)));
		add(c->root, "tcp", o);
		c->off += (h[12] >> 4) * 4 >= 20 ? (h[12] >> 4) * 4 : 20;
		if (c->off > c->caplen)
			c->off = c->caplen;
		return;
	case 17:
		if (!have(c, 8, "udp"))
			return;
		o = json_object_new_object();
		add(o, "sport", jint(get16(h)));
		add(o, "dport", jint(get16(h + 2)));
		add(o, "len", jint(get16(h + 4)));
		add(o, "checksum", jhex16(get16(h + 6)));
		add(c->root, "udp", o);
		c->off += 8;
		return;
	case 1:
	case 58:
		if (!have(c, 4, proto == 1 ? "icmp" : "icmpv6"))
			return;
		o = json_object_new_object();
		add(o, "type", jint(h[0]));
		add(o, "code", jint(h[1]));
		add(o, "checksum", jhex16(get16(h + 2)));
		/* Echo request and reply carry an identifier and a sequence number. */
		if (c->off + 8 <= c->caplen &&
		    (proto == 1 ? h[0] == 8 || h[0] == 0 : h[0] == 128 || h[0] == 129)) {
			add(o, "id", jint(get16(h + 4)));
			add(o, "seq", jint(get16(h + 6)));
		}
		add(c->root, proto == 1 ? "icmp" : "icmpv6", o);
		c->off += c->off + 8 <= c->caplen ? 8 : 4;
		return;
	default:
		return;
	}
}

static void decode_ipv4(struct cursor *c)
{
	const __u8 *h = c->p + c->off;
	struct json_object *o;
	__u16 frag;
	__u32 hlen;
	char flags[8];

	if (!have(c, 20, "ipv4"))
		return;
	hlen = (h[0] & 0xf) * 4;
	frag = get16(h + 6);
	snprintf(flags, sizeof(flags), "%s%s%s", frag & 0x4000 ? "DF" : "",
		 (frag & 0x4000) && (frag & 0x2000) ? "|" : "", frag & 0x2000 ? "MF" : "");
	o = json_object_new_object();
	add(o, "src", jaddr(AF_INET, h + 12));
	add(o, "dst", jaddr(AF_INET, h + 16));
	add(o, "ttl", jint(h[8]));
	add(o, "proto", jint(h[9]));
	add(o, "tos", jint(h[1]));
	add(o, "len", jint(get16(h + 2)));
	add(o, "id", jint(get16(h + 4)));
	add(o, "flags", jstr(flags[0] ? flags : "none"));
	add(o, "frag_offset", jint((frag & 0x1fff) * 8));
	add(o, "ihl", jint(h[0] & 0xf));
	add(o, "checksum", jhex16(get16(h + 10)));
	if (h[0] >> 4 != 4)
		add(o, "version", jint(h[0] >> 4));
	add(c->root, "ipv4", o);
	if (h[0] >> 4 != 4 || hlen < 20) {
		undecoded(c, "not a valid IPv4 header (version or IHL)");
		return;
	}
	if (!have(c, hlen, "ipv4 options"))
		return;
	c->off += hlen;
	if (frag & 0x1fff)
		return;		/* a non-first fragment: no L4 header */
	decode_l4(c, h[9]);
}

static const char *ext_name(__u8 type)
{
	switch (type) {
	case 0: return "hop-by-hop";
	case 43: return "routing";
	case 44: return "fragment";
	case 51: return "ah";
	case 60: return "destination";
	default: return NULL;
	}
}

static void decode_ipv6(struct cursor *c)
{
	const __u8 *h = c->p + c->off;
	struct json_object *o, *exts = NULL, *x;
	__u8 next;
	__u32 len;
	int i;

	if (!have(c, 40, "ipv6"))
		return;
	o = json_object_new_object();
	add(o, "src", jaddr(AF_INET6, h + 8));
	add(o, "dst", jaddr(AF_INET6, h + 24));
	add(o, "hop_limit", jint(h[7]));
	add(o, "next_header", jint(h[6]));
	add(o, "traffic_class", jint((get16(h) >> 4) & 0xff));
	add(o, "flow_label", jint(get32(h) & 0xfffff));
	add(o, "payload_len", jint(get16(h + 4)));
	if (h[0] >> 4 != 6)
		add(o, "version", jint(h[0] >> 4));
	add(c->root, "ipv6", o);
	if (h[0] >> 4 != 6) {
		undecoded(c, "not a valid IPv6 header (version)");
		return;
	}
	c->off += 40;
	next = h[6];
	for (i = 0; i < 16 && ext_name(next); i++) {
		const __u8 *e = c->p + c->off;

		if (!have(c, 8, ext_name(next)))
			return;
		len = next == 44 ? 8 : next == 51 ? (e[1] + 2) * 4 : (e[1] + 1) * 8;
		x = json_object_new_object();
		add(x, "type", jstr(ext_name(next)));
		add(x, "next_header", jint(e[0]));
		add(x, "len", jint(len));
		if (next == 44) {
			add(x, "frag_offset", jint(get16(e + 2) & 0xfff8));
			add(x, "more", json_object_new_boolean(get16(e + 2) & 1));
			add(x, "id", jint(get32(e + 4)));
		}
		if (!exts) {
			exts = json_object_new_array();
			add(c->root, "ipv6_ext", exts);
		}
		json_object_array_add(exts, x);
		if (!have(c, len, ext_name(next)))
			return;
		c->off += len;
		if (next == 44 && (get16(e + 2) & 0xfff8))
			return;		/* a non-first fragment: no L4 header */
		next = e[0];
	}
	decode_l4(c, next);
}

static void decode_arp(struct cursor *c)
{
	const __u8 *h = c->p + c->off;
	struct json_object *o;
	__u16 op;

	if (!have(c, 8, "arp"))
		return;
	op = get16(h + 6);
	o = json_object_new_object();
	add(o, "op", op == 1 ? jstr("request") : op == 2 ? jstr("reply") : jint(op));
	add(o, "hw_type", jint(get16(h)));
	add(o, "proto_type", jhex16(get16(h + 2)));
	add(c->root, "arp", o);
	if (get16(h) != 1 || get16(h + 2) != 0x0800 || h[4] != 6 || h[5] != 4)
		return;		/* not Ethernet/IPv4: addresses of other sizes */
	if (!have(c, 28, "arp"))
		return;
	add(o, "sender_mac", jmac(h + 8));
	add(o, "sender_ip", jaddr(AF_INET, h + 14));
	add(o, "target_mac", jmac(h + 18));
	add(o, "target_ip", jaddr(AF_INET, h + 24));
	c->off += 28;
}

/* Returns the offset of the payload: the first byte after the headers. */
static __u32 decode_into(struct json_object *root, const __u8 *data, __u32 caplen)
{
	struct cursor c = { .p = data, .caplen = caplen, .root = root };
	struct json_object *eth, *tags = NULL, *t;
	__u16 type, tci;
	int i;

	if (!have(&c, 14, "ethernet"))
		return caplen;
	eth = json_object_new_object();
	add(eth, "src", jmac(data + 6));
	add(eth, "dst", jmac(data));
	type = get16(data + 12);
	add(eth, "type", jhex16(type));
	add(root, "eth", eth);
	c.off = 14;
	for (i = 0; i < 8 && (type == 0x8100 || type == 0x88a8); i++) {
		if (!have(&c, 4, "vlan"))
			return caplen;
		tci = get16(data + c.off);
		t = json_object_new_object();
		add(t, "tpid", jhex16(type));
		add(t, "id", jint(tci & 0xfff));
		add(t, "pcp", jint(tci >> 13));
		add(t, "dei", jint((tci >> 12) & 1));
		type = get16(data + c.off + 2);
		add(t, "type", jhex16(type));
		if (!tags) {
			tags = json_object_new_array();
			add(root, "vlan", tags);
		}
		json_object_array_add(tags, t);
		c.off += 4;
	}
	if (type == 0x0800)
		decode_ipv4(&c);
	else if (type == 0x86dd)
		decode_ipv6(&c);
	else if (type == 0x0806)
		decode_arp(&c);
	return c.off;
}

static void hex_string(const __u8 *p, __u32 n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	__u32 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void decode_json(struct json_object *obj, const __u8 *data, __u32 caplen, bool payload)
{
	__u32 off = decode_into(obj, data, caplen);
	struct json_object *pl;
	char *hex;

	if (!payload)
		return;
	hex = malloc(2 * (caplen - off) + 1);
	if (!hex)
		return;
	hex_string(data + off, caplen - off, hex);
	pl = json_object_new_object();
	add(pl, "offset", jint(off));
	add(pl, "len", jint(caplen - off));
	add(pl, "hex", jstr(hex));
	add(obj, "payload", pl);
	free(hex);
}

/* --- output ------------------------------------------------------------- */

void frame_json_add(struct json_object *o, const struct frame_info *fi, bool payload)
{
	const char *reason = trace_reason_name(fi->verdict, fi->reason);
	char ts[48];

	fmt_rfc3339_ns(fi->ts_ns, ts, sizeof(ts));
	add(o, "ts", jstr(ts));
	add(o, "in", fi->ifname ? jstr(fi->ifname) : NULL);
	add(o, "direction", fi->dir < FWCTL_DIR_COUNT ? jstr(dir_key(fi->dir)) : NULL);
	add(o, "verdict", jstr(verdict_name(fi->verdict)));
	add(o, "reason", reason ? jstr(reason) : jint(fi->reason));
	add(o, "rule_id", fi->rule_id != FWCTL_NO_RULE ? jint(fi->rule_id) : NULL);
	add(o, "len", jint(fi->len));
	add(o, "caplen", jint(fi->caplen));
	decode_json(o, fi->data, fi->caplen, payload);
}

struct json_object *frame_json(const struct frame_info *fi, bool payload)
{
	struct json_object *o = json_object_new_object();

	frame_json_add(o, fi, payload);
	return o;
}

/* A member of an object as text, or "?". */
static const char *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

/* A member of a decoded header as text, or "?". */
static const char *field(struct json_object *o, const char *layer, const char *key)
{
	struct json_object *l;

	return json_object_object_get_ex(o, layer, &l) ? member(l, key) : "?";
}

void frame_summary(const __u8 *data, __u32 caplen, char *buf, size_t len)
{
	struct json_object *o = json_object_new_object(), *tags, *v;
	const char *l3 = NULL, *l4 = NULL;
	bool v6;
	size_t n = 0, i;

	buf[0] = '\0';
	decode_into(o, data, caplen);
	if (json_object_object_get_ex(o, "vlan", &tags))
		for (i = 0; i < json_object_array_length(tags); i++)
			n += snprintf(buf + n, n < len ? len - n : 0, "vlan %s ",
				      member(json_object_array_get_idx(tags, i), "id"));
	if (json_object_object_get_ex(o, "ipv4", &v))
		l3 = "ipv4";
	else if (json_object_object_get_ex(o, "ipv6", &v))
		l3 = "ipv6";
	v6 = l3 && l3[3] == '6';
	l4 = json_object_object_get_ex(o, "tcp", &v) ? "tcp" :
	     json_object_object_get_ex(o, "udp", &v) ? "udp" :
	     json_object_object_get_ex(o, "icmp", &v) ? "icmp" :
	     json_object_object_get_ex(o, "icmpv6", &v) ? "icmpv6" : NULL;
	if (l3 && l4 && l4[0] != 'i')
		n += snprintf(buf + n, n < len ? len - n : 0, "%s %s%s%s:%s > %s%s%s:%s", l4,
			      v6 ? "[" : "", field(o, l3, "src"), v6 ? "]" : "", field(o, l4, "sport"),
			      v6 ? "[" : "", field(o, l3, "dst"), v6 ? "]" : "", field(o, l4, "dport"));
	else if (l3)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s %s > %s", l4 ? l4 : l3,
			      field(o, l3, "src"), field(o, l3, "dst"));
	else if (json_object_object_get_ex(o, "arp", &v))
		n += snprintf(buf + n, n < len ? len - n : 0, "arp %s %s > %s", field(o, "arp", "op"),
			      field(o, "arp", "sender_ip"), field(o, "arp", "target_ip"));
	else if (json_object_object_get_ex(o, "eth", &v))
		n += snprintf(buf + n, n < len ? len - n : 0, "ethertype %s", field(o, "eth", "type"));
	if (l4 && !strcmp(l4, "tcp"))
		n += snprintf(buf + n, n < len ? len - n : 0, " %s", field(o, "tcp", "flags"));
	else if (l4 && l4[0] == 'i')
		n += snprintf(buf + n, n < len ? len - n : 0, " type=%s code=%s", field(o, l4, "type"),
			      field(o, l4, "code"));
	else if (l3 && !l4)
		n += snprintf(buf + n, n < len ? len - n : 0, " proto=%s",
			      v6 ? field(o, l3, "next_header") : field(o, l3, "proto"));
	if (json_object_object_get_ex(o, "undecoded", &v))
		snprintf(buf + n, n < len ? len - n : 0, " (%s)", json_object_get_string(v));
	json_object_put(o);
}

static void print_value(FILE *f, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs("-", f);
		break;
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "yes" : "no", f);
		break;
	default:
		fputs(json_object_get_string(v), f);
		break;
	}
}

/* " name k=v k=v" for one decoded header. */
static void print_layer(FILE *f, const char *name, struct json_object *layer)
{
	fprintf(f, " %s", name);
	json_object_object_foreach(layer, k, v) {
		fprintf(f, " %s=", k);
		print_value(f, v);
	}
}

void print_frame_line(FILE *f, const struct frame_info *fi)
{
	struct json_object *o = json_object_new_object();
	char ts[48], verdict[64];
	size_t i;

	fmt_rfc3339_ns(fi->ts_ns, ts, sizeof(ts));
	trace_comment(verdict, sizeof(verdict), fi->verdict, fi->reason, fi->rule_id);
	fprintf(f, "%s in=%s %s len=%u", ts, fi->ifname ? fi->ifname : "?", verdict, fi->len);
	if (fi->caplen < fi->len)
		fprintf(f, " caplen=%u", fi->caplen);
	decode_into(o, fi->data, fi->caplen);
	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_array)) {
			for (i = 0; i < json_object_array_length(val); i++)
				print_layer(f, key, json_object_array_get_idx(val, i));
		} else if (json_object_is_type(val, json_type_object)) {
			print_layer(f, key, val);
		} else {
			fprintf(f, " %s=\"", key);
			print_value(f, val);
			fputc('"', f);
		}
	}
	fputc('\n', f);
	json_object_put(o);
}

void print_frame_payload(FILE *f, const __u8 *data, __u32 caplen)
{
	struct json_object *o = json_object_new_object();
	__u32 off = decode_into(o, data, caplen), i, j;

	json_object_put(o);
	for (i = off; i < caplen; i += 16) {
		fprintf(f, "  %04x: ", i);
		for (j = i; j < i + 16; j++) {
			if (j < caplen)
				fprintf(f, " %02x", data[j]);
			else
				fputs("   ", f);
		}
		fputs("  ", f);
		for (j = i; j < i + 16 && j < caplen; j++)
			fputc(isprint(data[j]) ? data[j] : '.', f);
		fputc('\n', f);
	}
}
