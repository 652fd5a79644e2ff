/* fupin-aggregate: one shard of the totals. Takes the figures normalize
 * routes to it, applies each report when its `end` arrives with the right
 * count, acknowledges it to ingest, and sends the totals it changed to the
 * sink. Serves snapshots so a sink can rebuild.
 *
 * Group commit: the reports waiting in the socket are applied in one SQLite
 * transaction (a savepoint each, so each is whole or absent), committed at
 * the end of the loop turn, or, when the last commit is less than
 * COMMIT_GAP_MS old, when it is; their totals and acks leave only after
 * that commit. A failed commit acknowledges none of them: ingest re-sends. */
#include "fp_daemon.h"
#include "fp_err.h"
#include "fp_log.h"
#include "fp_opts.h"
#include "fp_record.h"
#include "fp_stats.h"
#include "fp_zsock.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *log_level, *data, *figures, *acks, *sink, *snapshot, *db, *stats, *instance;
    int index, stats_ms, dead_after;
} config;

static const fp_opt opts[] = {
    {"index", FP_OPT_INT, "0", offsetof(config, index), "this shard's number, from 0"},
    {"figures", FP_OPT_STR, "tcp://127.0.0.1:7120", offsetof(config, figures), "endpoint normalize sends figures to"},
    {"acks", FP_OPT_STR, "tcp://127.0.0.1:7102", offsetof(config, acks), "ingest's acknowledgement endpoint"},
    {"sink", FP_OPT_STR, "tcp://127.0.0.1:7110", offsetof(config, sink), "the sink's totals endpoint"},
    {"snapshot", FP_OPT_STR, "tcp://127.0.0.1:7130", offsetof(config, snapshot), "endpoint the sink asks for snapshots"},
    {"db", FP_OPT_STR, "fupin-shard.db", offsetof(config, db), "this shard's database (SQLite)"},
    {"dead-after", FP_OPT_INT, "3", offsetof(config, dead_after),
     "dead-letter a report after this many failed tries to apply it (ingest then stops re-sending it)"},
    FP_STATS_OPTS(config, NULL),
    FP_COMMON_OPTS(config),
};

typedef struct {
    fp_daemon d;
    config cfg;
    fp_store *st;
    fp_zsock in, acks, sink, snap;
    fp_stats stats;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uv_check_t commit; /* commits the reports of one loop turn together */
    uv_timer_t pace;   /* commits a group held back by COMMIT_GAP_MS */
    uint64_t last_commit_ms;
    struct pending_ack {
        char id[FP_ID_HEX + 1], supersedes[FP_ID_HEX + 1];
        uint64_t arrived_ms;
        int fresh, dead; /* dead: dead-lettered here, acknowledged as such */
        size_t figures;
    } *pend;
    size_t npend, cappend;
    size_t pend_figures; /* figures of the reports in npend */
    unsigned long long applied, repeated, rejected, totals, commits, dead;
} shard;

/* A group commits at the end of the loop turn that filled it when the last commit is at least
 * COMMIT_GAP_MS old, else when it is: a report into an idle shard commits at once; under load reports
 * gather for up to that long into one commit. A commit costs ~0.5 ms of CPU (its pages written to the
 * log again, an fsync) whether it holds one report or many: 1,000 reports at 2x2 took 0.75 commits per
 * report committed at each loop turn, 0.36 with a gap of 20 ms, 0.11 with 50 ms. */
#define COMMIT_GAP_MS 50
/* A group this big commits at once. Reports: half ingest's default --window (32), so a fast stream never
 * waits for the gap with its whole window unacknowledged here. Figures: the group's memory and the time
 * its first report waits, whatever the reports' sizes. */
#define GROUP_MAX 16
#define GROUP_FIGURES 8192

static void status_line(char *buf, size_t cap, void *ud)
{
    shard *s = ud;
    long long reports = 0, mentions = 0, dead = 0;
    fp_store_counts(s->st, &reports, &mentions, &dead); /* dead letters are durable: counted in the store */
    snprintf(buf, cap,
             "shard=%d applied=%llu repeated=%llu rejected=%llu dead=%lld totals=%llu commits=%llu seq=%llu queue=%zu",
             s->cfg.index, s->applied, s->repeated, s->rejected, dead, s->totals, s->commits,
             (unsigned long long)fp_store_seq(s->st),
             fp_zsock_outbox(&s->sink) + fp_zsock_outbox(&s->acks));
}

