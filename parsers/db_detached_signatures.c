/*
 * db_detached_signatures.c -- /private/var/db/DetachedSignatures, the system
 * database of detached code signatures (CODESIGNING.md §3.1): tables `code`
 * (one row per architecture: identifier, architecture = Mach-O cputype,
 * identification blob, signature = EmbeddedSignatureBlob, created = UTC
 * text) and `global` (sign_location, architecture-independent blob).
 *
 * Each code row, joined with its global row, becomes a record of kind
 * "detached_signature" and a "DetachedSignature" timeline event at its
 * created time.  The signature blob is decoded with codesig.c; a damaged
 * blob is a warning plus a field in the record, never a reason to stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codesig.h"
#include "sqlite_evidence.h"

/* Entitlement plists up to this size are kept as text in the record. */
#define MAX_ENTITLEMENTS_TEXT (16 * 1024)

/* Columns of the code query, and of the per-row global lookup. */
enum {
    C_ROWID, C_ID, C_GLOBAL, C_IDENT, C_ARCH, C_IDBLOB, C_IDLEN, C_SIG,
    C_SIGLEN, C_CREATED
};
enum { G_LOCATION, G_SIG, G_SIGLEN };

/* Head bytes name both tables and their distinctive columns. */
static int bid(const uint8_t *head, size_t n, int at_eof)
{
    static const char *const all[] = {"identification", "sign_location",
                                      "CREATE TABLE code", NULL};
    (void)at_eof;
    return st_secdb_bid_tables(head, n, all, NULL, 90);
}

/* Confirmed by sqlite_master: both tables and their key columns. */
static int matches(st_secdb *db)
{
    return st_secdb_has_table(db, "code") &&
           st_secdb_has_table(db, "global") &&
           st_secdb_has_column(db, "code", "identification") &&
           st_secdb_has_column(db, "code", "signature") &&
           st_secdb_has_column(db, "global", "sign_location");
}

/* Writes the decoded CodeDirectory as a JSON object. */
static void json_cd(st_json *j, const st_cs_codedir *cd)
{
    char hex[2 * ST_CS_MAX_DIGEST + 1];
    st_json_obj(j, NULL);
    const char *sn = st_cs_slot_name(cd->slot);
    if (sn)
        st_json_cstr(j, "slot", sn);
    else
        st_json_fmt(j, "slot", "0x%x", cd->slot);
    st_json_fmt(j, "version", "0x%x", cd->version);
    st_json_fmt(j, "flags", "0x%x", cd->flags);
    st_json_arr(j, "flag_names");
    for (int b = 0; b < 32; b++)
        if (cd->flags & (1u << b)) {
            const char *fn = st_cs_flag_name(1u << b);
            if (fn)
                st_json_cstr(j, NULL, fn);
            else
                st_json_fmt(j, NULL, "0x%x", 1u << b);
        }
    st_json_end(j);
    const char *hn = st_cs_hash_name(cd->hash_type);
    if (hn)
        st_json_cstr(j, "hash_type", hn);
    else
        st_json_int(j, "hash_type", cd->hash_type);
    st_json_int(j, "hash_size", cd->hash_size);
    st_json_int(j, "page_size", (int64_t)cd->page_size);
    st_json_int(j, "code_limit", (int64_t)cd->code_limit);
    st_json_str(j, "identifier", cd->identifier, cd->identifier_len);
    st_json_str(j, "team_id", cd->team_id, cd->team_id_len);
    st_json_int(j, "code_slots", cd->n_code_slots);
    st_json_int(j, "special_slots", cd->n_special_slots);
    st_json_arr(j, "special_slots_present");
    for (unsigned k = 1; k < 32; k++)
        if (cd->special_present & (1u << k)) {
            const char *nm = st_cs_special_slot_name(k);
            if (nm)
                st_json_cstr(j, NULL, nm);
            else
                st_json_fmt(j, NULL, "slot -%u", k);
        }
    st_json_end(j);
    st_json_int(j, "platform", cd->platform);
    if (cd->execseg_present) {
        st_json_int(j, "exec_seg_base", (int64_t)cd->exec_seg_base);
        st_json_int(j, "exec_seg_limit", (int64_t)cd->exec_seg_limit);
        st_json_fmt(j, "exec_seg_flags", "0x%llx",
                    (unsigned long long)cd->exec_seg_flags);
    }
    if (cd->runtime_present)
        st_json_fmt(j, "runtime", "0x%x", cd->runtime);
    st_json_int(j, "offset", cd->offset);
    st_json_int(j, "length", cd->length);
    if (cd->cdhash_valid) {
        st_cs_hex(cd->cdhash, ST_CS_CDHASH_LEN, hex);
        st_json_cstr(j, "cdhash", hex);
        st_cs_hex(cd->digest, cd->digest_len, hex);
        st_json_cstr(j, "digest", hex);
    }
    st_json_end(j);
}

