#!/usr/bin/env bash
# Durability and exactly-once, with the real daemons over ipc://:
#  1. the gold figures, as JSON lines through --figures, give the reference totals
#     (tests/expected/gold-totals.csv, from tests/eval/totals.py --gold);
#  2. a curated file with a bad line is refused whole, naming the line;
#  3. every report ingested twice, the second time in reverse order, changes no total;
#  4. a revision (same source, new content) replaces the old report's facts;
#  5. a stopped aggregate shard makes ingest hold and re-send, never drop.
. "$(dirname "$0")/lib.sh"

# 1
python3 "$SRC/tests/gold_to_jsonl.py" "$SRC/tests/gold" > "$T/gold.jsonl"
"$BIN/fupin" run --figures "$T/gold.jsonl" --out "$T/g" > /dev/null 2>"$T/g.err" || { cat "$T/g.err"; fail "run --figures"; }
python3 "$SRC/tests/eval/totals.py" --gold "$SRC/tests/gold" --compare "$T/g/totals.csv" > "$T/g.cmp" || { cat "$T/g.cmp"; fail "gold through --figures differs from the reference"; }
python3 - "$T/g/totals.csv" "$SRC/tests/expected/gold-totals.csv" <<'PY' || fail "totals differ from tests/expected/gold-totals.csv"
import csv, sys
from decimal import Decimal
def rows(p):
    with open(p, encoding="utf-8") as f:
        return {(r["region_path"], r["year"], r["metric"], r["unit"]): (Decimal(r["own"]), Decimal(r["subtree"]), int(r["facts"]))
                for r in csv.DictReader(f)}
got, want = rows(sys.argv[1]), rows(sys.argv[2])
bad = [k for k in set(got) | set(want) if got.get(k) != want.get(k)]
for k in sorted(bad)[:10]: print("differs:", k, got.get(k), want.get(k))
sys.exit(1 if bad else 0)
PY
echo "gold via --figures: $(($(wc -l < "$T/g/totals.csv") - 1)) rows, identical to the reference"

# 2
{ head -3 "$T/gold.jsonl"; echo '{"value":"5","unit":"CNY","metric":"funds","region_path":"内蒙古自治区/无此盟"}'; } > "$T/bad.jsonl"
if "$BIN/fupin" run --figures "$T/bad.jsonl" --out "$T/bad" > "$T/bad.out" 2>&1; then fail "a bad curated file was taken"; fi
grep -q "line 4: unknown region" "$T/bad.out" || { cat "$T/bad.out"; fail "the bad line is not named"; }
echo "bad curated file refused: $(grep -o 'line 4: unknown region[^(]*' "$T/bad.out" | head -1)"

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
echo "stopped shard: ingest held the report ($(field "$E_CTL" resent) re-sends) and it was totalled once the shard was back"
