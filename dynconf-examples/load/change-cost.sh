#!/usr/bin/env bash
# What one configuration change costs the gateway process (issue 21, target 2): gateway CPU per
# route change through the admin API at ROUTES routes, in standalone-file and etcd mode, with no
# proxy traffic beside it. See README.md here.
#
#   dynconf-examples/load/change-cost.sh                  # both modes, about 6 minutes
#   ROUTES=1000 RATE=100 WARM=90 DURATION=15 ROUNDS=3 MODES="file etcd" dynconf-examples/load/change-cost.sh
#
# Per mode: start the gateway holding ROUTES routes, churn WARM seconds unmeasured (the JIT), then
# ROUNDS times: IDLE seconds without changes (the process's own idle CPU), DURATION seconds of RATE
# changes per second; cost per change = (CPU during the churn - idle CPU per second x its length) /
# changes. etcd's CPU per change is reported beside it. The last round's per-thread CPU says where
# it went. Prints one line per round and a last line per mode with the medians.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="${JAR:-$ROOT/dynconf-examples/gateway/target/dynconf-gateway.jar}"
ROUTES="${ROUTES:-1000}"
RATE="${RATE:-100}"
CONNS="${CONNS:-4}"
WARM="${WARM:-90}"          # the JIT compiles the admin path for 60-90 s at 100 changes/s
IDLE="${IDLE:-5}"
DURATION="${DURATION:-15}"
ROUNDS="${ROUNDS:-3}"
MODES="${MODES:-file etcd}"
JVM_OPTS="${JVM_OPTS:--Xms1g -Xmx1g}"
GW_LISTEN="127.0.0.1:18090"
GW_ADMIN="127.0.0.1:18190"
ETCD_URL="http://127.0.0.1:23790"
KEY="load-run-admin-key-0123456789"

source "$HERE/lib.sh"
load_init dynconf-change-cost
wait_admin() {
  local deadline=$((SECONDS + 60))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-KEY: $KEY" "http://$GW_ADMIN/apisix/admin/routes" || true)" == 200 ]]; do
    kill -0 "$1" 2>/dev/null || { log "the gateway exited:"; tail -20 "$TMP/gw-$2.out" >&2; exit 1; }
    ((SECONDS < deadline)) || { log "the admin API did not answer within 60 s"; exit 1; }
    sleep 0.2
  done
}
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

[[ " $MODES " == *" etcd "* ]] && load_install etcd=etcd-server
for cmd in python3 curl java; do command -v $cmd >/dev/null || { echo "change-cost.sh: $cmd is required" >&2; exit 1; }; done
if [[ ! -f "$JAR" ]]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -pl dynconf-examples/gateway -am package -DskipTests)
fi
for port in 18090 18190 23790 23800; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "change-cost.sh: port $port is in use" >&2; exit 1; fi
done
HZ="$(getconf CLK_TCK)"
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ROUTES=$ROUTES RATE=$RATE CONNS=$CONNS WARM=$WARM IDLE=$IDLE DURATION=$DURATION ROUNDS=$ROUNDS JVM_OPTS=$JVM_OPTS"

