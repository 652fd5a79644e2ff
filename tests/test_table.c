/* The sink's incremental writes: a write after a change renders again only
 * the rows whose shown content changed (the cell, its ancestors' roll-ups),
 * and the files it gives are byte for byte those of a table rendered whole
 * from the same cells.
 *
 *   test_table DATA                          the unit test
 *   test_table DATA --bench TOTALS.jsonl K [DIR]
 *       loads the stated cells of a totals.jsonl, then K writes each after one changed cell: time and rows
 *       rendered per write (under callgrind: --toggle-collect=bench_writes); with DIR, also the time to
 *       write the three files there as the sink does (atomically, made durable) */
#include "check.h"
#include "data_fixture.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_gazetteer.h"
#include "fp_indicators.h"
#include "table.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define D(x) ((fp_dec)(x) * FP_DEC_SCALE)

typedef struct {
    fp_buf csv, jsonl, an;
} files;

static void files_free(files *f)
{
    fp_buf_free(&f->csv);
    fp_buf_free(&f->jsonl);
    fp_buf_free(&f->an);
}

/* One write as the sink makes it: a view, then the three files. */
static int write_all(fp_table *t, files *f)
{
    memset(f, 0, sizeof *f);
    fp_view v;
    int rc = fp_table_view(t, &v);
    if (rc) return rc;
    rc = fp_table_render(t, &v, &f->csv, &f->jsonl, &f->an);
    fp_view_free(&v);
    return rc;
}

static int same(const fp_buf *a, const fp_buf *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

/* The files of a table made fresh from the same cells (nothing cached) equal t's. */
static int equals_fresh(const fp_gazetteer *g, const fp_indicators *ind, fp_total *cells, size_t n, const files *got)
{
    fp_table *t;
    if (fp_table_new(&t, g, ind, 1)) return 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        if (cells[i].facts && fp_table_put(t, &cells[i])) ok = 0;
    files want;
    if (write_all(t, &want)) ok = 0;
    ok = ok && same(&want.csv, &got->csv) && same(&want.jsonl, &got->jsonl) && same(&want.an, &got->an);
    files_free(&want);
    fp_table_free(t);
    return ok;
}

static fp_total cell(const fp_gazetteer *g, int region, int year, const char *indicator, const char *unit, fp_dec v)
{
    fp_total c = {.year = year, .stated = v, .facts = 1, .reports = 1, .candidates = "[]"};
    fp_buf p = {0};
    fp_gaz_path(g, region, &p);
    c.region_path = p.p; /* freed by the caller */
    snprintf(c.region_code, sizeof c.region_code, "%s", fp_gaz_region(g, region)->code);
    snprintf(c.indicator, sizeof c.indicator, "%s", indicator);
    snprintf(c.series, sizeof c.series, "value");
    snprintf(c.unit, sizeof c.unit, "%s", unit);
    snprintf(c.status, sizeof c.status, "exact");
    return c;
}

static void unit_test(const fp_gazetteer *g, const fp_indicators *ind)
{
    /* 400 cells on regions spread over the gazetteer, of a flow, a stock, a ratio and an other:<label> */
    enum { N = 400 };
    static fp_total cells[N];
    const char *inds[][2] = {{"funds.total", "CNY"}, {"poor.remaining", "person"}, {"rate.incidence", "percent"},
                             {"other:推进组", "count"}};
    size_t nreg = fp_gaz_count(g);
    unsigned seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        int region = (int)((seed >> 8) % nreg);
        int k = (int)(i % 4);
        cells[i] = cell(g, region, 2018 + (int)(i % 3), inds[k][0], inds[k][1], D(100 + (seed >> 20) % 1000));
        if (i % 17 == 0) snprintf(cells[i].status, sizeof cells[i].status, "conflict");
    }
    fp_table *t;
    CHECK(fp_table_new(&t, g, ind, 1) == FP_OK);
    for (size_t i = 0; i < N; i++) CHECK(fp_table_put(t, &cells[i]) == FP_OK);
    files f;
    CHECK(write_all(t, &f) == FP_OK);
    uint64_t r0 = fp_table_rendered(t);
    CHECK(r0 > N); /* the first write renders every row, ancestors too */
    CHECK(equals_fresh(g, ind, cells, N, &f));
    files_free(&f);

    /* nothing changed: nothing rendered, the same files */
    CHECK(write_all(t, &f) == FP_OK);
    CHECK(fp_table_rendered(t) == r0);
    CHECK(equals_fresh(g, ind, cells, N, &f));
    files_free(&f);

    /* one village-or-other cell of a flow changes: it and at most its ancestors (a region path is at most
     * five deep, plus an unknown level) are rendered, and the files are what a whole render gives */
    for (size_t step = 0; step < 40; step++) {
        size_t i = (step * 37) % N;
        uint64_t before = fp_table_rendered(t);
        switch (step % 4) {
        case 0: cells[i].stated += D(7); break;                       /* a value */
        case 1: cells[i].facts = cells[i].facts ? 0 : 1; break;        /* gone, or back */
        case 2: snprintf(cells[i].status, sizeof cells[i].status, "approx"); break;
        case 3: cells[i].reports++; break;
        }
        if (cells[i].facts) CHECK(fp_table_put(t, &cells[i]) == FP_OK);
        else {
            fp_total gone = cells[i];
            CHECK(fp_table_put(t, &gone) == FP_OK);
        }
        CHECK(write_all(t, &f) == FP_OK);
        uint64_t did = fp_table_rendered(t) - before;
        CHECK(did <= 7);
        if (did > 7) fprintf(stderr, "step %zu rendered %llu rows\n", step, (unsigned long long)did);
        CHECK(equals_fresh(g, ind, cells, N, &f));
        files_free(&f);
    }
    /* a shard's cells dropped (before its snapshot) and put again: the same files as before */
    fp_table_clear_shard(t, 0);
    CHECK(write_all(t, &f) == FP_OK);
    CHECK(f.jsonl.len == 0);
    files_free(&f);
    for (size_t i = 0; i < N; i++)
        if (cells[i].facts) CHECK(fp_table_put(t, &cells[i]) == FP_OK);
    CHECK(write_all(t, &f) == FP_OK);
    CHECK(equals_fresh(g, ind, cells, N, &f));
    files_free(&f);
    fp_table_free(t);
    for (size_t i = 0; i < N; i++) free(cells[i].region_path);
}

