/*
 * dsc.c -- Shared-Cache Strings reader.  See dsc.h.
 */
#include "dsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Little-endian readers; the caller has checked the bounds. */
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

/* A view of the NUL-terminated string at off, bounded by lim (exclusive);
 * p NULL when off is outside. */
static st_str cstr_at(const uint8_t *p, size_t lim, size_t off)
{
    if (off >= lim)
        return ST_STR_NULL;
    const uint8_t *z = memchr(p + off, 0, lim - off);
    size_t len = z ? (size_t)(z - (p + off)) : lim - off;
    return (st_str){(const char *)p + off, len};
}

typedef struct keyed {
    uint64_t key;
    size_t idx;
} keyed;

/* Orders (key, index) pairs by key, then index (a stable order). */
static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts idx[0..n) by key[idx[i]] (the range offsets or text offsets) unless
 * already in order, the usual case.  Returns -1 when out of memory. */
static int sort_index(size_t *idx, size_t n, const uint64_t *key)
{
    size_t i;
    for (i = 1; i < n && key[idx[i - 1]] <= key[idx[i]]; i++)
        ;
    if (i >= n)
        return 0;
    keyed *k = malloc(n * sizeof *k);
    if (!k)
        return -1;
    for (i = 0; i < n; i++)
        k[i] = (keyed){key[idx[i]], idx[i]};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (i = 0; i < n; i++)
        idx[i] = k[i].idx;
    free(k);
    return 0;
}

/* Parses header, range and image descriptors (see dsc.h); descriptors
 * pointing outside the file are marked unusable, never followed. */
int st_dsc_parse(st_dsc *d, const uint8_t *p, size_t n, char *err,
                 size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (n < 16 || memcmp(p, "hcsd", 4) != 0) {
        snprintf(err, errlen, "not a shared-cache strings file (no \"hcsd\" "
                 "signature)");
        return -1;
    }
    d->p = p;
    d->n = n;
    d->major = (unsigned)(p[4] | p[5] << 8);
    d->minor = (unsigned)(p[6] | p[7] << 8);
    if ((d->major != 1 && d->major != 2) || d->minor != 0) {
        snprintf(err, errlen, "shared-cache strings version %u.%u is not "
                 "supported (1.0 and 2.0 are)", d->major, d->minor);
        return -1;
    }
    uint32_t nr = rd32(p + 8), nu = rd32(p + 12);
    size_t rsz = d->major == 1 ? 16 : 24, usz = d->major == 1 ? 28 : 32;
    /* Both counts are bounded by the file size before any allocation. */
    if ((uint64_t)nr * rsz > n - 16 ||
        (uint64_t)nu * usz > n - 16 - (uint64_t)nr * rsz) {
        snprintf(err, errlen, "shared-cache strings header announces %u "
                 "ranges and %u images, more than the %zu-byte file holds",
                 nr, nu, n);
        return -1;
    }
    d->ranges = calloc(nr ? nr : 1, sizeof *d->ranges);
    d->images = calloc(nu ? nu : 1, sizeof *d->images);
    d->by_range = calloc(nr ? nr : 1, sizeof *d->by_range);
    d->by_text = calloc(nu ? nu : 1, sizeof *d->by_text);
    if (!d->ranges || !d->images || !d->by_range || !d->by_text) {
        st_dsc_free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->nranges = nr;
    d->nimages = nu;
    const uint8_t *u = p + 16 + (size_t)nr * rsz;
    for (size_t i = 0; i < nu; i++, u += usz) {
        st_dsc_image *im = &d->images[i];
        if (d->major == 1) {
            im->text_off = rd32(u);
            im->text_size = rd32(u + 4);
            memcpy(im->uuid, u + 8, 16);
            im->path_off = rd32(u + 24);
        } else {
            im->text_off = rd64(u);
            im->text_size = rd32(u + 8);
            memcpy(im->uuid, u + 12, 16);
            im->path_off = rd32(u + 28);
        }
        im->path = cstr_at(p, n, im->path_off);
        if (!im->path.p)
            d->bad++;
        d->by_text[d->nby_text++] = i;
    }
    const uint8_t *r = p + 16;
    for (size_t i = 0; i < nr; i++, r += rsz) {
        st_dsc_range *rg = &d->ranges[i];
        if (d->major == 1) {
            rg->uuid_index = rd32(r);
            rg->range_off = rd32(r + 4);
            rg->data_off = rd32(r + 8);
            rg->size = rd32(r + 12);
        } else {
            rg->range_off = rd64(r);
            rg->data_off = rd32(r + 8);
            rg->size = rd32(r + 12);
            rg->uuid_index = rd64(r + 16);
        }
        rg->usable = (uint64_t)rg->data_off + rg->size <= n &&
                     rg->uuid_index < nu;
        if (rg->usable)
            d->by_range[d->nby_range++] = i;
        else
            d->bad++;
    }
    /* The sort keys, gathered so the comparison needs no context. */
    uint64_t *key = calloc(nr > nu ? nr : nu ? nu : 1, sizeof *key);
    int bad = !key;
    if (key) {
        for (size_t i = 0; i < nr; i++)
            key[i] = d->ranges[i].range_off;
        bad |= sort_index(d->by_range, d->nby_range, key) < 0;
        for (size_t i = 0; i < nu; i++)
            key[i] = d->images[i].text_off;
        bad |= sort_index(d->by_text, d->nby_text, key) < 0;
        free(key);
    }
    if (bad) {
        st_dsc_free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Frees the descriptor tables (the bytes belong to the caller). */
void st_dsc_free(st_dsc *d)
{
    free(d->ranges);
    free(d->images);
    free(d->by_range);
    free(d->by_text);
    memset(d, 0, sizeof *d);
}

/* The string at a reference: the last usable range starting at or before
 * it, if it reaches that far. */
int st_dsc_string(const st_dsc *d, uint64_t ref, st_str *s,
                  const st_dsc_image **img)
{
    /* Last usable range starting at or before ref. */
    size_t lo = 0, hi = d->nby_range;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->ranges[d->by_range[mid]].range_off <= ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const st_dsc_range *rg = &d->ranges[d->by_range[lo - 1]];
    uint64_t rel = ref - rg->range_off;
    if (rel >= rg->size)
        return -1;
    *s = cstr_at(d->p, (size_t)rg->data_off + rg->size,
                 (size_t)(rg->data_off + rel));
    if (img) {
        const st_dsc_image *im = &d->images[rg->uuid_index];
        *img = im;
    }
    return s->p ? 0 : -1;
}

/* The image whose text range holds addr (binary search by text offset). */
const st_dsc_image *st_dsc_image_at(const st_dsc *d, uint64_t addr)
{
    size_t lo = 0, hi = d->nby_text;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->images[d->by_text[mid]].text_off <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const st_dsc_image *im = &d->images[d->by_text[lo - 1]];
    return addr - im->text_off < im->text_size ? im : NULL;
}
