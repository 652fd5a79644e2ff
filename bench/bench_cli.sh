#!/usr/bin/env bash
# `fupin extract` beside the extractor library, on the same bytes: the seeds
# copied to about MB megabytes of files (default 10). Both are timed by CPU
# time (user + system of the process; the library's own thread time in
# bench_extract), so other people's builds on the machine move the ratio
# less than the wall clock would. What `fupin extract` adds to the library:
# reading and decoding each file (OpenCC where a traditional character
# stands), indicators, and JSON out.
set -eu
BIN=$1 SRC=$2 MB=${3:-10}
T=$(mktemp -d /tmp/fupin-bench-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
lib=$(FP_BENCH_MB=$MB "$BIN/bench/bench_extract" "$SRC/data" "$SRC"/examples/reports/*.txt |
    sed -n 's/^by CPU time: .*extractor \([0-9.]*\) MB\/s.*/\1/p')
[ -n "$lib" ] || { echo "bench_cli: $BIN/bench/bench_extract gave no rate" >&2; exit 1; }
one=$(cat "$SRC"/examples/reports/*.txt | wc -c)
copies=$(((MB * 1048576) / one + 1))
for i in $(seq "$copies"); do
    for f in "$SRC"/examples/reports/*.txt; do cp "$f" "$T/r${i}_$(basename "$f")"; done
done
bytes=$(cat "$T"/r*.txt | wc -c)
# user + system seconds of the child, from bash's times after it ran
TIMEFORMAT='%U %S'
# the data folder named, as bench_extract is given it: a copied build folder has none beside it
if ! { time "$BIN/fupin" extract --data "$SRC/data" "$T"/r*.txt > "$T/out.jsonl" 2> "$T/err"; } 2> "$T/time"; then
    echo "bench_cli: $BIN/fupin extract failed: $(head -3 "$T/err")" >&2
    exit 1
fi
read -r u s < "$T/time"
python3 - "$bytes" "$u" "$s" "$lib" "$(wc -l < "$T/out.jsonl")" <<'PY'
import sys
b, u, s, lib, figs = sys.argv[1:]
cli = int(b) / 1e6 / (float(u) + float(s))
print(f"fupin extract: {cli:8.1f} MB/s by CPU time ({int(b) / 1e6:.1f} MB, {figs} figures); library {float(lib):.1f} MB/s")
print(f"ratio fupin extract/library: {cli / float(lib):.3f} (target >= 0.8)")
PY
