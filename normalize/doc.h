/* doc: the document model every phase of extraction reads and fills --
 * one report's text with its sentences, place mentions and year references
 * (found in one pass), and the figure candidate each phase adds to. Internal
 * to normalize/: extract.h is the library's interface.
 *
 * The phases, one file each, run in this order (fp_extract): text.c finds
 * the sentences; places.c and years.c scan names and years (scan_refs),
 * settle the subject, each paragraph's place and the report's year; then
 * for each number figures.c reads the figure, and years.c, relations.c,
 * measures.c and places.c say its year, relation, metric and place. Each
 * phase reads only what the ones before it found. */
#ifndef FP_DOC_H
#define FP_DOC_H

#include "extract.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"
#include "numparse.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static inline int at(const char *t, size_t len, size_t pos, const char *w)
{
    if (pos >= len || t[pos] != w[0]) return 0; /* most positions fail here, cheaply */
    size_t n = strlen(w);
    return pos + n <= len && memcmp(t + pos, w, n) == 0;
}

static inline int ends_with(const char *t, size_t pos, const char *w)
{
    size_t n = strlen(w);
    return pos >= n && memcmp(t + pos - n, w, n) == 0;
}

/* The first occurrence in t[0..n) of the three-byte string w (a CJK mark), or NULL: memmem's answer,
 * found by memchr on its lead byte, which is far quicker for a needle this short. */
static inline const char *find3(const char *t, size_t n, const char *w)
{
    for (const char *p = t, *e = t + n; p + 3 <= e; p++) {
        p = memchr(p, w[0], (size_t)(e - p) - 2);
        if (!p) return NULL;
        if (p[1] == w[1] && p[2] == w[2]) return p;
    }
    return NULL;
}

/* Copies the string src into dst of cap bytes (cap > 0), cut to cap - 1
 * bytes and always terminated: what snprintf(dst, cap, "%s", src) writes,
 * without its format parsing, for the fixed fields copied per figure. */
static inline void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The index of the first of n records, stride bytes apart and sorted by an
 * offset that is each record's first member (mention, year_ref), whose
 * offset is at or after pos; n when none is. Binary search: a long report
 * names thousands of places and years. */
