/*
 * errcodes.c -- load rules/errcodes.tsv, look codes up by value or name,
 * parse a user's spelling of a code, and find codes in log messages.
 * The contract (table format limits, what the scanner counts as a mention)
 * is in errcodes.h.
 */
#include "errcodes.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One entry of the name indexes: a primary name or an alias. */
typedef struct st_errname {
    const char *s;
    uint32_t len;
    uint32_t row;            /* index into st_errcodes.rows */
} st_errname;

struct st_errcodes {
    char *buf;               /* the file; fields NUL-terminated in place */
    char *aliasbuf;          /* alias lists copied and split at commas */
    st_errcode *rows;        /* sorted by (code, line) */
    size_t nrows;
    st_errname *names;       /* sorted by byte order */
    st_errname *inames;      /* sorted ignoring ASCII case */
    size_t nnames;
    unsigned declen_mask;    /* bit d: a negative code has d decimal digits */
};

/* The columns the loader understands; others are carried but ignored. */
enum { COL_CODE, COL_NAME, COL_ALIASES, COL_DOMAIN, COL_DESCRIPTION,
       COL_MEANING, COL_SOURCE, COL_KNOWN, COL_OTHER = -1 };
static const char *const col_names[COL_KNOWN] = {
    "code", "name", "aliases", "domain", "description", "meaning", "source"};
#define MAX_COLS 32

/* ------------------------------------------------------------------ */
/* Character classes.  ASCII only and locale-free on purpose: the table and
 * the messages are bytes, and a locale must not change what matches. */

