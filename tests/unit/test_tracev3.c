/*
 * test_tracev3.c -- the binary unified log readers (timesync, uuidtext,
 * dsc, tracev3) on the real corpus files, checked against the values
 * libyal dtformats' own tests assert for the same files
 * (tests/unified_logging.py), plus hostile inputs.
 *
 * The corpus is found through $CORPUS or ../shared/corpus (run from the
 * repository root); tests that need it say "skip" and pass when absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>

#include "check.h"
#include "dsc.h"
#include "logfmt.h"
#include "parser.h"
#include "timesync.h"
#include "tracev3.h"
#include "uuidtext.h"

/* ---- helpers ------------------------------------------------------------- */

static char corpus_dir[1024];

/* Finds the libyal corpus folder; 0 when present. */
static int find_corpus(void)
{
    const char *c = getenv("CORPUS");
    snprintf(corpus_dir, sizeof corpus_dir, "%s/libyal_dtformats_unified_logging",
             c && *c ? c : "../shared/corpus");
    struct stat sb;
    return stat(corpus_dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

/* Reads a corpus file (path relative to the libyal folder); NULL when
 * absent, with a skip message. */
static uint8_t *corpus_file(const char *rel, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("skip: %s not found (set CORPUS)\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int view_is(st_str v, const char *s)
{
    return v.p && v.n == strlen(s) && memcmp(v.p, s, v.n) == 0;
}

/* ---- timesync ------------------------------------------------------------ */

/* libyal testReadFileRecord: the boot record at 0 and the sync record at
 * 48 of timesync/0000000000000002.timesync. */
TEST(timesync_corpus_records)
{
    size_t n;
    uint8_t *b = corpus_file("timesync/0000000000000002.timesync", &n);
    if (!b)
        return;
    st_timesync ts;
    memset(&ts, 0, sizeof ts);
    long recs = st_timesync_parse(&ts, b, n, "t", NULL, NULL);
    CHECK(recs > 2);
    CHECK_INT(ts.warnings, 0);
    CHECK(ts.nboots >= 1);
    /* the first boot is the record at offset 0 */
    CHECK(b[0] == 0xb0 && b[1] == 0xbb && b[2] == 48);
    const st_ts_boot *bt = st_timesync_boot(&ts, b + 8);
    CHECK(bt == &ts.boots[0]);
    CHECK_INT(bt->numer, 125);
    CHECK_INT(bt->denom, 3);
    CHECK_INT(bt->wall_ns, 1541730321839294000LL);
    CHECK_INT(bt->tz_min, 480);
    CHECK_INT(bt->dst, 0);
    /* the record at 48 is the first sync record of that boot */
    CHECK(b[48] == 'T' && b[49] == 's' && b[50] == 32);
    CHECK(bt->nsyncs > 0);
    CHECK_INT(bt->syncs[0].kernel_time, 494027973);
    CHECK_INT(bt->syncs[0].wall_ns, 1541730337313716000LL);
    CHECK_INT(bt->syncs[0].tz_min, 480);
    CHECK_INT(bt->syncs[0].dst, 0);
    /* every record is 48 or 32 bytes: the count adds up to the size */
    size_t total = 0;
    for (size_t i = 0; i < ts.nboots; i++)
        total += 48 + 32 * ts.boots[i].nsyncs;
    CHECK(total <= n);
    /* conversion at a sync point is its wall time; 3 ticks = 125 ns */
    CHECK_INT(st_ts_to_wall_ns(bt, 494027973, NULL, NULL),
              1541730337313716000LL);
    CHECK_INT(st_ts_to_wall_ns(bt, 494027976, NULL, NULL),
              1541730337313716125LL);
    /* before the first sync record the boot record is the base */
    CHECK_INT(st_ts_to_wall_ns(bt, 3, NULL, NULL), 1541730321839294125LL);
    st_timesync_free(&ts);
    free(b);
}

TEST(timesync_load_dir)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/timesync", corpus_dir);
    st_timesync ts;
    memset(&ts, 0, sizeof ts);
    char err[300];
    int files = st_timesync_load_dir(&ts, dir, NULL, NULL, err, sizeof err);
    if (files < 0) {
        printf("skip: %s\n", err);
        return;
    }
    CHECK_INT(files, 1);
    CHECK(ts.nboots >= 1);
    st_timesync_free(&ts);
    CHECK(st_timesync_load_dir(&ts, "/nonexistent/timesync", NULL, NULL,
                               err, sizeof err) < 0);
    CHECK(strstr(err, "nonexistent") != NULL);
}

static int warn_count;
static void count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    warn_count++;
}

/* Hostile timesync data: cut records, lying sizes, orphan sync records,
 * zero timebase -- a counted warning each, nothing read out of bounds. */
TEST(timesync_hostile)
{
    uint8_t b[48 + 32 + 10];
    memset(b, 0, sizeof b);
    b[0] = 0xb0; b[1] = 0xbb; b[2] = 48;
    b[8] = 0xAA;                          /* uuid */
    /* timebase 0/0 -> 1/1 with a warning */
    b[48] = 'T'; b[49] = 's'; b[50] = 32;
    b[56] = 100;                          /* kernel time 100 */
    b[64] = 0x10;                         /* wall 16 */
    b[80] = 'T'; b[81] = 's'; b[82] = 32; /* cut: only 10 bytes */
    st_timesync ts;
    memset(&ts, 0, sizeof ts);
    warn_count = 0;
    long r = st_timesync_parse(&ts, b, sizeof b, "h", count_warn, NULL);
    CHECK_INT(r, 2);
    CHECK_INT(warn_count, 2);             /* timebase, cut record */
    CHECK_INT(ts.nboots, 1);
    CHECK_INT(ts.boots[0].numer, 1);
    CHECK_INT(ts.boots[0].nsyncs, 1);
    CHECK_INT(st_ts_to_wall_ns(&ts.boots[0], 110, NULL, NULL), 26);
    st_timesync_free(&ts);

    /* a sync record first: dropped with a warning */
    uint8_t o[32] = {'T', 's', 32};
    warn_count = 0;
    CHECK_INT(st_timesync_parse(&ts, o, sizeof o, "o", count_warn, NULL), 1);
    CHECK_INT(warn_count, 1);
    CHECK_INT(ts.nboots, 0);
    /* lying size */
    uint8_t l[48] = {0xb0, 0xbb, 200};
    warn_count = 0;
    CHECK_INT(st_timesync_parse(&ts, l, sizeof l, "l", count_warn, NULL), 0);
    CHECK_INT(warn_count, 1);
    /* garbage */
    uint8_t g[7] = {1, 2, 3, 4, 5, 6, 7};
    warn_count = 0;
    CHECK_INT(st_timesync_parse(&ts, g, sizeof g, "g", count_warn, NULL), 0);
    CHECK_INT(warn_count, 1);
    st_timesync_free(&ts);
}

TEST(timesync_convert_exact)
{
    /* 125/3 ns per tick, exact floor */
    CHECK_INT(st_ts_convert(1, 0, 0, 125, 3), 41);
    CHECK_INT(st_ts_convert(3000000000000ULL, 0, 0, 125, 3),
              125000000000000LL);
    /* before the base: floor towards minus infinity */
    CHECK_INT(st_ts_convert(0, 1, 1000, 125, 3), 1000 - 42);
    /* huge values do not overflow the intermediate product */
    CHECK_INT(st_ts_convert(UINT64_MAX / 2, 0, 0, 1, 1),
              (int64_t)(UINT64_MAX / 2));
    CHECK_INT(st_ts_convert(UINT64_MAX, 0, 0, 1000, 1), INT64_MAX);
    CHECK_INT(st_ts_convert(5, 0, 7, 1, 0), 12);      /* denom 0 -> 1 */
}

/* ---- uuidtext ------------------------------------------------------------ */

/* libyal UUIDTextFileTest: header 2.1 with 0 entries and footer
 * "/usr/libexec/lsd" in 22/0D3C..., the string at 0x5591 (file offset
 * 0x18) in 00/7EF5.... */
TEST(uuidtext_corpus)
{
    size_t n;
    uint8_t *b = corpus_file("uuidtext/22/0D3C2953A33917B333DD8366AC25F2", &n);
    if (!b)
        return;
    st_uuidtext ut;
    char err[200];
    CHECK_INT(st_uuidtext_parse(&ut, b, n, err, sizeof err), 0);
    CHECK_INT(ut.major, 2);
    CHECK_INT(ut.minor, 1);
    CHECK_INT(ut.nentries, 0);
    CHECK(view_is(ut.image_path, "/usr/libexec/lsd"));
    st_str s;
    CHECK(st_uuidtext_string(&ut, 0, &s) < 0);
    st_uuidtext_free(&ut);
    free(b);

    b = corpus_file("uuidtext/00/7EF56328D53A78B59CCCE3E3189F57", &n);
    if (!b)
        return;
    CHECK_INT(st_uuidtext_parse(&ut, b, n, err, sizeof err), 0);
    CHECK_INT(ut.nentries, 1);
    CHECK_INT(ut.entries[0].data_off, 0x18);
    CHECK_INT(st_uuidtext_string(&ut, 0x5591, &s), 0);
    CHECK(view_is(s, "system.install.apple-software"));
    CHECK(s.p == (const char *)b + 0x18);
    /* the next string of the entry, and the bounds */
    CHECK_INT(st_uuidtext_string(&ut, 0x5591 + 30, &s), 0);
    CHECK(view_is(s, "system.install.apple-software.standard-user"));
    CHECK(st_uuidtext_string(&ut, 0x5590, &s) < 0);
    CHECK(st_uuidtext_string(&ut, 0x5591 + ut.entries[0].size, &s) < 0);
    st_uuidtext_free(&ut);
    free(b);
}

TEST(uuidtext_hostile)
{
    uint8_t b[40] = {0x99, 0x88, 0x77, 0x66, 2, 0, 0, 0, 1, 0, 0, 0};
    st_uuidtext ut;
    char err[200];
    /* an entry larger than the file */
    b[12] = 1;
    b[16] = 0x10;                        /* start 0x10 */
    b[20] = 200;                         /* size 200 */
    CHECK(st_uuidtext_parse(&ut, b, sizeof b, err, sizeof err) < 0);
    CHECK(strstr(err, "runs past") != NULL);
    /* an entry count larger than the file */
    b[12] = 0xff; b[13] = 0xff; b[14] = 0xff; b[15] = 0x0f;
    CHECK(st_uuidtext_parse(&ut, b, sizeof b, err, sizeof err) < 0);
    /* a string without NUL stops at its entry's end */
    b[12] = 1; b[13] = b[14] = b[15] = 0;
    b[20] = 8;
    memcpy(b + 24, "ABCDEFGHIJ", 10);
    CHECK_INT(st_uuidtext_parse(&ut, b, sizeof b, err, sizeof err), 0);
    st_str s;
    CHECK_INT(st_uuidtext_string(&ut, 0x12, &s), 0);
    CHECK(view_is(s, "CDEFGH"));
    /* the footer: what follows the entry, up to its NUL */
    CHECK(view_is(ut.image_path, "IJ"));
    st_uuidtext_free(&ut);
    /* wrong magic, short file, unsupported version */
    b[0] = 0;
    CHECK(st_uuidtext_parse(&ut, b, sizeof b, err, sizeof err) < 0);
    CHECK(st_uuidtext_parse(&ut, b, 3, err, sizeof err) < 0);
    b[0] = 0x99;
    b[4] = 3;
    CHECK(st_uuidtext_parse(&ut, b, sizeof b, err, sizeof err) < 0);
}

/* ---- dsc ----------------------------------------------------------------- */

/* libyal DSCFileTest on dsc-version1 and dsc-version2. */
TEST(dsc_corpus)
{
    size_t n;
    uint8_t *b = corpus_file("uuidtext/dsc/dsc-version2", &n);
    if (!b)
        return;
    st_dsc d;
    char err[200];
    CHECK_INT(st_dsc_parse(&d, b, n, err, sizeof err), 0);
    CHECK_INT(d.major, 2);
    CHECK_INT(d.minor, 0);
    CHECK_INT(d.nranges, 263);
    CHECK_INT(d.nimages, 200);
    CHECK_INT(d.ranges[10].data_off, 64272);
    CHECK_INT(d.ranges[10].range_off, 194710);
    CHECK_INT(d.ranges[10].size, 39755);
    CHECK_INT(d.images[197].text_off, 26816512);
    CHECK_INT(d.images[197].text_size, 43736);
    CHECK(view_is(d.images[197].path,
                  "/System/Library/Extensions/AppleD2207PMU.kext/"
                  "AppleD2207PMU"));
    CHECK_INT(d.bad, 0);
    /* a string lookup lands in the range's data */
    st_str s;
    const st_dsc_image *im = NULL;
    CHECK_INT(st_dsc_string(&d, 194710, &s, &im), 0);
    CHECK(s.p == (const char *)b + 64272);
    CHECK(im == &d.images[d.ranges[10].uuid_index]);
    CHECK(st_dsc_string(&d, 0, &s, &im) < 0 || d.ranges[0].range_off == 0);
    /* image by address */
    CHECK(st_dsc_image_at(&d, 26816512 + 100) == &d.images[197]);
    st_dsc_free(&d);
    free(b);

    b = corpus_file("uuidtext/dsc/dsc-version1", &n);
    if (!b)
        return;
    CHECK_INT(st_dsc_parse(&d, b, n, err, sizeof err), 0);
    CHECK_INT(d.major, 1);
    CHECK_INT(d.nranges, 252);
    CHECK_INT(d.nimages, 196);
    CHECK_INT(d.ranges[64].range_off, 1756712);
    CHECK_INT(d.ranges[64].size, 3834);
    CHECK_INT(d.images[42].text_off, 9191424);
    CHECK_INT(d.images[42].text_size, 223732);
    CHECK(view_is(d.images[42].path,
                  "/System/Library/Extensions/AppleH8ADBE0.kext/AppleH8ADBE0"));
    /* libyal testReadImagePath: the path at file offset 3202606 */
    int found = 0;
    for (size_t i = 0; i < d.nimages; i++)
        if (d.images[i].path_off == 3202606) {
            found = 1;
            CHECK(view_is(d.images[i].path,
                          "/System/Library/Extensions/"
                          "AppleBCMWLANFirmware_Hashstore.kext/"
                          "AppleBCMWLANFirmware_Hashstore"));
        }
    CHECK(found);
    CHECK_INT(d.bad, 0);
    st_dsc_free(&d);
    free(b);
}

/* The 205-byte dsc of the corpus is a cut-down sample (libyal's own test
 * of it is marked failing): it must be refused or parsed within bounds. */
TEST(dsc_cut_sample)
{
    size_t n;
    uint8_t *b = corpus_file("uuidtext/dsc/8E21CAB1DCF936B49F85CF860E6F34EC",
                             &n);
    if (!b)
        return;
    st_dsc d;
    char err[200];
    if (st_dsc_parse(&d, b, n, err, sizeof err) == 0) {
        CHECK(d.bad > 0);
        st_str s;
        for (uint64_t r = 0; r < 0x50000; r += 0x1000)
            (void)st_dsc_string(&d, r, &s, NULL);
        st_dsc_free(&d);
    }
    free(b);
}

TEST(dsc_hostile)
{
    uint8_t b[16 + 24 + 32 + 8];
    memset(b, 0, sizeof b);
    memcpy(b, "hcsd", 4);
    b[4] = 2;
    b[8] = 1;                           /* 1 range */
    b[12] = 1;                          /* 1 image */
    /* range: offset 0x100, data offset 0x7fffffff (outside), size 4 */
    b[16 + 1] = 1;
    b[16 + 8] = 0xff; b[16 + 9] = 0xff; b[16 + 10] = 0xff; b[16 + 11] = 0x7f;
    b[16 + 12] = 4;
    /* image path offset outside */
    b[40 + 28] = 0xff; b[40 + 29] = 0xff;
    st_dsc d;
    char err[200];
    CHECK_INT(st_dsc_parse(&d, b, sizeof b, err, sizeof err), 0);
    CHECK_INT(d.bad, 2);
    st_str s;
    CHECK(st_dsc_string(&d, 0x100, &s, NULL) < 0);
    st_dsc_free(&d);
    /* counts larger than the file */
    b[8] = 0xff; b[9] = 0xff;
    CHECK(st_dsc_parse(&d, b, sizeof b, err, sizeof err) < 0);
    /* unknown version */
    b[8] = 1; b[9] = 0;
    b[4] = 3;
    CHECK(st_dsc_parse(&d, b, sizeof b, err, sizeof err) < 0);
    CHECK(strstr(err, "3.0") != NULL);
    CHECK(st_dsc_parse(&d, b, 10, err, sizeof err) < 0);
}

/* The cache finds files by UUID in XX/ and dsc/, remembers misses. */
TEST(ulcache_lookup)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/uuidtext", corpus_dir);
    st_ulcache *c = st_ulcache_open(dir);
    CHECK(c != NULL);
    static const uint8_t lsd[16] = {0x22, 0x0D, 0x3C, 0x29, 0x53, 0xA3, 0x39,
                                    0x17, 0xB3, 0x33, 0xDD, 0x83, 0x66, 0xAC,
                                    0x25, 0xF2};
    int why;
    const st_uuidtext *ut = st_ulcache_uuidtext(c, lsd, &why);
    if (!ut) {
        printf("skip: uuidtext not found under %s\n", dir);
        st_ulcache_close(c);
        return;
    }
    CHECK(view_is(ut->image_path, "/usr/libexec/lsd"));
    CHECK(st_ulcache_uuidtext(c, lsd, &why) == ut);
    uint8_t none[16] = {1};
    CHECK(st_ulcache_uuidtext(c, none, &why) == NULL);
    CHECK_INT(why, ST_UL_MISSING);
    CHECK(st_ulcache_dsc(c, none, &why) == NULL);
    st_ulcache_stats st;
    st_ulcache_stats_get(c, &st);
    CHECK_INT(st.mapped, 1);
    CHECK_INT(st.missing, 2);
    char u[37];
    st_uuid_format(lsd, u);
    CHECK_STR(u, "220D3C29-53A3-3917-B333-DD8366AC25F2");
    st_ulcache_close(c);
    c = st_ulcache_open(NULL);
    CHECK(st_ulcache_uuidtext(c, lsd, &why) == NULL);
    CHECK_INT(why, ST_UL_NODIR);
    st_ulcache_close(c);
}


/* ---- tracev3 on the corpus ----------------------------------------------- */

/* A sink keeping copies of what it receives. */
typedef struct kept {
    char *type, *event_type, *process, *process_path, *sender, *sender_path,
        *subsystem, *category, *message, *format, *process_uuid,
        *sender_uuid, *boot_uuid, *locator, *extra, *backtrace, *spname,
        *spscope, *sptype;
    st_event ev;
} kept;

typedef struct cap {
    kept *v;
    size_t n, cap;
    char notes[64][2][160];
    size_t nnotes;
    char warns[256][300];
    size_t nwarns;
    size_t stop_after;          /* 0: never ask to stop */
} cap;

static char *dupv(st_str s)
{
    if (!s.p)
        return NULL;
    char *d = malloc(s.n + 1);
    memcpy(d, s.p, s.n);
    d[s.n] = 0;
    return d;
}

static int cap_event(void *c, const st_event *e)
{
    cap *k = c;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->v = realloc(k->v, k->cap * sizeof *k->v);
    }
    kept *x = &k->v[k->n++];
    memset(x, 0, sizeof *x);
    x->ev = *e;
    x->type = dupv(e->type);
    x->event_type = dupv(e->event_type);
    x->process = dupv(e->process);
    x->process_path = dupv(e->process_path);
    x->sender = dupv(e->sender);
    x->sender_path = dupv(e->sender_path);
    x->subsystem = dupv(e->subsystem);
    x->category = dupv(e->category);
    x->message = dupv(e->message);
    x->format = dupv(e->format_string);
    x->process_uuid = dupv(e->process_uuid);
    x->sender_uuid = dupv(e->sender_uuid);
    x->boot_uuid = dupv(e->boot_uuid);
    x->locator = dupv(e->locator);
    x->extra = dupv(e->extra_json);
    x->backtrace = dupv(e->backtrace_json);
    x->spname = dupv(e->signpost_name);
    x->spscope = dupv(e->signpost_scope);
    x->sptype = dupv(e->signpost_type);
    return k->stop_after && k->n >= k->stop_after;
}

