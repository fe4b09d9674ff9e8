#!/bin/bash
# End-to-end: `sigtrail replay` (pacing, keys, alerts, rebasing, filters)
# and `sigtrail exercise` (packs, key, grading).  Timing checks use wide
# bands and the schedule replay reports itself, so a loaded machine does
# not fail them; terminal checks run sigtrail in a private tmux server.
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
SC=$ROOT/fixtures/scenarios
EX=$ROOT/exercises
P1=$EX/01-tolerated-vs-blocked
P2=$EX/02-firewall-prompts

now() { date +%s.%N; }
# within LO HI VALUE: LO <= VALUE <= HI (decimals)
within() { awk -v a="$1" -v b="$2" -v v="$3" 'BEGIN { exit !(v >= a && v <= b) }'; }
# A default-style export: one line per offset (seconds from 10:00:00).
mklog() {
    local out=$1; shift
    printf 'Timestamp                       Thread     Type        Activity             PID    TTL  \n' > "$out"
    local i=0
    for s in "$@"; do
        printf '2026-01-01 %s.%06d+0000 0x%-8x Default     0x0                  100    0    tick: event %d\n' \
            "$(date -u -d "@$((1767261600 + s))" +%H:%M:%S)" 0 $((i + 1)) "$i" >> "$out"
        i=$((i + 1))
    done
}
events() { grep -cE '^(\[[^]]*\] )?[0-9]{4}-[0-9]{2}-[0-9]{2} ' "$1"; }

mklog $T/span20.log $(seq 0 20)          # 21 events over 20 s
mklog $T/gap.log 0 1 61 62                # a 60 s quiet spell

