#include "table.h"
#include "fp_err.h"
#include "fp_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fp_total tot;
    char *path;
} row;

struct fp_table {
    const fp_gazetteer *g;
    uint32_t nshards;
    fp_map rows;     /* "code|year|metric|unit" -> row */
    fp_map acks;     /* report id -> uint64_t bitmask of the shards that acknowledged it */
    size_t complete;
    fp_map findings; /* id -> finding */
};

typedef struct {
    uint32_t shard;
    char *line; /* the JSON object written to anomalies.jsonl */
} finding;

static void make_key(char *buf, size_t cap, const char *code, int year, const char *metric, const char *unit)
{
    snprintf(buf, cap, "%s|%d|%s|%s", code, year, metric, unit);
}

static void free_row(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    row *r = val;
    free(r->path);
    free(r);
}

static void free_val(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    free(val);
}

static void free_finding(const char *key, void *val, void *ud)
{
    (void)key;
    (void)ud;
    finding *f = val;
    free(f->line);
    free(f);
}

int fp_table_anomaly(fp_table *t, const fp_anomaly *a)
{
    if (!a->live) {
        finding *f = fp_map_del(&t->findings, a->id);
        if (f) free_finding(NULL, f, NULL);
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
    rc |= fp_buf_puts(&b, ",\"metric\":");
    rc |= fp_buf_json_str(&b, a->metric, strlen(a->metric));
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
    if (old) free_finding(NULL, old, NULL);
    return FP_OK;
}

size_t fp_table_anomalies(const fp_table *t) { return t->findings.n; }

int fp_table_new(fp_table **out, const fp_gazetteer *g, uint32_t nshards)
{
    fp_table *t = calloc(1, sizeof *t);
    if (!t) return FP_ENOMEM;
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
    free(t);
}

int fp_table_put(fp_table *t, const fp_total *tot)
{
    char key[96];
    make_key(key, sizeof key, tot->region_code, tot->year, tot->metric, tot->unit);
    if (tot->facts == 0) {
        row *r = fp_map_del(&t->rows, key);
        if (r) free_row(NULL, r, NULL);
        return FP_OK;
    }
    char *path = strdup(tot->region_path ? tot->region_path : "");
    row *r = fp_map_get(&t->rows, key);
    int fresh = !r;
    if (fresh) r = calloc(1, sizeof *r);
    if (!path || !r || (fresh && fp_map_put(&t->rows, key, r, NULL))) {
        free(path);
        if (fresh) free(r);
        return FP_ENOMEM;
    }
    free(r->path);
    r->path = path;
    r->tot = *tot;
    r->tot.region_path = r->path;
    return FP_OK;
}

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
    uint64_t *mask = val;
    if (*mask == u->all) (*u->complete)--;
    *mask &= ~u->bit;
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
    }
    unack u = {1ULL << shard, all_shards(t), &t->complete};
    fp_map_each(&t->acks, unack_one, &u);
}

int fp_table_ack(fp_table *t, const char *id, uint32_t shard, int *completed)
{
    if (completed) *completed = 0;
    if (shard >= t->nshards) return FP_EINVAL;
    uint64_t *mask = fp_map_get(&t->acks, id);
    if (!mask) {
        if (!(mask = calloc(1, sizeof *mask))) return FP_ENOMEM;
        if (fp_map_put(&t->acks, id, mask, NULL)) {
            free(mask);
            return FP_ENOMEM;
        }
    }
    uint64_t all = all_shards(t);
    int was = *mask == all;
    *mask |= 1ULL << shard;
    if (!was && *mask == all) {
        t->complete++;
        if (completed) *completed = 1;
    }
    return FP_OK;
}

size_t fp_table_complete(const fp_table *t) { return t->complete; }
size_t fp_table_rows(const fp_table *t) { return t->rows.n; }

/* ---- rendering: own rows plus every ancestor, with subtree sums ---- */

