/* utf8: the character steps every normalize phase takes over UTF-8 text. */
#ifndef FP_UTF8_H
#define FP_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of the character starting with byte c (1 for a stray continuation byte). */
static inline size_t fp_utf8_len(unsigned char c) { return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

/* 1 when u (avail bytes left) starts with a well-formed character of three bytes, with its code
 * point in *cp; 0 when not. Asked at every character: four bytes are read as one word where
 * there are four and the machine is little-endian. */
static inline int fp_utf8_cjk3(const unsigned char *u, size_t avail, uint32_t *cp)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (avail >= 4) {
        uint32_t w;
        memcpy(&w, u, 4);
        if ((w & 0xC0C0F0u) != 0x8080E0u) return 0;
        *cp = (w & 0x0F) << 12 | (w >> 8 & 0x3F) << 6 | (w >> 16 & 0x3F);
        return 1;
    }
#endif
    if (avail < 3 || (u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80) return 0;
    *cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    return 1;
}

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
