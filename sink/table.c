#include "table.h"
#include "fp_err.h"
#include "fp_json.h"
#include "fp_file.h"
#include "fp_map.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    fp_total tot; /* tot.region_path and tot.candidates owned: each its own allocation, or both in tot.strings */
    fp_dec other;   /* a conflict's first value not chosen (else the stated one) */
    int other_known; /* other is found at the first write after a put, once, not at every write */
    uint64_t gen;    /* this cell's version, new at every put: its rendered lines are stale when it changes */
} row;

/* A JSON reader just large enough for row_other: each returns the byte after what it read, NULL when
 * what is there is not what it reads (the caller then asks jansson). */
static const char *jws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* A string at p ('"'): *b, *n its bytes as written; *esc 1 when it holds an escape (not decoded here). */
static const char *jstr(const char *p, const char **b, size_t *n, int *esc)
{
    *b = ++p;
    *esc = 0;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) return NULL; /* the end, or a control character */
        if (*p == '\\') {
            *esc = 1;
            if (!*++p) return NULL;
        }
    }
    *n = (size_t)(p - *b);
    return p + 1;
}

/* Any value, walked over. */
static const char *jskip(const char *p, int depth)
{
    const char *b;
    size_t n;
    int esc;
    p = jws(p);
    if (*p == '"') return jstr(p, &b, &n, &esc);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        if (depth > 32) return NULL;
        p = jws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"' || !(p = jstr(p, &b, &n, &esc)) || *(p = jws(p)) != ':') return NULL;
                p++;
            }
            if (!(p = jskip(p, depth + 1))) return NULL;
            p = jws(p);
            if (*p == close) return p + 1;
            if (*p != ',') return NULL;
            p = jws(p + 1);
        }
    }
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) return p + 4;
    if (!strncmp(p, "false", 5)) return p + 5;
    const char *q = p;
    while ((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E') q++;
    return q > p ? q : NULL;
}

/* row_other's answer read straight from the candidates: 1 with *out (or *found 0: none), 0 when they hold
 * something this reader leaves to jansson (an escape in a value, anything malformed). Candidates carry
 * their sentences: parsing them whole into jansson's objects cost 100,000 instructions a row. */
static int other_scan(const char *js, fp_dec *out, int *found)
{
    *found = 0;
    const char *p = jws(js);
    if (*p != '[') return 0;
    p = jws(p + 1);
    int first = 1;
    while (*p != ']') {
        if (!first) {
            if (*p != ',') return 0;
            p = jws(p + 1);
        }
        first = 0;
        if (*p != '{') { /* not an object: no value of its own */
            if (!(p = jskip(p, 1))) return 0;
            p = jws(p);
            continue;
        }
        const char *val = NULL;
        size_t vn = 0;
        int chosen = 0, val_str = 0, esc;
        p = jws(p + 1);
        int firstk = 1;
        while (*p != '}') {
            if (!firstk) {
                if (*p != ',') return 0;
                p = jws(p + 1);
            }
            firstk = 0;
            const char *k;
            size_t kn;
            if (*p != '"' || !(p = jstr(p, &k, &kn, &esc)) || esc || *(p = jws(p)) != ':') return 0;
            p = jws(p + 1);
            const char *v = p;
            if (!(p = jskip(p, 2))) return 0;
            /* a key twice: the last one counts, as in jansson */
            if (kn == 5 && !memcmp(k, "value", 5)) {
                val_str = *v == '"';
                if (val_str && (!jstr(v, &val, &vn, &esc) || esc)) return 0;
            } else if (kn == 6 && !memcmp(k, "chosen", 6)) {
                chosen = !strncmp(v, "true", 4);
            }
            p = jws(p);
        }
        p = jws(p + 1);
        if (!*found && !chosen && val_str && !fp_dec_parse(val, vn, out)) *found = 1;
    }
    return *jws(p + 1) == '\0';
}

/* The conflict check's right side, from the candidates' JSON (which carry their sentences: parsing them all
 * at every write was a fifth of the sink's time; parsing them at every put, under a stream of updates to the
 * same cells, would cost more than that). */
static fp_dec row_other(row *r)
{
    if (r->other_known) return r->other;
    r->other = r->tot.stated;
    const char *js = r->tot.candidates ? r->tot.candidates : "[]";
    fp_dec v;
    int found = 0;
    if (!strcmp(r->tot.status, "conflict") && other_scan(js, &v, &found)) {
        if (found) r->other = v;
    } else if (!strcmp(r->tot.status, "conflict")) {
        json_t *cands = json_loads(js, 0, NULL);
        for (size_t k = 0; k < json_array_size(cands); k++) {
            json_t *e = json_array_get(cands, k);
            const char *val = json_string_value(json_object_get(e, "value"));
            if (!json_is_true(json_object_get(e, "chosen")) && val && !fp_dec_parse(val, strlen(val), &r->other))
                break;
        }
        json_decref(cands);
    }
    r->other_known = 1;
    return r->other;
}

/* A view row's rendered lines and what they were rendered from. Everything a row shows is fixed by its
 * key, the stated cell's version (gen) and the roll-up's figures, so lines whose sig is unchanged are
 * reused as they are: a write costs the rows that changed, not the table. */
typedef struct {
    uint64_t gen;
    fp_dec stated, rollup, best;
    uint32_t coverage, children, facts, reports;
    int has_stated, has_rollup, overflow;
} line_sig;

typedef struct {
    line_sig sig;
    char *csv, *json; /* NULL: not rendered yet */
    size_t csv_len, json_len;
    uint64_t seen; /* the view (cache->views) that last held this row */
    size_t idx;    /* its index in that view */
    size_t pos;    /* while a view is made: its index in the view before */
    int left;      /* while a view is made: how many ancestors the walk that reached it could still add */
    /* its conflicting_values finding (most of anomalies.jsonl), which shows the stated cell alone */
    char *conflict;
    size_t conflict_len;
    uint64_t conflict_gen;
} lines;

/* The table's caches, changed by views and renders that otherwise only read the table (a pointer, so a
 * const table can keep them). */
typedef struct {
    char **paths;   /* per gazetteer region: its path, made at its first use (a path never changes) */
    fp_map lines;   /* view key -> lines */
    uint64_t views; /* views made so far */
    size_t last_n;  /* the last view's rows; (size_t)-1 when it failed */
    uint64_t rendered;
    /* the findings' lines, sorted as anomalies.jsonl has them: kept in order as findings come and go (a
     * sort of them all at every write grew with the reports, one finding or more each); stale: rebuilt
     * and sorted at the next write (after a shard's findings are dropped, or out of memory) */
    const char **flines;
    size_t nflines, capflines;
    int fstale;
} cache;

struct fp_table {
    cache *c;
    uint64_t gen; /* the last row version given out */
    const fp_gazetteer *g;
    const fp_indicators *ind;
    uint32_t *nchildren; /* per gazetteer region: its children in the gazetteer */
    uint32_t nshards;
    fp_map rows;     /* "code|year|indicator|series|unit" -> row */
    fp_map acks;     /* report id -> ackrec */
    size_t complete;
    fp_map findings; /* id -> finding */
};

typedef struct {
    uint32_t shard;
    char *line; /* the JSON object written to anomalies.jsonl */
} finding;

/* A report's acknowledgements as the sink has them. */
typedef struct {
    uint64_t mask;    /* the shards that acknowledged it */
    uint64_t arrived; /* its arrival at ingest, from the first ack that carried it (0: none yet) */
    int sampled;      /* its latency was measured (once: a snapshot that completes it again does not) */
} ackrec;

static char *key_str(char *p, char *end, const char *s);
static char *key_int(char *p, char *end, int v);

/* "code|year|indicator|series|unit", as snprintf would make it (cut at cap - 1), but by hand: made for
 * every total put, where snprintf was two thirds of a put's cost. */
static void make_key(char *buf, size_t cap, const char *code, int year, const char *indicator, const char *series,
                     const char *unit)
{
    char *p = buf, *end = buf + cap - 1;
    p = key_str(p, end, code);
    p = key_int(p, end, year);
    p = key_str(p, end, indicator);
    p = key_str(p, end, series);
    while (*unit && p < end) *p++ = *unit++; /* the last part: no '|' after it */
    *p = '\0';
}

/* A row's strings: a decoded record's block it took (fp_table_put_owned), or its own copies. */
static void row_strings_free(row *r)
{
    if (r->tot.strings) free(r->tot.strings);
    else {
        free(r->tot.region_path);
        free(r->tot.candidates);
    }
    r->tot.strings = NULL;
    r->tot.region_path = r->tot.candidates = NULL;
}

static void free_row(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    row *r = val;
    row_strings_free(r);
    free(r);
}

static void free_val(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    free(val);
}

static void free_lines(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    lines *l = val;
    free(l->csv);
    free(l->json);
    free(l->conflict);
    free(l);
}

static void free_finding(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    finding *f = val;
    free(f->line);
    free(f);
}

/* The first place in the sorted lines not before line. */
static size_t flines_at(const cache *c, const char *line)
{
    size_t lo = 0, hi = c->nflines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->flines[mid], line) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void flines_remove(cache *c, const char *line)
{
    if (c->fstale) return;
    for (size_t i = flines_at(c, line); i < c->nflines && !strcmp(c->flines[i], line); i++)
        if (c->flines[i] == line) {
            memmove(&c->flines[i], &c->flines[i + 1], (c->nflines - i - 1) * sizeof *c->flines);
            c->nflines--;
            return;
        }
    c->fstale = 1; /* not there: never so, but a rebuild is always right */
}

static void flines_insert(cache *c, const char *line)
{
    if (c->fstale) return;
    if (c->nflines == c->capflines) {
        size_t cap = c->capflines ? c->capflines * 2 : 64;
        const char **nl = realloc(c->flines, cap * sizeof *nl);
        if (!nl) {
            c->fstale = 1;
            return;
        }
        c->flines = nl;
        c->capflines = cap;
    }
    size_t i = flines_at(c, line);
    memmove(&c->flines[i + 1], &c->flines[i], (c->nflines - i) * sizeof *c->flines);
    c->flines[i] = line;
    c->nflines++;
}

int fp_table_anomaly(fp_table *t, const fp_anomaly *a)
{
    if (!a->live) {
        finding *f = fp_map_del(&t->findings, a->id);
        if (f) {
            flines_remove(t->c, f->line);
            free_finding(NULL, f, NULL);
        }
        return FP_OK;
    }
    fp_buf b = {0};
    int rc = fp_buf_puts(&b, "{\"kind\":");
    rc |= fp_buf_json_str(&b, a->kind, strlen(a->kind));
    rc |= fp_buf_puts(&b, ",\"region_code\":");
    rc |= fp_buf_json_str(&b, a->region_code, strlen(a->region_code));
    rc |= fp_buf_puts(&b, ",\"region_path\":");
    rc |= fp_buf_json_str(&b, a->region_path ? a->region_path : "", a->region_path ? strlen(a->region_path) : 0);
    if (a->year) rc |= fp_buf_printf(&b, ",\"year\":%d", a->year);
    else rc |= fp_buf_puts(&b, ",\"year\":null");
    rc |= fp_buf_puts(&b, ",\"indicator\":");
    rc |= fp_buf_json_str(&b, a->indicator, strlen(a->indicator));
    rc |= fp_buf_puts(&b, ",\"unit\":");
    rc |= fp_buf_json_str(&b, a->unit, strlen(a->unit));
    /* detail is JSON the shard wrote with the same escaping */
    rc |= fp_buf_printf(&b, ",\"detail\":%s}", a->detail && *a->detail ? a->detail : "{}");
    finding *f = rc ? NULL : malloc(sizeof *f);
    if (!f) {
        fp_buf_free(&b);
        return FP_ENOMEM;
    }
    f->shard = a->shard;
    f->line = b.p;
    void *old;
    if (fp_map_put(&t->findings, a->id, f, &old)) {
        free_finding(NULL, f, NULL);
        return FP_ENOMEM;
    }
    if (old) {
        flines_remove(t->c, ((finding *)old)->line);
        free_finding(NULL, old, NULL);
    }
    flines_insert(t->c, f->line);
    return FP_OK;
}

size_t fp_table_anomalies(const fp_table *t) { return t->findings.n; }

int fp_table_new(fp_table **out, const fp_gazetteer *g, const fp_indicators *ind, uint32_t nshards)
{
    fp_table *t = calloc(1, sizeof *t);
    if (!t) return FP_ENOMEM;
    size_t n = fp_gaz_count(g);
    t->nchildren = calloc(n + 1, sizeof *t->nchildren);
    t->c = calloc(1, sizeof *t->c);
    if (t->c) t->c->paths = calloc(n + 1, sizeof *t->c->paths);
    if (!t->nchildren || !t->c || !t->c->paths) {
        free(t->nchildren);
        if (t->c) free(t->c->paths);
        free(t->c);
        free(t);
        return FP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int p = fp_gaz_region(g, (int)i)->parent;
        if (p >= 0) t->nchildren[p]++;
    }
    t->ind = ind;
    t->g = g;
    t->nshards = nshards;
    *out = t;
    return FP_OK;
}

void fp_table_free(fp_table *t)
{
    if (!t) return;
    fp_map_each(&t->rows, free_row, NULL);
    fp_map_free(&t->rows);
    fp_map_each(&t->acks, free_val, NULL);
    fp_map_free(&t->acks);
    fp_map_each(&t->findings, free_finding, NULL);
    fp_map_free(&t->findings);
    size_t n = fp_gaz_count(t->g);
    for (size_t i = 0; i < n; i++) free(t->c->paths[i]);
    free(t->c->paths);
    fp_map_each(&t->c->lines, free_lines, NULL);
    fp_map_free(&t->c->lines);
    free(t->c->flines);
    free(t->c);
    free(t->nchildren);
    free(t);
}

/* fp_table_put, and, with take, fp_table_put_owned. */
static int put(fp_table *t, fp_total *tot, int take)
{
    char key[256];
    make_key(key, sizeof key, tot->region_code, tot->year, tot->indicator, tot->series, tot->unit);
    if (tot->facts == 0) {
        row *r = fp_map_del(&t->rows, key);
        if (r) free_row(NULL, r, NULL);
        return FP_OK;
    }
    /* a decoded record's block holds just its two strings: the row takes it instead of copying them */
    take = take && tot->strings && tot->region_path && tot->candidates;
    char *path = take ? tot->region_path : strdup(tot->region_path ? tot->region_path : "");
    char *cand = take ? tot->candidates : strdup(tot->candidates ? tot->candidates : "[]");
    row *r = fp_map_get(&t->rows, key);
    int fresh = !r;
    if (fresh) r = calloc(1, sizeof *r);
    if (!path || !cand || !r || (fresh && fp_map_put(&t->rows, key, r, NULL))) {
        if (!take) {
            free(path);
            free(cand);
        }
        if (fresh) free(r);
        return FP_ENOMEM;
    }
    row_strings_free(r);
    r->tot = *tot;
    r->tot.strings = take ? tot->strings : NULL; /* else its strings are its own copies */
    r->tot.region_path = path;
    r->tot.candidates = cand;
    if (take) tot->strings = NULL, tot->region_path = tot->candidates = NULL;
    r->other_known = 0;
    r->gen = ++t->gen;
    return FP_OK;
}

int fp_table_put(fp_table *t, const fp_total *tot)
{
    fp_total copy = *tot;
    return put(t, &copy, 0);
}

int fp_table_put_owned(fp_table *t, fp_total *tot) { return put(t, tot, 1); }

/* Collects the keys of map entries an owner test picks, to delete them after the walk. */
typedef struct {
    uint32_t shard;
    char **keys;
    size_t n;
} pick;

static void pick_row(const char *key, void *val, void *ud)
{
    pick *p = ud;
    if (((row *)val)->tot.shard == p->shard) p->keys[p->n++] = strdup(key);
}

static void pick_finding(const char *key, void *val, void *ud)
{
    pick *p = ud;
    if (((finding *)val)->shard == p->shard) p->keys[p->n++] = strdup(key);
}

static void drop_picked(fp_map *m, pick *p, void (*free_fn)(const char *, void *, void *))
{
    for (size_t i = 0; i < p->n; i++) {
        void *v = p->keys[i] ? fp_map_del(m, p->keys[i]) : NULL;
        if (v) free_fn(NULL, v, NULL);
        free(p->keys[i]);
    }
    free(p->keys);
}

typedef struct {
    uint64_t bit, all;
    size_t *complete;
} unack;

static void unack_one(const char *key, void *val, void *ud)
{
    (void)key;
    unack *u = ud;
    ackrec *a = val;
    if (a->mask == u->all) (*u->complete)--;
    a->mask &= ~u->bit;
}

static uint64_t all_shards(const fp_table *t) { return t->nshards >= 64 ? ~0ULL : (1ULL << t->nshards) - 1; }

void fp_table_clear_shard(fp_table *t, uint32_t shard)
{
    /* a failed allocation here leaves stale entries that the shard's snapshot then replaces */
    pick rows = {.shard = shard, .keys = calloc(t->rows.n + 1, sizeof(char *))};
    if (rows.keys) {
        fp_map_each(&t->rows, pick_row, &rows);
        drop_picked(&t->rows, &rows, free_row);
    }
    pick fs = {.shard = shard, .keys = calloc(t->findings.n + 1, sizeof(char *))};
    if (fs.keys) {
        fp_map_each(&t->findings, pick_finding, &fs);
        drop_picked(&t->findings, &fs, free_finding);
        t->c->fstale = 1;
    }
    unack u = {1ULL << shard, all_shards(t), &t->complete};
    fp_map_each(&t->acks, unack_one, &u);
}

int fp_table_ack(fp_table *t, const char *id, uint32_t shard, uint64_t arrived_ms, int *completed,
                 uint64_t *sample_ms)
{
    if (completed) *completed = 0;
    if (sample_ms) *sample_ms = 0;
    if (shard >= t->nshards) return FP_EINVAL;
    ackrec *a = fp_map_get(&t->acks, id);
    if (!a) {
        if (!(a = calloc(1, sizeof *a))) return FP_ENOMEM;
        if (fp_map_put(&t->acks, id, a, NULL)) {
            free(a);
            return FP_ENOMEM;
        }
    }
    if (!a->arrived) a->arrived = arrived_ms;
    uint64_t all = all_shards(t);
    int was = a->mask == all;
    a->mask |= 1ULL << shard;
    if (!was && a->mask == all) {
        t->complete++;
        if (completed) *completed = 1;
    }
    /* measured when the report is first complete with its arrival known, whichever ack completes it: a
     * snapshot's (which carry no arrival) may, when the shard was re-synced while the report was under way,
     * and the live ack that carried the arrival is then one of the held updates replayed after it */
    if (a->mask == all && a->arrived && !a->sampled) {
        a->sampled = 1;
        if (sample_ms) *sample_ms = a->arrived;
    }
    return FP_OK;
}

size_t fp_table_complete(const fp_table *t) { return t->complete; }
size_t fp_table_rows(const fp_table *t) { return t->rows.n; }

/* ---- the view: stated cells, their ancestors, rollups ---- */

static int cmp_out(const void *a, const void *b)
{
    const fp_view_row *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c) return c;
    if (x->year != y->year) return x->year == 0 ? -1 : y->year == 0 ? 1 : x->year < y->year ? -1 : 1;
    if ((c = strcmp(x->indicator, y->indicator))) return c;
    if ((c = strcmp(x->series, y->series))) return c;
    return strcmp(x->unit, y->unit);
}

