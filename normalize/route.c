#include "route.h"

#include <stdio.h>

uint32_t fp_route_shard(const char *region_code, int year, const char *indicator, uint32_t nshards)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%s|%d|%s", region_code, year, indicator);
    uint32_t h = 2166136261u;
    for (int i = 0; i < n && i < (int)sizeof key - 1; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
    return nshards ? h % nshards : 0;
}
