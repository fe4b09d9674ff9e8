/*
 * fuzz_macho.c -- libFuzzer harness for the Mach-O / universal-binary
 * decoder (parsers/macho.c) and, on the same bytes, the XML plist reader
 * the verifier uses for Info.plist and CodeResources (analyzer/verify.c).
 * Each input is decoded as a file: its universal header, every slice, each
 * slice's embedded signature blob (parsers/codesig.c) and identification;
 * the harness checks the contracts' invariants (every range reported lies
 * inside the input, counts are bounded) and touches every byte range it is
 * handed so ASan sees any read out of bounds.  Invariant failures trap.
 * Seeds: Mach-O files built by clang + ld64.lld and `sign_fixture hostile`.
 */
#include <stdint.h>
#include <string.h>

#include "codesig.h"
#include "macho.h"
#include "verify.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

/* Sums bytes so the reads cannot be optimised away. */
static unsigned touch(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* Checks one decoded slice against its bounds. */
static unsigned check_slice(const uint8_t *p, size_t n)
{
    st_macho m;
    unsigned acc = 0;
    int st = st_macho_parse(p, n, &m);
    REQUIRE(st == m.status);
    REQUIRE(st == ST_MACHO_OK || st == ST_MACHO_DAMAGED ||
            st == ST_MACHO_INVALID);
    REQUIRE((st == ST_MACHO_OK) == (m.nproblems == 0));
    for (unsigned i = 0; i < m.nproblems && i < ST_MACHO_MAX_PROBLEMS; i++)
        acc += (unsigned)strlen(m.problems[i]);
    if (st == ST_MACHO_INVALID)
        return acc;
    REQUIRE(m.header_size == 28 || m.header_size == 32);
    REQUIRE((uint64_t)m.header_size + m.sizeofcmds <= n);
    REQUIRE(m.ncmds_seen <= m.ncmds && m.ncmds_seen <= m.sizeofcmds / 8);
    if (m.has_signature) {
        REQUIRE((uint64_t)m.sig_offset + m.sig_size <= n);
        REQUIRE(m.sig_offset >= m.header_size + (uint64_t)m.sizeofcmds);
        acc += touch(p + m.sig_offset, m.sig_size);
        static st_codesig buf;   /* large: kept off the stack */
        st_codesig *cs = &buf;
        st_codesig_parse(p + m.sig_offset, m.sig_size, cs);
        for (size_t i = 0; i < cs->ncd; i++)
            REQUIRE((uint64_t)cs->cd[i].offset + cs->cd[i].length <=
                    m.sig_size);
    }
    if (m.has_uuid)
        REQUIRE(m.uuid_cmd_offset + 24 <= m.header_size + m.sizeofcmds);
    if (m.text.present)
        REQUIRE(m.text.cmd_offset < m.header_size + m.sizeofcmds);
    if (m.linkedit.present)
        REQUIRE(m.linkedit.cmd_offset < m.header_size + m.sizeofcmds);
    if (m.info_plist_size) {
        REQUIRE(m.info_plist_offset + m.info_plist_size <= n);
        acc += touch(p + m.info_plist_offset, (size_t)m.info_plist_size);
    }
    uint8_t id[20];
    size_t k = st_macho_identification(p, n, &m, id);
    REQUIRE(k == 0 || k == 20);
    if (m.has_uuid && k)
        REQUIRE(memcmp(id, "UUID", 4) == 0);
    acc += touch(id, k);
    return acc;
}

/* Read back by nothing; keeps the touched sums observable. */
volatile unsigned fuzz_macho_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Decodes one input as a file and as a plist; checks the invariants. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned acc = 0;
    st_macho_fat f;
    int st = st_macho_fat_parse(data, size, &f);
    REQUIRE(st == f.status);
    REQUIRE(f.nslices <= ST_MACHO_MAX_SLICES);
    if (f.kind == ST_MACHO_NONE)
        REQUIRE(f.nslices == 0 && st == ST_MACHO_INVALID);
    if (f.kind == ST_MACHO_THIN)
        REQUIRE(f.nslices == 1 && f.slices[0].size == size);
    for (size_t i = 0; i < f.nslices; i++) {
        const st_macho_slice *s = &f.slices[i];
        REQUIRE(s->offset <= size && s->size <= size - s->offset);
        for (size_t k = 0; k < i; k++)      /* never overlapping */
            REQUIRE(s->offset >= f.slices[k].offset + f.slices[k].size ||
                    f.slices[k].offset >= s->offset + s->size);
        acc += check_slice(data + s->offset, (size_t)s->size);
    }
    REQUIRE(st_macho_is_candidate(data, size) == 0 ||
            st_macho_is_candidate(data, size) == 1);

    /* the plist reader on the same bytes */
    st_plist pl;
    char err[200];
    if (st_plist_parse(&pl, (const char *)data, size, err, sizeof err) == 0) {
        const st_pl_node *r = st_plist_root(&pl);
        REQUIRE(r != NULL);
        REQUIRE(pl.text_n <= pl.text_cap);
        for (size_t i = 0; i < pl.n; i++) {
            const st_pl_node *nd = &pl.nodes[i];
            if (nd->val) {
                REQUIRE(nd->val >= pl.text &&
                        nd->val + nd->val_len <= pl.text + pl.text_cap);
                acc += touch((const uint8_t *)nd->val, nd->val_len);
            }
            if (nd->key)
                REQUIRE(nd->key >= pl.text &&
                        nd->key + nd->key_len < pl.text + pl.text_cap);
        }
        if (r->type == ST_PL_DICT) {
            const st_pl_node *x = st_plist_get(&pl, r, "files2");
            acc += (unsigned)st_plist_count(&pl, x);
        }
    } else {
        REQUIRE(err[0] != 0);
    }
    st_plist_free(&pl);
    fuzz_macho_sink = acc;
    return 0;
}
