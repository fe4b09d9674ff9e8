/*
 * walk.c -- directories and archives, member by member, into the store.
 * See walk.h for the contract and docs/archives.md for the user's view.
 *
 * Shape of the code:
 *  - st_walk holds what one top-level walk shares: the store, options,
 *    limits, counters, the private temporary directory (made on first
 *    use), the progress line.
 *  - arch is one archive being read (top level, nested in another
 *    archive, or a file found in a directory).  libarchive pulls its raw
 *    bytes through raw_read(), which also feeds the archive's SHA-256;
 *    every unpacked member byte goes through member_read(), which is where
 *    the size and ratio caps are enforced -- for nested archives at every
 *    level, since the inner archive's raw bytes are the outer member's.
 *  - A member is classified from its first bytes (prefix): SQLite (copied
 *    to the temporary directory, ingested after the archive), a nested
 *    archive (opened when within max_depth), anything else streamed into
 *    st_input_open_reader() with the prefix replayed first.
 *  - Directory walks use the same member step (ingest_member) on files
 *    opened by path; SQLite files there are evidence on disk already.
 *
 * Threads: a streamed member's bytes are pulled by the input layer's
 * producer thread, which calls member_read() and so touches the walk's
 * counters and progress line.  The walker's own thread is blocked inside
 * st_ingest_input() meanwhile, and st_input_close() joins the producer
 * before the walker goes on, so the two never run at once.
 */
#include "walk.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define WALK_VERSION "1.0"
#define PREFIX_MAX (64 * 1024)
/* bzip2 emits nothing before a whole block (up to 900 kB) is in, so a
 * bzip2 member is read further before asking libarchive what it is. */
#define PREFIX_BZIP2 (1024 * 1024 + 64 * 1024)
#define RAW_BLOCK (1024 * 1024)
#define COPY_BLOCK (256 * 1024)
#define DIR_DEPTH_MAX 64
#define NEST_SEP " :: "

static const char LOGARCHIVE_REASON[] =
    "binary unified log, not read by this version; on a Mac export it "
    "with: log show --archive %s --info --debug --style ndjson > "
    "logs.ndjson";

/* ---- limits ------------------------------------------------------------- */

/* Reads a byte count with an optional K/M/G suffix (powers of 1024). */
static int parse_size(const char *s, int64_t *out)
{
    char *e;
    double v = strtod(s, &e);
    if (e == s || v < 0)
        return 0;
    double m = 1;
    if (*e == 'k' || *e == 'K')
        m = 1024.0, e++;
    else if (*e == 'm' || *e == 'M')
        m = 1024.0 * 1024, e++;
    else if (*e == 'g' || *e == 'G')
        m = 1024.0 * 1024 * 1024, e++;
    if (*e == 'i' || *e == 'B' || *e == 'b')
        e++;
    if (*e)
        return 0;
    *out = (int64_t)(v * m);
    return 1;
}

/* The default caps (walk.h), with the environment's overrides. */
void st_walk_limits_default(st_walk_limits *lim)
{
    lim->max_bytes = (int64_t)64 << 30;
    lim->max_ratio = 1000.0;
    lim->ratio_min = (int64_t)64 << 20;
    lim->max_depth = 3;
    lim->max_members = 1000000;
    const char *s = getenv("SIGTRAIL_ARCHIVE_MAX_BYTES");
    int64_t v;
    if (s && parse_size(s, &v) && v > 0)
        lim->max_bytes = v;
    s = getenv("SIGTRAIL_ARCHIVE_MAX_RATIO");
    if (s && atof(s) >= 1)
        lim->max_ratio = atof(s);
}

/* ---- state -------------------------------------------------------------- */

typedef struct deferred {
    char *tmp;                 /* the copy in the private directory */
    char *display;             /* member path as recorded */
    char *dirkey;              /* archive directory it came from */
    char *base;                /* file name */
    int is_db;                 /* SQLite main file (else a companion) */
} deferred;

typedef struct lagroup {
    char *key;                 /* "x/system_logs.logarchive" */
    char *display;             /* with the nesting prefix */
    char *root;                /* extracted copy, or NULL */
    int64_t files, bytes;
} lagroup;

struct st_walk {
    st_store *st;
    const st_ingest_opts *opts;
    st_walk_limits lim;
    st_walk_report_fn fn;
    void *fnctx;
    st_walk_result *res;
    const char *top;           /* the container as given */
    char *tmp;                 /* private temporary directory, or NULL */
    unsigned tmp_seq;
    int64_t unpacked;          /* member bytes out of every archive */
    int fatal;
    int batch;                 /* a BEGIN of ours is open */
    EVP_MD_CTX *sha;           /* for members that are hashed here */
    uint8_t *buf;              /* COPY_BLOCK scratch */
    st_progress prog;
    char prog_label[320];
    const char *prog_name;
    int64_t prog_bytes;
};

typedef struct arch arch;
struct arch {
    st_walk *w;
    struct archive *a;
    int depth;
    char *prefix;              /* put before member names */
    int64_t row;               /* this archive's sources row */
    char format[32];
    /* where raw bytes come from: a file, memory, or the parent's member */
    int fd;
    const uint8_t *mem;
    size_t mem_n, mem_pos;
    arch *parent;
    const uint8_t *pre;        /* parent's prefix of this member, replayed */
    size_t pre_n, pre_pos;
    uint8_t *rbuf;
    EVP_MD_CTX *sha;
    int64_t raw;               /* raw bytes handed to libarchive */
    int64_t pos;               /* file offset of the next read */
    int64_t hashed;            /* file bytes [0, hashed) are in sha */
    int counts_progress;
    /* the member being read */
    const char *cur;
    int64_t cur_out, cur_in0;
    int member_failed;
    int broken;
    char err[900];
    deferred *defs;
    size_t ndefs;
    lagroup *groups;
    size_t ngroups;
};

static void walk_fatal(st_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first fatal error (the walk stops at the next check). */
static void walk_fatal(st_walk *w, const char *fmt, ...)
{
    if (w->fatal)
        return;
    w->fatal = 1;
    w->res->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->res->message, sizeof w->res->message, fmt, ap);
    va_end(ap);
}

/* Joins a and b (either may be empty) into a new string. */
static char *cat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* Progress: bytes read of the top archive, records stored by finished
 * members (the label counts the members done).  Ticks come per block of
 * up to a megabyte, not per record, so progress.c's thinning of calls (one
 * in 1024) is skipped; its time limits still apply. */
static void tick(st_walk *w)
{
    if (!w->prog.enabled)
        return;
    w->prog.calls |= 1023;
    st_progress_tick(&w->prog, w->prog_bytes, w->res->records);
}

/* Refreshes the label with the member count (walker thread only). */
static void tick_label(st_walk *w)
{
    if (!w->prog.enabled)
        return;
    snprintf(w->prog_label, sizeof w->prog_label, "%s [%lld members]",
             w->prog_name, (long long)w->res->members);
    w->prog.label = w->prog_label;
    tick(w);
}

/* ---- the store ---------------------------------------------------------- */

/* Opens a transaction for a run of skipped rows (one commit for many);
 * in the ingest command's group they join the group's transaction. */
static void batch_begin(st_walk *w)
{
    if (!w->batch)
        w->batch = st_store_tx_begin(w->st) == 1;
}

/* Commits the run of skipped rows (before a parser opens its own). */
static void batch_end(st_walk *w)
{
    if (w->batch) {
        if (st_store_tx_end(w->st, 1) < 0)
            walk_fatal(w, "store: commit: %s", st_store_errmsg(w->st));
        w->batch = 0;
    }
}

/* UTC now as the store writes it. */
static void now_utc(char buf[40])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
             (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
             tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ts.tv_nsec / 1000) % 1000000);
}

/* Inserts a container's row (completed by container_end); returns its id,
 * 0 on store failure (fatal). */
static int64_t container_begin(st_walk *w, const char *member,
                               int64_t parent, const char *format)
{
    batch_begin(w);
    st_source_info info = {w->top, member, parent, w->opts->run_id};
    st_source_result r = {NULL, -1, format, WALK_VERSION, "ingesting", NULL,
                          0, 0, 0};
    if (st_store_source_insert(w->st, &info, &r) < 0) {
        walk_fatal(w, "store: %s", st_store_errmsg(w->st));
        return 0;
    }
    return sqlite3_last_insert_rowid(st_store_db(w->st));
}

/* Completes a container's row.  The store has no call for updating a row
 * outside an input's transaction, so this is the one statement the walker
 * runs itself (values bound, like every statement of the store). */