void fp_view_free(fp_view *v)
{
    free(v->r);
    v->r = NULL;
    v->n = 0;
}

/* 1 when a cell's value adds up into its parent's rollup. */
static int rolls_up(const fp_table *t, int ind, const char *series, const char *unit)
{
    return ind >= 0 && fp_kind_additive(t->ind->v[ind].kind) && fp_unit_additive(unit) &&
           (!strcmp(series, "value") || !strcmp(series, "target"));
}

/* A region's path, made once: building it anew for every ancestor at every write was a good part of it. */
static int path_of(const fp_table *t, int region, const char **out)
{
    char **slot = &t->c->paths[region];
    if (!*slot) {
        fp_buf b = {0};
        fp_gaz_path(t->g, region, &b);
        *slot = b.p ? b.p : strdup("");
        if (!*slot) return FP_ENOMEM;
    }
    *out = *slot;
    return FP_OK;
}

/* A region code into a view row's field, cut to fit as snprintf would (snprintf was a tenth of a write). */
static void copy_code(char dst[16], const char *src)
{
    size_t n = strnlen(src, 15);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Appends s and a separator at *p, within end (cut there: a key is never that long). */
static char *key_str(char *p, char *end, const char *s)
{
    while (*s && p < end) *p++ = *s++;
    if (p < end) *p++ = '|';
    return p;
}

static char *key_int(char *p, char *end, int v)
{
    char t[12];
    size_t i = sizeof t;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do t[--i] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) t[--i] = '-';
    while (i < sizeof t && p < end) *p++ = t[i++];
    if (p < end) *p++ = '|';
    return p;
}

