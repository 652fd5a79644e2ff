#!/usr/bin/env bash
# The pipeline across hosts, with CURVE: ingest, two normalize workers, two
# aggregate shards, the sink, a client and a rogue each in its own network
# namespace (one veth pair each to a bridge in a hub namespace, private
# addresses made here; the host's own network is not touched), talking
# tcp:// with keys made by `fupin keygen` and ZAP allow-lists per endpoint.
#  1. The samples submitted by the listed client settle to a totals.csv
#     equal, byte for byte, to a plain single-host `fupin run`.
#  2. Refused, logged with their key and counted: a rogue `fupin submit`
#     with an unlisted key (its forged report never arrives), a worker's
#     key used to submit (listed, but not for that endpoint), and a rogue
#     normalize worker with an unlisted key (it gets no report, sends no
#     figure, and its counters do not reach the sink).
# Everything is torn down at the end, even on failure. Skips (exit 0,
# "skipped: ...") where network namespaces cannot be made.
skip() { echo "skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root to make network namespaces"
command -v ip > /dev/null || skip "no ip command (iproute2)"
. "$(dirname "$0")/lib.sh"

P=fp$$ # names of this run's namespaces and links
NODES="ingest w0 w1 a0 a1 sink client rogue"
declare -A IP=([ingest]=10.231.0.1 [w0]=10.231.0.2 [w1]=10.231.0.3 [a0]=10.231.0.4 [a1]=10.231.0.5
               [sink]=10.231.0.6 [client]=10.231.0.7 [rogue]=10.231.0.9)
MADE=""
netns_down() {
    # the daemons first (they live in the namespaces), then the namespaces
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for _ in $(seq 30); do
        local alive=0; for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break; sleep 0.1
    done
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    # anything still running in this run's namespaces was started by it
    for ns in $MADE; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
}
on_exit() { local rc=$?; netns_down; (exit $rc); cleanup; }
trap on_exit EXIT
in_ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

ip netns add "$P-hub" 2>"$T/netns.err" || skip "cannot make a network namespace: $(cat "$T/netns.err")"
MADE="$P-hub"
in_ns hub ip link add br0 type bridge || fail "bridge"
in_ns hub ip link set br0 up
in_ns hub ip link set lo up
i=0
for n in $NODES; do
    ip netns add "$P-$n" || fail "netns $n"
    MADE="$MADE $P-$n"
    # one veth pair: eth0 in the node, h$i on the hub's bridge
    ip link add "$P-$i" type veth peer name "$P-h$i" || fail "veth for $n"
    ip link set "$P-$i" netns "$P-$n" name eth0
    ip link set "$P-h$i" netns "$P-hub" name "h$i"
    in_ns hub ip link set "h$i" master br0 up
    in_ns "$n" ip link set lo up
    in_ns "$n" ip addr add "${IP[$n]}/24" dev eth0
    in_ns "$n" ip link set eth0 up
    i=$((i + 1))
done
echo "hosts: $(echo $NODES | wc -w) network namespaces on a bridge, 10.231.0.0/24"

# Keys: one pair per daemon, one for the client and one for the rogue.
K=$T/keys
for n in ingest w0 w1 a0 a1 sink client rogue; do "$BIN/fupin" keygen "$K" "$n" > /dev/null || fail "keygen $n"; done
[ "$(stat -c %a "$K/ingest.key")" = 600 ] || fail "a secret key is not 0600"

ep() { echo "tcp://${IP[$1]}:$2"; } # ep NODE PORT
E_CTL=$(ep ingest 7100) E_REP=$(ep ingest 7101) E_ACK=$(ep ingest 7102)
E_TOT=$(ep sink 7110) E_SCTL=$(ep sink 7111) E_STATS=$(ep sink 7112)
NSH=2
PIPE="ingest,w0,w1,a0,a1"
start_in() { # start_in NODE LOG CMD...: a daemon in its namespace
    local n=$1 log=$2; shift 2
    # `ip netns exec` itself, not a shell function, in the background: it
    # execs the daemon, so $! is the daemon's pid (a function would leave
    # a subshell's pid and the daemon orphaned)
    ip netns exec "$P-$n" "$@" > /dev/null 2>>"$T/$log.log" &
    PIDS="$PIDS $!"
}
start_in sink sink "$BIN/fupin-sink" --totals "$E_TOT" --ctl "$E_SCTL" --stats "$E_STATS" \
    --snapshot "$(ep a0 7130)" --snapshot "$(ep a1 7130)" --out "$T/out" --http none --workers 2 \
    --key "$K/sink.key" --allow "$E_TOT=a0,a1" --allow "$E_SCTL=client" --allow "$E_STATS=$PIPE" \
    --server-key "$(ep a0 7130)=a0" --server-key "$(ep a1 7130)=a1"
for s in 0 1; do
    start_in "a$s" "shard-$s" "$BIN/fupin-aggregate" --index $s --figures "$(ep a$s 7120)" \
        --snapshot "$(ep a$s 7130)" --acks "$E_ACK" --sink "$E_TOT" --stats "$E_STATS" --db "$T/shard-$s.db" \
        --key "$K/a$s.key" --allow "$(ep a$s 7120)=w0,w1" --allow "$(ep a$s 7130)=sink" \
        --server-key "$E_ACK=ingest" --server-key sink
done
start_worker_in() { # start_worker_in NODE KEYNAME
    start_in "$1" "$1" "$BIN/fupin-normalize" --reports "$E_REP" --shard "$(ep a0 7120)" --shard "$(ep a1 7120)" \
        --stats "$E_STATS" --instance "$1" --key "$K/$2.key" \
        --server-key "$E_REP=ingest" --server-key "$(ep a0 7120)=a0" --server-key "$(ep a1 7120)=a1" \
        --server-key "$E_STATS=sink"
}
start_worker_in w0 w0
start_worker_in w1 w1
# the rogue: a real normalize worker that knows every public key, but whose own key nobody lists
start_worker_in rogue rogue
start_in ingest ingest "$BIN/fupin-ingest" --ctl "$E_CTL" --reports "$E_REP" --acks "$E_ACK" --shards $NSH \
    --journal "$T/ingest.db" --resend-ms 1500 --stats "$E_STATS" \
    --key "$K/ingest.key" --allow "$E_CTL=client" --allow "$E_REP=w0,w1" --allow "$E_ACK=a0,a1" \
    --server-key "$E_STATS=sink"

# The client's view (lib.sh's settled asks status()).
CLIENT=(--key "$K/client.key" --server-key "$E_CTL=ingest" --server-key "$E_SCTL=sink")
status() { in_ns client "$BIN/fupin" status "${CLIENT[@]}" "$1" 2>/dev/null; }
wait_until 20 status "$E_CTL" > /dev/null || { cat "$T/ingest.log"; fail "ingest does not answer the listed client"; }
wait_until 20 status "$E_SCTL" > /dev/null || { cat "$T/sink.log"; fail "the sink does not answer the listed client"; }

# Refused: a rogue submit (a one-line forgery under a real report's name)
# and a worker's key on the submit endpoint.
head -c 300 "$REPORTS/000_9bb8ad4843e64388.txt" > "$T/000_9bb8ad4843e64388.txt"
in_ns rogue "$BIN/fupin" submit --to "$E_CTL" --timeout 2000 --key "$K/rogue.key" --server-key "$E_CTL=ingest" \
    "$T/000_9bb8ad4843e64388.txt" > "$T/rogue-submit.txt" 2>&1 && fail "a rogue submit was answered: $(cat "$T/rogue-submit.txt")"
in_ns rogue "$BIN/fupin" submit --to "$E_CTL" --timeout 2000 --key "$K/w0.key" --server-key "$E_CTL=ingest" \
    "$T/000_9bb8ad4843e64388.txt" > "$T/w0-submit.txt" 2>&1 && fail "a worker's key could submit: $(cat "$T/w0-submit.txt")"

# The listed client submits the samples.
in_ns client "$BIN/fupin" submit --to "$E_CTL" "${CLIENT[@]}" "$REPORTS"/*.txt > "$T/submit.txt" 2>&1 ||
    { cat "$T/submit.txt"; fail "the listed client's submit"; }
wait_until 120 settled || { status "$E_CTL"; status "$E_SCTL"; tail -5 "$T"/*.log; fail "did not settle"; }

# The reference: the same reports through one host's pipeline on ipc://.
"$BIN/fupin" run --workers 2 --shards 2 --out "$T/ref" "$REPORTS"/*.txt > /dev/null 2>"$T/ref.err" ||
    { cat "$T/ref.err"; fail "fupin run"; }
cmp "$T/ref/totals.csv" "$T/out/totals.csv" || { diff "$T/ref/totals.csv" "$T/out/totals.csv" | head; fail "totals across hosts differ from fupin run"; }
i_status=$(status "$E_CTL")
[ "$(pick "$i_status" taken)" = 5 ] || fail "ingest took $(pick "$i_status" taken) reports, not the 5 samples: $i_status"

# Each refusal is in the refusing daemon's log, with the key, once.
key() { sed -n 's/^ *public-key = "\(.*\)"/\1/p' "$K/$1.pub"; }
refused() { # refused LOG KEYNAME ENDPOINT
    local n; n=$(grep -cF "refused the key $(key "$2") from ${IP[rogue]} on $3:" "$T/$1.log")
    [ "$n" = 1 ] || fail "$1.log has $n lines refusing $2 on $3 (want 1): $(grep CURVE "$T/$1.log" | head -5)"
}
refused ingest rogue "$E_CTL"
refused ingest w0 "$E_CTL"
refused ingest rogue "$E_REP"
refused shard-0 rogue "$(ep a0 7120)"
refused shard-1 rogue "$(ep a1 7120)"
refused sink rogue "$E_STATS"
grep -q "admitted client" "$T/ingest.log" || fail "ingest did not log the client it admitted"
r=$(pick "$i_status" auth_refused)
[ -n "$r" ] && [ "$r" -ge 3 ] || fail "ingest counts $r refusals: $i_status"
[ "$(pick "$(status "$E_SCTL")" auth_refused)" -ge 1 ] || fail "the sink counts no refusal"
# the rogue worker got nothing and the sink never heard of it
grep -q "INFO report " "$T/rogue.log" && fail "the rogue worker was given a report"
in_ns client "$BIN/fupin" top --once --sink "$E_SCTL" "${CLIENT[@]}" > "$T/top.txt" 2>&1 || fail "fupin top: $(cat "$T/top.txt")"
grep -q rogue "$T/top.txt" && fail "the rogue's counters reached the sink: $(cat "$T/top.txt")"
grep -q "auth_refused" "$T/top.txt" || fail "fupin top shows no auth_refused: $(cat "$T/top.txt")"
echo "hosts: $(($(wc -l < "$T/out/totals.csv") - 1)) rows over tcp with CURVE = fupin run; refused and logged once:" \
     "rogue submit, worker key on ctl, rogue worker on reports, figures (2 shards) and stats"
