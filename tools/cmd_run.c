/* fupin run: starts sink, M aggregate shards, N normalize workers and ingest
 * as separate processes (uv_spawn, exit callbacks on the run's own libuv
 * loop) on ipc:// endpoints in a private runtime folder, streams the files
 * through, waits until every report is totalled, prints the totals, and
 * stops the daemons with SIGTERM. Long-running (--http, --watch), it
 * restarts a daemon that exits, with back-off. */
#define _GNU_SOURCE
#include "cli.h"
#include "fp_ctl.h"
#include "fp_daemon.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    int workers, shards, timeout, keep;
    char *out, *watch, *data, *log_level, *http, *year;
    fp_strlist figures;
} config;

static const fp_opt opts[] = {
    {"workers", FP_OPT_INT, "1", offsetof(config, workers), "normalize worker processes"},
    {"shards", FP_OPT_INT, "1", offsetof(config, shards), "aggregate shard processes"},
    {"out", FP_OPT_STR, "fupin-out", offsetof(config, out), "folder for totals.csv, totals.jsonl and anomalies.jsonl"},
    {"watch", FP_OPT_STR, NULL, offsetof(config, watch), "stay up and take in every report dropped into this folder"},
    {"timeout", FP_OPT_INT, "300", offsetof(config, timeout), "seconds to wait for the totals before giving up"},
    {"figures", FP_OPT_LIST, NULL, offsetof(config, figures),
     "curated figures (JSON lines, as fupin extract prints) joining the same totals"},
    {"http", FP_OPT_STR, NULL, offsetof(config, http),
     "serve the dashboard, API, /metrics and /healthz on ADDR:PORT (e.g. 127.0.0.1:8080)"},
    {"keep", FP_OPT_FLAG, NULL, offsetof(config, keep), "keep the runtime folder (journals, databases, logs)"},
    {"data", FP_OPT_STR, NULL, offsetof(config, data), "folder of the data files"},
    {"year", FP_OPT_STR, NULL, offsetof(config, year), "the reports' year when neither their text nor their page says it"},
    {"log-level", FP_OPT_STR, "info", offsetof(config, log_level), "the daemons' log level"},
};

/* One daemon of the run, started and watched with uv_spawn on the run's loop. */
typedef struct child {
    uv_process_t proc;
    uv_timer_t again; /* the back-off before a restart */
    struct run *r;
    char name[48], stage[16], instance[48], path[PATH_MAX];
    char **argv;      /* owned copies */
    int running;      /* proc is a live process */
    int proc_open;    /* proc is a handle to close */
    int killed;       /* sent SIGKILL: already counted as unclean */
    int restarts;
    uint64_t started_ms, backoff_ms;
} child;

#define MAXKIDS 72 /* 1 ingest + 32 normalize + 32 aggregate + 1 sink, with room */

typedef struct run {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t tick, kill_timer;
    child kids[MAXKIDS];
    int nkids;
    const config *cfg;
    int nfiles;
    const char *rt;
    char ctl[PATH_MAX], sinkctl[PATH_MAX], stats[PATH_MAX];
    void *zctx, *down; /* down: PUSH to the sink's stats endpoint, for the lines of stopped daemons */
    int supervise;     /* long-running: restart a daemon that exits */
    int stopping, interrupted, ok, failed, unclean, tty, shown;
    time_t start, last_progress;
    long long last_reports, rejected;
} run;

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000

static void bindir(char *out, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(out, cap, ".");
        return;
    }
    self[n] = '\0';
    snprintf(out, cap, "%s", dirname(self));
}

static void free_argv(char **argv)
{
    for (char **a = argv; a && *a; a++) free(*a);
    free(argv);
}

/* A NULL-ended copy of argv[1..] behind the program's path. */
static char **dup_argv(const char *path, char *const *argv)
{
    size_t n = 1;
    while (argv[n]) n++;
    char **v = calloc(n + 1, sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = strdup(i ? argv[i] : path))) {
            free_argv(v);
            return NULL;
        }
    return v;
}

