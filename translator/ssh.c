/* --remote=ssh://[USER@]HOST[:PORT], or a bare [USER@]HOST as in systemtap 4.8: build for
 * the hosts' kernel here, run the module there with staprun.
 *
 * Three ssh connections per host, each running one fixed POSIX shell script. Every word in
 * those scripts that comes from the user (staprun's arguments, -c's command, the module's
 * name) or from the remote (its temporary directory) is single-quoted, and the URL's parts
 * are checked before they reach ssh's command line, so none can become shell syntax or an
 * ssh option:
 *   1. before pass 2, "uname -r; uname -m; cat /sys/kernel/notes": the kernel to build for
 *      and its build id (checked against the debug information pass 2 uses);
 *   2. after pass 4, a private temporary directory (mktemp -d) and the module, sent on
 *      ssh's stdin;
 *   3. staprun there, with ssh's stdin a control pipe: a line on it (Ctrl-C here) or its
 *      end (stap gone, the connection lost) sends SIGINT to staprun, which runs the end
 *      probes; then the directory is removed and staprun's exit status is ssh's.
 * ssh runs with SIGINT ignored, so a terminal's Ctrl-C reaches only stap, which passes it
 * on. Several --remote run at once; --remote-prefix puts "N: " before each line of the
 * N-th (from 0).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "passes.h"
#include "remote/initramfs.h"
#include "remote/qemu.h"
#include "util.h"

#define SSH_EXIT_FAILED 255	/* ssh's own failure: no connection, authentication */
#define INFO_MAX (1u << 20)

struct ssh_remote {
	const char *url;
	const char *user, *host, *port;	/* user and port NULL when not given */
	const char *dir;		/* the remote temporary directory, once made */
	pid_t pid;			/* the running ssh of pass 5, 0 once reaped */
	int ctl;			/* its stdin, -1 when closed */
	int fd[2];			/* its stdout and stderr, -1 at their end */
	struct strbuf part[2];		/* an unfinished line of each (--remote-prefix) */
	int status;
};

bool ssh_is_url(const char *url)
{
	return !strncmp(url, "ssh://", 6) || (!strstr(url, "://") && strncmp(url, "unix:", 5));
}

/* N bytes at P, not empty, not starting with '-', of letters, digits and EXTRA */
static bool word_ok(const char *p, size_t n, const char *extra)
{
	size_t i;

	if (!n || *p == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!p[i] || (!isalnum((unsigned char)p[i]) && !strchr(extra, p[i])))
			return false;
	return true;
}

static int parse_url(struct session *s, const char *url, struct ssh_remote *r)
{
	const char *p = strncmp(url, "ssh://", 6) ? url : url + 6;
	const char *at = strchr(p, '@'), *host = p, *end, *why = NULL;

	r->url = url;
	if (at) {
		if (!word_ok(p, (size_t)(at - p), "._-"))
			why = "a user name is letters, digits, '.', '_' and '-'";
		r->user = arena_strndup(&s->arena, p, (size_t)(at - p));
		host = at + 1;
	}
	if (*host == '[') {		/* [IPv6] */
		end = strchr(host, ']');
		if (!end || !word_ok(host + 1, (size_t)(end - host - 1), ":.%"))
			why = why ? why : "an address in brackets is an IPv6 address";
		else
			r->host = arena_strndup(&s->arena, host + 1, (size_t)(end - host - 1));
		end = end ? end + 1 : host + strlen(host);
	} else {
		end = host + strcspn(host, ":/");
		if (!word_ok(host, (size_t)(end - host), ".-_"))
			why = why ? why : "a host name is letters, digits, '.', '-' and '_'";
		r->host = arena_strndup(&s->arena, host, (size_t)(end - host));
	}
	if (*end == ':') {
		size_t n = strspn(end + 1, "0123456789");
		long port = n && n <= 5 ? strtol(end + 1, NULL, 10) : 0;

		if (port < 1 || port > 65535)
			why = why ? why : "the port is a number from 1 to 65535";
		r->port = arena_strndup(&s->arena, end + 1, n);
		end += 1 + n;
	}
	if (*end == '/' && !end[1])
		end++;
	if (*end && !why)
		why = "expected ssh://[USER@]HOST[:PORT]";
	if (why) {
		diag_plain(s, "stap", "invalid remote '%s': %s", url, why);
		return -1;
	}
	return 0;
}

