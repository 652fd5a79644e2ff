/* fupin-ingest: takes reports in (files, stdin, a watched folder, `fupin
 * submit` over its control endpoint), decodes them to UTF-8, journals them,
 * sends them to the normalize workers, and re-sends each until every
 * aggregate shard has acknowledged it. */
#include "fp_ctl.h"
#include "fp_curve.h"
#include "fp_daemon.h"
#include "fp_encoding.h"
#include "fp_err.h"
#include "fp_figjson.h"
#include "fp_file.h"
#include "fp_gazetteer.h"
#include "fp_log.h"
#include "fp_opts.h"
#include "fp_record.h"
#include "fp_stats.h"
#include "fp_zsock.h"
#include "journal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char *log_level, *data, *ctl, *reports, *acks, *journal, *watch;
    int shards, resend_ms, resend_ms_per_mb, stats_ms, year, window;
    fp_strlist figures;
    char *stats, *instance;
} config;

static const fp_opt opts[] = {
    {"ctl", FP_OPT_STR, "tcp://127.0.0.1:7100", offsetof(config, ctl), "control endpoint (status, fupin submit)"},
    {"reports", FP_OPT_STR, "tcp://127.0.0.1:7101", offsetof(config, reports), "endpoint normalize workers pull reports from"},
    {"acks", FP_OPT_STR, "tcp://127.0.0.1:7102", offsetof(config, acks), "endpoint aggregate shards send acknowledgements to"},
    {"shards", FP_OPT_INT, "1", offsetof(config, shards), "number of aggregate shards that must acknowledge a report"},
    {"journal", FP_OPT_STR, "fupin-ingest.db", offsetof(config, journal), "journal database (SQLite)"},
    {"watch", FP_OPT_STR, NULL, offsetof(config, watch), "take in every file that appears in this folder"},
    {"figures", FP_OPT_LIST, NULL, offsetof(config, figures),
     "curated figures (JSON lines, as fupin extract prints) to take in as a report"},
    {"resend-ms", FP_OPT_INT, "5000", offsetof(config, resend_ms), "re-send a report not acknowledged after this long"},
    {"resend-ms-per-mb", FP_OPT_INT, "2000", offsetof(config, resend_ms_per_mb),
     "and wait this much longer for each MB of the report (its extraction takes time)"},
    {"window", FP_OPT_INT, "32", offsetof(config, window),
     "at most this many reports out unacknowledged; the rest wait in the journal (0: no limit)"},
    {"year", FP_OPT_INT, "0", offsetof(config, year),
     "the reports' year when neither their text nor their page says it (fupin submit --year overrides it)"},
    FP_STATS_OPTS(config, "ingest"),
    FP_COMMON_OPTS(config),
};

typedef struct {
    char *name;
    int64_t size;
    int stable;
} watched;

typedef struct {
    fp_daemon d;
    config cfg;
    fp_journal *j;
    fp_decoder *dec;
    fp_gazetteer *gaz; /* to check curated figures */
    fp_vocab vocab;
    fp_zsock ctl, out, acks;
    fp_stats stats;
    uv_timer_t resend;
    uv_fs_event_t fsev;
    int watching;
    watched *pend;
    size_t npend;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    unsigned long long taken, same, revisions, rejected, sent, resent, acked, done, rebuilds;
    int sent_now; /* the last take_in sent its report itself */
} ingest;

static int count_figure(const fp_figure *f, void *ud)
{
    (void)f;
    (void)ud;
    return FP_OK;
}

/* Checks curated figures (all lines or none) and copies them as the report's text. */
static int take_figures(ingest *g, const char *raw, size_t len, char **text, size_t *tlen, char *enc, char *why,
                        size_t whycap)
{
    size_t n;
    if (fp_figjson_parse(raw, len, g->gaz, &g->vocab, "", count_figure, NULL, &n, why, whycap)) return FP_EINVAL;
    if (n == 0) return snprintf(why, whycap, "no figures in it"), FP_EINVAL;
    if (!(*text = malloc(len + 1))) return snprintf(why, whycap, "out of memory"), FP_ENOMEM;
    memcpy(*text, raw, len);
    (*text)[len] = '\0';
    *tlen = len;
    snprintf(enc, 32, "%s", FP_FIGURES_ENCODING);
    return FP_OK;
}

