/* Pass 1, step 2: the grammar of the stap language. Pure and reentrant, no conflicts;
 * actions call AST constructors or the helpers below the rules. Statements need no
 * ';': an expression statement ends where the expression can't go on (precedence LOW
 * makes the parser greedy). Brace expansion of probe points happens here, so later
 * passes only see plain probe points. */
%code requires {
#include "parse.h"
#define YYLTYPE struct srcloc
#define YYLTYPE_IS_DECLARED 1

/* an alternative of a probe point being expanded: a list of components */
struct pp_alt {
	struct pp_comp *comps;
	int marks;		/* ? and ! inside braces: "{a!, b?}" (1 optional, 2 sufficient) */
	struct pp_alt *next;
};

/* a list with O(1) append */
struct nlist {
	struct ast_node *head, *tail;
	struct srcloc sep;	/* exprlist: the first ',' (line 0: none) */
};
}

%code provides {
int pp_lex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p);
int lex_scan(YYSTYPE *lval, YYLTYPE *loc, void *scanner);
}

%code {
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "elaborate/elaborate.h"
#include "session.h"
#include "util.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N) \
	do { (Cur) = (N) ? YYRHSLOC(Rhs, 1) : YYRHSLOC(Rhs, 0); } while (0)
#define YYLOCATION_PRINT(File, Loc) ((void)0)
#define YY_LOCATION_PRINT(File, Loc) ((void)0)
#define YYMAXDEPTH 30000
#define S (p->s)
#define KWNAME(text) strtab_intern(&S->arena, text)	/* a keyword used as a name */

static int yylex(YYSTYPE *lval, YYLTYPE *loc, struct parser *p)
{
	return pp_lex(lval, loc, p);
}

static struct nlist nl_one(struct ast_node *n);
static struct nlist nl_add(struct nlist l, struct ast_node *n);
static struct ast_node *join_strings(struct parser *p, struct nlist l);
static struct ast_node *nest(struct ast_node *n, const struct ast_node *a,
			     const struct ast_node *b, const struct ast_node *c);
static struct ast_node *stmt_done(struct parser *p, struct ast_node *n);
static struct ast_node *at_call(struct parser *p, const YYLTYPE *loc, const char *name,
				struct ast_node *args, struct target_comp *comps, int pretty);
static struct ast_node *target(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct target_comp *comps, int pretty);
static struct ast_node *raw_op(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct ast_node *args, bool chained);
static struct ast_node *call(struct parser *p, const YYLTYPE *loc, const char *name,
			     const struct nlist *args, const YYLTYPE *rparen);
static struct ast_node *number(struct parser *p, const YYLTYPE *loc, struct numlit v);
static struct ast_node *autocast(struct parser *p, const YYLTYPE *loc, struct ast_node *e,
				 struct target_comp *first, struct target_comp *rest, int pretty);
static struct ast_node *unary_minus(struct parser *p, const YYLTYPE *loc,
				    struct ast_node *e);
static struct ast_node *incdec(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       bool post, struct ast_node *e);
static struct ast_node *assign(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       struct ast_node *l, struct ast_node *r);
static struct ast_node *ternary(struct parser *p, const YYLTYPE *loc, struct ast_node *c,
				struct ast_node *a, struct ast_node *b);
static struct ast_node *in_array(struct parser *p, const YYLTYPE *loc,
				 struct ast_node *keys, struct ast_node *array);
static struct ast_node *index_of(struct parser *p, const YYLTYPE *loc,
				 struct ast_node *base, struct ast_node *keys);
static struct ast_node *cond_stmt(struct parser *p, const YYLTYPE *loc, struct ast_node *c,
				  struct ast_node *a, struct ast_node *b);
static struct ast_node *loop(struct parser *p, enum ast_kind kind, const YYLTYPE *loc,
			     struct ast_node *init, struct ast_node *c,
			     struct ast_node *incr, struct ast_node *body);
static struct ast_node *try_stmt(struct parser *p, const YYLTYPE *loc, struct ast_node *b,
				 struct ast_node *var, struct ast_node *h);
static int sort_aggr(struct parser *p, const YYLTYPE *loc, const char *name);
static struct ast_node *addr_of(struct parser *p, const YYLTYPE *loc, struct ast_node *e);
static struct ast_node *foreach(struct parser *p, const YYLTYPE *loc,
				struct ast_node *head, struct ast_node *array, int arr_sort,
				struct ast_node *limit, struct ast_node *body);
static struct ast_node *fe_value(struct parser *p, const YYLTYPE *loc, const char *name,
				 int sort, struct ast_node *keys);
static struct pp_alt *pp_one(struct parser *p, const YYLTYPE *loc, const char *name,
			     struct ast_node *arg, bool has_arg);
static struct pp_alt *pp_product(struct parser *p, const YYLTYPE *loc, struct pp_alt *a,
				 struct pp_alt *b);
static struct pp_alt *pp_union(struct pp_alt *a, struct pp_alt *b);
static struct pp_alt *pp_mark(struct pp_alt *a, int marks);
static struct probe_point *pp_points(struct parser *p, const YYLTYPE *loc,
				     struct pp_alt *alts, int marks, struct ast_node *cond);
static struct probe_point *pp_cat(struct probe_point *a, struct probe_point *b);
static void add_probe(struct parser *p, const YYLTYPE *loc, struct probe_point *aliases,
		      bool epilogue, struct probe_point *points, struct ast_node *body);
static void add_function(struct parser *p, const YYLTYPE *loc, bool priv,
			 const char *name, enum ast_type ret, struct param *params,
			 int64_t prio, struct ast_node *body);
static void add_globals(struct parser *p, bool priv, struct global *list);
static void add_embed(struct parser *p, const YYLTYPE *loc, const char *code);
static struct global *glob(struct parser *p, const YYLTYPE *loc, const char *name,
			   bool wrap, bool array, int64_t size, struct ast_node *init);
static struct param *param(struct parser *p, const YYLTYPE *loc, const char *name,
			   enum ast_type type);
/* e->member on any other expression (p->a, f()->a, (e)->a, a[k]->b): 4.8's
 * autocast, the type coming from where the pointer was read (elaborate/symbols.c);
 * an AST_TARGET with e as operand, located at the '->' */
static struct ast_node *autocast(struct parser *p, const YYLTYPE *loc, struct ast_node *e,
				 struct target_comp *first, struct target_comp *rest, int pretty)
{
	struct ast_node *n;

	first->next = rest;
	n = target(p, loc, e->kind == AST_IDENT ? e->u.ident.name : "(...)", first, pretty);
	n->u.target.operand = e;
	if (e->depth >= n->depth)
		n->depth = e->depth + 1;
	return n;
}

static struct target_comp *tcomp(struct parser *p, const YYLTYPE *loc,
				 enum comp_kind kind, const char *name,
				 struct ast_node *e);
static bool guru_ok(struct parser *p, const YYLTYPE *loc, const char *what);
static void yyerror(const YYLTYPE *loc, struct parser *p, const char *msg);
}

