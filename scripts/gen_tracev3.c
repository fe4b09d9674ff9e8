/*
 * gen_tracev3.c -- writes a synthetic but format-faithful binary unified log
 * and the same events as a `log show` default-style text export, so the
 * tracev3 reader can be checked field by field against the text reader.
 *
 *   gen_tracev3 OUTDIR
 *
 * Files written (OUTDIR):
 *   system_logs.logarchive/            the layout `log collect` writes
 *     Persist/0000000000000001.tracev3   two catalogs: day-1 events (first
 *                                        launch, every message decoder,
 *                                        private data, trace, loss,
 *                                        oversize joins) and day-2 events
 *                                        (a tolerated and a blocked launch)
 *     Special/0000000000000002.tracev3   simpledump, statedumps (text and
 *                                        plist), a TTL record, and the
 *                                        oversize data of a Persist record
 *     Signpost/0000000000000003.tracev3  signposts (stream 4) in a stored
 *                                        ("bv4-") chunkset
 *     timesync/0000000000000001.timesync boot record + two sync records, the
 *                                        second after a +250 ms clock step
 *     XX/<30 hex digits>                 uuidtext files: format strings and
 *                                        image path of each binary
 *     dsc/<32 hex digits>                a shared-cache strings file, v2
 *   logshow.txt      the same events as `log show` prints them (default
 *                    style: header, record lines, trailer with counts)
 *   expect.sql       what only the binary form carries, per event (keyed by
 *                    time_us): event type, format string, image UUIDs and
 *                    paths, program counter, trace id, Mach time, backtrace,
 *                    and the extra_json values the reader must produce
 *   images.tsv       name, UUID, path and uuidtext file of every image
 *
 * Every byte is laid down here from the format descriptions -- libyal
 * dtformats, "Apple Unified Logging and Activity Tracing formats" (chunk,
 * catalog, firehose, oversize, statedump, simpledump, timesync, uuidtext
 * and dsc layouts) and the structure of the real files in
 * shared/corpus/libyal_dtformats_unified_logging (item headers, padding,
 * backtrace index padding, 4112-byte full firehose chunks) -- without
 * calling any of sigtrail's parsers, so the reader is checked against an
 * independent writer.  The expected messages are written out by hand, as
 * `log show` renders them, not computed by sigtrail's renderer.
 *
 * Deterministic: the same OUTDIR contents on every run.
 */
#include <errno.h>
#include <lz4.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- byte buffers ------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

/* Stops the tool with a message: it is a test helper, a failure must be
 * loud and the output folder is then not to be trusted. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                     noreturn));
/* (definition) prints "gen_tracev3: message" and exits with status 1. */
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_tracev3: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Appends n bytes (s may be NULL: zeros). */
static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n)
            c *= 2;
        uint8_t *np = realloc(b->p, c);
        if (!np)
            die("out of memory");
        b->p = np;
        b->cap = c;
    }
    if (s)
        memcpy(b->p + b->n, s, n);
    else
        memset(b->p + b->n, 0, n);
    b->n += n;
}

/* Little-endian integers of each width (the formats are all LE). */
static void put8(buf *b, uint8_t v) { put(b, &v, 1); }
/* Appends a little-endian u16. */
static void put16(buf *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, t, 2);
}
/* Appends a little-endian u32. */
static void put32(buf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    put(b, t, 4);
}
/* Appends a little-endian u64. */
static void put64(buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}
/* Appends the low `size` bytes of v, little-endian (item values). */
static void putn(buf *b, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        put8(b, (uint8_t)(v >> (8 * i)));
}
/* Overwrites a little-endian u16 at off (patching a field later). */
static void set16(buf *b, size_t off, uint16_t v)
{
    b->p[off] = (uint8_t)v;
    b->p[off + 1] = (uint8_t)(v >> 8);
}
/* Appends zeros up to the next multiple of 8 counted from `from`. */
static void pad8_from(buf *b, size_t from)
{
    while ((b->n - from) & 7)
        put8(b, 0);
}
/* Appends s NUL-padded to exactly `width` bytes (fixed string fields). */
static void put_fixed(buf *b, const char *s, size_t width)
{
    size_t l = strlen(s);
    if (l >= width)
        die("'%s' does not fit a %zu-byte field", s, width);
    put(b, s, l);
    put(b, NULL, width - l);
}
/* Appends a C string with its NUL. */
static void put_cstr(buf *b, const char *s) { put(b, s, strlen(s) + 1); }

/* A malloc'd copy of a printf result. */
static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        die("out of memory");
    va_end(ap);
    return s;
}

/* ---- UUIDs --------------------------------------------------------------- */

/* Parses "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (UUIDs are stored
 * big-endian, i.e. in text order, in every unified-log file). */
static void uuid_parse(const char *s, uint8_t out[16])
{
    int k = 0;
    for (const char *c = s; *c && k < 32; c++) {
        if (*c == '-')
            continue;
        int v = *c >= '0' && *c <= '9' ? *c - '0' : (*c | 32) - 'a' + 10;
        if (k & 1)
            out[k / 2] |= (uint8_t)v;
        else
            out[k / 2] = (uint8_t)(v << 4);
        k++;
    }
    if (k != 32)
        die("bad UUID %s", s);
}

/* Upper-case hyphenated text of a UUID, as log prints it. */
static void uuid_text(const uint8_t u[16], char out[37])
{
    static const char hx[] = "0123456789ABCDEF";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hx[u[i] >> 4];
        out[k++] = hx[u[i] & 15];
    }
    out[k] = 0;
}

/* ---- time ---------------------------------------------------------------- */

/* Mach timebase of the synthetic machine: 125/3 ns per tick (Apple
 * silicon, as in the corpus file 0000000000000f85.tracev3), so every
 * conversion has a remainder to floor. */
#define NUMER 125u
#define DENOM 3u
#define TZ_MIN 480                     /* minutes west: -0800 */
/* Boot at 2026-11-19 16:00:00 UTC (08:00 local). */
#define BOOT_NS (1795104000LL * 1000000000LL)

/* A timesync anchor: continuous time `ct` is wall clock `wall` (ns). */
typedef struct anchor {
    uint64_t ct;
    int64_t wall;
} anchor;

/* The boot record (ct 0) and the sync records: after 10 s, and after 20 h
 * where the clock was stepped forward 250 ms (an NTP correction), so the
 * reader must use the latest anchor at or before each record. */
static anchor anchors[3];
static const size_t nanchors = 3;

/* Sets the anchors from the constants above. */
static void anchors_init(void)
{
    anchors[0] = (anchor){0, BOOT_NS};
    uint64_t t10 = 10ull * 1000000000ull * DENOM / NUMER;
    anchors[1] = (anchor){t10, BOOT_NS + 10000000000LL + 123456};
    uint64_t t20 = 72000ull * 1000000000ull * DENOM / NUMER;
    anchors[2] = (anchor){t20, BOOT_NS + 72000000000000LL + 250000000};
}

/* Wall clock (ns since 1970 UTC) of a continuous time: the latest anchor at
 * or before it, plus floor(delta * numer / denom). */
static int64_t wall_of(uint64_t ct)
{
    const anchor *a = &anchors[0];
    for (size_t i = 0; i < nanchors; i++)
        if (anchors[i].ct <= ct)
            a = &anchors[i];
    unsigned __int128 d = (unsigned __int128)(ct - a->ct) * NUMER / DENOM;
    return a->wall + (int64_t)d;
}

/* The continuous time whose wall clock is at least `us` microseconds (UTC)
 * plus 500 ns, and still inside that microsecond: the anchor in force is
 * the one before the wanted time. */
static uint64_t ct_at_us(int64_t us)
{
    int64_t want = us * 1000 + 500;
    const anchor *a = &anchors[0];
    for (size_t i = 0; i < nanchors; i++)
        if (anchors[i].wall <= want)
            a = &anchors[i];
    unsigned __int128 d = (unsigned __int128)(want - a->wall) * DENOM;
    uint64_t ticks = (uint64_t)((d + NUMER - 1) / NUMER);
    uint64_t ct = a->ct + ticks;
    int64_t got = wall_of(ct);
    if (got / 1000 != us)
        die("time %lld us cannot be hit (got %lld ns)", (long long)us,
            (long long)got);
    return ct;
}

/* UTC microseconds of a local (-0800) time on November `day`, 2026. */
static int64_t local_us(int day, int h, int m, int s, int us)
{
    struct tm tm = {0};
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 10;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    int64_t sec = (int64_t)timegm(&tm) + TZ_MIN * 60;
    return sec * 1000000 + us;
}

/* ---- images (uuidtext files and shared-cache images) ------------------- */

typedef struct image {
    const char *key, *uuid_s, *path;
    int dsc;                           /* 1: an image of the shared cache */
    uint64_t text_off;                 /* shared cache: where its text is */
    uint32_t text_size;
    uint64_t base[2];                  /* first reference of each range */
    int nranges;
    buf strs[2];                       /* the ranges' strings */
    int next;                          /* range the next string goes to */
    uint8_t uuid[16];
    char uuid_t[37];
} image;

enum {
    IM_KERNEL, IM_AMFI, IM_ASP, IM_AMFID, IM_LSD, IM_RBD, IM_FINDER,
    IM_DELIGHTED, IM_LAUNCHD, IM_LOGDEMO, IM_SECURITY, IM_LAUNCHSVC,
    IM_DSC, IM_COUNT
};

/* Made-up but fixed UUIDs; uuidtext images get two string ranges (their
 * files then have two entries), shared-cache images one range inside
 * their text.  LaunchServices sits above 4 GiB in the cache, as in the
 * large caches of macOS 13 and later (reached with large_shared_cache). */
static image images[IM_COUNT] = {
    [IM_KERNEL] = {"kernel", "5D1C2A8E-3F4B-3C7A-9E21-6B0D4F8A1C01",
                   "/System/Library/Kernels/kernel", 0, 0, 0,
                   {0x3a10, 0x9c40}, 2, {{0}}, 0, {0}, ""},
    [IM_AMFI] = {"AppleMobileFileIntegrity",
                 "7A4E8B21-0C9D-3E5F-A1B2-C3D4E5F60702",
                 "/System/Library/Extensions/AppleMobileFileIntegrity.kext/"
                 "Contents/MacOS/AppleMobileFileIntegrity", 0, 0, 0,
                 {0x2200, 0x6600}, 2, {{0}}, 0, {0}, ""},
    [IM_ASP] = {"AppleSystemPolicy", "8B5F9C32-1DAE-3F60-B2C3-D4E5F6071803",
                "/System/Library/Extensions/AppleSystemPolicy.kext/Contents/"
                "MacOS/AppleSystemPolicy", 0, 0, 0, {0x1800, 0x5000}, 2,
                {{0}}, 0, {0}, ""},
    [IM_AMFID] = {"amfid", "9C60AD43-2EBF-3071-C3D4-E5F607182904",
                  "/usr/libexec/amfid", 0, 0, 0, {0x4100, 0x8e00}, 2, {{0}},
                  0, {0}, ""},
    [IM_LSD] = {"lsd", "AD71BE54-3FC0-3182-D4E5-F60718293A05",
                "/usr/libexec/lsd", 0, 0, 0, {0x2f00, 0x7300}, 2, {{0}}, 0,
                {0}, ""},
    [IM_RBD] = {"runningboardd", "BE82CF65-40D1-3293-E5F6-0718293A4B06",
                "/usr/libexec/runningboardd", 0, 0, 0, {0x5a00, 0xb100}, 2,
                {{0}}, 0, {0}, ""},
    [IM_FINDER] = {"Finder", "CF93D076-51E2-33A4-F607-18293A4B5C07",
                   "/System/Library/CoreServices/Finder.app/Contents/MacOS/"
                   "Finder", 0, 0, 0, {0x6c00, 0xd200}, 2, {{0}}, 0, {0}, ""},
    [IM_DELIGHTED] = {"DelightEd", "D0A4E187-62F3-34B5-0718-293A4B5C6D08",
                      "/Applications/DelightEd.app/Contents/MacOS/DelightEd",
                      0, 0, 0, {0x1c00, 0x4800}, 2, {{0}}, 0, {0}, ""},
    [IM_LAUNCHD] = {"launchd", "E1B5F298-7304-35C6-1829-3A4B5C6D7E09",
                    "/sbin/launchd", 0, 0, 0, {0x7700, 0xe000}, 2, {{0}}, 0,
                    {0}, ""},
    [IM_LOGDEMO] = {"logdemo", "F2C603A9-8415-36D7-293A-4B5C6D7E8F0A",
                    "/usr/local/bin/logdemo", 0, 0, 0, {0x3000, 0x9000}, 2,
                    {{0}}, 0, {0}, ""},
    [IM_SECURITY] = {"Security", "03D714BA-9526-37E8-3A4B-5C6D7E8F900B",
                     "/System/Library/Frameworks/Security.framework/Versions/"
                     "A/Security", 1, 0x10000000, 0x800000, {0x107f0000, 0},
                     1, {{0}}, 0, {0}, ""},
    [IM_LAUNCHSVC] = {"LaunchServices",
                      "14E825CB-A637-38F9-4B5C-6D7E8F90A10C",
                      "/System/Library/Frameworks/CoreServices.framework/"
                      "Versions/A/Frameworks/LaunchServices.framework/"
                      "Versions/A/LaunchServices", 1, 0x120000000ull,
                      0x400000, {0x1203f0000ull, 0}, 1, {{0}}, 0, {0}, ""},
    [IM_DSC] = {"dsc", "25F936DC-B748-390A-5C6D-7E8F90A1B20D", NULL, 0, 0,
                0, {0, 0}, 0, {{0}}, 0, {0}, ""},
};

#define BOOT_UUID "36FA47ED-C859-4A1B-8D7E-8F90A1B2C30E"
static uint8_t boot_uuid[16];

/* Puts a format string in the image's strings and returns its reference
 * (the address the tracepoint names). */
