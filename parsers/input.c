/*
 * input.c -- byte streams over evidence: raw read + SHA-256 + optional gzip
 * inflation + peek + line splitting, in one pass.  See input.h.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CAP (256 * 1024)
#define BUF_CAP_INITIAL (1024 * 1024)

struct st_input {
    char *name;
    char *path;               /* set only for inputs opened from a path */
    /* raw source: exactly one of fd, mem, fn */
    int fd, own_fd;
    const uint8_t *mem;
    size_t mem_len, mem_pos;
    st_input_read_fn fn;
    void *fn_ctx;
    int raw_eof;
    int64_t raw_size, raw_consumed;
    EVP_MD_CTX *sha;
    unsigned char digest[32];
    int digest_done;

    /* gzip state */
    int mode;                 /* 0 undecided, 1 plain, 2 gzip */
    z_stream z;
    int z_live;
    uint8_t *raw;             /* compressed bytes waiting for inflate */
    size_t raw_len, raw_pos;

    /* decompressed bytes not yet consumed: buf[start..end) */
    uint8_t *buf;
    size_t start, end, cap;
    int eof;
    int64_t consumed;         /* decompressed bytes before buf[start] */
    int64_t lineno;

    int failed;
    char errmsg[256];
};

/* Records the first error; later ones are dropped so the cause stays. */
static void set_error(st_input *in, const char *prefix, const char *detail)
{
    if (in->failed)
        return;
    in->failed = 1;
    snprintf(in->errmsg, sizeof in->errmsg, "%s%s", prefix, detail);
}

/* Allocates an input with its hash context; returns NULL when out of memory. */
static st_input *input_new(const char *name)
{
    st_input *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->fd = -1;
    in->raw_size = -1;
    in->name = strdup(name ? name : "(input)");
    in->sha = EVP_MD_CTX_new();
    in->buf = malloc(BUF_CAP_INITIAL);
    in->cap = BUF_CAP_INITIAL;
    if (!in->name || !in->sha || !in->buf ||
        EVP_DigestInit_ex(in->sha, EVP_sha256(), NULL) != 1) {
        st_input_close(in);
        return NULL;
    }
    return in;
}

/* Opens a path ("-" = stdin) read-only.  Directories and unreadable paths
 * are refused with a message naming the path. */
int st_input_open_path(st_input **out, const char *path, char *err,
                       size_t errlen)
{
    int fd;
    struct stat sb;
    *out = NULL;
    if (strcmp(path, "-") == 0) {
        fd = 0;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path,
                     strerror(errno));
            return -1;
        }
    }
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        if (fd != 0)
            close(fd);
        return -1;
    }
    st_input *in = input_new(strcmp(path, "-") == 0 ? "(stdin)" : path);
    if (!in) {
        snprintf(err, errlen, "%s: out of memory", path);
        if (fd != 0)
            close(fd);
        return -1;
    }
    in->fd = fd;
    in->own_fd = fd != 0;
    if (fd != 0 && !(in->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        st_input_close(in);
        return -1;
    }
    if (S_ISREG(sb.st_mode)) {
        in->raw_size = sb.st_size;
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    *out = in;
    return 0;
}

/* Opens an in-memory buffer (tests, fuzzing); the caller keeps it alive. */
int st_input_open_mem(st_input **out, const void *data, size_t n,
                      const char *name)
{
    st_input *in = input_new(name);
    *out = in;
    if (!in)
        return -1;
    in->mem = data;
    in->mem_len = n;
    in->raw_size = (int64_t)n;
    return 0;
}

/* Opens a stream fed by a callback (archive members). */
int st_input_open_reader(st_input **out, st_input_read_fn fn, void *ctx,
                         const char *name, int64_t raw_size)
{
    st_input *in = input_new(name);
    *out = in;
    if (!in)
        return -1;
    in->fn = fn;
    in->fn_ctx = ctx;
    in->raw_size = raw_size;
    return 0;
}

/* Releases everything; never closes standard input. */
void st_input_close(st_input *in)
{
    if (!in)
        return;
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    if (in->z_live)
        inflateEnd(&in->z);
    EVP_MD_CTX_free(in->sha);
    free(in->raw);
    free(in->buf);
    free(in->name);
    free(in->path);
    free(in);
}

/* Reads up to n raw bytes from the source into dst and hashes them.
 * Returns the count, 0 at end, -1 on error. */
static ssize_t raw_read(st_input *in, uint8_t *dst, size_t n)
{
    ssize_t got = 0;
    if (in->raw_eof || n == 0)
        return 0;
    if (in->mem) {
        size_t left = in->mem_len - in->mem_pos;
        got = (ssize_t)(left < n ? left : n);
        memcpy(dst, in->mem + in->mem_pos, (size_t)got);
        in->mem_pos += (size_t)got;
    } else if (in->fn) {
        char e[200] = "";
        got = in->fn(in->fn_ctx, dst, n, e, sizeof e);
        if (got < 0) {
            set_error(in, "read error: ", e[0] ? e : "unknown");
            return -1;
        }
    } else {
        do {
            got = read(in->fd, dst, n);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            set_error(in, "read error: ", strerror(errno));
            return -1;
        }
    }
    if (got == 0) {
        in->raw_eof = 1;
        return 0;
    }
    EVP_DigestUpdate(in->sha, dst, (size_t)got);
    in->raw_consumed += got;
    return got;
}

/* Makes room for at least `want` more bytes at buf[end], compacting first
 * and growing only when a single line needs it.  Returns 0 or -1. */
static int make_room(st_input *in, size_t want)
{
    if (in->cap - in->end >= want)
        return 0;
    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->consumed += 0; /* consumed already counts bytes before start */
        in->start = 0;
        if (in->cap - in->end >= want)
            return 0;
    }
    size_t ncap = in->cap;
    while (ncap - in->end < want) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    uint8_t *nb = realloc(in->buf, ncap);
    if (!nb) {
        set_error(in, "", "out of memory");
        return -1;
    }
    in->buf = nb;
    in->cap = ncap;
    return 0;
}

