/* stapbpf: the ring buffer's records (formatted output, errors, exit), statistics
 * aggregated over the CPUs and printed as histograms the way the module runtime prints
 * them (runtime/stat.h), and foreach: an array's elements sorted here, the loop body's
 * program run once per element. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/stapbpf.h"
#include "meta.h"

#define HIST_WIDTH 50
#define HIST_ELISION 2
#define LOG_BUCKETS 128
#define LOG_BUCKET0 64

/* a statistic's aggregate over the CPUs */
struct agg {
	int64_t count, sum, min, max;
	int64_t b[LOG_BUCKETS + 8];
	int nb;
};

static int round8(int n)
{
	return (n + 7) & ~7;
}

/* sMAP's aggregate for key (false: no such element) */
static bool aggregate(const struct smap *m, const void *key, struct agg *a)
{
	int vs = round8(m->val_size), cpu, i;
	unsigned char *buf = xzalloc((size_t)vs * (size_t)run.ncpu);
	bool found = bpf_map_lookup_elem(m->fd, key, buf) == 0;

	memset(a, 0, sizeof(*a));
	a->nb = (m->val_size - 32) / 8;
	if (a->nb > LOG_BUCKETS + 8)
		a->nb = LOG_BUCKETS + 8;
	for (cpu = 0; found && cpu < run.ncpu; cpu++) {
		const int64_t *p = (const int64_t *)(buf + (size_t)vs * (size_t)cpu);

		if (!p[0])
			continue;
		if (!a->count || p[2] < a->min)
			a->min = p[2];
		if (!a->count || p[3] > a->max)
			a->max = p[3];
		a->count += p[0];
		a->sum += p[1];
		for (i = 0; i < a->nb; i++)
			a->b[i] += p[4 + i];
	}
	free(buf);
	return found;
}

static int digits(int64_t v)
{
	char b[32];

	return snprintf(b, sizeof(b), "%lld", (long long)v);
}

static int64_t log_val(int b)
{
	if (b == LOG_BUCKET0)
		return 0;
	if (b > LOG_BUCKET0)
		return (int64_t)(1ULL << (b - LOG_BUCKET0 - 1));
	return -(int64_t)(1ULL << (LOG_BUCKET0 - 1 - b < 62 ? LOG_BUCKET0 - 1 - b : 62));
}

static int64_t lin_val(const struct smap *m, int k)
{
	return (int64_t)((uint64_t)m->start + (uint64_t)k * (uint64_t)m->interval);
}

static int64_t row_val(const struct smap *m, int i, int n)
{
	if (m->hist == HIST_LOG)
		return log_val(i);
	if (i == 0)
		return m->start;
	if (i == n - 1)
		return lin_val(m, i - 2);
	return lin_val(m, i - 1);
}

static bool elided(const struct agg *a, int i, int lo, int hi)
{
	int k, from = i - HIST_ELISION > lo ? i - HIST_ELISION : lo;
	int to = i + HIST_ELISION < hi ? i + HIST_ELISION : hi;

	for (k = from; k <= to; k++)
		if (a->b[k])
			return false;
	return true;
}