static void container_end(st_walk *w, int64_t id, const char *sha,
                          int64_t size, const char *format,
                          const char *status, const char *error)
{
    if (!id)
        return;
    sqlite3 *db = st_store_db(w->st);
    sqlite3_stmt *q;
    char now[40];
    now_utc(now);
    if (sqlite3_prepare_v2(db, "UPDATE sources SET sha256=?, size=?, "
                           "format=?, status=?, error=?, ended_utc=? "
                           "WHERE id=?", -1, &q, NULL) != SQLITE_OK) {
        walk_fatal(w, "store: %s", sqlite3_errmsg(db));
        return;
    }
    sqlite3_bind_text(q, 1, sha, -1, SQLITE_TRANSIENT);
    if (size >= 0)
        sqlite3_bind_int64(q, 2, size);
    sqlite3_bind_text(q, 3, format, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 7, id);
    if (sqlite3_step(q) != SQLITE_DONE)
        walk_fatal(w, "store: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
}

/* Tells the caller about a member. */
static void report(st_walk *w, const char *member, st_member_status s,
                   const st_ingest_result *r, const char *reason)
{
    if (!w->fn)
        return;
    st_walk_member m = {w->top, member, s, r, reason};
    w->fn(w->fnctx, &m);
}

/* Records a member nobody reads (or that is refused) with its reason. */
static int64_t record_skipped(st_walk *w, int64_t parent, const char *member,
                              const char *sha, int64_t size,
                              const char *reason)
{
    batch_begin(w);
    st_source_info info = {w->top, member, parent, w->opts->run_id};
    st_source_result r = {sha, size, NULL, NULL, "skipped", reason, 0, 0, 0};
    if (st_store_source_insert(w->st, &info, &r) < 0) {
        walk_fatal(w, "store: %s", st_store_errmsg(w->st));
        return 0;
    }
    w->res->skipped++;
    report(w, member, ST_MEMBER_SKIPPED, NULL, reason);
    return sqlite3_last_insert_rowid(st_store_db(w->st));
}

/* Hex of a finished digest. */
static void sha_hex(EVP_MD_CTX *c, char out[65])
{
    unsigned char d[32];
    unsigned int n = 32;
    EVP_DigestFinal_ex(c, d, &n);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the private temporary directory ------------------------------------ */

/* Makes the private directory on first use; returns it or NULL (fatal). */
static const char *tmp_dir(st_walk *w)
{
    if (w->tmp)
        return w->tmp;
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    char *t = cat3(base, "/sigtrail-walk.", "XXXXXX");
    if (!t || !mkdtemp(t)) {     /* mkdtemp makes it 0700 */
        walk_fatal(w, "cannot create a private temporary directory in %s: "
                   "%s", base, strerror(errno));
        free(t);
        return NULL;
    }
    w->tmp = t;
    return t;
}

/* Removes everything under the directory open as dfd (no symlink is ever
 * followed: entries are unlinked, directories opened with O_NOFOLLOW). */
static void remove_tree_at(int dfd, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            continue;
        if (depth < 256) {
            int sub = openat(dirfd(d), e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                remove_tree_at(sub, depth + 1);
        }
        unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* Removes the private directory and all it holds. */
static void tmp_remove(st_walk *w)
{
    if (!w->tmp)
        return;
    int fd = open(w->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        remove_tree_at(fd, 0);
    rmdir(w->tmp);
    free(w->tmp);
    w->tmp = NULL;
}

/* ---- content ------------------------------------------------------------ */

/* True when the bytes start like something libarchive may open (a
 * compressor's or an archive format's magic); the probe decides. */
static int maybe_archive(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9d))
        return 1;                                  /* gzip, compress */
    if (n >= 3 && memcmp(p, "BZh", 3) == 0)
        return 1;
    if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
        return 1;
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return 1;                                  /* zstd */
    if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
        return 1;                                  /* lz4 */
    if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
        ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
        return 1;                                  /* zip */
    if (n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0)
        return 1;
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return 1;
    if (n >= 6 && (memcmp(p, "07070", 5) == 0))
        return 1;                                  /* cpio odc/newc */
    return 0;
}

/* A reader for the formats and filters sigtrail opens.  Filters are
 * named one by one: "all" would include external-program filters. */
static struct archive *new_reader(void)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_cpio(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
    archive_read_support_filter_compress(a);
    return a;
}

/* Asks libarchive whether p[0..n) starts an archive it reads. */
static int probe_archive(const uint8_t *p, size_t n)
{
    struct archive *a = new_reader();
    if (!a)
        return 0;
    struct archive_entry *e;
    int ok = archive_read_open_memory(a, p, n) == ARCHIVE_OK;
    if (ok) {
        int r = archive_read_next_header(a, &e);
        ok = r == ARCHIVE_OK || r == ARCHIVE_WARN;
    }
    archive_read_free(a);
    return ok;
}

/* True when the head looks like binary data rather than text. */
static int binary_head(const uint8_t *p, size_t n)
{
    size_t odd = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
                          p[i] != '\t' && p[i] != 0x1b))
            odd++;
    return odd * 20 > n;
}

/* "archive:tar.gz" from libarchive's format and filter codes. */
static void format_name(struct archive *a, char *out, size_t n)
{
    int f = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
    const char *base = f == ARCHIVE_FORMAT_TAR ? "tar"
                     : f == ARCHIVE_FORMAT_ZIP ? "zip"
                     : f == ARCHIVE_FORMAT_7ZIP ? "7z"
                     : f == ARCHIVE_FORMAT_CPIO ? "cpio" : "unknown";
    const char *flt = "";
    switch (archive_filter_code(a, 0)) {
    case ARCHIVE_FILTER_GZIP: flt = ".gz"; break;
    case ARCHIVE_FILTER_BZIP2: flt = ".bz2"; break;
    case ARCHIVE_FILTER_XZ: flt = ".xz"; break;
    case ARCHIVE_FILTER_LZMA: flt = ".lzma"; break;
    case ARCHIVE_FILTER_ZSTD: flt = ".zst"; break;
    case ARCHIVE_FILTER_LZ4: flt = ".lz4"; break;
    case ARCHIVE_FILTER_COMPRESS: flt = ".Z"; break;
    default: break;
    }
    snprintf(out, n, "archive:%s%s", base, flt);
}

/* Directory, archive or file: the archive test reads the first bytes for
 * a magic, then asks libarchive for a first header. */
st_walk_kind st_walk_classify(const char *path)
{
    struct stat sb;
    if (strcmp(path, "-") == 0 || stat(path, &sb) != 0)
        return ST_WALK_FILE;
    if (S_ISDIR(sb.st_mode))
        return ST_WALK_DIR;
    if (!S_ISREG(sb.st_mode))
        return ST_WALK_FILE;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ST_WALK_FILE;
    uint8_t head[512];
    ssize_t k = pread(fd, head, sizeof head, 0);
    if (k <= 0 || !maybe_archive(head, (size_t)k)) {
        close(fd);
        return ST_WALK_FILE;
    }
    struct archive *a = new_reader();
    struct archive_entry *e;
    int kind = ST_WALK_FILE;
    if (a && archive_read_open_fd(a, fd, 64 * 1024) == ARCHIVE_OK) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
            kind = ST_WALK_ARCHIVE;
    }
    if (a)
        archive_read_free(a);
    close(fd);
    return (st_walk_kind)kind;
}

/* ---- names -------------------------------------------------------------- */

/* Why a member path cannot be taken as it is, or NULL: absolute, or
 * climbing out with "..". */
static const char *unsafe_path(const char *name)
{
    if (name[0] == '/' || name[0] == '\\')
        return "refused: absolute path";
    if (((name[0] | 32) >= 'a' && (name[0] | 32) <= 'z') && name[1] == ':')
        return "refused: absolute path";
    for (const char *p = name; *p;) {
        const char *e = p;
        while (*e && *e != '/' && *e != '\\')
            e++;
        if (e - p == 2 && p[0] == '.' && p[1] == '.')
            return "refused: path climbs out with '..'";
        p = *e ? e + 1 : e;
    }
    return NULL;
}

/* True for AppleDouble files: "._name" or anything under "__MACOSX/". */
static int appledouble(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (base[0] == '.' && base[1] == '_')
        return 1;
    return strncmp(name, "__MACOSX/", 9) == 0 ||
           strstr(name, "/__MACOSX/") != NULL;
}

/* Length of the leading path up to and including a "*.logarchive"
 * component that has something below it, or 0. */
static size_t logarchive_key(const char *name)
{
    static const char suf[] = ".logarchive/";
    const char *p = strstr(name, suf);
    while (p) {
        /* the component must be more than the suffix */
        if (p > name && p[-1] != '/')
            return (size_t)(p - name) + sizeof suf - 2;
        p = strstr(p + 1, suf);
    }
    return 0;
}

