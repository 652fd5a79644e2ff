/* extract: one report's text to figure records. Runs the phases (doc.h)
 * in order: sentences, names and years in one pass, the subject and each
 * paragraph's place, the report's year; then each figure in text order,
 * with its year, relation, metric and place. */
#define _GNU_SOURCE /* memmem */

#include "doc.h"
#include "indicate.h"

#include <stdlib.h>
#include <string.h>

/* The buffers a figure's strings are built in, reused from figure to figure. */
typedef struct {
    fp_buf path, text, label, sentence;
} fig_bufs;

/* Sets b to s[0..n) as a string (from empty). */
static void set_buf(fp_buf *b, const char *s, size_t n)
{
    b->len = 0;
    fp_buf_append(b, s, n); /* on failure b->oom is set: the caller checks */
}

/* The region's path, with a township the report names by a former name (d->ren) written so. */
static void written_path(const doc *d, int region, fp_buf *path)
{
    const fp_gazetteer *g = d->x->gaz;
    for (size_t k = 0; k < d->nren; k++) {
        int town = d->ren[k].region;
        if (!fp_gaz_within(g, region, town)) continue;
        int below[4], nb = 0; /* the places under the township down to region (a village) */
        for (int r = region; r != town && r >= 0 && nb < 4; r = fp_gaz_region(g, r)->parent) below[nb++] = r;
        fp_gaz_path(g, fp_gaz_region(g, town)->parent, path);
        fp_buf_puts(path, "/");
        fp_buf_append(path, d->src + d->ren[k].off, d->ren[k].len);
        while (nb > 0) fp_buf_puts(path, "/"), fp_buf_puts(path, fp_gaz_region(g, below[--nb])->name);
        return;
    }
    fp_gaz_path(g, region, path);
}

