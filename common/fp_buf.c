#include "fp_buf.h"
#include "fp_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(fp_buf *b, size_t need)
{
    if (b->oom) return FP_ENOMEM;
    if (b->len + need + 1 <= b->cap) return FP_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return FP_ENOMEM;
    }
    b->p = p;
    b->cap = cap;
    return FP_OK;
}

int fp_buf_append(fp_buf *b, const void *data, size_t n)
{
    if (grow(b, n)) return FP_ENOMEM;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return FP_OK;
}

int fp_buf_puts(fp_buf *b, const char *s) { return fp_buf_append(b, s, strlen(s)); }

int fp_buf_printf(fp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n)) return FP_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return FP_OK;
}

int fp_buf_json_str(fp_buf *b, const char *s, size_t n)
{
    int rc = fp_buf_append(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        rc = fp_buf_append(b, s + start, i - start);
        char esc[8];
        if (c == '"' || c == '\\') snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n') snprintf(esc, sizeof esc, "\\n");
        else if (c == '\t') snprintf(esc, sizeof esc, "\\t");
        else if (c == '\r') snprintf(esc, sizeof esc, "\\r");
        else snprintf(esc, sizeof esc, "\\u%04x", c);
        if (!rc) rc = fp_buf_puts(b, esc);
        start = i + 1;
    }
    if (!rc) rc = fp_buf_append(b, s + start, n - start);
    if (!rc) rc = fp_buf_append(b, "\"", 1);
    return rc;
}

int fp_buf_csv_str(fp_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) return fp_buf_puts(b, s);
    int rc = fp_buf_append(b, "\"", 1);
    for (const char *q = s; *q && !rc; q++) rc = *q == '"' ? fp_buf_append(b, "\"\"", 2) : fp_buf_append(b, q, 1);
    return rc ? rc : fp_buf_append(b, "\"", 1);
}

void fp_buf_free(fp_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void fp_buf_reset(fp_buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}