static void cap_warn(void *c, int64_t line, const char *m)
{
    cap *k = c;
    (void)line;
    if (k->nwarns < 256)
        snprintf(k->warns[k->nwarns], sizeof k->warns[0], "%s", m);
    k->nwarns++;
}

static void cap_note(void *c, const char *key, const char *v)
{
    cap *k = c;
    if (k->nnotes < 64) {
        snprintf(k->notes[k->nnotes][0], 160, "%s", key);
        snprintf(k->notes[k->nnotes][1], 160, "%s", v);
        k->nnotes++;
    }
}

static void cap_free(cap *k)
{
    for (size_t i = 0; i < k->n; i++) {
        kept *x = &k->v[i];
        char **f[] = {&x->type, &x->event_type, &x->process, &x->process_path,
                      &x->sender, &x->sender_path, &x->subsystem,
                      &x->category, &x->message, &x->format,
                      &x->process_uuid, &x->sender_uuid, &x->boot_uuid,
                      &x->locator, &x->extra, &x->backtrace, &x->spname,
                      &x->spscope, &x->sptype};
        for (size_t j = 0; j < sizeof f / sizeof *f; j++)
            free(*f[j]);
    }
    free(k->v);
    memset(k, 0, sizeof *k);
}

static st_sink cap_sink(cap *k)
{
    return (st_sink){k, cap_event, cap_warn, cap_note, NULL, NULL};
}

