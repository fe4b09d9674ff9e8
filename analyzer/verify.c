/*
 * verify.c -- offline code-signature verification.  See verify.h for the
 * contract.
 *
 * Order of work for one target (as SecStaticCode::staticValidate does it):
 * the Mach-O structure, the signature blob, the CodeDirectories and their
 * CMS wrapper, the special slots (Info.plist first), every code page, the
 * CodeResources slot, then the sealed resources.  Unlike macOS, which stops
 * at the first failure, every failure is collected so an analyst sees all
 * that changed; the headline is the one macOS would have reported first.
 */
#include "verify.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "macho.h"

/* ======================================================================
 * small helpers
 * ==================================================================== */

/* printf into a new heap string; NULL when out of memory. */
__attribute__((format(printf, 1, 2)))
static char *dupf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* strdup that accepts NULL. */
static char *sdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Copies n bytes of s into a new NUL-terminated string. */
static char *ndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* First 8 bytes of a hex digest, for sentences ("9e4b5c0d1a2b3c4d…"). */
static const char *short_hex(const char *hex, char *buf, size_t n)
{
    snprintf(buf, n, "%.16s%s", hex, strlen(hex) > 16 ? "\u2026" : "");
    return buf;
}

/* Last path component (no allocation). */
static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Joins a directory and a relative path with one '/'. */
static char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    if (!*b)
        return ndup(a, la);
    return dupf("%.*s/%s", (int)la, a, b);
}

/* 1 when path names a regular file (symbolic links not followed). */
static int is_file(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 when path names a directory (following a final symbolic link, as
 * Versions/Current is one). */
static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ======================================================================
 * files: mapped read-only
 * ==================================================================== */

typedef struct mapped {
    const uint8_t *p;
    size_t n;
    int mm;                  /* 1: mmap'ed, 0: malloc'ed (or empty) */
    struct stat st;
} mapped;

/* Maps a regular file read-only (a malloc'ed copy when mapping fails).
 * `limit` > 0 refuses bigger files.  Returns 0 or -1 with err set. */
static int map_file(const char *path, size_t limit, mapped *m, char *err,
                    size_t errlen)
{
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &m->st) < 0 || !S_ISREG(m->st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (limit && (uint64_t)m->st.st_size > limit) {
        snprintf(err, errlen, "%s: %lld bytes, over the %zu-byte limit",
                 path, (long long)m->st.st_size, limit);
        close(fd);
        return -1;
    }
    if ((uint64_t)m->st.st_size > SIZE_MAX / 2) {
        snprintf(err, errlen, "%s: too large", path);
        close(fd);
        return -1;
    }
    m->n = (size_t)m->st.st_size;
    if (m->n == 0) {
        close(fd);
        return 0;
    }
    void *p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
        m->mm = 1;
        m->p = p;
        madvise(p, m->n, MADV_SEQUENTIAL);
        close(fd);
        return 0;
    }
    uint8_t *buf = malloc(m->n);
    size_t got = 0;
    while (buf && got < m->n) {
        ssize_t k = read(fd, buf + got, m->n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (!buf || got != m->n) {
        snprintf(err, errlen, "%s: %s", path,
                 buf ? "read error" : "out of memory");
        free(buf);
        m->n = 0;
        return -1;
    }
    m->p = buf;
    return 0;
}

/* Releases what map_file() got. */
static void unmap_file(mapped *m)
{
    if (m->mm)
        munmap((void *)m->p, m->n);
    else
        free((void *)m->p);
    memset(m, 0, sizeof *m);
}

/* ======================================================================
 * XML property lists
 * ==================================================================== */

typedef struct plp {
    const char *start, *p, *end;
    st_plist *pl;
    char *err;
    size_t errlen;
    int failed;
} plp;

/* Records the first parse error with its line number; returns -1. */
__attribute__((format(printf, 2, 3)))
static int pl_fail(plp *c, const char *fmt, ...)
{
    if (c->failed++)
        return -1;
    int line = 1;
    for (const char *q = c->start; q < c->p && q < c->end; q++)
        line += *q == '\n';
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "line %d: %s", line, msg);
    return -1;
}

/* Appends a node; returns its index or -1. */
static int32_t pl_node(plp *c, int type)
{
    st_plist *pl = c->pl;
    if (pl->n >= ST_PLIST_MAX_NODES) {
        pl_fail(c, "more than %d values", ST_PLIST_MAX_NODES);
        return -1;
    }
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 64;
        st_pl_node *nn = realloc(pl->nodes, nc * sizeof *nn);
        if (!nn) {
            pl_fail(c, "out of memory");
            return -1;
        }
        pl->nodes = nn;
        pl->cap = nc;
    }
    st_pl_node *nd = &pl->nodes[pl->n];
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    nd->first = nd->next = -1;
    return (int32_t)pl->n++;
}

/* Skips white space, comments, processing instructions and DOCTYPE. */
static void pl_skip(plp *c)
{
    for (;;) {
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                                 *c->p == '\n' || *c->p == '\r'))
            c->p++;
        size_t left = (size_t)(c->end - c->p);
        if (left >= 4 && !memcmp(c->p, "<!--", 4)) {
            const char *e = memmem(c->p + 4, left - 4, "-->", 3);
            c->p = e ? e + 3 : c->end;
        } else if (left >= 2 && !memcmp(c->p, "<?", 2)) {
            const char *e = memmem(c->p + 2, left - 2, "?>", 2);
            c->p = e ? e + 2 : c->end;
        } else if (left >= 9 && !memcmp(c->p, "<!DOCTYPE", 9)) {
            /* an internal subset [...] may hold '>'; entities declared
             * there are never expanded */
            int depth = 0;
            c->p += 9;
            while (c->p < c->end && (*c->p != '>' || depth > 0)) {
                if (*c->p == '[')
                    depth++;
                else if (*c->p == ']' && depth > 0)
                    depth--;
                c->p++;
            }
            if (c->p < c->end)
                c->p++;
        } else {
            return;
        }
    }
}

/* Reads a tag at c->p: name into name[], *closing for </x>, *empty for
 * <x/>.  Attributes are skipped.  Returns 0 or -1. */
static int pl_tag(plp *c, char *name, size_t nn, int *closing, int *empty)
{
    pl_skip(c);
    if (c->p >= c->end || *c->p != '<')
        return pl_fail(c, "expected a tag");
    c->p++;
    *closing = c->p < c->end && *c->p == '/';
    if (*closing)
        c->p++;
    size_t k = 0;
    while (c->p < c->end && (isalnum((unsigned char)*c->p) || *c->p == '_' ||
                             *c->p == '-' || *c->p == ':' || *c->p == '.')) {
        if (k + 1 < nn)
            name[k++] = *c->p;
        c->p++;
    }
    name[k] = 0;
    if (!k)
        return pl_fail(c, "tag without a name");
    char quote = 0;
    while (c->p < c->end && (quote || *c->p != '>')) {
        if (quote && *c->p == quote)
            quote = 0;
        else if (!quote && (*c->p == '"' || *c->p == '\''))
            quote = *c->p;
        c->p++;
    }
    if (c->p >= c->end)
        return pl_fail(c, "tag <%s> not closed", name);
    *empty = c->p[-1] == '/' && !*closing;
    c->p++;
    return 0;
}

