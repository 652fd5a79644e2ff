/* fp_map: a string-keyed hash map (open addressing, linear probing, FNV-1a).
 * The map owns copies of its keys; values are the caller's pointers. */
#ifndef FP_MAP_H
#define FP_MAP_H

#include <stddef.h>

typedef struct {
    char *key; /* NULL = empty slot; FP_MAP_TOMB = deleted */
    void *val;
} fp_map_slot;

typedef struct {
    fp_map_slot *slots;
    size_t cap, n, used; /* used = live + tombstones */
} fp_map;

/* Returns the value stored under key, or NULL. */
void *fp_map_get(const fp_map *m, const char *key);
/* Stores val under key; *old (may be NULL) gets the value it replaced, or NULL. FP_OK or FP_ENOMEM. */
int fp_map_put(fp_map *m, const char *key, void *val, void **old);
/* Removes key; returns its value, or NULL when absent. */
void *fp_map_del(fp_map *m, const char *key);
/* Visits every entry; cb may not change the map. */
void fp_map_each(const fp_map *m, void (*cb)(const char *key, void *val, void *ud), void *ud);
/* Fills out[0..m->n) with the values, in no particular order; returns m->n. */
size_t fp_map_values(const fp_map *m, void **out);
/* Frees the map's own memory (not the values). */
void fp_map_free(fp_map *m);

#endif
