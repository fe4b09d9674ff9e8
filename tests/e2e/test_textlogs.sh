#!/bin/bash
# End-to-end: Console.app copies (both layouts), BSD syslog / ASL text and
# iOS syslog relays (docs/textlogs.md): the corpus Console copy line by
# line, every layout's fields, dates and years, refusals, hostile input,
# and the code-signing rules explaining a kill reported in each layout.
. "$(dirname "$0")/../lib.sh"
F=$ROOT/fixtures/textlogs
S=$SIGTRAIL
: "${TOOLS:=$ROOT/build/scripts}"

# --- the corpus Console.app copy: every record and continuation line ------
C=$CORPUS/srd_console_app_copy_panic_19A5337a.txt
if [ -f "$C" ]; then
    status "corpus copy without --date refused" 2 $S ingest -q $T/cc0.db "$C"
    eq "corpus copy: one-line reason" "$($S ingest -q $T/cc0.db "$C" 2>&1)" \
       "sigtrail ingest: $C: Console.app copy has no dates: give --date YYYY-MM-DD"
    eq "corpus copy: refused input leaves no source" "$(q $T/cc0.db "SELECT count(*) FROM sources")" 0
    ok "corpus copy with --date" $S ingest -q --date 2021-08-20 $T/cc.db "$C"
    eq "corpus copy: detected format" "$(q $T/cc.db "SELECT format FROM sources")" console-copy
    eq "corpus copy: 2,225 records, 0 unparsed, 0 warnings" \
       "$(q $T/cc.db "SELECT records || ',' || unparsed || ',' || warnings FROM sources")" "2225,0,0"
    eq "corpus copy: 1,355 Default, 870 Error" \
       "$(q $T/cc.db "SELECT group_concat(type || ':' || n) FROM (SELECT type, count(*) n FROM event_view GROUP BY type ORDER BY type)")" \
       "Default:1355,Error:870"
    eq "corpus copy: 24 continuation lines kept in messages" \
       "$(q $T/cc.db "SELECT sum(length(message) - length(replace(message, char(10), ''))) FROM event_view")" 24
    # every line of the file is a record start or a continuation: the
    # record lines plus the newlines inside messages give the file's lines
    eq "corpus copy: records + continuations = all 2,249 lines" \
       "$(q $T/cc.db "SELECT count(*) + sum(length(message) - length(replace(message, char(10), ''))) FROM event_view")" \
       "$(wc -l < "$C" | tr -d ' ')"
    eq "corpus copy: record lines are the file's tab-led lines" \
       "$(q $T/cc.db "SELECT group_concat(line) FROM (SELECT line FROM event_view ORDER BY line)" | md5sum)" \
       "$(awk -F'\t' 'NF >= 4 { printf "%s%d", (n++ ? "," : ""), NR } END { print "" }' "$C" | md5sum)"
    eq "corpus copy: processes" \
       "$(q $T/cc.db "SELECT group_concat(process || ':' || n) FROM (SELECT process, count(*) n FROM event_view GROUP BY process ORDER BY n DESC LIMIT 3)")" \
       "kernel:2182,srd-panic:37,backboardd:6"
    eq "corpus copy: first record in UTC, original text kept" \
       "$(q $T/cc.db "SELECT time_utc || '|' || time_text || '|' || utc_offset_min FROM event_view WHERE line = 1")" \
       "2021-08-20T10:53:17.373291Z|06:53:17.373291-0400|-240"
    eq "corpus copy: last record" \
       "$(q $T/cc.db "SELECT time_utc FROM event_view ORDER BY line DESC LIMIT 1")" "2021-08-20T10:53:47.196260Z"
    eq "corpus copy: fields the layout lacks stay NULL" \
       "$(q $T/cc.db "SELECT count(*) FROM events WHERE pid IS NOT NULL OR thread_id IS NOT NULL OR sender_id IS NOT NULL OR subsystem_id IS NOT NULL OR category_id IS NOT NULL")" 0
    eq "corpus copy: { ... } block kept whole (5 lines)" \
       "$(q $T/cc.db "SELECT length(message) - length(replace(message, char(10), '')) + 1 FROM event_view WHERE line = 1015")" 5
    eq "corpus copy: the block's closing line" \
       "$(q $T/cc.db "SELECT substr(message, instr(message, '} state')) FROM event_view WHERE line = 1015")" \
       "} state:0x1 events:0 mask:0x0"
    eq "corpus copy: sandbox line" \
       "$(q $T/cc.db "SELECT type || '|' || process || '|' || message FROM event_view WHERE line = 2")" \
       "Error|kernel|Sandbox: srd-panic(264) deny(1) iokit-open-user-client IOKitDiagnosticsClient"
    eq "corpus copy: 197 lines mention Sandbox" \
       "$(q $T/cc.db "SELECT count(*) FROM event_view WHERE message LIKE '%Sandbox%'")" 197
    eq "corpus copy: --date noted" "$(q $T/cc.db "SELECT value FROM source_notes WHERE key = 'date'")" \
       "2021-08-20 (--date, first record)"
