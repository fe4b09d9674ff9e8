/*
 * uuidtext.c -- uuidtext reader and the uuidtext/dsc cache.  See uuidtext.h.
 */
#include "uuidtext.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Little-endian u32; the caller has checked the bounds. */
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ---- uuidtext files ------------------------------------------------------ */

int st_uuidtext_parse(st_uuidtext *ut, const uint8_t *p, size_t n, char *err,
                      size_t errlen)
{
    memset(ut, 0, sizeof *ut);
    static const uint8_t magic[4] = {0x99, 0x88, 0x77, 0x66};
    if (n < 16 || memcmp(p, magic, 4) != 0) {
        snprintf(err, errlen, "not a uuidtext file (no 99 88 77 66 "
                 "signature)");
        return -1;
    }
    ut->p = p;
    ut->n = n;
    ut->major = rd32(p + 4);
    ut->minor = rd32(p + 8);
    if (ut->major != 2) {
        snprintf(err, errlen, "uuidtext version %u.%u is not supported "
                 "(2.x is)", ut->major, ut->minor);
        return -1;
    }
    uint32_t ne = rd32(p + 12);
    if ((uint64_t)ne * 8 > n - 16) {
        snprintf(err, errlen, "uuidtext header announces %u entries, more "
                 "than the %zu-byte file holds", ne, n);
        return -1;
    }
    ut->entries = calloc(ne ? ne : 1, sizeof *ut->entries);
    ut->sorted = calloc(ne ? ne : 1, sizeof *ut->sorted);
    if (!ut->entries || !ut->sorted) {
        st_uuidtext_free(ut);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint64_t off = 16 + (uint64_t)ne * 8;
    int ordered = 1;
    for (uint32_t i = 0; i < ne; i++) {
        st_ut_entry *e = &ut->entries[i];
        e->start = rd32(p + 16 + 8 * (size_t)i);
        e->size = rd32(p + 20 + 8 * (size_t)i);
        e->data_off = (size_t)off;
        off += e->size;
        if (off > n) {
            snprintf(err, errlen, "uuidtext entry %u (%u bytes) runs past "
                     "the end of the %zu-byte file", i, e->size, n);
            st_uuidtext_free(ut);
            return -1;
        }
        ut->sorted[i] = i;
        if (i && e->start < ut->entries[i - 1].start)
            ordered = 0;
    }
    ut->nentries = ne;
    if (!ordered)             /* insertion sort: tables are short */
        for (size_t i = 1; i < ne; i++) {
            size_t v = ut->sorted[i], j = i;
            while (j && ut->entries[ut->sorted[j - 1]].start >
                            ut->entries[v].start) {
                ut->sorted[j] = ut->sorted[j - 1];
                j--;
            }
            ut->sorted[j] = v;
        }
    if (off < n) {
        const uint8_t *z = memchr(p + off, 0, n - off);
        size_t len = z ? (size_t)(z - (p + off)) : n - (size_t)off;
        ut->image_path = (st_str){(const char *)p + off, len};
    }
    return 0;
}

/* Frees the entry tables (the mapped bytes belong to the caller). */
void st_uuidtext_free(st_uuidtext *ut)
{
    free(ut->entries);
    free(ut->sorted);
    memset(ut, 0, sizeof *ut);
}

/* The string at a reference: binary search over the entries by start. */
int st_uuidtext_string(const st_uuidtext *ut, uint64_t ref, st_str *out)
{
    size_t lo = 0, hi = ut->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ut->entries[ut->sorted[mid]].start <= ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const st_ut_entry *e = &ut->entries[ut->sorted[lo - 1]];
    uint64_t rel = ref - e->start;
    if (rel >= e->size)
        return -1;
    const uint8_t *s = ut->p + e->data_off + rel;
    size_t room = e->size - (size_t)rel;
    const uint8_t *z = memchr(s, 0, room);
    *out = (st_str){(const char *)s, z ? (size_t)(z - s) : room};
    return 0;
}

/* ---- the cache ----------------------------------------------------------- */

/* One file of the cache: a uuidtext or a dsc, found or not. */
typedef struct ulfile {
    uint8_t uuid[16];
    unsigned char is_dsc;
    unsigned char state;       /* ST_UL_OK, ST_UL_MISSING, ST_UL_CORRUPT */
    void *map;
    size_t maplen;
    union {
        st_uuidtext ut;
        st_dsc dsc;
    } u;
    struct ulfile *next;       /* hash chain */
} ulfile;

#define UL_BUCKETS 4096

struct st_ulcache {
    char *dir;
    ulfile *bucket[UL_BUCKETS];
    st_ulcache_stats stats;
    char error[300];
};

/* Upper-case hyphenated UUID text, as log prints it. */
void st_uuid_format(const uint8_t u[16], char out[37])
{
    static const char hx[] = "0123456789ABCDEF";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hx[u[i] >> 4];
        out[k++] = hx[u[i] & 15];
    }
    out[k] = 0;
}

