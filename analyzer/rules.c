/*
 * rules.c -- the rule-file reader.  See rules.h and rules/README.md.
 *
 * The format is line-based so errors can point at file:line:col: each line
 * starts with a keyword; a line ending in '\' continues on the next.  A
 * rule runs from `rule ID` to the next `rule` or the end of the file.
 */
#include "rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RULE_FILE (4u << 20)
#define MAX_LINE 65536
#define FIELD_EVENT_BASE ST_RULE_EVENT_FIELD

typedef struct rctx {
    const char *file;
    int line;
    st_rule_diag diag;
    void *dctx;
    int errors;
    st_rule *rule;            /* rule being built, NULL before `rule` */
    st_matcher *last;         /* step/history that extract/key apply to */
    int rule_bad;
} rctx;

/* Reports one problem at line:col and marks the current rule bad. */
static void problem(rctx *c, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(rctx *c, int col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->errors++;
    c->rule_bad = 1;
    if (c->diag)
        c->diag(c->dctx, c->file, c->line, col, msg);
}

/* ---- small text helpers ------------------------------------------------ */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Copies a word of [A-Za-z0-9_.-] at p into out; returns the end or NULL. */
static const char *word(const char *p, char *out, size_t n)
{
    size_t k = 0;
    while (isalnum((unsigned char)p[k]) || p[k] == '_' || p[k] == '.' ||
           p[k] == '-')
        k++;
    if (k == 0 || k >= n)
        return NULL;
    memcpy(out, p, k);
    out[k] = 0;
    return p + k;
}

/* Parses a double-quoted string with \" \\ \n \t escapes at p into a new
 * buffer; returns the end (after the quote) or NULL. */
static const char *quoted(const char *p, char **out)
{
    if (*p != '"')
        return NULL;
    size_t cap = strlen(p) + 1, k = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            s[k++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        } else {
            s[k++] = *p;
        }
    }
    if (*p != '"') {
        free(s);
        return NULL;
    }
    s[k] = 0;
    *out = s;
    return p + 1;
}

int64_t st_parse_duration(const char *s, size_t n)
{
    size_t i = 0;
    int64_t v = 0;
    while (i < n && isdigit((unsigned char)s[i])) {
        if (v > 1000000000LL)
            return -1;
        v = v * 10 + (s[i++] - '0');
    }
    if (i == 0)
        return -1;
    const char *u = s + i;
    size_t un = n - i;
    int64_t mul;
    if (un == 2 && !memcmp(u, "ms", 2)) mul = 1000;
    else if (un == 2 && !memcmp(u, "us", 2)) mul = 1;
    else if (un == 1 && *u == 's') mul = 1000000;
    else if (un == 1 && *u == 'm') mul = 60000000LL;
    else if (un == 1 && *u == 'h') mul = 3600000000LL;
    else if (un == 1 && *u == 'd') mul = 86400000000LL;
    else return -1;
    return v * mul;
}

/* Finds the view of the app bundle root in a path ("/A/X.app/Contents/..."
 * -> "/A/X.app"); the path itself when there is no ".app/" component. */
st_str st_key_apply(st_key_fn fn, st_str v)
{
    if (!v.p)
        return v;
    switch (fn) {
    case ST_KEY_APP:
        for (size_t i = 0; i + 4 <= v.n; i++)
            if (!memcmp(v.p + i, ".app", 4) &&
                (i + 4 == v.n || v.p[i + 4] == '/'))
                return (st_str){v.p, i + 4};
        return v;
    case ST_KEY_BASENAME:
        return st_basename(v);
    case ST_KEY_APPNAME: {
        /* "/A/X.app/Contents/MacOS/X" -> "X"; a plain name stays */
        st_str a = st_basename(st_key_apply(ST_KEY_APP, v));
        if (a.n > 4 && !memcmp(a.p + a.n - 4, ".app", 4))
            a.n -= 4;
        return a;
    }
    case ST_KEY_DIR:
        for (size_t i = v.n; i > 0; i--)
            if (v.p[i - 1] == '/')
                return (st_str){v.p, i > 1 ? i - 1 : 1};
        return v;
    default:
        return v;      /* LOWER is applied by the engine when comparing */
    }
}

/* ---- fields ------------------------------------------------------------ */

/* Returns the slot of an extracted field, adding it when `add`; -1 if
 * unknown (or full). */
static int field_slot(st_rule *r, const char *name, int add)
{
    for (int i = 0; i < r->nfields; i++)
        if (!strcmp(r->fields[i], name))
            return i;
    if (!add || r->nfields >= ST_RULE_MAX_FIELDS || strlen(name) >= 32)
        return -1;
    snprintf(r->fields[r->nfields], 32, "%s", name);
    return r->nfields++;
}

/* See rules.h. */
int st_rule_field_ref(const st_rule *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (!strcmp(r->fields[i], name))
            return i;
    if (!strcmp(name, "message"))      /* short alias in templates */
        return FIELD_EVENT_BASE + (int)ST_F_MESSAGE;
    st_field f = st_field_lookup(name, strlen(name));
    return f != ST_F_NONE ? FIELD_EVENT_BASE + (int)f : -1;
}

