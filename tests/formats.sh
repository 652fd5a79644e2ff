#!/usr/bin/env bash
# Reports as people have them: saved web pages (UTF-8 and GBK, with menus,
# share buttons, related links and footers around the article) and PDFs
# printed from them by headless Chromium give the same figures (value, unit,
# region, year) as the article's plain text; the page furniture gives none;
# a page's publication date settles 今年; a PDF without a text layer is
# refused clearly; fupin run and a watched folder take .html and .pdf files.
. "$(dirname "$0")/lib.sh"
F="$SRC/tests/formats"
S="$REPORTS/003_aa703e61a3d04d6d.txt"
command -v chromium > /dev/null || fail "chromium missing (scripts/deps.sh --test installs it)"
python3 - "$F/page.html.in" "$S" "$T" <<'PY'
import html, sys
tpl, src, out = sys.argv[1:]
title = "达茂旗：决战决胜脱贫攻坚 奋力夺取全面胜利"
paras = [l for l in open(src, encoding="utf-8").read().split("\n") if l.strip()]
t = open(tpl, encoding="utf-8").read().replace("@TITLE@", title)
body = "\n".join("<p>%s</p>" % html.escape(p) for p in paras)
open(out + "/article.txt", "w", encoding="utf-8").write(title + "\n" + "\n".join(paras) + "\n")
open(out + "/page.html", "w", encoding="utf-8").write(t.replace("@BODY@", body).replace("@CHARSET@", "utf-8"))
# the GBK page indents its paragraphs with full-width spaces and wraps lines, as old portals do
body = "\n".join("<p>\u3000\u3000%s\n</p>" % html.escape(p).replace("。", "。\n", 1) for p in paras)
open(out + "/page-gbk.src", "w", encoding="utf-8").write(t.replace("@BODY@", body).replace("@CHARSET@", "gb2312"))
PY
iconv -f UTF-8 -t GBK "$T/page-gbk.src" > "$T/page-gbk.htm" || fail "iconv to GBK"
cp "$T/page.html" "$T/saved-page"  # no extension: known by its content
# value, unit, region and year of every figure, in order
norm() { python3 -c 'import json,sys
for l in sys.stdin:
    d=json.loads(l); print(d["value"],d["unit"],d["region_code"],d["year"])'; }
x() { "$BIN/fupin" extract "$@"; }
x "$T/article.txt" | norm > "$T/plain" || fail "extract plain text"
[ "$(wc -l < "$T/plain")" -gt 30 ] || fail "too few figures in the plain text: $(wc -l < "$T/plain")"
for f in page.html page-gbk.htm saved-page; do
    x "$T/$f" > "$T/$f.jsonl" || fail "extract $f"
    norm < "$T/$f.jsonl" > "$T/$f.out"
    diff "$T/plain" "$T/$f.out" > "$T/$f.diff" || { head -20 "$T/$f.diff"; fail "$f gives other figures than its plain text"; }
done
x --text "$T/page-gbk.htm" | head -1 | grep -q "html/GB18030" || fail "GBK page not decoded by its meta charset"
# the furniture would give figures if it were read: none of it is
for w in 固阳县 土右旗 白云鄂博 九原区 昆都仑区 访问量 阅读 ICP 今天是; do
    grep -q "$w" "$T/page.html.jsonl" && fail "figure from the page's furniture ($w)"
done
printf '%s\n' "固阳县2019年减贫2500人" "九原区建成光伏扶贫电站5座" | x - | grep -q 2500 || fail "the furniture holds no figure: test proves nothing"
echo "pages: UTF-8, GBK and extension-less pages give the $(wc -l < "$T/plain") figures of the plain text; furniture gives none"

# 今年 with no year in the text: the page's PubDate meta, else its date line
x "$F/today.html" | norm > "$T/today.html.out"
x --year 2019 "$F/today.txt" | norm > "$T/today.txt.out"
[ -s "$T/today.html.out" ] || fail "no figures in today.html"
diff "$T/today.txt.out" "$T/today.html.out" || fail "PubDate 2019 is not the year of 今年"
x "$F/today.html" | grep -q '"published":2019' || fail "a figure does not carry its page's publication year"
x "$F/today.txt" | norm | grep -qv " None$" && fail "plain text without a year got one"
sed -e '/name="PubDate"/d' -e 's/发布时间：2019-06-30/发布时间：2018-05-02/' "$F/today.html" > "$T/dateline.html"
x "$T/dateline.html" | norm | awk '{print $4}' | sort -u | grep -qx 2018 || fail "the date line's year is not used"
echo "publication date: meta PubDate and the date line give the year of 今年"

# PDFs printed by headless Chromium (with its header and footer: date, title, URL, page numbers)
pdf() { chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$T/chrome" "${@:3}" \
        --print-to-pdf="$T/$2" "file://$1" > "$T/chrome.log" 2>&1 && [ -s "$T/$2" ] || { tail -5 "$T/chrome.log"; fail "chromium printed no $2"; }; }
pdf "$T/page.html" page.pdf
x "$T/page.pdf" | norm > "$T/pdf.out" || fail "extract the PDF"
diff "$T/plain" "$T/pdf.out" > "$T/pdf.diff" || { head -20 "$T/pdf.diff"; x --text "$T/page.pdf" | head -30; fail "the PDF gives other figures than its plain text"; }
x --text "$T/page.pdf" > "$T/page.pdf.txt"
grep -q "file://" "$T/page.pdf.txt" && fail "the browser's running footer is left in the PDF's text"
grep -q "脱贫攻坚专题 第" "$T/page.pdf.txt" && fail "the page's running header is left in the PDF's text"
pdf "$F/today.html" today.pdf
x "$T/today.pdf" | norm | diff "$T/today.html.out" - || fail "the PDF of today.html gives other figures or years"
# no date line: the PDF's creation date (now) is the year
sed -e '/发布时间/d' "$F/today.html" > "$T/undated.html"
pdf "$T/undated.html" undated.pdf
x "$T/undated.pdf" | norm | awk '{print $4}' | sort -u | grep -qx "$(date +%Y)" || fail "the PDF's creation date is not the year"
# a scan: an image and no text layer (and no browser header, which is text)
python3 - "$T/scan.html" <<'PY'
import base64, struct, sys, zlib
w, h = 400, 300
raw = b"".join(b"\0" + bytes((x * 7 + y * 3) % 256 for x in range(w)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "w").write('<html><body style="margin:0"><img src="data:image/png;base64,%s"></body></html>' % base64.b64encode(png).decode())
PY
pdf "$T/scan.html" scan.pdf --no-pdf-header-footer
x "$T/scan.pdf" > "$T/scan.out" 2> "$T/scan.err" && fail "a PDF without text was taken"
grep -q "no text layer; OCR it first" "$T/scan.err" || fail "a PDF without text not refused clearly: $(cat "$T/scan.err")"
[ -s "$T/scan.out" ] && fail "figures from a PDF without text"
echo "pdf: same figures as the plain text, running headers and footers gone; a scan is refused"

# the pipeline: fupin run totals pages and PDFs as it totals the plain text
cols() { cut -d, -f1-7 "$1"; }
"$BIN/fupin" run --out "$T/r0" "$T/article.txt" > /dev/null 2> "$T/r0.err" || { cat "$T/r0.err"; fail "fupin run on the text"; }
"$BIN/fupin" run --out "$T/r1" "$T/page.html" "$T/page-gbk.htm" "$T/page.pdf" > /dev/null 2> "$T/r1.err" || { cat "$T/r1.err"; fail "fupin run on the page and PDF"; }
# the GBK page reads as the very text of the UTF-8 page: one report, the same content id
grep -q "2 report(s) totalled" "$T/r1.err" || fail "the page and the PDF were not both totalled: $(tail -3 "$T/r1.err")"
diff <(cols "$T/r0/totals.csv") <(cols "$T/r1/totals.csv") > "$T/run.diff" || { head "$T/run.diff"; fail "the page and PDF total otherwise than the text"; }
"$BIN/fupin" run --out "$T/r2" "$F/today.html" > /dev/null 2> "$T/r2.err" || { cat "$T/r2.err"; fail "fupin run on today.html"; }
[ "$(tail -n +2 "$T/r2/totals.csv" | cut -d, -f3 | sort -u)" = 2019 ] || fail "ingest did not pass the publication year: $(cat "$T/r2/totals.csv")"
# a watched folder takes a PDF
mkdir -p "$T/w"
"$BIN/fupin" run --watch "$T/w" --out "$T/d" > "$T/watch.txt" 2>&1 & PIDS="$PIDS $!"
sleep 1.5
cp "$T/today.pdf" "$T/w/today.pdf.part" && mv "$T/w/today.pdf.part" "$T/w/today.pdf"
wait_until 20 grep -q 石宝镇 "$T/d/totals.csv" 2>/dev/null || { cat "$T/watch.txt"; fail "watched PDF not totalled"; }
echo "run: the pages and the PDF total as the plain text ($(wc -l < "$T/r1/totals.csv") rows); the year hint reaches the totals; a watched PDF is totalled"
