/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl.h - the loader's internal interfaces, one section per file.
 * Functions return 0 or a negative errno; the ones that can fail for a
 * reason a user must read also fill a one-line message (struct fwctl_err).
 * Layers point one way: commands (main.c, cmd_*.c) -> state/ruleset/attach
 * -> fwctl_common.h.
 */
#ifndef FWCTL_LOADER_H
#define FWCTL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>
#include "fwctl_common.h"
#include "rule.h"

/* Exit codes. */
#define EXIT_USAGE	2	/* bad command line: nothing was changed */
#define EXIT_RUNTIME	1	/* the command could not be carried out */

/* A one-line error message for the user, filled where the error is known. */
struct fwctl_err {
	char msg[256];
};
void fwctl_err_set(struct fwctl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* File descriptors of the maps; from pins (state.c) or a skeleton (tests). */
struct fwctl_maps {
	int config;
	int rule_stats;
	int dir_stats;
	int tx_stats;
	int devmap;
	int tables;	/* fwctl_tables: the current rule-set generation */
	int banks;	/* fwctl_banks: small generations, walked with inlined lookups */
};

/* --- ruleset.c: the rule list, in the current generation ---------------- */

/* One rule of the list: its id (its counters) and canonical texts. */
struct ruleset_entry {
	__u32 id;
	struct rule rule;
	char *text;		/* canonical text, comment included */
	char *key;		/* canonical text without the comment: its identity */
	__u32 serial;		/* stateful rules: non-zero, new with each new id
				 * (fwctl_conntrack.h, "Rule lifetime"); else 0 */
};

/* The rule list in order (position = index + 1), and the policy. */
struct ruleset {
	struct ruleset_entry *v;
	unsigned int n, cap;
	__u32 policy;		/* enum fwctl_policy */
	__u32 next_serial;	/* the serial the next stateful rule given an id gets */
};

/* What a 'rules load' changed. */
struct ruleset_diff {
	unsigned int kept, added, removed;
};

struct classifier_stats;

/* The attached interfaces' names, which 'in IF' refers to. */
void ruleset_ctx(const struct fwctl_config *cfg, struct rule_ctx *ctx);
void ruleset_ctx_names(const char (*ifname)[16], struct rule_ctx *ctx);
/* The current list (rules parsed with ctx); ruleset_free() it. */
int ruleset_read(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct ruleset *rs,
		 struct fwctl_err *e);
void ruleset_free(struct ruleset *rs);
/*
 * Every change below builds a whole new generation and commits it with one
 * map update: packets see the old rule set or the new one, never a mix,
 * and a kill at any point leaves one of them, whole. Rules passed in are
 * consumed (moved into the set, or freed): the caller must not free them.
 */
/* Insert rules[0..n) at 1-based position pos (0: at the end), all or none:
 * a duplicate (of a rule in the set, or in the batch) fails, naming
 * "FILE:LINE: " when file is set (lines[i] for rules[i]). ids[i] and the
 * position of the first out. */
int ruleset_add(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct rule *rules,
		unsigned int n, unsigned int pos, const char *file, const unsigned int *lines,
		__u32 *ids, unsigned int *pos_out, struct fwctl_err *e);
/* Delete the rule with r's canonical text (comment aside); id and text out. */
int ruleset_del(const struct fwctl_maps *m, const struct rule_ctx *ctx, const struct rule *r,
		__u32 *id, char **text, struct fwctl_err *e);
int ruleset_del_id(const struct fwctl_maps *m, const struct rule_ctx *ctx, __u32 id, char **text,
		   struct fwctl_err *e);
/* Delete every rule; returns how many there were. */
int ruleset_flush(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct fwctl_err *e);
/* Replace the whole list (and the policy when policy >= 0); rules whose
 * canonical text is unchanged keep their ids and counters. */
int ruleset_replace(const struct fwctl_maps *m, const struct rule_ctx *ctx, struct rule *rules,
		    unsigned int n, int policy, struct ruleset_diff *diff, struct fwctl_err *e);
/* Compile rules[0..n) as a commit would, changing nothing (rules consumed). */
int ruleset_compile_check(struct rule *rules, unsigned int n, struct classifier_stats *st,
			  struct fwctl_err *e);
/* The policy of the current generation, and setting it in place. */
int ruleset_policy_get(const struct fwctl_maps *m, __u32 *policy, struct fwctl_err *e);
int ruleset_policy_set(const struct fwctl_maps *m, __u32 policy, struct fwctl_err *e);
/* The number of rules and the policy, from the generation's header alone. */
int ruleset_summary(const struct fwctl_maps *m, unsigned int *n_rules, __u32 *policy,
		    struct fwctl_err *e);
/*
 * The stateful rules' serials of the current generation: *serial (malloc'd,
 * free() it) holds serial[id] for id < *n_ids, 0 for an id that is not a
 * stateful rule of it; *n_ids is 0 when it has none.
 */
int ruleset_serials(const struct fwctl_maps *m, __u32 **serial, __u32 *n_ids,
		    struct fwctl_err *e);
/* Install an empty generation with policy drop (attach). */
int ruleset_init(const struct fwctl_maps *m, struct fwctl_err *e);

/* --- maps.c: map access helpers --------------------------------------- */

int config_read(const struct fwctl_maps *m, struct fwctl_config *cfg);
int config_write(const struct fwctl_maps *m, const struct fwctl_config *cfg);
struct bpf_object;
/* Highest possible CPU id + 1 (not their count: the possible ids may have gaps). */
int possible_cpu_ids(void);
/* Highest id + 1 of a kernel CPU list ("0-3,8-11": 12), or -EINVAL. */
int cpu_list_ids(const char *list);
/* fwctl_rule_stats: one region per possible CPU id, before the object is loaded. */
int rule_stats_set_size(struct bpf_object *obj);
/* The regions of fwctl_rule_stats (FWCTL_RULE_STATS_KEY()), or -errno. */
int rule_stats_regions(const struct fwctl_maps *m);
/* A rule's counters, summed over the regions (CPUs). */
int rule_stats_read(const struct fwctl_maps *m, __u32 id, struct fwctl_rule_stats *out);
/* The counters of ids 0 .. n-1 (n <= FWCTL_RULE_ID_SLOTS) in one batch. */
int rule_stats_read_first(const struct fwctl_maps *m, __u32 n, struct fwctl_rule_stats *out);
/* Zero the counters of rules ids[0..n), in one batch. */
int rule_stats_reset(const struct fwctl_maps *m, const __u32 *ids, __u32 n);
int dir_stats_read(const struct fwctl_maps *m, __u32 dir, struct fwctl_dir_stats *out);
/* Zero both directions' counters and transmit counters. */
int dir_stats_reset(const struct fwctl_maps *m);
/* A direction's totals: each frame is counted once, under its verdict. */
__u64 dir_dropped_packets(const struct fwctl_dir_stats *st);
__u64 dir_received_packets(const struct fwctl_dir_stats *st);
__u64 dir_received_bytes(const struct fwctl_dir_stats *st);
int tx_stats_read(const struct fwctl_maps *m, __u32 dir, struct fwctl_tx_stats *out);
/* Fill the devmap both ways: a -> b and b -> a. */
int devmap_link(const struct fwctl_maps *m, __u32 ifindex_a, __u32 ifindex_b);
/* Fill a struct fwctl_maps from a loaded skeleton's bpf_object. */
struct bpf_object;
int maps_from_object(struct bpf_object *obj, struct fwctl_maps *m);
/* Before loading obj: have each of its maps (not .rodata and the like) use
 * the map of the same name in the loaded object from, unpinned (a second
 * program instance on the same maps, as the tests and benchmarks build). */
int maps_share_from(struct bpf_object *obj, struct bpf_object *from);
/* Open the maps pinned in dir (FWCTL_PIN_DIR); close with maps_close(). */
int maps_open_pinned(const char *dir, struct fwctl_maps *m, struct fwctl_err *e);
void maps_close(struct fwctl_maps *m);
/* Remove the map pins from dir. */
int maps_unpin(const char *dir);

/* --- table.c: rule-set generations (include/fwctl_classifier.h) -------- */

struct fwctl_cell;
/*
 * A new generation: an array map of exactly n cells (BPF_F_INNER_MAP |
 * BPF_F_MMAPABLE), filled with cells[], which must start with the header
 * of n cells. No packet sees it before table_commit(). Returns its fd.
 */
int table_create(const struct fwctl_cell *cells, __u32 n, struct fwctl_err *e);
/* Write cells[0..n) at keys 0..n-1 of an array of cells (memcpy through
 * mmap, or one batch update if the array is not mmapable). */
int table_fill(int fd, const struct fwctl_cell *cells, __u32 n);
/*
 * Make gen_fd the current generation: one update of fwctl_tables[0], the
 * instant every packet switches from the old rule set to the new. The
 * kernel returns from it after an RCU grace period (maybe_wait_bpf_programs
 * in kernel/bpf/syscall.c; measured here by tests/classify), so no packet
 * is still being classified by the old generation when this returns.
 */
int table_commit(const struct fwctl_maps *m, int gen_fd, struct fwctl_err *e);
/*
 * Before the commit of a generation whose classifier cells,
 * cells[0].hdr.text_cell, fit in a bank once laid out for it (half of
 * fwctl_banks, sized at attach by --bank-cells; see table_bank_cells() and
 * classifier_bank_cells()): write them into the bank of fwctl_banks that
 * the current generation does not name, and return that bank (0 or 1) for
 * table_create_bank().
 * FWCTL_BANK_NONE: no bank (a large set, a box the bank format cannot
 * hold, the current generation unreadable); -errno < -1 on an error.
 */
int table_bank_prepare(const struct fwctl_maps *m, const struct fwctl_cell *cells,
		       struct fwctl_err *e);
/* Cells per bank of the map banks (fwctl_banks), or -errno. */
int table_bank_cells(int banks);
/* Size the banks map of an object before its load: n cells per bank. */
int table_banks_set_size(struct bpf_object *obj, __u32 n);
/* --bank-cells N: 0, or -EINVAL with e naming the value and the range. */
int table_parse_bank_cells(const char *arg, __u32 *n, struct fwctl_err *e);
/* table_create() of a generation that names bank (sized to say so). */
int table_create_bank(const struct fwctl_cell *cells, __u32 n, int bank, struct fwctl_err *e);
/* An fd of the current generation; -ENOENT before the first commit. */
int table_open_current(const struct fwctl_maps *m, struct fwctl_err *e);
/* Every cell of a generation: *cells is malloc'ed, *n their number. */
int table_read(int gen_fd, struct fwctl_cell **cells, __u32 *n, struct fwctl_err *e);
/*
 * A generation of n cells (naming bank) to be written in place: its fd,
 * and *cells mapped read-write (n cells, zeroed; the caller munmaps them).
 * The caller writes a complete generation, header first, before committing.
 */
int table_create_mapped(__u32 n, int bank, struct fwctl_cell **cells, struct fwctl_err *e);
/* The same cells mapped read-only, not copied (*len bytes, for munmap). */
int table_map(int gen_fd, const struct fwctl_cell **cells, __u32 *n, size_t *len,
	      struct fwctl_err *e);
/* Set the policy word of a generation in place, live or not. */
int table_set_policy(int gen_fd, enum fwctl_policy policy, struct fwctl_err *e);

/* --- state.c: pins, lock, permission and bpffs checks --------------------- */

/* Serializes every fwctl call on the default pin directory (see state_lock). */
#define FWCTL_LOCK_FILE	"/run/fwctl.lock"
#define FWCTL_LOCK_WAIT_DEFAULT	10

/* Seconds to wait for the lock (fwctl --wait SECONDS); 0: fail at once. */
extern int fwctl_lock_wait;

/* An open, locked, attached fwctl: what every command but attach needs. */
struct fwctl_state {
	struct fwctl_maps maps;
	struct fwctl_config cfg;
	int lock_fd;
};

/*
 * Where the pins are: FWCTL_PIN_DIR, or $FWCTL_PIN_DIR (a directory on
 * bpffs) to run several independent filters side by side; resolved to an
 * absolute path without symlinks, so every spelling shares one lock.
 */
const char *pin_dir(void);
int state_check_root(struct fwctl_err *e);
/* Is /sys/fs/bpf a bpffs? Mount it if may_mount and this is the init mount ns. */
int state_check_bpffs(bool may_mount, struct fwctl_err *e);
/*
 * Root, /sys/fs/bpf, the pin directory resolved and on a bpffs, then the
 * lock (waiting up to fwctl_lock_wait seconds): returns its fd.
 */
int state_prepare(bool may_mount, struct fwctl_err *e);
/* Take the lock alone; returns its fd. */
int state_lock(struct fwctl_err *e);
/* The lock if it is free, else -EWOULDBLOCK at once (no signals: any thread). */
int state_trylock(void);
void state_unlock(int lock_fd);
/* /proc/PID/stat from just after the command name; NULL if pid is gone. */
const char *proc_stat_fields(pid_t pid, char *buf, size_t size);

/* What the pin directory holds (state_inspect). */
enum pin_state {
	PINS_NONE,	/* no pin directory: not attached */
	PINS_PARTIAL,	/* an attach that never finished (killed): clean it up */
	PINS_COMPLETE,	/* attached */
};
/*
 * With the lock held: refuse a pin directory (or pins) that root did not
 * make for itself, then say what it holds. cfg gets the config map (zeroes
 * if there is none yet). Returns an enum pin_state or a negative errno.
 */
int state_inspect(struct fwctl_config *cfg, struct fwctl_err *e);
/* Cookie of the current network namespace (SO_NETNS_COOKIE). */
int netns_cookie(__u64 *cookie);
/*
 * -EXDEV, with a message naming it and how to get there ("nsenter ...
 * fwctl cmd"), when cfg was attached in another network namespace.
 */
int state_check_netns(const struct fwctl_config *cfg, const char *cmd, struct fwctl_err *e);
/* Prepare, inspect, pins, config, then crash repair; -ENOENT if not attached. */
int state_open(struct fwctl_state *s, struct fwctl_err *e);
void state_close(struct fwctl_state *s);

/* --- attach.c: libxdp attach/detach, pins, transmit watcher ------------- */

const char *mode_name(enum fwctl_mode mode);
/*
 * Create the pin directory (which must not exist) and the pins, fill config
 * and devmap, attach to both interfaces, and only then mark the config
 * complete (attached_at): anything less is partial state (state_inspect).
 */
int fwctl_attach(const char *if_in, const char *if_out, enum fwctl_mode mode, __u32 ct_size,
		 __u32 bank_cells, struct fwctl_err *e);
/*
 * Detach from both interfaces named in cfg (those still there; none if
 * cfg is zeroes, as after an attach killed early) and remove every pin and
 * the pin directory. Called with the lock held, after state_inspect().
 */
int fwctl_detach(const struct fwctl_config *cfg, struct fwctl_err *e);
/* Id of the fwctl program attached to ifindex, 0 if none. */
__u32 xdp_prog_id_on(int ifindex);

/* --- peer.c: the other end of a veth, wherever it lives ---------------- */

/* What can be known of the peer of a veth; settings are 1, 0 or -1 (unknown). */
struct fwctl_peer {
	bool veth;		/* false: not a veth, nothing below is set */
	bool found;		/* its namespace could be opened and the peer read */
	int ifindex;		/* in the peer's namespace */
	int nsid;		/* id of that namespace in ours; -1: ours */
	char name[IF_NAMESIZE];
	char netns[256];	/* its ip netns name, if it has one */
	int pid;		/* else a process in that namespace, if another one */
	int xdp;		/* a native XDP program is attached */
	int gro;
	int tx_csum;		/* TX checksum offload */
	int tx_vlan;		/* tx-vlan-offload: 802.1Q tags in skb metadata */
};

/* Peer settings that hurt what fwctl forwards (bits of peer_problems()). */
#define PEER_NO_NAPI	0x1	/* neither GRO nor XDP: forwarded frames dropped */
#define PEER_TX_CSUM	0x2	/* TCP it sends arrives with bad checksums */
#define PEER_TX_VLAN	0x4	/* VLAN tags of what it sends are lost */

/* Find and read the peer of our interface ifindex (p->veth false if none). */
int peer_probe(int ifindex, struct fwctl_peer *p);
/* The problems that matter in mode (all are native mode's). */
unsigned int peer_problems(const struct fwctl_peer *p, enum fwctl_mode mode);
const char *peer_problem_key(unsigned int bit);		/* "tx_vlan_offload" */
/* "'eth0' in netns blue", "'eth0'" (in ours), ... */
void peer_where(const struct fwctl_peer *p, char *buf, size_t len);
/* The command that fixes problems pb: "ip netns exec blue ethtool -K 'eth0' txvlan off". */
void peer_fix(const struct fwctl_peer *p, unsigned int pb, char *buf, size_t len);
/* "tx-vlan-offload on, ..." or "ok". */
void peer_summary(const struct fwctl_peer *p, unsigned int pb, char *buf, size_t len);
/* Print attach's warnings about the peer of ifname, one line per problem. */
void peer_warn(const char *ifname, int ifindex, enum fwctl_mode mode);
/* s as one shell word, in single quotes when always or when needed. */
void shell_quote(const char *s, bool always, char *buf, size_t len);

/* --- output.c: names, numbers, messages, table cells, JSON ------------- */

/* 0 quiet; 1 (-v) info messages; 2 (-vv) libbpf's and libxdp's debug output too. */
extern int fwctl_verbose;
/* "fwctl: ..." on stderr with -v: what happened that a user may want to know. */
void fwctl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *drop_reason_name(enum fwctl_drop_reason r);	/* "unknown ethertype" */
const char *drop_reason_key(enum fwctl_drop_reason r);	/* "unknown_ethertype" */
const char *fwd_reason_label(enum fwctl_fwd_reason r);	/* "ARP/ND" */
const char *fwd_reason_key(enum fwctl_fwd_reason r);	/* "arp-nd" */
const char *fwd_reason_json(enum fwctl_fwd_reason r);	/* "arp_nd" */
const char *dir_key(enum fwctl_dir d);			/* "input_to_output" */
const char *policy_name(__u32 policy);
/* "1.25 M", "812", ... into buf; with unit for rates ("bit/s"). */
void fmt_si(double v, const char *unit, char *buf, size_t len);
/* "2026-11-22T21:30:00Z" */
void fmt_time_utc(__u64 unix_seconds, char *buf, size_t len);
/* s as a Prometheus label value, without its quotes: \\, \" and \n escaped. */
void prom_label_value(FILE *f, const char *s);
/* Terminal cells s takes (UTF-8: "é" is 1, "日" is 2), for aligned tables. */
int str_width(const char *s);
/* s padded with spaces to width cells, on the left if right-aligned. */
void print_cell(FILE *f, const char *s, int width, bool right);

/*
 * JSON through json-c. Every --json command builds one object from these
 * and prints it on one line; NULL values are JSON null ("not available").
 */
struct json_object;
struct timespec;
/* A string; bytes that are not UTF-8 become U+FFFD. NULL for NULL. */
struct json_object *json_str(const char *s);
struct json_object *json_u64(__u64 v);
/* A number printed with that many decimals; NULL (null) for NAN. */
struct json_object *json_num(double v, int decimals);
/* obj[key] = val (val NULL: null); takes the reference to val. */
void json_add(struct json_object *obj, const char *key, struct json_object *val);
/* obj.timestamp ("2026-11-22T21:30:00.250Z") and obj.timestamp_unix. */
void json_timestamp(struct json_object *obj, const struct timespec *realtime);
/* Print obj on one line of stdout and free it. */
void json_print(struct json_object *obj);

/* What a rule's object shows besides the rule: counters, rates (NAN: null). */
struct rule_figures {
	__u64 packets, bytes;
	double pps, bps;
};
/*
 * The rule object of every command (fields in fwctl(8), JSON): id, its
 * 1-based position in the list, the canonical text and each field of r.
 */
struct json_object *json_rule(const struct rule *r, __u32 id, unsigned int position,
			      const char *text, const struct rule_figures *fig);

/* One rule as listed: by 'rules list' and 'stats', in a table or JSON. */
struct rule_row {
	__u32 id;
	unsigned int position;	/* 1-based, in list order */
	struct rule rule;
	char *text;		/* canonical text */
	struct rule_figures fig;
};
/* The active rules of rs in list order with their counters st[id] (rates
 * NAN); returns how many, or -ENOMEM. Free with rule_rows_free(). */
int rule_rows_build(const struct ruleset *rs, const struct fwctl_rule_stats *st,
		    struct rule_row **rows);
void rule_rows_free(struct rule_row *rows, unsigned int n);
/* [rule object, ...] */
struct json_object *json_rules(const struct rule_row *rows, unsigned int n);
/* POS, ID, RULE, PACKETS, BYTES (and rates when measured), each line after indent. */
void print_rules_table(const struct rule_row *rows, unsigned int n, const char *indent);

#endif /* FWCTL_LOADER_H */
