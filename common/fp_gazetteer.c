#include "fp_gazetteer.h"
#include "fp_tsv.h"
#include "fp_err.h"
#include "fp_file.h"
#include "fp_log.h"
#include "fp_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Two tries find names in text.
 *
 * The image trie holds every name of regions.tsv (full names and the
 * suffix-less forms): read-only, in the image (below), mapped from a file
 * made at build time or built in memory from the TSV. Its nodes are in
 * breadth-first order, so the children of a node are one run of node ids,
 * sorted by character: nodes[i].first .. nodes[i+1].first - 1. The root's children are
 * also reached through a table indexed by the code point of a three-byte
 * character (all of CJK): one load, no search, for the character most text
 * positions stop at.
 *
 * The overlay trie holds the names of the alias files (a few hundred): a
 * character trie whose edges live in one open-addressing hash table keyed
 * by (node, character). A name in both holds the union of its regions in
 * the overlay. The longer match of the two wins.
 *
 * A character is its UTF-8 bytes packed in a uint32. */

static size_t char_len(uint8_t b) { return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

/* The character at s (n bytes left), packed; *len its byte length. */
static inline uint32_t char_at(const char *s, size_t n, size_t *len)
{
    const uint8_t *u = (const uint8_t *)s;
    if (u[0] >= 0xE0 && u[0] < 0xF0 && n >= 3) { /* CJK, the common case: no loop */
        *len = 3;
        return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
    }
    size_t l = char_len((uint8_t)s[0]);
    if (l > n) l = 1; /* a truncated sequence: take its bytes one by one */
    uint32_t c = 0;
    for (size_t i = 0; i < l; i++) c = c << 8 | (uint8_t)s[i];
    *len = l;
    return c;
}

/* The code point of a packed three-byte character, or -1. */
static int cp3(uint32_t c)
{
    if ((c & 0xF0C0C0u) != 0xE08080u) return -1;
    return (int)((c >> 16 & 0x0F) << 12 | (c >> 8 & 0x3F) << 6 | (c & 0x3F));
}

/* ---- the mutable trie: builds the image, holds the alias names ---- */

typedef struct {
    uint32_t key_node;
    uint32_t child;
    uint32_t ch;
    uint32_t used;
} edge;

typedef struct {
    int *cands; /* region indices this name stands for */
    int ncand;
} tnode;

typedef struct {
    tnode *nodes;
    size_t nnodes, capnodes;
    edge *edges;
    size_t nedges, capedges; /* capedges is a power of two */
} mtrie;

static uint32_t hash_edge(uint32_t node, uint32_t ch) { return (node * 2654435761u) ^ (ch * 2246822519u); }

/* The child of node by ch in an edge table of cap slots (a power of two,
 * or 0), or -1: the mutable trie's and the image's alias trie's. */
static int64_t edge_find(const edge *edges, size_t cap, uint32_t node, uint32_t ch)
{
    if (!cap) return -1;
    size_t mask = cap - 1;
    for (size_t i = hash_edge(node, ch) & mask;; i = (i + 1) & mask) {
        const edge *e = &edges[i];
        if (!e->used) return -1;
        if (e->key_node == node && e->ch == ch) return e->child;
    }
}

static int64_t mt_child(const mtrie *t, uint32_t node, uint32_t ch) { return edge_find(t->edges, t->capedges, node, ch); }

static int mt_grow(mtrie *t)
{
    size_t cap = t->capedges ? t->capedges * 2 : 1 << 10;
    edge *ne = calloc(cap, sizeof *ne);
    if (!ne) return FP_ENOMEM;
    for (size_t i = 0; i < t->capedges; i++) {
        if (!t->edges[i].used) continue;
        size_t j = hash_edge(t->edges[i].key_node, t->edges[i].ch) & (cap - 1);
        while (ne[j].used) j = (j + 1) & (cap - 1);
        ne[j] = t->edges[i];
    }
    free(t->edges);
    t->edges = ne;
    t->capedges = cap;
    return FP_OK;
}

static int64_t mt_node_new(mtrie *t)
{
    if (t->nnodes == t->capnodes) {
        size_t cap = t->capnodes ? t->capnodes * 2 : 1024;
        tnode *nn = realloc(t->nodes, cap * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->capnodes = cap;
    }
    memset(&t->nodes[t->nnodes], 0, sizeof(tnode));
    return (int64_t)t->nnodes++;
}

static int mt_init(mtrie *t)
{
    memset(t, 0, sizeof *t);
    if (mt_grow(t)) return FP_ENOMEM;
    return mt_node_new(t) < 0 ? FP_ENOMEM : FP_OK;
}

static void mt_free(mtrie *t)
{
    for (size_t i = 0; i < t->nnodes; i++) free(t->nodes[i].cands);
    free(t->nodes);
    free(t->edges);
    memset(t, 0, sizeof *t);
}

/* The node of name, made with the nodes on its way; -1 when out of memory. */
static int64_t mt_walk_add(mtrie *t, const char *name, size_t len)
{
    uint32_t node = 0;
    for (size_t i = 0, l; i < len; i += l) {
        uint32_t ch = char_at(name + i, len - i, &l);
        int64_t c = mt_child(t, node, ch);
        if (c < 0) {
            if ((t->nedges + 1) * 2 > t->capedges && mt_grow(t)) return -1;
            c = mt_node_new(t);
            if (c < 0) return -1;
            size_t j = hash_edge(node, ch) & (t->capedges - 1);
            while (t->edges[j].used) j = (j + 1) & (t->capedges - 1);
            t->edges[j] = (edge){node, (uint32_t)c, ch, 1};
            t->nedges++;
        }
        node = (uint32_t)c;
    }
    return node;
}

static int mt_add_cand(tnode *n, int region)
{
    for (int i = 0; i < n->ncand; i++)
        if (n->cands[i] == region) return FP_OK;
    int *nc = realloc(n->cands, sizeof *nc * (size_t)(n->ncand + 1));
    if (!nc) return FP_ENOMEM;
    nc[n->ncand++] = region;
    n->cands = nc;
    return FP_OK;
}

static int mt_add(mtrie *t, const char *name, size_t len, int region)
{
    int64_t node = mt_walk_add(t, name, len);
    return node < 0 ? FP_ENOMEM : mt_add_cand(&t->nodes[node], region);
}

/* ---- the image ----
 *
 * One file, native byte order (the header says which), every section
 * 8-aligned:
 *   header   img_hdr
 *   recoff   uint32[nregions]  offset of region i's record in recs
 *   recs     fp_region records (code, parent, level, name and its NUL), 4-aligned
 *   bycode   uint32[nbycode]   a hash table of codes (nbycode a power of two): region index + 1
 *                              or 0 for an empty slot; the first line of a code is the one kept
 *   nodes    img_node[nnodes+1] per trie node: its first child, the
 *                              character leading into it, the offset in pool
 *                              of its regions (0 for none); one record, so a
 *                              step down the trie touches one page, not three
 *   pool     int32[npool]      at an offset: a count, then that many region indices
 *   root     uint32[65536]     child of the root by code point, 0 for none
 *   edges    uint32[nedges]    child ids of the nodes with EDGE_HASH_MIN children or more, in an
 *                              open-addressing table by (node, character), 0 for an empty slot:
 *                              a step from such a node is one probe, not a binary search over
 *                              hundreds of children scattered over as many cache lines
 *   pairs    uint64[PAIR_BITS/64] a one-hash Bloom filter of the first two characters of
 *                              every name (both three-byte): most text positions start no
 *                              name, and this 128 KB filter, which mostly stays in cache, turns
 *                              away ~85% of them before the trie's scattered pages are
 *                              touched. Used only when no name is one character long
 *                              (the header's `single`), since it cannot see those. A name
 *                              whose second character is not of three bytes sets (first,
 *                              PAIR_OTHER).
 *   triples  uint64[TRI_BITS/64] the same for the first three characters of every name of
 *                              three or more, and for every two-character name (its third
 *                              character taken as TRI_END, one not of three bytes as
 *                              TRI_OTHER): of the positions the pair filter
 *                              lets through, most start no name still (发展 may begin a village
 *                              name, 发展产 none), and this 256 KB filter, asked only of
 *                              those, keeps them from the trie's scattered pages too
 *   tree     uint32[2*nregions] pre-order interval of each region (pre, post): anc holds idx
 *                              iff pre[anc] <= pre[idx] < post[anc], without walking parents
 *   oedges   edge[ocap]        the names part (nnames > 0): the alias trie of the name files
 *                              the image was made with (aliases.tsv, former names, township
 *                              names ...), as fp_gaz_add_names builds it over these regions,
 *                              so a start maps it instead of parsing 30,000 lines: its edge
 *                              table as the mutable trie holds it (ocap a power of two)
 *   onodes   uint32[onnodes]   per alias-trie node the offset in opool of its regions, 0 for none
 *   opool    int32[onpool]     at an offset: a count, then that many region indices
 *   oquick   img_quick         the alias filters of fp_gaz_quick (over_first ...)
 * The header names the regions.tsv it was made from by size and a 64-bit
 * signature of its bytes, and each name file in order the same way: an
 * image of another TSV is not used, and its names part is used only by a
 * load of exactly those name files, in that order (else they are parsed). */
#define IMG_MAGIC "FPGAZIMG"
#define IMG_ORDER 0x01020304u

typedef struct {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t size;              /* of the whole image */
    uint64_t src_size, src_hash; /* of the regions.tsv it was made from */
    uint32_t nregions, nbycode, nnodes, npool;
    uint64_t off_recoff, off_recs, len_recs, off_bycode, off_nodes, off_pool, off_root;
    uint32_t nedges, single; /* single: some name is one character */
    uint64_t off_edges, off_tree, off_pairs, off_triples;
    /* the names part: the name files it was made from, in order */
    uint32_t nnames, ocap, onnodes, onpool;
    struct {
        uint64_t size, sum;
    } names[FP_GAZ_MAX_NAMES];
    uint64_t off_oedges, off_onodes, off_opool, off_oquick;
} img_hdr;

/* The alias filters as the image keeps them. */
typedef struct {
    uint8_t over_first[8192], over_pairs[8192];
    int32_t over_short, over_any_other;
} img_quick;

#define TRI_LOG FP_GAZ_TRI_LOG
#define TRI_BITS (1u << TRI_LOG)
#define TRI_END FP_GAZ_TRI_END
#define TRI_OTHER FP_GAZ_TRI_OTHER

/* The filter bit of three code points. */
static uint32_t tri_bit(int cp0, int cp1, uint32_t cp2) { return fp_gaz_tri_bit((uint32_t)cp0, (uint32_t)cp1, cp2); }

static int tri_has(const uint64_t *tri, int cp0, int cp1, uint32_t cp2)
{
    uint32_t b = tri_bit(cp0, cp1, cp2);
    return tri[b >> 6] >> (b & 63) & 1;
}

#define PAIR_LOG FP_GAZ_PAIR_LOG
#define PAIR_BITS (1u << PAIR_LOG)

/* The second "character" of the names whose second is not of three bytes
 * (县1, 镇 and a line's end do not start one): a code point, so it only
 * adds false positives, which cost a walk, never a name. */
#define PAIR_OTHER ((int)FP_GAZ_PAIR_OTHER)

/* The filter bit of two code points. */
static uint32_t pair_bit(int cp0, int cp1) { return ((uint32_t)cp0 << 16 | (uint32_t)cp1) * 2654435761u >> (32 - PAIR_LOG); }

/* Nodes with at least this many children are reached through the edge
 * table; a shorter run is scanned (it spans a cache line or two). */
#define EDGE_HASH_MIN 8

static uint32_t edge_slot(uint32_t node, uint32_t ch)
{
    uint32_t h = node * 2654435761u ^ ch * 0x85EBCA6Bu;
    return h ^ h >> 15;
}

typedef struct {
    uint32_t first, ch, cands;
} img_node;

struct fp_gazetteer {
    fp_gaz_quick q; /* first: fp_gaz_match's inline part reads it */
    const uint8_t *img;
    size_t img_len;
    int mapped; /* munmap the image, else free it */
    const img_hdr *h;
    const uint32_t *recoff, *bycode, *root, *edges, *tree;
    const uint64_t *triples;
    const img_node *nodes;
    const char *recs;
    const int32_t *pool;
    mtrie over; /* the alias names, unless over_img */
    int over_img; /* the alias names are the image's names part (below), not `over` */
    const char *img_path; /* the mapped image's, for messages */
    const edge *oedges;
    size_t ocap;
    const uint32_t *onodes;
    const int32_t *opool;
};

static int over_tri_build(fp_gazetteer *g);

uint64_t fp_gaz_hash(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 29;
    }
    for (; i < len; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

/* ---- the signature of regions.tsv ----
 *
 * Every start reads the whole TSV (24 MB) to check the image is of it, so
 * this is the one loop over the file: two CRC-32C lanes, one over the first
 * and one over the second eight bytes of every sixteen (the bytes of a last
 * partial block go to the first). A CRC catches every change within 32 bits
 * of a lane, so any one-character edit; two lanes over interleaved bytes
 * make a miss on larger edits about 2^-64. Where the machine has the CRC32
 * instruction (x86-64 with SSE4.2) it takes one instruction per eight bytes
 * (4 M instructions for the TSV instead of the 27 M of fp_gaz_hash); else a
 * table gives the same value a byte at a time. */

/* The CRC-32C table (reflected polynomial 0x82F63B78), made on the stack
 * when wanted (2,000 instructions): no shared state between threads. */
static void crc_table_init(uint32_t tab[256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        tab[i] = c;
    }
}

static uint32_t crc_bytes_sw(const uint32_t tab[256], uint32_t c, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) c = tab[(c ^ p[i]) & 0xFF] ^ c >> 8;
    return c;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define FP_CRC_HW 1
/* Eight bytes as one word (little-endian here), folded into the crc32 instruction's operand. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}
/* Both lanes and the tail with the CRC32 instruction: a little-endian
 * eight-byte load is the bytes in memory order, as the table takes them.
 * Four blocks a turn, so the loop's own count is a small part. */
__attribute__((target("sse4.2"))) static void crc_hw(const uint8_t *p, size_t len, uint32_t *a, uint32_t *b)
{
    unsigned long long x = *a, y = *b;
    size_t n16 = len / 16, i = 0;
    for (; i + 4 <= n16; i += 4, p += 64) {
        x = __builtin_ia32_crc32di(x, load64(p));
        y = __builtin_ia32_crc32di(y, load64(p + 8));
        x = __builtin_ia32_crc32di(x, load64(p + 16));
        y = __builtin_ia32_crc32di(y, load64(p + 24));
        x = __builtin_ia32_crc32di(x, load64(p + 32));
        y = __builtin_ia32_crc32di(y, load64(p + 40));
        x = __builtin_ia32_crc32di(x, load64(p + 48));
        y = __builtin_ia32_crc32di(y, load64(p + 56));
    }
    for (; i < n16; i++, p += 16) {
        x = __builtin_ia32_crc32di(x, load64(p));
        y = __builtin_ia32_crc32di(y, load64(p + 8));
    }
    uint32_t xs = (uint32_t)x;
    for (size_t k = 0; k < len % 16; k++) xs = __builtin_ia32_crc32qi(xs, p[k]);
    *a = xs;
    *b = (uint32_t)y;
}
#endif

uint64_t fp_gaz_sum_with(const void *data, size_t len, int hw)
{
    const uint8_t *p = data;
    uint32_t a = 0xFFFFFFFFu, b = 0x61C88647u;
#ifdef FP_CRC_HW
    if (hw && __builtin_cpu_supports("sse4.2")) crc_hw(p, len, &a, &b);
    else
#endif
    {
        uint32_t tab[256];
        crc_table_init(tab);
        size_t n16 = len / 16;
        for (size_t i = 0; i < n16; i++) {
            a = crc_bytes_sw(tab, a, p + 16 * i, 8);
            b = crc_bytes_sw(tab, b, p + 16 * i + 8, 8);
        }
        a = crc_bytes_sw(tab, a, p + n16 * 16, len % 16);
    }
    (void)hw;
    /* the length and both lanes, mixed so that every bit of them moves the whole signature */
    uint64_t h = ((uint64_t)~a << 32 | (uint64_t)~b) ^ (uint64_t)len * 0x9E3779B97F4A7C15ull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

uint64_t fp_gaz_sum(const void *data, size_t len) { return fp_gaz_sum_with(data, len, 1); }

/* The size and signature of a file, read through a temporary mapping. */
static int file_sig(const char *path, uint64_t *size, uint64_t *hash)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return FP_EIO;
    }
    *size = (uint64_t)st.st_size;
    if (!st.st_size) {
        close(fd);
        *hash = fp_gaz_sum("", 0);
        return FP_OK;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return FP_EIO;
    madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    *hash = fp_gaz_sum(m, (size_t)st.st_size);
    munmap(m, (size_t)st.st_size);
    return FP_OK;
}

/* Points the accessors at an image after checking its header and bounds. */
static int attach(fp_gazetteer *g, const uint8_t *img, size_t len, const char **why)
{
    const img_hdr *h = (const img_hdr *)img;
    *why = NULL;
    if (len < sizeof *h || memcmp(h->magic, IMG_MAGIC, 8)) *why = "not a gazetteer image";
    else if (h->byte_order != IMG_ORDER) *why = "made on a machine of another byte order";
    else if (h->version != FP_GAZ_IMAGE_VERSION) *why = "of another version";
    else if (h->size != len) *why = "truncated";
    if (*why) return FP_EVERSION;
    struct {
        uint64_t off, bytes;
    } sec[] = {{h->off_recoff, (uint64_t)h->nregions * 4},     {h->off_recs, h->len_recs},
               {h->off_bycode, (uint64_t)h->nbycode * 4},      {h->off_nodes, ((uint64_t)h->nnodes + 1) * sizeof(img_node)},
               {h->off_pool, (uint64_t)h->npool * 4},           {h->off_root, 65536 * 4},
               {h->off_edges, (uint64_t)h->nedges * 4},         {h->off_tree, (uint64_t)h->nregions * 8},
               {h->off_pairs, PAIR_BITS / 8},                   {h->off_triples, TRI_BITS / 8}};
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++)
        if (sec[i].off % 4 || sec[i].off < sizeof *h || sec[i].off > len || sec[i].bytes > len - sec[i].off) {
            *why = "a section out of bounds";
            return FP_EPROTO;
        }
    if (!h->nnodes || h->nbycode < h->nregions || (h->nbycode & (h->nbycode - 1)) || !h->nedges ||
        (h->nedges & (h->nedges - 1))) {
        *why = "inconsistent counts";
        return FP_EPROTO;
    }
    if (h->nnames > FP_GAZ_MAX_NAMES ||
        (h->nnames && (!h->ocap || (h->ocap & (h->ocap - 1)) || !h->onnodes || !h->onpool))) {
        *why = "inconsistent counts";
        return FP_EPROTO;
    }
    if (h->nnames) {
        struct {
            uint64_t off, bytes;
        } osec[] = {{h->off_oedges, (uint64_t)h->ocap * sizeof(edge)},
                    {h->off_onodes, (uint64_t)h->onnodes * 4},
                    {h->off_opool, (uint64_t)h->onpool * 4},
                    {h->off_oquick, sizeof(img_quick)}};
        for (size_t i = 0; i < sizeof osec / sizeof osec[0]; i++)
            if (osec[i].off % 4 || osec[i].off < sizeof *h || osec[i].off > len || osec[i].bytes > len - osec[i].off) {
                *why = "a section out of bounds";
                return FP_EPROTO;
            }
        g->oedges = (const edge *)(img + h->off_oedges);
        g->ocap = h->ocap;
        g->onodes = (const uint32_t *)(img + h->off_onodes);
        g->opool = (const int32_t *)(img + h->off_opool);
    }
    g->img = img;
    g->img_len = len;
    g->h = h;
    g->recoff = (const uint32_t *)(img + h->off_recoff);
    g->recs = (const char *)(img + h->off_recs);
    g->bycode = (const uint32_t *)(img + h->off_bycode);
    g->nodes = (const img_node *)(img + h->off_nodes);
    g->pool = (const int32_t *)(img + h->off_pool);
    g->root = (const uint32_t *)(img + h->off_root);
    g->edges = (const uint32_t *)(img + h->off_edges);
    g->tree = (const uint32_t *)(img + h->off_tree);
    g->q.pairs = h->single ? NULL : (const uint64_t *)(img + h->off_pairs);
    g->triples = (const uint64_t *)(img + h->off_triples);
    g->q.triples = h->single ? NULL : g->triples;
    return FP_OK;
}

/* ---- making an image from regions.tsv ---- */

typedef struct {
    char *code, *name;
    int parent, level;
} row;

typedef struct {
    row *r;
    size_t n;
    const char *key; /* for the code sort */
} rows;

/* Suffix-less forms: provinces and prefectures always; counties only for 旗
 * and 县, since district and city stems (新城, 东方) are everyday words.
 * Townships and villages are known by their full names only. */
static int add_short_form(mtrie *t, const row *r, int idx)
{
    static const char *suffixes[] = {"特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区",
                                     "省", "市", "盟", "县", "旗"};
    if (r->level < FP_LEVEL_PROVINCE || r->level > FP_LEVEL_COUNTY) return FP_OK;
    size_t n = strlen(r->name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || memcmp(r->name + n - sl, suffixes[i], sl) != 0) continue;
        if (r->level == FP_LEVEL_COUNTY && strcmp(suffixes[i], "旗") && strcmp(suffixes[i], "县")) return FP_OK;
        if (n - sl < 6) return FP_OK; /* a one-character stem matches everywhere */
        return mt_add(t, r->name, n - sl, idx);
    }
    return FP_OK;
}

static int parse_regions(const char *path, char *data, rows *out, fp_map *by_code)
{
    size_t cap = 0;
    int lineno = 0;
    for (char *line = data, *next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
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
        if (nf != 4 || !*f[0] || strlen(f[0]) >= 16 || !*f[3] || strchr(f[3], '\t')) {
            fp_error("%s:%d: expected code<TAB>parent<TAB>level<TAB>name", path, lineno);
            return FP_EINVAL;
        }
        int level = atoi(f[2]);
        if (level < FP_LEVEL_NATION || level > FP_LEVEL_VILLAGE) {
            fp_error("%s:%d: level %s is not 0 to 5", path, lineno, f[2]);
            return FP_EINVAL;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 1024;
            row *nr = realloc(out->r, cap * sizeof *nr);
            if (!nr) return FP_ENOMEM;
            out->r = nr;
        }
        row *r = &out->r[out->n];
        *r = (row){f[0], f[3], -1, level};
        if (*f[1]) {
            r->parent = (int)(intptr_t)fp_map_get(by_code, f[1]) - 1;
            if (r->parent < 0) {
                fp_error("%s:%d: parent %s of %s is not defined above it", path, lineno, f[1], f[0]);
                return FP_EINVAL;
            }
        }
        /* the first line of a code wins, as a lookup would find it */
        if (!fp_map_get(by_code, r->code) && fp_map_put(by_code, r->code, (void *)(intptr_t)(out->n + 1), NULL))
            return FP_ENOMEM;
        out->n++;
    }
    return FP_OK;
}

/* children are (character << 32 | node): sorted by character */
static int by_char_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Builds the image of a parsed regions file in one malloc'd buffer. */
static int build_image(const rows *rs, const fp_map *by_code, uint64_t src_size, uint64_t src_hash, uint8_t **out,
                       size_t *outlen)
{
    mtrie t;
    int rc = mt_init(&t);
    for (size_t i = 0; !rc && i < rs->n; i++) {
        rc = mt_add(&t, rs->r[i].name, strlen(rs->r[i].name), (int)i);
        if (!rc) rc = add_short_form(&t, &rs->r[i], (int)i);
    }
    /* children of each node: (ch << 32 | child) sorted within a node's run */
    size_t nn = t.nnodes;
    uint32_t *start = calloc(nn + 1, sizeof *start), *order = malloc(nn * sizeof *order),
             *newid = malloc(nn * sizeof *newid), *inch = calloc(nn, sizeof *inch);
    uint64_t *kids = malloc((t.nedges + 1) * sizeof *kids);
    size_t nbycode = 1024;
    while (nbycode < rs->n + rs->n / 2) nbycode *= 2; /* a load of at most 2/3 */
    uint32_t *bycode = calloc(nbycode, sizeof *bycode), *subtree = malloc((rs->n + 1) * sizeof *subtree);
    if (!rc && (!start || !order || !newid || !inch || !kids || !bycode || !subtree)) rc = FP_ENOMEM;
    uint8_t *img = NULL;
    size_t len = 0;
    if (!rc) {
        for (size_t i = 0; i < t.capedges; i++)
            if (t.edges[i].used) start[t.edges[i].key_node + 1]++;
        for (size_t i = 0; i < nn; i++) start[i + 1] += start[i];
        uint32_t *fill = malloc(nn * sizeof *fill);
        if (!fill) rc = FP_ENOMEM;
        else {
            memcpy(fill, start, nn * sizeof *fill);
            for (size_t i = 0; i < t.capedges; i++) {
                const edge *e = &t.edges[i];
                if (e->used) kids[fill[e->key_node]++] = (uint64_t)e->ch << 32 | e->child;
                if (e->used) inch[e->child] = e->ch;
            }
            free(fill);
            for (size_t i = 0; i < nn; i++)
                qsort(kids + start[i], start[i + 1] - start[i], sizeof *kids, by_char_cmp);
        }
    }
    if (!rc) {
        /* breadth-first numbering: the children of one node are one run */
        size_t head = 0, tail = 0;
        order[tail++] = 0;
        while (head < tail) {
            uint32_t o = order[head];
            newid[o] = (uint32_t)head++;
            for (uint32_t k = start[o]; k < start[o + 1]; k++) order[tail++] = (uint32_t)kids[k];
        }
        size_t npool = 1, nbig = 0, nedges = 1024;
        for (size_t i = 0; i < nn; i++) {
            if (t.nodes[i].ncand) npool += 1 + (size_t)t.nodes[i].ncand;
            if (start[i + 1] - start[i] >= EDGE_HASH_MIN) nbig += start[i + 1] - start[i];
        }
        while (nedges < 2 * nbig) nedges *= 2; /* a load of at most 1/2: most misses end at an empty slot */
        size_t lrecs = 0;
        for (size_t i = 0; i < rs->n; i++) lrecs += (sizeof(fp_region) + strlen(rs->r[i].name) + 1 + 3) & ~(size_t)3;
        for (size_t i = 0; i < rs->n; i++) {
            if ((size_t)(intptr_t)fp_map_get(by_code, rs->r[i].code) != i + 1) continue;
            size_t j = fp_gaz_hash(rs->r[i].code, strlen(rs->r[i].code)) & (nbycode - 1);
            while (bycode[j]) j = (j + 1) & (nbycode - 1);
            bycode[j] = (uint32_t)i + 1;
        }
        img_hdr h = {0};
        memcpy(h.magic, IMG_MAGIC, 8);
        h.version = FP_GAZ_IMAGE_VERSION;
        h.byte_order = IMG_ORDER;
        h.src_size = src_size;
        h.src_hash = src_hash;
        h.nregions = (uint32_t)rs->n;
        h.nbycode = (uint32_t)nbycode;
        h.nnodes = (uint32_t)nn;
        h.npool = (uint32_t)npool;
        h.nedges = (uint32_t)nedges;
        size_t off = align8(sizeof h);
        h.off_recoff = off, off = align8(off + rs->n * 4);
        h.off_recs = off, h.len_recs = lrecs, off = align8(off + lrecs);
        h.off_bycode = off, off = align8(off + nbycode * 4);
        h.off_nodes = off, off = align8(off + (nn + 1) * sizeof(img_node));
        h.off_pool = off, off = align8(off + npool * 4);
        h.off_root = off, off = align8(off + 65536 * 4);
        h.off_edges = off, off = align8(off + nedges * 4);
        h.off_tree = off, off = align8(off + rs->n * 8);
        h.off_pairs = off, off = align8(off + PAIR_BITS / 8);
        h.off_triples = off, off = align8(off + TRI_BITS / 8);
        h.size = len = off;
        if (!(img = calloc(1, len))) rc = FP_ENOMEM;
        if (!rc) {
            memcpy(img, &h, sizeof h);
            uint32_t *recoff = (uint32_t *)(img + h.off_recoff);
            size_t ro = 0;
            for (size_t i = 0; i < rs->n; i++) {
                fp_region *r = (fp_region *)(img + h.off_recs + ro);
                recoff[i] = (uint32_t)ro;
                snprintf(r->code, sizeof r->code, "%s", rs->r[i].code);
                r->parent = rs->r[i].parent;
                r->level = rs->r[i].level;
                size_t nl = strlen(rs->r[i].name);
                memcpy(r->name, rs->r[i].name, nl + 1);
                ro += (sizeof(fp_region) + nl + 1 + 3) & ~(size_t)3;
            }
            memcpy(img + h.off_bycode, bycode, nbycode * 4);
            img_node *nodes = (img_node *)(img + h.off_nodes);
            uint32_t *root = (uint32_t *)(img + h.off_root);
            int32_t *pool = (int32_t *)(img + h.off_pool);
            size_t next_child = 1, po = 1;
            for (size_t i = 0; i < nn; i++) {
                uint32_t o = order[i];
                nodes[i].first = (uint32_t)next_child;
                next_child += start[o + 1] - start[o];
                nodes[i].ch = inch[o];
                if (t.nodes[o].ncand) {
                    nodes[i].cands = (uint32_t)po;
                    pool[po++] = t.nodes[o].ncand;
                    for (int k = 0; k < t.nodes[o].ncand; k++) pool[po++] = t.nodes[o].cands[k];
                }
            }
            nodes[nn].first = (uint32_t)next_child;
            for (uint32_t k = start[0]; k < start[1]; k++) {
                int cp = cp3((uint32_t)(kids[k] >> 32));
                if (cp >= 0) root[cp] = newid[(uint32_t)kids[k]];
            }
            uint64_t *pairs = (uint64_t *)(img + h.off_pairs), *tri = (uint64_t *)(img + h.off_triples);
            for (uint32_t k = nodes[0].first; k < nodes[1].first; k++) {
                if (nodes[k].cands) ((img_hdr *)img)->single = 1;
                int cp0 = cp3(nodes[k].ch);
                for (uint32_t j = nodes[k].first; cp0 >= 0 && j < nodes[k + 1].first; j++) {
                    int cp1 = cp3(nodes[j].ch);
                    if (cp1 < 0) {
                        pairs[pair_bit(cp0, PAIR_OTHER) >> 6] |= 1ull << (pair_bit(cp0, PAIR_OTHER) & 63);
                        continue;
                    }
                    pairs[pair_bit(cp0, cp1) >> 6] |= 1ull << (pair_bit(cp0, cp1) & 63);
                    if (nodes[j].cands) tri[tri_bit(cp0, cp1, TRI_END) >> 6] |= 1ull << (tri_bit(cp0, cp1, TRI_END) & 63);
                    for (uint32_t m = nodes[j].first; m < nodes[j + 1].first; m++) {
                        int cp2 = cp3(nodes[m].ch);
                        uint32_t b = tri_bit(cp0, cp1, (uint32_t)cp2);
                        if (cp2 < 0) b = tri_bit(cp0, cp1, TRI_OTHER);
                        tri[b >> 6] |= 1ull << (b & 63);
                    }
                }
            }
            uint32_t *edges = (uint32_t *)(img + h.off_edges);
            for (size_t i = 0; i < nn; i++) {
                if (nodes[i + 1].first - nodes[i].first < EDGE_HASH_MIN) continue;
                for (uint32_t c = nodes[i].first; c < nodes[i + 1].first; c++) {
                    uint32_t j = edge_slot((uint32_t)i, nodes[c].ch) & (uint32_t)(nedges - 1);
                    while (edges[j]) j = (j + 1) & (uint32_t)(nedges - 1);
                    edges[j] = c;
                }
            }
            /* pre-order intervals: a parent precedes its children in the
             * file, so a pass up sums each subtree's size and a pass down
             * places each region after its parent and earlier siblings */
            uint32_t *tree = (uint32_t *)(img + h.off_tree), root_next = 0;
            for (size_t i = 0; i < rs->n; i++) subtree[i] = 1;
            for (size_t i = rs->n; i-- > 0;)
                if (rs->r[i].parent >= 0) subtree[rs->r[i].parent] += subtree[i];
            for (size_t i = 0; i < rs->n; i++) {
                int par = rs->r[i].parent;
                uint32_t pre = par < 0 ? root_next : subtree[par];
                if (par < 0) root_next += subtree[i];
                else subtree[par] += subtree[i];
                tree[2 * i] = pre;
                tree[2 * i + 1] = pre + subtree[i];
                subtree[i] = pre + 1; /* from here on: where its next child goes */
            }
        }
    }
    free(start);
    free(order);
    free(newid);
    free(inch);
    free(kids);
    free(bycode);
    free(subtree);
    mt_free(&t);
    if (rc) {
        free(img);
        return rc;
    }
    *out = img;
    *outlen = len;
    return FP_OK;
}

/* Parses regions.tsv and builds its image in memory. */
static int image_from_tsv(const char *path, uint8_t **img, size_t *len)
{
    char *data;
    size_t dl;
    const char *why;
    if (fp_file_read(path, &data, &dl, &why)) {
        fp_error("cannot read gazetteer %s: %s", path, why);
        return FP_EIO;
    }
    uint64_t hash = fp_gaz_sum(data, dl);
    rows rs = {0};
    fp_map by_code = {0};
    int rc = parse_regions(path, data, &rs, &by_code);
    if (!rc && !rs.n) {
        fp_error("%s: no regions", path);
        rc = FP_EINVAL;
    }
    if (!rc) rc = build_image(&rs, &by_code, dl, hash, img, len);
    fp_map_free(&by_code);
    free(rs.r);
    free(data);
    return rc;
}


/* Maps an image file and checks it is of this TSV: FP_OK, or an error
 * with *why set (NULL when there is no such file). */
static int map_image(fp_gazetteer *g, const char *path, uint64_t src_size, uint64_t src_hash, const char **why)
{
    *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return FP_ENOTFOUND;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(img_hdr)) {
        close(fd);
        *why = "not a gazetteer image";
        return FP_EPROTO;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        *why = strerror(errno);
        return FP_EIO;
    }
    /* lookups jump about the image: read no pages ahead of them */
    madvise(m, (size_t)st.st_size, MADV_RANDOM);
    madvise(m, (size_t)st.st_size, MADV_NOHUGEPAGE);
    int rc = attach(g, m, (size_t)st.st_size, why);
    if (!rc && (g->h->src_size != src_size || g->h->src_hash != src_hash)) {
        *why = "made from another regions.tsv";
        rc = FP_EVERSION;
    }
    if (rc) {
        munmap(m, (size_t)st.st_size);
        g->img = NULL;
        g->h = NULL;
        return rc;
    }
    g->mapped = 1;
    return FP_OK;
}

