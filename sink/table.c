#include "table.h"
#include "fp_err.h"
#include "fp_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key; /* "code|year|metric|unit"; NULL = empty slot, "" = deleted */
    fp_total tot;
    char *path;
} row;

typedef struct {
    char *id;
    uint64_t mask;
} ackent;

struct fp_table {
    const fp_gazetteer *g;
    uint32_t nshards;
    row *rows;
    size_t nrows, cap; /* cap is a power of two */
    ackent *acks;
    size_t nacks, capacks;
    size_t complete;
    fp_map findings; /* id -> finding */
};

typedef struct {
    uint32_t shard;
    char *line; /* the JSON object written to anomalies.jsonl */
} finding;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static char *make_key(const char *code, int year, const char *metric, const char *unit)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s|%d|%s|%s", code, year, metric, unit);
    return strdup(buf);
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

typedef struct {
    uint32_t shard;
    char **ids;
    size_t n;
} shard_ids;

static void collect_shard(const char *key, void *val, void *ud)
{
    shard_ids *s = ud;
    if (((finding *)val)->shard == s->shard && s->ids) s->ids[s->n++] = (char *)key;
}

int fp_table_new(fp_table **out, const fp_gazetteer *g, uint32_t nshards)
{
    fp_table *t = calloc(1, sizeof *t);
    if (!t) return FP_ENOMEM;
    t->g = g;
    t->nshards = nshards;
    t->cap = 1024;
    t->capacks = 1024;
    t->rows = calloc(t->cap, sizeof *t->rows);
    t->acks = calloc(t->capacks, sizeof *t->acks);
    if (!t->rows || !t->acks) {
        fp_table_free(t);
        return FP_ENOMEM;
    }
    *out = t;
    return FP_OK;
}

void fp_table_free(fp_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->cap && t->rows; i++) {
        free(t->rows[i].key);
        free(t->rows[i].path);
    }
    for (size_t i = 0; i < t->capacks && t->acks; i++) free(t->acks[i].id);
    fp_map_each(&t->findings, free_finding, NULL);
    fp_map_free(&t->findings);
    free(t->rows);
    free(t->acks);
    free(t);
}

static row *find_row(fp_table *t, const char *key, int create)
{
    size_t mask = t->cap - 1;
    row *tomb = NULL;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
        row *r = &t->rows[i];
        if (!r->key) return create ? (tomb ? tomb : r) : NULL;
        if (!*r->key) {
            if (!tomb) tomb = r;
            continue;
        }
        if (!strcmp(r->key, key)) return r;
    }
}

static int grow_rows(fp_table *t)
{
    row *old = t->rows;
    size_t oldcap = t->cap;
    t->cap *= 2;
    t->rows = calloc(t->cap, sizeof *t->rows);
    if (!t->rows) {
        t->rows = old;
        t->cap = oldcap;
        return FP_ENOMEM;
    }
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key) continue;
        if (!*old[i].key) {
            free(old[i].key);
            continue;
        }
        *find_row(t, old[i].key, 1) = old[i];
    }
    free(old);
    return FP_OK;
}

int fp_table_put(fp_table *t, const fp_total *tot)
{
    char *key = make_key(tot->region_code, tot->year, tot->metric, tot->unit);
    if (!key) return FP_ENOMEM;
    row *r = find_row(t, key, tot->facts > 0);
    if (tot->facts == 0) {
        if (r) {
            free(r->key);
            free(r->path);
            r->key = strdup("");
            r->path = NULL;
            t->nrows--;
        }
        free(key);
        return r && !r->key ? FP_ENOMEM : FP_OK;
    }
    if (!r->key || !*r->key) {
        if ((t->nrows + 1) * 2 > t->cap) {
            if (grow_rows(t)) {
                free(key);
                return FP_ENOMEM;
            }
            r = find_row(t, key, 1);
        }
        free(r->key);
        r->key = key;
        r->path = NULL;
        t->nrows++;
    } else {
        free(key);
    }
    char *path = strdup(tot->region_path ? tot->region_path : "");
    if (!path) return FP_ENOMEM;
    free(r->path);
    r->path = path;
    r->tot = *tot;
    r->tot.region_path = r->path;
    return FP_OK;
}

