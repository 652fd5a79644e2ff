/* Fixed records of every type with values at the edges of each msgpack form (fixint, uint8..64, int8..32
 * negatives, str8/16/32): tests/test_record.c packs them and compares the bytes with those the packer made
 * before the packing was rewritten (msgpack-c calls per key and value), by their size and BLAKE2b-256. */
static void golden_records(msgpack_packer *pk, char *longs, size_t longn)
{
    static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    memset(longs, 'x', longn - 1);
    longs[longn - 1] = '\0';
    fp_report rep = {.source = "a.txt", .encoding = "GB18030", .year_hint = -7, .region_hint = "1525",
                     .supersedes = NULL, .arrived_ms = 1764479000123ULL, .acked = 300, .text = longs,
                     .text_len = longn - 1};
    strcpy(rep.id, ID);
    fp_pack_report(pk, &rep);
    fp_figure f = {.seq = 70000, .text = "0.11亿元", .value = -123456789012LL, .unit = "CNY", .counter = "个",
                   .qualifier = "exact", .relation = "part", .region_code = "1525",
                   .region_path = "内蒙古自治区/锡林郭勒盟/锡林浩特市/某某镇/某某嘎查村民委员会第一组", .year = 2019,
                   .metric = "donation", .indicator = "funds.donation", .series = "value", .weight = 65535,
                   .published = 200, .label = "捐赠资金", .sentence = longs + longn - 300, .source = "a.txt",
                   .offset = 4294967295u, .length = 255, .optional = 1};
    strcpy(f.report_id, ID);
    fp_pack_figure(pk, &f);
    fp_end e = {.shard = 2, .count = 128, .source = "x", .arrived_ms = 65536, .curated = 1};
    strcpy(e.report_id, ID);
    strcpy(e.supersedes, ID);
    fp_pack_end(pk, &e);
    fp_ack a = {.shard = 1, .seq = 4294967296ULL, .dead = 1, .epoch = "0011223344556677"};
    strcpy(a.report_id, ID);
    fp_pack_ack(pk, &a);
    fp_total t = {.shard = 1, .seq = 99, .region_code = "15", .region_path = "内蒙古自治区", .year = -129,
                  .indicator = "other:到户资金", .series = "target", .metric = "funds", .unit = "CNY",
                  .stated = 12345, .status = "conflict", .facts = 3, .reports = 2, .candidates = longs + longn - 40000};
    fp_pack_total(pk, &t);
    fp_anomaly an = {.shard = 0, .seq = 1, .id = "parts:1525:2019", .kind = "parts_exceed_whole",
                     .region_code = "1525", .region_path = NULL, .year = -40000, .indicator = "x", .unit = "CNY",
                     .detail = "{}", .live = 0};
    fp_pack_anomaly(pk, &an);
}
