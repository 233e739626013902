/* Pass 5: hand the module to staprun, here or in a qemu guest (--remote=qemu://); over
 * ssh in ssh.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "passes.h"
#include "remote/qemu.h"
#include "tapsets/uprobe.h"
#include "translate/translate.h"
#include "util.h"

/* staprun's command line, for this host or a remote one (REMOTE: "N:URI", for -r) */
void staprun_args(struct session *s, struct strlist *argv, const char *staprun,
		  const char *module, const char *remote)
{
	static char bufsize[16], pid[16];
	size_t i;

	strlist_add(argv, staprun);
	if (s->opt.verbose >= 2)
		strlist_add(argv, "-v");
	if (s->opt.output_file && !remote) {
		/* as given: staprun expands its strftime patterns as it opens each file */
		strlist_add(argv, "-o");
		strlist_add(argv, s->opt.output_pattern);
		if (s->opt.file_rotation) {
			strlist_add(argv, "-S");
			strlist_add(argv, s->opt.file_rotation);
		}
	}
	/* -F: leave the module running; with -o staprun goes on in the background */
	if (s->opt.flight && !remote)
		strlist_add(argv, s->opt.output_file ? "-D" : "-L");
	if (s->opt.target_cmd) {
		strlist_add(argv, "-c");
		strlist_add(argv, s->opt.target_cmd);
	}
	if (s->opt.target_pid) {
		snprintf(pid, sizeof(pid), "%ld", s->opt.target_pid);
		strlist_add(argv, "-x");
		strlist_add(argv, pid);
	}
	if (s->opt.bufsize_mb) {
		snprintf(bufsize, sizeof(bufsize), "%u", s->opt.bufsize_mb);
		strlist_add(argv, "-s");
		strlist_add(argv, bufsize);
	}
	if (remote) {
		strlist_add(argv, "-r");
		strlist_add(argv, remote);
	}
	strlist_add(argv, module);
	/* -G NAME=VALUE: module parameters (checked: no blanks, no quotes) */
	for (i = 0; i < s->opt.global_params.n; i++)
		strlist_add(argv, s->opt.global_params.v[i]);
	strlist_add(argv, NULL);
}

/* Where a remote run's output goes: -o FILE (opened here), else stdout (1); -1 after
 * saying why */
