// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - trace sessions: slots of the pinned trace maps, claimed,
 * kept alive by a heartbeat and given back.
 *
 * The control block (fwctl_trace_ctl) is mmapped: each reader writes only
 * its own slot and its own byte of on[] with plain stores, and the program
 * only ever clears the on[] byte of a stale slot, so concurrent readers
 * never overwrite each other. Claims, releases and re-arms take fwctl's
 * lock. Putting a ring into fwctl_trace_rings (or taking it out) returns
 * after an RCU grace period: once it returns, no program run still works
 * with what the slot held before, which orders every step below.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "trace.h"

/* Ring buffer bytes per level: about 6,000 records each. */
#define RING_L1		(1u << 20)
#define RING_L2		(8u << 20)

static const char *const trace_map_names[] = {
	FWCTL_STR(FWCTL_MAP_TRACE_CTL),
	FWCTL_STR(FWCTL_MAP_TRACE_RINGS),
	FWCTL_STR(FWCTL_MAP_TRACE_RATE),
	FWCTL_STR(FWCTL_MAP_TRACE_LOST),
};
#define TRACE_MAP_COUNT	4

static int *trace_map_fd(struct trace_maps *tm, int i)
{
	int *fds[TRACE_MAP_COUNT] = { &tm->ctl, &tm->rings, &tm->rate, &tm->lost };

	return fds[i];
}

__u64 trace_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int ctl_map(struct trace_maps *tm, struct fwctl_err *e)
{
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	tm->ctl_len = (sizeof(struct fwctl_trace_ctl) + page - 1) / page * page;
	mem = mmap(NULL, tm->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED, tm->ctl, 0);
	if (mem == MAP_FAILED) {
		fwctl_err_set(e, "cannot map %s: %s", trace_map_names[0], strerror(errno));
		tm->ctl_mem = NULL;
		return -errno;
	}
	tm->ctl_mem = mem;
	return 0;
}

int trace_maps_open_pinned(const char *dir, struct trace_maps *tm, struct fwctl_err *e)
{
	char path[256];
	int i, fd, err;

	memset(tm, 0, sizeof(*tm));
	tm->ctl = tm->rings = tm->rate = tm->lost = -1;
	tm->owned = tm->lock = true;
	for (i = 0; i < TRACE_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, trace_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			fwctl_err_set(e, "cannot open pinned map %s: %s%s", path, strerror(-fd),
				      fd == -ENOENT ? " (attached by a fwctl without tracing? "
						      "detach and attach again)" : "");
			trace_maps_close(tm);
			return fd;
		}
		*trace_map_fd(tm, i) = fd;
	}
	err = ctl_map(tm, e);
	if (err)
		trace_maps_close(tm);
	return err;
}

int trace_maps_from_object(struct bpf_object *obj, struct trace_maps *tm, struct fwctl_err *e)
{
	struct bpf_map *map;
	int i;

	memset(tm, 0, sizeof(*tm));
	for (i = 0; i < TRACE_MAP_COUNT; i++) {
		map = bpf_object__find_map_by_name(obj, i ? trace_map_names[i] : FWCTL_TRACE_CTL_SEC);
		if (!map || bpf_map__fd(map) < 0) {
			fwctl_err_set(e, "the BPF object has no map %s", trace_map_names[i]);
			return -ENOENT;
		}
		*trace_map_fd(tm, i) = bpf_map__fd(map);	/* borrowed */
	}
	return ctl_map(tm, e);
}

int trace_ctl_share(struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, FWCTL_TRACE_CTL_SEC);
	char path[256];

	if (!map)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", pin_dir(), trace_map_names[0]);
	return bpf_map__set_pin_path(map, path);
}

void trace_maps_close(struct trace_maps *tm)
{
	int i;

	if (tm->ctl_mem)
		munmap((void *)tm->ctl_mem, tm->ctl_len);
	tm->ctl_mem = NULL;
	for (i = 0; i < TRACE_MAP_COUNT && tm->owned; i++)
		if (*trace_map_fd(tm, i) >= 0)
			close(*trace_map_fd(tm, i));
	for (i = 0; i < TRACE_MAP_COUNT; i++)
		*trace_map_fd(tm, i) = -1;
}