/* "-wal", "-shm" or "-journal" ending (SQLite companions), or NULL. */
static const char *companion_suffix(const char *name)
{
    static const char *const suf[] = {"-wal", "-shm", "-journal", NULL};
    size_t n = strlen(name);
    for (int i = 0; suf[i]; i++) {
        size_t k = strlen(suf[i]);
        if (n > k && strcmp(name + n - k, suf[i]) == 0)
            return suf[i];
    }
    return NULL;
}

/* Removes leading "./" (tar of ".") and repeated slashes in place. */
static void tidy_name(char *s)
{
    char *r = s, *o = s;
    while (r[0] == '.' && r[1] == '/')
        r += 2;
    for (; *r; r++) {
        if (*r == '/' && o > s && o[-1] == '/')
            continue;
        *o++ = *r;
    }
    *o = 0;
}

/* ---- reading an archive ------------------------------------------------- */

/* Unpacked bytes of the current member; enforces the caps.  Returns the
 * count, 0 at the member's end, -1 on error (message in err). */
static ssize_t member_read(arch *ar, void *buf, size_t n, char *err,
                           size_t errlen)
{
    st_walk *w = ar->w;
    if (w->fatal || ar->broken || ar->member_failed) {
        snprintf(err, errlen, "%s", w->fatal ? w->res->message : ar->err);
        return -1;
    }
    la_ssize_t k;
    do
        k = archive_read_data(ar->a, buf, n);
    while (k == ARCHIVE_RETRY);
    if (k < 0) {
        const char *why = archive_error_string(ar->a);
        snprintf(ar->err, sizeof ar->err, "%s%s: %s", ar->prefix, ar->cur,
                 why ? why : "read error");
        if (k == ARCHIVE_FATAL)
            ar->broken = 1;
        else
            ar->member_failed = 1;
        snprintf(err, errlen, "%s", ar->err);
        return -1;
    }
    ar->cur_out += k;
    w->unpacked += k;
    if (w->unpacked > w->lim.max_bytes) {
        walk_fatal(w, "stopped in %s%s: more than %lld bytes unpacked from "
                   "the archive (limit; an archive bomb?  "
                   "SIGTRAIL_ARCHIVE_MAX_BYTES changes it)", ar->prefix,
                   ar->cur, (long long)w->lim.max_bytes);
        snprintf(err, errlen, "%s", w->res->message);
        return -1;
    }
    if (ar->cur_out > w->lim.ratio_min) {
        int64_t in = archive_filter_bytes(ar->a, -1) - ar->cur_in0;
        if (in < 1)
            in = 1;
        if ((double)ar->cur_out / (double)in > w->lim.max_ratio) {
            walk_fatal(w, "stopped in %s%s: %lld bytes unpacked from %lld "
                       "packed, a ratio above %.0f:1 (an archive bomb?  "
                       "SIGTRAIL_ARCHIVE_MAX_RATIO changes the limit)",
                       ar->prefix, ar->cur, (long long)ar->cur_out,
                       (long long)in, w->lim.max_ratio);
            snprintf(err, errlen, "%s", w->res->message);
            return -1;
        }
    }
    tick(w);
    return k;
}

/* libarchive's read callback: the next block of raw archive bytes.  The
 * archive's SHA-256 takes file bytes in order: a read that continues the
 * hashed prefix extends it; reads elsewhere (zip's central directory at
 * the end, found by seeking) are left for raw_finish(). */
static la_ssize_t raw_read(struct archive *a, void *client, const void **out)
{
    arch *ar = client;
    ssize_t k;
    *out = ar->rbuf;
    if (ar->fd >= 0) {
        do
            k = read(ar->fd, ar->rbuf, RAW_BLOCK);
        while (k < 0 && errno == EINTR);
        if (k < 0) {
            archive_set_error(a, errno, "read error: %s", strerror(errno));
            return -1;
        }
        int64_t start = ar->pos;
        ar->pos += k;
        if (start <= ar->hashed && ar->pos > ar->hashed) {
            size_t skip = (size_t)(ar->hashed - start);
            EVP_DigestUpdate(ar->sha, ar->rbuf + skip, (size_t)k - skip);
            ar->hashed = ar->pos;
        }
    } else if (ar->mem) {
        size_t left = ar->mem_n - ar->mem_pos;
        k = (ssize_t)(left < RAW_BLOCK ? left : RAW_BLOCK);
        *out = ar->mem + ar->mem_pos;
        ar->mem_pos += (size_t)k;
    } else {
        if (ar->pre_pos < ar->pre_n) {
            k = (ssize_t)(ar->pre_n - ar->pre_pos);
            *out = ar->pre + ar->pre_pos;
            ar->pre_pos = ar->pre_n;
        } else {
            char err[600];
            k = member_read(ar->parent, ar->rbuf, RAW_BLOCK, err, sizeof err);
            if (k < 0) {
                archive_set_error(a, EIO, "%s", err);
                return -1;
            }
        }
        if (k > 0)
            EVP_DigestUpdate(ar->sha, *out, (size_t)k);
    }
    ar->raw += k;
    if (ar->counts_progress) {
        ar->w->prog_bytes += k;
        tick(ar->w);
    }
    return k;
}

/* libarchive's seek callback (files and memory; zip and 7z use it). */
static la_int64_t raw_seek(struct archive *a, void *client, la_int64_t off,
                           int whence)
{
    arch *ar = client;
    (void)a;
    if (ar->mem) {
        int64_t base = whence == SEEK_SET ? 0
                     : whence == SEEK_CUR ? (int64_t)ar->mem_pos
                                          : (int64_t)ar->mem_n;
        int64_t to = base + off;
        if (to < 0 || to > (int64_t)ar->mem_n)
            return ARCHIVE_FATAL;
        ar->mem_pos = (size_t)to;
        return to;
    }
    off_t r = lseek(ar->fd, (off_t)off, whence);
    if (r < 0)
        return ARCHIVE_FATAL;
    ar->pos = r;
    return r;
}

/* Completes the archive's hash so it covers every byte of its source
 * (padding after the end marker, parts libarchive never read, the rest of
 * a nested archive's member).  Leaves the hex digest in out and the size
 * in *size. */
static void raw_finish(arch *ar, char out[65], int64_t *size)
{
    if (ar->mem) {
        EVP_DigestUpdate(ar->sha, ar->mem, ar->mem_n);
        *size = (int64_t)ar->mem_n;
    } else if (ar->fd >= 0) {
        for (;;) {
            ssize_t k = pread(ar->fd, ar->rbuf, RAW_BLOCK, ar->hashed);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            EVP_DigestUpdate(ar->sha, ar->rbuf, (size_t)k);
            ar->hashed += k;
        }
        *size = ar->hashed;
    } else {
        char err[600];
        if (ar->pre_pos < ar->pre_n) {
            EVP_DigestUpdate(ar->sha, ar->pre + ar->pre_pos,
                             ar->pre_n - ar->pre_pos);
            ar->raw += (int64_t)(ar->pre_n - ar->pre_pos);
            ar->pre_pos = ar->pre_n;
        }
        for (;;) {
            ssize_t k = member_read(ar->parent, ar->rbuf, RAW_BLOCK, err,
                                    sizeof err);
            if (k <= 0)
                break;
            EVP_DigestUpdate(ar->sha, ar->rbuf, (size_t)k);
            ar->raw += k;
        }
        *size = ar->raw;
    }
    sha_hex(ar->sha, out);
}

/* Reads the rest of the current member into the digest.  Returns 0, or -1
 * when the archive failed on the way. */
static int drain_member(arch *ar, EVP_MD_CTX *sha, int64_t *size)
{
    char err[600];
    for (;;) {
        ssize_t k = member_read(ar, ar->w->buf, COPY_BLOCK, err, sizeof err);
        if (k < 0)
            return -1;
        if (k == 0)
            return 0;
        EVP_DigestUpdate(sha, ar->w->buf, (size_t)k);
        *size += k;
    }
}

/* Skips the current member: hashes what it holds and records the reason.
 * `pre` is what was read of it already.  An empty link or device entry
 * gets no hash: it has no bytes of its own, only a name. */
static void skip_member(arch *ar, const char *display, const uint8_t *pre,
                        size_t pre_n, const char *reason)
{
    st_walk *w = ar->w;
    EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL);
    EVP_DigestUpdate(w->sha, pre, pre_n);
    int64_t size = (int64_t)pre_n;
    char hex[65];
    if (drain_member(ar, w->sha, &size) < 0) {
        char why[1200];
        snprintf(why, sizeof why, "%s (unreadable: %s)", reason, ar->err);
        record_skipped(w, ar->row, display, NULL, size, why);
        return;
    }
    sha_hex(w->sha, hex);
    int nodata = size == 0 && !strncmp(reason, "refused: ", 9) &&
                 strncmp(reason, "refused: absolute", 17) != 0 &&
                 strncmp(reason, "refused: path", 13) != 0;
    record_skipped(w, ar->row, display, nodata ? NULL : hex, size, reason);
}