static void show_log_tail(const char *rt, const char *name)
{
    char p[PATH_MAX], *data;
    size_t len;
    const char *why;
    snprintf(p, sizeof p, "%s/%s.log", rt, name);
    if (fp_file_read(p, &data, &len, &why)) return;
    size_t start = len > 800 ? len - 800 : 0;
    fprintf(stderr, "--- last lines of %s.log ---\n%s\n", name, data + start);
    free(data);
}

static void describe_exit(char *out, size_t cap, int64_t status, int sig)
{
    if (sig) snprintf(out, cap, "signal %d", sig);
    else snprintf(out, cap, "exit status %lld", (long long)status);
}

static void begin_stop(run *r);
static int start_child(child *c);

static void close_if_open(uv_handle_t *h)
{
    if (h->loop && !uv_is_closing(h)) uv_close(h, NULL);
}

/* Once every daemon is gone while stopping, closes the run's handles so uv_run returns. */
static void maybe_done(run *r)
{
    if (!r->stopping) return;
    for (int i = 0; i < r->nkids; i++)
        if (r->kids[i].running || r->kids[i].proc_open) return;
    close_if_open((uv_handle_t *)&r->tick);
    close_if_open((uv_handle_t *)&r->kill_timer);
    close_if_open((uv_handle_t *)&r->sigint);
    close_if_open((uv_handle_t *)&r->sigterm);
    for (int i = 0; i < r->nkids; i++) close_if_open((uv_handle_t *)&r->kids[i].again);
}

static void on_again(uv_timer_t *t)
{
    child *c = t->data;
    if (c->r->stopping) return;
    if (start_child(c) == FP_OK) fprintf(stderr, "fupin: %s restarted (restart %d)\n", c->name, c->restarts);
    else begin_stop(c->r);
}

/* Tells the sink's /healthz and /metrics that a daemon is down until its restart publishes again. */
static void publish_down(run *r, const child *c)
{
    if (!r->down) return;
    char line[256];
    int n = snprintf(line, sizeof line, "stage=%s instance=%s interval_ms=1000 down=1 restarts=%d", c->stage,
                     c->instance, c->restarts);
    if (n > 0 && (size_t)n < sizeof line) zmq_send(r->down, line, (size_t)n, ZMQ_DONTWAIT);
}

static void on_proc_closed(uv_handle_t *h)
{
    child *c = h->data;
    c->proc_open = 0;
    maybe_done(c->r);
}

static void on_child_exit(uv_process_t *p, int64_t status, int sig)
{
    child *c = p->data;
    run *r = c->r;
    c->running = 0;
    char how[48];
    describe_exit(how, sizeof how, status, sig);
    if (r->stopping) {
        /* a stop asked for: the daemon must finish on its own and exit 0 */
        if ((status || sig) && !c->killed) {
            fprintf(stderr, "fupin: error: %s did not stop cleanly (%s)\n", c->name, how);
            show_log_tail(r->rt, c->name);
            r->unclean++;
        }
    } else if (r->supervise) {
        /* long-running: the others go on; this one comes back after a back-off that
         * grows while it keeps failing and starts afresh after a good spell */
        uint64_t now = uv_now(&r->loop);
        if (now - c->started_ms > 60000) c->backoff_ms = 0;
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (c->backoff_ms > BACKOFF_MAX_MS) c->backoff_ms = BACKOFF_MAX_MS;
        c->restarts++;
        fprintf(stderr, "fupin: %s exited (%s); restarting it in %.1f s (log: %s/%s.log)\n", c->name, how,
                (double)c->backoff_ms / 1000.0, r->rt, c->name);
        publish_down(r, c);
        uv_timer_start(&c->again, on_again, c->backoff_ms, 0);
    } else {
        fprintf(stderr, "fupin: error: %s stopped unexpectedly (%s)\n", c->name, how);
        show_log_tail(r->rt, c->name);
        r->failed = 1;
        begin_stop(r);
    }
    uv_close((uv_handle_t *)p, on_proc_closed);
}

/* Starts (or restarts) c: stdin and stdout shared with fupin run, stderr
 * appended to RT/NAME.log. Detached (its own session) so that Ctrl-C on the
 * terminal reaches only fupin run, which stops the daemons in order. */
