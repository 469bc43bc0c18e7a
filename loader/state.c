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
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "fwctl.h"
#include "fwctl_trace.h"

int fwctl_lock_wait = FWCTL_LOCK_WAIT_DEFAULT;

/* The pin directory as given, and as resolved once by pin_dir(). */
static char pin_given[PATH_MAX], pin_canon[PATH_MAX];
static int pin_canon_err;	/* -errno when it could not be resolved */

/* "DIR/" names DIR: without this the split below finds an empty name. */
static void strip_slashes(char *path)
{
	size_t n;

	for (n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
		path[n - 1] = '\0';
}

static const char *pin_given_dir(void)
{
	const char *dir = getenv("FWCTL_PIN_DIR");

	snprintf(pin_given, sizeof(pin_given), "%s", dir && *dir ? dir : FWCTL_PIN_DIR);
	strip_slashes(pin_given);
	return pin_given;
}

/*
 * The absolute path without "//", "." or symlinks: the pins and the lock
 * are derived from it, so that every spelling of one directory (a trailing
 * slash, a relative path, a symlink) gets the same lock. A directory not
 * made yet is its parent's resolved path plus its name.
 */
static int canonicalise(const char *given, char *out, int depth)
{
	char parent[PATH_MAX], real[PATH_MAX], target[PATH_MAX];
	const char *name, *slash;
	struct stat st;
	ssize_t n;

	if (realpath(given, out))
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(given, '/');
	/* A symlink to the directory attach will make: follow it by hand. */
	if (!lstat(given, &st) && S_ISLNK(st.st_mode)) {
		n = readlink(given, target, sizeof(target) - 1);
		if (n < 0 || depth > 40)
			return n < 0 ? -errno : -ELOOP;
		target[n] = '\0';
		strip_slashes(target);
		if (target[0] == '/' || !slash)
			return canonicalise(target, out, depth + 1);
		if (snprintf(parent, sizeof(parent), "%.*s/%s", (int)(slash - given), given,
			     target) >= (int)sizeof(parent))
			return -ENAMETOOLONG;
		return canonicalise(parent, out, depth + 1);
	}
	name = slash ? slash + 1 : given;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -ENOENT;
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == given)
		snprintf(parent, sizeof(parent), "/");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - given), given);
	if (!realpath(parent, real))
		return -errno;
	if (snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "", name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

const char *pin_dir(void)
{
	if (!pin_canon[0] && !pin_canon_err) {
		pin_canon_err = canonicalise(pin_given_dir(), pin_canon, 0);
		if (pin_canon_err)	/* reported by state_prepare() */
			snprintf(pin_canon, sizeof(pin_canon), "%s", pin_given);
	}
	return pin_canon;
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

/*
 * /proc/PID/stat read into buf, from just after the command name (whose
 * parentheses and spaces would fool a scan): " S PPID ...". NULL if the
 * process is gone.
 */
const char *proc_stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

static pid_t parent_of(pid_t pid)
{
	const char *p;
	char buf[512];
	int ppid;

	p = proc_stat_fields(pid, buf, sizeof(buf));
	if (!p || sscanf(p, " %*c %d", &ppid) != 1)
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


/* --- the pin directory: where, on what, owned by whom -------------------- */

/* The pin directory, or the directory it will be made in, must be a bpffs. */
static int check_pin_fs(struct fwctl_err *e)
{
	char where[PATH_MAX], *slash;
	struct statfs fs;

	snprintf(where, sizeof(where), "%s", pin_dir());
	while (statfs(where, &fs)) {
		slash = strrchr(where, '/');
		if (errno != ENOENT || !slash || slash == where) {
			fwctl_err_set(e, "cannot check the pin directory %s: %s", pin_dir(),
				      strerror(errno));
			return -errno;
		}
		*slash = '\0';	/* not made yet: its parent decides */
	}
	if (fs.f_type == BPF_FS_MAGIC)
		return 0;
	fwctl_err_set(e, "pin directory %s: %s is not a bpffs, and pins need one (use "
			 "FWCTL_PIN_DIR=%s/NAME, or mount one: mount -t bpf bpf DIR)", pin_dir(),
		      where, FWCTL_BPFFS_ROOT);
	return -ENOTSUP;
}

static void owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s (uid %u)", pw->pw_name, (unsigned int)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned int)uid);
}

static int untrusted(const char *what, const char *path, const struct stat *st, const char *why,
		     struct fwctl_err *e)
{
	char owner[64];

	owner_name(st->st_uid, owner, sizeof(owner));
	fwctl_err_set(e, "untrusted %s %s: owner %s, mode %04o: %s", what, path, owner,
		      (unsigned int)(st->st_mode & 07777), why);
	return -EPERM;
}

/*
 * Whoever can write to a directory above the pins can replace them. A
 * shared directory is fine if it is root's and sticky (/sys/fs/bpf is
 * 1777 on some hosts): then nobody else can rename or remove root's entries.
 */
static int check_ancestors(struct fwctl_err *e)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	snprintf(path, sizeof(path), "%s", pin_dir());
	while ((slash = strrchr(path, '/'))) {
		slash[slash == path] = '\0';	/* keep "/" itself */
		if (stat(path, &st))
			return 0;	/* reported when used */
		if (st.st_uid || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
			return untrusted("parent directory", path, &st,
					 "others could replace the pins: use a pin directory in a "
					 "directory only root can change", e);
		if (slash == path)
			break;
	}
	return 0;
}

/*
 * Trust the pin directory only if root made it for itself. Anyone may
 * create it first where /sys/fs/bpf is world-writable, to block fwctl or
 * feed it maps of their own. Returns 1 if it exists, 0 if not.
 */
static int check_pin_dir(struct fwctl_err *e)
{
	struct stat st;
	int err;

	/* A symlink planted where the directory should be (the name as given). */
	if (!lstat(pin_given, &st) && S_ISLNK(st.st_mode) && st.st_uid)
		return untrusted("pin directory", pin_given, &st,
				 "a symlink root did not make (remove it)", e);
	err = check_ancestors(e);
	if (err)
		return err;
	if (lstat(pin_dir(), &st)) {
		if (errno == ENOENT)
			return 0;
		fwctl_err_set(e, "cannot check the pin directory %s: %s", pin_dir(), strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return untrusted("pin directory", pin_dir(), &st, "not a directory (remove it)", e);
	if (st.st_uid || (st.st_mode & 077))
		return untrusted("pin directory", pin_dir(), &st,
				 "fwctl makes it root's with mode 0700, so someone else made or "
				 "changed it (check it, then remove it)", e);
	return 1;
}

static bool fd_is(int fd, const char *kind)
{
	char link[32], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, kind);
}

/*
 * The name the kernel knows the map pinned as pin by: its own, but for the
 * trace control block, a data section's map named after the section.
 */
static const char *kernel_name(const char *pin)
{
	return strcmp(pin, FWCTL_STR(FWCTL_MAP_TRACE_CTL)) ? pin : FWCTL_TRACE_CTL_SEC;
}

/*
 * Is this pin an object fwctl makes: a map pinned under its own name (the
 * kernel keeps 15 characters of it), or a link (the watcher's)?
 */
static int check_pin(int dfd, const char *name, struct fwctl_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 256];
	struct stat st;
	bool ok = false;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir(), name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;	/* gone meanwhile */
	if (!S_ISREG(st.st_mode) || st.st_uid || (st.st_mode & 022))
		return untrusted("pin", path, &st, "fwctl did not make it (remove it)", e);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fwctl_err_set(e, "untrusted pin %s: not a BPF object (%s): fwctl did not make it "
				 "(remove it)", path, strerror(-fd));
		return -EPERM;
	}
	if (fd_is(fd, "anon_inode:bpf-link"))
		ok = true;
	else if (fd_is(fd, "anon_inode:bpf-map") && !bpf_obj_get_info_by_fd(fd, &info, &len))
		ok = info.name[0] && !strncmp(info.name, kernel_name(name), strlen(info.name));
	close(fd);
	if (ok)
		return 0;
	fwctl_err_set(e, "untrusted pin %s: not a map or link fwctl makes (%s%s): remove it",
		      path, info.name[0] ? "a map named " : "another kind of BPF object",
		      info.name);
	return -EPERM;
}

static int check_pins(struct fwctl_err *e)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(pin_dir());
	if (!d) {
		fwctl_err_set(e, "cannot read the pin directory %s: %s", pin_dir(), strerror(errno));
		return -errno;
	}
	while (!err && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			err = check_pin(dirfd(d), de->d_name, e);
	closedir(d);
	return err;
}

/* The config map must be exactly this fwctl's: its layout is the state. */
static int read_config(int fd, struct fwctl_config *cfg, struct fwctl_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;

	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_ARRAY &&
	    info.key_size == sizeof(key) && info.value_size == sizeof(*cfg) && info.max_entries == 1 &&
	    !bpf_map_lookup_elem(fd, &key, cfg))
		return 0;
	fwctl_err_set(e, "%s/%s is not the config map this fwctl makes (value of %u bytes, want %zu): "
			 "made by another version? detach with it, or remove %s", pin_dir(),
		      FWCTL_STR(FWCTL_MAP_CONFIG), info.value_size, sizeof(*cfg), pin_dir());
	return -EPERM;
}

