/*
 * Associative arrays: up to STP_MAP_MAX_KEYS long/string keys, a long,
 * string or statistic value.  All storage is allocated by _stp_map_init()
 * (process context) for m->cap entries: a table of fixed-size entries, a
 * free list, hash chains and an insertion-order list, all as 1-based u32
 * indices (0 = none).  Arrays of statistics have one such table per CPU
 * (written by `<<<` under the global's read lock, each CPU only its own)
 * and one more that aggregates them for reading (under the write lock).
 * The caller holds the global's lock; nothing here allocates or sleeps.
 */
#ifndef _STP_MAP_H
#define _STP_MAP_H

struct _stp_entry {
	u32 hnext;			/* hash chain */
	u32 prev, next;			/* insertion order */
	u32 hash;
	u32 live;
	u32 rank;			/* position in insertion order, set by
					 * _stp_map_collect() for sorting */
};

struct _stp_submap {
	char *entries;			/* cap entries of m->entry_size */
	u32 *heads;			/* nheads hash chains */
	u32 nheads;			/* a power of two */
	u32 count;
	u32 free;			/* free list, through hnext */
	u32 first, last;		/* insertion order */
};

static size_t _stp_map_val_size(const struct _stp_map *m)
{
	switch (m->val_type) {
	case STP_T_LONG:
		return sizeof(int64_t);
	case STP_T_STRING:
		return MAXSTRINGLEN;
	default:
		return offsetof(struct _stp_stat, buckets) +
		       sizeof(int64_t) * _stp_hist_nbuckets(m->hist);
	}
}

static inline struct _stp_entry *_stp_sub_entry(const struct _stp_map *m,
						const struct _stp_submap *sub,
						u32 i)
{
	return (struct _stp_entry *)(sub->entries + (size_t)(i - 1) *
				     m->entry_size);
}

static int _stp_submap_init(const struct _stp_map *m, struct _stp_submap *sub)
{
	u32 i;

	sub->nheads = roundup_pow_of_two(max_t(u32, m->cap, 16));
	sub->entries = vzalloc(array_size(m->cap, m->entry_size));
	sub->heads = vzalloc(array_size(sub->nheads, sizeof(u32)));
	if (!sub->entries || !sub->heads)
		return -ENOMEM;
	for (i = 1; i <= m->cap; i++)
		_stp_sub_entry(m, sub, i)->hnext = i < m->cap ? i + 1 : 0;
	sub->free = m->cap ? 1 : 0;
	return 0;
}

int _stp_map_init(struct _stp_map *m)
{
	size_t off = ALIGN(sizeof(struct _stp_entry), 8);
	int i;

	for (i = 0; i < m->n_keys; i++) {
		m->key_off[i] = off;
		off += m->key_types[i] == STP_T_STRING ? MAXSTRINGLEN : 8;
		off = ALIGN(off, 8);
	}
	m->val_off = off;
	m->entry_size = ALIGN(off + _stp_map_val_size(m), 8);
	m->n_sub = m->val_type == STP_T_STAT ? nr_cpu_ids + 1 : 1;
	m->sub = kcalloc(m->n_sub, sizeof(*m->sub), GFP_KERNEL);
	if (!m->sub)
		return -ENOMEM;
	for (i = 0; i < m->n_sub; i++) {
		if (_stp_submap_init(m, &m->sub[i])) {
			_stp_map_free(m);
			return -ENOMEM;
		}
	}
	return 0;
}

void _stp_map_free(struct _stp_map *m)
{
	int i;

	if (!m->sub)
		return;
	for (i = 0; i < m->n_sub; i++) {
		vfree(m->sub[i].entries);
		vfree(m->sub[i].heads);
	}
	kfree(m->sub);
	m->sub = NULL;
}