/* "region|code|year|indicator|series|unit" (the code only for a region the gazetteer does not know): made
 * for every row at every view, so by hand, not by snprintf (a tenth of a write). */
static void view_key(char *buf, size_t cap, const fp_view_row *e)
{
    char *p = buf, *end = buf + cap - 1;
    p = key_int(p, end, e->region);
    p = key_str(p, end, e->region < 0 ? e->code : "");
    p = key_int(p, end, e->year);
    p = key_str(p, end, e->indicator);
    p = key_str(p, end, e->series);
    p = key_str(p, end, e->unit);
    *p = '\0';
}

typedef struct {
    int depth;
    size_t i;
} ranked;

typedef struct {
    uint64_t view;
    char **keys;
    size_t n;
} stale;

static void pick_stale(const char *key, void *val, void *ud)
{
    stale *s = ud;
    if (((lines *)val)->seen != s->view) s->keys[s->n++] = strdup(key);
}

/* Drops the lines of rows no longer in the view (a cell removed, a shard re-snapshotted). Out of memory,
 * some stay: harmless (a stale entry is never in a view) until the next view drops them. */
static void sweep_lines(cache *ch, uint64_t view)
{
    stale s = {.view = view, .keys = calloc(ch->lines.n + 1, sizeof(char *))};
    if (!s.keys) return;
    fp_map_each(&ch->lines, pick_stale, &s);
    for (size_t i = 0; i < s.n; i++) {
        void *l = s.keys[i] ? fp_map_del(&ch->lines, s.keys[i]) : NULL;
        if (l) free_lines(NULL, l, NULL);
        free(s.keys[i]);
    }
    free(s.keys);
}

