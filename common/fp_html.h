/* fp_html: the article of a saved web page, and its publication year.
 *
 * The page is parsed with libxml2's HTML parser, which recovers from broken
 * markup as browsers do. Scripts, styles, forms' controls, navigation,
 * footers, hidden elements and elements whose class or id names page
 * furniture (data/formats.tsv) are dropped; the element holding the most
 * article-like text (text density with few links, as readability-style
 * extractors score it; docs/FORMATS.md) and its article-like siblings are
 * kept, the title first and one paragraph a line. */
#ifndef FP_HTML_H
#define FP_HTML_H

#include <stddef.h>

#include "fp_formats.h"

/* 1 when s[0..n) starts, after a BOM and white space, the way an HTML
 * document does (<!DOCTYPE html, <html, <head, <meta, <body, a comment
 * before <html ...); 0 otherwise. Works on any ASCII-compatible encoding. */
int fp_html_sniff(const char *s, size_t n);

/* The charset a <meta charset> or <meta http-equiv="Content-Type"> names in
 * the first 4 KB of raw[0..n), lower-cased into cs (cap bytes); 0 when the
 * page names none. */
int fp_html_meta_charset(const char *raw, size_t n, char *cs, size_t cap);

/* Extracts the article of page[0..len) (UTF-8) into *text (malloc'd,
 * NUL-terminated, *tlen bytes) and its publication year into *year (0 when
 * the page gives none): from a date meta tag (data/formats.tsv date_meta),
 * else a labelled date line (发布时间：…), else a date right after the
 * title. Returns FP_OK, FP_ENOMEM, or FP_EINVAL with *why set when the page
 * cannot be parsed or holds no article text. */
int fp_html_article(const fp_format_words *w, const char *page, size_t len, char **text, size_t *tlen, int *year,
                    const char **why);

#endif
