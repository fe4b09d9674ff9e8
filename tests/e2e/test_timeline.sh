#!/bin/bash
# End-to-end: `sigtrail timeline` (every filter and format), `query`
# (read-only), `export` (log show layouts, re-ingested field by field) and
# --finding context after `analyze`, on fixtures/sample and fixtures/json.
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
FX=$ROOT/fixtures/sample/incident_default.log
J=$ROOT/fixtures/json/sample.ndjson
C=$T/case.db

ok "ingest sample" $S ingest -q "$C" "$FX"
N=$(q "$C" "SELECT count(*) FROM events")
eq "sample: 34 events" "$N" 34

# --- text: log show's default layout, byte for byte ----------------------
$S timeline -q "$C" > "$T/tl.txt"
eq "text: the export's lines exactly (header, records, no trailer)" \
   "$(cat "$T/tl.txt")" "$(head -n -3 "$FX")"
eq "text: header line (88 bytes + newline)" "$(head -1 "$T/tl.txt" | wc -c)" 89
has "text: sender omitted when it is the process" "$(cat "$T/tl.txt")" \
    "runningboardd: [com.apple.runningboard:job] Checking PreventLaunch"
has "text: no [..] block without a subsystem" "$(cat "$T/tl.txt")" \
    "0      0    kernel: validation of code signature failed"
status "exit 1 when nothing matches" 1 $S timeline -q "$C" --process nosuchprocess
status "exit 2 on a bad option" 2 $S timeline -q "$C" --frobnicate
status "exit 2 on a missing case" 2 $S timeline -q "$T/none.db"
status "exit 2 on a bad time" 2 $S timeline -q "$C" --from yesterday
status "exit 2 on a bad predicate" 2 $S timeline -q "$C" --predicate 'process =='
has "bad predicate: position given" "$($S timeline -q "$C" --predicate 'process ==' 2>&1)" "1:"
status "exit 2 on a bad format" 2 $S timeline -q "$C" --format xml

# --- filters ------------------------------------------------------------
lines() { $S timeline -q "$C" "$@" | tail -n +2 | grep -c '^20'; }
eq "--from with a zone" "$(lines --from 2026-11-20T11:00:00-08:00)" 5
eq "--from in UTC (no zone)" "$(lines --from 2026-11-20T19:00:00)" 5
eq "--from with Z" "$(lines --from 2026-11-20T19:00:00Z)" 5
eq "--to inclusive" "$(lines --to '2026-11-19 14:02:11.4-0800')" 5
eq "--from a date alone" "$(lines --from 2026-11-20 --to 2026-11-20T17:58:00Z)" 1
eq "--from/--to together" "$(lines --from 2026-11-20T18:00:12Z --to 2026-11-20T18:00:12.3125Z)" 4
eq "--around --window" "$(lines --around 2026-11-20T18:00:12.32Z --window 1ms)" 9
eq "--around, default window 30s" "$(lines --around 2026-11-20T18:00:30Z)" 15
eq "--predicate" "$(lines --predicate 'process == "amfid" AND eventMessage CONTAINS "-67030"')" 2
eq "--predicate: messageType" "$(lines --predicate 'messageType == error')" 3
eq "--predicate: source field" "$(lines --predicate 'source ENDSWITH "incident_default.log"')" 34
eq "--predicate: MATCHES" "$(lines --predicate 'eventMessage MATCHES ".*error: -670[0-9]+"')" 6
eq "--process by name" "$(lines --process lsd)" 5
eq "--process by pid" "$(lines --process 2718)" 6
eq "--subsystem" "$(lines --subsystem com.apple.runningboard)" 7
eq "--source by id" "$(lines --source 1)" 34
eq "--source by path substring" "$(lines --source incident_default)" 34
eq "--source matching nothing" "$(lines --source nowhere)" 0
eq "--types (case-insensitive)" "$(lines --types error)" 3
eq "--types list" "$(lines --types Error,Default)" 34
eq "filters combine (AND)" "$(lines --process amfid --types Error)" 1
eq "--limit" "$(lines --limit 2)" 2