static const char *note_of(const cap *k, const char *key)
{
    for (size_t i = 0; i < k->nnotes; i++)
        if (!strcmp(k->notes[i][0], key))
            return k->notes[i][1];
    return NULL;
}

static int warned(const cap *k, const char *needle)
{
    for (size_t i = 0; i < k->nwarns && i < 256; i++)
        if (strstr(k->warns[i], needle))
            return 1;
    return 0;
}

static const kept *find_mach(const cap *k, uint64_t mach)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i].ev.mach_timestamp == mach)
            return &k->v[i];
    return NULL;
}

/* Reads a corpus tracev3 with the corpus uuidtext/timesync. */
static int read_corpus_tv3(const char *name, cap *k, st_tv3_stats *st)
{
    size_t n;
    uint8_t *b = corpus_file(name, &n);
    if (!b)
        return -1;
    char ut[1200], ts[1200], err[300];
    snprintf(ut, sizeof ut, "%s/uuidtext", corpus_dir);
    snprintf(ts, sizeof ts, "%s/timesync", corpus_dir);
    st_tv3_ctx *ctx = st_tv3_ctx_open(ut, ts);
    st_sink s = cap_sink(k);
    int rc = st_tv3_read_mem(ctx, b, n, name, &s, err, sizeof err);
    st_tv3_last_stats(ctx, st);
    st_tv3_ctx_close(ctx);
    free(b);
    return rc;
}

/* libyal testReadHeaderChunk: its header bytes are those of
 * 0000000000000f85.tracev3 (timebase 125/3, zone 300, build 19D52,
 * J96AP, boot a6ebc8e3-..., America/Toronto); libyal's statedump test
 * (activity 15389225, sender 081b5e9e-..., continuous time
 * 100662123537283) and oversize test (proc_id 448859@1344590, data
 * reference 44, continuous time 100657858092023, 2 items) are records of
 * the same file. */
TEST(tracev3_f85_libyal_values)
{
    cap k = {0};
    st_tv3_stats st;
    int rc = read_corpus_tv3("0000000000000f85.tracev3", &k, &st);
    if (rc == -1)
        return;
    CHECK_INT(rc, ST_READ_OK);
    CHECK_INT(st.numer, 125);
    CHECK_INT(st.denom, 3);
    CHECK_INT(st.tz_min, 300);
    CHECK_STR(note_of(&k, "build"), "19D52");
    CHECK_STR(note_of(&k, "hardware_model"), "J96AP");
    CHECK_STR(note_of(&k, "boot_uuid"), "A6EBC8E3-0A1C-40E8-93B9-DA3A7F671D19");
    CHECK_STR(note_of(&k, "timezone_path"),
              "/var/db/timezone/zoneinfo/America/Toronto");
    /* the header clock is a timeval at the 0x6100 continuous time; this
     * file's boot is not in the corpus timesync, so times come from it:
     * the first record (continuous time 100657362042581) falls on
     * 2022-04-13, the date the corpus manifest gives for this file */
    CHECK_STR(note_of(&k, "header_wall_time"), "1649855670.341146");
    CHECK_STR(note_of(&k, "header_continuous_time"), "100657367688137");
    const kept *first = find_mach(&k, 100657362042581ULL);
    CHECK(first != NULL);
    if (first)
        CHECK_INT(first->ev.time_us, 1649855670105914LL);

    const kept *sd = find_mach(&k, 100662123537283ULL);
    CHECK(sd != NULL);
    if (sd) {
        CHECK_STR(sd->event_type, "stateEvent");
        CHECK_INT(sd->ev.activity_id, 15389225);
        CHECK_STR(sd->sender_uuid, "081B5E9E-59EA-39CD-83C9-EEDB68A84076");
        CHECK_INT(sd->ev.trace_id, 0);
        CHECK_STR(sd->message != NULL ? "" : NULL, "");
    }
    /* the entry joined to the oversize chunk of libyal's test */
    const kept *ov = find_mach(&k, 100657858092023ULL);
    CHECK(ov != NULL);
    if (ov) {
        CHECK_STR(ov->type, "Default");
        CHECK(strstr(ov->extra, "-[DownloadManager sendEvents:sessionId:]"));
        CHECK(strstr(ov->extra, "Sending splunk event:"));
        CHECK_STR(ov->subsystem, "com.apple.mobileassetd");
        CHECK_STR(ov->category, "Notice");
        CHECK_INT(ov->ev.pid, 49442);
        CHECK_STR(ov->boot_uuid, "A6EBC8E3-0A1C-40E8-93B9-DA3A7F671D19");
    }
    /* counts of this file (sigtrail's own, kept as a regression check) */
    CHECK_INT(st.events, 8654);
    CHECK_INT(st.log, 8158);
    CHECK_INT(st.statedump, 496);
    CHECK_INT(st.chunksets, 47);
    CHECK_INT(st.chunksets_skipped, 0);
    CHECK_INT(st.oversize, 30);
    CHECK_INT(st.oversize_joined, 27);
    CHECK_INT(st.decode_problems, 0);
    CHECK_INT(k.n, st.events);
    /* provenance and time of every event */
    int bad = 0;
    for (size_t i = 0; i < k.n; i++) {
        const kept *x = &k.v[i];
        if (!x->locator || strncmp(x->locator, "0000000000000f85.tracev3 "
                                   "chunk@0x", 33) ||
            !strstr(x->locator, " entry ") || x->ev.line != 0 ||
            !(x->ev.has & ST_HAS_TIME) || x->ev.utc_offset_min != -240 ||
            !x->extra || strncmp(x->extra, "{\"timestampNs\":", 15))
            bad++;
    }
    CHECK_INT(bad, 0);
    /* without the uuidtext files every log message is a placeholder
     * naming the image */
    CHECK_INT(st.unresolved, 8158);
    CHECK(warned(&k, "uuidtext file of D681DF00-7E8A-3258-B56C-DC8DE26CF18B"
                     " not found"));
    cap_free(&k);
}

