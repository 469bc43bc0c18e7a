// SPDX-License-Identifier: GPL-2.0
/*
 * trivial - attach the benchmarks' baseline (bpf/trivial_redirect.bpf.c) to
 * two interfaces: every frame arriving on one leaves by the other, nothing
 * else. The program stays attached when this exits.
 *
 *   trivial attach [--mode native|skb] IF_IN IF_OUT
 *   trivial detach IF_IN IF_OUT
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "trivial_redirect.skel.h"

/* libxdp probes its dispatcher (which this kernel cannot load) and falls
 * back to a single program: hide that expected noise, keep real errors. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strstr(msg, "xdp_pass") || strstr(msg, "dispatcher") || strstr(msg, "ulimit"))
		return 0;
	return fprintf(stderr, "%s", msg);
}

static int quiet_xdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_WARN && !strstr(fmt, "alling back") &&
	       !strstr(fmt, "ompatibility check") ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: trivial attach [--mode native|skb] IF_IN IF_OUT\n"
		   "       trivial detach IF_IN IF_OUT\n");
}

int main(int argc, char **argv)
{
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	struct trivial_redirect *skel = NULL;
	struct xdp_program *prog = NULL;
	int ifs[2], i, err = 0, attached = 0, a = 2;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "attach") && !strcmp(argv[2], "--mode")) {
		if (argc < 6)
			goto bad;
		if (!strcmp(argv[3], "skb"))
			mode = XDP_MODE_SKB;
		else if (strcmp(argv[3], "native"))
			goto bad;
		a = 4;
	}
	if (argc != a + 2 || (strcmp(argv[1], "attach") && strcmp(argv[1], "detach")))
		goto bad;
	libbpf_set_print(quiet);
	libxdp_set_print(quiet_xdp);
	for (i = 0; i < 2; i++) {
		ifs[i] = if_nametoindex(argv[a + i]);
		if (!ifs[i]) {
			fprintf(stderr, "trivial: interface %s: %s\n", argv[a + i], strerror(errno));
			return 1;
		}
	}
	if (!strcmp(argv[1], "detach")) {
		for (i = 0; i < 2; i++) {
			bpf_xdp_detach(ifs[i], XDP_FLAGS_DRV_MODE, NULL);
			bpf_xdp_detach(ifs[i], XDP_FLAGS_SKB_MODE, NULL);
		}
		return 0;
	}

	skel = trivial_redirect__open_and_load();
	if (!skel) {
		fprintf(stderr, "trivial: load: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++) {
		__u32 key = ifs[i], val = ifs[!i];

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.trivial_devmap), &key, &val, 0)) {
			err = -errno;
			fprintf(stderr, "trivial: devmap %d -> %d: %s\n", key, val, strerror(errno));
			goto out;
		}
	}
	prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		fprintf(stderr, "trivial: libxdp: %s\n", strerror(-err));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		err = xdp_program__attach(prog, ifs[i], mode, 0);
		if (err) {
			fprintf(stderr, "trivial: attach to %s: %s\n", argv[a + i], strerror(-err));
			goto out;
		}
		attached++;
	}
out:
	if (err)
		for (i = 0; i < attached; i++)
			xdp_program__detach(prog, ifs[i], mode, 0);
	xdp_program__close(prog);
	trivial_redirect__destroy(skel);
	return err ? 1 : 0;
bad:
	usage(stderr);
	return 2;
}
