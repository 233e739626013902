/* Pass 1: the library files a script needs (libindex.c). */
#ifndef STAP_LIBINDEX_H
#define STAP_LIBINDEX_H

#include <stdbool.h>
#include <stddef.h>

struct lib_text {
	const char *text;
	size_t len;
	bool wild;		/* a script's text: its words may be patterns (syscall.open*) */
};

struct lib_scan;
struct strbuf;

/* What a library file may define and uses, from a scan of its text; the words point
 * into text, which must outlive the result. */
struct lib_scan *libindex_scan(const char *text, size_t len);
void libindex_scan_free(struct lib_scan *ls);
/* What each of the scanned files needs of the others, directly or through others: the
 * library is linked once, when its index is built, so that a run looks only at the
 * names the files define. */
void libindex_link(struct lib_scan *const *lib, size_t n_lib);
/* The cache's form of a linked scan: two lines, "D NAMES..." and "C FILE-NUMBERS...". */
void libindex_scan_write(const struct lib_scan *ls, struct strbuf *out);
/* Read those two lines at *cursor (moved past them); NULL if malformed. The words
 * point into the buffer, which must outlive the result. */
struct lib_scan *libindex_scan_read(const char **cursor);

/* Sets needed[i] for each library file lib[i] (linked, or read from the index) that the
 * scripts may use, directly or through other needed files; returns how many. All of them when a probe point of a
 * script starts with a bare wildcard. */
int libindex_select(const struct lib_text *script, size_t n_script,
		    struct lib_scan *const *lib, size_t n_lib, bool *needed);

#endif