%define api.pure full
%define parse.error custom
%define parse.lac full
%locations
%param {struct parser *p}
%expect 0

%union {
	struct numlit num;
	const char *str;
	int ival;
	int64_t i64;
	enum ast_type type;
	struct ast_node *node;
	struct nlist list;
	struct probe_point *pp;
	struct pp_alt *alt;
	struct target_comp *tc;
	struct param *param;
	struct global *glob;
}

%token <str> IDENT "identifier" TVAR "target variable" AT_IDENT "@operator"
%token <str> PP_NAME "probe point component"
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
%token PP_IF "%(" PP_THEN "%?" PP_ELSE "%:" PP_END "%)" PP_DEFINE "@define"
%token ERROR_TOKEN "invalid token"
%token <str> ARG_BAD "command line argument"

%type <node> expr primary opt_expr stmt block body str_lit
%type <node> fe_head fe_var opt_limit catch_var literal
%type <node> stmt_noif stmt_if opt_pp_cond
%type <list> stmts exprlist opt_exprlist idxlist fe_vars strings
%type <ival> sort_dir sort_opt opt_pretty pp_marks
%type <i64> opt_prio
%type <pp> pps pp
%type <alt> pp_seq pp_elem pp_alts pp_alt pp_comp
%type <str> comp_name member_name
%type <tc> chain chain_elem
%type <param> params param_list param_decl
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
%left EQ NE '<' LE '>' GE MATCH NOMATCH
%left SHL SHR
%left '.'
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY '!' '~'
%precedence INC DEC
%precedence '(' '[' ARROW

%%

file:
	%empty
	| file item
	;

item:
	PROBE pps body				{ add_probe(p, &@1, NULL, false, $2, $3); }
	| PROBE pps '=' pps body		{ add_probe(p, &@1, $2, false, $4, $5); }
	| PROBE pps ADD_ASSIGN pps body		{ add_probe(p, &@1, $2, true, $4, $5); }
	| opt_private FUNCTION IDENT opt_type '(' params ')' opt_prio body
						{ add_function(p, &@3, $1, $3, $4, $6, $8, $9); }
	| opt_private GLOBAL globs		{ add_globals(p, $1, $3); }
	| opt_private GLOBAL globs ';'		{ add_globals(p, $1, $3); }
	| PRIVATE globs				{ add_globals(p, true, $2); }
	| PRIVATE globs ';'			{ add_globals(p, true, $2); }
	| EMBEDDED				{ if (guru_ok(p, &@1, "")) add_embed(p, &@1, $1); }
	| error					{ p->in_pp = false; }
	;

opt_private:
	%empty					{ $$ = 0; }
	| PRIVATE				{ $$ = 1; }
	;

body:
	block
	| EMBEDDED				{ guru_ok(p, &@1, ""); $$ = ast_new(S, AST_EMBEDDED, &@1); $$->u.str = $1; }
	;

/* probe points; brace expansion multiplies them out here */
pps:
	pp
	| pps ',' pp				{ $$ = pp_cat($1, $3); }
	;

pp:
	pp_seq pp_marks opt_pp_cond		{ $$ = pp_points(p, &@1, $1, $2, $3); }
	;

pp_marks:
	%empty					{ $$ = 0; }
	| pp_marks '?'				{ $$ = $1 | 1; }
	| pp_marks '!'				{ $$ = $1 | 3; }
	;

opt_pp_cond:
	%empty					{ $$ = NULL; }
	| IF '(' expr ')'			{ $$ = stmt_done(p, $3); }
	;

pp_seq:
	pp_elem
	| pp_seq '.' pp_elem			{ $$ = pp_product(p, &@2, $1, $3); }
	;

pp_elem:
	pp_comp
	| PP_LBRACE pp_alts '}'			{ $$ = $2; }
	;

pp_alts:
	pp_alt
	| pp_alts ',' pp_alt			{ $$ = pp_union($1, $3); }
	;

pp_alt:
	pp_seq pp_marks				{ $$ = pp_mark($1, $2); }
	;

pp_comp:
	comp_name				{ $$ = pp_one(p, &@1, $1, NULL, false); }
	| comp_name '(' literal ')'		{ $$ = pp_one(p, &@1, $1, $3, true); }
	;

comp_name:
	PP_NAME
	| IDENT
	| '*'					{ $$ = "*"; }
	;

literal:
	NUMBER					{ $$ = number(p, &@1, $1); }
	| '-' NUMBER				{ $$ = number(p, &@1, $2); $$->u.num = (int64_t)(0 - (uint64_t)$2.v); $$->type = TYPE_LONG; }
	| str_lit
	;

str_lit:
	strings %prec LOW			{ $$ = join_strings(p, $1); }
	;

strings:
	STRING					{ $$ = nl_one(ast_string(S, &@1, $1)); }
	| strings STRING			{ $$ = nl_add($1, ast_string(S, &@2, $2)); }
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

opt_prio:
	%empty					{ $$ = 0; }
	| ':' NUMBER				{ $$ = $2.v; }
	| ':' '-' NUMBER			{ $$ = -$3.v; }
	;

params:
	%empty					{ $$ = NULL; }
	| param_list
	;

