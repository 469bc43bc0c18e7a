// SPDX-License-Identifier: GPL-2.0
/* rule_parse.c - rule text to struct fwctl_rule and back, every error named. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "fwctl.h"

void fwctl_err_set(struct fwctl_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static const struct {
	const char *name;
	__u8 proto;
} proto_names[] = {
	{ "icmp", FWCTL_IPPROTO_ICMP },
	{ "tcp", FWCTL_IPPROTO_TCP },
	{ "udp", FWCTL_IPPROTO_UDP },
	{ "icmpv6", FWCTL_IPPROTO_ICMPV6 },
};

const char *proto_name(__u8 proto)
{
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto)
			return proto_names[i].name;
	return NULL;
}

static bool proto_has_ports(__u8 proto)
{
	return proto == FWCTL_IPPROTO_TCP || proto == FWCTL_IPPROTO_UDP;
}

/*
 * Parse a decimal number in [min, max] from tok[0..len). Only digits: no
 * sign, no spaces, no hex. Returns 0 or -EINVAL with the reason in e.
 */
static int parse_number(const char *tok, size_t len, unsigned long min, unsigned long max,
			const char *what, const char *whole, unsigned long *out, struct fwctl_err *e)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0) {
		fwctl_err_set(e, "missing %s in '%s'", what, whole);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)tok[i])) {
			if (i == 0)
				fwctl_err_set(e, "invalid %s '%s': not a number", what, whole);
			else
				fwctl_err_set(e, "invalid %s '%s': garbage after number", what, whole);
			return -EINVAL;
		}
		if (v <= max)	/* stop growing once out of range */
			v = v * 10 + (tok[i] - '0');
	}
	if (v < min || v > max) {
		if (min == 1 && v == 0)
			fwctl_err_set(e, "invalid %s '%s': port 0 is not allowed (%lu-%lu)",
				      what, whole, min, max);
		else
			fwctl_err_set(e, "invalid %s '%s': out of range (%lu-%lu)",
				      what, whole, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_proto(const char *tok, __u8 *proto, struct fwctl_err *e)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (!strcasecmp(tok, proto_names[i].name)) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (!isdigit((unsigned char)tok[0])) {
		fwctl_err_set(e, "unknown protocol '%s' (tcp, udp, icmp, icmpv6 or 0-255)", tok);
		return -EINVAL;
	}
	if (parse_number(tok, strlen(tok), 0, 255, "protocol", tok, &v, e))
		return -EINVAL;
	*proto = v;
	return 0;
}

static int parse_ports(const char *tok, struct fwctl_rule *rule, struct fwctl_err *e)
{
	const char *dash = strchr(tok, '-');
	unsigned long lo, hi;

	if (!dash) {
		if (parse_number(tok, strlen(tok), 1, 65535, "port", tok, &lo, e))
			return -EINVAL;
		hi = lo;
	} else {
		if (parse_number(tok, dash - tok, 1, 65535, "port range", tok, &lo, e) ||
		    parse_number(dash + 1, strlen(dash + 1), 1, 65535, "port range", tok, &hi, e))
			return -EINVAL;
		if (lo > hi) {
			fwctl_err_set(e, "invalid port range '%s': inverted (%lu > %lu)", tok, lo, hi);
			return -EINVAL;
		}
	}
	rule->has_ports = 1;
	rule->port_lo = lo;
	rule->port_hi = hi;
	return 0;
}

int rule_parse(int argc, char **argv, struct fwctl_rule *rule, struct fwctl_err *e)
{
	memset(rule, 0, sizeof(*rule));
	if (argc < 1) {
		fwctl_err_set(e, "missing protocol (tcp, udp, icmp, icmpv6 or 0-255)");
		return -EINVAL;
	}
	if (argc > 2) {
		fwctl_err_set(e, "unexpected argument '%s'", argv[2]);
		return -EINVAL;
	}
	if (parse_proto(argv[0], &rule->proto, e))
		return -EINVAL;
	if (argc == 1)
		return 0;
	if (!proto_has_ports(rule->proto)) {
		fwctl_err_set(e, "unexpected port '%s': protocol '%s' has no ports (only tcp and udp do)",
			      argv[1], argv[0]);
		return -EINVAL;
	}
	return parse_ports(argv[1], rule, e);
}

int rule_parse_line(const char *line, struct fwctl_rule *rule, struct fwctl_err *e)
{
	char buf[256], *argv[3], *save = NULL, *tok;
	int argc = 0;

	if (strlen(line) >= sizeof(buf)) {
		fwctl_err_set(e, "line too long");
		return -EINVAL;
	}
	strcpy(buf, line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == 3)
			break;
		argv[argc++] = tok;
	}
	return rule_parse(argc, argv, rule, e);
}

void rule_format(const struct fwctl_rule *rule, char *buf, size_t len)
{
	const char *name = proto_name(rule->proto);
	char proto[8];

	if (name)
		snprintf(proto, sizeof(proto), "%s", name);
	else
		snprintf(proto, sizeof(proto), "%u", rule->proto);

	if (!rule->has_ports)
		snprintf(buf, len, "%s", proto);
	else if (rule->port_lo == rule->port_hi)
		snprintf(buf, len, "%s %u", proto, rule->port_lo);
	else
		snprintf(buf, len, "%s %u-%u", proto, rule->port_lo, rule->port_hi);
}

bool rule_same(const struct fwctl_rule *a, const struct fwctl_rule *b)
{
	if (a->proto != b->proto || a->has_ports != b->has_ports)
		return false;
	return !a->has_ports || (a->port_lo == b->port_lo && a->port_hi == b->port_hi);
}
