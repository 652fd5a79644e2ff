#!/usr/bin/env bash
# Installs dependencies, builds, and runs the pipeline on the bundled sample
# reports, printing the per-region totals. With --dashboard it then stays up
# and serves the dashboard, the API and /metrics on http://127.0.0.1:8080/
# until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ "${1:-}" = --dashboard ]; then
    exec ./build/fupin run --workers 2 --shards 2 --out build/demo-out --http 127.0.0.1:8080 examples/reports/*.txt
fi
./build/fupin run --workers 2 --shards 2 --out build/demo-out examples/reports/*.txt
