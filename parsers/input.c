/*
 * input.c -- byte streams over evidence.  See input.h.
 *
 * Reading, SHA-256 and gzip inflation run in a producer thread that fills a
 * small ring of fixed-size chunks; the parser's thread copies chunks into
 * its line buffer.  Inputs held in memory (tests, fuzzing) are produced
 * synchronously instead: a thread would cost more than it saves.  On a 2-core machine the hash and the inflate then cost
 * almost nothing on the parser's critical path, and memory stays bounded
 * (RING chunks of CHUNK bytes plus the longest line).
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_CAP (256 * 1024)
#define CHUNK (1024 * 1024)
#define RING 4
#define BUF_CAP_INITIAL (2 * CHUNK)
#define MEM_BUF_INITIAL (64 * 1024)

typedef struct chunk {
    uint8_t *data;
    size_t len;
} chunk;

struct st_input {
    char *name;
    char *path;               /* set only for inputs opened from a path */

    /* ---- producer side (only the producer thread touches these while it
     * runs; the consumer reads them after joining it) ---- */
    int fd, own_fd;
    const uint8_t *mem;
    size_t mem_len, mem_pos;
    st_input_read_fn fn;
    void *fn_ctx;
    int raw_eof;
    int64_t raw_size, raw_consumed;
    EVP_MD_CTX *sha;
    int mode;                 /* 0 undecided, 1 plain, 2 gzip */
    z_stream z;
    int z_live, z_init;
    uint8_t *raw;             /* bytes read but not yet handed on */
    size_t raw_len, raw_pos;
    int p_failed;
    char p_err[256];

    /* ---- shared, under mu ---- */
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk ring[RING];
    int head, count;
    int done;                 /* producer finished (end or error) */
    int drain;                /* consumer wants no more data: hash the rest */

    /* ---- consumer side ---- */
    unsigned char digest[32];
    int digest_done;
    uint8_t *buf;             /* unconsumed decompressed bytes [start,end) */
    size_t start, end, cap;
    int eof;
    int64_t consumed;
    int64_t lineno;
    int failed;
    char errmsg[256];
};

/* Records the producer's first error. */
static void p_error(st_input *in, const char *prefix, const char *detail)
{
    if (in->p_failed)
        return;
    in->p_failed = 1;
    snprintf(in->p_err, sizeof in->p_err, "%s%s", prefix, detail);
}

/* Allocates an input; returns NULL when out of memory. */
static st_input *input_new(const char *name)
{
    st_input *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->fd = -1;
    in->raw_size = -1;
    in->name = strdup(name ? name : "(input)");
    in->sha = EVP_MD_CTX_new();
    in->buf = malloc(MEM_BUF_INITIAL);
    in->cap = MEM_BUF_INITIAL;
    in->raw = malloc(RAW_CAP);
    int ok = in->name && in->sha && in->buf && in->raw &&
             EVP_DigestInit_ex(in->sha, EVP_sha256(), NULL) == 1;
    if (!ok || pthread_mutex_init(&in->mu, NULL) ||
        pthread_cond_init(&in->cv, NULL)) {
        st_input_close(in);
        return NULL;
    }
    return in;
}

/* Opens a path ("-" = stdin) read-only. */
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
    st_input *in = input_new(fd == 0 ? "(stdin)" : path);
    if (!in || (fd != 0 && !(in->path = strdup(path)))) {
        snprintf(err, errlen, "%s: out of memory", path);
        st_input_close(in);
        if (fd != 0)
            close(fd);
        return -1;
    }
    in->fd = fd;
    in->own_fd = fd != 0;
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

/* Opens a stream fed by a callback (archive members).  The callback runs on
 * the producer thread, one call at a time. */
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

/* Stops the producer (draining the hash first) and waits for it. */
static void stop_producer(st_input *in)
{
    if (!in->started)
        return;
    pthread_mutex_lock(&in->mu);
    in->drain = 1;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    pthread_join(in->thread, NULL);
    in->started = 0;
}

/* Releases everything; never closes standard input. */
void st_input_close(st_input *in)
{
    if (!in)
        return;
    stop_producer(in);
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    if (in->z_init)
        inflateEnd(&in->z);
    EVP_MD_CTX_free(in->sha);
    for (int i = 0; i < RING; i++)
        free(in->ring[i].data);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv);
    free(in->raw);
    free(in->buf);
    free(in->name);
    free(in->path);
    free(in);
}

/* ---- producer ---------------------------------------------------------- */

/* Reads up to n raw bytes from the source into dst and hashes them. */
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
            p_error(in, "read error: ", e[0] ? e : "unknown");
            return -1;
        }
    } else {
        do {
            got = read(in->fd, dst, n);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            p_error(in, "read error: ", strerror(errno));
            return -1;
        }
    }
    if (got == 0) {
        in->raw_eof = 1;
        return 0;
    }
    EVP_DigestUpdate(in->sha, dst, (size_t)got);
    __atomic_add_fetch(&in->raw_consumed, got, __ATOMIC_RELAXED);
    return got;
}