int state_inspect(struct fwctl_config *cfg, struct fwctl_err *e)
{
	char path[PATH_MAX + 32];
	int fd, err;

	memset(cfg, 0, sizeof(*cfg));
	err = check_pin_dir(e);
	if (err <= 0)
		return err < 0 ? err : PINS_NONE;
	err = check_pins(e);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", pin_dir(), FWCTL_STR(FWCTL_MAP_CONFIG));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return PINS_PARTIAL;	/* killed before the maps were made */
	err = read_config(fd, cfg, e);
	close(fd);
	if (err)
		return err;
	/* attach writes attached_at last, once both programs are in place. */
	return cfg->attached_at && cfg->ifindex[0] && cfg->ifindex[1] ? PINS_COMPLETE : PINS_PARTIAL;
}

/* --- the lock ------------------------------------------------------------ */

/*
 * One lock per pin directory: /run/fwctl.lock for the default one,
 * /run/fwctl-NAME.lock for any other .../NAME. The name is taken from the
 * resolved path, so every spelling of a directory gets the same lock (two
 * directories of one name share it: one call waits for the other, no harm).
 */
static const char *lock_path(char *buf, size_t len)
{
	const char *dir = pin_dir(), *name = strrchr(dir, '/');

	if (!strcmp(dir, FWCTL_PIN_DIR) || !name || !name[1])
		return FWCTL_LOCK_FILE;
	snprintf(buf, len, "/run/fwctl-%s.lock", name + 1);
	return buf;
}

