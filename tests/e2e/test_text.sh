#!/bin/bash
# End-to-end: `log show` text styles, provenance, and bad input.
. "$(dirname "$0")/../lib.sh"
F=$ROOT/fixtures/text
S=$SIGTRAIL

# --- every record line of the corpus text exports parses (zero Unparsed) ---
if [ -d "$CORPUS" ]; then
    ok "corpus ingest" $S ingest -q $T/corpus.db "$CORPUS/banshee_com.apple.network.log" \
        "$CORPUS/srd_iphone11_amfi_coretrust_logshow_default.txt" "$CORPUS/wazuh_macos_syslog_style_lines.txt"
    eq "corpus: no Unparsed" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE type='Unparsed'")" 0
    eq "banshee: 365 records" "$(q $T/corpus.db "SELECT records FROM sources WHERE path LIKE '%banshee%'")" 365
    eq "banshee: 182 Default 183 Info" "$(q $T/corpus.db "SELECT group_concat(n) FROM (SELECT count(*) n FROM event_view WHERE source LIKE '%banshee%' GROUP BY type ORDER BY type)")" "182,183"
    eq "banshee: multi-line message kept whole (7 lines)" \
       "$(q $T/corpus.db "SELECT length(message)-length(replace(message,char(10),''))+1 FROM event_view WHERE message LIKE '%Connected Path: satisfied%'")" 7
    eq "banshee: empty category kept as empty" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE source LIKE '%banshee%' AND category = ''")" 8
    eq "srd: 3181 records, 10 Error" "$(q $T/corpus.db "SELECT count(*) || ',' || sum(type='Error') FROM event_view WHERE source LIKE '%srd_%'")" "3181,10"
    eq "srd: 3031 with a sender other than the process" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE source LIKE '%srd_%' AND sender != process")" 3031
    eq "srd: 985 with subsystem" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE source LIKE '%srd_%' AND subsystem IS NOT NULL")" 985
    eq "srd: offsets change inside the file" "$(q $T/corpus.db "SELECT group_concat(n) FROM (SELECT utc_offset_min || ':' || count(*) n FROM event_view WHERE source LIKE '%srd_%' GROUP BY utc_offset_min ORDER BY 1)")" "-300:3169,-480:12"
    eq "srd: AMFI rejection parsed" "$(q $T/corpus.db "SELECT process || '|' || sender || '|' || pid FROM event_view WHERE message LIKE 'AMFI: code signature validation failed.%' LIMIT 1")" "kernel|AppleMobileFileIntegrity_research|0"
    eq "srd: empty message after (sender)" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE source LIKE '%srd_%' AND message = '' AND sender = 'AppleImage4'")" 11
    eq "wazuh: 11 syslog records across 4 offsets" "$(q $T/corpus.db "SELECT count(*) || ',' || count(DISTINCT utc_offset_min) FROM event_view WHERE source LIKE '%wazuh%'")" "11,4"
    eq "wazuh: CRLF stripped" "$(q $T/corpus.db "SELECT count(*) FROM event_view WHERE source LIKE '%wazuh%' AND message LIKE '%'||char(13)")" 0
    eq "UTC conversion" "$(q $T/corpus.db "SELECT time_utc FROM event_view WHERE source LIKE '%banshee%' ORDER BY id LIMIT 1")" "2024-12-12T20:45:11.760781Z"
    eq "original timestamp text kept" "$(q $T/corpus.db "SELECT time_text FROM event_view WHERE source LIKE '%banshee%' ORDER BY id LIMIT 1")" "2024-12-12 21:45:11.760781+0100"
    eq "source line and byte offset" "$(q $T/corpus.db "SELECT line || ':' || byte_offset FROM event_view WHERE source LIKE '%banshee%' ORDER BY id LIMIT 1")" "2:89"
fi

