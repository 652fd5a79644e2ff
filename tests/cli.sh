#!/usr/bin/env bash
# Bad input: one clear line naming the thing, non-zero exit, nothing else disturbed.
. "$(dirname "$0")/lib.sh"
expect_error() { # expect_error PATTERN CMD...
    local pat=$1; shift
    "$@" > "$T/out" 2> "$T/err" && fail "accepted: $*"
    [ "$(wc -l < "$T/err")" -le 2 ] || { cat "$T/err"; fail "more than a clear line: $*"; }
    grep -q -- "$pat" "$T/err" || { cat "$T/err"; fail "error does not name '$pat': $*"; }
}
: > "$T/empty.txt"
mkdir "$T/dir"
expect_error "missing.txt" "$BIN/fupin" run "$T/missing.txt"
expect_error "empty file" "$BIN/fupin" run "$T/empty.txt"
expect_error "is a directory" "$BIN/fupin" run "$T/dir"
expect_error "--bogus" "$BIN/fupin" run --bogus x
expect_error "missing.txt" "$BIN/fupin" extract "$T/missing.txt"
expect_error "empty file" "$BIN/fupin" extract "$T/empty.txt"
expect_error "malformed endpoint" "$BIN/fupin-sink" --totals "tcp://nohost" --out "$T/o"
expect_error "unknown flag" "$BIN/fupin-ingest" --nope
expect_error "whole number" "$BIN/fupin" run --workers many x
expect_error "unknown command" "$BIN/fupin" frobnicate
# a port already in use
PORT=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$PORT)); s.listen(); time.sleep(8)" & PIDS="$PIDS $!"
sleep 0.3
expect_error "127.0.0.1:$PORT" "$BIN/fupin-sink" --totals "tcp://127.0.0.1:$PORT" --ctl "tcp://127.0.0.1:$(free_port)" --out "$T/o"
# an ipc socket a live daemon serves
"$BIN/fupin-sink" --totals "ipc://$T/t" --ctl "ipc://$T/c" --out "$T/o" --http none --stats none 2>/dev/null & PIDS="$PIDS $!"
sleep 0.5
expect_error "already listens" "$BIN/fupin-sink" --totals "ipc://$T/t" --ctl "ipc://$T/c2" --out "$T/o" --http none --stats none
# the HTTP address: malformed, and a port in use
expect_error "want ADDR:PORT" "$BIN/fupin-sink" --totals "ipc://$T/t3" --ctl "ipc://$T/c3" --stats none --out "$T/o" --http nonsense
expect_error "127.0.0.1:$PORT" "$BIN/fupin-sink" --totals "ipc://$T/t4" --ctl "ipc://$T/c4" --stats none --out "$T/o" --http "127.0.0.1:$PORT"
# config files: unknown key named with file and line
printf 'out = %s\nbogus = 1\n' "$T/o" > "$T/sink.conf"
expect_error "sink.conf:2" "$BIN/fupin-sink" --config "$T/sink.conf"
# one usage format and exit 2 on a usage error, for every binary and subcommand
for c in fupin-ingest fupin-normalize fupin-aggregate fupin-sink "fupin run" "fupin extract" "fupin submit" \
         "fupin status" "fupin top" "fupin keygen" fupin; do
    read -r b sub <<< "$c"
    "$BIN/$b" $sub --help > "$T/help" || fail "$c --help exits $?"
    head -1 "$T/help" | grep -Eq "^usage: $c (COMMAND )?\[options\]" || fail "$c --help: $(head -1 "$T/help")"
    if [ "$c" != fupin ]; then
        grep -q -- "--print-config" "$T/help" || fail "$c --help lists no --print-config"
    fi
    for bad in --no-such-flag "--log-level" "--config=$T/missing.conf"; do
        [ "$c" = fupin ] && [ "$bad" != --no-such-flag ] && continue
        "$BIN/$b" $sub $bad > /dev/null 2> "$T/err"; rc=$?
        [ $rc = 2 ] || { cat "$T/err"; fail "$c $bad: exit $rc, want 2"; }
        [ "$(wc -l < "$T/err")" = 1 ] || { cat "$T/err"; fail "$c $bad: not one line on stderr"; }
    done