param_list:
	param_decl
	| param_list ',' param_decl		{ struct param *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

param_decl:
	IDENT opt_type				{ $$ = param(p, &@1, $1, $2); }
	;

globs:
	glob
	| globs ',' glob			{ struct global *q = $1; while (q->next) q = q->next; q->next = $3; $$ = $1; }
	;

glob:
	IDENT opt_wrap				{ $$ = glob(p, &@1, $1, $2, $2, 0, NULL); }
	| IDENT opt_wrap '[' NUMBER ']'		{ $$ = glob(p, &@1, $1, $2, true, $4.v, NULL); }
	| IDENT '=' literal			{ $$ = glob(p, &@1, $1, false, false, 0, $3); }
	;

opt_wrap:
	%empty					{ $$ = 0; }
	| '%'					{ $$ = 1; }
	;

/* statements */
block:
	'{' stmts '}'				{ $$ = nest(ast_block(S, &@1, $2.head), NULL, NULL, NULL); }
	;

stmts:
	%empty					{ $$.head = $$.tail = NULL; }
	| stmts stmt				{ $$ = nl_add($1, stmt_done(p, $2)); }
	| stmts error				{ $$ = $1; }
	;

stmt:
	stmt_noif
	| stmt_if
	;

stmt_if:
	IF '(' expr ')' stmt %prec LOW		{ $$ = cond_stmt(p, &@1, $3, $5, NULL); }
	| IF '(' expr ')' stmt ELSE stmt	{ $$ = cond_stmt(p, &@1, $3, $5, $7); }
	;

stmt_noif:
	block
	| ';'					{ $$ = ast_new(S, AST_NULL, &@1); }
	| expr %prec LOW			{ $$ = nest(ast_operand(S, AST_EXPR_STMT, &@1, $1), $1, NULL, NULL); }
	| expr ';'				{ $$ = nest(ast_operand(S, AST_EXPR_STMT, &@1, $1), $1, NULL, NULL); }
	| WHILE '(' expr ')' stmt		{ $$ = loop(p, AST_WHILE, &@1, NULL, $3, NULL, $5); }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
						{ $$ = loop(p, AST_FOR, &@1, $3, $5, $7, $9); }
	| FOREACH '(' fe_head IN IDENT sort_opt opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, ast_ident(S, &@5, $5), $6, $7, $9); }
	| FOREACH '(' fe_head IN IDENT '[' idxlist ']' sort_opt opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, ast_ident(S, &@5, $5), $9, $10, $12);
						  if ($$->kind == AST_FOREACH)
							  $$->u.foreach.slice = $7.head; }
	| FOREACH '(' fe_head IN IDENT AT_IDENT sort_dir opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, ast_ident(S, &@5, $5), $7, $8, $10);
						  if ($$->kind == AST_FOREACH)
							  $$->u.foreach.sort_aggr = sort_aggr(p, &@6, $6); }
	| FOREACH '(' fe_head IN AT_IDENT '(' exprlist ')' sort_opt opt_limit ')' stmt
						{ $$ = foreach(p, &@1, $3, at_call(p, &@5, $5, $7.head, NULL, 0), $9, $10, $12); }
	| DELETE expr %prec LOW			{ $$ = nest(ast_operand(S, AST_DELETE, &@1, $2), $2, NULL, NULL); }
	| DELETE expr ';'			{ $$ = nest(ast_operand(S, AST_DELETE, &@1, $2), $2, NULL, NULL); }
	| NEXT %prec LOW			{ $$ = ast_new(S, AST_NEXT, &@1); }
	| NEXT ';'				{ $$ = ast_new(S, AST_NEXT, &@1); }
	| BREAK %prec LOW			{ $$ = ast_new(S, AST_BREAK, &@1); }
	| BREAK ';'				{ $$ = ast_new(S, AST_BREAK, &@1); }
	| CONTINUE %prec LOW			{ $$ = ast_new(S, AST_CONTINUE, &@1); }
	| CONTINUE ';'				{ $$ = ast_new(S, AST_CONTINUE, &@1); }
	| RETURN %prec LOW			{ $$ = ast_operand(S, AST_RETURN, &@1, NULL); }
	| RETURN ';'				{ $$ = ast_operand(S, AST_RETURN, &@1, NULL); }
	| RETURN expr %prec LOW			{ $$ = nest(ast_operand(S, AST_RETURN, &@1, $2), $2, NULL, NULL); }
	| RETURN expr ';'			{ $$ = nest(ast_operand(S, AST_RETURN, &@1, $2), $2, NULL, NULL); }
	| TRY block CATCH catch_var block	{ $$ = try_stmt(p, &@1, $2, $4, $5); }
	;

catch_var:
	%empty					{ $$ = NULL; }
	| '(' IDENT ')'				{ $$ = ast_ident(S, &@2, $2); }
	;

fe_head:
	fe_var					{ $$ = $1; }
	| '[' fe_vars ']'			{ $$ = $2.head; }
	| IDENT sort_opt '=' fe_var		{ $$ = fe_value(p, &@1, $1, $2, $4); }
	| IDENT sort_opt '=' '[' fe_vars ']'	{ $$ = fe_value(p, &@1, $1, $2, $5.head); }
	;

fe_vars:
	fe_var					{ $$ = nl_one($1); }
	| fe_vars ',' fe_var			{ $$ = nl_add($1, $3); }
	;

fe_var:
	IDENT sort_opt				{ $$ = ast_ident(S, &@1, $1); $$->u.ident.sym = (void *)(intptr_t)$2; }
	;

sort_opt:
	%empty					{ $$ = 0; }
	| sort_dir
	;

sort_dir:
	'+'					{ $$ = 1; }
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
	expr					{ $$ = nl_one($1); }
	| exprlist ',' expr			{ $$ = nl_add($1, $3); if (!$$.sep.line) $$.sep = @2; }
	;

/* array keys; * is a wildcard where a slice is allowed (checked in pass 2) */
idxlist:
	expr					{ $$ = nl_one($1); }
	| '*'					{ $$ = nl_one(ast_new(S, AST_NULL, &@1)); }
	| idxlist ',' expr			{ $$ = nl_add($1, $3); }
	| idxlist ',' '*'			{ $$ = nl_add($1, ast_new(S, AST_NULL, &@3)); }
	;