/* The shards' findings (parts_exceed_whole, dead letters) are kept in anomalies.jsonl's order as they
 * come, go and are replaced: the file is what a table given the final findings at once writes. */
static void findings_test(const fp_gazetteer *g, const fp_indicators *ind)
{
    enum { F = 60 };
    fp_table *t, *fresh;
    CHECK(fp_table_new(&t, g, ind, 2) == FP_OK);
    CHECK(fp_table_new(&fresh, g, ind, 2) == FP_OK);
    int live[F] = {0}, version[F] = {0};
    unsigned seed = 7;
    for (int step = 0; step < 400; step++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 8) % F);
        live[i] = (seed >> 20) % 3 != 0;
        version[i]++;
        char id[16], detail[64], code[16];
        snprintf(id, sizeof id, "f%02d", i);
        snprintf(detail, sizeof detail, "{\"v\":%d}", version[i] % 4); /* equal lines happen too */
        snprintf(code, sizeof code, "15%02d", (i * 7) % 13);
        fp_anomaly a = {.shard = (uint32_t)(i % 2), .id = id, .region_path = "内蒙古自治区", .year = 2019,
                        .detail = detail, .live = (uint8_t)live[i]};
        snprintf(a.kind, sizeof a.kind, "parts_exceed_whole");
        snprintf(a.region_code, sizeof a.region_code, "%s", code);
        snprintf(a.indicator, sizeof a.indicator, "funds.total");
        snprintf(a.unit, sizeof a.unit, "CNY");
        CHECK(fp_table_anomaly(t, &a) == FP_OK);
        if (step == 399 || step % 50 == 49) {
            if (step == 199) fp_table_clear_shard(t, 1); /* shard 1's findings gone until it sends them again */
            fp_table_free(fresh);
            CHECK(fp_table_new(&fresh, g, ind, 2) == FP_OK);
            files got, want;
            CHECK(write_all(t, &got) == FP_OK);
            /* the same findings, given at once */
            for (int j = 0; j < F; j++) {
                if (!live[j] || (step == 199 && j % 2)) continue;
                snprintf(id, sizeof id, "f%02d", j);
                snprintf(detail, sizeof detail, "{\"v\":%d}", version[j] % 4);
                snprintf(code, sizeof code, "15%02d", (j * 7) % 13);
                fp_anomaly b = a;
                b.shard = (uint32_t)(j % 2);
                b.live = 1;
                snprintf(b.region_code, sizeof b.region_code, "%s", code);
                CHECK(fp_table_anomaly(fresh, &b) == FP_OK);
            }
            CHECK(write_all(fresh, &want) == FP_OK);
            CHECK(got.an.len > 0 && same(&got.an, &want.an));
            files_free(&got);
            files_free(&want);
            if (step == 199)
                for (int j = 1; j < F; j += 2) live[j] = 0; /* as cleared */
        }
    }
    fp_table_free(fresh);
    fp_table_free(t);
}