static int send_report(const fp_report *r, void *ud)
{
    ingest *g = ud;
    msgpack_sbuffer_clear(&g->sb);
    int rc = fp_pack_report(&g->pk, r);
    if (!rc) rc = fp_zsock_send(&g->out, g->sb.data, g->sb.size);
    if (!rc) g->sent++;
    return rc;
}

/* A source name is a report's identity: names over FP_SOURCE_MAX are refused, not cut into another's. */
#define SOURCE_MAX FP_SOURCE_MAX

/* Decodes (or, figures=1, checks) and journals one report; answers what happened in msg. */
/* year: the caller's year hint (0 = none); it wins over a page's or PDF's date, the text over both. */
static int take_in(ingest *g, const char *source, const char *raw, size_t len, int figures, int year_given, char *msg,
                   size_t cap)
{
    char *text = NULL, enc[32], id[FP_ID_HEX + 1], sup[FP_ID_HEX + 1], whybuf[300];
    size_t tlen;
    const char *why = whybuf;
    int year = 0; /* a page's or PDF's publication year: the report's year hint */
    size_t sl = strlen(source);
    g->sent_now = 0;
    if (sl > SOURCE_MAX) {
        g->rejected++;
        snprintf(msg, cap, "error %.60s...: a source name of %zu bytes is over the limit of %d: name the report "
                 "shorter (fupin submit --name, or a shorter path)", source, sl, SOURCE_MAX);
        fp_warn("rejected %.60s...: a source name of %zu bytes, over the limit of %d", source, sl, SOURCE_MAX);
        return FP_EINVAL;
    }
    int rc = figures ? take_figures(g, raw, len, &text, &tlen, enc, whybuf, sizeof whybuf)
                     : fp_decode(g->dec, raw, len, &text, &tlen, enc, &year, &why);
    if (rc) {
        g->rejected++;
        snprintf(msg, cap, "error %.400s: %s", source, why);
        fp_warn("rejected %s: %s", source, why);
        return rc;
    }
    if (!figures && fp_decoder_replaced(g->dec))
        fp_warn("%s: %zu invalid UTF-8 byte(s) replaced by U+FFFD", source, fp_decoder_replaced(g->dec));
    if (year_given > 0) year = year_given;
    else if (!year && g->cfg.year > 0) year = g->cfg.year;
    enum fp_take what;
    /* A new report goes out now, from the text in hand, when nothing waits for the window before it: not
     * read back from the journal by the next fp_journal_due, and marked sent in the take's own
     * transaction. Not onto a socket nobody drains (the outbox check of on_resend). */
    int send = 0;
    uint64_t now = fp_zsock_outbox(&g->out) > 64 ? 0 : uv_now(g->d.loop) ? uv_now(g->d.loop) : 1, taken_ms = 0;
    rc = fp_journal_take_send(g->j, source, enc, year, text, tlen, (size_t)(g->cfg.window > 0 ? g->cfg.window : 0),
                              now, id, sup, &what, &send, &taken_ms);
    g->sent_now = 0;
    if (!rc && send) {
        fp_report r = {.source = (char *)source, .encoding = enc, .year_hint = year, .supersedes = sup,
                       .arrived_ms = taken_ms, .text = text, .text_len = tlen};
        snprintf(r.id, sizeof r.id, "%s", id);
        /* a failed send (out of memory) is the journal's to retry: the report is re-sent after its time-out */
        if (send_report(&r, g) == FP_OK) g->sent_now = 1;
        else fp_warn("%s: not sent now (out of memory); it is re-sent after --resend-ms", source);
    }
    free(text);
    if (rc) {
        snprintf(msg, cap, "error %s: journal write failed", source);
        return rc;
    }
    const char *how = what == FP_TAKE_SAME ? "unchanged, already taken" : what == FP_TAKE_REVISION ? "revision" : "new";
    if (what == FP_TAKE_SAME) g->same++;
    else g->taken++;
    if (what == FP_TAKE_REVISION) g->revisions++;
    snprintf(msg, cap, "ok %s %s", id, how);
    fp_info("took %s (%s, %zu bytes, published %d): %.12s %s%s%.12s", source, enc, len, year, id, how,
            sup[0] ? " of " : "", sup);
    return FP_OK;
}

