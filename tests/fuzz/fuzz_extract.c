/* libFuzzer target: the figure extractor (normalize/extract.c fp_extract)
 * on any text, valid UTF-8 or not (a report record's text is not checked
 * on the wire). Every figure it gives lies inside the text. */
#include "extract.h"
#include "fp_err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static fp_extractor *x;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (fp_extractor_load(&x, FUPIN_DATADIR_BUILD)) abort();
    return 0;
}

static int check(const fp_figure *f, void *ud)
{
    size_t len = *(size_t *)ud;
    if ((size_t)f->offset + f->length > len) abort();
    return FP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    fp_doc_info info;
    fp_extract(x, "fuzz.txt", text, size, 0, NULL, check, &size, &info);
    free(text);
    return 0;
}