int trace_maps_unpin(const char *dir)
{
	char path[256];
	int i, err = 0;

	for (i = 0; i < TRACE_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, trace_map_names[i]);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int trace_lost_read(const struct trace_maps *tm, int slot, struct fwctl_trace_lost *out)
{
	int ncpus = libbpf_num_possible_cpus(), cpu, err = 0;
	struct fwctl_trace_lost *v;
	__u32 k;

	memset(out, 0, sizeof(*out));
	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0; k < FWCTL_TRACE_SLOTS && !err; k++) {
		if (slot >= 0 && k != (__u32)slot)
			continue;
		err = bpf_map_lookup_elem(tm->lost, &k, v);
		for (cpu = 0; cpu < ncpus && !err; cpu++) {
			out->rate_limit += v[cpu].rate_limit;
			out->ring_full += v[cpu].ring_full;
		}
	}
	free(v);
	return err;
}

/* --- slots ------------------------------------------------------------- */

static int tm_lock(const struct trace_maps *tm, struct fwctl_err *e)
{
	return tm->lock ? state_lock(e) : -1;
}

static void tm_unlock(const struct trace_maps *tm, int fd)
{
	if (tm->lock)
		state_unlock(fd);
}

static bool slot_stale(volatile const struct fwctl_trace_slot *s, __u64 now)
{
	return (__s64)(now - s->heartbeat_ns) > (__s64)FWCTL_TRACE_STALE_NS;
}

bool trace_slot_live(const struct trace_maps *tm, int i, __u64 now)
{
	volatile const struct fwctl_trace_slot *s = &tm->ctl_mem->slot[i];

	return s->token && !slot_stale(s, now);
}

/* Stores the program and other readers must see in this order. */
static void store_on(struct trace_maps *tm, int i, __u8 v)
{
	__atomic_store_n(&tm->ctl_mem->on[i], v, __ATOMIC_SEQ_CST);
}

/* Take the slot out of the program's reach and free its ring (lock held). */
static void slot_free(struct trace_maps *tm, int i)
{
	__u32 key = i;

	store_on(tm, i, 0);
	bpf_map_delete_elem(tm->rings, &key);	/* waits for running programs */
	tm->ctl_mem->slot[i].token = 0;
}

/* --- check slots ------------------------------------------------------- */

