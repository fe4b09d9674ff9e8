#!/bin/bash
# test_tracev3_synth.sh -- the binary unified log reader against an
# independent writer: scripts/gen_tracev3.c writes a synthetic logarchive
# (every record type, flag and message decoder the reader handles, and a
# tolerated and a blocked DelightEd launch) and the same events as a
# `log show` default-style export.  Both are ingested into their own case;
# the events must agree field by field, each decoder must render as log
# renders it, what only the binary carries must be what the writer put
# there, warnings must be counted, and the rules must reach the same
# findings from both.  Also --uuidtext / --timesync on a lone tracev3 file,
# the environment variables they stand for, and their error cases.
source "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
G=$T/gen
ok "generator runs" "$TOOLS/gen_tracev3" "$G"
ok "generator wrote the text twin" test -s "$G/logshow.txt"
LA=$G/system_logs.logarchive
RBD_UUID=BE82CF65-40D1-3293-E5F6-0718293A4B06   # runningboardd's image

ok "ingest the binary logarchive" $S ingest -q "$T/bin.db" "$LA"
ok "ingest the text twin" $S ingest -q "$T/txt.db" "$G/logshow.txt"

# sqlite3 on an in-memory database (errors go into the output, so a broken
# query can never pass as "no difference"); att: a case attached read-only
sq() { sqlite3 :memory: "$@" 2>&1; }
att() { echo "ATTACH 'file:$1?mode=ro' AS $2;"; }

# ---- what was read ----------------------------------------------------------
N=$(grep -c '^INSERT INTO expect VALUES' "$G/expect.sql")
eq "events written" "$N" 67
eq "tracev3 sources and records" "$(q "$T/bin.db" "SELECT member || ':' || records || ':' || status FROM sources WHERE format = 'tracev3' ORDER BY member")" \
"Persist/0000000000000001.tracev3:58:ingested
Signpost/0000000000000003.tracev3:4:ingested
Special/0000000000000002.tracev3:5:ingested"
eq "every event read from the binary form" "$(q "$T/bin.db" "SELECT count(*) FROM events")" "$N"
eq "every line read from the text form" "$(q "$T/txt.db" "SELECT records || ' ' || unparsed || ' ' || warnings FROM sources")" "$N 0 0"
eq "times from timesync" "$(q "$T/bin.db" "SELECT DISTINCT value FROM source_notes WHERE key = 'time_source'")" "timesync"
eq "stores found beside the files" "$(q "$T/bin.db" "SELECT DISTINCT key || '=' || value FROM source_notes WHERE key IN ('uuidtext_dir', 'timesync_dir') ORDER BY 1")" \
"timesync_dir=$LA/timesync
uuidtext_dir=$LA"
eq "only the unknown decoder is warned about" "$(q "$T/bin.db" "SELECT message FROM warnings ORDER BY id")" \
"0000000000000001.tracev3: format decoder %{odtypes:ODError} is not decoded by sigtrail; raw values are kept (counted at the end)
0000000000000001.tracev3: 1 records use format decoders sigtrail does not decode (raw values kept)"
eq "unknown decoder named on its record" "$(q "$T/bin.db" "SELECT json_extract(extra, '\$.undecoded') || ' ' || message FROM event_view WHERE json_extract(extra, '\$.undecoded') IS NOT NULL")" \
   "odtypes:ODError od: 5000 done"
eq "no placeholder, no decode problem" "$(q "$T/bin.db" "SELECT count(*) FROM event_view WHERE message LIKE '%<compose failure%' OR message LIKE '%<decode:%' OR json_extract(extra, '\$.unresolved') IS NOT NULL OR json_extract(extra, '\$.oversize') IS NOT NULL")" 0

# ---- binary and text agree field by field -----------------------------------
# The text form cannot tell an absent thread, activity or TTL from 0, nor
# an absent sender from one equal to the process, nor an absent category
# (with a subsystem) from an empty one: those are normalised the way log
# prints them.
FIELDS="time_us, time_text, utc_offset_min, ifnull(thread, '0x0'), type,
  ifnull(activity, '0x0'), pid, ifnull(ttl, 0), process,
  coalesce(sender, process), subsystem,
  iif(subsystem IS NULL, category, ifnull(category, '')), message,
  signpost_id, signpost_scope, signpost_type"
