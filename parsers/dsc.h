/*
 * dsc.h -- Shared-Cache Strings files (uuidtext/dsc/<UUID>): the format
 * strings and image paths of every library in a dyld shared cache.
 *
 * Layout (libyal dtformats, "Shared-Cache Strings (dsc) file format"),
 * little-endian: header "hcsd", major and minor version (1.0 up to macOS
 * 11, 2.0 from macOS 12), number of ranges, number of UUIDs; then the range
 * descriptors (v1 16 bytes: uuid index u32, range offset u32, data offset
 * u32, size u32; v2 24 bytes: range offset u64, data offset u32, size u32,
 * uuid index u64), then the UUID descriptors (v1 28 bytes: text offset u32,
 * text size u32, UUID, path offset u32; v2 32 bytes: text offset u64, text
 * size u32, UUID, path offset u32); paths and strings are NUL-terminated.
 *
 * Contract:
 *  - st_dsc_parse() keeps views into the caller's buffer (a mapping that
 *    must outlive the st_dsc) and never reads outside it.  Descriptors whose
 *    data lie outside the file are kept but marked unusable and counted in
 *    `bad`; lookups never return them.
 *  - Ranges and images keep their file order (index i is descriptor i).
 */
#ifndef ST_DSC_H
#define ST_DSC_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

typedef struct st_dsc_range {
    uint64_t range_off;        /* first string reference of the range */
    uint32_t data_off;         /* file offset of the range's strings */
    uint32_t size;
    uint64_t uuid_index;
    int usable;
} st_dsc_range;

typedef struct st_dsc_image {
    uint64_t text_off;         /* base of the image in the shared cache */
    uint32_t text_size;
    uint8_t uuid[16];
    uint32_t path_off;
    st_str path;               /* view into the file; p NULL if unusable */
} st_dsc_image;

typedef struct st_dsc {
    const uint8_t *p;
    size_t n;
    unsigned major, minor;
    st_dsc_range *ranges;
    size_t nranges;
    st_dsc_image *images;
    size_t nimages;
    size_t *by_range;          /* usable range indexes sorted by range_off */
    size_t nby_range;
    size_t *by_text;           /* image indexes sorted by text_off */
    size_t nby_text;
    size_t bad;                /* descriptors pointing outside the file */
} st_dsc;

/* Parses a dsc file held in p[0..n).  Returns 0, or -1 with a message in
 * err (bad signature, unknown version, descriptors cut, out of memory). */
int st_dsc_parse(st_dsc *d, const uint8_t *p, size_t n, char *err,
                 size_t errlen);
void st_dsc_free(st_dsc *d);

/* Looks up the format string at reference `ref`: returns 0 and fills *s
 * (a view up to its NUL or the range end) and *img (may be NULL when the
 * range names no usable image), or -1 when no range holds ref. */
int st_dsc_string(const st_dsc *d, uint64_t ref, st_str *s,
                  const st_dsc_image **img);

/* The image whose text holds address `addr` (shared-cache offset), or NULL:
 * the sender of a dynamic ("%s") format string. */
const st_dsc_image *st_dsc_image_at(const st_dsc *d, uint64_t addr);

#endif
