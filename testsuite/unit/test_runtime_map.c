/* Unit tests of the runtime's associative arrays (runtime/map.h), compiled in userspace
 * against testsuite/unit/kshim: set/get/exists/delete/clear with long and string keys in
 * 1..9 columns, the capacity limit and its error, wrap eviction, statistics values,
 * foreach ordering, MAXSTRINGLEN truncation, then random operations checked against a
 * simple reference model. ASan catches a write outside an entry. Prints TAP. */
#include "stap.h"
#include "linux/slab.h"

static char out_buf[1 << 16];
static size_t out_len;
static char err_buf[256];
static struct _stp_context ctx;

void _stp_print_bytes(const char *s, size_t len)
{
	len = min(len, sizeof(out_buf) - 1 - out_len);
	memcpy(out_buf + out_len, s, len);
	out_len += len;
	out_buf[out_len] = '\0';
}

void _stp_print(const char *s)
{
	_stp_print_bytes(s, strlen(s));
}

static __printf(1, 0) void _stp_vprintf(const char *fmt, va_list ap)
{
	char tmp[1024];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);

	if (n > 0)
		_stp_print_bytes(tmp, min((size_t)n, sizeof(tmp) - 1));
}

__printf(1, 2) void _stp_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_stp_vprintf(fmt, ap);
	va_end(ap);
}

void _stp_error(struct _stp_context *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	c->last_error = err_buf;
}

static inline struct _stp_context *_stp_ctx_this(void)
{
	return &ctx;
}

#include "stat.h"
#include "map.h"
#include "format.h"

#include "tap.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* what the translator emits for a global array: the shape, then _stp_map_init() */
static struct _stp_map *new_map(int n_keys, const char *types, int val_type, u32 cap,
				bool wrap, const struct _stp_hist *h)
{
	struct _stp_map *m = calloc(1, sizeof(*m));
	int i;

	m->name = "a";
	m->n_keys = n_keys;
	for (i = 0; i < n_keys; i++)
		m->key_types[i] = types[i] == 's' ? STP_T_STRING : STP_T_LONG;
	m->val_type = val_type;
	m->cap = cap;
	m->wrap = wrap;
	m->hist = h;
	if (_stp_map_init(m)) {
		printf("Bail out! _stp_map_init failed\n");
		exit(1);
	}
	return m;
}

static void free_map(struct _stp_map *m)
{
	_stp_map_free(m);
	free(m);
}

static union _stp_key *lkey(int64_t l)
{
	static union _stp_key k[1];

	k[0].l = l;
	return k;
}

static union _stp_key *skey(const char *s)
{
	static union _stp_key k[1];

	k[0].s = s;
	return k;
}

/* foreach (k in a) order, as the keys of a one-column long array */
static int keys_are(struct _stp_map *m, int col, int dir, int64_t limit, const int64_t *want,
		    u32 n_want)
{
	u32 idx[256], n = _stp_map_collect(m, idx, col, dir, limit), i;

	if (n != n_want)
		return 0;
	for (i = 0; i < n; i++)
		if (_stp_entry_key_l(m, _stp_map_entry(m, idx[i]), 0) != want[i])
			return 0;
	return 1;
}

