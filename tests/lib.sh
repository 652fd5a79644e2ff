# Shared helpers for the shell tests. Every daemon a test starts is stopped
# by the trap, whatever happens.
set -u
BIN=${BIN:?BIN must point at the build folder}
SRC=${SRC:?SRC must point at the source folder}
REPORTS="$SRC/examples/reports"
T=$(mktemp -d /tmp/fupin-test-XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# free TCP port on loopback
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# wait_status EP KEY OP VALUE TIMEOUT: poll a control endpoint until the field compares true
status() { "$BIN/fupin-ctl" "$1" 2>/dev/null; }
