/* Pass 1, step 2: the grammar of the stap language. Pure and reentrant, no conflicts;
 * actions call AST constructors. Statements need no ';': an expression statement ends
 * where the expression can't go on (precedence LOW makes the parser greedy). */
%code requires {
#include "parse.h"
#define YYLTYPE struct srcloc
#define YYLTYPE_IS_DECLARED 1
}

%code provides {
int pp_lex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p);
int lex_scan(YYSTYPE *lval, YYLTYPE *loc, void *scanner);
}

%code {
#include <string.h>

#include "session.h"
#include "util.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N) \
	do { (Cur) = (N) ? YYRHSLOC(Rhs, 1) : YYRHSLOC(Rhs, 0); } while (0)
#define YYLOCATION_PRINT(File, Loc) ((void)0)
#define YY_LOCATION_PRINT(File, Loc) ((void)0)
#define S (p->s)

static int yylex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p)
{
	return pp_lex(lval, loc, p);
}

static struct ast_node *at_call(struct parser *p, const YYLTYPE *loc, const char *name,
				struct ast_node *args, struct target_comp *comps, int pretty);
static struct ast_node *target(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct target_comp *comps, int pretty);
static struct ast_node *unary_minus(struct parser *p, const YYLTYPE *loc,
				    struct ast_node *e);
static struct ast_node *incdec(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       bool post, struct ast_node *e);
static struct ast_node *assign(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       struct ast_node *l, struct ast_node *r);
static struct ast_node *foreach(struct parser *p, const YYLTYPE *loc,
				struct ast_node *head, struct ast_node *array, int arr_sort,
				struct ast_node *limit, struct ast_node *body);
static struct pp_comp *comp(struct parser *p, const char *name, struct ast_node *arg,
			    bool has_arg);
static struct pp_comp *comp_cat(struct parser *p, struct pp_comp *a, const char *b);
static void add_probe(struct parser *p, const YYLTYPE *loc, struct probe_point *aliases,
		      bool epilogue, struct probe_point *points, struct ast_node *body);
static void add_function(struct parser *p, const YYLTYPE *loc, bool priv,
			 const char *name, enum ast_type ret, struct param *params,
			 struct ast_node *body);
static void add_globals(struct parser *p, bool priv, struct global *list);
static struct target_comp *tcomp(struct parser *p, const YYLTYPE *loc,
				 enum comp_kind kind, const char *name,
				 struct ast_node *e);
static void perror_at(struct parser *p, const YYLTYPE *loc, const char *msg);
static void yyerror(const YYLTYPE *loc, struct parser *p, const char *msg);
}

%define api.pure full
%define parse.error custom
%locations
%param {struct parser *p}
%expect 0

%union {
	struct numlit num;
	const char *str;
	int ival;
	enum ast_type type;
	struct ast_node *node;
	struct probe_point *pp;
	struct pp_comp *comp;
	struct target_comp *tc;
	struct param *param;
	struct global *glob;
}

%token <str> IDENT "identifier" TVAR "target variable" AT_IDENT "@operator"
%token <str> STRING "string" EMBEDDED "embedded-code"
%token <num> NUMBER "number"
%token PROBE "probe" GLOBAL "global" FUNCTION "function" PRIVATE "private"
%token IF "if" ELSE "else" FOR "for" FOREACH "foreach" IN "in" LIMIT "limit"
%token RETURN "return" DELETE "delete" WHILE "while" BREAK "break"
%token CONTINUE "continue" NEXT "next" TRY "try" CATCH "catch"
%token LONG "long" STRING_KW "string type"
%token STAT_ADD "<<<" SHL_ASSIGN "<<=" SHR_ASSIGN ">>=" ADD_ASSIGN "+="
%token SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%="
%token AND_ASSIGN "&=" OR_ASSIGN "|=" XOR_ASSIGN "^=" CAT_ASSIGN ".="
%token EQ "==" NE "!=" LE "<=" GE ">=" MATCH "=~" NOMATCH "!~"
%token AND_AND "&&" OR_OR "||" SHL "<<" SHR ">>" INC "++" DEC "--" ARROW "->"
%token PRETTY1 "$" PRETTY2 "$$" PP_LBRACE "{ (brace expansion)"
%token PP_IF "%(" PP_THEN "%?" PP_ELSE "%:" PP_END "%)"
%token ERROR_TOKEN "invalid token"