static int start_child(child *c)
{
    run *r = c->r;
    char logp[PATH_MAX];
    snprintf(logp, sizeof logp, "%s/%s.log", r->rt, c->name);
    int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    uv_stdio_container_t io[3] = {{.flags = UV_INHERIT_FD, .data.fd = 0},
                                  {.flags = UV_INHERIT_FD, .data.fd = 1},
                                  {.flags = fd >= 0 ? UV_INHERIT_FD : UV_IGNORE, .data.fd = fd}};
    uv_process_options_t o = {.exit_cb = on_child_exit,
                              .file = c->path,
                              .args = c->argv,
                              .stdio = io,
                              .stdio_count = 3,
                              .flags = UV_PROCESS_DETACHED};
    c->proc.data = c;
    int e = uv_spawn(&r->loop, &c->proc, &o);
    c->proc_open = 1; /* a failed spawn leaves the handle to close too */
    if (fd >= 0) close(fd);
    if (e) {
        fprintf(stderr, "fupin: error: cannot start %s: %s\n", c->path, uv_strerror(e));
        uv_close((uv_handle_t *)&c->proc, on_proc_closed);
        return FP_EIO;
    }
    c->running = 1;
    c->started_ms = uv_now(&r->loop);
    return FP_OK;
}

/* Adds a daemon to the run (bin from fupin's own folder, argv[0] ignored) and starts it. */
static int spawn(run *r, const char *bin, const char *name, const char *stage, const char *instance, char **argv)
{
    if (r->nkids == MAXKIDS) return FP_ERANGE;
    child *c = &r->kids[r->nkids];
    memset(c, 0, sizeof *c);
    c->r = r;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->stage, sizeof c->stage, "%s", stage);
    snprintf(c->instance, sizeof c->instance, "%s", instance);
    bindir(c->path, sizeof c->path);
    size_t l = strlen(c->path);
    snprintf(c->path + l, sizeof c->path - l, "/%s", bin);
    if (!(c->argv = dup_argv(c->path, argv))) return FP_ENOMEM;
    uv_timer_init(&r->loop, &c->again);
    c->again.data = c;
    r->nkids++;
    return start_child(c);
}

static void on_kill_timer(uv_timer_t *t)
{
    run *r = t->data;
    for (int i = 0; i < r->nkids; i++) {
        child *c = &r->kids[i];
        if (!c->running || c->killed) continue;
        fprintf(stderr, "fupin: error: %s did not stop in 10 s: killing it\n", c->name);
        uv_process_kill(&c->proc, SIGKILL);
        c->killed = 1;
        r->unclean++;
    }
}

/* Stops every daemon with SIGTERM, upstream first so nothing new arrives at
 * a stage that is stopping; SIGKILL after 10 s. */
static void begin_stop(run *r)
{
    if (r->stopping) return;
    r->stopping = 1;
    uv_timer_stop(&r->tick);
    for (int i = r->nkids; i-- > 0;) {
        uv_timer_stop(&r->kids[i].again);
        if (r->kids[i].running) uv_process_kill(&r->kids[i].proc, SIGTERM);
    }
    uv_timer_start(&r->kill_timer, on_kill_timer, 10000, 0);
    maybe_done(r);
}

static void on_signal(uv_signal_t *h, int sig)
{
    (void)sig;
    run *r = h->data;
    r->interrupted = 1;
    begin_stop(r);
}

/* Splits one CSV line in place into at most max fields (quoted fields unquoted). */
static int csv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *w = line, *r = line;
    while (n < max) {
        f[n++] = w;
        if (*r == '"') {
            for (r++; *r; r++) {
                if (*r == '"' && r[1] == '"') *w++ = '"', r++;
                else if (*r == '"') {
                    r++;
                    break;
                } else *w++ = *r;
            }
        }
        while (*r && *r != ',') *w++ = *r++;
        int more = *r == ',';
        *w++ = '\0';
        if (!more) break;
        r++;
    }
    return n;
}

/* Display width: CJK characters take two columns but three bytes. */
static int width_of(const char *s)
{
    int w = 0;
    for (const char *c = s; *c; c++)
        if (((unsigned char)*c & 0xC0) != 0x80) w += (unsigned char)*c >= 0xE0 ? 2 : 1;
    return w;
}

static void pad(const char *s, int cols)
{
    int w = width_of(s);
    printf("%s%*s ", s, w < cols ? cols - w : 0, "");
}

