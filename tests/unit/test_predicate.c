/*
 * test_predicate.c -- the predicate language (analyzer/predicate.h) and the
 * field table it relies on (parsers/event.c).
 */
#include "check.h"
#include "predicate.h"

#include <stdlib.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* helpers                                                            */
/* ------------------------------------------------------------------ */

/* A typical sudo failure record as the text parsers produce it. */
static st_event base_event(void)
{
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.process = ST_STR_LIT("sudo");
    ev.process_path = ST_STR_LIT("/usr/bin/sudo");
    ev.sender_path = ST_STR_LIT("/usr/lib/pam/pam_opendirectory.so.2");
    ev.subsystem = ST_STR_LIT("com.apple.network");
    ev.category = ST_STR_LIT("connection");
    ev.message = ST_STR_LIT("3 incorrect password attempts ; TTY=ttys000");
    ev.type = ST_STR_LIT("Error");
    ev.event_type = ST_STR_LIT("logEvent");
    ev.has = ST_HAS_PID | ST_HAS_THREAD | ST_HAS_TRACE | ST_HAS_TIME |
             ST_HAS_USER | ST_HAS_TTL;
    ev.pid = 501;
    ev.thread_id = 0x1f2e;
    ev.trace_id = 18446744073709551615ULL;
    ev.time_us = 1700000000000000LL;
    ev.user_id = -2;
    ev.ttl = 0;
    ev.line = 12;
    return ev;
}

/* Compiles and evaluates; -1 when the predicate does not compile. */
static int match(const char *pred, const st_event *ev)
{
    st_pred_error e;
    st_pred *p = st_pred_compile(pred, &e);
    if (p == NULL) {
        fprintf(stderr, "compile failed: %s: %s\n", pred, e.msg);
        return -1;
    }
    int r = st_pred_eval_event(p, ev);
    st_pred_free(p);
    return r;
}

/* Compiles a predicate that must fail; returns its message (static). */
static const char *errmsg(const char *pred)
{
    static st_pred_error e;
    memset(&e, 0, sizeof e);
    st_pred *p = st_pred_compile(pred, &e);
    if (p != NULL) {
        st_pred_free(p);
        return "(compiled)";
    }
    return e.msg;
}

/* Renders a predicate in canonical form (static buffer). */
static const char *render(const char *pred)
{
    static char buf[1024];
    st_pred_error e;
    st_pred *p = st_pred_compile(pred, &e);
    if (p == NULL) {
        snprintf(buf, sizeof buf, "ERR %s", e.msg);
        return buf;
    }
    st_pred_render(p, buf, sizeof buf);
    st_pred_free(p);
    return buf;
}

/* Getter that answers every field with the same value (ctx). */
static void one_value(void *ctx, int field, st_value *out)
{
    (void)field;
    *out = *(const st_value *)ctx;
}

/* Text value over a C string (no copy). */
static st_value vstr(const char *s)
{
    st_value v;
    memset(&v, 0, sizeof v);
    v.kind = ST_V_STR;
    v.s = (st_str){s, strlen(s)};
    return v;
}

/* Signed number value. */
static st_value vint(int64_t i)
{
    st_value v;
    memset(&v, 0, sizeof v);
    v.kind = ST_V_INT;
    v.i = i;
    return v;
}

/* Unsigned number value. */
static st_value vuint(uint64_t u)
{
    st_value v;
    memset(&v, 0, sizeof v);
    v.kind = ST_V_UINT;
    v.u = u;
    return v;
}

/* Evaluates pred with every field reading as v. */
static int match_value(const char *pred, st_value v)
{
    st_pred_error e;
    st_pred *p = st_pred_compile(pred, &e);
    if (p == NULL) {
        fprintf(stderr, "compile failed: %s: %s\n", pred, e.msg);
        return -1;
    }
    int r = st_pred_eval(p, one_value, &v);
    st_pred_free(p);
    return r;
}

/* Evaluates pred with `process` set to s (and everything else as in
 * base_event). */
static int proc_is(const char *pred, const char *s)
{
    st_event ev = base_event();
    ev.process = (st_str){s, strlen(s)};
    return match(pred, &ev);
}

/* Evaluates pred with the message set to s. */
static int msg_is(const char *pred, const char *s)
{
    st_event ev = base_event();
    ev.message = (st_str){s, strlen(s)};
    return match(pred, &ev);
}

/* ------------------------------------------------------------------ */
/* tests                                                              */
/* ------------------------------------------------------------------ */

TEST(test_log_formats_examples)
{
    st_event ev = base_event();
    CHECK_INT(match("process == \"sudo\" and eventMessage contains "
                    "\"incorrect password\"", &ev), 1);
    CHECK_STR(render("process == \"sudo\" and eventMessage contains "
                     "\"incorrect password\""),
              "process == \"sudo\" AND composedMessage CONTAINS "
              "\"incorrect password\"");
    CHECK_INT(match("composedMessage contains \"dscl\" OR process contains "
                    "\"dscl\"", &ev), 0);
    CHECK_INT(proc_is("composedMessage contains \"dscl\" OR process contains "
                      "\"dscl\"", "dscl"), 1);
    CHECK_INT(msg_is("composedMessage contains \"dscl\" OR process contains "
                     "\"dscl\"", "running dscl . -list"), 1);
    CHECK_STR(render("composedMessage contains \"dscl\" OR process contains "
                     "\"dscl\""),
              "composedMessage CONTAINS \"dscl\" OR process CONTAINS \"dscl\"");
    CHECK_INT(match("subsystem == \"com.apple.network\"", &ev), 1);
    CHECK_INT(match("subsystem == \"com.apple.networkd\"", &ev), 0);
    CHECK_STR(render("subsystem == \"com.apple.network\""),
              "subsystem == \"com.apple.network\"");
    /* Velociraptor's Gatekeeper predicate (RULES_AND_TIMELINES.md) */
    ev.subsystem = ST_STR_LIT("com.apple.launchservices");
    ev.process = ST_STR_LIT("CoreServicesUIAgent");
    ev.category = ST_STR_LIT("uiagent");
    ev.message = ST_STR_LIT("Saving rejection record: foo");
    CHECK_INT(match("subsystem == \"com.apple.launchservices\" AND process == "
                    "\"CoreServicesUIAgent\" AND category == \"uiagent\" AND "
                    "(eventMessage BEGINSWITH \"Saving rejection record:\" OR "
                    "eventMessage CONTAINS \"Gatekeeper rejection record\")",
                    &ev), 1);
}

TEST(test_equality_operators)
{
    CHECK_INT(proc_is("process == \"sudo\"", "sudo"), 1);
    CHECK_INT(proc_is("process = \"sudo\"", "sudo"), 1);
    CHECK_INT(proc_is("process == \"sudo\"", "sudoers"), 0);
    CHECK_INT(proc_is("process == \"sudo\"", "Sudo"), 0);
    CHECK_INT(proc_is("process != \"sudo\"", "sudo"), 0);
    CHECK_INT(proc_is("process <> \"sudo\"", "su"), 1);
    CHECK_INT(proc_is("process == \"\"", ""), 1);
    CHECK_INT(proc_is("process == \"\"", "x"), 0);
    CHECK_INT(proc_is("process == 'sudo'", "sudo"), 1);
}

TEST(test_ordering_operators)
{
    st_event ev = base_event();
    CHECK_INT(match("processID < 502", &ev), 1);
    CHECK_INT(match("processID < 501", &ev), 0);
    CHECK_INT(match("processID <= 501", &ev), 1);
    CHECK_INT(match("processID =< 501", &ev), 1);
    CHECK_INT(match("processID > 500", &ev), 1);
    CHECK_INT(match("processID > 501", &ev), 0);
    CHECK_INT(match("processID >= 501", &ev), 1);
    CHECK_INT(match("processID => 502", &ev), 0);
    CHECK_INT(match("userID < 0", &ev), 1);
    CHECK_INT(match("userID == -2", &ev), 1);
    CHECK_INT(match("userID > -3", &ev), 1);
    /* strings compare bytewise */
    CHECK_INT(proc_is("process < \"sudo\"", "su"), 1);
    CHECK_INT(proc_is("process < \"sudo\"", "sudoers"), 0);
    CHECK_INT(proc_is("process > \"Z\"", "a"), 1);
    CHECK_INT(proc_is("process >= \"abc\"", "abc"), 1);
    CHECK_INT(proc_is("process <= \"abc\"", "abd"), 0);
    CHECK_INT(proc_is("process < \"\xc3\xa9\"", "z"), 1); /* é > z */
    CHECK_INT(proc_is("process <[c] \"B\"", "a"), 1);
    CHECK_INT(proc_is("process < \"B\"", "a"), 0);
}

