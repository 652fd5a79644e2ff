#include "fp_gazetteer.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The name matcher is a character trie whose edges live in one
 * open-addressing hash table keyed by (node, character): one probe per
 * character (a CJK name of five characters is five probes, not fifteen), no
 * per-node arrays. A character is its UTF-8 bytes packed in a uint32. */
typedef struct {
    uint32_t key_node;
    uint32_t child;
    uint32_t ch;
    uint32_t used;
} edge;

static size_t char_len(uint8_t b) { return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

/* The character at s (n bytes left), packed; *len its byte length. */
static uint32_t char_at(const char *s, size_t n, size_t *len)
{
    size_t l = char_len((uint8_t)s[0]);
    if (l > n) l = 1; /* a truncated sequence: take its bytes one by one */
    uint32_t c = 0;
    for (size_t i = 0; i < l; i++) c = c << 8 | (uint8_t)s[i];
    *len = l;
    return c;
}

typedef struct {
    int *cands; /* region indices this name stands for */
    int ncand;
} tnode;

struct fp_gazetteer {
    fp_region *regions;
    size_t n, cap;
    tnode *nodes;
    size_t nnodes, capnodes;
    edge *edges;
    size_t nedges, capedges; /* capedges is a power of two */
    char *names;             /* the regions file, names point into it */
    fp_map by_code;          /* code -> region index + 1, built while the regions load */
    uint8_t *first3;         /* bit per 3-byte character: some name starts with it */
};

static uint32_t hash_edge(uint32_t node, uint32_t ch) { return (node * 2654435761u) ^ (ch * 2246822519u); }

static int64_t edge_get(const fp_gazetteer *g, uint32_t node, uint32_t ch)
{
    size_t mask = g->capedges - 1;
    for (size_t i = hash_edge(node, ch) & mask;; i = (i + 1) & mask) {
        const edge *e = &g->edges[i];
        if (!e->used) return -1;
        if (e->key_node == node && e->ch == ch) return e->child;
    }
}

static int edges_grow(fp_gazetteer *g)
{
    size_t cap = g->capedges ? g->capedges * 2 : 1 << 16;
    edge *ne = calloc(cap, sizeof *ne);
    if (!ne) return FP_ENOMEM;
    for (size_t i = 0; i < g->capedges; i++) {
        if (!g->edges[i].used) continue;
        size_t j = hash_edge(g->edges[i].key_node, g->edges[i].ch) & (cap - 1);
        while (ne[j].used) j = (j + 1) & (cap - 1);
        ne[j] = g->edges[i];
    }
    free(g->edges);
    g->edges = ne;
    g->capedges = cap;
    return FP_OK;
}

static int64_t node_new(fp_gazetteer *g)
{
    if (g->nnodes == g->capnodes) {
        size_t cap = g->capnodes ? g->capnodes * 2 : 4096;
        tnode *nn = realloc(g->nodes, cap * sizeof *nn);
        if (!nn) return -1;
        g->nodes = nn;
        g->capnodes = cap;
    }
    memset(&g->nodes[g->nnodes], 0, sizeof(tnode));
    return (int64_t)g->nnodes++;
}

static int add_name(fp_gazetteer *g, const char *name, size_t len, int region)
{
    uint32_t node = 0;
    for (size_t i = 0, l; i < len; i += l) {
        uint32_t ch = char_at(name + i, len - i, &l);
        int64_t c = edge_get(g, node, ch);
        if (c < 0) {
            if ((g->nedges + 1) * 2 > g->capedges && edges_grow(g)) return FP_ENOMEM;
            c = node_new(g);
            if (c < 0) return FP_ENOMEM;
            size_t j = hash_edge(node, ch) & (g->capedges - 1);
            while (g->edges[j].used) j = (j + 1) & (g->capedges - 1);
            g->edges[j] = (edge){node, (uint32_t)c, ch, 1};
            g->nedges++;
        }
        node = (uint32_t)c;
    }
    tnode *t = &g->nodes[node];
    for (int i = 0; i < t->ncand; i++)
        if (t->cands[i] == region) return FP_OK;
    int *nc = realloc(t->cands, sizeof *nc * (size_t)(t->ncand + 1));
    if (!nc) return FP_ENOMEM;
    nc[t->ncand++] = region;
    t->cands = nc;
    return FP_OK;
}

/* Suffix-less forms: provinces and prefectures always; counties only for 旗
 * and 县, since district and city stems (新城, 东方) are everyday words. */
static int add_short_form(fp_gazetteer *g, int idx)
{
    static const char *suffixes[] = {"特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区",
                                     "省", "市", "盟", "县", "旗"};
    const fp_region *r = &g->regions[idx];
    if (r->level < FP_LEVEL_PROVINCE || r->level > FP_LEVEL_COUNTY) return FP_OK;
    size_t n = strlen(r->name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || memcmp(r->name + n - sl, suffixes[i], sl) != 0) continue;
        if (r->level == FP_LEVEL_COUNTY && strcmp(suffixes[i], "旗") && strcmp(suffixes[i], "县")) return FP_OK;
        if (n - sl < 6) return FP_OK; /* a one-character stem matches everywhere */
        return add_name(g, r->name, n - sl, idx);
    }
    return FP_OK;
}

