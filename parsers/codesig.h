/*
 * codesig.h -- Apple code-signing blobs decoded from memory: the SuperBlob
 * (embedded signature), its CodeDirectories, requirements, entitlements and
 * CMS wrapper, plus the cdhash of each CodeDirectory.
 *
 * Layout facts are those of Apple's cs_blobs.h / codedirectory.h as
 * summarised in shared/reference/CODESIGNING.md; every integer is
 * big-endian.  A blob starts with magic (u32) and length (u32, counting the
 * header).  A SuperBlob adds count (u32) and `count` index entries
 * {type u32, offset u32}; offsets are from the start of the SuperBlob.
 *
 * Contract:
 *  - st_codesig_parse() reads only p[0..n), never writes it, never
 *    allocates, never recurses (a SuperBlob inside a SuperBlob is described,
 *    not followed) and runs in time linear in n: every index entry is visited
 *    once, the entry count is bounded by the room in the blob, and at most
 *    ST_CS_MAX_CDS CodeDirectories are hashed.
 *  - Hostile input is expected.  Every offset, length and count is checked
 *    against the enclosing blob with 64-bit arithmetic.  What does not fit is
 *    recorded as a problem (the first ST_CS_MAX_PROBLEMS messages are kept,
 *    all are counted) and decoding goes on with whatever is still
 *    trustworthy.  `status` summarises: OK (no problem), DAMAGED (problems,
 *    some structure decoded), INVALID (nothing usable).
 *  - Results refer into the caller's buffer: byte ranges are offsets from p,
 *    identifier/team_id point into p (not NUL-terminated views, length
 *    given).  They stay valid as long as the buffer does.
 *  - cdhash: the digest of a CodeDirectory's exact bytes (from its magic to
 *    its own length field) with the CodeDirectory's hashType, truncated to
 *    ST_CS_CDHASH_LEN (20) bytes.  SHA-1, SHA-256, SHA-256-truncated and
 *    SHA-384 are computed with libcrypto; an unknown hashType leaves the
 *    cdhash unset and is a problem.
 *  - When a SuperBlob holds several CodeDirectories (a SHA-1 primary in slot
 *    0 plus alternates in slots 0x1000..0x1004), `primary` is the slot-0 one
 *    and `best` the one with the strongest hash type (SHA-384 > SHA-256 >
 *    SHA-256-truncated > SHA-1), which is the cdhash codesign and the kernel
 *    report for the code.
 *  - The functions are pure and thread-safe.
 */
#ifndef ST_CODESIG_H
#define ST_CODESIG_H

#include <stddef.h>
#include <stdint.h>

/* Blob magics (cs_blobs.h CSMAGIC_*). */
#define ST_CS_MAGIC_REQUIREMENT        0xfade0c00u
#define ST_CS_MAGIC_REQUIREMENTS       0xfade0c01u
#define ST_CS_MAGIC_CODEDIRECTORY      0xfade0c02u
#define ST_CS_MAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define ST_CS_MAGIC_EMBEDDED_SIG_OLD   0xfade0b02u
#define ST_CS_MAGIC_DETACHED_SIGNATURE 0xfade0cc1u
#define ST_CS_MAGIC_BLOBWRAPPER        0xfade0b01u   /* CMS signature */
#define ST_CS_MAGIC_ENTITLEMENTS       0xfade7171u
#define ST_CS_MAGIC_DER_ENTITLEMENTS   0xfade7172u
#define ST_CS_MAGIC_LAUNCH_CONSTRAINT  0xfade8181u

/* SuperBlob index types (cs_blobs.h CSSLOT_*). */
#define ST_CS_SLOT_CODEDIRECTORY       0x0u
#define ST_CS_SLOT_INFO                0x1u
#define ST_CS_SLOT_REQUIREMENTS        0x2u
#define ST_CS_SLOT_RESOURCEDIR         0x3u
#define ST_CS_SLOT_APPLICATION         0x4u
#define ST_CS_SLOT_ENTITLEMENTS        0x5u
#define ST_CS_SLOT_REP_SPECIFIC        0x6u
#define ST_CS_SLOT_DER_ENTITLEMENTS    0x7u
#define ST_CS_SLOT_ALTERNATE_CD        0x1000u
#define ST_CS_SLOT_ALTERNATE_CD_MAX    5u
#define ST_CS_SLOT_SIGNATURE           0x10000u
#define ST_CS_SLOT_IDENTIFICATION      0x10001u
#define ST_CS_SLOT_TICKET              0x10002u

