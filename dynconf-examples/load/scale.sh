#!/usr/bin/env bash
# The gateway at 100,000 routes on etcd (issue 21, target 3): bulk writes per second, start to
# serving, RSS, a route PUT and an upstream PUT referenced by every route (each answered once the
# gateway serves it), and the gateway's CPU per change. See README.md here.
#
#   dynconf-examples/load/scale.sh                      # about 3 minutes
#   ROUTES=100000 WRITES=200 CONNS=2 JVM_OPTS="" dynconf-examples/load/scale.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="${JAR:-$ROOT/dynconf-examples/gateway/target/dynconf-gateway.jar}"
ROUTES="${ROUTES:-100000}"
WRITES="${WRITES:-200}"       # sequential route PUTs measured (then WRITES/20 PUTs of the upstream all routes use)
CONNS="${CONNS:-2}"           # bulk seed connections
JVM_OPTS="${JVM_OPTS:-}"      # the JVM's defaults unless set: RSS is what the gateway takes by itself
GW_LISTEN="127.0.0.1:18090"
GW_ADMIN="127.0.0.1:18190"
ETCD_URL="http://127.0.0.1:23790"
KEY="load-run-admin-key-0123456789"

source "$HERE/lib.sh"
load_init dynconf-scale
now_ms() { date +%s%3N; }
start_gateway() {  # sets GW_PID
  # shellcheck disable=SC2086
  start "gw-$1" java $JVM_OPTS -jar "$JAR" --listen "$GW_LISTEN" --admin-listen "$GW_ADMIN" --admin-key "$KEY" \
    --echo-listen off --data-dir "$TMP/gw" --etcd "$ETCD_URL" --prefix /apisix
  GW_PID=$LAST_PID
}
# the last route seeded answers something other than 404 (502: its upstream is not running) once served
wait_serving() {
  local deadline=$((SECONDS + 120)) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://$GW_LISTEN/svc$((ROUTES - 1))/x" || true)
    [[ $code != 000 && $code != 404 ]] && return 0
    kill -0 "$GW_PID" 2>/dev/null || { log "the gateway exited:"; tail -20 "$TMP/gw-$1.out" >&2; exit 1; }
    ((SECONDS < deadline)) || { log "route svc$((ROUTES - 1)) not served within 120 s (last answer $code)"; exit 1; }
    sleep 0.05
  done
}

load_install etcd=etcd-server
for cmd in python3 curl java; do command -v $cmd >/dev/null || { echo "scale.sh: $cmd is required" >&2; exit 1; }; done
if [[ ! -f "$JAR" ]]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -pl dynconf-examples/gateway -am package -DskipTests)
fi
for port in 18090 18190 23790 23800; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "scale.sh: port $port is in use" >&2; exit 1; fi
done
((ROUTES >= 2)) || { echo "scale.sh: ROUTES must be at least 2" >&2; exit 1; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1), $(etcd --version | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ROUTES=$ROUTES WRITES=$WRITES CONNS=$CONNS JVM_OPTS=$JVM_OPTS"

start etcd etcd --name scale --data-dir "$TMP/etcd" --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
  --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
  --initial-cluster scale=http://127.0.0.1:23800 --quota-backend-bytes 8589934592
ETCD_PID=$LAST_PID
start_gateway seed
until [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-KEY: $KEY" "http://$GW_ADMIN/apisix/admin/routes" || true)" == 200 ]]; do
  kill -0 "$GW_PID" 2>/dev/null || { log "the gateway exited:"; tail -20 "$TMP/gw-seed.out" >&2; exit 1; }
  sleep 0.2
done
log "writing $ROUTES routes through the bulk endpoint"
python3 "$HERE/admin.py" bulkseed --admin "$GW_ADMIN" --key "$KEY" --routes "$ROUTES" --conns "$CONNS" --out "$TMP/bulk.json"
wait_serving seed
stop "$GW_PID"

log "restarting the gateway on $ROUTES routes"
t0=$(now_ms)
start_gateway main
wait_serving main
t1=$(now_ms)
sleep 5
rss=$(rss_mb "$GW_PID")
echo "start to serving: $((t1 - t0)) ms (JVM start included); RSS 5 s later: $rss MB"

# one unmeasured pass for the JIT, then the measured ones: route PUTs alone, then upstream PUTs alone
python3 "$HERE/admin.py" writes --admin "$GW_ADMIN" --key "$KEY" -n "$WRITES" --upstream-every 0 >/dev/null
g0=$(ticks "$GW_PID"); e0=$(ticks "$ETCD_PID")
python3 "$HERE/admin.py" writes --admin "$GW_ADMIN" --key "$KEY" -n "$WRITES" --upstream-every 0 --out "$TMP/routes.json"
g1=$(ticks "$GW_PID"); e1=$(ticks "$ETCD_PID")
python3 "$HERE/admin.py" writes --admin "$GW_ADMIN" --key "$KEY" -n "$(( (WRITES + 19) / 20 ))" --upstream-every 1 --out "$TMP/upstreams.json"
g2=$(ticks "$GW_PID")
hz=$(getconf CLK_TCK)
python3 - "$TMP/bulk.json" "$TMP/routes.json" "$TMP/upstreams.json" "$((g1 - g0))" "$((e1 - e0))" "$((g2 - g1))" "$hz" \
  "$((t1 - t0))" "$rss" "$ROUTES" <<'EOF'
import json, sys
bulk, r, u = (json.load(open(f)) for f in sys.argv[1:4])
g, e, gu, hz, start_ms, rss, routes = (int(x) for x in sys.argv[4:11])
for w in (r, u):
    if w["failed"]:
        sys.exit(f"scale.sh: {w['failed']} PUTs failed: {w['errors']}")
n, nu = r["route_puts"], u["upstream_puts"]
print(f"routes {routes}: bulk {bulk['routes_per_s']} routes/s; start to serving {start_ms} ms; RSS {rss} MB; "
      f"route PUT p50 {r['route_p50_ms']} p99 {r['route_p99_ms']} ms, gateway CPU {g / hz / n * 1e6:.0f} µs per "
      f"route PUT (etcd {e / hz / n * 1e6:.0f} µs); upstream PUT (every route uses it) p50 {u['upstream_p50_ms']} "
      f"max {u['upstream_max_ms']} ms, gateway CPU {gu / hz / nu * 1e3:.0f} ms each")
EOF
