/*
 * test_errcodes.c -- the error-code table (the real rules/errcodes.tsv, read
 * from the repository root, which is the working directory of unit tests),
 * lookups, argument parsing, the message scanner, and malformed tables.
 */
#include "check.h"
#include "errcodes.h"

#include <stdlib.h>
#include <unistd.h>

static st_errcodes *T;       /* the real table, loaded by test_load_real */

/* Hits collected by collect(). */
typedef struct hits {
    size_t n;
    st_errcode_hit h[16];
    size_t stop_after;       /* 0: never stop */
} hits;

/* Scanner callback that records up to 16 hits. */
static int collect(const st_errcode_hit *h, void *ctx)
{
    hits *hs = ctx;
    if (hs->n < 16)
        hs->h[hs->n] = *h;
    hs->n++;
    return hs->stop_after && hs->n >= hs->stop_after;
}

/* Scans a C string and returns the hits. */
static hits scan(const char *msg)
{
    hits hs = {0};
    size_t r = st_errcodes_scan(T, msg, strlen(msg), collect, &hs);
    CHECK_INT(r, hs.n);
    return hs;
}

/* Loads a table from a string; returns the table or NULL with err set. */
static st_errcodes *load_str(const char *s, char *err, size_t cap)
{
    st_errcodes *t = NULL;
    err[0] = '\0';
    if (st_errcodes_load_mem("t.tsv", s, strlen(s), &t, err, cap) != 0)
        return NULL;
    return t;
}

TEST(test_load_real)
{
    char err[512] = "";
    int r = st_errcodes_load("rules/errcodes.tsv", &T, err, sizeof err);
    if (r != 0)
        fprintf(stderr, "load: %s\n", err);
    CHECK_INT(r, 0);
    CHECK(T != NULL);
    if (!T)
        return;
    CHECK(st_errcodes_count(T) >= 300);
    /* Sorted by code. */
    for (size_t i = 1; i < st_errcodes_count(T); i++)
        CHECK(st_errcodes_at(T, i - 1)->code <= st_errcodes_at(T, i)->code);
    CHECK(st_errcodes_at(T, st_errcodes_count(T)) == NULL);
}

TEST(test_errseccs_range_complete)
{
    /* CSCommon.h assigns -67072 ... -66990 with no gap (-67038 obsolete). */
    size_t n = 0;
    for (int32_t c = -67072; c <= -66990; c++) {
        size_t rows;
        const st_errcode *e = st_errcodes_find(T, c, &rows);
        CHECK(e != NULL);
        if (!e)
            continue;
        CHECK_INT(rows, 1);
        CHECK_STR(e->domain, "errSecCS");
        n++;
    }
    CHECK_INT(n, 83);
    size_t in_domain = 0;
    for (size_t i = 0; i < st_errcodes_count(T); i++)
        in_domain += strcmp(st_errcodes_at(T, i)->domain, "errSecCS") == 0;
    CHECK_INT(in_domain, 83);
    const st_errcode *e = st_errcodes_find(T, -67038, NULL);
    CHECK(e && e->name[0] == '\0');
    e = st_errcodes_find(T, -66995, NULL);
    CHECK(e && strcmp(e->name, "errSecMultipleExecSegments") == 0);
}

