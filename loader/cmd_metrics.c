// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_metrics.c - fwctl metrics --listen ADDR:PORT | --textfile DIR
 * [--interval SECONDS]: the counters in the Prometheus text format (prom.c),
 * served over HTTP on /metrics (libmicrohttpd) or written to DIR/fwctl.prom
 * for node_exporter's textfile collector, until SIGINT or SIGTERM, or until
 * the filter is detached.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <microhttpd.h>
#include "cli.h"

#define TEXTFILE_NAME		"fwctl.prom"
/* Not *.prom: the textfile collector must never read a half-written file. */
#define TEXTFILE_TMP		".fwctl.prom.XXXXXX"
#define INTERVAL_DEFAULT	15.0

/* --- the text, from one snapshot ---------------------------------------- */

/*
 * The whole exposition in a malloc'ed buffer (*len bytes). Refuses to
 * show counters of a filter that was detached: they would look alive.
 */
static int render(const struct fwctl_state *st, char **buf, size_t *len, struct fwctl_err *e)
{
	struct snapshot s = {};
	FILE *f;
	int err;

	err = still_attached(st, e);
	if (!err)
		err = snapshot_read(st, &s, e);
	if (err) {
		snapshot_free(&s);
		return err;
	}
	f = open_memstream(buf, len);
	err = f ? prom_write(f, &st->cfg, &s) : -ENOMEM;
	if (f && fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		if (f)
			free(*buf);
		fwctl_err_set(e, "out of memory");
	}
	snapshot_free(&s);
	return err;
}

/* --- signals and the wait between two rounds ------------------------------ */

/*
 * SIGINT and SIGTERM are blocked in every thread (the HTTP server's
 * inherit it) and taken by sigtimedwait() in the main loop alone.
 */
static sigset_t stop_signals;

static void block_stop_signals(void)
{
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
}

/* Wait up to seconds; true when SIGINT or SIGTERM came. */
static bool stop_requested(double seconds)
{
	struct timespec ts;

	if (seconds < 0)
		seconds = 0;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - ts.tv_sec) * 1e9);
	return sigtimedwait(&stop_signals, NULL, &ts) > 0;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- HTTP: /metrics --------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	char *body = NULL;
	int n = asprintf(&body, "%s\n", msg);

	return n < 0 ? MHD_NO : reply(c, status, "text/plain; charset=utf-8", body, n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	const struct fwctl_state *st = cls;
	struct fwctl_err e = {};
	size_t len;
	char *buf;

	(void)version, (void)upload;
	/* Answer once the request is read whole, else MHD closes the connection
	 * (a scraper keeps it open from one scrape to the next). */
	if (!*req) {
		*req = (void *)c;
		return MHD_YES;
	}
	if (*upload_len) {
		*upload_len = 0;	/* a body: nothing wants one */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "404 not found: fwctl serves /metrics");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "405 method not allowed: use GET or HEAD");
	if (render(st, &buf, &len, &e))
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, e.msg);
	return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, buf, len);
}

/* The parts of ADDR:PORT: "127.0.0.1:9477", "[::1]:9477", ":9477" (every address). */
struct listen_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	const char *text;
};

static int parse_port(const char *arg, const char *p, in_port_t *port)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(p, &end, 10);
	if (*p < '0' || *p > '9' || *end || errno || n < 1 || n > 65535)
		return usage_error("metrics", "invalid --listen '%s': port '%s' (1 to 65535)",
				   arg, p);
	*port = htons((in_port_t)n);
	return 0;
}

