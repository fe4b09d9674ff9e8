/*
 * tracev3.c -- tracev3 reader: chunk walker, catalog, chunksets, firehose,
 * oversize, statedump and simpledump records, turned into events.  See
 * tracev3.h for the contract and docs/unified-log.md for the field mapping.
 *
 * Facts about the format come from libyal dtformats' "Apple Unified
 * Logging and Activity Tracing formats" and its tests; mandiant's
 * macos-UnifiedLogs and plaso were read to understand it.
 */
#include "tracev3.h"

#include <errno.h>
#include <lz4.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfmt.h"
#include "timesync.h"
#include "uuidtext.h"

#define TAG_HEADER 0x1000u
#define TAG_FIREHOSE 0x6001u
#define TAG_OVERSIZE 0x6002u
#define TAG_STATEDUMP 0x6003u
#define TAG_SIMPLEDUMP 0x6004u
#define TAG_CATALOG 0x600bu
#define TAG_CHUNKSET 0x600du

#define AID_MASK ((1ull << 63) - 1)   /* activity ids print without bit 63 */
#define MAX_PENDING 4096              /* entries waiting for oversize data */
#define MAX_WARNED 4096               /* per-UUID warnings remembered */
/* State data kept (base64) in extra_json: plists of a few KiB are common;
 * the evidence file itself keeps the rest. */
#define STATE_KEEP 1024

/* ---- little-endian readers and a bounded cursor -------------------------- */

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

/* Reads fields front to back; any read past the end sets `bad` and yields
 * zeros, so callers check once at the end. */
typedef struct cur {
    const uint8_t *p;
    size_t n, off;
    int bad;
} cur;

/* Takes k bytes from the cursor; NULL (and `bad` set) when fewer remain. */
static const uint8_t *cur_take(cur *c, size_t k)
{
    if (c->bad || c->n - c->off < k) {
        c->bad = 1;
        return NULL;
    }
    const uint8_t *q = c->p + c->off;
    c->off += k;
    return q;
}
/* Fixed-size reads through the cursor: zero once it has gone bad. */
static uint8_t cur8(cur *c)
{
    const uint8_t *q = cur_take(c, 1);
    return q ? q[0] : 0;
}
/* Reads a u16 through the cursor. */
static uint16_t cur16(cur *c)
{
    const uint8_t *q = cur_take(c, 2);
    return q ? rd16(q) : 0;
}
/* Reads a u32 through the cursor. */
static uint32_t cur32(cur *c)
{
    const uint8_t *q = cur_take(c, 4);
    return q ? rd32(q) : 0;
}
/* Reads a u64 through the cursor. */
static uint64_t cur64(cur *c)
{
    const uint8_t *q = cur_take(c, 8);
    return q ? rd64(q) : 0;
}

/* Bytes of padding that bring off to the next multiple of 8. */
static size_t pad8(size_t off) { return (8 - (off & 7)) & 7; }

/* Decimal and hex appenders: the per-record fields are built without
 * printf, which dominated the profile. */
static void put_u64(st_sbuf *b, uint64_t v)
{
    char t[20];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    st_sbuf_put(b, t + k, sizeof t - k);
}

/* Appends a signed decimal. */
static void put_i64(st_sbuf *b, int64_t v)
{
    if (v < 0) {
        st_sbuf_put(b, "-", 1);
        put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(b, (uint64_t)v);
    }
}

/* Appends lower-case hex without "0x". */
static void put_hex(st_sbuf *b, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    char t[16];
    size_t k = sizeof t;
    do {
        t[--k] = hx[v & 15];
        v >>= 4;
    } while (v);
    st_sbuf_put(b, t + k, sizeof t - k);
}

/* ---- public helpers ------------------------------------------------------ */

uint64_t st_tv3_format_ref(uint32_t fmt, uint16_t large_offset,
                           uint16_t large_shared_cache, int *dynamic)
{
    if (dynamic)
        *dynamic = (fmt & 0x80000000u) != 0;
    uint64_t ref = fmt & 0x7fffffffu;
    if (large_shared_cache)
        ref |= (uint64_t)large_shared_cache << 31;
    else if (large_offset)
        ref |= (uint64_t)large_offset << 31;
    return ref;
}

/* Program counter of a tracepoint (see tracev3.h): libyal's arithmetic. */
uint64_t st_tv3_program_counter(uint32_t load_lower, uint16_t load_upper,
                                uint16_t large_offset,
                                uint16_t large_shared_cache,
                                uint64_t image_base)
{
    uint64_t load = (uint64_t)load_upper << 32 | load_lower;
    if (large_shared_cache) {
        /* The stored large offset wins when it disagrees with the one the
         * shared-cache data implies ("invalid shared cache code pointer
         * offset" in log raw-dump). */
        if (large_offset && large_offset != (large_shared_cache >> 1))
            load |= (uint64_t)large_offset << 32;
        else
            load |= (uint64_t)large_shared_cache << 31;
    } else if (large_offset) {
        load |= (uint64_t)large_offset << 31;
    }
    return load - image_base;
}

/* ---- the shared context -------------------------------------------------- */

/* Oversize data kept for joining. */
typedef struct oversize {
    uint8_t boot[16];
    uint64_t upper;
    uint32_t lower;
    uint32_t ref;
    uint8_t *buf;                     /* copy: head, items, values, private */
    size_t items_off, items_n, vals_off, vals_n, priv_off, priv_n;
    uint8_t nitems;
    struct oversize *next;
} oversize;

#define OV_BUCKETS 4096
#define OV_STORE_MAX (16u << 20)      /* bytes of oversize data kept */

struct st_tv3_ctx {
    st_ulcache *strings;
    char *uuidtext_dir, *timesync_dir;
    st_timesync ts;
    char ts_msgs[8][320];             /* timesync problems, for the sink */
    size_t ts_nmsgs;
    int ts_reported;
    st_tv3_stats last;
    /* oversize data of every file scanned (st_tv3_prescan), by boot,
     * proc_id and data reference: entries and their oversize data may sit
     * in different files of an archive */
    oversize *ovtab[OV_BUCKETS];
    size_t ov_bytes, ov_count, ov_dropped;
};

/* Bucket of an oversize key (proc_id and data reference). */
static unsigned ov_hash(uint64_t upper, uint32_t lower, uint32_t ref)
{
    uint64_t h = upper * 0x9E3779B97F4A7C15ull ^ (uint64_t)lower << 17 ^ ref;
    return (unsigned)(h ^ h >> 29) % OV_BUCKETS;
}

/* Keeps a timesync problem until a sink can hear it (the first read). */
static void ctx_ts_warn(void *c, const char *msg)
{
    st_tv3_ctx *ctx = c;
    if (ctx->ts_nmsgs < 8)
        snprintf(ctx->ts_msgs[ctx->ts_nmsgs], sizeof ctx->ts_msgs[0], "%s",
                 msg);
    ctx->ts_nmsgs++;
}

/* Opens the uuidtext cache and reads every timesync file (see tracev3.h). */
st_tv3_ctx *st_tv3_ctx_open(const char *uuidtext_dir,
                            const char *timesync_dir)
{
    st_tv3_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->strings = st_ulcache_open(uuidtext_dir);
    if (!ctx->strings || (uuidtext_dir &&
                          !(ctx->uuidtext_dir = strdup(uuidtext_dir))) ||
        (timesync_dir && !(ctx->timesync_dir = strdup(timesync_dir)))) {
        st_tv3_ctx_close(ctx);
        return NULL;
    }
    if (timesync_dir) {
        char err[300];
        if (st_timesync_load_dir(&ctx->ts, timesync_dir, ctx_ts_warn, ctx,
                                 err, sizeof err) < 0)
            ctx_ts_warn(ctx, err);
    }
    return ctx;
}

/* Unmaps and frees everything the context holds; NULL is accepted. */
void st_tv3_ctx_close(st_tv3_ctx *ctx)
{
    if (!ctx)
        return;
    st_ulcache_close(ctx->strings);
    st_timesync_free(&ctx->ts);
    for (size_t b = 0; b < OV_BUCKETS; b++)
        while (ctx->ovtab[b]) {
            oversize *o = ctx->ovtab[b]->next;
            free(ctx->ovtab[b]->buf);
            free(ctx->ovtab[b]);
            ctx->ovtab[b] = o;
        }
    free(ctx->uuidtext_dir);
    free(ctx->timesync_dir);
    free(ctx);
}

/* The folders the context was opened with (NULL when none). */
const char *st_tv3_ctx_uuidtext_dir(const st_tv3_ctx *ctx)
{
    return ctx->uuidtext_dir;
}
const char *st_tv3_ctx_timesync_dir(const st_tv3_ctx *ctx)
{
    return ctx->timesync_dir;
}
/* Copies the counts of the latest read with this context. */
void st_tv3_last_stats(const st_tv3_ctx *ctx, st_tv3_stats *out)
{
    *out = ctx->last;
}

/* ---- per-file state ------------------------------------------------------ */

typedef struct subsys {
    uint16_t id, sub_off, cat_off;
} subsys;

typedef struct uuident {
    uint64_t load;                    /* upper16:lower32 */
    uint32_t size;
    uint16_t uuid_index;
} uuident;

typedef struct proc {
    uint64_t upper;
    uint32_t lower;
    uint32_t pid, euid;
    int main_idx, dsc_idx;            /* -1: none */
    uuident *uents;
    size_t nu;
    subsys *subs;
    size_t ns;
    /* looked up once */
    int main_state;                   /* 0 not yet, 1 found, -1 absent */
    const st_uuidtext *main_ut;
    int dsc_state;
    const st_dsc *dsc;
    char main_uuid_s[37];
} proc;

/* One catalog; all are kept until the end of the file because entries
 * waiting for oversize data refer to the catalog of their chunk. */
typedef struct catalog {
    uint8_t *uuids;                   /* 16 bytes each */
    size_t nuuids;
    char *strings;
    size_t strings_n;
    proc *procs;                      /* sorted by (upper, lower) */
    size_t nprocs, nalloc;            /* complete entries, allocated */
    struct catalog *prev;
} catalog;

/* A firehose chunk's context for its tracepoints. */
typedef struct fhctx {
    uint64_t upper;
    uint32_t lower;
    uint8_t ttl, collapsed, stream;
    uint16_t pvo;
    uint64_t base_ct;
    const uint8_t *priv;              /* private data, or NULL */
    size_t priv_n;
    proc *pr;
    catalog *cat;
} fhctx;

/* A decoded tracepoint. */
typedef struct tp {
    uint8_t rtype, ltype;
    uint16_t flags;
    uint32_t fmt;
    uint64_t tid, ct;
    uint64_t cur_aid, other_aid, new_aid, upid, spid;
    uint16_t priv_off, priv_size;
    uint32_t load_lo;
    uint16_t load_hi, large_off, lsc;
    const uint8_t *uuid;
    uint16_t subsys;
    uint8_t ttl;
    uint16_t data_ref;
    uint32_t name_lo;
    uint16_t name_hi;
    uint8_t nitems;
    const uint8_t *items;             /* item descriptors */
    size_t items_n;
    const uint8_t *vals;              /* values data (after the items) */
    size_t vals_n;
    const uint8_t *trace;             /* trace records: the whole data */
    size_t trace_n;
    uint64_t loss_start, loss_end, loss_count;
} tp;

/* An entry waiting for its oversize data. */
typedef struct pending {
    fhctx f;                          /* priv points into `copy` */
    uint8_t *copy;                    /* tracepoint header+data, private */
    size_t tp_n;
    uint64_t chunk_off;
    uint64_t entry;
    struct pending *next;
} pending;

