/* The phases of extraction (normalize/doc.h): the text model alone, then
 * which place, year, relation, unit and metric a figure gets, on sentences
 * written for the test (no report's text).
 * Each case is one phenomenon: a place's location (X位于Y), a word naming
 * a village or township again (村里, 全乡), a village carried through its
 * paragraph, and a report's year from its file name. */
#include "check.h"
#include "doc.h"
#include "fp_err.h"
#include "fp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *want_text;
    char path[256];
    char relation[16];
    char unit[16];
    char metric[24];
    int year;
    int found;
} probe;

static int on_fig(const fp_figure *f, void *ud)
{
    probe *p = ud;
    if (!p->found && !strcmp(f->text, p->want_text)) {
        snprintf(p->path, sizeof p->path, "%s", f->region_path);
        snprintf(p->relation, sizeof p->relation, "%s", f->relation);
        snprintf(p->unit, sizeof p->unit, "%s", f->unit);
        snprintf(p->metric, sizeof p->metric, "%s", f->metric);
        p->year = f->year;
        p->found = 1;
    }
    return 0;
}

static const fp_extractor *X;

/* Extracts text (as report `source`) and checks the figure written `fig`
 * is about `path` (a region path's tail) and, when year is not 0, that year. */
static int about(const char *source, const char *text, const char *fig, const char *path, int year)
{
    probe p = {fig, "", "", "", "", 0, 0};
    if (fp_extract(X, source, text, strlen(text), 0, NULL, on_fig, &p, NULL) != FP_OK || !p.found) {
        fprintf(stderr, "  %s: no figure\n", fig);
        return 0;
    }
    size_t n = strlen(p.path), m = strlen(path);
    int ok = n >= m && !strcmp(p.path + n - m, path) && (!year || p.year == year);
    if (!ok) fprintf(stderr, "  %s: got %s %d, want …%s %d\n", fig, p.path, p.year, path, year);
    return ok;
}

/* text.c alone: sentences, clauses and paragraphs of a text, by offset. */
static void test_text(const fp_extractor *x)
{
    const char *t = "第一句，有两个分句。第二句！\n第二段的句子。";
    doc d;
    memset(&d, 0, sizeof d);
    d.x = x;
    d.t = t;
    d.len = strlen(t);
    /* 。！ end sentences; so does a line's end (alone here, after ！) */
    CHECK(scan_sentences(&d) == FP_OK && d.ns == 4);
    const char *second = strstr(t, "第二句"), *para = strstr(t, "第二段"), *clause = strstr(t, "有两个");
    CHECK(sentence_of(&d, (size_t)(second - t)) == 1 && sentence_of(&d, (size_t)(para - t)) == 3);
    CHECK(clause_start(&d, 0, (size_t)(clause - t) + 3) == (size_t)(clause - t));
    CHECK(para_start(t, (size_t)(para - t)) == 0);
    CHECK(para_start(t, (size_t)(para - t) + 6) == (size_t)(para - t));
    CHECK(clause_mark(t, d.len, (size_t)(clause - t) - 3) == 3);
    free(d.sent);
    free(d.skip);
}