static int parse_listen(const char *arg, struct listen_addr *la)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *colon = strrchr(arg, ':');
	size_t hlen;
	in_port_t port = 0;

	memset(la, 0, sizeof(*la));
	la->text = arg;
	if (!colon || (arg[0] == '[' && colon[-1] != ']'))
		return usage_error("metrics", "invalid --listen '%s': ADDR:PORT expected "
				   "(127.0.0.1:9477, [::1]:9477, :9477 for every address)", arg);
	if (parse_port(arg, colon + 1, &port))
		return EXIT_USAGE;
	hlen = colon - arg;
	if (!hlen) {	/* every address: IPv6 and IPv4 on one socket */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&la->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = port;
		la->len = sizeof(*sin6);
		return 0;
	}
	if (arg[0] == '[' && arg[hlen - 1] == ']') {
		arg++;
		hlen -= 2;
		hints.ai_family = AF_INET6;
	} else if (memchr(arg, ':', hlen) || memchr(arg, '[', hlen) || memchr(arg, ']', hlen)) {
		return usage_error("metrics", "invalid --listen '%s': an IPv6 address goes in "
				   "brackets ([::1]:9477)", la->text);
	} else {
		hints.ai_family = AF_INET;
	}
	if (hlen >= sizeof(host))
		return usage_error("metrics", "invalid --listen '%s': not an IP address", la->text);
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	/* inet_pton: getaddrinfo would take "10.1" for 10.0.0.1. */
	if (hints.ai_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&la->sa;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return usage_error("metrics", "invalid --listen '%s': '%s' is not an "
					   "IPv4 address or a bracketed IPv6 address", la->text, host);
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		la->len = sizeof(*sin);
		return 0;
	}
	/* getaddrinfo for IPv6: it takes a zone too, [fe80::1%eth0]:9477. */
	if (getaddrinfo(host, NULL, &hints, &ai) || !ai)
		return usage_error("metrics", "invalid --listen '%s': '%s' is not an IPv6 address",
				   la->text, host);
	memcpy(&la->sa, ai->ai_addr, ai->ai_addrlen);
	la->len = ai->ai_addrlen;
	freeaddrinfo(ai);
	((struct sockaddr_in6 *)&la->sa)->sin6_port = port;
	return 0;
}

/* A listening socket on la, or -1 with the reason in e. */
static int listen_on(const struct listen_addr *la, struct fwctl_err *e)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(la->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fwctl_err_set(e, "cannot listen on %s: %s", la->text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (la->sa.ss_family == AF_INET6)	/* [::] takes IPv4 too; [::1] is v6 anyway */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (!bind(fd, (const struct sockaddr *)&la->sa, la->len) && !listen(fd, 64))
		return fd;
	err = errno;
	close(fd);
	if (err == EADDRINUSE)
		fwctl_err_set(e, "cannot listen on %s: the port is in use", la->text);
	else if (err == EADDRNOTAVAIL)
		fwctl_err_set(e, "cannot listen on %s: no interface has that address", la->text);
	else
		fwctl_err_set(e, "cannot listen on %s: %s", la->text, strerror(err));
	return -1;
}

/* Serve /metrics until a stop signal (0) or a detach (-ESTALE, -ENOENT). */
static int serve(const struct fwctl_state *st, const struct listen_addr *la, struct fwctl_err *e)
{
	struct MHD_Daemon *d;
	int fd, err = 0;

	fd = listen_on(la, e);
	if (fd < 0)
		return -EADDRINUSE;
	/* One thread serves every connection: scrapes are few and short. */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
			     on_request, (void *)st, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30U, MHD_OPTION_END);
	if (!d) {
		close(fd);
		fwctl_err_set(e, "cannot start the HTTP server on %s", la->text);
		return -EIO;
	}
	fwctl_info("serving http://%s/metrics", la->text);
	while (!stop_requested(1.0)) {
		err = still_attached(st, e);
		if (err)
			break;
	}
	MHD_stop_daemon(d);	/* closes fd too */
	return err;
}

/* --- the textfile: written whole, then renamed over the old one ------------ */

/* write() all of buf; 0 or -1 (errno set). */
static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static int textfile_write(const struct fwctl_state *st, const char *dir, struct fwctl_err *e)
{
	char tmp[PATH_MAX], path[PATH_MAX], *buf = NULL;
	size_t len;
	int fd, err;

	err = render(st, &buf, &len, e);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s/" TEXTFILE_TMP, dir);
	snprintf(path, sizeof(path), "%s/" TEXTFILE_NAME, dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		fwctl_err_set(e, "cannot write in %s: %s", dir, strerror(-err));
		free(buf);
		return err;
	}
	/*
	 * mkstemp makes it 0600: node_exporter need not run as root. On disk
	 * before the rename: a crash leaves the old file or the new one.
	 */
	if (fchmod(fd, 0644) || write_all(fd, buf, len) || fdatasync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		fwctl_err_set(e, "cannot write %s: %s", path, strerror(-err));
		unlink(tmp);
	}
	free(buf);
	return err;
}

/*
 * Write DIR/fwctl.prom now and every interval; check the filter every
 * second. When it is detached the file goes too: the textfile collector
 * would export its frozen counters as if they were live.
 */
static int textfile_loop(const struct fwctl_state *st, const char *dir, double interval,
			 struct fwctl_err *e)
{
	double next = now_mono(), wait;
	char path[PATH_MAX], why[sizeof(e->msg)];
	int err;

