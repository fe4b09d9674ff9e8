#!/bin/bash
# test_logarchive.sh -- binary unified logs through `sigtrail ingest`: a
# folder of tracev3 files with uuidtext/ and timesync/ beside them (the
# libyal corpus), a single tracev3 file, a partial .logarchive (iQuiz),
# overrides of the uuidtext/timesync folders, cut and damaged files.
# Needs the shared corpus ($CORPUS or ../shared/corpus); says "skip" and
# passes when it is absent.
source "$(dirname "$0")/../lib.sh"
LY=$CORPUS/libyal_dtformats_unified_logging
IQ=$CORPUS/iquiz_partial_logarchive
if [ ! -f "$LY/0000000000000f85.tracev3" ]; then
    echo "skip: corpus not found at $CORPUS (set CORPUS)"
    finish
    exit 0
fi
ingest() { "$SIGTRAIL" ingest -q "$@"; }
src() { q "$1" "SELECT $2 FROM sources WHERE format='tracev3' ORDER BY path, member"; }

eq "formats lists tracev3" "$("$SIGTRAIL" formats | awk '$1=="tracev3"{print $1}')" "tracev3"

# ---- the libyal folder: found by content, uuidtext/timesync beside ------
ok "ingest folder" ingest "$T/ly.db" "$LY"
eq "two tracev3 sources" "$(src "$T/ly.db" "member || ':' || records || ':' || status")" \
"0000000000000030.tracev3:5:ingested
0000000000000f85.tracev3:8654:ingested"
eq "hashes of the evidence" "$(src "$T/ly.db" sha256)" \
"d9205e91ffa6b91558b3bcea52f4b899ab728a5b6ee766485e766bd8abd8105e
aa197200e1c2aa6bcbfc6ab214698daec270ee477d8551c7037ff46629f753ea"
eq "uuidtext folder found" "$(q "$T/ly.db" "SELECT DISTINCT value FROM source_notes WHERE key='uuidtext_dir'")" "$LY/uuidtext"
# ---- a schema 2 case (UUIDs kept as text) ------------------------------
# is read as it is, and upgraded (UUIDs interned) when next written to.
status "schema 2: analyze (time index, so that readers never write)" 1 "$SIGTRAIL" analyze -q "$T/ly.db"
cp "$T/ly.db" "$T/ly2.db"
sqlite3 "$T/ly2.db" < "$ROOT/tests/e2e/schema2.sql"
exp() { "$SIGTRAIL" export "$1" --style ndjson; }
tln() { "$SIGTRAIL" timeline -q "$1" --format jsonl; }
exp "$T/ly.db" > "$T/ly3.ndjson"; tln "$T/ly.db" > "$T/ly3.jsonl"
eq "schema 2: the reference export has UUIDs and rebuilt backtraces" "$(grep -c '"imageUUID":"D681DF00-7E8A-3258-B56C-DC8DE26CF18B"' "$T/ly3.ndjson")" "$(grep -c 'D681DF00-7E8A-3258-B56C-DC8DE26CF18B' "$T/ly3.ndjson")"
eq "schema 2: UUIDs in the details, none in strings" "$(q "$T/ly2.db" "SELECT count(DISTINCT sender_uuid) > 0 AND NOT EXISTS (SELECT 1 FROM strings WHERE value = 'A6EBC8E3-0A1C-40E8-93B9-DA3A7F671D19') FROM event_details")" 1
eq "schema 2: export reads it as it is" "$(exp "$T/ly2.db" | cmp - "$T/ly3.ndjson" && echo same)" same
eq "schema 2: timeline reads it as it is" "$(tln "$T/ly2.db" | cmp - "$T/ly3.jsonl" && echo same)" same
eq "schema 2: not changed by reading" "$(q "$T/ly2.db" "PRAGMA user_version")" 2
status "schema 2: analyze writes to it (no finding)" 1 "$SIGTRAIL" analyze -q "$T/ly2.db"
eq "schema 2: upgraded to 3" "$(q "$T/ly2.db" "PRAGMA user_version")" 3
eq "schema 2: the layout of a new case" "$(q "$T/ly2.db" "SELECT group_concat(name) FROM pragma_table_info('event_details')")" "$(q "$T/ly.db" "SELECT group_concat(name) FROM pragma_table_info('event_details')")"
eq "schema 2: event_view as in a new case" "$(q "$T/ly2.db" "SELECT * FROM event_view ORDER BY id" | sha256sum)" "$(q "$T/ly.db" "SELECT * FROM event_view ORDER BY id" | sha256sum)"
eq "schema 2: export after the upgrade" "$(exp "$T/ly2.db" | cmp - "$T/ly3.ndjson" && echo same)" same
eq "schema 3: UUIDs interned once" "$(q "$T/ly.db" "SELECT count(*) FROM strings WHERE value = 'A6EBC8E3-0A1C-40E8-93B9-DA3A7F671D19'")" 1
eq "boot UUID (libyal header test)" "$(q "$T/ly.db" "SELECT DISTINCT boot_uuid FROM event_view WHERE source LIKE '%' AND locator LIKE '0000000000000f85%'")" \
   "A6EBC8E3-0A1C-40E8-93B9-DA3A7F671D19"
