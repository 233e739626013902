/* Pass 4: compile the module with kbuild against the target kernel's build tree, then
 * fill the cache. With -p4 the module is also copied to the current directory as
 * <name>.ko and its name printed, as systemtap does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "passes.h"
#include "util.h"

int run_command(struct session *s, const char *const argv[], const char *dir, bool quiet)
{
	char *log = xasprintf("%s/cmd.log", s->paths.tmp_dir);
	int status, fd;
	pid_t pid;

	if (s->opt.verbose >= 2) {
		size_t i;

		fputs("Running", stderr);
		for (i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(log);
		return -errno;
	}
	if (pid == 0) {
		if (dir && chdir(dir))
			_exit(127);
		if (quiet && s->opt.verbose < 2) {
			fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		} else {
			dup2(2, 1);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(log);
			return -errno;
		}
	if (quiet && s->opt.verbose < 2 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char *text;

		if (read_file(log, &text, NULL) == 0) {
			fputs(text, stderr);
			free(text);
		}
	}
	free(log);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int write_kbuild(struct session *s)
{
	struct strbuf sb = { 0 };
	char *path;
	size_t i;
	int rc;

	sb_printf(&sb, "obj-m := %s.o\n", s->opt.module_name);
	sb_printf(&sb, "ccflags-y := -I%s -I%s/../include -Wno-declaration-after-statement\n",
		  s->paths.runtime_dir, s->paths.runtime_dir);
	for (i = 0; i < s->opt.defines.n; i++)
		sb_printf(&sb, "ccflags-y += '-D%s'\n", s->opt.defines.v[i]);
	path = xasprintf("%s/Kbuild", s->paths.tmp_dir);
	rc = write_file(path, sb.buf, sb.len);
	free(path);
	sb_free(&sb);
	return rc;
}

static int copy_to_cwd(struct session *s)
{
	char *dst = xasprintf("%s.ko", s->opt.module_name);
	int rc = 0;

	if (strcmp(s->module_path, dst))
		rc = copy_file(s->module_path, dst, 0644);
	if (rc)
		diag_plain(s, "error", "cannot write %s: %s", dst, strerror(-rc));
	else
		printf("%s\n", dst);
	free(dst);
	return rc ? -1 : 0;
}

int pass4_build(struct session *s)
{
	const char *argv[32];
	char *mflag, *cfg;
	size_t n = 0, i;
	int rc;

	if (s->cache_hit)
		return s->opt.last_pass == 4 ? copy_to_cwd(s) : 0;
	cfg = xasprintf("%s/Makefile", s->kern.build_dir);
	rc = file_exists(cfg);
	free(cfg);
	if (!rc) {
		diag_plain(s, "error", "no kernel build tree for %s at %s: install its headers (Debian: apt-get install linux-headers-%s) or pick another kernel with -r RELEASE",
			   s->kern.release, s->kern.build_dir, s->kern.release);
		return -1;
	}
	if (write_kbuild(s)) {
		diag_plain(s, "error", "cannot write the Kbuild file in %s", s->paths.tmp_dir);
		return -1;
	}
	mflag = xasprintf("M=%s", s->paths.tmp_dir);
	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = s->kern.build_dir;
	argv[n++] = mflag;
	argv[n++] = "--no-print-directory";
	for (i = 0; i < s->opt.kbuild_opts.n && n < 28; i++)
		argv[n++] = s->opt.kbuild_opts.v[i];
	argv[n++] = "modules";
	argv[n] = NULL;
	rc = run_command(s, argv, NULL, true);
	free(mflag);
	if (rc) {
		diag_plain(s, "error", "kbuild of %s.c failed (status %d)", s->opt.module_name, rc);
		return -1;
	}
	s->module_path = arena_printf(&s->arena, "%s/%s.ko", s->paths.tmp_dir,
				      s->opt.module_name);
	if (s->opt.use_cache)
		cache_store(s);
	if (s->opt.last_pass == 4)
		return copy_to_cwd(s);
	return 0;
}