/* Whether c may be part of an identifier (C rules, ASCII). */
static int is_ident(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Whether c is an ASCII decimal digit. */
static int is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

/* Value of an ASCII hex digit, or -1. */
static int hex_val(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (int)(c - 'A' + 10);
    return -1;
}

/* ASCII lower-casing of one byte; other bytes unchanged. */
static unsigned lower(unsigned c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Byte-order comparison of two counted strings; a prefix sorts first. */
static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return (an > bn) - (an < bn);
}

/* Like cmp_bytes but ignoring ASCII case. */
static int cmp_bytes_ci(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    for (size_t i = 0; i < m; i++) {
        unsigned x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (an > bn) - (an < bn);
}

/* ------------------------------------------------------------------ */
/* Loading */

/* Formats "label:line: message" (or "label: message" when line is 0) into
 * err, which may be NULL or zero-sized; always returns -1. */
static int fail(char *err, size_t cap, const char *label, uint32_t line,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t cap, const char *label, uint32_t line,
                const char *fmt, ...)
{
    if (!err || cap == 0)
        return -1;
    int n = line ? snprintf(err, cap, "%s:%u: ", label, (unsigned)line)
                 : snprintf(err, cap, "%s: ", label);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Whether s is an identifier of 1..ST_ERRCODES_MAX_NAME bytes that does not
 * start with a digit. */
static int valid_ident(const char *s, size_t n)
{
    if (n == 0 || n > ST_ERRCODES_MAX_NAME || is_digit((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_ident((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Parses a strict signed 32-bit decimal (no spaces, no '+', no leading
 * zeros, no "-0"); returns 0 and sets *v, or -1. */
static int parse_code_field(const char *s, int32_t *v)
{
    int neg = (*s == '-');
    const char *p = s + neg;
    size_t nd = strlen(p);
    if (nd == 0 || nd > 10 || (p[0] == '0' && (nd > 1 || neg)))
        return -1;
    int64_t x = 0;
    for (size_t i = 0; i < nd; i++) {
        if (!is_digit((unsigned char)p[i]))
            return -1;
        x = x * 10 + (p[i] - '0');
    }
    if (neg)
        x = -x;
    if (x < INT32_MIN || x > INT32_MAX)
        return -1;
    *v = (int32_t)x;
    return 0;
}

/* Returns the first control byte (< 0x20 or 0x7f) in s, or NULL. */
static const char *find_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return s;
    return NULL;
}

/* qsort order of rows: by code, then by line so ties keep file order. */
static int cmp_rows(const void *a, const void *b)
{
    const st_errcode *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* qsort order of the exact-name index. */
static int cmp_names(const void *a, const void *b)
{
    const st_errname *x = a, *y = b;
    return cmp_bytes(x->s, x->len, y->s, y->len);
}

/* qsort order of the case-insensitive index; exact order breaks ties so
 * the result does not depend on qsort. */
static int cmp_inames(const void *a, const void *b)
{
    const st_errname *x = a, *y = b;
    int c = cmp_bytes_ci(x->s, x->len, y->s, y->len);
    return c ? c : cmp_bytes(x->s, x->len, y->s, y->len);
}

/* qsort order used only to find repeated (code, domain) pairs. */
static int cmp_code_domain(const void *a, const void *b)
{
    const st_errcode *x = *(const st_errcode *const *)a;
    const st_errcode *y = *(const st_errcode *const *)b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    int c = strcmp(x->domain, y->domain);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Fails on the later of two rows with the same code and domain; sorting
 * pointers keeps this O(n log n) even for a hostile table. */
static int check_duplicates(const st_errcodes *t, const char *label,
                            char *err, size_t cap)
{
    const st_errcode **v = malloc(t->nrows * sizeof *v);
    if (!v)
        return fail(err, cap, label, 0, "out of memory");
    for (size_t i = 0; i < t->nrows; i++)
        v[i] = &t->rows[i];
    qsort(v, t->nrows, sizeof *v, cmp_code_domain);
    int r = 0;
    for (size_t i = 1; i < t->nrows && r == 0; i++)
        if (v[i]->code == v[i - 1]->code &&
            strcmp(v[i]->domain, v[i - 1]->domain) == 0)
            r = fail(err, cap, label, v[i]->line,
                     "code %d in domain %s is already on line %u",
                     (int)v[i]->code, v[i]->domain, (unsigned)v[i - 1]->line);
    free(v);
    return r;
}

/* Frees a table (NULL is fine). */
void st_errcodes_free(st_errcodes *t)
{
    if (!t)
        return;
    free(t->buf);
    free(t->aliasbuf);
    free(t->rows);
    free(t->names);
    free(t->inames);
    free(t);
}

/* Maps the header line (split in place) to column kinds; returns the
 * number of columns or -1 after filling err. */
static int parse_header(char *line, int *kinds, const char *label,
                        uint32_t lineno, char *err, size_t cap)
{
    int n = 0, seen[COL_KNOWN] = {0};
    char *f = line;
    for (;;) {
        char *tab = strchr(f, '\t');
        if (tab)
            *tab = '\0';
        if (n == MAX_COLS)
            return fail(err, cap, label, lineno, "more than %d columns",
                        MAX_COLS);
        if (*f == '\0')
            return fail(err, cap, label, lineno, "empty column name in header");
        int k = COL_OTHER;
        for (int c = 0; c < COL_KNOWN; c++)
            if (strcmp(f, col_names[c]) == 0)
                k = c;
        if (k != COL_OTHER) {
            if (seen[k])
                return fail(err, cap, label, lineno,
                            "column '%s' appears twice", f);
            seen[k] = 1;
        }
        kinds[n++] = k;
        if (!tab)
            break;
        f = tab + 1;
    }
    static const int required[] = {COL_CODE, COL_NAME, COL_DOMAIN};
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++)
        if (!seen[required[r]])
            return fail(err, cap, label, lineno,
                        "header lacks the '%s' column", col_names[required[r]]);
    return n;
}

/* Splits one data line in place into row; returns 0 or -1 after filling
 * err with what is wrong. */
static int parse_row(char *line, const int *kinds, int ncols, st_errcode *row,
                     const char *label, uint32_t lineno, char *err, size_t cap)
{
    char *fields[MAX_COLS];
    int n = 0;
    char *f = line;
    for (;;) {
        char *tab = strchr(f, '\t');
        if (n < MAX_COLS)
            fields[n] = f;
        n++;
        if (!tab)
            break;
        *tab = '\0';
        f = tab + 1;
    }
    if (n != ncols)
        return fail(err, cap, label, lineno,
                    "%d fields, the header has %d (fields are TAB-separated)",
                    n, ncols);

    memset(row, 0, sizeof *row);
    row->name = row->aliases = row->domain = "";
    row->description = row->meaning = row->source = "";
    row->line = lineno;
    for (int i = 0; i < n; i++) {
        const char *bad = find_control(fields[i]);
        if (bad)
            return fail(err, cap, label, lineno,
                        "control byte 0x%02x in column %d",
                        (unsigned char)*bad, i + 1);
        switch (kinds[i]) {
        case COL_CODE:
            if (parse_code_field(fields[i], &row->code) != 0)
                return fail(err, cap, label, lineno,
                            "code '%.40s' is not a signed 32-bit decimal",
                            fields[i]);
            break;
        case COL_NAME:
            if (fields[i][0] && !valid_ident(fields[i], strlen(fields[i])))
                return fail(err, cap, label, lineno,
                            "name '%.40s' is not an identifier", fields[i]);
            row->name = fields[i];
            break;
        case COL_ALIASES: {
            const char *a = fields[i];
            while (*a) {
                size_t len = strcspn(a, ",");
                if (!valid_ident(a, len))
                    return fail(err, cap, label, lineno,
                                "bad alias list '%.40s' (identifiers "
                                "separated by ',')", fields[i]);
                a += len;
                if (*a == ',' && *++a == '\0')
                    return fail(err, cap, label, lineno,
                                "alias list '%.40s' ends with ','", fields[i]);
            }
            row->aliases = fields[i];
            break;
        }
        case COL_DOMAIN: {
            size_t len = strlen(fields[i]);
            if (len == 0 || len > 64 ||
                strspn(fields[i], "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
                return fail(err, cap, label, lineno,
                            "domain '%.40s' must be 1-64 of [A-Za-z0-9_]",
                            fields[i]);
            row->domain = fields[i];
            break;
        }
        case COL_DESCRIPTION: row->description = fields[i]; break;
        case COL_MEANING: row->meaning = fields[i]; break;
        case COL_SOURCE: row->source = fields[i]; break;
        default: break;
        }
    }
    return 0;
}

/* Builds both name indexes from the sorted rows and checks that no name or
 * alias is used twice; returns 0 or -1 after filling err. */
static int build_names(st_errcodes *t, const char *label, char *err,
                       size_t cap)
{
    size_t count = 0, abytes = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const st_errcode *e = &t->rows[r];
        count += e->name[0] != '\0';
        if (e->aliases[0]) {
            abytes += strlen(e->aliases) + 1;
            for (const char *a = e->aliases; a; a = strchr(a + 1, ','))
                count++;
        }
    }
    t->nnames = count;
    if (count == 0)
        return 0;
    t->names = malloc(count * sizeof *t->names);
    t->inames = malloc(count * sizeof *t->inames);
    t->aliasbuf = malloc(abytes ? abytes : 1);
    if (!t->names || !t->inames || !t->aliasbuf)
        return fail(err, cap, label, 0, "out of memory");

    size_t k = 0;
    char *ab = t->aliasbuf;
    for (size_t r = 0; r < t->nrows; r++) {
        const st_errcode *e = &t->rows[r];
        if (e->name[0])
            t->names[k++] = (st_errname){e->name, (uint32_t)strlen(e->name),
                                         (uint32_t)r};
        if (!e->aliases[0])
            continue;
        size_t len = strlen(e->aliases);
        memcpy(ab, e->aliases, len + 1);
        for (char *a = ab; a;) {
            char *comma = strchr(a, ',');
            if (comma)
                *comma = '\0';
            t->names[k++] = (st_errname){a, (uint32_t)strlen(a), (uint32_t)r};
            a = comma ? comma + 1 : NULL;
        }
        ab += len + 1;
    }
    qsort(t->names, count, sizeof *t->names, cmp_names);
    for (size_t i = 1; i < count; i++) {
        const st_errname *a = &t->names[i - 1], *b = &t->names[i];
        if (cmp_names(a, b) == 0) {
            uint32_t la = t->rows[a->row].line, lb = t->rows[b->row].line;
            return fail(err, cap, label, la > lb ? la : lb,
                        "name '%s' is already used on line %u", a->s,
                        (unsigned)(la > lb ? lb : la));
        }
    }
    memcpy(t->inames, t->names, count * sizeof *t->names);
    qsort(t->inames, count, sizeof *t->inames, cmp_inames);
    return 0;
}

/* Parses the table held in buf (n bytes, n + 1 allocated), taking ownership
 * of buf whatever happens; returns 0 with *out set, or -1 with err. */
static int load_owned(const char *label, char *buf, size_t n,
                      st_errcodes **out, char *err, size_t cap)
{
    st_errcodes *t = calloc(1, sizeof *t);
    if (!t) {
        free(buf);
        return fail(err, cap, label, 0, "out of memory");
    }
    t->buf = buf;
    buf[n] = '\0';

    size_t nlines = 1;
    for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + n - q)));
         q++)
        nlines++;
    size_t rcap = nlines < ST_ERRCODES_MAX_ROWS ? nlines : ST_ERRCODES_MAX_ROWS;
    t->rows = malloc(rcap * sizeof *t->rows);
    if (!t->rows)
        goto oom;

    int kinds[MAX_COLS], ncols = 0;
    uint32_t lineno = 0;
    char *p = buf, *end = buf + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;              /* a UTF-8 byte-order mark some editors add */
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        lineno++;
        if ((size_t)(eol - p) > ST_ERRCODES_MAX_LINE) {
            fail(err, cap, label, lineno, "line longer than %u bytes",
                 ST_ERRCODES_MAX_LINE);
            goto bad;
        }
        char *nul = memchr(p, '\0', (size_t)(eol - p));
        if (nul) {
            fail(err, cap, label, lineno, "NUL byte at column %zu",
                 (size_t)(nul - p) + 1);
            goto bad;
        }
        *eol = '\0';
        if (eol > p && eol[-1] == '\r')
            eol[-1] = '\0';
        char *line = p;
        p = eol + 1;
        if (line[strspn(line, " ")] == '\0' || line[0] == '#')
            continue;
        if (ncols == 0) {
            ncols = parse_header(line, kinds, label, lineno, err, cap);
            if (ncols < 0)
                goto bad;
            continue;
        }
        if (t->nrows == ST_ERRCODES_MAX_ROWS) {
            fail(err, cap, label, lineno, "more than %u rows",
                 ST_ERRCODES_MAX_ROWS);
            goto bad;
        }
        if (parse_row(line, kinds, ncols, &t->rows[t->nrows], label, lineno,
                      err, cap) != 0)
            goto bad;
        t->nrows++;
    }
    if (ncols == 0) {
        fail(err, cap, label, 0, "no header line");
        goto bad;
    }
    if (t->nrows == 0) {
        fail(err, cap, label, 0, "no rows after the header");
        goto bad;
    }

    qsort(t->rows, t->nrows, sizeof *t->rows, cmp_rows);
    if (check_duplicates(t, label, err, cap) != 0)
        goto bad;
    if (build_names(t, label, err, cap) != 0)
        goto bad;
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].code >= 0)
            continue;
        int64_t v = -(int64_t)t->rows[i].code;
        unsigned d = 0;
        for (; v; v /= 10)
            d++;
        t->declen_mask |= 1u << d;
    }
    *out = t;
    return 0;
oom:
    fail(err, cap, label, 0, "out of memory");
bad:
    st_errcodes_free(t);
    return -1;
}

/* Loads the table from a file; see the contract in errcodes.h. */
int st_errcodes_load(const char *path, st_errcodes **out, char *err,
                     size_t errcap)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errcap, path, 0, "cannot open: %s", strerror(errno));
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return fail(err, errcap, path, 0, "out of memory");
    }
    for (;;) {
        if (n == cap) {
            if (cap > ST_ERRCODES_MAX_FILE)
                break;
            size_t ncap = cap * 2 > ST_ERRCODES_MAX_FILE + 1
                              ? ST_ERRCODES_MAX_FILE + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return fail(err, errcap, path, 0, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return fail(err, errcap, path, 0, "read error");
    }
    if (n > ST_ERRCODES_MAX_FILE) {
        free(buf);
        return fail(err, errcap, path, 0, "larger than %u bytes",
                    ST_ERRCODES_MAX_FILE);
    }
    return load_owned(path, buf, n, out, err, errcap);
}

/* Loads the table from memory (copied; data need not be NUL-terminated);
 * label names it in error messages. */
int st_errcodes_load_mem(const char *label, const char *data, size_t len,
                         st_errcodes **out, char *err, size_t errcap)
{
    *out = NULL;
    if (len > ST_ERRCODES_MAX_FILE)
        return fail(err, errcap, label, 0, "larger than %u bytes",
                    ST_ERRCODES_MAX_FILE);
    char *buf = malloc(len + 1);
    if (!buf)
        return fail(err, errcap, label, 0, "out of memory");
    if (len)
        memcpy(buf, data, len);
    return load_owned(label, buf, len, out, err, errcap);
}

/* Puts the table's usual path in buf: $SIGTRAIL_RULES/errcodes.tsv when
 * that variable is set and not empty, else rules/errcodes.tsv next to the
 * running executable -- or one directory up, when only that exists, since
 * out-of-tree builds (build-asan/sigtrail) sit one level below the
 * repository.  Returns buf, or NULL when the path does not fit or
 * /proc/self/exe cannot be read. */
const char *st_errcodes_default_path(char *buf, size_t cap)
{
    const char *env = getenv("SIGTRAIL_RULES");
    int n;
    if (env && *env) {
        n = snprintf(buf, cap, "%s/errcodes.tsv", env);
        return (n < 0 || (size_t)n >= cap) ? NULL : buf;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0 || (size_t)len >= sizeof exe - 1)
        return NULL;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    n = snprintf(buf, cap, "%s/rules/errcodes.tsv", exe);
    if (n < 0 || (size_t)n >= cap)
        return NULL;
    if (access(buf, F_OK) == 0)
        return buf;
    char *up = strrchr(exe, '/');
    if (up) {
        char alt[PATH_MAX + 32];
        snprintf(alt, sizeof alt, "%.*s/rules/errcodes.tsv",
                 (int)(up - exe), exe);
        if (strlen(alt) < cap && access(alt, F_OK) == 0) {
            memcpy(buf, alt, strlen(alt) + 1);
            return buf;
        }
    }
    return buf;     /* the primary path, so an error names what was expected */
}

/* ------------------------------------------------------------------ */
/* Lookups */

/* Number of rows. */
size_t st_errcodes_count(const st_errcodes *t)
{
    return t ? t->nrows : 0;
}

/* Row i in code order, or NULL past the end. */
const st_errcode *st_errcodes_at(const st_errcodes *t, size_t i)
{
    return (t && i < t->nrows) ? &t->rows[i] : NULL;
}

/* Binary search: the first row with this code and, in *nrows (may be
 * NULL), how many rows share it; NULL (and 0) when the code is unknown. */
const st_errcode *st_errcodes_find(const st_errcodes *t, int32_t code,
                                   size_t *nrows)
{
    if (nrows)
        *nrows = 0;
    if (!t)
        return NULL;
    size_t lo = 0, hi = t->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->nrows || t->rows[lo].code != code)
        return NULL;
    if (nrows) {
        size_t e = lo;
        while (e < t->nrows && t->rows[e].code == code)
            e++;
        *nrows = e - lo;
    }
    return &t->rows[lo];
}