# --- default style quirks ---
ok "default quirks" $S ingest -q $T/d.db $F/default_quirks.txt
eq "quirks: no unparsed, no warnings" "$(q $T/d.db "SELECT unparsed || ',' || warnings FROM sources")" "0,0"
eq "Timesync record" "$(q $T/d.db "SELECT type || '|' || message FROM event_view WHERE line=2")" "Timesync|=== system wallclock time adjusted"
eq "overflowing columns" "$(q $T/d.db "SELECT thread || '|' || activity || '|' || pid || '|' || type FROM event_view WHERE process='overflowd'")" "0x12345678901|0x1234567890abcdef|99999999|Error"
eq "activity id above 2^63 kept" "$(q $T/d.db "SELECT activity FROM event_view WHERE type='Activity'")" "0x80000000000ab54b"
eq "process name with spaces" "$(q $T/d.db "SELECT process || '|' || sender FROM event_view WHERE type='Activity'")" "Ur iOS AppName|UIKit"
eq "TTL column" "$(q $T/d.db "SELECT ttl FROM event_view WHERE process='apsd'")" 14
eq "continuation lines" "$(q $T/d.db "SELECT message FROM event_view WHERE process='sharingd'")" "Browser discovered
    node: Bob's iPhone
    kind: phone"
eq "signpost prefix" "$(q $T/d.db "SELECT process || '|' || printf('0x%x', signpost_id) || '|' || signpost_scope || '|' || signpost_type FROM event_view WHERE process='bluetoothd'")" "bluetoothd|0x291385ea6c83b460|process|begin"
eq "--source prefix" "$(q $T/d.db "SELECT process || '|' || sender || '|' || message FROM event_view WHERE line=11")" "kernel|IOTimeSyncFamily|clock manager init"
eq "core kernel line without sender" "$(q $T/d.db "SELECT sender || '|' || message FROM event_view WHERE line=13")" "kernel|Security policy loaded: Apple Mobile File Integrity (AMFI)"
eq "launchd subsystem with brackets" "$(q $T/d.db "SELECT subsystem || '|' || category FROM event_view WHERE process='launchd'")" "gui/501/com.biblio-demon [5715]|"
eq "out-of-order records kept in file order" "$(q $T/d.db "SELECT group_concat(line) FROM (SELECT line FROM event_view WHERE process IN ('dotnet','apsd') ORDER BY time_us)")" "4,3"
eq "trailer matched: no warning" "$(q $T/d.db "SELECT count(*) FROM warnings")" 0
ok "old header without TTL" $S ingest -q $T/old.db $F/default_old_nottl.txt
eq "old header: no TTL, pid and message right" "$(q $T/old.db "SELECT ifnull(ttl,'none') || '|' || pid || '|' || process FROM event_view ORDER BY line LIMIT 1")" "none|48240|Ur iOS AppName"
ok "pasted without header" $S ingest -q $T/nh.db $F/default_noheader.txt
eq "pasted: format and records" "$(q $T/nh.db "SELECT format || ',' || records || ',' || unparsed FROM sources")" "logshow-default,3,0"
eq "pasted: header noted missing" "$(q $T/nh.db "SELECT value FROM source_notes WHERE key='header'")" "missing"
ok "trailer mismatch ingests" $S ingest -q $T/tm.db $F/trailer_mismatch.txt
has "trailer mismatch warns" "$(q $T/tm.db "SELECT message FROM warnings")" "trailer says Default: 5 but 1"

