/* Pass 1: the parser's interface and the state shared by lexer, preprocessor and grammar. */
#ifndef STAP_PARSE_H
#define STAP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"

struct session;

/* Lexer token categories, for "saw: identifier 'x'" in errors. */
enum tok_cat {
	TOKCAT_NONE,
	TOKCAT_IDENT,
	TOKCAT_KEYWORD,
	TOKCAT_OPERATOR,
	TOKCAT_STRING,
	TOKCAT_NUMBER,
	TOKCAT_EMBEDDED,
	TOKCAT_JUNK,
};

struct numlit {
	int64_t v;
	bool min_only;		/* 9223372036854775808: valid only after unary minus */
};

/* Limits that keep hostile input from exhausting the stack or memory. */
#define PARSE_MAX_DEPTH 1000		/* expression / statement nesting */
#define PARSE_MAX_ERRORS 50		/* parse errors reported per file */
#define PARSE_MAX_EXPANSIONS 100000	/* probe points from one brace expansion */
#define PARSE_MAX_ARENA ((size_t)1 << 30) /* AST memory for the whole run */

struct parser {
	struct session *s;
	const struct srcfile *src;
	struct stapfile *file;
	void *scanner;
	int n_errors;
	bool aborted;		/* too many errors or too much memory: stop quietly */
	bool eof;		/* the lexer returned end of input; don't call it again */
	struct srcloc eof_loc;
	/* lexer position: 1-based line and column of the next character */
	int line, col;
	size_t offset;		/* bytes of src->text consumed */
	size_t embed_start;	/* offset of the text after "%{" */
	struct srcloc embed_loc;
	/* probe point lexing: names may hold '*', '{' may start a brace expansion */
	bool in_pp;		/* between "probe" and the body */
	bool pp_after;		/* the last token completed a component */
	int pp_paren;		/* inside a component's "(arg)" */
	int pp_cond;		/* inside "if (...)": paren depth */
	int pp_brace;		/* inside "{a,b}" */
	bool pp_hold;		/* preprocessor condition: don't track tokens */
	int last_tok;		/* the previous token: "probe" after "->" is a member */
	/* $N being substituted: the argument's own scanner, and where $N stands */
	void *arg_scanner;
	struct srcloc arg_loc;
	/* tail pointers, so that appending to the file is O(1) */
	struct probe **probe_tail;
	struct function **fn_tail;
	struct global **glob_tail;
	struct ast_node **embed_tail;
	/* preprocessor state (preproc.c) */
	struct pp_file *pp;
	/* a systemtap_v condition was read since the last declaration (--check-version) */
	bool version_seen;
};

/* Parse one file; appends the result to s->prog.files. 0, or -1 after errors. */
int parse_file(struct session *s, const struct srcfile *src, bool is_tapset,
	       struct stapfile **out);
/* Make a srcfile for text that lives as long as the session. */
struct srcfile *parse_srcfile(struct session *s, const char *name, const char *text,
			      size_t len);
/* Parse the library files pass 1 left out (libindex.c): what pass 2 does when a
 * function or probe alias is not found. How many it parsed, or -1 after errors. */
int parse_library_rest(struct session *s);
/* Load a file from disk as a srcfile; NULL with an error reported. */
struct srcfile *parse_load(struct session *s, const char *path, const char *shown_name);

/* A token description for error messages: "identifier 'foo'". Interned. */
const char *lex_describe(struct session *s, enum tok_cat cat, const char *text, size_t len);

/* parse errors: count, report, and give up quietly past PARSE_MAX_ERRORS */
void parse_error(struct parser *p, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* like parse_error, but "at:" instead of "saw:" (not a syntax error) */
void parse_error_at(struct parser *p, const struct srcloc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* preproc.c: the library macros (*.stpm), read before any script */
int pp_load_macro_file(struct session *s, const struct srcfile *src);
void pp_file_begin(struct parser *p);
void pp_file_end(struct parser *p);
void pp_set_library(struct parser *p, bool library);

#endif