int run_output_fd(struct session *s)
{
	int fd;

	if (!s->opt.output_file)
		return 1;
	fd = open(s->opt.output_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		diag_plain(s, "error", "cannot open %s: %s", s->opt.output_file, strerror(errno));
	return fd;
}

/* -c CMD's program for a guest: the one it names by absolute path ("/path/prog args"),
 * or the host's one a bare name found when the process probes were built for it (then
 * *GUEST_CMD is CMD run by that path, or else CMD); NULL for the guest's own */
static const char *target_program(struct session *s, const char **guest_cmd)
{
	const char *c = s->opt.target_cmd, *end, *prog;

	*guest_cmd = c;
	if (!c)
		return NULL;
	c += strspn(c, " \t");
	end = c + strcspn(c, " \t\n;&|<>()");
	if (*c == '/')
		return arena_strndup(&s->arena, c, (size_t)(end - c));
	prog = up_target_program(s);
	if (prog)
		*guest_cmd = arena_printf(&s->arena, "%s%s", prog, c + strcspn(c, " \t"));
	return prog;
}

static int run_remote(struct session *s)
{
	struct strlist argv = { 0 }, objs = { 0 }, links = { 0 };
	struct strbuf cmd = { 0 };
	char *interp = NULL;
	const char *guest_ko = arena_printf(&s->arena, "/tmp/%s.ko", s->opt.module_name);
	const char *program, *guest_cmd, *user_cmd;
	struct qemu_file *files;
	struct qemu_opts qo = {
		.release = s->kern.release,
		.cache_dir = arena_printf(&s->arena, "%s/qemu", s->paths.cache_dir),
		.verbose = s->opt.verbose >= 2,
		.smp = 2,
		.append = getenv("STAP_QEMU_APPEND"),	/* e.g. debugfs=off */
	};
	int out_fd = 1, rc;
	size_t i, n_files = 0;

	if (!file_exists(s->paths.staprun)) {
		diag_plain(s, "error", "staprun not found at %s", s->paths.staprun);
		return -1;
	}
	out_fd = run_output_fd(s);
	if (out_fd < 0)
		return -1;
	/* the guest has nothing of this host's: the programs and objects the module was
	 * built for (-d, --ldd, process("PATH")) and -c's program go in at their paths */
	program = target_program(s, &guest_cmd);
	xl_usyms_guest_objects(s, program, &objs, &links, &interp);
	files = xcalloc(objs.n + links.n / 2 + 3, sizeof(*files));
	files[n_files++] = (struct qemu_file){ .host_path = s->module_path,
					       .guest_path = guest_ko, .mode = 0644 };
	files[n_files++] = (struct qemu_file){ .host_path = s->paths.staprun,
					       .guest_path = "/usr/bin/staprun", .mode = 0755 };
	for (i = 0; i < objs.n; i++)
		files[n_files++] = (struct qemu_file){ .host_path = objs.v[i] };
	for (i = 0; i + 1 < links.n; i += 2)
		files[n_files++] = (struct qemu_file){ .host_path = links.v[i],
						       .symlink = links.v[i + 1] };
	/* a dynamic program's interpreter by its own name: /lib64/ld-linux-x86-64.so.2 is
	 * a link on the host, its target is among the objects; the guest's /lib* are /usr's */
	if (interp && interp[0] == '/' && file_exists(interp))
		files[n_files++] = (struct qemu_file){
			.host_path = interp,
			.guest_path = arena_printf(&s->arena, "%s%s",
						   strncmp(interp, "/lib", 4) ? "" : "/usr", interp),
		};
	user_cmd = s->opt.target_cmd;
	s->opt.target_cmd = guest_cmd;
	staprun_args(s, &argv, "staprun", guest_ko,
		     arena_printf(&s->arena, "0:%s", s->opt.remote));
	s->opt.target_cmd = user_cmd;
	for (i = 0; argv.v[i]; i++) {
		if (i)
			sb_putc(&cmd, ' ');
		sb_sh_quote(&cmd, argv.v[i]);
	}
	fflush(NULL);
	rc = qemu_run(&qo, files, n_files, cmd.buf, out_fd, 2);
	if (out_fd != 1)
		close(out_fd);
	free(files);
	free(interp);
	xl_usyms_free_objects(&objs);
	xl_usyms_free_objects(&links);
	sb_free(&cmd);
	strlist_free(&argv);
	if (rc < 0) {
		diag_plain(s, "error", "the qemu guest run failed: %s", strerror(-rc));
		return -1;
	}
	return rc;
}

/* Run a loader (staprun, stapbpf) in the foreground: argv ends with NULL and is
 * freed. The loader handles Ctrl-C itself (it runs the end probes and drains the
 * output), so stap ignores SIGINT/SIGTERM until it is done. Its exit status. */
int run_loader(struct session *s, struct strlist *argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_term;
	int status;
	pid_t pid;

	fflush(NULL);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGTERM, &ign, &old_term);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		execv(argv->v[0], (char *const *)argv->v);
		fprintf(stderr, "stap: cannot run %s: %s\n", argv->v[0], strerror(errno));
		_exit(1);
	}
	strlist_free(argv);
	if (pid < 0) {
		diag_plain(s, "error", "fork: %s", strerror(errno));
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run_local(struct session *s)
{
	struct strlist argv = { 0 };

	staprun_args(s, &argv, s->paths.staprun, s->module_path, NULL);
	return run_loader(s, &argv);
}

int pass5_run(struct session *s)
{
	if (s->n_ssh)
		return ssh_run(s);
	if (s->opt.remote)
		return run_remote(s);
	if (!s->kern.is_host) {
		diag_plain(s, "error", "the module is built for kernel %s, not the running kernel: run it there, or in a guest with --remote=qemu://%s",
			   s->kern.release, s->kern.release);
		return -1;
	}
	return run_local(s);
}