static int field_ref(st_rule *r, const char *name)
{
    return st_rule_field_ref(r, name);
}

/* See rules.h. */
int st_rule_find(const st_rule *r, const char *name, st_cond_kind *kind)
{
    for (int i = 0; i < r->nsteps; i++)
        if (!strcmp(r->steps[i].name, name)) {
            *kind = ST_C_STEP;
            return i;
        }
    for (int i = 0; i < r->nhistories; i++)
        if (!strcmp(r->histories[i].name, name)) {
            *kind = ST_C_HISTORY;
            return i;
        }
    for (int i = 0; i < r->nlookups; i++)
        if (!strcmp(r->lookups[i].name, name)) {
            *kind = ST_C_LOOKUP;
            return i;
        }
    return -1;
}

/* ---- conditions -------------------------------------------------------- */

typedef struct cparse {
    rctx *c;
    const char *start, *p;
    int col0;
    int depth;
} cparse;

static st_cond *cond_or(cparse *cp);

static st_cond *mk(st_cond_kind k, st_cond *a, st_cond *b)
{
    st_cond *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = k;
        n->a = a;
        n->b = b;
    }
    return n;
}

static void cond_free(st_cond *n)
{
    if (!n)
        return;
    cond_free(n->a);
    cond_free(n->b);
    free(n->text);
    free(n);
}

static int ccol(cparse *cp) { return cp->col0 + (int)(cp->p - cp->start); }

/* Matches a keyword (case-insensitive) followed by a non-word char. */
static int kw(cparse *cp, const char *k)
{
    size_t n = strlen(k);
    if (strncasecmp(cp->p, k, n) == 0 && !isalnum((unsigned char)cp->p[n]) &&
        cp->p[n] != '_') {
        cp->p = skip_ws(cp->p + n);
        return 1;
    }
    return 0;
}

static st_cond *cond_atom(cparse *cp)
{
    char name[64], field[64];
    cp->p = skip_ws(cp->p);
    if (++cp->depth > 64) {
        problem(cp->c, ccol(cp), "condition nested too deeply");
        return NULL;
    }
    if (*cp->p == '(') {
        cp->p++;
        st_cond *n = cond_or(cp);
        cp->p = skip_ws(cp->p);
        if (!n)
            return NULL;
        if (*cp->p != ')') {
            problem(cp->c, ccol(cp), "expected ')'");
            cond_free(n);
            return NULL;
        }
        cp->p = skip_ws(cp->p + 1);
        return n;
    }
    if (kw(cp, "not") || (*cp->p == '!' && (cp->p = skip_ws(cp->p + 1)))) {
        st_cond *a = cond_atom(cp);
        return a ? mk(ST_C_NOT, a, NULL) : NULL;
    }
    if (kw(cp, "true"))
        return mk(ST_C_TRUE, NULL, NULL);
    int is_count = !strncmp(cp->p, "count(", 6), is_has =
        !strncmp(cp->p, "has(", 4);
    if (is_count || is_has) {
        cp->p += is_count ? 6 : 4;
        const char *e = word(cp->p, name, sizeof name);
        if (!e || *e != ')') {
            problem(cp->c, ccol(cp), "expected a name and ')'");
            return NULL;
        }
        cp->p = skip_ws(e + 1);
        st_cond *n = mk(is_count ? ST_C_COUNT : ST_C_HAS, NULL, NULL);
        if (!n)
            return NULL;
        if (is_has) {
            n->ref = field_ref(cp->c->rule, name);
            if (n->ref < 0) {
                problem(cp->c, ccol(cp), "unknown field '%s'", name);
                free(n);
                return NULL;
            }
            return n;
        }
        st_cond_kind k;
        n->ref = st_rule_find(cp->c->rule, name, &k);
        if (n->ref < 0 || k != ST_C_STEP) {
            problem(cp->c, ccol(cp), "count() takes a step name, not '%s'",
                    name);
            free(n);
            return NULL;
        }
        const char *ops[] = {">=", "<=", "==", ">", "<"};
        const char codes[] = {'g', 'l', '=', '>', '<'};
        n->cmp = 0;
        for (int i = 0; i < 5 && !n->cmp; i++)
            if (!strncmp(cp->p, ops[i], strlen(ops[i]))) {
                n->cmp = codes[i];
                cp->p = skip_ws(cp->p + strlen(ops[i]));
            }
        char *end;
        long v = strtol(cp->p, &end, 10);
        if (!n->cmp || end == cp->p || v < 0) {
            problem(cp->c, ccol(cp), "expected a comparison such as "
                    "count(step) >= 2");
            free(n);
            return NULL;
        }
        n->n = v;
        cp->p = skip_ws(end);
        return n;
    }
    const char *e = word(cp->p, name, sizeof name);
    if (!e) {
        problem(cp->c, ccol(cp), "expected a step, history or lookup name");
        return NULL;
    }
    const char *after = skip_ws(e);
    if (!strncmp(after, "==", 2) || !strncasecmp(after, "contains", 8)) {
        int eq = after[0] == '=';
        snprintf(field, sizeof field, "%s", name);
        cp->p = skip_ws(after + (eq ? 2 : 8));
        char *lit;
        const char *q = quoted(cp->p, &lit);
        if (!q) {
            problem(cp->c, ccol(cp), "expected a quoted string");
            return NULL;
        }
        cp->p = skip_ws(q);
        st_cond *n = mk(eq ? ST_C_FIELD_EQ : ST_C_FIELD_CONTAINS, NULL, NULL);
        if (!n) {
            free(lit);
            return NULL;
        }
        n->text = lit;
        n->ref = field_ref(cp->c->rule, field);
        if (n->ref < 0) {
            problem(cp->c, ccol(cp), "unknown field '%s'", field);
            cond_free(n);
            return NULL;
        }
        return n;
    }
    st_cond_kind k;
    int idx = st_rule_find(cp->c->rule, name, &k);
    if (idx < 0) {
        problem(cp->c, ccol(cp) - (int)(e - cp->p),
                "unknown step, history or lookup '%s'", name);
        return NULL;
    }
    cp->p = after;
    st_cond *n = mk(k, NULL, NULL);
    if (n)
        n->ref = idx;
    return n;
}

