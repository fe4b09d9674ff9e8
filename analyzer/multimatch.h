/*
 * multimatch.h -- many literals searched in one pass (Aho-Corasick over
 * bytes).  The rule engine uses it to test every rule's "message CONTAINS
 * literal" prefilter with a single scan of each message instead of one
 * memmem per rule.
 *
 * Contract: add literals (each gets an id 0..n-1), build once, then scan
 * any number of texts; a scan sets bit `id` in the caller's bitmap for
 * every literal that occurs.  Memory: 1 KiB per trie node (256 int32
 * transitions), bounded by the total literal length (max 65536 nodes).
 */
#ifndef ST_MULTIMATCH_H
#define ST_MULTIMATCH_H
#include <stddef.h>
#include <stdint.h>

typedef struct st_mm st_mm;

st_mm *st_mm_new(void);
/* Adds a literal; returns its id, or -1 (empty, too many nodes, OOM). */
int st_mm_add(st_mm *m, const char *lit, size_t n);
/* Builds the automaton; returns 0 or -1. */
int st_mm_build(st_mm *m);
int st_mm_count(const st_mm *m);
/* Sets bits of the literals found in text; bits must hold
 * (count + 63) / 64 words, cleared by the caller. */
void st_mm_scan(const st_mm *m, const char *text, size_t n, uint64_t *bits);
void st_mm_free(st_mm *m);

#endif