static uint64_t str_ref(image *im, const char *s)
{
    if (!im->nranges)
        die("image %s holds no strings", im->key);
    /* a format string used by several records is stored once */
    for (int k = 0; k < im->nranges; k++)
        for (size_t off = 0; off < im->strs[k].n;) {
            const char *q = (const char *)im->strs[k].p + off;
            if (strcmp(q, s) == 0)
                return im->base[k] + off;
            off += strlen(q) + 1;
        }
    int r = im->next++ % im->nranges;
    uint64_t ref = im->base[r] + im->strs[r].n;
    put_cstr(&im->strs[r], s);
    return ref;
}

/* ---- processes ----------------------------------------------------------- */

typedef struct subsys {
    uint16_t id;
    const char *sub, *cat;
} subsys;

typedef struct proc {
    const char *key;
    uint64_t upper;                    /* proc_id upper@lower */
    uint32_t lower;
    uint32_t pid, euid;
    int main;                          /* image index */
    int dsc;                           /* maps the shared cache */
    int kext;                          /* -1, or an image loaded at kext_load */
    uint64_t kext_load;
    uint32_t kext_size;
    subsys subs[4];
} proc;

enum {
    P_KERNEL, P_AMFID, P_LSD, P_RBD, P_FINDER, P_APP1, P_APP2, P_LAUNCHD,
    P_LOGDEMO, P_COUNT
};

/* The processes of the incident (pids as in fixtures/scenarios) and a demo
 * program that logs one message per decoder.  The kernel maps the AMFI
 * kext at a kernel address (48 bits kept: 0xff80_0123_4000), reached by
 * "absolute" records; the two DelightEd runs are two processes. */
static proc procs[P_COUNT] = {
    [P_KERNEL] = {"kernel", 0x10000, 0x20000, 0, 0, IM_KERNEL, 0, IM_AMFI,
                  0xff8001234000ull, 0x100000, {{0}}},
    [P_AMFID] = {"amfid", 0x12a5e, 0x24bb2, 2718, 0, IM_AMFID, 1, -1, 0, 0,
                 {{1, "com.apple.MobileFileIntegrity", "amfid"},
                  {2, "com.apple.MobileFileIntegrity.framework", "error"},
                  {3, "com.apple.securityd", "security_exception"}}},
    [P_LSD] = {"lsd", 0x1012d, 0x2083b, 301, 501, IM_LSD, 1, -1, 0, 0,
               {{1, "com.apple.securityd", "security_exception"},
                {2, "com.apple.launchservices", "code-signing"}}},
    [P_RBD] = {"runningboardd", 0x101ef, 0x20483, 165, 0, IM_RBD, 0, -1, 0, 0,
               {{1, "com.apple.runningboard", "job"},
                {2, "com.apple.runningboard", "process"}}},
    [P_FINDER] = {"Finder", 0x10484, 0x20a9c, 388, 501, IM_FINDER, 1, -1, 0,
                  0, {{1, "com.apple.processmanager", "front-35286506"}}},
    [P_APP1] = {"DelightEd", 0x115d2, 0x236a2, 1990, 501, IM_DELIGHTED, 0, -1,
                0, 0, {{1, "com.delighted.DelightEd", "app"}}},
    [P_APP2] = {"DelightEd", 0x11f86, 0x24c4a, 2690, 501, IM_DELIGHTED, 0, -1,
                0, 0, {{1, "com.delighted.DelightEd", "app"}}},
    [P_LAUNCHD] = {"launchd", 0x10003, 0x20007, 1, 0, IM_LAUNCHD, 0, -1, 0, 0,
                   {{0}}},
    [P_LOGDEMO] = {"logdemo", 0x13039, 0x26073, 4242, 501, IM_LOGDEMO, 0, -1,
                   0, 0,
                   {{1, "org.sigtrail.synth", "decoders"},
                    {2, "org.sigtrail.synth", ""},
                    {3, "org.sigtrail.synth", "privacy"}}},
};

/* The subsystem entry `id` of a process (dies when absent: a typo). */
static const subsys *proc_sub(const proc *p, uint16_t id)
{
    for (int i = 0; i < 4; i++)
        if (p->subs[i].id == id && p->subs[i].sub)
            return &p->subs[i];
    die("process %s has no subsystem %u", p->key, id);
}

/* ---- what each event must look like (text twin and expectations) ------ */

typedef struct xval {                  /* one expected extra_json value */
    const char *path;
    char *json;                        /* the value as JSON text */
} xval;

typedef struct tev {
    int64_t us, ns;
    uint64_t ct;
    uint64_t tid;
    const char *type, *event_type;
    uint64_t aid;
    int has_parent;
    uint64_t parent;
    const proc *p;
    int ttl;
    const char *sender, *sender_path;
    char sender_uuid[37];
    int has_pc;
    uint64_t pc;
    const char *subsystem, *category;
    char *message, *format;
    int has_spid;
    uint64_t spid;
    const char *scope, *sptype, *spname;
    int64_t trace_id;
    char *backtrace;
    xval x[8];
    int nx;
    int seq;
} tev;

static tev *tevs;
static size_t ntevs, tevcap;

/* A new expectation, zeroed, in creation order. */
static tev *tev_new(void)
{
    if (ntevs == tevcap) {
        tevcap = tevcap ? tevcap * 2 : 128;
        tevs = realloc(tevs, tevcap * sizeof *tevs);
        if (!tevs)
            die("out of memory");
    }
    tev *t = &tevs[ntevs];
    memset(t, 0, sizeof *t);
    t->seq = (int)ntevs++;
    return t;
}

/* Adds an expected extra_json value: the string s (plain characters, no
 * escapes needed), or when s is NULL the number v (unsigned when `u`). */
static void tev_xv(tev *t, const char *path, const char *s, long long v,
                   int u)
{
    if (t->nx == 8)
        die("too many extra values");
    char *j = s ? xprintf("\"%s\"", s)
              : u ? xprintf("%llu", (unsigned long long)v)
                  : xprintf("%lld", v);
    t->x[t->nx++] = (xval){path, j};
}
#define tev_x(t, path, s, v) tev_xv(t, path, s, v, 0)

/* ---- tracev3 structure: files, catalogs, chunksets, chunks ------------- */

/* A tracepoint waiting for its firehose chunk to be laid out. */
typedef struct tpoint {
    uint64_t ct;
    uint8_t rtype, ltype;
    uint16_t flags;
    uint32_t fmt;
    uint64_t tid;
    buf data;                          /* flag-dependent fields and items */
    buf priv;                          /* its private data (may be empty) */
    size_t priv_field;                 /* where the private range goes */
} tpoint;

typedef struct fhchunk {
    const proc *p;
    int collapsed;                     /* 0: laid out as the full 4 KiB */
    tpoint *tp;
    size_t ntp, cap;
} fhchunk;

/* One chunk of a chunkset: a firehose chunk being filled, or finished
 * bytes (oversize, statedump, simpledump) with their tag. */
typedef struct inner {
    fhchunk *fh;
    uint32_t tag;
    buf bytes;
    uint64_t ct;
    const proc *p;
} inner;

typedef struct chunkset {
    inner *in;
    size_t nin, cap;
    int stored;                        /* "bv4-" instead of LZ4 */
    fhchunk *open[P_COUNT];            /* chunk the next record of p joins */
} chunkset;

typedef struct segment {
    const proc *procs[P_COUNT];        /* its catalog's process entries */
    size_t nprocs;
    chunkset *cs[8];
    size_t ncs;
} segment;

typedef struct tv3file {
    const char *rel;
    uint8_t stream;                    /* firehose stream type */
    segment *seg[4];
    size_t nseg;
} tv3file;

static tv3file files[3] = {
    {"Persist/0000000000000001.tracev3", 0, {0}, 0},
    {"Special/0000000000000002.tracev3", 1, {0}, 0},
    {"Signpost/0000000000000003.tracev3", 4, {0}, 0},
};
static tv3file *cur_file;

/* Oversize chunks whose entry is in one file and whose data goes to
 * another (Special holds oversize data of Persist records). */
static inner elsewhere[8];
static size_t nelsewhere;

/* Starts writing into file f. */
static void file_begin(int f) { cur_file = &files[f]; }

/* Starts a new catalog in the current file, listing the given processes
 * (terminated by -1); the chunksets that follow belong to it. */
static void seg_begin(const int *pl)
{
    if (cur_file->nseg == 4)
        die("too many catalogs");
    segment *s = calloc(1, sizeof *s);
    if (!s)
        die("out of memory");
    for (; *pl >= 0; pl++)
        s->procs[s->nprocs++] = &procs[*pl];
    cur_file->seg[cur_file->nseg++] = s;
}

/* Starts a new chunkset in the current catalog (stored: no compression). */
static void cs_begin(int stored)
{
    segment *s = cur_file->seg[cur_file->nseg - 1];
    if (s->ncs == 8)
        die("too many chunksets");
    chunkset *c = calloc(1, sizeof *c);
    if (!c)
        die("out of memory");
    c->stored = stored;
    s->cs[s->ncs++] = c;
}

/* The current chunkset. */
static chunkset *cur_cs(void)
{
    segment *s = cur_file->seg[cur_file->nseg - 1];
    return s->cs[s->ncs - 1];
}

/* Checks that p is in the current catalog (a record of a process the
 * catalog does not list would be a generator bug). */
static void check_in_catalog(const proc *p)
{
    segment *s = cur_file->seg[cur_file->nseg - 1];
    for (size_t i = 0; i < s->nprocs; i++)
        if (s->procs[i] == p)
            return;
    die("process %s is not in the current catalog", p->key);
}

/* Appends an inner chunk slot to the current chunkset. */
static inner *cs_add(void)
{
    chunkset *c = cur_cs();
    if (c->nin == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->in = realloc(c->in, c->cap * sizeof *c->in);
        if (!c->in)
            die("out of memory");
    }
    inner *i = &c->in[c->nin++];
    memset(i, 0, sizeof *i);
    return i;
}

/* Ends p's firehose chunk in the current chunkset: its next record starts
 * a new one (placed after whatever was added in between). */
static void fh_break(const proc *p) { cur_cs()->open[p - procs] = NULL; }

/* The firehose chunk p's next record joins (created in place when none is
 * open). */
static fhchunk *fh_for(const proc *p, int collapsed)
{
    chunkset *c = cur_cs();
    check_in_catalog(p);
    fhchunk *f = c->open[p - procs];
    if (!f) {
        f = calloc(1, sizeof *f);
        if (!f)
            die("out of memory");
        f->p = p;
        f->collapsed = collapsed;
        inner *i = cs_add();
        i->fh = f;
        i->tag = 0x6001;
        i->p = p;
        c->open[p - procs] = f;
    }
    return f;
}

/* Appends a tracepoint to a firehose chunk and returns it. */
static tpoint *fh_add(fhchunk *f)
{
    if (f->ntp == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->tp = realloc(f->tp, f->cap * sizeof *f->tp);
        if (!f->tp)
            die("out of memory");
    }
    tpoint *t = &f->tp[f->ntp++];
    memset(t, 0, sizeof *t);
    return t;
}

/* ---- argument items ------------------------------------------------------ */

enum { W_INLINE, W_VALUES, W_PRIVATE, W_NONE };

/* One argument of a record, as os_log records it: an item descriptor
 * {type, size, data}; data is the value itself (scalars, counts) or a
 * {offset u16, size u16} range into the values data or the private data.
 * A redacted value (W_NONE) keeps the recorded size n (0, or 0x8000 for
 * numbers) with offset 0.  size 0 ends a list. */
typedef struct arg {
    uint8_t type, size;
    uint64_t v;
    const void *p;
    size_t n;
    int where;
} arg;

#define A_INT(t, sz, x) {(t), (sz), (uint64_t)(x), NULL, 0, W_INLINE}
#define A_I32(x) A_INT(0x00, 4, (uint32_t)(int32_t)(x))
#define A_U32(x) A_INT(0x00, 4, (uint32_t)(x))
#define A_I64(x) A_INT(0x00, 8, (uint64_t)(int64_t)(x))
#define A_U64(x) A_INT(0x00, 8, (uint64_t)(x))
#define A_COUNT(x) A_INT(0x12, 4, (x))     /* string / data precision */
#define A_ICOUNT(x) A_INT(0x10, 4, (x))    /* integer width / precision */
#define A_STR(s) {0x22, 4, 0, (s), strlen(s) + 1, W_VALUES}
#define A_KSTR(s) {0x20, 4, 0, (s), strlen(s) + 1, W_VALUES}
#define A_NULLSTR {0x22, 4, 0, NULL, 0, W_VALUES}
#define A_OBJ(s) {0x42, 4, 0, (s), strlen(s) + 1, W_VALUES}
#define A_NULLOBJ {0x42, 4, 0, NULL, 0, W_VALUES}
#define A_DATA(d, len) {0x32, 4, 0, (d), (len), W_VALUES}
#define A_HASH(d, len) {0xf2, 4, 0, (d), (len), W_VALUES}
#define A_RED_STR {0x21, 4, 0, NULL, 0, W_NONE}
#define A_RED_NUM {0x01, 4, 0, NULL, 0x8000, W_NONE}
#define A_SENS {0x25, 4, 0, NULL, 0, W_NONE}
#define A_PSTR(s) {0x21, 4, 0, (s), strlen(s) + 1, W_PRIVATE}
#define A_PNUM(x) {0x01, 4, (uint32_t)(x), NULL, 4, W_PRIVATE}

/* The bits of a double, for an 8-byte float item (floats are promoted to
 * double in a variadic call, so os_log records 8 bytes). */
static uint64_t dbl_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}
#define A_DBL(x) A_INT(0x00, 8, dbl_bits(x))

/* Lays out the items of `a` (up to size 0): descriptors into `items`,
 * range bytes appended to `vals` (offsets relative to its start, so a
 * backtrace already in it comes first) and to `priv` (offsets relative to
 * the record's own private data).  Returns the number of items. */
