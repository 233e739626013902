/* The stap driver: parse the command line, run passes 1..N, report, exit 0 or 1. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "dumps.h"
#include "dwarf/dwarf.h"
#include "fsafe.h"
#include "passes.h"
#include "bpf/bpf.h"
#include "session.h"
#include "stp_msg.h"
#include "tapsets/family.h"
#include "translate/translate.h"
#include "util.h"


static void usage(FILE *f)
{
	fputs("Usage: stap [OPTIONS] FILE [ARGS...]\n"
	      "   or: stap [OPTIONS] -e SCRIPT [ARGS...]\n"
	      "   or: stap [OPTIONS] -l|-L PROBE-POINT\n"
	      "   or: stap [OPTIONS] --dump-functions|--dump-probe-types|--dump-probe-aliases\n"
	      "\n"
	      "Options, read from $SYSTEMTAP_DIR/rc (default ~/.systemtap/rc), then from the\n"
	      "command line, where they may follow the script and its arguments until \"--\":\n"
	      "  -p NUM        stop after pass NUM (1 parse, 2 elaborate, 3 translate,\n"
	      "                4 build the module, 5 run it; default 5)\n"
	      "  -e SCRIPT     run SCRIPT given on the command line\n"
	      "  -v            more verbose; repeat for more\n"
	      "  -k            keep the temporary directory\n"
	      "  -m NAME       name the module NAME\n"
	      "  -o FILE       send the script's output to FILE (strftime(3) patterns)\n"
	      "  -S MB[,N]     with -o: files FILE.0, FILE.1, ... of at most MB megabytes,\n"
	      "                the newest N kept\n"
	      "  -b            bulk mode: a file per CPU (FILE_N, or stpd_cpuN), for\n"
	      "                stap-merge\n"
	      "  -F            flight recorder: leave the module running and detach (its\n"
	      "                buffers keep the latest output; staprun -A NAME shows it),\n"
	      "                or with -o run in the background and print the pid\n"
	      "  -r RELEASE    build for another kernel: a release or a kbuild directory\n"
	      "  -a ARCH       target architecture (default: the target kernel's)\n"
	      "  -B OPT        pass OPT to kbuild's make\n"
	      "  -D NAME=VAL   define NAME in the module (limits such as MAXACTION)\n"
	      "  -I DIR        look for tapset scripts in DIR too\n"
	      "  -R DIR        look for the runtime in DIR\n"
	      "  -c CMD        start CMD, set target() to its pid, end when it exits\n"
	      "  -x PID        set target() to PID\n"
	      "  -s NUM        output buffer size in MB (1..1024, as staprun -s)\n"
	      "  -g            guru mode: allow embedded C and writes to kernel memory\n"
	      "  -w            suppress warnings\n"
	      "  -W            turn warnings into errors\n"
	      "  -E SCRIPT     parse SCRIPT too, with the script file or -e's\n"
	      "  -T SECONDS    end the session after SECONDS\n"
	      "  -G NAME=VALUE set global NAME to VALUE when the module is loaded\n"
	      "  -t            report each probe's hits and cycles at the end\n"
	      "  -u            keep unused variables and functions\n"
	      "  -V            print the version and exit\n"
	      "  -h            print this help and exit\n"
	      "  --remote=qemu://[RELEASE]\n"
	      "                build for RELEASE and run in a disposable qemu guest booting\n"
	      "                that installed kernel (default: the newest installed)\n"
	      "  --remote=ssh://[USER@]HOST[:PORT], --remote=[USER@]HOST\n"
	      "                build for HOST's kernel and run there over ssh; repeat for\n"
	      "                several hosts\n"
	      "  --remote-prefix\n"
	      "                put \"N: \" (N = the remote's index) before each output line\n"
	      "  --runtime=bpf, --bpf\n"
	      "                compile to BPF programs and run them on this machine's kernel\n"
	      "                (no module needed; see README)\n"
	      "  --disable-cache\n"
	      "                neither use nor fill the module cache\n"
	      "  --poison-cache\n"
	      "                do not use the module cache, but fill it\n"
	      "  --clean-cache remove the cached modules and exit\n"
	      "  --vp ABCDE    add per-pass verbosity\n"
	      "  --tmpdir=DIR  make the temporary directory in DIR\n"
	      "  --skip-badvars\n"
	      "                substitute 0 for target variables that do not resolve\n"
	      "  --suppress-handler-errors\n"
	      "                quietly skip probe handlers that fail\n"
	      "  --suppress-time-limits\n"
	      "                no overload and MAXACTION limits (needs -g)\n"
	      "  --no-global-var-display\n"
	      "                do not print unread globals at the end\n"
	      "  --color[=WHEN], --colour[=WHEN]\n"
	      "                colour the diagnostics: never, always (default) or auto\n"
	      "  --example NAME\n"
	      "                run systemtap-doc's example NAME(.stp)\n"
	      "  --dump-functions, --dump-probe-types, --dump-probe-aliases\n"
	      "                list the library's functions, the probe types, the aliases\n"
	      "  -d PATH       embed the symbols and unwind data of the user-space object\n"
	      "                PATH (repeatable), for usymname(), ubacktrace()...\n"
	      "  --ldd         also those of the shared libraries the probed programs and\n"
	      "                the -d objects need\n"
	      "  --compatible=VERSION\n"
	      "                the language and library of that older version (systemtap_v)\n"
	      "  --check-version\n"
	      "                warn of what the script uses that depends on the version\n"
	      "  -P, --prologue-searching[=WHEN]\n"
	      "                put user-space .function probes past the prologue: never,\n"
	      "                always (the default WHEN) or auto (the default: code compiled\n"
	      "                without optimization)\n"
	      "  --all-modules, -d MODULE, -q, --runtime=kernel, --rlimit-*=N\n"
	      "                accepted (see stap(1))\n"
	      "  --privilege[=stapusr|stapsys|stapdev], --unprivileged (= stapusr)\n"
	      "                refuse what that privilege level may not do\n"
	      "  --modinfo NAME=VALUE\n"
	      "                add MODULE_INFO(NAME, \"VALUE\") to the module (modinfo -F NAME)\n"
	      "  --sign-module[=DIR]\n"
	      "                sign the module with the key in DIR (default $SYSTEMTAP_DIR\n"
	      "                or ~/.systemtap), made on first use; for Secure Boot\n"
	      "Not supported yet (refused with the reason):\n"
	      "  --use-server --dyninst\n"
	      "  --sysroot --sysenv and the others stap(1) lists\n", f);
}

enum {
	OPT_REMOTE = 256, OPT_DISABLE_CACHE, OPT_POISON_CACHE, OPT_CLEAN_CACHE,
	OPT_SUPPRESS_HANDLER_ERRORS, OPT_SUPPRESS_TIME_LIMITS, OPT_VP, OPT_COMPATIBLE,
	OPT_CHECK_VERSION, OPT_COLOR, OPT_TMPDIR, OPT_NO_GLOBAL_VAR_DISPLAY,
	OPT_PROLOGUE_SEARCHING, OPT_RLIMIT_AS, OPT_RLIMIT_CPU, OPT_RLIMIT_NPROC,
	OPT_RLIMIT_STACK, OPT_RLIMIT_FSIZE, OPT_DUMP_PROBE_TYPES, OPT_DUMP_PROBE_ALIASES,
	OPT_DUMP_FUNCTIONS, OPT_EXAMPLE, OPT_RUNTIME, OPT_ALL_MODULES, OPT_SKIP_BADVARS, OPT_BPF, OPT_LDD, OPT_PRIVILEGE, OPT_UNPRIVILEGED, OPT_SIGN_MODULE, OPT_MODINFO, OPT_REMOTE_PREFIX, OPT_NOT_YET,
};

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
	{ "poison-cache", no_argument, NULL, OPT_POISON_CACHE },
	{ "clean-cache", no_argument, NULL, OPT_CLEAN_CACHE },
	{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS },
	{ "suppress-time-limits", no_argument, NULL, OPT_SUPPRESS_TIME_LIMITS },
	{ "vp", required_argument, NULL, OPT_VP },
	{ "compatible", required_argument, NULL, OPT_COMPATIBLE },
	{ "check-version", no_argument, NULL, OPT_CHECK_VERSION },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "no-global-var-display", no_argument, NULL, OPT_NO_GLOBAL_VAR_DISPLAY },
	{ "prologue-searching", optional_argument, NULL, OPT_PROLOGUE_SEARCHING },
	{ "rlimit-as", required_argument, NULL, OPT_RLIMIT_AS },
	{ "rlimit-cpu", required_argument, NULL, OPT_RLIMIT_CPU },
	{ "rlimit-nproc", required_argument, NULL, OPT_RLIMIT_NPROC },
	{ "rlimit-stack", required_argument, NULL, OPT_RLIMIT_STACK },
	{ "rlimit-fsize", required_argument, NULL, OPT_RLIMIT_FSIZE },
	{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
	{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_PROBE_ALIASES },
	{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
	{ "example", no_argument, NULL, OPT_EXAMPLE },
	{ "runtime", required_argument, NULL, OPT_RUNTIME },
	{ "bpf", no_argument, NULL, OPT_BPF },
	{ "dyninst", no_argument, NULL, OPT_NOT_YET },
	{ "skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS },
	{ "ldd", no_argument, NULL, OPT_LDD },
	{ "all-modules", no_argument, NULL, OPT_ALL_MODULES },
	{ "modinfo", required_argument, NULL, OPT_MODINFO },
	{ "privilege", optional_argument, NULL, OPT_PRIVILEGE },
	{ "unprivileged", no_argument, NULL, OPT_UNPRIVILEGED },
	{ "use-server", optional_argument, NULL, OPT_NOT_YET },
	{ "use-server-on-error", optional_argument, NULL, OPT_NOT_YET },
	{ "list-servers", optional_argument, NULL, OPT_NOT_YET },
	{ "trust-servers", optional_argument, NULL, OPT_NOT_YET },
	{ "sign-module", optional_argument, NULL, OPT_SIGN_MODULE },
	{ "remote-prefix", no_argument, NULL, OPT_REMOTE_PREFIX },
	{ "download-debuginfo", optional_argument, NULL, OPT_NOT_YET },
	{ "sysroot", required_argument, NULL, OPT_NOT_YET },
	{ "sysenv", required_argument, NULL, OPT_NOT_YET },
	{ "save-uprobes", no_argument, NULL, OPT_NOT_YET },
	{ "target-namespaces", required_argument, NULL, OPT_NOT_YET },
	{ "target-namespace", required_argument, NULL, OPT_NOT_YET },
	{ "monitor", optional_argument, NULL, OPT_NOT_YET },
	{ "benchmark-sdt", optional_argument, NULL, OPT_NOT_YET },
	{ "benchmark-sdt-loops", required_argument, NULL, OPT_NOT_YET },
	{ "benchmark-sdt-threads", required_argument, NULL, OPT_NOT_YET },
	{ NULL, 0, NULL, 0 },
};

/* 4.8's options that belong to later work, and why */
static const struct {
	const char *name;	/* "-b" or "--ldd" */
	const char *why;
} not_yet[] = {
	{ "--dyninst", "the runtimes are kernel and bpf; there is no dyninst runtime" },
	{ "--use-server", "no compile-server client: modules are built here with kbuild" },
	{ "--use-server-on-error", "no compile-server client: modules are built here with kbuild" },
	{ "--list-servers", "no compile-server client, so no servers to list" },
	{ "--trust-servers", "no compile-server client, so no servers to trust" },
	{ "--download-debuginfo", "debuginfo comes from the installed -dbg packages" },
	{ "--sysroot", "programs and debug information are read from this machine's own root" },
	{ "--sysenv", "it goes with --sysroot, which is not supported" },
	{ "--save-uprobes", "uprobes are part of the kernel: there is no uprobes.ko to save" },
	{ "--target-namespaces", "probes see every PID namespace; none can be targeted" },
	{ "--target-namespace", "probes see every PID namespace; none can be targeted" },
	{ "--monitor", "there is no monitor window; use -v or a timer probe" },
	{ "--benchmark-sdt", "no built-in SDT benchmark; bench/ measures probe costs" },
	{ "--benchmark-sdt-loops", "no built-in SDT benchmark; bench/ measures probe costs" },
	{ "--benchmark-sdt-threads", "no built-in SDT benchmark; bench/ measures probe costs" },
};

