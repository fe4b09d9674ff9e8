/*
 * errcodes.h -- the table of error codes seen in macOS code-signing logs
 * (rules/errcodes.tsv: OSStatus errSecCS* / errSec*, CSSM_RETURN CSSMERR_*,
 * AMFI and kernel codes) and a scanner that finds those codes in messages.
 *
 * Contract:
 *  - The table is data, read at run time by st_errcodes_load(); nothing here
 *    knows a code.  After loading the table is immutable: lookups and scans
 *    may run concurrently.  Every string of an st_errcode points into the
 *    table, is NUL-terminated, is "" (never NULL) when the field is empty, and
 *    lives until st_errcodes_free().
 *  - Rows are ordered by code, ties in file order.  One code may have several
 *    rows only when domains collide (0 and 1..12: OSStatus vs kernel); a
 *    (code, domain) pair, a name and an alias each occur once.
 *  - Errors are returned, never printed and never fatal: a failed load puts
 *    "FILE:LINE: what is wrong" (or "FILE: ..." when no line applies) in the
 *    caller's buffer and returns -1.
 *  - Memory is bounded: the file may not exceed ST_ERRCODES_MAX_FILE bytes,
 *    a line ST_ERRCODES_MAX_LINE bytes, the table ST_ERRCODES_MAX_ROWS rows.
 *    The scanner and the lookups never allocate.
 *
 * Scanner (st_errcodes_scan) -- what counts as a mention, so that arbitrary
 * numbers (pids, offsets, timestamps) are never reported:
 *  - Only codes present in the table, and only negative codes (positive ones,
 *    0 and the kernel's 1..12 are too ambiguous in free text).
 *  - Decimal: '-' then 1-10 digits, first digit not 0.  The '-' must not
 *    follow a letter, digit, '_', '-', '+' or '.', and the digits must not be
 *    followed by a letter, digit or '_', nor by '.' or ':' plus a digit.  So
 *    "x-67030y", "12-67030", "-670301", "-67030.5" and "-067030" are not
 *    mentions; "Code=-67030", "(-67050)", "error -67054," are.
 *  - Hex: "0x"/"0X" then exactly 8 hex digits (the u32 bit pattern, e.g.
 *    0xFFFEFA2A = -67030), not preceded by a letter, digit or '_' and not
 *    followed by one (so 9+ digits never match).
 *  - Codes with |code| < ST_ERRCODES_BARE_MIN (errSecParam -50, AMFI -423, ...)
 *    count as decimal or hex mentions only right after an error word:
 *    "error", "err", "code" or "status" (any case), optionally followed by up
 *    to 3 of " :=(#[" -- e.g. "Code=-423", "OSStatus -50", "error: -4".
 *  - Names: an identifier starting with "errSec" or "CSSMERR_" that is a
 *    primary name or alias in the table (exact case), on identifier
 *    boundaries.
 *  - Mentions are reported left to right and never overlap.
 */
#ifndef ST_ERRCODES_H
#define ST_ERRCODES_H

#include <stddef.h>
#include <stdint.h>

#define ST_ERRCODES_MAX_FILE (4u << 20)
#define ST_ERRCODES_MAX_LINE 4096u
#define ST_ERRCODES_MAX_ROWS 65536u
#define ST_ERRCODES_MAX_NAME 128u
/* Smallest |code| reported by the scanner without a preceding error word. */
#define ST_ERRCODES_BARE_MIN 1000

typedef struct st_errcode {
    int32_t code;
    const char *name;        /* primary symbolic name; "" when none */
    const char *aliases;     /* other names, comma-separated; "" when none */
    const char *domain;      /* errSecCS CSSM_TP CSSM_APPLETP errSec AMFI ... */
    const char *description; /* Apple's message verbatim; "" when none */
    const char *meaning;     /* one sentence for an analyst; "" when none */
    const char *source;      /* where the row was checked */
    uint32_t line;           /* line of the row in the table file */
} st_errcode;

typedef struct st_errcodes st_errcodes;

/* How a code was written. */
enum st_errcode_form {
    ST_ERRFORM_DEC = 1,      /* -67030, 67030, 4294900266 */
    ST_ERRFORM_HEX = 2,      /* 0xFFFEFA2A, -0x105D6 */
    ST_ERRFORM_NAME = 3      /* errSecCSInfoPlistFailed */
};

/* Result of st_errcodes_parse_arg(). */
enum {
    ST_ERRARG_INVALID = -1,  /* neither a 32-bit number nor a known name */
    ST_ERRARG_KNOWN = 0,     /* in the table: row/nrows set */
    ST_ERRARG_UNKNOWN = 1    /* a valid number that is not in the table */
};

typedef struct st_errcode_arg {
    int32_t code;            /* the value (valid unless INVALID) */
    int form;                /* ST_ERRFORM_* */
    int negated;             /* a positive number that is no code was read
                                as its negative (67030 -> -67030) */
    int icase;               /* the name matched only ignoring case */
    int alias;               /* the name is an alias of row->name */
    const st_errcode *row;   /* the named row, else the first row for
                                code; NULL when not known */
    size_t nrows;            /* rows from row on that share code (1 for a
                                name; 0 when not known) */
} st_errcode_arg;

/* One mention found by the scanner: msg[off, off + len). */
typedef struct st_errcode_hit {
    const st_errcode *row;   /* first row for the code */
    int32_t code;
    size_t off, len;
    int form;                /* ST_ERRFORM_* */
} st_errcode_hit;

/* Scanner callback: return 0 to go on, non-zero to stop the scan. */
typedef int (*st_errcodes_scan_fn)(const st_errcode_hit *hit, void *ctx);

int st_errcodes_load(const char *path, st_errcodes **out, char *err,
                     size_t errcap);
int st_errcodes_load_mem(const char *label, const char *data, size_t len,
                         st_errcodes **out, char *err, size_t errcap);
void st_errcodes_free(st_errcodes *t);
const char *st_errcodes_default_path(char *buf, size_t cap);

size_t st_errcodes_count(const st_errcodes *t);
const st_errcode *st_errcodes_at(const st_errcodes *t, size_t i);
const st_errcode *st_errcodes_find(const st_errcodes *t, int32_t code,
                                   size_t *nrows);
const st_errcode *st_errcodes_find_name(const st_errcodes *t,
                                        const char *name, size_t len,
                                        int icase);
int st_errcodes_parse_arg(const st_errcodes *t, const char *arg,
                          st_errcode_arg *out);
size_t st_errcodes_scan(const st_errcodes *t, const char *msg, size_t len,
                        st_errcodes_scan_fn fn, void *ctx);

#endif