TEST(tracev3_0030_values)
{
    cap k = {0};
    st_tv3_stats st;
    int rc = read_corpus_tv3("0000000000000030.tracev3", &k, &st);
    if (rc == -1)
        return;
    CHECK_INT(rc, ST_READ_OK);
    CHECK_INT(st.events, 5);
    CHECK_INT(k.n, 5);
    CHECK_STR(note_of(&k, "build"), "18D42");
    CHECK_STR(note_of(&k, "hardware_model"), "Macmini7,1");
    CHECK_STR(note_of(&k, "timezone_path"),
              "/var/db/timezone/zoneinfo/Europe/Zurich");
    if (k.n == 5) {
        CHECK_STR(k.v[0].type, "Error");
        CHECK_STR(k.v[0].subsystem, "com.apple.AssetCache");
        CHECK_STR(k.v[0].category, "builtin");
        CHECK_INT(k.v[0].ev.pid, 14225);
        CHECK_INT(k.v[0].ev.utc_offset_min, 60);
        CHECK_STR(k.v[0].process_uuid,
                  "10167444-3A9A-33FC-AF11-D0ADEBBF5B95");
        CHECK_STR(k.v[0].message,
                  "<compose failure [10167444-3A9A-33FC-AF11-D0ADEBBF5B95]>");
        CHECK(strstr(k.v[0].extra,
                     "\"args\":[\"Built-in\",\"Caching Server\",\"214.2\"]"));
        CHECK_STR(k.v[0].locator, "0000000000000030.tracev3 chunk@0x1a8 "
                                  "entry 0");
        CHECK_STR(k.v[4].locator, "0000000000000030.tracev3 chunk@0x1a8 "
                                  "entry 4");
        CHECK_INT(k.v[4].ev.activity_id, 0x1b73);
    }
    cap_free(&k);
}

/* libyal testCalculateFormatStringReference / NameStringReference /
 * ProgramCounter vectors. */
TEST(tracev3_string_references)
{
    int dyn;
    CHECK_INT(st_tv3_format_ref(0x00964B95, 0, 0, &dyn), 0x964B95);
    CHECK_INT(dyn, 0);
    CHECK_INT(st_tv3_format_ref(0x8000D8E2, 0, 0, &dyn), 0xD8E2);
    CHECK_INT(dyn, 1);
    CHECK_INT(st_tv3_format_ref(0x28DD2B31, 0xFF4B, 0, &dyn), 0x7FA5A8DD2B31);
    CHECK_INT(dyn, 0);
    CHECK_INT(st_tv3_format_ref(0x15A557C5, 0x0001, 0x0002, &dyn),
              0x115A557C5);
    CHECK_INT(st_tv3_format_ref(0x6C8FBBD0, 0x0001, 0x0011, &dyn),
              0x8EC8FBBD0);
    CHECK_INT(st_tv3_format_ref(0x117A0720, 0x8008, 0x0002, &dyn),
              0x1117A0720);
    /* name reference: upper 16 bits shifted like a large offset */
    CHECK_INT(st_tv3_format_ref(0x05F327B0, 0x0002, 0, &dyn), 0x105F327B0);
    CHECK_INT(st_tv3_program_counter(0x05DFEBDB, 0, 0x0001, 0x0002,
                                     0x105DE1000ULL), 0x0001DBDB);
    CHECK_INT(st_tv3_program_counter(0xECF707E9, 0, 0x8008, 0x0002, 0),
              0x8008ECF707E9LL);
}


/* ---- a synthetic tracev3 with every record type -------------------------- */

typedef struct bb {
    uint8_t *p;
    size_t n, cap;
} bb;

static void bput(bb *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void b8(bb *b, uint8_t v) { bput(b, &v, 1); }
static void b16(bb *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    bput(b, t, 2);
}
static void b32(bb *b, uint32_t v)
{
    b16(b, (uint16_t)v);
    b16(b, (uint16_t)(v >> 16));
}
static void b64(bb *b, uint64_t v)
{
    b32(b, (uint32_t)v);
    b32(b, (uint32_t)(v >> 32));
}
static void bzero_(bb *b, size_t n)
{
    static const uint8_t z[256];
    while (n) {
        size_t k = n < sizeof z ? n : sizeof z;
        bput(b, z, k);
        n -= k;
    }
}
static void bpad8(bb *b) { bzero_(b, (8 - (b->n & 7)) & 7); }
static void bhex(bb *b, const char *hex)
{
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        unsigned v;
        sscanf(hex + i, "%2x", &v);
        b8(b, (uint8_t)v);
    }
}
/* A chunk: preamble, data, 8-byte padding (relative to out's start). */
static void bchunk(bb *out, uint32_t tag, uint32_t sub, const bb *d)
{
    b32(out, tag);
    b32(out, sub);
    b64(out, d->n);
    bput(out, d->p, d->n);
    bpad8(out);
}

static const uint8_t U_MAIN[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                   0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                   0x11, 0x11};
static const uint8_t U_DSC[16] = {0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                  0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                  0x44, 0x44};
static const uint8_t U_ABS[16] = {0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
                                  0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
                                  0x33, 0x33};
static const uint8_t U_REL[16] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
                                  0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
                                  0x22, 0x22};
static const uint8_t U_LIB[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                  0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                  0x55, 0x55};
static const uint8_t U_MISS[16] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                   0x66, 0x66};
static const uint8_t U_BOOT[16] = {0xB0, 0x07, 0xB0, 0x07, 0, 1, 2, 3, 4, 5,
                                   6, 7, 8, 9, 10, 11};

/* A tracepoint: header + data, padded to 8 (offsets are 8-aligned). */
static void tp(bb *out, uint8_t rt, uint8_t lt, uint16_t flags, uint32_t fmt,
               uint64_t tid, uint32_t delta, const bb *d)
{
    b8(out, rt);
    b8(out, lt);
    b16(out, flags);
    b32(out, fmt);
    b64(out, tid);
    b32(out, delta);
    b16(out, 0);
    b16(out, (uint16_t)d->n);
    bput(out, d->p, d->n);
    bpad8(out);
}

static void item_range(bb *d, uint8_t type, uint16_t off, uint16_t len)
{
    b8(d, type);
    b8(d, 4);
    b16(d, off);
    b16(d, len);
}
static void item_u32(bb *d, uint8_t type, uint32_t v)
{
    b8(d, type);
    b8(d, 4);
    b32(d, v);
}