# --- finding context ----------------------------------------------------
$S analyze -q "$C" >/dev/null 2>&1
status "--finding before a known finding: exit 2" 2 $S timeline -q "$C" --finding 99
FID=$(q "$C" "SELECT id FROM findings WHERE verdict = 'blocked' LIMIT 1")
NEV=$(q "$C" "SELECT count(DISTINCT event_id) FROM finding_evidence WHERE finding_id = $FID")
$S timeline -q "$C" --finding "$FID" > "$T/f.txt"
eq "--finding: evidence lines marked" "$(grep -c '^\* 20' "$T/f.txt")" "$NEV"
has "--finding: header shifted by the marker column" "$(head -1 "$T/f.txt")" "  Timestamp                       Thread"
has "--finding: context line unmarked" "$(cat "$T/f.txt")" "  2026-11-20 10:00:12.300100-0800 0x2c01     Default"
eq "--finding: nothing beyond the 5 s window" "$(grep -c '11:00:0' "$T/f.txt")" 0
eq "--finding --window 10ms: fewer" "$($S timeline -q "$C" --finding "$FID" --window 10ms | grep -c '^  20')" 2
eq "--finding as csv: evidence column" "$($S timeline -q "$C" --finding "$FID" --format csv | head -1 | awk -F, '{print $NF}' | tr -d '\r')" evidence
eq "--finding as jsonl: roles" "$($S timeline -q "$C" --finding "$FID" --format jsonl | grep -c '"evidence":')" "$NEV"
TOL=$(q "$C" "SELECT id FROM findings WHERE verdict = 'tolerated' LIMIT 1")
has "--finding spanning two days: both contexts" "$($S timeline -q "$C" --finding "$TOL")" "2026-11-19 14:02:11"

# --- CSV (RFC 4180) -----------------------------------------------------
$S timeline -q "$C" --format csv > "$T/tl.csv"
eq "csv: header" "$(head -1 "$T/tl.csv" | tr -d '\r')" \
   "datetime,timestamp,timestamp_desc,message,type,event_type,process,pid,sender,subsystem,category,thread,activity,ttl,event_message,source,line,locator,event_id"
eq "csv: CRLF line ends" "$(head -1 "$T/tl.csv" | od -c | grep -c '\\r  \\n')" 1
# sqlite3's CSV reader is RFC 4180: quotes, commas and newlines must round-trip
sqlite3 "$T/csv.db" ".import --csv $T/tl.csv t"
eq "csv: one row per event" "$(q "$T/csv.db" "SELECT count(*) FROM t")" "$N"
sqlite3 "$T/csv.db" "ATTACH '$C' AS c; CREATE TABLE diff AS SELECT v.id FROM c.event_view v JOIN t ON t.event_id = v.id WHERE t.event_message IS NOT v.message OR t.process IS NOT v.process OR CAST(t.timestamp AS INTEGER) IS NOT v.time_us OR t.thread IS NOT v.thread;"
eq "csv: quotes, commas and newlines survive a CSV reader" "$(q "$T/csv.db" "SELECT count(*) FROM diff")" 0
eq "csv: multi-line message kept whole" "$(q "$T/csv.db" "SELECT count(*) FROM t WHERE event_message LIKE '%Please check your system log.'")" 2
has "csv: quotes doubled" "$(cat "$T/tl.csv")" '"(null)"" UserInfo'
eq "csv: datetime in the event's offset" "$(q "$T/csv.db" "SELECT datetime FROM t WHERE line = '2'")" "2026-11-19T14:02:11.100000-08:00"

