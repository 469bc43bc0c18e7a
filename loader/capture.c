// SPDX-License-Identifier: GPL-2.0
/*
 * capture.c - pcapng writer (ours), classic pcap writer and capture reader
 * (libpcap). See capture.h. pcapng layout per draft-ietf-opsawg-pcapng:
 * every block is type, total length, body padded to 32 bits, total length
 * again; all in host byte order, which the byte-order magic tells readers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "capture.h"

#ifndef FWCTL_VERSION
#define FWCTL_VERSION "0"
#endif

#define PCAPNG_SHB		0x0A0D0D0Au
#define PCAPNG_IDB		0x00000001u
#define PCAPNG_EPB		0x00000006u
#define PCAPNG_BYTE_ORDER	0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1

#define OPT_ENDOFOPT		0
#define OPT_COMMENT		1
#define OPT_SHB_USERAPPL	4
#define OPT_IF_NAME		2
#define OPT_IF_TSRESOL		9
#define OPT_EPB_VERDICT		7
#define EPB_VERDICT_EBPF_XDP	2

#define TSRESOL_NS		9	/* if_tsresol: 10^-9 s */
#define OPT_MAX			0xffff	/* option length is 16 bits */

struct capture_writer {
	enum capture_format fmt;
	char *path;
	unsigned int n_ifaces;
	__u32 snaplen;
	unsigned long count;
	int err;		/* first write error: final */
	int fd;			/* pcapng: where blocks go */
	bool own_fd;
	int cut_fd;		/* regular file: cut back here after an error */
	off_t good;		/* bytes of whole blocks/records written */
	__u8 *buf;		/* the block being built */
	size_t used, cap;
	pcap_t *dead;		/* classic pcap */
	pcap_dumper_t *dumper;
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

int capture_format_of(const char *path, enum capture_format *fmt, struct fwctl_err *e)
{
	if (!strcmp(path, "-") || has_suffix(path, ".pcapng")) {
		*fmt = CAPTURE_PCAPNG;
		return 0;
	}
	if (has_suffix(path, ".pcap")) {
		*fmt = CAPTURE_PCAP;
		return 0;
	}
	fwctl_err_set(e, "%s: capture file name must end in .pcapng or .pcap", path);
	return -EINVAL;
}

int capture_comment(char *buf, size_t len, bool drop, __u32 rule_id, const char *reason)
{
	const char *verdict = drop ? "DROP" : "FORWARD";

	if (rule_id != FWCTL_NO_RULE)
		return snprintf(buf, len, "%s rule=%u", verdict, rule_id);
	if (!reason || !*reason)
		reason = "unknown";
	/* A drop's reason is a counter name; a forward's is what decided. */
	if (drop)
		return snprintf(buf, len, "%s reason=%s", verdict, reason);
	return snprintf(buf, len, "%s %s", verdict, reason);
}

/* --- pcapng blocks ----------------------------------------------------- */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int buf_reserve(struct capture_writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 256;
	__u8 *p;

	if (w->used + n <= w->cap)
		return 0;
	while (cap < w->used + n)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p)
		return -ENOMEM;
	w->buf = p;
	w->cap = cap;
	return 0;
}

/* Callers reserve first: the block's size is known before it is built. */
static void put(struct capture_writer *w, const void *p, size_t n)
{
	memcpy(w->buf + w->used, p, n);
	w->used += n;
}

static void put32(struct capture_writer *w, __u32 v)
{
	put(w, &v, 4);
}

static void put16(struct capture_writer *w, __u16 v)
{
	put(w, &v, 2);
}

static void put_pad(struct capture_writer *w)
{
	size_t n = pad4(w->used) - w->used;

	memset(w->buf + w->used, 0, n);
	w->used += n;
}

static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

static void put_opt(struct capture_writer *w, __u16 code, const void *val, size_t n)
{
	put16(w, code);
	put16(w, n);
	put(w, val, n);
	put_pad(w);
}

static void put_endofopt(struct capture_writer *w)
{
	put16(w, OPT_ENDOFOPT);
	put16(w, 0);
}

/* Start a block whose body and options take at most body bytes. */
static int block_begin(struct capture_writer *w, __u32 type, size_t body)
{
	w->used = 0;
	if (buf_reserve(w, 12 + body))
		return -ENOMEM;
	put32(w, type);
	put32(w, 0);		/* total length, known at the end */
	return 0;
}