# --- compact and syslog ---
ok "compact without --tz" $S ingest -q $T/c1.db $F/compact.txt
has "compact: UTC assumed warning" "$(q $T/c1.db "SELECT message FROM warnings")" "UTC assumed"
eq "compact: zone noted" "$(q $T/c1.db "SELECT value FROM source_notes WHERE key='tz_assumed'")" "UTC (no --tz)"
ok "compact --tz -0800" $S ingest -q --tz -0800 $T/c2.db $F/compact.txt
eq "compact: fixed offset applied" "$(q $T/c2.db "SELECT time_utc || '|' || utc_offset_min FROM event_view WHERE line=2")" "2026-10-04T14:00:04.653000Z|-480"
ok "compact --tz IANA" $S ingest -q --tz America/Los_Angeles $T/c3.db $F/compact.txt
eq "compact: DST offset from the tz database" "$(q $T/c3.db "SELECT utc_offset_min FROM event_view WHERE line=2")" -420
eq "compact: type codes" "$(q $T/c3.db "SELECT group_concat(type) FROM (SELECT type FROM event_view ORDER BY line)")" "Default,Error,Fault,StateDump,Default,Default,Default"
eq "compact: state dump body kept" "$(q $T/c3.db "SELECT length(message)-length(replace(message,char(10),'')) FROM event_view WHERE type='StateDump'")" 3
eq "compact: pid, tid, subsystem" "$(q $T/c3.db "SELECT pid || '|' || thread || '|' || subsystem || '|' || category FROM event_view WHERE process='linkd' AND type='Fault'")" "233|0x36aeed|com.apple.appintents|Registry"
eq "compact: sender only when shown" "$(q $T/c3.db "SELECT ifnull(sender,'-') FROM event_view WHERE line IN (2,3) ORDER BY line" | tr '\n' ,)" "IOgPTPPlugin,-,"
eq "compact: process with spaces" "$(q $T/c3.db "SELECT process FROM event_view WHERE pid=25670")" "Talaria 27"
status "unknown zone refused" 2 $S ingest -q --tz Mars/Olympus $T/c4.db $F/compact.txt
ok "syslog style" $S ingest -q $T/s.db $F/syslog.txt
eq "syslog: records, no type column" "$(q $T/s.db "SELECT count(*) || ',' || count(type_id) FROM events")" "4,0"
eq "syslog: kernel sandbox line" "$(q $T/s.db "SELECT process || '|' || pid || '|' || sender || '|' || message FROM event_view WHERE pid=0")" "kernel|0|Sandbox|Sandbox: sandbox-exec(41398) deny(1) process-exec* /usr/bin/touch"
eq "syslog: signpost then subsystem" "$(q $T/s.db "SELECT subsystem || '|' || signpost_type || '|' || message FROM event_view WHERE process='bluetoothd'")" "com.apple.bluetooth|begin|HIDInterruptData"
has "syslog: filter preamble noted" "$(q $T/s.db "SELECT value FROM source_notes WHERE key='filter'")" 'process == "sudo"'

# --- gzip, stdin, duplicates ---
gzip -c $F/syslog.txt > $T/syslog.txt.gz
ok "gzip input" $S ingest -q $T/gz.db $T/syslog.txt.gz
eq "gzip: same records" "$(q $T/gz.db "SELECT records FROM sources")" 4
eq "gzip: hash of the compressed bytes" "$(q $T/gz.db "SELECT sha256 FROM sources")" "$(sha256sum < $T/syslog.txt.gz | cut -c1-64)"
cat $F/syslog.txt $F/syslog.txt | gzip -c > $T/a.gz; gzip -c $F/syslog.txt > $T/b.gz; cat $T/b.gz $T/b.gz > $T/multi.gz
ok "multi-member gzip" $S ingest -q $T/mm.db $T/multi.gz
eq "multi-member gzip: both members read" "$(q $T/mm.db "SELECT records FROM sources")" 8
ok "stdin" bash -c "$S ingest -q $T/in.db - < $F/compact.txt"
eq "stdin: path and hash" "$(q $T/in.db "SELECT path || ' ' || sha256 FROM sources")" "- $(sha256sum < $F/compact.txt | cut -c1-64)"
ok "same bytes again" $S ingest -q $T/s.db $F/syslog.txt
eq "duplicate skipped" "$(q $T/s.db "SELECT count(*) FROM sources")" 1
has "duplicate message" "$($S ingest -q $T/s.db $F/syslog.txt 2>&1)" "skipped, same SHA-256"
ok "--force re-ingests" $S ingest -q --force $T/s.db $F/syslog.txt
eq "forced: two sources" "$(q $T/s.db "SELECT count(*) || ',' || (SELECT count(*) FROM events) FROM sources")" "2,8"
eq "command line recorded" "$(q $T/s.db "SELECT command_line FROM sources WHERE id=2")" "$S ingest -q --force $T/s.db $F/syslog.txt"
eq "runs recorded" "$(q $T/s.db "SELECT count(*) FROM runs WHERE command='ingest' AND sigtrail_version IS NOT NULL")" 4

# --- bad input ---
printf '\x00\x01\x02\x03binary\xff\xfe\x00\x00\x00' > $T/blob.bin
for i in $(seq 50); do printf '\x00\xde\xad\xbe\xef'; done >> $T/blob.bin
: > $T/empty.txt
cp $T/s.db $T/before.db
status "binary file: exit 2" 2 $S ingest -q $T/s.db $T/blob.bin
has "binary file: one-line error" "$($S ingest -q $T/s.db $T/blob.bin 2>&1)" "binary data in no format sigtrail reads"
status "empty file: exit 2" 2 $S ingest -q $T/s.db $T/empty.txt
has "empty file: message" "$($S ingest -q $T/s.db $T/empty.txt 2>&1)" "empty input"
status "missing path: exit 2" 2 $S ingest -q $T/s.db $T/nope.txt
has "missing path: message" "$($S ingest -q $T/s.db $T/nope.txt 2>&1)" "cannot open: No such file"
eq "rejected inputs leave the case as it was" "$(q $T/s.db "SELECT count(*) FROM sources") $(q $T/s.db "SELECT count(*) FROM events")" \
   "$(q $T/before.db "SELECT count(*) FROM sources") $(q $T/before.db "SELECT count(*) FROM events")"