TEST(test_common_codes)
{
    static const struct { int32_t code; const char *name, *desc; } want[] = {
        {-67030, "errSecCSInfoPlistFailed",
         "invalid Info.plist (plist or signature have been modified)"},
        {-67062, "errSecCSUnsigned", "code object is not signed at all"},
        {-67050, "errSecCSReqFailed",
         "code failed to satisfy specified code requirement(s)"},
        {-67054, "errSecCSBadResource", "a sealed resource is missing or invalid"},
        {-67061, "errSecCSSignatureFailed",
         "invalid signature (code or signature have been modified)"},
        {-67023, "errSecCSResourceDirectoryFailed",
         "invalid resource directory (directory or signature have been modified)"},
        {-66992, "errSecCSRevokedNotarization",
         "notarization indicates this code has been revoked"},
        {-67018, "errSecCSVetoed", ""},
        {-2147409652, "CSSMERR_TP_CERT_REVOKED", ""},
        {-2147409654, "CSSMERR_TP_CERT_EXPIRED", ""},
        {-2147408842, "CSSMERR_APPLETP_TRUST_SETTING_DENY", "Trust Setting: deny"},
        {-67820, "errSecCertificateRevoked", "The certificate was revoked."},
        {-423, "", "The file is adhoc signed or signed by an unknown certificate chain"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const st_errcode *e = st_errcodes_find(T, want[i].code, NULL);
        CHECK(e != NULL);
        if (!e)
            continue;
        CHECK_INT(e->code, want[i].code);
        CHECK_STR(e->name, want[i].name);
        CHECK_STR(e->description, want[i].desc);
        CHECK(e->source[0] != '\0');
    }
    const st_errcode *e = st_errcodes_find(T, -67050, NULL);
    CHECK(e && strstr(e->meaning, "normal outcome") != NULL);
    e = st_errcodes_find(T, -67030, NULL);
    CHECK(e && strstr(e->meaning, "Info.plist") != NULL);
    CHECK(st_errcodes_find(T, -12345, NULL) == NULL);
    CHECK(st_errcodes_find(T, INT32_MIN, NULL) == NULL);
    CHECK(st_errcodes_find(T, INT32_MAX, NULL) == NULL);
}

TEST(test_shared_codes)
{
    size_t n = 99;
    const st_errcode *e = st_errcodes_find(T, 4, &n);
    CHECK(e != NULL);
    CHECK_INT(n, 2);
    if (e && n == 2) {
        CHECK_STR(e[0].name, "LOAD_FAILURE");
        CHECK_STR(e[1].name, "CODESIGNING_EXIT_REASON_LAUNCH_CONSTRAINT_VIOLATION");
    }
    e = st_errcodes_find(T, 0, &n);
    CHECK(e && n == 2 && strcmp(e->name, "errSecSuccess") == 0);
    e = st_errcodes_find(T, -12345, &n);
    CHECK(e == NULL && n == 0);
}

TEST(test_names_and_aliases)
{
    const char *nm = "CSSMERR_TP_CERT_REVOKED";
    const st_errcode *e = st_errcodes_find_name(T, nm, strlen(nm), 0);
    CHECK(e && e->code == -2147409652);
    nm = "errSecCSSigDBDenied";      /* alias */
    e = st_errcodes_find_name(T, nm, strlen(nm), 0);
    CHECK(e && e->code == -67033);
    CHECK(e && strcmp(e->name, "errSecCSDBDenied") == 0);
    CHECK(e && strcmp(e->aliases, "errSecCSSigDBDenied") == 0);
    nm = "errseccsinfoplistfailed";
    CHECK(st_errcodes_find_name(T, nm, strlen(nm), 0) == NULL);
    e = st_errcodes_find_name(T, nm, strlen(nm), 1);
    CHECK(e && e->code == -67030);
    nm = "ERRSECCSSIGDBACCESS";      /* alias, any case */
    e = st_errcodes_find_name(T, nm, strlen(nm), 1);
    CHECK(e && e->code == -67032);
    /* A counted prefix of a name is not the name. */
    nm = "errSecCSInfoPlistFailed";
    CHECK(st_errcodes_find_name(T, nm, 12, 0) == NULL);
    CHECK(st_errcodes_find_name(T, nm, 12, 1) == NULL);
    CHECK(st_errcodes_find_name(T, "", 0, 1) == NULL);
}

/* Parses arg and checks the result kind and code. */
static void parse_is(const char *arg, int want_r, int32_t want_code,
                     int want_form, int want_negated)
{
    st_errcode_arg a;
    int r = st_errcodes_parse_arg(T, arg, &a);
    if (r != want_r)
        fprintf(stderr, "  arg '%s'\n", arg);
    CHECK_INT(r, want_r);
    if (want_r == ST_ERRARG_INVALID)
        return;
    CHECK_INT(a.code, want_code);
    CHECK_INT(a.form, want_form);
    CHECK_INT(a.negated, want_negated);
    CHECK(want_r == ST_ERRARG_KNOWN ? a.row && a.row->code == want_code
                                    : a.row == NULL);
}

TEST(test_parse_arg)
{
    parse_is("-67030", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_DEC, 0);
    parse_is("67030", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_DEC, 1);
    parse_is("  -67062\n", ST_ERRARG_KNOWN, -67062, ST_ERRFORM_DEC, 0);
    parse_is("0xFFFEFA2A", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_HEX, 0);
    parse_is("0xfffefa2a", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_HEX, 0);
    parse_is("0XFFFEFA2A", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_HEX, 0);
    parse_is("-0x105D6", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_HEX, 0);
    parse_is("0x105D6", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_HEX, 1);
    parse_is("0x8001210C", ST_ERRARG_KNOWN, -2147409652, ST_ERRFORM_HEX, 0);
    parse_is("4294900266", ST_ERRARG_KNOWN, -67030, ST_ERRFORM_DEC, 0);
    parse_is("-2147409652", ST_ERRARG_KNOWN, -2147409652, ST_ERRFORM_DEC, 0);
    parse_is("errSecCSInfoPlistFailed", ST_ERRARG_KNOWN, -67030,
             ST_ERRFORM_NAME, 0);
    parse_is("CSSMERR_TP_CERT_REVOKED", ST_ERRARG_KNOWN, -2147409652,
             ST_ERRFORM_NAME, 0);
    parse_is("4", ST_ERRARG_KNOWN, 4, ST_ERRFORM_DEC, 0);     /* a code */
    parse_is("100021", ST_ERRARG_KNOWN, 100021, ST_ERRFORM_DEC, 0);
    parse_is("12345", ST_ERRARG_UNKNOWN, 12345, ST_ERRFORM_DEC, 0);
    parse_is("-12345", ST_ERRARG_UNKNOWN, -12345, ST_ERRFORM_DEC, 0);
    parse_is("+67030", ST_ERRARG_UNKNOWN, 67030, ST_ERRFORM_DEC, 0);
    parse_is("-2147483648", ST_ERRARG_UNKNOWN, INT32_MIN, ST_ERRFORM_DEC, 0);
    parse_is("-2147483649", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("4294967296", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("0x", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("0x1FFFEFA2A", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("0xFFFEFA2G", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("-67030x", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("   ", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("-", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("errSecNoSuchThing", ST_ERRARG_INVALID, 0, 0, 0);
    parse_is("errSec-CS", ST_ERRARG_INVALID, 0, 0, 0);

    st_errcode_arg a;
    CHECK_INT(st_errcodes_parse_arg(T, "errseccsreqfailed", &a),
              ST_ERRARG_KNOWN);
    CHECK(a.icase == 1 && a.alias == 0 && a.code == -67050);
    CHECK_INT(st_errcodes_parse_arg(T, "errSecCSSigDBAccess", &a),
              ST_ERRARG_KNOWN);
    CHECK(a.icase == 0 && a.alias == 1 && a.code == -67032 && a.nrows == 1);
    CHECK_INT(st_errcodes_parse_arg(T, "LOAD_FAILURE", &a), ST_ERRARG_KNOWN);
    CHECK(a.row && strcmp(a.row->name, "LOAD_FAILURE") == 0 && a.nrows == 1);
    CHECK_INT(st_errcodes_parse_arg(T, "4", &a), ST_ERRARG_KNOWN);
    CHECK_INT(a.nrows, 2);
}

TEST(test_scan_log_shapes)
{
    hits h = scan("default 08:34:48.281646-0400 CryptexManager MacOS error: -67030");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67030);
    CHECK_INT(h.h[0].off, 57);
    CHECK_INT(h.h[0].len, 6);
    CHECK_INT(h.h[0].form, ST_ERRFORM_DEC);
    CHECK_STR(h.h[0].row->name, "errSecCSInfoPlistFailed");

    h = scan("SecStaticCodeCheckValidity failed: -67062");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67062);
    CHECK_INT(h.h[0].off, 35);

    h = scan("validation failed (OSStatus -67054)");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67054);
    CHECK_INT(h.h[0].off, 28);

    h = scan("err=0xFFFEFA2A");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67030);
    CHECK_INT(h.h[0].off, 4);
    CHECK_INT(h.h[0].len, 10);
    CHECK_INT(h.h[0].form, ST_ERRFORM_HEX);
    h = scan("status 0xfffefa0a.");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67062);

    h = scan("rule scan (-67050) skipped");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67050);
    CHECK_INT(h.h[0].off, 11);

    h = scan("SecStaticCode: verification failed (trust result 6, error -2147409652)");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -2147409652);

    h = scan("Error Domain=NSOSStatusErrorDomain Code=-67030 \"(null)\" "
             "UserInfo={SecCSArchitecture=arm64}");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67030);

    h = scan("Code failed basic validity check (error: -67030): Error "
             "Domain=AppleMobileFileIntegrityError Code=-420");
    CHECK_INT(h.n, 2);
    CHECK_INT(h.h[0].code, -67030);
    CHECK_INT(h.h[1].code, -420);

    h = scan("check returned errSecCSReqFailed; CSSMERR_TP_CERT_REVOKED.");
    CHECK_INT(h.n, 2);
    CHECK_INT(h.h[0].code, -67050);
    CHECK_INT(h.h[0].form, ST_ERRFORM_NAME);
    CHECK_INT(h.h[0].off, 15);
    CHECK_INT(h.h[0].len, 17);
    CHECK_INT(h.h[1].code, -2147409652);
    CHECK_INT(h.h[1].len, 23);

    h = scan("alias errSecCSSigDBDenied");
    CHECK_INT(h.n, 1);
    CHECK_INT(h.h[0].code, -67033);

    /* Several forms in one message come out left to right. */
    h = scan("a -67030 b 0xFFFEFA0A c errSecCSBadResource d");
    CHECK_INT(h.n, 3);
    CHECK_INT(h.h[0].code, -67030);
    CHECK_INT(h.h[1].code, -67062);
    CHECK_INT(h.h[2].code, -67054);
    CHECK(h.h[0].off < h.h[1].off && h.h[1].off < h.h[2].off);
}

TEST(test_scan_rejects_non_mentions)
{
    static const char *const none[] = {
        "proc 67030: load code signature error 4 for file",  /* pid-like */
        "lsd[67062]: launched pid 67050",
        "-670301",            /* longer number */
        "-6703",              /* shorter: not a code */
        "x-67030y", "x-67030", "-67030y", "_-67030", "-67030_",
        "12-67030",           /* range / date shaped */
        "--67030", "+-67030", ".-67030",
        "-67030.5", "-67030:12",
        "-067030",            /* leading zero */
        "-99999999999",       /* 11 digits */
        "-2147483648",        /* int32 but not a code */
        "0xFFFEFA2A0", "0xFFFEFA2", "a0xFFFEFA2A", "0xFFFEFA2Ag",
        "0x0000FA2A",
        "xerrSecCSReqFailed", "errSecCSReqFailedX", "errSecCSNoSuchCode2",
        "errSecSuccess",      /* 0 is not an error */
        "CSSMERR_TP_NO_SUCH", "errSec", "CSSMERR_",
        "08:34:48.281646-0400",
        "offset -50 bytes",   /* small code without an error word */
        "delta=-423ms", "0xFFFFFFCE",
        "load code signature error 4",
        "errno -4",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        hits h = scan(none[i]);
        if (h.n)
            fprintf(stderr, "  reported in \"%s\": %d\n", none[i],
                    (int)h.h[0].code);
        CHECK_INT(h.n, 0);
    }
}

TEST(test_scan_small_codes_need_context)
{
    static const char *const yes[] = {
        "MacOS error: -50", "err=-50", "Code=-423", "OSStatus -50",
        "(error -50)", "status: -4", "ERROR -128", "err=0xFFFFFFCE",
        "Code=#-43",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        hits h = scan(yes[i]);
        if (h.n != 1)
            fprintf(stderr, "  not reported: \"%s\"\n", yes[i]);
        CHECK_INT(h.n, 1);
    }
}

TEST(test_scan_bytes_and_bounds)
{
    /* The length is respected: the '1' after it is not read. */
    const char buf[] = "-670301";
    hits hs = {0};
    CHECK_INT(st_errcodes_scan(T, buf, 6, collect, &hs), 1);
    CHECK_INT(hs.h[0].code, -67030);
    hs.n = 0;
    CHECK_INT(st_errcodes_scan(T, buf, 7, collect, &hs), 0);
    hs.n = 0;
    CHECK_INT(st_errcodes_scan(T, buf, 0, collect, &hs), 0);
    /* NUL and high bytes are just separators. */
    const char nul[] = "\0-67030\0\xff-67062\xfe";
    hs.n = 0;
    CHECK_INT(st_errcodes_scan(T, nul, sizeof nul - 1, collect, &hs), 2);
    CHECK_INT(hs.h[0].off, 1);
    CHECK_INT(hs.h[1].off, 9);
    /* A message ending inside a hex number or a name. */
    CHECK_INT(st_errcodes_scan(T, "err=0xFFFEFA2", 13, NULL, NULL), 0);
    CHECK_INT(st_errcodes_scan(T, "errSecCSReqFailed", 10, NULL, NULL), 0);
    CHECK_INT(st_errcodes_scan(T, "-", 1, NULL, NULL), 0);
    CHECK_INT(st_errcodes_scan(T, "x", 1, NULL, NULL), 0);
    CHECK_INT(st_errcodes_scan(T, "S", 1, NULL, NULL), 0);
    /* Counting without a callback, and stopping early. */
    const char *three = "-67030 -67062 -67050";
    CHECK_INT(st_errcodes_scan(T, three, strlen(three), NULL, NULL), 3);
    hits stop = {.stop_after = 1};
    CHECK_INT(st_errcodes_scan(T, three, strlen(three), collect, &stop), 1);
    CHECK_INT(st_errcodes_scan(NULL, three, strlen(three), NULL, NULL), 0);
}

TEST(test_scan_every_negative_code)
{
    /* Every negative code in the table is found in its decimal, hex and name
     * spellings, and the mention parses back to the same code. */
    char msg[256];
    for (size_t i = 0; i < st_errcodes_count(T); i++) {
        const st_errcode *e = st_errcodes_at(T, i);
        if (e->code >= 0)
            continue;
        snprintf(msg, sizeof msg, "error: %d", (int)e->code);
        hits h = scan(msg);
        CHECK_INT(h.n, 1);
        if (h.n == 1)
            CHECK_INT(h.h[0].code, e->code);
        snprintf(msg, sizeof msg, "error: 0x%08X", (unsigned)(uint32_t)e->code);
        h = scan(msg);
        CHECK_INT(h.n, 1);
        if (h.n == 1) {
            char m[32];
            snprintf(m, sizeof m, "%.*s", (int)h.h[0].len, msg + h.h[0].off);
            st_errcode_arg a;
            CHECK_INT(st_errcodes_parse_arg(T, m, &a), ST_ERRARG_KNOWN);
            CHECK_INT(a.code, e->code);
        }
        if (!strncmp(e->name, "errSec", 6) || !strncmp(e->name, "CSSMERR_", 8)) {
            snprintf(msg, sizeof msg, "(%s)", e->name);
            h = scan(msg);
            CHECK_INT(h.n, 1);
            if (h.n == 1)
                CHECK(h.h[0].row == e);
        }
    }
}

/* Expects a load of s to fail with an error containing want. */
static void load_fails(const char *s, const char *want)
{
    char err[512];
    st_errcodes *t = load_str(s, err, sizeof err);
    CHECK(t == NULL);
    st_errcodes_free(t);
    if (!strstr(err, want))
        fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, want);
    CHECK(strstr(err, want) != NULL);
}

