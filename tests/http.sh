#!/usr/bin/env bash
# The sink's HTTP side, on a pipeline of real daemons over ipc://:
#  1. the API after the seeds stream through: cells by indicator (锡林郭勒盟
#     2019 funds.total stated 940000000), filters (indicator, series, metric =
#     all its indicators, unit, region, level), /api/indicators, the tree with
#     rollup and coverage, an unknown region (404 with a message), bad
#     parameters (400), the facts under a cell (9.4亿元, the stated one), checks;
#  2. /metrics passes promtool check metrics and has fupin_stated / fupin_rollup;
#  3. /healthz: 200, then 503 naming the stage while a worker is stopped, 200
#     again when it is back;
#  4. headless Chromium opens the dashboard preselected by the URL
#     (indicator, series, unit, year, region): the indicator picker, 锡林郭勒盟's
#     stated 扶贫资金投入 and the province's rollup with coverage ("1 of 12 盟市"),
#     the year chart (SVG), the facts under the cell, the checks; metric=
#     preselects an indicator of that metric; then it finds a report dropped
#     into the watched folder; a screenshot is saved as dashboard.png in the
#     build folder.
. "$(dirname "$0")/lib.sh"
NSH=2 NWORKERS=1 HTTP=127.0.0.1:$(free_port)
URL=http://$HTTP
ipc_eps "$T/p"; mkdir -p "$T/watch"
start_sink; start_shard 0; start_shard 1; start_worker 0; start_ingest --watch "$T/watch"
wait_until 10 status "$E_CTL" > /dev/null || fail "ingest did not come up"
"$BIN/fupin" submit --to "$E_CTL" "$REPORTS"/*.txt > /dev/null || fail "submit"
wait_until 60 settled || fail "the seeds did not settle"

# 1. the API, checked in python against totals.csv
python3 - "$URL" "$RT/out/totals.csv" <<'PY' || fail "API"
import csv, json, sys, urllib.request, urllib.error, urllib.parse
url, totals = sys.argv[1], sys.argv[2]
def get(path):
    try:
        with urllib.request.urlopen(url + path, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
def js(path, want=200):
    st, body = get(path)
    assert st == want, f"{path}: status {st}, want {want}: {body[:200]}"
    return json.loads(body)
q = urllib.parse.quote
rows = list(csv.DictReader(open(totals, encoding="utf-8")))
# the cell a user looks up: 锡林郭勒盟 2019 扶贫资金投入, as the report states it (9.4亿元)
x = [r for r in rows if r["region_code"] == "1525" and r["year"] == "2019" and r["indicator"] == "funds.total"
     and r["series"] == "value" and r["unit"] == "CNY"]
assert len(x) == 1, x
x = x[0]
assert x["stated"] == "940000000" and x["status"] == "exact" and x["indicator_name"] == "扶贫资金投入", x
cell = "indicator=funds.total&series=value&unit=CNY&year=2019"
got = js("/api/totals?region=1525&" + cell)
assert len(got) == 1, got
g = got[0]
assert g["stated"] == "940000000" and g["status"] == x["status"] and g["best"] == x["best"] and g["level"] == "prefecture", g
assert g["kind"] == "flow" and g["metric"] == "funds" and g["indicator_name"] == "扶贫资金投入", g
assert isinstance(g["coverage"], int) and isinstance(g["children"], int) and g["coverage"] <= g["children"], g
assert any(c["text"] == "9.4亿元" and c["chosen"] and c["value"] == "940000000" for c in g["candidates"]), g["candidates"]
assert js("/api/totals?region=" + q("锡林郭勒盟") + "&" + cell) == got, "by name"
assert js("/api/totals?region=" + q("内蒙古自治区/锡林郭勒盟") + "&" + cell) == got, "by path"
assert all(r["region_code"] == "1525" for r in js("/api/totals?region=" + q("锡林郭勒盟")))
county = js("/api/totals?level=county")
assert county and all(r["level"] == "county" for r in county)
assert len(js("/api/totals")) == len(rows), "every row of totals.csv"
# filters: indicator, series, metric (all its indicators), unit
fi = js("/api/totals?indicator=funds.total")
assert fi and all(r["indicator"] == "funds.total" for r in fi) and len(fi) == sum(r["indicator"] == "funds.total" for r in rows), len(fi)
ft = js("/api/totals?series=target")
assert ft and all(r["series"] == "target" for r in ft) and len(ft) == sum(r["series"] == "target" for r in rows), len(ft)
fm = js("/api/totals?metric=funds")
assert fm and all(r["metric"] == "funds" for r in fm) and len(fm) == sum(r["metric"] == "funds" for r in rows), len(fm)
assert {"funds.total", "funds.fiscal"} <= {r["indicator"] for r in fm}, "a metric returns all its indicators"
fu = js("/api/totals?unit=household&series=value")
assert fu and all(r["unit"] == "household" and r["series"] == "value" for r in fu)
assert js("/api/totals?indicator=no.such") == []
e = js("/api/totals?region=" + q("无此旗"), 404); assert "无此旗" in e["error"], e
js("/api/totals?region=%00abc", 404)  # a NUL never reads as no filter
assert js("/api/totals?indicator=%00funds.total") == [], "a NUL in a filter matches nothing"
for bad in ["/api/totals?year=20x9", "/api/totals?level=galaxy", "/api/totals?series=bogus", "/api/regions?series=bogus",
            "/api/facts?region=1525&year=2019", "/api/facts?region=1525&year=2019&indicator=funds.total&series=bogus",
            "/api/regions?year=1"]:
    assert js(bad, 400)["error"], bad
assert js("/api/nope", 404)["error"]
# the indicators
inds = js("/api/indicators")
ft = [i for i in inds if i["id"] == "funds.total"]
assert ft and ft[0]["name"] == "扶贫资金投入" and ft[0]["kind"] == "flow" and ft[0]["metric"] == "funds" and "CNY" in ft[0]["units"], ft
assert any(i["part_of"] == "funds.total" for i in inds), "no indicator is part of funds.total"
# the tree: the province rolls 锡林郭勒盟's stated value up, with its coverage
tree = js("/api/regions?" + cell)
root = tree[0]
assert root["name"] == "内蒙古自治区" and root["level"] == "province", root["name"]
xl = [c for c in root["children"] if c["name"] == "锡林郭勒盟"]
assert xl and xl[0]["totals"][0]["stated"] == "940000000", xl
rt = root["totals"][0]
assert rt["rollup"] is not None and int(rt["rollup"]) >= 940000000 and 1 <= rt["coverage"] <= rt["children"], rt
# the facts under the cell: 9.4亿元, the stated value
facts = js("/api/facts?region=1525&year=2019&indicator=funds.total")
f = [f for f in facts["facts"] if f["text"] == "9.4亿元"]
assert facts["shards_answered"] == 2 and f and "9.4亿元" in f[0]["sentence"] and f[0]["stated"] is True, facts
assert f[0]["indicator"] == "funds.total" and f[0]["series"] == "value", f[0]
narrow = js("/api/facts?region=" + q("锡林郭勒盟") + "&year=2019&indicator=funds.total&series=value&unit=CNY")
assert any(f["text"] == "9.4亿元" and f["stated"] for f in narrow["facts"]), narrow
# the checks: seed 000's parts (9.6亿) exceed its whole (9.4亿)
an = js("/api/anomalies")
kinds = {"parts_exceed_whole", "conflicting_values", "children_exceed_parent", "part_exceeds_whole", "rate_out_of_range", "stock_against_flows"}
assert all(a["kind"] in kinds and {"rule", "left", "op", "right"} <= set(a["detail"]) for a in an), an[:3]
pw = [a for a in an if a["kind"] == "parts_exceed_whole" and a["region_code"] == "1525" and a["indicator"] == "funds.total"]
assert pw and pw[0]["detail"]["left"] == "960000000" and pw[0]["detail"]["right"] == "940000000" and pw[0]["detail"]["parts"], pw
st = js("/api/stages"); assert {s["stage"] for s in st} >= {"ingest", "normalize", "aggregate", "sink"}, st
st, page = get("/"); assert st == 200 and "fupin" in page
print(f"API: {len(rows)} totals, filters by indicator/series/metric/unit, 404 and 400 answers, "
      f"{len(facts['facts'])} facts behind 锡林郭勒盟 2019 扶贫资金投入, {len(an)} checks")
PY

# the sink's anomalies= counter counts every check /api/anomalies lists, not only the shards'
n_api=$(python3 -c "import json,urllib.request; print(len(json.load(urllib.request.urlopen('$URL/api/anomalies'))))")
n_status=$("$BIN/fupin" status "$E_SCTL" | tr ' ' '\n' | sed -n 's/^anomalies=//p')
[ "$n_api" = "$n_status" ] || fail "status says anomalies=$n_status, /api/anomalies lists $n_api"

# 2. /metrics
python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('$URL/metrics').read().decode())" > "$T/metrics.txt"
promtool check metrics < "$T/metrics.txt" || fail "promtool check metrics"
grep -q '^fupin_stated{region_code="1525",region_name="锡林郭勒盟",.*indicator="funds.total",series="value",unit="CNY"} 940000000$' "$T/metrics.txt" || fail "no fupin_stated gauge for 锡林郭勒盟"
grep -q '^fupin_rollup{region_code="15",' "$T/metrics.txt" || fail "no fupin_rollup gauge"
for s in ingest normalize aggregate sink; do grep -q "fupin_stage_up{stage=\"$s\"" "$T/metrics.txt" || fail "no $s in /metrics"; done
grep -q "fupin_report_latency_seconds_count" "$T/metrics.txt" || fail "no latency histogram"
echo "metrics: promtool passes, $(grep -c '^fupin_stated' "$T/metrics.txt") stated, $(grep -c '^fupin_rollup' "$T/metrics.txt") rollup gauges"
grep -q '^fupin_dead_letters_total 0$' "$T/metrics.txt" || fail "no fupin_dead_letters_total counter"

# 2b. 3,000 concurrent /api/facts requests (each asks both shards) all answered in full: the sink reuses a
#     pool of sockets per shard (a socket per request per shard failed 176 of them). The clients come from 75
#     loopback addresses, 40 each, as many users would: the sink limits connections per address.
python3 - "$HTTP" 3000 "/api/facts?region=1525&year=2019&indicator=funds.total" "$NSH" <<'PY' || fail "concurrent facts requests failed"
import asyncio, json, resource, sys
url_host, port = sys.argv[1].split(":")
port = int(port); n = int(sys.argv[2]); path = sys.argv[3]; nshards = int(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per request
if hard != resource.RLIM_INFINITY and hard < n + 100:
    print(f"facts: only {hard} file descriptors allowed: {hard - 100} concurrent requests instead of {n}")
    n = hard - 100
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100 if soft != resource.RLIM_INFINITY and soft < n + 100 else soft, hard))
async def one(i, res):
    src = f"127.0.{1 + i // 40 // 250}.{2 + (i // 40) % 250}"  # 40 a source address: under the sink's per-address limit
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(url_host, port, local_addr=(src, 0)), 60)
        w.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        await w.drain()
        data = await asyncio.wait_for(r.read(), 60)
        w.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split()[1]) if head else 0
        ok = status == 200 and json.loads(body)["shards_answered"] == nshards and json.loads(body)["facts"]
        res.append("ok" if ok else f"status {status}" + ("" if status != 200 else " partial"))
    except Exception as e:
        res.append(type(e).__name__)
async def main():
    res = []
    await asyncio.gather(*(one(i, res) for i in range(n)))
    bad = [x for x in res if x != "ok"]
    kinds = {}
    for b in bad: kinds[b] = kinds.get(b, 0) + 1
    print(f"facts: {n} concurrent requests, {len(bad)} failed {kinds if kinds else ''}")
    sys.exit(1 if bad else 0)
asyncio.run(main())
PY

# 3. /healthz
code() { python3 -c "
import urllib.request, urllib.error
try: print(urllib.request.urlopen('$URL/healthz', timeout=5).status)
except urllib.error.HTTPError as e: print(e.code, e.read().decode().strip())"; }
wait_until 10 sh -c "[ \"\$(python3 -c \"import urllib.request; print(urllib.request.urlopen('$URL/healthz').status)\" 2>/dev/null)\" = 200 ]" || fail "healthz not 200: $(code)"
kill "${WORKER_PID[0]}"; wait "${WORKER_PID[0]}" 2>/dev/null
wait_until 10 sh -c "python3 -c \"import urllib.request; urllib.request.urlopen('$URL/healthz')\" 2>/dev/null; [ \$? != 0 ]" || fail "healthz stays 200 with the worker stopped"
why=$(code); echo "$why" | grep -q "503.*normalize" || fail "healthz does not name the stopped stage: $why"
start_worker 0
wait_until 10 sh -c "[ \"\$(python3 -c \"import urllib.request; print(urllib.request.urlopen('$URL/healthz').status)\" 2>/dev/null)\" = 200 ]" || fail "healthz not back to 200: $(code)"
echo "healthz: 200, then '$why' with the worker stopped, then 200"

# 4. the dashboard in headless Chromium, preselected by the URL
PAGE="?indicator=funds.total&year=2019&unit=CNY&series=value&region=1525"
browse() { local page=$1; shift; timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1100 \
    --virtual-time-budget=6000 "$@" "$URL/$page" 2>/dev/null; }
# as the page shows money: 亿 / 万 with two decimals, trailing zeros cut
money() { python3 - "$URL" "$1" "$2" <<'PY'
import json, sys, urllib.request
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/totals?region=" + sys.argv[2] + "&indicator=funds.total&series=value&unit=CNY&year=2019"))[0]
n = float(r[sys.argv[3]])
def cut(x): s = f"{x:.2f}"; return s.rstrip("0").rstrip(".")
print(cut(n / 1e8) + "亿" if n >= 1e8 else cut(n / 1e4) + "万" if n >= 1e4 else f"{int(n):,}")
PY
}
stated=$(money 1525 stated); rollup=$(money 15 rollup)
# dom.py FILE STATED ROLLUP: what a user must see on the page
cat > "$T/dom.py" <<'PY'
import html, re, sys
dom, stated, rollup = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
def text(s): return html.unescape(re.sub(r"<[^>]+>", " ", s))
sel = re.search(r'<select id="indicator">(.*?)</select>', dom, re.S)
assert sel and "扶贫资金投入" in sel.group(1) and "<optgroup" in sel.group(1), "no indicator picker with 扶贫资金投入"
assert re.search(r'<option value="funds.total" selected[^>]*>扶贫资金投入</option>', sel.group(1)), "funds.total is not preselected"
from html.parser import HTMLParser
class Rows(HTMLParser):  # the tree's rows: code -> the text of each column (name, stated, rollup, coverage)
    def __init__(self):
        super().__init__(); self.rows, self.code, self.depth = {}, None, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "trow" in a.get("class", "").split() and a.get("data-code"):
            self.code, self.depth = a["data-code"], 0; self.rows[self.code] = []; return
        if self.code and tag == "span":
            if self.depth == 0: self.rows[self.code].append("")
            self.depth += 1
    def handle_endtag(self, tag):
        if self.code and tag == "span": self.depth -= 1
        elif self.code and tag == "div": self.code = None
    def handle_data(self, d):
        if self.code and self.depth > 0: self.rows[self.code][-1] += d
p = Rows(); p.feed(dom); rows = {k: [c.strip() for c in v] for k, v in p.rows.items()}
xl, nm = rows.get("1525"), rows.get("15")
assert xl and xl[0].startswith("锡林郭勒盟") and xl[1].startswith(stated) and re.fullmatch(r"\d+ of \d+ 旗县", xl[3]), f"锡林郭勒盟's row (stated {stated}): {xl}"
assert nm and nm[0].startswith("内蒙古自治区") and nm[2].startswith(rollup) and re.fullmatch(r"[1-9]\d* of \d+ 盟市", nm[3]), f"内蒙古自治区's row (rollup {rollup}): {nm}"
chart = re.search(r'<div id="chart">(.*?)</div>\s*<div id="cellcands">', dom, re.S)
assert chart and "<svg" in chart.group(1) and re.search(r">2019</text>", chart.group(1)), "no year chart"
facts = re.search(r'<div id="facts"[^>]*>(.*?)</div>\s*</section>', dom, re.S)
assert facts and "全年累计投入各类扶贫资金" in facts.group(1) and "stated value" in facts.group(1), "no facts under 锡林郭勒盟's cell"
checks = text(re.search(r'<div id="checks">(.*?)</div>\s*</section>', dom, re.S).group(1))
assert "parts_exceed_whole" in checks and "扶贫资金投入" in checks, "no checks"
assert "healthy" in text(re.search(r'<span id="health">(.*?)</span>\s*</header>', dom, re.S).group(1)), "not healthy"
print(f"page: picker, 锡林郭勒盟 stated {stated}, 内蒙古自治区 rollup {rollup} with coverage, year chart, facts, checks")
PY
browse "$PAGE" --dump-dom > "$T/dom1.html"
python3 "$T/dom.py" "$T/dom1.html" "$stated" "$rollup" || fail "the dashboard (DOM in $T/dom1.html)"
grep -q "兴安盟" "$T/dom1.html" && fail "兴安盟 shown before its report came"
# metric= still preselects the first indicator of that metric
browse "?metric=poverty_exit&year=2018" --dump-dom > "$T/dom-m.html"
python3 - "$T/dom-m.html" <<'PY' || fail "metric= does not preselect an indicator of poverty_exit"
import re, sys
sel = re.search(r'<select id="indicator">(.*?)</select>', open(sys.argv[1], encoding="utf-8").read(), re.S).group(1)
m = re.search(r'<option value="([^"]+)" selected', sel)
assert m and m.group(1).startswith("exit."), m and m.group(1)
PY
# (with markup in a sentence: the page shows it as text, never as markup)
sed -e 's/锡林郭勒盟/兴安盟/g' -e 's/锡林郭勒/兴安/g' -e 's|全年累计投入各类扶贫资金|<i id="injected">全年</i>累计投入各类扶贫资金|' \
    "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/new.part"
mv "$T/new.part" "$T/watch/new.txt"
wait_until 30 sh -c "[ \"\$(\"$BIN/fupin\" status $E_CTL | tr ' ' '\n' | sed -n 's/^taken=//p')\" = 6 ]" || fail "the dropped report was not taken"
wait_until 30 settled || fail "the dropped report did not settle"
browse "$PAGE" --dump-dom > "$T/dom2.html"
grep -q 'data-act="select" data-code="[0-9]*"><span[^>]*>兴安盟<' "$T/dom2.html" ||
    fail "the dashboard's tree did not update with the new report"
xa=$(sed -n 's/.*data-act="select" data-code="\([0-9]*\)"><span[^>]*>兴安盟<.*/\1/p' "$T/dom2.html" | head -1)
browse "?indicator=funds.total&year=2019&unit=CNY&series=value&region=$xa" --dump-dom > "$T/dom3.html"
grep -q '&lt;i id="injected"&gt;全年' "$T/dom3.html" || fail "the new report's sentence is not shown as text under 兴安盟 ($xa)"
grep -q '<i id="injected"' "$T/dom3.html" && fail "a report's markup reached the page unescaped"
browse "$PAGE" --screenshot="$BIN/dashboard.png" > /dev/null
[ -s "$BIN/dashboard.png" ] || fail "no screenshot"
echo "dashboard: 锡林郭勒盟 stated $stated, 内蒙古自治区 rollup $rollup with coverage, a year chart, the facts; then 兴安盟 after the drop, its sentence escaped; screenshot $BIN/dashboard.png"

# 5. fupin run --http stays up serving, prints the address, and Ctrl-C stops it cleanly
P2=$(free_port)
"$BIN/fupin" run --http "127.0.0.1:$P2" --out "$T/run" "$REPORTS"/*.txt > "$T/run.out" 2>&1 & RUN=$!; PIDS="$PIDS $RUN"
wait_until 60 grep -qs "totalled; dashboard at http://127.0.0.1:$P2/" "$T/run.out" || { cat "$T/run.out"; fail "fupin run --http did not print the dashboard's address"; }
python3 -c "import urllib.request,json; assert json.load(urllib.request.urlopen('http://127.0.0.1:$P2/api/totals?region=1525'))" || fail "fupin run --http does not serve"
kill -INT "$RUN"; wait "$RUN" || { cat "$T/run.out"; fail "fupin run --http did not stop cleanly on Ctrl-C"; }
echo "fupin run --http: served, then stopped cleanly on Ctrl-C"
