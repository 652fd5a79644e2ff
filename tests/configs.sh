#!/usr/bin/env bash
# The sample configs in dist/config are what the daemons' --print-config
# makes of their option tables (dist/config/make-configs.sh): every flag of
# every daemon, none stale. After a flag changes:
#   cmake --build build --target configs
. "$(dirname "$0")/lib.sh"
bash "$SRC/dist/config/make-configs.sh" "$BIN" "$T/conf" || fail "make-configs.sh"
for c in ingest normalize aggregate-0 sink; do
    diff -u "$SRC/dist/config/$c.conf" "$T/conf/$c.conf" > "$T/diff" ||
        { cat "$T/diff"; fail "dist/config/$c.conf differs from the option table (cmake --build build --target configs)"; }
    # every flag of --help is in it, as a setting or an unset '# name =' line
    b=fupin-${c%-0}
    for f in $("$BIN/$b" --help | sed -n 's/^  --\([a-z-]*\).*/\1/p' | grep -vx 'config\|print-config'); do
        grep -Eq "^(# )?$f =" "$SRC/dist/config/$c.conf" || fail "$c.conf lacks --$f"
    done
done
# and a daemon reads its printed config back to the same settings
"$BIN/fupin-sink" --config "$T/conf/sink.conf" --print-config > "$T/again.conf" || fail "sink.conf does not parse"
diff -u "$T/conf/sink.conf" "$T/again.conf" || fail "sink.conf read back is not the same"
echo "configs: dist/config/*.conf equal the daemons' --print-config; every --help flag is in them"