void fp_table_clear_shard(fp_table *t, uint32_t shard)
{
    for (size_t i = 0; i < t->cap; i++) {
        row *r = &t->rows[i];
        if (r->key && *r->key && r->tot.shard == shard) {
            free(r->key);
            free(r->path);
            r->key = strdup("");
            r->path = NULL;
            t->nrows--;
        }
    }
    shard_ids ids = {.shard = shard, .ids = malloc((t->findings.n + 1) * sizeof(char *))};
    fp_map_each(&t->findings, collect_shard, &ids);
    for (size_t i = 0; i < ids.n; i++) {
        char *k = strdup(ids.ids[i]); /* fp_map_del frees the map's copy of the key */
        finding *f = k ? fp_map_del(&t->findings, k) : NULL;
        if (f) free_finding(NULL, f, NULL);
        free(k);
    }
    free(ids.ids);
    uint64_t bit = 1ULL << shard, all = (t->nshards >= 64 ? ~0ULL : (1ULL << t->nshards) - 1);
    for (size_t i = 0; i < t->capacks; i++) {
        ackent *a = &t->acks[i];
        if (!a->id) continue;
        if (a->mask == all) t->complete--;
        a->mask &= ~bit;
    }
}

int fp_table_ack(fp_table *t, const char *id, uint32_t shard, int *completed)
{
    if (completed) *completed = 0;
    if (shard >= t->nshards) return FP_EINVAL;
    if ((t->nacks + 1) * 2 > t->capacks) {
        ackent *old = t->acks;
        size_t oc = t->capacks;
        t->capacks *= 2;
        t->acks = calloc(t->capacks, sizeof *t->acks);
        if (!t->acks) {
            t->acks = old;
            t->capacks = oc;
            return FP_ENOMEM;
        }
        for (size_t i = 0; i < oc; i++) {
            if (!old[i].id) continue;
            size_t j = hash(old[i].id) & (t->capacks - 1);
            while (t->acks[j].id) j = (j + 1) & (t->capacks - 1);
            t->acks[j] = old[i];
        }
        free(old);
    }
    size_t mask = t->capacks - 1, i = hash(id) & mask;
    while (t->acks[i].id && strcmp(t->acks[i].id, id)) i = (i + 1) & mask;
    ackent *a = &t->acks[i];
    if (!a->id) {
        if (!(a->id = strdup(id))) return FP_ENOMEM;
        t->nacks++;
    }
    uint64_t all = (t->nshards >= 64 ? ~0ULL : (1ULL << t->nshards) - 1);
    int was = a->mask == all;
    a->mask |= 1ULL << shard;
    if (!was && a->mask == all) {
        t->complete++;
        if (completed) *completed = 1;
    }
    return FP_OK;
}

size_t fp_table_complete(const fp_table *t) { return t->complete; }
size_t fp_table_rows(const fp_table *t) { return t->nrows; }

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

int fp_table_view(const fp_table *t, fp_view *v)
{
    v->r = NULL;
    v->n = 0;
    /* Every row adds itself to each ancestor's subtree: collect (node, year,
     * metric, unit) entries, merging the same key. Sizes are small (rows ×
     * depth ≤ 6), so a sort-and-merge keeps this simple. */
    size_t cap = t->nrows * 6 + 1, n = 0;
    fp_view_row *o = calloc(cap, sizeof *o);
    if (!o) return FP_ENOMEM;
    int rc = FP_OK;
    for (size_t i = 0; i < t->cap && !rc; i++) {
        const row *r = &t->rows[i];
        if (!r->key || !*r->key) continue;
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