static unsigned build_items(const arg *a, buf *items, buf *vals, buf *priv)
{
    unsigned k = 0;
    for (; a[k].size; k++) {
        const arg *x = &a[k];
        put8(items, x->type);
        put8(items, x->size);
        switch (x->where) {
        case W_INLINE:
            putn(items, x->v, x->size);
            break;
        case W_VALUES:
            put16(items, (uint16_t)(x->n ? vals->n : 0));
            put16(items, (uint16_t)x->n);
            put(vals, x->p, x->n);
            break;
        case W_PRIVATE:
            put16(items, (uint16_t)priv->n);
            put16(items, (uint16_t)x->n);
            if (x->p)
                put(priv, x->p, x->n);
            else
                putn(priv, x->v, (unsigned)x->n);
            break;
        default:                       /* redacted: nothing recorded */
            put16(items, 0);
            put16(items, (uint16_t)x->n);
            break;
        }
    }
    return k;
}

/* True when an argument list puts anything in the private data. */
static int has_private(const arg *a)
{
    for (; a->size; a++)
        if (a->where == W_PRIVATE)
            return 1;
    return 0;
}

/* ---- backtraces ---------------------------------------------------------- */

typedef struct frame {
    int image;
    uint32_t off;
} frame;

/* Builds the backtrace data of a has_context_data record: 01 00 12, the
 * number of UUIDs (u8) and frames (u16), the UUIDs, one u32 offset and one
 * u8 UUID index per frame, the index array padded to a multiple of 4 (as
 * in the corpus file 0000000000000f85.tracev3); and the JSON log gives it. */
static void bt_build(const frame *fr, int n, buf *out, char **json)
{
    int ids[8], nid = 0;
    uint8_t idx[16];
    for (int i = 0; i < n; i++) {
        int j;
        for (j = 0; j < nid && ids[j] != fr[i].image; j++)
            ;
        if (j == nid)
            ids[nid++] = fr[i].image;
        idx[i] = (uint8_t)j;
    }
    put8(out, 1);
    put8(out, 0);
    put8(out, 0x12);
    put8(out, (uint8_t)nid);
    put16(out, (uint16_t)n);
    for (int j = 0; j < nid; j++)
        put(out, images[ids[j]].uuid, 16);
    for (int i = 0; i < n; i++)
        put32(out, fr[i].off);
    put(out, idx, (size_t)n);
    for (int i = n; i & 3; i++)
        put8(out, 0);
    buf j = {0};
    put(&j, "{\"frames\":[", 11);
    for (int i = 0; i < n; i++) {
        char *f = xprintf("%s{\"imageOffset\":%u,\"imageUUID\":\"%s\"}",
                          i ? "," : "", fr[i].off, images[fr[i].image].uuid_t);
        put(&j, f, strlen(f));
        free(f);
    }
    put(&j, "]}", 3);
    *json = (char *)j.p;
}

/* The one-frame backtrace log shows for a record without recorded frames:
 * the sender image and the program counter in it. */
static char *sender_frame(uint64_t pc, const char *uuid)
{
    return xprintf("{\"frames\":[{\"imageOffset\":%llu,\"imageUUID\":\"%s\"}]}",
                   (unsigned long long)pc, uuid);
}

/* ---- firehose records ---------------------------------------------------- */

enum { SFT_MAIN = 0x2, SFT_DSC = 0x4, SFT_ABS = 0x8, SFT_UUID = 0xa,
       SFT_LDSC = 0xc };
enum { OV_NONE, OV_BEFORE, OV_AFTER, OV_ELSEWHERE };
enum { LT_DEFAULT = 0x00, LT_INFO = 0x01, LT_DEBUG = 0x02, LT_ERROR = 0x10,
       LT_FAULT = 0x11 };

/* One firehose record to write (log, signpost, activity, trace, loss) and
 * what log shows for it. */
typedef struct rec {
    int p;                             /* process */
    int64_t us;                        /* wall clock, UTC microseconds */
    int rt;                            /* record type; 0 means 4 (log) */
    uint8_t lt;                        /* log type byte */
    uint64_t tid;
    int sft;                           /* strings file type; 0: main_exe */
    int img;                           /* uuid_relative / dsc image */
    uint32_t pc;                       /* program counter in the image */
    uint64_t aid;                      /* current activity id (bit 63 set) */
    uint16_t sub;                      /* subsystem id, 0: none */
    int ttl;                           /* > 0: has_rules with this TTL */
    int dyn;                           /* dynamic "%s" format */
    const char *fmt;
    arg args[20];
    const char *msg;                   /* the message log shows */
    const char *undecoded;             /* decoder sigtrail must name */
    const frame *bt;                   /* recorded backtrace */
    int nbt;
    int ov;                            /* OV_*: arguments in oversize data */
    uint32_t ovref;
    int collapsed;                     /* its firehose chunk is collapsed */
    uint64_t spid;                     /* signposts */
    uint8_t scope, kind;               /* 1 thread 2 process 3 system; 0 event 1 begin 2 end */
    const char *spname;
    uint64_t newaid, other, upid;      /* activities */
    uint64_t tv[4];                    /* trace values */
    uint8_t tsz[4];
    int ntv;
    uint64_t lstart, lend, lcount;     /* loss */
} rec;

/* log's name of a log type byte (Default for anything not listed). */
static const char *type_name(uint8_t lt)
{
    switch (lt) {
    case LT_INFO: return "Info";
    case LT_DEBUG: return "Debug";
    case LT_ERROR: return "Error";
    case LT_FAULT: return "Fault";
    default: return "Default";
    }
}

/* Basename of a path (a view into it). */
static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Builds an oversize chunk's data for record r: proc_id, TTL, time, data
 * reference, then {unknown, item count, items, values} and private data. */
static void oversize_bytes(const rec *r, const proc *p, uint64_t ct, buf *out)
{
    buf items = {0}, vals = {0}, priv = {0};
    unsigned ni = build_items(r->args, &items, &vals, &priv);
    put64(out, p->upper);
    put32(out, p->lower);
    put8(out, (uint8_t)(r->ttl > 0 ? r->ttl : 0));
    put(out, NULL, 3);
    put64(out, ct);
    put32(out, r->ovref);
    put16(out, (uint16_t)(2 + items.n + vals.n));
    put16(out, (uint16_t)priv.n);
    put8(out, 0x02);
    put8(out, (uint8_t)ni);
    put(out, items.p, items.n);
    put(out, vals.p, vals.n);
    put(out, priv.p, priv.n);
    free(items.p);
    free(vals.p);
    free(priv.p);
}

/* Writes a log (rt 4) or signpost (rt 6) record into the current chunkset
 * with every field its flags call for, in the order libyal documents:
 * current activity id, private data range, load address, large offset,
 * strings-file data (load address upper 16 bits / image UUID / large
 * shared cache), subsystem, signpost id, TTL, data reference, signpost
 * name, then the items (unless they are in oversize data). */
static void emit_log(const rec *r)
{
    const proc *p = &procs[r->p];
    int rt = r->rt ? r->rt : 4;
    int sft = r->sft ? r->sft : SFT_MAIN;
    uint64_t ct = ct_at_us(r->us);
    image *im = sft == SFT_MAIN ? &images[p->main]
                : sft == SFT_ABS ? &images[p->kext] : &images[r->img];
    if ((sft == SFT_DSC || sft == SFT_LDSC) && (!im->dsc || !p->dsc))
        die("%s: %s is not in the shared cache of %s", r->fmt, im->key,
            p->key);
    uint64_t ref = r->dyn ? 0x10 : str_ref(im, r->fmt);
    uint32_t fmt;
    uint16_t large = 0, lsc = 0, load_hi = 0;
    uint64_t load;
    if (sft == SFT_LDSC) {
        /* large_shared_cache = 2 * large offset; reference = large offset
         * << 32 | format (mandiant's observation, libyal's formula) */
        large = (uint16_t)(ref >> 32);
        lsc = (uint16_t)(2 * large);
        fmt = (uint32_t)ref;
        load = im->text_off + r->pc;
        if (!large || (load >> 32) != large || fmt >= 0x80000000u)
            die("%s: large shared cache layout", r->fmt);
    } else {
        if (ref >= 0x80000000u)
            die("%s: reference 0x%llx needs a large offset", r->fmt,
                (unsigned long long)ref);
        fmt = (uint32_t)ref;
        load = sft == SFT_ABS ? p->kext_load + r->pc
               : sft == SFT_DSC ? im->text_off + r->pc : r->pc;
        load_hi = (uint16_t)(load >> 32);
    }
    if (r->dyn)
        fmt |= 0x80000000u;
    int priv = !r->ov && has_private(r->args);
    uint16_t flags = (uint16_t)sft;
    if (r->aid)
        flags |= 0x0001;
    if (large)
        flags |= 0x0020;
    if (priv)
        flags |= 0x0100;
    if (r->sub)
        flags |= 0x0200;
    if (r->ttl > 0)
        flags |= 0x0400;
    if (r->ov)
        flags |= 0x0800;
    if (r->nbt)
        flags |= 0x1000;
    if (rt == 6 && r->spname)
        flags |= 0x8000;
    uint8_t lt = rt == 6 ? (uint8_t)(r->scope << 6 | r->kind) : r->lt;

    /* an oversize chunk that precedes its entry: placed before a new
     * firehose chunk of the process */
    if (r->ov == OV_BEFORE) {
        inner *o = cs_add();
        o->tag = 0x6002;
        o->ct = ct;
        o->p = p;
        oversize_bytes(r, p, ct, &o->bytes);
        fh_break(p);
    }
    fhchunk *f = fh_for(p, r->collapsed);
    tpoint *t = fh_add(f);
    t->ct = ct;
    t->rtype = (uint8_t)rt;
    t->ltype = lt;
    t->flags = flags;
    t->fmt = fmt;
    t->tid = r->tid;
    buf *d = &t->data;
    if (r->aid)
        put64(d, r->aid);
    if (priv) {
        t->priv_field = d->n;
        put32(d, 0);                   /* patched when laid out */
    }
    put32(d, (uint32_t)load);
    if (large)
        put16(d, large);
    if (sft == SFT_ABS)
        put16(d, load_hi);
    else if (sft == SFT_UUID)
        put(d, im->uuid, 16);
    else if (sft == SFT_LDSC)
        put16(d, lsc);
    if (r->sub)
        put16(d, r->sub);
    if (rt == 6)
        put64(d, r->spid);
    if (r->ttl > 0)
        put8(d, (uint8_t)r->ttl);
    if (r->ov)
        put32(d, r->ovref);            /* items are in the oversize data */
    uint64_t nref = 0;
    if (rt == 6 && r->spname) {
        nref = str_ref(im, r->spname);
        put32(d, (uint32_t)nref);
    }
    char *btjson = NULL;
    if (!r->ov) {
        buf items = {0}, vals = {0};
        if (r->nbt)
            bt_build(r->bt, r->nbt, &vals, &btjson);
        unsigned ni = build_items(r->args, &items, &vals, &t->priv);
        put8(d, ni ? 0x02 : 0x00);
        put8(d, (uint8_t)ni);
        put(d, items.p, items.n);
        put(d, vals.p, vals.n);
        free(items.p);
        free(vals.p);
    } else if (r->ov == OV_AFTER) {
        inner *o = cs_add();
        o->tag = 0x6002;
        o->ct = ct;
        o->p = p;
        oversize_bytes(r, p, ct, &o->bytes);
    } else if (r->ov == OV_ELSEWHERE) {
        if (nelsewhere == 8)
            die("too many oversize chunks elsewhere");
        inner *o = &elsewhere[nelsewhere++];
        memset(o, 0, sizeof *o);
        o->tag = 0x6002;
        o->ct = ct;
        o->p = p;
        oversize_bytes(r, p, ct, &o->bytes);
    }

    tev *e = tev_new();
    e->us = r->us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->tid = r->tid;
    e->type = rt == 6 ? "Signpost" : type_name(r->lt);
    e->event_type = rt == 6 ? "signpostEvent" : "logEvent";
    e->aid = r->aid & ~(1ull << 63);
    e->p = p;
    e->ttl = r->ttl > 0 ? r->ttl : 0;
    e->sender = base_name(im->path);
    e->sender_path = im->path;
    memcpy(e->sender_uuid, im->uuid_t, 37);
    e->has_pc = 1;
    e->pc = r->pc;
    if (r->sub) {
        const subsys *s = proc_sub(p, r->sub);
        e->subsystem = s->sub;
        e->category = s->cat;
    }
    e->message = xprintf("%s", r->msg);
    e->format = xprintf("%s", r->dyn ? "%s" : r->fmt);
    if (rt == 6) {
        static const char *const scopes[] = {"", "thread", "process",
                                             "system"};
        static const char *const kinds[] = {"event", "begin", "end"};
        e->has_spid = 1;
        e->spid = r->spid;
        e->scope = scopes[r->scope];
        e->sptype = kinds[r->kind];
        e->spname = r->spname;
    }
    e->trace_id = (int64_t)((uint64_t)fmt << 32 | (uint64_t)flags << 16 |
                            (uint64_t)lt << 8 | (uint64_t)rt);
    e->backtrace = btjson ? btjson : sender_frame(r->pc, im->uuid_t);
    tev_x(e, "timestampNs", NULL, e->ns);
    if (cur_file->stream)
        tev_x(e, "streamType", NULL, cur_file->stream);
    if (r->undecoded)
        tev_x(e, "undecoded", r->undecoded, 0);
}

/* Writes an activity record: create (log type 1) or user action (3).
 * Fields: current activity id (the creator), unique pid, other (parent)
 * activity id, new activity id (not for user actions), load address and
 * the strings-file data; activities carry no items, their format string
 * is the activity's name. */