opt_exprlist:
	%empty					{ $$.head = $$.tail = NULL; }
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
	| expr '?' expr ':' expr		{ $$ = ternary(p, &@2, $1, $3, $5); }
	| expr OR_OR expr			{ $$ = ast_binary(S, &@2, OP_LOR, $1, $3); }
	| expr AND_AND expr			{ $$ = ast_binary(S, &@2, OP_LAND, $1, $3); }
	| expr '|' expr				{ $$ = ast_binary(S, &@2, OP_BOR, $1, $3); }
	| expr '^' expr				{ $$ = ast_binary(S, &@2, OP_BXOR, $1, $3); }
	| expr '&' expr				{ $$ = ast_binary(S, &@2, OP_BAND, $1, $3); }
	| expr IN IDENT				{ $$ = in_array(p, &@2, $1, ast_ident(S, &@3, $3)); }
	| '[' idxlist ']' IN IDENT		{ $$ = in_array(p, &@4, $2.head, ast_ident(S, &@5, $5)); }
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
	NUMBER %prec LOW			{ $$ = number(p, &@1, $1); }
	| str_lit %prec LOW
	| IDENT %prec LOW			{ $$ = ast_ident(S, &@1, $1); }
	| IDENT '(' opt_exprlist ')'		{ $$ = call(p, &@1, $1, &$3, &@4); }
	| primary '[' idxlist ']'		{ $$ = index_of(p, &@2, $1, $3.head); }
	| '(' expr ')'				{ $$ = nest($2, $2, NULL, NULL); }
	| TVAR chain opt_pretty			{ $$ = target(p, &@1, $1, $2, $3); }
	| primary ARROW member_name chain opt_pretty
						{ $$ = autocast(p, &@2, $1, tcomp(p, &@2, COMP_FIELD, $3, NULL), $4, $5); }
	| '&' TVAR chain			{ $$ = target(p, &@1, $2, $3, 0); $$->u.target.addr = true; }
	| '&' AT_IDENT '(' opt_exprlist ')' chain %prec LOW
						{ $$ = addr_of(p, &@1, at_call(p, &@2, $2, $4.head, $6, 0)); }
	| AT_IDENT '(' opt_exprlist ')' chain opt_pretty
						{ $$ = at_call(p, &@1, $1, $3.head, $5, $6); }
	| EMBEDDED				{ guru_ok(p, &@1, "expression "); $$ = ast_new(S, AST_EMBEDDED_EXPR, &@1); $$->u.str = $1; }
	;

chain:
	%empty %prec LOW			{ $$ = NULL; }
	| chain chain_elem			{ struct target_comp *q = $1; if (!q) $$ = $2; else { while (q->next) q = q->next; q->next = $2; $$ = $1; } }
	;

chain_elem:
	ARROW member_name			{ $$ = tcomp(p, &@1, COMP_FIELD, $2, NULL); }
	| '[' expr ']'				{ $$ = tcomp(p, &@1, COMP_INDEX_EXPR, NULL, $2); }
	;

/* member_name: IDENT | keyword -- C members may be called next, string, delete, ... */
member_name:
	IDENT
	| PROBE { $$ = KWNAME("probe"); } | GLOBAL { $$ = KWNAME("global"); }
	| FUNCTION { $$ = KWNAME("function"); } | PRIVATE { $$ = KWNAME("private"); }
	| IF { $$ = KWNAME("if"); } | ELSE { $$ = KWNAME("else"); } | FOR { $$ = KWNAME("for"); }
	| FOREACH { $$ = KWNAME("foreach"); } | IN { $$ = KWNAME("in"); }
	| LIMIT { $$ = KWNAME("limit"); } | RETURN { $$ = KWNAME("return"); }
	| DELETE { $$ = KWNAME("delete"); } | WHILE { $$ = KWNAME("while"); }
	| BREAK { $$ = KWNAME("break"); } | CONTINUE { $$ = KWNAME("continue"); }
	| NEXT { $$ = KWNAME("next"); } | TRY { $$ = KWNAME("try"); }
	| CATCH { $$ = KWNAME("catch"); } | LONG { $$ = KWNAME("long"); }
	| STRING_KW { $$ = KWNAME("string"); }
	;

opt_pretty:
	%empty %prec LOW			{ $$ = 0; }
	| PRETTY1				{ $$ = 1; }
	| PRETTY2				{ $$ = 2; }
	;

%%

void parse_error(struct parser *p, const struct srcloc *loc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (p->aborted)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (++p->n_errors > PARSE_MAX_ERRORS) {
		diag_plain(S, "parse error", "%s: too many errors, giving up", p->src->name);
		p->aborted = true;
		return;
	}
	diag_parse_error(S, loc, "%s", buf);
}

void parse_error_at(struct parser *p, const struct srcloc *loc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (p->aborted)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (++p->n_errors > PARSE_MAX_ERRORS) {
		diag_plain(S, "parse error", "%s: too many errors, giving up", p->src->name);
		p->aborted = true;
		return;
	}
	if (loc)
		diag_parse_error_at(S, loc, "%s", buf);
	else
		diag_plain(S, "parse error", "%s", buf);
}

static void yyerror(const YYLTYPE *loc, struct parser *p, const char *msg)
{
	if (!strcmp(msg, "memory exhausted")) {
		parse_error_at(p, loc, "input nested too deeply");
		p->aborted = true;
		return;
	}
	parse_error(p, loc, "%s", msg);
}

static const char *token_name(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_YYEOF: return "end of input";
	case YYSYMBOL_IDENT: return "identifier";
	case YYSYMBOL_PP_NAME: return "identifier";
	case YYSYMBOL_STRING: return "string";
	case YYSYMBOL_NUMBER: return "number";
	case YYSYMBOL_EMBEDDED: return "embedded-code";
	case YYSYMBOL_TVAR: return "target variable";
	case YYSYMBOL_AT_IDENT: return "@operator";
	default: break;
	}
	return NULL;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	yysymbol_kind_t expected[YYNTOKENS];
	const char *names[8];
	const YYLTYPE *loc = yypcontext_location(ctx);
	yysymbol_kind_t saw = yypcontext_token(ctx);
	int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	struct strbuf sb = { 0 };
	YYLTYPE l = *loc;
	bool expr = false;
	int i, j, n_names = 0;

	if (saw == YYSYMBOL_ERROR_TOKEN || p->aborted)
		return 0;	/* the lexer said what was wrong */
	if (saw == YYSYMBOL_YYEOF)
		l.tok = NULL;
	for (i = 0; i < n && n_names <= 6; i++) {
		const char *name = token_name(expected[i]);

		if (expected[i] == YYSYMBOL_NUMBER || expected[i] == YYSYMBOL_TVAR)
			expr = true;
		if (!name) {
			const char *raw = yysymbol_name(expected[i]);

			name = raw[0] == '\'' ? raw : arena_printf(&S->arena, "'%s'", raw);
		}
		for (j = 0; j < n_names; j++)
			if (!strcmp(names[j], name))
				break;
		if (j == n_names && n_names < 7)
			names[n_names++] = name;
	}
	if (expr && n > 6) {
		sb_puts(&sb, "expected an expression");
	} else if (n <= 0 || n_names > 6) {
		sb_puts(&sb, saw == YYSYMBOL_YYEOF ? "unexpected end of input" : "unexpected token");
	} else {
		sb_puts(&sb, "expected ");
		for (i = 0; i < n_names; i++) {
			if (i)
				sb_puts(&sb, i == n_names - 1 ? " or " : ", ");
			sb_puts(&sb, names[i]);
		}
	}
	parse_error(p, &l, "%s", sb.buf);
	sb_free(&sb);
	return 0;
}