/* ---- members ------------------------------------------------------------ */

/* Streams an archive member into the input layer: its prefix first, then
 * straight from libarchive. */
typedef struct mstream {
    arch *ar;
    const uint8_t *pre;
    size_t pre_n, pre_pos;
} mstream;

/* st_input_read_fn over an archive member. */
static ssize_t mstream_read(void *ctx, void *buf, size_t n, char *err,
                            size_t errlen)
{
    mstream *m = ctx;
    if (m->pre_pos < m->pre_n) {
        size_t k = m->pre_n - m->pre_pos;
        if (k > n)
            k = n;
        memcpy(buf, m->pre + m->pre_pos, k);
        m->pre_pos += k;
        return (ssize_t)k;
    }
    return member_read(m->ar, buf, n, err, errlen);
}

/* Offers one opened input to the parsers and ingests it: the common step
 * of archive members, directory files and extracted copies.  `format`
 * forces a parser (NULL: --format or detection).  The input is consumed
 * (hashed to its end) but not closed.  *out (may be NULL) receives the
 * result when a parser ran. */
static void ingest_member(st_walk *w, st_input *in, const char *member,
                          int64_t parent, int quiet, const char *format,
                          st_ingest_result *out)
{
    st_ingest_result r;
    memset(&r, 0, sizeof r);
    if (st_ingest_interrupted) {
        walk_fatal(w, "interrupted");
        return;
    }
    size_t hn;
    const uint8_t *head = st_input_peek(in, &hn);
    const char *force = format ? format : w->opts->format;
    const st_parser *p = NULL;
    int conf = 0;
    if (hn > 0)
        p = force ? st_parser_by_name(force)
                  : st_parser_detect(head, hn, hn < ST_PEEK_MAX, &conf);
    if (!p) {
        const char *reason = hn == 0 ? "empty file"
                           : force ? "unknown format (see sigtrail formats)"
                           : binary_head(head, hn)
                               ? "no parser recognises this content (binary "
                                 "data)"
                               : "no parser recognises this content (text)";
        st_input_finish(in);
        char hex[65], why[900];
        st_input_sha256_hex(in, hex);
        const char *e = st_input_error(in);
        if (e && hn == 0)
            snprintf(why, sizeof why, "unreadable: %s", e);
        else if (e)
            snprintf(why, sizeof why, "%s (read cut short: %s)", reason, e);
        record_skipped(w, parent, member, e ? NULL : hex,
                       st_input_raw_consumed(in), e ? why : reason);
        return;
    }
    batch_end(w);
    st_ingest_opts mo = *w->opts;
    mo.quiet = quiet;
    mo.format = force;
    st_ingest_input(w->st, in, w->top, member, parent, &mo, &r);
    if (st_ingest_interrupted) {       /* rolled back, not a skipped member */
        walk_fatal(w, "interrupted");
        return;
    }
    if (out)
        *out = r;
    switch (r.status) {
    case ST_INGESTED:
        w->res->ingested++;
        w->res->records += r.records;
        report(w, member, ST_MEMBER_INGESTED, &r, NULL);
        break;
    case ST_INGESTED_PARTIAL:
        w->res->partial++;
        w->res->records += r.records;
        report(w, member, ST_MEMBER_PARTIAL, &r, NULL);
        break;
    case ST_SKIPPED_DUPLICATE:
        w->res->duplicates++;
        report(w, member, ST_MEMBER_DUPLICATE, &r, NULL);
        break;
    case ST_REJECTED: {
        /* the parser that claimed the bytes refused them: say why */
        char why[900];
        const char *msg = r.message;
        size_t ml = strlen(member);
        if (strncmp(msg, member, ml) == 0 && msg[ml] == ':')
            msg += ml + 2 <= strlen(msg) ? ml + 2 : ml;
        snprintf(why, sizeof why, "rejected by %s: %s", p->name, msg);
        st_input_finish(in);
        char hex[65];
        st_input_sha256_hex(in, hex);
        record_skipped(w, parent, member, r.sha256[0] ? r.sha256 : hex,
                       st_input_raw_consumed(in), why);
        break;
    }
    }
}

/* Reads up to `want` bytes of the current member into w->buf-sized
 * prefix storage `dst`.  Returns the count, -1 when the archive failed. */
static ssize_t read_prefix(arch *ar, uint8_t *dst, size_t want)
{
    size_t n = 0;
    char err[600];
    while (n < want) {
        ssize_t k = member_read(ar, dst + n, want - n, err, sizeof err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        n += (size_t)k;
    }
    return (ssize_t)n;
}

/* Writes all of p[0..n) to fd; returns 0 or -1. */
static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Copies the current member (prefix first) to a new file at path, which
 * must not exist.  Returns 0; -1 with errno for a file error; -2 when the
 * archive failed. */
static int copy_member(arch *ar, const char *path, const uint8_t *pre,
                       size_t pre_n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, pre, pre_n) < 0 ? -1 : 0;
    char err[600];
    while (rc == 0) {
        ssize_t k = member_read(ar, ar->w->buf, COPY_BLOCK, err, sizeof err);
        if (k < 0)
            rc = -2;
        else if (k == 0)
            break;
        else if (write_all(fd, ar->w->buf, (size_t)k) < 0)
            rc = -1;
    }
    int saved = errno;
    if (close(fd) < 0 && rc == 0)
        rc = -1;
    errno = saved;
    return rc;
}

/* The private subdirectory for archive directory `dirkey` of this
 * archive (one per directory, so siblings land together). */
static char *defer_dir(arch *ar, const char *dirkey)
{
    for (size_t i = 0; i < ar->ndefs; i++)
        if (strcmp(ar->defs[i].dirkey, dirkey) == 0) {
            char *s = strdup(ar->defs[i].tmp);
            if (s) {
                char *sl = strrchr(s, '/');
                if (sl)
                    *sl = 0;
            }
            return s;
        }
    const char *t = tmp_dir(ar->w);
    if (!t)
        return NULL;
    char num[32];
    snprintf(num, sizeof num, "/d%u", ++ar->w->tmp_seq);
    char *d = cat3(t, num, "");
    if (d && mkdir(d, 0700) != 0) {
        walk_fatal(ar->w, "cannot create %s: %s", d, strerror(errno));
        free(d);
        return NULL;
    }
    return d;
}

/* Copies an SQLite database or companion member to the private directory
 * for ingestion after the archive (see deferred_run). */
static void defer_sqlite(arch *ar, const char *name, const char *display,
                         const uint8_t *pre, size_t pre_n, int is_db)
{
    const char *sl = strrchr(name, '/');
    const char *base = sl ? sl + 1 : name;
    char *dirkey = sl ? strndup(name, (size_t)(sl - name)) : strdup("");
    char *dir = dirkey ? defer_dir(ar, dirkey) : NULL;
    char *path = dir ? cat3(dir, "/", base) : NULL;
    free(dir);
    if (!path || ar->w->fatal) {
        free(dirkey);
        free(path);
        if (!ar->w->fatal)
            walk_fatal(ar->w, "out of memory");
        return;
    }
    int rc = copy_member(ar, path, pre, pre_n);
    if (rc == -2) {
        unlink(path);
        free(path);
        free(dirkey);
        return;                         /* the archive is broken */
    }
    if (rc == -1) {
        int dup = errno == EEXIST;
        char why[600];
        snprintf(why, sizeof why, "cannot be copied to the private temporary "
                 "directory: %s", strerror(errno));
        free(dirkey);
        if (dup) {
            /* nothing was consumed past the prefix: hash it whole */
            free(path);
            skip_member(ar, display, pre, pre_n, "duplicate entry: an "
                        "earlier member has the same path");
            return;
        }
        /* part went to the copy: the hash would be of a part, keep none */
        unlink(path);
        free(path);
        EVP_DigestInit_ex(ar->w->sha, EVP_sha256(), NULL);
        int64_t size = 0;
        drain_member(ar, ar->w->sha, &size);
        record_skipped(ar->w, ar->row, display, NULL, -1, why);
        return;
    }
    deferred *nd = realloc(ar->defs, (ar->ndefs + 1) * sizeof *nd);
    if (!nd) {
        walk_fatal(ar->w, "out of memory");
        free(path);
        free(dirkey);
        return;
    }
    ar->defs = nd;
    deferred *d = &ar->defs[ar->ndefs++];
    d->tmp = path;
    d->display = strdup(display);
    d->dirkey = dirkey;
    d->base = strdup(base);
    d->is_db = is_db;
}

