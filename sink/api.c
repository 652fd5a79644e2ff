#include "api.h"
#include "fp_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const levels[] = {"nation", "province", "prefecture", "county", "township", "village"};

const char *fp_level_name(int level) { return level >= 0 && level <= 5 ? levels[level] : "unknown"; }

int fp_level_parse(const char *s)
{
    for (int i = 0; i <= 5; i++)
        if (!strcmp(s, levels[i])) return i;
    if (s[0] >= '0' && s[0] <= '5' && !s[1]) return s[0] - '0';
    return -1;
}

int fp_api_region(const fp_gazetteer *g, const char *q)
{
    if (!q || !*q) return -1;
    int idx = fp_gaz_find_code(g, q);
    if (idx >= 0) return idx;
    if (strchr(q, '/')) return fp_gaz_find_path(g, q);
    const int *c;
    int nc;
    size_t n = fp_gaz_match(g, q, strlen(q), 0, &c, &nc);
    if (n != strlen(q) || nc == 0) return -1;
    int best = c[0];
    for (int i = 1; i < nc; i++)
        if (fp_gaz_region(g, c[i])->level < fp_gaz_region(g, best)->level) best = c[i];
    return best;
}

static const char *arg(const fp_args *a, const char *name)
{
    const char *v = a->get(a->ctx, name);
    return v && *v ? v : NULL;
}

int fp_api_error(fp_buf *body, const char *msg)
{
    fp_buf_reset(body);
    int rc = fp_buf_puts(body, "{\"error\":");
    rc |= fp_buf_json_str(body, msg, strlen(msg));
    rc |= fp_buf_puts(body, "}");
    return rc ? FP_ENOMEM : FP_OK;
}

static int error(fp_buf *body, int *status, int code, const char *fmt, const char *what)
{
    *status = code;
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what);
    return fp_api_error(body, msg);
}

typedef struct {
    int region, level, year; /* -1 = any */
    const char *metric, *unit, *indicator, *series;
} filter;

/* Reads the common filters; returns 0, or the HTTP status of a bad query (body filled). */
static int read_filter(const fp_gazetteer *g, const fp_args *a, filter *f, int with_region, fp_buf *body, int *status,
                       int *rc)
{
    f->region = f->level = f->year = -1;
    f->metric = arg(a, "metric");
    f->unit = arg(a, "unit");
    f->indicator = arg(a, "indicator");
    f->series = arg(a, "series");
    if (f->series && strcmp(f->series, "value") && strcmp(f->series, "target") && strcmp(f->series, "change") &&
        strcmp(f->series, "rate"))
        return *rc = error(body, status, 400, "series '%s' is not one of value, target, change, rate", f->series), 1;
    const char *r = with_region ? arg(a, "region") : NULL, *l = arg(a, "level"), *y = arg(a, "year");
    if (r && (f->region = fp_api_region(g, r)) < 0) return *rc = error(body, status, 404, "unknown region '%s'", r), 1;
    if (l && (f->level = fp_level_parse(l)) < 0)
        return *rc = error(body, status, 400, "level '%s' is not one of province, prefecture, county, township, village", l), 1;
    if (y) {
        char *end;
        long v = strtol(y, &end, 10);
        if (*end || v < 1900 || v > 2100) return *rc = error(body, status, 400, "year '%s' is not a year", y), 1;
        f->year = (int)v;
    }
    return 0;
}

static int keep(const fp_gazetteer *g, const fp_view_row *r, const filter *f)
{
    if (f->region >= 0 && r->region != f->region) return 0;
    if (f->level >= 0 && (r->region < 0 || fp_gaz_region(g, r->region)->level != f->level)) return 0;
    if (f->year >= 0 && r->year != f->year) return 0;
    if (f->metric && strcmp(r->metric, f->metric)) return 0;
    if (f->unit && strcmp(r->unit, f->unit)) return 0;
    if (f->indicator && strcmp(r->indicator, f->indicator)) return 0;
    if (f->series && strcmp(r->series, f->series)) return 0;
    return 1;
}