static void emit_activity(const rec *r)
{
    const proc *p = &procs[r->p];
    int sft = r->sft ? r->sft : SFT_MAIN;
    if (sft != SFT_MAIN && sft != SFT_DSC)
        die("activity strings file type");
    image *im = sft == SFT_MAIN ? &images[p->main] : &images[r->img];
    uint64_t ct = ct_at_us(r->us);
    uint64_t ref = str_ref(im, r->fmt);
    if (ref >= 0x80000000u)
        die("activity reference");
    uint16_t flags = (uint16_t)sft;
    if (r->aid)
        flags |= 0x0001;
    if (r->upid)
        flags |= 0x0010;
    if (r->other)
        flags |= 0x0200;
    uint32_t load = (uint32_t)(sft == SFT_DSC ? im->text_off + r->pc : r->pc);
    fhchunk *f = fh_for(p, 0);
    tpoint *t = fh_add(f);
    t->ct = ct;
    t->rtype = 2;
    t->ltype = r->lt;
    t->flags = flags;
    t->fmt = (uint32_t)ref;
    t->tid = r->tid;
    if (r->aid)
        put64(&t->data, r->aid);
    if (r->upid)
        put64(&t->data, r->upid);
    if (r->other)
        put64(&t->data, r->other);
    if (r->lt != 0x03)
        put64(&t->data, r->newaid);
    put32(&t->data, load);

    tev *e = tev_new();
    e->us = r->us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->tid = r->tid;
    e->type = r->lt == 0x03 ? "UserAction" : "Activity";
    e->event_type = r->lt == 0x03 ? "userActionEvent" : "activityCreateEvent";
    e->aid = r->lt == 0x03 ? 0 : r->newaid & ~(1ull << 63);
    e->has_parent = 1;
    e->parent = r->other & ~(1ull << 63);
    e->p = p;
    e->sender = base_name(im->path);
    e->sender_path = im->path;
    memcpy(e->sender_uuid, im->uuid_t, 37);
    e->has_pc = 1;
    e->pc = r->pc;
    e->message = xprintf("%s", r->msg);
    e->format = xprintf("%s", r->fmt);
    e->trace_id = (int64_t)(ref << 32 | (uint64_t)flags << 16 |
                            (uint64_t)r->lt << 8 | 2);
    e->backtrace = sender_frame(r->pc, im->uuid_t);
    tev_x(e, "timestampNs", NULL, e->ns);
    if (r->aid)
        tev_xv(e, "creatorActivityID", NULL,
               (long long)(r->aid & ~(1ull << 63)), 1);
    if (r->upid)
        tev_x(e, "uniquePID", NULL, (long long)r->upid);
    if (cur_file->stream)
        tev_x(e, "streamType", NULL, cur_file->stream);
}

/* Writes a trace record: load address, the values front to back, their
 * sizes, their count (mandiant's reading; libyal: load address + data). */
static void emit_trace(const rec *r)
{
    const proc *p = &procs[r->p];
    image *im = &images[p->main];
    uint64_t ct = ct_at_us(r->us);
    uint64_t ref = str_ref(im, r->fmt);
    fhchunk *f = fh_for(p, 0);
    tpoint *t = fh_add(f);
    t->ct = ct;
    t->rtype = 3;
    t->ltype = r->lt;
    t->flags = SFT_MAIN;
    t->fmt = (uint32_t)ref;
    t->tid = r->tid;
    put32(&t->data, r->pc);
    for (int i = 0; i < r->ntv; i++)
        putn(&t->data, r->tv[i], r->tsz[i]);
    for (int i = 0; i < r->ntv; i++)
        put8(&t->data, r->tsz[i]);
    put8(&t->data, (uint8_t)r->ntv);

    tev *e = tev_new();
    e->us = r->us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->tid = r->tid;
    e->type = "Trace";
    e->event_type = "traceEvent";
    e->p = p;
    e->sender = base_name(im->path);
    e->sender_path = im->path;
    memcpy(e->sender_uuid, im->uuid_t, 37);
    e->has_pc = 1;
    e->pc = r->pc;
    e->message = xprintf("%s", r->msg);
    e->format = xprintf("%s", r->fmt);
    e->trace_id = (int64_t)(ref << 32 | (uint64_t)SFT_MAIN << 16 |
                            (uint64_t)r->lt << 8 | 3);
    e->backtrace = sender_frame(r->pc, im->uuid_t);
    tev_x(e, "timestampNs", NULL, e->ns);
}

/* Writes a loss record: start and end continuous times and the count. */
static void emit_loss(const rec *r)
{
    const proc *p = &procs[r->p];
    uint64_t ct = ct_at_us(r->us);
    fhchunk *f = fh_for(p, 0);
    tpoint *t = fh_add(f);
    t->ct = ct;
    t->rtype = 7;
    t->tid = r->tid;
    put64(&t->data, r->lstart);
    put64(&t->data, r->lend);
    put64(&t->data, r->lcount);

    tev *e = tev_new();
    e->us = r->us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->tid = r->tid;
    e->type = "Loss";
    e->event_type = "lossEvent";
    e->p = p;
    e->message = xprintf("lost >=%llu unreliable messages from %llu-%llu "
                         "(Mach continuous exact start-approx. end)",
                         (unsigned long long)r->lcount,
                         (unsigned long long)r->lstart,
                         (unsigned long long)r->lend);
    e->trace_id = 7;
    tev_x(e, "timestampNs", NULL, e->ns);
    tev_x(e, "lossCount", NULL, (long long)r->lcount);
    tev_x(e, "lossStartNs", NULL, wall_of(r->lstart));
    tev_x(e, "lossEndNs", NULL, wall_of(r->lend));
    if (cur_file->stream)
        tev_x(e, "streamType", NULL, cur_file->stream);
}

/* ---- statedump and simpledump chunks ------------------------------------- */

/* Writes a statedump chunk: proc_id, TTL, time, activity id, the UUID of
 * the image that dumped it, data type (1 plist, 2 protobuf, 3 custom) and
 * size, decoder library and type (custom), title, data.  `text` tells
 * whether log shows the data as text after the title. */
static void emit_statedump(int pi, int64_t us, uint64_t aid, int img,
                           uint32_t dtype, const char *lib, const char *typ,
                           const char *title, const void *data, size_t n,
                           int text)
{
    const proc *p = &procs[pi];
    check_in_catalog(p);
    uint64_t ct = ct_at_us(us);
    inner *o = cs_add();
    o->tag = 0x6003;
    o->ct = ct;
    o->p = p;
    buf *b = &o->bytes;
    put64(b, p->upper);
    put32(b, p->lower);
    put8(b, 0);
    put(b, NULL, 3);
    put64(b, ct);
    put64(b, aid);
    put(b, images[img].uuid, 16);
    put32(b, dtype);
    put32(b, (uint32_t)n);
    put_fixed(b, lib, 64);
    put_fixed(b, typ, 64);
    put_fixed(b, title, 64);
    put(b, data, n);

    tev *e = tev_new();
    e->us = us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->type = "State";
    e->event_type = "stateEvent";
    e->aid = aid & ~(1ull << 63);
    e->p = p;
    e->sender = base_name(images[img].path);
    e->sender_path = images[img].path;
    memcpy(e->sender_uuid, images[img].uuid_t, 37);
    e->message = text ? xprintf("%s:\n%.*s", title, (int)n,
                                (const char *)data)
                      : xprintf("%s", title);
    e->trace_id = 0;
    static const char *const names[] = {"", "plist", "protobuf", "custom"};
    tev_x(e, "timestampNs", NULL, e->ns);
    tev_x(e, "stateDataType", names[dtype], 0);
    tev_x(e, "stateDataSize", NULL, (long long)n);
    if (dtype == 3) {
        tev_x(e, "decoderLibrary", lib, 0);
        tev_x(e, "decoderType", typ, 0);
    }
    if (!text) {
        static const char t64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                  "qrstuvwxyz0123456789+/";
        const uint8_t *q = data;
        buf s = {0};
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)q[i] << 16 |
                         (i + 1 < n ? (uint32_t)q[i + 1] << 8 : 0) |
                         (i + 2 < n ? q[i + 2] : 0);
            char c4[4] = {t64[v >> 18], t64[(v >> 12) & 63],
                          i + 1 < n ? t64[(v >> 6) & 63] : '=',
                          i + 2 < n ? t64[v & 63] : '='};
            put(&s, c4, 4);
        }
        put8(&s, 0);
        tev_x(e, "stateDataBase64", (char *)s.p, 0);
        free(s.p);
    }
}

/* Writes a simpledump chunk: proc_id, TTL, log type, time, thread, the
 * sender's program counter, sender and shared-cache UUIDs, then the
 * subsystem and message strings with their sizes. */
static void emit_simpledump(int pi, int64_t us, uint8_t lt, uint64_t tid,
                            int img, uint64_t pc, const char *subsystem,
                            const char *msg)
{
    const proc *p = &procs[pi];
    check_in_catalog(p);
    uint64_t ct = ct_at_us(us);
    inner *o = cs_add();
    o->tag = 0x6004;
    o->ct = ct;
    o->p = p;
    buf *b = &o->bytes;
    put64(b, p->upper);
    put32(b, p->lower);
    put8(b, 0);
    put8(b, lt);
    put(b, NULL, 2);
    put64(b, ct);
    put64(b, tid);
    put64(b, pc);
    put(b, images[img].uuid, 16);
    put(b, images[IM_DSC].uuid, 16);
    put32(b, 1);
    put32(b, (uint32_t)strlen(subsystem) + 1);
    put32(b, (uint32_t)strlen(msg) + 1);
    put_cstr(b, subsystem);
    put_cstr(b, msg);

    tev *e = tev_new();
    e->us = us;
    e->ct = ct;
    e->ns = wall_of(ct);
    e->tid = tid;
    e->type = type_name(lt);
    e->event_type = "logEvent";
    e->p = p;
    e->sender = base_name(images[img].path);
    e->sender_path = images[img].path;
    memcpy(e->sender_uuid, images[img].uuid_t, 37);
    e->has_pc = 1;
    e->pc = pc;
    e->subsystem = subsystem;
    e->category = "";
    e->message = xprintf("%s", msg);
    e->trace_id = 0;
    e->backtrace = sender_frame(pc, images[img].uuid_t);
    tev_x(e, "timestampNs", NULL, e->ns);
    tev_x(e, "dscUUID", images[IM_DSC].uuid_t, 0);
}

/* Places the oversize chunks kept for another file into the current
 * chunkset. */
static void place_elsewhere(void)
{
    for (size_t i = 0; i < nelsewhere; i++) {
        inner *o = cs_add();
        *o = elsewhere[i];
    }
    nelsewhere = 0;
}

/* ---- laying out the files ------------------------------------------------ */

/* Orders tracepoints by continuous time (stable: insertion sort), as logd
 * appends them. */
static void sort_tpoints(tpoint *t, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        tpoint v = t[i];
        size_t j = i;
        while (j && t[j - 1].ct > v.ct) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = v;
    }
}

/* Lays out a firehose chunk's data: proc_id, TTL, collapsed, public data
 * size (counted from its own field: 16 + the tracepoints), private data
 * virtual offset (0x1000 = none), stream type, base continuous time; the
 * tracepoints, each 8-byte aligned, with 48-bit time deltas; the private
 * data at the end of the 4096-byte virtual buffer, the latest record's
 * lowest, each record's range naming its virtual offset.  A collapsed
 * chunk drops the gap between public and private data; an uncollapsed
 * one is the full 16 + 4096 bytes (the 4112-byte chunks of the corpus). */
static void fh_layout(fhchunk *f, uint8_t stream, buf *out, uint64_t *lo,
                      uint64_t *hi)
{
    sort_tpoints(f->tp, f->ntp);
    uint64_t base = f->tp[0].ct;
    *lo = base;
    *hi = f->tp[f->ntp - 1].ct;
    size_t pub = 16;
    uint32_t pvo = 0x1000;
    for (size_t i = 0; i < f->ntp; i++) {
        tpoint *t = &f->tp[i];
        pub += (24 + t->data.n + 7) & ~(size_t)7;
        if (t->priv.n) {
            pvo -= (uint32_t)t->priv.n;
            set16(&t->data, t->priv_field, (uint16_t)pvo);
            set16(&t->data, t->priv_field + 2, (uint16_t)t->priv.n);
        }
    }
    if (pub > pvo)
        die("firehose chunk of %s overflows 4 KiB (%zu public, private "
            "from 0x%x)", f->p->key, pub, pvo);
    size_t start = out->n;
    put64(out, f->p->upper);
    put32(out, f->p->lower);
    put8(out, 0);                      /* TTL */
    put8(out, (uint8_t)(pvo < 0x1000 && f->collapsed));
    put16(out, 0);
    put16(out, (uint16_t)pub);
    put16(out, (uint16_t)pvo);
    put16(out, 0);
    put8(out, stream);
    put8(out, 2);
    put64(out, base);
    for (size_t i = 0; i < f->ntp; i++) {
        tpoint *t = &f->tp[i];
        uint64_t delta = t->ct - base;
        if (delta >> 48)
            die("time delta too large");
        put8(out, t->rtype);
        put8(out, t->ltype);
        put16(out, t->flags);
        put32(out, t->fmt);
        put64(out, t->tid);
        put32(out, (uint32_t)delta);
        put16(out, (uint16_t)(delta >> 32));
        put16(out, (uint16_t)t->data.n);
        put(out, t->data.p, t->data.n);
        pad8_from(out, start);
    }
    if (out->n - start != 16 + pub)
        die("public size mismatch");
    if (pvo < 0x1000) {
        if (!f->collapsed)
            put(out, NULL, start + 16 + pvo - out->n);
        size_t at = out->n;
        put(out, NULL, 0x1000 - pvo);
        uint32_t v = 0x1000;
        for (size_t i = 0; i < f->ntp; i++) {
            tpoint *t = &f->tp[i];
            if (!t->priv.n)
                continue;
            v -= (uint32_t)t->priv.n;
            memcpy(out->p + at + (v - pvo), t->priv.p, t->priv.n);
        }
    }
}

/* What a chunkset gives its catalog's sub chunk. */
typedef struct csinfo {
    uint64_t lo, hi;
    uint32_t usz;
    int used[P_COUNT];
    buf bytes;                         /* the chunkset chunk's data */
} csinfo;

/* Lays out a chunkset: every inner chunk {tag, subtag 0, size, data}
 * 8-byte aligned, then compressed as one LZ4 block "bv41" {uncompressed
 * size, compressed size, data} (or stored, "bv4-" {size, data}) and the
 * end marker "bv4$". */