TEST(test_contains_begins_ends)
{
    CHECK_INT(msg_is("eventMessage CONTAINS \"password\"", "bad password!"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS \"Password\"", "bad password!"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS \"\"", "anything"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS \"abc\"", "ab"), 0);
    CHECK_INT(msg_is("eventMessage BEGINSWITH \"bad\"", "bad password"), 1);
    CHECK_INT(msg_is("eventMessage BEGINSWITH \"password\"", "bad password"), 0);
    CHECK_INT(msg_is("eventMessage ENDSWITH \"word\"", "bad password"), 1);
    CHECK_INT(msg_is("eventMessage ENDSWITH \"bad\"", "bad password"), 0);
    CHECK_INT(msg_is("eventMessage ENDSWITH \"longer than it\"", "it"), 0);
    CHECK_INT(msg_is("eventMessage beginswith \"a\" && eventMessage endswith "
                     "\"z\"", "a..z"), 1);
    /* multi-line messages are one value */
    CHECK_INT(msg_is("eventMessage CONTAINS \"line2\"", "line1\nline2"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS \"1\\nl\"", "line1\nline2"), 1);
}

TEST(test_modifiers_ascii)
{
    CHECK_INT(proc_is("process ==[c] \"SUDO\"", "sudo"), 1);
    CHECK_INT(proc_is("process ==[c] \"SUDO\"", "sudox"), 0);
    CHECK_INT(proc_is("process !=[c] \"SUDO\"", "sudo"), 0);
    CHECK_INT(proc_is("process =[c] \"SUDO\"", "sUdO"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"INCORRECT\"",
                     "3 incorrect password attempts"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"incorrect\"",
                     "3 INCORRECT password attempts"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"incorrectx\"",
                     "3 INCORRECT password attempts"), 0);
    CHECK_INT(msg_is("eventMessage contains[C] \"tTy\"", "TTY=ttys000"), 1);
    CHECK_INT(msg_is("eventMessage BEGINSWITH[c] \"3 INC\"",
                     "3 incorrect"), 1);
    CHECK_INT(msg_is("eventMessage ENDSWITH[c] \"RECT\"", "3 incorrect"), 1);
    CHECK_INT(msg_is("eventMessage ENDSWITH[c] \"RECTX\"", "3 incorrect"), 0);
    CHECK_INT(proc_is("process ==[d] \"sudo\"", "SUDO"), 0); /* [d] keeps case */
    CHECK_INT(proc_is("process ==[cd] \"SUDO\"", "sudo"), 1);
    CHECK_INT(proc_is("process IN[c] {\"LOGIN\", \"SUDO\"}", "sudo"), 1);
    CHECK_INT(proc_is("process IN {\"LOGIN\", \"SUDO\"}", "sudo"), 0);
    /* candidates for the first letter in both cases, repeated */
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"aab\"", "AaAaAaAAAB"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"aab\"", "AaAaAaAAAC"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"1-2\"", "x1-2"), 1);
    /* the search keys on a rare needle byte: matches at both ends */
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"password\"", "PASSWORD"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"password\"", "xxPassWord"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"password\"", "PassWordxx"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"password\"", "passwor"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"password\"", "asswordw pw"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"a/b.c\"", "x A/B.C y"), 1);
}

TEST(test_unicode_folding)
{
    /* É vs é */
    CHECK_INT(proc_is("process ==[c] \"\xc3\x89T\xc3\x89\"",
                      "\xc3\xa9t\xc3\xa9"), 1);
    CHECK_INT(proc_is("process == \"\xc3\x89T\xc3\x89\"",
                      "\xc3\xa9t\xc3\xa9"), 0);
    CHECK_INT(proc_is("process ==[c] \"ete\"", "\xc3\xa9t\xc3\xa9"), 0);
    CHECK_INT(proc_is("process ==[d] \"ete\"", "\xc3\xa9t\xc3\xa9"), 1);
    CHECK_INT(proc_is("process ==[cd] \"ETE\"", "\xc3\x89t\xc3\xa9"), 1);
    /* ß stays ß: simple folding does not make it "ss" */
    CHECK_INT(proc_is("process ==[c] \"STRA\xc3\x9f" "E\"", "stra\xc3\x9f" "e"), 1);
    CHECK_INT(proc_is("process ==[c] \"STRASSE\"", "stra\xc3\x9f" "e"), 0);
    CHECK_INT(proc_is("process ==[cd] \"strasse\"", "stra\xc3\x9f" "e"), 0);
    /* Cyrillic: ПРИВЕТ vs привет; Ё vs е under [cd] */
    CHECK_INT(proc_is("process ==[c] \"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95"
                      "\xd0\xa2\"",
                      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"), 1);
    CHECK_INT(proc_is("process == \"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95"
                      "\xd0\xa2\"",
                      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"), 0);
    CHECK_INT(proc_is("process ==[cd] \"\xd0\x81\"", "\xd0\xb5"), 1);
    CHECK_INT(proc_is("process ==[c] \"\xd0\x81\"", "\xd1\x91"), 1); /* Ё ё */
    /* Greek: final sigma folds to sigma; tonos goes with [d] */
    CHECK_INT(proc_is("process ==[c] \"\xce\xa3\xce\x9f\xce\xa3\"",
                      "\xcf\x83\xce\xbf\xcf\x82"), 1);
    CHECK_INT(proc_is("process ==[cd] \"\xce\xac\"", "\xce\x91"), 1);
    CHECK_INT(proc_is("process ==[c] \"\xce\xac\"", "\xce\x91"), 0);
    /* diacritics: ñ ü ç å ø Ł Ž */
    CHECK_INT(proc_is("process ==[d] \"nucao\"",
                      "\xc3\xb1\xc3\xbc\xc3\xa7\xc3\xa5\xc3\xb8"), 1);
    CHECK_INT(proc_is("process ==[cd] \"LZ\"", "\xc5\x82\xc5\xbd"), 1);
    /* Latin Extended-A case pairs */
    CHECK_INT(proc_is("process ==[c] \"\xc5\x81\xc3\x93\xc4\x8e\xc5\xbd\"",
                      "\xc5\x82\xc3\xb3\xc4\x8f\xc5\xbe"), 1);
    /* decomposed e + U+0301 equals precomposed é under [d] */
    CHECK_INT(proc_is("process ==[d] \"caf\xc3\xa9\"", "cafe\xcc\x81"), 1);
    CHECK_INT(proc_is("process == \"caf\xc3\xa9\"", "cafe\xcc\x81"), 0);
    /* CONTAINS[c] with an ASCII needle falls back to full folding for
     * non-ASCII subjects: long s folds to s, É[d] to E */
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"sudo\"", "x \xc5\xbfudo y"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"sudo\"", "x \xc5\xbfud y"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"clair\"", "\xc3\x89" "CLAIR"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"eclair\"", "\xc3\x89" "CLAIR"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[cd] \"eclair\"", "\xc3\x89" "CLAIR"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"\xc3\xa9" "clair\"",
                     "\xc3\x89" "CLAIR"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[cd] \"resume\"",
                     "my R\xc3\x89SUM\xc3\x89.pdf"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"resume\"",
                     "my R\xc3\x89SUM\xc3\x89.pdf"), 0);
    CHECK_INT(msg_is("eventMessage CONTAINS[d] \"e\"", "\xc3\xa9"), 1);
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"\xc3\x89T\xc3\x89\"",
                     "summer \xc3\xa9t\xc3\xa9 2024"), 1);
    CHECK_INT(msg_is("eventMessage BEGINSWITH[cd] \"E\"", "\xc3\xa9t\xc3\xa9"), 1);
    CHECK_INT(msg_is("eventMessage ENDSWITH[cd] \"TE\"", "\xc3\xa9t\xc3\xa9"), 1);
    CHECK_INT(msg_is("eventMessage ENDSWITH[cd] \"e\"", "cafe\xcc\x81"), 1);
    /* invalid UTF-8 bytes compare as themselves and never crash */
    CHECK_INT(msg_is("eventMessage CONTAINS[c] \"\xff" "A\"", "x\xff" "a"), 1);
    CHECK_INT(msg_is("eventMessage ==[cd] \"\xc3\"", "\xc3"), 1);
    CHECK_INT(msg_is("eventMessage ==[cd] \"\xc3\"", "\xc3\xa9"), 0);
}