static void long_and_string_keys(void)
{
	struct _stp_map *m = new_map(1, "l", STP_T_LONG, 16, false, NULL);
	int64_t want[] = { INT64_MIN, 0 };

	ok(_stp_map_get_l(m, lkey(7)) == 0 && !_stp_map_exists(m, lkey(7)) &&
	   _stp_map_size(m) == 0, "a missing long key reads 0 and does not exist");
	ok(_stp_map_set_l(m, lkey(7), 70) == 0 && _stp_map_set_l(m, lkey(INT64_MIN), -1) == 0 &&
	   _stp_map_set_l(m, lkey(0), 0) == 0 && _stp_map_size(m) == 3,
	   "three long keys set");
	ok(_stp_map_get_l(m, lkey(7)) == 70 && _stp_map_get_l(m, lkey(INT64_MIN)) == -1 &&
	   _stp_map_exists(m, lkey(0)) && !_stp_map_exists(m, lkey(1)),
	   "get and exists of long keys, a stored 0 exists");
	_stp_map_set_l(m, lkey(7), 71);
	ok(_stp_map_get_l(m, lkey(7)) == 71 && _stp_map_size(m) == 3, "set of an existing key");
	_stp_map_delete(m, lkey(7));
	_stp_map_delete(m, lkey(12345));
	ok(!_stp_map_exists(m, lkey(7)) && _stp_map_get_l(m, lkey(7)) == 0 &&
	   _stp_map_size(m) == 2 && keys_are(m, 0, 1, -1, want, 2),
	   "delete, and delete of a missing key");
	_stp_map_clear(m);
	ok(_stp_map_size(m) == 0 && !_stp_map_exists(m, lkey(0)) &&
	   keys_are(m, 0, 1, -1, NULL, 0), "clear empties the array");
	ok(_stp_map_set_l(m, lkey(5), 5) == 0 && _stp_map_get_l(m, lkey(5)) == 5,
	   "an array is usable after clear");
	free_map(m);

	m = new_map(1, "s", STP_T_STRING, 16, false, NULL);
	ok(!strcmp(_stp_map_get_s(m, skey("x")), "") && !_stp_map_exists(m, skey("x")),
	   "a missing string key reads \"\"");
	_stp_map_set_s(m, skey("x"), "ex");
	_stp_map_set_s(m, skey(""), "empty");
	_stp_map_set_s(m, skey("xy"), "");
	ok(!strcmp(_stp_map_get_s(m, skey("x")), "ex") &&
	   !strcmp(_stp_map_get_s(m, skey("")), "empty") && _stp_map_exists(m, skey("xy")) &&
	   !_stp_map_exists(m, skey("y")) && _stp_map_size(m) == 3,
	   "string keys: \"x\", \"\" and \"xy\" are distinct, an empty value exists");
	_stp_map_delete(m, skey(""));
	ok(!_stp_map_exists(m, skey("")) && _stp_map_exists(m, skey("x")),
	   "delete of the empty string key");
	free_map(m);
}

/* n key columns, string in the odd ones (1-based), each key differing in one column */
static void key_columns(void)
{
	char types[STP_MAP_MAX_KEYS], strs[STP_MAP_MAX_KEYS][16];
	int n, col, bad = 0;

	for (n = 1; n <= STP_MAP_MAX_KEYS; n++) {
		struct _stp_map *m;
		union _stp_key k[STP_MAP_MAX_KEYS];
		int i;

		for (i = 0; i < n; i++)
			types[i] = i % 2 ? 'l' : 's';
		m = new_map(n, types, STP_T_LONG, 128, false, NULL);
		for (i = 0; i < n; i++) {
			snprintf(strs[i], sizeof(strs[i]), "c%d", i);
			if (types[i] == 's')
				k[i].s = strs[i];
			else
				k[i].l = i;
		}
		_stp_map_set_l(m, k, 1000);
		/* the base key with column col changed */
		for (col = 0; col < n; col++) {
			char alt[16];
			union _stp_key k2[STP_MAP_MAX_KEYS];

			memcpy(k2, k, sizeof(k));
			if (types[col] == 's') {
				snprintf(alt, sizeof(alt), "c%dx", col);
				k2[col].s = alt;
			} else {
				k2[col].l = -col - 1;
			}
			if (_stp_map_exists(m, k2))
				bad++;
			_stp_map_set_l(m, k2, col);
			if (_stp_map_get_l(m, k2) != col)
				bad++;
		}
		if (_stp_map_get_l(m, k) != 1000 || _stp_map_size(m) != (u32)n + 1)
			bad++;
		for (col = 0; col < n; col++) {
			u32 idx[128], c = _stp_map_collect(m, idx, 0, 1, -1);
			void *e = _stp_map_entry(m, idx[0]);

			if (c != (u32)n + 1 ||
			    (types[col] == 's' ? strcmp(_stp_entry_key_s(m, e, col), strs[col]) != 0
					       : _stp_entry_key_l(m, e, col) != col))
				bad++;
		}
		free_map(m);
	}
	ok(bad == 0, "1..9 key columns: a key differing in any one column is a new element");
}