fi

# --- Console.app copy: fixtures ------------------------------------------
ok "copy fixture" $S ingest -q --date 2026-11-20 $T/ck.db $F/console_copy_kill.txt
eq "copy: records, unparsed, warnings" "$(q $T/ck.db "SELECT format || ',' || records || ',' || unparsed || ',' || warnings FROM sources")" "console-copy,13,0,0"
eq "copy: lower-case types mapped" "$(q $T/ck.db "SELECT group_concat(DISTINCT type) FROM (SELECT type FROM event_view ORDER BY line)")" "Default,Error,Info,Debug,Fault"
eq "copy: multi-line message whole" "$(q $T/ck.db "SELECT message FROM event_view WHERE line = 5")" \
"AMFI: When validating /Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd:
  The code contains a Team ID, but validating its signature failed.
 Please check your system log."
eq "copy: { } block whole" "$(q $T/ck.db "SELECT length(message) - length(replace(message, char(10), '')) FROM event_view WHERE process = 'runningboardd'")" 3
eq "copy: source line and byte offset" "$(q $T/ck.db "SELECT line || ':' || byte_offset FROM event_view WHERE line = 8")" "8:$(head -7 $F/console_copy_kill.txt | wc -c | tr -d ' ')"
status "copy: bad --date refused" 2 $S ingest -q --date 2026-02-30 $T/bad.db $F/console_copy_kill.txt
has "copy: bad --date message" "$($S ingest -q --date 2026-02-30 $T/bad.db $F/console_copy_kill.txt 2>&1)" "--date wants YYYY-MM-DD, not '2026-02-30'"
ok "midnight fixture" $S ingest -q --date 2016-12-31 $T/mn.db $F/console_copy_midnight.txt
eq "midnight: roll-overs noted" "$(q $T/mn.db "SELECT group_concat(value, ';') FROM source_notes WHERE key = 'date_rollover'")" \
   "line 3: 2017-01-01;line 12: 2017-01-02"
eq "midnight: dates advance, a late line stays on its day" \
   "$(q $T/mn.db "SELECT group_concat(line || '=' || substr(time_utc, 1, 19), ' ') FROM (SELECT * FROM event_view ORDER BY line)")" \
   "1=2016-12-31T22:59:58 2=2016-12-31T22:59:59 3=2016-12-31T23:00:00 4=2016-12-31T22:59:59 5=2016-12-31T23:00:01 7=2016-12-31T23:00:02 10=2017-01-01T10:59:59 11=2017-01-01T22:59:59 12=2017-01-01T23:00:00"
eq "midnight: blank line inside a message kept, others counted" \
   "$(q $T/mn.db "SELECT message FROM event_view WHERE line = 7")|$(q $T/mn.db "SELECT value FROM source_notes WHERE key = 'blank_lines'")" \
   "message with a blank line

  inside it|2"

# --- Console.app copy with dates -----------------------------------------
ok "dated fixture" $S ingest -q $T/dx.db $F/console_dated_xvim.txt
eq "dated: format, records" "$(q $T/dx.db "SELECT format || ',' || records || ',' || unparsed FROM sources")" "console-dated,6,0"
eq "dated: order decided by the values" "$(q $T/dx.db "SELECT value FROM source_notes WHERE key = 'date_order'")" "dmy (from the values, line 1)"
has "dated: no --tz warns UTC" "$(q $T/dx.db "SELECT message FROM warnings")" "UTC assumed"
eq "dated: fields" "$(q $T/dx.db "SELECT time_utc || '|' || time_text || '|' || process || '|' || pid || '|' || ifnull(type, 'NULL') FROM event_view WHERE line = 2")" \
   "2016-09-13T12:27:05.000000Z|13/09/2016 12:27:05.000|kernel|0|NULL"