ok "a directory is walked (issue 7)" $S ingest -q $T/dir.db $F
eq "a directory: each file a source" "$(q $T/dir.db "SELECT count(*) FROM sources WHERE member IS NOT NULL AND status = 'ingested'")" 6
status "one bad file among good ones: exit 2" 2 $S ingest -q $T/mix.db $F/compact.txt $T/blob.bin $F/syslog.txt
eq "one bad file never stops the others" "$(q $T/mix.db "SELECT group_concat(format) FROM sources")" "logshow-compact,logshow-syslog"
printf '%s\n' 'Timestamp                       Thread     Type        Activity             PID    TTL  ' \
  'this line fits no layout' \
  '2024-01-01 10:00:00.000000+0000 0x1        Default     0x0                  1      0    a: ok' \
  '2024-01-01 10:00:01.000000+0000 garbage after a timestamp' > $T/unparsed.txt
printf '2024-01-01 10:00:02.000000+0000 0x1        Default     0x0                  1      0    a: bad \xff\xfe bytes and a NUL \x00 here\n' >> $T/unparsed.txt
ok "unparsed lines ingest" $S ingest -q $T/u.db $T/unparsed.txt
eq "unparsed: counted" "$(q $T/u.db "SELECT unparsed FROM sources")" 2
eq "unparsed: raw text and line kept" "$(q $T/u.db "SELECT group_concat(line || '=' || message, ';') FROM event_view WHERE type='Unparsed'")" \
   "2=this line fits no layout;4=2024-01-01 10:00:01.000000+0000 garbage after a timestamp"
eq "unparsed: timestamp still read" "$(q $T/u.db "SELECT time_utc FROM event_view WHERE type='Unparsed' AND line=4")" "2024-01-01T10:00:01.000000Z"
eq "invalid UTF-8 and NUL: text sanitised" "$(q $T/u.db "SELECT message FROM event_view WHERE line=5")" "bad �� bytes and a NUL ␀ here"
eq "invalid UTF-8 and NUL: raw bytes kept" "$(q $T/u.db "SELECT hex(message_raw) FROM events WHERE line=5")" \
   "$(printf 'bad \xff\xfe bytes and a NUL \x00 here' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
{ printf 'Timestamp                       Thread     Type        Activity             PID    TTL  \n'
  printf '2024-01-01 10:00:00.000000+0000 0x1        Default     0x0                  1      0    big: '
  head -c 10485760 /dev/zero | tr '\0' 'x'; printf '\n'
  printf '2024-01-01 10:00:01.000000+0000 0x1        Default     0x0                  1      0    big: after\n'; } > $T/big.txt
ok "10 MB line" $S ingest -q $T/big.db $T/big.txt
eq "10 MB line: whole" "$(q $T/big.db "SELECT group_concat(length(message)) FROM events")" "10485760,5"
head -c 300 $T/syslog.txt.gz > $T/cut.gz
cat $F/syslog.txt $F/syslog.txt $F/syslog.txt | gzip -c | head -c 330 > $T/cut.gz
status "truncated gzip: exit 2" 2 $S ingest -q $T/cut.db $T/cut.gz
eq "truncated gzip: what was read is kept" "$(q $T/cut.db "SELECT status || ',' || (records > 0) FROM sources")" "partial,1"
printf 'hello\nthis is plain prose\n' > $T/prose.txt
status "unknown text: exit 2" 2 $S ingest -q $T/p.db $T/prose.txt
sqlite3 $T/other.db "CREATE TABLE t(x)"
status "foreign SQLite file as case refused" 2 $S ingest -q $T/other.db $F/syslog.txt
eq "foreign SQLite file untouched" "$(q $T/other.db "SELECT count(*) FROM sqlite_master")" 1

