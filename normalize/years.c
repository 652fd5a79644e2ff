/* years: year references in the text (2019年, 2019-03-08, 今年, 2014年以来),
 * the report's own year, and the year each figure is about. */
#include "doc.h"
#include "charclass.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of 年 at t[q], after one space or none (2019 年: text laid out from a PDF), 0 if none. */
static size_t nian(const char *t, size_t len, size_t q)
{
    if (at(t, len, q, "年")) return 3;
    return q < len && t[q] == ' ' && at(t, len, q + 1, "年") ? 4 : 0;
}

/* q past one space, if one is there (2019 年 12 月 20 日) */
static size_t past_space(const char *t, size_t len, size_t q)
{
    return q < len && t[q] == ' ' ? q + 1 : q;
}

static int is_digit4_year(const char *t, size_t len, size_t p, int *year)
{
    if (p + 4 > len) return 0;
    for (int i = 0; i < 4; i++)
        if (t[p + i] < '0' || t[p + i] > '9') return 0;
    if (p > 0 && t[p - 1] >= '0' && t[p - 1] <= '9') return 0;
    int y = (t[p] - '0') * 1000 + (t[p + 1] - '0') * 100 + (t[p + 2] - '0') * 10 + (t[p + 3] - '0'); /* no atoi: four digits */
    if (y < 1949 || y > 2100) return 0;
    *year = y;
    return 1;
}

size_t digits_at(const char *t, size_t len, size_t p, size_t max)
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
    size_t r = nian(t, len, q);
    if (!r) return 0;
    r = past_space(t, len, q + r);
    size_t m = digits_at(t, len, r, 2);
    if (!m) return 0;
    r = past_space(t, len, r + m);
    if (!at(t, len, r, "月")) return 0;
    r = past_space(t, len, r + 3);
    size_t dd = digits_at(t, len, r, 2);
    if (!dd) return 0;
    r = past_space(t, len, r + dd);
    return at(t, len, r, "日") ? r + 3 - q : 0;
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

/* The value of the Chinese numeral character at t[p] (〇 零 一 … 九), -1 if none. */
int hanzi_digit(const char *t, size_t len, size_t p)
{
    /* one decode and a table load (fp_hanzi_digit_cp): every code point of the twelve is of
     * three bytes led by E2..E9, so a well-formed character that is one of them is led so too */
    uint32_t cp;
    if (p >= len || !fp_utf8_cjk3((const unsigned char *)t + p, len - p, &cp)) return -1;
    return fp_hanzi_digit_cp(cp);
}

/* Length of a Chinese number from 1 to 39 at t[p] (五, 十, 十二, 二十, 三十一), 0 if
 * none; its value in *v. */
static size_t hanzi_small(const char *t, size_t len, size_t p, int *v)
{
    size_t n = 0;
    int d = hanzi_digit(t, len, p);
    if (d >= 1 && d <= 3 && at(t, len, p + 3, "十")) n = 6, *v = 10 * d;
    else if (at(t, len, p, "十")) n = 3, *v = 10;
    else {
        *v = d;
        return d >= 1 ? 3 : 0;
    }
    int u = hanzi_digit(t, len, p + n);
    if (u >= 1) *v += u, n += 3;
    return n;
}

/* Length of the month-and-day tail of a date written in Chinese numerals
 * after its year at q (年一月十五日), 0 if none. */
static size_t hanzi_date_tail(const char *t, size_t len, size_t q)
{
    int v;
    if (!at(t, len, q, "年")) return 0;
    size_t m = hanzi_small(t, len, q + 3, &v);
    if (!m || !at(t, len, q + 3 + m, "月")) return 0;
    size_t dd = hanzi_small(t, len, q + 6 + m, &v);
    return dd && at(t, len, q + 6 + m + dd, "日") ? 9 + m + dd : 0;
}

/* 1 when a since word (以来) ends the phrase the year at `after` opens, right after it or within
 * ten characters and no clause break (2018年以来, 自2018年入驻宁夏以来, 2018年10月以来): the
 * year starts a period. */
