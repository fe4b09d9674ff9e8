/*
 * store.c -- SQLite evidence store.  See store.h for the contract and
 * docs/store.md for the schema as users see it.
 */
#include "store.h"
#include "store_rows.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timeparse.h"
#include "utf8.h"
#include "version.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS runs(\n"
    "  id INTEGER PRIMARY KEY, command TEXT NOT NULL, command_line TEXT,\n"
    "  sigtrail_version TEXT, started_utc TEXT, ended_utc TEXT, note TEXT);\n"
    "CREATE TABLE IF NOT EXISTS sources(\n"
    "  id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),\n"
    "  parent_id INTEGER REFERENCES sources(id), path TEXT NOT NULL,\n"
    "  member TEXT, sha256 TEXT, size INTEGER, format TEXT,\n"
    "  parser_version TEXT, sigtrail_version TEXT, command_line TEXT,\n"
    "  started_utc TEXT, ended_utc TEXT, status TEXT, error TEXT,\n"
    "  records INTEGER DEFAULT 0, warnings INTEGER DEFAULT 0,\n"
    "  unparsed INTEGER DEFAULT 0);\n"
    "CREATE TABLE IF NOT EXISTS source_notes(\n"
    "  source_id INTEGER NOT NULL REFERENCES sources(id), key TEXT NOT NULL,\n"
    "  value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS warnings(\n"
    "  id INTEGER PRIMARY KEY, source_id INTEGER REFERENCES sources(id),\n"
    "  line INTEGER, message TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS strings(\n"
    "  id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);\n"
    "CREATE TABLE IF NOT EXISTS events(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source_id INTEGER NOT NULL REFERENCES sources(id),\n"
    "  line INTEGER, byte_offset INTEGER,\n"
    "  time_us INTEGER, utc_offset_min INTEGER, time_text TEXT,\n"
    "  type_id INTEGER, thread_id INTEGER, activity_id INTEGER,\n"
    "  pid INTEGER, ttl INTEGER, process_id INTEGER, sender_id INTEGER,\n"
    "  subsystem_id INTEGER, category_id INTEGER,\n"
    "  message TEXT, message_raw BLOB);\n"
    "CREATE TABLE IF NOT EXISTS event_details(\n"
    "  event_id INTEGER PRIMARY KEY REFERENCES events(id),\n"
    "  locator TEXT, event_type_id INTEGER, parent_activity_id INTEGER,\n"
    "  user_id INTEGER, trace_id INTEGER, mach_timestamp INTEGER,\n"
    "  sender_pc INTEGER, signpost_id INTEGER, process_path_id INTEGER,\n"
    "  sender_path_id INTEGER, format_string_id INTEGER,\n"
    "  process_uuid_id INTEGER, sender_uuid_id INTEGER, boot_uuid_id INTEGER,\n"
    "  timezone_name TEXT, signpost_name TEXT, signpost_scope TEXT,\n"
    "  signpost_type TEXT, backtrace TEXT, source_json TEXT, extra TEXT);\n"
    "CREATE TABLE IF NOT EXISTS findings(\n"
    "  id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),\n"
    "  rule_id TEXT NOT NULL, rule_version INTEGER, rule_file TEXT,\n"
    "  level TEXT, verdict TEXT NOT NULL, subject_path TEXT, pid INTEGER,\n"
    "  bundle_id TEXT, uuid TEXT, reasons TEXT, codes TEXT, notes TEXT,\n"
    "  explanation TEXT, first_us INTEGER, last_us INTEGER,\n"
    "  emitted_us INTEGER);\n"
    "CREATE TABLE IF NOT EXISTS finding_evidence(\n"
    "  finding_id INTEGER NOT NULL REFERENCES findings(id), ord INTEGER,\n"
    "  role TEXT, event_id INTEGER, record_id INTEGER, source_id INTEGER,\n"
    "  line INTEGER, locator TEXT, time_us INTEGER, utc_offset_min INTEGER,\n"
    "  process TEXT, pid INTEGER, message TEXT);\n"
    "CREATE INDEX IF NOT EXISTS finding_evidence_f ON\n"
    "  finding_evidence(finding_id, ord);\n"
    "CREATE TABLE IF NOT EXISTS records(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source_id INTEGER NOT NULL REFERENCES sources(id), kind TEXT NOT NULL,\n"
    "  locator TEXT, time_us INTEGER, path TEXT, uuid TEXT, bundle_id TEXT,\n"
    "  cdhash TEXT, team_id TEXT, identifier TEXT, data TEXT);\n"
    "CREATE INDEX IF NOT EXISTS records_path ON records(kind, path);\n"
    "CREATE INDEX IF NOT EXISTS records_uuid ON records(uuid);\n"
    "CREATE INDEX IF NOT EXISTS records_cdhash ON records(cdhash);\n"
    "CREATE INDEX IF NOT EXISTS records_bundle ON records(bundle_id);\n"
    /* time_text is stored only when it differs from log show's canonical
     * rendering of (time_us, utc_offset_min); the view rebuilds it. */
    "CREATE VIEW IF NOT EXISTS event_view AS SELECT\n"
    "  e.id, e.source_id, src.path AS source, e.line, e.byte_offset,\n"
    "  d.locator, e.time_us,\n"
    "  strftime('%Y-%m-%dT%H:%M:%S', e.time_us / 1000000, 'unixepoch')\n"
    "    || printf('.%06dZ', e.time_us % 1000000) AS time_utc,\n"
    "  coalesce(e.time_text, strftime('%Y-%m-%d %H:%M:%S',\n"
    "    e.time_us / 1000000 + e.utc_offset_min * 60, 'unixepoch')\n"
    "    || printf('.%06d%s%02d%02d', e.time_us % 1000000,\n"
    "       iif(e.utc_offset_min < 0, '-', '+'), abs(e.utc_offset_min) / 60,\n"
    "       abs(e.utc_offset_min) % 60)) AS time_text,\n"
    "  e.utc_offset_min, t.value AS type, et.value AS event_type,\n"
    "  iif(e.thread_id IS NULL, NULL, printf('0x%x', e.thread_id)) AS thread,\n"
    "  iif(e.activity_id IS NULL, NULL, printf('0x%x', e.activity_id))\n"
    "    AS activity,\n"
    "  iif(d.parent_activity_id IS NULL, NULL,\n"
    "      printf('0x%x', d.parent_activity_id)) AS parent_activity,\n"
    "  e.pid, e.ttl, d.user_id, d.trace_id, d.mach_timestamp, d.sender_pc,\n"
    "  d.signpost_id, p.value AS process, pp.value AS process_path,\n"
    "  s.value AS sender, sp.value AS sender_path, ss.value AS subsystem,\n"
    "  c.value AS category, e.message, e.message_raw,\n"
    "  fs.value AS format_string, pu.value AS process_uuid,\n"
    "  su.value AS sender_uuid, bu.value AS boot_uuid, d.timezone_name,\n"
    "  d.signpost_name, d.signpost_scope,\n"
    "  d.signpost_type, " ST_SQL_BACKTRACE " AS backtrace, d.source_json,\n"
    "  d.extra\n"
    "FROM events e\n"
    "  LEFT JOIN event_details d ON d.event_id = e.id\n"
    "  LEFT JOIN sources src ON src.id = e.source_id\n"
    "  LEFT JOIN strings t ON t.id = e.type_id\n"
    "  LEFT JOIN strings et ON et.id = d.event_type_id\n"
    "  LEFT JOIN strings p ON p.id = e.process_id\n"
    "  LEFT JOIN strings pp ON pp.id = d.process_path_id\n"
    "  LEFT JOIN strings s ON s.id = e.sender_id\n"
    "  LEFT JOIN strings sp ON sp.id = d.sender_path_id\n"
    "  LEFT JOIN strings ss ON ss.id = e.subsystem_id\n"
    "  LEFT JOIN strings c ON c.id = e.category_id\n"
    "  LEFT JOIN strings fs ON fs.id = d.format_string_id\n"
    "  LEFT JOIN strings pu ON pu.id = d.process_uuid_id\n"
    "  LEFT JOIN strings su ON su.id = d.sender_uuid_id\n"
    "  LEFT JOIN strings bu ON bu.id = d.boot_uuid_id;\n";