%type <node> expr primary opt_expr exprlist opt_exprlist stmt stmts block
%type <node> fe_head fe_var fe_vars opt_limit catch_var literal strings body
%type <node> stmt_noif stmt_if
%type <ival> sort_opt opt_pretty
%type <pp> pp pps pp_base
%type <comp> comp comps comp_name comp_alts
%type <str> comp_part
%type <tc> chain chain_elem
%type <param> params param_list param
%type <type> opt_type type
%type <glob> glob globs
%type <ival> opt_private opt_wrap

%precedence LOW
%precedence IDENT TVAR AT_IDENT NUMBER STRING EMBEDDED
%precedence ';'
%precedence ELSE
%right '=' ADD_ASSIGN SUB_ASSIGN MUL_ASSIGN DIV_ASSIGN MOD_ASSIGN SHL_ASSIGN SHR_ASSIGN AND_ASSIGN OR_ASSIGN XOR_ASSIGN CAT_ASSIGN STAT_ADD
%right '?' ':'
%left OR_OR
%left AND_AND
%left '|'
%left '^'
%left '&'
%precedence IN
%nonassoc EQ NE '<' LE '>' GE MATCH NOMATCH
%left SHL SHR
%left '.'
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY '!' '~'
%precedence INC DEC
%precedence '(' '['

%%

file:
	%empty
	| file item
	;

item:
	PROBE pps body				{ add_probe(p, &@1, NULL, false, $2, $3); }
	| PROBE pps '=' pps body		{ add_probe(p, &@1, $2, false, $4, $5); }
	| PROBE pps ADD_ASSIGN pps body		{ add_probe(p, &@1, $2, true, $4, $5); }
	| opt_private FUNCTION IDENT opt_type '(' params ')' body
						{ add_function(p, &@3, $1, $3, $4, $6, $8); }
	| opt_private GLOBAL globs		{ add_globals(p, $1, $3); }
	| EMBEDDED				{
		struct ast_node *e = ast_new(S, AST_EMBEDDED, &@1);
		e->u.str = $1;
		p->file->embeds = ast_append(p->file->embeds, e);
	}
	| error					{ p->in_pp = false; }
	;

opt_private:
	%empty					{ $$ = 0; }
	| PRIVATE				{ $$ = 1; }
	;

body:
	block
	| EMBEDDED				{ $$ = ast_new(S, AST_EMBEDDED, &@1); $$->u.str = $1; }
	;

