#include "fp_html.h"
#include "fp_buf.h"
#include "fp_err.h"
#include "fp_log.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- sniffing ---------- */

static int prefix_ci(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && !strncasecmp(s, p, k);
}

/* 1 when "<html" stands somewhere in s[0..n) (case ignored). */
static int has_html_tag(const char *s, size_t n)
{
    for (size_t i = 0; i + 5 <= n; i++)
        if (s[i] == '<' && !strncasecmp(s + i, "<html", 5)) return 1;
    return 0;
}

int fp_html_sniff(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < n && isspace((unsigned char)s[i])) i++;
    s += i, n -= i;
    /* The tags a page may start with (WHATWG MIME sniffing, "text/html"),
     * each followed by a space or '>' so that <pre or <body-text are not taken. */
    static const char *const tags[] = {"<!doctype html", "<html", "<head", "<meta", "<body", "<title", "<script",
                                       "<style", "<div", "<table", "<h1", "<p", "<font", "<iframe", "<br", "<link"};
    for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
        size_t k = strlen(tags[t]);
        if (prefix_ci(s, n, tags[t]) && n > k && (s[k] == ' ' || s[k] == '>' || s[k] == '\n' || s[k] == '\t' ||
                                                   s[k] == '\r' || s[k] == '/'))
            return 1;
    }
    /* A saved page may open with a comment (<!-- saved from url=... -->) or an XML declaration (XHTML). */
    if (prefix_ci(s, n, "<!--") || prefix_ci(s, n, "<?xml")) return has_html_tag(s, n < 4096 ? n : 4096);
    return 0;
}

int fp_html_meta_charset(const char *raw, size_t n, char *cs, size_t cap)
{
    if (n > 4096) n = 4096;
    for (size_t i = 0; i + 5 < n; i++) {
        if (raw[i] != '<' || strncasecmp(raw + i, "<meta", 5)) continue;
        const char *end = memchr(raw + i, '>', n - i);
        size_t tl = end ? (size_t)(end - (raw + i)) : n - i;
        for (size_t j = i; j + 7 <= i + tl; j++) {
            if (strncasecmp(raw + j, "charset", 7)) continue;
            size_t k = j + 7;
            while (k < i + tl && (raw[k] == ' ' || raw[k] == '=' || raw[k] == '"' || raw[k] == '\'')) k++;
            size_t m = 0;
            while (k < i + tl && m + 1 < cap && (isalnum((unsigned char)raw[k]) || raw[k] == '-' || raw[k] == '_'))
                cs[m++] = (char)tolower((unsigned char)raw[k++]);
            cs[m] = '\0';
            if (m) return 1;
        }
    }
    return 0;
}

/* ---------- the tree ---------- */

typedef struct {
    const fp_format_words *w;
    double *score; /* by candidate index (node->_private - 1) */
    xmlNode **cand;
    size_t ncand, capcand;
    int oom;
} ctx;

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static int in_set(const xmlNode *n, const char *const *set)
{
    if (!n || n->type != XML_ELEMENT_NODE) return 0;
    for (; *set; set++)
        if (!strcmp((const char *)n->name, *set)) return 1;
    return 0;
}

/* Never article text, wherever they stand. */
static const char *const dropped_tags[] = {"script", "style", "noscript", "iframe", "frame", "frameset", "button",
                                           "input", "select", "textarea", "option", "svg", "math", "nav", "aside",
                                           "footer", "menu", "template", "object", "embed", "canvas", "audio",
                                           "video", "map", "dialog", "link", "meta", "img", "picture", NULL};
/* Elements that end a line of text; the rest are inline. */
static const char *const block_tags[] = {"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4",
                                         "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead",
                                         "tr", "td", "th", "pre", "blockquote", "center", "form", "fieldset",
                                         "address", "figure", "figcaption", "hr", "body", "html", "caption", NULL};

/* The attribute's value, lower-cased, appended to b (with a space). */
static void attr_into(const xmlNode *n, const char *name, char *b, size_t cap)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) return;
    size_t l = strlen(b);
    for (const xmlChar *p = v; *p && l + 2 < cap; p++) b[l++] = (char)tolower(*p);
    b[l++] = ' ';
    b[l] = '\0';
    xmlFree(v);
}

