#!/bin/bash
# End-to-end: a whole sysdiagnose (tarball, zip, tar.xz, plain folder) in one
# command -- provenance of the archive and of every member, skipped members
# with their reasons, crash reports, process listings, the quarantine
# database and its -wal inside the archive, the logarchive folder, and the
# safety rules (path traversal, links, archive bombs, truncation).
# The fixture is built here by scripts/make-sysdiagnose-fixture; crafted
# archives come from $TOOLS/gen_evil_tar.
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
G=$TOOLS/gen_evil_tar
NAME=sysdiagnose_2026.11.20_10-02-33-0800_macOS_Mac_24G84
FX=$T/fx
TGZ=$FX/$NAME.tar.gz
DIR=$FX/$NAME
sha() { sha256sum < "$1" | cut -c1-64; }

ok "fixture builds" env CORPUS="$CORPUS" "$ROOT/scripts/make-sysdiagnose-fixture" "$FX"
HAVE_Q=0
[ -f "$CORPUS/plaso_quarantine.db" ] && HAVE_Q=1

# --- the tarball in one command ---
mkdir -p "$T/tmp"
ok "sysdiagnose tarball in one command (exit 0)" env TMPDIR="$T/tmp" $S ingest -q $T/s.db "$TGZ"
C=$T/s.db
eq "one top-level row: the archive, with the tarball's SHA-256" \
   "$(q $C "SELECT format || ' ' || sha256 || ' ' || size FROM sources WHERE parent_id IS NULL")" \
   "archive:tar.gz $(sha "$TGZ") $(stat -c %s "$TGZ")"
AID=$(q $C "SELECT id FROM sources WHERE parent_id IS NULL")
eq "members point at the archive (nested ones at the nested archive)" \
   "$(q $C "SELECT count(*) FROM sources WHERE parent_id IS NOT NULL AND parent_id != $AID AND parent_id NOT IN (SELECT id FROM sources WHERE format LIKE 'archive:%' OR format LIKE 'quarantine%')")" 0
mkdir -p $T/x
tar -xzf "$TGZ" -C $T/x "$NAME/ps.txt" "$NAME/crashes_and_spins/DelightEd-2026-11-20-100012.ips" 2>/dev/null
eq "member hash = sha256sum of the extracted ps.txt" \
   "$(q $C "SELECT sha256 FROM sources WHERE member = '$NAME/ps.txt'")" "$(sha $T/x/$NAME/ps.txt)"
eq "member hash = sha256sum of the extracted .ips" \
   "$(q $C "SELECT sha256 || ' ' || size FROM sources WHERE member LIKE '%/DelightEd-2026-11-20-100012.ips'")" \
   "$(sha $T/x/$NAME/crashes_and_spins/DelightEd-2026-11-20-100012.ips) $(stat -c %s $T/x/$NAME/crashes_and_spins/DelightEd-2026-11-20-100012.ips)"
eq "every regular member has its own hash" \
   "$(q $C "SELECT count(*) FROM sources WHERE parent_id = $AID AND sha256 IS NULL AND error NOT LIKE 'refused: %link%' AND member NOT LIKE '%.logarchive/'")" 0
eq "member paths inside the archive" \
   "$(q $C "SELECT count(*) FROM sources WHERE parent_id = $AID AND member LIKE '$NAME/%'")" \
   "$(q $C "SELECT count(*) - 1 FROM sources WHERE parent_id = $AID")"
OUT=$($S sources $C)
has "sources: the archive's hash" "$OUT" "sha256 $(sha "$TGZ")"
has "sources: a member under the archive" "$OUT" "$NAME.tar.gz :: $NAME/crashes_and_spins/DelightEd-2026-11-20-100012.ips"
has "sources: the archive's member counts" "$OUT" "note skipped: "
ok "no temporary directory left behind" test -z "$(ls -A $T/tmp)"

