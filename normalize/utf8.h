/* utf8: the character steps every normalize phase takes over UTF-8 text. */
#ifndef FP_UTF8_H
#define FP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the character starting with byte c (1 for a stray continuation byte). */
static inline size_t fp_utf8_len(unsigned char c) { return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

/* Start of the character before pos (0 at the start). */
static inline size_t fp_utf8_prev(const char *t, size_t pos)
{
    if (pos == 0) return 0;
    size_t p = pos - 1;
    while (p > 0 && ((unsigned char)t[p] & 0xC0) == 0x80) p--;
    return p;
}

/* The packed bytes of the character at s (n bytes available): a key for
 * first-character buckets; never 0 for text without NUL bytes. */
static inline uint32_t fp_utf8_key(const char *s, size_t n)
{
    size_t l = fp_utf8_len((unsigned char)s[0]);
    if (l > n) l = n;
    uint32_t k = 0;
    for (size_t i = 0; i < l; i++) k = k << 8 | (unsigned char)s[i];
    return k;
}

#endif
