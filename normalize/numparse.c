#include "numparse.h"
#include "fp_err.h"

#include <string.h>

/* Chinese numeral characters: digit values 0-9, or unit values 10..1e8 (as negative powers). */
typedef struct {
    const char *ch;
    int digit; /* -1 if a unit */
    int power; /* 1 十, 2 百, 3 千, 4 万, 8 亿 */
} cn;

static const cn cns[] = {
    {"零", 0, 0}, {"〇", 0, 0}, {"一", 1, 0}, {"二", 2, 0}, {"两", 2, 0}, {"三", 3, 0}, {"四", 4, 0},
    {"五", 5, 0}, {"六", 6, 0}, {"七", 7, 0}, {"八", 8, 0}, {"九", 9, 0}, {"壹", 1, 0}, {"贰", 2, 0},
    {"叁", 3, 0}, {"肆", 4, 0}, {"伍", 5, 0}, {"陆", 6, 0}, {"柒", 7, 0}, {"捌", 8, 0}, {"玖", 9, 0},
    {"十", -1, 1}, {"拾", -1, 1}, {"百", -1, 2}, {"佰", -1, 2}, {"千", -1, 3}, {"仟", -1, 3},
    {"万", -1, 4}, {"亿", -1, 8},
};

static const cn *cn_at(const char *s, size_t n)
{
    /* every numeral character's UTF-8 starts with a byte in E3..E9 */
    if (n < 3 || (unsigned char)s[0] < 0xE3 || (unsigned char)s[0] > 0xE9) return NULL;
    /* The low six bits of the second and third bytes tell the numerals apart
     * (no two share them): one table lookup, then one check. Filled once;
     * filling it twice from two threads writes the same bytes. */
    static unsigned char slot[4096];
    static int filled;
    if (!filled) {
        for (size_t i = 0; i < sizeof cns / sizeof cns[0]; i++)
            slot[((unsigned char)cns[i].ch[1] & 0x3F) << 6 | ((unsigned char)cns[i].ch[2] & 0x3F)] = (unsigned char)(i + 1);
        filled = 1;
    }
    unsigned k = slot[((unsigned char)s[1] & 0x3F) << 6 | ((unsigned char)s[2] & 0x3F)];
    if (!k) return NULL;
    const cn *c = &cns[k - 1];
    return s[0] == c->ch[0] && s[1] == c->ch[1] && s[2] == c->ch[2] ? c : NULL;
}

/* Byte length of a digit at s (ASCII 1, full-width 3), its value in *d. */
static size_t digit_at(const char *s, size_t n, int *d)
{
    if (n >= 1 && s[0] >= '0' && s[0] <= '9') {
        *d = s[0] - '0';
        return 1;
    }
    /* Full-width ０-９: EF BC 90 .. EF BC 99 */
    if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBC && (unsigned char)s[2] >= 0x90 &&
        (unsigned char)s[2] <= 0x99) {
        *d = (unsigned char)s[2] - 0x90;
        return 3;
    }
    return 0;
}

static int starts(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    return n >= l && memcmp(s, w, l) == 0;
}

int fp_num_starts(const char *s, size_t n)
{
    int d;
    if (digit_at(s, n, &d)) return 1;
    const cn *c = cn_at(s, n);
    return c && (c->digit > 0 || c->power == 1 || c->digit == 0);
}

/* A multiplier character that is really the start of a unit word. */
static int unit_follows(const char *s, size_t n)
{
    return starts(s, n, "千米") || starts(s, n, "千瓦") || starts(s, n, "千克") || starts(s, n, "千伏") ||
           starts(s, n, "百分") || starts(s, n, "千帕");
}

static int mul(fp_dec *v, int power)
{
    int64_t f = 1;
    for (int i = 0; i < power; i++) f *= 10;
    return fp_dec_scale(v, f, 1);
}

/* Chinese numeral: classic section algorithm. Returns bytes used (0: none). */
static size_t parse_chinese(const char *s, size_t n, fp_dec *out)
{
    int64_t total = 0, section = 0, digit = -1;
    size_t i = 0;
    int any = 0;
    while (i < n) {
        const cn *c = cn_at(s + i, n - i);
        if (!c) break;
        if (c->digit < 0 && c->power <= 3 && unit_follows(s + i, n - i)) break;
        if (c->digit >= 0) {
            if (digit >= 0 && digit != 0 && c->digit != 0) {
                /* 一二 side by side is not a number we read (ranges like 三四十 are rare). */
                break;
            }
            digit = c->digit;
        } else if (c->power < 4) {
            int64_t p = 1;
            for (int k = 0; k < c->power; k++) p *= 10;
            section += (digit < 0 ? 1 : digit) * p;
            digit = -1;
        } else {
            int64_t p = c->power == 4 ? 10000 : 100000000;
            section += digit > 0 ? digit : 0;
            if (section == 0 && total == 0) section = 1;
            if (c->power == 8) {
                total = (total + section) * p;
            } else {
                total += section * p;
            }
            section = 0;
            digit = -1;
        }
        any = 1;
        i += 3;
        if (total > 100000000000000LL) return 0;
    }
    if (!any) return 0;
    if (digit > 0) section += digit;
    total += section;
    *out = total * FP_DEC_SCALE;
    return i;
}

