/*
 * test_sysdiag_parsers.c -- the sysdiagnose parsers driven through
 * in-memory inputs: crash reports (.ips JSON, .ips with a text body, .crash
 * text; bids against the log parsers; damaged reports) and the process
 * listings (ps.txt column layouts and paths with spaces, taskinfo blocks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parser.h"

extern const st_parser st_parser_crash_report, st_parser_ps,
    st_parser_taskinfo;

/* ---- a sink that keeps copies ------------------------------------------- */

typedef struct kev {
    char *type, *event_type, *process, *path, *uuid, *message, *time_text;
    int64_t time_us, pid, user;
    int32_t off;
    unsigned has;
} kev;

typedef struct krec {
    char *kind, *path, *uuid, *bundle, *ident, *team, *data, *locator;
    int has_time;
    int64_t time_us;
} krec;

typedef struct coll {
    kev ev[64];
    krec rec[64];
    int nev, nrec, nwarn, nunparsed;
    char warn[8][300];
} coll;

/* NUL-terminated copy of a view; NULL stays NULL. */
static char *dup_view(st_str v)
{
    if (!v.p)
        return NULL;
    char *s = malloc(v.n + 1);
    memcpy(s, v.p, v.n);
    s[v.n] = 0;
    return s;
}

/* Sink: keeps the event's fields. */
static int c_event(void *ctx, const st_event *e)
{
    coll *c = ctx;
    if (e->type.p && e->type.n == 8 && !memcmp(e->type.p, "Unparsed", 8))
        c->nunparsed++;
    if (c->nev == 64)
        return 1;
    kev *k = &c->ev[c->nev++];
    k->type = dup_view(e->type);
    k->event_type = dup_view(e->event_type);
    k->process = dup_view(e->process);
    k->path = dup_view(e->process_path);
    k->uuid = dup_view(e->process_uuid);
    k->message = dup_view(e->message);
    k->time_text = dup_view(e->time_text);
    k->time_us = e->time_us;
    k->off = e->utc_offset_min;
    k->pid = e->pid;
    k->user = e->user_id;
    k->has = e->has;
    return 0;
}

/* Sink: keeps the record's keys and data. */
static int c_record(void *ctx, const st_record *r)
{
    coll *c = ctx;
    if (c->nrec == 64)
        return 1;
    krec *k = &c->rec[c->nrec++];
    k->kind = strdup(r->kind);
    k->path = dup_view(r->path);
    k->uuid = dup_view(r->uuid);
    k->bundle = dup_view(r->bundle_id);
    k->ident = dup_view(r->identifier);
    k->team = dup_view(r->team_id);
    k->data = dup_view(r->data_json);
    k->locator = dup_view(r->locator);
    k->has_time = r->has_time;
    k->time_us = r->time_us;
    return 0;
}

/* Sink: counts warnings, keeps the first few. */
static void c_warn(void *ctx, int64_t line, const char *msg)
{
    coll *c = ctx;
    (void)line;
    if (c->nwarn < 8)
        snprintf(c->warn[c->nwarn], sizeof c->warn[0], "%s", msg);
    c->nwarn++;
}

/* Sink: notes are not checked here. */
static void c_note(void *ctx, const char *k, const char *v)
{
    (void)ctx, (void)k, (void)v;
}

/* Frees what the collector copied. */
static void coll_free(coll *c)
{
    for (int i = 0; i < c->nev; i++) {
        kev *k = &c->ev[i];
        free(k->type), free(k->event_type), free(k->process), free(k->path);
        free(k->uuid), free(k->message), free(k->time_text);
    }
    for (int i = 0; i < c->nrec; i++) {
        krec *k = &c->rec[i];
        free(k->kind), free(k->path), free(k->uuid), free(k->bundle);
        free(k->ident), free(k->team), free(k->data), free(k->locator);
    }
    memset(c, 0, sizeof *c);
}

