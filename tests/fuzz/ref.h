/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ref.h - an independent reference classifier for differential fuzzing.
 *
 * Written from the text of issue 2 ("Datapath semantics", "Rules",
 * "Counters") only, without looking at bpf/: it must be a second reading of
 * the spec, so it shares no parsing code with the datapath and works on
 * explicit byte offsets into a flat buffer.
 */
#ifndef FUZZ_REF_H
#define FUZZ_REF_H

#include <stdint.h>
#include <stddef.h>

#define REF_MAX_RULES 32

/* One rule as the reference sees it: a plain list, scanned linearly. */
struct ref_rule {
	uint32_t id;		/* rule id the loader gave it */
	uint8_t proto;
	uint8_t has_ports;
	uint16_t lo, hi;	/* inclusive, only when has_ports */
};

struct ref_ruleset {
	int n;
	struct ref_rule r[REF_MAX_RULES];
	int accept;		/* default policy: 1 ACCEPT, 0 DROP */
	int have_peer;		/* the ingress interface has a devmap entry */
};

struct ref_verdict {
	int forward;		/* 1: XDP_REDIRECT to the peer, 0: XDP_DROP */
	int reason;		/* enum fwctl_drop_reason when dropped, else -1 */
	uint32_t rule;		/* rule the packet counts on, 0 = none */
	int arp_nd;		/* forwarded as ARP or ND */
};

void ref_classify(const uint8_t *frame, size_t len, const struct ref_ruleset *rs,
		  struct ref_verdict *out);
/* "FORWARD rule 3", "DROP malformed", "FORWARD arp/nd" ... */
void ref_describe(const struct ref_verdict *v, char *buf, size_t len);

#endif