# --- skipped members and their reasons ---
skip() { q $C "SELECT status || ': ' || error FROM sources WHERE member = '$NAME/$1'"; }
eq "text nobody reads: skipped" "$(skip sysdiagnose.log)" "skipped: no parser recognises this content (text)"
eq "binary junk: skipped" "$(skip logs/powerlog/powerlog_2026-11-20.PLSQL.part)" \
   "skipped: no parser recognises this content (binary data)"
eq "AppleDouble: skipped" "$(skip crashes_and_spins/._DelightEd-2026-11-20-100012.ips)" \
   "skipped: AppleDouble (macOS resource fork and extended attributes), not read"
has "sources prints the reasons" "$OUT" "error: no parser recognises this content (binary data)"
eq "skipped members carry no events" \
   "$(q $C "SELECT count(*) FROM events WHERE source_id IN (SELECT id FROM sources WHERE status = 'skipped')")" 0

# --- crash reports ---
eq "JSON .ips: Crash event" \
   "$(q $C "SELECT type || '|' || event_type || '|' || process || '|' || pid || '|' || message FROM event_view WHERE type = 'Crash' AND pid = 2741")" \
   "Crash|crashReport|DelightEd|2741|DelightEd [2741] terminated: namespace CODESIGNING, code 0x1 (Invalid Page)"
eq "JSON .ips: crash time in UTC, written time kept" \
   "$(q $C "SELECT time_utc || '|' || time_text FROM event_view WHERE type = 'Crash' AND pid = 2741")" \
   "2026-11-20T18:00:12.331200Z|2026-11-20 10:00:12.3312 -0800"
eq "JSON .ips: crash_report record keys" \
   "$(q $C "SELECT path || '|' || bundle_id || '|' || uuid || '|' || team_id FROM records WHERE kind = 'crash_report' AND bundle_id = 'com.delighted.DelightEd'")" \
   "/Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd|com.delighted.DelightEd|5E1F7A3C-9B2D-3C4E-8F61-2A7B9C0D4E15|7KQ2M9XH4D"
eq "JSON .ips: namespace, code, indicator in data" \
   "$(q $C "SELECT json_extract(data, '\$.body.termination.namespace') || '|' || json_extract(data, '\$.body.termination.code') || '|' || json_extract(data, '\$.body.termination.indicator') FROM records WHERE kind = 'crash_report' AND bundle_id = 'com.delighted.DelightEd'")" \
   "CODESIGNING|1|Invalid Page"
eq "text .crash: Taskgated Invalid Signature" \
   "$(q $C "SELECT message FROM event_view WHERE type = 'Crash' AND pid = 1822")" \
   "DelightEdHelper [1822] terminated: namespace CODESIGNING, code 0x1 (Taskgated Invalid Signature)"

# --- process listings ---
eq "ps.txt: one process record per line" \
   "$(q $C "SELECT count(*) FROM records WHERE kind = 'process' AND json_extract(data, '\$.source') = 'ps'")" 12
eq "ps.txt: path, pid, user" \
   "$(q $C "SELECT path || '|' || json_extract(data, '\$.pid') || '|' || json_extract(data, '\$.user') FROM records WHERE kind = 'process' AND json_extract(data, '\$.command') = '/usr/libexec/amfid'")" \
   "/usr/libexec/amfid|2718|root"
eq "ps.txt: a bundle path with spaces" \
   "$(q $C "SELECT path FROM records WHERE kind = 'process' AND json_extract(data, '\$.pid') = 2890")" \
   "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
eq "taskinfo.txt: image UUID per process" \
   "$(q $C "SELECT uuid FROM records WHERE kind = 'process' AND json_extract(data, '\$.source') = 'taskinfo' AND json_extract(data, '\$.pid') = 2718")" \
   "6B0E2F94-7C35-3A18-9D4B-E21F5A8C7D60"