/* ---- lookups ---- */

size_t fp_gaz_count(const fp_gazetteer *g) { return g->h->nregions; }

const fp_region *fp_gaz_region(const fp_gazetteer *g, int idx)
{
    return (const fp_region *)(g->recs + g->recoff[idx]);
}

static int parent_of(const fp_gazetteer *g, int idx) { return fp_gaz_region(g, idx)->parent; }

int fp_gaz_find_code(const fp_gazetteer *g, const char *code)
{
    size_t mask = g->h->nbycode - 1;
    for (size_t j = fp_gaz_hash(code, strlen(code)) & mask;; j = (j + 1) & mask) {
        uint32_t v = g->bycode[j];
        if (!v) return -1;
        if (!strcmp(fp_gaz_region(g, (int)v - 1)->code, code)) return (int)v - 1;
    }
}

/* The child of image node `node` by character c, or 0. */
static uint32_t img_child(const fp_gazetteer *g, uint32_t node, uint32_t c)
{
    if (node == 0) {
        int cp = cp3(c);
        if (cp >= 0) return g->root[cp];
    }
    uint32_t lo = g->nodes[node].first, end = g->nodes[node + 1].first;
    if (end - lo >= EDGE_HASH_MIN) {
        /* a child found by (node, c) is the one when it is in node's run and leads by c */
        uint32_t mask = g->h->nedges - 1;
        for (uint32_t j = edge_slot(node, c) & mask, k; (k = g->edges[j]); j = (j + 1) & mask)
            if (k >= lo && k < end && g->nodes[k].ch == c) return k;
        return 0;
    }
    for (; lo < end; lo++)
        if (g->nodes[lo].ch >= c) return g->nodes[lo].ch == c ? lo : 0;
    return 0;
}