/* Runs parser p over text into c; returns the read result. */
static int run(const st_parser *p, const char *text, coll *c, char *err,
               size_t errlen)
{
    memset(c, 0, sizeof *c);
    st_input *in;
    st_input_open_mem(&in, text, strlen(text), "test");
    st_sink sink = {c, c_event, c_warn, c_note, c_record, NULL};
    st_parse_opts o;
    memset(&o, 0, sizeof o);
    err[0] = 0;
    int rc = p->read(in, &o, &sink, err, errlen);
    st_input_close(in);
    return rc;
}

/* The bid of p on a C string taken as the whole input. */
static int bid_of(const st_parser *p, const char *text)
{
    return p->bid((const uint8_t *)text, strlen(text), 1);
}

/* The parser detection picks for a C string. */
static const char *winner(const char *text)
{
    const st_parser *p =
        st_parser_detect((const uint8_t *)text, strlen(text), 1, NULL);
    return p ? p->name : "(none)";
}

/* ---- crash reports ------------------------------------------------------ */

static const char ips_json[] =
    "{\"app_name\":\"DelightEd\",\"timestamp\":\"2026-11-20 10:00:12.00 "
    "-0800\","
    "\"app_version\":\"3.2.1\",\"slice_uuid\":\"5e1f7a3c-9b2d-3c4e-8f61-"
    "2a7b9c0d4e15\",\"build_version\":\"321\",\"platform\":1,\"bundleID\":"
    "\"com.delighted.DelightEd\",\"bug_type\":\"309\",\"os_version\":\"macOS "
    "15.6 (24G84)\",\"name\":\"DelightEd\",\"incident_id\":\"3B8C1E52-7D4A-"
    "4F0B-9C6E-1A2B3C4D5E6F\"}\n"
    "{\n"
    "  \"uptime\" : 41000,\n"
    "  \"userID\" : 501,\n"
    "  \"captureTime\" : \"2026-11-20 10:00:12.3312 -0800\",\n"
    "  \"incident\" : \"3B8C1E52-7D4A-4F0B-9C6E-1A2B3C4D5E6F\",\n"
    "  \"pid\" : 2741,\n"
    "  \"procLaunch\" : \"2026-11-20 10:00:12.3189 -0800\",\n"
    "  \"procName\" : \"DelightEd\",\n"
    "  \"procPath\" : \"\\/Users\\/ana\\/Desktop\\/copy\\/DelightEd.app\\/"
    "Contents\\/MacOS\\/DelightEd\",\n"
    "  \"bundleInfo\" : {\"CFBundleShortVersionString\":\"3.2.1\","
    "\"CFBundleVersion\":\"321\",\"CFBundleIdentifier\":"
    "\"com.delighted.DelightEd\"},\n"
    "  \"parentProc\" : \"launchd\",\n"
    "  \"codeSigningID\" : \"com.delighted.DelightEd\",\n"
    "  \"codeSigningTeamID\" : \"7KQ2M9XH4D\",\n"
    "  \"codeSigningFlags\" : 570503953,\n"
    "  \"exception\" : {\"codes\":\"0x0000000000000032, 0x0000000104a6c000\","
    "\"type\":\"EXC_BAD_ACCESS\",\"signal\":\"SIGKILL (Code Signature "
    "Invalid)\",\"subtype\":\"UNKNOWN_0x32 at 0x0000000104a6c000\"},\n"
    "  \"termination\" : {\"flags\":0,\"code\":1,\"namespace\":"
    "\"CODESIGNING\",\"indicator\":\"Invalid Page\"},\n"
    "  \"threads\" : [{\"triggered\":true,\"frames\":[{\"imageOffset\":1}]"
    "}],\n"
    "  \"usedImages\" : [{\"uuid\":\"5e1f7a3c-9b2d-3c4e-8f61-2a7b9c0d4e15\","
    "\"path\":\"\\/Users\\/ana\\/Desktop\\/copy\\/DelightEd.app\\/Contents\\/"
    "MacOS\\/DelightEd\",\"name\":\"DelightEd\"}]\n"
    "}\n";

TEST(ips_json_bid_beats_ndjson)
{
    /* the header line is one JSON object with "timestamp": ndjson bids too */
    CHECK_INT(bid_of(&st_parser_crash_report, ips_json), 95);
    CHECK_STR(winner(ips_json), "crash-report");
}