	for (;;) {
		err = still_attached(st, e);
		if (!err && now_mono() >= next) {
			err = textfile_write(st, dir, e);	/* it checks again, for HTTP */
			next += interval;
			if (next < now_mono())	/* a slow write: no burst to catch up */
				next = now_mono() + interval;
		}
		if (err == -ENOENT || err == -ESTALE) {	/* detached */
			snprintf(path, sizeof(path), "%s/" TEXTFILE_NAME, dir);
			memcpy(why, e->msg, sizeof(why));
			if (!unlink(path))
				fwctl_err_set(e, "%.160s; removed %s", why, path);
		}
		if (err)
			return err;
		wait = next - now_mono();
		if (stop_requested(wait < 1 ? wait : 1))
			return 0;
	}
}

/* --- the command ----------------------------------------------------------- */

static const char metrics_help[] =
	"The counters of 'fwctl stats' in the Prometheus text format (as\n"
	"'fwctl stats --prometheus' prints them; metric names in fwctl(8), METRICS),\n"
	"until SIGINT or SIGTERM (exit 0). Stops with exit status 1 and one line if\n"
	"the filter is detached.\n\n"
	"Options (one of --listen and --textfile):\n"
	"  -l, --listen ADDR:PORT    serve them over HTTP on /metrics: 127.0.0.1:9477,\n"
	"                            [::1]:9477, or :9477 for every address\n"
	"  -t, --textfile DIR        write DIR/fwctl.prom (a temporary file in DIR,\n"
	"                            renamed) for node_exporter's textfile collector;\n"
	"                            removed if the filter is detached\n"
	"  -i, --interval SECONDS    with --textfile: rewrite it every SECONDS (0.1 to\n"
	"                            86400; default 15)\n"
	"  -h, --help                this help\n";

static int parse_seconds(const char *arg, double *v)
{
	char *end;

	*v = strtod(arg, &end);
	if (*end || end == arg || !(*v >= 0.1 && *v <= 86400))
		return usage_error("metrics", "invalid interval '%s' (0.1 to 86400 seconds)", arg);
	return 0;
}

static int check_dir(const char *dir)
{
	struct stat sb;

	if (!*dir)
		return usage_error("metrics", "--textfile: empty directory name");
	if (stat(dir, &sb))
		return usage_error("metrics", "--textfile '%s': %s", dir,
				   errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return usage_error("metrics", "--textfile '%s': not a directory", dir);
	if (strlen(dir) + sizeof(TEXTFILE_TMP) + 1 > PATH_MAX)
		return usage_error("metrics", "--textfile '%s': name too long", dir);
	return 0;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "textfile", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL, *dir = NULL;
	struct listen_addr la;
	double interval = INTERVAL_DEFAULT;
	bool interval_set = false;
	struct fwctl_state s;
	struct fwctl_err e = {};
	int opt, err;

	for (optind = 0; (opt = cli_opt("metrics", argc, argv, ":l:t:i:h", opts)) != -1;) {
		switch (opt) {
		case 'h':
			return command_help("metrics", "-l|--listen ADDR:PORT | -t|--textfile DIR "
					    "[-i|--interval SECONDS]", metrics_help);
		case 'l':
			listen_arg = optarg;
			break;
		case 't':
			dir = optarg;
			break;
		case 'i':
			if (parse_seconds(optarg, &interval))
				return EXIT_USAGE;
			interval_set = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("metrics", "unexpected argument '%s'", argv[optind]);
	if (!listen_arg == !dir)
		return usage_error("metrics", "give one of --listen ADDR:PORT and --textfile DIR");
	if (interval_set && !dir)
		return usage_error("metrics", "--interval goes with --textfile (a scrape reads "
				   "the counters when it comes)");
	if (listen_arg && parse_listen(listen_arg, &la))
		return EXIT_USAGE;
	if (dir && check_dir(dir))
		return EXIT_USAGE;
	if (state_open(&s, &e))
		return runtime_error("metrics", &e);
	/* Counters need no lock: a reader must not stall rule changes for hours. */
	state_unlock(s.lock_fd);
	s.lock_fd = -1;
	block_stop_signals();
	if (listen_arg)
		err = serve(&s, &la, &e);
	else
		err = textfile_loop(&s, dir, interval, &e);
	state_close(&s);
	return err ? runtime_error("metrics", &e) : 0;
}
