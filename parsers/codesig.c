/*
 * codesig.c -- code-signing blob decoder.  See codesig.h for the contract.
 *
 * Every read goes through be32()/be64() on a pointer whose range was checked
 * just before against the enclosing blob; all sums of untrusted values are
 * done in 64 bits so they cannot wrap.
 */
#include "codesig.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Fixed part of every CodeDirectory (through spare2). */
#define CD_BASE_HEADER 44u

/* Reads a big-endian u32; p must have 4 readable bytes. */
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads a big-endian u64; p must have 8 readable bytes. */
static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Records a problem: counted always, text kept for the first few. */
__attribute__((format(printf, 2, 3)))
static void problem(st_codesig *s, const char *fmt, ...)
{
    if (s->nproblems < ST_CS_MAX_PROBLEMS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->problems[s->nproblems], ST_CS_PROBLEM_LEN, fmt, ap);
        va_end(ap);
    }
    s->nproblems++;
}

/* ---- names ------------------------------------------------------------- */

const char *st_cs_magic_name(uint32_t magic)
{
    switch (magic) {
    case ST_CS_MAGIC_REQUIREMENT: return "requirement";
    case ST_CS_MAGIC_REQUIREMENTS: return "requirements";
    case ST_CS_MAGIC_CODEDIRECTORY: return "code-directory";
    case ST_CS_MAGIC_EMBEDDED_SIGNATURE: return "embedded-signature";
    case ST_CS_MAGIC_EMBEDDED_SIG_OLD: return "embedded-signature-old";
    case ST_CS_MAGIC_DETACHED_SIGNATURE: return "detached-signature";
    case ST_CS_MAGIC_BLOBWRAPPER: return "cms-wrapper";
    case ST_CS_MAGIC_ENTITLEMENTS: return "entitlements";
    case ST_CS_MAGIC_DER_ENTITLEMENTS: return "der-entitlements";
    case ST_CS_MAGIC_LAUNCH_CONSTRAINT: return "launch-constraint";
    default: return NULL;
    }
}

static const char *const special_names[] = {
    NULL, "info-plist", "requirements", "resource-dir", "application",
    "entitlements", "rep-specific", "der-entitlements",
    "launch-constraint-self", "launch-constraint-parent",
    "launch-constraint-responsible", "library-constraint",
};

/* Names special slot k (Apple's negative slot -k). */
const char *st_cs_special_slot_name(unsigned k)
{
    return k < sizeof special_names / sizeof *special_names
               ? special_names[k] : NULL;
}

/* Names a SuperBlob index type. */
const char *st_cs_slot_name(uint32_t slot)
{
    static const char *const alt[] = {
        "alternate-code-directory-0", "alternate-code-directory-1",
        "alternate-code-directory-2", "alternate-code-directory-3",
        "alternate-code-directory-4"};
    if (slot == ST_CS_SLOT_CODEDIRECTORY)
        return "code-directory";
    if (slot >= ST_CS_SLOT_ALTERNATE_CD &&
        slot < ST_CS_SLOT_ALTERNATE_CD + ST_CS_SLOT_ALTERNATE_CD_MAX)
        return alt[slot - ST_CS_SLOT_ALTERNATE_CD];
    if (slot == ST_CS_SLOT_SIGNATURE)
        return "cms-signature";
    if (slot == ST_CS_SLOT_IDENTIFICATION)
        return "identification";
    if (slot == ST_CS_SLOT_TICKET)
        return "ticket";
    return st_cs_special_slot_name(slot);
}

/* Names a requirement type (kSecHostRequirementType ...). */
const char *st_cs_requirement_type_name(unsigned t)
{
    static const char *const names[] = {NULL, "host", "guest", "designated",
                                        "library", "plugin"};
    return t < sizeof names / sizeof *names ? names[t] : NULL;
}