/* Points the companion rows the database parser recorded with the private
 * copy's path back at the archive member. */
static void fix_companions(st_walk *w, arch *ar, const deferred *db,
                           int64_t db_row)
{
    sqlite3 *s = st_store_db(w->st);
    for (size_t i = 0; i < ar->ndefs; i++) {
        const deferred *c = &ar->defs[i];
        const char *suf = companion_suffix(c->base);
        if (c->is_db || !suf || strcmp(c->dirkey, db->dirkey) != 0 ||
            strlen(c->base) - strlen(suf) != strlen(db->base) ||
            strncmp(c->base, db->base, strlen(db->base)) != 0)
            continue;
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s, "UPDATE sources SET path=?, member=? "
                               "WHERE parent_id=? AND status='companion' "
                               "AND path=?", -1, &q, NULL) != SQLITE_OK)
            return;
        sqlite3_bind_text(q, 1, w->top, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, c->display, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, db_row);
        sqlite3_bind_text(q, 4, c->tmp, -1, SQLITE_TRANSIENT);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
}

/* True when deferred companion c belongs to a deferred database. */
static int has_db(const arch *ar, const deferred *c)
{
    const char *suf = companion_suffix(c->base);
    if (!suf)
        return 0;
    size_t bl = strlen(c->base) - strlen(suf);
    for (size_t i = 0; i < ar->ndefs; i++) {
        const deferred *d = &ar->defs[i];
        if (d->is_db && strcmp(d->dirkey, c->dirkey) == 0 &&
            strlen(d->base) == bl && strncmp(d->base, c->base, bl) == 0)
            return 1;
    }
    return 0;
}

/* Ingests the databases copied out of the archive (their companions
 * beside them), then companions that had no database. */
static void deferred_run(arch *ar)
{
    st_walk *w = ar->w;
    for (int pass = 0; pass < 2 && !w->fatal; pass++)
        for (size_t i = 0; i < ar->ndefs && !w->fatal; i++) {
            deferred *d = &ar->defs[i];
            if ((pass == 0) != (d->is_db != 0) || (pass == 1 && has_db(ar, d)))
                continue;
            st_input *in;
            char err[600];
            if (st_input_open_path(&in, d->tmp, err, sizeof err) < 0) {
                record_skipped(w, ar->row, d->display, NULL, -1, err);
                continue;
            }
            st_ingest_result r;
            r.source_id = 0;
            r.status = ST_REJECTED;
            ingest_member(w, in, d->display, ar->row, 1, NULL, &r);
            st_input_close(in);
            if (d->is_db && r.source_id &&
                (r.status == ST_INGESTED || r.status == ST_INGESTED_PARTIAL))
                fix_companions(w, ar, d, r.source_id);
            tick_label(w);
        }
}

/* The logarchive group for key (created on first sight). */
static lagroup *la_group(arch *ar, const char *name, size_t keylen)
{
    for (size_t i = 0; i < ar->ngroups; i++)
        if (strlen(ar->groups[i].key) == keylen &&
            strncmp(ar->groups[i].key, name, keylen) == 0)
            return &ar->groups[i];
    lagroup *ng = realloc(ar->groups, (ar->ngroups + 1) * sizeof *ng);
    if (!ng)
        return NULL;
    ar->groups = ng;
    lagroup *g = &ar->groups[ar->ngroups++];
    memset(g, 0, sizeof *g);
    g->key = strndup(name, keylen);
    g->display = g->key ? cat3(ar->prefix, g->key, "") : NULL;
    if (!g->key || !g->display) {
        ar->ngroups--;
        free(g->key);
        free(g->display);
        return NULL;
    }
    return g;
}

/* True when a binary-log parser is registered (see st_walk_logarchive). */
static int binlog_parser(void)
{
    return st_parser_by_name("logarchive") || st_parser_by_name("tracev3");
}

/* Creates the directories of rel (a checked relative path) under root;
 * returns the full path of the file or NULL. */
static char *la_path(const char *root, const char *rel)
{
    char *full = cat3(root, "/", rel);
    if (!full)
        return NULL;
    for (char *p = full + strlen(root) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(full, 0700) != 0 && errno != EEXIST) {
            free(full);
            return NULL;
        }
        *p = '/';
    }
    return full;
}

/* A member inside a .logarchive folder: counted, and copied out when a
 * parser will read the folder. */
static void la_member(arch *ar, const char *name, size_t keylen,
                      const char *display)
{
    st_walk *w = ar->w;
    lagroup *g = la_group(ar, name, keylen);
    if (!g) {
        walk_fatal(w, "out of memory");
        return;
    }
    g->files++;
    int64_t before = ar->cur_out;
    if (binlog_parser()) {
        if (!g->root) {
            /* tmp/lN/NAME.logarchive: the copy keeps the folder name */
            const char *t = tmp_dir(w);
            char num[32];
            snprintf(num, sizeof num, "/l%u", ++w->tmp_seq);
            const char *sl = strrchr(g->key, '/');
            char *parent = t ? cat3(t, num, "") : NULL;
            g->root = parent ? cat3(parent, "/", sl ? sl + 1 : g->key)
                             : NULL;
            int ok = g->root && mkdir(parent, 0700) == 0 &&
                     mkdir(g->root, 0700) == 0;
            free(parent);
            if (!ok) {
                if (!w->fatal)
                    walk_fatal(w, "cannot create a private directory for "
                               "%s: %s", display, strerror(errno));
                return;
            }
        }
        /* a name clash inside the folder (a file where a folder is
         * needed, the same name twice) loses that member, not the walk */
        const char *rel = name + keylen + 1;
        char *path = la_path(g->root, rel);
        int rc = path ? copy_member(ar, path, NULL, 0) : -1;
        if (rc == -1) {
            char why[600];
            snprintf(why, sizeof why, "cannot be copied to the private "
                     "temporary directory: %s", strerror(errno));
            g->files--;
            if (ar->cur_out == before) {
                skip_member(ar, display, NULL, 0, why);
            } else {         /* part went to the copy: no whole hash */
                int64_t sz = 0;
                EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL);
                drain_member(ar, w->sha, &sz);
                record_skipped(w, ar->row, display, NULL, -1, why);
            }
        }
        free(path);
    } else {
        EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL);
        int64_t size = 0;
        drain_member(ar, w->sha, &size);
    }
    g->bytes += ar->cur_out - before;
}

static void arch_walk(arch *ar);

/* Opens a nested archive from the current member (its first bytes are
 * pre[0..pre_n)) and walks it. */
static void nested_member(arch *ar, const char *display, const uint8_t *pre,
                          size_t pre_n)
{
    st_walk *w = ar->w;
    arch in;
    memset(&in, 0, sizeof in);
    in.w = w;
    in.depth = ar->depth + 1;
    in.fd = -1;
    in.parent = ar;
    in.pre = pre;
    in.pre_n = pre_n;
    in.prefix = cat3(display, NEST_SEP, "");
    in.row = container_begin(w, display, ar->row, "archive");
    if (!in.prefix || !in.row) {
        free(in.prefix);
        return;
    }
    report(w, display, ST_MEMBER_ARCHIVE, NULL, NULL);
    arch_walk(&in);
    free(in.prefix);
}

