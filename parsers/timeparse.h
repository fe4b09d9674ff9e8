/*
 * timeparse.h -- timestamps as they appear in macOS logs, to UTC microseconds.
 *
 * Contract: pure functions over (pointer, length) text; no allocation except
 * in st_tz_open.  Years 1..9999.  An IANA zone is resolved through the C
 * library's tz database (tzdata) with a per-hour cache, so per-record cost is
 * a table lookup.
 */
#ifndef ST_TIMEPARSE_H
#define ST_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t st_days_from_civil(int y, int m, int d);
/* Inverse of st_days_from_civil. */
void st_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Parses "YYYY-MM-DD HH:MM:SS", an optional fraction of 1 to 9 digits and
 * an optional offset (+HHMM, +HH:MM or Z); 'T' is accepted for the space.  On success returns the number of bytes consumed, sets *local_us
 * to the wall-clock time read as if it were UTC, and *has_off and *off_min to
 * the offset when one was written.  Returns 0 when the text does not start
 * with such a timestamp. */
size_t st_parse_timestamp(const char *p, size_t n, int64_t *local_us,
                          int *has_off, int32_t *off_min);

/* Parses an offset "+HHMM", "-HH:MM" or "Z"; returns bytes consumed or 0. */
size_t st_parse_offset(const char *p, size_t n, int32_t *off_min);

/* Formats UTC microseconds as "YYYY-MM-DD HH:MM:SS.ffffff±HHMM" in the given
 * offset (log show's layout); buf needs 32 bytes.  Returns the length. */
int st_format_logshow(int64_t utc_us, int32_t off_min, char *buf, size_t n);
/* True when text is exactly what st_format_logshow would write for
 * (utc_us, off_min); cheap enough to call per record. */
int st_logshow_text_is_canonical(int64_t utc_us, int32_t off_min,
                                 const char *text, size_t n);
/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM" ("Z" for UTC); buf needs
 * 33 bytes. */
int st_format_iso(int64_t utc_us, int32_t off_min, char *buf, size_t n);

/* A time zone given by the user: a fixed offset or an IANA name. */
typedef struct st_tz st_tz;
/* Opens "-0800", "+05:30", "UTC", "Z" or an IANA name ("America/Los_Angeles").
 * Returns NULL with a message when the zone is unknown. */
st_tz *st_tz_open(const char *spec, char *err, size_t errlen);
void st_tz_close(st_tz *tz);
/* Converts a wall-clock time in tz to UTC; *off_min receives the offset used.
 * In a repeated hour (DST fall-back) the first occurrence is chosen. */
int64_t st_tz_to_utc(st_tz *tz, int64_t local_us, int32_t *off_min);
const char *st_tz_spec(const st_tz *tz);

#endif
