/*
 * check.h -- a tiny unit-test harness.  Each test file defines TEST(name)
 * functions and lists them in main() with RUN(name); the binary prints one
 * "ok"/"FAIL" line per test and a last line "RESULT <passed> <failed>" that
 * tests/run adds up.  A test fails when any CHECK in it fails.
 */
#ifndef ST_CHECK_H
#define ST_CHECK_H
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static int t_passed, t_failed, t_cur_failed;

#define TEST(name) static void name(void)
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            t_cur_failed++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)
#define CHECK_INT(a, b)                                                    \
    do {                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                \
        if (a_ != b_) {                                                    \
            t_cur_failed++;                                                \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",          \
                    __FILE__, __LINE__, #a, a_, b_);                       \
        }                                                                  \
    } while (0)
#define CHECK_STR(a, b)                                                    \
    do {                                                                   \
        const char *a_ = (a), *b_ = (b);                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                           \
            t_cur_failed++;                                                \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",      \
                    __FILE__, __LINE__, #a, a_ ? a_ : "(null)",            \
                    b_ ? b_ : "(null)");                                   \
        }                                                                  \
    } while (0)
/* Compare an st_str view with a C string. */
#define CHECK_VIEW(v, s)                                                   \
    do {                                                                   \
        const char *s_ = (s);                                              \
        if ((v).p == NULL || (v).n != strlen(s_) ||                        \
            memcmp((v).p, s_, (v).n) != 0) {                               \
            t_cur_failed++;                                                \
            fprintf(stderr, "%s:%d: %s == \"%.*s\", expected \"%s\"\n",    \
                    __FILE__, __LINE__, #v, (int)((v).p ? (v).n : 6),      \
                    (v).p ? (v).p : "(null)", s_);                         \
        }                                                                  \
    } while (0)
#define RUN(name)                                                          \
    do {                                                                   \
        t_cur_failed = 0;                                                  \
        name();                                                            \
        if (t_cur_failed) { t_failed++; printf("FAIL %s\n", #name); }      \
        else { t_passed++; printf("ok   %s\n", #name); }                   \
    } while (0)
#define RESULT() (printf("RESULT %d %d\n", t_passed, t_failed), t_failed ? 1 : 0)

#endif
