/*
 * predicate.h -- the `log show --predicate` language (an NSPredicate subset):
 * compile once, evaluate against many events.  docs/predicates.md is the
 * user-facing reference; this header is the programmer's contract.
 *
 * Contract:
 *  - st_pred_compile*() parse a predicate such as
 *        process == "sudo" AND eventMessage CONTAINS[c] "incorrect password"
 *    into an immutable st_pred.  On failure they return NULL and fill
 *    *err (when err != NULL) with a message phrased "expected X" where
 *    possible, its 1-based line and column (columns count characters) and
 *    its 0-based byte offset.  They never print and never exit.
 *  - Field names are resolved at compile time: built-in `log show` names
 *    (st_field_lookup) first, then the caller's resolver, which maps other
 *    names to caller-defined ids (normally >= ST_F__COUNT).  An unknown name
 *    is a compile error.
 *  - Evaluation asks the caller's getter for field values (st_value); an
 *    absent value (ST_V_NONE) fails every comparison except `!=` and
 *    `== nil`.  Evaluation never allocates, never blocks and never recurses
 *    (the compiled form is a jump program); the one exception is PCRE2's
 *    interpreter, used only where JIT is unavailable, which may grow the
 *    frame vector kept in the scratch's match data.  MATCHES uses PCRE2
 *    with JIT and a match limit, and a regex that hits a limit counts as
 *    "no match" and increments st_pred_regex_limit_hits().
 *  - Thread safety: a compiled predicate is read-only.  Predicates without
 *    MATCHES may be evaluated concurrently with any function.  Predicates
 *    with MATCHES need one st_pred_scratch per thread (st_pred_eval_r);
 *    the scratch-less st_pred_eval() uses a buffer inside the predicate and
 *    must not run concurrently on the same predicate.
 *  - Hostile input is bounded: at most ST_PRED_MAX_LEN bytes of text and
 *    ST_PRED_MAX_DEPTH levels of parentheses / NOT.
 *  - Views returned (hint values) live as long as the predicate.
 */
#ifndef ST_PREDICATE_H
#define ST_PREDICATE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define ST_PRED_MAX_LEN (1u << 20)      /* bytes of predicate text */
#define ST_PRED_MAX_DEPTH 200           /* nested ( ) and NOT */
#define ST_PRED_DEFAULT_MATCH_LIMIT 1000000u /* PCRE2 match limit */
#define ST_PRED_DEFAULT_DEPTH_LIMIT 100000u  /* PCRE2 depth limit */

typedef struct st_pred st_pred;
typedef struct st_pred_scratch st_pred_scratch;

/* Comparison operators, as reported by hints. */
typedef enum st_pred_op {
    ST_PRED_EQ = 1,      /* == =    */
    ST_PRED_NE,          /* != <>   */
    ST_PRED_LT,          /* <       */
    ST_PRED_LE,          /* <= =<   */
    ST_PRED_GT,          /* >       */
    ST_PRED_GE,          /* >= =>   */
    ST_PRED_CONTAINS,
    ST_PRED_BEGINSWITH,
    ST_PRED_ENDSWITH,
    ST_PRED_LIKE,
    ST_PRED_MATCHES,
    ST_PRED_IN,
    ST_PRED_BETWEEN
} st_pred_op;

/* Where and why compilation failed. */
typedef struct st_pred_error {
    int line;           /* 1-based */
    int column;         /* 1-based, in characters (UTF-8 code points) */
    size_t offset;      /* 0-based byte offset into the text */
    char detail[200];   /* "expected a value after CONTAINS" */
    char msg[256];      /* "1:17: expected a value after CONTAINS" */
} st_pred_error;

/* Maps a name that is not a built-in field to a caller-defined id (> 0,
 * normally >= ST_F__COUNT; returning a built-in id makes an alias), or
 * returns <= 0 to reject the name.  name is not NUL-terminated. */
typedef int (*st_pred_resolve_fn)(void *ctx, const char *name, size_t n);

/* Fills *out with the value of `field` for the event being evaluated.
 * *out arrives as ST_V_NONE; leave it so for "absent".  String views must
 * stay valid until st_pred_eval returns. */
typedef void (*st_pred_get_fn)(void *ctx, int field, st_value *out);

/* Compile options; a zeroed struct (or NULL) gives the defaults. */
typedef struct st_pred_opts {
    st_pred_resolve_fn resolve;  /* NULL: built-in names only */
    void *resolve_ctx;
    uint32_t regex_match_limit;  /* 0: ST_PRED_DEFAULT_MATCH_LIMIT */
    uint32_t regex_depth_limit;  /* 0: ST_PRED_DEFAULT_DEPTH_LIMIT */
} st_pred_opts;