TEST(test_like)
{
    CHECK_INT(proc_is("process LIKE \"su*\"", "sudo"), 1);
    CHECK_INT(proc_is("process LIKE \"su*\"", "xsudo"), 0); /* whole string */
    CHECK_INT(proc_is("process LIKE \"*do\"", "sudo"), 1);
    CHECK_INT(proc_is("process LIKE \"s?do\"", "sudo"), 1);
    CHECK_INT(proc_is("process LIKE \"s?do\"", "sdo"), 0);
    CHECK_INT(proc_is("process LIKE \"*\"", ""), 1);
    CHECK_INT(proc_is("process LIKE \"\"", ""), 1);
    CHECK_INT(proc_is("process LIKE \"\"", "a"), 0);
    CHECK_INT(proc_is("process LIKE \"a*b*c\"", "aXXbYYbZc"), 1);
    CHECK_INT(proc_is("process LIKE \"a*b*c\"", "aXXbYYbZcd"), 0);
    CHECK_INT(proc_is("process LIKE \"*aab\"", "aaab"), 1);
    CHECK_INT(proc_is("process LIKE \"**a**\"", "bab"), 1);
    /* ? is one character, not one byte */
    CHECK_INT(proc_is("process LIKE \"caf?\"", "caf\xc3\xa9"), 1);
    /* backslash escapes the wildcards */
    CHECK_INT(proc_is("process LIKE \"a\\*b\"", "a*b"), 1);
    CHECK_INT(proc_is("process LIKE \"a\\*b\"", "axb"), 0);
    CHECK_INT(proc_is("process LIKE \"a\\?\"", "a?"), 1);
    CHECK_INT(proc_is("process LIKE \"a\\?\"", "ab"), 0);
    CHECK_INT(proc_is("process LIKE \"a\\\\*b\"", "a*b"), 1); /* \\ -> \ */
    CHECK_INT(proc_is("process LIKE[c] \"SU*\"", "sudo"), 1);
    CHECK_INT(proc_is("process LIKE \"SU*\"", "sudo"), 0);
    CHECK_INT(proc_is("process LIKE[cd] \"*RESUME*\"", "mon r\xc3\xa9sum\xc3\xa9"), 1);
    /* pathological pattern stays fast (no exponential backtracking) */
    char subj[4001];
    memset(subj, 'a', 4000);
    subj[4000] = 0;
    clock_t t0 = clock();
    CHECK_INT(proc_is("process LIKE \"*a*a*a*a*a*a*a*a*b\"", subj), 0);
    CHECK(clock() - t0 < CLOCKS_PER_SEC);
}

TEST(test_matches)
{
    CHECK_INT(msg_is("eventMessage MATCHES \"[0-9]+ incorrect.*\"",
                     "3 incorrect password"), 1);
    /* whole-string: no implicit .* on either side */
    CHECK_INT(msg_is("eventMessage MATCHES \"incorrect\"",
                     "3 incorrect password"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES \"3 incorrect\"",
                     "3 incorrect password"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES \"a|b\"", "b"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES \"a|b\"", "ab"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES \"\\d+\"", "123"), 1); /* \d kept */
    CHECK_INT(msg_is("eventMessage MATCHES \"\\\\d+\"", "123"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES \"SUDO.*\"", "sudo: x"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES[c] \"SUDO.*\"", "sudo: x"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES[c] \"\xc3\x89T\xc3\x89\"",
                     "\xc3\xa9t\xc3\xa9"), 1);
    /* [d] folds the subject; the pattern is used as written */
    CHECK_INT(msg_is("eventMessage MATCHES[d] \"cafe\"", "caf\xc3\xa9"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES \"cafe\"", "caf\xc3\xa9"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES[cd] \"CAFE\"", "caf\xc3\xa9"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES \"caf.\"", "caf\xc3\xa9"), 1);
    /* invalid UTF-8 in the subject is not an error */
    CHECK_INT(msg_is("eventMessage MATCHES \"a.*z\"", "a\xff\xfez"), 0);
    CHECK_STR(errmsg("eventMessage MATCHES \"a\\\\C*z\""),
              "1:22: invalid regular expression: using \\C is disabled by "
              "the application");
    CHECK_INT(msg_is("eventMessage MATCHES \"a.*\"", "a\xff\xfe"), 0);
    CHECK_INT(msg_is("eventMessage MATCHES \"(?s)a.*\"", "a\nb"), 1);
    CHECK_INT(msg_is("eventMessage MATCHES \"(*NO_JIT)[a-c]+\"", "abc"), 1);

    /* catastrophic backtracking: quick "no match" plus the counter */
    char subj[32];
    memset(subj, 'a', 30);
    subj[30] = 'b';
    subj[31] = 0;
    st_event ev = base_event();
    ev.message = (st_str){subj, 31};
    const char *bad[] = {"eventMessage MATCHES \"(a+)+$\"",
                         "eventMessage MATCHES \"(*NO_JIT)(a+)+$\""};
    for (int k = 0; k < 2; k++) {
        st_pred_error e;
        st_pred *p = st_pred_compile(bad[k], &e);
        CHECK(p != NULL);
        if (p == NULL)
            continue;
        CHECK_INT(st_pred_has_regex(p), 1);
        CHECK_INT(st_pred_regex_limit_hits(p), 0);
        clock_t t0 = clock();
        CHECK_INT(st_pred_eval_event(p, &ev), 0);
        CHECK_INT(st_pred_eval_event(p, &ev), 0);
        CHECK(clock() - t0 < CLOCKS_PER_SEC);
        CHECK_INT(st_pred_regex_limit_hits(p), 2);
        /* the thread-safe form with a caller scratch counts the same */
        st_pred_scratch *sc = st_pred_scratch_new();
        CHECK(sc != NULL);
        CHECK_INT(st_pred_eval_event_r(p, &ev, sc), 0);
        CHECK_INT(st_pred_regex_limit_hits(p), 3);
        ev.message = ST_STR_LIT("aaaa");
        CHECK_INT(st_pred_eval_event_r(p, &ev, sc), 1);
        ev.message = (st_str){subj, 31};
        st_pred_scratch_free(sc);
        st_pred_free(p);
    }
    /* a caller-set, lower match limit: fine by default, a hit at 10 */
    st_pred_opts o;
    memset(&o, 0, sizeof o);
    const char *txt = "eventMessage MATCHES \"(?:a|ab)*?z\"";
    ev.message = ST_STR_LIT("abababababababababababababababababababz");
    st_pred *p = st_pred_compile_ex(txt, strlen(txt), &o, NULL);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_INT(st_pred_eval_event(p, &ev), 1);
        CHECK_INT(st_pred_regex_limit_hits(p), 0);
        st_pred_free(p);
    }
    o.regex_match_limit = 10;
    p = st_pred_compile_ex(txt, strlen(txt), &o, NULL);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_INT(st_pred_eval_event(p, &ev), 0);
        CHECK_INT(st_pred_regex_limit_hits(p), 1);
        st_pred_free(p);
    }
    CHECK_INT(st_pred_has_regex(NULL), 0);
}

TEST(test_in_sets)
{
    CHECK_INT(proc_is("process IN {\"login\", \"sudo\", \"su\"}", "sudo"), 1);
    CHECK_INT(proc_is("process IN {\"login\", \"su\"}", "sudo"), 0);
    CHECK_INT(proc_is("process IN {}", "sudo"), 0);
    CHECK_INT(proc_is("process in {'sudo'}", "sudo"), 1);
    st_event ev = base_event();
    CHECK_INT(match("processID IN {1, 501, 0x10}", &ev), 1);
    CHECK_INT(match("processID IN {1, 16}", &ev), 0);
    ev.pid = 16;
    CHECK_INT(match("processID IN {1, 0x10}", &ev), 1);
    /* "text" IN field is a substring test, as in NSPredicate */
    CHECK_INT(proc_is("\"ud\" IN process", "sudo"), 1);
    CHECK_INT(proc_is("\"xx\" IN process", "sudo"), 0);
    /* mixed sets on a field of unknown type (custom getter) */
    CHECK_INT(match_value("processID IN {3, 4}", vint(4)), 1);
    CHECK_INT(match_value("messageType IN {error, fault}", vstr("Fault")), 1);
    CHECK_INT(match_value("messageType IN {error, fault}", vstr("Info")), 0);
}

TEST(test_between)
{
    st_event ev = base_event();
    CHECK_INT(match("processID BETWEEN {500, 502}", &ev), 1);
    CHECK_INT(match("processID BETWEEN {501, 501}", &ev), 1);
    CHECK_INT(match("processID BETWEEN {502, 600}", &ev), 0);
    CHECK_INT(match("processID BETWEEN {600, 500}", &ev), 0);
    CHECK_INT(match("userID BETWEEN {-5, -1}", &ev), 1);
    CHECK_INT(match("timestamp BETWEEN {1699999999000000, 1700000001000000}",
                    &ev), 1);
    CHECK_INT(proc_is("process BETWEEN {\"a\", \"t\"}", "sudo"), 1);
    CHECK_INT(proc_is("process BETWEEN {\"t\", \"z\"}", "sudo"), 0);
    CHECK_INT(proc_is("process BETWEEN[c] {\"A\", \"T\"}", "sudo"), 1);
    CHECK_INT(match("messageType BETWEEN {info, error}", &ev), 1);
}

