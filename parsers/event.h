/*
 * event.h -- one log record, as every parser produces it and as the store and
 * the rule engine consume it.
 *
 * Contract:
 *  - Strings are (pointer, length) views; p == NULL means "this input format
 *    does not carry the field" (never made up).  A present-but-empty field has
 *    p != NULL and n == 0.  Views point into the producer's buffers and are
 *    valid only during the callback that receives the event.
 *  - Numeric fields are meaningful only when their ST_HAS_* bit is set.
 *  - time_us is UTC, microseconds since the Unix epoch.
 *  - Provenance: source_id (set by the store), line (1-based) and byte_offset
 *    (0-based, of the first byte of the record in the decompressed stream).
 *    Parsers of non-line formats put their own locator in `locator`
 *    ("table LSQuarantineEvent row 12", "chunk 0x1f00 entry 7").
 */
#ifndef ST_EVENT_H
#define ST_EVENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct st_str {
    const char *p;
    size_t n;
} st_str;

#define ST_STR_NULL ((st_str){NULL, 0})
#define ST_STR_LIT(s) ((st_str){(s), sizeof(s) - 1})

enum {
    ST_HAS_TIME        = 1u << 0,
    ST_HAS_OFFSET      = 1u << 1,
    ST_HAS_THREAD      = 1u << 2,
    ST_HAS_ACTIVITY    = 1u << 3,
    ST_HAS_PARENT_ACT  = 1u << 4,
    ST_HAS_PID         = 1u << 5,
    ST_HAS_TTL         = 1u << 6,
    ST_HAS_USER        = 1u << 7,
    ST_HAS_TRACE       = 1u << 8,
    ST_HAS_MACH        = 1u << 9,
    ST_HAS_SENDER_PC   = 1u << 10,
    ST_HAS_SIGNPOST_ID = 1u << 11,
    /* time_text is exactly log show's rendering of time_us and
     * utc_offset_min ("%F %T.%06d%+03d%02d"), so the store may rebuild it
     * instead of keeping it; set only by parsers that checked the shape. */
    ST_TIME_TEXT_CANON = 1u << 12,
    /* every text field the store keeps as it is (st_event_kept_text) is
     * known to be valid UTF-8 without NUL, so the store need not check;
     * set by the ingest queue, which checks as it copies (parsers leave
     * it clear). */
    ST_TEXT_CHECKED    = 1u << 13,
};

typedef struct st_event {
    int64_t id;              /* row id once stored, else 0 */
    int64_t source_id;       /* sources.id once stored, else 0 */
    int64_t line;            /* 1-based line of the record start; 0 if n/a */
    int64_t byte_offset;     /* offset of the record start; -1 if n/a */
    st_str locator;          /* non-line provenance (table/row, chunk/entry) */

    unsigned has;            /* ST_HAS_* bits */
    int64_t time_us;         /* UTC microseconds since 1970-01-01 */
    int32_t utc_offset_min;  /* offset of the original timestamp text */
    st_str time_text;        /* timestamp exactly as written */

    st_str type;             /* Default Info Debug Error Fault Activity
                                Signpost Timesync Unparsed ... */
    st_str event_type;       /* logEvent activityCreateEvent ... (JSON) */

    uint64_t thread_id;
    uint64_t activity_id;
    uint64_t parent_activity_id;
    int64_t pid;
    int64_t ttl;
    int64_t user_id;
    uint64_t trace_id;       /* full unsigned 64-bit range */
    uint64_t mach_timestamp;
    uint64_t sender_pc;
    uint64_t signpost_id;

    st_str process;          /* basename of process_path when known */
    st_str process_path;
    st_str sender;           /* basename of sender_path when known */
    st_str sender_path;
    st_str subsystem;
    st_str category;
    st_str message;          /* whole message, multi-line kept whole */
    st_str format_string;
    st_str process_uuid;
    st_str sender_uuid;
    st_str boot_uuid;
    st_str timezone_name;
    st_str signpost_name;
    st_str signpost_scope;
    st_str signpost_type;
    st_str backtrace_json;   /* JSON text of `backtrace` as exported */
    st_str source_json;      /* JSON text of `source` (--source) */
    st_str extra_json;       /* JSON object of keys sigtrail has no column for */
} st_event;

/*
 * Field identifiers shared by the predicate language, the timeline and the
 * exporters.  Names follow `log show --predicate` (see st_field_name()).
 */
typedef enum st_field {
    ST_F_NONE = 0,
    ST_F_PROCESS,            /* process */
    ST_F_PROCESS_PATH,       /* processImagePath */
    ST_F_SENDER,             /* sender */
    ST_F_SENDER_PATH,        /* senderImagePath */
    ST_F_SUBSYSTEM,          /* subsystem */
    ST_F_CATEGORY,           /* category */
    ST_F_MESSAGE,            /* eventMessage, composedMessage */
    ST_F_MESSAGE_TYPE,       /* messageType */
    ST_F_EVENT_TYPE,         /* eventType */
    ST_F_PID,                /* processID, pid */
    ST_F_THREAD,             /* threadID */
    ST_F_ACTIVITY,           /* activityIdentifier */
    ST_F_PARENT_ACTIVITY,    /* parentActivityIdentifier */
    ST_F_TRACE,              /* traceID */
    ST_F_USER,               /* userID */
    ST_F_FORMAT_STRING,      /* formatString */
    ST_F_PROCESS_UUID,       /* processImageUUID */
    ST_F_SENDER_UUID,        /* senderImageUUID */
    ST_F_BOOT_UUID,          /* bootUUID */
    ST_F_TIMESTAMP,          /* timestamp (UTC microseconds) */
    ST_F_TTL,                /* ttl */
    ST_F_SIGNPOST_ID,        /* signpostID */
    ST_F_SIGNPOST_NAME,      /* signpostName */
    ST_F_SIGNPOST_SCOPE,     /* signpostScope */
    ST_F_SIGNPOST_TYPE,      /* signpostType */
    ST_F_SOURCE,             /* sigtrail: source file path */
    ST_F_LINE,               /* sigtrail: line number */
    ST_F__COUNT
} st_field;

/* A field value as the predicate language sees it. */
typedef enum { ST_V_NONE = 0, ST_V_STR, ST_V_INT, ST_V_UINT } st_vkind;
typedef struct st_value {
    st_vkind kind;
    st_str s;
    int64_t i;
    uint64_t u;
} st_value;

/* Returns the field named `name` (log show spelling, case-sensitive as in
 * `log`; a few aliases accepted), or ST_F_NONE. */
st_field st_field_lookup(const char *name, size_t n);

/* Returns the canonical name of a field ("processImagePath"). */
const char *st_field_name(st_field f);

/* Fills *out with the value of field f of ev; kind ST_V_NONE when absent.
 * ST_F_SOURCE is not known to the event itself and reads as absent here. */
void st_event_get(const st_event *ev, st_field f, st_value *out);

/* The text fields a store keeps as they are, not as interned strings:
 * time_text, message, locator, the three UUIDs, time zone, the signpost
 * names and the JSON fields.  Fills out with pointers into ev and returns
 * ST_EVENT_KEPT_TEXT. */
#define ST_EVENT_KEPT_TEXT 13
size_t st_event_kept_text(st_event *ev, st_str *out[ST_EVENT_KEPT_TEXT]);

/* Returns the basename view of a path view (text after the last '/'). */
st_str st_basename(st_str path);

#endif
