/* fupin status: asks running daemons for their counters over their control
 * endpoints and prints one line each: "ENDPOINT key=value ...". */
#include "cli.h"
#include "fp_ctl.h"
#include "fp_curve.h"
#include "fp_opts.h"
#include "fp_zsock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    int timeout;
} config;

static const fp_opt opts[] = {
    {"timeout", FP_OPT_INT, "2000", offsetof(config, timeout), "milliseconds to wait for each answer"},
};

int fupin_status(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist eps = {0};
    fp_optset sets[2] = {{opts, sizeof opts / sizeof opts[0], &cfg},
                         {fp_curve_client_opts, fp_curve_client_nopts, &fp_curve_settings}};
    int rc = fp_opts_parse_sets(sets, 2, argc, argv, &eps,
                           "usage: fupin status [options] ENDPOINT...\n\n"
                           "Prints the counters of the daemons whose control endpoints are given\n"
                           "(ingest's --ctl, the sink's --ctl).");
    if (rc == 1) return 0;
    if (rc) return 2;
    if (fp_curve_setup("fupin")) {
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, NULL);
        fp_strlist_free(&eps);
        return 2;
    }
    if (!eps.n) {
        fprintf(stderr, "fupin: error: status needs at least one ENDPOINT\n");
        rc = 2;
    }
    for (int i = 0; i < eps.n && !rc; i++)
        if (!fp_endpoint_valid(eps.v[i])) {
            fprintf(stderr, "fupin: error: malformed endpoint '%s'\n", eps.v[i]);
            rc = 2;
        }
    void *ctx = rc ? NULL : zmq_ctx_new();
    int failed = 0;
    for (int i = 0; i < eps.n && !rc; i++) {
        char reply[1024];
        if (fp_ctl_request(ctx, eps.v[i], cfg.timeout, "status", 6, reply, sizeof reply)) {
            fprintf(stderr, "fupin: error: %s did not answer%s\n", eps.v[i],
                    fp_curve_on() ? " (or does not --allow this --key)" : "");
            failed = 1;
        } else {
            printf("%s %s\n", eps.v[i], reply);
            const char *dl = strstr(reply, " dead="); /* ingest: reports a shard dead-lettered */
            if (dl && atoll(dl + 6) > 0)
                printf("%s dead letters: %lld report(s) a shard could not apply, no longer re-sent (kind dead_letter "
                       "in anomalies.jsonl)\n", eps.v[i], atoll(dl + 6));
        }
    }
    if (ctx) zmq_ctx_term(ctx);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &eps);
    return rc ? rc : failed;
}
