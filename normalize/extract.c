#define _GNU_SOURCE /* memmem */

#include "extract.h"
#include "utf8.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"
#include "numparse.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---------- small UTF-8 helpers ---------- */

static int at(const char *t, size_t len, size_t pos, const char *w)
{
    if (pos >= len || t[pos] != w[0]) return 0; /* most positions fail here, cheaply */
    size_t n = strlen(w);
    return pos + n <= len && memcmp(t + pos, w, n) == 0;
}

static int ends_with(const char *t, size_t pos, const char *w)
{
    size_t n = strlen(w);
    return pos >= n && memcmp(t + pos - n, w, n) == 0;
}

/* Characters that end a sentence, and those that end a clause within one. */
static size_t sentence_mark(const char *t, size_t len, size_t p)
{
    if (t[p] == '\n' || t[p] == '!' || t[p] == '?' || t[p] == ';') return 1;
    /* 。 starts with E3, ！？； with EF: any other byte is no mark */
    if ((unsigned char)t[p] != 0xE3 && (unsigned char)t[p] != 0xEF) return 0;
    static const char *m[] = {"。", "！", "？", "；"};
    for (size_t i = 0; i < 4; i++)
        if (at(t, len, p, m[i])) return 3;
    return 0;
}

static size_t clause_mark(const char *t, size_t len, size_t p)
{
    size_t s = sentence_mark(t, len, p);
    if (s) return s;
    if (t[p] == ',') {
        /* 12,856: a thousands separator, not a clause break */
        int digit_before = p > 0 && t[p - 1] >= '0' && t[p - 1] <= '9';
        int digit_after = p + 1 < len && t[p + 1] >= '0' && t[p + 1] <= '9';
        return digit_before && digit_after ? 0 : 1;
    }
    if (t[p] == ':') return 1;
    if ((unsigned char)t[p] != 0xE3 && (unsigned char)t[p] != 0xEF) return 0; /* ，：、 start so */
    static const char *m[] = {"，", "：", "、"};
    for (size_t i = 0; i < 3; i++)
        if (at(t, len, p, m[i])) return 3;
    return 0;
}

/* ---------- the document model built in one pass ---------- */

typedef struct {
    size_t off, len; /* the name as matched */
    const int *cands;
    int ncand;
    int region; /* chosen candidate */
    /* townships and villages the gazetteer lacks, written with their suffix
     * right after it (昭觉县某某乡某某村): kept as written below region */
    size_t w_off[2], w_len[2];
    int nw;
    size_t end; /* past the name and its written parts */
    /* a township or village (every candidate below county): 1 until some
     * evidence beside the name settles it is a place, 2 when the place
     * named right before it holds one of its candidates (宝昌镇向阳村) */
    int deep;
    /* 1 when the name says where the place before it lies (X位于Y): no
     * figure of the clause is about it */
    int located;
    /* 1 when a word names again a place named earlier (村里, 全乡): the
     * mention is a copy of that place's at the word */
    int back;
} mention;

/* A word that names again the last place of its level (村里, 全乡). */
typedef struct {
    size_t off, len;
    int level;
} back_ref;

/* Y_DATE: a full date (2019-03-08, 2019年3月8日, 08.03.2019), a year as plain
 * as Y_PLAIN; in a report's first lines it is its dateline. Y_CURRENT: a
 * year the text calls its present (2016年是…之年). */
enum { Y_PLAIN, Y_TITLE, Y_PLAN, Y_SINCE, Y_RANGE_START, Y_RELATIVE, Y_DATE, Y_CURRENT };

typedef struct {
    size_t off, len;
    int year;  /* for Y_RELATIVE: offset from the report year */
    int kind;
} year_ref;

typedef struct {
    size_t start, end;
} span;

typedef struct {
    const fp_extractor *x;
    const char *t;
    size_t len;
    mention *m;
    size_t nm, capm;
    year_ref *y;
    size_t ny, capy;
    back_ref *bk;
    size_t nbk, capbk;
    span *sent;
    size_t ns, caps;
    unsigned char *skip; /* per sentence: 1 when boilerplate */
    int *topic;          /* per sentence: the place its paragraph is about (else the subject) */
    const mention **topic_w; /* per sentence: the mention that names the topic with written parts, or NULL */
    int subject;
    int province;
    int year;
} doc;

#define PUSH(arr, n, cap, val)                                         \
    do {                                                               \
        if ((n) == (cap)) {                                            \
            size_t nc_ = (cap) ? (cap) * 2 : 64;                       \
            void *np_ = realloc((arr), nc_ * sizeof *(arr));           \
            if (!np_) return FP_ENOMEM;                                \
            (arr) = np_;                                               \
            (cap) = nc_;                                               \
        }                                                              \
        (arr)[(n)++] = (val);                                          \
    } while (0)

static int scan_sentences(doc *d)
{
    size_t start = 0;
    for (size_t p = 0; p < d->len;) {
        size_t k = sentence_mark(d->t, d->len, p);
        if (k) {
            if (p + k > start) PUSH(d->sent, d->ns, d->caps, ((span){start, p + k}));
            start = p + k;
            p += k;
        } else {
            p += fp_utf8_len((unsigned char)d->t[p]);
        }
    }
    if (start < d->len) PUSH(d->sent, d->ns, d->caps, ((span){start, d->len}));
    d->skip = calloc(d->ns ? d->ns : 1, 1);
    if (!d->skip) return FP_ENOMEM;
    const fp_words *bp = &d->x->lx.cues[CUE_BOILERPLATE];
    for (size_t i = 0; i < d->ns; i++)
        d->skip[i] = fp_words_first(bp, d->t + d->sent[i].start, d->sent[i].end - d->sent[i].start, NULL) >= 0;
    return FP_OK;
}

static size_t sentence_of(const doc *d, size_t pos)
{
    size_t lo = 0, hi = d->ns;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->sent[mid].start <= pos) lo = mid;
        else hi = mid;
    }
    return lo;
}

static int is_digit4_year(const char *t, size_t len, size_t p, int *year)
{
    if (p + 4 > len) return 0;
    for (int i = 0; i < 4; i++)
        if (t[p + i] < '0' || t[p + i] > '9') return 0;
    if (p > 0 && t[p - 1] >= '0' && t[p - 1] <= '9') return 0;
    int y = atoi((char[5]){t[p], t[p + 1], t[p + 2], t[p + 3], 0});
    if (y < 1949 || y > 2100) return 0;
    *year = y;
    return 1;
}

static size_t digits_at(const char *t, size_t len, size_t p, size_t max)
{
    size_t n = 0;
    while (p + n < len && n <= max && t[p + n] >= '0' && t[p + n] <= '9') n++;
    return n >= 1 && n <= max ? n : 0;
}

/* Length of the month-and-day tail of a date after its four-digit year at q
 * (-03-08, /3/8, .03.08, 年3月8日), 0 if none: a date is no range. */
static size_t date_tail(const char *t, size_t len, size_t q)
{
    if (q < len && (t[q] == '-' || t[q] == '/' || t[q] == '.')) {
        char sep = t[q];
        size_t m = digits_at(t, len, q + 1, 2);
        if (!m || q + 1 + m >= len || t[q + 1 + m] != sep) return 0;
        size_t dd = digits_at(t, len, q + 2 + m, 2);
        return dd ? 2 + m + dd : 0;
    }
    if (!at(t, len, q, "年")) return 0;
    size_t m = digits_at(t, len, q + 3, 2);
    if (!m || !at(t, len, q + 3 + m, "月")) return 0;
    size_t dd = digits_at(t, len, q + 6 + m, 2);
    return dd && at(t, len, q + 6 + m + dd, "日") ? 9 + m + dd : 0;
}

