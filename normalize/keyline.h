/* Key lines: a line that names a figure before a colon (出列贫困村：37个,
 * 财政专项扶贫资金：2.36亿元). Its colon is no clause break: the key is the
 * figure's own clause, as 出列贫困村37个 would be. */
#ifndef FP_KEYLINE_H
#define FP_KEYLINE_H

#include <stddef.h>
#include <string.h>

/* When t[cs-3..cs) is a full-width colon that ends a key standing alone at a
 * line's start (after a list number such as 1. or （一）, at most 15
 * characters, no other mark of a clause or sentence in it), the key's start;
 * else cs. */
static inline size_t fp_key_line_start(const char *t, size_t cs)
{
    if (cs < 6 || memcmp(t + cs - 3, "：", 3)) return cs;
    size_t q = cs - 3, chars = 0;
    while (q > 0 && t[q - 1] != '\n') {
        size_t p = q - 1;
        while (p > 0 && ((unsigned char)t[p] & 0xC0) == 0x80) p--;
        if (q - p == 3 && (!memcmp(t + p, "，", 3) || !memcmp(t + p, "。", 3) || !memcmp(t + p, "；", 3) ||
                           !memcmp(t + p, "：", 3) || !memcmp(t + p, "！", 3) || !memcmp(t + p, "？", 3)))
            return cs;
        if (t[p] == ',' || t[p] == ';' || t[p] == ':') return cs;
        if (++chars > 15) return cs;
        q = p;
    }
    return chars >= 2 ? q : cs;
}

#endif
