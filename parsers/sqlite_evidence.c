/*
 * sqlite_evidence.c -- private copies of evidence databases, and the helpers
 * the security-database parsers share.  See sqlite_evidence.h.
 */
#include "sqlite_evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeparse.h"
#include "utf8.h"

#define COPY_CHUNK (1024 * 1024)
#define COPY_NAME "evidence.db"
/* A header claiming more than this is not trusted for padding (sparse,
 * but beyond any real macOS database). */
#define MAX_PADDED ((int64_t)1 << 40)

static const char sqlite_magic[16] = "SQLite format 3";   /* + NUL */

/* ---- bidding ----------------------------------------------------------- */

/* Checks the 16-byte SQLite magic. */
int st_secdb_is_sqlite(const uint8_t *head, size_t n)
{
    return n >= 16 && memcmp(head, sqlite_magic, 16) == 0;
}

/* True when the NUL-terminated needle occurs in head[0..n). */
static int head_has(const uint8_t *head, size_t n, const char *needle)
{
    return memmem(head, n, needle, strlen(needle)) != NULL;
}

/* Bids `bid` when the head is SQLite and names the tables asked for. */
int st_secdb_bid_tables(const uint8_t *head, size_t n,
                        const char *const *all, const char *const *any,
                        int bid)
{
    if (!st_secdb_is_sqlite(head, n))
        return 0;
    for (size_t i = 0; all && all[i]; i++)
        if (!head_has(head, n, all[i]))
            return 0;
    if (any) {
        for (size_t i = 0; any[i]; i++)
            if (head_has(head, n, any[i]))
                return bid;
        return 0;
    }
    return bid;
}

/* ---- the private copy -------------------------------------------------- */

/* Writes all of buf to fd; returns 0 or -1 (errno set). */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Makes "dir/name" + suffix; returns malloc'd text or NULL. */
static char *join(const char *dir, const char *name, const char *suffix)
{
    size_t k = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *s = malloc(k);
    if (s)
        snprintf(s, k, "%s/%s%s", dir, name, suffix);
    return s;
}

/* Removes every file in dir, then dir.  Only files sigtrail and SQLite
 * created live there (the directory is private), so no recursion. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        int dfd = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dfd, e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* Copies the rest of the input stream into path; the input layer hashes
 * each byte as it goes.  Returns ST_READ_OK or an error code. */
static int copy_main(st_input *in, const char *path, int64_t *size,
                     char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create the private copy: %s",
                 strerror(errno));
        return ST_READ_REJECTED;
    }
    char *buf = malloc(COPY_CHUNK);
    int rc = ST_READ_OK;
    *size = 0;
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        rc = ST_READ_REJECTED;
    }
    while (rc == ST_READ_OK) {
        ssize_t k = st_input_read(in, buf, COPY_CHUNK);
        if (k == 0)
            break;
        if (k < 0) {
            snprintf(err, errlen, "%s", st_input_error(in)
                     ? st_input_error(in) : "read error");
            rc = ST_READ_INPUT_ERROR;
        } else if (write_all(fd, buf, (size_t)k) < 0) {
            snprintf(err, errlen, "cannot write the private copy: %s",
                     strerror(errno));
            rc = ST_READ_REJECTED;
        } else {
            *size += k;
        }
    }
    free(buf);
    /* the input layer may report a failure as a short end of stream */
    if (rc == ST_READ_OK && st_input_error(in)) {
        snprintf(err, errlen, "%s", st_input_error(in));
        rc = ST_READ_INPUT_ERROR;
    }
    if (close(fd) < 0 && rc == ST_READ_OK) {
        snprintf(err, errlen, "cannot write the private copy: %s",
                 strerror(errno));
        rc = ST_READ_REJECTED;
    }
    return rc;
}

/* Opens a companion read-only without touching its access time when the
 * kernel lets us (O_NOATIME needs ownership). */
static int open_evidence(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME | O_NOFOLLOW);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    return fd;
}

/* Looks for orig+suffix; when present copies it beside the main copy,
 * hashing it on the way, and reports it as a companion.  Returns 1 when
 * copied, 0 when absent, -1 when present but unusable (warned). */