static volatile sig_atomic_t lock_tick;

static void on_lock_tick(int sig)
{
	(void)sig;
	lock_tick = 1;	/* only there to interrupt flock() */
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void holder_name(int pid, char *buf, size_t len)
{
	char path[32], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f && fgets(comm, sizeof(comm), f))
		comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
	snprintf(buf, len, " by %s (pid %d)", comm[0] ? comm : "process", pid);
}

/* " by fwctl (pid N)": who holds the lock on fd's file, as /proc/locks says. */
static void lock_holder(int fd, char *buf, size_t len)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256], kind[16];
	struct stat st;
	FILE *f;
	int pid;

	buf[0] = '\0';
	if (fstat(fd, &st))
		return;
	f = fopen("/proc/locks", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; waiters say "->" */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj, &min, &ino) == 5 &&
		    !strcmp(kind, "FLOCK") && ino == st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev) && pid != getpid()) {
			holder_name(pid, buf, len);
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * Block in flock() for up to fwctl_lock_wait seconds. A periodic timer
 * interrupts it (EINTR) so the deadline and the notice after 1 s are kept;
 * periodic, so a tick landing just before flock() blocks costs only 0.1 s.
 */
static int lock_wait(int fd, const char *path, struct fwctl_err *e)
{
	struct itimerval tick = { { 0, 100000 }, { 0, 100000 } }, off = {};
	struct sigaction sa = { .sa_handler = on_lock_tick }, old;
	double start = mono_now(), waited;
	bool said = false;
	char who[64];
	int err = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: flock() returns EINTR */
	setitimer(ITIMER_REAL, &tick, NULL);
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			err = -errno;
			fwctl_err_set(e, "cannot lock %s: %s", path, strerror(errno));
			break;
		}
		waited = mono_now() - start;
		lock_holder(fd, who, sizeof(who));
		if (waited >= fwctl_lock_wait) {
			err = -ETIMEDOUT;
			fwctl_err_set(e, "gave up after %d s: the lock %s on %s is still held%s (wait "
					 "longer with 'fwctl --wait SECONDS ...')", fwctl_lock_wait, path,
				      pin_dir(), who);
			break;
		}
		if (!said && waited >= 1) {
			fprintf(stderr, "fwctl: waiting for the lock %s on %s, held%s (up to %d s, "
					"see --wait)\n", path, pin_dir(), who, fwctl_lock_wait);
			said = true;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	return err;
}

int state_lock(struct fwctl_err *e)
{
	char buf[PATH_MAX + 32], who[64];
	const char *path = lock_path(buf, sizeof(buf));
	int fd, err;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fwctl_err_set(e, "cannot open lock file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err != -EWOULDBLOCK) {
			fwctl_err_set(e, "cannot lock %s: %s", path, strerror(-err));
		} else if (fwctl_lock_wait <= 0) {
			lock_holder(fd, who, sizeof(who));
			fwctl_err_set(e, "the lock %s on %s is held%s, and --wait 0 says not to "
					 "wait", path, pin_dir(), who);
		} else {
			err = lock_wait(fd, path, e);
		}
		if (err) {
			close(fd);
			return err;
		}
	}
	return fd;	/* held until closed (or the process dies) */
}

