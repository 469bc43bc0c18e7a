// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - what ties one fwctl call to the next: the pin directory on
 * bpffs, the lock that serializes concurrent calls, and the checks that
 * explain why either is unusable (not root, no bpffs, not attached).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "fwctl.h"

const char *pin_dir(void)
{
	const char *dir = getenv("FWCTL_PIN_DIR");

	return dir && *dir ? dir : FWCTL_PIN_DIR;
}

int state_check_root(struct fwctl_err *e)
{
	if (geteuid() == 0)
		return 0;
	fwctl_err_set(e, "permission denied: fwctl must run as root (it loads BPF programs and "
			 "changes pinned maps)");
	return -EPERM;
}

static int mount_ns_of(const char *pid, struct stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	return stat(path, st);
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the name may hold spaces and parentheses */
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/*
 * Is this process in a mount namespace of its own, as under `ip netns exec`
 * or `unshare -m`? Then a bpffs mounted here would vanish with it. PID 1 is
 * not always readable (containers), so every ancestor we can see is asked.
 */
static bool in_private_mount_ns(void)
{
	struct stat self, other;
	char pid[16];
	pid_t p;

	if (mount_ns_of("self", &self))
		return false;
	for (p = getppid(); p > 0; p = p == 1 ? 0 : parent_of(p)) {
		snprintf(pid, sizeof(pid), "%d", p);
		if (!mount_ns_of(pid, &other) &&
		    (other.st_ino != self.st_ino || other.st_dev != self.st_dev))
			return true;
	}
	return false;
}

static bool is_bpffs(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == BPF_FS_MAGIC;
}

int state_check_bpffs(bool may_mount, struct fwctl_err *e)
{
	struct statfs fs;

	if (is_bpffs(FWCTL_BPFFS_ROOT))
		return 0;
	if (in_private_mount_ns()) {
		fwctl_err_set(e, "%s is not a bpffs in this mount namespace (under 'ip netns exec'? "
				 "pins made here would vanish: use 'nsenter --net=/run/netns/NAME fwctl ...')",
			      FWCTL_BPFFS_ROOT);
		return -ENOTSUP;
	}
	/* A bare sysfs directory can take a bpffs; someone else's mount cannot. */
	if (may_mount && !statfs(FWCTL_BPFFS_ROOT, &fs) && fs.f_type == SYSFS_MAGIC) {
		/* What systemd does at boot; machines without it lack the mount. */
		if (!mount("bpf", FWCTL_BPFFS_ROOT, "bpf", 0, "mode=0700") && is_bpffs(FWCTL_BPFFS_ROOT))
			return 0;
		fwctl_err_set(e, "%s is not a bpffs and mounting one failed: %s", FWCTL_BPFFS_ROOT,
			      strerror(errno));
		return -ENOTSUP;
	}
	if (!may_mount && !statfs(FWCTL_BPFFS_ROOT, &fs) && fs.f_type == SYSFS_MAGIC) {
		/* No bpffs yet: attach would mount one, so nothing is attached. */
		fwctl_err_set(e, "not attached (no bpffs mounted at %s yet): run 'fwctl attach "
				 "IF_IN IF_OUT' first", FWCTL_BPFFS_ROOT);
		return -ENOENT;
	}
	fwctl_err_set(e, "%s is not a bpffs (mount one: mount -t bpf bpf %s)", FWCTL_BPFFS_ROOT,
		      FWCTL_BPFFS_ROOT);
	return -ENOTSUP;
}

/*
 * One lock per pin directory: /run/fwctl.lock for the default one,
 * /run/fwctl-NAME.lock for $FWCTL_PIN_DIR=.../NAME, so that independent
 * filters do not wait for each other.
 */
static const char *lock_path(char *buf, size_t len)
{
	const char *name = strrchr(pin_dir(), '/');

	if (!strcmp(pin_dir(), FWCTL_PIN_DIR) || !name || !name[1])
		return FWCTL_LOCK_FILE;
	snprintf(buf, len, "/run/fwctl-%s.lock", name + 1);
	return buf;
}

int state_lock(struct fwctl_err *e)
{
	char buf[300];
	const char *path = lock_path(buf, sizeof(buf));
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fwctl_err_set(e, "cannot open lock file %s: %s", path, strerror(errno));
		return -errno;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		fwctl_err_set(e, "cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return -errno;
	}
	return fd;	/* held until closed (or the process dies) */
}

void state_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}

bool state_attached(void)
{
	struct stat st;

	return !stat(pin_dir(), &st) && S_ISDIR(st.st_mode);
}

static int open_state(struct fwctl_state *s, bool repair, struct fwctl_err *e)
{
	int err;

	memset(&s->maps, -1, sizeof(s->maps));
	s->lock_fd = -1;

	err = state_check_root(e);
	if (err)
		return err;
	err = state_check_bpffs(false, e);
	if (err)
		return err;
	s->lock_fd = state_lock(e);
	if (s->lock_fd < 0)
		return s->lock_fd;
	if (!state_attached()) {
		fwctl_err_set(e, "not attached: run 'fwctl attach IF_IN IF_OUT' first");
		err = -ENOENT;
		goto fail;
	}
	err = maps_open_pinned(pin_dir(), &s->maps, e);
	if (err)
		goto fail;
	err = config_read(&s->maps, &s->cfg);
	if (err) {
		fwctl_err_set(e, "cannot read %s/%s: %s", pin_dir(),
			      FWCTL_STR(FWCTL_MAP_CONFIG), strerror(-err));
		goto fail;
	}
	/* Whatever a killed fwctl left half done is repaired before anything else. */
	if (repair) {
		err = ruleset_recover(&s->maps, e);
		if (err < 0)
			goto fail;
	}
	return 0;
fail:
	state_close(s);
	return err;
}

int state_open(struct fwctl_state *s, struct fwctl_err *e)
{
	return open_state(s, true, e);
}

int state_open_for_rule_change(struct fwctl_state *s, struct fwctl_err *e)
{
	return open_state(s, false, e);
}

void state_close(struct fwctl_state *s)
{
	maps_close(&s->maps);
	state_unlock(s->lock_fd);
	s->lock_fd = -1;
}
