/* serve: the sink's HTTP routes. Maps each request to an answer from api.c,
 * serves the dashboard page, and answers /api/facts by asking every shard
 * (REQ "facts" on its snapshot endpoint) and joining what they say. */
#ifndef FP_SERVE_H
#define FP_SERVE_H

#include <uv.h>

#include "fp_gazetteer.h"
#include "health.h"
#include "http.h"
#include "latency.h"
#include "table.h"

typedef struct fp_serve fp_serve;

typedef struct {
    uv_loop_t *loop;
    void *zctx;
    const fp_table *table;
    const fp_gazetteer *gaz;
    const fp_indicators *indicators;
    const fp_health *health;
    const fp_latency *lat;
    char **shard_eps; /* snapshot endpoints, in shard order */
    int nshards;
    const char *page;             /* the dashboard's path */
    const fp_need *need;          /* what /healthz requires */
    size_t nneed;
    const char *(*problems_extra)(void *ud); /* more for /healthz (the sink's own sync), or NULL */
    void *ud;
} fp_serve_cfg;

/* Starts serving on addr_port. The cfg's pointers must outlive the server. */
int fp_serve_start(fp_serve **out, const fp_serve_cfg *cfg, const char *addr_port);
int fp_serve_port(const fp_serve *s);
/* Answers what is pending (503), then stops. Safe on NULL. */
void fp_serve_stop(fp_serve *s);

#endif