/* Built by analyze (st_store_ensure_indexes), not during ingest: a bulk
 * load is faster without them and ingest never reads by time. */
static const char index_sql[] =
    "CREATE INDEX IF NOT EXISTS events_time ON events(time_us);\n";

/* Interned-string cache: open addressing, cleared when full, so memory is
 * bounded whatever the number of distinct strings. */
#define ICACHE_SIZE (1u << 15)
typedef struct icache_ent {
    uint64_t hash;
    int64_t id;
    char *s;
    size_t n;
} icache_ent;

enum {
    S_STR_GET, S_STR_PUT, S_WARN, S_NOTE, S_SRC_BEGIN, S_SRC_END,
    S_SRC_BY_SHA, S_RECORD, S_COUNT
};

/* Events per INSERT ... SELECT of the bulk path (store_rows.h): enough that
 * the statement's start-up cost vanishes, few enough that the prepared rows
 * stay in cache. */
#define ROW_CHUNK 256

struct st_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    icache_ent *cache;
    size_t cache_used;
    char err[512];
    char *scratch;            /* sanitised text */
    size_t scratch_cap;
    int in_source;
    /* group commit (st_store_group_begin): the open outer transaction,
     * when it began (CLOCK_MONOTONIC seconds), the inputs released into it
     * since, and how many such inputs a failed commit has cost */
    int group, group_open;
    double group_since, group_seconds;
    int64_t group_inputs, group_lost;
    /* the bulk path: rows.row points at row[], which st_event_rows and
     * st_detail_rows read while their INSERTs step */
    st_rows rows;
    st_rows_stmts row_stmts;
    st_row row[ROW_CHUNK];
    /* sanitised copies of events the ingest queue did not check, each
     * with its own block of text (rare: invalid UTF-8 or NUL) */
    st_event shadow[ROW_CHUNK];
    char *shadow_text[ROW_CHUNK];
    int64_t last_event_id;
    uint32_t intern_slot[ST_ROW_IDS];   /* intern() memo per column */
    /* early writeback (see kick_writeback): a descriptor of the case file,
     * -1 when there is none, and its size when writeback was last asked */
    int flush_fd;
    off_t flush_size;
};

static const char *const stmt_sql[S_COUNT] = {
    [S_STR_GET] = "SELECT id FROM strings WHERE value = ?",
    [S_STR_PUT] = "INSERT INTO strings(value) VALUES(?)",
    [S_WARN] = "INSERT INTO warnings(source_id,line,message) VALUES(?,?,?)",
    [S_NOTE] = "INSERT INTO source_notes(source_id,key,value) VALUES(?,?,?)",
    [S_SRC_BEGIN] =
        "INSERT INTO sources(run_id,parent_id,path,member,sigtrail_version,"
        "command_line,started_utc,status) VALUES(?,?,?,?,?,?,?,'ingesting')",
    [S_SRC_END] =
        "UPDATE sources SET sha256=?,size=?,format=?,parser_version=?,"
        "status=?,error=?,records=?,warnings=?,unparsed=?,ended_utc=? "
        "WHERE id=?",
    [S_SRC_BY_SHA] =
        "SELECT id FROM sources WHERE sha256 = ? AND id != ? AND "
        "status IN ('ingested','partial') LIMIT 1",
    [S_RECORD] =
        "INSERT INTO records(source_id,kind,locator,time_us,path,uuid,"
        "bundle_id,cdhash,team_id,identifier,data) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
};

