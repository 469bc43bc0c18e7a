#!/bin/bash
# topology.sh - create and destroy the reference topology fwctl filters.
#
#   scripts/topology.sh up SUFFIX [veth|tap]    create it (prints nothing but errors)
#   scripts/topology.sh down SUFFIX             destroy it (idempotent, never fails)
#   source scripts/topology.sh; topo_names SUFFIX   only set the variables below
#
# SUFFIX is 1 to 6 characters of [a-z0-9]; it keeps several topologies (and a
# user's own interfaces) apart. Root only.
#
# veth (the default):
#
#   netns fwpriv-SUFFIX                 root netns                 netns fwpub-SUFFIX
#   "private" host                  (where fwctl runs)             "public" host
#   eth0 10.10.0.100/24  ===veth===  fwin-SUFFIX | XDP | fwout-SUFFIX  ===veth===  eth0 10.10.0.200/24
#        fd00::100/64                 "input"   filter  "output"                       fd00::200/64
#
#   then: fwctl attach fwin-SUFFIX fwout-SUFFIX
#         ip netns exec fwpriv-SUFFIX ping 10.10.0.200
#
# tap: fwin-SUFFIX and fwout-SUFFIX are persistent TAP devices in the root
# netns, up, with no address and no namespace: the process that opens them
# (TUNSETIFF, IFF_TAP|IFF_NO_PI) plays both hosts, as the VM on
# each side would.
#
# The filter's interfaces carry no address and have IPv6 disabled, so the
# root netns never sends anything through them by itself (no router
# solicitations or MLD reports to disturb counters), like ports of a bridge.
#
# Variables (set by topo_names): TOPO_SUFFIX TOPO_PRIV_NS TOPO_PUB_NS TOPO_IN TOPO_OUT
# TOPO_HOST_IF TOPO_PRIV_IP4 TOPO_PUB_IP4 TOPO_PRIV_IP6 TOPO_PUB_IP6

# shellcheck disable=SC2034  # for the scripts that source this one
topo_names() {
	TOPO_SUFFIX=$1
	TOPO_PRIV_NS=fwpriv-$1		# namespace of the private host
	TOPO_PUB_NS=fwpub-$1		# namespace of the public host
	TOPO_IN=fwin-$1			# filter's "input" (private side), root netns
	TOPO_OUT=fwout-$1		# filter's "output" (public side), root netns
	TOPO_HOST_IF=eth0		# each host's end of its veth, in its namespace
	TOPO_PRIV_IP4=10.10.0.100
	TOPO_PUB_IP4=10.10.0.200
	TOPO_PRIV_IP6=fd00::100
	TOPO_PUB_IP6=fd00::200
}

topo_check_suffix() {
	if ! [[ $1 =~ ^[a-z0-9]{1,6}$ ]]; then
		echo "topology.sh: bad suffix '$1': 1 to 6 characters of [a-z0-9]" >&2
		return 2
	fi
}

# One host: namespace, veth to the root netns, addresses, offloads.
topo_host_up() {
	local ns=$1 fw_if=$2 ip4=$3 ip6=$4 h=$TOPO_HOST_IF

	ip netns add "$ns" || return 1
	# Created directly inside the namespace, so "eth0" clashes with nothing.
	ip link add "$fw_if" type veth peer name "$h" netns "$ns" || return 1
	topo_quiet_if "$fw_if" || return 1

	ip -n "$ns" link set lo up || return 1
	# No duplicate address detection: addresses are usable at once, so the
	# first ping6 does not race DAD. No router solicitations either.
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		"net.ipv6.conf.$h.accept_dad=0" "net.ipv6.conf.$h.accept_ra=0" \
		"net.ipv6.conf.$h.router_solicitations=0" || return 1
	ip -n "$ns" addr add "$ip4/24" dev "$h" || return 1
	ip -n "$ns" -6 addr add "$ip6/64" dev "$h" nodad || return 1

	# GRO on: frames the filter redirects (XDP_REDIRECT, native mode) into
	# fw_if are handed to this end's NAPI queue, which only exists when GRO
	# (or an XDP program) is enabled here; without it the veth drops them
	# silently.
	# TX checksum offload off: with it on, the host sends TCP with partial
	# checksums (CHECKSUM_PARTIAL) that would be completed later by the
	# stack; an XDP-redirected frame loses that metadata and arrives with a
	# wrong checksum, so TCP would never connect. ICMP and UDP are not hurt
	# the same way, which makes this easy to miss.
	# tx-vlan-offload off: with it on, a VLAN device on the host keeps its
	# 802.1Q tag in skb metadata, which native XDP never sees: the frame
	# would be forwarded untagged.
	ip netns exec "$ns" ethtool -K "$h" gro on tx off txvlan off >/dev/null || return 1

	ip -n "$ns" link set "$h" up || return 1
	ip link set "$fw_if" up || return 1
}

