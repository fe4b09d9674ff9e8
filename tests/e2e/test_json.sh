#!/bin/bash
# test_json.sh -- `log show --style ndjson` / `--style json` ingest: the same
# records exported in default, ndjson and json style give the same events;
# 64-bit values stay exact; unknown keys are kept; trailer and truncation
# checks; .gz and stdin; bad input becomes Unparsed and reading goes on.
source "$(dirname "$0")/../lib.sh"
FX=$ROOT/fixtures/json
N=16                                   # records in each fixture

ingest() { "$SIGTRAIL" ingest -q "$@"; }
warnings() { q "$1" "SELECT coalesce(line,0) || ': ' || message FROM warnings ORDER BY id"; }

ok "ingest default" ingest "$T/d.db" "$FX/sample_default.txt"
ok "ingest ndjson" ingest "$T/n.db" "$FX/sample.ndjson"
ok "ingest json" ingest "$T/j.db" "$FX/sample.json"
eq "ndjson detected" "$(q "$T/n.db" "SELECT format FROM sources")" "logshow-ndjson"
eq "json detected" "$(q "$T/j.db" "SELECT format FROM sources")" "logshow-json"
eq "ndjson records" "$(q "$T/n.db" "SELECT count(*) FROM events")" "$N"
eq "json records" "$(q "$T/j.db" "SELECT count(*) FROM events")" "$N"
eq "ndjson no warnings" "$(warnings "$T/n.db")" ""
eq "json no warnings" "$(warnings "$T/j.db")" ""
eq "ndjson style note" "$(q "$T/n.db" "SELECT value FROM source_notes WHERE key='style'")" "ndjson"
eq "trailer count note" "$(q "$T/n.db" "SELECT value FROM source_notes WHERE key='trailer_count'")" "$N"

# Field by field, wherever both styles carry the field.  Default style
# omits an empty subsystem/category (no brackets): NULL there, "" in JSON.
for col in time_us time_text type thread_id activity_id pid process sender \
           subsystem category message signpost_id signpost_scope signpost_type; do
    case $col in
    thread_id) e=thread ;;
    activity_id) e=activity ;;
    subsystem | category) e="coalesce($col, '')" ;;
    *) e=$col ;;
    esac
    eq "default = ndjson: $col" \
       "$(q "$T/n.db" "SELECT quote($e) FROM event_view ORDER BY id")" \
       "$(q "$T/d.db" "SELECT quote($e) FROM event_view ORDER BY id")"
done
# TTL is a text-style column only: JSON carries no such key.
eq "default has ttl" "$(q "$T/d.db" "SELECT group_concat(ttl) FROM event_view WHERE ttl > 0")" "8,14"
eq "ndjson has no ttl" "$(q "$T/n.db" "SELECT count(*) FROM events WHERE ttl IS NOT NULL")" "0"

ALLCOLS="time_us, time_text, utc_offset_min, type, event_type, thread, activity,
  parent_activity, pid, ttl, user_id, trace_id, mach_timestamp, sender_pc,
  signpost_id, process, process_path, sender, sender_path, subsystem,
  category, message, message_raw, format_string, process_uuid, sender_uuid,
  boot_uuid, timezone_name, signpost_name, signpost_scope, signpost_type,
  backtrace, source_json, extra"
eq "ndjson = json, every field" \
   "$(q "$T/j.db" "SELECT $ALLCOLS FROM event_view ORDER BY id")" \
   "$(q "$T/n.db" "SELECT $ALLCOLS FROM event_view ORDER BY id")"

# Values, from the ndjson case.
v() { q "$T/n.db" "SELECT $1 FROM event_view WHERE $2"; }
eq "traceID 2^64-1 exact (two's complement)" "$(v trace_id "pid = 158")" "-1"
eq "traceID 2^64-1 via CAST" "$(v "CAST(trace_id AS TEXT)" "pid = 158")" "-1"
eq "traceID 2^53+1 exact" "$(v trace_id "pid = 288")" "9007199254740993"
eq "traceID real" "$(v trace_id "pid = 28508")" "713394634835099652"
eq "userID 0xAAAAAAAA" "$(v "DISTINCT user_id" "process = 'launchd'")" "2863311530"
eq "thread from threadID" "$(v thread "pid = 0")" "0x91f22"
eq "process = basename" "$(v "process || '|' || sender" "pid = 0")" "kernel|HFS"
eq "paths kept" "$(v "process_path || '|' || sender_path" "pid = 30612")" \
   "/usr/sbin/screencapture|/usr/sbin/screencapture"
