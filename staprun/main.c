/*
 * staprun [-v] [-o FILE] [-c CMD] [-x PID] [-s MB] MODULE.ko [param=value...]
 * staprun -d MODULE
 * staprun -h | -V
 *
 * Insert the module, start its session, copy its output to stdout (or FILE)
 * and its messages to stderr until the session ends (the script exits,
 * SIGINT/SIGTERM/SIGHUP, or CMD exits), then remove the module.  Exits with
 * the session's status (0, or 1 after a run-time error), or 1 when staprun
 * itself fails.  All script output printed before the end is written out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#define POLL_MS 50

/* the one thing a signal handler may touch */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

#ifndef STAP_VERSION
#define STAP_VERSION "unknown"
#endif

#define USAGE_LINE "usage: staprun [-v] [-o FILE [-S MB[,N]]] [-c CMD] [-x PID] [-s MB] " \
	"[-r N:URI] MODULE.ko [param=value...]\n"

static void usage(void)
{
	fputs(USAGE_LINE, stderr);
	exit(1);
}

/* -h: the usage and what each option does, on stdout */
static void help(void)
{
	fputs(USAGE_LINE
	      "       staprun -d MODULE\n"
	      "       staprun -h | -V\n"
	      "\n"
	      "Load MODULE.ko, run its session and copy its output until the script\n"
	      "exits, a signal (SIGINT, SIGTERM, SIGHUP) arrives or CMD exits; then\n"
	      "remove the module.\n"
	      "\n"
	      "  -v         more messages on stderr; repeat for more\n"
	      "  -o FILE    write the script's output to FILE instead of stdout\n"
	      "  -c CMD     run CMD with /bin/sh once the session has started; its pid\n"
	      "             is the script's target(), and its exit ends the session\n"
	      "  -x PID     make PID the script's target()\n"
	      "  -s MB      output buffer size in MB (1..1024)\n"
	      "  -r N:URI   the script's remote_id() and remote_uri() (stap --remote)\n"
	      "  -S MB[,N]  with -o: write FILE.0, FILE.1, ..., each at most MB megabytes,\n"
	      "             keeping the newest N; switch_file() also starts the next file\n"
	      "             (without -S: FILE, then FILE.1, FILE.2, ...)\n"
	      "  -d         remove MODULE (a name, or NAME.ko), a systemtap module no\n"
	      "             staprun is attached to, e.g. after staprun was killed;\n"
	      "             \"*\" removes all of them\n"
	      "  -h         print this help and exit\n"
	      "  -V         print the version and exit\n", stdout);
	exit(0);
}

static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		sr_err("invalid number '%s'", s);
		usage();
	}
	return v;
}

/* Module parameters: the remaining arguments, then -s's and -r's. */
static char *join_params(const struct staprun *sr, char **argv, int argc)
{
	size_t len = 64 + (sr->remote ? 2 * strlen(sr->remote) + 64 : 0);
	const char *colon = sr->remote ? strchr(sr->remote, ':') : NULL;
	char *s, *p;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	p = s = xmalloc(len);
	*p = '\0';
	for (i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	if (sr->bufsize_mb)
		p += sprintf(p, "%s%s=%u", p > s ? " " : "", STP_BUFSIZE_PARAM, sr->bufsize_mb);
	if (colon)
		sprintf(p, "%s_stp_remote_id=%.*s _stp_remote_uri=%s", p > s ? " " : "",
			(int)(colon - sr->remote), sr->remote, colon + 1);
	return s;
}

/* -r N:URI: N a number, URI without blanks, quotes or backslashes (one module
 * parameter word) */
static void check_remote(const char *r)
{
	size_t n = strspn(r, "0123456789");

	if (!n || n > 9 || r[n] != ':' || !r[n + 1] || strlen(r) > 1024 ||
	    strpbrk(r + n + 1, " \t\n\"'\\")) {
		sr_err("invalid -r '%s': N:URI, a number and a URI without blanks or quotes", r);
		usage();
	}
}

static void parse_args(struct staprun *sr, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+vo:c:x:s:S:r:dhV")) != -1) {
		switch (opt) {
		case 'v':
			sr->verbose++;
			break;
		case 'o':
			sr->out_path = optarg;
			break;
		case 'c':
			sr->cmd = optarg;
			break;
		case 'x':
			sr->target = (pid_t)parse_num(optarg, 1, 0x7fffffff);
			break;
		case 's':
			sr->bufsize_mb = (unsigned int)parse_num(optarg, 1, STP_BUFSIZE_MB_MAX);
			break;
		case 'r':
			check_remote(optarg);
			sr->remote = optarg;
			break;
		case 'S': {
			char *comma = strchr(optarg, ',');

			if (comma)
				*comma = '\0';
			sr->size_max = (uint64_t)parse_num(optarg, 1, 1 << 20) << 20;
			if (comma)
				sr->files_max = (unsigned int)parse_num(comma + 1, 1, 1 << 20);
			break;
		}
		case 'd':
			sr->delete = true;
			break;
		case 'h':
			help();
			break;
		case 'V':
			printf("systemtap-c staprun (version %s)\n", STAP_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind >= argc || (sr->cmd && sr->target))
		usage();
	if (sr->delete && (optind + 1 != argc || sr->cmd || sr->target || sr->out_path ||
			   sr->bufsize_mb || sr->size_max || sr->remote))
		usage();
	sr->module_path = argv[optind];
	sr->user_params = argv + optind + 1;
	sr->n_user_params = argc - optind - 1;
	sr->params = join_params(sr, argv + optind + 1, argc - optind - 1);
}

static int setup_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * -c: fork the command now, so its pid can go in START, but hold it until
 * the session has started (the child blocks on a pipe).
 */
static int fork_cmd(struct staprun *sr)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0) {
		int e = errno;

		sr_err("cannot create a pipe: %s", strerror(e));
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		sr_err("cannot fork: %s", strerror(e));
		close(go[0]);
		close(go[1]);
		return -e;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		priv_drop();	/* the command runs as the caller, never as root */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the session never started */
		execl("/bin/sh", "sh", "-c", sr->cmd, (char *)NULL);
		fprintf(stderr, "ERROR: cannot run /bin/sh: %s\n",
			strerror(errno));
		_exit(127);
	}
	close(go[0]);
	sr->child_go_fd = go[1];
	sr->target = pid;
	sr->child_running = true;
	sr_dbg(sr, "command '%s' is pid %d", sr->cmd, (int)pid);
	return 0;
}