static int since_soon(const doc *d, size_t after)
{
    const fp_words *w = &d->x->lx.cues[CUE_SINCE];
    size_t q = after, end = d->ns ? d->sent[sentence_of(d, after)].end : d->len;
    for (int k = 0; k < 10 && q < end && !clause_mark(d->t, d->len, q); k++, q += fp_utf8_len((unsigned char)d->t[q]))
        if (fp_words_prefix(w, d->t + q, d->len - q)) return 1;
    return 0;
}

/* Pushes the year y whose digits span t[p..q) onto d->y, its kind read from
 * what follows and precedes it (dated: it is a date's, whose month and day
 * take dt bytes after it), and sets *end past it; *end is 0 when nothing
 * makes it a year (four digits with none of 年, a date or a range after
 * them). FP_OK or FP_ENOMEM. */
static int push_year(doc *d, size_t p, size_t q, int y, int dated, size_t dt, int range_ok, int title_depth,
                     size_t *end)
{
    const char *t = d->t;
    const fp_lexicon *lx = &d->x->lx;
    int kind = title_depth ? Y_TITLE : Y_PLAIN;
    size_t ylen = q - p, nl;
    *end = 0;
    if (dated) {
        kind = title_depth ? Y_TITLE : Y_DATE;
        ylen += dt;
    } else if ((nl = nian(t, d->len, q))) {
        ylen += nl;
        size_t after = q + nl;
        if (since_soon(d, after)) kind = Y_SINCE;
        else if (kind == Y_PLAIN && fp_words_prefix(&lx->cues[CUE_YEAR_CURRENT], t + after, d->len - after))
            kind = Y_CURRENT;
    } else if (range_ok && (at(t, d->len, q, "-") || at(t, d->len, q, "—") || at(t, d->len, q, "～") ||
                            at(t, d->len, q, "~") || at(t, d->len, q, "至"))) {
        kind = Y_RANGE_START;
    } else {
        return FP_OK;
    }
    size_t pc = fp_utf8_prev(t, p);
    if (kind == Y_PLAIN && p > 0 &&
        (at(t, d->len, pc, "到") || at(t, d->len, pc, "至") || at(t, d->len, pc, "—") || at(t, d->len, pc, "-") ||
         at(t, d->len, pc, "～") || at(t, d->len, pc, "~")))
        kind = Y_PLAN;
    PUSH(d->y, d->ny, d->capy, ((year_ref){p, ylen, y, kind}));
    *end = p + ylen;
    return FP_OK;
}

/* At the digit t[*pp]: a year reference (2019年, 2019-03-08, 2016—2020),
 * pushed onto d->y with *pp moved past it; else *pp moved past the digits. */
int year_scan_digits(doc *d, size_t *pp, int title_depth)
{
    const char *t = d->t;
    size_t p = *pp, q = p, end = 0;
    int y;
    if (is_digit4_year(t, d->len, p, &y)) {
        size_t dt = date_tail(t, d->len, p + 4);
        int rc = push_year(d, p, p + 4, y, dt || date_before(t, p), dt, 1, title_depth, &end);
        if (rc) return rc;
    }
    if (!end)
        for (end = q; end < d->len && t[end] >= '0' && t[end] <= '9';) end++;
    *pp = end;
    return FP_OK;
}

/* The value of the full-width digit at t[p] (０ .. ９, U+FF10..FF19), -1 if none. */
static int wide_digit(const char *t, size_t len, size_t p)
{
    const unsigned char *u = (const unsigned char *)t + p;
    return p + 3 <= len && u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99 ? u[2] - 0x90 : -1;
}

