/* libFuzzer target: the encoding decoder (common/fp_decode.c: charset
 * detection, iconv, traditional to simplified, web pages and PDFs) on any
 * bytes: text out or a reason, never a crash or a leak. */
#include "fp_encoding.h"
#include "fp_err.h"

#include <stdint.h>
#include <stdlib.h>

static fp_decoder *dec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (fp_decoder_new(&dec, FUPIN_DATADIR_BUILD)) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, enc[32];
    size_t len = 0;
    int year = 0;
    const char *why = NULL;
    if (fp_decode(dec, (const char *)data, size, &text, &len, enc, &year, &why) == FP_OK && !text) abort();
    free(text);
    return 0;
}