/* The image's regions for exactly name, or 0 of them. */
static int img_exact(const fp_gazetteer *g, const char *name, size_t len, const int **cands)
{
    uint32_t node = 0;
    for (size_t i = 0, l; i < len; i += l)
        if (!(node = img_child(g, node, char_at(name + i, len - i, &l)))) return 0;
    uint32_t po = g->nodes[node].cands;
    if (!po) return 0;
    *cands = g->pool + po + 1;
    return g->pool[po];
}

/* The regions of alias-trie node `node` (*n of them), from whichever trie holds the alias names. */
static const int *over_cands(const fp_gazetteer *g, uint32_t node, int *n)
{
    if (!g->over_img) {
        *n = g->over.nodes[node].ncand;
        return g->over.nodes[node].cands;
    }
    uint32_t po = g->onodes[node];
    *n = po ? g->opool[po] : 0;
    return po ? g->opool + po + 1 : NULL;
}

/* Takes the image's names part as the alias names: its filters into g->q. */
static void use_names_part(fp_gazetteer *g)
{
    const img_quick *iq = (const img_quick *)(g->img + g->h->off_oquick);
    memcpy(g->q.over_first, iq->over_first, sizeof g->q.over_first);
    memcpy(g->q.over_pairs, iq->over_pairs, sizeof g->q.over_pairs);
    g->q.over_short = iq->over_short;
    g->q.over_any_other = iq->over_any_other;
    g->over_img = 1;
}