/* Start ssh to R running SCRIPT there; IN (-1: /dev/null), OUT and ERR become its stdio.
 * SIGINT is ignored in it (Ctrl-C goes to the remote through stap), nothing blocked. */
static pid_t ssh_spawn(struct session *s, const struct ssh_remote *r, const char *script,
		       int in, int out, int err)
{
	const char *argv[16];
	int n = 0;
	pid_t pid;

	argv[n++] = "ssh";
	argv[n++] = "-x";		/* no X11 forwarding */
	argv[n++] = "-T";		/* no tty: the bytes come back as they are */
	argv[n++] = "-oLogLevel=ERROR";	/* no "Permanently added ..." in the output */
	if (r->user) {
		argv[n++] = "-l";
		argv[n++] = r->user;
	}
	if (r->port) {
		argv[n++] = "-p";
		argv[n++] = r->port;
	}
	argv[n++] = "--";
	argv[n++] = r->host;
	argv[n++] = script;
	argv[n] = NULL;
	if (s->opt.verbose >= 3)
		fprintf(stderr, "ssh to %s: %s\n", r->url, script);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDWR);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_DFL);
		dup2(in >= 0 ? in : null, 0);
		if (out != 1)
			dup2(out, 1);
		if (err != 2)
			dup2(err, 2);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "stap: cannot run ssh: %s (install openssh-client)\n",
			strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		diag_plain(s, "error", "fork: %s", strerror(errno));
	return pid;
}

/* ssh's exit status (the remote command's); an ssh killed here by a signal lost the
 * connection as surely as one that says so with SSH_EXIT_FAILED */
static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : SSH_EXIT_FAILED;
}

/* Run SCRIPT on R with stdin IN; its stdout (at most INFO_MAX bytes) in *OUT (NUL-ended,
 * the caller frees), its stderr on ours. ssh's exit status, or -1. */
static int ssh_capture(struct session *s, const struct ssh_remote *r, const char *script,
		       int in, char **out, size_t *len)
{
	int p[2], st;
	pid_t pid;
	char *buf = xmalloc(INFO_MAX + 1);
	size_t n = 0;

	if (pipe2(p, O_CLOEXEC) < 0) {
		diag_plain(s, "error", "pipe: %s", strerror(errno));
		free(buf);
		return -1;
	}
	pid = ssh_spawn(s, r, script, in, p[1], 2);
	close(p[1]);
	while (pid > 0) {
		ssize_t k = read(p[0], buf + n, INFO_MAX - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == INFO_MAX)
			break;
	}
	close(p[0]);
	st = pid > 0 ? wait_status(pid) : -1;
	buf[n] = 0;
	*out = buf;
	*len = n;
	return st;
}

static int unreachable(struct session *s, const struct ssh_remote *r, int st)
{
	if (st == SSH_EXIT_FAILED || st < 0)
		diag_plain(s, "stap", "cannot reach remote '%s' over ssh (ssh's message above says why)",
			   r->url);
	else
		diag_plain(s, "stap", "remote '%s': the command failed with status %d", r->url,
			   st);
	return -1;
}

/* The kernel R runs: release and machine into *REL, *MACH, its build id into BID (64
 * bytes; *BID_LEN 0 when the remote cannot read /sys/kernel/notes). */
static int remote_kernel(struct session *s, const struct ssh_remote *r, const char **rel,
			 const char **mach, unsigned char *bid, size_t *bid_len)
{
	static const char script[] =
		"uname -r && uname -m && { cat /sys/kernel/notes 2>/dev/null; true; }";
	char *out, *l1, *l2;
	size_t len;
	int st = ssh_capture(s, r, script, -1, &out, &len);

	if (st) {
		free(out);
		return unreachable(s, r, st);
	}
	l1 = memchr(out, '\n', len);
	l2 = l1 ? memchr(l1 + 1, '\n', len - (size_t)(l1 + 1 - out)) : NULL;
	if (!l2) {
		free(out);
		diag_plain(s, "stap", "remote '%s': unexpected answer to uname", r->url);
		return -1;
	}
	*l1 = *l2 = 0;
	if (!qemu_release_ok(out) || !word_ok(l1 + 1, strlen(l1 + 1), "_")) {
		diag_plain(s, "stap", "remote '%s': implausible kernel release '%.64s' or machine '%.64s'",
			   r->url, out, l1 + 1);
		free(out);
		return -1;
	}
	*rel = arena_strdup(&s->arena, out);
	*mach = arena_strdup(&s->arena, l1 + 1);
	*bid_len = dw_notes_build_id(l2 + 1, len - (size_t)(l2 + 1 - out), bid, 64);
	free(out);
	return 0;
}