int year_scan_wide(doc *d, size_t *pp, int title_depth)
{
    size_t p = *pp, q = p;
    int y = 0, n = 0;
    for (int v; (v = wide_digit(d->t, d->len, q)) >= 0; q += 3, n++) y = y * 10 + (n < 5 ? v : 0);
    if (n == 4 && y >= 1980 && y <= 2039) {
        size_t end = 0;
        int rc = push_year(d, p, q, y, 0, 0, 0, title_depth, &end);
        if (rc) return rc;
    }
    *pp = q; /* the digits are read: a figure in them is walk_figures' */
    return FP_OK;
}

/* At a Chinese numeral t[*pp]: a year written in them (二〇一九年,
 * 二〇二〇年一月十五日), pushed onto d->y with *pp moved past it: 1; none: 0;
 * FP_ENOMEM. */
int year_scan_hanzi(doc *d, size_t *pp, int title_depth)
{
    const char *t = d->t;
    size_t p = *pp, end;
    int y = 0;
    if (p >= 3 && hanzi_digit(t, d->len, fp_utf8_prev(t, p)) >= 0) return 0;
    for (int i = 0; i < 4; i++) {
        int v = hanzi_digit(t, d->len, p + 3 * (size_t)i);
        if (v < 0) return 0;
        y = y * 10 + v;
    }
    if (y < 1949 || y > 2100 || !at(t, d->len, p + 12, "年")) return 0;
    size_t dt = hanzi_date_tail(t, d->len, p + 12);
    int rc = push_year(d, p, p + 12, y, dt != 0, dt, 0, title_depth, &end);
    if (rc) return rc;
    if (!end) return 0;
    *pp = end;
    return 1;
}

/* At t[*pp]: a year named against the report's (今年, 上年, 前年), pushed onto
 * d->y with *pp moved past it: 1; none: 0; FP_ENOMEM. cm and len say which
 * words of lx->refs_ix start there (fp_cue_at); of the year classes, the
 * first in this order that has a word wins. */
int year_scan_relative(doc *d, size_t *pp, uint64_t cm, const size_t *len)
{
    static const struct {
        int cue, delta;
    } rel[] = {{CUE_YEAR_LAST2, -2}, {CUE_YEAR_LAST, -1}, {CUE_YEAR_THIS, 0}, {CUE_YEAR_NEXT, 1}};
    /* 2016年…当年, 同年, 次年: the year written last, or the next; a relative one (去年…次年) stays
     * relative; none before: the report's */
    static const struct {
        int cue, delta;
    } ana[] = {{CUE_YEAR_SAME, 0}, {CUE_YEAR_AFTER, 1}};
    for (size_t i = 0; i < sizeof ana / sizeof ana[0]; i++) {
        if (!(cm >> ana[i].cue & 1)) continue;
        size_t rl = len[ana[i].cue], k = d->ny;
        while (k > 0 && d->y[k - 1].kind != Y_PLAIN && d->y[k - 1].kind != Y_DATE && d->y[k - 1].kind != Y_RELATIVE) k--;
        year_ref y = {*pp, rl, ana[i].delta, Y_RELATIVE};
        if (k > 0) y.kind = d->y[k - 1].kind == Y_RELATIVE ? Y_RELATIVE : Y_PLAIN, y.year += d->y[k - 1].year;
        PUSH(d->y, d->ny, d->capy, y);
        *pp += rl;
        return 1;
    }
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        if (!(cm >> rel[i].cue & 1)) continue;
        size_t rl = len[rel[i].cue];
        PUSH(d->y, d->ny, d->capy, ((year_ref){*pp, rl, rel[i].delta, Y_RELATIVE}));
        *pp += rl;
        return 1;
    }
    return 0;
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
    a = past_space(d->t, d->len, a);
    if (!(n = fp_words_prefix(w, d->t + a, d->len - a))) return 0;
    for (a += n; (n = fp_words_prefix(w, d->t + a, d->len - a)) || (a < d->len && d->t[a] == ' ' && (n = 1));) a += n;
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
/* The month of the date y (2020-01-05, 2020年1月5日, 05.01.2020), 0 if unread. */
static int date_month(const doc *d, const year_ref *y)
{
    const char *t = d->t;
    size_t q = y->off + 4, m;
    int v;
    if (hanzi_digit(t, d->len, y->off) >= 0) /* 二〇二〇年三月五日 */
        return hanzi_small(t, d->len, y->off + 15, &v) ? v : 0;
    if (q < d->len && (t[q] == '-' || t[q] == '/' || t[q] == '.')) q += 1;
    else if (nian(t, d->len, q)) q = past_space(t, d->len, q + nian(t, d->len, q));
    else if (y->off >= 3 && (t[y->off - 1] == '.' || t[y->off - 1] == '/')) {
        q = y->off - 1; /* dd.mm.yyyy: the month ends before the separator */
        size_t a = q;
        while (a > 0 && t[a - 1] >= '0' && t[a - 1] <= '9' && q - a < 2) a--;
        return q > a ? atoi(t + a) : 0;
    } else
        return 0;
    m = digits_at(t, d->len, q, 2);
    return m ? atoi(t + q) : 0;
}

