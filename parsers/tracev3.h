/*
 * tracev3.h -- the binary unified log: tracev3 files (diagnostics/Persist,
 * Special, Signpost, HighVolume, logdata.LiveData.tracev3) decoded into
 * sigtrail events, with format strings from uuidtext/dsc (uuidtext.h,
 * dsc.h) and wall-clock times from timesync (timesync.h).
 *
 * Layout (libyal dtformats, "tracev3 file format"): little-endian chunks,
 * each {tag u32, subtag u32, size u64, data}, 8-byte aligned.  A header
 * chunk (0x1000, subtag 0x11, 208 bytes) comes first; then catalogs
 * (0x600b: UUIDs, subsystem strings, processes) each followed by the
 * chunksets (0x600d) they describe.  A chunkset is LZ4 blocks ("bv41",
 * "bv4-" raw, "bv4$" end) holding firehose (0x6001), oversize (0x6002),
 * statedump (0x6003) and simpledump (0x6004) chunks.
 *
 * Contract:
 *  - Input is read once, front to back, through st_input (so it is hashed
 *    as read); memory is bounded by the largest chunk (ST_TV3_CHUNK_MAX
 *    compressed, ST_TV3_BLOCK_MAX decompressed) plus the catalog and the
 *    oversize entries of the file.
 *  - Every record becomes one event (see docs/unified-log.md for the field
 *    mapping).  Provenance: line 0, byte_offset -1, locator
 *    "<file> chunk@0x<chunkset offset> entry <n>" where n counts the
 *    entries of that chunkset from 0.
 *  - A record whose format string cannot be found (uuidtext or dsc file
 *    absent, reference out of range) is kept with the placeholder message
 *    "<compose failure [UUID]>" and its raw arguments in extra_json; one
 *    warning per missing file plus a closing count.
 *  - Damage never stops more than it must: a bad inner chunk or tracepoint
 *    skips the rest of its chunk (warning); a bad LZ4 block or an unknown
 *    compression skips the chunkset (warning, "not supported", never
 *    guessed); a top-level chunk whose size runs past the input ends the
 *    read as ST_READ_INPUT_ERROR with every record before it kept.  A
 *    first chunk that is not a tracev3 header is ST_READ_REJECTED.
 *  - Oversize data is joined to its firehose entry by (proc_id, data
 *    reference) whether it comes before or after the entry in the file;
 *    entries whose oversize data never appears are emitted at the end of the
 *    file with "<decode: missing data>" arguments and a warning.
 */
#ifndef ST_TRACEV3_H
#define ST_TRACEV3_H

#include <stddef.h>
#include <stdint.h>

#include "parser.h"

#define ST_TV3_CHUNK_MAX (32u << 20)   /* one top-level chunk */
#define ST_TV3_BLOCK_MAX (32u << 20)   /* one decompressed chunkset */

/* The lookup context shared by the tracev3 files of one archive: the
 * uuidtext/dsc cache and the timesync boots. */
typedef struct st_tv3_ctx st_tv3_ctx;

/* Opens a context.  uuidtext_dir (holding 00..FF/ and dsc/) and
 * timesync_dir may be NULL (records then get placeholder messages, times
 * come from each file's header).  NULL only when out of memory.  Problems
 * with the timesync files are reported as warnings of the first file read
 * with this context. */
st_tv3_ctx *st_tv3_ctx_open(const char *uuidtext_dir,
                            const char *timesync_dir);
void st_tv3_ctx_close(st_tv3_ctx *ctx);
const char *st_tv3_ctx_uuidtext_dir(const st_tv3_ctx *ctx);
const char *st_tv3_ctx_timesync_dir(const st_tv3_ctx *ctx);