static const char *hex(struct session *s, const unsigned char *b, size_t n)
{
	char *h = arena_alloc(&s->arena, 2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(h + 2 * i, "%02x", b[i]);
	return h;
}

int ssh_resolve(struct session *s)
{
	struct kernel_target *k = &s->kern;
	struct utsname u;
	size_t i;
	char *mk;
	bool ok;

	if (s->opt.bpf) {
		diag_plain(s, "stap", "--runtime=bpf runs on this machine: not with --remote=%s",
			   s->opt.remote);
		return -1;
	}
	s->n_ssh = s->opt.remotes.n;
	s->ssh = arena_alloc(&s->arena, s->n_ssh * sizeof(*s->ssh));
	for (i = 0; i < s->n_ssh; i++) {
		const char *url = s->opt.remotes.v[i];

		if (!ssh_is_url(url)) {
			diag_plain(s, "stap", "unknown remote '%s': several --remote must all be ssh://[USER@]HOST[:PORT] or [USER@]HOST",
				   url);
			return -1;
		}
		if (parse_url(s, url, &s->ssh[i]))
			return -1;
	}
	for (i = 0; i < s->n_ssh; i++) {
		const struct ssh_remote *r = &s->ssh[i];
		unsigned char bid[64];
		const char *rel, *mach;
		size_t bid_len;

		if (remote_kernel(s, r, &rel, &mach, bid, &bid_len))
			return -1;
		if (s->opt.verbose)
			fprintf(stderr, "Remote %s runs kernel %s (%s), build id %s\n", r->url, rel,
				mach, bid_len ? hex(s, bid, bid_len) : "unknown");
		if (i == 0) {
			k->release = rel;
			k->arch = mach;
			memcpy(k->build_id, bid, bid_len);
			k->build_id_len = bid_len;
			k->build_id_from = arena_printf(&s->arena, "%s:/sys/kernel/notes", r->url);
		} else if (strcmp(rel, k->release) || strcmp(mach, k->arch) ||
			   bid_len != k->build_id_len || memcmp(bid, k->build_id, bid_len)) {
			diag_plain(s, "stap", "remotes '%s' and '%s' run different kernels (%s and %s): one module serves every --remote, so give one run per kernel",
				   s->ssh[0].url, r->url, k->release, rel);
			return -1;
		}
	}
	uname(&u);
	if (strcmp(k->arch, u.machine) || (s->opt.arch && strcmp(s->opt.arch, k->arch))) {
		diag_plain(s, "stap", "remote '%s' is %s: this %s host builds modules for %s only",
			   s->ssh[0].url, k->arch, u.machine, u.machine);
		return -1;
	}
	if ((s->opt.release && strcmp(s->opt.release, k->release)) || s->opt.build_dir) {
		diag_plain(s, "stap", "-r and --remote=%s name different kernels (the remote runs %s)",
			   s->ssh[0].url, k->release);
		return -1;
	}
	k->build_dir = arena_printf(&s->arena, "/lib/modules/%s/build", k->release);
	k->is_host = false;	/* the module is for the remote, even with the same release */
	if (s->opt.last_pass < 3 || s->opt.listing)
		return 0;
	mk = xasprintf("%s/Makefile", k->build_dir);
	ok = file_exists(mk);
	free(mk);
	if (!ok) {
		diag_plain(s, "stap", "remote '%s' runs kernel %s, whose build tree is not here at %s: install linux-headers-%s on this host to build for it",
			   s->ssh[0].url, k->release, k->build_dir, k->release);
		return -1;
	}
	return 0;
}

/* ---- pass 5 ----------------------------------------------------------------------- */

/* A private directory on R holding the module: R->dir. */
static int upload(struct session *s, struct ssh_remote *r)
{
	struct strbuf sc = { 0 };
	const char *base = strrchr(s->module_path, '/');
	char *out;
	size_t len;
	int in, st;

	base = base ? base + 1 : s->module_path;
	sb_puts(&sc, "umask 077 && d=$(mktemp -d \"${TMPDIR:-/tmp}/stapXXXXXX\") && "
		     "{ cat >\"$d\"/");
	sb_sh_quote(&sc, base);
	sb_puts(&sc, " && echo \"$d\" || { rm -rf \"$d\"; exit 1; }; }");
	in = open(s->module_path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		diag_plain(s, "error", "cannot open %s: %s", s->module_path, strerror(errno));
		sb_free(&sc);
		return -1;
	}
	st = ssh_capture(s, r, sc.buf, in, &out, &len);
	close(in);
	sb_free(&sc);
	if (st) {
		free(out);
		diag_plain(s, "stap", "cannot copy the module to remote '%s'", r->url);
		return -1;
	}
	out[strcspn(out, "\n")] = 0;
	if (out[0] != '/' || !word_ok(out, strlen(out), "/._-")) {
		diag_plain(s, "stap", "remote '%s': implausible temporary directory '%.100s'",
			   r->url, out);
		free(out);
		return -1;
	}
	r->dir = arena_strdup(&s->arena, out);
	free(out);
	return 0;
}

/* The script that runs staprun in R->dir, passes interrupts on and cleans up. */
static void run_script(struct session *s, const struct ssh_remote *r, struct strbuf *sc)
{
	const char *base = strrchr(s->module_path, '/');
	struct strlist argv = { 0 };
	size_t i;

	base = base ? base + 1 : s->module_path;
	staprun_args(s, &argv, "staprun", arena_printf(&s->arena, "%s/%s", r->dir, base),
		     arena_printf(&s->arena, "%zu:%s", (size_t)(r - s->ssh), r->url));
	sb_puts(sc, "cd ");
	sb_sh_quote(sc, r->dir);
	sb_puts(sc, " || exit 1\nexec 3<&0\n");
	for (i = 0; argv.v[i]; i++) {
		sb_sh_quote(sc, argv.v[i]);
		sb_putc(sc, ' ');
	}
	strlist_free(&argv);
	/* an asynchronous list's stdin is /dev/null unless redirected: the watcher reads
	 * the control stream from fd 3 */
	sb_puts(sc, "</dev/null 3<&- &\n"
		    "p=$!\n"
		    "{ while read -r l; do kill -INT $p; done; kill -INT $p; } <&3 >/dev/null 2>&1 &\n"
		    "w=$!\n"
		    "exec 3<&-\n"
		    "wait $p\n"
		    "st=$?\n"
		    "kill $w 2>/dev/null\n"
		    "cd / && rm -rf ");
	sb_sh_quote(sc, r->dir);
	sb_puts(sc, "\nexit $st\n");
}

/* Remove the directories made before a failure. */
static void cleanup(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n_ssh; i++) {
		struct ssh_remote *r = &s->ssh[i];
		struct strbuf sc = { 0 };
		pid_t pid;

		if (!r->dir)
			continue;
		sb_puts(&sc, "rm -rf ");
		sb_sh_quote(&sc, r->dir);
		pid = ssh_spawn(s, r, sc.buf, -1, 1, 2);
		if (pid > 0)
			wait_status(pid);
		sb_free(&sc);
		r->dir = NULL;
	}
}