/* Start time of process pid (field 22 of /proc/PID/stat), 0 if it is gone. */
static __u64 proc_start_time(pid_t pid)
{
	unsigned long long start = 0;
	const char *p;
	char buf[1024];

	p = proc_stat_fields(pid, buf, sizeof(buf));
	if (!p || sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

static bool check_slot_dead(volatile const struct fwctl_check_slot *c)
{
	return c->pid && proc_start_time(c->pid) != c->start_time;
}

int check_session_start(struct trace_maps *tm, struct check_session *cs, struct fwctl_err *e)
{
	int lock, i, pass;

	cs->tm = tm;
	cs->slot = -1;
	lock = tm_lock(tm, e);
	if (tm->lock && lock < 0)
		return lock;
	for (pass = 0; pass < 2 && cs->slot < 0; pass++)
		for (i = 0; i < FWCTL_CHECK_SLOTS && cs->slot < 0; i++)
			if (pass ? check_slot_dead(&tm->ctl_mem->check[i]) : !tm->ctl_mem->check[i].pid)
				cs->slot = i;
	if (cs->slot >= 0) {
		volatile struct fwctl_check_slot *c = &tm->ctl_mem->check[cs->slot];

		c->pid = getpid();
		c->start_time = proc_start_time(getpid());
		/* From here on the program looks for probes (it never clears this). */
		__atomic_store_n(&tm->ctl_mem->checking[cs->slot], 1, __ATOMIC_SEQ_CST);
	}
	tm_unlock(tm, lock);
	if (cs->slot < 0) {
		fwctl_err_set(e, "%d checks are running already: try again when one has ended",
			      FWCTL_CHECK_SLOTS);
		return -EBUSY;
	}
	return 0;
}

static void check_slot_free(struct trace_maps *tm, int i)
{
	__atomic_store_n(&tm->ctl_mem->checking[i], 0, __ATOMIC_SEQ_CST);
	tm->ctl_mem->check[i].pid = 0;
}

void check_session_stop(struct check_session *cs)
{
	struct fwctl_err e;
	int lock;

	if (cs->slot < 0)
		return;
	lock = tm_lock(cs->tm, &e);
	if (cs->tm->ctl_mem->check[cs->slot].pid == (__u32)getpid())
		check_slot_free(cs->tm, cs->slot);
	tm_unlock(cs->tm, lock);
	cs->slot = -1;
}

int trace_reclaim(struct trace_maps *tm, struct fwctl_err *e)
{
	__u64 now = trace_mono_ns();
	int i, n = 0, lock = tm_lock(tm, e);

	if (tm->lock && lock < 0)
		return lock;
	for (i = 0; i < FWCTL_TRACE_SLOTS; i++) {
		volatile struct fwctl_trace_slot *s = &tm->ctl_mem->slot[i];

		if (s->token && slot_stale(s, now)) {
			slot_free(tm, i);
			n++;
		}
	}
	for (i = 0; i < FWCTL_CHECK_SLOTS; i++) {
		if (check_slot_dead(&tm->ctl_mem->check[i]) ||
		    (!tm->ctl_mem->check[i].pid && tm->ctl_mem->checking[i])) {
			check_slot_free(tm, i);
			n++;
		}
	}
	tm_unlock(tm, lock);
	return n;
}

void trace_filter_init(struct trace_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->reasons[FWCTL_VERDICT_FORWARD] = f->reasons[FWCTL_VERDICT_DROP] = ~0u;
	f->dirs = (1u << FWCTL_DIR_COUNT) - 1;
	f->rule_id = FWCTL_TRACE_ANY;
	f->proto = FWCTL_TRACE_ANY;
	f->rate = TRACE_DEFAULT_RATE;
	f->level = 1;
}

static __u32 new_token(void)
{
	__u32 t = 0;

	while (!t)
		if (getrandom(&t, sizeof(t), 0) != sizeof(t))
			t = (__u32)trace_mono_ns() ^ (__u32)getpid() << 16;
	return t;
}

/*
 * A free slot, else one whose reader is dead or stopped for over
 * FWCTL_TRACE_STALE_NS (that reader, if resumed, finds it taken and ends),
 * else -EBUSY with the readers' pids in the message.
 */
static int find_slot(const struct trace_maps *tm, __u64 now, struct fwctl_err *e)
{
	char pids[80] = "";
	size_t n = 0;
	int i;

	for (i = 0; i < FWCTL_TRACE_SLOTS; i++)
		if (!tm->ctl_mem->slot[i].token)
			return i;
	for (i = 0; i < FWCTL_TRACE_SLOTS; i++)
		if (!trace_slot_live(tm, i, now))
			return i;
	for (i = 0; i < FWCTL_TRACE_SLOTS && n < sizeof(pids); i++)
		n += snprintf(pids + n, sizeof(pids) - n, "%s%u", i ? ", " : "",
			      tm->ctl_mem->slot[i].pid);
	fwctl_err_set(e, "%d traces are running already (pids %s): stop one first",
		      FWCTL_TRACE_SLOTS, pids);
	return -EBUSY;
}

/* Zero the slot's token buckets on every CPU: full buckets. */
static int rate_reset(struct trace_maps *tm, __u32 slot)
{
	int ncpus = libbpf_num_possible_cpus(), err;
	void *zero;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(struct fwctl_trace_bucket));
	if (!zero)
		return -ENOMEM;
	err = bpf_map_update_elem(tm->rate, &slot, zero, 0);
	free(zero);
	return err;
}

static void *heartbeat_thread(void *arg)
{
	struct trace_session *s = arg;

	while (!s->stop && !s->evicted) {
		trace_session_heartbeat(s);
		usleep(FWCTL_TRACE_HEARTBEAT_MS * 1000);
	}
	return NULL;
}

/* Set up slot i for f, and turn it on (lock held). */
static int slot_claim(struct trace_maps *tm, int i, const struct trace_filter *f,
		      struct trace_session *s, struct fwctl_err *e)
{
	volatile struct fwctl_trace_slot *sl = &tm->ctl_mem->slot[i];
	LIBBPF_OPTS(bpf_map_create_opts, ropts);
	__u32 key = i;
	int err;

	/* Off first: a dead reader's slot may still be on. */
	store_on(tm, i, 0);
	s->tm = tm;
	s->slot = i;
	s->token = new_token();
	sl->token = s->token;
	sl->pid = getpid();
	sl->reasons[FWCTL_VERDICT_FORWARD] = f->reasons[FWCTL_VERDICT_FORWARD];
	sl->reasons[FWCTL_VERDICT_DROP] = f->reasons[FWCTL_VERDICT_DROP];
	sl->dirs = f->dirs;
	sl->rule_id = f->rule_id;
	sl->proto = f->proto;
	sl->cost_ns = f->rate ? 1000000000ULL / f->rate : 0;
	if (f->rate && !sl->cost_ns)
		sl->cost_ns = 1;
	sl->snaplen = f->level >= 2 ? FWCTL_TRACE_SNAP_L2 : FWCTL_TRACE_SNAP_L1;
	sl->heartbeat_ns = trace_mono_ns();

	s->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "fwctl_trace_rb", 0, 0,
				    f->level >= 2 ? RING_L2 : RING_L1, &ropts);
	if (s->ring_fd < 0) {
		err = s->ring_fd;
		fwctl_err_set(e, "cannot create a ring buffer: %s", strerror(-err));
		goto fail;
	}
	/* Returns after every program run that saw the old slot has ended. */
	err = bpf_map_update_elem(tm->rings, &key, &s->ring_fd, 0);
	if (!err)
		err = rate_reset(tm, key);
	if (!err)
		err = trace_lost_read(tm, i, &s->lost_start);
	if (err) {
		fwctl_err_set(e, "cannot set up trace slot %d: %s", i, strerror(-err));
		goto fail;
	}
	sl->heartbeat_ns = trace_mono_ns();
	store_on(tm, i, 1);
	return 0;
fail:
	if (s->ring_fd >= 0)
		close(s->ring_fd);
	s->ring_fd = -1;
	slot_free(tm, i);
	return err;
}