static void cs_layout(chunkset *c, uint8_t stream, csinfo *ci)
{
    buf raw = {0};
    ci->lo = UINT64_MAX;
    ci->hi = 0;
    for (size_t i = 0; i < c->nin; i++) {
        inner *in = &c->in[i];
        buf data = {0};
        uint64_t lo = in->ct, hi = in->ct;
        if (in->fh)
            fh_layout(in->fh, stream, &data, &lo, &hi);
        else
            put(&data, in->bytes.p, in->bytes.n);
        put32(&raw, in->tag);
        put32(&raw, 0);
        put64(&raw, data.n);
        put(&raw, data.p, data.n);
        pad8_from(&raw, 0);
        free(data.p);
        if (lo < ci->lo)
            ci->lo = lo;
        if (hi > ci->hi)
            ci->hi = hi;
        ci->used[in->p - procs] = 1;
    }
    ci->usz = (uint32_t)raw.n;
    if (c->stored) {
        put(&ci->bytes, "bv4-", 4);
        put32(&ci->bytes, (uint32_t)raw.n);
        put(&ci->bytes, raw.p, raw.n);
    } else {
        int bound = LZ4_compressBound((int)raw.n);
        char *z = malloc((size_t)bound);
        if (!z)
            die("out of memory");
        int k = LZ4_compress_default((const char *)raw.p, z, (int)raw.n,
                                     bound);
        if (k <= 0)
            die("LZ4 compression failed");
        put(&ci->bytes, "bv41", 4);
        put32(&ci->bytes, (uint32_t)raw.n);
        put32(&ci->bytes, (uint32_t)k);
        put(&ci->bytes, z, (size_t)k);
        free(z);
    }
    put(&ci->bytes, "bv4$", 4);
    free(raw.p);
}

/* Offset of s in the catalog's subsystem strings (added once). */
static uint16_t cat_str(buf *strs, const char *s)
{
    size_t l = strlen(s) + 1;
    for (size_t off = 0; off + l <= strs->n; off++)
        if (memcmp(strs->p + off, s, l) == 0 && (off == 0 ||
                                                  strs->p[off - 1] == 0))
            return (uint16_t)off;
    size_t off = strs->n;
    put(strs, s, l);
    return (uint16_t)off;
}

/* Index of an image in the catalog's UUID list (added once). */
static int cat_uuid(int *list, int *n, int img)
{
    for (int i = 0; i < *n; i++)
        if (list[i] == img)
            return i;
    list[*n] = img;
    return (*n)++;
}

/* Lays out a catalog chunk's data: offsets of the strings, the process
 * entries and the sub chunks (relative to the UUIDs), counts, the earliest
 * time, the UUIDs, the subsystem strings (8-byte padded), the process
 * entries {index, main and dsc UUID index, proc_id, pid, euid, image load
 * entries, subsystem entries} each 8-byte aligned, and one sub chunk per
 * chunkset {time range, uncompressed size, 0x100 = LZ4, the process entry
 * indexes and subsystem string offsets it uses}. */
static void catalog_layout(const segment *s, const csinfo *ci, buf *out)
{
    int uu[32], nu = 0;
    buf strs = {0}, pe = {0}, sc = {0};
    uint16_t sub_off[P_COUNT][4][2];
    for (size_t i = 0; i < s->nprocs; i++) {
        const proc *p = s->procs[i];
        cat_uuid(uu, &nu, p->main);
        if (p->dsc)
            cat_uuid(uu, &nu, IM_DSC);
        if (p->kext >= 0)
            cat_uuid(uu, &nu, p->kext);
        for (int k = 0; k < 4 && p->subs[k].sub; k++) {
            sub_off[i][k][0] = cat_str(&strs, p->subs[k].sub);
            sub_off[i][k][1] = cat_str(&strs, p->subs[k].cat);
        }
    }
    pad8_from(&strs, 0);
    for (size_t i = 0; i < s->nprocs; i++) {
        const proc *p = s->procs[i];
        size_t start = pe.n;
        put16(&pe, (uint16_t)i);
        put16(&pe, 0);
        put16(&pe, (uint16_t)cat_uuid(uu, &nu, p->main));
        put16(&pe, p->dsc ? (uint16_t)cat_uuid(uu, &nu, IM_DSC) : 0xffff);
        put64(&pe, p->upper);
        put32(&pe, p->lower);
        put32(&pe, p->pid);
        put32(&pe, p->euid);
        put32(&pe, 0);
        put32(&pe, p->kext >= 0 ? 1 : 0);
        put32(&pe, 0);
        if (p->kext >= 0) {
            put32(&pe, p->kext_size);
            put32(&pe, 0);
            put16(&pe, (uint16_t)cat_uuid(uu, &nu, p->kext));
            put32(&pe, (uint32_t)p->kext_load);
            put16(&pe, (uint16_t)(p->kext_load >> 32));
        }
        int ns = 0;
        while (ns < 4 && p->subs[ns].sub)
            ns++;
        put32(&pe, (uint32_t)ns);
        put32(&pe, 0);
        for (int k = 0; k < ns; k++) {
            put16(&pe, p->subs[k].id);
            put16(&pe, sub_off[i][k][0]);
            put16(&pe, sub_off[i][k][1]);
        }
        pad8_from(&pe, start);
    }
    uint64_t earliest = UINT64_MAX;
    for (size_t c = 0; c < s->ncs; c++) {
        const csinfo *x = &ci[c];
        size_t start = sc.n;
        if (x->lo < earliest)
            earliest = x->lo;
        put64(&sc, x->lo);
        put64(&sc, x->hi);
        put32(&sc, x->usz);
        put32(&sc, 0x100);
        uint32_t nidx = 0, noff = 0;
        for (size_t i = 0; i < s->nprocs; i++)
            if (x->used[s->procs[i] - procs]) {
                nidx++;
                for (int k = 0; k < 4 && s->procs[i]->subs[k].sub; k++)
                    noff++;
            }
        put32(&sc, nidx);
        for (size_t i = 0; i < s->nprocs; i++)
            if (x->used[s->procs[i] - procs])
                put16(&sc, (uint16_t)i);
        put32(&sc, noff);
        for (size_t i = 0; i < s->nprocs; i++)
            if (x->used[s->procs[i] - procs])
                for (int k = 0; k < 4 && s->procs[i]->subs[k].sub; k++)
                    put16(&sc, sub_off[i][k][0]);
        pad8_from(&sc, start);
    }
    uint16_t so = (uint16_t)(16 * nu), po = (uint16_t)(so + strs.n),
             co = (uint16_t)(po + pe.n);
    put16(out, so);
    put16(out, po);
    put16(out, (uint16_t)s->nprocs);
    put16(out, co);
    put16(out, (uint16_t)s->ncs);
    put(out, NULL, 6);
    put64(out, earliest);
    for (int i = 0; i < nu; i++)
        put(out, images[uu[i]].uuid, 16);
    put(out, strs.p, strs.n);
    put(out, pe.p, pe.n);
    put(out, sc.p, sc.n);
    free(strs.p);
    free(pe.p);
    free(sc.p);
}

/* Appends a top-level chunk {tag, subtag, size, data} and aligns to 8. */
static void top_chunk(buf *out, uint32_t tag, uint32_t sub, const buf *d)
{
    put32(out, tag);
    put32(out, sub);
    put64(out, d->n);
    put(out, d->p, d->n);
    pad8_from(out, 0);
}

/* The header chunk's 208 bytes: timebase, start continuous time, its wall
 * clock (seconds, then microseconds), zone (minutes west) and DST, flags,
 * and the sub chunks 0x6100 (continuous time), 0x6101 (system: build,
 * hardware model), 0x6102 (boot UUID, logd pid, exit status) and 0x6103
 * (zone file path), at the places the corpus files have them. */
static void header_layout(uint64_t start_ct, uint32_t logd_pid, buf *out)
{
    int64_t w = wall_of(start_ct);
    put32(out, NUMER);
    put32(out, DENOM);
    put64(out, start_ct);
    put32(out, (uint32_t)(w / 1000000000));
    put32(out, 0);
    put32(out, (uint32_t)(w / 1000 % 1000000));
    put32(out, (uint32_t)TZ_MIN);
    put32(out, 0);
    put32(out, 3);
    put32(out, 0x6100);
    put32(out, 8);
    put64(out, start_ct);
    put32(out, 0x6101);
    put32(out, 56);
    put32(out, 7);
    put32(out, 8);
    put_fixed(out, "22G120", 16);
    put_fixed(out, "Mac14,2", 32);
    put32(out, 0x6102);
    put32(out, 24);
    put(out, boot_uuid, 16);
    put32(out, logd_pid);
    put32(out, 0);
    put32(out, 0x6103);
    put32(out, 48);
    put_fixed(out, "/var/db/timezone/zoneinfo/America/Los_Angeles", 48);
    if (out->n != 208)
        die("header is %zu bytes", out->n);
}

/* Creates every folder of a path (mkdir -p). */
static void mkdirs(const char *path)
{
    char *p = xprintf("%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                die("mkdir %s: %s", p, strerror(errno));
            *s = '/';
        }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        die("mkdir %s: %s", p, strerror(errno));
    free(p);
}

/* Writes bytes to dir/rel, creating the folders on the way. */
static void write_file(const char *dir, const char *rel, const void *p,
                       size_t n)
{
    char *path = xprintf("%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = 0;
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die("%s: %s", path, strerror(errno));
    free(path);
}

/* Lays out and writes one tracev3 file: header, then per catalog the
 * catalog chunk followed by its chunksets. */
static void write_tv3(const char *dir, tv3file *f, uint32_t logd_pid)
{
    buf out = {0};
    csinfo *all[4];
    uint64_t start = UINT64_MAX;
    for (size_t s = 0; s < f->nseg; s++) {
        all[s] = calloc(f->seg[s]->ncs, sizeof *all[s]);
        if (!all[s])
            die("out of memory");
        for (size_t c = 0; c < f->seg[s]->ncs; c++) {
            cs_layout(f->seg[s]->cs[c], f->stream, &all[s][c]);
            if (all[s][c].lo < start)
                start = all[s][c].lo;
        }
    }
    buf h = {0};
    header_layout(start, logd_pid, &h);
    top_chunk(&out, 0x1000, 0x11, &h);
    for (size_t s = 0; s < f->nseg; s++) {
        buf cat = {0};
        catalog_layout(f->seg[s], all[s], &cat);
        top_chunk(&out, 0x600b, 0x11, &cat);
        free(cat.p);
        for (size_t c = 0; c < f->seg[s]->ncs; c++) {
            top_chunk(&out, 0x600d, 0x11, &all[s][c].bytes);
            free(all[s][c].bytes.p);
        }
        free(all[s]);
    }
    write_file(dir, f->rel, out.p, out.n);
    free(out.p);
    free(h.p);
}

/* ---- string stores and timesync ------------------------------------------ */

/* Writes the uuidtext file of an image: signature 99 88 77 66, version
 * 2.1, entry count, {range start, size} per entry, the entries' strings,
 * then the image path (the footer). */
static void write_uuidtext(const char *dir, const image *im)
{
    buf b = {0};
    static const uint8_t sig[4] = {0x99, 0x88, 0x77, 0x66};
    put(&b, sig, 4);
    put32(&b, 2);
    put32(&b, 1);
    int ne = 0;
    for (int r = 0; r < im->nranges; r++)
        ne += im->strs[r].n > 0;
    put32(&b, (uint32_t)ne);
    for (int r = 0; r < im->nranges; r++)
        if (im->strs[r].n) {
            put32(&b, (uint32_t)im->base[r]);
            put32(&b, (uint32_t)im->strs[r].n);
        }
    for (int r = 0; r < im->nranges; r++)
        put(&b, im->strs[r].p, im->strs[r].n);
    put_cstr(&b, im->path);
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02X", im->uuid[i]);
    char *rel = xprintf("%.2s/%s", hex, hex + 2);
    write_file(dir, rel, b.p, b.n);
    free(rel);
    free(b.p);
}

/* Writes the shared-cache strings file (version 2.0): "hcsd", version,
 * range and image counts, range descriptors {range offset u64, data
 * offset u32, size u32, image index u64}, image descriptors {text offset
 * u64, text size u32, UUID, path offset u32}, the paths, the strings. */
static void write_dsc(const char *dir)
{
    int ims[IM_COUNT], ni = 0;
    for (int i = 0; i < IM_COUNT; i++)
        if (images[i].dsc)
            ims[ni++] = i;
    size_t head = 16 + (size_t)ni * 24 + (size_t)ni * 32;
    buf paths = {0}, data = {0};
    uint32_t path_off[IM_COUNT], data_off[IM_COUNT];
    for (int k = 0; k < ni; k++) {
        path_off[k] = (uint32_t)(head + paths.n);
        put_cstr(&paths, images[ims[k]].path);
    }
    pad8_from(&paths, 0);
    for (int k = 0; k < ni; k++) {
        data_off[k] = (uint32_t)(head + paths.n + data.n);
        put(&data, images[ims[k]].strs[0].p, images[ims[k]].strs[0].n);
    }
    buf b = {0};
    put(&b, "hcsd", 4);
    put16(&b, 2);
    put16(&b, 0);
    put32(&b, (uint32_t)ni);
    put32(&b, (uint32_t)ni);
    for (int k = 0; k < ni; k++) {
        put64(&b, images[ims[k]].base[0]);
        put32(&b, data_off[k]);
        put32(&b, (uint32_t)images[ims[k]].strs[0].n);
        put64(&b, (uint64_t)k);
    }
    for (int k = 0; k < ni; k++) {
        put64(&b, images[ims[k]].text_off);
        put32(&b, images[ims[k]].text_size);
        put(&b, images[ims[k]].uuid, 16);
        put32(&b, path_off[k]);
    }
    put(&b, paths.p, paths.n);
    put(&b, data.p, data.n);
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02X", images[IM_DSC].uuid[i]);
    char *rel = xprintf("dsc/%s", hex);
    write_file(dir, rel, b.p, b.n);
    free(rel);
    free(b.p);
    free(paths.p);
    free(data.p);
}

/* Writes the timesync database: a boot record {"\xb0\xbb", 48, boot UUID,
 * timebase, boot wall time (ns), zone, DST} and a sync record {"Ts", 32,
 * continuous time, wall time, zone, DST} per anchor after it. */
static void write_timesync(const char *dir)
{
    buf b = {0};
    put8(&b, 0xb0);
    put8(&b, 0xbb);
    put16(&b, 48);
    put32(&b, 0);
    put(&b, boot_uuid, 16);
    put32(&b, NUMER);
    put32(&b, DENOM);
    put64(&b, (uint64_t)anchors[0].wall);
    put32(&b, (uint32_t)TZ_MIN);
    put32(&b, 0);
    for (size_t i = 1; i < nanchors; i++) {
        put8(&b, 'T');
        put8(&b, 's');
        put16(&b, 32);
        put32(&b, 0);
        put64(&b, anchors[i].ct);
        put64(&b, (uint64_t)anchors[i].wall);
        put32(&b, (uint32_t)TZ_MIN);
        put32(&b, 0);
    }
    write_file(dir, "timesync/0000000000000001.timesync", b.p, b.n);
    free(b.p);
}

/* ---- the text twin and the expectations ---------------------------------- */

/* Orders expectations by time, then creation. */
static int cmp_tev(const void *a, const void *b)
{
    const tev *x = a, *y = b;
    if (x->us != y->us)
        return x->us < y->us ? -1 : 1;
    return x->seq - y->seq;
}

/* log's timestamp: local time in the event's zone with microseconds and
 * the offset without a colon. */
static void ls_time(int64_t us, char out[64])
{
    int off = -TZ_MIN;
    int64_t l = us + (int64_t)off * 60000000;
    time_t sec = (time_t)(l / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02d %02d:%02d:%02d.%06d%c%02d%02d",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(l % 1000000), off < 0 ? '-' : '+',
             abs(off) / 60, abs(off) % 60);
}

/* Writes the events as `log show` prints them in the default style:
 * header, one line per record ("TS Thread Type Activity PID TTL", then
 * "[spid] process: (sender) [subsystem:category] message", the sender left
 * out when it is the process), the trailer with counts per type. */
static void write_text(const char *dir)
{
    buf b = {0};
    const char *hdr = "Timestamp                       Thread     Type        "
                      "Activity             PID    TTL  \n";
    put(&b, hdr, strlen(hdr));
    unsigned long long n_def = 0, n_info = 0, n_dbg = 0, n_err = 0,
                       n_fault = 0, n_act = 0, n_ua = 0;
    for (size_t i = 0; i < ntevs; i++) {
        const tev *e = &tevs[i];
        char ts[64], th[24], ac[24];
        ls_time(e->us, ts);
        snprintf(th, sizeof th, "0x%llx", (unsigned long long)e->tid);
        snprintf(ac, sizeof ac, "0x%llx", (unsigned long long)e->aid);
        char *line = xprintf("%s %-10s %-11s %-20s %-6u %-4d ", ts, th,
                             e->type, ac, e->p->pid, e->ttl);
        put(&b, line, strlen(line));
        free(line);
        if (e->has_spid) {
            char *sp = xprintf("[spid 0x%llx, %s, %s] ",
                               (unsigned long long)e->spid, e->scope,
                               e->sptype);
            put(&b, sp, strlen(sp));
            free(sp);
        }
        const char *process = base_name(images[e->p->main].path);
        put(&b, process, strlen(process));
        put(&b, ": ", 2);
        if (e->sender && strcmp(e->sender, process) != 0) {
            put(&b, "(", 1);
            put(&b, e->sender, strlen(e->sender));
            put(&b, ") ", 2);
        }
        if (e->subsystem && *e->subsystem) {
            char *sc = xprintf("[%s:%s] ", e->subsystem, e->category);
            put(&b, sc, strlen(sc));
            free(sc);
        }
        put(&b, e->message, strlen(e->message));
        put(&b, "\n", 1);
        const char *t = e->type;
        n_def += !strcmp(t, "Default");
        n_info += !strcmp(t, "Info");
        n_dbg += !strcmp(t, "Debug");
        n_err += !strcmp(t, "Error");
        n_fault += !strcmp(t, "Fault");
        n_act += !strcmp(t, "Activity");
        n_ua += !strcmp(t, "UserAction");
    }
    char *tr = xprintf(
        "%s\nLog      - Default: %10llu, Info: %16llu, Debug: %13llu, Error: "
        "%10llu, Fault: %10llu\nActivity - Create: %11llu, Transition: %10d, "
        "Actions: %11llu\n",
        "----------------------------------------------------------------"
        "----------------------------------------------------",
        n_def, n_info, n_dbg, n_err, n_fault, n_act, 0, n_ua);
    put(&b, tr, strlen(tr));
    free(tr);
    write_file(dir, "logshow.txt", b.p, b.n);
    free(b.p);
}

/* Appends s as an SQL string literal ('' for '), or NULL. */
static void sql_str(buf *b, const char *s)
{
    if (!s) {
        put(b, "NULL", 4);
        return;
    }
    put(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'')
            put(b, "'", 1);
        put(b, s, 1);
    }
    put(b, "'", 1);
}

