/*
 * fuzz_archive.c -- libFuzzer harness for the archive walker
 * (analyzer/walk.c): each input is taken as an archive held in memory and
 * walked into an in-memory case, so every libarchive format and filter the
 * walker enables, the member classification (SQLite copies, nested
 * archives, logarchive folders, refused entries) and every parser reached
 * through a member see hostile bytes.  Small caps keep one run short:
 * 64 MiB unpacked, ratio 1000:1 beyond 1 MiB, two nesting levels.
 * The harness then checks the walker's promises: the archive row exists
 * with its SHA-256 and every member row hangs below it; nothing is left in
 * the private temporary directory.  Failures trap.
 * Seeds: any archive (scripts/make-sysdiagnose-fixture output, the crafted
 * ones of $TOOLS/gen_evil_tar) cut below -max_len.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "walk.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static char tmpdir[64];

/* Removes the harness's TMPDIR at exit (it is empty after every run). */
static void cleanup(void)
{
    rmdir(tmpdir);
}

/* Makes the harness's own TMPDIR once, so leftovers can be checked. */
static void setup(void)
{
    if (tmpdir[0])
        return;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sigtrail-fuzz-walk.XXXXXX");
    REQUIRE(mkdtemp(tmpdir) != NULL);
    setenv("TMPDIR", tmpdir, 1);
    atexit(cleanup);
}

/* True when the harness's TMPDIR is empty again. */
static int tmp_empty(void)
{
    DIR *d = opendir(tmpdir);
    REQUIRE(d != NULL);
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

/* One integer from the case. */
static int64_t one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: walk it into a fresh in-memory case, then check. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    st_store *st;
    char err[256];
    REQUIRE(st_store_open(&st, ":memory:", ST_STORE_CREATE, err,
                          sizeof err) == 0);
    st_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.run_id = st_store_run_begin(st, "ingest");
    st_walk_limits lim;
    st_walk_limits_default(&lim);
    lim.max_bytes = (int64_t)64 << 20;
    lim.ratio_min = (int64_t)1 << 20;
    lim.max_depth = 2;
    lim.max_members = 10000;
    st_walk_result res;
    st_walk_archive_mem(st, data, size, "fuzz.tar", &o, &lim, NULL, NULL,
                        &res);
    sqlite3 *db = st_store_db(st);
    /* the archive row, hashed, unless nothing new came of it */
    if (!res.unchanged) {
        REQUIRE(one(db, "SELECT count(*) FROM sources WHERE parent_id IS "
                        "NULL") == 1);
        REQUIRE(one(db, "SELECT count(*) FROM sources WHERE parent_id IS "
                        "NULL AND length(sha256) = 64") == 1);
    }
    /* every other row hangs below an existing row */
    REQUIRE(one(db, "SELECT count(*) FROM sources s WHERE parent_id IS NOT "
                    "NULL AND NOT EXISTS (SELECT 1 FROM sources p WHERE "
                    "p.id = s.parent_id)") == 0);
    REQUIRE(one(db, "SELECT count(*) FROM sources WHERE status = "
                    "'ingesting'") == 0);
    REQUIRE(res.members >= res.ingested + res.partial);
    REQUIRE(tmp_empty());
    st_store_close(st);
    return 0;
}