int fp_gaz_find_code(const fp_gazetteer *g, const char *code)
{
    return (int)(intptr_t)fp_map_get(&g->by_code, code) - 1;
}

static int load_regions(fp_gazetteer *g, const char *path)
{
    size_t len;
    const char *why;
    if (fp_file_read(path, &g->names, &len, &why)) {
        fp_error("cannot read gazetteer %s: %s", path, why);
        return FP_EIO;
    }
    int lineno = 0, rc = FP_OK;
    for (char *line = g->names, *next; line && *line && !rc; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (*line == '#' || *line == '\0') continue;
        char *f[4];
        int nf = 0;
        for (char *p = line; nf < 4; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (!p) {
                nf++;
                break;
            }
            *p++ = '\0';
        }
        if (nf != 4 || strlen(f[0]) >= 16 || !*f[3]) {
            fp_error("%s:%d: expected code<TAB>parent<TAB>level<TAB>name", path, lineno);
            rc = FP_EINVAL;
            break;
        }
        if (g->n == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 1024;
            fp_region *nr = realloc(g->regions, cap * sizeof *nr);
            if (!nr) {
                rc = FP_ENOMEM;
                break;
            }
            g->regions = nr;
            g->cap = cap;
        }
        fp_region *r = &g->regions[g->n];
        snprintf(r->code, sizeof r->code, "%s", f[0]);
        r->level = atoi(f[2]);
        r->name = f[3];
        r->parent = -1;
        if (*f[1]) {
            r->parent = fp_gaz_find_code(g, f[1]);
            if (r->parent < 0) {
                fp_error("%s:%d: parent %s of %s is not defined above it", path, lineno, f[1], f[0]);
                rc = FP_EINVAL;
                break;
            }
        }
        /* the first line of a code wins, as a lookup would find it */
        if (fp_gaz_find_code(g, r->code) < 0 && (rc = fp_map_put(&g->by_code, r->code, (void *)(intptr_t)(g->n + 1), NULL)))
            break;
        g->n++;
    }
    return rc;
}

static int load_aliases(fp_gazetteer *g, const char *path)
{
    char *data;
    size_t len;
    const char *why;
    if (fp_file_read(path, &data, &len, &why)) {
        fp_error("cannot read aliases %s: %s", path, why);
        return FP_EIO;
    }
    int rc = FP_OK, lineno = 0;
    for (char *line = data, *next; line && *line && !rc; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (*line == '#' || *line == '\0') continue;
        char *tab = strchr(line, '\t');
        int idx = -1;
        if (tab) {
            *tab = '\0';
            char *more = strchr(tab + 1, '\t'); /* further columns document the line */
            if (more) *more = '\0';
            idx = fp_gaz_find_code(g, tab + 1);
        }
        if (idx < 0) {
            fp_error("%s:%d: expected alias<TAB>code of a known region", path, lineno);
            rc = FP_EINVAL;
        } else {
            rc = add_name(g, line, strlen(line), idx);
        }
    }
    free(data);
    return rc;
}

/* Most text positions start no name: a bit per three-byte character (all
 * of CJK) that some name starts with settles them without a probe. */
static int index_first_chars(fp_gazetteer *g)
{
    if (!(g->first3 = calloc(1 << 21, 1))) return FP_ENOMEM;
    for (size_t i = 0; i < g->capedges; i++) {
        const edge *e = &g->edges[i];
        if (!e->used || e->key_node != 0 || e->ch < 0xE00000 || e->ch > 0xEFFFFF) continue;
        g->first3[(e->ch >> 3) & 0x1FFFFF] |= (uint8_t)(1u << (e->ch & 7));
    }
    return FP_OK;
}