/* Appends the UTF-8 encoding of code point u to the text arena. */
static int pl_utf8(plp *c, unsigned long u, char **o)
{
    char *d = *o;
    if (u == 0 || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
        return pl_fail(c, "character reference &#%lu; is not a character",
                       u);
    if (u < 0x80) {
        *d++ = (char)u;
    } else if (u < 0x800) {
        *d++ = (char)(0xc0 | u >> 6);
        *d++ = (char)(0x80 | (u & 0x3f));
    } else if (u < 0x10000) {
        *d++ = (char)(0xe0 | u >> 12);
        *d++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *d++ = (char)(0x80 | (u & 0x3f));
    } else {
        *d++ = (char)(0xf0 | u >> 18);
        *d++ = (char)(0x80 | ((u >> 12) & 0x3f));
        *d++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *d++ = (char)(0x80 | (u & 0x3f));
    }
    *o = d;
    return 0;
}

/* Reads character data up to the next tag, decoding entities and CDATA,
 * into the text arena.  The decoded text is never longer than its source
 * (a reference of k bytes decodes to at most 4), so the arena sized to
 * the input always has room.  Sets *out / *len; returns 0 or -1. */
static int pl_text(plp *c, const char **out, size_t *len)
{
    st_plist *pl = c->pl;
    char *o = pl->text + pl->text_n, *s = o;
    while (c->p < c->end) {
        size_t left = (size_t)(c->end - c->p);
        if (left >= 9 && !memcmp(c->p, "<![CDATA[", 9)) {
            const char *e = memmem(c->p + 9, left - 9, "]]>", 3);
            if (!e)
                return pl_fail(c, "CDATA not closed");
            memcpy(o, c->p + 9, (size_t)(e - c->p - 9));
            o += e - c->p - 9;
            c->p = e + 3;
            continue;
        }
        if (*c->p == '<')
            break;
        if (*c->p != '&') {
            *o++ = *c->p++;
            continue;
        }
        const char *semi = memchr(c->p, ';', left < 12 ? left : 12);
        if (!semi)
            return pl_fail(c, "unterminated entity");
        size_t el = (size_t)(semi - c->p - 1);
        const char *e = c->p + 1;
        if (el == 2 && !memcmp(e, "lt", 2)) *o++ = '<';
        else if (el == 2 && !memcmp(e, "gt", 2)) *o++ = '>';
        else if (el == 3 && !memcmp(e, "amp", 3)) *o++ = '&';
        else if (el == 4 && !memcmp(e, "quot", 4)) *o++ = '"';
        else if (el == 4 && !memcmp(e, "apos", 4)) *o++ = '\'';
        else if (el >= 2 && e[0] == '#') {
            char num[12];
            memcpy(num, e + 1, el - 1);
            num[el - 1] = 0;
            char *ep;
            int hex = num[0] == 'x' || num[0] == 'X';
            unsigned long u = strtoul(num + hex, &ep, hex ? 16 : 10);
            if (*ep || ep == num + hex || pl_utf8(c, u, &o) < 0)
                return pl_fail(c, "bad character reference");
        } else {
            return pl_fail(c, "unknown entity &%.*s;", (int)el, e);
        }
        c->p = semi + 1;
    }
    *o = 0;
    *out = s;
    *len = (size_t)(o - s);
    pl->text_n += *len + 1;
    return 0;
}

/* Expects </name>. */
static int pl_close(plp *c, const char *name)
{
    char got[32];
    int closing, empty;
    if (pl_tag(c, got, sizeof got, &closing, &empty) < 0)
        return -1;
    if (!closing || strcmp(got, name))
        return pl_fail(c, "expected </%s>, found <%s%s>", name,
                       closing ? "/" : "", got);
    return 0;
}

/* Decodes base64 in place (white space ignored); returns the length or
 * -1 on a bad character. */
static long b64_decode(char *s, size_t n)
{
    static signed char val[256];
    static int init;
    if (!init) {
        memset(val, -1, sizeof val);
        const char *a =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; i++)
            val[(unsigned char)a[i]] = (signed char)i;
        init = 1;
    }
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (ch == '=') {
            pad++;
            continue;
        }
        if (val[ch] < 0 || pad)
            return -1;
        acc = acc << 6 | (unsigned)val[ch];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            s[o++] = (char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

/* Parses one value whose opening tag has been read; returns its index. */
static int32_t pl_value(plp *c, const char *tag, int empty, int depth);

/* Reads the next opening tag and its value. */
static int32_t pl_next_value(plp *c, int depth)
{
    char name[32];
    int closing, empty;
    if (pl_tag(c, name, sizeof name, &closing, &empty) < 0)
        return -1;
    if (closing)
        return pl_fail(c, "unexpected </%s>", name);
    return pl_value(c, name, empty, depth);
}

/* Parses a value whose opening tag <tag> (empty: self-closing) was read.
 * Recursion is bounded by ST_PLIST_MAX_DEPTH. */
static int32_t pl_value(plp *c, const char *tag, int empty, int depth)
{
    if (depth > ST_PLIST_MAX_DEPTH)
        return pl_fail(c, "nested deeper than %d", ST_PLIST_MAX_DEPTH);
    st_plist *pl = c->pl;
    if (!strcmp(tag, "dict") || !strcmp(tag, "array")) {
        int is_dict = tag[0] == 'd';
        int32_t me = pl_node(c, is_dict ? ST_PL_DICT : ST_PL_ARRAY);
        if (me < 0 || empty)
            return me;
        int32_t last = -1;
        for (;;) {
            char name[32];
            int closing, em;
            if (pl_tag(c, name, sizeof name, &closing, &em) < 0)
                return -1;
            if (closing) {
                if (strcmp(name, tag))
                    return pl_fail(c, "</%s> closes <%s>", name, tag);
                return me;
            }
            const char *key = NULL;
            size_t key_len = 0;
            if (is_dict) {
                if (strcmp(name, "key"))
                    return pl_fail(c, "<%s> where a <key> was expected",
                                   name);
                if (em) {
                    key = pl->text + pl->text_n;
                    pl->text[pl->text_n++] = 0;
                } else if (pl_text(c, &key, &key_len) < 0 ||
                           pl_close(c, "key") < 0) {
                    return -1;
                }
                if (pl_tag(c, name, sizeof name, &closing, &em) < 0)
                    return -1;
                if (closing)
                    return pl_fail(c, "key '%.40s' has no value", key);
            }
            int32_t child = pl_value(c, name, em, depth + 1);
            if (child < 0)
                return -1;
            pl->nodes[child].key = key;
            pl->nodes[child].key_len = key_len;
            if (last < 0)
                pl->nodes[me].first = child;
            else
                pl->nodes[last].next = child;
            last = child;
        }
    }
    int type;
    if (!strcmp(tag, "string")) type = ST_PL_STRING;
    else if (!strcmp(tag, "data")) type = ST_PL_DATA;
    else if (!strcmp(tag, "integer")) type = ST_PL_INTEGER;
    else if (!strcmp(tag, "real")) type = ST_PL_REAL;
    else if (!strcmp(tag, "date")) type = ST_PL_DATE;
    else if (!strcmp(tag, "true")) type = ST_PL_TRUE;
    else if (!strcmp(tag, "false")) type = ST_PL_FALSE;
    else return pl_fail(c, "unknown element <%s>", tag);
    int32_t me = pl_node(c, type);
    if (me < 0)
        return -1;
    const char *s = pl->text + pl->text_n;
    size_t n = 0;
    if (empty) {
        pl->text[pl->text_n++] = 0;
    } else {
        if (pl_text(c, &s, &n) < 0 || pl_close(c, tag) < 0)
            return -1;
    }
    st_pl_node *nd = &pl->nodes[me];
    nd->val = s;
    nd->val_len = n;
    switch (type) {
    case ST_PL_DATA: {
        long k = b64_decode((char *)s, n);
        if (k < 0)
            return pl_fail(c, "bad base64 in <data>");
        nd->val_len = (size_t)k;
        break;
    }
    case ST_PL_INTEGER: {
        char *ep;
        errno = 0;
        nd->ival = strtoll(s, &ep, 0);
        while (*ep == ' ' || *ep == '\n' || *ep == '\t' || *ep == '\r')
            ep++;
        if (*ep || errno || ep == s)
            return pl_fail(c, "bad <integer> '%.30s'", s);
        nd->rval = (double)nd->ival;
        break;
    }
    case ST_PL_REAL: {
        char *ep;
        nd->rval = strtod(s, &ep);
        if (ep == s)
            return pl_fail(c, "bad <real> '%.30s'", s);
        nd->ival = (int64_t)nd->rval;
        break;
    }
    case ST_PL_TRUE:
        nd->ival = 1;
        break;
    default:
        break;
    }
    return me;
}

/* Parses an XML plist (see verify.h); the text arena is sized once, so
 * views into it stay valid. */
int st_plist_parse(st_plist *pl, const char *p, size_t n, char *err,
                   size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    pl->root = -1;
    plp c = {p, p, p + n, pl, err, errlen, 0};
    if (errlen)
        err[0] = 0;
    if (n > ST_VERIFY_MAX_PLIST)
        return pl_fail(&c, "plist of %zu bytes is over the limit", n);
    if (n >= 6 && !memcmp(p, "bplist", 6))
        return pl_fail(&c, "binary plist (only XML plists are read)");
    pl->text_cap = n + 1;
    pl->text = malloc(pl->text_cap);
    if (!pl->text)
        return pl_fail(&c, "out of memory");
    char name[32];
    int closing, empty;
    if (pl_tag(&c, name, sizeof name, &closing, &empty) < 0)
        return -1;
    if (closing)
        return pl_fail(&c, "unexpected </%s>", name);
    int32_t root;
    if (!strcmp(name, "plist")) {
        if (empty)
            return pl_fail(&c, "empty <plist>");
        root = pl_next_value(&c, 1);
        if (root < 0 || pl_close(&c, "plist") < 0)
            return -1;
    } else {
        root = pl_value(&c, name, empty, 1);
        if (root < 0)
            return -1;
    }
    pl_skip(&c);
    if (c.p != c.end)
        return pl_fail(&c, "content after the plist");
    pl->root = root;
    return 0;
}

/* Releases a plist, parsed or not. */
void st_plist_free(st_plist *pl)
{
    free(pl->nodes);
    free(pl->text);
    memset(pl, 0, sizeof *pl);
    pl->root = -1;
}

/* The root value, or NULL when parsing failed. */
const st_pl_node *st_plist_root(const st_plist *pl)
{
    return pl->root >= 0 && (size_t)pl->root < pl->n ? &pl->nodes[pl->root]
                                                     : NULL;
}

/* First child of a dict or array. */
const st_pl_node *st_plist_first(const st_plist *pl, const st_pl_node *c)
{
    return c && c->first >= 0 ? &pl->nodes[c->first] : NULL;
}

/* Next sibling. */
const st_pl_node *st_plist_next(const st_plist *pl, const st_pl_node *c)
{
    return c && c->next >= 0 ? &pl->nodes[c->next] : NULL;
}

/* Linear search of a dict's keys (dicts are small, files2 is sorted apart). */
const st_pl_node *st_plist_get(const st_plist *pl, const st_pl_node *dict,
                               const char *key)
{
    if (!dict || dict->type != ST_PL_DICT)
        return NULL;
    size_t kl = strlen(key);
    for (const st_pl_node *c = st_plist_first(pl, dict); c;
         c = st_plist_next(pl, c))
        if (c->key && c->key_len == kl && !memcmp(c->key, key, kl))
            return c;
    return NULL;
}

/* Number of children. */
size_t st_plist_count(const st_plist *pl, const st_pl_node *c)
{
    size_t k = 0;
    for (const st_pl_node *x = st_plist_first(pl, c); x;
         x = st_plist_next(pl, x))
        k++;
    return k;
}

/* The string value of dict[key], or NULL. */
static const char *pl_str(const st_plist *pl, const st_pl_node *dict,
                          const char *key)
{
    const st_pl_node *v = st_plist_get(pl, dict, key);
    return v && v->type == ST_PL_STRING ? v->val : NULL;
}

/* ======================================================================
 * the verifier
 * ==================================================================== */

/* A private copy of a DetachedSignatures database, opened once. */
typedef struct dbcopy {
    int64_t source_id;       /* case source, or 0 for --system-db */
    char *path;
    st_secdb db;
    int ok;
    char err[400];
} dbcopy;

#define MAX_DBS 16

struct st_verifier {
    st_verify_opts o;
    char *root;              /* --root, canonical, or NULL */
    EVP_MD_CTX *md;
    EVP_MD *algs[5];         /* by CodeDirectory hash type */
    dbcopy dbs[MAX_DBS];
    size_t ndbs;
    int nesting;
};

/* Makes a verifier; NULL when out of memory. */
st_verifier *st_verifier_new(const st_verify_opts *o)
{
    st_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->o = *o;
    if (o->root && *o->root)
        v->root = realpath(o->root, NULL);
    v->md = EVP_MD_CTX_new();
    /* fetched once: an implicit fetch per page costs a lock and a lookup */
    v->algs[ST_CS_HASH_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
    v->algs[ST_CS_HASH_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->algs[ST_CS_HASH_SHA256_TRUNCATED] = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->algs[ST_CS_HASH_SHA384] = EVP_MD_fetch(NULL, "SHA384", NULL);
    if (!v->md) {
        st_verifier_free(v);
        return NULL;
    }
    return v;
}

/* Closes the database copies (removing them) and frees the verifier. */
void st_verifier_free(st_verifier *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->ndbs; i++) {
        if (v->dbs[i].ok)
            st_secdb_close(&v->dbs[i].db);
        free(v->dbs[i].path);
    }
    for (int i = 0; i < 5; i++)
        EVP_MD_free(v->algs[i]);
    EVP_MD_CTX_free(v->md);
    free(v->root);
    free(v);
}

/* Digest of p[0..n) with a CodeDirectory hash type; returns its length,
 * 0 for an unknown type or a libcrypto failure. */
static size_t vdigest(st_verifier *v, unsigned type, const void *p, size_t n,
                      unsigned char *out)
{
    unsigned len = 0;
    if (type >= 5 || !v->algs[type])
        return 0;
    if (EVP_DigestInit_ex2(v->md, v->algs[type], NULL) != 1 ||
        EVP_DigestUpdate(v->md, p, n) != 1 ||
        EVP_DigestFinal_ex(v->md, out, &len) != 1)
        return 0;
    return len;
}

/* JSON spelling of a status. */
const char *st_verify_status_name(int s)
{
    static const char *const n[] = {"valid", "invalid", "unsigned", "error"};
    return s >= 0 && s < 4 ? n[s] : "?";
}

/* JSON spelling of a location (codesign's words). */
const char *st_verify_location_name(int l)
{
    static const char *const n[] = {"none", "embedded", "system"};
    return l >= 0 && l < 3 ? n[l] : "?";
}

/* Path as reported: with --root, the canonical path's part below the root,
 * from "/" (DIR/Applications/X.app -> /Applications/X.app), so records
 * carry the path the Mac's logs name; otherwise the path as given. */
static char *report_path(const st_verifier *v, const char *local)
{
    if (v->root) {
        char *canon = realpath(local, NULL);
        size_t rl = strlen(v->root);
        if (rl == 1)
            rl = 0;                         /* root "/" */
        char *out = NULL;
        if (canon && !strncmp(canon, v->root, rl) &&
            (canon[rl] == '/' || !canon[rl]))
            out = dupf("/%s", canon + rl + (canon[rl] == '/'));
        free(canon);
        if (out)
            return out;
    }
    return sdup(local);
}

/* ---- errors ---------------------------------------------------------- */

/* Adds an error to a slice (kept while room, always counted). */
__attribute__((format(printf, 4, 5)))
static st_verify_error *add_error(st_verify_slice *r, int32_t code,
                                  int where, const char *fmt, ...)
{
    r->nerrors_total++;
    if (r->nerrors >= ST_VERIFY_MAX_ERRORS)
        return NULL;
    st_verify_error *e = &r->errors[r->nerrors++];
    memset(e, 0, sizeof *e);
    e->code = code;
    e->where = where;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&e->detail, fmt, ap) < 0)
        e->detail = NULL;
    va_end(ap);
    return e;
}

/* Adds a note (a fact worth showing that is not a failure). */
__attribute__((format(printf, 2, 3)))
static void add_note(st_verify_slice *r, const char *fmt, ...)
{
    if (r->nnotes >= sizeof r->notes / sizeof *r->notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) >= 0)
        r->notes[r->nnotes++] = s;
    va_end(ap);
}

/* The order macOS finds failures in: structure, Info.plist, other slots,
 * code pages, CodeResources, resources, nested code. */
static int error_rank(const st_verify_error *e)
{
    switch (e->code) {
    case ST_VERR_BAD_OBJECT_FORMAT:
    case ST_VERR_SIGNATURE_INVALID:
    case ST_VERR_SIGNATURE_UNSUPPORTED:
    case ST_VERR_NOT_VERIFIABLE:
        return 0;
    case ST_VERR_UNSIGNED:
        return 1;
    case ST_VERR_INFO_PLIST_FAILED:
        return 2;
    case ST_VERR_RESOURCE_DIR_FAILED:
        return 5;
    case ST_VERR_BAD_RESOURCE:
    case ST_VERR_RESOURCES_INVALID:
    case ST_VERR_BAD_DICTIONARY:
        return 6;
    case ST_VERR_BAD_NESTED_CODE:
        return 7;
    default:
        return e->where == ST_VWHERE_PAGE ? 4 : 3;
    }
}

/* Stable sort of a slice's errors by rank (insertion sort: few errors). */
static void sort_errors(st_verify_slice *r)
{
    for (size_t i = 1; i < r->nerrors; i++) {
        st_verify_error t = r->errors[i];
        size_t j = i;
        while (j > 0 && error_rank(&r->errors[j - 1]) > error_rank(&t)) {
            r->errors[j] = r->errors[j - 1];
            j--;
        }
        r->errors[j] = t;
    }
}

/* Deep copy of an error into another slice. */
static void copy_error(st_verify_slice *to, const st_verify_error *e)
{
    to->nerrors_total++;
    if (to->nerrors >= ST_VERIFY_MAX_ERRORS)
        return;
    st_verify_error *d = &to->errors[to->nerrors++];
    *d = *e;
    d->detail = sdup(e->detail);
    d->file = sdup(e->file);
}