/* Copies the image's names part into the mutable trie, so more names can
 * be added to it (fp_gaz_add_names after a load that mapped them). */
static int thaw_names(fp_gazetteer *g)
{
    mtrie t = {0};
    size_t nn = g->h->onnodes;
    t.edges = malloc(g->ocap * sizeof *t.edges);
    t.nodes = calloc(nn, sizeof *t.nodes);
    if (!t.edges || !t.nodes) {
        mt_free(&t);
        return FP_ENOMEM;
    }
    memcpy(t.edges, g->oedges, g->ocap * sizeof *t.edges);
    t.capedges = g->ocap;
    for (size_t i = 0; i < g->ocap; i++) t.nedges += t.edges[i].used != 0;
    t.nnodes = t.capnodes = nn;
    for (size_t i = 0; i < nn; i++) {
        int nc;
        const int *c = over_cands(g, (uint32_t)i, &nc);
        if (!nc) continue;
        if (!(t.nodes[i].cands = malloc((size_t)nc * sizeof *c))) {
            mt_free(&t);
            return FP_ENOMEM;
        }
        memcpy(t.nodes[i].cands, c, (size_t)nc * sizeof *c);
        t.nodes[i].ncand = nc;
    }
    mt_free(&g->over);
    g->over = t;
    g->over_img = 0;
    return FP_OK;
}

