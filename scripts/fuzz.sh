#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (a build folder of
# its own, -DFUPIN_FUZZ=ON: ASan, UBSan and coverage on the libraries) and
# runs each on its committed corpus (tests/fuzz/corpus/TARGET).
#
#   scripts/fuzz.sh [--time SECONDS] [--build DIR] [TARGET...]   on demand: 600 s a target by default
#   scripts/fuzz.sh --ci [--build DIR]                            the `fuzz` test: 2,000 runs a target
#
# Targets: record (msgpack record decoder), extract (figure extractor),
# decode (encoding decoder), figjson (curated-figure parser), store (store
# apply). New inputs an on-demand run finds go to DIR/fuzz-out/TARGET
# (merge the interesting ones into the corpus with -merge=1); a crash goes
# to DIR/fuzz-out/TARGET-crashes and fails the run. --ci starts from the
# committed corpus alone, with a fixed seed, so it is the same every time.
# Without clang's libFuzzer it says "skipped: ..." and exits 0.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build-fuzz TIME=600 CI=0 TARGETS=()
while [ $# -gt 0 ]; do
    case $1 in
        --ci) CI=1 ;;
        --time) TIME=$2; shift ;;
        --build) BUILD=$2; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) TARGETS+=("$1") ;;
    esac
    shift
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(record extract decode figjson store)

CC=${FUZZ_CC:-clang}
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$probe/p.c"
if ! command -v "$CC" > /dev/null || ! "$CC" -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2> /dev/null; then
    echo "skipped: $CC with libFuzzer is not available (apt-get install clang, or scripts/deps.sh --test)"
    exit 0
fi

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=$CC cmake -S "$SRC" -B "$BUILD" -DFUPIN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$probe/cmake.log" 2>&1 ||
        { cat "$probe/cmake.log"; exit 1; }
fi
cmake --build "$BUILD" -j2 --target $(printf 'fuzz_%s ' "${TARGETS[@]}") > "$probe/build.log" 2>&1 ||
    { tail -30 "$probe/build.log"; exit 1; }

failed=0
for t in "${TARGETS[@]}"; do
    corpus=$SRC/tests/fuzz/corpus/$t out=$BUILD/fuzz-out/$t crashes=$BUILD/fuzz-out/$t-crashes
    [ -d "$corpus" ] || { echo "no corpus $corpus"; exit 1; }
    if [ $CI = 1 ]; then
        out=$probe/$t; budget=(-runs=2000 -seed=1)
    else
        budget=(-max_total_time="$TIME")
    fi
    mkdir -p "$out" "$crashes"
    # new inputs go to $out (the first folder); the committed corpus is only read
    if "$BUILD/tests/fuzz/fuzz_$t" "${budget[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$out" "$corpus" > "$crashes/log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$crashes/log")
        secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$crashes/log")
        echo "fuzz $t: $execs runs, ${secs} execs/s, no crash"
    else
        failed=1
        echo "fuzz $t: FAILED"; grep -m1 -A15 "ERROR\|runtime error\|deadly signal" "$crashes/log" || tail -20 "$crashes/log"
        ls "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* "$crashes"/oom-* 2> /dev/null
    fi
done
exit $failed
