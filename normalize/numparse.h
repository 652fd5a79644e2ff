/* numparse: reads the number at the start of a UTF-8 string.
 *
 * Arabic digits (ASCII or full-width) with thousands separators (, ，) and a
 * decimal point; Chinese numerals (一 两 三 … 十 百 千 万 亿, 〇 零) and the
 * financial forms (壹 贰 叁 … 拾 佰 仟); mixed forms (1.2万, 3万, 两千万).
 * A trailing 万 / 亿 / 万亿 multiplier is folded in, unless the 千 / 百 is
 * the start of a unit (千米, 千瓦, 千克, 百分点). 多 / 余 between the number
 * and its multiplier (20多万) is reported in `approx_more`. */
#ifndef FP_NUMPARSE_H
#define FP_NUMPARSE_H

#include <stddef.h>

#include "fp_decimal.h"

typedef struct {
    fp_dec value;
    size_t len;       /* bytes consumed */
    int chinese;      /* written (at least partly) in Chinese numerals */
    int arabic;       /* has Arabic digits */
    int more;         /* 多 or 余 stood inside the number (20多万) */
    int digits;       /* count of Arabic integer digits */
    int has_sep;      /* had a thousands separator */
    int mag;          /* power of ten the trailing 万/亿 applied */
} fp_num;

/* Parses the number at s[0..n). Returns FP_OK, FP_EINVAL when no number
 * starts there, or FP_ERANGE when it does not fit fp_dec. */
int fp_num_parse(const char *s, size_t n, fp_num *out);
/* 1 when s[0..n) starts with a character that can begin a number. */
int fp_num_starts(const char *s, size_t n);

#endif