/* Writes expect.sql: the table `expect` (one row per event, what only the
 * binary form carries) and `expect_extra` (the JSON fragments extra_json
 * must contain, as "key":value). */
static void write_expect(const char *dir)
{
    buf b = {0};
    const char *ddl =
        "CREATE TABLE expect(time_us INTEGER PRIMARY KEY, event_type TEXT, "
        "format_string TEXT, process_path TEXT, process_uuid TEXT, "
        "sender_path TEXT, sender_uuid TEXT, sender_pc INTEGER, user_id "
        "INTEGER, trace_id INTEGER, mach_timestamp INTEGER, "
        "parent_activity TEXT, signpost_name TEXT, boot_uuid TEXT, "
        "backtrace TEXT);\n"
        "CREATE TABLE expect_extra(time_us INTEGER, fragment TEXT);\n";
    put(&b, ddl, strlen(ddl));
    for (size_t i = 0; i < ntevs; i++) {
        const tev *e = &tevs[i];
        const image *m = &images[e->p->main];
        char *row = xprintf("INSERT INTO expect VALUES(%lld,",
                            (long long)e->us);
        put(&b, row, strlen(row));
        free(row);
        sql_str(&b, e->event_type);
        put(&b, ",", 1);
        sql_str(&b, e->format);
        put(&b, ",", 1);
        sql_str(&b, m->path);
        put(&b, ",", 1);
        sql_str(&b, m->uuid_t);
        put(&b, ",", 1);
        sql_str(&b, e->sender_path);
        put(&b, ",", 1);
        sql_str(&b, e->sender ? e->sender_uuid : NULL);
        char pc[24] = "NULL";
        if (e->has_pc)
            snprintf(pc, sizeof pc, "%llu", (unsigned long long)e->pc);
        row = xprintf(",%s,%u,%lld,%llu,", pc, e->p->euid,
                      (long long)e->trace_id, (unsigned long long)e->ct);
        put(&b, row, strlen(row));
        free(row);
        char *par = e->has_parent ? xprintf("0x%llx",
                                            (unsigned long long)e->parent)
                                  : NULL;
        sql_str(&b, par);
        free(par);
        put(&b, ",", 1);
        sql_str(&b, e->spname);
        put(&b, ",", 1);
        sql_str(&b, BOOT_UUID);
        put(&b, ",", 1);
        sql_str(&b, e->backtrace);
        put(&b, ");\n", 3);
        for (int k = 0; k < e->nx; k++) {
            char *frag = xprintf("\"%s\":%s", e->x[k].path,
                                 e->x[k].json);
            row = xprintf("INSERT INTO expect_extra VALUES(%lld,",
                          (long long)e->us);
            put(&b, row, strlen(row));
            free(row);
            sql_str(&b, frag);
            put(&b, ");\n", 3);
            free(frag);
        }
    }
    write_file(dir, "expect.sql", b.p, b.n);
    free(b.p);
}

/* Writes images.tsv: name, UUID, path, and the uuidtext file (relative to
 * the archive) or the dsc file of each image. */
