/* fupin run: starts sink, M aggregate shards, N normalize workers and ingest
 * as separate processes on ipc:// endpoints in a private runtime folder,
 * streams the files through, waits until every report is totalled, prints
 * the totals, and stops the daemons with SIGTERM. */
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
#include <sys/wait.h>
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

typedef struct {
    pid_t pid;
    char name[48];
} child;

static child kids[128];
static int nkids;
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

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

static int spawn(const char *rt, const char *bin, const char *name, char **argv)
{
    char path[PATH_MAX], logp[PATH_MAX];
    bindir(path, sizeof path);
    size_t l = strlen(path);
    snprintf(path + l, sizeof path - l, "/%s", bin);
    snprintf(logp, sizeof logp, "%s/%s.log", rt, name);
    argv[0] = path;
    pid_t pid = fork();
    if (pid < 0) return FP_EIO;
    if (pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        signal(SIGINT, SIG_IGN); /* Ctrl-C reaches fupin run, which stops the daemons in order */
        execv(path, argv);
        fprintf(stderr, "cannot start %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    kids[nkids].pid = pid;
    snprintf(kids[nkids].name, sizeof kids[nkids].name, "%s", name);
    nkids++;
    return FP_OK;
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

/* A daemon that exited on its own is a failure of the run. */
static int check_children(const char *rt)
{
    for (int i = 0; i < nkids; i++) {
        if (!kids[i].pid) continue;
        int st;
        if (waitpid(kids[i].pid, &st, WNOHANG) == kids[i].pid) {
            kids[i].pid = 0;
            fprintf(stderr, "fupin: error: %s stopped unexpectedly (%s %d)\n", kids[i].name,
                    WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            show_log_tail(rt, kids[i].name);
            return FP_EIO;
        }
    }
    return FP_OK;
}

/* Stops every daemon with SIGTERM; returns how many did not exit 0 by themselves. */
static int stop_children(const char *rt)
{
    int unclean = 0;
    /* Upstream first, so nothing new arrives at a stage that is stopping. */
    for (int i = nkids; i-- > 0;)
        if (kids[i].pid) kill(kids[i].pid, SIGTERM);
    for (int waited = 0; waited < 100; waited++) {
        int left = 0;
        for (int i = 0; i < nkids; i++) {
            if (!kids[i].pid) continue;
            int st;
            if (waitpid(kids[i].pid, &st, WNOHANG) == kids[i].pid) {
                kids[i].pid = 0;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                    fprintf(stderr, "fupin: error: %s did not stop cleanly (%s %d)\n", kids[i].name,
                            WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
                    show_log_tail(rt, kids[i].name);
                    unclean++;
                }
            } else {
                left++;
            }
        }
        if (!left) return unclean;
        usleep(100000);
    }
    for (int i = 0; i < nkids; i++)
        if (kids[i].pid) {
            fprintf(stderr, "fupin: error: %s did not stop in 10 s: killing it\n", kids[i].name);
            kill(kids[i].pid, SIGKILL);
            waitpid(kids[i].pid, NULL, 0);
            unclean++;
        }
    return unclean;
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
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    char ctl[PATH_MAX], reports[PATH_MAX], acks[PATH_MAX], totals[PATH_MAX], sinkctl[PATH_MAX], buf[64][PATH_MAX];
    char stats[PATH_MAX], nworkers[16];
    snprintf(stats, sizeof stats, "ipc://%s/stats", rt);
    snprintf(nworkers, sizeof nworkers, "%d", cfg.workers);
    snprintf(ctl, sizeof ctl, "ipc://%s/ingest.ctl", rt);
    snprintf(reports, sizeof reports, "ipc://%s/reports", rt);
    snprintf(acks, sizeof acks, "ipc://%s/acks", rt);
    snprintf(totals, sizeof totals, "ipc://%s/totals", rt);
    snprintf(sinkctl, sizeof sinkctl, "ipc://%s/sink.ctl", rt);
    const char *data = fp_datadir(cfg.data);
    /* Room for the fixed flags of any daemon plus every file. */
    char **av = malloc(((size_t)files.n + 2 * (size_t)cfg.figures.n + 160) * sizeof *av);
    if (!av) {
        fprintf(stderr, "fupin: error: out of memory\n");
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
        return 1;
    }
    int n = 0;
    /* sink */
    av[n = 1] = "--totals", av[++n] = totals, av[++n] = "--ctl", av[++n] = sinkctl, av[++n] = "--out", av[++n] = cfg.out;
    av[++n] = "--data", av[++n] = (char *)data, av[++n] = "--log-level", av[++n] = cfg.log_level;
    av[++n] = "--stats", av[++n] = stats, av[++n] = "--workers", av[++n] = nworkers;
    av[++n] = "--http", av[++n] = cfg.http ? cfg.http : "none";
    for (int i = 0; i < cfg.shards; i++) {
        snprintf(buf[32 + i], PATH_MAX, "ipc://%s/snap-%d", rt, i);
        av[++n] = "--snapshot", av[++n] = buf[32 + i];
    }
    av[++n] = NULL;
    rc = spawn(rt, "fupin-sink", "sink", av);
    for (int i = 0; i < cfg.shards && !rc; i++) {
        char idx[16], db[PATH_MAX], name[32];
        snprintf(idx, sizeof idx, "%d", i);
        snprintf(db, sizeof db, "%s/shard-%d.db", rt, i);
        snprintf(name, sizeof name, "aggregate-%d", i);
        snprintf(buf[i], PATH_MAX, "ipc://%s/figures-%d", rt, i);
        char *aa[] = {NULL, "--index", idx, "--figures", buf[i], "--acks", acks, "--sink", totals, "--snapshot",
                      buf[32 + i], "--db", db, "--log-level", cfg.log_level, "--stats", stats, NULL};
        rc = spawn(rt, "fupin-aggregate", name, aa);
    }
    for (int w = 0; w < cfg.workers && !rc; w++) {
        char name[32];
        snprintf(name, sizeof name, "normalize-%d", w);
        av[n = 1] = "--reports", av[++n] = reports, av[++n] = "--data", av[++n] = (char *)data;
        av[++n] = "--log-level", av[++n] = cfg.log_level, av[++n] = "--stats", av[++n] = stats;
        av[++n] = "--instance", av[++n] = name;
        for (int i = 0; i < cfg.shards; i++) av[++n] = "--shard", av[++n] = buf[i];
        av[++n] = NULL;
        rc = spawn(rt, "fupin-normalize", name, av);
    }
    char shards[16], journal[PATH_MAX];
    snprintf(shards, sizeof shards, "%d", cfg.shards);
    snprintf(journal, sizeof journal, "%s/ingest.db", rt);
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
    if (!rc) rc = spawn(rt, "fupin-ingest", "ingest", av);
    fprintf(stderr, "fupin: started %d processes (1 ingest, %d normalize, %d aggregate, 1 sink); logs in %s\n", nkids,
            cfg.workers, cfg.shards, rt);
    if (cfg.http) fprintf(stderr, "fupin: dashboard at http://%s/ (API /api/totals, /metrics, /healthz)\n", cfg.http);

    void *zctx = zmq_ctx_new();
    time_t start = time(NULL), last_progress = start;
    long long last_reports = -1, rejected = 0;
    int ok = 0, tty = isatty(2), shown = 0;
    while (!rc && !interrupted) {
        char st1[512], st2[512];
        usleep(100000);
        if ((rc = check_children(rt))) break;
        if (fp_ctl_request(zctx, ctl, 1000, "status", 6, st1, sizeof st1) ||
            fp_ctl_request(zctx, sinkctl, 1000, "status", 6, st2, sizeof st2))
            continue;
        long long taken = fp_ctl_field(st1, "taken"), done = fp_ctl_field(st1, "done");
        long long rep = fp_ctl_field(st2, "reports"), dirty = fp_ctl_field(st2, "dirty");
        long long synced = fp_ctl_field(st2, "synced");
        int settled = done == taken && rep >= done && dirty == 0 && synced == cfg.shards;
        rejected = fp_ctl_field(st1, "rejected");
        /* long work shows progress: a line kept fresh on a terminal, a log line every 10 s otherwise */
        time_t now = time(NULL);
        if (!cfg.watch && !cfg.http && files.n > 5 && !settled && now != last_progress &&
            (tty || now - last_progress >= 10)) {
            double el = difftime(now, start), rate = el > 0 ? (double)rep / el : 0;
            long long left = (long long)files.n - rep - (rejected > 0 ? rejected : 0);
            fprintf(stderr, "%sfupin: %lld of %d report(s) taken, %lld totalled, %.1f reports/s", tty ? "\r" : "", taken,
                    files.n, rep, rate);
            if (rate > 0 && left > 0) fprintf(stderr, ", about %.0f s left", (double)left / rate);
            fprintf(stderr, tty ? "\033[K" : "\n");
            last_progress = now;
            shown = tty;
        }
        if (settled && shown) fprintf(stderr, "\n"), shown = 0;
        if (cfg.watch || cfg.http) { /* stay up: new reports, or someone at the dashboard */
            if (settled && rep != last_reports) {
                print_totals(cfg.out);
                if (cfg.watch) printf("fupin: %lld report(s) totalled; watching %s (Ctrl-C stops)\n", rep, cfg.watch);
                if (cfg.http) printf("fupin: %lld report(s) totalled; dashboard at http://%s/ (Ctrl-C stops)\n", rep, cfg.http);
                fflush(stdout);
                last_reports = rep;
            }
            continue;
        }
        if (settled) {
            ok = 1;
            fprintf(stderr, "fupin: %lld report(s) totalled; arrival to totals p50 %lld ms, p99 %lld ms\n", rep,
                    fp_ctl_field(st2, "latency_p50_ms"), fp_ctl_field(st2, "latency_p99_ms"));
            break;
        }
        if (time(NULL) - start > cfg.timeout) {
            fprintf(stderr, "fupin: error: no totals after %d s (ingest: %s; sink: %s)\n", cfg.timeout, st1, st2);
            rc = FP_EIO;
        }
    }
    zmq_ctx_term(zctx);
    if (stop_children(rt)) ok = 0, rc = FP_EIO;
    free(av);
    if (ok) print_totals(cfg.out);
    /* every input ingest refused, with its reason (from its log, which may be removed next), and a failing exit */
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
                const char *r = strstr(l, "rejected ");
                if (r) fprintf(stderr, "fupin: error: %s\n", r), refused++;
            }
            free(log);
        }
        if (!refused) fprintf(stderr, "fupin: error: ingest refused %lld input(s); see %s/ingest.log\n", rejected, rt);
        refused = 1;
    }
    if (!cfg.keep && (ok || interrupted)) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", rt);
        if (system(cmd) != 0) fprintf(stderr, "fupin: could not remove %s\n", rt);
    }
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
    return (ok || interrupted) && !rc && !refused ? 0 : 1;
}
