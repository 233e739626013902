/* Pass 4: compile the module with kbuild against the target kernel's build tree, then
 * fill the cache. With -p4 the module is also copied to the current directory as
 * <name>.ko and its name printed, as systemtap does.
 *
 * A module is two objects: the script's (<name>_script.o, compiled every time, light
 * headers only) and the runtime's (stp_runtime.o). The runtime object, with the results
 * of the kernel feature probes it was compiled with (stp_autoconf.h), depends only on
 * the runtime sources, the target kernel and the -D options, so it is built once into
 * $cache/runtime/<hash>/ and handed to later builds as a kbuild "_shipped" file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsafe.h"
#include "passes.h"
#include "sha256.h"
#include "util.h"

int run_command(struct session *s, const char *const argv[], const char *dir,
		enum run_output how)
{
	char *log = xasprintf("%s/cmd.log", s->paths.tmp_dir);
	bool capture = how != RUN_SHOW && s->opt.verbose < 2;
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
		/* a group of its own, which a signal to stap ends as a whole (util.c) */
		setpgid(0, 0);
		if (dir && chdir(dir))
			_exit(127);
		if (capture) {
			fd = open(how == RUN_SILENT ? "/dev/null" : log,
				  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
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
	tmp_dir_child(pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			tmp_dir_child(0);
			free(log);
			return -errno;
		}
	tmp_dir_child(0);
	if (capture && how == RUN_QUIET && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
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

/*
 * Paths that go into a Kbuild file or make's command line are expanded by make: a '$'
 * would run "$(shell ...)", a space or '#' would split or end the value. They must be
 * plain. 0, or -1 after saying which path cannot be used.
 */
static bool is_make_safe(const char *path)
{
	const char *p;

	for (p = path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._+,@~-", *p)))
			return false;
	return *path != '\0';
}

static int make_safe(struct session *s, const char *what, const char *path)
{
	if (is_make_safe(path))
		return 0;
	diag_plain(s, "error", "kbuild cannot use the %s '%s': a path given to make may only hold letters, digits and /._+,@~-",
		   what, path);
	return -1;
}

static void kbuild_flags(struct session *s, struct strbuf *sb, const char *rtdir)
{
	size_t i;

	/* -g0 after the kernel's -g: nothing reads a module's DWARF, which made up
	 * four fifths of a syscall.* module's file */
	sb_printf(sb, "ccflags-y := -I%s -I%s/../include -I%s -Wno-declaration-after-statement -g0\n",
		  s->paths.runtime_dir, s->paths.runtime_dir, rtdir);
	for (i = 0; i < s->opt.defines.n; i++)
		sb_printf(sb, "ccflags-y += '-D%s'\n", s->opt.defines.v[i]);
}

/* -a ARCH: kbuild's ARCH=, or NULL for make's default (the host's) */
static const char *arch_flag(struct session *s)
{
	return s->opt.arch ? arena_printf(&s->arena, "ARCH=%s", s->opt.arch) : NULL;
}

static int make_in(struct session *s, const char *dir, const char *target)
{
	const char *argv[40];
	char *mflag = xasprintf("M=%s", dir);
	size_t n = 0, i;
	int rc;

	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = s->kern.build_dir;
	argv[n++] = mflag;
	argv[n++] = "--no-print-directory";
	if (s->opt.arch)
		argv[n++] = arch_flag(s);
	for (i = 0; i < s->opt.kbuild_opts.n && n < 36; i++)
		argv[n++] = s->opt.kbuild_opts.v[i];
	argv[n++] = target;
	argv[n] = NULL;
	rc = run_command(s, argv, NULL, RUN_QUIET);
	free(mflag);
	return rc;
}

/* write DIR/NAME */
static int write_into(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = write_file(path, data, len);

	free(path);
	return rc;
}

/* copy FROM_DIR/FROM_NAME to TO_DIR/TO_NAME */
static int copy_into(const char *from_dir, const char *from_name, const char *to_dir,
		     const char *to_name)
{
	char *from = xasprintf("%s/%s", from_dir, from_name);
	char *to = xasprintf("%s/%s", to_dir, to_name);
	int rc = copy_file(from, to, 0644);

	free(from);
	free(to);
	return rc;
}

/*
 * Kernel feature probes: runtime/autoconf/<name>.c compiles against the target
 * headers iff the kernel has the feature; each that does becomes
 * "#define STAPCONF_<NAME>" in stp_autoconf.h. Never a version check.
 */
static int run_autoconf(struct session *s, const char *dir)
{
	char *acdir = xasprintf("%s/autoconf", s->paths.runtime_dir);
	char *mflag = xasprintf("M=%s", dir);
	struct strbuf kb = { 0 }, hdr = { 0 };
	struct strlist objs = { 0 };
	struct dirent *de;
	DIR *d = opendir(acdir);
	size_t i;
	int rc;

	sb_puts(&hdr, "/* kernel features found by runtime/autoconf/ probes */\n");
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *src, *dst;

		if (len < 3 || strcmp(de->d_name + len - 2, ".c"))
			continue;
		src = xasprintf("%s/%s", acdir, de->d_name);
		dst = xasprintf("%s/ac_%s", dir, de->d_name);
		copy_file(src, dst, 0644);
		strlist_add(&objs, xasprintf("ac_%.*s.o", (int)(len - 2), de->d_name));
		free(src);
		free(dst);
	}
	if (d)
		closedir(d);
	if (objs.n) {
		const char **argv = xcalloc(objs.n + s->opt.kbuild_opts.n + 9, sizeof(*argv));
		size_t n = 0;

		kbuild_flags(s, &kb, dir);
		write_into(dir, "Kbuild", kb.buf, kb.len);
		/* failures are the point: make goes on (-k) and its output goes nowhere */
		argv[n++] = "make";
		argv[n++] = "-k";
		argv[n++] = "-C";
		argv[n++] = s->kern.build_dir;
		argv[n++] = mflag;
		argv[n++] = "--no-print-directory";
		if (s->opt.arch)
			argv[n++] = arch_flag(s);
		for (i = 0; i < s->opt.kbuild_opts.n; i++)
			argv[n++] = s->opt.kbuild_opts.v[i];
		for (i = 0; i < objs.n; i++)
			argv[n++] = objs.v[i];
		argv[n] = NULL;
		run_command(s, argv, NULL, RUN_SILENT);
		free(argv);
	}
	for (i = 0; i < objs.n; i++) {
		char *obj = xasprintf("%s/%s", dir, objs.v[i]), *p;

		if (file_exists(obj)) {
			/* ac_foo-bar.o -> STAPCONF_FOO_BAR */
			char *name = xstrdup(objs.v[i] + 3);

			name[strlen(name) - 2] = '\0';
			for (p = name; *p; p++)
				*p = (*p == '-' || *p == '.') ? '_' :
				     (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
			sb_printf(&hdr, "#define STAPCONF_%s 1\n", name);
			free(name);
		}
		free(obj);
		free((char *)objs.v[i]);
	}
	rc = write_into(dir, "stp_autoconf.h", hdr.buf, hdr.len);
	strlist_free(&objs);
	sb_free(&kb);
	sb_free(&hdr);
	free(mflag);
	free(acdir);
	return rc;
}

/* Build stp_runtime.o and stp_autoconf.h into a fresh directory. */
static int build_runtime_in(struct session *s, const char *dir)
{
	struct strbuf kb = { 0 };
	char *path, *stub;
	int rc;

	rc = run_autoconf(s, dir);
	if (rc)
		return rc;
	/* listed as a module so that it is compiled as module code (-DMODULE) */
	sb_puts(&kb, "obj-m := stp_runtime.o\n");
	kbuild_flags(s, &kb, dir);
	rc = write_into(dir, "Kbuild", kb.buf, kb.len);
	sb_free(&kb);
	if (rc)
		return rc;
	stub = xasprintf("#include \"%s/stp_runtime.c\"\n", s->paths.runtime_dir);
	rc = write_into(dir, "stp_runtime.c", stub, strlen(stub));
	free(stub);
	if (rc)
		return rc;
	rc = make_in(s, dir, "stp_runtime.o");
	if (rc)
		return -1;
	path = xasprintf("%s/stp_runtime.o", dir);
	rc = file_exists(path) ? 0 : -1;
	free(path);
	return rc;
}

/* Does DIR hold a complete runtime object build that nobody else could have written? */
static bool runtime_object_ok(struct session *s, const char *dir)
{
	static const char *const files[] = { "stp_runtime.o", ".stp_runtime.o.cmd",
					     "stp_autoconf.h" };
	struct fs_why why;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(files); i++) {
		rc = fs_file_trusted(arena_printf(&s->arena, "%s/%s", dir, files[i]), &why);
		if (rc == -EPERM)
			fprintf(stderr, "WARNING: not using the cached runtime: %s\n", why.msg);
		if (rc)
			return false;
	}
	return true;
}

/* The runtime object for this kernel and option set: from the cache, or built now (into
 * the cache, or without a trusted cache into the run's temporary directory). */
static const char *runtime_object_dir(struct session *s)
{
	struct sha256 h;
	char hex[65];
	const char *dir, *tmp, *cache = cache_subdir(s, "runtime");
	size_t i;

	sha256_init(&h);
	sha256_str(&h, "stp_runtime v3");
	cache_hash_tree(&h, s->paths.runtime_dir);
	cache_hash_file(&h, arena_printf(&s->arena, "%s/../include/stp_msg.h", s->paths.runtime_dir));
	sha256_str(&h, s->kern.release);
	sha256_str(&h, s->kern.build_dir);
	cache_hash_file(&h, arena_printf(&s->arena, "%s/.config", s->kern.build_dir));
	for (i = 0; i < s->opt.defines.n; i++)
		sha256_str(&h, s->opt.defines.v[i]);
	for (i = 0; i < s->opt.kbuild_opts.n; i++)
		sha256_str(&h, s->opt.kbuild_opts.v[i]);
	sha256_hex(&h, hex);
	if (!cache || !is_make_safe(cache))
		cache = s->paths.tmp_dir;
	dir = arena_printf(&s->arena, "%s/%.20s", cache, hex);
	if (is_dir(dir) && runtime_object_ok(s, dir))
		return dir;
	if (s->opt.verbose)
		fprintf(stderr, "Pass 4: compiling the runtime for %s (once per kernel and options)\n",
			s->kern.release);
	tmp = arena_printf(&s->arena, "%s.tmp%d", dir, (int)getpid());
	if (mkdir_p(tmp, 0755) || build_runtime_in(s, tmp)) {
		remove_tree(tmp);
		return NULL;
	}
	/* another stap may have won the race, or left a bad copy: either way use ours */
	if (rename(tmp, dir)) {
		if (runtime_object_ok(s, dir)) {
			remove_tree(tmp);
			return dir;
		}
		return tmp;
	}
	return dir;
}

static int write_kbuild(struct session *s, const char *rtdir)
{
	struct strbuf sb = { 0 };
	int rc;

	sb_printf(&sb, "obj-m := %s.o\n", s->opt.module_name);
	sb_printf(&sb, "%s-y := %s_script.o stp_runtime.o\n", s->opt.module_name,
		  s->opt.module_name);
	kbuild_flags(s, &sb, rtdir);
	rc = write_into(s->paths.tmp_dir, "Kbuild", sb.buf, sb.len);
	sb_free(&sb);
	if (rc)
		return rc;
	/* the prebuilt runtime object, copied into place by kbuild's _shipped rule */
	rc = copy_into(rtdir, "stp_runtime.o", s->paths.tmp_dir, "stp_runtime.o_shipped");
	if (rc)
		return rc;
	/* modpost reads the object's .cmd file (its sources, for srcversion) */
	return copy_into(rtdir, ".stp_runtime.o.cmd", s->paths.tmp_dir, ".stp_runtime.o.cmd");
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
	const char *rtdir;
	char *cfg;
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
	if (make_safe(s, "kernel build tree", s->kern.build_dir) ||
	    make_safe(s, "runtime directory", s->paths.runtime_dir) ||
	    make_safe(s, "temporary directory", s->paths.tmp_dir))
		return -1;
	rtdir = runtime_object_dir(s);
	if (!rtdir) {
		diag_plain(s, "error", "building the runtime for %s failed", s->kern.release);
		return -1;
	}
	if (write_kbuild(s, rtdir)) {
		diag_plain(s, "error", "cannot write the Kbuild file in %s", s->paths.tmp_dir);
		return -1;
	}
	rc = make_in(s, s->paths.tmp_dir, "modules");
	if (rc) {
		diag_plain(s, "error", "kbuild of %s_script.c failed (status %d)", s->opt.module_name, rc);
		return -1;
	}
	s->module_path = arena_printf(&s->arena, "%s/%s.ko", s->paths.tmp_dir,
				      s->opt.module_name);
	if (s->opt.sign_module && sign_module_file(s, s->module_path))
		return -1;
	if (s->opt.use_cache)
		cache_store(s);
	if (s->opt.last_pass == 4)
		return copy_to_cwd(s);
	return 0;
}