/* Frees what a slice owns (the slice itself is not freed). */
static void free_slice(st_verify_slice *r)
{
    for (size_t i = 0; i < r->nerrors; i++) {
        free(r->errors[i].detail);
        free(r->errors[i].file);
    }
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->identifier);
    free(r->team_id);
    free(r->detached_db);
    free(r->detached_locator);
    free(r->detached_created);
    free(r->detached_sign_location);
}

/* Frees what a target owns and clears it. */
static void free_target(st_verify_target *t)
{
    for (size_t i = 0; i < t->nslices; i++)
        free_slice(&t->slices[i]);
    free(t->slices);
    for (size_t i = 0; i < t->ninputs; i++)
        free(t->inputs[i].path);
    free(t->path);
    free(t->file);
    free(t->local);
    free(t->bundle_id);
    free(t->bundle_version);
    free(t->fail_detail);
    memset(t, 0, sizeof *t);
}

/* ======================================================================
 * bundles
 * ==================================================================== */

typedef struct bundle {
    char *root;              /* local path of the bundle directory */
    char *base;              /* local resource base */
    const char *base_rel;    /* base inside the bundle: "Contents", ... */
    char *info_path;         /* local Info.plist, or NULL */
    char *exe_path;          /* local main executable */
    char *exe_rel;           /* relative to base */
    char *cr_path;           /* local _CodeSignature/CodeResources */
    int is_app;
    /* Info.plist */
    mapped info;
    int info_read;
    st_plist info_pl;
    int info_parsed;
    char info_err[320];
    /* CodeResources */
    mapped cr;
    int cr_read;
} bundle;

/* Releases a bundle description and the files it mapped. */
static void free_bundle(bundle *b)
{
    free(b->root);
    free(b->base);
    free(b->info_path);
    free(b->exe_path);
    free(b->exe_rel);
    free(b->cr_path);
    if (b->info_read)
        unmap_file(&b->info);
    if (b->cr_read)
        unmap_file(&b->cr);
    st_plist_free(&b->info_pl);
    memset(b, 0, sizeof *b);
}

/* Reads and parses Info.plist when the bundle has one. */
static void load_info(bundle *b)
{
    char err[300];
    if (!b->info_path || !is_file(b->info_path))
        return;
    if (map_file(b->info_path, ST_VERIFY_MAX_PLIST, &b->info, err,
                 sizeof err) < 0) {
        snprintf(b->info_err, sizeof b->info_err, "%s", err);
        return;
    }
    b->info_read = 1;
    if (st_plist_parse(&b->info_pl, (const char *)b->info.p, b->info.n,
                       b->info_err, sizeof b->info_err) == 0 &&
        st_plist_root(&b->info_pl) &&
        st_plist_root(&b->info_pl)->type == ST_PL_DICT)
        b->info_parsed = 1;
}

/* Recognises a bundle directory: an app-style bundle (Contents/Info.plist),
 * a versioned framework (Versions/Current) or a shallow bundle (Info.plist
 * at the top).  Fills b and returns 1, else 0. */
static int detect_bundle(const char *dir, bundle *b)
{
    memset(b, 0, sizeof *b);
    b->info_pl.root = -1;
    char *p = path_join(dir, "Contents/Info.plist");
    char *vc = path_join(dir, "Versions/Current");
    char *shallow = path_join(dir, "Info.plist");
    int kind = 0;
    if (p && is_file(p))
        kind = 1;
    else if (vc && is_dir(vc))
        kind = 2;
    else if (shallow && is_file(shallow))
        kind = 3;
    free(p);
    free(shallow);
    if (!kind) {
        free(vc);
        return 0;
    }
    b->root = sdup(dir);
    size_t rl = strlen(b->root);
    while (rl > 1 && b->root[rl - 1] == '/')
        b->root[--rl] = 0;
    if (kind == 1) {
        b->base = path_join(dir, "Contents");
        b->base_rel = "Contents";
        b->info_path = path_join(b->base, "Info.plist");
    } else if (kind == 2) {
        b->base = sdup(vc);
        b->base_rel = "Versions/Current";
        b->info_path = path_join(b->base, "Resources/Info.plist");
    } else {
        b->base = sdup(b->root);
        b->base_rel = "";
        b->info_path = path_join(b->base, "Info.plist");
    }
    free(vc);
    const char *ext = strrchr(base_name(b->root), '.');
    b->is_app = ext && !strcmp(ext, ".app");
    load_info(b);
    const char *exe = b->info_parsed
                          ? pl_str(&b->info_pl, st_plist_root(&b->info_pl),
                                   "CFBundleExecutable")
                          : NULL;
    char guess[NAME_MAX + 1];
    if (!exe || !*exe || strchr(exe, '/')) {
        /* no usable CFBundleExecutable: the bundle's name, as the
         * Finder would guess */
        snprintf(guess, sizeof guess, "%s", base_name(b->root));
        char *dot = strrchr(guess, '.');
        if (dot && dot != guess)
            *dot = 0;
        exe = guess;
    }
    b->exe_rel = kind == 1 ? dupf("MacOS/%s", exe) : sdup(exe);
    b->exe_path = b->exe_rel ? path_join(b->base, b->exe_rel) : NULL;
    b->cr_path = path_join(b->base, "_CodeSignature/CodeResources");
    return b->root && b->base && b->exe_path && b->cr_path;
}

/* The bundle whose main executable is `file`, if any: X.app/Contents/
 * MacOS/X, X.framework/Versions/V/X, or a shallow bundle.  Returns 1 with
 * b filled. */
static int enclosing_bundle(const char *file, bundle *b)
{
    char d[4][PATH_MAX];
    /* d[0] = dirname(file), d[1] = its parent, ... */
    if (snprintf(d[0], sizeof d[0], "%s", file) >= (int)sizeof d[0])
        return 0;
    for (int i = 0; i < 4; i++) {
        if (i)
            memcpy(d[i], d[i - 1], sizeof d[i]);
        char *slash = strrchr(d[i], '/');
        if (!slash || slash == d[i])
            return 0;
        *slash = 0;
        if (i == 2)
            break;
    }
    const char *cand[3] = {NULL, NULL, NULL};
    size_t nc = 0;
    if (!strcmp(base_name(d[0]), "MacOS") &&
        !strcmp(base_name(d[1]), "Contents"))
        cand[nc++] = d[2];                  /* X.app/Contents/MacOS/X */
    if (!strcmp(base_name(d[1]), "Versions"))
        cand[nc++] = d[2];                  /* X.framework/Versions/A/X */
    if (strchr(base_name(d[0]), '.'))
        cand[nc++] = d[0];                  /* X.bundle/X (shallow) */
    char want[PATH_MAX];
    if (!nc || !realpath(file, want))
        return 0;
    for (size_t i = 0; i < nc; i++) {
        bundle t;
        if (detect_bundle(cand[i], &t)) {
            char a[PATH_MAX];
            if (realpath(t.exe_path, a) && !strcmp(a, want)) {
                *b = t;
                return 1;
            }
        }
        free_bundle(&t);
    }
    return 0;
}

/* ======================================================================
 * CMS signature: parsed, chain named, checked against the CodeDirectory
 * ==================================================================== */

/* ISO 8601 UTC text of an ASN1 time ("" when unusable). */
static void asn1_iso(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    buf[0] = 0;
    if (t && ASN1_TIME_to_tm(t, &tm))
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One attribute of a distinguished name as UTF-8 ("" when absent). */
static void name_attr(const X509_NAME *nm, int nid, char *buf, size_t n)
{
    buf[0] = 0;
    int i = nm ? X509_NAME_get_index_by_NID(nm, nid, -1) : -1;
    if (i < 0)
        return;
    const ASN1_STRING *s =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
    unsigned char *u = NULL;
    int len = ASN1_STRING_to_UTF8(&u, s);
    if (len >= 0)
        snprintf(buf, n, "%.*s", len, (const char *)u);
    OPENSSL_free(u);
}

/* Describes one certificate. */
static void describe_cert(X509 *x, st_verify_cert *c, int signer)
{
    memset(c, 0, sizeof *c);
    const X509_NAME *s = X509_get_subject_name(x);
    name_attr(s, NID_commonName, c->subject_cn, sizeof c->subject_cn);
    name_attr(s, NID_organizationalUnitName, c->org_unit, sizeof c->org_unit);
    name_attr(s, NID_organizationName, c->org, sizeof c->org);
    name_attr(X509_get_issuer_name(x), NID_commonName, c->issuer_cn,
              sizeof c->issuer_cn);
    asn1_iso(X509_get0_notBefore(x), c->not_before, sizeof c->not_before);
    asn1_iso(X509_get0_notAfter(x), c->not_after, sizeof c->not_after);
    c->signer = signer;
}

/* Decodes the CMS blob, names the signer chain (leaf first, following
 * issuer names among the certificates it carries) and checks that the
 * signature is over the CodeDirectory cd[0..cdn).  No trust evaluation. */
static void verify_cms(const uint8_t *cms, size_t n, const uint8_t *cd,
                       size_t cdn, st_verify_slice *r)
{
    const unsigned char *q = cms;
    CMS_ContentInfo *ci = n < LONG_MAX ? d2i_CMS_ContentInfo(NULL, &q,
                                                             (long)n) : NULL;
    if (!ci) {
        ERR_clear_error();
        add_error(r, ST_VERR_SIGNATURE_INVALID, ST_VWHERE_NONE,
                  "the CMS signature blob (%zu bytes) cannot be decoded", n);
        return;
    }
    r->cms_parsed = 1;
    STACK_OF(X509) *certs = CMS_get1_certs(ci);
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(ci);
    X509 *signer = NULL;
    if (sis && sk_CMS_SignerInfo_num(sis) > 0) {
        CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
        for (int i = 0; certs && i < sk_X509_num(certs); i++)
            if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
                signer = sk_X509_value(certs, i);
        int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
        if (idx >= 0) {
            ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(
                CMS_signed_get_attr(si, idx), 0);
            if (t && (t->type == V_ASN1_UTCTIME ||
                      t->type == V_ASN1_GENERALIZEDTIME))
                asn1_iso(t->value.utctime, r->signing_time,
                         sizeof r->signing_time);
        }
    }
    X509 *cur = signer ? signer
                       : certs && sk_X509_num(certs) ? sk_X509_value(certs, 0)
                                                    : NULL;
    while (cur && r->ncerts < ST_VERIFY_MAX_CERTS) {
        describe_cert(cur, &r->certs[r->ncerts], cur == signer);
        r->ncerts++;
        if (X509_NAME_cmp(X509_get_subject_name(cur),
                          X509_get_issuer_name(cur)) == 0)
            break;                          /* self-signed: the anchor */
        X509 *next = NULL;
        for (int i = 0; i < sk_X509_num(certs); i++) {
            X509 *c = sk_X509_value(certs, i);
            if (c != cur && X509_NAME_cmp(X509_get_subject_name(c),
                                          X509_get_issuer_name(cur)) == 0)
                next = c;
        }
        cur = next;
    }
    BIO *dc = BIO_new_mem_buf(cd, (int)cdn);
    int ok = dc && CMS_verify(ci, NULL, NULL, dc, NULL,
                              CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
    r->cms_matches = ok;
    if (!ok) {
        unsigned long e = ERR_peek_last_error();
        char why[160] = "";
        if (e)
            ERR_error_string_n(e, why, sizeof why);
        add_error(r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_NONE,
                  "the CMS signature does not sign this CodeDirectory (%s)",
                  why[0] ? why : "verification failed");
    }
    ERR_clear_error();
    BIO_free(dc);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(ci);
}

/* ======================================================================
 * DetachedSignatures
 * ==================================================================== */

/* A sink that ignores everything: the copy is opened for reading only. */
static int nop_event(void *c, const st_event *e)
{ (void)c; (void)e; return 0; }
static void nop_warn(void *c, int64_t l, const char *m)
{ (void)c; (void)l; (void)m; }
static void nop_note(void *c, const char *k, const char *v)
{ (void)c; (void)k; (void)v; }
static int nop_record(void *c, const st_record *r)
{ (void)c; (void)r; return 0; }
static void nop_companion(void *c, const char *p, const char *s, int64_t n)
{ (void)c; (void)p; (void)s; (void)n; }

/* Opens (once) a private copy of a DetachedSignatures database.  With
 * expect_sha, the file must still hash to what the case recorded. */
static dbcopy *open_db(st_verifier *v, int64_t source_id, const char *path,
                       const char *expect_sha)
{
    for (size_t i = 0; i < v->ndbs; i++)
        if (v->dbs[i].source_id == source_id &&
            !strcmp(v->dbs[i].path, path))
            return &v->dbs[i];
    if (v->ndbs == MAX_DBS)
        return NULL;
    dbcopy *d = &v->dbs[v->ndbs++];
    memset(d, 0, sizeof *d);
    d->source_id = source_id;
    d->path = sdup(path);
    st_input *in;
    if (st_input_open_path(&in, path, d->err, sizeof d->err) < 0)
        return d;
    st_sink sink = {NULL, nop_event, nop_warn, nop_note, nop_record,
                    nop_companion};
    if (st_secdb_open(&d->db, in, &sink, d->err, sizeof d->err) !=
        ST_READ_OK) {
        st_input_close(in);
        return d;
    }
    st_input_finish(in);
    char sha[65];
    st_input_sha256_hex(in, sha);
    st_input_close(in);
    if (expect_sha && strcmp(sha, expect_sha)) {
        snprintf(d->err, sizeof d->err, "%s changed since it was ingested "
                 "(SHA-256 now %.16s\u2026, the case recorded %.16s\u2026)",
                 path, sha, expect_sha);
        st_secdb_close(&d->db);
        return d;
    }
    d->ok = 1;
    return d;
}

/* A signature found for an unsigned slice. */
typedef struct detached {
    uint8_t *blob;
    size_t n;
    char *db, *locator, *created, *sign_location;
    int64_t record_id;
} detached;

/* Frees a detached-signature lookup result. */
static void free_detached(detached *d)
{
    free(d->blob);
    free(d->db);
    free(d->locator);
    free(d->created);
    free(d->sign_location);
    memset(d, 0, sizeof *d);
}

/* Copies column i (text) into a new string. */
static char *col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? strdup((const char *)s) : NULL;
}

/* Reads code row `rowid` of a database copy; the identification must be
 * id[0..idn).  Returns 1 with d->blob set. */
static int read_code_row(dbcopy *db, int64_t rowid, const uint8_t *id,
                         size_t idn, detached *d, char *why, size_t whylen)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->db.db, "SELECT signature, identification "
                           "FROM code WHERE rowid = ?1", -1, &q,
                           NULL) != SQLITE_OK) {
        snprintf(why, whylen, "%s: %s", db->path, sqlite3_errmsg(db->db.db));
        return 0;
    }
    sqlite3_bind_int64(q, 1, rowid);
    int found = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const void *idb = sqlite3_column_blob(q, 1);
        size_t k = (size_t)sqlite3_column_bytes(q, 1);
        const void *sig = sqlite3_column_blob(q, 0);
        size_t sn = (size_t)sqlite3_column_bytes(q, 0);
        if (!idb || k != idn || memcmp(idb, id, idn)) {
            snprintf(why, whylen, "%s: row %lld no longer has this "
                     "identification", db->path, (long long)rowid);
        } else if (sig && sn && (d->blob = malloc(sn))) {
            memcpy(d->blob, sig, sn);
            d->n = sn;
            found = 1;
        } else {
            snprintf(why, whylen, "%s: row %lld has no signature", db->path,
                     (long long)rowid);
        }
    } else {
        snprintf(why, whylen, "%s: row %lld not found", db->path,
                 (long long)rowid);
    }
    sqlite3_finalize(q);
    return found;
}