# Prints the events of case a not in case b and the reverse (nothing when
# they agree); $3 restricts both sides.
diff_events() {
    local w=${3:-1}
    sq "$(att "$1" a) $(att "$2" b)
        SELECT 'only in $(basename "$1"): ' || time_us || ' ' || ifnull(message, '') FROM (
          SELECT $FIELDS FROM a.event_view WHERE $w EXCEPT SELECT $FIELDS FROM b.event_view WHERE $w);
        SELECT 'only in $(basename "$2"): ' || time_us || ' ' || ifnull(message, '') FROM (
          SELECT $FIELDS FROM b.event_view WHERE $w EXCEPT SELECT $FIELDS FROM a.event_view WHERE $w);"
}
eq "binary = text, field by field" "$(diff_events "$T/bin.db" "$T/txt.db" | cut -c1-200)" ""
eq "same number of events" "$(q "$T/txt.db" "SELECT count(*) FROM events")" "$N"
eq "times to the microsecond" "$(sq "$(att "$T/bin.db" a) $(att "$T/txt.db" b)
    SELECT count(*) FROM a.event_view x JOIN b.event_view y USING (time_us)")" "$N"

# ---- what only the binary form carries ---------------------------------------
# expect.sql (from the writer): event type, format string, image paths and
# UUIDs, program counter, user id, trace id, Mach time, parent activity,
# signpost name, boot UUID, backtrace; and the extra_json values.
COLS="event_type format_string process_path process_uuid sender_path sender_uuid sender_pc user_id trace_id mach_timestamp parent_activity signpost_name boot_uuid backtrace"
for c in $COLS; do
    eq "binary field $c" "$(sq -cmd "$(att "$T/bin.db" b)" -cmd ".read $G/expect.sql" "
        SELECT e.time_us || ': ' || ifnull(v.$c, 'NULL') || ' <> ' || ifnull(e.$c, 'NULL')
        FROM expect e LEFT JOIN b.event_view v ON v.time_us = e.time_us
        WHERE v.id IS NULL OR v.$c IS NOT e.$c;" | cut -c1-300)" ""
done
eq "extra_json values" "$(sq -cmd "$(att "$T/bin.db" b)" -cmd ".read $G/expect.sql" "
    SELECT x.time_us || ' ' || x.fragment FROM expect_extra x
    LEFT JOIN b.event_view v ON v.time_us = x.time_us
    WHERE v.id IS NULL OR (instr(v.extra, x.fragment || ',') = 0 AND instr(v.extra, x.fragment || '}') = 0);")" ""
eq "extra_json checks cover every event" "$(sq -cmd ".read $G/expect.sql" "
    SELECT count(DISTINCT time_us) FROM expect_extra WHERE fragment LIKE '\"timestampNs\":%';")" "$N"

# ---- each decoder as log renders it -------------------------------------------
m() { q "$T/bin.db" "SELECT message FROM event_view WHERE format_string = '$1'"; }
eq "printf conversions" "$(m 'printf: %d %i %u %x %X %o %c %%')" "printf: 42 -7 4294967295 beef BEEF 10 A %"
eq "width, precision, flags" "$(m 'width: [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%8.3f] [%{public}-8s] [%{public}8s] [%{public}.2s]')" \
   "width: [   42] [42   ] [00042] [+42] [ 42] [007] [   3.142] [ab      ] [      cd] [xy]"
eq "length modifiers" "$(m 'lengths: %ld %lld %llu %zu %hhd %hd %lx %#llx %jd')" \
   "lengths: -1234567890123 9223372036854775807 18446744073709551615 65536 -1 9029 deadbeef 0xdeadbeefcafe -1"
eq "item sizes 1, 2, 4, 8" "$(m 'sizes: %hhu %hu %u %llu')" "sizes: 255 65535 7 1099511627776"
eq "floating point" "$(m 'floats: %f %.2f %e %g %5.1f')" "floats: 2.500000 3.14 1.234568e+04 0.0001  -2.3"
eq "pointers (Darwin style)" "$(m 'pointer: %p %p')" "pointer: 0x7ffee4b3c8a0 0x0"
eq "star width and precision" "$(m 'star: [%*d] [%-*d] [%.*s]')" "star: [    42] [7   ] [abc]"
eq "strings, objects, (null), UTF-8" "$(m 'strings: %{public}s|%{public}s|%{public}@|%@|%{public}s')" \
   "strings: hello|(null)|NSString description|(null)|ünïcödé"
