/* stap-qemu: run one command in a throwaway qemu guest booting an installed Debian kernel
 * (a command-line face of qemu.c, used by the guest test runner and for debugging).
 *
 *   stap-qemu [-r RELEASE] [-v] [-k] [-t TIMEOUT] [-c CONSOLE_LOG] [-s CPUS]
 *             [-C CACHE_DIR] [-a WORDS] [-n HOSTFWD]
 *             [-o OUT_FILE] [-e ERR_FILE] [-f HOST_PATH[:GUEST_PATH]]... -- CMD...
 *
 * CMD's words are joined with spaces and run by /bin/sh -c in the guest. The exit status
 * is the command's, or 125 when the guest could not run it, oopsed, or timed out.
 */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_INFRA 125

static void usage(FILE *f)
{
	fputs("usage: stap-qemu [-r RELEASE] [-v] [-k] [-t TIMEOUT] [-c CONSOLE_LOG]\n"
	      "                 [-s CPUS] [-C CACHE_DIR] [-a WORDS] [-o OUT_FILE] [-e ERR_FILE]\n"
	      "                 [-n HOSTFWD] [-f HOST_PATH[:GUEST_PATH]]... -- CMD...\n"
	      "  -r RELEASE      kernel release to boot (default: newest installed)\n"
	      "  -v              say what happens (twice: show qemu's command and output)\n"
	      "  -k              boot /boot/vmlinuz-RELEASE itself, with KASLR (about 6 s\n"
	      "                  slower than the default unpacked vmlinux, which has none)\n"
	      "  -t TIMEOUT      kill the guest after TIMEOUT seconds (default: none)\n"
	      "  -c CONSOLE_LOG  keep the guest's kernel console log in this file\n"
	      "  -s CPUS         guest cpus (default 2)\n"
	      "  -C CACHE_DIR    cache for vmlinux and base initramfs\n"
	      "                  (default ~/.systemtap/cache/qemu)\n"
	      "  -a WORDS        more kernel command-line words for the guest, e.g.\n"
	      "                  \"debugfs=off\" (default: $STAP_QEMU_APPEND)\n"
	      "  -o OUT_FILE     write the command's stdout there instead of to stdout\n"
	      "  -e ERR_FILE     write the command's stderr there instead of to stderr\n"
	      "                  (stap-qemu's own messages stay on stderr)\n"
	      "  -f HOST[:GUEST] put file HOST at GUEST (default: HOST's absolute path)\n"
	      "  -n HOSTFWD      give the guest an e1000 NIC on a restricted user-mode\n"
	      "                  network with this port forward, e.g.\n"
	      "                  tcp:127.0.0.1:2222-:22 (the guest brings it up itself)\n"
	      "  -p              print the release that would be booted and exit\n"
	      "Exit status: the command's, or 125 if the guest failed.\n",
	      f);
}

/* Split "HOST:GUEST" at the last ':' that starts an absolute guest path. */
static void parse_file(char *arg, struct qemu_file *f)
{
	char *colon = strrchr(arg, ':');

	f->host_path = arg;
	f->guest_path = NULL;
	f->mode = 0;
	if (colon && colon[1] == '/') {
		*colon = 0;
		f->guest_path = colon + 1;
	}
}

static char *join_words(char **words, int n)
{
	size_t len = 1, o = 0;
	char *cmd;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	cmd = malloc(len);
	if (!cmd)
		abort();
	for (i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (i)
			cmd[o++] = ' ';
		memcpy(cmd + o, words[i], l);
		o += l;
	}
	cmd[o] = 0;
	return cmd;
}

int main(int argc, char **argv)
{
	struct qemu_opts o = { .smp = 2, .append = getenv("STAP_QEMU_APPEND") };
	struct qemu_file *files;
	size_t n_files = 0;
	int c, rc, print_release = 0, out_fd = STDOUT_FILENO, err_fd = STDERR_FILENO;
	char *cmd, *end;

	files = calloc((size_t)argc, sizeof(*files));
	if (!files)
		abort();
	while ((c = getopt(argc, argv, "+r:vkt:c:s:C:a:o:e:f:n:ph")) != -1) {
		switch (c) {
		case 'r':
			o.release = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'k':
			o.bzimage = 1;
			break;
		case 't':
			o.timeout = strtod(optarg, &end);
			if (*end || o.timeout < 0) {
				fprintf(stderr, "stap-qemu: bad timeout '%s'\n", optarg);
				return EXIT_INFRA;
			}
			break;
		case 'c':
			o.console_log = optarg;
			break;
		case 's':
			o.smp = atoi(optarg);
			break;
		case 'C':
			o.cache_dir = optarg;
			break;
		case 'a':
			o.append = optarg;
			break;
		case 'o':
		case 'e':
			rc = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (rc < 0) {
				fprintf(stderr, "stap-qemu: cannot open %s: %s\n", optarg,
					strerror(errno));
				return EXIT_INFRA;
			}
			*(c == 'o' ? &out_fd : &err_fd) = rc;
			break;
		case 'f':
			parse_file(optarg, &files[n_files++]);
			break;
		case 'n':
			o.hostfwd = optarg;
			break;
		case 'p':
			print_release = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_INFRA;
		}
	}
	if (print_release) {
		char rel[256];

		if (o.release && *o.release) {
			puts(o.release);
			return 0;
		}
		rc = qemu_default_release(rel, sizeof(rel));
		if (rc) {
			fprintf(stderr, "stap-qemu: no installed kernel: %s\n", strerror(-rc));
			return EXIT_INFRA;
		}
		puts(rel);
		return 0;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_INFRA;
	}
	/* a closed stdout must not kill us before the guest is cleaned up */
	signal(SIGPIPE, SIG_IGN);
	cmd = join_words(argv + optind, argc - optind);
	fflush(stdout);
	rc = qemu_run(&o, files, n_files, cmd, out_fd, err_fd);
	free(cmd);
	free(files);
	return rc < 0 ? EXIT_INFRA : rc;
}
