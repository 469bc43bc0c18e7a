#!/bin/bash
# check-fresh-debian.sh - do the README's two commands take a bare Debian 12
# to a passing test run and to the demo? Runs each command, exactly as the
# README's "The two commands" section writes it, as root in its own fresh
# `debootstrap --variant=minbase bookworm` chroot (no make, no compiler, no
# sudo) holding a copy of this source tree, and reports pass or fail. Root.
#
#   scripts/check-fresh-debian.sh [--head] [--keep] [--only demo|test] [WORKDIR]
#
#   --head   copy HEAD (git archive) instead of the working tree (tracked and
#            untracked files that git does not ignore)
#   --keep   leave the chroots in WORKDIR (unmounted)
#   --only   run only the README command containing "make demo" or "make test"
#   WORKDIR  where the chroots go (default: a new /var/tmp/fwctl-fresh.XXXXXX)
#
# The chroot shares the host's kernel and network namespace: the suites and
# the demo name everything they create uniquely, as they do on any host.
# For `ip netns add` to work inside, the chroot directory is bind-mounted onto
# itself (a mount point, as / is); /proc, /sys and /dev are bound from the
# host and a fresh bpffs is mounted on its /sys/fs/bpf. Every mount is
# removed on exit, whatever happens. DEBIAN_MIRROR picks a mirror;
# CHECK_TIMEOUT (seconds, default 5400) bounds each command.
# Exit status: 0 if both commands passed, 1 if one failed, 2 usage.
set -u
cd "$(dirname "$0")/.." || exit 2
SRC=$PWD

head=0 keep=0 only=
while [ $# -gt 0 ]; do
	case $1 in
	--head) head=1 ;;
	--keep) keep=1 ;;
	--only) only=${2:-}; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "check-fresh-debian: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