static void capacity(void)
{
	struct _stp_map *m = new_map(1, "l", STP_T_LONG, 8, false, NULL);
	struct _stp_hist lg = { .type = STP_HIST_LOG, .buckets = STP_HIST_LOG_BUCKETS };
	int i, rc = 0;
	int64_t want[] = { 0, 1, 2, 3, 4, 5, 6, 8 };

	for (i = 0; i < 8; i++)
		rc |= _stp_map_set_l(m, lkey(i), i);
	ok(rc == 0 && _stp_map_size(m) == 8, "an array of 8 takes 8 elements");
	ok(_stp_map_set_l(m, lkey(8), 8) == -E2BIG && !_stp_map_exists(m, lkey(8)) &&
	   _stp_map_size(m) == 8, "the 9th element is refused with -E2BIG (array full)");
	ok(_stp_map_set_l(m, lkey(3), 33) == 0 && _stp_map_get_l(m, lkey(3)) == 33,
	   "a full array still updates its elements");
	_stp_map_delete(m, lkey(7));
	ok(_stp_map_set_l(m, lkey(8), 8) == 0 && keys_are(m, 0, 1, -1, want, 8),
	   "after a delete there is room for one more, appended last");
	free_map(m);

	m = new_map(1, "s", STP_T_STRING, 1, false, NULL);
	ok(_stp_map_set_s(m, skey("a"), "1") == 0 && _stp_map_set_s(m, skey("b"), "2") == -E2BIG,
	   "a string array of 1 refuses a second element");
	free_map(m);

	m = new_map(1, "l", STP_T_STAT, 2, false, &lg);
	ok(_stp_map_add_stat(m, lkey(1), 1) == 0 && _stp_map_add_stat(m, lkey(2), 1) == 0 &&
	   _stp_map_add_stat(m, lkey(3), 1) == -E2BIG && _stp_map_add_stat(m, lkey(1), 5) == 0,
	   "an array of statistics refuses a new key when full, adds to an old one");
	free_map(m);
}

static void wrap(void)
{
	struct _stp_map *m = new_map(1, "l", STP_T_LONG, 4, true, NULL);
	int64_t want1[] = { 3, 4, 5, 6 }, want2[] = { 4, 5, 6, 7 }, want3[] = { 5, 7, 8, 6 };
	int i, rc = 0;

	for (i = 1; i <= 6; i++)
		rc |= _stp_map_set_l(m, lkey(i), i * 10);
	ok(rc == 0 && keys_are(m, 0, 1, -1, want1, 4) && !_stp_map_exists(m, lkey(1)) &&
	   _stp_map_get_l(m, lkey(6)) == 60, "a% of 4: six inserts keep the newest four");
	_stp_map_set_l(m, lkey(3), 31);
	_stp_map_set_l(m, lkey(7), 70);
	ok(keys_are(m, 0, 1, -1, want2, 4), "updating the oldest does not make it younger");
	_stp_map_delete(m, lkey(6));
	_stp_map_set_l(m, lkey(8), 80);
	_stp_map_set_l(m, lkey(9), 90);
	_stp_map_delete(m, lkey(9));
	_stp_map_set_l(m, lkey(6), 61);
	ok(keys_are(m, 0, 1, -1, want3, 4) && _stp_map_get_l(m, lkey(6)) == 61 &&
	   _stp_map_size(m) == 4, "eviction after deletes takes the oldest remaining");
	free_map(m);
}