typedef struct {
    fp_gazetteer *g;
    const char *path;
} alias_ctx;

static int alias_line(char **f, int nf, int lineno, void *ud)
{
    alias_ctx *c = ud;
    fp_gazetteer *g = c->g;
    const char *line = f[0];
    int idx = nf >= 2 ? fp_gaz_find_code(g, f[1]) : -1; /* further columns document the line */
    if (idx < 0 || !*line) {
        fp_error("%s:%d: expected alias<TAB>code of a known region", c->path, lineno);
        return FP_EINVAL;
    }
    size_t nl = strlen(line);
    int64_t node = mt_walk_add(&g->over, line, nl);
    if (node < 0) return FP_ENOMEM;
    /* a name the image has too: the overlay holds both sets, the image's first */
    int rc = FP_OK;
    tnode *tn = &g->over.nodes[node];
    if (!tn->ncand) {
        const int *ic;
        int inc = img_exact(g, line, nl, &ic);
        for (int k = 0; k < inc && !rc; k++) rc = mt_add_cand(tn, ic[k]);
    }
    if (!rc) rc = mt_add_cand(&g->over.nodes[node], idx);
    size_t l, l1;
    int cp = cp3(char_at(line, nl, &l));
    if (cp >= 0) g->q.over_first[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    else g->q.over_any_other = 1;
    int cp1 = l < nl ? cp3(char_at(line + l, nl - l, &l1)) : -1;
    if (cp >= 0 && cp1 >= 0) {
        uint32_t b = FP_GAZ_OVER_PAIR(cp, cp1);
        g->q.over_pairs[b >> 3] |= (uint8_t)(1u << (b & 7));
    } else if (cp >= 0) {
        g->q.over_short = 1; /* one character, or a second the pair filter cannot hold */
    }
    return rc;
}

static int load_aliases(fp_gazetteer *g, const char *path)
{
    alias_ctx c = {g, path};
    return fp_tsv_each(path, alias_line, &c);
}

/* Appends to the region image *img (*len bytes, realloc'd) its names part:
 * the alias trie of the name files, built as fp_gaz_add_names builds it
 * over those regions, and the files' sizes and signatures. */
static int add_names_part(uint8_t **img, size_t *len, const char *const *names, size_t nnames)
{
    fp_gazetteer *g = calloc(1, sizeof *g);
    if (!g) return FP_ENOMEM;
    const char *why;
    img_hdr h;
    memcpy(&h, *img, sizeof h);
    int rc = mt_init(&g->over);
    if (!rc && attach(g, *img, *len, &why)) {
        fp_error("gazetteer image: %s", why);
        rc = FP_EPROTO;
    }
    for (size_t i = 0; i < nnames && !rc; i++) {
        if (file_sig(names[i], &h.names[i].size, &h.names[i].sum)) {
            fp_error("cannot read names %s: %s", names[i], strerror(errno));
            rc = FP_EIO;
        } else {
            rc = load_aliases(g, names[i]);
        }
    }
    g->img = NULL; /* *img stays the caller's */
    const mtrie *t = &g->over;
    size_t npool = 1;
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i].ncand) npool += 1 + (size_t)t->nodes[i].ncand;
    size_t off = align8(*len);
    h.nnames = (uint32_t)nnames;
    h.ocap = (uint32_t)t->capedges;
    h.onnodes = (uint32_t)t->nnodes;
    h.onpool = (uint32_t)npool;
    h.off_oedges = off, off = align8(off + t->capedges * sizeof(edge));
    h.off_onodes = off, off = align8(off + t->nnodes * 4);
    h.off_opool = off, off = align8(off + npool * 4);
    h.off_oquick = off, off = align8(off + sizeof(img_quick));
    h.size = off;
    uint8_t *n = rc ? NULL : realloc(*img, off);
    if (!rc && !n) rc = FP_ENOMEM;
    if (!rc) {
        *img = n;
        memset(n + *len, 0, off - *len);
        memcpy(n, &h, sizeof h);
        memcpy(n + h.off_oedges, t->edges, t->capedges * sizeof(edge));
        uint32_t *onodes = (uint32_t *)(n + h.off_onodes);
        int32_t *pool = (int32_t *)(n + h.off_opool);
        size_t po = 1;
        for (size_t i = 0; i < t->nnodes; i++) {
            if (!t->nodes[i].ncand) continue;
            onodes[i] = (uint32_t)po;
            pool[po++] = t->nodes[i].ncand;
            for (int k = 0; k < t->nodes[i].ncand; k++) pool[po++] = t->nodes[i].cands[k];
        }
        img_quick *iq = (img_quick *)(n + h.off_oquick);
        memcpy(iq->over_first, g->q.over_first, sizeof iq->over_first);
        memcpy(iq->over_pairs, g->q.over_pairs, sizeof iq->over_pairs);
        iq->over_short = g->q.over_short;
        iq->over_any_other = g->q.over_any_other;
        *len = off;
    }
    fp_gaz_free(g);
    return rc;
}

