/* The phases of extraction (normalize/doc.h): the text model alone, then
 * which place, year, relation, unit and metric a figure gets, on sentences
 * written for the test (no report's text).
 * Each case is one phenomenon: a place's location (X位于Y), a word naming
 * a village or township again (村里, 全乡), a village carried through its
 * paragraph, and a report's year from its file name. */
#define _GNU_SOURCE /* memmem */

#include "check.h"
#include "doc.h"
#include "indicate.h"
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
    char label[64];
    char indicator[96];
    char series[16];
    int year;
    int found;
} probe;

static const fp_indicate *XI; /* indicators, read as normalize reads them after extraction */
static const char *cur_text;  /* the text being extracted */

/* dst = src, cut to fit */
static void put(char *dst, size_t n, const char *src)
{
    size_t l = src ? strlen(src) : 0;
    if (l >= n) l = n - 1;
    memcpy(dst, src ? src : "", l);
    dst[l] = 0;
}

static int on_fig(const fp_figure *f0, void *ud)
{
    probe *p = ud;
    fp_figure fc = *f0, *f = &fc;
    if (!p->found && !strcmp(f->text, p->want_text)) {
        if (XI) fp_indicate_figure(XI, cur_text, strlen(cur_text), f);
        put(p->path, sizeof p->path, f->region_path);
        put(p->relation, sizeof p->relation, f->relation);
        put(p->unit, sizeof p->unit, f->unit);
        put(p->metric, sizeof p->metric, f->metric);
        put(p->label, sizeof p->label, f->label);
        put(p->indicator, sizeof p->indicator, f->indicator);
        put(p->series, sizeof p->series, f->series);
        p->year = f->year;
        p->found = 1;
    }
    return 0;
}

static const fp_extractor *X;

/* The figure written `fig` in `text`, extracted as report `source` with the
 * year hint `hint`; .found is 0 when there is none. */
static probe figure(const char *source, const char *text, const char *fig, int hint)
{
    probe p = {fig, "", "", "", "", "", "", "", -1, 0};
    cur_text = text;
    if (fp_extract(X, source, text, strlen(text), hint, NULL, on_fig, &p, NULL) != FP_OK) p.found = 0;
    return p;
}

/* 1 when the figure `fig` of `text` is about `path` (a region path's tail)
 * and, when year is not 0, that year (-1: none, year 0). */