static int copy_companion(st_secdb *db, st_sink *sink, const char *orig,
                          const char *suffix, int64_t *size_out)
{
    char *src = malloc(strlen(orig) + strlen(suffix) + 1);
    char *dst = join(db->dir, COPY_NAME, suffix);
    char *buf = malloc(COPY_CHUNK);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    int rc = -1, in = -1, out = -1;
    int64_t size = 0;
    if (!src || !dst || !buf || !sha ||
        EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
        st_sink_warnf(sink, 0, "%s%s: companion not read: out of memory",
                      orig, suffix);
        goto done;
    }
    sprintf(src, "%s%s", orig, suffix);
    in = open_evidence(src);
    if (in < 0) {
        if (errno == ENOENT)
            rc = 0;
        else
            st_sink_warnf(sink, 0, "%s: companion exists but cannot be "
                          "read: %s; rows it holds are missing", src,
                          strerror(errno));
        goto done;
    }
    struct stat sb;
    if (fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        st_sink_warnf(sink, 0, "%s: companion is not a regular file; not "
                      "read", src);
        goto done;
    }
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
               0600);
    if (out < 0) {
        st_sink_warnf(sink, 0, "%s: cannot copy companion: %s", src,
                      strerror(errno));
        goto done;
    }
    for (;;) {
        ssize_t k = read(in, buf, COPY_CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st_sink_warnf(sink, 0, "%s: read error in companion: %s", src,
                          strerror(errno));
            goto done;
        }
        if (k == 0)
            break;
        EVP_DigestUpdate(sha, buf, (size_t)k);
        if (write_all(out, buf, (size_t)k) < 0) {
            st_sink_warnf(sink, 0, "%s: cannot copy companion: %s", src,
                          strerror(errno));
            goto done;
        }
        size += k;
    }
    if (close(out) < 0) {
        out = -1;
        st_sink_warnf(sink, 0, "%s: cannot copy companion: %s", src,
                      strerror(errno));
        goto done;
    }
    out = -1;
    unsigned char md[32];
    char hex[65];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(sha, md, &mdlen);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (sink->companion)
        sink->companion(sink->ctx, src, hex, size);
    *size_out = size;
    rc = 1;
done:
    if (rc < 0 && dst)
        unlink(dst);   /* a half companion would be misread as evidence */
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    EVP_MD_CTX_free(sha);
    free(buf);
    free(dst);
    free(src);
    return rc;
}

/* Reads a big-endian u32 (SQLite header fields). */
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads the 100-byte header of the copy: rejects what is not SQLite and
 * notes the journal mode.  A file shorter than its header says (a cut
 * copy) is warned about, and the *copy* is padded with zeros to the size
 * the header gives: SQLite refuses a database whose pages or tables lie
 * past the end of the file, whereas zero pages only fail when a query
 * reaches them, so the rows on the surviving pages can still be read and
 * the loss is reported where it happens.  The padding is sparse.
 * Returns ST_READ_OK or ST_READ_REJECTED; *page_size receives the page
 * size. */
static int check_header(st_secdb *db, const char *path, st_sink *sink,
                        uint32_t *page_size, char *err, size_t errlen)
{
    uint8_t h[100];
    int fd = open(path, O_RDWR | O_CLOEXEC);
    ssize_t k = fd < 0 ? -1 : pread(fd, h, sizeof h, 0);
    int rc = ST_READ_OK;
    if (k < 16 || memcmp(h, sqlite_magic, 16) != 0) {
        snprintf(err, errlen, "not an SQLite database (no \"SQLite format "
                 "3\" header)");
        rc = ST_READ_REJECTED;
    } else if (k < 100) {
        snprintf(err, errlen, "SQLite header cut short: the file has only "
                 "%lld bytes", (long long)db->size);
        rc = ST_READ_REJECTED;
    }
    if (rc != ST_READ_OK) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    uint32_t ps = (uint32_t)h[16] << 8 | h[17];
    if (ps == 1)
        ps = 65536;
    *page_size = ps;
    sink->note(sink->ctx, "sqlite_journal_mode",
               h[18] == 2 && h[19] == 2 ? "wal" : "rollback");
    uint32_t pages = rd32(h + 28);
    int64_t present = ps ? (db->size + ps - 1) / ps : 0;
    /* SQLite trusts the in-header size only when the change counter
     * matches version-valid-for; follow the same rule. */
    if (pages && rd32(h + 24) == rd32(h + 92) && ps >= 512 &&
        (ps & (ps - 1)) == 0 && pages > present) {
        char what[160];
        int64_t want = (int64_t)pages * ps;
        snprintf(what, sizeof what, "the file is %lld bytes but its header "
                 "says %u pages of %u bytes (%lld): truncated",
                 (long long)db->size, pages, ps, (long long)want);
        if (!db->damage[0])   /* a read error, if any, is the first cause */
            snprintf(db->damage, sizeof db->damage, "%s", what);
        if (want > MAX_PADDED) {
            st_sink_warnf(sink, 0, "%s; a size that large is not plausible, "
                          "the copy is left as is", what);
        } else {
            st_sink_warnf(sink, 0, "%s; the private copy is padded with "
                          "empty pages so the rows on the %lld pages present "
                          "can be read", what, (long long)present);
            if (ftruncate(fd, (off_t)want) < 0)
                st_sink_warnf(sink, 0, "cannot pad the private copy: %s",
                              strerror(errno));
        }
    }
    close(fd);
    return ST_READ_OK;
}

