#!/usr/bin/env bash
# A long report: fupin run takes a report of LARGE_MB (default 50) MB --
# the seeds over and over in one file -- in one pass: ingest sends it once
# (its re-send waits in proportion to its size), one worker extracts it
# once (on libuv's thread pool, the loop answering meanwhile), its totals
# come out, and every daemon stops cleanly (none killed). Then the same
# report with a --timeout too short for it: the run gives up, and the
# worker, stopped in mid-extraction, still stops cleanly.
. "$(dirname "$0")/lib.sh"
MB=${LARGE_MB:-50}
python3 - "$REPORTS" "$T/long.txt" "$MB" <<'PY'
import glob, sys
text = "".join(open(f, encoding="utf-8").read() for f in sorted(glob.glob(sys.argv[1] + "/*.txt")))
n = int(sys.argv[3]) * 1024 * 1024 // len(text.encode()) + 1
open(sys.argv[2], "w", encoding="utf-8").write(text * n)
PY
size=$(stat -c %s "$T/long.txt")
[ "$size" -ge $((MB * 1024 * 1024)) ] || fail "the long report is $size bytes"
start=$(date +%s)
"$BIN/fupin" run --keep --out "$T/out" "$T/long.txt" > "$T/run.out" 2> "$T/run.err" ||
    { cat "$T/run.err"; fail "fupin run on a $MB MB report"; }
took=$(( $(date +%s) - start ))
rt=$(sed -n 's|.*logs in \(/tmp/fupin-run-[A-Za-z0-9]*\)/.*|\1|p' "$T/run.err" | head -1)
[ -d "$rt" ] || { cat "$T/run.err"; fail "no runtime folder named"; }
mv "$rt" "$T/rt"
grep -q "killing" "$T/run.err" && { cat "$T/run.err"; fail "a daemon had to be killed"; }
grep -q "1 taken, 0 unchanged, 0 rejected, 1 sent, 0 re-sent, 1 done" "$T/rt/ingest.log" ||
    { grep stopped "$T/rt/ingest.log"; fail "ingest sent the report more than once"; }
n=$(grep -c "): [0-9]* figures, year" "$T/rt/normalize-0.log")
[ "$n" = 1 ] || fail "the report was extracted $n times"
rows=$(($(wc -l < "$T/out/totals.csv") - 1))
[ "$rows" -gt 100 ] || fail "only $rows rows of totals"
echo "$MB MB report: sent once, extracted once, $rows rows, $took s, every daemon stopped cleanly"

# stopped in mid-extraction: the run gives up; the worker stops at its next figure
"$BIN/fupin" run --timeout 3 --out "$T/out2" "$T/long.txt" > /dev/null 2> "$T/run2.err" &&
    fail "a 3 s run of a $MB MB report claimed success"
grep -q "no totals after 3 s" "$T/run2.err" || { cat "$T/run2.err"; fail "the short run did not say it gave up"; }
grep -q "killing" "$T/run2.err" && { cat "$T/run2.err"; fail "a daemon had to be killed in mid-extraction"; }
echo "stopped in mid-extraction: every daemon stopped cleanly"