/* 08.03.2019 and 08/03/2019: the day and month stand before the year at p. */
static int date_before(const char *t, size_t p)
{
    size_t i = p, n;
    if (i < 2 || (t[i - 1] != '.' && t[i - 1] != '/')) return 0;
    char sep = t[--i];
    for (n = 0; i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9'; i--) n++;
    if (n < 1 || n > 2 || i < 2 || t[i - 1] != sep) return 0;
    for (n = 0, i--; i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9'; i--) n++;
    return n >= 1 && n <= 2;
}

/* A word naming a year against the report's own (今年, 去年, 明年), or 0. */
static size_t relative_year_at(const fp_lexicon *lx, const char *t, size_t len, size_t p, int *delta)
{
    static const struct {
        int cue, delta;
    } rel[] = {{CUE_YEAR_LAST2, -2}, {CUE_YEAR_LAST, -1}, {CUE_YEAR_THIS, 0}, {CUE_YEAR_NEXT, 1}};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        size_t n = fp_words_prefix(&lx->cues[rel[i].cue], t + p, len - p);
        if (n) {
            *delta = rel[i].delta;
            return n;
        }
    }
    return 0;
}

/* Length of a township or village name the gazetteer lacks, written with
 * its suffix at t[q] (two to six characters before 乡 镇 苏木 街道 村 嘎查
 * 社区, none of them a place_not_written word), or 0. */
static size_t written_name(const doc *d, size_t q)
{
    const fp_lexicon *lx = &d->x->lx;
    const int *c;
    int nc;
    if (fp_gaz_match(d->x->gaz, d->t, d->len, q, &c, &nc)) return 0; /* a known name: the scan finds it */
    size_t p = q;
    for (int chars = 0; chars <= 6 && p < d->len; chars++) {
        unsigned char b = (unsigned char)d->t[p];
        if (b < 0xE0 || b > 0xEF || clause_mark(d->t, d->len, p)) return 0; /* CJK characters only */
        size_t sl = chars >= 2 ? fp_words_prefix(&lx->cues[CUE_PLACE_WRITTEN], d->t + p, d->len - p) : 0;
        if (sl) return p + sl - q;
        if (fp_words_prefix(&lx->cues[CUE_PLACE_NOT_WRITTEN], d->t + p, d->len - p)) return 0;
        p += 3;
    }
    return 0;
}

/* After a county or township: the township and village names written
 * with their suffix that the gazetteer lacks. */
static void written_parts(const doc *d, mention *m)
{
    const fp_gazetteer *g = d->x->gaz;
    int level = 0;
    for (int k = 0; k < m->ncand; k++)
        if (fp_gaz_region(g, m->cands[k])->level > level) level = fp_gaz_region(g, m->cands[k])->level;
    if (level != FP_LEVEL_COUNTY && level != FP_LEVEL_TOWNSHIP) return;
    for (int k = 0; k < 2 && level < FP_LEVEL_VILLAGE; k++) {
        size_t n = written_name(d, m->end);
        if (!n) return;
        m->w_off[m->nw] = m->end;
        m->w_len[m->nw++] = n;
        m->end += n;
        /* a township may have a village written after it; a village ends it */
        level = fp_words_suffix(&d->x->lx.cues[CUE_PLACE_VILLAGE], d->t + m->w_off[k], n) ? FP_LEVEL_VILLAGE
                                                                                        : level + 1;
    }
}

/* 1 when a news dateline's date follows a place name ending at q (南宁5月11日电). */
static int dateline_city(const char *t, size_t len, size_t q)
{
    size_t m = digits_at(t, len, q, 2);
    if (!m || !at(t, len, q + m, "月")) return 0;
    size_t dd = digits_at(t, len, q + m + 3, 2);
    return dd && at(t, len, q + m + 3 + dd, "日电");
}

/* Whether a township or village name at t[p], ml bytes, is one: 0 when
 * some candidate is at county level or above (not a township or village);
 * 2 when the place named right before it (its written parts included)
 * holds a candidate (太仆寺旗宝昌镇向阳村); else 1 when the name may stand
 * alone, to be settled by the subject or the sentence (keep_deep), and -1
 * when it may not: a village name is a common word unless written in full
 * with its suffix (村 镇 嘎查 …) after a stem of two characters or more
 * that neither starts with a place_not_written word (中心村, 和平村, 贫困村)
 * nor ends with a suffix (苏木乡, 嘎查村). */
static int deep_mention(const doc *d, size_t p, size_t ml, const int *cands, int nc)
{
    const fp_gazetteer *g = d->x->gaz;
    const fp_lexicon *lx = &d->x->lx;
    for (int k = 0; k < nc; k++)
        if (fp_gaz_region(g, cands[k])->level < FP_LEVEL_TOWNSHIP) return 0;
    if (d->nm && d->m[d->nm - 1].end == p) {
        const mention *pm = &d->m[d->nm - 1];
        for (int j = 0; j < pm->ncand; j++)
            for (int k = 0; k < nc; k++)
                if (fp_gaz_within(g, cands[k], pm->cands[j])) return 2;
    }
    /* a sibling listed after one (新仓村、北村): only a place_list word between */
    if (d->nm && d->m[d->nm - 1].deep && d->m[d->nm - 1].end < p &&
        fp_words_prefix(&lx->cues[CUE_PLACE_LIST], d->t + d->m[d->nm - 1].end, p - d->m[d->nm - 1].end) ==
            p - d->m[d->nm - 1].end) {
        const mention *pm = &d->m[d->nm - 1];
        for (int j = 0; j < pm->ncand; j++)
            for (int k = 0; k < nc; k++)
                if (fp_gaz_region(g, cands[k])->parent == fp_gaz_region(g, pm->cands[j])->parent) return 2;
    }
    size_t sl = fp_words_suffix(&lx->cues[CUE_PLACE_SUFFIX], d->t + p, ml);
    if (!sl || ml - sl < 6) return -1;
    size_t stem = ml - sl;
    if (fp_words_prefix(&lx->cues[CUE_PLACE_NOT_WRITTEN], d->t + p, stem)) return -1;
    if (fp_words_suffix(&lx->cues[CUE_PLACE_SUFFIX], d->t + p, stem)) return -1;
    return 1;
}

/* Region names and years, in one pass over the text. */
static int scan_refs(doc *d)
{
    const char *t = d->t;
    const fp_lexicon *lx = &d->x->lx;
    int title_depth = 0;
    for (size_t p = 0; p < d->len;) {
        unsigned char c = (unsigned char)t[p];
        if (at(t, d->len, p, "《")) title_depth++;
        else if (at(t, d->len, p, "》") && title_depth > 0) title_depth--;
        int y;
        if (c >= '0' && c <= '9') {
            size_t q = p;
            if (is_digit4_year(t, d->len, p, &y)) {
                q = p + 4;
                int kind = title_depth ? Y_TITLE : Y_PLAIN;
                size_t ylen = 4, dt = date_tail(t, d->len, q);
                if (dt || date_before(t, p)) {
                    kind = title_depth ? Y_TITLE : Y_DATE;
                    ylen += dt;
                } else if (at(t, d->len, q, "年")) {
                    ylen += 3;
                    size_t after = q + 3;
                    if (fp_words_prefix(&lx->cues[CUE_SINCE], t + after, d->len - after)) kind = Y_SINCE;
                    else if (kind == Y_PLAIN && fp_words_prefix(&lx->cues[CUE_YEAR_CURRENT], t + after, d->len - after))
                        kind = Y_CURRENT;
                } else if (at(t, d->len, q, "-") || at(t, d->len, q, "—") || at(t, d->len, q, "～") ||
                           at(t, d->len, q, "~") || at(t, d->len, q, "至")) {
                    kind = Y_RANGE_START;
                } else {
                    /* four digits not followed by 年 are not a year reference */
                    while (q < d->len && t[q] >= '0' && t[q] <= '9') q++;
                    p = q;
                    continue;
                }
                size_t pc = fp_utf8_prev(t, p);
                if (kind == Y_PLAIN && p > 0 &&
                    (at(t, d->len, pc, "到") || at(t, d->len, pc, "至") || at(t, d->len, pc, "—") ||
                     at(t, d->len, pc, "-") || at(t, d->len, pc, "～") || at(t, d->len, pc, "~")))
                    kind = Y_PLAN;
                PUSH(d->y, d->ny, d->capy, ((year_ref){p, ylen, y, kind}));
                p += ylen;
                continue;
            }
            while (p < d->len && t[p] >= '0' && t[p] <= '9') p++;
            continue;
        }
        if (c >= 0x80) {
            int delta;
            size_t rl = relative_year_at(lx, t, d->len, p, &delta);
            if (rl) {
                PUSH(d->y, d->ny, d->capy, ((year_ref){p, rl, delta, Y_RELATIVE}));
                p += rl;
                continue;
            }
            const int *cands;
            int nc;
            size_t ml = fp_gaz_match(d->x->gaz, t, d->len, p, &cands, &nc);
            /* 资源 is no place, 资源县 is: the longer word wins */
            size_t nw = fp_words_prefix(&lx->cues[CUE_PLACE_NOT], t + p, d->len - p);
            if (nw && nw >= ml) {
                p += nw;
                continue;
            }
            if (ml && !fp_words_suffix(&lx->cues[CUE_PLACE_SUFFIX], t + p, ml) &&
                fp_words_prefix(&lx->cues[CUE_PLACE_NOT_BEFORE], t + p + ml, d->len - p - ml)) {
                p += ml; /* 公安局, 锡林郭勒日报: a short form naming an office */
                continue;
            }
            if (ml && dateline_city(t, d->len, p + ml)) {
                p += ml; /* 新华社南宁5月11日电: where the story was filed, not its subject */
                continue;
            }
            int deep = ml ? deep_mention(d, p, ml, cands, nc) : 0;
            /* a village or township name alone in quotation marks is a byname (被称做“悬崖村”) */
            if (deep == 1 && p >= 3 && (at(t, d->len, p - 3, "“") || at(t, d->len, p - 3, "「")) &&
                (at(t, d->len, p + ml, "”") || at(t, d->len, p + ml, "」"))) {
                p += ml;
                continue;
            }
            if (deep < 0) {
                p += fp_utf8_len(c); /* 中心村, 通村, 苏木乡: a common word, unless a place above it is named */
                continue;
            }
            if (ml) {
                mention m = {p, ml, cands, nc, cands[0], {0, 0}, {0, 0}, 0, p + ml, deep, 0, 0};
                written_parts(d, &m);
                PUSH(d->m, d->nm, d->capm, m);
                p = m.end;
                continue;
            }
            size_t bv = fp_words_prefix(&lx->cues[CUE_PLACE_BACK_VILLAGE], t + p, d->len - p);
            size_t bt = fp_words_prefix(&lx->cues[CUE_PLACE_BACK_TOWNSHIP], t + p, d->len - p);
            /* 村（嘎查）: a word in brackets glosses the one before it */
            int gloss = p >= 3 && (at(t, d->len, fp_utf8_prev(t, p), "（") || t[p - 1] == '(');
            size_t bw = fp_words_prefix(&lx->cues[CUE_PLACE_WHOLE], t + p, d->len - p);
            if (bw > bv && bw > bt) {
                PUSH(d->bk, d->nbk, d->capbk, ((back_ref){p, bw, FP_LEVEL_COUNTY}));
                p += bw;
                continue;
            }
            if ((bv || bt) && !gloss &&
                fp_words_prefix(&lx->cues[CUE_PLACE_BACK_NOT], t + p, d->len - p) < (bv > bt ? bv : bt)) {
                back_ref b = {p, bv > bt ? bv : bt, bv > bt ? FP_LEVEL_VILLAGE : FP_LEVEL_TOWNSHIP};
                PUSH(d->bk, d->nbk, d->capbk, b);
                p += b.len;
                continue;
            }
        }
        p += fp_utf8_len(c);
    }
    return FP_OK;
}

/* A township or village named on its own (deep 1) is kept when a candidate
 * lies inside the subject (a prefecture, county or below), or inside a
 * place of prefecture level or below named in the same sentence (阿布洛哈村
 * 位于布拖县), or when the name, of four characters or more, stands for one
 * place only and that inside the subject's province. Else it is dropped:
 * 向阳村 in a report on another province is a word, not that province's village. */
static int keep_deep(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    unsigned char *kept = d->nm ? malloc(d->nm) : NULL;
    if (d->nm && !kept) return FP_ENOMEM;
    for (size_t i = 0; i < d->nm; i++) {
        mention *m = &d->m[i];
        int keep = m->deep != 1;
        for (int k = 0; k < m->ncand && !keep; k++) {
            int c = m->cands[k];
            if (d->subject >= 0 && fp_gaz_region(g, d->subject)->level >= FP_LEVEL_PREFECTURE &&
                fp_gaz_within(g, c, d->subject))
                keep = 1;
            /* mentions are sorted by offset: the sentence's are i's neighbours */
            size_t s = sentence_of(d, m->off), a = i, e = i + 1;
            while (a > 0 && sentence_of(d, d->m[a - 1].off) == s) a--;
            while (e < d->nm && sentence_of(d, d->m[e].off) == s) e++;
            for (size_t j = a; j < e && !keep; j++) {
                const mention *o = &d->m[j];
                if (j == i || o->deep == 1) continue;
                for (int q = 0; q < o->ncand && !keep; q++)
                    if (fp_gaz_region(g, o->cands[q])->level >= FP_LEVEL_PREFECTURE && fp_gaz_within(g, c, o->cands[q]))
                        keep = 1;
            }
        }
        if (!keep && m->ncand == 1 && m->len >= 12 &&
            (d->province < 0 ? d->subject < 0 : fp_gaz_within(g, m->cands[0], d->province)))
            keep = 1;
        kept[i] = (unsigned char)keep;
    }
    size_t out = 0;
    for (size_t i = 0; i < d->nm; i++)
        if (kept[i]) d->m[out++] = d->m[i];
    d->nm = out;
    free(kept);
    return FP_OK;
}

/* Picks, for each mention, the candidate that fits what surrounds it: inside
 * the subject, else below a place named just before, else inside the subject's
 * province, else the highest-level candidate. */
static void resolve_mentions(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    for (size_t i = 0; i < d->nm; i++) {
        mention *m = &d->m[i];
        if (m->ncand == 1) {
            m->region = m->cands[0];
            continue;
        }
        int best = -1, best_score = -1;
        for (int k = 0; k < m->ncand; k++) {
            int c = m->cands[k], score = 0;
            if (d->subject >= 0 && fp_gaz_within(g, c, d->subject)) score += 8;
            /* a name the report used before means what it meant there (正镶白旗星耀镇永合村 … 落户永合村) */
            for (size_t j = i, n = 0; j-- > 0 && n < 512; n++)
                if (d->m[j].cands == m->cands) {
                    if (d->m[j].region == c) score += 32;
                    break;
                }
            for (size_t j = i; j-- > 0 && i - j <= 3;) {
                /* the deeper the place that holds it, the surer (锡林郭勒盟…星耀镇永合村) */
                if (d->m[j].region != c && fp_gaz_within(g, c, d->m[j].region)) {
                    score += 16 + fp_gaz_region(g, d->m[j].region)->level;
                    break;
                }
            }
            if (d->province >= 0 && fp_gaz_within(g, c, d->province)) score += 4;
            score += 3 - (fp_gaz_region(g, c)->level > 3 ? 3 : fp_gaz_region(g, c)->level);
            if (score > best_score) best = c, best_score = score;
        }
        m->region = best;
    }
}

/* The level of the place a mention names: its last written part's when
 * it has any (昭觉县支尔莫乡阿土列尔村 is a village), else its region's. */
static int mention_level(const doc *d, const mention *m)
{
    if (m->nw)
        return fp_words_suffix(&d->x->lx.cues[CUE_PLACE_VILLAGE], d->t + m->w_off[m->nw - 1], m->w_len[m->nw - 1])
                   ? FP_LEVEL_VILLAGE
                   : FP_LEVEL_TOWNSHIP;
    return m->region >= 0 ? fp_gaz_region(d->x->gaz, m->region)->level : -1;
}

/* X位于Y: the places right after a place_located word that follows a place
 * in the same clause, and those written straight after them (位于鄂温克旗
 * 伊敏苏木), are where X lies. */
static void mark_located(doc *d)
{
    const fp_words *w = &d->x->lx.cues[CUE_PLACE_LOCATED];
    for (size_t i = 1; i < d->nm; i++) {
        mention *m = &d->m[i];
        const mention *pm = &d->m[i - 1];
        if (pm->located && pm->end == m->off) {
            m->located = 1;
            continue;
        }
        size_t gap = m->off - pm->end, n = fp_words_prefix(w, d->t + pm->end, gap);
        /* the word, then at most a short particle (位于在) */
        if (n && gap - n <= 3) m->located = 1;
    }
}

/* X位于Y县Z乡 where the gazetteer puts village X under another township
 * (merged since the report): the report's own township holds it, and X is
 * kept as written below it. */
static void follow_location(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    for (size_t i = 1; i < d->nm; i++) {
        mention *x = &d->m[i - 1];
        if (!d->m[i].located || x->located || x->nw || x->region < 0 ||
            fp_gaz_region(g, x->region)->level != FP_LEVEL_VILLAGE)
            continue;
        size_t e = i; /* the chain of located names written one after another */
        while (e + 1 < d->nm && d->m[e + 1].located && d->m[e + 1].off == d->m[e].end) e++;
        const mention *c = &d->m[e];
        if (c->region < 0 || mention_level(d, c) != FP_LEVEL_TOWNSHIP || c->nw > 1) continue;
        if (c->nw) {
            /* the written township is not the one the gazetteer names */
            const fp_region *tw = fp_gaz_region(g, fp_gaz_region(g, x->region)->parent);
            size_t n = strlen(tw->name);
            if (!fp_gaz_within(g, x->region, c->region) ||
                (n == c->w_len[0] && !memcmp(tw->name, d->t + c->w_off[0], n)))
                continue;
        } else if (fp_gaz_within(g, x->region, c->region)) {
            continue;
        }
        size_t off = x->off, len = x->len;
        x->region = c->region;
        x->nw = 0;
        for (int k = 0; k < c->nw; k++) x->w_off[x->nw] = c->w_off[k], x->w_len[x->nw++] = c->w_len[k];
        x->w_off[x->nw] = off, x->w_len[x->nw++] = len;
    }
}

/* The start of the paragraph before offset p (of the paragraph holding p
 * when p starts none): past the last newline before p that ends a line
 * with text, blank lines skipped. */
static size_t para_start(const char *t, size_t p)
{
    while (p > 0 && (t[p - 1] == '\n' || t[p - 1] == '\r' || t[p - 1] == ' ')) p--;
    while (p > 0 && t[p - 1] != '\n') p--;
    return p;
}

/* Puts, at each word naming a place again (村里, 全乡), a copy of the last
 * place of that level named before it inside the subject; a word with no
 * such place before it names nothing. Keeps mentions sorted by offset. */
static int resolve_back(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    if (!d->nbk) return FP_OK;
    mention *out = malloc((d->nm + d->nbk) * sizeof *out);
    if (!out) return FP_ENOMEM;
    size_t n = 0, i = 0;
    const mention *last[FP_LEVEL_VILLAGE + 1] = {0};
    for (size_t b = 0; b <= d->nbk; b++) {
        size_t upto = b < d->nbk ? d->bk[b].off : d->len;
        for (; i < d->nm && d->m[i].off < upto; i++) {
            out[n++] = d->m[i];
            int lv = mention_level(d, &d->m[i]);
            if (lv >= FP_LEVEL_TOWNSHIP && lv <= FP_LEVEL_VILLAGE &&
                (d->subject < 0 || fp_gaz_within(g, d->m[i].region, d->subject)))
                last[lv] = &d->m[i];
        }
        if (b == d->nbk) break;
        /* a word names again a place of its own paragraph or the one before */
        if (d->bk[b].level < FP_LEVEL_TOWNSHIP) continue; /* 全县: kept for find_topics */
        const mention *ref = last[d->bk[b].level];
        if (!ref || ref->off < para_start(d->t, para_start(d->t, d->bk[b].off))) continue;
        mention m = *ref;
        m.off = d->bk[b].off;
        m.len = d->bk[b].len;
        m.end = m.off + m.len;
        m.located = 0;
        m.back = 1;
        m.deep = 0;
        out[n++] = m;
    }
    free(d->m);
    d->capm = d->nm + d->nbk;
    d->m = out;
    d->nm = n;
    return FP_OK;
}

/* The smallest place holding both a and b. */
static int common_ancestor(const fp_gazetteer *g, int a, int b)
{
    for (int x = a; x >= 0; x = fp_gaz_region(g, x)->parent)
        if (fp_gaz_within(g, b, x)) return x;
    return -1;
}

/* 1 when only a place_list word (、 和 及) stands between two mentions. */
static int listed_with(const doc *d, const mention *a, const mention *b)
{
    size_t n = b->off > a->end ? b->off - a->end : 0;
    return b->off >= a->end && n && fp_words_prefix(&d->x->lx.cues[CUE_PLACE_LIST], d->t + a->end, n) == n;
}

/* The place mention i stands for: a list of places (聂荣县、班戈县和双湖县)
 * is the smallest place holding them all; a place followed by 等 (龙胜等14个县)
 * is one of a group, so the group's place is the paragraph's (fallback) if
 * that holds it, else the place above it. */
static int mention_place(const doc *d, size_t i, int fallback)
{
    const fp_gazetteer *g = d->x->gaz;
    int r = d->m[i].region;
    if (r < 0) return r;
    size_t a = i, b = i;
    while (a > 0 && listed_with(d, &d->m[a - 1], &d->m[a])) a--;
    while (b + 1 < d->nm && listed_with(d, &d->m[b], &d->m[b + 1])) b++;
    for (size_t k = a; k <= b; k++) {
        int o = d->m[k].region;
        /* places of other provinces in the list are partners (北京、科左后旗) */
        if (k == i || o < 0 || (d->province >= 0 && !fp_gaz_within(g, o, d->province))) continue;
        int ca = common_ancestor(g, r, o);
        if (ca >= 0) r = ca;
    }
    const mention *last = &d->m[b];
    if (r >= 0 && fp_words_prefix(&d->x->lx.cues[CUE_PLACE_GROUP], d->t + last->end, d->len - last->end)) {
        if (fallback >= 0 && fp_gaz_within(g, r, fallback) && fallback != r) return fallback;
        if (d->subject >= 0 && fp_gaz_within(g, r, d->subject) && d->subject != r) return d->subject;
        return fp_gaz_region(g, r)->parent >= 0 ? fp_gaz_region(g, r)->parent : r;
    }
    return r;
}

static void find_subject(doc *d, const char *region_hint)
{
    const fp_gazetteer *g = d->x->gaz;
    d->subject = -1;
    d->province = -1;
    if (region_hint && *region_hint) d->subject = fp_gaz_find_code(g, region_hint);
    /* The province most names fall in: a subject outside it needs more than
     * a first mention (公安局 read as 公安县 must not carry a report off). */
    int major = -1;
    {
        int best_n = 0;
        for (size_t i = 0; i < d->nm; i++) {
            if (d->m[i].deep == 1) continue; /* a village name alone says little of the province */
            int pv = fp_gaz_ancestor_at(g, d->m[i].cands[0], FP_LEVEL_PROVINCE);
            if (pv < 0) continue;
            for (int k = 1; k < d->m[i].ncand && pv >= 0; k++)
                if (fp_gaz_ancestor_at(g, d->m[i].cands[k], FP_LEVEL_PROVINCE) != pv) pv = -1;
            if (pv < 0) continue;
            int n = 0;
            for (size_t j = 0; j < d->nm; j++)
                if (d->m[j].deep != 1 && d->m[j].ncand == d->m[i].ncand && fp_gaz_within(g, d->m[j].cands[0], pv))
                    n++;
            if (n > best_n) best_n = n, major = pv;
        }
    }
    if (d->subject < 0) {
        /* The first sentence that names a place at county level or above:
         * its deepest place is the subject. */
        size_t i = 0;
        while (i < d->nm) {
            mention *m = &d->m[i];
            size_t s = sentence_of(d, m->off);
            const fp_region *r = fp_gaz_region(g, m->cands[0]);
            if (d->skip[s] || r->level == FP_LEVEL_NATION || r->level > FP_LEVEL_COUNTY ||
                (major >= 0 && !fp_gaz_within(g, m->cands[0], major))) {
                i++;
                continue;
            }
            int best = -1, best_level = -1;
            for (size_t j = i; j < d->nm && sentence_of(d, d->m[j].off) == s; j++) {
                /* Prefer a candidate inside an earlier place of the same sentence (包头市达茂旗). */
                int pick = d->m[j].cands[0];
                for (int k = 0; k < d->m[j].ncand && best >= 0; k++)
                    if (fp_gaz_within(g, d->m[j].cands[k], best)) pick = d->m[j].cands[k];
                /* a list of places (A县、B县和C县) is about the place holding them */
                if (d->m[j].ncand == 1) pick = mention_place(d, j, -1);
                const fp_region *rr = fp_gaz_region(g, pick);
                if (rr->level > FP_LEVEL_COUNTY || rr->level == FP_LEVEL_NATION) continue;
                if (major >= 0 && !fp_gaz_within(g, pick, major)) continue;
                if (best >= 0 && !fp_gaz_within(g, pick, best) && rr->level <= best_level) continue;
                if (rr->level > best_level) best = pick, best_level = rr->level;
            }
            d->subject = best;
            break;
        }
    }
    /* A county named first in a report that goes on to two other counties
     * of its prefecture, and names the prefecture more often than the
     * county, is one case of a report on the prefecture. */
    const fp_region *sr = d->subject >= 0 ? fp_gaz_region(g, d->subject) : NULL;
    if (sr && sr->level == FP_LEVEL_COUNTY && !(region_hint && *region_hint)) {
        int pref = sr->parent, n_pref = 0, n_self = 0, others[2] = {-1, -1}, no = 0;
        for (size_t i = 0; i < d->nm && pref >= 0; i++) {
            if (d->m[i].ncand != 1) continue;
            int c = d->m[i].cands[0];
            if (c == pref) n_pref++;
            else if (c == d->subject) n_self++;
            else if (no < 2 && fp_gaz_region(g, c)->level == FP_LEVEL_COUNTY && fp_gaz_region(g, c)->parent == pref &&
                     c != others[0])
                others[no++] = c;
        }
        if (pref >= 0 && fp_gaz_region(g, pref)->level == FP_LEVEL_PREFECTURE && no == 2 && n_pref > n_self)
            d->subject = pref;
    }
    if (d->subject >= 0) d->province = fp_gaz_ancestor_at(g, d->subject, FP_LEVEL_PROVINCE);
}

/* A paragraph that goes on a list (1. ① （一） 一是 …) continues the one before it. */
static int list_item_at(const char *t, size_t len, size_t p)
{
    while (p < len && (t[p] == ' ' || t[p] == '\t' || at(t, len, p, "　"))) p += t[p] == ' ' || t[p] == '\t' ? 1 : 3;
    if (p < len && t[p] >= '0' && t[p] <= '9') {
        while (p < len && t[p] >= '0' && t[p] <= '9') p++;
        return p < len && (t[p] == '.' || at(t, len, p, "、") || at(t, len, p, "．") || t[p] == ')' ||
                           at(t, len, p, "）"));
    }
    /* ① .. ⑳ are U+2460..U+2473 */
    if (p + 2 < len && (unsigned char)t[p] == 0xE2 && (unsigned char)t[p + 1] == 0x91 &&
        (unsigned char)t[p + 2] >= 0xA0 && (unsigned char)t[p + 2] <= 0xB3)
        return 1;
    if (at(t, len, p, "（") || t[p] == '(') return 1;
    static const char *const ord[] = {"一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"};
    for (size_t i = 0; i < sizeof ord / sizeof ord[0]; i++)
        if (at(t, len, p, ord[i])) return 1;
    return 0;
}

/* Each paragraph's place: the deepest place at county level or above that
 * its first sentence names inside the subject's province (a case section
 * on 化德县 in a report on the whole region), kept by the list items that
 * follow it; a paragraph that names none is about the subject. */
static int find_topics(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    if (d->ns && (!(d->topic = malloc(d->ns * sizeof *d->topic)) ||
                  !(d->topic_w = calloc(d->ns, sizeof *d->topic_w))))
        return FP_ENOMEM;
    int cur = d->subject, para = d->subject;
    const mention *cur_w = NULL;
    size_t mi = 0, bi = 0;
    for (size_t s = 0; s < d->ns; s++) {
        size_t a = d->sent[s].start;
        int new_para = s == 0 || memchr(d->t + d->sent[s - 1].end, '\n', a - d->sent[s - 1].end) != NULL ||
                       (a > 0 && d->t[a - 1] == '\n');
        while (mi < d->nm && d->m[mi].off < a) mi++;
        if (new_para) {
            int best = -1;
            for (size_t j = mi; j < d->nm && d->m[j].off < d->sent[s].end; j++) {
                int r = mention_place(d, j, d->subject);
                if (r < 0) continue;
                const fp_region *rr = fp_gaz_region(g, r);
                if (rr->level == FP_LEVEL_NATION || rr->level > FP_LEVEL_COUNTY) continue;
                if (d->province >= 0 && !fp_gaz_within(g, r, d->province)) continue;
                if (best < 0 || fp_gaz_region(g, best)->level < rr->level) best = r;
            }
            if (best >= 0) cur = best, cur_w = NULL;
            else if (!list_item_at(d->t, d->len, a)) cur = d->subject, cur_w = NULL;
            /* a place above the subject means the subject */
            if (cur >= 0 && d->subject >= 0 && fp_gaz_within(g, d->subject, cur)) cur = d->subject;
            para = cur;
        }
        while (bi < d->nbk && d->bk[bi].off < a) bi++;
        /* a sentence that speaks of the whole county (全盟帮扶村192个) is not the carried village's */
        for (size_t k = bi; k < d->nbk && d->bk[k].off < d->sent[s].end; k++)
            if (d->bk[k].level < FP_LEVEL_TOWNSHIP) cur = para, cur_w = NULL;
        d->topic[s] = cur;
        d->topic_w[s] = cur_w;
        /* A township or village a sentence names inside the paragraph's place
         * is what the paragraph's next sentences are about (在村里承包了200亩地。
         * 秋收时，亩产达3000多公斤), until one names a place at county level
         * or above again (这份惊喜来自科左后旗…, 全县…). */
        for (size_t j = mi; j < d->nm && d->m[j].off < d->sent[s].end; j++) {
            const mention *m = &d->m[j];
            for (; bi < d->nbk && d->bk[bi].off < m->off; bi++)
                if (d->bk[bi].level < FP_LEVEL_TOWNSHIP) cur = para, cur_w = NULL;
            int lv = mention_level(d, m);
            if (m->located || m->region < 0) continue;
            if (lv < FP_LEVEL_TOWNSHIP) {
                /* 全国 and places of other provinces are comparisons, not this report's places */
                if (lv != FP_LEVEL_NATION && (d->province < 0 || fp_gaz_within(g, m->region, d->province)))
                    cur = para, cur_w = NULL;
                continue;
            }
            if (cur >= 0 && !fp_gaz_within(g, m->region, cur)) continue;
            cur = m->region;
            cur_w = m->nw ? m : NULL;
        }
        for (; bi < d->nbk && d->bk[bi].off < d->sent[s].end; bi++)
            if (d->bk[bi].level < FP_LEVEL_TOWNSHIP) cur = para, cur_w = NULL;
    }
    return FP_OK;
}

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

static int sentence_has_plan(const doc *d, size_t s)
{
    return plans_in(d, d->sent[s].start, d->sent[s].end);
}

/* A report's first lines: title, dateline, source. */
#define HEAD_LINES 5
#define HEAD_BYTES 600

/* The report's year: the date in its first lines (a dateline, a publication
 * date), else a year the text calls its present (2016年是…之年), else the
 * latest year it names as a fact (not in a title, not as a target or the
 * start of a period), else the hint. */
/* 1 when year y is written next to a figure of its own (至2019年的0.04%):
 * a year reached, not a target, even after 至. */
static int year_bound_to_figure(const doc *d, const year_ref *y)
{
    const fp_words *w = &d->x->lx.cues[CUE_YEAR_BIND];
    size_t a = y->off + y->len, n;
    if (!(n = fp_words_prefix(w, d->t + a, d->len - a))) return 0;
    for (a += n; (n = fp_words_prefix(w, d->t + a, d->len - a));) a += n;
    return fp_num_starts(d->t + a, d->len - a);
}

/* A year written in a report's file name (duolun2016.txt, 2019年报告.pdf):
 * four digits from 1980 to 2039 with no digit beside them, outside a run
 * of eight or more hex characters (a hash names nothing); 0 when none. */
static int year_in_name(const char *source)
{
    if (!source) return 0;
    const char *b = strrchr(source, '/');
    b = b ? b + 1 : source;
    size_t n = strlen(b);
    for (size_t i = 0; i + 4 <= n; i++) {
        if ((i > 0 && isdigit((unsigned char)b[i - 1])) || (i + 4 < n && isdigit((unsigned char)b[i + 4]))) continue;
        int ok = 1, y = 0;
        for (size_t k = i; k < i + 4; k++) ok &= isdigit((unsigned char)b[k]) != 0, y = y * 10 + (b[k] - '0');
        if (!ok || y < 1980 || y > 2039) continue;
        size_t a = i, e = i + 4;
        while (a > 0 && isxdigit((unsigned char)b[a - 1])) a--;
        while (e < n && isxdigit((unsigned char)b[e])) e++;
        if (e - a >= 8) continue;
        return y;
    }
    return 0;
}

/* The report's year: a date in its first lines; else the latest year its
 * text states as a fact (not a plan), or calls its present; else the
 * caller's hint; else a year in its file name; else 0. */
static void find_year(doc *d, int hint, const char *source)
{
    size_t head = 0;
    for (int lines = 0; head < d->len && head < HEAD_BYTES && lines < HEAD_LINES; head++)
        if (d->t[head] == '\n') lines++;
    int best = 0, current = 0;
    for (size_t i = 0; i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        if (y->kind == Y_DATE && y->off < head) {
            d->year = y->year;
            return;
        }
        if (y->kind == Y_CURRENT && y->year > current) current = y->year;
        if (y->kind != Y_PLAIN && y->kind != Y_DATE && y->kind != Y_CURRENT &&
            !(y->kind == Y_PLAN && year_bound_to_figure(d, y)))
            continue;
        size_t s = sentence_of(d, y->off);
        if (d->skip[s] || sentence_has_plan(d, s)) continue;
        if (y->year > best) best = y->year;
    }
    if (current > best) best = current;
    d->year = best ? best : hint ? hint : year_in_name(source);
}

/* ---------- one figure ---------- */

typedef struct {
    size_t start, end;       /* text of the figure (qualifiers included) */
    size_t num_start, num_end; /* the number through its unit */
    fp_dec value;
    const fp_unit *unit;
    char unit_name[16];
    char counter[16];
    const char *qualifier;
    const char *relation;
    const char *metric;
    size_t label_off, label_len;
    int region, year;
    const mention *written; /* the mention whose written parts extend region, or NULL */
    int chinese_only;
    int optional; /* the unit is only implied (14.8万贫困人口) */
} cand;

static size_t clause_start(const doc *d, size_t sent_start, size_t pos)
{
    size_t p = pos;
    while (p > sent_start) {
        size_t q = fp_utf8_prev(d->t, p);
        if (clause_mark(d->t, d->len, q)) return p;
        p = q;
    }
    return sent_start;
}

static size_t clause_end(const doc *d, size_t sent_end, size_t pos)
{
    for (size_t p = pos; p < sent_end;) {
        size_t k = clause_mark(d->t, d->len, p);
        if (k) return p;
        p += fp_utf8_len((unsigned char)d->t[p]);
    }
    return sent_end;
}

static int is_household_context(const doc *d, const cand *c, size_t cstart, size_t cend, size_t prior_end)
{
    const fp_words *hn = &d->x->lx.cues[CUE_HOUSEHOLD_NOUN];
    /* 6名建档立卡户 counts households, but 217户429名贫困户 counts the people of the households before it */
    if (fp_words_prefix(hn, d->t + c->num_end, cend - c->num_end))
        return strcmp(c->unit_name, "person") || prior_end != c->start;
    /* 农户200多个: the noun just before a number of 个; 贫困户2895人 counts people */
    return !strcmp(c->unit_name, "count") && fp_words_suffix(hn, d->t + cstart, c->start - cstart) > 0;
}

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
    if (in_title(s->base, off)) return; /* a document's name says what it is about, not what a figure measures */
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
    cue_scan s = {p, fig_start - from, fig_end - from, to - from, t + from};
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
static int pick_metric(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, size_t send)
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
        for (int k = 0; k < 4 && lo > cstart && lo > sstart; k++) {
            size_t q = fp_utf8_prev(d->t, lo);
            if ((unsigned char)d->t[q] < 0x80 || clause_mark(d->t, d->len, q)) break;
            lo = q;
        }
        if (lo >= c->start || best_off >= c->end) lo = best_off;
        c->label_off = lo;
        c->label_len = best_off + best_len - lo;
    }
    return best < 0 || best == lx->m_poor;
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
static void pick_relation(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, int has_prior_figure,
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

/* The place: the nearest named before the figure in its clause, else in its
 * sentence (before, then after), inside the subject's province; else the
 * paragraph's. *written is set to the mention when the place is a township
 * or village written after it (kept as written below its region). */
/* The level of the places a count counts (20个旗县, 114个嘎查村, 12个深度贫困县),
 * FP_LEVEL_NATION (0) when it counts none. */
static int counted_level(const doc *d, const cand *c, size_t cend)
{
    static const struct {
        int cue, level;
    } lv[] = {{CUE_COUNTED_COUNTY, FP_LEVEL_COUNTY}, {CUE_COUNTED_TOWNSHIP, FP_LEVEL_TOWNSHIP},
              {CUE_COUNTED_VILLAGE, FP_LEVEL_VILLAGE}};
    const fp_lexicon *lx = &d->x->lx;
    if (strcmp(c->unit_name, "count")) return 0;
    size_t q = c->num_end;
    for (int steps = 0; steps < 4 && q < cend; steps++) {
        int level = 0;
        size_t best = 0;
        for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
            size_t n = fp_words_prefix(&lx->cues[lv[i].cue], d->t + q, cend - q);
            if (n > best) best = n, level = lv[i].level;
        }
        size_t mo = fp_words_prefix(&lx->cues[CUE_COUNTED_MODIFIER], d->t + q, cend - q);
        if (best && best >= mo)
            return fp_words_prefix(&lx->cues[CUE_COUNTED_NOT_AFTER], d->t + q + best, cend - q - best) ? 0 : level;
        if (!mo) return 0;
        q += mo;
    }
    return 0;
}

