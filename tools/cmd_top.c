/* fupin top: the pipeline's stages and their live counters in the terminal,
 * as the sink hears them (its control endpoint's "stages" answer). */
#include "cli.h"
#include "fp_ctl.h"
#include "fp_curve.h"
#include "fp_opts.h"
#include "fp_zsock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
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

/* One screen: a line per stage instance, its state, age and counters. */
static void show(const char *stages, int tty)
{
    if (tty) printf("\033[H\033[2J");
    printf("%-10s %-22s %-7s %7s  %s\n", "STAGE", "INSTANCE", "STATE", "AGE(s)", "COUNTERS");
    char line[1024];
    for (const char *p = stages; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
        char stage[16], inst[64], state[8];
        double age;
        int used = 0;
        if (sscanf(line, "%15s %63s %7s %lf %n", stage, inst, state, &age, &used) == 4) {
            /* drop the stage= instance= interval_ms= fields the columns already show */
            const char *rest = line + used;
            char shown[1024] = "";
            for (const char *q = rest; *q;) {
                size_t m = strcspn(q, " ");
                if (m && strncmp(q, "stage=", 6) && strncmp(q, "instance=", 9) && strncmp(q, "interval_ms=", 12))
                    snprintf(shown + strlen(shown), sizeof shown - strlen(shown), "%.*s ", (int)m, q);
                q += m;
                while (*q == ' ') q++;
            }
            printf("%-10s %-22s %-7s %7.1f  %s\n", stage, inst, state, age, shown);
        }
        p += n;
        if (*p == '\n') p++;
    }
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
    while (!rc && !stop) {
        char reply[8192];
        if (fp_ctl_request(ctx, cfg.sink, 2000, "stages", 6, reply, sizeof reply)) {
            fprintf(stderr, "fupin: error: the sink at %s does not answer\n", cfg.sink);
            rc = 1;
            break;
        }
        show(reply, tty);
        if (cfg.once) break;
        usleep((useconds_t)cfg.interval * 1000);
    }
    if (ctx) zmq_ctx_term(ctx);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &args);
    return rc;
}
