/* places: region names in the text (gazetteer matches, townships and
 * villages written below them, words naming a place again), the report's
 * subject, each paragraph's place, and the place each figure is about. */
#include "doc.h"
#include "charclass.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of a township or village name the gazetteer lacks (or has only
 * elsewhere), written with its suffix at t[q] right after the place m (two
 * to six characters before 乡 镇 苏木 街道 村 嘎查 社区, none of them a
 * place_not_written word), or 0. */
static size_t written_name(const doc *d, const mention *m, size_t q)
{
    const fp_lexicon *lx = &d->x->lx;
    const fp_gazetteer *g = d->x->gaz;
    const int *c;
    int nc;
    size_t ml = fp_gaz_match(g, d->t, d->len, q, &c, &nc);
    if (ml) {
        /* a known name the place before holds: the scan finds it */
        for (int k = 0; k < nc; k++) {
            if (fp_gaz_region(g, c[k])->level < FP_LEVEL_TOWNSHIP) return 0;
            for (int j = 0; !m->nw && j < m->ncand; j++)
                if (fp_gaz_within(g, c[k], m->cands[j])) return 0;
        }
        /* a township or village name the gazetteer knows only elsewhere (巉口镇新寨村,
         * merged since): written below the place before, when written in full */
        return fp_words_suffix(&lx->cues[CUE_PLACE_WRITTEN], d->t + q, ml) && ml >= 9 ? ml : 0;
    }
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
        size_t n = written_name(d, m, m->end);
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

/* Region names and years, in one pass over the text. Each character is
 * decoded once: an ASCII one is a digit or nothing here; a CJK one is asked
 * by its code point (one load of lx->cls3) whether it opens or closes a
 * title, is a Chinese numeral or starts a word of refs_ix (then
 * fp_cue_may3: its pair bits), so the word index is looked into only where
 * one may start. */
int scan_refs(doc *d)
{
    const char *t = d->t;
    const unsigned char *u = (const unsigned char *)t;
    const fp_lexicon *lx = &d->x->lx;
    const fp_cue_index *rix = &lx->refs_ix;
    int title_depth = 0;
    for (size_t p = 0; p < d->len;) {
        unsigned char c = (unsigned char)t[p];
        if (c < 0x80) {
            if (c >= '0' && c <= '9') {
                int rc = year_scan_digits(d, &p, title_depth);
                if (rc) return rc;
                continue;
            }
            p++;
            continue;
        }
        size_t cl[CUE_COUNT];
        uint64_t cm;
        uint32_t cp = 0;
        int cm3 = fp_utf8_cjk3(u + p, d->len - p, &cp);
        if (cm3) {
            uint8_t f = lx->cls3[cp]; /* the three questions in one load; most characters are none */
            if (f & FP_CC_TITLE) {
                if (cp == FP_CP_TITLE_OPEN) title_depth++;
                else if (cp == FP_CP_TITLE_CLOSE && title_depth > 0) title_depth--;
            }
            if (f & FP_CC_HANZI) {
                int rc = year_scan_hanzi(d, &p, title_depth);
                if (rc < 0) return rc;
                if (rc) continue;
            }
            if (cp >= 0xFF10 && cp <= 0xFF19) { /* ２０１９年: full-width digits, as web pages write them */
                int rc = year_scan_wide(d, &p, title_depth);
                if (rc) return rc;
                continue;
            }
            /* fp_cue_at's answer, its bit test made here */
            cm = f & FP_CC_REFS_CUE && fp_cue_may3(rix, cp, u + p, d->len - p)
                     ? fp_cue_at_key(rix, t + p, d->len - p, (uint32_t)u[p] << 16 | (uint32_t)u[p + 1] << 8 | u[p + 2], cl)
                     : 0;
        } else {
            /* not a well-formed character of three bytes: no title mark, no numeral */
            cm = fp_cue_at(rix, t + p, d->len - p, cl);
        }
        {
            /* one look answers every class asked here (a word of a class is its
             * longest there when cm has its bit, none when not) */
#define CUE_LEN(k) (cm >> (k) & 1 ? cl[k] : 0)
            int rc = cm ? year_scan_relative(d, &p, cm, cl) : 0;
            if (rc < 0) return rc;
            if (rc) continue;
            const int *cands;
            int nc;
            size_t ml = cm3 ? fp_gaz_match3(d->x->gaz, t, d->len, p, cp, &cands, &nc)
                            : fp_gaz_match(d->x->gaz, t, d->len, p, &cands, &nc);
            if (!ml && !cm) { /* nearly every character: nothing starts here */
                p += cm3 ? 3 : fp_utf8_len(c);
                continue;
            }
            /* 资源 is no place, 资源县 is: the longer word wins */
            size_t nw = CUE_LEN(CUE_PLACE_NOT);
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
            size_t bv = CUE_LEN(CUE_PLACE_BACK_VILLAGE), bt = CUE_LEN(CUE_PLACE_BACK_TOWNSHIP);
            size_t bw = CUE_LEN(CUE_PLACE_WHOLE);
            if (bw > bv && bw > bt) {
                PUSH(d->bk, d->nbk, d->capbk, ((back_ref){p, bw, FP_LEVEL_COUNTY}));
                p += bw;
                continue;
            }
            /* 村（嘎查）: a word in brackets glosses the one before it (asked only of a back word) */
            if ((bv || bt) && !(p >= 3 && (at(t, d->len, fp_utf8_prev(t, p), "（") || t[p - 1] == '(')) &&
                CUE_LEN(CUE_PLACE_BACK_NOT) < (bv > bt ? bv : bt)) {
                back_ref b = {p, bv > bt ? bv : bt, bv > bt ? FP_LEVEL_VILLAGE : FP_LEVEL_TOWNSHIP};
                PUSH(d->bk, d->nbk, d->capbk, b);
                p += b.len;
                continue;
            }
#undef CUE_LEN
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
int keep_deep(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    unsigned char *kept = d->nm ? malloc(d->nm) : NULL;
    if (d->nm && !kept) return FP_ENOMEM;
    for (size_t i = 0; i < d->nm; i++) {
        mention *m = &d->m[i];
        int keep = m->deep != 1;
        /* 新建村级公路18公里: a village name alone that runs into 级 is a word (村级) */
        if (m->deep == 1 && fp_words_prefix(&d->x->lx.cues[CUE_VILLAGE_NOT_AFTER], d->t + m->end, d->len - m->end)) {
            kept[i] = 0;
            continue;
        }
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
        /* a name of four characters or more that holds one place in all China, in the report's
         * province; a township's (闽宁镇) from three: far fewer townships than villages share a name */
        if (!keep && m->ncand == 1 &&
            (m->len >= 12 || (m->len >= 9 && fp_gaz_region(g, m->cands[0])->level == FP_LEVEL_TOWNSHIP)) &&
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
void resolve_mentions(doc *d)
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

int note_renamed(doc *d)
{
    const fp_gazetteer *g = d->x->gaz;
    for (size_t i = 0; i < d->nm; i++) {
        const mention *m = &d->m[i];
        if (m->region < 0 || fp_gaz_region(g, m->region)->level != FP_LEVEL_TOWNSHIP) continue;
        const char *nm = fp_gaz_region(g, m->region)->name;
        size_t l = strlen(nm), k;
        if (m->len == l && !memcmp(d->t + m->off, nm, l)) continue;
        /* only a whole name of another kind (东坝头乡 for 东坝头镇), not a short form */
        if (!fp_words_suffix(&d->x->lx.cues[CUE_PLACE_SUFFIX], d->t + m->off, m->len)) continue;
        for (k = 0; k < d->nren && d->ren[k].region != m->region; k++) {}
        if (k < d->nren) continue;
        renamed r = {m->region, m->off, m->len};
        PUSH(d->ren, d->nren, d->capren, r);
    }
    return FP_OK;
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
void mark_located(doc *d)
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
void follow_location(doc *d)
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

/* Puts, at each word naming a place again (村里, 全乡), a copy of the last
 * place of that level named before it inside the subject; a word with no
 * such place before it names nothing. Keeps mentions sorted by offset. */
int resolve_back(doc *d)
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

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* How many of the sorted keys[0..n) equal key. */
static size_t count_key(const uint64_t *keys, size_t n, uint64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    size_t first = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (keys[mid] <= key) lo = mid + 1;
        else hi = mid;
    }
    return lo - first;
}

/* The first-person whole words (我区, 我省: place_whole words that start with 我), counted by the
 * kind they name (their last character), once per report: at most a few kinds. */
typedef struct {
    char kind[4][3];
    size_t n[4];
    int nk;
} own_kinds;

static void count_own_words(const doc *d, own_kinds *o)
{
    memset(o, 0, sizeof *o);
    for (size_t k = 0; k < d->nbk; k++) {
        const back_ref *b = &d->bk[k];
        if (b->level >= FP_LEVEL_TOWNSHIP || b->len != 6 || !at(d->t, d->len, b->off, "我")) continue;
        int i = 0;
        while (i < o->nk && memcmp(o->kind[i], d->t + b->off + 3, 3)) i++;
        if (i == o->nk) {
            if (o->nk == 4) continue;
            memcpy(o->kind[o->nk++], d->t + b->off + 3, 3);
        }
        o->n[i]++;
    }
}

/* How many of them name a place of province pv's kind (我区 an autonomous region, 我省 a
 * province): the writer's own province, in a story of one province's help to another
 * (北京市…与我区31个贫困旗县结对). */
static size_t own_words(const doc *d, const own_kinds *o, int pv)
{
    const char *nm = fp_gaz_region(d->x->gaz, pv)->name;
    size_t l = strlen(nm);
    for (int i = 0; i < o->nk && l >= 3; i++)
        if (!memcmp(nm + l - 3, o->kind[i], 3)) return o->n[i];
    return 0;
}

void find_subject(doc *d, const char *region_hint)
{
    const fp_gazetteer *g = d->x->gaz;
    d->subject = -1;
    d->province = -1;
    if (region_hint && *region_hint) d->subject = fp_gaz_find_code(g, region_hint);
    /* The province most names fall in: a subject outside it needs more than
     * a first mention (公安局 read as 公安县 must not carry a report off). */
    int major = -1;
    {
        /* each name's (province of its first candidate, number of candidates),
         * sorted, so counting the names like it is a binary search, not a scan
         * (a 50 MB report names a million places) */
        uint64_t *keys = d->nm ? malloc(d->nm * sizeof *keys) : NULL;
        size_t nk = 0;
        for (size_t j = 0; keys && j < d->nm; j++) {
            int pj = d->m[j].deep == 1 ? -1 : fp_gaz_ancestor_at(g, d->m[j].cands[0], FP_LEVEL_PROVINCE);
            if (pj >= 0) keys[nk++] = (uint64_t)(uint32_t)pj << 32 | (uint32_t)d->m[j].ncand;
        }
        if (nk) qsort(keys, nk, sizeof *keys, cmp_u64);
        size_t best_n = 0;
        own_kinds own;
        count_own_words(d, &own);
        for (size_t i = 0; keys && i < d->nm; i++) {
            if (d->m[i].deep == 1) continue; /* a village name alone says little of the province */
            int pv = fp_gaz_ancestor_at(g, d->m[i].cands[0], FP_LEVEL_PROVINCE);
            if (pv < 0) continue;
            for (int k = 1; k < d->m[i].ncand && pv >= 0; k++)
                if (fp_gaz_ancestor_at(g, d->m[i].cands[k], FP_LEVEL_PROVINCE) != pv) pv = -1;
            if (pv < 0) continue;
            uint64_t key = (uint64_t)(uint32_t)pv << 32 | (uint32_t)d->m[i].ncand;
            size_t n = count_key(keys, nk, key) + 2 * own_words(d, &own, pv);
            if (n > best_n) best_n = n, major = pv;
        }
        free(keys); /* out of memory: no major province, as for a report that names none */
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
                /* one of a group (龙胜各族自治县等14个贫困县) says the report is about more than it */
                if (fp_words_prefix(&d->x->lx.cues[CUE_PLACE_GROUP], d->t + d->m[j].end, d->len - d->m[j].end) &&
                    best >= 0)
                    continue;
                const fp_region *rr = fp_gaz_region(g, pick);
                if (rr->level > FP_LEVEL_COUNTY || rr->level == FP_LEVEL_NATION) continue;
                if (major >= 0 && !fp_gaz_within(g, pick, major)) continue;
                if (best >= 0 && !fp_gaz_within(g, pick, best) && rr->level <= best_level) continue;
                if (rr->level > best_level) best = pick, best_level = rr->level;
            }
            d->subject = best;
            /* A story about one village: the report's first sentences name it below the
             * subject (鄂温克族自治旗伊敏苏木巴音塔拉嘎查), and it names it twice more. */
            for (size_t j = i; best >= 0 && j < d->nm && sentence_of(d, d->m[j].off) <= s + 3; j++) {
                const mention *v = &d->m[j];
                if (v->deep != 2 || v->nw) continue;
                int c = -1;
                for (int k = 0; k < v->ncand; k++)
                    if (fp_gaz_within(g, v->cands[k], best) && v->cands[k] != best) c = v->cands[k];
                if (c < 0 || fp_gaz_region(g, c)->level != FP_LEVEL_VILLAGE) continue;
                int again = 0;
                for (size_t k = j + 1; k < d->nm; k++) again += d->m[k].cands == v->cands;
                if (again >= 2) d->subject = c;
                break;
            }
            break;
        }
    }
    /* A report on one township: its title line names a township inside the subject county
     * (修齐镇2019年脱贫攻坚工作总结 … 修齐镇位于城口县东南部), and the text names it again. */
    if (!(region_hint && *region_hint) && d->subject >= 0 && fp_gaz_region(g, d->subject)->level == FP_LEVEL_COUNTY) {
        size_t a = 0;
        while (a < d->len && (d->t[a] == '\n' || d->t[a] == ' ' || d->t[a] == '\r')) a++;
        const char *nl = memchr(d->t + a, '\n', d->len - a);
        size_t title_end = nl ? (size_t)(nl - d->t) : d->len;
        for (size_t j = 0; j < d->nm && d->m[j].off < title_end; j++) {
            const mention *v = &d->m[j];
            int c = -1;
            for (int k = 0; k < v->ncand; k++)
                if (fp_gaz_region(g, v->cands[k])->level == FP_LEVEL_TOWNSHIP && fp_gaz_within(g, v->cands[k], d->subject))
                    c = v->cands[k];
            if (c < 0 || v->off < a) continue;
            int again = 0;
            for (size_t k = j + 1; k < d->nm && !again; k++) again = d->m[k].cands == v->cands;
            if (again) {
                d->subject = c;
                break;
            }
        }
    }
    /* A report on the nation: it names the nation (全国) at least twice, and
     * no province holds more than half the places it names in three
     * provinces or more. */
    if (!(region_hint && *region_hint) && d->subject >= 0) {
        int nation = -1, n_nation = 0, provinces[3] = {-1, -1, -1}, np = 0;
        size_t in_major = 0, in_any = 0;
        for (size_t i = 0; i < d->nm; i++) {
            const mention *m = &d->m[i];
            if (m->deep == 1 || m->ncand != 1) continue;
            /* a chain of names (甘肃省定西市安定区) is one place */
            if (i > 0 && d->m[i - 1].end == m->off) continue;
            if (fp_gaz_region(g, m->cands[0])->level == FP_LEVEL_NATION) {
                nation = m->cands[0], n_nation++;
                continue;
            }
            int pv = fp_gaz_ancestor_at(g, m->cands[0], FP_LEVEL_PROVINCE);
            if (pv < 0) continue;
            in_any++;
            in_major += pv == major;
            if (np < 3 && pv != provinces[0] && pv != provinces[1]) provinces[np++] = pv;
        }
        if (nation >= 0 && n_nation >= 2 && np == 3 && in_major * 2 <= in_any) d->subject = nation;
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

/* 1 when the place named at d->t[off..end) is the yardstick of a comparison (增幅高于全省平均水平,
 * 比全国平均高): a compared_before word right before it or a compared_after word right after it. */
static int compared_at(const doc *d, size_t off, size_t end)
{
    const fp_lexicon *lx = &d->x->lx;
    size_t a = off >= 9 ? off - 9 : 0;
    while (a < off && ((unsigned char)d->t[a] & 0xC0) == 0x80) a++;
    return fp_words_suffix(&lx->cues[CUE_COMPARED_BEFORE], d->t + a, off - a) ||
           fp_words_prefix(&lx->cues[CUE_COMPARED_AFTER], d->t + end, d->len - end);
}

/* A word for a whole place (全县, 全镇) ends the carry of a smaller place:
 * 全县 back to the paragraph's place, 全镇 up to the carried village's township. */
static void whole_word(const doc *d, const back_ref *b, int para, int *cur, const mention **cur_w)
{
    const fp_gazetteer *g = d->x->gaz;
    if (compared_at(d, b->off, b->off + b->len)) return; /* 高于全省平均水平 leaves the topic */
    if (b->level < FP_LEVEL_TOWNSHIP) {
        *cur = para, *cur_w = NULL;
        /* 全地区 in a paragraph on 莎车县, 全州 in one on 吉首市: the word names the unit that
         * holds the paragraph's place, the nearest whose name ends as the word does */
        size_t k = fp_utf8_len((unsigned char)d->t[b->off]), n = b->len > k ? b->len - k : 0;
        const char *kind = d->t + b->off + k;
        for (int r = para; n && r >= 0; r = fp_gaz_region(g, r)->parent) {
            const char *nm = fp_gaz_region(g, r)->name;
            size_t l = strlen(nm);
            if (l >= n && !memcmp(nm + l - n, kind, n)) {
                *cur = r;
                break;
            }
        }
        return;
    }
    if (*cur < 0 || fp_gaz_region(g, *cur)->level <= b->level) return;
    int up = fp_gaz_ancestor_at(g, *cur, b->level);
    if (up >= 0) *cur = up, *cur_w = NULL;
}

/* Each paragraph's place: the deepest place at county level or above that
 * its first sentence names inside the subject's province (a case section
 * on 化德县 in a report on the whole region), kept by the list items that
 * follow it; a paragraph that names none is about the subject. */
int find_topics(doc *d)
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
        for (size_t k = bi; k < d->nbk && d->bk[k].off < d->sent[s].end; k++) whole_word(d, &d->bk[k], para, &cur, &cur_w);
        d->topic[s] = cur;
        d->topic_w[s] = cur_w;
        /* A township or village a sentence names inside the paragraph's place
         * is what the paragraph's next sentences are about (在村里承包了200亩地。
         * 秋收时，亩产达3000多公斤), until one names a place at county level
         * or above again (这份惊喜来自科左后旗…, 全县…). */
        for (size_t j = mi; j < d->nm && d->m[j].off < d->sent[s].end; j++) {
            const mention *m = &d->m[j];
            for (; bi < d->nbk && d->bk[bi].off < m->off; bi++) whole_word(d, &d->bk[bi], para, &cur, &cur_w);
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
        for (; bi < d->nbk && d->bk[bi].off < d->sent[s].end; bi++) whole_word(d, &d->bk[bi], para, &cur, &cur_w);
    }
    return FP_OK;
}

/* The place: the nearest named before the figure in its clause, else in its
 * sentence (before, then after), inside the subject's province; else the
 * paragraph's. *written is set to the mention when the place is a township
 * or village written after it (kept as written below its region). */
/* The level of the places a count counts (20个旗县, 114个嘎查村, 12个深度贫困县),
 * FP_LEVEL_NATION (0) when it counts none. */
int counted_level(const doc *d, const cand *c, size_t cend)
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

/* The index of the first mention at or after offset pos (mentions are
 * sorted by offset: binary search), d->nm when none is. */
size_t first_mention_from(const doc *d, size_t pos)
{
    return first_off_from(d->m, d->nm, sizeof *d->m, pos);
}

/* The index of a nation-level mention right after 的 in the clause after
 * the figure at pos (…2855元人民币的全国农村贫困标准), else (size_t)-1. */
static size_t national_after(const doc *d, size_t pos, size_t cend)
{
    for (size_t i = first_mention_from(d, pos); i < d->nm; i++) {
        const mention *m = &d->m[i];
        if (m->off >= cend) break;
        if (m->region >= 0 && fp_gaz_region(d->x->gaz, m->region)->level == FP_LEVEL_NATION &&
            ends_with(d->t, m->off, "的"))
            return i;
    }
    return (size_t)-1;
}

int respective_place(const doc *d, size_t sstart, size_t at_word, int k)
{
    size_t i = first_mention_from(d, at_word);
    if (i == 0 || k < 0) return -1;
    size_t last = i - 1, first = last;
    if (d->m[last].off < sstart) return -1;
    while (first > 0 && d->m[first - 1].off >= sstart && listed_with(d, &d->m[first - 1], &d->m[first])) first--;
    size_t n = last - first + 1;
    if (n < 2 || (size_t)k >= n) return -1;
    const mention *m = &d->m[first + (size_t)k];
    if (m->region < 0 || m->located) return -1;
    if (d->province >= 0 && !fp_gaz_within(d->x->gaz, m->region, d->province)) return -1;
    return m->region;
}

/* The last mention of the chain of names that starts at mention i, each
 * written right after and inside the one before (正镶白旗星耀镇永合村). */
static size_t chain_end(const doc *d, size_t i)
{
    while (i + 1 < d->nm && d->m[i + 1].off == d->m[i].end && d->m[i + 1].region >= 0 && !d->m[i + 1].located &&
           fp_gaz_within(d->x->gaz, d->m[i + 1].region, d->m[i].region))
        i++;
    return i;
}

/* 1 when mention i, in the clause [cstart, pos) of a figure, receives what the clause gives: a
 * `give` word right before it (福州市投入西吉县帮扶资金4500万元, 安排宁夏…资金), or a `give_to` word
 * right before it and a `give` word after it before the figure (北京市向内蒙古投入…资金; but
 * 内蒙古向北京市销售… sells, and the seller's is the figure). */
static int receives(const doc *d, size_t i, size_t cstart, size_t pos)
{
    const fp_lexicon *lx = &d->x->lx;
    const mention *m = &d->m[i];
    size_t a = m->off >= cstart + 12 ? m->off - 12 : cstart;
    while (a < m->off && ((unsigned char)d->t[a] & 0xC0) == 0x80) a++;
    if (fp_words_suffix(&lx->cues[CUE_GIVE], d->t + a, m->off - a)) return 1;
    return fp_words_suffix(&lx->cues[CUE_GIVE_TO], d->t + a, m->off - a) && m->end < pos &&
           fp_words_first(&lx->cues[CUE_GIVE], d->t + m->end, pos - m->end, NULL) >= 0;
}

/* 1 when the clause at cstart opens after a clause mark or its sentence's start, not after a 、
 * of a list (…、内蒙古消费扶贫集中采购展销服务中心等2家企业 names an office, not the province's figure). */
static int clause_opens(const doc *d, size_t sstart, size_t cstart)
{
    return cstart == sstart || !ends_with(d->t, cstart, "、");
}

/* The place that receives what the clause [cstart, pos) of the figure at pos gives, or -1. */
static int received_region(const doc *d, size_t pos, size_t cstart)
{
    for (size_t i = first_mention_from(d, pos); i-- > 0 && d->m[i].off >= cstart;)
        if (d->m[i].region >= 0 && !d->m[i].located && receives(d, i, cstart, pos))
            return d->m[chain_end(d, i)].region;
    return -1;
}

int pick_region(const doc *d, size_t s, size_t pos, size_t cstart, size_t sstart, size_t send, int level,
                const mention **written, int *received)
{
    const fp_gazetteer *g = d->x->gaz;
    int found = -1, fallback = d->topic ? d->topic[s] : d->subject;
    size_t fi = 0;
    *written = NULL;
    int rr = level ? -1 : received_region(d, pos, cstart);
    *received = rr;
    /* 2855元人民币的全国农村贫困标准: a figure that qualifies a national thing
     * (…的全国, in its clause) is the nation's */
    size_t nat = national_after(d, pos, clause_end(d, send, pos));
    if (nat != (size_t)-1) return d->m[nat].region;
    size_t lo = first_mention_from(d, pos); /* the mentions before it are lo-1, lo-2, … */
    if (rr >= 0) return rr;
    for (size_t i = lo; i-- > 0;) {
        const mention *m = &d->m[i];
        if (m->off < sstart) break;
        if (m->region < 0 || m->located || compared_at(d, m->off, m->end)) continue;
        /* 内蒙古向北京市销售农畜产品216亿元: where it goes, not whose it is */
        if (m->off >= 3 && at(d->t, d->len, m->off - 3, "向")) continue; /* (为黑山嘴村购回肉牛: for it) */
        if (fp_gaz_region(g, m->region)->level == FP_LEVEL_NATION) {
            if (m->off >= cstart) return m->region;
            continue;
        }
        if (d->province >= 0 && !fp_gaz_within(g, m->region, d->province)) continue;
        found = m->region, fi = i;
        break;
    }
    /* 正镶白旗扶贫办出资70余万元在永合村建设…: a place after the figure in
     * its clause, inside the one before it, is the smaller place it is about */
    if (found >= 0) {
        size_t ce = clause_end(d, send, pos);
        for (size_t i = lo; i < d->nm && d->m[i].off < ce; i++) {
            const mention *m = &d->m[i];
            if (m->region < 0 || m->located || m->back || m->region == found ||
                !fp_gaz_within(g, m->region, found))
                continue;
            i = chain_end(d, i);
            found = d->m[i].region, fi = i;
            break;
        }
    }
    if (found < 0) {
        /* …850万元，其中骆驼湾村320万元: the places of a breakdown after the figure are its parts' */
        long pw = cue_first(d, CUE_PART, pos, send, NULL);
        size_t until = pw >= 0 ? pos + (size_t)pw : send;
        for (size_t i = lo; i < d->nm && d->m[i].off < until; i++) {
            const mention *m = &d->m[i];
            /* a word naming a place again (村里) looks back, not ahead */
            if (m->region < 0 || m->located || m->back || compared_at(d, m->off, m->end)) continue;
            if (fp_gaz_region(g, m->region)->level == FP_LEVEL_NATION) continue;
            if (d->province >= 0 && !fp_gaz_within(g, m->region, d->province)) continue;
            /* 在正镶白旗星耀镇永合村建起…: the last of a chain of names is the place */
            i = chain_end(d, i);
            found = d->m[i].region, fi = i;
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
    /* A place above the subject (the province in a banner's report) means the subject itself; but
     * a prefecture a county's report names in the clause (铜仁市…投入扶贫资金20亿元) is itself */
    /* (and so is a province that opens the figure's clause as its subject: 甘肃省贫困人口从692万人减少到17.5万人
     * in a county's report) */
    int own = fi < d->nm && d->m[fi].off >= cstart && d->m[fi].off < pos && !d->m[fi].nw;
    int lv = fp_gaz_region(g, found)->level;
    /* (a story about one village or township that names its county names the county: 花垣县2019年实现整县
     * 脱贫摘帽 in a story on 十八洞村) */
    int deep_subject = d->subject >= 0 && fp_gaz_region(g, d->subject)->level >= FP_LEVEL_TOWNSHIP &&
                       fi < d->nm && d->m[fi].off >= sstart && lv <= FP_LEVEL_COUNTY && level == 0;
    if (d->subject >= 0 && found != d->subject && fp_gaz_within(g, d->subject, found) && !deep_subject &&
        !(own && (lv == FP_LEVEL_PREFECTURE || (lv == FP_LEVEL_PROVINCE && level == 0 && d->m[fi].region == found &&
                                                 d->m[fi].off == cstart && clause_opens(d, sstart, cstart))))) {
        *written = NULL;
        found = d->subject;
    }
    if (level && fp_gaz_region(g, found)->level >= level) {
        *written = NULL;
        return above_counted(d, found, level, pos, cstart);
    }
    return found;
}

void respective(const doc *d, cand *c, fig_context *fx, size_t sstart)
{
    /* A、B分别…X、Y: the k-th figure after 分别 is the k-th place's */
    long rw = cue_last(d, CUE_RESPECTIVELY, sstart, c->start, NULL);
    if (rw >= 0) {
        if (sstart + (size_t)rw != fx->resp_at) fx->resp_at = sstart + (size_t)rw, fx->resp_k = 0;
        else fx->resp_k++;
        int r = respective_place(d, sstart, fx->resp_at, fx->resp_k);
        if (r >= 0) c->region = r, c->written = NULL;
        /* 2016年、2017年和2018年分别减贫1.2万人、1.5万人、1.8万人 */
        int y = respective_year(d, sstart, fx->resp_at, fx->resp_k);
        if (y > 0) c->year = y;
    }
}
