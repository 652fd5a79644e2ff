#!/usr/bin/env bash
# The pipeline's figures (issue #12), each printed beside its target. For
# each (workers, shards) in CONFIGS (default "1,1 2,2 3,3"), the daemons are
# started one by one (so their PIDs are known) on a fresh store, then:
#  - SAMPLES (default 20) reports, one at a time into the idle pipeline:
#    p50/p99 of the time from arrival at ingest to totals at the sink, as
#    the sink measured it (its ring holds only these samples: it is fresh);
#  - N (default 5,000) distinct reports submitted at once: figures/s end to
#    end (first submit to ingest's last `done`) and its ratio to in-process
#    `fupin extract` on the same files; CPU µs per figure per stage (utime +
#    stime from /proc/PID/stat, all threads, over the run only: startup is
#    not counted); sends per report; every daemon's resident memory when
#    ingest has the 1,000th and the N-th report done.
# A bench, not a test: it prints figures and never fails on them.
#
# usage: bench_pipeline.sh BIN SRC [N]   (env: CONFIGS="1,1 2,2 3,3", SAMPLES=20)
set -eu
BIN=$1 SRC=$2 N=${3:-5000}
CONFIGS=${CONFIGS:-"1,1 2,2 3,3"} SAMPLES=${SAMPLES:-20}
T=$(mktemp -d /tmp/fupin-bench-XXXXXX)
pids=() names=()
stop_all() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=() names=()
}
trap 'stop_all; rm -rf "$T"' EXIT
TCK=$(getconf CLK_TCK)
FIRST1K=$((N < 1000 ? N : 1000))

python3 "$SRC/tests/make_variants.py" "$SRC/examples/reports" "$T/all" $((N + SAMPLES)) > /dev/null
mkdir -p "$T/lat"
# the latency samples are the last SAMPLES variants: distinct from the bulk ones
for i in $(seq "$N" $((N + SAMPLES - 1))); do mv "$T/all/$(printf 'v%04d.txt' "$i")" "$T/lat/"; done
mv "$T/all" "$T/bulk"