TEST(test_numeric_fields)
{
    st_event ev = base_event();
    CHECK_INT(match("traceID == 18446744073709551615", &ev), 1);
    CHECK_INT(match("traceID == 18446744073709551614", &ev), 0);
    CHECK_INT(match("traceID > 18446744073709551614", &ev), 1);
    CHECK_INT(match("traceID == 0xFFFFFFFFFFFFFFFF", &ev), 1);
    CHECK_INT(match("traceID > 0", &ev), 1);
    CHECK_INT(match("traceID > -1", &ev), 1);
    /* beyond 2^53 every unit counts */
    ev.trace_id = 9007199254740993ULL;
    CHECK_INT(match("traceID == 9007199254740993", &ev), 1);
    CHECK_INT(match("traceID == 9007199254740992", &ev), 0);
    CHECK_INT(match("traceID < 9007199254740994", &ev), 1);
    CHECK_INT(match("traceID IN {9007199254740992, 9007199254740993}", &ev), 1);
    ev = base_event();
    CHECK_INT(match("threadID == 0x1f2e", &ev), 1);
    CHECK_INT(match("threadID == 7982", &ev), 1);
    CHECK_INT(match("pid == 501", &ev), 1);
    CHECK_INT(match("processID == 501 AND userID == -2 AND ttl == 0", &ev), 1);
    CHECK_INT(match("line == 12", &ev), 1);
    CHECK_INT(match("line > 12", &ev), 0);
    CHECK_INT(match("timestamp > 1600000000000000", &ev), 1);
    CHECK_INT(match("processID == -0", &ev), 0);
    ev.pid = 0;
    CHECK_INT(match("processID == -0", &ev), 1);
    /* int64 extremes against uint64 literals */
    CHECK_INT(match_value("processID < -9223372036854775807",
                          vint(INT64_MIN)), 1);
    CHECK_INT(match_value("processID == -9223372036854775808",
                          vint(INT64_MIN)), 1);
    CHECK_INT(match_value("processID < 9223372036854775808",
                          vint(INT64_MAX)), 1);
    CHECK_INT(match_value("processID == 9223372036854775808",
                          vuint(9223372036854775808ULL)), 1);
    /* a getter that gives numbers as text still compares numerically */
    CHECK_INT(match_value("processID == 501", vstr("501")), 1);
    CHECK_INT(match_value("processID > 99", vstr("501")), 1);
    CHECK_INT(match_value("processID == 501", vstr("five")), 0);
    CHECK_INT(match_value("processID != 501", vstr("five")), 1);
    /* string literal on a numeric field: a compile error */
    CHECK_STR(errmsg("processID == \"501\""),
              "1:14: processID is numeric; expected a number, found a string");
    CHECK_STR(errmsg("traceID CONTAINS 5"),
              "1:9: CONTAINS needs a text field; traceID is numeric");
    CHECK_STR(errmsg("processID ==[c] 5"),
              "1:11: [c] and [d] apply to text; processID compares numbers");
    CHECK_STR(errmsg("process == 5"),
              "1:12: process is text; expected a quoted string, found a number");
}

TEST(test_message_type)
{
    st_event ev = base_event(); /* type "Error" */
    CHECK_INT(match("messageType == error", &ev), 1);
    CHECK_INT(match("messageType == Error", &ev), 1);
    CHECK_INT(match("messageType == \"error\"", &ev), 1);
    CHECK_INT(match("messageType == 16", &ev), 1);
    CHECK_INT(match("messageType == fault", &ev), 0);
    CHECK_INT(match("messageType == 17", &ev), 0);
    CHECK_INT(match("messageType != info", &ev), 1);
    CHECK_INT(match("messageType >= error", &ev), 1);
    CHECK_INT(match("messageType > 16", &ev), 0);
    ev.type = ST_STR_LIT("Default");
    CHECK_INT(match("messageType == default", &ev), 1);
    CHECK_INT(match("messageType == release", &ev), 1);
    CHECK_INT(match("messageType == 0", &ev), 1);
    ev.type = ST_STR_LIT("Info");
    CHECK_INT(match("messageType == 1", &ev), 1);
    ev.type = ST_STR_LIT("Debug");
    CHECK_INT(match("messageType == 2", &ev), 1);
    CHECK_INT(match("messageType < error", &ev), 1);
    ev.type = ST_STR_LIT("FAULT");
    CHECK_INT(match("messageType == 17", &ev), 1);
    /* sigtrail's other Type values: equality only */
    ev.type = ST_STR_LIT("Activity");
    CHECK_INT(match("messageType == activity", &ev), 1);
    CHECK_INT(match("messageType == default", &ev), 0);
    CHECK_INT(match("messageType >= 0", &ev), 0);
    ev.type = ST_STR_LIT("Something");
    CHECK_INT(match("messageType == error", &ev), 0);
    CHECK_INT(match("messageType != error", &ev), 1);
    CHECK_STR(errmsg("messageType == eror"),
              "1:16: unknown messageType 'eror' (did you mean 'error'?)");
    CHECK_STR(errmsg("messageType > activity"),
              "1:15: messageType activity has no order; use == or !=");
    CHECK_STR(errmsg("messageType CONTAINS \"err\""),
              "1:13: CONTAINS is not supported on messageType; use ==, !=, "
              "<, >, IN or BETWEEN");
    CHECK_STR(render("messageType == 16 OR messageType = \"Fault\""),
              "messageType == 16 OR messageType == fault");
}

TEST(test_enum_fields)
{
    st_event ev = base_event();
    CHECK_INT(match("eventType == logEvent", &ev), 1);
    CHECK_INT(match("eventType == LOGEVENT", &ev), 1);
    CHECK_INT(match("eventType == 1024", &ev), 1);
    CHECK_INT(match("eventType == traceEvent", &ev), 0);
    CHECK_INT(match("eventType == \"logevent\"", &ev), 1);
    CHECK_STR(render("eventType == 1024"), "eventType == logEvent");
    CHECK_STR(errmsg("eventType == logEvnt"),
              "1:14: unknown eventType 'logEvnt' (did you mean 'logEvent'?)");
    CHECK_STR(errmsg("eventType == 5"),
              "1:14: unknown eventType number; expected 513, 514, 768, 1024 "
              "or a name such as logEvent");
    ev.signpost_type = ST_STR_LIT("begin");
    ev.signpost_scope = ST_STR_LIT("thread");
    CHECK_INT(match("signpostType == begin AND signpostScope == Thread", &ev), 1);
    CHECK_INT(match("signpostType == end", &ev), 0);
}

TEST(test_nil_and_absent)
{
    st_event ev = base_event();
    ev.subsystem = ST_STR_NULL;
    ev.has &= ~(unsigned)ST_HAS_PID;
    const char *fail[] = {
        "subsystem == \"x\"", "subsystem CONTAINS \"\"", "subsystem LIKE \"*\"",
        "subsystem BEGINSWITH \"\"", "subsystem ENDSWITH \"\"",
        "subsystem MATCHES \".*\"", "subsystem < \"zzz\"", "subsystem > \"\"",
        "subsystem IN {\"a\"}", "subsystem BETWEEN {\"\", \"z\"}",
        "processID == 0", "processID < 1000", "processID >= 0",
        "processID IN {0}", "subsystem != nil", "processID != nil",
        "subsystem ==[c] \"x\"",
    };
    for (size_t i = 0; i < sizeof fail / sizeof *fail; i++) {
        int r = match(fail[i], &ev);
        if (r != 0)
            fprintf(stderr, "absent: %s -> %d\n", fail[i], r);
        CHECK_INT(r, 0);
    }
    CHECK_INT(match("subsystem != \"x\"", &ev), 1);
    CHECK_INT(match("processID != 5", &ev), 1);
    CHECK_INT(match("subsystem == nil", &ev), 1);
    CHECK_INT(match("processID == nil", &ev), 1);
    CHECK_INT(match("nil == subsystem", &ev), 1);
    CHECK_INT(match("NOT subsystem == \"x\"", &ev), 1);
    CHECK_INT(match("category == nil", &ev), 0);
    CHECK_INT(match("category != nil", &ev), 1);
    /* present but empty is not absent */
    ev.category = ST_STR_LIT("");
    CHECK_INT(match("category == nil", &ev), 0);
    CHECK_INT(match("category == \"\"", &ev), 1);
    /* source is known to the store only: absent through st_event_get */
    CHECK_INT(match("source == nil", &ev), 1);
    CHECK_STR(errmsg("subsystem CONTAINS nil"),
              "1:20: nil can only be compared with == or !=");
}

TEST(test_reversed_operands)
{
    st_event ev = base_event();
    CHECK_INT(match("\"sudo\" == process", &ev), 1);
    CHECK_INT(match("\"sudo\" != process", &ev), 0);
    CHECK_INT(match("500 < processID", &ev), 1);
    CHECK_INT(match("501 < processID", &ev), 0);
    CHECK_INT(match("501 <= processID", &ev), 1);
    CHECK_INT(match("502 > processID", &ev), 1);
    CHECK_INT(match("501 >= processID", &ev), 1);
    CHECK_INT(match("\"SUDO\" ==[c] process", &ev), 1);
    CHECK_STR(render("500 < processID"), "processID > 500");
    CHECK_STR(render("\"x\" IN composedMessage"),
              "composedMessage CONTAINS \"x\"");
    CHECK_STR(errmsg("\"sudo\" CONTAINS process"),
              "1:1: put the field on the left of CONTAINS (field CONTAINS "
              "value)");
    CHECK_STR(errmsg("\"a\" == \"b\""),
              "1:1: expected a field name on one side of ==");
}