/* One entry of an archive: refuse, skip, copy, nest or stream it. */
static void arch_member(arch *ar, struct archive_entry *e)
{
    st_walk *w = ar->w;
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        raw = archive_entry_pathname_utf8(e);
    char *name = strdup(raw ? raw : "(no name)");
    if (!name) {
        walk_fatal(w, "out of memory");
        return;
    }
    tidy_name(name);
    char *display = cat3(ar->prefix, name, "");
    if (!display) {
        free(name);
        walk_fatal(w, "out of memory");
        return;
    }
    ar->cur = name;
    ar->cur_out = 0;
    ar->cur_in0 = archive_filter_bytes(ar->a, -1);
    ar->member_failed = 0;
    mode_t type = archive_entry_filetype(e);
    const char *why = NULL;
    char whybuf[1200];
    const char *link;
    size_t lakey;

    if (type == AE_IFDIR || (!*name && type == 0))
        goto out;                     /* folders carry no evidence */
    if (++w->res->members > w->lim.max_members) {
        walk_fatal(w, "stopped: more than %lld members (limit; an archive "
                   "bomb?)", (long long)w->lim.max_members);
        goto out;
    }
    if ((why = unsafe_path(name)) != NULL) {
        skip_member(ar, display, NULL, 0, why);
        goto out;
    }
    if ((link = archive_entry_hardlink(e)) != NULL) {
        snprintf(whybuf, sizeof whybuf, "refused: hard link (to %.600s), "
                 "not followed", link);
        skip_member(ar, display, NULL, 0, whybuf);
        goto out;
    }
    if (type == AE_IFLNK || archive_entry_symlink(e)) {
        link = archive_entry_symlink(e);
        snprintf(whybuf, sizeof whybuf, "refused: symbolic link (to "
                 "%.600s), not followed", link ? link : "?");
        skip_member(ar, display, NULL, 0, whybuf);
        goto out;
    }
    if (type != AE_IFREG && type != 0) {
        snprintf(whybuf, sizeof whybuf, "refused: not a regular file (%s)",
                 type == AE_IFCHR ? "character device"
                 : type == AE_IFBLK ? "block device"
                 : type == AE_IFIFO ? "fifo"
                 : type == AE_IFSOCK ? "socket" : "special");
        skip_member(ar, display, NULL, 0, whybuf);
        goto out;
    }
    if (appledouble(name)) {
        skip_member(ar, display, NULL, 0, "AppleDouble (macOS resource fork "
                    "and extended attributes), not read");
        goto out;
    }
    if ((lakey = logarchive_key(name)) != 0) {
        la_member(ar, name, lakey, display);
        goto out;
    }

    /* content decides the rest */
    uint8_t *pre = malloc(PREFIX_BZIP2);
    if (!pre) {
        walk_fatal(w, "out of memory");
        goto out;
    }
    ssize_t pn = read_prefix(ar, pre, PREFIX_MAX);
    if (pn >= 3 && memcmp(pre, "BZh", 3) == 0 && pn == PREFIX_MAX) {
        ssize_t more = read_prefix(ar, pre + pn, PREFIX_BZIP2 - PREFIX_MAX);
        pn = more < 0 ? -1 : pn + more;
    }
    if (pn < 0) {
        if (ar->member_failed && !ar->broken && !w->fatal) {
            snprintf(whybuf, sizeof whybuf, "unreadable: %s", ar->err);
            record_skipped(w, ar->row, display, NULL, -1, whybuf);
        }
        free(pre);
        goto out;
    }
    size_t n = (size_t)pn;
    if (n >= 16 && memcmp(pre, "SQLite format 3", 16) == 0) {
        defer_sqlite(ar, name, display, pre, n, 1);
    } else if (companion_suffix(name)) {
        defer_sqlite(ar, name, display, pre, n, 0);
    } else if (maybe_archive(pre, n) && probe_archive(pre, n)) {
        if (ar->depth + 1 > w->lim.max_depth) {
            snprintf(whybuf, sizeof whybuf, "nested archive deeper than %d "
                     "levels, not opened", w->lim.max_depth);
            skip_member(ar, display, pre, n, whybuf);
        } else {
            nested_member(ar, display, pre, n);
        }
    } else if (n >= 6 && memcmp(pre, "7z\xbc\xaf\x27\x1c", 6) == 0) {
        skip_member(ar, display, pre, n, "7-Zip archive inside an archive: "
                    "not opened (7-Zip needs random access); extract it and "
                    "ingest it on its own");
    } else {
        mstream ms = {ar, pre, n, 0};
        st_input *in;
        la_int64_t size = archive_entry_size_is_set(e)
                              ? archive_entry_size(e) : -1;
        if (st_input_open_reader(&in, mstream_read, &ms, display, size) < 0) {
            walk_fatal(w, "out of memory");
        } else {
            ingest_member(w, in, display, ar->row, 1, NULL, NULL);
            st_input_close(in);
        }
    }
    free(pre);
out:
    tick_label(w);
    ar->cur = "";
    free(display);
    free(name);
}

/* Reads every entry of an archive whose raw source is set up in ar, then
 * ingests its deferred databases and logarchives and completes its row. */
static void arch_walk(arch *ar)
{
    st_walk *w = ar->w;
    ar->a = new_reader();
    ar->sha = EVP_MD_CTX_new();
    ar->rbuf = malloc(RAW_BLOCK);
    ar->cur = "";
    snprintf(ar->format, sizeof ar->format, "archive");
    if (!ar->a || !ar->sha || !ar->rbuf ||
        EVP_DigestInit_ex(ar->sha, EVP_sha256(), NULL) != 1) {
        walk_fatal(w, "out of memory");
        goto done;
    }
    archive_read_set_read_callback(ar->a, raw_read);
    if (!ar->parent)
        archive_read_set_seek_callback(ar->a, raw_seek);
    archive_read_set_callback_data(ar->a, ar);
    char last[1024] = "";
    if (archive_read_open1(ar->a) != ARCHIVE_OK) {
        const char *why = archive_error_string(ar->a);
        snprintf(ar->err, sizeof ar->err, "%s%s", ar->prefix,
                 why ? why : "cannot open the archive");
        ar->broken = 1;
    }
    while (!ar->broken && !w->fatal) {
        struct archive_entry *e;
        int r = archive_read_next_header(ar->a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (!strcmp(ar->format, "archive"))
            format_name(ar->a, ar->format, sizeof ar->format);
        if (r == ARCHIVE_RETRY)
            continue;
        if (r < ARCHIVE_WARN) {
            const char *why = archive_error_string(ar->a);
            if (last[0])
                snprintf(ar->err, sizeof ar->err, "%.300s (in the entry after "
                         "%.250s%.250s)", why ? why : "unreadable entry header",
                         ar->prefix, last);
            else
                snprintf(ar->err, sizeof ar->err, "%s (in the first entry)",
                         why ? why : "unreadable entry header");
            if (r == ARCHIVE_FATAL) {
                ar->broken = 1;
                break;
            }
            record_skipped(w, ar->row, "(unreadable entry)", NULL, -1,
                           ar->err);
            continue;
        }
        const char *nm = archive_entry_pathname(e);
        snprintf(last, sizeof last, "%s", nm ? nm : "(no name)");
        arch_member(ar, e);
    }
    if (!strcmp(ar->format, "archive") && ar->a)
        format_name(ar->a, ar->format, sizeof ar->format);
    /* databases and logarchives are read from their copies, even when the
     * archive broke later: what was read stays evidence */
    deferred_run(ar);
    for (size_t i = 0; i < ar->ngroups && !w->fatal; i++) {
        lagroup *g = &ar->groups[i];
        char *disp = cat3(g->display, "/", "");
        batch_end(w);
        if (disp)
            st_walk_logarchive(w, g->root, disp, ar->row, g->files,
                               g->bytes);
        free(disp);
        tick_label(w);
    }
done:;
    char hex[65] = "";
    int64_t size = -1;
    /* files and memory are hashed whole even when the archive broke;
     * a nested archive only when its member could be read to the end */
    if (ar->sha && ar->rbuf &&
        (ar->fd >= 0 || ar->mem || (!w->fatal && !ar->broken)))
        raw_finish(ar, hex, &size);
    const char *status = "ingested";
    char msg[1200] = "";
    if (ar->broken || w->fatal) {
        status = "partial";
        snprintf(msg, sizeof msg, "cut short: %s; the members read before "
                 "it were kept", ar->broken ? ar->err : w->res->message);
        if (ar->broken && !w->res->failed) {
            w->res->failed = 1;
            snprintf(w->res->message, sizeof w->res->message, "%.1000s", msg);
        }
    }
    container_end(w, ar->row, hex[0] ? hex : NULL, size, ar->format, status,
                  msg[0] ? msg : NULL);
    if (ar->depth == 0) {
        snprintf(w->res->format, sizeof w->res->format, "%s", ar->format);
        snprintf(w->res->sha256, sizeof w->res->sha256, "%s", hex);
        w->res->size = size;
    }
    for (size_t i = 0; i < ar->ndefs; i++) {
        unlink(ar->defs[i].tmp);
        free(ar->defs[i].tmp);
        free(ar->defs[i].display);
        free(ar->defs[i].dirkey);
        free(ar->defs[i].base);
    }
    free(ar->defs);
    for (size_t i = 0; i < ar->ngroups; i++) {
        free(ar->groups[i].key);
        free(ar->groups[i].display);
        free(ar->groups[i].root);
    }
    free(ar->groups);
    if (ar->a)
        archive_read_free(ar->a);
    EVP_MD_CTX_free(ar->sha);
    free(ar->rbuf);
}

/* ---- the logarchive hook ------------------------------------------------ */

/* Appends a copy of s to a growing list of strings. */
static int push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

/* Bytewise order, independent of the locale. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the relative paths of the tracev3 files under dir, found by
 * content (the tracev3 parser's own bid on the first bytes; names are not
 * consulted), at most DIR_DEPTH_MAX levels down. */
static void find_tracev3(const st_parser *p, const char *dir,
                         const char *rel, char ***v, size_t *n, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > DIR_DEPTH_MAX) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *full = cat3(dir, "/", e->d_name);
        char *r = *rel ? cat3(rel, "/", e->d_name) : strdup(e->d_name);
        struct stat sb;
        if (full && r && lstat(full, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                find_tracev3(p, full, r, v, n, depth + 1);
            } else if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
                uint8_t head[4096];
                int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                ssize_t k = fd >= 0 ? pread(fd, head, sizeof head, 0) : -1;
                if (fd >= 0)
                    close(fd);
                if (k > 0 && p->bid(head, (size_t)k, k < (ssize_t)sizeof
                                    head) >= ST_BID_MIN)
                    push(v, n, r);
            }
        }
        free(full);
        free(r);
    }
    closedir(d);
}