static void block_end(struct capture_writer *w)
{
	__u32 total = w->used + 4;

	memcpy(w->buf + 4, &total, 4);
	put32(w, total);
}

static int write_all(int fd, const __u8 *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		n -= r;
	}
	return 0;
}

/*
 * A failed write is final. Cutting a regular file back to its last whole
 * block keeps what was written readable (a half block would make readers
 * stop with an error on it).
 */
static int write_failed(struct capture_writer *w, int err, struct fwctl_err *e)
{
	w->err = err;
	if (w->cut_fd >= 0 && ftruncate(w->cut_fd, w->good) == 0)
		fwctl_err_set(e, "%s: cannot write: %s; the file keeps the %lu packets before",
			      w->path, strerror(-err), w->count);
	else
		fwctl_err_set(e, "%s: cannot write: %s (after %lu packets)",
			      w->path, strerror(-err), w->count);
	return err;
}

static int block_write(struct capture_writer *w, struct fwctl_err *e)
{
	int err = write_all(w->fd, w->buf, w->used);

	if (err)
		return write_failed(w, err, e);
	w->good += w->used;
	return 0;
}

static int shb_write(struct capture_writer *w, struct fwctl_err *e)
{
	static const char appl[] = "fwctl " FWCTL_VERSION;
	__u64 section_len = (__u64)-1;	/* unknown: we stream */

	if (block_begin(w, PCAPNG_SHB, 16 + opt_size(sizeof(appl) - 1) + 4))
		return -ENOMEM;
	put32(w, PCAPNG_BYTE_ORDER);
	put16(w, 1);			/* version 1.0 */
	put16(w, 0);
	put(w, &section_len, 8);
	put_opt(w, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	put_endofopt(w);
	block_end(w);
	return block_write(w, e);
}

static int idb_write(struct capture_writer *w, const char *name, struct fwctl_err *e)
{
	size_t n = name ? strlen(name) : 0;
	__u8 tsresol = TSRESOL_NS;

	if (block_begin(w, PCAPNG_IDB, 8 + opt_size(n) + opt_size(1) + 4))
		return -ENOMEM;
	put16(w, PCAPNG_LINKTYPE_ETHERNET);
	put16(w, 0);
	put32(w, w->snaplen);
	if (n)
		put_opt(w, OPT_IF_NAME, name, n);
	put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	put_endofopt(w);
	block_end(w);
	return block_write(w, e);
}

static int epb_write(struct capture_writer *w, const struct capture_pkt *p, struct fwctl_err *e)
{
	size_t clen = p->comment ? strlen(p->comment) : 0;
	__u8 verdict[9];
	__u64 action;

	if (block_begin(w, PCAPNG_EPB, 20 + pad4(p->caplen) + opt_size(clen) +
			opt_size(sizeof(verdict)) + 4))
		return -ENOMEM;
	put32(w, p->iface);
	put32(w, p->ts_ns >> 32);
	put32(w, (__u32)p->ts_ns);
	put32(w, p->caplen);
	put32(w, p->len);
	put(w, p->data, p->caplen);
	put_pad(w);
	if (clen)
		put_opt(w, OPT_COMMENT, p->comment, clen);
	if (p->xdp_action != CAPTURE_NO_VERDICT) {
		/* Verdict type, then the XDP action as a u64 in section order. */
		action = p->xdp_action;
		verdict[0] = EPB_VERDICT_EBPF_XDP;
		memcpy(verdict + 1, &action, 8);
		put_opt(w, OPT_EPB_VERDICT, verdict, sizeof(verdict));
	}
	if (clen || p->xdp_action != CAPTURE_NO_VERDICT)
		put_endofopt(w);
	block_end(w);
	return block_write(w, e);
}

static int pcapng_open(struct capture_writer *w, const char *const *ifnames,
		       struct fwctl_err *e)
{
	struct stat st;
	unsigned int i;
	int err;

	if (!strcmp(w->path, "-")) {
		w->fd = STDOUT_FILENO;
	} else {
		w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0) {
			err = -errno;
			fwctl_err_set(e, "%s: %s", w->path, strerror(errno));
			return err;
		}
		w->own_fd = true;
	}
	if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		w->good = lseek(w->fd, 0, SEEK_CUR);
		if (w->good >= 0)
			w->cut_fd = w->fd;
	}
	err = shb_write(w, e);
	for (i = 0; !err && i < w->n_ifaces; i++)
		err = idb_write(w, ifnames ? ifnames[i] : NULL, e);
	if (err == -ENOMEM)
		fwctl_err_set(e, "%s: out of memory", w->path);
	return err;
}

