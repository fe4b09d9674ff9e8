/*
 * timesync.c -- timesync database reader.  See timesync.h.
 */
#include "timesync.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TS_BOOT_SIZE 48
#define TS_SYNC_SIZE 32
/* A timesync file holds a few thousand 32-byte records; anything far
 * larger is not one. */
#define TS_MAX_FILE (256u << 20)

/* Little-endian readers; the caller has checked the bounds. */
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
/* Little-endian u32 (bounds checked by the caller). */
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
/* Little-endian u64 (bounds checked by the caller). */
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Formats a warning and hands it to the callback, counting it. */
static void warnf(st_timesync *ts, st_ts_warn_fn warn, void *wctx,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Formats a warning and hands it to the callback, counting it. */
static void warnf(st_timesync *ts, st_ts_warn_fn warn, void *wctx,
                  const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts->warnings++;
    if (warn)
        warn(wctx, msg);
}

/* Finds or adds the boot with this UUID; NULL when out of memory. */
static st_ts_boot *boot_for(st_timesync *ts, const uint8_t uuid[16],
                            int *is_new)
{
    *is_new = 0;
    for (size_t i = 0; i < ts->nboots; i++)
        if (memcmp(ts->boots[i].uuid, uuid, 16) == 0)
            return &ts->boots[i];
    if (ts->nboots == ts->cap) {
        size_t c = ts->cap ? ts->cap * 2 : 8;
        st_ts_boot *nb = realloc(ts->boots, c * sizeof *nb);
        if (!nb)
            return NULL;
        ts->boots = nb;
        ts->cap = c;
    }
    st_ts_boot *b = &ts->boots[ts->nboots++];
    memset(b, 0, sizeof *b);
    memcpy(b->uuid, uuid, 16);
    *is_new = 1;
    return b;
}

/* Appends a sync record to a boot; -1 when out of memory. */
static int add_sync(st_ts_boot *b, const st_ts_sync *s)
{
    if (b->nsyncs == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 64;
        st_ts_sync *ns = realloc(b->syncs, c * sizeof *ns);
        if (!ns)
            return -1;
        b->syncs = ns;
        b->cap = c;
    }
    b->syncs[b->nsyncs++] = *s;
    return 0;
}

/* Orders sync records by continuous time. */
static int cmp_sync(const void *a, const void *b)
{
    uint64_t x = ((const st_ts_sync *)a)->kernel_time;
    uint64_t y = ((const st_ts_sync *)b)->kernel_time;
    return x < y ? -1 : x > y;
}

/* Sorts a boot's sync records when they are not already in order (files
 * read in name order normally are). */
static void sort_syncs(st_ts_boot *b)
{
    for (size_t i = 1; i < b->nsyncs; i++)
        if (b->syncs[i].kernel_time < b->syncs[i - 1].kernel_time) {
            qsort(b->syncs, b->nsyncs, sizeof *b->syncs, cmp_sync);
            return;
        }
}

/* Parses one timesync file into ts (see timesync.h): records in order,
 * stopping at the first one that is damaged. */
long st_timesync_parse(st_timesync *ts, const uint8_t *p, size_t n,
                       const char *name, st_ts_warn_fn warn, void *wctx)
{
    size_t off = 0;
    long records = 0;
    st_ts_boot *cur = NULL;
    if (!name)
        name = "timesync";
    while (off < n) {
        if (n - off < 4) {
            warnf(ts, warn, wctx, "%s: %zu stray bytes at offset %zu", name,
                  n - off, off);
            break;
        }
        uint16_t size = rd16(p + off + 2);
        if (p[off] == 0xb0 && p[off + 1] == 0xbb) {
            if (size != TS_BOOT_SIZE || n - off < TS_BOOT_SIZE) {
                warnf(ts, warn, wctx, "%s: boot record at offset %zu has "
                      "size %u (48 expected) or is cut", name, off, size);
                break;
            }
            const uint8_t *r = p + off;
            int is_new;
            st_ts_boot *b = boot_for(ts, r + 8, &is_new);
            if (!b)
                return -1;
            uint32_t numer = rd32(r + 24), denom = rd32(r + 28);
            if (numer == 0 || denom == 0) {
                warnf(ts, warn, wctx, "%s: boot record at offset %zu has "
                      "timebase %u/%u; 1/1 used", name, off, numer, denom);
                numer = denom = 1;
            }
            if (is_new) {
                b->numer = numer;
                b->denom = denom;
                b->wall_ns = (int64_t)rd64(r + 32);
                b->tz_min = (int32_t)rd32(r + 40);
                b->dst = (int32_t)rd32(r + 44);
            }
            cur = b;
            off += TS_BOOT_SIZE;
        } else if (p[off] == 'T' && p[off + 1] == 's') {
            if (size != TS_SYNC_SIZE || n - off < TS_SYNC_SIZE) {
                warnf(ts, warn, wctx, "%s: sync record at offset %zu has "
                      "size %u (32 expected) or is cut", name, off, size);
                break;
            }
            const uint8_t *r = p + off;
            if (!cur) {
                warnf(ts, warn, wctx, "%s: sync record at offset %zu comes "
                      "before any boot record; dropped", name, off);
            } else {
                st_ts_sync s = {rd64(r + 8), (int64_t)rd64(r + 16),
                                (int32_t)rd32(r + 24), (int32_t)rd32(r + 28)};
                if (add_sync(cur, &s) < 0)
                    return -1;
            }
            off += TS_SYNC_SIZE;
        } else {
            warnf(ts, warn, wctx, "%s: unknown record signature %02x %02x "
                  "at offset %zu; rest of the file ignored", name, p[off],
                  p[off + 1], off);
            break;
        }
        records++;
    }
    /* A boot continued from another file may now be out of order; the
     * lookup's binary search needs every boot sorted. */
    for (size_t i = 0; i < ts->nboots; i++)
        sort_syncs(&ts->boots[i]);
    ts->files++;
    return records;
}

/* Reads a whole file (bounded) into a malloc'd buffer; NULL on error with
 * errno set. */
static uint8_t *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > TS_MAX_FILE) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (buf)
        *len = got;
    return buf;
}

