/* OpenCC is opened on the first text holding a character t2s changes, not
 * when a decoder is made; when it cannot be opened, that text is refused
 * with FP_EIO and a reason, the failure is logged once (not retried per
 * report), and text needing no conversion decodes as before.
 *
 * This program defines opencc_open itself: the linker binds fp_encoding's
 * call to this definition rather than libopencc's, so the test can count
 * the opens and make them fail. */
#include "check.h"
#include "fp_encoding.h"
#include "fp_err.h"

#include <opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int opens;

opencc_t opencc_open(const char *config)
{
    (void)config;
    opens++;
    return (opencc_t)-1;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "data";
    FILE *log = tmpfile();
    CHECK(log != NULL);
    if (!log) return CHECK_DONE();
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(log), 2);

    fp_decoder *d = NULL;
    CHECK(fp_decoder_new(&d, data) == FP_OK && d);
    CHECK(opens == 0); /* not at start */
    char *text = NULL, enc[32];
    size_t tl = 0;
    const char *why = NULL;
    const char *simp = "锡林郭勒盟脱贫人口5600余户\n";
    CHECK(fp_decode(d, simp, strlen(simp), &text, &tl, enc, NULL, &why) == FP_OK && text && !strcmp(text, simp));
    free(text);
    CHECK(opens == 0); /* nor for text that needs no conversion */
    const char *trad = "錫林郭勒盟脫貧\n";
    for (int i = 0; i < 3; i++) {
        text = NULL, why = NULL;
        CHECK(fp_decode(d, trad, strlen(trad), &text, &tl, enc, NULL, &why) == FP_EIO && !text && why && *why);
    }
    CHECK(opens == 1); /* tried once, the failure remembered */
    CHECK(fp_decode(d, simp, strlen(simp), &text, &tl, enc, NULL, &why) == FP_OK && text);
    free(text);
    fp_decoder_free(d);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[4096];
    rewind(log);
    size_t n = fread(buf, 1, sizeof buf - 1, log);
    buf[n] = '\0';
    fclose(log);
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "OpenCC")); p++) lines++;
    CHECK(lines == 1); /* one line says it, however many reports hit it */
    fprintf(stderr, "%s", buf);
    return CHECK_DONE();
}
