#!/bin/bash
# End-to-end: `sigtrail report` writes one self-contained HTML file (no
# external assets), with the case summary, every finding and an SVG
# timeline; a big case is summarised; and headless Chromium renders it
# (screenshot, DOM, no console errors, printable, readable without script).
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
C=$T/case.db
SC=$ROOT/fixtures/scenarios

# A case with apps launched, refused and tolerated, a quarantined
# download, a stale detached signature, and the databases behind them.
inputs=("$ROOT/fixtures/sample/incident_default.log" "$SC/4_quarantined_download/export.log"
        "$SC/5_stale_detached_signature/system_log.txt")
if [ -x "$TOOLS/gen_secdb" ]; then
    "$TOOLS/gen_secdb" scenario "$T/db" >/dev/null
    inputs+=("$T/db/com.apple.LaunchServices.QuarantineEventsV2" "$T/db/DetachedSignatures")
else
    echo "FAIL gen_secdb not built in \$TOOLS ($TOOLS)"; _f=$((_f+1))
fi
ok "ingest" $S ingest -q "$C" "${inputs[@]}"
$S analyze -q "$C" >/dev/null 2>&1
NF=$(q "$C" "SELECT count(*) FROM findings")
ok "findings to report" test "$NF" -gt 2
ok "report" $S report "$C" -o "$T/r.html"
H=$(cat "$T/r.html")

# --- self-contained ------------------------------------------------------
eq "no external reference (src/href/url()/@import/link)" \
   "$(grep -Eoi "(src|href)=['\"]?(https?:|//|ftp:)|url\(|@import|<link|<iframe|<img" "$T/r.html" | head -3)" ""
has "inline CSS" "$H" "<style>"
has "print CSS" "$H" "@media print"
eq "no web font" "$(grep -c '@font-face' "$T/r.html")" 0
has "inline SVG timeline" "$H" "<svg viewBox="
eq "script only inline" "$(grep -Eoc '<script[^>]*src' "$T/r.html")" 0
has "valid document start" "$(head -c 15 "$T/r.html")" "<!DOCTYPE html>"
# Readable without JavaScript: everything is in the markup; the script
# only filters and toggles what is already there.
eq "without script: every finding in the markup" "$(grep -o "<article class='finding" "$T/r.html" | wc -l)" "$NF"
eq "script builds nothing" "$(sed -n '/<script>/,/<\/script>/p' "$T/r.html" | grep -Ec 'innerHTML|createElement|document.write|fetch\(|XMLHttpRequest')" 0
has "controls hidden until the script runs" "$H" ".controls{display:none"

# --- content -------------------------------------------------------------
for id in $(q "$C" "SELECT id FROM findings ORDER BY id"); do
    has "finding $id written" "$H" "id='f$id'"
done
has "explanation" "$H" "$(q "$C" "SELECT explanation FROM findings WHERE verdict = 'blocked' ORDER BY id LIMIT 1" | sed "s/'/\&#39;/g; s/\"/\&quot;/g" | cut -c1-60)"
has "reasons" "$H" "<b>kernel_refused</b>"
has "evidence line with its source line" "$H" "incident_default.log</span>:35"
has "evidence of a database record" "$H" "table LSQuarantineEvent rowid 1"
has "sources with hashes" "$H" "$(q "$C" "SELECT sha256 FROM sources WHERE path LIKE '%incident_default.log'")"
has "source counts" "$H" "<td class='num'>34</td>"
has "time range" "$H" "Time range:"
has "warnings section" "$H" "Warnings ("
has "error codes named" "$H" "errSecCSInfoPlistFailed"
for lane in "DelightEd.app" "iojs"; do
    has "lane $lane" "$H" ">$lane<title>"
done
for k in k-launch k-sigerr k-kill k-gk k-quar k-det; do
    has "marker group $k" "$H" "<g class='$k'><use"
done
has "finding bands link to findings" "$H" "<a href='#f"
has "gaps cut from the axis" "$H" "years</text>"
status "report --help" 0 $S report --help
status "report of a missing case" 2 $S report "$T/none.db" -o "$T/x.html"
$S ingest -q "$T/nofind.db" "$ROOT/fixtures/sample/incident_default.log" >/dev/null
has "no findings: says how to get them" "$($S report "$T/nofind.db")" "run <code>sigtrail analyze"

# --- a big case is summarised, not dumped --------------------------------
if [ -x "$TOOLS/genlog" ]; then
    "$TOOLS/genlog" 200000 default > "$T/big.log"
    $S ingest -q "$T/big.db" "$T/big.log" >/dev/null
    ok "report of 200,000 events" $S report "$T/big.db" -o "$T/big.html"
    sz=$(stat -c %s "$T/big.html")
    ok "big report under 1 MB ($sz bytes)" test "$sz" -lt 1000000
    nuse=$(grep -o '<use ' "$T/big.html" | wc -l)
    ok "big report: bounded markers ($nuse)" test "$nuse" -le 16000
    has "big report: grouped markers say how many" "$(cat "$T/big.html")" "signature errors from"
    eq "big report: no event dumped in full" "$(grep -c 'validating bundle process' "$T/big.html")" 0
else
    echo "FAIL genlog not built in \$TOOLS ($TOOLS)"; _f=$((_f+1))
fi

# --- in a real browser ---------------------------------------------------
CH=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CH" ]; then
    "$ROOT/scripts/setup" --browser >/dev/null 2>&1
    CH=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$CH" ]; then
    echo "skipped: browser checks (chromium missing and scripts/setup --browser could not install it)"
else
    chrome() { # extra flags...
        timeout 180 "$CH" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" "$@"
    }
    chrome --enable-logging=stderr --v=0 --screenshot="$T/shot.png" --window-size=1280,2000 \
        "file://$T/r.html" >"$T/chrome.out" 2>"$T/chrome.err"
    ok "screenshot taken" test -s "$T/shot.png"
    eq "screenshot is a PNG" "$(head -c 8 "$T/shot.png" | od -An -c | tr -d ' ')" '211PNG\r\n032\n'
    pngsz=$(stat -c %s "$T/shot.png" 2>/dev/null || echo 0)
    # a blank 1280x2000 page compresses to a few KB; this one has text,
    # tables and a coloured timeline
    ok "screenshot is not blank ($pngsz bytes)" test "$pngsz" -gt 60000
    eq "no console errors" "$(grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(' "$T/chrome.err" | head -3)" ""
    chrome --dump-dom "file://$T/r.html" >"$T/dom.html" 2>/dev/null
    DOM=$(cat "$T/dom.html")
    has "DOM: the script ran" "$DOM" 'class=" js"'
    eq "DOM: every finding rendered" "$(grep -o "<article class=\"finding" "$T/dom.html" | wc -l)" "$NF"
    ok "DOM: timeline markers rendered" test "$(grep -o '<use ' "$T/dom.html" | wc -l)" -gt 20
    has "DOM: lanes" "$DOM" "DelightEd.app"
    chrome --print-to-pdf="$T/r.pdf" --no-pdf-header-footer "file://$T/r.html" >/dev/null 2>&1
    eq "prints (PDF)" "$(head -c 5 "$T/r.pdf" 2>/dev/null)" "%PDF-"
fi
finish
