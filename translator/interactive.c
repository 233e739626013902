/*
 * stap -i: build a script a line at a time and run it, as 4.8's --interactive.
 *
 * The script lives here as numbered lines; `run` writes it to a temporary
 * file and runs this same stap on it (a child process, with the options the
 * shell was started with), so every run goes through the whole pipeline and
 * the cache, and a failing run leaves the shell as it was.  With a terminal
 * on standard input the line editor is GNU readline, with history.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "passes.h"
#include "util.h"

struct shell {
	struct strlist lines;		/* the script, one line each (malloc'ed) */
	char *const *argv;		/* stap's options for a run, without -i */
	int argc;
	bool tty;
};

static const char help_text[] =
	"Commands:\n"
	"  add TEXT      append TEXT as the script's last line; a line starting with\n"
	"                probe, global, function, private or @define is added as is\n"
	"  list          show the script with line numbers\n"
	"  delete N      remove line N (delete all: every line)\n"
	"  load FILE     replace the script with FILE's lines\n"
	"  save FILE     write the script to FILE\n"
	"  run           run the script with this session's options (Ctrl-C ends it)\n"
	"  reset         forget the script\n"
	"  help          this text\n"
	"  quit, exit    leave (also end of input)\n";

static void lines_clear(struct shell *sh)
{
	size_t i;

	for (i = 0; i < sh->lines.n; i++)
		free((char *)sh->lines.v[i]);
	strlist_free(&sh->lines);
	memset(&sh->lines, 0, sizeof(sh->lines));
}

static int load_file(struct shell *sh, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	lines_clear(sh);
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		strlist_add(&sh->lines, xstrdup(line));
	}
	free(line);
	fclose(f);
	return 0;
}

static int save_file(const struct shell *sh, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sh->lines.n; i++)
		fprintf(f, "%s\n", sh->lines.v[i]);
	if (fclose(f)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Run stap on the script; its exit status, shown when it is not 0. */
static void run_script(struct shell *sh)
{
	char path[] = "/tmp/stap-iXXXXXX.stp";
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	char **argv;
	int fd, status, i;
	pid_t pid;

	if (!sh->lines.n) {
		fputs("the script is empty: add a probe first (try help)\n", stderr);
		return;
	}
	fd = mkstemps(path, 4);
	if (fd < 0) {
		fprintf(stderr, "cannot create a temporary file: %s\n", strerror(errno));
		return;
	}
	close(fd);
	if (save_file(sh, path)) {
		unlink(path);
		return;
	}
	argv = xcalloc((size_t)sh->argc + 2, sizeof(*argv));
	for (i = 0; i < sh->argc; i++)
		argv[i] = sh->argv[i];
	argv[i] = path;
	/* Ctrl-C goes to the run (the terminal's process group), not to the shell */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "cannot run stap: %s\n", strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "cannot run stap: %s\n", strerror(errno));
	else if (waitpid(pid, &status, 0) == pid) {
		if (WIFEXITED(status) && WEXITSTATUS(status))
			fprintf(stderr, "(exit status %d)\n", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			fprintf(stderr, "(ended by signal %d)\n", WTERMSIG(status));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	free(argv);
	unlink(path);
}

static bool starts_script(const char *line)
{
	static const char *const words[] = { "probe", "global", "function", "private", "@define" };
	size_t i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if (!strncmp(line, words[i], n) && (!line[n] || line[n] == ' ' || line[n] == '\t'))
			return true;
	}
	return false;
}

/* One command; false to leave the shell. */
static bool command(struct shell *sh, char *line)
{
	char *arg, *end;
	size_t i;

	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		*--end = '\0';
	if (!*line || *line == '#')
		return true;
	if (starts_script(line)) {
		strlist_add(&sh->lines, xstrdup(line));
		return true;
	}
	arg = line + strcspn(line, " \t");
	if (*arg) {
		*arg++ = '\0';
		arg += strspn(arg, " \t");
	}
	if (!strcmp(line, "quit") || !strcmp(line, "exit"))
		return false;
	if (!strcmp(line, "help") || !strcmp(line, "?")) {
		fputs(help_text, stdout);
	} else if (!strcmp(line, "add")) {
		if (*arg)
			strlist_add(&sh->lines, xstrdup(arg));
		else
			fputs("add TEXT: the line to add\n", stderr);
	} else if (!strcmp(line, "list")) {
		for (i = 0; i < sh->lines.n; i++)
			printf("%zu: %s\n", i + 1, sh->lines.v[i]);
	} else if (!strcmp(line, "delete")) {
		char *e;
		unsigned long n = strtoul(arg, &e, 10);

		if (!strcmp(arg, "all")) {
			lines_clear(sh);
		} else if (!*arg || *e || n < 1 || n > sh->lines.n) {
			fprintf(stderr, "delete N: N is a line number from 1 to %zu (see list)\n",
				sh->lines.n);
		} else {
			free((char *)sh->lines.v[n - 1]);
			memmove(&sh->lines.v[n - 1], &sh->lines.v[n],
				(sh->lines.n - n) * sizeof(*sh->lines.v));
			sh->lines.n--;
		}
	} else if (!strcmp(line, "load") || !strcmp(line, "save")) {
		if (!*arg)
			fprintf(stderr, "%s FILE: the file's name\n", line);
		else if (*line == 'l')
			load_file(sh, arg);
		else
			save_file(sh, arg);
	} else if (!strcmp(line, "run")) {
		run_script(sh);
	} else if (!strcmp(line, "reset")) {
		lines_clear(sh);
	} else {
		fprintf(stderr, "unknown command '%s' (try help)\n", line);
	}
	fflush(stdout);
	return true;
}

int interactive_main(struct session *s, char *const *run_argv, int run_argc)
{
	struct shell sh = { .argv = run_argv, .argc = run_argc, .tty = isatty(0) };
	char *line = NULL;
	size_t cap = 0;

	if (s->opt.script_file && load_file(&sh, s->opt.script_file))
		return 1;
	if (sh.tty)
		printf("Welcome to the interactive mode of stap %s; type help for the commands.\n",
		       STAP_VERSION);
	for (;;) {
		bool more;

		if (sh.tty) {
			char *l = readline("stap> ");

			if (!l)
				break;
			if (*l)
				add_history(l);
			more = command(&sh, l);
			free(l);
		} else {
			if (getline(&line, &cap, stdin) < 0)
				break;
			more = command(&sh, line);
		}
		if (!more)
			break;
	}
	if (sh.tty)
		putchar('\n');
	free(line);
	lines_clear(&sh);
	return 0;
}