static st_cond *cond_and(cparse *cp)
{
    st_cond *a = cond_atom(cp);
    while (a && (kw(cp, "and") || (!strncmp(cp->p, "&&", 2) &&
                                   (cp->p = skip_ws(cp->p + 2))))) {
        st_cond *b = cond_atom(cp);
        if (!b) {
            cond_free(a);
            return NULL;
        }
        a = mk(ST_C_AND, a, b);
    }
    return a;
}

static st_cond *cond_or(cparse *cp)
{
    st_cond *a = cond_and(cp);
    while (a && (kw(cp, "or") || (!strncmp(cp->p, "||", 2) &&
                                  (cp->p = skip_ws(cp->p + 2))))) {
        st_cond *b = cond_and(cp);
        if (!b) {
            cond_free(a);
            return NULL;
        }
        a = mk(ST_C_OR, a, b);
    }
    return a;
}

/* Parses a condition from text starting at column col; stops at ':' at
 * depth 0 or the end.  *end receives where it stopped. */
static st_cond *parse_cond(rctx *c, const char *text, int col,
                           const char **end)
{
    cparse cp = {c, text, text, col, 0};
    st_cond *n = cond_or(&cp);
    if (n && *cp.p && *cp.p != ':') {
        problem(c, ccol(&cp), "unexpected text in condition: '%.20s'", cp.p);
        cond_free(n);
        return NULL;
    }
    *end = cp.p;
    return n;
}

/* ---- templates --------------------------------------------------------- */

/* Checks every {placeholder} of a template; returns 0 when all resolve. */
static int check_template(rctx *c, const char *t, int col)
{
    st_rule *r = c->rule;
    for (const char *p = t; *p; p++) {
        if (*p != '{')
            continue;
        const char *e = strchr(p, '}');
        if (!e) {
            problem(c, col, "template has '{' without '}'");
            return -1;
        }
        char ph[96];
        size_t n = (size_t)(e - p - 1);
        if (n == 0 || n >= sizeof ph) {
            problem(c, col, "empty or long placeholder in template");
            return -1;
        }
        memcpy(ph, p + 1, n);
        ph[n] = 0;
        char *dot = strchr(ph, '.');
        char *paren = strchr(ph, '(');
        st_cond_kind k;
        int ok;
        if (paren && ph[n - 1] == ')') {
            ph[n - 1] = 0;
            *paren = 0;
            ok = (!strcmp(ph, "count") || !strcmp(ph, "time")) &&
                 st_rule_find(r, paren + 1, &k) >= 0;
        } else if (dot) {
            *dot = 0;
            ok = st_rule_find(r, ph, &k) >= 0 &&
                 (field_ref(r, dot + 1) >= 0 || !strcmp(dot + 1, "time") ||
                  !strcmp(dot + 1, "line") || !strcmp(dot + 1, "source"));
        } else {
            ok = field_ref(r, ph) >= 0 || !strcmp(ph, "codes") ||
                 !strcmp(ph, "rule") || !strcmp(ph, "verdict") ||
                 !strcmp(ph, "code_names");
        }
        if (!ok) {
            problem(c, col + (int)(p - t), "unknown placeholder {%.*s}",
                    (int)n, p + 1);
            return -1;
        }
        p = e;
    }
    return 0;
}

/* ---- clauses ----------------------------------------------------------- */

static int pred_resolve(void *ctx, const char *name, size_t n)
{
    st_rule *r = ctx;
    char buf[40];
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, name, n);
    buf[n] = 0;
    int s = field_slot(r, buf, 0);
    return s >= 0 ? ST_F__COUNT + s : 0;
}