/* Builds the firehose chunk data of the main chunkset (T1..T14, T16). */
static void build_firehose(bb *fh)
{
    bb t = {0}, d = {0};
#define D_RESET() (d.n = 0)
    /* T1 log default: current aid, main_exe, subsystem, rules (ttl) */
    D_RESET();
    b64(&d, 0x8000000000000042ULL);
    b32(&d, 0x10);
    b16(&d, 5);
    b8(&d, 7);
    b8(&d, 0);
    b8(&d, 2);
    item_range(&d, 0x22, 0, 6);
    item_u32(&d, 0x00, 3);
    bput(&d, "world", 6);
    tp(&t, 0x04, 0x00, 0x0603, 0x100, 0x10, 1, &d);
    /* T2 log error with private data: private string, redacted number */
    D_RESET();
    b16(&d, 0x0ff8);
    b16(&d, 7);
    b32(&d, 0x10);
    b8(&d, 0);
    b8(&d, 2);
    item_range(&d, 0x21, 0, 7);
    item_range(&d, 0x01, 0, 0x8000);
    tp(&t, 0x04, 0x10, 0x0102, 0x120, 0x10, 2, &d);
    /* T3 activity create: libyal's activity vector */
    D_RESET();
    bhex(&d, "e0000000000000803b00000000000000e000000000000080e1000000000000"
             "80487e0400");
    tp(&t, 0x02, 0x01, 0x0213, 0x140, 0x11, 3, &d);
    /* T4 trace: libyal's trace vector ("%#x: %d") */
    D_RESET();
    bhex(&d, "f6210100b060e14bfb7f0000c800000000000000080802");
    tp(&t, 0x03, 0x00, 0x0002, 0x160, 0x12, 4, &d);
    /* T5 signpost, process scope, begin, with a name */
    D_RESET();
    b32(&d, 0x20);
    b16(&d, 5);
    b64(&d, 0x1234);
    b32(&d, 0x180);
    b8(&d, 0);
    b8(&d, 1);
    item_u32(&d, 0x00, 9);
    tp(&t, 0x06, 0x81, 0x8202, 0x1a0, 0x13, 5, &d);
    /* T6 loss: libyal's loss vector */
    D_RESET();
    bhex(&d, "ce9a31070000000095aaef56000000003f00000000000000");
    tp(&t, 0x07, 0x00, 0x0000, 0, 0x14, 6, &d);
    /* T7 log uuid_relative */
    D_RESET();
    b32(&d, 0x30);
    bput(&d, U_REL, 16);
    b8(&d, 0);
    b8(&d, 1);
    item_u32(&d, 0x00, 42);
    tp(&t, 0x04, 0x01, 0x000a, 0x200, 0x15, 7, &d);
    /* T8 log absolute: load address 0x10010 in the image at 0x10000 */
    D_RESET();
    b32(&d, 0x10010);
    b16(&d, 0);
    b8(&d, 0);
    b8(&d, 1);
    item_u32(&d, 0x00, 0xfffffffbu);
    tp(&t, 0x04, 0x02, 0x0008, 0x300, 0x16, 8, &d);
    /* T9 log shared_cache */
    D_RESET();
    b32(&d, 0x4100);
    b8(&d, 0);
    b8(&d, 1);
    item_range(&d, 0x22, 0, 4);
    bput(&d, "dsc", 4);
    tp(&t, 0x04, 0x11, 0x0004, 0x5010, 0x17, 9, &d);
    /* T10 log with oversize data reference 7 (data comes later) */
    D_RESET();
    b32(&d, 0x40);
    b16(&d, 7);
    b8(&d, 0);
    b8(&d, 0);
    tp(&t, 0x04, 0x00, 0x0802, 0x1c0, 0x18, 10, &d);
    /* T11 log with backtrace before the values */
    D_RESET();
    b32(&d, 0x50);
    b8(&d, 0);
    b8(&d, 1);
    item_range(&d, 0x22, 34, 3);
    b8(&d, 1); b8(&d, 0); b8(&d, 0x12); b8(&d, 1); b16(&d, 2);
    bput(&d, U_MAIN, 16);
    b32(&d, 0x10);
    b32(&d, 0x20);
    b8(&d, 0);
    b8(&d, 0);
    b16(&d, 0);
    bput(&d, "bt", 3);
    tp(&t, 0x04, 0x00, 0x1002, 0x1e0, 0x19, 11, &d);
    /* T12 dynamic format string: "%s" */
    D_RESET();
    b32(&d, 0x60);
    b8(&d, 0);
    b8(&d, 1);
    item_range(&d, 0x22, 0, 5);
    bput(&d, "dyn!", 5);
    tp(&t, 0x04, 0x00, 0x0002, 0x80000010u, 0x1a, 12, &d);
    /* T13 log whose uuidtext is missing */
    D_RESET();
    b32(&d, 0x70);
    bput(&d, U_MISS, 16);
    b8(&d, 0);
    b8(&d, 1);
    item_u32(&d, 0x00, 1);
    tp(&t, 0x04, 0x00, 0x000a, 0x200, 0x1b, 13, &d);
    /* T14 an item whose range lies outside the values */
    D_RESET();
    b32(&d, 0x80);
    b8(&d, 0);
    b8(&d, 2);
    item_range(&d, 0x22, 100, 50);
    item_u32(&d, 0x00, 1);
    tp(&t, 0x04, 0x00, 0x0002, 0x100, 0x1c, 14, &d);
    /* T16 oversize data that never comes */
    D_RESET();
    b32(&d, 0x90);
    b16(&d, 99);
    b8(&d, 0);
    b8(&d, 0);
    tp(&t, 0x04, 0x00, 0x0802, 0x1c0, 0x1d, 16, &d);

    /* firehose header; private data "secret" in the last 8 bytes */
    b64(fh, 1);                  /* proc_id upper */
    b32(fh, 2);                  /* proc_id lower */
    b8(fh, 0);
    b8(fh, 0);
    b16(fh, 0);
    b16(fh, (uint16_t)(t.n + 16));
    b16(fh, 0x0ff8);
    b16(fh, 0);
    b8(fh, 0);
    b8(fh, 0);
    b64(fh, 1000);               /* base continuous time */
    bput(fh, t.p, t.n);
    bput(fh, "secret\0\0", 8);
    free(t.p);
    free(d.p);
#undef D_RESET
}

/* The whole file; variant flags change one thing for the hostile tests. */
enum { V_NONE = 0, V_BAD_LZ4 = 1, V_UNKNOWN_COMP = 2, V_INNER_LIE = 4,
       V_TP_LIE = 8, V_CATALOG_LIE = 16 };

static void build_file(bb *f, unsigned variant)
{
    bb c = {0}, cs = {0}, inner = {0}, fh = {0};
    /* header */
    b32(&c, 1);
    b32(&c, 1);
    b64(&c, 0);
    b32(&c, 1600000000);
    b32(&c, 0);
    b32(&c, 0);
    b32(&c, (uint32_t)-60);       /* zone: UTC+1 */
    b32(&c, 0);
    b32(&c, 1);
    b32(&c, 0x6100); b32(&c, 8); b64(&c, 0);
    b32(&c, 0x6101); b32(&c, 0x38); b32(&c, 0); b32(&c, 0);
    { char bld[16] = "TESTBUILD"; bput(&c, bld, 16); }
    { char mdl[32] = "TestMac1,1"; bput(&c, mdl, 32); }
    b32(&c, 0x6102); b32(&c, 0x18); bput(&c, U_BOOT, 16); b32(&c, 42);
    b32(&c, 0);
    b32(&c, 0x6103); b32(&c, 0x30);
    { char tz[48] = "/var/db/timezone/zoneinfo/Europe/Zurich"; bput(&c, tz, 48); }
    bchunk(f, 0x1000, 0x11, &c);
    /* catalog */
    c.n = 0;
    b16(&c, 48);
    b16(&c, variant & V_CATALOG_LIE ? 0xfff0 : 72);
    b16(&c, 1);
    b16(&c, 0);
    b16(&c, 0);
    bzero_(&c, 6);
    b64(&c, 1000);
    bput(&c, U_MAIN, 16);
    bput(&c, U_DSC, 16);
    bput(&c, U_ABS, 16);
    bput(&c, "com.example.sub\0cat\0\0\0\0\0", 24);
    size_t pe = c.n;
    b16(&c, 0); b16(&c, 0); b16(&c, 0); b16(&c, 1);
    b64(&c, 1); b32(&c, 2); b32(&c, 77); b32(&c, 501); b32(&c, 0);
    b32(&c, 1); b32(&c, 0);
    b32(&c, 0x1000); b32(&c, 0); b16(&c, 2); b32(&c, 0x10000); b16(&c, 0);
    b32(&c, 1); b32(&c, 0);
    b16(&c, 5); b16(&c, 0); b16(&c, 16);
    bzero_(&c, (8 - ((c.n - pe) & 7)) & 7);
    bchunk(f, 0x600b, 0x11, &c);

    /* chunkset 1: firehose, oversize, statedump, simpledump */
    build_firehose(&fh);
    if (variant & V_TP_LIE)
        fh.p[32 + 22] = fh.p[32 + 23] = 0xff;   /* T1 data size */
    bchunk(&inner, 0x6001, 0, &fh);
    if (variant & V_INNER_LIE)
        inner.p[8] = 0xff, inner.p[9] = 0xff, inner.p[10] = 0xff;
    c.n = 0;                      /* oversize for T10 */
    b64(&c, 1); b32(&c, 2); b8(&c, 0); b8(&c, 0); b16(&c, 0);
    b64(&c, 1010); b32(&c, 7);
    b16(&c, 2 + 6 + 9); b16(&c, 0);
    b8(&c, 0x22); b8(&c, 1);
    item_range(&c, 0x22, 0, 9);
    bput(&c, "OVERSIZE", 9);
    bchunk(&inner, 0x6002, 0, &c);
    c.n = 0;                      /* statedump */
    b64(&c, 1); b32(&c, 2); b8(&c, 14); b8(&c, 0); b16(&c, 0);
    b64(&c, 2000); b64(&c, 0x8000000000000099ULL);
    bput(&c, U_MAIN, 16);
    b32(&c, 1); b32(&c, 11);
    bzero_(&c, 128);
    { char ti[64] = "MyState"; bput(&c, ti, 64); }
    bput(&c, "state text", 11);
    bchunk(&inner, 0x6003, 0, &c);
    c.n = 0;                      /* simpledump */
    b64(&c, 1); b32(&c, 2); b8(&c, 0); b8(&c, 0x10); b16(&c, 0);
    b64(&c, 3000); b64(&c, 0x77); b64(&c, 0x1234);
    bput(&c, U_MAIN, 16);
    bput(&c, U_DSC, 16);
    b32(&c, 1); b32(&c, 7); b32(&c, 15);
    bput(&c, "com.sd", 7);
    bput(&c, "simple message", 15);
    bchunk(&inner, 0x6004, 0, &c);

    int cap_ = LZ4_compressBound((int)inner.n);
    char *z = malloc((size_t)cap_);
    int zn = LZ4_compress_default((const char *)inner.p, z, (int)inner.n,
                                  cap_);
    bput(&cs, variant & V_UNKNOWN_COMP ? "bvxn" : "bv41", 4);
    b32(&cs, (uint32_t)inner.n + (variant & V_BAD_LZ4 ? 5 : 0));
    b32(&cs, (uint32_t)zn);
    bput(&cs, z, (size_t)zn);
    bput(&cs, "bv4$", 4);
    free(z);
    bchunk(f, 0x600d, 0, &cs);

    /* chunkset 2, uncompressed: T15 at continuous time 6000 */
    inner.n = 0;
    fh.n = 0;
    bb t = {0}, d = {0};
    tp(&t, 0x04, 0x01, 0x0002, 0x140, 0x21, 5000, &d);
    b64(&fh, 1); b32(&fh, 2); b8(&fh, 0); b8(&fh, 0); b16(&fh, 0);
    b16(&fh, (uint16_t)(t.n + 16)); b16(&fh, 0x1000); b16(&fh, 0);
    b8(&fh, 0); b8(&fh, 0); b64(&fh, 1000);
    bput(&fh, t.p, t.n);
    bchunk(&inner, 0x6001, 0, &fh);
    cs.n = 0;
    bput(&cs, "bv4-", 4);
    b32(&cs, (uint32_t)inner.n);
    bput(&cs, inner.p, inner.n);
    bput(&cs, "bv4$", 4);
    bchunk(f, 0x600d, 0, &cs);
    free(t.p);
    free(d.p);
    free(c.p);
    free(cs.p);
    free(inner.p);
    free(fh.p);
}

