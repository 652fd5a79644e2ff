/* extract: one report's text to figure records. Runs the phases (doc.h)
 * in order: sentences, names and years in one pass, the subject and each
 * paragraph's place, the report's year; then each figure in text order,
 * with its year, relation, metric and place. */

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
    f->read_text = d->t != d->src ? d->t : NULL;
    f->offset = (uint32_t)c->start;
    f->length = (uint32_t)(c->end - c->start);
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

/* 1 when sentence s holds nothing but white space (a blank line). */
static int blank_sentence(const doc *d, size_t s)
{
    for (size_t q = d->sent[s].start; q < d->sent[s].end; q++)
        if (d->t[q] != '\n' && d->t[q] != '\r' && d->t[q] != ' ' && d->t[q] != '\t') return 0;
    return 1;
}

static int walk_figures(doc *d, const char *source, fp_figure_cb cb, void *ud, size_t *count)
{
    const char *t = d->t;
    fig_bufs fb = {{0}, {0}, {0}, {0}};
    int rc = FP_OK;
    size_t fig_sentence = (size_t)-1; /* the last sentence that had a figure */
    fig_context fx;                   /* what the figures so far say to the next */
    walk_start(&fx);
    int carry_year = 0;               /* the year the paragraph's sentences so far were about */
    side_years para_sides = {0, 0};   /* the years of the paragraph's last two-sided change */
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
                if ((d->y[i].kind == Y_PLAIN || d->y[i].kind == Y_RELATIVE || d->y[i].kind == Y_PLAN) &&
                    !byline_month(d, &d->y[i])) /* a byline's date (2019年4月) heads nothing */
                    section_year = year_value(d, &d->y[i]);
            /* 一、过去五年工作回顾 in a report dated early in the year: its present is the year before */
            if (!section_year && d->year && d->date_month >= 1 && d->date_month <= 3 &&
                cue_first(d, CUE_REVIEW_HEADING, sstart, send, NULL) >= 0)
                section_year = d->year - 1;
            d->sec_year = section_year;
        }
        if (new_para) carry_year = d->sec_year;
        d->para_year = carry_year; /* 2017年，…。全年落实…: 全年 is 2017 */
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
                !fp_words_prefix(&d->x->lx.cues[CUE_YEAR_ONSET], t + y->off + y->len, send - y->off - y->len) &&
                !byline_month(d, y)) /* (统计局 / 2019年4月 / 全年…: a byline's date is no sentence's year) */
                own_year = year_value(d, y);
        }
        int carried = carry_year;
        /* 1996年，…开启对口协作。23年来，福建省累计…: a period up to now is the section's or the report's year */
        if (!own_year && cue_first(d, CUE_PERIOD_TO_NOW, sstart, send, NULL) >= 0) carried = d->sec_year;
        if (own_year) carry_year = own_year;
        if (d->skip[s]) continue;
        sentence_start(&fx, sstart);
        /* 1: the sentence before, in this paragraph, had a figure; 2: the last of the paragraph before
         * (past blank lines) */
        size_t ps = s;
        for (int k = 0; k < 8 && ps > 0 && blank_sentence(d, ps - 1); k++) ps--; /* a few blank lines, not a run */
        int prev_fig = ps > 0 && fig_sentence == ps - 1
                           ? (ps == s && !memchr(t + d->sent[s - 1].start, '\n', sstart - d->sent[s - 1].start) ? 1 : 2)
                           : 0;
        /* 全国…从2012年底的9899万人减少到2019年底的551万人。甘肃省贫困人口从692万人减少到17.5万人: a
         * change with no years of its own in the paragraph's next sentence runs over the same years */
        if (new_para) para_sides = (side_years){0, 0};
        side_years sides = para_sides;
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
                /* 整治山坪塘12口, 新打机井3口: 口 counts what the noun before it names, not people */
                if (!strcmp(c.unit_name, "person") && ends_with(t, c.end, "口") &&
                    cue_suffix(d, CUE_KOU_THING, cstart, c.start))
                    copy_str(c.unit_name, sizeof c.unit_name, "count"), copy_str(c.counter, sizeof c.counter, "口");
                if (!strcmp(c.unit_name, "count") || !strcmp(c.unit_name, "person")) {
                    if (is_household_context(d, &c, cstart, cend, fx.prior ? fx.prior_end : (size_t)-1))
                        copy_str(c.unit_name, sizeof c.unit_name, "household"), c.counter[0] = '\0';
                    else if (!strcmp(c.unit_name, "count") && !strcmp(c.counter, "个") &&
                             person_noun_at(d, c.num_end, cend))
                        copy_str(c.unit_name, sizeof c.unit_name, "person"), c.counter[0] = '\0';
                }
                c.year = pick_year(d, &c, cstart, cend, ystart, send, &sides, carried);
                pick_relation(d, &c, cstart, cend, sstart, fx.prior, fx.prior_end, prev_fig);
                /* totals, parts and growth alike; a per-unit figure stays one (per_unit wins, GUIDE.md) */
                if (section_plan && strcmp(c.relation, "per_unit")) c.relation = "plan";
                if (section_plan) c.target = 1; /* a target, though no plan word stands by it */
                relate_in_series(d, &c, &fx, cstart);
                int weak = measure_figure(d, &c, &fx, cstart, cend, sstart, send);
                relate_to_wholes(d, &c, &fx, weak, cstart, sstart, send);
                int counted = counted_level(d, &c, cend);
                measure_in_context(d, &c, &fx, weak, counted, cstart, cend);
                int got;
                c.region = pick_region(d, s, c.start, cstart, sstart, send, counted, &c.written, &got);
                /* …投入西吉县帮扶资金4500万元，其中用于产业发展2800万元: what follows a gift with no
                 * place of its own between is the receiver's too */
                size_t mi = first_mention_from(d, fx.prior_end);
                if (got < 0 && !counted && fx.prior_received >= 0 && (mi >= d->nm || d->m[mi].off >= c.start))
                    c.region = got = fx.prior_received, c.written = NULL;
                fx.prior_received = got;
                /* 全国农村贫困人口从…9899万人减少到…551万人，贫困发生率由10.2%降至0.6%: the nation's
                 * figures go on, clause after clause, until a place is named */
                int nation = c.region >= 0 && fp_gaz_region(d->x->gaz, c.region)->level == FP_LEVEL_NATION;
                if (!nation && !counted && fx.prior_nation >= 0 && (mi >= d->nm || d->m[mi].off >= c.start))
                    c.region = fx.prior_nation, c.written = NULL, nation = 1;
                fx.prior_nation = nation ? c.region : -1;
                respective(d, &c, &fx, sstart);
                fp_figure f;
                build_figure(d, &c, source, s, &f, &fb);
                if (fb.path.oom || fb.text.oom || fb.label.oom || fb.sentence.oom) rc = FP_ENOMEM;
                else {
                    rc = cb(&f, ud);
                    (*count)++;
                }
                fx.prior = 1;
                fx.prior_end = c.end;
                fig_sentence = s;
                p = c.end;
                continue;
            }
            /* Skip the rest of this number so its tail is not read as another. */
            fp_num n;
            if (fp_num_parse(t + p, d->len - p, &n) == FP_OK && n.len) p += n.len;
            else p += fp_utf8_len(ch);
        }
        if (sides.from && sides.to) para_sides = sides;
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
    /* after the official short forms: those of autonomous places (凉山州,
     * 广西), derived by make-gazetteer.py, the names counties had before a
     * rename, and those townships had before an upgrade (东坝头乡 is 东坝头镇
     * now); the build's image holds these four (CMakeLists.txt), in this order */
    char n[3][4096];
    static const char *const more[] = {"aliases-auto.tsv", "former-names.tsv", "township-names.tsv"};
    for (size_t i = 0; i < 3; i++) snprintf(n[i], sizeof n[i], "%s/%s", datadir, more[i]);
    const char *const names[] = {a, n[0], n[1], n[2]};
    int rc = fp_gaz_load_names(&x->gaz, r, names, 4);
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