# --- JSON lines for Timesketch -------------------------------------------
$S timeline -q "$C" --format jsonl > "$T/tl.jsonl"
eq "jsonl: one line per event" "$(wc -l < "$T/tl.jsonl")" "$N"
jq_sql() { # expression over every line -> one value
    { echo '['; paste -sd, "$1"; echo ']'; } > "$1.arr"
    sqlite3 :memory: "SELECT $2 FROM json_each(readfile('$1.arr'))"
}
eq "jsonl: every line valid JSON" "$(jq_sql "$T/tl.jsonl" "sum(json_valid(value))")" "$N"
eq "jsonl: Timesketch's required fields" "$(jq_sql "$T/tl.jsonl" "sum(value->>'message' IS NOT NULL AND value->>'datetime' IS NOT NULL AND value->>'timestamp_desc' IS NOT NULL AND value->>'timestamp' IS NOT NULL)")" "$N"
eq "jsonl: datetime ISO 8601 with offset" "$(jq_sql "$T/tl.jsonl" "value->>'datetime'" | head -1)" "2026-11-19T14:02:11.100000-08:00"
eq "jsonl: timestamp in microseconds" "$(jq_sql "$T/tl.jsonl" "value->>'timestamp'" | head -1)" "$(q "$C" "SELECT time_us FROM events ORDER BY time_us LIMIT 1")"
eq "jsonl: log events are Log entry" "$(jq_sql "$T/tl.jsonl" "group_concat(DISTINCT value->>'timestamp_desc')")" "Log entry"
eq "jsonl: provenance and fields" "$(jq_sql "$T/tl.jsonl" "value->>'source' || '|' || (value->>'line') || '|' || (value->>'process') || '|' || (value->>'pid') || '|' || (value->>'subsystem') || '|' || (value->>'category') || '|' || (value->>'type') || '|' || (value->>'thread')" | sed -n 8p)" \
   "$FX|9|lsd|301|com.apple.securityd|security_exception|Default|0x2d44"
eq "jsonl: message shows the process" "$(jq_sql "$T/tl.jsonl" "value->>'message'" | sed -n 8p)" "lsd[301]: (Security) [com.apple.securityd:security_exception] MacOS error: -67030"
eq "jsonl: raw message kept" "$(jq_sql "$T/tl.jsonl" "value->>'event_message'" | sed -n 8p)" "MacOS error: -67030"
eq "jsonl: original time text" "$(jq_sql "$T/tl.jsonl" "value->>'time_text'" | head -1)" "2026-11-19 14:02:11.100000-0800"
$S timeline -q "$C" --format json > "$T/tl.json"
eq "json: one array" "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/tl.json')) || ',' || json_array_length(readfile('$T/tl.json'))")" "1,$N"
eq "json: empty result is []" "$($S timeline -q "$C" --format json --process nobody)" "[]"

# UTF-8, 64-bit values and JSON details from an ndjson export
ok "ingest ndjson" $S ingest -q "$T/j.db" "$J"
$S timeline -q "$T/j.db" --format jsonl > "$T/j.jsonl"
eq "jsonl (ndjson case): all valid" "$(jq_sql "$T/j.jsonl" "sum(json_valid(value))")" 16
has "utf-8 kept" "$(cat "$T/j.jsonl")" 'Café ✓ 😀 opened /Users/niç/x \"quoted\" back\\slash'
eq "utf-8 round trip" "$(jq_sql "$T/j.jsonl" "value->>'event_message'" | grep Caf)" \
   "$(q "$T/j.db" "SELECT message FROM event_view WHERE message LIKE 'Caf%'")"
eq "trace id above 2^63 unsigned" "$(grep -c '"trace_id":18446744073709551615,' "$T/j.jsonl")" 1
eq "backtrace as an object" "$(jq_sql "$T/j.jsonl" "json_type(value, '\$.backtrace')" | sort -u | grep -c object)" 1
eq "activity records" "$(jq_sql "$T/j.jsonl" "value->>'timestamp_desc'" | grep -c 'Activity created')" 1
has "csv: utf-8" "$($S timeline -q "$T/j.db" --format csv)" "Café ✓ 😀"