/* A year the report's first line (its title) names (2019年脱贫攻坚工作总结), 0 if none. */
static int title_year(const doc *d)
{
    size_t a = 0;
    while (a < d->len && (d->t[a] == '\n' || d->t[a] == ' ' || d->t[a] == '\r')) a++;
    const char *nl = memchr(d->t + a, '\n', d->len - a);
    size_t e = nl ? (size_t)(nl - d->t) : d->len;
    for (size_t i = 0; i < d->ny && d->y[i].off < e; i++)
        if (d->y[i].off >= a && (d->y[i].kind == Y_PLAIN || d->y[i].kind == Y_TITLE) &&
            d->y[i].len >= 3 && ends_with(d->t, d->y[i].off + d->y[i].len, "年"))
            return d->y[i].year;
    return 0;
}

int byline_month(const doc *d, const year_ref *y)
{
    const char *t = d->t;
    size_t q = past_space(t, d->len, y->off + y->len), m = digits_at(t, d->len, q, 2);
    if (!m || !ends_with(t, y->off + y->len, "年") || !at(t, d->len, q + m, "月")) return 0;
    /* the line as written: layout_text may have joined the next line on (a line going on with a digit) */
    for (q += m + 3; q < d->len && (d->src[q] == ' ' || d->src[q] == '\r'); q++) {}
    return q >= d->len || d->src[q] == '\n' ? atoi(t + past_space(t, d->len, y->off + y->len)) : 0;
}

void find_year(doc *d, int hint, const char *source)
{
    size_t head = 0;
    for (int lines = 0; head < d->len && head < HEAD_BYTES && lines < HEAD_LINES; head++)
        if (d->t[head] == '\n') lines++;
    int best = 0, current = 0;
    size_t hs = 0;     /* the sentences up to hs have been asked whether they head a section */
    int plan_sec = 0;  /* 1 while under a heading that plans (三、2020年工作安排) */
    for (size_t i = 0; i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        size_t s = sentence_of(d, y->off);
        for (; hs <= s && hs < d->ns; hs++)
            if (hs > 0 && heading_line(d, hs)) plan_sec = heading_plans(d, hs);
        int bm = y->kind == Y_PLAIN && y->off < head ? byline_month(d, y) : 0;
        if ((y->kind == Y_DATE || bm) && y->off < head) {
            /* a review of a year published in the first half of the next
             * (2019年…工作总结, 2020-03-05; 2018年…统计公报, 2019年4月) is about the year its title names */
            int ty = title_year(d), month = bm ? bm : date_month(d, y);
            d->year = ty && ty == y->year - 1 && month >= 1 && month <= 6 ? ty : y->year;
            d->date_month = d->year == y->year ? month : 0;
            return;
        }
        if (plan_sec) continue;
        if (y->kind == Y_CURRENT && y->year > current) current = y->year;
        if (y->kind != Y_PLAIN && y->kind != Y_DATE && y->kind != Y_CURRENT &&
            !(y->kind == Y_PLAN && year_bound_to_figure(d, y)))
            continue;
        if (d->skip[s] || sentence_has_plan(d, s)) continue;
        if (y->year > best) best = y->year;
    }
    if (current > best) best = current;
    d->year = best ? best : hint ? hint : year_in_name(source);
}