/* A count of places at `level` is about a place above that level: the
 * nearest named before it in its clause, else the subject, else the place
 * above r. */
static int above_counted(const doc *d, int r, int level, size_t pos, size_t cstart)
{
    const fp_gazetteer *g = d->x->gaz;
    if (r < 0 || fp_gaz_region(g, r)->level < level) return r;
    for (size_t i = d->nm; i-- > 0;) {
        const mention *m = &d->m[i];
        if (m->off >= pos) continue;
        if (m->off < cstart) break;
        if (m->region < 0 || fp_gaz_region(g, m->region)->level >= level) continue;
        if (d->province >= 0 && fp_gaz_region(g, m->region)->level != FP_LEVEL_NATION &&
            !fp_gaz_within(g, m->region, d->province))
            continue;
        return m->region;
    }
    /* else the subject, when it holds r and lies above the level, else the
     * place just above the level */
    if (d->subject >= 0 && fp_gaz_within(g, r, d->subject) && fp_gaz_region(g, d->subject)->level < level)
        return d->subject;
    int a = fp_gaz_ancestor_at(g, r, level - 1);
    return a >= 0 ? a : r;
}

static int pick_region(const doc *d, size_t s, size_t pos, size_t cstart, size_t sstart, size_t send, int level,
                       const mention **written)
{
    const fp_gazetteer *g = d->x->gaz;
    int found = -1, fallback = d->topic ? d->topic[s] : d->subject;
    size_t fi = 0;
    *written = NULL;
    /* mentions are sorted by offset: binary search the last one before pos */
    size_t lo = 0, hi = d->nm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->m[mid].off < pos) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        const mention *m = &d->m[i];
        if (m->off < sstart) break;
        if (m->region < 0 || m->located) continue;
        if (fp_gaz_region(g, m->region)->level == FP_LEVEL_NATION) {
            if (m->off >= cstart) return m->region;
            continue;
        }
        if (d->province >= 0 && !fp_gaz_within(g, m->region, d->province)) continue;
        found = m->region, fi = i;
        break;
    }
    if (found < 0) {
        for (size_t i = lo; i < d->nm && d->m[i].off < send; i++) {
            const mention *m = &d->m[i];
            /* a word naming a place again (村里) looks back, not ahead */
            if (m->region < 0 || m->located || m->back || fp_gaz_region(g, m->region)->level == FP_LEVEL_NATION)
                continue;
            if (d->province >= 0 && !fp_gaz_within(g, m->region, d->province)) continue;
            found = m->region, fi = i;
            break;
        }
    }
    if (found < 0) {
        if (level) return above_counted(d, fallback, level, pos, cstart);
        if (d->topic_w && d->topic_w[s] && d->topic_w[s]->region == fallback) *written = d->topic_w[s];
        return fallback;
    }
    int place = mention_place(d, fi, fallback);
    if (place == found && d->m[fi].nw) *written = &d->m[fi];
    /* 内蒙古20个旗县 in a banner's report: a count of places after the place
     * above them in its clause is that place's */
    if (level && place == found && d->m[fi].off >= cstart && d->m[fi].off < pos &&
        fp_gaz_region(g, found)->level < level)
        return found;
    found = place;
    /* A place above the subject (the province in a banner's report) means the subject itself. */
    if (d->subject >= 0 && found != d->subject && fp_gaz_within(g, d->subject, found)) {
        *written = NULL;
        found = d->subject;
    }
    if (level && fp_gaz_region(g, found)->level >= level) {
        *written = NULL;
        return above_counted(d, found, level, pos, cstart);
    }
    return found;
}

