#include "fp_buf.h"
#include "fp_err.h"

#include <stdarg.h>
#include <stdint.h>
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
        /* eight bytes at a time while none of them is a control byte, " or \\ (exact tests:
         * a zero byte of v ^ '"'..., a byte of v below 0x20) */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');
            if (((q - ones) & ~q & highs) | ((bs - ones) & ~bs & highs) | ((v - ones * 0x20) & ~v & highs)) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        rc = fp_buf_append(b, s + start, i - start);
        /* the escape built by hand: a sentence's closing line break is escaped per figure */
        static const char hex[] = "0123456789abcdef";
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t el = 2;
        if (c == '\n') esc[1] = 'n';
        else if (c == '\t') esc[1] = 't';
        else if (c == '\r') esc[1] = 'r';
        else if (c != '"' && c != '\\') esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15], el = 6;
        if (!rc) rc = fp_buf_append(b, esc, el);
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