# The filter's interfaces: no IPv6 (hence no link-local address, no MLD/RS
# traffic from the root netns) and up.
topo_quiet_if() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" >/dev/null
}

topo_up() {
	local kind=${2:-veth}

	topo_check_suffix "$1" || return 2
	topo_names "$1"
	if [ "$(id -u)" -ne 0 ]; then
		echo "topology.sh: must run as root" >&2
		return 1
	fi
	for i in "$TOPO_IN" "$TOPO_OUT"; do
		if ip link show dev "$i" >/dev/null 2>&1; then
			echo "topology.sh: interface $i already exists (topology.sh down $1 first)" >&2
			return 1
		fi
	done
	case $kind in
	veth)
		for n in "$TOPO_PRIV_NS" "$TOPO_PUB_NS"; do
			if [ -e "/run/netns/$n" ]; then
				echo "topology.sh: namespace $n already exists (topology.sh down $1 first)" >&2
				return 1
			fi
		done
		if ! topo_host_up "$TOPO_PRIV_NS" "$TOPO_IN" "$TOPO_PRIV_IP4" "$TOPO_PRIV_IP6" ||
		   ! topo_host_up "$TOPO_PUB_NS" "$TOPO_OUT" "$TOPO_PUB_IP4" "$TOPO_PUB_IP6"; then
			echo "topology.sh: creating the veth topology $1 failed" >&2
			topo_down "$1"
			return 1
		fi
		;;
	tap)
		local i
		for i in "$TOPO_IN" "$TOPO_OUT"; do
			if ! ip tuntap add dev "$i" mode tap ||
			   ! topo_quiet_if "$i" || ! ip link set "$i" up; then
				echo "topology.sh: creating tap $i failed" >&2
				topo_down "$1"
				return 1
			fi
		done
		;;
	*)
		echo "topology.sh: unknown kind '$kind': veth or tap" >&2
		return 2
		;;
	esac
}

# Everything that may exist, whatever the kind; never fails.
topo_down() {
	topo_check_suffix "$1" || return 2
	topo_names "$1"
	local n i
	for n in "$TOPO_PRIV_NS" "$TOPO_PUB_NS"; do
		# Deleting the namespace destroys its veth end and so the pair.
		[ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null
	done
	for i in "$TOPO_IN" "$TOPO_OUT"; do
		ip link del dev "$i" 2>/dev/null
	done
	# Namespace deletion is asynchronous: wait until the pair is gone so
	# that an immediate "up" with the same suffix succeeds.
	for _ in $(seq 50); do
		ip link show dev "$TOPO_IN" >/dev/null 2>&1 ||
			ip link show dev "$TOPO_OUT" >/dev/null 2>&1 || break
		sleep 0.1
	done
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	up)
		[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 up SUFFIX [veth|tap]" >&2; exit 2; }
		topo_up "$2" "${3:-veth}"
		;;
	down)
		[ $# -eq 2 ] || { echo "usage: $0 down SUFFIX" >&2; exit 2; }
		topo_down "$2"
		;;
	*)
		echo "usage: $0 up SUFFIX [veth|tap] | $0 down SUFFIX" >&2
		exit 2
		;;
	esac
fi
