/* figures: a number at a position with its unit, counter and qualifiers
 * (9.4亿元, 5600余户, 2895人次, 近3万元), and the households or people it counts. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

int is_household_context(const doc *d, const cand *c, size_t cstart, size_t cend, size_t prior_end)
{
    const fp_words *hn = &d->x->lx.cues[CUE_HOUSEHOLD_NOUN];
    /* 6名建档立卡户 counts households, but 217户429名贫困户 counts the people of the households before it */
    if (fp_words_prefix(hn, d->t + c->num_end, cend - c->num_end))
        return strcmp(c->unit_name, "person") || prior_end != c->start;
    /* 农户200多个: the noun just before a number of 个; 贫困户2895人 counts people */
    return !strcmp(c->unit_name, "count") && fp_words_suffix(hn, d->t + cstart, c->start - cstart) > 0;
}

/* The unit a noun of people or households implies at q, after any place
 * names and modifier words (万建档立卡贫困人口, 万科左后旗人民; a qualifier
 * such as 左右 may come first), or NULL. */
/* 1 when string s is lit: strcmp's answer, inline (asked a few times per number, where a call
 * to strcmp cost more than the compare) */
static inline int same_str(const char *s, const char *lit)
{
    size_t i = 0;
    while (lit[i] && s[i] == lit[i]) i++;
    return !lit[i] && !s[i];
}

static const fp_unit *implied_unit(const doc *d, size_t q)
{
    static const fp_unit person = {"", 0, "person", FP_DEC_SCALE, 0};
    static const fp_unit household = {"", 0, "household", FP_DEC_SCALE, 0};
    const fp_lexicon *lx = &d->x->lx;
    const char *t = d->t;
    size_t w = fp_words_prefix(&lx->cues[CUE_APPROX_AFTER], t + q, d->len - q);
    if (!w) w = fp_words_prefix(&lx->cues[CUE_AT_LEAST_AFTER], t + q, d->len - q);
    q += w;
    for (int steps = 0; steps < 4 && q < d->len; steps++) {
        /* the longest head wins over a modifier that starts it (贫困人口, 贫困) */
        size_t hp = fp_words_prefix(&lx->cues[CUE_IMPLIED_PERSON], t + q, d->len - q);
        size_t hh = fp_words_prefix(&lx->cues[CUE_IMPLIED_HOUSEHOLD], t + q, d->len - q);
        size_t mo = fp_words_prefix(&lx->cues[CUE_IMPLIED_MODIFIER], t + q, d->len - q);
        if ((hp || hh) && (hp > mo || hh > mo))
            return hp >= hh ? &person : &household;
        const int *cands;
        int nc;
        size_t pl = mo ? 0 : fp_gaz_match(d->x->gaz, t, d->len, q, &cands, &nc);
        if (!mo && !pl) return NULL;
        q += mo ? mo : pl;
    }
    return NULL;
}