/* Whether class/id call the element furniture (-1), article (1) or neither (0). */
static int class_weight(const ctx *c, const xmlNode *n)
{
    char b[512] = "";
    attr_into(n, "class", b, sizeof b);
    attr_into(n, "id", b, sizeof b);
    size_t l = strlen(b);
    if (!l) return 0;
    if (fp_wordlist_within(&c->w->content, b, l)) return 1;
    return fp_wordlist_within(&c->w->boilerplate, b, l) ? -1 : 0;
}

static int hidden(const xmlNode *n)
{
    if (xmlHasProp(n, (const xmlChar *)"hidden")) return 1;
    char b[256] = "";
    attr_into(n, "aria-hidden", b, sizeof b);
    if (!strncmp(b, "true", 4)) return 1;
    b[0] = '\0';
    attr_into(n, "role", b, sizeof b);
    /* ARIA landmarks of page furniture */
    if (strstr(b, "navigation") || strstr(b, "banner") || strstr(b, "contentinfo") || strstr(b, "complementary"))
        return 1;
    b[0] = '\0';
    attr_into(n, "style", b, sizeof b);
    size_t k = 0;
    for (size_t i = 0; b[i]; i++)
        if (b[i] != ' ') b[k++] = b[i];
    b[k] = '\0';
    return strstr(b, "display:none") || strstr(b, "visibility:hidden");
}

static void drop(xmlNode *n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

/* Removes what is never article text below n. in_article: n is inside an
 * <article> or an element whose class/id names the article, where a
 * <header> holds the title and date rather than the site's banner. */
static void prune(const ctx *c, xmlNode *n, int in_article)
{
    for (xmlNode *k = n->children, *next; k; k = next) {
        next = k->next;
        if (k->type == XML_COMMENT_NODE || k->type == XML_PI_NODE) {
            drop(k);
            continue;
        }
        if (k->type != XML_ELEMENT_NODE) continue;
        int cw = class_weight(c, k);
        if (in_set(k, dropped_tags) || hidden(k) || cw < 0 || (is(k, "header") && !in_article && cw <= 0)) {
            drop(k);
            continue;
        }
        prune(c, k, in_article || is(k, "article") || cw > 0);
    }
}

/* ---------- measuring ---------- */

typedef struct {
    size_t chars, links, punct;
} measure;

static size_t utf8_chars(const unsigned char *s, size_t *punct)
{
    size_t n = 0;
    for (; *s; s++) {
        if (isspace(*s)) continue;
        if ((*s & 0xC0) != 0x80) n++;
        /* ， 。 ； 、 and the ASCII comma: clauses, which articles have and menus lack */
        if (*s == ',' || (s[0] == 0xEF && s[1] == 0xBC && (s[2] == 0x8C || s[2] == 0x9B)) ||
            (s[0] == 0xE3 && s[1] == 0x80 && (s[2] == 0x82 || s[2] == 0x81)))
            (*punct)++;
    }
    return n;
}

/* Text under n; own: stop at nested block elements (the text n itself holds). */
static void measure_node(const xmlNode *n, measure *m, int in_link, int own)
{
    for (const xmlNode *k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
            size_t c = utf8_chars(k->content ? k->content : (const xmlChar *)"", &m->punct);
            m->chars += c;
            if (in_link) m->links += c;
        } else if (k->type == XML_ELEMENT_NODE) {
            if (own && in_set(k, block_tags)) continue;
            measure_node(k, m, in_link || is(k, "a"), own);
        }
    }
}

static double link_density(const xmlNode *n)
{
    measure m = {0};
    measure_node(n, &m, is(n, "a"), 0);
    return m.chars ? (double)m.links / (double)m.chars : 0;
}

/* ---------- scoring ---------- */