# --- progress line: only on a terminal, after a second, silenced by -q ---
if command -v script >/dev/null && [ -x "$TOOLS/genlog" ]; then
    "$TOOLS/genlog" 2500000 default > $T/large.log
    script -qec "$S ingest $T/prog.db $T/large.log" /dev/null > $T/tty.out 2>&1
    has "progress on a terminal" "$(tr '\r' '\n' < $T/tty.out)" "records/s, ETA"
    $S ingest $T/prog2.db $T/large.log > $T/notty.out 2>&1
    eq "no progress when not a terminal" "$(grep -c 'records/s' $T/notty.out)" 0
    script -qec "$S ingest -q $T/prog3.db $T/large.log" /dev/null > $T/tty2.out 2>&1
    eq "no progress with --quiet" "$(grep -c 'records/s' $T/tty2.out)" 0
    rm -f $T/large.log $T/prog*.db
fi

# --- commands ---
for c in ingest sources stats formats; do
    status "$c --help" 0 $S $c --help
done
status "no command: exit 2" 2 $S
status "unknown command: exit 2" 2 $S frobnicate
status "sources of a missing case: exit 2" 2 $S sources $T/none.db
has "sources lists hash" "$($S sources $T/gz.db)" "$(sha256sum < $T/syslog.txt.gz | cut -c1-64)"
has "stats counts" "$($S stats $T/d.db)" "11 events from 1 sources"
has "formats lists the text styles" "$($S formats)" "logshow-compact"
eq "schema version" "$(q $T/d.db "PRAGMA user_version")" 3
# a schema 1 case (the details layout of schema 2, its own event_view) is
# upgraded when next written to
cp $T/d.db $T/v1.db
sqlite3 $T/v1.db < $ROOT/tests/e2e/schema2.sql
sqlite3 $T/v1.db "DROP VIEW event_view; CREATE VIEW event_view AS SELECT id FROM events; PRAGMA user_version=1"
ok "schema 1 case: readable" $S stats $T/v1.db
eq "schema 1 case: not changed by reading" "$(q $T/v1.db "PRAGMA user_version")" 1
ok "schema 1 case: ingest into it" $S ingest -q $T/v1.db $F/compact.txt
eq "schema 1 case: upgraded to 3" "$(q $T/v1.db "PRAGMA user_version")" 3
eq "schema 1 case: event_view redefined" "$(q $T/v1.db "SELECT count(backtrace) = 0 AND count(*) = (SELECT count(*) FROM events) FROM event_view")" 1
# --- an interrupted ingest keeps every input it reported -------------------
# Inputs are group-committed (every 3 s); SIGTERM while the third
# input (a FIFO) is being read must still leave the two reported inputs in
# the case, roll the third back, and not start the fourth.
mkfifo $T/slow.fifo
$S ingest -q $T/int.db $F/syslog.txt $F/compact.txt $T/slow.fifo \
    $F/default_quirks.txt > $T/int.out 2> $T/int.err &
ipid=$!
exec 7> $T/slow.fifo
head -n 3 $F/compact.txt >&7
for _ in $(seq 100); do [ "$(grep -c '^ingested' $T/int.out)" -ge 2 ] && break; sleep 0.1; done
seen=$(grep -c '^ingested' $T/int.out)   # lines are flushed as inputs end
kill -TERM $ipid; sleep 0.2
tail -n +4 $F/compact.txt >&7; exec 7>&-
wait $ipid; irc=$?
eq "interrupted: both inputs reported while the third was read" "$seen" 2
eq "interrupted: exit status 2" "$irc" 2
has "interrupted: says so" "$(cat $T/int.err)" "interrupted: $T/int.db holds every input reported above"
eq "interrupted: reported inputs are in the case, the rest are not" "$(q $T/int.db "SELECT group_concat(format) FROM sources")" "logshow-syslog,logshow-compact"
eq "interrupted: as many events as reported" "$(q $T/int.db "SELECT count(*) FROM events")" "$(awk '/^ingested/ {n += $3} END {print n}' $T/int.out)"
eq "interrupted: the run says so" "$(q $T/int.db "SELECT note FROM runs")" "interrupted"
ok "interrupted: the same command finishes it" $S ingest -q $T/int.db $F/syslog.txt $F/compact.txt $F/default_quirks.txt
eq "interrupted: finished" "$(q $T/int.db "SELECT group_concat(format) FROM sources")" "logshow-syslog,logshow-compact,logshow-default"

finish
