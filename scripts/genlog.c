/*
 * genlog.c -- writes N synthetic records as a `log show` export to stdout.
 * usage: genlog N [default|compact|syslog|ndjson|json]
 * The same N gives the same records in every style (see synth.h), so
 * benchmarks compare like with like.
 */
#include <stdlib.h>
#include "synth.h"
#include "timeparse.h"

/* Writes s as a JSON string body (the generator's text needs no escapes
 * beyond '/' which log escapes as \/). */
static void json_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '/')
            fputs("\\/", f);
        else
            fputc(*s, f);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: genlog N [default|compact|syslog|ndjson|json]\n");
        return 2;
    }
    long long n = atoll(argv[1]);
    const char *style = argc > 2 ? argv[2] : "default";
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    uint64_t st = 0x9e3779b97f4a7c15ULL;
    synth_rec r;
    char ts[40];
    if (!strcmp(style, "default"))
        puts("Timestamp                       Thread     Type        Activity"
             "             PID    TTL  ");
    else if (!strcmp(style, "compact"))
        puts("Timestamp               Ty Process[PID:TID]");
    else if (!strcmp(style, "syslog"))
        puts("Timestamp                       (process)[PID]    ");
    else if (!strcmp(style, "json"))
        fputs("[", stdout);
    long long cnt[4] = {0, 0, 0, 0};   /* Default Info Error Fault */
    for (long long i = 0; i < n; i++) {
        synth_next(&st, i, &r);
        cnt[r.type[0] == 'D' ? 0 : r.type[0] == 'I' ? 1 : r.type[0] == 'E'
                                                          ? 2 : 3]++;
        st_format_logshow(r.time_us, r.off_min, ts, sizeof ts);
        int same = !strcmp(r.process, r.sender);
        if (!strcmp(style, "default")) {
            char th[24], ac[24];
            snprintf(th, sizeof th, "0x%llx", (unsigned long long)r.thread);
            snprintf(ac, sizeof ac, "0x%llx", (unsigned long long)r.activity);
            printf("%s %-10s %-11s %-20s %-6lld %-4d %s: ", ts, th, r.type, ac,
                   (long long)r.pid, 0, r.process);
            if (!same)
                printf("(%s) ", r.sender);
            if (*r.subsystem)
                printf("[%s:%s] ", r.subsystem, r.category);
            puts(r.message);
        } else if (!strcmp(style, "compact")) {
            const char *ty = r.type[0] == 'D' ? "Df" : r.type[0] == 'I' ? "I "
                           : r.type[0] == 'E' ? "E " : "F ";
            printf("%.23s %s %s[%lld:%llx] ", ts, ty, r.process,
                   (long long)r.pid, (unsigned long long)r.thread);
            if (*r.subsystem)
                printf("[%s:%s] ", r.subsystem, r.category);
            else
                printf("(%s) ", r.sender);
            puts(r.message);
        } else if (!strcmp(style, "syslog")) {
            printf("%s  localhost %s[%lld]: ", ts, r.process, (long long)r.pid);
            if (!same)
                printf("(%s) ", r.sender);
            if (*r.subsystem)
                printf("[%s:%s] ", r.subsystem, r.category);
            puts(r.message);
        } else {
            int pretty = !strcmp(style, "json");
            const char *sep = pretty ? " : " : ":";
            if (pretty && i)
                fputs(",", stdout);
            printf("{\"timezoneName\"%s\"\",\"messageType\"%s\"%s\","
                   "\"eventType\"%s\"logEvent\",\"source\"%snull,"
                   "\"formatString\"%s\"%%{public}s\",\"userID\"%s0,"
                   "\"activityIdentifier\"%s%llu,\"subsystem\"%s\"%s\","
                   "\"category\"%s\"%s\",\"threadID\"%s%llu,"
                   "\"senderImageUUID\"%s\"6A15F302-EE0B-3EC6-B466-82B675870A4E\","
                   "\"bootUUID\"%s\"ED40187B-8B76-4555-B78A-E4E689E1EF47\","
                   "\"processImagePath\"%s\"/usr/libexec/", sep, sep, r.type,
                   sep, sep, sep, sep, sep, (unsigned long long)r.activity,
                   sep, r.subsystem, sep, r.category, sep,
                   (unsigned long long)r.thread, sep, sep, sep);
            json_str(stdout, r.process);
            printf("\",\"senderImagePath\"%s\"/System/Library/", sep);
            json_str(stdout, r.sender);
            printf("\",\"timestamp\"%s\"%s\",\"machTimestamp\"%s%lld,"
                   "\"eventMessage\"%s\"", sep, ts, sep,
                   (long long)(r.time_us * 24), sep);
            json_str(stdout, r.message);
            printf("\",\"processImageUUID\"%s\"6A15F302-EE0B-3EC6-B466-82B675870A4E\","
                   "\"traceID\"%s%llu,\"processID\"%s%lld,"
                   "\"senderProgramCounter\"%s366276,"
                   "\"parentActivityIdentifier\"%s0}", sep, sep,
                   (unsigned long long)(r.time_us * 1000 + 0x8000000000000000ULL),
                   sep, (long long)r.pid, sep, sep);
            fputs(pretty ? "" : "\n", stdout);
        }
    }
    if (!strcmp(style, "default") || !strcmp(style, "syslog")) {
        puts("-------------------------------------------------------------------"
             "-------------------------------------------------");
        printf("Log      - Default: %10lld, Info: %16lld, Debug: %13d, Error: "
               "%10lld, Fault: %10lld\n", cnt[0], cnt[1], 0, cnt[2], cnt[3]);
        printf("Activity - Create: %11d, Transition: %10d, Actions: %11d\n", 0,
               0, 0);
    }
    if (!strcmp(style, "json"))
        puts("]");
    if (!strcmp(style, "ndjson"))
        printf("{\"count\":%lld,\"finished\":1}\n", n);
    return 0;
}
