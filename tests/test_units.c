/* Unit tests of the library functions: decimals, numbers, the gazetteer,
 * decoding, routing, options, and the extractor on small phenomena. */
#include "check.h"
#include "extract.h"
#include "fp_buf.h"
#include "fp_decimal.h"
#include "fp_encoding.h"
#include "fp_formats.h"
#include "fp_err.h"
#include "fp_gazetteer.h"
#include "numparse.h"
#include "route.h"

#include <stdlib.h>
#include <string.h>

static fp_dec D(const char *s)
{
    fp_dec v = 0;
    fp_dec_parse(s, strlen(s), &v);
    return v;
}

static int num_is(const char *s, const char *want, size_t len)
{
    fp_num n;
    if (fp_num_parse(s, strlen(s), &n)) return 0;
    if (n.value != D(want)) fprintf(stderr, "%s: got %lld\n", s, (long long)n.value);
    return n.value == D(want) && (len == 0 || n.len == len);
}

typedef struct {
    char text[16][64], unit[16][16], value[16][32], qual[16][12], rel[16][12], region[16][128], metric[16][24];
    int year[16], opt[16];
    int n;
} got;

static int collect(const fp_figure *f, void *ud)
{
    got *g = ud;
    if (g->n >= 16) return 0;
    snprintf(g->text[g->n], 64, "%s", f->text);
    snprintf(g->unit[g->n], 16, "%s", f->unit);
    fp_dec_format(f->value, g->value[g->n], 32);
    snprintf(g->qual[g->n], 12, "%s", f->qualifier);
    snprintf(g->rel[g->n], 12, "%s", f->relation);
    snprintf(g->region[g->n], 128, "%s", f->region_path);
    snprintf(g->metric[g->n], 24, "%s", f->metric);
    g->year[g->n] = f->year;
    g->opt[g->n] = f->optional;
    g->n++;
    return 0;
}