/* "stap: not supported yet: OPTION (WHY)", -1 */
static int refuse(struct session *s, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(not_yet); i++)
		if (!strcmp(not_yet[i].name, name))
			break;
	diag_plain(s, "stap", "not supported yet: %s (%s)", name,
		   i < ARRAY_LEN(not_yet) ? not_yet[i].why : "later work");
	return -1;
}

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

static bool digits_and_dots(const char *v)
{
	if (!*v || *v == '.')
		return false;
	for (; *v; v++)
		if (!((*v >= '0' && *v <= '9') || (*v == '.' && v[1] != '.' && v[1])))
			return false;
	return true;
}

/* --color[=WHEN], --prologue-searching[=WHEN]: never, always (the default) or auto */
static int parse_when(struct session *s, const char *name, const char *arg, int *out)
{
	static const char *const whens[] = { "never", "auto", "always" };
	int i;

	if (!arg) {
		*out = 1;
		return 0;
	}
	for (i = 0; i < 3; i++)
		if (!strcmp(arg, whens[i])) {
			*out = i - 1;
			return 0;
		}
	diag_plain(s, "stap", "invalid argument '%s' for --%s (expected never, always or auto)",
		   arg, name);
	return -1;
}

static int set_rlimit(struct session *s, const char *name, int resource, const char *arg)
{
	struct rlimit rl;
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-') {
		diag_plain(s, "stap", "invalid argument '%s' for --%s (expected a number)", arg,
			   name);
		return -1;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	if (setrlimit(resource, &rl)) {
		diag_plain(s, "stap", "--%s=%s: %s", name, arg, strerror(errno));
		return -1;
	}
	return 0;
}