static void print_hist(FILE *f, const struct smap *m, const struct agg *a)
{
	int n = m->hist == HIST_LOG ? LOG_BUCKETS : a->nb, lo = -1, hi = 0, i, j;
	int vspace, cspace, under, over;
	int64_t vmax = 0, scale = 1;
	bool eliding = false;

	for (i = 0; i < n; i++) {
		if (a->b[i] > 0) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
		if (a->b[i] > vmax)
			vmax = a->b[i];
	}
	if (lo < 0) {
		lo = m->hist == HIST_LOG ? LOG_BUCKET0 : 1;
		hi = lo;
	}
	for (i = 0; i < 2; i++) {
		if (m->hist == HIST_LOG) {
			if (lo != LOG_BUCKET0 && lo > 0)
				lo--;
		} else if (lo > 0) {
			lo--;
		}
		if (hi < n - 1)
			hi++;
	}
	if (m->hist == HIST_LINEAR) {
		if (lo == 0 && a->b[0] == 0)
			lo++;
		if (hi == n - 1 && a->b[hi] == 0)
			hi--;
		under = lo == 0;
		over = hi == n - 1;
		vspace = digits(m->start) + under;
		if (digits(lin_val(m, hi)) + over > vspace)
			vspace = digits(lin_val(m, hi)) + over;
	} else {
		vspace = digits(log_val(hi));
		if (digits(log_val(lo)) > vspace)
			vspace = digits(log_val(lo));
	}
	if (vspace < 5)
		vspace = 5;
	if (vmax > HIST_WIDTH)
		scale = (vmax + HIST_WIDTH - 1) / HIST_WIDTH;
	cspace = digits(vmax);
	fprintf(f, "%*s |", vspace, "value");
	for (j = 0; j < HIST_WIDTH; j++)
		fputc('-', f);
	fprintf(f, " count\n");
	for (i = lo; i <= hi; i++) {
		const char *prefix = "";
		int64_t v = row_val(m, i, n), bar;

		if (elided(a, i, lo, hi)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			fprintf(f, "%*s ~\n", vspace, "");
			eliding = false;
		}
		if (m->hist == HIST_LINEAR && i == 0)
			prefix = "<";
		else if (m->hist == HIST_LINEAR && i == n - 1)
			prefix = ">";
		fprintf(f, "%*s%lld |", vspace - digits(v), prefix, (long long)v);
		bar = a->b[i] / scale;
		for (j = 0; j < bar; j++)
			fputc('@', f);
		fprintf(f, "%*lld\n", (int)(HIST_WIDTH - bar + 1 + cspace), (long long)a->b[i]);
	}
	fputc('\n', f);
}

/* %#x of 0: the kernel's vsnprintf, which the module runtime uses, writes "0x0" where
 * C's printf writes "0" */
static bool hex_zero(FILE *out, const char *spec, const int64_t star[2])
{
	const char *p = spec + 1;
	bool left = false, zero = false;
	int width = 0, prec = -1, k = 0, len;
	char digits[64];

	for (; strchr("-+ #0", *p); p++) {
		left |= *p == '-';
		zero |= *p == '0';
	}
	if (*p == '*') {
		width = (int)star[k++];
		p++;
	} else {
		width = (int)strtol(p, (char **)&p, 10);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			prec = (int)star[k++];
			p++;
		} else {
			prec = (int)strtol(p, (char **)&p, 10);
		}
	}
	if (width < 0) {
		left = true;
		width = -width;
	}
	if (prec > 60)
		prec = 60;
	len = snprintf(digits, sizeof(digits), "%0*d", prec > 1 ? prec : 1, 0);
	len += 2;
	if (left)
		fprintf(out, "0%c%s%*s", p[strlen(p) - 1], digits,
			width > len ? width - len : 0, "");
	else if (zero && prec < 0)
		fprintf(out, "0%c%0*d", p[strlen(p) - 1], width > len ? width - 2 : len - 2, 0);
	else
		fprintf(out, "%*s0%c%s", width > len ? width - len : 0, "", p[strlen(p) - 1],
			digits);
	return true;
}

/* as the module runtime's print buffer: one print call writes at most PRINT_MAX bytes,
 * so that a huge width or precision ("%*d" of 2000000000) is bounded */
#define PRINT_MAX 8191

/* spec with every number above PRINT_MAX cut to it, in out */
static const char *clamp_spec(const char *spec, char *out, size_t size)
{
	size_t n = 0;

	while (*spec && n + 8 < size) {
		if (*spec >= '1' && *spec <= '9') {
			char *e;
			long long v = strtoll(spec, &e, 10);

			n += (size_t)snprintf(out + n, size - n, "%lld", v > PRINT_MAX ? PRINT_MAX : v);
			spec = e;
		} else {
			out[n++] = *spec++;
		}
	}
	out[n] = '\0';
	return out;
}

static void print_items(const struct format *fmt, const unsigned char *p,
			const unsigned char *end, FILE *out);

/* one print record: the format's items with the record's arguments, at most
 * PRINT_MAX bytes unless it prints a histogram */