/* embedded C: tapset files and guru mode only */
static bool guru_ok(struct parser *p, const YYLTYPE *loc, const char *what)
{
	if (p->file->is_tapset || S->opt.guru)
		return true;
	parse_error(p, loc, "embedded %scode in unprivileged script; need stap -g", what);
	return false;
}

static struct nlist nl_one(struct ast_node *n)
{
	struct nlist l = { n, n };

	return l;
}

static struct nlist nl_add(struct nlist l, struct ast_node *n)
{
	if (!n)
		return l;
	if (!l.head)
		return nl_one(n);
	l.tail->next = n;
	l.tail = n;
	return l;
}

/* "a" "b": one string, concatenated once at the end (no quadratic copying) */
static struct ast_node *join_strings(struct parser *p, struct nlist l)
{
	struct ast_node *n;
	size_t len = 0;
	char *buf, *o;

	if (l.head == l.tail)
		return l.head;
	for (n = l.head; n; n = n->next)
		len += strlen(n->u.str);
	o = buf = arena_alloc(&S->arena, len + 1);
	for (n = l.head; n; n = n->next) {
		size_t k = strlen(n->u.str);

		memcpy(o, n->u.str, k);
		o += k;
	}
	*o = '\0';
	l.head->u.str = buf;
	l.head->next = NULL;
	return l.head;
}

static int depth_of(const struct ast_node *n)
{
	return n ? n->depth : 0;
}

/* depth of n: one more than its deepest child */
static struct ast_node *nest(struct ast_node *n, const struct ast_node *a,
			     const struct ast_node *b, const struct ast_node *c)
{
	int d = depth_of(a);

	if (depth_of(b) > d)
		d = depth_of(b);
	if (depth_of(c) > d)
		d = depth_of(c);
	if (n->kind == AST_BLOCK) {
		const struct ast_node *k;

		for (k = n->u.block.stmts; k; k = k->next)
			if (k->depth > d)
				d = k->depth;
	}
	n->depth = d + 1;
	return n;
}

/* A statement is complete: refuse trees too deep for the recursive passes. */
static struct ast_node *stmt_done(struct parser *p, struct ast_node *n)
{
	if (n && n->depth > PARSE_MAX_DEPTH) {
		parse_error_at(p, &n->loc, "statement or expression nested too deeply (more than %d levels)",
			       PARSE_MAX_DEPTH);
		p->aborted = true;
		return ast_new(S, AST_NULL, &n->loc);
	}
	return n;
}

static struct ast_node *number(struct parser *p, const YYLTYPE *loc, struct numlit v)
{
	struct ast_node *n = ast_number(S, loc, v.v);

	if (v.min_only)
		n->type = TYPE_UNKNOWN;	/* 9223372036854775808: only valid negated */
	return n;
}

static struct ast_node *unary_minus(struct parser *p, const YYLTYPE *loc,
				    struct ast_node *e)
{
	if (e->kind == AST_NUMBER && e->type == TYPE_UNKNOWN) {
		/* -9223372036854775808 */
		e->type = TYPE_LONG;
		e->loc = *loc;
		return e;
	}
	if (e->kind == AST_NUMBER) {	/* -5 is a literal, so -p1 output reads back the same */
		e->u.num = (int64_t)(0 - (uint64_t)e->u.num);
		e->loc = *loc;
		return e;
	}
	return nest(ast_unary(S, loc, OP_NEG, e), e, NULL, NULL);
}

static struct ast_node *incdec(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       bool post, struct ast_node *e)
{
	struct ast_node *n = ast_new(S, AST_INCDEC, loc);

	/* a literal is left to pass 2, whose error 4.8 gives */
	if (!ast_is_lvalue(e) && e->kind != AST_NUMBER && e->kind != AST_STRING)
		parse_error_at(p, loc, "expected an lvalue (variable, array element or target variable)");
	n->u.incdec.op = op;
	n->u.incdec.post = post;
	n->u.incdec.operand = e;
	return nest(n, e, NULL, NULL);
}

static struct ast_node *assign(struct parser *p, const YYLTYPE *loc, enum ast_op op,
			       struct ast_node *l, struct ast_node *r)
{
	if (!ast_is_lvalue(l) && l->kind != AST_NUMBER && l->kind != AST_STRING)
		parse_error_at(p, loc, "expected an lvalue (variable, array element or target variable) before assignment");
	return ast_assign(S, loc, op, l, r);
}

static struct ast_node *ternary(struct parser *p, const YYLTYPE *loc, struct ast_node *c,
				struct ast_node *a, struct ast_node *b)
{
	struct ast_node *n = ast_new(S, AST_TERNARY, loc);

	n->u.ternary.cond = c;
	n->u.ternary.then = a;
	n->u.ternary.other = b;
	return nest(n, c, a, b);
}

static int list_depth(const struct ast_node *l)
{
	int d = 0;

	for (; l; l = l->next)
		if (l->depth > d)
			d = l->depth;
	return d;
}

static struct ast_node *in_array(struct parser *p, const YYLTYPE *loc,
				 struct ast_node *keys, struct ast_node *array)
{
	struct ast_node *n = ast_new(S, AST_IN, loc);

	n->u.in.keys = keys;
	n->u.in.array = array;
	n->depth = list_depth(keys) + 1;
	return n;
}

static struct ast_node *index_of(struct parser *p, const YYLTYPE *loc,
				 struct ast_node *base, struct ast_node *keys)
{
	struct ast_node *n = ast_new(S, AST_INDEX, loc);
	int d = list_depth(keys);

	n->u.index.base = base;
	n->u.index.keys = keys;
	n->depth = (d > base->depth ? d : base->depth) + 1;
	return n;
}