/* codesign's name for one CodeDirectory flag bit. */
const char *st_cs_flag_name(uint32_t bit)
{
    switch (bit) {
    case 0x1: return "host";
    case 0x2: return "adhoc";
    case 0x4: return "get-task-allow";
    case 0x8: return "installer";
    case 0x10: return "forced-lv";
    case 0x20: return "invalid-allowed";
    case 0x100: return "hard";
    case 0x200: return "kill";
    case 0x400: return "expires";
    case 0x800: return "restrict";
    case 0x1000: return "enforcement";
    case 0x2000: return "library-validation";
    case 0x4000: return "entitlements-validated";
    case 0x8000: return "nvram-unrestricted";
    case 0x10000: return "runtime";
    case 0x20000: return "linker-signed";
    default: return NULL;
    }
}

/* Appends names of set bits, comma-separated; unknown bits as hex. */
size_t st_cs_flags_str(uint32_t flags, char *buf, size_t n)
{
    size_t len = 0;
    uint32_t unknown = 0;
    if (n)
        buf[0] = 0;
    for (int b = 0; b < 32; b++) {
        uint32_t bit = 1u << b;
        if (!(flags & bit))
            continue;
        const char *nm = st_cs_flag_name(bit);
        if (!nm) {
            unknown |= bit;
            continue;
        }
        int k = snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0,
                         "%s%s", len ? "," : "", nm);
        len += (size_t)(k > 0 ? k : 0);
    }
    if (unknown) {
        int k = snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0,
                         "%s0x%x", len ? "," : "", unknown);
        len += (size_t)(k > 0 ? k : 0);
    }
    return len;
}

/* Slot hash size of a hash type. */
size_t st_cs_hash_size(unsigned hash_type)
{
    switch (hash_type) {
    case ST_CS_HASH_SHA1: return 20;
    case ST_CS_HASH_SHA256: return 32;
    case ST_CS_HASH_SHA256_TRUNCATED: return 20;
    case ST_CS_HASH_SHA384: return 48;
    default: return 0;
    }
}

/* Display name of a hash type. */
const char *st_cs_hash_name(unsigned hash_type)
{
    switch (hash_type) {
    case ST_CS_HASH_SHA1: return "sha1";
    case ST_CS_HASH_SHA256: return "sha256";
    case ST_CS_HASH_SHA256_TRUNCATED: return "sha256-truncated";
    case ST_CS_HASH_SHA384: return "sha384";
    default: return NULL;
    }
}

/* Strength order used to pick the reported cdhash (0 = unknown). */
static int hash_rank(unsigned hash_type)
{
    switch (hash_type) {
    case ST_CS_HASH_SHA1: return 1;
    case ST_CS_HASH_SHA256_TRUNCATED: return 2;
    case ST_CS_HASH_SHA256: return 3;
    case ST_CS_HASH_SHA384: return 4;
    default: return 0;
    }
}

/* Digest with the algorithm a hash type names (libcrypto EVP). */
size_t st_cs_digest(unsigned hash_type, const void *p, size_t n,
                    unsigned char *out)
{
    const EVP_MD *md;
    switch (hash_type) {
    case ST_CS_HASH_SHA1: md = EVP_sha1(); break;
    case ST_CS_HASH_SHA256:
    case ST_CS_HASH_SHA256_TRUNCATED: md = EVP_sha256(); break;
    case ST_CS_HASH_SHA384: md = EVP_sha384(); break;
    default: return 0;
    }
    unsigned int len = 0;
    if (!md || EVP_Digest(p, n, out, &len, md, NULL) != 1)
        return 0;
    return len;
}

