/* The indicator phase of normalize, alone: indicators.tsv loading (and its
 * errors), mapping a figure to an indicator (cue, anti-cue, longest match,
 * nearest stretch, unit fit, other:<label>), its series, its weight, and
 * the parts-against-whole check of one report. Sentences are written for
 * the test, not taken from any report. Also the signature the gazetteer
 * image keeps of regions.tsv: with and without the CPU's CRC instruction
 * it is the same value, and a one-bit edit anywhere changes it. */
#include "check.h"
#include "checks.h"
#include "fp_err.h"
#include "fp_gazetteer.h"
#include "fp_indicators.h"
#include "fp_log.h"
#include "indicate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const fp_indicate *X;

/* Maps the figure `fig` (its first occurrence in text) with the given unit, metric and relation. */
static fp_figure map(const char *text, const char *fig, const char *unit, const char *metric, const char *rel)
{
    fp_figure f = {0};
    const char *at = strstr(text, fig);
    f.offset = (uint32_t)(at - text);
    f.length = (uint32_t)strlen(fig);
    f.text = (char *)fig;
    f.label = "标签";
    snprintf(f.unit, sizeof f.unit, "%s", unit);
    snprintf(f.metric, sizeof f.metric, "%s", metric);
    snprintf(f.relation, sizeof f.relation, "%s", rel);
    fp_indicate_figure(X, text, strlen(text), &f);
    return f;
}

static int is(const fp_figure *f, const char *ind, const char *series)
{
    int ok = !strcmp(f->indicator, ind) && !strcmp(f->series, series);
    if (!ok) fprintf(stderr, "  got %s/%s, want %s/%s\n", f->indicator, f->series, ind, series);
    return ok;
}

static void test_mapping(void)
{
    fp_figure f;
    /* a cue right before the figure */
    f = map("全县全年投入扶贫资金3亿元。", "3亿元", "CNY", "funds", "total");
    CHECK(is(&f, "funds.total", "value"));
    /* the longest cue wins: 产业扶贫资金 over 扶贫资金 */
    f = map("今年落实产业扶贫资金2亿元。", "2亿元", "CNY", "funds", "total");
    CHECK(is(&f, "funds.industry", "value"));
    /* each item of a list takes the cue of its own stretch, not the longest in the clause */
    const char *list = "其中财政专项资金5亿元、东西部扶贫协作资金1亿元、捐赠资金0.2亿元。";
    CHECK(is((f = map(list, "5亿元", "CNY", "funds", "part"), &f), "funds.fiscal", "value"));
    CHECK(is((f = map(list, "1亿元", "CNY", "funds", "part"), &f), "funds.east_west", "value"));
    CHECK(is((f = map(list, "0.2亿元", "CNY", "donation", "part"), &f), "donation.total", "value"));
    /* an anti-cue rules an indicator out: 其他扶贫资金 is no total of all funds */
    f = map("其他扶贫资金1亿元。", "1亿元", "CNY", "funds", "part");
    CHECK(strncmp(f.indicator, "funds.total", 11) != 0);
    /* a cue after the figure (the thing counted) */
    f = map("全市有120个贫困村。", "120个", "count", "poor_population", "total");
    CHECK(is(&f, "poor.villages", "value"));
    /* a gapped cue across the figure: 还有…贫困人口 */
    f = map("目前全乡还有50户的贫困人口。", "50户", "household", "poor_population", "total");
    CHECK(is(&f, "poor.remaining", "value"));
    /* the unit must fit: money is never a count of people */
    f = map("带动就业资金500万元。", "500万元", "CNY", "employment", "total");
    CHECK(strncmp(f.indicator, "employment.", 11) != 0);
    /* nothing fits: other:<label> */
    f = map("建成观景台3座。", "3座", "count", "other", "total");
    CHECK(is(&f, "other:标签", "value"));
    /* a year's fall in the poor population is the year's exits, not a change against the year before */
    f = map("全省减少贫困人口147万人。", "147万人", "person", "poverty_exit", "change");
    CHECK(is(&f, "exit.people", "value"));
    f = map("脱贫人数比上年增加2万人。", "2万人", "person", "poverty_exit", "change");
    CHECK(is(&f, "exit.people", "change"));
    /* a negated anti-cue rules nothing out: 3个贫困县未摘帽 are poor counties still */
    f = map("全州尚有3个贫困县未摘帽。", "3个", "count", "poor_population", "total");
    CHECK(is(&f, "poor.counties", "value"));
    f = map("全州有3个贫困县摘帽。", "3个", "count", "poor_population", "total");
    CHECK(!strcmp(f.indicator, "other:标签"));
    /* farmers' income per head is the rural one, the poor's their own */
    f = map("全县农民人均收入达到12000元。", "12000元", "CNY", "income", "per_unit");
    CHECK(is(&f, "income.rural_pc", "value"));
    f = map("全县贫困户人均收入达到9000元。", "9000元", "CNY", "income", "per_unit");
    CHECK(is(&f, "income.poor_pc", "value"));
    /* a municipality's counties are 区县 */
    f = map("重庆市共有18个贫困区县。", "18个", "count", "poor_population", "total");
    CHECK(is(&f, "poor.counties", "value"));
    /* next year's outcome is a target */
    f = map("明年上半年全部达到脱贫摘帽条件，实现剩余的15万贫困人口脱贫。", "15万", "person", "poverty_exit", "plan");
    CHECK(is(&f, "exit.people", "target"));
    /* a share of the poor or of those on 低保 is no poverty incidence */
    f = map("贫困户中享受低保人员7805人，占建档立卡贫困人口27.1%，占低保总人数的60.1%。", "60.1%", "percent", "rate", "total");
    CHECK(strcmp(f.indicator, "rate.incidence") != 0);
    f = map("贫困户中享受低保人员7805人，占建档立卡贫困人口27.1%，占低保总人数的60.1%。", "27.1%", "percent", "rate", "total");
    CHECK(strcmp(f.indicator, "rate.incidence") != 0);
    /* an indicator of another metric never: 1万名志愿者 beside 脱贫 counts no exits */
    f = map("成立扶贫志愿者服务队116个，共计1万人，与脱贫攻坚工作形成合力。", "1万人", "person", "personnel", "total");
    CHECK(!strncmp(f.indicator, "other:", 6));
    /* the topic of an earlier clause: 发放小额信贷200户，金额达1亿元 */
    f = map("全县发放扶贫小额信贷200户，金额达1亿元。", "1亿元", "CNY", "credit", "total");
    CHECK(is(&f, "credit.issued", "value"));
    /* an explicit indicator is kept */
    f = (fp_figure){.offset = 0, .length = 0};
    snprintf(f.indicator, sizeof f.indicator, "funds.health");
    snprintf(f.unit, sizeof f.unit, "CNY");
    snprintf(f.relation, sizeof f.relation, "total");
    fp_indicate_figure(X, NULL, 0, &f);
    CHECK(is(&f, "funds.health", "value"));
}