static int year_value(const doc *d, const year_ref *y)
{
    return y->kind == Y_RELATIVE ? (d->year ? d->year + y->year : 0) : y->kind == Y_SINCE ? d->year : y->year;
}

/* The end of the year_bind words (的 末 底 …) from a in t[a..b). */
static size_t skip_bind(const doc *d, size_t a, size_t b)
{
    const fp_words *w = &d->x->lx.cues[CUE_YEAR_BIND];
    for (size_t n; a < b && (n = fp_words_prefix(w, d->t + a, b - a));) a += n;
    return a;
}

/* Which side of a two-sided change (从A降至B) a figure stands on. */
enum { SIDE_NONE, SIDE_FROM, SIDE_TO };

static int change_side(const doc *d, size_t cstart, size_t start, size_t end, size_t cend)
{
    const fp_lexicon *lx = &d->x->lx;
    long from = fp_words_last(&lx->cues[CUE_FROM], d->t + cstart, start - cstart, NULL);
    if (from < 0) return SIDE_NONE;
    size_t f = cstart + (size_t)from;
    if (fp_words_first(&lx->cues[CUE_TO], d->t + f, start - f, NULL) >= 0) return SIDE_TO;
    return fp_words_first(&lx->cues[CUE_TO], d->t + end, cend - end, NULL) >= 0 ? SIDE_FROM : SIDE_NONE;
}