/* Fills db->tables from sqlite_master; this is also the first read, so a
 * file SQLite cannot use fails here.  Returns 0 or -1 with err set. */
static int load_tables(st_secdb *db, char *err, size_t errlen)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(db->db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND "
        "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", -1, &q, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "starts with the SQLite header but SQLite "
                 "cannot read it: %s%s%s", sqlite3_errmsg(db->db),
                 db->damage[0] ? "; " : "", db->damage);
        return -1;
    }
    size_t cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        if (!name)
            continue;
        if (db->ntables == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nt = realloc(db->tables, nc * sizeof *nt);
            if (!nt) {
                rc = SQLITE_NOMEM;
                break;
            }
            db->tables = nt;
            cap = nc;
        }
        if (!(db->tables[db->ntables] = strdup(name))) {
            rc = SQLITE_NOMEM;
            break;
        }
        db->ntables++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "starts with the SQLite header but SQLite "
                 "cannot read its schema: %s%s%s", rc == SQLITE_NOMEM
                 ? "out of memory" : sqlite3_errmsg(db->db),
                 db->damage[0] ? "; " : "", db->damage);
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_finalize(q);
    return 0;
}

/* Copy, hash, open, list tables (see the contract in the header). */
int st_secdb_open(st_secdb *db, st_input *in, st_sink *sink, char *err,
                  size_t errlen)
{
    memset(db, 0, sizeof *db);
    db->label = st_input_name(in);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *tmpl = join(tmp, "sigtrail-sqlite.XXXXXX", "");
    if (!tmpl) {
        snprintf(err, errlen, "out of memory");
        return ST_READ_REJECTED;
    }
    if (!mkdtemp(tmpl)) {
        snprintf(err, errlen, "cannot make a private directory in %s: %s",
                 tmp, strerror(errno));
        free(tmpl);
        return ST_READ_REJECTED;
    }
    db->dir = tmpl;
    chmod(db->dir, 0700);   /* mkdtemp's mode already; umask-proof */

    char *copy = join(db->dir, COPY_NAME, "");
    int rc = copy ? copy_main(in, copy, &db->size, err, errlen)
                  : (snprintf(err, errlen, "out of memory"),
                     ST_READ_REJECTED);
    if (rc == ST_READ_INPUT_ERROR && db->size > 0) {
        /* A stream that fails part way (corrupt gzip, I/O error) still
         * gave valid bytes: read what they hold, report the rest lost. */
        db->input_failed = 1;
        snprintf(db->damage, sizeof db->damage, "input read error after "
                 "%lld bytes: %.100s", (long long)db->size, err);
        st_sink_warnf(sink, 0, "%s; reading the part copied", db->damage);
        rc = ST_READ_OK;
    }
    uint32_t page_size = 0;
    if (rc == ST_READ_OK)
        rc = check_header(db, copy, sink, &page_size, err, errlen);
    if (rc != ST_READ_OK)
        goto fail;

    const char *orig = st_input_path(in);
    if (orig) {
        static const char *const sfx[] = {"-wal", "-shm", "-journal"};
        char found[40] = "";
        for (size_t i = 0; i < 3; i++) {
            int64_t csize = 0;
            if (copy_companion(db, sink, orig, sfx[i], &csize) == 1) {
                strcat(found, found[0] ? " " : "");
                strcat(found, sfx[i]);
                if (i == 0 && page_size && csize > 32) {
                    char nb[32];
                    snprintf(nb, sizeof nb, "%lld", (long long)
                             ((csize - 32) / (24 + (int64_t)page_size)));
                    sink->note(sink->ctx, "wal_frames", nb);
                }
            }
        }
        sink->note(sink->ctx, "companions", found[0] ? found : "none");
    } else {
        st_sink_warnf(sink, 0, "input has no filesystem path (standard "
                      "input or archive member): its -wal/-shm/-journal "
                      "companions could not be looked for, so rows still in "
                      "a write-ahead log are not included");
        sink->note(sink->ctx, "companions", "not looked for");
    }

    if (sqlite3_open_v2(copy, &db->db, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "SQLite cannot open the copy: %s",
                 db->db ? sqlite3_errmsg(db->db) : "out of memory");
        rc = ST_READ_REJECTED;
        goto fail;
    }
    sqlite3_db_config(db->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(db->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    sqlite3_db_config(db->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    /* Closing must not fold the WAL into the copy: wasted work. */
    sqlite3_db_config(db->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
                      (int *)NULL);
    if (load_tables(db, err, errlen) < 0) {
        rc = ST_READ_REJECTED;
        goto fail;
    }
    sqlite3_exec(db->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    char list[512];
    sink->note(sink->ctx, "tables", st_secdb_table_list(db, list,
                                                         sizeof list));
    free(copy);
    return ST_READ_OK;
fail:
    free(copy);
    st_secdb_close(db);
    return rc;
}

/* Closes the copy and removes the private directory; safe to repeat. */
void st_secdb_close(st_secdb *db)
{
    if (db->db)
        sqlite3_close_v2(db->db);
    db->db = NULL;
    for (size_t i = 0; i < db->ntables; i++)
        free(db->tables[i]);
    free(db->tables);
    db->tables = NULL;
    db->ntables = 0;
    if (db->dir)
        remove_dir(db->dir);
    free(db->dir);
    db->dir = NULL;
}

/* Open, confirm by tables, read, clean up (see the header). */
int st_secdb_run(st_input *in, st_sink *sink, const st_secdb_format *fmt,
                 char *err, size_t errlen)
{
    st_secdb db;
    int rc = st_secdb_open(&db, in, sink, err, errlen);
    if (rc != ST_READ_OK)
        return rc;
    if (!fmt->matches(&db)) {
        char list[160];
        snprintf(err, errlen, "not %s: its tables are %s", fmt->what,
                 st_secdb_table_list(&db, list, sizeof list));
        st_secdb_close(&db);
        return ST_READ_REJECTED;
    }
    rc = fmt->read(&db, sink, err, errlen);
    if (rc == ST_READ_OK && db.input_failed) {
        snprintf(err, errlen, "%s", db.damage);
        rc = ST_READ_INPUT_ERROR;
    }
    st_secdb_close(&db);
    return rc;
}

/* ---- schema questions -------------------------------------------------- */

int st_secdb_has_table(const st_secdb *db, const char *name)
{
    for (size_t i = 0; i < db->ntables; i++)
        if (strcmp(db->tables[i], name) == 0)
            return 1;
    return 0;
}

/* Asks pragma_table_info (bound values) whether the column exists. */
int st_secdb_has_column(st_secdb *db, const char *table, const char *col)
{
    sqlite3_stmt *q;
    int found = 0;
    if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM pragma_table_info(?1) "
                           "WHERE name = ?2 COLLATE NOCASE", -1, &q,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, col, -1, SQLITE_STATIC);
    found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return found;
}

/* Joins the table names for notes and errors, cut to fit buf. */
const char *st_secdb_table_list(const st_secdb *db, char *buf, size_t n)
{
    size_t len = 0;
    if (n)
        buf[0] = 0;
    if (db->ntables == 0) {
        snprintf(buf, n, "(none)");
        return buf;
    }
    for (size_t i = 0; i < db->ntables; i++) {
        const char *name = db->tables[i];
        size_t k = strlen(name);
        /* keep room for ", ..." */
        if (len + k + 2 + 6 >= n) {
            snprintf(buf + len, n - len, "%s...", len ? ", " : "");
            break;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
                                name);
    }
    return buf;
}

/* ---- rows -------------------------------------------------------------- */

int st_secdb_each_row(st_secdb *db, const char *table, st_secdb_row_fn fn,
                      void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int has_rowid = 1;
    char *sql = sqlite3_mprintf("SELECT rowid, * FROM \"%w\"", table);
    if (!sql || sqlite3_prepare_v2(db->db, sql, -1, &q, NULL) != SQLITE_OK) {
        /* WITHOUT ROWID tables have no rowid column */
        sqlite3_free(sql);
        sql = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
        has_rowid = 0;
        if (!sql || sqlite3_prepare_v2(db->db, sql, -1, &q, NULL) !=
                        SQLITE_OK) {
            snprintf(err, errlen, "table %s cannot be read: %s", table,
                     sqlite3_errmsg(db->db));
            sqlite3_free(sql);
            return ST_READ_INPUT_ERROR;
        }
    }
    sqlite3_free(sql);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        n++;
        int64_t rowid = has_rowid ? sqlite3_column_int64(q, 0) : n;
        if (fn(ctx, q, rowid, has_rowid)) {
            sqlite3_finalize(q);
            return ST_READ_STOPPED;
        }
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "table %s: %s after %lld rows (%s)", table,
                 sqlite3_errmsg(db->db), (long long)n,
                 db->damage[0] ? db->damage : "damaged database");
        sqlite3_finalize(q);
        return ST_READ_INPUT_ERROR;
    }
    sqlite3_finalize(q);
    return ST_READ_OK;
}

/* Finds a result column by name, case-insensitively (schemas vary). */
int st_secdb_col(sqlite3_stmt *q, const char *name)
{
    int n = sqlite3_column_count(q);
    for (int i = 0; i < n; i++) {
        const char *c = sqlite3_column_name(q, i);
        if (c && strcasecmp(c, name) == 0)
            return i;
    }
    return -1;
}

/* Column i as a text view; NULL view for SQL NULL or i < 0. */
st_str st_secdb_text(sqlite3_stmt *q, int i)
{
    if (i < 0 || sqlite3_column_type(q, i) == SQLITE_NULL)
        return ST_STR_NULL;
    const char *p = (const char *)sqlite3_column_text(q, i);
    if (!p)
        return ST_STR_NULL;
    return (st_str){p, (size_t)sqlite3_column_bytes(q, i)};
}

/* ---- times ------------------------------------------------------------- */

/* Seconds of 0001-01-01 and 9999-12-31T23:59:59 since 1970. */
#define UNIX_MIN (-62135596800.0)
#define UNIX_MAX (253402300799.0)
#define MAC_EPOCH 978307200        /* 2001-01-01T00:00:00Z */

/* Unix seconds (fractional) to microseconds, range-checked. */
int st_time_unix(double secs, int64_t *us)
{
    if (!(secs >= UNIX_MIN && secs <= UNIX_MAX))
        return 0;
    /* Whole and fraction apart so microseconds survive the double. */
    double whole = floor(secs);
    *us = (int64_t)whole * 1000000 + llround((secs - whole) * 1e6);
    return 1;
}

/* Mac absolute time (CFAbsoluteTime) to Unix microseconds. */
int st_time_mac_absolute(double secs, int64_t *us)
{
    if (!(secs >= UNIX_MIN - MAC_EPOCH && secs <= UNIX_MAX - MAC_EPOCH))
        return 0;
    double whole = floor(secs);
    *us = ((int64_t)whole + MAC_EPOCH) * 1000000 +
          llround((secs - whole) * 1e6);
    return 1;
}

/* Julian day number (SQLite julianday()) to Unix microseconds. */
int st_time_julian_day(double jd, int64_t *us)
{
    /* SQLite's julianday() works in whole milliseconds; rounding to the
     * millisecond gives back exactly the instant it stored. */
    double secs = (jd - 2440587.5) * 86400.0;
    if (!(secs >= UNIX_MIN && secs <= UNIX_MAX))
        return 0;
    *us = llround((jd - 2440587.5) * 86400000.0) * 1000;
    return 1;
}

/* SQLite UTC datetime text to microseconds; the whole text must match. */
int st_time_sqlite_text(const char *p, size_t n, int64_t *us)
{
    int64_t t;
    int has_off;
    int32_t off;
    if (!p)
        return 0;
    size_t k = st_parse_timestamp(p, n, &t, &has_off, &off);
    if (!k || k != n)
        return 0;
    *us = has_off ? t - (int64_t)off * 60000000 : t;
    return 1;
}

/* Formats UTC microseconds as ISO 8601 with 'Z'. */
void st_time_iso(int64_t us, char *buf, size_t n)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y, m, d;
    st_civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y % 10000,
             m % 100, d % 100, (int)(rem / 3600), (int)(rem / 60 % 60),
             (int)(rem % 60), (int)frac);
}

