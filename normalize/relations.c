/* relations: how a figure stands to what it measures -- total, part,
 * change, per unit or plan -- from the words of its clause and sentence. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

/* 1 when t[from..to) holds a plan word that plans: not inside a title
 * (《…规划》) and not a noun that ends its phrase (制定了…行动计划，; 规划等). */
static int plans_in(const doc *d, size_t from, size_t to)
{
    const fp_words *w = &d->x->lx.cues[CUE_PLAN];
    for (size_t p = from; p < to;) {
        size_t wl;
        long o = fp_words_first(w, d->t + p, to - p, &wl);
        if (o < 0) return 0;
        size_t at_ = p + (size_t)o, after = at_ + wl;
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

/* 1 when s[0..n) holds a per_unit word that does not start a per_unit_not
 * word (标准 but not 标准化). */
static int has_per_unit(const fp_lexicon *lx, const char *s, size_t n)
{
    size_t wl;
    for (size_t i = 0; i < n;) {
        long off = fp_words_first(&lx->cues[CUE_PER_UNIT], s + i, n - i, &wl);
        if (off < 0) return 0;
        size_t at_ = i + (size_t)off;
        if (!fp_words_prefix(&lx->cues[CUE_PER_UNIT_NOT], s + at_, n - at_)) return 1;
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
    size_t before_len = c->start - cstart;
    c->relation = "total";
    if (has_per_unit(lx, t + cstart, before_len) ||
        fp_words_suffix(&lx->cues[CUE_PER_UNIT_ADJACENT], t + cstart, before_len) ||
        fp_words_prefix(&lx->cues[CUE_PER_UNIT_AFTER], t + c->end, cend - c->end)) {
        c->relation = "per_unit";
        return;
    }
    size_t wl;
    long ch = fp_words_last(&lx->cues[CUE_CHANGE], t + cstart, before_len, &wl);
    long to = fp_words_last(&lx->cues[CUE_CHANGE_TO], t + cstart, before_len, NULL);
    /* 确保今年减少贫困人口140万人: a target that is a change is a plan */
    long pl = fp_words_last(&lx->cues[CUE_PLAN_OVER_CHANGE], t + cstart, before_len, NULL);
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
        long z = fp_words_last(&lx->cues[CUE_SHARE_OF], t + cstart, before_len, NULL);
        if (z >= 0) plan_end = cstart + (size_t)z;
    }
    if (plans_in(d, sstart, plan_end)) {
        c->relation = "plan";
        return;
    }
    /* a figure of a year after the report's (明年…) is not yet an outcome */
    if (d->year && c->year > d->year) {
        c->relation = "plan";
        return;
    }
    size_t from = has_prior_figure ? prior_end : sstart;
    long p = fp_words_last(&lx->cues[CUE_PART], t + from, c->start - from, NULL);
    long q = fp_words_last(&lx->cues[CUE_PART_LIST], t + from, c->start - from, &wl);
    if ((p >= 0 || q >= 0) && has_prior_figure) c->relation = "part";
    else if (prev_sentence_figure && fp_words_first(&lx->cues[CUE_PART_OF_BEFORE], t + sstart, c->start - sstart, NULL) >= 0)
        c->relation = "part";
    /* 包括29户贫困户在内的33户: the part stands before its whole */
    else if (q >= 0 && from + (size_t)q >= cstart &&
             fp_words_first(&lx->cues[CUE_PART_AROUND], t + c->end, cend - c->end, NULL) >= 0)
        c->relation = "part";
}