/* the long options past OPT_SUPPRESS_TIME_LIMITS; 0 or -1 */
static int long_option(struct session *s, int c, const char *name, const char *arg)
{
	struct options *o = &s->opt;
	int when, i;

	switch (c) {
	case OPT_SUPPRESS_TIME_LIMITS:	/* checked against -g after the loop */
		return 0;
	case OPT_VP:
		for (i = 0; arg[i]; i++)
			if (i >= 5 || arg[i] < '0' || arg[i] > '9')
				break;
		if (!i || arg[i]) {
			diag_plain(s, "stap", "invalid argument '%s' for --vp (expected 1 to 5 digits, one per pass)",
				   arg);
			return -1;
		}
		for (i = 0; arg[i]; i++)
			o->vp[i] = arg[i] - '0';
		return 0;
	case OPT_COMPATIBLE:
		if (!digits_and_dots(arg)) {
			diag_plain(s, "stap", "invalid argument '%s' for --compatible (expected a version such as 4.8)",
				   arg);
			return -1;
		}
		o->compatible = arg;
		return 0;
	case OPT_CHECK_VERSION:
		o->check_version = true;
		return 0;
	case OPT_COLOR:
		if (parse_when(s, name, arg, &when))
			return -1;
		o->color = when;
		return 0;
	case OPT_PROLOGUE_SEARCHING:
		return parse_when(s, name, arg, &o->prologue);
	case OPT_TMPDIR:
		o->tmpdir = arg;
		return 0;
	case OPT_NO_GLOBAL_VAR_DISPLAY:
		o->no_global_var_display = true;
		return 0;
	case OPT_RLIMIT_AS:
		return set_rlimit(s, name, RLIMIT_AS, arg);
	case OPT_RLIMIT_CPU:
		return set_rlimit(s, name, RLIMIT_CPU, arg);
	case OPT_RLIMIT_NPROC:
		return set_rlimit(s, name, RLIMIT_NPROC, arg);
	case OPT_RLIMIT_STACK:
		return set_rlimit(s, name, RLIMIT_STACK, arg);
	case OPT_RLIMIT_FSIZE:
		return set_rlimit(s, name, RLIMIT_FSIZE, arg);
	case OPT_DUMP_PROBE_TYPES:
		o->action = ACTION_DUMP_PROBE_TYPES;
		return 0;
	case OPT_DUMP_PROBE_ALIASES:
		o->action = ACTION_DUMP_PROBE_ALIASES;
		return 0;
	case OPT_DUMP_FUNCTIONS:
		o->action = ACTION_DUMP_FUNCTIONS;
		return 0;
	case OPT_EXAMPLE:
		o->example = true;
		return 0;
	case OPT_SKIP_BADVARS:
		o->skip_badvars = true;
		return 0;
	case OPT_LDD:	/* the libraries the user objects need (translate/usyms.c) */
		o->ldd = true;
		return 0;
	case OPT_ALL_MODULES:	/* kallsyms already names every loaded module's symbols */
		return 0;
	case OPT_BPF:
		s->opt.bpf = true;
		return 0;
	case OPT_RUNTIME:
		if (!strcmp(arg, "kernel")) {
			s->opt.bpf = false;
			return 0;
		}
		if (!strcmp(arg, "bpf")) {
			s->opt.bpf = true;
			return 0;
		}
		diag_plain(s, "stap", "not supported yet: --runtime=%s (the runtimes are kernel and bpf)",
			   arg);
		return -1;
	case OPT_PRIVILEGE:
		for (i = 0; i < 3; i++)
			if (!strcmp(arg ? arg : "stapusr", privilege_name((enum stap_privilege)i)))
				break;
		if (i == 3) {
			diag_plain(s, "stap", "Invalid argument '%s' for --privilege.", arg);
			return -1;
		}
		o->privilege = (enum stap_privilege)i;
		return 0;
	case OPT_UNPRIVILEGED:
		o->privilege = PRIV_STAPUSR;
		return 0;
	case OPT_MODINFO:	/* NAME=VALUE, NAME as 4.8 allows: [a-z_][a-z0-9_]* */
		for (i = 0; (arg[i] >= 'a' && arg[i] <= 'z') || arg[i] == '_' ||
			    (i && arg[i] >= '0' && arg[i] <= '9'); i++)
			;
		if (!i || arg[i] != '=' || !arg[i + 1]) {
			diag_plain(s, "stap", "invalid --modinfo '%s' (expected NAME=VALUE, NAME of lower-case letters, digits and '_')",
				   arg);
			return -1;
		}
		strlist_add(&o->modinfo, arg);
		return 0;
	case OPT_SIGN_MODULE:	/* sign.c */
		o->sign_module = true;
		o->sign_dir = arg;
		return 0;
	case OPT_REMOTE_PREFIX:
		o->remote_prefix = true;
		return 0;
	case OPT_NOT_YET: {
		char *opt = xasprintf("--%s", name);
		int rc = refuse(s, opt);

		free(opt);
		return rc;
	}
	}
	return 0;
}

