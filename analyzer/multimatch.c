/*
 * multimatch.c -- Aho-Corasick automaton with full transition tables.
 * See multimatch.h.
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
    m->built = 1;
    return 0;
}

int st_mm_count(const st_mm *m) { return m->nlits; }

void st_mm_scan(const st_mm *m, const char *text, size_t n, uint64_t *bits)
{
    const node *nodes = m->nodes;
    int s = 0;
    for (size_t i = 0; i < n; i++) {
        s = nodes[s].next[(unsigned char)text[i]];
        for (int o = nodes[s].out; o >= 0; o = m->out_next[o]) {
            int id = m->out_id[o];
            bits[id >> 6] |= 1ULL << (id & 63);
        }
    }
}

void st_mm_free(st_mm *m)
{
    if (!m)
        return;
    free(m->nodes);
    free(m->out_id);
    free(m->out_next);
    free(m);
}