static int pack_total(const fp_total *t, void *ud)
{
    shard *s = ud;
    s->totals++;
    return fp_pack_total(&s->pk, t);
}

static int pack_anomaly(const fp_anomaly *a, void *ud)
{
    shard *s = ud;
    if (a->live) fp_debug("check: %s at %s %d %s %s", a->kind, a->region_path, a->year, a->indicator, a->unit);
    return fp_pack_anomaly(&s->pk, a);
}

/* A report's figures and findings until its end: the batch one message carries. */
typedef struct {
    fp_figure *f;
    size_t n, cap;
    fp_anomaly *a;
    size_t na, capa;
} batch;

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->n; i++) fp_figure_free(&b->f[i]);
    for (size_t i = 0; i < b->na; i++) {
        fp_record r = {.type = FP_REC_ANOMALY, .u.anomaly = b->a[i]};
        fp_record_free(&r);
    }
    b->n = b->na = 0;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return FP_OK;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, c * size);
    if (!q) return FP_ENOMEM;
    *p = q;
    *cap = c;
    return FP_OK;
}

/* Commits the group and sends its cells, then the acks of its reports: to
 * the sink in one message (it counts a report complete only with its cells
 * in hand), and to ingest. A failed commit acknowledges nothing: ingest
 * re-sends every report of the group. */
static void flush(shard *s)
{
    if (!fp_store_in_group(s->st)) return;
    msgpack_sbuffer_clear(&s->sb);
    fp_store_out out = {pack_total, pack_anomaly, s};
    int rc = fp_store_commit(s->st, &out);
    if (rc) {
        s->rejected += s->npend;
        fp_error("%zu report(s) not applied (%s); ingest re-sends them", s->npend, fp_strerror(rc));
        s->npend = 0, s->pend_figures = 0;
        msgpack_sbuffer_clear(&s->sb);
        return;
    }
    s->commits++;
    /* The acks carry the shard's sequence number, so a sink that lost the
     * cells of these reports (in flight when something died) sees the gap
     * even when no other update follows. */
    fp_ack a = {.shard = (uint32_t)s->cfg.index, .seq = fp_store_seq(s->st)};
    snprintf(a.epoch, sizeof a.epoch, "%s", fp_store_epoch(s->st));
    for (int to_ingest = 0; to_ingest < 2; to_ingest++) {
        if (to_ingest) msgpack_sbuffer_clear(&s->sb), a.seq = 0;
        for (size_t i = 0; i < s->npend; i++) {
            const struct pending_ack *p = &s->pend[i];
            snprintf(a.report_id, sizeof a.report_id, "%s", p->id);
            a.arrived_ms = !to_ingest && p->fresh ? p->arrived_ms : 0;
            a.dead = (uint8_t)p->dead;
            fp_pack_ack(&s->pk, &a);
            a.dead = 0;
            /* The revision it supersedes is settled here too, applied or not: acknowledge it, so a
             * shard rebuilt from current revisions only still completes it at the sink and at ingest. */
            if (p->supersedes[0]) {
                snprintf(a.report_id, sizeof a.report_id, "%s", p->supersedes);
                a.arrived_ms = 0;
                fp_pack_ack(&s->pk, &a);
            }
            if (!to_ingest)
                fp_info("report %.12s: %s, %zu figures", p->id,
                        p->dead ? "dead-lettered" : p->fresh ? "applied" : "already applied", p->figures);
        }
        fp_zsock_send(to_ingest ? &s->acks : &s->sink, s->sb.data, s->sb.size);
    }
    msgpack_sbuffer_clear(&s->sb);
    s->npend = 0, s->pend_figures = 0;
}

/* flush, and the time of it, which paces the next one. */
static void commit_now(shard *s)
{
    uv_timer_stop(&s->pace);
    if (!fp_store_in_group(s->st)) return;
    flush(s);
    uv_update_time(s->d.loop);
    s->last_commit_ms = uv_now(s->d.loop);
}