/* A sentence of results that ends on the year a change reached (…114个嘎查村
 *出列，发生率从2014年的11%降至2019年的0.04%) dates what it lists before
 * that change: the latest year after pos bound to the to-side figure of a
 * two-sided change, else the report's year. */
static int year_reached_later(const doc *d, size_t pos, size_t send)
{
    const fp_lexicon *lx = &d->x->lx;
    int best = 0;
    for (size_t i = 0; i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        if (y->off < pos) continue;
        if (y->off >= send) break;
        if (y->kind != Y_PLAIN && y->kind != Y_PLAN) continue; /* 至2019年 reads as a plan's year */
        size_t yend = y->off + y->len, g = skip_bind(d, yend, send);
        size_t yb = y->off >= pos + 6 ? y->off - 6 : pos;
        if (g == yend || !fp_num_starts(d->t + g, d->len - g) ||
            !fp_words_suffix(&lx->cues[CUE_TO], d->t + yb, y->off - yb))
            continue;
        if (y->year > best) best = y->year;
    }
    return best && (!d->year || best <= d->year) ? best : d->year;
}

/* The years of the last two-sided change in the sentence, so a parallel one
 * without years takes them (从2013年的746万人减少到2018年的155万人，发生率从20.6%下降到4.3%). */
typedef struct {
    int from, to;
} side_years;