for mode in $MODES; do
  ETCD_PID=""
  if [[ $mode == file ]]; then
    python3 "$HERE/genconf.py" gateway-yaml "$TMP/apisix.yaml" "$ROUTES"
    start gw-file java $JVM_OPTS -jar "$JAR" --listen "$GW_LISTEN" --admin-listen "$GW_ADMIN" --admin-key "$KEY" \
      --echo-listen off --data-dir "$TMP/gw-file" --standalone "$TMP/apisix.yaml"
    GW_PID=$LAST_PID
    wait_admin "$GW_PID" file
  elif [[ $mode == etcd ]]; then
    start etcd etcd --name cost --data-dir "$TMP/etcd" --listen-client-urls "$ETCD_URL" \
      --advertise-client-urls "$ETCD_URL" --listen-peer-urls http://127.0.0.1:23800 \
      --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster cost=http://127.0.0.1:23800
    ETCD_PID=$LAST_PID
    start gw-etcd java $JVM_OPTS -jar "$JAR" --listen "$GW_LISTEN" --admin-listen "$GW_ADMIN" --admin-key "$KEY" \
      --echo-listen off --data-dir "$TMP/gw-etcd" --etcd "$ETCD_URL" --prefix /apisix
    GW_PID=$LAST_PID
    wait_admin "$GW_PID" etcd
    python3 "$HERE/admin.py" seed --admin "$GW_ADMIN" --key "$KEY" --routes "$ROUTES" >&2
  else
    echo "change-cost.sh: unknown mode $mode (file, etcd)" >&2; exit 1
  fi
  log "$mode: $ROUTES routes served; warming up with $WARM s of changes"
  python3 "$HERE/admin.py" churn --admin "$GW_ADMIN" --key "$KEY" --rate "$RATE" --conns "$CONNS" \
    --duration "$WARM" --out "$TMP/warm-$mode.json" >/dev/null
  costs=() etcd_costs=()
  for round in $(seq "$ROUNDS"); do
    i0=$(ticks "$GW_PID"); sleep "$IDLE"; i1=$(ticks "$GW_PID")
    python3 "$HERE/threadcpu.py" snap "$GW_PID" "$TMP/threads-before.json"
    g0=$(ticks "$GW_PID"); e0=0; [[ -n $ETCD_PID ]] && e0=$(ticks "$ETCD_PID")
    t0=$(date +%s.%N)
    python3 "$HERE/admin.py" churn --admin "$GW_ADMIN" --key "$KEY" --rate "$RATE" --conns "$CONNS" \
      --duration "$DURATION" --out "$TMP/churn-$mode-$round.json" >/dev/null
    t1=$(date +%s.%N)
    g1=$(ticks "$GW_PID"); e1=0; [[ -n $ETCD_PID ]] && e1=$(ticks "$ETCD_PID")
    python3 "$HERE/threadcpu.py" snap "$GW_PID" "$TMP/threads-after.json"
    read -r changes failed put_p50 put_p99 < <(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]));
print(r["changes"], r["failed"], r["put_p50_ms"], r["put_p99_ms"])' "$TMP/churn-$mode-$round.json")
    ((failed == 0)) || { log "$mode round $round: $failed admin PUTs failed:"; cat "$TMP/churn-$mode-$round.json" >&2; exit 1; }
    cost=$(awk -v g="$((g1 - g0))" -v i="$((i1 - i0))" -v idle="$IDLE" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" \
      -v n="$changes" -v hz="$HZ" 'BEGIN { printf "%.0f", (g - i * t / idle) / hz / n * 1e6 }')
    ecost=$(awk -v e="$((e1 - e0))" -v n="$changes" -v hz="$HZ" 'BEGIN { printf "%.0f", e / hz / n * 1e6 }')
    costs+=("$cost"); etcd_costs+=("$ecost")
    echo "$mode round $round: $changes changes, gateway $cost µs CPU per change (idle $(((i1 - i0) * 1000 / HZ)) ms in ${IDLE} s subtracted), etcd $ecost µs; PUT p50 $put_p50 ms p99 $put_p99 ms; load $(cut -d' ' -f1 /proc/loadavg)"
  done
  echo "$mode: where the last round's CPU went, per thread group:"
  python3 "$HERE/threadcpu.py" diff "$TMP/threads-before.json" "$TMP/threads-after.json" 12 | sed 's/^/  /'
  mcost=$(printf '%s\n' "${costs[@]}" | median)
  metcd=$(printf '%s\n' "${etcd_costs[@]}" | median)
  echo "$mode: routes $ROUTES, rate $RATE/s, gateway CPU per change median $mcost µs (rounds: ${costs[*]}), etcd CPU per change median $metcd µs"
  stop "$GW_PID"
  if [[ -n $ETCD_PID ]]; then stop "$ETCD_PID"; fi
done
