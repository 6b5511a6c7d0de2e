#!/usr/bin/env bash
# Gateway vs nginx under wrk (issue 8's load part): requests/s and p99 with 1 and 1,000 routes,
# with 100 route changes/s during the load, and admin PUT -> visible latency. See README.md here.
#
#   dynconf-examples/load/run.sh            # the whole run (about 6-8 minutes)
#   DURATION=12 WARMUP=10 GW_WARMUP=30 CHURN_WARMUP=90 ROUNDS=2 CONNS=64 THREADS=2 ETCD=1 dynconf-examples/load/run.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="$ROOT/dynconf-examples/gateway/target/dynconf-gateway.jar"
DURATION="${DURATION:-12}"      # seconds of each measured wrk run
WARMUP="${WARMUP:-10}"          # seconds of the warm-up wrk run before each measured nginx case
GW_WARMUP="${GW_WARMUP:-30}"    # the same before each gateway case: the JIT is still compiling after 10 s
                                # (CPU per request falls ~25% from the 1st to the 4th 10 s run); a serving gateway is warm
ROUNDS="${ROUNDS:-2}"           # each case this many times, interleaved; the table shows medians
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
RATE="${RATE:-100}"             # route changes per second during the churn case
CHURN_WARMUP="${CHURN_WARMUP:-90}" # seconds of load and changes before the churn case is measured: the JIT
                                # compiles the admin path for 60-90 s at 100 changes/s (change-cost.sh)
CHURN_CONNS="${CHURN_CONNS:-4}" # keep-alive admin connections the churn client paces its PUTs over
PROBES="${PROBES:-300}"
ETCD="${ETCD:-1}"               # 1: also probe in etcd mode (installs etcd-server when etcd is missing)
JVM_OPTS="${JVM_OPTS:--Xms1g -Xmx1g}"
URL_PATH="/api/users/42"
NGINX_URL="http://127.0.0.1:18080$URL_PATH"
GW_LISTEN="127.0.0.1:18090"
GW_ADMIN="127.0.0.1:18190"
GW_URL="http://$GW_LISTEN$URL_PATH"
ETCD_URL="http://127.0.0.1:23790"
KEY="load-run-admin-key-0123456789"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
# results go to RESULTS_DIR (default: load/results/, ignored by git), never into tracked files
RESULTS_DIR="${RESULTS_DIR:-$HERE/results}"
mkdir -p "$RESULTS_DIR"
RESULTS="$RESULTS_DIR/results-$STAMP.txt"

source "$HERE/lib.sh" # TMP, start/stop, cleanup of every process started on exit
load_init dynconf-load

wait_200() {  # wait_200 URL SECONDS
  local deadline=$((SECONDS + $2))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" == 200 ]]; do
    ((SECONDS < deadline)) || { log "no 200 from $1 within $2 s"; return 1; }
    sleep 0.2
  done
}

