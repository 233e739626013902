/*
 * staprun [-v] [-o FILE [-S MB[,N]] [-D]] [-c CMD] [-x PID] [-b|-s MB] [-T MS]
 *         [-R] [-r N:URI] [-L] MODULE.ko [param=value...]
 * staprun -A MODULE | -d MODULE | -h | -V
 *
 * Insert the module, start its session, copy its output to stdout (or FILE)
 * and its messages to stderr until the session ends (the script exits,
 * SIGINT/SIGTERM/SIGHUP, or CMD exits), then remove the module.  Exits with
 * the session's status (0, or 1 after a run-time error), or 1 when staprun
 * itself fails.  All script output printed before the end is written out.
 * -L (and SIGQUIT) detach instead: the module goes on running until
 * staprun -A attaches to it and ends the session, or staprun -d removes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

#define POLL_MS 50

/* the one thing a signal handler may touch */
static volatile sig_atomic_t got_signal, got_quit, got_usr2;

static void on_signal(int sig)
{
	if (sig == SIGQUIT)
		got_quit = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_signal = sig;
}

#ifndef STAP_VERSION
#define STAP_VERSION "unknown"
#endif

#define USAGE_LINE "usage: staprun [-v] [-o FILE [-S MB[,N]] [-D]] [-c CMD] [-x PID] " \
	"[-b MB] [-T MS] [-R] [-r N:URI] [-L] MODULE.ko [param=value...]\n"

static void usage(void)
{
	fputs(USAGE_LINE, stderr);
	exit(1);
}