static void print_totals(const char *out)
{
    char p[PATH_MAX], *data;
    size_t len;
    const char *why;
    snprintf(p, sizeof p, "%s/totals.csv", out);
    if (fp_file_read(p, &data, &len, &why)) {
        fprintf(stderr, "fupin: error: cannot read %s: %s\n", p, why);
        return;
    }
    /* the cells with a stated value or a rollup, as a tree; other:<label> cells are in the files */
    pad("region", 40), pad("year", 5), pad("indicator", 22), pad("series", 7);
    printf("%-10s %16s %-8s %16s %9s\n", "unit", "stated", "status", "rollup", "coverage");
    char *line = strchr(data, '\n');
    size_t rows = 0, shown = 0;
    while (line && line[1]) {
        char *next = strchr(line + 1, '\n');
        if (next) *next = '\0';
        char *f[15] = {0};
        if (csv_fields(line + 1, f, 15) == 15) {
            rows++;
            if (strncmp(f[3], "other:", 6)) {
                /* Indent by depth so the tree shows. */
                int depth = 0;
                const char *name = f[1];
                for (const char *c = f[1]; *c; c++)
                    if (*c == '/') depth++, name = c + 1;
                char label[256];
                snprintf(label, sizeof label, "%*s%s", depth * 2, "", name);
                pad(label, 40), pad(f[2], 5), pad(f[4], 22), pad(f[6], 7);
                printf("%-10s %16s %-8s %16s %9s\n", f[7], f[8], f[9], f[10], f[11]);
                shown++;
            }
        }
        line = next;
    }
    printf("\n%zu cells shown of %zu rows (other:<label> cells are in the files); full totals in %s/totals.csv and "
           "%s/totals.jsonl, checks in %s/anomalies.jsonl\n",
           shown, rows, out, out, out);
    free(data);
}

/* A one-shot run that waited --timeout for its totals fails, saying how far it got. */
static void give_up(run *r, const char *ingest, const char *sink)
{
    fprintf(stderr, "fupin: error: no totals after %d s (ingest: %s; sink: %s)\n", r->cfg->timeout, ingest, sink);
    r->failed = 1;
    begin_stop(r);
}

/* Every 100 ms: asks ingest and the sink how far they are; shows progress;
 * ends a one-shot run when every report is totalled, or after --timeout. */
static void on_tick(uv_timer_t *t)
{
    run *r = t->data;
    const config *cfg = r->cfg;
    char st1[512], st2[512];
    if (r->stopping) return;
    if (fp_ctl_request(r->zctx, r->ctl, 1000, "status", 6, st1, sizeof st1) ||
        fp_ctl_request(r->zctx, r->sinkctl, 1000, "status", 6, st2, sizeof st2)) {
        if (!r->supervise && time(NULL) - r->start > cfg->timeout) give_up(r, "no answer", "no answer");
        return;
    }
    long long taken = fp_ctl_field(st1, "taken"), done = fp_ctl_field(st1, "done");
    long long rep = fp_ctl_field(st2, "reports"), dirty = fp_ctl_field(st2, "dirty");
    long long synced = fp_ctl_field(st2, "synced");
    int settled = done == taken && rep >= done && dirty == 0 && synced == cfg->shards;
    r->rejected = fp_ctl_field(st1, "rejected");
    /* long work shows progress: a line kept fresh on a terminal, a log line every 10 s otherwise */
    time_t now = time(NULL);
    if (!r->supervise && r->nfiles > 5 && !settled && now != r->last_progress &&
        (r->tty || now - r->last_progress >= 10)) {
        double el = difftime(now, r->start), rate = el > 0 ? (double)rep / el : 0;
        long long left = (long long)r->nfiles - rep - (r->rejected > 0 ? r->rejected : 0);
        fprintf(stderr, "%sfupin: %lld of %d report(s) taken, %lld totalled, %.1f reports/s", r->tty ? "\r" : "", taken,
                r->nfiles, rep, rate);
        if (rate > 0 && left > 0) fprintf(stderr, ", about %.0f s left", (double)left / rate);
        fprintf(stderr, r->tty ? "\033[K" : "\n");
        r->last_progress = now;
        r->shown = r->tty;
    }
    if (settled && r->shown) fprintf(stderr, "\n"), r->shown = 0;
    if (r->supervise) { /* stay up: new reports, or someone at the dashboard */
        if (settled && rep != r->last_reports) {
            print_totals(cfg->out);
            if (cfg->watch) printf("fupin: %lld report(s) totalled; watching %s (Ctrl-C stops)\n", rep, cfg->watch);
            if (cfg->http) printf("fupin: %lld report(s) totalled; dashboard at http://%s/ (Ctrl-C stops)\n", rep, cfg->http);
            fflush(stdout);
            r->last_reports = rep;
        }
        return;
    }
    if (settled) {
        r->ok = 1;
        /* a report's latency is measured when the write after it lands: none yet is said so, not shown as 0 ms */
        if (fp_ctl_field(st2, "latency_n") > 0)
            fprintf(stderr, "fupin: %lld report(s) totalled; arrival to totals p50 %lld ms, p99 %lld ms (%lld samples)\n",
                    rep, fp_ctl_field(st2, "latency_p50_ms"), fp_ctl_field(st2, "latency_p99_ms"),
                    fp_ctl_field(st2, "latency_n"));
        else
            fprintf(stderr, "fupin: %lld report(s) totalled; arrival to totals not measured yet\n", rep);
        begin_stop(r);
        return;
    }
    if (time(NULL) - r->start > cfg->timeout) give_up(r, st1, st2);
}

