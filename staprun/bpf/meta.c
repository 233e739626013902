/* stapbpf: reading the object's meta text (meta.h) into the tables of struct state. */
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/stapbpf.h"
#include "meta.h"

/* undo the \\ and \NNN escapes in place */
static char *unescape(char *s)
{
	char *d = s, *r = s;

	while (*r) {
		if (r[0] == '\\' && r[1] == '\\') {
			*d++ = '\\';
			r += 2;
		} else if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7') {
			*d++ = (char)strtol((char[]){ r[1], r[2], r[3], 0 }, NULL, 8);
			r += 4;
		} else {
			*d++ = *r++;
		}
	}
	*d = '\0';
	return s;
}

static char *xstrdup_(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		die("out of memory");
	return d;
}

/* grow *v (of *n elements of size sz) by one zeroed element; returns it */
static void *grow(void *pv, int *n, size_t sz)
{
	void **v = pv;
	char *p = realloc(*v, sz * (size_t)(*n + 1));

	if (!p)
		die("out of memory");
	memset(p + sz * (size_t)*n, 0, sz);
	*v = p;
	return p + sz * (size_t)(*n)++;
}

static void set_str(char ***v, int *n, int id, const char *text)
{
	while (*n <= id) {
		char **p = realloc(*v, sizeof(**v) * (size_t)(*n + 1));

		if (!p)
			die("out of memory");
		p[*n] = NULL;
		*v = p;
		(*n)++;
	}
	(*v)[id] = xstrdup_(text);
}