/* CodeDirectory hashType values (cs_blobs.h CS_HASHTYPE_*). */
#define ST_CS_HASH_SHA1             1u
#define ST_CS_HASH_SHA256           2u
#define ST_CS_HASH_SHA256_TRUNCATED 3u
#define ST_CS_HASH_SHA384           4u

/* CodeDirectory flags that callers test by name (cs_blobs.h CS_*). */
#define ST_CS_FLAG_ADHOC         0x00002u
#define ST_CS_FLAG_RUNTIME       0x10000u
#define ST_CS_FLAG_LINKER_SIGNED 0x20000u

/* CodeDirectory versions that add header fields (CS_SUPPORTS*). */
#define ST_CS_VERSION_EARLIEST   0x20001u
#define ST_CS_VERSION_SCATTER    0x20100u
#define ST_CS_VERSION_TEAMID     0x20200u
#define ST_CS_VERSION_CODELIMIT64 0x20300u
#define ST_CS_VERSION_EXECSEG    0x20400u
#define ST_CS_VERSION_RUNTIME    0x20500u
#define ST_CS_VERSION_LINKAGE    0x20600u

#define ST_CS_CDHASH_LEN   20
#define ST_CS_MAX_DIGEST   48
#define ST_CS_MAX_CDS      6     /* slot 0 + 5 alternates */
#define ST_CS_MAX_BLOBS    32    /* index entries kept (all are checked) */
#define ST_CS_MAX_PROBLEMS 8
#define ST_CS_PROBLEM_LEN  120

enum { ST_CS_OK = 0, ST_CS_DAMAGED = 1, ST_CS_INVALID = 2 };

/* One SuperBlob index entry as found. */
typedef struct st_cs_blob {
    uint32_t slot;           /* index type; a cputype in a detached blob */
    uint32_t magic;          /* magic of the blob it points at; 0 if none */
    uint32_t offset;         /* from the start of the input */
    uint32_t length;         /* the blob's own length; 0 when unusable */
} st_cs_blob;

/* One decoded CodeDirectory.  Fields a version lacks are 0; *_present
 * flags say which optional header parts were inside the blob. */
typedef struct st_cs_codedir {
    uint32_t slot;           /* index type it was found under */
    uint32_t offset, length; /* its exact bytes within the input */
    uint32_t version, flags;
    uint32_t hash_offset, ident_offset, n_special_slots, n_code_slots;
    uint32_t code_limit32;
    uint64_t code_limit;     /* codeLimit64 when set, else code_limit32 */
    uint8_t hash_size, hash_type, platform, page_size_log2;
    uint64_t page_size;      /* 0: one hash for the whole code */
    uint32_t scatter_offset, team_offset;
    int execseg_present;
    uint64_t exec_seg_base, exec_seg_limit, exec_seg_flags;
    int runtime_present;
    uint32_t runtime, pre_encrypt_offset;
    const char *identifier;  /* points into the input; NULL if unusable */
    size_t identifier_len;
    const char *team_id;     /* NULL when absent or unusable */
    size_t team_id_len;
    int hashes_valid;        /* the special and code hash arrays fit */
    uint32_t special_present;  /* bit k: special slot k (1..31) non-zero */
    int cdhash_valid;
    unsigned char cdhash[ST_CS_CDHASH_LEN];
    unsigned char digest[ST_CS_MAX_DIGEST];  /* full digest */
    size_t digest_len;
} st_cs_codedir;

