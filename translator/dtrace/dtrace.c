/* dtrace: SDT markers for applications, from a DTrace provider description.
 *
 *   dtrace -h -s PROVIDER.d [-o FILE.h]   a header: for each probe NAME of provider P,
 *       P_NAME(args...) (a <sys/sdt.h> marker with its semaphore) and
 *       P_NAME_ENABLED() (is a tool probing it now?)
 *   dtrace -G -s PROVIDER.d [-o FILE.o]   the object defining those semaphores
 *
 * -C runs the C preprocessor on the description first (with -I DIR and -D NAME[=V]);
 * object files after the options (DTrace's -G inputs) are accepted and left alone.
 * The marker of probe "query__start" is named query__start, its macros
 * P_QUERY_START(...) and P_QUERY_START_ENABLED(). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 12

struct probe {
	char *provider, *name;
	int n_args;
};

static struct probe *probes;
static size_t n_probes;
static const char *prog = "dtrace";

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		die("out of memory");
	return d;
}

/* the whole output of a command (argv), or of the file path when argv is NULL */
static char *slurp(const char *path, char *const *argv)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	pid_t pid = 0;
	int st;

	if (argv) {
		int fd[2];

		if (pipe(fd) || (pid = fork()) < 0)
			die("cannot run %s: %s", argv[0], strerror(errno));
		if (!pid) {
			dup2(fd[1], 1);
			close(fd[0]);
			close(fd[1]);
			execvp(argv[0], argv);
			fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(errno));
			_exit(127);
		}
		close(fd[1]);
		f = fdopen(fd[0], "r");
	} else {
		f = fopen(path, "r");
	}
	if (!f)
		die("cannot read %s: %s", argv ? argv[0] : path, strerror(errno));
	do {
		if (len + 4096 > cap)
			buf = xrealloc(buf, cap = cap * 2 + 8192);
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got);
	fclose(f);
	if (pid && (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)))
		die("%s failed on %s", argv[0], path);
	buf[len] = '\0';
	return buf;
}

/* comments and preprocessor lines become blanks */
static void blank_noise(char *t)
{
	char *p = t;
	bool bol = true;

	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");
			char *end = e ? e + 2 : p + strlen(p);

			for (; p < end; p++)
				if (*p != '\n')
					*p = ' ';
			continue;
		}
		if ((p[0] == '/' && p[1] == '/') || (bol && *p == '#')) {
			while (*p && *p != '\n')
				*p++ = ' ';
			continue;
		}
		if (*p == '\n')
			bol = true;
		else if (!isspace((unsigned char)*p))
			bol = false;
		p++;
	}
}

static int line_of(const char *text, const char *at)
{
	int n = 1;

	for (; text < at; text++)
		n += *text == '\n';
	return n;
}

static const char *skip_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *ident(const char *p, char **out)
{
	const char *b = p;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	*out = p > b ? xstrndup(b, (size_t)(p - b)) : NULL;
	return p;
}

