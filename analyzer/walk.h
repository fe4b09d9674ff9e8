/*
 * walk.h -- ingesting a container in one go: a directory (walked
 * recursively, names sorted bytewise so every run visits the same order)
 * or an archive libarchive reads (tar, tar.gz/tgz, tar.xz, tar.bz2,
 * tar.zst, zip, 7z, cpio), such as a sysdiagnose tarball.  Each member is
 * offered to the parsers' content sniffers (st_parser_detect over
 * st_input_peek) and ingested by the most confident one through
 * st_ingest_input(); names never choose a parser.  docs/archives.md is the
 * user-facing description.
 *
 * Contract:
 *  - Provenance: the container gets its own sources row (format
 *    "archive:tar.gz", "archive:zip", ... with the SHA-256 and size of its
 *    bytes, or "directory"), every member a row with parent_id = that row
 *    and `member` = its path inside (nested archives: "outer/inner.tgz ::
 *    path/inside").  Members no parser claims, and members refused for
 *    safety, are rows with status 'skipped', the reason in `error` and
 *    their own SHA-256.
 *  - Members are streamed from libarchive through st_input_open_reader():
 *    libarchive removes the archive's compression, the input layer sees
 *    each member's own bytes (a member that is itself .gz is inflated
 *    once, by the input layer).  SQLite databases are the exception: they
 *    and their -wal/-shm/-journal siblings from the same archive directory
 *    are copied into a private temporary directory (mkdtemp, 0700) and
 *    ingested from there after the archive has been read, so the database
 *    parsers find their companions.  Nothing is ever written anywhere else,
 *    and the directory is removed before st_walk_path returns.
 *  - Safety: absolute paths, ".." components, symbolic links, hard links
 *    and special files are refused (skipped rows with the reason); the
 *    archive bytes unpacked (all levels together) and the unpacked :
 *    packed ratio of large members are capped (st_walk_limits) -- reaching
 *    a cap stops the walk with an error.  Nested archives are opened up to
 *    max_depth levels, deeper ones are skipped rows.
 *  - A corrupt or truncated archive stops the walk with an error naming
 *    the member; everything ingested before it stays in the case, the
 *    member being read is kept as 'partial' and the archive row says
 *    'partial' with the reason.
 *  - Binary unified logs (a folder whose name ends in ".logarchive") go to
 *    st_walk_logarchive(): by default one skipped row with the `log show`
 *    command to export it.
 *  - Re-ingesting a container whose every member is already in the case
 *    (and no --force) leaves the case as it was.
 *  - Nothing is printed except the progress line (stderr, when it is a
 *    terminal): members are reported through st_walk_report_fn.
 */
#ifndef ST_WALK_H
#define ST_WALK_H

#include <stdint.h>

#include "ingest.h"
#include "store.h"

typedef enum {
    ST_WALK_FILE = 0,         /* anything else: ingest as one input */
    ST_WALK_DIR,
    ST_WALK_ARCHIVE,
} st_walk_kind;

typedef struct st_walk_limits {
    int64_t max_bytes;        /* unpacked bytes, all archives together */
    double max_ratio;         /* unpacked : packed, checked once ... */
    int64_t ratio_min;        /* ... a member has unpacked this much */
    int max_depth;            /* archives inside archives */
    int64_t max_members;      /* members of one top-level container */
} st_walk_limits;

/* 64 GiB, 1000:1 beyond 64 MiB, 3 levels, 1,000,000 members; the
 * environment variables SIGTRAIL_ARCHIVE_MAX_BYTES and
 * SIGTRAIL_ARCHIVE_MAX_RATIO lower or raise the first two (tests, and
 * evidence known to be unusual). */
void st_walk_limits_default(st_walk_limits *lim);

/* What happened to one member (for the caller's report). */
typedef enum {
    ST_MEMBER_INGESTED = 0,
    ST_MEMBER_PARTIAL,        /* read until an input error; kept */
    ST_MEMBER_DUPLICATE,      /* bytes already in the case */
    ST_MEMBER_SKIPPED,        /* recorded as skipped, with reason */
    ST_MEMBER_ARCHIVE,        /* a nested archive was opened */
} st_member_status;

typedef struct st_walk_member {
    const char *path;         /* the container as given */
    const char *member;       /* path inside it */
    st_member_status status;
    const st_ingest_result *res;  /* INGESTED/PARTIAL/DUPLICATE */
    const char *reason;       /* SKIPPED */
} st_walk_member;

typedef void (*st_walk_report_fn)(void *ctx, const st_walk_member *m);

typedef struct st_walk_result {
    int64_t source_id;        /* the container's row (0 when removed) */
    char format[32];          /* "archive:tar.gz", "directory" */
    char sha256[65];          /* archives only */
    int64_t size;             /* archive bytes, or member bytes of a dir */
    int64_t members, ingested, partial, duplicates, skipped, records;
    int failed;               /* cut short: corrupt, cap, store error */
    int unchanged;            /* nothing new: the case is as it was */
    char message[1024];       /* why it failed, or why unchanged */
} st_walk_result;

/* Directory, archive (by content: libarchive reads a first header), or a
 * plain file.  "-" is always a file. */
st_walk_kind st_walk_classify(const char *path);

/* Ingests every member of the directory or archive at `path` (see the
 * contract).  Returns 0, or -1 when the walk was cut short (res->failed,
 * res->message). */
int st_walk_path(st_store *st, const char *path, const st_ingest_opts *opts,
                 const st_walk_limits *lim, st_walk_report_fn fn, void *ctx,
                 st_walk_result *res);

/* The same for an archive held in memory (the fuzz harness, tests);
 * `name` is recorded as its path. */
int st_walk_archive_mem(st_store *st, const void *data, size_t n,
                        const char *name, const st_ingest_opts *opts,
                        const st_walk_limits *lim, st_walk_report_fn fn,
                        void *ctx, st_walk_result *res);

/*
 * The hook for binary unified logs, called once per "*.logarchive" folder.
 * `dir` is the folder on disk -- the evidence itself in a directory walk,
 * a private extracted copy for an archive member -- or NULL when nothing
 * was extracted because no parser can read it.  `member` is the folder's
 * path inside the container, `files`/`bytes` what it holds.
 *
 * Routing (decided at run time from the registry, so a binary-log parser
 * only has to register itself):
 *  - a parser named "logarchive": ingests the folder's Info.plist with that
 *    parser forced; the parser finds the folder from st_input_path() (the
 *    real or extracted path, so dirname() is the .logarchive root);
 *  - else a parser named "tracev3": every file of the folder that parser
 *    bids on (by content; names are not consulted), in bytewise path
 *    order, as its own input with that parser forced -- each keeps its
 *    own hash -- and a real path inside the folder, so uuidtext, dsc and
 *    timesync are reachable from it (none found: one skipped row);
 *  - else one skipped row: "binary unified log, not read by this version;
 *    on a Mac export it with: log show --archive NAME --info --debug
 *    --style ndjson > logs.ndjson".
 * Returns 0, or -1 when the store failed.
 */
typedef struct st_walk st_walk;
int st_walk_logarchive(st_walk *w, const char *dir, const char *member,
                       int64_t parent_id, int64_t files, int64_t bytes);

#endif