static void stats(void)
{
	struct _stp_hist lg = { .type = STP_HIST_LOG, .buckets = STP_HIST_LOG_BUCKETS };
	struct _stp_hist lin = { .type = STP_HIST_LINEAR, .start = 0, .stop = 20,
				 .interval = 10, .buckets = 4 };
	struct _stp_map *m = new_map(1, "s", STP_T_STAT, 8, false, &lg);
	struct _stp_stat st;
	int64_t want[] = { 3, 2, 1 };
	u32 idx[8], n;

	_stp_map_add_stat(m, skey("read"), 10);
	_stp_map_add_stat(m, skey("read"), 30);
	_stp_map_add_stat(m, skey("write"), 5);
	ok(_stp_map_get_stat(m, skey("read"), &st) && st.count == 2 && st.sum == 40 &&
	   st.min == 10 && st.max == 30 && st.buckets[STP_HIST_LOG_BUCKET0 + 4] == 1 &&
	   st.buckets[STP_HIST_LOG_BUCKET0 + 5] == 1,
	   "an element's statistic: count, sum, min, max, log buckets");
	ok(!_stp_map_get_stat(m, skey("none"), &st) && st.count == 0 &&
	   _stp_map_exists(m, skey("write")) && !_stp_map_exists(m, skey("none")),
	   "a missing element's statistic is empty and does not exist");
	_stp_map_delete(m, skey("read"));
	ok(!_stp_map_exists(m, skey("read")) && _stp_map_size(m) == 1,
	   "delete of a statistic element");
	free_map(m);

	/* foreach (k in s-): by @count, descending (stats.suite) */
	m = new_map(1, "l", STP_T_STAT, 8, false, &lin);
	_stp_map_add_stat(m, lkey(1), 1);
	_stp_map_add_stat(m, lkey(2), 1);
	_stp_map_add_stat(m, lkey(2), 15);
	_stp_map_add_stat(m, lkey(3), 1);
	_stp_map_add_stat(m, lkey(3), 1);
	_stp_map_add_stat(m, lkey(3), 99);
	n = _stp_map_collect(m, idx, -1, -1, -1);
	_stp_entry_stat(m, _stp_map_entry(m, idx[0]), &st);
	ok(keys_are(m, -1, -1, -1, want, 3) && n == 3 && st.count == 3 && st.buckets[1] == 2 &&
	   st.buckets[3] == 1, "statistics sort by @count; an entry's linear buckets");
	free_map(m);

	/* foreach (k in s @sum+), @min, @max, @avg, @variance: by the named extractor.
	 * key 1: 8 8 (sum 16, avg 8, var 0), 2: 1 20 (21, 10, 190), 3: 5 (5, 5, 0) */
	m = new_map(1, "l", STP_T_STAT, 8, false, NULL);
	_stp_map_add_stat(m, lkey(1), 8);
	_stp_map_add_stat(m, lkey(2), 1);
	_stp_map_add_stat(m, lkey(3), 5);
	_stp_map_add_stat(m, lkey(1), 8);
	_stp_map_add_stat(m, lkey(2), 20);
	{
		int64_t by_sum[] = { 3, 1, 2 }, by_min[] = { 2, 3, 1 }, by_max[] = { 2, 1, 3 },
			by_avg[] = { 2, 1, 3 }, by_var[] = { 1, 3, 2 }, by_count[] = { 1, 2, 3 };

		ok(keys_are(m, -2, 1, -1, by_sum, 3), "statistics sort by @sum ascending");
		ok(keys_are(m, -3, 1, -1, by_min, 3), "statistics sort by @min ascending");
		ok(keys_are(m, -4, -1, -1, by_max, 3), "statistics sort by @max descending");
		ok(keys_are(m, -5, -1, 2, by_avg, 2), "statistics sort by @avg descending, limit 2");
		ok(keys_are(m, -6, 1, -1, by_var, 3),
		   "statistics sort by @variance, ties in insertion order");
		ok(keys_are(m, -1, -1, -1, by_count, 3), "@count ties keep insertion order");
	}
	free_map(m);
}