/* "provider P { probe NAME(TYPE, ...); ... };" blocks; other declarations are skipped */
static void parse(const char *file, const char *text)
{
	const char *p = skip_ws(text);

	while (*p) {
		char *word, *prov;

		p = skip_ws(ident(p, &word));
		if (!word || strcmp(word, "provider")) {
			/* a declaration outside providers (#pragma leftovers, typedefs) */
			free(word);
			p = strchr(p + (*p != '\0'), ';');
			if (!p)
				return;
			p = skip_ws(p + 1);
			continue;
		}
		free(word);
		p = skip_ws(ident(p, &prov));
		if (!prov || *p != '{')
			die("%s:%d: expected 'provider NAME {'", file, line_of(text, p));
		p = skip_ws(p + 1);
		while (*p && *p != '}') {
			struct probe pr = { .provider = prov };
			const char *args, *end;
			int depth = 0, commas = 0;

			p = skip_ws(ident(p, &word));
			if (!word || strcmp(word, "probe"))
				die("%s:%d: expected 'probe NAME(...);' in provider %s", file,
				    line_of(text, p), prov);
			free(word);
			p = skip_ws(ident(p, &pr.name));
			if (!pr.name || *p != '(')
				die("%s:%d: expected a probe name and '('", file, line_of(text, p));
			args = skip_ws(p + 1);
			/* the arguments: top-level commas + 1; none for "()" and "(void)" */
			for (p++; *p && (depth || (*p != ')' && *p != ';' && *p != '}')); p++) {
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				else if (*p == ',' && !depth)
					commas++;
			}
			if (*p != ')')
				die("%s:%d: unterminated argument list of probe %s", file,
				    line_of(text, p), pr.name);
			for (end = p; end > args && isspace((unsigned char)end[-1]); end--)
				;
			if (end > args && !(end - args == 4 && !strncmp(args, "void", 4)))
				pr.n_args = commas + 1;
			if (pr.n_args > MAX_ARGS)
				die("%s:%d: probe %s has %d arguments (at most %d)", file,
				    line_of(text, p), pr.name, pr.n_args, MAX_ARGS);
			p = skip_ws(p + 1);
			if (*p != ';')
				die("%s:%d: expected ';' after probe %s", file, line_of(text, p),
				    pr.name);
			p = skip_ws(p + 1);
			probes = xrealloc(probes, (n_probes + 1) * sizeof(*probes));
			probes[n_probes++] = pr;
		}
		if (*p != '}')
			die("%s:%d: provider %s is not closed by '}'", file, line_of(text, p), prov);
		p = skip_ws(p + 1);
		if (*p == ';')
			p = skip_ws(p + 1);
	}
}

/* NAME in a macro: upper case, "__" as "_" (query__start: QUERY_START), other
 * characters than letters and digits as "_" */
static void put_macro_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '_' && s[1] == '_')
			s++;
		fputc(isalnum((unsigned char)*s) ? toupper((unsigned char)*s) : '_', f);
	}
}

static void write_header(FILE *f, const char *src, const char *out)
{
	const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	size_t i;
	int k;

	fprintf(f, "/* %s: the SDT markers of %s (dtrace -h) */\n", base, src);
	fputs("#ifndef _DTRACE_", f);
	put_macro_name(f, base);
	fputs("\n#define _DTRACE_", f);
	put_macro_name(f, base);
	fputs("\n\n/* markers carry their semaphores, which is-enabled tests read */\n"
	      "#define _SDT_HAS_SEMAPHORES 1\n#include <sys/sdt.h>\n\n"
	      "#ifdef __cplusplus\nextern \"C\" {\n#endif\n", f);
	for (i = 0; i < n_probes; i++) {
		const struct probe *p = &probes[i];

		fprintf(f, "\n/* %s:%s, %d argument%s */\n", p->provider, p->name, p->n_args,
			p->n_args == 1 ? "" : "s");
		fprintf(f, "__extension__ extern unsigned short %s_%s_semaphore "
			"__attribute__((unused)) __attribute__((section(\".probes\")));\n",
			p->provider, p->name);
		fputs("#define ", f);
		put_macro_name(f, p->provider);
		fputc('_', f);
		put_macro_name(f, p->name);
		fprintf(f, "_ENABLED() __builtin_expect(%s_%s_semaphore, 0)\n", p->provider,
			p->name);
		fputs("#define ", f);
		put_macro_name(f, p->provider);
		fputc('_', f);
		put_macro_name(f, p->name);
		fputc('(', f);
		for (k = 1; k <= p->n_args; k++)
			fprintf(f, "%sarg%d", k > 1 ? ", " : "", k);
		if (p->n_args)
			fprintf(f, ") STAP_PROBE%d(%s, %s", p->n_args, p->provider, p->name);
		else
			fprintf(f, ") STAP_PROBE(%s, %s", p->provider, p->name);
		for (k = 1; k <= p->n_args; k++)
			fprintf(f, ", arg%d", k);
		fputs(")\n", f);
	}
	fputs("\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n", f);
}