/* ---- --bench ---- */

static int load_cells(const char *path, fp_total **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    FILE *fh = fopen(path, "r");
    if (!fh) return FP_EIO;
    size_t cap = 1024, k = 0;
    fp_total *v = malloc(cap * sizeof *v);
    char *line = NULL;
    size_t lcap = 0;
    int rc = v ? FP_OK : FP_ENOMEM;
    while (!rc && getline(&line, &lcap, fh) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *st = json_string_value(json_object_get(o, "stated"));
        if (o && st) {
            if (k == cap) {
                fp_total *nv = realloc(v, (cap *= 2) * sizeof *v);
                if (!nv) rc = FP_ENOMEM;
                else v = nv;
            }
            if (!rc) {
                fp_total *c = &v[k++];
                memset(c, 0, sizeof *c);
                fp_dec_parse(st, strlen(st), &c->stated);
                json_t *y = json_object_get(o, "year");
                c->year = json_is_integer(y) ? (int)json_integer_value(y) : 0;
                snprintf(c->region_code, sizeof c->region_code, "%s", json_string_value(json_object_get(o, "region_code")));
                c->region_path = strdup(json_string_value(json_object_get(o, "region_path")));
                snprintf(c->indicator, sizeof c->indicator, "%s", json_string_value(json_object_get(o, "indicator")));
                snprintf(c->series, sizeof c->series, "%s", json_string_value(json_object_get(o, "series")));
                snprintf(c->metric, sizeof c->metric, "%s", json_string_value(json_object_get(o, "metric")));
                snprintf(c->unit, sizeof c->unit, "%s", json_string_value(json_object_get(o, "unit")));
                snprintf(c->status, sizeof c->status, "%s", json_string_value(json_object_get(o, "status")));
                c->facts = (uint32_t)json_integer_value(json_object_get(o, "facts"));
                c->reports = (uint32_t)json_integer_value(json_object_get(o, "reports"));
                c->candidates = json_dumps(json_object_get(o, "candidates"), JSON_COMPACT);
                if (!c->region_path || !c->candidates) rc = FP_ENOMEM;
            }
        }
        json_decref(o);
    }
    free(line);
    fclose(fh);
    *out = v;
    *n = k;
    return rc;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* not static, not inlined: callgrind's --toggle-collect names it */
__attribute__((noinline)) int bench_writes(fp_table *t, fp_total *cells, size_t n, int k, size_t *bytes)
{
    int rc = FP_OK;
    for (int w = 0; w < k && !rc; w++) {
        fp_total *c = &cells[((size_t)w * 7919) % n];
        c->stated += FP_DEC_SCALE;
        rc = fp_table_put(t, c);
        files f;
        if (!rc) rc = write_all(t, &f);
        *bytes = f.csv.len + f.jsonl.len + f.an.len;
        files_free(&f);
    }
    return rc;
}

/* The sink's durable write of the three files, K times: what a write costs beyond rendering. */
static int bench_files(const files *f, const char *dir, int k)
{
    char p1[4096], p2[4096], p3[4096];
    snprintf(p1, sizeof p1, "%s/totals.csv", dir);
    snprintf(p2, sizeof p2, "%s/totals.jsonl", dir);
    snprintf(p3, sizeof p3, "%s/anomalies.jsonl", dir);
    const char *paths[] = {p1, p2, p3};
    const void *data[] = {f->csv.p, f->jsonl.p, f->an.p};
    size_t lens[] = {f->csv.len, f->jsonl.len, f->an.len};
    const char *why = NULL;
    double t0 = now_ms();
    for (int i = 0; i < k; i++) {
        int rc = fp_file_replace_all(paths, data, lens, 3, &why);
        if (rc) {
            fprintf(stderr, "bench: %s: %s\n", dir, why ? why : fp_strerror(rc));
            return rc;
        }
    }
    printf("%d durable writes of the %zu bytes to %s: %.3f ms each\n", k, lens[0] + lens[1] + lens[2], dir,
           (now_ms() - t0) / k);
    return FP_OK;
}

static int bench(const fp_gazetteer *g, const fp_indicators *ind, const char *path, int k, const char *dir)
{
    fp_total *cells = NULL;
    size_t n = 0;
    int rc = load_cells(path, &cells, &n);
    fp_table *t = NULL;
    if (!rc && n) rc = fp_table_new(&t, g, ind, 1);
    for (size_t i = 0; i < n && !rc; i++) rc = fp_table_put(t, &cells[i]);
    files f;
    double t0 = now_ms();
    if (!rc && t) rc = write_all(t, &f);
    double t1 = now_ms();
    if (!rc && t) {
        printf("%zu stated cells; first write %.2f ms, %llu rows rendered, %zu+%zu+%zu bytes\n", n, t1 - t0,
               (unsigned long long)fp_table_rendered(t), f.csv.len, f.jsonl.len, f.an.len);
        files_free(&f);
        uint64_t r0 = fp_table_rendered(t);
        size_t bytes = 0;
        t0 = now_ms();
        rc = bench_writes(t, cells, n, k, &bytes);
        t1 = now_ms();
        printf("%d writes after one changed cell each: %.3f ms per write, %.1f rows rendered per write, %zu bytes\n", k,
               (t1 - t0) / k, (double)(fp_table_rendered(t) - r0) / k, bytes);
        if (!rc && dir) {
            rc = write_all(t, &f);
            if (!rc) rc = bench_files(&f, dir, k);
            files_free(&f);
        }
    }
    fp_table_free(t);
    for (size_t i = 0; i < n; i++) {
        free(cells[i].region_path);
        free(cells[i].candidates);
    }
    free(cells);
    if (rc) fprintf(stderr, "bench: %s\n", fp_strerror(rc));
    return rc ? 1 : 0;
}

/* fp_table_put_owned, given the cells as the sink decodes them (through the wire), takes their strings and
 * gives the files a table given copies of the same records does. */
static void owned_test(const fp_gazetteer *g, const fp_indicators *ind)
{
    enum { N = 60 };
    fp_total cells[N];
    size_t nreg = fp_gaz_count(g);
    for (size_t i = 0; i < N; i++) {
        cells[i] = cell(g, (int)((i * 7919) % nreg), 2019, i % 2 ? "funds.total" : "poor.remaining",
                        i % 2 ? "CNY" : "person", D(10 + i));
        cells[i].candidates = i % 3 ? "[{\"value\": \"1\", \"chosen\": false}]" : NULL;
        if (i % 5 == 0) snprintf(cells[i].status, sizeof cells[i].status, "conflict");
    }
    fp_table *a = NULL, *b = NULL;
    CHECK(fp_table_new(&a, g, ind, 1) == FP_OK && fp_table_new(&b, g, ind, 1) == FP_OK);
    if (!a || !b) return;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (int round = 0; round < 2; round++) /* the second replaces every row's strings */
        for (size_t i = 0; i < N; i++) {
            msgpack_sbuffer_clear(&sb);
            CHECK(fp_pack_total(&pk, &cells[i]) == FP_OK);
            size_t off = 0;
            fp_record r;
            if (fp_record_next(sb.data, sb.size, &off, &r) != FP_OK) {
                CHECK(0);
                continue;
            }
            CHECK(fp_table_put(b, &r.u.total) == FP_OK); /* copied: r keeps its strings */
            CHECK(r.u.total.strings != NULL);
            CHECK(fp_table_put_owned(a, &r.u.total) == FP_OK);
            CHECK(!r.u.total.strings && !r.u.total.region_path && !r.u.total.candidates);
            fp_record_free(&r);
        }
    files fa, fb;
    CHECK(write_all(a, &fa) == FP_OK && write_all(b, &fb) == FP_OK);
    CHECK(same(&fa.csv, &fb.csv) && same(&fa.jsonl, &fb.jsonl) && same(&fa.an, &fb.an));
    files_free(&fa);
    files_free(&fb);
    msgpack_sbuffer_destroy(&sb);
    for (size_t i = 0; i < N; i++) free(cells[i].region_path);
    fp_table_free(a);
    fp_table_free(b);
}

/* Acknowledgements: a report is complete once every shard acknowledged it, and is one latency sample,
 * measured from the arrival any of its acks carried, even when a snapshot's ack (no arrival) completes it
 * and when a shard's re-sync completes it again. */
static void acks_test(const fp_gazetteer *g, const fp_indicators *ind)
{
    fp_table *t = NULL;
    CHECK(fp_table_new(&t, g, ind, 2) == FP_OK);
    if (!t) return;
    const char *r1 = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *r2 = "2222222222222222222222222222222222222222222222222222222222222222";
    int completed = -1;
    uint64_t sample = 9;
    /* live acks: the second completes it, with the arrival the first carried */
    CHECK(fp_table_ack(t, r1, 0, 1000, &completed, &sample) == FP_OK && !completed && sample == 0);
    CHECK(fp_table_ack(t, r1, 1, 1000, &completed, &sample) == FP_OK && completed && sample == 1000);
    CHECK(fp_table_complete(t) == 1);
    /* the same ack again: nothing new */
    CHECK(fp_table_ack(t, r1, 1, 1000, &completed, &sample) == FP_OK && !completed && sample == 0);
    /* shard 0 re-synced while r2 was under way: shard 1's live ack (with the arrival), then shard 0's
     * snapshot, whose ack carries none, completes it: sampled there, not again at the replayed live ack */
    CHECK(fp_table_ack(t, r2, 1, 2000, &completed, &sample) == FP_OK && !completed && sample == 0);
    fp_table_clear_shard(t, 0);
    CHECK(fp_table_complete(t) == 0);
    CHECK(fp_table_ack(t, r1, 0, 0, &completed, &sample) == FP_OK && completed && sample == 0); /* sampled before */
    CHECK(fp_table_ack(t, r2, 0, 0, &completed, &sample) == FP_OK && completed && sample == 2000);
    CHECK(fp_table_ack(t, r2, 0, 2000, &completed, &sample) == FP_OK && !completed && sample == 0);
    CHECK(fp_table_complete(t) == 2);
    /* completed by a snapshot before any arrival is known: sampled at the live ack that brings it */
    const char *r3 = "3333333333333333333333333333333333333333333333333333333333333333";
    CHECK(fp_table_ack(t, r3, 0, 0, &completed, &sample) == FP_OK && sample == 0);
    CHECK(fp_table_ack(t, r3, 1, 0, &completed, &sample) == FP_OK && completed && sample == 0);
    CHECK(fp_table_ack(t, r3, 1, 3000, &completed, &sample) == FP_OK && !completed && sample == 3000);
    CHECK(fp_table_ack(t, r3, 7, 3000, &completed, &sample) == FP_EINVAL);
    fp_table_free(t);
}

static void set_buf(fp_buf *b, const char *s)
{
    b->len = 0;
    b->oom = 0;
    CHECK(fp_buf_puts(b, s) == FP_OK);
}

static ino_t inode_of(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 ? st.st_ino : 0;
}

/* The sink's writes: a file whose content did not change is not written again (its inode stays: a
 * rewrite renames a new file in), one changed, removed or cut under the sink is; a failed write makes
 * the next write all three. */
static void outfiles_test(void)
{
    char dir[] = "/tmp/fupin-test-outfiles-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    fp_outfiles o = {0};
    fp_buf now[3] = {{0}};
    size_t bytes = 0;
    unsigned changed = 0;
    const char *why = NULL;
    set_buf(&now[0], "csv 1\n");
    set_buf(&now[1], "jsonl 1\n");
    set_buf(&now[2], "");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_OK && changed == 7 && bytes == 14);
    ino_t csv = inode_of(dir, "totals.csv"), jsonl = inode_of(dir, "totals.jsonl"),
          an = inode_of(dir, "anomalies.jsonl");
    CHECK(csv && jsonl && an);
    /* the same content again: nothing written */
    set_buf(&now[0], "csv 1\n");
    set_buf(&now[1], "jsonl 1\n");
    set_buf(&now[2], "");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_OK && changed == 0 && bytes == 0);
    CHECK(inode_of(dir, "totals.csv") == csv && inode_of(dir, "totals.jsonl") == jsonl);
    /* one file changed: that one alone */
    set_buf(&now[0], "csv 1\n");
    set_buf(&now[1], "jsonl 2\n");
    set_buf(&now[2], "");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_OK && changed == 2 && bytes == 8);
    CHECK(inode_of(dir, "totals.csv") == csv && inode_of(dir, "totals.jsonl") != jsonl);
    CHECK(!strcmp(o.written[1].p, "jsonl 2\n") && o.written[1].len == 8);
    /* removed under the sink: written again though its content is the same */
    char p[512];
    snprintf(p, sizeof p, "%s/anomalies.jsonl", dir);
    CHECK(unlink(p) == 0);
    set_buf(&now[0], "csv 1\n");
    set_buf(&now[1], "jsonl 2\n");
    set_buf(&now[2], "");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_OK && changed == 4);
    CHECK(inode_of(dir, "anomalies.jsonl") != 0);
    /* a failed write (the folder gone): nothing kept as written, so the next write is all three */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    set_buf(&now[0], "csv 3\n");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_EIO && changed == 0 && why);
    CHECK(mkdir(dir, 0755) == 0);
    set_buf(&now[0], "csv 1\n");
    set_buf(&now[1], "jsonl 2\n");
    set_buf(&now[2], "");
    CHECK(fp_outfiles_write(&o, dir, now, &bytes, &changed, &why) == FP_OK && changed == 7);
    for (int i = 0; i < 3; i++) fp_buf_free(&now[i]);
    fp_outfiles_free(&o);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : "data";
    fp_gazetteer *g;
    fp_indicators ind;
    if (!load_data_fixture(data, &g, &ind)) return CHECK_DONE();
    int rc = 0;
    if (argc > 4 && !strcmp(argv[2], "--bench")) rc = bench(g, &ind, argv[3], atoi(argv[4]), argc > 5 ? argv[5] : NULL);
    else {
        unit_test(g, &ind);
        findings_test(g, &ind);
        acks_test(g, &ind);
        owned_test(g, &ind);
        outfiles_test();
    }
    fp_indicators_free(&ind);
    fp_gaz_free(g);
    return rc ? rc : CHECK_DONE();
}
