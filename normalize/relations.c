/* relations: how a figure stands to what it measures -- total, part,
 * change, per unit or plan -- from the words of its clause and sentence. */
#define _GNU_SOURCE /* memmem */
#include "doc.h"
#include "planword.h"

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
        if (inside_word(d, CUE_PLAN_NOT, from, to, at_, after) ||
            (fp_words_prefix(&d->x->lx.cues[CUE_PLAN_OBTAIN], d->t + at_, wl) == wl &&
             cue_first(d, CUE_OBTAINED, after, to, NULL) >= 0)) {
            p = after; /* 雨露计划; 争取以工代赈资金1.35亿元 reports money secured */
            continue;
        }
        int in_title = 0;
        for (size_t q = from; q < at_; q += fp_utf8_len((unsigned char)d->t[q])) {
            if (at(d->t, d->len, q, "《")) in_title = 1;
            else if (at(d->t, d->len, q, "》")) in_title = 0;
        }
        int noun = after >= d->len || clause_mark(d->t, d->len, after) || fp_plan_noun_after(d->t, d->len, after, 0);
        /* 完成易地扶贫搬迁建设任务21.6万人: a plan its clause says was done reports an outcome */
        size_t cs = clause_start(d, from, at_);
        int done = cue_first(d, CUE_PLAN_DONE, cs, at_, NULL) >= 0;
        if (!in_title && !noun && !done) return 1;
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
 * ended at prior_end); prev_sentence_figure: 1 when the sentence before, in the
 * same paragraph, has one (a whole that 其中 or 包括 opening this sentence
 * breaks down), 2 when it is the last of the paragraph before (分市州看 may
 * break that down). */
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
    /* a figure of a year after the report's (明年…) is not yet an outcome, its growth neither, and
     * it is published as a target though no plan word stands by it (2020年，全县将投入扶贫资金5亿元，
     * 比今年增长20%) */
    if (d->year && c->year > d->year) {
        c->relation = "plan";
        c->target = 1;
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
    /* …计划脱贫93户，实际脱贫96户，贫困发生率降至0.42%: nor past a clause that reports done */
    size_t pl_from = sstart, pwl;
    long done = cstart > sstart ? cue_last(d, CUE_PROGRESS, sstart, cstart, &pwl) : -1;
    /* (but 计划今年完成…: a progress word its own clause plans reports nothing done) */
    if (done >= 0 && !plans_in(d, clause_start(d, sstart, sstart + (size_t)done), sstart + (size_t)done))
        pl_from = sstart + (size_t)done + pwl;
    if (plans_in(d, pl_from, plan_end) &&
        (plans_in(d, cstart, plan_end) || cue_first(d, CUE_PROGRESS, cstart, c->start, NULL) < 0)) {
        c->relation = "plan";
        return;
    }
    /* 剩余3655户危房将于2019年全部完成改造: what its own clause says will be done after it */
    if (c->end < cend && cue_first(d, CUE_PLAN_AFTER, c->end, cend, NULL) >= 0 &&
        cue_first(d, CUE_PROGRESS, cstart, c->start, NULL) < 0) {
        c->relation = "plan";
        c->target = 1;
        return;
    }

    size_t from = has_prior_figure ? prior_end : sstart;
    long p = cue_last(d, CUE_PART, from, c->start, NULL);
    long q = cue_last(d, CUE_PART_LIST, from, c->start, &wl);
    if ((p >= 0 || q >= 0) && has_prior_figure) c->relation = "part";
    /* 全村117户贫困户已有116户脱贫: within the clause of the figure before */
    else if (has_prior_figure && prior_end > cstart && cue_last(d, CUE_PART_IN_CLAUSE, prior_end, c->start, NULL) >= 0)
        c->relation = "part";
    else if (prev_sentence_figure == 1 && cue_first(d, CUE_PART_OF_BEFORE, sstart, c->start, NULL) >= 0)
        c->relation = "part";
    /* 分市州看，定西市减贫11.3万人 opening a paragraph breaks down the one before */
    else if (prev_sentence_figure && fp_words_prefix(&lx->cues[CUE_BREAKDOWN_OPEN], t + sstart, c->start - sstart))
        c->relation = "part";
    /* 包括29户贫困户在内的33户: the part stands before its whole */
    else if (q >= 0 && from + (size_t)q >= cstart &&
             cue_first(d, CUE_PART_AROUND, c->end, cend, NULL) >= 0)
        c->relation = "part";
}

/* 1 when the figure c is one channel of the year's exits (五个一批: 通过发展
 * 生产脱贫33368人，易地扶贫搬迁脱贫9536人，生态补偿脱贫3072人): its exit word
 * stands right before it after words of its own, and right before a number
 * in two more clauses of the sentence. Items told apart by a year or a place
 * (2016年脱贫2万人，2017年…; A县脱贫…，B县…) are each a whole, and so is the
 * whole that progress items follow (入库项目2204个，已实施项目1034个). */
static int kind_item(const doc *d, const cand *c, size_t cstart, size_t sstart, size_t send)
{
    if (strcmp(c->metric, "poverty_exit") || !c->cue_len || c->cue_len < 6 || c->cue_off + c->cue_len != c->start ||
        c->cue_off < cstart + 6)
        return 0;
    size_t y = first_year_from(d, cstart), m = first_mention_from(d, cstart);
    if ((y < d->ny && d->y[y].off < c->cue_off) || (m < d->nm && d->m[m].off < c->cue_off)) return 0;
    const char *w = d->t + c->cue_off;
    int items = 0;
    size_t last_clause = (size_t)-1;
    for (size_t q = sstart; q + c->cue_len <= send;) {
        const char *hit = memmem(d->t + q, send - q, w, c->cue_len);
        if (!hit) break;
        size_t o = (size_t)(hit - d->t), after = o + c->cue_len;
        size_t cs = clause_start(d, sstart, o);
        if (after < send && fp_num_starts(d->t + after, send - after) && cs != last_clause && o >= cs + 6) {
            if (cue_first(d, CUE_PROGRESS, cs, o, NULL) >= 0) return 0;
            items++;
            last_clause = cs;
        }
        q = after;
    }
    return items >= 3;
}

