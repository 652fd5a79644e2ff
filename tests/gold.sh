#!/usr/bin/env bash
# Gold: fupin extract on the seeds, scored against the gold copied into tests/gold.
# Thresholds: issue 3 names precision 0.95, recall 0.95, county 0.95, region 0.85,
# year 0.90, metric 0.85, relation 0.85, qualifier 0.95; the test holds them all.
# THRESHOLDS overrides them (to try a stricter floor by hand).
. "$(dirname "$0")/lib.sh"
"$BIN/fupin" extract "$REPORTS"/*.txt > "$T/fig.jsonl" || fail "extract"
python3 "$SRC/tests/eval/score.py" --gold "$SRC/tests/gold" --min-precision 0.95 --min-recall 0.95 \
    ${THRESHOLDS:---min-field county=0.95 --min-field region=0.85 --min-field year=0.90 --min-field metric=0.85 --min-field relation=0.85 --min-field qualifier=0.95} \
    "$T/fig.jsonl"