/* model of foreach: sort by column col (1-based; -1 value), ties in insertion order */
struct row {
	int64_t k1;
	char k2[MAXSTRINGLEN];
	int64_t v;
};

static int row_cmp(const struct row *a, const struct row *b, int col, int dir)
{
	int r;

	if (col == 1)
		r = a->k1 < b->k1 ? -1 : a->k1 > b->k1;
	else if (col == 2)
		r = strcmp(a->k2, b->k2);
	else
		r = a->v < b->v ? -1 : a->v > b->v;
	return r * dir;
}

/* the rows of m against want[0..n), in order */
static int rows_are(struct _stp_map *m, const struct row *want, u32 n, int col, int dir,
		    int64_t limit)
{
	u32 idx[64], got = _stp_map_collect(m, idx, col, dir, limit), i;

	if (got != n)
		return 0;
	for (i = 0; i < n; i++) {
		void *e = _stp_map_entry(m, idx[i]);

		if (!e || _stp_entry_key_l(m, e, 0) != want[i].k1 ||
		    strcmp(_stp_entry_key_s(m, e, 1), want[i].k2) ||
		    _stp_entry_val_l(m, e) != want[i].v)
			return 0;
	}
	return 1;
}

/* stable insertion sort of the model, then limit */
static u32 model_sorted(const struct row *rows, u32 n, struct row *out, int col, int dir,
			int64_t limit)
{
	u32 i, j;

	memcpy(out, rows, n * sizeof(*rows));
	if (col != 0) {
		for (i = 1; i < n; i++) {
			struct row t = out[i];

			for (j = i; j > 0 && row_cmp(&out[j - 1], &t, col, dir) > 0; j--)
				out[j] = out[j - 1];
			out[j] = t;
		}
	}
	if (limit >= 0 && limit < n)
		n = (u32)limit;
	return n;
}

static void sorting(void)
{
	static struct row rows[6] = {
		{ 3, "b", 10 }, { 1, "c", 30 }, { 2, "a", 10 },
		{ 1, "a", 20 }, { 3, "a", 30 }, { 2, "b", 20 },
	};
	static struct row want[6];
	struct _stp_map *m = new_map(2, "ls", STP_T_LONG, 8, false, NULL);
	int col, dir, bad = 0;
	u32 i;

	for (i = 0; i < 6; i++) {
		union _stp_key k[2] = { { .l = rows[i].k1 }, { .s = rows[i].k2 } };

		_stp_map_set_l(m, k, rows[i].v);
	}
	for (col = -1; col <= 2; col++) {
		for (dir = -1; dir <= 1; dir += 2) {
			int64_t limit;

			for (limit = -1; limit <= 7; limit++) {
				u32 n = model_sorted(rows, 6, want, col, dir, limit);

				if (!rows_are(m, want, n, col, dir, limit)) {
					printf("# col %d dir %d limit %lld differs\n", col, dir,
					       (long long)limit);
					bad++;
				}
			}
		}
	}
	ok(bad == 0, "foreach by each key column and the value, both directions, limits -1..7");
	free_map(m);
}

static void truncation(void)
{
	struct _stp_map *m = new_map(2, "sl", STP_T_STRING, 4, false, NULL);
	char big[700], other[700], val[700];
	union _stp_key k[2] = { { .s = big }, { .l = 1 } }, k2[2] = { { .s = other }, { .l = 1 } };
	u32 idx[4];
	const char *got;

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(other, big, sizeof(other));
	other[600] = 'x';
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	ok(_stp_map_set_s(m, k, val) == 0, "a 699-byte key and value are stored");
	got = _stp_map_get_s(m, k2);
	ok(strlen(got) == MAXSTRINGLEN - 1 && got[0] == 'v' && _stp_map_size(m) == 1,
	   "keys equal in their first MAXSTRINGLEN - 1 bytes are one key; the value is cut");
	big[MAXSTRINGLEN - 1] = '\0';
	ok(_stp_map_exists(m, k), "the key cut to MAXSTRINGLEN - 1 bytes is the same key");
	big[MAXSTRINGLEN - 2] = '\0';
	ok(!_stp_map_exists(m, k), "one byte shorter is another key");
	_stp_map_collect(m, idx, 0, 1, -1);
	ok(strlen(_stp_entry_key_s(m, _stp_map_entry(m, idx[0]), 0)) == MAXSTRINGLEN - 1,
	   "the stored key is MAXSTRINGLEN - 1 bytes");
	free_map(m);
}