TEST(ips_json_event_and_record)
{
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_crash_report, ips_json, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(c.nev, 1);
    CHECK_INT(c.nrec, 1);
    kev *e = &c.ev[0];
    CHECK_STR(e->type, "Crash");
    CHECK_STR(e->event_type, "crashReport");
    CHECK_STR(e->process, "DelightEd");
    CHECK_STR(e->message, "DelightEd [2741] terminated: namespace "
                          "CODESIGNING, code 0x1 (Invalid Page)");
    CHECK_STR(e->path,
              "/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/"
              "DelightEd");
    CHECK_STR(e->uuid, "5E1F7A3C-9B2D-3C4E-8F61-2A7B9C0D4E15");
    CHECK_INT(e->pid, 2741);
    CHECK_INT(e->user, 501);
    CHECK(e->has & ST_HAS_TIME);
    /* 10:00:12.3312 -0800 = 18:00:12.3312Z */
    CHECK_INT(e->time_us, 1795197612331200LL);
    CHECK_INT(e->off, -480);
    CHECK_STR(e->time_text, "2026-11-20 10:00:12.3312 -0800");
    krec *r = &c.rec[0];
    CHECK_STR(r->kind, "crash_report");
    CHECK_STR(r->bundle, "com.delighted.DelightEd");
    CHECK_STR(r->ident, "com.delighted.DelightEd");
    CHECK_STR(r->team, "7KQ2M9XH4D");
    CHECK_STR(r->uuid, "5E1F7A3C-9B2D-3C4E-8F61-2A7B9C0D4E15");
    CHECK_STR(r->locator, "incident 3B8C1E52-7D4A-4F0B-9C6E-1A2B3C4D5E6F");
    CHECK(r->has_time && r->time_us == e->time_us);
    CHECK(strstr(r->data, "\"namespace\":\"CODESIGNING\"") != NULL);
    CHECK(strstr(r->data, "\"indicator\":\"Invalid Page\"") != NULL);
    CHECK(strstr(r->data, "\"signal\":\"SIGKILL (Code Signature "
                          "Invalid)\"") != NULL);
    CHECK(strstr(r->data, "\"launch_time\":\"2026-11-20 10:00:12.3189 "
                          "-0800\"") != NULL);
    CHECK(strstr(r->data, "\"codeSigningFlags\":570503953") != NULL);
    /* thread dumps are not kept */
    CHECK(strstr(r->data, "imageOffset") == NULL);
    coll_free(&c);
}

static const char crash_text[] =
    "Process:               DelightEdHelper [1822]\n"
    "Path:                  /Users/ana/Desktop/copy/DelightEd.app/Contents/"
    "Library/LoginItems/DelightEdHelper.app/Contents/MacOS/DelightEdHelper\n"
    "Identifier:            com.delighted.DelightEd.Helper\n"
    "Version:               3.2.1 (321)\n"
    "Code Type:             ARM-64 (Native)\n"
    "Parent Process:        launchd [1]\n"
    "User ID:               501\n"
    "\n"
    "Date/Time:             2026-11-19 09:15:02.4418 -0800\n"
    "OS Version:            macOS 15.6 (24G84)\n"
    "\n"
    "Exception Type:        EXC_CRASH (SIGKILL (Code Signature Invalid))\n"
    "Exception Codes:       0x0000000000000000, 0x0000000000000000\n"
    "\n"
    "Termination Reason:    Namespace CODESIGNING, Code 0x1, Taskgated "
    "Invalid Signature\n"
    "\n"
    "Thread 0 Crashed:\n"
    "0   dyld   0x181da42c4 dyld3::MachOFile::isMachO(Diagnostics&) + 40\n"
    "\n"
    "Binary Images:\n"
    "       0x180000000 -        0x18007ffff dyld (*) <3a1d5f2b-8c47-3e96-"
    "b0a1-6d2f9c84e7b3> /usr/lib/dyld\n"
    "       0x1047a4000 -        0x1047affff com.delighted.DelightEd.Helper "
    "(3.2.1) <0c9d4e7f-2a61-3b58-9e0d-4f1c7a8b2e63> /Users/ana/Desktop/copy/"
    "DelightEd.app/Contents/Library/LoginItems/DelightEdHelper.app/Contents/"
    "MacOS/DelightEdHelper\n";

