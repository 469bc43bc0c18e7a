#!/bin/sh
# install-deps.sh - install what fwctl needs to build, test, demo and bench,
# from Debian 12 packages. Idempotent; prints nothing when all is present.
#
#   scripts/install-deps.sh          install what is missing (root)
#   scripts/install-deps.sh --check  exit 1 and list what is missing
set -eu

PACKAGES="
clang llvm make gcc pkg-config
libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev libpcap-dev libjson-c-dev
iproute2 ethtool iputils-ping netcat-openbsd iperf3 tcpdump tshark procps jq strace time
util-linux kmod sudo nftables bridge-utils gnuplot-nox python3 linux-perf
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "${1:-}" = "--check" ]; then
	echo "missing packages:$missing"
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo make) to install them" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