static int cmp_ranked(const void *a, const void *b);

/* Deepest first, then by index: a counting sort by level (a gazetteer has a handful), stable, so the
 * indices stay in order within a level; qsort for levels out of its range. */
static void sort_ranked(ranked *r, size_t n)
{
    enum { LEVELS = 16 };
    size_t count[LEVELS + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        if (r[i].depth < 0 || r[i].depth >= LEVELS) {
            qsort(r, n, sizeof *r, cmp_ranked);
            return;
        }
        count[LEVELS - 1 - r[i].depth + 1]++;
    }
    for (int l = 1; l <= LEVELS; l++) count[l] += count[l - 1];
    ranked *tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp) {
        qsort(r, n, sizeof *r, cmp_ranked);
        return;
    }
    for (size_t i = 0; i < n; i++) tmp[count[LEVELS - 1 - r[i].depth]++] = r[i];
    memcpy(r, tmp, n * sizeof *r);
    free(tmp);
}

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->depth != y->depth) return y->depth - x->depth; /* deepest first */
    return x->i < y->i ? -1 : x->i > y->i;
}

int fp_table_view(const fp_table *t, fp_view *v)
{
    v->r = NULL;
    v->n = 0;
    size_t cap = t->rows.n * 7 + 1, m = 0;
    fp_view_row *o = malloc(cap * sizeof *o); /* each entry is written whole before use */
    row **rows = malloc((t->rows.n + 1) * sizeof *rows);
    if (!o || !rows) {
        free(o);
        free(rows);
        return FP_ENOMEM;
    }
    size_t nrows = fp_map_values(&t->rows, (void **)rows);
    int rc = FP_OK, fresh = 0;
    /* Each stated cell, and an entry for every ancestor its value rolls up to, one per node and key (the
     * stated one kept). The cache's entry of a key says whether this view has it already, and where: a
     * row's index, which the roll-up and the checks look parents and wholes up by, and the lines it
     * rendered to. A walk up stops at a node already in: the nodes above it are in too (whether a key
     * rolls up depends on the key alone), as far up as the walk that added it could go. */
    cache *ch = t->c;
    uint64_t view = ++ch->views;
    for (size_t i = 0; i < nrows && !rc; i++) {
        const fp_total *c = &rows[i]->tot;
        int idx = fp_gaz_find_code(t->g, c->region_code);
        int ind = fp_indicators_find(t->ind, c->indicator);
        int up = rolls_up(t, ind, c->series, c->unit);
        for (int a = idx, depth = 0; depth < 7 && m < cap; depth++) {
            fp_view_row e = {0};
            e.region = a;
            e.year = c->year;
            e.indicator = c->indicator;
            e.series = c->series;
            e.unit = c->unit;
            e.ind = ind;
            e.name = ind >= 0 ? t->ind->v[ind].name : c->indicator + strlen(FP_OTHER_PREFIX);
            e.metric = ind >= 0 ? t->ind->v[ind].metric : c->metric;
            e.kind = ind >= 0 ? fp_kind_name(t->ind->v[ind].kind) : "other";
            e.status = "";
            if (depth == 0) {
                e.has_stated = 1;
                e.stated = c->stated;
                e.status = c->status[0] ? c->status : "exact";
                e.facts = c->facts;
                e.reports = c->reports;
                e.candidates = c->candidates;
                e.other = row_other(rows[i]); /* the row is the table's cache, not its state */
                e.gen = rows[i]->gen;
                copy_code(e.code, c->region_code);
                e.path = c->region_path ? c->region_path : "";
            } else {
                copy_code(e.code, fp_gaz_region(t->g, a)->code);
                if ((rc = path_of(t, a, &e.path))) break;
            }
            char k[256];
            view_key(k, sizeof k, &e);
            lines *l = fp_map_get(&ch->lines, k);
            if (!l) {
                if (!(l = calloc(1, sizeof *l)) || fp_map_put(&ch->lines, k, l, NULL)) {
                    free(l);
                    rc = FP_ENOMEM;
                    break;
                }
                fresh = 1;
            }
            int left = 6 - depth; /* ancestors this walk may still add */
            if (l->seen == view) {
                fp_view_row *d = &o[l->idx];
                if (e.has_stated && !d->has_stated) {
                    *d = e;
                    d->lines = l;
                }
                if (l->left >= left) break; /* the walk that added it went at least as far up */
                l->left = left;
            } else {
                l->seen = view;
                l->pos = l->idx; /* its place in the last view, sorted */
                l->idx = m;
                l->left = left;
                e.lines = l;
                o[m++] = e;
            }
            if (idx < 0 || !up) break;
            a = fp_gaz_region(t->g, a)->parent;
            if (a < 0) break;
        }
    }
    free(rows);
    if (!rc && ch->lines.n > m) sweep_lines(ch, view);
    /* Sorted by path, year, indicator, series, unit. The same keys as the last view (no new one, none
     * gone: the cache held exactly the last view's) keep their places: put back and checked, not sorted. */
    int placed = 0;
    if (!rc && !fresh && m == ch->last_n) {
        fp_view_row *s = malloc((m + 1) * sizeof *s);
        unsigned char *taken = calloc(m + 1, 1);
        if (s && taken) {
            placed = 1;
            for (size_t i = 0; i < m && placed; i++) {
                size_t p = ((lines *)o[i].lines)->pos;
                if (p >= m || taken[p]) placed = 0; /* not the last view's places after all */
                else {
                    s[p] = o[i];
                    taken[p] = 1;
                }
            }
            for (size_t i = 1; i < m && placed; i++)
                if (cmp_out(&s[i - 1], &s[i]) >= 0) placed = 0;
            if (placed) {
                free(o);
                o = s;
                s = NULL;
            }
        }
        free(s);
        free(taken);
    }
    if (!rc && !placed) qsort(o, m, sizeof *o, cmp_out);
    for (size_t i = 0; i < m && !rc; i++) ((lines *)o[i].lines)->idx = i;
    ch->last_n = rc ? (size_t)-1 : m;
    for (size_t i = 0; i < m; i++)
        if (o[i].region >= 0 && rolls_up(t, o[i].ind, o[i].series, o[i].unit))
            o[i].children = t->nchildren[o[i].region];
    /* roll up, deepest nodes first: a node's best (stated, else rollup) goes to its parent */
    ranked *order = rc ? NULL : malloc((m + 1) * sizeof *order);
    if (!order) rc = FP_ENOMEM;
    for (size_t i = 0; i < m && !rc; i++)
        order[i] = (ranked){o[i].region < 0 ? 0 : fp_gaz_region(t->g, o[i].region)->level, i};
    if (!rc) sort_ranked(order, m);
    for (size_t q = 0; q < m && !rc; q++) {
        fp_view_row *e = &o[order[q].i];
        e->best = e->has_stated ? e->stated : e->rollup;
        int valued = e->has_stated || (e->has_rollup && !e->overflow);
        /* an overflowed rollup adds nothing up, but its node is still a child the checks list */
        if (!(e->has_stated || e->has_rollup) || e->region < 0 || !rolls_up(t, e->ind, e->series, e->unit))
            continue;
        int parent = fp_gaz_region(t->g, e->region)->parent;
        if (parent < 0) continue;
        fp_view_row probe = *e;
        probe.region = parent;
        char k[256];
        view_key(k, sizeof k, &probe);
        const lines *pl = fp_map_get(&ch->lines, k);
        if (!pl || pl->seen != view) continue;
        e->parent = pl->idx + 1;
        if (!valued) continue;
        fp_view_row *p = &o[pl->idx];
        if (!p->has_rollup) p->rollup = 0;
        if (fp_dec_add(&p->rollup, e->best)) p->overflow = 1;
        p->has_rollup = 1;
        p->coverage++;
    }
    free(order);
    /* each node's children in the view, in view order, for children_exceed_parent (a scan of the whole
     * view per such finding grew with the square of the table) */
    size_t *tail = rc ? NULL : calloc(m + 1, sizeof *tail);
    if (!rc && !tail) rc = FP_ENOMEM;
    for (size_t i = 0; i < m && !rc; i++) {
        size_t p = o[i].parent;
        if (!p) continue;
        if (tail[p - 1]) o[tail[p - 1] - 1].sibling = i + 1;
        else o[p - 1].child = i + 1;
        tail[p - 1] = i + 1;
    }
    free(tail);
    v->r = o;
    v->n = m;
    if (rc) fp_view_free(v);
    return rc;
}

