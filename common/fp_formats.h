/* fp_formats: what the web page and PDF readers (fp_html, fp_pdf) share:
 * the word lists of data/formats.tsv and finding a publication date. */
#ifndef FP_FORMATS_H
#define FP_FORMATS_H

#include <stddef.h>

typedef struct {
    char **v; /* lower-cased words */
    size_t n;
} fp_wordlist;

typedef struct {
    fp_wordlist boilerplate; /* class/id parts of page furniture */
    fp_wordlist content;     /* class/id parts of an article */
    fp_wordlist date_meta;   /* meta names that carry the publication date */
    fp_wordlist date_label;  /* words a visible date line starts with */
} fp_format_words;

/* Loads datadir/formats.tsv into *w (zeroed first). Returns FP_OK, FP_EIO
 * when the file cannot be read, FP_EINVAL on a line of an unknown class
 * (logged with its number) or FP_ENOMEM; on error *w holds nothing. */
int fp_format_words_load(fp_format_words *w, const char *datadir);
void fp_format_words_free(fp_format_words *w);

/* 1 when the lower-cased s[0..n) holds one of l's words as a substring. */
int fp_wordlist_within(const fp_wordlist *l, const char *s, size_t n);
/* 1 when s equals one of l's words, ignoring ASCII case. */
int fp_wordlist_is(const fp_wordlist *l, const char *s);

/* The year of a date written at the start of s[0..n) (after white space):
 * 2020-05-12, 2020/5/12, 2020.05.12, 2020年5月12日, 2020-05-12T10:00,
 * 20200512, PDF's D:20200512...; with need_day 0, also 2020年5月 and 2020-05.
 * Returns the year (1949..2100) or 0 when s starts with no such date. */
int fp_date_year(const char *s, size_t n, int need_day);

/* The year of the first date that follows a date label (发布时间：2020-05-12)
 * in text[0..len); 0 when there is none. */
int fp_labelled_year(const fp_format_words *w, const char *text, size_t len);

#endif