/* ---- JSON -------------------------------------------------------------- */

/* Appends raw bytes; failure makes the buffer sticky-OOM. */
static void jput(st_json *j, const char *s, size_t n)
{
    if (j->oom)
        return;
    if (j->n + n + 1 > j->cap) {
        size_t nc = j->cap ? j->cap : 256;
        while (nc < j->n + n + 1)
            nc *= 2;
        char *np = realloc(j->p, nc);
        if (!np) {
            j->oom = 1;
            return;
        }
        j->p = np;
        j->cap = nc;
    }
    memcpy(j->p + j->n, s, n);
    j->n += n;
    j->p[j->n] = 0;
}

/* Writes a JSON string literal of arbitrary bytes. */
static void jstring(st_json *j, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    jput(j, "\"", 1);
    size_t run = 0;          /* start of bytes copied verbatim */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t el = 0;
        size_t adv = 1;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            el = 2;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            el = 2;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hx[c >> 4];
            esc[5] = hx[c & 15];
            el = 6;
        } else if (c >= 0x80) {
            size_t k = st_utf8_seq((const unsigned char *)s + i, n - i);
            if (k) {
                i += k;
                continue;
            }
            memcpy(esc, "\\ufffd", 6);
            el = 6;
        } else {
            i++;
            continue;
        }
        jput(j, s + run, i - run);
        jput(j, esc, el);
        i += adv;
        run = i;
    }
    jput(j, s + run, n - run);
    jput(j, "\"", 1);
}