static void printing(void)
{
	struct _stp_map *m = new_map(2, "ls", STP_T_LONG, 4, false, NULL);
	union _stp_key k[2] = { { .l = -1 }, { .s = "k" } };

	_stp_map_set_l(m, k, 5);
	k[0].l = 2;
	_stp_map_set_l(m, k, 6);
	out_len = 0;
	_stp_map_print(m);
	ok(!strcmp(out_buf, "a[-1,\"k\"]=5\na[2,\"k\"]=6\n"), "end-of-session print of an array");
	free_map(m);
}

/* random operations on a%[long, string] (or not %) against the model */
static int random_run(bool wrap_mode, int n_ops)
{
	static const char *names[] = { "", "a", "b", "ab", "ba", "zz" };
	struct _stp_map *m = new_map(2, "ls", STP_T_LONG, 12, wrap_mode, NULL);
	struct row model[12], want[12];
	u32 n = 0, i;
	int op, bad = 0;

	for (op = 0; op < n_ops && bad < 5; op++) {
		struct row r = { (int64_t)(next() % 5) - 2, "", (int64_t)(next() % 7) };
		union _stp_key k[2] = { { .l = r.k1 }, { .s = r.k2 } };
		int what = (int)(next() % 100), rc, col, dir;
		u32 found = n;
		int64_t limit;

		strcpy(r.k2, names[next() % 6]);
		for (i = 0; i < n; i++)
			if (model[i].k1 == r.k1 && !strcmp(model[i].k2, r.k2))
				found = i;
		if (what < 50) {
			rc = _stp_map_set_l(m, k, r.v);
			if (found < n) {
				model[found].v = r.v;
			} else if (n < 12) {
				model[n++] = r;
			} else if (wrap_mode) {
				memmove(model, model + 1, 11 * sizeof(*model));
				model[11] = r;
			} else if (rc != -E2BIG) {
				bad++;
			}
		} else if (what < 80) {
			_stp_map_delete(m, k);
			if (found < n) {
				memmove(model + found, model + found + 1,
					(n - found - 1) * sizeof(*model));
				n--;
			}
		} else if (what < 99) {
			if (_stp_map_exists(m, k) != (found < n) ||
			    _stp_map_get_l(m, k) != (found < n ? model[found].v : 0))
				bad++;
		} else {
			_stp_map_clear(m);
			n = 0;
		}
		col = (int)(next() % 4) - 1;
		dir = next() % 2 ? 1 : -1;
		limit = (int64_t)(next() % 16) - 1;
		if (_stp_map_size(m) != n ||
		    !rows_are(m, want, model_sorted(model, n, want, col, dir, limit), col, dir,
			      limit)) {
			printf("# op %d: col %d dir %d limit %lld: array and model differ\n", op,
			       col, dir, (long long)limit);
			bad++;
		}
	}
	free_map(m);
	return bad;
}

int main(void)
{
	long_and_string_keys();
	key_columns();
	capacity();
	wrap();
	stats();
	sorting();
	truncation();
	printing();
	ok(random_run(false, 100000) == 0, "100000 random operations on a[long, string] match a model");
	ok(random_run(true, 100000) == 0, "100000 random operations on a%[long, string] match a model");
	return tap_done();
}