TEST(test_malformed_tables)
{
    const char *hdr = "code\tname\tdomain\n";
    char s[512];
    load_fails("", "t.tsv: no header line");
    load_fails("# only a comment\n\n", "t.tsv: no header line");
    load_fails(hdr, "t.tsv: no rows");
    load_fails("code\tname\n-1\tx\n", "t.tsv:1: header lacks the 'domain' column");
    load_fails("code\tname\tdomain\tname\n", "t.tsv:1: column 'name' appears twice");
    load_fails("code\t\tdomain\n", "t.tsv:1: empty column name");
    snprintf(s, sizeof s, "# c\n%s-1\terrSecA\n", hdr);
    load_fails(s, "t.tsv:3: 2 fields, the header has 3");
    snprintf(s, sizeof s, "%s-1\ta\tD\textra\n", hdr);
    load_fails(s, "t.tsv:2: 4 fields");
    snprintf(s, sizeof s, "%sabc\ta\tD\n", hdr);
    load_fails(s, "t.tsv:2: code 'abc' is not a signed 32-bit decimal");
    snprintf(s, sizeof s, "%s2147483648\ta\tD\n", hdr);
    load_fails(s, "t.tsv:2: code '2147483648'");
    snprintf(s, sizeof s, "%s-0\ta\tD\n", hdr);
    load_fails(s, "t.tsv:2: code '-0'");
    snprintf(s, sizeof s, "%s 12\ta\tD\n", hdr);
    load_fails(s, "t.tsv:2: code ' 12'");
    snprintf(s, sizeof s, "%s\ta\tD\n", hdr);
    load_fails(s, "t.tsv:2: code ''");
    snprintf(s, sizeof s, "%s-1\t1abc\tD\n", hdr);
    load_fails(s, "t.tsv:2: name '1abc' is not an identifier");
    snprintf(s, sizeof s, "%s-1\ta\t\n", hdr);
    load_fails(s, "t.tsv:2: domain ''");
    snprintf(s, sizeof s, "%s-1\ta\tD\n-2\tb\tD\n-1\tc\tD\n", hdr);
    load_fails(s, "t.tsv:4: code -1 in domain D is already on line 2");
    snprintf(s, sizeof s, "%s-1\ta\tD\n-2\ta\tE\n", hdr);
    load_fails(s, "t.tsv:3: name 'a' is already used on line 2");
    load_fails("code\tname\taliases\tdomain\n-1\ta\tb\tD\n-2\tb\t\tD\n",
               "t.tsv:3: name 'b' is already used on line 2");
    load_fails("code\tname\taliases\tdomain\n-1\ta\t,b\tD\n", "t.tsv:2: bad alias list");
    load_fails("code\tname\taliases\tdomain\n-1\ta\tb,\tD\n", "ends with ','");
    load_fails("code\tname\taliases\tdomain\n-1\ta\tb c\tD\n", "t.tsv:2: bad alias list");
    load_fails("code\tname\tdomain\tdescription\n-1\ta\tD\tx\x01y\n",
               "t.tsv:2: control byte 0x01 in column 4");

    char err[512];
    st_errcodes *t = NULL;
    static const char nul[] = "code\tname\tdomain\n-1\ta\0\tD\n";
    CHECK_INT(st_errcodes_load_mem("t.tsv", nul, sizeof nul - 1, &t, err,
                                   sizeof err), -1);
    CHECK(t == NULL);
    CHECK(strstr(err, "t.tsv:2: NUL byte at column 5") != NULL);

    size_t big = ST_ERRCODES_MAX_LINE + 100;
    char *longline = malloc(big + 64);
    if (longline) {
        int n = snprintf(longline, 64, "%s-1\ta\t", hdr);
        memset(longline + n, 'D', big);
        strcpy(longline + n + big, "\n");
        load_fails(longline, "t.tsv:2: line longer than");
        free(longline);
    }
}

