/* fp_buf: a growable byte buffer (always NUL-terminated) for building text. */
#ifndef FP_BUF_H
#define FP_BUF_H

#include <stddef.h>

typedef struct {
    char *p;
    size_t len, cap;
    int oom; /* set once an append failed; later appends are no-ops */
} fp_buf;

int fp_buf_append(fp_buf *b, const void *data, size_t n);
int fp_buf_puts(fp_buf *b, const char *s);
int fp_buf_printf(fp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes and escapes included). */
int fp_buf_json_str(fp_buf *b, const char *s, size_t n);
/* Appends s as a CSV field (quoted when it holds , " or a line break). */
int fp_buf_csv_str(fp_buf *b, const char *s);
void fp_buf_free(fp_buf *b);
/* Empties b, keeping its memory. */
void fp_buf_reset(fp_buf *b);

#endif
