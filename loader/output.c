// SPDX-License-Identifier: GPL-2.0
/* output.c - names of counters, number formatting and JSON strings. */
#include <stdio.h>
#include <time.h>
#include "fwctl.h"

static const char *const drop_names[FWCTL_DROP_REASON_COUNT][2] = {
	[FWCTL_DROP_POLICY] = { "policy", "policy" },
	[FWCTL_DROP_MALFORMED] = { "malformed", "malformed" },
	[FWCTL_DROP_FRAGMENT] = { "fragment", "fragment" },
	[FWCTL_DROP_UNKNOWN_ETHERTYPE] = { "unknown ethertype", "unknown_ethertype" },
	[FWCTL_DROP_REDIRECT_ERROR] = { "redirect error", "redirect_error" },
};

const char *drop_reason_name(enum fwctl_drop_reason r)
{
	return r < FWCTL_DROP_REASON_COUNT ? drop_names[r][0] : "?";
}

const char *drop_reason_key(enum fwctl_drop_reason r)
{
	return r < FWCTL_DROP_REASON_COUNT ? drop_names[r][1] : "unknown";
}

const char *dir_key(enum fwctl_dir d)
{
	return d == FWCTL_DIR_IN_TO_OUT ? "input_to_output" : "output_to_input";
}

const char *policy_name(__u32 policy)
{
	return policy == FWCTL_POLICY_ACCEPT ? "accept" : "drop";
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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
