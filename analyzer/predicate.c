/*
 * predicate.c -- the `log show --predicate` language (see predicate.h and
 * docs/predicates.md).
 *
 * Layout: text is lexed and parsed by recursive descent into a tree of
 * AND/OR/NOT nodes over comparisons (n-ary, so long chains stay shallow);
 * the tree is then turned into "jumping code": one instruction per
 * comparison with a next-instruction for true and one for false.  The
 * evaluator is a loop over that program, so it needs no recursion and no
 * allocation, and every jump goes to an earlier-built instruction, so it
 * always ends.  The tree is kept for rendering and hints.
 *
 * Text comparisons with [c]/[d] fold on the fly, code point by code point,
 * so subjects of any size work without buffers; literals are folded once at
 * compile time.  Only MATCHES[d] needs a buffer (PCRE2 wants the subject in
 * memory); it lives in the scratch.
 */
#include "predicate.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Types                                                              */
/* ------------------------------------------------------------------ */

enum { FOLD_C = 1, FOLD_D = 2 };

/* Pseudo code points: an invalid byte b decodes to CP_RAW + b so it equals
 * only itself; LIKE wildcards live above every real code point. */
#define CP_END 0xFFFFFFFFu
#define CP_SKIP 0xFFFFFFFEu
#define CP_RAW 0x110000u
#define CP_STAR 0x200000u
#define CP_ANY1 0x200001u

/* MATCHES[d] folds the subject into the scratch; longer subjects count as a
 * limit hit (documented). */
#define FOLD_BUF_CAP (1u << 20)

/* A sign-magnitude integer: covers int64 and uint64 values exactly. */
typedef struct num {
    int neg;
    uint64_t mag;
} num;

typedef enum { LIT_STR, LIT_NUM, LIT_NIL, LIT_IDENT } lit_kind;

/* One literal operand, with everything the evaluator needs precomputed. */
typedef struct lit {
    lit_kind kind;      /* IDENT: an enum name written bare */
    st_str text;        /* STR/IDENT: bytes, escapes resolved; NUM: decimal */
    int has_num;        /* n is valid (NUM, or a STR that reads as a number) */
    num n;
    const uint32_t *cp; /* folded code points (folding or LIKE), else NULL */
    size_t ncp;
    const size_t *kmp;  /* failure table over cp, for folded CONTAINS */
    const char *fast;   /* folded needle when it is pure ASCII, else NULL */
    size_t nfast;
    size_t rare;        /* index of fast's least common byte (search key) */
    int fast_has_s;     /* fast holds 's', which U+017F (long s) folds to */
} lit;

/* Field classes decide which literals and operators make sense. */
typedef enum { CLS_STR, CLS_NUM, CLS_MSGTYPE, CLS_ENUM, CLS_ANY } fcls;

/* One comparison: field, operator, literal(s). */
typedef struct cmp {
    int field;
    st_pred_op op;
    unsigned fold;      /* effective folding (enum fields imply FOLD_C) */
    unsigned mods;      /* modifiers as written, for rendering */
    fcls cl;
    int nil;            /* `== nil` / `!= nil` */
    int is_set;         /* IN: render the literals as a set */
    size_t nlit;
    lit *lits;
    pcre2_code *re;
    pcre2_match_context *mctx;
    _Atomic uint64_t *hits;
    st_str name;        /* field name as written (custom fields) */
} cmp;

typedef enum { N_TRUE, N_FALSE, N_CMP, N_AND, N_OR, N_NOT } nkind;

typedef struct node {
    nkind kind;
    cmp *c;
    struct node *first, *last;        /* children (AND/OR/NOT) */
    struct node *next, *prev;         /* siblings */
} node;

/* Jumping code: evaluate c, continue at t when true, f when false.  Targets
 * below 0 are the verdicts PC_TRUE and PC_FALSE. */
typedef struct ins {
    const cmp *c;
    int t, f;
} ins;
#define PC_TRUE (-1)
#define PC_FALSE (-2)

/* Bump allocator: a predicate is freed all at once. */
typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
    max_align_t data[];
} ablock;

/* Everything that owns PCRE2 objects, so st_pred_free can release them. */
typedef struct rxlist {
    pcre2_code *code;
    struct rxlist *next;
} rxlist;

struct st_pred_scratch {
    pcre2_match_data *md;
    char *fold;         /* MATCHES[d] subject buffer, may be NULL */
    size_t fold_cap;
};

struct st_pred {
    ablock *arena;
    node *root;
    ins *prog;
    int entry;
    st_pred_hint *hints;
    size_t nhints;
    st_pred_need need;
    rxlist *rx;
    pcre2_match_context *mctx;
    uint32_t match_limit, depth_limit;
    _Atomic uint64_t *hits;
    st_pred_scratch *own;
    int has_regex;
    int need_fold;      /* some MATCHES has [d] */
};

/* ------------------------------------------------------------------ */
/* Arena                                                              */
/* ------------------------------------------------------------------ */

/* Returns n zeroed bytes aligned for any type from p's arena, or NULL when
 * out of memory.  Assumes n is small enough not to overflow when rounded. */
static void *arena_alloc(st_pred *p, size_t n)
{
    size_t a = sizeof(max_align_t);
    n = (n + a - 1) / a * a;
    if (n == 0)
        n = a;
    ablock *b = p->arena;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = p->arena;
        p->arena = b;
    }
    void *r = (char *)b->data + b->used;
    b->used += n;
    memset(r, 0, n);
    return r;
}

/* ------------------------------------------------------------------ */
/* UTF-8 decoding and folding                                         */
/* ------------------------------------------------------------------ */

/* Decodes one unit at s[*i] (i < n): a valid UTF-8 sequence gives its code
 * point, any other byte gives CP_RAW + byte.  Advances *i.  NUL is a valid
 * code point here (lengths, not terminators, delimit text). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    size_t k = *i;
    unsigned c = s[k];
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xF4) {
        size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n - k >= len) {
            int ok = 1;
            for (size_t j = 1; j < len; j++)
                if ((s[k + j] & 0xC0) != 0x80)
                    ok = 0;
            if (ok && c == 0xE0 && s[k + 1] < 0xA0) ok = 0; /* overlong */
            if (ok && c == 0xED && s[k + 1] > 0x9F) ok = 0; /* surrogate */
            if (ok && c == 0xF0 && s[k + 1] < 0x90) ok = 0; /* overlong */
            if (ok && c == 0xF4 && s[k + 1] > 0x8F) ok = 0; /* too big */
            if (ok) {
                uint32_t cp;
                if (len == 2)
                    cp = (c & 0x1Fu) << 6 | (s[k + 1] & 0x3Fu);
                else if (len == 3)
                    cp = (c & 0x0Fu) << 12 | (s[k + 1] & 0x3Fu) << 6 |
                         (s[k + 2] & 0x3Fu);
                else
                    cp = (c & 0x07u) << 18 | (s[k + 1] & 0x3Fu) << 12 |
                         (s[k + 2] & 0x3Fu) << 6 | (s[k + 3] & 0x3Fu);
                *i = k + len;
                return cp;
            }
        }
    }
    *i = k + 1;
    return CP_RAW + c;
}

/* Writes code point cp (or the raw byte it stands for) as UTF-8 to out,
 * which has room for 4 bytes; returns the byte count. */
static size_t utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp >= CP_RAW && cp < CP_RAW + 256) {
        o[0] = (unsigned char)(cp - CP_RAW);
        return 1;
    }
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Simple (one-to-one) case folding for ASCII, Latin-1 Supplement, Latin
 * Extended-A, Greek and Cyrillic, as in Unicode CaseFolding.txt status C/S.
 * Other code points fold to themselves; ß stays ß (full folding would make
 * it "ss", which changes lengths). */
static uint32_t case_fold(uint32_t c)
{
    if (c < 0x80)
        return c - 'A' < 26u ? c + 32 : c;
    if (c < 0x100) {
        if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
            return c + 32;
        return c == 0xB5 ? 0x3BC : c; /* micro sign -> mu */
    }
    if (c < 0x180) {
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149)
            return c; /* dotted/dotless i, kra, 'n: no simple fold */
        if (c == 0x178)
            return 0xFF;
        if (c == 0x17F)
            return 's';
        if (c <= 0x137 || (c >= 0x14A && c <= 0x177))
            return c | 1; /* even upper, odd lower */
        return (c & 1) ? c + 1 : c; /* 0139-0148, 0179-017E: odd upper */
    }
    if (c >= 0x370 && c < 0x400) {
        if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
            return c + 32;
        switch (c) {
        case 0x370: case 0x372: case 0x376: return c + 1;
        case 0x37F: return 0x3F3;
        case 0x386: return 0x3AC;
        case 0x388: case 0x389: case 0x38A: return c + 37;
        case 0x38C: return 0x3CC;
        case 0x38E: case 0x38F: return c + 63;
        case 0x3C2: return 0x3C3; /* final sigma */
        case 0x3CF: return 0x3D7;
        case 0x3D0: return 0x3B2;
        case 0x3D1: return 0x3B8;
        case 0x3D5: return 0x3C6;
        case 0x3D6: return 0x3C0;
        case 0x3F0: return 0x3BA;
        case 0x3F1: return 0x3C1;
        case 0x3F4: return 0x3B8;
        case 0x3F5: return 0x3B5;
        case 0x3F7: return 0x3F8;
        case 0x3F9: return 0x3F2;
        case 0x3FA: return 0x3FB;
        case 0x3FD: case 0x3FE: case 0x3FF: return c - 130;
        default: break;
        }
        if (c >= 0x3D8 && c <= 0x3EF)
            return c | 1;
        return c;
    }
    if (c >= 0x400 && c < 0x530) {
        if (c < 0x410)
            return c + 0x50;
        if (c < 0x430)
            return c + 0x20;
        if (c < 0x460)
            return c;
        if (c <= 0x481 || (c >= 0x48A && c <= 0x4BF) ||
            (c >= 0x4D0 && c <= 0x52F))
            return c | 1;
        if (c == 0x4C0)
            return 0x4CF;
        if (c >= 0x4C1 && c <= 0x4CE)
            return (c & 1) ? c + 1 : c;
        return c;
    }
    if (c == 0x345)
        return 0x3B9; /* combining ypogegrammeni folds to iota */
    return c;
}

/* Base letters for U+00C0..U+00FF and U+0100..U+017F; '.' keeps the code
 * point (ligatures, eth, thorn, sharp s, signs). */
static const char latin1_base[65] =
    "AAAAAA.CEEEEIIII" ".NOOOOO.OUUUUY.." "aaaaaa.ceeeeiiii" ".nooooo.ouuuuy.y";
static const char latinA_base[129] =
    "AaAaAaCcCcCcCcDd" "DdEeEeEeEeEeGgGg" "GgGgHhHhIiIiIiIi" "I...JjKk.LlLlLlL"
    "lLlNnNnNn...OoOo" "Oo..RrRrRrSsSsSs" "SsTtTtTtUuUuUuUu" "UuUuWwYyYZzZzZz.";

/* Removes diacritics: accented Latin letters become their base letter,
 * Greek tonos/dialytika and a few Cyrillic letters (ё й ї ў ...) lose
 * their mark, and combining marks U+0300..U+036F vanish (CP_SKIP) so
 * decomposed text folds like precomposed text.  Case is preserved. */
static uint32_t strip_diacritic(uint32_t c)
{
    if (c < 0xC0)
        return c;
    if (c < 0x100) {
        char b = latin1_base[c - 0xC0];
        return b == '.' ? c : (uint32_t)(unsigned char)b;
    }
    if (c < 0x180) {
        char b = latinA_base[c - 0x100];
        return b == '.' ? c : (uint32_t)(unsigned char)b;
    }
    if (c >= 0x300 && c <= 0x36F)
        return CP_SKIP;
    switch (c) {
    case 0x386: return 0x391;
    case 0x388: return 0x395;
    case 0x389: return 0x397;
    case 0x38A: case 0x3AA: return 0x399;
    case 0x38C: return 0x39F;
    case 0x38E: case 0x3AB: return 0x3A5;
    case 0x38F: return 0x3A9;
    case 0x390: case 0x3AF: case 0x3CA: return 0x3B9;
    case 0x3AC: return 0x3B1;
    case 0x3AD: return 0x3B5;
    case 0x3AE: return 0x3B7;
    case 0x3B0: case 0x3CB: case 0x3CD: return 0x3C5;
    case 0x3CC: return 0x3BF;
    case 0x3CE: return 0x3C9;
    case 0x400: case 0x401: return 0x415;
    case 0x403: return 0x413;
    case 0x407: return 0x406;
    case 0x40C: return 0x41A;
    case 0x40D: case 0x419: return 0x418;
    case 0x40E: return 0x423;
    case 0x439: case 0x45D: return 0x438;
    case 0x450: case 0x451: return 0x435;
    case 0x453: return 0x433;
    case 0x457: return 0x456;
    case 0x45C: return 0x43A;
    case 0x45E: return 0x443;
    default: return c;
    }
}