int state_trylock(void)
{
	char buf[PATH_MAX + 32];
	int fd = open(lock_path(buf, sizeof(buf)), O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -EWOULDBLOCK;
	}
	return fd < 0 ? -errno : fd;
}

void state_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}

int state_prepare(bool may_mount, struct fwctl_err *e)
{
	int err;

	err = state_check_root(e);
	if (!err)
		err = state_check_bpffs(may_mount, e);
	if (err)
		return err;
	pin_dir();
	if (pin_canon_err) {
		fwctl_err_set(e, "cannot resolve the pin directory %s: %s", pin_given,
			      strerror(-pin_canon_err));
		return pin_canon_err;
	}
	err = check_pin_fs(e);
	if (err)
		return err;
	return state_lock(e);
}

/* --- the network namespace attach ran in ---------------------------------- */

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int netns_cookie(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;	/* ENOPROTOOPT before Linux 5.14 */
	close(fd);
	return err;
}

/* Cookie of the namespace at path; the caller's is restored (self). */
static bool netns_at_is(const char *path, int self, __u64 cookie)
{
	__u64 there = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!setns(fd, CLONE_NEWNET)) {
		netns_cookie(&there);
		if (setns(self, CLONE_NEWNET))
			there = 0;	/* stranded: the caller refuses anyway */
	}
	close(fd);
	return there == cookie;
}