int fp_num_parse(const char *s, size_t n, fp_num *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    int d;
    if (digit_at(s, n, &d)) {
        char buf[64];
        size_t bl = 0;
        for (;;) {
            size_t l = digit_at(s + i, n - i, &d);
            if (l) {
                if (bl >= sizeof buf - 2) return FP_ERANGE;
                buf[bl++] = (char)('0' + d);
                i += l;
                out->digits++;
                continue;
            }
            /* Thousands separator: exactly three digits follow. */
            size_t sl = (i < n && s[i] == ',') ? 1 : starts(s + i, n - i, "，") ? 3 : 0;
            if (sl && out->digits > 0 && out->digits <= 3 + 3 * out->has_sep * 10) {
                int k = 0, dd;
                size_t j = i + sl;
                while (k < 4) {
                    size_t l2 = digit_at(s + j, n - j, &dd);
                    if (!l2) break;
                    j += l2;
                    k++;
                }
                if (k == 3) {
                    out->has_sep = 1;
                    i += sl;
                    continue;
                }
            }
            break;
        }
        size_t pl = (i < n && s[i] == '.') ? 1 : starts(s + i, n - i, "．") ? 3 : 0;
        if (pl && digit_at(s + i + pl, n - i - pl, &d)) {
            buf[bl++] = '.';
            i += pl;
            while ((pl = digit_at(s + i, n - i, &d))) {
                if (bl >= sizeof buf - 1) return FP_ERANGE;
                buf[bl++] = (char)('0' + d);
                i += pl;
            }
        }
        if (fp_dec_parse(buf, bl, &out->value)) return FP_ERANGE;
        out->arabic = 1;
        /* A Chinese unit of magnitude after Arabic digits: 1.2万, 3千, 5百. */
        const cn *c = cn_at(s + i, n - i);
        if (c && c->digit < 0 && c->power >= 2 && c->power <= 3 && !unit_follows(s + i, n - i)) {
            if (mul(&out->value, c->power)) return FP_ERANGE;
            i += 3;
            out->chinese = 1;
        }
    } else {
        size_t l = parse_chinese(s, n, &out->value);
        if (!l) return FP_EINVAL;
        /* parse_chinese folds 万 and 亿 itself; back off a trailing one so the
         * common path below handles 多/余 before it the same way. */
        i = l;
        out->chinese = 1;
        out->len = i;
        goto magnitude_done;
    }
    /* 多 / 余 before the magnitude: 20多万, 3万余 is handled by the caller. */
    if (starts(s + i, n - i, "多") || starts(s + i, n - i, "余")) {
        const char *after = s + i + 3;
        size_t an = n - i - 3;
        if (starts(after, an, "万") || starts(after, an, "亿")) {
            out->more = 1;
            i += 3;
        }
    }
    for (;;) {
        if (starts(s + i, n - i, "万亿")) {
            if (mul(&out->value, 12)) return FP_ERANGE;
            out->mag += 12;
            i += 6;
        } else if (starts(s + i, n - i, "万")) {
            if (mul(&out->value, 4)) return FP_ERANGE;
            out->mag += 4;
            i += 3;
        } else if (starts(s + i, n - i, "亿")) {
            if (mul(&out->value, 8)) return FP_ERANGE;
            out->mag += 8;
            i += 3;
        } else {
            break;
        }
        out->chinese = 1;
    }
    out->len = i;
magnitude_done:
    if (!out->arabic) {
        /* 三百多万: 多/余 then 万/亿 after a Chinese numeral. */
        if ((starts(s + i, n - i, "多") || starts(s + i, n - i, "余")) &&
            (starts(s + i + 3, n - i - 3, "万") || starts(s + i + 3, n - i - 3, "亿"))) {
            out->more = 1;
            if (mul(&out->value, starts(s + i + 3, n - i - 3, "万") ? 4 : 8)) return FP_ERANGE;
            i += 6;
        }
        out->len = i;
    }
    return FP_OK;
}