# --- the quarantine database inside the archive ---
if [ $HAVE_Q = 1 ]; then
    QM=$NAME/logs/QuarantineEvents/com.apple.LaunchServices.QuarantineEventsV2
    eq "quarantine database read from the archive (14 rows + 1 in the -wal)" \
       "$(q $C "SELECT format || '|' || records FROM sources WHERE member = '$QM'")" "quarantine-events|15"
    eq "the row only the -wal holds" \
       "$(q $C "SELECT count(*) FROM records WHERE kind = 'quarantine_event' AND uuid = '9E27B5C1-4A8D-4F36-B0E2-7D1C5A9F3E48'")" 1
    tar -xzf "$TGZ" -C $T/x "$QM-wal" 2>/dev/null
    eq "the -wal: a companion row with its member path and own hash" \
       "$(q $C "SELECT c.path || '|' || c.member || '|' || c.sha256 FROM sources c JOIN sources d ON c.parent_id = d.id WHERE c.status = 'companion' AND d.member = '$QM'")" \
       "$TGZ|$QM-wal|$(sha $T/x/$QM-wal)"
fi

# --- the unified-log folder ---
LA=$NAME/system_logs.logarchive
if $S formats | grep -q '^tracev3 '; then
    if [ -d "$DIR/system_logs.logarchive/Special" ]; then
        eq "logarchive: its tracev3 file read by the tracev3 parser" \
           "$(q $C "SELECT format || '|' || parent_id || '|' || (records > 0) FROM sources WHERE member = '$LA/Special/0000000000000017.tracev3'")" \
           "tracev3|$AID|1"
        eq "logarchive: the tracev3 member's own hash" \
           "$(q $C "SELECT sha256 FROM sources WHERE member = '$LA/Special/0000000000000017.tracev3'")" \
           "$(sha $DIR/system_logs.logarchive/Special/0000000000000017.tracev3)"
    else
        has "logarchive without tracev3 files: said so" \
            "$(q $C "SELECT error FROM sources WHERE member = '$LA/'")" "without any tracev3 file"
    fi
else
    eq "logarchive folder reported with the log show command" \
       "$(q $C "SELECT status || ': ' || error FROM sources WHERE member = '$NAME/system_logs.logarchive/'")" \
       "skipped: binary unified log, not read by this version; on a Mac export it with: log show --archive system_logs.logarchive --info --debug --style ndjson > logs.ndjson"
fi

# --- nested archive ---
eq "nested .tgz: its own archive row under the tarball" \
   "$(q $C "SELECT format || '|' || parent_id FROM sources WHERE member = '$NAME/WiFi/CoreCapture/WiFiDebug.tgz'")" "archive:tar.gz|$AID"
eq "nested .tgz: its member ingested" \
   "$(q $C "SELECT format || '|' || records FROM sources WHERE member = '$NAME/WiFi/CoreCapture/WiFiDebug.tgz :: wifi/system.log'")" \
   "logshow-syslog|4"

# --- safety ---
eq "path traversal refused" "$(skip ../../sigtrail-fixture-escape.txt)" "skipped: refused: path climbs out with '..'"
eq "absolute path refused" \
   "$(q $C "SELECT status || ': ' || error FROM sources WHERE member = '/tmp/sigtrail-fixture-absolute.txt'")" \
   "skipped: refused: absolute path"
eq "symbolic link refused" "$(skip logs/system.log)" \
   "skipped: refused: symbolic link (to /private/var/log/system.log), not followed"
eq "hard link refused" "$(skip ps_copy.txt)" \
   "skipped: refused: hard link (to $NAME/ps.txt), not followed"
ok "nothing written where the traversal pointed" test ! -e "$FX/../sigtrail-fixture-escape.txt"
ok "nothing written at the absolute path" test ! -e /tmp/sigtrail-fixture-absolute.txt