eq "dated: process with spaces" "$(q $T/dx.db "SELECT process || '|' || pid FROM event_view WHERE line = 6")" "Google Chrome Helper|1180"
eq "dated: TAB continuation kept" "$(q $T/dx.db "SELECT instr(message, char(10) || char(9) || '/Users/pi') > 0 FROM event_view WHERE line = 4")" 1
ok "dated --tz" $S ingest -q --tz Europe/London $T/dz.db $F/console_dated_xvim.txt
eq "dated: --tz applied (BST)" "$(q $T/dz.db "SELECT time_utc || '|' || utc_offset_min FROM event_view WHERE line = 2")" "2016-09-13T11:27:05.000000Z|60"
status "ambiguous dates refused" 2 $S ingest -q $T/am.db $F/console_dated_ambiguous.txt
has "ambiguous: message" "$($S ingest -q $T/am.db $F/console_dated_ambiguous.txt 2>&1)" "give --date-order dmy|mdy"
ok "ambiguous --date-order mdy" $S ingest -q --date-order mdy $T/am.db $F/console_dated_ambiguous.txt
eq "ambiguous: mdy applied" "$(q $T/am.db "SELECT group_concat(substr(time_utc, 1, 10)) FROM event_view")" "2016-05-09,2016-06-09"
ok "ambiguous --date-order dmy" $S ingest -q --date-order dmy $T/am2.db $F/console_dated_ambiguous.txt
eq "ambiguous: dmy applied" "$(q $T/am2.db "SELECT group_concat(substr(time_utc, 1, 10)) FROM event_view")" "2016-09-05,2016-09-06"
ok "values beat --date-order" $S ingest -q --date-order mdy $T/vo.db $F/console_dated_xvim.txt
has "values beat --date-order: warned" "$(q $T/vo.db "SELECT group_concat(message) FROM warnings")" "--date-order mdy contradicts the dates"
ok "US dates, AM/PM" $S ingest -q $T/us.db $F/console_dated_us.txt
eq "US: mdy, 12 PM and 12 AM" "$(q $T/us.db "SELECT group_concat(time_utc) FROM event_view")" "2016-09-13T12:27:05.000000Z,2016-09-14T00:05:00.250000Z"
# an ambiguous head decided by a later line: the held lines are read then
{ for i in $(seq 3000); do printf '05/09/2016 08:%02d:%02d.000 kernel[0]: ambiguous line %d\n' $((i / 60 % 60)) $((i % 60)) $i; done
  printf '25/09/2016 09:00:00.000 kernel[0]: the deciding line\n'; } > $T/late.txt
ok "order decided late" $S ingest -q $T/lt.db $T/late.txt
eq "order decided late: all lines, dmy" "$(q $T/lt.db "SELECT records || ',' || (SELECT value FROM source_notes WHERE key = 'date_order') FROM sources")" "3001,dmy (from the values, line 3001)"
eq "order decided late: first line dated dmy" "$(q $T/lt.db "SELECT substr(time_utc, 1, 10) FROM event_view WHERE line = 1")" "2016-09-05"

# --- BSD syslog / ASL text -----------------------------------------------
ok "system.log with BOOT_TIME" $S ingest -q $T/sq.db $F/system_log_quarantine.log
eq "system.log: format, records" "$(q $T/sq.db "SELECT format || ',' || records || ',' || unparsed FROM sources")" "bsd-syslog,10,0"
eq "system.log: year from BOOT_TIME" "$(q $T/sq.db "SELECT value FROM source_notes WHERE key = 'year'")" \
   "2019 (first record; from BOOT_TIME/SHUTDOWN_TIME at line 1)"