# Database rows on the same timeline, with what their time means
if [ -x "$TOOLS/gen_secdb" ]; then
    "$TOOLS/gen_secdb" scenario "$T/db" >/dev/null
    ok "ingest databases" $S ingest -q "$C" "$T/db/com.apple.LaunchServices.QuarantineEventsV2" "$T/db/DetachedSignatures"
    $S timeline -q "$C" --format jsonl --types Quarantine,DetachedSignature > "$T/db.jsonl"
    eq "timestamp_desc of database rows" "$(jq_sql "$T/db.jsonl" "group_concat(DISTINCT value->>'timestamp_desc')")" \
       "Detached signature created,Quarantine event"
    eq "database rows carry their record" "$(jq_sql "$T/db.jsonl" "count(*)" )" "$(jq_sql "$T/db.jsonl" "sum(json_type(value, '\$.extra') = 'object' AND value->>'locator' IS NOT NULL)")"
    eq "--types by event_type" "$($S timeline -q "$C" --types quarantineEvent --format jsonl | wc -l)" 2
    $S timeline -q "$C" --format jsonl > "$T/all.jsonl"
    eq "one timeline, time order across sources" "$(jq_sql "$T/all.jsonl" "value->>'timestamp'" | sort -c -n && echo sorted)" sorted
else
    echo "FAIL gen_secdb not built in \$TOOLS ($TOOLS)"; _f=$((_f+1))
fi

# --- query: read-only SQL -----------------------------------------------
R=$T/r.db
ok "ingest for query" $S ingest -q "$R" "$FX"
eq "query: text, aligned" "$($S query "$R" "SELECT pid, process FROM event_view WHERE pid IN (301, 2718) GROUP BY pid ORDER BY pid")" \
"pid   process
----  -------
301   lsd
2718  amfid"
eq "query: csv" "$($S query --format csv "$R" "SELECT 1 AS a, 'x,\"y' AS b, NULL AS c" | tr -d '\r')" 'a,b,c
1,"x,""y",'
eq "query: jsonl types" "$($S query --format jsonl "$R" "SELECT 1 AS i, 2.5 AS r, 'é' AS t, NULL AS n, x'00ff' AS b")" \
   '{"i":1,"r":2.5,"t":"é","n":null,"b":"x'"'"'00FF'"'"'"}'
eq "query: json array" "$($S query --format json "$R" "SELECT id FROM events ORDER BY id LIMIT 2" | tr -d '\n')" '[{"id":1},{"id":2}]'
status "query: no rows is exit 1" 1 $S query "$R" "SELECT 1 WHERE 0"
before=$(sha256sum < "$R")
status "query: UPDATE fails" 2 $S query "$R" "UPDATE events SET pid = 0"
has "query: UPDATE message" "$($S query "$R" "UPDATE events SET pid = 0" 2>&1)" "read-only"
status "query: DELETE fails" 2 $S query "$R" "DELETE FROM events"
status "query: DROP fails" 2 $S query "$R" "DROP TABLE events"
status "query: a write hidden after a read fails" 2 $S query "$R" "SELECT 1; DELETE FROM events"
status "query: query_only cannot be lifted" 2 $S query "$R" "PRAGMA query_only=0; DELETE FROM events"
status "query: ATTACH cannot create files" 2 $S query "$R" "ATTACH '$T/new.db' AS n"
eq "query: no file created" "$(ls "$T/new.db" 2>/dev/null)" ""
status "query: bad SQL is exit 2" 2 $S query "$R" "SELEC nothing"
eq "query: the case is unchanged" "$(sha256sum < "$R")" "$before"

