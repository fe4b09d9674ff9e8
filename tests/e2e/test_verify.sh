#!/bin/bash
# End-to-end: `sigtrail verify` on real Mach-O files built here with Debian's
# clang and ld64.lld (which signs arm64 output ad hoc on its own: an
# independent signer) and on fixtures signed by $TOOLS/sign_fixture (bound
# special slots, CodeResources, CMS, universal binaries, DetachedSignatures
# rows): untouched, one byte changed in a code page, Info.plist / a resource
# / CodeResources changed, files added and removed, one slice of a fat file
# broken, unsigned code with a matching, a stale or no DetachedSignatures
# row, hostile Mach-O; results stored in a case and used by the rule pack.
. "$(dirname "$0")/../lib.sh"
S=$SIGTRAIL
SF=$TOOLS/sign_fixture
W=$T/w
mkdir -p "$W"
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

if [ ! -x "$SF" ]; then
    echo "FAIL sign_fixture not built in \$TOOLS ($TOOLS)"; _f=$((_f+1)); finish; exit
fi
MACOS_ARM="clang -target arm64-apple-macos11 -fuse-ld=lld -nostdlib -Wl,-e,_main"
MACOS_X86="clang -target x86_64-apple-macos10.15 -fuse-ld=lld -nostdlib -Wl,-e,_main"