int figure_at(doc *d, size_t pos, cand *c)
{
    const char *t = d->t;
    const fp_lexicon *lx = &d->x->lx;
    memset(c, 0, sizeof *c);
    size_t p = pos;
    int percent_prefix = 0, implied = 0;
    if (at(t, d->len, p, "百分之")) {
        percent_prefix = 1;
        p += 9;
    }
    fp_num n;
    if (fp_num_parse(t + p, d->len - p, &n)) return 0;
    size_t q = p + n.len;
    int more = n.more;
    fp_dec value = n.value;
    /* A range (3至5万元, 3-5万元) is one figure: its lower bound, at_least. */
    int range = 0;
    {
        size_t sep = at(t, d->len, q, "至") || at(t, d->len, q, "到") || at(t, d->len, q, "—") ? 3
                     : at(t, d->len, q, "-") || at(t, d->len, q, "~")                           ? 1
                                                                                               : 0;
        fp_num n2;
        /* (1.2万—1.5万人: both with the same multiplier, the first already scaled by it) */
        if (sep && fp_num_parse(t + q + sep, d->len - q - sep, &n2) == FP_OK && n2.arabic == n.arabic &&
            (!n.mag || n.mag == n2.mag)) {
            fp_dec lo = n.value;
            for (int k = 0; !n.mag && k < n2.mag && !fp_dec_scale(&lo, 10, 1); k++) {}
            if (lo <= n2.value) {
                value = lo;
                q = q + sep + n2.len;
                more |= n2.more;
                range = 1;
            }
        }
    }
    if (!more && (at(t, d->len, q, "多") || at(t, d->len, q, "余"))) {
        more = 1;
        q += 3;
    }
    /* 5.6 亿元, 8245 户: text laid out from a PDF puts one space between a
     * number and its multiplier or unit */
    if (n.arabic && !range && q + 1 < d->len && t[q] == ' ') {
        static const struct {
            const char *w;
            int64_t mul;
        } mags[] = {{"万亿", 1000000000000LL}, {"亿", 100000000LL}, {"万", 10000LL}};
        size_t r = q + 1;
        for (size_t k = 0; k < sizeof mags / sizeof mags[0] && !n.mag; k++)
            if (at(t, d->len, r, mags[k].w)) {
                if (fp_dec_scale(&value, mags[k].mul, 1)) return 0;
                n.mag = 1;
                r += strlen(mags[k].w);
            }
        if (r > q + 1 || fp_lexicon_unit(lx, t + r, d->len - r)) q = r;
    }
    /* 3.2 亿 元, 3.2亿 元: and one between the multiplier and the unit */
    if (n.arabic && n.mag && !range && q + 1 < d->len && t[q] == ' ' && fp_lexicon_unit(lx, t + q + 1, d->len - q - 1))
        q++;
    /* 3万余元: the multiplier came first */
    const fp_unit *u = NULL;
    if (percent_prefix) {
        static const fp_unit pct = {"%", 1, "percent", FP_DEC_SCALE, 0};
        u = &pct;
    } else if ((u = fp_lexicon_unit(lx, t + q, d->len - q))) {
        q += u->len;
    } else {
        /* 14.8万贫困人口: the noun after a number with 万 or 亿 tells its unit;
         * the figure is the number alone, and optional (GUIDE.md) */
        if (!n.mag || !n.arabic || range || !(u = implied_unit(d, q))) return 0;
        implied = 1;
    }
    /* Names, slogans and rhetoric: 五个一批, 四个不摘, 一座座. */
    if (n.chinese && !n.arabic) {
        if (value < 10 * FP_DEC_SCALE) return 0;
        if (fp_words_prefix(&lx->cues[CUE_NOT_AFTER], t + q, d->len - q)) return 0;
        if (at(t, d->len, q, "“") || at(t, d->len, q, "\"") || at(t, d->len, q, "《")) return 0;
    }
    /* 2个多小时, 3个月: a counter before a unit of time counts time, no figure */
    if (u->counter) {
        size_t r = q;
        if (at(t, d->len, r, "多") || at(t, d->len, r, "余") || at(t, d->len, r, "来")) r += 3;
        if (fp_words_prefix(&lx->cues[CUE_DURATION_AFTER], t + r, d->len - r)) return 0;
    }
    if (u->counter && q + u->len <= d->len && memcmp(t + q, u->word, u->len) == 0) return 0;
    if (u->counter && at(t, d->len, q, "一")) return 0;
    /* 个人 is "individual", 元旦 a holiday, 年度 a year. */
    if (same_str(u->word, "个") && at(t, d->len, q, "人")) return 0;
    if (same_str(u->word, "元") && (at(t, d->len, q, "旦") || at(t, d->len, q, "素"))) return 0;
    if (same_str(u->word, "度") && pos > 0 && ends_with(t, pos, "年")) return 0;
    fp_dec v = value;
    if (fp_dec_scale(&v, u->factor, FP_DEC_SCALE)) return 0;
    c->value = v;
    c->unit = u;
    copy_str(c->unit_name, sizeof c->unit_name, u->unit);
    if (u->counter) copy_str(c->counter, sizeof c->counter, u->word); /* 15 bytes at most, as %.15s did */
    c->num_start = pos;
    c->num_end = q;
    c->start = pos;
    c->end = q;
    c->chinese_only = n.chinese && !n.arabic;
    c->optional = implied;
    /* qualifier */
    c->qualifier = more || range ? "at_least" : "exact";
    size_t w;
    if ((w = fp_words_prefix(&lx->cues[CUE_AT_LEAST_AFTER], t + q, d->len - q))) {
        c->qualifier = "at_least";
        c->end = q + w;
    } else if ((w = fp_words_prefix(&lx->cues[CUE_AT_MOST_AFTER], t + q, d->len - q))) {
        c->qualifier = "at_most";
        c->end = q + w;
    } else if ((w = fp_words_prefix(&lx->cues[CUE_APPROX_AFTER], t + q, d->len - q))) {
        c->qualifier = "approx";
        c->end = q + w;
    }
    if (same_str(c->qualifier, "exact") || same_str(c->qualifier, "at_least")) {
        size_t from = pos >= 12 ? pos - 12 : 0;
        while (from < pos && ((unsigned char)t[from] & 0xC0) == 0x80) from++;
        if ((w = fp_words_suffix(&lx->cues[CUE_AT_MOST_BEFORE], t + from, pos - from))) c->qualifier = "at_most";
        else if ((w = fp_words_suffix(&lx->cues[CUE_AT_LEAST_BEFORE], t + from, pos - from)))
            c->qualifier = "at_least";
        else if (same_str(c->qualifier, "exact") &&
                 (w = fp_words_suffix(&lx->cues[CUE_APPROX_BEFORE], t + from, pos - from))) {
            c->qualifier = "approx";
            c->start = pos - w;
        }
    }
    return 1;
}