extern const char *st_command_line;

/* Current UTC time as ISO 8601 with microseconds. */
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

static int fail(st_store *st, const char *what)
{
    snprintf(st->err, sizeof st->err, "%s: %s", what,
             st->db ? sqlite3_errmsg(st->db) : "no database");
    return -1;
}

const char *st_store_errmsg(st_store *st) { return st->err; }

void st_store_set_error(st_store *st, const char *msg)
{
    snprintf(st->err, sizeof st->err, "%s", msg);
}
sqlite3 *st_store_db(st_store *st) { return st->db; }

/* Opens (and for ST_STORE_CREATE creates or upgrades) a case file.  A file
 * that is not a sigtrail case, or one written by a newer schema, is refused
 * rather than altered. */
/* Process-wide SQLite settings, applied once before SQLite initialises:
 * without memory statistics every allocation takes a global mutex, which
 * profiling showed at ~4% of ingest time. */
static void global_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* PRAGMA user_version of db, or -1 when it cannot be read (not SQLite). */
static int user_version(sqlite3 *db)
{
    sqlite3_stmt *q;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return v;
}

/* Schema 3 keeps the image and boot UUIDs of event_details as interned
 * ids: an older case's table is renamed before schema_sql creates the new
 * one, its UUIDs interned, and its rows copied over with their ids. */
static const char uuid_upgrade_before[] =
    "INSERT OR IGNORE INTO strings(value)\n"
    "  SELECT process_uuid FROM event_details WHERE process_uuid IS NOT NULL\n"
    "  UNION SELECT sender_uuid FROM event_details\n"
    "    WHERE sender_uuid IS NOT NULL\n"
    "  UNION SELECT boot_uuid FROM event_details WHERE boot_uuid IS NOT NULL;\n"
    "ALTER TABLE event_details RENAME TO event_details_v2;\n";
static const char uuid_upgrade_after[] =
    "INSERT INTO event_details SELECT event_id, locator, event_type_id,\n"
    "  parent_activity_id, user_id, trace_id, mach_timestamp, sender_pc,\n"
    "  signpost_id, process_path_id, sender_path_id, format_string_id,\n"
    "  (SELECT id FROM strings WHERE value = o.process_uuid),\n"
    "  (SELECT id FROM strings WHERE value = o.sender_uuid),\n"
    "  (SELECT id FROM strings WHERE value = o.boot_uuid),\n"
    "  timezone_name, signpost_name, signpost_scope, signpost_type,\n"
    "  backtrace, source_json, extra FROM event_details_v2 o;\n"
    "DROP TABLE event_details_v2;\n";

/* Brings a case written by schema `version` up to ST_SCHEMA_VERSION in one
 * transaction: tables added since are created; schema 2 redefined
 * event_view (backtraces stored as '', see ST_SQL_BACKTRACE); schema 3
 * interns the UUIDs of event_details (above) and redefines the view. */
