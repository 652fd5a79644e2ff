#!/usr/bin/env bash
# A seed re-encoded to GB18030, to UTF-16 and to traditional characters extracts the same figures.
. "$(dirname "$0")/lib.sh"
S="$REPORTS/000_9bb8ad4843e64388.txt"
norm() { python3 -c 'import json,sys
for l in sys.stdin:
    d=json.loads(l); print(d["value"],d["unit"],d["qualifier"],d["relation"],d["region_path"],d["year"],d["metric"])'; }
"$BIN/fupin" extract "$S" | norm > "$T/utf8"
iconv -f UTF-8 -t GB18030 "$S" > "$T/gb.txt"
iconv -f UTF-8 -t UTF-16 "$S" > "$T/u16.txt"
opencc -c s2t -i "$S" -o "$T/trad.txt" 2>/dev/null || python3 - "$S" "$T/trad.txt" <<'PY'
import sys; sys.exit(1)
PY
for f in gb u16 trad; do
    "$BIN/fupin" extract "$T/$f.txt" | norm > "$T/$f.out" || fail "extract $f"
    diff "$T/utf8" "$T/$f.out" > /dev/null || fail "$f extracts differently"
done
head -c 4096 /dev/urandom > "$T/bin.dat"
"$BIN/fupin" extract "$T/bin.dat" 2> "$T/err" && fail "binary file accepted"
grep -q "not text" "$T/err" || fail "binary file not named as such: $(cat "$T/err")"
# one broken byte in a UTF-8 report: the report is kept whole (U+FFFD in its place), said once
python3 -c "import sys; d=open(sys.argv[1],'rb').read(); i=len(d)//2; open(sys.argv[2],'wb').write(d[:i]+b'\\xff'+d[i:])" "$S" "$T/onebad.txt"
"$BIN/fupin" extract "$T/onebad.txt" 2> "$T/onebad.err" | norm > "$T/onebad.out" || fail "a report with one bad byte was refused"
grep -q "invalid UTF-8 byte(s) replaced by U+FFFD" "$T/onebad.err" || fail "the replaced byte is not said: $(cat "$T/onebad.err")"
[ "$(wc -l < "$T/onebad.out")" -ge "$(( $(wc -l < "$T/utf8") - 1 ))" ] || fail "a report with one bad byte lost its figures"
echo "GB18030, UTF-16 and traditional extract the same $(wc -l < "$T/utf8") figures; one bad byte keeps $(wc -l < "$T/onebad.out")"