eq "system.log: BOOT_TIME gives the offset" "$(q $T/sq.db "SELECT value FROM source_notes WHERE key = 'utc_offset_from_boot_time'")" "-0800 (line 1)"
eq "system.log: hosts noted" "$(q $T/sq.db "SELECT group_concat(value, ';') FROM source_notes WHERE key = 'host'")" \
   "localhost (from line 1);Anas-MacBook-Pro (from line 9)"
eq "system.log: no type, no sender without a level" "$(q $T/sq.db "SELECT count(*) FROM event_view WHERE type IS NOT NULL AND process IS NOT NULL OR sender IS NOT NULL")" 0
eq "system.log: indented ASL Module lines kept" "$(q $T/sq.db "SELECT message FROM event_view WHERE line = 2")" \
'Configuration Notice:
    ASL Module "com.apple.cdscheduler" claims selected messages.
    Those messages may not appear in standard system log files or in the ASL database.'
eq "system.log: launchd job form" "$(q $T/sq.db "SELECT process || '|' || pid || '|' || message || '|' || extra FROM event_view WHERE line = 12")" \
   'com.apple.xpc.launchd|1|(application.com.example.invoice.7391882.7391889[1408]): Service exited due to signal: Killed: 9|{"launchd_job":"application.com.example.invoice.7391882.7391889","launchd_job_pid":1408}'
eq "system.log: repeat line is its own event" "$(q $T/sq.db "SELECT type || '|' || ifnull(process, 'NULL') || '|' || message || '|' || extra FROM event_view WHERE line = 13")" \
   'Default|NULL|--- last message repeated 1 time ---|{"repeat_count":1,"repeats_line":12}'
eq "system.log: process with spaces" "$(q $T/sq.db "SELECT process || '|' || pid FROM event_view WHERE line = 10")" "Google Chrome|1377"
ok "system.log --tz" $S ingest -q --tz America/Los_Angeles $T/sz.db $F/system_log_quarantine.log
eq "system.log: --tz applied" "$(q $T/sz.db "SELECT time_utc || '|' || time_text || '|' || utc_offset_min FROM event_view WHERE line = 1")" \
   "2019-03-02T17:14:55.000000Z|Mar  2 09:14:55|-480"
ok "--year agrees" $S ingest -q --year 2019 $T/y1.db $F/system_log_quarantine.log
eq "--year agrees: no year warning" "$(q $T/y1.db "SELECT count(*) FROM warnings WHERE message LIKE '%--year%'")" 0
ok "--year contradicted" $S ingest -q --year 2018 $T/y2.db $F/system_log_quarantine.log
has "--year contradicted: warned, --year used" "$(q $T/y2.db "SELECT group_concat(message) FROM warnings")" "--year gives 2018 here but the line's BOOT_TIME/SHUTDOWN_TIME says 2019: --year used"
status "relay without --year refused" 2 $S ingest -q $T/r0.db $F/ios_relay_lptest.log
has "relay without --year: message" "$($S ingest -q $T/r0.db $F/ios_relay_lptest.log 2>&1)" "give --year YYYY"
ok "iOS relay --year" $S ingest -q --year 2016 --tz -0800 $T/ir.db $F/ios_relay_lptest.log
eq "relay: format, records, unparsed" "$(q $T/ir.db "SELECT format || ',' || records || ',' || unparsed FROM sources")" "bsd-syslog,11,0"
eq "relay: ASL levels as types" "$(q $T/ir.db "SELECT group_concat(ifnull(type, '-')) FROM (SELECT type FROM event_view ORDER BY line)")" "-,Default,Default,Error,Default,Fault,Fault,Default,Info,Debug,-"
eq "relay: lossy levels kept in extra" "$(q $T/ir.db "SELECT group_concat(line || '=' || json_extract(extra, '$.asl_level')) FROM (SELECT * FROM event_view WHERE json_extract(extra, '$.asl_level') IS NOT NULL ORDER BY line)")" "6=Critical,7=Critical,9=Warning"
eq "relay: proc(sender)[pid]" "$(q $T/ir.db "SELECT process || '|' || sender || '|' || pid FROM event_view WHERE line = 5")" "amfid|libmis.dylib|207"
eq "relay: no sender when none is written" "$(q $T/ir.db "SELECT count(*) FROM event_view WHERE sender IS NOT NULL")" 3
eq "relay: TAB continuation" "$(q $T/ir.db "SELECT length(message) - length(replace(message, char(10), '')) FROM event_view WHERE line = 7")" 1
eq "relay: { } block" "$(q $T/ir.db "SELECT substr(message, -11) FROM event_view WHERE line = 9")" "} state:0x1"
eq "relay: status lines are events of their own" "$(q $T/ir.db "SELECT group_concat(line || '=' || message) FROM event_view WHERE time_utc IS NULL")" \
   "1=[connected:7a1c0f3e29b4d5c6a8e7f60123456789abcdef01],15=[disconnected:7a1c0f3e29b4d5c6a8e7f60123456789abcdef01]"