int pair_of_prior(const doc *d, const cand *c, const fig_context *fx)
{
    if (!fx->prior || !(c->start == fx->prior_end || (c->start == fx->prior_end + 1 && d->t[fx->prior_end] == ' ')))
        return 0;
    return (!strcmp(fx->prior_unit, "household") && !strcmp(c->unit_name, "person")) ||
           (!strcmp(fx->prior_unit, "person") && !strcmp(c->unit_name, "household"));
}

void relate_in_series(const doc *d, cand *c, fig_context *fx, size_t cstart)
{
    /* 分别增长160%、543%: an item of a series joined by 、 or 和
     * alone shares the relation its first item's cue gave */
    if (fx->prior && !strcmp(c->relation, "total") &&
        (!strcmp(fx->prior_relation, "change") || !strcmp(fx->prior_relation, "per_unit")) &&
        c->start == fx->prior_end + 3 && (at(d->t, d->len, fx->prior_end, "、") || at(d->t, d->len, fx->prior_end, "和")))
        c->relation = fx->prior_relation;
    /* The items after the first of a breakdown are parts too, while
     * they measure in one of its units and no ； closes the list;
     * a figure joined to a part by 、 alone (6户、34人) adds its unit. */
    /* ； closes the list, and so does the whole after 包括…在内 */
    if (find3(d->t + fx->prior_end, c->start - fx->prior_end, "；") ||
        cue_first(d, CUE_PART_AROUND, fx->prior_end, c->start, NULL) >= 0)
        fx->nrun = 0, fx->prior_part = 0;
    int in_run = 0;
    for (int k = 0; k < fx->nrun; k++) in_run |= !strcmp(fx->run[k], c->unit_name);
    int joined = fx->prior_part && ((c->start == fx->prior_end + 3 && at(d->t, d->len, fx->prior_end, "、")) ||
                                    pair_of_prior(d, c, fx)); /* 其中…3921户15530人 */
    /* 其中…，占年度计划的238.93%: a share is a ratio of its own, no item of the
     * breakdown before it (but 其中…占总金额的50% is one, in its own clause) */
    int share = !strcmp(c->unit_name, "percent") && cue_last(d, CUE_SHARE_OF, cstart, c->start, NULL) >= 0 &&
                cue_last(d, CUE_PART, cstart, c->start, NULL) < 0;
    if (share && !strcmp(c->relation, "part")) c->relation = "total";
    if (!strcmp(c->relation, "total") && (in_run || joined) && !share) c->relation = "part";
    if (!strcmp(c->relation, "part") && !in_run) {
        if (!joined || fx->nrun == 4) fx->nrun = 0;
        copy_str(fx->run[fx->nrun++], sizeof fx->run[0], c->unit_name);
    }
}

/* Past a clause's opening time phrase (截至11月底, 截止目前): where its words start; a when none. */
static size_t after_until(const doc *d, size_t a, size_t b)
{
    size_t n = fp_words_prefix(&d->x->lx.cues[CUE_UNTIL], d->t + a, b - a);
    if (!n) return a;
    for (size_t q = a + n, k = 0; q < b && k < 8; q += fp_utf8_len((unsigned char)d->t[q]), k++)
        if (fp_words_prefix(&d->x->lx.cues[CUE_UNTIL_END], d->t + q, b - q))
            return q + fp_words_prefix(&d->x->lx.cues[CUE_UNTIL_END], d->t + q, b - q);
    return a;
}

void relate_to_wholes(const doc *d, cand *c, fig_context *fx, int weak, size_t cstart, size_t sstart, size_t send)
{
    /* 已实施项目1034个, 完成投资3.1亿元: progress on a whole stated
     * before it in the sentence, in its unit, is a part of it -- if
     * it measures the same (结对1462个村…实施项目1459个 does not) */
    if (!strcmp(c->relation, "total")) {
        /* unit/counter: two strings of at most 15 bytes, so it fits */
        char key[32];
        size_t ul = strlen(c->unit_name), cl = strlen(c->counter);
        memcpy(key, c->unit_name, ul);
        key[ul] = '/';
        memcpy(key + ul + 1, c->counter, cl + 1);
        int of_whole = 0;
        for (int k = 0; k < fx->nwholes; k++)
            of_whole |= !strcmp(fx->wholes[k], key) && (weak || !strcmp(fx->whole_of[k], c->metric));
        if (of_whole && fp_words_prefix(&d->x->lx.cues[CUE_PROGRESS], d->t + after_until(d, cstart, c->start),
                                        c->start - after_until(d, cstart, c->start)))
            c->relation = "part";
        else if (fx->nwholes < 4)
            copy_str(fx->whole_of[fx->nwholes], sizeof fx->whole_of[0], c->metric),
                memcpy(fx->wholes[fx->nwholes++], key, sizeof key);
    }
    if (!strcmp(c->relation, "total") && kind_item(d, c, cstart, sstart, send)) c->relation = "part", c->own_measure = 1;
    fx->prior_part = !strcmp(c->relation, "part");
    fx->prior_relation = c->relation;
    copy_str(fx->prior_unit, sizeof fx->prior_unit, c->unit_name);
}