static int upgrade(sqlite3 *db, int version, char **e)
{
    if (version == ST_SCHEMA_VERSION)
        return sqlite3_exec(db, schema_sql, NULL, NULL, e);
    char sql[sizeof schema_sql + sizeof uuid_upgrade_before +
             sizeof uuid_upgrade_after + 128];
    snprintf(sql, sizeof sql, "BEGIN;DROP VIEW IF EXISTS event_view;%s%s%s"
             "PRAGMA user_version=%d;COMMIT;",
             version < 3 ? uuid_upgrade_before : "", schema_sql,
             version < 3 ? uuid_upgrade_after : "", ST_SCHEMA_VERSION);
    int rc = sqlite3_exec(db, sql, NULL, NULL, e);
    if (rc != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int st_store_open(st_store **out, const char *path, int mode, char *err,
                  size_t errlen)
{
    *out = NULL;
    global_init();
    st_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->flush_fd = -1;
    int flags = mode == ST_STORE_READONLY ? SQLITE_OPEN_READONLY
              : mode == ST_STORE_WRITE ? SQLITE_OPEN_READWRITE
              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (mode == ST_STORE_READONLY && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: no such case file", path);
        free(st);
        return -1;
    }
    if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL)) {
        snprintf(err, errlen, "%s: cannot open case: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        st_store_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_stmt *q;
    int version = user_version(st->db), tables = 0;
    if (version < 0) {
        snprintf(err, errlen, "%s: not a sigtrail case (%s)", path,
                 sqlite3_errmsg(st->db));
        st_store_close(st);
        return -1;
    }
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1,
                           &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            tables = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    if (version == 0 && tables > 0) {
        snprintf(err, errlen, "%s: is an SQLite file but not a sigtrail case;"
                 " refusing to touch it", path);
        st_store_close(st);
        return -1;
    }
    if (version > ST_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: case schema %d is newer than this sigtrail"
                 " (%d); upgrade sigtrail", path, version, ST_SCHEMA_VERSION);
        st_store_close(st);
        return -1;
    }
    if (mode == ST_STORE_READONLY)
        sqlite3_exec(st->db, ST_SQL_READER_CACHE, NULL, NULL, NULL);
    if (mode != ST_STORE_READONLY) {
        char *e = NULL;
        if (version == 0) {
            char sql[sizeof schema_sql + 64];
            /* 16 KiB pages: bulk inserts measured ~20% faster than with
             * 4 KiB.  64 KiB pages were tried: faster on some runs, but
             * the kernel's writes of 64 KiB pages took 1.2-1.6 s of
             * system time on others (binary-log bench mean 2.59 s against
             * 1.80 s), and time-ordered scans of interleaved sources need
             * 4x the cache. */
            snprintf(sql, sizeof sql, "PRAGMA page_size=16384;BEGIN;%s"
                     "PRAGMA user_version=%d;COMMIT;",
                     schema_sql, ST_SCHEMA_VERSION);
            if (mode != ST_STORE_CREATE ||
                sqlite3_exec(st->db, sql, NULL, NULL, &e) != SQLITE_OK) {
                snprintf(err, errlen, "%s: %s", path,
                         e ? e : "not a sigtrail case");
                sqlite3_free(e);
                st_store_close(st);
                return -1;
            }
            char now[40];
            now_utc(now);
            sqlite3_stmt *m;
            if (sqlite3_prepare_v2(st->db, "INSERT INTO meta VALUES"
                                   "('created_utc',?),('created_by',?)", -1,
                                   &m, NULL) == SQLITE_OK) {
                sqlite3_bind_text(m, 1, now, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(m, 2, "sigtrail " SIGTRAIL_VERSION, -1,
                                  SQLITE_STATIC);
                sqlite3_step(m);
                sqlite3_finalize(m);
            }
        } else if (upgrade(st->db, version, &e) != SQLITE_OK) {
            /* tables added since the case was created */
            snprintf(err, errlen, "%s: %s", path, e ? e : "schema");
            sqlite3_free(e);
            st_store_close(st);
            return -1;
        }
        /* After page_size is fixed: a cache size set before a page size
         * change was measured to let the cache grow to 66 MB.
         * The ingesting commands (they open with ST_STORE_CREATE) get
         * 4 MB: the writer then hands pages to the kernel as it goes, and
         * each input's COMMIT, with nothing else running, has less left
         * to write (5 alternated runs against 16 MB: tracev3 bench mean
         * 2.15 s against 2.31 s, 3M text records 2.19 s against 2.27 s,
         * 12 MB less memory).  analyze (ST_STORE_WRITE) moves its staged
         * findings faster with 16 MB: 2.83-3.23 s against 3.13-3.44 s. */
        sqlite3_exec(st->db, mode == ST_STORE_CREATE
                                 ? "PRAGMA synchronous=NORMAL;"
                                   "PRAGMA cache_size=-4096;"
                                 : "PRAGMA synchronous=NORMAL;"
                                   "PRAGMA cache_size=-16384;",
                     NULL, NULL, NULL);
        st->rows.row = st->row;
        int rc = st_rows_register(st->db, &st->rows);
        for (int i = 0; i < S_COUNT && rc == SQLITE_OK; i++)
            rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                                    NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
            st_store_close(st);
            return -1;
        }
        /* read-only, for sync_file_range only (none for :memory:) */
        st->flush_fd = open(path, O_RDONLY | O_CLOEXEC);
        st->cache = calloc(ICACHE_SIZE, sizeof *st->cache);
        if (!st->cache) {
            snprintf(err, errlen, "out of memory");
            st_store_close(st);
            return -1;
        }
    } else if (version == 0) {
        snprintf(err, errlen, "%s: not a sigtrail case", path);
        st_store_close(st);
        return -1;
    }
    *out = st;
    return 0;
}

static void cache_clear(st_store *st)
{
    if (!st->cache)
        return;
    for (size_t i = 0; i < ICACHE_SIZE; i++)
        free(st->cache[i].s);
    memset(st->cache, 0, ICACHE_SIZE * sizeof *st->cache);
    st->cache_used = 0;
}

/* Closes the store; an open input transaction is rolled back. */
void st_store_close(st_store *st)
{
    if (!st)
        return;
    if (st->in_source)
        st_store_source_rollback(st);
    st_store_group_end(st);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    st_rows_stmts_free(&st->row_stmts);
    if (st->flush_fd >= 0)
        close(st->flush_fd);
    cache_clear(st);
    free(st->cache);
    free(st->scratch);
    sqlite3_close(st->db);
    free(st);
}

/* Binds text that may be invalid UTF-8 or contain NUL; returns 1 when the
 * bound text differs from the bytes (sanitised), 0 when exact, -1 on OOM. */
static int bind_clean(st_store *st, sqlite3_stmt *s, int col, st_str v)
{
    if (!v.p) {
        sqlite3_bind_null(s, col);
        return 0;
    }
    if (st_utf8_clean(v.p, v.n)) {
        sqlite3_bind_text(s, col, v.p, (int)v.n, SQLITE_STATIC);
        return 0;
    }
    size_t need = st_utf8_sanitized_len(v.p, v.n);
    if (need > st->scratch_cap) {
        char *nb = realloc(st->scratch, need);
        if (!nb)
            return -1;
        st->scratch = nb;
        st->scratch_cap = need;
    }
    size_t k = st_utf8_sanitize(v.p, v.n, st->scratch);
    sqlite3_bind_text(s, col, st->scratch, (int)k, SQLITE_TRANSIENT);
    return 1;
}

/* A fast 64-bit hash, 8 bytes per step (the cache only needs spread). */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 29;
    return h ? h : 1;
}

/* Returns the id of the interned string v (0 for absent), adding it when
 * new.  *slot (may be NULL) remembers the cache entry of the last string
 * interned through it: the fields of consecutive binary log records are
 * mostly the same strings, and comparing with that entry first skips the
 * hash and the probe of a 1 MiB table.  A stale slot only fails the
 * comparison: entries are matched by content. */
