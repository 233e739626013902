/* The target kernel: its release, kbuild tree and architecture, from -r, --remote or
 * the running kernel. A missing build tree is reported by pass 4, not here, so -p1..-p3
 * work without kernel headers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "passes.h"
#include "remote/qemu.h"
#include "util.h"

static const char *read_release(struct session *s, const char *build_dir)
{
	char *path = xasprintf("%s/include/config/kernel.release", build_dir), *text;
	const char *rel = NULL;

	if (read_file(path, &text, NULL) == 0) {
		text[strcspn(text, "\n")] = '\0';
		rel = arena_strdup(&s->arena, text);
		free(text);
	}
	free(path);
	return rel;
}

int kernel_resolve(struct session *s)
{
	struct kernel_target *k = &s->kern;
	struct utsname u;
	const char *remote = s->opt.remote;

	uname(&u);
	if (remote && (ssh_is_url(remote) || s->opt.remotes.n > 1)) {
		if (ssh_resolve(s))
			return -1;
	} else if (remote) {
		char rel[256];

		if (strncmp(remote, "qemu://", 7)) {
			diag_plain(s, "stap", "unknown remote '%s': only qemu://[RELEASE], ssh://[USER@]HOST[:PORT] and [USER@]HOST are supported",
				   remote);
			return -1;
		}
		if (remote[7]) {
			k->release = arena_strdup(&s->arena, remote + 7);
		} else if (qemu_default_release(rel, sizeof(rel)) == 0) {
			k->release = arena_strdup(&s->arena, rel);
		} else {
			diag_plain(s, "stap", "no installed kernel to boot for --remote=qemu:// (install linux-image-amd64 and linux-headers-amd64)");
			return -1;
		}
		if ((s->opt.release && strcmp(s->opt.release, k->release)) || s->opt.build_dir) {
			diag_plain(s, "stap", "-r and --remote=qemu://%s name different kernels",
				   k->release);
			return -1;
		}
	} else if (s->opt.build_dir) {
		k->build_dir = s->opt.build_dir;
		k->release = read_release(s, k->build_dir);
		if (!k->release) {
			diag_plain(s, "stap", "'%s' is not a kernel build tree (no include/config/kernel.release)",
				   k->build_dir);
			return -1;
		}
	} else if (s->opt.release) {
		k->release = s->opt.release;
	} else {
		k->release = arena_strdup(&s->arena, u.release);
	}
	if (!qemu_release_ok(k->release)) {
		diag_plain(s, "stap", "invalid kernel release '%s'", k->release);
		return -1;
	}
	if (s->n_ssh)
		return 0;	/* ssh_resolve() set the rest */
	if (!k->build_dir)
		k->build_dir = arena_printf(&s->arena, "/lib/modules/%s/build", k->release);
	k->is_host = !strcmp(k->release, u.release);
	k->arch = s->opt.arch ? s->opt.arch : arena_strdup(&s->arena, u.machine);
	return 0;
}

bool kernel_host_can_load_modules(const char **why)
{
	if (access("/proc/modules", F_OK)) {
		*why = "it was built without module support: there is no /proc/modules";
		return false;
	}
	if (geteuid() != 0) {
		*why = "loading modules needs root";
		return false;
	}
	return true;
}