/* How the code was signed, from the CodeDirectory flags and CMS blob. */
static const char *signature_kind(const st_codesig *cs)
{
    int i = cs->primary >= 0 ? cs->primary : cs->best;
    if (i >= 0 && (cs->cd[i].flags & ST_CS_FLAG_ADHOC))
        return "adhoc";
    if (cs->has_cms && cs->cms_length > 0)
        return "cms";
    return "none";
}

/* Writes a signature blob decoded from p as JSON under key. */
static void json_signature(st_json *j, const char *key, const uint8_t *p,
                           const st_codesig *cs)
{
    char hex[2 * ST_CS_CDHASH_LEN + 1];
    static const char *const status[] = {"ok", "damaged", "invalid"};
    st_json_obj(j, key);
    st_json_cstr(j, "status", status[cs->status]);
    st_json_fmt(j, "magic", "0x%08x", cs->magic);
    st_json_cstr(j, "blob", st_cs_magic_name(cs->magic));
    st_json_int(j, "length", cs->length);
    if (cs->is_superblob) {
        st_json_int(j, "count", cs->count);
        st_json_arr(j, "index");
        for (size_t i = 0; i < cs->nblobs; i++) {
            const st_cs_blob *b = &cs->blobs[i];
            st_json_obj(j, NULL);
            st_json_fmt(j, "slot", "0x%x", b->slot);
            if (cs->magic != ST_CS_MAGIC_DETACHED_SIGNATURE)
                st_json_cstr(j, "name", st_cs_slot_name(b->slot));
            st_json_fmt(j, "magic", "0x%08x", b->magic);
            st_json_int(j, "offset", b->offset);
            st_json_int(j, "length", b->length);
            st_json_end(j);
        }
        st_json_end(j);
    }
    st_json_arr(j, "code_directories");
    for (size_t i = 0; i < cs->ncd; i++)
        json_cd(j, &cs->cd[i]);
    st_json_end(j);
    if (cs->best >= 0) {
        const st_cs_codedir *b = &cs->cd[cs->best];
        st_cs_hex(b->cdhash, ST_CS_CDHASH_LEN, hex);
        st_json_cstr(j, "cdhash", hex);
        st_json_cstr(j, "cdhash_type", st_cs_hash_name(b->hash_type));
    }
    if (cs->has_requirements) {
        st_json_obj(j, "requirements");
        st_json_int(j, "count", cs->requirements_count);
        st_json_arr(j, "types");
        for (unsigned t = 1; t < 32; t++)
            if (cs->requirement_types & (1u << t)) {
                const char *nm = st_cs_requirement_type_name(t);
                if (nm)
                    st_json_cstr(j, NULL, nm);
                else
                    st_json_fmt(j, NULL, "type %u", t);
            }
        st_json_end(j);
        st_json_end(j);
    }
    if (cs->entitlements_length) {
        st_json_int(j, "entitlements_bytes", cs->entitlements_length);
        if (cs->entitlements_length <= MAX_ENTITLEMENTS_TEXT)
            st_json_str(j, "entitlements",
                        (const char *)p + cs->entitlements_offset,
                        cs->entitlements_length);
    }
    if (cs->der_entitlements_length)
        st_json_int(j, "der_entitlements_bytes",
                    cs->der_entitlements_length);
    if (cs->has_cms)
        st_json_int(j, "cms_bytes", cs->cms_length);
    st_json_cstr(j, "signature_kind", signature_kind(cs));
    if (cs->nproblems) {
        st_json_int(j, "problem_count", cs->nproblems);
        st_json_arr(j, "problems");
        for (unsigned i = 0; i < cs->nproblems && i < ST_CS_MAX_PROBLEMS;
             i++)
            st_json_cstr(j, NULL, cs->problems[i]);
        st_json_end(j);
    }
    st_json_end(j);
}

/* Joins the first problems into one line for warnings and messages. */
static void problems_line(const st_codesig *cs, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < cs->nproblems && i < 3 && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "; " : "",
                                cs->problems[i]);
    if (cs->nproblems > 3 && len < n)
        snprintf(buf + len, n - len, " (+%u more)", cs->nproblems - 3);
}