static inline size_t first_off_from(const void *base, size_t n, size_t stride, size_t pos)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (*(const size_t *)(const void *)((const char *)base + mid * stride) < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct {
    size_t off, len; /* the name as matched: off first, for first_off_from */
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

/* A township the report names by a name it had before an upgrade (东坝头乡, now 东坝头镇):
 * figures' paths write it as the report does. */
typedef struct {
    int region;
    size_t off, len;
} renamed;

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
    size_t off, len; /* off first, for first_off_from */
    int year;  /* for Y_RELATIVE: offset from the report year */
    int kind;
} year_ref;

typedef struct {
    size_t start, end;
} span;

typedef struct {
    const fp_extractor *x;
    const char *t;   /* the text the phases read (layout_text: a copy with its layout undone) */
    const char *src; /* the report's text as given, of the same length: what figures quote */
    size_t len;
    mention *m;
    size_t nm, capm;
    year_ref *y;
    size_t ny, capy;
    back_ref *bk;
    size_t nbk, capbk;
    renamed *ren;
    size_t nren, capren;
    span *sent;
    size_t ns, caps;
    unsigned char *skip; /* per sentence: 1 when boilerplate */
    uint64_t *cues;      /* per sentence: bit lx.sent_bit[c] when a word of class c (of lx.sent_ix;
                            classes past CUE_INDEXABLE_END take spare bits) starts in it and ends in
                            it; all bits for a sentence of malformed UTF-8. It lies in skip's block,
                            followed by the sentences' words (cue_first and cue_last search them) and
                            the block's end: freeing skip frees them all */
    int *topic;          /* per sentence: the place its paragraph is about (else the subject) */
    const mention **topic_w; /* per sentence: the mention that names the topic with written parts, or NULL */
    int subject;
    int province;
    int year;
    int date_month;  /* the month of the date the report's year was read from, when it is that year's (0: none) */
    size_t cur_sent; /* the sentence walk_figures is in: tried first by cue_first and kin */
    int sec_year;    /* the year the heading above the sentence walk_figures is in names (0: none):
                        a review's 一、2019年工作回顾 makes its 全年 and 今年 that year */
    int para_year;   /* the year the paragraph's sentences before walk_figures' were about (0: none):
                        its 全年 (year_whole) is that year */
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
    size_t cue_off, cue_len; /* the metric's cue word itself (len 0: none) */
    int region, year;
    const mention *written; /* the mention whose written parts extend region, or NULL */
    int chinese_only;
    int optional; /* the unit is only implied (14.8万贫困人口) */
    /* a measure of its own, published as other:<label>: one channel of a whole never
     * stated (通过发展生产脱贫33368人), or places counted as where something happens */
    int own_measure;
    /* a target whatever words stand by it: a per-unit figure its clause plans (预计实现人均可支配收入
     * 9800元: its relation stays per_unit, GUIDE.md), a figure under a heading that plans, or one of
     * a year after the report's; its series is target, never the value */
    int target;
} cand;

/* What the figures walked so far tell the next one: the rules of relations.c, measures.c and
 * places.c read it and update it, figure after figure, in the order walk_figures calls them. */
typedef struct {
    /* in the sentence (sentence_start resets them) */
    int prior;             /* a figure stood before this one */
    size_t prior_end;      /* where it ended (the sentence's start when none) */
    int prior_part;        /* it was a part */
    const char *prior_relation, *prior_metric;
    size_t prior_label_off, prior_label_len; /* its label (len 0: none) */
    int prior_received;    /* the place it was given to (received_region), -1 when none */
    int prior_nation;      /* the nation, when it was the nation's figure; else -1 */
    char prior_unit[16];   /* its unit */
    int prior_scope;       /* it counted the places something happens in */
    char run[4][16];       /* the units of a breakdown under way (其中 A…，B…; 索县6户、34人，安多县14户、79人) */
    int nrun;
    char wholes[4][32];    /* the unit/counter of the sentence's wholes so far (入库项目2204个，涉及资金18.7亿元) */
    char whole_of[4][24];  /* and the metric each whole measures */
    int nwholes;
    size_t resp_at;        /* the 分别 the figures of a respective list follow */
    int resp_k;            /* and this figure's place in that list */
    /* across sentences (walk_start sets them) */
    int whole_metric;      /* the metric of the last figure that was no part (-1: none) */
    size_t whole_label_off, whole_label_len; /* and its label */
} fig_context;

static inline void walk_start(fig_context *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->whole_metric = -1;
}

static inline void sentence_start(fig_context *fx, size_t sstart)
{
    fx->prior = fx->prior_part = fx->prior_scope = fx->nrun = fx->nwholes = fx->resp_k = 0;
    fx->prior_relation = "total", fx->prior_metric = "other";
    fx->prior_label_len = 0;
    fx->prior_received = fx->prior_nation = -1;
    fx->prior_unit[0] = '\0';
    fx->prior_end = sstart;
    fx->resp_at = (size_t)-1;
}

/* The years of the last two-sided change in the sentence, so a parallel one
 * without years takes them (从2013年的746万人减少到2018年的155万人，发生率从20.6%下降到4.3%). */
typedef struct {
    int from, to;
} side_years;

/* ---------- text.c: sentences, clauses, paragraphs ---------- */

/* Length of the clause mark (，；：、 and ASCII kin) at t[p], or 0. */
size_t clause_mark(const char *t, size_t len, size_t p);
/* The text the phases read: t[0..len) with what its layout added undone, in
 * a copy of the same length (so every offset holds), or *out NULL when
 * nothing needed undoing. Line breaks inside a sentence (text cut by a page
 * or a web page's layout: …生态补偿\n\n脱贫3072人) become spaces: they end no
 * sentence, clause or paragraph; a 、 inside short brackets (旗县（市、区）)
 * becomes ・: it splits no clause. FP_OK or FP_ENOMEM. */
int layout_text(const char *t, size_t len, char **out);
/* Fills d->sent with the sentences of d->t and d->skip with the boilerplate ones. FP_OK or FP_ENOMEM. */
int scan_sentences(doc *d);
/* The index of the sentence holding offset pos (binary search). */
size_t sentence_of(const doc *d, size_t pos);
/* The start of the paragraph before the one holding p (of the one holding p when p starts a paragraph). */
size_t para_start(const char *t, size_t p);
/* 1 when a list item (1. ① （一） 一是) starts the line at t[p]. */
int list_item_at(const char *t, size_t len, size_t p);
/* 1 when sentence s is a heading: a line of its own of at most 30 characters (二、存在问题,
 * 三、2021年工作打算), so with no sentence mark. */
int heading_line(const doc *d, size_t s);
/* The start of the clause holding pos, not before its sentence's start. */
size_t clause_start(const doc *d, size_t sent_start, size_t pos);
/* The end of the clause holding pos, not past its sentence's end. */
size_t clause_end(const doc *d, size_t sent_end, size_t pos);
/* fp_words_first, fp_words_last and fp_words_suffix of cue class `cue` over d->t[a..b): the same
 * answers, given at once (-1, 0) when [a, b) lies in one sentence that holds no word of the class. */
long cue_first(const doc *d, int cue, size_t a, size_t b, size_t *wlen);
long cue_last(const doc *d, int cue, size_t a, size_t b, size_t *wlen);
size_t cue_suffix(const doc *d, int cue, size_t a, size_t b);

/* ---------- figures.c: numbers and units ---------- */

/* 1 when the count c counts households: a household noun after it (6名建档立卡户), or, for a count of 个,
 * before it (农户200多个). */
int is_household_context(const doc *d, const cand *c, size_t cstart, size_t cend, size_t prior_end);
/* 1 when a figure starts at pos, filling c with its number, value, unit, counter, qualifier and text
 * span; 0 when none does. */
int figure_at(doc *d, size_t pos, cand *c);

/* ---------- places.c: places ---------- */

/* One pass over the text: pushes every place mention onto d->m and year reference onto d->y, in offset
 * order. FP_OK or FP_ENOMEM. */
int scan_refs(doc *d);
/* Drops the township and village names standing alone that nothing around them settles as places.
 * FP_OK or FP_ENOMEM. */
int keep_deep(doc *d);
/* Sets each mention's region to the candidate that fits what surrounds it. */
void resolve_mentions(doc *d);
/* Fills d->ren with the townships named otherwise than the gazetteer names them. FP_OK or FP_ENOMEM. */
int note_renamed(doc *d);
/* Marks the names that say where the place before them lies (X位于Y). */
void mark_located(doc *d);
/* Keeps a village under the township its report places it in, when the gazetteer has it elsewhere. */
void follow_location(doc *d);
/* Puts at each word naming a place again (村里, 全乡) a copy of that place's mention. FP_OK or FP_ENOMEM. */
int resolve_back(doc *d);
/* Sets d->subject (the place the report is about; region_hint, a region code, first) and d->province. */
void find_subject(doc *d, const char *region_hint);
/* Fills d->topic and d->topic_w: the place each sentence is about when it names none. FP_OK or FP_ENOMEM. */
int find_topics(doc *d);
/* The level of the places a count counts (20个旗县 is FP_LEVEL_COUNTY), 0 when it counts none. */
int counted_level(const doc *d, const cand *c, size_t cend);
/* The place the figure at pos is about (a region index, or -1); *written is set to the mention whose
 * written parts extend it, and *received to the place that receives what the figure's clause
 * [cstart, pos) gives (北京市向内蒙古投入…, 福州市投入西吉县帮扶资金…: what one place gives another is
 * the receiver's, whatever province it is in), -1 when none or when level counts places. */
int pick_region(const doc *d, size_t s, size_t pos, size_t cstart, size_t sstart, size_t send, int level,
                const mention **written, int *received);

/* The place of the k-th figure (from 0) after the 分别 at at_word, when the
 * sentence (from sstart) lists that many places or more right before it
 * (骆驼湾村、顾家台村…分别达到13620元、12700元); -1 otherwise. */
int respective_place(const doc *d, size_t sstart, size_t at_word, int k);
/* The index of the first place mention at or after offset pos (binary search). */
size_t first_mention_from(const doc *d, size_t pos);
/* A、B分别…X、Y: the k-th figure after 分别 is the k-th listed place's, and the k-th listed year's
 * (2016年、2017年和2018年分别减贫…); sets c->region and c->year when the sentence lists them. */
void respective(const doc *d, cand *c, fig_context *fx, size_t sstart);

/* ---------- years.c: years ---------- */

/* The number of ASCII digits at t[p], at most max. */
size_t digits_at(const char *t, size_t len, size_t p, size_t max);
/* At a digit: pushes the year reference there, if any, and moves *pp past it or past the digits. FP_OK
 * or FP_ENOMEM. */
int year_scan_digits(doc *d, size_t *pp, int title_depth);
/* The year of the k-th figure (from 0) after the 分别 at at_word, when the sentence (from sstart)
 * lists that many years or more right before it (2016年、2017年和2018年分别…); 0 otherwise. */
int respective_year(const doc *d, size_t sstart, size_t at_word, int k);
/* The index of the first year reference at or after offset pos (binary search). */
size_t first_year_from(const doc *d, size_t pos);
/* The value of the Chinese numeral at t[p] (〇 零 一 … 九), -1 if none. */
int hanzi_digit(const char *t, size_t len, size_t p);
/* At a Chinese numeral: pushes the year written in them there (二〇一九年, 二〇二〇年一月十五日), if any,
 * and moves *pp past it: 1; none: 0; FP_ENOMEM. */
int year_scan_hanzi(doc *d, size_t *pp, int title_depth);
/* At a full-width digit t[*pp]: a year written in them (２０１９年) pushed onto d->y; *pp is moved
 * past the digits either way. FP_OK or FP_ENOMEM. */
int year_scan_wide(doc *d, size_t *pp, int title_depth);
/* At t[*pp]: pushes a year named against the report's (今年, 上年) and moves *pp past it: 1; none: 0;
 * FP_ENOMEM. cm and len are fp_cue_at(&lx->refs_ix) at *pp. */
int year_scan_relative(doc *d, size_t *pp, uint64_t cm, const size_t *len);
/* Sets d->year: a date in the report's first lines, else the latest year it states as fact, else hint,
 * else a year in its file name, else 0. */
void find_year(doc *d, int hint, const char *source);
/* The calendar year a reference names (a relative one against d->year; 0 when that is unknown). */
int year_value(const doc *d, const year_ref *y);
/* The month of a date line that gives no day (阜平县统计局\n2019年4月\n): y followed by its month and
 * nothing else on its line as written; 0 when y is no such date. */
int byline_month(const doc *d, const year_ref *y);
/* The year the figure c is about; sides carries a two-sided change's years across the sentence;
 * carried is the year the paragraph's sentences so far were about (0: none). */
int pick_year(const doc *d, const cand *c, size_t cstart, size_t cend, size_t sstart, size_t send,
                 side_years *sides, int carried);

/* ---------- measures.c: metrics ---------- */

/* Sets c's metric and label with pick_metric, read up to the words that open a part in its clause
 * (66个贫困县中已有58个县, 117户贫困户已有116户脱贫); a change in percent with no cue of its own
 * takes the metric of the figure before. 1 when the metric is weak, as pick_metric says. */
int measure_figure(const doc *d, cand *c, const fig_context *fx, size_t cstart, size_t cend, size_t sstart,
                   size_t send);
/* The sentence's say in c's metric, once its relation is settled (counted: counted_level's answer):
 * places counted where something happens are a measure of their own, a part with no cue measures
 * what its whole does, a figure that states a standard is that standard's. Updates fx. */
void measure_in_context(const doc *d, cand *c, fig_context *fx, int weak, int counted, size_t cstart, size_t cend);

/* Sets c->metric and c->label_* from the cue words around the figure; 1 when the metric is weak (none
 * found, or only a noun of the poor). */
int pick_metric(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, size_t send);

/* ---------- relations.c: relations ---------- */

/* The sentence's say in c's relation, after pick_relation: an item of a series joined by 、 or 和
 * shares the change or per-unit relation of the item before; the later items of a breakdown are
 * parts; a share is no item of the breakdown before it. */
void relate_in_series(const doc *d, cand *c, fig_context *fx, size_t cstart);
/* 1 when c is the second of a pair written as one (3921户15530人: households, then people, or
 * people, then households, with nothing but a space between): it states what the first does. */
int pair_of_prior(const doc *d, const cand *c, const fig_context *fx);
/* After the metric (weak: measure_figure's answer): progress on a whole stated before in the
 * sentence is a part of it, and so is a channel of the year's exits (kind_item). Updates fx. */
void relate_to_wholes(const doc *d, cand *c, fig_context *fx, int weak, size_t cstart, size_t sstart, size_t send);

/* 1 when sentence s holds a plan word that plans. */
int sentence_has_plan(const doc *d, size_t s);
/* 1 when sentence s is a heading line that plans and reports nothing done: a plan word or a
 * plan_heading word (四、下一步工作打算, 三、2020年工作安排; not 一、目标任务完成情况). Its section's
 * outcomes are targets, and its years are no year the report is about. */
int heading_plans(const doc *d, size_t s);
/* Sets c->relation: per_unit, change, plan, part or total. */
void pick_relation(const doc *d, cand *c, size_t cstart, size_t cend, size_t sstart, int has_prior_figure,
                 size_t prior_end, int prev_sentence_figure);

#endif
