#include "fp_indicators.h"
#include "fp_err.h"
#include "fp_tsv.h"
#include "fp_log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"flow", "stock", "running", "ratio", "per_capita"};

const char *fp_kind_name(fp_kind k) { return (unsigned)k < 5 ? kind_names[k] : "?"; }
int fp_kind_additive(fp_kind k) { return k == FP_KIND_FLOW || k == FP_KIND_STOCK || k == FP_KIND_RUNNING; }

int fp_unit_additive(const char *unit)
{
    static const char *const add[] = {"CNY", "person", "person_time", "household", "mu", "head",
                                      "km",  "kW",     "kWh",         "kg",        "sqm", "count"};
    for (size_t i = 0; i < sizeof add / sizeof add[0]; i++)
        if (!strcmp(unit, add[i])) return 1;
    return 0;
}

int fp_indicators_find(const fp_indicators *s, const char *id)
{
    void *v = fp_map_get(&s->by_id, id);
    return v ? (int)((uintptr_t)v - 1) : -1;
}

int fp_indicator_has_unit(const fp_indicator *ind, const char *unit)
{
    for (int i = 0; i < ind->nunits; i++)
        if (!strcmp(ind->units[i], unit)) return 1;
    return 0;
}

static void free_phrases(fp_phrase *p, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < p[i].nparts; k++) free(p[i].part[k]);
    free(p);
}

void fp_indicators_free(fp_indicators *s)
{
    for (int i = 0; i < s->n; i++) {
        free_phrases(s->v[i].cues, s->v[i].ncues);
        free_phrases(s->v[i].anti, s->v[i].nanti);
    }
    free(s->v);
    fp_map_free(&s->by_id);
    memset(s, 0, sizeof *s);
}

/* Splits "a|b…c" into phrases; "-" or "" is none. Returns a reason on error. */
static const char *parse_phrases(char *field, fp_phrase **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!*field || !strcmp(field, "-")) return NULL;
    int cap = 1;
    for (const char *c = field; *c; c++) cap += *c == '|';
    fp_phrase *p = calloc((size_t)cap, sizeof *p);
    if (!p) return "out of memory";
    for (char *tok = field, *next; tok; tok = next) {
        next = strchr(tok, '|');
        if (next) *next++ = '\0';
        fp_phrase *ph = &p[*n];
        char *part = tok;
        for (;;) {
            char *gap = strstr(part, "…");
            size_t l = gap ? (size_t)(gap - part) : strlen(part);
            if (l == 0 || l > 60 || ph->nparts == 4) {
                *out = p;
                (*n)++;
                return l == 0 ? "an empty phrase or part" : l > 60 ? "a phrase part over 60 bytes" : "over 4 parts";
            }
            if (!(ph->part[ph->nparts] = strndup(part, l))) {
                *out = p;
                (*n)++;
                return "out of memory";
            }
            ph->plen[ph->nparts++] = (unsigned char)l;
            ph->len += l;
            if (!gap) break;
            part = gap + strlen("…");
        }
        (*n)++;
    }
    *out = p;
    return NULL;
}

static int parse_kind(const char *s, fp_kind *k)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, kind_names[i])) return *k = (fp_kind)i, 1;
    return 0;
}

/* part_of / decreased_by are names until every line is read. */
typedef struct {
    char part_of[48], decreased_by[48];
    int line;
} pending;

typedef struct {
    fp_indicators *s;
    const char *path;
    pending *pend;
    int cap;
} loader;