/* Write what came on R's stream I to DEST, "N: " before each line with --remote-prefix;
 * LEN 0 is the end of the stream. */
static void deliver(struct session *s, struct ssh_remote *r, size_t idx, int i, int dest,
		    const char *buf, size_t len)
{
	struct strbuf *part = &r->part[i];
	struct strbuf o = { 0 };
	size_t k;

	if (!s->opt.remote_prefix) {
		if (len)	/* a closed stdout loses the bytes; reading goes on */
			qemu_write_all(dest, buf, len);
		return;
	}
	for (k = 0; k < len; k++) {
		if (!part->len)
			sb_printf(part, "%zu: ", idx);
		sb_putc(part, buf[k]);
		if (buf[k] == '\n') {
			sb_add(&o, part->buf, part->len);
			part->len = 0;
		}
	}
	if (!len && part->len) {	/* an unfinished last line */
		sb_add(&o, part->buf, part->len);
		part->len = 0;
	}
	if (o.len)
		qemu_write_all(dest, o.buf, o.len);
	sb_free(&o);
}

static void interrupt_all(struct session *s)
{
	size_t i;

	for (i = 0; i < s->n_ssh; i++)
		if (s->ssh[i].ctl >= 0 && write(s->ssh[i].ctl, "INT\n", 4) != 4) {
			close(s->ssh[i].ctl);
			s->ssh[i].ctl = -1;
		}
}