static int about(const char *source, const char *text, const char *fig, const char *path, int year)
{
    probe p = figure(source, text, fig, 0);
    size_t n = strlen(p.path), m = strlen(path);
    int ok = p.found && n >= m && !strcmp(p.path + n - m, path) && (!year || p.year == (year < 0 ? 0 : year));
    if (!ok) fprintf(stderr, "  %s: got %s %d, want …%s %d\n", fig, p.found ? p.path : "no figure", p.year, path, year);
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

    /* a line of prose cut mid-sentence goes on past the break (and the blank line) */
    static const struct {
        const char *why, *text;
        int soft;
    } breaks[] = {
        {"prose cut mid-sentence", "在找准每个贫困家庭致贫原因的基础上进行有针对性的项目安排。通过发展生产脱贫33368人，易地扶贫搬迁脱贫9536人，生态补偿\n\n脱贫3072人。", 1},
        {"a line that ends its sentence", "在找准每个贫困家庭致贫原因的基础上进行有针对性的项目安排。通过发展生产脱贫33368人，易地扶贫搬迁脱贫9536人。\n脱贫3072人。", 0},
        {"a title, however long, has no clause mark", "内蒙古自治区锡林郭勒盟二〇一九年脱贫攻坚工作总结暨二〇二〇年工作计划和主要任务安排的报告全文发布\n锡林郭勒盟扶贫。", 0},
        {"a short line", "坚决打赢脱贫攻坚战，确保全面小康\n锡林郭勒盟扶贫。", 0},
        {"a heading follows", "在找准每个贫困家庭致贫原因的基础上进行有针对性的项目安排。通过发展生产脱贫33368人，易地扶贫搬迁脱贫9536人，生态补偿\n二、精准脱贫。", 0},
        {"a 、 inside short brackets lists inside a name", "向57个贫困旗县（市、区）派驻工作队。", 1},
        {"…but not inside long ones", "向57个贫困旗县（包括国贫旗县、区贫旗县、插花旗县和其他有贫困人口的旗县）派驻工作队。", 0},
        {"a figure cut at its digits keeps its first part", "在找准每个贫困家庭致贫原因的基础上进行有针对性的项目安排。通过发展生产脱贫33368人，易地扶贫搬迁脱贫9536\n人。", 0},
    };
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        char *soft = (char *)1;
        size_t n = strlen(breaks[i].text);
        CHECK(layout_text(breaks[i].text, n, &soft) == FP_OK);
        int ok = breaks[i].soft ? soft && !memchr(soft, '\n', n) && !memmem(soft, n, "、", 3) : soft == NULL;
        if (!ok) fprintf(stderr, "  layout_text: %s\n", breaks[i].why);
        CHECK(ok);
        free(soft);
    }
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
    /* Places and years: each text follows a dateline (2019年3月1日) unless
     * it starts with one of its own. */
    static const struct {
        const char *why, *text, *fig, *path;
        int year;
    } places[] = {
        {"X位于Y: the clause's figures are X's, under the township the report names though the gazetteer "
         "(made later) has the village under 拉果乡",
         "布拖县扶贫工作报告。\n阿布洛哈村位于布拖县乌依乡，有农户33户。\n", "33户", "布拖县/乌依乡/阿布洛哈村", 2019},
        {"the village carries to the next sentence, past a comparison with 全国",
         "布拖县扶贫。\n阿布洛哈村位于布拖县乌依乡，是全国最后一个通公路的建制村。33户村民喜迁新居。\n", "33户",
         "乌依乡/阿布洛哈村", 0},
        {"without the location word the place named last is the place", "布拖县扶贫工作报告。\n阿布洛哈村和布拖县乌依乡，有农户33户。\n",
         "33户", "布拖县/乌依乡", 0},
        {"a village name alone in quotation marks is a byname",
         "昭觉县支尔莫乡阿土列尔村被称做“悬崖村”。如今村里84户搬下山。\n", "84户", "支尔莫乡/阿土列尔村", 0},
        {"村里 names again the village of the paragraph before",
         "察哈尔右翼前旗的冬天。雪落在三岔口乡十二洲村的山丘上。\n老张在村里承包了200亩地。\n", "200亩", "三岔口乡/十二洲村", 0},
        {"…but not one two paragraphs before",
         "察哈尔右翼前旗的冬天。雪落在三岔口乡十二洲村的山丘上。\n全旗在冬天很冷。\n老张在村里承包了200亩地。\n", "200亩",
         "察哈尔右翼前旗", 0},
        {"a bracketed gloss (村（嘎查）) names no village", "锡林郭勒盟扶贫。正镶白旗星耀镇永合村种西瓜。全盟帮扶村（嘎查）192个。\n",
         "192个", "锡林郭勒盟", 0},
        {"a longer word that starts like one (嘎查村) is none", "锡林郭勒盟扶贫。\n正镶白旗星耀镇永合村种西瓜。\n嘎查村有192个。\n",
         "192个", "锡林郭勒盟", 0},
        {"a name used before means what it meant there (永合村 is a village of several counties)",
         "锡林郭勒盟扶贫。\n正镶白旗星耀镇永合村种西瓜。\n北京的3家企业落户永合村。\n", "3家", "正镶白旗/星耀镇/永合村", 0},
        {"a village the gazetteer has only under other townships, written after a township, is kept below it",
         "安定区扶贫。\n巉口镇新寨村有农户320户。\n", "320户", "安定区/巉口镇/新寨村", 0},
        {"a story about one village: named below the subject in the first sentences and twice more",
         "鄂温克旗:畜牧产业链\n鄂温克族自治旗伊敏苏木巴音塔拉嘎查的养殖基地。\n乌尼尔每月有6000元收入。\n"
         "巴音塔拉嘎查位于伊敏苏木中部。巴音塔拉嘎查草场面积45万亩。\n",
         "6000元", "伊敏苏木/巴音塔拉嘎查", 0},
        {"…not when it is named once more only",
         "鄂温克旗:畜牧产业链\n鄂温克族自治旗伊敏苏木巴音塔拉嘎查的养殖基地。\n乌尼尔每月有6000元收入。\n巴音塔拉嘎查草场面积45万亩。\n",
         "6000元", "鄂温克族自治旗", 0},
        {"a township's name unique in China, in the report's province, needs no county before it",
         "宁夏扶贫。\n闽宁镇农民人均可支配收入10880元。\n", "10880元", "永宁县/闽宁镇", 0},
        {"a township named as it was before its upgrade (东坝头乡, now 东坝头镇) is found, and written as the report writes it",
         "兰考县扶贫。\n在东坝头乡张庄村，村民人均纯收入8000多元。\n", "8000多元", "兰考县/东坝头乡/张庄村", 0},
        {"a whole word names the unit holding the paragraph's place whose name ends as it does (全地区)",
         "喀什地区扶贫。\n莎车县阿瓦提镇建成工厂12家。全地区建成卫星工厂1069家。\n", "1069家", "新疆维吾尔自治区/喀什地区", 0},
        {"a prefecture a county's report names in the figure's clause is the figure's place",
         "石阡县扶贫。今年石阡县完成搬迁1.2万人。\n铜仁市今年投入扶贫资金20亿元。\n", "20亿元", "贵州省/铜仁市", 0},
        {"a Xinjiang prefecture's short form drops 哈萨克 as others drop 族 (伊犁州)", "伊犁州今年投入扶贫资金3亿元。\n", "3亿元",
         "新疆维吾尔自治区/伊犁哈萨克自治州", 0},
        {"…and its official abbreviation (博州) is a name", "博州今年投入扶贫资金3亿元。\n", "3亿元", "新疆维吾尔自治区/博尔塔拉蒙古自治州", 0},
        {"a year that opens a phrase ending in 以来 starts a period: its totals are the report's year",
         "宁夏扶贫。\n工作队自2016年入驻宁夏以来，累计协调帮扶资金12.6亿元。\n", "12.6亿元", "宁夏回族自治区", 2019},
        {"当年 is the year written last", "巴东县扶贫。\n2016年，巴东县启动搬迁，当年搬迁贫困人口5200人，次年又搬迁6800人。\n", "5200人",
         "巴东县", 2016},
        {"…and 次年 the one after it", "巴东县扶贫。\n2016年，巴东县启动搬迁，当年搬迁贫困人口5200人，次年又搬迁6800人。\n", "6800人",
         "巴东县", 2017},
        {"…and with none written, the report's", "巴东县扶贫。\n当年搬迁贫困人口5200人。\n", "5200人", "巴东县", 2019},
        {"…and 全县 the county the paragraph is on", "喀什地区扶贫。\n莎车县阿瓦提镇建成工厂12家。全县建成卫星工厂169家。\n",
         "169家", "喀什地区/莎车县", 0},
        {"a village carries to the next sentences of its paragraph",
         "察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。秋收时亩产达3000公斤。\n", "3000公斤", "三岔口乡/十二洲村", 0},
        {"…until a sentence names the county again",
         "察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。察哈尔右翼前旗实施产业扶贫。共投入资金500万元。\n", "500万元",
         "察哈尔右翼前旗", 0},
        {"…and not into the next paragraph", "察哈尔右翼前旗扶贫。\n老张在三岔口乡十二洲村种土豆。\n共投入资金500万元。\n",
         "500万元", "察哈尔右翼前旗", 0},
        {"a figure qualifying a national thing (…的全国…标准) is the nation's",
         "云南扶贫。\n国家统计局云南调查总队显示:按照2855元人民币的全国农村贫困标准,云南省农村贫困人口下降至471万人。\n", "2855元",
         "全国", 0},
        {"one of a group (龙胜各族自治县等14个贫困县) does not make the report its own",
         "新华社南宁5月11日电 记者从广西壮族自治区政府获悉,龙胜各族自治县等14个贫困县脱贫摘帽。\n", "14个", "广西壮族自治区", 0},
        {"a count of places after 脱贫摘帽 is above them", "广西扶贫。\n14个脱贫摘帽县区中,龙胜、田阳9个县为重点县。\n", "14个",
         "广西壮族自治区", 0},
        {"全州 is the whole prefecture, not 全州县 of another province",
         "云南省怒江州脱贫攻坚情况\n全州累计减少贫困人口25.9万人。全州贫困发生率降至10.09%。\n", "25.9万人", "云南省/怒江傈僳族自治州", 0},
        {"…but 全州县 is the county", "广西扶贫。\n全州县减少贫困人口2.1万人。\n", "2.1万人", "广西壮族自治区/桂林市/全州县", 0},
        {"a report on the nation: 全国 twice, and no province holds half its places",
         "2019年全国脱贫攻坚成效显著\n全国农村贫困人口减少1109万人。贵州省减少贫困人口147万人，云南省减少贫困人口145万人。"
         "中西部22个省份投入资金1261亿元。甘肃省定西市安定区减贫1.5万人。\n", "1261亿元", "全国", 0},
        {"…where each province's figures are its own",
         "2019年全国脱贫攻坚成效显著\n全国农村贫困人口减少1109万人。贵州省减少贫困人口147万人，云南省减少贫困人口145万人。"
         "中西部22个省份投入资金1261亿元。甘肃省定西市安定区减贫1.5万人。\n", "145万人", "云南省", 0},
        {"…but a province's report that compares itself with others is its own",
         "2019年贵州省脱贫攻坚成效显著\n全国农村贫困人口减少1109万人。贵州省减少贫困人口147万人，黔东南州减贫20万人，遵义市减贫8万人，"
         "云南省减少贫困人口145万人。全省投入资金261亿元。甘肃省减贫1.5万人。\n", "261亿元", "贵州省", 0},
        {"places listed before 分别 pair with the figures after it, in order",
         "阜平县扶贫。\n骆驼湾村、顾家台村人均纯收入分别达到13620元、12700元。\n", "12700元", "龙泉关镇/顾家台村", 0},
        {"…the first with the first", "阜平县扶贫。\n骆驼湾村、顾家台村人均纯收入分别达到13620元、12700元。\n", "13620元",
         "龙泉关镇/骆驼湾村", 0},
        {"…and a figure past the list is the list's place", "阜平县扶贫。\n骆驼湾村、顾家台村人均纯收入分别达到13620元、12700元，合计投入资金500万元。\n",
         "500万元", "阜平县/龙泉关镇", 0},
        {"全镇 ends the carry of a village up to its township",
         "阜平县扶贫。\n老张在龙泉关镇骆驼湾村种土豆。全镇投入产业扶贫资金850万元。\n", "850万元", "阜平县/龙泉关镇", 0},
        {"a place after 其中 is a part's, not the whole's before it", "阜平县扶贫。\n投入产业扶贫资金850万元，其中骆驼湾村320万元。\n", "850万元",
         "保定市/阜平县", 0},
        {"a chain of names after the figure: its last is the place",
         "锡林郭勒盟扶贫。\n北京的合作社投资700万元，在正镶白旗星耀镇永合村建起基地。\n", "700万元", "正镶白旗/星耀镇/永合村", 0},
        {"a smaller place after the figure in its clause wins over the one before it",
         "锡林郭勒盟扶贫。\n正镶白旗扶贫办出资70余万元在星耀镇永合村建设大棚。\n", "70余万元", "正镶白旗/星耀镇/永合村", 0},
        {"…but not one in the next clause", "锡林郭勒盟扶贫。\n正镶白旗投入资金500万元，在星耀镇永合村建设大棚。\n", "500万元",
         "锡林郭勒盟/正镶白旗", 0},
        {"a year opening a sentence carries to the paragraph's next sentences",
         "2020年1月15日\n察哈尔右翼前旗扶贫。\n2019年春天，老张承包了200亩地。秋收时亩产达3000公斤。\n", "3000公斤",
         "察哈尔右翼前旗", 2019},
        {"…not into the next paragraph",
         "2020年1月15日\n察哈尔右翼前旗扶贫。\n2019年春天，老张承包了200亩地。\n秋收时亩产达3000公斤。\n", "3000公斤",
         "察哈尔右翼前旗", 2020},
        {"…not when a practice started then (2017年开始)",
         "2020年1月15日\n察哈尔右翼前旗扶贫。\n2017年开始，每年补助学生。建设19所幸福院。\n", "19所", "察哈尔右翼前旗", 2020},
        {"…nor when the year is compared with", "2020年1月15日\n察哈尔右翼前旗扶贫。\n较2018年增长了。建设19所幸福院。\n", "19所",
         "察哈尔右翼前旗", 2020},
        {"a year in Chinese numerals dates its sentence", "2020年1月15日\n贵州扶贫。\n二〇一八年，全省减少贫困人口148万人。\n", "148万人",
         "贵州省", 2018},
        {"…and a dateline in them is the report's year", "二〇二〇年三月十五日\n贵州扶贫工作。\n去年全省共有18个县脱贫摘帽。\n", "18个",
         "贵州省", 2019},
        {"…but not a run of more than four", "2020年1月15日\n贵州扶贫。\n编号一二〇一九年三个村，投入资金500万元。\n", "500万元",
         "贵州省", 2020},
        {"a heading that names a year dates its section", "2020年12月28日\n融水县扶贫。\n三、2021年工作打算\n投入衔接资金3亿元。\n", "3亿元",
         "融水苗族自治县", 2021},
        {"…until the next heading", "2020年12月28日\n融水县扶贫。\n三、2021年工作打算\n巩固成果。\n四、保障措施\n投入资金3亿元。\n", "3亿元",
         "融水苗族自治县", 2020},
        {"…and a long line is no heading", "2020年12月28日\n融水县扶贫。\n2021年全县各乡镇将继续巩固拓展脱贫攻坚成果同乡村振兴有效衔接的各项工作\n投入资金3亿元。\n",
         "3亿元", "融水苗族自治县", 2020},
        {"the from-side of a change with no year written is of a year the text does not tell",
         "2019年3月1日\n贵州扶贫。\n贵州贫困发生率从20.6%下降到4.3%。\n", "20.6%", "贵州省", -1},
        {"…but after a period's start (2014年以来) the from-side is that start",
         "2017年3月1日\n井冈山市扶贫。\n2014年以来，井冈山市贫困发生率由13.8%降至1.6%。\n", "13.8%", "井冈山市", 2014},
        {"…and its to-side of the present", "2019年3月1日\n贵州扶贫。\n贵州贫困发生率从20.6%下降到4.3%。\n", "4.3%", "贵州省", 2019},
        {"…but 由…到 a place is no change", "2019年3月1日\n化德县扶贫。\n由政府以每亩100元的标准集中流转到县土地流转服务中心。\n", "100元",
         "化德县", 2019},
        {"a year of a named thing (2017年度…考核) dates that thing, not the sentence's figures",
         "2019年1月15日\n内蒙古扶贫。\n2017年度国家成效考核反馈的97个具体问题已整改完。\n", "97个", "内蒙古自治区", 2019},
        {"…but a year of the whole place is the sentence's", "2020年1月15日\n平江县扶贫。\n2018年度全县减贫1.2万人。\n", "1.2万人",
         "平江县", 2018},
        {"years listed before 分别 pair in order with the figures after it",
         "2020年1月15日\n平江县扶贫。\n2016年、2017年和2018年全县分别减贫1.2万人、1.5万人、1.8万人。\n", "1.5万人", "平江县", 2017},
        {"the base of a comparison dates no figure of its sentence", "2020年1月15日\n察哈尔右翼前旗扶贫。\n投资额较2018年分别增长160%、543%。\n",
         "543%", "察哈尔右翼前旗", 2020},
        {"…but two years joined by 和 are the sentence's years",
         "2020年1月15日\n察哈尔右翼前旗扶贫。\n2017年和2018年，申请资金159万元，购进83头牛和1头种公牛。\n", "1头", "察哈尔右翼前旗", 2018},
        {"由上年的… dates the from-side only", "2019年1月15日\n察哈尔右翼前旗扶贫。\n低保标准由上年的年人均4851元提高到5547元。\n", "5547元",
         "察哈尔右翼前旗", 2019},
        {"…and the from-side itself", "2019年1月15日\n察哈尔右翼前旗扶贫。\n低保标准由上年的年人均4851元提高到5547元。\n", "4851元",
         "察哈尔右翼前旗", 2018},
    };
    char t[4096];
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        int dated = !strncmp(places[i].text, "20", 2) || !strncmp(places[i].text, "二〇", strlen("二〇"));
        snprintf(t, sizeof t, "%s%s", dated ? "" : "2019年3月1日\n", places[i].text);
        if (!about("a.txt", t, places[i].fig, places[i].path, places[i].year)) {
            fprintf(stderr, "  (%s)\n", places[i].why);
            CHECK(0);
        }
    }

    /* the year of a text with no date: the caller's hint, else its file name's
     * (not a hash's, nor four digits among others); a date in it wins */
    static const struct {
        const char *source;
        int dated, hint, year;
    } names[] = {
        {"reports/duolun2016.txt", 0, 0, 2016}, {"2017年报告.txt", 0, 0, 2017}, {"9bb8ad2016e64388.txt", 0, 0, 0},
        {"r120160.txt", 0, 0, 0},              {"duolun2016.txt", 1, 0, 2019}, {"duolun2016.txt", 0, 2015, 2015},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(t, sizeof t, "%s多伦县扶贫。今年落实资金704万元。\n", names[i].dated ? "2019年3月1日\n" : "");
        probe p = figure(names[i].source, t, "704万元", names[i].hint);
        CHECK(p.found && p.year == names[i].year);
    }

    /* a review of a year published in the first half of the next is about the year its title names */
    const char *review = "黔南州2020年脱贫攻坚成效显著\n来源：黔南日报 2021-01-05\n罗甸县投入扶贫资金8.5亿元。\n";
    CHECK(figure("a.txt", review, "8.5亿元", 0).year == 2020);
    const char *spring = "黔南州2020年脱贫攻坚成效显著\n来源：黔南日报 2021-04-05\n罗甸县投入扶贫资金8.5亿元。\n";
    CHECK(figure("a.txt", spring, "8.5亿元", 0).year == 2020);
    const char *hanzi = "黔南州二〇二〇年脱贫攻坚工作总结\n二〇二一年三月五日\n罗甸县投入扶贫资金8.5亿元。\n";
    CHECK(figure("a.txt", hanzi, "8.5亿元", 0).year == 2020);
    const char *circle = "平江县扶贫开发工作总结\n平江县扶贫开发办公室 二○一三年十二月十日\n今年投入扶贫资金1.26亿元。\n";
    CHECK(figure("a.txt", circle, "1.26亿元", 0).year == 2013);
    const char *later = "黔南州2020年脱贫攻坚成效显著\n来源：黔南日报 2021-09-05\n罗甸县投入扶贫资金8.5亿元。\n";
    CHECK(figure("a.txt", later, "8.5亿元", 0).year == 2021);

    /* a web page's counters and its list of other stories are no figures of the report */
    const char *page = "石阡县易地扶贫搬迁成效显著\n发布时间：2019-12-20 来源：扶贫办 浏览次数：1523次\n"
                       "今年，石阡县完成易地扶贫搬迁1.2万人。\n相关阅读：\n石阡县2018年脱贫1.5万人\n铜仁市2019年投入扶贫资金20亿元\n";
    CHECK(figure("a.txt", page, "1.2万人", 0).found);
    CHECK(!figure("a.txt", page, "1523次", 0).found && !figure("a.txt", page, "1.5万人", 0).found &&
          !figure("a.txt", page, "20亿元", 0).found);
    const char *after = "石阡县扶贫。\n相关阅读\n石阡县2018年脱贫1.5万人\n全县投入资金3亿元。\n";
    CHECK(figure("a.txt", after, "3亿元", 0).found); /* a sentence ends the list */

    /* a heading that plans makes its section's figures targets, until the next heading */
    const char *plan_section = "2020年12月1日\n融水县扶贫。\n四、下一步工作打算\n巩固成果，投入资金3亿元。\n五、保障措施\n落实资金2亿元。\n";
    CHECK(!strcmp(figure("a.txt", plan_section, "3亿元", 0).relation, "plan"));
    CHECK(!strcmp(figure("a.txt", plan_section, "2亿元", 0).relation, "total"));
    /* …and so does one that names the work ahead (工作安排); its year is no year the report is about */
    const char *ahead = "东乡县2019年脱贫攻坚工作总结\n截至2019年底，全县投入资金3亿元。\n全县投入资金4亿元。\n三、2020年工作安排\n投入资金2亿元。\n";
    CHECK(figure("a.txt", ahead, "4亿元", 0).year == 2019);
    /* a review's section dated by its heading makes its 全年 that year, not the report's; the
     * growth its plan section names is a target */
    const char *gov = "2020年临潭县人民政府工作报告\n2020年1月8日\n一、2019年工作回顾\n全年实现2.86万名贫困人口脱贫。\n"
                      "二、2020年工作安排\n地区生产总值增长6%。\n";
    CHECK(figure("a.txt", gov, "2.86万名", 0).year == 2019);
    CHECK(!strcmp(figure("a.txt", gov, "6%", 0).relation, "plan"));
    CHECK(!strcmp(figure("a.txt", ahead, "2亿元", 0).relation, "plan"));
    const char *done_section = "2020年12月1日\n融水县扶贫。\n一、目标任务完成情况\n全年投入资金3亿元。\n";
    CHECK(!strcmp(figure("a.txt", done_section, "3亿元", 0).relation, "total"));

    /* a part with no word of its own takes its whole's metric and label (so its indicator), not
     * what its weak word (贫困人口) would name */
    const char *moved = "2019年3月1日\n黔西南州搬迁安置群众32.54万人，其中建档立卡贫困人口22.51万人。\n";
    probe pm = figure("a.txt", moved, "22.51万人", 0);
    CHECK(!strcmp(pm.relation, "part") && !strcmp(pm.metric, "relocation") && !strcmp(pm.label, "搬迁安置"));

    /* the channels of the year's exits (五个一批) are parts of a whole never stated, each a measure of
     * its own (other:<label>), not the exit cell's value */
    const char *channels = "2019年3月1日\n呼伦贝尔市扶贫。\n通过发展生产脱贫33368人，易地扶贫搬迁脱贫9536人，生态补偿脱贫3072人。\n";
    probe pc = figure("a.txt", channels, "33368人", 0);
    CHECK(!strcmp(pc.relation, "part") && !strncmp(pc.indicator, "other:", 6));
    const char *years = "2019年3月1日\n呼伦贝尔市扶贫。\n2016年脱贫33368人，2017年脱贫9536人，2018年脱贫3072人。\n";
    CHECK(!strcmp(figure("a.txt", years, "9536人", 0).relation, "total"));

    /* places counted where something happens, and the places listed with them, are measures of their
     * own, never a count of cadres; places counted are poor when their own noun says so */
    const char *scope = "2019年3月1日\n内蒙古扶贫。\n向3694个贫困嘎查村和3008个非贫困嘎查村选派脱贫攻坚工作队。\n";
    CHECK(!strncmp(figure("a.txt", scope, "3008个", 0).indicator, "other:", 6));
    const char *towns = "2019年3月1日\n内蒙古扶贫。\n自治区31个国贫旗县(市、区)的234个乡镇全部通了电。\n";
    CHECK(strcmp(figure("a.txt", towns, "234个", 0).metric, "poor_population") != 0);
    CHECK(!strcmp(figure("a.txt", towns, "31个", 0).metric, "poor_population"));
    /* a poor-population word beside a figure of another metric names no poor.* indicator */
    const char *homes = "2019年3月1日\n化德县扶贫。\n化德县已完成分配建档立卡贫困人口安置住房1290户。\n";
    CHECK(strncmp(figure("a.txt", homes, "1290户", 0).indicator, "poor.", 5) != 0);

    /* a figure that states a standard is that standard's, never an income */
    const char *line = "2019年3月1日\n云南扶贫。\n按照每人每年2300元（2010年不变价）的农村扶贫标准，全省减贫100万人。\n";
    CHECK(!strcmp(figure("a.txt", line, "2300元", 0).indicator, "other:农村扶贫标准"));
    const char *road = "2019年3月1日\n云南扶贫。\n投入500万元用于村里的道路标准化建设。\n";
    CHECK(strncmp(figure("a.txt", road, "500万元", 0).indicator, "other:道路", strlen("other:道路")) != 0);

    /* what a figure is: its relation, metric and unit, or no figure at all */
    static const struct {
        const char *why, *text, *fig, *relation, *metric, *unit;
    } kinds[] = {
        {"a plan word plans", "多伦县今年计划投入资金500万元。", "500万元", "plan", NULL, NULL},
        {"今年将 plans", "多伦县今年将实现12个村出列。", "12个", "plan", NULL, NULL},
        {"not inside a title", "多伦县编制了《产业扶贫规划》，落实资金500万元。", "500万元", "total", NULL, NULL},
        {"not as a noun ending its phrase", "多伦县实施三年行动计划，组织专家38人。", "38人", "total", NULL, NULL},
        {"progress on a whole before, in its unit and counter, is a part", "多伦县入库项目220个，已实施项目103个。", "103个", "part",
         NULL, NULL},
        {"…nor of a whole that counts something else", "多伦县65家企业与146个村结成对子，实施项目103个。", "103个", "total", NULL, NULL},
        {"a change in percent with no cue of its own measures the figure before it",
         "多伦县农村低保标准提高到5547元，增幅14.3%。", "14.3%", "change", "funds", NULL},
        {"progress with no cue of its own (实施) is a part, and measures what its whole does", "多伦县共审定入库项目767个，实施417个。", "417个", "part", "projects", NULL},
        {"…not of a whole counted by another counter", "多伦县结对企业65家，已实施项目103个。", "103个", "total", NULL, NULL},
        {"cue words inside a document's name measure nothing", "多伦县制定了《扶贫对象识别规范》等8项标准。", "8项", NULL, "other",
         NULL},
        {"a cue word inside a longer one begun before it is part of it", "多伦县已吸纳安置贫困户劳动力916人。", "916人", NULL,
         "employment", NULL},
        {"a counter of people after a household noun counts people", "多伦县培训建档立卡贫困户2895人。", "2895人", NULL, NULL, "person"},
        {"a household noun before a count of 个 counts households", "多伦县有农户200多个。", "200多个", NULL, NULL, "household"},
        {"a household noun after a counter of people counts households", "多伦县帮扶6名建档立卡户。", "6名", NULL, NULL, "household"},
        {"…but not right after a count of households", "多伦县与217户429名贫困户建立联结。", "429名", NULL, NULL, "person"},
        {"a noun that names a group of people (村民小组) counts no people", "十八洞村辖6个村民小组。", "6个", NULL, NULL, "count"},
        {"建档立卡贫困户 is a household noun", "多伦县惠及了12939个建档立卡贫困户。", "12939个", NULL, NULL, "household"},
        {"one space between a number and its multiplier and unit (text from a PDF)", "多伦县投入资金 5.6 亿元。", "5.6 亿元", NULL,
         "funds", "CNY"},
        {"…or its unit", "多伦县有贫困户 8245 户。", "8245 户", NULL, NULL, "household"},
        {"…but an ordinal stays none", "多伦县举办第 3 期培训班。", "3 期", NULL, NULL, NULL},
        {"a counter before a unit of time is no figure", "小学生爬2个多小时悬梯上学。", "2个多", NULL, NULL, NULL},
        {"…nor is 3个月", "前后用了3个月。", "3个", NULL, NULL, NULL},
        {"a plan of an earlier clause does not reach a figure its clause reports done",
         "多伦县将任务用于计划年内脱贫摘帽的旗县，已开工2950户。", "2950户", "total", NULL, NULL},
        {"…but carries to one that is not reported done", "多伦县计划年内脱贫摘帽，搬迁2950户。", "2950户", "plan", NULL, NULL},
        {"a population is no people reached", "阜平县总人口23万人。", "23万人", NULL, "other", NULL},
        {"documents are no people reached, though help is near", "多伦县与怀柔区签订帮扶协议34份。", "34份", NULL, "other", NULL},
        {"a share after a breakdown's items is no item of it", "其中全省开工建设安置房19.12万套，占国家下达年度计划的238.93%。",
         "238.93%", "total", NULL, NULL},
        {"…but a share in the clause of 其中 is a part", "已化解13062万元，其中以零利率化解的占化解总金额的50%。", "50%", "part", NULL,
         NULL},
        {"by region (分地区看), the items break down the whole before", "全省开工建设安置房19.12万套。分地区看，陕南地区开工建设安置房12.5万套。",
         "12.5万套", "part", NULL, NULL},
        {"places counted where something happens are its scope, though 、 stands in brackets",
         "在57个贫困旗县(市、区)实施光伏扶贫项目。", "57个", NULL, "other", NULL},
        {"under the current standard (现行标准下) is no rate per unit", "赤峰市现行标准下31.6万建档立卡贫困人口全部脱贫。", "31.6万", "total", NULL, NULL},
        {"a programme's name plans nothing (雨露计划)", "平江县完成雨露计划培训1200人。", "1200人", "total", "training", NULL},
        {"…nor does family planning (计划生育)", "平江县落实计划生育奖励资金500万元。", "500万元", "total", NULL, NULL},
        {"a count of people before 每人 counts the persons the next figure is per", "干部1175人每人落实5户帮扶任务。", "1175人", "total",
         NULL, NULL},
        {"…but an amount before 每人 is per person", "每月发放500元每人。", "500元", "per_unit", NULL, NULL},
        {"a share of a target reached (达到年度目标的119.1%) is no target", "完成造林595万亩，达到年度目标的119.1%。", "119.1%", "total",
         NULL, NULL},
        {"places counted are poor by their own noun, not by a poor word later in the clause",
         "巴音锡勒镇的11个行政村的85户贫困户中已有1/3脱贫。", "11个", NULL, "other", NULL},
        {"…and by their own noun they are", "全市有57个深度贫困旗县。", "57个", NULL, "poor_population", NULL},
        {"the scope of a programme (实施范围为全区57个贫困旗县) is where it happens",
         "明确林业扶贫工作实施范围为全区57个贫困旗县。", "57个", NULL, "other", NULL},
        {"a count newly taken in (新纳入) is a change", "多伦县新纳入低保贫困户52户。", "52户", "change", NULL, NULL},
        {"N of whole before 中已有 measures by its own noun", "全省66个贫困县中已有58个县脱贫摘帽。", "66个", "total", "poor_population",
         NULL},
        {"…and the M after it is a part", "全省66个贫困县中已有58个县脱贫摘帽。", "58个", "part", "poverty_exit", NULL},
        {"a count of places not yet out of poverty (未摘帽) is no exit", "临夏州还有2个县未摘帽。", "2个", NULL, "poor_population", NULL},
        {"a whole before 已有 in its clause measures by its own noun", "兰考县全村117户贫困户已有116户脱贫。", "117户", "total",
         "poor_population", NULL},
        {"…and the figure after 已有 is its part", "兰考县全村117户贫困户已有116户脱贫。", "116户", "part", "poverty_exit", NULL},
        {"…but not across a clause break", "兰考县投入资金3亿元，已有5万人脱贫。", "5万人", "total", "poverty_exit", NULL},
        {"places counted as the subject of a verb whose object is another figure measure by their own noun",
         "宁夏西吉县等9个贫困县区累计减贫8.6万人。", "9个", NULL, "poor_population", NULL},
        {"…but places the verb is about are what it measures", "宁夏9个贫困县全部脱贫摘帽。", "9个", NULL, "poverty_exit", NULL},
        {"a part's own poor noun stands when its whole has no cue either", "喇家村共有农户480户，其中建档立卡贫困户98户。", "98户", "part",
         "poor_population", NULL},
        {"M of N (N中有M) is a part", "多伦县无劳动力的224户310人中有204人纳入低保。", "204人", "part", NULL, NULL},
        {"an item joined by 、 to a change shares its cue", "多伦县投资额分别增长160%、543%。", "543%", "change", NULL, NULL},
        {"…and by 和 to a per-unit figure", "多伦县每户补助1000元和1500元。", "1500元", "per_unit", NULL, NULL},
        {"where per_unit and change both fit, per_unit wins (GUIDE.md)", "临潭县农村居民人均可支配收入增长9%。", "9%", "per_unit", NULL,
         NULL},
        {"…and 年均下降 is a yearly rate", "贫困发生率五年累计下降26.9个百分点，年均下降5.4个百分点。", "5.4个百分点", "per_unit", NULL,
         NULL},
        {"where per_unit and plan both fit, per_unit wins (GUIDE.md)", "保靖县今年预计实现农村居民人均可支配收入9800元。", "9800元", "per_unit",
         NULL, NULL},
        {"a plan of an earlier clause does not reach a clause that built (建成)",
         "全县规划搬迁4712户，截至2019年底已全部入住，建成集中安置点47个。", "47个", "total", NULL, NULL},
        {"…but not an item after a clause break", "多伦县每户补助1000元，全县共投入500万元。", "500万元", "total", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        snprintf(t, sizeof t, "2019年3月1日\n%s\n", kinds[i].text);
        probe p = figure("a.txt", t, kinds[i].fig, 0);
        int figure_wanted = kinds[i].relation || kinds[i].metric || kinds[i].unit;
        int ok = p.found == figure_wanted && (!kinds[i].relation || !strcmp(p.relation, kinds[i].relation)) &&
                 (!kinds[i].metric || !strcmp(p.metric, kinds[i].metric)) &&
                 (!kinds[i].unit || !strcmp(p.unit, kinds[i].unit));
        if (!ok) {
            fprintf(stderr, "  %s: found %d, %s %s %s (%s)\n", kinds[i].fig, p.found, p.relation, p.metric, p.unit,
                    kinds[i].why);
            CHECK(0);
        }
    }

    /* indicators named in other provinces' words */
    fp_indicate *xi = NULL;
    CHECK(fp_indicate_load(&xi, argv[1]) == FP_OK);
    XI = xi;
    static const struct {
        const char *text, *fig, *indicator;
    } named[] = {
        {"甘孜州全年减少农村贫困人口5.02万人。", "5.02万人", "exit.people"},
        {"甘孜州年末农村贫困人口2.89万人。", "2.89万人", "poor.remaining"},
        {"湘西州投入财政专项扶贫资金21.3亿元，其中中央资金12.6亿元。", "12.6亿元", "funds.fiscal_central"},
        {"东乡县退出贫困村62个。", "62个", "exit.villages"},
        {"喀什地区投入援疆资金46.8亿元。", "46.8亿元", "funds.east_west"},
        {"化隆县拉面经济从业人员达到11.6万人。", "11.6万人", "employment.people"},
        {"镇雄县全年共整合各类资金28.6亿元。", "28.6亿元", "funds.integrated"},
        {"甘孜州农村居民人均可支配收入12103元。", "12103元", "income.rural_pc"},
        {"甘孜州城镇居民人均可支配收入32046元。", "32046元", NULL}, /* never the rural cell */
        {"甘孜州城镇居民人均可支配收入32046元，增长8.1%。", "8.1%", NULL}, /* nor its growth */
        {"全省脱贫人口人均纯收入达到13245元，同比增长14.2%。", "13245元", "income.poor_pc"},
        /* a sentence opening on 从 takes its subject from the sentence before */
        {"甘孜州农村贫困人口持续下降。从2014年末的19.7万人减少至2018年末的2.9万人。", "19.7万人", "poor.remaining"},
        {"甘孜州农村贫困人口持续下降。从2014年末的19.7万人减少至2018年末的2.9万人。", "2.9万人", "poor.remaining"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        snprintf(t, sizeof t, "2019年3月1日\n%s\n", named[i].text);
        probe p = figure("a.txt", t, named[i].fig, 0);
        int ok = p.found && (named[i].indicator ? !strcmp(p.indicator, named[i].indicator)
                                                : strcmp(p.indicator, "income.rural_pc") != 0);
        if (!ok) {
            fprintf(stderr, "  %s: %s\n", named[i].fig, p.indicator);
            CHECK(0);
        }
    }

    /* text laid out from a PDF: 28-character lines, a space around each number, a line that
     * breaks before a number or between a year and 底 */
    const char *pdf = "会宁县 2019 年脱贫攻坚工作总结\n\n    2019 年，全县上下坚持以脱贫攻坚统揽全局，全年实现\n"
                      "14 个贫困村退出，减少贫困人口 1.2 万人，贫困发生率由 2018 年\n底的 5.6%下降到 1.2%。\n"
                      "    全年整合财政涉农资金 8.6 亿元，其中用于产业发展 3.2 亿 元。\n";
    probe p14 = figure("a.txt", pdf, "14 个", 0), p56 = figure("a.txt", pdf, "5.6%", 0), p12 = figure("a.txt", pdf, "1.2%", 0);
    CHECK(p14.year == 2019 && !strcmp(p14.indicator, "exit.villages"));
    CHECK(p56.year == 2018 && !strcmp(p56.indicator, "rate.incidence") && p12.year == 2019);
    CHECK(figure("a.txt", pdf, "3.2 亿 元", 0).found);
    const char *pdf_date = "会宁县脱贫攻坚工作总结\n2019 年 12 月 20 日\n全县投入资金 3 亿元。\n2020 年，全县计划投入资金 4 亿元。\n";
    CHECK(figure("a.txt", pdf_date, "3 亿元", 0).year == 2019);

    /* a label reaches back over the phrase to a stop word, a place or a year, not by a count of
     * characters into the middle of a word */
    static const struct {
        const char *text, *fig, *label;
    } labels[] = {
        {"2019年3月1日\n东乡县新建标准化养殖暖棚2650座。\n", "2650座", "新建标准化养殖暖棚"},
        {"2019年3月1日\n东乡县全年落实到户产业扶持资金1.8亿元。\n", "1.8亿元", "落实到户产业扶持资金"},
        {"2019年3月1日\n布楞沟村2019年农民人均可支配收入8320元。\n", "8320元", "农民人均可支配收入"},
        {"2019年3月1日\n湘西州投入资金21亿元，其中中央资金12亿元。\n", "12亿元", "中央资金"},
        {"2019年3月1日\n吉首市、凤凰县分别实施易地扶贫搬迁1.2万人、1.5万人。\n", "1.2万人", "实施易地扶贫搬迁"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        probe p = figure("a.txt", labels[i].text, labels[i].fig, 0);
        if (strcmp(p.label, labels[i].label)) {
            fprintf(stderr, "  %s: label %s, want %s\n", labels[i].fig, p.label, labels[i].label);
            CHECK(0);
        }
    }

    /* a per-unit target stays per_unit (GUIDE.md) but is published as a target, never the value */
    const char *aim = "2019年3月1日\n保靖县今年预计实现农村居民人均可支配收入9800元。\n";
    probe pa = figure("a.txt", aim, "9800元", 0);
    CHECK(!strcmp(pa.relation, "per_unit") && !strcmp(pa.indicator, "income.rural_pc") && !strcmp(pa.series, "target"));
    const char *aim2 = "2019年3月1日\n保靖县扶贫。\n三、2020年工作安排\n农村居民人均可支配收入达到9800元。\n";
    CHECK(!strcmp(figure("a.txt", aim2, "9800元", 0).series, "target"));
    /* …and so is a figure of a year after the report's, or under a heading that plans, with no
     * plan word by it */
    const char *ahead2 = "2019年12月1日\n平江县扶贫。\n2020年，全县将投入扶贫资金5亿元，比今年增长20%。\n";
    probe pf = figure("a.txt", ahead2, "5亿元", 0), pg = figure("a.txt", ahead2, "20%", 0);
    CHECK(!strcmp(pf.relation, "plan") && !strcmp(pf.series, "target") && !strcmp(pg.series, "target"));
    const char *sec = "2019年12月1日\n平江县扶贫。\n三、2020年工作安排\n全县投入扶贫资金5亿元。\n";
    CHECK(!strcmp(figure("a.txt", sec, "5亿元", 0).series, "target"));
    const char *done = "2019年3月1日\n保靖县农村居民人均可支配收入达到9800元。\n";
    CHECK(!strcmp(figure("a.txt", done, "9800元", 0).series, "value"));
    /* a statistical communique dated by its month after the year it reports on is that year's */
    const char *bulletin = "阜平县2018年国民经济和社会发展统计公报\n阜平县统计局\n2019年4月\n\n全年全县扶贫资金投入12.8亿元。\n";
    CHECK(figure("a.txt", bulletin, "12.8亿元", 0).year == 2018);
    const char *bulletin2 = "阜平县2018年国民经济和社会发展统计公报\n阜平县统计局\n2019年4月\n全年全县扶贫资金投入12.8亿元。\n";
    CHECK(figure("a.txt", bulletin2, "12.8亿元", 0).year == 2018);
    /* a plan word that ends its phrase plans nothing (围绕…目标，); 争取 with money after it reports
     * money secured */
    const char *goal = "2014-01-20\n黔西南州紧紧围绕“减贫摘帽”目标，全年减少农村贫困人口18.3万人。\n";
    CHECK(!strcmp(figure("a.txt", goal, "18.3万人", 0).series, "value"));
    const char *got = "2014-01-20\n黔西南州争取以工代赈资金1.35亿元，修建通村公路326公里。\n";
    probe pgot = figure("a.txt", got, "1.35亿元", 0), proad = figure("a.txt", got, "326公里", 0);
    CHECK(!strcmp(pgot.relation, "total") && !strcmp(pgot.series, "value") && !strcmp(proad.relation, "total"));
    /* the yardstick of a comparison is not the place nor the year a figure is about */
    const char *yard = "2014-01-20\n黔西南州扶贫。\n\n全州农民人均纯收入达到5891元，比上年增长16.2%，增幅高于全省平均水平1.1个百分点。\n";
    CHECK(strstr(figure("a.txt", yard, "5891元", 0).path, "黔西南") != NULL);
    CHECK(strstr(figure("a.txt", yard, "1.1个百分点", 0).path, "黔西南") != NULL);
    const char *more = "河南省2021年巩固拓展脱贫攻坚成果工作情况\n2022年1月10日\n河南省脱贫劳动力务工就业规模达到232.6万人，超过上年规模6.3万人。\n";
    probe pmore = figure("a.txt", more, "6.3万人", 0);
    CHECK(pmore.year == 2021 && !strcmp(pmore.relation, "change"));
    /* the second of a pair written as one (3921户15530人) states what the first does */
    const char *pair = "2018-01-20\n澜沧县全年搬迁贫困群众4869户19201人，其中建档立卡贫困户3921户15530人。\n";
    probe pp1 = figure("a.txt", pair, "3921户", 0), pp2 = figure("a.txt", pair, "15530人", 0);
    CHECK(!strcmp(pp1.relation, "part") && !strcmp(pp2.relation, "part") && !strcmp(pp2.indicator, pp1.indicator) &&
          !strcmp(pp2.metric, "relocation"));
    /* a figure its own list item names is not measured by the next item's words */
    const char *items = "2018-01-20\n澜沧县有贫困乡镇15个、贫困村99个。\n";
    CHECK(strcmp(figure("a.txt", items, "15个", 0).indicator, "poor.villages") != 0);
    CHECK(!strcmp(figure("a.txt", items, "99个", 0).indicator, "poor.villages"));
    /* a family's size is per household, never the place's poor population */
    const char *family = "2019-11-20\n弄合村贫困户蓝某某今年56岁，家有5口人。\n";
    CHECK(!strcmp(figure("a.txt", family, "5口", 0).relation, "per_unit"));
    /* progress on a whole after the clause's time phrase is a part of it */
    const char *spent = "2019-12-26\n岢岚县统筹整合财政涉农资金2.87亿元，截至11月底已支出2.61亿元。\n";
    CHECK(!strcmp(figure("a.txt", spent, "2.61亿元", 0).relation, "part"));
    /* a task its clause says was done is an outcome; growth after a plan's base is no target */
    const char *task = "2017-10-18\n湖北省1-9月完成易地扶贫搬迁建设任务21.6万人，占年度任务的90%。\n"
                       "全省投入财政专项扶贫资金87.6亿元，占年度计划的82.3%，比去年同期增加21.5亿元。\n";
    probe ptask = figure("a.txt", task, "21.6万人", 0), pbase = figure("a.txt", task, "21.5亿元", 0);
    CHECK(!strcmp(ptask.relation, "total") && !strcmp(ptask.series, "value") && !strcmp(pbase.series, "change"));
    /* 全年 is the whole of the year the paragraph is about; a review section of a report dated early
     * in the year is about the year before */
    const char *review18 = "政府工作报告\n——2018年1月25日在甘肃省第十三届人民代表大会第一次会议上\n\n一、过去五年工作回顾\n\n"
                      "五年来，全省农村居民人均可支配收入达到8076元。\n\n2017年，全省减少贫困人口67万人。"
                      "全年落实财政专项扶贫资金118亿元。\n";
    CHECK(figure("a.txt", review18, "8076元", 0).year == 2017 && figure("a.txt", review18, "118亿元", 0).year == 2017);
    /* what one place gives another is the receiver's, and so is what follows it with no place of
     * its own; a place after 向 with nothing given is where something goes; 我区 names the
     * writer's province */
    const char *aid = "2019-12-20\n2019年，北京市向内蒙古投入财政帮扶资金12.3亿元，比上年增长46%。"
                      "北京市16个区与我区31个国家级贫困旗县建立结对关系。\n"
                      "福州市投入西吉县帮扶资金4500万元，其中用于产业发展2800万元。\n"
                      "内蒙古向北京市销售农畜产品216亿元。\n";
    CHECK(!strcmp(figure("a.txt", aid, "12.3亿元", 0).path, "内蒙古自治区"));
    CHECK(!strcmp(figure("a.txt", aid, "46%", 0).path, "内蒙古自治区"));
    CHECK(strstr(figure("a.txt", aid, "2800万元", 0).path, "西吉县") != NULL);
    CHECK(!strcmp(figure("a.txt", aid, "216亿元", 0).path, "内蒙古自治区"));
    /* a period up to now (23年来) takes no year from the sentence before it */
    const char *since23 = "2019年4月8日\n1996年，福建和宁夏开启对口协作。23年来，福建省累计向宁夏投入帮扶资金21.3亿元。\n";
    CHECK(figure("a.txt", since23, "21.3亿元", 0).year == 2019);
    /* a paragraph opening on 分市州看 breaks down the paragraph before */
    const char *bd = "2020-01-15\n甘肃省扶贫。\n2019年，全省减少农村贫困人口65.9万人。\n\n分市州看，定西市减贫11.3万人，陇南市减贫10.6万人。\n";
    CHECK(!strcmp(figure("a.txt", bd, "11.3万人", 0).relation, "part") && !strcmp(figure("a.txt", bd, "10.6万人", 0).relation, "part"));
    /* a running total of the year's falls is the running indicator's value */
    const char *run = "2020-01-15\n2013年以来，甘肃省累计减少贫困人口552万人。\n";
    probe prun = figure("a.txt", run, "552万人", 0);
    CHECK(!strcmp(prun.indicator, "exit.cumulative") && !strcmp(prun.series, "value"));
    /* a key line's key is its figure's clause; what follows 其中 names the part, not the whole */
    const char *keys = "2020-01-10\n石阡县扶贫。\n2.出列贫困村：37个；\n财政专项扶贫资金：2.36亿元（其中中央资金1.42亿元）\n";
    CHECK(!strcmp(figure("a.txt", keys, "37个", 0).indicator, "exit.villages"));
    CHECK(!strcmp(figure("a.txt", keys, "2.36亿元", 0).indicator, "funds.fiscal"));
    CHECK(!strcmp(figure("a.txt", keys, "1.42亿元", 0).indicator, "funds.fiscal_central"));
    /* a flow summed over years is no year's value: a measure of its own */
    const char *multi_years = "2020-03-01\n会宁县扶贫。\n2016—2019年，全县累计投入扶贫资金32亿元。“十三五”期间，海东市累计投入各类扶贫资金186.5亿元。"
                        "全年累计投入扶贫资金8亿元。\n";
    CHECK(!strncmp(figure("a.txt", multi_years, "32亿元", 0).indicator, "other:", 6));
    CHECK(!strncmp(figure("a.txt", multi_years, "186.5亿元", 0).indicator, "other:", 6));
    CHECK(!strcmp(figure("a.txt", multi_years, "8亿元", 0).indicator, "funds.total"));
    /* a township's own report (its title names it inside the county) is about the township; 实际
     * reports done past a plan; 村级 makes no village; 口 after a pond counts ponds */
    const char *town = "修齐镇2019年脱贫攻坚工作总结\n2019年12月20日\n修齐镇位于城口县东南部。"
                       "全镇2019年计划脱贫93户，实际脱贫96户，贫困发生率降至0.42%。\n"
                       "全年新建村级公路18公里，整治山坪塘12口。剩余贫困人口15户将于2020年全部脱贫。\n";
    CHECK(!strcmp(figure("a.txt", town, "96户", 0).path, "重庆市/城口县/修齐镇"));
    CHECK(!strcmp(figure("a.txt", town, "18公里", 0).path, "重庆市/城口县/修齐镇"));
    probe p96 = figure("a.txt", town, "96户", 0), p042 = figure("a.txt", town, "0.42%", 0);
    CHECK(!strcmp(p96.relation, "total") && !strcmp(p042.relation, "total"));
    CHECK(!strcmp(figure("a.txt", town, "12口", 0).unit, "count"));
    probe p15 = figure("a.txt", town, "15户", 0);
    CHECK(!strcmp(p15.relation, "plan") && !strcmp(p15.series, "target"));
    /* newly identified poor change the stock; a stock of exited households is the running
     * total; a registry's correction is no exit; monitored households are their own measure */
    const char *flows = "2019-12-01\n会宁县扶贫。\n全县新识别贫困人口156人。全县动态调整退出贫困户412户。"
                        "全县有脱贫户8000户，其中有返贫风险的监测户120户。\n";
    CHECK(!strcmp(figure("a.txt", flows, "156人", 0).series, "change"));
    CHECK(strcmp(figure("a.txt", flows, "412户", 0).indicator, "exit.people") != 0);
    CHECK(!strcmp(figure("a.txt", flows, "8000户", 0).indicator, "exit.cumulative"));
    CHECK(!strncmp(figure("a.txt", flows, "120户", 0).indicator, "other:", 6));
    /* 已脱贫 with no year of its own counts the exits so far, not the year's */
    const char *sofar = "2019-12-01\n会宁县扶贫。\n全县有建档立卡贫困户836户3012人，已脱贫812户2970人。\n今年已脱贫300户。\n";
    CHECK(!strcmp(figure("a.txt", sofar, "812户", 0).indicator, "exit.cumulative"));
    CHECK(!strcmp(figure("a.txt", sofar, "300户", 0).indicator, "exit.people"));
    /* a group a verb reaches (为4户脱贫户每户分红) is who benefits, not an exit; a label stops at a
     * bracket and drops a plan word before it */
    const char *reach = "2020-06-01\n巴音塔拉嘎查扶贫。\n集体项目牛还为4户脱贫户每户分红4500元。\n"
                        "财政专项扶贫资金：2.36亿元（其中中央资金1.42亿元）。全县确保农村居民人均可支配收入增长8%以上。\n";
    probe p4 = figure("a.txt", reach, "4户", 0);
    CHECK(!strcmp(p4.metric, "beneficiaries") && strcmp(p4.indicator, "exit.people") != 0);
    CHECK(!strcmp(figure("a.txt", reach, "1.42亿元", 0).label, "中央资金"));
    CHECK(!strcmp(figure("a.txt", reach, "8%以上", 0).label, "农村居民人均可支配收入"));
    /* sheds and greenhouses are agriculture; a label starts past the places counted before it */
    const char *sheds = "2016-12-01\n多伦县扶贫。\n在大北沟镇5个行政村新建标准化牛棚255座，在诺尔镇新建日光温室80座。\n";
    probe p255 = figure("a.txt", sheds, "255座", 0);
    CHECK(!strcmp(p255.metric, "agriculture") && !strcmp(p255.label, "新建标准化牛棚"));
    CHECK(!strcmp(figure("a.txt", sheds, "80座", 0).metric, "agriculture"));
    /* a place's population (有农牧民312户, 牧业人口134户) is other; its poor part stays poor */
    const char *popn = "2019-12-30\n拉孜县曲下镇有农牧民312户1468人，其中建档立卡贫困户87户350人。\n";
    CHECK(!strcmp(figure("a.txt", popn, "312户", 0).metric, "other"));
    CHECK(!strcmp(figure("a.txt", popn, "87户", 0).indicator, "poor.registered"));
    /* the nation's figures go on clause after clause; a province opening its clause in a county's
     * report is the province; a change with no years runs over the years of the one before */
    const char *nat = "2020-09-18\n通渭县决战决胜脱贫攻坚纪实\n党的十八大以来，全国农村贫困人口从2012年底的9899万人减少到2019年底的551万人，"
                      "贫困发生率由10.2%降至0.6%。甘肃省贫困人口从692万人减少到17.5万人。\n通渭县2013年底有贫困人口11.74万人。\n";
    probe pn = figure("a.txt", nat, "0.6%", 0), pg1 = figure("a.txt", nat, "692万人", 0), pg2 = figure("a.txt", nat, "17.5万人", 0);
    CHECK(!strcmp(pn.path, "全国") && pn.year == 2019);
    CHECK(!strcmp(pg1.path, "甘肃省") && pg1.year == 2012 && !strcmp(pg2.path, "甘肃省") && pg2.year == 2019);
    CHECK(strstr(figure("a.txt", nat, "11.74万人", 0).path, "通渭县") != NULL);
    /* the province's share of a county's fiscal funds is funds.fiscal_provincial, never funds.fiscal;
     * growth after a breakdown in brackets measures the whole */
    const char *prov = "2019-12-01\n平江县今年投入财政专项扶贫资金3.2亿元（其中中央资金1.2亿元、省级资金0.8亿元），比上年增长15%。"
                       "其中，中央财政专项扶贫资金2.8亿元，省级财政专项扶贫资金1.1亿元。\n";
    CHECK(!strcmp(figure("a.txt", prov, "0.8亿元", 0).indicator, "funds.fiscal_provincial"));
    CHECK(!strcmp(figure("a.txt", prov, "1.1亿元", 0).indicator, "funds.fiscal_provincial"));
    CHECK(!strcmp(figure("a.txt", prov, "15%", 0).indicator, "funds.fiscal"));
    /* a range with a multiplier on both ends is one figure (its lower bound) */
    CHECK(figure("a.txt", "2019-12-01\n会宁县带动1.2万—1.5万人增收。\n", "1.2万—1.5万人", 0).found);
    /* a year in full-width digits (older web pages) is a year */
    CHECK(figure("a.txt", "２０１９年１２月１日\n会宁县全县投入扶贫资金３.５亿元。\n", "３.５亿元", 0).year == 2019);
    /* a story about one village that names its county names the county */
    const char *vill = "2020年10月17日\n花垣县十八洞村：从穷山沟到金饭碗\n十八洞村人均纯收入从2013年的1668元增加到2019年的14668元。"
                       "十八洞村每年接待游客60余万人次。\n花垣县2019年实现整县脱贫摘帽，全县累计减少贫困人口5.4万人。\n";
    CHECK(strstr(figure("a.txt", vill, "14668元", 0).path, "十八洞村") != NULL);
    CHECK(!strcmp(figure("a.txt", vill, "5.4万人", 0).path, "湖南省/湘西土家族苗族自治州/花垣县"));
    XI = NULL;
    fp_indicate_free(xi);
    fp_extractor_free(x);
    return CHECK_DONE();
}