static u32 _stp_key_hash(const struct _stp_map *m, const union _stp_key *k)
{
	u64 h = 0xcbf29ce484222325ULL;
	int i;

	for (i = 0; i < m->n_keys; i++) {
		if (m->key_types[i] == STP_T_STRING) {
			const unsigned char *p = (const unsigned char *)k[i].s;
			int n;

			for (n = 0; *p && n < MAXSTRINGLEN - 1; p++, n++)
				h = (h ^ *p) * 0x100000001b3ULL;
			h = (h ^ 0xff) * 0x100000001b3ULL;
		} else {
			h = (h ^ (u64)k[i].l) * 0x100000001b3ULL;
			h ^= h >> 29;
		}
	}
	return (u32)(h ^ (h >> 32));
}

static bool _stp_key_equal(const struct _stp_map *m, const struct _stp_entry *e,
			   const union _stp_key *k)
{
	const char *base = (const char *)e;
	int i;

	for (i = 0; i < m->n_keys; i++) {
		if (m->key_types[i] == STP_T_STRING) {
			if (strncmp(base + m->key_off[i], k[i].s,
				    MAXSTRINGLEN - 1))
				return false;
		} else if (*(const int64_t *)(base + m->key_off[i]) != k[i].l) {
			return false;
		}
	}
	return true;
}

static u32 _stp_sub_find(const struct _stp_map *m, const struct _stp_submap *sub,
			 const union _stp_key *k, u32 hash)
{
	u32 i = sub->heads[hash & (sub->nheads - 1)];

	while (i) {
		struct _stp_entry *e = _stp_sub_entry(m, sub, i);

		if (e->hash == hash && _stp_key_equal(m, e, k))
			return i;
		i = e->hnext;
	}
	return 0;
}

