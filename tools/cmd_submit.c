/* fupin submit: sends report files to a running pipeline's ingest over its
 * control endpoint and prints what ingest made of each. */
#include "cli.h"
#include "fp_ctl.h"
#include "fp_daemon.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_curve.h"
#include "fp_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    char *to, *name;
    int timeout, year;
} config;

static const fp_opt opts[] = {
    {"to", FP_OPT_STR, "tcp://127.0.0.1:7100", offsetof(config, to), "ingest's control endpoint"},
    {"timeout", FP_OPT_INT, "10000", offsetof(config, timeout), "milliseconds to wait for ingest's answer"},
    {"year", FP_OPT_INT, "0", offsetof(config, year), "the reports' year when their text does not say it"},
    {"name", FP_OPT_STR, NULL, offsetof(config, name),
     "the name of a report read from stdin (default stdin-<hash of its bytes>; the same name again is a revision)"},
};

int fupin_submit(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist files = {0};
    fp_optset sets[2] = {{opts, sizeof opts / sizeof opts[0], &cfg},
                         {fp_curve_client_opts, fp_curve_client_nopts, &fp_curve_settings}};
    int rc = fp_opts_parse_sets(sets, 2, argc, argv, &files,
                           "usage: fupin submit [options] FILE... | -\n\n"
                           "Sends reports (- for stdin) to a running pipeline's ingest.");
    if (rc == 1) return 0;
    if (rc) return 2;
    if (fp_curve_setup("fupin")) {
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, NULL);
        fp_strlist_free(&files);
        return 2;
    }
    if (!files.n) {
        fprintf(stderr, "fupin: error: submit needs at least one FILE\n");
        rc = 2;
    } else if (cfg.year && (cfg.year < 1949 || cfg.year > 2100)) {
        fprintf(stderr, "fupin: error: --year %d is not a year between 1949 and 2100\n", cfg.year);
        rc = 2;
    } else if (!fp_endpoint_ok(cfg.to)) {
        fprintf(stderr, "fupin: error: malformed endpoint '%s'\n", cfg.to);
        rc = 2;
    }
    void *ctx = rc ? NULL : zmq_ctx_new();
    int failed = 0;
    for (int i = 0; i < files.n && !rc; i++) {
        char *raw = NULL;
        size_t len = 0;
        const char *why = NULL;
        int r = !strcmp(files.v[i], "-") ? fp_read_stream(stdin, &raw, &len, &why)
                                         : fp_file_read(files.v[i], &raw, &len, &why);
        char reply[512];
        /* a file's name is its path as given; stdin's is --name, or one its bytes give (never "-") */
        char name[FP_SOURCE_MAX + 1];
        const char *given = strcmp(files.v[i], "-") ? files.v[i] : cfg.name && *cfg.name ? cfg.name : NULL;
        if (given && strlen(given) > FP_SOURCE_MAX) {
            /* a name is a report's identity: cut, it could name another file's report */
            if (!r) r = FP_EINVAL, why = "name longer than 500 bytes: a report's name is its identity, so it is not cut";
        } else if (given) {
            snprintf(name, sizeof name, "%s", given);
        } else if (!r) {
            fp_content_name("stdin", raw, len, name, sizeof name);
        }
        if (!r) r = fp_ctl_submit(ctx, cfg.to, cfg.timeout, name, cfg.year, raw, len, reply, sizeof reply);
        free(raw);
        if (r) {
            /* ingest's answer already names the file ("error NAME: why"): say it once */
            const char *said = reply;
            size_t nl = strlen(files.v[i]);
            if (!strncmp(said, "error ", 6)) said += 6;
            if (!strncmp(said, files.v[i], nl) && !strncmp(said + nl, ": ", 2)) said += nl + 2;
            fprintf(stderr, "fupin: error: %s: %s\n", files.v[i],
                    why ? why
                        : r == FP_EIO ? (fp_curve_on() ? "ingest did not answer (is the pipeline running, and "
                                                          "does it --allow this --key?)"
                                                        : "ingest did not answer (is the pipeline running?)")
                                      : said);
            failed = 1;
            if (r == FP_EIO) break;
        } else {
            printf("%s: %s\n", strcmp(files.v[i], "-") ? files.v[i] : name, reply);
        }
    }
    if (ctx) zmq_ctx_term(ctx);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
    return rc ? rc : failed;
}