/* Starts an empty buffer with the top-level object open. */
void st_json_init(st_json *j)
{
    memset(j, 0, sizeof *j);
    st_json_reset(j);
}

/* Releases the buffer. */
void st_json_free(st_json *j)
{
    free(j->p);
    memset(j, 0, sizeof *j);
}

/* Empties the buffer for the next record, keeping its memory. */
void st_json_reset(st_json *j)
{
    j->n = 0;
    j->oom = 0;
    j->depth = 1;
    j->need_comma[0] = 0;
    jput(j, "{", 1);
}

/* need_comma[d]: bit 0 = a member was written at depth d (so the next
 * needs a comma); J_ARRAY = the container at depth d is an array. */
#define J_ARRAY 0x80

/* Writes the separator and key for the next member. */
static void jkey(st_json *j, const char *key)
{
    if (j->depth <= 0) {
        j->oom = 1;
        return;
    }
    if (j->need_comma[j->depth - 1] & 1)
        jput(j, ",", 1);
    j->need_comma[j->depth - 1] |= 1;
    if (key) {
        jstring(j, key, strlen(key));
        jput(j, ":", 1);
    }
}


/* Opens a nested object or array under key. */
static void jopen(st_json *j, const char *key, int array)
{
    jkey(j, key);
    if (j->depth >= ST_JSON_DEPTH) {
        j->oom = 1;
        return;
    }
    jput(j, array ? "[" : "{", 1);
    j->need_comma[j->depth++] = array ? J_ARRAY : 0;
}

