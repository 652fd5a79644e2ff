#!/usr/bin/env bash
# Fault test: while 200 reports (variants of the seeds) stream through a
# pipeline of 2 normalize workers and 2 aggregate shards over ipc://, kill -9
# one daemon at a random moment and restart it: ingest, a worker, a shard,
# the sink, each in turn, FAULT_ROUNDS times (default 5). Every run's final
# totals.csv must equal the run without faults, byte for byte.
. "$(dirname "$0")/lib.sh"
N=${FAULT_REPORTS:-200} ROUNDS=${FAULT_ROUNDS:-5} NSH=2 RESEND_MS=1000
python3 "$SRC/tests/make_variants.py" "$REPORTS" "$T/in" "$N"

# Submits every report, in chunks, retrying a chunk while ingest is down:
# a client of a real pipeline would do the same.
stream() {
    ls "$T/in"/*.txt | xargs -n 20 echo > "$T/chunks"
    while read -r chunk; do
        # shellcheck disable=SC2086
        until "$BIN/fupin" submit --timeout 1000 --to "$E_CTL" $chunk > /dev/null 2>&1; do sleep 0.2; done
    done < "$T/chunks"
}

taken_at_least() { local t; t=$(field "$E_CTL" taken); [ -n "$t" ] && [ "$t" -ge "$1" ]; }

run_pipeline() { # run_pipeline DIR VICTIM(none|ingest|worker|shard|sink)
    ipc_eps "$1"
    start_sink; start_shard 0; start_shard 1; start_worker 0; start_worker 1; start_ingest
    wait_until 10 status "$E_CTL" > /dev/null || fail "ingest did not come up in $1"
    stream & local streamer=$!
    if [ "$2" != none ]; then
        # a random moment while the reports stream in: once ingest has taken a random number of them
        local at=$((10 + RANDOM % (N - 20)))
        wait_until 60 taken_at_least "$at" || true
        local i=$((RANDOM % 2)) pid
        case $2 in
            ingest) pid=$INGEST_PID ;; worker) pid=${WORKER_PID[$i]} ;;
            shard) pid=${SHARD_PID[$i]} ;; sink) pid=$SINK_PID ;;
        esac
        kill -9 "$pid"; wait "$pid" 2>/dev/null
        KILLS=$((KILLS + 1))
        sleep 0.3
        case $2 in
            ingest) start_ingest ;; worker) start_worker "$i" ;; shard) start_shard "$i" ;; sink) start_sink ;;
        esac
    fi
    wait "$streamer"
    wait_until 180 settled || { tail -5 "$RT"/*.log; fail "$1 ($2) did not settle"; }
    [ "$(field "$E_CTL" taken)" = "$N" ] || fail "$1 ($2): ingest holds $(field "$E_CTL" taken) reports, not $N"
    RESENT=$((RESENT + $(field "$E_CTL" resent))); SNAPS=$((SNAPS + $(field "$E_SCTL" snapshots)))
    for p in $INGEST_PID ${WORKER_PID[*]} ${SHARD_PID[*]} $SINK_PID; do kill "$p" 2>/dev/null; done
    for p in $INGEST_PID ${WORKER_PID[*]} ${SHARD_PID[*]} $SINK_PID; do wait "$p" 2>/dev/null; done
}

KILLS=0 RESENT=0 SNAPS=0
run_pipeline "$T/base" none
rows=$(($(wc -l < "$T/base/out/totals.csv") - 1))
[ "$rows" -gt 400 ] || fail "the run without faults has only $rows rows"
runs=0 diffs=0
for r in $(seq 1 "$ROUNDS"); do
    for victim in ingest worker shard sink; do
        run_pipeline "$T/r$r-$victim" "$victim"
        runs=$((runs + 1))
        if ! cmp -s "$T/base/out/totals.csv" "$T/r$r-$victim/out/totals.csv"; then
            diffs=$((diffs + 1))
            diff "$T/base/out/totals.csv" "$T/r$r-$victim/out/totals.csv" | head -5
            echo "round $r, $victim killed: totals differ"
        fi
        rm -rf "$T/r$r-$victim"
    done
done
echo "fault test: $N reports per run, $runs runs, $KILLS kill -9s, $rows total rows compared per run, $diffs runs differing"
echo "recovery seen: $RESENT re-sends by ingest, $SNAPS sink snapshots (the run without faults: 0 re-sends)"
[ "$diffs" = 0 ] || fail "$diffs run(s) lost or doubled figures"