done
"$BIN/fupin-ingest" --shards 99 2> "$T/err"; [ $? = 2 ] || fail "fupin-ingest --shards 99 is not a usage error"
"$BIN/fupin" run --help > "$T/help"
for w in --http --keep anomalies.jsonl; do grep -q -- "$w" "$T/help" || fail "fupin run --help does not mention $w"; done
echo "bad input: all rejected with one clear line"
# fupin run names every input it could not take, with the reason, and fails
head -c 3000 /bin/sh > "$T/binary.txt"
if "$BIN/fupin" run --out "$T/rj" "$REPORTS/000_9bb8ad4843e64388.txt" "$T/binary.txt" > /dev/null 2> "$T/rj.err"; then
    fail "fupin run exited 0 with a rejected input"
fi
grep -q "error: rejected $T/binary.txt: not text" "$T/rj.err" || { cat "$T/rj.err"; fail "the rejected input and its reason are not printed"; }
grep -q "1 report(s) totalled" "$T/rj.err" || fail "the good report was not totalled beside the rejected one"
# a failed run keeps its logs and says where
kept=$(sed -n "s#^fupin: the daemons' logs are kept in \(/tmp/fupin-run-[^/]*\)/.*#\1#p" "$T/rj.err")
[ -n "$kept" ] && [ -s "$kept/ingest.log" ] || { cat "$T/rj.err"; fail "a failed run does not keep its logs, or does not say where"; }
rm -rf "$kept"
grep -q "ingest at ipc://.*sink at ipc://" "$T/rj.err" || fail "fupin run does not print its endpoints"
echo "run: a rejected input is named with its reason and fails the run"
# a name over 500 bytes is refused by fupin submit itself, never cut into another report's
long=$(python3 -c "print('n' * 600)")
echo 扶贫 | "$BIN/fupin" submit --to "ipc://$T/none.ctl" --name "$long" - 2> "$T/long.err" && fail "a 600-byte name was taken"
grep -q "longer than 500 bytes" "$T/long.err" || { cat "$T/long.err"; fail "a too-long name is not refused with its reason"; }
echo "submit: a name over 500 bytes is refused, not cut"
# a user's edit of a name file: the build's gazetteer image no longer fits it, so the names are
# parsed with one warning line, and the edit counts (a name added is found)
cp -r "$SRC/data" "$T/data2"
printf '扶贫试验乡\t150522100\n' >> "$T/data2/township-names.tsv"
printf '2019年3月1日\n扶贫试验乡投入资金300万元。\n' > "$T/edit.txt"
"$BIN/fupin" extract --data "$T/data2" "$T/edit.txt" > "$T/edit.jsonl" 2> "$T/edit.err" || { cat "$T/edit.err"; fail "extract with an edited name file"; }
grep -q "parsing the name files" "$T/edit.err" || { cat "$T/edit.err"; fail "an image made from other name files is used without a word"; }
grep -q '"region_code":"150522100"' "$T/edit.jsonl" || { cat "$T/edit.jsonl"; fail "a name added to township-names.tsv is not found"; }
"$BIN/fupin" extract "$SRC/examples/reports/000_9bb8ad4843e64388.txt" > "$T/a.jsonl" 2> /dev/null
"$BIN/fupin" extract --data "$T/data2" "$SRC/examples/reports/000_9bb8ad4843e64388.txt" > "$T/b.jsonl" 2> /dev/null
cmp -s "$T/a.jsonl" "$T/b.jsonl" || fail "the parsed names give other figures than the image's"
echo "data: an edited name file is parsed, with a warning, and its names count"