TEST(test_precedence_and_parentheses)
{
    st_event ev = base_event();
    /* AND binds tighter than OR */
    CHECK_INT(match("process == \"x\" AND processID == 1 OR process == "
                    "\"sudo\"", &ev), 1);
    CHECK_INT(match("process == \"sudo\" OR process == \"x\" AND processID == "
                    "1", &ev), 1);
    CHECK_INT(match("(process == \"sudo\" OR process == \"x\") AND processID "
                    "== 1", &ev), 0);
    /* NOT binds tighter than AND */
    CHECK_INT(match("NOT process == \"x\" AND processID == 501", &ev), 1);
    CHECK_INT(match("NOT (process == \"sudo\" AND processID == 1)", &ev), 1);
    CHECK_INT(match("NOT process == \"sudo\" AND processID == 1", &ev), 0);
    CHECK_INT(match("! process == \"sudo\" || processID == 501", &ev), 1);
    CHECK_INT(match("!(process == \"sudo\") && processID == 501", &ev), 0);
    CHECK_INT(match("not not process == \"sudo\"", &ev), 1);
    CHECK_INT(match("TRUEPREDICATE", &ev), 1);
    CHECK_INT(match("FALSEPREDICATE", &ev), 0);
    CHECK_INT(match("truepredicate and falsepredicate", &ev), 0);
    CHECK_INT(match("FALSEPREDICATE OR processID == 501", &ev), 1);
    CHECK_INT(match("((((process == \"sudo\"))))", &ev), 1);
    CHECK_INT(match("process == \"sudo\" aNd processID == 501", &ev), 1);
    CHECK_INT(match("process==\"sudo\"&&processID==501", &ev), 1);
    CHECK_INT(match("process\t==\n\"sudo\"", &ev), 1);
    /* long flat chains evaluate without recursion */
    size_t cap = 200000;
    char *big = malloc(cap);
    CHECK(big != NULL);
    if (big != NULL) {
        size_t o = 0;
        for (int i = 0; i < 5000; i++)
            o += (size_t)snprintf(big + o, cap - o, "%sprocessID == %d",
                                  i ? " OR " : "", i + 1000);
        snprintf(big + o, cap - o, " OR process == \"sudo\"");
        CHECK_INT(match(big, &ev), 1);
        free(big);
    }
}

TEST(test_errors_with_columns)
{
    CHECK_STR(errmsg(""), "1:1: empty predicate; expected a comparison such "
                          "as process == \"sudo\"");
    CHECK_STR(errmsg("procss == \"sudo\""),
              "1:1: unknown field 'procss' (did you mean 'process'?)");
    CHECK_STR(errmsg("process == \"sudo\" AND Subsystem == \"x\""),
              "1:23: unknown field 'Subsystem' (did you mean 'subsystem'?)");
    CHECK_STR(errmsg("zzzqqq == 1"), "1:1: unknown field 'zzzqqq'");
    CHECK_STR(errmsg("process == \"sudo"),
              "1:12: unterminated string; expected a closing \"");
    CHECK_STR(errmsg("process == 'sudo"),
              "1:12: unterminated string; expected a closing '");
    CHECK_STR(errmsg("eventMessage CONTAINS"),
              "1:22: expected a value after CONTAINS, found end of predicate");
    CHECK_STR(errmsg("process == \"a\" AND"),
              "1:19: expected a comparison such as process == \"sudo\", found "
              "end of predicate");
    CHECK_STR(errmsg("process CONTAINS[x] \"a\""),
              "1:18: unknown modifier 'x'; expected [c], [d] or [cd]");
    CHECK_STR(errmsg("process CONTAINS[c \"a\""),
              "1:19: unknown modifier ' '; expected [c], [d] or [cd]");
    CHECK_STR(errmsg("process CONTAINS [c] \"a\""),
              "1:18: modifiers must follow the operator directly, as in "
              "CONTAINS[c]");
    CHECK_STR(errmsg("eventMessage MATCHES \"(ab\""),
              "1:26: invalid regular expression: missing closing parenthesis");
    CHECK_STR(errmsg("(process == \"a\" OR process == \"b\""),
              "1:34: expected ')' to close the '(' at 1:1, found end of "
              "predicate");
    CHECK_STR(errmsg("process == \"a\")"),
              "1:15: unbalanced ')'; expected AND, OR or end of predicate");
    CHECK_STR(errmsg("process == \"a\" process == \"b\""),
              "1:16: expected AND, OR or end of predicate, found 'process'");
    CHECK_STR(errmsg("process \"a\""),
              "1:9: expected an operator (==, !=, <, >, CONTAINS, BEGINSWITH, "
              "ENDSWITH, LIKE, MATCHES, IN, BETWEEN) after 'process', found "
              "'\"a\"'");
    CHECK_STR(errmsg("process == sudo"),
              "1:12: expected a value after ==; quote text: \"sudo\"");
    CHECK_STR(errmsg("process == sender"),
              "1:12: expected a value after ==; comparing two fields is not "
              "supported");
    CHECK_STR(errmsg("process IN \"a\""),
              "1:12: expected '{' after IN (a set such as {\"a\", \"b\"}), found "
              "'\"a\"'");
    CHECK_STR(errmsg("process IN {\"a\" \"b\"}"),
              "1:17: expected ',' or '}' in the set opened at 1:12, found "
              "'\"b\"'");
    CHECK_STR(errmsg("processID BETWEEN {1, 2, 3}"),
              "1:19: BETWEEN needs a set of two values {low, high}, found 3");
    CHECK_STR(errmsg("processID == 99999999999999999999"),
              "1:14: number out of range (at most 18446744073709551615)");
    CHECK_STR(errmsg("processID == 1.5"),
              "1:14: expected an integer; decimal fractions are not supported");
    CHECK_STR(errmsg("process == \"\\u12\""),
              "1:13: expected 4 hex digits after \\u");
    CHECK_STR(errmsg("ANY process == \"a\""),
              "1:1: ANY is not supported by sigtrail predicates");
    CHECK_STR(errmsg("process = $x"),
              "1:11: variables ($name) are not supported");
    CHECK_STR(errmsg("process & \"a\""), "1:9: expected '&&'");
    /* line and column (in characters) on later lines */
    CHECK_STR(errmsg("process == \"\xc3\xa9\xc3\xa9\"\n  AND procss == \"a\""),
              "2:7: unknown field 'procss' (did you mean 'process'?)");
    CHECK_STR(errmsg("process == \"\xc3\xa9\xc3\xa9\" AND x"),
              "1:22: expected an operator (==, !=, <, >, CONTAINS, BEGINSWITH, "
              "ENDSWITH, LIKE, MATCHES, IN, BETWEEN) after 'x', found end of "
              "predicate");
    st_pred_error e;
    CHECK(st_pred_compile("process == \"\xc3\xa9\xc3\xa9\" AND x", &e) == NULL);
    CHECK_INT(e.line, 1);
    CHECK_INT(e.column, 22);
    CHECK_INT(e.offset, 23);
    CHECK_STR(e.detail, "expected an operator (==, !=, <, >, CONTAINS, "
              "BEGINSWITH, ENDSWITH, LIKE, MATCHES, IN, BETWEEN) after 'x', "
              "found end of predicate");
    /* NUL bytes are errors outside strings, data inside them */
    const char nul[] = "process == \"a\" \0 AND";
    CHECK(st_pred_compile_ex(nul, sizeof nul - 1, NULL, &e) == NULL);
    CHECK_STR(e.msg, "1:16: unexpected NUL byte");
    const char nul2[] = "process == \"a\0b\"";
    st_pred *p = st_pred_compile_ex(nul2, sizeof nul2 - 1, NULL, &e);
    CHECK(p != NULL);
    if (p != NULL) {
        st_event ev = base_event();
        ev.process = (st_str){"a\0b", 3};
        CHECK_INT(st_pred_eval_event(p, &ev), 1);
        char buf[64];
        st_pred_render(p, buf, sizeof buf);
        CHECK_STR(buf, "process == \"a\\u0000b\"");
        st_pred_free(p);
    }
    /* a NULL err is allowed */
    CHECK(st_pred_compile("(", NULL) == NULL);
}

TEST(test_limits)
{
    char buf[2048];
    size_t o = 0;
    for (int i = 0; i < ST_PRED_MAX_DEPTH; i++)
        buf[o++] = '(';
    o += (size_t)snprintf(buf + o, sizeof buf - o, "processID == 501");
    for (int i = 0; i < ST_PRED_MAX_DEPTH; i++)
        buf[o++] = ')';
    buf[o] = 0;
    st_event ev = base_event();
    CHECK_INT(match(buf, &ev), 1);
    memmove(buf + 1, buf, o + 1);
    buf[0] = '(';
    strcat(buf, ")");
    CHECK_STR(errmsg(buf), "1:201: nesting deeper than 200 levels "
                           "(parentheses and NOT)");
    o = 0;
    for (int i = 0; i <= ST_PRED_MAX_DEPTH; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "!");
    snprintf(buf + o, sizeof buf - o, "processID == 501");
    CHECK_STR(errmsg(buf), "1:201: nesting deeper than 200 levels "
                           "(parentheses and NOT)");
    /* exactly 200 levels: fine (an even count of NOT) */
    CHECK_INT(match(buf + 1, &ev), 1);
    /* length */
    size_t n = ST_PRED_MAX_LEN + 1;
    char *big = malloc(n + 1);
    CHECK(big != NULL);
    if (big != NULL) {
        memset(big, ' ', n);
        memcpy(big, "process == \"a\"", 14);
        big[n] = 0;
        st_pred_error e;
        CHECK(st_pred_compile_ex(big, n, NULL, &e) == NULL);
        CHECK_STR(e.detail, "predicate longer than 1048576 bytes");
        st_pred *p = st_pred_compile_ex(big, n - 1, NULL, &e);
        CHECK(p != NULL);
        st_pred_free(p);
        free(big);
    }
}