static int cmp_out(const void *a, const void *b)
{
    const fp_view_row *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c) return c;
    char ya[16], yb[16];
    snprintf(ya, sizeof ya, "%d", x->year);
    snprintf(yb, sizeof yb, "%d", y->year);
    if ((c = strcmp(x->year ? ya : "", y->year ? yb : ""))) return c;
    if ((c = strcmp(x->metric, y->metric))) return c;
    return strcmp(x->unit, y->unit);
}

typedef struct {
    const char **v;
    size_t n;
} linelist;

static void collect_line(const char *key, void *val, void *ud)
{
    (void)key;
    linelist *l = ud;
    l->v[l->n++] = ((finding *)val)->line;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* A node whose children add up to more than what was stated for the node itself. */
static int tree_check(const fp_table *t, const fp_view_row *o, size_t m, fp_buf *out)
{
    int rc = FP_OK;
    for (size_t i = 0; i < m && !rc; i++) {
        if (!o[i].facts || o[i].region < 0) continue;
        fp_dec children = o[i].subtree - o[i].own;
        if (children <= o[i].own) continue;
        char own[32], ch[32], year[16] = "null";
        fp_dec_format(o[i].own, own, sizeof own);
        fp_dec_format(children, ch, sizeof ch);
        if (o[i].year) snprintf(year, sizeof year, "%d", o[i].year);
        rc |= fp_buf_puts(out, "{\"kind\":\"children_exceed_parent\",\"region_code\":");
        rc |= fp_buf_json_str(out, o[i].code, strlen(o[i].code));
        rc |= fp_buf_puts(out, ",\"region_path\":");
        rc |= fp_buf_json_str(out, o[i].path, strlen(o[i].path));
        rc |= fp_buf_printf(out, ",\"year\":%s,\"metric\":\"%s\",\"unit\":\"%s\",\"detail\":{\"own\":\"%s\","
                                 "\"children_subtree\":\"%s\",\"children\":[",
                            year, o[i].metric, o[i].unit, own, ch);
        int k = 0;
        for (size_t j = 0; j < m && !rc; j++) {
            if (o[j].region < 0 || o[j].year != o[i].year || strcmp(o[j].metric, o[i].metric) ||
                strcmp(o[j].unit, o[i].unit) || fp_gaz_region(t->g, o[j].region)->parent != o[i].region)
                continue;
            char sub[32];
            fp_dec_format(o[j].subtree, sub, sizeof sub);
            rc |= fp_buf_puts(out, k++ ? ",{\"region_path\":" : "{\"region_path\":");
            rc |= fp_buf_json_str(out, o[j].path, strlen(o[j].path));
            rc |= fp_buf_printf(out, ",\"subtree\":\"%s\"}", sub);
        }
        rc |= fp_buf_puts(out, "]}}\n");
    }
    return rc ? FP_ENOMEM : FP_OK;
}

void fp_view_free(fp_view *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->r[i].path);
    free(v->r);
    v->r = NULL;
    v->n = 0;
}

typedef struct {
    const row **r;
    size_t n;
} rowlist;

static void collect_row(const char *key, void *val, void *ud)
{
    (void)key;
    rowlist *l = ud;
    l->r[l->n++] = val;
}