/* The figure's year: one written right next to it; else, for a side of a
 * two-sided change, the year of the same side before it in the sentence;
 * else the nearest year before it in its sentence (one bound to another
 * figure of its clause is that figure's, not this one's); else the report's. */
static int pick_year(const doc *d, const cand *c, size_t cstart, size_t cend, size_t sstart, size_t send,
                     side_years *sides, int carried)
{
    size_t pos = c->start;
    int found = 0, have = 0;
    const year_ref *last = NULL;
    for (size_t i = 0; i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        if (y->off < sstart) continue;
        if (y->off >= send || y->off >= pos) break;
        if (y->kind == Y_TITLE) continue;
        last = y;
        size_t yend = y->off + y->len, g = skip_bind(d, yend, pos);
        /* 由上年的12.5亿元增加到20.1亿元: 上年 is the first figure's year only
         * (but 至2015年末的471万人 holds on: the end of a period is its present) */
        size_t yb = y->off >= sstart + 3 ? y->off - 3 : sstart;
        if (g > yend && g < pos && fp_num_starts(d->t + g, d->len - g) &&
            fp_words_suffix(&d->x->lx.cues[CUE_FROM], d->t + yb, y->off - yb))
            continue;
        found = year_value(d, y);
        have = 1;
    }
    int side = change_side(d, cstart, pos, c->end, cend);
    if (last && last->off >= cstart && skip_bind(d, last->off + last->len, pos) == pos) {
        int v = year_value(d, last);
        if (side == SIDE_FROM) sides->from = v;
        if (side == SIDE_TO) sides->to = v;
        return v;
    }
    if (side == SIDE_FROM && sides->from) return sides->from;
    if (side == SIDE_TO && sides->to) return sides->to;
    if (have) return found;
    int later = year_reached_later(d, c->end, send);
    return later != d->year || !carried ? later : carried;
}