/* step NAME [optional] [within DUR]: PREDICATE  /  history NAME: PREDICATE */
static void do_matcher(rctx *c, const char *line, const char *rest,
                       st_matcher_kind kind)
{
    st_rule *r = c->rule;
    int is_step = kind == ST_MATCHER_STEP;
    if ((is_step && r->nsteps >= ST_RULE_MAX_STEPS) ||
        (!is_step && r->nhistories >= 8)) {
        problem(c, 1, "too many %s", is_step ? "steps" : "histories");
        return;
    }
    st_matcher *m = is_step ? &r->steps[r->nsteps] : &r->histories[r->nhistories];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->line = c->line;
    m->key.field = -1;
    m->within_us = -1;
    const char *p = word(rest, m->name, sizeof m->name);
    if (!p) {
        problem(c, (int)(rest - line) + 1, "expected a name");
        return;
    }
    st_cond_kind k;
    if (st_rule_find(r, m->name, &k) >= 0) {
        problem(c, (int)(rest - line) + 1, "'%s' is already defined",
                m->name);
        return;
    }
    for (;;) {
        p = skip_ws(p);
        if (is_step && !strncmp(p, "optional", 8)) {
            m->optional = 1;
            p += 8;
        } else if (!is_step && !strncmp(p, "older", 5)) {
            p = skip_ws(p + 5);
            const char *s = p;
            while (*p && *p != ':' && *p != ' ')
                p++;
            m->older_us = st_parse_duration(s, (size_t)(p - s));
            if (m->older_us <= 0) {
                problem(c, (int)(s - line) + 1, "expected a duration such "
                        "as 1m");
                return;
            }
        } else if (is_step && !strncmp(p, "before", 6)) {
            p = skip_ws(p + 6);
            const char *s = p;
            while (*p && *p != ':' && *p != ' ')
                p++;
            m->before_us = st_parse_duration(s, (size_t)(p - s));
            if (m->before_us <= 0) {
                problem(c, (int)(s - line) + 1, "expected a duration such "
                        "as 2s");
                return;
            }
        } else if (is_step && !strncmp(p, "within", 6)) {
            p = skip_ws(p + 6);
            const char *s = p;
            while (*p && *p != ':' && *p != ' ')
                p++;
            m->within_us = st_parse_duration(s, (size_t)(p - s));
            if (m->within_us <= 0) {
                problem(c, (int)(s - line) + 1, "expected a duration such "
                        "as 10s, 500ms or 5m");
                return;
            }
        } else {
            break;
        }
    }
    if (*p != ':') {
        problem(c, (int)(p - line) + 1, "expected ':' before the predicate");
        return;
    }
    p = skip_ws(p + 1);
    m->pred_text = strdup(p);
    m->index = is_step ? r->nsteps : r->nhistories;
    if (is_step)
        r->nsteps++;
    else
        r->nhistories++;
    c->last = m;
    /* The predicate is compiled when the rule ends, once every extract
     * line has named its fields. */
    m->pred_col = (int)(p - line) + 1;
}