/* Refills the raw buffer when it is empty; returns bytes available, 0 at
 * end, -1 on error. */
static ssize_t raw_refill(st_input *in)
{
    if (in->raw_pos < in->raw_len)
        return (ssize_t)(in->raw_len - in->raw_pos);
    in->raw_pos = in->raw_len = 0;
    ssize_t g = raw_read(in, in->raw, RAW_CAP);
    if (g > 0)
        in->raw_len = (size_t)g;
    return g;
}

/* Decides plain or gzip from the first two raw bytes. */
static int decide_mode(st_input *in)
{
    while (in->raw_len < 2 && !in->raw_eof) {
        ssize_t g = raw_read(in, in->raw + in->raw_len, RAW_CAP - in->raw_len);
        if (g < 0)
            return -1;
        in->raw_len += (size_t)g;
    }
    in->mode = 1;
    if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
        if (inflateInit2(&in->z, 15 + 16) != Z_OK) {
            p_error(in, "", "cannot initialise decompression");
            return -1;
        }
        in->z_init = in->z_live = 1;
        in->mode = 2;
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
        ssize_t g = raw_refill(in);
        if (g <= 0)
            return g == 0;
    }
}

/* Produces up to cap decompressed bytes into dst.  Returns the count, 0 at
 * end of stream, -1 on error (after what was produced). */
static ssize_t produce(st_input *in, uint8_t *dst, size_t cap)
{
    if (in->mode == 0 && decide_mode(in) < 0)
        return -1;
    if (in->mode == 1) {
        if (in->raw_pos < in->raw_len) {
            size_t k = in->raw_len - in->raw_pos;
            if (k > cap)
                k = cap;
            memcpy(dst, in->raw + in->raw_pos, k);
            in->raw_pos += k;
            return (ssize_t)k;
        }
        return raw_read(in, dst, cap);
    }
    for (;;) {
        ssize_t g = raw_refill(in);
        if (g < 0)
            return -1;
        if (g == 0) {
            if (in->z_live) {
                p_error(in, "", "truncated gzip stream");
                return -1;
            }
            return 0;
        }
        if (!in->z_live) {
            /* After a member: another member, zero padding, or garbage. */
            if (in->raw_len - in->raw_pos >= 2 &&
                in->raw[in->raw_pos] == 0x1f &&
                in->raw[in->raw_pos + 1] == 0x8b) {
                inflateReset(&in->z);
                in->z_live = 1;
            } else if (rest_is_padding(in)) {
                return 0;
            } else {
                p_error(in, "", "trailing garbage after gzip data");
                return -1;
            }
        }
        in->z.next_in = in->raw + in->raw_pos;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->z.next_out = dst;
        in->z.avail_out = (uInt)cap;
        int zr = inflate(&in->z, Z_NO_FLUSH);
        size_t produced = cap - in->z.avail_out;
        in->raw_pos = in->raw_len - in->z.avail_in;
        if (zr == Z_STREAM_END) {
            in->z_live = 0;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            p_error(in, "corrupt gzip data: ",
                    in->z.msg ? in->z.msg : "inflate failed");
            return produced ? (ssize_t)produced : -1;
        }
        if (produced)
            return (ssize_t)produced;
    }
}

/* The producer thread: fill free ring slots until the end, an error, or a
 * drain request; then hash whatever raw bytes remain. */