typedef struct row_ctx {
    st_sink *sink;
    st_secdb *db;
    sqlite3_stmt *g;         /* global row by id; NULL if no such table */
    int global_failed;       /* a global row could not be read */
    char global_err[256];
    st_json j;
    st_codesig cs, gcs;
} row_ctx;

/* Steps the global lookup for this code row.  Global rows are read one by
 * one rather than joined so that a damaged global table (a truncated
 * copy) costs the locations, not the code rows.  Returns 1 with a row. */
static int lookup_global(row_ctx *c, sqlite3_stmt *q, const char *locator)
{
    if (!c->g || sqlite3_column_type(q, C_GLOBAL) == SQLITE_NULL)
        return 0;
    sqlite3_reset(c->g);
    sqlite3_bind_int64(c->g, 1, sqlite3_column_int64(q, C_GLOBAL));
    int rc = sqlite3_step(c->g);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE) {
        if (!c->global_failed++)
            snprintf(c->global_err, sizeof c->global_err, "table global: "
                     "%s (%s)", sqlite3_errmsg(c->db->db),
                     c->db->damage[0] ? c->db->damage : "damaged database");
        st_sink_warnf(c->sink, 0, "%s: its global row cannot be read: %s",
                      locator, sqlite3_errmsg(c->db->db));
    }
    return 0;
}