/* Looks the identification up in the case's detached_signature records,
 * newest source first, the way checkForSystemSignature joins code and
 * global.  Returns 1 found, 0 not found, -1 found but unreadable (why). */
static int lookup_case(st_verifier *v, const uint8_t *id, size_t idn,
                       detached *d, char *why, size_t whylen)
{
    char hex[2 * 32 + 1];
    st_cs_hex(id, idn, hex);
    sqlite3 *db = st_store_db(v->o.store);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
            "SELECT r.id, r.locator, s.id, s.path, s.member, s.sha256, "
            "json_extract(r.data, '$.global_id'), "
            "json_extract(r.data, '$.created_utc'), "
            "json_extract(r.data, '$.sign_location') "
            "FROM records r JOIN sources s ON s.id = r.source_id "
            "WHERE r.kind = 'detached_signature' AND "
            "json_extract(r.data, '$.identification.hex') = ?1 "
            "ORDER BY s.id DESC, r.id DESC", -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "case: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(q, 1, hex, -1, SQLITE_TRANSIENT);
    int result = 0, rows = 0;
    while (result != 1 && sqlite3_step(q) == SQLITE_ROW) {
        rows++;
        if (sqlite3_column_type(q, 6) == SQLITE_NULL)
            continue;       /* no global row: macOS' join finds nothing */
        const char *loc = (const char *)sqlite3_column_text(q, 1);
        long long rowid;
        if (!loc || sscanf(loc, "table code rowid %lld", &rowid) != 1)
            continue;
        if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
            snprintf(why, whylen, "the DetachedSignatures row (%s) came "
                     "from an archive member; its signature cannot be "
                     "re-read", loc);
            result = -1;
            continue;
        }
        const char *path = (const char *)sqlite3_column_text(q, 3);
        const char *sha = (const char *)sqlite3_column_text(q, 5);
        dbcopy *c = path ? open_db(v, sqlite3_column_int64(q, 2), path, sha)
                         : NULL;
        if (!c || !c->ok) {
            snprintf(why, whylen, "the DetachedSignatures row (%s) matches "
                     "but its database cannot be re-read: %s", loc,
                     c ? c->err : "too many databases");
            result = -1;
            continue;
        }
        if (!read_code_row(c, rowid, id, idn, d, why, whylen)) {
            result = -1;
            continue;
        }
        d->db = sdup(path);
        d->locator = sdup(loc);
        d->created = col_dup(q, 7);
        d->sign_location = col_dup(q, 8);
        d->record_id = sqlite3_column_int64(q, 0);
        result = 1;
    }
    sqlite3_finalize(q);
    if (!result && rows)
        snprintf(why, whylen, "%d DetachedSignatures row(s) match but have "
                 "no global row, so macOS would not use them", rows);
    return result;
}

/* Looks the identification up in a database given with --system-db. */
static int lookup_db(st_verifier *v, const uint8_t *id, size_t idn,
                     detached *d, char *why, size_t whylen)
{
    dbcopy *c = open_db(v, 0, v->o.system_db, NULL);
    if (!c || !c->ok) {
        snprintf(why, whylen, "%s", c ? c->err : "too many databases");
        return -1;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db.db,
            "SELECT c.rowid, c.created, g.sign_location FROM code c "
            "JOIN global g ON c.global = g.id WHERE c.identification = ?1",
            -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "%s: not a DetachedSignatures database (%s)",
                 v->o.system_db, sqlite3_errmsg(c->db.db));
        return -1;
    }
    sqlite3_bind_blob(q, 1, id, (int)idn, SQLITE_TRANSIENT);
    int result = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(q, 0);
        if (read_code_row(c, rowid, id, idn, d, why, whylen)) {
            d->db = sdup(v->o.system_db);
            d->locator = dupf("table code rowid %lld", (long long)rowid);
            d->created = col_dup(q, 1);
            d->sign_location = col_dup(q, 2);
            result = 1;
        } else {
            result = -1;
        }
    }
    sqlite3_finalize(q);
    return result;
}

/* ======================================================================
 * one slice
 * ==================================================================== */

/* What a bound special slot is compared with, besides the signature's own
 * blobs: the bundle's Info.plist and CodeResources (or a bare tool's
 * embedded __info_plist). */
typedef struct slot_files {
    const uint8_t *info;
    size_t info_n;
    int has_info;
    const char *info_name;   /* for sentences */
    const uint8_t *cr;
    size_t cr_n;
    int has_cr;
} slot_files;

/* Code used when special slot k does not match (StaticCode errorForSlot). */
static int32_t slot_error(unsigned k)
{
    return k == ST_CS_SLOT_INFO ? ST_VERR_INFO_PLIST_FAILED
           : k == ST_CS_SLOT_RESOURCEDIR ? ST_VERR_RESOURCE_DIR_FAILED
                                         : ST_VERR_SIGNATURE_FAILED;
}

/* Name of the thing special slot k binds, for sentences. */
static const char *slot_thing(unsigned k, const slot_files *f)
{
    switch (k) {
    case 1: return f->info_name ? f->info_name : "Info.plist";
    case 2: return "the requirements blob";
    case 3: return "_CodeSignature/CodeResources";
    case 5: return "the entitlements blob";
    case 7: return "the DER entitlements blob";
    default: return "the special slot's data";
    }
}

/* 1 when page x was already listed (for an earlier CodeDirectory). */
static int listed(const int64_t *seen, size_t nseen, int64_t x)
{
    for (size_t i = 0; i < nseen; i++)
        if (seen[i] == x)
            return 1;
    return 0;
}

/* Checks every code page of one CodeDirectory against the slice bytes.
 * `limit` is the end of the signed code the container expects (the
 * embedded signature's offset, or the file size for a detached one).
 * `seen` lists the pages already reported (at most ST_VERIFY_MAX_PAGES);
 * mismatches beyond that are counted in *more when count_more. */
static void verify_pages(st_verifier *v, const st_cs_codedir *cd,
                         const uint8_t *sig, size_t sig_n,
                         const uint8_t *p, uint64_t size, int embedded,
                         uint64_t limit, st_verify_slice *r, int64_t *seen,
                         size_t *nseen, uint64_t *more, int count_more)
{
    const char *hn = st_cs_hash_name(cd->hash_type);
    if (embedded && cd->code_limit > limit)
        add_error(r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_NONE,
                  "the %s CodeDirectory's code limit %llu covers the "
                  "signature itself (at %llu)", hn,
                  (unsigned long long)cd->code_limit,
                  (unsigned long long)limit);
    uint64_t remaining = cd->code_limit, ps = cd->page_size, start = 0;
    unsigned char dg[ST_CS_MAX_DIGEST];
    char exp[2 * ST_CS_MAX_DIGEST + 1], act[2 * ST_CS_MAX_DIGEST + 1];
    char s1[40], s2[40];
    for (uint32_t i = 0; i < cd->n_code_slots; i++) {
        uint64_t len = ps ? (remaining < ps ? remaining : ps) : remaining;
        const uint8_t *want = st_cs_slot_hash(sig, sig_n, cd, i);
        if (!want)
            break;
        if (start > size || len > size - start) {
            if (!listed(seen, *nseen, i) && *nseen < ST_VERIFY_MAX_PAGES) {
                seen[(*nseen)++] = i;
                st_verify_error *e = add_error(
                    r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_PAGE,
                    "code page %u (bytes %llu..%llu) is missing: the file "
                    "ends at %llu (truncated, or a different build)", i,
                    (unsigned long long)start,
                    (unsigned long long)(start + len - (len > 0)),
                    (unsigned long long)size);
                if (e) {
                    e->page = i;
                    e->hash_type = hn;
                    st_cs_hex(want, cd->hash_size, e->expected);
                }
            }
            break;      /* every later page is missing too */
        }
        size_t k = vdigest(v, cd->hash_type, p + start, (size_t)len, dg);
        if (k < cd->hash_size || memcmp(dg, want, cd->hash_size)) {
            if (!listed(seen, *nseen, i)) {
                if (*nseen >= ST_VERIFY_MAX_PAGES) {
                    if (count_more)
                        (*more)++;
                } else {
                    seen[(*nseen)++] = i;
                    st_cs_hex(want, cd->hash_size, exp);
                    st_cs_hex(dg, cd->hash_size, act);
                    st_verify_error *e = add_error(
                        r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_PAGE,
                        "code page %u (bytes %llu..%llu) modified after "
                        "signing (page hash %s, file hash %s)", i,
                        (unsigned long long)start,
                        (unsigned long long)(start + len - (len > 0)),
                        short_hex(exp, s1, sizeof s1),
                        short_hex(act, s2, sizeof s2));
                    if (e) {
                        e->page = i;
                        e->hash_type = hn;
                        memcpy(e->expected, exp, sizeof exp);
                        memcpy(e->actual, act, sizeof act);
                    }
                }
            }
        }
        start += len;
        remaining -= len;
    }
}