int year_value(const doc *d, const year_ref *y)
{
    if (y->kind == Y_RELATIVE && y->year == 0 && d->para_year &&
        fp_words_prefix(&d->x->lx.cues[CUE_YEAR_WHOLE], d->t + y->off, y->len) == y->len)
        return d->para_year;
    if (y->kind == Y_RELATIVE && y->year == 0 && d->sec_year) return d->sec_year;
    return y->kind == Y_RELATIVE ? (d->year ? d->year + y->year : 0) : y->kind == Y_SINCE ? d->year : y->year;
}

/* The end of the year_bind words (的 末 底 …) from a in t[a..b). */
static size_t skip_bind(const doc *d, size_t a, size_t b)
{
    const fp_words *w = &d->x->lx.cues[CUE_YEAR_BIND];
    for (size_t n; a < b && ((n = fp_words_prefix(w, d->t + a, b - a)) || (d->t[a] == ' ' && (n = 1)));) a += n;
    return a;
}

/* Which side of a two-sided change (从A降至B) a figure stands on. */
enum { SIDE_NONE, SIDE_FROM, SIDE_TO };

static int change_side(const doc *d, size_t cstart, size_t start, size_t end, size_t cend)
{
    long from = cue_last(d, CUE_FROM, cstart, start, NULL);
    if (from < 0) return SIDE_NONE;
    size_t f = cstart + (size_t)from;
    if (cue_first(d, CUE_TO, f, start, NULL) >= 0) return SIDE_TO;
    return cue_first(d, CUE_TO, end, cend, NULL) >= 0 ? SIDE_FROM : SIDE_NONE;
}

size_t first_year_from(const doc *d, size_t pos)
{
    return first_off_from(d->y, d->ny, sizeof *d->y, pos);
}

/* A sentence of results that ends on the year a change reached (…114个嘎查村
 *出列，发生率从2014年的11%降至2019年的0.04%) dates what it lists before
 * that change: the latest year after pos bound to the to-side figure of a
 * two-sided change, else the report's year. */
static int year_reached_later(const doc *d, size_t pos, size_t send)
{
    int best = 0;
    for (size_t i = first_year_from(d, pos); i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        if (y->off >= send) break;
        if (y->kind != Y_PLAIN && y->kind != Y_PLAN) continue; /* 至2019年 reads as a plan's year */
        size_t yend = y->off + y->len, g = skip_bind(d, yend, send);
        size_t yb = y->off >= pos + 6 ? y->off - 6 : pos;
        if (g == yend || !fp_num_starts(d->t + g, d->len - g) ||
            !cue_suffix(d, CUE_TO, yb, y->off))
            continue;
        if (y->year > best) best = y->year;
    }
    return best && (!d->year || best <= d->year) ? best : d->year;
}

/* 1 when a place is named at t[p] (a mention, or a whole word: 2019年度全县减贫…
 * is the sentence's year, not a named thing's). */
static int names_place_at(const doc *d, size_t p, size_t end)
{
    size_t i = first_mention_from(d, p);
    if (i < d->nm && d->m[i].off == p) return 1;
    return fp_words_prefix(&d->x->lx.cues[CUE_PLACE_WHOLE], d->t + p, end - p) > 0;
}

/* 1 when a to-word after end in the clause leads to a figure (下降到4.3%,
 * 降至2019年的0.04%), not to a place (由政府…流转到县中心). */
static int to_figure_follows(const doc *d, size_t end, size_t cend)
{
    size_t wl;
    long o = cue_first(d, CUE_TO, end, cend, &wl);
    if (o < 0) return 0;
    size_t p = end + (size_t)o + wl;
    size_t i = first_year_from(d, p); /* past a year written there and its 的 */
    if (i < d->ny && d->y[i].off == p) p = skip_bind(d, p + d->y[i].len, cend);
    return p < cend && fp_num_starts(d->t + p, cend - p);
}