static int64_t intern(st_store *st, st_str v, uint32_t *slot)
{
    if (!v.p)
        return 0;
    if (slot) {
        const icache_ent *m = &st->cache[*slot];
        if (m->hash && m->n == v.n && memcmp(m->s, v.p, v.n) == 0)
            return m->id;
    }
    uint64_t h = hash_bytes(v.p, v.n);
    size_t i = (size_t)h & (ICACHE_SIZE - 1);
    for (;;) {
        icache_ent *e = &st->cache[i];
        if (!e->hash)
            break;
        if (e->hash == h && e->n == v.n && memcmp(e->s, v.p, v.n) == 0) {
            if (slot)
                *slot = (uint32_t)i;
            return e->id;
        }
        i = (i + 1) & (ICACHE_SIZE - 1);
    }
    sqlite3_stmt *g = st->stmt[S_STR_GET], *p = st->stmt[S_STR_PUT];
    int64_t id = 0;
    if (bind_clean(st, g, 1, v) < 0)
        return -1;
    if (sqlite3_step(g) == SQLITE_ROW)
        id = sqlite3_column_int64(g, 0);
    sqlite3_reset(g);
    if (!id) {
        if (bind_clean(st, p, 1, v) < 0)
            return -1;
        int rc = sqlite3_step(p);
        sqlite3_reset(p);
        if (rc != SQLITE_DONE) {
            /* sanitising can map two different byte strings to one text */
            if (bind_clean(st, g, 1, v) < 0)
                return -1;
            if (sqlite3_step(g) == SQLITE_ROW)
                id = sqlite3_column_int64(g, 0);
            sqlite3_reset(g);
            if (!id)
                return fail(st, "intern");
        } else {
            id = sqlite3_last_insert_rowid(st->db);
        }
    }
    if (st->cache_used * 4 >= ICACHE_SIZE * 3) {
        cache_clear(st);
        i = (size_t)h & (ICACHE_SIZE - 1);
    }
    char *copy = malloc(v.n ? v.n : 1);
    if (copy) {
        memcpy(copy, v.p, v.n);
        while (st->cache[i].hash)
            i = (i + 1) & (ICACHE_SIZE - 1);
        st->cache[i] = (icache_ent){h, id, copy, v.n};
        st->cache_used++;
        if (slot)
            *slot = (uint32_t)i;
    }
    return id;
}

/* Records the start of a writing command with the full command line. */
int64_t st_store_run_begin(st_store *st, const char *command)
{
    sqlite3_stmt *q;
    char now[40];
    now_utc(now);
    if (sqlite3_prepare_v2(st->db, "INSERT INTO runs(command,command_line,"
                           "sigtrail_version,started_utc) VALUES(?,?,?,?)",
                           -1, &q, NULL) != SQLITE_OK)
        return fail(st, "run"), 0;
    sqlite3_bind_text(q, 1, command, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, st_command_line, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, SIGTRAIL_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(st->db) : 0;
}

/* Stamps the end time (and a note) on a run. */
void st_store_run_end(st_store *st, int64_t run_id, const char *note)
{
    sqlite3_stmt *q;
    char now[40];
    now_utc(now);
    if (sqlite3_prepare_v2(st->db, "UPDATE runs SET ended_utc=?, note=? "
                           "WHERE id=?", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, run_id);
    sqlite3_step(q);
    sqlite3_finalize(q);
}

/* Inserts a provisional sources row (status 'ingesting'). */
static int insert_source(st_store *st, const st_source_info *info,
                         int64_t *source_id)
{
    char now[40];
    now_utc(now);
    sqlite3_stmt *q = st->stmt[S_SRC_BEGIN];
    if (info->run_id)
        sqlite3_bind_int64(q, 1, info->run_id);
    else
        sqlite3_bind_null(q, 1);
    if (info->parent_id)
        sqlite3_bind_int64(q, 2, info->parent_id);
    else
        sqlite3_bind_null(q, 2);
    bind_clean(st, q, 3, (st_str){info->path, strlen(info->path)});
    bind_clean(st, q, 4, info->member ? (st_str){info->member,
                                                strlen(info->member)}
                                      : ST_STR_NULL);
    sqlite3_bind_text(q, 5, SIGTRAIL_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, st_command_line, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(st, "source");
    *source_id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

/* Seconds on the monotonic clock. */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Notes that the group's outer transaction is gone (committed, or rolled
 * back by SQLite after an I/O error): when it was not committed, the
 * inputs released into it since the last commit are lost and the string
 * cache is cleared. */
static void group_closed(st_store *st, int committed)
{
    if (!committed) {
        st->group_lost += st->group_inputs;
        cache_clear(st);   /* ids interned in it are gone with it */
    }
    st->group_open = 0;
    st->group_inputs = 0;
}

/* In a group: opens the outer transaction when none is.  A statement that
 * failed with an I/O error or a full disk may have made SQLite roll the
 * whole transaction back; that is noticed here too. */
static int group_hold(st_store *st)
{
    if (st->group_open && sqlite3_get_autocommit(st->db)) {
        group_closed(st, 0);
    }
    if (!st->group_open) {
        if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            return fail(st, "begin");
        st->group_open = 1;
        st->group_since = mono_now();
    }
    return 0;
}

/* Commits the group's outer transaction; a failed COMMIT is rolled back
 * and counts its inputs as lost. */
static int group_commit(st_store *st)
{
    if (!st->group_open)
        return 0;
    if (sqlite3_get_autocommit(st->db)) {
        group_closed(st, 0);
        return -1;
    }
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "commit");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        group_closed(st, 0);
        return -1;
    }
    group_closed(st, 1);
    return 0;
}

void st_store_group_begin(st_store *st, double seconds)
{
    st->group = 1;
    st->group_seconds = seconds;
}

int st_store_group_end(st_store *st)
{
    if (!st->group)
        return 0;
    int rc = group_commit(st);
    st->group = 0;
    if (st->group_lost) {
        char why[sizeof st->err];
        memcpy(why, st->err, sizeof why);
        snprintf(st->err, sizeof st->err, "%lld ingested inputs were lost "
                 "with a failed commit and are not in the case (%.300s); "
                 "run the ingest again", (long long)st->group_lost, why);
        st->group_lost = 0;
        return -1;
    }
    return rc;
}

int st_store_tx_begin(st_store *st)
{
    if (st->group)
        return group_hold(st);
    if (!sqlite3_get_autocommit(st->db))
        return 0;                      /* joins the open transaction */
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "begin");
    return 1;
}