/* Checks the special slots of one CodeDirectory. */
static void verify_slots(st_verifier *v, const st_codesig *cs,
                         const st_cs_codedir *cd, const uint8_t *sig,
                         size_t sig_n, const slot_files *f,
                         st_verify_slice *r, uint32_t *reported)
{
    const char *hn = st_cs_hash_name(cd->hash_type);
    /* the bytes each special slot binds; blobs are hashed whole, header
     * included */
    const uint8_t *data[8] = {0};
    size_t len[8] = {0};
    int have[8] = {0};
    if (f->has_info) {
        data[1] = f->info;
        len[1] = f->info_n;
        have[1] = 1;
    }
    if (f->has_cr) {
        data[3] = f->cr;
        len[3] = f->cr_n;
        have[3] = 1;
    }
    for (size_t i = 0; i < cs->nblobs; i++) {
        const st_cs_blob *b = &cs->blobs[i];
        if (!b->length)
            continue;
        if (b->slot == ST_CS_SLOT_REQUIREMENTS ||
            b->slot == ST_CS_SLOT_ENTITLEMENTS ||
            b->slot == ST_CS_SLOT_DER_ENTITLEMENTS) {
            data[b->slot] = sig + b->offset;
            len[b->slot] = b->length;
            have[b->slot] = 1;
        }
    }
    unsigned char dg[ST_CS_MAX_DIGEST];
    char exp[2 * ST_CS_MAX_DIGEST + 1], act[2 * ST_CS_MAX_DIGEST + 1];
    char s1[40], s2[40];
    for (unsigned k = 1; k <= 7; k++) {
        const uint8_t *want =
            k <= cd->n_special_slots
                ? st_cs_slot_hash(sig, sig_n, cd, -(int64_t)k) : NULL;
        int bound = want && (cd->special_present & (1u << k));
        if (k == 1 && bound)
            r->info_bound = 1;
        if (k == 3 && bound)
            r->resources_bound = 1;
        if (*reported & (1u << k))
            continue;
        if (!bound) {
            /* a blob in the signature, or a bundle's CodeResources, that
             * no hash binds could have been swapped in after signing */
            if (have[k] && (k == 2 || k == 3 || k == 5 || k == 7)) {
                *reported |= 1u << k;
                st_verify_error *e = add_error(
                    r, slot_error(k), ST_VWHERE_SLOT,
                    "%s is present but not bound by the %s CodeDirectory",
                    slot_thing(k, f), hn);
                if (e)
                    e->slot = (int)k;
            }
            continue;
        }
        if (k == 4 || k == 6)
            continue;   /* application-specific / representation-specific */
        st_cs_hex(want, cd->hash_size, exp);
        if (!have[k]) {
            *reported |= 1u << k;
            st_verify_error *e = add_error(
                r, slot_error(k), ST_VWHERE_SLOT,
                "%s is bound by the signature (slot hash %s) but missing",
                slot_thing(k, f), short_hex(exp, s1, sizeof s1));
            if (e) {
                e->slot = (int)k;
                e->hash_type = hn;
                memcpy(e->expected, exp, sizeof exp);
            }
            continue;
        }
        size_t got = vdigest(v, cd->hash_type, data[k], len[k], dg);
        if (got >= cd->hash_size && !memcmp(dg, want, cd->hash_size))
            continue;
        *reported |= 1u << k;
        st_cs_hex(dg, cd->hash_size, act);
        st_verify_error *e = add_error(
            r, slot_error(k), ST_VWHERE_SLOT,
            "%s modified after signing (slot hash %s, %s hash %s)",
            slot_thing(k, f), short_hex(exp, s1, sizeof s1),
            k == 1 || k == 3 ? "file" : "blob",
            short_hex(act, s2, sizeof s2));
        if (e) {
            e->slot = (int)k;
            e->hash_type = hn;
            memcpy(e->expected, exp, sizeof exp);
            memcpy(e->actual, act, sizeof act);
        }
    }
}

/* Verifies a signature blob against the slice bytes p[0..size). */
static void verify_signature(st_verifier *v, const uint8_t *sig,
                             size_t sig_n, const uint8_t *p, uint64_t size,
                             int embedded, uint64_t limit,
                             const slot_files *f, st_verify_slice *r)
{
    st_codesig *cs = malloc(sizeof *cs);
    if (!cs) {
        add_error(r, ST_VERR_NOT_VERIFIABLE, ST_VWHERE_NONE, "out of memory");
        return;
    }
    st_codesig_parse(sig, sig_n, cs);
    for (unsigned i = 0; i < cs->nproblems && i < ST_CS_MAX_PROBLEMS; i++)
        add_note(r, "signature: %s", cs->problems[i]);
    /* macOS validates the whole SuperBlob before using any part of it
     * (SuperBlob::validateBlob): any index entry out of bounds, any
     * damaged component, or no CodeDirectory in slot 0 makes the whole
     * signature invalid, even when an alternate directory still fits */
    if (cs->status != ST_CS_OK || cs->ncd == 0 || cs->primary < 0 ||
        (cs->magic != ST_CS_MAGIC_EMBEDDED_SIGNATURE &&
         cs->magic != ST_CS_MAGIC_EMBEDDED_SIG_OLD)) {
        add_error(r, ST_VERR_SIGNATURE_INVALID, ST_VWHERE_NONE,
                  "the signature (%zu bytes, magic 0x%08x) is malformed: %s",
                  sig_n, cs->magic,
                  cs->nproblems ? cs->problems[0]
                  : cs->primary < 0 ? "no CodeDirectory in slot 0"
                                    : "not an embedded signature");
        free(cs);
        return;
    }
    int pi = cs->primary >= 0 ? cs->primary : 0;
    const st_cs_codedir *pcd = &cs->cd[pi];
    if (pcd->identifier)
        r->identifier = ndup(pcd->identifier, pcd->identifier_len);
    if (pcd->team_id)
        r->team_id = ndup(pcd->team_id, pcd->team_id_len);
    if (cs->best >= 0)
        st_cs_hex(cs->cd[cs->best].cdhash, ST_CS_CDHASH_LEN, r->cdhash);
    r->ncd = cs->ncd;
    for (size_t i = 0; i < cs->ncd; i++) {
        const st_cs_codedir *cd = &cs->cd[i];
        st_verify_cd *o = &r->cd[i];
        o->slot = cd->slot;
        o->version = cd->version;
        o->flags = cd->flags;
        o->size = cd->length;
        o->hash_type = cd->hash_type;
        o->hash_size = cd->hash_size;
        o->page_size = cd->page_size;
        o->code_limit = cd->code_limit;
        o->n_code = cd->n_code_slots;
        o->n_special = cd->n_special_slots;
        o->platform = cd->platform;
        if (cd->cdhash_valid) {
            st_cs_hex(cd->cdhash, ST_CS_CDHASH_LEN, o->cdhash);
            st_cs_hex(cd->digest, cd->digest_len, o->digest);
        }
        o->execseg = cd->execseg_present;
        o->exec_seg_base = cd->exec_seg_base;
        o->exec_seg_limit = cd->exec_seg_limit;
        o->exec_seg_flags = cd->exec_seg_flags;
        o->has_runtime = cd->runtime_present;
        o->runtime = cd->runtime;
        if (cd->identifier && pcd->identifier &&
            (cd->identifier_len != pcd->identifier_len ||
             memcmp(cd->identifier, pcd->identifier, cd->identifier_len)))
            add_error(r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_NONE,
                      "the CodeDirectories disagree on the identifier "
                      "('%.*s' and '%.*s')", (int)pcd->identifier_len,
                      pcd->identifier, (int)cd->identifier_len,
                      cd->identifier);
    }
    r->requirements = cs->has_requirements;
    r->requirements_count = cs->requirements_count;
    for (size_t i = 0; i < cs->nblobs; i++)
        if (cs->blobs[i].slot == ST_CS_SLOT_REQUIREMENTS)
            r->requirements_size = cs->blobs[i].length;
    r->entitlements_size = cs->entitlements_length;
    r->signature_size = cs->has_cms && cs->cms_length ? cs->cms_length
                                                     : (uint32_t)sig_n;
    r->der_entitlements_size = cs->der_entitlements_length;
    int adhoc = (pcd->flags & ST_CS_FLAG_ADHOC) != 0;
    r->signature = adhoc ? "adhoc" : cs->has_cms && cs->cms_length ? "cms"
                                                                   : "none";
    r->cms_matches = -1;

    /* Info.plist first, as validateDirectory forces it; then the other
     * slots; then the code pages */
    uint32_t reported = 0;
    for (size_t i = 0; i < cs->ncd; i++) {
        const st_cs_codedir *cd = &cs->cd[i];
        if (!st_cs_hash_size(cd->hash_type)) {
            add_error(r, ST_VERR_SIGNATURE_UNSUPPORTED, ST_VWHERE_NONE,
                      "CodeDirectory %zu uses unknown hash type %u", i,
                      cd->hash_type);
            continue;
        }
        if (!cd->hashes_valid) {
            add_error(r, ST_VERR_SIGNATURE_INVALID, ST_VWHERE_NONE,
                      "the %s CodeDirectory's hash arrays do not fit in it",
                      st_cs_hash_name(cd->hash_type));
            continue;
        }
        verify_slots(v, cs, cd, sig, sig_n, f, r, &reported);
    }
    /* pages are listed once, whichever directory finds them first; those
     * over the listing limit are counted for the first directory only */
    int64_t seen[ST_VERIFY_MAX_PAGES];
    size_t nseen = 0;
    uint64_t more = 0;
    int first = 1;
    for (size_t i = 0; i < cs->ncd; i++) {
        const st_cs_codedir *cd = &cs->cd[i];
        if (st_cs_hash_size(cd->hash_type) && cd->hashes_valid) {
            verify_pages(v, cd, sig, sig_n, p, size, embedded, limit, r, seen,
                         &nseen, &more, first);
            first = 0;
        }
    }
    if (more)
        add_error(r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_NONE,
                  "%llu more code pages differ", (unsigned long long)more);
    if (!embedded && pcd->code_limit != size)
        add_note(r, "the stored signature covers %llu bytes; the file has "
                 "%llu", (unsigned long long)pcd->code_limit,
                 (unsigned long long)size);
    else if (embedded && pcd->code_limit < limit)
        add_note(r, "%llu bytes before the signature are not covered by "
                 "the code limit", (unsigned long long)(limit -
                                                        pcd->code_limit));

    if (cs->has_cms && cs->cms_length) {
        verify_cms(sig + cs->cms_offset, cs->cms_length, sig + pcd->offset,
                   pcd->length, r);
        if (adhoc)
            add_note(r, "ad hoc, yet a CMS signature is present");
    } else if (!adhoc) {
        add_error(r, ST_VERR_SIGNATURE_FAILED, ST_VWHERE_NONE,
                  "not ad hoc (flags 0x%x) and no CMS signature", pcd->flags);
    }
    free(cs);
}

/* Fills and verifies one slice of a mapped file. */
static void verify_slice(st_verifier *v, const uint8_t *file,
                         const st_macho_slice *sl, const slot_files *bf,
                         st_verify_slice *r)
{
    const uint8_t *p = file + sl->offset;
    size_t n = (size_t)sl->size;
    r->offset = sl->offset;
    r->size = sl->size;
    r->cputype = sl->cputype;
    r->cpusubtype = sl->cpusubtype;
    r->cms_matches = -1;
    r->signature = "none";
    /* the subtype's high byte holds capability bits: read it unsigned */
    st_cs_cpu_name(sl->cputype, (uint32_t)sl->cpusubtype, r->arch,
                   sizeof r->arch);
    st_macho m;
    st_macho_parse(p, n, &m);
    if (m.status == ST_MACHO_INVALID) {
        r->status = ST_VSTATUS_ERROR;
        add_error(r, ST_VERR_BAD_OBJECT_FORMAT, ST_VWHERE_NONE,
                  "malformed Mach-O: %s%s", m.nproblems ? m.problems[0] : "?",
                  m.nproblems > 1 ? " (and more)" : "");
        return;
    }
    for (unsigned i = 0; i < m.nproblems && i < ST_MACHO_MAX_PROBLEMS; i++)
        add_note(r, "Mach-O: %s", m.problems[i]);
    if (m.has_uuid) {
        const uint8_t *u = m.uuid;
        r->has_uuid = 1;
        snprintf(r->uuid, sizeof r->uuid,
                 "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
                 "%02X%02X%02X%02X%02X%02X", u[0], u[1], u[2], u[3], u[4],
                 u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                 u[14], u[15]);
    }
    uint8_t id[20];
    size_t idn = st_macho_identification(p, n, &m, id);
    if (idn)
        st_cs_hex(id, idn, r->identification);

    slot_files f = *bf;
    if (!f.has_info && m.info_plist_size) {
        /* a bare tool binds its embedded __info_plist section */
        f.info = p + m.info_plist_offset;
        f.info_n = (size_t)m.info_plist_size;
        f.has_info = 1;
        f.info_name = "the embedded Info.plist (__TEXT,__info_plist)";
    }
    if (m.has_signature) {
        r->location = ST_VLOC_EMBEDDED;
        verify_signature(v, p + m.sig_offset, m.sig_size, p, n, 1,
                         m.sig_offset, &f, r);
    } else {
        detached d;
        memset(&d, 0, sizeof d);
        char why[600] = "";
        int found = 0;
        if (idn && v->o.store)
            found = lookup_case(v, id, idn, &d, why, sizeof why);
        if (found != 1 && idn && v->o.system_db) {
            free_detached(&d);
            found = lookup_db(v, id, idn, &d, why, sizeof why);
        }
        if (found == 1) {
            r->location = ST_VLOC_SYSTEM;
            r->detached_db = d.db;
            r->detached_locator = d.locator;
            r->detached_created = d.created;
            r->detached_sign_location = d.sign_location;
            r->detached_record = d.record_id;
            d.db = d.locator = d.created = d.sign_location = NULL;
            verify_signature(v, d.blob, d.n, p, n, 0, n, &f, r);
            free_detached(&d);
        } else {
            free_detached(&d);
            r->location = ST_VLOC_NONE;
            const char *how = m.has_uuid ? "LC_UUID" : "header hash";
            const char *key = m.has_uuid ? r->uuid : r->identification;
            if (found < 0) {
                add_error(r, ST_VERR_NOT_VERIFIABLE, ST_VWHERE_NONE,
                          "no embedded signature; %s", why);
                r->status = ST_VSTATUS_ERROR;
                return;
            }
            add_error(r, ST_VERR_UNSIGNED, ST_VWHERE_NONE,
                      "no embedded signature (no LC_CODE_SIGNATURE) and %s "
                      "for %s %s%s%s",
                      v->o.store || v->o.system_db
                          ? "no DetachedSignatures row"
                          : "no DetachedSignatures database given to look in",
                      how, key, why[0] ? "; " : "", why);
            r->status = ST_VSTATUS_UNSIGNED;
            return;
        }
    }
    sort_errors(r);
    r->status = r->nerrors_total ? ST_VSTATUS_INVALID : ST_VSTATUS_VALID;
}

