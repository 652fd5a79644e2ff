#!/usr/bin/env bash
# Is `fupin extract` output byte-identical to a reference? A speed change
# must not change one byte, but other people change the extraction rules
# at the same time, so a committed snapshot would go stale at every merge;
# the reference is therefore another build of the tree (by default the
# commit before HEAD), run on the same inputs in the same run.
#
#   bench/identical.sh BUILD [REV]        compare BUILD/fupin with REV (default HEAD~1)
#   bench/identical.sh BUILD --bin FUPIN  compare BUILD/fupin with the binary FUPIN
#   bench/identical.sh BUILD --save DIR   write BUILD/fupin's outputs to DIR
#   bench/identical.sh BUILD --dir DIR    compare BUILD/fupin with outputs saved in DIR
#
# Inputs: examples/reports/*.txt in one run (as tests/gold.sh runs them) and
# each tests/gold-dev/docs/*.txt alone with its --year from years.tsv.
# REV is built from `git archive` in a temporary folder (fupin-cli and the
# gazetteer image only), never in a worktree. Exit 0 when identical.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: identical.sh BUILD [REV | --bin FUPIN | --save DIR | --dir DIR]}" && pwd)
shift
mode=rev arg=HEAD~1
if [ $# -ge 1 ]; then
    case $1 in
    --bin | --save | --dir) mode=${1#--} arg=${2:?$1 needs an argument} ;;
    *) arg=$1 ;;
    esac
fi

# outputs BIN DIR: every input's figures into DIR
outputs() {
    local bin=$1 dir=$2 f y
    mkdir -p "$dir"
    "$bin" extract --data "$SRC/data" "$SRC"/examples/reports/*.txt > "$dir/seeds.jsonl"
    for f in "$SRC"/tests/gold-dev/docs/*.txt; do
        y=$(awk -F'\t' -v d="$(basename "$f")" '$1 == d { print $2 }' "$SRC/tests/gold-dev/years.tsv")
        "$bin" extract --data "$SRC/data" ${y:+--year "$y"} "$f" > "$dir/$(basename "$f" .txt).jsonl"
    done
}

T=$(mktemp -d /tmp/fupin-identical-XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ "$mode" = save ]; then
    outputs "$BUILD/fupin" "$arg"
    echo "saved $(cat "$arg"/*.jsonl | wc -l) figures in $arg"
    exit 0
fi
outputs "$BUILD/fupin" "$T/new"
case $mode in
dir) ref=$arg ;;
bin) outputs "$arg" "$T/ref" && ref=$T/ref ;;
rev)
    mkdir "$T/src"
    git -C "$SRC" archive "$arg" | tar -x -C "$T/src"
    cmake -S "$T/src" -B "$T/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
    cmake --build "$T/build" -j2 --target fupin-cli gazetteer_image > /dev/null
    outputs "$T/build/fupin" "$T/ref"
    ref=$T/ref
    ;;
esac
if diff -r "$ref" "$T/new" > "$T/diff"; then
    echo "identical: $(cat "$T"/new/*.jsonl | wc -l) figures in $(ls "$T/new" | wc -l) outputs ($mode $arg)"
else
    head -40 "$T/diff"
    echo "DIFFERENT from $mode $arg" >&2
    exit 1
fi
