/* relations: how a figure stands to what it measures -- total, part,
 * change, per unit or plan -- from the words of its clause and sentence. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

/* 1 when a word of cue class `cue` within t[from..to) covers t[a..b) (雨露计划 covers its 计划). */
static int inside_word(const doc *d, int cue, size_t from, size_t to, size_t a, size_t b)
{
    size_t lo = a >= from + 12 ? a - 12 : from, hi = b + 12 <= to ? b + 12 : to;
    while (lo < hi && ((unsigned char)d->t[lo] & 0xC0) == 0x80) lo++;
    for (size_t q = lo, wl; q < hi;) {
        long o = cue_first(d, cue, q, hi, &wl);
        if (o < 0) return 0;
        size_t w = q + (size_t)o;
        if (w <= a && w + wl >= b) return 1;
        q = w + fp_utf8_len((unsigned char)d->t[w]);
    }
    return 0;
}

/* 1 when t[from..to) holds a plan word that plans: not inside a title
 * (《…规划》) and not a noun that ends its phrase (制定了…行动计划，; 规划等). */
static int plans_in(const doc *d, size_t from, size_t to)
{
    for (size_t p = from; p < to;) {
        size_t wl;
        long o = cue_first(d, CUE_PLAN, p, to, &wl);
        if (o < 0) return 0;
        size_t at_ = p + (size_t)o, after = at_ + wl;
        if (inside_word(d, CUE_PLAN_NOT, from, to, at_, after)) {
            p = after;
            continue;
        }
        int in_title = 0;
        for (size_t q = from; q < at_; q += fp_utf8_len((unsigned char)d->t[q])) {
            if (at(d->t, d->len, q, "《")) in_title = 1;
            else if (at(d->t, d->len, q, "》")) in_title = 0;
        }
        int noun = after >= d->len || clause_mark(d->t, d->len, after) || at(d->t, d->len, after, "》") ||
                   at(d->t, d->len, after, "、") || at(d->t, d->len, after, "等") || at(d->t, d->len, after, "和");
        if (!in_title && !noun) return 1;
        p = after;
    }
    return 0;
}

int sentence_has_plan(const doc *d, size_t s)
{
    return plans_in(d, d->sent[s].start, d->sent[s].end);
}

int heading_plans(const doc *d, size_t s)
{
    size_t a = d->sent[s].start, e = d->sent[s].end, wl;
    if (!heading_line(d, s)) return 0;
    int plans = sentence_has_plan(d, s) || fp_words_first(&d->x->lx.cues[CUE_PLAN_HEADING], d->t + a, e - a, &wl) >= 0;
    return plans && cue_first(d, CUE_PROGRESS, a, e, NULL) < 0;
}

/* 1 when d->t[a..b) holds a per_unit word that does not start a per_unit_not
 * word (标准 but not 标准化). */
static int has_per_unit(const doc *d, size_t a, size_t b)
{
    size_t wl;
    for (size_t i = a; i < b;) {
        long off = cue_first(d, CUE_PER_UNIT, i, b, &wl);
        if (off < 0) return 0;
        size_t at_ = i + (size_t)off;
        if (!fp_words_prefix(&d->x->lx.cues[CUE_PER_UNIT_NOT], d->t + at_, b - at_)) return 1;
        i = at_ + wl;
    }
    return 0;
}

/* has_prior_figure: a figure stands before this one in its sentence (it
 * ended at prior_end); prev_sentence_figure: the sentence before, in the
 * same paragraph, has one (a whole that 其中 or 包括 opening this sentence
 * breaks down). */
void pick_relation(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, int has_prior_figure,
                          size_t prior_end, int prev_sentence_figure)
{
    const fp_lexicon *lx = &d->x->lx;
    const char *t = d->t;
    c->relation = "total";
    /* 500元/人 and 500元每人 are per person, but 干部1175人每人落实5户 counts the
     * persons the next figure is per: a count of people or households is never
     * per unit by a word after it */
    int counts_units = !strcmp(c->unit_name, "person") || !strcmp(c->unit_name, "household");
    /* where per_unit and change or plan both fit, per_unit wins (GUIDE.md): 人均可支配收入增长9%,
     * 预计实现农村居民人均可支配收入9800元 */
    if (has_per_unit(d, cstart, c->start) || cue_suffix(d, CUE_PER_UNIT_ADJACENT, cstart, c->start) ||
        (!counts_units && fp_words_prefix(&lx->cues[CUE_PER_UNIT_AFTER], t + c->end, cend - c->end))) {
        c->relation = "per_unit";
        c->target = plans_in(d, cstart, c->start);
        return;
    }
    size_t wl;
    long ch = cue_last(d, CUE_CHANGE, cstart, c->start, &wl);
    long to = cue_last(d, CUE_CHANGE_TO, cstart, c->start, NULL);
    /* 确保今年减少贫困人口140万人: a target that is a change is a plan */
    long pl = cue_last(d, CUE_PLAN_OVER_CHANGE, cstart, c->start, NULL);
    if (ch >= 0 && !(to >= 0 && to >= ch) && !(pl >= 0 && pl < ch)) {
        c->relation = "change";
        return;
    }
    if (!strcmp(c->unit_name, "pct_point")) {
        c->relation = "change";
        return;
    }
    /* 占年度计划的122%: the plan is the share's base */
    size_t plan_end = c->start;
    if (!strcmp(c->unit_name, "percent")) {
        long z = cue_last(d, CUE_SHARE_OF, cstart, c->start, NULL);
        if (z >= 0) plan_end = cstart + (size_t)z;
    }
    /* …和计划年内脱贫摘帽旗县，已开工2.95万户: a plan named in an earlier
     * clause does not reach a figure its own clause reports as done */
    if (plans_in(d, sstart, plan_end) &&
        (plans_in(d, cstart, plan_end) || cue_first(d, CUE_PROGRESS, cstart, c->start, NULL) < 0)) {
        c->relation = "plan";
        return;
    }
    /* a figure of a year after the report's (明年…) is not yet an outcome */
    if (d->year && c->year > d->year) {
        c->relation = "plan";
        return;
    }
    size_t from = has_prior_figure ? prior_end : sstart;
    long p = cue_last(d, CUE_PART, from, c->start, NULL);
    long q = cue_last(d, CUE_PART_LIST, from, c->start, &wl);
    if ((p >= 0 || q >= 0) && has_prior_figure) c->relation = "part";
    /* 全村117户贫困户已有116户脱贫: within the clause of the figure before */
    else if (has_prior_figure && prior_end > cstart && cue_last(d, CUE_PART_IN_CLAUSE, prior_end, c->start, NULL) >= 0)
        c->relation = "part";
    else if (prev_sentence_figure && cue_first(d, CUE_PART_OF_BEFORE, sstart, c->start, NULL) >= 0)
        c->relation = "part";
    /* 包括29户贫困户在内的33户: the part stands before its whole */
    else if (q >= 0 && from + (size_t)q >= cstart &&
             cue_first(d, CUE_PART_AROUND, c->end, cend, NULL) >= 0)
        c->relation = "part";
}