static struct ast_node *cond_stmt(struct parser *p, const YYLTYPE *loc, struct ast_node *c,
				  struct ast_node *a, struct ast_node *b)
{
	struct ast_node *n = ast_new(S, AST_IF, loc);

	n->u.cond.cond = c;
	n->u.cond.then = a;
	n->u.cond.other = b;
	return nest(n, c, a, b);
}

static struct ast_node *loop(struct parser *p, enum ast_kind kind, const YYLTYPE *loc,
			     struct ast_node *init, struct ast_node *c,
			     struct ast_node *incr, struct ast_node *body)
{
	struct ast_node *n = ast_new(S, kind, loc);

	n->u.loop.init = init;
	n->u.loop.cond = c;
	n->u.loop.incr = incr;
	n->u.loop.body = body;
	nest(n, init, c, incr);
	return nest(n, n->depth ? n : NULL, body, NULL);
}

static struct ast_node *try_stmt(struct parser *p, const YYLTYPE *loc, struct ast_node *b,
				 struct ast_node *var, struct ast_node *h)
{
	struct ast_node *n = ast_new(S, AST_TRY, loc);

	n->u.try_.body = b;
	n->u.try_.var = var;
	n->u.try_.handler = h;
	return nest(n, b, h, NULL);
}

static struct ast_node *target(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct target_comp *comps, int pretty)
{
	struct ast_node *n = ast_new(S, AST_TARGET, loc);
	struct target_comp *c;
	int d = 0;

	n->u.target.name = name;
	n->u.target.comps = comps;
	n->u.target.pretty = pretty;
	for (c = comps; c; c = c->next)
		if (c->expr && c->expr->depth > d)
			d = c->expr->depth;
	n->depth = d + 1;
	if (pretty && name[1] == '$' && comps)
		parse_error_at(p, loc, "unexpected '->' or '[' after %s", name);
	return n;
}

static struct target_comp *tcomp(struct parser *p, const YYLTYPE *loc,
				 enum comp_kind kind, const char *name,
				 struct ast_node *e)
{
	struct target_comp *c = arena_alloc(&S->arena, sizeof(*c));