/* Binary search of a name index for (name, len) with the given order. */
static const st_errname *search_names(const st_errname *v, size_t n,
                                      const char *name, size_t len, int ci)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = ci ? cmp_bytes_ci(v[mid].s, v[mid].len, name, len)
                   : cmp_bytes(v[mid].s, v[mid].len, name, len);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n)
        return NULL;
    int c = ci ? cmp_bytes_ci(v[lo].s, v[lo].len, name, len)
               : cmp_bytes(v[lo].s, v[lo].len, name, len);
    return c == 0 ? &v[lo] : NULL;
}

/* The row whose primary name or alias is name[0..len) -- exactly when icase
 * is 0, ignoring ASCII case otherwise (the first in byte order wins if
 * several differ only in case); NULL when none. */
const st_errcode *st_errcodes_find_name(const st_errcodes *t,
                                        const char *name, size_t len,
                                        int icase)
{
    if (!t || !name || len == 0 || len > ST_ERRCODES_MAX_NAME)
        return NULL;
    const st_errname *e = search_names(icase ? t->inames : t->names,
                                       t->nnames, name, len, icase);
    return e ? &t->rows[e->row] : NULL;
}

/* Parses a user's spelling of a code: decimal (-67030; 67030 is read as
 * -67030 when 67030 is no code but -67030 is; 4294900266 is a u32 bit
 * pattern), hex (0xFFFEFA2A as a u32 bit pattern, -0x105D6 as a negative
 * magnitude), or a name or alias (exact, then ignoring case).  Surrounding
 * spaces are ignored.  Returns ST_ERRARG_*. */