eq "uuids" "$(v "process_uuid || ' ' || sender_uuid || ' ' || boot_uuid" "pid = 0")" \
   "CBC2F718-53E4-3C8D-BEC7-FB6DDC3318E1 080CCAD9-1651-3258-B38F-027B76E7DCFE E312ED28-914E-4C3C-9B9E-4926AFCCD890"
eq "machTimestamp, senderProgramCounter" "$(v "mach_timestamp || ' ' || sender_pc" "pid = 0")" \
   "2008018969949 215404"
eq "formatString (ends with a newline)" \
   "$(v "format_string = 'hfs: mounted %s on device %s' || char(10)" "pid = 0")" "1"
eq "backtrace as JSON text" "$(v backtrace "pid = 0")" \
   '{"frames":[{"imageOffset":215404,"imageUUID":"080CCAD9-1651-3258-B38F-027B76E7DCFE"}]}'
eq "source null is absent" "$(q "$T/n.db" "SELECT count(*) FROM event_view WHERE source_json IS NOT NULL")" "0"
eq "timezoneName empty" "$(v "quote(timezone_name)" "pid = 0")" "''"
eq "event types" "$(q "$T/n.db" "SELECT group_concat(DISTINCT event_type) FROM event_view")" \
   "logEvent,activityCreateEvent,signpostEvent"
eq "types" "$(q "$T/n.db" "SELECT type FROM event_view WHERE pid IN (158, 4321, 1766, 120) ORDER BY id")" \
   "Error
Activity
Signpost
Fault"
eq "activity ids" "$(v "activity || ' ' || parent_activity" "pid = 4321")" "0x9be9c 0x9b848"
eq "signpost fields" "$(v "printf('%x', signpost_id) || ' ' || signpost_name || ' ' || signpost_scope || ' ' || signpost_type" "pid = 1766")" \
   "291385ea6c83b460 HIDInterruptData process begin"
eq "multi-line message with tab" "$(v message "pid = 158")" "<private>: openat: [2: No such file or directory]
	path = /private/var/run/com.apple.security.cryptexd/mnt
    magic = 0xfeedfacf"
eq "unicode and \\/ escapes" "$(v message "pid = 777")" \
   'Café ✓ 😀 opened /Users/niç/x "quoted" back\slash'
eq "unicode process" "$(v "process || '|' || subsystem || '|' || category" "pid = 777")" \
   "Café ✓|com.example.ünïcode|tést"
eq "unknown keys in extra" "$(v extra "pid = 288")" \
   '{"processUniqueID":288,"activityID":7384009,"creatorActivityID":0}'
eq "unknown nested key in extra" "$(v extra "pid = 777")" \
   '{"unknownNested":{"a":[1,2.5,{"b":"x/y"}],"t":true,"n":null}}'
eq "extra is JSON" "$(q "$T/n.db" "SELECT json_extract(extra, '\$.unknownNested.a[2].b') FROM event_view WHERE pid = 777")" "x/y"
eq "json lines point at each '{'" "$(q "$T/j.db" "SELECT line FROM events ORDER BY id LIMIT 3")" "1
32
63"
eq "ndjson lines" "$(q "$T/n.db" "SELECT group_concat(line) FROM (SELECT line FROM events ORDER BY id)")" \
   "$(seq -s, 1 $N)"

# Trailer and truncation checks.
sed "s/\"count\":$N/\"count\":15/" "$FX/sample.ndjson" > "$T/count.ndjson"
ok "ingest count mismatch" ingest "$T/c.db" "$T/count.ndjson"
has "trailer count mismatch warned" "$(warnings "$T/c.db")" "trailer says 15 records but 16 were read"
head -n $N "$FX/sample.ndjson" > "$T/notrailer.ndjson"
ok "ingest without trailer" ingest "$T/t.db" "$T/notrailer.ndjson"
eq "without trailer: all records" "$(q "$T/t.db" "SELECT count(*) FROM events")" "$N"
has "missing trailer warned" "$(warnings "$T/t.db")" "trailer at the end: the export may be truncated"
sed '$ s/}]$/}/' "$FX/sample.json" > "$T/nobracket.json"
ok "ingest json without ]" ingest "$T/b.db" "$T/nobracket.json"
eq "json without ]: all records" "$(q "$T/b.db" "SELECT count(*) FROM events")" "$N"
has "missing ] warned" "$(warnings "$T/b.db")" "no closing ']' at the end"
head -c 10000 "$FX/sample.json" > "$T/cut.json"
ok "ingest cut json" ingest "$T/cut.db" "$T/cut.json"
has "cut json: record cut warned" "$(warnings "$T/cut.db")" "record cut off by the end of the input"
eq "cut json: the cut record is Unparsed" "$(q "$T/cut.db" "SELECT count(*) FROM event_view WHERE type = 'Unparsed'")" "1"

