/* Where things are: runtime, tapsets, staprun, the guest runner, the module cache.
 * Run from the build tree, stap uses the tree's own runtime/, tapset/ and staprun. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsafe.h"
#include "passes.h"
#include "util.h"

static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

int paths_resolve(struct session *s)
{
	struct paths *p = &s->paths;
	struct arena *a = &s->arena;
	char *dir = self_dir(), *top = NULL;
	const char *env;

	if (dir) {
		char *probe = xasprintf("%s/../runtime/runtime.h", dir);

		if (file_exists(probe))
			top = xasprintf("%s/..", dir);
		free(probe);
	}
	if (top) {
		p->runtime_dir = arena_printf(a, "%s/runtime", top);
		p->tapset_dir = arena_printf(a, "%s/tapset", top);
		p->staprun = arena_printf(a, "%s/staprun/staprun", top);
		p->stapbpf = arena_printf(a, "%s/staprun/stapbpf", top);
		p->stap_qemu = arena_printf(a, "%s/translator/remote/stap-qemu", top);
	} else {
		p->runtime_dir = PKGDATADIR "/runtime";
		p->tapset_dir = PKGDATADIR "/tapset";
		p->staprun = BINDIR "/staprun";
		p->stapbpf = BINDIR "/stapbpf";
		p->stap_qemu = LIBEXECDIR "/stap-qemu";
	}
	if ((env = getenv("SYSTEMTAP_RUNTIME")) && *env)
		p->runtime_dir = env;
	if ((env = getenv("SYSTEMTAP_TAPSET")) && *env)
		p->tapset_dir = env;
	if ((env = getenv("SYSTEMTAP_STAPRUN")) && *env)
		p->staprun = env;
	if ((env = getenv("SYSTEMTAP_STAPBPF")) && *env)
		p->stapbpf = env;
	if (s->opt.runtime_dir)
		p->runtime_dir = s->opt.runtime_dir;
	/* never a shared fallback such as /tmp: cache.c checks the one we pick */
	if ((env = getenv("SYSTEMTAP_DIR")) && *env) {
		p->cache_dir = arena_printf(a, "%s/cache", env);
	} else {
		char home[PATH_MAX];

		if (fs_home_dir(home, sizeof(home)) == 0)
			p->cache_dir = arena_printf(a, "%s/.systemtap/cache", home);
	}
	free(dir);
	free(top);
	{
		char *probe = xasprintf("%s/runtime.h", p->runtime_dir);
		int ok = file_exists(probe);

		free(probe);
		if (!ok) {
			diag_plain(s, "stap", "runtime not found in '%s' (set -R DIR or SYSTEMTAP_RUNTIME)",
				   p->runtime_dir);
			return -1;
		}
	}
	return 0;
}
