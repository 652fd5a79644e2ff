/* fp_stats: a daemon's counters, published to the sink every interval over
 * ZeroMQ (PUSH to the sink's --stats endpoint), so that one scrape of the
 * sink's /metrics covers the whole pipeline and /healthz knows who is
 * silent.
 *
 * A message is one line of text: "stage=S instance=I interval_ms=N
 * uptime_ms=U key=value ...", the same key=value form as the control
 * endpoints' status answers. A sink that is away costs nothing: a message
 * that cannot leave at once is dropped, as the next one replaces it. */
#ifndef FP_STATS_H
#define FP_STATS_H

#include <stddef.h>

#include "fp_daemon.h"
#include "fp_zsock.h"

/* Writes the daemon's counters as "key=value ..." into buf. */
typedef void (*fp_stats_fill)(char *buf, size_t cap, void *ud);

typedef struct {
    fp_zsock z;
    uv_timer_t timer;
    fp_daemon *d;
    char stage[16], instance[64];
    int interval_ms, on;
    fp_stats_fill fill;
    void *ud;
} fp_stats;

/* Starts publishing to endpoint ("" or "none": does nothing, FP_OK). */
int fp_stats_start(fp_stats *s, fp_daemon *d, const char *endpoint, const char *stage, const char *instance,
                   int interval_ms, fp_stats_fill fill, void *ud);
/* Sends one last report, then closes the socket and the timer. */
void fp_stats_stop(fp_stats *s);

/* 1 when key, in the lines stage publishes, only grows while the daemon
 * runs (a Prometheus counter, shown as fupin_stage_<key>_total); 0 for a
 * level that can fall (queue depths, in flight, journal and table sizes,
 * uptime, sequence numbers), shown as a gauge. */
int fp_stats_is_counter(const char *stage, const char *key);

/* The flags that go with it, for FP_OPT tables. */
#define FP_STATS_OPTS(type, instance_default)                                                                   \
    {"stats", FP_OPT_STR, "tcp://127.0.0.1:7112", offsetof(type, stats),                                        \
     "the sink's stats endpoint to publish counters to (none: do not)"},                                        \
    {"stats-ms", FP_OPT_INT, "1000", offsetof(type, stats_ms), "publish counters this often"},                  \
    {"instance", FP_OPT_STR, instance_default, offsetof(type, instance), "this daemon's name in /metrics and /healthz"}

#endif