/* ======================================================================
 * sealed resources (_CodeSignature/CodeResources)
 * ==================================================================== */

enum { R_OMIT = 1, R_OPTIONAL = 2, R_NESTED = 4 };

typedef struct rrule {
    regex_t re;
    double weight;
    unsigned flags;
} rrule;

typedef struct sealed {
    const char *key;
    const st_pl_node *val;
    int seen;
} sealed;

typedef struct resctx {
    st_verifier *v;
    bundle *b;
    const st_plist *pl;
    int version;
    rrule *rules;
    size_t nrules;
    sealed *files;
    size_t nfiles;
    const char *report_base; /* reported path of the resource base */
    st_verify_slice *out;    /* collects the errors */
    size_t entries;
} resctx;

/* Sorts sealed entries by key for bsearch. */
static int sealed_cmp(const void *a, const void *b)
{
    return strcmp(((const sealed *)a)->key, ((const sealed *)b)->key);
}

/* The rule with the highest weight matching rel, or NULL. */
static const rrule *find_rule(const resctx *c, const char *rel)
{
    const rrule *best = NULL;
    for (size_t i = 0; i < c->nrules; i++)
        if (regexec(&c->rules[i].re, rel, 0, NULL, 0) == 0 &&
            (!best || c->rules[i].weight > best->weight))
            best = &c->rules[i];
    return best;
}

/* Adds a resource error naming the file by its reported full path. */
__attribute__((format(printf, 5, 6)))
static st_verify_error *res_error(resctx *c, int32_t code, const char *rel,
                                  const char *change, const char *fmt, ...)
{
    va_list ap;
    char *d = NULL;
    va_start(ap, fmt);
    if (vasprintf(&d, fmt, ap) < 0)
        d = NULL;
    va_end(ap);
    st_verify_error *e = add_error(c->out, code, ST_VWHERE_FILE, "%s",
                                   d ? d : rel);
    free(d);
    if (e) {
        e->file = path_join(c->report_base, rel);
        e->change = change;
    }
    return e;
}

/* 1 when the seal is marked optional. */
static int seal_optional(const st_plist *pl, const st_pl_node *val)
{
    const st_pl_node *o = st_plist_get(pl, val, "optional");
    return o && o->type == ST_PL_TRUE;
}

static int verify_target(st_verifier *v, const char *local,
                         st_verify_target *t);

/* Checks nested code (a helper binary or an embedded bundle) against its
 * seal: it must itself verify, and its cdhash must be the sealed one. */
static void check_nested(resctx *c, const char *rel, const st_pl_node *seal,
                         int is_symlink)
{
    if (is_symlink) {
        res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                  "%s was sealed as nested code and is now a symbolic link",
                  rel);
        return;
    }
    if (c->v->nesting >= ST_VERIFY_MAX_NESTING) {
        add_note(c->out, "nested code %s not checked: nested deeper than %d",
                 rel, ST_VERIFY_MAX_NESTING);
        return;
    }
    char *local = path_join(c->b->base, rel);
    st_verify_target t;
    memset(&t, 0, sizeof t);
    c->v->nesting++;
    verify_target(c->v, local, &t);
    c->v->nesting--;
    free(local);
    const st_pl_node *h = st_plist_get(c->pl, seal, "cdhash");
    char want[2 * ST_CS_MAX_DIGEST + 1] = "";
    if (h && h->type == ST_PL_DATA && h->val_len <= ST_CS_MAX_DIGEST)
        st_cs_hex((const uint8_t *)h->val, h->val_len, want);
    int bad = t.failed, matched = !want[0];
    const char *why = t.failed && t.fail_detail ? t.fail_detail : NULL;
    for (size_t i = 0; i < t.nslices; i++) {
        const st_verify_slice *s = &t.slices[i];
        if (s->status != ST_VSTATUS_VALID) {
            bad = 1;
            if (!why && s->nerrors)
                why = s->errors[0].detail;
        }
        for (size_t k = 0; k < s->ncd; k++)
            if (want[0] && !strncmp(s->cd[k].cdhash, want, strlen(want)))
                matched = 1;
    }
    if (bad)
        res_error(c, ST_VERR_BAD_NESTED_CODE, rel, "modified",
                  "nested code %s is invalid: %s", rel, why ? why : "?");
    else if (!matched)
        res_error(c, ST_VERR_BAD_NESTED_CODE, rel, "modified",
                  "nested code %s was replaced (sealed cdhash %.16s\u2026 "
                  "not among its cdhashes)", rel, want);
    free_target(&t);
}

/* Compares one file of the bundle with its seal (files2 or files). */
static void check_item(resctx *c, const char *rel, int is_symlink,
                       int is_dir)
{
    sealed key = {rel, NULL, 0};
    sealed *s = bsearch(&key, c->files, c->nfiles, sizeof *c->files,
                        sealed_cmp);
    if (!s) {
        if (c->version == 1 && is_symlink)
            return;        /* version 1 seals ignore symbolic links */
        res_error(c, ST_VERR_BAD_RESOURCE, rel, "added",
                  "%s added after signing (not sealed)", rel);
        return;
    }
    s->seen = 1;
    const st_pl_node *val = s->val;
    const st_pl_node *hash = NULL, *hash2 = NULL;
    if (val->type == ST_PL_DATA) {
        hash = val;                       /* version 1: SHA-1 data */
    } else if (val->type == ST_PL_DICT) {
        if (st_plist_get(c->pl, val, "requirement") ||
            st_plist_get(c->pl, val, "cdhash")) {
            check_nested(c, rel, val, is_symlink);
            return;
        }
        const st_pl_node *link = st_plist_get(c->pl, val, "symlink");
        if (link) {
            char target[PATH_MAX];
            char *local = path_join(c->b->base, rel);
            ssize_t k = is_symlink && local
                            ? readlink(local, target, sizeof target - 1) : -1;
            free(local);
            if (!is_symlink || k < 0) {
                res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                          "%s was sealed as a symbolic link to '%.100s' and "
                          "is no longer one", rel,
                          link->type == ST_PL_STRING ? link->val : "?");
                return;
            }
            target[k] = 0;
            if (link->type != ST_PL_STRING || strcmp(target, link->val))
                res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                          "%s points to '%.100s', sealed as '%.100s'", rel,
                          target,
                          link->type == ST_PL_STRING ? link->val : "?");
            return;
        }
        hash = st_plist_get(c->pl, val, "hash");
        hash2 = st_plist_get(c->pl, val, "hash2");
    }
    if ((!hash || hash->type != ST_PL_DATA) &&
        (!hash2 || hash2->type != ST_PL_DATA)) {
        res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                  "%s has a seal without a hash", rel);
        return;
    }
    if (is_symlink || is_dir) {
        res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                  "%s was sealed as a file and is now a %s", rel,
                  is_dir ? "directory" : "symbolic link");
        return;
    }
    char *local = path_join(c->b->base, rel);
    mapped m;
    char err[300];
    if (!local || map_file(local, 0, &m, err, sizeof err) < 0) {
        free(local);
        res_error(c, ST_VERR_BAD_RESOURCE, rel, "modified",
                  "%s cannot be read: %s", rel, err);
        return;
    }
    free(local);
    const st_pl_node *hs[2] = {hash2, hash};
    const unsigned types[2] = {ST_CS_HASH_SHA256, ST_CS_HASH_SHA1};
    for (int i = 0; i < 2; i++) {
        if (!hs[i] || hs[i]->type != ST_PL_DATA)
            continue;
        unsigned char dg[ST_CS_MAX_DIGEST];
        size_t k = vdigest(c->v, types[i], m.p ? m.p : (const uint8_t *)"",
                           m.n, dg);
        if (k == hs[i]->val_len && !memcmp(dg, hs[i]->val, k))
            continue;
        char exp[2 * ST_CS_MAX_DIGEST + 1], act[2 * ST_CS_MAX_DIGEST + 1];
        char s1[40], s2[40];
        st_cs_hex((const uint8_t *)hs[i]->val,
                  hs[i]->val_len < ST_CS_MAX_DIGEST ? hs[i]->val_len
                                                    : ST_CS_MAX_DIGEST, exp);
        st_cs_hex(dg, k, act);
        st_verify_error *e = res_error(
            c, ST_VERR_BAD_RESOURCE, rel, "modified",
            "%s modified after signing (sealed hash %s, file hash %s)", rel,
            short_hex(exp, s1, sizeof s1), short_hex(act, s2, sizeof s2));
        if (e) {
            e->hash_type = st_cs_hash_name(types[i]);
            memcpy(e->expected, exp, sizeof exp);
            memcpy(e->actual, act, sizeof act);
        }
        break;
    }
    unmap_file(&m);
}

/* Name comparison for a stable walk order. */
static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks the resource base (ResourceBuilder::scan): files and symbolic
 * links are checked when a rule includes them; a directory that a nested
 * rule matches and whose name has an extension is nested code. */
