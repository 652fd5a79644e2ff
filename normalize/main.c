/* fupin-normalize: takes reports from ingest, extracts their figures and
 * sends each figure to the aggregate shard that owns its total, then an
 * `end` to every shard with the count that shard was sent. Stateless: run
 * as many as you like against one ingest.
 *
 * A report is extracted on libuv's thread pool while the loop goes on
 * answering status and stop: a 50 MB report takes many seconds. The input
 * is paused meanwhile (one report at a time per worker). Stopping cancels
 * the extraction at its next figure; the report is not acknowledged, so
 * ingest sends it again (ingest waits in proportion to a report's size
 * before it re-sends one, so a long report is not extracted twice). */
#include "checks.h"
#include "extract.h"
#include "fp_daemon.h"
#include "fp_figjson.h"
#include "fp_err.h"
#include "fp_log.h"
#include "fp_opts.h"
#include "fp_record.h"
#include "fp_stats.h"
#include "fp_zsock.h"
#include "indicate.h"
#include "route.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

typedef struct {
    char *log_level, *data, *reports, *stats, *instance;
    fp_strlist shards;
    int stats_ms;
} config;

static const fp_opt opts[] = {
    {"reports", FP_OPT_STR, "tcp://127.0.0.1:7101", offsetof(config, reports), "ingest's report endpoint to pull from"},
    {"shard", FP_OPT_LIST, NULL, offsetof(config, shards),
     "an aggregate shard's figure endpoint, in shard order (default tcp://127.0.0.1:7120)"},
    FP_STATS_OPTS(config, NULL),
    FP_COMMON_OPTS(config),
};

typedef struct {
    fp_daemon d;
    fp_extractor *x;
    fp_indicate *ix;
    fp_vocab vocab;
    fp_zsock in;
    fp_stats stats;
    fp_zsock *out;
    int nout;
    msgpack_sbuffer *bufs;
    msgpack_packer *pks;
    uint32_t *counts;
    const char *report_id;
    size_t report_id_len; /* its bytes that fit a figure's report_id (as snprintf would cut it) */
    const char *text; /* the report's text, NULL for curated figures */
    int published;    /* the report's year hint */
    size_t text_len;
    fp_parts parts;
    unsigned long long reports, figures, rejected;
    /* the message being worked through, one report at a time on the thread pool */
    struct {
        char *data;
        size_t len, off;
        fp_record rec;
        int rc, curated;
        fp_doc_info info;
        size_t figures;
        char why[300];
        uv_work_t work;
    } job;
    atomic_int cancel; /* set by stop, read by the extraction between figures */
} normalizer;

static void status_line(char *buf, size_t cap, void *ud)
{
    normalizer *n = ud;
    size_t queue = 0;
    for (int i = 0; i < n->nout; i++) queue += fp_zsock_outbox(&n->out[i]);
    snprintf(buf, cap, "reports=%llu figures=%llu rejected=%llu busy=%d queue=%zu", n->reports, n->figures, n->rejected,
             n->job.data != NULL, queue);
}

/* The shard of a cell: fp_route_shard over this worker's shards (it formats no key, so it is not remembered). */
static uint32_t route(const normalizer *n, const char *code, int year, const char *indicator)
{
    return fp_route_shard(code, year, indicator, (uint32_t)n->nout);
}

static int on_check(const fp_anomaly *a, void *ud)
{
    normalizer *n = ud;
    /* the finding lives with the whole's cell, and goes when the report does */
    uint32_t sh = route(n, a->region_code, a->year, a->indicator);
    return fp_pack_anomaly(&n->pks[sh], a);
}

static int on_figure(const fp_figure *f, void *ud)
{
    normalizer *n = ud;
    if (atomic_load(&n->cancel)) return FP_ECANCELED;
    fp_figure g = *f;
    g.published = n->published;
    fp_indicate_figure(n->ix, n->text, n->text_len, &g);
    fp_parts_demote(&n->parts, &g);
    uint32_t sh = route(n, g.region_code, g.year, g.indicator);
    /* copied as snprintf would, without formatting it for every figure */
    memcpy(g.report_id, n->report_id, n->report_id_len);
    g.report_id[n->report_id_len] = '\0';
    g.seq = n->counts[sh]++;
    n->job.figures++;
    int rc = fp_pack_figure(&n->pks[sh], &g);
    return rc ? rc : fp_parts_feed(&n->parts, &g);
}

/* On the thread pool: the report's figures, indicators, checks and ends,
 * packed per shard into n->bufs. Touches nothing the loop reads. */