/* What one read found. */
typedef struct st_tv3_stats {
    uint64_t events;                   /* events handed to the sink */
    uint64_t log, activity, trace, signpost, loss, statedump, simpledump;
    uint64_t chunksets, chunksets_skipped, oversize, oversize_joined,
        oversize_missing;
    uint64_t unresolved;               /* placeholder messages */
    uint64_t decode_problems;          /* missing/mismatched arguments */
    uint64_t unknown_decoders;
    uint64_t warnings;
    uint8_t boot_uuid[16];
    uint32_t numer, denom;
    int32_t tz_min;
    int have_timesync;                 /* times from timesync, not header */
} st_tv3_stats;

/* Reads one tracev3 stream.  `label` names the file in locators and
 * warnings (its basename is used).  Returns ST_READ_OK, ST_READ_STOPPED,
 * ST_READ_INPUT_ERROR (message in err; events before it were emitted) or
 * ST_READ_REJECTED (not a tracev3 file). */
int st_tv3_read(st_tv3_ctx *ctx, st_input *in, const char *label,
                st_sink *sink, char *err, size_t errlen);
/* The same over a buffer (fuzzing, tests). */
int st_tv3_read_mem(st_tv3_ctx *ctx, const uint8_t *p, size_t n,
                    const char *label, st_sink *sink, char *err,
                    size_t errlen);
/* Collects the oversize chunks of the tracev3 files of an archive into
 * the context, so entries of other files of the same archive find them
 * (an entry and its oversize data can be in different files); at most
 * 16 MiB of oversize data per context, the first seen kept.  In two steps,
 * so that files can be scanned on several threads and give exactly what
 * scanning them one after the other gives:
 * st_tv3_prescan_collect reads the n bytes of the file open on fd with
 * pread (nothing mapped: two 10 MB files mapped at once showed as 10 MB
 * more peak memory) and only what no other thread changes (not the
 * context's oversize table); it returns the file's oversize chunks in file
 * order, or NULL when out of memory.  *collected (may be NULL; shared,
 * atomic) counts the bytes the sets not yet merged or freed hold, and past
 * `limit` a set is left incomplete (its file no longer read):
 * st_tv3_ovset_complete says 0, collect that file again without a limit.  st_tv3_prescan_merge adds a set to the context, on one
 * thread, in file order, and frees it; it returns the chunks kept. */
typedef struct st_tv3_ovset st_tv3_ovset;
st_tv3_ovset *st_tv3_prescan_collect(st_tv3_ctx *ctx, int fd, uint64_t n,
                                     size_t *collected, size_t limit);
int st_tv3_ovset_complete(const st_tv3_ovset *set);
long st_tv3_prescan_merge(st_tv3_ctx *ctx, st_tv3_ovset *set);
void st_tv3_ovset_free(st_tv3_ovset *set);

/* Counts of the latest read with this context. */
void st_tv3_last_stats(const st_tv3_ctx *ctx, st_tv3_stats *out);

/* ---- string references (exposed for tests) ------------------------------ */

/* The format string reference of a tracepoint: libyal's
 *   (large_shared_cache << 31 | fmt & 0x7fffffff) when large_shared_cache,
 *   (large_offset << 31 | fmt & 0x7fffffff) when large_offset, else
 *   fmt & 0x7fffffff;
 * *dynamic is the top bit of fmt ("%s" strings). */
uint64_t st_tv3_format_ref(uint32_t fmt, uint16_t large_offset,
                           uint16_t large_shared_cache, int *dynamic);
/* The sender program counter: load address (upper16:lower32) widened by
 * the large offset / large shared cache data, minus the image base. */
uint64_t st_tv3_program_counter(uint32_t load_lower, uint16_t load_upper,
                                uint16_t large_offset,
                                uint16_t large_shared_cache,
                                uint64_t image_base);

/* ---- the registered parser ------------------------------------------------ */

/* Directories for the "tracev3" parser when the input's own folder does not
 * give them (sigtrail ingest --uuidtext DIR --timesync DIR); NULL clears.
 * Not thread-safe: set before ingesting. */
void st_tracev3_set_dirs(const char *uuidtext_dir, const char *timesync_dir);