static void on_pace(uv_timer_t *t) { commit_now(t->data); }

static void on_commit(uv_check_t *h)
{
    shard *s = h->data;
    if (!fp_store_in_group(s->st)) return;
    uint64_t now = uv_now(s->d.loop), due = s->last_commit_ms + COMMIT_GAP_MS;
    if (now >= due) commit_now(s);
    else if (!uv_is_active((uv_handle_t *)&s->pace)) uv_timer_start(&s->pace, on_pace, due - now, 0);
}

static void apply_end(shard *s, batch *b, const fp_end *e)
{
    /* only what belongs to this end counts: a stray figure of another report is dropped with it */
    size_t mine = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!strcmp(b->f[i].report_id, e->report_id)) b->f[mine++] = b->f[i];
        else fp_figure_free(&b->f[i]);
    b->n = mine;
    if (e->shard != (uint32_t)s->cfg.index || mine != e->count) {
        s->rejected++;
        fp_warn("report %.12s: end for shard %u with %u figures, got %zu here (shard %d): dropped, ingest re-sends",
                e->report_id, e->shard, e->count, mine, s->cfg.index);
        return;
    }
    if (s->npend == s->cappend) {
        size_t cap = s->cappend ? s->cappend * 2 : GROUP_MAX;
        struct pending_ack *np = realloc(s->pend, cap * sizeof *np);
        if (!np) {
            s->rejected++;
            fp_error("report %.12s: out of memory; ingest re-sends", e->report_id);
            return;
        }
        s->pend = np;
        s->cappend = cap;
    }
    int fresh = 0, dead = 0;
    int rc = fp_store_begin(s->st);
    if (!rc && (dead = fp_store_is_dead(s->st, e->report_id))) {
        fp_info("report %.12s: dead-lettered before; acknowledged as dead again", e->report_id);
    } else if (!rc && (rc = fp_store_apply(s->st, e, b->f, b->n, b->a, b->na, &fresh, NULL))) {
        s->rejected++;
        int frc = fp_store_failed(s->st, e, fp_strerror(rc), s->cfg.dead_after, &dead, NULL);
        if (frc || !dead) {
            fp_error("report %.12s (%s): not applied (%s); ingest re-sends", e->report_id, e->source ? e->source : "",
                     fp_strerror(rc));
            return;
        }
        s->dead++;
        fp_error("report %.12s (%s): not applied (%s) after %d tries: dead-lettered, ingest stops re-sending it",
                 e->report_id, e->source ? e->source : "", fp_strerror(rc), s->cfg.dead_after);
        rc = FP_OK;
    }
    if (rc) {
        s->rejected++;
        fp_error("report %.12s: not applied (%s); ingest re-sends", e->report_id, fp_strerror(rc));
        return;
    }
    if (!dead) fresh ? s->applied++ : s->repeated++;
    struct pending_ack *p = &s->pend[s->npend++];
    snprintf(p->id, sizeof p->id, "%s", e->report_id);
    /* a dead letter settles nothing else: what it would have superseded stays as it was */
    snprintf(p->supersedes, sizeof p->supersedes, "%s", dead ? "" : e->supersedes);
    p->arrived_ms = e->arrived_ms;
    p->fresh = fresh;
    p->dead = dead;
    p->figures = b->n;
    s->pend_figures += b->n;
    if (s->npend >= GROUP_MAX || s->pend_figures >= GROUP_FIGURES) commit_now(s);
}