static void walk_resources(resctx *c, const char *rel, int depth)
{
    if (depth > ST_VERIFY_MAX_DEPTH) {
        add_note(c->out, "resources below %s not checked: deeper than %d "
                 "levels", rel, ST_VERIFY_MAX_DEPTH);
        return;
    }
    char *dir = path_join(c->b->base, rel);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        add_note(c->out, "cannot list %s: %s", dir ? dir : rel,
                 strerror(errno));
        free(dir);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (++c->entries > 1000000) {
            add_note(c->out, "more than 1000000 entries; the rest not "
                     "checked");
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn)
                break;
            names = nn;
            cap = nc;
        }
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    free(dir);
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        char *r = *rel ? dupf("%s/%s", rel, names[i]) : sdup(names[i]);
        char *full = r ? path_join(c->b->base, r) : NULL;
        struct stat st;
        if (!r || !full || lstat(full, &st) < 0) {
            free(r);
            free(full);
            continue;
        }
        free(full);
        /* what the bundle representation leaves out of the seal */
        if ((!*rel && (!strcmp(r, "_CodeSignature") ||
                       (c->version == 1 && !strcmp(r, "CodeResources")))) ||
            !strcmp(r, c->b->exe_rel)) {
            free(r);
            continue;
        }
        const rrule *rule = find_rule(c, r);
        if (S_ISDIR(st.st_mode)) {
            if (rule && (rule->flags & R_NESTED) &&
                !(rule->flags & R_OMIT) && strchr(names[i], '.'))
                check_item(c, r, 0, 1);
            else
                walk_resources(c, r, depth + 1);
        } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            if (rule && !(rule->flags & R_OMIT))
                check_item(c, r, S_ISLNK(st.st_mode), 0);
        } else if (rule && !(rule->flags & R_OMIT)) {
            add_note(c->out, "%s is neither a file, a directory nor a "
                     "symbolic link; not checked", r);
        }
        free(r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Compiles the resource rules of a CodeResources dictionary. */
static int compile_rules(resctx *c, const st_pl_node *rules)
{
    size_t k = st_plist_count(c->pl, rules);
    c->rules = calloc(k ? k : 1, sizeof *c->rules);
    if (!c->rules)
        return -1;
    for (const st_pl_node *r = st_plist_first(c->pl, rules); r;
         r = st_plist_next(c->pl, r)) {
        rrule *o = &c->rules[c->nrules];
        o->weight = 1;
        if (r->type == ST_PL_FALSE) {
            o->flags = R_OMIT;
        } else if (r->type == ST_PL_DICT) {
            const st_pl_node *x;
            if ((x = st_plist_get(c->pl, r, "weight")) &&
                (x->type == ST_PL_REAL || x->type == ST_PL_INTEGER))
                o->weight = x->rval;
            if ((x = st_plist_get(c->pl, r, "omit")) && x->type == ST_PL_TRUE)
                o->flags |= R_OMIT;
            if ((x = st_plist_get(c->pl, r, "optional")) &&
                x->type == ST_PL_TRUE)
                o->flags |= R_OPTIONAL;
            if ((x = st_plist_get(c->pl, r, "nested")) &&
                x->type == ST_PL_TRUE)
                o->flags |= R_NESTED;
        } else if (r->type != ST_PL_TRUE) {
            continue;
        }
        /* CodeResources rules are POSIX extended regular expressions */
        if (regcomp(&o->re, r->key ? r->key : "", REG_EXTENDED | REG_NOSUB)) {
            add_error(c->out, ST_VERR_RESOURCES_INVALID, ST_VWHERE_NONE,
                      "resource rule '%.80s' is not a valid regular "
                      "expression", r->key ? r->key : "");
            continue;
        }
        c->nrules++;
    }
    return 0;
}

/* Checks the sealed resources of a bundle into `out` (a scratch slice).
 * Fills the target's seal summary. */
static void check_resources(st_verifier *v, bundle *b, st_verify_target *t,
                            st_verify_slice *out)
{
    st_plist pl;
    char err[240];
    if (st_plist_parse(&pl, (const char *)b->cr.p, b->cr.n, err,
                       sizeof err) < 0 ||
        !st_plist_root(&pl) || st_plist_root(&pl)->type != ST_PL_DICT) {
        add_error(out, ST_VERR_RESOURCES_INVALID, ST_VWHERE_NONE,
                  "_CodeSignature/CodeResources is not a readable "
                  "property list: %s", err[0] ? err : "no dictionary");
        st_plist_free(&pl);
        return;
    }
    const st_pl_node *root = st_plist_root(&pl);
    const st_pl_node *files = st_plist_get(&pl, root, "files2");
    const st_pl_node *rules = st_plist_get(&pl, root, "rules2");
    int version = 2;
    if (!files) {
        files = st_plist_get(&pl, root, "files");
        rules = st_plist_get(&pl, root, "rules");
        version = 1;
    }
    if (!files || files->type != ST_PL_DICT || !rules ||
        rules->type != ST_PL_DICT) {
        add_error(out, ST_VERR_RESOURCES_INVALID, ST_VWHERE_NONE,
                  "_CodeSignature/CodeResources has no files%s/rules%s "
                  "dictionaries", version == 2 ? "2" : "",
                  version == 2 ? "2" : "");
        st_plist_free(&pl);
        return;
    }
    t->sealed_version = version;
    t->sealed_rules = (int)st_plist_count(&pl, rules);
    t->sealed_files = (int)st_plist_count(&pl, files);
    resctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.b = b;
    c.pl = &pl;
    c.version = version;
    c.out = out;
    char *rb = *b->base_rel ? path_join(t->path, b->base_rel) : sdup(t->path);
    c.report_base = rb ? rb : t->path;
    c.files = calloc((size_t)t->sealed_files + 1, sizeof *c.files);
    if (c.files && compile_rules(&c, rules) == 0) {
        for (const st_pl_node *f = st_plist_first(&pl, files); f;
             f = st_plist_next(&pl, f))
            if (f->key)
                c.files[c.nfiles++] = (sealed){f->key, f, 0};
        qsort(c.files, c.nfiles, sizeof *c.files, sealed_cmp);
        walk_resources(&c, "", 0);
        for (size_t i = 0; i < c.nfiles; i++) {
            if (c.files[i].seen)
                continue;
            const st_pl_node *val = c.files[i].val;
            if (val->type == ST_PL_DICT && seal_optional(&pl, val))
                continue;
            /* sealed but not met by the walk: a leftover, which macOS
             * reports as missing unless the seal is optional */
            res_error(&c, ST_VERR_BAD_RESOURCE, c.files[i].key, "missing",
                      "%s missing (sealed by the signature%s)",
                      c.files[i].key,
                      val->type == ST_PL_DICT ? ", not optional" : "");
        }
    } else {
        add_error(out, ST_VERR_NOT_VERIFIABLE, ST_VWHERE_NONE,
                  "out of memory checking resources");
    }
    for (size_t i = 0; i < c.nrules; i++)
        regfree(&c.rules[i].re);
    free(c.rules);
    free(c.files);
    free(rb);
    st_plist_free(&pl);
}

/* ======================================================================
 * targets
 * ==================================================================== */

/* Records the SHA-256 of a file read for the target (provenance). */
static void add_input(st_verify_target *t, const char *path,
                      const uint8_t *p, size_t n)
{
    if (t->ninputs >= sizeof t->inputs / sizeof *t->inputs)
        return;
    unsigned char dg[32];
    unsigned len = 0;
    if (EVP_Digest(p ? p : (const uint8_t *)"", n, dg, &len, EVP_sha256(),
                   NULL) != 1)
        return;
    t->inputs[t->ninputs].path = sdup(path);
    st_cs_hex(dg, 32, t->inputs[t->ninputs].sha256);
    t->ninputs++;
}

/* Marks a target as not verifiable at all. */
__attribute__((format(printf, 3, 4)))
static void fail_target(st_verify_target *t, int32_t code, const char *fmt,
                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(t->fail_detail);
    if (vasprintf(&t->fail_detail, fmt, ap) < 0)
        t->fail_detail = NULL;
    va_end(ap);
    t->failed = 1;
    t->fail_code = code;
}

/* Verifies the Mach-O at `local` (a bundle's main executable when b is
 * set) into t. */
static void verify_macho(st_verifier *v, const char *local, bundle *b,
                         st_verify_target *t)
{
    char err[400];
    mapped m;
    t->local = sdup(local);
    t->file = report_path(v, local);
    if (!t->path)
        t->path = sdup(t->file);
    if (map_file(local, 0, &m, err, sizeof err) < 0) {
        fail_target(t, ST_VERR_NOT_VERIFIABLE, "%s", err);
        return;
    }
    t->size = (int64_t)m.n;
    t->mtime_us = (int64_t)m.st.st_mtim.tv_sec * 1000000 +
                  m.st.st_mtim.tv_nsec / 1000;
    if (v->o.hash_files) {
        unsigned char dg[32];
        unsigned len = 0;
        if (EVP_Digest(m.p ? m.p : (const uint8_t *)"", m.n, dg, &len,
                       EVP_sha256(), NULL) == 1)
            st_cs_hex(dg, 32, t->sha256);
    }
    st_macho_fat fat;
    st_macho_fat_parse(m.p, m.n, &fat);
    if (fat.kind == ST_MACHO_NONE || fat.nslices == 0 ||
        fat.status != ST_MACHO_OK) {
        /* a universal header with any bad entry is refused whole: which
         * slice a Mac would pick from it cannot be known */
        if (fat.kind == ST_MACHO_NONE)
            fail_target(t, ST_VERR_BAD_OBJECT_FORMAT, "%s",
                        m.n ? fat.problems[0] : "empty file, not a Mach-O");
        else
            fail_target(t, ST_VERR_BAD_OBJECT_FORMAT, "malformed universal "
                        "binary: %s", fat.nproblems ? fat.problems[0] : "?");
        unmap_file(&m);
        return;
    }
    t->slices = calloc(fat.nslices, sizeof *t->slices);
    if (!t->slices) {
        fail_target(t, ST_VERR_NOT_VERIFIABLE, "out of memory");
        unmap_file(&m);
        return;
    }
    t->nslices = fat.nslices;
    slot_files f;
    memset(&f, 0, sizeof f);
    if (b && b->info_read) {
        f.info = b->info.p ? b->info.p : (const uint8_t *)"";
        f.info_n = b->info.n;
        f.has_info = 1;
        add_input(t, b->info_path, f.info, f.info_n);
    }
    if (b && b->cr_read) {
        f.cr = b->cr.p ? b->cr.p : (const uint8_t *)"";
        f.cr_n = b->cr.n;
        f.has_cr = 1;
        add_input(t, b->cr_path, f.cr, f.cr_n);
    }
    /* the format line, like codesign's */
    size_t k = 0;
    char *fm = t->format;
    size_t fn = sizeof t->format;
    if (b)
        k += (size_t)snprintf(fm + k, fn - k, "%s with ",
                              b->is_app ? "app bundle" : "bundle");
    if (fat.kind == ST_MACHO_FAT) {
        k += (size_t)snprintf(fm + k, k < fn ? fn - k : 0,
                              "Mach-O universal (");
        for (size_t i = 0; i < fat.nslices && k < fn; i++) {
            char a[32];
            st_cs_cpu_name(fat.slices[i].cputype,
                           (uint32_t)fat.slices[i].cpusubtype, a, sizeof a);
            k += (size_t)snprintf(fm + k, fn - k, "%s%s", i ? " " : "", a);
        }
        if (k < fn)
            snprintf(fm + k, fn - k, ")");
    } else {
        char a[32];
        st_cs_cpu_name(fat.slices[0].cputype,
                       (uint32_t)fat.slices[0].cpusubtype, a, sizeof a);
        snprintf(fm + k, k < fn ? fn - k : 0, "Mach-O thin (%s)", a);
    }

    /* sealed resources are the same for every slice: check them once */
    st_verify_slice *res = NULL;
    for (size_t i = 0; i < fat.nslices; i++) {
        st_verify_slice *r = &t->slices[i];
        verify_slice(v, m.p, &fat.slices[i], &f, r);
        if (r->status == ST_VSTATUS_ERROR || r->status == ST_VSTATUS_UNSIGNED)
            continue;
        /* macOS reads the seal only through a CodeResources that matches
         * its slot: with -67023 the seal itself cannot be trusted */
        int cr_failed = 0;
        for (size_t e = 0; e < r->nerrors; e++)
            if (r->errors[e].code == ST_VERR_RESOURCE_DIR_FAILED)
                cr_failed = 1;
        if (b && b->cr_read && !cr_failed) {
            if (!res) {
                res = calloc(1, sizeof *res);
                if (res)
                    check_resources(v, b, t, res);
            }
            for (size_t e = 0; res && e < res->nerrors; e++)
                copy_error(r, &res->errors[e]);
            if (res)
                r->nerrors_total += res->nerrors_total - res->nerrors;
            for (size_t e = 0; res && e < res->nnotes; e++)
                add_note(r, "%s", res->notes[e]);
        } else if (b && !b->cr_read && !r->resources_bound) {
            /* an unsealed bundle: nothing to compare, as with
             * `Sealed Resources=none` */
        } else if (cr_failed) {
            add_note(r, "sealed resources not checked: CodeResources does "
                     "not match its slot hash, or is not bound");
        }
        sort_errors(r);
        r->status = r->nerrors_total ? ST_VSTATUS_INVALID : ST_VSTATUS_VALID;
    }
    if (res) {
        free_slice(res);
        free(res);
    }
    unmap_file(&m);
}

/* Verifies a bundle directory (its main executable, Info.plist,
 * CodeResources and sealed resources). */
static void verify_bundle(st_verifier *v, bundle *b, st_verify_target *t)
{
    t->is_bundle = 1;
    t->path = report_path(v, b->root);
    t->info_entries = -1;
    if (b->info_parsed) {
        const st_pl_node *root = st_plist_root(&b->info_pl);
        t->info_entries = (int)st_plist_count(&b->info_pl, root);
        t->bundle_id = sdup(pl_str(&b->info_pl, root, "CFBundleIdentifier"));
        t->bundle_version = sdup(pl_str(&b->info_pl, root,
                                        "CFBundleVersion"));
    }
    if (is_file(b->cr_path)) {
        char err[300];
        if (map_file(b->cr_path, ST_VERIFY_MAX_PLIST, &b->cr, err,
                     sizeof err) == 0)
            b->cr_read = 1;
    }
    if (!is_file(b->exe_path)) {
        t->file = report_path(v, b->exe_path);
        t->local = sdup(b->exe_path);
        fail_target(t, -67029, "the bundle's main executable %s is missing",
                    b->exe_rel);
        return;
    }
    verify_macho(v, b->exe_path, b, t);
    if (b->info_read && !b->info_parsed && t->nslices)
        add_note(&t->slices[0], "Info.plist: %s", b->info_err);
}

/* Verifies one file or bundle path into t (not a folder walk). */
static int verify_target(st_verifier *v, const char *local,
                         st_verify_target *t)
{
    struct stat st;
    memset(t, 0, sizeof *t);
    t->info_entries = -1;
    if (stat(local, &st) < 0) {
        t->path = report_path(v, local);
        fail_target(t, ST_VERR_NOT_VERIFIABLE, "%s: %s", local,
                    strerror(errno));
        return -1;
    }
    bundle b;
    if (S_ISDIR(st.st_mode)) {
        if (!detect_bundle(local, &b)) {
            free_bundle(&b);
            t->path = report_path(v, local);
            fail_target(t, -67028, "%s is a folder but not a bundle", local);
            return -1;
        }
        verify_bundle(v, &b, t);
        free_bundle(&b);
        return 0;
    }
    if (enclosing_bundle(local, &b)) {
        verify_bundle(v, &b, t);
        free_bundle(&b);
        return 0;
    }
    verify_macho(v, local, NULL, t);
    return 0;
}

/* Looks at the first bytes of a file to decide whether a walk verifies
 * it. */
static int file_is_macho(const char *path)
{
    uint8_t head[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return 0;
    ssize_t k = read(fd, head, sizeof head);
    close(fd);
    return k > 0 && st_macho_is_candidate(head, (size_t)k);
}

typedef struct walkctx {
    st_verifier *v;
    st_verify_fn fn;
    void *ctx;
    int stop;
} walkctx;

/* Verifies one item and hands it to the callback. */
static void emit(walkctx *w, const char *local)
{
    st_verify_target t;
    verify_target(w->v, local, &t);
    if (w->fn(w->ctx, &t))
        w->stop = 1;
    free_target(&t);
}

/* Walks a folder: bundles are verified whole (their insides are checked
 * as sealed resources), other folders are entered, Mach-O files verified,
 * symbolic links never followed. */
static void walk(walkctx *w, const char *dir, int depth)
{
    if (depth > ST_VERIFY_MAX_DEPTH || w->stop)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn)
                break;
            names = nn;
            cap = nc;
        }
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n && !w->stop; i++) {
        char *p = path_join(dir, names[i]);
        struct stat st;
        if (p && lstat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                bundle b;
                if (detect_bundle(p, &b))
                    emit(w, p);
                else
                    walk(w, p, depth + 1);
                free_bundle(&b);
            } else if (S_ISREG(st.st_mode) && file_is_macho(p)) {
                emit(w, p);
            }
        }
        free(p);
        free(names[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (w->stop)
            free(names[i]);
    free(names);
}

/* Entry point: one file, one bundle, or a folder walk. */
int st_verify_path(st_verifier *v, const char *path, st_verify_fn fn,
                   void *ctx, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    walkctx w = {v, fn, ctx, 0};
    if (S_ISDIR(st.st_mode)) {
        bundle b;
        int is_b = detect_bundle(path, &b);
        free_bundle(&b);
        if (is_b)
            emit(&w, path);
        else
            walk(&w, path, 0);
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a file or folder", path);
        return -1;
    }
    emit(&w, path);
    return 0;
}

/* ======================================================================
 * reporting
 * ==================================================================== */

/* The one-line verdict used for records, events and JSON. */
const char *st_verify_summary(const st_verify_target *t, size_t i, char *buf,
                              size_t n)
{
    if (t->failed || i >= t->nslices) {
        snprintf(buf, n, "cannot verify: %s",
                 t->fail_detail ? t->fail_detail : "no architecture");
        return buf;
    }
    const st_verify_slice *s = &t->slices[i];
    const char *first = s->nerrors && s->errors[0].detail
                            ? s->errors[0].detail : "";
    char more[40] = "";
    if (s->nerrors_total > 1)
        snprintf(more, sizeof more, " (+%zu more)", s->nerrors_total - 1);
    switch (s->status) {
    case ST_VSTATUS_VALID:
        snprintf(buf, n, "valid on disk (%s, %s signature%s, cdhash %s)",
                 s->arch, s->signature,
                 s->location == ST_VLOC_SYSTEM
                     ? " from the DetachedSignatures database" : "",
                 s->cdhash);
        break;
    case ST_VSTATUS_INVALID:
        snprintf(buf, n, "invalid: %s%s", first, more);
        break;
    case ST_VSTATUS_UNSIGNED:
        snprintf(buf, n, "not signed at all: %s", first);
        break;
    default:
        snprintf(buf, n, "cannot verify: %s%s", first, more);
        break;
    }
    return buf;
}

/* Writes one error object. */
static void json_error(st_json *j, const st_verify_error *e,
                       const st_errcodes *codes)
{
    size_t nrows;
    const st_errcode *row = codes ? st_errcodes_find(codes, e->code, &nrows)
                                  : NULL;
    st_json_obj(j, NULL);
    st_json_int(j, "code", e->code);
    st_json_cstr(j, "name", row && *row->name ? row->name : NULL);
    st_json_cstr(j, "detail", e->detail);
    if (e->where == ST_VWHERE_PAGE)
        st_json_int(j, "page", e->page);
    if (e->where == ST_VWHERE_SLOT) {
        st_json_int(j, "slot", e->slot);
        st_json_cstr(j, "slot_name", st_cs_special_slot_name((unsigned)
                                                             e->slot));
    }
    if (e->where == ST_VWHERE_FILE) {
        st_json_cstr(j, "file", e->file);
        st_json_cstr(j, "change", e->change);
    }
    if (e->hash_type)
        st_json_cstr(j, "hash_type", e->hash_type);
    if (e->expected[0])
        st_json_cstr(j, "expected", e->expected);
    if (e->actual[0])
        st_json_cstr(j, "actual", e->actual);
    st_json_end(j);
}

/* JSON for one slice; keys are documented in docs/verify.md. */
void st_verify_json(const st_verify_target *t, size_t i, int summary_first,
                    const st_errcodes *codes, st_json *j)
{
    char sum[600];
    const st_verify_slice *s = i < t->nslices ? &t->slices[i] : NULL;
    st_verify_summary(t, i, sum, sizeof sum);
    if (summary_first)
        st_json_cstr(j, "summary", sum);
    st_json_cstr(j, "path", t->path);
    st_json_cstr(j, "file", t->file);
    st_json_cstr(j, "arch", s ? s->arch : NULL);
    st_json_cstr(j, "uuid", s && s->has_uuid ? s->uuid : NULL);
    st_json_cstr(j, "identifier", s ? s->identifier : NULL);
    st_json_cstr(j, "team_id", s ? s->team_id : NULL);
    st_json_cstr(j, "cdhash", s && s->cdhash[0] ? s->cdhash : NULL);
    st_json_cstr(j, "location",
                 st_verify_location_name(s ? s->location : ST_VLOC_NONE));
    st_json_cstr(j, "status", st_verify_status_name(
                                  s ? s->status : ST_VSTATUS_ERROR));
    st_json_arr(j, "errors");
    if (t->failed) {
        st_verify_error e;
        memset(&e, 0, sizeof e);
        e.code = t->fail_code;
        e.detail = t->fail_detail;
        json_error(j, &e, codes);
    }
    for (size_t k = 0; s && k < s->nerrors; k++)
        json_error(j, &s->errors[k], codes);
    st_json_end(j);
    if (s && s->nerrors_total > s->nerrors)
        st_json_int(j, "errors_not_listed",
                    (int64_t)(s->nerrors_total - s->nerrors));
    if (!summary_first)
        st_json_cstr(j, "summary", sum);
    st_json_cstr(j, "format", t->format[0] ? t->format : NULL);
    if (t->is_bundle) {
        st_json_obj(j, "bundle");
        st_json_cstr(j, "identifier", t->bundle_id);
        st_json_cstr(j, "version", t->bundle_version);
        st_json_int(j, "info_plist_entries", t->info_entries);
        if (t->sealed_version) {
            st_json_obj(j, "sealed_resources");
            st_json_int(j, "version", t->sealed_version);
            st_json_int(j, "rules", t->sealed_rules);
            st_json_int(j, "files", t->sealed_files);
            st_json_end(j);
        } else {
            st_json_null(j, "sealed_resources");
        }
        st_json_end(j);
    }
    if (s) {
        st_json_int(j, "slice_offset", (int64_t)s->offset);
        st_json_int(j, "slice_size", (int64_t)s->size);
        st_json_cstr(j, "identification",
                     s->identification[0] ? s->identification : NULL);
        st_json_cstr(j, "signature", s->signature);
        st_json_arr(j, "code_directories");
        for (size_t k = 0; k < s->ncd; k++) {
            const st_verify_cd *cd = &s->cd[k];
            char flags[256];
            st_cs_flags_str(cd->flags, flags, sizeof flags);
            st_json_obj(j, NULL);
            const char *sn = st_cs_slot_name(cd->slot);
            st_json_cstr(j, "slot", sn ? sn : "?");
            st_json_fmt(j, "version", "0x%x", cd->version);
            st_json_fmt(j, "flags", "0x%x", cd->flags);
            st_json_cstr(j, "flag_names", flags);
            st_json_cstr(j, "hash_type", st_cs_hash_name(cd->hash_type));
            st_json_int(j, "hash_size", cd->hash_size);
            st_json_int(j, "page_size", (int64_t)cd->page_size);
            st_json_int(j, "code_limit", (int64_t)cd->code_limit);
            st_json_int(j, "code_slots", cd->n_code);
            st_json_int(j, "special_slots", cd->n_special);
            st_json_int(j, "size", cd->size);
            st_json_cstr(j, "cdhash", cd->cdhash[0] ? cd->cdhash : NULL);
            if (cd->execseg) {
                st_json_int(j, "exec_seg_base", (int64_t)cd->exec_seg_base);
                st_json_int(j, "exec_seg_limit",
                            (int64_t)cd->exec_seg_limit);
                st_json_fmt(j, "exec_seg_flags", "0x%llx",
                            (unsigned long long)cd->exec_seg_flags);
            }
            if (cd->has_runtime)
                st_json_fmt(j, "runtime", "0x%x", cd->runtime);
            st_json_end(j);
        }
        st_json_end(j);
        st_json_bool(j, "info_plist_bound", s->info_bound);
        st_json_bool(j, "resources_bound", s->resources_bound);
        if (s->requirements) {
            st_json_obj(j, "requirements");
            st_json_int(j, "count", s->requirements_count);
            st_json_int(j, "size", s->requirements_size);
            st_json_end(j);
        }
        if (s->entitlements_size)
            st_json_int(j, "entitlements_bytes", s->entitlements_size);
        if (s->der_entitlements_size)
            st_json_int(j, "der_entitlements_bytes",
                        s->der_entitlements_size);
        if (!strcmp(s->signature, "cms") || s->cms_parsed) {
            st_json_obj(j, "cms");
            st_json_bool(j, "trust_evaluated", 0);
            if (s->cms_matches >= 0)
                st_json_bool(j, "signs_code_directory", s->cms_matches);
            st_json_cstr(j, "signing_time",
                         s->signing_time[0] ? s->signing_time : NULL);
            st_json_arr(j, "chain");
            for (size_t k = 0; k < s->ncerts; k++) {
                const st_verify_cert *c = &s->certs[k];
                st_json_obj(j, NULL);
                st_json_cstr(j, "subject_cn", c->subject_cn);
                st_json_cstr(j, "team_ou",
                             c->org_unit[0] ? c->org_unit : NULL);
                st_json_cstr(j, "organization", c->org[0] ? c->org : NULL);
                st_json_cstr(j, "issuer_cn", c->issuer_cn);
                st_json_cstr(j, "not_before", c->not_before);
                st_json_cstr(j, "not_after", c->not_after);
                st_json_bool(j, "signer", c->signer);
                st_json_end(j);
            }
            st_json_end(j);
            st_json_end(j);
        }
        if (s->location == ST_VLOC_SYSTEM) {
            st_json_obj(j, "detached");
            st_json_cstr(j, "database", s->detached_db);
            st_json_cstr(j, "locator", s->detached_locator);
            st_json_cstr(j, "created", s->detached_created);
            st_json_cstr(j, "sign_location", s->detached_sign_location);
            if (s->detached_record)
                st_json_int(j, "record_id", s->detached_record);
            st_json_end(j);
        }
        if (s->nnotes) {
            st_json_arr(j, "notes");
            for (size_t k = 0; k < s->nnotes; k++)
                st_json_cstr(j, NULL, s->notes[k]);
            st_json_end(j);
        }
    }
    if (t->sha256[0])
        st_json_cstr(j, "sha256", t->sha256);
    st_json_int(j, "file_size", t->size);
    if (t->mtime_us) {
        char iso[40];
        st_time_iso(t->mtime_us, iso, sizeof iso);
        st_json_cstr(j, "file_mtime_utc", iso);
    }
    if (t->ninputs) {
        st_json_arr(j, "bound_files");
        for (size_t k = 0; k < t->ninputs; k++) {
            st_json_obj(j, NULL);
            st_json_cstr(j, "path", t->inputs[k].path);
            st_json_cstr(j, "sha256", t->inputs[k].sha256);
            st_json_end(j);
        }
        st_json_end(j);
    }
}
