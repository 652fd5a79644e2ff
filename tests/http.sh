#!/usr/bin/env bash
# The sink's HTTP side, on a pipeline of real daemons over ipc://:
#  1. the API after the seeds stream through: filters, an unknown region
#     (404 with a message), bad parameters (400), the facts behind a total;
#  2. /metrics passes promtool check metrics;
#  3. /healthz: 200, then 503 naming the stage while a worker is stopped, 200
#     again when it is back;
#  4. headless Chromium opens the dashboard, finds 锡林郭勒盟 and its total, then
#     finds a report dropped into the watched folder; a screenshot is saved
#     as dashboard.png in the build folder.
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
x = [r for r in rows if r["region_code"] == "1525" and r["year"] == "2019" and r["metric"] == "funds" and r["unit"] == "CNY"][0]
got = js("/api/totals?region=1525&year=2019&metric=funds&unit=CNY")
assert len(got) == 1 and got[0]["subtree"] == x["subtree"] and got[0]["own"] == x["own"], got
assert js("/api/totals?region=" + q("锡林郭勒盟") + "&year=2019&metric=funds&unit=CNY") == got, "by name"
assert all(r["region_code"] == "1525" for r in js("/api/totals?region=" + q("锡林郭勒盟")))
county = js("/api/totals?level=county")
assert county and all(r["level"] == "county" for r in county)
assert len(js("/api/totals")) == len(rows), "every row of totals.csv"
e = js("/api/totals?region=" + q("无此旗"), 404); assert "无此旗" in e["error"], e
for bad in ["/api/totals?year=20x9", "/api/totals?level=galaxy", "/api/facts?region=1525&year=2019", "/api/regions?year=1"]:
    js(bad, 400)
assert js("/api/nope", 404)["error"]
tree = js("/api/regions?metric=funds&unit=CNY&year=2019")
assert tree[0]["name"] == "内蒙古自治区" and any(c["name"] == "锡林郭勒盟" for c in tree[0]["children"]), tree[0]["name"]
facts = js("/api/facts?region=1525&year=2019&metric=funds&unit=CNY")
f = [f for f in facts["facts"] if f["text"] == "9.4亿元"]
assert facts["shards_answered"] == 2 and f and "9.4亿元" in f[0]["sentence"] and f[0]["counted"], facts
an = js("/api/anomalies"); assert any(a["kind"] == "parts_exceed_whole" for a in an), an
st, page = get("/"); assert st == 200 and "fupin" in page
print(f"API: {len(rows)} totals, filters, 404 and 400 answers, {len(facts['facts'])} facts behind 锡林郭勒盟 2019 funds")
PY

# 2. /metrics
python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('$URL/metrics').read().decode())" > "$T/metrics.txt"
promtool check metrics < "$T/metrics.txt" || fail "promtool check metrics"
grep -q 'fupin_total_subtree{region_code="1525",region_name="锡林郭勒盟"' "$T/metrics.txt" || fail "no gauge for 锡林郭勒盟"
for s in ingest normalize aggregate sink; do grep -q "fupin_stage_up{stage=\"$s\"" "$T/metrics.txt" || fail "no $s in /metrics"; done
grep -q "fupin_report_latency_seconds_count" "$T/metrics.txt" || fail "no latency histogram"
echo "metrics: promtool passes, $(grep -c '^fupin_total' "$T/metrics.txt") total gauges"

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

# 4. the dashboard in headless Chromium
browse() { timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1100 \
    --virtual-time-budget=6000 "$@" "$URL/?metric=funds&unit=CNY&year=2019" 2>/dev/null; }
want=$(python3 - "$URL" <<'PY'
import json, sys, urllib.request
r = json.load(urllib.request.urlopen(sys.argv[1] + "/api/totals?region=1525&metric=funds&unit=CNY&year=2019"))[0]
n = float(r["subtree"])  # as the page shows it: 亿 / 万 with two decimals, trailing zeros cut
def cut(x): s = f"{x:.2f}"; return s.rstrip("0").rstrip(".")
print(cut(n / 1e8) + "亿" if n >= 1e8 else cut(n / 1e4) + "万" if n >= 1e4 else f"{int(n):,}")
PY
)
browse --dump-dom > "$T/dom1.html"
grep -q "锡林郭勒盟" "$T/dom1.html" || fail "the dashboard does not show 锡林郭勒盟"
grep -q "$want" "$T/dom1.html" || fail "the dashboard does not show 锡林郭勒盟's total $want"
grep -q "兴安盟" "$T/dom1.html" && fail "兴安盟 shown before its report came"
sed -e 's/锡林郭勒盟/兴安盟/g' -e 's/锡林郭勒/兴安/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/new.part"
mv "$T/new.part" "$T/watch/new.txt"
wait_until 30 sh -c "[ \"\$(\"$BIN/fupin\" status $E_CTL | tr ' ' '\n' | sed -n 's/^taken=//p')\" = 6 ]" || fail "the dropped report was not taken"
wait_until 30 settled || fail "the dropped report did not settle"
browse --dump-dom > "$T/dom2.html"
grep -q "兴安盟" "$T/dom2.html" || fail "the dashboard did not update with the new report"
browse --screenshot="$BIN/dashboard.png" > /dev/null
[ -s "$BIN/dashboard.png" ] || fail "no screenshot"
echo "dashboard: 锡林郭勒盟 at $want, then 兴安盟 after the drop; screenshot $BIN/dashboard.png"

# 5. fupin run --http stays up serving, prints the address, and Ctrl-C stops it cleanly
P2=$(free_port)
"$BIN/fupin" run --http "127.0.0.1:$P2" --out "$T/run" "$REPORTS"/*.txt > "$T/run.out" 2>&1 & RUN=$!; PIDS="$PIDS $RUN"
wait_until 60 grep -q "totalled; dashboard at http://127.0.0.1:$P2/" "$T/run.out" || { cat "$T/run.out"; fail "fupin run --http did not print the dashboard's address"; }
python3 -c "import urllib.request,json; assert json.load(urllib.request.urlopen('http://127.0.0.1:$P2/api/totals?region=1525'))" || fail "fupin run --http does not serve"
kill -INT "$RUN"; wait "$RUN" || { cat "$T/run.out"; fail "fupin run --http did not stop cleanly on Ctrl-C"; }
echo "fupin run --http: served, then stopped cleanly on Ctrl-C"