static size_t cand_of(ctx *c, xmlNode *n)
{
    if (n->_private) return (size_t)(uintptr_t)n->_private - 1;
    if (c->ncand == c->capcand) {
        size_t cap = c->capcand ? c->capcand * 2 : 64;
        xmlNode **nc = realloc(c->cand, cap * sizeof *nc);
        if (!nc) return c->oom = 1, SIZE_MAX;
        c->cand = nc;
        double *ns = realloc(c->score, cap * sizeof *ns);
        if (!ns) return c->oom = 1, SIZE_MAX;
        c->score = ns;
        c->capcand = cap;
    }
    /* readability's starting scores: containers of prose up, lists and headings down */
    static const char *const up5[] = {"div", "article", "section", "main", NULL};
    static const char *const up3[] = {"pre", "td", "blockquote", NULL};
    static const char *const down3[] = {"address", "ol", "ul", "dl", "dd", "dt", "li", "form", NULL};
    static const char *const down5[] = {"h1", "h2", "h3", "h4", "h5", "h6", "th", NULL};
    double s = in_set(n, up5) ? 5 : in_set(n, up3) ? 3 : in_set(n, down3) ? -3 : in_set(n, down5) ? -5 : 0;
    s += 25 * class_weight(c, n);
    c->cand[c->ncand] = n;
    c->score[c->ncand] = s;
    n->_private = (void *)(uintptr_t)(c->ncand + 1);
    return c->ncand++;
}

/* Every element holding 10 or more characters of its own text is a block of
 * text; its score (1 + clauses + length/50, at most 3 for length) goes to
 * its parent whole, half to the grandparent, a sixth to the one above. */
static void score_blocks(ctx *c, xmlNode *n)
{
    for (xmlNode *k = n->children; k && !c->oom; k = k->next) {
        if (k->type != XML_ELEMENT_NODE) continue;
        score_blocks(c, k);
        if (!in_set(k, block_tags) || is(k, "body") || is(k, "html")) continue;
        measure m = {0};
        measure_node(k, &m, 0, 1);
        if (m.chars < 10) continue;
        double s = 1 + (double)m.punct + (m.chars / 50.0 < 3 ? m.chars / 50.0 : 3);
        const double share[] = {1, 0.5, 1.0 / 6};
        xmlNode *a = k->parent;
        for (int lvl = 0; lvl < 3 && a && a->type == XML_ELEMENT_NODE && !is(a, "html"); lvl++, a = a->parent) {
            size_t i = cand_of(c, a);
            if (i == SIZE_MAX) return;
            c->score[i] += s * share[lvl];
        }
    }
}

/* ---------- writing text ---------- */

typedef struct {
    fp_buf *b;
    size_t line_start; /* where the current paragraph began in b */
    int space;         /* white space is pending */
} writer;

static void para_break(writer *wr)
{
    while (wr->b->len > wr->line_start && wr->b->p[wr->b->len - 1] == ' ') wr->b->p[--wr->b->len] = '\0';
    if (wr->b->len > wr->line_start) {
        fp_buf_append(wr->b, "\n", 1);
        wr->line_start = wr->b->len;
    }
    wr->space = 0;
}

/* Appends text, white space collapsed. White space that breaks a source
 * line is nothing between Chinese characters (the line was wrapped, not
 * spaced) and a space between ASCII ones; a space written in a line stays
 * one space. Indents (full-width spaces, nbsp) at a paragraph's start go. */
static void put_text(writer *wr, const unsigned char *s)
{
    for (; *s;) {
        size_t k = 1;
        int ws = isspace(*s) ? (*s == '\n' || *s == '\r' ? 2 : 1) : 0;
        if (s[0] == 0xC2 && s[1] == 0xA0) k = 2, ws = 1;
        else if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) k = 3, ws = 1;
        if (ws) {
            if (ws > wr->space) wr->space = ws;
            s += k;
            continue;
        }
        if (wr->space && wr->b->len > wr->line_start &&
            (wr->space == 1 || (*s < 0x80 && (unsigned char)wr->b->p[wr->b->len - 1] < 0x80)))
            fp_buf_append(wr->b, " ", 1);
        wr->space = 0;
        size_t l = 1;
        while (s[l] && (s[l] & 0xC0) == 0x80) l++;
        fp_buf_append(wr->b, s, l);
        s += l;
    }
}

static void write_node(writer *wr, const xmlNode *n);

static void write_children(writer *wr, const xmlNode *n)
{
    for (const xmlNode *k = n->children; k; k = k->next) write_node(wr, k);
}

static void write_node(writer *wr, const xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) put_text(wr, n->content);
        return;
    }
    if (n->type != XML_ELEMENT_NODE) return;
    if (is(n, "br")) {
        para_break(wr);
        return;
    }
    int block = in_set(n, block_tags);
    if (block) {
        /* a list or table of links inside the article (related reading) is no part of it */
        static const char *const lists[] = {"ul", "ol", "dl", "table", "div", "section", "p", "li", NULL};
        if (in_set(n, lists) && link_density(n) > 0.5) return;
        para_break(wr);
    }
    write_children(wr, n);
    if (block) para_break(wr);
}

