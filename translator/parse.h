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
};

struct numlit {
	int64_t v;
	bool min_only;		/* 9223372036854775808: valid only after unary minus */
};

struct parser {
	struct session *s;
	const struct srcfile *src;
	struct stapfile *file;
	void *scanner;
	int n_errors;
	/* lexer position: 1-based line and column of the next character */
	int line, col;
	size_t offset;		/* bytes of src->text consumed */
	bool in_pp;		/* a probe point is being lexed: '{' may be brace expansion */
	/* preprocessor state (preproc.c) */
	void *pp;
};

/* Parse one file; appends the result to s->prog.files. 0, or -1 after errors. */
int parse_file(struct session *s, const struct srcfile *src, bool is_tapset,
	       struct stapfile **out);
/* Make a srcfile for text that lives as long as the session. */
struct srcfile *parse_srcfile(struct session *s, const char *name, const char *text,
			      size_t len);
/* Load a file from disk as a srcfile; NULL with an error reported. */
struct srcfile *parse_load(struct session *s, const char *path, const char *shown_name);

/* A token description for error messages: "identifier 'foo'". */
const char *lex_describe(struct session *s, enum tok_cat cat, const char *text, size_t len);

#endif
