#include "fp_figjson.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_tsv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fp_map *m;
    int column;
} names;

static int add_name(char **f, int nf, int lineno, void *ud)
{
    (void)lineno;
    names *n = ud;
    if (n->column > nf) return FP_OK;
    const char *name = f[n->column - 1];
    if (*name && !fp_map_get(n->m, name)) return fp_map_put(n->m, name, n->m, NULL); /* a set: any non-NULL value */
    return FP_OK;
}

/* Adds the names in the given column (1-based) of a data file to the set m. */
static int add_names(fp_map *m, const char *path, int column)
{
    names n = {m, column};
    return fp_tsv_each(path, add_name, &n);
}

int fp_vocab_load(fp_vocab *v, const char *datadir)
{
    memset(v, 0, sizeof *v);
    char p[4096];
    snprintf(p, sizeof p, "%s/units.tsv", datadir);
    int rc = add_names(&v->units, p, 2);
    snprintf(p, sizeof p, "%s/metrics.tsv", datadir);
    if (!rc) rc = add_names(&v->metrics, p, 1);
    snprintf(p, sizeof p, "%s/indicators.tsv", datadir);
    if (!rc) rc = add_names(&v->indicators, p, 1);
    if (rc) fp_vocab_free(v);
    return rc;
}

void fp_vocab_free(fp_vocab *v)
{
    fp_map_free(&v->units);
    fp_map_free(&v->metrics);
    fp_map_free(&v->indicators);
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *x = json_object_get(o, key);
    return json_is_string(x) ? json_string_value(x) : NULL;
}

static int one_of(const char *s, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (!strcmp(s, *allowed)) return 1;
    return 0;
}

/* Fills f from one JSON object; strings point into o. why says what is wrong. */
static int figure_of(json_t *o, const fp_gazetteer *g, const fp_vocab *v, fp_figure *f, int *region,
                     char *why, size_t cap)
{
    static const char *const relations[] = {"total", "part", "per_unit", "change", "plan", NULL};
    static const char *const qualifiers[] = {"exact", "approx", "at_least", "at_most", NULL};
    memset(f, 0, sizeof *f);
    if (!json_is_object(o)) return snprintf(why, cap, "not a JSON object"), FP_EINVAL;
    json_t *val = json_object_get(o, "value");
    char num[64];
    if (json_is_string(val)) snprintf(num, sizeof num, "%s", json_string_value(val));
    else if (json_is_integer(val)) snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
    else if (json_is_real(val)) snprintf(num, sizeof num, "%.15g", json_real_value(val));
    else return snprintf(why, cap, "no value"), FP_EINVAL;
    if (fp_dec_parse(num, strlen(num), &f->value)) return snprintf(why, cap, "value '%s' is not a decimal", num), FP_EINVAL;
    const char *unit = str_of(o, "unit"), *metric = str_of(o, "metric");
    if (!unit || !fp_map_get(&v->units, unit)) return snprintf(why, cap, "unknown unit '%s'", unit ? unit : ""), FP_EINVAL;
    if (!metric || !fp_map_get(&v->metrics, metric))
        return snprintf(why, cap, "unknown metric '%s'", metric ? metric : ""), FP_EINVAL;
    snprintf(f->unit, sizeof f->unit, "%s", unit);
    snprintf(f->metric, sizeof f->metric, "%s", metric);
    const char *code = str_of(o, "region_code"), *path = str_of(o, "region_path");
    if (!path) path = str_of(o, "region");
    *region = -1;
    if (code && *code) *region = fp_gaz_find_code(g, code);
    else if (path && *path) *region = fp_gaz_find_path(g, path);
    if (*region < 0) {
        const char *what = code && *code ? code : path ? path : "";
        return snprintf(why, cap, "unknown region '%s'", what), FP_EINVAL;
    }
    snprintf(f->region_code, sizeof f->region_code, "%s", fp_gaz_region(g, *region)->code);
    json_t *y = json_object_get(o, "year");
    if (json_is_integer(y)) f->year = (int)json_integer_value(y);
    else if (json_is_string(y) && *json_string_value(y)) f->year = atoi(json_string_value(y));
    else if (y && !json_is_null(y) && !json_is_string(y)) return snprintf(why, cap, "year is not a number"), FP_EINVAL;
    if (f->year && (f->year < 1949 || f->year > 2100)) return snprintf(why, cap, "year %d out of range", f->year), FP_EINVAL;
    const char *rel = str_of(o, "relation"), *q = str_of(o, "qualifier");
    if (rel && !one_of(rel, relations)) return snprintf(why, cap, "unknown relation '%s'", rel), FP_EINVAL;
    if (q && !one_of(q, qualifiers)) return snprintf(why, cap, "unknown qualifier '%s'", q), FP_EINVAL;
    snprintf(f->relation, sizeof f->relation, "%s", rel ? rel : "total");
    snprintf(f->qualifier, sizeof f->qualifier, "%s", q ? q : "exact");
    static const char *const series[] = {"value", "target", "change", "rate", NULL};
    const char *ind = str_of(o, "indicator"), *se = str_of(o, "series");
    if (ind && *ind && !fp_map_get(&v->indicators, ind) &&
        !(strncmp(ind, "other:", 6) == 0 && ind[6] && strlen(ind) < sizeof f->indicator))
        return snprintf(why, cap, "unknown indicator '%s'", ind), FP_EINVAL;
    if (se && *se && !one_of(se, series)) return snprintf(why, cap, "unknown series '%s'", se), FP_EINVAL;
    snprintf(f->indicator, sizeof f->indicator, "%s", ind ? ind : "");
    snprintf(f->series, sizeof f->series, "%s", se ? se : "");
    const char *counter = str_of(o, "counter");
    snprintf(f->counter, sizeof f->counter, "%s", counter ? counter : "");
    f->text = (char *)str_of(o, "text");
    f->label = (char *)str_of(o, "label");
    f->sentence = (char *)str_of(o, "sentence");
    json_t *x;
    if (json_is_integer(x = json_object_get(o, "offset"))) f->offset = (uint32_t)json_integer_value(x);
    if (json_is_integer(x = json_object_get(o, "length"))) f->length = (uint32_t)json_integer_value(x);
    x = json_object_get(o, "optional");
    f->optional = (uint8_t)((json_is_integer(x) && json_integer_value(x)) || json_is_true(x) ||
                            (json_is_string(x) && !strcmp(json_string_value(x), "1")));
    return FP_OK;
}