static char synth_dir[256];

static void write_file(const char *rel, const bb *b)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", synth_dir, rel);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b->p, 1, b->n, f);
        fclose(f);
    }
}

/* A uuidtext file: one entry at `start` holding strings at 0x20 slots. */
static void write_uuidtext(const uint8_t uuid[16], uint32_t start,
                           const char *const *strs, size_t n,
                           const char *path)
{
    bb b = {0};
    static const uint8_t magic[4] = {0x99, 0x88, 0x77, 0x66};
    bput(&b, magic, 4);
    b32(&b, 2);
    b32(&b, 1);
    b32(&b, 1);
    b32(&b, start);
    b32(&b, (uint32_t)(n * 0x20));
    for (size_t i = 0; i < n; i++) {
        char slot[0x20] = {0};
        snprintf(slot, sizeof slot, "%s", strs[i]);
        bput(&b, slot, 0x20);
    }
    bput(&b, path, strlen(path) + 1);
    char rel[80];
    snprintf(rel, sizeof rel, "uuidtext/%02X", uuid[0]);
    char full[600];
    snprintf(full, sizeof full, "%s/%s", synth_dir, rel);
    mkdir(full, 0700);
    snprintf(rel + strlen(rel), sizeof rel - strlen(rel), "/");
    for (int i = 1; i < 16; i++)
        snprintf(rel + strlen(rel), sizeof rel - strlen(rel), "%02X",
                 uuid[i]);
    write_file(rel, &b);
    free(b.p);
}

/* The uuidtext, dsc and timesync files of the synthetic file. */
static int make_synth_dir(void)
{
    snprintf(synth_dir, sizeof synth_dir, "%s/st-tv3-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(synth_dir))
        return -1;
    char p[600];
    snprintf(p, sizeof p, "%s/uuidtext", synth_dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/uuidtext/dsc", synth_dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/timesync", synth_dir);
    mkdir(p, 0700);
    static const char *const main_strs[] = {
        "hello %s, %d items", "p=%{private}s n=%d", "Doing things",
        "%#x: %d", "MySignpost", "count=%d", "big %s", "bt %{public}s"};
    write_uuidtext(U_MAIN, 0x100, main_strs, 8, "/usr/libexec/testd");
    static const char *const rel_strs[] = {"from relative %u"};
    write_uuidtext(U_REL, 0x200, rel_strs, 1, "/usr/lib/librel.dylib");
    static const char *const abs_strs[] = {"absolute %d"};
    write_uuidtext(U_ABS, 0x300, abs_strs, 1, "/usr/lib/libabs.dylib");
    /* dsc v2: one range at 0x5000 (strings), one image at 0x4000 */
    bb d = {0};
    bput(&d, "hcsd", 4);
    b16(&d, 2);
    b16(&d, 0);
    b32(&d, 1);
    b32(&d, 1);
    b64(&d, 0x5000);
    b32(&d, 16 + 24 + 32);
    b32(&d, 0x20);
    b64(&d, 0);
    b64(&d, 0x4000);
    b32(&d, 0x2000);
    bput(&d, U_LIB, 16);
    b32(&d, 16 + 24 + 32 + 0x20);
    char str[0x20] = {0};
    snprintf(str + 0x10, 0x10, "dsc says %%s");
    bput(&d, str, 0x20);
    bput(&d, "/usr/lib/libtest.dylib", 23);
    write_file("uuidtext/dsc/44444444444444444444444444444444", &d);
    /* timesync: boot at 1.6e9 s, a sync record at continuous time 5000 */
    d.n = 0;
    b8(&d, 0xb0); b8(&d, 0xbb); b16(&d, 48); b32(&d, 0);
    bput(&d, U_BOOT, 16);
    b32(&d, 1); b32(&d, 1);
    b64(&d, 1600000000000000000ULL);
    b32(&d, (uint32_t)-60); b32(&d, 0);
    b8(&d, 'T'); b8(&d, 's'); b16(&d, 32); b32(&d, 0);
    b64(&d, 5000);
    b64(&d, 1700000000000000000ULL);
    b32(&d, (uint32_t)-60); b32(&d, 1);
    write_file("timesync/0000000000000001.timesync", &d);
    free(d.p);
    bb f = {0};
    build_file(&f, V_NONE);
    write_file("0000000000000001.tracev3", &f);
    free(f.p);
    return 0;
}

static void remove_synth_dir(void)
{
    char cmd[700];
    if (!synth_dir[0] || !strstr(synth_dir, "st-tv3-"))
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", synth_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", synth_dir);
}

/* Reads a synthetic variant with the synthetic stores. */
static int read_synth(unsigned variant, size_t cut, cap *k, st_tv3_stats *st,
                      char *err, size_t errlen)
{
    bb f = {0};
    build_file(&f, variant);
    char ut[600], ts[600];
    snprintf(ut, sizeof ut, "%s/uuidtext", synth_dir);
    snprintf(ts, sizeof ts, "%s/timesync", synth_dir);
    st_tv3_ctx *ctx = st_tv3_ctx_open(ut, ts);
    st_sink s = cap_sink(k);
    int rc = st_tv3_read_mem(ctx, f.p, cut && cut < f.n ? cut : f.n,
                             "synth.tracev3", &s, err, errlen);
    if (st)
        st_tv3_last_stats(ctx, st);
    st_tv3_ctx_close(ctx);
    free(f.p);
    return rc;
}

static const kept *by_thread(const cap *k, uint64_t tid)
{
    for (size_t i = 0; i < k->n; i++)
        if ((k->v[i].ev.has & ST_HAS_THREAD) && k->v[i].ev.thread_id == tid)
            return &k->v[i];
    return NULL;
}

