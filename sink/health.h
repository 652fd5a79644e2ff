/* health: the pipeline's stages as the sink hears of them. Every daemon
 * publishes "stage=S instance=I interval_ms=N key=value ..." lines (see
 * common/fp_stats.h); the sink keeps the last line of each instance and
 * when it came, renders them for /metrics, and tells /healthz who is
 * silent: an instance not heard from in 3 intervals, or a stage with fewer
 * instances than the pipeline needs. A line with down=1 (fupin run's
 * supervisor, for a daemon that exited and is being restarted) marks its
 * instance down until the daemon publishes again. An instance silent for
 * forget_ms is forgotten (scaled down, not failing). */
#ifndef FP_HEALTH_H
#define FP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "fp_buf.h"

typedef struct {
    char stage[16], instance[64];
    char *line; /* the key=value pairs after stage, instance */
    uint64_t seen_ms;
    int interval_ms;
    int down; /* its line said down=1: a supervisor (fupin run) is restarting it */
} fp_stage;

typedef struct {
    fp_stage *s;
    size_t n, cap;
} fp_health;

typedef struct {
    const char *stage;
    int min; /* instances needed alive */
} fp_need;

/* Takes one published line; FP_EINVAL when it lacks stage= or instance=. */
int fp_health_update(fp_health *h, const char *msg, size_t len, uint64_t now_ms);
/* Drops instances silent for longer than forget_ms. */
void fp_health_forget(fp_health *h, uint64_t now_ms, uint64_t forget_ms);
/* 1 when the instance was heard from within 3 of its intervals and is not down. */
int fp_stage_alive(const fp_stage *s, uint64_t now_ms);
/* Names what is wrong ("normalize/host-12 silent 9.1 s; aggregate: 1 of 2 up") into why; returns how many. */
int fp_health_problems(const fp_health *h, uint64_t now_ms, const fp_need *need, size_t nneed, fp_buf *why);
/* Appends every instance's numeric values in the Prometheus text format,
 * labels stage and instance: counts that only grow (fp_stats_is_counter) as
 * counters fupin_stage_<key>_total, the others as gauges fupin_stage_<key>
 * (*_ms as *_seconds), plus
 * fupin_stage_up and fupin_stage_last_seen_seconds. */
int fp_health_metrics(const fp_health *h, uint64_t now_ms, fp_buf *out);
/* Appends a JSON array: [{"stage","instance","alive","age_ms","counters":{...}}]. */
int fp_health_json(const fp_health *h, uint64_t now_ms, fp_buf *out);
void fp_health_free(fp_health *h);

#endif
