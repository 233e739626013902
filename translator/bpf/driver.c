/* Passes 3-5 of the BPF runtime: write <name>.bpf.c (the programs, and the meta text
 * in its .stapmeta section), compile it with clang's BPF target into a cached
 * <name>.bpf.o, and run staprun/stapbpf on the object. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/bpf.h"
#include "passes.h"
#include "translate/emit.h"
#include "util.h"

int bpf_generate(struct session *s, struct strbuf *c, struct strbuf *meta);

/* meta as a C string literal, one line per source line */
static void meta_section(struct strbuf *c, const char *meta)
{
	const char *p = meta, *nl;

	sb_puts(c, "__attribute__((section(\".stapmeta\"), used))\nstatic const char __stapmeta[] =\n");
	for (; *p; p = nl + 1) {
		char *line, *lit;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		line = xasprintf("%.*s", (int)(nl - p + 1), p);
		lit = emit_cstr(line);
		sb_printf(c, "\t%s\n", lit);
		free(line);
		free(lit);
	}
	sb_puts(c, "\t;\n");
}

/* STAP_BPF_CLANG set (and not "0"): every script takes the C path through clang */
bool bpf_force_clang(void)
{
	const char *v = getenv("STAP_BPF_CLANG");

	return v && *v && strcmp(v, "0");
}

/* a script within bpf/insn.c's subset: its instructions into <name>.bpf.o, which
 * pass 4 then has nothing to do for; 1 if outside the subset */
static int pass3_insn(struct session *s)
{
	const struct srcloc *loc;
	const char *why, *path;
	char *text;
	int rc;

	if (bpf_force_clang()) {
		if (s->opt.verbose)
			fprintf(stderr, "Pass 3: STAP_BPF_CLANG is set: C for clang\n");
		return 1;
	}
	if (bpf_insn_generate(s, &text, &why, &loc)) {
		if (s->opt.verbose && loc && loc->file)
			fprintf(stderr, "Pass 3: C for clang: the BPF instruction emitter does not cover %s (at %s:%d:%d)\n",
				why, loc->file->name, loc->line, loc->col);
		else if (s->opt.verbose)
			fprintf(stderr, "Pass 3: C for clang: the BPF instruction emitter does not cover %s\n",
				why ? why : "the script");
		return 1;
	}
	path = arena_printf(&s->arena, "%s/%s.bpf.o", s->paths.tmp_dir, s->opt.module_name);
	rc = write_file(path, text, strlen(text));
	if (rc)
		diag_plain(s, "error", "cannot write %s: %s", path, strerror(-rc));
	else if (s->opt.last_pass == 3)
		fputs(text, stdout);
	free(text);
	s->module_c = s->module_path = path;
	s->bpf_insn = true;
	return rc ? -1 : 0;
}

int bpf_pass3(struct session *s)
{
	struct strbuf c = { 0 }, meta = { 0 };
	const char *path;
	int rc;

	if (pass3_prepare(s))
		return -1;
	rc = pass3_insn(s);
	if (rc <= 0)
		return rc;
	if (bpf_generate(s, &c, &meta)) {
		sb_free(&c);
		sb_free(&meta);
		return -1;
	}
	meta_section(&c, meta.buf);
	path = arena_printf(&s->arena, "%s/%s.bpf.c", s->paths.tmp_dir, s->opt.module_name);
	rc = write_file(path, c.buf, c.len);
	if (rc)
		diag_plain(s, "error", "cannot write %s: %s", path, strerror(-rc));
	s->module_c = path;
	if (!rc && s->opt.last_pass == 3)
		fputs(c.buf, stdout);
	sb_free(&c);
	sb_free(&meta);
	return rc ? -1 : 0;
}

int bpf_pass4(struct session *s)
{
	const char *obj, *dst;
	int rc;

	if (s->bpf_insn) {
		if (s->opt.use_cache)
			cache_store(s);
	} else if (!s->cache_hit) {
		const char *argv[] = { "clang", "-target", "bpf", "-mcpu=v3", "-O2", "-g",
			"-Wno-unused-value", "-Wno-unused-label", "-Wno-unused-variable",
			"-Wno-tautological-constant-out-of-range-compare",
			"-c", s->module_c, "-o", NULL, NULL };

		obj = arena_printf(&s->arena, "%s/%s.bpf.o", s->paths.tmp_dir, s->opt.module_name);
		argv[13] = obj;
		rc = run_command(s, argv, NULL, RUN_QUIET);
		if (rc) {
			diag_plain(s, "error", "clang could not compile %s for BPF (status %d)",
				   s->module_c, rc);
			return -1;
		}
		s->module_path = obj;
		if (s->opt.use_cache)
			cache_store(s);
	}
	if (s->opt.last_pass != 4)
		return 0;
	dst = arena_printf(&s->arena, "%s.bpf.o", s->opt.module_name);
	rc = copy_file(s->module_path, dst, 0644);
	if (rc) {
		diag_plain(s, "error", "cannot write %s: %s", dst, strerror(-rc));
		return -1;
	}
	printf("%s\n", dst);
	return 0;
}

int bpf_pass5(struct session *s)
{
	struct strlist argv = { 0 };
	char pid_s[24], t_s[24];

	strlist_add(&argv, s->paths.stapbpf);
	if (s->opt.verbose >= 2)
		strlist_add(&argv, "-v");
	if (s->opt.output_file) {
		strlist_add(&argv, "-o");
		strlist_add(&argv, s->opt.output_file);
	}
	if (s->opt.target_cmd) {
		strlist_add(&argv, "-c");
		strlist_add(&argv, s->opt.target_cmd);
	}
	if (s->opt.target_pid) {
		snprintf(pid_s, sizeof(pid_s), "%ld", s->opt.target_pid);
		strlist_add(&argv, "-x");
		strlist_add(&argv, pid_s);
	}
	if (s->opt.timeout) {
		snprintf(t_s, sizeof(t_s), "%ld", s->opt.timeout);
		strlist_add(&argv, "-T");
		strlist_add(&argv, t_s);
	}
	strlist_add(&argv, s->module_path);
	strlist_add(&argv, NULL);
	return run_loader(s, &argv);
}