# CPU seconds (user+system) of a process and its children so far (nginx: master + workers)
cpu_s() {
  local total=0 p
  for p in "$@" $(pgrep -P "$1" || true); do
    [[ -r /proc/$p/stat ]] || continue
    total=$((total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# ---------------------------------------------------------------- prerequisites
pkgs=(nginx=nginx-light wrk=wrk)
[[ $ETCD == 1 ]] && pkgs+=(etcd=etcd-server)
load_install "${pkgs[@]}"
for cmd in python3 curl java; do command -v $cmd >/dev/null || { echo "run.sh: $cmd is required" >&2; exit 1; }; done
if [[ ! -f "$JAR" ]]; then
  log "building $JAR"
  (cd "$ROOT" && mvn -q -pl dynconf-examples/gateway -am package -DskipTests)
fi
for port in 18080 18081 18090 18190 23790 23800; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "run.sh: port $port is in use" >&2; exit 1; fi
done

# ---------------------------------------------------------------- backend (nginx, 127.0.0.1:18081)
python3 "$HERE/genconf.py" backend "$TMP"
start backend nginx -p "$TMP" -e "$TMP/backend-error.log" -c "$TMP/backend.conf"
wait_200 "http://127.0.0.1:18081/" 10

WRK=(wrk -t"$THREADS" -c"$CONNS" --latency)

# measure CASE PROXY ROUTES CHURN URL PID: warm-up, then the measured run (with churn when asked)
measure() {
  local case=$1 proxy=$2 routes=$3 churn=$4 url=$5 pid=$6 round=$7
  local out="$TMP/$case.r$round.wrk" churn_json="" warm=$WARMUP
  [[ $proxy == gateway ]] && warm=$GW_WARMUP
  [[ $churn == yes ]] && warm=$CHURN_WARMUP
  if [[ $churn == yes ]]; then
    start churn-warm python3 "$HERE/admin.py" churn --admin "$GW_ADMIN" --key "$KEY" --rate "$RATE" --conns "$CHURN_CONNS" --duration "$warm"
    local cw=$LAST_PID
  fi
  "${WRK[@]}" -d"${warm}s" "$url" >"$TMP/$case.r$round.warm" 2>&1
  if [[ $churn == yes ]]; then
    wait "$cw" || { log "churn warm-up failed: $(cat "$TMP/churn-warm.out")"; return 1; }
    churn_json="$TMP/$case.r$round.churn.json"
    start churn python3 "$HERE/admin.py" churn --admin "$GW_ADMIN" --key "$KEY" --rate "$RATE" --conns "$CHURN_CONNS" \
      --duration "$((DURATION + 1))" --out "$churn_json"
    local cm=$LAST_PID
    sleep 0.5
  fi
  local cpu0 cpu1
  cpu0=$(cpu_s "$pid")
  "${WRK[@]}" -d"${DURATION}s" "$url" >"$out" 2>&1
  cpu1=$(cpu_s "$pid")
  if [[ $churn == yes ]]; then
    wait "$cm" || { log "churn failed: $(cat "$TMP/churn.out")"; return 1; }
  fi
  python3 "$HERE/report.py" record "$TMP/results.jsonl" "$case" "$proxy" "$routes" "$churn" "$out" \
    "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" $churn_json
  # someone else's Maven build on the same machine skews a case: noted with the case
  local others
  others=$(pgrep -fc 'plexus-classworlds|surefirebooter' || true)
  echo "$case r$round: other Maven/surefire JVMs running at the end: $others; load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$TMP/others.txt"
  log "$case (round $round): $(grep -E 'Requests/sec|99%|Non-2xx|Socket errors' "$out" | tr -s ' ' | tr '\n' ';') others=$others"
}

nginx_case() {  # nginx_case ROUTES ROUND
  python3 "$HERE/genconf.py" nginx-proxy "$TMP" "$1"
  start "proxy-$1" nginx -p "$TMP" -e "$TMP/proxy-error.log" -c "$TMP/proxy-$1.conf"
  local pid=$LAST_PID
  wait_200 "$NGINX_URL" 10
  measure "nginx-$1" nginx "$1" no "$NGINX_URL" "$pid" "$2"
  stop "$pid"
}

start_gateway() {  # start_gateway NAME ARGS...: the gateway jar; sets GW_PID
  local name=$1; shift
  # shellcheck disable=SC2086
  start "$name" java $JVM_OPTS -jar "$JAR" --listen "$GW_LISTEN" --admin-listen "$GW_ADMIN" --admin-key "$KEY" \
    --echo-listen off "$@"
  GW_PID=$LAST_PID
}

gateway_standalone() {  # gateway_standalone ROUTES NAME: a fresh data dir and standalone file
  local dir="$TMP/$2"
  rm -rf "$dir" && mkdir -p "$dir"
  python3 "$HERE/genconf.py" gateway-yaml "$dir/apisix.yaml" "$1"
  start_gateway "$2" --standalone "$dir/apisix.yaml" --data-dir "$dir"
  wait_200 "$GW_URL" 60
}

gateway_health() {  # what the gateway holds after a case: threads, fds, upstream connections
  local pid=$1
  echo "threads=$(ls /proc/"$pid"/task | wc -l) fds=$(ls /proc/"$pid"/fd | wc -l)" \
    "conns_to_backend=$(ss -tnH state established dst 127.0.0.1:18081 | wc -l)"
}

# ---------------------------------------------------------------- the cases
log "tmp $TMP; wrk ${WRK[*]} -d${DURATION}s (warm-up ${WARMUP}s nginx, ${GW_WARMUP}s gateway), $ROUNDS round(s)"
HEALTH="$TMP/health.txt"
for round in $(seq "$ROUNDS"); do
  nginx_case 1 "$round"
  gateway_standalone 1 "gw-1-r$round"
  measure gateway-1 gateway 1 no "$GW_URL" "$GW_PID" "$round"
  echo "gateway-1 r$round: $(gateway_health "$GW_PID")" >>"$HEALTH"
  stop "$GW_PID"

  nginx_case 1000 "$round"
  gateway_standalone 1000 "gw-1000-r$round"
  measure gateway-1000 gateway 1000 no "$GW_URL" "$GW_PID" "$round"
  echo "gateway-1000 r$round: $(gateway_health "$GW_PID")" >>"$HEALTH"
  measure gateway-1000-churn gateway 1000 yes "$GW_URL" "$GW_PID" "$round"
  echo "gateway-1000-churn r$round: $(gateway_health "$GW_PID")" >>"$HEALTH"
  stop "$GW_PID"
done

# ---------------------------------------------------------------- admin PUT -> visible
PROBE_FILES=()
gateway_standalone 1000 gw-probe
python3 "$HERE/admin.py" probe --mode "standalone (file), 1,000 routes" --admin "$GW_ADMIN" --key "$KEY" \
  --data "$GW_LISTEN" -n "$PROBES" --out "$TMP/probe-standalone.json" >&2
PROBE_FILES+=("$TMP/probe-standalone.json")
kill -0 "$GW_PID" 2>/dev/null || log "the standalone gateway exited during the probe: see $TMP/gw-probe.out"
stop "$GW_PID"

if [[ $ETCD == 1 ]]; then
  start etcd etcd --name load --data-dir "$TMP/etcd" --listen-client-urls "$ETCD_URL" \
    --advertise-client-urls "$ETCD_URL" --listen-peer-urls http://127.0.0.1:23800 \
    --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster load=http://127.0.0.1:23800
  ETCD_PID=$LAST_PID
  wait_200 "$ETCD_URL/health" 20
  mkdir -p "$TMP/gw-etcd"
  start_gateway gw-etcd --etcd "$ETCD_URL" --prefix /apisix --data-dir "$TMP/gw-etcd"
  for _ in $(seq 150); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-KEY: $KEY" "http://$GW_ADMIN/apisix/admin/routes" || true)" == 200 ]] && break
    sleep 0.2
  done
  python3 "$HERE/admin.py" seed --admin "$GW_ADMIN" --key "$KEY" --routes 1000 >&2
  wait_200 "$GW_URL" 30
  python3 "$HERE/admin.py" probe --mode "etcd $(etcd --version | awk 'NR==1 {print $3}'), 1,000 routes" \
    --admin "$GW_ADMIN" --key "$KEY" --data "$GW_LISTEN" -n "$PROBES" --out "$TMP/probe-etcd.json" >&2
  PROBE_FILES+=("$TMP/probe-etcd.json")
  kill -0 "$GW_PID" 2>/dev/null || log "the etcd-mode gateway exited during the probe: see $TMP/gw-etcd.out"
  # route churn where it is cheap: each change is one etcd put, not a rewrite of the whole file
  measure gateway-1000-churn-etcd gateway 1000 yes "$GW_URL" "$GW_PID" 1
  echo "gateway-1000-churn-etcd: $(gateway_health "$GW_PID")" >>"$HEALTH"
  stop "$GW_PID"
  stop "$ETCD_PID"
fi

# ---------------------------------------------------------------- report
{
  echo "# dynconf gateway vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "machine: nproc=$(nproc), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
    "load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $(java -version 2>&1 | head -1); nginx: $(nginx -v 2>&1 | sed 's/.*version: //'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "gateway: $JVM_OPTS, default event loops (2), --echo-listen off; nginx: worker_processes 2, proxy; backend: 1 worker, a separate instance"
  echo "wrk: ${WRK[*]} -d${DURATION}s (after a warm-up run: ${WARMUP}s nginx, ${GW_WARMUP}s gateway), URL path $URL_PATH; $ROUNDS round(s), cases interleaved"
  echo "churn: $RATE route PUTs/s paced over $CHURN_CONNS keep-alive admin connections (/churnK uris rotated; the measured route replaced every second)"
  echo
  python3 "$HERE/report.py" table "$TMP/results.jsonl" "${PROBE_FILES[@]}"
  echo
  echo "other load on the machine:"
  sed 's/^/  /' "$TMP/others.txt"
  echo
  echo "gateway after each case: "
  sed 's/^/  /' "$HEALTH"
  echo
  for f in "$TMP"/gw-*.out; do
    n=$(grep -cE ' (WARN|ERROR) ' "$f" || true)
    echo "gateway log $(basename "$f" .out): $n WARN/ERROR lines"
    grep -E ' (WARN|ERROR) ' "$f" | head -5 | sed 's/^/  /' || true
  done
  for f in "$TMP"/*.churn.json; do [[ -f $f ]] && echo "$(basename "$f"): $(cat "$f")"; done
  echo
  echo "## raw wrk outputs (measured runs)"
  for f in "$TMP"/*.wrk; do echo "### $(basename "$f" .wrk)"; cat "$f"; done
} >"$RESULTS"
sed -n '1,/^## raw wrk/p' "$RESULTS"
log "written $RESULTS"
