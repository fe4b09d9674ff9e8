/*
 * timesync.h -- the unified log's timesync database (diagnostics/timesync/
 * *.timesync): per boot, the Mach timebase and pairs of (continuous time,
 * wall clock) that turn a tracev3 continuous time into UTC.
 *
 * Layout (libyal dtformats, "timesync database file format"): a sequence
 * of little-endian records, each starting with a 2-byte signature and a
 * 2-byte record size:
 *   boot record  "\xb0\xbb", 48 bytes: boot UUID, timebase numerator and
 *                denominator, boot wall time (ns since 1970), time zone
 *                (minutes west of UTC) and DST flag;
 *   sync record  "Ts", 32 bytes: continuous time, wall time (ns), zone, DST;
 *                it belongs to the boot record before it.
 *
 * Contract:
 *  - Parsing never reads outside the buffer.  A record with a bad
 *    signature or size stops the parse of that file with a counted
 *    warning; what was read before is kept.  Sync records before any boot
 *    record are dropped with a warning.
 *  - The same boot may appear in several files: its sync records are
 *    merged and kept sorted by continuous time.
 *  - Conversion is exact integer arithmetic:
 *      wall_ns = base_wall + floor((ct - base_ct) * numer / denom)
 *    with the latest sync record whose continuous time is <= ct, or the boot
 *    record (base_ct 0) when none is.
 */
#ifndef ST_TIMESYNC_H
#define ST_TIMESYNC_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_ts_sync {
    uint64_t kernel_time;      /* Mach continuous time */
    int64_t wall_ns;           /* ns since 1970-01-01 UTC */
    int32_t tz_min;            /* minutes west of UTC */
    int32_t dst;
} st_ts_sync;

typedef struct st_ts_boot {
    uint8_t uuid[16];
    uint32_t numer, denom;     /* timebase: ns per tick = numer / denom */
    int64_t wall_ns;           /* boot wall time, 0 when not set */
    int32_t tz_min;
    int32_t dst;
    st_ts_sync *syncs;         /* sorted by kernel_time */
    size_t nsyncs, cap;
} st_ts_boot;

typedef struct st_timesync {
    st_ts_boot *boots;
    size_t nboots, cap;
    size_t files;              /* timesync files read */
    size_t warnings;           /* problems met while parsing */
} st_timesync;

/* Receives a warning about a timesync file (the message names the file). */
typedef void (*st_ts_warn_fn)(void *ctx, const char *msg);

/* Parses one timesync file held in p[0..n) and adds its boots and sync
 * records to ts (zero-initialised by the caller before the first call).
 * Returns the number of records read, or -1 when out of memory.  `name`
 * is used in warnings only. */
long st_timesync_parse(st_timesync *ts, const uint8_t *p, size_t n,
                       const char *name, st_ts_warn_fn warn, void *wctx);

/* Reads every regular file ending in ".timesync" in dir (in name order).
 * Returns the number of files read, or -1 with a message in err when the
 * directory cannot be listed. */
int st_timesync_load_dir(st_timesync *ts, const char *dir, st_ts_warn_fn warn,
                         void *wctx, char *err, size_t errlen);

void st_timesync_free(st_timesync *ts);

/* The boot with this UUID, or NULL. */
const st_ts_boot *st_timesync_boot(const st_timesync *ts,
                                   const uint8_t uuid[16]);

/* Converts a continuous time of `boot` to ns since 1970 UTC; *tz_min and
 * *dst (may be NULL) receive the zone of the record used. */
int64_t st_ts_to_wall_ns(const st_ts_boot *boot, uint64_t ct,
                         int32_t *tz_min, int32_t *dst);

/* The same conversion with a bare timebase and base point (tracev3 files
 * without a matching timesync boot use their header's). */
int64_t st_ts_convert(uint64_t ct, uint64_t base_ct, int64_t base_wall_ns,
                      uint32_t numer, uint32_t denom);

#endif