static void on_resend(uv_timer_t *t)
{
    ingest *g = t->data;
    size_t resent = 0;
    /* Do not pile re-sends onto a socket nobody drains. */
    if (fp_zsock_outbox(&g->out) > 64) return;
    if (fp_journal_due(g->j, uv_now(g->d.loop), (uint64_t)g->cfg.resend_ms, (uint64_t)g->cfg.resend_ms_per_mb,
                       (size_t)(g->cfg.window > 0 ? g->cfg.window : 0), send_report, g, &resent) == FP_OK &&
        resent) {
        g->resent += resent;
        fp_info("re-sent %zu unacknowledged report(s)", resent);
    }
}

/* A place in the window may be free (an acknowledgement, a take): send what waits for it. Re-sends are
 * left to the tick (every 250 ms; they are seconds late by then anyway): looking for them at every
 * acknowledgement was most of what an acknowledgement cost. */
static void kick_resend(ingest *g)
{
    if (fp_zsock_outbox(&g->out) > 64) return; /* as on_resend: not onto a socket nobody drains */
    if (fp_journal_send_fresh(g->j, uv_now(g->d.loop), (size_t)(g->cfg.window > 0 ? g->cfg.window : 0), send_report,
                              g))
        fp_warn("could not send the reports waiting for the window; the next tick tries again");
}

static void on_ack(fp_zsock *s, const char *data, size_t len, void *ud)
{
    (void)s;
    ingest *g = ud;
    size_t off = 0;
    fp_record r;
    int rc, kick = 0; /* a shard to refill, or a place free in the window */
    /* First the stores' identities: a store made anew re-opens reports, in its own transaction. */
    while ((rc = fp_record_next(data, len, &off, &r)) == FP_OK) {
        long long reopened = -1;
        if (r.type == FP_REC_ACK && fp_journal_epoch(g->j, r.u.ack.shard, r.u.ack.epoch, &reopened) == FP_OK &&
            reopened >= 0) {
            g->rebuilds++;
            fp_error("shard %u answers from another store (epoch %s): it lost what it held; re-sending the %lld "
                     "report(s) it had acknowledged",
                     r.u.ack.shard, r.u.ack.epoch, reopened);
            kick = 1;
        }
        fp_record_free(&r);
    }
    /* Then the acknowledgements, all in one transaction for a shard's whole group (no fsync: see journal.h). */
    off = 0;
    int batch = fp_journal_begin(g->j) == FP_OK;
    while ((rc = fp_record_next(data, len, &off, &r)) == FP_OK) {
        if (r.type == FP_REC_ACK && strcmp(r.u.ack.report_id, FP_HELLO_ID)) { /* a hello acknowledges nothing */
            int done = 0;
            g->acked++;
            if (r.u.ack.dead)
                fp_error("report %.12s: shard %u could not apply it and dead-lettered it; not re-sent to it",
                         r.u.ack.report_id, r.u.ack.shard);
            if (fp_journal_ack(g->j, r.u.ack.report_id, r.u.ack.shard, r.u.ack.dead, &done) == FP_OK && done) {
                g->done++;
                kick = 1; /* a place in the window: send the next report now */
                fp_info("report %.12s acknowledged by every shard", r.u.ack.report_id);
            }
        }
        fp_record_free(&r);
    }
    /* a failed commit loses these acks: the reports stay pending, are re-sent and acknowledged again */
    if (batch && fp_journal_commit(g->j)) fp_warn("acknowledgements not recorded; their reports will be re-sent");
    if (rc < 0) fp_warn("dropped a malformed acknowledgement: %s", fp_strerror(rc));
    if (kick) kick_resend(g);
}

