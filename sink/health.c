#include "health.h"
#include "fp_err.h"
#include "fp_json.h"
#include "fp_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One key=value pair of a published line. */
typedef struct {
    const char *k, *v;
    size_t kl, vl;
} pair;

/* The next pair at *p (words without '=' are skipped), advancing *p; 0 at the line's end. */
static int next_pair(const char **p, pair *out)
{
    while (**p) {
        while (**p == ' ') (*p)++;
        const char *w = *p, *end = w + strcspn(w, " "), *eq = memchr(w, '=', (size_t)(end - w));
        *p = end;
        if (eq && eq > w) {
            *out = (pair){w, eq + 1, (size_t)(eq - w), (size_t)(end - eq - 1)};
            return 1;
        }
    }
    return 0;
}

/* The value of key in a "k=v k=v" line, copied into out (cap); 0 when absent. */
static int kv(const char *line, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    pair pr;
    for (const char *p = line; next_pair(&p, &pr);) {
        if (pr.kl != kl || memcmp(pr.k, key, kl)) continue;
        size_t n = pr.vl < cap ? pr.vl : cap - 1;
        memcpy(out, pr.v, n);
        out[n] = '\0';
        return 1;
    }
    return 0;
}

/* Stage and instance names go into JSON and Prometheus labels: only a safe alphabet is taken. */
static int safe_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

int fp_health_update(fp_health *h, const char *msg, size_t len, uint64_t now_ms)
{
    char *line = malloc(len + 1);
    if (!line) return FP_ENOMEM;
    memcpy(line, msg, len);
    line[len] = '\0';
    char stage[16], instance[64], iv[16], down[4];
    if (memchr(msg, '\0', len) || !kv(line, "stage", stage, sizeof stage) ||
        !kv(line, "instance", instance, sizeof instance) || !safe_name(stage) || !safe_name(instance)) {
        free(line);
        return FP_EINVAL;
    }
    fp_stage *s = NULL;
    for (size_t i = 0; i < h->n && !s; i++)
        if (!strcmp(h->s[i].stage, stage) && !strcmp(h->s[i].instance, instance)) s = &h->s[i];
    if (!s) {
        if (h->n == h->cap) {
            size_t cap = h->cap ? h->cap * 2 : 8;
            fp_stage *ns = realloc(h->s, cap * sizeof *ns);
            if (!ns) {
                free(line);
                return FP_ENOMEM;
            }
            h->s = ns;
            h->cap = cap;
        }
        s = &h->s[h->n++];
        memset(s, 0, sizeof *s);
        snprintf(s->stage, sizeof s->stage, "%s", stage);
        snprintf(s->instance, sizeof s->instance, "%s", instance);
    }
    free(s->line);
    s->line = line;
    s->seen_ms = now_ms;
    s->interval_ms = kv(line, "interval_ms", iv, sizeof iv) ? atoi(iv) : 1000;
    if (s->interval_ms < 100) s->interval_ms = 100;
    s->down = kv(line, "down", down, sizeof down) && !strcmp(down, "1");
    return FP_OK;
}

int fp_stage_alive(const fp_stage *s, uint64_t now_ms)
{
    if (s->down) return 0;
    uint64_t grace = 3 * (uint64_t)s->interval_ms;
    if (grace < 1500) grace = 1500;
    return now_ms <= s->seen_ms + grace;
}

void fp_health_forget(fp_health *h, uint64_t now_ms, uint64_t forget_ms)
{
    for (size_t i = 0; i < h->n;) {
        if (now_ms > h->s[i].seen_ms + forget_ms) {
            free(h->s[i].line);
            h->s[i] = h->s[--h->n];
        } else {
            i++;
        }
    }
}

int fp_health_problems(const fp_health *h, uint64_t now_ms, const fp_need *need, size_t nneed, fp_buf *why)
{
    int problems = 0, rc = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (fp_stage_alive(&h->s[i], now_ms)) continue;
        if (h->s[i].down)
            rc |= fp_buf_printf(why, "%s%s/%s down (exited; being restarted)", problems++ ? "; " : "", h->s[i].stage,
                                h->s[i].instance);
        else rc |= fp_buf_printf(why, "%s%s/%s silent for %.1f s", problems++ ? "; " : "", h->s[i].stage, h->s[i].instance,
                            (double)(now_ms - h->s[i].seen_ms) / 1000.0);
    }
    for (size_t k = 0; k < nneed; k++) {
        int up = 0;
        for (size_t i = 0; i < h->n; i++) up += !strcmp(h->s[i].stage, need[k].stage) && fp_stage_alive(&h->s[i], now_ms);
        if (up < need[k].min)
            rc |= fp_buf_printf(why, "%s%s: %d of %d up", problems++ ? "; " : "", need[k].stage, up, need[k].min);
    }
    return rc ? FP_ENOMEM : problems;
}

typedef struct {
    char key[56]; /* the family's name after fupin_stage_ */
    const fp_stage *s;
    char value[32];
    int counter;
} sample;

static int cmp_sample(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if ((c = strcmp(x->s->stage, y->s->stage))) return c;
    return strcmp(x->s->instance, y->s->instance);
}

static int numeric(const char *v)
{
    if (*v == '-') v++;
    if (!*v) return 0;
    int dot = 0;
    for (; *v; v++) {
        if (*v == '.' && !dot++) continue;
        if (*v < '0' || *v > '9') return 0;
    }
    return 1;
}