eq "relay: offset" "$(q $T/ir.db "SELECT time_utc || '|' || utc_offset_min FROM event_view WHERE line = 3")" "2016-01-22T19:28:49.000000Z|-480"
ok "new year" $S ingest -q --year 2018 $T/ny.db $F/syslog_newyear.log
eq "new year: roll-over noted" "$(q $T/ny.db "SELECT value FROM source_notes WHERE key = 'year_rollover'")" "line 3: 2019"
eq "new year: dates" "$(q $T/ny.db "SELECT group_concat(line || '=' || ifnull(substr(time_utc, 1, 10), '-'), ' ') FROM (SELECT * FROM event_view ORDER BY line)")" \
   "1=2018-12-31 2=2018-12-31 3=2019-01-01 4=2018-12-31 5=2019-01-01 6=-"
eq "new year: Feb 29 of 2019 Unparsed, warned" "$(q $T/ny.db "SELECT (SELECT type FROM event_view WHERE line = 6) || '|' || (SELECT message FROM warnings WHERE line = 6)")" \
   "Unparsed|Feb 29 does not exist in 2019: kept as Unparsed"
# a gzip rotation (system.log.0.gz) reads like the plain file
gzip -c $F/system_log_quarantine.log > $T/system.log.0.gz
ok "gzip rotation" $S ingest -q $T/gz.db $T/system.log.0.gz
eq "gzip rotation: same events" "$(q $T/gz.db "SELECT group_concat(line || time_utc || message) FROM event_view")" \
   "$(q $T/sq.db "SELECT group_concat(line || time_utc || message) FROM event_view")"
eq "gzip rotation: hash of the compressed bytes" "$(q $T/gz.db "SELECT format || ' ' || sha256 FROM sources")" \
   "bsd-syslog $(sha256sum < $T/system.log.0.gz | cut -c1-64)"
# a BOOT_TIME deep in the file dates the lines held before it, across a new year
{ printf 'Dec 31 23:59:58 mac kernel[0]: before the new year\n'
  for i in $(seq 2000); do printf 'Jan  1 00:%02d:%02d mac kernel[0]: held line %d\n' $((i / 60 % 60)) $((i % 60)) $i; done
  printf 'Jan  1 01:00:00 localhost bootlog[0]: BOOT_TIME %s 0\n' "$(date -u -d '2021-01-01 01:00:00' +%s)"; } > $T/late.log
ok "BOOT_TIME late in the file" $S ingest -q $T/ly.db $T/late.log
eq "BOOT_TIME late: years before and after the roll-over" \
   "$(q $T/ly.db "SELECT group_concat(substr(time_utc, 1, 10)) FROM event_view WHERE line IN (1, 2, 2002)")" "2020-12-31,2021-01-01,2021-01-01"
printf 'Jan  1 01:00:00 mac bootlog[0]: BOOT_TIME 1234567890 0\n' > $T/wrong.log
status "BOOT_TIME that contradicts its line: no year, refused" 2 $S ingest -q $T/wr.db $T/wrong.log

# --- formats list, detection ----------------------------------------------
for fmt in console-copy console-dated bsd-syslog; do
    has "formats lists $fmt" "$($S formats)" "$fmt"
done
eq "compact export still detected as compact" "$($S ingest -q $T/cmp.db $ROOT/fixtures/text/compact.txt | grep -o '(logshow-compact)')" "(logshow-compact)"