TEST(test_wellformed_small_table)
{
    char err[512];
    /* CRLF, comments, blank lines, reordered and unknown columns. */
    st_errcodes *t = load_str(
        "\xEF\xBB\xBF# test table\r\n\r\n"
        "domain\tsource\tcode\tname\tcolour\taliases\r\n"
        "D\ts\t-70000\terrSecX\tred\terrSecY,errSecZ\r\n"
        "  \r\n"
        "D\t\t-5\t\t\t\r\n"
        "K\t\t5\tK_FIVE\t\t\r\n"
        "L\t\t5\tL_FIVE\t\t\r\n",
        err, sizeof err);
    if (!t)
        fprintf(stderr, "  %s\n", err);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_INT(st_errcodes_count(t), 4);
    const st_errcode *e = st_errcodes_find(t, -70000, NULL);
    CHECK(e && strcmp(e->name, "errSecX") == 0 && e->line == 4);
    CHECK(e && strcmp(e->description, "") == 0 && strcmp(e->source, "s") == 0);
    CHECK(st_errcodes_find_name(t, "errSecZ", 7, 0) == e);
    e = st_errcodes_find(t, -5, NULL);
    CHECK(e && e->name[0] == '\0' && e->aliases[0] == '\0');
    size_t n;
    e = st_errcodes_find(t, 5, &n);
    CHECK(e && n == 2 && strcmp(e->name, "K_FIVE") == 0);
    hits hs = {0};
    const char *m = "err -70000 errSecY -5 error -5";
    CHECK_INT(st_errcodes_scan(t, m, strlen(m), collect, &hs), 3);
    st_errcodes_free(t);
}

