/*
 * db_quarantine.c -- LaunchServices QuarantineEventsV2
 * (~/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2,
 * CODESIGNING.md §3.5): one LSQuarantineEvent row per quarantined download
 * or attachment.  LSQuarantineTimeStamp is Mac absolute time (seconds since
 * 2001-01-01T00:00:00Z, unix = value + 978307200).
 *
 * Columns are read by name, so the older QuarantineEvents (V1) and other
 * layouts load; every column is kept in data_json under its own name.  Each
 * row becomes a "quarantine_event" record (uuid = event identifier, the key
 * the com.apple.quarantine xattr carries; bundle_id = the agent's) and a
 * "Quarantine" event.
 */
#include <stdio.h>
#include <string.h>

#include "sqlite_evidence.h"

/* Head bytes hold the table's CREATE statement. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    static const char *const all[] = {"LSQuarantineEvent", NULL};
    (void)at_eof;
    return st_secdb_bid_tables(head, n, all, NULL, 90);
}

/* Confirmed by the LSQuarantineEvent table. */
static int matches(st_secdb *db)
{
    return st_secdb_has_table(db, "LSQuarantineEvent");
}

/* Upper-cases a canonical UUID (36 chars, dashes at 8/13/18/23) into out;
 * returns 0 when s is not one (then the key keeps the stored text). */
static int canonical_uuid(st_str s, char out[37])
{
    if (!s.p || s.n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        char c = s.p[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || ((c | 32) >= 'a' &&
                                                 (c | 32) <= 'f'))) {
            return 0;
        }
        out[i] = (c >= 'a' && c <= 'f') ? (char)(c - 32) : c;
    }
    out[36] = 0;
    return 1;
}

typedef struct ctx {
    st_sink *sink;
    st_json j;
    int time_warned;
} ctx;

