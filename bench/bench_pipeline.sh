#!/usr/bin/env bash
# End to end: N reports (the seeds, each made distinct) through `fupin run`,
# beside `fupin extract` on the same files in the same run. Prints figures/s
# both ways and their ratio, and the time from a report's arrival at ingest to
# its totals at the sink (p50, p99), as the sink measured it.
# Then, with the daemons started one by one, FLAT (default 5,000) distinct
# reports submitted at once: every daemon's resident memory when ingest has
# seen the 1,000th and the FLAT-th report done, and its ratio (the target:
# within 20 %: queues are bounded, nothing grows with the stream), and sends
# per report (the target: at most 1.05 without faults). Figures only: the
# tests never assert on time or memory.
set -eu
BIN=$1 SRC=$2 N=${3:-2000} W=${4:-2} M=${5:-2} FLAT=${FLAT:-5000}
T=$(mktemp -d /tmp/fupin-bench-XXXXXX); trap 'rm -rf "$T" "${rt:-/nonexistent}"' EXIT
i=0
while [ $i -lt "$N" ]; do
    for f in "$SRC"/examples/reports/*.txt; do
        [ $i -ge "$N" ] && break
        { cat "$f"; printf '\n(%d)\n' $i; } > "$T/r$i.txt"; i=$((i + 1))
    done
done
s=$(date +%s.%N); "$BIN/fupin" extract "$T"/r*.txt > "$T/fig.jsonl"; e=$(date +%s.%N)
figs=$(wc -l < "$T/fig.jsonl")
s2=$(date +%s.%N); "$BIN/fupin" run --keep --log-level info --workers "$W" --shards "$M" --out "$T/out" "$T"/r*.txt > /dev/null 2> "$T/run.err"; e2=$(date +%s.%N)
lat=$(sed -n 's/.*arrival to totals //p' "$T/run.err")
rt=$(sed -n 's/.*logs in \(.*\)$/\1/p' "$T/run.err" | head -1)
resent=$(cat "$rt"/ingest.log 2>/dev/null | grep -o 're-sent [0-9]*' | awk '{s += $2} END {print s + 0}')
commits=$(cat "$rt"/aggregate-*.log 2>/dev/null | grep -c 'applied' || true)
python3 - "$figs" "$s" "$e" "$s2" "$e2" "$N" "$W" "$M" "$lat" "$resent" <<'PY'
import sys
figs, s, e, s2, e2, n, w, m, lat, resent = sys.argv[1:]
figs = int(figs); ext = figs / (float(e) - float(s)); pipe = figs / (float(e2) - float(s2))
print(f"reports {n}, figures {figs}, workers {w}, shards {m}")
print(f"fupin extract (in-process): {ext:10.0f} figures/s")
print(f"pipeline end to end:        {pipe:10.0f} figures/s  (startup and shutdown included)")
print(f"ratio pipeline/extract: {pipe/ext:.3f}")
print(f"arrival at ingest to totals at the sink: {lat}")
print(f"sends per report: {(int(n) + int(resent)) / int(n):.3f} ({resent} re-sends)")
PY

# --- memory over a long stream, and sends per report ---
python3 "$SRC/tests/make_variants.py" "$SRC/examples/reports" "$T/flat" "$FLAT" > /dev/null
R=$T/rt; mkdir -p "$R"; pids=() names=()
start() { local name=$1; shift; "$@" 2>> "$R/$name.log" & pids+=($!); names+=("$name"); }
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'stop_all; rm -rf "$T"' EXIT
snaps=(); for i in $(seq 0 $((M - 1))); do snaps+=(--snapshot "ipc://$R/snap-$i"); done
start sink "$BIN/fupin-sink" --totals "ipc://$R/totals" --ctl "ipc://$R/sink.ctl" --out "$R/out" "${snaps[@]}" \
    --stats "ipc://$R/stats" --http none
for i in $(seq 0 $((M - 1))); do
    start "shard-$i" "$BIN/fupin-aggregate" --index "$i" --figures "ipc://$R/fig-$i" --acks "ipc://$R/acks" \
        --sink "ipc://$R/totals" --snapshot "ipc://$R/snap-$i" --db "$R/shard-$i.db" --stats "ipc://$R/stats"
done
figs_eps=(); for i in $(seq 0 $((M - 1))); do figs_eps+=(--shard "ipc://$R/fig-$i"); done
for i in $(seq 0 $((W - 1))); do
    start "worker-$i" "$BIN/fupin-normalize" --reports "ipc://$R/reports" "${figs_eps[@]}" --stats "ipc://$R/stats" \
        --instance "worker-$i"
done
start ingest "$BIN/fupin-ingest" --ctl "ipc://$R/ingest.ctl" --reports "ipc://$R/reports" --acks "ipc://$R/acks" \
    --shards "$M" --journal "$R/ingest.db" --stats "ipc://$R/stats"
CTL=ipc://$R/ingest.ctl
for _ in $(seq 50); do "$BIN/fupin" status "$CTL" > /dev/null 2>&1 && break; sleep 0.2; done
counter() { "$BIN/fupin" status "$CTL" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"; }
rss() { # name=RSS_kB for every daemon
    local i out=""
    for i in "${!pids[@]}"; do out="$out ${names[$i]}=$(awk '/^VmRSS/ {print $2}' "/proc/${pids[$i]}/status" 2>/dev/null)"; done
    echo "$out"
}
ls "$T/flat"/*.txt | xargs -n 250 "$BIN/fupin" submit --timeout 60000 --to "$CTL" > /dev/null &
submitter=$!
s3=$(date +%s.%N)
at1=""; atN=""
while :; do
    d=$(counter done); d=${d:-0}
    [ -z "$at1" ] && [ "$d" -ge 1000 ] && at1=$(rss)
    [ "$d" -ge "$FLAT" ] && { atN=$(rss); break; }
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "ingest died; see $R" >&2; exit 1; }
    sleep 0.2
done
e3=$(date +%s.%N)
wait "$submitter" || true
python3 - "$FLAT" "$(counter sent)" "$(counter resent)" "$at1" "$atN" "$s3" "$e3" <<'PY'
import sys
n, sent, resent, a, b, s, e = sys.argv[1:]
n, sent = int(n), int(sent)
a = dict(x.split("=") for x in a.split()); b = dict(x.split("=") for x in b.split())
print(f"\n{n} reports submitted at once, done in {float(e) - float(s):.1f} s")
print(f"sends per report: {sent / n:.3f} ({sent} sends, {resent} re-sends; target <= 1.05)")
print("resident memory (kB) at the 1,000th and the %d-th report done, and the ratio (target within 20 %%):" % n)
worst = 0
for k in a:
    r = int(b[k]) / int(a[k]) if a[k] and b.get(k) else float("nan")
    worst = max(worst, abs(r - 1))
    print(f"  {k:10s} {a[k]:>8s} {b.get(k, '?'):>8s}  {r:.3f}")
print(f"largest change: {worst * 100:.1f} %")
PY