/* Lower-case hex; out holds 2n+1 bytes. */
void st_cs_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* The UUID form uses upper case like `dwarfdump --uuid` and the log. */
int st_cs_identification(const uint8_t *p, size_t n, char *out,
                         size_t outlen)
{
    if (outlen)
        out[0] = 0;
    if (n == 20 && memcmp(p, "UUID", 4) == 0) {
        const uint8_t *u = p + 4;
        if (outlen >= 37)
            snprintf(out, outlen,
                     "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
                     "%02X%02X%02X%02X%02X%02X",
                     u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
                     u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        return ST_CS_ID_UUID;
    }
    size_t fit = outlen ? (outlen - 1) / 2 : 0;
    if (outlen)
        st_cs_hex(p, n < fit ? n : fit, out);
    return n == 20 ? ST_CS_ID_SHA1 : n == 32 ? ST_CS_ID_SHA256
                                             : ST_CS_ID_OTHER;
}

/* Mach-O cputype (and subtype when known) to its usual name. */
const char *st_cs_cpu_name(int64_t cputype, int64_t cpusubtype, char *buf,
                           size_t n)
{
    /* cpusubtype -1 in the table matches any subtype; the high byte of a
     * real subtype holds capability bits (pointer-auth ABI) and is masked. */
    static const struct {
        int64_t type, sub;
        const char *name;
    } cpus[] = {
        {0x0100000c, 2, "arm64e"},   {0x0100000c, -1, "arm64"},
        {0x0200000c, -1, "arm64_32"}, {0x01000007, 8, "x86_64h"},
        {0x01000007, -1, "x86_64"},  {7, -1, "i386"},
        {12, 6, "armv6"},            {12, 9, "armv7"},
        {12, 11, "armv7s"},          {12, 12, "armv7k"},
        {12, -1, "arm"},             {18, -1, "ppc"},
        {0x01000012, -1, "ppc64"},
    };
    int64_t sub = cpusubtype < 0 ? -1 : (cpusubtype & 0x00ffffff);
    for (size_t i = 0; i < sizeof cpus / sizeof *cpus; i++)
        if (cpus[i].type == cputype &&
            (cpus[i].sub == -1 || cpus[i].sub == sub)) {
            snprintf(buf, n, "%s", cpus[i].name);
            return buf;
        }
    snprintf(buf, n, "cputype 0x%llx", (unsigned long long)cputype);
    return buf;
}

/* ---- CodeDirectory ----------------------------------------------------- */

/* Header bytes a CodeDirectory of this version is expected to carry. */
static uint32_t cd_header_size(uint32_t version)
{
    if (version >= ST_CS_VERSION_LINKAGE)
        return 108;
    if (version >= ST_CS_VERSION_RUNTIME)
        return 96;
    if (version >= ST_CS_VERSION_EXECSEG)
        return 88;
    if (version >= ST_CS_VERSION_CODELIMIT64)
        return 64;
    if (version >= ST_CS_VERSION_TEAMID)
        return 52;
    if (version >= ST_CS_VERSION_SCATTER)
        return 48;
    return CD_BASE_HEADER;
}

/* Finds a NUL-terminated string at off inside c[0..len); returns its
 * length or -1 when off is outside or no NUL follows. */
static int64_t cd_string(const uint8_t *c, uint32_t len, uint32_t off)
{
    if (off < CD_BASE_HEADER || off >= len)
        return -1;
    const uint8_t *z = memchr(c + off, 0, len - off);
    return z ? (int64_t)(z - (c + off)) : -1;
}

/* Checks the hash arrays and notes which special slots are filled. */
static void cd_hashes(st_codesig *s, st_cs_codedir *cd, const uint8_t *c,
                      const char *where)
{
    uint64_t hs = cd->hash_size;
    uint64_t special = (uint64_t)cd->n_special_slots * hs;
    uint64_t code_end = (uint64_t)cd->hash_offset +
                        (uint64_t)cd->n_code_slots * hs;
    if (hs == 0) {
        if (cd->n_special_slots || cd->n_code_slots)
            problem(s, "%s: hash size 0 with %u+%u slots", where,
                    cd->n_code_slots, cd->n_special_slots);
        return;
    }
    if (special > cd->hash_offset ||
        cd->hash_offset - special < CD_BASE_HEADER) {
        problem(s, "%s: %u special slot hashes do not fit before hash "
                "offset %u", where, cd->n_special_slots, cd->hash_offset);
        return;
    }
    if (code_end > cd->length) {
        problem(s, "%s: %u code slot hashes end at %llu, past its %u "
                "bytes", where, cd->n_code_slots,
                (unsigned long long)code_end, cd->length);
        return;
    }
    cd->hashes_valid = 1;
    uint32_t top = cd->n_special_slots < 31 ? cd->n_special_slots : 31;
    for (uint32_t k = 1; k <= top; k++) {
        const uint8_t *h = c + cd->hash_offset - k * hs;
        for (uint64_t i = 0; i < hs; i++)
            if (h[i]) {
                cd->special_present |= 1u << k;
                break;
            }
    }
    /* The code slots cover codeLimit in pages; a mismatch means the
     * directory was edited or built by a broken signer. */
    uint64_t expect;
    if (cd->page_size)
        expect = cd->code_limit / cd->page_size +
                 (cd->code_limit % cd->page_size != 0);
    else
        expect = cd->code_limit ? 1 : 0;
    if (expect != cd->n_code_slots)
        problem(s, "%s: %u code slots for a code limit of %llu with "
                "%llu-byte pages (expected %llu)", where, cd->n_code_slots,
                (unsigned long long)cd->code_limit,
                (unsigned long long)cd->page_size,
                (unsigned long long)expect);
}

/* Decodes the CodeDirectory at p[off..off+len).  `complete` is 0 when the
 * blob was cut short by the end of the input: fields that fit are decoded
 * but no cdhash is computed, since it would not be the signed one. */
static void parse_cd(st_codesig *s, const uint8_t *p, uint32_t off,
                     uint32_t len, uint32_t slot, int complete)
{
    char where[48];
    const char *sn = st_cs_slot_name(slot);
    if (sn)
        snprintf(where, sizeof where, "%s", sn);
    else
        snprintf(where, sizeof where, "slot 0x%x", slot);
    if (s->ncd == ST_CS_MAX_CDS) {
        problem(s, "%s: more than %d CodeDirectories, not decoded", where,
                ST_CS_MAX_CDS);
        return;
    }
    if (len < CD_BASE_HEADER) {
        problem(s, "%s: CodeDirectory of %u bytes, shorter than its "
                "%u-byte header", where, len, CD_BASE_HEADER);
        return;
    }
    const uint8_t *c = p + off;
    st_cs_codedir *cd = &s->cd[s->ncd++];
    memset(cd, 0, sizeof *cd);
    cd->slot = slot;
    cd->offset = off;
    cd->length = len;
    cd->version = be32(c + 8);
    cd->flags = be32(c + 12);
    cd->hash_offset = be32(c + 16);
    cd->ident_offset = be32(c + 20);
    cd->n_special_slots = be32(c + 24);
    cd->n_code_slots = be32(c + 28);
    cd->code_limit32 = be32(c + 32);
    cd->hash_size = c[36];
    cd->hash_type = c[37];
    cd->platform = c[38];
    cd->page_size_log2 = c[39];
    cd->code_limit = cd->code_limit32;

    if (cd->version < ST_CS_VERSION_EARLIEST)
        problem(s, "%s: version 0x%x is older than any signer writes",
                where, cd->version);
    else if (cd->version >> 16 > 2)
        problem(s, "%s: version 0x%x is newer than this decoder knows",
                where, cd->version);
    uint32_t need = cd_header_size(cd->version);
    if (len < need)
        problem(s, "%s: version 0x%x needs a %u-byte header, has %u", where,
                cd->version, need, len);
    if (cd->version >= ST_CS_VERSION_SCATTER && len >= 48)
        cd->scatter_offset = be32(c + 44);
    if (cd->version >= ST_CS_VERSION_TEAMID && len >= 52)
        cd->team_offset = be32(c + 48);
    if (cd->version >= ST_CS_VERSION_CODELIMIT64 && len >= 64) {
        uint64_t cl64 = be64(c + 56);
        if (cl64)
            cd->code_limit = cl64;
    }
    if (cd->version >= ST_CS_VERSION_EXECSEG && len >= 88) {
        cd->execseg_present = 1;
        cd->exec_seg_base = be64(c + 64);
        cd->exec_seg_limit = be64(c + 72);
        cd->exec_seg_flags = be64(c + 80);
    }
    if (cd->version >= ST_CS_VERSION_RUNTIME && len >= 96) {
        cd->runtime_present = 1;
        cd->runtime = be32(c + 88);
        cd->pre_encrypt_offset = be32(c + 92);
    }

    int64_t k = cd_string(c, len, cd->ident_offset);
    if (k < 0) {
        problem(s, "%s: identifier offset %u is outside the directory or "
                "unterminated", where, cd->ident_offset);
    } else {
        cd->identifier = (const char *)c + cd->ident_offset;
        cd->identifier_len = (size_t)k;
    }
    if (cd->team_offset) {
        k = cd_string(c, len, cd->team_offset);
        if (k < 0) {
            problem(s, "%s: team id offset %u is outside the directory or "
                    "unterminated", where, cd->team_offset);
        } else {
            cd->team_id = (const char *)c + cd->team_offset;
            cd->team_id_len = (size_t)k;
        }
    }

    if (cd->page_size_log2 >= 32)
        problem(s, "%s: page size 2^%u is not plausible", where,
                cd->page_size_log2);
    else if (cd->page_size_log2)
        cd->page_size = (uint64_t)1 << cd->page_size_log2;

    size_t expect_hs = st_cs_hash_size(cd->hash_type);
    if (!expect_hs)
        problem(s, "%s: unknown hash type %u; no cdhash", where,
                cd->hash_type);
    else if (cd->hash_size != expect_hs)
        problem(s, "%s: hash size %u does not match %s (%zu)", where,
                cd->hash_size, st_cs_hash_name(cd->hash_type), expect_hs);
    if (complete)
        cd_hashes(s, cd, c, where);

    if (!complete) {
        problem(s, "%s: cut short by the end of the data; no cdhash", where);
    } else if (expect_hs) {
        cd->digest_len = st_cs_digest(cd->hash_type, c, len, cd->digest);
        if (cd->digest_len >= ST_CS_CDHASH_LEN) {
            memcpy(cd->cdhash, cd->digest, ST_CS_CDHASH_LEN);
            cd->cdhash_valid = 1;
        } else {
            problem(s, "%s: digest computation failed", where);
        }
    }
}

/* ---- other component blobs --------------------------------------------- */

/* Decodes a requirements set (a small SuperBlob of requirement blobs). */
static void parse_requirements(st_codesig *s, const uint8_t *p, uint32_t off,
                               uint32_t len)
{
    s->has_requirements = 1;
    if (len < 12) {
        problem(s, "requirements blob of %u bytes has no count", len);
        return;
    }
    const uint8_t *r = p + off;
    uint32_t count = be32(r + 8);
    uint64_t room = (len - 12) / 8;
    if (count > room) {
        problem(s, "requirements claim %u entries; room for %llu", count,
                (unsigned long long)room);
        count = (uint32_t)room;
    }
    s->requirements_count = count;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t type = be32(r + 12 + 8 * (uint64_t)i);
        uint32_t ro = be32(r + 16 + 8 * (uint64_t)i);
        if (ro > len || len - ro < 8) {
            problem(s, "requirement %u: offset %u outside its set", i, ro);
            continue;
        }
        uint32_t rm = be32(r + ro), rl = be32(r + ro + 4);
        if (rm != ST_CS_MAGIC_REQUIREMENT || rl < 8 || rl > len - ro) {
            problem(s, "requirement %u: not a requirement blob (magic "
                    "0x%08x, %u bytes)", i, rm, rl);
            continue;
        }
        if (type >= 1 && type < 32)
            s->requirement_types |= 1u << type;
    }
}