/* Opens dir/rel and ingests it with a forced parser. */
static void ingest_forced(st_walk *w, const char *dir, const char *rel,
                          const char *member, int64_t parent,
                          const char *parser)
{
    char *path = cat3(dir, "/", rel);
    char *disp = cat3(member, rel, "");
    st_input *in;
    char err[600];
    if (!path || !disp) {
        walk_fatal(w, "out of memory");
    } else if (st_input_open_path(&in, path, err, sizeof err) < 0) {
        record_skipped(w, parent, disp, NULL, -1, err);
    } else {
        ingest_member(w, in, disp, parent, w->opts->quiet, parser, NULL);
        st_input_close(in);
    }
    free(path);
    free(disp);
}

/* Routes a .logarchive folder (see walk.h for the contract). */
int st_walk_logarchive(st_walk *w, const char *dir, const char *member,
                       int64_t parent_id, int64_t files, int64_t bytes)
{
    if (dir && st_parser_by_name("logarchive")) {
        ingest_forced(w, dir, "Info.plist", member, parent_id, "logarchive");
        return w->fatal ? -1 : 0;
    }
    const st_parser *tv3 = st_parser_by_name("tracev3");
    if (dir && tv3) {
        char **v = NULL;
        size_t n = 0;
        find_tracev3(tv3, dir, "", &v, &n, 0);
        if (n)
            qsort(v, n, sizeof *v, cmp_str);
        for (size_t i = 0; i < n; i++) {
            if (!w->fatal)
                ingest_forced(w, dir, v[i], member, parent_id, "tracev3");
            free(v[i]);
        }
        free(v);
        if (n == 0 && !w->fatal) {
            int64_t id = record_skipped(w, parent_id, member, NULL, bytes,
                                        "unified log folder without any "
                                        "tracev3 file: no log to read");
            if (id) {
                char c[32];
                snprintf(c, sizeof c, "%lld", (long long)files);
                st_store_add_note(w->st, id, "files", c);
            }
        }
        return w->fatal ? -1 : 0;
    }
    /* the folder's own name in the advice, as the analyst will see it */
    char name[512];
    size_t ml = strlen(member);
    while (ml && member[ml - 1] == '/')
        ml--;
    const char *b = member + ml;
    while (b > member && b[-1] != '/' && b[-1] != ' ')
        b--;
    snprintf(name, sizeof name, "%.*s", (int)(member + ml - b), b);
    char why[800];
    snprintf(why, sizeof why, LOGARCHIVE_REASON, name);
    int64_t id = record_skipped(w, parent_id, member, NULL, bytes, why);
    if (id) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)files);
        st_store_add_note(w->st, id, "files", v);
    }
    return w->fatal ? -1 : 0;
}

/* ---- directories -------------------------------------------------------- */

/* Counts the files and bytes below dir (for a logarchive's row). */
static void count_tree(const char *dir, int64_t *files, int64_t *bytes,
                       int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && depth < DIR_DEPTH_MAX) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *full = cat3(dir, "/", e->d_name);
        struct stat sb;
        if (full && lstat(full, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                count_tree(full, files, bytes, depth + 1);
            } else if (S_ISREG(sb.st_mode)) {
                (*files)++;
                *bytes += sb.st_size;
            }
        }
        free(full);
    }
    closedir(d);
}

/* Hashes a file (AppleDouble and other skipped files keep their hash);
 * `follow`: the path may be a symbolic link (only for what the user named). */
static int hash_file(st_walk *w, const char *path, int follow,
                     char hex[65], int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return -1;
    EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL);
    *size = 0;
    for (;;) {
        ssize_t k = read(fd, w->buf, COPY_BLOCK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            close(fd);
            return -1;
        }
        if (k == 0)
            break;
        EVP_DigestUpdate(w->sha, w->buf, (size_t)k);
        *size += k;
    }
    close(fd);
    sha_hex(w->sha, hex);
    return 0;
}

/* True when `name` is a -wal/-shm/-journal whose database sits beside it
 * (the database's parser records it as a companion). */
static int sqlite_sibling(const char *dir, const char *name,
                          char *const *names, int n)
{
    const char *suf = companion_suffix(name);
    if (!suf)
        return 0;
    size_t bl = strlen(name) - strlen(suf);
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) != bl || strncmp(names[i], name, bl) != 0)
            continue;
        char *p = cat3(dir, "/", names[i]);
        int fd = p ? open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
        free(p);
        char magic[16];
        int ok = fd >= 0 && pread(fd, magic, 16, 0) == 16 &&
                 memcmp(magic, "SQLite format 3", 16) == 0;
        if (fd >= 0)
            close(fd);
        return ok;
    }
    return 0;
}

static int64_t arch_file(st_walk *w, const char *path, const char *display,
                         int64_t parent, int depth);

