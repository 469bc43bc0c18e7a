#!/bin/sh
# vmlinux/gen.sh - regenerate vmlinux/vmlinux.h from the running kernel's BTF.
# The checked-in copy lets fwctl build without BTF on the build machine; the
# BPF code uses CO-RE reads where it touches kernel structs, so it loads on
# other kernels too.
set -eu
cd "$(dirname "$0")/.."
btf=${1:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "vmlinux/gen.sh: $btf not readable: kernel built without BTF?" >&2; exit 1; }
bpftool btf dump file "$btf" format c > vmlinux/vmlinux.h.tmp
mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h
echo "vmlinux/vmlinux.h regenerated from $btf ($(uname -r))"