/* Turns one code row (with its global row) into a record and an event. */
static int one_row(row_ctx *c, sqlite3_stmt *q)
{
    st_sink *sink = c->sink;
    st_json *j = &c->j;
    int64_t rowid = sqlite3_column_int64(q, C_ROWID);
    char locator[64], arch[48] = "no architecture", ident_txt[80] = "";
    char cdhash[2 * ST_CS_CDHASH_LEN + 1] = "", created_iso[40];
    char problems[400] = "", msg[1024];
    snprintf(locator, sizeof locator, "table code rowid %lld",
             (long long)rowid);
    st_json_reset(j);
    st_json_cstr(j, "table", "code");
    st_json_column(j, "code_id", q, C_ID);
    st_json_column(j, "global_id", q, C_GLOBAL);
    st_str ident = st_secdb_text(q, C_IDENT);
    st_json_str(j, "identifier", ident.p, ident.n);

    int have_arch = sqlite3_column_type(q, C_ARCH) == SQLITE_INTEGER;
    st_json_column(j, "architecture", q, C_ARCH);
    if (have_arch)
        st_cs_cpu_name(sqlite3_column_int64(q, C_ARCH), -1, arch,
                       sizeof arch);
    st_json_cstr(j, "architecture_name", have_arch ? arch : NULL);

    /* identification: LC_UUID or a SHA-1 of the code */
    const uint8_t *idb = sqlite3_column_blob(q, C_IDBLOB);
    size_t idn = (size_t)sqlite3_column_bytes(q, C_IDBLOB);
    int idkind = 0;
    st_json_obj(j, "identification");
    if (idb) {
        static const char *const kinds[] = {"", "uuid", "sha1", "sha256",
                                            "other"};
        idkind = st_cs_identification(idb, idn, ident_txt, sizeof ident_txt);
        st_json_cstr(j, "kind", kinds[idkind]);
        st_json_cstr(j, "value", ident_txt);
        st_json_int(j, "bytes", (int64_t)idn);
        st_json_hex(j, "hex", idb, idn);
    } else {
        /* NULL, empty, or over the 4096 bytes the query loads */
        int64_t len = sqlite3_column_int64(q, C_IDLEN);
        st_json_cstr(j, "kind", len > 4096 ? "oversized" : "missing");
        st_json_column(j, "bytes", q, C_IDLEN);
    }
    st_json_end(j);

    st_str created = st_secdb_text(q, C_CREATED);
    int64_t t_us = 0;
    int has_time = created.p && st_time_sqlite_text(created.p, created.n,
                                                    &t_us);
    st_json_str(j, "created", created.p, created.n);
    if (has_time) {
        st_time_iso(t_us, created_iso, sizeof created_iso);
        st_json_cstr(j, "created_utc", created_iso);
    } else if (created.p) {
        st_sink_warnf(sink, 0, "%s: created '%.*s' is not a UTC "
                      "timestamp; the row has no time", locator,
                      (int)(created.n < 64 ? created.n : 64), created.p);
    }
    int have_g = lookup_global(c, q, locator);
    st_str loc = have_g ? st_secdb_text(c->g, G_LOCATION) : ST_STR_NULL;
    st_json_str(j, "sign_location", loc.p, loc.n);

    /* the signature blob */
    const st_codesig *cs = NULL;
    int64_t siglen = sqlite3_column_int64(q, C_SIGLEN);
    st_json_int(j, "signature_bytes", siglen);
    if (sqlite3_column_type(q, C_SIG) == SQLITE_NULL) {
        if (siglen > ST_SECDB_MAX_BLOB) {
            snprintf(problems, sizeof problems, "signature blob of %lld "
                     "bytes is over the %d-byte limit; not decoded",
                     (long long)siglen, ST_SECDB_MAX_BLOB);
        } else {
            snprintf(problems, sizeof problems, "no signature blob");
        }
        st_json_cstr(j, "signature_error", problems);
        st_sink_warnf(sink, 0, "%s: %s", locator, problems);
    } else {
        const uint8_t *sig = sqlite3_column_blob(q, C_SIG);
        size_t sn = (size_t)sqlite3_column_bytes(q, C_SIG);
        st_codesig_parse(sig, sn, &c->cs);
        cs = &c->cs;
        json_signature(j, "signature", sig, cs);
        if (cs->status != ST_CS_OK) {
            problems_line(cs, problems, sizeof problems);
            st_json_cstr(j, "signature_error", problems);
            st_sink_warnf(sink, 0, "%s: signature blob %s: %s", locator,
                          cs->status == ST_CS_INVALID ? "unusable"
                                                      : "damaged",
                          problems);
        }
    }
    const st_cs_codedir *best = cs && cs->best >= 0 ? &cs->cd[cs->best]
                                                    : NULL;
    const st_cs_codedir *prim = cs && cs->primary >= 0
                                    ? &cs->cd[cs->primary] : best;
    if (best)
        st_cs_hex(best->cdhash, ST_CS_CDHASH_LEN, cdhash);
    if (prim && prim->identifier && ident.p &&
        (prim->identifier_len != ident.n ||
         memcmp(prim->identifier, ident.p, ident.n) != 0)) {
        st_json_bool(j, "identifier_mismatch", 1);
        st_sink_warnf(sink, 0, "%s: code.identifier '%.*s' differs from "
                      "the CodeDirectory identifier '%.*s'", locator,
                      (int)(ident.n < 100 ? ident.n : 100), ident.p,
                      (int)(prim->identifier_len < 100 ? prim->identifier_len
                                                       : 100),
                      prim->identifier);
    }

    /* the architecture-independent global blob, summarised */
    if (have_g && sqlite3_column_type(c->g, G_SIGLEN) != SQLITE_NULL) {
        st_json_int(j, "global_signature_bytes",
                    sqlite3_column_int64(c->g, G_SIGLEN));
        const uint8_t *g = sqlite3_column_blob(c->g, G_SIG);
        if (g) {
            size_t gn = (size_t)sqlite3_column_bytes(c->g, G_SIG);
            st_codesig_parse(g, gn, &c->gcs);
            json_signature(j, "global_signature", g, &c->gcs);
        }
    }

    st_str data = st_json_view(j);
    if (!data.p) {
        st_sink_warnf(sink, 0, "%s: out of memory", locator);
        return 1;
    }
    /* The identifier column is the key; the CodeDirectory's is the
     * fallback when the column is empty. */
    st_str key_ident = ident;
    if (!key_ident.p && prim && prim->identifier)
        key_ident = (st_str){prim->identifier, prim->identifier_len};
    const char *shown = key_ident.p ? "" : "(no identifier)";
    int k;
    if (best)
        k = snprintf(msg, sizeof msg, "detached signature stored for %.*s%s "
                     "(%s, cdhash %s)", (int)(key_ident.p ? key_ident.n : 0),
                     key_ident.p ? key_ident.p : "", shown, arch, cdhash);
    else
        k = snprintf(msg, sizeof msg, "detached signature stored for %.*s%s "
                     "(%s, signature blob unusable: %s)",
                     (int)(key_ident.p ? key_ident.n : 0),
                     key_ident.p ? key_ident.p : "", shown, arch,
                     problems[0] ? problems : "no CodeDirectory");
    if (loc.p && k > 0 && (size_t)k < sizeof msg)
        k += snprintf(msg + k, sizeof msg - (size_t)k, " for %.*s",
                      (int)(loc.n < 512 ? loc.n : 512), loc.p);

    st_secdb_item it;
    memset(&it, 0, sizeof it);
    it.rec.kind = "detached_signature";
    it.rec.locator = st_cstr(locator);
    it.rec.has_time = has_time;
    it.rec.time_us = t_us;
    it.rec.path = loc;
    it.rec.uuid = idkind == ST_CS_ID_UUID ? st_cstr(ident_txt)
                                          : ST_STR_NULL;
    it.rec.cdhash = best ? st_cstr(cdhash) : ST_STR_NULL;
    if (prim && prim->team_id)
        it.rec.team_id = (st_str){prim->team_id, prim->team_id_len};
    else if (best && best->team_id)
        it.rec.team_id = (st_str){best->team_id, best->team_id_len};
    it.rec.identifier = key_ident;
    it.rec.data_json = data;
    it.type = "DetachedSignature";
    it.event_type = "detachedSignatureStored";
    it.process = key_ident;
    it.message = st_cstr(msg);
    it.time_text = created;
    return st_secdb_emit(sink, &it);
}