static void build_figure(const doc *d, const cand *c, const char *source, size_t s, fp_figure *f, fig_bufs *fb)
{
    fp_buf *path = &fb->path;
    memset(f, 0, sizeof *f);
    f->value = c->value;
    copy_str(f->unit, sizeof f->unit, c->unit_name);
    copy_str(f->counter, sizeof f->counter, c->counter);
    copy_str(f->qualifier, sizeof f->qualifier, c->qualifier);
    copy_str(f->relation, sizeof f->relation, c->relation);
    copy_str(f->metric, sizeof f->metric, c->metric);
    f->year = c->year;
    f->optional = (uint8_t)c->optional;
    path->len = 0;
    if (path->p) path->p[0] = '\0';
    if (c->region >= 0) {
        const fp_region *r = fp_gaz_region(d->x->gaz, c->region);
        copy_str(f->region_code, sizeof f->region_code, r->code);
        written_path(d, c->region, path);
        for (int k = 0; c->written && k < c->written->nw; k++) {
            fp_buf_puts(path, "/");
            fp_buf_append(path, d->src + c->written->w_off[k], c->written->w_len[k]);
        }
    }
    f->region_path = path->p ? path->p : "";
    /* what the report says, as it says it (not the layout-free copy the phases read) */
    set_buf(&fb->text, d->src + c->start, c->end - c->start);
    set_buf(&fb->label, d->src + c->label_off, c->label_len);
    size_t ss = d->sent[s].start, se = d->sent[s].end;
    while (ss < se && (d->t[ss] == ' ' || d->t[ss] == '\n' || d->t[ss] == '\t' || d->t[ss] == '\r')) ss++;
    set_buf(&fb->sentence, d->src + ss, se - ss);
    /* an empty string appends nothing and may leave p NULL */
    f->text = fb->text.p ? fb->text.p : "";
    f->label = fb->label.p ? fb->label.p : "";
    f->sentence = fb->sentence.p ? fb->sentence.p : "";
    /* a channel of the year's exits is no exit cell's value, places counted as
     * where something happens no count of cadres or projects: measures of their own */
    if (c->own_measure) fp_indicate_other(f);
    if (c->target) copy_str(f->series, sizeof f->series, "target");
    f->source = (char *)source;
    f->offset = (uint32_t)c->start;
    f->length = (uint32_t)(c->end - c->start);
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

/* 1 when a noun of people (村民) starts at t[p], not one that names a group of them (村民小组). */
static int person_noun_at(const doc *d, size_t p, size_t end)
{
    size_t n = fp_words_prefix(&d->x->lx.cues[CUE_PERSON_NOUN], d->t + p, end - p);
    return n && !fp_words_prefix(&d->x->lx.cues[CUE_PERSON_NOUN_NOT], d->t + p + n, end - p - n);
}

/* Fills x->num_first: each three-byte character asked once of fp_num_starts (its answer rests
 * on the character's bytes alone) and of 百分之's first character. */
static void fill_num_first(fp_extractor *x)
{
    for (uint32_t cp = 0x800; cp <= 0xFFFF; cp++) {
        char c[3] = {(char)(0xE0 | cp >> 12), (char)(0x80 | (cp >> 6 & 0x3F)), (char)(0x80 | (cp & 0x3F))};
        if (fp_num_starts(c, 3) || !memcmp(c, "百分之", 3)) x->num_first[cp >> 6] |= 1ULL << (cp & 63);
    }
}

static int walk_figures(doc *d, const char *source, fp_figure_cb cb, void *ud, size_t *count)
{
    const char *t = d->t;
    fig_bufs fb = {{0}, {0}, {0}, {0}};
    int rc = FP_OK;
    size_t fig_sentence = (size_t)-1; /* the last sentence that had a figure */
    int whole_metric = -1;            /* the metric of the last figure that was no part */
    size_t whole_label_off = 0, whole_label_len = 0; /* and its label */
    int carry_year = 0;               /* the year the paragraph's sentences so far were about */
    int section_plan = 0;             /* 1 when that heading plans */
    size_t yi = 0;                    /* the first year reference not before the sentence */
    for (size_t s = 0; s < d->ns && !rc; s++) {
        size_t sstart = d->sent[s].start, send = d->sent[s].end;
        d->cur_sent = s;
        int new_para = s == 0 || memchr(t + d->sent[s - 1].end, '\n', sstart - d->sent[s - 1].end) ||
                       (sstart > 0 && t[sstart - 1] == '\n');
        /* 三、2021年工作打算: a heading that names a year dates its section */
        if (new_para && s > 0 && heading_line(d, s)) {
            d->sec_year = 0;
            int section_year = 0;
            /* 四、下一步工作打算: a heading that plans, and reports nothing
             * done (一、目标任务完成情况 does), makes its section's outcomes targets */
            section_plan = heading_plans(d, s);
            for (size_t i = first_year_from(d, sstart); i < d->ny && d->y[i].off < send && !section_year; i++)
                if (d->y[i].kind == Y_PLAIN || d->y[i].kind == Y_RELATIVE || d->y[i].kind == Y_PLAN)
                    section_year = year_value(d, &d->y[i]);
            d->sec_year = section_year;
        }
        if (new_para) carry_year = d->sec_year;
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
                !cue_suffix(d, CUE_FROM, yb, y->off) && !cue_suffix(d, CUE_COMPARE, yb, y->off) &&
                !fp_words_prefix(&d->x->lx.cues[CUE_YEAR_ONSET], t + y->off + y->len, send - y->off - y->len))
                own_year = year_value(d, y);
        }
        int carried = carry_year;
        if (own_year) carry_year = own_year;
        if (d->skip[s]) continue;
        int prior = 0, prior_part = 0;
        const char *prior_relation = "total", *prior_metric = "other";
        int prior_scope = 0;          /* the figure before counted the places something happens in */
        size_t resp_at = (size_t)-1; /* the 分别 the figures of a respective list follow */
        int resp_k = 0;               /* and this figure's place in that list */
        size_t prior_end = sstart;
        int prev_fig = s > 0 && fig_sentence == s - 1 && !memchr(t + d->sent[s - 1].start, '\n',
                                                                  sstart - d->sent[s - 1].start);
        /* the units of a breakdown under way (其中 A…，B…，C…; 索县6户、34人，安多县14户、79人) */
        char run[4][16];
        int nrun = 0;
        /* the units of the sentence's wholes so far (入库项目2204个，涉及资金18.7亿元) */
        char wholes[4][32]; /* unit and counter (个 and 家 count different things) */
        char whole_of[4][24];    /* and the metric each whole measures */
        int nwholes = 0;
        side_years sides = {0, 0};
        /* ； joins clauses of one sentence: a year before it still holds after it */
        size_t ystart = sstart;
        for (size_t k = s; k > 0 && (ends_with(t, d->sent[k - 1].end, "；") || t[d->sent[k - 1].end - 1] == ';'); k--)
            ystart = d->sent[k - 1].start;
        for (size_t p = sstart; p < send && !rc;) {
            unsigned char ch = (unsigned char)t[p];
            int could;
            uint32_t cp;
            if (ch < 0x80) could = ch >= '0' && ch <= '9';
            else if (fp_utf8_cjk3((const unsigned char *)t + p, d->len - p, &cp) &&
                     !(d->x->num_first[cp >> 6] >> (cp & 63) & 1))
                could = 0; /* most characters: one bit test says no number starts here */
            else could = fp_num_starts(t + p, d->len - p) || at(t, d->len, p, "百分之");
            if (!could) {
                p += fp_utf8_len(ch);
                continue;
            }
            size_t pc = fp_utf8_prev(t, p);
            if (pc > 0 && t[pc] == ' ') pc = fp_utf8_prev(t, pc); /* 第 3 期 */
            int after_letter = p > 0 && ((t[pc] >= 'A' && t[pc] <= 'Z') || (t[pc] >= 'a' && t[pc] <= 'z'));
            int ordinal = p > 0 && (at(t, d->len, pc, "第") || at(t, d->len, pc, "表") || at(t, d->len, pc, "图"));
            cand c;
            if (!after_letter && !ordinal && figure_at(d, p, &c) && c.num_end <= send) {
                size_t cstart = clause_start(d, sstart, c.start);
                size_t cend = clause_end(d, send, c.end);
                if (!strcmp(c.unit_name, "count") || !strcmp(c.unit_name, "person")) {
                    if (is_household_context(d, &c, cstart, cend, prior ? prior_end : (size_t)-1))
                        copy_str(c.unit_name, sizeof c.unit_name, "household"), c.counter[0] = '\0';
                    else if (!strcmp(c.unit_name, "count") && !strcmp(c.counter, "个") &&
                             person_noun_at(d, c.num_end, cend))
                        copy_str(c.unit_name, sizeof c.unit_name, "person"), c.counter[0] = '\0';
                }
                c.year = pick_year(d, &c, cstart, cend, ystart, send, &sides, carried);
                pick_relation(d, &c, cstart, cend, sstart, prior, prior_end, prev_fig);
                /* totals, parts and growth alike; a per-unit figure stays one (per_unit wins, GUIDE.md) */
                if (section_plan && strcmp(c.relation, "per_unit")) c.relation = "plan";
                else if (section_plan) c.target = 1;
                /* 分别增长160%、543%: an item of a series joined by 、 or 和
                 * alone shares the relation its first item's cue gave */
                if (prior && !strcmp(c.relation, "total") &&
                    (!strcmp(prior_relation, "change") || !strcmp(prior_relation, "per_unit")) &&
                    c.start == prior_end + 3 && (at(t, d->len, prior_end, "、") || at(t, d->len, prior_end, "和")))
                    c.relation = prior_relation;
                /* The items after the first of a breakdown are parts too, while
                 * they measure in one of its units and no ； closes the list;
                 * a figure joined to a part by 、 alone (6户、34人) adds its unit. */
                /* ； closes the list, and so does the whole after 包括…在内 */
                if (find3(t + prior_end, c.start - prior_end, "；") ||
                    cue_first(d, CUE_PART_AROUND, prior_end, c.start, NULL) >= 0)
                    nrun = 0, prior_part = 0;
                int in_run = 0;
                for (int k = 0; k < nrun; k++) in_run |= !strcmp(run[k], c.unit_name);
                int joined = prior_part && c.start == prior_end + 3 && at(t, d->len, prior_end, "、");
                /* 其中…，占年度计划的238.93%: a share is a ratio of its own, no item of the
                 * breakdown before it (but 其中…占总金额的50% is one, in its own clause) */
                int share = !strcmp(c.unit_name, "percent") && cue_last(d, CUE_SHARE_OF, cstart, c.start, NULL) >= 0 &&
                            cue_last(d, CUE_PART, cstart, c.start, NULL) < 0;
                if (share && !strcmp(c.relation, "part")) c.relation = "total";
                if (!strcmp(c.relation, "total") && (in_run || joined) && !share) c.relation = "part";
                if (!strcmp(c.relation, "part") && !in_run) {
                    if (!joined || nrun == 4) nrun = 0;
                    copy_str(run[nrun++], sizeof run[0], c.unit_name);
                }
                c.label_off = c.label_len = 0;
                /* 66个贫困县中已有58个县脱贫摘帽: a whole's metric is read
                 * before the words that open its part */
                long pw = cue_first(d, CUE_PART, c.end, cend, NULL);
                long pc = cue_first(d, CUE_PART_IN_CLAUSE, c.end, cend, NULL); /* 117户贫困户已有116户脱贫 */
                if (pc >= 0 && (pw < 0 || pc < pw) && c.end + (size_t)pc < cend) {
                    size_t a = c.end + (size_t)pc;
                    while (a < cend && !fp_num_starts(t + a, cend - a)) a += fp_utf8_len((unsigned char)t[a]);
                    if (a < cend) pw = pc; /* a figure follows in the clause: the part */
                }
                int weak = pick_metric(d, &c, cstart, pw >= 0 ? c.end + (size_t)pw : cend, sstart, send);
                /* 提高到5547元，增幅14.3%: a change in percent with no cue in
                 * its own clause measures the figure before it */
                if (prior && !strcmp(c.unit_name, "percent") && !strcmp(c.relation, "change") &&
                    (c.label_len == 0 || c.label_off < cstart))
                    c.metric = prior_metric, c.label_len = 0;
                /* 已实施项目1034个, 完成投资3.1亿元: progress on a whole stated
                 * before it in the sentence, in its unit, is a part of it -- if
                 * it measures the same (结对1462个村…实施项目1459个 does not) */
                if (!strcmp(c.relation, "total")) {
                    /* unit/counter: two strings of at most 15 bytes, so it fits */
                    char key[32];
                    size_t ul = strlen(c.unit_name), cl = strlen(c.counter);
                    memcpy(key, c.unit_name, ul);
                    key[ul] = '/';
                    memcpy(key + ul + 1, c.counter, cl + 1);
                    int of_whole = 0;
                    for (int k = 0; k < nwholes; k++)
                        of_whole |= !strcmp(wholes[k], key) && (weak || !strcmp(whole_of[k], c.metric));
                    if (of_whole && fp_words_prefix(&d->x->lx.cues[CUE_PROGRESS], t + cstart, c.start - cstart))
                        c.relation = "part";
                    else if (nwholes < 4)
                        copy_str(whole_of[nwholes], sizeof whole_of[0], c.metric), memcpy(wholes[nwholes++], key, sizeof key);
                }
                if (!strcmp(c.relation, "total") && kind_item(d, &c, cstart, sstart, send)) c.relation = "part", c.own_measure = 1;
                prior_part = !strcmp(c.relation, "part");
                prior_relation = c.relation;
                int counted = counted_level(d, &c, cend);
                /* places counted as where something happens (在57个贫困旗县实施…,
                 * 向3694个贫困嘎查村派驻…) are the clause's scope, whatever it
                 * does there: other (全市有贫困嘎查村280个 is a stock) */
                /* …and so are the places listed with them (向3694个贫困嘎查村和3008个非贫困嘎查村选派…) */
                int joined_item = 0;
                if (prior && c.start >= prior_end + 3 && c.start - prior_end <= 30 &&
                    (ends_with(t, c.start, "、") || ends_with(t, c.start, "和"))) {
                    joined_item = 1; /* only a noun between: no clause ends before the 、 or 和 */
                    for (size_t q = prior_end; q < c.start - 3 && joined_item; q += fp_utf8_len((unsigned char)t[q]))
                        joined_item = !clause_mark(t, d->len, q);
                }
                if (counted && (cue_suffix(d, CUE_SCOPE_BEFORE, cstart, c.start) || (joined_item && prior_scope)))
                    c.metric = "other", c.own_measure = 1;
                prior_scope = counted && c.own_measure;
                /* 31个国贫旗县的234个乡镇, 11个行政村的85户贫困户: places counted are
                 * poor when their own noun says so (57个深度贫困旗县), not a poor
                 * word elsewhere in the clause */
                if (counted && weak && !strcmp(c.metric, "poor_population") && c.cue_len &&
                    (c.cue_off < c.end || c.cue_off > c.end + 12))
                    c.metric = "other";
                /* a part with no cue of its own measures what its whole does
                 * (覆盖农牧民5628户，其中贫困户2173户) */
                const fp_unit_metrics *um = fp_lexicon_unit_metrics(&d->x->lx, c.unit_name, c.counter);
                /* (a whole with no cue either, 共有农户480户，其中建档立卡贫困户98户, gives none) */
                if (!strcmp(c.relation, "part") && weak && whole_metric >= 0 && whole_label_len && strcmp(c.metric, "rate") &&
                    (!um || um->allowed >> whole_metric & 1)) {
                    c.metric = d->x->lx.metrics[whole_metric].name;
                    /* …搬迁安置群众32.54万人，其中建档立卡贫困人口22.51万人: and its label,
                     * so its indicator is its whole's, not the one its own weak word names */
                    c.label_off = whole_label_off, c.label_len = whole_label_len;
                }
                if (strcmp(c.relation, "part")) {
                    whole_label_off = c.label_off, whole_label_len = c.label_len;
                    whole_metric = -1;
                    for (int mi = 0; mi < d->x->lx.nmetrics; mi++)
                        if (d->x->lx.metrics[mi].name[0] == c.metric[0] && !strcmp(d->x->lx.metrics[mi].name, c.metric))
                            whole_metric = mi; /* the first byte turns most names away without a call */
                }
                /* a figure that states a standard is that standard's, a measure of its own */
                size_t std_off, std_len;
                if (states_standard(d, c.end, cend, &std_off, &std_len))
                    c.own_measure = 1, c.label_off = std_off, c.label_len = std_len;
                prior_metric = c.metric;
                c.region = pick_region(d, s, c.start, cstart, sstart, send, counted, &c.written);
                /* A、B分别…X、Y: the k-th figure after 分别 is the k-th place's */
                long rw = cue_last(d, CUE_RESPECTIVELY, sstart, c.start, NULL);
                if (rw >= 0) {
                    if (sstart + (size_t)rw != resp_at) resp_at = sstart + (size_t)rw, resp_k = 0;
                    else resp_k++;
                    int r = respective_place(d, sstart, resp_at, resp_k);
                    if (r >= 0) c.region = r, c.written = NULL;
                    /* 2016年、2017年和2018年分别减贫1.2万人、1.5万人、1.8万人 */
                    int y = respective_year(d, sstart, resp_at, resp_k);
                    if (y > 0) c.year = y;
                }
                fp_figure f;
                build_figure(d, &c, source, s, &f, &fb);
                if (fb.path.oom || fb.text.oom || fb.label.oom || fb.sentence.oom) rc = FP_ENOMEM;
                else {
                    rc = cb(&f, ud);
                    (*count)++;
                }
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
    fp_buf_free(&fb.path);
    fp_buf_free(&fb.text);
    fp_buf_free(&fb.label);
    fp_buf_free(&fb.sentence);
    return rc;
}

int fp_extract(const fp_extractor *x, const char *source, const char *text, size_t len, int year_hint,
               const char *region_hint, fp_figure_cb cb, void *ud, fp_doc_info *info)
{
    doc d;
    memset(&d, 0, sizeof d);
    d.x = x;
    d.len = len;
    char *soft = NULL; /* the text with its layout undone (layout_text) */
    int rc = layout_text(text, len, &soft);
    d.t = soft ? soft : text;
    d.src = text;
    if (!rc) rc = scan_sentences(&d);
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
        rc = note_renamed(&d);
        if (!rc) rc = resolve_back(&d);
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
    free(d.ren);
    free(d.y);
    free(d.sent);
    free(d.skip); /* and d.cues, in its block */
    free(d.topic);
    free(d.topic_w);
    free(d.bk);
    free(soft);
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
     * make-gazetteer.py, the names counties had before a rename, and those
     * townships had before an upgrade (东坝头乡 is 东坝头镇 now) */
    static const char *const more[] = {"aliases-auto.tsv", "former-names.tsv", "township-names.tsv"};
    for (size_t i = 0; i < sizeof more / sizeof more[0] && !rc; i++) {
        snprintf(a, sizeof a, "%s/%s", datadir, more[i]);
        rc = fp_gaz_add_names(x->gaz, a);
    }
    if (!rc) rc = fp_lexicon_load(&x->lx, datadir);
    if (!rc) fill_num_first(x);
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
