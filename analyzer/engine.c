/*
 * engine.c -- the rule engine runtime.  See engine.h for the semantics.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "multimatch.h"
#include "timeparse.h"

#define FIELD_EVENT_BASE ST_RULE_EVENT_FIELD
#define MAX_EVIDENCE 256          /* per instance; further repeats counted */
#define NBUCKETS 4096

/* ---- owned copies of event data --------------------------------------- */

static char *dupv(st_str v)
{
    if (!v.p)
        return NULL;
    char *s = malloc(v.n + 1);
    if (s) {
        memcpy(s, v.p, v.n);
        s[v.n] = 0;
    }
    return s;
}

/* Copies the parts of an event that findings quote, all strings in one
 * allocation (d->block, see evidence_free). */
static void evidence_from(st_evidence *d, const char *role, const st_event *e)
{
    memset(d, 0, sizeof *d);
    snprintf(d->role, sizeof d->role, "%s", role);
    d->event_id = e->id;
    d->source_id = e->source_id;
    d->line = e->line;
    d->has_time = (e->has & ST_HAS_TIME) != 0;
    d->time_us = e->time_us;
    d->off_min = e->utc_offset_min;
    d->has_pid = (e->has & ST_HAS_PID) != 0;
    d->pid = e->pid;
    const st_str *src[7] = {&e->process, &e->sender, &e->subsystem,
                            &e->category, &e->type, &e->message, &e->locator};
    char **dst[7] = {&d->process, &d->sender, &d->subsystem, &d->category,
                     &d->type, &d->message, &d->locator};
    size_t need = 0;
    for (int i = 0; i < 7; i++)
        if (src[i]->p)
            need += src[i]->n + 1;
    char *blk = malloc(need ? need : 1);
    d->block = blk;
    if (!blk)
        return;
    for (int i = 0; i < 7; i++) {
        if (!src[i]->p)
            continue;
        memcpy(blk, src[i]->p, src[i]->n);
        blk[src[i]->n] = 0;
        *dst[i] = blk;
        blk += src[i]->n + 1;
    }
}

/* Deep-copies one piece of evidence into one block. */
static void evidence_copy(st_evidence *d, const st_evidence *s)
{
    *d = *s;
    const char *src[7] = {s->process, s->sender, s->subsystem, s->category,
                          s->type, s->message, s->locator};
    char **dst[7] = {&d->process, &d->sender, &d->subsystem, &d->category,
                     &d->type, &d->message, &d->locator};
    size_t need = 0;
    for (int i = 0; i < 7; i++)
        if (src[i])
            need += strlen(src[i]) + 1;
    char *blk = malloc(need ? need : 1);
    d->block = blk;
    for (int i = 0; i < 7; i++) {
        *dst[i] = NULL;
        if (!src[i] || !blk)
            continue;
        size_t n = strlen(src[i]) + 1;
        memcpy(blk, src[i], n);
        *dst[i] = blk;
        blk += n;
    }
}

/* Frees the strings of one piece of evidence: event evidence owns one
 * block; record evidence (from lookups) owns message and locator. */
static void evidence_free(st_evidence *d)
{
    if (d->block) {
        free(d->block);
    } else {
        free(d->message);
        free(d->locator);
    }
    d->block = NULL;
}

/* ---- instances --------------------------------------------------------- */

typedef struct instance {
    struct instance *next;        /* bucket chain */
    struct instance *all_next, *all_prev;   /* rule's open list */
    const st_rule *rule;
    char *key;
    int64_t anchor_us, deadline_us, last_us;
    int count[ST_RULE_MAX_STEPS];
    int first_ev[ST_RULE_MAX_STEPS];        /* evidence index, -1 */
    char **vals;                  /* [nsteps * nfields], NULL until used */
    int hist_found[8];
    int hist_ev[8];
    st_evidence *ev;
    int nev, cap;
    int dropped_repeats;
} instance;

/* Each history remembers at most HIST_MAX keys; the oldest are forgotten
 * first (counted in stats), so memory does not grow with the input. */
#define HIST_MAX 65536

typedef struct hist_ent {
    struct hist_ent *next;
    struct hist_ent *fifo_next;   /* insertion order, for eviction */
    char *key;
    st_evidence ev;               /* most recent occurrence */
    st_evidence first;            /* first occurrence */
    int count;
} hist_ent;

/* A step match that no instance took yet, kept for `before` look-back. */
typedef struct early {
    const st_matcher *m;
    char *key;                    /* NULL for unkeyed steps */
    int64_t t;
    st_evidence ev;
    char *vals[ST_RULE_MAX_FIELDS];
    int used;
} early;
#define EARLY_MAX 128

typedef struct rule_rt {
    const st_rule *rule;
    pcre2_match_context *mc;      /* carries the rule's match limit */
    early early[EARLY_MAX];       /* ring of recent unattached matches */
    int early_next;
    instance *buckets[NBUCKETS];
    instance *open;               /* oldest first */
    instance *open_tail;
    hist_ent *hist[8][NBUCKETS];
    hist_ent *fifo_head[8], *fifo_tail[8];
    int nhist[8];
} rule_rt;

/* A matcher with its precomputed prefilter. */
typedef struct mref {
    rule_rt *rt;
    const st_matcher *m;
    st_pred_hint hint;
    int has_hint;
    int mm[ST_PRED_NEED_MAX];     /* literal ids in the engine's
                                     multimatch: the message must hold one
                                     of them (st_pred_needs) */
    int nmm;                      /* 0: no literal prefilter */
    int needs_open;               /* a later step without `before`: it can
                                     only join an open instance */
    int seq;                      /* registration order: rule, then step */
} mref;

struct st_engine {
    const st_ruleset *rules;
    const st_errcodes *codes;
    st_finding_fn on_finding;
    st_lookup_fn lookup;
    void *ctx;
    rule_rt *rts;
    int nrts;
    /* dispatch: matchers whose predicate requires `process == X` */
    struct pd { char *process; size_t len; mref *m; int n; } *by_proc;
    int nby_proc;
    mref *general;
    int ngeneral;
    /* general matchers by prefilter: those without literals are tried on
     * every event, the others only when one of their literals is found
     * (lit_gen[id] lists them by index into general) */
    int *gen_nolit, ngen_nolit;
    int **lit_gen, *nlit_gen, nlit_index;
    uint64_t *gen_stamp;          /* event that last collected each one */
    const mref **cand;            /* one event's candidates */
    int64_t clock_us;
    int64_t next_deadline_us;     /* earliest open deadline, INT64_MAX:
                                     none (expire skips until then) */
    int64_t slack_us;
    pcre2_match_data *md;         /* shared by all extractions */
    st_mm *mm;                    /* message literals of general matchers */
    uint64_t *mm_bits;            /* per event: which literals occur */
    int mm_words;
    st_engine_stats stats;
    int64_t open_now;
    /* reorder buffer (heap of owned events) when slack > 0 */
    st_event **heap;
    int nheap, capheap;
    int64_t newest_us;
    uint64_t seq;
};

