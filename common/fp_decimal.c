#include "fp_decimal.h"
#include "fp_err.h"

#include <stdio.h>
#include <string.h>

int fp_dec_parse(const char *s, size_t len, fp_dec *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    int64_t ip = 0, fp = 0;
    int nd = 0, fd = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
        if (ip > (INT64_MAX / FP_DEC_SCALE - 9) / 10) return FP_ERANGE;
        ip = ip * 10 + (s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (fd < FP_DEC_DIGITS) fp = fp * 10 + (s[i] - '0'), fd++;
            else if (s[i] != '0') return FP_ERANGE;
        }
    }
    if (i != len || (nd == 0 && fd == 0)) return FP_EINVAL;
    for (; fd < FP_DEC_DIGITS; fd++) fp *= 10;
    int64_t v = ip * FP_DEC_SCALE + fp;
    *out = neg ? -v : v;
    return FP_OK;
}

int fp_dec_format(fp_dec v, char *buf, size_t cap)
{
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    uint64_t ip = a / FP_DEC_SCALE, fr = a % FP_DEC_SCALE;
    /* built by hand, as snprintf("%s%llu.%04u") with the fraction's trailing zeros cut would:
     * it is called per figure written */
    char t[32];
    size_t i = sizeof t;
    if (fr) {
        int keep = 4;
        while (fr % 10 == 0) fr /= 10, keep--;
        for (int k = 0; k < keep; k++) t[--i] = (char)('0' + fr % 10), fr /= 10;
        t[--i] = '.';
    }
    do t[--i] = (char)('0' + ip % 10); while (ip /= 10);
    if (v < 0) t[--i] = '-';
    size_t n = sizeof t - i;
    if (cap) {
        size_t c = n < cap ? n : cap - 1;
        memcpy(buf, t + i, c);
        buf[c] = '\0';
    }
    return (int)n;
}

int fp_dec_add(fp_dec *acc, fp_dec v)
{
    if (__builtin_add_overflow(*acc, v, acc)) return FP_ERANGE;
    return FP_OK;
}

int fp_dec_scale(fp_dec *v, int64_t num, int64_t den)
{
    __int128 x = (__int128)*v * num;
    if (den == 0 || x % den) return FP_ERANGE;
    x /= den;
    if (x > INT64_MAX || x < INT64_MIN) return FP_ERANGE;
    *v = (int64_t)x;
    return FP_OK;
}