int st_store_tx_end(st_store *st, int opened)
{
    if (opened != 1)
        return 0;
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "commit");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Starts the input's transaction (in a group: a savepoint in the group's
 * transaction) and inserts its provisional row. */
int st_store_source_begin(st_store *st, const st_source_info *info,
                          int64_t *source_id)
{
    if (st->group) {
        if (group_hold(st) < 0)
            return -1;
        if (sqlite3_exec(st->db, "SAVEPOINT source", NULL, NULL, NULL) !=
            SQLITE_OK)
            return fail(st, "savepoint");
    } else if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        return fail(st, "begin");
    }
    st->in_source = 1;
    if (insert_source(st, info, source_id) < 0) {
        st_store_source_rollback(st);
        return -1;
    }
    return 0;
}

static void bind_i64(sqlite3_stmt *s, int col, int have, int64_t v)
{
    if (have)
        sqlite3_bind_int64(s, col, v);
    else
        sqlite3_bind_null(s, col);
}

static void bind_id(sqlite3_stmt *s, int col, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, col, id);
    else
        sqlite3_bind_null(s, col);
}

/* True when the event carries anything beyond the core columns. */
static int has_details(const st_event *ev)
{
    return (ev->has & (ST_HAS_PARENT_ACT | ST_HAS_USER | ST_HAS_TRACE |
                       ST_HAS_MACH | ST_HAS_SENDER_PC | ST_HAS_SIGNPOST_ID)) ||
           ev->locator.p || ev->event_type.p || ev->process_path.p ||
           ev->sender_path.p || ev->format_string.p || ev->process_uuid.p ||
           ev->sender_uuid.p || ev->boot_uuid.p || ev->timezone_name.p ||
           ev->signpost_name.p || ev->signpost_scope.p ||
           ev->signpost_type.p || ev->backtrace_json.p ||
           ev->source_json.p || ev->extra_json.p;
}

/* True when ev's backtrace is exactly the one frame ST_SQL_BACKTRACE
 * rebuilds from its sender_pc and sender_uuid (compared piece by piece:
 * this runs on the writer thread for every binary log record). */
