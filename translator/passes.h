/* The five passes and the helpers the driver shares with them. Each returns 0 or -1
 * (errors already reported through diag_*). */
#ifndef STAP_PASSES_H
#define STAP_PASSES_H

#include "session.h"

int pass1_parse(struct session *s);
int pass2_elaborate(struct session *s);
int pass3_translate(struct session *s);
int pass4_build(struct session *s);
int pass5_run(struct session *s);

/* kernel.c: resolve the target kernel from -r / --remote / the running kernel. */
int kernel_resolve(struct session *s);
bool kernel_host_can_load_modules(const char **why);
/* paths.c: runtime, tapset, staprun and cache locations. */
int paths_resolve(struct session *s);
/* cache.c; hash_tree skips dot files and test directories */
struct sha256;
void cache_hash_file(struct sha256 *h, const char *path);
void cache_hash_tree(struct sha256 *h, const char *dir);
int cache_key(struct session *s);
/* a trusted directory of the cache (created), or NULL: see cache.c */
const char *cache_subdir(struct session *s, const char *sub);
int cache_lookup(struct session *s);
int cache_store(struct session *s);

/* sign.c: --sign-module. sign_prepare() finds or makes the signing key (before
 * cache_key(), whose key includes its fingerprint); sign_module_file() signs KO with it */
int sign_prepare(struct session *s);
int sign_module_file(struct session *s, const char *ko);
/* --clean-cache: remove the cached modules; 0 or -1 */
int cache_clean(struct session *s);
/* run a command, output to our stderr only when verbose or on failure; 0 or exit status */
/* build.c: run ARGV (no shell) and return its exit status (128+N for signal N) or
 * -errno. RUN_SHOW lets its output through, RUN_QUIET shows it only if it fails,
 * RUN_SILENT never (with -vv everything is shown). */
enum run_output { RUN_SHOW, RUN_QUIET, RUN_SILENT };
int run_command(struct session *s, const char *const argv[], const char *dir,
		enum run_output how);

/* run.c: run a loader (staprun, stapbpf) in the foreground; argv ends with NULL and
 * is freed; its exit status, or -1 */
struct strlist;
int run_loader(struct session *s, struct strlist *argv);
/* a remote run's output: -o FILE opened, or 1; -1 after an error */
int run_output_fd(struct session *s);
/* staprun's argument vector (NULL-terminated) for MODULE; REMOTE ("N:URI", staprun -r)
 * when it runs elsewhere: then -o stays with stap */
void staprun_args(struct session *s, struct strlist *argv, const char *staprun,
		  const char *module, const char *remote);
/* ssh.c: --remote=ssh://[USER@]HOST[:PORT] (or a bare [USER@]HOST), repeatable.
 * ssh_is_url(): is URL one of these; ssh_resolve(): the hosts' kernel (release, machine,
 * build id) into s->kern, refusing what cannot be built here; ssh_run(): pass 5 there */
bool ssh_is_url(const char *url);
int ssh_resolve(struct session *s);
int ssh_run(struct session *s);

/* translate.c: the session's temporary directory and module name, made if not yet
 * there (both pass 3s); 0 or -1 */
int pass3_prepare(struct session *s);
/* the run's temporary directory (/tmp/stapXXXXXX unless --tmpdir made one), once */
int make_run_tmp_dir(struct session *s);

/* interactive.c: stap -i's shell; runs are `run_argv` (stap's words without -i,
 * run_argc of them) plus the script's file; the exit status */
int interactive_main(struct session *s, char *const *run_argv, int run_argc);

#endif
