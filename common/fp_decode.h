/* fp_decode: turns the bytes of a report into the normalized UTF-8 text
 * every stage works on, and gives it its content id.
 *
 * The encoding is detected (BOMs first, then valid UTF-8, then uchardet) and
 * converted with iconv: UTF-8 with or without BOM, UTF-16LE/BE, GB18030/GBK/
 * GB2312 and Big5. Traditional characters are converted to simplified with
 * OpenCC, so one gazetteer and one set of cue words serve both. Input that
 * is not text (NUL bytes after decoding, undecodable bytes) is rejected. */
#ifndef FP_DECODE_H
#define FP_DECODE_H

#include <stddef.h>

#include "fp_record.h"

typedef struct fp_decoder fp_decoder;

int fp_decoder_new(fp_decoder **out);
void fp_decoder_free(fp_decoder *d);

/* Decodes raw[0..len) into *text (malloc'd, NUL-terminated) and names the
 * encoding it found in enc (cap >= 32). On failure returns FP_EINVAL and
 * sets *why to a short reason. */
int fp_decode(fp_decoder *d, const char *raw, size_t len, char **text, size_t *text_len, char *enc, const char **why);
/* The content id: BLAKE2b-256 of the text, as 64 hex digits. */
void fp_content_id(const char *text, size_t len, char out[FP_ID_HEX + 1]);

#endif