/* --- classic pcap through libpcap --------------------------------------- */

static int classic_flush(struct capture_writer *w, struct fwctl_err *e)
{
	errno = 0;
	if (pcap_dump_flush(w->dumper))
		return write_failed(w, errno ? -errno : -EIO, e);
	w->good = pcap_dump_ftell64(w->dumper);
	return 0;
}

static int classic_open(struct capture_writer *w, struct fwctl_err *e)
{
	struct stat st;
	FILE *f;
	int err;

	w->dead = pcap_open_dead(DLT_EN10MB, w->snaplen);
	if (!w->dead) {
		fwctl_err_set(e, "%s: out of memory", w->path);
		return -ENOMEM;
	}
	if (!strcmp(w->path, "-")) {
		/* pcap_dump_close() closes its FILE: give it its own. */
		int fd = dup(STDOUT_FILENO);

		f = fd < 0 ? NULL : fdopen(fd, "w");
		if (!f && fd >= 0)
			close(fd);
	} else {
		f = fopen(w->path, "we");
	}
	if (!f) {
		err = -errno;
		fwctl_err_set(e, "%s: %s", w->path, strerror(errno));
		return err;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		w->cut_fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0);
	w->good = ftello(f);
	w->dumper = pcap_dump_fopen(w->dead, f);
	if (!w->dumper) {
		fwctl_err_set(e, "%s: %s", w->path, pcap_geterr(w->dead));
		fclose(f);
		return -EIO;
	}
	return classic_flush(w, e);
}

static int classic_write(struct capture_writer *w, const struct capture_pkt *p,
		      struct fwctl_err *e)
{
	struct pcap_pkthdr h = {
		.ts.tv_sec = p->ts_ns / 1000000000,
		.ts.tv_usec = p->ts_ns % 1000000000 / 1000,
		.caplen = p->caplen,
		.len = p->len,
	};

	pcap_dump((u_char *)w->dumper, &h, p->data);
	return classic_flush(w, e);
}

/* --- the writer --------------------------------------------------------- */