eq "multi-line object" "$(m 'multi-line: %{public}@')" "multi-line: first line
	second line
    third line"
eq "private, sensitive: redacted" "$(m 'privacy: user=%{private}s pid=%{private}d token=%{sensitive}s name=%{public}s')" \
   "privacy: user=<private> pid=<private> token=<private> name=ana"
eq "private data captured" "$(m 'captured: user=%{private}s uid=%{private}d host=%{public}s')" \
   "captured: user=ana uid=501 host=mbp.local"
eq "second private range of the chunk" "$(m 'captured: path=%{private}s')" "captured: path=/Users/ana/secret.txt"
eq "private data of a collapsed chunk" "$(m 'captured (collapsed chunk): %{private}s')" "captured (collapsed chunk): token-42"
eq "bool, BOOL" "$(m 'bool: %{bool}d %{bool}d %{BOOL}d %{BOOL}d')" "bool: true false YES NO"
eq "errno, darwin.errno, %m" "$(m 'errno: %{errno}d | %{darwin.errno}d | %m')" \
   "errno: [2: No such file or directory] | [32: Broken pipe] | No route to host"
eq "darwin.signal" "$(m 'signal: %{darwin.signal}d')" "signal: [sigsegv: Segmentation Fault]"
eq "time_t (UTC)" "$(m 'time: %{time_t}d')" "time: 2016-01-12 19:41:37"
eq "uuid_t" "$(m 'uuid: %{public,uuid_t}.16P')" "uuid: 10742E39-0657-41F8-AB99-878C5EC2DCAA"
eq "in_addr, in6_addr" "$(m 'net: %{network:in_addr}d %{network:in6_addr}.16P')" "net: 127.0.0.1 fe80::f:86ff:fee9:5c16"
eq "mask.hash" "$(m 'hash: %{private, mask.hash}s')" "hash: <mask.hash: 'HR/T++mmRmq3Mn+2mGECsg=='>"
eq "unknown decoder keeps the raw value" "$(m 'od: %{public, odtypes:ODError}d done')" "od: 5000 done"
eq "dynamic format: the string as is" "$(q "$T/bin.db" "SELECT format_string || ' ' || message FROM event_view WHERE pid = 4242 AND format_string = '%s'")" \
   "%s dynamic message, %d kept literally"
eq "Team ID message with its redacted path" "$(q "$T/bin.db" "SELECT message FROM event_view WHERE message LIKE '%Team ID fatal.'")" \
   "<private>: Broken signature with Team ID fatal."
eq "null objects in a launch check" "$(q "$T/bin.db" "SELECT message FROM event_view WHERE time_text = '2026-11-19 13:00:00.011000-0800'")" \
   "Checking PreventLaunch: global:0 exPath:/Applications/DelightEd.app/Contents/MacOS/DelightEd predicates:(null) allow:(null)"
eq "trace values" "$(q "$T/bin.db" "SELECT message FROM event_view WHERE type = 'Trace'")" "trace: counter=200 size=140717286580400"
eq "loss" "$(q "$T/bin.db" "SELECT message FROM event_view WHERE type = 'Loss'")" \
   "lost >=3 unreliable messages from 446459997050-446469597050 (Mach continuous exact start-approx. end)"
eq "text state data after its title" "$(q "$T/bin.db" "SELECT message FROM event_view WHERE type = 'State' AND pid = 165")" "RunningBoard state:
processes: 42
assertions: 7
	DelightEd (1990): foreground"
eq "simpledump" "$(q "$T/bin.db" "SELECT type || '|' || subsystem || '|' || message FROM event_view WHERE pid = 1")" \
   "Default|com.apple.xpc.launchd|Service exited with abnormal code: 78"
eq "empty message of a kext" "$(q "$T/bin.db" "SELECT '[' || message || '] ' || sender FROM event_view WHERE time_text = '2026-11-19 08:00:06.000001-0800'")" \
   "[] AppleMobileFileIntegrity"
