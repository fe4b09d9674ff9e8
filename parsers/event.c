/*
 * event.c -- field names and field access for st_event (see event.h).
 *
 * The names are the ones `log show --predicate` understands, so a predicate
 * copied from an analyst's shell history works unchanged in sigtrail.
 */
#include "event.h"

#include <string.h>

/* One accepted spelling of a field; several spellings may share a field. */
typedef struct field_name {
    const char *name;
    st_field field;
} field_name;

/* Canonical spellings come first so st_field_name() can reuse this table:
 * the first entry for a field is its canonical name. */
static const field_name st_field_names[] = {
    {"process", ST_F_PROCESS},
    {"processImagePath", ST_F_PROCESS_PATH},
    {"sender", ST_F_SENDER},
    {"senderImagePath", ST_F_SENDER_PATH},
    {"subsystem", ST_F_SUBSYSTEM},
    {"category", ST_F_CATEGORY},
    {"eventMessage", ST_F_MESSAGE},
    {"messageType", ST_F_MESSAGE_TYPE},
    {"eventType", ST_F_EVENT_TYPE},
    {"processID", ST_F_PID},
    {"threadID", ST_F_THREAD},
    {"activityIdentifier", ST_F_ACTIVITY},
    {"parentActivityIdentifier", ST_F_PARENT_ACTIVITY},
    {"traceID", ST_F_TRACE},
    {"userID", ST_F_USER},
    {"formatString", ST_F_FORMAT_STRING},
    {"processImageUUID", ST_F_PROCESS_UUID},
    {"senderImageUUID", ST_F_SENDER_UUID},
    {"bootUUID", ST_F_BOOT_UUID},
    {"timestamp", ST_F_TIMESTAMP},
    {"ttl", ST_F_TTL},
    {"signpostID", ST_F_SIGNPOST_ID},
    {"signpostName", ST_F_SIGNPOST_NAME},
    {"signpostScope", ST_F_SIGNPOST_SCOPE},
    {"signpostType", ST_F_SIGNPOST_TYPE},
    {"source", ST_F_SOURCE},
    {"line", ST_F_LINE},
    /* aliases */
    {"composedMessage", ST_F_MESSAGE},
    {"pid", ST_F_PID},
};

#define N_FIELD_NAMES (sizeof st_field_names / sizeof st_field_names[0])

/* Looks a field up by its exact (case-sensitive, like `log`) spelling.
 * Assumes name points to n readable bytes; NUL bytes never match. */
st_field st_field_lookup(const char *name, size_t n)
{
    if (name == NULL)
        return ST_F_NONE;
    for (size_t i = 0; i < N_FIELD_NAMES; i++) {
        const char *s = st_field_names[i].name;
        if (strlen(s) == n && memcmp(s, name, n) == 0)
            return st_field_names[i].field;
    }
    return ST_F_NONE;
}

/* Returns the canonical name of f ("eventMessage" for the message, as in
 * `log --style json`), or "" for ST_F_NONE and out-of-range values so the
 * result can always be printed. */
const char *st_field_name(st_field f)
{
    for (size_t i = 0; i < N_FIELD_NAMES; i++)
        if (st_field_names[i].field == f)
            return st_field_names[i].name;
    return "";
}

/* Returns the part of path after its last '/' (the whole view when there is
 * no '/'); a NULL view stays NULL.  Assumes path.p has path.n bytes. */
st_str st_basename(st_str path)
{
    if (path.p == NULL)
        return path;
    size_t i = path.n;
    while (i > 0 && path.p[i - 1] != '/')
        i--;
    return (st_str){path.p + i, path.n - i};
}

/* Stores a string view, or "absent" when the producer did not have it. */
static void put_str(st_value *out, st_str s)
{
    if (s.p != NULL) {
        out->kind = ST_V_STR;
        out->s = s;
    }
}

/* Stores a signed number when its ST_HAS_* bit says it is meaningful. */
static void put_int(st_value *out, int present, int64_t v)
{
    if (present) {
        out->kind = ST_V_INT;
        out->i = v;
    }
}