typedef struct reader {
    st_tv3_ctx *ctx;
    st_sink *sink;
    char label[256];
    /* source */
    st_input *in;
    const uint8_t *mem;
    size_t mem_n, mem_pos;
    int fd_src, fd;                   /* or read with pread (prescan) */
    uint64_t off;                     /* bytes consumed */
    /* header */
    int have_header;
    uint32_t numer, denom;
    uint64_t start_ct;
    int64_t wall_sec;
    uint64_t wall_ct;         /* continuous time of the header's clock */
    int64_t wall_ns0;         /* the header's clock, ns since 1970 UTC */
    int32_t tz_min, dst;
    uint8_t boot[16];
    char boot_s[37];
    const st_ts_boot *tsb;
    /* catalogs */
    catalog *cat;
    /* buffers */
    uint8_t *buf;
    size_t cap;
    uint8_t *dbuf;
    size_t dcap;
    /* current chunkset */
    uint64_t chunk_off;
    uint64_t entry;
    /* oversize */
    oversize *ov;
    pending *pend;
    size_t npend;
    /* per-record scratch */
    st_sbuf msg, extra, bt, xj, loc;
    char sender_s[37], aux_s[37];
    st_logarg args[256];
    /* warnings */
    uint8_t (*warned)[17];            /* set of (kind, UUID) warned about */
    size_t nwarned, warned_cap;
    st_tv3_stats st;
    int stopped;
    int prescan;                      /* only collect oversize data */
    struct st_tv3_ovset *collect;     /* prescan into this set, not ctx */
    size_t *collected, collect_max;   /* bytes collected by all threads */
} reader;

/* A file's oversize chunks in file order (st_tv3_prescan_collect). */
struct st_tv3_ovset {
    oversize *head, **tail;
    size_t bytes;                     /* added to *collected */
    size_t *collected;
    int incomplete;                   /* the shared limit cut it short */
};

/* ---- warnings ------------------------------------------------------------ */

static void warnf(reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Formats a warning, counts it and hands it to the sink. */
static void warnf(reader *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->st.warnings++;
    if (r->sink->warn)
        r->sink->warn(r->sink->ctx, 0, msg);
}

/* Finds the slot of (tag, uuid) in an open-addressing set of `cap` slots
 * (a power of two): its own slot, or the empty one where it belongs. */
static uint8_t *set_slot(uint8_t (*set)[17], size_t cap, uint8_t tag,
                         const uint8_t *uuid)
{
    uint32_t h = 2166136261u ^ tag;
    for (int i = 0; i < 16; i++)
        h = (h ^ uuid[i]) * 16777619u;
    for (size_t k = 0;; k++) {
        uint8_t *e = set[(h + k) & (cap - 1)];
        if (!e[0] || (e[0] == tag && memcmp(e + 1, uuid, 16) == 0))
            return e;
    }
}

/* True the first time (kind, uuid) is seen: one warning per missing file
 * (after MAX_WARNED distinct files only the closing count says more).
 * The set is asked for every record of a missing image, so it hashes. */
static int first_time(reader *r, uint8_t kind, const uint8_t *uuid)
{
    uint8_t tag = (uint8_t)(kind | 0x80);
    if (r->warned) {
        uint8_t *e = set_slot(r->warned, r->warned_cap, tag, uuid);
        if (e[0])
            return 0;
    }
    if (r->nwarned >= MAX_WARNED)
        return 0;
    if ((r->nwarned + 1) * 2 > r->warned_cap) {
        size_t c = r->warned_cap ? r->warned_cap * 2 : 64;
        uint8_t(*ns)[17] = calloc(c, sizeof *ns);
        if (!ns)
            return 0;
        for (size_t i = 0; i < r->warned_cap; i++)
            if (r->warned[i][0])
                memcpy(set_slot(ns, c, r->warned[i][0], r->warned[i] + 1),
                       r->warned[i], 17);
        free(r->warned);
        r->warned = ns;
        r->warned_cap = c;
    }
    uint8_t *e = set_slot(r->warned, r->warned_cap, tag, uuid);
    e[0] = tag;
    memcpy(e + 1, uuid, 16);
    r->nwarned++;
    return 1;
}

/* Hands a source note to the sink. */
static void note(reader *r, const char *key, const char *value)
{
    if (r->sink->note)
        r->sink->note(r->sink->ctx, key, value);
}

/* ---- source -------------------------------------------------------------- */

/* Reads exactly n bytes (fewer at the end of input); returns the count or
 * -1 on an input error. */
static long src_read(reader *r, uint8_t *dst, size_t n)
{
    size_t got = 0;
    if (r->in) {
        while (got < n) {
            ssize_t k = st_input_read(r->in, dst + got, n - got);
            if (k < 0)
                return -1;
            if (k == 0)
                break;
            got += (size_t)k;
        }
    } else if (r->fd_src) {
        size_t left = r->mem_n - r->mem_pos, want = n < left ? n : left;
        while (got < want) {
            ssize_t k = pread(r->fd, dst + got, want - got,
                              (off_t)(r->mem_pos + got));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                return -1;
            if (k == 0)
                break;
            got += (size_t)k;
        }
        r->mem_pos += got;
    } else {
        size_t left = r->mem_n - r->mem_pos;
        got = n < left ? n : left;
        memcpy(dst, r->mem + r->mem_pos, got);
        r->mem_pos += got;
    }
    r->off += got;
    return (long)got;
}

/* Bytes left in the source when known (memory, or a plain file of known
 * size), else UINT64_MAX. */
static uint64_t src_left(const reader *r)
{
    if (!r->in)
        return r->mem_n - r->mem_pos;
    int64_t raw = st_input_raw_size(r->in);
    if (raw < 0 || st_input_is_gzip(r->in) || (uint64_t)raw < r->off)
        return UINT64_MAX;
    return (uint64_t)raw - r->off;
}

/* Makes *buf hold at least n bytes; -1 when out of memory. */
static int reserve(uint8_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < n)
        c *= 2;
    uint8_t *nb = realloc(*buf, c);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = c;
    return 0;
}

/* ---- time ---------------------------------------------------------------- */

/* Wall clock of a continuous time (ns since 1970 UTC) and the zone of the
 * record used, as minutes east of UTC. */
static int64_t wall_ns(reader *r, uint64_t ct, int32_t *east)
{
    int32_t tz = r->tz_min, dst = r->dst;
    int64_t ns;
    if (r->tsb)
        ns = st_ts_to_wall_ns(r->tsb, ct, &tz, &dst);
    else
        ns = st_ts_convert(ct, r->wall_ct, r->wall_ns0, r->numer, r->denom);
    if (east)
        *east = -tz + (dst ? 60 : 0);
    return ns;
}

/* ---- header -------------------------------------------------------------- */

/* Copies a fixed-size NUL-padded field into out as a C string. */
static void fixed_str(char *out, size_t outlen, const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] && k + 1 < outlen)
        k++;
    memcpy(out, p, k);
    out[k] = 0;
}

/* Parses the header chunk data d[0..n); 0, or -1 with err. */
static int parse_header(reader *r, const uint8_t *d, size_t n, char *err,
                        size_t errlen)
{
    if (n < 208) {
        snprintf(err, errlen, "tracev3 header chunk has %zu bytes (208 "
                 "expected)", n);
        return -1;
    }
    r->numer = rd32(d);
    r->denom = rd32(d + 4);
    if (!r->numer || !r->denom) {
        warnf(r, "%s: header timebase %u/%u; 1/1 used", r->label, r->numer,
              r->denom);
        r->numer = r->denom = 1;
    }
    r->start_ct = rd64(d + 8);
    /* The header's wall clock is a timeval (seconds, then microseconds at
     * +8) taken at the continuous time of the 0x6100 sub chunk, not at
     * the start time at +8: on the corpus logarchive, whose timesync
     * covers its boot, the 0x6100 value converts to within 3 ms of this
     * wall time and the +8 value to 10.8 days off.  libyal's description
     * (wall time = seconds + continuous time) was 48 days off there. */
    r->wall_sec = (int64_t)rd64(d + 16);
    r->wall_ct = rd64(d + 48);
    if (r->wall_sec > INT64_MAX / 1000000000LL - 1 ||
        r->wall_sec < -(INT64_MAX / 1000000000LL - 1)) {
        warnf(r, "%s: header wall time %lld s is out of range; 0 used",
              r->label, (long long)r->wall_sec);
        r->wall_sec = 0;
    }
    r->wall_ns0 = r->wall_sec * 1000000000LL +
                  (int64_t)(rd32(d + 24) % 1000000u) * 1000;
    r->tz_min = (int32_t)rd32(d + 28);
    r->dst = (int32_t)rd32(d + 32);
    uint32_t flags = rd32(d + 36);
    char build[17] = "", model[33] = "", tzpath[49] = "";
    /* sub chunks at fixed places: 0x6100 continuous time, 0x6101 system
     * information, 0x6102 generation (boot UUID), 0x6103 time zone path */
    if (rd32(d + 40) != 0x6100 || rd32(d + 56) != 0x6101 ||
        rd32(d + 120) != 0x6102 || rd32(d + 152) != 0x6103)
        warnf(r, "%s: header sub chunks are not where expected; values "
              "read at the usual offsets", r->label);
    fixed_str(build, sizeof build, d + 72, 16);
    fixed_str(model, sizeof model, d + 88, 32);
    memcpy(r->boot, d + 128, 16);
    uint32_t logd_pid = rd32(d + 144), logd_exit = rd32(d + 148);
    fixed_str(tzpath, sizeof tzpath, d + 160, 48);
    st_uuid_format(r->boot, r->boot_s);
    memcpy(r->st.boot_uuid, r->boot, 16);
    r->st.numer = r->numer;
    r->st.denom = r->denom;
    r->st.tz_min = r->tz_min;

    char buf[128];
    note(r, "format", "tracev3");
    note(r, "boot_uuid", r->boot_s);
    snprintf(buf, sizeof buf, "%u/%u", r->numer, r->denom);
    note(r, "timebase", buf);
    snprintf(buf, sizeof buf, "%lld.%06lld", (long long)r->wall_sec,
             (long long)(r->wall_ns0 % 1000000000LL) / 1000);
    note(r, "header_wall_time", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->wall_ct);
    note(r, "header_continuous_time", buf);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->start_ct);
    note(r, "header_start_time", buf);
    snprintf(buf, sizeof buf, "%d", (int)r->tz_min);
    note(r, "header_tz_minutes_west", buf);
    snprintf(buf, sizeof buf, "%d", (int)r->dst);
    note(r, "header_dst", buf);
    snprintf(buf, sizeof buf, "0x%x", flags);
    note(r, "header_flags", buf);
    note(r, "build", build);
    note(r, "hardware_model", model);
    note(r, "timezone_path", tzpath);
    snprintf(buf, sizeof buf, "%u", logd_pid);
    note(r, "logd_pid", buf);
    snprintf(buf, sizeof buf, "%u", logd_exit);
    note(r, "logd_exit_status", buf);

    st_tv3_ctx *ctx = r->ctx;
    r->tsb = st_timesync_boot(&ctx->ts, r->boot);
    r->st.have_timesync = r->tsb != NULL;
    if (r->tsb) {
        note(r, "time_source", "timesync");
    } else {
        note(r, "time_source", "header");
        warnf(r, "%s: no timesync boot record for boot %s%s%s: times are "
              "computed from the file header's clock", r->label,
              r->boot_s, ctx->timesync_dir ? " in " : " (no timesync folder)",
              ctx->timesync_dir ? ctx->timesync_dir : "");
    }
    r->have_header = 1;
    return 0;
}

/* ---- catalog ------------------------------------------------------------- */

static void free_catalog(catalog *c)
{
    for (size_t i = 0; i < c->nalloc; i++) {
        free(c->procs[i].uents);
        free(c->procs[i].subs);
    }
    free(c->procs);
    free(c->uuids);
    free(c->strings);
    free(c);
}

