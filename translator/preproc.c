/* Pass 1, between lexer and grammar: the preprocessor. Conditionals %( %? %: %) and
 * macros are resolved here, so the grammar never sees them. */
#include "parse.h"
#include "parser.h"
#include "session.h"

int pp_lex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p)
{
	int tok = lex_scan(lval, loc, p->scanner);

	switch (tok) {
	case PP_IF:
	case PP_THEN:
	case PP_ELSE:
	case PP_END:
		p->n_errors++;
		diag_parse_error(p->s, loc, "preprocessor conditionals are not supported yet");
		return ERROR_TOKEN;
	default:
		return tok;
	}
}