static void write_text_of(fp_buf *b, const xmlNode *n)
{
    writer wr = {b, b->len, 0};
    write_node(&wr, n);
    para_break(&wr);
}

/* ---------- dates and title ---------- */

static xmlNode *next_in_order(xmlNode *n, const xmlNode *stop)
{
    if (n->children) return n->children;
    while (n && n != stop) {
        if (n->next) return n->next;
        n = n->parent;
    }
    return NULL;
}

static xmlNode *find(xmlNode *root, const char *name)
{
    for (xmlNode *n = root; n; n = next_in_order(n, root))
        if (is(n, name)) return n;
    return NULL;
}

static int attr_year(const xmlNode *n, const char *attr)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
    int y = v ? fp_date_year((const char *)v, strlen((const char *)v), 0) : 0;
    xmlFree(v);
    return y;
}

/* The year of the most trusted date meta tag, of a <time pubdate> or of a
 * JSON-LD datePublished; 0 when none. */
static int meta_year(const ctx *c, xmlNode *root)
{
    int best = 0;
    size_t rank = SIZE_MAX;
    for (xmlNode *n = root; n; n = next_in_order(n, root)) {
        if (is(n, "meta") || is(n, "time")) {
            static const char *const keys[] = {"name", "property", "itemprop", "http-equiv", NULL};
            for (const char *const *k = keys; *k; k++) {
                xmlChar *v = xmlGetProp(n, (const xmlChar *)*k);
                if (!v) continue;
                for (size_t i = 0; i < c->w->date_meta.n && i < rank; i++) {
                    if (strcasecmp((const char *)v, c->w->date_meta.v[i])) continue;
                    int y = attr_year(n, is(n, "meta") ? "content" : "datetime");
                    if (y) best = y, rank = i;
                }
                xmlFree(v);
            }
            if (is(n, "time") && xmlHasProp(n, (const xmlChar *)"pubdate") && rank == SIZE_MAX) {
                int y = attr_year(n, "datetime");
                if (y) best = y, rank = SIZE_MAX - 1;
            }
        } else if (is(n, "script") && !best) {
            xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");
            int ld = t && !strcasecmp((const char *)t, "application/ld+json");
            xmlFree(t);
            const char *s = ld && n->children && n->children->content ? (const char *)n->children->content : NULL;
            const char *p = s ? strstr(s, "\"datePublished\"") : NULL;
            if (p && (p = strchr(p + 15, '"'))) best = fp_date_year(p + 1, strlen(p + 1), 0);
        }
    }
    return best;
}

/* A date with its day in one of the few short lines after the title: the
 * date line of a news page that labels it with no word. */
static int date_after(xmlNode *title, const xmlNode *root)
{
    int lines = 0;
    for (xmlNode *n = title ? next_in_order(title, root) : NULL; n && lines < 6; n = next_in_order(n, root)) {
        if (n->type != XML_TEXT_NODE || !n->content) continue;
        const char *s = (const char *)n->content;
        size_t l = strlen(s);
        size_t k = 0;
        while (k < l && isspace((unsigned char)s[k])) k++;
        if (k == l) continue;
        lines++;
        if (l > 200) break; /* the article has begun */
        for (size_t i = 0; i < l; i++)
            if (isdigit((unsigned char)s[i]) && (i == 0 || !isdigit((unsigned char)s[i - 1]))) {
                int y = fp_date_year(s + i, l - i, 1);
                if (y) return y;
            }
    }
    return 0;
}

/* <title> without the site's name after a separator (标题 - 某某网). */
static void put_title(fp_buf *b, const xmlNode *t)
{
    fp_buf tmp = {0};
    write_text_of(&tmp, t);
    if (tmp.oom) {
        b->oom = 1;
        return;
    }
    if (!tmp.len) return;
    size_t cut = tmp.len;
    static const char *const seps[] = {" - ", " | ", "_", " – ", "——", "--", "|", NULL};
    for (const char *const *s = seps; *s; s++) {
        char *p = strstr(tmp.p, *s);
        if (p && (size_t)(p - tmp.p) < cut && p > tmp.p) cut = (size_t)(p - tmp.p);
    }
    while (cut && (tmp.p[cut - 1] == ' ' || tmp.p[cut - 1] == '\n')) cut--;
    fp_buf_append(b, tmp.p, cut);
    fp_buf_append(b, "\n", 1);
    fp_buf_free(&tmp);
}