/* Orders process entries by proc_id (upper, then lower). */
static int cmp_proc(const void *a, const void *b)
{
    const proc *x = a, *y = b;
    if (x->upper != y->upper)
        return x->upper < y->upper ? -1 : 1;
    return x->lower < y->lower ? -1 : x->lower > y->lower;
}

/* The process entry of a proc_id in catalog c (binary search), or NULL. */
static proc *find_proc(catalog *c, uint64_t upper, uint32_t lower)
{
    if (!c)
        return NULL;
    size_t lo = 0, hi = c->nprocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        proc *p = &c->procs[mid];
        if (p->upper == upper && p->lower == lower)
            return p;
        if (p->upper < upper || (p->upper == upper && p->lower < lower))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Parses a catalog chunk d[0..n) and makes it current; damage is a
 * warning (the previous catalog stays current). */
static int parse_catalog(reader *r, const uint8_t *d, size_t n)
{
    if (n < 24) {
        warnf(r, "%s: catalog at 0x%llx too short (%zu bytes)", r->label,
              (unsigned long long)r->chunk_off, n);
        return 0;
    }
    uint16_t str_off = rd16(d), proc_off = rd16(d + 2), nproc = rd16(d + 4);
    /* sub chunk descriptors (offset d+6, count d+8) only describe the
     * chunksets; the markers inside each chunkset are what is used. */
    const uint8_t *base = d + 24;
    size_t avail = n - 24;
    if (str_off > proc_off || proc_off > avail || (str_off & 15)) {
        warnf(r, "%s: catalog at 0x%llx has inconsistent offsets (strings "
              "%u, processes %u, %zu bytes); ignored", r->label,
              (unsigned long long)r->chunk_off, str_off, proc_off, avail);
        return 0;
    }
    /* a process entry takes at least 40 bytes: bound the count by the
     * data before allocating for it */
    size_t maxp = (avail - proc_off) / 40;
    if (nproc > maxp) {
        warnf(r, "%s: catalog at 0x%llx announces %u processes, room for "
              "%zu", r->label, (unsigned long long)r->chunk_off, nproc, maxp);
        nproc = (uint16_t)maxp;
    }
    catalog *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->nuuids = str_off / 16;
    c->strings_n = (size_t)proc_off - str_off;
    c->uuids = malloc(c->nuuids * 16 + 1);
    c->strings = malloc(c->strings_n + 1);
    c->procs = calloc(nproc ? nproc : 1, sizeof *c->procs);
    if (!c->uuids || !c->strings || !c->procs) {
        free_catalog(c);
        return -1;
    }
    memcpy(c->uuids, base, c->nuuids * 16);
    memcpy(c->strings, base + str_off, c->strings_n);
    c->strings[c->strings_n] = 0;
    c->nalloc = nproc;
    cur k = {base, avail, proc_off, 0};
    size_t i;
    for (i = 0; i < nproc; i++) {
        proc *p = &c->procs[i];
        size_t start = k.off;
        cur16(&k);                    /* entry index */
        cur16(&k);
        p->main_idx = (int16_t)cur16(&k);
        p->dsc_idx = (int16_t)cur16(&k);
        p->upper = cur64(&k);
        p->lower = cur32(&k);
        p->pid = cur32(&k);
        p->euid = cur32(&k);
        cur32(&k);
        uint32_t nu = cur32(&k);
        cur32(&k);
        if (k.bad || (uint64_t)nu * 16 > k.n - k.off)
            break;
        if (!(p->uents = calloc(nu ? nu : 1, sizeof *p->uents))) {
            free_catalog(c);
            return -1;
        }
        for (uint32_t u = 0; u < nu; u++) {
            uuident *e = &p->uents[u];
            e->size = cur32(&k);
            cur32(&k);
            e->uuid_index = cur16(&k);
            uint32_t lo = cur32(&k);
            uint16_t hi = cur16(&k);
            e->load = (uint64_t)hi << 32 | lo;
        }
        p->nu = nu;
        uint32_t ns = cur32(&k);
        cur32(&k);
        if (k.bad || (uint64_t)ns * 6 > k.n - k.off)
            break;
        if (!(p->subs = calloc(ns ? ns : 1, sizeof *p->subs))) {
            free_catalog(c);
            return -1;
        }
        for (uint32_t s = 0; s < ns; s++) {
            p->subs[s].id = cur16(&k);
            p->subs[s].sub_off = cur16(&k);
            p->subs[s].cat_off = cur16(&k);
        }
        p->ns = ns;
        k.off += pad8(k.off - start);
        if (k.off > k.n)
            k.off = k.n;
        if ((p->main_idx >= 0 && (size_t)p->main_idx >= c->nuuids) ||
            (p->dsc_idx >= 0 && (size_t)p->dsc_idx >= c->nuuids)) {
            warnf(r, "%s: catalog process %llu@%u names UUID %d/%d of %zu",
                  r->label, (unsigned long long)p->upper, p->lower,
                  p->main_idx, p->dsc_idx, c->nuuids);
            if (p->main_idx >= 0 && (size_t)p->main_idx >= c->nuuids)
                p->main_idx = -1;
            if (p->dsc_idx >= 0 && (size_t)p->dsc_idx >= c->nuuids)
                p->dsc_idx = -1;
        }
        if (p->main_idx >= 0)
            st_uuid_format(c->uuids + 16 * (size_t)p->main_idx,
                           p->main_uuid_s);
        c->nprocs = i + 1;
    }
    if (i < nproc)
        warnf(r, "%s: catalog at 0x%llx cut in process entry %zu of %u; "
              "the %zu entries before it are used", r->label,
              (unsigned long long)r->chunk_off, i, nproc, c->nprocs);
    qsort(c->procs, c->nprocs, sizeof *c->procs, cmp_proc);
    for (size_t j = 1; j < c->nprocs; j++)
        if (!cmp_proc(&c->procs[j - 1], &c->procs[j]))
            warnf(r, "%s: catalog lists process %llu@%u twice", r->label,
                  (unsigned long long)c->procs[j].upper, c->procs[j].lower);
    c->prev = r->cat;
    r->cat = c;
    return 0;
}

/* The catalog string at offset off, or NULL. */
static const char *cat_string(const catalog *c, uint16_t off, size_t *len)
{
    if (!c || off >= c->strings_n)
        return NULL;
    *len = strnlen(c->strings + off, c->strings_n - off);
    return c->strings + off;
}

/* ---- strings and images -------------------------------------------------- */

enum problem {
    P_NONE = 0, P_NO_PROC, P_NO_UUIDTEXT, P_NO_DSC, P_BAD_REF, P_NO_IMAGE,
    P_BAD_SFT, P_CORRUPT,
};

typedef struct res {
    st_str fmt;                       /* p NULL: unresolved */
    const uint8_t *img_uuid;
    st_str img_path;
    uint64_t img_base;
    int problem;
    const uint8_t *problem_uuid;
    const char *sft_name;
} res;

/* The uuidtext of a UUID through the cache, warning once when absent. */
static const st_uuidtext *get_uuidtext(reader *r, const uint8_t *uuid,
                                       int *problem)
{
    int why;
    const st_uuidtext *ut = st_ulcache_uuidtext(r->ctx->strings, uuid, &why);
    if (ut)
        return ut;
    *problem = why == ST_UL_CORRUPT ? P_CORRUPT : P_NO_UUIDTEXT;
    if (why != ST_UL_NODIR && first_time(r, 'u', uuid)) {
        char u[37];
        st_uuid_format(uuid, u);
        if (why == ST_UL_CORRUPT)
            warnf(r, "%s: uuidtext file of %s unusable: %s", r->label, u,
                  st_ulcache_error(r->ctx->strings));
        else
            warnf(r, "%s: uuidtext file of %s not found under %s: its "
                  "records get placeholder messages", r->label, u,
                  st_ulcache_dir(r->ctx->strings));
    }
    return NULL;
}

/* The dsc file of a UUID through the cache, warning once when absent. */
static const st_dsc *get_dsc(reader *r, const uint8_t *uuid, int *problem)
{
    int why;
    const st_dsc *d = st_ulcache_dsc(r->ctx->strings, uuid, &why);
    if (d)
        return d;
    *problem = why == ST_UL_CORRUPT ? P_CORRUPT : P_NO_DSC;
    if (why != ST_UL_NODIR && first_time(r, 'd', uuid)) {
        char u[37];
        st_uuid_format(uuid, u);
        if (why == ST_UL_CORRUPT)
            warnf(r, "%s: shared-cache strings file %s unusable: %s",
                  r->label, u, st_ulcache_error(r->ctx->strings));
        else
            warnf(r, "%s: shared-cache strings file %s not found under "
                  "%s/dsc: its records get placeholder messages", r->label,
                  u, st_ulcache_dir(r->ctx->strings));
    }
    return NULL;
}

/* The process's main image uuidtext (looked up once per catalog entry). */
static const st_uuidtext *proc_main(reader *r, proc *p, const catalog *c)
{
    if (!p || p->main_idx < 0)
        return NULL;
    if (!p->main_state) {
        int pb;
        p->main_ut = get_uuidtext(r, c->uuids + 16 * (size_t)p->main_idx,
                                  &pb);
        p->main_state = p->main_ut ? 1 : -1;
    }
    return p->main_ut;
}

/* The process's shared-cache strings file (looked up once per catalog
 * entry); NULL with *problem set when there is none. */
static const st_dsc *proc_dsc(reader *r, proc *p, const catalog *c,
                              int *problem)
{
    if (!p || p->dsc_idx < 0) {
        *problem = P_NO_DSC;
        return NULL;
    }
    if (!p->dsc_state) {
        int pb = 0;
        p->dsc = get_dsc(r, c->uuids + 16 * (size_t)p->dsc_idx, &pb);
        p->dsc_state = p->dsc ? 1 : -pb;
    }
    if (!p->dsc)
        *problem = p->dsc_state < 0 ? -p->dsc_state : P_NO_DSC;
    return p->dsc;
}

static const char *sft_names[8] = {"0", "main_exe", "shared_cache",
                                   "6", "absolute", "uuid_relative",
                                   "large_shared_cache", "e"};

/* Resolves a string reference of a tracepoint to its string and the image
 * that holds it (strings file type = flags & 0x000e). */
static void resolve(reader *r, const fhctx *f, const tp *t, uint64_t ref,
                    int dynamic, res *o)
{
    memset(o, 0, sizeof *o);
    unsigned sft = t->flags & 0x000e;
    o->sft_name = sft_names[sft >> 1];
    proc *p = f->pr;
    const catalog *c = f->cat;
    const uint8_t *uuid = NULL;
    uint64_t base = 0;
    switch (sft) {
    case 0x0002:                      /* main_exe */
        if (!p || p->main_idx < 0) {
            o->problem = P_NO_PROC;
            return;
        }
        uuid = c->uuids + 16 * (size_t)p->main_idx;
        break;
    case 0x000a:                      /* uuid_relative */
        uuid = t->uuid;
        if (!uuid) {                  /* record cut before its UUID */
            o->problem = P_NO_IMAGE;
            return;
        }
        break;
    case 0x0008: {                    /* absolute */
        if (!p) {
            o->problem = P_NO_PROC;
            return;
        }
        uint64_t addr = (uint64_t)t->load_hi << 32 | t->load_lo;
        for (size_t i = 0; i < p->nu; i++) {
            const uuident *e = &p->uents[i];
            if (addr >= e->load && addr - e->load <= e->size &&
                e->uuid_index < c->nuuids) {
                uuid = c->uuids + 16 * (size_t)e->uuid_index;
                base = e->load;
                break;
            }
        }
        if (!uuid) {
            o->problem = P_NO_IMAGE;
            return;
        }
        break;
    }
    case 0x0004:                      /* shared_cache */
    case 0x000c: {                    /* large_shared_cache */
        int pb = 0;
        const st_dsc *d = proc_dsc(r, p, c, &pb);
        if (!d) {
            o->problem = p ? pb : P_NO_PROC;
            if (p && p->dsc_idx >= 0)
                o->problem_uuid = c->uuids + 16 * (size_t)p->dsc_idx;
            return;
        }
        const st_dsc_image *im = NULL;
        if (dynamic) {
            o->fmt = ST_STR_LIT("%s");
            im = st_dsc_image_at(d, ref);
        } else if (st_dsc_string(d, ref, &o->fmt, &im) < 0) {
            o->fmt = ST_STR_NULL;
            o->problem = P_BAD_REF;
            o->problem_uuid = c->uuids + 16 * (size_t)p->dsc_idx;
        }
        if (im) {
            o->img_uuid = im->uuid;
            o->img_path = im->path;
            o->img_base = im->text_off;
        }
        return;
    }
    default:
        o->problem = P_BAD_SFT;
        return;
    }
    o->img_uuid = uuid;
    o->img_base = base;
    int pb = 0;
    const st_uuidtext *ut = get_uuidtext(r, uuid, &pb);
    if (!ut) {
        o->problem = pb;
        o->problem_uuid = uuid;
        return;
    }
    o->img_path = ut->image_path;
    if (dynamic)
        o->fmt = ST_STR_LIT("%s");
    else if (st_uuidtext_string(ut, ref, &o->fmt) < 0) {
        o->fmt = ST_STR_NULL;
        o->problem = P_BAD_REF;
        o->problem_uuid = uuid;
    }
}

/* ---- argument items ------------------------------------------------------ */

/* Turns item descriptors into renderer arguments.  vals: values data (item
 * offsets are relative to it); priv/priv_n: private data (offsets relative
 * to priv_base within it), NULL when none was recorded. */
static size_t build_args(reader *r, const uint8_t *items, size_t items_n,
                         unsigned nitems, const uint8_t *vals, size_t vals_n,
                         const uint8_t *priv, size_t priv_n, size_t priv_base,
                         unsigned *bad)
{
    cur k = {items, items_n, 0, 0};
    size_t na = 0;
    for (unsigned i = 0; i < nitems && na < 256; i++) {
        uint8_t type = cur8(&k), size = cur8(&k);
        const uint8_t *d = cur_take(&k, size);
        if (k.bad) {
            (*bad)++;
            break;
        }
        st_logarg *a = &r->args[na++];
        a->type = type;
        a->p = d;
        a->n = size;
        unsigned hi = type >> 4, lo = type & 15;
        if (type == 0x00 || type == 0x02) {
            a->kind = ST_ARG_SCALAR;
        } else if (type == 0x10 || type == 0x12) {
            a->kind = ST_ARG_PRECISION;
        } else if (lo == 5) {         /* sensitive: never recorded */
            a->kind = ST_ARG_PRIVATE;
        } else if (type == 0x01 || hi == 2 || hi == 3 || hi == 4 ||
                   hi == 7 || hi == 8 || hi == 15) {
            if (size != 4) {
                a->kind = ST_ARG_UNKNOWN;
                (*bad)++;
                continue;
            }
            uint16_t off = rd16(d), len = rd16(d + 2);
            if (lo == 1) {            /* private: value in the private data */
                if (!priv || len == 0 || len == 0x8000) {
                    a->kind = ST_ARG_PRIVATE;
                    a->p = NULL;
                    a->n = 0;
                    continue;
                }
                if ((size_t)off + len > priv_n - (priv_base <= priv_n ? priv_base : priv_n) ||
                    priv_base > priv_n) {
                    a->kind = ST_ARG_UNKNOWN;
                    (*bad)++;
                    continue;
                }
                a->p = priv + priv_base + off;
            } else {
                if ((size_t)off + len > vals_n) {
                    a->kind = ST_ARG_UNKNOWN;
                    (*bad)++;
                    continue;
                }
                a->p = len ? vals + off : NULL;
            }
            a->n = len;
            a->kind = type == 0x01 ? ST_ARG_SCALAR
                      : hi == 2 || hi == 8 ? ST_ARG_STRING
                      : hi == 4           ? ST_ARG_OBJECT
                                          : ST_ARG_DATA;
        } else {
            a->kind = ST_ARG_UNKNOWN;
        }
    }
    return na;
}

/* Appends a JSON string (escaped) to b. */
static void json_str(st_sbuf *b, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    st_sbuf_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        st_sbuf_put(b, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
        if (c == '"' || c == '\\') {
            e[1] = (char)c;
            st_sbuf_put(b, e, 2);
        } else if (c == '\n') {
            st_sbuf_put(b, "\\n", 2);
        } else if (c == '\t') {
            st_sbuf_put(b, "\\t", 2);
        } else {
            st_sbuf_put(b, e, 6);
        }
    }
    st_sbuf_put(b, s + run, n - run);
    st_sbuf_put(b, "\"", 1);
}

/* Appends the raw arguments as a JSON array (kept when no format string
 * could be found, so the values are not lost). */
static void json_args(st_sbuf *b, const st_logarg *a, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    st_sbuf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            st_sbuf_puts(b, ",");
        const st_logarg *x = &a[i];
        if (x->kind == ST_ARG_PRIVATE) {
            st_sbuf_puts(b, "\"<private>\"");
        } else if ((x->kind == ST_ARG_SCALAR || x->kind == ST_ARG_PRECISION)
                   && x->n >= 1 && x->n <= 8) {
            uint64_t v = 0;
            for (size_t j = 0; j < x->n; j++)
                v |= (uint64_t)x->p[j] << (8 * j);
            put_u64(b, v);
        } else if ((x->kind == ST_ARG_STRING || x->kind == ST_ARG_OBJECT) &&
                   x->p) {
            const uint8_t *z = memchr(x->p, 0, x->n);
            json_str(b, (const char *)x->p, z ? (size_t)(z - x->p) : x->n);
        } else if (!x->p) {
            st_sbuf_puts(b, "null");
        } else {
            st_sbuf_puts(b, "\"0x");
            size_t m = x->n < 256 ? x->n : 256;
            char *w = st_sbuf_grow(b, 2 * m);
            for (size_t j = 0; w && j < m; j++) {
                w[2 * j] = hx[x->p[j] >> 4];
                w[2 * j + 1] = hx[x->p[j] & 15];
            }
            st_sbuf_puts(b, "\"");
        }
    }
    st_sbuf_puts(b, "]");
}

