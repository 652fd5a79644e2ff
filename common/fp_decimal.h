/* fp_decimal: exact decimal values as fixed-point integers.
 *
 * Invariant: a value v is stored as the int64 v * 10^4 (FP_DEC_SCALE), so
 * 0.11亿元 is 110000000000 exactly and sums never drift. The range is
 * +-922 337 203 685 (9.2e14), well above any sum a report states; an
 * operation that would leave it returns FP_ERANGE instead of wrapping. */
#ifndef FP_DECIMAL_H
#define FP_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define FP_DEC_SCALE 10000
#define FP_DEC_DIGITS 4

typedef int64_t fp_dec;

/* Parses a plain decimal ("940000000", "0.04", "-3.5"). More than four
 * fraction digits is FP_ERANGE unless they are zeros. */
int fp_dec_parse(const char *s, size_t len, fp_dec *out);
/* Writes the shortest plain form ("940000000", "0.04") into buf; returns length. */
int fp_dec_format(fp_dec v, char *buf, size_t cap);
/* *acc += v, FP_ERANGE on overflow. */
int fp_dec_add(fp_dec *acc, fp_dec v);
/* *v = *v * num / den exactly, FP_ERANGE if it overflows or is not exact to 4 digits. */
int fp_dec_scale(fp_dec *v, int64_t num, int64_t den);

#endif
