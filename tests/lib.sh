# tests/lib.sh -- helpers for end-to-end tests (sourced).  Each check prints
# "ok"/"FAIL" and the script ends with `finish`, which prints
# "RESULT <passed> <failed>".  $SIGTRAIL is the binary under test; $T is a
# private scratch directory removed at exit; $ROOT is the repository.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${SIGTRAIL:=$ROOT/sigtrail}"
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
: "${TOOLS:=$ROOT/build/scripts}"   # built C helpers from scripts/*.c
T=$(mktemp -d "${TMPDIR:-/tmp}/sigtrail-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
_p=0; _f=0

# ok NAME COMMAND... : passes when COMMAND exits 0.
ok() { local n=$1; shift; if "$@" >"$T/.out" 2>&1; then _p=$((_p+1)); echo "ok   $n";
       else _f=$((_f+1)); echo "FAIL $n: $*"; head -20 "$T/.out"; fi; }
# status NAME EXPECTED COMMAND... : passes when COMMAND exits with EXPECTED.
status() { local n=$1 want=$2; shift 2; "$@" >"$T/.out" 2>&1; local rc=$?
       if [ "$rc" -eq "$want" ]; then _p=$((_p+1)); echo "ok   $n";
       else _f=$((_f+1)); echo "FAIL $n: exit $rc, expected $want: $*"; head -20 "$T/.out"; fi; }
# eq NAME GOT WANT : passes when the two strings are equal.
eq() { if [ "$2" == "$3" ]; then _p=$((_p+1)); echo "ok   $1";
       else _f=$((_f+1)); echo "FAIL $1"; echo "  got:  $2" | head -20; echo "  want: $3" | head -20; fi; }
# has NAME HAYSTACK NEEDLE : passes when NEEDLE occurs in HAYSTACK.
has() { if [[ "$2" == *"$3"* ]]; then _p=$((_p+1)); echo "ok   $1";
       else _f=$((_f+1)); echo "FAIL $1: missing '$3' in:"; echo "$2" | head -20; fi; }
# q CASE SQL : one value from the case (read-only).
q() { sqlite3 -readonly "$1" "$2"; }
finish() { echo "RESULT $_p $_f"; [ "$_f" -eq 0 ]; }