/* Backtrace data at the start of the values data: {01 00 12, n uuids u8,
 * n frames u16, uuids, u32 offsets, u8 indexes}.  Writes the JSON frames
 * into r->bt; returns 0, or -1 when absent or damaged. */
static int backtrace_json(reader *r, const uint8_t *v, size_t n)
{
    if (n < 6)
        return -1;
    unsigned nid = v[3], nfr = rd16(v + 4);
    size_t need = 6 + (size_t)nid * 16 + (size_t)nfr * 5;
    if (need > n)
        return -1;
    const uint8_t *ids = v + 6, *offs = ids + nid * 16, *idx = offs + nfr * 4;
    st_sbuf_puts(&r->bt, "{\"frames\":[");
    for (unsigned i = 0; i < nfr; i++) {
        char u[37];
        if (idx[i] < nid)
            st_uuid_format(ids + 16 * idx[i], u);
        else
            memcpy(u, "00000000-0000-0000-0000-000000000000", 37);
        st_sbuf_printf(&r->bt, "%s{\"imageOffset\":%u,\"imageUUID\":\"%s\"}",
                       i ? "," : "", rd32(offs + 4 * i), u);
    }
    st_sbuf_puts(&r->bt, "]}");
    return 0;
}

/* ---- emitting ------------------------------------------------------------ */

/* The one-frame backtrace log gives a record without recorded frames: the
 * sender image (r->sender_s) and the program counter in it. */
static void sender_frame(reader *r, uint64_t pc)
{
    st_sbuf_put(&r->bt, "{\"frames\":[{\"imageOffset\":", 26);
    put_u64(&r->bt, pc);
    st_sbuf_put(&r->bt, ",\"imageUUID\":\"", 14);
    st_sbuf_put(&r->bt, r->sender_s, 36);
    st_sbuf_put(&r->bt, "\"}]}", 4);
}

/* Fills the time, zone and locator of an event and hands it to the sink. */
static void emit(reader *r, st_event *ev, uint64_t ct)
{
    int32_t east;
    int64_t ns = wall_ns(r, ct, &east);
    int64_t us = ns / 1000 - (ns % 1000 < 0);
    ev->time_us = us;
    ev->utc_offset_min = east;
    ev->mach_timestamp = ct;
    ev->has |= ST_HAS_TIME | ST_HAS_OFFSET | ST_HAS_MACH;
    ev->line = 0;
    ev->byte_offset = -1;
    r->loc.n = 0;
    st_sbuf_puts(&r->loc, r->label);
    st_sbuf_put(&r->loc, " chunk@0x", 9);
    put_hex(&r->loc, r->chunk_off);
    st_sbuf_put(&r->loc, " entry ", 7);
    put_u64(&r->loc, r->entry);
    ev->locator = (st_str){r->loc.p, r->loc.n};
    if (r->boot_s[0])
        ev->boot_uuid = (st_str){r->boot_s, 36};
    /* extra_json: the exact time, then the fields the caller added (each
     * starting with ',') */
    r->xj.n = 0;
    st_sbuf_put(&r->xj, "{\"timestampNs\":", 15);
    put_i64(&r->xj, ns);
    st_sbuf_put(&r->xj, r->extra.p, r->extra.n);
    st_sbuf_put(&r->xj, "}", 1);
    ev->extra_json = (st_str){r->xj.p, r->xj.n};
    if (r->bt.n)
        ev->backtrace_json = (st_str){r->bt.p, r->bt.n};
    if (r->msg.p && !ev->message.p)
        ev->message = (st_str){r->msg.p, r->msg.n};
    r->st.events++;
    if (r->sink->event(r->sink->ctx, ev))
        r->stopped = 1;
}

/* Resets the per-record scratch buffers. */
static void scratch_reset(reader *r)
{
    r->msg.n = 0;
    r->extra.n = 0;
    r->bt.n = 0;
    if (r->msg.p)
        r->msg.p[0] = 0;
}

/* Sets a process or sender path and its basename. */
static void set_path(st_event *ev, st_str path, int is_process)
{
    if (!path.p)
        return;
    if (is_process) {
        ev->process_path = path;
        ev->process = st_basename(path);
    } else {
        ev->sender_path = path;
        ev->sender = st_basename(path);
    }
}

static const char *const log_types[] = {"Default", "Info", "Debug"};

/* log's name of a log type byte; unknown values read as Default (the byte
 * is kept in extra_json by the caller). */
static st_str log_type_name(uint8_t t)
{
    if (t <= 2)
        return (st_str){log_types[t], strlen(log_types[t])};
    if (t == 0x10)
        return ST_STR_LIT("Error");
    if (t == 0x11)
        return ST_STR_LIT("Fault");
    return ST_STR_LIT("Default");
}

/* Common fields of events from a process entry. */
static void proc_fields(reader *r, st_event *ev, const fhctx *f)
{
    if (!f->pr)
        return;
    ev->pid = f->pr->pid;
    ev->user_id = f->pr->euid;
    ev->has |= ST_HAS_PID | ST_HAS_USER;
    if (f->pr->main_idx >= 0) {
        ev->process_uuid = (st_str){f->pr->main_uuid_s, 36};
        const st_uuidtext *ut = proc_main(r, f->pr, f->cat);
        if (ut)
            set_path(ev, ut->image_path, 1);
    }
}

/* Renders the message of a log/signpost/activity/trace record and emits
 * it.  Arguments come from the tracepoint or, when given, oversize data. */