/* Records a component blob met at the top level or through the index. */
static void component(st_codesig *s, const uint8_t *p, uint32_t slot,
                      uint32_t magic, uint32_t off, uint32_t len,
                      int complete)
{
    switch (magic) {
    case ST_CS_MAGIC_CODEDIRECTORY:
        parse_cd(s, p, off, len, slot, complete);
        break;
    case ST_CS_MAGIC_REQUIREMENTS:
        parse_requirements(s, p, off, len);
        break;
    case ST_CS_MAGIC_ENTITLEMENTS:
        s->entitlements_offset = off + 8;
        s->entitlements_length = len - 8;
        break;
    case ST_CS_MAGIC_DER_ENTITLEMENTS:
        s->der_entitlements_offset = off + 8;
        s->der_entitlements_length = len - 8;
        break;
    case ST_CS_MAGIC_BLOBWRAPPER:
        s->has_cms = 1;
        s->cms_offset = off + 8;
        s->cms_length = len - 8;
        break;
    default:
        break;
    }
}

/* The magic a slot must hold, or 0 when any (or unknown) is acceptable. */
static uint32_t slot_magic(uint32_t slot)
{
    if (slot == ST_CS_SLOT_CODEDIRECTORY ||
        (slot >= ST_CS_SLOT_ALTERNATE_CD &&
         slot < ST_CS_SLOT_ALTERNATE_CD + ST_CS_SLOT_ALTERNATE_CD_MAX))
        return ST_CS_MAGIC_CODEDIRECTORY;
    switch (slot) {
    case ST_CS_SLOT_REQUIREMENTS: return ST_CS_MAGIC_REQUIREMENTS;
    case ST_CS_SLOT_ENTITLEMENTS: return ST_CS_MAGIC_ENTITLEMENTS;
    case ST_CS_SLOT_DER_ENTITLEMENTS: return ST_CS_MAGIC_DER_ENTITLEMENTS;
    case ST_CS_SLOT_SIGNATURE: return ST_CS_MAGIC_BLOBWRAPPER;
    default: return 0;
    }
}

