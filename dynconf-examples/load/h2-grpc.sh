#!/usr/bin/env bash
# HTTP/2 and gRPC through the gateway against a direct connection to the same upstream (issue 17's
# benchmark). HTTP/2: h2load (nghttp2-client) with h2c prior knowledge, directly to an nginx that
# speaks h2c, and through the gateway (--h2c true) to the same nginx over HTTP/1.1 keep-alive.
# gRPC: GrpcLoad (jmh jar) unary calls directly to its gRPC server and through the gateway
# (upstream scheme grpc). Alternating, ROUNDS times; prints each run and the medians.
#
#   dynconf-examples/load/h2-grpc.sh
#   DURATION=10 ROUNDS=3 CLIENTS=16 STREAMS=8 GRPC_CONCURRENCY=64 dynconf-examples/load/h2-grpc.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="$ROOT/dynconf-examples/gateway/target/dynconf-gateway.jar"
BENCH="$ROOT/jmh/target/benchmarks.jar"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-16}"          # h2load connections
STREAMS="${STREAMS:-8}"           # h2load concurrent streams per connection
GRPC_CONCURRENCY="${GRPC_CONCURRENCY:-64}"
WARMUP="${WARMUP:-15}"            # seconds of unmeasured load on the gateway first (JIT)
JVM_OPTS="${JVM_OPTS:--Xms1g -Xmx1g}"
TMP="$(mktemp -d /tmp/dynconf-h2.XXXXXX)"
PIDS=()

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  if [[ $rc -ne 0 ]]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
start() { local name=$1; shift; "$@" >"$TMP/$name.out" 2>&1 & PIDS+=("$!"); }
wait_port() {  # wait_port PORT SECONDS
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || { log "nothing listens on $1 after $2 s"; return 1; }
    sleep 0.2
  done
}

command -v h2load >/dev/null && command -v nginx >/dev/null || {
  if [[ $EUID -eq 0 ]]; then SUDO=(); else SUDO=(sudo -n); fi
  "${SUDO[@]}" apt-get install -y nghttp2-client nginx-light >"$TMP/apt.out" 2>&1
}
[[ -f "$JAR" ]] || (cd "$ROOT" && mvn -q -pl dynconf-examples/gateway -am package -DskipTests)
[[ -f "$BENCH" ]] || (cd "$ROOT" && mvn -q -pl jmh -am package -DskipTests)

# nginx upstream: 1 worker; HTTP/1.1 on 18281 (the gateway's upstream), h2c on 18282 (direct)
cat >"$TMP/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  http2_max_concurrent_streams 256;
  server { listen 127.0.0.1:18281; listen 127.0.0.1:18282 http2; location / { return 200 "ok\n"; } }
}
EOF
mkdir -p "$TMP/logs"
start nginx nginx -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" -g "daemon off;"
start grpc java -cp "$BENCH" io.dynconf.jmh.GrpcLoad server 18283
wait_port 18281 10
wait_port 18283 30

cat >"$TMP/apisix.yaml" <<'EOF'
routes:
  - id: api
    uri: /api/*
    upstream:
      type: roundrobin
      nodes:
        "127.0.0.1:18281": 1
  - id: grpc
    uri: /grpc.Load/*
    upstream:
      scheme: grpc
      nodes:
        "127.0.0.1:18283": 1
#END
EOF
# shellcheck disable=SC2086
start gateway java $JVM_OPTS -jar "$JAR" --listen 127.0.0.1:18290 --admin-listen 127.0.0.1:18291 --echo-listen off \
  --h2c true --standalone "$TMP/apisix.yaml" --data-dir "$TMP/data" --admin-key h2-grpc-load-key-0123456789
wait_port 18290 60

h2() {  # h2 URL: requests/s of one h2load run
  h2load -c"$CLIENTS" -m"$STREAMS" -D"$DURATION" --warm-up-time=3 "$1" 2>&1 | tee -a "$TMP/h2load.log" \
    | awk '/^finished in/ { gsub(",", "", $4); print $4 }'
}
grpc() {  # grpc HOST:PORT: "calls/s p50_us p99_us errors"
  java -cp "$BENCH" io.dynconf.jmh.GrpcLoad client "$1" "$DURATION" "$GRPC_CONCURRENCY" | tail -1
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

log "warm-up (not measured): the gateway's JIT"
h2load -c"$CLIENTS" -m"$STREAMS" -D"$WARMUP" "http://127.0.0.1:18290/api/x" >/dev/null 2>&1
java -cp "$BENCH" io.dynconf.jmh.GrpcLoad client 127.0.0.1:18290 "$WARMUP" "$GRPC_CONCURRENCY" >/dev/null 2>&1
: >"$TMP/h2-direct" ; : >"$TMP/h2-gateway"; : >"$TMP/grpc-direct"; : >"$TMP/grpc-gateway"
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round: h2 direct";   h2 "http://127.0.0.1:18282/api/x" | tee -a "$TMP/h2-direct" >&2
  log "round $round: h2 gateway";  h2 "http://127.0.0.1:18290/api/x" | tee -a "$TMP/h2-gateway" >&2
  log "round $round: grpc direct"; grpc 127.0.0.1:18283 | tee -a "$TMP/grpc-direct" >&2
  log "round $round: grpc gateway"; grpc 127.0.0.1:18290 | tee -a "$TMP/grpc-gateway" >&2
done

hd=$(median <"$TMP/h2-direct"); hg=$(median <"$TMP/h2-gateway")
gd=$(awk '{print $1}' "$TMP/grpc-direct" | median); gg=$(awk '{print $1}' "$TMP/grpc-gateway" | median)
echo "# HTTP/2 and gRPC through the gateway, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "h2load -c$CLIENTS -m$STREAMS -D$DURATION (h2c): direct nginx $hd req/s, through the gateway $hg req/s, ratio $(awk -v a="$hg" -v b="$hd" 'BEGIN { printf "%.2f", a / b }')"
echo "grpc unary x$GRPC_CONCURRENCY, ${DURATION}s: direct $gd calls/s, through the gateway $gg calls/s, ratio $(awk -v a="$gg" -v b="$gd" 'BEGIN { printf "%.2f", a / b }')"
echo "grpc p50/p99 us (medians of runs): direct $(awk '{print $2}' "$TMP/grpc-direct" | median)/$(awk '{print $3}' "$TMP/grpc-direct" | median), gateway $(awk '{print $2}' "$TMP/grpc-gateway" | median)/$(awk '{print $3}' "$TMP/grpc-gateway" | median); errors: $(awk '{s += $4} END {print s}' "$TMP/grpc-direct" "$TMP/grpc-gateway")"
