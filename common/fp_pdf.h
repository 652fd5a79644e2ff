/* fp_pdf: the text of a PDF file, and its publication year.
 *
 * Text comes from poppler in reading order, page by page. Lines are joined
 * into paragraphs by their geometry (a line that ends short of the text's
 * right edge, a wider gap or an indent ends a paragraph), a word hyphenated
 * at a line's end is joined again, and lines at the top or bottom of the
 * pages that repeat on most of them (running headers, footers, page
 * numbers) are dropped. One paragraph a line. */
#ifndef FP_PDF_H
#define FP_PDF_H

#include <stddef.h>

#include "fp_formats.h"

/* 1 when raw[0..n) is a PDF file (%PDF- in its first 1 KB). */
int fp_pdf_sniff(const char *raw, size_t n);

/* Extracts the text of the PDF raw[0..len) into *text (malloc'd,
 * NUL-terminated UTF-8, *tlen bytes) and its publication year into *year:
 * a labelled date line near the start of the text (发布日期：…), else the
 * document's creation date, else 0. Returns FP_OK, FP_ENOMEM, or FP_EINVAL
 * with *why set: a damaged or encrypted file, or a PDF without a text layer
 * (a scan: "no text layer; OCR it first"), which is never an empty text,
 * or poppler-glib missing: it is opened at the first call, not linked, so a
 * start reading no PDF does not load it (its *why names the library). */
int fp_pdf_text(const fp_format_words *w, const char *raw, size_t len, char **text, size_t *tlen, int *year,
                const char **why);

#endif
