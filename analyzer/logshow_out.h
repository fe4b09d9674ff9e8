/*
 * logshow_out.h -- writing events in the layouts of `log show` / `log
 * stream` (default, compact, syslog, ndjson, json), and the fast output
 * buffer every text writer of sigtrail (timeline, export, query, report)
 * appends to.
 *
 * Contract:
 *  - Layouts follow shared/reference/LOG_FORMATS.md §2-§5 byte for byte
 *    where the case holds the fields `log` prints, so the readers in
 *    parsers/logshow_*.c read an export back into the same events.  What
 *    the case does not know is written the way `log` writes a zero value
 *    (thread 0x0, pid 0) in the text styles, and left out in the JSON
 *    styles, except `source` (null), `subsystem` and `category` ("") which
 *    `log` always writes.
 *  - Text styles print each timestamp in the event's own UTC offset
 *    (utc_offset_min), as `log show` printed it; compact prints local wall
 *    time in milliseconds, without an offset, as `log` does.
 *  - Nothing here allocates per event: writers append to an st_out, which
 *    grows once and is flushed to its FILE in large blocks.  Functions never
 *    print elsewhere and never exit; a failed write is remembered in
 *    st_out.err and reported by st_out_flush/st_out_close.
 *  - Text written as JSON is escaped like `log` does ("/" as "\/" in the
 *    log show styles); bytes that are not valid UTF-8 become U+FFFD, so the
 *    output is always valid UTF-8 JSON.
 */
#ifndef ST_LOGSHOW_OUT_H
#define ST_LOGSHOW_OUT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event.h"

/* ---- output buffer ------------------------------------------------------ */

typedef struct st_out {
    char *p;
    size_t n, cap;
    FILE *f;          /* flushed to f past ST_OUT_FLUSH bytes; NULL: grows */
    int err;          /* errno of the first failed write, or 1; 0 if none */
} st_out;

#define ST_OUT_FLUSH (1u << 20)

/* Starts an empty buffer writing to f (NULL: keep everything in memory). */
void st_out_init(st_out *o, FILE *f);
/* Writes what is buffered to the FILE; returns 0, or -1 after any failed
 * write (including earlier ones). */
int st_out_flush(st_out *o);
/* Flushes (when there is a FILE) and frees; returns like st_out_flush. */
int st_out_close(st_out *o);
/* Makes room for k more bytes; returns where they go (the caller then adds
 * what it wrote to o->n), or NULL when out of memory (o->err is set). */
char *st_out_room(st_out *o, size_t k);
/* Flushes when a FILE is attached and the buffer passed ST_OUT_FLUSH.
 * Writers call it between records, never inside one. */
static inline void st_out_maybe_flush(st_out *o)
{
    if (o->f && o->n >= ST_OUT_FLUSH)
        st_out_flush(o);
}

