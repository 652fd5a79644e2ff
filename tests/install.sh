#!/usr/bin/env bash
# cmake --install into a scratch root: binaries, data files, the dashboard,
# commented sample configs that the daemons accept, and systemd units
# (normalize and aggregate as templates) whose ExecStart names installed files.
. "$(dirname "$0")/lib.sh"
D=$T/root
# the prefix the build was configured with (the units name it)
P=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BIN/CMakeCache.txt")
DESTDIR=$D cmake --install "$BIN" > "$T/install.log" || { cat "$T/install.log"; fail "cmake --install"; }
for f in bin/fupin bin/fupin-ingest bin/fupin-normalize bin/fupin-aggregate bin/fupin-sink \
         share/fupin/regions.tsv share/fupin/regions.img share/fupin/units.tsv share/fupin/metrics.tsv share/fupin/web/index.html \
         lib/systemd/system/fupin-ingest.service lib/systemd/system/fupin-sink.service \
         lib/systemd/system/fupin-normalize@.service lib/systemd/system/fupin-aggregate@.service; do
    [ -s "$D$P/$f" ] || fail "not installed: $P/$f"
done
CONF=$(dirname "$(find "$D" -path '*/fupin/sink.conf' | head -1)")
[ -s "$CONF/ingest.conf" ] || fail "no sample configs"
# each sample config parses: the only complaint is the bad flag given after it
for c in ingest normalize sink aggregate-0; do
    b=fupin-${c%-0}
    out=$("$D$P/bin/$b" --config "$CONF/$c.conf" --log-level bogus 2>&1)
    echo "$out" | grep -q "log-level" || fail "$c.conf does not parse: $out"
done
# the installed data files are complete: the installed extractor gives the same figures
FUPIN_DATA=$D$P/share/fupin "$D$P/bin/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/a.jsonl" || fail "installed extract"
"$BIN/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/b.jsonl"
cmp "$T/a.jsonl" "$T/b.jsonl" || fail "installed data files give other figures"
for u in "$D$P"/lib/systemd/system/fupin-*.service; do
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
    [ -x "$D$exe" ] || fail "$(basename "$u"): ExecStart $exe is not installed"
    grep -q -- "--config" "$u" || fail "$(basename "$u") reads no config"
done
grep -q "%i" "$D$P/lib/systemd/system/fupin-normalize@.service" || fail "normalize unit is not a template"
# hardened: the fupin user (sysusers.d), a read-only system, and below 5 in
# systemd-analyze security (where it can rate a unit file offline)
[ -s "$D$P/lib/sysusers.d/fupin.conf" ] && grep -q "^u fupin " "$D$P/lib/sysusers.d/fupin.conf" || fail "no sysusers.d/fupin.conf"
grep -q "fupin/inbox" "$D$P/lib/systemd/system/fupin-ingest.service" || fail "the ingest unit does not make the inbox"
grep -q "/var/lib/fupin/inbox" "$CONF/ingest.conf" || fail "ingest.conf watches another inbox than the unit makes"
rated=0
for u in "$D$P"/lib/systemd/system/fupin-*.service; do
    for k in User=fupin ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes StateDirectory RuntimeDirectory; do
        grep -q "^$k" "$u" || fail "$(basename "$u") lacks $k"
    done
    if command -v systemd-analyze > /dev/null && systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
        n=$(basename "$u"); mkdir -p "$T/units"; cp "$u" "$T/units/${n/@/@0}"  # a template is rated as an instance
        out=$(systemd-analyze security --offline=yes "$T/units/${n/@/@0}" 2>&1 | tail -1)
        level=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
        [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l < 5) }' || fail "$n: $out (want below 5)"
        rated=$((rated + 1))
    fi
done
echo "install: units hardened$( [ $rated -gt 0 ] && echo ", systemd-analyze security below 5 for all $rated")"
echo "install: $(find "$D" -type f | wc -l) files; configs parse; units point at installed binaries"