/* The figure's year: one written right next to it; else, for a side of a
 * two-sided change, the year of the same side before it in the sentence;
 * else the nearest year before it in its sentence (one bound to another
 * figure of its clause is that figure's, not this one's); else the report's. */
int pick_year(const doc *d, const cand *c, size_t cstart, size_t cend, size_t sstart, size_t send,
                     side_years *sides, int carried)
{
    size_t pos = c->start;
    int found = 0, have = 0;
    const year_ref *last = NULL;
    for (size_t i = first_year_from(d, sstart); i < d->ny; i++) {
        const year_ref *y = &d->y[i];
        if (y->off >= send || y->off >= pos) break;
        if (y->kind == Y_TITLE) continue;
        last = y;
        size_t yend = y->off + y->len, g = skip_bind(d, yend, pos);
        /* 由上年的12.5亿元增加到20.1亿元: 上年 is the first figure's year only
         * (but 至2015年末的471万人 holds on: the end of a period is its present) */
        size_t yb = y->off >= sstart + 4 ? y->off - 4 : sstart; /* a word of one character, and a space */
        int bound = skip_bind(d, yend, pos) == pos;
        if (cue_suffix(d, CUE_FROM, yb, y->off) && !bound &&
            ((g > yend && g < pos && fp_num_starts(d->t + g, d->len - g)) || cue_first(d, CUE_TO, yend, pos, NULL) >= 0))
            continue;
        /* 2017年度国家成效考核反馈的97个问题: a year of a named thing (年度 and a
         * noun) dates that thing, not the sentence's figures */
        if (!bound && at(d->t, d->len, yend, "度") && yend + 3 < pos && !clause_mark(d->t, d->len, yend + 3) &&
            !at(d->t, d->len, yend + 3, "的") && !names_place_at(d, yend + 3, pos))
            continue;
        /* 较2018年分别增长160%, 与上年相比: the base of a comparison dates
         * nothing after it (but 2018年和2019年 lists two years) */
        if (!bound && ((cue_suffix(d, CUE_COMPARE, yb, y->off) && cue_first(d, CUE_CHANGE, yend, pos, NULL) >= 0) ||
                       cue_suffix(d, CUE_COMPARED_BEFORE, y->off >= sstart + 7 ? y->off - 7 : sstart, y->off)))
            continue; /* …and so does one exceeded (超过上年规模6.3万人) */
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
    /* 2014年以来，…贫困发生率由13.8%降至1.6%: the from-side is where the period began */
    if (side == SIDE_FROM && have && last && last->kind == Y_SINCE && to_figure_follows(d, c->end, cend))
        return last->year;
    if (have) return found;
    /* 贫困发生率从20.6%下降到4.3%, no year written: the to-side is the present,
     * the from-side some earlier year the text does not tell (never the present too) */
    if (side == SIDE_FROM && to_figure_follows(d, c->end, cend)) return 0;
    int later = year_reached_later(d, c->end, send);
    return later != d->year || !carried ? later : carried;
}

int respective_year(const doc *d, size_t sstart, size_t at_word, int k)
{
    size_t end = first_year_from(d, at_word); /* the year references before the word are end-1, end-2, … */
    if (end == 0 || k < 0 || d->y[end - 1].off < sstart) return 0;
    size_t first = end - 1;
    const fp_words *list = &d->x->lx.cues[CUE_PLACE_LIST];
    while (first > 0 && d->y[first - 1].off >= sstart) {
        const year_ref *a = &d->y[first - 1], *b = &d->y[first];
        size_t gap = b->off - (a->off + a->len);
        if (!gap || fp_words_prefix(list, d->t + a->off + a->len, gap) != gap) break;
        first--;
    }
    size_t n = end - first;
    if (n < 2 || (size_t)k >= n) return 0;
    return year_value(d, &d->y[first + (size_t)k]);
}