eq "header notes" "$(q "$T/ly.db" "SELECT key || '=' || value FROM source_notes n JOIN sources s ON s.id = n.source_id WHERE s.member = '0000000000000f85.tracev3' AND key IN ('build','hardware_model','timebase','header_tz_minutes_west') ORDER BY key")" \
"build=19D52
hardware_model=J96AP
header_tz_minutes_west=300
timebase=125/3"
eq "types" "$(q "$T/ly.db" "SELECT type || ' ' || count(*) FROM event_view WHERE locator LIKE '0000000000000f85%' GROUP BY type ORDER BY type")" \
"Debug 485
Default 7187
Error 92
Fault 26
Info 368
State 496"
eq "provenance: locator, no line" "$(q "$T/ly.db" "SELECT locator || '|' || coalesce(line, 'null') FROM event_view WHERE locator LIKE '0000000000000030%' ORDER BY id LIMIT 1")" \
   "0000000000000030.tracev3 chunk@0x1a8 entry 0|null"
eq "fields of a record" "$(q "$T/ly.db" "SELECT type, event_type, pid, subsystem, category, process_uuid, thread FROM event_view WHERE locator = '0000000000000030.tracev3 chunk@0x1a8 entry 0'")" \
   "Error|logEvent|14225|com.apple.AssetCache|builtin|10167444-3A9A-33FC-AF11-D0ADEBBF5B95|0x6d7e"
eq "local time with the file's zone" "$(q "$T/ly.db" "SELECT substr(time_text, 27) FROM event_view WHERE locator LIKE '0000000000000f85%' LIMIT 1")" "-0400"
eq "nanoseconds kept" "$(q "$T/ly.db" "SELECT json_extract(extra, '\$.timestampNs') / 1000 = time_us FROM event_view WHERE locator LIKE '0000000000000030%' LIMIT 1")" "1"
has "placeholder names the missing image" "$(q "$T/ly.db" "SELECT message FROM event_view WHERE locator LIKE '0000000000000030%' LIMIT 1")" \
    "<compose failure [10167444-3A9A-33FC-AF11-D0ADEBBF5B95]>"
has "raw arguments kept" "$(q "$T/ly.db" "SELECT extra FROM event_view WHERE locator LIKE '0000000000000030%' LIMIT 1")" \
    '"args":["Built-in","Caching Server","214.2"]'
has "missing uuidtext warned" "$(q "$T/ly.db" "SELECT group_concat(message, '|') FROM warnings")" \
    "uuidtext file of 10167444-3A9A-33FC-AF11-D0ADEBBF5B95 not found"
has "placeholders counted" "$(q "$T/ly.db" "SELECT group_concat(message, '|') FROM warnings")" \
    "8158 of 8654 records have placeholder messages"
eq "oversize data joined (libyal oversize test record)" "$(q "$T/ly.db" "SELECT json_extract(extra, '\$.args[0]') FROM event_view WHERE mach_timestamp = 100657858092023")" \
   "-[DownloadManager sendEvents:sessionId:]"
eq "statedump (libyal statedump test record)" "$(q "$T/ly.db" "SELECT event_type || ' ' || activity || ' ' || sender_uuid FROM event_view WHERE mach_timestamp = 100662123537283")" \
   "stateEvent 0xead229 081B5E9E-59EA-39CD-83C9-EEDB68A84076"
eq "uuidtext and timesync files are not sources of events" "$(q "$T/ly.db" "SELECT count(*) FROM sources WHERE status = 'ingested' AND format <> 'tracev3' AND format <> 'directory'")" "0"

# ---- again: every file is a duplicate --------------------------------------
ok "ingest folder again" ingest "$T/ly.db" "$LY"
eq "no new events" "$(q "$T/ly.db" "SELECT count(*) FROM events")" "8659"

# ---- a single file: its folder gives uuidtext and timesync -----------------
ok "ingest one file" ingest "$T/one.db" "$LY/0000000000000030.tracev3"
eq "one file: records" "$(src "$T/one.db" records)" "5"
eq "one file: timesync folder" "$(q "$T/one.db" "SELECT value FROM source_notes WHERE key='timesync_dir'")" "$LY/timesync"

# ---- alone in a folder: placeholders, then the override --------------------
mkdir -p "$T/alone"
cp "$LY/0000000000000030.tracev3" "$T/alone/"
ok "ingest alone" ingest "$T/alone.db" "$T/alone/0000000000000030.tracev3"
has "alone: no uuidtext warned" "$(q "$T/alone.db" "SELECT group_concat(message, '|') FROM warnings")" \
    "no uuidtext folder found"