/* Folds one code point per flags (FOLD_D first, then FOLD_C, so É becomes
 * e either way); may return CP_SKIP under FOLD_D. */
static uint32_t fold_cp(uint32_t c, unsigned flags)
{
    if (c >= CP_RAW)
        return c;
    if (flags & FOLD_D) {
        c = strip_diacritic(c);
        if (c == CP_SKIP)
            return c;
    }
    if (flags & FOLD_C)
        c = case_fold(c);
    return c;
}

/* Returns the next folded code point of s[*i..n), skipping what folding
 * removes, or CP_END at the end.  The ASCII branch keeps plain text fast. */
static inline uint32_t fnext(const unsigned char *s, size_t n, size_t *i,
                             unsigned flags)
{
    while (*i < n) {
        unsigned b = s[*i];
        if (b < 0x80) {
            (*i)++;
            if ((flags & FOLD_C) && b - 'A' < 26u)
                b += 32;
            return b;
        }
        uint32_t c = fold_cp(utf8_next(s, n, i), flags);
        if (c != CP_SKIP)
            return c;
    }
    return CP_END;
}

static const unsigned char ascii_lower[256] = {
#define L4(x) L1(x), L1(x + 1), L1(x + 2), L1(x + 3)
#define L1(x) ((unsigned char)((x) >= 'A' && (x) <= 'Z' ? (x) + 32 : (x)))
#define L16(x) L4(x), L4(x + 4), L4(x + 8), L4(x + 12)
    L16(0),   L16(16),  L16(32),  L16(48),  L16(64),  L16(80),
    L16(96),  L16(112), L16(128), L16(144), L16(160), L16(176),
    L16(192), L16(208), L16(224), L16(240),
#undef L16
#undef L1
#undef L4
};

/* True when s[0..n) has a byte >= 0x80; word at a time since most log
 * text is ASCII. */
static int has_high(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            return 1;
    }
    for (; i < n; i++)
        if (s[i] & 0x80)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Errors and lexer                                                   */
/* ------------------------------------------------------------------ */

typedef enum {
    T_END, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_COMMA,
    T_IDENT, T_STRING, T_NUMBER, T_OP, T_AND, T_OR, T_NOT,
    T_TRUE, T_FALSE, T_NIL, T_ERR
} tkind;

typedef struct token {
    tkind k;
    size_t start, end;  /* byte range in the text */
    st_pred_op op;      /* T_OP */
    unsigned mods;      /* T_OP: FOLD_* written as [c] [d] [cd] */
    st_str str;         /* T_STRING: resolved bytes; T_IDENT: the name */
    int escaped;        /* T_STRING had escapes (regex error columns) */
    num n;              /* T_NUMBER */
} token;

typedef struct parser {
    const char *s;
    size_t n, pos;
    token tok;
    st_pred *p;
    st_pred_resolve_fn resolve;
    void *resolve_ctx;
    st_pred_error *err;
    int failed;
    int depth;
} parser;

/* Records the first error at byte offset off: fills line, column (in code
 * points) and both message forms.  Later errors are ignored so the
 * earliest, most specific message wins. */
__attribute__((format(printf, 3, 4)))
static void perr(parser *ps, size_t off, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    ps->tok.k = T_ERR;
    if (ps->err == NULL)
        return;
    if (off > ps->n)
        off = ps->n;
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)ps->s[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    st_pred_error *e = ps->err;
    e->line = line;
    e->column = col;
    e->offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    snprintf(e->msg, sizeof e->msg, "%d:%d: %s", line, col, e->detail);
}

/* Writes "line:col" of byte offset off into buf (for "opened at" notes). */
static void linecol(const parser *ps, size_t off, char *buf, size_t n)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < off && i < ps->n; i++) {
        unsigned char c = (unsigned char)ps->s[i];
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(buf, n, "%d:%d", line, col);
}

/* Describes the current token for "found X" in messages, quoting at most
 * 24 bytes of its text. */
static const char *tok_desc(const parser *ps, char *buf, size_t n)
{
    const token *t = &ps->tok;
    if (t->k == T_END)
        return "end of predicate";
    size_t len = t->end - t->start;
    if (len > 24) {
        snprintf(buf, n, "'%.24s...'", ps->s + t->start);
    } else {
        snprintf(buf, n, "'%.*s'", (int)len, ps->s + t->start);
    }
    /* the text may hold NUL bytes inside strings; snprintf stops there */
    return buf;
}

/* Identifiers start with an ASCII letter or underscore. */
static int is_id_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Later identifier characters; '.' lets resolvers define dotted names. */
static int is_id_char(int c)
{
    return is_id_start(c) || (c >= '0' && c <= '9') || c == '.';
}

/* Case-insensitive ASCII equality of a view and a C keyword. */
static int kw_eq(const char *s, size_t n, const char *kw)
{
    size_t k = strlen(kw);
    if (k != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower[(unsigned char)s[i]] != ascii_lower[(unsigned char)kw[i]])
            return 0;
    return 1;
}