# --- hostile input: one bad file never stops the others --------------------
printf 'error\t10:00:00.000000-0800\tkernel\tgood\n' > $T/good.txt
printf 'default\t99:99:99.0\tx\ty\ndefault\t10:00:01.000000-0800\n\x00\x01\xff\xfe\tjunk\n' > $T/junk.txt
ok "junk Console copy ingests" $S ingest -q --format console-copy --date 2020-01-01 $T/j.db $T/junk.txt
eq "junk: a bad time and a record without a message are Unparsed" "$(q $T/j.db "SELECT group_concat(line || '=' || type) FROM event_view")" "1=Unparsed,2=Unparsed"
status "one bad file among good ones: exit 2" 2 $S ingest -q --date 2020-01-01 $T/mix.db $T/good.txt $F/console_dated_ambiguous.txt $F/system_log_quarantine.log
eq "one bad file never stops the others" "$(q $T/mix.db "SELECT group_concat(format) FROM sources")" "console-copy,bsd-syslog"
{ printf 'Nov 20 10:00:00 mac kernel[0]: '; head -c 5000000 /dev/zero | tr '\0' 'x'; printf '\n'; } > $T/long.log
ok "5 MB syslog line" $S ingest -q --year 2020 $T/long.db $T/long.log
eq "5 MB line whole" "$(q $T/long.db "SELECT length(message) FROM events")" 5000000
if [ -x "$TOOLS/gen_textlogs" ]; then
    for form in copy dated syslog asl; do
        "$TOOLS/gen_textlogs" 20000 $form > $T/gen_$form.log
        ok "generated $form ingests" $S ingest -q --date 2024-11-20 --year 2024 $T/gen_$form.db $T/gen_$form.log
        eq "generated $form: 20000 records, none unparsed" "$(q $T/gen_$form.db "SELECT records || ',' || unparsed FROM sources")" "$([ $form = syslog ] && echo 20001 || echo 20000),0"
    done
fi

# --- the rules explain a kill reported in each layout ----------------------
# explain --format json prints one object per line and finding; SQLite's
# JSON functions read it (no other tool needed).  Checked: the verdict, the
# subject, the reasons and the evidence lines cited.
# js SQL-EXPR : evaluates EXPR over each JSON object of stdin (one per
# line) as x, in order
js() { sed '1s/^/[/; $!s/$/,/; $s/$/]/' > $T/.js.json
       sqlite3 :memory: "SELECT $1 FROM (SELECT value AS x FROM json_each(readfile('$T/.js.json')))"; }
finding() { # CASE RULE -> "verdict|subject|reasons|role:line ..." (first finding)
    $S explain --format json --rule "$2" "$1" | head -1 | js "json_extract(x, '$.verdict') || '|' || json_extract(x, '$.subject_path') || '|' || (SELECT group_concat(value, ',') FROM json_each(x, '$.reasons')) || '|' || (SELECT group_concat(json_extract(value, '$.role') || ':' || json_extract(value, '$.line'), ' ') FROM json_each(x, '$.evidence'))"
}
jx() { # CASE PATH -> that value of the first finding
    $S explain --format json "$1" | head -1 | js "json_extract(x, '$2')"; }
ok "copy: analyze" $S analyze -q $T/ck.db
eq "copy: signature kill explained" "$(finding $T/ck.db cs.kill.signature_failed)" \
   "blocked|/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd|amfi_validation_failed,team_id_fatal,kernel_refused|failed:4 validating:5 fatal:8 loaderr:13"
eq "copy: evidence cites the source file" "$(jx $T/ck.db '$.evidence[0].source')" "$F/console_copy_kill.txt"
ok "dated: analyze" $S analyze -q $T/dx.db
eq "dated: library validation explained" "$(finding $T/dx.db cs.kill.library_validation)" \
   "blocked|/Users/pi/Library/Application Support/Developer/Shared/Xcode/Plug-ins/XVim.xcplugin/Contents/MacOS/XVim|library_validation_denied,no_team_id,host_load_failed|denied:2 denied:3 hostlog:4"