/* Let the -c command run (go = true) or make it give up. */
static void release_cmd(struct staprun *sr, bool go)
{
	int rc;

	if (sr->child_go_fd < 0)
		return;
	rc = go ? write_all(sr->child_go_fd, "g", 1) : 0;
	if (rc)
		sr_err("cannot start the command: %s", strerror(-rc));
	close(sr->child_go_fd);
	sr->child_go_fd = -1;
}

static void reap_cmd(struct staprun *sr, bool wait)
{
	int status;
	pid_t pid;

	if (!sr->child_running)
		return;
	pid = waitpid(sr->target, &status, wait ? 0 : WNOHANG);
	if (pid == sr->target) {
		sr->child_running = false;
		sr_dbg(sr, "command exited, status 0x%x", status);
	} else if (pid < 0 && errno != EINTR) {
		sr->child_running = false;
	}
}

static void request_exit(struct staprun *sr, const char *why)
{
	if (sr->exit_sent)
		return;
	sr_dbg(sr, "stopping: %s", why);
	if (ctl_send(sr, STP_MSG_EXIT, NULL, 0) == 0)
		sr->exit_sent = true;
	else
		sr->failed = true;
}

static void note_first_output(struct staprun *sr)
{
	if (sr->first_output_seen || sr->trace.bytes_out == 0)
		return;
	sr->first_output_seen = true;
	sr_dbg(sr, "first output %.0f ms after startup",
	       (double)(now_ns() - sr->t_start_ns) / 1e6);
}

/* A script with input probes has a file `input` in its directory: staprun's stdin
 * goes there, once the session has started, until stdin ends. */
static void open_input(struct staprun *sr)
{
	char path[256];

	if (sr->input_tried || !sr->started)
		return;
	sr->input_tried = true;
	snprintf(path, sizeof(path), "%s/systemtap/%s/input", STAPRUN_DEBUGFS, sr->name);
	sr->input_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (sr->input_fd < 0 && errno != ENOENT)
		sr_err("cannot open %s: %s", path, strerror(errno));
	if (sr->input_fd >= 0)
		sr_dbg(sr, "copying stdin to %s", path);
}

static void close_input(struct staprun *sr)
{
	if (sr->input_fd >= 0)
		close(sr->input_fd);
	sr->input_fd = -1;
}

/* stdin is readable: copy what is there, or close the input at its end */
static void copy_input(struct staprun *sr)
{
	char buf[4096];
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		if (n < 0)
			sr_err("cannot read stdin: %s", strerror(errno));
		close_input(sr);
		return;
	}
	if (write_all(sr->input_fd, buf, (size_t)n)) {
		sr_err("cannot pass input to module %s", sr->name);
		close_input(sr);
	}
}

