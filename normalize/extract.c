/* extract: one report's text to figure records. Runs the phases (doc.h)
 * in order: sentences, names and years in one pass, the subject and each
 * paragraph's place, the report's year; then each figure in text order,
 * with its year, relation, metric and place. */
#define _GNU_SOURCE /* memmem */

#include "doc.h"

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
        fp_gaz_path(d->x->gaz, c->region, path);
        for (int k = 0; c->written && k < c->written->nw; k++) {
            fp_buf_puts(path, "/");
            fp_buf_append(path, d->t + c->written->w_off[k], c->written->w_len[k]);
        }
    }
    f->region_path = path->p ? path->p : "";
    set_buf(&fb->text, d->t + c->start, c->end - c->start);
    set_buf(&fb->label, d->t + c->label_off, c->label_len);
    size_t ss = d->sent[s].start, se = d->sent[s].end;
    while (ss < se && (d->t[ss] == ' ' || d->t[ss] == '\n' || d->t[ss] == '\t' || d->t[ss] == '\r')) ss++;
    set_buf(&fb->sentence, d->t + ss, se - ss);
    /* an empty string appends nothing and may leave p NULL */
    f->text = fb->text.p ? fb->text.p : "";
    f->label = fb->label.p ? fb->label.p : "";
    f->sentence = fb->sentence.p ? fb->sentence.p : "";
    f->source = (char *)source;
    f->offset = (uint32_t)c->start;
    f->length = (uint32_t)(c->end - c->start);
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
    int carry_year = 0;               /* the year the paragraph's sentences so far were about */
    size_t yi = 0;                    /* the first year reference not before the sentence */
    for (size_t s = 0; s < d->ns && !rc; s++) {
        size_t sstart = d->sent[s].start, send = d->sent[s].end;
        d->cur_sent = s;
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
                !cue_suffix(d, CUE_FROM, yb, y->off) && !cue_suffix(d, CUE_COMPARE, yb, y->off) &&
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
                             fp_words_prefix(&d->x->lx.cues[CUE_PERSON_NOUN], t + c.num_end, cend - c.num_end))
                        copy_str(c.unit_name, sizeof c.unit_name, "person"), c.counter[0] = '\0';
                }
                c.year = pick_year(d, &c, cstart, cend, ystart, send, &sides, carried);
                pick_relation(d, &c, cstart, cend, sstart, prior, prior_end, prev_fig);
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
                if (!strcmp(c.relation, "total") && (in_run || joined)) c.relation = "part";
                if (!strcmp(c.relation, "part") && !in_run) {
                    if (!joined || nrun == 4) nrun = 0;
                    copy_str(run[nrun++], sizeof run[0], c.unit_name);
                }
                /* 已实施项目1034个, 完成投资3.1亿元: progress on a whole stated
                 * before it in the sentence, in its unit, is a part of it */
                if (!strcmp(c.relation, "total")) {
                    /* unit/counter: two strings of at most 15 bytes, so it fits */
                    char key[32];
                    size_t ul = strlen(c.unit_name), cl = strlen(c.counter);
                    memcpy(key, c.unit_name, ul);
                    key[ul] = '/';
                    memcpy(key + ul + 1, c.counter, cl + 1);
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
                    cue_suffix(d, CUE_SCOPE_BEFORE, cstart, c.start))
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
                        if (d->x->lx.metrics[mi].name[0] == c.metric[0] && !strcmp(d->x->lx.metrics[mi].name, c.metric))
                            whole_metric = mi; /* the first byte turns most names away without a call */
                }
                c.region = pick_region(d, s, c.start, cstart, sstart, send, counted, &c.written);
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
    free(d.skip); /* and d.cues, in its block */
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