/* -o FILE with strftime(3) patterns, expanded at start as 4.8 does */
static int expand_output_name(struct session *s)
{
	char buf[4096];
	time_t now = time(NULL);
	struct tm tm;

	size_t n = 0;

	/* the user's pattern is the format: that is the point of the option */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (localtime_r(&now, &tm))
		n = strftime(buf, sizeof(buf), s->opt.output_file, &tm);
#pragma GCC diagnostic pop
	if (!n) {
		diag_plain(s, "stap", "invalid -o '%s': cannot expand its strftime patterns",
			   s->opt.output_file);
		return -1;
	}
	s->opt.output_file = arena_strdup(&s->arena, buf);
	return 0;
}

/* -G NAME=VALUE as 4.8 allows it: [A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.-]+; nothing a
 * module parameter list would read as a separator or a quote */
static bool is_alpha_(char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

static bool global_param_ok(const char *a)
{
	const char *p = a;

	if (!is_alpha_(*p))
		return false;
	while (is_alpha_(*p) || (*p >= '0' && *p <= '9'))
		p++;
	if (*p++ != '=' || !*p)
		return false;
	for (; *p; p++)
		if (!(is_alpha_(*p) || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* After pass 2: each -G names a scalar global of the script, a number for a number */
static int check_global_params(struct session *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->opt.global_params.n; i++) {
		const char *a = s->opt.global_params.v[i], *eq = strchr(a, '=');
		const struct symbol *g;
		char *end;

		for (g = s->prog.global_syms; g; g = g->next)
			if (strlen(g->name) == (size_t)(eq - a) && !strncmp(g->name, a, (size_t)(eq - a)))
				break;
		if (!g || !gl_is_param(g)) {
			diag_plain(s, "stap", "-G %s: %.*s is not a global number or string the script uses",
				   a, (int)(eq - a), a);
			rc = -1;
			continue;
		}
		errno = 0;
		(void)strtoll(eq + 1, &end, 0);
		if (g->type == TYPE_LONG && (errno || *end)) {
			diag_plain(s, "stap", "-G %s: %.*s is a number, '%s' is not", a,
				   (int)(eq - a), a, eq + 1);
			rc = -1;
		}
	}
	return rc;
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

/* One short option, or a long one with a short-option code: 0, or -1 after an error. */
/* one_option's second half: the cache, time limits, globals, refusals and errors */
static int other_option(struct session *s, int c, char **argv)
{
	struct options *o = &s->opt;
	long v;

	switch (c) {
	case OPT_REMOTE:
		if (!o->remote)
			o->remote = optarg;
		strlist_add(&o->remotes, optarg);
		break;

	case OPT_DISABLE_CACHE:
		o->use_cache = false;
		break;
	case OPT_POISON_CACHE:
		o->poison_cache = true;
		break;
	case OPT_CLEAN_CACHE:
		o->action = ACTION_CLEAN_CACHE;
		break;
	case 'W':
		o->warnings_as_errors = true;
		break;
	case 'E':
		strlist_add(&o->extra_scripts, optarg);
		break;
	case 'T':
		if (parse_number(s, "T", optarg, 1, 1000000000, &v))
			return -1;
		o->timeout = v;
		break;
	case 'd':
		/* the kernel and its modules: backtraces and symbol names come from
		 * kallsyms, which has them all; a user-space object's symbols and
		 * unwind data go into the module (translate/usyms.c) */
		if (strchr(optarg, '/')) {
			if (access(optarg, R_OK)) {
				diag_plain(s, "stap", "cannot read -d '%s': %s", optarg,
					   strerror(errno));
				return -1;
			}
			strlist_add(&o->user_objects, optarg);
		}
		break;
	case 'q':	/* 4.8: tapset coverage into its sqlite database; none here */
		break;
	case 'P':
		o->prologue = 1;
		break;
	case 'G':
		if (!global_param_ok(optarg)) {
			diag_plain(s, "stap", "invalid -G '%s' (expected NAME=VALUE, NAME an identifier, VALUE of letters, digits, '_', '.' and '-')",
				   optarg);
			return -1;
		}
		strlist_add(&o->global_params, optarg);
		break;
	case 'S': {
		/* MB[,N]: staprun checks the numbers */
		const char *p = optarg;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == optarg || (*p && (*p != ',' || !p[1] || strspn(p + 1, "0123456789") != strlen(p + 1)))) {
			diag_plain(s, "error", "-S takes SIZE_MB[,N_FILES], not '%s'", optarg);
			return -1;
		}
		o->file_rotation = optarg;
		break;
	}
	case 'i':
		o->interactive = true;
		break;
	case 'b':
		o->bulk = true;
		break;
	case 'F':
		o->flight = true;
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
	return 0;
}

static int one_option(struct session *s, int c, char **argv)
{
	struct options *o = &s->opt;
	long v;

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
		o->output_file = o->output_pattern = optarg;
		break;
	case 'r':
		if (strchr(optarg, '/'))
			o->build_dir = optarg;
		else
			o->release = optarg;
		break;
	case 'a':
		if (!word_chars(optarg, optarg + strlen(optarg))) {
			diag_plain(s, "stap", "invalid architecture '%s' for -a", optarg);
			return -1;
		}
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
		if (parse_number(s, "s", optarg, 1, STP_BUFSIZE_MB_MAX, &v))
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
	default:
		return other_option(s, c, argv);
	}
	return 0;
}

/* -m NAME: a C identifier the kernel accepts as a module name */
static bool module_name_ok(struct session *s, const char *name)
{
	const char *p;

	for (p = name; *p; p++)
		if (!(*p == '_' || (*p >= '0' && *p <= '9') ||
		      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			break;
	if (*p || !*name || strlen(name) > 55 || (name[0] >= '0' && name[0] <= '9')) {
		diag_plain(s, "stap", "invalid module name '%s': use letters, digits and '_' (at most 55, not starting with a digit)",
			   name);
		return false;
	}
	return true;
}

/* After the options: what they imply together, the script and its arguments. */
static int finish_options(struct session *s, int argc, char **argv, bool suppress_time_limits)
{
	struct options *o = &s->opt;

	if (suppress_time_limits) {
		if (!o->guru) {
			diag_plain(s, "stap", "Using --suppress-time-limits requires guru mode (-g)");
			return -1;
		}
		/* as 4.8: no overload check, and budgets too large to be reached */
		strlist_add(&o->defines, "STP_NO_OVERLOAD");
		strlist_add(&o->defines, "MAXACTION=100000000");
		strlist_add(&o->defines, "MAXTRYLOCK=100000000");
	}
	if (o->guru && o->privilege != PRIV_STAPDEV) {
		diag_plain(s, "stap", "You can't specify -g and --privilege=%s together.",
			   privilege_name(o->privilege));
		return -1;
	}
	if (o->output_file && strchr(o->output_file, '%') &&
	    expand_output_name(s))
		return -1;
	if (o->file_rotation && !o->output_file) {
		diag_plain(s, "stap", "-S needs -o FILE: it rotates the output files");
		return -1;
	}
	if (o->bpf && (o->bulk || o->flight)) {
		diag_plain(s, "stap", "-%c is for the kernel runtime, not --runtime=bpf",
			   o->bulk ? 'b' : 'F');
		return -1;
	}
	if (o->action != ACTION_RUN)
		return 0;
	if (o->interactive) {
		if (o->script_text || optind < argc || o->listing) {
			diag_plain(s, "stap", "-i builds the script in its shell: give no script, -e, -l or -L (load FILE reads one there)");
			return -1;
		}
		return 0;
	}
	if (!o->script_text) {
		if (optind >= argc) {
			diag_plain(s, "stap", "no script given: use stap FILE or stap -e SCRIPT (try stap -h)");
			return -1;
		}
		o->script_file = argv[optind++];
	}
	if (o->example) {
		if (o->script_text) {
			diag_plain(s, "stap", "--example takes the name of an example, not -e SCRIPT");
			return -1;
		}
		o->script_file = opts_find_example(s, o->script_file);
		if (!o->script_file)
			return -1;
	}
	for (; optind < argc; optind++)
		strlist_add(&o->args, argv[optind]);
	if (o->target_cmd && o->target_pid) {
		diag_plain(s, "stap", "-c and -x cannot be used together");
		return -1;
	}
	if (o->module_name && !module_name_ok(s, o->module_name))
		return -1;
	return 0;
}
static int parse_options(struct session *s, int argc, char **argv)
{
	struct options *o = &s->opt;
	bool suppress_time_limits = false;
	int c, li = -1;

	o->last_pass = 5;
	o->use_cache = true;
	o->target_pid = 0;
	opterr = 0;
	/* as 4.8, GNU getopt's order: options may follow the script and its arguments
	 * (stap psig.stp -x PID); "--" ends them */
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv,
				":p:e:vkm:o:r:a:B:D:I:R:c:x:s:gwuVhl:L:tWE:T:qPbFS:d:G:i",
				long_opts, &li);
		if (c == -1)
			break;
		if (c >= OPT_SUPPRESS_TIME_LIMITS) {
			int rc = long_option(s, c, long_opts[li].name, optarg);

			if (rc < 0)
				return -1;
			suppress_time_limits |= c == OPT_SUPPRESS_TIME_LIMITS;
			continue;
		}
		if (one_option(s, c, argv) < 0)
			return -1;
	}
	return finish_options(s, argc, argv, suppress_time_limits);
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
		else if (s->bpf_insn)
			fprintf(stderr, "Pass 3: wrote BPF instructions (no clang) into \"%s\"", s->module_c);
		else
			fprintf(stderr, "Pass 3: translated to C into \"%s\"", s->module_c);
		if (s->cache_hit)
			return;
		break;
	case 4:
		if (s->cache_hit)
			fprintf(stderr, "Pass 4: using cached %s\n", s->module_path);
		else if (s->bpf_insn)
			fprintf(stderr, "Pass 4: no C to compile: \"%s\" holds BPF instructions", s->module_path);
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
	if (s->opt.verbose >= 2)
		fprintf(stderr, "Removed temporary directory \"%s\"\n", s->paths.tmp_dir);
}

static bool host_cannot_run(struct session *s)
{
	const char *why;

	if (kernel_host_can_load_modules(&why))
		return false;
	fprintf(stderr, "stap: this machine's kernel cannot load modules (%s); run the "
		"script here with --runtime=bpf, in a guest with --remote=qemu://, or stop "
		"after building with -p4\n", why);
	(void)s;
	return true;
}

/* Free what the run holds; returns the exit status. */
static int finish(struct session *s, int status)
{
	diag_finish(s);
	dw_close(s);
	btf__free(s->kern.btf);
	arena_destroy(&s->arena);
	strlist_free(&s->opt.include_dirs);
	strlist_free(&s->opt.defines);
	strlist_free(&s->opt.kbuild_opts);
	strlist_free(&s->opt.args);
	strlist_free(&s->opt.extra_scripts);
	strlist_free(&s->opt.global_params);
	strlist_free(&s->opt.modinfo);
	strlist_free(&s->opt.user_objects);
	strlist_free(&s->opt.remotes);
	return status;
}

/* -b and -F need a machine that lives on after the run, and staprun's files there */
static int remote_modes_ok(struct session *s)
{
	const char *r = s->opt.remote;

	if (r && (s->opt.bulk || s->opt.flight) && !strncmp(r, "qemu://", 7)) {
		diag_plain(s, "stap", "-%c cannot be used with --remote=qemu:// (the guest ends with the run)",
			   s->opt.bulk ? 'b' : 'F');
		return -1;
	}
	if (r && (s->opt.bulk || s->opt.flight)) {
		diag_plain(s, "stap", "-%c cannot be used with --remote=%s (its output files stay on the remote)",
			   s->opt.bulk ? 'b' : 'F', r);
		return -1;
	}
	return 0;
}

/* Passes 3..5 need the target's kbuild tree (pass 4 builds against it); with -r or
 * --remote say at once when it is missing rather than after translating. -p1/-p2 need
 * no headers (DWARF comes from debuginfo). */
static int no_build_tree(struct session *s)
{
	char *mk;
	bool ok;

	if (s->opt.last_pass < 3 || s->opt.listing ||
	    !(s->opt.release || s->opt.build_dir || s->opt.remote))
		return 0;
	mk = xasprintf("%s/Makefile", s->kern.build_dir);
	ok = file_exists(mk);
	free(mk);
	if (ok)
		return 0;
	diag_plain(s, "stap", "no kernel build tree for %s at %s (install linux-headers-%s, or stop before pass 3 with -p1/-p2)",
		   s->kern.release, s->kern.build_dir, s->kern.release);
	return -1;
}

/* --no-global-var-display: globals written and never read are not printed at the end */
static void no_autoprint(struct session *s)
{
	struct symbol *g;

	for (g = s->prog.global_syms; g; g = g->next)
		g->autoprint = false;
}

/* --tmpdir=DIR: the run's temporary directory is DIR/stapXXXXXX */
static int make_tmp_dir(struct session *s)
{
	char *tmpl = xasprintf("%s/stapXXXXXX", s->opt.tmpdir);
	int rc = 0;

	if (!mkdtemp(tmpl)) {
		diag_plain(s, "stap", "cannot create a temporary directory in %s (--tmpdir): %s",
			   s->opt.tmpdir, strerror(errno));
		rc = -1;
	} else {
		s->paths.tmp_dir = arena_strdup(&s->arena, tmpl);
		tmp_dir_guard(tmpl);
		if (s->opt.verbose >= 2)
			fprintf(stderr, "Created temporary directory \"%s\"\n", tmpl);
	}
	free(tmpl);
	return rc;
}

static int (*const passes[])(struct session *) = {
	NULL, pass1_parse, pass2_elaborate, pass3_translate, pass4_build, pass5_run,
};

/* --runtime=bpf: passes 1 and 2 are shared */
static int (*const bpf_passes[])(struct session *) = {
	NULL, pass1_parse, pass2_elaborate, bpf_pass3, bpf_pass4, bpf_pass5,
};

/* $SYSTEMTAP_DIR/rc (~/.systemtap/rc): default options, words separated by white space,
 * read before the command line's (which may override them); 0 or -1 */
static int rc_options(struct session *s, int *argc, char ***argv)
{
	const char *dir = getenv("SYSTEMTAP_DIR");
	char home[PATH_MAX], *text, *p, **nargv;
	const char *path;
	size_t len, n = 0, i;
	int err;

	if (dir && *dir)
		path = arena_printf(&s->arena, "%s/rc", dir);
	else if (fs_home_dir(home, sizeof(home)) == 0)
		path = arena_printf(&s->arena, "%s/.systemtap/rc", home);
	else
		return 0;
	err = read_file(path, &text, &len);
	if (err == -ENOENT)
		return 0;
	if (err) {
		diag_plain(s, "stap", "cannot read %s: %s", path, strerror(-err));
		return -1;
	}
	if (strlen(text) != len) {
		diag_plain(s, "stap", "cannot read %s: it holds a NUL byte", path);
		free(text);
		return -1;
	}
	/* at most one word for every two bytes, plus argv */
	nargv = arena_alloc(&s->arena, (len / 2 + 2 + (size_t)*argc) * sizeof(*nargv));
	nargv[n++] = (*argv)[0];
	for (p = strtok(text, " \t\r\n\v\f"); p; p = strtok(NULL, " \t\r\n\v\f"))
		nargv[n++] = arena_strdup(&s->arena, p);
	free(text);
	for (i = 1; i < (size_t)*argc; i++)
		nargv[n++] = (*argv)[i];
	nargv[n] = NULL;
	*argc = (int)n;
	*argv = nargv;
	return 0;
}

/* argv without its "-i" and "--interactive" words (n_i of them), NULL-ended */
static char **interactive_argv(int argc, char **argv, int *n, int *n_i)
{
	char **v = xcalloc((size_t)argc + 1, sizeof(*v));
	bool options = true;
	int i;

	*n = *n_i = 0;
	for (i = 0; i < argc; i++) {
		if (options && i > 0 && (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--interactive"))) {
			(*n_i)++;
			continue;
		}
		if (!strcmp(argv[i], "--"))
			options = false;
		v[(*n)++] = argv[i];
	}
	return v;
}

int main(int argc, char **argv)
{
	struct session sess = { 0 }, *s = &sess;
	struct pass_stats st;
	int pass, verbose, rc = 0, n_cmdline, n_i;
	/* the command line as given (getopt permutes argv), for stap -i's runs */
	char **cmdline = interactive_argv(argc, argv, &n_cmdline, &n_i);

	if (rc_options(s, &argc, &argv) || parse_options(s, argc, argv)) {
		free(cmdline);
		return finish(s, 1);
	}
	if (s->opt.interactive) {
		if (!n_i) {
			diag_plain(s, "stap", "give -i as an option of its own (stap -i ...)");
			rc = 1;
		} else {
			rc = interactive_main(s, cmdline, n_cmdline);
		}
		free(cmdline);
		return finish(s, rc);
	}
	free(cmdline);
	s->diag.suppress_warnings = s->opt.suppress_warnings;
	s->diag.warnings_as_errors = s->opt.warnings_as_errors;
	diag_set_colors(&s->diag, s->opt.color);
	s->diag.verbose = s->opt.verbose;
	if (remote_modes_ok(s) || paths_resolve(s) || kernel_resolve(s))
		return finish(s, 1);
	switch (s->opt.action) {
	case ACTION_RUN:
		break;
	case ACTION_CLEAN_CACHE:
		return finish(s, cache_clean(s) ? 1 : 0);
	case ACTION_DUMP_PROBE_TYPES:
		return finish(s, dump_probe_types(s) ? 1 : 0);
	case ACTION_DUMP_PROBE_ALIASES:
		return finish(s, dump_probe_aliases(s) ? 1 : 0);
	case ACTION_DUMP_FUNCTIONS:
		return finish(s, dump_functions(s) ? 1 : 0);
	}
	if (no_build_tree(s))
		return finish(s, 1);
	if (s->opt.verbose >= 2) {	/* as 4.8's -vv */
		fprintf(stderr, "Systemtap translator/driver (version %s)\n", STAP_VERSION);
		fprintf(stderr, "Session arch: %s release: %s\n",
			s->kern.arch ? s->kern.arch : "x86_64", s->kern.release);
		if (s->kern.build_dir)
			fprintf(stderr, "Build tree: \"%s\"\n", s->kern.build_dir);
	}
	tmp_dir_signals(s->opt.keep_tmp);
	verbose = s->opt.verbose;
	for (pass = 1; pass <= s->opt.last_pass; pass++) {
		/* --vp ABCDE: pass N runs with -v count + digit N */
		s->opt.verbose = s->diag.verbose = verbose + s->opt.vp[pass - 1];
		if (pass == 3 && check_global_params(s)) {
			rc = -1;
			break;
		}
		if (pass == 3 && s->opt.no_global_var_display)
			no_autoprint(s);
		if (pass == 3 && s->opt.tmpdir && make_tmp_dir(s)) {
			rc = -1;
			break;
		}
		if (pass == 3 && s->opt.listing) {
			family_list_probes(s, s->opt.listing == 2);
			break;
		}
		/* before any expensive pass: can this run end anywhere? */
		if (pass == 3 && s->opt.last_pass == 5 && !s->opt.remote && !s->opt.bpf &&
		    host_cannot_run(s)) {
			rc = -1;
			break;
		}
		if (pass == 3 && s->opt.sign_module && sign_prepare(s)) {
			rc = -1;
			break;
		}
		if (pass == 3)
			cache_key(s);
		if (pass == 3 && s->opt.use_cache && !s->opt.poison_cache &&
		    cache_lookup(s) == 0) {
			char *text;

			/* -p3 prints the C, from the cache as from a fresh pass 3 */
			if (s->opt.last_pass == 3 && read_file(s->module_c, &text, NULL) == 0) {
				fputs(text, stdout);
				free(text);
			}
			report_pass(s, 3, &st);
			continue;	/* pass 4 only hands out the cached module */
		}
		if (pass == 5 && s->opt.verbose)
			fputs("Pass 5: starting run.\n", stderr);
		stats_begin(&st);
		rc = s->opt.bpf && pass >= 3 ? bpf_passes[pass](s) : passes[pass](s);
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