/* Stores an unsigned number when its ST_HAS_* bit says it is meaningful. */
static void put_uint(st_value *out, int present, uint64_t v)
{
    if (present) {
        out->kind = ST_V_UINT;
        out->u = v;
    }
}

/* Fills *out with field f of ev (see event.h).  `process` and `sender` fall
 * back to the basename of their image path, which is how `log` defines them,
 * so formats that only carry paths still answer `process == "sudo"`.
 * Assumes ev and out are valid; unknown fields read as absent. */
size_t st_event_kept_text(st_event *ev, st_str *out[ST_EVENT_KEPT_TEXT])
{
    st_str *v[ST_EVENT_KEPT_TEXT] = {
        &ev->time_text, &ev->message, &ev->locator, &ev->process_uuid,
        &ev->sender_uuid, &ev->boot_uuid, &ev->timezone_name,
        &ev->signpost_name, &ev->signpost_scope, &ev->signpost_type,
        &ev->backtrace_json, &ev->source_json, &ev->extra_json};
    memcpy(out, v, sizeof v);
    return ST_EVENT_KEPT_TEXT;
}

void st_event_get(const st_event *ev, st_field f, st_value *out)
{
    memset(out, 0, sizeof *out);
    out->kind = ST_V_NONE;
    unsigned h = ev->has;
    switch (f) {
    case ST_F_PROCESS:
        put_str(out, ev->process.p ? ev->process : st_basename(ev->process_path));
        break;
    case ST_F_PROCESS_PATH: put_str(out, ev->process_path); break;
    case ST_F_SENDER:
        put_str(out, ev->sender.p ? ev->sender : st_basename(ev->sender_path));
        break;
    case ST_F_SENDER_PATH: put_str(out, ev->sender_path); break;
    case ST_F_SUBSYSTEM: put_str(out, ev->subsystem); break;
    case ST_F_CATEGORY: put_str(out, ev->category); break;
    case ST_F_MESSAGE: put_str(out, ev->message); break;
    case ST_F_MESSAGE_TYPE: put_str(out, ev->type); break;
    case ST_F_EVENT_TYPE: put_str(out, ev->event_type); break;
    case ST_F_PID: put_int(out, (h & ST_HAS_PID) != 0, ev->pid); break;
    case ST_F_THREAD: put_uint(out, (h & ST_HAS_THREAD) != 0, ev->thread_id); break;
    case ST_F_ACTIVITY:
        put_uint(out, (h & ST_HAS_ACTIVITY) != 0, ev->activity_id);
        break;
    case ST_F_PARENT_ACTIVITY:
        put_uint(out, (h & ST_HAS_PARENT_ACT) != 0, ev->parent_activity_id);
        break;
    case ST_F_TRACE: put_uint(out, (h & ST_HAS_TRACE) != 0, ev->trace_id); break;
    case ST_F_USER: put_int(out, (h & ST_HAS_USER) != 0, ev->user_id); break;
    case ST_F_FORMAT_STRING: put_str(out, ev->format_string); break;
    case ST_F_PROCESS_UUID: put_str(out, ev->process_uuid); break;
    case ST_F_SENDER_UUID: put_str(out, ev->sender_uuid); break;
    case ST_F_BOOT_UUID: put_str(out, ev->boot_uuid); break;
    case ST_F_TIMESTAMP: put_int(out, (h & ST_HAS_TIME) != 0, ev->time_us); break;
    case ST_F_TTL: put_int(out, (h & ST_HAS_TTL) != 0, ev->ttl); break;
    case ST_F_SIGNPOST_ID:
        put_uint(out, (h & ST_HAS_SIGNPOST_ID) != 0, ev->signpost_id);
        break;
    case ST_F_SIGNPOST_NAME: put_str(out, ev->signpost_name); break;
    case ST_F_SIGNPOST_SCOPE: put_str(out, ev->signpost_scope); break;
    case ST_F_SIGNPOST_TYPE: put_str(out, ev->signpost_type); break;
    case ST_F_LINE: put_int(out, ev->line > 0, ev->line); break;
    case ST_F_SOURCE: /* known to the store, not to the event */
    case ST_F_NONE:
    case ST_F__COUNT:
    default:
        break;
    }
}