/* The counters, for status requests and the sink's /metrics. */
static void status_line(char *buf, size_t cap, void *ud)
{
    ingest *g = ud;
    long long taken = 0, done = 0, pending = 0, dead = 0;
    fp_journal_counts(g->j, &taken, &done, &pending);
    fp_journal_dead(g->j, &dead);
    snprintf(buf, cap,
             "taken=%lld done=%lld inflight=%lld watching=%zu rejected=%llu same=%llu revisions=%llu sent=%llu "
             "resent=%llu acks=%llu rebuilds=%llu dead=%lld queue=%zu",
             taken, done, pending, g->npend, g->rejected, g->same, g->revisions, g->sent, g->resent, g->acked,
             g->rebuilds, dead, fp_zsock_outbox(&g->out));
}

static void on_ctl(fp_zsock *s, const char *data, size_t len, void *ud)
{
    ingest *g = ud;
    char reply[512];
    if (len >= 6 && !memcmp(data, "status", 6)) {
        status_line(reply, sizeof reply, g);
        size_t l = strlen(reply);
        snprintf(reply + l, sizeof reply - l, " uptime_ms=%llu", (unsigned long long)(uv_now(g->d.loop) - g->d.started_ms));
        fp_curve_status(reply, sizeof reply);
    } else if (len > 7 && !memcmp(data, "submit\n", 7)) {
        const char *src = data + 7, *nl = memchr(src, '\n', len - 7);
        if (!nl) {
            snprintf(reply, sizeof reply, "error malformed submit request");
        } else {
            /* the whole name, however long: take_in refuses one over the limit rather than cut it */
            char *source = strndup(src, (size_t)(nl - src));
            if (!source) {
                snprintf(reply, sizeof reply, "error out of memory");
                fp_zsock_send(s, reply, strlen(reply));
                return;
            }
            int year = 0;
            char *tab = strchr(source, '\t'); /* "<source>\tyear=Y" */
            if (tab) {
                if (!strncmp(tab + 1, "year=", 5)) year = atoi(tab + 6);
                *tab = '\0';
            }
            if (tab && (year < 1949 || year > 2100)) snprintf(reply, sizeof reply, "error %.400s: year out of range", source);
            else take_in(g, source, nl + 1, len - (size_t)(nl + 1 - data), 0, year, reply, sizeof reply);
            free(source);
            if (!g->sent_now) kick_resend(g); /* else it went out already, and nothing else was waiting */
        }
    } else {
        snprintf(reply, sizeof reply, "error unknown request (want status or submit)");
    }
    fp_zsock_send(s, reply, strlen(reply));
}

static int take_file(ingest *g, const char *path, int figures)
{
    char *raw;
    size_t len;
    const char *why;
    char msg[512];
    if (fp_file_read(path, &raw, &len, &why)) {
        fp_error("cannot read %s: %s", path, why);
        g->rejected++;
        return FP_EIO;
    }
    int rc = take_in(g, path, raw, len, figures, 0, msg, sizeof msg);
    free(raw);
    return rc;
}

/* A file that appears in the watched folder is taken once its size holds
 * still for one tick, so a report being written is not read half-way. */
static void on_fs_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    ingest *g = h->data;
    (void)events;
    if (status < 0 || !name || name[0] == '.') return;
    for (size_t i = 0; i < g->npend; i++)
        if (!strcmp(g->pend[i].name, name)) return;
    watched *np = realloc(g->pend, sizeof *np * (g->npend + 1));
    if (!np) return;
    g->pend = np;
    g->pend[g->npend] = (watched){strdup(name), -1, 0};
    if (g->pend[g->npend].name) g->npend++;
}

static void check_watched(ingest *g)
{
    for (size_t i = 0; i < g->npend;) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", g->cfg.watch, g->pend[i].name);
        struct stat st;
        int gone = stat(path, &st) != 0 || !S_ISREG(st.st_mode);
        int ready = !gone && st.st_size > 0 && st.st_size == g->pend[i].size;
        if (!gone && !ready) {
            g->pend[i].size = st.st_size;
            i++;
            continue;
        }
        if (ready) take_file(g, path, 0);
        free(g->pend[i].name);
        g->pend[i] = g->pend[--g->npend];
    }
}

