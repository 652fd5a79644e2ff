/* fp_encoding: turns the bytes of a report into the normalized UTF-8 text
 * every stage works on, and gives it its content id.
 *
 * The encoding is detected (BOMs first, then valid UTF-8, then uchardet) and
 * converted with iconv: UTF-8 with or without BOM, UTF-16LE/BE, GB18030/GBK/
 * GB2312 and Big5. Traditional characters are converted to simplified with
 * OpenCC, so one gazetteer and one set of cue words serve both. Input that
 * is not text (NUL bytes after decoding, undecodable bytes) is rejected.
 *
 * Web pages and PDF files are known by their content, whatever their name:
 * a page (fp_html) is decoded by the charset its meta tag names when its
 * bytes are not UTF-8, and only its article's text is kept; a PDF (fp_pdf)
 * gives its text layer. Both give their publication year. The word lists
 * they use are data/formats.tsv. */
#ifndef FP_ENCODING_H
#define FP_ENCODING_H

#include <stddef.h>

#include "fp_record.h"

typedef struct fp_decoder fp_decoder;

/* Sets up a decoder with datadir's formats.tsv. FP_EIO when uchardet or
 * the word lists are missing, FP_EINVAL when the word lists are malformed.
 * OpenCC is not opened here but by the first fp_decode whose text holds a
 * character it changes (most texts hold none, and opening it costs more
 * than decoding a typical report). */
int fp_decoder_new(fp_decoder **out, const char *datadir);
void fp_decoder_free(fp_decoder *d);

/* Decodes raw[0..len) into *text (malloc'd, NUL-terminated) and names the
 * encoding it found in enc (cap >= 32: "GB18030", "html/UTF-8", "pdf").
 * *year (when year is not NULL) gets the publication year a page or PDF
 * gives, 0 for none and for plain text. On failure returns FP_EINVAL (or
 * FP_ENOMEM) and sets *why to a short reason; FP_EIO when the text holds
 * traditional characters and OpenCC cannot be opened to convert them (said
 * once in the log, the first time). */
int fp_decode(fp_decoder *d, const char *raw, size_t len, char **text, size_t *text_len, char *enc, int *year,
              const char **why);
/* How many invalid bytes the last fp_decode replaced by U+FFFD: text that
 * is UTF-8 but for a few broken bytes (at most one per 8 valid multi-byte
 * characters) is kept whole, never dropped or read in another encoding.
 * Callers warn with the report's name when it is not 0. */
size_t fp_decoder_replaced(const fp_decoder *d);
/* The content id: BLAKE2b-256 of the text, as 64 hex digits. */
void fp_content_id(const char *text, size_t len, char out[FP_ID_HEX + 1]);

#endif
