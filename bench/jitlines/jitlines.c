// SPDX-License-Identifier: GPL-2.0
/*
 * jitlines - map a loaded BPF program's JITed code back to its source lines,
 * for profiles: bpftool here has no libbfd (no `dump jited`) and perf cannot
 * annotate BPF, but perf does give "bpf_prog_<tag>_<name>+0xOFF" per sample.
 *
 *   jitlines PROG_ID
 *
 * Prints one line per line-info record: the JITed offset (hex) where it
 * starts, the xlated instruction index, and the source line text (from the
 * program's BTF), e.g. "0x1d 1 ctx->data_end". bench/profile.sh joins this
 * with perf samples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n_jli, n_li, i;
	struct bpf_line_info *li = NULL;
	struct btf *btf = NULL;
	__u64 *jli = NULL;
	int fd, err = 1;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr, "usage: jitlines PROG_ID\n");
		return argc == 2 ? 0 : 2;
	}
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "jitlines: program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	n_jli = info.nr_jited_line_info;
	n_li = info.nr_line_info;
	if (!n_jli || n_jli != n_li || !info.btf_id) {
		fprintf(stderr, "jitlines: program %s has no JITed line info\n", argv[1]);
		return 1;
	}
	jli = calloc(n_jli, sizeof(*jli));
	li = calloc(n_li, sizeof(*li));
	if (!jli || !li)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_jited_line_info = n_jli;
	info.jited_line_info = (unsigned long)jli;
	info.jited_line_info_rec_size = sizeof(*jli);
	info.nr_line_info = n_li;
	info.line_info = (unsigned long)li;
	info.line_info_rec_size = sizeof(*li);
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "jitlines: line info: %s\n", strerror(errno));
		goto out;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf) {
		fprintf(stderr, "jitlines: BTF %u: %s\n", info.btf_id, strerror(errno));
		goto out;
	}
	for (i = 0; i < n_jli; i++) {
		const char *line = btf__name_by_offset(btf, li[i].line_off);

		while (line && (*line == ' ' || *line == '\t'))
			line++;
		printf("0x%llx %u %s\n", (unsigned long long)(jli[i] - jli[0]), li[i].insn_off,
		       line ? line : "?");
	}
	err = 0;
out:
	btf__free(btf);
	free(jli);
	free(li);
	return err;
}
