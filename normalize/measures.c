/* measures: what a figure measures -- its metric, from the cue words of its
 * clause (metrics.tsv), and its label. */
#define _GNU_SOURCE /* memmem */

#include "doc.h"
#include "keyline.h"

#include <stdlib.h>
#include <string.h>

#define WEAK_BEFORE 40 /* bytes: a weak cue counts as if this much further away */

#define GENERIC_BEFORE 7 /* bytes: generic money words yield to a word before them */
/* Where each metric's cue words stand around a figure, from one scan. */
typedef struct {
    long first_before, last_before, first_after; /* offsets from the scan's start, -1 = none */
    size_t lb_len, fa_len;
} cue_pos;

typedef struct {
    cue_pos *p;
    size_t fig_start, fig_end, end; /* the figure and the range's end, relative to the scan's start */
    const char *base;               /* the scan's start */
    size_t cover_start, cover_end;  /* the longest cue word seen so far that ends last */
    int titled;                     /* the range holds a 《 */
    uint64_t seen;                  /* bit m: p[m] was set up in this scan (its metric was met) */
} cue_scan;

/* 1 when base[off] stands inside a title (《扶贫对象识别规范》): an open 《
 * before it, within its clause's reach, that no 》 closed. */
static int in_title(const char *base, size_t off)
{
    for (size_t q = off, n = 0; q >= 3 && n < 300; q--, n++) {
        if (!memcmp(base + q - 3, "》", 3)) return 0;
        if (!memcmp(base + q - 3, "《", 3)) return 1;
    }
    return 0;
}

static void on_cue(int tag, size_t off, size_t len, void *ud)
{
    cue_scan *s = ud;
    cue_pos *c = &s->p[tag];
    if (!(s->seen >> tag & 1)) { /* first met: set up here, not all metrics at every scan */
        c->first_before = c->last_before = c->first_after = -1;
        s->seen |= 1ULL << tag;
    }
    /* a document's name says what it is about, not what a figure measures */
    if (s->titled && in_title(s->base, off)) return;
    /* a word inside a longer cue word begun before it is part of that word (吸纳安置 is not 安置) */
    if (off > s->cover_start && off + len <= s->cover_end) return;
    if (off + len > s->cover_end) s->cover_start = off, s->cover_end = off + len;
    if (off + len <= s->fig_start) {
        if (c->first_before < 0) c->first_before = (long)off;
        c->last_before = (long)off, c->lb_len = len;
    } else if (off >= s->fig_end && off + len <= s->end && c->first_after < 0) {
        c->first_after = (long)off, c->fa_len = len;
    }
}

/* Scans t[from..to) for the metrics' cue words around the figure
 * t[fig_start..fig_end): returns the metrics met (bit m), whose p[m] are
 * set (-1 where a side has none); the others' p[] are left alone, as a
 * metric not met has no cue word on any side. */
static uint64_t scan_cues(const fp_lexicon *lx, const char *t, size_t from, size_t fig_start, size_t fig_end, size_t to,
                          cue_pos *p)
{
    cue_scan s = {p, fig_start - from, fig_end - from, to - from, t + from, 0, 0, find3(t + from, to - from, "《") != NULL, 0};
    fp_cue_scan(&lx->cues_ix, t + from, to - from, on_cue, &s);
    return s.seen;
}

/* The lowest bit set in m (m != 0), as a metric's index. */
static inline int lowest_metric(uint64_t m)
{
#if defined(__GNUC__)
    return __builtin_ctzll(m);
#else
    int i = 0;
    while (!(m >> i & 1)) i++;
    return i;
#endif
}

/* Where the thing counted after a figure may stand: its clause, and when
 * only 、 and another figure follow (2200余户、8600余位农牧民完成搬迁), that
 * figure's clause too: items of a list with no noun of their own share
 * the noun after the last. */
static size_t after_end(const doc *d, size_t fig_end, size_t cend, size_t send)
{
    if (fig_end != cend) return cend; /* 234个乡镇、438个…: its own noun follows it */
    for (int k = 0; k < 3 && cend + 3 < send && at(d->t, d->len, cend, "、") &&
                    fp_num_starts(d->t + cend + 3, send - cend - 3);
         k++)
        cend = clause_end(d, send, cend + 3);
    return cend;
}