static void *producer(void *arg)
{
    st_input *in = arg;
    pthread_setname_np(pthread_self(), "st-input");    /* for profilers */
    for (;;) {
        pthread_mutex_lock(&in->mu);
        while (in->count == RING && !in->drain)
            pthread_cond_wait(&in->cv, &in->mu);
        int drain = in->drain;
        int slot = (in->head + in->count) % RING;
        pthread_mutex_unlock(&in->mu);
        if (drain || in->p_failed)
            break;
        ssize_t n = produce(in, in->ring[slot].data, CHUNK);
        pthread_mutex_lock(&in->mu);
        if (n > 0) {
            in->ring[slot].len = (size_t)n;
            in->count++;
        }
        pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        if (n <= 0 && (n < 0 || in->p_failed || in->mode != 2 ||
                       !in->z_live))
            break;
    }
    /* The hash must cover every byte, whatever the parser read. */
    pthread_mutex_lock(&in->mu);
    int drain = in->drain;
    pthread_mutex_unlock(&in->mu);
    if (drain) {
        if (in->mode == 0)
            decide_mode(in);
        while (!in->raw_eof && !in->p_failed) {
            in->raw_pos = in->raw_len = 0;
            if (raw_read(in, in->raw, RAW_CAP) < 0)
                break;
        }
    }
    pthread_mutex_lock(&in->mu);
    in->done = 1;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

/* ---- consumer ---------------------------------------------------------- */

/* Makes room for at least `want` more bytes at buf[end]. */
static int make_room(st_input *in, size_t want)
{
    if (in->cap - in->end >= want)
        return 0;
    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
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
    if (!nb)
        return -1;
    in->buf = nb;
    in->cap = ncap;
    return 0;
}

/* Copies the producer's error (if any) to the consumer side. */
static void take_error(st_input *in)
{
    if (in->p_failed && !in->failed) {
        in->failed = 1;
        memcpy(in->errmsg, in->p_err, sizeof in->errmsg);
    }
}

/* Appends the next chunk to buf.  Returns bytes added, 0 at end, -1 on
 * error with nothing more to give. */
static ssize_t fill(st_input *in)
{
    if (in->eof)
        return 0;
    if (in->mem) {
        /* Memory inputs (tests, fuzzing) need no reader thread: produce
         * straight into the line buffer, in small steps so short inputs
         * stay cheap. */
        if (make_room(in, MEM_BUF_INITIAL / 2) < 0) {
            in->failed = 1;
            snprintf(in->errmsg, sizeof in->errmsg, "out of memory");
            in->eof = 1;
            return -1;
        }
        ssize_t n = in->p_failed ? -1 : produce(in, in->buf + in->end,
                                                in->cap - in->end);
        if (n > 0) {
            in->end += (size_t)n;
            return n;
        }
        take_error(in);
        in->eof = 1;
        return in->failed ? -1 : 0;
    }
    if (!in->started) {
        for (int i = 0; i < RING; i++)
            if (!in->ring[i].data && !(in->ring[i].data = malloc(CHUNK))) {
                in->failed = 1;
                snprintf(in->errmsg, sizeof in->errmsg, "out of memory");
                in->eof = 1;
                return -1;
            }
        if (pthread_create(&in->thread, NULL, producer, in) != 0) {
            in->failed = 1;
            snprintf(in->errmsg, sizeof in->errmsg, "cannot start reader");
            in->eof = 1;
            return -1;
        }
        in->started = 1;
    }
    pthread_mutex_lock(&in->mu);
    while (in->count == 0 && !in->done)
        pthread_cond_wait(&in->cv, &in->mu);
    if (in->count == 0) {
        pthread_mutex_unlock(&in->mu);
        take_error(in);   /* producer is done: its fields are stable */
        in->eof = 1;
        return in->failed ? -1 : 0;
    }
    chunk *c = &in->ring[in->head];
    pthread_mutex_unlock(&in->mu);
    if (make_room(in, c->len) < 0) {
        in->failed = 1;
        snprintf(in->errmsg, sizeof in->errmsg, "out of memory");
        in->eof = 1;
        return -1;
    }
    memcpy(in->buf + in->end, c->data, c->len);
    in->end += c->len;
    size_t n = c->len;
    pthread_mutex_lock(&in->mu);
    in->head = (in->head + 1) % RING;
    in->count--;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    return (ssize_t)n;
}

/* Returns up to ST_PEEK_MAX leading unconsumed bytes without consuming. */
const uint8_t *st_input_peek(st_input *in, size_t *len)
{
    while (in->end - in->start < ST_PEEK_MAX && !in->eof)
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
        if (nl || (in->eof && avail > 0)) {
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
        if (in->eof)
            return in->failed ? -1 : 0;
        scanned = avail;
        fill(in);  /* on error eof is set and the loop returns what is left */
    }
}

/* Lets the producer hash the rest of the raw input and waits for it. */
int st_input_finish(st_input *in)
{
    if (in->mem) {
        if (in->mode == 0 && !in->raw_eof)
            decide_mode(in);
        while (!in->raw_eof && !in->p_failed) {
            in->raw_pos = in->raw_len = 0;
            if (raw_read(in, in->raw, RAW_CAP) < 0)
                break;
        }
        take_error(in);
        return in->p_failed ? -1 : 0;
    }
    if (!in->started && !in->digest_done) {
        /* nothing was read yet: run the producer just to hash */
        if (pthread_create(&in->thread, NULL, producer, in) == 0)
            in->started = 1;
    }
    stop_producer(in);
    take_error(in);
    return in->p_failed ? -1 : 0;
}

const char *st_input_name(const st_input *in) { return in->name; }
const char *st_input_path(const st_input *in) { return in->path; }
const char *st_input_error(const st_input *in)
{
    return in->failed ? in->errmsg : NULL;
}
int st_input_is_gzip(const st_input *in) { return in->mode == 2; }
int64_t st_input_raw_size(const st_input *in) { return in->raw_size; }
/* Read without the lock: a progress estimate may be slightly stale. */
int64_t st_input_raw_consumed(const st_input *in)
{
    return __atomic_load_n(&in->raw_consumed, __ATOMIC_RELAXED);
}
int64_t st_input_consumed(const st_input *in) { return in->consumed; }

/* Finalises (once) and returns the SHA-256 of the raw bytes; call after
 * st_input_finish() so it covers the whole input. */
void st_input_sha256(const st_input *in, unsigned char out[32])
{
    st_input *m = (st_input *)in;
    if (!m->digest_done) {
        stop_producer(m);
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
