/*
 * timeparse.c -- timestamp parsing and formatting without locale or libc
 * time calls on the hot path.  See timeparse.h.
 */
#include "timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days since the epoch for a civil date (Howard Hinnant's algorithm). */
int64_t st_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Civil date for days since the epoch. */
void st_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Reads exactly k decimal digits at p; returns -1 if any is not a digit. */
static int digits(const char *p, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        unsigned c = (unsigned char)p[i] - '0';
        if (c > 9)
            return -1;
        v = v * 10 + (int)c;
    }
    return v;
}

static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};

/* Parses a UTC offset "±HHMM", "±HH:MM" or "Z". */
size_t st_parse_offset(const char *p, size_t n, int32_t *off_min)
{
    if (n >= 1 && p[0] == 'Z') {
        *off_min = 0;
        return 1;
    }
    if (n < 5 || (p[0] != '+' && p[0] != '-'))
        return 0;
    int hh = digits(p + 1, 2), mm;
    size_t used;
    if (p[3] == ':') {
        if (n < 6)
            return 0;
        mm = digits(p + 4, 2);
        used = 6;
    } else {
        mm = digits(p + 3, 2);
        used = 5;
    }
    if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
        return 0;
    *off_min = (p[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return used;
}

/* Parses a log timestamp; see timeparse.h. */
size_t st_parse_timestamp(const char *p, size_t n, int64_t *local_us,
                          int *has_off, int32_t *off_min)
{
    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T')
        || p[13] != ':' || p[16] != ':')
        return 0;
    int y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
    int h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return 0;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    size_t i = 19;
    int64_t frac = 0;
    if (i < n && p[i] == '.') {
        int k = 0;
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (k < 6)
                frac = frac * 10 + (p[i] - '0');
            k++;
            i++;
        }
        if (k == 0)
            return 0;
        for (; k < 6; k++)
            frac *= 10;
    }
    /* consecutive records share their date: skip the calendar maths */
    static __thread int c_y, c_mo, c_d;
    static __thread int64_t c_days;
    if (y != c_y || mo != c_mo || d != c_d) {
        c_days = st_days_from_civil(y, mo, d);
        c_y = y;
        c_mo = mo;
        c_d = d;
    }
    *local_us = ((c_days * 86400 + h * 3600 + mi * 60 + s) * 1000000LL) +
                frac;
    *has_off = 0;
    size_t k = st_parse_offset(p + i, n - i, off_min);
    if (k) {
        *has_off = 1;
        i += k;
    }
    return i;
}

/* Splits UTC microseconds shifted by an offset into civil fields. */
static void split(int64_t utc_us, int32_t off_min, int *y, int *mo, int *d,
                  int *h, int *mi, int *s, int *us)
{
    int64_t t = utc_us + (int64_t)off_min * 60000000LL;
    int64_t secs = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
    *us = (int)(t - secs * 1000000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    st_civil_from_days(days, y, mo, d);
    *h = (int)(rem / 3600);
    *mi = (int)(rem / 60 % 60);
    *s = (int)(rem % 60);
}

/* Formats in log show's timestamp layout. */
int st_format_logshow(int64_t utc_us, int32_t off_min, char *buf, size_t n)
{
    int y, mo, d, h, mi, s, us;
    split(utc_us, off_min, &y, &mo, &d, &h, &mi, &s, &us);
    int a = off_min < 0 ? -off_min : off_min;
    return snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%06d%c%02d%02d", y,
                    mo, d, h, mi, s, us, off_min < 0 ? '-' : '+', a / 60,
                    a % 60);
}