int fp_table_view(const fp_table *t, fp_view *v)
{
    v->r = NULL;
    v->n = 0;
    /* Every row adds itself to each ancestor's subtree: collect (node, year,
     * metric, unit) entries, merging the same key. Sizes are small (rows ×
     * depth ≤ 6), so a sort-and-merge keeps this simple. */
    size_t cap = t->rows.n * 6 + 1, n = 0;
    fp_view_row *o = calloc(cap, sizeof *o);
    rowlist rl = {.r = malloc((t->rows.n + 1) * sizeof(row *))};
    if (!o || !rl.r) {
        free(o);
        free(rl.r);
        return FP_ENOMEM;
    }
    fp_map_each(&t->rows, collect_row, &rl);
    int rc = FP_OK;
    for (size_t i = 0; i < rl.n && !rc; i++) {
        const row *r = rl.r[i];
        int idx = fp_gaz_find_code(t->g, r->tot.region_code);
        int depth = 0;
        for (int a = idx; depth < 6; depth++) {
            fp_view_row *e = &o[n++];
            e->region = a;
            e->year = r->tot.year;
            e->metric = r->tot.metric;
            e->unit = r->tot.unit;
            e->subtree = r->tot.own;
            if (depth == 0) {
                e->own = r->tot.own;
                e->facts = r->tot.facts;
                e->reports = r->tot.reports;
                snprintf(e->code, sizeof e->code, "%s", r->tot.region_code);
                e->path = strdup(r->path);
            } else {
                const fp_region *reg = fp_gaz_region(t->g, a);
                snprintf(e->code, sizeof e->code, "%s", reg->code);
                fp_buf b = {0};
                fp_gaz_path(t->g, a, &b);
                e->path = b.p ? b.p : strdup("");
            }
            if (!e->path) {
                rc = FP_ENOMEM;
                break;
            }
            if (idx < 0) break; /* unknown code: no ancestors to add to */
            a = fp_gaz_region(t->g, a)->parent;
            if (a < 0) break;
        }
    }
    free(rl.r);
    qsort(o, n, sizeof *o, cmp_out);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && !cmp_out(&o[m - 1], &o[i])) {
            fp_view_row *d = &o[m - 1];
            rc |= fp_dec_add(&d->own, o[i].own);
            rc |= fp_dec_add(&d->subtree, o[i].subtree);
            d->facts += o[i].facts;
            d->reports += o[i].reports;
            free(o[i].path);
        } else {
            o[m++] = o[i];
        }
    }
    v->r = o;
    v->n = m;
    if (rc) fp_view_free(v);
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_table_render(const fp_table *t, const fp_view *v, fp_buf *csv, fp_buf *jsonl, fp_buf *anomalies)
{
    const fp_view_row *o = v->r;
    size_t m = v->n;
    int rc = fp_buf_puts(csv, "region_code,region_path,year,metric,unit,own,subtree,facts,reports\n");
    for (size_t i = 0; i < m && !rc; i++) {
        char own[32], sub[32], year[16] = "";
        fp_dec_format(o[i].own, own, sizeof own);
        fp_dec_format(o[i].subtree, sub, sizeof sub);
        if (o[i].year) snprintf(year, sizeof year, "%d", o[i].year);
        rc |= fp_buf_csv_str(csv, o[i].code);
        rc |= fp_buf_puts(csv, ",");
        rc |= fp_buf_csv_str(csv, o[i].path);
        rc |= fp_buf_printf(csv, ",%s,%s,%s,%s,%s,%u,%u\n", year, o[i].metric, o[i].unit, own, sub, o[i].facts,
                            o[i].reports);
        rc |= fp_buf_puts(jsonl, "{\"region_code\":");
        rc |= fp_buf_json_str(jsonl, o[i].code, strlen(o[i].code));
        rc |= fp_buf_puts(jsonl, ",\"region_path\":");
        rc |= fp_buf_json_str(jsonl, o[i].path, strlen(o[i].path));
        rc |= fp_buf_printf(jsonl, ",\"year\":%s,\"metric\":\"%s\",\"unit\":\"%s\",\"own\":\"%s\",\"subtree\":\"%s\","
                                   "\"facts\":%u,\"reports\":%u}\n",
                            o[i].year ? year : "null", o[i].metric, o[i].unit, own, sub, o[i].facts, o[i].reports);
    }
    if (!rc && anomalies) {
        linelist l = {.v = malloc((t->findings.n + 1) * sizeof(char *))};
        if (!l.v) rc = FP_ENOMEM;
        if (!rc) {
            fp_map_each(&t->findings, collect_line, &l);
            qsort(l.v, l.n, sizeof *l.v, cmp_str); /* the same findings give the same file */
            for (size_t i = 0; i < l.n && !rc; i++) rc |= fp_buf_printf(anomalies, "%s\n", l.v[i]);
            free(l.v);
        }
        if (!rc) rc = tree_check(t, o, m, anomalies);
    }
    return rc ? FP_ENOMEM : FP_OK;
}