static void _stp_sub_unlink(const struct _stp_map *m, struct _stp_submap *sub,
			    u32 i)
{
	struct _stp_entry *e = _stp_sub_entry(m, sub, i);
	u32 *pp = &sub->heads[e->hash & (sub->nheads - 1)];

	while (*pp != i)
		pp = &_stp_sub_entry(m, sub, *pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		_stp_sub_entry(m, sub, e->prev)->next = e->next;
	else
		sub->first = e->next;
	if (e->next)
		_stp_sub_entry(m, sub, e->next)->prev = e->prev;
	else
		sub->last = e->prev;
	e->live = 0;
	e->hnext = sub->free;
	sub->free = i;
	sub->count--;
}

/* Find or add the entry for k; 0 when the array is full. */
static u32 _stp_sub_get(struct _stp_map *m, struct _stp_submap *sub,
			const union _stp_key *k, bool *added)
{
	u32 hash = _stp_key_hash(m, k), i = _stp_sub_find(m, sub, k, hash);
	struct _stp_entry *e;
	char *base;
	int j;

	*added = false;
	if (i)
		return i;
	if (!sub->free) {
		if (!m->wrap || !sub->first)
			return 0;
		_stp_sub_unlink(m, sub, sub->first);
	}
	i = sub->free;
	e = _stp_sub_entry(m, sub, i);
	sub->free = e->hnext;
	base = (char *)e;
	memset(base, 0, m->entry_size);
	e->hash = hash;
	e->live = 1;
	for (j = 0; j < m->n_keys; j++) {
		if (m->key_types[j] == STP_T_STRING)
			strscpy(base + m->key_off[j], k[j].s, MAXSTRINGLEN);
		else
			*(int64_t *)(base + m->key_off[j]) = k[j].l;
	}
	e->hnext = sub->heads[hash & (sub->nheads - 1)];
	sub->heads[hash & (sub->nheads - 1)] = i;
	e->prev = sub->last;
	e->next = 0;
	if (sub->last)
		_stp_sub_entry(m, sub, sub->last)->next = i;
	else
		sub->first = i;
	sub->last = i;
	sub->count++;
	*added = true;
	return i;
}

static void *_stp_sub_val(const struct _stp_map *m, const struct _stp_submap *sub,
			  u32 i)
{
	return (char *)_stp_sub_entry(m, sub, i) + m->val_off;
}

static u32 _stp_map_lookup(struct _stp_map *m, const union _stp_key *k)
{
	return _stp_sub_find(m, &m->sub[0], k, _stp_key_hash(m, k));
}

int64_t _stp_map_get_l(struct _stp_map *m, const union _stp_key *k)
{
	u32 i = _stp_map_lookup(m, k);

	return i ? *(int64_t *)_stp_sub_val(m, &m->sub[0], i) : 0;
}

const char *_stp_map_get_s(struct _stp_map *m, const union _stp_key *k)
{
	u32 i = _stp_map_lookup(m, k);

	return i ? (const char *)_stp_sub_val(m, &m->sub[0], i) : "";
}

int _stp_map_set_l(struct _stp_map *m, const union _stp_key *k, int64_t v)
{
	bool added;
	u32 i = _stp_sub_get(m, &m->sub[0], k, &added);

	if (!i)
		return -E2BIG;
	*(int64_t *)_stp_sub_val(m, &m->sub[0], i) = v;
	return 0;
}

int _stp_map_set_s(struct _stp_map *m, const union _stp_key *k, const char *v)
{
	bool added;
	u32 i = _stp_sub_get(m, &m->sub[0], k, &added);

	if (!i)
		return -E2BIG;
	_stp_scpy(_stp_sub_val(m, &m->sub[0], i), v);
	return 0;
}

int _stp_map_add_stat(struct _stp_map *m, const union _stp_key *k, int64_t v)
{
	struct _stp_submap *sub = &m->sub[smp_processor_id()];
	bool added;
	u32 i = _stp_sub_get(m, sub, k, &added);

	if (!i)
		return -E2BIG;
	_stp_stat_add(m->hist, _stp_sub_val(m, sub, i), v);
	return 0;
}

bool _stp_map_get_stat(struct _stp_map *m, const union _stp_key *k,
		       struct _stp_stat *out)
{
	u32 hash = _stp_key_hash(m, k);
	bool found = false;
	int cpu;

	_stp_stat_zero(m->hist, out);
	for (cpu = 0; cpu < m->n_sub - 1; cpu++) {
		u32 i = _stp_sub_find(m, &m->sub[cpu], k, hash);

		if (i) {
			_stp_stat_merge(m->hist, out,
					_stp_sub_val(m, &m->sub[cpu], i));
			found = true;
		}
	}
	return found;
}

bool _stp_map_exists(struct _stp_map *m, const union _stp_key *k)
{
	u32 hash = _stp_key_hash(m, k);
	int n = m->val_type == STP_T_STAT ? m->n_sub - 1 : 1, s;

	for (s = 0; s < n; s++)
		if (_stp_sub_find(m, &m->sub[s], k, hash))
			return true;
	return false;
}

void _stp_map_delete(struct _stp_map *m, const union _stp_key *k)
{
	u32 hash = _stp_key_hash(m, k);
	int s;

	for (s = 0; s < m->n_sub; s++) {
		u32 i = _stp_sub_find(m, &m->sub[s], k, hash);

		if (i)
			_stp_sub_unlink(m, &m->sub[s], i);
	}
}

/* does e's key equal k in every column whose bit is not set in wild */
static bool _stp_key_match(const struct _stp_map *m, const struct _stp_entry *e,
			   const union _stp_key *k, u32 wild)
{
	const char *base = (const char *)e;
	int i;

	for (i = 0; i < m->n_keys; i++) {
		if (wild & (1u << i))
			continue;
		if (m->key_types[i] == STP_T_STRING) {
			if (strncmp(base + m->key_off[i], k[i].s, MAXSTRINGLEN - 1))
				return false;
		} else if (*(const int64_t *)(base + m->key_off[i]) != k[i].l) {
			return false;
		}
	}
	return true;
}

bool _stp_map_exists_slice(struct _stp_map *m, const union _stp_key *k, u32 wild)
{
	int n = m->val_type == STP_T_STAT ? m->n_sub - 1 : 1, s;
	u32 i;

	for (s = 0; s < n; s++)
		for (i = m->sub[s].first; i; i = _stp_sub_entry(m, &m->sub[s], i)->next)
			if (_stp_key_match(m, _stp_sub_entry(m, &m->sub[s], i), k, wild))
				return true;
	return false;
}

void _stp_map_delete_slice(struct _stp_map *m, const union _stp_key *k, u32 wild)
{
	int s;

	for (s = 0; s < m->n_sub; s++) {
		u32 i = m->sub[s].first;

		while (i) {
			struct _stp_entry *e = _stp_sub_entry(m, &m->sub[s], i);
			u32 next = e->next;

			if (_stp_key_match(m, e, k, wild))
				_stp_sub_unlink(m, &m->sub[s], i);
			i = next;
		}
	}
}

bool _stp_entry_match(struct _stp_map *m, void *e, const union _stp_key *k, u32 wild)
{
	return _stp_key_match(m, e, k, wild);
}

void _stp_map_clear(struct _stp_map *m)
{
	int s;

	for (s = 0; s < m->n_sub; s++)
		while (m->sub[s].first)
			_stp_sub_unlink(m, &m->sub[s], m->sub[s].first);
}

/* Arrays of statistics: rebuild the aggregate table from every CPU's. */
static struct _stp_submap *_stp_map_aggregate(struct _stp_map *m)
{
	struct _stp_submap *agg;
	int cpu;

	if (m->val_type != STP_T_STAT)
		return &m->sub[0];
	agg = &m->sub[m->n_sub - 1];
	while (agg->first)
		_stp_sub_unlink(m, agg, agg->first);
	for (cpu = 0; cpu < m->n_sub - 1; cpu++) {
		struct _stp_submap *sub = &m->sub[cpu];
		u32 i;

		for (i = sub->first; i; i = _stp_sub_entry(m, sub, i)->next) {
			char *base = (char *)_stp_sub_entry(m, sub, i);
			union _stp_key k[STP_MAP_MAX_KEYS];
			bool added;
			u32 a;
			int j;

			for (j = 0; j < m->n_keys; j++) {
				if (m->key_types[j] == STP_T_STRING)
					k[j].s = base + m->key_off[j];
				else
					k[j].l = *(int64_t *)(base + m->key_off[j]);
			}
			a = _stp_sub_get(m, agg, k, &added);
			if (!a)
				continue;	/* more keys than one table holds */
			_stp_stat_merge(m->hist, _stp_sub_val(m, agg, a),
					_stp_sub_val(m, sub, i));
		}
	}
	return agg;
}

u32 _stp_map_size(struct _stp_map *m)
{
	return _stp_map_aggregate(m)->count;
}

struct _stp_sort {
	struct _stp_map *m;
	struct _stp_submap *sub;
	int col, dir;
};

static int _stp_sort_cmp(const struct _stp_sort *s, u32 a, u32 b)
{
	struct _stp_map *m = s->m;
	char *ea = (char *)_stp_sub_entry(m, s->sub, a);
	char *eb = (char *)_stp_sub_entry(m, s->sub, b);
	int type, r;
	size_t off;

	if (s->col > 0) {
		type = m->key_types[s->col - 1];
		off = m->key_off[s->col - 1];
	} else {
		type = m->val_type;
		off = m->val_off;
	}
	if (type == STP_T_STRING) {
		r = strcmp(ea + off, eb + off);
	} else if (type == STP_T_STAT) {
		/* a statistic sorts by the extractor -1 - col: @count, @sum, ... */
		int64_t va = _stp_stat_sort_value((struct _stp_stat *)(ea + off), -1 - s->col);
		int64_t vb = _stp_stat_sort_value((struct _stp_stat *)(eb + off), -1 - s->col);

		r = va < vb ? -1 : va > vb;
	} else {
		int64_t va = *(int64_t *)(ea + off), vb = *(int64_t *)(eb + off);

		r = va < vb ? -1 : va > vb;
	}
	if (r == 0) {	/* ties keep insertion order (not slot order: slots are reused) */
		u32 ra = ((struct _stp_entry *)ea)->rank, rb = ((struct _stp_entry *)eb)->rank;

		r = ra < rb ? -1 : ra > rb;
	}
	else
		r *= s->dir;
	return r;
}

static void _stp_sift(const struct _stp_sort *s, u32 *v, u32 root, u32 n)
{
	for (;;) {
		u32 child = 2 * root + 1, t;

		if (child >= n)
			return;
		if (child + 1 < n && _stp_sort_cmp(s, v[child], v[child + 1]) < 0)
			child++;
		if (_stp_sort_cmp(s, v[root], v[child]) >= 0)
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

u32 _stp_map_collect(struct _stp_map *m, u32 *idx, int col, int dir,
		     int64_t limit)
{
	struct _stp_submap *sub = _stp_map_aggregate(m);
	struct _stp_sort s = { .m = m, .sub = sub, .col = col, .dir = dir };
	u32 n = 0, i;

	for (i = sub->first; i; i = _stp_sub_entry(m, sub, i)->next) {
		_stp_sub_entry(m, sub, i)->rank = n;
		idx[n++] = i;
	}
	if (col != 0 && n > 1) {
		/* heapsort: no allocation, no recursion */
		for (i = n / 2; i-- > 0;)
			_stp_sift(&s, idx, i, n);
		for (i = n - 1; i > 0; i--) {
			u32 t = idx[0];

			idx[0] = idx[i];
			idx[i] = t;
			_stp_sift(&s, idx, 0, i);
		}
	}
	if (limit >= 0 && limit < n)
		n = (u32)limit;
	return n;
}

void *_stp_map_entry(struct _stp_map *m, u32 i)
{
	struct _stp_submap *sub = &m->sub[m->n_sub - 1];
	struct _stp_entry *e = _stp_sub_entry(m, sub, i);

	return e->live ? e : NULL;
}

int64_t _stp_entry_key_l(struct _stp_map *m, void *e, int col)
{
	return *(int64_t *)((char *)e + m->key_off[col]);
}

const char *_stp_entry_key_s(struct _stp_map *m, void *e, int col)
{
	return (const char *)e + m->key_off[col];
}

int64_t _stp_entry_val_l(struct _stp_map *m, void *e)
{
	return *(int64_t *)((char *)e + m->val_off);
}

const char *_stp_entry_val_s(struct _stp_map *m, void *e)
{
	return (const char *)e + m->val_off;
}

void _stp_entry_stat(struct _stp_map *m, void *e, struct _stp_stat *out)
{
	_stp_stat_zero(m->hist, out);
	_stp_stat_merge(m->hist, out, (struct _stp_stat *)((char *)e + m->val_off));
}

static void _stp_stat_print_line(const struct _stp_stat *st)
{
	if (!st->count) {
		_stp_printf(" @count=0\n");
		return;
	}
	_stp_printf(" @count=%lld @min=%lld @max=%lld @sum=%lld @avg=%lld\n",
		    (long long)st->count, (long long)st->min,
		    (long long)st->max, (long long)st->sum,
		    (long long)_stp_sdiv(st->sum, st->count));
}

/* End of session: a global array written but never read, one line per
 * element, "a[1,"k"]=v", in insertion order. */
void _stp_map_print(struct _stp_map *m)
{
	struct _stp_submap *sub = _stp_map_aggregate(m);
	u32 i;

	for (i = sub->first; i; i = _stp_sub_entry(m, sub, i)->next) {
		char *e = (char *)_stp_sub_entry(m, sub, i);
		int j;

		_stp_printf("%s[", m->name);
		for (j = 0; j < m->n_keys; j++) {
			if (m->key_types[j] == STP_T_STRING)
				_stp_printf("%s\"%s\"", j ? "," : "",
					    e + m->key_off[j]);
			else
				_stp_printf("%s%lld", j ? "," : "",
					    *(long long *)(e + m->key_off[j]));
		}
		_stp_print("]");
		if (m->val_type == STP_T_STRING)
			_stp_printf("=\"%s\"\n", e + m->val_off);
		else if (m->val_type == STP_T_LONG)
			_stp_printf("=%lld\n", *(long long *)(e + m->val_off));
		else
			_stp_stat_print_line((struct _stp_stat *)(e + m->val_off));
	}
}

void _stp_statvar_print(const char *name, struct _stp_statvar *sv)
{
	struct _stp_context *c = _stp_ctx_this();

	_stp_statvar_get(sv, &c->stat);
	_stp_print(name);
	_stp_stat_print_line(&c->stat);
}

#endif /* _STP_MAP_H */
