/*
 * gen_textlogs.c -- writes N synthetic records to stdout in one of the text
 * layouts that are not `log show` (docs/textlogs.md), for the benchmark
 * (scripts/bench-textlogs) and for large-input tests.
 *
 * usage: gen_textlogs N copy|dated|syslog|asl
 *   copy    Console.app copy: type<TAB>time<TAB>process<TAB>message (ingest
 *           with --date 2024-11-20)
 *   dated   Console.app copy with dates: 20/11/2024 02:53:20.000 proc[pid]:
 *   syslog  system.log: Nov 20 02:53:20 host proc[pid]: msg, opened by a
 *           BOOT_TIME line so no --year is needed
 *   asl     iOS syslog relay: Nov 20 02:53:20 host proc(sender)[pid]
 *           <Level>: msg (ingest with --year 2024)
 * The records are scripts/synth.h's, so N gives the same records as
 * `genlog N`; every 64th record carries a two-line continuation, as real
 * multi-line messages do.  Times are written in UTC-0800.
 */
#include <stdlib.h>
#include "synth.h"
#include "timeparse.h"

/* Writes the continuation lines some records carry. */
static void continuation(long long i)
{
    if (i % 64 == 63)
        fputs("    HighFrequency = 1;\n} state:0x1 events:0\n", stdout);
}

/* ASL level for a log show type. */
static const char *level_of(const char *type)
{
    return type[0] == 'D' ? "Notice" : type[0] == 'I' ? "Info"
         : type[0] == 'E' ? "Error" : "Critical";
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_textlogs N copy|dated|syslog|asl\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    const char *form = argv[2];
    if (strcmp(form, "copy") && strcmp(form, "dated") &&
        strcmp(form, "syslog") && strcmp(form, "asl")) {
        fprintf(stderr, "gen_textlogs: unknown layout '%s'\n", form);
        return 2;
    }
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    synth_rec r;
    for (long long i = 0; i < n; i++) {
        synth_next(&st, i, &r);
        int64_t local = r.time_us + (int64_t)r.off_min * 60000000LL;
        int64_t days = local / 86400000000LL, us = local % 86400000000LL;
        int y, m, d;
        st_civil_from_days(days, &y, &m, &d);
        int hh = (int)(us / 3600000000LL), mm = (int)(us / 60000000 % 60);
        int ss = (int)(us / 1000000 % 60), frac = (int)(us % 1000000);
        if (i == 0 && !strcmp(form, "syslog"))
            /* the line that tells the reader the year */
            printf("%.3s %2d %02d:%02d:%02d localhost bootlog[0]: BOOT_TIME "
                   "%lld 0\n", mon + 3 * (m - 1), d, hh, mm, ss,
                   (long long)(r.time_us / 1000000));
        if (!strcmp(form, "copy")) {
            char t[8];
            snprintf(t, sizeof t, "%s", r.type);
            t[0] = (char)(t[0] | 32);
            printf("%s\t%02d:%02d:%02d.%06d%+03d%02d\t%s\t%s\n", t, hh, mm,
                   ss, frac, r.off_min / 60, abs(r.off_min) % 60, r.process,
                   r.message);
        } else if (!strcmp(form, "dated")) {
            printf("%02d/%02d/%04d %02d:%02d:%02d.%03d %s[%lld]: %s\n", d, m,
                   y, hh, mm, ss, frac / 1000, r.process, (long long)r.pid,
                   r.message);
        } else if (!strcmp(form, "syslog")) {
            printf("%.3s %2d %02d:%02d:%02d Anas-MacBook-Pro %s[%lld]: %s\n",
                   mon + 3 * (m - 1), d, hh, mm, ss, r.process,
                   (long long)r.pid, r.message);
        } else {
            int same = !strcmp(r.process, r.sender);
            printf("%.3s %2d %02d:%02d:%02d iPhone %s%s%s%s[%lld] <%s>: %s\n",
                   mon + 3 * (m - 1), d, hh, mm, ss, r.process,
                   same ? "" : "(", same ? "" : r.sender, same ? "" : ")",
                   (long long)r.pid, level_of(r.type), r.message);
        }
        continuation(i);
    }
    return 0;
}
