#!/bin/bash
# End-to-end: macOS security databases (DetachedSignatures, ExecPolicy,
# SystemPolicy, QuarantineEventsV2), com.apple.quarantine xattr listings,
# evidence safety (hashes, companions, private copies, originals untouched)
# and bad input.  Fixtures come from $TOOLS/gen_secdb; the quarantine
# database is the real one from the corpus.
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
FX=$T/fx
QDB=$CORPUS/plaso_quarantine.db
# every private copy must go here and be gone afterwards
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

if [ ! -x "$TOOLS/gen_secdb" ]; then
    echo "FAIL gen_secdb not built in \$TOOLS ($TOOLS)"; _f=$((_f+1)); finish; exit
fi
ok "generate fixtures" "$TOOLS/gen_secdb" "$FX"
[ -f "$FX/systempolicy.db" ] || { finish; exit; }

# size, mtime (ns) and SHA-256 of every original, to compare after ingest
fingerprint() {
    find "$FX" -type f -print0 | sort -z | xargs -0 stat -c '%n %s %.9Y'
    find "$FX" -type f -print0 | sort -z | xargs -0 sha256sum
    stat -c '%n %s %.9Y' "$QDB"; sha256sum "$QDB"
}
before=$(fingerprint)

# hex of bytes [off, off+len) of a blob column, via SQLite only
blob_u32() { # DB SQL-expression-of-blob OFFSET -> decimal of the BE u32 at OFFSET
    local h; h=$(q "$1" "SELECT hex(substr($2, $3 + 1, 4)) FROM code WHERE id = $4")
    echo $((16#$h))
}

# ---------------------------------------------------------------------------
# DetachedSignatures
D=$T/detached.case
ok "detached: ingest" $S ingest -q $D "$FX/detached.db"
eq "detached: format" "$(q $D "SELECT format || ',' || status FROM sources WHERE parent_id IS NULL")" "detached-signatures,ingested"
eq "detached: 3 records, 3 events" "$(q $D "SELECT (SELECT count(*) FROM records WHERE kind='detached_signature') || ',' || (SELECT count(*) FROM event_view WHERE type='DetachedSignature')")" "3,3"
R1="FROM records WHERE kind='detached_signature' AND locator='table code rowid 1'"
eq "detached: LC_UUID in canonical form" "$(q $D "SELECT uuid $R1")" "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
eq "detached: keys of row 1" "$(q $D "SELECT path || '|' || team_id || '|' || identifier $R1")" "/usr/local/bin/tool|ABCDE12345|com.example.tool"
cd1=$(sha256sum "$FX/cd_row1.bin" | cut -c1-40)
eq "detached: cdhash = SHA-256 of the generator's CodeDirectory" "$(q $D "SELECT cdhash $R1")" "$cd1"
# the same, from the database bytes: SuperBlob index entry 0 -> CodeDirectory
off=$(blob_u32 "$FX/detached.db" signature 16 1)
len=$(blob_u32 "$FX/detached.db" signature $((off + 4)) 1)
q "$FX/detached.db" "SELECT writefile('$T/cd_from_db.bin', substr(signature, $off + 1, $len)) FROM code WHERE id = 1" >/dev/null
eq "detached: cdhash recomputed from the stored blob" "$(sha256sum "$T/cd_from_db.bin" | cut -c1-40)" "$(q $D "SELECT cdhash $R1")"
eq "detached: CodeDirectory fields" "$(q $D "SELECT json_extract(data, '\$.architecture_name') || '|' || json_extract(data, '\$.signature.code_directories[0].version') || '|' || json_extract(data, '\$.signature.code_directories[0].hash_type') || '|' || json_extract(data, '\$.signature.code_directories[0].page_size') || '|' || json_extract(data, '\$.signature.code_directories[0].code_limit') || '|' || json_extract(data, '\$.signature.code_directories[0].code_slots') || '|' || json_extract(data, '\$.signature.code_directories[0].team_id') $R1")" "arm64|0x20400|sha256|4096|12188|3|ABCDE12345"
eq "detached: special slots and flags" "$(q $D "SELECT json_extract(data, '\$.signature.code_directories[0].special_slots_present') || '|' || json_extract(data, '\$.signature.code_directories[0].flag_names') || '|' || json_extract(data, '\$.signature.signature_kind') $R1")" '["info-plist","requirements","resource-dir","entitlements","der-entitlements"]|["runtime"]|cms'
eq "detached: blob offsets agree with the test's reading" "$(q $D "SELECT json_extract(data, '\$.signature.code_directories[0].offset') || ',' || json_extract(data, '\$.signature.code_directories[0].length') $R1")" "$off,$len"
eq "detached: created time (UTC text)" "$(q $D "SELECT time_utc || '|' || time_text FROM event_view WHERE locator='table code rowid 1'")" "2024-03-05T14:07:09.000000Z|2024-03-05 14:07:09"
eq "detached: timeline message" "$(q $D "SELECT event_type || '|' || process || '|' || message FROM event_view WHERE locator='table code rowid 1'")" "detachedSignatureStored|com.example.tool|detached signature stored for com.example.tool (arm64, cdhash $cd1) for /usr/local/bin/tool"
R2="FROM records WHERE kind='detached_signature' AND locator='table code rowid 2'"
idhex=$(q "$FX/detached.db" "SELECT lower(hex(identification)) FROM code WHERE id=2")
eq "detached: SHA-1 identification, x86_64, no UUID" "$(q $D "SELECT json_extract(data, '\$.identification.kind') || '|' || json_extract(data, '\$.identification.value') || '|' || json_extract(data, '\$.architecture_name') || '|' || ifnull(uuid, 'none') $R2")" "sha1|$idhex|x86_64|none"
eq "detached: ad-hoc, cdhash of the SHA-256 alternate" "$(q $D "SELECT cdhash || '|' || json_extract(data, '\$.signature.cdhash_type') || '|' || json_extract(data, '\$.signature.signature_kind') $R2")" "$(sha256sum "$FX/cd_row2_sha256.bin" | cut -c1-40)|sha256|adhoc"
eq "detached: SHA-1 primary's cdhash" "$(q $D "SELECT json_extract(data, '\$.signature.code_directories[0].cdhash') $R2")" "$(sha1sum "$FX/cd_row2_sha1.bin" | cut -c1-40)"
R3="FROM records WHERE kind='detached_signature' AND locator='table code rowid 3'"
has "detached: malformed blob is a record field" "$(q $D "SELECT json_extract(data, '\$.signature_error') $R3")" "offset 2147418112 is outside"
eq "detached: malformed blob keeps the row (i386, no cdhash)" "$(q $D "SELECT identifier || '|' || json_extract(data, '\$.architecture_name') || '|' || ifnull(cdhash, 'none') $R3")" "com.example.broken|i386|none"
has "detached: malformed blob warned" "$(q $D "SELECT group_concat(message) FROM warnings")" "table code rowid 3: signature blob damaged"
eq "detached: data_json is valid JSON" "$(q $D "SELECT sum(json_valid(data)) || ',' || (SELECT sum(json_valid(extra)) FROM event_view) FROM records")" "3,3"

# ---------------------------------------------------------------------------
# rows only in the write-ahead log
W=$T/wal.case
WDB=$FX/wal/DetachedSignatures
mkdir -p "$T/mainonly" && cp "$WDB" "$T/mainonly/"
eq "wal: the main file alone has 2 rows" "$(sqlite3 "$T/mainonly/DetachedSignatures" "SELECT count(*) FROM code")" 2
ok "wal: ingest" $S ingest -q $W "$WDB"
eq "wal: 4 rows read, 2 of them only in the WAL" "$(q $W "SELECT group_concat(identifier) FROM (SELECT identifier FROM records ORDER BY locator)")" "com.example.old1,com.example.old2,com.example.walonly1,com.example.walonly2"
srcs=$($S sources $W)
has "wal: sources shows the main hash" "$srcs" "sha256 $(sha256sum "$WDB" | cut -d' ' -f1)"
has "wal: sources shows the -wal hash" "$srcs" "sha256 $(sha256sum "$WDB-wal" | cut -d' ' -f1)"
has "wal: sources shows the -shm hash" "$srcs" "sha256 $(sha256sum "$WDB-shm" | cut -d' ' -f1)"
eq "wal: companions are sources under the database" "$(q $W "SELECT group_concat(status || ':' || replace(path, '$FX/wal/', '') || ':' || parent_id) FROM (SELECT * FROM sources WHERE parent_id IS NOT NULL ORDER BY path)")" "companion:DetachedSignatures-shm:1,companion:DetachedSignatures-wal:1"
eq "wal: companion sizes" "$(q $W "SELECT size FROM sources WHERE path LIKE '%-wal'")" "$(stat -c %s "$WDB-wal")"
eq "wal: companions noted" "$(q $W "SELECT value FROM source_notes WHERE key='companions'")" "-wal -shm"

# ---------------------------------------------------------------------------
# QuarantineEventsV2 (real data from plaso)
Q=$T/q.case
ok "quarantine: ingest the corpus database" $S ingest -q $Q "$QDB"
eq "quarantine: 14 records, 14 events" "$(q $Q "SELECT (SELECT count(*) FROM records WHERE kind='quarantine_event') || ',' || (SELECT count(*) FROM event_view WHERE type='Quarantine' AND event_type='quarantineEvent')")" "14,14"
eq "quarantine: Mac absolute time with microseconds" "$(q $Q "SELECT time_utc || '|' || time_text FROM event_view WHERE locator='table LSQuarantineEvent rowid 1'")" "2013-07-08T16:24:27.020743Z|394993467.020743"
eq "quarantine: last event time" "$(q $Q "SELECT max(time_utc) FROM event_view")" "2013-07-15T18:29:38.000000Z"
eq "quarantine: keys of row 1" "$(q $Q "SELECT uuid || '|' || bundle_id FROM records WHERE locator='table LSQuarantineEvent rowid 1'")" "15346B92-C3B3-4147-9DA8-D3D3E1E6106E|com.apple.Safari"
eq "quarantine: message and agent" "$(q $Q "SELECT process || '|' || message FROM event_view WHERE locator='table LSQuarantineEvent rowid 1'")" "Safari|quarantined download from https://dl.google.com/chrome/mac/stable/GGRO/googlechrome.dmg by Safari (origin https://www.google.com/)"
eq "quarantine: agents" "$(q $Q "SELECT group_concat(n) FROM (SELECT process || ':' || count(*) n FROM event_view GROUP BY process ORDER BY process)")" "Google Chrome:13,Safari:1"
eq "quarantine: every column kept by name" "$(q $Q "SELECT json_extract(data, '\$.LSQuarantineTypeNumber') || '|' || json_type(data, '\$.LSQuarantineSenderName') || '|' || json_extract(data, '\$.LSQuarantineOriginURLString') FROM records WHERE locator='table LSQuarantineEvent rowid 14'")" "0|null|http://kiddi.biz/something.html"
eq "quarantine: no companions, noted" "$(q $Q "SELECT value FROM source_notes WHERE key='companions'")" "none"
eq "quarantine: hash of the corpus file" "$(q $Q "SELECT sha256 FROM sources")" "$(sha256sum "$QDB" | cut -d' ' -f1)"

# ---------------------------------------------------------------------------
# ExecPolicy
E=$T/e.case
ok "execpolicy: ingest" $S ingest -q $E "$FX/execpolicy.db"
eq "execpolicy: 10 records from 7 tables" "$(q $E "SELECT count(*) || ',' || count(DISTINCT json_extract(data, '\$.table')) FROM records WHERE kind='exec_policy'")" "10,7"
eq "execpolicy: measurement keys (cdhash lower-cased)" "$(q $E "SELECT cdhash || '|' || team_id || '|' || identifier || '|' || bundle_id FROM records WHERE locator='table executable_measurements_v2 rowid 1'")" "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b|ABCDE12345|com.example.tool|com.example.Tool"
eq "execpolicy: Unix seconds" "$(q $E "SELECT time_utc || '|' || event_type FROM event_view WHERE locator='table executable_measurements_v2 rowid 1'")" "2023-11-14T22:16:40.000000Z|execPolicyMeasurement"
eq "execpolicy: other time columns converted" "$(q $E "SELECT json_extract(data, '\$.executable_timestamp_utc') || '|' || json_extract(data, '\$.reported_timestamp_utc') FROM records WHERE locator='table executable_measurements_v2 rowid 1'")" "2023-11-14T21:56:40.000000Z|2023-11-14T22:18:20.000000Z"
eq "execpolicy: legacy history (text UTC, uid)" "$(q $E "SELECT time_utc || '|' || user_id || '|' || process FROM event_view WHERE locator='table legacy_exec_history_v4 rowid 1'")" "2019-06-01T12:00:00.000000Z|501|com.example.oldgame"
eq "execpolicy: 15.x columns kept" "$(q $E "SELECT json_extract(data, '\$.matched_rule_name') || '|' || json_extract(data, '\$.top_policy_match') FROM records WHERE locator='table policy_scan_cache rowid 1'")" "Developer ID|1"
eq "execpolicy: NOT_A_BUNDLE is no bundle key" "$(q $E "SELECT ifnull(bundle_id, 'null') || '|' || json_extract(data, '\$.bundle_id') || '|' || json_extract(data, '\$.flags') FROM records WHERE locator='table policy_scan_cache rowid 2'")" "null|NOT_A_BUNDLE|512"
eq "execpolicy: provenance (pk, path, link)" "$(q $E "SELECT path || '|' || json_extract(data, '\$.link_pk') FROM records WHERE locator='table provenance_tracking rowid 77'")" "/Users/alice/Downloads/Tool.app|2404707212034460240"
eq "execpolicy: unknown table and column kept" "$(q $E "SELECT json_extract(data, '\$.future_column') || '|' || event_type FROM records r JOIN event_view e ON e.locator = r.locator WHERE r.locator='table staged_samples rowid 1'")" "kept as is|execPolicyRow"

# ---------------------------------------------------------------------------
# SystemPolicy
P=$T/p.case
ok "systempolicy: ingest" $S ingest -q $P "$FX/systempolicy.db"
eq "systempolicy: 4 authorities, 2 objects" "$(q $P "SELECT group_concat(n) FROM (SELECT kind || ':' || count(*) n FROM records GROUP BY kind ORDER BY kind)")" "system_policy_authority:4,system_policy_object:2"
eq "systempolicy: Julian days (created, changed)" "$(q $P "SELECT json_extract(data, '\$.ctime_utc') || '|' || json_extract(data, '\$.mtime_utc') || '|' || json_extract(data, '\$.expires_utc') FROM records WHERE locator='table authority rowid 4'")" "2024-03-06T00:00:00.000000Z|2024-03-06T18:00:00.000000Z|never"
eq "systempolicy: rule event at its last change" "$(q $P "SELECT time_utc || '|' || event_type FROM event_view WHERE locator='table authority rowid 4'")" "2024-03-06T18:00:00.000000Z|systemPolicyAuthority"
eq "systempolicy: keys from the requirement" "$(q $P "SELECT cdhash || '|' || identifier || '|' || json_extract(data, '\$.flag_names') FROM records WHERE locator='table authority rowid 4'")" '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b|com.example.tool|["allowlist-v2","allowlist-sha256"]'
has "systempolicy: rule message" "$(q $P "SELECT message FROM event_view WHERE locator='table authority rowid 4'")" "Gatekeeper rule #4 'tool override' (execute, allow, priority 0, disabled, allowlist-v2, allowlist-sha256) changed"
eq "systempolicy: object verdict" "$(q $P "SELECT path || '|' || cdhash || '|' || json_extract(data, '\$.authority_label') || '|' || time_utc FROM records r JOIN event_view e USING (locator) WHERE locator='table object rowid 1'")" "/Users/alice/Downloads/Evil.app|$(q "$FX/systempolicy.db" "SELECT lower(hex(hash)) FROM object WHERE id=1")|No Matching Rule|2024-03-06T06:00:00.000000Z"

# ---------------------------------------------------------------------------
# com.apple.quarantine listings
X=$T/x.case
cat > "$T/xattr_l.txt" <<'EOF'
com.apple.macl:
00000000  04 00 8C 5B 2A 3A 1B 4C 4D 3E 8A 9B 7C 6D 5E 4F  |...[*:.LM>..|m^O|
com.apple.quarantine: 0083;5f7d5a2b;Safari;8C5B2A3A-1B4C-4D3E-8A9B-7C6D5E4F3A2B
/Users/alice/Downloads/googlechrome.dmg: com.apple.quarantine: 01c3;51dae83b;Safari;15346b92-c3b3-4147-9da8-d3d3e1e6106e
/Users/alice/Downloads/a: b.zip: com.apple.quarantine: 0081;5e2b6f44;sharingd;
EOF
printf '0002;4e4d3d2f;Mail\n' > "$T/xattr_p.txt"
ok "xattr: ingest -l and -p listings" $S ingest -q $X "$T/xattr_l.txt" "$T/xattr_p.txt"
eq "xattr: format" "$(q $X "SELECT group_concat(format) FROM sources")" "xattr-quarantine,xattr-quarantine"
eq "xattr: 4 records, other attributes skipped" "$(q $X "SELECT count(*) FROM records WHERE kind='quarantine_xattr'") $(q $X "SELECT sum(unparsed) FROM sources")" "4 0"
eq "xattr: flags, hex time, agent, UUID" "$(q $X "SELECT json_extract(data, '\$.flags') || '|' || json_extract(data, '\$.flag_names') || '|' || json_extract(data, '\$.unknown_flags') || '|' || json_extract(data, '\$.time_utc') || '|' || json_extract(data, '\$.agent') || '|' || uuid FROM records WHERE locator='line 3'")" '0083|["download","sandbox"]|0x0080|2020-10-07T06:03:23.000000Z|Safari|8C5B2A3A-1B4C-4D3E-8A9B-7C6D5E4F3A2B'
eq "xattr: user approved, path, UUID upper-cased" "$(q $X "SELECT path || '|' || json_extract(data, '\$.flag_names') || '|' || uuid FROM records WHERE locator='line 4'")" '/Users/alice/Downloads/googlechrome.dmg|["download","sandbox","user_approved","do_not_translocate"]|15346B92-C3B3-4147-9DA8-D3D3E1E6106E'
eq "xattr: path containing ': ', empty UUID" "$(q $X "SELECT path || '|' || ifnull(uuid, 'none') FROM records WHERE locator='line 5'")" "/Users/alice/Downloads/a: b.zip|none"
eq "xattr: -p value" "$(q $X "SELECT json_extract(data, '\$.agent') || '|' || json_extract(data, '\$.listing') || '|' || time_utc FROM records r JOIN event_view e USING (locator) WHERE e.source LIKE '%xattr_p.txt'")" "Mail|xattr -p|2011-08-18T16:26:23.000000Z"
eq "xattr: event" "$(q $X "SELECT type || '|' || event_type || '|' || process || '|' || line || '|' || message FROM event_view WHERE line=4 AND source LIKE '%xattr_l.txt'")" "Quarantine|quarantineXattr|Safari|4|com.apple.quarantine on /Users/alice/Downloads/googlechrome.dmg: flags 01c3 (download, sandbox, user_approved, do_not_translocate, 0x0080), set by Safari, quarantine event 15346b92-c3b3-4147-9da8-d3d3e1e6106e"
ok "xattr: same case as the quarantine database" $S ingest -q $X "$QDB"
eq "xattr: links to its LSQuarantineEvent by UUID" "$(q $X "SELECT x.path || '|' || json_extract(e.data, '\$.LSQuarantineDataURLString') FROM records x JOIN records e ON e.uuid = x.uuid AND e.kind='quarantine_event' WHERE x.kind='quarantine_xattr'")" "/Users/alice/Downloads/googlechrome.dmg|https://dl.google.com/chrome/mac/stable/GGRO/googlechrome.dmg"

# ---------------------------------------------------------------------------
# bad input
B=$T/bad.case
status "unknown schema: exit 2" 2 $S ingest -q $B "$FX/unknown.db"
has "unknown schema: tables listed" "$(cat $T/.out)" "SQLite database of an unknown kind (tables: access, admin)"
eq "unknown schema: case left as it was" "$(q $B "SELECT count(*) FROM sources")" 0
status "known tables, forced sqlite-unknown: exit 2" 2 $S ingest -q --format sqlite-unknown $B "$FX/detached.db"
has "known tables: --format advice" "$(cat $T/.out)" "read it with --format detached-signatures"
status "wrong --format: exit 2" 2 $S ingest -q --format detached-signatures $B "$FX/execpolicy.db"
has "wrong --format: clear error" "$(cat $T/.out)" "not a DetachedSignatures database: its tables are"
{ printf 'SQLite format 3\000'; for i in $(seq 200); do echo "not a database, only text line $i"; done; } > "$T/text.db"
status "magic then text: exit 2" 2 $S ingest -q $B "$T/text.db"
has "magic then text: error" "$(cat $T/.out)" "SQLite cannot read it: file is not a database"
{ printf 'SQLite format 3\000'; head -c 8192 /dev/urandom; } > "$T/random.db"
status "magic then random bytes: exit 2" 2 $S ingest -q $B "$T/random.db"
has "magic then random bytes: error" "$(cat $T/.out)" "$T/random.db: "
printf 'SQLite format 3\000\020\000' > "$T/short.db"
status "header cut short: exit 2" 2 $S ingest -q $B "$T/short.db"
has "header cut short: error" "$(cat $T/.out)" "SQLite header cut short"
eq "bad input: nothing stored" "$(q $B "SELECT count(*) FROM sources")" 0
head -c 8192 "$FX/detached.db" > "$T/truncated.db"
TR=$T/trunc.case
status "truncated: exit 2 (partial)" 2 $S ingest -q $TR "$T/truncated.db"
has "truncated: clear error" "$(cat $T/.out)" "truncated"
eq "truncated: rows on surviving pages kept" "$(q $TR "SELECT status || ',' || (SELECT count(*) FROM records) FROM sources")" "partial,3"
has "truncated: warning names the sizes" "$(q $TR "SELECT group_concat(message) FROM warnings")" "the file is 8192 bytes but its header says 9 pages"
SI=$T/stdin.case
ok "stdin: ingest" sh -c "$S ingest -q $SI - < '$QDB'"
has "stdin: companions could not be looked for" "$(q $SI "SELECT group_concat(message) FROM warnings")" "companions could not be looked for"
eq "stdin: rows read" "$(q $SI "SELECT count(*) FROM records")" 14
# a gzip-compressed database is read inflated, hashed as stored
gzip -c "$QDB" > "$T/quarantine.db.gz"
GZ=$T/gz.case
ok "gzip: ingest" $S ingest -q $GZ "$T/quarantine.db.gz"
eq "gzip: rows and hash of the compressed file" "$(q $GZ "SELECT (SELECT count(*) FROM records) || ',' || sha256 FROM sources")" "14,$(sha256sum "$T/quarantine.db.gz" | cut -d' ' -f1)"
head -c 2000 "$T/quarantine.db.gz" > "$T/cut.db.gz"
status "cut gzip: exit 2 (partial)" 2 $S ingest -q $GZ "$T/cut.db.gz"
has "cut gzip: the read error is the cause given" "$(cat $T/.out)" "input read error after"
# huge blobs: one over the load limit, one big valid signature
H=$T/huge.case
ok "huge blobs: ingest" $S ingest -q $H "$FX/huge.db"
has "huge blob: recorded, not decoded" "$(q $H "SELECT json_extract(data, '\$.signature_error') FROM records WHERE identifier='com.example.huge'")" "41943040 bytes is over the"
eq "big signature: decoded" "$(q $H "SELECT cdhash || '|' || json_extract(data, '\$.signature.code_directories[0].code_slots') FROM records WHERE identifier='com.example.big'")" "$(sha256sum "$FX/cd_big.bin" | cut -c1-40)|200000"
# a database another process holds an exclusive lock on (pending write in
# a rollback journal): read through the copy, hot journal rolled back there
cp "$FX/systempolicy.db" "$T/locked.db"
lsum=$(sha256sum "$T/locked.db")
"$TOOLS/gen_secdb" lock "$T/locked.db" 30 "$T/locked.ready" "$T/locked.release" & lockpid=$!
for i in $(seq 100); do [ -f "$T/locked.ready" ] && break; sleep 0.1; done
has "locked: another reader is refused" "$(sqlite3 "$T/locked.db" "SELECT count(*) FROM authority" 2>&1)" "database is locked"
L=$T/locked.case
ok "locked: ingest works through the copy" $S ingest -q $L "$T/locked.db"
eq "locked: rows, journal companion" "$(q $L "SELECT count(*) FROM records") $(q $L "SELECT value FROM source_notes WHERE key='companions'")" "6 -journal"
eq "locked: pending change not read" "$(q $L "SELECT count(*) FROM source_notes WHERE key='tables' AND value LIKE '%lock_probe%'")" 0
touch "$T/locked.release"; wait $lockpid
eq "locked: the database is as before" "$(sha256sum "$T/locked.db")" "$lsum"

# ---------------------------------------------------------------------------
# evidence safety
eq "originals unchanged (bytes, sizes, mtimes)" "$(fingerprint)" "$before"
eq "private copies removed" "$(ls -A "$TMPDIR" | wc -l)" 0
ls "$FX"/*.db-* "$FX"/wal/*-journal >/dev/null 2>&1
eq "no companion created beside the originals" "$?" 2
finish