# In-process: the same files through `fupin extract`, median of 3.
ext_runs=()
for _ in 1 2 3; do
    s=$(date +%s.%N); "$BIN/fupin" extract "$T"/bulk/*.txt > "$T/fig.jsonl"; e=$(date +%s.%N)
    ext_runs+=("$(echo "$s $e" | awk '{print $2 - $1}')")
done
FIGS=$(wc -l < "$T/fig.jsonl")
EXT_S=$(printf '%s\n' "${ext_runs[@]}" | sort -g | sed -n 2p)
printf 'reports %d (distinct variants of the seeds), figures %d (fupin extract)\n' "$N" "$FIGS"
printf 'fupin extract (in-process): %10.0f figures/s (median of 3: %s s)\n' \
    "$(echo "$FIGS $EXT_S" | awk '{print $1 / $2}')" "$EXT_S"

start() { local name=$1; shift; "$@" 2>> "$R/$name.log" & pids+=($!); names+=("$name"); }
counter() { "$BIN/fupin" status "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rss() { # name=RSS_kB for every daemon
    local i out=""
    for i in "${!pids[@]}"; do out="$out ${names[$i]}=$(awk '/^VmRSS/ {print $2}' "/proc/${pids[$i]}/status" 2>/dev/null)"; done
    echo "$out"
}
cpu() { # name=ticks (utime+stime, all threads) for every daemon
    local i out=""
    for i in "${!pids[@]}"; do
        out="$out ${names[$i]}=$(sed 's/.*) //' "/proc/${pids[$i]}/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done
    echo "$out"
}
wait_done() { # until ingest's done >= $1 (0 on success), asking every ${2:-0.05} s
    local d
    while :; do
        d=$(counter "$CTL" done); d=${d:-0}
        [ "$d" -ge "$1" ] && return 0
        kill -0 "$INGEST_PID" 2>/dev/null || { echo "ingest died; see $R" >&2; return 1; }
        sleep "${2:-0.05}"
    done
}

for cfg in $CONFIGS; do
    W=${cfg%,*} M=${cfg#*,}
    R=$T/rt-$W-$M; mkdir -p "$R"
    snaps=(); for i in $(seq 0 $((M - 1))); do snaps+=(--snapshot "ipc://$R/snap-$i"); done
    start sink "$BIN/fupin-sink" --totals "ipc://$R/totals" --ctl "ipc://$R/sink.ctl" --out "$R/out" "${snaps[@]}" \
        --stats "ipc://$R/stats" --http none
    for i in $(seq 0 $((M - 1))); do
        start "shard-$i" "$BIN/fupin-aggregate" --index "$i" --figures "ipc://$R/fig-$i" --acks "ipc://$R/acks" \
            --sink "ipc://$R/totals" --snapshot "ipc://$R/snap-$i" --db "$R/shard-$i.db" --stats "ipc://$R/stats"
    done
    figs_eps=(); for i in $(seq 0 $((M - 1))); do figs_eps+=(--shard "ipc://$R/fig-$i"); done
    for i in $(seq 0 $((W - 1))); do
        start "worker-$i" "$BIN/fupin-normalize" --reports "ipc://$R/reports" "${figs_eps[@]}" \
            --stats "ipc://$R/stats" --instance "worker-$i"
    done
    start ingest "$BIN/fupin-ingest" --ctl "ipc://$R/ingest.ctl" --reports "ipc://$R/reports" --acks "ipc://$R/acks" \
        --shards "$M" --journal "$R/ingest.db" --stats "ipc://$R/stats"
    INGEST_PID=${pids[-1]}
    CTL=ipc://$R/ingest.ctl SCTL=ipc://$R/sink.ctl
    for _ in $(seq 100); do
        "$BIN/fupin" status "$CTL" > /dev/null 2>&1 && "$BIN/fupin" status "$SCTL" > /dev/null 2>&1 && break
        sleep 0.1
    done
    # the workers load their gazetteers before they pull: wait for every one to say it pulls
    for _ in $(seq 300); do
        ready=0; for i in $(seq 0 $((W - 1))); do grep -q "pulling reports" "$R/worker-$i.log" && ready=$((ready + 1)); done
        [ "$ready" -ge "$W" ] && break; sleep 0.1
    done

    # one report at a time into the idle pipeline
    k=0
    for f in "$T"/lat/*.txt; do
        k=$((k + 1))
        "$BIN/fupin" submit --timeout 60000 --to "$CTL" "$f" > /dev/null
        # asked rarely: each `fupin status` is a process competing with the pipeline for the CPU
        sleep 0.3
        wait_done "$k" 0.1
        for _ in $(seq 100); do [ "$(counter "$SCTL" latency_n)" -ge "$k" ] && break; sleep 0.1; done
        sleep 0.2 # idle again
    done
    lat_p50=$(counter "$SCTL" latency_p50_ms) lat_p99=$(counter "$SCTL" latency_p99_ms)
    lat_n=$(counter "$SCTL" latency_n)
    sent0=$(counter "$CTL" sent) resent0=$(counter "$CTL" resent)

    # N reports at once
    cpu0=$(cpu)
    s=$(date +%s.%N)
    ( ls "$T"/bulk/*.txt | /usr/bin/time -f '%U %S' -o "$R/submit.time" \
        xargs -n 250 "$BIN/fupin" submit --timeout 60000 --to "$CTL" > /dev/null ) &
    submitter=$!
    wait_done $((k + FIRST1K)); at1=$(rss)
    wait_done $((k + N)); e=$(date +%s.%N); atN=$(rss); cpu1=$(cpu)
    wait "$submitter" || true
    sent1=$(counter "$CTL" sent) resent1=$(counter "$CTL" resent)
    stop_all

    python3 - "$W" "$M" "$N" "$FIGS" "$EXT_S" "$s" "$e" "$TCK" "$cpu0" "$cpu1" "$(cat "$R/submit.time")" \
        "$sent0" "$sent1" "$resent0" "$resent1" "$at1" "$atN" "$FIRST1K" "$lat_n" "$lat_p50" "$lat_p99" <<'PY'
import sys
(w, m, n, figs, ext_s, s, e, tck, cpu0, cpu1, sub, sent0, sent1, resent0, resent1, at1, atN, first, lat_n,
 p50, p99) = sys.argv[1:]
n, figs, tck, w, m = int(n), int(figs), int(tck), int(w), int(m)
wall = float(e) - float(s)
rate, ext = figs / wall, figs / float(ext_s)
kv = lambda t: dict(x.split("=", 1) for x in t.split())
c0, c1 = kv(cpu0), kv(cpu1)
def stage(name):
    return sum(int(c1[k]) - int(c0[k]) for k in c1 if k.split("-")[0] == name)
us = lambda ticks: ticks / tck * 1e6 / figs
print(f"\n== {w} worker(s) x {m} shard(s): {n} reports, {figs} figures ==")
tgt = "target >= 150000 at 2x2" if (w, m) == (2, 2) else "target at 2x2: >= 150000"
print(f"pipeline end to end: {rate:10.0f} figures/s  ({wall:.2f} s; {tgt})")
print(f"ratio to in-process extract: {rate / ext:.3f}  (target >= 0.8)")
print("CPU µs per figure, per stage (target: sum <= 8):")
total = 0
for name, label in (("ingest", "ingest"), ("worker", f"normalize x{w}"), ("shard", f"aggregate x{m}"),
                    ("sink", "sink")):
    v = us(stage(name)); total += v
    print(f"  {label:14s} {v:8.2f}")
print(f"  {'sum':14s} {total:8.2f}  (target <= 8)")
u, st = (float(x) for x in sub.split())
print(f"  {'submit client':14s} {(u + st) * 1e6 / figs:8.2f}  (not a stage; not in the sum)")
sent = int(sent1) - int(sent0); resent = int(resent1) - int(resent0)
print(f"sends per report: {sent / n:.3f}  ({sent} sends, {resent} re-sends; target <= 1.05)")
a, b = kv(at1), kv(atN)
print(f"resident memory (kB) at the {first}th and the {n}th report done (target: within 20 %):")
worst = 0
for k in a:
    r = int(b[k]) / int(a[k]) if a[k] and b.get(k) else float("nan")
    worst = max(worst, abs(r - 1))
    print(f"  {k:10s} {a[k]:>8s} {b.get(k, '?'):>8s}  {r:.3f}")
print(f"  largest change: {worst * 100:.1f} %  (target <= 20 %)")
print(f"arrival at ingest to totals at the sink, one report into an idle pipeline ({lat_n} samples):"
      f" p50 {p50} ms, p99 {p99} ms  (target p99 <= 50 ms)")
PY
done
