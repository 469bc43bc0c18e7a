// SPDX-License-Identifier: GPL-2.0
/*
 * rules_file.c - read a rules file (or stdin): whole lines of any length,
 * one rule or one 'policy drop|accept' per line, blank lines and '#'
 * comments. Every error is "FILE:LINE: message"; all of them are collected
 * (up to RULES_FILE_MAX_ERRORS) so that 'rules check' can show them.
 *
 * The input is read whole, up to RULES_FILE_MAX_BYTES, before parsing:
 * getline() would grow one endless line (a pipe from /dev/zero) without
 * bound, whereas this stops at the cap, and at the first NUL byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fwctl.h"
#include "rule.h"

#define READ_CHUNK	(64u << 10)

static void add_error(struct rules_file *f, struct fwctl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_error(struct rules_file *f, struct fwctl_err *e, const char *fmt, ...)
{
	struct fwctl_err msg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg.msg, sizeof(msg.msg), fmt, ap);
	va_end(ap);
	if (!f->n_errors && !f->more_errors && e)
		*e = msg;
	if (!f->errors)
		f->errors = calloc(RULES_FILE_MAX_ERRORS, sizeof(*f->errors));
	if (f->errors && f->n_errors < RULES_FILE_MAX_ERRORS &&
	    (f->errors[f->n_errors] = strdup(msg.msg)))
		f->n_errors++;
	else
		f->more_errors++;
}

static bool has_errors(const struct rules_file *f)
{
	return f->n_errors || f->more_errors;
}

/* 1-based line of byte pos. */
static unsigned int line_of(const char *buf, size_t pos)
{
	unsigned int line = 1;
	const char *p = buf, *end = buf + pos;

	while ((p = memchr(p, '\n', end - p))) {
		line++;
		p++;
	}
	return line;
}

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Open path: a regular file or a pipe, nothing else (a device never ends). */
static int open_input(const char *path, struct rules_file *f, struct fwctl_err *e)
{
	struct stat st;
	int fd, err;

	if (!strcmp(path, "-"))
		return 0;
	if (stat(path, &st)) {
		err = -errno;
		add_error(f, e, "%s: %s", path, strerror(errno));
		return err;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		goto bad_kind;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		add_error(f, e, "%s: %s", path, strerror(errno));
		return err;
	}
	/* It may have been replaced between stat() and open(). */
	if (fstat(fd, &st) || (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))) {
		close(fd);
		goto bad_kind;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)RULES_FILE_MAX_BYTES) {
		close(fd);
		add_error(f, e, "%s: %lld bytes, more than the %u MiB a rules file may have", path,
			  (long long)st.st_size, RULES_FILE_MAX_BYTES >> 20);
		return -EFBIG;
	}
	return fd;
bad_kind:
	add_error(f, e, "%s: is %s, not a rules file (a regular file, a pipe, or - for stdin)",
		  path, file_kind(st.st_mode));
	return -EINVAL;
}

/* Read fd to the end into *buf (NUL-terminated), refusing NUL bytes and
 * input beyond RULES_FILE_MAX_BYTES. */
