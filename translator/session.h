/* The state of one stap run: options, target kernel, arena, diagnostics, program. */
#ifndef STAP_SESSION_H
#define STAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "util.h"
#include "diag.h"
#include "ast.h"

struct btf;
struct ssh_remote;


/* what a run does: the passes, or one of the listings/cache actions instead */
enum stap_action {
	ACTION_RUN,
	ACTION_CLEAN_CACHE,		/* --clean-cache */
	ACTION_DUMP_PROBE_TYPES,	/* --dump-probe-types */
	ACTION_DUMP_PROBE_ALIASES,	/* --dump-probe-aliases */
	ACTION_DUMP_FUNCTIONS,		/* --dump-functions */
};

/* --privilege: what the script may do (4.8's groups); the default is stapdev */
enum stap_privilege { PRIV_STAPDEV, PRIV_STAPSYS, PRIV_STAPUSR };
static inline const char *privilege_name(enum stap_privilege p)
{
	return p == PRIV_STAPUSR ? "stapusr" : p == PRIV_STAPSYS ? "stapsys" : "stapdev";
}

struct options {
	enum stap_action action;
	int last_pass;			/* -p: 1..5 */
	bool bpf;			/* --runtime=bpf, --bpf: the BPF runtime (bpf/) */
	int verbose;			/* -v count */
	bool keep_tmp;			/* -k */
	bool guru;			/* -g */
	bool interactive;		/* -i: the shell of interactive.c */
	enum stap_privilege privilege;	/* --privilege, --unprivileged */
	bool suppress_warnings;		/* -w */
	bool keep_unused;		/* -u */
	int listing;			/* -l 1, -L 2: list probe points after pass 2 */
	bool use_cache;			/* off with --disable-cache: no lookup, no store */
	bool poison_cache;		/* --poison-cache: no lookup, but store */
	bool warnings_as_errors;	/* -W */
	bool skip_badvars;		/* --skip-badvars: 0 for unresolvable $vars */
	bool no_global_var_display;	/* --no-global-var-display: no autoprint */
	bool check_version;		/* --check-version: warn of version-dependent code */
	int color;			/* --color: 0 auto, 1 always, -1 never */
	int prologue;			/* -P, --prologue-searching: 0 auto, 1 always,
					 * -1 never (dw_after_prologue()) */
	int vp[5];			/* --vp ABCDE: extra verbosity of pass 1..5 */
	bool example;			/* --example: FILE names an installed example */
	long timeout;			/* -T SECONDS, 0 none */
	const char *compatible;		/* --compatible VERSION */
	const char *tmpdir;		/* --tmpdir: parent of the temporary directory */
	struct strlist extra_scripts;	/* -E SCRIPT, parsed along with the main one */
	struct strlist global_params;	/* -G NAME=VALUE, module parameters at load */
	struct strlist modinfo;		/* --modinfo NAME=VALUE: MODULE_INFO fields */
	const char *script_file;	/* NULL with -e */
	const char *script_text;	/* -e */
	const char *module_name;	/* -m */
	const char *output_file;	/* -o, strftime(3) patterns expanded */
	const char *output_pattern;	/* -o as given: local staprun expands it per file */
	bool bulk;			/* -b: output files per CPU */
	bool flight;			/* -F: flight recorder, detached (staprun -L/-D) */
	const char *release;		/* -r RELEASE */
	const char *build_dir;		/* -r /path/to/build */
	const char *arch;		/* -a */
	const char *remote;		/* --remote=URL, the first one */
	struct strlist remotes;		/* every --remote=URL, in order */
	bool remote_prefix;		/* --remote-prefix: "N: " before each remote line */
	const char *target_cmd;		/* -c */
	long target_pid;		/* -x */
	const char *runtime_dir;	/* -R */
	unsigned bufsize_mb;		/* -s */
	const char *file_rotation;	/* -S MB[,N], for staprun with -o */
	struct strlist include_dirs;	/* -I */
	struct strlist defines;		/* -D NAME=VALUE */
	struct strlist kbuild_opts;	/* -B */
	struct strlist args;		/* script arguments $1.. / @1.. */
	struct strlist user_objects;	/* -d PATH: user-space objects' symbols and CFI */
	bool ldd;			/* --ldd: also the libraries they need */
	bool sign_module;		/* --sign-module: sign the module (sign.c) */
	const char *sign_dir;		/* --sign-module=DIR: the key's directory */
};

struct kernel_target {
	const char *release;		/* e.g. 6.1.0-56-amd64 */
	const char *build_dir;		/* kbuild tree */
	const char *arch;		/* x86_64 */
	bool is_host;			/* the running kernel */
	unsigned char build_id[64];	/* the remote kernel's build id (--remote=ssh://), */
	size_t build_id_len;		/* 0 when unknown, */
	const char *build_id_from;	/* and where it came from */
	struct dw_state *dw;		/* its DWARF, opened on first use (dwarf/) */
	struct btf *btf;		/* --runtime=bpf: the running kernel's BTF (bpf/trace.c) */
};

struct paths {
	const char *runtime_dir;
	const char *tapset_dir;
	const char *staprun;		/* staprun binary for pass 5 */
	const char *stapbpf;		/* the BPF runtime's loader */
	const char *stap_qemu;		/* guest runner */
	const char *cache_dir;		/* $SYSTEMTAP_DIR/cache or ~/.systemtap/cache;
					 * NULL: none. Use cache_subdir(), which
					 * checks it can be trusted */
	int cache_state;		/* 0 unchecked, 1 trusted, -1 not used */
	const char *tmp_dir;		/* per-run temporary directory */
};

struct session {
	struct options opt;
	struct kernel_target kern;
	struct ssh_remote *ssh;		/* --remote=ssh://...: the hosts (ssh.c) */
	size_t n_ssh;
	struct paths paths;
	struct arena arena;
	struct diag diag;
	struct program prog;
	const char *module_path;	/* the built or cached .ko */
	const char *module_c;		/* pass 3 output */
	char hash[65];			/* cache key of this module */
	bool cache_hit;
	bool bpf_insn;			/* --runtime=bpf: pass 3 wrote BPF instructions
					 * (bpf/insn.c), pass 4 has no C to compile */
	const char *sign_key, *sign_cert;	/* --sign-module: the key pair, */
	const char *sign_tool;		/* and the build tree's scripts/sign-file */
	char sign_fingerprint[65];	/* SHA-256 of the certificate */
};

#endif