static uint64_t hstr(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void instance_free(instance *in)
{
    if (in->vals) {
        int n = in->rule->nsteps * in->rule->nfields;
        for (int i = 0; i < n; i++)
            free(in->vals[i]);
        free(in->vals);
    }
    for (int i = 0; i < in->nev; i++)
        evidence_free(&in->ev[i]);
    free(in->ev);
    free(in->key);
    free(in);
}

/* Adds evidence to an instance (bounded); returns its index or -1. */
static int add_evidence(instance *in, const char *role, const st_event *e)
{
    if (in->nev >= MAX_EVIDENCE) {
        in->dropped_repeats++;
        return -1;
    }
    if (in->nev == in->cap) {
        int nc = in->cap ? in->cap * 2 : 8;
        st_evidence *n = realloc(in->ev, sizeof *n * (size_t)nc);
        if (!n)
            return -1;
        in->ev = n;
        in->cap = nc;
    }
    evidence_from(&in->ev[in->nev], role, e);
    return in->nev++;
}

/* ---- field access ------------------------------------------------------ */

/* Values extracted by a matcher's regexes, by rule field slot. */
typedef struct extracted {
    st_str v[ST_RULE_MAX_FIELDS];
    pcre2_match_data *md;
} extracted;

/* Runs a matcher's extract regexes over the event. */
static void run_extract(const st_matcher *m, const st_event *e,
                        extracted *x, pcre2_match_context *mc)
{
    for (int i = 0; i < m->nextract; i++) {
        const st_extract *ex = &m->extract[i];
        st_value v = {0};
        st_event_get(e, (st_field)ex->source_field, &v);
        if (v.kind != ST_V_STR || !ex->re)
            continue;
        int rc = pcre2_match(ex->re, (PCRE2_SPTR)v.s.p, v.s.n, 0, 0, x->md,
                             mc);
        if (rc <= 0)
            continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
        for (int g = 0; g < ex->ngroups; g++) {
            int num = ex->group_num[g];
            /* several extract lines may fill one field: the first wins */
            if (num >= rc || ov[2 * num] == PCRE2_UNSET ||
                x->v[ex->group_slot[g]].p)
                continue;
            x->v[ex->group_slot[g]] = (st_str){v.s.p + ov[2 * num],
                                               ov[2 * num + 1] - ov[2 * num]};
        }
    }
}

/* Getter for predicates that name extracted fields. */
typedef struct getctx {
    const st_event *e;
    const extracted *x;
} getctx;

static void get_field(void *c, int field, st_value *out)
{
    getctx *g = c;
    if (field >= ST_F__COUNT) {
        int slot = field - ST_F__COUNT;
        if (g->x && slot < ST_RULE_MAX_FIELDS && g->x->v[slot].p) {
            out->kind = ST_V_STR;
            out->s = g->x->v[slot];
        }
        return;
    }
    st_event_get(g->e, (st_field)field, out);
}

/* The key of a matcher for an event, as a view (NULL when missing). */
static st_str key_of(const st_matcher *m, const st_event *e,
                     const extracted *x, char *numbuf)
{
    int f = m->key.field;
    st_str v = ST_STR_NULL;
    if (f < 0)
        return ST_STR_LIT("");
    if (f < FIELD_EVENT_BASE) {
        v = x->v[f];
    } else {
        st_value val = {0};
        st_event_get(e, (st_field)(f - FIELD_EVENT_BASE), &val);
        if (val.kind == ST_V_STR)
            v = val.s;
        else if (val.kind == ST_V_INT)
            v = (st_str){numbuf, (size_t)snprintf(numbuf, 32, "%lld",
                                                  (long long)val.i)};
        else if (val.kind == ST_V_UINT)
            v = (st_str){numbuf, (size_t)snprintf(numbuf, 32, "%llu",
                                                  (unsigned long long)val.u)};
    }
    if (!v.p || v.n == 0)
        return ST_STR_NULL;
    return st_key_apply(m->key.fn, v);
}

/* Owned, NUL-terminated key (lower-cased for the lower() transform). */
static char *key_dup(const st_matcher *m, st_str k)
{
    char *s = dupv(k);
    if (s && m->key.fn == ST_KEY_LOWER)
        for (char *p = s; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p += 32;
    return s;
}

/* ---- engine setup ------------------------------------------------------ */

static int index_general(st_engine *e);

st_engine *st_engine_new(const st_ruleset *rules, const st_errcodes *codes,
                         st_finding_fn on_finding, st_lookup_fn lookup,
                         void *ctx)
{
    st_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->rules = rules;
    e->codes = codes;
    e->on_finding = on_finding;
    e->lookup = lookup;
    e->ctx = ctx;
    e->clock_us = INT64_MIN;
    e->next_deadline_us = INT64_MAX;
    e->newest_us = INT64_MIN;
    e->md = pcre2_match_data_create(ST_RULE_MAX_FIELDS + 1, NULL);
    e->nrts = rules->nrules;
    e->rts = calloc((size_t)(rules->nrules ? rules->nrules : 1),
                    sizeof *e->rts);
    if (!e->rts) {
        free(e);
        return NULL;
    }
    int nseq = 0;
    for (int r = 0; r < rules->nrules; r++) {
        rule_rt *rt = &e->rts[r];
        rt->rule = rules->rules[r];
        const st_rule *ru = rt->rule;
        rt->mc = pcre2_match_context_create(NULL);
        if (rt->mc)
            pcre2_set_match_limit(rt->mc, ru->regex_match_limit);
        for (int i = 0; i < ru->nsteps + ru->nhistories; i++) {
            const st_matcher *m = i < ru->nsteps ? &ru->steps[i]
                                                 : &ru->histories[i - ru->nsteps];
            mref mr = {rt, m, {0}, 0, {0}, 0,
                       m->kind == ST_MATCHER_STEP && m->index > 0 &&
                           !m->before_us,
                       nseq++};
            /* What the predicate requires of any event (st_pred_needs):
             * message literals go into the one-pass literal scan, a
             * process set sends the matcher to those processes only. */
            st_pred_need need;
            st_pred_needs(m->pred, &need);
            if (need.nlits && !e->mm)
                e->mm = st_mm_new();
            for (int k = 0; e->mm && k < need.nlits; k++) {
                int id = st_mm_add(e->mm, need.lits[k].p, need.lits[k].n);
                if (id < 0) {         /* automaton full: no prefilter */
                    mr.nmm = 0;
                    break;
                }
                mr.mm[mr.nmm++] = id;
            }
            /* without literals, the first hint on another field (say
             * subsystem == X) still saves most evaluations */
            st_pred_hint hs[8];
            size_t nh = m->pred ? st_pred_hints(m->pred, hs, 8) : 0;
            for (size_t h = 0; h < nh && h < 8 && !mr.nmm; h++)
                if (hs[h].field != ST_F_PROCESS) {
                    mr.hint = hs[h];
                    mr.has_hint = 1;
                    break;
                }
            if (need.nprocs == 0) {
                e->general = realloc(e->general, sizeof *e->general *
                                     (size_t)(e->ngeneral + 1));
                e->general[e->ngeneral++] = mr;
            }
            for (int k = 0; k < need.nprocs; k++) {
                int found = -1;
                for (int j = 0; j < e->nby_proc; j++)
                    if (e->by_proc[j].len == need.procs[k].n &&
                        !memcmp(e->by_proc[j].process, need.procs[k].p,
                                need.procs[k].n))
                        found = j;
                if (found < 0) {
                    e->by_proc = realloc(e->by_proc, sizeof *e->by_proc *
                                         (size_t)(e->nby_proc + 1));
                    found = e->nby_proc++;
                    e->by_proc[found] = (struct pd){dupv(need.procs[k]),
                                                    need.procs[k].n, NULL, 0};
                }
                struct pd *pd = &e->by_proc[found];
                /* a process named twice (IN {"a", "a"}, or two branches of
                 * an OR) must not make the matcher run twice per event */
                if (pd->n && pd->m[pd->n - 1].seq == mr.seq)
                    continue;
                pd->m = realloc(pd->m, sizeof *pd->m * (size_t)(pd->n + 1));
                pd->m[pd->n++] = mr;
            }
        }
    }
    if (e->mm && st_mm_build(e->mm) == 0) {
        e->mm_words = (st_mm_count(e->mm) + 63) / 64;
        e->mm_bits = calloc((size_t)e->mm_words, sizeof *e->mm_bits);
    }
    if (e->mm && !e->mm_bits) {
        /* no automaton after all: every matcher loses its literal
         * prefilter (and is evaluated in full) rather than its events */
        st_mm_free(e->mm);
        e->mm = NULL;
        e->mm_words = 0;
        for (int k = 0; k < e->ngeneral; k++)
            e->general[k].nmm = 0;
        for (int i = 0; i < e->nby_proc; i++)
            for (int k = 0; k < e->by_proc[i].n; k++)
                e->by_proc[i].m[k].nmm = 0;
    }
    if (index_general(e) < 0) {
        st_engine_free(e);
        return NULL;
    }
    return e;
}

/* Builds the literal index of the general matchers and the candidate
 * buffer (after every matcher is registered: general does not move any
 * more).  Returns 0, or -1 when out of memory. */
static int index_general(st_engine *e)
{
    int nlit = e->mm && e->mm_bits ? st_mm_count(e->mm) : 0;
    int total = e->ngeneral;
    for (int i = 0; i < e->nby_proc; i++)
        total += e->by_proc[i].n;
    e->gen_nolit = calloc((size_t)e->ngeneral + 1, sizeof *e->gen_nolit);
    e->gen_stamp = calloc((size_t)e->ngeneral + 1, sizeof *e->gen_stamp);
    e->lit_gen = calloc((size_t)nlit + 1, sizeof *e->lit_gen);
    e->nlit_gen = calloc((size_t)nlit + 1, sizeof *e->nlit_gen);
    e->cand = calloc((size_t)total + 1, sizeof *e->cand);
    e->nlit_index = e->lit_gen ? nlit : 0;
    if (!e->gen_nolit || !e->gen_stamp || !e->lit_gen || !e->nlit_gen ||
        !e->cand)
        return -1;
    for (int k = 0; k < e->ngeneral; k++) {
        const mref *mr = &e->general[k];
        if (!nlit || !mr->nmm) {
            e->gen_nolit[e->ngen_nolit++] = k;
            continue;
        }
        for (int i = 0; i < mr->nmm; i++) {
            int id = mr->mm[i];
            int *l = realloc(e->lit_gen[id], sizeof *l *
                             (size_t)(e->nlit_gen[id] + 1));
            if (!l)
                return -1;
            l[e->nlit_gen[id]++] = k;
            e->lit_gen[id] = l;
        }
    }
    return 0;
}

void st_engine_set_slack(st_engine *e, int64_t slack_us)
{
    e->slack_us = slack_us < 0 ? 0 : slack_us;
}

void st_engine_get_stats(const st_engine *e, st_engine_stats *out)
{
    *out = e->stats;
}

/* ---- deciding findings ------------------------------------------------- */

static const char *field_value(const instance *in, int ref, int step);

/* Evaluates a condition on an instance. */
static int cond_eval(const st_cond *c, const instance *in, const int *lk)
{
    if (!c)
        return 1;
    switch (c->kind) {
    case ST_C_TRUE: return 1;
    case ST_C_NOT: return !cond_eval(c->a, in, lk);
    case ST_C_AND: return cond_eval(c->a, in, lk) && cond_eval(c->b, in, lk);
    case ST_C_OR: return cond_eval(c->a, in, lk) || cond_eval(c->b, in, lk);
    case ST_C_STEP: return in->count[c->ref] > 0;
    case ST_C_HISTORY: return in->hist_found[c->ref];
    case ST_C_LOOKUP: return lk ? lk[c->ref] > 0 : 0;
    case ST_C_COUNT: {
        int64_t n = in->count[c->ref];
        switch (c->cmp) {
        case 'g': return n >= c->n;
        case 'l': return n <= c->n;
        case '>': return n > c->n;
        case '<': return n < c->n;
        default: return n == c->n;
        }
    }
    case ST_C_HAS: {
        const char *v = field_value(in, c->ref, -1);
        return v && *v;
    }
    case ST_C_FIELD_EQ:
    case ST_C_FIELD_CONTAINS:
        for (int s = 0; s < in->rule->nsteps; s++) {
            const char *v = field_value(in, c->ref, s);
            if (v && (c->kind == ST_C_FIELD_EQ ? !strcmp(v, c->text)
                                               : strstr(v, c->text) != NULL))
                return 1;
        }
        return 0;
    }
    return 0;
}

#define VAL(in, s, f) \
    ((in)->vals ? (in)->vals[(s) * (in)->rule->nfields + (f)] : NULL)

/* Value of a field for templates: step < 0 = first step that has it. */
static const char *field_value(const instance *in, int ref, int step)
{
    int from = step < 0 ? 0 : step, to = step < 0 ? in->rule->nsteps : step + 1;
    static __thread char num[32];
    for (int s = from; s < to; s++) {
        if (ref < FIELD_EVENT_BASE) {
            const char *v = VAL(in, s, ref);
            if (v)
                return v;
            continue;
        }
        if (in->first_ev[s] < 0)
            continue;
        const st_evidence *d = &in->ev[in->first_ev[s]];
        switch ((st_field)(ref - FIELD_EVENT_BASE)) {
        case ST_F_PROCESS: if (d->process) return d->process; break;
        case ST_F_SENDER: if (d->sender) return d->sender; break;
        case ST_F_SUBSYSTEM: if (d->subsystem) return d->subsystem; break;
        case ST_F_CATEGORY: if (d->category) return d->category; break;
        case ST_F_MESSAGE: if (d->message) return d->message; break;
        case ST_F_MESSAGE_TYPE: if (d->type) return d->type; break;
        case ST_F_PID:
            if (d->has_pid) {
                snprintf(num, sizeof num, "%lld", (long long)d->pid);
                return num;
            }
            break;
        default: break;
        }
    }
    return NULL;
}



/* Formats an evidence time in its original offset. */
static void ev_time(const st_evidence *d, char *buf, size_t n)
{
    if (d->has_time)
        st_format_logshow(d->time_us, d->off_min, buf, n);
    else
        snprintf(buf, n, "(no time)");
}

/* Renders a template with the instance's values. */
static char *render(const char *t, const instance *in, const st_finding *f,
                    const int *lk)
{
    st_buf b = {0};
    st_buf_add(&b, "", 0);
    const st_rule *r = in->rule;
    for (const char *p = t; p && *p;) {
        if (*p != '{') {
            const char *q = strchr(p, '{');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            st_buf_add(&b, p, n);
            p += n;
            continue;
        }
        const char *e = strchr(p, '}');
        if (!e)
            break;
        char ph[96];
        size_t n = (size_t)(e - p - 1);
        if (n >= sizeof ph)
            n = sizeof ph - 1;
        memcpy(ph, p + 1, n);
        ph[n] = 0;
        p = e + 1;
        char tmp[64];
        const char *val = NULL;
        char *paren = strchr(ph, '('), *dot = strchr(ph, '.');
        st_cond_kind k;
        if (paren) {
            ph[strlen(ph) - 1] = 0;
            *paren = 0;
            int idx = st_rule_find(r, paren + 1, &k);
            if (!strcmp(ph, "count") && idx >= 0 && k == ST_C_STEP) {
                snprintf(tmp, sizeof tmp, "%d", in->count[idx]);
                val = tmp;
            } else if (!strcmp(ph, "time") && idx >= 0) {
                const st_evidence *d = NULL;
                if (k == ST_C_STEP && in->first_ev[idx] >= 0)
                    d = &in->ev[in->first_ev[idx]];
                else if (k == ST_C_HISTORY && in->hist_ev[idx] >= 0)
                    d = &in->ev[in->hist_ev[idx]];
                if (d) {
                    ev_time(d, tmp, sizeof tmp);
                    val = tmp;
                }
            }
        } else if (dot) {
            *dot = 0;
            int idx = st_rule_find(r, ph, &k);
            const st_evidence *d = NULL;
            if (idx >= 0 && k == ST_C_STEP && in->first_ev[idx] >= 0)
                d = &in->ev[in->first_ev[idx]];
            else if (idx >= 0 && k == ST_C_HISTORY && in->hist_ev[idx] >= 0)
                d = &in->ev[in->hist_ev[idx]];
            if (!strcmp(dot + 1, "time") && d) {
                ev_time(d, tmp, sizeof tmp);
                val = tmp;
            } else if (!strcmp(dot + 1, "line") && d) {
                snprintf(tmp, sizeof tmp, "%lld", (long long)d->line);
                val = tmp;
            } else if (idx >= 0 && k == ST_C_STEP) {
                val = field_value(in, st_rule_field_ref(r, dot + 1), idx);
            } else if (d) {
                int ref = st_rule_field_ref(r, dot + 1);
                if (ref == FIELD_EVENT_BASE + ST_F_PROCESS) val = d->process;
                else if (ref == FIELD_EVENT_BASE + ST_F_MESSAGE) val = d->message;
            }
        } else if (!strcmp(ph, "rule")) {
            val = r->id;
        } else if (!strcmp(ph, "verdict")) {
            val = f ? f->verdict : NULL;
        } else if (!strcmp(ph, "codes") || !strcmp(ph, "code_names")) {
            st_buf cb = {0};
            st_buf_add(&cb, "", 0);
            for (int i = 0; f && i < f->ncodes; i++) {
                char one[256];
                if (f->codes[i].name)
                    snprintf(one, sizeof one, "%s%s (%d)%s%d x, reported by "
                             "%s", i ? "; " : "", f->codes[i].name,
                             f->codes[i].code, ": ", f->codes[i].count,
                             f->codes[i].reporters);
                else
                    snprintf(one, sizeof one, "%s%d: %d x, reported by %s",
                             i ? "; " : "", f->codes[i].code,
                             f->codes[i].count, f->codes[i].reporters);
                if (!strcmp(ph, "code_names") && f->codes[i].name)
                    snprintf(one, sizeof one, "%s%s", i ? ", " : "",
                             f->codes[i].name);
                else if (!strcmp(ph, "code_names"))
                    snprintf(one, sizeof one, "%s%d", i ? ", " : "",
                             f->codes[i].code);
                st_buf_str(&cb, one);
            }
            st_buf_str(&b, cb.n ? cb.p : "none");
            free(cb.p);
            continue;
        } else {
            val = field_value(in, st_rule_field_ref(r, ph), -1);
        }
        (void)lk;
        st_buf_str(&b, val ? val : "(unknown)");
    }
    return b.p;
}

/* Adds each error code mentioned in the evidence messages to f. */
typedef struct codectx {
    st_finding *f;
    const char *reporter;
} codectx;

static int on_code(const st_errcode_hit *h, void *c)
{
    codectx *cc = c;
    st_finding *f = cc->f;
    int i;
    for (i = 0; i < f->ncodes; i++)
        if (f->codes[i].code == h->code)
            break;
    if (i == f->ncodes) {
        if (f->ncodes == 32)
            return 0;
        f->ncodes++;
        memset(&f->codes[i], 0, sizeof f->codes[i]);
        f->codes[i].code = h->code;
        f->codes[i].name = h->row && h->row->name[0] ? h->row->name : NULL;
    }
    f->codes[i].count++;
    if (cc->reporter && !strstr(f->codes[i].reporters, cc->reporter)) {
        size_t l = strlen(f->codes[i].reporters);
        snprintf(f->codes[i].reporters + l, sizeof f->codes[i].reporters - l,
                 "%s%s", l ? ", " : "", cc->reporter);
    }
    return 0;
}

/* Collects the evidence indexes a condition refers to (positively). */
static void cond_refs(const st_cond *c, const instance *in,
                      const int *lk_first, const int *lk_count, st_reason *rs,
                      int neg)
{
    if (!c)
        return;
    switch (c->kind) {
    case ST_C_NOT: cond_refs(c->a, in, lk_first, lk_count, rs, !neg); return;
    case ST_C_AND:
    case ST_C_OR:
        cond_refs(c->a, in, lk_first, lk_count, rs, neg);
        cond_refs(c->b, in, lk_first, lk_count, rs, neg);
        return;
    default: break;
    }
    if (neg)
        return;
    if (c->kind == ST_C_STEP || c->kind == ST_C_COUNT) {
        const char *name = in->rule->steps[c->ref].name;
        for (int i = 0; i < in->nev && rs->nev < 32; i++)
            if (!strcmp(in->ev[i].role, name))
                rs->ev[rs->nev++] = i;
    } else if (c->kind == ST_C_HISTORY && in->hist_ev[c->ref] >= 0 &&
               rs->nev < 32) {
        rs->ev[rs->nev++] = in->hist_ev[c->ref];
    } else if (c->kind == ST_C_LOOKUP && lk_first[c->ref] >= 0) {
        for (int i = 0; i < lk_count[c->ref] && rs->nev < 32; i++)
            rs->ev[rs->nev++] = lk_first[c->ref] + i;
    }
}

/* Decides an instance: emits a finding when its conditions hold. */
static void decide(st_engine *e, instance *in)
{
    const st_rule *r = in->rule;
    for (int s = 0; s < r->nsteps; s++)
        if (!r->steps[s].optional && in->count[s] == 0)
            return;                       /* sequence incomplete */
    int lk[8] = {0}, lk_first[8], lk_count[8] = {0};
    for (int i = 0; i < 8; i++)
        lk_first[i] = -1;
    for (int i = 0; i < r->nrequires; i++)
        if (!cond_eval(r->requires[i].when, in, NULL))
            return;
    /* lookups: records become evidence too */
    for (int l = 0; l < r->nlookups && e->lookup; l++) {
        const st_lookup *lu = &r->lookups[l];
        const char *kv = NULL;
        if (strcmp(lu->column, "any")) {
            kv = field_value(in, lu->key.field, -1);
            if (!kv)
                continue;
        }
        st_str key = kv ? st_key_apply(lu->key.fn, (st_str){kv, strlen(kv)})
                        : ST_STR_NULL;
        st_lookup_hit hits[8];
        int n = e->lookup(e->ctx, lu->kind, lu->column, lu->op, key, hits,
                          8);
        lk[l] = n > 0 ? n : 0;
        /* "any" only asks whether such evidence was collected: its records
         * say nothing about this subject and are not cited */
        int cite = strcmp(lu->column, "any") != 0;
        for (int h = 0; cite && h < n && h < 8; h++) {
            if (in->nev == in->cap) {
                int nc = in->cap ? in->cap * 2 : 8;
                st_evidence *ne = realloc(in->ev, sizeof *ne * (size_t)nc);
                if (!ne)
                    break;
                in->ev = ne;
                in->cap = nc;
            }
            st_evidence *d = &in->ev[in->nev];
            memset(d, 0, sizeof *d);
            snprintf(d->role, sizeof d->role, "%s", lu->name);
            d->record_id = hits[h].record_id;
            d->source_id = hits[h].source_id;
            d->has_time = hits[h].has_time;
            d->time_us = hits[h].time_us;
            d->locator = strdup(hits[h].locator);
            d->message = strdup(hits[h].summary);
            if (lk_first[l] < 0)
                lk_first[l] = in->nev;
            lk_count[l]++;
            in->nev++;
        }
    }
    const char *verdict = NULL;
    for (int i = 0; i < r->nverdicts && !verdict; i++)
        if (cond_eval(r->verdicts[i].when, in, lk))
            verdict = r->verdicts[i].id;
    if (!verdict)
        return;
    st_finding *f = calloc(1, sizeof *f);
    if (!f)
        return;
    f->rule = r;
    f->verdict = verdict;
    f->ev = in->ev;
    f->nev = in->nev;
    f->first_us = in->anchor_us;
    f->last_us = in->last_us;
    f->emitted_us = e->clock_us;
    for (int i = 0; i < in->nev; i++) {
        if (in->ev[i].record_id || !in->ev[i].message || !e->codes)
            continue;
        codectx cc = {f, in->ev[i].process};
        st_errcodes_scan(e->codes, in->ev[i].message,
                         strlen(in->ev[i].message), on_code, &cc);
    }
    for (int i = 0; i < r->nreasons; i++) {
        if (!cond_eval(r->reasons[i].when, in, lk))
            continue;
        st_reason *rs = &f->reasons[f->nreasons++];
        rs->id = r->reasons[i].id;
        rs->text = render(r->reasons[i].text, in, f, lk);
        cond_refs(r->reasons[i].when, in, lk_first, lk_count, rs, 0);
    }
    for (int i = 0; i < r->nnotes; i++)
        if (cond_eval(r->notes[i].when, in, lk))
            f->notes[f->nnotes++] = render(r->notes[i].text, in, f, lk);
    if (r->subject[0].text)
        f->subject_path = render(r->subject[0].text, in, f, lk);
    if (r->subject[1].text) {
        char *pid = render(r->subject[1].text, in, f, lk);
        char *end;
        long long v = strtoll(pid, &end, 10);
        if (end != pid && !*end) {
            f->subject_pid = v;
            f->has_pid = 1;
        }
        free(pid);
    }
    if (r->subject[2].text)
        f->subject_bundle = render(r->subject[2].text, in, f, lk);
    if (r->subject[3].text)
        f->subject_uuid = render(r->subject[3].text, in, f, lk);
    f->explanation = render(r->explain ? r->explain : r->title, in, f, lk);
    e->stats.findings++;
    if (e->on_finding)
        e->on_finding(e->ctx, f);
    for (int i = 0; i < f->nreasons; i++)
        free(f->reasons[i].text);
    for (int i = 0; i < f->nnotes; i++)
        free(f->notes[i]);
    free(f->subject_path);
    free(f->subject_bundle);
    free(f->subject_uuid);
    free(f->explanation);
    free(f);
}

/* Unlinks an instance from its rule's structures, decides it, frees it. */
static void close_instance(st_engine *e, rule_rt *rt, instance *in)
{
    uint64_t h = hstr(in->key) % NBUCKETS;
    for (instance **pp = &rt->buckets[h]; *pp; pp = &(*pp)->next)
        if (*pp == in) {
            *pp = in->next;
            break;
        }
    if (in->all_prev)
        in->all_prev->all_next = in->all_next;
    else
        rt->open = in->all_next;
    if (in->all_next)
        in->all_next->all_prev = in->all_prev;
    else
        rt->open_tail = in->all_prev;
    e->open_now--;
    decide(e, in);
    instance_free(in);
}

/* Decides every instance whose window has passed the clock.  Instances
 * are listed in anchor order and share their rule's window, so deadlines
 * are sorted: stop at the first one still open. */
static void expire(st_engine *e, int64_t clock)
{
    /* Most clock ticks pass no deadline; visiting every rule's list
     * anyway was measured at a sixth of the engine's time (one cache miss
     * per rule per tick). */
    if (e->next_deadline_us >= clock)
        return;
    int64_t next = INT64_MAX;
    for (int r = 0; r < e->nrts; r++) {
        rule_rt *rt = &e->rts[r];
        while (rt->open && rt->open->deadline_us < clock)
            close_instance(e, rt, rt->open);
        if (rt->open && rt->open->deadline_us < next)
            next = rt->open->deadline_us;
    }
    e->next_deadline_us = next;
}

/* True when every step (optional ones too) has matched. */
static int all_matched(const instance *in)
{
    for (int s = 0; s < in->rule->nsteps; s++)
        if (in->count[s] == 0)
            return 0;
    return 1;
}

/* Slot of step s, field f in the instance's value table (allocated on
 * first use); NULL when out of memory. */
static char **val_slot(instance *in, int s, int f)
{
    if (!in->vals) {
        int n = in->rule->nsteps * in->rule->nfields;
        in->vals = calloc((size_t)(n ? n : 1), sizeof *in->vals);
        if (!in->vals)
            return NULL;
    }
    return &in->vals[s * in->rule->nfields + f];
}

/* Copies the extracted values of a step into the instance (first wins). */
static void keep_values(instance *in, int step, const extracted *x)
{
    for (int f = 0; f < in->rule->nfields; f++) {
        if (!x->v[f].p)
            continue;
        char **slot = val_slot(in, step, f);
        if (slot && !*slot)
            *slot = dupv(x->v[f]);
    }
}

static void early_clear(early *x)
{
    if (!x->m)
        return;
    evidence_free(&x->ev);
    free(x->key);
    for (int f = 0; f < ST_RULE_MAX_FIELDS; f++)
        free(x->vals[f]);
    memset(x, 0, sizeof *x);
}

/* Remembers a step match no instance took, for a later anchor to claim. */
static void early_keep(rule_rt *rt, const st_matcher *m, const char *key,
                       const st_event *ev, const extracted *x)
{
    early *e = &rt->early[rt->early_next];
    rt->early_next = (rt->early_next + 1) % EARLY_MAX;
    early_clear(e);
    e->m = m;
    e->key = key ? strdup(key) : NULL;
    e->t = ev->time_us;
    evidence_from(&e->ev, m->name, ev);
    for (int f = 0; f < rt->rule->nfields; f++)
        if (x->v[f].p)
            e->vals[f] = dupv(x->v[f]);
}

/* Lets a new instance claim earlier matches within their `before`. */
static void early_claim(rule_rt *rt, instance *in)
{
    for (int i = 0; i < EARLY_MAX; i++) {
        early *e = &rt->early[i];
        if (!e->m || e->t > in->anchor_us ||
            e->t < in->anchor_us - e->m->before_us)
            continue;
        if (e->key && strcmp(e->key, in->key))
            continue;
        int s = e->m->index;
        if (in->nev >= MAX_EVIDENCE)
            break;
        if (in->nev == in->cap) {
            st_evidence *ne = realloc(in->ev, sizeof *ne * (size_t)(in->cap * 2));
            if (!ne)
                break;
            in->ev = ne;
            in->cap *= 2;
        }
        evidence_copy(&in->ev[in->nev], &e->ev);
        if (in->count[s]++ == 0) {
            in->first_ev[s] = in->nev;
            for (int f = 0; f < rt->rule->nfields; f++) {
                if (!e->vals[f])
                    continue;
                char **slot = val_slot(in, s, f);
                if (slot && !*slot)
                    *slot = strdup(e->vals[f]);
            }
        }
        in->nev++;
        early_clear(e);
    }
}

/* A step matched event ev with key k: open or extend instances. */
static void on_step(st_engine *e, rule_rt *rt, const st_matcher *m,
                    const st_event *ev, st_str key, const extracted *x)
{
    const st_rule *r = rt->rule;
    char *k = key_dup(m, key);
    if (!k)
        return;
    uint64_t h = hstr(k) % NBUCKETS;
    int64_t t = ev->time_us;
    if (m->index == 0) {
        /* a repeated anchor joins the open instance that has not moved on */
        for (instance *in = rt->buckets[h]; in; in = in->next) {
            if (strcmp(in->key, k))
                continue;
            int moved = 0;
            for (int s = 1; s < r->nsteps; s++)
                moved |= in->count[s] > 0;
            if (!moved && t <= in->deadline_us) {
                in->count[0]++;
                add_evidence(in, m->name, ev);
                in->last_us = t;
                free(k);
                return;
            }
        }
        instance *in = calloc(1, sizeof *in);
        if (!in) {
            free(k);
            return;
        }
        in->rule = r;
        in->key = k;
        in->anchor_us = t;
        in->last_us = t;
        in->deadline_us = t + r->window_us;
        for (int s = 0; s < ST_RULE_MAX_STEPS; s++)
            in->first_ev[s] = -1;
        for (int i = 0; i < 8; i++)
            in->hist_ev[i] = -1;
        in->count[0] = 1;
        in->first_ev[0] = add_evidence(in, m->name, ev);
        keep_values(in, 0, x);
        /* histories: only what happened before this anchor, looked up
         * with each history's own key expression on the anchor's values */
        for (int i = 0; i < r->nhistories; i++) {
            const st_matcher *hm = &r->histories[i];
            const char *fv = field_value(in, hm->key.field, 0);
            if (!fv)
                continue;
            st_str hk = st_key_apply(hm->key.fn, (st_str){fv, strlen(fv)});
            char *hks = key_dup(hm, hk);
            if (!hks)
                continue;
            uint64_t hh = hstr(hks) % NBUCKETS;
            for (hist_ent *he = rt->hist[i][hh]; he; he = he->next) {
                if (strcmp(he->key, hks))
                    continue;
                /* `older`: only occurrences far enough before the anchor
                 * count (a launch's own lines are not an earlier launch) */
                const st_evidence *src = &he->ev;
                int64_t limit = t - hm->older_us;
                if (hm->older_us > 0 && src->time_us > limit)
                    src = he->first.time_us <= limit ? &he->first : NULL;
                if (!src)
                    break;
                in->hist_found[i] = he->count;
                if (in->nev < MAX_EVIDENCE && in->nev < in->cap) {
                    in->hist_ev[i] = in->nev;
                    evidence_copy(&in->ev[in->nev++], src);
                } else if (in->nev < MAX_EVIDENCE) {
                    st_evidence *ne = realloc(in->ev, sizeof *ne *
                                              (size_t)(in->cap * 2));
                    if (ne) {
                        in->ev = ne;
                        in->cap *= 2;
                        in->hist_ev[i] = in->nev;
                        evidence_copy(&in->ev[in->nev++], src);
                    }
                }
                break;
            }
            free(hks);
        }
        early_claim(rt, in);
        in->next = rt->buckets[h];
        rt->buckets[h] = in;
        in->all_prev = rt->open_tail;
        if (rt->open_tail)
            rt->open_tail->all_next = in;
        else
            rt->open = in;
        rt->open_tail = in;
        if (in->deadline_us < e->next_deadline_us)
            e->next_deadline_us = in->deadline_us;
        e->stats.instances++;
        if (++e->open_now > e->stats.open_instances_peak)
            e->stats.open_instances_peak = e->open_now;
        if (all_matched(in))
            close_instance(e, rt, in);
        return;
    }
    /* a later step joins the newest open instance that can take it; an
     * unkeyed step may join any instance of the rule.  Both lists run
     * newest first (bucket chains are prepended in time order), so the
     * first instance that fits is the one, and once the step's window is
     * exceeded every older instance is out of reach too. */
    instance *best = NULL;
    int unkeyed = m->key.field < 0;
    for (instance *in = unkeyed ? rt->open_tail : rt->buckets[h]; in;
         in = unkeyed ? in->all_prev : in->next) {
        if (t > in->anchor_us + m->within_us)
            break;
        if ((!unkeyed && strcmp(in->key, k)) || t < in->anchor_us)
            continue;
        int ok = 1;
        for (int s = 1; s < m->index && ok; s++)
            if (!r->steps[s].optional && in->count[s] == 0)
                ok = 0;
        if (ok) {
            best = in;
            break;
        }
    }
    if (!best) {
        if (m->before_us > 0)
            early_keep(rt, m, unkeyed ? NULL : k, ev, x);
        free(k);
        return;
    }
    free(k);
    if (best->count[m->index]++ == 0) {
        best->first_ev[m->index] = add_evidence(best, m->name, ev);
        keep_values(best, m->index, x);
    } else {
        add_evidence(best, m->name, ev);
    }
    if (t > best->last_us)
        best->last_us = t;
    if (all_matched(best))
        close_instance(e, rt, best);
}

/* Records an event matching a history into the rule's history set. */
static void on_history(rule_rt *rt, const st_matcher *m, const st_event *ev,
                       st_str key, int64_t *evicted)
{
    char *k = key_dup(m, key);
    if (!k)
        return;
    uint64_t h = hstr(k) % NBUCKETS;
    for (hist_ent *he = rt->hist[m->index][h]; he; he = he->next)
        if (!strcmp(he->key, k)) {
            he->count++;
            evidence_free(&he->ev);
            evidence_from(&he->ev, m->name, ev);
            free(k);
            return;
        }
    int hi = m->index;
    if (rt->nhist[hi] >= HIST_MAX) {
        /* forget the oldest key */
        hist_ent *old = rt->fifo_head[hi];
        uint64_t oh = hstr(old->key) % NBUCKETS;
        for (hist_ent **pp = &rt->hist[hi][oh]; *pp; pp = &(*pp)->next)
            if (*pp == old) {
                *pp = old->next;
                break;
            }
        rt->fifo_head[hi] = old->fifo_next;
        if (!rt->fifo_head[hi])
            rt->fifo_tail[hi] = NULL;
        evidence_free(&old->ev);
        evidence_free(&old->first);
        free(old->key);
        free(old);
        rt->nhist[hi]--;
        (*evicted)++;
    }
    hist_ent *he = calloc(1, sizeof *he);
    if (!he) {
        free(k);
        return;
    }
    he->key = k;
    he->count = 1;
    evidence_from(&he->ev, m->name, ev);
    evidence_from(&he->first, m->name, ev);
    he->next = rt->hist[hi][h];
    rt->hist[hi][h] = he;
    if (rt->fifo_tail[hi])
        rt->fifo_tail[hi]->fifo_next = he;
    else
        rt->fifo_head[hi] = he;
    rt->fifo_tail[hi] = he;
    rt->nhist[hi]++;
}

/* Tests one matcher against an event and acts on a match.  Histories are
 * queued to run after the steps so an event is never its own history. */
typedef struct pending_hist {
    const mref *mr;
    char *key;                /* owned copy: views die with the extraction */
} pending_hist;

static void try_matcher(st_engine *e, const mref *mr, const st_event *ev,
                        extracted *x, pending_hist *ph, int *nph)
{
    const st_matcher *m = mr->m;
    if (!m->pred)
        return;
    /* a later step can only join an open instance (or wait, with before) */
    if (m->kind == ST_MATCHER_STEP && m->index > 0 && !mr->rt->open &&
        !m->before_us)
        return;
    /* (the literal prefilter, mm, was tested by the caller) */
    if (!mr->nmm && mr->has_hint) {
        st_value v = {0};
        if (mr->hint.field < ST_F__COUNT) {
            st_event_get(ev, (st_field)mr->hint.field, &v);
            if (!st_pred_hint_test(&mr->hint, &v))
                return;
        }
    }
    memset(x->v, 0, sizeof x->v[0] * (size_t)mr->rt->rule->nfields);
    if (m->nextract)
        run_extract(m, ev, x, mr->rt->mc);
    getctx g = {ev, x};
    e->stats.predicate_evals++;
    if (!st_pred_eval(m->pred, get_field, &g))
        return;
    char num[32];
    st_str key = key_of(m, ev, x, num);
    if (!key.p)
        return;                   /* keyed step without a key value */
    if (m->kind == ST_MATCHER_STEP) {
        on_step(e, mr->rt, m, ev, key, x);
    } else if (*nph < 64) {
        ph[*nph].mr = mr;
        ph[*nph].key = dupv(key);
        if (ph[*nph].key)
            (*nph)++;
    }
}

/* False when none of the matcher's message literals (its prefilter) is in
 * the event scanned into e->mm_bits.  Tested from the compact mref array
 * before anything else: most candidates fail here, and reaching their
 * st_matcher first was measured as a cache miss per candidate. */
static inline int literal_present(const st_engine *e, const mref *mr)
{
    if (!mr->nmm)
        return 1;
    for (int i = 0; i < mr->nmm; i++)
        if ((e->mm_bits[mr->mm[i] >> 6] >> (mr->mm[i] & 63)) & 1)
            return 1;
    return 0;
}

/* False for a step that can only join an open instance while its rule
 * has none. */
static inline int can_join(const mref *mr)
{
    return !mr->needs_open || mr->rt->open;
}

/* Whether the matcher can do anything with this event at all: its literal
 * is there, and it can join. */
static inline int candidate(const st_engine *e, const mref *mr)
{
    return literal_present(e, mr) && can_join(mr);
}

/* Runs every candidate matcher on one event (already in time order). */
static void process(st_engine *e, const st_event *ev)
{
    if (ev->has & ST_HAS_TIME) {
        if (ev->time_us > e->clock_us) {
            expire(e, ev->time_us);
            e->clock_us = ev->time_us;
        }
    } else {
        return;                    /* untimed events cannot be correlated */
    }
    e->stats.events++;
    extracted x;                  /* try_matcher clears the fields it uses */
    x.md = e->md;
    pending_hist ph[64];
    int nph = 0;
    if (e->mm && e->mm_bits) {
        memset(e->mm_bits, 0, sizeof *e->mm_bits * (size_t)e->mm_words);
        if (ev->message.p)
            st_mm_scan(e->mm, ev->message.p, ev->message.n, e->mm_bits);
    }
    /* the matchers of this event's process and the general ones, merged
     * in registration order (rule order, then step order) */
    const mref *pm = NULL;
    int np = 0;
    if (ev->process.p)
        for (int i = 0; i < e->nby_proc; i++) {
            const struct pd *pd = &e->by_proc[i];
            if (pd->len == ev->process.n &&
                !memcmp(pd->process, ev->process.p, ev->process.n)) {
                pm = pd->m;
                np = pd->n;
                break;
            }
        }
    int nc = 0;
    for (int i = 0; i < np; i++)
        if (candidate(e, &pm[i]))
            e->cand[nc++] = &pm[i];
    for (int i = 0; i < e->ngen_nolit; i++) {
        const mref *mr = &e->general[e->gen_nolit[i]];
        if (can_join(mr))
            e->cand[nc++] = mr;
    }
    /* general matchers of the literals found, each once per event */
    uint64_t stamp = (uint64_t)e->stats.events;
    for (int w = 0; w < e->mm_words && e->lit_gen; w++)
        for (uint64_t b = e->mm_bits[w]; b; b &= b - 1) {
            int id = w * 64 + __builtin_ctzll(b);
            for (int i = 0; i < e->nlit_gen[id]; i++) {
                int k = e->lit_gen[id][i];
                const mref *mr = &e->general[k];
                if (e->gen_stamp[k] == stamp)
                    continue;
                e->gen_stamp[k] = stamp;
                if (can_join(mr))
                    e->cand[nc++] = mr;
            }
        }
    /* in registration order: few candidates, insertion sort */
    for (int i = 1; i < nc; i++) {
        const mref *c = e->cand[i];
        int j = i;
        while (j > 0 && e->cand[j - 1]->seq > c->seq) {
            e->cand[j] = e->cand[j - 1];
            j--;
        }
        e->cand[j] = c;
    }
    for (int i = 0; i < nc; i++)
        try_matcher(e, e->cand[i], ev, &x, ph, &nph);
    for (int i = 0; i < nph; i++) {
        on_history(ph[i].mr->rt, ph[i].mr->m, ev,
                   (st_str){ph[i].key, strlen(ph[i].key)},
                   &e->stats.history_evicted);
        free(ph[i].key);
    }
}

/* ---- reorder buffer ---------------------------------------------------- */

static int earlier(const st_event *a, const st_event *b)
{
    if (a->time_us != b->time_us)
        return a->time_us < b->time_us;
    return a->id < b->id;
}

static void heap_push(st_engine *e, st_event *ev)
{
    if (e->nheap == e->capheap) {
        int nc = e->capheap ? e->capheap * 2 : 256;
        st_event **n = realloc(e->heap, sizeof *n * (size_t)nc);
        if (!n)
            return;
        e->heap = n;
        e->capheap = nc;
    }
    int i = e->nheap++;
    e->heap[i] = ev;
    while (i && earlier(e->heap[i], e->heap[(i - 1) / 2])) {
        st_event *t = e->heap[i];
        e->heap[i] = e->heap[(i - 1) / 2];
        e->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static st_event *heap_pop(st_engine *e)
{
    st_event *top = e->heap[0];
    e->heap[0] = e->heap[--e->nheap];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->nheap && earlier(e->heap[l], e->heap[m])) m = l;
        if (r < e->nheap && earlier(e->heap[r], e->heap[m])) m = r;
        if (m == i)
            break;
        st_event *t = e->heap[i];
        e->heap[i] = e->heap[m];
        e->heap[m] = t;
        i = m;
    }
    return top;
}

/* Deep-copies an event into one allocation. */
static st_event *event_clone(const st_event *ev)
{
    st_str *f[] = {(st_str *)&ev->process, (st_str *)&ev->sender,
                   (st_str *)&ev->subsystem, (st_str *)&ev->category,
                   (st_str *)&ev->type, (st_str *)&ev->message,
                   (st_str *)&ev->locator, (st_str *)&ev->process_path,
                   (st_str *)&ev->sender_path, (st_str *)&ev->event_type,
                   (st_str *)&ev->format_string, (st_str *)&ev->time_text};
    size_t nf = sizeof f / sizeof *f, need = sizeof(st_event);
    for (size_t i = 0; i < nf; i++)
        need += f[i]->p ? f[i]->n : 0;
    st_event *c = malloc(need);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->id = ev->id;
    c->source_id = ev->source_id;
    c->line = ev->line;
    c->byte_offset = ev->byte_offset;
    c->has = ev->has;
    c->time_us = ev->time_us;
    c->utc_offset_min = ev->utc_offset_min;
    c->thread_id = ev->thread_id;
    c->activity_id = ev->activity_id;
    c->pid = ev->pid;
    c->ttl = ev->ttl;
    c->user_id = ev->user_id;
    c->trace_id = ev->trace_id;
    char *o = (char *)(c + 1);
    st_str *d[] = {&c->process, &c->sender, &c->subsystem, &c->category,
                   &c->type, &c->message, &c->locator, &c->process_path,
                   &c->sender_path, &c->event_type, &c->format_string,
                   &c->time_text};
    for (size_t i = 0; i < nf; i++)
        if (f[i]->p) {
            memcpy(o, f[i]->p, f[i]->n);
            *d[i] = (st_str){o, f[i]->n};
            o += f[i]->n;
        }
    return c;
}

void st_engine_feed(st_engine *e, const st_event *ev)
{
    if (e->slack_us <= 0) {
        process(e, ev);
        return;
    }
    if ((ev->has & ST_HAS_TIME) && e->newest_us != INT64_MIN &&
        ev->time_us < e->newest_us - e->slack_us)
        e->stats.late_events++;    /* beyond the slack: processed late */
    st_event *c = event_clone(ev);
    if (!c)
        return;
    if ((ev->has & ST_HAS_TIME) && ev->time_us > e->newest_us)
        e->newest_us = ev->time_us;
    heap_push(e, c);
    while (e->nheap && e->heap[0]->time_us <= e->newest_us - e->slack_us) {
        st_event *x = heap_pop(e);
        process(e, x);
        free(x);
    }
}

void st_engine_advance(st_engine *e, int64_t clock_us)
{
    if (clock_us > e->clock_us) {
        expire(e, clock_us);
        e->clock_us = clock_us;
    }
}

void st_engine_flush(st_engine *e)
{
    while (e->nheap) {
        st_event *x = heap_pop(e);
        process(e, x);
        free(x);
    }
    expire(e, INT64_MAX);
}

void st_engine_free(st_engine *e)
{
    if (!e)
        return;
    for (int r = 0; r < e->nrts; r++) {
        rule_rt *rt = &e->rts[r];
        instance *in = rt->open;
        while (in) {
            instance *n = in->all_next;
            instance_free(in);
            in = n;
        }
        for (int i = 0; i < EARLY_MAX; i++)
            early_clear(&rt->early[i]);
        pcre2_match_context_free(rt->mc);
        for (int i = 0; i < 8; i++)
            for (int b = 0; b < NBUCKETS; b++) {
                hist_ent *he = rt->hist[i][b];
                while (he) {
                    hist_ent *n = he->next;
                    evidence_free(&he->ev);
                    evidence_free(&he->first);
                    free(he->key);
                    free(he);
                    he = n;
                }
            }
    }
    for (int i = 0; i < e->nby_proc; i++) {
        free(e->by_proc[i].process);
        free(e->by_proc[i].m);
    }
    while (e->nheap)
        free(heap_pop(e));
    free(e->heap);
    pcre2_match_data_free(e->md);
    st_mm_free(e->mm);
    free(e->mm_bits);
    free(e->by_proc);
    free(e->general);
    for (int i = 0; i < e->nlit_index; i++)
        free(e->lit_gen[i]);
    free(e->lit_gen);
    free(e->nlit_gen);
    free(e->gen_nolit);
    free(e->gen_stamp);
    free(e->cand);
    free(e->rts);
    free(e);
}
