/*
 * jsonw.h -- writing JSON text: string escaping into a FILE or a growable
 * buffer.  Output is always valid UTF-8 JSON: invalid bytes become U+FFFD.
 */
#ifndef ST_JSONW_H
#define ST_JSONW_H
#include <stddef.h>
#include <stdio.h>

/* Writes s (n bytes) as a JSON string literal with quotes. */
void st_json_fstr(FILE *f, const char *s, size_t n);
/* Same, NUL-terminated; NULL writes null. */
void st_json_fcstr(FILE *f, const char *s);

typedef struct st_buf {
    char *p;
    size_t n, cap;
} st_buf;
void st_buf_add(st_buf *b, const char *s, size_t n);
void st_buf_str(st_buf *b, const char *s);
void st_buf_printf(st_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends a JSON string literal (NULL -> null). */
void st_buf_json(st_buf *b, const char *s);
void st_buf_free(st_buf *b);

#endif