/* Bit used to spot a slot listed twice: 0..31 for the low slots, 32..36
 * for alternates, 37..39 for 0x10000..0x10002; -1 for the rest. */
static int slot_bit(uint32_t slot)
{
    if (slot < 32)
        return (int)slot;
    if (slot >= ST_CS_SLOT_ALTERNATE_CD &&
        slot < ST_CS_SLOT_ALTERNATE_CD + ST_CS_SLOT_ALTERNATE_CD_MAX)
        return 32 + (int)(slot - ST_CS_SLOT_ALTERNATE_CD);
    if (slot >= ST_CS_SLOT_SIGNATURE && slot <= ST_CS_SLOT_TICKET)
        return 37 + (int)(slot - ST_CS_SLOT_SIGNATURE);
    return -1;
}

/* Walks a SuperBlob's index; `lim` is the usable size (length field or
 * what is present when truncated). */
static void parse_super(st_codesig *s, const uint8_t *p, uint32_t lim)
{
    if (lim < 12) {
        problem(s, "SuperBlob of %u bytes has no room for its count", lim);
        return;
    }
    s->is_superblob = 1;
    s->count = be32(p + 8);
    uint64_t room = (lim - 12) / 8;
    uint32_t count = s->count;
    if (count > room) {
        problem(s, "SuperBlob claims %u index entries; room for %llu",
                count, (unsigned long long)room);
        count = (uint32_t)room;
    }
    uint64_t index_end = 12 + 8 * (uint64_t)count;
    int detached = s->magic == ST_CS_MAGIC_DETACHED_SIGNATURE;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        st_cs_blob b = {be32(p + 12 + 8 * (uint64_t)i),
                        0, be32(p + 16 + 8 * (uint64_t)i), 0};
        char where[48];
        const char *sn = detached ? NULL : st_cs_slot_name(b.slot);
        if (sn)
            snprintf(where, sizeof where, "%s", sn);
        else
            snprintf(where, sizeof where, "entry %u (type 0x%x)", i, b.slot);
        if (b.offset > lim || lim - b.offset < 8) {
            problem(s, "%s: offset %u is outside the %u-byte SuperBlob",
                    where, b.offset, lim);
        } else {
            b.magic = be32(p + b.offset);
            uint32_t blen = be32(p + b.offset + 4);
            if (blen < 8 || blen > lim - b.offset) {
                problem(s, "%s: blob length %u at offset %u does not fit",
                        where, blen, b.offset);
            } else {
                b.length = blen;
            }
            if (b.offset < index_end)
                problem(s, "%s: offset %u overlaps the index", where,
                        b.offset);
        }
        if (s->nblobs < ST_CS_MAX_BLOBS)
            s->blobs[s->nblobs++] = b;
        if (!b.length || detached)
            continue;   /* per-architecture signatures are only listed */
        int bit = slot_bit(b.slot);
        if (bit >= 0) {
            if (seen & (1ull << bit)) {
                problem(s, "%s: listed twice; the first is used", where);
                continue;
            }
            seen |= 1ull << bit;
        }
        uint32_t want = slot_magic(b.slot);
        if (want && b.magic != want) {
            const char *mn = st_cs_magic_name(b.magic);
            problem(s, "%s: holds a %s blob (magic 0x%08x), not %s", where,
                    mn ? mn : "unknown", b.magic, st_cs_magic_name(want));
            continue;
        }
        if (b.magic == ST_CS_MAGIC_EMBEDDED_SIGNATURE ||
            b.magic == ST_CS_MAGIC_EMBEDDED_SIG_OLD ||
            b.magic == ST_CS_MAGIC_DETACHED_SIGNATURE) {
            problem(s, "%s: nested SuperBlob not followed", where);
            continue;
        }
        if (want)
            component(s, p, b.slot, b.magic, b.offset, b.length, 1);
    }
}