# --- export: log show layouts, read back --------------------------------
E=$T/e.db
ok "ingest for export" $S ingest -q "$E" "$FX"
$S export -q "$E" > "$T/x.log"
eq "export default: the original export, byte for byte" "$(sha256sum < "$T/x.log")" "$(sha256sum < "$FX")"
has "export default: trailer with counts" "$(tail -2 "$T/x.log")" "Log      - Default:         31, Info:                0, Debug:             0, Error:          3, Fault:          0"
$S export -q "$E" --style ndjson > "$T/x.ndjson"
eq "export ndjson: trailer" "$(tail -1 "$T/x.ndjson")" '{"count":34,"finished":1}'
eq "export ndjson: log's keys" "$(head -1 "$T/x.ndjson" | cut -c1-61)" '{"messageType":"Default","eventType":"logEvent","source":null'
$S export -q "$E" --style json > "$T/x.json"
eq "export json: pretty array" "$(head -3 "$T/x.json")" '[{
  "messageType" : "Default",
  "eventType" : "logEvent",'
$S export -q "$E" --style syslog > "$T/x.syslog"
eq "export syslog: header" "$(head -1 "$T/x.syslog")" "Timestamp                       (process)[PID]    "
has "export syslog: line" "$(cat "$T/x.syslog")" "2026-11-20 10:00:12.320610-0800  localhost kernel[0]: proc 2741: load code signature error 4"
$S export -q "$E" --style compact > "$T/x.compact"
eq "export compact: header" "$(head -1 "$T/x.compact")" "Timestamp               Ty Process[PID:TID]"
has "export compact: line" "$(cat "$T/x.compact")" "2026-11-20 10:00:12.319 E  amfid[2718:5b02] [com.apple.MobileFileIntegrity.framework:error] Code failed"
for st in default ndjson json syslog; do
    ok "re-ingest $st" $S ingest -q "$T/re_$st.db" "$T/x.$( [ $st = default ] && echo log || echo $st)"
done
ok "re-ingest compact (--tz)" $S ingest -q --tz -0800 "$T/re_compact.db" "$T/x.compact"
# field by field: every field the style carries must come back the same
same() { # name, db, columns
    local d
    d=$(sqlite3 "$2" "ATTACH '$E' AS o; SELECT count(*) FROM (SELECT $3 FROM o.event_view EXCEPT SELECT $3 FROM main.event_view) ; " 2>&1)
    eq "$1" "$d|$(q "$2" "SELECT count(*) FROM events")|$(q "$2" "SELECT warnings FROM sources")" "0|34|0"
}
ALLTEXT="time_us, time_text, utc_offset_min, type, thread, activity, pid, ttl, process, sender, subsystem, category, message, line"
same "default round trip: every field" "$T/re_default.db" "$ALLTEXT"
JSONF="time_us, time_text, utc_offset_min, type, thread, activity, pid, process, sender, coalesce(subsystem, ''), coalesce(category, ''), message"
same "ndjson round trip: every field JSON carries" "$T/re_ndjson.db" "$JSONF"
same "json round trip" "$T/re_json.db" "$JSONF"
same "syslog round trip" "$T/re_syslog.db" "time_us, time_text, pid, process, sender, subsystem, category, message"
same "compact round trip (ms, no sender)" "$T/re_compact.db" "time_us / 1000, type, pid, thread, process, coalesce(subsystem, ''), message"
eq "ndjson re-ingest: trailer count checked" "$(q "$T/re_ndjson.db" "SELECT value FROM source_notes WHERE key = 'trailer_count'")" 34
# a JSON case goes out and back with everything, details included
$S export -q "$T/j.db" --style ndjson > "$T/j2.ndjson"
ok "re-ingest a JSON case's export" $S ingest -q "$T/j2.db" "$T/j2.ndjson"
ALL="time_us, time_text, utc_offset_min, type, event_type, thread, activity, parent_activity, pid, user_id, trace_id, mach_timestamp, sender_pc, signpost_id, process, process_path, sender, sender_path, subsystem, category, message, format_string, process_uuid, sender_uuid, boot_uuid, timezone_name, signpost_name, signpost_scope, signpost_type, backtrace, source_json, extra"
eq "ndjson case round trip: every field" "$(sqlite3 "$T/j2.db" "ATTACH '$T/j.db' AS o; SELECT count(*) FROM (SELECT $ALL FROM o.event_view EXCEPT SELECT $ALL FROM main.event_view)")" 0
# filters
$S export -q "$E" --predicate 'process == "lsd"' > "$T/x_lsd.log"
eq "export --predicate: records" "$(grep -c '^2026' "$T/x_lsd.log")" 5
eq "export --predicate: log's preamble" "$(head -1 "$T/x_lsd.log")" 'Filtering the log data using "process == "lsd""'
ok "export --predicate re-ingests" $S ingest -q "$T/re_lsd.db" "$T/x_lsd.log"
eq "export --predicate: filter noted, trailer matched" "$(q "$T/re_lsd.db" "SELECT value FROM source_notes WHERE key = 'filter'")|$(q "$T/re_lsd.db" "SELECT warnings FROM sources")" '"process == "lsd""|0'
eq "export --from/--to" "$($S export -q "$E" --from 2026-11-20T19:00:00Z --style ndjson | tail -1)" '{"count":5,"finished":1}'
status "export: nothing matched is exit 1" 1 $S export -q "$E" --process nobody
eq "export: empty still has header and trailer" "$($S export -q "$E" --process nobody | wc -l)" 4
status "export: bad style" 2 $S export -q "$E" --style xml
# Unparsed lines are not log records: left out unless asked for
printf '%s\n' 'Timestamp                       Thread     Type        Activity             PID    TTL  ' \
  'this line fits no layout' \
  '2024-01-01 10:00:00.000000+0000 0x1        Default     0x0                  1      0    a: ok' > "$T/u.txt"