static inline void st_out_add(st_out *o, const char *s, size_t n)
{
    if (!n)
        return;
    if (o->cap - o->n < n && !st_out_room(o, n))
        return;
    memcpy(o->p + o->n, s, n);
    o->n += n;
}
static inline void st_out_c(st_out *o, char c)
{
    if (o->cap == o->n && !st_out_room(o, 1))
        return;
    o->p[o->n++] = c;
}
#define st_out_lit(o, s) st_out_add((o), (s), sizeof(s) - 1)
void st_out_str(st_out *o, const char *s);       /* NUL-terminated; NULL: nothing */
void st_out_view(st_out *o, st_str s);           /* NULL view: nothing */
void st_out_printf(st_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void st_out_spaces(st_out *o, size_t n);
void st_out_i64(st_out *o, int64_t v);
void st_out_u64(st_out *o, uint64_t v);
void st_out_hex(st_out *o, uint64_t v);          /* 0x-prefixed, lower case */
/* Pads with spaces to `width` bytes after a field that took `used` bytes
 * (nothing when it overflowed), like printf's "%-*s". */
static inline void st_out_pad(st_out *o, size_t used, size_t width)
{
    if (used < width)
        st_out_spaces(o, width - used);
}

/* JSON string literal with quotes.  slash: also escape '/' as "\/". */
void st_out_json(st_out *o, const char *s, size_t n, int slash);
/* The same without the quotes (to build one string from several parts). */
void st_out_json_body(st_out *o, const char *s, size_t n, int slash);
static inline void st_out_jview(st_out *o, st_str s, int slash)
{
    if (!s.p)
        st_out_lit(o, "null");
    else
        st_out_json(o, s.p, s.n, slash);
}
/* Copies JSON text (an object/array/value stored in the case) re-indented:
 * indent < 0 writes it compact as stored; indent >= 0 pretty-prints it
 * like `log --style json` ("key" : value, two spaces per level) with
 * nested lines starting at `indent` levels.  slash: escape '/' in strings.
 * Invalid JSON is written as a JSON string instead, so output stays valid. */
void st_out_json_text(st_out *o, st_str json, int indent, int slash);
/* Copies the members of a stored JSON object (without its braces) as
 * ",\"k\":v" pairs (pretty when indent >= 0); nothing when not an object. */
void st_out_json_members(st_out *o, st_str obj, int indent, int slash);

/* ---- timestamps --------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS.ffffff+HHMM" (log show): 31 bytes, no NUL. */
size_t st_ls_time(char *buf, int64_t utc_us, int32_t off_min);
/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM" (or "Z" at offset 0 when
 * zulu is set, else "+00:00"): at most 32 bytes, no NUL. */
size_t st_iso_time(char *buf, int64_t utc_us, int32_t off_min, int zulu);

/* ---- log show layouts --------------------------------------------------- */

typedef enum st_ls_style {
    ST_LS_DEFAULT = 0, ST_LS_COMPACT, ST_LS_SYSLOG, ST_LS_NDJSON, ST_LS_JSON
} st_ls_style;

/* Parses "default", "compact", "syslog", "ndjson", "json"; -1 if unknown. */
int st_ls_style_parse(const char *name);
const char *st_ls_style_name(st_ls_style s);

/* Counts kept for the trailer of the text styles (and ndjson's count). */
typedef struct st_ls_counts {
    uint64_t records;
    uint64_t def, info, debug, error, fault, activity;
} st_ls_counts;

/* The header line of a text style, with its newline ("" for JSON styles).
 * Default: "Timestamp                       Thread     Type        Activity
 *           PID    TTL  " (88 bytes before the newline). */
const char *st_ls_header(st_ls_style s);

/* Writes what comes before the first record: the header line for text
 * styles, "[" for json. */
void st_ls_begin(st_out *o, st_ls_style s);
/* Writes one event in the style, with its newline (json: the object and
 * its separator), and counts it.  Returns 0. */
int st_ls_event(st_out *o, st_ls_style s, const st_event *ev,
                st_ls_counts *c);
/* Writes what follows the last record: the trailer with counts for
 * default and syslog, {"count":N,"finished":1} for ndjson, "]" for json. */
void st_ls_end(st_out *o, st_ls_style s, const st_ls_counts *c);

/* One record without counting it: a line with its newline, or for json
 * ",{...}" (the caller drops the comma of the first).  With st_ls_count
 * it splits st_ls_event for callers that render in another thread. */
void st_ls_record(st_out *o, st_ls_style s, const st_event *ev);
/* Counts an event for the trailer as st_ls_event does. */
void st_ls_count(st_ls_counts *c, const st_event *ev);

/* One default-style line without its newline: the `log show` / `log
 * stream` default layout (used by timeline --format text and replay). */
void st_ls_default_line(st_out *o, const st_event *ev);

/* The name `log` prints for the event's kind: eventType as stored, else
 * derived from the type (Activity -> activityCreateEvent, ...). */
st_str st_ls_event_type(const st_event *ev);
/* 1 when the type is one of log's message types (Default Info Debug Error
 * Fault). */
int st_ls_is_message_type(st_str type);

#endif