# ---- byte helpers (od only) ------------------------------------------------
le32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' '; }      # FILE OFFSET
be32() { echo $((16#$(od -An -tx1 -j "$2" -N 4 "$1" | tr -d ' \n'))); }
flip() { # FILE OFFSET: xor one byte with 0x01
    local b; b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
codesig() { # FILE -> "dataoff datasize" of LC_CODE_SIGNATURE (thin, 64-bit)
    local f=$1 n at i cmd size
    n=$(le32 "$f" 16); at=32
    for ((i = 0; i < n; i++)); do
        cmd=$(le32 "$f" $at); size=$(le32 "$f" $((at + 4)))
        if [ "$cmd" = 29 ]; then echo "$(le32 "$f" $((at + 8))) $(le32 "$f" $((at + 12)))"; return; fi
        at=$((at + size))
    done
}
offset_of() { grep -obUa -- "$2" "$1" | head -1 | cut -d: -f1; }  # FILE STRING
# jq-free JSON: jx FILE PATH (one JSON object in FILE)
jx() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
vjson() { # OUT ARGS...: verify --format json into OUT; sets RC
    "$S" verify --format json "${@:2}" > "$1" 2>"$1.err"; RC=$?
}

# ---- binaries built by clang + ld64.lld ------------------------------------
cat > "$W/tool.c" <<'EOF'
static const char table[5 * 4096] = {1, 2, 3};
int main(void) { return table[0] + table[9000]; }
EOF
cat > "$W/tool2.c" <<'EOF'
static const char table[5 * 4096] = {4, 5, 6};
int helper(int x) { return x * 3 + 1; }
int main(void) { return helper(table[1]) + table[12000]; }
EOF
if ! $MACOS_ARM "$W/tool.c" -o "$W/tool_arm64" > "$W/link.err" 2>&1; then
    echo "FAIL clang with ld64.lld cannot link a Mach-O (scripts/setup installs clang and lld):"
    head -5 "$W/link.err"; _f=$((_f+1)); finish; exit
fi
ok "clang+lld: arm64 (signed ad hoc by ld64.lld)" test -s "$W/tool_arm64"
ok "clang+lld: x86_64 (unsigned)" $MACOS_X86 "$W/tool.c" -o "$W/tool_x86"
ok "clang+lld: x86_64 rebuilt from other code" $MACOS_X86 "$W/tool2.c" -o "$W/tool2_x86"

# ---- thin arm64, ld64.lld's own signature ----------------------------------
A=$W/tool_arm64
out=$($S verify "$A"); rc=$?
eq "lld arm64: exit 0" "$rc" 0
has "lld arm64: valid on disk" "$out" "$A: valid on disk"
has "lld arm64: Format" "$out" "Format=Mach-O thin (arm64)"
has "lld arm64: CodeDirectory line" "$out" "flags=0x20002(adhoc,linker-signed) hashes="
has "lld arm64: location" "$out" "location=embedded"
has "lld arm64: Signature" "$out" "Signature=adhoc"
has "lld arm64: TeamIdentifier" "$out" "TeamIdentifier=not set"
vjson "$W/a.json" "$A"
eq "lld arm64 json: status, location, arch" "$(jx "$W/a.json" '$.status'),$(jx "$W/a.json" '$.location'),$(jx "$W/a.json" '$.arch')" "valid,embedded,arm64"
eq "lld arm64 json: errors empty, v=0x20400" "$(jx "$W/a.json" '$.errors'),$(jx "$W/a.json" '$.code_directories[0].version')" "[],0x20400"
read -r soff ssize <<< "$(codesig "$A")"
cdoff=$(be32 "$A" $((soff + 16))); cdlen=$(be32 "$A" $((soff + cdoff + 4)))
dd if="$A" of="$W/cd.bin" bs=1 skip=$((soff + cdoff)) count="$cdlen" 2>/dev/null
eq "lld arm64: cdhash = SHA-256 of lld's CodeDirectory (read with od/dd)" "$(jx "$W/a.json" '$.cdhash')" "$(sha256sum "$W/cd.bin" | cut -c1-40)"
eq "lld arm64: code limit = signature offset" "$(jx "$W/a.json" '$.code_directories[0].code_limit')" "$soff"
npages=$(jx "$W/a.json" '$.code_directories[0].code_slots')
[ "$npages" -ge 5 ]; eq "lld arm64: several code pages" "$?" 0

# one byte changed in page 2
cp "$A" "$W/page2"; flip "$W/page2" $((2 * 4096 + 100))
vjson "$W/p2.json" "$W/page2"
eq "page 2 changed: exit 1" "$RC" 1
eq "page 2 changed: status, code, name, page" "$(jx "$W/p2.json" '$.status') $(jx "$W/p2.json" '$.errors[0].code') $(jx "$W/p2.json" '$.errors[0].name') $(jx "$W/p2.json" '$.errors[0].page')" "invalid -67061 errSecCSSignatureFailed 2"
eq "page 2 changed: only that page" "$(jx "$W/p2.json" '$.errors[#-1].page')" 2
eq "page 2 changed: recomputed hash is the file's" "$(jx "$W/p2.json" '$.errors[0].actual')" "$(dd if="$W/page2" bs=4096 skip=2 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
has "page 2 changed: codesign's words" "$($S verify "$W/page2")" "$W/page2: invalid signature (code or signature have been modified)"
cp "$A" "$W/lastpage"; flip "$W/lastpage" $((soff - 1))
vjson "$W/lp.json" "$W/lastpage"
eq "last (partial) page changed" "$(jx "$W/lp.json" '$.errors[0].page')" "$((npages - 1))"
cp "$A" "$W/cdflip"; flip "$W/cdflip" $((soff + cdoff + cdlen - 1))
vjson "$W/cf.json" "$W/cdflip"
eq "a page hash inside the CodeDirectory changed" "$(jx "$W/cf.json" '$.status'),$(jx "$W/cf.json" '$.errors[0].page')" "invalid,$((npages - 1))"

# ---- fixtures signed by sign_fixture ----------------------------------------
cat > "$W/ents.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>com.apple.security.get-task-allow</key><true/></dict></plist>
EOF
printf '\x70\x06\x02\x01\x01\xb0\x01\x00' > "$W/ents.der"
ok "sign: sha1 + sha256, entitlements, DER entitlements" "$SF" sign "$A" "$W/multi" --id com.example.multi --hash sha1 --hash sha256 --entitlements "$W/ents.plist" --der-entitlements "$W/ents.der"
vjson "$W/m.json" "$W/multi"
eq "two CodeDirectories, valid" "$(jx "$W/m.json" '$.status') $(jx "$W/m.json" '$.code_directories[0].hash_type') $(jx "$W/m.json" '$.code_directories[1].hash_type') $(jx "$W/m.json" '$.code_directories[1].slot')" "valid sha1 sha256 alternate-code-directory-0"
eq "cdhash is the sha256 directory's" "$(jx "$W/m.json" '$.cdhash')" "$(jx "$W/m.json" '$.code_directories[1].cdhash')"
eq "entitlements present" "$(jx "$W/m.json" '$.entitlements_bytes') $(jx "$W/m.json" '$.der_entitlements_bytes') $(jx "$W/m.json" '$.code_directories[0].special_slots')" "$(stat -c %s "$W/ents.plist") 8 7"
cp "$W/multi" "$W/ents_mod"; flip "$W/ents_mod" $(( $(offset_of "$W/ents_mod" 'get-task-allow') + 2 ))
vjson "$W/em.json" "$W/ents_mod"
eq "entitlements changed: -67061 slot 5" "$(jx "$W/em.json" '$.errors[0].code') $(jx "$W/em.json" '$.errors[0].slot') $(jx "$W/em.json" '$.errors[0].slot_name')" "-67061 5 entitlements"
eq "entitlements changed: one error" "$(sqlite3 :memory: "SELECT json_array_length(CAST(readfile('$W/em.json') AS TEXT), '\$.errors')")" 1
for h in sha256-truncated sha384; do
    ok "sign: $h" "$SF" sign "$A" "$W/h_$h" --hash "$h" --page-log2 14
    vjson "$W/h.json" "$W/h_$h"
    eq "$h: valid, 16 KiB pages" "$(jx "$W/h.json" '$.status') $(jx "$W/h.json" '$.code_directories[0].hash_type') $(jx "$W/h.json" '$.code_directories[0].page_size')" "valid $h 16384"
done
ok "sign: x86_64 gets an LC_CODE_SIGNATURE" "$SF" sign "$W/tool_x86" "$W/x86_signed" --id com.example.x86
ok "x86_64 signed: valid" "$S" verify -q "$W/x86_signed"
# arm64e: the same code with CPU_SUBTYPE_ARM64E and the pointer-auth ABI bit
cp "$A" "$W/e_unsigned"; printf '\002\000\000\200' | dd of="$W/e_unsigned" bs=1 seek=8 conv=notrunc 2>/dev/null
ok "sign: arm64e" "$SF" sign "$W/e_unsigned" "$W/arm64e" --id com.example.e
has "arm64e: named and valid" "$($S verify "$W/arm64e")" "Format=Mach-O thin (arm64e)"
has "arm64e: unsigned header change breaks page 0" "$($S verify "$W/e_unsigned")" "code page 0"

# CMS: the signer chain is named, not trusted
ok "sign: CMS by a throw-away Developer ID-like chain" "$SF" sign "$A" "$W/cms" --id com.example.signed --team ABCDE12345 --runtime --cms "Developer ID Application: Example Corp (ABCDE12345)"
out=$($S verify "$W/cms"); rc=$?
eq "CMS: exit 0" "$rc" 0
has "CMS: Authority (leaf)" "$out" "Authority=Developer ID Application: Example Corp (ABCDE12345)"
has "CMS: Authority (root)" "$out" "Authority=Fixture Root CA"
has "CMS: TeamIdentifier" "$out" "TeamIdentifier=ABCDE12345"
has "CMS: runtime flag" "$out" "flags=0x10000(runtime)"
has "CMS: says trust was not evaluated" "$out" "Trust=not evaluated"
vjson "$W/c.json" "$W/cms"
eq "CMS json: chain" "$(jx "$W/c.json" '$.cms.chain[0].team_ou') $(jx "$W/c.json" '$.cms.chain[0].not_before') $(jx "$W/c.json" '$.cms.chain[0].not_after') $(jx "$W/c.json" '$.cms.chain[0].signer') $(jx "$W/c.json" '$.cms.chain[1].subject_cn')" "ABCDE12345 2024-01-01T00:00:00Z 2030-01-01T00:00:00Z 1 Fixture Root CA"
eq "CMS json: not evaluated, signs the directory" "$(jx "$W/c.json" '$.cms.trust_evaluated') $(jx "$W/c.json" '$.cms.signs_code_directory') $(jx "$W/c.json" '$.team_id')" "0 1 ABCDE12345"
cp "$W/cms" "$W/cms_mod"; flip "$W/cms_mod" "$(offset_of "$W/cms_mod" 'com.example.signed')"
vjson "$W/cm.json" "$W/cms_mod"
eq "CMS: the directory edited after signing: -67061" "$(jx "$W/cm.json" '$.status') $(jx "$W/cm.json" '$.errors[0].code')" "invalid -67061"
has "CMS: the directory edited after signing: why" "$(jx "$W/cm.json" '$.errors[0].detail')" "the CMS signature does not sign this CodeDirectory"

# ---- universal binary, one slice broken -------------------------------------
ok "fat: x86_64 (sign_fixture) + arm64 (ld64.lld)" "$SF" fat "$W/fat" "$W/x86_signed" "$A"
vjson "$W/f.json" "$W/fat"
eq "fat: exit 0, two objects" "$RC $(wc -l < "$W/f.json")" "0 2"
out=$($S verify "$W/fat")
has "fat: Format" "$out" "Format=Mach-O universal (x86_64 arm64)"
arm_off=$(be32 "$W/fat" 36)
cp "$W/fat" "$W/fat_bad"; flip "$W/fat_bad" $((arm_off + 3 * 4096 + 5))
vjson "$W/fb.json" "$W/fat_bad"
sed -n 1p "$W/fb.json" > "$W/fb1.json"; sed -n 2p "$W/fb.json" > "$W/fb2.json"
eq "fat, arm64 slice broken: exit 1" "$RC" 1
eq "fat: x86_64 still valid" "$(jx "$W/fb1.json" '$.arch') $(jx "$W/fb1.json" '$.status')" "x86_64 valid"
eq "fat: arm64 invalid at page 3" "$(jx "$W/fb2.json" '$.arch') $(jx "$W/fb2.json" '$.status') $(jx "$W/fb2.json" '$.errors[0].page')" "arm64 invalid 3"
has "fat: In architecture" "$($S verify "$W/fat_bad")" "In architecture: arm64"

# ---- bundles ----------------------------------------------------------------
mkbundle() { # DIR: DIR/DelightEd.app signed by sign_fixture
    local c=$1/DelightEd.app/Contents
    mkdir -p "$c/MacOS" "$c/Resources/en.lproj"
    cat > "$c/Info.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>DelightEd</string>
	<key>CFBundleIdentifier</key>
	<string>com.delighted.DelightEd</string>
	<key>CFBundleVersion</key>
	<string>7</string>
</dict>
</plist>
EOF
    printf 'APPL????' > "$c/PkgInfo"
    echo "the manual" > "$c/Resources/manual.txt"
    head -c 100000 /dev/zero | tr '\0' 'x' > "$c/Resources/big.dat"
    echo '"hello" = "bonjour";' > "$c/Resources/en.lproj/Localizable.strings"
    ln -s manual.txt "$c/Resources/readme"
    cp "$A" "$c/MacOS/DelightEd"
    cp "$A" "$c/MacOS/helper"
    "$SF" bundle "$1/DelightEd.app" --exe DelightEd --id com.delighted.DelightEd
}
ok "bundle: built and signed (CodeResources, Info.plist bound)" mkbundle "$W/good"
APP=$W/good/DelightEd.app
C=$APP/Contents
out=$($S verify "$APP"); rc=$?
eq "bundle untouched: exit 0" "$rc" 0
has "bundle: valid on disk" "$out" "$APP: valid on disk"
has "bundle: Format" "$out" "Format=app bundle with Mach-O thin (arm64)"
has "bundle: Info.plist entries" "$out" "Info.plist entries=3"
has "bundle: Sealed Resources" "$out" "Sealed Resources version=2 rules=13 files=5"
has "bundle: hashes=N+3" "$out" "+3 location=embedded"
vjson "$W/b.json" "$APP"
eq "bundle json: path, identifier, bundle id" "$(jx "$W/b.json" '$.path')|$(jx "$W/b.json" '$.identifier')|$(jx "$W/b.json" '$.bundle.identifier')|$(jx "$W/b.json" '$.info_plist_bound')$(jx "$W/b.json" '$.resources_bound')" "$APP|com.delighted.DelightEd|com.delighted.DelightEd|11"
has "main executable given: the bundle is verified" "$($S verify "$C/MacOS/DelightEd")" "$APP: valid on disk"

variant() { # NAME COMMAND...: a copy of the good bundle changed by COMMAND
    rm -rf "$W/$1"; cp -a "$W/good" "$W/$1"
    (cd "$W/$1/DelightEd.app/Contents" && eval "${@:2}")
    vjson "$W/$1.json" "$W/$1/DelightEd.app"
}
variant plist 'sed -i s/7/8/ Info.plist'
eq "Info.plist changed: exit 1, -67030 slot 1" "$RC $(jx "$W/plist.json" '$.errors[0].code') $(jx "$W/plist.json" '$.errors[0].name') $(jx "$W/plist.json" '$.errors[0].slot')" "1 -67030 errSecCSInfoPlistFailed 1"
eq "Info.plist changed: file hash" "$(jx "$W/plist.json" '$.errors[0].actual')" "$(sha256sum "$W/plist/DelightEd.app/Contents/Info.plist" | cut -d' ' -f1)"
eq "Info.plist changed: slot hash" "$(jx "$W/plist.json" '$.errors[0].expected')" "$(sha256sum "$C/Info.plist" | cut -d' ' -f1)"
has "Info.plist changed: codesign's words" "$($S verify "$W/plist/DelightEd.app")" "invalid Info.plist (plist or signature have been modified)"
variant resource 'echo changed >> Resources/manual.txt'
eq "resource changed: -67054 modified" "$(jx "$W/resource.json" '$.errors[0].code') $(jx "$W/resource.json" '$.errors[0].change') $(jx "$W/resource.json" '$.errors[0].file')" "-67054 modified $W/resource/DelightEd.app/Contents/Resources/manual.txt"
has "resource changed: codesign -vvv style" "$($S verify "$W/resource/DelightEd.app")" "file modified: $W/resource/DelightEd.app/Contents/Resources/manual.txt"
variant coderes 'echo "<!-- -->" >> _CodeSignature/CodeResources'
eq "CodeResources changed: -67023 slot 3" "$(jx "$W/coderes.json" '$.errors[0].code') $(jx "$W/coderes.json" '$.errors[0].slot') $(jx "$W/coderes.json" '$.errors[0].name')" "-67023 3 errSecCSResourceDirectoryFailed"
variant added 'echo new > Resources/new.txt'
eq "file added: -67054 added" "$(jx "$W/added.json" '$.errors[0].code') $(jx "$W/added.json" '$.errors[0].change') $(jx "$W/added.json" '$.errors[0].file')" "-67054 added $W/added/DelightEd.app/Contents/Resources/new.txt"
variant removed 'rm Resources/big.dat'
eq "file removed: -67054 missing" "$(jx "$W/removed.json" '$.errors[0].code') $(jx "$W/removed.json" '$.errors[0].change')" "-67054 missing"
variant optional 'rm Resources/en.lproj/Localizable.strings'
eq "optional (.lproj) file removed: still valid" "$RC $(jx "$W/optional.json" '$.status')" "0 valid"
variant omitted 'echo x > Resources/.DS_Store; echo y > PkgInfo'
eq "omitted files (.DS_Store, PkgInfo) changed: valid" "$RC" 0
variant link 'ln -sfn big.dat Resources/readme'
eq "symbolic link retargeted: -67054 modified" "$(jx "$W/link.json" '$.errors[0].change') $(jx "$W/link.json" '$.errors[0].code')" "modified -67054"
variant nested "printf 'x' | dd of=MacOS/helper bs=1 seek=5000 conv=notrunc 2>/dev/null"
eq "nested helper changed: -67021" "$(jx "$W/nested.json" '$.errors[0].code') $(jx "$W/nested.json" '$.errors[0].name')" "-67021 errSecCSBadNestedCode"
variant unbound "\"\$SF\" sign MacOS/DelightEd MacOS/DelightEd --id com.delighted.DelightEd --info-plist Info.plist"
eq "CodeResources present but not bound: -67023" "$(jx "$W/unbound.json" '$.errors[0].code') $(jx "$W/unbound.json" '$.errors[0].slot')" "-67023 3"
variant several 'echo a >> Resources/manual.txt; echo b > Resources/b.txt; rm Resources/big.dat'
eq "several changes: all listed" "$(sqlite3 :memory: "SELECT group_concat(value->>'change') FROM json_each(CAST(readfile('$W/several.json') AS TEXT), '\$.errors')")" "added,modified,missing"
variant exe "printf 'x' | dd of=MacOS/DelightEd bs=1 seek=200 conv=notrunc 2>/dev/null"
eq "main executable changed: page 0" "$(jx "$W/exe.json" '$.errors[0].code') $(jx "$W/exe.json" '$.errors[0].page')" "-67061 0"

# a versioned framework and a shallow bundle
FW=$W/fw/Kit.framework
mkdir -p "$FW/Versions/A/Resources"
cp "$A" "$FW/Versions/A/Kit"
printf '<plist version="1.0"><dict><key>CFBundleExecutable</key><string>Kit</string><key>CFBundleIdentifier</key><string>com.example.Kit</string></dict></plist>\n' > "$FW/Versions/A/Resources/Info.plist"
echo data > "$FW/Versions/A/Resources/k.txt"
ln -s A "$FW/Versions/Current"; ln -s Versions/Current/Kit "$FW/Kit"; ln -s Versions/Current/Resources "$FW/Resources"
ok "framework: signed" "$SF" bundle "$FW" --exe Kit
vjson "$W/fw.json" "$FW"
eq "framework: valid, Info.plist in Resources bound, sealed" "$RC $(jx "$W/fw.json" '$.status') $(jx "$W/fw.json" '$.bundle.identifier') $(jx "$W/fw.json" '$.info_plist_bound') $(jx "$W/fw.json" '$.bundle.sealed_resources.files')" "0 valid com.example.Kit 1 2"
has "framework: its binary's path verifies the framework" "$($S verify "$FW/Versions/A/Kit")" "$FW: valid on disk"
echo more >> "$FW/Versions/A/Resources/k.txt"
vjson "$W/fw2.json" "$FW"
eq "framework: resource changed" "$(jx "$W/fw2.json" '$.errors[0].code') $(jx "$W/fw2.json" '$.errors[0].change')" "-67054 modified"
SB=$W/sh/Plugin.bundle
mkdir -p "$SB"; cp "$A" "$SB/Plugin"
printf '<plist version="1.0"><dict><key>CFBundleExecutable</key><string>Plugin</string></dict></plist>\n' > "$SB/Info.plist"
ok "shallow bundle: signed" "$SF" bundle "$SB" --exe Plugin
ok "shallow bundle: valid" $S verify -q "$SB"
echo '<!-- -->' >> "$SB/Info.plist"
vjson "$W/sb.json" "$SB"
eq "shallow bundle: Info.plist changed" "$(jx "$W/sb.json" '$.errors[0].code')" "-67030"
# a bare tool whose Info.plist is bound but that was copied out of its bundle
cp "$C/MacOS/DelightEd" "$W/bare_main"
vjson "$W/bare.json" "$W/bare_main"
eq "bundle binary copied out: -67030 and -67023, bound but missing" "$(jx "$W/bare.json" '$.errors[0].code') $(jx "$W/bare.json" '$.errors[1].code')" "-67030 -67023"
has "bundle binary copied out: why" "$(jx "$W/bare.json" '$.errors[0].detail')" "is bound by the signature"

# a folder walk: bundles whole, Mach-O files, other files skipped
mkdir -p "$W/walk/sub"; cp -a "$APP" "$W/walk/"; cp "$W/page2" "$W/walk/sub/"; echo text > "$W/walk/sub/notes.txt"
vjson "$W/walk.json" "$W/walk"
eq "walk: a bundle and a binary, exit 1" "$RC $(wc -l < "$W/walk.json")" "1 2"

# ---- DetachedSignatures (the first seed's case) -----------------------------
DB=$W/DetachedSignatures
ok "detached: a row for the unsigned x86_64 binary" "$SF" detached "$DB" "$W/tool_x86" --id iojs-5555494426c0 --location /usr/local/bin/iojs --created "2015-04-16 18:45:36"
ok "detached: a row for a binary without LC_UUID (header hash)" sh -c "'$SF' strip-uuid '$W/tool_x86' '$W/nouuid' && '$SF' detached '$DB' '$W/nouuid' --id nouuid"
cp "$W/tool2_x86" "$W/rebuilt" && "$SF" copy-uuid "$W/tool_x86" "$W/rebuilt"
"$SF" set-uuid "$W/tool_x86" "$W/other" 11111111-2222-3333-4444-555555555555
K=$T/case.db
ok "case: ingest the DetachedSignatures database" $S ingest -q "$K" "$DB"
before=$(sha256sum "$W/tool_x86" "$W/rebuilt" "$DB" "$C/Info.plist"; stat -c '%n %s %.9Y' "$W/tool_x86" "$W/rebuilt" "$DB")
vjson "$W/d1.json" "$K" "$W/tool_x86"
eq "unsigned + matching row: valid, location system" "$RC $(jx "$W/d1.json" '$.status') $(jx "$W/d1.json" '$.location') $(jx "$W/d1.json" '$.identifier')" "0 valid system iojs-5555494426c0"
eq "unsigned + matching row: the row used" "$(jx "$W/d1.json" '$.detached.locator') $(jx "$W/d1.json" '$.detached.sign_location')" "table code rowid 1 /usr/local/bin/iojs"
eq "unsigned + matching row: cdhash = the row's" "$(jx "$W/d1.json" '$.cdhash')" "$(q "$K" "SELECT cdhash FROM records WHERE locator='table code rowid 1'")"
has "unsigned + matching row: text" "$($S verify --system-db "$DB" "$W/tool_x86")" "location=system"
vjson "$W/d2.json" "$K" "$W/rebuilt"
eq "rebuilt with the same LC_UUID: invalid, location system" "$RC $(jx "$W/d2.json" '$.status') $(jx "$W/d2.json" '$.location') $(jx "$W/d2.json" '$.errors[0].code') $(jx "$W/d2.json" '$.errors[0].page')" "1 invalid system -67061 0"
eq "rebuilt: same UUID as the row" "$(jx "$W/d2.json" '$.uuid')" "$(q "$K" "SELECT uuid FROM records WHERE locator='table code rowid 1'")"
vjson "$W/d3.json" "$K" "$W/other"
eq "no row: unsigned -67062" "$RC $(jx "$W/d3.json" '$.status') $(jx "$W/d3.json" '$.location') $(jx "$W/d3.json" '$.errors[0].code') $(jx "$W/d3.json" '$.errors[0].name')" "1 unsigned none -67062 errSecCSUnsigned"
vjson "$W/d4.json" "$K" "$W/nouuid"
eq "no LC_UUID: found by the SHA-1 of header and load commands" "$RC $(jx "$W/d4.json" '$.status') $(jx "$W/d4.json" '$.location') $(jx "$W/d4.json" '$.uuid')" "0 valid system "
vjson "$W/d5.json" --system-db "$DB" "$W/rebuilt"
eq "--system-db without a case: the same verdict" "$(jx "$W/d5.json" '$.status') $(jx "$W/d5.json" '$.location')" "invalid system"
vjson "$W/d6.json" "$W/tool_x86"
eq "no database at all: unsigned" "$(jx "$W/d6.json" '$.status') $(jx "$W/d6.json" '$.errors[0].code')" "unsigned -67062"

# ---- results stored as evidence ---------------------------------------------
status "case: verify the bundle with --root (paths as on the Mac): invalid" 1 $S verify -q --root "$W/plist" "$K" "$W/plist/DelightEd.app"
R="FROM records WHERE kind='verification'"
eq "records: one per verified slice" "$(q "$K" "SELECT count(*) $R")" 5
eq "record keys (--root maps the path)" "$(q "$K" "SELECT path || '|' || bundle_id || '|' || identifier || '|' || length(cdhash) $R AND bundle_id IS NOT NULL")" "/DelightEd.app|com.delighted.DelightEd|com.delighted.DelightEd|40"
has "record data starts with a readable summary" "$(q "$K" "SELECT substr(data, 1, 160) $R AND bundle_id IS NOT NULL")" '{"summary":"invalid: Info.plist modified after signing (slot hash '
eq "record data is the JSON result" "$(q "$K" "SELECT json_extract(data, '\$.errors[0].code') || ',' || json_extract(data, '\$.status') $R AND bundle_id IS NOT NULL")" "-67030,invalid"
eq "record uuid" "$(q "$K" "SELECT uuid $R AND path LIKE '%rebuilt'")" "$(jx "$W/d2.json" '$.uuid')"
eq "timeline events" "$(q "$K" "SELECT group_concat(event_type) FROM (SELECT event_type FROM event_view WHERE type='Verification' ORDER BY id)")" "verificationValid,verificationInvalid,verificationUnsigned,verificationValid,verificationInvalid"
has "event message" "$(q "$K" "SELECT message FROM event_view WHERE event_type='verificationInvalid' AND message LIKE '/DelightEd.app%'")" "/DelightEd.app (arm64): invalid: Info.plist modified after signing"
eq "provenance: the file's SHA-256" "$(q "$K" "SELECT sha256 FROM sources WHERE path = '$W/rebuilt'")" "$(sha256sum "$W/rebuilt" | cut -d' ' -f1)"
eq "provenance: bound Info.plist as a companion source" "$(q "$K" "SELECT sha256 || ',' || status FROM sources WHERE path = '$W/plist/DelightEd.app/Contents/Info.plist'")" "$(sha256sum "$W/plist/DelightEd.app/Contents/Info.plist" | cut -d' ' -f1),companion"
eq "run recorded" "$(q "$K" "SELECT count(*) FROM runs WHERE command = 'verify'")" 5
after=$(sha256sum "$W/tool_x86" "$W/rebuilt" "$DB" "$C/Info.plist"; stat -c '%n %s %.9Y' "$W/tool_x86" "$W/rebuilt" "$DB")
eq "inputs never modified" "$after" "$before"
cp "$DB" "$W/db_saved"; sqlite3 "$DB" "UPDATE code SET created = '2016-01-01 00:00:00'"
vjson "$W/d7.json" "$K" "$W/tool_x86"
eq "database changed since ingest: refused, not trusted" "$RC $(jx "$W/d7.json" '$.status')" "2 error"
has "database changed since ingest: why" "$(jx "$W/d7.json" '$.errors[0].detail')" "changed since it was ingested"
cp "$W/db_saved" "$DB"

# ---- hostile and broken input -----------------------------------------------
ok "hostile variants written" "$SF" hostile "$W/h" "$W/multi"
for f in truncated_header truncated_commands truncated_code sizeofcmds_huge ncmds_huge cmdsize_zero cmd_past_end signature_out_of_range fat_overlapping fat_count_huge fat_offset_out fat_self garbage garbage_with_magic empty; do
    timeout 20 "$S" verify "$W/h/$f" > "$W/h/$f.out" 2>&1; rc=$?
    eq "hostile $f: exit 2" "$rc" 2
    has "hostile $f: clear error" "$(cat "$W/h/$f.out")" "object file format unrecognized, invalid, or unsuitable"
done
for f in signature_garbage superblob_count_huge codedirectory_offset_out; do
    timeout 20 "$S" verify "$W/h/$f" > "$W/h/$f.out" 2>&1; rc=$?
    eq "hostile $f: exit 1" "$rc" 1
    has "hostile $f: -67045" "$(cat "$W/h/$f.out")" "errSecCSSignatureInvalid"
done
has "hostile cmdsize 0: names the command" "$(cat "$W/h/cmdsize_zero.out")" "has size 0"
vjson "$W/h.json" "$W/h/garbage"
eq "garbage json: status error, -67049" "$(jx "$W/h.json" '$.status') $(jx "$W/h.json" '$.errors[0].code')" "error -67049"
status "missing path: exit 2" 2 $S verify "$W/nonexistent"
status "no path: exit 2" 2 $S verify
status "--help: exit 0" 0 $S verify --help
status "bad --format: exit 2" 2 $S verify --format xml "$A"

# ---- the rule pack uses the verification record ----------------------------
L=$W/launch.log
cat > "$L" <<'EOF'
Timestamp                       Thread     Type        Activity             PID    TTL  
2024-03-05 10:00:00.100000+0000 0x2c01     Default     0x0                  388    0    Finder: (LaunchServices) [com.apple.processmanager:front-35286506] LAUNCHING:0x0-0x7f07f DelightEd foreground=1 bringForward=1 seed=171 userActivityCount=0
2024-03-05 10:00:00.110000+0000 0x2d44     Default     0x0                  301    0    lsd: (Security) [com.apple.securityd:security_exception] MacOS error: -67030
2024-03-05 10:00:00.111000+0000 0x2d44     Error       0x0                  301    0    lsd: (LaunchServices) [com.apple.launchservices:code-signing] Error -67030 validating the signing information for /Applications/DelightEd.app, error=Error Domain=NSOSStatusErrorDomain Code=-67030 "(null)"
2024-03-05 10:00:00.120000+0000 0x3e10     Default     0x0                  165    0    runningboardd: [com.apple.runningboard:job] Checking PreventLaunch: global:0 exPath:/Applications/DelightEd.app/Contents/MacOS/DelightEd predicates:(null) allow:(null)
2024-03-05 10:00:00.150000+0000 0x3e10     Default     0x0                  165    0    runningboardd: [com.apple.runningboard:process] Now tracking process: [app<application.com.delighted.DelightEd.1.2(501)>:2690]
EOF
RK=$T/rule.db
mkdir -p "$W/mac/Applications"; cp -a "$W/plist/DelightEd.app" "$W/mac/Applications/"
ok "rule: ingest the launch log" $S ingest -q "$RK" "$L"
status "rule: verify the collected app (--root): invalid" 1 $S verify -q --root "$W/mac" "$RK" "$W/mac/Applications/DelightEd.app"
$S analyze -q "$RK" >/dev/null 2>&1
$S explain --format json --rule cs.verified_on_disk "$RK" > "$W/rule.json"
eq "rule: one finding for the app" "$(wc -l < "$W/rule.json") $(jx "$W/rule.json" '$.rule') $(jx "$W/rule.json" '$.verdict') $(jx "$W/rule.json" '$.subject_path')" "1 cs.verified_on_disk modified_after_signing /Applications/DelightEd.app"
has "rule: the reason names the slot and both hashes" "$(jx "$W/rule.json" '$.reason_details')" "Info.plist modified after signing (slot hash "
has "rule: the verification record is evidence" "$(jx "$W/rule.json" '$.evidence')" "verification record for /Applications/DelightEd.app"
has "rule: explained as text" "$($S explain --rule cs.verified_on_disk "$RK")" "Info.plist modified after signing"
# the same log without the verification: no finding from this rule
RN=$T/rule_none.db
$S ingest -q "$RN" "$L" >/dev/null 2>&1; $S analyze -q "$RN" >/dev/null 2>&1
eq "rule: no verification record, no finding" "$(q "$RN" "SELECT count(*) FROM findings WHERE rule_id = 'cs.verified_on_disk'")" 0
finish