/* Reads every code row in rowid order. */
static int read_db(st_secdb *db, st_sink *sink, char *err, size_t errlen)
{
    /* Optional columns read as NULL when a variant lacks them; the names
     * come from this fixed list, never from the evidence. */
    const char *opt[][2] = {{"id", "id"}, {"global", "global"},
                            {"identifier", "identifier"},
                            {"architecture", "architecture"},
                            {"created", "created"}};
    const char *sel[5];
    for (int i = 0; i < 5; i++)
        sel[i] = st_secdb_has_column(db, "code", opt[i][0]) ? opt[i][1]
                                                             : "NULL";
    char *sql = sqlite3_mprintf(
        "SELECT rowid, %s, %s, %s, %s,"
        " CASE WHEN length(identification) <= 4096 THEN identification END,"
        " length(identification),"
        " CASE WHEN length(signature) <= ?1 THEN signature END,"
        " length(signature), %s FROM code ORDER BY rowid",
        sel[0], sel[1], sel[2], sel[3], sel[4]);
    sqlite3_stmt *q = NULL;
    if (!sql || sqlite3_prepare_v2(db->db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot query table code: %s",
                 sqlite3_errmsg(db->db));
        sqlite3_free(sql);
        return ST_READ_REJECTED;
    }
    sqlite3_free(sql);
    sqlite3_bind_int64(q, 1, ST_SECDB_MAX_BLOB);
    row_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        sqlite3_finalize(q);
        snprintf(err, errlen, "out of memory");
        return ST_READ_INPUT_ERROR;
    }
    c->sink = sink;
    c->db = db;
    st_json_init(&c->j);
    if (strcmp(sel[1], "NULL") != 0 &&
        st_secdb_has_column(db, "global", "id") &&
        sqlite3_prepare_v2(db->db, "SELECT sign_location, CASE WHEN "
                           "length(signature) <= ?2 THEN signature END, "
                           "length(signature) FROM global WHERE id = ?1",
                           -1, &c->g, NULL) == SQLITE_OK)
        sqlite3_bind_int64(c->g, 2, ST_SECDB_MAX_BLOB);
    int rc, result = ST_READ_OK;
    int64_t rows = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        rows++;
        if (one_row(c, q)) {
            result = ST_READ_STOPPED;
            break;
        }
    }
    if (result == ST_READ_OK && rc != SQLITE_DONE) {
        snprintf(err, errlen, "table code: %s after %lld rows (%s)",
                 sqlite3_errmsg(db->db), (long long)rows,
                 db->damage[0] ? db->damage : "damaged database");
        result = ST_READ_INPUT_ERROR;
    } else if (result == ST_READ_OK && c->global_failed) {
        snprintf(err, errlen, "%s; %d code rows have no location",
                 c->global_err, c->global_failed);
        result = ST_READ_INPUT_ERROR;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(c->g);
    st_json_free(&c->j);
    free(c);
    return result;
}

const st_secdb_format st_secdb_detached_signatures = {
    "detached-signatures", "a DetachedSignatures database", matches, read_db};

/* The st_parser read: evidence-safe open, then read_db. */
static int read_input(st_input *in, const st_parse_opts *opts, st_sink *sink,
                      char *err, size_t errlen)
{
    (void)opts;
    return st_secdb_run(in, sink, &st_secdb_detached_signatures, err,
                        errlen);
}

const st_parser st_parser_detached_signatures = {
    "detached-signatures", "1.0",
    "macOS DetachedSignatures database (code/global: detached code "
    "signatures, cdhash, LC_UUID)",
    bid, read_input};