/* ---- rendering ----
 * A write renders the rows that changed (put_row keeps the rest's lines)
 * and a first write renders every row (a report's latency waits for it),
 * so the hot paths append numbers and strings directly: fp_buf_printf
 * formats twice (to measure, then to write) and was most of a write's cost. */

static int put_uint(fp_buf *b, unsigned long long v)
{
    char t[24];
    size_t i = sizeof t;
    do t[--i] = (char)('0' + v % 10); while (v /= 10);
    return fp_buf_append(b, t + i, sizeof t - i);
}

static int put_int(fp_buf *b, long long v)
{
    if (v >= 0) return put_uint(b, (unsigned long long)v);
    int rc = fp_buf_append(b, "-", 1);
    return rc ? rc : put_uint(b, (unsigned long long)(-(v + 1)) + 1);
}

/* a literal (its length known at compile time) */
#define PUT_LIT(b, lit) fp_buf_append((b), (lit), sizeof(lit) - 1)

static int put_year(fp_buf *b, int year, int json)
{
    if (year) return put_int(b, year);
    return json ? PUT_LIT(b, "null") : FP_OK;
}

static int row_csv(fp_buf *b, const fp_view_row *r)
{
    char st[32] = "", ru[32] = "", be[32] = "";
    if (r->has_stated) fp_dec_format(r->stated, st, sizeof st);
    if (r->has_rollup && !r->overflow) fp_dec_format(r->rollup, ru, sizeof ru);
    if (r->has_stated || (r->has_rollup && !r->overflow)) fp_dec_format(r->best, be, sizeof be);
    int rc = fp_buf_csv_str(b, r->code);
    rc |= fp_buf_puts(b, ",");
    rc |= fp_buf_csv_str(b, r->path);
    rc |= fp_buf_puts(b, ",");
    rc |= put_year(b, r->year, 0);
    const char *texts[] = {r->indicator, r->name, r->metric, r->series, r->unit};
    for (size_t i = 0; i < 5; i++) {
        rc |= fp_buf_puts(b, ",");
        rc |= fp_buf_csv_str(b, texts[i]);
    }
    /* ",stated,status,rollup,coverage,best,facts,reports\n" */
    rc |= PUT_LIT(b, ",");
    rc |= fp_buf_puts(b, st);
    rc |= PUT_LIT(b, ",");
    rc |= fp_buf_puts(b, r->status);
    rc |= PUT_LIT(b, ",");
    rc |= fp_buf_puts(b, ru);
    rc |= PUT_LIT(b, ",");
    if (r->children) {
        rc |= put_uint(b, r->coverage);
        rc |= PUT_LIT(b, "/");
        rc |= put_uint(b, r->children);
    }
    rc |= PUT_LIT(b, ",");
    rc |= fp_buf_puts(b, be);
    rc |= PUT_LIT(b, ",");
    rc |= put_uint(b, r->facts);
    rc |= PUT_LIT(b, ",");
    rc |= put_uint(b, r->reports);
    rc |= PUT_LIT(b, "\n");
    return rc;
}


