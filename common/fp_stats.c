#include "fp_stats.h"
#include "fp_curve.h"
#include "fp_err.h"
#include "fp_log.h"

#include <stdio.h>
#include <string.h>

/* The counters of each stage's status line (ingest/main.c, normalize/main.c,
 * aggregate/main.c, sink/main.c status_line); NULL: of every stage. Keys
 * not listed are gauges: a new counter must be added here. */
static const struct {
    const char *stage, *keys;
} counters[] = {
    {"ingest", " rejected same revisions sent resent acks rebuilds "},
    {"normalize", " reports figures rejected "},
    {"aggregate", " applied repeated rejected totals commits "},
    {"sink", " writes updates snapshots rejected replaced latency_n "},
    {NULL, " auth_refused restarts "}, /* fp_curve_status; fupin run's supervisor */
};

int fp_stats_is_counter(const char *stage, const char *key)
{
    char word[64];
    if (snprintf(word, sizeof word, " %s ", key) >= (int)sizeof word) return 0;
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        if ((!counters[i].stage || !strcmp(counters[i].stage, stage)) && strstr(counters[i].keys, word)) return 1;
    return 0;
}

static void publish(fp_stats *s)
{
    /* One message waiting is enough: a newer report replaces an unsent one. */
    if (fp_zsock_outbox(&s->z) > 0) return;
    char line[2048];
    int n = snprintf(line, sizeof line, "stage=%s instance=%s interval_ms=%d uptime_ms=%llu ", s->stage, s->instance,
                     s->interval_ms, (unsigned long long)(uv_now(s->d->loop) - s->d->started_ms));
    if (n < 0 || (size_t)n >= sizeof line) return;
    s->fill(line + n, sizeof line - (size_t)n, s->ud);
    fp_curve_status(line, sizeof line);
    fp_zsock_send(&s->z, line, strlen(line));
}

static void on_timer(uv_timer_t *t) { publish(t->data); }

int fp_stats_start(fp_stats *s, fp_daemon *d, const char *endpoint, const char *stage, const char *instance,
                   int interval_ms, fp_stats_fill fill, void *ud)
{
    memset(s, 0, sizeof *s);
    if (!endpoint || !*endpoint || !strcmp(endpoint, "none")) return FP_OK;
    if (interval_ms < 100) {
        fp_error("--stats-ms must be at least 100, not %d", interval_ms);
        return FP_EINVAL;
    }
    s->d = d;
    s->interval_ms = interval_ms;
    s->fill = fill;
    s->ud = ud;
    snprintf(s->stage, sizeof s->stage, "%s", stage);
    snprintf(s->instance, sizeof s->instance, "%s", instance && *instance ? instance : stage);
    for (char *c = s->instance; *c; c++)
        if (*c == ' ' || *c == '=' || *c == '"' || *c == '\\') *c = '_'; /* it becomes a label value */
    int rc = fp_zsock_open(&s->z, d->loop, d->zctx, ZMQ_PUSH, endpoint, 0, NULL, NULL);
    if (rc) return rc;
    int one = 1, linger = 0, hwm = 4;
    /* Queue only to a connected sink, keep little, and never hold up a stop. */
    zmq_setsockopt(s->z.z, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(s->z.z, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s->z.z, ZMQ_LINGER, &linger, sizeof linger);
    uv_timer_init(d->loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_timer, 0, (uint64_t)interval_ms);
    s->on = 1;
    return FP_OK;
}

void fp_stats_stop(fp_stats *s)
{
    if (!s->on) return;
    s->on = 0;
    publish(s);
    uv_close((uv_handle_t *)&s->timer, NULL);
    fp_zsock_close(&s->z, NULL);
}