int fp_gaz_load(fp_gazetteer **out, const char *regions_tsv, const char *aliases_tsv)
{
    fp_gazetteer *g = calloc(1, sizeof *g);
    if (!g) return FP_ENOMEM;
    int rc = edges_grow(g);
    if (!rc && node_new(g) < 0) rc = FP_ENOMEM;
    if (!rc) rc = load_regions(g, regions_tsv);
    for (size_t i = 0; i < g->n && !rc; i++) {
        rc = add_name(g, g->regions[i].name, strlen(g->regions[i].name), (int)i);
        if (!rc) rc = add_short_form(g, (int)i);
    }
    if (!rc) rc = load_aliases(g, aliases_tsv);
    if (!rc) rc = index_first_chars(g);
    if (rc) {
        fp_gaz_free(g);
        return rc;
    }
    *out = g;
    return FP_OK;
}

int fp_gaz_add_names(fp_gazetteer *g, const char *path)
{
    int rc = load_aliases(g, path);
    if (rc) return rc;
    free(g->first3);
    g->first3 = NULL;
    return index_first_chars(g);
}

void fp_gaz_free(fp_gazetteer *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->nnodes; i++) free(g->nodes[i].cands);
    free(g->nodes);
    free(g->edges);
    free(g->regions);
    free(g->names);
    fp_map_free(&g->by_code);
    free(g->first3);
    free(g);
}

size_t fp_gaz_count(const fp_gazetteer *g) { return g->n; }
const fp_region *fp_gaz_region(const fp_gazetteer *g, int idx) { return &g->regions[idx]; }

int fp_gaz_path(const fp_gazetteer *g, int idx, fp_buf *b)
{
    int chain[8], n = 0;
    for (int i = idx; i >= 0 && n < 8; i = g->regions[i].parent) chain[n++] = i;
    int rc = FP_OK;
    while (n-- > 0 && !rc) {
        rc = fp_buf_puts(b, g->regions[chain[n]].name);
        if (n && !rc) rc = fp_buf_puts(b, "/");
    }
    return rc;
}

int fp_gaz_find_path(const fp_gazetteer *g, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *last = slash ? slash + 1 : path;
    const int *c;
    int nc;
    size_t n = fp_gaz_match(g, last, strlen(last), 0, &c, &nc);
    if (n != strlen(last)) return -1;
    for (int i = 0; i < nc; i++) {
        fp_buf b = {0};
        int same = fp_gaz_path(g, c[i], &b) == FP_OK && strcmp(b.p, path) == 0;
        fp_buf_free(&b);
        if (same) return c[i];
    }
    return -1;
}

int fp_gaz_within(const fp_gazetteer *g, int idx, int anc)
{
    for (int i = idx; i >= 0; i = g->regions[i].parent)
        if (i == anc) return 1;
    return 0;
}

int fp_gaz_ancestor_at(const fp_gazetteer *g, int idx, int level)
{
    for (int i = idx; i >= 0; i = g->regions[i].parent)
        if (g->regions[i].level == level) return i;
    return -1;
}

size_t fp_gaz_match(const fp_gazetteer *g, const char *text, size_t len, size_t pos, const int **cands,
                    int *ncand)
{
    uint32_t node = 0;
    size_t best = 0;
    *cands = NULL;
    *ncand = 0;
    if (pos >= len) return 0;
    uint8_t b0 = (uint8_t)text[pos];
    if (g->first3 && b0 >= 0xE0 && b0 <= 0xEF && pos + 2 < len) { /* a CJK character: is it any name's first? */
        uint32_t k = (uint32_t)b0 << 16 | (uint32_t)(uint8_t)text[pos + 1] << 8 | (uint8_t)text[pos + 2];
        if (!(g->first3[(k >> 3) & 0x1FFFFF] >> (k & 7) & 1)) return 0;
    }
    for (size_t i = pos, l; i < len; i += l) {
        int64_t c = edge_get(g, node, char_at(text + i, len - i, &l));
        if (c < 0) break;
        node = (uint32_t)c;
        if (g->nodes[node].ncand) {
            best = i + l - pos;
            *cands = g->nodes[node].cands;
            *ncand = g->nodes[node].ncand;
        }
    }
    return best;
}
