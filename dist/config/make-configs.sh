#!/usr/bin/env bash
# Writes the sample configs (ingest.conf, normalize.conf, aggregate-0.conf,
# sink.conf) from the daemons' own option tables: each daemon's
# --print-config, given the values a systemd install runs with (the state
# folder /var/lib/fupin the units make). tests/configs.sh checks that the
# committed dist/config/*.conf equal what this prints, so a flag added to a
# daemon shows up here or fails the test.
#   bash dist/config/make-configs.sh BUILD_DIR OUT_DIR
#   (cmake --build build --target configs rewrites dist/config)
set -eu
BIN=${1:?usage: make-configs.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: make-configs.sh BUILD_DIR OUT_DIR}
mkdir -p "$OUT"
S=/var/lib/fupin
# the stats endpoint every daemon publishes to, and the first shard's endpoints
STATS=tcp://127.0.0.1:7112
"$BIN/fupin-ingest" --journal $S/ingest.db --watch $S/inbox --stats $STATS --print-config > "$OUT/ingest.conf"
"$BIN/fupin-normalize" --shard tcp://127.0.0.1:7120 --stats $STATS --print-config > "$OUT/normalize.conf"
"$BIN/fupin-aggregate" --index 0 --db $S/shard-0.db --stats $STATS --print-config \
    > "$OUT/aggregate-0.conf"
"$BIN/fupin-sink" --snapshot tcp://127.0.0.1:7130 --out $S/out --stats $STATS --print-config > "$OUT/sink.conf"