/* Value of one hex digit, or -1. */
static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at s[i..]; returns the value or -1. */
static long hex4(const parser *ps, size_t i)
{
    if (ps->n - i < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval((unsigned char)ps->s[i + (size_t)k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Lexes a quoted string starting at the quote at ps->pos into ps->tok,
 * resolving escapes into arena memory.  Unknown escapes keep their
 * backslash (`\d` stays `\d`) so regexes and LIKE escapes can be typed
 * naturally; see docs/predicates.md. */
static void lex_string(parser *ps)
{
    token *t = &ps->tok;
    size_t i = ps->pos;
    char q = ps->s[i++];
    char *out = arena_alloc(ps->p, ps->n - i + 1);
    if (out == NULL) {
        perr(ps, ps->pos, "out of memory");
        return;
    }
    size_t o = 0;
    t->escaped = 0;
    for (;;) {
        if (i >= ps->n) {
            perr(ps, t->start, "unterminated string; expected a closing %c",
                 q);
            return;
        }
        char c = ps->s[i];
        if (c == q) {
            i++;
            break;
        }
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        t->escaped = 1;
        if (i + 1 >= ps->n) {
            perr(ps, t->start, "unterminated string; expected a closing %c",
                 q);
            return;
        }
        char e = ps->s[i + 1];
        switch (e) {
        case '"': case '\'': case '\\': out[o++] = e; i += 2; break;
        case 'n': out[o++] = '\n'; i += 2; break;
        case 't': out[o++] = '\t'; i += 2; break;
        case 'r': out[o++] = '\r'; i += 2; break;
        case 'u': {
            long v = hex4(ps, i + 2);
            if (v < 0) {
                perr(ps, i, "expected 4 hex digits after \\u");
                return;
            }
            size_t used = 6;
            if (v >= 0xDC00 && v <= 0xDFFF) {
                perr(ps, i, "invalid \\u escape: lone low surrogate");
                return;
            }
            if (v >= 0xD800 && v <= 0xDBFF) {
                long lo = -1;
                if (i + 7 < ps->n && ps->s[i + 6] == '\\' &&
                    ps->s[i + 7] == 'u')
                    lo = hex4(ps, i + 8);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    perr(ps, i, "invalid \\u escape: expected a low "
                                "surrogate \\uDC00-\\uDFFF after \\u%04lX", v);
                    return;
                }
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                used = 12;
            }
            o += utf8_put((uint32_t)v, out + o);
            i += used;
            break;
        }
        default: /* kept verbatim: the backslash and what follows */
            out[o++] = '\\';
            i++;
            break;
        }
    }
    t->k = T_STRING;
    t->str = (st_str){out, o};
    t->end = i;
    ps->pos = i;
}

/* Lexes an integer (decimal, 0x hex, optional leading '-') at ps->pos. */
static void lex_number(parser *ps)
{
    token *t = &ps->tok;
    size_t i = ps->pos;
    int neg = 0;
    if (ps->s[i] == '-') {
        neg = 1;
        i++;
    }
    uint64_t v = 0;
    int digits = 0;
    if (i + 1 < ps->n && ps->s[i] == '0' && (ps->s[i + 1] == 'x' || ps->s[i + 1] == 'X')) {
        i += 2;
        int h;
        while (i < ps->n && (h = hexval((unsigned char)ps->s[i])) >= 0) {
            if (v > UINT64_MAX >> 4) {
                perr(ps, t->start, "number out of range (at most 64 bits)");
                return;
            }
            v = v << 4 | (uint64_t)h;
            digits++;
            i++;
        }
        if (!digits) {
            perr(ps, i, "expected hex digits after 0x");
            return;
        }
    } else {
        while (i < ps->n && ps->s[i] >= '0' && ps->s[i] <= '9') {
            unsigned d = (unsigned)(ps->s[i] - '0');
            if (v > (UINT64_MAX - d) / 10) {
                perr(ps, t->start, "number out of range (at most "
                                   "18446744073709551615)");
                return;
            }
            v = v * 10 + d;
            digits++;
            i++;
        }
    }
    if (i < ps->n && ps->s[i] == '.' && !(i + 1 < ps->n && ps->s[i + 1] == '.')) {
        perr(ps, t->start, "expected an integer; decimal fractions are not "
                           "supported");
        return;
    }
    if (i < ps->n && is_id_char((unsigned char)ps->s[i])) {
        perr(ps, i, "expected an operator or a separator after the number, "
                    "found '%c'", ps->s[i]);
        return;
    }
    t->k = T_NUMBER;
    t->n.neg = neg && v != 0;
    t->n.mag = v;
    t->end = i;
    ps->pos = i;
}

/* Reads optional [c] [d] [cd] modifiers right after an operator. */
static void lex_mods(parser *ps)
{
    token *t = &ps->tok;
    size_t i = ps->pos;
    if (i >= ps->n || ps->s[i] != '[')
        return;
    size_t open = i++;
    unsigned m = 0;
    while (i < ps->n && ps->s[i] != ']') {
        char c = ps->s[i];
        if (c == 'c' || c == 'C') {
            m |= FOLD_C;
        } else if (c == 'd' || c == 'D') {
            m |= FOLD_D;
        } else {
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
                perr(ps, i, "unknown modifier; expected [c], [d] or [cd]");
            else
                perr(ps, i, "unknown modifier '%c'; expected [c], [d] or [cd]",
                     c);
            return;
        }
        i++;
    }
    if (i >= ps->n) {
        perr(ps, open, "expected ']' to close the modifiers");
        return;
    }
    if (m == 0) {
        perr(ps, open, "empty modifiers; expected [c], [d] or [cd]");
        return;
    }
    t->mods = m;
    t->end = i + 1;
    ps->pos = i + 1;
}

/* Word operators, keywords and unsupported NSPredicate words. */
static const struct {
    const char *word;
    tkind k;
    st_pred_op op;
} keywords[] = {
    {"AND", T_AND, 0},          {"OR", T_OR, 0},
    {"NOT", T_NOT, 0},          {"TRUEPREDICATE", T_TRUE, 0},
    {"FALSEPREDICATE", T_FALSE, 0}, {"NIL", T_NIL, 0},
    {"NULL", T_NIL, 0},         {"CONTAINS", T_OP, ST_PRED_CONTAINS},
    {"BEGINSWITH", T_OP, ST_PRED_BEGINSWITH},
    {"ENDSWITH", T_OP, ST_PRED_ENDSWITH},
    {"LIKE", T_OP, ST_PRED_LIKE}, {"MATCHES", T_OP, ST_PRED_MATCHES},
    {"IN", T_OP, ST_PRED_IN},   {"BETWEEN", T_OP, ST_PRED_BETWEEN},
};

static const char *const unsupported_words[] = {
    "ANY", "ALL", "SOME", "NONE", "SUBQUERY", "FUNCTION",
};

/* Lexes the next token into ps->tok (T_ERR after an error). */
static void lex(parser *ps)
{
    token *t = &ps->tok;
    if (ps->failed) {
        t->k = T_ERR;
        return;
    }
    while (ps->pos < ps->n) {
        char c = ps->s[ps->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v')
            ps->pos++;
        else
            break;
    }
    memset(t, 0, sizeof *t);
    t->start = t->end = ps->pos;
    if (ps->pos >= ps->n) {
        t->k = T_END;
        return;
    }
    const char *s = ps->s;
    size_t i = ps->pos;
    char c = s[i];
    char c1 = i + 1 < ps->n ? s[i + 1] : '\0';
    size_t oplen = 0;
    switch (c) {
    case '(': t->k = T_LPAREN; oplen = 1; break;
    case ')': t->k = T_RPAREN; oplen = 1; break;
    case '{': t->k = T_LBRACE; oplen = 1; break;
    case '}': t->k = T_RBRACE; oplen = 1; break;
    case ',': t->k = T_COMMA; oplen = 1; break;
    case '"': case '\'': lex_string(ps); return;
    case '=':
        t->k = T_OP;
        if (c1 == '=') { t->op = ST_PRED_EQ; oplen = 2; }
        else if (c1 == '<') { t->op = ST_PRED_LE; oplen = 2; }
        else if (c1 == '>') { t->op = ST_PRED_GE; oplen = 2; }
        else { t->op = ST_PRED_EQ; oplen = 1; }
        break;
    case '!':
        if (c1 == '=') { t->k = T_OP; t->op = ST_PRED_NE; oplen = 2; }
        else { t->k = T_NOT; oplen = 1; }
        break;
    case '<':
        t->k = T_OP;
        if (c1 == '>') { t->op = ST_PRED_NE; oplen = 2; }
        else if (c1 == '=') { t->op = ST_PRED_LE; oplen = 2; }
        else { t->op = ST_PRED_LT; oplen = 1; }
        break;
    case '>':
        t->k = T_OP;
        if (c1 == '=') { t->op = ST_PRED_GE; oplen = 2; }
        else { t->op = ST_PRED_GT; oplen = 1; }
        break;
    case '&':
        if (c1 != '&') {
            perr(ps, i, "expected '&&'");
            return;
        }
        t->k = T_AND; oplen = 2;
        break;
    case '|':
        if (c1 != '|') {
            perr(ps, i, "expected '||'");
            return;
        }
        t->k = T_OR; oplen = 2;
        break;
    default:
        break;
    }
    if (oplen) {
        ps->pos = i + oplen;
        t->end = ps->pos;
        if (t->k == T_OP)
            lex_mods(ps);
        return;
    }
    if ((c >= '0' && c <= '9') || (c == '-' && c1 >= '0' && c1 <= '9')) {
        lex_number(ps);
        return;
    }
    if (is_id_start((unsigned char)c)) {
        size_t e = i + 1;
        while (e < ps->n && is_id_char((unsigned char)s[e]))
            e++;
        ps->pos = e;
        t->end = e;
        t->k = T_IDENT;
        t->str = (st_str){s + i, e - i};
        for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
            if (kw_eq(s + i, e - i, keywords[k].word)) {
                t->k = keywords[k].k;
                t->op = keywords[k].op;
                if (t->k == T_OP)
                    lex_mods(ps);
                return;
            }
        for (size_t k = 0; k < sizeof unsupported_words / sizeof *unsupported_words; k++)
            if (kw_eq(s + i, e - i, unsupported_words[k])) {
                perr(ps, i, "%s is not supported by sigtrail predicates",
                     unsupported_words[k]);
                return;
            }
        return;
    }
    if (c == '\0') {
        perr(ps, i, "unexpected NUL byte");
        return;
    }
    if (c == '$') {
        perr(ps, i, "variables ($name) are not supported");
        return;
    }
    if (c == '[') {
        perr(ps, i, "modifiers must follow the operator directly, as in "
                    "CONTAINS[c]");
        return;
    }
    if ((unsigned char)c >= 0x80) {
        size_t k = i;
        uint32_t cp = utf8_next((const unsigned char *)s, ps->n, &k);
        if (cp < CP_RAW)
            perr(ps, i, "unexpected character '%.*s'; field names are ASCII "
                        "and strings need quotes", (int)(k - i), s + i);
        else
            perr(ps, i, "unexpected byte 0x%02X (invalid UTF-8)",
                 (unsigned char)c);
        return;
    }
    if ((unsigned char)c < 0x20 || c == 0x7F)
        perr(ps, i, "unexpected control character 0x%02X", (unsigned char)c);
    else
        perr(ps, i, "unexpected character '%c'", c);
}

/* ------------------------------------------------------------------ */
/* Fields, enum names, suggestions                                    */
/* ------------------------------------------------------------------ */

/* Spellings accepted by st_field_lookup beyond the canonical names, so
 * suggestions can offer them too (event.c keeps the authoritative list). */
static const char *const extra_field_names[] = {"composedMessage", "pid"};

/* Which literals and operators field f accepts (custom ids: anything). */
static fcls field_class(int f)
{
    switch (f) {
    case ST_F_PID: case ST_F_THREAD: case ST_F_ACTIVITY:
    case ST_F_PARENT_ACTIVITY: case ST_F_TRACE: case ST_F_USER:
    case ST_F_TIMESTAMP: case ST_F_TTL: case ST_F_SIGNPOST_ID: case ST_F_LINE:
        return CLS_NUM;
    case ST_F_MESSAGE_TYPE:
        return CLS_MSGTYPE;
    case ST_F_EVENT_TYPE: case ST_F_SIGNPOST_TYPE: case ST_F_SIGNPOST_SCOPE:
        return CLS_ENUM;
    default:
        return f > ST_F_NONE && f < ST_F__COUNT ? CLS_STR : CLS_ANY;
    }
}

/* messageType names and their numbers as `log` defines them; sigtrail's
 * other Type-column values get private codes >= 0x100 that only compare
 * for equality.  The first name of a code is its canonical spelling. */
#define MT_PRIVATE 0x40000000
static const struct {
    const char *name;
    int code;
} msgtypes[] = {
    {"default", 0}, {"release", 0}, {"info", 1}, {"debug", 2},
    {"error", 16}, {"fault", 17},
    {"activity", MT_PRIVATE}, {"statedump", MT_PRIVATE + 1},
    {"signpost", MT_PRIVATE + 2}, {"timesync", MT_PRIVATE + 3},
    {"unparsed", MT_PRIVATE + 4},
};
#define N_MSGTYPES (sizeof msgtypes / sizeof *msgtypes)

static const struct {
    const char *name;
    int code; /* 0: no number known */
} evtypes[] = {
    {"logEvent", 1024}, {"traceEvent", 768}, {"activityCreateEvent", 513},
    {"activityTransitionEvent", 514}, {"userActionEvent", 0},
    {"signpostEvent", 0}, {"timesyncEvent", 0}, {"stateEvent", 0},
    {"lossEvent", 0},
};
#define N_EVTYPES (sizeof evtypes / sizeof *evtypes)

/* Returns the messageType code of a name (case-insensitive), or -1. */
static int msgtype_code(const char *s, size_t n)
{
    for (size_t i = 0; i < N_MSGTYPES; i++)
        if (kw_eq(s, n, msgtypes[i].name))
            return msgtypes[i].code;
    return -1;
}

/* Returns the canonical name of a messageType code, or NULL. */
static const char *msgtype_name(uint64_t code)
{
    for (size_t i = 0; i < N_MSGTYPES; i++)
        if ((uint64_t)msgtypes[i].code == code)
            return msgtypes[i].name;
    return NULL;
}

/* Edit distance between a and b, ignoring ASCII case; both are short
 * (callers cap them at 64 bytes). */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[65];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t cost = ascii_lower[(unsigned char)a[i - 1]] !=
                          ascii_lower[(unsigned char)b[j - 1]];
            size_t best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* Returns the candidate closest to name when it is close enough to be a
 * plausible typo, else NULL. */
static const char *closest(const char *name, size_t n,
                           const char *const *cands, size_t ncand)
{
    if (n == 0 || n > 64)
        return NULL;
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < ncand; i++) {
        size_t cn = strlen(cands[i]);
        if (cn > 64)
            continue;
        size_t d = edit_distance(name, n, cands[i], cn);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    size_t limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
    return bestd <= limit ? best : NULL;
}

/* Suggests a built-in field name close to name, or NULL. */
static const char *suggest_field(const char *name, size_t n)
{
    const char *cands[ST_F__COUNT + 4];
    size_t k = 0;
    for (int f = ST_F_NONE + 1; f < ST_F__COUNT; f++)
        cands[k++] = st_field_name((st_field)f);
    for (size_t i = 0; i < sizeof extra_field_names / sizeof *extra_field_names; i++)
        cands[k++] = extra_field_names[i];
    return closest(name, n, cands, k);
}

/* Resolves an identifier token to a field id (built-in first, then the
 * resolver); reports "unknown field" with a suggestion and returns 0. */
static int resolve_field(parser *ps, const token *t)
{
    st_field f = st_field_lookup(t->str.p, t->str.n);
    if (f != ST_F_NONE)
        return (int)f;
    if (ps->resolve != NULL) {
        int id = ps->resolve(ps->resolve_ctx, t->str.p, t->str.n);
        if (id > 0)
            return id;
    }
    const char *sug = suggest_field(t->str.p, t->str.n);
    int shown = t->str.n > 64 ? 64 : (int)t->str.n;
    if (sug != NULL)
        perr(ps, t->start, "unknown field '%.*s' (did you mean '%s'?)", shown,
             t->str.p, sug);
    else
        perr(ps, t->start, "unknown field '%.*s'", shown, t->str.p);
    return 0;
}

/* Canonical spelling of an operator, for messages and rendering. */
static const char *op_word(st_pred_op op)
{
    switch (op) {
    case ST_PRED_EQ: return "==";
    case ST_PRED_NE: return "!=";
    case ST_PRED_LT: return "<";
    case ST_PRED_LE: return "<=";
    case ST_PRED_GT: return ">";
    case ST_PRED_GE: return ">=";
    case ST_PRED_CONTAINS: return "CONTAINS";
    case ST_PRED_BEGINSWITH: return "BEGINSWITH";
    case ST_PRED_ENDSWITH: return "ENDSWITH";
    case ST_PRED_LIKE: return "LIKE";
    case ST_PRED_MATCHES: return "MATCHES";
    case ST_PRED_IN: return "IN";
    case ST_PRED_BETWEEN: return "BETWEEN";
    }
    return "?";
}

/* Operators that only make sense on text. */
static int is_text_op(st_pred_op op)
{
    return op == ST_PRED_CONTAINS || op == ST_PRED_BEGINSWITH ||
           op == ST_PRED_ENDSWITH || op == ST_PRED_LIKE ||
           op == ST_PRED_MATCHES;
}

/* Operators that need an order between values. */
static int is_order_op(st_pred_op op)
{
    return op == ST_PRED_LT || op == ST_PRED_LE || op == ST_PRED_GT ||
           op == ST_PRED_GE || op == ST_PRED_BETWEEN;
}

/* Field name for messages: as written for custom fields, else canonical. */
static void field_label(const cmp *c, char *buf, size_t n)
{
    if (c->field > ST_F_NONE && c->field < ST_F__COUNT)
        snprintf(buf, n, "%s", st_field_name((st_field)c->field));
    else
        snprintf(buf, n, "%.*s", c->name.n > 64 ? 64 : (int)c->name.n,
                 c->name.p);
}

/* ------------------------------------------------------------------ */
/* Literals                                                           */
/* ------------------------------------------------------------------ */

/* Formats a number in decimal into buf (>= 22 bytes); returns the length. */
static size_t num_format(num x, char *buf)
{
    char tmp[24];
    size_t k = 0;
    uint64_t m = x.mag;
    do {
        tmp[k++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    size_t o = 0;
    if (x.neg)
        buf[o++] = '-';
    while (k)
        buf[o++] = tmp[--k];
    buf[o] = '\0';
    return o;
}

/* Parses a whole string as an integer (optional '-', decimal or 0x hex);
 * returns 1 and fills *out, or 0 when it is not exactly a number. */
static int num_parse(const char *s, size_t n, num *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    uint64_t v = 0;
    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        for (i += 2; i < n; i++) {
            int h = hexval((unsigned char)s[i]);
            if (h < 0 || v > UINT64_MAX >> 4)
                return 0;
            v = v << 4 | (uint64_t)h;
        }
    } else {
        if (i >= n)
            return 0;
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return 0;
            unsigned d = (unsigned)(s[i] - '0');
            if (v > (UINT64_MAX - d) / 10)
                return 0;
            v = v * 10 + d;
        }
    }
    out->neg = neg && v != 0;
    out->mag = v;
    return 1;
}

/* Orders two sign-magnitude numbers: -1, 0 or 1. */
static int num_cmp(num a, num b)
{
    if (a.neg != b.neg)
        return a.neg ? -1 : 1;
    if (a.mag == b.mag)
        return 0;
    int lt = a.mag < b.mag;
    if (a.neg)
        lt = !lt;
    return lt ? -1 : 1;
}

/* Makes a NUM literal holding x (its text is the decimal form). */
static int lit_set_num(parser *ps, lit *l, num x)
{
    char buf[24];
    size_t len = num_format(x, buf);
    char *t = arena_alloc(ps->p, len + 1);
    if (t == NULL) {
        perr(ps, ps->tok.start, "out of memory");
        return 0;
    }
    memcpy(t, buf, len);
    l->kind = LIT_NUM;
    l->text = (st_str){t, len};
    l->has_num = 1;
    l->n = x;
    return 1;
}

/* Converts the value token t into literal l for comparison c, checking it
 * against the field's class.  Returns 1, or 0 after reporting an error. */
static int make_lit(parser *ps, const cmp *c, const token *t, lit *l)
{
    char fname[80];
    field_label(c, fname, sizeof fname);
    memset(l, 0, sizeof *l);
    switch (t->k) {
    case T_STRING:
        if (c->cl == CLS_NUM) {
            perr(ps, t->start, "%s is numeric; expected a number, found a "
                               "string", fname);
            return 0;
        }
        if (c->cl == CLS_MSGTYPE) {
            int code = msgtype_code(t->str.p, t->str.n);
            if (code < 0) {
                perr(ps, t->start, "unknown messageType \"%.*s\"; expected "
                     "default, info, debug, error or fault",
                     t->str.n > 40 ? 40 : (int)t->str.n, t->str.p);
                return 0;
            }
            if (!lit_set_num(ps, l, (num){0, (uint64_t)code}))
                return 0;
            l->kind = LIT_IDENT; /* written as a name: render it as one */
            return 1;
        }
        l->kind = LIT_STR;
        l->text = t->str;
        if (c->cl == CLS_ANY)
            l->has_num = num_parse(t->str.p, t->str.n, &l->n);
        return 1;
    case T_NUMBER:
        if (c->cl == CLS_STR) {
            perr(ps, t->start, "%s is text; expected a quoted string, found "
                               "a number", fname);
            return 0;
        }
        if (c->cl == CLS_ENUM) {
            if (c->field == ST_F_EVENT_TYPE && !t->n.neg)
                for (size_t i = 0; i < N_EVTYPES; i++)
                    if (evtypes[i].code != 0 &&
                        (uint64_t)evtypes[i].code == t->n.mag) {
                        l->kind = LIT_IDENT;
                        l->text = (st_str){evtypes[i].name,
                                           strlen(evtypes[i].name)};
                        return 1;
                    }
            if (c->field == ST_F_EVENT_TYPE)
                perr(ps, t->start, "unknown eventType number; expected 513, "
                     "514, 768, 1024 or a name such as logEvent");
            else
                perr(ps, t->start, "%s takes a name, found a number", fname);
            return 0;
        }
        return lit_set_num(ps, l, t->n);
    case T_IDENT:
        if (c->cl == CLS_MSGTYPE) {
            int code = msgtype_code(t->str.p, t->str.n);
            if (code < 0) {
                const char *cands[N_MSGTYPES];
                for (size_t i = 0; i < N_MSGTYPES; i++)
                    cands[i] = msgtypes[i].name;
                const char *sug = closest(t->str.p, t->str.n, cands, N_MSGTYPES);
                int shown = t->str.n > 40 ? 40 : (int)t->str.n;
                if (sug)
                    perr(ps, t->start, "unknown messageType '%.*s' (did you "
                         "mean '%s'?)", shown, t->str.p, sug);
                else
                    perr(ps, t->start, "unknown messageType '%.*s'; expected "
                         "default, info, debug, error or fault", shown,
                         t->str.p);
                return 0;
            }
            if (!lit_set_num(ps, l, (num){0, (uint64_t)code}))
                return 0;
            l->kind = LIT_IDENT;
            return 1;
        }
        if (c->cl == CLS_ENUM) {
            l->kind = LIT_IDENT;
            l->text = t->str;
            if (c->field == ST_F_EVENT_TYPE) {
                const char *cands[N_EVTYPES];
                for (size_t i = 0; i < N_EVTYPES; i++) {
                    cands[i] = evtypes[i].name;
                    if (kw_eq(t->str.p, t->str.n, evtypes[i].name)) {
                        l->text = (st_str){evtypes[i].name,
                                           strlen(evtypes[i].name)};
                        return 1;
                    }
                }
                const char *sug = closest(t->str.p, t->str.n, cands, N_EVTYPES);
                int shown = t->str.n > 40 ? 40 : (int)t->str.n;
                if (sug)
                    perr(ps, t->start, "unknown eventType '%.*s' (did you "
                         "mean '%s'?)", shown, t->str.p, sug);
                else
                    perr(ps, t->start, "unknown eventType '%.*s'; quote it "
                         "to compare as text", shown, t->str.p);
                return 0;
            }
            return 1;
        }
        {
            int shown = t->str.n > 40 ? 40 : (int)t->str.n;
            if (st_field_lookup(t->str.p, t->str.n) != ST_F_NONE)
                perr(ps, t->start, "expected a value after %s; comparing two "
                     "fields is not supported", op_word(c->op));
            else
                perr(ps, t->start, "expected a value after %s; quote text: "
                     "\"%.*s\"", op_word(c->op), shown, t->str.p);
        }
        return 0;
    default: {
        char d[48];
        perr(ps, t->start, "expected a value after %s, found %s",
             op_word(c->op), tok_desc(ps, d, sizeof d));
        return 0;
    }
    }
}

/* Picks the needle byte least likely to occur in log text, so the
 * case-insensitive search stops at few false candidates.  Letters are
 * ranked by English frequency; space, common separators and vowels are
 * poor keys, other punctuation and digits good ones. */
static size_t rarest_byte(const char *nd, size_t m)
{
    static const char by_freq[] = " etaoinsrhldcumfpgwybvkxjqz";
    size_t best = 0;
    int best_rank = -1;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)nd[i];
        const char *f = c ? strchr(by_freq, c) : NULL;
        int rank = f ? (int)(f - by_freq) : 40;
        if (c == '.' || c == '/' || c == '_' || c == '-' || c == ':')
            rank = 12; /* common in paths, subsystems, identifiers */
        if (rank > best_rank) {
            best_rank = rank;
            best = i;
        }
    }
    return best;
}

/* Folds l->text into l->cp (and a KMP table and ASCII needle for
 * CONTAINS, or wildcard markers for LIKE).  Returns 0 when out of memory. */
static int prep_lit(parser *ps, const cmp *c, lit *l)
{
    int like = c->op == ST_PRED_LIKE;
    if (!like && (c->fold == 0 || c->cl == CLS_MSGTYPE || c->op == ST_PRED_MATCHES))
        return 1;
    const unsigned char *s = (const unsigned char *)l->text.p;
    size_t n = l->text.n;
    uint32_t *cp = arena_alloc(ps->p, (n + 1) * sizeof *cp);
    if (cp == NULL)
        goto oom;
    size_t k = 0, i = 0;
    if (like) {
        while (i < n) {
            uint32_t ch = utf8_next(s, n, &i);
            if (ch == '\\' && i < n) {
                ch = fold_cp(utf8_next(s, n, &i), c->fold);
            } else if (ch == '*') {
                if (k > 0 && cp[k - 1] == CP_STAR)
                    continue; /* ** is * and keeps matching linear */
                ch = CP_STAR;
            } else if (ch == '?') {
                ch = CP_ANY1;
            } else {
                ch = fold_cp(ch, c->fold);
            }
            if (ch != CP_SKIP)
                cp[k++] = ch;
        }
    } else {
        uint32_t ch;
        while ((ch = fnext(s, n, &i, c->fold)) != CP_END)
            cp[k++] = ch;
    }
    l->cp = cp;
    l->ncp = k;
    if (c->op != ST_PRED_CONTAINS)
        return 1;
    size_t *kmp = arena_alloc(ps->p, (k + 1) * sizeof *kmp);
    if (kmp == NULL)
        goto oom;
    /* kmp[j]: length of the longest proper border of cp[0..j] */
    size_t b = 0;
    for (size_t j = 1; j < k; j++) {
        while (b > 0 && cp[j] != cp[b])
            b = kmp[b - 1];
        if (cp[j] == cp[b])
            b++;
        kmp[j] = b;
    }
    l->kmp = kmp;
    int ascii = 1;
    for (size_t j = 0; j < k; j++)
        if (cp[j] >= 0x80)
            ascii = 0;
    if (ascii) {
        char *f = arena_alloc(ps->p, k + 1);
        if (f == NULL)
            goto oom;
        for (size_t j = 0; j < k; j++)
            f[j] = (char)cp[j];
        l->fast = f;
        l->nfast = k;
        l->fast_has_s = memchr(f, 's', k) != NULL;
        l->rare = rarest_byte(f, k);
    }
    return 1;
oom:
    perr(ps, ps->tok.start, "out of memory");
    return 0;
}

/* Compiles the MATCHES pattern of c (from token t for error columns):
 * anchored at both ends like NSPredicate, UTF mode tolerant of invalid
 * subjects, JIT when the platform has it. */
static int compile_regex(parser *ps, cmp *c, const token *t)
{
    st_pred *p = ps->p;
    uint32_t o = PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED |
                 PCRE2_NEVER_BACKSLASH_C;
#ifdef PCRE2_MATCH_INVALID_UTF
    o |= PCRE2_MATCH_INVALID_UTF;
#endif
    if (c->fold & FOLD_C)
        o |= PCRE2_CASELESS;
    int ec;
    PCRE2_SIZE eo;
    const lit *l = &c->lits[0];
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)l->text.p, l->text.n, o, &ec,
                                   &eo, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", ec);
        size_t off = t->start;
        if (!t->escaped && eo <= l->text.n)
            off = t->start + 1 + eo;
        perr(ps, off, "invalid regular expression: %s", (const char *)msg);
        return 0;
    }
    rxlist *r = arena_alloc(p, sizeof *r);
    if (r == NULL) {
        pcre2_code_free(re);
        perr(ps, t->start, "out of memory");
        return 0;
    }
    r->code = re;
    r->next = p->rx;
    p->rx = r;
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* else interpreter */
    if (p->mctx == NULL) {
        p->mctx = pcre2_match_context_create(NULL);
        if (p->mctx == NULL) {
            perr(ps, t->start, "out of memory");
            return 0;
        }
        pcre2_set_match_limit(p->mctx, p->match_limit);
        pcre2_set_depth_limit(p->mctx, p->depth_limit);
    }
    c->mctx = p->mctx;
    c->re = re;
    c->hits = p->hits;
    p->has_regex = 1;
    if (c->fold & FOLD_D)
        p->need_fold = 1;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Parser                                                             */
/* ------------------------------------------------------------------ */

/* Returns a new node of kind k, or NULL (error reported) when out of
 * memory. */
static node *new_node(parser *ps, nkind k)
{
    node *n = arena_alloc(ps->p, sizeof *n);
    if (n == NULL) {
        perr(ps, ps->tok.start, "out of memory");
        return NULL;
    }
    n->kind = k;
    return n;
}

/* Appends kid to parent's children; an AND inside an AND (or OR in OR)
 * gives up its children instead, so chains stay flat whatever the
 * parentheses.  Assumes kid is in no list yet. */
static void add_child(node *parent, node *kid)
{
    node *first = kid, *last = kid;
    if (kid->kind == parent->kind && (kid->kind == N_AND || kid->kind == N_OR)) {
        first = kid->first;
        last = kid->last;
    } else {
        kid->next = kid->prev = NULL;
    }
    first->prev = parent->last;
    if (parent->last)
        parent->last->next = first;
    else
        parent->first = first;
    parent->last = last;
}

/* Parses "{ value, ... }" at the current '{' into c's literals, requiring
 * between min and max members. */
static int parse_set(parser *ps, cmp *c, size_t min, size_t max)
{
    size_t open = ps->tok.start;
    char lc[32], d[48];
    linecol(ps, open, lc, sizeof lc);
    lex(ps);
    lit *tmp = NULL;
    size_t n = 0, cap = 0;
    if (ps->tok.k != T_RBRACE) {
        for (;;) {
            if (ps->tok.k == T_NIL || ps->tok.k == T_LBRACE) {
                perr(ps, ps->tok.start, ps->tok.k == T_NIL
                     ? "nil is not allowed in a set"
                     : "nested sets are not supported");
                goto fail;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                lit *g = realloc(tmp, nc * sizeof *g);
                if (g == NULL) {
                    perr(ps, ps->tok.start, "out of memory");
                    goto fail;
                }
                tmp = g;
                cap = nc;
            }
            if (!make_lit(ps, c, &ps->tok, &tmp[n]))
                goto fail;
            n++;
            lex(ps);
            if (ps->tok.k == T_COMMA) {
                lex(ps);
                continue;
            }
            if (ps->tok.k == T_RBRACE)
                break;
            if (ps->tok.k != T_ERR)
                perr(ps, ps->tok.start, "expected ',' or '}' in the set "
                     "opened at %s, found %s", lc, tok_desc(ps, d, sizeof d));
            goto fail;
        }
    }
    if (n < min || n > max) {
        perr(ps, open, "BETWEEN needs a set of two values {low, high}, "
                       "found %zu", n);
        goto fail;
    }
    c->lits = arena_alloc(ps->p, (n ? n : 1) * sizeof *c->lits);
    if (c->lits == NULL) {
        perr(ps, open, "out of memory");
        goto fail;
    }
    if (n)
        memcpy(c->lits, tmp, n * sizeof *tmp);
    c->nlit = n;
    free(tmp);
    lex(ps);
    return 1;
fail:
    free(tmp);
    return 0;
}

/* Fills in c's field, class and folding; rejects operator/field pairs that
 * cannot work (CONTAINS on a number, [c] on a number). */
static int setup_cmp(parser *ps, cmp *c, const token *name, int field,
                     const token *optok)
{
    char fname[80];
    c->field = field;
    c->cl = field_class(field);
    if (c->cl == CLS_ANY) {
        char *copy = arena_alloc(ps->p, name->str.n + 1);
        if (copy == NULL) {
            perr(ps, name->start, "out of memory");
            return 0;
        }
        memcpy(copy, name->str.p, name->str.n);
        c->name = (st_str){copy, name->str.n};
    }
    field_label(c, fname, sizeof fname);
    if (is_text_op(c->op) && c->cl == CLS_NUM) {
        perr(ps, optok->start, "%s needs a text field; %s is numeric",
             op_word(c->op), fname);
        return 0;
    }
    if (is_text_op(c->op) && c->cl == CLS_MSGTYPE) {
        perr(ps, optok->start, "%s is not supported on messageType; use ==, "
             "!=, <, >, IN or BETWEEN", op_word(c->op));
        return 0;
    }
    if (c->mods && (c->cl == CLS_NUM || c->cl == CLS_MSGTYPE)) {
        perr(ps, optok->start, "[c] and [d] apply to text; %s compares "
             "numbers", fname);
        return 0;
    }
    c->fold = c->mods | (c->cl == CLS_ENUM ? FOLD_C : 0u);
    return 1;
}

/* Final checks and precomputation once c's literals are known. */
static int finish_cmp(parser *ps, cmp *c, const token *valtok)
{
    for (size_t i = 0; i < c->nlit; i++) {
        lit *l = &c->lits[i];
        if (c->cl == CLS_MSGTYPE && is_order_op(c->op) &&
            l->kind == LIT_IDENT && l->n.mag >= MT_PRIVATE) {
            perr(ps, valtok->start, "messageType %s has no order; use == "
                 "or !=", msgtype_name(l->n.mag));
            return 0;
        }
        if (!prep_lit(ps, c, l))
            return 0;
    }
    if (c->op == ST_PRED_MATCHES)
        return compile_regex(ps, c, valtok);
    return 1;
}

/* Parses the right-hand side of `field OP ...` (current token) into c. */
static int parse_value(parser *ps, cmp *c)
{
    token v = ps->tok;
    char d[48];
    if (c->op == ST_PRED_IN || c->op == ST_PRED_BETWEEN) {
        if (v.k != T_LBRACE) {
            if (v.k != T_ERR)
                perr(ps, v.start, "expected '{' after %s (a set such as "
                     "{\"a\", \"b\"}), found %s", op_word(c->op),
                     tok_desc(ps, d, sizeof d));
            return 0;
        }
        c->is_set = c->op == ST_PRED_IN;
        if (!parse_set(ps, c, c->op == ST_PRED_BETWEEN ? 2 : 0,
                       c->op == ST_PRED_BETWEEN ? 2 : (size_t)-1))
            return 0;
        return finish_cmp(ps, c, &v);
    }
    if (v.k == T_NIL) {
        if (c->op != ST_PRED_EQ && c->op != ST_PRED_NE) {
            perr(ps, v.start, "nil can only be compared with == or !=");
            return 0;
        }
        c->nil = 1;
        lex(ps);
        return 1;
    }
    if (v.k == T_LBRACE) {
        perr(ps, v.start, "expected a single value after %s; sets go with "
             "IN or BETWEEN", op_word(c->op));
        return 0;
    }
    if (v.k == T_ERR)
        return 0;
    c->lits = arena_alloc(ps->p, sizeof *c->lits);
    if (c->lits == NULL) {
        perr(ps, v.start, "out of memory");
        return 0;
    }
    c->nlit = 1;
    if (!make_lit(ps, c, &v, &c->lits[0]))
        return 0;
    lex(ps);
    return finish_cmp(ps, c, &v);
}

/* Parses one comparison: `field OP value` or `value OP field`. */
static node *parse_comparison(parser *ps)
{
    char d[48];
    token L = ps->tok;
    if (L.k == T_ERR)
        return NULL;
    if (L.k != T_IDENT && L.k != T_STRING && L.k != T_NUMBER && L.k != T_NIL) {
        perr(ps, L.start, "expected a comparison such as process == "
             "\"sudo\", found %s", tok_desc(ps, d, sizeof d));
        return NULL;
    }
    lex(ps);
    if (ps->tok.k != T_OP) {
        if (ps->tok.k == T_ERR)
            return NULL;
        if (L.k == T_IDENT)
            perr(ps, ps->tok.start, "expected an operator (==, !=, <, >, "
                 "CONTAINS, BEGINSWITH, ENDSWITH, LIKE, MATCHES, IN, BETWEEN) "
                 "after '%.*s', found %s", L.str.n > 40 ? 40 : (int)L.str.n,
                 L.str.p, tok_desc(ps, d, sizeof d));
        else
            perr(ps, ps->tok.start, "expected an operator after the value, "
                 "found %s", tok_desc(ps, d, sizeof d));
        return NULL;
    }
    token O = ps->tok;
    lex(ps);
    cmp *c = arena_alloc(ps->p, sizeof *c);
    node *n = new_node(ps, N_CMP);
    if (c == NULL || n == NULL) {
        perr(ps, O.start, "out of memory");
        return NULL;
    }
    n->c = c;
    c->mods = O.mods;
    c->op = O.op;
    if (L.k == T_IDENT) {
        int f = resolve_field(ps, &L);
        if (!f || !setup_cmp(ps, c, &L, f, &O) || !parse_value(ps, c))
            return NULL;
        return n;
    }
    /* a literal on the left: the field must be on the right */
    token F = ps->tok;
    if (F.k != T_IDENT) {
        if (F.k != T_ERR)
            perr(ps, L.start, "expected a field name on one side of %s",
                 op_word(O.op));
        return NULL;
    }
    int f = resolve_field(ps, &F);
    if (!f)
        return NULL;
    switch (O.op) {
    case ST_PRED_EQ: case ST_PRED_NE: break;
    case ST_PRED_LT: c->op = ST_PRED_GT; break;
    case ST_PRED_LE: c->op = ST_PRED_GE; break;
    case ST_PRED_GT: c->op = ST_PRED_LT; break;
    case ST_PRED_GE: c->op = ST_PRED_LE; break;
    case ST_PRED_IN:
        if (L.k == T_STRING) { /* "text" IN field: substring test */
            c->op = ST_PRED_CONTAINS;
            break;
        }
        /* fall through */
    default:
        perr(ps, L.start, "put the field on the left of %s (field %s value)",
             op_word(O.op), op_word(O.op));
        return NULL;
    }
    if (!setup_cmp(ps, c, &F, f, &O))
        return NULL;
    if (L.k == T_NIL) {
        if (c->op != ST_PRED_EQ && c->op != ST_PRED_NE) {
            perr(ps, L.start, "nil can only be compared with == or !=");
            return NULL;
        }
        c->nil = 1;
        lex(ps);
        return n;
    }
    c->lits = arena_alloc(ps->p, sizeof *c->lits);
    if (c->lits == NULL) {
        perr(ps, L.start, "out of memory");
        return NULL;
    }
    c->nlit = 1;
    if (!make_lit(ps, c, &L, &c->lits[0]) || !finish_cmp(ps, c, &L))
        return NULL;
    lex(ps);
    return n;
}

static node *parse_or(parser *ps);

/* primary := '(' or ')' | TRUEPREDICATE | FALSEPREDICATE | comparison */
static node *parse_primary(parser *ps)
{
    char d[48], lc[32];
    token *t = &ps->tok;
    if (t->k == T_LPAREN) {
        size_t open = t->start;
        if (++ps->depth > ST_PRED_MAX_DEPTH) {
            perr(ps, open, "nesting deeper than %d levels (parentheses and "
                 "NOT)", ST_PRED_MAX_DEPTH);
            return NULL;
        }
        lex(ps);
        node *n = parse_or(ps);
        if (n == NULL)
            return NULL;
        if (ps->tok.k != T_RPAREN) {
            linecol(ps, open, lc, sizeof lc);
            if (ps->tok.k != T_ERR)
                perr(ps, ps->tok.start, "expected ')' to close the '(' at %s, "
                     "found %s", lc, tok_desc(ps, d, sizeof d));
            return NULL;
        }
        ps->depth--;
        lex(ps);
        return n;
    }
    if (t->k == T_TRUE || t->k == T_FALSE) {
        node *n = new_node(ps, t->k == T_TRUE ? N_TRUE : N_FALSE);
        lex(ps);
        return n;
    }
    return parse_comparison(ps);
}

/* not := (NOT | '!') not | primary */
static node *parse_not(parser *ps)
{
    if (ps->tok.k != T_NOT)
        return parse_primary(ps);
    if (++ps->depth > ST_PRED_MAX_DEPTH) {
        perr(ps, ps->tok.start, "nesting deeper than %d levels (parentheses "
             "and NOT)", ST_PRED_MAX_DEPTH);
        return NULL;
    }
    lex(ps);
    node *kid = parse_not(ps);
    if (kid == NULL)
        return NULL;
    ps->depth--;
    node *n = new_node(ps, N_NOT);
    if (n == NULL)
        return NULL;
    add_child(n, kid);
    return n;
}

/* and := not { (AND | '&&') not } */
static node *parse_and(parser *ps)
{
    node *n = parse_not(ps);
    node *group = NULL;
    while (n != NULL && ps->tok.k == T_AND) {
        lex(ps);
        node *m = parse_not(ps);
        if (m == NULL)
            return NULL;
        if (group == NULL) {
            if ((group = new_node(ps, N_AND)) == NULL)
                return NULL;
            add_child(group, n);
            n = group;
        }
        add_child(group, m);
    }
    return n;
}

/* or := and { (OR | '||') and } */
static node *parse_or(parser *ps)
{
    node *n = parse_and(ps);
    node *group = NULL;
    while (n != NULL && ps->tok.k == T_OR) {
        lex(ps);
        node *m = parse_and(ps);
        if (m == NULL)
            return NULL;
        if (group == NULL) {
            if ((group = new_node(ps, N_OR)) == NULL)
                return NULL;
            add_child(group, n);
            n = group;
        }
        add_child(group, m);
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                         */
/* ------------------------------------------------------------------ */

/* A field value ready for comparison: text and/or number. */
typedef struct val {
    const unsigned char *s; /* text (numbers are formatted when needed) */
    size_t n;
    int native;             /* the getter gave a number */
    int numok;              /* x valid: 1, not a number: 0, untried: -1 */
    num x;
} val;

/* Turns the getter's value into a val for comparison c, formatting
 * numbers into buf (>= 24 bytes) when c compares text.  Returns 0 when
 * the value is absent, or unusable for c (a messageType that is not a
 * known type, text that is not a number in a numeric field), which the
 * caller treats as absent. */
static int make_val(const cmp *c, const st_value *v, val *x, char *buf)
{
    x->native = 0;
    x->numok = -1;
    switch (v->kind) {
    case ST_V_INT:
        x->native = x->numok = 1;
        x->x.neg = v->i < 0;
        x->x.mag = v->i < 0 ? (uint64_t)(-(v->i + 1)) + 1 : (uint64_t)v->i;
        break;
    case ST_V_UINT:
        x->native = x->numok = 1;
        x->x.neg = 0;
        x->x.mag = v->u;
        break;
    case ST_V_STR:
        x->s = v->s.p ? (const unsigned char *)v->s.p
                      : (const unsigned char *)"";
        x->n = v->s.p ? v->s.n : 0;
        break;
    default:
        return 0;
    }
    if (c->cl == CLS_MSGTYPE) {
        if (!x->native) {
            int code = msgtype_code((const char *)x->s, x->n);
            if (code < 0)
                return 0;
            x->x = (num){0, (uint64_t)code};
            x->native = x->numok = 1;
        }
        return 1;
    }
    if (c->cl == CLS_NUM) {
        if (!x->native && !num_parse((const char *)x->s, x->n, &x->x))
            return 0;
        return 1;
    }
    if (x->native) {
        x->n = num_format(x->x, buf);
        x->s = (const unsigned char *)buf;
    }
    return 1;
}

/* Orders folded text s against the folded literal l: -1, 0 or 1. */
static int fold_order(const unsigned char *s, size_t n, const lit *l,
                      unsigned fold)
{
    size_t i = 0, j = 0;
    for (;;) {
        uint32_t a = fnext(s, n, &i, fold);
        uint32_t b = j < l->ncp ? l->cp[j++] : CP_END;
        if (a == b) {
            if (a == CP_END)
                return 0;
            continue;
        }
        if (a == CP_END)
            return -1;
        if (b == CP_END)
            return 1;
        return a < b ? -1 : 1;
    }
}

/* Bytewise order (which is code point order for UTF-8). */
static int byte_order(const unsigned char *s, size_t n, st_str t)
{
    size_t m = n < t.n ? n : t.n;
    int r = m ? memcmp(s, t.p, m) : 0;
    if (r)
        return r < 0 ? -1 : 1;
    return n < t.n ? -1 : n > t.n;
}

/* Evaluates x op l for ==, <, <=, >, >= (number or text as the field and
 * the literal dictate; see docs/predicates.md "Values"). */
static int rel(const cmp *c, val *x, const lit *l, st_pred_op op)
{
    int r;
    int numeric = c->cl == CLS_NUM || c->cl == CLS_MSGTYPE;
    if (c->cl == CLS_MSGTYPE && op != ST_PRED_EQ &&
        (x->x.mag >= MT_PRIVATE || l->n.mag >= MT_PRIVATE))
        return 0; /* Activity, Signpost ... have no order */
    if (c->cl == CLS_ANY) {
        if (l->kind == LIT_NUM) {
            if (x->numok < 0)
                x->numok = num_parse((const char *)x->s, x->n, &x->x);
            numeric = x->numok;
        } else if (x->native && l->has_num) {
            numeric = 1;
        }
    }
    if (numeric) {
        r = num_cmp(x->x, l->n);
    } else if (c->fold) {
        r = fold_order(x->s, x->n, l, c->fold);
    } else if (op == ST_PRED_EQ) {
        return x->n == l->text.n && (x->n == 0 || memcmp(x->s, l->text.p, x->n) == 0);
    } else {
        r = byte_order(x->s, x->n, l->text);
    }
    switch (op) {
    case ST_PRED_EQ: return r == 0;
    case ST_PRED_LT: return r < 0;
    case ST_PRED_LE: return r <= 0;
    case ST_PRED_GT: return r > 0;
    case ST_PRED_GE: return r >= 0;
    default: return 0;
    }
}

/* Finds needle nd[0..m) (lower-case ASCII) in s[0..n) ignoring ASCII case.
 * memchr finds candidates for both cases of the key byte nd[r] (chosen
 * rare at compile time); each position is scanned at most once per case,
 * so the search stays linear apart from candidate checks. */
static int ascii_casemem(const unsigned char *s, size_t n, const char *nd,
                         size_t m, size_t r)
{
    if (m == 0)
        return 1;
    if (m > n)
        return 0;
    unsigned char f = (unsigned char)nd[r];
    unsigned char F = f >= 'a' && f <= 'z' ? (unsigned char)(f - 32) : f;
    /* the key of a match starting at i sits at i + r, i <= n - m */
    const unsigned char *lo = s + r, *end = s + (n - m + 1) + r;
    const unsigned char *a = memchr(lo, f, (size_t)(end - lo));
    const unsigned char *b = F != f ? memchr(lo, F, (size_t)(end - lo)) : NULL;
    while (a != NULL || b != NULL) {
        const unsigned char *q = a == NULL ? b : b == NULL ? a : a < b ? a : b;
        const unsigned char *start = q - r;
        size_t k = 0;
        while (k < m && ascii_lower[start[k]] == (unsigned char)nd[k])
            k++;
        if (k == m)
            return 1;
        const unsigned char *from = q + 1;
        if (q == a)
            a = from < end ? memchr(from, f, (size_t)(end - from)) : NULL;
        if (q == b)
            b = from < end ? memchr(from, F, (size_t)(end - from)) : NULL;
    }
    return 0;
}

/* CONTAINS.  Case-sensitive: memmem.  Folding with an ASCII needle: an
 * ASCII search first, then full folding only when non-ASCII subject text
 * could fold to ASCII: under [d] any non-ASCII byte may (é -> e, combining
 * marks vanish); under [c] alone only U+017F long s can (-> s), so that
 * case needs both an 's' in the needle and "\xC5\xBF" in the subject.
 * Otherwise a KMP search over the folded code point stream, linear and
 * buffer-free. */
static int contains(const cmp *c, const val *x, const lit *l)
{
    if (c->fold == 0)
        return l->text.n == 0 ||
               memmem(x->s, x->n, l->text.p, l->text.n) != NULL;
    if (l->fast != NULL) {
        int hit = (c->fold & FOLD_C)
                      ? ascii_casemem(x->s, x->n, l->fast, l->nfast, l->rare)
                      : l->nfast == 0 ||
                            memmem(x->s, x->n, l->fast, l->nfast) != NULL;
        if (hit)
            return 1;
        if (c->fold & FOLD_D) {
            if (!has_high(x->s, x->n))
                return 0;
        } else if (!l->fast_has_s || memmem(x->s, x->n, "\xc5\xbf", 2) == NULL) {
            return 0;
        }
    }
    if (l->ncp == 0)
        return 1;
    size_t i = 0, j = 0;
    uint32_t ch;
    while ((ch = fnext(x->s, x->n, &i, c->fold)) != CP_END) {
        while (j > 0 && ch != l->cp[j])
            j = l->kmp[j - 1];
        if (ch == l->cp[j] && ++j == l->ncp)
            return 1;
    }
    return 0;
}

/* BEGINSWITH. */
static int begins(const cmp *c, const val *x, const lit *l)
{
    if (c->fold == 0)
        return x->n >= l->text.n &&
               (l->text.n == 0 || memcmp(x->s, l->text.p, l->text.n) == 0);
    size_t i = 0;
    for (size_t j = 0; j < l->ncp; j++)
        if (fnext(x->s, x->n, &i, c->fold) != l->cp[j])
            return 0;
    return 1;
}

/* ENDSWITH.  Folded: count the subject's folded code points, skip to the
 * last ncp of them and compare (two forward passes, no buffer). */
static int ends(const cmp *c, const val *x, const lit *l)
{
    if (c->fold == 0)
        return x->n >= l->text.n &&
               (l->text.n == 0 ||
                memcmp(x->s + x->n - l->text.n, l->text.p, l->text.n) == 0);
    size_t total = 0, i = 0;
    while (fnext(x->s, x->n, &i, c->fold) != CP_END)
        total++;
    if (total < l->ncp)
        return 0;
    i = 0;
    for (size_t k = 0; k < total - l->ncp; k++)
        (void)fnext(x->s, x->n, &i, c->fold);
    for (size_t j = 0; j < l->ncp; j++)
        if (fnext(x->s, x->n, &i, c->fold) != l->cp[j])
            return 0;
    return 1;
}

/* LIKE: whole-string wildcard match of the folded subject against the
 * pattern (CP_STAR, CP_ANY1, literal code points).  Greedy with one
 * remembered star, so O(n*m) time and no recursion. */
static int like(const cmp *c, const val *x, const lit *l)
{
    const uint32_t *p = l->cp;
    size_t m = l->ncp, pi = 0, si = 0;
    size_t star_pi = (size_t)-1, star_si = 0;
    for (;;) {
        size_t next = si;
        uint32_t ch = fnext(x->s, x->n, &next, c->fold);
        if (ch == CP_END)
            break;
        if (pi < m && p[pi] == CP_STAR) {
            star_pi = pi++;
            star_si = si;
            continue;
        }
        if (pi < m && (p[pi] == CP_ANY1 || p[pi] == ch)) {
            pi++;
            si = next;
            continue;
        }
        if (star_pi == (size_t)-1)
            return 0;
        pi = star_pi + 1;
        (void)fnext(x->s, x->n, &star_si, c->fold);
        si = star_si;
    }
    while (pi < m && p[pi] == CP_STAR)
        pi++;
    return pi == m;
}

/* MATCHES through PCRE2.  [d] folds the subject into the scratch first
 * (the pattern is used as written); a subject too long for that buffer,
 * a missing scratch and every PCRE2 failure other than "no match" (match,
 * depth, heap, JIT stack limits) count as a limit hit and as no match. */
static int regex(const cmp *c, const val *x, st_pred_scratch *sc)
{
    const unsigned char *subj = x->s;
    size_t len = x->n;
    if (sc == NULL || sc->md == NULL)
        goto limit;
    if (c->fold & FOLD_D) {
        if (sc->fold == NULL || len > sc->fold_cap)
            goto limit;
        size_t i = 0, o = 0;
        while (i < len) {
            uint32_t ch = fold_cp(utf8_next(x->s, len, &i), FOLD_D);
            if (ch != CP_SKIP)
                o += utf8_put(ch, sc->fold + o);
        }
        subj = (const unsigned char *)sc->fold;
        len = o;
    }
    int rc = pcre2_match(c->re, subj, len, 0, 0, sc->md, c->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
limit:
    atomic_fetch_add_explicit(c->hits, 1, memory_order_relaxed);
    return 0;
}

/* Tests comparison c against one field value with every rule of the
 * language (absent values, nil, numbers, folding). */
static int test_value(const cmp *c, const st_value *v, st_pred_scratch *sc)
{
    if (c->nil)
        return (v->kind == ST_V_NONE) == (c->op == ST_PRED_EQ);
    char buf[24];
    val x;
    if (!make_val(c, v, &x, buf))
        return c->op == ST_PRED_NE;
    const lit *l = c->lits;
    switch (c->op) {
    case ST_PRED_NE:
        return !rel(c, &x, l, ST_PRED_EQ);
    case ST_PRED_EQ: case ST_PRED_LT: case ST_PRED_LE: case ST_PRED_GT:
    case ST_PRED_GE:
        return rel(c, &x, l, c->op);
    case ST_PRED_IN:
        for (size_t i = 0; i < c->nlit; i++)
            if (rel(c, &x, &l[i], ST_PRED_EQ))
                return 1;
        return 0;
    case ST_PRED_BETWEEN:
        return rel(c, &x, &l[0], ST_PRED_GE) && rel(c, &x, &l[1], ST_PRED_LE);
    case ST_PRED_CONTAINS:
        return contains(c, &x, l);
    case ST_PRED_BEGINSWITH:
        return begins(c, &x, l);
    case ST_PRED_ENDSWITH:
        return ends(c, &x, l);
    case ST_PRED_LIKE:
        return like(c, &x, l);
    case ST_PRED_MATCHES:
        return regex(c, &x, sc);
    }
    return 0;
}

int st_pred_eval_r(const st_pred *p, st_pred_get_fn get, void *ctx,
                   st_pred_scratch *scratch)
{
    /* Runs the jumping code; every jump goes to an instruction built
     * earlier (a lower index) or to a verdict, so the loop ends. */
    if (p == NULL || get == NULL)
        return 0;
    if (scratch == NULL)
        scratch = p->own;
    int pc = p->entry;
    while (pc >= 0) {
        const ins *in = &p->prog[pc];
        st_value v;
        memset(&v, 0, sizeof v);
        v.kind = ST_V_NONE;
        get(ctx, in->c->field, &v);
        pc = test_value(in->c, &v, scratch) ? in->t : in->f;
    }
    return pc == PC_TRUE;
}

int st_pred_eval(const st_pred *p, st_pred_get_fn get, void *ctx)
{
    /* The predicate's own scratch: not for concurrent use (see header). */
    return st_pred_eval_r(p, get, ctx, NULL);
}

/* Getter over an st_event; ids outside st_field read as absent. */
static void event_get(void *ctx, int field, st_value *out)
{
    st_event_get((const st_event *)ctx, (st_field)field, out);
}

int st_pred_eval_event(const st_pred *p, const st_event *ev)
{
    /* Assumes ev is valid for the duration of the call. */
    return st_pred_eval_r(p, event_get, (void *)ev, NULL);
}

int st_pred_eval_event_r(const st_pred *p, const st_event *ev,
                         st_pred_scratch *scratch)
{
    /* Thread-safe variant: scratch belongs to the calling thread. */
    return st_pred_eval_r(p, event_get, (void *)ev, scratch);
}

/* ------------------------------------------------------------------ */
/* Program, hints, rendering                                          */
/* ------------------------------------------------------------------ */

/* Number of comparisons under n (recursion bounded by the nesting limit). */
static size_t count_cmps(const node *n)
{
    if (n->kind == N_CMP)
        return 1;
    size_t k = 0;
    for (const node *c = n->first; c; c = c->next)
        k += count_cmps(c);
    return k;
}

/* Emits jumping code for n that goes to t when n holds and to f when not;
 * returns the entry point.  Children are emitted last-to-first so every
 * target already exists (lower index), which makes evaluation terminate. */
static int gen(st_pred *p, int *np, const node *n, int t, int f)
{
    int e;
    switch (n->kind) {
    case N_TRUE:
        return t;
    case N_FALSE:
        return f;
    case N_CMP:
        p->prog[*np] = (ins){n->c, t, f};
        return (*np)++;
    case N_NOT:
        return gen(p, np, n->first, f, t);
    case N_AND:
        e = t;
        for (const node *k = n->last; k; k = k->prev)
            e = gen(p, np, k, e, f);
        return e;
    case N_OR:
        e = f;
        for (const node *k = n->last; k; k = k->prev)
            e = gen(p, np, k, t, e);
        return e;
    }
    return f;
}

/* True when c is a cheap single-literal test usable as a prefilter. */
static int hintable(const cmp *c)
{
    return !c->nil && c->nlit == 1 &&
           (c->op == ST_PRED_EQ || c->op == ST_PRED_CONTAINS ||
            c->op == ST_PRED_BEGINSWITH || c->op == ST_PRED_ENDSWITH);
}

/* Fills h from comparison c; returns 0 when out of memory. */
static int fill_hint(st_pred *p, const cmp *c, st_pred_hint *h)
{
    const lit *l = &c->lits[0];
    memset(h, 0, sizeof *h);
    h->field = c->field;
    h->op = c->op;
    h->impl = c;
    h->value = l->text;
    h->case_insensitive = (c->fold & FOLD_C) != 0;
    h->diacritic_insensitive = (c->fold & FOLD_D) != 0;
    if (c->cl == CLS_MSGTYPE) {
        const char *name = l->n.neg ? NULL : msgtype_name(l->n.mag);
        if (name != NULL) {
            h->value = (st_str){name, strlen(name)};
            h->case_insensitive = 1;
        } else {
            h->numeric = 1;
        }
    } else if (c->cl == CLS_NUM || l->kind == LIT_NUM) {
        h->numeric = 1;
    } else if (c->cl == CLS_ANY && l->has_num) {
        /* may compare numerically with a numeric value: give decimal */
        char buf[24];
        size_t len = num_format(l->n, buf);
        char *t = arena_alloc(p, len + 1);
        if (t == NULL)
            return 0;
        memcpy(t, buf, len);
        h->value = (st_str){t, len};
        h->numeric = 1;
    }
    return 1;
}

/* Collects hints from the top-level AND chain (or a lone comparison). */
static int build_hints(st_pred *p)
{
    const node *r = p->root;
    size_t k = 0;
    if (r->kind == N_CMP) {
        k = hintable(r->c);
    } else if (r->kind == N_AND) {
        for (const node *c = r->first; c; c = c->next)
            k += c->kind == N_CMP && hintable(c->c);
    }
    if (k == 0)
        return 1;
    p->hints = arena_alloc(p, k * sizeof *p->hints);
    if (p->hints == NULL)
        return 0;
    if (r->kind == N_CMP)
        return fill_hint(p, r->c, &p->hints[p->nhints++]);
    for (const node *c = r->first; c; c = c->next)
        if (c->kind == N_CMP && hintable(c->c))
            if (!fill_hint(p, c->c, &p->hints[p->nhints++]))
                return 0;
    return 1;
}

/* ---- needs: what an event must carry (for prefilters) ------------------ */

#define NEED_MIN_RX 3        /* shortest literal taken from a regex: a
                                shorter one is in nearly every message */

/* How selective a set of alternatives is: its shortest member (longer is
 * rarer), then fewer members. */
static size_t need_strength(const st_str *v, int n)
{
    size_t m = (size_t)-1;
    for (int i = 0; i < n; i++)
        if (v[i].n < m)
            m = v[i].n;
    return n ? m * 64 + (size_t)(64 - n) : 0;
}

/* Union of b into a (a's count 0 stays "nothing required" only when a was
 * that already; callers handle that); 0 when it would not fit. */
static int need_union(st_str *a, int *na, const st_str *b, int nb)
{
    if (*na + nb > ST_PRED_NEED_MAX)
        return 0;
    for (int i = 0; i < nb; i++)
        a[(*na)++] = b[i];
    return 1;
}

/* Copies len bytes into the predicate's arena; returns the view. */
static st_str need_copy(st_pred *p, const char *b, size_t len)
{
    char *t = arena_alloc(p, len ? len : 1);
    if (t == NULL)
        return ST_STR_NULL;
    memcpy(t, b, len);
    return (st_str){t, len};
}

/* Offers a literal run as a candidate requirement of a sequence. */
static void rx_offer_run(st_pred *p, const char *run, size_t rl,
                         st_str *best, int *nbest)
{
    if (rl < NEED_MIN_RX)
        return;
    st_str v = {run, rl};
    if (need_strength(&v, 1) > need_strength(best, *nbest)) {
        st_str c = need_copy(p, run, rl);
        if (c.p) {
            best[0] = c;
            *nbest = 1;
        }
    }
}

/* Length of a {n}, {n,} or {n,m} quantifier at s (0 when it is not one:
 * PCRE2 then reads the brace as a literal). */
static size_t rx_brace_quant(const char *s, size_t n)
{
    size_t i = 1;
    if (n < 3 || s[0] != '{' || !isdigit((unsigned char)s[1]))
        return 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i < n && s[i] == ',') {
        i++;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    }
    return i < n && s[i] == '}' ? i + 1 : 0;
}

/* End of the character class starting at s[0] == '[' (index just past its
 * ']'), or 0 when it does not end. */
static size_t rx_class_end(const char *s, size_t n)
{
    size_t i = 1;
    if (i < n && s[i] == '^')
        i++;
    if (i < n && s[i] == ']')
        i++;
    while (i < n) {
        if (s[i] == '\\')
            i += 2;
        else if (s[i] == '[' && i + 1 < n && s[i + 1] == ':') {
            const char *e = memchr(s + i + 2, ']', n - i - 2);
            if (e == NULL || e[-1] != ':')
                return 0;
            i = (size_t)(e - s) + 1;
        } else if (s[i] == ']')
            return i + 1;
        else
            i++;
    }
    return 0;
}

/* Index of the ')' closing the group opened at s[0] == '(', or 0. */
static size_t rx_group_end(const char *s, size_t n)
{
    int depth = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\') {
            i += 2;
        } else if (s[i] == '[') {
            size_t k = rx_class_end(s + i, n - i);
            if (k == 0)
                return 0;
            i += k;
        } else {
            if (s[i] == '(')
                depth++;
            else if (s[i] == ')' && --depth == 0)
                return i;
            i++;
        }
    }
    return 0;
}

/* Length of the escape at s[0] == '\\' when it is not a literal character
 * (\d, \x41, \p{L}, \1 ...); 0 when it stands for the next byte itself.
 * -1 for \Q (quoting is not followed: give up). */
static long rx_escape_len(const char *s, size_t n)
{
    if (n < 2)
        return -1;
    unsigned char e = (unsigned char)s[1];
    if (!isalnum(e))
        return 0;
    if (e == 'Q' || e == 'E')
        return -1;
    size_t i = 2;
    if (i < n && (s[i] == '{' || s[i] == '<' || s[i] == '\'') &&
        strchr("xopPNgku", e)) {
        char close = s[i] == '{' ? '}' : s[i] == '<' ? '>' : '\'';
        const char *c = memchr(s + i, close, n - i);
        return c ? (long)(c - s) + 1 : -1;
    }
    if (e == 'x')
        while (i < n && i < 4 && isxdigit((unsigned char)s[i]))
            i++;
    else if (isdigit(e))
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    else if (e == 'c' || e == 'p' || e == 'P' || e == 'g' || e == 'k')
        i++;
    return (long)(i <= n ? i : n);
}

/* Literals a regular expression (pattern s[0..n), no inline options but
 * s) cannot match without: any-of set in out, or nothing (*nout 0). */
static void rx_need(st_pred *p, const char *s, size_t n, st_str *out,
                    int *nout, int depth)
{
    *nout = 0;
    if (depth > 8)
        return;
    /* alternatives at this level: the union of theirs */
    {
        int d = 0, alts = 0;
        size_t start = 0;
        st_str acc[ST_PRED_NEED_MAX];
        int nacc = 0;
        for (size_t i = 0; i <= n;) {
            if (i < n && s[i] == '\\') {
                i += 2;
                continue;
            }
            if (i < n && s[i] == '[') {
                size_t k = rx_class_end(s + i, n - i);
                if (k == 0)
                    return;
                i += k;
                continue;
            }
            if (i < n && s[i] == '(')
                d++;
            if (i < n && s[i] == ')')
                d--;
            if (i == n || (s[i] == '|' && d == 0)) {
                if (i == n && alts == 0)
                    break;            /* no alternation here */
                st_str v[ST_PRED_NEED_MAX];
                int nv;
                rx_need(p, s + start, i - start, v, &nv, depth + 1);
                if (nv == 0 || !need_union(acc, &nacc, v, nv))
                    return;
                alts++;
                start = i + 1;
            }
            i++;
        }
        if (alts) {
            memcpy(out, acc, sizeof *acc * (size_t)nacc);
            *nout = nacc;
            return;
        }
    }
    char run[256];
    size_t rl = 0;
    st_str best[ST_PRED_NEED_MAX];
    int nbest = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        size_t q = 0;                 /* quantifier after the atom */
        if (ch == '\\') {
            long k = rx_escape_len(s + i, n - i);
            if (k < 0)
                return;
            if (k == 0) {             /* escaped literal byte */
                if (rl < sizeof run)
                    run[rl++] = s[i + 1];
                i += 2;
            } else {
                rx_offer_run(p, run, rl, best, &nbest);
                rl = 0;
                i += (size_t)k;
                goto quantifier_of_nonliteral;
            }
        } else if (ch == '[') {
            size_t k = rx_class_end(s + i, n - i);
            if (k == 0)
                return;
            rx_offer_run(p, run, rl, best, &nbest);
            rl = 0;
            i += k;
            goto quantifier_of_nonliteral;
        } else if (ch == '(') {
            size_t e = rx_group_end(s + i, n - i);
            if (e == 0)
                return;
            const char *g = s + i + 1;
            size_t gl = e - 1;
            int usable = 1;
            if (gl && g[0] == '?') {
                /* (?:...) (?>...) (?|...) (?<name>...) (?P<name>...) are
                 * groups; (?s) / (?s:...) options; lookarounds, comments
                 * and anything else give nothing (and (?i), (?x) make the
                 * literals unsafe: give up) */
                size_t k = 1;
                while (k < gl && (g[k] == 's' || g[k] == '-'))
                    k++;
                if (k < gl && g[k] && strchr("imnxJUX", g[k]))
                    return;
                if (k > 1 && (k == gl || g[k] == ':')) {
                    g += k + (k < gl);
                    gl -= k + (k < gl);
                } else if (g[1] == ':' || g[1] == '>' || g[1] == '|') {
                    g += 2;
                    gl -= 2;
                } else if ((g[1] == '<' && gl > 2 && g[2] != '=' &&
                            g[2] != '!') ||
                           (g[1] == 'P' && gl > 2 && g[2] == '<')) {
                    const char *c = memchr(g, '>', gl);
                    if (c == NULL)
                        return;
                    gl -= (size_t)(c + 1 - g);
                    g = c + 1;
                } else {
                    usable = 0;
                }
            }
            rx_offer_run(p, run, rl, best, &nbest);
            rl = 0;
            i += e + 1;
            int optional = 0;
            if (i < n && (s[i] == '*' || s[i] == '?'))
                optional = 1;
            else if (i < n && s[i] == '{' && rx_brace_quant(s + i, n - i) &&
                     s[i + 1] == '0')
                optional = 1;
            if (usable && !optional && gl) {
                st_str v[ST_PRED_NEED_MAX];
                int nv;
                rx_need(p, g, gl, v, &nv, depth + 1);
                if (nv && need_strength(v, nv) > need_strength(best, nbest)) {
                    memcpy(best, v, sizeof *v * (size_t)nv);
                    nbest = nv;
                }
            }
            goto quantifier_of_nonliteral;
        } else if (ch == '.' || ch == '^' || ch == '$' || ch == ')') {
            rx_offer_run(p, run, rl, best, &nbest);
            rl = 0;
            i++;
            goto quantifier_of_nonliteral;
        } else if (ch == '*' || ch == '+' || ch == '?' ||
                   (ch == '{' && rx_brace_quant(s + i, n - i))) {
            /* a quantifier on the last literal character: that character
             * (the whole code point) is not required */
            while (rl && ((unsigned char)run[rl - 1] & 0xC0) == 0x80)
                rl--;
            if (rl)
                rl--;
            rx_offer_run(p, run, rl, best, &nbest);
            rl = 0;
            q = ch == '{' ? rx_brace_quant(s + i, n - i) : 1;
            i += q;
            if (i < n && (s[i] == '?' || s[i] == '+'))
                i++;                  /* lazy / possessive */
            continue;
        } else {
            if (rl < sizeof run)
                run[rl++] = (char)ch;
            else {
                rx_offer_run(p, run, rl, best, &nbest);
                rl = 0;
            }
            i++;
        }
        continue;
    quantifier_of_nonliteral:
        if (i < n && (s[i] == '*' || s[i] == '+' || s[i] == '?'))
            q = 1;
        else if (i < n && s[i] == '{')
            q = rx_brace_quant(s + i, n - i);
        i += q;
        if (q && i < n && (s[i] == '?' || s[i] == '+'))
            i++;
    }
    rx_offer_run(p, run, rl, best, &nbest);
    memcpy(out, best, sizeof *best * (size_t)nbest);
    *nout = nbest;
}

