#!/bin/sh
# install-deps.sh - install the Debian 12 packages fwctl needs, as root.
# Runs on a bare Debian (no make, no compiler, no sudo: only sh, dpkg and
# apt-get), which is why it is the first of the README's two commands.
# Idempotent; prints nothing when all is present.
#
#   scripts/install-deps.sh [GROUP]          install what is missing (root)
#   scripts/install-deps.sh --check [GROUP]  list what is missing and how to
#                                            install it; exit 1 if anything is
#   scripts/install-deps.sh --list [GROUP]   print the group's packages
#
# GROUP: build (compile fwctl: what `make` needs), run (build, plus what
# `make test` and `make demo` use; the default), bench (run, plus what the
# benchmarks use).
set -eu

BUILD_PKGS="
clang make gcc libc6-dev pkg-config
libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev libpcap-dev libjson-c-dev
libmicrohttpd-dev
"
RUN_PKGS="
iproute2 ethtool iputils-ping netcat-openbsd iperf3 procps jq strace
util-linux kmod tcpdump tshark python3 prometheus curl
"
BENCH_PKGS="
llvm xdp-tools time nftables bridge-utils gnuplot-nox linux-perf
"

usage() {
	echo "usage: $0 [--check|--list] [build|run|bench]" >&2
	exit 2
}

check=0 list=0
case ${1:-} in
--check) check=1; shift ;;
--list) list=1; shift ;;
esac
[ $# -le 1 ] || usage
case ${1:-run} in
build)	packages=$BUILD_PKGS ;;
run)	packages="$BUILD_PKGS $RUN_PKGS" ;;
bench)	packages="$BUILD_PKGS $RUN_PKGS $BENCH_PKGS" ;;
*)	usage ;;
esac
group=${1:-run}
if [ "$list" = 1 ]; then
	# shellcheck disable=SC2086  # one line, the words of the list
	echo $packages
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: not a Debian system (no dpkg-query/apt-get): install the equivalents of:" \
		$packages >&2
	exit 1
fi

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$check" = 1 ]; then
	echo "missing packages:$missing" >&2
	echo "install them as root with: scripts/install-deps.sh $group" \
		"(or: apt-get install$missing)" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root to install them" \
		"(scripts/install-deps.sh $group, or: apt-get install$missing)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
