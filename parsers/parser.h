/*
 * parser.h -- the contract between input formats and the rest of sigtrail.
 *
 * Like libarchive's format readers, each format registers a *bid* (how sure
 * am I that these leading bytes are mine, 0..100) and a *read* (turn the
 * stream into events).  Detection by content is one loop over the bidders
 * (st_parser_detect); file names are never consulted.
 *
 * Parsers know nothing of SQLite or rules: they push events, warnings and
 * notes into a st_sink.  They never stop on bad records: a line that fits no
 * layout is emitted as an event of type "Unparsed" with its raw text.
 */
#ifndef ST_PARSER_H
#define ST_PARSER_H

#include <stdarg.h>
#include "event.h"
#include "input.h"

/* Options some formats need (zone of compact timestamps, missing dates). */
typedef struct st_parse_opts {
    const char *tz;          /* --tz: "-0800", "+05:30", or an IANA name */
    const char *date;        /* --date YYYY-MM-DD for date-less formats */
    int year;                /* --year for syslog-style lines, 0 = unset */
    int date_order;          /* 0 unset, 'd' = day/month, 'm' = month/day */
} st_parse_opts;

/*
 * A non-log fact the rules can look up (a quarantine record, a detached
 * signature, a process listed in ps.txt ...).  Lookup keys are optional
 * views; everything else goes in data_json (a JSON object).  A record that
 * also belongs on the timeline is emitted as an event too, with the same
 * locator.
 */
typedef struct st_record {
    const char *kind;        /* stable id: "quarantine_event",
                                "detached_signature", ... */
    st_str locator;          /* "LSQuarantineEvent rowid 12" */
    int has_time;
    int64_t time_us;         /* UTC microseconds */
    st_str path, uuid, bundle_id, cdhash, team_id, identifier;
    st_str data_json;
} st_record;

typedef struct st_sink {
    void *ctx;
    /* Takes one event; returns 0, or non-zero to make the parser stop. */
    int (*event)(void *ctx, const st_event *ev);
    /* A counted warning about the input at `line` (0 = whole input). */
    void (*warn)(void *ctx, int64_t line, const char *msg);
    /* A fact about the input worth keeping with the source (key = value),
     * e.g. "style" = "default", "tz_assumed" = "UTC". */
    void (*note)(void *ctx, const char *key, const char *value);
    /* Takes one lookup record; returns 0, or non-zero to stop. */
    int (*record)(void *ctx, const st_record *rec);
    /* A companion file read with the input (an SQLite -wal or -shm):
     * recorded as its own source with its hash, under this input. */
    void (*companion)(void *ctx, const char *path, const char *sha256,
                      int64_t size);
} st_sink;

/* Result of a parser's read. */
enum {
    ST_READ_OK = 0,          /* read to the end */
    ST_READ_STOPPED = 1,     /* the sink asked to stop */
    ST_READ_INPUT_ERROR = 2, /* I/O or decompression error mid-stream */
    ST_READ_REJECTED = 3,    /* not this format after all / unusable */
};

typedef struct st_parser {
    const char *name;        /* stable id stored in sources.format */
    const char *version;     /* parser version stored with each source */
    const char *summary;     /* one line for `sigtrail formats` */
    /* Confidence 0..100 that head[0..n) starts an input of this format;
     * at_eof says the whole input fits in head. */
    int (*bid)(const uint8_t *head, size_t n, int at_eof);
    int (*read)(st_input *in, const st_parse_opts *opts, st_sink *sink,
                char *err, size_t errlen);
} st_parser;

/* NULL-terminated list of every registered parser. */
const st_parser *const *st_parsers(void);
const st_parser *st_parser_by_name(const char *name);
/* The most confident bidder (ties: registration order), or NULL when no
 * bidder reaches ST_BID_MIN; *confidence receives its bid. */
const st_parser *st_parser_detect(const uint8_t *head, size_t n, int at_eof,
                                  int *confidence);
#define ST_BID_MIN 20

/* Formats a warning and hands it to the sink. */
void st_sink_warnf(st_sink *sink, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