static void on_figures(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    shard *s = ud;
    batch b = {0};
    size_t off = 0;
    fp_record r;
    int rc;
    while ((rc = fp_record_next(data, len, &off, &r)) == FP_OK) {
        if (r.type == FP_REC_FIGURE) {
            if ((rc = grow((void **)&b.f, &b.cap, b.n, sizeof *b.f))) {
                fp_record_free(&r);
                break;
            }
            b.f[b.n++] = r.u.figure; /* takes ownership of its strings */
        } else if (r.type == FP_REC_ANOMALY) {
            if ((rc = grow((void **)&b.a, &b.capa, b.na, sizeof *b.a))) {
                fp_record_free(&r);
                break;
            }
            b.a[b.na++] = r.u.anomaly;
        } else if (r.type == FP_REC_END) {
            apply_end(s, &b, &r.u.end);
            batch_clear(&b);
            fp_record_free(&r);
        } else {
            fp_record_free(&r);
        }
    }
    if (rc < 0) {
        s->rejected++;
        fp_warn("dropped a malformed message (%zu bytes): %s", len, fp_strerror(rc));
    }
    batch_clear(&b);
    free(b.f);
    free(b.a);
}

static int pack_applied(const char *id, void *ud)
{
    shard *s = ud;
    fp_ack a = {.shard = (uint32_t)s->cfg.index};
    snprintf(a.report_id, sizeof a.report_id, "%s", id);
    snprintf(a.epoch, sizeof a.epoch, "%s", fp_store_epoch(s->st));
    return fp_pack_ack(&s->pk, &a);
}

/* A snapshot: every total (all with the shard's current sequence number),
 * then an ack for every applied report, then one "end" total marker. */
/* "facts\nCODE\nYEAR\nINDICATOR\nSERIES\nUNIT": the figures under a cell, as JSON (the sink's /api/facts). */
static void on_facts(shard *s, fp_zsock *z, const char *data, size_t len)
{
    char req[512], *f[6] = {0};
    snprintf(req, sizeof req, "%.*s", (int)(len < sizeof req ? len : sizeof req - 1), data);
    int n = 0;
    for (char *p = req; p && n < 6; n++) {
        f[n] = p;
        if ((p = strchr(p, '\n'))) *p++ = '\0';
    }
    fp_buf b = {0};
    if (n < 4 || fp_store_facts(s->st, f[1], atoi(f[2]), f[3], n > 4 ? f[4] : "", n > 5 ? f[5] : "", &b)) {
        fp_buf_free(&b);
        fp_zsock_send(z, "[]", 2);
        return;
    }
    fp_zsock_send(z, b.p, b.len);
    fp_buf_free(&b);
}

static void on_snapshot(fp_zsock *z, const char *data, size_t len, void *ud)
{
    shard *s = ud;
    commit_now(s); /* a snapshot shows what is committed, at its sequence number */
    if (len > 6 && !memcmp(data, "facts\n", 6)) {
        on_facts(s, z, data, len);
        return;
    }
    msgpack_sbuffer_clear(&s->sb);
    uint64_t seq = 0;
    fp_store_out out = {pack_total, pack_anomaly, s};
    int rc = fp_store_snapshot(s->st, &out, &seq);
    if (!rc) rc = fp_store_each_applied(s->st, pack_applied, s);
    if (!rc) {
        fp_total mark = {.shard = (uint32_t)s->cfg.index, .seq = seq, .region_path = ""};
        snprintf(mark.epoch, sizeof mark.epoch, "%s", fp_store_epoch(s->st));
        rc = fp_pack_total(&s->pk, &mark);
    }
    if (rc) {
        fp_error("snapshot failed: %s", fp_strerror(rc));
        fp_zsock_send(z, "", 0);
        return;
    }
    fp_zsock_send(z, s->sb.data, s->sb.size);
    fp_info("served a snapshot at sequence %llu", (unsigned long long)seq);
}

static void on_stop(fp_daemon *d)
{
    shard *s = d->ud;
    commit_now(s);
    uv_close((uv_handle_t *)&s->commit, NULL);
    uv_close((uv_handle_t *)&s->pace, NULL);
    fp_stats_stop(&s->stats);
    fp_zsock_close(&s->in, NULL);
    fp_zsock_close(&s->snap, NULL);
    fp_zsock_close(&s->acks, NULL);
    fp_zsock_close(&s->sink, NULL);
}

