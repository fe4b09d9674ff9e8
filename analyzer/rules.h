/*
 * rules.h -- rule files: loading, validating, and the compiled form the
 * engine runs.  The language is documented for users in rules/README.md;
 * this header is the programmer's contract.
 *
 * A rule is a sequence of named steps (each a `log show --predicate`
 * predicate plus optional PCRE2 extraction and a correlation key), history
 * checks (an earlier event with the same key), lookups into non-log
 * evidence (records), and conditions over all of these that decide whether
 * a finding is made, its verdict, its reasons and its explanation.
 *
 * Loading never aborts on a bad rule: each problem is reported as
 * "file:line:col: message" through st_rule_diag and the rule is skipped.
 * Limits bound hostile rule files (sizes, counts, regex match limits).
 */
#ifndef ST_RULES_H
#define ST_RULES_H

#include <stddef.h>
#include <stdint.h>
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "predicate.h"

#define ST_RULE_MAX_STEPS 16
#define ST_RULE_MAX_FIELDS 32      /* extracted + referenced fields */
#define ST_RULE_MAX_CLAUSES 64

/* One diagnostic line: "file:line:col: message". */
typedef void (*st_rule_diag)(void *ctx, const char *file, int line, int col,
                             const char *msg);

/* A key transform applied to a field value before comparing keys. */
typedef enum { ST_KEY_RAW = 0, ST_KEY_APP, ST_KEY_BASENAME, ST_KEY_LOWER,
               ST_KEY_DIR, ST_KEY_APPNAME } st_key_fn;

typedef struct st_key_expr {
    int field;                 /* rule field slot, -1 = no key (global) */
    st_key_fn fn;
} st_key_expr;

/* A regex run on an event field; named groups fill rule fields. */
typedef struct st_extract {
    int source_field;          /* st_field of the event (default message) */
    pcre2_code *re;
    int ngroups;
    int group_num[ST_RULE_MAX_FIELDS];   /* capture number per group */
    int group_slot[ST_RULE_MAX_FIELDS];  /* rule field slot per group */
} st_extract;

typedef enum { ST_MATCHER_STEP, ST_MATCHER_HISTORY } st_matcher_kind;

/* A step or a history entry: a predicate plus extraction and key. */
typedef struct st_matcher {
    char name[48];
    st_matcher_kind kind;
    int index;                 /* step number or history number */
    int optional;              /* steps: may be missing */
    int64_t within_us;         /* steps: max time after the anchor */
    int64_t before_us;         /* steps: may also precede the anchor by
                                  this much (0 = never) */
    int64_t older_us;          /* histories: must precede the anchor by at
                                  least this much (0 = any earlier event) */
    st_pred *pred;
    char *pred_text;
    st_extract extract[4];
    int nextract;
    st_key_expr key;
    int line;                  /* where it is defined */
    int pred_col;              /* column of the predicate on that line */
} st_matcher;

typedef struct st_lookup {
    char name[48];
    char kind[48];             /* records.kind, or "*" */
    char column[16];           /* path uuid bundle_id cdhash team_id
                                  identifier data, or "any" */
    char op;                   /* '=' equal, '^' begins with, '~' contains */
    st_key_expr key;           /* value to look up */
    int line;
} st_lookup;

/* Condition tree over steps, histories, lookups and fields. */
typedef enum {
    ST_C_TRUE, ST_C_NOT, ST_C_AND, ST_C_OR, ST_C_STEP, ST_C_HISTORY,
    ST_C_LOOKUP, ST_C_COUNT, ST_C_HAS, ST_C_FIELD_EQ, ST_C_FIELD_CONTAINS
} st_cond_kind;

typedef struct st_cond {
    st_cond_kind kind;
    struct st_cond *a, *b;
    int ref;                   /* step/history/lookup index or field slot */
    int cmp;                   /* ST_C_COUNT: '>' '<' 'g'(>=) 'l'(<=) '=' */
    int64_t n;
    char *text;                /* FIELD_EQ / FIELD_CONTAINS literal */
} st_cond;

typedef struct st_clause {     /* reason / verdict / note / require */
    char id[48];               /* reason or verdict id; empty for notes */
    st_cond *when;             /* NULL = always */
    char *text;                /* template; may be NULL */
    int line;
} st_clause;

/* `example positive|negative FILE [verdict V] [reasons a,b]` */
typedef struct st_rule_example {
    char *path;                /* relative to the rule file's directory */
    int positive;
    char verdict[48];
    char reasons[256];         /* comma-separated, all must be present */
    int line;
} st_rule_example;

typedef struct st_rule {
    char id[64];
    int version;
    char *title;
    char level[12];
    char *file;
    int line;
    int64_t window_us;         /* default `within` of steps */
    st_matcher steps[ST_RULE_MAX_STEPS];
    int nsteps;
    st_matcher histories[8];
    int nhistories;
    st_lookup lookups[8];
    int nlookups;
    char fields[ST_RULE_MAX_FIELDS][32];   /* extracted field names */
    int nfields;
    st_clause requires[8];
    int nrequires;
    st_clause reasons[ST_RULE_MAX_CLAUSES];
    int nreasons;
    st_clause verdicts[16];
    int nverdicts;
    st_clause notes[16];
    int nnotes;
    st_clause subject[4];      /* path pid bundle_id uuid templates */
    char *explain;             /* template */
    st_rule_example examples[8];
    int nexamples;
    uint32_t regex_match_limit;
} st_rule;

typedef struct st_ruleset {
    st_rule **rules;
    int nrules;
    int errors;                /* rules skipped because of errors */
} st_ruleset;

/* Loads every *.rule file in dir (sorted by name) into *set (which may
 * already hold rules: later directories add to it).  Returns the number of
 * diagnostics reported (0 = all good). */
int st_rules_load_dir(st_ruleset *set, const char *dir, st_rule_diag diag,
                      void *ctx);
/* Loads one file (text in memory, for tests and fuzzing when data != NULL). */
int st_rules_load_file(st_ruleset *set, const char *path, const char *data,
                       size_t len, st_rule_diag diag, void *ctx);
void st_ruleset_free(st_ruleset *set);

/* Directory of the rules shipped with sigtrail: $SIGTRAIL_RULES, else
 * <dir of the executable>/rules (or ../rules for build-asan/). */
const char *st_rules_default_dir(char *buf, size_t n);

/* Field references (keys, conditions, templates): a rule field slot, or
 * ST_RULE_EVENT_FIELD + st_field for an event field. */
#define ST_RULE_EVENT_FIELD 1000

/* Finds a step, history or lookup of r by name: *kind receives ST_C_STEP,
 * ST_C_HISTORY or ST_C_LOOKUP; returns its index or -1. */
int st_rule_find(const st_rule *r, const char *name, st_cond_kind *kind);
/* Resolves a field name: an extracted field of r, else an event field
 * ("message" is short for eventMessage); -1 if neither. */
int st_rule_field_ref(const st_rule *r, const char *name);

/* Parses "250ms", "10s", "5m", "2h", "1d" into microseconds; -1 if bad. */
int64_t st_parse_duration(const char *s, size_t n);

/* Applies a key transform to v; the result is a view into v. */
st_str st_key_apply(st_key_fn fn, st_str v);

#endif
