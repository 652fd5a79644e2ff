/* fp_route_shard must send every cell where it always went: its hand-made
 * key is compared with the snprintf formula it replaced, on many keys (long
 * ones cut at 159 bytes, negative and extreme years, every shard count). */
#include "../normalize/route.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static uint32_t old_route(const char *region_code, int year, const char *indicator, uint32_t nshards)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%s|%d|%s", region_code, year, indicator);
    uint32_t h = 2166136261u;
    for (int i = 0; i < n && i < (int)sizeof key - 1; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
    return nshards ? h % nshards : 0;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* A random string of len bytes from UTF-8 Chinese, ASCII and the separator itself. */
static void fill(char *s, size_t len)
{
    static const char *parts[] = {"贫", "脱", "1", "5", "0", ".", "_", "a", "|", "-", "收入", "x"};
    size_t o = 0;
    while (o < len) {
        const char *p = parts[next() % (sizeof parts / sizeof *parts)];
        size_t pl = strlen(p);
        if (o + pl > len) break;
        memcpy(s + o, p, pl), o += pl;
    }
    s[o] = '\0';
}

int main(void)
{
    static const char *codes[] = {"", "150522", "150522X01", "11", "650000000000"};
    static const char *inds[] = {"", "poverty.exits", "funds.east_west", "income.rural_per_capita"};
    static const int years[] = {0, 1, -1, 9, 10, 2019, 2020, 99999, -2020, INT_MAX, INT_MIN, 123456789};
    long checked = 0, failed = 0;
    for (size_t c = 0; c < sizeof codes / sizeof *codes; c++)
        for (size_t i = 0; i < sizeof inds / sizeof *inds; i++)
            for (size_t y = 0; y < sizeof years / sizeof *years; y++)
                for (uint32_t m = 0; m <= 9; m++, checked++)
                    if (fp_route_shard(codes[c], years[y], inds[i], m) != old_route(codes[c], years[y], inds[i], m)) {
                        fprintf(stderr, "differs: %s|%d|%s over %u\n", codes[c], years[y], inds[i], m);
                        failed++;
                    }
    /* random keys, lengths around the 159-byte cut */
    char code[200], ind[200];
    for (int r = 0; r < 200000; r++, checked++) {
        fill(code, next() % (r % 4 == 0 ? 180 : 20));
        fill(ind, next() % (r % 3 == 0 ? 190 : 40));
        int year = (int)next();
        if (r % 2) year = 1990 + (int)(next() % 40);
        uint32_t m = 1 + next() % 64;
        if (fp_route_shard(code, year, ind, m) != old_route(code, year, ind, m)) {
            if (failed++ < 10) fprintf(stderr, "differs: %s|%d|%s over %u\n", code, year, ind, m);
        }
        /* the whole hash, not only its remainder */
        if (fp_route_shard(code, year, ind, UINT32_MAX) != old_route(code, year, ind, UINT32_MAX)) failed++;
    }
    printf("%ld keys, %ld differ\n", checked, failed);
    return failed != 0;
}