has "dated: the host is named" "$(jx $T/dx.db '$.explanation')" "was refused when Xcode mapped it"
has "dated: host pid in the reason" "$(jx $T/dx.db '$.reason_details[0].text')" "library validation in Xcode (pid 892)"
ok "system.log: analyze" $S analyze -q $T/sq.db
eq "system.log: quarantine refusal explained" "$(finding $T/sq.db cs.kill.quarantined)" \
   "blocked|/Users/ana/Downloads/Invoice.app/Contents/MacOS/Invoice|quarantine_refused,process_exited|refused:11 exited:12"
eq "system.log: pid of the refused program" "$(jx $T/sq.db '$.pid')" 1408
ok "ASL relay: analyze" $S analyze -q $T/ir.db
eq "ASL relay: library validation explained" "$(finding $T/ir.db cs.kill.library_validation)" \
   "blocked|/private/var/containers/Bundle/Application/B495CD66-EE95-4643-A4CE-2B4C97BBD3F4/LPTestTarget.app/memoryPluginCalabash.dylib|library_validation_denied,no_team_id,amfid_rejected,host_load_failed|denied:3 amfid:4 hostlog:6"
has "ASL relay: host named" "$(jx $T/ir.db '$.explanation')" "was refused when LPTestTarget mapped it"
ok "system.log signature kill" $S ingest -q $T/sk.db $F/system_log_signature.log
ok "system.log signature: analyze" $S analyze -q $T/sk.db
eq "system.log: signature kill explained" "$(finding $T/sk.db cs.kill.signature_failed)" \
   "blocked|/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd|amfi_validation_failed,team_id_fatal,kernel_refused|failed:3 validating:4 fatal:7 loaderr:12"
ok "gzip rotation: analyze" $S analyze -q $T/gz.db
eq "gzip rotation: same finding" "$(finding $T/gz.db cs.kill.quarantined)" "$(finding $T/sq.db cs.kill.quarantined)"
# the same kill in a log show export: the same rule, the same finding
P=/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd
{ echo 'Timestamp                       Thread     Type        Activity             PID    TTL  '
  printf '2026-11-20 10:00:12.%s-0800 0x6c03     Default     0x0                  0      0    kernel: %s\n' \
    320010 "(AppleMobileFileIntegrity) AMFI: code signature validation failed." \
    320300 "(AppleMobileFileIntegrity) AMFI: When validating $P:" \
    320420 "mac_vnode_check_signature: $P: code signature validation failed fatally: When validating $P: The code contains a Team ID, but validating its signature failed." \
    320610 'proc 2741: load code signature error 4 for file "DelightEd"'; } > $T/logshow_kill.txt
ok "log show: same kill" $S ingest -q $T/ls.db $T/logshow_kill.txt
ok "log show: analyze" $S analyze -q $T/ls.db
eq "log show: same rule explains it" "$(finding $T/ls.db cs.kill.signature_failed | cut -d'|' -f1-3)" \
   "blocked|$P|amfi_validation_failed,team_id_fatal,kernel_refused"
status "clean syslog: no finding" 1 $S analyze -q --rule cs.kill.signature_failed $T/y1.db
# real kernel lines: the iPhone SRD export holds 771 AMFI rejections,
# each preceded by its CoreTrust (and sometimes ad hoc) line
R=$CORPUS/srd_iphone11_amfi_coretrust_logshow_default.txt
if [ -f "$R" ]; then
    ok "SRD export: ingest" $S ingest -q $T/srd.db "$R"
    ok "SRD export: analyze" $S analyze -q --rule cs.kill.signature_failed $T/srd.db
    eq "SRD export: one finding per rejection (771)" \
       "$($S explain --format json $T/srd.db | js "(SELECT group_concat(value, ',') FROM json_each(x, '$.reasons'))" | sort | uniq -c | awk '{ printf "%s%s=%s", (n++ ? " " : ""), $2, $1 }')" \
       "amfi_validation_failed,ct_policy_rejected=646 amfi_validation_failed,ct_policy_rejected,adhoc_signed=125"
    eq "SRD export: first finding's evidence" \
       "$(finding $T/srd.db cs.kill.signature_failed | cut -d'|' -f2,4)" \
       "/private/var/run/com.apple.security.cryptexd/mnt/com.example.cryptex.2txcsP/usr/bin/hello|failed:422 adhoc:420 ctpolicy:421"
fi
finish