/* 1 when the cue word at off starts a group_noun (脱贫户, 脱贫人口) that an object_verb before it in
 * its clause governs (为4户脱贫户每户分红, 支持脱贫户8.9万户): the group names who was reached,
 * not what was measured, so its word says nothing of the metric. */
static int group_object(const doc *d, size_t cstart, size_t off)
{
    const fp_lexicon *lx = &d->x->lx;
    if (!fp_words_prefix(&lx->cues[CUE_GROUP_NOUN], d->t + off, d->len - off)) return 0;
    return off > cstart && cue_first(d, CUE_OBJECT_VERB, cstart, off, NULL) >= 0;
}

/* Returns 1 when the metric rests on a weak cue or none (a part may then
 * take its whole's). */
int pick_metric(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, size_t send)
{
    const fp_lexicon *lx = &d->x->lx;
    int best = -1;
    long best_dist = 1 << 30;
    size_t best_off = 0, best_len = 0;
    /* Money is spent, earned, lent or given: a unit limits what its figure can measure. */
    const fp_unit_metrics *um = fp_lexicon_unit_metrics(lx, c->unit_name, c->counter);
    cue_pos pos[64];
    /* the loops below go over the metrics met, in order: one not met has no cue word to weigh */
    uint64_t met = scan_cues(lx, d->t, cstart, c->start, c->end, after_end(d, c->end, cend, send), pos);
    /* The first word of the clause before the figure that is not a noun of
     * people: a verb there (培训, 带动) governs the nouns after it. */
    long governor = -1;
    for (uint64_t m = met; m; m &= m - 1) {
        int mi = lowest_metric(m);
        if ((um && !(um->allowed >> mi & 1)) || mi == lx->m_poor || mi == lx->m_personnel) continue;
        long g = pos[mi].first_before;
        if (g >= 0 && (governor < 0 || g < governor)) governor = g;
    }
    for (uint64_t m = met; m; m &= m - 1) {
        int mi = lowest_metric(m);
        if (um && !(um->allowed >> mi & 1)) continue;
        /* The thing counted, right after the figure, weighs most. */
        long a = pos[mi].first_after;
        /* 为4户脱贫户每户分红: a group reached is who benefits */
        int ma = a >= 0 && lx->m_benef >= 0 && group_object(d, cstart, cstart + (size_t)a) ? lx->m_benef : mi;
        if (a >= 0 && (!um || um->allowed >> ma & 1)) {
            a -= (long)(c->end - cstart);
            /* 贫困户 after a number names who was counted, rarely what was
             * measured (带动5600户贫困户 is beneficiaries): a weak cue there. */
            long dist = mi != lx->m_poor ? a / 3 : 60 + a;
            if (dist < best_dist)
                best = ma, best_dist = dist, best_off = c->end + (size_t)a,
                best_len = ma == mi ? pos[mi].fa_len : fp_words_prefix(&lx->cues[CUE_GROUP_NOUN], d->t + best_off, d->len - best_off);
        }
        long b = pos[mi].last_before;
        if (b >= 0 && lx->m_benef >= 0 && group_object(d, cstart, cstart + (size_t)b)) {
            /* 支持脱贫户和监测户8.9万户 */
            long dist = (long)(c->start - (cstart + (size_t)b + pos[mi].lb_len));
            if ((!um || um->allowed >> lx->m_benef & 1) && dist < best_dist)
                best = lx->m_benef, best_dist = dist, best_off = cstart + (size_t)b,
                best_len = fp_words_prefix(&lx->cues[CUE_GROUP_NOUN], d->t + best_off, d->len - best_off);
            b = -1;
        }
        if (b >= 0) {
            size_t wl = pos[mi].lb_len;
            long dist = (long)(c->start - (cstart + (size_t)b + wl));
            /* 贫困户, 贫困人口 before a figure are mostly the object of a verb that
             * says what was measured (带动贫困户5600户, 培训贫困人口699人). */
            if (mi == lx->m_poor) dist += WEAK_BEFORE;
            /* 资金, 投入 say little of what money it is: a word before them
             * does (捐赠资金 is donation, 信贷资金 credit) */
            else if (mi == lx->m_funds) dist += GENERIC_BEFORE;
            /* so are 干部, 人才 after a verb (培训各级干部15802人次 is training) */
            else if (mi == lx->m_personnel && governor >= 0 && governor < b) dist += WEAK_BEFORE;
            if (dist < best_dist) best = mi, best_dist = dist, best_off = cstart + (size_t)b, best_len = wl;
        }
    }
    if (best < 0 && sstart < cstart && strcmp(c->unit_name, "count")) {
        /* Nothing in the clause: the sentence before it sets the topic (not for
         * counts of things: what they count is in their own clause, or other). */
        met = scan_cues(lx, d->t, sstart, cstart, cstart, cstart, pos);
        for (uint64_t m = met; m; m &= m - 1) {
            int mi = lowest_metric(m);
            if ((um && !(um->allowed >> mi & 1)) || pos[mi].last_before < 0) continue;
            long b = pos[mi].last_before;
            long dist = 1000 + (long)(cstart - (sstart + (size_t)b));
            if (dist < best_dist) best = mi, best_dist = dist, best_off = sstart + (size_t)b, best_len = pos[mi].lb_len;
        }
    }
    if (best >= 0 && best_off > sstart && fp_words_prefix(&lx->cues[CUE_TOPIC_VERB], d->t + best_off, best_len) == best_len) {
        /* 入住 says what its sentence's subject is (幸福院, 易地搬迁项目) */
        met = scan_cues(lx, d->t, sstart, best_off, best_off, best_off, pos);
        long first = -1;
        for (uint64_t m = met; m; m &= m - 1) {
            int mi = lowest_metric(m);
            if ((um && !(um->allowed >> mi & 1)) || mi == lx->m_poor || pos[mi].first_before < 0) continue;
            if (first < 0 || pos[mi].first_before < first) first = pos[mi].first_before, best = mi;
        }
    }
    c->metric = best >= 0 ? lx->metrics[best].name : um && um->fallback >= 0 ? lx->metrics[um->fallback].name : "other";
    if (!strcmp(c->unit_name, "percent") && strcmp(c->relation, "change")) c->metric = "rate";
    if (best >= 0) {
        /* The label: the cue word with up to sixteen characters of the phrase before it, not
         * over a label_stop word (扶持贫困户发展养殖, 新建标准化养殖暖棚; 带动就业 stops at 的) */
        size_t lo = best_off;
        /* not into a place or a year named before it (东乡族自治县投入资金, 2019年农民人均…) */
        size_t mi = first_mention_from(d, best_off), floor = mi > 0 ? d->m[mi - 1].end : 0;
        size_t yi = first_year_from(d, best_off);
        if (yi > 0 && d->y[yi - 1].off + d->y[yi - 1].len > floor) floor = d->y[yi - 1].off + d->y[yi - 1].len;
        const fp_words *stop = &lx->cues[CUE_LABEL_STOP];
        int k = 0;
        for (; k < 16 && lo > cstart && lo > sstart && lo > floor; k++) {
            size_t q = fp_utf8_prev(d->t, lo);
            if ((unsigned char)d->t[q] < 0x80 || clause_mark(d->t, d->len, q)) break;
            /* 2.36亿元（其中中央资金: not back over a bracket or a quotation mark */
            if (at(d->t, d->len, q, "（") || at(d->t, d->len, q, "）") || at(d->t, d->len, q, "“") ||
                at(d->t, d->len, q, "”") || at(d->t, d->len, q, "【") || at(d->t, d->len, q, "】"))
                break;
            if (fp_words_suffix(stop, d->t + cstart, lo - cstart)) break; /* a stop word ends at lo */
            lo = q;
        }
        if (lo >= c->start || best_off >= c->end) lo = best_off;
        /* 今年投入资金, 全县投入资金, 其中农业人口: words of time, of the whole
         * place and of a breakdown are no part of what is measured */
        static const int lead[] = {CUE_YEAR_THIS, CUE_YEAR_LAST, CUE_PLACE_WHOLE, CUE_PART, CUE_PLAN,
                                   CUE_PLACE_BACK_TOWNSHIP}; /* 确保 and 全镇 too */
        /* cut off by the length (其中全省易地扶贫搬迁…, from 中): start past a leading word inside */
        for (size_t q = lo, n = 0; k == 16 && q < best_off && n < 4; q += fp_utf8_len((unsigned char)d->t[q]), n++) {
            size_t w = 0;
            for (size_t j = 0; j < sizeof lead / sizeof lead[0] && !w; j++)
                w = fp_words_prefix(&lx->cues[lead[j]], d->t + q, best_off - q);
            if (w) {
                lo = q;
                break;
            }
        }
        /* 5个行政村新建标准化牛棚: not the places counted before it (个行政村) */
        if (lo > 0 && d->t[lo - 1] >= '0' && d->t[lo - 1] <= '9' && at(d->t, d->len, lo, "个")) {
            size_t w = 0;
            static const int places[] = {CUE_COUNTED_VILLAGE, CUE_COUNTED_TOWNSHIP, CUE_COUNTED_COUNTY};
            for (size_t j = 0; j < sizeof places / sizeof places[0] && !w; j++)
                w = fp_words_prefix(&lx->cues[places[j]], d->t + lo + 3, best_off - lo - 3);
            if (w && lo + 3 + w < best_off) lo += 3 + w;
        }
        for (size_t j = 0, w; j < sizeof lead / sizeof lead[0] && lo < best_off; j++)
            if ((w = fp_words_prefix(&lx->cues[lead[j]], d->t + lo, best_off - lo)) > 0) lo += w, j = (size_t)-1;
        c->label_off = lo;
        c->label_len = best_off + best_len - lo;
        c->cue_off = best_off;
        c->cue_len = best_len;
    }
    return best < 0 || best == lx->m_poor;
}

