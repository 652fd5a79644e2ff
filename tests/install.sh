#!/usr/bin/env bash
# cmake --install into a scratch prefix (cmake --install --prefix P, as a
# user installing to /opt/fupin would): binaries, data files, the dashboard,
# commented sample configs that the daemons accept, and systemd units
# (normalize and aggregate as templates) whose ExecStart runs P/bin/... with
# P/etc/fupin's configs. The installed binaries find their data under P,
# never in the source tree, wherever they are run from, and after P moves.
. "$(dirname "$0")/lib.sh"
P=$T/prefix
cmake --install "$BIN" --prefix "$P" > "$T/install.log" || { cat "$T/install.log"; fail "cmake --install --prefix"; }
for f in bin/fupin bin/fupin-ingest bin/fupin-normalize bin/fupin-aggregate bin/fupin-sink \
         share/fupin/regions.tsv share/fupin/regions.img share/fupin/units.tsv share/fupin/metrics.tsv share/fupin/web/index.html \
         lib/systemd/system/fupin-ingest.service lib/systemd/system/fupin-sink.service \
         lib/systemd/system/fupin-normalize@.service lib/systemd/system/fupin-aggregate@.service; do
    [ -s "$P/$f" ] || fail "not installed: $P/$f"
done
CONF=$P/etc/fupin
[ -s "$CONF/ingest.conf" ] || fail "no sample configs"
# each sample config parses: the only complaint is the bad flag given after it
for c in ingest normalize sink aggregate-0; do
    b=fupin-${c%-0}
    out=$("$P/bin/$b" --config "$CONF/$c.conf" --log-level bogus 2>&1)
    echo "$out" | grep -q "log-level" || fail "$c.conf does not parse: $out"
done
# the installed extractor, run from outside the tree with no FUPIN_DATA, gives
# the build's figures: the installed data files are complete
mkdir "$T/elsewhere"
"$BIN/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/b.jsonl"
( cd "$T/elsewhere" && env -u FUPIN_DATA "$P/bin/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" ) > "$T/a.jsonl" 2> "$T/a.err" ||
    { cat "$T/a.err"; fail "installed extract"; }
cmp -s "$T/a.jsonl" "$T/b.jsonl" || fail "installed data files give other figures"
# ... and they are the prefix's own: without them it fails naming P, even
# though the source tree's data/ is there to be found
mv "$P/share/fupin" "$P/share/fupin.away"
if ( cd "$T/elsewhere" && env -u FUPIN_DATA "$P/bin/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" ) > /dev/null 2> "$T/c.err"; then
    fail "installed extract read data outside its prefix (the source tree's?)"
fi
grep -q "$P/bin/../share/fupin" "$T/c.err" || { cat "$T/c.err"; fail "installed extract does not name its prefix's data folder"; }
grep -q "$SRC" "$T/c.err" && fail "installed extract looked in the source tree"
mv "$P/share/fupin.away" "$P/share/fupin"
# a moved install still finds its data
mv "$P" "$T/moved"
( cd "$T/elsewhere" && env -u FUPIN_DATA "$T/moved/bin/fupin" extract "$REPORTS/000_9bb8ad4843e64388.txt" ) > "$T/d.jsonl" 2>&1 ||
    { cat "$T/d.jsonl"; fail "a moved install does not find its data"; }
cmp -s "$T/d.jsonl" "$T/b.jsonl" || fail "a moved install gives other figures"
mv "$T/moved" "$P"
for u in "$P"/lib/systemd/system/fupin-*.service; do
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
    case $exe in "$P/bin/"*) ;; *) fail "$(basename "$u"): ExecStart $exe is not under the prefix $P";; esac
    [ -x "$exe" ] || fail "$(basename "$u"): ExecStart $exe is not installed"
    conf=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' "$u")
    [ -n "$conf" ] || fail "$(basename "$u") reads no config"
    [ -s "${conf/\%i/0}" ] || fail "$(basename "$u"): its config $conf is not installed"
done
grep -q "%i" "$P/lib/systemd/system/fupin-normalize@.service" || fail "normalize unit is not a template"
# hardened: the fupin user (sysusers.d), a read-only system, and below 5 in
# systemd-analyze security (where it can rate a unit file offline)
[ -s "$P/lib/sysusers.d/fupin.conf" ] && grep -q "^u fupin " "$P/lib/sysusers.d/fupin.conf" || fail "no sysusers.d/fupin.conf"
grep -q "fupin/inbox" "$P/lib/systemd/system/fupin-ingest.service" || fail "the ingest unit does not make the inbox"
grep -q "/var/lib/fupin/inbox" "$CONF/ingest.conf" || fail "ingest.conf watches another inbox than the unit makes"
rated=0
for u in "$P"/lib/systemd/system/fupin-*.service; do
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
# systemd itself accepts the installed units (templates as an instance)
if command -v systemd-analyze > /dev/null; then
    mkdir -p "$T/verify"
    for u in "$P"/lib/systemd/system/fupin-*.service; do n=$(basename "$u"); cp "$u" "$T/verify/${n/@/@0}"; done
    systemd-analyze verify "$T"/verify/*.service > "$T/verify.log" 2>&1 || { cat "$T/verify.log"; fail "systemd-analyze verify"; }
    verified="systemd-analyze verify passes"
else
    verified="systemd-analyze verify skipped: systemd-analyze is not installed"
fi
echo "install: units hardened$( [ $rated -gt 0 ] && echo ", systemd-analyze security below 5 for all $rated"); $verified"
echo "install: $(find "$P" -type f | wc -l) files under $P; configs parse; units run $P/bin/...; data found from the prefix"