static int read_all(int fd, const char *path, char **buf_out, size_t *len_out,
		    struct rules_file *f, struct fwctl_err *e)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb, *nul;
	ssize_t n;

	for (;;) {
		if (cap - len < READ_CHUNK) {
			cap = cap ? 2 * cap : 4 * READ_CHUNK;
			if (cap > RULES_FILE_MAX_BYTES + READ_CHUNK + 1)
				cap = RULES_FILE_MAX_BYTES + READ_CHUNK + 1;
			nb = realloc(buf, cap);
			if (!nb)
				goto nomem;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			add_error(f, e, "%s: read error: %s", path, strerror(errno));
			free(buf);
			return -EIO;
		}
		if (n == 0)
			break;
		nul = memchr(buf + len, '\0', n);
		if (nul) {
			size_t pos = nul - buf;
			unsigned int line = line_of(buf, pos);
			const char *bol = memrchr(buf, '\n', pos);

			add_error(f, e, "%s:%u: NUL byte at column %zu: a rules file is text", path,
				  line, pos - (bol ? (size_t)(bol - buf) + 1 : 0) + 1);
			free(buf);
			return -EINVAL;
		}
		len += n;
		if (len > RULES_FILE_MAX_BYTES) {
			add_error(f, e, "%s:%u: more than %u MiB of input, the most a rules file may have",
				  path, line_of(buf, RULES_FILE_MAX_BYTES), RULES_FILE_MAX_BYTES >> 20);
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*buf_out = buf;
	*len_out = len;
	return 0;
nomem:
	free(buf);
	add_error(f, e, "%s: out of memory", path);
	return -ENOMEM;
}

/* --- duplicates: key text -> first line, open addressing ----------------- */

struct dup_set {
	struct dup_ent {
		char *key;
		unsigned int line;
	} *v;
	size_t mask;
};

static int dup_init(struct dup_set *d, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n)
		cap *= 2;
	d->v = calloc(cap, sizeof(*d->v));
	d->mask = cap - 1;
	return d->v ? 0 : -ENOMEM;
}

static void dup_free(struct dup_set *d)
{
	size_t i;

	for (i = 0; d->v && i <= d->mask; i++)
		free(d->v[i].key);
	free(d->v);
}