static void emit_tracepoint(reader *r, const fhctx *f, const tp *t,
                            const oversize *ov, int ov_missing)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    scratch_reset(r);
    ev.thread_id = t->tid;
    ev.has |= ST_HAS_THREAD;
    proc_fields(r, &ev, f);
    ev.trace_id = (uint64_t)t->fmt << 32 | (uint64_t)t->flags << 16 |
                  (uint64_t)t->ltype << 8 | t->rtype;
    ev.has |= ST_HAS_TRACE;
    st_sbuf *x = &r->extra;

    /* the chunk's stream, for every kind of record (losses included) */
    if (f->stream != 0) {
        st_sbuf_puts(x, ",\"streamType\":");
        put_u64(x, f->stream);
    }
    if (t->rtype == 0x07) {           /* loss */
        r->st.loss++;
        ev.type = ST_STR_LIT("Loss");
        ev.event_type = ST_STR_LIT("lossEvent");
        st_sbuf_printf(&r->msg, "lost %s%llu unreliable messages from "
                       "%llu-%llu (Mach continuous exact start-approx. end)",
                       ">=", (unsigned long long)t->loss_count,
                       (unsigned long long)t->loss_start,
                       (unsigned long long)t->loss_end);
        st_sbuf_printf(x, ",\"lossCount\":%llu,\"lossStartNs\":%lld,"
                       "\"lossEndNs\":%lld",
                       (unsigned long long)t->loss_count,
                       (long long)wall_ns(r, t->loss_start, NULL),
                       (long long)wall_ns(r, t->loss_end, NULL));
        emit(r, &ev, t->ct);
        return;
    }

    int dynamic;
    uint64_t ref = st_tv3_format_ref(t->fmt, t->large_off, t->lsc, &dynamic);
    res rs;
    resolve(r, f, t, ref, dynamic, &rs);
    if (rs.img_path.p)
        set_path(&ev, rs.img_path, 0);
    if (rs.img_uuid) {
        st_uuid_format(rs.img_uuid, r->sender_s);
        ev.sender_uuid = (st_str){r->sender_s, 36};
    }
    ev.sender_pc = st_tv3_program_counter(t->load_lo, t->load_hi,
                                          t->large_off, t->lsc, rs.img_base);
    ev.has |= ST_HAS_SENDER_PC;
    if (rs.fmt.p)
        ev.format_string = rs.fmt;

    /* activity ids */
    if (t->rtype == 0x02) {
        ev.activity_id = t->new_aid & AID_MASK;
        ev.parent_activity_id = t->other_aid & AID_MASK;
        ev.has |= ST_HAS_ACTIVITY | ST_HAS_PARENT_ACT;
        /* an activity id like the others: bit 63 cleared, as log
         * prints activity ids */
        if (t->flags & 0x0001)
            st_sbuf_printf(x, ",\"creatorActivityID\":%llu",
                           (unsigned long long)(t->cur_aid & AID_MASK));
        if (t->flags & 0x0010)
            st_sbuf_printf(x, ",\"uniquePID\":%llu",
                           (unsigned long long)t->upid);
    } else {
        ev.activity_id = t->cur_aid & AID_MASK;
        ev.has |= ST_HAS_ACTIVITY;
    }
    ev.ttl = (t->flags & 0x0400) ? t->ttl : 0;
    ev.has |= ST_HAS_TTL;

    /* subsystem and category */
    if ((t->flags & 0x0200) && t->rtype != 0x02 && f->pr) {
        size_t sl = 0, cl = 0;
        for (size_t i = 0; i < f->pr->ns; i++)
            if (f->pr->subs[i].id == t->subsys) {
                const char *s = cat_string(f->cat, f->pr->subs[i].sub_off,
                                           &sl);
                const char *c = cat_string(f->cat, f->pr->subs[i].cat_off,
                                           &cl);
                if (s)
                    ev.subsystem = (st_str){s, sl};
                if (c)
                    ev.category = (st_str){c, cl};
                break;
            }
        if (!ev.subsystem.p)
            st_sbuf_printf(x, ",\"subsystemID\":%u", t->subsys);
    }

    /* arguments */
    size_t na = 0;
    unsigned bad = 0;
    const uint8_t *vals = t->vals;
    size_t vals_n = t->vals_n;
    if (t->rtype == 0x03) {
        /* trace: values front to back, their sizes before the count byte */
        if (t->trace_n > 5) {
            unsigned cnt = t->trace[t->trace_n - 1];
            if ((size_t)cnt + 1 + 4 <= t->trace_n) {
                const uint8_t *sizes = t->trace + t->trace_n - 1 - cnt;
                size_t off = 4;
                for (unsigned i = 0; i < cnt; i++) {
                    size_t sz = sizes[i];
                    if (off + sz > t->trace_n - 1 - cnt) {
                        bad++;
                        break;
                    }
                    r->args[na++] = (st_logarg){ST_ARG_SCALAR, 0x00,
                                                t->trace + off, sz};
                    off += sz;
                }
            } else {
                bad++;
            }
        }
    } else if (ov) {
        na = build_args(r, ov->buf + ov->items_off, ov->items_n, ov->nitems,
                        ov->buf + ov->vals_off, ov->vals_n,
                        ov->priv_n ? ov->buf + ov->priv_off : NULL,
                        ov->priv_n, 0, &bad);
        vals = ov->buf + ov->vals_off;
        vals_n = ov->vals_n;
    } else if (!ov_missing) {
        size_t pbase = 0;
        const uint8_t *priv = NULL;
        if (f->priv && (t->flags & 0x0100)) {
            if (t->priv_off >= f->pvo) {
                pbase = (size_t)(t->priv_off - f->pvo);
                priv = f->priv;
            } else {
                bad++;
            }
        }
        na = build_args(r, t->items, t->items_n, t->nitems, t->vals,
                        t->vals_n, priv, f->priv_n, pbase, &bad);
    }
    if (bad)
        r->st.decode_problems++;

    /* backtrace: recorded frames, else the sender frame */
    if (vals && ((t->flags & 0x1000) ||
                 (ov && vals_n >= 3 && vals[0] == 1 && vals[1] == 0 &&
                  vals[2] == 0x12)))
        if (backtrace_json(r, vals, vals_n) < 0)
            r->bt.n = 0;
    if (!r->bt.n && rs.img_uuid)
        sender_frame(r, ev.sender_pc);

    /* message */
    if (rs.fmt.p) {
        st_logfmt_stats ls;
        memset(&ls, 0, sizeof ls);
        st_logfmt_render(&r->msg, rs.fmt.p, rs.fmt.n, r->args, na, &ls);
        if (ov_missing)
            st_sbuf_printf(x, ",\"oversize\":\"missing\"");
        if (ls.missing || ls.mismatch || ls.unknown_item)
            r->st.decode_problems++;
        if (ls.unknown_decoder) {
            if (!r->st.unknown_decoders)
                warnf(r, "%s: format decoder %%{%s} is not decoded by "
                      "sigtrail; raw values are kept (counted at the end)",
                      r->label, ls.first_unknown);
            r->st.unknown_decoders++;
            st_sbuf_printf(x, ",\"undecoded\":");
            json_str(x, ls.first_unknown, strlen(ls.first_unknown));
        }
    } else {
        r->st.unresolved++;
        const uint8_t *pu = rs.problem_uuid ? rs.problem_uuid : rs.img_uuid;
        if (pu)
            st_uuid_format(pu, r->aux_s);
        else
            snprintf(r->aux_s, sizeof r->aux_s, "%s",
                     rs.problem == P_NO_PROC ? "no process entry"
                                             : "no image");
        st_sbuf_put(&r->msg, "<compose failure [", 18);
        st_sbuf_puts(&r->msg, r->aux_s);
        st_sbuf_put(&r->msg, "]>", 2);
        static const char *const why[] = {
            "", "process not in catalog", "uuidtext file missing",
            "dsc file missing", "format reference out of range",
            "no image at the address", "unknown strings file type",
            "strings file unusable"};
        st_sbuf_puts(x, ",\"unresolved\":\"");
        st_sbuf_puts(x, why[rs.problem < 8 ? rs.problem : 0]);
        st_sbuf_puts(x, "\",\"stringsFile\":\"");
        st_sbuf_puts(x, rs.sft_name);
        st_sbuf_puts(x, "\",\"formatRef\":\"0x");
        put_hex(x, ref);
        st_sbuf_puts(x, "\"");
        if (na) {
            st_sbuf_puts(x, ",\"args\":");
            json_args(x, r->args, na);
        }
    }

    /* kind-specific names */
    switch (t->rtype) {
    case 0x02:
        r->st.activity++;
        if (t->ltype == 0x03) {
            ev.type = ST_STR_LIT("UserAction");
            ev.event_type = ST_STR_LIT("userActionEvent");
        } else {
            ev.type = ST_STR_LIT("Activity");
            ev.event_type = ST_STR_LIT("activityCreateEvent");
        }
        break;
    case 0x03:
        r->st.trace++;
        ev.type = ST_STR_LIT("Trace");
        ev.event_type = ST_STR_LIT("traceEvent");
        break;
    case 0x06: {
        r->st.signpost++;
        ev.type = ST_STR_LIT("Signpost");
        ev.event_type = ST_STR_LIT("signpostEvent");
        ev.signpost_id = t->spid;
        ev.has |= ST_HAS_SIGNPOST_ID;
        unsigned scope = t->ltype >> 6, kind = t->ltype & 0x0f;
        static const char *const scopes[4] = {NULL, "thread", "process",
                                              "system"};
        static const char *const kinds[3] = {"event", "begin", "end"};
        if (scopes[scope])
            ev.signpost_scope = (st_str){scopes[scope],
                                         strlen(scopes[scope])};
        if (kind < 3)
            ev.signpost_type = (st_str){kinds[kind], strlen(kinds[kind])};
        if (t->flags & 0x8000) {
            int dyn;
            uint64_t nref = st_tv3_format_ref(t->name_lo, t->name_hi, 0,
                                              &dyn);
            res nr;
            resolve(r, f, t, nref, dyn, &nr);
            if (nr.fmt.p)
                ev.signpost_name = nr.fmt;
            else
                st_sbuf_printf(x, ",\"signpostNameRef\":\"0x%llx\"",
                               (unsigned long long)nref);
        }
        break;
    }
    default:
        r->st.log++;
        ev.type = log_type_name(t->ltype);
        ev.event_type = ST_STR_LIT("logEvent");
        if (t->ltype > 2 && t->ltype != 0x10 && t->ltype != 0x11)
            st_sbuf_printf(x, ",\"logType\":%u", t->ltype);
        break;
    }
    emit(r, &ev, t->ct);
}

/* ---- firehose ------------------------------------------------------------ */

/* Decodes the flag-dependent fields of a tracepoint's data; returns 0, or
 * -1 when the data is shorter than its flags require. */