/* extract [FIELD] /REGEX/[i] */
static void do_extract(rctx *c, const char *line, const char *rest)
{
    st_matcher *m = c->last;
    if (!m) {
        problem(c, 1, "extract must follow a step or history");
        return;
    }
    if (m->nextract >= 4) {
        problem(c, 1, "at most 4 extract lines per step");
        return;
    }
    st_extract *x = &m->extract[m->nextract];
    memset(x, 0, sizeof *x);
    x->source_field = ST_F_MESSAGE;
    const char *p = rest;
    if (*p != '/') {
        char fname[40];
        const char *e = word(p, fname, sizeof fname);
        st_field f = e ? st_field_lookup(fname, strlen(fname)) : ST_F_NONE;
        if (!e || f == ST_F_NONE) {
            problem(c, (int)(p - line) + 1, "expected an event field or "
                    "/regex/");
            return;
        }
        x->source_field = (int)f;
        p = skip_ws(e);
    }
    if (*p != '/') {
        problem(c, (int)(p - line) + 1, "expected /regex/");
        return;
    }
    const char *s = ++p;
    char *pat = malloc(strlen(s) + 1);
    size_t k = 0;
    if (!pat)
        return;
    while (*p && *p != '/') {
        if (*p == '\\' && p[1] == '/') {
            pat[k++] = '/';
            p += 2;
            continue;
        }
        pat[k++] = *p++;
    }
    pat[k] = 0;
    if (*p != '/') {
        problem(c, (int)(s - line), "regex has no closing '/'");
        free(pat);
        return;
    }
    uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    for (p++; *p && *p != ' '; p++) {
        if (*p == 'i')
            flags |= PCRE2_CASELESS;
        else if (*p == 's')
            flags |= PCRE2_DOTALL;
        else if (*p == 'm')
            flags |= PCRE2_MULTILINE;
        else {
            problem(c, (int)(p - line) + 1, "unknown regex flag '%c'", *p);
            free(pat);
            return;
        }
    }
    int ec;
    PCRE2_SIZE eo;
    x->re = pcre2_compile((PCRE2_SPTR)pat, k, flags, &ec, &eo, NULL);
    free(pat);
    if (!x->re) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(ec, msg, sizeof msg);
        problem(c, (int)(s - line) + 1 + (int)eo, "invalid regex: %s",
                (char *)msg);
        return;
    }
    pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE);  /* interpreter if no JIT */
    uint32_t count = 0, esize = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(x->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(x->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
    pcre2_pattern_info(x->re, PCRE2_INFO_NAMETABLE, &table);
    if (count == 0) {
        problem(c, (int)(s - line) + 1, "regex names no group: use "
                "(?<field>...)");
        pcre2_code_free(x->re);
        x->re = NULL;
        return;
    }
    for (uint32_t i = 0; i < count && x->ngroups < ST_RULE_MAX_FIELDS; i++) {
        const unsigned char *ent = table + i * esize;
        int num = (ent[0] << 8) | ent[1];
        const char *name = (const char *)ent + 2;
        int slot = field_slot(c->rule, name, 1);
        if (slot < 0) {
            problem(c, (int)(s - line) + 1, "too many fields");
            break;
        }
        x->group_num[x->ngroups] = num;
        x->group_slot[x->ngroups++] = slot;
    }
    m->nextract++;
}

/* Parses "field" or "fn(field)". */
static int parse_key(rctx *c, const char *line, const char *p, st_key_expr *k)
{
    char a[40], b[40];
    const char *e = word(p, a, sizeof a);
    if (!e) {
        problem(c, (int)(p - line) + 1, "expected a field or app(field)");
        return -1;
    }
    k->fn = ST_KEY_RAW;
    const char *fname = a;
    if (*e == '(') {
        const char *e2 = word(e + 1, b, sizeof b);
        if (!e2 || *e2 != ')') {
            problem(c, (int)(e - line) + 2, "expected field)");
            return -1;
        }
        if (!strcmp(a, "app")) k->fn = ST_KEY_APP;
        else if (!strcmp(a, "basename")) k->fn = ST_KEY_BASENAME;
        else if (!strcmp(a, "lower")) k->fn = ST_KEY_LOWER;
        else if (!strcmp(a, "dir")) k->fn = ST_KEY_DIR;
        else if (!strcmp(a, "appname")) k->fn = ST_KEY_APPNAME;
        else {
            problem(c, (int)(p - line) + 1, "unknown key function '%s' "
                    "(app, appname, basename, dir, lower)", a);
            return -1;
        }
        fname = b;
    }
    k->field = field_ref(c->rule, fname);
    if (k->field < 0) {
        problem(c, (int)(p - line) + 1, "unknown field '%s' (extract it "
                "first, or use an event field)", fname);
        return -1;
    }
    return 0;
}

/* Parses `[when COND]: "TEXT"` or `[when COND]` into a clause. */
static int clause_tail(rctx *c, const char *line, const char *p,
                       st_clause *cl, int want_text)
{
    cl->line = c->line;
    p = skip_ws(p);
    if (!strncmp(p, "when", 4) && (p[4] == ' ' || p[4] == '\t')) {
        const char *end;
        cl->when = parse_cond(c, skip_ws(p + 4),
                              (int)(skip_ws(p + 4) - line) + 1, &end);
        if (!cl->when)
            return -1;
        p = end;
    }
    p = skip_ws(p);
    if (want_text) {
        if (*p != ':') {
            problem(c, (int)(p - line) + 1, "expected ': \"text\"'");
            return -1;
        }
        p = skip_ws(p + 1);
        const char *q = quoted(p, &cl->text);
        if (!q) {
            problem(c, (int)(p - line) + 1, "expected a quoted text");
            return -1;
        }
        if (check_template(c, cl->text, (int)(p - line) + 2) < 0)
            return -1;
        p = skip_ws(q);
    }
    if (*p) {
        problem(c, (int)(p - line) + 1, "unexpected text: '%.20s'", p);
        return -1;
    }
    return 0;
}

/* ---- rules ------------------------------------------------------------- */

static void rule_free(st_rule *r)
{
    if (!r)
        return;
    st_matcher *ms[2] = {r->steps, r->histories};
    int ns[2] = {r->nsteps, r->nhistories};
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < ns[g]; i++) {
            st_pred_free(ms[g][i].pred);
            free(ms[g][i].pred_text);
            for (int x = 0; x < ms[g][i].nextract; x++)
                pcre2_code_free(ms[g][i].extract[x].re);
        }
    st_clause *cs[4] = {r->requires, r->reasons, r->verdicts, r->notes};
    int nc[4] = {r->nrequires, r->nreasons, r->nverdicts, r->nnotes};
    for (int g = 0; g < 4; g++)
        for (int i = 0; i < nc[g]; i++) {
            cond_free(cs[g][i].when);
            free(cs[g][i].text);
        }
    for (int i = 0; i < 4; i++)
        free(r->subject[i].text);
    for (int i = 0; i < r->nexamples; i++)
        free(r->examples[i].path);
    free(r->title);
    free(r->explain);
    free(r->file);
    free(r);
}

/* Finishes the rule being built: compiles predicates, checks what can only
 * be checked at the end, and adds it to the set (or drops it). */