/* What one comparison requires of the process or the message. */
static void cmp_need(st_pred *p, const cmp *c, st_pred_need *o)
{
    memset(o, 0, sizeof *o);
    if (c->nil || c->fold != 0 || c->cl != CLS_STR)
        return;
    for (size_t i = 0; i < c->nlit; i++)
        if (c->lits[i].kind != LIT_STR)
            return;
    int set = c->op == ST_PRED_IN;
    int one = c->nlit == 1 &&
              (c->op == ST_PRED_EQ || ((c->op == ST_PRED_CONTAINS ||
                                        c->op == ST_PRED_BEGINSWITH ||
                                        c->op == ST_PRED_ENDSWITH) &&
                                       c->field == ST_F_MESSAGE));
    if ((c->field == ST_F_PROCESS || c->field == ST_F_MESSAGE) &&
        (set || one) && c->nlit <= ST_PRED_NEED_MAX) {
        st_str *v = c->field == ST_F_PROCESS ? o->procs : o->lits;
        int *nv = c->field == ST_F_PROCESS ? &o->nprocs : &o->nlits;
        for (size_t i = 0; i < c->nlit; i++) {
            if (c->lits[i].text.n == 0) {   /* "" is in every message */
                *nv = 0;
                return;
            }
            v[(*nv)++] = c->lits[i].text;
        }
    } else if (c->field == ST_F_MESSAGE && c->op == ST_PRED_MATCHES &&
               c->nlit == 1) {
        rx_need(p, c->lits[0].text.p, c->lits[0].text.n, o->lits, &o->nlits,
                0);
    }
}