static void test_series(void)
{
    fp_figure f;
    /* a plan with a plan word in its clause is a target */
    f = map("计划今年实现3万人脱贫。", "3万人", "person", "poverty_exit", "plan");
    CHECK(is(&f, "exit.people", "target"));
    /* a plan word far back (a plan's title three clauses earlier) plans nothing here */
    f = map("编制了产业规划，完善了机制，建立了台账，全年实现脱贫2万人。", "2万人", "person", "poverty_exit", "plan");
    CHECK(is(&f, "exit.people", "value"));
    /* a change of a flow newly done in the year is its value (新增贷款); a plain change is change */
    f = map("全年新增贷款贫困户800户。", "800户", "household", "credit", "change");
    CHECK(is(&f, "credit.issued", "value"));
    f = map("扶贫资金比上年增加3000万元。", "3000万元", "CNY", "funds", "change");
    CHECK(is(&f, "funds.total", "change"));
    /* growth in percent fits any indicator, as a change */
    f = map("扶贫资金比上年增长12%。", "12%", "percent", "funds", "change");
    CHECK(is(&f, "funds.total", "change"));
    /* a rate per head of a non-per-capita indicator is its rate series; per-capita income is a value */
    f = map("危房改造每户补助2万元。", "2万元", "CNY", "funds", "per_unit");
    CHECK(is(&f, "funds.housing", "rate"));
    f = map("农民人均可支配收入12000元。", "12000元", "CNY", "income", "per_unit");
    CHECK(is(&f, "income.rural_pc", "value"));
    /* a planned change is a target */
    f = map("确保全年减少贫困人口5万人。", "5万人", "person", "poverty_exit", "change");
    CHECK(!strcmp(f.series, "target"));
    /* a running total weighs less than a statement of the year; a flow summed over years is a
     * measure of its own */
    fp_figure year = map("今年投入财政扶贫资金1亿元。", "1亿元", "CNY", "funds", "total");
    fp_figure run = map("截至目前累计投入财政扶贫资金3亿元。", "3亿元", "CNY", "funds", "total");
    CHECK(!strcmp(year.indicator, run.indicator) && year.weight > run.weight);
    fp_figure years = map("三年来累计投入财政扶贫资金3亿元。", "3亿元", "CNY", "funds", "total");
    CHECK(!strncmp(years.indicator, "other:", 6));
    /* a whole (总共…) outweighs an item of its breakdown with a longer cue */
    const char *wl = "全年总共搬迁任务为74万人，其中易地扶贫搬迁60万人。";
    fp_figure whole = map(wl, "74万人", "person", "relocation", "plan");
    fp_figure item = map(wl, "60万人", "person", "relocation", "plan");
    CHECK(!strcmp(whole.indicator, item.indicator) && whole.weight > item.weight);
    /* so far (至此已有…) is a running total, unless the sentence says this year (今年…已有) */
    fp_figure sofar = map("近日5个县摘帽，至此全省已有25个县摘帽。", "25个", "count", "poverty_exit", "total");
    fp_figure now = map("今年1至8月，全省已有25个县摘帽。", "25个", "count", "poverty_exit", "total");
    CHECK(!strcmp(sofar.indicator, "exit.counties") && now.weight > sofar.weight);
    /* a near cue weighs more than a far one */
    fp_figure near = map("扶贫资金4亿元。", "4亿元", "CNY", "funds", "total");
    fp_figure far = map("扶贫资金方面，到位4亿元。", "4亿元", "CNY", "funds", "total");
    CHECK(near.weight > far.weight);
    /* a document's name (《…资金管理办法》) says nothing of what a figure measures */
    f = map("制定了《扶贫资金管理办法》等8项制度。", "8项", "count", "other", "total");
    CHECK(!strncmp(f.indicator, "other:", 6));
    /* a whole-place word (全县) outweighs the same cue without it */
    fp_figure county = map("全县帮扶贫困户900户。", "900户", "household", "beneficiaries", "total");
    fp_figure some = map("干部帮扶贫困户1600户。", "1600户", "household", "beneficiaries", "total");
    CHECK(!strcmp(county.indicator, some.indicator) && county.weight > some.weight);
    /* a figure written right after another (900户1800人) shares its stretch and weight */
    const char *pair = "全县直接扶持项目农户900户1800人。";
    fp_figure hh = map(pair, "900户", "household", "beneficiaries", "total");
    fp_figure pp = map(pair, "1800人", "person", "beneficiaries", "total");
    CHECK(is(&pp, hh.indicator, "value") && pp.weight == hh.weight);
}