static void write_images(const char *dir)
{
    buf b = {0};
    for (int i = 0; i < IM_COUNT; i++) {
        const image *im = &images[i];
        char hex[33];
        for (int k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02X", im->uuid[k]);
        char dhex[33];
        for (int k = 0; k < 16; k++)
            snprintf(dhex + 2 * k, 3, "%02X", images[IM_DSC].uuid[k]);
        char *l = im->dsc || i == IM_DSC
                      ? xprintf("%s\t%s\t%s\tdsc/%s\n", im->key, im->uuid_t,
                                im->path ? im->path : "", dhex)
                      : xprintf("%s\t%s\t%s\t%.2s/%s\n", im->key, im->uuid_t,
                                im->path, hex, hex + 2);
        put(&b, l, strlen(l));
        free(l);
    }
    write_file(dir, "images.tsv", b.p, b.n);
    free(b.p);
}

/* ---- the events ------------------------------------------------------------ */

#define PATH1 "/Applications/DelightEd.app/Contents/MacOS/DelightEd"
#define PATH2 "/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd"
#define LOG(...) emit_log(&(rec){__VA_ARGS__})

/* A repeated pattern of n letters from `first` on, a space every 17
 * (oversize payloads). */
static char *pattern(size_t n, char first)
{
    char *s = malloc(n + 1);
    if (!s)
        die("out of memory");
    size_t base = first >= 'a' ? 'a' : 'A';
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(i % 17 == 16 ? ' ' : base + (first - base + i) % 26);
    s[n] = 0;
    return s;
}

/* Day 1, 13:00 local: DelightEd first launched from /Applications (the
 * earlier launch the tolerated relaunch needs), with the user action and
 * activity that led to it. */
static void first_launch(void)
{
    emit_activity(&(rec){.p = P_FINDER, .us = local_us(19, 12, 59, 59, 980000),
                         .lt = 0x03, .tid = 0x2c01, .pc = 0x6c10,
                         .aid = 0x8000000000001b73ull,
                         .fmt = "Open Application",
                         .msg = "Open Application"});
    emit_activity(&(rec){.p = P_FINDER, .us = local_us(19, 12, 59, 59, 990000),
                         .lt = 0x01, .tid = 0x2c01, .pc = 0x6c44,
                         .aid = 0x8000000000001b73ull, .upid = 0x2a,
                         .other = 0x8000000000001b73ull,
                         .newaid = 0x8000000000002040ull,
                         .fmt = "Launching application from Finder",
                         .msg = "Launching application from Finder"});
    LOG(.p = P_FINDER, .us = local_us(19, 13, 0, 0, 0), .tid = 0x2c01,
        .sft = SFT_LDSC, .img = IM_LAUNCHSVC, .pc = 0x4a2c,
        .aid = 0x8000000000002040ull, .sub = 1,
        .fmt = "LAUNCHING:%{public}@ %{public}@ foreground=%d "
               "bringForward=%d seed=%d userActivityCount=%d",
        .args = {A_OBJ("0x0-0x7e07e"), A_OBJ("DelightEd"), A_I32(1), A_I32(1),
                 A_I32(163), A_I32(0)},
        .msg = "LAUNCHING:0x0-0x7e07e DelightEd foreground=1 bringForward=1 "
               "seed=163 userActivityCount=0");
    LOG(.p = P_RBD, .us = local_us(19, 13, 0, 0, 11000), .tid = 0x3e10,
        .pc = 0x5a80, .sub = 1,
        .fmt = "Checking PreventLaunch: global:%d exPath:%{public}s "
               "predicates:%@ allow:%@",
        .args = {A_I32(0), A_STR(PATH1), A_NULLOBJ, A_NULLOBJ},
        .msg = "Checking PreventLaunch: global:0 exPath:" PATH1
               " predicates:(null) allow:(null)");
    emit_activity(&(rec){.p = P_AMFID, .us = local_us(19, 13, 0, 0, 19000),
                         .lt = 0x01, .tid = 0x5b02, .sft = SFT_DSC,
                         .img = IM_SECURITY, .pc = 0x2a0,
                         .newaid = 0x8000000000002051ull,
                         .fmt = "SecStaticCodeCheckValidity",
                         .msg = "SecStaticCodeCheckValidity"});
    LOG(.p = P_AMFID, .us = local_us(19, 13, 0, 0, 20000), .tid = 0x5b02,
        .pc = 0x4180, .aid = 0x8000000000002051ull,
        .fmt = "Entering OSX path for %{public}s", .args = {A_STR(PATH1)},
        .msg = "Entering OSX path for " PATH1);
    LOG(.p = P_RBD, .us = local_us(19, 13, 0, 0, 50000), .tid = 0x3e10,
        .pc = 0x5b04, .sub = 2,
        .fmt = "Now tracking process: [app<%{public}s(%u)>:%d]",
        .args = {A_STR("application.com.delighted.DelightEd.20753384.20753390"),
                 A_U32(501), A_I32(1990)},
        .msg = "Now tracking process: [app<application.com.delighted."
               "DelightEd.20753384.20753390(501)>:1990]");
    LOG(.p = P_APP1, .us = local_us(19, 13, 0, 0, 300000), .tid = 0x4a01,
        .pc = 0x1c40, .sub = 1, .fmt = "Document window opened",
        .msg = "Document window opened");
}

/* Day 1, 13:05: one message per decoder and printf conversion, from the
 * demo process; the expected texts are log's renderings. */
static void decoders(void)
{
    static const uint8_t uuid_b[16] = {0x10, 0x74, 0x2E, 0x39, 0x06, 0x57,
                                       0x41, 0xF8, 0xAB, 0x99, 0x87, 0x8C,
                                       0x5E, 0xC2, 0xDC, 0xAA};
    static const uint8_t in6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                    0x00, 0x0f, 0x86, 0xff, 0xfe, 0xe9,
                                    0x5c, 0x16};
    static const uint8_t hash[16] = {0x1d, 0x1f, 0xd3, 0xfb, 0xe9, 0xa6,
                                     0x46, 0x6a, 0xb7, 0x32, 0x7f, 0xb6,
                                     0x98, 0x61, 0x02, 0xb2};
    static const frame bt[4] = {{IM_LOGDEMO, 0x3f10}, {IM_SECURITY, 0x12a4c},
                                {IM_LOGDEMO, 0x3e00}, {IM_LAUNCHD, 0x8a0}};
    int64_t t0 = local_us(19, 13, 5, 0, 0);
#define AT(i) (t0 + (int64_t)(i) * 100000)
    const int P = P_LOGDEMO;
    const uint64_t TID = 0x7a01;
    LOG(.p = P, .us = AT(0), .tid = TID, .pc = 0x3010, .sub = 1,
        .fmt = "printf: %d %i %u %x %X %o %c %%",
        .args = {A_I32(42), A_I32(-7), A_U32(4294967295u), A_U32(0xbeef),
                 A_U32(0xbeef), A_U32(8), A_I32('A')},
        .msg = "printf: 42 -7 4294967295 beef BEEF 10 A %");
    LOG(.p = P, .us = AT(1), .tid = TID, .pc = 0x3024, .sub = 1,
        .lt = LT_INFO,
        .fmt = "width: [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%8.3f] "
               "[%{public}-8s] [%{public}8s] [%{public}.2s]",
        .args = {A_I32(42), A_I32(42), A_I32(42), A_I32(42), A_I32(42),
                 A_ICOUNT(3), A_I32(7), A_DBL(3.14159), A_STR("ab"),
                 A_STR("cd"), A_COUNT(2), A_STR("xyz")},
        .msg = "width: [   42] [42   ] [00042] [+42] [ 42] [007] [   3.142] "
               "[ab      ] [      cd] [xy]");
    LOG(.p = P, .us = AT(2), .tid = TID, .pc = 0x3038, .sub = 1,
        .lt = LT_DEBUG,
        .fmt = "lengths: %ld %lld %llu %zu %hhd %hd %lx %#llx %jd",
        .args = {A_I64(-1234567890123LL), A_I64(9223372036854775807LL),
                 A_U64(18446744073709551615ull), A_U64(65536), A_I32(0x1ff),
                 A_I32(0x12345), A_U64(0xdeadbeef), A_U64(0xdeadbeefcafeull),
                 A_I64(-1)},
        .msg = "lengths: -1234567890123 9223372036854775807 "
               "18446744073709551615 65536 -1 9029 deadbeef 0xdeadbeefcafe -1");
    LOG(.p = P, .us = AT(3), .tid = TID, .pc = 0x304c, .sub = 1,
        .fmt = "floats: %f %.2f %e %g %5.1f",
        .args = {A_DBL(2.5), A_DBL(3.14159), A_DBL(12345.678), A_DBL(0.0001),
                 A_DBL(-2.26)},
        .msg = "floats: 2.500000 3.14 1.234568e+04 0.0001  -2.3");
    LOG(.p = P, .us = AT(4), .tid = TID, .pc = 0x3060, .sub = 1,
        .aid = 0x8000000000003001ull, .fmt = "pointer: %p %p",
        .args = {A_U64(0x7ffee4b3c8a0ull), A_U64(0)},
        .msg = "pointer: 0x7ffee4b3c8a0 0x0");
    LOG(.p = P, .us = AT(5), .tid = TID, .pc = 0x3074, .sub = 1,
        .lt = LT_INFO, .fmt = "star: [%*d] [%-*d] [%.*s]",
        .args = {A_ICOUNT(6), A_I32(42), A_ICOUNT(4), A_I32(7), A_COUNT(3),
                 A_STR("abcdef")},
        .msg = "star: [    42] [7   ] [abc]");
    LOG(.p = P, .us = AT(6), .tid = TID, .pc = 0x3088, .sub = 1,
        .fmt = "strings: %{public}s|%{public}s|%{public}@|%@|%{public}s",
        .args = {A_STR("hello"), A_NULLSTR, A_OBJ("NSString description"),
                 A_NULLOBJ, A_STR("\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9")},
        .msg = "strings: hello|(null)|NSString description|(null)|"
               "\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9");
    LOG(.p = P, .us = AT(7), .tid = TID, .pc = 0x309c, .sub = 1,
        .fmt = "multi-line: %{public}@",
        .args = {A_OBJ("first line\n\tsecond line\n    third line")},
        .msg = "multi-line: first line\n\tsecond line\n    third line");
    LOG(.p = P, .us = AT(8), .tid = TID, .pc = 0x30b0, .sub = 3,
        .lt = LT_ERROR,
        .fmt = "privacy: user=%{private}s pid=%{private}d "
               "token=%{sensitive}s name=%{public}s",
        .args = {A_RED_STR, A_RED_NUM, A_SENS, A_STR("ana")},
        .msg = "privacy: user=<private> pid=<private> token=<private> "
               "name=ana");
    fh_break(&procs[P]);               /* the rest in a second chunk */
    LOG(.p = P, .us = AT(9), .tid = TID, .pc = 0x30c4, .sub = 2,
        .fmt = "bool: %{bool}d %{bool}d %{BOOL}d %{BOOL}d",
        .args = {A_I32(1), A_I32(0), A_I32(1), A_I32(0)},
        .msg = "bool: true false YES NO");
    LOG(.p = P, .us = AT(10), .tid = TID, .pc = 0x30d8, .sub = 1,
        .lt = LT_ERROR, .ttl = 14,
        .fmt = "errno: %{errno}d | %{darwin.errno}d | %m",
        .args = {A_I32(2), A_I32(32), A_I32(65)},
        .msg = "errno: [2: No such file or directory] | [32: Broken pipe] | "
               "No route to host");
    LOG(.p = P, .us = AT(11), .tid = TID, .pc = 0x30ec, .sub = 1,
        .lt = LT_FAULT, .fmt = "signal: %{darwin.signal}d",
        .args = {A_I32(11)}, .msg = "signal: [sigsegv: Segmentation Fault]");
    LOG(.p = P, .us = AT(12), .tid = TID, .pc = 0x3100, .sub = 1,
        .lt = LT_INFO, .fmt = "time: %{time_t}d",
        .args = {A_I32(1452627697)}, .msg = "time: 2016-01-12 19:41:37");
    LOG(.p = P, .us = AT(13), .tid = TID, .pc = 0x3114, .sub = 1,
        .fmt = "uuid: %{public,uuid_t}.16P",
        .args = {A_COUNT(16), A_DATA(uuid_b, 16)},
        .msg = "uuid: 10742E39-0657-41F8-AB99-878C5EC2DCAA");
    LOG(.p = P, .us = AT(14), .tid = TID, .pc = 0x3128, .sub = 1,
        .lt = LT_DEBUG,
        .fmt = "net: %{network:in_addr}d %{network:in6_addr}.16P",
        .args = {A_U32(0x0100007f), A_COUNT(16), A_DATA(in6, 16)},
        .msg = "net: 127.0.0.1 fe80::f:86ff:fee9:5c16");
    LOG(.p = P, .us = AT(15), .tid = TID, .pc = 0x313c, .sub = 3,
        .fmt = "hash: %{private, mask.hash}s", .args = {A_HASH(hash, 16)},
        .msg = "hash: <mask.hash: 'HR/T++mmRmq3Mn+2mGECsg=='>");
    LOG(.p = P, .us = AT(16), .tid = TID, .pc = 0x3150, .sub = 1,
        .fmt = "od: %{public, odtypes:ODError}d done", .args = {A_I32(5000)},
        .msg = "od: 5000 done", .undecoded = "odtypes:ODError");
    LOG(.p = P, .us = AT(17), .tid = TID, .pc = 0x3164, .dyn = 1,
        .fmt = "(dynamic)",
        .args = {A_STR("dynamic message, %d kept literally")},
        .msg = "dynamic message, %d kept literally");
    LOG(.p = P, .us = AT(18), .tid = TID, .pc = 0x3178, .sub = 1,
        .fmt = "sizes: %hhu %hu %u %llu",
        .args = {A_INT(0x02, 1, 255), A_INT(0x02, 2, 65535),
                 A_INT(0x02, 4, 7), A_INT(0x02, 8, 1ull << 40)},
        .msg = "sizes: 255 65535 7 1099511627776");
    LOG(.p = P, .us = AT(19), .tid = TID, .pc = 0x3f10, .sub = 1,
        .lt = LT_ERROR, .fmt = "backtrace: %{public}s failed with %d",
        .args = {A_STR("open"), A_I32(-1)}, .bt = bt, .nbt = 4,
        .msg = "backtrace: open failed with -1");
    /* a trace record: two values, 4 and 8 bytes */
    emit_trace(&(rec){.p = P, .us = local_us(19, 13, 5, 3, 0), .tid = TID,
                      .pc = 0x3200, .fmt = "trace: counter=%d size=%llu",
                      .tv = {200, 140717286580400ull}, .tsz = {4, 8},
                      .ntv = 2,
                      .msg = "trace: counter=200 size=140717286580400"});
    /* an oversize chunk that comes before its entry */
    char *big1 = pattern(1200, 'a');
    char *m1 = xprintf("payload(before): %s", big1);
    LOG(.p = P, .us = local_us(19, 13, 5, 5, 0), .tid = TID, .pc = 0x3210,
        .sub = 1, .ov = OV_BEFORE, .ovref = 0x21,
        .fmt = "payload(before): %{public}s", .args = {A_STR(big1)},
        .msg = m1);
    free(big1);
    free(m1);
#undef AT
}

/* Day 1, 13:06: private data in the firehose chunk (an uncollapsed 4 KiB
 * chunk with two records' private ranges, a collapsed one), and an
 * oversize chunk placed after its entry. */
static void private_data(void)
{
    const int P = P_LOGDEMO;
    const uint64_t TID = 0x7a02;
    fh_break(&procs[P]);
    LOG(.p = P, .us = local_us(19, 13, 6, 0, 0), .tid = TID, .pc = 0x3300,
        .sub = 3, .lt = LT_INFO,
        .fmt = "captured: user=%{private}s uid=%{private}d host=%{public}s",
        .args = {A_PSTR("ana"), A_PNUM(501), A_STR("mbp.local")},
        .msg = "captured: user=ana uid=501 host=mbp.local");
    LOG(.p = P, .us = local_us(19, 13, 6, 0, 100000), .tid = TID, .pc = 0x3314,
        .sub = 1, .fmt = "public between private records: %d",
        .args = {A_I32(7)}, .msg = "public between private records: 7");
    LOG(.p = P, .us = local_us(19, 13, 6, 0, 200000), .tid = TID, .pc = 0x3328,
        .sub = 3, .lt = LT_INFO, .fmt = "captured: path=%{private}s",
        .args = {A_PSTR("/Users/ana/secret.txt")},
        .msg = "captured: path=/Users/ana/secret.txt");
    char *big2 = pattern(1300, 'A');
    char *m2 = xprintf("payload(after): %s size=%d", big2, 1300);
    LOG(.p = P, .us = local_us(19, 13, 6, 1, 0), .tid = TID, .pc = 0x333c,
        .sub = 1, .ov = OV_AFTER, .ovref = 0x22,
        .fmt = "payload(after): %{public}s size=%d",
        .args = {A_STR(big2), A_I32(1300)}, .msg = m2);
    free(big2);
    free(m2);
    fh_break(&procs[P]);
    LOG(.p = P, .us = local_us(19, 13, 6, 2, 0), .tid = TID, .pc = 0x3350,
        .sub = 3, .collapsed = 1,
        .fmt = "captured (collapsed chunk): %{private}s",
        .args = {A_PSTR("token-42")},
        .msg = "captured (collapsed chunk): token-42");
}

/* Day 2, 09:00 local: DelightEd relaunched from /Applications after its
 * signature broke; only LaunchServices checks it, logs -67030 and lets it
 * run (fixtures/scenarios/1_modified_in_place). */
static void tolerated(void)
{
    LOG(.p = P_FINDER, .us = local_us(20, 9, 0, 0, 550000), .tid = 0x2c01,
        .sft = SFT_LDSC, .img = IM_LAUNCHSVC, .pc = 0x4a2c, .sub = 1,
        .fmt = "LAUNCHING:%{public}@ %{public}@ foreground=%d "
               "bringForward=%d seed=%d userActivityCount=%d",
        .args = {A_OBJ("0x0-0x7f07f"), A_OBJ("DelightEd"), A_I32(1), A_I32(1),
                 A_I32(171), A_I32(0)},
        .msg = "LAUNCHING:0x0-0x7f07f DelightEd foreground=1 bringForward=1 "
               "seed=171 userActivityCount=0");
    for (int k = 0; k < 2; k++)
        LOG(.p = P_LSD, .us = local_us(20, 9, 0, 0, 560000 + 500 * k),
            .tid = 0x2d44, .sft = SFT_DSC, .img = IM_SECURITY, .pc = 0x1b7c4,
            .sub = 1, .fmt = "MacOS error: %d", .args = {A_I32(-67030)},
            .msg = "MacOS error: -67030");
    LOG(.p = P_LSD, .us = local_us(20, 9, 0, 0, 561000), .tid = 0x2d44,
        .sft = SFT_LDSC, .img = IM_LAUNCHSVC, .pc = 0x9e10, .sub = 2,
        .lt = LT_ERROR,
        .fmt = "Error %d validating the signing information for %{public}@, "
               "error=%@",
        .args = {A_I32(-67030), A_OBJ("/Applications/DelightEd.app"),
                 A_OBJ("Error Domain=NSOSStatusErrorDomain Code=-67030 "
                       "\"(null)\" UserInfo={SecCSArchitecture=arm64}")},
        .msg = "Error -67030 validating the signing information for "
               "/Applications/DelightEd.app, error=Error Domain="
               "NSOSStatusErrorDomain Code=-67030 \"(null)\" "
               "UserInfo={SecCSArchitecture=arm64}");
    LOG(.p = P_RBD, .us = local_us(20, 9, 0, 0, 574000), .tid = 0x3e10,
        .pc = 0x5a80, .sub = 1,
        .fmt = "Checking PreventLaunch: global:%d exPath:%{public}s "
               "predicates:%@ allow:%@",
        .args = {A_I32(0), A_STR(PATH1), A_NULLOBJ, A_NULLOBJ},
        .msg = "Checking PreventLaunch: global:0 exPath:" PATH1
               " predicates:(null) allow:(null)");
    LOG(.p = P_RBD, .us = local_us(20, 9, 0, 0, 590000), .tid = 0x3e10,
        .pc = 0x5b04, .sub = 2,
        .fmt = "Now tracking process: [app<%{public}s(%u)>:%d]",
        .args = {A_STR("application.com.delighted.DelightEd.20753384.20753390"),
                 A_U32(501), A_I32(2690)},
        .msg = "Now tracking process: [app<application.com.delighted."
               "DelightEd.20753384.20753390(501)>:2690]");
    LOG(.p = P_APP2, .us = local_us(20, 9, 0, 1, 2000), .tid = 0x4a01,
        .pc = 0x1c40, .sub = 1, .fmt = "Document window opened",
        .msg = "Document window opened");
}