/* 1 when a number starts in d->t[a..b). */
static int figure_in(const doc *d, size_t a, size_t b)
{
    for (size_t q = a; q < b; q += fp_utf8_len((unsigned char)d->t[q]))
        if (fp_num_starts(d->t + q, b - q)) return 1;
    return 0;
}

/* 农村贫困人口呈持续快速下降趋势。从2010年末的1468万人减少至2015年末的471万人: a
 * sentence that opens on a from word (从, 由) has no subject of its own; the
 * last clause of the sentence before it, in the same paragraph, names what
 * its figures measure (its first cue word the unit allows). Sets c's metric
 * and label to that word and returns 1 when it did (the cue is weak: a part
 * may still take its whole's), else 0. */
static int topic_before(const doc *d, cand *c, size_t sstart)
{
    const fp_lexicon *lx = &d->x->lx;
    size_t s = sentence_of(d, sstart);
    if (!s || !fp_words_prefix(&lx->cues[CUE_FROM], d->t + sstart, c->start - sstart) || !strcmp(c->unit_name, "count"))
        return 0;
    size_t ps = d->sent[s - 1].start, pe = d->sent[s - 1].end;
    if (d->skip[s - 1] || heading_line(d, s - 1) || memchr(d->t + pe, '\n', sstart - pe) || pe <= ps) return 0;
    while (pe > ps && clause_mark(d->t, d->len, fp_utf8_prev(d->t, pe))) pe = fp_utf8_prev(d->t, pe); /* its 。 */
    if (pe <= ps) return 0;
    size_t a = clause_start(d, ps, pe - 1);
    const fp_unit_metrics *um = fp_lexicon_unit_metrics(lx, c->unit_name, c->counter);
    cue_pos pos[64];
    uint64_t seen = scan_cues(lx, d->t, a, pe, pe, pe, pos); /* pos holds the metrics seen only */
    int best = -1;
    for (uint64_t m = seen; m; m &= m - 1) {
        int mi = lowest_metric(m);
        if ((um && !(um->allowed >> mi & 1)) || pos[mi].first_before < 0) continue;
        if (best < 0 || pos[mi].first_before < pos[best].first_before) best = mi;
    }
    if (best < 0) return 0;
    c->metric = lx->metrics[best].name;
    c->label_off = c->cue_off = a + (size_t)pos[best].first_before;
    /* the first word's own length: scan_cues keeps the last word's */
    c->label_len = c->cue_len = fp_words_prefix(&lx->metrics[best].cues, d->t + c->cue_off, pe - c->cue_off);
    return 1;
}