int fp_gaz_write_image(const char *regions_tsv, const char *const *names, size_t nnames, const char *image_path)
{
    if (nnames > FP_GAZ_MAX_NAMES) {
        fp_error("gazetteer image: %zu name files, at most %d", nnames, FP_GAZ_MAX_NAMES);
        return FP_EINVAL;
    }
    uint8_t *img;
    size_t len;
    int rc = image_from_tsv(regions_tsv, &img, &len);
    if (rc) return rc;
    if (nnames) rc = add_names_part(&img, &len, names, nnames);
    if (!rc) rc = fp_file_replace(image_path, img, len);
    free(img);
    return rc;
}

int fp_gaz_load(fp_gazetteer **out, const char *regions_tsv, const char *aliases_tsv)
{
    return fp_gaz_load_names(out, regions_tsv, aliases_tsv ? &aliases_tsv : NULL, aliases_tsv ? 1 : 0);
}

/* The image file that belongs to regions_tsv: regions.img beside it, else
 * the one the build made (FUPIN_GAZ_IMAGE_BUILD). Its names part is taken
 * when it was made of exactly these name files; else they are parsed, with
 * a warning when it was made of as many files, one of them changed since
 * (a load of other files, as the daemons' of aliases.tsv alone, is not the
 * image's business). */