static int is_sender_frame(const st_event *ev)
{
    static const char head[] = "{\"frames\":[{\"imageOffset\":",
                      mid[] = ",\"imageUUID\":\"", tail[] = "\"}]}";
    const size_t hn = sizeof head - 1, mn = sizeof mid - 1,
                 tn = sizeof tail - 1;
    st_str b = ev->backtrace_json, u = ev->sender_uuid;
    /* SQL prints sender_pc signed: only values that read the same */
    if (!b.p || !u.p || !(ev->has & ST_HAS_SENDER_PC) ||
        ev->sender_pc > INT64_MAX)
        return 0;
    char digits[20];          /* sender_pc in decimal, written backwards */
    size_t pn = 0;
    uint64_t v = ev->sender_pc;
    do {
        digits[sizeof digits - 1 - pn++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    const char *pc = digits + sizeof digits - pn;
    if (b.n != hn + pn + mn + u.n + tn)
        return 0;
    const char *p = b.p;
    return memcmp(p, head, hn) == 0 && memcmp(p + hn, pc, pn) == 0 &&
           memcmp(p + hn + pn, mid, mn) == 0 &&
           memcmp(p + hn + pn + mn, u.p, u.n) == 0 &&
           memcmp(p + hn + pn + mn + u.n, tail, tn) == 0;
}

st_str st_store_sender_frame(uint64_t sender_pc, st_str sender_uuid,
                             char *buf, size_t cap)
{
    if (!sender_uuid.p || sender_uuid.n > INT_MAX)
        return ST_STR_NULL;
    /* SQL prints sender_pc signed; '' is stored only for values that read
     * the same (is_sender_frame) */
    int n = snprintf(buf, cap, "{\"frames\":[{\"imageOffset\":%lld,"
                     "\"imageUUID\":\"%.*s\"}]}", (long long)sender_pc,
                     (int)sender_uuid.n, sender_uuid.p);
    if (n < 0 || (size_t)n >= cap)
        return ST_STR_NULL;
    return (st_str){buf, (size_t)n};
}

int st_store_schema_of(sqlite3 *db)
{
    int v = user_version(db);
    return v < 0 ? 0 : v;
}

/* Returns ev, or for text the ingest queue did not check, a copy in
 * st->shadow[k] whose invalid text is sanitised into its own block; *raw
 * receives the original message when that changed.  NULL when out of
 * memory. */
static const st_event *clean_event(st_store *st, const st_event *ev,
                                   size_t k, st_str *raw)
{
    *raw = ST_STR_NULL;
    if (ev->has & ST_TEXT_CHECKED)
        return ev;
    st_event *c = &st->shadow[k];
    *c = *ev;
    st_str *v[ST_EVENT_KEPT_TEXT];
    size_t nv = st_event_kept_text(c, v), need = 0;
    for (size_t i = 0; i < nv; i++)
        if (v[i]->p && !st_utf8_clean(v[i]->p, v[i]->n))
            need += st_utf8_sanitized_len(v[i]->p, v[i]->n);
    if (need) {
        char *o = st->shadow_text[k] = malloc(need);
        if (!o)
            return NULL;
        for (size_t i = 0; i < nv; i++) {
            if (!v[i]->p || st_utf8_clean(v[i]->p, v[i]->n))
                continue;
            if (v[i] == &c->message)
                *raw = c->message;
            size_t n = st_utf8_sanitize(v[i]->p, v[i]->n, o);
            *v[i] = (st_str){o, n};
            o += n;
        }
    }
    c->has |= ST_TEXT_CHECKED;
    return c;
}

/* Prepares st->row[k] for ev: clean text, interned ids, whether the time
 * text must be kept, whether there is a details row. */
static int prepare_row(st_store *st, size_t k, const st_event *ev)
{
    st_row *r = &st->row[k];
    r->ev = clean_event(st, ev, k, &r->message_raw);
    if (!r->ev)
        return fail(st, "out of memory");
    /* interned by their original bytes: intern() sanitises what it stores */
    const st_str names[ST_ROW_IDS] = {
        [ST_ROW_TYPE] = ev->type, [ST_ROW_PROCESS] = ev->process,
        [ST_ROW_SENDER] = ev->sender, [ST_ROW_SUBSYSTEM] = ev->subsystem,
        [ST_ROW_CATEGORY] = ev->category,
        [ST_ROW_EVENT_TYPE] = ev->event_type,
        [ST_ROW_PROCESS_PATH] = ev->process_path,
        [ST_ROW_SENDER_PATH] = ev->sender_path,
        [ST_ROW_FORMAT_STRING] = ev->format_string,
        [ST_ROW_PROCESS_UUID] = ev->process_uuid,
        [ST_ROW_SENDER_UUID] = ev->sender_uuid,
        [ST_ROW_BOOT_UUID] = ev->boot_uuid};
    for (int i = 0; i < ST_ROW_IDS; i++)
        if ((r->ids[i] = intern(st, names[i], &st->intern_slot[i])) < 0)
            return -1;
    /* the canonical text is rebuilt by event_view; keep only what differs */
    unsigned h = ev->has;
    r->time_text_null =
        (h & ST_HAS_TIME) && (h & ST_HAS_OFFSET) && ev->time_text.p &&
        ((h & ST_TIME_TEXT_CANON) ||
         st_logshow_text_is_canonical(ev->time_us, ev->utc_offset_min,
                                      ev->time_text.p, ev->time_text.n));
    r->details = (unsigned char)has_details(ev);
    /* on the stored (clean) text, which is what the view rebuilds from */
    r->sender_frame = (unsigned char)is_sender_frame(r->ev);
    return 0;
}

/* Steps a bound insert and resets it; `what` names it in the error. */
static int step_insert(st_store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : fail(st, what);
}

/* Stores up to ROW_CHUNK events: prepares their rows, then one INSERT ...
 * SELECT from each virtual table.  Rows get implicit rowids: SQLite gives
 * each new row max(rowid) + 1 (and takes its fast append path), so the
 * events are numbered consecutively up to sqlite3_last_insert_rowid(). */
static int add_chunk(st_store *st, int64_t source_id,
                     const st_event *const *evs, size_t n)
{
    int rc = 0;
    uint32_t ecols = 0, dcols = 0;
    /* a row that failed may have no event (out of memory): no mask then */
    for (size_t k = 0; k < n && (rc = prepare_row(st, k, evs[k])) == 0;
         k++) {
        ecols |= st_rows_event_cols(&st->row[k]);
        if (st->row[k].details)
            dcols |= st_rows_detail_cols(&st->row[k]);
    }
    if (rc == 0) {
        st->rows.n = n;
        st->rows.source_id = source_id;
        sqlite3_stmt *q = st_rows_stmt(&st->row_stmts, st->db, 0, ecols);
        rc = q ? step_insert(st, q, "insert event")
               : fail(st, "insert event");
    }
    if (rc == 0) {
        st->last_event_id = sqlite3_last_insert_rowid(st->db);
        st->rows.first_id = st->last_event_id - (int64_t)n + 1;
        if (dcols) {
            sqlite3_stmt *q = st_rows_stmt(&st->row_stmts, st->db, 1, dcols);
            rc = q ? step_insert(st, q, "insert event details")
                   : fail(st, "insert event details");
        }
    }
    for (size_t i = 0; i < n; i++) {    /* NULL where nothing was kept */
        free(st->shadow_text[i]);
        st->shadow_text[i] = NULL;
    }
    st->rows.n = 0;
    return rc;
}

/* Bytes the case file may grow by before its writeback is started. */
#define FLUSH_STEP (2 << 20)

/* Asks the kernel to start writing the case file's dirty pages, without
 * waiting, once it has grown by FLUSH_STEP.  Each input's COMMIT must
 * fsync the file; without this the whole input's pages were written then,
 * while nothing else ran (27 ms per 10 MB tracev3 file, 15% of its
 * ingest).  Started early, the disk works while the parser and SQLite
 * do, and the fsync waits only for the rest. */
static void kick_writeback(st_store *st)
{
    struct stat sb;
    if (st->flush_fd < 0 || fstat(st->flush_fd, &sb) != 0 ||
        sb.st_size - st->flush_size < FLUSH_STEP)
        return;
    st->flush_size = sb.st_size;
    /* advice only: a failure changes nothing the commit relies on */
    (void)sync_file_range(st->flush_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

int st_store_add_events(st_store *st, int64_t source_id,
                        const st_event *const *evs, size_t n)
{
    for (size_t i = 0; i < n; i += ROW_CHUNK)
        if (add_chunk(st, source_id, evs + i,
                      n - i < ROW_CHUNK ? n - i : ROW_CHUNK) < 0)
            return -1;
    kick_writeback(st);
    return 0;
}

/* Inserts one event (and its details row when it has one); *id_out
 * receives its row id. */
int st_store_add_event(st_store *st, int64_t source_id, const st_event *ev,
                       int64_t *id_out)
{
    if (st_store_add_events(st, source_id, &ev, 1) < 0)
        return -1;
    if (id_out)
        *id_out = st->last_event_id;
    return 0;
}

/* Inserts one lookup record. */
int st_store_add_record(st_store *st, int64_t source_id, const st_record *rec)
{
    sqlite3_stmt *q = st->stmt[S_RECORD];
    sqlite3_bind_int64(q, 1, source_id);
    sqlite3_bind_text(q, 2, rec->kind, -1, SQLITE_STATIC);
    bind_clean(st, q, 3, rec->locator);
    bind_i64(q, 4, rec->has_time, rec->time_us);
    st_str keys[7] = {rec->path, rec->uuid, rec->bundle_id, rec->cdhash,
                      rec->team_id, rec->identifier, rec->data_json};
    for (int i = 0; i < 7; i++)
        if (bind_clean(st, q, 5 + i, keys[i]) < 0)
            return fail(st, "out of memory");
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(st, "insert record");
}

int st_store_add_warning(st_store *st, int64_t source_id, int64_t line,
                         const char *msg)
{
    sqlite3_stmt *q = st->stmt[S_WARN];
    bind_id(q, 1, source_id);
    bind_i64(q, 2, line > 0, line);
    bind_clean(st, q, 3, (st_str){msg, strlen(msg)});
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(st, "warning");
}

int st_store_add_note(st_store *st, int64_t source_id, const char *key,
                      const char *value)
{
    sqlite3_stmt *q = st->stmt[S_NOTE];
    sqlite3_bind_int64(q, 1, source_id);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
    bind_clean(st, q, 3, value ? (st_str){value, strlen(value)}
                               : ST_STR_NULL);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(st, "note");
}

/* Binds the result columns of a sources row (shared by commit/record). */
static void bind_result(st_store *st, sqlite3_stmt *q,
                        const st_source_result *r, int64_t id)
{
    char now[40];
    now_utc(now);
    sqlite3_bind_text(q, 1, r->sha256, -1, SQLITE_TRANSIENT);
    bind_i64(q, 2, r->size >= 0, r->size);
    sqlite3_bind_text(q, 3, r->format, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, r->parser_version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, r->status, -1, SQLITE_TRANSIENT);
    bind_clean(st, q, 6, r->error ? (st_str){r->error, strlen(r->error)}
                                  : ST_STR_NULL);
    sqlite3_bind_int64(q, 7, r->records);
    sqlite3_bind_int64(q, 8, r->warnings);
    sqlite3_bind_int64(q, 9, r->unparsed);
    sqlite3_bind_text(q, 10, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 11, id);
}

/* Completes the sources row and commits the input; in a group, releases
 * its savepoint and commits the group once its seconds have passed since
 * the group's transaction began. */
int st_store_source_commit(st_store *st, int64_t source_id,
                           const st_source_result *res)
{
    sqlite3_stmt *q = st->stmt[S_SRC_END];
    bind_result(st, q, res, source_id);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        fail(st, "source update");
        st_store_source_rollback(st);
        return -1;
    }
    if (st->group) {
        if (sqlite3_exec(st->db, "RELEASE source", NULL, NULL, NULL) !=
            SQLITE_OK) {
            fail(st, "release");
            st_store_source_rollback(st);
            return -1;
        }
        st->in_source = 0;
        if (mono_now() - st->group_since >= st->group_seconds)
            return group_commit(st);   /* a failure rejects this input */
        st->group_inputs++;
        return 0;
    }
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(st, "commit");
        st_store_source_rollback(st);
        return -1;
    }
    st->in_source = 0;
    return 0;
}

/* Rolls the input back (in a group: to its savepoint, the group's
 * transaction stays); the string cache may now name rows that are gone,
 * so it is cleared. */
void st_store_source_rollback(st_store *st)
{
    if (st->group && st->group_open) {
        if (sqlite3_get_autocommit(st->db)) {
            group_closed(st, 0);   /* SQLite already rolled it all back */
        } else {
            sqlite3_exec(st->db, "ROLLBACK TO source", NULL, NULL, NULL);
            sqlite3_exec(st->db, "RELEASE source", NULL, NULL, NULL);
        }
    } else {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    st->in_source = 0;
    cache_clear(st);
}

int64_t st_store_source_by_sha(st_store *st, const char *sha256,
                               int64_t exclude_id)
{
    sqlite3_stmt *q = st->stmt[S_SRC_BY_SHA];
    int64_t id = 0;
    sqlite3_bind_text(q, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, exclude_id);
    if (sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return id;
}

/* Inserts a complete sources row (inside the current input transaction if
 * one is open, else on its own). */
int st_store_source_insert(st_store *st, const st_source_info *info,
                           const st_source_result *res)
{
    int64_t id;
    if (insert_source(st, info, &id) < 0)
        return -1;
    sqlite3_stmt *q = st->stmt[S_SRC_END];
    bind_result(st, q, res, id);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : fail(st, "source update");
}

int st_store_ensure_indexes(st_store *st)
{
    if (sqlite3_exec(st->db, index_sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(st, "index");
    return 0;
}