/* Writes v as k zero-padded digits. */
static void put_digits(char *o, int v, int k)
{
    while (k-- > 0) {
        o[k] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Compares text with the canonical rendering, built without snprintf. */
int st_logshow_text_is_canonical(int64_t utc_us, int32_t off_min,
                                 const char *text, size_t n)
{
    if (n != 31)
        return 0;
    int y, mo, d, h, mi, s, us;
    split(utc_us, off_min, &y, &mo, &d, &h, &mi, &s, &us);
    if (y < 0 || y > 9999)
        return 0;
    char b[31];
    int a = off_min < 0 ? -off_min : off_min;
    put_digits(b, y, 4);
    b[4] = '-';
    put_digits(b + 5, mo, 2);
    b[7] = '-';
    put_digits(b + 8, d, 2);
    b[10] = ' ';
    put_digits(b + 11, h, 2);
    b[13] = ':';
    put_digits(b + 14, mi, 2);
    b[16] = ':';
    put_digits(b + 17, s, 2);
    b[19] = '.';
    put_digits(b + 20, us, 6);
    b[26] = off_min < 0 ? '-' : '+';
    put_digits(b + 27, a / 60, 2);
    put_digits(b + 29, a % 60, 2);
    return memcmp(b, text, 31) == 0;
}

/* Formats as ISO 8601 with a colon in the offset. */
int st_format_iso(int64_t utc_us, int32_t off_min, char *buf, size_t n)
{
    int y, mo, d, h, mi, s, us;
    split(utc_us, off_min, &y, &mo, &d, &h, &mi, &s, &us);
    int a = off_min < 0 ? -off_min : off_min;
    if (off_min == 0)
        return snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, mo,
                        d, h, mi, s, us);
    return snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d",
                    y, mo, d, h, mi, s, us, off_min < 0 ? '-' : '+', a / 60,
                    a % 60);
}

struct st_tz {
    char *spec;
    int fixed;
    int32_t fixed_off;
    int64_t cache_hour;       /* local hour number of the cached offset */
    int32_t cache_off;
};

/* Opens a zone; IANA names are checked against the tz database files so a
 * typo is an error, not a silent UTC. */
st_tz *st_tz_open(const char *spec, char *err, size_t errlen)
{
    st_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return NULL;
    tz->spec = strdup(spec);
    tz->cache_hour = INT64_MIN;
    int32_t off;
    size_t len = strlen(spec);
    if (strcmp(spec, "UTC") == 0 || strcmp(spec, "GMT") == 0 ||
        strcmp(spec, "Z") == 0) {
        tz->fixed = 1;
    } else if (len && st_parse_offset(spec, len, &off) == len) {
        tz->fixed = 1;
        tz->fixed_off = off;
    } else {
        char path[512];
        FILE *f = NULL;
        if (!strstr(spec, "..") && spec[0] != '/') {
            snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", spec);
            f = fopen(path, "rb");
        }
        char magic[4] = {0};
        if (!f || fread(magic, 1, 4, f) != 4 || memcmp(magic, "TZif", 4)) {
            if (f)
                fclose(f);
            snprintf(err, errlen,
                     "unknown time zone '%s' (use -0800, +05:30 or an IANA "
                     "name such as America/Los_Angeles)", spec);
            st_tz_close(tz);
            return NULL;
        }
        fclose(f);
    }
    return tz;
}

void st_tz_close(st_tz *tz)
{
    if (!tz)
        return;
    free(tz->spec);
    free(tz);
}

const char *st_tz_spec(const st_tz *tz) { return tz->spec; }

/* Offset in minutes for a wall-clock time in an IANA zone, via mktime with
 * TZ temporarily set (not thread-safe; ingest is single-threaded). */
static int32_t iana_offset(const char *zone, int64_t local_secs)
{
    char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", zone, 1);
    tzset();
    int y, mo, d;
    int64_t days = local_secs >= 0 ? local_secs / 86400
                                   : -((-local_secs + 86399) / 86400);
    int64_t rem = local_secs - days * 86400;
    st_civil_from_days(days, &y, &mo, &d);
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = (int)(rem / 3600);
    tm.tm_min = (int)(rem / 60 % 60);
    tm.tm_sec = (int)(rem % 60);
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    int32_t off = (int32_t)(tm.tm_gmtoff / 60);
    (void)t;
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    return off;
}

/* Converts local wall-clock microseconds in tz to UTC. */
int64_t st_tz_to_utc(st_tz *tz, int64_t local_us, int32_t *off_min)
{
    int32_t off = tz->fixed_off;
    if (!tz->fixed) {
        int64_t hour = local_us / 3600000000LL;
        if (hour != tz->cache_hour) {
            tz->cache_off = iana_offset(tz->spec, local_us / 1000000);
            tz->cache_hour = hour;
        }
        off = tz->cache_off;
    }
    *off_min = off;
    return local_us - (int64_t)off * 60000000LL;
}
