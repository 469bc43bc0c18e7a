// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - build/tests/trace: the tools tests/trace/cli.sh needs next to
 * build/fwctl (frames sent through the attached program, capture files,
 * counters, trace slots), and the in-process tests (unit.c) and costs
 * (bench.c).
 *
 *   send IF SPEC [REPEAT [AS_IF]]
 *       Run the frame SPEC (see tt.h) through the program attached to IF
 *       with BPF_PROG_TEST_RUN, as a frame arriving on IF (or AS_IF).
 *       Prints "action N".
 *   pcap FILE SPEC[/cut][*N]...
 *       Write the frames to FILE (.pcap or .pcapng); "/cut" keeps only the
 *       first 20 bytes in the capture (caplen < len); "*N" writes it N times.
 *   trace ARGS...       fwctl trace (cmd_trace)
 *   check ARGS...       fwctl check (cmd_check)
 *   counters            every live counter on one line
 *   slots               each trace slot: on, claimed, pid, heartbeat age; check slots
 *   unit IFINDEX_IN IFINDEX_OUT             the in-process tests
 *   bench IFINDEX_IN IFINDEX_OUT [ROUNDS [REPEAT]]   ns/packet, tracing off/on
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fwctl.h"
#include "cli.h"
#include "capture.h"
#include "trace.h"
#include "tt.h"

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "trace test: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int cmd_send(int argc, char **argv)
{
	static __u8 frame[TT_FRAME_MAX];
	struct fwctl_err e = {};
	int ifindex, fd, ret;
	size_t len;

	if (argc < 3)
		return fail("usage: send IF SPEC [REPEAT [AS_IF]]");
	ifindex = if_nametoindex(argv[1]);
	len = tt_frame(argv[2], frame);
	if (argc < 4)
		argv[3] = "1";
	if (!ifindex || !len)
		return fail("bad interface '%s' or spec '%s'", argv[1], argv[2]);
	fd = check_prog_fd(ifindex, &e);
	if (fd < 0)
		return fail("%s", e.msg);
	/* As if it arrived on AS_IF: one the devmap does not know is a redirect error. */
	if (argc > 4 && !(ifindex = if_nametoindex(argv[4]))) {
		close(fd);
		return fail("bad interface '%s'", argv[4]);
	}
	ret = tt_run(fd, frame, len, ifindex, strtoul(argv[3], NULL, 10));
	close(fd);
	if (ret < 0)
		return fail("BPF_PROG_TEST_RUN: %s", strerror(-ret));
	printf("action %d\n", ret);
	return 0;
}

static int cmd_pcap(int argc, char **argv)
{
	static __u8 frame[TT_FRAME_MAX];
	const char *names[2] = { "in", "out" };
	struct capture_writer *w;
	enum capture_format fmt;
	struct fwctl_err e = {};
	char spec[256], *cut, *times;
	unsigned long n, k = 0;
	int i, err = 0;
	size_t len;

	if (argc < 2 || capture_format_of(argv[1], &fmt, &e))
		return fail("usage: pcap FILE.pcap|FILE.pcapng SPEC...");
	w = capture_create(argv[1], fmt, names, 2, 65535, &e);
	if (!w)
		return fail("%s", e.msg);
	for (i = 2; i < argc && !err; i++) {
		snprintf(spec, sizeof(spec), "%s", argv[i]);
		times = strchr(spec, '*');
		n = times ? strtoul(times + 1, NULL, 10) : 1;
		if (times)
			*times = '\0';
		cut = strstr(spec, "/cut");
		if (cut)
			*cut = '\0';
		len = tt_frame(spec, frame);
		if (!len) {
			capture_close(w, NULL);
			return fail("bad spec '%s'", argv[i]);
		}
		while (n-- && !err) {
			struct capture_pkt p = {
				.ts_ns = 1700000000000000000ULL + ++k * 1000ULL, .data = frame,
				.caplen = cut && len > 20 ? 20 : len, .len = len,
				.xdp_action = CAPTURE_NO_VERDICT,
			};

			err = capture_write(w, &p, &e);
		}
	}
	if (capture_close(w, &e) || err)
		return fail("%s", e.msg);
	return 0;
}

static int cmd_counters(void)
{
	static struct fwctl_rule_stats rules[64];
	struct fwctl_trace_lost lost = {};
	struct fwctl_dir_stats st;
	struct fwctl_maps m;
	struct trace_maps tm;
	struct fwctl_err e = {};
	__u64 rp = 0, rb = 0;
	int d, r, i;

	if (maps_open_pinned(pin_dir(), &m, &e) || trace_maps_open_pinned(pin_dir(), &tm, &e))
		return fail("%s", e.msg);
	for (d = 0; d < FWCTL_DIR_COUNT; d++) {
		dir_stats_read(&m, d, &st);
		printf("dir%d fwd=", d);
		for (r = 0; r < FWCTL_FWD_REASON_COUNT; r++)
			printf("%s%llu/%llu", r ? "," : "", (unsigned long long)st.fwd_reason_packets[r],
			       (unsigned long long)st.fwd_reason_bytes[r]);
		printf(" drop=");
		for (r = 0; r < FWCTL_DROP_REASON_COUNT; r++)
			printf("%s%llu/%llu", r ? "," : "", (unsigned long long)st.drop_packets[r],
			       (unsigned long long)st.drop_bytes[r]);
		printf(" ");
	}
	rule_stats_read_first(&m, 64, rules);	/* the rules of these tests */
	for (i = 0; i < 64; i++) {
		rp += rules[i].packets;
		rb += rules[i].bytes;
	}
	trace_lost_read(&tm, -1, &lost);
	printf("rules=%llu/%llu lost_rate_limit=%llu lost_ring_full=%llu\n", (unsigned long long)rp,
	       (unsigned long long)rb, (unsigned long long)lost.rate_limit,
	       (unsigned long long)lost.ring_full);
	trace_maps_close(&tm);
	maps_close(&m);
	return 0;
}

static int cmd_slots(void)
{
	struct trace_maps tm;
	struct fwctl_err e = {};
	__u64 now = trace_mono_ns();
	int i;

	if (trace_maps_open_pinned(pin_dir(), &tm, &e))
		return fail("%s", e.msg);
	for (i = 0; i < FWCTL_TRACE_SLOTS; i++) {
		volatile struct fwctl_trace_slot *s = &tm.ctl_mem->slot[i];

		printf("slot %d on=%u claimed=%d live=%d pid=%u age_ms=%lld\n", i, tm.ctl_mem->on[i],
		       s->token != 0, trace_slot_live(&tm, i, now), s->pid,
		       s->token ? (long long)(now - s->heartbeat_ns) / 1000000 : -1LL);
	}
	for (i = 0; i < FWCTL_CHECK_SLOTS; i++)
		printf("check %d checking=%u pid=%u\n", i, tm.ctl_mem->checking[i],
		       tm.ctl_mem->check[i].pid);
	trace_maps_close(&tm);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: %s send|pcap|trace|check|counters|slots|"
			    "unit|bench ...", argv[0]);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pcap"))
		return cmd_pcap(argc - 1, argv + 1);
	if (!strcmp(argv[1], "trace"))
		return cmd_trace(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "counters"))
		return cmd_counters();
	if (!strcmp(argv[1], "slots"))
		return cmd_slots();
	if (!strcmp(argv[1], "unit") && argc == 4)
		return tt_unit(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(argv[1], "bench") && argc >= 4)
		return tt_bench(atoi(argv[2]), atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 11,
				argc > 5 ? strtoul(argv[5], NULL, 10) : 2000000);
	return fail("unknown command '%s'", argv[1]);
}