case $only in ''|demo|test) ;; *) echo "check-fresh-debian: --only demo or test" >&2; exit 2 ;; esac
[ $# -le 1 ] || { echo "check-fresh-debian: one WORKDIR at most" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
	echo "check-fresh-debian: must run as root (debootstrap, chroot, mount)" >&2
	exit 2
fi
if ! command -v debootstrap >/dev/null; then
	echo "check-fresh-debian: installing debootstrap"
	apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
		{ echo "check-fresh-debian: cannot install debootstrap" >&2; exit 1; }
fi

WORK=${1:-$(mktemp -d /var/tmp/fwctl-fresh.XXXXXX)}
mkdir -p "$WORK" || exit 1
WORK=$(realpath "$WORK")
BASE=$WORK/base
CHILD=			# the command running (debootstrap, the chroot)

# The README's two commands: the indented lines of "## The two commands".
mapfile -t CMDS < <(awk '/^## /{on = ($0 == "## The two commands")} on && /^    [^ ]/' \
	README.md | sed -e 's/^    //' -e 's/ *#.*$//')
if [ ${#CMDS[@]} -ne 2 ]; then
	echo "check-fresh-debian: README.md's \"The two commands\" has ${#CMDS[@]} commands, not 2" >&2
	exit 1
fi

# Everything mounted below $1, deepest first.
mounts_below() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

# Processes whose root is below $1: only ever those of our commands.
chroot_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$1"/*) echo "${p#/proc/}" ;; esac
	done
}

unmount_below() {
	local d=$1 m
	for m in $(mounts_below "$d"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if [ -n "$(mounts_below "$d")" ]; then
		echo "check-fresh-debian: still mounted below $d: $(mounts_below "$d" | tr '\n' ' ')" >&2
		return 1
	fi
}

# run_child CMD...: run CMD as the child that an interruption stops; its status.
run_child() {
	"$@" &
	CHILD=$!
	wait "$CHILD"
	local rc=$?
	CHILD=
	return $rc
}

cleanup() {
	local p
	trap - EXIT INT TERM
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	for p in $(chroot_pids "$WORK"); do
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.5
	unmount_below "$WORK" || keep=1
	# Never remove a tree with anything still mounted in it.
	if [ "$keep" = 0 ] && [ -z "$(mounts_below "$WORK")" ]; then
		rm -rf --one-file-system "$WORK"
	elif [ "$keep" = 1 ]; then
		echo "check-fresh-debian: kept $WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The source tree, as a tar stream on stdout.
source_tar() {
	if [ "$head" = 1 ]; then
		git -C "$SRC" archive --format=tar HEAD
	elif git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$SRC" ls-files -z --cached --others --exclude-standard |
			(cd "$SRC" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			 tar --null -T - -cf -)
	else
		tar -C "$SRC" --exclude=./build -cf - .
	fi
}

echo "== debootstrap --variant=minbase bookworm (log: $WORK/debootstrap.log)"
t0=$SECONDS
# shellcheck disable=SC2086
if ! run_child debootstrap --variant=minbase bookworm "$BASE" ${DEBIAN_MIRROR:-} >"$WORK/debootstrap.log" 2>&1; then
	tail -n 5 "$WORK/debootstrap.log"
	echo "FAIL: fresh Debian 12: debootstrap failed"
	exit 1
fi
echo "   $((SECONDS - t0)) s; present: $(chroot "$BASE" sh -c 'for t in make cc gcc clang sudo; do command -v $t >/dev/null && printf "%s " $t; done; echo')(none of make cc gcc clang sudo expected)"

# run_in_fresh NAME CMD: CMD in a copy of the base system, as root, from the
# top of the source tree, with a login-like environment; status of CMD.
run_in_fresh() {
	local name=$1 cmd=$2 d=$WORK/$1 rc
	cp -a "$BASE" "$d" || return 1
	mkdir -p "$d/root/fwctl"
	source_tar | tar -C "$d/root/fwctl" -xf - || return 1
	mount --bind "$d" "$d" &&
	mount --make-private "$d" &&
	mount --bind /proc "$d/proc" &&
	mount --bind /sys "$d/sys" &&
	mount -t bpf bpf "$d/sys/fs/bpf" &&
	mount --bind /dev "$d/dev" || {
		echo "check-fresh-debian: mounting /proc, /sys, bpffs or /dev in $d failed" >&2
		unmount_below "$d"
		return 1
	}
	mount --bind /dev/pts "$d/dev/pts" 2>/dev/null
	cp /etc/resolv.conf "$d/etc/resolv.conf" 2>/dev/null

	run_child timeout -k 30 "${CHECK_TIMEOUT:-5400}" chroot "$d" /usr/bin/env -i HOME=/root USER=root \
		LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/fwctl && $cmd" </dev/null >"$WORK/$name.log" 2>&1
	rc=$?
	unmount_below "$d" || keep=1
	[ "$keep" = 1 ] || rm -rf --one-file-system "$d"
	return $rc
}

failed=0
for cmd in "${CMDS[@]}"; do
	case $cmd in
	*"make demo"*) name="demo" ;;
	*"make test"*) name="test" ;;
	*) echo "check-fresh-debian: README command '$cmd' is neither make demo nor make test" >&2
	   failed=1; continue ;;
	esac
	[ -n "$only" ] && [ "$only" != "$name" ] && continue
	echo "== in a fresh chroot, as root: $cmd (log: $WORK/$name.log)"
	t0=$SECONDS
	run_in_fresh "$name" "$cmd"
	rc=$?
	secs=$((SECONDS - t0))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/$name.log" | tail -n 1)
	[ "$name" = demo ] && summary="$(grep -c ')  OK$' "$WORK/$name.log") reference checks OK, $(grep -c ')  MISMATCH$' "$WORK/$name.log") mismatched"
	grep -E '^(FAIL|SKIP): ' "$WORK/$name.log" | head -n 20 | sed 's/^/   | /'
	if [ $rc -eq 0 ]; then
		echo "PASS: fresh Debian 12: '$cmd' (${secs} s; $summary)"
	else
		tail -n 15 "$WORK/$name.log" | sed 's/^/   | /'
		echo "FAIL: fresh Debian 12: '$cmd': exit $rc after ${secs} s ($summary)"
		failed=1
	fi
done
[ "$failed" = 1 ] && keep=1
exit $failed