int trace_session_start(struct trace_maps *tm, const struct trace_filter *f, bool heartbeat,
			struct trace_session *s, struct fwctl_err *e)
{
	int lock, i, err;

	memset(s, 0, sizeof(*s));
	s->ring_fd = -1;
	s->slot = -1;
	lock = tm_lock(tm, e);
	if (tm->lock && lock < 0)
		return lock;
	i = find_slot(tm, trace_mono_ns(), e);
	err = i < 0 ? i : slot_claim(tm, i, f, s, e);
	tm_unlock(tm, lock);
	if (err)
		return err;
	if (heartbeat) {
		sigset_t all, old;

		/* Signals go to the caller's thread, whose poll they interrupt. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		err = -pthread_create(&s->thread, NULL, heartbeat_thread, s);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err) {
			fwctl_err_set(e, "cannot start the heartbeat thread: %s", strerror(-err));
			trace_session_stop(s, NULL);
			trace_session_close(s);
			return err;
		}
		s->thread_on = true;
	}
	return 0;
}

/*
 * The program turned our slot off: we were paused (stopped, swapped out)
 * for longer than FWCTL_TRACE_STALE_NS. Turn it on again if it is still
 * ours, under the lock so that no claim of the slot runs meanwhile.
 */
static void session_rearm(struct trace_session *s)
{
	struct trace_maps *tm = s->tm;
	volatile struct fwctl_trace_slot *sl = &tm->ctl_mem->slot[s->slot];
	/* This runs in the heartbeat thread: no waiting on signals. */
	int lock = tm->lock ? state_trylock() : -1;

	if (tm->lock && lock < 0)
		return;		/* try again at the next heartbeat */
	if (sl->token != s->token) {
		s->evicted = 1;
	} else if (!tm->ctl_mem->on[s->slot]) {
		sl->heartbeat_ns = trace_mono_ns();
		store_on(tm, s->slot, 1);
		s->paused++;
	}
	tm_unlock(tm, lock);
}

void trace_session_heartbeat(struct trace_session *s)
{
	volatile struct fwctl_trace_slot *sl = &s->tm->ctl_mem->slot[s->slot];

	if (sl->token != s->token) {
		s->evicted = 1;		/* another trace took the slot while we slept */
		return;
	}
	__atomic_store_n(&sl->heartbeat_ns, trace_mono_ns(), __ATOMIC_RELEASE);
	if (!s->tm->ctl_mem->on[s->slot])
		session_rearm(s);
}

int trace_session_stop(struct trace_session *s, struct fwctl_err *e)
{
	struct trace_maps *tm = s->tm;
	int lock;

	if (s->thread_on) {
		s->stop = 1;
		pthread_join(s->thread, NULL);
		s->thread_on = false;
	}
	if (s->slot < 0)
		return 0;
	lock = tm_lock(tm, e);
	if (tm->lock && lock < 0)
		return lock;
	if (tm->ctl_mem->slot[s->slot].token == s->token)
		slot_free(tm, s->slot);
	else
		s->evicted = 1;
	tm_unlock(tm, lock);
	return 0;
}

int trace_session_lost(const struct trace_session *s, struct fwctl_trace_lost *out)
{
	struct fwctl_trace_lost now;
	int err = trace_lost_read(s->tm, s->slot, &now);

	out->rate_limit = now.rate_limit - s->lost_start.rate_limit;
	out->ring_full = now.ring_full - s->lost_start.ring_full;
	return err;
}

void trace_session_close(struct trace_session *s)
{
	if (s->ring_fd >= 0)
		close(s->ring_fd);
	s->ring_fd = -1;
}