static void on_tick(uv_timer_t *t)
{
    ingest *g = t->data;
    if (g->watching) check_watched(g);
    on_resend(t);
}

static void on_stop(fp_daemon *d)
{
    ingest *g = d->ud;
    if (g->resend.loop) uv_close((uv_handle_t *)&g->resend, NULL);
    if (g->watching) uv_close((uv_handle_t *)&g->fsev, NULL);
    fp_stats_stop(&g->stats);
    fp_zsock_close(&g->ctl, NULL);
    fp_zsock_close(&g->out, NULL);
    fp_zsock_close(&g->acks, NULL);
}

int main(int argc, char **argv)
{
    ingest g;
    memset(&g, 0, sizeof g);
    fp_strlist files = {0};
    int rc = fp_daemon_start("fupin-ingest", opts, sizeof opts / sizeof opts[0], &g.cfg, argc, argv, &files,
                             "usage: fupin-ingest [options] [FILE... | -]\n\n"
                             "Takes reports in, journals them and sends them to normalize until every shard "
                             "acknowledges.",
                             &g.cfg.log_level);
    if (rc == FP_OPTS_DONE) return 0;
    if (rc == FP_OPTS_USAGE) return 2;
    if (!rc && (g.cfg.shards < 1 || g.cfg.shards > 62)) {
        fprintf(stderr, "fupin-ingest: error: --shards must be between 1 and 62\n");
        rc = FP_OPTS_USAGE;
    }
    if (!rc && g.cfg.watch) {
        struct stat st;
        if (stat(g.cfg.watch, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "fupin-ingest: error: --watch %s: not a folder\n", g.cfg.watch);
            rc = FP_EINVAL;
        }
    }
    /* Every file named must be readable before anything starts. */
    for (int i = 0; i < files.n && !rc; i++) {
        if (!strcmp(files.v[i], "-")) continue;
        struct stat st;
        if (stat(files.v[i], &st) != 0) {
            fprintf(stderr, "fupin-ingest: error: %s: no such file\n", files.v[i]);
            rc = FP_EINVAL;
        } else if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "fupin-ingest: error: %s: is a directory\n", files.v[i]);
            rc = FP_EINVAL;
        }
    }
    if (!rc && fp_decoder_new(&g.dec, fp_datadir(g.cfg.data))) {
        fprintf(stderr,
                "fupin-ingest: error: cannot set up decoding (uchardet/OpenCC data or %s/formats.tsv missing?)\n",
                fp_datadir(g.cfg.data));
        rc = FP_EIO;
    }
    if (!rc && g.cfg.year && (g.cfg.year < 1949 || g.cfg.year > 2100)) {
        fprintf(stderr, "fupin-ingest: error: --year %d is not a year between 1949 and 2100\n", g.cfg.year);
        rc = FP_EINVAL;
    }
    if (!rc) rc = fp_journal_open(&g.j, g.cfg.journal, (uint32_t)g.cfg.shards);
    if (!rc) rc = fp_daemon_init(&g.d, on_stop, &g);
    msgpack_sbuffer_init(&g.sb);
    msgpack_packer_init(&g.pk, &g.sb, msgpack_sbuffer_write);
    if (!rc) rc = fp_zsock_open(&g.out, g.d.loop, g.d.zctx, ZMQ_PUSH, g.cfg.reports, 1, NULL, NULL);
    if (!rc) rc = fp_zsock_open(&g.acks, g.d.loop, g.d.zctx, ZMQ_PULL, g.cfg.acks, 1, on_ack, &g);
    /* acks free the window: never held back by a slow worker, or ingest and the stages after it could wait on
     * each other in a ring */
    if (!rc) fp_zsock_unheld(&g.acks);
    if (!rc) {
        uv_timer_init(g.d.loop, &g.resend);
        g.resend.data = &g;
        /* After a restart every pending report is sent again at once. */
        rc = fp_journal_reset_sent(g.j);
    }
    for (int i = 0; i < files.n && !rc; i++) {
        if (!strcmp(files.v[i], "-")) {
            char *raw;
            size_t len;
            const char *why;
            char msg[512];
            if (fp_read_stream(stdin, &raw, &len, &why) == FP_OK) {
                char name[64]; /* never "-": two reports from stdin must not read as revisions of each other */
                fp_content_name("stdin", raw, len, name, sizeof name);
                take_in(&g, name, raw, len, 0, 0, msg, sizeof msg);
                free(raw);
            } else {
                fp_error("cannot read stdin: %s", why);
            }
        } else {
            take_file(&g, files.v[i], 0);
        }
    }
    if (!rc && g.cfg.figures.n) {
        const char *dd = fp_datadir(g.cfg.data);
        char rp[4096], ap[4096];
        snprintf(rp, sizeof rp, "%s/regions.tsv", dd);
        snprintf(ap, sizeof ap, "%s/aliases.tsv", dd);
        rc = fp_gaz_load(&g.gaz, rp, ap);
        if (!rc) rc = fp_vocab_load(&g.vocab, dd);
        if (rc) fprintf(stderr, "fupin-ingest: error: cannot load data files from %s\n", dd);
    }
    /* Curated figures are all or nothing, and a bad file given here stops the start. */
    for (int i = 0; i < g.cfg.figures.n && !rc; i++) {
        char *raw;
        size_t len;
        const char *why;
        char msg[512];
        if (fp_file_read(g.cfg.figures.v[i], &raw, &len, &why)) {
            fprintf(stderr, "fupin-ingest: error: %s: %s\n", g.cfg.figures.v[i], why);
            rc = FP_EINVAL;
            break;
        }
        if (take_in(&g, g.cfg.figures.v[i], raw, len, 1, 0, msg, sizeof msg)) {
            fprintf(stderr, "fupin-ingest: %s (nothing of it was taken)\n", msg);
            rc = FP_EINVAL;
        }
        free(raw);
    }
    if (!rc && g.cfg.watch) {
        uv_fs_event_init(g.d.loop, &g.fsev);
        g.fsev.data = &g;
        if (uv_fs_event_start(&g.fsev, on_fs_event, g.cfg.watch, 0) == 0) g.watching = 1;
        else {
            fprintf(stderr, "fupin-ingest: error: cannot watch %s\n", g.cfg.watch);
            uv_close((uv_handle_t *)&g.fsev, NULL);
            rc = FP_EIO;
        }
    }
    /* The control endpoint opens last: once it answers, every file named is journaled. */
    if (!rc) rc = fp_zsock_open(&g.ctl, g.d.loop, g.d.zctx, ZMQ_REP, g.cfg.ctl, 1, on_ctl, &g);
    if (!rc) rc = fp_stats_start(&g.stats, &g.d, g.cfg.stats, "ingest", g.cfg.instance, g.cfg.stats_ms, status_line, &g);
    if (!rc) {
        uv_timer_start(&g.resend, on_tick, 0, 250);
        fp_info("serving %s; reports on %s, acknowledgements on %s, %d shard(s)%s%s", g.cfg.ctl, g.cfg.reports,
                g.cfg.acks, g.cfg.shards, g.cfg.watch ? ", watching " : "", g.cfg.watch ? g.cfg.watch : "");
        fp_daemon_run(&g.d);
        fp_info("stopped: %llu taken, %llu unchanged, %llu rejected, %llu sent, %llu re-sent, %llu done", g.taken,
                g.same, g.rejected, g.sent, g.resent, g.done);
    } else {
        fp_daemon_abort(&g.d);
    }
    for (size_t i = 0; i < g.npend; i++) free(g.pend[i].name);
    free(g.pend);
    msgpack_sbuffer_destroy(&g.sb);
    fp_journal_close(g.j);
    fp_decoder_free(g.dec);
    fp_gaz_free(g.gaz);
    fp_vocab_free(&g.vocab);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &g.cfg, &files);
    return rc == FP_OPTS_USAGE ? 2 : rc ? 1 : 0;
}