/* One LSQuarantineEvent row: record + event. */
static int one_row(void *vc, sqlite3_stmt *q, int64_t rowid, int has_rowid)
{
    ctx *c = vc;
    char locator[80], iso[40], uuid[37], msg[2048];
    snprintf(locator, sizeof locator, "table LSQuarantineEvent %s %lld",
             has_rowid ? "rowid" : "row", (long long)rowid);
    int c_id = st_secdb_col(q, "LSQuarantineEventIdentifier");
    int c_ts = st_secdb_col(q, "LSQuarantineTimeStamp");
    int c_bid = st_secdb_col(q, "LSQuarantineAgentBundleIdentifier");
    int c_agent = st_secdb_col(q, "LSQuarantineAgentName");
    int c_url = st_secdb_col(q, "LSQuarantineDataURLString");
    int c_origin = st_secdb_col(q, "LSQuarantineOriginURLString");
    int c_sender = st_secdb_col(q, "LSQuarantineSenderName");
    int c_saddr = st_secdb_col(q, "LSQuarantineSenderAddress");

    st_json *j = &c->j;
    st_json_reset(j);
    st_json_cstr(j, "table", "LSQuarantineEvent");
    int n = sqlite3_column_count(q);
    for (int i = has_rowid ? 1 : 0; i < n; i++)
        st_json_column(j, sqlite3_column_name(q, i), q, i);

    int64_t t_us = 0;
    int has_time = 0;
    st_str ts_text = ST_STR_NULL;
    if (c_ts >= 0 && sqlite3_column_type(q, c_ts) != SQLITE_NULL) {
        /* typed read first: column_type is undefined after conversion */
        int ty = sqlite3_column_type(q, c_ts);
        if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)
            has_time = st_time_mac_absolute(sqlite3_column_double(q, c_ts),
                                            &t_us);
        ts_text = st_secdb_text(q, c_ts);
        if (!has_time && !c->time_warned++)
            st_sink_warnf(c->sink, 0, "%s: LSQuarantineTimeStamp '%.*s' is "
                          "not Mac absolute time; such rows have no time",
                          locator, (int)(ts_text.n < 40 ? ts_text.n : 40),
                          ts_text.p);
    }
    if (has_time) {
        st_time_iso(t_us, iso, sizeof iso);
        st_json_cstr(j, "time_utc", iso);
    }
    st_str data = st_json_view(j);
    if (!data.p) {
        st_sink_warnf(c->sink, 0, "%s: out of memory", locator);
        return 1;
    }

    st_str id = st_secdb_text(q, c_id), agent = st_secdb_text(q, c_agent);
    st_str url = st_secdb_text(q, c_url), origin = st_secdb_text(q, c_origin);
    st_str sender = st_secdb_text(q, c_sender);
    st_str saddr = st_secdb_text(q, c_saddr);
    st_str bundle = st_secdb_text(q, c_bid);
    size_t k;
    if (url.p && url.n)
        k = (size_t)snprintf(msg, sizeof msg, "quarantined download from "
                             "%.*s", (int)(url.n < 1024 ? url.n : 1024),
                             url.p);
    else
        k = (size_t)snprintf(msg, sizeof msg, "quarantine event %.*s",
                             (int)(id.p ? (id.n < 64 ? id.n : 64) : 0),
                             id.p ? id.p : "");
    st_str by = agent.p && agent.n ? agent : bundle;
    if (by.p && by.n && k < sizeof msg)
        k += (size_t)snprintf(msg + k, sizeof msg - k, " by %.*s",
                              (int)(by.n < 128 ? by.n : 128), by.p);
    if ((sender.p && sender.n) || (saddr.p && saddr.n))
        if (k < sizeof msg)
            k += (size_t)snprintf(msg + k, sizeof msg - k, ", sent by "
                                  "%.*s%s%.*s%s",
                                  (int)(sender.p ? sender.n : 0),
                                  sender.p ? sender.p : "",
                                  sender.n && saddr.n ? " <" : "",
                                  (int)(saddr.p ? saddr.n : 0),
                                  saddr.p ? saddr.p : "",
                                  sender.n && saddr.n ? ">" : "");
    if (origin.p && origin.n && k < sizeof msg &&
        !(url.p && url.n == origin.n && memcmp(url.p, origin.p, url.n) == 0))
        snprintf(msg + k, sizeof msg - k, " (origin %.*s)",
                 (int)(origin.n < 600 ? origin.n : 600), origin.p);

    st_secdb_item it;
    memset(&it, 0, sizeof it);
    it.rec.kind = "quarantine_event";
    it.rec.locator = st_cstr(locator);
    it.rec.has_time = has_time;
    it.rec.time_us = t_us;
    it.rec.uuid = canonical_uuid(id, uuid) ? st_cstr(uuid) : id;
    it.rec.bundle_id = bundle;
    it.rec.data_json = data;
    it.type = "Quarantine";
    it.event_type = "quarantineEvent";
    it.process = agent;
    it.message = st_cstr(msg);
    it.time_text = ts_text;
    return st_secdb_emit(c->sink, &it);
}

/* Reads every LSQuarantineEvent row in rowid order. */
static int read_db(st_secdb *db, st_sink *sink, char *err, size_t errlen)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.sink = sink;
    st_json_init(&c.j);
    int rc = st_secdb_each_row(db, "LSQuarantineEvent", one_row, &c, err,
                               errlen);
    st_json_free(&c.j);
    return rc;
}

const st_secdb_format st_secdb_quarantine_events = {
    "quarantine-events", "a QuarantineEvents database", matches, read_db};

/* The st_parser read: evidence-safe open, then read_db. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    return st_secdb_run(in, sink, &st_secdb_quarantine_events, err, errlen);
}

const st_parser st_parser_quarantine_events = {
    "quarantine-events", "1.0",
    "macOS LaunchServices QuarantineEventsV2 database (LSQuarantineEvent: "
    "downloads, agents, URLs)",
    bid, read_input};