TEST(test_load_file_errors)
{
    char err[512] = "";
    st_errcodes *t = (st_errcodes *)1;
    CHECK_INT(st_errcodes_load("/nonexistent/errcodes.tsv", &t, err, sizeof err), -1);
    CHECK(t == NULL);
    CHECK(strstr(err, "/nonexistent/errcodes.tsv: cannot open") == err);

    char path[] = "/tmp/test_errcodes.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char *bad = "code\tname\tdomain\n-1\ta\tD\nzz\tb\tD\n";
    CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
    close(fd);
    CHECK_INT(st_errcodes_load(path, &t, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s:3: code 'zz'", path);
    CHECK(strstr(err, want) == err);
    /* A tiny error buffer truncates but does not overflow. */
    char tiny[8];
    CHECK_INT(st_errcodes_load(path, &t, tiny, sizeof tiny), -1);
    CHECK(strlen(tiny) < sizeof tiny);
    CHECK_INT(st_errcodes_load(path, &t, NULL, 0), -1);
    unlink(path);
}

TEST(test_default_path)
{
    char buf[4096];
    const char *old = getenv("SIGTRAIL_RULES");
    char *saved = old ? strdup(old) : NULL;
    setenv("SIGTRAIL_RULES", "/some/rules", 1);
    CHECK_STR(st_errcodes_default_path(buf, sizeof buf), "/some/rules/errcodes.tsv");
    CHECK(st_errcodes_default_path(buf, 10) == NULL);
    unsetenv("SIGTRAIL_RULES");
    const char *p = st_errcodes_default_path(buf, sizeof buf);
    CHECK(p != NULL);
    if (p) {
        size_t n = strlen(p), s = strlen("/rules/errcodes.tsv");
        CHECK(n > s && strcmp(p + n - s, "/rules/errcodes.tsv") == 0);
    }
    if (saved) {
        setenv("SIGTRAIL_RULES", saved, 1);
        free(saved);
    }
}

int main(void)
{
    RUN(test_load_real);
    if (!T)
        return RESULT();
    RUN(test_errseccs_range_complete);
    RUN(test_common_codes);
    RUN(test_shared_codes);
    RUN(test_names_and_aliases);
    RUN(test_parse_arg);
    RUN(test_scan_log_shapes);
    RUN(test_scan_rejects_non_mentions);
    RUN(test_scan_small_codes_need_context);
    RUN(test_scan_bytes_and_bounds);
    RUN(test_scan_every_negative_code);
    RUN(test_malformed_tables);
    RUN(test_wellformed_small_table);
    RUN(test_load_file_errors);
    RUN(test_default_path);
    st_errcodes_free(T);
    return RESULT();
}