int fp_health_metrics(const fp_health *h, uint64_t now_ms, fp_buf *out)
{
    size_t cap = 16, n = 0;
    sample *sm = malloc(cap * sizeof *sm);
    int rc = sm ? FP_OK : FP_ENOMEM;
    for (size_t i = 0; i < h->n && !rc; i++) {
        pair pr;
        for (const char *p = h->s[i].line; !rc && next_pair(&p, &pr);) {
            size_t kl = pr.kl, vl = pr.vl;
            if (n == cap) {
                sample *ns = realloc(sm, (cap *= 2) * sizeof *ns);
                if (!ns) {
                    rc = FP_ENOMEM;
                    break;
                }
                sm = ns;
            }
            sample *x = &sm[n];
            if (kl && kl < sizeof x->key && vl && vl < sizeof x->value) {
                memcpy(x->key, pr.k, kl), x->key[kl] = '\0';
                memcpy(x->value, pr.v, vl), x->value[vl] = '\0';
                for (char *c = x->key; *c; c++)
                    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))) *c = '_';
                x->s = &h->s[i];
                /* a count that only grows is a counter, named *_total; the rest are gauges */
                x->counter = fp_stats_is_counter(h->s[i].stage, x->key);
                size_t l = strlen(x->key);
                if (x->counter) snprintf(x->key + l, sizeof x->key - l, "_total");
                /* Prometheus wants base units: *_ms becomes *_seconds */
                else if (numeric(x->value) && l > 3 && !strcmp(x->key + l - 3, "_ms") && l + 5 < sizeof x->key) {
                    snprintf(x->key + l - 3, sizeof x->key - (l - 3), "_seconds");
                    snprintf(x->value, sizeof x->value, "%.3f", atof(x->value) / 1000.0);
                }
                if (numeric(x->value) && strcmp(x->key, "interval_seconds")) n++;
            }
        }
    }
    if (!rc) qsort(sm, n, sizeof *sm, cmp_sample);
    for (size_t i = 0; i < n && !rc; i++) {
        if (i == 0 || strcmp(sm[i].key, sm[i - 1].key))
            rc |= fp_buf_printf(out, "# HELP fupin_stage_%s %s, as the stage last published it.\n"
                                     "# TYPE fupin_stage_%s %s\n",
                                sm[i].key, sm[i].counter ? "How many since the daemon started" : "The stage's level",
                                sm[i].key, sm[i].counter ? "counter" : "gauge");
        rc |= fp_buf_printf(out, "fupin_stage_%s{stage=\"%s\",instance=\"%s\"} %s\n", sm[i].key, sm[i].s->stage,
                            sm[i].s->instance, sm[i].value);
    }
    free(sm);
    rc |= fp_buf_puts(out, "# HELP fupin_stage_up 1 when the instance published within 3 of its intervals.\n"
                           "# TYPE fupin_stage_up gauge\n");
    for (size_t i = 0; i < h->n; i++)
        rc |= fp_buf_printf(out, "fupin_stage_up{stage=\"%s\",instance=\"%s\"} %d\n", h->s[i].stage, h->s[i].instance,
                            fp_stage_alive(&h->s[i], now_ms));
    /* the shards' dead letters (each counts its own, durably), summed: one alert covers the pipeline */
    long long dead = 0;
    char v[32];
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->s[i].stage, "aggregate") && kv(h->s[i].line, "dead", v, sizeof v)) dead += atoll(v);
    rc |= fp_buf_printf(out, "# HELP fupin_dead_letters_total Reports the shards could not apply and dead-lettered.\n"
                             "# TYPE fupin_dead_letters_total counter\nfupin_dead_letters_total %lld\n", dead);
    rc |= fp_buf_puts(out, "# HELP fupin_stage_last_seen_seconds Seconds since the instance last published.\n"
                           "# TYPE fupin_stage_last_seen_seconds gauge\n");
    for (size_t i = 0; i < h->n; i++)
        rc |= fp_buf_printf(out, "fupin_stage_last_seen_seconds{stage=\"%s\",instance=\"%s\"} %.3f\n", h->s[i].stage,
                            h->s[i].instance, (double)(now_ms - h->s[i].seen_ms) / 1000.0);
    return rc ? FP_ENOMEM : FP_OK;
}

int fp_health_json(const fp_health *h, uint64_t now_ms, fp_buf *out)
{
    int rc = fp_buf_puts(out, "[");
    for (size_t i = 0; i < h->n; i++) {
        const fp_stage *s = &h->s[i];
        rc |= fp_buf_puts(out, i ? ",{" : "{");
        rc |= fp_json_kv(out, "stage", s->stage, 1);
        rc |= fp_json_kv(out, "instance", s->instance, 0);
        rc |= fp_buf_printf(out, ",\"alive\":%s,\"age_ms\":%llu,\"counters\":{", fp_stage_alive(s, now_ms) ? "true" : "false",
                            (unsigned long long)(now_ms - s->seen_ms));
        int k = 0;
        pair pr;
        for (const char *p = s->line; next_pair(&p, &pr);) {
            char v[64];
            if (pr.vl >= sizeof v) continue;
            memcpy(v, pr.v, pr.vl), v[pr.vl] = '\0';
            if (!numeric(v)) continue;
            rc |= fp_buf_puts(out, k++ ? "," : "");
            rc |= fp_buf_json_str(out, pr.k, pr.kl);
            rc |= fp_buf_printf(out, ":%s", v);
        }
        rc |= fp_buf_puts(out, "}}");
    }
    rc |= fp_buf_puts(out, "]");
    return rc ? FP_ENOMEM : FP_OK;
}

void fp_health_free(fp_health *h)
{
    for (size_t i = 0; i < h->n; i++) free(h->s[i].line);
    free(h->s);
    memset(h, 0, sizeof *h);
}