int fp_gaz_load_names(fp_gazetteer **out, const char *regions_tsv, const char *const *names, size_t nnames)
{
    fp_gazetteer *g = calloc(1, sizeof *g);
    if (!g) return FP_ENOMEM;
    int rc = mt_init(&g->over);
    uint64_t size = 0, hash = 0;
    if (!rc && file_sig(regions_tsv, &size, &hash)) {
        fp_error("cannot read gazetteer %s: %s", regions_tsv, strerror(errno));
        rc = FP_EIO;
    }
    char beside[4096];
    size_t n = strlen(regions_tsv);
    if (n >= 4 && !strcmp(regions_tsv + n - 4, ".tsv") && n < sizeof beside)
        snprintf(beside, sizeof beside, "%.*s.img", (int)(n - 4), regions_tsv);
    else
        snprintf(beside, sizeof beside, "%s.img", regions_tsv);
    const char *paths[] = {beside,
#ifdef FUPIN_GAZ_IMAGE_BUILD
                           FUPIN_GAZ_IMAGE_BUILD
#else
                           NULL
#endif
    };
    const char *stale = NULL, *stale_why = NULL;
    for (size_t i = 0; i < 2 && !rc && !g->img; i++) {
        const char *why;
        if (paths[i] && map_image(g, paths[i], size, hash, &why) && why && !stale) stale = paths[i], stale_why = why;
        if (g->img) g->img_path = paths[i];
    }
    if (!rc && !g->img) {
        /* no image of this TSV: parse it (seconds for all of China) */
        if (stale) fp_warn("gazetteer image %s is %s: parsing %s (rebuild to make it anew)", stale, stale_why, regions_tsv);
        else fp_info("no gazetteer image for %s: parsing it", regions_tsv);
        uint8_t *img;
        size_t len;
        const char *why;
        rc = image_from_tsv(regions_tsv, &img, &len);
        if (!rc && (rc = attach(g, img, len, &why))) free(img);
    }
    /* the names part fits when made of these files, in this order; one
     * that cannot be read fails to fit, and its parse below says why */
    const char *changed = NULL;
    if (!rc && nnames && g->h->nnames == nnames) {
        for (size_t i = 0; i < nnames && !changed; i++) {
            uint64_t ns, nh;
            if (file_sig(names[i], &ns, &nh) || ns != g->h->names[i].size || nh != g->h->names[i].sum)
                changed = names[i];
        }
        if (!changed) use_names_part(g);
        else if (g->mapped)
            fp_warn("gazetteer image %s was made from another %s: parsing the name files (rebuild to make it anew)",
                    g->img_path, changed);
    }
    for (size_t i = 0; i < nnames && !rc && !g->over_img; i++) rc = load_aliases(g, names[i]);
    if (!rc) rc = over_tri_build(g);
    if (rc) {
        fp_gaz_free(g);
        return rc;
    }
    *out = g;
    return FP_OK;
}

int fp_gaz_add_names(fp_gazetteer *g, const char *path)
{
    int rc = g->over_img ? thaw_names(g) : FP_OK;
    if (!rc) rc = load_aliases(g, path);
    /* the names added so far are in the trie: the filter is made anew, or none is asked */
    int trc = over_tri_build(g);
    return rc ? rc : trc;
}

int fp_gaz_mapped(const fp_gazetteer *g) { return g->mapped; }

void fp_gaz_free(fp_gazetteer *g)
{
    if (!g) return;
    free((void *)g->q.over_tri);
    free((void *)g->q.raw_pairs);
    if (g->img && g->mapped) munmap((void *)g->img, g->img_len);
    else free((void *)g->img);
    mt_free(&g->over);
    free(g);
}