/* ---- entry points ------------------------------------------------------ */

int st_codesig_parse(const uint8_t *p, size_t n, st_codesig *s)
{
    memset(s, 0, sizeof *s);
    s->primary = s->best = -1;
    if (!p || n < 8) {
        problem(s, "%zu bytes: too short for a blob header", p ? n : 0);
        s->status = ST_CS_INVALID;
        return s->status;
    }
    s->magic = be32(p);
    s->length = be32(p + 4);
    int usable = 1, complete = 1;
    uint32_t lim = s->length;
    if (!st_cs_magic_name(s->magic)) {
        problem(s, "not a code-signing blob (magic 0x%08x)", s->magic);
        usable = 0;
    } else if (s->length < 8) {
        problem(s, "blob length %u is shorter than its header", s->length);
        usable = 0;
    } else if (s->length > n) {
        problem(s, "blob says %u bytes but only %zu are present "
                "(truncated)", s->length, n);
        lim = (uint32_t)n;
        complete = 0;
    }
    if (usable) {
        switch (s->magic) {
        case ST_CS_MAGIC_EMBEDDED_SIGNATURE:
        case ST_CS_MAGIC_EMBEDDED_SIG_OLD:
        case ST_CS_MAGIC_DETACHED_SIGNATURE:
            parse_super(s, p, lim);
            usable = s->is_superblob;
            break;
        case ST_CS_MAGIC_CODEDIRECTORY:
            parse_cd(s, p, 0, lim, ST_CS_SLOT_CODEDIRECTORY, complete);
            usable = s->ncd > 0;
            break;
        default:
            if (complete)
                component(s, p, 0, s->magic, 0, lim, 1);
            break;
        }
    }
    int best_rank = 0;
    for (size_t i = 0; i < s->ncd; i++) {
        if (s->cd[i].slot == ST_CS_SLOT_CODEDIRECTORY && s->primary < 0)
            s->primary = (int)i;
        int r = s->cd[i].cdhash_valid ? hash_rank(s->cd[i].hash_type) : 0;
        if (r > best_rank) {
            best_rank = r;
            s->best = (int)i;
        }
    }
    s->status = !usable ? ST_CS_INVALID
                        : s->nproblems ? ST_CS_DAMAGED : ST_CS_OK;
    return s->status;
}

/* Locates one slot hash inside a validated CodeDirectory. */
const uint8_t *st_cs_slot_hash(const uint8_t *p, size_t n,
                               const st_cs_codedir *cd, int64_t slot)
{
    if (!cd->hashes_valid || !cd->hash_size ||
        (uint64_t)cd->offset + cd->length > n)
        return NULL;
    uint64_t hs = cd->hash_size;
    uint64_t at;
    if (slot >= 0) {
        if ((uint64_t)slot >= cd->n_code_slots)
            return NULL;
        at = cd->hash_offset + (uint64_t)slot * hs;
    } else {
        uint64_t k = (uint64_t)(-(slot + 1)) + 1;
        if (k > cd->n_special_slots)
            return NULL;
        at = cd->hash_offset - k * hs;
    }
    return p + cd->offset + at;
}
