#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test. FUPIN_SANITIZE=1 builds with ASan+UBSan.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test
dir=build; flags=""
if [ "${FUPIN_SANITIZE:-0}" = 1 ]; then
    dir=build-asan; flags="-DFUPIN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
    # the plain build repeats the fault test 5 times; under the sanitizers one round covers the code
    export FAULT_ROUNDS=${FAULT_ROUNDS:-1}
    # and a long report of 8 MB shows the one-pass handling as well as 50 MB, at a fifth of the time
    export LARGE_MB=${LARGE_MB:-8}
fi
cmake -S . -B "$dir" $flags >/dev/null
cmake --build "$dir" -j"$(nproc)"
cd "$dir" && ctest --output-on-failure