/* What node n requires: AND the tightest of its children, OR the union
 * when every branch requires something, NOT nothing. */
static void need_of(st_pred *p, const node *n, st_pred_need *o)
{
    memset(o, 0, sizeof *o);
    if (n->kind == N_CMP) {
        cmp_need(p, n->c, o);
    } else if (n->kind == N_AND) {
        for (const node *k = n->first; k; k = k->next) {
            st_pred_need c;
            need_of(p, k, &c);
            if (c.nprocs && (!o->nprocs || c.nprocs < o->nprocs)) {
                memcpy(o->procs, c.procs, sizeof c.procs);
                o->nprocs = c.nprocs;
            }
            if (c.nlits && need_strength(c.lits, c.nlits) >
                               need_strength(o->lits, o->nlits)) {
                memcpy(o->lits, c.lits, sizeof c.lits);
                o->nlits = c.nlits;
            }
        }
    } else if (n->kind == N_OR) {
        int procs_ok = 1, lits_ok = 1;
        for (const node *k = n->first; k; k = k->next) {
            st_pred_need c;
            need_of(p, k, &c);
            procs_ok = procs_ok && c.nprocs &&
                       need_union(o->procs, &o->nprocs, c.procs, c.nprocs);
            lits_ok = lits_ok && c.nlits &&
                      need_union(o->lits, &o->nlits, c.lits, c.nlits);
        }
        if (!procs_ok)
            o->nprocs = 0;
        if (!lits_ok)
            o->nlits = 0;
    }
}

