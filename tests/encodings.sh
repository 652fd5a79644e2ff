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
# valid UTF-8 is used as is, without iconv (fp_encoding's fast path): with a BOM (dropped) and with a
# character of four bytes it extracts the same; bytes that are not well-formed (a surrogate, an overlong
# form, a sequence cut short after a BOM) go the way iconv takes them, refused as before
python3 - "$S" "$T" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
i = len(d) // 2
while d[i] >= 0x80: i += 1  # between two characters
t = sys.argv[2]
for name, b in (('bom', b'\xef\xbb\xbf' + d), ('emoji', d[:i] + '\U0001F600'.encode() + d[i:]),
                ('sur', d[:i] + b'\xed\xa0\x80' + d[i:]), ('over', d[:i] + b'\xe0\x80\x80' + d[i:]),
                ('bomcut', b'\xef\xbb\xbf' + d + b'\xe4\xb8'), ('bomnul', b'\xef\xbb\xbf' + d[:i] + b'\0' + d[i:])):
    open(f'{t}/{name}.txt', 'wb').write(b)
PY
"$BIN/fupin" extract "$T/bom.txt" | norm > "$T/bom.out" || fail "extract UTF-8 with a BOM"
diff "$T/utf8" "$T/bom.out" > /dev/null || fail "UTF-8 with a BOM extracts differently"
"$BIN/fupin" extract --text "$S" | tail -n +2 > "$T/plain.text"
"$BIN/fupin" extract --text "$T/bom.txt" | tail -n +2 > "$T/bom.text"
cmp -s "$T/plain.text" "$T/bom.text" || fail "the BOM is not dropped from the text"
"$BIN/fupin" extract "$T/emoji.txt" | norm > "$T/emoji.out" || fail "extract UTF-8 with a four-byte character"
diff "$T/utf8" "$T/emoji.out" > /dev/null || fail "a four-byte character changes the figures"
for f in sur over bomcut; do
    "$BIN/fupin" extract "$T/$f.txt" > /dev/null 2> "$T/$f.err" && fail "ill-formed UTF-8 ($f) accepted"
    grep -q "not text in any supported encoding" "$T/$f.err" || fail "ill-formed UTF-8 ($f): $(cat "$T/$f.err")"
done
"$BIN/fupin" extract "$T/bomnul.txt" > /dev/null 2> "$T/bomnul.err" && fail "a NUL byte after a BOM accepted"
grep -q "holds NUL bytes" "$T/bomnul.err" || fail "a NUL byte after a BOM: $(cat "$T/bomnul.err")"
echo "GB18030, UTF-16 and traditional extract the same $(wc -l < "$T/utf8") figures; one bad byte keeps $(wc -l < "$T/onebad.out")"