eq "oversize data: before, after, in another file" "$(q "$T/bin.db" "SELECT substr(message, 1, 24) || ' ' || length(message) FROM event_view WHERE message LIKE 'payload(%' ORDER BY time_us")" \
"payload(before): abcdefg 1217
payload(after): ABCDEFGH 1326
payload(elsewhere): klmn 1520"
eq "types" "$(q "$T/bin.db" "SELECT type || ' ' || count(*) FROM event_view GROUP BY type ORDER BY type")" \
"Activity 2
Debug 2
Default 41
Error 7
Fault 1
Info 5
Loss 1
Signpost 4
State 2
Trace 1
UserAction 1"
eq "signposts" "$(q "$T/bin.db" "SELECT printf('0x%x', signpost_id) || ' ' || signpost_scope || ' ' || signpost_type || ' ' || ifnull(signpost_name, '-') FROM event_view WHERE type = 'Signpost' ORDER BY time_us")" \
"0xeeeeb0b5b2b2eeee process begin LaunchApp
0xeeeeb0b5b2b2eeee process end LaunchApp
0x2a thread event -
0xfeedface system event Checkpoint"

# ---- the rules reach the same findings from both forms ------------------------
$S analyze -q "$T/bin.db" >/dev/null 2>&1
$S analyze -q "$T/txt.db" >/dev/null 2>&1
$S explain --format json "$T/bin.db" >"$T/bin.jsonl" 2>/dev/null
$S explain --format json "$T/txt.db" >"$T/txt.jsonl" 2>/dev/null
# rule, verdict, subject, pid, sorted reasons
findings() {
    { echo '['; paste -sd, "$1"; echo ']'; } >"$1.array"
    sq "SELECT json_extract(f.value, '\$.rule') || char(9) ||
           json_extract(f.value, '\$.verdict') || char(9) ||
           ifnull(json_extract(f.value, '\$.subject_path'), '') || char(9) ||
           ifnull(json_extract(f.value, '\$.pid'), '') || char(9) ||
           (SELECT ifnull(group_concat(r, ','), '') FROM (SELECT r.value AS r
              FROM json_each(f.value, '\$.reasons') r ORDER BY 1))
        FROM json_each(readfile('$1.array')) f ORDER BY 1;"
}
# everything an analyst reads except where the evidence lines are: reason
# texts, codes, notes, explanation, and each evidence event's role, time,
# process and message
findings_full() {
    sq "SELECT json_extract(f.value, '\$.rule') || '|' ||
           json_extract(f.value, '\$.verdict') || '|' ||
           json_extract(f.value, '\$.explanation') || '|' ||
           json_extract(f.value, '\$.codes') || '|' ||
           json_extract(f.value, '\$.code_details') || '|' ||
           json_extract(f.value, '\$.notes') || '|' ||
           (SELECT group_concat(t, '|') FROM (SELECT json_extract(r.value, '\$.id') || '=' ||
              json_extract(r.value, '\$.text') AS t FROM json_each(f.value, '\$.reason_details') r ORDER BY 1)) || '|' ||
           (SELECT group_concat(t, '|') FROM (SELECT json_extract(e.value, '\$.role') || '@' ||
              json_extract(e.value, '\$.time') || ' ' || json_extract(e.value, '\$.process') || ': ' ||
              json_extract(e.value, '\$.message') AS t FROM json_each(f.value, '\$.evidence') e ORDER BY 1))
        FROM json_each(readfile('$1.array')) f ORDER BY 1;"
}
WANT="cs.launch.blocked	blocked	/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd	2741	asp_denied,first_launch_from_path,kernel_refused,signature_invalid,team_id_fatal
cs.launch.tolerated	tolerated	/Applications/DelightEd.app/Contents/MacOS/DelightEd	2690	advisory_checkers_only,previously_launched_same_path,process_ran"
eq "findings from the binary log" "$(findings "$T/bin.jsonl")" "$WANT"
eq "findings from the text twin" "$(findings "$T/txt.jsonl")" "$WANT"
eq "same reasons, codes, notes and evidence" "$(findings_full "$T/bin.jsonl")" "$(findings_full "$T/txt.jsonl")"
has "evidence named by locator in the binary case" "$(cat "$T/bin.jsonl")" '"locator":"0000000000000001.tracev3 chunk@0x'
has "evidence named by line in the text case" "$(cat "$T/txt.jsonl")" '"line":'