TEST(crash_text_taskgated)
{
    CHECK_INT(bid_of(&st_parser_crash_report, crash_text), 90);
    CHECK_STR(winner(crash_text), "crash-report");
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_crash_report, crash_text, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(c.nev, 1);
    CHECK_STR(c.ev[0].message, "DelightEdHelper [1822] terminated: "
                               "namespace CODESIGNING, code 0x1 (Taskgated "
                               "Invalid Signature)");
    CHECK_INT(c.ev[0].pid, 1822);
    CHECK_INT(c.ev[0].time_us, 1795108502441800LL);
    /* the image whose path is the process path, not the first one */
    CHECK_STR(c.rec[0].uuid, "0C9D4E7F-2A61-3B58-9E0D-4F1C7A8B2E63");
    CHECK_STR(c.rec[0].bundle, "com.delighted.DelightEd.Helper");
    CHECK(strstr(c.rec[0].data, "\"Code Type\":\"ARM-64 (Native)\"") != NULL);
    /* frame lines ("dyld3::MachOFile") are not taken for fields */
    CHECK(strstr(c.rec[0].data, "MachOFile") == NULL);
    coll_free(&c);
}

TEST(crash_text_code_forms)
{
    static const char two[] =
        "Process:               Thelemacus [1055]\n"
        "Path:                  /Users/USER/Desktop/Thelemacus.app/Contents/"
        "MacOS/Thelemacus\n"
        "Date/Time:             2024-01-18 10:55:52.5773 +0100\n"
        "Exception Type:        EXC_BAD_ACCESS (SIGKILL (Code Signature "
        "Invalid))\n"
        "Termination Reason:    Namespace CODESIGNING, Code 2 Invalid Page\n";
    static const char bare[] =
        "Process:         Old [77]\n"
        "Exception Type:  EXC_CRASH (Code Signature Invalid)\n"
        "Termination Reason: Namespace CODESIGNING, Code 0x2\n";
    static const char signal[] =
        "Process:               Divi [12420]\n"
        "Exception Type:        EXC_CRASH (SIGABRT)\n";
    coll c;
    char err[256];
    run(&st_parser_crash_report, two, &c, err, sizeof err);
    CHECK_STR(c.ev[0].message, "Thelemacus [1055] terminated: namespace "
                               "CODESIGNING, code 0x2 (Invalid Page)");
    CHECK_INT(c.ev[0].off, 60);
    coll_free(&c);
    run(&st_parser_crash_report, bare, &c, err, sizeof err);
    CHECK_STR(c.ev[0].message, "Old [77] terminated: namespace CODESIGNING, "
                               "code 0x2");
    /* no Date/Time: no time, and a record all the same */
    CHECK(!(c.ev[0].has & ST_HAS_TIME));
    CHECK_INT(c.nrec, 1);
    coll_free(&c);
    run(&st_parser_crash_report, signal, &c, err, sizeof err);
    CHECK_STR(c.ev[0].message, "Divi [12420] crashed: EXC_CRASH (SIGABRT)");
    coll_free(&c);
}

TEST(crash_translated_report)
{
    /* Console's "Translated Report": text first, the .ips after "Full
     * Report"; the text part is read, the JSON copy is not taken twice */
    static const char tr[] =
        "-------------------------------------\n"
        "Translated Report (Full Report Below)\n"
        "-------------------------------------\n"
        "\n"
        "Process:               Thelemacus [1055]\n"
        "Path:                  /Users/USER/Desktop/Thelemacus.app/Contents/"
        "MacOS/Thelemacus\n"
        "Date/Time:             2024-01-18 10:55:52.5773 +0100\n"
        "Termination Reason:    Namespace CODESIGNING, Code 2 Invalid Page\n"
        "\n"
        "EOF\n"
        "\n"
        "-----------\n"
        "Full Report\n"
        "-----------\n"
        "\n"
        "{\"app_name\":\"Thelemacus\",\"bug_type\":\"309\"}\n"
        "{\n  \"procName\" : \"Other\"\n}\n";
    CHECK_INT(bid_of(&st_parser_crash_report, tr), 90);
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_crash_report, tr, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(c.nev, 1);
    CHECK_STR(c.ev[0].process, "Thelemacus");
    CHECK_STR(c.ev[0].message, "Thelemacus [1055] terminated: namespace "
                               "CODESIGNING, code 0x2 (Invalid Page)");
    coll_free(&c);
}

