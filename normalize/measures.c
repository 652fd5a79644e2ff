/* measures: what a figure measures -- its metric, from the cue words of its
 * clause (metrics.tsv), and its label. */
#define _GNU_SOURCE /* memmem */

#include "doc.h"

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

static void scan_cues(const fp_lexicon *lx, const char *t, size_t from, size_t fig_start, size_t fig_end, size_t to,
                      cue_pos *p)
{
    for (int i = 0; i < lx->nmetrics; i++) p[i].first_before = p[i].last_before = p[i].first_after = -1;
    cue_scan s = {p, fig_start - from, fig_end - from, to - from, t + from, 0, 0, find3(t + from, to - from, "《") != NULL};
    fp_cue_scan(&lx->cues_ix, t + from, to - from, on_cue, &s);
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
    scan_cues(lx, d->t, cstart, c->start, c->end, after_end(d, c->end, cend, send), pos);
    /* The first word of the clause before the figure that is not a noun of
     * people: a verb there (培训, 带动) governs the nouns after it. */
    long governor = -1;
    for (int mi = 0; mi < lx->nmetrics; mi++) {
        if ((um && !(um->allowed >> mi & 1)) || mi == lx->m_poor || mi == lx->m_personnel) continue;
        long g = pos[mi].first_before;
        if (g >= 0 && (governor < 0 || g < governor)) governor = g;
    }
    for (int mi = 0; mi < lx->nmetrics; mi++) {
        if (um && !(um->allowed >> mi & 1)) continue;
        /* The thing counted, right after the figure, weighs most. */
        long a = pos[mi].first_after;
        if (a >= 0) {
            a -= (long)(c->end - cstart);
            /* 贫困户 after a number names who was counted, rarely what was
             * measured (带动5600户贫困户 is beneficiaries): a weak cue there. */
            long dist = mi != lx->m_poor ? a / 3 : 60 + a;
            if (dist < best_dist) best = mi, best_dist = dist, best_off = c->end + (size_t)a, best_len = pos[mi].fa_len;
        }
        long b = pos[mi].last_before;
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
        scan_cues(lx, d->t, sstart, cstart, cstart, cstart, pos);
        for (int mi = 0; mi < lx->nmetrics; mi++) {
            if ((um && !(um->allowed >> mi & 1)) || pos[mi].last_before < 0) continue;
            long b = pos[mi].last_before;
            long dist = 1000 + (long)(cstart - (sstart + (size_t)b));
            if (dist < best_dist) best = mi, best_dist = dist, best_off = sstart + (size_t)b, best_len = pos[mi].lb_len;
        }
    }
    if (best >= 0 && best_off > sstart && fp_words_prefix(&lx->cues[CUE_TOPIC_VERB], d->t + best_off, best_len) == best_len) {
        /* 入住 says what its sentence's subject is (幸福院, 易地搬迁项目) */
        scan_cues(lx, d->t, sstart, best_off, best_off, best_off, pos);
        long first = -1;
        for (int mi = 0; mi < lx->nmetrics; mi++) {
            if ((um && !(um->allowed >> mi & 1)) || mi == lx->m_poor || pos[mi].first_before < 0) continue;
            if (first < 0 || pos[mi].first_before < first) first = pos[mi].first_before, best = mi;
        }
    }
    c->metric = best >= 0 ? lx->metrics[best].name : um && um->fallback >= 0 ? lx->metrics[um->fallback].name : "other";
    if (!strcmp(c->unit_name, "percent") && strcmp(c->relation, "change")) c->metric = "rate";
    if (best >= 0) {
        /* The label: the cue word with up to four characters of the phrase before it. */
        size_t lo = best_off;
        /* not into a place named right before it (东乡族自治县投入资金) */
        size_t mi = first_mention_from(d, best_off), floor = mi > 0 ? d->m[mi - 1].end : 0;
        for (int k = 0; k < 4 && lo > cstart && lo > sstart && lo > floor; k++) {
            size_t q = fp_utf8_prev(d->t, lo);
            if ((unsigned char)d->t[q] < 0x80 || clause_mark(d->t, d->len, q)) break;
            lo = q;
        }
        if (lo >= c->start || best_off >= c->end) lo = best_off;
        /* 今年投入资金, 全县投入资金, 其中农业人口: words of time, of the whole
         * place and of a breakdown are no part of what is measured */
        static const int lead[] = {CUE_YEAR_THIS, CUE_YEAR_LAST, CUE_PLACE_WHOLE, CUE_PART};
        for (size_t k = 0, w; k < sizeof lead / sizeof lead[0] && lo < best_off; k++)
            if ((w = fp_words_prefix(&lx->cues[lead[k]], d->t + lo, best_off - lo)) > 0) lo += w, k = (size_t)-1;
        c->label_off = lo;
        c->label_len = best_off + best_len - lo;
        c->cue_off = best_off;
        c->cue_len = best_len;
    }
    return best < 0 || best == lx->m_poor;
}
