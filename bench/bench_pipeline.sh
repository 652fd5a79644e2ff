#!/usr/bin/env bash
# End to end: N reports (the seeds, each made distinct) through `fupin run`,
# beside `fupin extract` on the same files in the same run. Prints figures/s
# both ways and their ratio, and the time from a report's arrival at ingest to
# its totals at the sink (p50, p99), as the sink measured it.
set -eu
BIN=$1 SRC=$2 N=${3:-2000} W=${4:-2} M=${5:-2}
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
