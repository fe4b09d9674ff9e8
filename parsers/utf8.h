/*
 * utf8.h -- validation and sanitising of text that comes from evidence.
 * "Clean" means valid UTF-8 (no overlongs, surrogates or code points above
 * U+10FFFF) and no NUL byte.  Sanitising maps each invalid byte to U+FFFD
 * and NUL to U+2400 (SYMBOL FOR NULL), so stored text stays searchable while
 * the raw bytes are kept elsewhere.
 */
#ifndef ST_UTF8_H
#define ST_UTF8_H
#include <stddef.h>

int st_utf8_clean(const char *p, size_t n);
/* Bytes needed by st_utf8_sanitize for this input (at most 3n). */
size_t st_utf8_sanitized_len(const char *p, size_t n);
/* Writes the sanitised text to out; returns its length. */
size_t st_utf8_sanitize(const char *p, size_t n, char *out);
/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t st_utf8_seq(const unsigned char *p, size_t n);

#endif