static int jdec(fp_buf *b, const char *key, int have, fp_dec v)
{
    char s[32];
    if (!have) {
        int rc = fp_json_key(b, key, 0);
        return rc ? rc : fp_buf_puts(b, "null");
    }
    fp_dec_format(v, s, sizeof s);
    return fp_json_kv(b, key, s, 0);
}

/* A cell's place and key: "region_code","region_path",["level",]"year",
 * then "indicator" [,"indicator_name","metric","kind"],"series","unit". */
static int cell_key(fp_buf *b, const fp_view_row *r, const char *level, int first, int names)
{
    int rc = fp_json_kv(b, "region_code", r->code, first);
    rc |= fp_json_kv(b, "region_path", r->path, 0);
    if (level) rc |= fp_json_kv(b, "level", level, 0);
    rc |= fp_buf_puts(b, ",\"year\":");
    rc |= put_year(b, r->year, 1);
    rc |= fp_json_kv(b, "indicator", r->indicator, 0);
    if (names) {
        rc |= fp_json_kv(b, "indicator_name", r->name, 0);
        rc |= fp_json_kv(b, "metric", r->metric, 0);
        rc |= fp_json_kv(b, "kind", r->kind, 0);
    }
    rc |= fp_json_kv(b, "series", r->series, 0);
    rc |= fp_json_kv(b, "unit", r->unit, 0);
    return rc;
}

/* One row as a JSON object; level (may be NULL) adds the region's level. */
int fp_view_row_json(const fp_view_row *r, fp_buf *b, const char *level, int candidates)
{
    int rc = fp_buf_puts(b, "{");
    rc |= cell_key(b, r, level, 1, 1);
    rc |= jdec(b, "stated", r->has_stated, r->stated);
    rc |= fp_json_kv(b, "status", r->status, 0);
    rc |= jdec(b, "rollup", r->has_rollup && !r->overflow, r->rollup);
    rc |= PUT_LIT(b, ",\"coverage\":");
    rc |= put_uint(b, r->coverage);
    rc |= PUT_LIT(b, ",\"children\":");
    rc |= put_uint(b, r->children);
    rc |= jdec(b, "best", r->has_stated || (r->has_rollup && !r->overflow), r->best);
    rc |= PUT_LIT(b, ",\"facts\":");
    rc |= put_uint(b, r->facts);
    rc |= PUT_LIT(b, ",\"reports\":");
    rc |= put_uint(b, r->reports);
    if (candidates) {
        rc |= PUT_LIT(b, ",\"candidates\":");
        rc |= fp_buf_puts(b, r->candidates ? r->candidates : "[]");
    }
    rc |= fp_buf_puts(b, "}");
    return rc;
}

/* ---- checks ---- */

typedef struct {
    const fp_table *t;
    const fp_view *v;
    fp_buf *out;
} checker;

static const fp_view_row *find_row(const checker *c, int region, const char *code, int year, const char *indicator,
                                   const char *series, const char *unit)
{
    fp_view_row probe = {.region = region, .year = year, .indicator = indicator, .series = series, .unit = unit};
    copy_code(probe.code, code);
    char k[256];
    view_key(k, sizeof k, &probe);
    /* the cache tells the row's index in the last view made, which is this one when its row there is it */
    const lines *l = fp_map_get(&c->t->c->lines, k);
    return l && l->idx < c->v->n && c->v->r[l->idx].lines == l ? &c->v->r[l->idx] : NULL;
}

