/* Extractor throughput on one core, in MB/s of UTF-8 text, beside a plain
 * scan of the same bytes in the same run (digit runs and the bytes of
 * 万 亿 元 人 户): the ratio is the figure that matters on a noisy machine. */
#include "extract.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_gazetteer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's CPU time: unlike the wall clock, it does not count the
 * time other people's builds take the core away. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident set size in kB, from /proc/self/status (-1 where there is none). */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static int count_fig(const fp_figure *f, void *ud)
{
    (void)f;
    (*(size_t *)ud)++;
    return 0;
}

/* The baseline: finds digit runs and the three-byte codes of 万 亿 元 人 户. */
static size_t plain_scan(const unsigned char *s, size_t n)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            while (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') i++;
            hits++;
        } else if (s[i] >= 0xE4 && i + 2 < n) {
            unsigned c = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
            if (c == 0xE4B887 || c == 0xE4BABF || c == 0xE58583 || c == 0xE4BABA || c == 0xE688B7) hits++;
        }
    }
    return hits;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_extract DATADIR REPORT... (seeds repeated to >= 50 MB, or FP_BENCH_MB)\n");
        return 2;
    }
    /* the gazetteer alone, then the whole extractor (which loads its own) */
    char rp[4096], ap[4096];
    snprintf(rp, sizeof rp, "%s/regions.tsv", argv[1]);
    snprintf(ap, sizeof ap, "%s/aliases.tsv", argv[1]);
    fp_gazetteer *g;
    long rss0 = rss_kb();
    double l0 = now();
    if (fp_gaz_load(&g, rp, ap)) return 1;
    double l1 = now();
    long rss1 = rss_kb();
    printf("gazetteer: %zu regions, load %.1f ms, RSS %+.1f MB\n", fp_gaz_count(g), (l1 - l0) * 1e3,
           (rss1 - rss0) / 1024.0);
    fp_extractor *x;
    rss0 = rss_kb();
    l0 = now();
    if (fp_extractor_load(&x, argv[1])) return 1;
    l1 = now();
    rss1 = rss_kb();
    printf("extractor: load %.1f ms, RSS %+.1f MB (all its data files; %.1f MB resident in all)\n", (l1 - l0) * 1e3,
           (rss1 - rss0) / 1024.0, rss1 / 1024.0);
    char **docs = calloc((size_t)argc, sizeof *docs);
    size_t *lens = calloc((size_t)argc, sizeof *lens), one = 0;
    for (int i = 2; i < argc; i++) {
        const char *why;
        if (fp_file_read(argv[i], &docs[i], &lens[i], &why)) return 1;
        one += lens[i];
    }
    /* FP_BENCH_MB sets the size (default 50): a few MB are enough under callgrind */
    const char *mbenv = getenv("FP_BENCH_MB");
    size_t want = mbenv && atoi(mbenv) > 0 ? (size_t)atoi(mbenv) << 20 : 50u << 20;
    size_t reps = want / one + 1, total = reps * one;
    /* one contiguous copy for the plain scan */
    unsigned char *all = malloc(total);
    size_t off = 0;
    for (size_t r = 0; r < reps; r++)
        for (int i = 2; i < argc; i++) memcpy(all + off, docs[i], lens[i]), off += lens[i];
    /* the yardstick takes a tenth of the extractor's time or less: its
     * fastest of five passes, so one preempted pass does not move it */
    double t0 = 0, t1 = 1e9, c0 = 0, c1 = 1e9;
    size_t hits = 0;
    for (int k = 0; k < 5; k++) {
        double a = now(), ca = cpu();
        hits = plain_scan(all, total);
        double b = now(), cb = cpu();
        if (b - a < t1 - t0) t0 = a, t1 = b;
        if (cb - ca < c1 - c0) c0 = ca, c1 = cb;
    }
    double tx = now(), cx = cpu();
    size_t figs = 0;
    for (size_t r = 0; r < reps; r++)
        for (int i = 2; i < argc; i++) fp_extract(x, argv[i], docs[i], lens[i], 0, NULL, count_fig, &figs, NULL);
    double t2 = now(), c2 = cpu();
    double mb = total / 1e6, scan = mb / (t1 - t0), ext = mb / (t2 - tx);
    printf("text: %.1f MB (%zu copies of %d reports)\n", mb, reps, argc - 2);
    printf("plain scan:  %8.1f MB/s  (%zu hits)\n", scan, hits);
    printf("extractor:   %8.1f MB/s  (%zu figures, %.0f figures/s; target >= 150 MB/s)\n", ext, figs, figs / (t2 - tx));
    printf("ratio extractor/scan: %.3f (target >= 0.25)\n", ext / scan);
    printf("by CPU time: plain scan %.1f MB/s, extractor %.1f MB/s (target >= 150), ratio %.3f (target >= 0.25)\n",
           mb / (c1 - c0), mb / (c2 - cx), (c1 - c0) / (c2 - cx));
    printf("RSS after extraction: %.1f MB\n", rss_kb() / 1024.0);
    for (int i = 2; i < argc; i++) free(docs[i]);
    free(docs);
    free(lens);
    free(all);
    fp_extractor_free(x);
    fp_gaz_free(g);
    return 0;
}