/* Opens a nested object under key. */
void st_json_obj(st_json *j, const char *key) { jopen(j, key, 0); }
/* Opens a nested array under key. */
void st_json_arr(st_json *j, const char *key) { jopen(j, key, 1); }

/* Closes the innermost container (never the top-level object). */
void st_json_end(st_json *j)
{
    if (j->depth <= 1)
        return;
    j->depth--;
    jput(j, (j->need_comma[j->depth] & J_ARRAY) ? "]" : "}", 1);
}

/* Closes everything still open and returns the text. */
st_str st_json_view(st_json *j)
{
    while (j->depth > 0) {
        j->depth--;
        jput(j, (j->need_comma[j->depth] & J_ARRAY) ? "]" : "}", 1);
    }
    if (j->oom)
        return ST_STR_NULL;
    return (st_str){j->p, j->n};
}

/* A string member from bytes; NULL p writes null. */
void st_json_str(st_json *j, const char *key, const char *p, size_t n)
{
    if (!p) {
        st_json_null(j, key);
        return;
    }
    jkey(j, key);
    jstring(j, p, n);
}

/* A string member from a C string; NULL writes null. */
void st_json_cstr(st_json *j, const char *key, const char *s)
{
    st_json_str(j, key, s, s ? strlen(s) : 0);
}