int st_errcodes_parse_arg(const st_errcodes *t, const char *arg,
                          st_errcode_arg *out)
{
    memset(out, 0, sizeof *out);
    if (!t || !arg)
        return ST_ERRARG_INVALID;
    const char *s = arg, *e = arg + strlen(arg);
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
                     e[-1] == '\r'))
        e--;
    if (s == e)
        return ST_ERRARG_INVALID;

    if (*s == '-' || *s == '+' || is_digit((unsigned char)*s)) {
        int neg = *s == '-', sign = neg || *s == '+';
        const char *p = s + sign;
        int64_t v = 0;
        if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            if (e - p > 8)
                return ST_ERRARG_INVALID;
            for (; p < e; p++) {
                int h = hex_val((unsigned char)*p);
                if (h < 0)
                    return ST_ERRARG_INVALID;
                v = v * 16 + h;
            }
            out->form = ST_ERRFORM_HEX;
        } else {
            if (p == e || e - p > 10)
                return ST_ERRARG_INVALID;
            for (; p < e; p++) {
                if (!is_digit((unsigned char)*p))
                    return ST_ERRARG_INVALID;
                v = v * 10 + (*p - '0');
            }
            out->form = ST_ERRFORM_DEC;
        }
        if (neg) {
            if (v > (int64_t)INT32_MAX + 1)
                return ST_ERRARG_INVALID;
            out->code = (int32_t)-v;
        } else {
            if (v > (int64_t)UINT32_MAX)
                return ST_ERRARG_INVALID;
            out->code = (int32_t)(uint32_t)v;   /* bit pattern above 2^31 */
            if (!sign && out->code > 0 &&
                !st_errcodes_find(t, out->code, NULL) &&
                st_errcodes_find(t, -out->code, NULL)) {
                out->code = -out->code;
                out->negated = 1;
            }
        }
        out->row = st_errcodes_find(t, out->code, &out->nrows);
        return out->row ? ST_ERRARG_KNOWN : ST_ERRARG_UNKNOWN;
    }

    size_t len = (size_t)(e - s);
    if (!valid_ident(s, len))
        return ST_ERRARG_INVALID;
    out->form = ST_ERRFORM_NAME;
    out->row = st_errcodes_find_name(t, s, len, 0);
    if (!out->row) {
        out->row = st_errcodes_find_name(t, s, len, 1);
        out->icase = out->row != NULL;
    }
    if (!out->row)
        return ST_ERRARG_INVALID;
    out->code = out->row->code;
    out->alias = out->icase ? cmp_bytes_ci(s, len, out->row->name,
                                           strlen(out->row->name)) != 0
                            : cmp_bytes(s, len, out->row->name,
                                        strlen(out->row->name)) != 0;
    out->nrows = 1;
    return ST_ERRARG_KNOWN;
}

