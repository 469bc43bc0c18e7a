// SPDX-License-Identifier: GPL-2.0
/*
 * version.c - "fwctl --version": fwctl's version and the libbpf and libxdp
 * it runs with, which may differ from those it was built against.
 *
 * libbpf reports its own version (libbpf_version_string()). libxdp 1.3 has
 * no such call, so its version is read from the file name of the shared
 * object actually loaded (dladdr() on one of its functions, then realpath():
 * "libxdp.so.1.3.0"), and said to come from there. A static link has no
 * such file: only the version built against (pkg-config at build time) is
 * known then, and it is labelled as that.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "cli.h"

#ifndef FWCTL_LIBBPF_BUILT
#define FWCTL_LIBBPF_BUILT "unknown"
#endif
#ifndef FWCTL_LIBXDP_BUILT
#define FWCTL_LIBXDP_BUILT "unknown"
#endif

/*
 * The real path of the shared object holding fn, and in *ver the version in
 * its file name ("libxdp.so.1.3.0" -> "1.3.0"); false if fn is not in a
 * shared object named after lib (linked statically).
 */
static bool loaded_from(const void *fn, const char *lib, char *path, const char **ver)
{
	char stem[64];
	const char *base;
	Dl_info info;

	if (!dladdr(fn, &info) || !info.dli_fname || !realpath(info.dli_fname, path))
		return false;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(stem, sizeof(stem), "%s.so", lib);
	if (strncmp(base, stem, strlen(stem)))
		return false;
	base += strlen(stem);
	*ver = *base == '.' ? base + 1 : "unknown";
	return true;
}

static void print_lib(const char *lib, const char *runtime, const void *fn, const char *built)
{
	char path[PATH_MAX];
	const char *ver;

	if (!loaded_from(fn, lib, path, &ver)) {
		printf("%s %s (linked statically; built against %s)\n", lib,
		       runtime ? runtime : built, built);
		return;
	}
	if (runtime)
		printf("%s %s (loaded: %s; built against %s)\n", lib, runtime, path, built);
	else
		printf("%s %s (version of the loaded file %s; built against %s)\n", lib, ver,
		       path, built);
}

int print_version(void)
{
	const char *bpf = libbpf_version_string();

	printf("fwctl %s\n", FWCTL_VERSION);
	/* "v1.1": drop the v, like the other versions shown. */
	print_lib("libbpf", bpf + (*bpf == 'v'), (const void *)libbpf_version_string,
		  FWCTL_LIBBPF_BUILT);
	print_lib("libxdp", NULL, (const void *)xdp_program__open_file, FWCTL_LIBXDP_BUILT);
	return 0;
}
