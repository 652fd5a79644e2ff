# Shared helpers for the shell tests. Every daemon a test starts is stopped
# by the trap, whatever happens.
set -u
BIN=${BIN:?BIN must point at the build folder}
SRC=${SRC:?SRC must point at the source folder}
REPORTS="$SRC/examples/reports"
T=$(mktemp -d /tmp/fupin-test-XXXXXX)
PIDS=""
cleanup() {
    local rc=$?
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    # give them 3 s to stop cleanly (and a sanitizer time to write its report)
    for _ in $(seq 30); do
        local alive=0; for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break; sleep 0.1
    done
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    # A sanitizer's report in any daemon's log fails the test (daemons started
    # by hand write their logs under $T).
    if grep -rl "Sanitizer\|runtime error:" "$T" --include='*.log' > "$T.san" 2>/dev/null; then
        while read -r f; do echo "sanitizer report in $f:"; grep -m5 -A5 "Sanitizer\|runtime error:" "$f"; done < "$T.san"
        rc=1
    fi
    rm -rf "$T" "$T.san"
    exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# free TCP port on loopback
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# wait_status EP KEY OP VALUE TIMEOUT: poll a control endpoint until the field compares true
status() { "$BIN/fupin" status "$1" 2>/dev/null; }
# pick LINE KEY: one counter of a status line; field EP KEY: of a running daemon (empty when it does not answer)
pick() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
field() { pick "$(status "$1")" "$2"; }
# wait_until SECONDS CMD...: retry CMD every 0.2 s until it succeeds
wait_until() { local n=$(( $1 * 5 )); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n - 1)); done; return 1; }
# The daemons of one pipeline on ipc:// endpoints under $1, started one by one
# so a test can kill and restart any of them: start_sink, start_shard I,
# start_worker I, start_ingest [ARGS...]. Needs NSH (shards) set.
ipc_eps() {
    RT=$1; mkdir -p "$RT"
    E_CTL=ipc://$RT/ingest.ctl E_REP=ipc://$RT/reports E_ACK=ipc://$RT/acks
    E_TOT=ipc://$RT/totals E_SCTL=ipc://$RT/sink.ctl E_STATS=ipc://$RT/stats
}
start_sink() {
    local a=(); for i in $(seq 0 $((NSH - 1))); do a+=(--snapshot "ipc://$RT/snap-$i"); done
    "$BIN/fupin-sink" --totals "$E_TOT" --ctl "$E_SCTL" --out "$RT/out" "${a[@]}" --stats "$E_STATS" \
        --http "${HTTP:-none}" --workers "${NWORKERS:-1}" 2>>"$RT/sink.log" &
    SINK_PID=$!; PIDS="$PIDS $!"
}
start_shard() {
    "$BIN/fupin-aggregate" --index "$1" --figures "ipc://$RT/fig-$1" --acks "$E_ACK" --sink "$E_TOT" \
        --snapshot "ipc://$RT/snap-$1" --db "$RT/shard-$1.db" --stats "$E_STATS" 2>>"$RT/shard-$1.log" &
    SHARD_PID[$1]=$!; PIDS="$PIDS $!"
}
start_worker() {
    local a=(); for i in $(seq 0 $((NSH - 1))); do a+=(--shard "ipc://$RT/fig-$i"); done
    "$BIN/fupin-normalize" --reports "$E_REP" "${a[@]}" --stats "$E_STATS" --instance "worker-$1" 2>>"$RT/worker-$1.log" &
    WORKER_PID[$1]=$!; PIDS="$PIDS $!"
}
start_ingest() {
    "$BIN/fupin-ingest" --ctl "$E_CTL" --reports "$E_REP" --acks "$E_ACK" --shards "$NSH" \
        --journal "$RT/ingest.db" --resend-ms "${RESEND_MS:-1500}" --stats "$E_STATS" "$@" 2>>"$RT/ingest.log" &
    INGEST_PID=$!; PIDS="$PIDS $!"
}
# settled: every report taken is done and the sink has written them all
# (each daemon is asked once, so the counters compared are of one moment)
settled() {
    local i s t d r
    i=$(status "$E_CTL"); s=$(status "$E_SCTL")
    t=$(pick "$i" taken); d=$(pick "$i" done); r=$(pick "$s" reports)
    [ -n "$t" ] && [ "$t" = "$d" ] && [ -n "$r" ] && [ "$r" -ge "$d" ] && [ "$(pick "$s" dirty)" = 0 ] &&
        [ "$(pick "$s" synced)" = "$NSH" ]
}