static void work_report(uv_work_t *w)
{
    normalizer *n = w->data;
    fp_report *rep = &n->job.rec.u.report;
    for (int i = 0; i < n->nout; i++) {
        msgpack_sbuffer_clear(&n->bufs[i]);
        n->counts[i] = 0;
    }
    n->report_id = rep->id;
    n->report_id_len = strnlen(rep->id, sizeof(((fp_figure *)0)->report_id) - 1);
    n->job.figures = 0;
    n->job.why[0] = '\0';
    memset(&n->job.info, 0, sizeof n->job.info);
    int curated = n->job.curated, rc;
    n->text = curated ? NULL : rep->text;
    n->text_len = curated ? 0 : rep->text_len;
    n->published = rep->year_hint;
    fp_parts_init(&n->parts, rep->id, rep->source, on_check, n);
    if (curated)
        /* curated figures: ingest checked them; the same check here guards against other data files */
        rc = fp_figjson_parse(rep->text, rep->text_len, n->x->gaz, &n->vocab, rep->source, on_figure, n,
                              &n->job.info.figures, n->job.why, sizeof n->job.why);
    else
        rc = fp_extract(n->x, rep->source, rep->text, rep->text_len, rep->year_hint, rep->region_hint, on_figure, n,
                        &n->job.info);
    int prc = fp_parts_finish(&n->parts);
    if (!rc) rc = prc;
    for (int i = 0; i < n->nout && rc == FP_OK; i++) {
        fp_end e = {.shard = (uint32_t)i, .count = n->counts[i], .source = rep->source,
                    .arrived_ms = rep->arrived_ms, .curated = (uint8_t)curated};
        snprintf(e.report_id, sizeof e.report_id, "%s", rep->id);
        snprintf(e.supersedes, sizeof e.supersedes, "%s", rep->supersedes ? rep->supersedes : "");
        rc = fp_pack_end(&n->pks[i], &e);
    }
    n->job.rc = rc;
}

static void after_report(uv_work_t *w, int status);

/* Starts on the message's next report, or, at its end, reads on. */
static void next_report(normalizer *n)
{
    fp_record *r = &n->job.rec;
    int rc;
    while ((rc = fp_record_next(n->job.data, n->job.len, &n->job.off, r)) == FP_OK) {
        if (r->type != FP_REC_REPORT) {
            fp_warn("ignoring a %d record on the report socket", r->type);
            fp_record_free(r);
            continue;
        }
        if (atomic_load(&n->cancel)) {
            fp_record_free(r);
            break;
        }
        n->job.curated = r->u.report.encoding && !strcmp(r->u.report.encoding, FP_FIGURES_ENCODING);
        n->job.work.data = n;
        if ((rc = uv_queue_work(n->d.loop, &n->job.work, work_report, after_report)) == 0) return;
        fp_error("report %.12s: cannot start its extraction: %s", r->u.report.id, uv_strerror(rc));
        n->rejected++;
        fp_record_free(r);
    }
    if (rc < 0) {
        n->rejected++;
        fp_warn("dropped a malformed message (%zu bytes): %s", n->job.len, fp_strerror(rc));
    }
    free(n->job.data);
    n->job.data = NULL;
    if (!atomic_load(&n->cancel)) fp_zsock_pause(&n->in, 0);
}

/* Back on the loop: sends the report's figures and ends, then the next. */
static void after_report(uv_work_t *w, int status)
{
    normalizer *n = w->data;
    fp_report *rep = &n->job.rec.u.report;
    /* stopping: the sockets are closing, so nothing is sent; ingest sends the report again */
    int rc = status == UV_ECANCELED || atomic_load(&n->cancel) ? FP_ECANCELED : n->job.rc;
    if (rc == FP_ECANCELED) {
        fp_info("report %.12s (%s): stopped mid-extraction; ingest will send it again", rep->id, rep->source);
        fp_record_free(&n->job.rec);
        next_report(n);
        return;
    }
    if (rc && n->job.why[0]) fp_error("report %.12s (%s): %s", rep->id, rep->source, n->job.why);
    n->figures += n->job.figures;
    /* One message per shard holds the report's figures and its end, so a
     * shard sees all of a report or nothing of it. */
    /* a re-send goes only to the shards that have not acknowledged the report */
    for (int i = 0; i < n->nout && rc == FP_OK; i++)
        if (!(i < 64 && rep->acked >> i & 1)) rc = fp_zsock_send(&n->out[i], n->bufs[i].data, n->bufs[i].size);
    if (rc) {
        n->rejected++;
        fp_error("report %.12s (%s): %s; ingest will re-send it", rep->id, rep->source, fp_strerror(rc));
    } else {
        n->reports++;
        fp_info("report %.12s (%s): %zu figures, year %d", rep->id, rep->source, n->job.info.figures, n->job.info.year);
    }
    fp_record_free(&n->job.rec);
    next_report(n);
}

