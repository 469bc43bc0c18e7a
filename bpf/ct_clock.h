/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ct_clock.h - ct_now(): the clock of flow and fragment tracking.
 */
#ifndef FWCTL_CT_CLOCK_H
#define FWCTL_CT_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The datapath's clock, in ns on CLOCK_MONOTONIC_COARSE's scale (what
 * user space reads). bpf_ktime_get_coarse_ns() measured 14 ns a call
 * here, bpf_jiffies64() (inlined into one load) under 1 ns: so time is
 * jiffies since a calibration against the coarse clock, redone every
 * CT_CLOCK_RESYNC jiffies (a minute or so) to stay in step with it. Each
 * program object (and CPU racing on it) calibrates for itself: a torn
 * pair is off by a tick at most. Without the kernel's config, libbpf
 * leaves CONFIG_HZ 0: then every call reads the coarse clock.
 */
extern unsigned int CONFIG_HZ __kconfig __weak;

#define CT_CLOCK_RESYNC	16384

static __u64 ct_clock_j, ct_clock_ns, ct_clock_step;

static __always_inline __u64 ct_now(void)
{
	__u64 j = bpf_jiffies64();

	if (j - ct_clock_j < CT_CLOCK_RESYNC && ct_clock_step)
		return ct_clock_ns + (j - ct_clock_j) * ct_clock_step;
	if (!CONFIG_HZ)
		return bpf_ktime_get_coarse_ns();
	ct_clock_ns = bpf_ktime_get_coarse_ns();
	ct_clock_j = j;
	ct_clock_step = 1000000000 / CONFIG_HZ;
	return ct_clock_ns;
}

#endif /* FWCTL_CT_CLOCK_H */
