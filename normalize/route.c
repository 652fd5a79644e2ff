#include "route.h"

/* The key FNV-1a hashes is "region|year|indicator" as snprintf("%s|%d|%s")
 * would write it into 160 bytes: cut to its first 159. Its bytes are fed to
 * the hash as they are made, without formatting the key first: snprintf was
 * ~1,300 of the ~1,550 instructions routing a figure cost. */
#define ROUTE_KEY_MAX 159

uint32_t fp_route_shard(const char *region_code, int year, const char *indicator, uint32_t nshards)
{
    uint32_t h = 2166136261u;
    int left = ROUTE_KEY_MAX;
    for (const unsigned char *s = (const unsigned char *)region_code; *s && left; s++, left--)
        h = (h ^ *s) * 16777619u;
    /* "|year|": the year's digits come out last first, so they are written backwards into d */
    unsigned char d[16];
    int k = (int)sizeof d;
    d[--k] = '|';
    unsigned y = year < 0 ? 0u - (unsigned)year : (unsigned)year; /* INT_MIN too */
    do d[--k] = (unsigned char)('0' + y % 10); while (y /= 10);
    if (year < 0) d[--k] = '-';
    d[--k] = '|';
    for (; k < (int)sizeof d && left; k++, left--) h = (h ^ d[k]) * 16777619u;
    for (const unsigned char *s = (const unsigned char *)indicator; *s && left; s++, left--)
        h = (h ^ *s) * 16777619u;
    return nshards ? h % nshards : 0;
}
