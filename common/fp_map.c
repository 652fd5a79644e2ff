#include "fp_map.h"
#include "fp_err.h"

#include <stdlib.h>
#include <string.h>

static char tomb;
#define FP_MAP_TOMB (&tomb)

static unsigned long long hash_str(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* The slot holding key, or (create) the first free slot on its probe path. */
static fp_map_slot *probe(const fp_map *m, const char *key, int create)
{
    if (!m->cap) return NULL;
    size_t mask = m->cap - 1;
    fp_map_slot *free_slot = NULL;
    for (size_t i = hash_str(key) & mask, k = 0; k < m->cap; i = (i + 1) & mask, k++) {
        fp_map_slot *s = &m->slots[i];
        if (!s->key) return create ? (free_slot ? free_slot : s) : NULL;
        if (s->key == FP_MAP_TOMB) {
            if (!free_slot) free_slot = s;
        } else if (!strcmp(s->key, key)) {
            return s;
        }
    }
    return create ? free_slot : NULL;
}

static int rehash(fp_map *m, size_t cap)
{
    fp_map_slot *old = m->slots;
    size_t oldcap = m->cap;
    if (!(m->slots = calloc(cap, sizeof *m->slots))) {
        m->slots = old;
        return FP_ENOMEM;
    }
    m->cap = cap;
    m->used = m->n;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key && old[i].key != FP_MAP_TOMB) *probe(m, old[i].key, 1) = old[i];
    free(old);
    return FP_OK;
}

void *fp_map_get(const fp_map *m, const char *key)
{
    fp_map_slot *s = probe(m, key, 0);
    return s ? s->val : NULL;
}

int fp_map_put(fp_map *m, const char *key, void *val, void **old)
{
    if (old) *old = NULL;
    fp_map_slot *s = probe(m, key, 0);
    if (s) {
        if (old) *old = s->val;
        s->val = val;
        return FP_OK;
    }
    if ((m->used + 1) * 4 > m->cap * 3 && rehash(m, m->cap ? (m->n + 1) * 4 > m->cap * 2 ? m->cap * 2 : m->cap : 16))
        return FP_ENOMEM;
    char *k = strdup(key);
    if (!k) return FP_ENOMEM;
    s = probe(m, key, 1);
    if (!s->key) m->used++;
    s->key = k;
    s->val = val;
    m->n++;
    return FP_OK;
}

void *fp_map_del(fp_map *m, const char *key)
{
    fp_map_slot *s = probe(m, key, 0);
    if (!s) return NULL;
    void *v = s->val;
    free(s->key);
    s->key = FP_MAP_TOMB;
    s->val = NULL;
    m->n--;
    return v;
}

void fp_map_each(const fp_map *m, void (*cb)(const char *key, void *val, void *ud), void *ud)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != FP_MAP_TOMB) cb(m->slots[i].key, m->slots[i].val, ud);
}

size_t fp_map_values(const fp_map *m, void **out)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != FP_MAP_TOMB) out[n++] = m->slots[i].val;
    return n;
}

void fp_map_free(fp_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key != FP_MAP_TOMB) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}