TEST(ips_text_body)
{
    /* bug_type 109: JSON header, then the text report */
    static const char ips109[] =
        "{\"app_name\":\"Helper\",\"timestamp\":\"2020-05-04 12:00:01.00 "
        "-0700\",\"bug_type\":\"109\",\"name\":\"Helper\",\"incident_id\":"
        "\"0A1B2C3D-0000-4000-8000-000000000001\"}\n"
        "Process:               Helper [501]\n"
        "Path:                  /Applications/Helper.app/Contents/MacOS/"
        "Helper\n"
        "Date/Time:             2020-05-04 12:00:00.912 -0700\n"
        "Exception Type:        EXC_CRASH (Code Signature Invalid)\n"
        "Termination Reason:    Namespace CODESIGNING, Code 0x1\n";
    CHECK_INT(bid_of(&st_parser_crash_report, ips109), 95);
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_crash_report, ips109, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_STR(c.ev[0].message, "Helper [501] terminated: namespace "
                               "CODESIGNING, code 0x1");
    CHECK_STR(c.ev[0].time_text, "2020-05-04 12:00:00.912 -0700");
    CHECK_STR(c.rec[0].locator, "incident 0A1B2C3D-0000-4000-8000-"
                                "000000000001");
    coll_free(&c);
}

TEST(crash_bids_refuse_others)
{
    /* other diagnostic reports and log exports are not crash reports */
    CHECK_INT(bid_of(&st_parser_crash_report,
                     "{\"bug_type\":\"298\",\"timestamp\":\"x\"}\n{\n"
                     "  \"largestProcess\" : \"x\"\n}\n"), 0);
    CHECK_INT(bid_of(&st_parser_crash_report,
                     "{\"timestamp\":\"2024-01-01 10:00:00.000000+0000\","
                     "\"eventMessage\":\"Process: x\"}\n"), 0);
    CHECK_INT(bid_of(&st_parser_crash_report,
                     "Timestamp                       Thread     Type\n"), 0);
    CHECK_INT(bid_of(&st_parser_crash_report, "Process: only\n"), 0);
}