static int decode_tp(tp *t, const uint8_t *d, size_t n)
{
    cur k = {d, n, 0, 0};
    unsigned sft = t->flags & 0x000e;
    switch (t->rtype) {
    case 0x07:
        t->loss_start = cur64(&k);
        t->loss_end = cur64(&k);
        t->loss_count = cur64(&k);
        return k.bad ? -1 : 0;
    case 0x03:
        t->load_lo = cur32(&k);
        t->trace = d;
        t->trace_n = n;
        return k.bad ? -1 : 0;
    case 0x02:
        if (t->flags & 0x0001)
            t->cur_aid = cur64(&k);
        if (t->flags & 0x0010)
            t->upid = cur64(&k);
        if (t->flags & 0x0200)
            t->other_aid = cur64(&k);
        if (t->ltype != 0x03)
            t->new_aid = cur64(&k);
        break;
    default:                          /* log 0x04, signpost 0x06 */
        if (t->flags & 0x0001)
            t->cur_aid = cur64(&k);
        if (t->flags & 0x0100) {
            t->priv_off = cur16(&k);
            t->priv_size = cur16(&k);
        }
        break;
    }
    t->load_lo = cur32(&k);
    if (t->flags & 0x0020)
        t->large_off = cur16(&k);
    if (sft == 0x0008)
        t->load_hi = cur16(&k);
    else if (sft == 0x000a)
        t->uuid = cur_take(&k, 16);
    else if (sft == 0x000c)
        t->lsc = cur16(&k);
    if (t->rtype == 0x02)
        return k.bad ? -1 : 0;
    if (t->flags & 0x0200)
        t->subsys = cur16(&k);
    if (t->rtype == 0x06)
        t->spid = cur64(&k);
    if (t->flags & 0x0400)
        t->ttl = cur8(&k);
    if (t->flags & 0x0800)
        t->data_ref = cur16(&k);
    if (t->rtype == 0x06 && (t->flags & 0x8000)) {
        t->name_lo = cur32(&k);
        if (t->flags & 0x0020)
            t->name_hi = cur16(&k);
    }
    if (k.bad)
        return -1;
    if (k.off + 2 <= n) {
        cur8(&k);                     /* unknown */
        t->nitems = cur8(&k);
    }
    /* item descriptors: their sizes give where the values start */
    size_t istart = k.off;
    for (unsigned i = 0; i < t->nitems; i++) {
        cur8(&k);
        uint8_t sz = cur8(&k);
        cur_take(&k, sz);
        if (k.bad)
            return -1;
    }
    t->items = d + istart;
    t->items_n = k.off - istart;
    t->vals = d + k.off;
    t->vals_n = n - k.off;
    return 0;
}

/* The oversize data of (proc_id, ref): this file's, else the archive's. */
static oversize *find_oversize(reader *r, uint64_t upper, uint32_t lower,
                               uint32_t ref)
{
    for (oversize *o = r->ov; o; o = o->next)
        if (o->upper == upper && o->lower == lower && o->ref == ref)
            return o;
    for (oversize *o = r->ctx->ovtab[ov_hash(upper, lower, ref)]; o;
         o = o->next)
        if (o->upper == upper && o->lower == lower && o->ref == ref &&
            memcmp(o->boot, r->boot, 16) == 0)
            return o;
    return NULL;
}

/* Keeps a copy of an entry whose oversize data has not been seen yet. */
static int defer(reader *r, const fhctx *f, const uint8_t *raw, size_t n)
{
    size_t pn = f->priv ? f->priv_n : 0;
    pending *p = calloc(1, sizeof *p);
    uint8_t *copy = malloc(n + pn + 1);
    if (!p || !copy) {
        free(p);
        free(copy);
        return -1;
    }
    memcpy(copy, raw, n);
    if (pn)
        memcpy(copy + n, f->priv, pn);
    p->f = *f;
    p->f.priv = pn ? copy + n : NULL;
    p->copy = copy;
    p->tp_n = n;
    p->chunk_off = r->chunk_off;
    p->entry = r->entry;
    p->next = r->pend;
    r->pend = p;
    r->npend++;
    return 0;
}

/* Parses a tracepoint header at raw[0..24) + data and emits it (or defers
 * it until its oversize data arrives). */
static void handle_tracepoint(reader *r, const fhctx *f, const uint8_t *raw,
                              size_t n, int deferred_now_flush)
{
    tp t;
    memset(&t, 0, sizeof t);
    t.rtype = raw[0];
    t.ltype = raw[1];
    t.flags = rd16(raw + 2);
    t.fmt = rd32(raw + 4);
    t.tid = rd64(raw + 8);
    t.ct = f->base_ct + ((uint64_t)rd32(raw + 16) |
                         (uint64_t)rd16(raw + 20) << 32);
    uint16_t dsize = rd16(raw + 22);
    if (t.rtype != 0x02 && t.rtype != 0x03 && t.rtype != 0x04 &&
        t.rtype != 0x06 && t.rtype != 0x07) {
        warnf(r, "%s: chunk@0x%llx entry %llu: unknown record type 0x%02x; "
              "skipped", r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)r->entry, t.rtype);
        return;
    }
    if (decode_tp(&t, raw + 24, dsize) < 0) {
        warnf(r, "%s: chunk@0x%llx entry %llu: record type 0x%02x flags "
              "0x%04x needs more than its %u data bytes; kept with what was "
              "read", r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)r->entry, t.rtype, t.flags, dsize);
        r->st.decode_problems++;
        t.nitems = 0;
        t.items_n = t.vals_n = 0;
        t.vals = NULL;
    }
    if ((t.flags & 0x0800) && t.rtype != 0x02 && t.rtype != 0x03) {
        oversize *o = find_oversize(r, f->upper, f->lower, t.data_ref);
        if (o) {
            r->st.oversize_joined++;
            emit_tracepoint(r, f, &t, o, 0);
            return;
        }
        if (!deferred_now_flush) {
            if (r->npend < MAX_PENDING && defer(r, f, raw, n) == 0)
                return;
            warnf(r, "%s: too many entries wait for oversize data; chunk@"
                  "0x%llx entry %llu emitted without it", r->label,
                  (unsigned long long)r->chunk_off,
                  (unsigned long long)r->entry);
        }
        r->st.oversize_missing++;
        emit_tracepoint(r, f, &t, NULL, 1);
        return;
    }
    emit_tracepoint(r, f, &t, NULL, 0);
}

/* Walks the tracepoints of a firehose chunk c[0..n). */
static void parse_firehose(reader *r, const uint8_t *c, size_t n,
                           uint64_t inner_off)
{
    if (n < 32) {
        warnf(r, "%s: chunk@0x%llx: firehose chunk at +0x%llx too short",
              r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)inner_off);
        return;
    }
    fhctx f;
    memset(&f, 0, sizeof f);
    f.upper = rd64(c);
    f.lower = rd32(c + 8);
    f.ttl = c[12];
    f.collapsed = c[13];
    uint16_t pub = rd16(c + 16);
    f.pvo = rd16(c + 18);
    f.stream = c[22];
    f.base_ct = rd64(c + 24);
    f.cat = r->cat;
    f.pr = find_proc(r->cat, f.upper, f.lower);
    if (!f.pr)
        warnf(r, "%s: chunk@0x%llx: firehose chunk at +0x%llx names process "
              "%llu@%u, absent from the catalog; its records lack process "
              "data", r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)inner_off, (unsigned long long)f.upper,
              f.lower);
    size_t end = (size_t)pub + 16;
    if (end > n) {
        warnf(r, "%s: chunk@0x%llx: firehose public data size %u exceeds the "
              "chunk (%zu bytes); cut", r->label,
              (unsigned long long)r->chunk_off, pub, n);
        end = n;
    }
    if (f.pvo < 0x1000 && f.pvo) {
        size_t pn = 0x1000u - f.pvo;
        if (pn <= n - 32) {
            f.priv = c + n - pn;
            f.priv_n = pn;
            if (end > n - pn)
                end = n - pn;
        } else {
            warnf(r, "%s: chunk@0x%llx: private data of %zu bytes does not "
                  "fit its %zu-byte firehose chunk; ignored", r->label,
                  (unsigned long long)r->chunk_off, pn, n);
        }
    } else if (f.pvo > 0x1000) {
        warnf(r, "%s: chunk@0x%llx: private data offset 0x%x invalid; "
              "ignored", r->label, (unsigned long long)r->chunk_off, f.pvo);
    }
    size_t pos = 32;
    while (pos + 24 <= end && !r->stopped) {
        const uint8_t *raw = c + pos;
        if (raw[0] == 0)              /* unused space up to the end */
            break;
        size_t dsize = rd16(raw + 22);
        if (dsize > end - pos - 24) {
            warnf(r, "%s: chunk@0x%llx entry %llu: record claims %zu bytes, "
                  "%zu remain in its firehose chunk; rest of the chunk "
                  "skipped", r->label, (unsigned long long)r->chunk_off,
                  (unsigned long long)r->entry, dsize, end - pos - 24);
            r->entry++;
            break;
        }
        handle_tracepoint(r, &f, raw, 24 + dsize, 0);
        r->entry++;
        pos += 24 + dsize;
        pos += pad8(pos);
    }
}

/* ---- oversize, statedump, simpledump ------------------------------------- */

static void emit_pending_for(reader *r, const oversize *o)
{
    pending **pp = &r->pend;
    while (*pp) {
        pending *p = *pp;
        if (p->f.upper == o->upper && p->f.lower == o->lower &&
            !r->stopped) {
            /* decode again to read its data reference */
            tp t;
            memset(&t, 0, sizeof t);
            t.rtype = p->copy[0];
            t.ltype = p->copy[1];
            t.flags = rd16(p->copy + 2);
            if (decode_tp(&t, p->copy + 24, p->tp_n - 24) == 0 &&
                t.data_ref == o->ref) {
                uint64_t co = r->chunk_off, en = r->entry;
                r->chunk_off = p->chunk_off;
                r->entry = p->entry;
                handle_tracepoint(r, &p->f, p->copy, p->tp_n, 1);
                r->chunk_off = co;
                r->entry = en;
                *pp = p->next;
                free(p->copy);
                free(p);
                r->npend--;
                continue;
            }
        }
        pp = &p->next;
    }
}

/* Keeps an oversize chunk c[0..n) for joining (in the prescan's set when
 * pre-scanning) and emits the entries that were waiting for it. */
static void parse_oversize(reader *r, const uint8_t *c, size_t n)
{
    if (n < 34) {
        warnf(r, "%s: chunk@0x%llx: oversize chunk too short", r->label,
              (unsigned long long)r->chunk_off);
        return;
    }
    r->st.oversize++;
    uint16_t dsz = rd16(c + 28), psz = rd16(c + 30);
    if ((size_t)dsz + psz > n - 32 || dsz < 2) {
        warnf(r, "%s: chunk@0x%llx: oversize chunk announces %u+%u bytes, "
              "holds %zu; ignored", r->label,
              (unsigned long long)r->chunk_off, dsz, psz, n - 32);
        return;
    }
    oversize *o = calloc(1, sizeof *o);
    uint8_t *copy = malloc((size_t)dsz + psz);
    if (!o || !copy) {
        free(o);
        free(copy);
        return;
    }
    memcpy(copy, c + 32, (size_t)dsz + psz);
    o->upper = rd64(c);
    o->lower = rd32(c + 8);
    o->ref = rd32(c + 24);
    o->nitems = copy[1];
    cur k = {copy, dsz, 2, 0};
    for (unsigned i = 0; i < o->nitems; i++) {
        cur8(&k);
        uint8_t sz = cur8(&k);
        cur_take(&k, sz);
    }
    if (k.bad) {
        warnf(r, "%s: chunk@0x%llx: oversize items run past their data; "
              "ignored", r->label, (unsigned long long)r->chunk_off);
        free(o);
        free(copy);
        return;
    }
    o->buf = copy;
    o->items_off = 2;
    o->items_n = k.off - 2;
    o->vals_off = k.off;
    o->vals_n = dsz - k.off;
    o->priv_off = dsz;
    o->priv_n = psz;
    memcpy(o->boot, r->boot, 16);
    if (r->collect) {
        /* another thread may be merging into ctx: nothing of it is read;
         * duplicates and the kept-bytes limit are the merge's */
        struct st_tv3_ovset *set = r->collect;
        size_t sz = (size_t)dsz + psz;
        if (r->collected && __atomic_add_fetch(r->collected, sz,
                                               __ATOMIC_RELAXED) >
                                r->collect_max) {
            __atomic_sub_fetch(r->collected, sz, __ATOMIC_RELAXED);
            set->incomplete = 1;
            r->stopped = 1;           /* the file is scanned again anyway */
            free(o->buf);
            free(o);
            return;
        }
        set->bytes += sz;
        o->next = NULL;
        *set->tail = o;
        set->tail = &o->next;
        return;
    }
    o->next = r->ov;
    r->ov = o;
    emit_pending_for(r, o);
}

