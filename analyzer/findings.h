/*
 * findings.h -- storing the engine's findings in the case.
 *
 * Contract: a finding is stored with its rule id and version, verdict,
 * subject, reasons (JSON: id, text, evidence ordinals), codes (JSON),
 * notes, explanation, and one finding_evidence row per piece of evidence
 * (event id or record id, with source, line, time, process and message
 * copied so explanations need no joins).  Re-running a rule version
 * replaces its earlier findings (st_findings_clear).
 */
#ifndef ST_FINDINGS_H
#define ST_FINDINGS_H

#include "engine.h"
#include "rules.h"
#include "store.h"

int st_findings_clear(st_store *st, const char *rule_id, int version);
/* Clears the findings of every rule version in rules; when they are all
 * the case holds, the tables are emptied whole (measured 0.09 s instead of
 * 0.5-0.8 s for 290k evidence rows, most of it the rollback journal). */
int st_findings_clear_set(st_store *st, const st_ruleset *rules);
/* A writer holds the prepared INSERTs of one run, so a finding costs
 * binds and steps, not two statement compilations.  Findings go to the
 * case, or (staged) to the staging tables; open returns NULL when a
 * statement cannot be prepared (tables missing, out of memory).  write
 * returns the finding's id or -1. */
typedef struct st_findings_writer st_findings_writer;
st_findings_writer *st_findings_writer_open(st_store *st, int staged);
int64_t st_findings_write(st_findings_writer *w, int64_t run_id,
                          const st_finding *f);
void st_findings_writer_close(st_findings_writer *w);

/* Staging, for findings made while another connection reads the case:
 * they go to TEMP tables (SQLite's own temporary file and cache, no lock
 * on the case), so the writer's memory stays bounded and the reader is
 * never locked out.  stage_commit moves them into the case after the
 * case's highest finding id, in the open transaction, and drops the
 * staging tables.  Both return 0 or -1. */
int st_findings_stage_begin(st_store *st);
int st_findings_stage_commit(st_store *st);

#endif