/* -h: the usage and what each option does, on stdout */
static void help(void)
{
	fputs(USAGE_LINE
	      "       staprun [-v] [-o FILE [-S MB[,N]] [-D]] [-T MS] -A MODULE\n"
	      "       staprun -d MODULE\n"
	      "       staprun -h | -V\n"
	      "\n"
	      "Load MODULE.ko, run its session and copy its output until the script\n"
	      "exits, a signal (SIGINT, SIGTERM, SIGHUP) arrives or CMD exits; then\n"
	      "remove the module.  SIGQUIT detaches and leaves the module running.\n"
	      "\n"
	      "  -v         more messages on stderr; repeat for more\n"
	      "  -o FILE    write the script's output to FILE instead of stdout;\n"
	      "             strftime(3) patterns in FILE are expanded as it is opened\n"
	      "  -c CMD     run CMD with /bin/sh once the session has started; its pid\n"
	      "             is the script's target(), and its exit ends the session\n"
	      "  -x PID     make PID the script's target()\n"
	      "  -s MB      output buffer size in MB per CPU (1..1024; stapusr: 1..16)\n"
	      "  -b MB      the same as -s\n"
	      "  -S MB[,N]  with -o: write FILE.0, FILE.1, ..., each at most MB megabytes,\n"
	      "             keeping the newest N; switch_file() also starts the next file\n"
	      "             (without -S: FILE, then FILE.1, FILE.2, ...)\n"
	      "  -D         with -o: go on in the background and print its pid\n"
	      "  -L         load the module and start its probes, then detach, leaving\n"
	      "             it running\n"
	      "  -A         attach to MODULE (a name), loaded with -L or detached\n"
	      "  -R         load the module under a new name, so that it can be loaded\n"
	      "             more than once\n"
	      "  -r N:URI   the values of remote_id() and remote_uri()\n"
	      "  -T MS      poll the output every MS milliseconds (default 50)\n"
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

/* Module parameters: the remaining arguments, then staprun's own. */
static char *join_params(struct staprun *sr, char **argv, int argc)
{
	size_t len = 128 + (sr->remote_uri ? strlen(sr->remote_uri) : 0);
	char *s, *p;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	p = s = xmalloc(len);
	*p = '\0';
	for (i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	if (sr->bufsize_mb)
		p += sprintf(p, "%s%s=%u", *s ? " " : "", STP_BUFSIZE_PARAM, sr->bufsize_mb);
	if (sr->remote_uri)
		sprintf(p, "%s%s=%ld %s=%s", *s ? " " : "", STP_REMOTE_ID_PARAM, sr->remote_id,
			STP_REMOTE_URI_PARAM, sr->remote_uri);
	return s;
}

/* -r N:URI, as 4.8 takes it; the URI becomes a module parameter, so no blank
 * or quote */
static void parse_remote(struct staprun *sr, char *arg)
{
	char *colon = strchr(arg, ':');

	if (colon) {
		*colon = '\0';
		sr->remote_uri = colon + 1;
	}
	if (!colon || !*arg || strspn(arg, "0123456789") != strlen(arg) || strlen(arg) > 9 ||
	    !*sr->remote_uri || strpbrk(sr->remote_uri, " \t\n\"'\\")) {
		if (colon)
			*colon = ':';
		sr_err("Cannot process remote id option '%s'.", arg);
		usage();
	}
	sr->remote_id = atol(arg);
}

/* 4.8's rule for two options that do not go together */
static void exclusive(bool a, bool b, const char *what)
{
	if (a && b) {
		sr_err("You can't specify the %s options together.", what);
		usage();
	}
}

static void parse_args(struct staprun *sr, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+vo:c:x:s:b:S:dLADRT:r:hV")) != -1) {
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
		case 'b':
			sr->bufsize_mb = (unsigned int)parse_num(optarg, 1, STP_BUFSIZE_MB_MAX);
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
		case 'L':
			sr->load_only = true;
			break;
		case 'A':
			sr->attach = true;
			break;
		case 'D':
			sr->daemon = true;
			break;
		case 'R':
			sr->rename = true;
			break;
		case 'T':
			sr->poll_ms = (unsigned int)parse_num(optarg, 1, 3600 * 1000);
			break;
		case 'r':
			parse_remote(sr, optarg);
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
	if (optind >= argc)
		usage();
	{
		/* 4.8's pairs of options that do not go together */
		const struct { bool a, b; const char *what; } pairs[] = {
			{ sr->cmd, sr->target, "'-c' and '-x'" },
			{ sr->attach, sr->load_only, "'-A' and '-L'" },
			{ sr->attach, sr->bufsize_mb, "'-A' and '-b'" },
			{ sr->attach, sr->cmd, "'-A' and '-c'" },
			{ sr->attach, sr->target, "'-A' and '-x'" },
			{ sr->attach, sr->rename, "'-A' and '-R'" },
			{ sr->attach, sr->remote_uri, "'-A' and '-r'" },
			{ sr->attach, sr->delete, "'-A' and '-d'" },
			{ sr->daemon, sr->load_only, "'-D' and '-L'" },
			{ sr->daemon, sr->delete, "'-D' and '-d'" },
			{ sr->daemon, sr->cmd, "'-D' and '-c'" },
			{ sr->load_only, sr->cmd, "'-L' and '-c'" },
		};
		size_t i;

		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
			exclusive(pairs[i].a, pairs[i].b, pairs[i].what);
	}
	if (sr->daemon && !sr->out_path) {
		sr_err("You have to specify output FILE with '-D' option.");
		usage();
	}
	if (sr->size_max && !sr->out_path) {
		sr_err("You have to specify output FILE with '-S' option.");
		usage();
	}
	if ((sr->delete || sr->attach) && optind + 1 != argc)
		usage();
	if (sr->delete && (sr->out_path || sr->bufsize_mb || sr->size_max || sr->load_only ||
			   sr->rename || sr->remote_uri || sr->target || sr->cmd))
		usage();
	if (!sr->poll_ms)
		sr->poll_ms = POLL_MS;
	sr->module_path = argv[optind];
	sr->user_params = argv + optind + 1;
	sr->n_user_params = argc - optind - 1;
	sr->params = join_params(sr, argv + optind + 1, argc - optind - 1);
}

static int setup_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR2 };
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
	snprintf(path, sizeof(path), "%s/input", sr->dir);
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

/* Poll the channel and the output until EXITED, or until detaching (-L once
 * started, SIGQUIT); 0 or -errno. */
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
		if (poll(fds, n, (int)sr->poll_ms) < 0 && errno != EINTR) {
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
		if (got_usr2) {	/* 4.8: SIGUSR2 moves -o on to its next file */
			got_usr2 = 0;
			trace_switch_file(&sr->trace);
		}
		rc = ctl_handle_input(sr);
		if (rc || sr->exited)
			break;
		if (sr->started)
			release_cmd(sr, true);
		/* SIGQUIT detaches for those who may attach again (-A is
		 * stapdev's); for others it ends the session like SIGINT */
		if (got_quit && sr->level != PRIV_DEV) {
			got_quit = 0;
			got_signal = SIGQUIT;
		}
		if ((sr->load_only && sr->started) || (got_quit && !sr->exit_sent &&
						       (sr->started || sr->attach))) {
			sr->detach = true;
			break;
		}
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

/*
 * Detaching: take what the rings hold now, up to a moment when every one was
 * found empty, so that no chunk is left half read for the next staprun -A.
 */
static void drain_for_detach(struct staprun *sr)
{
	int rounds;

	for (rounds = 0; rounds < 1000 && trace_read(&sr->trace) == 0; rounds++) {
		trace_emit(&sr->trace, true);
		if (trace_done(&sr->trace))
			break;
	}
	trace_emit(&sr->trace, true);
}

/*
 * -D: go on in a child in the background, its own session, with stdin,
 * stdout and stderr on /dev/null; the parent prints the child's pid, as 4.8
 * does, and exits without touching the module.
 */
static int daemonize(struct staprun *sr)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		sr_err("Failed to daemonize: %s", strerror(e));
		return -e;
	}
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fflush(stdout);
		_exit(0);
	}
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	sr_dbg(sr, "in the background");
	return 0;
}

/* Everything after insertion (or -A's attaching); the module is removed by
 * the caller unless sr->detach. */