typedef struct {
    int n;
    char left[32], right[32];
} found;

static int on_check(const fp_anomaly *a, void *ud)
{
    found *f = ud;
    f->n++;
    const char *l = strstr(a->detail, "\"left\":\""), *r = strstr(a->detail, "\"right\":\"");
    if (l) sscanf(l + 8, "%31[^\"]", f->left);
    if (r) sscanf(r + 9, "%31[^\"]", f->right);
    return FP_OK;
}

static fp_figure part(const char *rel, long long yuan, const char *sentence, uint32_t off)
{
    fp_figure f = {.value = yuan * FP_DEC_SCALE, .year = 2019, .sentence = (char *)sentence, .offset = off,
                   .text = "x", .region_path = "p"};
    snprintf(f.relation, sizeof f.relation, "%s", rel);
    snprintf(f.unit, sizeof f.unit, "CNY");
    snprintf(f.region_code, sizeof f.region_code, "1525");
    snprintf(f.indicator, sizeof f.indicator, "funds.total");
    return f;
}

static void test_parts(void)
{
    found fd = {0};
    fp_parts p;
    /* 9.4 stated, parts 5.8+1.02+0.11+0.46+2.21 = 9.6: the check fires once */
    fp_parts_init(&p, "r1", "a.txt", on_check, &fd);
    long long parts[] = {580000000, 102000000, 11000000, 46000000, 221000000};
    fp_figure w = part("total", 940000000, "s1", 0);
    CHECK(fp_parts_feed(&p, &w) == FP_OK);
    for (int i = 0; i < 5; i++) {
        fp_figure q = part("part", parts[i], "s1", (uint32_t)(10 + i));
        CHECK(fp_parts_feed(&p, &q) == FP_OK);
    }
    CHECK(fp_parts_finish(&p) == FP_OK);
    CHECK(fd.n == 1 && !strcmp(fd.left, "960000000") && !strcmp(fd.right, "940000000"));
    /* parts that add up to less, or stand in another sentence, do not fire */
    found none = {0};
    fp_parts_init(&p, "r2", "b.txt", on_check, &none);
    fp_figure w2 = part("total", 100, "s1", 0), q1 = part("part", 60, "s1", 1), q2 = part("part", 60, "s2", 2);
    fp_parts_feed(&p, &w2), fp_parts_feed(&p, &q1), fp_parts_feed(&p, &q2);
    CHECK(fp_parts_finish(&p) == FP_OK && none.n == 0);
}