/* ------------------------------------------------------------------ */
/* Scanner */

/* Bytes that can start (or, for 'x' and 'S', sit inside the first bytes of)
 * a mention: the first pass touches nothing else. */
enum { TRIG_NONE, TRIG_DEC, TRIG_HEX, TRIG_NAME };
static const unsigned char trig[256] = {
    ['-'] = TRIG_DEC, ['x'] = TRIG_HEX, ['X'] = TRIG_HEX, ['S'] = TRIG_NAME};

/* End of the identifier run starting at i. */
static size_t ident_end(const unsigned char *p, size_t len, size_t i)
{
    while (i < len && is_ident(p[i]))
        i++;
    return i;
}

/* Whether the bytes just before position i read like an error word
 * ("error", "err", "code", "status", any case) followed by at most 3 of
 * " :=(#[" -- the context required for small codes. */
static int error_context(const unsigned char *p, size_t i)
{
    size_t k = i;
    for (int skipped = 0; k > 0 && skipped < 3; skipped++) {
        unsigned c = p[k - 1];
        if (c != ' ' && c != ':' && c != '=' && c != '(' && c != '#' &&
            c != '[')
            break;
        k--;
    }
    static const char *const words[] = {"error", "err", "code", "status"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w]);
        if (k < n)
            continue;
        size_t j = 0;
        while (j < n && lower(p[k - n + j]) == (unsigned char)words[w][j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* Decimal mention at p[i] == '-'; sets *next to where scanning resumes and
 * returns 1 with *h filled when it is a known code. */
static int scan_dec(const st_errcodes *t, const unsigned char *p, size_t len,
                    size_t i, st_errcode_hit *h, size_t *next)
{
    *next = i + 1;
    if (i > 0) {
        unsigned c = p[i - 1];
        if (is_ident(c) || c == '-' || c == '+' || c == '.')
            return 0;
    }
    size_t j = i + 1;
    if (j >= len || p[j] < '1' || p[j] > '9')
        return 0;
    int64_t v = 0;
    unsigned nd = 0;
    for (; j < len && is_digit(p[j]); j++, nd++)
        if (nd < 11)
            v = v * 10 + (p[j] - '0');
    *next = j;
    if (nd > 10 || !(t->declen_mask & (1u << nd)))
        return 0;
    if (j < len) {
        unsigned c = p[j];
        if (is_ident(c))
            return 0;
        if ((c == '.' || c == ':') && j + 1 < len && is_digit(p[j + 1]))
            return 0;
    }
    if (v > (int64_t)INT32_MAX + 1)
        return 0;
    int32_t code = (int32_t)-v;
    const st_errcode *row = st_errcodes_find(t, code, NULL);
    if (!row || (v < ST_ERRCODES_BARE_MIN && !error_context(p, i)))
        return 0;
    *h = (st_errcode_hit){row, code, i, j - i, ST_ERRFORM_DEC};
    return 1;
}

/* Hex mention whose 'x' is at p[i]; same protocol as scan_dec. */
static int scan_hex(const st_errcodes *t, const unsigned char *p, size_t len,
                    size_t i, st_errcode_hit *h, size_t *next)
{
    *next = ident_end(p, len, i);
    if (i == 0 || p[i - 1] != '0' || (i >= 2 && is_ident(p[i - 2])))
        return 0;
    if (len - (i + 1) < 8)
        return 0;
    uint32_t v = 0;
    for (size_t j = i + 1; j < i + 9; j++) {
        int d = hex_val(p[j]);
        if (d < 0)
            return 0;
        v = v << 4 | (uint32_t)d;
    }
    if (i + 9 < len && is_ident(p[i + 9]))
        return 0;
    int32_t code = (int32_t)v;
    if (code >= 0)
        return 0;
    const st_errcode *row = st_errcodes_find(t, code, NULL);
    if (!row || (-(int64_t)code < ST_ERRCODES_BARE_MIN &&
                 !error_context(p, i - 1)))
        return 0;
    *h = (st_errcode_hit){row, code, i - 1, 10, ST_ERRFORM_HEX};
    return 1;
}

/* Name mention around the 'S' at p[i] ("errSec..." starts 3 bytes before,
 * "CSSMERR_..." 1 byte before); same protocol as scan_dec. */
static int scan_name(const st_errcodes *t, const unsigned char *p, size_t len,
                     size_t i, st_errcode_hit *h, size_t *next)
{
    size_t end = ident_end(p, len, i), start;
    *next = end;
    if (i >= 3 && len - (i - 3) >= 6 && memcmp(p + i - 3, "errSec", 6) == 0)
        start = i - 3;
    else if (i >= 1 && len - (i - 1) >= 8 &&
             memcmp(p + i - 1, "CSSMERR_", 8) == 0)
        start = i - 1;
    else
        return 0;
    if (start > 0 && is_ident(p[start - 1]))
        return 0;
    const st_errcode *row =
        st_errcodes_find_name(t, (const char *)p + start, end - start, 0);
    if (!row || row->code >= 0)
        return 0;
    *h = (st_errcode_hit){row, row->code, start, end - start, ST_ERRFORM_NAME};
    return 1;
}

/* Reports every mention of a known code in msg[0..len) to fn (may be NULL,
 * to count only), left to right; returns the number reported. */
size_t st_errcodes_scan(const st_errcodes *t, const char *msg, size_t len,
                        st_errcodes_scan_fn fn, void *ctx)
{
    if (!t || !msg)
        return 0;
    const unsigned char *p = (const unsigned char *)msg;
    size_t i = 0, found = 0;
    while (i < len) {
        unsigned k = trig[p[i]];
        if (k == TRIG_NONE) {
            i++;
            continue;
        }
        st_errcode_hit h;
        size_t next;
        int hit = k == TRIG_DEC   ? scan_dec(t, p, len, i, &h, &next)
                  : k == TRIG_HEX ? scan_hex(t, p, len, i, &h, &next)
                                  : scan_name(t, p, len, i, &h, &next);
        if (hit) {
            found++;
            if (fn && fn(&h, ctx))
                break;
        }
        i = next;
    }
    return found;
}
