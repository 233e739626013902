/* libFuzzer target for the front end: one input is one user script, run through the
 * lexer, preprocessor, parser and elaborator (passes 1 and 2, no tapset library).
 * Anything but a clean error is a bug: crashes, sanitizer reports, hangs (-timeout)
 * and runaway memory (-rss_limit_mb). Build and run with `make fuzz`; -close_fd_mask=2
 * hides the diagnostics, which are the expected output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "parse.h"
#include "passes.h"
#include "session.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s = xcalloc(1, sizeof(*s));
	struct srcfile *src;
	char *text;

	s->opt.last_pass = 2;
	s->opt.guru = size > 0 && (data[0] & 1);	/* let the input pick guru mode */
	s->kern.arch = "x86_64";
	/* no such kernel: DWARF probe points fail fast instead of loading vmlinux
	 * (hundreds of MB) for every input */
	s->kern.release = "0.0.0-fuzz";
	strlist_add(&s->opt.args, "42");
	strlist_add(&s->opt.args, "name");
	text = arena_alloc(&s->arena, size + 1);
	memcpy(text, data, size);
	src = parse_srcfile(s, "<fuzz>", text, size);
	if (parse_file(s, src, false, NULL) == 0 && !s->diag.n_errors) {
		s->opt.last_pass = 3;		/* no -p2 dump */
		pass2_elaborate(s);
	}
	strlist_free(&s->opt.args);
	dw_close(s);
	arena_destroy(&s->arena);
	free(s);
	return 0;
}