/* Every record type and flag-dependent field of the synthetic file. */
TEST(synth_every_record)
{
    cap k = {0};
    st_tv3_stats st;
    char err[300] = "";
    int rc = read_synth(V_NONE, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK_INT(k.n, 18);
    CHECK_INT(st.log, 12);
    CHECK_INT(st.activity, 1);
    CHECK_INT(st.trace, 1);
    CHECK_INT(st.signpost, 1);
    CHECK_INT(st.loss, 1);
    CHECK_INT(st.statedump, 1);
    CHECK_INT(st.simpledump, 1);
    CHECK_INT(st.oversize_joined, 1);
    CHECK_INT(st.oversize_missing, 1);
    CHECK_INT(st.chunksets, 2);
    CHECK(st.have_timesync);
    const kept *e;
    /* T1: subsystem, category, ttl, activity, process, time via the
     * timesync boot record (1 ns per tick) */
    if ((e = by_thread(&k, 0x10))) {
        CHECK_STR(e->type, "Default");
        CHECK_STR(e->event_type, "logEvent");
        CHECK_STR(e->message, "hello world, 3 items");
        CHECK_STR(e->format, "hello %s, %d items");
        CHECK_STR(e->subsystem, "com.example.sub");
        CHECK_STR(e->category, "cat");
        CHECK_INT(e->ev.ttl, 7);
        CHECK_INT(e->ev.activity_id, 0x42);
        CHECK_INT(e->ev.pid, 77);
        CHECK_INT(e->ev.user_id, 501);
        CHECK_STR(e->process, "testd");
        CHECK_STR(e->process_path, "/usr/libexec/testd");
        CHECK_STR(e->sender_path, "/usr/libexec/testd");
        CHECK_STR(e->process_uuid, "11111111-1111-1111-1111-111111111111");
        CHECK_STR(e->boot_uuid, "B007B007-0001-0203-0405-060708090A0B");
        CHECK_INT(e->ev.mach_timestamp, 1001);
        CHECK_INT(e->ev.time_us, 1600000000000001LL);
        CHECK(strstr(e->extra, "\"timestampNs\":1600000000000001001"));
        CHECK_INT(e->ev.utc_offset_min, 60);
        CHECK_INT(e->ev.trace_id, (0x100ULL << 32) | (0x0603ULL << 16) | 4);
        CHECK_STR(e->locator, "synth.tracev3 chunk@0x198 entry 0");
        CHECK_INT(e->ev.sender_pc, 0x10);
    }
    /* T2: private data captured, number redacted */
    if ((e = by_thread(&k, 0x10)) && k.n > 1) {
        CHECK_STR(k.v[1].type, "Error");
        CHECK_STR(k.v[1].message, "p=secret n=<private>");
    }
    /* T3: activity (libyal's vector) */
    CHECK((e = by_thread(&k, 0x11)) != NULL);
    if (e) {
        CHECK_STR(e->type, "Activity");
        CHECK_STR(e->event_type, "activityCreateEvent");
        CHECK_STR(e->message, "Doing things");
        CHECK_INT(e->ev.activity_id, 0xE1);
        CHECK_INT(e->ev.parent_activity_id, 0xE0);
        CHECK(strstr(e->extra, "\"creatorActivityID\":224,"));  /* 0xE0: bit 63 cleared */
        CHECK(strstr(e->extra, "\"uniquePID\":59"));
        CHECK_INT(e->ev.sender_pc, 0x47E48);
    }
    /* T4: trace (libyal's values "0x7ffb4be160b0", "200") */
    if ((e = by_thread(&k, 0x12))) {
        CHECK_STR(e->type, "Trace");
        CHECK_STR(e->message, "0x7ffb4be160b0: 200");
        CHECK_INT(e->ev.sender_pc, 0x121F6);
    }
    /* T5: signpost with its name, scope and type */
    if ((e = by_thread(&k, 0x13))) {
        CHECK_STR(e->type, "Signpost");
        CHECK_STR(e->event_type, "signpostEvent");
        CHECK_STR(e->message, "count=9");
        CHECK_STR(e->spname, "MySignpost");
        CHECK_STR(e->spscope, "process");
        CHECK_STR(e->sptype, "begin");
        CHECK_INT(e->ev.signpost_id, 0x1234);
        CHECK_STR(e->subsystem, "com.example.sub");
    }
    /* T6: loss (libyal's vector: 63 messages) */
    if ((e = by_thread(&k, 0x14))) {
        CHECK_STR(e->type, "Loss");
        CHECK_STR(e->message, "lost >=63 unreliable messages from "
                              "120691406-1458547349 (Mach continuous exact "
                              "start-approx. end)");
        CHECK(strstr(e->extra, "\"lossCount\":63"));
    }
    /* T7 uuid_relative, T8 absolute, T9 shared cache */
    if ((e = by_thread(&k, 0x15))) {
        CHECK_STR(e->message, "from relative 42");
        CHECK_STR(e->sender, "librel.dylib");
        CHECK_STR(e->sender_uuid, "22222222-2222-2222-2222-222222222222");
        CHECK_STR(e->type, "Info");
    }
    if ((e = by_thread(&k, 0x16))) {
        CHECK_STR(e->message, "absolute -5");
        CHECK_STR(e->sender_path, "/usr/lib/libabs.dylib");
        CHECK_INT(e->ev.sender_pc, 0x10);
        CHECK_STR(e->type, "Debug");
    }
    if ((e = by_thread(&k, 0x17))) {
        CHECK_STR(e->message, "dsc says dsc");
        CHECK_STR(e->sender, "libtest.dylib");
        CHECK_STR(e->sender_uuid, "55555555-5555-5555-5555-555555555555");
        CHECK_INT(e->ev.sender_pc, 0x100);
        CHECK_STR(e->type, "Fault");
    }
    /* T10: joined to the oversize chunk that follows it */
    if ((e = by_thread(&k, 0x18)))
        CHECK_STR(e->message, "big OVERSIZE");
    /* T11: backtrace frames */
    if ((e = by_thread(&k, 0x19))) {
        CHECK_STR(e->message, "bt bt");
        CHECK_STR(e->backtrace, "{\"frames\":[{\"imageOffset\":16,\"imageUUID\""
                  ":\"11111111-1111-1111-1111-111111111111\"},{\"imageOffset\""
                  ":32,\"imageUUID\":\"11111111-1111-1111-1111-111111111111\""
                  "}]}");
    }
    /* T12: dynamic "%s" format */
    if ((e = by_thread(&k, 0x1a))) {
        CHECK_STR(e->message, "dyn!");
        CHECK_STR(e->format, "%s");
    }
    /* T13: missing uuidtext: placeholder, raw arguments kept */
    if ((e = by_thread(&k, 0x1b))) {
        CHECK_STR(e->message,
                  "<compose failure [66666666-6666-6666-6666-666666666666]>");
        CHECK(e->format == NULL);
        CHECK(strstr(e->extra, "\"unresolved\":\"uuidtext file missing\""));
        CHECK(strstr(e->extra, "\"args\":[1]"));
    }
    CHECK(warned(&k, "uuidtext file of 66666666-6666-6666-6666-666666666666 "
                     "not found"));
    /* T14: an argument outside the record: rendered as a mismatch */
    if ((e = by_thread(&k, 0x1c))) {
        CHECK(strstr(e->message, "hello <decode: mismatch for [%s] got "
                                 "[UNKNOWN"));
        CHECK(strstr(e->message, ", 1 items"));
    }
    CHECK(st.decode_problems >= 1);
    /* T16: oversize data never came */
    if ((e = by_thread(&k, 0x1d))) {
        CHECK_STR(e->message, "big <decode: missing data>");
        CHECK(strstr(e->extra, "\"oversize\":\"missing\""));
    }
    CHECK(warned(&k, "1 entries reference oversize data absent"));
    /* T15: time from the timesync sync record (continuous 6000) */
    if ((e = by_thread(&k, 0x21))) {
        CHECK_INT(e->ev.time_us, 1700000000000001LL);
        CHECK_INT(e->ev.utc_offset_min, 120);   /* UTC+1 with DST */
        CHECK_STR(e->type, "Info");
        CHECK(strstr(e->locator, "entry 0"));
    }
    /* statedump and simpledump */
    int sd = 0, simple = 0;
    for (size_t i = 0; i < k.n; i++) {
        if (k.v[i].event_type && !strcmp(k.v[i].event_type, "stateEvent")) {
            sd++;
            CHECK_STR(k.v[i].message, "MyState:\nstate text");
            CHECK_INT(k.v[i].ev.activity_id, 0x99);
            CHECK_INT(k.v[i].ev.ttl, 14);
            CHECK_STR(k.v[i].type, "State");
            CHECK_STR(k.v[i].sender, "testd");
        }
        if (k.v[i].message && !strcmp(k.v[i].message, "simple message")) {
            simple++;
            CHECK_STR(k.v[i].subsystem, "com.sd");
            CHECK_STR(k.v[i].type, "Error");
            CHECK_INT(k.v[i].ev.thread_id, 0x77);
            CHECK_INT(k.v[i].ev.sender_pc, 0x1234);
            CHECK(strstr(k.v[i].extra,
                         "\"dscUUID\":\"44444444-4444-4444-4444-444444444444\""));
        }
    }
    CHECK_INT(sd, 1);
    CHECK_INT(simple, 1);
    CHECK_STR(note_of(&k, "build"), "TESTBUILD");
    CHECK_STR(note_of(&k, "time_source"), "timesync");
    cap_free(&k);
}

/* Damaged files: a clear error or a counted warning, and everything read
 * before the damage kept. */
TEST(synth_hostile)
{
    cap k = {0};
    st_tv3_stats st;
    char err[300] = "";
    /* a block that does not decompress to its announced size */
    int rc = read_synth(V_BAD_LZ4, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK_INT(st.chunksets_skipped, 1);
    CHECK_INT(k.n, 1);                      /* chunkset 2 still read */
    CHECK(warned(&k, "LZ4 block does not decompress"));
    cap_free(&k);
    /* an unknown compression is reported, never guessed */
    rc = read_synth(V_UNKNOWN_COMP, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK(warned(&k, "compression \"bvxn\" is not supported"));
    CHECK_INT(k.n, 1);
    cap_free(&k);
    /* an inner chunk claiming more than its chunkset holds */
    rc = read_synth(V_INNER_LIE, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK(warned(&k, "rest of the chunkset skipped"));
    CHECK_INT(k.n, 1);
    cap_free(&k);
    /* a record claiming more than its firehose chunk holds */
    rc = read_synth(V_TP_LIE, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK(warned(&k, "rest of the chunk skipped"));
    CHECK(k.n >= 3);          /* statedump, simpledump, chunkset 2 ... */
    cap_free(&k);
    /* a catalog with offsets out of range: ignored with a warning */
    rc = read_synth(V_CATALOG_LIE, 0, &k, &st, err, sizeof err);
    CHECK_INT(rc, ST_READ_OK);
    CHECK(warned(&k, "inconsistent offsets"));
    CHECK(warned(&k, "absent from the catalog"));
    CHECK_INT(k.n, 18);
    cap_free(&k);
    /* cut anywhere: never more than the whole, a clear status */
    bb f = {0};
    build_file(&f, V_NONE);
    size_t full = f.n;
    free(f.p);
    f = (bb){0};
    size_t last_events = 0;
    int bad_status = 0;
    for (size_t cut = 1; cut < full; cut++) {
        err[0] = 0;
        rc = read_synth(V_NONE, cut, &k, NULL, err, sizeof err);
        if (cut < 224 && rc != ST_READ_REJECTED && rc != ST_READ_INPUT_ERROR)
            bad_status++;
        if (rc == ST_READ_INPUT_ERROR && !err[0])
            bad_status++;
        if (k.n > 18 || k.n < last_events)
            bad_status++;
        last_events = k.n;
        cap_free(&k);
    }
    CHECK_INT(bad_status, 0);
    /* a top-level size beyond the limit: error, earlier records kept */
    build_file(&f, V_NONE);
    size_t cs2 = 0;
    for (size_t i = 16; i + 4 <= f.n; i += 8)
        if (f.p[i] == 0x0d && f.p[i + 1] == 0x60 && f.p[i + 4] == 0 &&
            i > 0x1a0)
            cs2 = i;
    CHECK(cs2 > 0);
    if (cs2) {
        memset(f.p + cs2 + 8, 0xff, 4);
        char ut[600];
        snprintf(ut, sizeof ut, "%s/uuidtext", synth_dir);
        st_tv3_ctx *ctx = st_tv3_ctx_open(ut, NULL);
        st_sink s = cap_sink(&k);
        rc = st_tv3_read_mem(ctx, f.p, f.n, "lie.tracev3", &s, err,
                             sizeof err);
        CHECK_INT(rc, ST_READ_INPUT_ERROR);
        CHECK(strstr(err, "claims") != NULL);
        CHECK_INT(k.n, 17);
        /* no timesync: times from the header, with a warning */
        CHECK(warned(&k, "no timesync boot record"));
        st_tv3_ctx_close(ctx);
        cap_free(&k);
    }
    free(f.p);
    /* not a tracev3 at all */
    st_tv3_ctx *ctx = st_tv3_ctx_open(NULL, NULL);
    st_sink s = cap_sink(&k);
    static const uint8_t junk[300] = {1, 2, 3};
    CHECK_INT(st_tv3_read_mem(ctx, junk, sizeof junk, "junk", &s, err,
                              sizeof err), ST_READ_REJECTED);
    CHECK(strstr(err, "not a tracev3 file") != NULL);
    CHECK_INT(st_tv3_read_mem(ctx, junk, 0, "empty", &s, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(k.n, 0);
    st_tv3_ctx_close(ctx);
    cap_free(&k);
}

/* The sink can stop the read. */
TEST(synth_stop)
{
    cap k = {0};
    k.stop_after = 3;
    char err[300];
    CHECK_INT(read_synth(V_NONE, 0, &k, NULL, err, sizeof err),
              ST_READ_STOPPED);
    CHECK_INT(k.n, 3);
    cap_free(&k);
}

/* Random damage: every read ends with a status, within bounds (run under
 * ASan/UBSan by make asan). */
TEST(synth_random_damage)
{
    bb f = {0};
    build_file(&f, V_NONE);
    uint8_t *m = malloc(f.n);
    uint32_t seed = 12345;
    char ut[600], err[300];
    snprintf(ut, sizeof ut, "%s/uuidtext", synth_dir);
    st_tv3_ctx *ctx = st_tv3_ctx_open(ut, NULL);
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(m, f.p, f.n);
        int flips = 1 + it % 8;
        for (int j = 0; j < flips; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 16 + (seed >> 8) % (f.n - 16);
            seed = seed * 1103515245u + 12345u;
            m[at] = (uint8_t)(seed >> 16);
        }
        cap k = {0};
        st_sink s = cap_sink(&k);
        int rc = st_tv3_read_mem(ctx, m, f.n, "fuzz", &s, err, sizeof err);
        if (rc != ST_READ_OK && rc != ST_READ_INPUT_ERROR &&
            rc != ST_READ_REJECTED)
            bad++;
        cap_free(&k);
    }
    CHECK_INT(bad, 0);
    st_tv3_ctx_close(ctx);
    free(m);
    free(f.p);
}

/* The registered parser: bid on the header preamble, and the folder entry
 * point over the synthetic folder (tracev3 + uuidtext + timesync). */
static int hook_events;
static cap hook_cap;
static st_sink hook_sink;
static st_sink *hook_begin(void *c, const char *path, st_input *in)
{
    (void)c;
    (void)path;
    (void)in;
    hook_sink = cap_sink(&hook_cap);
    return &hook_sink;
}
static void hook_end(void *c, const char *path, st_input *in, int rc,
                     const char *err)
{
    (void)c;
    (void)err;
    (void)in;
    if (rc == ST_READ_OK && strstr(path, "0000000000000001.tracev3"))
        hook_events += (int)hook_cap.n;
}

TEST(folder_entry_point)
{
    bb f = {0};
    build_file(&f, V_NONE);
    CHECK_INT(st_tracev3_bid(f.p, f.n, 0), 100);
    CHECK_INT(st_tracev3_bid(f.p, 8, 1), 60);
    static const uint8_t other[16] = {0x00, 0x10, 0, 0, 0x12};
    CHECK_INT(st_tracev3_bid(other, 16, 1), 0);
    free(f.p);
    char ut[600];
    snprintf(ut, sizeof ut, "%s/uuidtext", synth_dir);
    CHECK(st_is_uuidtext_dir(ut));
    CHECK(!st_is_uuidtext_dir(synth_dir));
    char *u = NULL, *t = NULL, path[600];
    snprintf(path, sizeof path, "%s/0000000000000001.tracev3", synth_dir);
    st_tracev3_locate(path, &u, &t);
    CHECK(u && strstr(u, "/uuidtext"));
    CHECK(t && strstr(t, "/timesync"));
    free(u);
    free(t);
    st_logarchive *la;
    char err[300];
    CHECK_INT(st_logarchive_open(&la, synth_dir, NULL, NULL, err, sizeof err),
              0);
    if (la) {
        CHECK_INT(la->nfiles, 1);
        CHECK(la->uuidtext_dir && strstr(la->uuidtext_dir, "uuidtext"));
        CHECK(la->timesync_dir && strstr(la->timesync_dir, "timesync"));
        st_logarchive_close(la);
    }
    st_logarchive_hooks h = {NULL, hook_begin, hook_end};
    hook_events = 0;
    CHECK_INT(st_logarchive_ingest_dir(synth_dir, NULL, NULL, &h, err,
                                       sizeof err), 1);
    CHECK_INT(hook_events, 18);
    cap_free(&hook_cap);
    CHECK(st_logarchive_ingest_dir("/nonexistent", NULL, NULL, &h, err,
                                   sizeof err) < 0);
    /* the corpus folder: two tracev3 files found by content */
    if (corpus_dir[0] && st_logarchive_open(&la, corpus_dir, NULL, NULL, err,
                                            sizeof err) == 0) {
        CHECK_INT(la->nfiles, 2);
        CHECK(strstr(la->uuidtext_dir, "libyal_dtformats_unified_logging/"
                                       "uuidtext") != NULL);
        st_logarchive_close(la);
    }
}

/* The two-step prescan: a file's set merges its oversize chunks once
 * (the same chunks again are duplicates); a shared limit leaves a set
 * incomplete, which the caller must scan again. */
TEST(prescan_collect_merge)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/0000000000000f85.tracev3", corpus_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (!corpus_dir[0] || fd < 0)
        return;
    struct stat sb;
    CHECK_INT(fstat(fd, &sb), 0);
    st_tv3_ctx *ctx = st_tv3_ctx_open(NULL, NULL);
    CHECK(ctx != NULL);
    if (!ctx) {
        close(fd);
        return;
    }
    st_tv3_ovset *a = st_tv3_prescan_collect(ctx, fd, (uint64_t)sb.st_size,
                                             NULL, 0);
    CHECK(st_tv3_ovset_complete(a));
    long merged = st_tv3_prescan_merge(ctx, a);
    CHECK(merged > 0);
    size_t shared = 0;
    st_tv3_ovset *b = st_tv3_prescan_collect(ctx, fd, (uint64_t)sb.st_size,
                                             &shared, SIZE_MAX);
    CHECK(st_tv3_ovset_complete(b));
    CHECK(shared > 0);
    CHECK_INT(st_tv3_prescan_merge(ctx, b), 0);        /* all duplicates */
    CHECK_INT(shared, 0);                    /* merged: no longer held */
    size_t tight = 0;
    st_tv3_ovset *c = st_tv3_prescan_collect(ctx, fd, (uint64_t)sb.st_size,
                                             &tight, 1);
    CHECK(c != NULL && !st_tv3_ovset_complete(c));
    st_tv3_ovset_free(c);
    CHECK_INT(tight, 0);
    /* a cut file: what was read before the cut is collected */
    st_tv3_ovset *d = st_tv3_prescan_collect(ctx, fd, 4096, NULL, 0);
    CHECK(st_tv3_ovset_complete(d));
    st_tv3_ovset_free(d);
    st_tv3_ctx_close(ctx);
    close(fd);
}

int main(void)
{
    if (find_corpus() < 0)
        printf("skip: corpus not found at %s (set CORPUS); corpus tests "
               "pass without checking\n", corpus_dir);
    RUN(timesync_corpus_records);
    RUN(timesync_load_dir);
    RUN(timesync_hostile);
    RUN(timesync_convert_exact);
    RUN(uuidtext_corpus);
    RUN(uuidtext_hostile);
    RUN(dsc_corpus);
    RUN(dsc_cut_sample);
    RUN(dsc_hostile);
    RUN(ulcache_lookup);
    RUN(tracev3_f85_libyal_values);
    RUN(tracev3_0030_values);
    RUN(tracev3_string_references);
    RUN(prescan_collect_merge);
    if (make_synth_dir() == 0) {
        RUN(synth_every_record);
        RUN(synth_hostile);
        RUN(synth_stop);
        RUN(synth_random_damage);
        RUN(folder_entry_point);
        remove_synth_dir();
    } else {
        printf("FAIL cannot create a temporary folder\n");
        t_failed++;
    }
    return RESULT();
}