static int run_session(struct staprun *sr)
{
	struct stp_msg_start start = { .target_pid = sr->target };
	int rc;

	rc = session_dir(sr);
	if (rc == 0)
		rc = ctl_open(sr);
	if (rc)
		return rc;
	/* -L takes no output: it stays in the rings for staprun -A */
	if (!sr->load_only)
		rc = trace_open(&sr->trace, sr->dir);
	if (rc == 0 && !sr->load_only)
		rc = trace_open_output(&sr->trace);
	if (rc == 0 && sr->daemon)
		rc = daemonize(sr);
	if (rc == 0 && !sr->attach)
		rc = ctl_send(sr, STP_MSG_START, &start, sizeof(start));
	if (rc == 0 && sr->attach)
		sr->loaded = true;	/* attached: the session is ours to end */
	if (rc == 0)
		rc = main_loop(sr);
	/* all output is published before EXITED: take all of it */
	while (sr->exited && trace_read(&sr->trace) == 0) {
		trace_emit(&sr->trace, true);
		if (trace_done(&sr->trace))
			break;
	}
	if (sr->detach)
		drain_for_detach(sr);
	else if (!sr->exited && trace_read(&sr->trace) == 0)
		trace_emit(&sr->trace, true);
	note_first_output(sr);
	if (sr->trace.out_failed && rc == 0)
		rc = -EIO;
	close_input(sr);
	trace_close(&sr->trace);
	if (trace_close_output(&sr->trace) && rc == 0)
		rc = -EIO;
	close(sr->ctl_fd);
	sr->ctl_fd = -1;
	return rc;
}

/* Whether the loaded module NAME writes its output per CPU (stap -b): its
 * _stp_bulk parameter, which staprun set when it loaded it */
static bool module_is_bulk(const char *name)
{
	char path[256], c = 'N';
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", name, STP_BULK_PARAM);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 'N';
		close(fd);
	}
	return c == 'Y' || c == '1';
}

/* -A NAME: a systemtap module that is loaded, and the right to end it */
static int attach_module(struct staprun *sr)
{
	if (sr->level != PRIV_DEV) {
		sr_err("staprun -A is for root and members of the group \"stapdev\"");
		return -EPERM;
	}
	if (module_name_arg(sr->module_path, sr->name, sizeof(sr->name)))
		return -EINVAL;
	if (session_dir(sr))
		return -ENOENT;
	sr->started = true;
	sr->trace.next_seq = 0;
	sr->trace.bulk = module_is_bulk(sr->name);
	return 0;
}

int main(int argc, char **argv)
{
	struct staprun sr = { .ctl_fd = -1, .child_go_fd = -1, .input_fd = -1,
			      .remote_id = -1 };
	int rc;

	sr.t_start_ns = now_ns();
	sr.trace.next_seq = 1;
	parse_args(&sr, argc, argv);
	if (priv_init(&sr))
		return 1;
	if (sr.delete) {
		if (sr.level != PRIV_DEV) {
			sr_err("staprun -d is for root and members of the group \"stapdev\"");
			return 1;
		}
		debugfs_ensure(&sr);
		return module_delete(sr.module_path) ? 1 : 0;
	}
	if (sr.load_only && sr.level != PRIV_DEV) {
		sr_err("staprun -L is for root and members of the group \"stapdev\" "
		       "(only they may attach to the module or remove it later)");
		return 1;
	}
	if (!sr.attach && priv_check_params(&sr, sr.user_params, sr.n_user_params))
		return 1;
	if (sr.level != PRIV_DEV && sr.bufsize_mb > STAPRUN_BUFSIZE_USR_MAX) {
		sr_err("-s %u is too large: members of \"stapusr\" and \"stapsys\" may ask for at "
		       "most %u MB of buffer per CPU", sr.bufsize_mb, STAPRUN_BUFSIZE_USR_MAX);
		return 1;
	}
	rc = setup_signals();
	if (rc) {
		sr_err("cannot set up signal handlers: %s", strerror(-rc));
		return 1;
	}
	sr.trace.out_path = sr.out_path;
	sr.trace.numbered = sr.size_max || sr.files_max;
	sr.trace.size_max = sr.size_max;
	sr.trace.files_max = sr.files_max;
	debugfs_ensure(&sr);
	rc = 0;
	if (sr.attach)
		rc = attach_module(&sr);
	else if (sr.cmd)
		rc = fork_cmd(&sr);
	if (rc == 0 && !sr.attach) {
		rc = module_load(&sr);
		sr.trace.bulk = sr.bulk;
	}
	if (rc == 0)
		rc = run_session(&sr);
	release_cmd(&sr, false);
	if (sr.detach && rc == 0) {
		fprintf(stderr, "\nDisconnecting from systemtap module.\n"
			"To reconnect, type \"staprun -A %s\"\n", sr.name);
		free(sr.params);
		return 0;
	}
	if (module_unload(&sr) && rc == 0)
		rc = -EBUSY;
	if (sr.child_running && kill(sr.target, SIGTERM) == 0)
		reap_cmd(&sr, true);
	free(sr.params);
	if (rc || sr.failed || !sr.exited)
		return 1;
	return sr.exit_status ? 1 : 0;
}
