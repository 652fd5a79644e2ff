#!/usr/bin/env bash
# Durability and exactly-once, with the real daemons over ipc://:
#  1. the gold figures, as JSON lines through --figures, give the cells checked by hand
#     (锡林郭勒盟 2019 funds.total 9.4亿 exact, funds.fiscal 5.8亿, the parts check at
#     9.6 against 9.4), no stated value that no figure states, and the headline facts;
#  2. a curated file with a bad line is refused whole, naming the line;
#  3. every report ingested twice, the second time in reverse order, changes no total;
#  4. a revision (same source, new content) replaces the old report's facts;
#  5. a stopped aggregate shard makes ingest hold and re-send, never drop.
. "$(dirname "$0")/lib.sh"

# 1: the gold figures, each with its sentence so normalize maps its indicator
python3 "$SRC/tests/gold_to_jsonl.py" "$SRC/tests/gold" "$REPORTS" > "$T/gold.jsonl"
"$BIN/fupin" run --figures "$T/gold.jsonl" --out "$T/g" > /dev/null 2>"$T/g.err" || { cat "$T/g.err"; fail "run --figures"; }
python3 - "$T/g/totals.csv" "$T/gold.jsonl" "$T/g/anomalies.jsonl" <<'PY' || fail "gold cells"
import csv, json, sys
from decimal import Decimal
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
cell = {(r["region_path"], r["year"], r["indicator"], r["series"], r["unit"]): r for r in rows}
xl = "内蒙古自治区/锡林郭勒盟"
# checked by hand against seed 000: 全年累计投入各类扶贫资金9.4亿元, 其中财政专项资金5.8亿元 ...
t = cell[(xl, "2019", "funds.total", "value", "CNY")]
assert t["stated"] == "940000000" and t["status"] == "exact", t
assert cell[(xl, "2019", "funds.fiscal", "value", "CNY")]["stated"] == "580000000"
parts = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8") if '"parts_exceed_whole"' in l]
p = [a for a in parts if a["region_path"] == xl and a["indicator"] == "funds.total"]
assert p and p[0]["detail"]["left"] == "960000000" and p[0]["detail"]["right"] == "940000000", parts
# no published value is a sum: every stated value is a value some figure states for its place, year and unit
stated = {(f["region_path"], str(f["year"] or ""), f["unit"], str(Decimal(f["value"]).normalize()))
          for f in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
bad = [r for r in rows if r["stated"] and (r["region_path"], r["year"], r["unit"],
       str(Decimal(r["stated"]).normalize())) not in stated]
assert not bad, bad[:3]
print(f"gold via --figures: {len(rows)} rows; 9.4亿 exact, 5.8亿, parts 9.6 > 9.4; every stated value is a figure's")
PY
python3 "$SRC/tests/eval/headlines.py" --min 0.90 "$SRC/tests/headlines/seeds.tsv" "$T/g/totals.csv" || fail "gold figures: headline facts"

# 2
{ head -3 "$T/gold.jsonl"; echo '{"value":"5","unit":"CNY","metric":"funds","region_path":"内蒙古自治区/无此盟"}'; } > "$T/bad.jsonl"
if "$BIN/fupin" run --figures "$T/bad.jsonl" --out "$T/bad" > "$T/bad.out" 2>&1; then fail "a bad curated file was taken"; fi
grep -q "line 4: unknown region" "$T/bad.out" || { cat "$T/bad.out"; fail "the bad line is not named"; }
echo "bad curated file refused: $(grep -o 'line 4: unknown region[^(]*' "$T/bad.out" | head -1)"
# a curated figure may name its indicator; an unknown one is refused like any bad line
{ head -2 "$T/gold.jsonl"; echo '{"value":"7","unit":"CNY","metric":"funds","region_code":"1525","year":2019,"indicator":"no.such"}'; } > "$T/badind.jsonl"
if "$BIN/fupin" run --figures "$T/badind.jsonl" --out "$T/badind" > "$T/badind.out" 2>&1; then fail "an unknown indicator was taken"; fi
grep -q "line 3: unknown indicator 'no.such'" "$T/badind.out" || { cat "$T/badind.out"; fail "the unknown indicator is not named"; }
echo '{"value":"123456","unit":"CNY","metric":"funds","region_code":"1525","year":2019,"indicator":"funds.health","text":"12.3456万元"}' > "$T/named.jsonl"
"$BIN/fupin" run --figures "$T/named.jsonl" --out "$T/named" > /dev/null 2>&1 || fail "a curated figure naming its indicator"
grep -q '^1525,内蒙古自治区/锡林郭勒盟,2019,funds.health,健康扶贫资金,funds,value,CNY,123456,exact,' "$T/named/totals.csv" ||
    { cat "$T/named/totals.csv"; fail "the named indicator is not the cell's"; }
echo "curated figures: a named indicator is kept, an unknown one refused with its line"

# 3 and 4, on daemons started one by one
NSH=2
ipc_eps "$T/p"
start_sink; for i in 0 1; do start_shard $i; done; start_worker 0; start_worker 1; start_ingest
wait_until 10 status "$E_CTL" > /dev/null || fail "ingest did not come up"
cp "$REPORTS"/*.txt "$T/"
"$BIN/fupin" submit --to "$E_CTL" "$T"/0*.txt > "$T/s1.txt" || fail "submit"
wait_until 60 settled || fail "first pass did not settle"
cp "$T/p/out/totals.csv" "$T/first.csv"
ls "$T"/0*.txt | sort -r | xargs "$BIN/fupin" submit --to "$E_CTL" > "$T/s2.txt" || fail "second submit"
[ "$(grep -c unchanged "$T/s2.txt")" = 5 ] || { cat "$T/s2.txt"; fail "second pass not recognised as unchanged"; }
sleep 0.5; wait_until 30 settled || fail "second pass did not settle"
cmp "$T/first.csv" "$T/p/out/totals.csv" || fail "ingesting again in another order changed the totals"
"$BIN/fupin" run --out "$T/ref" "$REPORTS"/*.txt > /dev/null 2>&1 || fail "reference run"
cmp "$T/ref/totals.csv" "$T/first.csv" || fail "hand-started pipeline differs from fupin run"
echo "twice, reversed: totals unchanged ($(($(wc -l < "$T/first.csv") - 1)) rows)"

# 4: revise 000 (drop its funding sentence); then revise back
R=$T/000_9bb8ad4843e64388.txt
cp "$R" "$T/orig000"
grep -v "9.4亿元" "$T/orig000" > "$R"
"$BIN/fupin" submit --to "$E_CTL" "$R" | grep -q revision || fail "revision not recognised"
wait_until 30 settled || fail "revision did not settle"
mkdir -p "$T/rev"; cp "$REPORTS"/*.txt "$T/rev/"; cp "$R" "$T/rev/000_9bb8ad4843e64388.txt"
"$BIN/fupin" run --out "$T/revref" "$T/rev"/*.txt > /dev/null 2>&1 || fail "revision reference run"
cmp "$T/revref/totals.csv" "$T/p/out/totals.csv" || fail "the revision did not replace the report's facts"
cmp -s "$T/first.csv" "$T/p/out/totals.csv" && fail "the revision changed nothing"
cp "$T/orig000" "$R"
"$BIN/fupin" submit --to "$E_CTL" "$R" | grep -q revision || fail "second revision not recognised"
wait_until 30 settled || fail "second revision did not settle"
cmp "$T/first.csv" "$T/p/out/totals.csv" || fail "revising back did not restore the totals"
echo "revision: facts replaced, and restored when revised back"

# 5: stop shard 1, send a new report: ingest holds it and re-sends until the shard is back
kill "${SHARD_PID[1]}"; wait "${SHARD_PID[1]}" 2>/dev/null
sed 's/锡林郭勒盟/乌兰察布市/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/new.txt"
"$BIN/fupin" submit --to "$E_CTL" "$T/new.txt" | grep -q " new" || fail "new report not taken"
wait_until 20 sh -c "[ \"\$(\"$BIN/fupin\" status $E_CTL | tr ' ' '\n' | sed -n 's/^resent=//p')\" -ge 1 ]" || fail "ingest did not re-send"
[ "$(field "$E_CTL" inflight)" = 1 ] || fail "the report is not held in flight"
start_shard 1
wait_until 30 settled || fail "did not settle after the shard came back"
cp -r "$T/rev" "$T/five"; cp "$T/orig000" "$T/five/000_9bb8ad4843e64388.txt"; cp "$T/new.txt" "$T/five/"
"$BIN/fupin" run --out "$T/sixref" "$T/five"/*.txt > /dev/null 2>&1 || fail "reference run with the new report"
cmp "$T/sixref/totals.csv" "$T/p/out/totals.csv" || fail "the held report is not in the totals"
# the re-sends went only to the shard that had not acknowledged it: shard 0 saw the report once
nid=$(sed -n 's/.*report \([0-9a-f]\{12\}\): applied.*/\1/p' "$RT/shard-0.log" | tail -1)
seen=$(grep -c "report $nid: " "$RT/shard-0.log")
[ "$seen" = 1 ] || { grep "report $nid: " "$RT/shard-0.log"; fail "shard 0, which had acknowledged it, got the report $seen times"; }
echo "stopped shard: ingest held the report ($(field "$E_CTL" resent) re-sends, to shard 1 only) and it was totalled once the shard was back"

# 6: a shard whose store is lost (emptied, its WAL gone) comes back with another epoch: the sink
#    rebuilds its view from the new store and ingest re-sends every report the shard had acknowledged
kill -9 "${SHARD_PID[0]}"; wait "${SHARD_PID[0]}" 2>/dev/null
truncate -s 0 "$RT/shard-0.db"; rm -f "$RT/shard-0.db-wal" "$RT/shard-0.db-shm"
start_shard 0
wait_until 30 sh -c "[ \"\$(\"$BIN/fupin\" status $E_CTL | tr ' ' '\n' | sed -n 's/^rebuilds=//p')\" -ge 1 ]" ||
    fail "ingest did not notice the shard's new store"
sleep 0.5; wait_until 60 settled || fail "did not settle after the shard's store was lost"
cmp "$T/sixref/totals.csv" "$T/p/out/totals.csv" || fail "the totals were not rebuilt after the shard's store was lost"
grep -q "another store" "$RT/sink.log" || fail "the sink did not say the shard's store changed"
echo "lost store: ingest re-sent what shard 0 had acknowledged ($(grep -o 're-sending the [0-9]* report' "$RT/ingest.log" | head -1)); totals rebuilt"

# 7: the --out folder deleted under a running sink is made again at its next write, said once
rm -rf "$RT/out"
sed 's/锡林郭勒盟/兴安盟/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/new2.txt"
"$BIN/fupin" submit --to "$E_CTL" "$T/new2.txt" | grep -q " new" || fail "new report not taken"
wait_until 30 sh -c "grep -q 兴安盟 '$RT/out/totals.csv' 2>/dev/null" || fail "--out was not made again"
[ -f "$RT/out/anomalies.jsonl" ] && [ -f "$RT/out/totals.jsonl" ] || fail "not every file was written again"
[ "$(grep -c 'cannot write the totals' "$RT/sink.log")" -le 1 ] || fail "the write error was logged more than once"
echo "--out deleted: made again at the next write"

# 8: a report shard 0 cannot apply (its store refuses the report's figures: a trigger stands in for any apply
#    error) is tried --dead-after (3) times, then dead-lettered: acknowledged as dead, no longer re-sent, shown
#    in fupin status and anomalies.jsonl; the reports after it still total
sqlite3 "$RT/shard-0.db" ".timeout 5000" "CREATE TRIGGER poison BEFORE INSERT ON mentions WHEN NEW.source LIKE '%poison%'
    BEGIN SELECT RAISE(ABORT, 'poisoned by the test'); END;" || fail "could not poison shard 0's store"
sed 's/锡林郭勒盟/通辽市/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/poison.txt"
"$BIN/fupin" submit --to "$E_CTL" "$T/poison.txt" | grep -q " new" || fail "poison report not taken"
wait_until 40 sh -c "[ \"\$(\"$BIN/fupin\" status $E_CTL | tr ' ' '\n' | sed -n 's/^dead=//p')\" = 1 ]" ||
    { tail -5 "$RT/shard-0.log"; fail "the poison report was not dead-lettered"; }
[ "$(grep -c 'poisoned by the test' "$RT/shard-0.log")" -ge 3 ] || fail "the poison report was not tried 3 times"
grep -q "dead-lettered, ingest stops re-sending" "$RT/shard-0.log" || fail "shard 0 did not say it dead-lettered"
resent=$(field "$E_CTL" resent)
sed 's/锡林郭勒盟/赤峰市/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/after.txt"
"$BIN/fupin" submit --to "$E_CTL" "$T/after.txt" | grep -q " new" || fail "report after the poison not taken"
sleep 0.5; wait_until 30 settled || fail "did not settle after a dead letter"
sleep 4 # more than two re-send intervals: a report still pending would have been sent again
[ "$(field "$E_CTL" resent)" = "$resent" ] || fail "ingest still re-sends the dead letter ($resent, now $(field "$E_CTL" resent))"
grep -q 赤峰市 "$RT/out/totals.csv" || fail "the report after the dead letter is not in the totals"
grep -q '"kind":"dead_letter".*poison.txt' "$RT/out/anomalies.jsonl" || fail "the dead letter is not in anomalies.jsonl"
"$BIN/fupin" status "$E_CTL" | grep -q "dead letters: 1 report" || fail "fupin status does not show the dead letter"
echo "poison report: dead-lettered after 3 tries ($(field "$E_CTL" resent) re-sends in all), not re-sent; later reports total"

# 9: source names are never cut into another file's: two files whose paths share their first 520 bytes are both
#    refused with one clear line, by fupin submit before it sends (it used to cut names at 511 bytes; cut, the second was a "revision" of the first)
long=$T/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))/$(printf 'f%.0s' $(seq 120))
mkdir -p "$long"
sed 's/锡林郭勒盟/包头市/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$long/one.txt"
sed 's/锡林郭勒盟/乌海市/g' "$REPORTS/000_9bb8ad4843e64388.txt" > "$long/two.txt"
taken=$(field "$E_CTL" taken)
for f in one two; do
    if "$BIN/fupin" submit --to "$E_CTL" "$long/$f.txt" > "$T/long-$f.out" 2>&1; then cat "$T/long-$f.out"; fail "a $(printf %s "$long/$f.txt" | wc -c)-byte name was taken"; fi
    grep -q "longer than 500 bytes\|over the limit of 500" "$T/long-$f.out" || { cat "$T/long-$f.out"; fail "no clear error for a long name"; }
    [ "$(wc -l < "$T/long-$f.out")" = 1 ] || { cat "$T/long-$f.out"; fail "more than one line for a long name"; }
done
[ "$(field "$E_CTL" taken)" = "$taken" ] || fail "a report with a long name was journaled"
grep -q "revision" "$T/long-two.out" && fail "the second long name was taken as a revision of the first"
echo "long source names ($(printf %s "$long/one.txt" | wc -c) bytes): refused with one line, never cut into a revision"