# --- the same tarball again ---
N0=$(q $C "SELECT count(*) FROM sources")
has "same tarball again: skipped" "$($S ingest -q $C "$TGZ" 2>&1)" "same SHA-256 as source $AID"
eq "same tarball again: case unchanged" "$(q $C "SELECT count(*) FROM sources")" "$N0"

# --- zip and tar.xz, built without zip or xz on the machine ---
ok "zip written" $G $T/case.zip zip "tree:$NAME=$DIR"
ok "zip ingests" $S ingest -q $T/z.db $T/case.zip
eq "zip: format and crash event" \
   "$(q $T/z.db "SELECT (SELECT format FROM sources WHERE parent_id IS NULL) || '|' || count(*) FROM event_view WHERE type = 'Crash'")" "archive:zip|2"
eq "zip: archive hash" "$(q $T/z.db "SELECT sha256 FROM sources WHERE parent_id IS NULL")" "$(sha $T/case.zip)"
ok "tar.xz written" $G $T/case.txz tar.xz "tree:$NAME=$DIR"
ok "tar.xz ingests" $S ingest -q $T/xz.db $T/case.txz
eq "tar.xz: format, process records" \
   "$(q $T/xz.db "SELECT (SELECT format FROM sources WHERE parent_id IS NULL) || '|' || count(*) FROM records WHERE kind = 'process'")" "archive:tar.xz|16"
eq "tar.xz: same member bytes as in the tarball" \
   "$(q $T/xz.db "SELECT sha256 FROM sources WHERE member = '$NAME/ps.txt'")" "$(sha $T/x/$NAME/ps.txt)"

# --- a plain directory ---
ok "plain directory ingests" $S ingest -q $T/d.db "$DIR"
eq "directory: one folder row" "$(q $T/d.db "SELECT format || '|' || (member IS NULL) FROM sources WHERE parent_id IS NULL")" "directory|1"
eq "directory: members by relative path, sorted" \
   "$(q $T/d.db "SELECT group_concat(member, ',') FROM (SELECT member FROM sources WHERE format IN ('crash-report','ps','taskinfo') ORDER BY id)")" \
   "crashes_and_spins/DelightEd-2026-11-20-100012.ips,crashes_and_spins/DelightEdHelper_2026-11-19-091502_Mac.crash,ps.txt,taskinfo.txt"
eq "directory: symbolic link refused" \
   "$(q $T/d.db "SELECT error FROM sources WHERE member = 'logs/system.log'")" \
   "refused: symbolic link (to /private/var/log/system.log), not followed"
eq "directory: a hard-linked copy is a duplicate, not a second source" \
   "$(q $T/d.db "SELECT count(*) FROM sources WHERE member = 'ps_copy.txt'")" 0
[ $HAVE_Q = 1 ] && eq "directory: the database finds its -wal beside it" \
   "$(q $T/d.db "SELECT records FROM sources WHERE format = 'quarantine-events'")" 15
ok "directory again: nothing new" $S ingest -q $T/d.db "$DIR"
eq "directory again: case unchanged" "$(q $T/d.db "SELECT count(*) FROM sources WHERE format = 'directory'")" 1

# --- a truncated tar.gz: what was read stays, the member is named, exit 2 ---
mkdir -p $T/tr/case
cp "$DIR/ps.txt" $T/tr/case/a_ps.txt
"$TOOLS/genlog" 20000 default > $T/tr/case/b_big.log
cp "$DIR/taskinfo.txt" $T/tr/case/c_taskinfo.txt
tar -C $T/tr -cf - case | gzip -6 > $T/tr.tar.gz
head -c $(( $(stat -c %s $T/tr.tar.gz) * 6 / 10 )) $T/tr.tar.gz > $T/cut.tar.gz
status "truncated tar.gz: exit 2" 2 $S ingest -q $T/t.db $T/cut.tar.gz
has "truncated tar.gz: the member is named" "$($S ingest -q --force $T/t2.db $T/cut.tar.gz 2>&1)" "case/b_big.log: truncated gzip input"
eq "truncated tar.gz: the member before it kept" \
   "$(q $T/t.db "SELECT status || '|' || count(*) FROM sources s JOIN records r ON r.source_id = s.id WHERE s.member = 'case/a_ps.txt'")" "ingested|12"