void st_pred_needs(const st_pred *p, st_pred_need *out)
{
    memset(out, 0, sizeof *out);
    if (p != NULL)
        *out = p->need;
}

/* Output buffer with snprintf semantics: counts everything, stores what
 * fits. */
typedef struct wbuf {
    char *b;
    size_t cap, len;
} wbuf;

/* Appends k bytes, storing what fits and leaving room for the NUL. */
static void w_put(wbuf *w, const char *s, size_t k)
{
    if (w->cap > 0 && w->len < w->cap - 1) {
        size_t room = w->cap - 1 - w->len;
        memcpy(w->b + w->len, s, k < room ? k : room);
    }
    w->len += k;
}

/* Appends a C string. */
static void w_str(wbuf *w, const char *s)
{
    w_put(w, s, strlen(s));
}

/* Writes s double-quoted with the escapes the lexer understands. */
static void w_quoted(wbuf *w, st_str s)
{
    w_put(w, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        const char *e = NULL;
        char u[8];
        if (c == '"') e = "\\\"";
        else if (c == '\\') e = "\\\\";
        else if (c == '\n') e = "\\n";
        else if (c == '\t') e = "\\t";
        else if (c == '\r') e = "\\r";
        else if (c < 0x20 || c == 0x7F) {
            snprintf(u, sizeof u, "\\u%04X", c);
            e = u;
        }
        if (e != NULL) {
            w_put(w, s.p + from, i - from);
            w_str(w, e);
            from = i + 1;
        }
    }
    w_put(w, s.p + from, s.n - from);
    w_put(w, "\"", 1);
}