/* Appends the base64 encoding of p[0..n) in one piece. */
static void base64_put(st_sbuf *b, const uint8_t *p, size_t n)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *w = st_sbuf_grow(b, (n + 2) / 3 * 4);
    if (!w)
        return;
    size_t i = 0;
    for (; i + 3 <= n; i += 3, w += 4) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        w[0] = t[v >> 18];
        w[1] = t[(v >> 12) & 63];
        w[2] = t[(v >> 6) & 63];
        w[3] = t[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        w[0] = t[v >> 18];
        w[1] = t[(v >> 12) & 63];
        w[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        w[3] = '=';
    }
}

/* Copies a NUL-terminated field of at most n bytes into the message. */
static st_str field_str(const uint8_t *p, size_t n)
{
    const uint8_t *z = memchr(p, 0, n);
    return (st_str){(const char *)p, z ? (size_t)(z - p) : n};
}

/* Emits a statedump chunk c[0..n) as a State event. */
static void parse_statedump(reader *r, const uint8_t *c, size_t n)
{
    if (n < 248) {
        warnf(r, "%s: chunk@0x%llx entry %llu: statedump too short",
              r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)r->entry);
        return;
    }
    r->st.statedump++;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    scratch_reset(r);
    fhctx f = {0};
    f.upper = rd64(c);
    f.lower = rd32(c + 8);
    f.cat = r->cat;
    f.pr = find_proc(r->cat, f.upper, f.lower);
    proc_fields(r, &ev, &f);
    uint64_t ct = rd64(c + 16);
    ev.activity_id = rd64(c + 24) & AID_MASK;
    ev.has |= ST_HAS_ACTIVITY;
    st_uuid_format(c + 32, r->sender_s);
    ev.sender_uuid = (st_str){r->sender_s, 36};
    int why;
    const st_uuidtext *ut = st_ulcache_uuidtext(r->ctx->strings, c + 32, &why);
    if (ut)
        set_path(&ev, ut->image_path, 0);
    uint32_t dtype = rd32(c + 48), dsize = rd32(c + 52);
    st_str title = field_str(c + 184, 64);
    ev.type = ST_STR_LIT("State");
    ev.event_type = ST_STR_LIT("stateEvent");
    ev.trace_id = 0;
    ev.has |= ST_HAS_TRACE;
    ev.ttl = c[12];
    ev.has |= ST_HAS_TTL;
    size_t avail = n - 248;
    if (dsize > avail) {
        warnf(r, "%s: chunk@0x%llx entry %llu: statedump data of %u bytes "
              "cut to %zu", r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)r->entry, dsize, avail);
        dsize = (uint32_t)avail;
    }
    const uint8_t *data = c + 248;
    st_sbuf_put(&r->msg, title.p, title.n);
    /* text state data is shown; anything else is kept encoded */
    size_t tl = dsize;
    while (tl && data[tl - 1] == 0)
        tl--;
    int text = tl > 0;
    for (size_t i = 0; i < tl && text; i++)
        if (data[i] < 0x20 && data[i] != '\n' && data[i] != '\t' &&
            data[i] != '\r')
            text = 0;
    static const char *const types[] = {"", "plist", "protobuf", "custom"};
    st_sbuf_printf(&r->extra, ",\"stateDataType\":\"%s\",\"stateDataSize\":%u",
                   dtype < 4 ? types[dtype] : "unknown", dsize);
    if (dtype == 3) {
        st_str lib = field_str(c + 56, 64), dt = field_str(c + 120, 64);
        st_sbuf_puts(&r->extra, ",\"decoderLibrary\":");
        json_str(&r->extra, lib.p, lib.n);
        st_sbuf_puts(&r->extra, ",\"decoderType\":");
        json_str(&r->extra, dt.p, dt.n);
    }
    if (text) {
        st_sbuf_puts(&r->msg, ":\n");
        st_sbuf_put(&r->msg, data, tl);
    } else if (dsize) {
        size_t lim = dsize < STATE_KEEP ? dsize : STATE_KEEP;
        st_sbuf_puts(&r->extra, ",\"stateDataBase64\":\"");
        base64_put(&r->extra, data, lim);
        st_sbuf_puts(&r->extra, "\"");
        if (lim < dsize)
            st_sbuf_puts(&r->extra, ",\"stateDataCut\":true");
    }
    emit(r, &ev, ct);
}

/* Emits a simpledump chunk c[0..n) as a log event. */
static void parse_simpledump(reader *r, const uint8_t *c, size_t n)
{
    if (n < 84) {
        warnf(r, "%s: chunk@0x%llx entry %llu: simpledump too short",
              r->label, (unsigned long long)r->chunk_off,
              (unsigned long long)r->entry);
        return;
    }
    r->st.simpledump++;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    scratch_reset(r);
    fhctx f = {0};
    f.upper = rd64(c);
    f.lower = rd32(c + 8);
    f.cat = r->cat;
    f.pr = find_proc(r->cat, f.upper, f.lower);
    proc_fields(r, &ev, &f);
    uint8_t ltype = c[13];
    uint64_t ct = rd64(c + 16);
    ev.thread_id = rd64(c + 24);
    ev.sender_pc = rd64(c + 32);
    ev.has |= ST_HAS_THREAD | ST_HAS_SENDER_PC;
    st_uuid_format(c + 40, r->sender_s);
    ev.sender_uuid = (st_str){r->sender_s, 36};
    int why;
    const st_uuidtext *ut = st_ulcache_uuidtext(r->ctx->strings, c + 40, &why);
    if (ut)
        set_path(&ev, ut->image_path, 0);
    st_uuid_format(c + 56, r->aux_s);
    st_sbuf_printf(&r->extra, ",\"dscUUID\":\"%s\"", r->aux_s);
    uint32_t ssz = rd32(c + 76), msz = rd32(c + 80);
    size_t avail = n - 84;
    if (ssz > avail || msz > avail - ssz) {
        warnf(r, "%s: chunk@0x%llx entry %llu: simpledump strings (%u+%u "
              "bytes) exceed its %zu bytes; cut", r->label,
              (unsigned long long)r->chunk_off, (unsigned long long)r->entry,
              ssz, msz, avail);
        if (ssz > avail)
            ssz = (uint32_t)avail;
        if (msz > avail - ssz)
            msz = (uint32_t)(avail - ssz);
    }
    ev.subsystem = field_str(c + 84, ssz);
    ev.message = field_str(c + 84 + ssz, msz);
    ev.type = log_type_name(ltype);
    ev.event_type = ST_STR_LIT("logEvent");
    ev.trace_id = 0;
    ev.ttl = c[12];
    ev.has |= ST_HAS_TRACE | ST_HAS_TTL;
    sender_frame(r, ev.sender_pc);
    emit(r, &ev, ct);
}

/* ---- chunksets ----------------------------------------------------------- */

/* Decompresses a chunkset d[0..n) into r->dbuf; returns the decompressed
 * size, or -1 when the chunkset cannot be used at all (warned). */
static long decompress(reader *r, const uint8_t *d, size_t n)
{
    size_t pos = 0, out = 0;
    for (;;) {
        if (n - pos < 4) {
            warnf(r, "%s: chunkset at 0x%llx ends without its end marker",
                  r->label, (unsigned long long)r->chunk_off);
            return out ? (long)out : -1;
        }
        const uint8_t *m = d + pos;
        if (memcmp(m, "bv4$", 4) == 0)
            return (long)out;
        if (memcmp(m, "bv41", 4) == 0 || memcmp(m, "bv4-", 4) == 0) {
            int raw = m[3] == '-';
            size_t hdr = raw ? 8 : 12;
            if (n - pos < hdr) {
                warnf(r, "%s: chunkset at 0x%llx: block header cut",
                      r->label, (unsigned long long)r->chunk_off);
                return out ? (long)out : -1;
            }
            uint32_t usz = rd32(m + 4);
            uint32_t csz = raw ? usz : rd32(m + 8);
            /* LZ4 expands at most ~255 times: a larger claim is a lie,
             * refused before allocating for it */
            if (csz > n - pos - hdr || usz > ST_TV3_BLOCK_MAX - out ||
                (!raw && usz / 255 > csz + 16)) {
                warnf(r, "%s: chunkset at 0x%llx: block of %u bytes (%u "
                      "decompressed) does not fit; chunkset skipped",
                      r->label, (unsigned long long)r->chunk_off, csz, usz);
                return -1;
            }
            if (reserve(&r->dbuf, &r->dcap, out + usz + 1) < 0) {
                warnf(r, "%s: out of memory decompressing chunkset at 0x%llx",
                      r->label, (unsigned long long)r->chunk_off);
                return -1;
            }
            if (raw) {
                memcpy(r->dbuf + out, m + hdr, usz);
            } else {
                int k = LZ4_decompress_safe((const char *)m + hdr,
                                            (char *)r->dbuf + out, (int)csz,
                                            (int)usz);
                if (k < 0 || (uint32_t)k != usz) {
                    warnf(r, "%s: chunkset at 0x%llx: LZ4 block does not "
                          "decompress to its %u bytes (%d); chunkset "
                          "skipped", r->label,
                          (unsigned long long)r->chunk_off, usz, k);
                    return -1;
                }
            }
            out += usz;
            pos += hdr + csz;
            continue;
        }
        char tag[5];
        for (int i = 0; i < 4; i++)
            tag[i] = m[i] >= 0x20 && m[i] < 0x7f ? (char)m[i] : '?';
        tag[4] = 0;
        warnf(r, "%s: chunkset at 0x%llx: compression \"%s\" is not supported "
              "(LZ4 \"bv41\" is); %zu bytes skipped", r->label,
              (unsigned long long)r->chunk_off, tag, n - pos);
        return -1;
    }
}

/* Walks the chunks inside a decompressed chunkset. */
static void walk_chunkset(reader *r, const uint8_t *d, size_t n)
{
    size_t pos = 0;
    r->entry = 0;
    while (pos + 16 <= n && !r->stopped) {
        uint32_t tag = rd32(d + pos);
        uint64_t size = rd64(d + pos + 8);
        if (size > n - pos - 16) {
            warnf(r, "%s: chunkset at 0x%llx: chunk at +0x%zx claims %llu "
                  "bytes, %zu remain; rest of the chunkset skipped",
                  r->label, (unsigned long long)r->chunk_off, pos,
                  (unsigned long long)size, n - pos - 16);
            return;
        }
        const uint8_t *c = d + pos + 16;
        size_t cn = (size_t)size;
        if (r->prescan) {
            if (tag == TAG_OVERSIZE)
                parse_oversize(r, c, cn);
            pos += 16 + cn;
            pos += pad8(pos);
            continue;
        }
        switch (tag) {
        case TAG_FIREHOSE:
            parse_firehose(r, c, cn, pos);
            break;
        case TAG_OVERSIZE:
            parse_oversize(r, c, cn);
            r->entry++;
            break;
        case TAG_STATEDUMP:
            parse_statedump(r, c, cn);
            r->entry++;
            break;
        case TAG_SIMPLEDUMP:
            parse_simpledump(r, c, cn);
            r->entry++;
            break;
        default:
            warnf(r, "%s: chunkset at 0x%llx: unknown chunk tag 0x%x at "
                  "+0x%zx; skipped", r->label,
                  (unsigned long long)r->chunk_off, tag, pos);
            break;
        }
        pos += 16 + cn;
        pos += pad8(pos);
    }
}

/* ---- the file ------------------------------------------------------------ */

