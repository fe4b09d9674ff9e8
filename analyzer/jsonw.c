/*
 * jsonw.c -- JSON string escaping.  See jsonw.h.
 */
#include "jsonw.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Escapes into a callback-free fixed loop shared by both writers. */
static void esc(const char *s, size_t n, void (*put)(void *, const char *,
                                                     size_t), void *c)
{
    const unsigned char *p = (const unsigned char *)s;
    put(c, "\"", 1);
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned ch = p[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
            run++;
            i++;
            continue;
        }
        if (run)
            put(c, s + i - run, run);
        run = 0;
        if (ch >= 0x80) {
            size_t k = st_utf8_seq(p + i, n - i);
            if (k) {
                put(c, s + i, k);
                i += k;
            } else {
                put(c, "\\ufffd", 6);
                i++;
            }
            continue;
        }
        char b[8];
        switch (ch) {
        case '"': put(c, "\\\"", 2); break;
        case '\\': put(c, "\\\\", 2); break;
        case '\n': put(c, "\\n", 2); break;
        case '\t': put(c, "\\t", 2); break;
        case '\r': put(c, "\\r", 2); break;
        default:
            snprintf(b, sizeof b, "\\u%04x", ch);
            put(c, b, 6);
        }
        i++;
    }
    if (run)
        put(c, s + n - run, run);
    put(c, "\"", 1);
}

static void fput(void *c, const char *s, size_t n) { fwrite(s, 1, n, c); }
static void bput(void *c, const char *s, size_t n) { st_buf_add(c, s, n); }

void st_json_fstr(FILE *f, const char *s, size_t n) { esc(s, n, fput, f); }

void st_json_fcstr(FILE *f, const char *s)
{
    if (!s)
        fputs("null", f);
    else
        esc(s, strlen(s), fput, f);
}

void st_buf_add(st_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1)
            c *= 2;
        char *np = realloc(b->p, c);
        if (!np)
            return;
        b->p = np;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void st_buf_str(st_buf *b, const char *s) { st_buf_add(b, s, strlen(s)); }

void st_buf_printf(st_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof tmp) {
        char *big = malloc((size_t)n + 1);
        if (!big)
            return;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        st_buf_add(b, big, (size_t)n);
        free(big);
    } else if (n > 0) {
        st_buf_add(b, tmp, (size_t)n);
    }
}

void st_buf_json(st_buf *b, const char *s)
{
    if (!s)
        st_buf_str(b, "null");
    else
        esc(s, strlen(s), bput, b);
}

void st_buf_free(st_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