/* the semaphores, compiled by $CC (cc) into out */
static void write_object(const char *src, const char *out)
{
	char tmp[] = "/tmp/dtrace-XXXXXX.c";
	const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
	int fd = mkstemps(tmp, 2), st;
	FILE *f;
	size_t i;
	pid_t pid;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		die("cannot create a temporary file: %s", strerror(errno));
	fprintf(f, "/* the semaphores of %s's markers (dtrace -G) */\n", src);
	for (i = 0; i < n_probes; i++)
		fprintf(f, "__extension__ unsigned short %s_%s_semaphore "
			"__attribute__((unused)) __attribute__((section(\".probes\"))) = 0;\n",
			probes[i].provider, probes[i].name);
	if (!n_probes)
		fputs("typedef int dtrace_no_probes;\n", f);
	if (fclose(f))
		die("cannot write %s: %s", tmp, strerror(errno));
	pid = fork();
	if (pid < 0)
		die("cannot run %s: %s", cc, strerror(errno));
	if (!pid) {
		execlp(cc, cc, "-fPIC", "-c", "-o", out, tmp, (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, cc, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		unlink(tmp);
		die("%s could not compile the semaphores of %s", cc, src);
	}
	unlink(tmp);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [-C [-I DIR] [-D NAME[=VALUE]]] -h -s PROVIDER.d [-o FILE.h]\n"
		   "       %s [-C [-I DIR] [-D NAME[=VALUE]]] -G -s PROVIDER.d [-o FILE.o] "
		   "[OBJECT...]\n"
		   "  -h  write a header of PROVIDER_PROBE(...) and PROVIDER_PROBE_ENABLED() "
		   "macros\n"
		   "  -G  write an object file defining the markers' semaphores\n"
		   "  -s  the provider description\n"
		   "  -o  the output file (default: PROVIDER.h or PROVIDER.o)\n"
		   "  -C  run the C preprocessor on the description first\n", prog, prog);
}

int main(int argc, char **argv)
{
	const char *src = NULL, *out = NULL;
	char **cpp = xrealloc(NULL, (size_t)(argc + 4) * sizeof(*cpp));
	int n_cpp = 0, c, mode = 0;
	bool use_cpp = false;
	char *text, *def;
	FILE *f;

	static char cpp_name[] = "cpp";

	cpp[n_cpp++] = cpp_name;
	while ((c = getopt(argc, argv, "hGs:o:CI:D:x:kv")) != -1) {
		switch (c) {
		case 'h': case 'G':
			if (mode && mode != c)
				die("-h and -G cannot be given together");
			mode = c;
			break;
		case 's':
			src = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'C':
			use_cpp = true;
			break;
		case 'I': case 'D':
			cpp[n_cpp] = xrealloc(NULL, strlen(optarg) + 3);
			sprintf(cpp[n_cpp++], "-%c%s", c, optarg);
			break;
		case 'x': case 'k': case 'v':
			break;	/* DTrace tuning, kept files, verbosity: nothing to do */
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!mode || !src) {
		usage(stderr);
		return 1;
	}
	if (!out) {
		const char *b = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		size_t n = strlen(b);

		if (n > 2 && !strcmp(b + n - 2, ".d"))
			n -= 2;
		def = xrealloc(NULL, n + 3);
		sprintf(def, "%.*s.%c", (int)n, b, mode == 'h' ? 'h' : 'o');
		out = def;
	}
	if (use_cpp) {
		cpp[n_cpp++] = xstrndup(src, strlen(src));
		cpp[n_cpp] = NULL;
		text = slurp(src, cpp);
	} else {
		text = slurp(src, NULL);
	}
	blank_noise(text);
	parse(src, text);
	if (mode == 'G') {
		write_object(src, out);
		return 0;
	}
	f = fopen(out, "w");
	if (!f)
		die("cannot write %s: %s", out, strerror(errno));
	write_header(f, src, out);
	if (fclose(f))
		die("cannot write %s: %s", out, strerror(errno));
	return 0;
}