int fp_figjson_parse(const char *text, size_t len, const fp_gazetteer *g, const fp_vocab *v, const char *source,
                     int (*cb)(const fp_figure *f, void *ud), void *ud, size_t *count, char *err, size_t errcap)
{
    *count = 0;
    /* Pass 1 checks every line; pass 2 emits. So a bad line anywhere means no figure at all. */
    for (int pass = 0; pass < 2; pass++) {
        size_t lineno = 0;
        for (size_t p = 0; p < len;) {
            const char *nl = memchr(text + p, '\n', len - p);
            size_t e = nl ? (size_t)(nl - text) : len;
            lineno++;
            size_t a = p;
            p = e + 1;
            while (a < e && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
            if (a == e) continue;
            json_error_t jerr;
            json_t *o = json_loadb(text + a, e - a, JSON_REJECT_DUPLICATES, &jerr);
            if (!o) {
                snprintf(err, errcap, "line %zu: %s", lineno, jerr.text);
                return FP_EINVAL;
            }
            fp_figure f;
            int region;
            char why[256];
            int rc = figure_of(o, g, v, &f, &region, why, sizeof why);
            if (rc) {
                snprintf(err, errcap, "line %zu: %s", lineno, why);
                json_decref(o);
                return FP_EINVAL;
            }
            if (pass == 1) {
                fp_buf pb = {0};
                char fallback[40];
                fp_dec_format(f.value, fallback, sizeof fallback);
                rc = fp_gaz_path(g, region, &pb);
                f.region_path = pb.p;
                f.source = (char *)source;
                if (!f.text) f.text = fallback;
                if (!rc && !pb.p) rc = FP_ENOMEM;
                if (!rc) rc = cb(&f, ud);
                fp_buf_free(&pb);
                if (rc) {
                    json_decref(o);
                    snprintf(err, errcap, "line %zu: %s", lineno, fp_strerror(rc));
                    return rc;
                }
                (*count)++;
            }
            json_decref(o);
        }
    }
    return FP_OK;
}
