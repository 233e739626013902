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
int cache_lookup(struct session *s);
int cache_store(struct session *s);
/* run a command, output to our stderr only when verbose or on failure; 0 or exit status */
int run_command(struct session *s, const char *const argv[], const char *dir, bool quiet);

#endif
