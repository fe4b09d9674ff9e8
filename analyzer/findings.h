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
#include "store.h"

int st_findings_clear(st_store *st, const char *rule_id, int version);
int64_t st_findings_add(st_store *st, int64_t run_id, const st_finding *f);

#endif