static int row_json(const fp_gazetteer *g, const fp_view_row *r, fp_buf *b)
{
    const fp_region *reg = r->region >= 0 ? fp_gaz_region(g, r->region) : NULL;
    return fp_view_row_json(r, b, fp_level_name(reg ? reg->level : -1), 1);
}

int fp_api_totals(const fp_table *t, const fp_gazetteer *g, const fp_args *a, fp_buf *body, int *status)
{
    filter f;
    int rc = FP_OK;
    if (read_filter(g, a, &f, 1, body, status, &rc)) return rc;
    fp_view v;
    if ((rc = fp_table_view(t, &v))) return rc;
    rc = fp_buf_puts(body, "[");
    size_t k = 0;
    for (size_t i = 0; i < v.n && !rc; i++) {
        if (!keep(g, &v.r[i], &f)) continue;
        if (k++) rc |= fp_buf_puts(body, ",");
        rc |= row_json(g, &v.r[i], body);
    }
    rc |= fp_buf_puts(body, "]");
    fp_view_free(&v);
    *status = 200;
    return rc ? FP_ENOMEM : FP_OK;
}

/* Writes node idx and, recursively, its children present in the view. */
static int tree_json(const fp_gazetteer *g, const fp_view *v, const filter *f, const int *nodes, size_t nn, int idx,
                     fp_buf *b, int depth)
{
    const fp_region *reg = fp_gaz_region(g, idx);
    fp_buf path = {0};
    int rc = fp_gaz_path(g, idx, &path);
    rc |= fp_buf_puts(b, "{\"code\":");
    rc |= fp_buf_json_str(b, reg->code, strlen(reg->code));
    rc |= fp_buf_puts(b, ",\"name\":");
    rc |= fp_buf_json_str(b, reg->name, strlen(reg->name));
    rc |= fp_buf_puts(b, ",\"path\":");
    rc |= fp_buf_json_str(b, path.p ? path.p : "", path.len);
    rc |= fp_buf_printf(b, ",\"level\":\"%s\",\"totals\":[", fp_level_name(reg->level));
    fp_buf_free(&path);
    size_t k = 0;
    for (size_t i = 0; i < v->n && !rc; i++) {
        if (v->r[i].region != idx || !keep(g, &v->r[i], f)) continue;
        if (k++) rc |= fp_buf_puts(b, ",");
        rc |= row_json(g, &v->r[i], b);
    }
    rc |= fp_buf_puts(b, "],\"children\":[");
    k = 0;
    for (size_t i = 0; i < nn && !rc && depth < 8; i++) {
        if (fp_gaz_region(g, nodes[i])->parent != idx) continue;
        if (k++) rc |= fp_buf_puts(b, ",");
        rc |= tree_json(g, v, f, nodes, nn, nodes[i], b, depth + 1);
    }
    rc |= fp_buf_puts(b, "]}");
    return rc;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int fp_api_regions(const fp_table *t, const fp_gazetteer *g, const fp_args *a, fp_buf *body, int *status)
{
    filter f;
    int rc = FP_OK;
    if (read_filter(g, a, &f, 0, body, status, &rc)) return rc;
    fp_view v;
    if ((rc = fp_table_view(t, &v))) return rc;
    int *nodes = malloc((v.n + 1) * sizeof *nodes);
    size_t nn = 0;
    if (!nodes) rc = FP_ENOMEM;
    for (size_t i = 0; i < v.n && !rc; i++)
        if (v.r[i].region >= 0 && keep(g, &v.r[i], &f)) nodes[nn++] = v.r[i].region;
    if (!rc) {
        qsort(nodes, nn, sizeof *nodes, cmp_int);
        size_t m = 0;
        for (size_t i = 0; i < nn; i++)
            if (!m || nodes[m - 1] != nodes[i]) nodes[m++] = nodes[i];
        nn = m;
        rc = fp_buf_puts(body, "[");
        size_t k = 0;
        for (size_t i = 0; i < nn && !rc; i++) {
            int parent = fp_gaz_region(g, nodes[i])->parent;
            if (parent >= 0 && bsearch(&parent, nodes, nn, sizeof *nodes, cmp_int)) continue; /* not a root */
            if (k++) rc |= fp_buf_puts(body, ",");
            rc |= tree_json(g, &v, &f, nodes, nn, nodes[i], body, 0);
        }
        rc |= fp_buf_puts(body, "]");
    }
    free(nodes);
    fp_view_free(&v);
    *status = 200;
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_api_anomalies(const fp_table *t, fp_buf *body, int *status)
{
    fp_view v;
    fp_buf lines = {0};
    int rc = fp_table_view(t, &v);
    if (rc) return rc;
    rc = fp_table_checks(t, &v, &lines);
    fp_view_free(&v);
    rc |= fp_buf_puts(body, "[");
    /* the findings are JSON lines: join them */
    for (size_t i = 0, k = 0; i < lines.len && !rc;) {
        const char *nl = memchr(lines.p + i, '\n', lines.len - i);
        size_t e = nl ? (size_t)(nl - lines.p) : lines.len;
        if (e > i) {
            if (k++) rc |= fp_buf_puts(body, ",");
            rc |= fp_buf_append(body, lines.p + i, e - i);
        }
        i = e + 1;
    }
    rc |= fp_buf_puts(body, "]");
    fp_buf_free(&lines);
    *status = 200;
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_api_indicators(const fp_indicators *ind, fp_buf *body, int *status)
{
    int rc = fp_buf_puts(body, "[");
    for (int i = 0; i < ind->n && !rc; i++) {
        const fp_indicator *x = &ind->v[i];
        rc |= fp_buf_puts(body, i ? ",{\"id\":" : "{\"id\":");
        rc |= fp_buf_json_str(body, x->id, strlen(x->id));
        rc |= fp_buf_puts(body, ",\"name\":");
        rc |= fp_buf_json_str(body, x->name, strlen(x->name));
        rc |= fp_buf_puts(body, ",\"metric\":");
        rc |= fp_buf_json_str(body, x->metric, strlen(x->metric));
        rc |= fp_buf_printf(body, ",\"kind\":\"%s\",\"additive\":%s,\"units\":[", fp_kind_name(x->kind),
                            fp_kind_additive(x->kind) ? "true" : "false");
        for (int u = 0; u < x->nunits; u++) {
            rc |= u ? fp_buf_puts(body, ",") : 0;
            rc |= fp_buf_json_str(body, x->units[u], strlen(x->units[u]));
        }
        rc |= fp_buf_puts(body, "],\"part_of\":");
        if (x->part_of >= 0) rc |= fp_buf_json_str(body, ind->v[x->part_of].id, strlen(ind->v[x->part_of].id));
        else rc |= fp_buf_puts(body, "null");
        rc |= fp_buf_puts(body, "}");
    }
    rc |= fp_buf_puts(body, "]");
    *status = 200;
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_api_facts_args(const fp_gazetteer *g, const fp_args *a, char code[16], int *year, char indicator[96],
                      char series[12], char unit[16], fp_buf *body, int *status)
{
    filter f;
    int rc = FP_OK;
    if (read_filter(g, a, &f, 1, body, status, &rc)) return rc;
    if (f.region < 0 || !f.indicator)
        return error(body, status, 400, "%s", "facts need region=CODE|NAME, year= and indicator= (series= and unit= narrow them)");
    if (strlen(f.indicator) >= 96 || strchr(f.indicator, '\n'))
        return error(body, status, 400, "%s", "indicator= is too long or holds a line break");
    snprintf(code, 16, "%s", fp_gaz_region(g, f.region)->code);
    *year = f.year < 0 ? 0 : f.year;
    snprintf(indicator, 96, "%s", f.indicator);
    snprintf(series, 12, "%s", f.series ? f.series : "");
    snprintf(unit, 16, "%s", f.unit && strlen(f.unit) < 16 && !strchr(f.unit, '\n') ? f.unit : "");
    *status = 200;
    return FP_OK;
}

/* A label value: backslash, quote and newline escaped. */
static int label(fp_buf *b, const char *s)
{
    int rc = 0;
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') rc |= fp_buf_printf(b, "\\%c", *s);
        else if (*s == '\n') rc |= fp_buf_puts(b, "\\n");
        else rc |= fp_buf_append(b, s, 1);
    }
    return rc;
}

int fp_api_metrics(const fp_table *t, const fp_gazetteer *g, const fp_health *h, const fp_latency *lat,
                   uint64_t now_ms, fp_buf *body)
{
    fp_view v;
    int rc = fp_table_view(t, &v);
    if (rc) return rc;
    static const char *const kinds[] = {"stated", "rollup", "best"};
    static const char *const help[] = {"the value the reports state for the region itself",
                                       "the sum of the children's best values (flows, stocks, running counts)",
                                       "stated, else rollup"};
    for (int k = 0; k < 3 && !rc; k++) {
        rc |= fp_buf_printf(body,
                            "# HELP fupin_%s A cell's %s (base units), per region, year, indicator, series and unit.\n"
                            "# TYPE fupin_%s gauge\n",
                            kinds[k], help[k], kinds[k]);
        for (size_t i = 0; i < v.n && !rc; i++) {
            const fp_view_row *r = &v.r[i];
            int have = k == 0 ? r->has_stated : k == 1 ? r->has_rollup && !r->overflow
                                                       : r->has_stated || (r->has_rollup && !r->overflow);
            if (!have) continue;
            const fp_region *reg = r->region >= 0 ? fp_gaz_region(g, r->region) : NULL;
            char val[32], year[16] = "";
            fp_dec_format(k == 0 ? r->stated : k == 1 ? r->rollup : r->best, val, sizeof val);
            if (r->year) snprintf(year, sizeof year, "%d", r->year);
            rc |= fp_buf_printf(body, "fupin_%s{region_code=\"", kinds[k]);
            rc |= label(body, r->code);
            rc |= fp_buf_puts(body, "\",region_name=\"");
            rc |= label(body, reg ? reg->name : r->path);
            rc |= fp_buf_printf(body, "\",level=\"%s\",year=\"%s\",indicator=\"", fp_level_name(reg ? reg->level : -1),
                                year);
            rc |= label(body, r->indicator);
            rc |= fp_buf_puts(body, "\",series=\"");
            rc |= label(body, r->series);
            rc |= fp_buf_puts(body, "\",unit=\"");
            rc |= label(body, r->unit);
            rc |= fp_buf_printf(body, "\"} %s\n", val);
        }
    }
    fp_view_free(&v);
    if (!rc) rc = fp_health_metrics(h, now_ms, body);
    rc |= fp_buf_puts(body, "# HELP fupin_report_latency_seconds Time from a report's arrival at ingest to its totals at the sink.\n"
                            "# TYPE fupin_report_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (int i = 0; i < FP_LAT_NBUCKETS && !rc; i++) {
        cum += lat->buckets[i];
        rc |= fp_buf_printf(body, "fupin_report_latency_seconds_bucket{le=\"%g\"} %llu\n", fp_lat_bounds[i] / 1000.0,
                            (unsigned long long)cum);
    }
    cum += lat->buckets[FP_LAT_NBUCKETS];
    rc |= fp_buf_printf(body, "fupin_report_latency_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    rc |= fp_buf_printf(body, "fupin_report_latency_seconds_sum %.3f\nfupin_report_latency_seconds_count %llu\n",
                        (double)lat->sum_ms / 1000.0, (unsigned long long)lat->count);
    return rc ? FP_ENOMEM : FP_OK;
}