/* Decides plain or gzip from the first raw bytes. */
static int decide_mode(st_input *in)
{
    if (!in->raw)
        in->raw = malloc(RAW_CAP);
    if (!in->raw)
        return -1;
    while (in->raw_len < 2 && !in->raw_eof) {
        ssize_t g = raw_read(in, in->raw + in->raw_len, RAW_CAP - in->raw_len);
        if (g < 0)
            return -1;
        in->raw_len += (size_t)g;
    }
    if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        in->mode = 2;
        memset(&in->z, 0, sizeof in->z);
        if (inflateInit2(&in->z, 15 + 16) != Z_OK)
            return -1;
        in->z_live = 1;
    } else {
        in->mode = 1;
    }
    return 0;
}

/* Returns 1 when the unread compressed bytes are only zero padding. */
static int rest_is_padding(st_input *in)
{
    for (;;) {
        for (size_t i = in->raw_pos; i < in->raw_len; i++)
            if (in->raw[i] != 0)
                return 0;
        in->raw_pos = in->raw_len = 0;
        ssize_t g = raw_read(in, in->raw, RAW_CAP);
        if (g <= 0)
            return g == 0;
        in->raw_len = (size_t)g;
    }
}

/* Appends decompressed bytes to buf.  Returns bytes added, 0 at end of
 * stream, -1 on error (what was delivered before stays valid). */
static ssize_t fill(st_input *in)
{
    if (in->eof || in->failed)
        return 0;
    if (in->mode == 0 && decide_mode(in) < 0) {
        set_error(in, "", "cannot initialise decompression");
        return -1;
    }
    if (make_room(in, 64 * 1024) < 0)
        return -1;
    if (in->mode == 1) {
        /* Plain: hand over bytes already read while deciding, then read
         * straight into buf so each byte is copied once. */
        if (in->raw_pos < in->raw_len) {
            size_t k = in->raw_len - in->raw_pos;
            memcpy(in->buf + in->end, in->raw + in->raw_pos, k);
            in->raw_pos = in->raw_len = 0;
            in->end += k;
            return (ssize_t)k;
        }
        ssize_t g = raw_read(in, in->buf + in->end, in->cap - in->end);
        if (g < 0)
            return -1;
        if (g == 0)
            in->eof = 1;
        in->end += (size_t)g;
        return g;
    }
    for (;;) {
        if (in->raw_pos == in->raw_len) {
            in->raw_pos = in->raw_len = 0;
            ssize_t g = raw_read(in, in->raw, RAW_CAP);
            if (g < 0)
                return -1;
            if (g == 0) {
                if (in->z_live) {
                    set_error(in, "", "truncated gzip stream");
                    return -1;
                }
                in->eof = 1;
                return 0;
            }
            in->raw_len = (size_t)g;
        }
        if (!in->z_live) {
            /* After a member: another member, zero padding, or garbage. */
            if (in->raw_len - in->raw_pos >= 2 &&
                in->raw[in->raw_pos] == 0x1f &&
                in->raw[in->raw_pos + 1] == 0x8b) {
                inflateReset(&in->z);
                in->z_live = 1;
            } else if (rest_is_padding(in)) {
                in->eof = 1;
                return 0;
            } else {
                set_error(in, "", "trailing garbage after gzip data");
                return -1;
            }
        }
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->z.next_out = in->buf + in->end;
        in->z.avail_out = (uInt)(in->cap - in->end);
        int zr = inflate(&in->z, Z_NO_FLUSH);
        size_t produced = (in->cap - in->end) - in->z.avail_out;
        in->raw_pos = in->raw_len - in->z.avail_in;
        in->end += produced;
        if (zr == Z_STREAM_END) {
            in->z_live = 0;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            set_error(in, "corrupt gzip data: ",
                      in->z.msg ? in->z.msg : "inflate failed");
            return produced ? (ssize_t)produced : -1;
        }
        if (produced)
            return (ssize_t)produced;
    }
}

