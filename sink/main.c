/* fupin-sink: merges the totals of M aggregate shards and publishes them as
 * totals.csv and totals.jsonl in --out, each replaced atomically.
 *
 * It rebuilds itself from the shards (the zguide's Clone pattern): on start,
 * and whenever a shard's sequence numbers skip, it asks that shard for a
 * snapshot, keeps the updates that arrive meanwhile, and applies those newer
 * than the snapshot. So it can be killed and restarted at will. */
#include "fp_curve.h"
#include "fp_daemon.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_gazetteer.h"
#include "fp_log.h"
#include "fp_opts.h"
#include "fp_record.h"
#include "fp_zsock.h"
#include "health.h"
#include "latency.h"
#include "serve.h"
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char *log_level, *data, *totals, *ctl, *out, *http, *stats, *page;
    fp_strlist snapshots;
    int flush_ms, forget_s, workers;
} config;

static const fp_opt opts[] = {
    {"totals", FP_OPT_STR, "tcp://127.0.0.1:7110", offsetof(config, totals), "endpoint the shards send totals to"},
    {"ctl", FP_OPT_STR, "tcp://127.0.0.1:7111", offsetof(config, ctl), "control endpoint (status)"},
    {"snapshot", FP_OPT_LIST, NULL, offsetof(config, snapshots),
     "a shard's snapshot endpoint, in shard order (default tcp://127.0.0.1:7130)"},
    {"out", FP_OPT_STR, "fupin-out", offsetof(config, out), "folder for totals.csv, totals.jsonl and anomalies.jsonl"},
    {"flush-ms", FP_OPT_INT, "100", offsetof(config, flush_ms), "write the files at most this often"},
    {"http", FP_OPT_STR, "127.0.0.1:7180", offsetof(config, http),
     "serve the dashboard, the API, /metrics and /healthz on ADDR:PORT (none: do not)"},
    {"stats", FP_OPT_STR, "tcp://127.0.0.1:7112", offsetof(config, stats),
     "endpoint the daemons publish their counters to (none: do not listen)"},
    {"page", FP_OPT_STR, NULL, offsetof(config, page), "the dashboard page (default: web/index.html in the data folder)"},
    {"workers", FP_OPT_INT, "1", offsetof(config, workers), "normalize workers /healthz expects"},
    {"forget-s", FP_OPT_INT, "300", offsetof(config, forget_s),
     "forget a daemon silent this long (scaled down), so /healthz stops naming it"},
    FP_COMMON_OPTS(config),
};

typedef struct msgq {
    char *data;
    size_t len;
    struct msgq *next;
} msgq;

struct sink;

typedef struct {
    struct sink *k;
    uint32_t index;
    fp_zsock *req; /* heap: a stale one is closed while its successor opens */
    int synced, waiting;
    uint64_t seq, deadline;
    char epoch[17];         /* the shard store's identity, from its last snapshot */
    msgq *held, *held_tail; /* updates that arrived while a snapshot was on its way */
} shardview;

typedef struct sink {
    fp_daemon d;
    config cfg;
    fp_gazetteer *g;
    fp_indicators ind;
    fp_table *t;
    fp_zsock in, ctl, stats;
    fp_health health;
    fp_serve *web;
    fp_need need[3];
    char page[4096];
    shardview *sh;
    int nsh;
    uv_timer_t tick, soon; /* soon: a write as early as allowed once a report completes */
    int dirty, write_failing;
    uint64_t dirty_since; /* loop time the files first differed from the table (0: they do not) */
    int completed;       /* a report completed since the last write */
    uint64_t next_write; /* loop time before which no write starts (flush-ms, or more after a large one) */
    /* the three files' text, kept from write to write: made anew, MBs of buffer grew by reallocation and
     * were faulted in again at every write */
    fp_buf files[3];
    fp_outfiles out; /* the files as last written: one whose content did not change is not written again */
    size_t checks; /* lines of anomalies.jsonl as last written: every check, not only the shards' */
    unsigned long long writes, updates, snapshots, rejected, replaced; /* replaced: shard stores seen made anew */
    uint64_t self_reported; /* when the sink last put its own counters in health */
    uint64_t *arrivals; /* arrival times of reports completed since the last write */
    size_t narrivals, caparrivals;
    fp_latency lat;
} sink;