/* A cache over a uuidtext folder (NULL dir: nothing is ever found). */
st_ulcache *st_ulcache_open(const char *dir)
{
    st_ulcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (dir && !(c->dir = strdup(dir))) {
        free(c);
        return NULL;
    }
    return c;
}

/* Unmaps every file and frees the cache; NULL is accepted. */
void st_ulcache_close(st_ulcache *c)
{
    if (!c)
        return;
    for (size_t b = 0; b < UL_BUCKETS; b++) {
        ulfile *f = c->bucket[b];
        while (f) {
            ulfile *nx = f->next;
            if (f->state == ST_UL_OK) {
                if (f->is_dsc)
                    st_dsc_free(&f->u.dsc);
                else
                    st_uuidtext_free(&f->u.ut);
            }
            if (f->map)
                munmap(f->map, f->maplen);
            free(f);
            f = nx;
        }
    }
    free(c->dir);
    free(c);
}

/* Accessors of the cache's folder, last error and counts. */
const char *st_ulcache_dir(const st_ulcache *c) { return c->dir; }
const char *st_ulcache_error(const st_ulcache *c) { return c->error; }
void st_ulcache_stats_get(const st_ulcache *c, st_ulcache_stats *out)
{
    *out = c->stats;
}

/* Maps a whole regular file read-only; returns 0, or -1 with errno. */
static int map_file(const char *path, void **map, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        close(fd);
        return -1;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        errno = sb.st_size == 0 ? ENODATA : EINVAL;
        return -1;
    }
    void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    *map = m;
    *len = (size_t)sb.st_size;
    return 0;
}

/* Finds the cache slot for (uuid, kind), loading the file on first use. */
static ulfile *lookup(st_ulcache *c, const uint8_t uuid[16], int is_dsc)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ uuid[i]) * 16777619u;
    h = (h ^ (uint32_t)is_dsc) * 16777619u;
    ulfile **slot = &c->bucket[h % UL_BUCKETS];
    for (ulfile *f = *slot; f; f = f->next)
        if (f->is_dsc == is_dsc && memcmp(f->uuid, uuid, 16) == 0)
            return f;
    ulfile *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    memcpy(f->uuid, uuid, 16);
    f->is_dsc = (unsigned char)is_dsc;
    f->state = ST_UL_MISSING;
    f->next = *slot;
    *slot = f;

    /* uuidtext/XX/<30 hex> or uuidtext/dsc/<32 hex>, upper-case. */
    char hex[33];
    static const char hx[] = "0123456789ABCDEF";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = hx[uuid[i] >> 4];
        hex[2 * i + 1] = hx[uuid[i] & 15];
    }
    hex[32] = 0;
    size_t plen = strlen(c->dir) + 40;
    char *path = malloc(plen);
    if (!path)
        return f;
    if (is_dsc)
        snprintf(path, plen, "%s/dsc/%s", c->dir, hex);
    else
        snprintf(path, plen, "%s/%.2s/%s", c->dir, hex, hex + 2);
    if (map_file(path, &f->map, &f->maplen) < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            f->state = ST_UL_CORRUPT;
            snprintf(c->error, sizeof c->error, "%s: %s", path,
                     strerror(errno));
            c->stats.corrupt++;
        } else {
            c->stats.missing++;
        }
        free(path);
        return f;
    }
    char err[200];
    int rc = is_dsc ? st_dsc_parse(&f->u.dsc, f->map, f->maplen, err,
                                   sizeof err)
                    : st_uuidtext_parse(&f->u.ut, f->map, f->maplen, err,
                                        sizeof err);
    if (rc < 0) {
        f->state = ST_UL_CORRUPT;
        snprintf(c->error, sizeof c->error, "%s: %s", path, err);
        munmap(f->map, f->maplen);
        f->map = NULL;
        c->stats.corrupt++;
    } else {
        f->state = ST_UL_OK;
        c->stats.mapped++;
        c->stats.bytes += f->maplen;
    }
    free(path);
    return f;
}

/* The uuidtext of a UUID, loaded on first use (see uuidtext.h). */
const st_uuidtext *st_ulcache_uuidtext(st_ulcache *c, const uint8_t uuid[16],
                                       int *why)
{
    if (!c->dir) {
        *why = ST_UL_NODIR;
        return NULL;
    }
    ulfile *f = lookup(c, uuid, 0);
    if (!f) {
        *why = ST_UL_MISSING;
        return NULL;
    }
    *why = f->state;
    return f->state == ST_UL_OK ? &f->u.ut : NULL;
}

/* The dsc file of a UUID, loaded on first use (see uuidtext.h). */
const st_dsc *st_ulcache_dsc(st_ulcache *c, const uint8_t uuid[16], int *why)
{
    if (!c->dir) {
        *why = ST_UL_NODIR;
        return NULL;
    }
    ulfile *f = lookup(c, uuid, 1);
    if (!f) {
        *why = ST_UL_MISSING;
        return NULL;
    }
    *why = f->state;
    return f->state == ST_UL_OK ? &f->u.dsc : NULL;
}