int fupin_run(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist files = {0};
    int rc = fp_opts_parse(opts, sizeof opts / sizeof opts[0], &cfg, argc, argv, &files,
                           "usage: fupin run [options] [FILE... | -]\n\n"
                           "Starts the four daemons as separate processes, streams the reports through and prints\n"
                           "the per-region totals. With --watch or --http it stays up until Ctrl-C. The daemons'\n"
                           "logs go to its runtime folder under /tmp, kept with --keep or when the run fails.");
    if (rc == 1) return 0;
    if (rc) return 2;
    if (cfg.workers < 1 || cfg.workers > 32 || cfg.shards < 1 || cfg.shards > 32) {
        fprintf(stderr, "fupin: error: --workers and --shards must be between 1 and 32\n");
        rc = 2;
    }
    if (!rc && !files.n && !cfg.watch && !cfg.figures.n) {
        fprintf(stderr, "fupin: error: run needs FILEs, --figures FILE or --watch DIR (try fupin run --help)\n");
        rc = 2;
    }
    for (int i = 0; i < files.n && !rc; i++) {
        struct stat st;
        if (!strcmp(files.v[i], "-")) continue; /* stdin: ingest reads it, named by its bytes */
        if (stat(files.v[i], &st) != 0) fprintf(stderr, "fupin: error: %s: %s\n", files.v[i], strerror(errno)), rc = 2;
        else if (S_ISDIR(st.st_mode)) fprintf(stderr, "fupin: error: %s: is a directory\n", files.v[i]), rc = 2;
        else if (st.st_size == 0) fprintf(stderr, "fupin: error: %s: empty file\n", files.v[i]), rc = 2;
        else if (access(files.v[i], R_OK) != 0)
            fprintf(stderr, "fupin: error: %s: %s\n", files.v[i], strerror(errno)), rc = 2;
    }
    struct stat wst;
    if (!rc && cfg.watch && (stat(cfg.watch, &wst) != 0 || !S_ISDIR(wst.st_mode))) {
        fprintf(stderr, "fupin: error: --watch %s: not a folder\n", cfg.watch);
        rc = 2;
    }
    char rt[] = "/tmp/fupin-run-XXXXXX";
    if (!rc && !mkdtemp(rt)) {
        fprintf(stderr, "fupin: error: cannot create a runtime folder: %s\n", strerror(errno));
        rc = 1;
    }
    if (rc) {
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
        return rc;
    }
    run *r = calloc(1, sizeof *r); /* big (the children's paths): not on the stack */
    if (!r || uv_loop_init(&r->loop)) {
        fprintf(stderr, "fupin: error: cannot set up the run\n");
        free(r);
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
        return 1;
    }
    r->cfg = &cfg;
    r->nfiles = files.n;
    r->rt = rt;
    r->supervise = cfg.http || cfg.watch;
    r->tty = isatty(2);
    r->last_reports = -1;
    r->start = r->last_progress = time(NULL);
    uv_timer_init(&r->loop, &r->tick);
    uv_timer_init(&r->loop, &r->kill_timer);
    uv_signal_init(&r->loop, &r->sigint);
    uv_signal_init(&r->loop, &r->sigterm);
    r->tick.data = r->kill_timer.data = r->sigint.data = r->sigterm.data = r;
    uv_signal_start(&r->sigint, on_signal, SIGINT);
    uv_signal_start(&r->sigterm, on_signal, SIGTERM);
    char *ctl = r->ctl, *sinkctl = r->sinkctl, *stats = r->stats;
    char reports[PATH_MAX], acks[PATH_MAX], totals[PATH_MAX], buf[64][PATH_MAX], nworkers[16];
    snprintf(stats, PATH_MAX, "ipc://%s/stats", rt);
    snprintf(nworkers, sizeof nworkers, "%d", cfg.workers);
    snprintf(ctl, PATH_MAX, "ipc://%s/ingest.ctl", rt);
    snprintf(reports, sizeof reports, "ipc://%s/reports", rt);
    snprintf(acks, sizeof acks, "ipc://%s/acks", rt);
    snprintf(totals, sizeof totals, "ipc://%s/totals", rt);
    snprintf(sinkctl, PATH_MAX, "ipc://%s/sink.ctl", rt);
    const char *data = fp_datadir(cfg.data);
    /* Room for the fixed flags of any daemon plus every file. */
    char **av = malloc(((size_t)files.n + 2 * (size_t)cfg.figures.n + 160) * sizeof *av);
    if (!av) rc = FP_ENOMEM;
    int n = 0;
    /* sink */
    if (!rc) {
        av[n = 1] = "--totals", av[++n] = totals, av[++n] = "--ctl", av[++n] = sinkctl, av[++n] = "--out", av[++n] = cfg.out;
        av[++n] = "--data", av[++n] = (char *)data, av[++n] = "--log-level", av[++n] = cfg.log_level;
        av[++n] = "--stats", av[++n] = stats, av[++n] = "--workers", av[++n] = nworkers;
        av[++n] = "--http", av[++n] = cfg.http ? cfg.http : "none";
        for (int i = 0; i < cfg.shards; i++) {
            snprintf(buf[32 + i], PATH_MAX, "ipc://%s/snap-%d", rt, i);
            av[++n] = "--snapshot", av[++n] = buf[32 + i];
        }
        av[++n] = NULL;
        rc = spawn(r, "fupin-sink", "sink", "sink", "sink", av);
    }
    for (int i = 0; i < cfg.shards && !rc; i++) {
        char idx[16], db[PATH_MAX], name[32];
        snprintf(idx, sizeof idx, "%d", i);
        snprintf(db, sizeof db, "%s/shard-%d.db", rt, i);
        snprintf(name, sizeof name, "aggregate-%d", i);
        snprintf(buf[i], PATH_MAX, "ipc://%s/figures-%d", rt, i);
        char *aa[] = {NULL, "--index", idx, "--figures", buf[i], "--acks", acks, "--sink", totals, "--snapshot",
                      buf[32 + i], "--db", db, "--log-level", cfg.log_level, "--stats", stats, "--instance", name, NULL};
        rc = spawn(r, "fupin-aggregate", name, "aggregate", name, aa);
    }
    for (int w = 0; w < cfg.workers && !rc; w++) {
        char name[32];
        snprintf(name, sizeof name, "normalize-%d", w);
        av[n = 1] = "--reports", av[++n] = reports, av[++n] = "--data", av[++n] = (char *)data;
        av[++n] = "--log-level", av[++n] = cfg.log_level, av[++n] = "--stats", av[++n] = stats;
        av[++n] = "--instance", av[++n] = name;
        for (int i = 0; i < cfg.shards; i++) av[++n] = "--shard", av[++n] = buf[i];
        av[++n] = NULL;
        rc = spawn(r, "fupin-normalize", name, "normalize", name, av);
    }
    char shards[16], journal[PATH_MAX];
    snprintf(shards, sizeof shards, "%d", cfg.shards);
    snprintf(journal, sizeof journal, "%s/ingest.db", rt);
    if (!rc) {
        av[n = 1] = "--ctl", av[++n] = ctl, av[++n] = "--reports", av[++n] = reports, av[++n] = "--acks", av[++n] = acks;
        av[++n] = "--shards", av[++n] = shards, av[++n] = "--journal", av[++n] = journal;
        av[++n] = "--data", av[++n] = (char *)data; /* the word lists that read web pages and PDFs */
        av[++n] = "--log-level", av[++n] = cfg.log_level, av[++n] = "--stats", av[++n] = stats;
        if (cfg.watch) av[++n] = "--watch", av[++n] = cfg.watch;
        if (cfg.year) av[++n] = "--year", av[++n] = cfg.year;
        for (int i = 0; i < cfg.figures.n; i++) av[++n] = "--figures", av[++n] = cfg.figures.v[i];
        av[++n] = "--";
        for (int i = 0; i < files.n; i++) av[++n] = files.v[i];
        av[++n] = NULL;
        rc = spawn(r, "fupin-ingest", "ingest", "ingest", "ingest", av);
    }
    free(av);
    r->zctx = zmq_ctx_new();
    if (!r->zctx) rc = FP_EIO;
    if (!rc && r->supervise && (r->down = zmq_socket(r->zctx, ZMQ_PUSH))) {
        int linger = 0;
        zmq_setsockopt(r->down, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(r->down, stats)) zmq_close(r->down), r->down = NULL;
    }
    if (!rc) {
        fprintf(stderr, "fupin: started %d processes (1 ingest, %d normalize, %d aggregate, 1 sink)%s\n", r->nkids,
                cfg.workers, cfg.shards, r->supervise ? ", restarted when they exit" : "");
        fprintf(stderr, "fupin: ingest at %s (fupin submit --to, fupin status), sink at %s (fupin status, fupin top "
                        "--sink); logs in %s/\n", ctl, sinkctl, rt);
        if (cfg.http) fprintf(stderr, "fupin: dashboard at http://%s/ (API /api/totals, /metrics, /healthz)\n", cfg.http);
        uv_timer_start(&r->tick, on_tick, 100, 100);
    } else {
        r->failed = 1;
        begin_stop(r);
    }
    uv_run(&r->loop, UV_RUN_DEFAULT);
    if (r->down) zmq_close(r->down);
    if (r->zctx) zmq_ctx_term(r->zctx);
    for (int i = 0; i < r->nkids; i++) free_argv(r->kids[i].argv);
    if (uv_loop_close(&r->loop)) fprintf(stderr, "fupin: warning: handles left open at the end of the run\n");
    int ok = r->ok && !r->unclean, interrupted = r->interrupted;
    if (r->unclean || r->failed) rc = FP_EIO;
    long long rejected = r->rejected;
    free(r);
    if (ok) print_totals(cfg.out);
    /* every input ingest refused, with its reason (from its log), and a failing exit */
    int refused = 0;
    if (rejected > 0) {
        char lp[PATH_MAX], *log = NULL;
        size_t ll;
        const char *why;
        snprintf(lp, sizeof lp, "%s/ingest.log", rt);
        if (fp_file_read(lp, &log, &ll, &why) == FP_OK) {
            for (char *l = log, *next; l && *l; l = next) {
                next = strchr(l, '\n');
                if (next) *next++ = '\0';
                const char *rj = strstr(l, "rejected ");
                if (rj) fprintf(stderr, "fupin: error: %s\n", rj), refused++;
            }
            free(log);
        }
        if (!refused) fprintf(stderr, "fupin: error: ingest refused %lld input(s); see %s/ingest.log\n", rejected, rt);
        refused = 1;
    }
    int good = (ok || interrupted) && !rc && !refused;
    if (!cfg.keep && good) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", rt);
        if (system(cmd) != 0) fprintf(stderr, "fupin: could not remove %s\n", rt);
    } else {
        /* a failed run keeps what tells why */
        fprintf(stderr, "fupin: the daemons' logs are kept in %s/ (ingest.log, normalize-N.log, aggregate-N.log, "
                        "sink.log)\n", rt);
    }
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
    return good ? 0 : 1;
}