/* The unit a noun of people or households implies at q, after any place
 * names and modifier words (万建档立卡贫困人口, 万科左后旗人民; a qualifier
 * such as 左右 may come first), or NULL. */
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

static int figure_at(doc *d, size_t pos, cand *c)
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
        if (sep && !n.mag && fp_num_parse(t + q + sep, d->len - q - sep, &n2) == FP_OK &&
            n2.arabic == n.arabic) {
            fp_dec lo = n.value;
            for (int k = 0; k < n2.mag && !fp_dec_scale(&lo, 10, 1); k++) {}
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
    if (u->counter && q + u->len <= d->len && memcmp(t + q, u->word, u->len) == 0) return 0;
    if (u->counter && at(t, d->len, q, "一")) return 0;
    /* 个人 is "individual", 元旦 a holiday, 年度 a year. */
    if (!strcmp(u->word, "个") && at(t, d->len, q, "人")) return 0;
    if (!strcmp(u->word, "元") && (at(t, d->len, q, "旦") || at(t, d->len, q, "素"))) return 0;
    if (!strcmp(u->word, "度") && pos > 0 && ends_with(t, pos, "年")) return 0;
    fp_dec v = value;
    if (fp_dec_scale(&v, u->factor, FP_DEC_SCALE)) return 0;
    c->value = v;
    c->unit = u;
    snprintf(c->unit_name, sizeof c->unit_name, "%s", u->unit);
    if (u->counter) snprintf(c->counter, sizeof c->counter, "%.15s", u->word);
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
    if (!strcmp(c->qualifier, "exact") || !strcmp(c->qualifier, "at_least")) {
        size_t from = pos >= 12 ? pos - 12 : 0;
        while (from < pos && ((unsigned char)t[from] & 0xC0) == 0x80) from++;
        if ((w = fp_words_suffix(&lx->cues[CUE_AT_MOST_BEFORE], t + from, pos - from))) c->qualifier = "at_most";
        else if ((w = fp_words_suffix(&lx->cues[CUE_AT_LEAST_BEFORE], t + from, pos - from)))
            c->qualifier = "at_least";
        else if (!strcmp(c->qualifier, "exact") &&
                 (w = fp_words_suffix(&lx->cues[CUE_APPROX_BEFORE], t + from, pos - from))) {
            c->qualifier = "approx";
            c->start = pos - w;
        }
    }
    return 1;
}

static void build_figure(const doc *d, const cand *c, const char *source, size_t s, fp_figure *f, fp_buf *path,
                         char **text, char **label, char **sentence)
{
    memset(f, 0, sizeof *f);
    f->value = c->value;
    snprintf(f->unit, sizeof f->unit, "%s", c->unit_name);
    snprintf(f->counter, sizeof f->counter, "%s", c->counter);
    snprintf(f->qualifier, sizeof f->qualifier, "%s", c->qualifier);
    snprintf(f->relation, sizeof f->relation, "%s", c->relation);
    snprintf(f->metric, sizeof f->metric, "%s", c->metric);
    f->year = c->year;
    f->optional = (uint8_t)c->optional;
    path->len = 0;
    if (path->p) path->p[0] = '\0';
    if (c->region >= 0) {
        const fp_region *r = fp_gaz_region(d->x->gaz, c->region);
        snprintf(f->region_code, sizeof f->region_code, "%s", r->code);
        fp_gaz_path(d->x->gaz, c->region, path);
        for (int k = 0; c->written && k < c->written->nw; k++) {
            fp_buf_puts(path, "/");
            fp_buf_append(path, d->t + c->written->w_off[k], c->written->w_len[k]);
        }
    }
    f->region_path = path->p ? path->p : "";
    *text = strndup(d->t + c->start, c->end - c->start);
    *label = strndup(d->t + c->label_off, c->label_len);
    size_t ss = d->sent[s].start, se = d->sent[s].end;
    while (ss < se && (d->t[ss] == ' ' || d->t[ss] == '\n' || d->t[ss] == '\t' || d->t[ss] == '\r')) ss++;
    *sentence = strndup(d->t + ss, se - ss);
    f->text = *text;
    f->label = *label;
    f->sentence = *sentence;
    f->source = (char *)source;
    f->offset = (uint32_t)c->start;
    f->length = (uint32_t)(c->end - c->start);
}

