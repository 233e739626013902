/*
 * The control channel: framed messages to and from the module
 * (include/stp_msg.h).  The file is non-blocking; the main loop polls it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"
#include "stp_msg.h"

int ctl_open(struct staprun *sr)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", sr->dir, sr->ctl_name);
	sr->ctl_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (sr->ctl_fd < 0) {
		int e = errno;

		if (e == EBUSY)
			sr_err("module %s already has a staprun attached", sr->name);
		else
			sr_err("cannot open the control channel %s of module %s: %s",
			       path, sr->name, strerror(e));
		return -e;
	}
	return 0;
}

/* Send one message; 0 or -errno, reported. */
/*
 * While START runs the begin probes (and EXIT the end probes) the write()
 * below does not return: a thread keeps taking their output, or output beyond
 * one ring buffer would be dropped.  The main thread touches sr->trace only
 * before and after.
 */
struct drainer {
	struct trace *trace;
	int stop;		/* __atomic */
};

static void *drain_main(void *arg)
{
	struct drainer *d = arg;
	const struct timespec step = { .tv_nsec = 200 * 1000 };

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		uint64_t before = d->trace->bytes_out;

		if (trace_read(d->trace))
			break;
		trace_emit(d->trace, false);
		if (d->trace->bytes_out == before)	/* idle: nothing came */
			nanosleep(&step, NULL);
	}
	return NULL;
}

int ctl_send(struct staprun *sr, uint32_t type, const void *data,
	     uint32_t len)
{
	unsigned char msg[sizeof(struct stp_msg_hdr) + 64];
	struct stp_msg_hdr hdr = { .type = type, .len = len };
	struct drainer d = { .trace = &sr->trace };
	pthread_t thread;
	bool draining = false;
	ssize_t n;
	int e = 0;

	if (len > sizeof(msg) - sizeof(hdr))
		return -EINVAL;
	memcpy(msg, &hdr, sizeof(hdr));
	if (len)
		memcpy(msg + sizeof(hdr), data, len);
	if ((type == STP_MSG_START || type == STP_MSG_EXIT) && sr->trace.n_cpus)
		draining = pthread_create(&thread, NULL, drain_main, &d) == 0;
	do
		n = write(sr->ctl_fd, msg, sizeof(hdr) + len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		e = errno;
	if (draining) {
		__atomic_store_n(&d.stop, 1, __ATOMIC_RELEASE);
		pthread_join(thread, NULL);
	}
	if (n < 0) {
		sr_err("cannot send message %u to module %s: %s", type,
		       sr->name, strerror(e));
		return -e;
	}
	return 0;
}

static int32_t status_of(const unsigned char *payload, uint32_t len)
{
	struct stp_msg_status st = { .status = 1 };

	if (len >= sizeof(st))
		memcpy(&st, payload, sizeof(st));
	return st.status;
}

/*
 * system(): run the command with /bin/sh -c in the background, with staprun's
 * stdout and stderr and no other descriptor of it.  A double fork leaves it to
 * init, so staprun neither waits for it nor keeps a zombie.
 */
static void run_system(struct staprun *sr, const unsigned char *payload, uint32_t len)
{
	char cmd[STP_MSG_MAX_PAYLOAD + 1];
	pid_t pid;
	int fd;

	if (len > STP_MSG_MAX_PAYLOAD) {
		sr_err("malformed system() message from module %s", sr->name);
		return;
	}
	memcpy(cmd, payload, len);
	cmd[len] = '\0';
	sr_dbg(sr, "system(\"%s\")", cmd);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		sr_err("cannot run system(\"%s\"): %s", cmd, strerror(errno));
		return;
	}
	if (pid == 0) {
		if (fork() != 0)
			_exit(0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		fd = open("/dev/null", O_RDONLY);
		if (fd > 0) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		/* the command runs as whoever ran staprun, never with privileges
		 * staprun was given to load the module */
		if (setgid(getgid()) || setuid(getuid()))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void handle_msg(struct staprun *sr, uint32_t type,
		       const unsigned char *payload, uint32_t len)
{
	int32_t st;

	switch (type) {
	case STP_MSG_STARTED:
		st = status_of(payload, len);
		if (st < 0) {
			sr_err("module %s failed to start: %s", sr->name,
			       strerror(-st));
			sr->failed = true;
		} else {
			sr->started = true;
		}
		sr_dbg(sr, "started, rc %d, %.0f ms after startup", (int)st,
		       (double)(now_ns() - sr->t_start_ns) / 1e6);
		break;
	case STP_MSG_REQUEST_EXIT:
		sr_dbg(sr, "the module asks to exit");
		if (!sr->exit_sent && ctl_send(sr, STP_MSG_EXIT, NULL, 0) == 0)
			sr->exit_sent = true;
		break;
	case STP_MSG_EXITED:
		sr->exit_status = status_of(payload, len);
		sr->exited = true;
		sr_dbg(sr, "exited, status %d", sr->exit_status);
		break;
	case STP_MSG_OOB:
	{
		char *text = xmalloc(4 * (size_t)len + 1);

		fflush(stderr);
		write_all(STDERR_FILENO, text, filter_controls(payload, len, text));
		free(text);
		break;
	}
	case STP_MSG_SYSTEM:
		run_system(sr, payload, len);
		break;
	case STP_MSG_START:
	case STP_MSG_EXIT:
	default:
		sr_dbg(sr, "ignoring unexpected message %u", type);
		break;
	}
}

/*
 * Read and handle every message available now.  Returns 0, or -errno when
 * the channel failed (reported).
 */
int ctl_handle_input(struct staprun *sr)
{
	unsigned char buf[4 * STP_MSG_MAX];
	struct stp_msg_hdr hdr;

	for (;;) {
		ssize_t n = read(sr->ctl_fd, buf, sizeof(buf));
		size_t pos = 0;

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN)
				return 0;
			sr_err("cannot read the control channel: %s",
			       strerror(e));
			return -e;
		}
		if (n == 0)
			return 0;
		while ((size_t)n - pos >= sizeof(hdr)) {
			memcpy(&hdr, buf + pos, sizeof(hdr));
			pos += sizeof(hdr);
			if (hdr.len > (size_t)n - pos) {
				sr_err("malformed message from module %s",
				       sr->name);
				return -EPROTO;
			}
			handle_msg(sr, hdr.type, buf + pos, hdr.len);
			pos += hdr.len;
		}
	}
}
