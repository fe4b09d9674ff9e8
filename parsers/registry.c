/*
 * registry.c -- the list of input formats and detection by content.
 * Adding a format: declare its st_parser here and list it in `all`.
 */
#include <stdio.h>
#include <string.h>
#include "parser.h"

extern const st_parser st_parser_logshow_default;
extern const st_parser st_parser_logshow_compact;
extern const st_parser st_parser_logshow_syslog;
extern const st_parser st_parser_logshow_ndjson;
extern const st_parser st_parser_logshow_json;
extern const st_parser st_parser_detached_signatures;
extern const st_parser st_parser_execpolicy;
extern const st_parser st_parser_systempolicy;
extern const st_parser st_parser_quarantine_events;
extern const st_parser st_parser_sqlite_unknown;
extern const st_parser st_parser_xattr_quarantine;
extern const st_parser st_parser_console_copy;
extern const st_parser st_parser_console_dated;
extern const st_parser st_parser_bsd_syslog;
extern const st_parser st_parser_crash_report;
extern const st_parser st_parser_ps;
extern const st_parser st_parser_taskinfo;
extern const st_parser st_parser_tracev3;

static const st_parser *const all[] = {
    &st_parser_logshow_default,
    &st_parser_logshow_compact,
    &st_parser_logshow_syslog,
    &st_parser_logshow_ndjson,
    &st_parser_logshow_json,
    &st_parser_detached_signatures,
    &st_parser_execpolicy,
    &st_parser_systempolicy,
    &st_parser_quarantine_events,
    &st_parser_sqlite_unknown,
    &st_parser_xattr_quarantine,
    &st_parser_console_copy,
    &st_parser_console_dated,
    &st_parser_bsd_syslog,
    &st_parser_crash_report,
    &st_parser_ps,
    &st_parser_taskinfo,
    &st_parser_tracev3,
    NULL,
};

/* Returns the NULL-terminated registry. */
const st_parser *const *st_parsers(void) { return all; }

/* Finds a parser by its stable name. */
const st_parser *st_parser_by_name(const char *name)
{
    for (int i = 0; all[i]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

/* Asks every bidder; the highest bid at or above ST_BID_MIN wins. */
const st_parser *st_parser_detect(const uint8_t *head, size_t n, int at_eof,
                                  int *confidence)
{
    const st_parser *best = NULL;
    int best_bid = ST_BID_MIN - 1;
    for (int i = 0; all[i]; i++) {
        int b = all[i]->bid(head, n, at_eof);
        if (b > best_bid) {
            best_bid = b;
            best = all[i];
        }
    }
    if (confidence)
        *confidence = best ? best_bid : 0;
    return best;
}

/* Formats a warning and passes it to the sink. */
void st_sink_warnf(st_sink *sink, int64_t line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (sink->warn)
        sink->warn(sink->ctx, line, msg);
}