typedef struct st_codesig {
    int status;              /* ST_CS_OK / ST_CS_DAMAGED / ST_CS_INVALID */
    uint32_t magic;          /* of the outer blob */
    uint32_t length;         /* its length field */
    int is_superblob;
    uint32_t count;          /* index entries the header claims */
    size_t nblobs;           /* entries stored in blobs[] */
    st_cs_blob blobs[ST_CS_MAX_BLOBS];

    size_t ncd;
    st_cs_codedir cd[ST_CS_MAX_CDS];
    int primary;             /* index in cd[] of slot 0, or -1 */
    int best;                /* strongest hash type, or -1 */

    int has_requirements;
    uint32_t requirements_count;
    uint32_t requirement_types;   /* bit t: requirement type t (1..31) */
    uint32_t entitlements_offset, entitlements_length;  /* payload */
    uint32_t der_entitlements_offset, der_entitlements_length;
    int has_cms;
    uint32_t cms_offset, cms_length;  /* payload; 0 bytes for ad-hoc */

    unsigned nproblems;      /* all problems, even those not kept */
    char problems[ST_CS_MAX_PROBLEMS][ST_CS_PROBLEM_LEN];
} st_codesig;

/* Decodes the blob p[0..n) into *out (a SuperBlob, or a bare
 * CodeDirectory, requirements, entitlements or CMS blob).  Returns
 * out->status. */
int st_codesig_parse(const uint8_t *p, size_t n, st_codesig *out);

/* Digest of p[0..n) with a CodeDirectory hash type into out (up to
 * ST_CS_MAX_DIGEST bytes); returns the digest length, 0 for an unknown
 * type or a libcrypto failure. */
size_t st_cs_digest(unsigned hash_type, const void *p, size_t n,
                    unsigned char *out);
/* Size of a hash type's slot hashes (20, 32, 20, 48), 0 when unknown. */
size_t st_cs_hash_size(unsigned hash_type);
/* "sha1", "sha256", "sha256-truncated", "sha384", or NULL. */
const char *st_cs_hash_name(unsigned hash_type);

/* The hash stored for a slot of a parsed CodeDirectory: slot >= 0 is a code
 * page, slot < 0 a special slot (-1 Info.plist ... -7 DER entitlements), as
 * in Apple's numbering.  Returns a pointer into p (cd->hash_size bytes) or
 * NULL when the slot does not exist or the arrays were unusable.  p and n
 * must be the buffer given to st_codesig_parse. */
const uint8_t *st_cs_slot_hash(const uint8_t *p, size_t n,
                               const st_cs_codedir *cd, int64_t slot);

/* Names for display; NULL when unknown. */
const char *st_cs_magic_name(uint32_t magic);
const char *st_cs_slot_name(uint32_t slot);
/* Special slot k (1..11): "info-plist", "requirements", "resource-dir",
 * "application", "entitlements", "rep-specific", "der-entitlements", ... */
const char *st_cs_special_slot_name(unsigned k);
/* Requirement type t (1..5): host, guest, designated, library, plugin. */
const char *st_cs_requirement_type_name(unsigned t);
/* Name of CodeDirectory flag bit `bit` (a single-bit mask), in codesign's
 * spelling ("adhoc", "runtime", "linker-signed" ...), or NULL. */
const char *st_cs_flag_name(uint32_t bit);
/* Writes "adhoc,runtime" (unknown bits as 0x... hex) into buf; returns the
 * length that was needed (like snprintf). */
size_t st_cs_flags_str(uint32_t flags, char *buf, size_t n);

/* Names a Mach-O CPU: "x86_64", "arm64", "arm64e", "i386", ...; cpusubtype
 * < 0 means unknown (arm64e is then reported as arm64).  Unknown types are
 * written as "cputype 0x...".  Returns buf. */
const char *st_cs_cpu_name(int64_t cputype, int64_t cpusubtype, char *buf,
                           size_t n);

/* Kinds of a DiskRep identification blob (cdIdentificationSlot). */
enum { ST_CS_ID_UUID = 1, ST_CS_ID_SHA1, ST_CS_ID_SHA256, ST_CS_ID_OTHER };
/* Decodes an identification blob: "UUID" + 16 bytes is a Mach-O LC_UUID,
 * written in canonical upper-case form (8-4-4-4-12); 20 other bytes a SHA-1
 * and 32 a SHA-256, written as lower-case hex; anything else is
 * ST_CS_ID_OTHER, written as hex (cut to fit).  out needs 37 bytes for
 * UUIDs, 2n+1 for hex.  Returns the kind. */
int st_cs_identification(const uint8_t *p, size_t n, char *out,
                         size_t outlen);

/* Lower-case hex of p[0..n) into out (2n+1 bytes). */
void st_cs_hex(const uint8_t *p, size_t n, char *out);

#endif
