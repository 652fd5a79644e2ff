/* libFuzzer target: the curated-figure parser (common/fp_figjson.c, what
 * --figures and normalize read) on any bytes: figures or a line-numbered
 * error, never a crash or a leak. */
#include "fp_err.h"
#include "fp_figjson.h"
#include "fp_gazetteer.h"

#include <stdint.h>
#include <stdlib.h>

static fp_gazetteer *gaz;
static fp_vocab vocab;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (fp_gaz_load(&gaz, FUPIN_DATADIR_BUILD "/regions.tsv", FUPIN_DATADIR_BUILD "/aliases.tsv") ||
        fp_vocab_load(&vocab, FUPIN_DATADIR_BUILD))
        abort();
    return 0;
}

static int count(const fp_figure *f, void *ud)
{
    (void)f;
    ++*(size_t *)ud;
    return FP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, seen = 0;
    char err[300];
    int rc = fp_figjson_parse((const char *)data, size, gaz, &vocab, "fuzz.jsonl", count, &seen, &n, err, sizeof err);
    if (rc == FP_OK && n != seen) abort(); /* the count it says is the figures it gave */
    if (rc != FP_OK && seen) abort();      /* all or nothing */
    return 0;
}