/* Walks one directory level (sorted), recursing into subdirectories. */
static void dir_walk(st_walk *w, const char *dir, const char *rel,
                     int64_t parent, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        char why[600];
        snprintf(why, sizeof why, "cannot open the directory: %s",
                 strerror(errno));
        record_skipped(w, parent, *rel ? rel : ".", NULL, -1, why);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            if (push(&names, &n, e->d_name) < 0) {
                walk_fatal(w, "out of memory");
                break;
            }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !w->fatal; i++) {
        char *full = cat3(dir, "/", names[i]);
        char *r = *rel ? cat3(rel, "/", names[i]) : strdup(names[i]);
        struct stat sb;
        char why[1200];
        if (!full || !r) {
            walk_fatal(w, "out of memory");
        } else if (lstat(full, &sb) != 0) {
            snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
            record_skipped(w, parent, r, NULL, -1, why);
        } else if (S_ISDIR(sb.st_mode)) {
            size_t l = strlen(names[i]);
            if (l > 11 && strcmp(names[i] + l - 11, ".logarchive") == 0) {
                int64_t files = 0, bytes = 0;
                count_tree(full, &files, &bytes, 0);
                char *disp = cat3(r, "/", "");
                w->res->members++;
                batch_end(w);
                if (disp)
                    st_walk_logarchive(w, full, disp, parent, files, bytes);
                free(disp);
            } else if (depth + 1 > DIR_DEPTH_MAX) {
                record_skipped(w, parent, r, NULL, -1, "directory nested "
                               "too deep, not walked");
            } else {
                dir_walk(w, full, r, parent, depth + 1);
            }
        } else if (++w->res->members > w->lim.max_members) {
            walk_fatal(w, "stopped: more than %lld members (limit)",
                       (long long)w->lim.max_members);
        } else if (S_ISLNK(sb.st_mode)) {
            char target[600];
            ssize_t tl = readlink(full, target, sizeof target - 1);
            target[tl > 0 ? tl : 0] = 0;
            snprintf(why, sizeof why, "refused: symbolic link (to %s), not "
                     "followed", tl > 0 ? target : "?");
            record_skipped(w, parent, r, NULL, -1, why);
        } else if (!S_ISREG(sb.st_mode)) {
            record_skipped(w, parent, r, NULL, -1,
                           "refused: not a regular file");
        } else if ((w->res->size += sb.st_size, appledouble(r))) {
            char hex[65];
            int64_t size = 0;
            int ok = hash_file(w, full, 0, hex, &size) == 0;
            record_skipped(w, parent, r, ok ? hex : NULL, size,
                           "AppleDouble (macOS resource fork and extended "
                           "attributes), not read");
        } else if (sqlite_sibling(dir, names[i], names, (int)n)) {
            w->res->members--;    /* recorded with its database */
        } else if (st_walk_classify(full) == ST_WALK_ARCHIVE) {
            if (w->lim.max_depth < 1) {
                snprintf(why, sizeof why, "nested archive deeper than %d "
                         "levels, not opened", w->lim.max_depth);
                record_skipped(w, parent, r, NULL, sb.st_size, why);
            } else {
                arch_file(w, full, r, parent, 1);
            }
        } else {
            st_input *in;
            char err[600];
            if (st_input_open_path(&in, full, err, sizeof err) < 0) {
                record_skipped(w, parent, r, NULL, -1, err);
            } else {
                ingest_member(w, in, r, parent, w->opts->quiet, NULL, NULL);
                st_input_close(in);
            }
        }
        free(full);
        free(r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Walks the archive file at path (top level or found in a directory);
 * returns its row id (0 when none was made). */
static int64_t arch_file(st_walk *w, const char *path, const char *display,
                         int64_t parent, int depth)
{
    arch ar;
    memset(&ar, 0, sizeof ar);
    ar.w = w;
    ar.depth = depth;
    ar.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ar.fd < 0) {
        char why[600];
        snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
        if (depth == 0)
            walk_fatal(w, "%s: %s", path, why);
        else
            record_skipped(w, parent, display, NULL, -1, why);
        return 0;
    }
    posix_fadvise(ar.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    ar.counts_progress = depth == 0;
    ar.prefix = display ? cat3(display, NEST_SEP, "") : strdup("");
    ar.row = container_begin(w, display, parent, "archive");
    if (ar.prefix && ar.row) {
        if (display)
            report(w, display, ST_MEMBER_ARCHIVE, NULL, NULL);
        arch_walk(&ar);
    }
    free(ar.prefix);
    close(ar.fd);
    return ar.row;
}

/* ---- top level ---------------------------------------------------------- */

/* Sets up a walk; returns -1 when out of memory. */
static int walk_init(st_walk *w, st_store *st, const char *path,
                     const st_ingest_opts *opts, const st_walk_limits *lim,
                     st_walk_report_fn fn, void *ctx, st_walk_result *res)
{
    memset(res, 0, sizeof *res);
    memset(w, 0, sizeof *w);
    w->st = st;
    w->opts = opts;
    if (lim)
        w->lim = *lim;
    else
        st_walk_limits_default(&w->lim);
    w->fn = fn;
    w->fnctx = ctx;
    w->res = res;
    w->top = path;
    w->sha = EVP_MD_CTX_new();
    w->buf = malloc(COPY_BLOCK);
    const char *sl = strrchr(path, '/');
    w->prog_name = sl && sl[1] ? sl + 1 : path;
    if (!w->sha || !w->buf) {
        EVP_MD_CTX_free(w->sha);
        free(w->buf);
        snprintf(res->message, sizeof res->message, "out of memory");
        res->failed = 1;
        return -1;
    }
    return 0;
}

/* True when every row below `id` is already in the case: no member was
 * ingested, and each skipped one was skipped before with the same bytes. */
static int nothing_new(st_walk *w, int64_t id)
{
    if (w->res->ingested || w->res->partial || w->res->failed ||
        (!w->res->duplicates && !w->res->skipped))
        return 0;
    sqlite3 *db = st_store_db(w->st);
    sqlite3_stmt *q;
    int64_t fresh = 1;
    if (sqlite3_prepare_v2(db,
            "WITH RECURSIVE t(id) AS (SELECT ?1 UNION ALL SELECT s.id FROM "
            "sources s JOIN t ON s.parent_id = t.id) "
            "SELECT count(*) FROM sources n WHERE n.id IN t AND n.id != ?1 "
            "AND n.status = 'skipped' AND NOT EXISTS (SELECT 1 FROM sources "
            "o WHERE o.id < ?1 AND o.status = 'skipped' AND o.member IS "
            "n.member AND o.sha256 IS n.sha256)", -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW)
        fresh = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return fresh == 0;
}

/* Deletes a container's rows (all of them skipped or containers). */
static void forget(st_walk *w, int64_t id)
{
    static const char *const sql[] = {
        "DELETE FROM source_notes WHERE source_id IN t",
        "DELETE FROM warnings WHERE source_id IN t",
        "DELETE FROM sources WHERE id IN t",
    };
    sqlite3 *db = st_store_db(w->st);
    int opened = st_store_tx_begin(w->st);
    for (int i = 0; i < 3; i++) {
        char full[400];
        snprintf(full, sizeof full, "WITH RECURSIVE t(id) AS (SELECT ?1 "
                 "UNION ALL SELECT s.id FROM sources s JOIN t ON s.parent_id "
                 "= t.id) %s", sql[i]);
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, full, -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, id);
            sqlite3_step(q);
            sqlite3_finalize(q);
        }
    }
    st_store_tx_end(w->st, opened);
}

/* Notes the member counts on the container's row. */
static void container_notes(st_walk *w, int64_t id)
{
    const struct { const char *k; int64_t v; } n[] = {
        {"members", w->res->members}, {"ingested", w->res->ingested},
        {"duplicates", w->res->duplicates}, {"skipped", w->res->skipped},
        {"partial", w->res->partial}};
    batch_begin(w);
    for (size_t i = 0; i < sizeof n / sizeof *n; i++) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)n[i].v);
        st_store_add_note(w->st, id, n[i].k, v);
    }
}

/* Finishes a walk: counts, the unchanged check, the temporary directory. */
static int walk_done(st_walk *w, int64_t id)
{
    w->res->source_id = id;
    if (id && nothing_new(w, id)) {
        batch_end(w);
        forget(w, id);
        w->res->source_id = 0;
        w->res->unchanged = 1;
        snprintf(w->res->message, sizeof w->res->message, "skipped, every "
                 "member is already in the case (use --force to ingest "
                 "again)");
    } else if (id) {
        container_notes(w, id);
    }
    batch_end(w);
    tmp_remove(w);
    st_progress_done(&w->prog);
    EVP_MD_CTX_free(w->sha);
    free(w->buf);
    return w->res->failed ? -1 : 0;
}

/* Returns the id of an ingested archive with these bytes, or 0; hashes the
 * file only when an archive of the same size is in the case. */
static int64_t known_archive(st_walk *w, const char *path, int64_t size)
{
    sqlite3 *db = st_store_db(w->st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT id, sha256 FROM sources WHERE size = "
                           "? AND status = 'ingested' AND format LIKE "
                           "'archive:%' AND sha256 IS NOT NULL", -1, &q,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(q, 1, size);
    int64_t found = 0;
    char hex[65] = "";
    int64_t got;
    while (!found && sqlite3_step(q) == SQLITE_ROW) {
        if (!hex[0] && hash_file(w, path, 1, hex, &got) < 0)
            break;
        const unsigned char *s = sqlite3_column_text(q, 1);
        if (s && strcmp((const char *)s, hex) == 0)
            found = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return found;
}

/* Walks a folder or an archive file given by the user. */
int st_walk_path(st_store *st, const char *path, const st_ingest_opts *opts,
                 const st_walk_limits *lim, st_walk_report_fn fn, void *ctx,
                 st_walk_result *res)
{
    st_walk w;
    if (walk_init(&w, st, path, opts, lim, fn, ctx, res) < 0)
        return -1;
    int64_t id = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        walk_fatal(&w, "%s: cannot open: %s", path, strerror(errno));
    } else if (S_ISDIR(sb.st_mode)) {
        snprintf(res->format, sizeof res->format, "directory");
        id = container_begin(&w, NULL, 0, "directory");
        if (id) {
            dir_walk(&w, path, "", id, 0);
            container_end(&w, id, NULL, res->size, "directory",
                          w.fatal ? "partial" : "ingested",
                          w.fatal ? res->message : NULL);
        }
    } else {
        int64_t dup = opts->force ? 0 : known_archive(&w, path, sb.st_size);
        if (dup) {
            res->unchanged = 1;
            res->source_id = dup;
            snprintf(res->message, sizeof res->message, "skipped, same "
                     "SHA-256 as source %lld already in the case (use "
                     "--force to ingest again)", (long long)dup);
            w.res = res;
            tmp_remove(&w);
            EVP_MD_CTX_free(w.sha);
            free(w.buf);
            return 0;
        }
        st_progress_init(&w.prog, w.prog_name, sb.st_size, opts->quiet);
        tick_label(&w);
        id = arch_file(&w, path, NULL, 0, 0);
    }
    return walk_done(&w, id);
}

/* Walks an archive held in memory (fuzzing, tests). */
int st_walk_archive_mem(st_store *st, const void *data, size_t n,
                        const char *name, const st_ingest_opts *opts,
                        const st_walk_limits *lim, st_walk_report_fn fn,
                        void *ctx, st_walk_result *res)
{
    st_walk w;
    if (walk_init(&w, st, name, opts, lim, fn, ctx, res) < 0)
        return -1;
    arch ar;
    memset(&ar, 0, sizeof ar);
    ar.w = &w;
    ar.fd = -1;
    ar.mem = data;
    ar.mem_n = n;
    ar.prefix = strdup("");
    ar.row = container_begin(&w, NULL, 0, "archive");
    if (ar.prefix && ar.row)
        arch_walk(&ar);
    free(ar.prefix);
    return walk_done(&w, ar.row);
}
