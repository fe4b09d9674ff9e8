/*
 * multimatch.c -- Aho-Corasick automaton.  See multimatch.h.
 *
 * Built with one 256-entry row per trie node, then compacted for scanning:
 * bytes that behave alike (above all, every byte that occurs in no
 * literal) share one class, and the transition table keeps one entry per
 * class.  With the code-signing pack plus the benchmark's 50 rules the
 * full table was ~1 MiB and each message byte a likely cache miss; the
 * compact one is a few tens of KiB.
 */
#include "multimatch.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NODES 65536

typedef struct node {
    int32_t next[256];
    int32_t fail;
    int32_t out;          /* first output index into outs, -1 */
} node;

struct st_mm {
    node *nodes;
    int nnodes, cap;
    int nlits;
    /* outputs: linked lists of literal ids per node */
    int32_t *out_id, *out_next;
    int nouts, capouts;
    int built;
    /* scan tables (after build): states are premultiplied by nclass */
    uint8_t cls[256];
    int nclass;
    int32_t *delta;       /* [nnodes * nclass] -> next state * nclass, or
                             ~state when it has outputs */
    int32_t *out_head;    /* [nnodes]: first output index, -1 */
};

/* Appends a fresh node; returns its index or -1. */
static int new_node(st_mm *m)
{
    if (m->nnodes == MAX_NODES)
        return -1;
    if (m->nnodes == m->cap) {
        int nc = m->cap ? m->cap * 2 : 64;
        node *n = realloc(m->nodes, sizeof *n * (size_t)nc);
        if (!n)
            return -1;
        m->nodes = n;
        m->cap = nc;
    }
    node *x = &m->nodes[m->nnodes];
    memset(x->next, 0xff, sizeof x->next);   /* -1: no edge yet */
    x->fail = 0;
    x->out = -1;
    return m->nnodes++;
}

/* Records that literal id ends at node s. */
static int add_out(st_mm *m, int s, int id)
{
    if (m->nouts == m->capouts) {
        int nc = m->capouts ? m->capouts * 2 : 64;
        int32_t *a = realloc(m->out_id, sizeof *a * (size_t)nc);
        if (!a)
            return -1;
        m->out_id = a;
        int32_t *b = realloc(m->out_next, sizeof *b * (size_t)nc);
        if (!b)
            return -1;
        m->out_next = b;
        m->capouts = nc;
    }
    m->out_id[m->nouts] = id;
    m->out_next[m->nouts] = m->nodes[s].out;
    m->nodes[s].out = m->nouts++;
    return 0;
}

st_mm *st_mm_new(void)
{
    st_mm *m = calloc(1, sizeof *m);
    if (m && new_node(m) < 0) {
        free(m);
        return NULL;
    }
    return m;
}

int st_mm_add(st_mm *m, const char *lit, size_t n)
{
    if (!n || m->built)
        return -1;
    int s = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if (m->nodes[s].next[c] < 0) {
            int t = new_node(m);
            if (t < 0)
                return -1;
            m->nodes[s].next[c] = t;
        }
        s = m->nodes[s].next[c];
    }
    int id = m->nlits++;
    return add_out(m, s, id) < 0 ? -1 : id;
}

/* Builds the class map and the compact tables from the full rows, then
 * frees the rows.  Two bytes share a class when every state sends them to
 * the same place (columns compared only when their hashes agree, so the
 * cost stays linear in the table).  Transitions hold the next state
 * premultiplied by the class count, except those into a state with
 * outputs: they hold its index complemented, so a scan tests one sign per
 * byte and multiplies (not divides: measured) only on a match. */
static int compact(st_mm *m)
{
    int nn = m->nnodes;
    uint64_t h[256];
    for (int c = 0; c < 256; c++) {
        uint64_t x = 0xcbf29ce484222325ULL;
        for (int s = 0; s < nn; s++)
            x = (x ^ (uint32_t)m->nodes[s].next[c]) * 0x100000001b3ULL;
        h[c] = x;
    }
    int rep[256];            /* class -> a byte of that class */
    int ncls = 0;
    for (int c = 0; c < 256; c++) {
        int found = -1;
        for (int k = 0; k < ncls && found < 0; k++) {
            if (h[rep[k]] != h[c])
                continue;
            int same = 1;
            for (int s = 0; s < nn && same; s++)
                same = m->nodes[s].next[c] == m->nodes[s].next[rep[k]];
            if (same)
                found = k;
        }
        if (found < 0) {
            rep[ncls] = c;
            found = ncls++;
        }
        m->cls[c] = (uint8_t)found;
    }
    m->nclass = ncls;
    m->delta = malloc(sizeof *m->delta * (size_t)nn * (size_t)ncls);
    m->out_head = malloc(sizeof *m->out_head * (size_t)nn);
    if (!m->delta || !m->out_head)
        return -1;
    for (int s = 0; s < nn; s++) {
        for (int k = 0; k < ncls; k++) {
            int t = m->nodes[s].next[rep[k]];
            m->delta[(size_t)s * (size_t)ncls + (size_t)k] =
                m->nodes[t].out >= 0 ? ~t : t * ncls;
        }
        m->out_head[s] = m->nodes[s].out;
    }
    free(m->nodes);
    m->nodes = NULL;
    return 0;
}

/* Breadth-first: failure links, and missing edges filled from the failure
 * state so scanning is one table lookup per byte. */
int st_mm_build(st_mm *m)
{
    int *queue = malloc(sizeof *queue * (size_t)m->nnodes);
    if (!queue)
        return -1;
    int head = 0, tail = 0;
    for (int c = 0; c < 256; c++) {
        int t = m->nodes[0].next[c];
        if (t < 0) {
            m->nodes[0].next[c] = 0;
        } else {
            m->nodes[t].fail = 0;
            queue[tail++] = t;
        }
    }
    while (head < tail) {
        int s = queue[head++];
        /* outputs of the failure state are outputs here too */
        for (int o = m->nodes[m->nodes[s].fail].out; o >= 0;
             o = m->out_next[o])
            if (add_out(m, s, m->out_id[o]) < 0) {
                free(queue);
                return -1;
            }
        for (int c = 0; c < 256; c++) {
            int t = m->nodes[s].next[c];
            if (t < 0) {
                m->nodes[s].next[c] = m->nodes[m->nodes[s].fail].next[c];
            } else {
                m->nodes[t].fail = m->nodes[m->nodes[s].fail].next[c];
                queue[tail++] = t;
            }
        }
    }
    free(queue);
    if (compact(m) < 0)
        return -1;
    m->built = 1;
    return 0;
}

int st_mm_count(const st_mm *m) { return m->nlits; }

void st_mm_scan(const st_mm *m, const char *text, size_t n, uint64_t *bits)
{
    const int32_t *delta = m->delta, *out_head = m->out_head;
    const uint8_t *cls = m->cls;
    const int ncls = m->nclass;
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s = delta[s + cls[(unsigned char)text[i]]];
        if (s >= 0)
            continue;
        s = ~s;                   /* a state with outputs, by index */
        for (int o = out_head[s]; o >= 0; o = m->out_next[o]) {
            int id = m->out_id[o];
            bits[id >> 6] |= 1ULL << (id & 63);
        }
        s *= ncls;
    }
}

void st_mm_free(st_mm *m)
{
    if (!m)
        return;
    free(m->nodes);
    free(m->delta);
    free(m->out_head);
    free(m->out_id);
    free(m->out_next);
    free(m);
}
