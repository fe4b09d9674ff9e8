/*
 * fuzz_codesig.c -- libFuzzer harness for the code-signing blob decoder
 * (parsers/codesig.c).  Each input is decoded as a signature blob; the
 * harness then checks the contract's invariants (every range it reports
 * lies inside the input, strings are inside their CodeDirectory, indices
 * are consistent) and touches every slot hash the decoder hands out, so
 * ASan sees any read it would make out of bounds.  Invariant failures trap.
 * Seeds: `gen_secdb seeds DIR` writes well-formed and damaged blobs.
 */
#include <stdint.h>
#include <string.h>

#include "codesig.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

/* Sums bytes so the reads cannot be optimised away. */
static unsigned touch(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* Checks one decoded CodeDirectory against the input bounds. */
static unsigned check_cd(const uint8_t *p, size_t n, const st_cs_codedir *cd)
{
    unsigned s = 0;
    REQUIRE((uint64_t)cd->offset + cd->length <= n);
    const char *lo = (const char *)p + cd->offset;
    const char *hi = lo + cd->length;
    if (cd->identifier) {
        REQUIRE(cd->identifier >= lo && cd->identifier + cd->identifier_len
                < hi);
        REQUIRE(cd->identifier[cd->identifier_len] == 0);
        s += touch((const uint8_t *)cd->identifier, cd->identifier_len);
    }
    if (cd->team_id) {
        REQUIRE(cd->team_id >= lo && cd->team_id + cd->team_id_len < hi);
        REQUIRE(cd->team_id[cd->team_id_len] == 0);
    }
    if (cd->cdhash_valid)
        REQUIRE(cd->digest_len >= ST_CS_CDHASH_LEN &&
                cd->digest_len <= ST_CS_MAX_DIGEST);
    /* slot hashes: the first and last few of each kind, and beyond */
    int64_t probe[] = {0, 1, (int64_t)cd->n_code_slots - 1,
                       (int64_t)cd->n_code_slots, -1, -2,
                       -(int64_t)cd->n_special_slots,
                       -(int64_t)cd->n_special_slots - 1, INT64_MIN,
                       INT64_MAX};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        const uint8_t *h = st_cs_slot_hash(p, n, cd, probe[i]);
        if (h) {
            REQUIRE(cd->hashes_valid);
            REQUIRE(h >= p + cd->offset &&
                    h + cd->hash_size <= p + cd->offset + cd->length);
            s += touch(h, cd->hash_size);
        }
    }
    char flags[256];
    st_cs_flags_str(cd->flags, flags, sizeof flags);
    s += (unsigned)strlen(flags);
    return s;
}

/* Read back by nothing; keeps the touched sums observable. */
volatile unsigned fuzz_codesig_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Decodes one input and checks the invariants (see above). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_codesig s;
    int st = st_codesig_parse(data, size, &s);
    REQUIRE(st == s.status);
    REQUIRE(st == ST_CS_OK || st == ST_CS_DAMAGED || st == ST_CS_INVALID);
    REQUIRE((st == ST_CS_OK) == (s.nproblems == 0));
    REQUIRE(s.ncd <= ST_CS_MAX_CDS && s.nblobs <= ST_CS_MAX_BLOBS);
    REQUIRE(s.primary < (int)s.ncd && s.best < (int)s.ncd);
    if (s.best >= 0)
        REQUIRE(s.cd[s.best].cdhash_valid);
    unsigned acc = 0;
    for (size_t i = 0; i < s.ncd; i++)
        acc += check_cd(data, size, &s.cd[i]);
    for (size_t i = 0; i < s.nblobs; i++)
        if (s.blobs[i].length)
            REQUIRE((uint64_t)s.blobs[i].offset + s.blobs[i].length <= size);
    if (s.entitlements_length) {
        REQUIRE((uint64_t)s.entitlements_offset + s.entitlements_length <=
                size);
        acc += touch(data + s.entitlements_offset, s.entitlements_length);
    }
    if (s.der_entitlements_length)
        REQUIRE((uint64_t)s.der_entitlements_offset +
                s.der_entitlements_length <= size);
    if (s.has_cms)
        REQUIRE((uint64_t)s.cms_offset + s.cms_length <= size);
    for (unsigned i = 0; i < s.nproblems && i < ST_CS_MAX_PROBLEMS; i++)
        acc += (unsigned)strlen(s.problems[i]);

    /* the identification and name helpers on the same bytes */
    char out[80];
    st_cs_identification(data, size, out, sizeof out);
    st_cs_identification(data, size, out, 7);
    if (size >= 8) {
        int64_t t, sub;
        memcpy(&t, data, 8);
        sub = size >= 16 ? (int64_t)data[8] << 24 | data[9] : -1;
        st_cs_cpu_name(t, sub, out, sizeof out);
    }
    fuzz_codesig_sink = acc;
    return 0;
}