int measure_figure(const doc *d, cand *c, const fig_context *fx, size_t cstart, size_t cend, size_t sstart,
                   size_t send)
{
    c->label_off = c->label_len = 0;
    /* 66个贫困县中已有58个县脱贫摘帽: a whole's metric is read
     * before the words that open its part */
    long pw = cue_first(d, CUE_PART, c->end, cend, NULL);
    long pc = cue_first(d, CUE_PART_IN_CLAUSE, c->end, cend, NULL); /* 117户贫困户已有116户脱贫 */
    if (pc >= 0 && (pw < 0 || pc < pw) && figure_in(d, c->end + (size_t)pc, cend))
        pw = pc; /* a figure follows in the clause: the part */
    /* 出列贫困村：37个: a key line's key is the figure's own clause */
    size_t ks = fp_key_line_start(d->t, cstart);
    if (ks < cstart && ks >= sstart) cstart = ks;
    int weak = pick_metric(d, c, cstart, pw >= 0 ? c->end + (size_t)pw : cend, sstart, send);
    if (!c->label_len && cstart == sstart) weak = topic_before(d, c, sstart) || weak;
    /* 建档立卡贫困户3921户15530人: the people are those households', measured as they are */
    if (pair_of_prior(d, c, fx))
        c->metric = fx->prior_metric, c->label_off = fx->prior_label_off, c->label_len = fx->prior_label_len;
    /* 提高到5547元，增幅14.3%: a change in percent with no cue in
     * its own clause measures the figure before it */
    if (fx->prior && !strcmp(c->unit_name, "percent") && !strcmp(c->relation, "change") &&
        (c->label_len == 0 || c->label_off < cstart)) {
        c->metric = fx->prior_metric, c->label_off = fx->prior_label_off, c->label_len = fx->prior_label_len;
        /* 3.2亿元（其中中央资金1.2亿元、省级资金0.8亿元），比上年增长15%: after a breakdown in brackets,
         * the whole's */
        if (fx->prior_part && fx->whole_label_len && find3(d->t + fx->prior_end, c->start - fx->prior_end, "）"))
            c->label_off = fx->whole_label_off, c->label_len = fx->whole_label_len;
    }
    return weak;
}