# gzip and standard input (the input layer's work, checked end to end).
gzip -c "$FX/sample.ndjson" > "$T/sample.ndjson.gz"
gzip -c "$FX/sample.json" > "$T/sample.json.gz"
ok "ingest ndjson.gz" ingest "$T/gz.db" "$T/sample.ndjson.gz"
ok "ingest json.gz" ingest "$T/gz.db" "$T/sample.json.gz"
eq "gz: detected" "$(q "$T/gz.db" "SELECT group_concat(format) FROM sources")" "logshow-ndjson,logshow-json"
eq "gz: same events" "$(q "$T/gz.db" "SELECT $ALLCOLS FROM event_view WHERE source_id = 1 ORDER BY id")" \
   "$(q "$T/n.db" "SELECT $ALLCOLS FROM event_view ORDER BY id")"
ok "ingest stdin" bash -c "cat '$FX/sample.ndjson' | '$SIGTRAIL' ingest -q '$T/in.db' -"
eq "stdin: same events" "$(q "$T/in.db" "SELECT $ALLCOLS FROM event_view ORDER BY id")" \
   "$(q "$T/n.db" "SELECT $ALLCOLS FROM event_view ORDER BY id")"
ok "ingest json on stdin" bash -c "cat '$FX/sample.json' | '$SIGTRAIL' ingest -q '$T/in2.db' -"
eq "json stdin: count" "$(q "$T/in2.db" "SELECT count(*) FROM events")" "$N"

# Bad input: each problem is warned about, nothing stops the reading.
G='"timestamp":"2025-07-27 15:31:22.695081-0400","messageType":"Default","eventType":"logEvent","processImagePath":"\/kernel","processID":0'
deep=$(printf '%.0s[' $(seq 100))$(printf '%.0s]' $(seq 100))
{
    printf '\357\273\277{%s,"eventMessage":"first after a BOM"}\n' "$G"
    printf '{%s,"eventMessage":"broken" "oops"}\n' "$G"
    printf 'this line is not JSON at all\n'
    printf '{%s,"processID":1,"processID":2,"eventMessage":"dup"}\n' "$G"
    printf '{%s,"eventMessage":"bad \\q escape"}\n' "$G"
    printf '{%s,"traceID":18446744073709551616,"threadID":-5,"userID":1.5,"eventMessage":"ranges"}\n' "$G"
    printf '{%s,"eventMessage":"deep","x":%s}\n' "$G" "$deep"
    printf '{%s,"subsystem":42,"eventMessage":"wrong type"}\n' "$G"
    printf '{%s,"eventMessage":"after all that"}\n' "$G"
    printf '{"count":9,"finished":1}\n'
} > "$T/bad.ndjson"
ok "ingest bad ndjson" ingest "$T/bad.db" "$T/bad.ndjson"
W=$(warnings "$T/bad.db")
has "bad: BOM warned" "$W" "1: UTF-8 byte-order mark at the start skipped"
eq "bad: BOM record parsed" "$(q "$T/bad.db" "SELECT message FROM event_view WHERE line = 1")" "first after a BOM"
has "bad: malformed object warned with its line" "$W" "2: record not parsed (parse error"
eq "bad: malformed object is Unparsed with raw text" \
   "$(q "$T/bad.db" "SELECT type || ' ' || substr(message, -16) FROM event_view WHERE line = 2")" \
   'Unparsed "broken" "oops"}'
eq "bad: text line is Unparsed" "$(q "$T/bad.db" "SELECT type || ' ' || message FROM event_view WHERE line = 3")" \
   "Unparsed this line is not JSON at all"