/* An integer member. */
void st_json_int(st_json *j, const char *key, int64_t v)
{
    char b[24];
    jkey(j, key);
    jput(j, b, (size_t)snprintf(b, sizeof b, "%lld", (long long)v));
}

/* A real member, shortest form that reads back exactly; NaN/Inf are null. */
void st_json_real(st_json *j, const char *key, double v)
{
    char b[40];
    if (!isfinite(v)) {
        st_json_null(j, key);
        return;
    }
    jkey(j, key);
    int k = snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v)
        k = snprintf(b, sizeof b, "%.17g", v);
    /* keep it a JSON number that reads back as a real */
    if (!strpbrk(b, ".eEn") && k < (int)sizeof b - 2) {
        b[k++] = '.';
        b[k++] = '0';
        b[k] = 0;
    }
    jput(j, b, (size_t)k);
}

/* A boolean member. */
void st_json_bool(st_json *j, const char *key, int v)
{
    jkey(j, key);
    jput(j, v ? "true" : "false", v ? 4 : 5);
}

/* A null member. */
void st_json_null(st_json *j, const char *key)
{
    jkey(j, key);
    jput(j, "null", 4);
}

/* Bytes as a lower-case hex string member. */
void st_json_hex(st_json *j, const char *key, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    jkey(j, key);
    jput(j, "\"", 1);
    char b[128];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        b[k++] = hx[p[i] >> 4];
        b[k++] = hx[p[i] & 15];
        if (k == sizeof b) {
            jput(j, b, k);
            k = 0;
        }
    }
    jput(j, b, k);
    jput(j, "\"", 1);
}

/* A formatted string member (up to 511 bytes). */
void st_json_fmt(st_json *j, const char *key, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (k < 0)
        k = 0;
    st_json_str(j, key, b, (size_t)k < sizeof b ? (size_t)k : sizeof b - 1);
}

/* A result column as a member of its SQLite type (see the header). */
void st_json_column(st_json *j, const char *key, sqlite3_stmt *q, int i)
{
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_INTEGER:
        st_json_int(j, key, sqlite3_column_int64(q, i));
        break;
    case SQLITE_FLOAT:
        st_json_real(j, key, sqlite3_column_double(q, i));
        break;
    case SQLITE_TEXT:
        st_json_str(j, key, (const char *)sqlite3_column_text(q, i),
                    (size_t)sqlite3_column_bytes(q, i));
        break;
    case SQLITE_BLOB: {
        const uint8_t *b = sqlite3_column_blob(q, i);
        size_t n = (size_t)sqlite3_column_bytes(q, i);
        if (n <= ST_SECDB_HEX_BLOB) {
            st_json_hex(j, key, b ? b : (const uint8_t *)"", b ? n : 0);
        } else {
            st_json_obj(j, key);
            st_json_int(j, "blob_bytes", (int64_t)n);
            st_json_end(j);
        }
        break;
    }
    default:
        st_json_null(j, key);
    }
}

/* ---- emitting ---------------------------------------------------------- */

/* Sends the record, then the event carrying the same locator and time. */
int st_secdb_emit(st_sink *sink, const st_secdb_item *it)
{
    if (sink->record && sink->record(sink->ctx, &it->rec))
        return 1;
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.byte_offset = -1;
    ev.locator = it->rec.locator;
    if (it->rec.has_time) {
        ev.has |= ST_HAS_TIME | ST_HAS_OFFSET;
        ev.time_us = it->rec.time_us;
        ev.utc_offset_min = 0;    /* every epoch read here is UTC */
    }
    ev.time_text = it->time_text;
    ev.type = st_cstr(it->type);
    ev.event_type = st_cstr(it->event_type);
    ev.process = it->process;
    ev.message = it->message;
    ev.extra_json = it->rec.data_json;
    if (it->has_user) {
        ev.has |= ST_HAS_USER;
        ev.user_id = it->user_id;
    }
    return sink->event(sink->ctx, &ev);
}