int main(int argc, char **argv)
{
    fp_log_init("test_extract", FP_LOG_WARN);
    fp_extractor *x;
    if (argc < 2 || fp_extractor_load(&x, argv[1]) != FP_OK) {
        fprintf(stderr, "usage: test_extract DATADIR (loading failed)\n");
        return 1;
    }
    X = x;
    test_text(x);
    const char *head = "2019年3月1日\n";
    char t[4096];

    /* X位于Y: the figures of the clause are X's, not Y's */
    snprintf(t, sizeof t, "%s布拖县扶贫工作报告。\n阿布洛哈村位于布拖县乌依乡，有农户33户。\n", head);
    /* …and its township is the one the report names, though the gazetteer
     * (made later) has the village under another (拉果乡) */
    CHECK(about("a.txt", t, "33户", "布拖县/乌依乡/阿布洛哈村", 2019));
    /* the village carries to the next sentence, past a comparison with 全国 */
    snprintf(t, sizeof t, "%s布拖县扶贫。\n阿布洛哈村位于布拖县乌依乡，是全国最后一个通公路的建制村。33户村民喜迁新居。\n", head);
    CHECK(about("a.txt", t, "33户", "乌依乡/阿布洛哈村", 0));
    /* a village name alone in quotation marks is a byname, not a place */
    snprintf(t, sizeof t, "%s昭觉县支尔莫乡阿土列尔村被称做“悬崖村”。如今村里84户搬下山。\n", head);
    CHECK(about("a.txt", t, "84户", "支尔莫乡/阿土列尔村", 0));
    /* without the location word the county named last is the place */
    snprintf(t, sizeof t, "%s布拖县扶贫工作报告。\n阿布洛哈村和布拖县乌依乡，有农户33户。\n", head);
    CHECK(!about("a.txt", t, "33户", "阿布洛哈村", 0));

    /* 村里 names again the village named in the paragraph before */
    snprintf(t, sizeof t, "%s察哈尔右翼前旗的冬天。雪落在三岔口乡十二洲村的山丘上。\n老张在村里承包了200亩地。\n", head);
    CHECK(about("a.txt", t, "200亩", "三岔口乡/十二洲村", 0));
    /* …but not one named two paragraphs before */
    snprintf(t, sizeof t, "%s察哈尔右翼前旗的冬天。雪落在三岔口乡十二洲村的山丘上。\n全旗在冬天很冷。\n老张在村里承包了200亩地。\n",
             head);
    CHECK(about("a.txt", t, "200亩", "察哈尔右翼前旗", 0));
    /* a bracketed gloss (村（嘎查）) names no village */
    snprintf(t, sizeof t, "%s锡林郭勒盟扶贫。正镶白旗星耀镇永合村种西瓜。全盟帮扶村（嘎查）192个。\n", head);
    CHECK(about("a.txt", t, "192个", "锡林郭勒盟", 0));
    /* a longer word that starts like one (嘎查村) is no such word */
    snprintf(t, sizeof t, "%s锡林郭勒盟扶贫。\n正镶白旗星耀镇永合村种西瓜。\n嘎查村有192个。\n", head);
    CHECK(about("a.txt", t, "192个", "锡林郭勒盟", 0));

    /* a name the report used before means what it meant there (永合村 is a
     * village of several counties) */
    snprintf(t, sizeof t, "%s锡林郭勒盟扶贫。\n正镶白旗星耀镇永合村种西瓜。\n北京的3家企业落户永合村。\n", head);
    CHECK(about("a.txt", t, "3家", "正镶白旗/星耀镇/永合村", 0));

    /* a village the gazetteer knows only under other townships, written right
     * after a township, is kept as written below it (merged since) */
    snprintf(t, sizeof t, "%s安定区扶贫。\n巉口镇新寨村有农户320户。\n", head);
    CHECK(about("a.txt", t, "320户", "安定区/巉口镇/新寨村", 0));

    /* a village carries to the next sentences of its paragraph… */
    snprintf(t, sizeof t, "%s察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。秋收时亩产达3000公斤。\n", head);
    CHECK(about("a.txt", t, "3000公斤", "三岔口乡/十二洲村", 0));
    /* …until a sentence names the county again */
    snprintf(t, sizeof t, "%s察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。察哈尔右翼前旗实施产业扶贫。共投入资金500万元。\n",
             head);
    CHECK(about("a.txt", t, "500万元", "察哈尔右翼前旗", 0));
    /* …and not into the next paragraph */
    snprintf(t, sizeof t, "%s察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。\n共投入资金500万元。\n", head);
    CHECK(about("a.txt", t, "500万元", "察哈尔右翼前旗", 0));

    /* the year: a text with no date takes its file name's */
    const char *undated = "多伦县扶贫。今年落实资金704万元。\n";
    CHECK(about("reports/duolun2016.txt", undated, "704万元", "多伦县", 2016));
    CHECK(about("2017年报告.txt", undated, "704万元", "多伦县", 2017));
    /* a hash in the name, or digits beside the four, give none */
    probe p = {"704万元", "", "", "", "", -1, 0};
    fp_extract(X, "9bb8ad2016e64388.txt", undated, strlen(undated), 0, NULL, on_fig, &p, NULL);
    CHECK(p.found && p.year == 0);
    p = (probe){"704万元", "", "", "", "", -1, 0};
    fp_extract(X, "r120160.txt", undated, strlen(undated), 0, NULL, on_fig, &p, NULL);
    CHECK(p.found && p.year == 0);
    /* a date in the text wins over the name */
    snprintf(t, sizeof t, "%s%s", head, undated);
    CHECK(about("duolun2016.txt", t, "704万元", "多伦县", 2019));
    /* and so does the caller's hint */
    p = (probe){"704万元", "", "", "", "", -1, 0};
    fp_extract(X, "duolun2016.txt", undated, strlen(undated), 2015, NULL, on_fig, &p, NULL);
    CHECK(p.found && p.year == 2015);

    /* a year that opens a sentence carries to the paragraph's next sentences… */
    snprintf(t, sizeof t, "2020年1月15日\n察哈尔右翼前旗扶贫。\n2019年春天，老张承包了200亩地。秋收时亩产达3000公斤。\n");
    CHECK(about("a.txt", t, "3000公斤", "察哈尔右翼前旗", 2019));
    /* …but not into the next paragraph, */
    snprintf(t, sizeof t, "2020年1月15日\n察哈尔右翼前旗扶贫。\n2019年春天，老张承包了200亩地。\n秋收时亩产达3000公斤。\n");
    CHECK(about("a.txt", t, "3000公斤", "察哈尔右翼前旗", 2020));
    /* not when a practice started then (2017年开始), nor when the year is compared with */
    snprintf(t, sizeof t, "2020年1月15日\n察哈尔右翼前旗扶贫。\n2017年开始，每年补助学生。建设19所幸福院。\n");
    CHECK(about("a.txt", t, "19所", "察哈尔右翼前旗", 2020));
    snprintf(t, sizeof t, "2020年1月15日\n察哈尔右翼前旗扶贫。\n较2018年增长了。建设19所幸福院。\n");
    CHECK(about("a.txt", t, "19所", "察哈尔右翼前旗", 2020));

    /* relations: a plan word plans, but not inside a title or as a noun ending
     * its phrase */
    const struct {
        const char *text, *fig, *rel;
    } plans[] = {
        {"多伦县今年计划投入资金500万元。\n", "500万元", "plan"},
        {"多伦县今年将实现12个村出列。\n", "12个", "plan"},
        {"多伦县编制了《产业扶贫规划》，落实资金500万元。\n", "500万元", "total"},
        {"多伦县实施三年行动计划，组织专家38人。\n", "38人", "total"},
        /* progress on a whole stated before, in its unit and counter, is a part of it */
        {"多伦县入库项目220个，已实施项目103个。\n", "103个", "part"},
        {"多伦县结对企业65家，已实施项目103个。\n", "103个", "total"},
    };
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        snprintf(t, sizeof t, "%s%s", head, plans[i].text);
        probe q = {plans[i].fig, "", "", "", "", 0, 0};
        CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &q, NULL) == FP_OK && q.found &&
              !strcmp(q.relation, plans[i].rel));
    }

    /* metrics: cue words inside a document's name (《扶贫对象识别规范》) measure nothing */
    snprintf(t, sizeof t, "%s多伦县制定了《扶贫对象识别规范》等8项标准。\n", head);
    probe m = {"8项", "", "", "", "", 0, 0};
    CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &m, NULL) == FP_OK && m.found &&
          !strcmp(m.metric, "other"));

    /* a cue word inside a longer one begun before it is part of that one
     * (吸纳安置 is employment, not 安置's relocation) */
    snprintf(t, sizeof t, "%s多伦县已吸纳安置贫困户劳动力916人。\n", head);
    probe e = {"916人", "", "", "", "", 0, 0};
    CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &e, NULL) == FP_OK && e.found &&
          !strcmp(e.metric, "employment"));

    /* units: the thing counted decides, but a counter of people after a
     * household noun (贫困户2895人) or after a household count (217户429名贫困户)
     * counts people */
    const struct {
        const char *text, *fig, *unit;
    } units[] = {
        {"多伦县培训建档立卡贫困户2895人。\n", "2895人", "person"},
        {"多伦县有农户200多个。\n", "200多个", "household"},
        {"多伦县帮扶6名建档立卡户。\n", "6名", "household"},
        {"多伦县与217户429名贫困户建立联结。\n", "429名", "person"},
        {"多伦县惠及了12939个建档立卡贫困户。\n", "12939个", "household"},
    };
    /* a counter before a unit of time counts time: no figure */
    snprintf(t, sizeof t, "%s小学生爬2个多小时悬梯上学，用了3个月。\n", head);
    probe none = {"2个多", "", "", "", "", 0, 0};
    CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &none, NULL) == FP_OK && !none.found);
    none = (probe){"3个", "", "", "", "", 0, 0};
    CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &none, NULL) == FP_OK && !none.found);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        snprintf(t, sizeof t, "%s%s", head, units[i].text);
        probe q = {units[i].fig, "", "", "", "", 0, 0};
        CHECK(fp_extract(X, "a.txt", t, strlen(t), 0, NULL, on_fig, &q, NULL) == FP_OK && q.found &&
              !strcmp(q.unit, units[i].unit));
        if (strcmp(q.unit, units[i].unit)) fprintf(stderr, "  %s: unit %s\n", units[i].fig, q.unit);
    }

    fp_extractor_free(x);
    return CHECK_DONE();
}