has "bad: duplicate key warned" "$W" '4: duplicate key "processID" in a record: the last value is kept'
eq "bad: duplicate key, last wins" "$(q "$T/bad.db" "SELECT pid FROM event_view WHERE line = 4")" "2"
has "bad: invalid escape warned" "$W" "5: record not parsed (lexical error: inside a string, '\\' occurs before a character which it may not.)"
eq "bad: invalid escape kept raw" "$(q "$T/bad.db" "SELECT type FROM event_view WHERE line = 5")" "Unparsed"
has "bad: traceID out of range warned" "$W" "6: traceID 18446744073709551616 is out of the unsigned 64-bit range"
has "bad: negative threadID warned" "$W" "6: threadID -5 is negative"
has "bad: fractional userID warned" "$W" "6: userID 1.5 is not an integer"
eq "bad: out-of-range values kept in extra, absent from columns" \
   "$(q "$T/bad.db" "SELECT quote(trace_id) || ' ' || quote(thread) || ' ' || extra FROM event_view WHERE line = 6")" \
   'NULL NULL {"traceID":18446744073709551616,"threadID":-5,"userID":1.5}'
has "bad: deep nesting warned" "$W" "7: record not parsed (nesting deeper than 64 levels)"
eq "bad: deep nesting is Unparsed" "$(q "$T/bad.db" "SELECT type FROM event_view WHERE line = 7")" "Unparsed"
has "bad: wrong type warned" "$W" "8: subsystem is a number, not a string; kept in extra_json"
eq "bad: wrong type kept in extra" "$(q "$T/bad.db" "SELECT quote(subsystem) || ' ' || extra FROM event_view WHERE line = 8")" \
   'NULL {"subsystem":42}'
eq "bad: reading went on" "$(q "$T/bad.db" "SELECT message FROM event_view WHERE line = 9")" "after all that"
eq "bad: counts" "$(q "$T/bad.db" "SELECT records || ' ' || unparsed FROM sources")" "9 4"
eq "bad: trailer matches (Unparsed count as records)" "$(echo "$W" | grep -c 'trailer says')" "0"

# Huge strings: a 1 MB message is kept whole; a record over the 8 MiB limit
# is cut and kept as Unparsed; memory stays bounded either way.
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
g = '"timestamp":"2025-07-27 15:31:22.695081-0400","messageType":"Default","eventType":"logEvent"'
with open(t + "/huge.ndjson", "w") as f:
    f.write('{%s,"eventMessage":"%s"}\n' % (g, "a" * 1000000))
    f.write('{%s,"eventMessage":"%s"}\n' % (g, "b" * 9000000))
    f.write('{%s,"eventMessage":"small"}\n' % g)
    f.write('{"count":3,"finished":1}\n')
PY
ok "ingest huge strings" ingest "$T/h.db" "$T/huge.ndjson"
eq "huge: 1 MB message whole" "$(q "$T/h.db" "SELECT length(message) FROM events WHERE line = 1")" "1000000"
size=$(sed -n 2p "$T/huge.ndjson" | tr -d '\n' | wc -c)
has "huge: over-limit record warned" "$(warnings "$T/h.db")" \
    "2: record of $size bytes is longer than the 8 MiB limit; its first 64 KiB kept as Unparsed"
eq "huge: over-limit record cut" "$(q "$T/h.db" "SELECT type || ' ' || length(message) FROM event_view WHERE line = 2")" "Unparsed 65536"
eq "huge: next record read" "$(q "$T/h.db" "SELECT message FROM events WHERE line = 3")" "small"

# A broken object inside a json array does not take the next ones with it.
awk 'NR == 41 { sub(/"IPC",/, "\"IPC,") } { print }' "$FX/sample.json" > "$T/broken.json"
ok "ingest broken json" ingest "$T/bj.db" "$T/broken.json"
eq "broken json: one Unparsed, the rest parsed" \
   "$(q "$T/bj.db" "SELECT sum(type = 'Unparsed') || ' ' || count(*) FROM event_view")" "1 $N"
has "broken json: warned at the record's line" "$(warnings "$T/bj.db")" "32: record not parsed"
eq "broken json: next record intact" "$(q "$T/bj.db" "SELECT process FROM event_view WHERE line = 63")" "SSMenuAgent"

# Detection: both styles appear in `formats`; text styles are not taken.
F=$("$SIGTRAIL" formats)
has "formats lists ndjson" "$F" "logshow-ndjson"
has "formats lists json" "$F" "logshow-json"
eq "default text still default" "$(q "$T/d.db" "SELECT format FROM sources")" "logshow-default"

finish
