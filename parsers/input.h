/*
 * input.h -- a read-only byte stream over one piece of evidence.
 *
 * Contract:
 *  - An input is opened from a path ("-" is standard input), from memory, or
 *    from a caller's read callback (archive members).  It is never written.
 *  - Every raw byte read is fed to SHA-256, so the hash is of the evidence as
 *    stored (the compressed bytes of a .gz), computed in the same single pass
 *    as parsing.  st_input_finish() drains what the parser did not read so
 *    the hash always covers the whole input.
 *  - gzip content is recognised by its magic and inflated with zlib
 *    (concatenated members included); everything a parser sees is the
 *    decompressed stream, and offsets/lines refer to it.
 *  - st_input_peek() shows up to ST_PEEK_MAX leading bytes without consuming
 *    them: this is what format bidders look at.
 *  - st_input_getline() returns one line at a time without its '\n' (a
 *    trailing '\r' is kept; parsers decide).  The view is valid until the next
 *    call.  Lines of any length work; memory grows with the longest line only.
 *  - Errors (I/O, corrupt gzip) are reported once via st_input_error(); what
 *    was returned before the error remains valid evidence.
 */
#ifndef ST_INPUT_H
#define ST_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ST_PEEK_MAX (64 * 1024)

typedef struct st_input st_input;

/* Reads up to n raw bytes into buf; returns the count, 0 at end, -1 on error
 * (with a message in err). */
typedef ssize_t (*st_input_read_fn)(void *ctx, void *buf, size_t n,
                                    char *err, size_t errlen);

int st_input_open_path(st_input **out, const char *path, char *err,
                       size_t errlen);
int st_input_open_mem(st_input **out, const void *data, size_t n,
                      const char *name);
int st_input_open_reader(st_input **out, st_input_read_fn fn, void *ctx,
                         const char *name, int64_t raw_size);
void st_input_close(st_input *in);

const uint8_t *st_input_peek(st_input *in, size_t *len);
ssize_t st_input_read(st_input *in, void *buf, size_t n);
int st_input_getline(st_input *in, const char **line, size_t *len,
                     int64_t *offset, int64_t *lineno);

/* Reads the rest of the raw input (for the hash); returns 0 or -1. */
int st_input_finish(st_input *in);

const char *st_input_name(const st_input *in);
/* The filesystem path when the input was opened from one (not stdin, not
 * memory, not an archive member), else NULL: formats that need a real file
 * (SQLite) copy it from there, with its -wal/-shm companions. */
const char *st_input_path(const st_input *in);
const char *st_input_error(const st_input *in);
int st_input_is_gzip(const st_input *in);
int64_t st_input_raw_size(const st_input *in);     /* -1 when unknown */
int64_t st_input_raw_consumed(const st_input *in);
int64_t st_input_consumed(const st_input *in);     /* decompressed bytes */
void st_input_sha256(const st_input *in, unsigned char out[32]);
void st_input_sha256_hex(const st_input *in, char out[65]);

#endif
