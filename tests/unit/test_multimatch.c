/*
 * test_multimatch.c -- the one-pass literal scanner against memmem: every
 * literal found exactly when memmem finds it, for overlapping literals,
 * shared prefixes and suffixes, literals inside literals, bytes >= 0x80
 * and NUL, and random literal sets over a small alphabet (so matches are
 * frequent and failure links are exercised).
 */
#include <stdlib.h>
#include "check.h"
#include "multimatch.h"

/* Checks one scan of text against memmem for each literal. */
static int agrees(const st_mm *m, char lits[][16], const size_t *lens,
                  int n, const char *text, size_t tn)
{
    uint64_t bits[4] = {0};
    st_mm_scan(m, text, tn, bits);
    int ok = 1;
    for (int i = 0; i < n; i++) {
        int want = memmem(text, tn, lits[i], lens[i]) != NULL;
        int got = (int)((bits[i >> 6] >> (i & 63)) & 1);
        if (want != got) {
            fprintf(stderr, "literal %d (%.*s): memmem %d, scan %d\n", i,
                    (int)lens[i], lits[i], want, got);
            ok = 0;
        }
    }
    return ok;
}

TEST(mm_fixed_cases)
{
    char lits[][16] = {"he", "she", "his", "hers", "MacOS error: -6",
                       "\xc3\xa9t\xc3\xa9", "a\0b", "0x1"};
    size_t lens[] = {2, 3, 3, 4, 15, 6, 3, 3};
    st_mm *m = st_mm_new();
    for (int i = 0; i < 8; i++)
        CHECK_INT(st_mm_add(m, lits[i], lens[i]), i);
    CHECK_INT(st_mm_add(m, "", 0), -1);
    CHECK_INT(st_mm_build(m), 0);
    CHECK_INT(st_mm_count(m), 8);
    const char *texts[] = {"ushers", "this is his", "hhhhers",
                           "MacOS error: -67030", "MacOS error: 67030",
                           "\xc3\xa9t\xc3\xa9 caf\xc3\xa9", "0x0 0x10",
                           "", "h", "shehis"};
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        CHECK(agrees(m, lits, lens, 8, texts[t], strlen(texts[t])));
    CHECK(agrees(m, lits, lens, 8, "xa\0by", 5));
    CHECK(agrees(m, lits, lens, 8, "xa\0cy", 5));
    st_mm_free(m);
}

TEST(mm_random_sets)
{
    srand(12345);
    int failures = 0;
    for (int round = 0; round < 300; round++) {
        int n = 1 + rand() % 200;
        char lits[200][16];
        size_t lens[200];
        st_mm *m = st_mm_new();
        for (int i = 0; i < n; i++) {
            lens[i] = 1 + (size_t)(rand() % 6);
            for (size_t k = 0; k < lens[i]; k++)
                lits[i][k] = (char)("abc\x80\xff"[rand() % 5]);
            if (st_mm_add(m, lits[i], lens[i]) != i)
                failures++;
        }
        if (st_mm_build(m) != 0)
            failures++;
        for (int t = 0; t < 20; t++) {
            char text[64];
            size_t tn = (size_t)(rand() % 64);
            for (size_t k = 0; k < tn; k++)
                text[k] = (char)("abcd\x80\xff"[rand() % 6]);
            if (!agrees(m, lits, lens, n, text, tn))
                failures++;
        }
        st_mm_free(m);
    }
    CHECK_INT(failures, 0);
}

int main(void)
{
    RUN(mm_fixed_cases);
    RUN(mm_random_sets);
    return RESULT();
}