# --- pacing: a 20-second span at --speed 20 takes about one second ---
# Wall time is measured around the whole command; what start-up costs
# (ingest, rules; seconds under ASan on a loaded machine) is measured with
# --speed max on the same input and taken off, so only pacing is judged.
# elapsed CMD... : seconds CMD took (output to $T/el.out, $T/el.err)
elapsed() { local a b; a=$(now); "$@" > $T/el.out 2> $T/el.err; b=$(now)
            awk -v a=$a -v b=$b 'BEGIN { printf "%.3f", b - a }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
base=$(elapsed $S replay -q --speed max $T/span20.log)
el=$(elapsed $S replay --speed 20 $T/span20.log)
cp $T/el.out $T/span.out; cp $T/el.err $T/span.err
pace=$(minus $el $base)
echo "     (20 s span at --speed 20: ${el} s, start-up ${base} s; $(cat $T/span.err))"
ok "speed 20: 20 s span takes 0.8-3 s ($pace s paced + $base s start-up)" within 0.8 3 "$pace"
eq "speed 20: every event, in order" "$(grep -oE 'event [0-9]+$' $T/span.out | tr '\n' ' ')" \
   "$(seq 0 20 | sed 's/^/event /' | tr '\n' ' ')"
has "speed 20: schedule reported" "$(cat $T/span.err)" "schedule 1.00 s"
late=$(sed -n 's/.*late by \([0-9.]*\) ms at most.*/\1/p' $T/span.err)
ok "speed 20: worst lateness under 250 ms ($late ms)" within 0 250 "$late"
mklog $T/one.log 0 1
base=$(elapsed $S replay -q --speed max $T/one.log)
el=$(elapsed $S replay -q --speed 0.8 $T/one.log)
pace=$(minus $el $base)
ok "fractional speed: 1 s at --speed 0.8 takes 1.0-3.5 s ($pace s paced)" within 1.0 3.5 "$pace"

# --- --max-gap shortens a long quiet spell (a wall-clock cap) ---
base=$(elapsed $S replay -q --speed max $T/gap.log)
el=$(elapsed $S replay --speed 10 --max-gap 0.5s $T/gap.log)
cp $T/el.out $T/gap.out; cp $T/el.err $T/gap.err
pace=$(minus $el $base)
has "max-gap: schedule 0.1 + 0.5 + 0.1 s" "$(cat $T/gap.err)" "schedule 0.70 s"
ok "max-gap: took 0.5-2.5 s, not 6.2 s ($pace s paced)" within 0.5 2.5 "$pace"
eq "max-gap: all four events" "$(events $T/gap.out)" 4
status "max-gap: a bad duration is a usage error" 2 $S replay --max-gap 5parsecs $T/gap.log
status "speed: 0 is a usage error" 2 $S replay --speed 0 $T/gap.log

# --- layout: the `log stream` default layout, byte for byte ---
$S replay -q --speed max --no-alerts $SC/1_modified_in_place/export.log > $T/ls.out
eq "layout: same lines as the default-style export" \
   "$(grep -E '^[0-9]{4}-' $T/ls.out | md5sum)" "$(grep -E '^[0-9]{4}-' $SC/1_modified_in_place/export.log | md5sum)"
eq "layout: the log stream header first" "$(head -1 $T/ls.out)" \
   "Timestamp                       Thread     Type        Activity             PID    TTL  "

# --- alerts: right after their last evidence, never before ---
cd $P1
$S replay -q --speed max -n --color never export.log system_log.txt > $T/p1.out
cd - > /dev/null
grep -n '' $T/p1.out > $T/p1.num
alert_at() { grep -n ">>> ALERT \[$1\]" $T/p1.out | cut -d: -f1; }
line_at() { grep -nF "[$1] " $T/p1.out | cut -d: -f1; }
ab=$(alert_at blocked); at=$(alert_at tolerated)
eq "two alerts" "$(grep -c '>>> ALERT' $T/p1.out)" 2
has "blocked alert names rule and explanation" "$(sed -n ${ab}p $T/p1.out)" \
    ">>> ALERT [blocked] cs.launch.blocked: /Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd was refused"
eq "blocked alert cites its evidence lines" "$(sed -n $((ab + 1))p $T/p1.out)" \
   ">>>   evidence: system_log.txt:208,210-219"
eq "blocked (complete at its last evidence): right after system_log.txt:219" \
   "$((ab - 1))" "$(line_at system_log.txt:219)"
ok "tolerated: not before its last evidence (export.log:172)" test "$at" -gt "$(line_at export.log:172)"
# decided when its 20 s window (from export.log:171, 09:00:00.574) passed
# without a kill: after the last line inside the window, before the next
eq "tolerated (an absence): after export.log:173, the last line of its window" \
   "$((at - 1))" "$(line_at export.log:173)"
has "tolerated: the next line is past the window" "$(sed -n $((at + 2))p $T/p1.out)" "2026-11-20 09:01:32"
has "evidence across files, ranges compressed" "$(sed -n $((at + 1))p $T/p1.out)" \
    "evidence: export.log:168-172; system_log.txt:14"

# the absence alert fires inside the quiet spell, on the replay clock:
# 19.6 s of a 91.5 s gap shown as 4 s is ~0.86 s after export.log:173
cd $P1
$S replay -q --speed 10 --max-gap 4s -n --from 2026-11-20T09:00:00-08:00 --to 2026-11-20T09:05:00-08:00 \
    export.log system_log.txt | while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done > $T/clock.out
cd - > /dev/null
t173=$(grep -F '[export.log:173]' $T/clock.out | cut -d' ' -f1)
tal=$(grep -F '>>> ALERT [tolerated]' $T/clock.out | cut -d' ' -f1)
tnx=$(grep -F '[system_log.txt:194]' $T/clock.out | cut -d' ' -f1)
d1=$(awk -v a=$t173 -v b=$tal 'BEGIN { printf "%.3f", b - a }')
d2=$(awk -v a=$tal -v b=$tnx 'BEGIN { printf "%.3f", b - a }')
echo "     (absence alert: ${d1} s after the last line, ${d2} s before the next)"
ok "absence alert in the quiet spell, ~0.86 s after its window's last line ($d1 s)" within 0.4 2.5 "$d1"
ok "absence alert well before the next line ($d2 s)" within 1.2 5 "$d2"

# --- --alerts-only, --no-alerts ---
cd $P1
$S replay -q --speed max --alerts-only export.log system_log.txt > $T/only.out
$S replay -q --speed max --no-alerts export.log system_log.txt > $T/none.out
cd - > /dev/null
eq "alerts-only: only alert lines" "$(grep -vc '^>>>' $T/only.out)" 0
eq "alerts-only: both alerts" "$(grep -c '>>> ALERT' $T/only.out)" 2
eq "no-alerts: no alert" "$(grep -c '>>>' $T/none.out)" 0
eq "no-alerts: every event" "$(events $T/none.out)" "$(events $T/p1.out)"
status "alerts-only with no-alerts: usage error" 2 $S replay --alerts-only --no-alerts $T/gap.log
$S replay -q --speed max --color always --alerts-only $P1/system_log.txt > $T/color.out
has "colour: alerts in bold red" "$(cat $T/color.out)" $'\033[1;31m>>> ALERT [blocked]'

# --- --rebase ---
$S replay -q --speed max --rebase 2030-01-01T00:00:00Z $T/span20.log > $T/rb.out
eq "rebase TIME: the first event at TIME" "$(grep -m1 -oE '^[0-9-]+ [0-9:.+-]+' $T/rb.out)" "2030-01-01 00:00:00.000000+0000"
eq "rebase TIME: offsets between events kept" "$(grep -oE '^[0-9-]+ [0-9:.+-]+' $T/rb.out | sed -n 21p)" "2030-01-01 00:00:20.000000+0000"
$S replay -q --speed max --rebase 2030-01-01T00:00:00Z --from 2026-11-20T17:00:00Z \
    $SC/1_modified_in_place/export.log > $T/rb2.out
eq "rebase TIME: each line keeps its UTC offset" "$(grep -m1 -oE '^[0-9-]+ [0-9:.+-]+' $T/rb2.out)" "2029-12-31 16:00:00.000000-0800"
has "rebase: alerts see rebased times too" "$(cat $T/rb2.out)" ">>> ALERT [tolerated]"
t=$(date +%s)
$S replay -q --speed max --rebase now $T/span20.log > $T/now.out
first=$(date -d "$(grep -m1 -oE '^[0-9-]+ [0-9:]+' $T/now.out) UTC" +%s)
ok "rebase now: the first event is now" within $((t - 5)) $((t + 5)) "$first"
status "rebase: bad time" 2 $S replay --rebase yesterday $T/gap.log

# --- --from/--to, --predicate ---
$S replay -q --speed max --from 2026-01-01T10:00:05Z --to 2026-01-01T10:00:09Z $T/span20.log > $T/ft.out
eq "from/to: inclusive range" "$(grep -oE 'event [0-9]+$' $T/ft.out | tr '\n' ' ')" "event 5 event 6 event 7 event 8 event 9 "
$S replay -q --speed max --from 2026-01-01 $T/span20.log > /dev/null
ok "from: a bare date" test $? -eq 0
$S replay -q --speed max --predicate 'process == "amfid"' $P1/system_log.txt > $T/pred.out
eq "predicate: only amfid lines" "$(events $T/pred.out)" "$(grep -c ' amfid\[' $P1/system_log.txt)"
has "predicate: the filtering preamble of log stream" "$(head -1 $T/pred.out)" 'Filtering the log data using "process == "amfid""'
has "predicate: the rules still see every event" "$(cat $T/pred.out)" ">>> ALERT [blocked]"
status "predicate: syntax error is a usage error" 2 $S replay --predicate 'process ==' $T/gap.log

# --- a case replays like its inputs; nothing to replay ---
cd $P1
$S ingest -q $T/p1.db export.log system_log.txt > /dev/null
$S replay -q --speed max -n $T/p1.db > $T/case.out
cd - > /dev/null
eq "case file: same replay as its inputs" "$(md5sum < $T/case.out)" "$(md5sum < $T/p1.out)"
status "nothing in range: exit 1" 1 $S replay -q --speed max --from 2031-01-01 $T/gap.log
status "unreadable input: exit 2" 2 $S replay -q $T/missing.log
$S replay -q --speed 50 $T/span20.log | head -3 > $T/head.out
eq "a closed pipe ends the replay quietly, exit 0" "${PIPESTATUS[0]}" 0
eq "  ... after what the reader took" "$(wc -l < $T/head.out)" 3

# --- --step: a pipe (one newline, one event) and a terminal (tmux) ---
printf '\n\n\n' | $S replay -q --step $T/span20.log > $T/pipe.out
eq "step from a pipe: three newlines, three events" "$(events $T/pipe.out)" 3

if command -v tmux > /dev/null; then
    TM="tmux -L sigtrail-test-$$"
    pane() { $TM capture-pane -p -J -t rp 2>/dev/null; }
    count() { pane | grep -cE '^(\[[^]]*\] )?[0-9]{4}-[0-9]{2}-[0-9]{2} '; }
    wait_for() { # command string, seconds
        local i; for i in $(seq 1 $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done; return 1; }
    cd $P1
    $TM new-session -d -s rp -x 250 -y 80 "$S replay --step -n --from 2026-11-20T17:00:00.5Z export.log; \
        echo rc=\$? > $T/step.rc; stty -a > $T/step.stty; sleep 60"
    cd - > /dev/null
    wait_for "pane | grep -q 'step mode'" 5
    eq "step (tty): nothing before the first Enter" "$(count)" 0
    for k in 1 2 3; do $TM send-keys -t rp Enter; wait_for "[ \$(count) -ge $k ]" 5; done
    sleep 0.3
    eq "step (tty): three Enters, three events" "$(count)" 3
    for k in 4 5 6 7; do $TM send-keys -t rp Enter; wait_for "[ \$(count) -ge $k ]" 5; done
    sleep 0.3
    eq "step (tty): seven Enters, seven events" "$(count)" 7
    eq "step (tty): the absence alert waits for the end of the recording" "$(pane | grep -c '>>> ALERT')" 0
    $TM send-keys -t rp Enter
    wait_for "pane | grep -q '>>> ALERT'" 5
    has "step (tty): one more Enter shows it" "$(pane)" ">>> ALERT [tolerated]"
    wait_for "[ -s $T/step.stty ]" 5
    eq "step (tty): clean exit" "$(cat $T/step.rc)" "rc=0"
    has "step (tty): terminal mode restored" "$(cat $T/step.stty)" " icanon"
    $TM kill-session -t rp

    # space pauses and resumes; Ctrl-C exits cleanly and restores the tty
    $TM new-session -d -s rp -x 250 -y 80 "$S replay --speed 4 $T/span20.log; \
        echo rc=\$? > $T/int.rc; stty -a > $T/int.stty; sleep 60"
    wait_for "[ \$(count) -ge 3 ]" 10
    $TM send-keys -t rp Space
    sleep 0.4; c1=$(count); sleep 1.5; c2=$(count)
    eq "space pauses ($c1 events)" "$c2" "$c1"
    $TM send-keys -t rp Space
    wait_for "[ \$(count) -gt $c2 ]" 5
    ok "space resumes" test "$(count)" -gt "$c2"
    $TM send-keys -t rp C-c
    wait_for "[ -s $T/int.stty ]" 5
    eq "Ctrl-C: clean exit" "$(cat $T/int.rc)" "rc=0"
    has "Ctrl-C: terminal mode restored (icanon)" "$(cat $T/int.stty)" " icanon"
    has "Ctrl-C: terminal mode restored (echo)" "$(cat $T/int.stty)" " echo "
    has "Ctrl-C: summary says stopped" "$(pane)" "replay: stopped:"
    ok "Ctrl-C: did not run to the end" test "$(count)" -lt 21
    $TM kill-server 2>/dev/null
else
    echo "     (tmux missing: terminal checks skipped)"
fi
# SIGTERM without a terminal: the same flag, a normal return (a background
# job's SIGINT is ignored on purpose by the shell, and replay keeps it so)
$S replay --speed 0.5 $T/span20.log > $T/sig.out 2> $T/sig.err < /dev/null &
pid=$!
for i in $(seq 1 100); do [ "$(events $T/sig.out)" -ge 1 ] && break; sleep 0.1; done
kill -TERM $pid; wait $pid; rc=$?
eq "SIGTERM: exit 0" "$rc" 0
has "SIGTERM: summary says stopped" "$(cat $T/sig.err)" "replay: stopped:"

# --- exercise packs ---
ok "pack 01: briefing" test -s $P1/BRIEFING.md
ok "pack 02: briefing" test -s $P2/BRIEFING.md
cp -r $P1 $T/p1
$S exercise key $T/p1 2> /dev/null
eq "key: regenerated key equals pack 01's answers.json" "$(cat $T/p1/answers.json)" "$(cat $P1/answers.json)"
cp -r $P2 $T/p2; rm -rf $T/p2/db
status "pack 02 without its generated database: exit 2" 2 $S exercise key $T/p2
has "  ... with how to generate it" "$(cat $T/.out)" "gen_secdb scenario db"
"$TOOLS/gen_secdb" scenario $T/p2/db > /dev/null
$S exercise key $T/p2 2> /dev/null
eq "key: regenerated key equals pack 02's answers.json" "$(cat $T/p2/answers.json)" "$(cat $P2/answers.json)"
status "key: three findings in pack 02" 0 grep -c stale_detached_signature $T/p2/answers.json

status "grade: the key itself passes" 0 $S exercise grade $P1 $P1/answers.json
has "grade: perfect answers score 100%" "$(cat $T/.out)" "(100.0%): PASS"
cat > $T/partial.json <<'EOF'
[{"subject": "/Applications/DelightEd.app", "verdict": "tolerated",
  "reasons": ["previously_launched_same_path", "quarantined"],
  "evidence": ["export.log:168-172", "export.log:18"]}]
EOF
status "grade: a partial answer fails the default pass mark" 1 $S exercise grade $P1 $T/partial.json
g=$(cat $T/.out)
has "grade: partial scores less" "$g" "Score: 8.5 of 33 points (25.8%): FAIL"
has "grade: lists the missed finding" "$g" "finding /Users/ana/Desktop/copy/DelightEd.app/Contents/MacOS/DelightEd (blocked)"
has "grade: lists a missed reason" "$g" "reason process_ran of /Applications/DelightEd.app/Contents/MacOS/DelightEd"
has "grade: lists missed evidence" "$g" "evidence of /Applications/DelightEd.app/Contents/MacOS/DelightEd (tolerated): system_log.txt:14"
has "grade: a wrong reason costs" "$g" "reason quarantined for /Applications/DelightEd.app/Contents/MacOS/DelightEd (-1)"
has "grade: a wrong evidence line costs" "$g" "evidence export.log:18 for"
status "grade: --pass 15 lets it pass" 0 $S exercise grade --pass 15 $P1 $T/partial.json
echo '[{"subject": "/Applications/Nope.app", "verdict": "blocked"}]' > $T/false.json
status "grade: only a false finding" 1 $S exercise grade $P2 $T/false.json
has "grade: false findings are penalised, score not below 0" "$(cat $T/.out)" "Score: 0 of"
has "grade: the false finding is listed" "$(cat $T/.out)" "false finding /Applications/Nope.app (blocked): not in the key (-4)"
sed 's/"verdict": "tolerated"/"verdict": "blocked"/' $P1/answers.json > $T/wrongv.json
status "grade: one wrong verdict still passes" 0 $S exercise grade $P1 $T/wrongv.json
has "grade: the wrong verdict is listed" "$(cat $T/.out)" "verdict of /Applications/DelightEd.app/Contents/MacOS/DelightEd: blocked (the key says tolerated)"
echo '[{"subject": "x" "verdict": "blocked"}]' > $T/bad.json
status "grade: bad JSON is exit 2" 2 $S exercise grade $P1 $T/bad.json
has "grade: bad JSON, a clear error" "$(cat $T/.out)" "the answer file is not valid JSON"
echo '{"subject": "x"}' > $T/notarray.json
status "grade: not an array is exit 2" 2 $S exercise grade $P1 $T/notarray.json
has "grade: says what shape is expected" "$(cat $T/.out)" "expected a JSON array of findings"
echo '[{"subject": "x", "reasons": "blocked"}]' > $T/badtype.json
status "grade: reasons not a list is exit 2" 2 $S exercise grade $P1 $T/badtype.json
has "grade: names the finding and field" "$(cat $T/.out)" 'finding 1: "reasons" must be an array of strings'
status "grade: missing answer file is exit 2" 2 $S exercise grade $P1 $T/none.json

# exercise run: the pack's inputs with its options, options given here win
$S exercise run $P1 -q --speed max --rebase 2030-01-01T00:00:00Z > $T/run.out
has "run: evidence cited relative to the pack" "$(cat $T/run.out)" "[export.log:168] "
has "run: alerts" "$(cat $T/run.out)" ">>>   evidence: system_log.txt:208,210-219"
has "run: options given here win (rebase)" "$(grep -m1 -E '^\[' $T/run.out)" "2029-12-31 16:00:00"
status "run: not a pack" 2 $S exercise run $T
finish
