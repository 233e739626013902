/* The stap driver: parse the command line, run passes 1..N, report, exit 0 or 1. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dwarf/dwarf.h"
#include "passes.h"
#include "session.h"
#include "tapsets/family.h"
#include "util.h"


static void usage(FILE *f)
{
	fputs("Usage: stap [OPTIONS] FILE [ARGS...]\n"
	      "   or: stap [OPTIONS] -e SCRIPT [ARGS...]\n"
	      "\n"
	      "  -p NUM        stop after pass NUM (1 parse, 2 elaborate, 3 translate,\n"
	      "                4 build the module, 5 run it; default 5)\n"
	      "  -e SCRIPT     run SCRIPT given on the command line\n"
	      "  -v            more verbose; repeat for more\n"
	      "  -k            keep the temporary directory\n"
	      "  -m NAME       name the module NAME\n"
	      "  -o FILE       send the script's output to FILE\n"
	      "  -r RELEASE    build for another kernel: a release or a kbuild directory\n"
	      "  -a ARCH       target architecture (default: the target kernel's)\n"
	      "  -B OPT        pass OPT to kbuild's make\n"
	      "  -D NAME=VAL   define NAME in the module (limits such as MAXACTION)\n"
	      "  -I DIR        look for tapset scripts in DIR too\n"
	      "  -R DIR        look for the runtime in DIR\n"
	      "  -c CMD        start CMD, set target() to its pid, end when it exits\n"
	      "  -x PID        set target() to PID\n"
	      "  -s NUM        output buffer size in MB\n"
	      "  -g            guru mode: allow embedded C and writes to kernel memory\n"
	      "  -w            suppress warnings\n"
	      "  -u            keep unused variables and functions\n"
	      "  -V            print the version and exit\n"
	      "  -h            print this help and exit\n"
	      "  --remote=qemu://[RELEASE]\n"
	      "                build for RELEASE and run in a disposable qemu guest booting\n"
	      "                that installed kernel (default: the newest installed)\n"
	      "  --disable-cache\n"
	      "                neither use nor fill the module cache\n", f);
}

enum { OPT_REMOTE = 256, OPT_DISABLE_CACHE, OPT_SUPPRESS_HANDLER_ERRORS };

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
	{ "poison-cache", no_argument, NULL, OPT_DISABLE_CACHE },
	{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS },
	{ NULL, 0, NULL, 0 },
};

static int parse_number(struct session *s, const char *opt, const char *arg, long lo,
			long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		diag_plain(s, "stap", "invalid argument '%s' for -%s (expected %ld..%ld)",
			   arg, opt, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* [A-Za-z0-9_]+ from P to END */