/* {"kind":…,"region_code":…,…,"detail":{"rule":…,"left":…,"op":…,"right":…,"imbalance":… */
static int check_head(fp_buf *b, const char *rule, const fp_view_row *r, fp_dec left, const char *op, fp_dec right,
                      int imbalance)
{
    char l[32], rt[32], im[32];
    fp_dec_format(left, l, sizeof l);
    fp_dec_format(right, rt, sizeof rt);
    fp_dec_format(left - right, im, sizeof im);
    int rc = fp_buf_puts(b, "{");
    rc |= fp_json_kv(b, "kind", rule, 1);
    rc |= cell_key(b, r, NULL, 0, 0);
    rc |= fp_json_key(b, "detail", 0);
    rc |= fp_buf_puts(b, "{");
    rc |= fp_json_kv(b, "rule", rule, 1);
    rc |= fp_json_kv(b, "left", l, 0);
    rc |= fp_json_kv(b, "op", op, 0);
    rc |= fp_json_kv(b, "right", rt, 0);
    if (imbalance) rc |= fp_json_kv(b, "imbalance", im, 0);
    return rc;
}

/* A side of a check: the cell, its value and the facts stating it. */
static int side(fp_buf *b, const char *name, const fp_view_row *r, int stated)
{
    int rc = fp_json_key(b, name, 0);
    rc |= fp_buf_puts(b, "{");
    rc |= cell_key(b, r, NULL, 1, 0);
    rc |= jdec(b, stated ? "stated" : "rollup", 1, stated ? r->stated : r->rollup);
    if (stated) {
        rc |= PUT_LIT(b, ",\"candidates\":");
        rc |= fp_buf_puts(b, r->candidates ? r->candidates : "[]");
    }
    rc |= fp_buf_puts(b, "}");
    return rc;
}