static int contains(const xmlNode *outer, const xmlNode *n)
{
    for (; n; n = n->parent)
        if (n == outer) return 1;
    return 0;
}

int fp_html_article(const fp_format_words *w, const char *page, size_t len, char **text, size_t *tlen, int *year,
                    const char **why)
{
    *text = NULL;
    *year = 0;
    if (len > INT_MAX) return *why = "page too large", FP_EINVAL;
    /* The bytes are UTF-8 already (fp_decode converted them): the page's own charset must not re-decode them. */
    htmlDocPtr doc = htmlReadMemory(page, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        if (doc) xmlFreeDoc(doc);
        return *why = "not a readable HTML page", FP_EINVAL;
    }
    ctx c = {.w = w};
    int rc = FP_OK;
    fp_buf out = {0}, all = {0};
    *year = meta_year(&c, root);
    /* the title's text, taken before pruning: a malformed page can put its
     * <title> inside <body>, where pruning may free it */
    fp_buf tbuf = {0};
    xmlNode *title = find(root, "title");
    if (title) put_title(&tbuf, title);
    xmlNode *body = find(root, "body");
    if (!body) body = root;
    prune(&c, body, 0);
    xmlNode *h1 = find(body, "h1");
    if (!*year) {
        write_text_of(&all, body);
        if (all.oom) rc = FP_ENOMEM;
        else *year = fp_labelled_year(w, all.p ? all.p : "", all.len);
    }
    if (!*year) *year = date_after(h1, body);

    score_blocks(&c, body);
    if (c.oom) rc = FP_ENOMEM;
    xmlNode *top = NULL;
    double best = 0;
    for (size_t i = 0; i < c.ncand && !rc; i++) {
        /* many links for its text: a menu or a list of headlines */
        c.score[i] *= 1 - link_density(c.cand[i]);
        if (c.score[i] > best) best = c.score[i], top = c.cand[i];
    }
    if (!top) top = body;
    if (!rc && h1 && !contains(top, h1)) write_text_of(&out, h1);
    else if (!rc && !h1 && tbuf.len) fp_buf_append(&out, tbuf.p, tbuf.len);
    if (tbuf.oom) rc = FP_ENOMEM;
    fp_buf_free(&tbuf);
    /* The top block and those of its siblings that read as the same article. */
    xmlNode *first = top->parent && top != body ? top->parent->children : top;
    for (xmlNode *s = first; s && !rc; s = top != body ? s->next : NULL) {
        int keep = s == top;
        if (!keep && s->type == XML_ELEMENT_NODE) {
            double threshold = best * 0.2 > 10 ? best * 0.2 : 10;
            if (s->_private && c.score[(uintptr_t)s->_private - 1] >= threshold) keep = 1;
            else if (in_set(s, block_tags)) {
                measure m = {0};
                measure_node(s, &m, 0, 0);
                double ld = m.chars ? (double)m.links / (double)m.chars : 1;
                keep = (m.chars > 80 && ld < 0.25) || (m.chars > 0 && ld == 0 && m.punct > 0);
            }
        } else if (!keep && s->type == XML_TEXT_NODE && s->content) {
            size_t p = 0;
            keep = utf8_chars(s->content, &p) > 0 && p > 0;
        }
        if (keep) write_text_of(&out, s);
    }
    if (!rc && (out.oom || all.oom)) rc = FP_ENOMEM;
    if (!rc && !out.len) rc = FP_EINVAL, *why = "no article text in the page";
    if (!rc && out.len && out.p[out.len - 1] == '\n') out.p[--out.len] = '\0';
    if (rc == FP_ENOMEM) *why = "out of memory";
    fp_buf_free(&all);
    free(c.cand);
    free(c.score);
    xmlFreeDoc(doc);
    if (rc) {
        fp_buf_free(&out);
        return rc;
    }
    fp_debug("html: article of %zu bytes from a page of %zu, published %d", out.len, len, *year);
    *text = out.p;
    *tlen = out.len;
    return FP_OK;
}