static bool word_chars(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* -D NAME[=VALUE] as systemtap allows it: [a-z_][a-z_0-9]*(=-?[a-z_0-9]+)?, any case.
 * Nothing else reaches the compiler's command line or a Kbuild file. */
static bool define_ok(const char *d)
{
	const char *eq = strchr(d, '=');
	const char *name_end = eq ? eq : d + strlen(d);

	if (d[0] >= '0' && d[0] <= '9')
		return false;
	if (!word_chars(d, name_end))
		return false;
	if (!eq)
		return true;
	eq++;
	if (*eq == '-')
		eq++;
	return word_chars(eq, eq + strlen(eq));
}

static int parse_options(struct session *s, int argc, char **argv)
{
	struct options *o = &s->opt;
	long v;
	int c;

	o->last_pass = 5;
	o->use_cache = true;
	o->target_pid = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:e:vkm:o:r:a:B:D:I:R:c:x:s:gwuVhl:L:t",
				long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_number(s, "p", optarg, 1, 5, &v))
				return -1;
			o->last_pass = (int)v;
			break;
		case 'e':
			if (o->script_text) {
				diag_plain(s, "stap", "Only one script can be given on the command line.");
				return -1;
			}
			o->script_text = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'k':
			o->keep_tmp = true;
			break;
		case 'm':
			o->module_name = optarg;
			break;
		case 'o':
			o->output_file = optarg;
			break;
		case 'r':
			if (strchr(optarg, '/'))
				o->build_dir = optarg;
			else
				o->release = optarg;
			break;
		case 'a':
			o->arch = optarg;
			break;
		case 'B':
			strlist_add(&o->kbuild_opts, optarg);
			break;
		case 'D':
			if (!define_ok(optarg)) {
				diag_plain(s, "stap", "invalid -D '%s': use NAME or NAME=VALUE, NAME of letters, digits and '_', VALUE the same with an optional leading '-'",
					   optarg);
				return -1;
			}
			strlist_add(&o->defines, optarg);
			break;
		case 'I':
			strlist_add(&o->include_dirs, optarg);
			break;
		case 'R':
			o->runtime_dir = optarg;
			break;
		case 'c':
			o->target_cmd = optarg;
			break;
		case 'x':
			if (parse_number(s, "x", optarg, 1, 0x7fffffff, &v))
				return -1;
			o->target_pid = v;
			break;
		case 's':
			if (parse_number(s, "s", optarg, 1, 4095, &v))
				return -1;
			o->bufsize_mb = (unsigned)v;
			break;
		case 'g':
			o->guru = true;
			break;
		case 'w':
			o->suppress_warnings = true;
			break;
		case 'u':
			o->keep_unused = true;
			break;
		case 'V':
			printf("systemtap-c translator/driver (version %s)\n"
			       "Rebuilt in C; speaks the systemtap 4.x script language.\n",
			       STAP_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_REMOTE:
			o->remote = optarg;
			break;
		case OPT_DISABLE_CACHE:
			o->use_cache = false;
			break;
		case 'l':
		case 'L':
			/* list what the probe point expands to: passes 1-2 of "probe P {}" */
			o->listing = c == 'l' ? 1 : 2;
			o->script_text = arena_printf(&s->arena, "probe %s {}", optarg);
			o->keep_unused = true;
			break;
		case 't':
			/* per-probe hit and cycle report at the end (runtime_main.h) */
			strlist_add(&o->defines, "STP_TIMING");
			break;
		case OPT_SUPPRESS_HANDLER_ERRORS:
			/* the runtime neither reports nor counts handler errors */
			strlist_add(&o->defines, "STP_SUPPRESS_HANDLER_ERRORS");
			break;
		case ':':
			diag_plain(s, "stap", "option -%c needs an argument", optopt);
			return -1;
		default:
			if (optopt)
				diag_plain(s, "stap", "unknown option -%c (try stap -h)", optopt);
			else
				diag_plain(s, "stap", "unknown option %s (try stap -h)",
					   argv[optind - 1]);
			return -1;
		}
	}
	if (!o->script_text) {
		if (optind >= argc) {
			diag_plain(s, "stap", "no script given: use stap FILE or stap -e SCRIPT (try stap -h)");
			return -1;
		}
		o->script_file = argv[optind++];
	}
	for (; optind < argc; optind++)
		strlist_add(&o->args, argv[optind]);
	if (o->target_cmd && o->target_pid) {
		diag_plain(s, "stap", "-c and -x cannot be used together");
		return -1;
	}
	if (o->module_name) {
		const char *p;

		for (p = o->module_name; *p; p++)
			if (!(*p == '_' || (*p >= '0' && *p <= '9') ||
			      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
				break;
		if (*p || !*o->module_name || strlen(o->module_name) > 55 ||
		    (o->module_name[0] >= '0' && o->module_name[0] <= '9')) {
			diag_plain(s, "stap", "invalid module name '%s': use letters, digits and '_' (at most 55, not starting with a digit)",
				   o->module_name);
			return -1;
		}
	}
	return 0;
}

struct pass_stats {
	double start_ms;
	struct rusage ru;
};

static void stats_begin(struct pass_stats *st)
{
	st->start_ms = now_ms();
	getrusage(RUSAGE_SELF, &st->ru);
}

static long tv_ms(const struct timeval *a, const struct timeval *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_usec - a->tv_usec) / 1000;
}

/* "using 112504virt/102108res/7280shr/94752data kb, in 170usr/90sys/293real ms." */
static void stats_print(const struct pass_stats *st)
{
	unsigned long size = 0, res = 0, shr = 0, text = 0, lib = 0, data = 0;
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct rusage ru;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu %lu %lu %lu %lu", &size, &res, &shr, &text, &lib,
			   &data) != 6)
			size = res = shr = data = 0;
		fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, " using %luvirt/%lures/%lushr/%ludata kb, in %ldusr/%ldsys/%ldreal ms.\n",
		size * page_kb, res * page_kb, shr * page_kb, data * page_kb,
		tv_ms(&st->ru.ru_utime, &ru.ru_utime), tv_ms(&st->ru.ru_stime, &ru.ru_stime),
		(long)(now_ms() - st->start_ms));
}

static const char *const pass_what[] = {
	"", "parse", "analysis", "translation", "compilation", "run",
};