TEST(test_string_escapes)
{
    CHECK_INT(proc_is("process == \"a\\\"b\"", "a\"b"), 1);
    CHECK_INT(proc_is("process == 'a\\'b'", "a'b"), 1);
    CHECK_INT(proc_is("process == 'a\"b'", "a\"b"), 1);
    CHECK_INT(proc_is("process == \"a\\\\b\"", "a\\b"), 1);
    CHECK_INT(proc_is("process == \"a\\nb\\tc\\rd\"", "a\nb\tc\rd"), 1);
    CHECK_INT(proc_is("process == \"caf\\u00e9\"", "caf\xc3\xa9"), 1);
    CHECK_INT(proc_is("process == \"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80"), 1);
    CHECK_INT(proc_is("process == \"a\\qb\"", "a\\qb"), 1); /* kept */
    CHECK_STR(errmsg("process == \"\\uDE00\""),
              "1:13: invalid \\u escape: lone low surrogate");
    CHECK_STR(errmsg("process == \"\\uD83Dx\""),
              "1:13: invalid \\u escape: expected a low surrogate "
              "\\uDC00-\\uDFFF after \\uD83D");
    CHECK_STR(render("process == 'it\\'s \"q\" \\\\ \\n'"),
              "process == \"it's \\\"q\\\" \\\\ \\n\"");
}

/* Checks that render output compiles back to the same rendering. */
static void check_roundtrip(const char *pred)
{
    char first[1024];
    snprintf(first, sizeof first, "%s", render(pred));
    CHECK(strncmp(first, "ERR", 3) != 0);
    CHECK_STR(render(first), first);
}

TEST(test_render_canonical)
{
    CHECK_STR(render("process = \"sudo\" && eventMessage contains[cd] \"x\""),
              "process == \"sudo\" AND composedMessage CONTAINS[cd] \"x\"");
    CHECK_STR(render("a_ok == 1"), "ERR 1:1: unknown field 'a_ok'");
    CHECK_STR(render("pid <> 3 || pid =< 4 or pid => 5"),
              "processID != 3 OR processID <= 4 OR processID >= 5");
    CHECK_STR(render("(process == \"a\" OR process == \"b\") AND pid == 1"),
              "(process == \"a\" OR process == \"b\") AND processID == 1");
    CHECK_STR(render("process == \"a\" OR (process == \"b\" AND pid == 1)"),
              "process == \"a\" OR process == \"b\" AND processID == 1");
    CHECK_STR(render("((process == \"a\" AND pid == 2) AND pid == 1)"),
              "process == \"a\" AND processID == 2 AND processID == 1");
    CHECK_STR(render("!(process == \"a\" || pid == 1)"),
              "NOT (process == \"a\" OR processID == 1)");
    CHECK_STR(render("not (not process == \"a\")"),
              "NOT NOT process == \"a\"");
    CHECK_STR(render("pid IN {1,2, 0x10}"), "processID IN {1, 2, 16}");
    CHECK_STR(render("process in[c] {'a'}"), "process IN[c] {\"a\"}");
    CHECK_STR(render("pid between {1,2}"), "processID BETWEEN {1, 2}");
    CHECK_STR(render("subsystem = nil"), "subsystem == nil");
    CHECK_STR(render("messageType == \"Error\""), "messageType == error");
    CHECK_STR(render("eventType == logevent"), "eventType == logEvent");
    CHECK_STR(render("signpostType == begin"), "signpostType == begin");
    CHECK_STR(render("truepredicate or falsepredicate"),
              "TRUEPREDICATE OR FALSEPREDICATE");
    CHECK_STR(render("process like \"a*\" and process matches[c] \"b.\""),
              "process LIKE \"a*\" AND process MATCHES[c] \"b.\"");
    CHECK_STR(render("process beginswith[d] \"a\" and process endswith \"b\""),
              "process BEGINSWITH[d] \"a\" AND process ENDSWITH \"b\"");
    CHECK_STR(render("traceID == 18446744073709551615"),
              "traceID == 18446744073709551615");
    /* truncation follows snprintf */
    st_pred *p = st_pred_compile("process == \"sudo\"", NULL);
    CHECK(p != NULL);
    if (p != NULL) {
        char small[8];
        CHECK_INT(st_pred_render(p, small, sizeof small), 17);
        CHECK_STR(small, "process");
        CHECK_INT(st_pred_render(p, NULL, 0), 17);
        st_pred_free(p);
    }
    check_roundtrip("process = \"sudo\" && eventMessage contains[cd] \"x\"");
    check_roundtrip("NOT (pid == 1 AND process ==[c] \"\\u00e9\")");
    check_roundtrip("(process == \"a\\\\d\" OR pid < -4) AND NOT "
                    "(messageType IN {error, 0} OR eventType == 513)");
    check_roundtrip("process MATCHES \"\\\\d+\\\\.\" AND process LIKE "
                    "\"a\\\\*\"");
}

/* Custom fields for the resolver test. */
enum { F_HOST = ST_F__COUNT + 1, F_SIZE, F_NOTE };

/* Resolver: three custom names, one alias, one explicit rejection;
 * counts its calls in *ctx so tests can see when it is consulted. */
static int test_resolve(void *ctx, const char *name, size_t n)
{
    int *calls = ctx;
    (*calls)++;
    if (n == 4 && memcmp(name, "host", 4) == 0) return F_HOST;
    if (n == 4 && memcmp(name, "size", 4) == 0) return F_SIZE;
    if (n == 9 && memcmp(name, "rule.note", 9) == 0) return F_NOTE;
    if (n == 3 && memcmp(name, "msg", 3) == 0) return ST_F_MESSAGE; /* alias */
    if (n == 3 && memcmp(name, "bad", 3) == 0) return -1;
    return 0;
}

typedef struct custom_rec {
    const char *host;
    st_value size;
    const char *msg;
} custom_rec;

/* Getter over a custom_rec; unset fields stay absent. */
static void custom_get(void *ctx, int field, st_value *out)
{
    const custom_rec *r = ctx;
    if (field == F_HOST && r->host) {
        out->kind = ST_V_STR;
        out->s = (st_str){r->host, strlen(r->host)};
    } else if (field == F_SIZE) {
        *out = r->size;
    } else if (field == ST_F_MESSAGE && r->msg) {
        out->kind = ST_V_STR;
        out->s = (st_str){r->msg, strlen(r->msg)};
    }
}

/* Compiles with test_resolve and evaluates against r. */
static int custom_match(const char *pred, const custom_rec *r)
{
    int calls = 0;
    st_pred_opts o;
    memset(&o, 0, sizeof o);
    o.resolve = test_resolve;
    o.resolve_ctx = &calls;
    st_pred_error e;
    st_pred *p = st_pred_compile_ex(pred, strlen(pred), &o, &e);
    if (p == NULL) {
        fprintf(stderr, "compile failed: %s: %s\n", pred, e.msg);
        return -1;
    }
    int r2 = st_pred_eval(p, custom_get, (void *)r);
    st_pred_free(p);
    return r2;
}

