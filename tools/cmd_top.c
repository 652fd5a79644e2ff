/* fupin top: the pipeline's stages and their live counters in the terminal,
 * as the sink hears them (its control endpoint's "stages" answer): a table
 * like `vector top`, one row per stage instance. */
#include "cli.h"
#include "fp_ctl.h"
#include "fp_curve.h"
#include "fp_opts.h"
#include "fp_zsock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    char *sink;
    int interval, once;
} config;

static const fp_opt opts[] = {
    {"sink", FP_OPT_STR, "tcp://127.0.0.1:7111", offsetof(config, sink), "the sink's control endpoint"},
    {"interval", FP_OPT_INT, "1000", offsetof(config, interval), "milliseconds between refreshes"},
    {"once", FP_OPT_FLAG, NULL, offsetof(config, once), "print once and exit"},
};

static volatile sig_atomic_t stop;
static void on_int(int sig)
{
    (void)sig;
    stop = 1;
}

/* Which published counters are a stage's in, out, rejected and in flight
 * (the status lines of ingest/main.c, normalize/main.c, aggregate/main.c,
 * sink/main.c); in may be the sum of two. */
static const struct {
    const char *stage, *in, *in2, *out, *rejected, *inflight;
} columns[] = {
    {"ingest", "taken", NULL, "sent", "rejected", "inflight"},        /* reports taken, sent to normalize */
    {"normalize", "reports", NULL, "figures", "rejected", "queue"},   /* reports extracted, figures routed */
    {"aggregate", "applied", "repeated", "totals", "rejected", "queue"}, /* reports applied, cells sent */
    {"sink", "updates", NULL, "writes", "rejected", "dirty"},         /* cell updates merged, file writes */
};

/* The last "in" of every instance, for its rate between two screens. */
typedef struct {
    char key[96];
    long long in;
    double at;
} seen;

#define MAXSEEN 256

/* A count in at most 9 columns: as is, else in k or M. */
static void fmt_count(char *out, size_t cap, long long v)
{
    if (v < 0) snprintf(out, cap, "-");
    else if (v < 10000000) snprintf(out, cap, "%lld", v);
    else if (v < 10000000000LL) snprintf(out, cap, "%lldk", v / 1000);
    else snprintf(out, cap, "%lldM", v / 1000000);
}