/* Compiles a NUL-terminated predicate with built-in names only. */
st_pred *st_pred_compile(const char *text, st_pred_error *err);

/* Compiles len bytes of text (NUL bytes outside strings are errors). */
st_pred *st_pred_compile_ex(const char *text, size_t len,
                            const st_pred_opts *opts, st_pred_error *err);

/* Releases a predicate; NULL is fine. */
void st_pred_free(st_pred *p);

/* Returns 1 when the event described by get/ctx matches, else 0.  Not safe
 * to run concurrently on one predicate that contains MATCHES. */
int st_pred_eval(const st_pred *p, st_pred_get_fn get, void *ctx);

/* Same, using the caller's per-thread scratch; always thread-safe. */
int st_pred_eval_r(const st_pred *p, st_pred_get_fn get, void *ctx,
                   st_pred_scratch *scratch);

/* Evaluates against an st_event through st_event_get(). */
int st_pred_eval_event(const st_pred *p, const st_event *ev);
int st_pred_eval_event_r(const st_pred *p, const st_event *ev,
                         st_pred_scratch *scratch);

/* A per-thread scratch for st_pred_eval_r (usable with any predicate).
 * Returns NULL when out of memory. */
st_pred_scratch *st_pred_scratch_new(void);
void st_pred_scratch_free(st_pred_scratch *s);

/* Number of MATCHES evaluations of p that ended on a PCRE2 limit (match,
 * depth, heap or JIT stack) and were counted as "no match". */
uint64_t st_pred_regex_limit_hits(const st_pred *p);

/* 1 when p contains MATCHES (and so needs a scratch per thread). */
int st_pred_has_regex(const st_pred *p);

/*
 * Prefilter hints: comparisons that are conjuncts of the top-level AND chain
 * (so the predicate can only match when each of them holds) and are cheap:
 * ==, BEGINSWITH, ENDSWITH, CONTAINS against one string or number literal.
 */
typedef struct st_pred_hint {
    int field;               /* st_field or resolver id */
    st_pred_op op;           /* EQ, BEGINSWITH, ENDSWITH or CONTAINS */
    st_str value;            /* literal as written, escapes resolved;
                                numeric: in decimal; messageType: the
                                canonical name ("error" for 16) */
    int case_insensitive;    /* [c], or an enum field (messageType ...) */
    int diacritic_insensitive; /* [d] */
    int numeric;             /* compares numerically; value is decimal */
    const void *impl;        /* for st_pred_hint_test */
} st_pred_hint;

/* Writes up to max hints to out; returns how many exist.  When
 * case_insensitive, diacritic_insensitive and numeric are all 0, a matching
 * field value contains `value` byte for byte (usable as a memmem needle on
 * text that embeds the field verbatim). */
size_t st_pred_hints(const st_pred *p, st_pred_hint *out, size_t max);

/* What an event must carry to satisfy the predicate, for prefilters that
 * skip it without evaluating: when nprocs > 0, its process is one of
 * procs (byte for byte); when nlits > 0, its message contains at least
 * one of lits byte for byte.  0 means no requirement is known.  Derived
 * conservatively from the expression: a comparison without [c]/[d] on
 * process (==, IN) or the message (==, IN, CONTAINS, BEGINSWITH,
 * ENDSWITH, and for MATCHES the literals of 3 bytes or more its regex
 * cannot match without); AND keeps the tightest child, OR the union when
 * every branch requires something, NOT requires nothing.  Views live as
 * long as the predicate. */
#define ST_PRED_NEED_MAX 16
typedef struct st_pred_need {
    st_str procs[ST_PRED_NEED_MAX];
    int nprocs;
    st_str lits[ST_PRED_NEED_MAX];
    int nlits;
} st_pred_need;
void st_pred_needs(const st_pred *p, st_pred_need *out);

/* Tests one hint against a field value with exactly the evaluator's rules
 * (folding, numbers, absent values).  Returns 1 or 0. */
int st_pred_hint_test(const st_pred_hint *h, const st_value *v);

/* Writes p in canonical form (upper-case keywords, ==, composedMessage,
 * double-quoted strings, minimal parentheses) into buf, NUL-terminated and
 * truncated to n bytes; returns the full length like snprintf. */
size_t st_pred_render(const st_pred *p, char *buf, size_t n);

#endif