eq "truncated tar.gz: the cut member kept as partial" \
   "$(q $T/t.db "SELECT status || '|' || (records > 1000) FROM sources WHERE member = 'case/b_big.log'")" "partial|1"
has "truncated tar.gz: the archive row says partial" \
    "$(q $T/t.db "SELECT status || ': ' || error FROM sources WHERE parent_id IS NULL")" "partial: cut short: case/b_big.log"
eq "truncated tar.gz: nothing after the cut" "$(q $T/t.db "SELECT count(*) FROM sources WHERE member = 'case/c_taskinfo.txt'")" 0

# --- archive bombs ---
ok "bomb written (100 MiB of zeros)" $G $T/bomb.txz tar.xz "evidence.log=@$DIR/ps.txt" "big.bin=zeros:100M"
status "ratio bomb: exit 2" 2 $S ingest -q $T/b.db $T/bomb.txz
has "ratio bomb: clear error" "$($S ingest -q --force $T/b2.db $T/bomb.txz 2>&1)" "ratio above 1000:1 (an archive bomb?"
eq "ratio bomb: the member before it kept, the archive partial" \
   "$(q $T/b.db "SELECT group_concat(status, ',') FROM (SELECT status FROM sources ORDER BY id)")" "partial,ingested,skipped"
status "size cap: exit 2" 2 env SIGTRAIL_ARCHIVE_MAX_BYTES=1M $S ingest -q $T/c.db $T/tr.tar.gz
has "size cap: clear error" "$(SIGTRAIL_ARCHIVE_MAX_BYTES=1M $S ingest -q --force $T/c2.db $T/tr.tar.gz 2>&1)" \
    "more than 1048576 bytes unpacked"
ok "the whole tar.gz reads with the default caps" $S ingest -q $T/c3.db $T/tr.tar.gz

# --- odd shapes: empty folders, a name clash inside a logarchive ---
mkdir -p $T/odd/empty/deeper $T/odd/x.logarchive
ok "folder of empty folders ingests" $S ingest -q $T/o.db $T/odd
eq "folder of empty folders: its row and the logarchive's" \
   "$(q $T/o.db "SELECT group_concat(coalesce(member, format), ',') FROM (SELECT * FROM sources ORDER BY id)")" \
   "directory,x.logarchive/"
ok "logarchive with a file where a folder is due" $G $T/clash.tar tar "x.logarchive/a=@$DIR/ps.txt" \
    "x.logarchive/a/b.tracev3=@$DIR/taskinfo.txt"
ok "logarchive clash: ingests" $S ingest -q $T/cl.db $T/clash.tar
eq "logarchive clash: the folder still has its row" \
   "$(q $T/cl.db "SELECT count(*) FROM sources WHERE member = 'x.logarchive/' AND status = 'skipped'")" 1

# --- crafted entries in a zip ---
ok "crafted zip written" $G $T/evil.zip zip "../../up.txt=@$DIR/ps.txt" "/abs.txt=@$DIR/ps.txt" \
    "link->/etc/passwd" "ok/ps.txt=@$DIR/ps.txt"
ok "crafted zip ingests" $S ingest -q $T/e.db $T/evil.zip
eq "crafted zip: refused entries and the good one" \
   "$(q $T/e.db "SELECT group_concat(member || '=' || coalesce(error, format), ';') FROM (SELECT * FROM sources WHERE parent_id IS NOT NULL ORDER BY id)")" \
   "../../up.txt=refused: path climbs out with '..';/abs.txt=refused: absolute path;link=refused: symbolic link (to /etc/passwd), not followed;ok/ps.txt=ps"
finish
