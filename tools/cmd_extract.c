/* fupin extract: the normalize logic in-process, one figure a line as JSON. */
#include "cli.h"
#include "extract.h"
#include "fp_buf.h"
#include "fp_daemon.h"
#include "fp_encoding.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_json.h"
#include "fp_log.h"
#include "fp_opts.h"
#include "checks.h"
#include "indicate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data, *log_level;
    int year, text;
    char *region;
} config;

static const fp_opt opts[] = {
    {"year", FP_OPT_INT, "0", offsetof(config, year),
     "the report's year when its text does not tell (default: a page's or PDF's publication year)"},
    {"region", FP_OPT_STR, NULL, offsetof(config, region), "region code of the report's subject place"},
    {"text", FP_OPT_FLAG, NULL, offsetof(config, text),
     "print the text read from each report (a page's article, a PDF's text) and its year instead of figures"},
    {"data", FP_OPT_STR, NULL, offsetof(config, data), "folder of the data files"},
    {"log-level", FP_OPT_STR, "warn", offsetof(config, log_level), "debug, info, warn, error or quiet"},
};

typedef struct {
    fp_buf line;
    const fp_indicate *ix;
    const char *text;
    size_t len;
    fp_parts parts; /* a whole's parts of its own indicator weigh 0, as in normalize */
    int published;  /* the report's year hint, as normalize has it */
} printer;

static int no_check(const fp_anomaly *a, void *ud)
{
    (void)a;
    (void)ud;
    return 0;
}

static int print_figure(const fp_figure *f, void *ud)
{
    printer *pr = ud;
    fp_buf *b = &pr->line;
    fp_figure g = *f;
    g.published = pr->published;
    fp_indicate_figure(pr->ix, pr->text, pr->len, &g);
    fp_parts_demote(&pr->parts, &g);
    if (fp_parts_feed(&pr->parts, &g)) return FP_ENOMEM;
    b->len = 0;
    int rc = fp_json_figure(b, &g);
    /* the line and its break in one write into stdout's buffer */
    if (!rc) rc = fp_buf_append(b, "\n", 1) ? FP_ENOMEM : FP_OK;
    if (!rc) fwrite(b->p, 1, b->len, stdout);
    return rc;
}

int fupin_extract(int argc, char **argv)
{
    config cfg = {0};
    fp_strlist files = {0};
    int rc = fp_opts_parse(opts, sizeof opts / sizeof opts[0], &cfg, argc, argv, &files,
                           "usage: fupin extract [options] FILE... | -\n\n"
                           "Prints every figure of the reports, one JSON object a line (- reads stdin). Reports\n"
                           "may be plain text, web pages (.html/.htm) or PDF files, known by their content; a\n"
                           "page's or PDF's publication year is the year of figures whose text gives none,\n"
                           "unless --year says.");
    if (rc == 1) return 0;
    if (rc) return 2;
    fp_daemon_log_setup("fupin", cfg.log_level);
    if (!files.n) {
        fprintf(stderr, "fupin: error: extract needs at least one FILE (try fupin extract --help)\n");
        fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
        return 2;
    }
    fp_extractor *x = NULL;
    fp_decoder *dec = NULL;
    printer pr = {0};
    fp_indicate *ix = NULL;
    if (fp_extractor_load(&x, fp_datadir(cfg.data)) || fp_indicate_load(&ix, fp_datadir(cfg.data))) {
        fprintf(stderr, "fupin: error: cannot load data files from %s\n", fp_datadir(cfg.data));
        rc = 1;
    } else if (fp_decoder_new(&dec, fp_datadir(cfg.data))) {
        fprintf(stderr, "fupin: error: cannot set up decoding (uchardet/OpenCC data missing?)\n");
        rc = 1;
    }
    pr.ix = ix;
    int failed = 0;
    for (int i = 0; i < files.n && !rc; i++) {
        char *raw = NULL, *text = NULL;
        size_t rawlen, textlen;
        const char *why = NULL;
        char enc[32];
        int pub = 0;
        int r = !strcmp(files.v[i], "-") ? fp_read_stream(stdin, &raw, &rawlen, &why)
                                         : fp_file_read(files.v[i], &raw, &rawlen, &why);
        if (!r) r = fp_decode(dec, raw, rawlen, &text, &textlen, enc, &pub, &why);
        if (!r && fp_decoder_replaced(dec))
            fprintf(stderr, "fupin: warning: %s: %zu invalid UTF-8 byte(s) replaced by U+FFFD\n", files.v[i],
                    fp_decoder_replaced(dec));
        pr.text = text;
        pr.len = textlen;
        pr.published = cfg.year ? cfg.year : pub;
        if (!r && cfg.text) {
            printf("# %s: %s, published %d\n", files.v[i], enc, pub);
            fwrite(text, 1, textlen, stdout);
            fputc('\n', stdout);
            free(raw);
            free(text);
            continue;
        }
        fp_parts_init(&pr.parts, "", files.v[i], no_check, NULL);
        if (!r)
            r = fp_extract(x, files.v[i], text, textlen, cfg.year ? cfg.year : pub, cfg.region, print_figure, &pr,
                           NULL);
        fp_parts_finish(&pr.parts);
        if (r) {
            fprintf(stderr, "fupin: error: %s: %s\n", files.v[i], why ? why : fp_strerror(r));
            failed = 1;
        }
        free(raw);
        free(text);
    }
    fflush(stdout);
    fp_buf_free(&pr.line);
    fp_indicate_free(ix);
    fp_decoder_free(dec);
    fp_extractor_free(x);
    fp_opts_free(opts, sizeof opts / sizeof opts[0], &cfg, &files);
    return rc ? rc : failed;
}
