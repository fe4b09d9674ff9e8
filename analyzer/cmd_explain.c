/*
 * cmd_explain.c -- `sigtrail explain CASE.db`: each finding as an analyst's
 * note (text) or one JSON object per line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jsonw.h"
#include "opts.h"
#include "store.h"
#include "store_read.h"
#include "timeparse.h"

static void help(void)
{
    printf("usage: sigtrail explain [OPTIONS] CASE.db\n\n"
           "Prints the findings stored by `sigtrail analyze`: the subject, "
           "the\nverdict, the errors by name with who reported them, each "
           "reason with\nthe evidence lines behind it (source file and line,"
           " or table and row),\nand what would have changed the outcome.\n\n"
           "Options:\n"
           "  --subject PATH    only findings whose subject path contains "
           "PATH\n"
           "  --rule ID         only this rule's findings\n"
           "  --verdict V       only this verdict (tolerated, blocked, ...)\n"
           "  --format text|json  json: one object per line\n"
           "  -h, --help        this help\n\n"
           "Exit status: 0 findings printed; 1 no finding matched; 2 error."
           "\n");
}

typedef struct evrow {
    int ord;
    char *role, *source, *process, *message, *locator;
    int64_t line, time_us, pid, event_id, record_id;
    int has_time, has_pid, has_line;
    int32_t off;
} evrow;

static char *col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? strdup((const char *)s) : NULL;
}

/* Loads the evidence rows of a finding. */
static int load_evidence(st_store *st, int64_t fid, evrow **out)
{
    sqlite3_stmt *q;
    *out = NULL;
    if (sqlite3_prepare_v2(st_store_db(st),
            "SELECT fe.ord, fe.role, coalesce(s.path || iif(s.member IS NULL,"
            " '', ':' || s.member), ''), fe.process, fe.message, fe.locator, "
            "fe.line, fe.time_us, fe.pid, fe.event_id, fe.record_id, "
            "fe.utc_offset_min FROM finding_evidence fe LEFT JOIN sources s "
            "ON s.id = fe.source_id WHERE fe.finding_id = ? ORDER BY fe.ord",
            -1, &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(q, 1, fid);
    int n = 0, cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            evrow *nr = realloc(*out, sizeof *nr * (size_t)cap);
            if (!nr)
                break;
            *out = nr;
        }
        evrow *r = &(*out)[n++];
        memset(r, 0, sizeof *r);
        r->ord = sqlite3_column_int(q, 0);
        r->role = col_dup(q, 1);
        r->source = col_dup(q, 2);
        r->process = col_dup(q, 3);
        r->message = col_dup(q, 4);
        r->locator = col_dup(q, 5);
        r->has_line = sqlite3_column_type(q, 6) != SQLITE_NULL;
        r->line = sqlite3_column_int64(q, 6);
        r->has_time = sqlite3_column_type(q, 7) != SQLITE_NULL;
        r->time_us = sqlite3_column_int64(q, 7);
        r->has_pid = sqlite3_column_type(q, 8) != SQLITE_NULL;
        r->pid = sqlite3_column_int64(q, 8);
        r->event_id = sqlite3_column_int64(q, 9);
        r->record_id = sqlite3_column_int64(q, 10);
        r->off = sqlite3_column_int(q, 11);
    }
    sqlite3_finalize(q);
    return n;
}

static void free_evidence(evrow *e, int n)
{
    for (int i = 0; i < n; i++) {
        free(e[i].role);
        free(e[i].source);
        free(e[i].process);
        free(e[i].message);
        free(e[i].locator);
    }
    free(e);
}

/* One evidence line: "source:line  time  process[pid]: message". */
static void print_evidence_line(const evrow *r, const char *indent)
{
    char t[40] = "";
    if (r->has_time)
        st_format_logshow(r->time_us, r->off, t, sizeof t);
    printf("%s%s:", indent, r->source && *r->source ? r->source : "(case)");
    if (r->has_line)
        printf("%lld", (long long)r->line);
    else
        printf("%s", r->locator ? r->locator : "?");
    printf("  %s  %s", t, r->process ? r->process : "");
    if (r->has_pid)
        printf("[%lld]", (long long)r->pid);
    const char *m = r->message ? r->message : "";
    const char *nl = strchr(m, '\n');
    printf("%s %.*s%s\n", r->process ? ":" : "", (int)(nl ? nl - m : (long)strlen(m)), m,
           nl ? " …" : "");
}