static uint64_t wall_ms(void)
{
    uv_timeval64_t tv;
    return uv_gettimeofday(&tv) == 0 ? (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000 : 0;
}

/* A report's totals are out when the next write lands: its latency is measured then. */
static void note_arrival(struct sink *k, uint64_t arrived_ms)
{
    if (k->narrivals == k->caparrivals) {
        size_t cap = k->caparrivals ? k->caparrivals * 2 : 256;
        uint64_t *na = realloc(k->arrivals, cap * sizeof *na);
        if (!na) return; /* a latency sample lost, nothing else */
        k->arrivals = na;
        k->caparrivals = cap;
    }
    k->arrivals[k->narrivals++] = arrived_ms;
}

static void request_snapshot(shardview *v);
static void write_soon(struct sink *k);

static void note_dirty(struct sink *k)
{
    if (k->dirty && !k->dirty_since) k->dirty_since = uv_now(k->d.loop) ? uv_now(k->d.loop) : 1;
}

static void drop_held(shardview *v)
{
    while (v->held) {
        msgq *m = v->held;
        v->held = m->next;
        free(m->data);
        free(m);
    }
    v->held_tail = NULL;
}

/* Applies one update message; returns 1 when it revealed a gap. */
static int apply_update(sink *k, const char *data, size_t len)
{
    size_t off = 0;
    fp_record r;
    int rc;
    while ((rc = fp_record_next(data, len, &off, &r)) == FP_OK) {
        if (r.type == FP_REC_TOTAL && r.u.total.shard < (uint32_t)k->nsh) {
            shardview *v = &k->sh[r.u.total.shard];
            if (!v->synced) {
                fp_record_free(&r);
                continue;
            }
            if (r.u.total.seq <= v->seq) { /* already in the snapshot */
            } else if (r.u.total.seq != v->seq + 1) {
                fp_warn("shard %u: sequence jumped from %llu to %llu: asking for a snapshot", v->index,
                        (unsigned long long)v->seq, (unsigned long long)r.u.total.seq);
                fp_record_free(&r);
                request_snapshot(v);
                return 1;
            } else {
                v->seq = r.u.total.seq;
                fp_table_put_owned(k->t, &r.u.total);
                k->dirty = 1;
                k->updates++;
            }
        } else if (r.type == FP_REC_ANOMALY && r.u.anomaly.shard < (uint32_t)k->nsh) {
            shardview *v = &k->sh[r.u.anomaly.shard];
            if (v->synced && r.u.anomaly.seq > v->seq) {
                if (r.u.anomaly.seq != v->seq + 1) {
                    fp_warn("shard %u: sequence jumped from %llu to %llu: asking for a snapshot", v->index,
                            (unsigned long long)v->seq, (unsigned long long)r.u.anomaly.seq);
                    fp_record_free(&r);
                    request_snapshot(v);
                    return 1;
                }
                v->seq = r.u.anomaly.seq;
                fp_table_anomaly(k->t, &r.u.anomaly);
                k->dirty = 1;
                k->updates++;
            }
        } else if (r.type == FP_REC_ACK) {
            shardview *v = r.u.ack.shard < (uint32_t)k->nsh ? &k->sh[r.u.ack.shard] : NULL;
            /* another store behind the same shard: its sequence restarted, so rebuild from a snapshot */
            if (v && v->synced && r.u.ack.epoch[0] && v->epoch[0] && strcmp(r.u.ack.epoch, v->epoch)) {
                fp_warn("shard %u answers from another store (epoch %s, was %s): asking for a snapshot", v->index,
                        r.u.ack.epoch, v->epoch);
                fp_record_free(&r);
                request_snapshot(v);
                return 1;
            }
            if (v && v->synced && r.u.ack.seq > v->seq) {
                fp_warn("shard %u is at sequence %llu, this sink at %llu: asking for a snapshot", v->index,
                        (unsigned long long)r.u.ack.seq, (unsigned long long)v->seq);
                fp_record_free(&r);
                request_snapshot(v);
                return 1;
            }
            int completed = 0;
            if (!strcmp(r.u.ack.report_id, FP_HELLO_ID)) { /* a shard's hello: nothing acknowledged */
                fp_record_free(&r);
                continue;
            }
            uint64_t sample = 0;
            fp_table_ack(k->t, r.u.ack.report_id, r.u.ack.shard, r.u.ack.arrived_ms, &completed, &sample);
            if (sample) note_arrival(k, sample);
            k->completed |= completed;
            k->dirty = 1;
        }
        fp_record_free(&r);
    }
    if (rc < 0) {
        k->rejected++;
        fp_warn("dropped a malformed update: %s", fp_strerror(rc));
    }
    return 0;
}

/* Which shard an update message is from: its first total or ack says. */
static int update_shard(const char *data, size_t len)
{
    size_t off = 0;
    fp_record r;
    int shard = -1;
    if (fp_record_next(data, len, &off, &r) == FP_OK) {
        if (r.type == FP_REC_TOTAL) shard = (int)r.u.total.shard;
        else if (r.type == FP_REC_ANOMALY) shard = (int)r.u.anomaly.shard;
        else if (r.type == FP_REC_ACK) shard = (int)r.u.ack.shard;
        fp_record_free(&r);
    }
    return shard;
}

static void on_update(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    sink *k = ud;
    int s = update_shard(data, len);
    if (s < 0 || s >= k->nsh) {
        k->rejected++;
        fp_warn("dropped an update from an unknown shard (%d)", s);
        return;
    }
    shardview *v = &k->sh[s];
    if (!v->synced) {
        msgq *m = malloc(sizeof *m);
        if (m && (m->data = malloc(len ? len : 1))) {
            memcpy(m->data, data, len);
            m->len = len;
            m->next = NULL;
            if (v->held_tail) v->held_tail->next = m;
            else v->held = m;
            v->held_tail = m;
        } else {
            free(m);
            fp_error("out of memory holding an update; shard %d will be re-synced", s);
        }
        return;
    }
    apply_update(k, data, len);
    note_dirty(k);
    write_soon(k);
}

static void on_snapshot(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    shardview *v = ud;
    sink *k = v->k;
    v->waiting = 0;
    if (len == 0) {
        fp_warn("shard %u could not make a snapshot; asking again", v->index);
        return;
    }
    fp_table_clear_shard(k->t, v->index);
    size_t off = 0;
    fp_record r;
    int rc;
    uint64_t seq = 0;
    char epoch[17] = "";
    while ((rc = fp_record_next(data, len, &off, &r)) == FP_OK) {
        if (r.type == FP_REC_TOTAL) {
            seq = r.u.total.seq;
            if (r.u.total.epoch[0]) snprintf(epoch, sizeof epoch, "%s", r.u.total.epoch);
            if (r.u.total.facts) fp_table_put_owned(k->t, &r.u.total);
        } else if (r.type == FP_REC_ANOMALY) {
            fp_table_anomaly(k->t, &r.u.anomaly);
        } else if (r.type == FP_REC_ACK) {
            /* a report this completes was under way when the shard was re-synced: its arrival came on the
             * other shard's live ack, and it is one latency sample all the same */
            uint64_t sample = 0;
            fp_table_ack(k->t, r.u.ack.report_id, r.u.ack.shard, 0, NULL, &sample);
            if (sample) note_arrival(k, sample);
        }
        fp_record_free(&r);
    }
    if (v->epoch[0] && epoch[0] && strcmp(v->epoch, epoch)) {
        /* Loud: what the old store held is gone from this shard until ingest re-sends it. */
        k->replaced++;
        fp_error("shard %u came back with another store (epoch %s, was %s, now at sequence %llu): its cells are "
                 "rebuilt from what it holds; ingest re-sends every report to refill it",
                 v->index, epoch, v->epoch, (unsigned long long)seq);
    }
    if (epoch[0]) snprintf(v->epoch, sizeof v->epoch, "%s", epoch);
    v->seq = seq;
    v->synced = 1;
    k->dirty = 1;
    note_dirty(k);
    k->snapshots++;
    fp_info("shard %u: snapshot at sequence %llu, %zu rows in all", v->index, (unsigned long long)seq,
            fp_table_rows(k->t));
    /* Replay what arrived meanwhile; a gap among them starts over. */
    msgq *m = v->held;
    v->held = v->held_tail = NULL;
    while (m) {
        msgq *next = m->next;
        if (v->synced) apply_update(k, m->data, m->len);
        free(m->data);
        free(m);
        m = next;
    }
}

static void free_zsock(fp_zsock *z) { free(z); }

static void drop_req(shardview *v)
{
    if (!v->req) return;
    if (v->req->z) fp_zsock_close(v->req, free_zsock);
    else free(v->req);
    v->req = NULL;
}

/* A REQ socket that lost its peer mid-request is stuck: each request gets a
 * fresh one (the zguide's Lazy Pirate). */
static int reopen_req(shardview *v)
{
    sink *k = v->k;
    drop_req(v);
    v->req = calloc(1, sizeof *v->req);
    if (!v->req) return FP_ENOMEM;
    return fp_zsock_open(v->req, k->d.loop, k->d.zctx, ZMQ_REQ, k->cfg.snapshots.v[v->index], 0, on_snapshot, v);
}

static void request_snapshot(shardview *v)
{
    v->synced = 0;
    drop_held(v);
    if (v->waiting || v->k->d.stopping) return;
    if (reopen_req(v)) return; /* the tick asks again */
    v->waiting = 1;
    v->deadline = uv_now(v->k->d.loop) + 2000;
    fp_zsock_send(v->req, "snapshot", 8);
}

/* Renders the files and writes those whose content changed; *bytes gets what was written. */
static void write_files(sink *k, size_t *bytes)
{
    *bytes = 0;
    for (int i = 0; i < 3; i++) {
        k->files[i].len = 0;
        k->files[i].oom = 0;
        if (k->files[i].p) k->files[i].p[0] = '\0';
    }
    fp_view v;
    uint64_t t0 = uv_hrtime(), t1 = 0, rendered0 = fp_table_rendered(k->t);
    int rc = fp_table_view(k->t, &v);
    if (!rc) {
        rc = fp_table_render(k->t, &v, &k->files[0], &k->files[1], &k->files[2]);
        fp_view_free(&v);
    }
    size_t len[3] = {k->files[0].len, k->files[1].len, k->files[2].len};
    const char *why = NULL;
    unsigned changed = 0;
    if (rc) why = fp_strerror(rc);
    if (!rc) {
        /* the folder may have gone (deleted under a running sink): make it again, every file in it */
        if (mkdir(k->cfg.out, 0755) == 0) {
            fp_warn("--out %s was gone: made it again", k->cfg.out);
            k->out.on_disk = 0;
        }
        t1 = uv_hrtime();
        rc = fp_outfiles_write(&k->out, k->cfg.out, k->files, bytes, &changed, &why);
    }
    /* said once when writing starts to fail and once when it works again, not every tick */
    if (rc && !k->write_failing) fp_error("cannot write the totals to %s: %s (retrying)", k->cfg.out, why);
    if (!rc && k->write_failing) fp_info("writing %s again", k->cfg.out);
    k->write_failing = rc != 0;
    if (!rc) {
        k->dirty = 0;
        k->dirty_since = 0;
        k->writes++;
        if (changed & 4) { /* anomalies.jsonl changed: count its checks again */
            const fp_buf *an = &k->out.written[2];
            k->checks = 0;
            for (const char *c = an->p, *end = c + an->len; c && (c = memchr(c, '\n', (size_t)(end - c))); c++)
                k->checks++;
        }
        uint64_t now = wall_ms();
        for (size_t i = 0; i < k->narrivals; i++)
            fp_lat_observe(&k->lat, now > k->arrivals[i] ? now - k->arrivals[i] : 0);
        k->narrivals = 0;
        /* the two costs a report's latency pays here: rendering the rows that changed (the rest are the
         * table's cached lines), then writing the changed files durably */
        fp_debug("wrote %s: %zu+%zu+%zu bytes, %zu of them written (files changed: %s%s%s), %llu rows rendered "
                 "anew, made in %.1f ms, written in %.1f ms",
                 k->cfg.out, len[0], len[1], len[2], *bytes, changed & 1 ? "csv " : "", changed & 2 ? "jsonl " : "",
                 changed & 4 ? "anomalies" : "", (unsigned long long)(fp_table_rendered(k->t) - rendered0),
                 (double)(t1 - t0) / 1e6, (double)(uv_hrtime() - t1) / 1e6);
    }
}

/* A write renders only the rows that changed, but still walks the whole
 * table, and writes each changed file whole (MBs at thousands of reports):
 * under a stream of reports, writing as often as flush-ms allows would
 * spend the sink's time writing. So the next write waits in proportion to
 * the bytes this one wrote, if that is more than flush-ms: 1 ms per
 * WRITE_BYTES_PER_MS (1.5 s after writing 6 MB; with 8 KB the bench's
 * sink wrote 51 times where the earlier spacing, 8 times the write's wall
 * time, wrote 34). Bytes, not the write's measured time, which on a shared
 * machine is mostly others'. */
#define WRITE_BYTES_PER_MS (4 * 1024)

/* Writes the files when they changed and the last write is far enough behind. */
static void write_due(sink *k)
{
    if (!k->dirty) return;
    if (uv_now(k->d.loop) < k->next_write) {
        /* a write since this one was asked for moved the spacing on: a completed report waits for
         * the new time, not for whatever comes next */
        write_soon(k);
        return;
    }
    size_t bytes = 0;
    write_files(k, &bytes);
    uint64_t gap = (uint64_t)(k->cfg.flush_ms > 0 ? k->cfg.flush_ms : 100);
    if (bytes / WRITE_BYTES_PER_MS > gap) gap = bytes / WRITE_BYTES_PER_MS;
    uv_update_time(k->d.loop);
    k->next_write = uv_now(k->d.loop) + gap;
    k->completed = 0;
}

static void on_soon(uv_timer_t *t) { write_due(t->data); }

/* A report completed: its totals go out as soon as a write is allowed, not at the next tick (an idle
 * pipeline answers one report at once). */
static void write_soon(sink *k)
{
    if (!k->completed || !k->dirty || uv_is_active((uv_handle_t *)&k->soon)) return;
    uint64_t now = uv_now(k->d.loop);
    uv_timer_start(&k->soon, on_soon, k->next_write > now ? k->next_write - now : 0, 0);
}

static void on_stats(fp_zsock *z, const char *data, size_t len, void *ud)
{
    (void)z;
    sink *k = ud;
    if (fp_health_update(&k->health, data, len, uv_now(k->d.loop)) == FP_EINVAL) {
        k->rejected++;
        fp_warn("dropped a stats message without stage= and instance=");
    }
}

static void status_line(sink *k, char *buf, size_t cap)
{
    int synced = 0;
    for (int i = 0; i < k->nsh; i++) synced += k->sh[i].synced;
    snprintf(buf, cap,
             "reports=%zu rows=%zu anomalies=%zu dirty=%d synced=%d shards=%d writes=%llu updates=%llu "
             "snapshots=%llu rejected=%llu replaced=%llu uptime_ms=%llu latency_n=%llu latency_p50_ms=%llu latency_p99_ms=%llu",
             fp_table_complete(k->t), fp_table_rows(k->t), k->checks, k->dirty, synced, k->nsh,
             k->writes, k->updates, k->snapshots, k->rejected, k->replaced,
             (unsigned long long)(uv_now(k->d.loop) - k->d.started_ms), (unsigned long long)k->lat.count,
             (unsigned long long)fp_lat_quantile(&k->lat, 0.5), (unsigned long long)fp_lat_quantile(&k->lat, 0.99));
}

/* For /healthz: shards this sink is not in step with. */
static const char *sync_problems(void *ud)
{
    sink *k = ud;
    static char why[256];
    why[0] = '\0';
    for (int i = 0; i < k->nsh; i++)
        if (!k->sh[i].synced) {
            size_t l = strlen(why);
            snprintf(why + l, sizeof why - l, "%ssink not in step with shard %d", l ? "; " : "", i);
        }
    return why;
}

static void on_tick(uv_timer_t *t)
{
    sink *k = t->data;
    uint64_t now = uv_now(k->d.loop);
    /* The sink is a stage too: it reports to itself, once a second like the
     * others (its status sorts the latency samples, not worth every tick). */
    if (!k->self_reported || now - k->self_reported >= 1000) {
        char line[1024];
        int n = snprintf(line, sizeof line, "stage=sink instance=sink interval_ms=1000 ");
        status_line(k, line + n, sizeof line - (size_t)n);
        fp_health_update(&k->health, line, strlen(line), now);
        fp_health_forget(&k->health, now, (uint64_t)k->cfg.forget_s * 1000);
        k->self_reported = now;
    }
    for (int i = 0; i < k->nsh; i++) {
        shardview *v = &k->sh[i];
        if (v->waiting && now > v->deadline) {
            fp_debug("shard %d: no snapshot yet; asking again", i);
            v->waiting = 0;
        }
        if (!v->synced && !v->waiting) request_snapshot(v);
    }
    /* Changes that completed no report (one shard's cells of a report another shard has not sent yet, a
     * snapshot) are written once they have waited flush-ms. Written at the next tick, they would start the
     * write spacing just before the rest of their report arrives, and its write would wait it out (a
     * report's latency with 2 shards: a ~5 % chance of up to 100 ms more). A completed report does not wait
     * for the tick: write_soon writes it as soon as the spacing allows. */
    uint64_t flush = (uint64_t)(k->cfg.flush_ms > 0 ? k->cfg.flush_ms : 100);
    note_dirty(k);
    if (k->dirty && now - k->dirty_since >= flush) write_due(k);
}

static void on_ctl(fp_zsock *z, const char *data, size_t len, void *ud)
{
    sink *k = ud;
    char reply[1024];
    if (len >= 6 && !memcmp(data, "status", 6)) {
        status_line(k, reply, sizeof reply);
        if (k->web) {
            size_t l = strlen(reply);
            snprintf(reply + l, sizeof reply - l, " http_port=%d", fp_serve_port(k->web));
        }
        fp_curve_status(reply, sizeof reply);
    } else if (len >= 6 && !memcmp(data, "stages", 6)) {
        /* fupin top: every stage's last line */
        size_t l = 0;
        reply[0] = '\0';
        uint64_t now = uv_now(k->d.loop);
        for (size_t i = 0; i < k->health.n && l < sizeof reply; i++) {
            const fp_stage *s = &k->health.s[i];
            int w = snprintf(reply + l, sizeof reply - l, "%s %s %s %.1f %s\n", s->stage, s->instance,
                             fp_stage_alive(s, now) ? "up" : "SILENT", (double)(now - s->seen_ms) / 1000.0, s->line);
            if (w < 0) break;
            l += (size_t)w;
        }
        if (l >= sizeof reply) l = sizeof reply - 1;
        fp_zsock_send(z, reply, l);
        return;
    } else
        snprintf(reply, sizeof reply, "error unknown request (want status)");
    fp_zsock_send(z, reply, strlen(reply));
}

static void on_stop(fp_daemon *d)
{
    sink *k = d->ud;
    size_t bytes;
    if (k->dirty) write_files(k, &bytes);
    if (k->tick.loop) uv_close((uv_handle_t *)&k->tick, NULL);
    if (k->soon.loop) uv_close((uv_handle_t *)&k->soon, NULL);
    fp_serve_stop(k->web);
    k->web = NULL;
    fp_zsock_close(&k->stats, NULL);
    fp_zsock_close(&k->in, NULL);
    fp_zsock_close(&k->ctl, NULL);
    for (int i = 0; i < k->nsh; i++) drop_req(&k->sh[i]);
}

int main(int argc, char **argv)
{
    sink k;
    memset(&k, 0, sizeof k);
    fp_strlist args = {0};
    int rc = fp_daemon_start("fupin-sink", opts, sizeof opts / sizeof opts[0], &k.cfg, argc, argv, NULL,
                             "usage: fupin-sink [options]\n\n"
                             "Merges the shards' totals and serves them: totals.csv, totals.jsonl and "
                             "anomalies.jsonl in --out, and the dashboard, API, /metrics and /healthz on --http.",
                             &k.cfg.log_level);
    if (rc == FP_OPTS_DONE) return 0;
    if (rc == FP_OPTS_USAGE) return 2;
    if (!rc && k.cfg.snapshots.n == 0) rc = fp_strlist_push(&k.cfg.snapshots, "tcp://127.0.0.1:7130");
    if (!rc && k.cfg.snapshots.n > 62) {
        fprintf(stderr, "fupin-sink: error: at most 62 shards\n");
        rc = FP_OPTS_USAGE;
    }
    if (!rc && mkdir(k.cfg.out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fupin-sink: error: cannot create --out %s: %s\n", k.cfg.out, strerror(errno));
        rc = FP_EIO;
    }
    const char *dd = fp_datadir(k.cfg.data);
    char rp[4096], ap[4096];
    snprintf(rp, sizeof rp, "%s/regions.tsv", dd);
    snprintf(ap, sizeof ap, "%s/aliases.tsv", dd);
    if (!rc) rc = fp_gaz_load(&k.g, rp, ap);
    if (!rc) rc = fp_indicators_load_dir(&k.ind, dd);
    k.nsh = k.cfg.snapshots.n;
    if (!rc) rc = fp_table_new(&k.t, k.g, &k.ind, (uint32_t)k.nsh);
    if (!rc) rc = fp_daemon_init(&k.d, on_stop, &k);
    if (!rc && !(k.sh = calloc((size_t)k.nsh, sizeof *k.sh))) rc = FP_ENOMEM;
    for (int i = 0; i < k.nsh && !rc; i++) {
        k.sh[i].k = &k;
        k.sh[i].index = (uint32_t)i;
        if (!fp_endpoint_valid(k.cfg.snapshots.v[i])) {
            fprintf(stderr, "fupin-sink: error: malformed endpoint '%s'\n", k.cfg.snapshots.v[i]);
            rc = FP_EINVAL;
        }
    }
    if (!rc) rc = fp_zsock_open(&k.in, k.d.loop, k.d.zctx, ZMQ_PULL, k.cfg.totals, 1, on_update, &k);
    if (!rc) rc = fp_zsock_open(&k.ctl, k.d.loop, k.d.zctx, ZMQ_REP, k.cfg.ctl, 1, on_ctl, &k);
    if (!rc && strcmp(k.cfg.stats, "none"))
        rc = fp_zsock_open(&k.stats, k.d.loop, k.d.zctx, ZMQ_PULL, k.cfg.stats, 1, on_stats, &k);
    if (!rc && strcmp(k.cfg.http, "none")) {
        snprintf(k.page, sizeof k.page, "%s", k.cfg.page ? k.cfg.page : "");
        if (!k.cfg.page) snprintf(k.page, sizeof k.page, "%s/web/index.html", dd);
        k.need[0] = (fp_need){"ingest", 1};
        k.need[1] = (fp_need){"normalize", k.cfg.workers};
        k.need[2] = (fp_need){"aggregate", k.nsh};
        fp_serve_cfg sc = {.loop = k.d.loop, .zctx = k.d.zctx, .table = k.t, .gaz = k.g, .indicators = &k.ind,
                           .health = &k.health,
                           .lat = &k.lat, .shard_eps = k.cfg.snapshots.v, .nshards = k.nsh, .page = k.page,
                           .need = k.need, .nneed = 3, .problems_extra = sync_problems, .ud = &k};
        rc = fp_serve_start(&k.web, &sc, k.cfg.http);
        if (!rc)
            fp_info("HTTP on %.*s:%d: the dashboard at /, the API under /api/, /metrics, /healthz",
                    (int)(strrchr(k.cfg.http, ':') - k.cfg.http), k.cfg.http, fp_serve_port(k.web));
    }
    if (!rc) {
        uv_timer_init(k.d.loop, &k.tick);
        k.tick.data = &k;
        uv_timer_init(k.d.loop, &k.soon);
        k.soon.data = &k;
        uv_timer_start(&k.tick, on_tick, 0, (uint64_t)(k.cfg.flush_ms > 0 ? k.cfg.flush_ms : 100));
        fp_info("totals on %s, %d shard(s), writing %s/totals.csv", k.cfg.totals, k.nsh, k.cfg.out);
        fp_daemon_run(&k.d);
        fp_info("stopped: %llu updates, %llu snapshots, %llu writes", k.updates, k.snapshots, k.writes);
    } else {
        fp_daemon_abort(&k.d);
    }
    for (int i = 0; i < k.nsh && k.sh; i++) drop_held(&k.sh[i]);
    free(k.sh);
    free(k.arrivals);
    fp_health_free(&k.health);
    fp_table_free(k.t);
    for (int i = 0; i < 3; i++) fp_buf_free(&k.files[i]);
    fp_outfiles_free(&k.out);
    fp_indicators_free(&k.ind);
    fp_gaz_free(k.g);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &k.cfg, &args);
    return rc == FP_OPTS_USAGE ? 2 : rc ? 1 : 0;
}
