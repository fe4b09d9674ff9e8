#!/bin/bash
# tests/e2e/test_errcode.sh -- `sigtrail errcode`: lookups by decimal, hex
# and name, JSON output, --list, --scan, and the exit statuses (0 found,
# 1 unknown code / nothing found, 2 usage or table error).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Whatever binary is under test, read the repository's table.
export SIGTRAIL_RULES="${SIGTRAIL_RULES:-$ROOT/rules}"
E() { "$SIGTRAIL" errcode "$@"; }

out=$(E -67030); rc=$?
eq "decimal exit" "$rc" 0
eq "decimal head" "$(head -1 <<<"$out")" "-67030 (0xFFFEFA2A) errSecCSInfoPlistFailed [errSecCS]"
has "decimal description" "$out" "    invalid Info.plist (plist or signature have been modified)"
has "decimal meaning" "$out" "    meaning: The Info.plist hash"

out=$(E 0xFFFEFA2A)
eq "hex head" "$(head -1 <<<"$out")" "-67030 (0xFFFEFA2A) errSecCSInfoPlistFailed [errSecCS]"
out=$(E 0xfffefa2a -0x105D6 4294900266 | grep -c '^-67030 ')
eq "hex spellings" "$out" 3

out=$(E 67062)
eq "positive read as negative" "$(head -1 <<<"$out")" "-67062 (0xFFFEFA0A) errSecCSUnsigned [errSecCS]"
has "positive note" "$out" "note: 67062 is not a known code; showing -67062"

out=$(E errSecCSReqFailed)
eq "name" "$(head -1 <<<"$out")" "-67050 (0xFFFEFA16) errSecCSReqFailed [errSecCS]"
out=$(E CSSMERR_TP_CERT_REVOKED)
eq "cssm name" "$(head -1 <<<"$out")" "-2147409652 (0x8001210C) CSSMERR_TP_CERT_REVOKED [CSSM_TP]"
out=$(E cssmerr_tp_cert_revoked)
has "name any case" "$out" "-2147409652 (0x8001210C) CSSMERR_TP_CERT_REVOKED"
out=$(E errSecCSSigDBDenied)
has "alias" "$out" "-67033 (0xFFFEFA27) errSecCSDBDenied [errSecCS]"
has "alias note" "$out" "errSecCSSigDBDenied is an alias of errSecCSDBDenied"
out=$(E 4)
eq "shared code rows" "$(grep -c '^4 ' <<<"$out")" 2

out=$(E --format json -67030); rc=$?
eq "json exit" "$rc" 0
eq "json one line" "$(wc -l <<<"$out")" 1
has "json fields" "$out" '{"input":"-67030","code":-67030,"hex":"0xFFFEFA2A","name":"errSecCSInfoPlistFailed","aliases":[],"domain":"errSecCS","description":"invalid Info.plist (plist or signature have been modified)","meaning":"'
out=$(E -67033 --format json)
has "json aliases" "$out" '"aliases":["errSecCSSigDBDenied"]'
if command -v python3 >/dev/null 2>&1; then
    ok "json parses" python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' \
        < <(E --format json -67030 0xFFFEFA0A CSSMERR_TP_CERT_EXPIRED 4 -423)
fi

status "unknown code exits 1" 1 E -12345
err=$(E -12345 2>&1 >/dev/null)
eq "unknown code message" "$err" "sigtrail errcode: -12345: -12345 (0xFFFFCFC7) is not in the table"
status "unknown name exits 1" 1 E errSecNoSuchThing
out=$(E -67062 -12345 2>/dev/null); rc=$?
eq "known and unknown exit" "$rc" 1
has "known still printed" "$out" "errSecCSUnsigned"

status "no argument exits 2" 2 E
status "--help exits 0" 0 E --help
has "--help usage" "$(E --help)" "usage: sigtrail errcode"
status "--help beats a bad option" 0 E --bogus --help
status "bad option exits 2" 2 E --bogus -67030
status "bad format exits 2" 2 E --format xml -67030
status "missing table exits 2" 2 E --table "$T/none.tsv" -67030
printf 'code\tname\tdomain\n-1\ta\tD\nzz\tb\tD\n' > "$T/bad.tsv"
err=$(E --table "$T/bad.tsv" -1 2>&1); rc=$?
eq "malformed table exit" "$rc" 2
has "malformed table line" "$err" "$T/bad.tsv:3: code 'zz'"

eq "list domain" "$(E --list errSecCS | wc -l)" 83
out=$(E --list)
ok "list all" test "$(wc -l <<<"$out")" -ge 300
status "list unknown domain exits 1" 1 E --list NoSuchDomain

printf '%s\n' \
  'default 08:34:48.281646-0400 CryptexManager MacOS error: -67062' \
  'pid 67030 offset -50 x-67030y -670301' \
  'SecStaticCode: verification failed (trust result 6, error -2147409652)' \
  'err=0xFFFEFA2A returned errSecCSReqFailed' > "$T/log.txt"
out=$(E --scan < "$T/log.txt"); rc=$?
eq "scan exit" "$rc" 0
eq "scan output" "$out" '1:58: -67062 (0xFFFEFA0A) errSecCSUnsigned [errSecCS] "-67062"
3:59: -2147409652 (0x8001210C) CSSMERR_TP_CERT_REVOKED [CSSM_TP] "-2147409652"
4:5: -67030 (0xFFFEFA2A) errSecCSInfoPlistFailed [errSecCS] "0xFFFEFA2A"
4:25: -67050 (0xFFFEFA16) errSecCSReqFailed [errSecCS] "errSecCSReqFailed"'
out=$(E --scan "$T/log.txt" | head -1)
eq "scan file" "$out" "$T/log.txt:1:58: -67062 (0xFFFEFA0A) errSecCSUnsigned [errSecCS] \"-67062\""
out=$(E --scan --format json < "$T/log.txt" | head -1)
has "scan json" "$out" '{"file":null,"line":1,"column":58,"mention":"-67062","code":-67062,'
status "scan nothing exits 1" 1 E --scan < <(echo 'pid 67030 started')

# The default table location (beside the binary, or one level up for
# out-of-tree builds) when SIGTRAIL_RULES is not set.
bindir=$(dirname "$(readlink -f "$SIGTRAIL")")
if [ -f "$bindir/rules/errcodes.tsv" ] || [ -f "$bindir/../rules/errcodes.tsv" ]; then
    status "default table path" 0 env -u SIGTRAIL_RULES "$SIGTRAIL" errcode -67030
fi

finish