/* Day 2, 10:00 local: a copy launched from a new folder; amfid checks it
 * in full, the Team ID makes the broken signature fatal and the kernel
 * refuses the exec (fixtures/scenarios/2_copied_new_folder). */
static void blocked(void)
{
    LOG(.p = P_FINDER, .us = local_us(20, 10, 0, 0, 300000), .tid = 0x2c01,
        .sft = SFT_LDSC, .img = IM_LAUNCHSVC, .pc = 0x4a2c, .sub = 1,
        .fmt = "LAUNCHING:%{public}@ %{public}@ foreground=%d "
               "bringForward=%d seed=%d userActivityCount=%d",
        .args = {A_OBJ("0x0-0x80080"), A_OBJ("DelightEd"), A_I32(1), A_I32(1),
                 A_I32(172), A_I32(0)},
        .msg = "LAUNCHING:0x0-0x80080 DelightEd foreground=1 bringForward=1 "
               "seed=172 userActivityCount=0");
    LOG(.p = P_LSD, .us = local_us(20, 10, 0, 0, 311000), .tid = 0x2d44,
        .sft = SFT_DSC, .img = IM_SECURITY, .pc = 0x1b7c4, .sub = 1,
        .fmt = "MacOS error: %d", .args = {A_I32(-67030)},
        .msg = "MacOS error: -67030");
    LOG(.p = P_RBD, .us = local_us(20, 10, 0, 0, 311900), .tid = 0x3e10,
        .pc = 0x5a80, .sub = 1,
        .fmt = "Checking PreventLaunch: global:%d exPath:%{public}s "
               "predicates:%@ allow:%@",
        .args = {A_I32(0), A_STR(PATH2), A_NULLOBJ, A_NULLOBJ},
        .msg = "Checking PreventLaunch: global:0 exPath:" PATH2
               " predicates:(null) allow:(null)");
    LOG(.p = P_AMFID, .us = local_us(20, 10, 0, 0, 312000), .tid = 0x5b02,
        .pc = 0x4180, .fmt = "Entering OSX path for %{public}s",
        .args = {A_STR(PATH2)}, .msg = "Entering OSX path for " PATH2);
    LOG(.p = P_AMFID, .us = local_us(20, 10, 0, 0, 318800), .tid = 0x5b02,
        .sft = SFT_DSC, .img = IM_SECURITY, .pc = 0x1b7c4, .sub = 3,
        .fmt = "MacOS error: %d", .args = {A_I32(-67030)},
        .msg = "MacOS error: -67030");
    LOG(.p = P_AMFID, .us = local_us(20, 10, 0, 0, 319200), .tid = 0x5b02,
        .pc = 0x41c8, .sub = 2, .lt = LT_ERROR,
        .fmt = "Code failed basic validity check (error: %d): %@",
        .args = {A_I32(-67030),
                 A_OBJ("Error Domain=NSOSStatusErrorDomain Code=-67030 "
                       "UserInfo={SecCSArchitecture=arm64}")},
        .msg = "Code failed basic validity check (error: -67030): Error "
               "Domain=NSOSStatusErrorDomain Code=-67030 "
               "UserInfo={SecCSArchitecture=arm64}");
    LOG(.p = P_AMFID, .us = local_us(20, 10, 0, 0, 319600), .tid = 0x5b02,
        .pc = 0x41f0, .lt = LT_ERROR, .fmt = "%{public}s not valid: %@",
        .args = {A_STR(PATH2),
                 A_OBJ("Error Domain=AppleMobileFileIntegrityError Code=-420 "
                       "\"The signature on the file is invalid\" UserInfo={"
                       "NSURL=file://" PATH2 ", NSLocalizedDescription=The "
                       "signature on the file is invalid}")},
        .msg = PATH2 " not valid: Error Domain=AppleMobileFileIntegrityError "
               "Code=-420 \"The signature on the file is invalid\" UserInfo={"
               "NSURL=file://" PATH2 ", NSLocalizedDescription=The signature "
               "on the file is invalid}");
    LOG(.p = P_KERNEL, .us = local_us(20, 10, 0, 0, 320000), .tid = 0x1f03,
        .sft = SFT_ABS, .pc = 0x5678,
        .fmt = "AMFI: code signature validation failed.",
        .msg = "AMFI: code signature validation failed.");
    LOG(.p = P_AMFID, .us = local_us(20, 10, 0, 0, 320100), .tid = 0x5b02,
        .pc = 0x4220, .sub = 1, .lt = LT_ERROR,
        .fmt = "%{private}s: Broken signature with Team ID fatal.",
        .args = {A_RED_STR},
        .msg = "<private>: Broken signature with Team ID fatal.");
    LOG(.p = P_KERNEL, .us = local_us(20, 10, 0, 0, 320400), .tid = 0x1f03,
        .pc = 0x3a90,
        .fmt = "mac_vnode_check_signature: %s: code signature validation "
               "failed fatally: When validating %s: The code contains a Team "
               "ID, but validating its signature failed. Please check your "
               "system log.",
        .args = {A_KSTR(PATH2), A_KSTR(PATH2)},
        .msg = "mac_vnode_check_signature: " PATH2 ": code signature "
               "validation failed fatally: When validating " PATH2 ": The "
               "code contains a Team ID, but validating its signature "
               "failed. Please check your system log.");
    LOG(.p = P_KERNEL, .us = local_us(20, 10, 0, 0, 320500), .tid = 0x1f03,
        .pc = 0x3ab8,
        .fmt = "validation of code signature failed through MACF policy: %d",
        .args = {A_I32(1)},
        .msg = "validation of code signature failed through MACF policy: 1");
    LOG(.p = P_KERNEL, .us = local_us(20, 10, 0, 0, 320600), .tid = 0x1f03,
        .pc = 0x3ad0,
        .fmt = "proc %d: load code signature error %d for file \"%s\"",
        .args = {A_I32(2741), A_I32(4), A_KSTR("DelightEd")},
        .msg = "proc 2741: load code signature error 4 for file "
               "\"DelightEd\"");
    LOG(.p = P_KERNEL, .us = local_us(20, 10, 0, 0, 321900), .tid = 0x1f03,
        .sft = SFT_UUID, .img = IM_ASP, .pc = 0x1a44,
        .fmt = "ASP: Security policy would not allow process: %d, %s",
        .args = {A_I32(2741), A_KSTR(PATH2)},
        .msg = "ASP: Security policy would not allow process: 2741, " PATH2);
}

/* Builds the three tracev3 files, the string stores and timesync, the text
 * twin and the expectations into argv[1]; assumes the folder is new or
 * holds an earlier output (files are overwritten). */
int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_tracev3 OUTDIR\n");
        return 2;
    }
    const char *out = argv[1];
    char *la = xprintf("%s/system_logs.logarchive", out);
    anchors_init();
    uuid_parse(BOOT_UUID, boot_uuid);
    for (int i = 0; i < IM_COUNT; i++) {
        uuid_parse(images[i].uuid_s, images[i].uuid);
        uuid_text(images[i].uuid, images[i].uuid_t);
    }

    /* Persist: catalog A (day 1), catalog B (day 2) */
    file_begin(0);
    seg_begin((const int[]){P_KERNEL, P_AMFID, P_RBD, P_FINDER, P_APP1,
                            P_LOGDEMO, -1});
    cs_begin(0);
    LOG(.p = P_KERNEL, .us = local_us(19, 8, 0, 5, 250000), .tid = 0x101,
        .pc = 0x3a20, .fmt = "Security policy loaded: %s (%s)",
        .args = {A_KSTR("Apple Mobile File Integrity"), A_KSTR("AMFI")},
        .msg = "Security policy loaded: Apple Mobile File Integrity (AMFI)");
    LOG(.p = P_KERNEL, .us = local_us(19, 8, 0, 6, 1), .tid = 0x101,
        .sft = SFT_ABS, .pc = 0x5600, .fmt = "", .msg = "");
    first_launch();
    decoders();
    cs_begin(0);
    private_data();
    seg_begin((const int[]){P_KERNEL, P_AMFID, P_LSD, P_RBD, P_FINDER, P_APP2,
                            P_LOGDEMO, -1});
    cs_begin(0);
    tolerated();
    blocked();
    char *big3 = pattern(1500, 'k');
    char *m3 = xprintf("payload(elsewhere): %s", big3);
    LOG(.p = P_LOGDEMO, .us = local_us(20, 10, 30, 0, 0), .tid = 0x7a03,
        .pc = 0x3400, .sub = 1, .ov = OV_ELSEWHERE, .ovref = 0x30,
        .fmt = "payload(elsewhere): %{public}s", .args = {A_STR(big3)},
        .msg = m3);
    free(big3);
    free(m3);

    /* Special: dumps, a TTL record, a loss, and the oversize data above */
    file_begin(1);
    seg_begin((const int[]){P_KERNEL, P_LAUNCHD, P_RBD, P_LOGDEMO, -1});
    cs_begin(0);
    emit_simpledump(P_LAUNCHD, local_us(19, 8, 0, 3, 100000), LT_DEFAULT,
                    0x11, IM_LAUNCHD, 0x8a40, "com.apple.xpc.launchd",
                    "Service exited with abnormal code: 78");
    static const char rb_state[] = "processes: 42\nassertions: 7\n"
                                   "\tDelightEd (1990): foreground";
    emit_statedump(P_RBD, local_us(19, 13, 10, 0, 0), 0x8000000000002060ull,
                   IM_RBD, 3, "RunningBoardServices", "RBSStateCapture",
                   "RunningBoard state", rb_state, sizeof rb_state, 1);
    /* a binary plist {"state": "idle"}: kept encoded */
    static const uint8_t plist[57] = {
        'b', 'p', 'l', 'i', 's', 't', '0', '0', 0xd1, 0x01, 0x02, 0x55, 's',
        't', 'a', 't', 'e', 0x54, 'i', 'd', 'l', 'e', 0x08, 0x0b, 0x11, 0, 0,
        0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 22};
    emit_statedump(P_LOGDEMO, local_us(19, 13, 10, 1, 0),
                   0x8000000000003001ull, IM_LOGDEMO, 1, "", "",
                   "logdemo settings", plist, sizeof plist, 0);
    LOG(.p = P_LOGDEMO, .us = local_us(19, 13, 10, 2, 0), .tid = 0x7a04,
        .pc = 0x3500, .sub = 1, .ttl = 3,
        .fmt = "special store record, ttl %d days", .args = {A_I32(3)},
        .msg = "special store record, ttl 3 days");
    emit_loss(&(rec){.p = P_LOGDEMO, .us = local_us(19, 13, 10, 3, 0),
                     .tid = 0x7a04,
                     .lstart = ct_at_us(local_us(19, 13, 10, 2, 500000)),
                     .lend = ct_at_us(local_us(19, 13, 10, 2, 900000)),
                     .lcount = 3});
    place_elsewhere();

    /* Signpost: interval and event signposts, a stored chunkset */
    file_begin(2);
    seg_begin((const int[]){P_RBD, P_LOGDEMO, -1});
    cs_begin(1);
    LOG(.p = P_RBD, .us = local_us(19, 13, 0, 0, 12000), .tid = 0x3e10,
        .rt = 6, .scope = 2, .kind = 1, .spid = 0xeeeeb0b5b2b2eeeeull,
        .spname = "LaunchApp", .pc = 0x5c00, .sub = 2,
        .fmt = "launch: %{public}s", .args = {A_STR("DelightEd")},
        .msg = "launch: DelightEd");
    LOG(.p = P_RBD, .us = local_us(19, 13, 0, 0, 51000), .tid = 0x3e10,
        .rt = 6, .scope = 2, .kind = 2, .spid = 0xeeeeb0b5b2b2eeeeull,
        .spname = "LaunchApp", .pc = 0x5c20, .sub = 2,
        .fmt = "launch: done, pid %d", .args = {A_I32(1990)},
        .msg = "launch: done, pid 1990");
    LOG(.p = P_LOGDEMO, .us = local_us(19, 13, 5, 6, 0), .tid = 0x7a01,
        .rt = 6, .scope = 1, .kind = 0, .spid = 0x2a, .pc = 0x3600,
        .aid = 0x8000000000003001ull, .ttl = 14, .fmt = "tick %{public}s",
        .args = {A_STR("one")}, .msg = "tick one");
    LOG(.p = P_LOGDEMO, .us = local_us(19, 13, 5, 6, 100000), .tid = 0x7a01,
        .rt = 6, .scope = 3, .kind = 0, .spid = 0xfeedface,
        .spname = "Checkpoint", .pc = 0x3614, .sub = 1,
        .fmt = "checkpoint %d reached", .args = {A_I32(3)},
        .msg = "checkpoint 3 reached");

    if (nelsewhere)
        die("oversize data left unplaced");
    for (size_t f = 0; f < 3; f++)
        write_tv3(la, &files[f], 127);
    for (int i = 0; i < IM_COUNT; i++)
        if (!images[i].dsc && images[i].path)
            write_uuidtext(la, &images[i]);
    write_dsc(la);
    write_timesync(la);
    qsort(tevs, ntevs, sizeof *tevs, cmp_tev);
    for (size_t i = 1; i < ntevs; i++)
        if (tevs[i].us == tevs[i - 1].us)
            die("two events at %lld us", (long long)tevs[i].us);
    write_text(out);
    write_expect(out);
    write_images(out);
    printf("gen_tracev3: %zu events in %s (and logshow.txt, expect.sql, "
           "images.tsv)\n", ntevs, la);
    free(la);
    return 0;
}