static void report_pass(struct session *s, int pass, const struct pass_stats *st)
{
	if (s->opt.verbose < 1)
		return;
	switch (pass) {
	case 1: {
		int n_lib = 0;
		const struct stapfile *f;

		for (f = s->prog.files; f; f = f->next)
			n_lib += f->is_tapset;
		fprintf(stderr, "Pass 1: parsed user script and %d library scripts", n_lib);
		break;
	}
	case 2: {
		int n_fn = 0, n_glob = 0, n_embeds = 0;
		const struct function *fn;
		const struct global *g;
		const struct stapfile *f;
		const struct ast_node *e;

		for (f = s->prog.files; f; f = f->next)
			if (f->used || !f->is_tapset)
				for (e = f->embeds; e; e = e->next)
					n_embeds++;
		for (e = s->prog.embeds; e; e = e->next)
			n_embeds++;
		for (fn = s->prog.functions; fn; fn = fn->next_used)
			n_fn++;
		for (g = s->prog.globals; g; g = g->next_used)
			n_glob++;
		fprintf(stderr, "Pass 2: analyzed script: %d probe%s, %d function%s, %d embed%s, %d global%s",
			s->prog.n_probes, s->prog.n_probes == 1 ? "" : "s",
			n_fn, n_fn == 1 ? "" : "s", n_embeds, n_embeds == 1 ? "" : "s",
			n_glob, n_glob == 1 ? "" : "s");
		break;
	}
	case 3:
		if (s->cache_hit)
			fprintf(stderr, "Pass 3: using cached %s\n", s->module_c);
		else
			fprintf(stderr, "Pass 3: translated to C into \"%s\"", s->module_c);
		if (s->cache_hit)
			return;
		break;
	case 4:
		if (s->cache_hit)
			fprintf(stderr, "Pass 4: using cached %s\n", s->module_path);
		else
			fprintf(stderr, "Pass 4: compiled C into \"%s\"", s->module_path);
		if (s->cache_hit)
			return;
		break;
	case 5:
		fputs("Pass 5: run completed", stderr);
		break;
	}
	stats_print(st);
}

static void cleanup_tmp(struct session *s)
{
	if (!s->paths.tmp_dir)
		return;
	if (s->opt.keep_tmp) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->paths.tmp_dir);
		return;
	}
	remove_tree(s->paths.tmp_dir);
}

static bool host_cannot_run(struct session *s)
{
	const char *why;

	if (kernel_host_can_load_modules(&why))
		return false;
	fprintf(stderr, "stap: this machine's kernel cannot load modules (%s); run the "
		"script in a guest with --remote=qemu://, or stop after building with -p4\n",
		why);
	(void)s;
	return true;
}

/* Free what the run holds; returns the exit status. */
static int finish(struct session *s, int status)
{
	diag_finish(s);
	dw_close(s);
	arena_destroy(&s->arena);
	strlist_free(&s->opt.include_dirs);
	strlist_free(&s->opt.defines);
	strlist_free(&s->opt.kbuild_opts);
	strlist_free(&s->opt.args);
	return status;
}

static int (*const passes[])(struct session *) = {
	NULL, pass1_parse, pass2_elaborate, pass3_translate, pass4_build, pass5_run,
};

int main(int argc, char **argv)
{
	struct session sess = { 0 }, *s = &sess;
	struct pass_stats st;
	int pass, rc = 0;

	if (parse_options(s, argc, argv))
		return finish(s, 1);
	s->diag.suppress_warnings = s->opt.suppress_warnings;
	s->diag.verbose = s->opt.verbose;
	if (paths_resolve(s) || kernel_resolve(s))
		return finish(s, 1);
	for (pass = 1; pass <= s->opt.last_pass; pass++) {
		if (pass == 3 && s->opt.listing) {
			family_list_probes(s, s->opt.listing == 2);
			break;
		}
		/* before any expensive pass: can this run end anywhere? */
		if (pass == 3 && s->opt.last_pass == 5 && !s->opt.remote &&
		    host_cannot_run(s)) {
			rc = -1;
			break;
		}
		if (pass == 3)
			cache_key(s);
		if (pass == 3 && s->opt.use_cache && cache_lookup(s) == 0) {
			report_pass(s, 3, &st);
			continue;	/* pass 4 only hands out the cached module */
		}
		if (pass == 5 && s->opt.verbose)
			fputs("Pass 5: starting run.\n", stderr);
		stats_begin(&st);
		rc = passes[pass](s);
		if (rc || s->diag.n_errors) {
			if (pass < 5 || rc < 0) {
				if (pass == 1)
					fprintf(stderr, "%d parse error%s.\n", s->diag.n_errors,
						s->diag.n_errors == 1 ? "" : "s");
				fprintf(stderr, "Pass %d: %s failed.  [man error::pass%d]\n", pass,
					pass_what[pass], pass);
			}
			break;
		}
		report_pass(s, pass, &st);
	}
	cleanup_tmp(s);
	return finish(s, rc > 0 ? rc : rc || s->diag.n_errors ? 1 : 0);
}