struct capture_writer *capture_create(const char *path, enum capture_format fmt,
				      const char *const *ifnames, unsigned int n_ifaces,
				      __u32 snaplen, struct fwctl_err *e)
{
	struct capture_writer *w;
	unsigned int i;
	int err;

	if (snaplen < 1 || snaplen > 65535 || !n_ifaces) {
		fwctl_err_set(e, "%s: snaplen %u or %u interfaces out of range",
			      path, snaplen, n_ifaces);
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; ifnames && i < n_ifaces; i++) {
		if (ifnames[i] && strlen(ifnames[i]) > OPT_MAX) {
			fwctl_err_set(e, "%s: interface name too long", path);
			errno = EINVAL;
			return NULL;
		}
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		fwctl_err_set(e, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	w->fmt = fmt;
	w->n_ifaces = n_ifaces;
	w->snaplen = snaplen;
	w->fd = -1;
	w->cut_fd = -1;
	if (fmt == CAPTURE_PCAPNG)
		err = pcapng_open(w, ifnames, e);
	else
		err = classic_open(w, e);
	if (err) {
		capture_close(w, NULL);
		errno = -err;
		return NULL;
	}
	return w;
}

static int pkt_check(const struct capture_writer *w, const struct capture_pkt *p,
		     struct fwctl_err *e)
{
	if (p->iface >= w->n_ifaces)
		fwctl_err_set(e, "%s: packet on interface %u of %u", w->path,
			      p->iface, w->n_ifaces);
	else if (p->caplen > p->len)
		fwctl_err_set(e, "%s: packet of %u bytes holds %u", w->path,
			      p->len, p->caplen);
	else if (p->caplen > w->snaplen)
		fwctl_err_set(e, "%s: packet record of %u bytes, snaplen %u", w->path,
			      p->caplen, w->snaplen);
	else if (p->caplen && !p->data)
		fwctl_err_set(e, "%s: packet without data", w->path);
	else if (p->comment && strlen(p->comment) > OPT_MAX)
		fwctl_err_set(e, "%s: packet comment too long", w->path);
	else if (p->xdp_action < 0 && p->xdp_action != CAPTURE_NO_VERDICT)
		fwctl_err_set(e, "%s: XDP action %d", w->path, p->xdp_action);
	else
		return 0;
	return -EINVAL;
}

int capture_write(struct capture_writer *w, const struct capture_pkt *p, struct fwctl_err *e)
{
	int err;

	if (w->err) {
		fwctl_err_set(e, "%s: cannot write: %s (after %lu packets)", w->path,
			      strerror(-w->err), w->count);
		return w->err;
	}
	err = pkt_check(w, p, e);
	if (err)
		return err;
	if (w->fmt == CAPTURE_PCAPNG)
		err = epb_write(w, p, e);
	else
		err = classic_write(w, p, e);
	if (err == -ENOMEM)
		fwctl_err_set(e, "%s: out of memory", w->path);
	if (!err)
		w->count++;
	return err;
}

unsigned long capture_count(const struct capture_writer *w)
{
	return w->count;
}

int capture_close(struct capture_writer *w, struct fwctl_err *e)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (w->dumper) {
		/* A failed write may leave bytes in the FILE for fclose to retry. */
		pcap_dump_close(w->dumper);
		if (w->err && w->cut_fd >= 0 && ftruncate(w->cut_fd, w->good))
			fwctl_err_set(e, "%s: cannot cut back to whole packets: %s",
				      w->path, strerror(errno));
	}
	if (w->dead)
		pcap_close(w->dead);
	if (w->fmt == CAPTURE_PCAP && w->cut_fd >= 0)
		close(w->cut_fd);
	if (w->own_fd && close(w->fd) && !err) {
		err = -errno;
		fwctl_err_set(e, "%s: %s", w->path, strerror(errno));
	}
	free(w->buf);
	free(w->path);
	free(w);
	return err;
}

/* --- reading ------------------------------------------------------------ */

struct capture_reader {
	pcap_t *p;
	char *path;
	unsigned long number;
};

static void linktype_refused(const char *path, int dlt, struct fwctl_err *e)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name)
		fwctl_err_set(e, "%s: link type %s (%s), not Ethernet: only Ethernet captures can be read",
			      path, name, desc ? desc : "?");
	else
		fwctl_err_set(e, "%s: link type %d, not Ethernet: only Ethernet captures can be read",
			      path, dlt);
}

struct capture_reader *capture_open(const char *path, struct fwctl_err *e)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture_reader *r;
	FILE *f;
	int err, dlt;

	f = strcmp(path, "-") ? fopen(path, "re") : fdopen(dup(STDIN_FILENO), "r");
	if (!f) {
		err = errno;
		fwctl_err_set(e, "%s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		fclose(f);
		fwctl_err_set(e, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	/* Nanoseconds whatever the file holds: libpcap scales. */
	r->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!r->p) {
		fclose(f);
		fwctl_err_set(e, "%s: %s", path, errbuf[0] ? errbuf : "not a pcap or pcapng file");
		err = EINVAL;
		goto fail;
	}
	dlt = pcap_datalink(r->p);
	if (dlt != DLT_EN10MB) {
		linktype_refused(path, dlt, e);
		err = EPROTONOSUPPORT;
		goto fail;
	}
	return r;
fail:
	capture_reader_close(r);
	errno = err;
	return NULL;
}

int capture_next(struct capture_reader *r, struct capture_frame *f, struct fwctl_err *e)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int ret;

	ret = pcap_next_ex(r->p, &h, &data);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		fwctl_err_set(e, "%s: packet %lu: %s", r->path, r->number + 1,
			      pcap_geterr(r->p));
		return -EIO;
	}
	r->number++;
	f->number = r->number;
	f->ts_ns = (__u64)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
	f->data = data;
	f->caplen = h->caplen;
	f->len = h->len;
	f->truncated = h->caplen < h->len;
	return 1;
}

void capture_reader_close(struct capture_reader *r)
{
	if (!r)
		return;
	if (r->p)
		pcap_close(r->p);
	free(r->path);
	free(r);
}