static void end_rule(rctx *c, st_ruleset *set)
{
    st_rule *r = c->rule;
    if (!r)
        return;
    int saved = c->line;
    c->line = r->line;
    for (int i = 0; i < r->nsteps + r->nhistories; i++) {
        st_matcher *m = i < r->nsteps ? &r->steps[i]
                                      : &r->histories[i - r->nsteps];
        int col = m->pred_col;
        int sl = c->line;
        c->line = m->line;
        st_pred_opts o = {pred_resolve, r, r->regex_match_limit, 0};
        st_pred_error pe;
        m->pred = st_pred_compile_ex(m->pred_text, strlen(m->pred_text), &o,
                                     &pe);
        if (!m->pred)
            problem(c, pe.line > 1 ? pe.column : col + pe.column - 1, "%s",
                    pe.detail);
        c->line = sl;
        if (m->kind == ST_MATCHER_STEP && m->within_us < 0)
            m->within_us = r->window_us;
        if (m->kind == ST_MATCHER_STEP && m->within_us > r->window_us) {
            c->line = m->line;
            problem(c, 1, "step '%s' waits longer (within) than the rule's "
                    "window", m->name);
            c->line = sl;
        }
    }
    if (!c->rule_bad) {
        if (r->nsteps == 0)
            problem(c, 1, "rule '%s' has no step", r->id);
        else if (r->steps[0].optional || r->steps[0].before_us)
            problem(c, 1, "the first step of '%s' is the anchor: it cannot "
                    "be optional or look before itself", r->id);
        if (r->version <= 0)
            problem(c, 1, "rule '%s' needs `version N`", r->id);
        if (r->nverdicts == 0)
            problem(c, 1, "rule '%s' has no verdict", r->id);
        /* an unkeyed later step joins the newest open instance; an
         * unkeyed first step means one instance at a time */
        for (int i = 0; i < r->nhistories && !c->rule_bad; i++)
            if (r->histories[i].key.field < 0) {
                c->line = r->histories[i].line;
                problem(c, 1, "history '%s' needs a key", r->histories[i].name);
            }
    }
    c->line = saved;
    if (c->rule_bad) {
        set->errors++;
        rule_free(r);
    } else {
        st_rule **nr = realloc(set->rules, sizeof *nr * (size_t)(set->nrules + 1));
        if (nr) {
            set->rules = nr;
            set->rules[set->nrules++] = r;
        } else {
            rule_free(r);
        }
    }
    c->rule = NULL;
    c->last = NULL;
    c->rule_bad = 0;
}