/* A message from ingest: worked through one report at a time, the input
 * paused meanwhile (the message is copied: data lives only for this call). */
static void on_report(fp_zsock *s, const char *data, size_t len, void *ud)
{
    normalizer *n = ud;
    if (!(n->job.data = malloc(len ? len : 1))) {
        n->rejected++;
        fp_error("no memory for a %zu-byte message; ingest will re-send its reports", len);
        return;
    }
    memcpy(n->job.data, data, len);
    n->job.len = len;
    n->job.off = 0;
    fp_zsock_pause(s, 1);
    next_report(n);
}

static void on_stop(fp_daemon *d)
{
    normalizer *n = d->ud;
    /* an extraction under way stops at its next figure; the loop waits for it */
    atomic_store(&n->cancel, 1);
    fp_stats_stop(&n->stats);
    fp_zsock_close(&n->in, NULL);
    for (int i = 0; i < n->nout; i++) fp_zsock_close(&n->out[i], NULL);
}

int main(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist args = {0};
    int rc = fp_daemon_start("fupin-normalize", opts, sizeof opts / sizeof opts[0], &cfg, argc, argv, NULL,
                             "usage: fupin-normalize [options]\n\n"
                             "Extracts the figures of each report from ingest and routes them to aggregate "
                             "shards.",
                             &cfg.log_level);
    if (rc == FP_OPTS_DONE) return 0;
    if (rc == FP_OPTS_USAGE) return 2;
    if (!rc && cfg.shards.n == 0) rc = fp_strlist_push(&cfg.shards, "tcp://127.0.0.1:7120");
    normalizer n = {0};
    if (!rc) {
        rc = fp_extractor_load(&n.x, fp_datadir(cfg.data));
        if (!rc) rc = fp_indicate_load(&n.ix, fp_datadir(cfg.data));
        if (!rc) rc = fp_vocab_load(&n.vocab, fp_datadir(cfg.data));
        if (rc) fprintf(stderr, "fupin-normalize: error: cannot load data files from %s\n", fp_datadir(cfg.data));
    }
    if (!rc) rc = fp_daemon_init(&n.d, on_stop, &n);
    if (!rc) {
        n.nout = cfg.shards.n;
        n.out = calloc((size_t)n.nout, sizeof *n.out);
        n.bufs = calloc((size_t)n.nout, sizeof *n.bufs);
        n.pks = calloc((size_t)n.nout, sizeof *n.pks);
        n.counts = calloc((size_t)n.nout, sizeof *n.counts);
        if (!n.out || !n.bufs || !n.pks || !n.counts) rc = FP_ENOMEM;
    }
    for (int i = 0; i < n.nout && !rc; i++) {
        msgpack_sbuffer_init(&n.bufs[i]);
        msgpack_packer_init(&n.pks[i], &n.bufs[i], msgpack_sbuffer_write);
        rc = fp_zsock_open(&n.out[i], n.d.loop, n.d.zctx, ZMQ_PUSH, cfg.shards.v[i], 0, NULL, NULL);
    }
    if (!rc) rc = fp_zsock_open(&n.in, n.d.loop, n.d.zctx, ZMQ_PULL, cfg.reports, 0, on_report, &n);
    char instance[96];
    if (cfg.instance && *cfg.instance) snprintf(instance, sizeof instance, "%s", cfg.instance);
    else {
        /* several workers may share a host: the pid tells them apart */
        char host[64] = "host";
        gethostname(host, sizeof host - 1);
        snprintf(instance, sizeof instance, "%s-%d", host, (int)getpid());
    }
    if (!rc) rc = fp_stats_start(&n.stats, &n.d, cfg.stats, "normalize", instance, cfg.stats_ms, status_line, &n);
    if (rc) {
        fp_daemon_abort(&n.d);
    } else {
        fp_info("pulling reports from %s, routing to %d shard(s)", cfg.reports, n.nout);
        fp_daemon_run(&n.d);
        fp_info("stopped after %llu reports, %llu figures, %llu rejected", n.reports, n.figures, n.rejected);
    }
    for (int i = 0; i < n.nout && n.bufs; i++) msgpack_sbuffer_destroy(&n.bufs[i]);
    free(n.out);
    free(n.bufs);
    free(n.pks);
    free(n.counts);
    fp_extractor_free(n.x);
    fp_indicate_free(n.ix);
    fp_vocab_free(&n.vocab);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &args);
    return rc ? 1 : 0;
}
