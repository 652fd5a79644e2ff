/* sink/health: what /metrics and /healthz make of the stages' published
 * lines. Counts that only grow are Prometheus counters named *_total, levels
 * stay gauges (promtool also checks the live /metrics in tests/http.sh), and
 * a line with down=1 (fupin run's supervisor) marks its instance down. */
#include "check.h"
#include "fp_stats.h"
#include "health.h"

#include <string.h>

static int has(const fp_buf *b, const char *s) { return b->p && strstr(b->p, s) != NULL; }

int main(void)
{
    fp_health h = {0};
    const char *ingest = "stage=ingest instance=ingest interval_ms=1000 uptime_ms=2500 taken=7 done=6 inflight=1 "
                         "rejected=2 sent=9 resent=1 queue=0 auth_refused=1";
    const char *worker = "stage=normalize instance=normalize-0 interval_ms=1000 uptime_ms=900 reports=5 figures=410 "
                         "rejected=0 queue=3";
    const char *sink = "stage=sink instance=sink interval_ms=1000 reports=5 rows=120 writes=4 dirty=0";
    CHECK(fp_health_update(&h, ingest, strlen(ingest), 1000) == 0);
    CHECK(fp_health_update(&h, worker, strlen(worker), 1000) == 0);
    CHECK(fp_health_update(&h, sink, strlen(sink), 1000) == 0);
    fp_buf m = {0};
    CHECK(fp_health_metrics(&h, 1500, &m) == 0);
    /* counters, once per family, with _total names */
    CHECK(has(&m, "# TYPE fupin_stage_rejected_total counter\n"));
    CHECK(has(&m, "fupin_stage_rejected_total{stage=\"ingest\",instance=\"ingest\"} 2\n"));
    CHECK(has(&m, "fupin_stage_rejected_total{stage=\"normalize\",instance=\"normalize-0\"} 0\n"));
    CHECK(has(&m, "# TYPE fupin_stage_sent_total counter\n"));
    CHECK(has(&m, "# TYPE fupin_stage_figures_total counter\n"));
    CHECK(has(&m, "# TYPE fupin_stage_auth_refused_total counter\n"));
    CHECK(has(&m, "fupin_stage_reports_total{stage=\"normalize\",instance=\"normalize-0\"} 5\n"));
    CHECK(has(&m, "# TYPE fupin_stage_writes_total counter\n"));
    CHECK(!has(&m, "fupin_stage_rejected{"));
    CHECK(!has(&m, "# TYPE fupin_stage_sent gauge"));
    /* levels stay gauges: the sink's reports is its table's, not a count of work */
    CHECK(has(&m, "# TYPE fupin_stage_inflight gauge\n"));
    CHECK(has(&m, "# TYPE fupin_stage_queue gauge\n"));
    CHECK(has(&m, "# TYPE fupin_stage_taken gauge\n"));
    CHECK(has(&m, "fupin_stage_reports{stage=\"sink\",instance=\"sink\"} 5\n"));
    CHECK(has(&m, "# TYPE fupin_stage_uptime_seconds gauge\n"));
    CHECK(has(&m, "fupin_stage_uptime_seconds{stage=\"ingest\",instance=\"ingest\"} 2.500\n"));
    CHECK(has(&m, "fupin_stage_up{stage=\"normalize\",instance=\"normalize-0\"} 1\n"));
    /* every TYPE line names a family once */
    for (const char *p = m.p; p && (p = strstr(p, "# TYPE ")); p++) {
        char fam[96];
        CHECK(sscanf(p, "# TYPE %95s", fam) == 1);
        size_t n = 0;
        for (const char *q = m.p; (q = strstr(q, "# TYPE ")); q++) {
            char f2[96];
            if (sscanf(q, "# TYPE %95s", f2) == 1 && !strcmp(f2, fam)) n++;
        }
        CHECK(n == 1);
    }
    fp_buf_free(&m);
    CHECK(fp_stats_is_counter("aggregate", "applied") && !fp_stats_is_counter("aggregate", "seq"));
    CHECK(fp_stats_is_counter("normalize", "restarts") && !fp_stats_is_counter("sink", "reports"));

    /* a supervisor's down=1: not alive, named by /healthz, until the daemon publishes again */
    const char *down = "stage=normalize instance=normalize-0 interval_ms=1000 down=1 restarts=1";
    CHECK(fp_health_update(&h, down, strlen(down), 1200) == 0);
    CHECK(!fp_stage_alive(&h.s[1], 1300));
    fp_buf why = {0};
    fp_need need[] = {{"normalize", 1}};
    CHECK(fp_health_problems(&h, 1300, need, 1, &why) == 2);
    CHECK(has(&why, "normalize/normalize-0 down"));
    CHECK(has(&why, "normalize: 0 of 1 up"));
    fp_buf_free(&why);
    CHECK(fp_health_update(&h, worker, strlen(worker), 1400) == 0);
    CHECK(fp_stage_alive(&h.s[1], 1500));
    CHECK(fp_health_problems(&h, 1500, need, 1, &why) == 0);
    fp_buf_free(&why);
    fp_health_free(&h);
    return CHECK_DONE();
}