/* Handles one logical line. */
static void do_line(rctx *c, st_ruleset *set, const char *line)
{
    const char *p = skip_ws(line);
    if (!*p || *p == '#')
        return;
    char kwd[24];
    const char *e = word(p, kwd, sizeof kwd);
    if (!e) {
        problem(c, (int)(p - line) + 1, "expected a keyword");
        return;
    }
    const char *rest = skip_ws(e);
    if (!strcmp(kwd, "rule")) {
        end_rule(c, set);
        st_rule *r = calloc(1, sizeof *r);
        if (!r)
            return;
        c->rule = r;
        r->line = c->line;
        r->file = strdup(c->file);
        r->window_us = 60000000LL;
        r->regex_match_limit = 100000;
        snprintf(r->level, sizeof r->level, "medium");
        if (!word(rest, r->id, sizeof r->id))
            problem(c, (int)(rest - line) + 1, "expected a rule id");
        for (int i = 0; i < set->nrules; i++)
            if (!strcmp(set->rules[i]->id, r->id))
                problem(c, (int)(rest - line) + 1, "rule '%s' is already "
                        "defined in %s:%d", r->id, set->rules[i]->file,
                        set->rules[i]->line);
        return;
    }
    st_rule *r = c->rule;
    if (!r) {
        problem(c, (int)(p - line) + 1, "expected `rule ID` first");
        return;
    }
    if (!strcmp(kwd, "version")) {
        char *end;
        long v = strtol(rest, &end, 10);
        if (end == rest || *skip_ws(end) || v <= 0 || v > 1000000)
            problem(c, (int)(rest - line) + 1, "expected a positive number");
        r->version = (int)v;
    } else if (!strcmp(kwd, "title")) {
        free(r->title);
        r->title = strdup(rest);
    } else if (!strcmp(kwd, "level")) {
        if (strcmp(rest, "info") && strcmp(rest, "low") &&
            strcmp(rest, "medium") && strcmp(rest, "high") &&
            strcmp(rest, "critical"))
            problem(c, (int)(rest - line) + 1, "expected info, low, medium,"
                    " high or critical");
        else
            snprintf(r->level, sizeof r->level, "%s", rest);
    } else if (!strcmp(kwd, "window")) {
        r->window_us = st_parse_duration(rest, strlen(rest));
        if (r->window_us <= 0)
            problem(c, (int)(rest - line) + 1, "expected a duration such as "
                    "30s");
    } else if (!strcmp(kwd, "match-limit")) {
        long v = strtol(rest, NULL, 10);
        if (v < 100 || v > 10000000)
            problem(c, (int)(rest - line) + 1, "expected 100..10000000");
        else
            r->regex_match_limit = (uint32_t)v;
    } else if (!strcmp(kwd, "step")) {
        do_matcher(c, line, rest, ST_MATCHER_STEP);
    } else if (!strcmp(kwd, "history")) {
        do_matcher(c, line, rest, ST_MATCHER_HISTORY);
    } else if (!strcmp(kwd, "extract")) {
        do_extract(c, line, rest);
    } else if (!strcmp(kwd, "key")) {
        if (!c->last)
            problem(c, 1, "key must follow a step or history");
        else
            parse_key(c, line, rest, &c->last->key);
    } else if (!strcmp(kwd, "lookup")) {
        if (r->nlookups >= 8) {
            problem(c, 1, "too many lookups");
            return;
        }
        st_lookup *l = &r->lookups[r->nlookups];
        memset(l, 0, sizeof *l);
        l->line = c->line;
        l->key.field = -1;
        const char *q = word(rest, l->name, sizeof l->name);
        st_cond_kind k;
        if (!q || *q != ':') {
            problem(c, (int)(rest - line) + 1, "expected NAME: KIND COLUMN ="
                    " KEY");
            return;
        }
        if (st_rule_find(r, l->name, &k) >= 0) {
            problem(c, (int)(rest - line) + 1, "'%s' is already defined",
                    l->name);
            return;
        }
        q = skip_ws(q + 1);
        q = word(q, l->kind, sizeof l->kind);
        if (!q) {
            problem(c, (int)(rest - line) + 1, "expected a record kind");
            return;
        }
        q = skip_ws(q);
        if (!word(q, l->column, sizeof l->column)) {
            problem(c, (int)(q - line) + 1, "expected a column");
            return;
        }
        const char *cols[] = {"path", "uuid", "bundle_id", "cdhash",
                              "team_id", "identifier", "data", "any"};
        int okc = 0;
        for (int i = 0; i < 8; i++)
            okc |= !strcmp(l->column, cols[i]);
        if (!okc) {
            problem(c, (int)(q - line) + 1, "column is one of path, uuid, "
                    "bundle_id, cdhash, team_id, identifier, data, any");
            return;
        }
        q = skip_ws(q + strlen(l->column));
        if (strcmp(l->column, "any")) {
            if (q[0] == '=' ) {
                l->op = '=';
                q++;
            } else if (q[0] == '^' && q[1] == '=') {
                l->op = '^';
                q += 2;
            } else if (q[0] == '~') {
                l->op = '~';
                q++;
            } else {
                problem(c, (int)(q - line) + 1, "expected = KEY, ^= KEY "
                        "(begins with) or ~ KEY (contains)");
                return;
            }
            if (!strcmp(l->column, "data") && l->op != '~') {
                problem(c, (int)(q - line) + 1, "data is searched with ~");
                return;
            }
            if (parse_key(c, line, skip_ws(q), &l->key) < 0)
                return;
        }
        r->nlookups++;
    } else if (!strcmp(kwd, "require")) {
        if (r->nrequires >= 8) {
            problem(c, 1, "too many require lines");
            return;
        }
        const char *end;
        st_cond *w = parse_cond(c, rest, (int)(rest - line) + 1, &end);
        if (w && *end) {
            problem(c, (int)(end - line) + 1, "unexpected text");
            cond_free(w);
            w = NULL;
        }
        if (w) {
            st_clause *cl = &r->requires[r->nrequires++];
            memset(cl, 0, sizeof *cl);
            cl->when = w;
            cl->line = c->line;
        }
    } else if (!strcmp(kwd, "reason") || !strcmp(kwd, "verdict")) {
        int is_reason = kwd[0] == 'r';
        st_clause *arr = is_reason ? r->reasons : r->verdicts;
        int *n = is_reason ? &r->nreasons : &r->nverdicts;
        if (*n >= (is_reason ? ST_RULE_MAX_CLAUSES : 16)) {
            problem(c, 1, "too many clauses");
            return;
        }
        st_clause *cl = &arr[*n];
        memset(cl, 0, sizeof *cl);
        const char *q = word(rest, cl->id, sizeof cl->id);
        if (!q) {
            problem(c, (int)(rest - line) + 1, "expected an id");
            return;
        }
        (*n)++;                /* freed with the rule even when bad */
        clause_tail(c, line, q, cl, is_reason);
    } else if (!strcmp(kwd, "note")) {
        if (r->nnotes >= 16) {
            problem(c, 1, "too many notes");
            return;
        }
        st_clause *cl = &r->notes[r->nnotes++];
        memset(cl, 0, sizeof *cl);
        clause_tail(c, line, rest, cl, 1);
    } else if (!strcmp(kwd, "subject")) {
        char what[16];
        const char *q = word(rest, what, sizeof what);
        const char *names[] = {"path", "pid", "bundle_id", "uuid"};
        int i;
        for (i = 0; i < 4 && q; i++)
            if (!strcmp(what, names[i]))
                break;
        if (!q || i == 4) {
            problem(c, (int)(rest - line) + 1, "expected path, pid, bundle_id"
                    " or uuid");
            return;
        }
        q = skip_ws(q);
        if (*q != '=') {
            problem(c, (int)(q - line) + 1, "expected '= \"template\"'");
            return;
        }
        q = skip_ws(q + 1);
        free(r->subject[i].text);
        r->subject[i].text = NULL;
        if (!quoted(q, &r->subject[i].text))
            problem(c, (int)(q - line) + 1, "expected a quoted template");
        else
            check_template(c, r->subject[i].text, (int)(q - line) + 2);
    } else if (!strcmp(kwd, "explain")) {
        free(r->explain);
        r->explain = NULL;
        if (!quoted(rest, &r->explain))
            problem(c, (int)(rest - line) + 1, "expected a quoted template");
        else
            check_template(c, r->explain, (int)(rest - line) + 2);
    } else if (!strcmp(kwd, "example")) {
        if (r->nexamples >= 8) {
            problem(c, 1, "too many examples");
            return;
        }
        char kind[16], path[512];
        const char *q = word(rest, kind, sizeof kind);
        if (!q || (strcmp(kind, "positive") && strcmp(kind, "negative"))) {
            problem(c, (int)(rest - line) + 1, "expected positive or "
                    "negative");
            return;
        }
        q = skip_ws(q);
        size_t k = 0;
        while (q[k] && q[k] != ' ' && k < sizeof path - 1)
            k++;
        if (!k) {
            problem(c, (int)(q - line) + 1, "expected a file name");
            return;
        }
        memcpy(path, q, k);
        path[k] = 0;
        /* counted before anything can fail, so a dropped rule frees it */
        st_rule_example *x = &r->examples[r->nexamples++];
        memset(x, 0, sizeof *x);
        x->positive = kind[0] == 'p';
        x->line = c->line;
        x->path = strdup(path);
        q = skip_ws(q + k);
        while (*q) {
            char w[16];
            const char *q2 = word(q, w, sizeof w);
            if (!q2) {
                problem(c, (int)(q - line) + 1, "expected verdict or reasons");
                return;
            }
            q2 = skip_ws(q2);
            size_t vk = 0;
            while (q2[vk] && q2[vk] != ' ')
                vk++;
            if (!strcmp(w, "verdict") && vk < sizeof x->verdict)
                memcpy(x->verdict, q2, vk);
            else if (!strcmp(w, "reasons") && vk < sizeof x->reasons)
                memcpy(x->reasons, q2, vk);
            else {
                problem(c, (int)(q - line) + 1, "expected verdict or "
                        "reasons");
                return;
            }
            q = skip_ws(q2 + vk);
        }
    } else {
        problem(c, (int)(p - line) + 1, "unknown keyword '%s'", kwd);
    }
}