TEST(test_custom_resolver)
{
    custom_rec r = {"mbp-01", {ST_V_INT, {NULL, 0}, 2048, 0}, "hello"};
    CHECK_INT(custom_match("host == \"mbp-01\"", &r), 1);
    CHECK_INT(custom_match("host BEGINSWITH[c] \"MBP\" AND size > 1000", &r), 1);
    CHECK_INT(custom_match("size == 2048", &r), 1);
    CHECK_INT(custom_match("size == \"2048\"", &r), 1); /* text that is a number */
    CHECK_INT(custom_match("size CONTAINS \"04\"", &r), 1);
    CHECK_INT(custom_match("size LIKE \"2*8\"", &r), 1);
    CHECK_INT(custom_match("msg == \"hello\"", &r), 1);
    CHECK_INT(custom_match("rule.note == nil", &r), 1);
    CHECK_INT(custom_match("rule.note != \"x\"", &r), 1);
    /* a custom field given as text compares numerically with numbers */
    r.size = vstr("0x10");
    CHECK_INT(custom_match("size == 16", &r), 1);
    CHECK_INT(custom_match("size > 15 AND size < 17", &r), 1);
    CHECK_INT(custom_match("size == \"0x10\"", &r), 1);
    r.size = vstr("big");
    CHECK_INT(custom_match("size == 16", &r), 0);
    CHECK_INT(custom_match("size > 16", &r), 1); /* "big" > "16" as text */
    r.size = vuint(18446744073709551615ULL);
    CHECK_INT(custom_match("size == 18446744073709551615", &r), 1);
    CHECK_INT(custom_match("size IN {1, \"18446744073709551615\"}", &r), 1);
    /* built-in names win; the resolver is asked only for unknown names */
    int calls = 0;
    st_pred_opts o;
    memset(&o, 0, sizeof o);
    o.resolve = test_resolve;
    o.resolve_ctx = &calls;
    st_pred_error e;
    const char *t1 = "process == \"a\" AND host == \"b\"";
    st_pred *p = st_pred_compile_ex(t1, strlen(t1), &o, &e);
    CHECK(p != NULL);
    CHECK_INT(calls, 1);
    if (p != NULL) {
        char buf[128];
        st_pred_render(p, buf, sizeof buf);
        CHECK_STR(buf, "process == \"a\" AND host == \"b\"");
        st_pred_hint h[4];
        CHECK_INT(st_pred_hints(p, h, 4), 2);
        CHECK_INT(h[1].field, F_HOST);
        st_pred_free(p);
    }
    const char *t2 = "msg CONTAINS \"x\"";
    p = st_pred_compile_ex(t2, strlen(t2), &o, &e);
    CHECK(p != NULL);
    if (p != NULL) {
        char buf[128];
        st_pred_render(p, buf, sizeof buf);
        CHECK_STR(buf, "composedMessage CONTAINS \"x\"");
        st_pred_free(p);
    }
    const char *t3 = "bad == 1";
    CHECK(st_pred_compile_ex(t3, strlen(t3), &o, &e) == NULL);
    CHECK_STR(e.msg, "1:1: unknown field 'bad'");
    /* without the resolver custom names are unknown */
    CHECK_STR(errmsg("host == \"b\""), "1:1: unknown field 'host'");
}

TEST(test_hints)
{
    st_pred_hint h[8];
    st_pred *p = st_pred_compile("process == \"sudo\" AND composedMessage "
                                 "CONTAINS[c] \"Incorrect\" AND (pid == 1 OR "
                                 "pid == 2) AND processID == 0x1F5 AND "
                                 "subsystem BEGINSWITH \"com.\" AND category "
                                 "ENDSWITH[d] \"x\" AND sender LIKE \"a*\" AND "
                                 "messageType == 16 AND bootUUID != \"x\"",
                                 NULL);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    size_t n = st_pred_hints(p, h, 8);
    CHECK_INT(n, 6);
    CHECK_INT(h[0].field, ST_F_PROCESS);
    CHECK_INT(h[0].op, ST_PRED_EQ);
    CHECK_VIEW(h[0].value, "sudo");
    CHECK_INT(h[0].case_insensitive + h[0].diacritic_insensitive + h[0].numeric, 0);
    CHECK_INT(h[1].field, ST_F_MESSAGE);
    CHECK_INT(h[1].op, ST_PRED_CONTAINS);
    CHECK_VIEW(h[1].value, "Incorrect");
    CHECK_INT(h[1].case_insensitive, 1);
    CHECK_INT(h[2].field, ST_F_PID);
    CHECK_VIEW(h[2].value, "501");
    CHECK_INT(h[2].numeric, 1);
    CHECK_INT(h[3].op, ST_PRED_BEGINSWITH);
    CHECK_INT(h[4].op, ST_PRED_ENDSWITH);
    CHECK_INT(h[4].diacritic_insensitive, 1);
    CHECK_INT(h[5].field, ST_F_MESSAGE_TYPE);
    CHECK_VIEW(h[5].value, "error");
    CHECK_INT(h[5].case_insensitive, 1);
    CHECK_INT(st_pred_hints(p, h, 2), 6); /* count even when max is small */

    /* every hint is a necessary condition of the predicate */
    st_event ev = base_event();
    ev.message = ST_STR_LIT("3 INCORRECT password");
    ev.subsystem = ST_STR_LIT("com.apple.x");
    ev.category = ST_STR_LIT("\xc3\xbd\xc3\xa1x");
    ev.sender = ST_STR_LIT("abc");
    ev.boot_uuid = ST_STR_LIT("y");
    ev.pid = 1;
    CHECK_INT(st_pred_eval_event(p, &ev), 0); /* pid 1 != 0x1F5 */
    ev.pid = 501;
    CHECK_INT(st_pred_eval_event(p, &ev), 0); /* pid 501 not in {1, 2} */
    st_pred_free(p);
    p = st_pred_compile("process == \"sudo\" AND composedMessage CONTAINS[c] "
                        "\"Incorrect\" AND processID == 0x1F5 AND messageType "
                        "== 16 AND category ENDSWITH[d] \"x\"", NULL);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK_INT(st_pred_eval_event(p, &ev), 1);
    n = st_pred_hints(p, h, 8);
    CHECK_INT(n, 5);
    for (size_t i = 0; i < n; i++) {
        st_value v;
        st_event_get(&ev, (st_field)h[i].field, &v);
        CHECK_INT(st_pred_hint_test(&h[i], &v), 1);
    }
    st_pred_free(p);

    /* OR at the top: no hints; a lone comparison: one */
    p = st_pred_compile("process == \"a\" OR process == \"b\"", NULL);
    CHECK(p != NULL);
    CHECK_INT(st_pred_hints(p, h, 8), 0);
    st_pred_free(p);

    /* hint_test agrees with eval for single comparisons over many values */
    const char *preds[] = {
        "process == \"sudo\"", "process ==[c] \"SUDO\"",
        "process CONTAINS \"ud\"", "process CONTAINS[cd] \"\xc3\x9a\"",
        "process BEGINSWITH[c] \"S\"", "process ENDSWITH \"do\"",
        "processID == 501", "messageType == error", "eventType == logEvent",
        "process == nil", "process != \"x\"",
    };
    st_value vals[] = {
        vstr("sudo"), vstr("SUDO"), vstr("xsudo"), vstr("s\xc3\xbb"),
        vstr(""), vstr("Error"), vstr("logevent"), vint(501), vuint(501),
        vstr("501"), vint(-1),
    };
    for (size_t i = 0; i < sizeof preds / sizeof *preds; i++) {
        p = st_pred_compile(preds[i], NULL);
        CHECK(p != NULL);
        if (p == NULL)
            continue;
        size_t k = st_pred_hints(p, h, 1);
        for (size_t j = 0; j < sizeof vals / sizeof *vals; j++) {
            int ev_r = st_pred_eval(p, one_value, &vals[j]);
            if (k == 1)
                CHECK_INT(st_pred_hint_test(&h[0], &vals[j]), ev_r);
        }
        if (k == 1) {
            st_value none;
            memset(&none, 0, sizeof none);
            CHECK_INT(st_pred_hint_test(&h[0], &none),
                      st_pred_eval(p, one_value, &none));
            CHECK_INT(st_pred_hint_test(&h[0], NULL), 0);
        }
        st_pred_free(p);
    }
    CHECK_INT(st_pred_hints(NULL, h, 8), 0);
    CHECK_INT(st_pred_hint_test(NULL, NULL), 0);
}

TEST(test_scratch_and_reuse)
{
    st_pred *p = st_pred_compile("eventMessage MATCHES[cd] \"caf.*\" AND "
                                 "process == \"sudo\"", NULL);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    st_pred_scratch *sc = st_pred_scratch_new();
    CHECK(sc != NULL);
    st_event ev = base_event();
    ev.message = ST_STR_LIT("CAF\xc3\x89 open");
    for (int i = 0; i < 100; i++) {
        CHECK_INT(st_pred_eval_event_r(p, &ev, sc), 1);
        CHECK_INT(st_pred_eval_event(p, &ev), 1);
    }
    /* a very long subject for MATCHES[d] counts as a limit hit */
    size_t n = (2u << 20);
    char *big = malloc(n);
    CHECK(big != NULL);
    if (big != NULL) {
        memset(big, 'c', n);
        ev.message = (st_str){big, n};
        CHECK_INT(st_pred_eval_event_r(p, &ev, sc), 0);
        CHECK_INT(st_pred_regex_limit_hits(p), 1);
        free(big);
    }
    st_pred_scratch_free(sc);
    st_pred_scratch_free(NULL);
    st_pred_free(p);
    st_pred_free(NULL);
    CHECK_INT(st_pred_eval(NULL, one_value, NULL), 0);
}

