#!/usr/bin/env bash
# fupin run --http is long-running: a daemon that exits is restarted with a
# back-off while the rest go on, /healthz says it is down meanwhile, and
# reports submitted afterwards are still totalled. Ctrl-C then stops the run
# cleanly (exit 0).
. "$(dirname "$0")/lib.sh"
HTTP=127.0.0.1:$(free_port)
# healthz CODE: /healthz answers CODE now (its body in $T/hz)
healthz() { [ "$(curl -s -o "$T/hz" -w '%{http_code}' "http://$HTTP/healthz")" = "$1" ]; }
"$BIN/fupin" run --http "$HTTP" --workers 2 --out "$T/out" "$REPORTS"/*.txt > "$T/run.out" 2> "$T/run.err" &
RUN=$!; PIDS="$PIDS $RUN"
wait_until 60 grep -q "5 report(s) totalled" "$T/run.out" || { cat "$T/run.err"; fail "the run did not total the seeds"; }
CTL=$(sed -n 's/^fupin: ingest at \([^ ]*\) .*/\1/p' "$T/run.err")
[ -n "$CTL" ] || { cat "$T/run.err"; fail "fupin run does not print ingest's endpoint"; }
grep -q "logs in /tmp/fupin-run-" "$T/run.err" || fail "fupin run does not print its log folder"
wait_until 10 healthz 200 || { cat "$T/hz"; fail "/healthz is not 200 with every stage up"; }
# fupin top: a table like vector top, one aligned row per instance, within 100 columns
SCTL=$(sed -n 's/.* sink at \([^ ]*\) .*/\1/p' "$T/run.err")
"$BIN/fupin" top --once --sink "$SCTL" > "$T/top.txt" || fail "fupin top --once"
python3 - "$T/top.txt" <<'PY' || { cat "$T/top.txt"; fail "fupin top is not the table"; }
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = lines[0].split()
assert head[:4] == ["STAGE", "INSTANCE", "IN", "OUT"] and "REJECTED" in head and "RATE/s" in head and head[-1] == "UP", head
assert "IN FLIGHT" in lines[0], lines[0]
rows = [l for l in lines[1:] if l.strip()]
assert all(len(l) <= 100 for l in lines), [len(l) for l in lines]
want = {("ingest", "ingest"), ("normalize", "normalize-0"), ("normalize", "normalize-1"), ("aggregate", "aggregate-0"), ("sink", "sink")}
got = {tuple(l.split()[:2]) for l in rows}
assert want <= got, got
for l in rows:
    f = l.split()
    assert len(f) == 8, l                       # stage instance in out rejected inflight rate up
    assert len(l) == len(lines[0]), (l, lines[0])  # right-aligned to the header
ing = [l.split() for l in rows if l.startswith("ingest")][0]
assert ing[2] == "5" and ing[4] == "0", ing     # 5 reports taken, none rejected
PY
# kill one worker outright: the run goes on, /healthz names it until it is back
W=$(pgrep -P "$RUN" -x fupin-normalize | head -1)
[ -n "$W" ] || fail "no normalize worker under fupin run"
kill -9 "$W"
wait_until 5 healthz 503 || { cat "$T/run.err" "$T/hz"; fail "/healthz did not report the killed worker"; }
grep -q "normalize-[01] down" "$T/hz" || { cat "$T/hz"; fail "/healthz does not say the worker is down: $(cat "$T/hz")"; }
wait_until 20 grep -q "normalize-[01] restarted" "$T/run.err" || { cat "$T/run.err"; fail "the worker was not restarted"; }
grep -q "normalize-[01] exited (signal 9); restarting it in" "$T/run.err" || { cat "$T/run.err"; fail "the exit is not reported"; }
wait_until 60 healthz 200 || { cat "$T/hz"; fail "/healthz is not 200 after the restart"; }
kill -0 "$RUN" || fail "fupin run ended when a worker was killed"
# a new report after the restart is totalled
{ cat "$REPORTS/000_9bb8ad4843e64388.txt"; echo "2020年，锡林郭勒盟投入扶贫资金3.3亿元。"; } > "$T/new.txt"
"$BIN/fupin" submit --to "$CTL" "$T/new.txt" > /dev/null || fail "submit after the restart"
wait_until 60 grep -q "6 report(s) totalled" "$T/run.out" || { cat "$T/run.err"; fail "no totals after the restart"; }
kill -INT "$RUN"
wait "$RUN"; rc=$?
[ $rc = 0 ] || { cat "$T/run.err"; fail "fupin run exited $rc after Ctrl-C"; }
echo "supervise: a killed worker was restarted, /healthz said so meanwhile, and the run went on to total a new report"