int main(int argc, char **argv)
{
    shard s;
    memset(&s, 0, sizeof s);
    fp_strlist args = {0};
    int rc = fp_daemon_start("fupin-aggregate", opts, sizeof opts / sizeof opts[0], &s.cfg, argc, argv, NULL,
                             "usage: fupin-aggregate [options]\n\n"
                             "One shard of the per-region totals: applies reports exactly once, durably.",
                             &s.cfg.log_level);
    if (rc == FP_OPTS_DONE) return 0;
    if (rc == FP_OPTS_USAGE) return 2;
    char prog[32];
    snprintf(prog, sizeof prog, "fupin-aggregate.%d", s.cfg.index);
    /* on an error the settings are freed already (an unreadable --config) */
    if (!rc) fp_log_init(prog, (enum fp_log_level)fp_log_level_parse(s.cfg.log_level));
    if (!rc && s.cfg.dead_after < 1) {
        fprintf(stderr, "fupin-aggregate: error: --dead-after must be at least 1\n");
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &s.cfg, &args);
        return 2;
    }
    if (!rc) rc = fp_store_open(&s.st, s.cfg.db, (uint32_t)s.cfg.index);
    if (!rc) rc = fp_daemon_init(&s.d, on_stop, &s);
    if (!rc) {
        /* after each loop turn's messages: one transaction, one fsync for all the reports they held */
        uv_check_init(s.d.loop, &s.commit);
        s.commit.data = &s;
        uv_check_start(&s.commit, on_commit);
        uv_timer_init(s.d.loop, &s.pace);
        s.pace.data = &s;
    }
    msgpack_sbuffer_init(&s.sb);
    msgpack_packer_init(&s.pk, &s.sb, msgpack_sbuffer_write);
    if (!rc) rc = fp_zsock_open(&s.acks, s.d.loop, s.d.zctx, ZMQ_PUSH, s.cfg.acks, 0, NULL, NULL);
    if (!rc) rc = fp_zsock_open(&s.sink, s.d.loop, s.d.zctx, ZMQ_PUSH, s.cfg.sink, 0, NULL, NULL);
    if (!rc) rc = fp_zsock_open(&s.snap, s.d.loop, s.d.zctx, ZMQ_REP, s.cfg.snapshot, 1, on_snapshot, &s);
    if (!rc) rc = fp_zsock_open(&s.in, s.d.loop, s.d.zctx, ZMQ_PULL, s.cfg.figures, 1, on_figures, &s);
    char instance[64];
    snprintf(instance, sizeof instance, "shard-%d", s.cfg.index);
    if (!rc)
        rc = fp_stats_start(&s.stats, &s.d, s.cfg.stats, "aggregate",
                            s.cfg.instance && *s.cfg.instance ? s.cfg.instance : instance, s.cfg.stats_ms, status_line,
                            &s);
    if (!rc) {
        /* Hello to ingest and the sink: a store made anew is noticed at once, not at its next report. */
        fp_ack hello = {.shard = (uint32_t)s.cfg.index, .seq = fp_store_seq(s.st)};
        snprintf(hello.report_id, sizeof hello.report_id, "%s", FP_HELLO_ID);
        snprintf(hello.epoch, sizeof hello.epoch, "%s", fp_store_epoch(s.st));
        msgpack_sbuffer_clear(&s.sb);
        rc = fp_pack_ack(&s.pk, &hello);
        if (!rc) rc = fp_zsock_send(&s.acks, s.sb.data, s.sb.size);
        if (!rc) rc = fp_zsock_send(&s.sink, s.sb.data, s.sb.size);
        msgpack_sbuffer_clear(&s.sb);
    }
    if (!rc) {
        fp_info("shard %d: figures on %s, snapshots on %s, store %s (epoch %s, sequence %llu)", s.cfg.index,
                s.cfg.figures, s.cfg.snapshot, s.cfg.db, fp_store_epoch(s.st), (unsigned long long)fp_store_seq(s.st));
        fp_daemon_run(&s.d);
        fp_info("stopped: %llu applied, %llu repeated, %llu rejected, %llu totals sent, %llu commits", s.applied,
                s.repeated, s.rejected, s.totals, s.commits);
    } else {
        fp_daemon_abort(&s.d);
    }
    msgpack_sbuffer_destroy(&s.sb);
    free(s.pend);
    fp_store_close(s.st);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &s.cfg, &args);
    return rc ? 1 : 0;
}