/* Writes one literal: names bare, numbers in decimal, text quoted. */
static void w_lit(wbuf *w, const cmp *c, const lit *l)
{
    if (c->cl == CLS_MSGTYPE && l->kind == LIT_IDENT && !l->n.neg &&
        msgtype_name(l->n.mag) != NULL) {
        w_str(w, msgtype_name(l->n.mag));
        return;
    }
    if (l->kind == LIT_STR)
        w_quoted(w, l->text);
    else
        w_put(w, l->text.p, l->text.n);
}

/* Writes one comparison in canonical form (field on the left, `==`, the
 * message as composedMessage like `log` re-prints it). */
static void w_cmp(wbuf *w, const cmp *c)
{
    if (c->field == ST_F_MESSAGE)
        w_str(w, "composedMessage");
    else if (c->field > ST_F_NONE && c->field < ST_F__COUNT)
        w_str(w, st_field_name((st_field)c->field));
    else
        w_put(w, c->name.p, c->name.n);
    w_put(w, " ", 1);
    w_str(w, op_word(c->op));
    if (c->mods)
        w_str(w, c->mods == (FOLD_C | FOLD_D) ? "[cd]"
                 : c->mods == FOLD_C         ? "[c]"
                                             : "[d]");
    w_put(w, " ", 1);
    if (c->nil) {
        w_str(w, "nil");
        return;
    }
    int set = c->is_set || c->op == ST_PRED_BETWEEN;
    if (set)
        w_put(w, "{", 1);
    for (size_t i = 0; i < c->nlit; i++) {
        if (i)
            w_put(w, ", ", 2);
        w_lit(w, c, &c->lits[i]);
    }
    if (set)
        w_put(w, "}", 1);
}