/* Bytewise order of file names. */
static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads every *.timesync file of dir in name order (see timesync.h). */
int st_timesync_load_dir(st_timesync *ts, const char *dir, st_ts_warn_fn warn,
                         void *wctx, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 9 || strcmp(de->d_name + l - 9, ".timesync") != 0)
            continue;
        if (nn == cap) {
            size_t c = cap ? cap * 2 : 16;
            char **nb = realloc(names, c * sizeof *nb);
            if (!nb)
                break;
            names = nb;
            cap = c;
        }
        if (!(names[nn] = strdup(de->d_name)))
            break;
        nn++;
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_name);
    int files = 0;
    for (size_t i = 0; i < nn; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(plen);
        if (path) {
            snprintf(path, plen, "%s/%s", dir, names[i]);
            size_t len = 0;
            uint8_t *buf = slurp(path, &len);
            if (!buf) {
                warnf(ts, warn, wctx, "%s: %s", path, strerror(errno));
            } else {
                if (st_timesync_parse(ts, buf, len, names[i], warn, wctx) >= 0)
                    files++;
                free(buf);
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return files;
}

/* Frees every boot and its sync records. */
void st_timesync_free(st_timesync *ts)
{
    for (size_t i = 0; i < ts->nboots; i++)
        free(ts->boots[i].syncs);
    free(ts->boots);
    memset(ts, 0, sizeof *ts);
}

/* The boot with this UUID (linear: a folder holds a few boots). */
const st_ts_boot *st_timesync_boot(const st_timesync *ts,
                                   const uint8_t uuid[16])
{
    for (size_t i = 0; i < ts->nboots; i++)
        if (memcmp(ts->boots[i].uuid, uuid, 16) == 0)
            return &ts->boots[i];
    return NULL;
}

/* wall = base_wall + floor((ct - base_ct) * numer / denom), in 128-bit
 * arithmetic and clamped to the int64 range. */
int64_t st_ts_convert(uint64_t ct, uint64_t base_ct, int64_t base_wall_ns,
                      uint32_t numer, uint32_t denom)
{
    if (!denom)
        denom = 1;
    __int128 delta = (__int128)ct - (__int128)base_ct;
    __int128 scaled = delta * numer;
    __int128 q = scaled / denom;
    if (scaled % denom != 0 && scaled < 0)
        q -= 1;                        /* floor, not truncation */
    __int128 w = (__int128)base_wall_ns + q;
    if (w > INT64_MAX)
        return INT64_MAX;
    if (w < INT64_MIN)
        return INT64_MIN;
    return (int64_t)w;
}

/* Converts with the latest sync record at or before ct (binary search),
 * else with the boot record. */
int64_t st_ts_to_wall_ns(const st_ts_boot *b, uint64_t ct, int32_t *tz_min,
                         int32_t *dst)
{
    /* The last sync record at or before ct: binary search. */
    size_t lo = 0, hi = b->nsyncs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->syncs[mid].kernel_time <= ct)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        if (tz_min)
            *tz_min = b->tz_min;
        if (dst)
            *dst = b->dst;
        return st_ts_convert(ct, 0, b->wall_ns, b->numer, b->denom);
    }
    const st_ts_sync *s = &b->syncs[lo - 1];
    if (tz_min)
        *tz_min = s->tz_min;
    if (dst)
        *dst = s->dst;
    return st_ts_convert(ct, s->kernel_time, s->wall_ns, b->numer, b->denom);
}