int st_rules_load_file(st_ruleset *set, const char *path, const char *data,
                       size_t len, st_rule_diag diag, void *ctx)
{
    rctx c;
    memset(&c, 0, sizeof c);
    c.file = path;
    c.diag = diag;
    c.dctx = ctx;
    char *owned = NULL;
    if (!data) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            c.line = 0;
            problem(&c, 0, "cannot read: %s", strerror(errno));
            return c.errors;
        }
        owned = malloc(MAX_RULE_FILE + 1);
        len = owned ? fread(owned, 1, MAX_RULE_FILE + 1, f) : 0;
        fclose(f);
        if (!owned || len > MAX_RULE_FILE) {
            problem(&c, 0, "rule file too large (max 4 MB)");
            free(owned);
            return c.errors;
        }
        data = owned;
    }
    char *buf = malloc(MAX_LINE + 1);
    size_t bl = 0;
    int start_line = 1, lineno = 0;
    for (size_t i = 0; buf && i <= len; i++) {
        int eol = i == len || data[i] == '\n';
        if (!eol) {
            if (data[i] == '\0') {
                c.line = lineno + 1;
                problem(&c, (int)bl + 1, "NUL byte in rule file");
                break;
            }
            if (bl < MAX_LINE)
                buf[bl++] = data[i];
            continue;
        }
        lineno++;
        if (bl && buf[bl - 1] == '\r')
            bl--;
        if (bl && buf[bl - 1] == '\\' && i < len) {
            buf[bl - 1] = ' ';       /* continuation */
            continue;
        }
        buf[bl] = 0;
        c.line = start_line;
        do_line(&c, set, buf);
        bl = 0;
        start_line = lineno + 1;
        if (i == len)
            break;
    }
    c.line = lineno;
    end_rule(&c, set);
    free(buf);
    free(owned);
    return c.errors;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int st_rules_load_dir(st_ruleset *set, const char *dir, st_rule_diag diag,
                      void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (diag) {
            char msg[300];
            snprintf(msg, sizeof msg, "cannot open rules directory: %s",
                     strerror(errno));
            diag(ctx, dir, 0, 0, msg);
        }
        return 1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".rule")) {
            char **nn = realloc(names, sizeof *nn * (n + 1));
            if (!nn)
                break;
            names = nn;
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmpstr);
    int errors = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        errors += st_rules_load_file(set, path, NULL, 0, diag, ctx);
        free(names[i]);
    }
    free(names);
    return errors;
}

void st_ruleset_free(st_ruleset *set)
{
    for (int i = 0; i < set->nrules; i++)
        rule_free(set->rules[i]);
    free(set->rules);
    set->rules = NULL;
    set->nrules = 0;
}

const char *st_rules_default_dir(char *buf, size_t n)
{
    const char *env = getenv("SIGTRAIL_RULES");
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        return buf;
    }
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0) {
        snprintf(buf, n, "rules");
        return buf;
    }
    exe[k] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    snprintf(buf, n, "%s/rules", exe);
    if (access(buf, R_OK) != 0)
        snprintf(buf, n, "%s/../rules", exe);
    return buf;
}