/* A process in it, PID 1 first: "/proc/PID/ns/net". Each namespace is tried once. */
static bool netns_find_process(__u64 cookie, int self, char *path, size_t len)
{
	ino_t seen[64];
	struct dirent *de;
	struct stat st;
	int n = 0, i;
	bool found;
	DIR *d;

	snprintf(path, len, "/proc/1/ns/net");
	if (netns_at_is(path, self, cookie))
		return true;
	d = opendir("/proc");
	for (found = false; d && !found && n < 64 && (de = readdir(d));) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, len, "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st))
			continue;
		for (i = 0; i < n && seen[i] != st.st_ino; i++)
			;
		if (i < n)
			continue;
		seen[n++] = st.st_ino;
		found = netns_at_is(path, self, cookie);
	}
	if (d)
		closedir(d);
	return found;
}

/* Where the namespace with this cookie can be entered: "/run/netns/NAME"... */
static bool netns_find(__u64 cookie, char *path, size_t len)
{
	struct dirent *de;
	bool found = false;
	DIR *d;
	int self;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return false;
	d = opendir("/run/netns");
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, len, "/run/netns/%s", de->d_name);
		found = netns_at_is(path, self, cookie);
	}
	if (d)
		closedir(d);
	if (!found)
		found = netns_find_process(cookie, self, path, len);
	close(self);
	return found;
}

int state_check_netns(const struct fwctl_config *cfg, const char *cmd, struct fwctl_err *e)
{
	char where[PATH_MAX];
	__u64 here;

	/* 0: attached before fwctl recorded it, or a kernel without cookies. */
	if (!cfg->netns_cookie || netns_cookie(&here) || here == cfg->netns_cookie)
		return 0;
	if (netns_find(cfg->netns_cookie, where, sizeof(where)))
		fwctl_err_set(e, "attached in another network namespace, %s (cookie %llu; this is "
				 "%llu): run fwctl there, e.g. nsenter --net=%s fwctl %s", where,
			      (unsigned long long)cfg->netns_cookie, (unsigned long long)here, where,
			      cmd);
	else
		fwctl_err_set(e, "attached in another network namespace (cookie %llu; this is %llu), "
				 "not one in /run/netns: run fwctl there, e.g. nsenter "
				 "--net=/proc/PID/ns/net fwctl %s (PID: a process in it)",
			      (unsigned long long)cfg->netns_cookie, (unsigned long long)here, cmd);
	return -EXDEV;
}

/* --- opening an attached fwctl -------------------------------------------- */

static int open_state(struct fwctl_state *s, struct fwctl_err *e)
{
	int err;

	memset(&s->maps, -1, sizeof(s->maps));
	s->lock_fd = state_prepare(false, e);
	if (s->lock_fd < 0)
		return s->lock_fd;
	err = state_inspect(&s->cfg, e);
	if (err == PINS_NONE) {
		fwctl_err_set(e, "not attached: run 'fwctl attach IF_IN IF_OUT' first");
		err = -ENOENT;
	} else if (err == PINS_PARTIAL) {
		fwctl_err_set(e, "incomplete attach in %s (an attach was interrupted): run 'fwctl "
				 "detach' to clean it up, or 'fwctl attach' again", pin_dir());
		err = -ESTALE;
	}
	if (err < 0)
		goto fail;
	err = maps_open_pinned(pin_dir(), &s->maps, e);
	if (err)
		goto fail;
	err = config_read(&s->maps, &s->cfg);
	if (err) {
		fwctl_err_set(e, "cannot read %s/%s: %s", pin_dir(),
			      FWCTL_STR(FWCTL_MAP_CONFIG), strerror(-err));
		goto fail;
	}
	return 0;
fail:
	state_close(s);
	return err;
}

int state_open(struct fwctl_state *s, struct fwctl_err *e)
{
	return open_state(s, e);
}

void state_close(struct fwctl_state *s)
{
	maps_close(&s->maps);
	state_unlock(s->lock_fd);
	s->lock_fd = -1;
}