/* A malformed indicators.tsv is an error naming file and line, never a half table. */
static void test_load_errors(const char *data)
{
    char dir[] = "/tmp/fupin-ind-XXXXXX";
    if (!mkdtemp(dir)) return;
    char path[256];
    snprintf(path, sizeof path, "%s/indicators.tsv", dir);
    const char *bad[] = {
        "x.a\t名\tfunds\tCNY\tflow\t-\t资金\n",                         /* 7 columns */
        "x.a\t名\tfunds\tCNY\tsideways\t-\t资金\t-\n",                  /* unknown kind */
        "x.a\t名\tfunds\tCNY\tflow\tx.b\t资金\t-\n",                    /* part_of unknown */
        "x.a\t名\tfunds\tCNY\tflow\t-\t资金\t-\nx.a\t名\tfunds\tCNY\tflow\t-\t钱\t-\n", /* twice */
        "x.a\t名\tfunds\tCNY\tflow\t-\t资金||钱\t-\n",                  /* an empty phrase */
    };
    fp_log_init("test_indicators", FP_LOG_QUIET);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(path, "w");
        fputs(bad[i], f);
        fclose(f);
        fp_indicators t;
        CHECK(fp_indicators_load(&t, path) == FP_EINVAL);
    }
    fp_log_init("test_indicators", FP_LOG_WARN);
    unlink(path);
    rmdir(dir);
    /* the shipped file covers every id of INDICATORS.md with its kind */
    fp_indicators t;
    CHECK(fp_indicators_load_dir(&t, data) == FP_OK);
    const char *ids[] = {"funds.total", "funds.fiscal", "funds.east_west", "credit.balance", "poor.remaining",
                         "exit.cumulative", "rate.incidence", "income.rural_pc", "infrastructure.roads"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) CHECK(fp_indicators_find(&t, ids[i]) >= 0);
    CHECK(t.v[fp_indicators_find(&t, "credit.balance")].kind == FP_KIND_STOCK);
    CHECK(t.v[fp_indicators_find(&t, "rate.incidence")].kind == FP_KIND_RATIO);
    CHECK(t.v[fp_indicators_find(&t, "funds.fiscal")].part_of == fp_indicators_find(&t, "funds.total"));
    fp_indicators_free(&t);
}

static void test_gaz_sum(void)
{
    unsigned char buf[300];
    for (int i = 0; i < 300; i++) buf[i] = (unsigned char)(i * 37 + 11);
    /* every length: the blocks of 64 and 16 bytes and every tail */
    for (size_t n = 0; n <= sizeof buf; n++) CHECK(fp_gaz_sum_with(buf, n, 0) == fp_gaz_sum_with(buf, n, 1));
    uint64_t h = fp_gaz_sum(buf, sizeof buf);
    CHECK(h == fp_gaz_sum_with(buf, sizeof buf, 0));
    for (size_t i = 0; i < sizeof buf; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            CHECK(fp_gaz_sum(buf, sizeof buf) != h);
            buf[i] ^= (unsigned char)(1u << bit);
        }
    /* the length counts: trailing zero bytes are not nothing */
    unsigned char zero[32] = {0};
    CHECK(fp_gaz_sum(zero, 16) != fp_gaz_sum(zero, 17));
    CHECK(fp_gaz_sum(zero, 0) != fp_gaz_sum(zero, 1));
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "data";
    fp_indicate *x = NULL;
    CHECK(fp_indicate_load(&x, data) == FP_OK);
    if (!x) return CHECK_DONE();
    X = x;
    test_mapping();
    test_series();
    test_parts();
    test_load_errors(data);
    test_gaz_sum();
    fp_indicate_free(x);
    return CHECK_DONE();
}
