/*
 * uuidtext.h -- the unified log's string stores: uuidtext files
 * (uuidtext/XX/<30 hex>: the format strings and path of one executable
 * image) and a cache that finds, maps and parses them and the dsc files
 * (uuidtext/dsc/<UUID>, see dsc.h) by UUID.
 *
 * uuidtext layout (libyal dtformats, "UUID text file format"),
 * little-endian: signature 99 88 77 66, version 2.1 (u32 major, u32 minor),
 * number of entries u32, then per entry {range start u32, size u32}; the
 * entries' string data follow in that order, then the image path
 * (NUL-terminated).  A format string reference r lies in the entry with
 * start <= r < start + size, at data offset r - start.
 *
 * Contract:
 *  - Parsers keep views into the caller's buffer and never read outside
 *    it.  An entry table that runs past the file is an error; a missing
 *    footer gives an empty path (p NULL).
 *  - The cache maps each file read-only on first use and keeps it until
 *    st_ulcache_close(), so views it hands out stay valid as long as the
 *    cache.  A file that is absent or unusable is remembered as such and
 *    not retried.  Lookups are not thread-safe.
 */
#ifndef ST_UUIDTEXT_H
#define ST_UUIDTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "dsc.h"
#include "event.h"

typedef struct st_ut_entry {
    uint32_t start, size;      /* string reference range */
    size_t data_off;           /* file offset of its strings */
} st_ut_entry;

typedef struct st_uuidtext {
    const uint8_t *p;
    size_t n;
    unsigned major, minor;
    st_ut_entry *entries;      /* file order */
    size_t nentries;
    size_t *sorted;            /* entry indexes by start */
    st_str image_path;
} st_uuidtext;

/* Parses a uuidtext file held in p[0..n).  Returns 0, or -1 with a message
 * in err. */
int st_uuidtext_parse(st_uuidtext *ut, const uint8_t *p, size_t n, char *err,
                      size_t errlen);
void st_uuidtext_free(st_uuidtext *ut);

/* The format string at reference `ref`: 0 and a view up to its NUL (or the
 * end of its entry), or -1 when no entry holds ref. */
int st_uuidtext_string(const st_uuidtext *ut, uint64_t ref, st_str *out);

/* ---- the cache ---------------------------------------------------------- */

typedef struct st_ulcache st_ulcache;

/* Why a lookup found nothing. */
enum { ST_UL_OK = 0, ST_UL_MISSING = 1, ST_UL_CORRUPT = 2, ST_UL_NODIR = 3 };

/* Opens a cache over a uuidtext directory (the one holding 00..FF and dsc/);
 * dir may be NULL: every lookup then answers ST_UL_NODIR.  NULL only when
 * out of memory. */
st_ulcache *st_ulcache_open(const char *dir);
void st_ulcache_close(st_ulcache *c);
const char *st_ulcache_dir(const st_ulcache *c);

/* The uuidtext file of an image, or NULL with *why set.  When a file is
 * first found corrupt, st_ulcache_error() says why until the next failure
 * (callers warn once per UUID, right after that first lookup). */
const st_uuidtext *st_ulcache_uuidtext(st_ulcache *c, const uint8_t uuid[16],
                                       int *why);
/* The shared-cache strings file with this UUID, or NULL with *why. */
const st_dsc *st_ulcache_dsc(st_ulcache *c, const uint8_t uuid[16], int *why);
/* The reason of the latest file found corrupt. */
const char *st_ulcache_error(const st_ulcache *c);

/* Counts: files mapped, absent, corrupt; bytes mapped. */
typedef struct st_ulcache_stats {
    size_t mapped, missing, corrupt;
    uint64_t bytes;
} st_ulcache_stats;
void st_ulcache_stats_get(const st_ulcache *c, st_ulcache_stats *out);

/* Writes the upper-case hyphenated form of a UUID (37 bytes with NUL). */
void st_uuid_format(const uint8_t uuid[16], char out[37]);

#endif