	c->loc = *loc;
	c->name = name;
	if (kind == COMP_INDEX_EXPR && e->kind == AST_NUMBER && e->type == TYPE_LONG) {
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

static struct ast_node *at_stat(struct parser *p, const YYLTYPE *loc, int i,
				struct ast_node *args, struct target_comp *comps, int pretty)
{
	int n_args = ast_list_len(args);
	struct ast_node *n;

	if (n_args != stat_ops[i].n_params + 1 &&
	    !(stat_ops[i].op == STAT_VARIANCE && n_args == 2)) {
		parse_error_at(p, loc, "%s takes %d argument%s", stat_ops[i].name,
			       stat_ops[i].n_params + 1, stat_ops[i].n_params ? "s" : "");
		return ast_number(S, loc, 0);
	}
	if (pretty || (comps && (comps->next || comps->kind == COMP_FIELD)))
		parse_error_at(p, loc, "unexpected '->' or '$' after a statistics operator");
	n = ast_new(S, AST_STAT, loc);
	n->u.stat.op = stat_ops[i].op;
	n->u.stat.operand = args;
	n->u.stat.params = args->next;
	args->next = NULL;
	n->depth = list_depth(args) + 1;
	if (n->u.stat.params && list_depth(n->u.stat.params) >= n->depth)
		n->depth = list_depth(n->u.stat.params) + 1;
	if (comps && !comps->next && comps->kind != COMP_FIELD) {
		/* @hist_log(s)[i]: a bucket of the histogram */
		struct ast_node *key = comps->kind == COMP_INDEX
			? ast_number(S, &comps->loc, comps->index) : comps->expr;

		return index_of(p, &comps->loc, n, key);
	}
	return n;
}

static struct ast_node *at_call(struct parser *p, const YYLTYPE *loc, const char *name,
				struct ast_node *args, struct target_comp *comps, int pretty)
{
	int n_args = ast_list_len(args);
	struct ast_node *n;
	size_t i;

	for (i = 0; i < ARRAY_LEN(stat_ops); i++)
		if (!strcmp(name, stat_ops[i].name))
			return at_stat(p, loc, (int)i, args, comps, pretty);
	if (!strcmp(name, "@cast") || !strcmp(name, "@var")) {
		bool cast = name[1] == 'c';
		int need = cast ? 2 : 1;
		struct ast_node *a = cast && args ? args->next : args;

		if (n_args < need || n_args > need + 1) {
			parse_error_at(p, loc, cast ? "@cast takes (address, \"type\" [, \"module\"])"
						    : "@var takes (\"name@file\" [, \"module\"])");
			return ast_number(S, loc, 0);
		}
		n = ast_new(S, cast ? AST_CAST : AST_ATVAR, loc);
		n->depth = list_depth(args) + 1;
		if (a->kind != AST_STRING || (a->next && a->next->kind != AST_STRING)) {
			parse_error_at(p, &a->loc, "expected literal string");
			return ast_number(S, loc, 0);
		}
		if (cast) {
			n->u.target.operand = args;
			n->u.target.type_name = a->u.str;
			n->u.target.name = "@cast";
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
			parse_error_at(p, loc, "%s takes 1 argument", name);
			return ast_number(S, loc, 0);
		}
		if (comps || pretty)
			parse_error_at(p, loc, "unexpected '->' or '$' after %s", name);
		return nest(ast_operand(S, name[1] == 'd' ? AST_DEFINED : AST_ENTRY, loc, args),
			    args, NULL, NULL);
	}
	if (!strcmp(name, "@kderef") || !strcmp(name, "@uderef") ||
	    !strcmp(name, "@kregister") || !strcmp(name, "@uregister") ||
	    !strcmp(name, "@const") || !strcmp(name, "@probewrite"))
		return raw_op(p, loc, name, args, comps || pretty);
	if (!strcmp(name, "@perf")) {
		/* @perf("name"): the counter of a perf probe's .counter("name"); pass 2
		 * says it is not supported yet */
		if (n_args != 1 || args->kind != AST_STRING) {
			parse_error_at(p, loc, "@perf takes (\"counter name\")");
			return ast_number(S, loc, 0);
		}
		return ast_call(S, loc, strtab_intern(&S->arena, name), args);
	}
	parse_error_at(p, loc, "unknown operator or macro %s", name);
	return ast_number(S, loc, 0);
}

/* primary: IDENT '(' opt_exprlist ')' -- printf and sprintf check a literal format
 * here, as 4.8 does, reporting at the token after it */
static struct ast_node *call(struct parser *p, const YYLTYPE *loc, const char *name,
			     const struct nlist *args, const YYLTYPE *rparen)
{
	const struct ast_node *fmt = args->head;

	if (fmt && fmt->kind == AST_STRING && (!strcmp(name, "printf") || !strcmp(name, "sprintf"))) {
		int rc = elab_parse_format(fmt->u.str, NULL, 0);

		if (rc < 0)
			parse_error(p, fmt->next ? &args->sep : rparen, "%s", elab_format_error(rc));
	}
	return ast_call(S, loc, name, args->head);
}

/* @kderef(SIZE, addr), @uderef(SIZE, addr), @kregister(N), @uregister(N): calls that
 * pass 2 makes of the tapset's __kderef, __uderef, ... (tapset/linux/raw.stp);
 * @const("NAME"): the C expression NAME; @probewrite(var): a call pass 2 replaces by
 * whether var is written (elaborate/symbols.c). The kernel-side ones and @const need
 * guru mode, as in 4.8. */
static struct ast_node *raw_op(struct parser *p, const YYLTYPE *loc, const char *name,
			       struct ast_node *args, bool chained)
{
	bool deref = strstr(name, "deref") != NULL, reg = strstr(name, "register") != NULL;
	int need = deref ? 2 : 1;
	struct ast_node *n;

	if ((name[1] == 'k' || !strcmp(name, "@const")) && !p->file->is_tapset && !S->opt.guru) {
		parse_error(p, loc, "using %s operator not permitted; need stap -g", name);
		return ast_number(S, loc, 0);
	}
	if (ast_list_len(args) != need) {
		parse_error_at(p, loc, "%s takes %d argument%s", name, need, need > 1 ? "s" : "");
		return ast_number(S, loc, 0);
	}
	if (chained)
		parse_error_at(p, loc, "unexpected '->' or '$' after %s", name);
	if ((deref || reg) && args->kind != AST_NUMBER) {
		parse_error(p, &args->loc, "expected number");
		return ast_number(S, loc, 0);
	}
	if (deref && args->u.num != 1 && args->u.num != 2 && args->u.num != 4 && args->u.num != 8) {
		parse_error(p, &args->loc, "%s reads 1, 2, 4 or 8 bytes", name);
		return ast_number(S, loc, 0);
	}
	if (!strcmp(name, "@const")) {
		if (args->kind != AST_STRING) {
			parse_error(p, &args->loc, "expected string");
			return ast_number(S, loc, 0);
		}
		n = ast_new(S, AST_EMBEDDED_EXPR, loc);
		n->u.str = args->u.str;
		return n;
	}
	if (!strcmp(name, "@probewrite") && args->kind != AST_IDENT) {
		parse_error(p, &args->loc, "expected identifier");
		return ast_number(S, loc, 0);
	}
	return nest(ast_call(S, loc, strtab_intern(&S->arena, name), args), args, NULL, NULL);
}

static struct ast_node *fe_value(struct parser *p, const YYLTYPE *loc, const char *name,
				 int sort, struct ast_node *keys)
{
	struct ast_node *v = ast_ident(S, loc, name);
	struct ast_node *n = ast_new(S, AST_ASSIGN, loc);

	v->u.ident.sym = (void *)(intptr_t)sort;	/* sort mark, taken by foreach() */
	n->u.assign.lhs = v;
	n->u.assign.rhs = keys;
	return n;
}

/* &@cast(...)->f, &@var("x")->f: the address of the member, not its value */
static struct ast_node *addr_of(struct parser *p, const YYLTYPE *loc, struct ast_node *e)
{
	if (e->kind != AST_CAST && e->kind != AST_ATVAR) {
		parse_error_at(p, loc, "'&' takes a target variable, @cast or @var");
		return e;
	}
	e->u.target.addr = true;
	e->loc = *loc;
	return e;
}

/* "foreach (k in a @sum-)": the extractor a statistic array sorts by, 1 + its stat_op */
static int sort_aggr(struct parser *p, const YYLTYPE *loc, const char *name)
{
	int op;

	for (op = STAT_COUNT; op <= STAT_VARIANCE; op++)
		if (!strcmp(name, ast_stat_str((enum stat_op)op)))
			return op + 1;
	parse_error(p, loc, "expected statistical operation");
	return 1;
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
	if (col - 1 > 9)
		parse_error_at(p, loc, "too many foreach keys (at most 9)");
	if (arr_sort) {
		n->u.foreach.sort_key = -1;
		n->u.foreach.sort_dir = arr_sort;
		n_sorts++;
	}
	if (n_sorts > 1)
		parse_error_at(p, loc, "multiple sort directives");
	n->u.foreach.keys = head;
	n->u.foreach.array = array;
	n->u.foreach.limit = limit;
	n->u.foreach.body = body;
	return nest(n, array, limit, body);
}

/* ---- probe points -------------------------------------------------------------- */

static struct pp_alt *pp_one(struct parser *p, const YYLTYPE *loc, const char *name,
			     struct ast_node *arg, bool has_arg)
{
	struct pp_alt *a = arena_alloc(&S->arena, sizeof(*a));
	struct pp_comp *c = arena_alloc(&S->arena, sizeof(*c));

	c->loc = *loc;
	c->name = name;
	c->arg = arg;
	c->has_arg = has_arg;
	a->comps = c;
	return a;
}

static struct pp_comp *copy_comps(struct parser *p, const struct pp_comp *c,
				  struct pp_comp *tail)
{
	struct pp_comp *head = NULL, **t = &head;

	for (; c; c = c->next) {
		struct pp_comp *n = arena_alloc(&S->arena, sizeof(*n));

		*n = *c;
		n->next = NULL;
		*t = n;
		t = &n->next;
	}
	*t = tail;
	return head;
}

/* every alternative of a followed by every alternative of b, in product order */
static struct pp_alt *pp_product(struct parser *p, const YYLTYPE *loc, struct pp_alt *a,
				 struct pp_alt *b)
{
	struct pp_alt *out = NULL, **t = &out, *x, *y;
	long n = 0;

	if (!a->next && !b->next) {
		a->comps = copy_comps(p, a->comps, b->comps);
		a->marks |= b->marks;
		return a;
	}
	for (x = a; x; x = x->next) {
		for (y = b; y; y = y->next) {
			struct pp_alt *z = arena_alloc(&S->arena, sizeof(*z));

			if (++n > PARSE_MAX_EXPANSIONS) {
				parse_error_at(p, loc, "brace expansion makes more than %d probe points",
					       PARSE_MAX_EXPANSIONS);
				p->aborted = true;
				return a;
			}
			z->comps = copy_comps(p, x->comps, copy_comps(p, y->comps, NULL));
			z->marks = x->marks | y->marks;
			*t = z;
			t = &z->next;
		}
	}
	return out;
}

static struct pp_alt *pp_union(struct pp_alt *a, struct pp_alt *b)
{
	struct pp_alt *q = a;

	while (q->next)
		q = q->next;
	q->next = b;
	return a;
}

static struct pp_alt *pp_mark(struct pp_alt *a, int marks)
{
	struct pp_alt *q;

	for (q = a; q; q = q->next)
		q->marks |= marks;
	return a;
}

static struct probe_point *pp_points(struct parser *p, const YYLTYPE *loc,
				     struct pp_alt *alts, int marks, struct ast_node *cond)
{
	struct probe_point *head = NULL, **t = &head;

	for (; alts; alts = alts->next) {
		struct probe_point *pp = arena_alloc(&S->arena, sizeof(*pp));

		pp->comps = alts->comps;
		pp->optional = (marks | alts->marks) & 1;
		pp->sufficient = ((marks | alts->marks) & 2) != 0;
		pp->cond = cond;
		pp->loc = *loc;
		*t = pp;
		t = &pp->next;
	}
	return head;
}

static struct probe_point *pp_cat(struct probe_point *a, struct probe_point *b)
{
	struct probe_point *q = a;

	if (!a)
		return b;
	while (q->next)
		q = q->next;
	q->next = b;
	return a;
}

/* ---- top-level items ----------------------------------------------------------- */

/* A probe body may not return: report each `return` in it, as systemtap does in pass 1. */
static void no_return(struct parser *p, const struct ast_node *n)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case AST_RETURN:
			parse_error(p, &n->loc, "found 'return' not in function context");
			break;
		case AST_BLOCK:
			no_return(p, n->u.block.stmts);
			break;
		case AST_IF:
			no_return(p, n->u.cond.then);
			no_return(p, n->u.cond.other);
			break;
		case AST_WHILE:
		case AST_FOR:
			no_return(p, n->u.loop.body);
			break;
		case AST_FOREACH:
			no_return(p, n->u.foreach.body);
			break;
		case AST_TRY:
			no_return(p, n->u.try_.body);
			no_return(p, n->u.try_.handler);
			break;
		case AST_NUMBER: case AST_STRING: case AST_IDENT: case AST_INDEX:
		case AST_CALL: case AST_BINARY: case AST_UNARY: case AST_INCDEC:
		case AST_ASSIGN: case AST_TERNARY: case AST_IN: case AST_STAT:
		case AST_TARGET: case AST_CAST: case AST_ATVAR: case AST_DEFINED:
		case AST_ENTRY: case AST_EMBEDDED_EXPR: case AST_EXPR_STMT: case AST_DELETE:
		case AST_NEXT: case AST_BREAK: case AST_CONTINUE: case AST_NULL:
		case AST_EMBEDDED:
			break;
		}
	}
}