static void fmt_uptime(char *out, size_t cap, long long ms)
{
    long long s = ms / 1000;
    if (ms < 0) snprintf(out, cap, "-");
    else if (s < 60) snprintf(out, cap, "%llds", s);
    else if (s < 3600) snprintf(out, cap, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400) snprintf(out, cap, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else snprintf(out, cap, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

/* One screen: a row per stage instance, aligned, within 100 columns. The
 * rate is of "in", per second since the last screen (since the daemon
 * started on the first). UP is the daemon's uptime, or silent/down. */
static void show(const char *stages, int tty, seen *prev, size_t *nprev, double now)
{
    if (tty) printf("\033[H\033[2J");
    printf("%-10s %-22s %10s %10s %9s %9s %9s %9s\n", "STAGE", "INSTANCE", "IN", "OUT", "REJECTED", "IN FLIGHT",
           "RATE/s", "UP");
    char line[2048], auth[1024] = "";
    int rows = 0;
    /* in pipeline order: a pass per stage of columns[], then any other stage */
    const size_t nstages = sizeof columns / sizeof columns[0];
    for (size_t pass = 0; pass <= nstages; pass++)
    for (const char *p = stages; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
        p += n;
        if (*p == '\n') p++;
        char stage[16], inst[64], state[8];
        double age;
        int used = 0;
        if (sscanf(line, "%15s %63s %7s %lf %n", stage, inst, state, &age, &used) != 4) continue;
        const char *kv = line + used;
        size_t c = 0;
        while (c < sizeof columns / sizeof columns[0] && strcmp(columns[c].stage, stage)) c++;
        if (c != pass) continue;
        long long in = -1, out = -1, rej = -1, fly = -1;
        if (c < nstages) {
            in = fp_ctl_field(kv, columns[c].in);
            if (columns[c].in2 && in >= 0 && fp_ctl_field(kv, columns[c].in2) > 0) in += fp_ctl_field(kv, columns[c].in2);
            out = fp_ctl_field(kv, columns[c].out);
            rej = fp_ctl_field(kv, columns[c].rejected);
            fly = fp_ctl_field(kv, columns[c].inflight);
        }
        long long up_ms = fp_ctl_field(kv, "uptime_ms");
        /* the rate: against this instance's last screen, else over its uptime */
        char key[96];
        snprintf(key, sizeof key, "%s/%s", stage, inst);
        seen *sv = NULL;
        for (size_t i = 0; i < *nprev && !sv; i++)
            if (!strcmp(prev[i].key, key)) sv = &prev[i];
        double rate = -1;
        if (in >= 0 && sv && now > sv->at && in >= sv->in) rate = (double)(in - sv->in) / (now - sv->at);
        else if (in >= 0 && up_ms > 0) rate = (double)in * 1000.0 / (double)up_ms;
        if (in >= 0 && !sv && *nprev < MAXSEEN) sv = &prev[(*nprev)++], snprintf(sv->key, sizeof sv->key, "%s", key);
        if (sv) sv->in = in, sv->at = now;
        char cin[32], cout[32], crej[32], cfly[32], crate[32], cup[48];
        fmt_count(cin, sizeof cin, in), fmt_count(cout, sizeof cout, out), fmt_count(crej, sizeof crej, rej);
        fmt_count(cfly, sizeof cfly, fly);
        if (rate < 0) snprintf(crate, sizeof crate, "-");
        else snprintf(crate, sizeof crate, rate < 100 ? "%.1f" : "%.0f", rate);
        if (strcmp(state, "up")) snprintf(cup, sizeof cup, "%s", fp_ctl_field(kv, "down") == 1 ? "down" : "silent");
        else fmt_uptime(cup, sizeof cup, up_ms);
        printf("%-10s %-22.22s %10s %10s %9s %9s %9s %9s\n", stage, inst, cin, cout, crej, cfly, crate, cup);
        rows++;
        /* with CURVE on, the handshakes each refused (README, "Running across hosts") */
        long long refused = fp_ctl_field(kv, "auth_refused");
        size_t al = strlen(auth);
        if (refused >= 0 && al < sizeof auth)
            snprintf(auth + al, sizeof auth - al, "%s %s/%s %lld", al ? "," : "", stage, inst, refused);
    }
    if (!rows) printf("(no stage has published to the sink yet)\n");
    if (*auth) printf("\nauth_refused (CURVE handshakes refused):%s\n", auth);
    fflush(stdout);
}

int fupin_top(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist args = {0};
    fp_optset sets[2] = {{opts, sizeof opts / sizeof opts[0], &cfg},
                         {fp_curve_client_opts, fp_curve_client_nopts, &fp_curve_settings}};
    int rc = fp_opts_parse_sets(sets, 2, argc, argv, &args,
                           "usage: fupin top [options]\n\n"
                           "Shows every stage's live counters, as the sink hears them (Ctrl-C stops).");
    if (rc == 1) return 0;
    if (rc) return 2;
    if (fp_curve_setup("fupin")) {
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, NULL);
        fp_strlist_free(&args);
        return 2;
    }
    if (args.n) {
        fprintf(stderr, "fupin: error: top takes no arguments ('%s')\n", args.v[0]);
        rc = 2;
    } else if (!fp_endpoint_valid(cfg.sink)) {
        fprintf(stderr, "fupin: error: malformed endpoint '%s'\n", cfg.sink);
        rc = 2;
    } else if (cfg.interval < 100) {
        fprintf(stderr, "fupin: error: --interval must be at least 100 ms\n");
        rc = 2;
    }
    void *ctx = rc ? NULL : zmq_ctx_new();
    signal(SIGINT, on_int);
    int tty = isatty(1) && !cfg.once;
    seen prev[MAXSEEN];
    size_t nprev = 0;
    while (!rc && !stop) {
        char reply[8192];
        if (fp_ctl_request(ctx, cfg.sink, 2000, "stages", 6, reply, sizeof reply)) {
            fprintf(stderr, "fupin: error: the sink at %s does not answer\n", cfg.sink);
            rc = 1;
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        show(reply, tty, prev, &nprev, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
        if (cfg.once) break;
        usleep((useconds_t)cfg.interval * 1000);
    }
    if (ctx) zmq_ctx_term(ctx);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &args);
    return rc;
}