TEST(crash_damaged)
{
    coll c;
    char err[256];
    /* the body is cut: the header still gives a crash event, warned */
    static const char cut[] =
        "{\"app_name\":\"X\",\"timestamp\":\"2026-01-01 16:03:02.00 +0300\","
        "\"bug_type\":\"309\",\"name\":\"X\"}\n{\n  \"pid\" : 5,\n  \"termin";
    CHECK_INT(run(&st_parser_crash_report, cut, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(c.nev, 1);
    CHECK(c.nwarn >= 1 && strstr(c.warn[0], "not valid JSON") != NULL);
    CHECK_STR(c.ev[0].message, "X: crash report");
    CHECK_INT(c.ev[0].off, 180);
    coll_free(&c);
    /* a header that is not JSON: rejected */
    CHECK_INT(run(&st_parser_crash_report, "{\"bug_type\":\"309\",}\n{}\n",
                  &c, err, sizeof err), ST_READ_REJECTED);
    CHECK(strstr(err, "not a crash report") != NULL);
    coll_free(&c);
    /* nesting deep enough to hurt a recursive free: refused, not parsed */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 200);
    int k = sprintf(deep, "{\"app_name\":\"D\",\"bug_type\":\"309\"}\n"
                          "{\"a\":");
    for (size_t i = 0; i < depth; i++)
        deep[k++] = '[';
    for (size_t i = 0; i < depth; i++)
        deep[k++] = ']';
    deep[k++] = '}';
    deep[k] = 0;
    CHECK_INT(run(&st_parser_crash_report, deep, &c, err, sizeof err),
              ST_READ_OK);
    CHECK(c.nwarn >= 1 && strstr(c.warn[0], "nested deeper") != NULL);
    coll_free(&c);
    free(deep);
}

/* ---- process listings --------------------------------------------------- */

static const char ps_new[] =
    "USER               UID PRSNA   PID  PPID        F  %CPU %MEM PRI NI      "
    "VSZ    RSS WCHAN    TT  STAT STARTED      TIME COMMAND\n"
    "root                 0     -     1     0     4004   0.4  0.1  37  0 "
    "411938592  18864 -        ??  Ss    8:37AM   1:02.85 /sbin/launchd\n"
    "ana                501     -  2890     1     4004   1.2  2.1  47  0 "
    "421755520 352128 -        ??  S    10:01AM   0:12.40 /Applications/"
    "Google Chrome.app/Contents/MacOS/Google Chrome --flag-switches-begin\n"
    "ana                501     -   412     1     4004   0.0  0.2  47  0 "
    "412361280  39408 -        ??  Ss    8:37AM   0:07.48 /System/Library/"
    "CoreServices/loginwindow.app/Contents/MacOS/loginwindow console\n"
    "root                 0     -  3011     1     4004   0.0  0.0  31  0 "
    "411897296   3408 -        ??  Ss   10:02AM   0:00.01 autofsd\n"
    "this line is not a process\n";

TEST(ps_new_layout)
{
    CHECK_INT(bid_of(&st_parser_ps, ps_new), 90);
    CHECK_STR(winner(ps_new), "ps");
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_ps, ps_new, &c, err, sizeof err), ST_READ_OK);
    CHECK_INT(c.nrec, 4);
    CHECK_STR(c.rec[0].kind, "process");
    CHECK_STR(c.rec[0].path, "/sbin/launchd");
    CHECK_STR(c.rec[0].locator, "line 2");
    CHECK(strstr(c.rec[0].data, "\"pid\":1,\"ppid\":0,\"user\":\"root\"") !=
          NULL);
    /* spaces inside a bundle path, and the executable named like it */
    CHECK_STR(c.rec[1].path, "/Applications/Google Chrome.app/Contents/"
                             "MacOS/Google Chrome");
    CHECK(strstr(c.rec[1].data, "\"command\":\"/Applications/Google Chrome"
                                ".app/Contents/MacOS/Google Chrome "
                                "--flag-switches-begin\"") != NULL);
    CHECK_STR(c.rec[2].path, "/System/Library/CoreServices/loginwindow.app/"
                             "Contents/MacOS/loginwindow");
    /* a process title that is not a path has no path key */
    CHECK(c.rec[3].path == NULL);
    CHECK(strstr(c.rec[3].data, "\"command\":\"autofsd\"") != NULL);
    CHECK(strstr(c.rec[3].data, "\"started\":\"10:02AM\"") != NULL);
    /* a line that fits no column layout is kept, not dropped */
    CHECK_INT(c.nunparsed, 1);
    CHECK_INT(c.nwarn, 1);
    coll_free(&c);
}