/* Writes n, adding parentheses only where precedence (OR < AND < NOT <
 * comparison) needs them: ctx is the weakest precedence allowed bare. */
static void w_node(wbuf *w, const node *n, int ctx)
{
    int prec = n->kind == N_OR ? 1 : n->kind == N_AND ? 2 : n->kind == N_NOT ? 3 : 4;
    if (prec < ctx)
        w_put(w, "(", 1);
    switch (n->kind) {
    case N_TRUE: w_str(w, "TRUEPREDICATE"); break;
    case N_FALSE: w_str(w, "FALSEPREDICATE"); break;
    case N_CMP: w_cmp(w, n->c); break;
    case N_NOT:
        w_str(w, "NOT ");
        w_node(w, n->first, 3);
        break;
    case N_AND: case N_OR:
        for (const node *k = n->first; k; k = k->next) {
            if (k != n->first)
                w_str(w, n->kind == N_AND ? " AND " : " OR ");
            w_node(w, k, n->kind == N_AND ? 3 : 2);
        }
        break;
    }
    if (prec < ctx)
        w_put(w, ")", 1);
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */
/* ------------------------------------------------------------------ */

/* Allocates a scratch with a MATCHES[d] buffer of fold_cap bytes (0: none). */
static st_pred_scratch *scratch_alloc(size_t fold_cap)
{
    st_pred_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->md = pcre2_match_data_create(1, NULL);
    if (fold_cap) {
        s->fold = malloc(fold_cap);
        s->fold_cap = fold_cap;
    }
    if (s->md == NULL || (fold_cap && s->fold == NULL)) {
        st_pred_scratch_free(s);
        return NULL;
    }
    return s;
}

st_pred_scratch *st_pred_scratch_new(void)
{
    /* Sized for any predicate, including MATCHES[d]. */
    return scratch_alloc(FOLD_BUF_CAP);
}

void st_pred_scratch_free(st_pred_scratch *s)
{
    /* NULL is fine. */
    if (s == NULL)
        return;
    pcre2_match_data_free(s->md);
    free(s->fold);
    free(s);
}

void st_pred_free(st_pred *p)
{
    /* Releases PCRE2 objects first: their list lives in the arena. */
    if (p == NULL)
        return;
    for (rxlist *r = p->rx; r; r = r->next)
        pcre2_code_free(r->code);
    pcre2_match_context_free(p->mctx);
    st_pred_scratch_free(p->own);
    ablock *b = p->arena;
    while (b) {
        ablock *next = b->next;
        free(b);
        b = next;
    }
    free(p);
}

st_pred *st_pred_compile_ex(const char *text, size_t len,
                            const st_pred_opts *opts, st_pred_error *err)
{
    /* Parse, then build the program, hints and regex scratch; any failure
     * frees everything and reports through err. */
    parser ps;
    memset(&ps, 0, sizeof ps);
    if (err != NULL)
        memset(err, 0, sizeof *err);
    ps.err = err;
    ps.s = text != NULL ? text : "";
    ps.n = text != NULL ? len : 0;
    st_pred *p = calloc(1, sizeof *p);
    ps.p = p;
    if (p == NULL) {
        perr(&ps, 0, "out of memory");
        return NULL;
    }
    p->match_limit = ST_PRED_DEFAULT_MATCH_LIMIT;
    p->depth_limit = ST_PRED_DEFAULT_DEPTH_LIMIT;
    if (opts != NULL) {
        ps.resolve = opts->resolve;
        ps.resolve_ctx = opts->resolve_ctx;
        if (opts->regex_match_limit)
            p->match_limit = opts->regex_match_limit;
        if (opts->regex_depth_limit)
            p->depth_limit = opts->regex_depth_limit;
    }
    p->hits = arena_alloc(p, sizeof *p->hits);
    if (p->hits == NULL) {
        perr(&ps, 0, "out of memory");
        goto fail;
    }
    atomic_init(p->hits, 0);
    if (text == NULL && len > 0) {
        perr(&ps, 0, "no predicate text");
        goto fail;
    }
    if (len > ST_PRED_MAX_LEN) {
        perr(&ps, ST_PRED_MAX_LEN, "predicate longer than %u bytes",
             ST_PRED_MAX_LEN);
        goto fail;
    }
    lex(&ps);
    if (ps.tok.k == T_END) {
        perr(&ps, ps.tok.start, "empty predicate; expected a comparison such "
             "as process == \"sudo\"");
        goto fail;
    }
    p->root = parse_or(&ps);
    if (!ps.failed && ps.tok.k != T_END) {
        char d[48];
        if (ps.tok.k == T_RPAREN)
            perr(&ps, ps.tok.start, "unbalanced ')'; expected AND, OR or end "
                 "of predicate");
        else
            perr(&ps, ps.tok.start, "expected AND, OR or end of predicate, "
                 "found %s", tok_desc(&ps, d, sizeof d));
    }
    if (ps.failed || p->root == NULL) {
        perr(&ps, ps.pos, "cannot parse the predicate");
        goto fail;
    }
    size_t ncmp = count_cmps(p->root);
    if (ncmp > (size_t)ST_PRED_MAX_LEN) {
        perr(&ps, 0, "too many comparisons");
        goto fail;
    }
    p->prog = arena_alloc(p, (ncmp ? ncmp : 1) * sizeof *p->prog);
    if (p->prog == NULL || !build_hints(p)) {
        perr(&ps, 0, "out of memory");
        goto fail;
    }
    need_of(p, p->root, &p->need);
    int np = 0;
    p->entry = gen(p, &np, p->root, PC_TRUE, PC_FALSE);
    if (p->has_regex) {
        p->own = scratch_alloc(p->need_fold ? FOLD_BUF_CAP : 0);
        if (p->own == NULL) {
            perr(&ps, 0, "out of memory");
            goto fail;
        }
    }
    return p;
fail:
    st_pred_free(p);
    return NULL;
}

st_pred *st_pred_compile(const char *text, st_pred_error *err)
{
    /* NUL-terminated text, built-in field names only. */
    return st_pred_compile_ex(text, text != NULL ? strlen(text) : 0, NULL, err);
}

uint64_t st_pred_regex_limit_hits(const st_pred *p)
{
    /* Relaxed: a statistic, not a synchronisation point. */
    return p != NULL ? atomic_load_explicit(p->hits, memory_order_relaxed) : 0;
}

/* Callers use this to decide whether each thread needs a scratch. */
int st_pred_has_regex(const st_pred *p)
{
    return p != NULL && p->has_regex;
}

size_t st_pred_hints(const st_pred *p, st_pred_hint *out, size_t max)
{
    /* Copies up to max; returns how many exist. */
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < p->nhints && i < max; i++)
        out[i] = p->hints[i];
    return p->nhints;
}

int st_pred_hint_test(const st_pred_hint *h, const st_value *v)
{
    /* Same code path as the evaluator; hints never hold MATCHES, so no
     * scratch is needed.  A NULL value reads as absent. */
    if (h == NULL || h->impl == NULL)
        return 0;
    st_value none;
    if (v == NULL) {
        memset(&none, 0, sizeof none);
        none.kind = ST_V_NONE;
        v = &none;
    }
    return test_value((const cmp *)h->impl, v, NULL);
}

size_t st_pred_render(const st_pred *p, char *buf, size_t n)
{
    /* snprintf contract: NUL-terminated when n > 0, full length returned. */
    wbuf w = {buf, n, 0};
    if (p != NULL && p->root != NULL)
        w_node(&w, p->root, 1);
    if (n > 0)
        buf[w.len < n ? w.len : n - 1] = '\0';
    return w.len;
}