ok "ingest with an unparsed line" $S ingest -q "$T/u.db" "$T/u.txt"
has "export: unparsed left out, said so" "$($S export "$T/u.db" 2>&1 >/dev/null)" "1 Unparsed line left out"
has "export --include-unparsed: raw line" "$($S export -q --include-unparsed "$T/u.db")" "this line fits no layout"

# --- a large case: read by two threads in chunks, same output ----------
# (threads are forced: by default they are used with three CPUs or more)
if [ -x "$TOOLS/genlog" ]; then
    "$TOOLS/genlog" 250000 default > "$T/g.log"
    ok "ingest 250,000 events" $S ingest -q "$T/g.db" "$T/g.log" "$T/u.txt"
    for args in "" "--from 2024-11-20T10:54:00Z --to 2024-11-20T10:56:30.5Z" \
                "--types Error,Unparsed" "--limit 120000"; do
        # shellcheck disable=SC2086
        eq "two readers = one reader: ${args:-everything}" \
           "$(SIGTRAIL_THREADS=3 $S timeline -q "$T/g.db" --format jsonl $args | cksum)" \
           "$(SIGTRAIL_THREADS=1 $S timeline -q "$T/g.db" --format jsonl $args | cksum)"
    done
    eq "two readers = one reader: a predicate with MATCHES" \
       "$(SIGTRAIL_THREADS=3 $S timeline -q "$T/g.db" --predicate 'eventMessage MATCHES ".*valid.*"' | cksum)" \
       "$(SIGTRAIL_THREADS=1 $S timeline -q "$T/g.db" --predicate 'eventMessage MATCHES ".*valid.*"' | cksum)"
    eq "reader threads: export the same" "$(SIGTRAIL_THREADS=3 $S export -q "$T/g.db" --style json | cksum)" \
       "$(SIGTRAIL_THREADS=1 $S export -q "$T/g.db" --style json | cksum)"
    eq "reader threads: --limit stops cleanly" "$(SIGTRAIL_THREADS=3 $S timeline -q "$T/g.db" --limit 10 | wc -l)" 11
    eq "large case: every event, untimed last" "$($S timeline -q "$T/g.db" --format csv | tail -1 | cut -d, -f3)" "Unparsed line"
else
    echo "FAIL genlog not built in \$TOOLS ($TOOLS)"; _f=$((_f+1))
fi

for c in timeline query export; do
    status "$c --help" 0 $S $c --help
done
finish