static void print_rec(int id, const unsigned char *p, const unsigned char *end)
{
	static char buf[PRINT_MAX + 2];
	static FILE *mem;
	const struct format *fmt;
	long len;
	int i;

	if (id < 0 || id >= run.n_formats)
		die("output record with unknown format %d", id);
	fmt = &run.formats[id];
	for (i = 0; i < fmt->n_items; i++)
		if (fmt->items[i].type == 'H') {
			print_items(fmt, p, end, run.out);
			return;
		}
	if (!mem && !(mem = fmemopen(buf, sizeof(buf), "w")))
		die("cannot open a memory stream: %s", strerror(errno));
	rewind(mem);
	print_items(fmt, p, end, mem);
	fflush(mem);
	len = ftell(mem);
	if (len > PRINT_MAX)
		len = PRINT_MAX;
	if (len > 0)
		fwrite(buf, 1, (size_t)len, run.out);
}

static void print_items(const struct format *fmt, const unsigned char *p,
			const unsigned char *end, FILE *out)
{
	int i, k;

	for (i = 0; i < fmt->n_items; i++) {
		const struct item *it = &fmt->items[i];
		int64_t star[2] = { 0, 0 }, v = 0;
		const char *str = "";

		if (it->type == 'T') {
			fputs(it->text, out);
			continue;
		}
		if (it->type == 'H') {
			const struct smap *m = &run.maps[it->map];
			unsigned char key[1024] = { 0 };
			struct agg a;
			int off = 0;

			for (k = 0; k < m->n_keys; k++) {
				int sz = m->kinds[k] == 's' ? run.msl : 8;

				if (p + sz > end || off + sz > (int)sizeof(key))
					die("short output record");
				memcpy(key + off, p, (size_t)sz);
				off += sz;
				p += sz;
			}
			aggregate(m, key, &a);
			print_hist(out, m, &a);
			continue;
		}
		for (k = 0; k < it->nargs; k++) {
			bool s = it->kinds[k] == 's';
			int sz = s ? run.msl : 8;

			if (p + sz > end)
				die("short output record");
			if (s)
				str = (const char *)p;
			else if (k < it->nargs - 1)
				memcpy(&star[k], p, 8);
			else
				memcpy(&v, p, 8);
			p += sz;
		}
		{
			char spec[64];
			const char *text = clamp_spec(it->text, spec, sizeof(spec));
			char last = it->text[strlen(it->text) - 1];
			int nstar = it->nargs - 1;

			for (k = 0; k < 2; k++)
				star[k] = star[k] > PRINT_MAX ? PRINT_MAX :
					  star[k] < -PRINT_MAX ? -PRINT_MAX : star[k];

			if (v == 0 && (last == 'x' || last == 'X') && strchr(it->text, '#') &&
			    hex_zero(out, text, star))
				continue;
			/* the format comes from our own translator: a checked, single spec */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			if (last == 's') {
				if (nstar == 0)
					fprintf(out, text, str);
				else if (nstar == 1)
					fprintf(out, text, (int)star[0], str);
				else
					fprintf(out, text, (int)star[0], (int)star[1], str);
			} else if (last == 'c') {
				if (nstar == 0)
					fprintf(out, text, (int)v);
				else if (nstar == 1)
					fprintf(out, text, (int)star[0], (int)v);
				else
					fprintf(out, text, (int)star[0], (int)star[1], (int)v);
			} else {
				if (nstar == 0)
					fprintf(out, text, (long long)v);
				else if (nstar == 1)
					fprintf(out, text, (int)star[0], (long long)v);
				else
					fprintf(out, text, (int)star[0], (int)star[1], (long long)v);
			}
#pragma GCC diagnostic pop
		}
	}
}

void out_record(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t type, id;

	if (len < 8)
		return;
	memcpy(&type, p, 4);
	memcpy(&id, p + 4, 4);
	switch (type) {
	case REC_PRINT:
		print_rec((int)id, p + 8, p + len);
		break;
	case REC_ERROR: {
		int64_t where = 0;
		const char *msg = "", *near = "";
		char text[1025];

		if (len >= 16)
			memcpy(&where, p + 8, 8);
		if (id == 1 && len >= 16 + (size_t)run.msl) {
			snprintf(text, sizeof(text), "%.*s", run.msl, (const char *)p + 16);
			msg = text;
		} else if ((int)id < run.n_where && run.msgs && run.msgs[id]) {
			msg = run.msgs[id];
		}
		if (where >= 0 && where < run.n_where && run.where[where])
			near = run.where[where];
		if (run.suppress_errors)
			break;
		fflush(run.out);
		fprintf(stderr, "ERROR: %s near %s\n", msg, near);
		run.errors++;
		break;
	}
	case REC_EXIT:
		run.exiting = true;
		break;
	default:
		break;
	}
}