TEST(ps_old_and_aux_layouts)
{
    static const char old[] =
        "USER               UID   PID  PPID  %CPU %MEM PRI NI      VSZ    RSS"
        " WCHAN    TT  STAT STARTED      TIME COMMAND\n"
        "_appleevents        55    51     1   0.0  0.1   4  0  4335948   9640"
        " -        ??  Ss    7:00PM   0:00.61 /System/Library/CoreServices/"
        "appleeventsd --server\n";
    static const char aux[] =
        "USER               PID  %CPU %MEM      VSZ    RSS   TT  STAT STARTED"
        "      TIME COMMAND\n"
        "ana                733   0.0  0.1 34522108  11020   ??  S     9:12AM"
        "   0:00.42 /usr/libexec/trustd --agent\n";
    coll c;
    char err[256];
    run(&st_parser_ps, old, &c, err, sizeof err);
    CHECK_INT(c.nrec, 1);
    CHECK_STR(c.rec[0].path, "/System/Library/CoreServices/appleeventsd");
    CHECK(strstr(c.rec[0].data, "\"uid\":55") != NULL);
    coll_free(&c);
    run(&st_parser_ps, aux, &c, err, sizeof err);
    CHECK_INT(c.nrec, 1);
    CHECK_STR(c.rec[0].path, "/usr/libexec/trustd");
    CHECK(strstr(c.rec[0].data, "\"pid\":733") != NULL);
    coll_free(&c);
    /* a header alone is an empty listing; other tables are not ps */
    CHECK_INT(bid_of(&st_parser_ps, "USER PID COMMAND\n"), 50);
    CHECK_INT(bid_of(&st_parser_ps, "NAME PID COMMAND\nx 1 y\n"), 0);
}

static const char taskinfo[] =
    "num tasks: 3\n"
    "\n"
    "process: \"launchd\" [1] [unique ID: 1]\n"
    "architecture: arm64e\n"
    "executable uuid: 8e3a7d2c-41f6-3b95-a0c8-5d17e9b2f406\n"
    "run time: 5396 s\n"
    "threads:\n"
    "\tthread ID: 0x1d0 / 464\n"
    "\texecutable uuid: FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n"
    "\n"
    "\n"
    "process: \"Google \"Canary\" Helper\" [2903] [unique ID: 3377]\n"
    "architecture: arm64\n"
    "executable path: /Applications/Canary.app/Contents/MacOS/Helper\n"
    "threads:\n"
    "\tthread ID: 0x7a3 / 1955\n";

TEST(taskinfo_blocks)
{
    CHECK_INT(bid_of(&st_parser_taskinfo, taskinfo), 95);
    CHECK_STR(winner(taskinfo), "taskinfo");
    coll c;
    char err[256];
    CHECK_INT(run(&st_parser_taskinfo, taskinfo, &c, err, sizeof err),
              ST_READ_OK);
    CHECK_INT(c.nrec, 2);
    CHECK_STR(c.rec[0].kind, "process");
    CHECK_STR(c.rec[0].uuid, "8E3A7D2C-41F6-3B95-A0C8-5D17E9B2F406");
    CHECK(c.rec[0].path == NULL);
    CHECK_STR(c.rec[0].locator, "line 3");
    CHECK(strstr(c.rec[0].data, "\"name\":\"launchd\",\"pid\":1,"
                                "\"unique_id\":1,\"architecture\":\"arm64e\""
                                ",\"run_time\":\"5396 s\"") != NULL);
    /* quotes inside the name; a path line; no uuid */
    CHECK(strstr(c.rec[1].data, "\"name\":\"Google \\\"Canary\\\" Helper\","
                                "\"pid\":2903") != NULL);
    CHECK_STR(c.rec[1].path, "/Applications/Canary.app/Contents/MacOS/"
                             "Helper");
    CHECK(c.rec[1].uuid == NULL);
    /* "num tasks: 3" but two blocks */
    CHECK_INT(c.nwarn, 1);
    CHECK(strstr(c.warn[0], "says 3 tasks but holds 2") != NULL);
    coll_free(&c);
    CHECK_INT(bid_of(&st_parser_taskinfo, "process: \"x\" [1]\n"), 60);
    CHECK_INT(bid_of(&st_parser_taskinfo, "processes: 4\n"), 0);
}

/* Runs every test; the last line is "RESULT passed failed". */
int main(void)
{
    RUN(ips_json_bid_beats_ndjson);
    RUN(ips_json_event_and_record);
    RUN(crash_text_taskgated);
    RUN(crash_text_code_forms);
    RUN(crash_translated_report);
    RUN(ips_text_body);
    RUN(crash_bids_refuse_others);
    RUN(crash_damaged);
    RUN(ps_new_layout);
    RUN(ps_old_and_aux_layouts);
    RUN(taskinfo_blocks);
    return RESULT();
}