/* Start staprun on every remote, stream until every one is done. */
static int run_all(struct session *s, int out_fd, int sig_fd)
{
	struct pollfd *pfd = xcalloc(2 * s->n_ssh + 1, sizeof(*pfd));
	size_t i, open_fds = 0;
	int rc = 0;

	for (i = 0; i < s->n_ssh; i++) {
		struct ssh_remote *r = &s->ssh[i];
		struct strbuf sc = { 0 };
		int ctl[2], o[2], e[2];

		r->ctl = r->fd[0] = r->fd[1] = -1;
		if (pipe2(ctl, O_CLOEXEC) || pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC)) {
			diag_plain(s, "error", "pipe: %s", strerror(errno));
			rc = -1;
			break;
		}
		run_script(s, r, &sc);
		r->pid = ssh_spawn(s, r, sc.buf, ctl[0], o[1], e[1]);
		sb_free(&sc);
		close(ctl[0]);
		close(o[1]);
		close(e[1]);
		r->ctl = ctl[1];
		r->fd[0] = o[0];
		r->fd[1] = e[0];
		if (r->pid < 0) {
			r->pid = 0;
			rc = -1;
			break;
		}
		r->dir = NULL;	/* the script removes it */
		open_fds += 2;
	}
	if (rc)
		interrupt_all(s);
	while (open_fds) {
		size_t n = 0, j;

		pfd[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		for (i = 0; i < s->n_ssh; i++)
			for (j = 0; j < 2; j++)
				pfd[n++] = (struct pollfd){ .fd = s->ssh[i].fd[j], .events = POLLIN };
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				interrupt_all(s);
		}
		for (n = 1, i = 0; i < s->n_ssh; i++) {
			for (j = 0; j < 2; j++, n++) {
				struct ssh_remote *r = &s->ssh[i];
				char buf[1 << 16];
				ssize_t k;

				if (r->fd[j] < 0 || !(pfd[n].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				k = read(r->fd[j], buf, sizeof(buf));
				if (k < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				deliver(s, r, i, (int)j, j ? 2 : out_fd, buf, k > 0 ? (size_t)k : 0);
				if (k <= 0) {
					close(r->fd[j]);
					r->fd[j] = -1;
					open_fds--;
				}
			}
		}
	}
	for (i = 0; i < s->n_ssh; i++) {
		struct ssh_remote *r = &s->ssh[i];

		if (r->ctl >= 0)
			close(r->ctl);
		r->ctl = -1;
		r->status = r->pid > 0 ? wait_status(r->pid) : 1;
		r->pid = 0;
		sb_free(&r->part[0]);
		sb_free(&r->part[1]);
		if (r->status == SSH_EXIT_FAILED) {
			diag_plain(s, "stap", "lost the connection to remote '%s'", r->url);
			rc = -1;
		} else if (!rc && r->status) {
			rc = r->status;
		}
	}
	free(pfd);
	return rc;
}

int ssh_run(struct session *s)
{
	sigset_t set, old;
	int out_fd = run_output_fd(s), sig_fd, rc = 0;
	size_t i;

	if (out_fd < 0)
		return -1;
	for (i = 0; i < s->n_ssh && !rc; i++)
		rc = upload(s, &s->ssh[i]);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	sig_fd = rc ? -1 : signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!rc && sig_fd < 0) {
		diag_plain(s, "error", "signalfd: %s", strerror(errno));
		rc = -1;
	}
	if (!rc) {
		struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;

		sigaction(SIGPIPE, &ign, &old_pipe);
		rc = run_all(s, out_fd, sig_fd);
		sigaction(SIGPIPE, &old_pipe, NULL);
	}
	if (sig_fd >= 0)
		close(sig_fd);
	cleanup(s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (out_fd != 1)
		close(out_fd);
	return rc;
}