static void reader_free(reader *r)
{
    while (r->cat) {
        catalog *p = r->cat->prev;
        free_catalog(r->cat);
        r->cat = p;
    }
    while (r->ov) {
        oversize *o = r->ov->next;
        free(r->ov->buf);
        free(r->ov);
        r->ov = o;
    }
    while (r->pend) {
        pending *p = r->pend->next;
        free(r->pend->copy);
        free(r->pend);
        r->pend = p;
    }
    free(r->buf);
    free(r->dbuf);
    free(r->warned);
    st_sbuf_free(&r->msg);
    st_sbuf_free(&r->extra);
    st_sbuf_free(&r->bt);
    st_sbuf_free(&r->xj);
    st_sbuf_free(&r->loc);
}

/* Emits entries whose oversize data never came, oldest first. */
static void flush_pending(reader *r)
{
    /* the list is newest first: reverse it */
    pending *rev = NULL;
    while (r->pend) {
        pending *p = r->pend;
        r->pend = p->next;
        p->next = rev;
        rev = p;
    }
    if (rev)
        warnf(r, "%s: %zu entries reference oversize data absent from the "
              "file; kept with \"<decode: missing data>\" arguments",
              r->label, r->npend);
    while (rev) {
        pending *p = rev;
        rev = p->next;
        if (!r->stopped) {
            r->chunk_off = p->chunk_off;
            r->entry = p->entry;
            handle_tracepoint(r, &p->f, p->copy, p->tp_n, 1);
        }
        free(p->copy);
        free(p);
    }
    r->npend = 0;
}

/* Closing counts, as notes and (for losses of information) warnings. */
static void summary(reader *r)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->st.events);
    note(r, "records", buf);
    if (r->st.unresolved)
        warnf(r, "%s: %llu of %llu records have placeholder messages "
              "(format string not found)", r->label,
              (unsigned long long)r->st.unresolved,
              (unsigned long long)r->st.events);
    if (r->st.unknown_decoders)
        warnf(r, "%s: %llu records use format decoders sigtrail does not "
              "decode (raw values kept)", r->label,
              (unsigned long long)r->st.unknown_decoders);
    if (r->st.decode_problems)
        warnf(r, "%s: %llu records have missing or mismatched arguments",
              r->label, (unsigned long long)r->st.decode_problems);
    if (r->st.chunksets_skipped)
        warnf(r, "%s: %llu of %llu chunksets could not be read", r->label,
              (unsigned long long)r->st.chunksets_skipped,
              (unsigned long long)r->st.chunksets);
}

/* Reads the whole file through the reader's source. */
static int read_file(reader *r, char *err, size_t errlen)
{
    uint8_t pre[16];
    int rc = ST_READ_OK;
    /* timesync problems are said once, with the first file */
    if (!r->ctx->ts_reported && !r->prescan) {
        r->ctx->ts_reported = 1;
        for (size_t i = 0; i < r->ctx->ts_nmsgs && i < 8; i++)
            warnf(r, "timesync: %s", r->ctx->ts_msgs[i]);
        if (r->ctx->ts_nmsgs > 8)
            warnf(r, "timesync: %zu more problems", r->ctx->ts_nmsgs - 8);
    }
    for (;;) {
        if (r->stopped) {
            rc = ST_READ_STOPPED;
            break;
        }
        uint64_t at = r->off;
        long k = src_read(r, pre, 16);
        if (k < 0) {
            snprintf(err, errlen, "%s", r->in && st_input_error(r->in)
                                            ? st_input_error(r->in)
                                            : "read error");
            rc = ST_READ_INPUT_ERROR;
            break;
        }
        if (k == 0)
            break;
        if (k < 16) {
            if (!r->have_header) {
                snprintf(err, errlen, "not a tracev3 file (%ld bytes)", k);
                rc = ST_READ_REJECTED;
            } else {
                snprintf(err, errlen, "chunk header at 0x%llx cut after %ld "
                         "bytes", (unsigned long long)at, k);
                rc = ST_READ_INPUT_ERROR;
            }
            break;
        }
        uint32_t tag = rd32(pre), sub = rd32(pre + 4);
        uint64_t size = rd64(pre + 8);
        if (!r->have_header && (tag != TAG_HEADER || sub != 0x11 ||
                                size != 208)) {
            snprintf(err, errlen, "not a tracev3 file (first chunk tag 0x%x "
                     "subtag 0x%x size %llu; a header 0x1000/0x11/208 was "
                     "expected)", tag, sub, (unsigned long long)size);
            rc = ST_READ_REJECTED;
            break;
        }
        if (size > ST_TV3_CHUNK_MAX) {
            snprintf(err, errlen, "chunk at 0x%llx (tag 0x%x) claims %llu "
                     "bytes, more than the %u-byte limit; reading stopped",
                     (unsigned long long)at, tag, (unsigned long long)size,
                     ST_TV3_CHUNK_MAX);
            rc = ST_READ_INPUT_ERROR;
            break;
        }
        uint64_t left = src_left(r);
        if (size > left) {
            snprintf(err, errlen, "chunk at 0x%llx (tag 0x%x) claims %llu "
                     "bytes, only %llu remain: the file is cut or damaged",
                     (unsigned long long)at, tag, (unsigned long long)size,
                     (unsigned long long)left);
            rc = ST_READ_INPUT_ERROR;
            break;
        }
        if (reserve(&r->buf, &r->cap, (size_t)size + 8) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = ST_READ_INPUT_ERROR;
            break;
        }
        k = src_read(r, r->buf, (size_t)size);
        if (k < 0 || (uint64_t)k < size) {
            snprintf(err, errlen, "chunk at 0x%llx (tag 0x%x) cut: %ld of "
                     "%llu bytes", (unsigned long long)at, tag, k < 0 ? 0 : k,
                     (unsigned long long)size);
            rc = ST_READ_INPUT_ERROR;
            break;
        }
        r->chunk_off = at;
        switch (tag) {
        case TAG_HEADER:
            if (r->have_header) {
                warnf(r, "%s: second header chunk at 0x%llx ignored",
                      r->label, (unsigned long long)at);
                break;
            }
            if (parse_header(r, r->buf, (size_t)size, err, errlen) < 0)
                return ST_READ_REJECTED;
            break;
        case TAG_CATALOG:
            if (parse_catalog(r, r->buf, (size_t)size) < 0) {
                snprintf(err, errlen, "out of memory");
                return ST_READ_INPUT_ERROR;
            }
            break;
        case TAG_CHUNKSET: {
            r->st.chunksets++;
            long dn = decompress(r, r->buf, (size_t)size);
            if (dn < 0)
                r->st.chunksets_skipped++;
            else
                walk_chunkset(r, r->dbuf, (size_t)dn);
            break;
        }
        default:
            warnf(r, "%s: unexpected chunk tag 0x%x at 0x%llx; skipped",
                  r->label, tag, (unsigned long long)at);
            break;
        }
        /* 8-byte alignment between chunks */
        size_t pad = pad8((size_t)r->off);
        if (pad) {
            uint8_t z[8];
            if (src_read(r, z, pad) < (long)pad)
                break;
        }
    }
    if (r->have_header && !r->prescan) {
        flush_pending(r);
        summary(r);
    }
    if (r->stopped && rc == ST_READ_OK)
        rc = ST_READ_STOPPED;
    return rc;
}

/* Common setup of a reader. */
static void reader_init(reader *r, st_tv3_ctx *ctx, const char *label,
                        st_sink *sink)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->sink = sink;
    const char *base = label ? strrchr(label, '/') : NULL;
    snprintf(r->label, sizeof r->label, "%s",
             base ? base + 1 : label ? label : "tracev3");
}

/* Reads one tracev3 stream into the sink (see tracev3.h). */
int st_tv3_read(st_tv3_ctx *ctx, st_input *in, const char *label,
                st_sink *sink, char *err, size_t errlen)
{
    reader *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return ST_READ_INPUT_ERROR;
    }
    reader_init(r, ctx, label ? label : st_input_name(in), sink);
    r->in = in;
    int rc = read_file(r, err, errlen);
    ctx->last = r->st;
    reader_free(r);
    free(r);
    return rc;
}

/* Reads one tracev3 file held in memory into the sink. */
int st_tv3_read_mem(st_tv3_ctx *ctx, const uint8_t *p, size_t n,
                    const char *label, st_sink *sink, char *err,
                    size_t errlen)
{
    reader *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return ST_READ_INPUT_ERROR;
    }
    reader_init(r, ctx, label, sink);
    r->mem = p;
    r->mem_n = n;
    int rc = read_file(r, err, errlen);
    ctx->last = r->st;
    reader_free(r);
    free(r);
    return rc;
}

/* Sink callbacks of the oversize pre-scan: everything is dropped. */
static int quiet_event(void *c, const st_event *ev)
{
    (void)c;
    (void)ev;
    return 0;
}
/* Drops a warning (pre-scan). */
static void quiet_warn(void *c, int64_t line, const char *msg)
{
    (void)c;
    (void)line;
    (void)msg;
}
/* Drops a note (pre-scan). */
static void quiet_note(void *c, const char *k, const char *v)
{
    (void)c;
    (void)k;
    (void)v;
}

/* Collects a file's oversize chunks, in file order (see tracev3.h). */
st_tv3_ovset *st_tv3_prescan_collect(st_tv3_ctx *ctx, int fd, uint64_t n,
                                     size_t *collected, size_t limit)
{
    st_tv3_ovset *set = calloc(1, sizeof *set);
    reader *r = malloc(sizeof *r);
    if (!set || !r) {
        free(set);
        free(r);
        return NULL;
    }
    set->tail = &set->head;
    set->collected = collected;
    st_sink quiet = {NULL, quiet_event, quiet_warn, quiet_note, NULL, NULL};
    reader_init(r, ctx, "prescan", &quiet);
    r->fd_src = 1;
    r->fd = fd;
    r->mem_n = (size_t)n;
    r->prescan = 1;
    r->collect = set;
    r->collected = collected;
    r->collect_max = limit;
    char err[256];
    read_file(r, err, sizeof err);
    reader_free(r);
    free(r);
    return set;
}

int st_tv3_ovset_complete(const st_tv3_ovset *set)
{
    return set && !set->incomplete;
}

/* The same choice as a sequential prescan makes (parse_oversize): over
 * the limit, or a duplicate of what the context holds, is dropped. */
long st_tv3_prescan_merge(st_tv3_ctx *ctx, st_tv3_ovset *set)
{
    long kept = 0;
    if (set && set->collected)
        __atomic_sub_fetch(set->collected, set->bytes, __ATOMIC_RELAXED);
    oversize *o = set ? set->head : NULL;
    while (o) {
        oversize *next = o->next;
        size_t sz = o->vals_n + o->items_n + 2 + o->priv_n;
        int over = ctx->ov_bytes + sz > OV_STORE_MAX;
        int dup = 0;
        for (oversize *c = ctx->ovtab[ov_hash(o->upper, o->lower, o->ref)];
             c && !dup && !over; c = c->next)
            dup = c->upper == o->upper && c->lower == o->lower &&
                  c->ref == o->ref && memcmp(c->boot, o->boot, 16) == 0;
        if (over || dup) {
            ctx->ov_dropped += over;
            free(o->buf);
            free(o);
        } else {
            unsigned h = ov_hash(o->upper, o->lower, o->ref);
            o->next = ctx->ovtab[h];
            ctx->ovtab[h] = o;
            ctx->ov_bytes += sz;
            ctx->ov_count++;
            kept++;
        }
        o = next;
    }
    free(set);
    return kept;
}

void st_tv3_ovset_free(st_tv3_ovset *set)
{
    if (!set)
        return;
    if (set->collected)
        __atomic_sub_fetch(set->collected, set->bytes, __ATOMIC_RELAXED);
    while (set->head) {
        oversize *o = set->head->next;
        free(set->head->buf);
        free(set->head);
        set->head = o;
    }
    free(set);
}