/* Finds uuidtext and timesync folders for a tracev3 file at `path` by the
 * layouts logd and `log collect` write:
 *   X.logarchive/<store>/F.tracev3      -> X.logarchive/, X.logarchive/timesync
 *   X.logarchive/logdata.LiveData.tracev3 -> the same
 *   /private/var/db/diagnostics/<store>/F.tracev3
 *                                        -> /private/var/db/uuidtext, diagnostics/timesync
 *   DIR/F.tracev3 with DIR/uuidtext/ and DIR/timesync/ (a folder of tracev3
 *   files with the stores beside them)
 * A uuidtext folder is one holding a dsc/ sub folder or two-hex-digit sub
 * folders.  Writes malloc'd paths (or NULL) to *uuidtext and *timesync. */
void st_tracev3_locate(const char *path, char **uuidtext, char **timesync);

/* ---- folders: .logarchive, diagnostics + uuidtext, plain folders ------- */
/* (parsers/logarchive.c) */

/*
 * A unified-log folder found by content: its tracev3 files (first bytes
 * are a tracev3 header; names are not consulted), searched up to 4 levels
 * down without entering uuidtext or timesync folders, in bytewise path
 * order; and the uuidtext and timesync folders that go with them:
 *   X.logarchive/            uuidtext = X.logarchive, timesync = X/timesync
 *   .../db/diagnostics/      uuidtext = .../db/uuidtext, timesync = diagnostics/timesync
 *   .../db/ (holding both)   the same
 *   DIR/ with *.tracev3 and uuidtext/, timesync/ beside them
 */
typedef struct st_logarchive {
    char *root;
    char *uuidtext_dir;                /* NULL when none was found */
    char *timesync_dir;
    char **files;                      /* tracev3 paths */
    size_t nfiles;
    st_tv3_ctx *ctx;                   /* shared by the files' reads */
} st_logarchive;

/* Finds the parts of the folder at `dir`; uuidtext_dir / timesync_dir
 * (may be NULL) override what is found.  Returns 0, or -1 with err when dir
 * is not a folder or holds no tracev3 file.  Opening also makes the
 * archive's lookup context the one the "tracev3" parser uses for its files,
 * and collects the oversize data of all its files (st_tv3_prescan). */
int st_logarchive_open(st_logarchive **out, const char *dir,
                       const char *uuidtext_dir, const char *timesync_dir,
                       char *err, size_t errlen);
void st_logarchive_close(st_logarchive *la);

/* Per-file hooks of st_logarchive_ingest_dir: begin() returns the sink for
 * the file's events (NULL skips the file); end() receives the result
 * (ST_READ_*) and the error text.  The input is opened by the entry point
 * from the path, so it is hashed as read (st_input_sha256 in end()). */
typedef struct st_logarchive_hooks {
    void *ctx;
    st_sink *(*begin)(void *ctx, const char *path, st_input *in);
    void (*end)(void *ctx, const char *path, st_input *in, int rc,
                const char *err);
} st_logarchive_hooks;

/* The folder entry point: opens the folder (st_logarchive_open) and reads
 * each tracev3 file through the hooks.  Returns the number of files read,
 * or -1 with err when the folder is unusable. */
int st_logarchive_ingest_dir(const char *dir, const char *uuidtext_dir,
                             const char *timesync_dir,
                             const st_logarchive_hooks *hooks, char *err,
                             size_t errlen);

/* True when path is a folder holding a uuidtext store (a dsc/ folder or
 * two-hex-digit folders of uuidtext files). */
int st_is_uuidtext_dir(const char *path);

/* Bid of the "tracev3" parser: 100 for the header chunk preamble
 * 00 10 00 00 11 00 00 00 followed by size 208, 0 otherwise. */
int st_tracev3_bid(const uint8_t *head, size_t n, int at_eof);

extern const st_parser st_parser_tracev3;

#endif