ok "ingest with SIGTRAIL_UUIDTEXT" env SIGTRAIL_UUIDTEXT="$LY/uuidtext" SIGTRAIL_TIMESYNC="$LY/timesync" \
    "$SIGTRAIL" ingest -q --force "$T/alone.db" "$T/alone/0000000000000030.tracev3"
eq "override recorded" "$(q "$T/alone.db" "SELECT value FROM source_notes WHERE key='uuidtext_dir' ORDER BY source_id DESC LIMIT 1")" "$LY/uuidtext"

# ---- the partial iQuiz logarchive: no uuidtext, timesync present ----------
ok "ingest partial logarchive" ingest "$T/iq.db" "$IQ"
eq "iquiz records" "$(src "$T/iq.db" records)" "22431"
eq "iquiz signposts" "$(q "$T/iq.db" "SELECT count(*) FROM event_view WHERE type = 'Signpost'")" "1715"
eq "iquiz times from timesync" "$(q "$T/iq.db" "SELECT value FROM source_notes WHERE key = 'time_source'")" "timesync"
eq "iquiz zone (tz 480 = -0800)" "$(q "$T/iq.db" "SELECT DISTINCT substr(time_text, 27) FROM event_view")" "-0800"
has "iquiz says why messages are partial" "$(q "$T/iq.db" "SELECT group_concat(message, '|') FROM warnings")" \
    "no uuidtext folder found"

# ---- the layouts logd and log collect write ---------------------------------
# X.logarchive/Persist/F with dsc/, XX/ and timesync/ at the archive root
LA=$T/copy.logarchive
mkdir -p "$LA/Persist"
cp -r "$LY/uuidtext/." "$LA/"
cp -r "$LY/timesync" "$LA/"
cp "$LY/0000000000000030.tracev3" "$LA/Persist/"
chmod -R u+w "$LA"
ok "ingest .logarchive copy" ingest "$T/la.db" "$LA"
eq "logarchive: uuidtext is the archive" "$(q "$T/la.db" "SELECT value FROM source_notes WHERE key='uuidtext_dir'")" "$LA"
eq "logarchive: timesync" "$(q "$T/la.db" "SELECT value FROM source_notes WHERE key='timesync_dir'")" "$LA/timesync"
eq "logarchive: records" "$(src "$T/la.db" records)" "5"
# private/var/db with diagnostics/ and uuidtext/ side by side
DB=$T/private/var/db
mkdir -p "$DB/diagnostics/Persist"
cp -r "$LY/uuidtext" "$DB/"
cp -r "$LY/timesync" "$DB/diagnostics/"
cp "$LY/0000000000000030.tracev3" "$DB/diagnostics/Persist/"
chmod -R u+w "$T/private"
ok "ingest diagnostics + uuidtext" ingest "$T/db.db" "$DB"
eq "diagnostics: uuidtext beside it" "$(q "$T/db.db" "SELECT value FROM source_notes WHERE key='uuidtext_dir'")" "$DB/uuidtext"
eq "diagnostics: timesync inside it" "$(q "$T/db.db" "SELECT value FROM source_notes WHERE key='timesync_dir'")" "$DB/diagnostics/timesync"
ok "ingest diagnostics alone" ingest "$T/dg.db" "$DB/diagnostics"
eq "diagnostics alone: uuidtext found" "$(q "$T/dg.db" "SELECT value FROM source_notes WHERE key='uuidtext_dir'")" "$DB/uuidtext"

# ---- damaged input: everything before the damage kept ----------------------
head -c 300000 "$LY/0000000000000f85.tracev3" > "$T/cut.tracev3"
status "cut file: exit 2" 2 ingest "$T/cut.db" "$T/cut.tracev3"
eq "cut file: partial" "$(q "$T/cut.db" "SELECT status FROM sources")" "partial"
has "cut file: reason" "$(q "$T/cut.db" "SELECT error FROM sources")" "cut"
eq "cut file: records kept" "$(q "$T/cut.db" "SELECT records > 2000 AND records < 8654 FROM sources")" "1"
# a header preamble followed by garbage: refused, case untouched
{ printf '\000\020\000\000\021\000\000\000\320\000\000\000\000\000\000\000'; head -c 100 /dev/zero; } > "$T/short.tracev3"
status "short file: exit 2" 2 ingest "$T/short.db" "$T/short.tracev3"
eq "short file: nothing stored" "$(q "$T/short.db" "SELECT count(*) FROM events")" "0"

# ---- the rules run unchanged over binary-log events -------------------------
"$SIGTRAIL" analyze -q "$T/ly.db" >/dev/null 2>&1; rc=$?
eq "analyze runs (0 or 1)" "$([ $rc -le 1 ] && echo ok || echo "exit $rc")" "ok"

finish