int fp_gaz_path(const fp_gazetteer *g, int idx, fp_buf *b)
{
    int chain[8], n = 0;
    for (int i = idx; i >= 0 && n < 8; i = parent_of(g, i)) chain[n++] = i;
    int rc = FP_OK;
    while (n-- > 0 && !rc) {
        rc = fp_buf_puts(b, fp_gaz_region(g, chain[n])->name);
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
    if (idx < 0 || anc < 0) return 0;
    uint32_t p = g->tree[2 * (size_t)idx];
    return g->tree[2 * (size_t)anc] <= p && p < g->tree[2 * (size_t)anc + 1];
}

int fp_gaz_ancestor_at(const fp_gazetteer *g, int idx, int level)
{
    for (int i = idx; i >= 0; i = parent_of(g, i)) {
        if (fp_gaz_region(g, i)->level == level) return i;
    }
    return -1;
}

/* The bit of three code points in over_tri (cp2 TRI_END or TRI_OTHER too). */
static uint32_t over_tri_bit(int cp0, int cp1, uint32_t cp2)
{
    return fp_gaz_tri_bit((uint32_t)cp0, (uint32_t)cp1, cp2) >> (TRI_LOG - FP_GAZ_OVER_TRI_LOG);
}

/* 0 when no alias name starts with the three-byte characters cp0 cp1 and
 * then text[q..len) (q is past them): over_tri has neither their first
 * three characters nor the two alone. */
static int over_tri_may(const fp_gazetteer *g, const char *text, size_t len, size_t q, int cp0, int cp1)
{
    const uint64_t *tri = g->q.over_tri;
    uint32_t b = over_tri_bit(cp0, cp1, TRI_END);
    if (tri[b >> 6] >> (b & 63) & 1) return 1;
    if (q >= len) return 0;
    size_t l;
    int cp2 = cp3(char_at(text + q, len - q, &l));
    b = over_tri_bit(cp0, cp1, cp2 >= 0 ? (uint32_t)cp2 : TRI_OTHER);
    return tri[b >> 6] >> (b & 63) & 1;
}

/* Makes q.over_tri from the alias trie now in use (fp_gaz_quick says
 * what it holds): each node two or three characters down is walked up to
 * the root through a table of parents made from the edges. Names whose
 * first two characters are not both of three bytes need no bit: over_tri
 * is asked only of two such characters. FP_OK or FP_ENOMEM (no filter then). */
/* The six bytes of two packed characters of three bytes, the first byte lowest (fp_gaz_raw_bit). */
static uint64_t raw_six(uint32_t c0, uint32_t c1)
{
    return (uint64_t)(c0 >> 16 & 0xFF) | (uint64_t)(c0 >> 8 & 0xFF) << 8 | (uint64_t)(c0 & 0xFF) << 16 |
           (uint64_t)(c1 >> 16 & 0xFF) << 24 | (uint64_t)(c1 >> 8 & 0xFF) << 32 | (uint64_t)(c1 & 0xFF) << 40;
}

static void raw_set(uint64_t *raw, uint32_t c0, uint32_t c1)
{
    if (cp3(c0) < 0 || cp3(c1) < 0) return; /* asked only of two characters of three bytes */
    uint32_t b = fp_gaz_raw_bit(raw_six(c0, c1));
    raw[b >> 6] |= 1ull << (b & 63);
}

static int over_tri_build(fp_gazetteer *g)
{
    free((void *)g->q.over_tri);
    g->q.over_tri = NULL;
    free((void *)g->q.raw_pairs);
    g->q.raw_pairs = NULL;
    /* raw_pairs: the image's names from its trie's first two levels, the aliases' below; none
     * when a name of one character would go unseen (the image's `single`, over_short) */
    uint64_t *raw = NULL;
    if (g->q.pairs && !g->q.over_short) {
        if (!(raw = calloc((size_t)1 << (FP_GAZ_RAW_LOG - 6), sizeof *raw))) return FP_ENOMEM;
        for (uint32_t k = g->nodes[0].first; k < g->nodes[1].first; k++)
            for (uint32_t j = g->nodes[k].first; j < g->nodes[k + 1].first; j++) raw_set(raw, g->nodes[k].ch, g->nodes[j].ch);
    }
    const edge *oe = g->over_img ? g->oedges : g->over.edges;
    size_t ocap = g->over_img ? g->ocap : g->over.capedges;
    size_t nn = g->over_img ? g->h->onnodes : g->over.nnodes;
    if (!nn) {
        g->q.raw_pairs = raw;
        return FP_OK;
    }
    uint32_t *par = malloc(nn * sizeof *par), *ch = malloc(nn * sizeof *ch);
    uint64_t *tri = calloc((size_t)1 << (FP_GAZ_OVER_TRI_LOG - 6), sizeof *tri);
    if (!par || !ch || !tri) {
        free(par), free(ch), free(tri), free(raw);
        return FP_ENOMEM;
    }
    for (size_t i = 0; i < nn; i++) par[i] = UINT32_MAX; /* unreached, or the root */
    for (size_t i = 0; i < ocap; i++)
        if (oe[i].used && oe[i].child < nn) par[oe[i].child] = oe[i].key_node, ch[oe[i].child] = oe[i].ch;
    for (size_t n = 1; n < nn; n++) {
        uint32_t p = par[n];
        if (p == UINT32_MAX || p == 0 || p >= nn) continue; /* one character down, or unreached */
        uint32_t pp = par[p];
        int nc;
        if (pp == 0) { /* two characters down: a name of two when it has regions */
            if (raw) raw_set(raw, ch[p], ch[n]);
            over_cands(g, (uint32_t)n, &nc);
            int cp0 = cp3(ch[p]), cp1 = cp3(ch[n]);
            if (nc && cp0 >= 0 && cp1 >= 0) {
                uint32_t b = over_tri_bit(cp0, cp1, TRI_END);
                tri[b >> 6] |= 1ull << (b & 63);
            }
        } else if (pp != UINT32_MAX && pp < nn && par[pp] == 0) { /* three down: the first three of a name */
            int cp0 = cp3(ch[pp]), cp1 = cp3(ch[p]), cp2 = cp3(ch[n]);
            if (cp0 >= 0 && cp1 >= 0) {
                uint32_t b = over_tri_bit(cp0, cp1, cp2 >= 0 ? (uint32_t)cp2 : TRI_OTHER);
                tri[b >> 6] |= 1ull << (b & 63);
            }
        }
    }
    free(par), free(ch);
    g->q.over_tri = tri;
    g->q.raw_pairs = raw;
    return FP_OK;
}

/* fp_gaz_match_full past its filters: the image trie from the root's child by c0 (l bytes, code
 * point cp or -1) when image is 1, then the alias trie unless over_first or over_pairs (cp1 the
 * next character's code point, or -1) turn pos away. *cands and *ncand are already cleared. */
static size_t match_walk(const fp_gazetteer *g, const char *text, size_t len, size_t pos, uint32_t c0, size_t l,
                         int cp, int cp1, int image, const int **cands, int *ncand)
{
    size_t best = 0;
    uint32_t node = image ? img_child(g, 0, c0) : 0;
    for (size_t i = pos + l; node;) {
        uint32_t po = g->nodes[node].cands;
        if (po) {
            best = i - pos;
            *cands = g->pool + po + 1;
            *ncand = g->pool[po];
        }
        if (i >= len) break;
        node = img_child(g, node, char_at(text + i, len - i, &l));
        i += l;
    }
    if (cp >= 0 ? !(g->q.over_first[cp >> 3] >> (cp & 7) & 1) : !g->q.over_any_other) return best;
    if (cp >= 0 && cp1 >= 0 && !g->q.over_short) {
        uint32_t b = FP_GAZ_OVER_PAIR(cp, cp1);
        if (!(g->q.over_pairs[b >> 3] >> (b & 7) & 1)) return best;
        if (g->q.over_tri && !over_tri_may(g, text, len, pos + 6, cp, cp1)) return best;
    }
    uint32_t on = 0;
    const edge *oe = g->over_img ? g->oedges : g->over.edges;
    size_t ocap = g->over_img ? g->ocap : g->over.capedges;
    for (size_t i = pos; i < len; i += l) {
        int64_t c = edge_find(oe, ocap, on, char_at(text + i, len - i, &l));
        if (c < 0) break;
        on = (uint32_t)c;
        int nc;
        const int *oc = over_cands(g, on, &nc);
        if (nc && i + l - pos >= best) {
            best = i + l - pos;
            *cands = oc;
            *ncand = nc;
        }
    }
    return best;
}

size_t fp_gaz_match_past(const fp_gazetteer *g, const char *text, size_t len, size_t pos, int cp0, int cp1,
                         int image, const int **cands, int *ncand)
{
    const uint8_t *u = (const uint8_t *)text + pos;
    *cands = NULL;
    *ncand = 0;
    return match_walk(g, text, len, pos, (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2], 3, cp0, cp1, image, cands,
                      ncand);
}

size_t fp_gaz_match_full(const fp_gazetteer *g, const char *text, size_t len, size_t pos, const int **cands,
                         int *ncand)
{
    size_t l;
    *cands = NULL;
    *ncand = 0;
    if (pos >= len) return 0;
    uint32_t c0 = char_at(text + pos, len - pos, &l);
    int cp = cp3(c0), cp1 = -1;
    int image = 1;
    if (g->q.pairs && cp >= 0 && pos + l >= len) image = 0; /* no name is one character */
    if (cp >= 0 && pos + l < len) {
        size_t l1, l2;
        cp1 = cp3(char_at(text + pos + l, len - pos - l, &l1));
        uint32_t b = pair_bit(cp, cp1 >= 0 ? cp1 : PAIR_OTHER);
        if (g->q.pairs && !(g->q.pairs[b >> 6] >> (b & 63) & 1)) image = 0; /* no name starts so */
        else if (g->q.pairs && cp1 >= 0) {
            /* no name of three characters or more starts so, and none of two is these */
            int cp2 = pos + l + l1 < len ? cp3(char_at(text + pos + l + l1, len - pos - l - l1, &l2)) : -2;
            int longer = cp2 >= 0 ? tri_has(g->triples, cp, cp1, (uint32_t)cp2)
                                  : cp2 == -1 && tri_has(g->triples, cp, cp1, TRI_OTHER);
            if (!longer && !tri_has(g->triples, cp, cp1, TRI_END)) image = 0;
        }
    }
    return match_walk(g, text, len, pos, c0, l, cp, cp1, image, cands, ncand);
}