static int check_rows(checker *c)
{
    const fp_view *v = c->v;
    const fp_indicators *inds = c->t->ind;
    fp_buf *b = c->out;
    int rc = FP_OK;
    for (size_t i = 0; i < v->n && !rc; i++) {
        const fp_view_row *r = &v->r[i];
        /* a rollup that leaves the decimal range is not published: say so, never stop writing */
        if (r->overflow) {
            rc |= fp_buf_puts(b, "{\"kind\":\"rollup_overflow\"");
            rc |= cell_key(b, r, NULL, 0, 0);
            rc |= fp_buf_printf(b, ",\"detail\":{\"rule\":\"rollup_overflow\",\"left\":\"sum of %u children\","
                                   "\"op\":\">\",\"right\":\"922337203685\"}}\n",
                                r->coverage);
        }
        if (!r->has_stated) continue;
        /* reports disagree on the cell */
        if (!strcmp(r->status, "conflict")) {
            /* what it shows is the stated cell's (its version, gen, says when it changed): kept rendered */
            lines *l = r->lines;
            if (l && l->conflict && l->conflict_gen == r->gen) {
                rc |= fp_buf_append(b, l->conflict, l->conflict_len);
            } else {
                size_t b0 = b->len;
                /* right: the first value not chosen (the candidates list them all), found when the cell was put */
                rc |= check_head(b, "conflicting_values", r, r->stated, "!=", r->other, 1);
                rc |= side(b, "cell", r, 1);
                rc |= fp_buf_puts(b, "}}\n");
                char *keep = rc || !l ? NULL : malloc(b->len - b0);
                if (keep) { /* not kept (out of memory): rendered again next time */
                    memcpy(keep, b->p + b0, b->len - b0);
                    free(l->conflict);
                    l->conflict = keep;
                    l->conflict_len = b->len - b0;
                    l->conflict_gen = r->gen;
                }
            }
        }
        /* the children's rollup exceeds what is stated for the node */
        if (r->has_rollup && !r->overflow && r->rollup > r->stated) {
            rc |= check_head(b, "children_exceed_parent", r, r->rollup, ">", r->stated, 1);
            rc |= side(b, "parent", r, 1);
            rc |= fp_buf_puts(b, ",\"children\":[");
            int k = 0;
            /* the rows the roll-up added (or, overflowed, would have added) to this one, in view order */
            for (size_t j = r->child; j && !rc; j = v->r[j - 1].sibling) {
                const fp_view_row *ch = &v->r[j - 1];
                char bs[32];
                fp_dec_format(ch->best, bs, sizeof bs);
                rc |= fp_buf_puts(b, k++ ? ",{" : "{");
                rc |= fp_json_kv(b, "region_path", ch->path, 1);
                rc |= fp_json_kv(b, "best", bs, 0);
                rc |= fp_buf_printf(b, ",\"stated\":%s}", ch->has_stated ? "true" : "false");
            }
            rc |= fp_buf_puts(b, "]}}\n");
        }
        if (r->ind < 0) continue;
        const fp_indicator *in = &inds->v[r->ind];
        /* a finer indicator exceeds its whole */
        if (in->part_of >= 0 && fp_unit_additive(r->unit)) {
            const fp_view_row *w = find_row(c, r->region, r->code, r->year, inds->v[in->part_of].id, r->series, r->unit);
            if (w && w->has_stated && r->stated > w->stated) {
                rc |= check_head(b, "part_exceeds_whole", r, r->stated, ">", w->stated, 1);
                rc |= side(b, "part", r, 1);
                rc |= side(b, "whole", w, 1);
                rc |= fp_buf_puts(b, "}}\n");
            }
        }
        /* a rate outside 0-100 % */
        if (!strcmp(r->unit, "percent") && !strcmp(r->series, "value") && in->kind == FP_KIND_RATIO &&
            (r->stated < 0 || r->stated > 100 * (fp_dec)FP_DEC_SCALE)) {
            int low = r->stated < 0;
            rc |= check_head(b, "rate_out_of_range", r, r->stated, low ? "<" : ">", low ? 0 : 100 * (fp_dec)FP_DEC_SCALE,
                             1);
            rc |= side(b, "cell", r, 1);
            rc |= fp_buf_puts(b, "}}\n");
        }
        /* a stock that moves against its flows: this year's should be at most last year's minus this year's exits */
        if (in->decreased_by >= 0 && r->year && !strcmp(r->series, "value")) {
            const fp_view_row *prev = find_row(c, r->region, r->code, r->year - 1, r->indicator, "value", r->unit);
            const fp_view_row *flow =
                find_row(c, r->region, r->code, r->year, inds->v[in->decreased_by].id, "value", r->unit);
            if (prev && flow && prev->has_stated && flow->has_stated && r->stated > prev->stated - flow->stated) {
                rc |= check_head(b, "stock_against_flows", r, r->stated, ">", prev->stated - flow->stated, 1);
                rc |= side(b, "stock", r, 1);
                rc |= side(b, "previous", prev, 1);
                rc |= side(b, "flow", flow, 1);
                rc |= fp_buf_puts(b, "}}\n");
            }
        }
    }
    return rc ? FP_ENOMEM : FP_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int fp_table_checks(const fp_table *t, const fp_view *v, fp_buf *out)
{
    cache *ch = t->c;
    int rc = FP_OK;
    if (ch->fstale) {
        size_t cap = t->findings.n + 1;
        finding **fs = malloc(cap * sizeof *fs);
        const char **lines = malloc(cap * sizeof *lines);
        if (!fs || !lines) {
            free(fs);
            free(lines);
            return FP_ENOMEM;
        }
        size_t nl = fp_map_values(&t->findings, (void **)fs);
        for (size_t i = 0; i < nl; i++) lines[i] = fs[i]->line;
        free(fs);
        qsort(lines, nl, sizeof *lines, cmp_str); /* the same findings give the same file */
        free(ch->flines);
        ch->flines = lines;
        ch->nflines = nl;
        ch->capflines = cap;
        ch->fstale = 0;
    }
    for (size_t i = 0; i < ch->nflines && !rc; i++) {
        rc |= fp_buf_puts(out, ch->flines[i]);
        rc |= PUT_LIT(out, "\n");
    }
    if (rc) return FP_ENOMEM;
    checker c = {.t = t, .v = v, .out = out};
    rc = check_rows(&c);
    return rc ? FP_ENOMEM : FP_OK;
}

static line_sig sig_of(const fp_view_row *r)
{
    line_sig s;
    memset(&s, 0, sizeof s);
    s.gen = r->gen;
    s.stated = r->stated;
    s.rollup = r->rollup;
    s.best = r->best;
    s.coverage = r->coverage;
    s.children = r->children;
    s.facts = r->facts;
    s.reports = r->reports;
    s.has_stated = r->has_stated;
    s.has_rollup = r->has_rollup;
    s.overflow = r->overflow;
    return s;
}

static int sig_eq(const line_sig *a, const line_sig *b)
{
    return a->gen == b->gen && a->stated == b->stated && a->rollup == b->rollup && a->best == b->best &&
           a->coverage == b->coverage && a->children == b->children && a->facts == b->facts &&
           a->reports == b->reports && a->has_stated == b->has_stated && a->has_rollup == b->has_rollup &&
           a->overflow == b->overflow;
}

/* Renders one row's CSV and JSON lines at the ends of csv and jsonl. */
static int render_row(fp_buf *csv, fp_buf *jsonl, const fp_view_row *r)
{
    int rc = row_csv(csv, r);
    rc |= fp_view_row_json(r, jsonl, NULL, 1);
    rc |= PUT_LIT(jsonl, "\n");
    return rc;
}

/* Appends a row's lines: the cached ones when what the row shows has not changed since they were
 * rendered, else rendered anew and kept. */
static int put_row(const fp_table *t, fp_buf *csv, fp_buf *jsonl, const fp_view_row *r)
{
    lines *l = r->lines;
    line_sig s = sig_of(r);
    if (l && l->csv && sig_eq(&l->sig, &s)) {
        int rc = fp_buf_append(csv, l->csv, l->csv_len);
        return rc ? rc : fp_buf_append(jsonl, l->json, l->json_len);
    }
    size_t c0 = csv->len, j0 = jsonl->len;
    int rc = render_row(csv, jsonl, r);
    t->c->rendered++;
    if (rc || !l) return rc;
    char *cl = malloc(csv->len - c0 + 1), *jl = malloc(jsonl->len - j0 + 1);
    if (!cl || !jl) {
        /* not kept: rendered again next time */
        free(cl);
        free(jl);
        return FP_OK;
    }
    memcpy(cl, csv->p + c0, csv->len - c0);
    memcpy(jl, jsonl->p + j0, jsonl->len - j0);
    free(l->csv);
    free(l->json);
    l->csv = cl;
    l->json = jl;
    l->csv_len = csv->len - c0;
    l->json_len = jsonl->len - j0;
    l->sig = s;
    return FP_OK;
}

uint64_t fp_table_rendered(const fp_table *t) { return t->c->rendered; }

int fp_table_render(const fp_table *t, const fp_view *v, fp_buf *csv, fp_buf *jsonl, fp_buf *anomalies)
{
    int rc = fp_buf_puts(csv, "region_code,region_path,year,indicator,indicator_name,metric,series,unit,stated,status,"
                              "rollup,coverage,best,facts,reports\n");
    for (size_t i = 0; i < v->n && !rc; i++) rc |= put_row(t, csv, jsonl, &v->r[i]);
    if (!rc && anomalies) rc = fp_table_checks(t, v, anomalies);
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_outfiles_write(fp_outfiles *o, const char *dir, fp_buf now[3], size_t *bytes, unsigned *changed,
                      const char **why)
{
    static const char *const names[3] = {"totals.csv", "totals.jsonl", "anomalies.jsonl"};
    char p[3][4096];
    const char *paths[3];
    const void *data[3];
    size_t lens[3], n = 0;
    *bytes = 0;
    *changed = 0;
    for (int i = 0; i < 3; i++) {
        if (snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]) >= (int)sizeof p[i]) {
            *why = "path too long";
            return FP_EINVAL;
        }
        const fp_buf *w = &o->written[i];
        struct stat st;
        /* an acknowledgement alone changes no file, and a report that adds no finding leaves
         * anomalies.jsonl, most of the bytes, as it was */
        if (o->on_disk && now[i].len == w->len && (!w->len || !memcmp(now[i].p, w->p, w->len)) &&
            stat(p[i], &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == w->len)
            continue;
        paths[n] = p[i];
        data[n] = now[i].p;
        lens[n] = now[i].len;
        *bytes += now[i].len;
        *changed |= 1u << i;
        n++;
    }
    int rc = n ? fp_file_replace_all(paths, data, lens, n, why) : FP_OK;
    if (rc) {
        o->on_disk = 0; /* some of the set may be renamed in already */
        *bytes = 0;
        *changed = 0;
        return rc;
    }
    o->on_disk = 1;
    for (int i = 0; i < 3; i++) {
        fp_buf b = o->written[i];
        o->written[i] = now[i];
        now[i] = b;
    }
    return FP_OK;
}

void fp_outfiles_free(fp_outfiles *o)
{
    for (int i = 0; i < 3; i++) fp_buf_free(&o->written[i]);
    o->on_disk = 0;
}