TEST(test_event_fields)
{
    CHECK_INT(st_field_lookup("process", 7), ST_F_PROCESS);
    CHECK_INT(st_field_lookup("composedMessage", 15), ST_F_MESSAGE);
    CHECK_INT(st_field_lookup("eventMessage", 12), ST_F_MESSAGE);
    CHECK_INT(st_field_lookup("pid", 3), ST_F_PID);
    CHECK_INT(st_field_lookup("Process", 7), ST_F_NONE);
    CHECK_INT(st_field_lookup("proc", 4), ST_F_NONE);
    CHECK_INT(st_field_lookup(NULL, 0), ST_F_NONE);
    CHECK_STR(st_field_name(ST_F_PROCESS_PATH), "processImagePath");
    CHECK_STR(st_field_name(ST_F_MESSAGE), "eventMessage");
    CHECK_STR(st_field_name(ST_F_LINE), "line");
    CHECK_STR(st_field_name((st_field)999), "");
    for (int f = 1; f < ST_F__COUNT; f++) {
        const char *nm = st_field_name((st_field)f);
        CHECK(nm[0] != '\0');
        CHECK_INT(st_field_lookup(nm, strlen(nm)), f);
    }
    CHECK_VIEW(st_basename(ST_STR_LIT("/usr/bin/sudo")), "sudo");
    CHECK_VIEW(st_basename(ST_STR_LIT("sudo")), "sudo");
    CHECK_VIEW(st_basename(ST_STR_LIT("/a/")), "");
    CHECK(st_basename(ST_STR_NULL).p == NULL);
    st_event ev;
    memset(&ev, 0, sizeof ev);
    ev.process_path = ST_STR_LIT("/usr/libexec/securityd");
    st_value v;
    st_event_get(&ev, ST_F_PROCESS, &v);
    CHECK_INT(v.kind, ST_V_STR);
    CHECK_VIEW(v.s, "securityd");
    st_event_get(&ev, ST_F_SENDER, &v);
    CHECK_INT(v.kind, ST_V_NONE);
    st_event_get(&ev, ST_F_PID, &v);
    CHECK_INT(v.kind, ST_V_NONE);
    ev.has = ST_HAS_PID;
    ev.pid = 7;
    st_event_get(&ev, ST_F_PID, &v);
    CHECK_INT(v.kind, ST_V_INT);
    CHECK_INT(v.i, 7);
    st_event_get(&ev, ST_F_LINE, &v);
    CHECK_INT(v.kind, ST_V_NONE);
    st_event_get(&ev, ST_F_SOURCE, &v);
    CHECK_INT(v.kind, ST_V_NONE);
    CHECK(match("process == \"securityd\" AND processID == 7", &ev) == 1);
}

/* Runs every test; the last line is the RESULT tally for tests/run. */
/* Renders a predicate's needs as "procs|lits" (static buffer): members
 * joined with ',' in the order found. */
static const char *needs(const char *pred)
{
    static char buf[1024];
    st_pred_error e;
    st_pred *p = st_pred_compile(pred, &e);
    if (p == NULL) {
        snprintf(buf, sizeof buf, "ERR %s", e.msg);
        return buf;
    }
    st_pred_need n;
    st_pred_needs(p, &n);
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < n.nprocs; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s", i ? "," : "",
                              (int)n.procs[i].n, n.procs[i].p);
    o += (size_t)snprintf(buf + o, sizeof buf - o, "|");
    for (int i = 0; i < n.nlits; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s", i ? "," : "",
                              (int)n.lits[i].n, n.lits[i].p);
    st_pred_free(p);
    return buf;
}

TEST(test_needs)
{
    CHECK_STR(needs("process == \"amfid\" AND eventMessage CONTAINS \"x y\""),
              "amfid|x y");
    CHECK_STR(needs("process == \"amfid\""), "amfid|");
    CHECK_STR(needs("process IN {\"lsd\", \"tccd\"} AND eventMessage MATCHES "
                    "\"(?s).*(MacOS error: |Error |error )-(6[0-9]{4}).*\""),
              "lsd,tccd|MacOS error: ,Error ,error ");
    CHECK_STR(needs("(process == \"a\" AND eventMessage CONTAINS \"exPath:\") OR "
                    "(process == \"b\" AND eventMessage BEGINSWITH "
                    "\"Entering\")"),
              "a,b|exPath:,Entering");
    CHECK_STR(needs("eventMessage MATCHES \"(?s).*Refusing to (execute|trust) "
                    "quarantined (program|file).*\""),
              "| quarantined ");
    /* nothing is required where a branch or a negation escapes */
    CHECK_STR(needs("process == \"a\" OR eventMessage CONTAINS \"bcd\""), "|");
    CHECK_STR(needs("NOT eventMessage CONTAINS \"abc\""), "|");
    CHECK_STR(needs("eventMessage CONTAINS[c] \"abc\""), "|");
    CHECK_STR(needs("process ==[c] \"amfid\""), "|");
    CHECK_STR(needs("eventMessage == \"\""), "|");
    CHECK_STR(needs("subsystem == \"com.apple.x\""), "|");
    /* regular expressions: only what every match must contain */
    CHECK_STR(needs("eventMessage MATCHES \"(?i)abcdef\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"(?x)abc def\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"abcd*e\""), "|abc");
    CHECK_STR(needs("eventMessage MATCHES \"ab(cd)?efg\""), "|efg");
    CHECK_STR(needs("eventMessage MATCHES \"ab(cdx)+efg\""), "|cdx");
    CHECK_STR(needs("eventMessage MATCHES \"ab(cdx){0,2}ef\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"x\\\\.y\\\\.z\""), "|x.y.z");
    CHECK_STR(needs("eventMessage MATCHES \"abc|def\""), "|abc,def");
    CHECK_STR(needs("eventMessage MATCHES \"a|bcd\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"[abc]def\""), "|def");
    CHECK_STR(needs("eventMessage MATCHES \"[]x]yz[[:alpha:]]w\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"\\\\d+ failed\""), "| failed");
    CHECK_STR(needs("eventMessage MATCHES \"\\\\x41BCD\""), "|BCD");
    CHECK_STR(needs("eventMessage MATCHES \"\\\\QA.B\\\\E\""), "|");
    CHECK_STR(needs("eventMessage MATCHES \"(?=abc)abd\""), "|abd");
    CHECK_STR(needs("eventMessage MATCHES \"caf\xc3\xa9?xyz\""), "|caf");
    CHECK_STR(needs("eventMessage MATCHES \"a{2}bcd\""), "|bcd");
    CHECK_STR(needs("eventMessage MATCHES \"ab{x}cd\""), "|ab{x}cd");
}

/* The needs are necessary: whenever a random regular expression over a
 * small alphabet matches a random message, the message contains one of
 * the literals derived from it. */
TEST(test_needs_sound)
{
    static const char *atoms[] = {"a", "b", "c", "ab", "abc", "bca", "(a|b)",
                                  "(abc|cab)", "a*", "b?", "c+", ".", "[ab]",
                                  "(?:ab)?", "(bc)+", "\\\\.", "x{2}", "|"};
    srand(4242);
    int violations = 0, with_needs = 0;
    for (int round = 0; round < 3000; round++) {
        char pat[200] = "", pred[400];
        int na = 1 + rand() % 6;
        for (int k = 0; k < na; k++)
            strcat(pat, atoms[rand() % (int)(sizeof atoms / sizeof *atoms)]);
        snprintf(pred, sizeof pred, "eventMessage MATCHES \"(?s).*%s.*\"",
                 pat);
        st_pred_error e;
        st_pred *p = st_pred_compile(pred, &e);
        if (p == NULL)
            continue;
        st_pred_need n;
        st_pred_needs(p, &n);
        with_needs += n.nlits > 0;
        for (int t = 0; t < 30 && n.nlits; t++) {
            char msg[40];
            int len = rand() % 39;
            for (int k = 0; k < len; k++)
                msg[k] = "abcx."[rand() % 5];
            msg[len] = 0;
            st_event ev = base_event();
            ev.message = (st_str){msg, (size_t)len};
            if (st_pred_eval_event(p, &ev) != 1)
                continue;
            int found = 0;
            for (int i = 0; i < n.nlits && !found; i++)
                found = memmem(msg, (size_t)len, n.lits[i].p, n.lits[i].n)
                        != NULL;
            if (!found && violations++ < 3)
                fprintf(stderr, "pattern %s matched \"%s\" without its "
                        "needs\n", pat, msg);
        }
        st_pred_free(p);
    }
    CHECK_INT(violations, 0);
    CHECK(with_needs > 300);      /* the property was really exercised */
}

int main(void)
{
    RUN(test_log_formats_examples);
    RUN(test_equality_operators);
    RUN(test_ordering_operators);
    RUN(test_contains_begins_ends);
    RUN(test_modifiers_ascii);
    RUN(test_unicode_folding);
    RUN(test_like);
    RUN(test_matches);
    RUN(test_in_sets);
    RUN(test_between);
    RUN(test_numeric_fields);
    RUN(test_message_type);
    RUN(test_enum_fields);
    RUN(test_nil_and_absent);
    RUN(test_reversed_operands);
    RUN(test_precedence_and_parentheses);
    RUN(test_errors_with_columns);
    RUN(test_limits);
    RUN(test_string_escapes);
    RUN(test_render_canonical);
    RUN(test_custom_resolver);
    RUN(test_hints);
    RUN(test_needs);
    RUN(test_needs_sound);
    RUN(test_scratch_and_reuse);
    RUN(test_event_fields);
    return RESULT();
}