void meta_parse(char *text)
{
	char *line, *save = NULL, *f[12];
	struct probe *cur = NULL;
	struct format *fmt = NULL;
	int n_msgs = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;
		int n = 0;

		for (tok = strtok_r(line, " ", &s2); tok && n < 12; tok = strtok_r(NULL, " ", &s2))
			f[n++] = tok;
		if (!n)
			continue;
		if (!strcmp(f[0], "stapbpf") && n == 2) {
			if (atoi(f[1]) != 1)
				die("the object's meta version %s is not 1: rebuild it", f[1]);
		} else if (!strcmp(f[0], "maxerrors") && n == 2) {
			run.max_errors = atoi(f[1]);
		} else if (!strcmp(f[0], "suppress_errors")) {
			run.suppress_errors = true;
		} else if (!strcmp(f[0], "A") && n == 2) {
			if (run.n_autoprint < 1024)
				run.autoprint[run.n_autoprint++] = atoi(f[1]);
		} else if (!strcmp(f[0], "msl") && n == 2) {
			run.msl = atoi(f[1]);
		} else if (!strcmp(f[0], "G") && n >= 5) {
			struct sglobal *g = grow(&run.globals, &run.n_globals, sizeof(*g));

			g->idx = atoi(f[1]);
			g->name = xstrdup_(unescape(f[2]));
			g->kind = f[3][0];
			g->offset = atoi(f[4]);
			g->init = n > 5 ? xstrdup_(unescape(f[5])) : NULL;
		} else if (!strcmp(f[0], "M") && n >= 7) {
			int idx = atoi(f[1]), i;
			struct smap *m;

			if (idx < 0 || idx >= 1024)
				die("bad map index %d", idx);
			m = &run.maps[idx];
			m->used = true;
			m->name = xstrdup_(unescape(f[2]));
			m->kind = f[3][0];
			m->n_keys = atoi(f[4]);
			snprintf(m->kinds, sizeof(m->kinds), "%s", strcmp(f[5], "-") ? f[5] : "");
			m->val_size = atoi(f[6]);
			for (i = 0; i < m->n_keys; i++)
				m->key_size += m->kinds[i] == 's' ? run.msl : 8;
			if (!m->n_keys)
				m->key_size = 8;
			if (m->kind == 'S' && n >= 8 && !strcmp(f[7], "log"))
				m->hist = HIST_LOG;
			if (m->kind == 'S' && n >= 11 && !strcmp(f[7], "linear")) {
				m->hist = HIST_LINEAR;
				m->start = atoll(f[8]);
				m->stop = atoll(f[9]);
				m->interval = atoll(f[10]);
			}
		} else if (!strcmp(f[0], "P") && n >= 4) {
			cur = grow(&run.probes, &run.n_probes, sizeof(*cur));
			cur->order = run.n_probes;
			cur->pp = xstrdup_(unescape(f[2]));
			if (!strcmp(f[1], "begin") || !strcmp(f[1], "end") || !strcmp(f[1], "error")) {
				cur->kind = f[1][0] == 'b' ? PROBE_BEGIN : f[1][1] == 'n' ? PROBE_END :
					PROBE_ERROR;
				cur->priority = atoll(f[3]);
			} else if (!strcmp(f[1], "timer") && n >= 5) {
				cur->kind = PROBE_TIMER;
				cur->period = strtoull(f[3], NULL, 10);
				cur->per_cpu = atoi(f[4]);
			} else if (!strcmp(f[1], "perf") && n >= 7) {
				cur->kind = PROBE_PERF;
				cur->perf_type = (uint32_t)strtoul(f[3], NULL, 10);
				cur->perf_config = strtoull(f[4], NULL, 10);
				cur->period = strtoull(f[5], NULL, 10);
				cur->freq = atoi(f[6]);
				cur->per_cpu = true;
			} else if (!strcmp(f[1], "uprobe")) {
				cur->kind = PROBE_UPROBE;
			} else if (!strcmp(f[1], "trace") || !strcmp(f[1], "raw")) {
				cur->kind = f[1][0] == 't' ? PROBE_TRACE : PROBE_RAW;
				cur->target = xstrdup_(f[3]);
			} else {
				die("unknown probe kind %s in the object", f[1]);
			}
		} else if (!strcmp(f[0], "U") && n == 6) {
			struct usite *u;

			if (!cur)
				die("a uprobe outside a probe in the object's meta");
			u = grow(&cur->usites, &cur->n_usites, sizeof(*u));
			u->path = xstrdup_(unescape(f[1]));
			u->offset = strtoull(f[2], NULL, 10);
			u->ret = atoi(f[3]);
			u->sema = strtoull(f[4], NULL, 10);
			u->cookie = strtoull(f[5], NULL, 10);
		} else if ((!strcmp(f[0], "S") && n == 2) || (!strcmp(f[0], "F") && n == 7)) {
			struct part *pt;

			if (!cur)
				die("a program outside a probe in the object's meta");
			pt = grow(&cur->parts, &cur->n_parts, sizeof(*pt));
			pt->prog = atoi(f[1]);
			if (f[0][0] == 'F') {
				pt->loop = true;
				pt->map = atoi(f[2]);
				pt->sort_key = atoi(f[3]);
				pt->sort_dir = atoi(f[4]);
				pt->sort_aggr = atoi(f[5]);
				pt->limit = atoll(f[6]);
			}
		} else if (!strcmp(f[0], "W") && n >= 2) {
			set_str(&run.where, &run.n_where, atoi(f[1]), n > 2 ? unescape(f[2]) : "");
		} else if (!strcmp(f[0], "X") && n >= 3) {
			set_str(&run.msgs, &n_msgs, atoi(f[1]), unescape(f[2]));
		} else if (!strcmp(f[0], "R") && n == 3) {
			int id = atoi(f[1]);

			while (run.n_formats <= id)
				grow(&run.formats, &run.n_formats, sizeof(*run.formats));
			fmt = &run.formats[id];
		} else if (!strcmp(f[0], "i") && n >= 2 && fmt) {
			struct item *it = grow(&fmt->items, &fmt->n_items, sizeof(*it));

			it->type = f[1][0];
			if (it->type == 'T')
				it->text = xstrdup_(n > 2 ? unescape(f[2]) : "");
			else if (it->type == 'C' && n >= 5) {
				it->text = xstrdup_(unescape(f[2]));
				it->nargs = atoi(f[3]);
				snprintf(it->kinds, sizeof(it->kinds), "%s", f[4]);
			} else if (it->type == 'H' && n >= 3)
				it->map = atoi(f[2]);
		}
	}
	if (n_msgs > run.n_where) {
		/* the messages and the places share one numbering */
		while (run.n_where < n_msgs)
			set_str(&run.where, &run.n_where, run.n_where, "");
	}
	if (!run.msl)
		die("the object's meta has no msl line");
}

void meta_maps(void)
{
	int i;

	for (i = 0; i < 1024; i++) {
		struct smap *m = &run.maps[i];
		char name[32];

		if (!m->used)
			continue;
		snprintf(name, sizeof(name), "%c%d", m->kind == 'S' ? 's' : 'm', i);
		m->fd = obj_map_fd(name, NULL);
		if (m->fd < 0)
			die("map %s missing from the object", name);
	}
}

/* global x = 5, global s = "text": written before the begin probes */
void meta_init_globals(void)
{
	uint32_t z = 0;
	int i;

	if (bpf_map_lookup_elem(run.g_fd, &z, run.gbuf))
		die("cannot read the globals");
	for (i = 0; i < run.n_globals; i++) {
		const struct sglobal *g = &run.globals[i];

		if (!g->init)
			continue;
		if (g->kind == 's') {
			memset(run.gbuf + g->offset, 0, (size_t)run.msl);
			strncpy((char *)run.gbuf + g->offset, g->init, (size_t)run.msl - 1);
		} else {
			int64_t v = strtoll(g->init, NULL, 10);

			memcpy(run.gbuf + g->offset, &v, 8);
		}
	}
	if (bpf_map_update_elem(run.g_fd, &z, run.gbuf, BPF_ANY))
		die("cannot write the globals");
}