/* Poll the channel and the output until EXITED; 0 or -errno. */
static int main_loop(struct staprun *sr)
{
	size_t n = sr->trace.n_cpus + 2, i;
	struct pollfd *fds = xmalloc(n * sizeof(*fds));
	int signals = 0, rc = 0;

	fds[0].fd = sr->ctl_fd;
	for (i = 0; i < sr->trace.n_cpus; i++)
		fds[i + 1].fd = sr->trace.cpus[i].fd;
	while (!sr->exited) {
		/* stdin last: a negative fd is not polled */
		fds[n - 1].fd = sr->input_fd >= 0 ? STDIN_FILENO : -1;
		for (i = 0; i < n; i++) {
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		if (poll(fds, n, POLL_MS) < 0 && errno != EINTR) {
			rc = -errno;
			sr_err("poll: %s", strerror(-rc));
			break;
		}
		/* output first: handling a message may block in the module
		 * (EXIT runs the end probes) */
		rc = trace_read(&sr->trace);
		if (rc)
			break;
		trace_emit(&sr->trace, false);
		note_first_output(sr);
		rc = ctl_handle_input(sr);
		if (rc || sr->exited)
			break;
		if (sr->started)
			release_cmd(sr, true);
		open_input(sr);
		if (sr->input_fd >= 0 && (fds[n - 1].revents & (POLLIN | POLLHUP | POLLERR)))
			copy_input(sr);
		if (sr->failed)
			request_exit(sr, "start failed");
		if (got_signal) {
			got_signal = 0;
			if (++signals > 1 && sr->exit_sent) {
				sr_err("interrupted again: giving up waiting "
				       "for the module");
				rc = -EINTR;
				break;
			}
			request_exit(sr, "signal");
		}
		reap_cmd(sr, false);
		if (sr->cmd && sr->started && !sr->child_running)
			request_exit(sr, "command exited");
	}
	free(fds);
	return rc;
}

/* Everything after insertion; the module is removed by the caller. */
static int run_session(struct staprun *sr, int out_fd)
{
	struct stp_msg_start start = { .target_pid = sr->target };
	char dir[256];
	int rc;

	snprintf(dir, sizeof(dir), "%s/systemtap/%s", STAPRUN_DEBUGFS,
		 sr->name);
	rc = ctl_open(sr);
	if (rc)
		return rc;
	rc = trace_open(&sr->trace, dir, out_fd);
	if (sr->out_path) {
		sr->trace.out_path = sr->out_path;
		sr->trace.numbered = sr->size_max || sr->files_max;
		sr->trace.size_max = sr->size_max;
		sr->trace.files_max = sr->files_max;
	}
	if (rc == 0)
		rc = ctl_send(sr, STP_MSG_START, &start, sizeof(start));
	if (rc == 0)
		rc = main_loop(sr);
	/* all output is published before EXITED: take all of it */
	while (sr->exited && trace_read(&sr->trace) == 0) {
		trace_emit(&sr->trace, true);
		if (trace_done(&sr->trace))
			break;
	}
	if (!sr->exited && trace_read(&sr->trace) == 0)
		trace_emit(&sr->trace, true);
	note_first_output(sr);
	if (sr->trace.out_failed && rc == 0)
		rc = -EIO;
	close_input(sr);
	trace_close(&sr->trace);
	close(sr->ctl_fd);
	sr->ctl_fd = -1;
	return rc;
}

int main(int argc, char **argv)
{
	struct staprun sr = { .ctl_fd = -1, .child_go_fd = -1, .input_fd = -1 };
	int out_fd = STDOUT_FILENO, rc;

	sr.t_start_ns = now_ns();
	parse_args(&sr, argc, argv);
	if (priv_init(&sr))
		return 1;
	if (sr.delete) {
		if (sr.level != PRIV_DEV) {
			sr_err("staprun -d is for root and members of the group \"stapdev\"");
			return 1;
		}
		return debugfs_ensure() || module_delete(sr.module_path) ? 1 : 0;
	}
	if (priv_check_params(&sr, sr.user_params, sr.n_user_params))
		return 1;
	rc = setup_signals();
	if (rc) {
		sr_err("cannot set up signal handlers: %s", strerror(-rc));
		return 1;
	}
	if (sr.out_path) {
		char first[4096];

		trace_out_name(first, sizeof(first), sr.out_path, 0,
			       sr.size_max || sr.files_max);
		out_fd = priv_open_as_caller(first, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
		if (out_fd < 0) {
			rc = errno;
			sr_err("cannot open %s: %s", sr.out_path, strerror(rc));
			return 1;
		}
	}
	rc = debugfs_ensure();
	if (rc == 0 && sr.cmd)
		rc = fork_cmd(&sr);
	if (rc == 0)
		rc = module_load(&sr);
	if (rc == 0)
		rc = run_session(&sr, out_fd);
	release_cmd(&sr, false);
	if (module_unload(&sr) && rc == 0)
		rc = -EBUSY;
	if (sr.child_running && kill(sr.target, SIGTERM) == 0)
		reap_cmd(&sr, true);
	if (sr.trace.out_path)
		out_fd = sr.trace.out_fd;	/* switch_file() may have moved on */
	if (out_fd != STDOUT_FILENO && close(out_fd) < 0 && rc == 0) {
		sr_err("cannot write %s: %s", sr.out_path, strerror(errno));
		rc = -EIO;
	}
	free(sr.params);
	if (rc || sr.failed || !sr.exited)
		return 1;
	return sr.exit_status ? 1 : 0;
}