/* --- foreach --------------------------------------------------------------- */

struct elem {
	unsigned char *key;
	int64_t num;			/* value or the sorting aggregate */
	char *str;			/* string value */
};

static const struct part *sorting;
static const struct smap *sort_map;

static int cmp_col(const struct elem *a, const struct elem *b, int col)
{
	int off = 0, k;

	for (k = 0; k < col; k++)
		off += sort_map->kinds[k] == 's' ? run.msl : 8;
	if (sort_map->kinds[col] == 's')
		return strncmp((const char *)a->key + off, (const char *)b->key + off,
			       (size_t)run.msl);
	{
		int64_t x, y;

		memcpy(&x, a->key + off, 8);
		memcpy(&y, b->key + off, 8);
		return x < y ? -1 : x > y;
	}
}

static int cmp_keys(const struct elem *a, const struct elem *b)
{
	int k, c;

	for (k = 0; k < sort_map->n_keys; k++)
		if ((c = cmp_col(a, b, k)))
			return c;
	return 0;
}

static int cmp_elem(const void *pa, const void *pb)
{
	const struct elem *a = pa, *b = pb;
	int c = 0;

	if (sorting->sort_key == -1) {
		if (sort_map->kind == 's')
			c = strncmp(a->str, b->str, (size_t)run.msl);
		else
			c = a->num < b->num ? -1 : a->num > b->num;
	} else if (sorting->sort_key > 0) {
		c = cmp_col(a, b, sorting->sort_key - 1);
	}
	if (sorting->sort_dir < 0)
		c = -c;
	return c ? c : cmp_keys(a, b);
}

/* the value sorted by: an array's value, or a statistic's aggregate (@count default) */
static int64_t stat_sort_value(const struct agg *a, int aggr)
{
	switch (aggr ? aggr - 1 : 0) {
	case 1:
		return a->sum;
	case 2:
		return a->count ? a->min : 0;
	case 3:
		return a->count ? a->max : 0;
	case 4:
		return a->count ? a->sum / a->count : 0;
	default:
		return a->count;
	}
}

int run_foreach(const struct part *pt)
{
	const struct smap *m = &run.maps[pt->map];
	unsigned char *key = xzalloc((size_t)m->key_size), *next = xzalloc((size_t)m->key_size);
	unsigned char *val = xzalloc((size_t)run.msl + 8), *lk;
	struct elem *v = NULL;
	size_t n = 0, cap = 0, i;
	bool first = true;
	int rc = 0;
	uint32_t z = 0;

	while (bpf_map_get_next_key(m->fd, first ? NULL : key, next) == 0) {
		struct elem *e;

		first = false;
		memcpy(key, next, (size_t)m->key_size);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		e = &v[n];
		memset(e, 0, sizeof(*e));
		e->key = xzalloc((size_t)m->key_size);
		memcpy(e->key, key, (size_t)m->key_size);
		if (m->kind == 'S') {
			struct agg a;

			if (!aggregate(m, key, &a))
				continue;
			e->num = stat_sort_value(&a, pt->sort_aggr);
		} else {
			if (bpf_map_lookup_elem(m->fd, key, val))
				continue;
			if (m->kind == 's') {
				e->str = xzalloc((size_t)run.msl);
				memcpy(e->str, val, (size_t)run.msl);
			} else {
				memcpy(&e->num, val, 8);
			}
		}
		n++;
	}
	sorting = pt;
	sort_map = m;
	qsort(v, n, sizeof(*v), cmp_elem);
	lk = xzalloc((size_t)m->key_size + (size_t)run.msl + 8 + 10 * (size_t)run.msl);
	for (i = 0; i < n && (pt->limit < 0 || (int64_t)i < pt->limit); i++) {
		memset(lk, 0, (size_t)m->key_size + (size_t)run.msl + 8);
		memcpy(lk, v[i].key, (size_t)m->key_size);
		if (v[i].str)
			memcpy(lk + m->key_size, v[i].str, (size_t)run.msl);
		else
			memcpy(lk + m->key_size, &v[i].num, 8);
		if (bpf_map_update_elem(run.loop_fd, &z, lk, BPF_ANY))
			die("cannot write the foreach element: %s", strerror(errno));
		rc = run_prog(pt->prog);
		if (rc == 1) {
			rc = 0;
			break;
		}
		if (rc == 2)
			break;
	}
	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].str);
	}
	free(v);
	free(lk);
	free(key);
	free(next);
	free(val);
	return rc;
}