static size_t hash_str(const char *s)
{
	size_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Insert key (then owned by d) and return 0, or return the line it was
 * first seen on. */
static unsigned int dup_insert(struct dup_set *d, char *key, unsigned int line)
{
	size_t i = hash_str(key) & d->mask;

	for (; d->v[i].key; i = (i + 1) & d->mask)
		if (!strcmp(d->v[i].key, key))
			return d->v[i].line;
	d->v[i].key = key;
	d->v[i].line = line;
	return 0;
}

/* --- lines ----------------------------------------------------------------- */

struct reader {
	const char *path;
	const struct rule_ctx *ctx;
	struct rules_file *f;
	struct fwctl_err *e;
	struct dup_set dups;
	size_t cap;		/* rules allocated in f */
	bool stop;		/* a fatal error: no point reading on */
};

static bool is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Next blank-separated word of s (up to a '#'); its length, 0 at the end. */
static size_t next_word(const char **s)
{
	const char *p = *s;
	size_t n = 0;

	while (is_blank(*p))
		p++;
	*s = p;
	if (*p == '#')
		return 0;
	while (p[n] && !is_blank(p[n]) && p[n] != '#')
		n++;
	return n;
}

/* "policy drop|accept", line starting at the word 'policy'. */
static void read_policy(struct reader *rd, const char *s, unsigned int line)
{
	struct rules_file *f = rd->f;
	enum fwctl_policy pol;
	size_t n;

	s += 6;
	n = next_word(&s);
	if (!n) {
		add_error(f, rd->e, "%s:%u: missing drop or accept after 'policy'", rd->path, line);
		return;
	}
	if (n == 4 && !strncasecmp(s, "drop", 4)) {
		pol = FWCTL_POLICY_DROP;
	} else if (n == 6 && !strncasecmp(s, "accept", 6)) {
		pol = FWCTL_POLICY_ACCEPT;
	} else {
		add_error(f, rd->e, "%s:%u: unknown policy '%.*s' (drop or accept)", rd->path, line,
			  (int)(n < 64 ? n : 64), s);
		return;
	}
	s += n;
	n = next_word(&s);
	if (n) {
		add_error(f, rd->e, "%s:%u: unexpected '%.*s' after the policy", rd->path, line,
			  (int)(n < 64 ? n : 64), s);
		return;
	}
	if (f->has_policy) {
		add_error(f, rd->e, "%s:%u: policy given twice (first on line %u)", rd->path, line,
			  f->policy_line);
		return;
	}
	f->has_policy = true;
	f->policy = pol;
	f->policy_line = line;
}

static int append_rule(struct reader *rd, struct rule *r, unsigned int line)
{
	struct rules_file *f = rd->f;
	struct rule *nr;
	unsigned int *nl;

	if (f->n == rd->cap) {
		rd->cap = rd->cap ? 2 * rd->cap : 256;
		nr = realloc(f->rules, rd->cap * sizeof(*nr));
		if (nr)
			f->rules = nr;
		nl = realloc(f->line, rd->cap * sizeof(*nl));
		if (nl)
			f->line = nl;
		if (!nr || !nl)
			return -ENOMEM;
	}
	f->rules[f->n] = *r;
	f->line[f->n++] = line;
	return 0;
}

static void read_rule(struct reader *rd, const char *s, unsigned int line)
{
	struct rules_file *f = rd->f;
	struct fwctl_err err;
	unsigned int first;
	struct rule r;
	char *key;

	if (rule_from_text(s, rd->ctx, &r, &err)) {
		add_error(f, rd->e, "%s:%u: %s", rd->path, line, err.msg);
		return;
	}
	if (f->n >= FWCTL_SET_MAX_RULES) {
		rule_free(&r);
		rd->stop = true;
		add_error(f, rd->e, "%s:%u: more than %d rules, the most a rule set holds",
			  rd->path, line, FWCTL_SET_MAX_RULES);
		return;
	}
	key = rule_key_text(&r);
	if (!key)
		goto nomem;
	first = dup_insert(&rd->dups, key, line);
	if (first) {
		add_error(f, rd->e, "%s:%u: duplicate of line %u: '%.*s'", rd->path, line, first,
			  160, key);
		free(key);
		rule_free(&r);
		return;
	}
	if (append_rule(rd, &r, line))
		goto nomem;
	return;
nomem:
	rule_free(&r);
	rd->stop = true;
	add_error(f, rd->e, "%s:%u: out of memory", rd->path, line);
}

static void read_line(struct reader *rd, const char *s, unsigned int line)
{
	size_t n = next_word(&s);

	if (!n)
		return;		/* blank or comment */
	if (n == 6 && !strncasecmp(s, "policy", 6))
		read_policy(rd, s, line);
	else
		read_rule(rd, s, line);
}

static void read_lines(struct reader *rd, char *buf, size_t len)
{
	char *s = buf, *end = buf + len, *nl;
	unsigned int line = 0;
	size_t n;

	while (s < end && !rd->stop) {
		nl = memchr(s, '\n', end - s);
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		line++;
		if (n && s[n - 1] == '\r')	/* CRLF */
			n--;
		s[n] = '\0';
		read_line(rd, s, line);
		s = nl ? nl + 1 : end;
	}
}

void rules_file_free(struct rules_file *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		rule_free(&f->rules[i]);
	free(f->rules);
	free(f->line);
	for (i = 0; f->errors && i < f->n_errors; i++)
		free(f->errors[i]);
	free(f->errors);
	memset(f, 0, sizeof(*f));
}

/* Drop the rules of a file that had errors: only the errors stay. */
static void drop_rules(struct rules_file *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		rule_free(&f->rules[i]);
	free(f->rules);
	free(f->line);
	f->rules = NULL;
	f->line = NULL;
	f->n = 0;
	f->has_policy = false;
}

int rules_file_read(const char *path, const struct rule_ctx *ctx, struct rules_file *out,
		    struct fwctl_err *e)
{
	struct reader rd = { .path = path, .ctx = ctx, .f = out, .e = e };
	size_t len = 0;
	char *buf = NULL;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = open_input(path, out, e);
	if (fd < 0)
		return fd;
	err = read_all(fd, path, &buf, &len, out, e);
	if (strcmp(path, "-"))
		close(fd);
	if (err)
		return err;
	if (dup_init(&rd.dups, line_of(buf, len))) {
		free(buf);
		add_error(out, e, "%s: out of memory", path);
		return -ENOMEM;
	}
	read_lines(&rd, buf, len);
	dup_free(&rd.dups);
	free(buf);
	if (has_errors(out)) {
		drop_rules(out);
		return -EINVAL;
	}
	return 0;
}