static int load_line(char **col, int nc, int lineno, void *ud)
{
    loader *ld = ud;
    fp_indicators *s = ld->s;
    const char *why = NULL;
    if (nc < 8 || nc > 9)
        why = "expected 8 or 9 tab-separated columns (id name metric units kind part_of cues anti_cues [decreased_by])";
    else if (!*col[0] || strlen(col[0]) >= sizeof s->v->id || strchr(col[0], ' ') ||
             !strncmp(col[0], FP_OTHER_PREFIX, strlen(FP_OTHER_PREFIX)))
        why = "bad id (empty, too long, a space, or other:)";
    else if (fp_map_get(&s->by_id, col[0])) why = "id defined twice";
    else if (!*col[1] || strlen(col[1]) >= sizeof s->v->name) why = "bad name";
    else if (!*col[2] || strlen(col[2]) >= sizeof s->v->metric) why = "bad metric";
    if (!why && s->n == ld->cap) {
        int cap = ld->cap ? ld->cap * 2 : 64;
        fp_indicator *nv = realloc(s->v, (size_t)cap * sizeof *nv);
        pending *np = realloc(ld->pend, (size_t)cap * sizeof *np);
        if (nv) s->v = nv;
        if (np) ld->pend = np;
        if (!nv || !np) why = "out of memory";
        else ld->cap = cap;
    }
    if (why) {
        fp_error("%s:%d: %s", ld->path, lineno, why);
        return FP_EINVAL;
    }
    fp_indicator *ind = &s->v[s->n];
    memset(ind, 0, sizeof *ind);
    ind->part_of = ind->decreased_by = -1;
    snprintf(ind->id, sizeof ind->id, "%s", col[0]);
    snprintf(ind->name, sizeof ind->name, "%s", col[1]);
    snprintf(ind->metric, sizeof ind->metric, "%s", col[2]);
    char *usave = NULL;
    for (char *u = strtok_r(col[3], ",", &usave); u && !why; u = strtok_r(NULL, ",", &usave)) {
        if (ind->nunits == FP_IND_UNITS || strlen(u) >= sizeof ind->units[0]) why = "too many or too long units";
        else snprintf(ind->units[ind->nunits++], sizeof ind->units[0], "%s", u);
    }
    if (!why && !ind->nunits) why = "no unit";
    if (!why && !parse_kind(col[4], &ind->kind)) why = "kind must be flow, stock, running, ratio or per_capita";
    pending *pd = &ld->pend[s->n];
    snprintf(pd->part_of, sizeof pd->part_of, "%s", strcmp(col[5], "-") ? col[5] : "");
    snprintf(pd->decreased_by, sizeof pd->decreased_by, "%s", nc > 8 && strcmp(col[8], "-") ? col[8] : "");
    pd->line = lineno;
    s->n++; /* counted now so its phrases are freed on error */
    if (!why) why = parse_phrases(col[6], &ind->cues, &ind->ncues);
    if (!why) why = parse_phrases(col[7], &ind->anti, &ind->nanti);
    if (!why && fp_map_put(&s->by_id, ind->id, (void *)(uintptr_t)s->n, NULL)) why = "out of memory";
    if (why) {
        fp_error("%s:%d: %s", ld->path, lineno, why);
        return FP_EINVAL;
    }
    return FP_OK;
}

int fp_indicators_load(fp_indicators *s, const char *path)
{
    memset(s, 0, sizeof *s);
    loader ld = {.s = s, .path = path};
    int rc = fp_tsv_each(path, load_line, &ld);
    for (int i = 0; i < s->n && !rc; i++) {
        if (ld.pend[i].part_of[0] && (s->v[i].part_of = fp_indicators_find(s, ld.pend[i].part_of)) < 0) {
            fp_error("%s:%d: part_of names an unknown indicator %s", path, ld.pend[i].line, ld.pend[i].part_of);
            rc = FP_EINVAL;
        }
        if (!rc && ld.pend[i].decreased_by[0] &&
            (s->v[i].decreased_by = fp_indicators_find(s, ld.pend[i].decreased_by)) < 0) {
            fp_error("%s:%d: decreased_by names an unknown indicator %s", path, ld.pend[i].line,
                     ld.pend[i].decreased_by);
            rc = FP_EINVAL;
        }
    }
    if (!rc && s->n == 0) {
        fp_error("%s: no indicators", path);
        rc = FP_EINVAL;
    }
    free(ld.pend);
    if (rc) fp_indicators_free(s);
    return rc;
}

int fp_indicators_load_dir(fp_indicators *s, const char *datadir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/indicators.tsv", datadir);
    return fp_indicators_load(s, path);
}