/* --- the end: globals written and never read ------------------------------------ */

static void stat_line(FILE *f, const struct agg *a)
{
	if (!a->count) {
		fputs(" @count=0\n", f);
		return;
	}
	fprintf(f, " @count=%lld @min=%lld @max=%lld @sum=%lld @avg=%lld\n",
		(long long)a->count, (long long)a->min, (long long)a->max, (long long)a->sum,
		(long long)(a->sum / a->count));
}

static void print_map(const struct smap *m)
{
	struct part all = { .sort_key = 0, .sort_dir = 1, .limit = -1 };
	unsigned char *key = xzalloc((size_t)m->key_size), *next = xzalloc((size_t)m->key_size);
	unsigned char *val = xzalloc((size_t)run.msl + 8);
	struct elem *v = NULL;
	size_t n = 0, cap = 0, i;
	bool first = true;

	while (bpf_map_get_next_key(m->fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, (size_t)m->key_size);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].key = xzalloc((size_t)m->key_size);
		memcpy(v[n].key, key, (size_t)m->key_size);
		n++;
	}
	/* a BPF hash map keeps no insertion order: by key */
	sorting = &all;
	sort_map = m;
	qsort(v, n, sizeof(*v), cmp_elem);
	for (i = 0; i < n; i++) {
		int k, off = 0;

		fprintf(run.out, "%s[", m->name);
		for (k = 0; k < m->n_keys; k++) {
			if (m->kinds[k] == 's') {
				fprintf(run.out, "%s\"%.*s\"", k ? "," : "", run.msl,
					(const char *)v[i].key + off);
				off += run.msl;
			} else {
				int64_t x;

				memcpy(&x, v[i].key + off, 8);
				fprintf(run.out, "%s%lld", k ? "," : "", (long long)x);
				off += 8;
			}
		}
		fputc(']', run.out);
		if (m->kind == 'S') {
			struct agg a;

			aggregate(m, v[i].key, &a);
			stat_line(run.out, &a);
		} else if (bpf_map_lookup_elem(m->fd, v[i].key, val) == 0) {
			if (m->kind == 's') {
				fprintf(run.out, "=\"%.*s\"\n", run.msl, (const char *)val);
			} else {
				int64_t x;

				memcpy(&x, val, 8);
				fprintf(run.out, "=%lld\n", (long long)x);
			}
		} else {
			fputc('\n', run.out);
		}
		free(v[i].key);
	}
	free(v);
	free(key);
	free(next);
	free(val);
}

void print_autoprint(void)
{
	uint32_t z = 0;
	int i, j;

	for (i = 0; i < run.n_autoprint; i++) {
		int idx = run.autoprint[i];
		const struct smap *m = &run.maps[idx];

		if (idx >= 0 && idx < 1024 && m->used) {
			if (m->kind == 'S' && !m->n_keys) {
				struct agg a;
				int64_t zero = 0;

				aggregate(m, &zero, &a);
				fputs(m->name, run.out);
				stat_line(run.out, &a);
			} else {
				print_map(m);
			}
			continue;
		}
		if (bpf_map_lookup_elem(run.g_fd, &z, run.gbuf))
			die("cannot read the globals");
		for (j = 0; j < run.n_globals; j++) {
			const struct sglobal *g = &run.globals[j];

			if (g->idx != idx)
				continue;
			if (g->kind == 's') {
				fprintf(run.out, "%s=\"%.*s\"\n", g->name, run.msl,
					(const char *)run.gbuf + g->offset);
			} else {
				int64_t x;

				memcpy(&x, run.gbuf + g->offset, 8);
				fprintf(run.out, "%s=%lld\n", g->name, (long long)x);
			}
		}
	}
	fflush(run.out);
}