/* Returns up to ST_PEEK_MAX leading unconsumed bytes without consuming. */
const uint8_t *st_input_peek(st_input *in, size_t *len)
{
    while (in->end - in->start < ST_PEEK_MAX && !in->eof && !in->failed)
        if (fill(in) <= 0)
            break;
    *len = in->end - in->start;
    if (*len > ST_PEEK_MAX)
        *len = ST_PEEK_MAX;
    return in->buf + in->start;
}

/* Reads up to n decompressed bytes; 0 at end, -1 on error. */
ssize_t st_input_read(st_input *in, void *dst, size_t n)
{
    if (in->start == in->end) {
        in->start = in->end = 0;
        ssize_t g = fill(in);
        if (g <= 0)
            return g < 0 ? -1 : 0;
    }
    size_t k = in->end - in->start;
    if (k > n)
        k = n;
    memcpy(dst, in->buf + in->start, k);
    in->start += k;
    in->consumed += (int64_t)k;
    return (ssize_t)k;
}

/* Returns the next line (without '\n') as a view valid until the next call.
 * Returns 1 with a line, 0 at end of input, -1 on error with nothing left. */
int st_input_getline(st_input *in, const char **line, size_t *len,
                     int64_t *offset, int64_t *lineno)
{
    size_t scanned = 0;
    for (;;) {
        uint8_t *p = in->buf + in->start;
        size_t avail = in->end - in->start;
        uint8_t *nl = avail > scanned ? memchr(p + scanned, '\n',
                                               avail - scanned) : NULL;
        if (nl || ((in->eof || in->failed) && avail > 0)) {
            size_t n = nl ? (size_t)(nl - p) : avail;
            *line = (const char *)p;
            *len = n;
            if (offset)
                *offset = in->consumed;
            in->lineno++;
            if (lineno)
                *lineno = in->lineno;
            size_t adv = nl ? n + 1 : n;
            in->start += adv;
            in->consumed += (int64_t)adv;
            return 1;
        }
        if (in->eof || in->failed)
            return in->failed ? -1 : 0;
        scanned = avail;
        ssize_t g = fill(in);
        if (g < 0 && in->end == in->start)
            return -1;
        /* make_room may have moved the data; `scanned` stays relative. */
    }
}

/* Drains the raw source so the hash covers every byte. */
int st_input_finish(st_input *in)
{
    uint8_t tmp[65536];
    if (in->mode == 0 && !in->raw_eof) {
        if (decide_mode(in) < 0)
            return -1;
    }
    while (!in->raw_eof) {
        ssize_t g = raw_read(in, tmp, sizeof tmp);
        if (g < 0)
            return -1;
    }
    return 0;
}

const char *st_input_name(const st_input *in) { return in->name; }
const char *st_input_path(const st_input *in) { return in->path; }
const char *st_input_error(const st_input *in)
{
    return in->failed ? in->errmsg : NULL;
}
int st_input_is_gzip(const st_input *in) { return in->mode == 2; }
int64_t st_input_raw_size(const st_input *in) { return in->raw_size; }
int64_t st_input_raw_consumed(const st_input *in) { return in->raw_consumed; }
int64_t st_input_consumed(const st_input *in) { return in->consumed; }

/* Finalises (once) and returns the SHA-256 of the raw bytes read so far;
 * call after st_input_finish() for the whole input. */
void st_input_sha256(const st_input *in, unsigned char out[32])
{
    st_input *m = (st_input *)in;
    if (!m->digest_done) {
        unsigned int n = 32;
        EVP_DigestFinal_ex(m->sha, m->digest, &n);
        m->digest_done = 1;
    }
    memcpy(out, m->digest, 32);
}

/* Same as st_input_sha256, as 64 lower-case hex digits. */
void st_input_sha256_hex(const st_input *in, char out[65])
{
    unsigned char d[32];
    st_input_sha256(in, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}