static got ex(const fp_extractor *x, const char *text)
{
    got g;
    memset(&g, 0, sizeof g);
    fp_extract(x, "t.txt", text, strlen(text), 0, NULL, collect, &g, NULL);
    return g;
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "data";
    char buf[64];
    /* decimals */
    CHECK(D("0.11") == 1100 && D("940000000") == 9400000000000LL);
    fp_dec_format(D("0.04"), buf, sizeof buf);
    CHECK(!strcmp(buf, "0.04"));
    fp_dec v = D("0.11");
    CHECK(fp_dec_scale(&v, 100000000, 1) == FP_OK);
    fp_dec_format(v, buf, sizeof buf);
    CHECK(!strcmp(buf, "11000000"));
    fp_dec big = INT64_MAX - 1;
    CHECK(fp_dec_add(&big, 10) == FP_ERANGE);
    CHECK(fp_dec_parse("1.23456", 7, &v) == FP_ERANGE && fp_dec_parse("abc", 3, &v) == FP_EINVAL);
    /* numbers */
    CHECK(num_is("12,856头", "12856", 6));
    CHECK(num_is("12，856", "12856", 0));
    CHECK(num_is("１２３", "123", 9));
    CHECK(num_is("9.4亿元", "940000000", 0));
    CHECK(num_is("1.2万", "12000", 0));
    CHECK(num_is("三百二十万", "3200000", 0));
    CHECK(num_is("一万二千五百", "12500", 0));
    CHECK(num_is("贰拾叁", "23", 0));
    CHECK(num_is("两千", "2000", 0));
    CHECK(num_is("1万亿", "1000000000000", 0));
    CHECK(num_is("3千米", "3", 1)); /* 千米 is a unit, not a multiplier */
    fp_num n;
    CHECK(fp_num_parse("20多万元", strlen("20多万元"), &n) == FP_OK && n.value == D("200000") && n.more);
    CHECK(fp_num_parse("元", 3, &n) == FP_EINVAL);
    /* routing is stable and in range */
    CHECK(fp_route_shard("1525", 2019, "funds.total", 3) == fp_route_shard("1525", 2019, "funds.total", 3));
    CHECK(fp_route_shard("1525", 2019, "funds.total", 3) < 3);

    fp_extractor *x = NULL;
    CHECK(fp_extractor_load(&x, data) == FP_OK);
    if (!x) return CHECK_DONE();
    /* gazetteer: full names, short forms, suffix-less forms */
    const fp_gazetteer *g = x->gaz;
    const int *c;
    int nc;
    fp_buf b = {0};
    CHECK(fp_gaz_match(g, "科左后旗", strlen("科左后旗"), 0, &c, &nc) && nc == 1);
    fp_gaz_path(g, c[0], &b);
    CHECK(!strcmp(b.p, "内蒙古自治区/通辽市/科尔沁左翼后旗"));
    CHECK(fp_gaz_match(g, "达茂旗", strlen("达茂旗"), 0, &c, &nc) && !strcmp(fp_gaz_region(g, c[0])->code, "150223"));
    CHECK(fp_gaz_match(g, "锡林郭勒", strlen("锡林郭勒"), 0, &c, &nc) && !strcmp(fp_gaz_region(g, c[0])->code, "1525"));
    CHECK(fp_gaz_match(g, "向阳村", strlen("向阳村"), 0, &c, &nc) && nc > 1);
    CHECK(fp_gaz_find_code(g, "152527100214") >= 0 && fp_gaz_find_code(g, "nope") < 0);
    CHECK(fp_gaz_find_path(g, "内蒙古自治区/锡林郭勒盟/太仆寺旗") == fp_gaz_find_code(g, "152527"));
    fp_buf_free(&b);

    /* extractor phenomena */
    got r = ex(x, "锡林郭勒盟2019年全年累计投入各类扶贫资金9.4亿元，其中财政专项资金5.8亿元。");
    CHECK(r.n == 2 && !strcmp(r.value[0], "940000000") && !strcmp(r.rel[0], "total") && !strcmp(r.rel[1], "part"));
    CHECK(r.n == 2 && !strcmp(r.region[0], "内蒙古自治区/锡林郭勒盟") && r.year[0] == 2019 && !strcmp(r.metric[0], "funds"));
    r = ex(x, "达茂旗2020年带动5600余户贫困户，培训2895人次，人均增收1500元以上，发生率降至0.04%。");
    CHECK(r.n == 4);
    CHECK(!strcmp(r.unit[0], "household") && !strcmp(r.qual[0], "at_least") && !strcmp(r.value[0], "5600"));
    CHECK(!strcmp(r.unit[1], "person_time") && !strcmp(r.metric[1], "training"));
    CHECK(!strcmp(r.rel[2], "per_unit") && !strcmp(r.qual[2], "at_least"));
    CHECK(!strcmp(r.unit[3], "percent") && !strcmp(r.value[3], "0.04"));
    /* not figures: years, dates, ordinals, slogans, durations, ages, phone lines, equipment classes */
    r = ex(x, "2019年4月15日，第一批五个一批两不愁三保障，65岁老人，20年，拨打12317，66千伏线路。");
    CHECK(r.n == 0);
    r = ex(x, "全旗共有农户200多个，百分之五十，三百多名干部，3至5万元。");
    CHECK(r.n == 4);
    CHECK(!strcmp(r.unit[0], "household") && !strcmp(r.qual[0], "at_least"));
    CHECK(!strcmp(r.unit[1], "percent") && !strcmp(r.value[1], "50"));
    CHECK(!strcmp(r.unit[2], "person") && !strcmp(r.value[2], "300"));
    CHECK(!strcmp(r.value[3], "30000") && !strcmp(r.qual[3], "at_least"));
    r = ex(x, "太仆寺旗宝昌镇向阳村建成大棚20个。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/锡林郭勒盟/太仆寺旗/宝昌镇/向阳村"));
    /* years: a dateline gives the report's year, and 今年 / 去年 / 明年 resolve against it */
    r = ex(x, "某县扶贫简报\n2021-04-06 09:30 来源: 某县融媒体中心\n今年全县新修道路12公里，去年修了9公里，明年计划修15公里。");
    CHECK(r.n == 3 && r.year[0] == 2021 && r.year[1] == 2020 && r.year[2] == 2022);
    r = ex(x, "某乡新闻\n发布日期：2017/11/02\n目前全乡有合作社8家。");
    CHECK(r.n == 1 && r.year[0] == 2017);
    r = ex(x, "牧区简报\n03.09.2018  10:00\n全年出栏肉羊3000只。");
    CHECK(r.n == 1 && r.year[0] == 2018);
    /* a date is no range: without it the latest plain year is the report's */
    r = ex(x, "2015年全村有贫困户40户。2016-2018年累计投入500万元。今年新建大棚6个。");
    CHECK(r.n == 3 && r.year[0] == 2015 && r.year[2] == 2015);
    /* a date in the body is no dateline */
    r = ex(x, "第一段文字很长很长很长。\n第二段。\n第三段。\n第四段。\n第五段。\n第六段：2016年3月2日召开会议。2018年全县脱贫300人，今年新增就业50人。");
    CHECK(r.n == 2 && r.year[1] == 2018);
    /* 2020年是…之年: the text names its present */
    r = ex(x, "去年减贫5万人。2020年是决战之年，要确保剩余1万人脱贫。");
    CHECK(r.n == 2 && r.year[0] == 2019 && r.year[1] == 2020);
    /* two years in one clause: each figure takes the year written next to it */
    r = ex(x, "全镇贫困人口从2012年的2400人减少到2017年的310人，发生率从18.5%下降到2.1%。");
    CHECK(r.n == 4 && r.year[0] == 2012 && r.year[1] == 2017 && r.year[2] == 2012 && r.year[3] == 2017);
    r = ex(x, "2016年，该县财政投入由上年的3.5亿元增加到4.2亿元；社会投入1.1亿元。");
    CHECK(r.n == 3 && r.year[0] == 2015 && r.year[1] == 2016 && r.year[2] == 2016);
    r = ex(x, "2019年全乡贫困户由2014年的860户减少到现在的45户。");
    CHECK(r.n == 2 && r.year[0] == 2014 && r.year[1] == 2019);
    r = ex(x, "2020年，全县从2013年末的5.1万人减至2019年末的0.3万人，七年累计减贫4.8万人。");
    CHECK(r.n == 3 && r.year[0] == 2013 && r.year[1] == 2019 && r.year[2] == 2019);
    /* no year before a figure, but a change later in its sentence reaches one: the figure's */
    r = ex(x, "2021年工作总结。全旗56个嘎查村出列，贫困发生率从2015年的9.2%降至2020年的0.1%。");
    CHECK(r.n == 3 && r.year[0] == 2020 && r.year[1] == 2015 && r.year[2] == 2020);
    /* a year later in the sentence that no change reaches is not the figure's */
    r = ex(x, "2021年工作总结。全旗建成网点300个，2018年被评为示范县，2019年3月通过验收。");
    CHECK(r.n == 1 && r.year[0] == 2021);
    /* breakdowns: 其中 or 包括 opening a sentence breaks down the whole before it */
    r = ex(x, "全旗共投入资金5000万元。其中财政资金3000万元，社会资金2000万元。");
    CHECK(r.n == 3 && !strcmp(r.rel[0], "total") && !strcmp(r.rel[1], "part") && !strcmp(r.rel[2], "part"));
    r = ex(x, "全旗建成大棚50个。各苏木完成率分别为98%、95%。");
    CHECK(r.n == 3 && !strcmp(r.rel[1], "total") && !strcmp(r.rel[2], "total"));
    /* an item in two units (120户、430人) is one part, and the list goes on in both */
    r = ex(x, "项目惠及农牧民800户、2600人，其中贫困户120户、430人，边缘户30户、90人。");
    CHECK(r.n == 6 && !strcmp(r.rel[1], "total") && !strcmp(r.rel[2], "part") && !strcmp(r.rel[3], "part"));
    CHECK(r.n == 6 && !strcmp(r.rel[4], "part") && !strcmp(r.rel[5], "part"));
    r = ex(x, "包括15户贫困户在内的40户村民搬入新居。");
    CHECK(r.n == 2 && !strcmp(r.rel[0], "part") && !strcmp(r.rel[1], "total"));
    /* per unit: 各 right before a figure, 亩产; 标准化 is no 标准 */
    r = ex(x, "三个苏木各200万元，亩产达800公斤，新建标准化棚圈30座，各类资金300万元。");
    CHECK(r.n == 4 && !strcmp(r.rel[0], "per_unit") && !strcmp(r.rel[1], "per_unit"));
    CHECK(r.n == 4 && !strcmp(r.rel[2], "total") && !strcmp(r.rel[3], "total"));
    r = ex(x, "贫困人口从2015年的80万人减少至2019年的2万人。");
    CHECK(r.n == 2 && !strcmp(r.rel[1], "total"));
    /* plans: a share of a plan is no plan; a target change and a figure of a later year are */
    r = ex(x, "全旗开工建设安置房1200套，占年度计划的105%。");
    CHECK(r.n == 2 && !strcmp(r.rel[1], "total") && !strcmp(r.metric[1], "rate"));
    r = ex(x, "确保今年全县减少贫困人口3000人，投资比原计划增加500万元。");
    CHECK(r.n == 2 && !strcmp(r.rel[0], "plan") && !strcmp(r.rel[1], "change"));
    r = ex(x, "2019年工作总结。明年全旗剩余的500户贫困户全部脱贫。");
    CHECK(r.n == 1 && r.year[0] == 2020 && !strcmp(r.rel[0], "plan"));
    /* metrics: 入住 takes its sentence's subject; 安置房 is housing; floor space is housing or farming */
    r = ex(x, "全镇建成互助幸福院3所，现已入住30户45人。易地搬迁安置点全部建成，已有200户、900人完成入住。");
    CHECK(r.n == 5 && !strcmp(r.metric[1], "housing") && !strcmp(r.metric[2], "housing"));
    CHECK(r.n == 5 && !strcmp(r.metric[3], "relocation") && !strcmp(r.metric[4], "relocation"));
    r = ex(x, "新建安置房300套，每户住房面积80平方米，新建牛棚2000平方米，确保今年减少贫困人口3000人。");
    CHECK(r.n == 4 && !strcmp(r.metric[0], "housing") && !strcmp(r.metric[1], "housing"));
    CHECK(r.n == 4 && !strcmp(r.metric[2], "agriculture") && !strcmp(r.metric[3], "poverty_exit"));
    /* power in megawatts, area in square kilometres, things in bags and lamps */
    r = ex(x, "全县光伏电站装机容量30兆瓦，治理水土流失面积85平方公里，安装路灯500盏。");
    CHECK(r.n == 3 && !strcmp(r.unit[0], "kW") && !strcmp(r.value[0], "30000"));
    CHECK(r.n == 3 && !strcmp(r.unit[1], "sqm") && !strcmp(r.value[1], "85000000") && !strcmp(r.unit[2], "count"));
    /* list items with no noun of their own share the one after the last; a part its whole's metric */
    r = ex(x, "全旗今年有600户、2100人完成易地扶贫搬迁。项目覆盖农牧民500户，其中贫困户120户。");
    CHECK(r.n == 4 && !strcmp(r.metric[0], "relocation") && !strcmp(r.metric[1], "relocation"));
    CHECK(r.n == 4 && !strcmp(r.metric[2], "beneficiaries") && !strcmp(r.metric[3], "beneficiaries"));
    r = ex(x, "全旗培训农民120人、发放贷款300万元。");
    CHECK(r.n == 2 && !strcmp(r.metric[0], "training") && !strcmp(r.metric[1], "credit"));
    /* places: names inside other words are no places */
    r = ex(x, "化德县公安局抽调民警12人。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市/化德县"));
    r = ex(x, "四子王旗整合各类资源投入资金800万元。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市/四子王旗"));
    r = ex(x, "湖北省公安县新建蔬菜大棚30个。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "湖北省/荆州市/公安县"));
    /* a subject outside the province most names fall in needs more than a first mention */
    r = ex(x, "公安厅通报：化德县去年培训农民500人，化德县新建道路20公里，乌兰察布市验收合格。");
    CHECK(r.n == 2 && !strncmp(r.region[0], "内蒙古自治区/乌兰察布市/化德县", strlen("内蒙古自治区/乌兰察布市/化德县")));
    /* former names and abbreviations resolve to today's place */
    r = ex(x, "邵东县今年种植油茶1.2万亩。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "湖南省/邵阳市/邵东市"));
    r = ex(x, "锡盟新建牧区道路120公里。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/锡林郭勒盟"));
    r = ex(x, "那曲县新建安置房300套。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "西藏自治区/那曲市/色尼区"));
    /* townships and villages the gazetteer lacks, written after a known county */
    r = ex(x, "贵州省威宁县某某乡某某村新修通组路8公里。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "贵州省/毕节市/威宁彝族回族苗族自治县/某某乡/某某村"));
    r = ex(x, "宁夏西吉县贫困村新建饮水工程5处。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "宁夏回族自治区/固原市/西吉县"));
    /* villages of all China: a report on a county places a figure in a village it names */
    r = ex(x, "石阡县扶贫简报。今年李家园村新修产业路3公里。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "贵州省/铜仁市/石阡县/五德镇/李家园村"));
    r = ex(x, "西吉县脱贫攻坚总结。今年苏堡村建成光伏电站2座。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "宁夏回族自治区/固原市/西吉县/震湖乡/苏堡村"));
    /* a village written after its county and township, in a report on the province */
    r = ex(x, "宁夏今年搬迁群众1.2万人。西吉县偏城乡榆木沟村新建饮水工程5处。");
    CHECK(r.n == 2 && !strcmp(r.region[1], "宁夏回族自治区/固原市/西吉县/偏城乡/榆木沟村"));
    /* a village name of two counties goes to the subject's: 乐化村 of 石阡县, not of 望谟县 */
    r = ex(x, "石阡县扶贫简报。乐化村新建蔬菜大棚20个。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "贵州省/铜仁市/石阡县/中坝街道/乐化村"));
    r = ex(x, "望谟县扶贫简报。乐化村新建蔬菜大棚20个。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "贵州省/黔西南布依族苗族自治州/望谟县/石屯镇/乐化村"));
    /* village names that are common words are no places in ordinary phrases */
    r = ex(x, "石阡县引导贫困户向中心村、中心镇集中，新建安置房120套。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "贵州省/铜仁市/石阡县"));
    r = ex(x, "西吉县扶贫简报。全县落实包村干部86人，通村公路全部硬化，建成移民新村2个。");
    CHECK(r.n == 2 && !strcmp(r.region[0], "宁夏回族自治区/固原市/西吉县") &&
          !strcmp(r.region[1], "宁夏回族自治区/固原市/西吉县"));
    /* a village of another province named like one is no place of this report */
    r = ex(x, "西吉县扶贫简报。全县建成李家园村式的示范点12个。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "宁夏回族自治区/固原市/西吉县"));
    /* a list of places is their smallest common place; A等N个 is a group */
    r = ex(x, "凉山州布拖县、普格县和昭觉县共搬迁300户。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "四川省/凉山彝族自治州"));
    r = ex(x, "广西今年脱贫。龙胜县等8个县摘帽。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "广西壮族自治区"));
    /* a news dateline's city is where the story was filed */
    r = ex(x, "新华社南宁3月5日电 广西今年计划搬迁2万人。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "广西壮族自治区"));
    /* implied units: a number with 万 or 亿 before a noun of people counts them */
    r = ex(x, "全县3.6万贫困人口实现稳定脱贫，2.4万建档立卡贫困户住上新房。");
    CHECK(r.n == 2 && !strcmp(r.text[0], "3.6万") && !strcmp(r.unit[0], "person") && !strcmp(r.value[0], "36000"));
    CHECK(r.n == 2 && r.opt[0] == 1 && !strcmp(r.metric[0], "poverty_exit"));
    CHECK(r.n == 2 && !strcmp(r.text[1], "2.4万") && !strcmp(r.unit[1], "household"));
    r = ex(x, "四子王旗8万各族群众喜迎丰收，约1.5万左右搬迁群众入住新区。");
    CHECK(r.n == 2 && !strcmp(r.unit[0], "person") && !strcmp(r.text[1], "1.5万左右") && !strcmp(r.qual[1], "approx"));
    r = ex(x, "2万化德县人民告别贫困。");
    CHECK(r.n == 1 && !strcmp(r.value[0], "20000") && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市/化德县"));
    /* not without a multiplier, nor in words, nor before a verb; a written unit stays */
    r = ex(x, "亿万农民，千万群众，投入5万建设群众文化广场，300贫困人口，人均1.2万元。");
    CHECK(r.n == 1 && !strcmp(r.unit[0], "CNY") && r.opt[0] == 0);
    /* counts of places belong above the counted level */
    r = ex(x, "化德县扶贫总结。乌兰察布市8个旗县退出贫困旗县序列，化德县在列。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市"));
    r = ex(x, "化德县扶贫总结。今年全市9个深度贫困县摘帽，全县15个贫困村出列，6个乡镇通了班车。");
    CHECK(r.n == 3 && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市") && !strcmp(r.region[1], "内蒙古自治区/乌兰察布市/化德县"));
    CHECK(r.n == 3 && !strcmp(r.region[2], "内蒙古自治区/乌兰察布市/化德县"));
    r = ex(x, "太仆寺旗宝昌镇向阳村3个村民小组通了自来水，宝昌镇12个村建起卫生室。");
    CHECK(r.n == 2 && !strcmp(r.region[0], "内蒙古自治区/锡林郭勒盟/太仆寺旗/宝昌镇/向阳村"));
    CHECK(r.n == 2 && !strcmp(r.region[1], "内蒙古自治区/锡林郭勒盟/太仆寺旗/宝昌镇"));
    r = ex(x, "太仆寺旗宝昌镇向阳村联系了5个村的合作社。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/锡林郭勒盟/太仆寺旗/宝昌镇"));
    /* not a count of places: 县级 is an adjective */
    r = ex(x, "化德县组织3个县级部门结对帮扶。");
    CHECK(r.n == 1 && !strcmp(r.region[0], "内蒙古自治区/乌兰察布市/化德县"));
    fp_extractor_free(x);

    /* decoding: GB18030 and UTF-16 decode to the same text and id; binary is refused */
    fp_decoder *d = NULL;
    CHECK(fp_decoder_new(&d, data) == FP_OK);
    const char gb[] = "\xce\xfd\xc1\xd6\xb9\xf9\xc0\xd5\xc3\xcb"; /* 锡林郭勒盟 in GB18030 */
    char *text = NULL, enc[32];
    size_t tl;
    const char *why = NULL;
    CHECK(fp_decode(d, gb, sizeof gb - 1, &text, &tl, enc, NULL, &why) == FP_OK && text && !strcmp(text, "锡林郭勒盟"));
    free(text);
    const char u16[] = "\xff\xfe\x21\x95\x97\x67"; /* BOM + 锡林 in UTF-16LE */
    CHECK(fp_decode(d, u16, sizeof u16 - 1, &text, &tl, enc, NULL, &why) == FP_OK && text && !strcmp(text, "锡林"));
    free(text);
    CHECK(fp_decode(d, "\x00\x01\x02\x03\x00\xff", 6, &text, &tl, enc, NULL, &why) == FP_EINVAL);
    CHECK(fp_decode(d, "", 0, &text, &tl, enc, NULL, &why) == FP_EINVAL);
    const char *trad = "錫林郭勒盟脫貧";
    CHECK(fp_decode(d, trad, strlen(trad), &text, &tl, enc, NULL, &why) == FP_OK && text && !strcmp(text, "锡林郭勒盟脱贫"));
    free(text);
    /* a web page by its content: the article without its menu, the year from its meta tag */
    const char *page = "<!DOCTYPE html><html><head><meta charset=utf-8><meta name=\"PubDate\" content=\"2019-03-05 10:00\">"
                       "<title>标题 - 某某网</title></head><body><nav><a href=/>首页</a><a href=/x>扶贫3000人</a></nav>"
                       "<div class=\"article\"><h1>标题</h1><p>今年，全县减贫2万人，投入资金3亿元，建成项目12个。</p>"
                       "<p>全县农民人均收入增长10%，村集体经济收入全部超过5万元。</p></div>"
                       "<div class=\"footer\">版权所有 2005-2020 访问量 12345</div></body></html>";
    int year = 0;
    CHECK(fp_decode(d, page, strlen(page), &text, &tl, enc, &year, &why) == FP_OK && year == 2019 &&
          !strncmp(enc, "html/", 5));
    CHECK(text && !strncmp(text, "标题\n今年", strlen("标题\n今年")) && !strstr(text, "3000") && !strstr(text, "12345"));
    free(text);
    const char *dated = "<html><body><h1>标题</h1><div class=info>发布时间：2018-06-01 来源：某县</div>"
                        "<div><p>今年，全县减贫2万人，投入资金3亿元，建成项目12个。</p></div></body></html>";
    CHECK(fp_decode(d, dated, strlen(dated), &text, &tl, enc, &year, &why) == FP_OK && year == 2018);
    free(text);
    CHECK(fp_decode(d, "%PDF-1.4\nnot really", 19, &text, &tl, enc, &year, &why) == FP_EINVAL && why);
    CHECK(fp_date_year("2020年5月12日", strlen("2020年5月12日"), 1) == 2020 && fp_date_year("D:20190102", 10, 1) == 2019 &&
          fp_date_year("2020-05", 7, 1) == 0 && fp_date_year("2020-05", 7, 0) == 2020 && fp_date_year("12345", 5, 0) == 0);
    fp_decoder_free(d);
    return CHECK_DONE();
}