# ---- a uuidtext file missing ---------------------------------------------------
cp -r "$LA" "$T/gone.logarchive"
chmod -R u+w "$T/gone.logarchive"
rm "$T/gone.logarchive/$(awk -F'\t' '$1 == "runningboardd" {print $4}' "$G/images.tsv")"
ok "ingest without runningboardd's uuidtext" $S ingest -q "$T/gone.db" "$T/gone.logarchive"
W=$(q "$T/gone.db" "SELECT group_concat(message, '|') FROM warnings")
has "missing uuidtext warned" "$W" "uuidtext file of $RBD_UUID not found under $T/gone.logarchive: its records get placeholder messages"
# Persist and Signpost need its format strings, Special its path (the
# process of its statedump)
eq "one warning per file that needed it" "$(q "$T/gone.db" "SELECT count(*) FROM warnings WHERE message LIKE '%uuidtext file of $RBD_UUID not found%'")" 3
eq "placeholders counted per file" "$(q "$T/gone.db" "SELECT s.member || ': ' || (SELECT count(*) FROM events e WHERE e.source_id = s.id AND e.message LIKE '<compose failure%') || '/' || s.records || ' ' ||
     (SELECT count(*) FROM warnings w WHERE w.source_id = s.id AND w.message LIKE '%: ' ||
       (SELECT count(*) FROM events e WHERE e.source_id = s.id AND e.message LIKE '<compose failure%') || ' of ' || s.records || ' records have placeholder messages (format string not found)')
     FROM sources s WHERE s.format = 'tracev3' ORDER BY s.member")" \
"Persist/0000000000000001.tracev3: 5/58 1
Signpost/0000000000000003.tracev3: 2/4 1
Special/0000000000000002.tracev3: 0/5 0"
eq "placeholder names the image" "$(q "$T/gone.db" "SELECT DISTINCT message FROM event_view WHERE pid = 165 AND type <> 'State'")" "<compose failure [$RBD_UUID]>"
eq "why, and the raw arguments kept" "$(q "$T/gone.db" "SELECT json_extract(extra, '\$.unresolved') || ' ' || json_extract(extra, '\$.args') FROM event_view WHERE time_text = '2026-11-19 13:00:00.050000-0800'")" \
   'uuidtext file missing ["application.com.delighted.DelightEd.20753384.20753390",501,1990]'
eq "everything else unchanged" "$(diff_events "$T/bin.db" "$T/gone.db" "pid <> 165" | cut -c1-200)" ""
$S analyze -q "$T/gone.db" >/dev/null 2>&1
$S explain --format json "$T/gone.db" >"$T/gone.jsonl" 2>/dev/null
eq "without runningboardd's messages the relaunch is not explained" "$(findings "$T/gone.jsonl" | cut -f1,2)" "cs.launch.blocked	blocked"

# ---- one tracev3 file with --uuidtext and --timesync ---------------------------
# the file alone; the stores in a folder holding no tracev3 file, so the
# oversize data kept in Special is not found and the entry waiting for
# oversize data later in the same file is joined when it arrives
P=Persist/0000000000000001.tracev3
mkdir -p "$T/alone" "$T/stores/uuidtext" "$T/empty"
cp "$LA/$P" "$T/alone/"
cp -r "$LA/dsc" "$LA"/[0-9A-F][0-9A-F] "$T/stores/uuidtext/"
cp -r "$LA/timesync" "$T/stores/"
ONE=$T/alone/0000000000000001.tracev3
ok "ingest one file with --uuidtext --timesync" $S ingest -q "$T/one.db" "$ONE" --uuidtext "$T/stores/uuidtext" --timesync "$T/stores/timesync"
eq "options recorded on the source" "$(q "$T/one.db" "SELECT key || '=' || value FROM source_notes WHERE key IN ('uuidtext_dir', 'timesync_dir', 'time_source') ORDER BY key")" \
"time_source=timesync
timesync_dir=$T/stores/timesync
uuidtext_dir=$T/stores/uuidtext"
eq "one file: records" "$(q "$T/one.db" "SELECT records FROM sources")" 58
eq "one file: the same events as from the archive" "$(diff_events "$T/bin.db" "$T/one.db" "locator LIKE '0000000000000001.tracev3%' AND message NOT LIKE 'payload(elsewhere)%'" | cut -c1-200)" ""
eq "one file: oversize data of another file missing" "$(q "$T/one.db" "SELECT message || ' ' || json_extract(extra, '\$.oversize') FROM event_view WHERE format_string LIKE 'payload(elsewhere)%'")" \
   "payload(elsewhere): <decode: missing data> missing"
has "one file: missing oversize data warned" "$(q "$T/one.db" "SELECT group_concat(message, '|') FROM warnings")" \
    "1 entries reference oversize data absent from the file"