static int walk_figures(doc *d, const char *source, fp_figure_cb cb, void *ud, size_t *count)
{
    const char *t = d->t;
    fp_buf path = {0};
    int rc = FP_OK;
    size_t fig_sentence = (size_t)-1; /* the last sentence that had a figure */
    int whole_metric = -1;            /* the metric of the last figure that was no part */
    int carry_year = 0;               /* the year the paragraph's sentences so far were about */
    size_t yi = 0;                    /* the first year reference not before the sentence */
    for (size_t s = 0; s < d->ns && !rc; s++) {
        size_t sstart = d->sent[s].start, send = d->sent[s].end;
        if (s == 0 || memchr(t + d->sent[s - 1].end, '\n', sstart - d->sent[s - 1].end) ||
            (sstart > 0 && t[sstart - 1] == '\n'))
            carry_year = 0;
        /* 2019年春天，…承包了200亩地。秋收时，亩产达3000多公斤: a sentence that
         * names no year is about the year of the paragraph's sentence before */
        int own_year = 0;
        while (yi < d->ny && d->y[yi].off < sstart) yi++;
        for (size_t i = yi; i < d->ny && d->y[i].off < send; i++) {
            const year_ref *y = &d->y[i];
            size_t yb = y->off >= sstart + 6 ? y->off - 6 : sstart;
            /* a year that opens the sentence (2019年春天，…) sets its time, but not one a
             * practice started in (2017年开始，…); 较2018年增长160%,
             * 由上年的…: a year compared with is not what the sentence is about */
            if ((y->kind == Y_PLAIN || y->kind == Y_RELATIVE) && clause_start(d, sstart, y->off) == sstart &&
                !fp_words_suffix(&d->x->lx.cues[CUE_FROM], t + yb, y->off - yb) &&
                !fp_words_suffix(&d->x->lx.cues[CUE_COMPARE], t + yb, y->off - yb) &&
                !fp_words_prefix(&d->x->lx.cues[CUE_YEAR_ONSET], t + y->off + y->len, send - y->off - y->len))
                own_year = year_value(d, y);
        }
        int carried = carry_year;
        if (own_year) carry_year = own_year;
        if (d->skip[s]) continue;
        int prior = 0, prior_part = 0;
        size_t prior_end = sstart;
        int prev_fig = s > 0 && fig_sentence == s - 1 && !memchr(t + d->sent[s - 1].start, '\n',
                                                                  sstart - d->sent[s - 1].start);
        /* the units of a breakdown under way (其中 A…，B…，C…; 索县6户、34人，安多县14户、79人) */
        char run[4][16];
        int nrun = 0;
        /* the units of the sentence's wholes so far (入库项目2204个，涉及资金18.7亿元) */
        char wholes[4][32]; /* unit and counter (个 and 家 count different things) */
        int nwholes = 0;
        side_years sides = {0, 0};
        /* ； joins clauses of one sentence: a year before it still holds after it */
        size_t ystart = sstart;
        for (size_t k = s; k > 0 && (ends_with(t, d->sent[k - 1].end, "；") || t[d->sent[k - 1].end - 1] == ';'); k--)
            ystart = d->sent[k - 1].start;
        for (size_t p = sstart; p < send && !rc;) {
            unsigned char ch = (unsigned char)t[p];
            int could = (ch >= '0' && ch <= '9') || (ch >= 0x80 && (fp_num_starts(t + p, d->len - p) ||
                                                                     at(t, d->len, p, "百分之")));
            if (!could) {
                p += fp_utf8_len(ch);
                continue;
            }
            size_t pc = fp_utf8_prev(t, p);
            int after_letter = p > 0 && ((t[pc] >= 'A' && t[pc] <= 'Z') || (t[pc] >= 'a' && t[pc] <= 'z'));
            int ordinal = p > 0 && (at(t, d->len, pc, "第") || at(t, d->len, pc, "表") || at(t, d->len, pc, "图"));
            cand c;
            if (!after_letter && !ordinal && figure_at(d, p, &c) && c.num_end <= send) {
                size_t cstart = clause_start(d, sstart, c.start);
                size_t cend = clause_end(d, send, c.end);
                if (!strcmp(c.unit_name, "count") || !strcmp(c.unit_name, "person")) {
                    if (is_household_context(d, &c, cstart, cend, prior ? prior_end : (size_t)-1))
                        snprintf(c.unit_name, sizeof c.unit_name, "household"), c.counter[0] = '\0';
                    else if (!strcmp(c.unit_name, "count") && !strcmp(c.counter, "个") &&
                             fp_words_prefix(&d->x->lx.cues[CUE_PERSON_NOUN], t + c.num_end, cend - c.num_end))
                        snprintf(c.unit_name, sizeof c.unit_name, "person"), c.counter[0] = '\0';
                }
                c.year = pick_year(d, &c, cstart, cend, ystart, send, &sides, carried);
                pick_relation(d, &c, cstart, cend, sstart, prior, prior_end, prev_fig);
                /* The items after the first of a breakdown are parts too, while
                 * they measure in one of its units and no ； closes the list;
                 * a figure joined to a part by 、 alone (6户、34人) adds its unit. */
                /* ； closes the list, and so does the whole after 包括…在内 */
                if (memmem(t + prior_end, c.start - prior_end, "；", 3) ||
                    fp_words_first(&d->x->lx.cues[CUE_PART_AROUND], t + prior_end, c.start - prior_end, NULL) >= 0)
                    nrun = 0, prior_part = 0;
                int in_run = 0;
                for (int k = 0; k < nrun; k++) in_run |= !strcmp(run[k], c.unit_name);
                int joined = prior_part && c.start == prior_end + 3 && at(t, d->len, prior_end, "、");
                if (!strcmp(c.relation, "total") && (in_run || joined)) c.relation = "part";
                if (!strcmp(c.relation, "part") && !in_run) {
                    if (!joined || nrun == 4) nrun = 0;
                    snprintf(run[nrun++], sizeof run[0], "%s", c.unit_name);
                }
                /* 已实施项目1034个, 完成投资3.1亿元: progress on a whole stated
                 * before it in the sentence, in its unit, is a part of it */
                if (!strcmp(c.relation, "total")) {
                    char key[32];
                    snprintf(key, sizeof key, "%s/%s", c.unit_name, c.counter);
                    int of_whole = 0;
                    for (int k = 0; k < nwholes; k++) of_whole |= !strcmp(wholes[k], key);
                    if (of_whole && fp_words_prefix(&d->x->lx.cues[CUE_PROGRESS], t + cstart, c.start - cstart))
                        c.relation = "part";
                    else if (nwholes < 4)
                        memcpy(wholes[nwholes++], key, sizeof key);
                }
                prior_part = !strcmp(c.relation, "part");
                int weak = pick_metric(d, &c, cstart, cend, sstart, send);
                int counted = counted_level(d, &c, cend);
                /* poor places counted as a stock (全市有贫困嘎查村280个) are
                 * poor_population; counted as where something happens (在57个
                 * 贫困旗县实施…) they are the clause's scope: other */
                if (counted && !strcmp(c.metric, "poor_population") &&
                    fp_words_suffix(&d->x->lx.cues[CUE_SCOPE_BEFORE], t + cstart, c.start - cstart))
                    c.metric = "other";
                /* a part with no cue of its own measures what its whole does
                 * (覆盖农牧民5628户，其中贫困户2173户) */
                const fp_unit_metrics *um = fp_lexicon_unit_metrics(&d->x->lx, c.unit_name, c.counter);
                if (!strcmp(c.relation, "part") && weak && whole_metric >= 0 && strcmp(c.metric, "rate") &&
                    (!um || um->allowed >> whole_metric & 1))
                    c.metric = d->x->lx.metrics[whole_metric].name;
                if (strcmp(c.relation, "part")) {
                    whole_metric = -1;
                    for (int mi = 0; mi < d->x->lx.nmetrics; mi++)
                        if (!strcmp(d->x->lx.metrics[mi].name, c.metric)) whole_metric = mi;
                }
                c.region = pick_region(d, s, c.start, cstart, sstart, send, counted, &c.written);
                fp_figure f;
                char *text = NULL, *label = NULL, *sentence = NULL;
                build_figure(d, &c, source, s, &f, &path, &text, &label, &sentence);
                if (!text || !label || !sentence || path.oom) rc = FP_ENOMEM;
                else {
                    rc = cb(&f, ud);
                    (*count)++;
                }
                free(text);
                free(label);
                free(sentence);
                prior = 1;
                prior_end = c.end;
                fig_sentence = s;
                p = c.end;
                continue;
            }
            /* Skip the rest of this number so its tail is not read as another. */
            fp_num n;
            if (fp_num_parse(t + p, d->len - p, &n) == FP_OK && n.len) p += n.len;
            else p += fp_utf8_len(ch);
        }
    }
    fp_buf_free(&path);
    return rc;
}

int fp_extract(const fp_extractor *x, const char *source, const char *text, size_t len, int year_hint,
               const char *region_hint, fp_figure_cb cb, void *ud, fp_doc_info *info)
{
    doc d;
    memset(&d, 0, sizeof d);
    d.x = x;
    d.t = text;
    d.len = len;
    int rc = scan_sentences(&d);
    if (!rc) rc = scan_refs(&d);
    if (!rc) mark_located(&d);
    size_t count = 0;
    if (!rc) {
        find_subject(&d, region_hint);
        rc = keep_deep(&d);
    }
    if (!rc) {
        resolve_mentions(&d);
        follow_location(&d);
        rc = resolve_back(&d);
    }
    if (!rc) rc = find_topics(&d);
    if (!rc) {
        find_year(&d, year_hint, source);
        rc = walk_figures(&d, source, cb, ud, &count);
    }
    if (info) {
        info->subject = d.subject;
        info->year = d.year;
        info->figures = count;
    }
    free(d.m);
    free(d.y);
    free(d.sent);
    free(d.skip);
    free(d.topic);
    free(d.topic_w);
    free(d.bk);
    return rc;
}

int fp_extractor_load(fp_extractor **out, const char *datadir)
{
    fp_extractor *x = calloc(1, sizeof *x);
    if (!x) return FP_ENOMEM;
    char r[4096], a[4096];
    snprintf(r, sizeof r, "%s/regions.tsv", datadir);
    snprintf(a, sizeof a, "%s/aliases.tsv", datadir);
    int rc = fp_gaz_load(&x->gaz, r, a);
    /* short forms of autonomous places (凉山州, 广西), derived by
     * make-gazetteer.py, and the names counties had before a rename */
    static const char *const more[] = {"aliases-auto.tsv", "former-names.tsv"};
    for (size_t i = 0; i < sizeof more / sizeof more[0] && !rc; i++) {
        snprintf(a, sizeof a, "%s/%s", datadir, more[i]);
        rc = fp_gaz_add_names(x->gaz, a);
    }
    if (!rc) rc = fp_lexicon_load(&x->lx, datadir);
    if (rc) {
        fp_extractor_free(x);
        return rc;
    }
    *out = x;
    return FP_OK;
}

void fp_extractor_free(fp_extractor *x)
{
    if (!x) return;
    fp_gaz_free(x->gaz);
    fp_lexicon_free(&x->lx);
    free(x);
}