/* Prints the ordinals listed in a JSON array like [0,3,4] as lines. */
static void print_refs(const char *arr, const evrow *ev, int nev,
                       const char *indent)
{
    for (const char *p = arr; p && *p; p++) {
        if (*p < '0' || *p > '9')
            continue;
        int ord = (int)strtol(p, (char **)&p, 10);
        for (int i = 0; i < nev; i++)
            if (ev[i].ord == ord)
                print_evidence_line(&ev[i], indent);
        if (!*p)
            break;
    }
}

int cmd_explain(int argc, char **argv)
{
    static const struct option lo[] = {
        {"subject", required_argument, NULL, 's'},
        {"rule", required_argument, NULL, 'r'},
        {"verdict", required_argument, NULL, 'v'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *subject = NULL, *rule = NULL, *verdict = NULL;
    int json = 0, c;
    st_opts_reset();
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': subject = optarg; break;
        case 'r': rule = optarg; break;
        case 'v': verdict = optarg; break;
        case 'f':
            if (!strcmp(optarg, "json")) json = 1;
            else if (strcmp(optarg, "text"))
                return st_usage_error("explain", "--format is text or json");
            break;
        case 'h': help(); return ST_EXIT_OK;
        default: return st_usage_error("explain", "bad option");
        }
    }
    if (argc - optind != 1)
        return st_usage_error("explain", "needs one case file");
    st_store *st;
    char err[512];
    if (st_store_open(&st, argv[optind], ST_STORE_READONLY, err,
                      sizeof err) < 0) {
        st_error("explain", "%s", err);
        return ST_EXIT_ERROR;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st_store_db(st),
            "SELECT f.id, f.rule_id, f.rule_version, f.level, f.verdict, "
            "f.subject_path, f.pid, f.bundle_id, f.uuid, f.reasons, f.codes, "
            "f.notes, f.explanation, f.first_us, f.last_us, "
            "(SELECT group_concat(value->>'id', ',') FROM "
            "json_each(f.reasons)), (SELECT json_group_array(value->>'code') "
            "FROM json_each(f.codes)) FROM findings f WHERE "
            "(?1 IS NULL OR instr(f.subject_path, ?1) > 0) AND "
            "(?2 IS NULL OR f.rule_id = ?2) AND (?3 IS NULL OR f.verdict = ?3)"
            " ORDER BY f.first_us, f.id", -1, &q, NULL) != SQLITE_OK) {
        st_error("explain", "%s (run `sigtrail analyze` first?)",
                 sqlite3_errmsg(st_store_db(st)));
        st_store_close(st);
        return ST_EXIT_ERROR;
    }
    if (subject) sqlite3_bind_text(q, 1, subject, -1, SQLITE_STATIC);
    if (rule) sqlite3_bind_text(q, 2, rule, -1, SQLITE_STATIC);
    if (verdict) sqlite3_bind_text(q, 3, verdict, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        n++;
        int64_t fid = sqlite3_column_int64(q, 0);
#define T(i) ((const char *)sqlite3_column_text(q, i))
        evrow *ev;
        int nev = load_evidence(st, fid, &ev);
        if (json) {
            printf("{\"finding\":%lld,\"rule\":", (long long)fid);
            st_json_fcstr(stdout, T(1));
            printf(",\"rule_version\":%d,\"level\":", sqlite3_column_int(q, 2));
            st_json_fcstr(stdout, T(3));
            printf(",\"verdict\":");
            st_json_fcstr(stdout, T(4));
            printf(",\"subject_path\":");
            st_json_fcstr(stdout, T(5));
            if (sqlite3_column_type(q, 6) != SQLITE_NULL)
                printf(",\"pid\":%lld", (long long)sqlite3_column_int64(q, 6));
            else
                printf(",\"pid\":null");
            printf(",\"bundle_id\":");
            st_json_fcstr(stdout, T(7));
            printf(",\"uuid\":");
            st_json_fcstr(stdout, T(8));
            printf(",\"codes\":%s,\"code_details\":%s,\"reasons\":[",
                   T(16) ? T(16) : "[]", T(10) ? T(10) : "[]");
            const char *ids = T(15);
            for (const char *p = ids; p && *p;) {
                const char *e = strchr(p, ',');
                size_t k = e ? (size_t)(e - p) : strlen(p);
                if (p != ids)
                    printf(",");
                st_json_fstr(stdout, p, k);
                p = e ? e + 1 : p + k;
            }
            printf("],\"reason_details\":%s,\"notes\":%s,\"explanation\":",
                   T(9) ? T(9) : "[]", T(11) ? T(11) : "[]");
            st_json_fcstr(stdout, T(12));
            printf(",\"evidence\":[");
            for (int i = 0; i < nev; i++) {
                char t[40] = "";
                if (ev[i].has_time)
                    st_format_logshow(ev[i].time_us, ev[i].off, t, sizeof t);
                printf("%s{\"ord\":%d,\"role\":", i ? "," : "", ev[i].ord);
                st_json_fcstr(stdout, ev[i].role);
                printf(",\"source\":");
                st_json_fcstr(stdout, ev[i].source);
                if (ev[i].has_line)
                    printf(",\"line\":%lld", (long long)ev[i].line);
                else
                    printf(",\"line\":null");
                printf(",\"locator\":");
                st_json_fcstr(stdout, ev[i].locator);
                printf(",\"time\":");
                st_json_fcstr(stdout, ev[i].has_time ? t : NULL);
                printf(",\"process\":");
                st_json_fcstr(stdout, ev[i].process);
                printf(",\"message\":");
                st_json_fcstr(stdout, ev[i].message);
                if (ev[i].event_id)
                    printf(",\"event_id\":%lld", (long long)ev[i].event_id);
                if (ev[i].record_id)
                    printf(",\"record_id\":%lld", (long long)ev[i].record_id);
                printf("}");
            }
            printf("]}\n");
        } else {
            char a[40], b[40];
            st_format_iso(sqlite3_column_int64(q, 13), 0, a, sizeof a);
            st_format_iso(sqlite3_column_int64(q, 14), 0, b, sizeof b);
            printf("%s[%lld] %s: %s", n > 1 ? "\n" : "", (long long)fid,
                   T(4), T(5) && *T(5) ? T(5) : "(no path)");
            if (sqlite3_column_type(q, 6) != SQLITE_NULL)
                printf(" (pid %lld)", (long long)sqlite3_column_int64(q, 6));
            if (T(7) && *T(7))
                printf(" %s", T(7));
            printf("\n    rule %s v%d (%s), %s .. %s\n", T(1),
                   sqlite3_column_int(q, 2), T(3), a, b);
            printf("    %s\n", T(12) ? T(12) : "");
            /* reasons with their evidence */
            sqlite3_stmt *rq;
            if (sqlite3_prepare_v2(st_store_db(st), "SELECT value->>'id', "
                    "value->>'text', value->>'evidence' FROM json_each(?)",
                    -1, &rq, NULL) == SQLITE_OK) {
                sqlite3_bind_text(rq, 1, T(9) ? T(9) : "[]", -1,
                                  SQLITE_TRANSIENT);
                int first = 1;
                while (sqlite3_step(rq) == SQLITE_ROW) {
                    if (first)
                        printf("    Why:\n");
                    first = 0;
                    printf("      - %s: %s\n", sqlite3_column_text(rq, 0),
                           sqlite3_column_text(rq, 1));
                    print_refs((const char *)sqlite3_column_text(rq, 2), ev,
                               nev, "          ");
                }
                sqlite3_finalize(rq);
            }
            if (T(11) && strcmp(T(11), "[]")) {
                sqlite3_stmt *nq;
                if (sqlite3_prepare_v2(st_store_db(st), "SELECT value FROM "
                        "json_each(?)", -1, &nq, NULL) == SQLITE_OK) {
                    sqlite3_bind_text(nq, 1, T(11), -1, SQLITE_TRANSIENT);
                    printf("    Notes:\n");
                    while (sqlite3_step(nq) == SQLITE_ROW)
                        printf("      - %s\n", sqlite3_column_text(nq, 0));
                    sqlite3_finalize(nq);
                }
            }
            printf("    Evidence (%d):\n", nev);
            for (int i = 0; i < nev; i++) {
                printf("      %-10s", ev[i].role ? ev[i].role : "");
                print_evidence_line(&ev[i], " ");
            }
        }
#undef T
        free_evidence(ev, nev > 0 ? nev : 0);
    }
    sqlite3_finalize(q);
    st_store_close(st);
    return n ? ST_EXIT_OK : ST_EXIT_NONE;
}