eq "one file: oversize data later in the file joined" "$(q "$T/one.db" "SELECT length(message) FROM event_view WHERE message LIKE 'payload(after)%'")" 1326

ok "ingest alone without the stores" $S ingest -q "$T/bare.db" "$ONE"
has "alone: no uuidtext found" "$(q "$T/bare.db" "SELECT group_concat(message, '|') FROM warnings")" "no uuidtext folder found beside $ONE"
eq "alone: times from the header" "$(q "$T/bare.db" "SELECT value FROM source_notes WHERE key = 'time_source'")" "header"

ok "environment variables do the same" env SIGTRAIL_UUIDTEXT="$T/stores/uuidtext" SIGTRAIL_TIMESYNC="$T/stores/timesync" \
    $S ingest -q "$T/env.db" "$ONE"
eq "environment: same events as the options" "$(diff_events "$T/one.db" "$T/env.db" | cut -c1-200)" ""
eq "environment: stores recorded" "$(q "$T/env.db" "SELECT group_concat(value, ' ') FROM (SELECT value FROM source_notes WHERE key IN ('uuidtext_dir', 'timesync_dir') ORDER BY key)")" \
   "$T/stores/timesync $T/stores/uuidtext"
mkdir -p "$T/decoy/uuidtext/00" "$T/decoy/timesync"
ok "options win over the environment" env SIGTRAIL_UUIDTEXT="$T/decoy/uuidtext" SIGTRAIL_TIMESYNC="$T/decoy/timesync" \
    $S ingest -q "$T/both.db" "$ONE" --uuidtext "$T/stores/uuidtext" --timesync "$T/stores/timesync"
eq "options over environment: same events" "$(diff_events "$T/one.db" "$T/both.db" | cut -c1-200)" ""
ok "only --timesync: uuidtext from the environment" env SIGTRAIL_UUIDTEXT="$T/stores/uuidtext" \
    $S ingest -q "$T/ts.db" "$ONE" --timesync "$T/stores/timesync"
eq "only --timesync: same events" "$(diff_events "$T/one.db" "$T/ts.db" | cut -c1-200)" ""
ok "options apply to a folder too" $S ingest -q "$T/dir.db" "$T/alone" --uuidtext "$T/stores/uuidtext" --timesync "$T/stores/timesync"
eq "folder with options: same events" "$(diff_events "$T/one.db" "$T/dir.db" | cut -c1-200)" ""

# ---- their error cases -----------------------------------------------------------
# an error is one line on stderr, exit 2, and no case file is made
bad() { # name, expected text, args...
    local n=$1 want=$2; shift 2
    rm -f "$T/err.db"
    "$S" ingest -q "$T/err.db" "$ONE" "$@" >"$T/err.out" 2>"$T/err.txt"
    local rc=$?
    eq "$n: exit 2" "$rc" 2
    eq "$n: one line" "$(wc -l <"$T/err.txt")" 1
    has "$n: says why" "$(cat "$T/err.txt")" "$want"
    eq "$n: no case made" "$([ -e "$T/err.db" ] && echo made || echo none)" none
}
bad "missing --uuidtext" "sigtrail ingest: --uuidtext $T/nowhere: No such file or directory" --uuidtext "$T/nowhere"
bad "missing --timesync" "sigtrail ingest: --timesync $T/nowhere: No such file or directory" --timesync "$T/nowhere"
bad "--uuidtext on a file" "--uuidtext $ONE: not a folder" --uuidtext "$ONE"
bad "--uuidtext not a store" "--uuidtext $T/empty: not a uuidtext store" --uuidtext "$T/empty"
bad "--timesync without .timesync files" "--timesync $T/empty: no .timesync file in it" --timesync "$T/empty"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$T/locked/timesync"
    chmod 000 "$T/locked/timesync"
    bad "unreadable --timesync" "--timesync $T/locked/timesync: cannot be read" --timesync "$T/locked/timesync"
    chmod 755 "$T/locked/timesync"
else
    echo "skip: unreadable folder (running as root, every folder is readable)"
fi
status "--uuidtext without a value" 2 $S ingest -q "$T/err.db" "$ONE" --uuidtext
H=$($S ingest --help)
has "help: --uuidtext" "$H" "--uuidtext DIR"
has "help: --timesync" "$H" "--timesync DIR"
has "help: the environment variables" "$H" '($SIGTRAIL_TIMESYNC)'

finish