/* probe points */
pps:
	pp
	| pps ',' pp				{ struct probe_point *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

pp:
	pp_base
	| pp_base IF '(' expr ')'		{ $$ = $1; $$->cond = $4; }
	;

pp_base:
	comps					{ $$ = arena_alloc(&S->arena, sizeof(*$$)); $$->comps = $1; $$->loc = @1; }
	| pp_base '?'				{ $$ = $1; $$->optional = true; }
	| pp_base '!'				{ $$ = $1; $$->sufficient = true; }
	;

comps:
	comp
	| comps '.' comp			{ struct pp_comp *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

comp:
	comp_name				{ $$ = $1; }
	| comp_name '(' literal ')'		{ $$ = $1; $$->arg = $3; $$->has_arg = true; }
	;

/* a name made of adjacent parts: sys_*, *open*, {open,close}at */
comp_name:
	comp_part				{ $$ = comp(p, $1, NULL, false); }
	| comp_name comp_part			{ $$ = comp_cat(p, $1, $2); }
	| PP_LBRACE comp_alts '}'		{ $$ = $2; }
	| comp_name PP_LBRACE comp_alts '}'	{
		struct pp_comp *a;
		struct strbuf sb = { 0 };
		for (a = $3; a; a = a->next) {
			sb_printf(&sb, "%s%s%s", a == $3 ? "{" : ",", $1->name, a->name);
		}
		sb_puts(&sb, "}");
		$$ = comp(p, arena_strdup(&S->arena, sb.buf), NULL, false);
		sb_free(&sb);
	}
	;

comp_alts:
	comp_name
	| comp_alts ',' comp_name		{ struct pp_comp *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

comp_part:
	IDENT
	| '*'					{ $$ = "*"; }
	| FUNCTION				{ $$ = "function"; }
	| RETURN				{ $$ = "return"; }
	| NUMBER				{ $$ = arena_printf(&S->arena, "%lld", (long long)$1.v); }
	;

literal:
	NUMBER					{ $$ = ast_number(S, &@1, $1.v); if ($1.min_only) perror_at(p, &@1, "number out of range"); }
	| '-' NUMBER				{ $$ = ast_number(S, &@1, $2.min_only ? $2.v : -$2.v); }
	| strings
	;

strings:
	STRING					{ $$ = ast_string(S, &@1, $1); }
	| strings STRING			{ $$ = $1; $$->u.str = arena_printf(&S->arena, "%s%s", $1->u.str, $2); }
	;

/* functions and globals */
opt_type:
	%empty					{ $$ = TYPE_UNKNOWN; }
	| ':' type				{ $$ = $2; }
	;

type:
	LONG					{ $$ = TYPE_LONG; }
	| STRING_KW				{ $$ = TYPE_STRING; }
	;

params:
	%empty					{ $$ = NULL; }
	| param_list
	;

param_list:
	param
	| param_list ',' param			{ struct param *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

param:
	IDENT opt_type				{ $$ = arena_alloc(&S->arena, sizeof(*$$)); $$->name = $1; $$->type = $2; $$->loc = @1; }
	;

globs:
	glob
	| globs ',' glob			{ struct global *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

glob:
	IDENT opt_wrap				{ $$ = arena_alloc(&S->arena, sizeof(*$$)); $$->name = $1; $$->loc = @1; $$->wrap = $2; $$->is_array = $2; }
	| IDENT '[' NUMBER ']' opt_wrap		{ $$ = arena_alloc(&S->arena, sizeof(*$$)); $$->name = $1; $$->loc = @1; $$->size = $3.v; $$->is_array = true; $$->wrap = $5; }
	| IDENT '=' literal			{ $$ = arena_alloc(&S->arena, sizeof(*$$)); $$->name = $1; $$->loc = @1; $$->init = $3; }
	;

opt_wrap:
	%empty					{ $$ = 0; }
	| '%'					{ $$ = 1; }
	;

/* statements */
block:
	'{' stmts '}'				{ $$ = ast_block(S, &@1, $2); }
	;

stmts:
	%empty					{ $$ = NULL; }
	| stmts stmt				{ $$ = ast_append($1, $2); }
	| stmts error				{ $$ = $1; }
	;

stmt:
	stmt_noif
	| stmt_if
	;

stmt_if:
	IF '(' expr ')' stmt %prec LOW		{ $$ = ast_new(S, AST_IF, &@1); $$->u.cond.cond = $3; $$->u.cond.then = $5; }
	| IF '(' expr ')' stmt ELSE stmt	{ $$ = ast_new(S, AST_IF, &@1); $$->u.cond.cond = $3; $$->u.cond.then = $5; $$->u.cond.other = $7; }
	;

stmt_noif:
	block
	| ';'					{ $$ = ast_new(S, AST_NULL, &@1); }
	| expr %prec LOW			{ $$ = ast_operand(S, AST_EXPR_STMT, &@1, $1); }
	| expr ';'				{ $$ = ast_operand(S, AST_EXPR_STMT, &@1, $1); }
	| WHILE '(' expr ')' stmt		{ $$ = ast_new(S, AST_WHILE, &@1); $$->u.loop.cond = $3; $$->u.loop.body = $5; }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
						{ $$ = ast_new(S, AST_FOR, &@1); $$->u.loop.init = $3; $$->u.loop.cond = $5; $$->u.loop.incr = $7; $$->u.loop.body = $9; }
	| FOREACH '(' fe_head IN IDENT sort_opt opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, ast_ident(S, &@5, $5), $6, $7, $9); }
	| FOREACH '(' fe_head IN AT_IDENT '(' exprlist ')' sort_opt opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, at_call(p, &@5, $5, $7, NULL, 0), $9, $10, $12); }
	| DELETE expr %prec LOW			{ $$ = ast_operand(S, AST_DELETE, &@1, $2); }
	| DELETE expr ';'			{ $$ = ast_operand(S, AST_DELETE, &@1, $2); }
	| NEXT					{ $$ = ast_new(S, AST_NEXT, &@1); }
	| BREAK					{ $$ = ast_new(S, AST_BREAK, &@1); }
	| CONTINUE				{ $$ = ast_new(S, AST_CONTINUE, &@1); }
	| RETURN %prec LOW			{ $$ = ast_operand(S, AST_RETURN, &@1, NULL); }
	| RETURN expr %prec LOW			{ $$ = ast_operand(S, AST_RETURN, &@1, $2); }
	| RETURN expr ';'			{ $$ = ast_operand(S, AST_RETURN, &@1, $2); }
	| TRY block CATCH catch_var block	{ $$ = ast_new(S, AST_TRY, &@1); $$->u.try_.body = $2; $$->u.try_.var = $4; $$->u.try_.handler = $5; }
	;

catch_var:
	%empty					{ $$ = NULL; }
	| '(' IDENT ')'				{ $$ = ast_ident(S, &@2, $2); }
	;

fe_head:
	fe_var					{ $$ = $1; }
	| '[' fe_vars ']'			{ $$ = $2; }
	| IDENT sort_opt '=' fe_var		{
		struct ast_node *v = ast_ident(S, &@1, $1);
		v->u.ident.sym = (void *)(intptr_t)$2;	/* sort mark, taken by foreach() */
		$$ = ast_new(S, AST_ASSIGN, &@1); $$->u.assign.lhs = v; $$->u.assign.rhs = $4;
	}
	| IDENT sort_opt '=' '[' fe_vars ']'	{
		struct ast_node *v = ast_ident(S, &@1, $1);
		v->u.ident.sym = (void *)(intptr_t)$2;
		$$ = ast_new(S, AST_ASSIGN, &@1); $$->u.assign.lhs = v; $$->u.assign.rhs = $5;
	}
	;

fe_vars:
	fe_var
	| fe_vars ',' fe_var			{ $$ = ast_append($1, $3); }
	;

fe_var:
	IDENT sort_opt				{ $$ = ast_ident(S, &@1, $1); $$->u.ident.sym = (void *)(intptr_t)$2; }
	;

sort_opt:
	%empty					{ $$ = 0; }
	| '+'					{ $$ = 1; }
	| '-'					{ $$ = -1; }
	;

opt_limit:
	%empty					{ $$ = NULL; }
	| LIMIT expr				{ $$ = $2; }
	;

opt_expr:
	%empty					{ $$ = NULL; }
	| expr
	;

exprlist:
	expr
	| exprlist ',' expr			{ $$ = ast_append($1, $3); }
	;

opt_exprlist:
	%empty					{ $$ = NULL; }
	| exprlist
	;

/* expressions */
expr:
	primary %prec LOW
	| expr '=' expr				{ $$ = assign(p, &@2, OP_ASSIGN, $1, $3); }
	| expr STAT_ADD expr			{ $$ = assign(p, &@2, OP_STAT_ADD, $1, $3); }
	| expr ADD_ASSIGN expr			{ $$ = assign(p, &@2, OP_ADD, $1, $3); }
	| expr SUB_ASSIGN expr			{ $$ = assign(p, &@2, OP_SUB, $1, $3); }
	| expr MUL_ASSIGN expr			{ $$ = assign(p, &@2, OP_MUL, $1, $3); }
	| expr DIV_ASSIGN expr			{ $$ = assign(p, &@2, OP_DIV, $1, $3); }
	| expr MOD_ASSIGN expr			{ $$ = assign(p, &@2, OP_MOD, $1, $3); }
	| expr SHL_ASSIGN expr			{ $$ = assign(p, &@2, OP_SHL, $1, $3); }
	| expr SHR_ASSIGN expr			{ $$ = assign(p, &@2, OP_SHR, $1, $3); }
	| expr AND_ASSIGN expr			{ $$ = assign(p, &@2, OP_BAND, $1, $3); }
	| expr OR_ASSIGN expr			{ $$ = assign(p, &@2, OP_BOR, $1, $3); }
	| expr XOR_ASSIGN expr			{ $$ = assign(p, &@2, OP_BXOR, $1, $3); }
	| expr CAT_ASSIGN expr			{ $$ = assign(p, &@2, OP_CONCAT, $1, $3); }
	| expr '?' expr ':' expr		{ $$ = ast_new(S, AST_TERNARY, &@2); $$->u.ternary.cond = $1; $$->u.ternary.then = $3; $$->u.ternary.other = $5; }
	| expr OR_OR expr			{ $$ = ast_binary(S, &@2, OP_LOR, $1, $3); }
	| expr AND_AND expr			{ $$ = ast_binary(S, &@2, OP_LAND, $1, $3); }
	| expr '|' expr				{ $$ = ast_binary(S, &@2, OP_BOR, $1, $3); }
	| expr '^' expr				{ $$ = ast_binary(S, &@2, OP_BXOR, $1, $3); }
	| expr '&' expr				{ $$ = ast_binary(S, &@2, OP_BAND, $1, $3); }
	| expr IN IDENT				{ $$ = ast_new(S, AST_IN, &@2); $$->u.in.keys = $1; $$->u.in.array = ast_ident(S, &@3, $3); }
	| '[' exprlist ']' IN IDENT		{ $$ = ast_new(S, AST_IN, &@4); $$->u.in.keys = $2; $$->u.in.array = ast_ident(S, &@5, $5); }
	| expr EQ expr				{ $$ = ast_binary(S, &@2, OP_EQ, $1, $3); }
	| expr NE expr				{ $$ = ast_binary(S, &@2, OP_NE, $1, $3); }
	| expr '<' expr				{ $$ = ast_binary(S, &@2, OP_LT, $1, $3); }
	| expr LE expr				{ $$ = ast_binary(S, &@2, OP_LE, $1, $3); }
	| expr '>' expr				{ $$ = ast_binary(S, &@2, OP_GT, $1, $3); }
	| expr GE expr				{ $$ = ast_binary(S, &@2, OP_GE, $1, $3); }
	| expr MATCH expr			{ $$ = ast_binary(S, &@2, OP_MATCH, $1, $3); }
	| expr NOMATCH expr			{ $$ = ast_binary(S, &@2, OP_NOMATCH, $1, $3); }
	| expr SHL expr				{ $$ = ast_binary(S, &@2, OP_SHL, $1, $3); }
	| expr SHR expr				{ $$ = ast_binary(S, &@2, OP_SHR, $1, $3); }
	| expr '.' expr				{ $$ = ast_binary(S, &@2, OP_CONCAT, $1, $3); }
	| expr '+' expr				{ $$ = ast_binary(S, &@2, OP_ADD, $1, $3); }
	| expr '-' expr				{ $$ = ast_binary(S, &@2, OP_SUB, $1, $3); }
	| expr '*' expr				{ $$ = ast_binary(S, &@2, OP_MUL, $1, $3); }
	| expr '/' expr				{ $$ = ast_binary(S, &@2, OP_DIV, $1, $3); }
	| expr '%' expr				{ $$ = ast_binary(S, &@2, OP_MOD, $1, $3); }
	| '-' expr %prec UNARY			{ $$ = unary_minus(p, &@1, $2); }
	| '+' expr %prec UNARY			{ $$ = ast_unary(S, &@1, OP_PLUS, $2); }
	| '!' expr				{ $$ = ast_unary(S, &@1, OP_NOT, $2); }
	| '~' expr				{ $$ = ast_unary(S, &@1, OP_BNOT, $2); }
	| INC expr %prec UNARY			{ $$ = incdec(p, &@1, OP_INC, false, $2); }
	| DEC expr %prec UNARY			{ $$ = incdec(p, &@1, OP_DEC, false, $2); }
	| expr INC				{ $$ = incdec(p, &@2, OP_INC, true, $1); }
	| expr DEC				{ $$ = incdec(p, &@2, OP_DEC, true, $1); }
	;

primary:
	NUMBER %prec LOW			{ $$ = ast_number(S, &@1, $1.v); if ($1.min_only) $$->type = TYPE_UNKNOWN; }
	| strings %prec LOW			{ $$ = $1; }
	| IDENT %prec LOW			{ $$ = ast_ident(S, &@1, $1); }
	| IDENT '(' opt_exprlist ')'		{ $$ = ast_call(S, &@1, $1, $3); }
	| primary '[' exprlist ']'		{ $$ = ast_new(S, AST_INDEX, &@2); $$->u.index.base = $1; $$->u.index.keys = $3; }
	| '(' expr ')'				{ $$ = $2; }
	| TVAR chain opt_pretty			{ $$ = target(p, &@1, $1, $2, $3); }
	| '&' TVAR chain			{ $$ = target(p, &@1, $2, $3, 0); $$->u.target.addr = true; }
	| AT_IDENT '(' opt_exprlist ')' chain opt_pretty
						{ $$ = at_call(p, &@1, $1, $3, $5, $6); }
	| EMBEDDED				{ $$ = ast_new(S, AST_EMBEDDED_EXPR, &@1); $$->u.str = $1; }
	;

chain:
	%empty %prec LOW			{ $$ = NULL; }
	| chain chain_elem			{ struct target_comp *q = $1; if (!q) $$ = $2; else { while (q->next) q = q->next; q->next = $2; $$ = $1; } }
	;

chain_elem:
	ARROW IDENT				{ $$ = tcomp(p, &@1, COMP_FIELD, $2, NULL); }
	| '[' expr ']'				{ $$ = tcomp(p, &@1, COMP_INDEX_EXPR, NULL, $2); }
	;

opt_pretty:
	%empty %prec LOW			{ $$ = 0; }
	| PRETTY1				{ $$ = 1; }
	| PRETTY2				{ $$ = 2; }
	;

%%

static void perror_at(struct parser *p, const YYLTYPE *loc, const char *msg)
{
	p->n_errors++;
	diag_parse_error(p->s, loc, "%s", msg);
}

static void yyerror(const YYLTYPE *loc, struct parser *p, const char *msg)
{
	perror_at(p, loc, msg);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	yysymbol_kind_t expected[6];
	const YYLTYPE *loc = yypcontext_location(ctx);
	yysymbol_kind_t saw = yypcontext_token(ctx);
	int n = yypcontext_expected_tokens(ctx, expected, 6);
	struct strbuf sb = { 0 };
	YYLTYPE l = *loc;
	int i;

	if (saw == YYSYMBOL_ERROR_TOKEN)
		return 0;	/* the lexer said what was wrong */
	if (saw == YYSYMBOL_YYEOF)
		l.tok = NULL;
	if (n <= 0 || n > 5) {
		sb_puts(&sb, "unexpected token");
	} else {
		sb_puts(&sb, "expected ");
		for (i = 0; i < n; i++) {
			const char *name = yysymbol_name(expected[i]);

			if (i)
				sb_puts(&sb, i == n - 1 ? " or " : ", ");
			if (name[0] == '"')
				sb_printf(&sb, "'%.*s'", (int)strlen(name) - 2, name + 1);
			else if (expected[i] == YYSYMBOL_YYEOF)
				sb_puts(&sb, "end of input");
			else
				sb_puts(&sb, name);
		}
	}
	perror_at(p, &l, sb.buf);
	sb_free(&sb);
	return 0;
}

static struct ast_node *unary_minus(struct parser *p, const YYLTYPE *loc,
				    struct ast_node *e)
{
	if (e->kind == AST_NUMBER && e->loc.line == loc->line) {
		/* fold literals, so that -9223372036854775808 is valid */
		if (e->type == TYPE_UNKNOWN) {
			e->type = TYPE_LONG;
		} else {
			e->u.num = (int64_t)(0 - (uint64_t)e->u.num);
		}
		e->loc = *loc;
		return e;
	}
	return ast_unary(S, loc, OP_NEG, e);
}

static struct ast_node *incdec(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       bool post, struct ast_node *e)
{
	struct ast_node *n = ast_new(S, AST_INCDEC, loc);

	if (!ast_is_lvalue(e))
		perror_at(p, loc, "expected an lvalue (variable, array element or target variable)");
	n->u.incdec.op = op;
	n->u.incdec.post = post;
	n->u.incdec.operand = e;
	return n;
}

static struct ast_node *assign(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       struct ast_node *l, struct ast_node *r)
{
	if (!ast_is_lvalue(l))
		perror_at(p, loc, "expected an lvalue (variable, array element or target variable) before assignment");
	return ast_assign(S, loc, op, l, r);
}

static struct ast_node *target(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct target_comp *comps, int pretty)
{
	struct ast_node *n = ast_new(S, AST_TARGET, loc);

	n->u.target.name = name;
	n->u.target.comps = comps;
	n->u.target.pretty = pretty;
	return n;
}

static struct target_comp *tcomp(struct parser *p, const YYLTYPE *loc,
				 enum comp_kind kind, const char *name,
				 struct ast_node *e)
{
	struct target_comp *c = arena_alloc(&S->arena, sizeof(*c));

	c->loc = *loc;
	c->name = name;
	if (kind == COMP_INDEX_EXPR && e->kind == AST_NUMBER) {
		c->kind = COMP_INDEX;
		c->index = e->u.num;
	} else {
		c->kind = kind;
		c->expr = e;
	}
	return c;
}

static const struct { const char *name; enum stat_op op; int n_params; } stat_ops[] = {
	{ "@count", STAT_COUNT, 0 }, { "@sum", STAT_SUM, 0 }, { "@min", STAT_MIN, 0 },
	{ "@max", STAT_MAX, 0 }, { "@avg", STAT_AVG, 0 }, { "@variance", STAT_VARIANCE, 0 },
	{ "@hist_linear", STAT_HIST_LINEAR, 3 }, { "@hist_log", STAT_HIST_LOG, 0 },
};

static struct ast_node *at_call(struct parser *p, const YYLTYPE *loc, const char *name,
				struct ast_node *args, struct target_comp *comps, int pretty)
{
	int n_args = ast_list_len(args);
	struct ast_node *n;
	size_t i;

	for (i = 0; i < ARRAY_LEN(stat_ops); i++) {
		if (strcmp(name, stat_ops[i].name))
			continue;
		if (n_args != stat_ops[i].n_params + 1) {
			perror_at(p, loc, arena_printf(&S->arena, "%s takes %d argument%s",
				  name, stat_ops[i].n_params + 1, stat_ops[i].n_params ? "s" : ""));
			return ast_number(S, loc, 0);
		}
		if (comps || pretty)
			perror_at(p, loc, "unexpected '->' or '$' after a statistics operator");
		n = ast_new(S, AST_STAT, loc);
		n->u.stat.op = stat_ops[i].op;
		n->u.stat.operand = args;
		n->u.stat.params = args->next;
		args->next = NULL;
		return n;
	}
	if (!strcmp(name, "@cast") || !strcmp(name, "@var")) {
		bool cast = name[1] == 'c';
		int need = cast ? 2 : 1;
		struct ast_node *a = cast ? args->next : args;

		if (n_args < need || n_args > need + 1) {
			perror_at(p, loc, cast ? "@cast takes (address, \"type\" [, \"module\"])"
					       : "@var takes (\"name@file\" [, \"module\"])");
			return ast_number(S, loc, 0);
		}
		n = ast_new(S, cast ? AST_CAST : AST_ATVAR, loc);
		if (a->kind != AST_STRING || (a->next && a->next->kind != AST_STRING)) {
			perror_at(p, &a->loc, "expected literal string");
			return n;
		}
		if (cast) {
			n->u.target.operand = args;
			n->u.target.type_name = a->u.str;
			args->next = NULL;
		} else {
			n->u.target.name = a->u.str;
		}
		n->u.target.module = a->next ? a->next->u.str : NULL;
		n->u.target.comps = comps;
		n->u.target.pretty = pretty;
		return n;
	}
	if (!strcmp(name, "@defined") || !strcmp(name, "@entry")) {
		if (n_args != 1) {
			perror_at(p, loc, arena_printf(&S->arena, "%s takes 1 argument", name));
			return ast_number(S, loc, 0);
		}
		if (comps || pretty)
			perror_at(p, loc, arena_printf(&S->arena, "unexpected '->' or '$' after %s", name));
		return ast_operand(S, name[1] == 'd' ? AST_DEFINED : AST_ENTRY, loc, args);
	}
	perror_at(p, loc, arena_printf(&S->arena, "unknown operator or macro %s", name));
	return ast_number(S, loc, 0);
}

static struct ast_node *foreach(struct parser *p, const YYLTYPE *loc,
				struct ast_node *head, struct ast_node *array, int arr_sort,
				struct ast_node *limit, struct ast_node *body)
{
	struct ast_node *n = ast_new(S, AST_FOREACH, loc), *k;
	int col = 1, n_sorts = 0;

	if (head->kind == AST_ASSIGN) {
		struct ast_node *v = head->u.assign.lhs;
		intptr_t mark = (intptr_t)v->u.ident.sym;

		if (mark) {
			n->u.foreach.sort_key = -1;
			n->u.foreach.sort_dir = (int)mark;
			n_sorts++;
		}
		v->u.ident.sym = NULL;
		n->u.foreach.value = v;
		head = head->u.assign.rhs;
	}
	for (k = head; k; k = k->next, col++) {
		intptr_t mark = (intptr_t)k->u.ident.sym;

		if (mark) {
			n->u.foreach.sort_key = col;
			n->u.foreach.sort_dir = (int)mark;
			n_sorts++;
		}
		k->u.ident.sym = NULL;
	}
	if (arr_sort) {
		n->u.foreach.sort_key = -1;
		n->u.foreach.sort_dir = arr_sort;
		n_sorts++;
	}
	if (n_sorts > 1)
		perror_at(p, loc, "multiple sort directives");
	n->u.foreach.keys = head;
	n->u.foreach.array = array;
	n->u.foreach.limit = limit;
	n->u.foreach.body = body;
	return n;
}

static struct pp_comp *comp(struct parser *p, const char *name, struct ast_node *arg,
			    bool has_arg)
{
	struct pp_comp *c = arena_alloc(&S->arena, sizeof(*c));

	c->name = name;
	c->arg = arg;
	c->has_arg = has_arg;
	return c;
}

static struct pp_comp *comp_cat(struct parser *p, struct pp_comp *a, const char *b)
{
	a->name = arena_printf(&S->arena, "%s%s", a->name, b);
	return a;
}

static void add_probe(struct parser *p, const YYLTYPE *loc, struct probe_point *aliases,
		      bool epilogue, struct probe_point *points, struct ast_node *body)
{
	struct probe *pr = arena_alloc(&S->arena, sizeof(*pr)), **tail;

	p->in_pp = false;
	pr->loc = *loc;
	pr->points = points;
	pr->body = body;
	if (body->kind == AST_EMBEDDED)
		perror_at(p, &body->loc, "embedded code is not allowed as a probe body");
	if (aliases) {
		pr->is_alias = true;
		pr->is_epilogue = epilogue;
		pr->alias_names = aliases;
	}
	pr->privileged = p->file->is_tapset;
	for (tail = &p->file->probes; *tail; tail = &(*tail)->next)
		;
	*tail = pr;
}

static void add_function(struct parser *p, const YYLTYPE *loc, bool priv,
			 const char *name, enum ast_type ret, struct param *params,
			 struct ast_node *body)
{
	struct function *fn = arena_alloc(&S->arena, sizeof(*fn)), **tail;
	struct param *q;

	fn->loc = *loc;
	fn->name = name;
	fn->ret = ret;
	fn->params = params;
	for (q = params; q; q = q->next)
		fn->n_params++;
	fn->body = body;
	fn->is_private = priv;
	fn->is_tapset = p->file->is_tapset;
	for (tail = &p->file->functions; *tail; tail = &(*tail)->next)
		;
	*tail = fn;
}

static void add_globals(struct parser *p, bool priv, struct global *list)
{
	struct global **tail, *g;

	for (g = list; g; g = g->next)
		g->is_private = priv;
	for (tail = &p->file->globals; *tail; tail = &(*tail)->next)
		;
	*tail = list;
}
