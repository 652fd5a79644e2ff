#!/usr/bin/env bash
# Integration: the four real daemons as processes.
#  1. fupin run over ipc:// with 1 worker × 1 shard and 3 × 3: totals identical byte for byte,
#     every seed region present, and equal to the reference cells (tests/eval/cells.py) of the same figures;
#  2. the daemons started one by one over tcp://127.0.0.1 on free ports, reports sent with
#     fupin submit: the same totals as over ipc;
#  3. fupin run --watch: a report dropped into the folder shows in totals.csv.
. "$(dirname "$0")/lib.sh"

"$BIN/fupin" run --out "$T/a" "$REPORTS"/*.txt > "$T/a.txt" 2>"$T/a.err" || { cat "$T/a.err"; fail "fupin run 1x1"; }
"$BIN/fupin" run --workers 3 --shards 3 --out "$T/b" "$REPORTS"/*.txt > /dev/null 2>&1 || fail "fupin run 3x3"
cmp "$T/a/totals.csv" "$T/b/totals.csv" || fail "1x1 and 3x3 totals differ"
grep -q "processes" "$T/a.err" || fail "run did not report its processes"
for r in 内蒙古自治区 锡林郭勒盟 科尔沁左翼后旗 呼伦贝尔市 达尔罕茂明安联合旗; do
    grep -q "$r" "$T/a.txt" || fail "totals table lacks $r"
done
"$BIN/fupin" extract "$REPORTS"/*.txt > "$T/fig.jsonl" || fail "extract"
python3 "$SRC/tests/eval/cells.py" --data "$SRC/data" --figures "$T/fig.jsonl" --compare "$T/a/totals.csv" > "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "totals differ from the reference rules"; }
echo "ipc: $(wc -l < "$T/a/totals.csv") rows, 1x1 = 3x3, reference agrees"

# tcp on free ports, daemons started by hand
P=(); for i in 1 2 3 4 5 6 7; do P+=("$(free_port)"); done
ep() { echo "tcp://127.0.0.1:$1"; }
"$BIN/fupin-sink" --totals "$(ep ${P[0]})" --ctl "$(ep ${P[1]})" --snapshot "$(ep ${P[2]})" --out "$T/c" --http none --stats none 2>"$T/sink.log" & PIDS="$PIDS $!"
"$BIN/fupin-aggregate" --figures "$(ep ${P[3]})" --acks "$(ep ${P[4]})" --sink "$(ep ${P[0]})" --snapshot "$(ep ${P[2]})" --db "$T/shard.db" --stats none 2>"$T/agg.log" & PIDS="$PIDS $!"
"$BIN/fupin-normalize" --reports "$(ep ${P[5]})" --shard "$(ep ${P[3]})" --stats none 2>"$T/norm.log" & PIDS="$PIDS $!"
"$BIN/fupin-ingest" --ctl "$(ep ${P[6]})" --reports "$(ep ${P[5]})" --acks "$(ep ${P[4]})" --journal "$T/ingest.db" --stats none 2>"$T/ingest.log" & PIDS="$PIDS $!"
sleep 0.5
"$BIN/fupin" submit --to "$(ep ${P[6]})" "$REPORTS"/*.txt > "$T/submit.txt" || { cat "$T/submit.txt" "$T/ingest.log"; fail "submit over tcp"; }
grep -c " new" "$T/submit.txt" | grep -q 5 || fail "submit did not take 5 new reports"
for i in $(seq 1 100); do
    [ -f "$T/c/totals.csv" ] && cmp -s "$T/a/totals.csv" "$T/c/totals.csv" && break
    sleep 0.2
done
cmp "$T/a/totals.csv" "$T/c/totals.csv" || fail "tcp totals differ from ipc totals"
# the same content again changes nothing
"$BIN/fupin" submit --to "$(ep ${P[6]})" "$REPORTS/000_9bb8ad4843e64388.txt" | grep -q "unchanged" || fail "resubmission not recognised"
# a rejected file: its reason, once
head -c 3000 /bin/sh > "$T/binary.txt"
if "$BIN/fupin" submit --to "$(ep ${P[6]})" "$T/binary.txt" 2> "$T/bin.err"; then fail "a binary file was taken"; fi
[ "$(grep -o 'binary.txt' "$T/bin.err" | wc -l)" = 1 ] || { cat "$T/bin.err"; fail "the rejected file's reason is not said once"; }
echo "tcp: totals identical to ipc; a rejected file named once: $(cat "$T/bin.err")"

# watch
mkdir -p "$T/w"
"$BIN/fupin" run --watch "$T/w" --out "$T/d" > "$T/watch.txt" 2>&1 & PIDS="$PIDS $!"
sleep 1.5
cp "$REPORTS/003_aa703e61a3d04d6d.txt" "$T/w/new.txt.part" && mv "$T/w/new.txt.part" "$T/w/new.txt"
for i in $(seq 1 100); do
    grep -q 达尔罕茂明安联合旗 "$T/d/totals.csv" 2>/dev/null && break
    sleep 0.2
done
grep -q 达尔罕茂明安联合旗 "$T/d/totals.csv" || { cat "$T/watch.txt"; fail "watched report not totalled"; }
echo "watch: dropped report totalled"

# stdin: reports read from stdin are named by their bytes, so two different ones are two reports
# (not a revision of "-"), and `fupin run -` takes stdin; --year dates a report whose text does not
sed 's/科左后旗/奈曼旗/g' "$REPORTS/001_a5d82d757b35f35e.txt" > "$T/s1.txt"
sed 's/达茂旗/四子王旗/g' "$REPORTS/003_aa703e61a3d04d6d.txt" > "$T/s2.txt"
"$BIN/fupin" run --out "$T/e" - < "$T/s1.txt" > /dev/null 2>&1 || fail "fupin run - (stdin)"
grep -q 奈曼旗 "$T/e/totals.csv" || fail "fupin run - did not total stdin"
mkdir -p "$T/w2"
"$BIN/fupin" run --watch "$T/w2" --out "$T/f" > "$T/watch2.txt" 2>&1 & PIDS="$PIDS $!"; WPID=$!
wait_until 10 grep -q "logs in" "$T/watch2.txt" || fail "fupin run --watch did not start"
CTL=$(sed -n 's/.*logs in \(.*\)$/ipc:\/\/\1\/ingest.ctl/p' "$T/watch2.txt" | head -1)
wait_until 10 "$BIN/fupin" status "$CTL" > /dev/null || fail "the watching pipeline's ingest did not come up"
"$BIN/fupin" submit --to "$CTL" - < "$T/s1.txt" > "$T/in1.txt" || fail "submit stdin 1"
"$BIN/fupin" submit --to "$CTL" - < "$T/s2.txt" > "$T/in2.txt" || fail "submit stdin 2"
grep -q " new" "$T/in2.txt" || { cat "$T/in1.txt" "$T/in2.txt"; fail "a second stdin report was taken as a revision of the first"; }
"$BIN/fupin" submit --to "$CTL" --year 2016 "$SRC/tests/gold-dev/docs/d02_duolun2016.txt" > /dev/null || fail "submit --year"
for i in $(seq 1 100); do
    grep -q 四子王旗 "$T/f/totals.csv" 2>/dev/null && grep -q '多伦县,2016,' "$T/f/totals.csv" 2>/dev/null && break
    sleep 0.2
done
grep -q 奈曼旗 "$T/f/totals.csv" && grep -q 四子王旗 "$T/f/totals.csv" || fail "both stdin reports are not totalled"
grep -q '多伦县,2016,' "$T/f/totals.csv" || fail "submit --year did not date the report"
kill "$WPID"; wait "$WPID" 2>/dev/null
echo "stdin: named by content ($(cut -d: -f1 "$T/in1.txt"), $(cut -d: -f1 "$T/in2.txt")), both totalled; --year dates an undated report"