/* When the figure ending at end states a standard named after it in its
 * clause (2855元人民币的全国农村贫困标准, 2300元（2010年不变价）的农村扶贫标准):
 * 1, with *off and *len the standard's name (after 的, up to its word). */
static int states_standard(const doc *d, size_t end, size_t cend, size_t *off, size_t *len)
{
    const char *de = memmem(d->t + end, cend - end, "的", 3);
    if (!de) return 0;
    size_t a = (size_t)(de - d->t) + 3, lim = a + 8 * 3 < cend ? a + 8 * 3 : cend, wl;
    long o = cue_first(d, CUE_STANDARD, a, lim, &wl);
    if (o < 0 || fp_words_prefix(&d->x->lx.cues[CUE_PER_UNIT_NOT], d->t + a + (size_t)o, cend - a - (size_t)o))
        return 0; /* 道路标准化 is no standard */
    *off = a, *len = (size_t)o + wl;
    return 1;
}

void measure_in_context(const doc *d, cand *c, fig_context *fx, int weak, int counted, size_t cstart, size_t cend)
{
    /* places counted as where something happens (在57个贫困旗县实施…,
     * 向3694个贫困嘎查村派驻…) are the clause's scope, whatever it
     * does there: other (全市有贫困嘎查村280个 is a stock) */
    /* …and so are the places listed with them (向3694个贫困嘎查村和3008个非贫困嘎查村选派…) */
    int joined_item = 0;
    if (fx->prior && c->start >= fx->prior_end + 3 && c->start - fx->prior_end <= 30 &&
        (ends_with(d->t, c->start, "、") || ends_with(d->t, c->start, "和"))) {
        joined_item = 1; /* only a noun between: no clause ends before the 、 or 和 */
        for (size_t q = fx->prior_end; q < c->start - 3 && joined_item; q += fp_utf8_len((unsigned char)d->t[q]))
            joined_item = !clause_mark(d->t, d->len, q);
    }
    if (counted && (cue_suffix(d, CUE_SCOPE_BEFORE, cstart, c->start) || (joined_item && fx->prior_scope)))
        c->metric = "other", c->own_measure = 1;
    fx->prior_scope = counted && c->own_measure;
    /* 西吉县等9个贫困县区累计减贫8.6万人: places counted as the subject of a verb whose object is
     * another figure of the clause are measured by their own noun (a stock of poor places), not by
     * that verb; 9个贫困县全部摘帽 counts places the verb is about */
    if (counted && !c->own_measure && c->cue_len && c->cue_off >= c->end && figure_in(d, c->cue_off + c->cue_len, cend)) {
        const fp_lexicon *lx = &d->x->lx;
        size_t n = lx->m_poor >= 0 ? fp_words_prefix(&lx->metrics[lx->m_poor].cues, d->t + c->end, cend - c->end) : 0;
        c->metric = n ? "poor_population" : "other";
        c->label_off = c->cue_off = c->end, c->label_len = c->cue_len = n;
    }
    /* 31个国贫旗县的234个乡镇, 11个行政村的85户贫困户: places counted are
     * poor when their own noun says so (57个深度贫困旗县), not a poor
     * word elsewhere in the clause */
    if (counted && weak && !strcmp(c->metric, "poor_population") && c->cue_len &&
        (c->cue_off < c->end || c->cue_off > c->end + 12))
        c->metric = "other";
    /* a part with no cue of its own measures what its whole does
     * (覆盖农牧民5628户，其中贫困户2173户) */
    const fp_unit_metrics *um = fp_lexicon_unit_metrics(&d->x->lx, c->unit_name, c->counter);
    /* (a whole with no cue either, 共有农户480户，其中建档立卡贫困户98户, gives none) */
    /* (nor a whole that is a population, 共有农户480户: its poor part is poor) */
    if (!strcmp(c->relation, "part") && weak && fx->whole_metric >= 0 && fx->whole_label_len &&
        strcmp(c->metric, "rate") && (!um || um->allowed >> fx->whole_metric & 1) &&
        (strcmp(d->x->lx.metrics[fx->whole_metric].name, "other") || strcmp(c->metric, "poor_population"))) {
        c->metric = d->x->lx.metrics[fx->whole_metric].name;
        /* …搬迁安置群众32.54万人，其中建档立卡贫困人口22.51万人: and its label,
         * so its indicator is its whole's, not the one its own weak word names */
        c->label_off = fx->whole_label_off, c->label_len = fx->whole_label_len;
    }
    if (strcmp(c->relation, "part")) {
        fx->whole_label_off = c->label_off, fx->whole_label_len = c->label_len;
        fx->whole_metric = -1;
        for (int mi = 0; mi < d->x->lx.nmetrics; mi++)
            if (d->x->lx.metrics[mi].name[0] == c->metric[0] && !strcmp(d->x->lx.metrics[mi].name, c->metric))
                fx->whole_metric = mi; /* the first byte turns most names away without a call */
    }
    /* a figure that states a standard is that standard's, a measure of its own */
    size_t std_off, std_len;
    if (states_standard(d, c->end, cend, &std_off, &std_len))
        c->own_measure = 1, c->label_off = std_off, c->label_len = std_len;
    fx->prior_metric = c->metric;
    fx->prior_label_off = c->label_off, fx->prior_label_len = c->label_len;
}
