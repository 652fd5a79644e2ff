#!/usr/bin/env bash
# Installs dependencies, builds, and runs the pipeline on the bundled sample reports.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/fupin run --workers 2 --shards 2 --out fupin-out examples/reports/*.txt
