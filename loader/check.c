// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - one frame through the live program as a `fwctl check` probe:
 * BPF_PROG_TEST_RUN with a struct fwctl_check_meta as the frame's XDP
 * metadata (ctx_in->data = its size). The program writes its answer into
 * the metadata, which the kernel returns in front of data_out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "trace.h"

int check_prog_fd(int ifindex, struct fwctl_err *e)
{
	__u32 id = xdp_prog_id_on(ifindex);
	int fd;

	if (!id) {
		fwctl_err_set(e, "no fwctl program on interface %d", ifindex);
		return -ENOENT;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		fwctl_err_set(e, "cannot open program %u: %s", id, strerror(-fd));
	return fd;
}

/* The program answers probes if it was built with trace.h: it uses the
 * trace control block, a map named after its section (cut to 15 characters). */
bool check_prog_supported(int prog_fd)
{
	struct bpf_prog_info info = {};
	struct bpf_map_info minfo;
	__u32 len = sizeof(info), ids[64], i, n;
	bool found = false;
	int fd;

	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	n = info.nr_map_ids < sizeof(ids) / sizeof(ids[0]) ? info.nr_map_ids
							     : sizeof(ids) / sizeof(ids[0]);
	for (i = 0; i < n && !found; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		found = !bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
			!strncmp(minfo.name, FWCTL_TRACE_CTL_SEC, sizeof(minfo.name) - 1);
		close(fd);
	}
	return found;
}

int check_frame(int prog_fd, int ifindex, const void *frame, __u32 len, struct check_result *r)
{
	const __u32 meta_len = sizeof(struct fwctl_check_meta);
	struct fwctl_check_meta meta = { .magic = FWCTL_CHECK_MAGIC };
	struct xdp_md ctx = {
		.data = meta_len,
		.data_end = meta_len + len,
		.ingress_ifindex = ifindex,
	};
	__u8 *in, *out;
	int err;

	in = malloc(meta_len + len);
	out = malloc(meta_len + len);
	if (!in || !out) {
		free(in);
		free(out);
		return -ENOMEM;
	}
	memcpy(in, &meta, meta_len);
	memcpy(in + meta_len, frame, len);
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = meta_len + len,
		.data_out = out,
		.data_size_out = meta_len + len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (!err) {
		memcpy(&meta, out, meta_len);
		if (o.data_size_out < meta_len || meta.done != FWCTL_CHECK_DONE) {
			err = -EOPNOTSUPP;
		} else {
			r->action = o.retval;
			r->verdict = meta.verdict;
			r->reason = meta.reason;
			r->rule_id = meta.rule_id;
			r->dir = meta.dir;
			r->seen_len = meta.seen_len;
		}
	}
	free(in);
	free(out);
	return err;
}