static void add_probe(struct parser *p, const YYLTYPE *loc, struct probe_point *aliases,
		      bool epilogue, struct probe_point *points, struct ast_node *body)
{
	struct probe *pr = arena_alloc(&S->arena, sizeof(*pr));

	p->in_pp = false;
	pr->loc = *loc;
	pr->points = points;
	pr->body = body;
	if (body->kind == AST_EMBEDDED) {
		parse_error_at(p, &body->loc, "embedded code is not allowed as a probe body");
		return;
	}
	no_return(p, body->u.block.stmts);
	if (aliases) {
		pr->is_alias = true;
		pr->is_epilogue = epilogue;
		pr->alias_names = aliases;
	}
	pr->privileged = p->file->is_tapset;
	pr->version_dependent = p->version_seen;
	p->version_seen = false;
	*p->probe_tail = pr;
	p->probe_tail = &pr->next;
}

static void add_function(struct parser *p, const YYLTYPE *loc, bool priv,
			 const char *name, enum ast_type ret, struct param *params,
			 int64_t prio, struct ast_node *body)
{
	struct function *fn = arena_alloc(&S->arena, sizeof(*fn));
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
	fn->priority = prio ? prio : fn->is_tapset ? 1 : 0;
	fn->file = p->file;
	fn->version_dependent = p->version_seen;
	p->version_seen = false;
	*p->fn_tail = fn;
	p->fn_tail = &fn->next;
}

static void add_globals(struct parser *p, bool priv, struct global *list)
{
	struct global *g;

	for (g = list; g; g = g->next) {
		g->is_private = priv;
		g->file = p->file;
		g->version_dependent = p->version_seen;
	}
	p->version_seen = false;
	*p->glob_tail = list;
	while (*p->glob_tail)
		p->glob_tail = &(*p->glob_tail)->next;
}

static void add_embed(struct parser *p, const YYLTYPE *loc, const char *code)
{
	struct ast_node *e = ast_new(S, AST_EMBEDDED, loc);

	e->u.str = code;
	*p->embed_tail = e;
	p->embed_tail = &e->next;
}

static struct global *glob(struct parser *p, const YYLTYPE *loc, const char *name,
			   bool wrap, bool array, int64_t size, struct ast_node *init)
{
	struct global *g = arena_alloc(&S->arena, sizeof(*g));

	g->name = name;
	g->loc = *loc;
	g->wrap = wrap;
	g->is_array = array;
	g->size = size;
	g->init = init;
	if (array && size < 0)
		parse_error_at(p, loc, "array size must be positive");
	return g;
}

static struct param *param(struct parser *p, const YYLTYPE *loc, const char *name,
			   enum ast_type type)
{
	struct param *q = arena_alloc(&S->arena, sizeof(*q));

	q->name = name;
	q->type = type;
	q->loc = *loc;
	return q;
}
