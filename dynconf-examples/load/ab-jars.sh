#!/usr/bin/env bash
# A/B of two gateway jars through the same nginx backend: requests/s and p99 under wrk -t2 -c64,
# warmed up (WARM seconds of load each, default 10), alternating, 3 rounds (one line per run: port, p99,
# requests/s, gateway process CPU per request, the event loops' CPU per request; 18490 = OLD, 18492 = NEW).
#   OLD=/path/to/old/dynconf-gateway.jar NEW=dynconf-examples/gateway/target/dynconf-gateway.jar dynconf-examples/load/ab-jars.sh
# The same jar with two sets of JVM or gateway options: OLD_OPTS / NEW_OPTS (JVM, default -Xms1g -Xmx1g),
# OLD_ARGS / NEW_ARGS (gateway), e.g. OLD=$J NEW=$J NEW_OPTS="-Xms1g -Xmx1g -XX:+UseParallelGC" ...
set -euo pipefail
: "${OLD:?OLD=path of the baseline gateway jar}" "${NEW:?NEW=path of the gateway jar to compare}"
T=$(mktemp -d /tmp/ab.XXXX)
cat > $T/nginx.conf <<NG
worker_processes 1;
pid $T/nginx.pid;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:18481; location / { return 200 "ok\n"; } } }
NG
mkdir -p $T/logs
nginx -p $T -e $T/err.log -c $T/nginx.conf
printf 'routes:\n  - id: api\n    uri: /api/*\n    upstream:\n      nodes:\n        "127.0.0.1:18481": 1\n#END\n' > $T/a.yaml
cp $T/a.yaml $T/b.yaml
java ${OLD_OPTS:--Xms1g -Xmx1g} -jar "$OLD" ${OLD_ARGS:-} --listen 127.0.0.1:18490 --admin-listen 127.0.0.1:18491 --echo-listen off --standalone $T/a.yaml --data-dir $T/da --admin-key ab-key-0123456789abcdef > $T/old.log 2>&1 &
P1=$!
java ${NEW_OPTS:--Xms1g -Xmx1g} -jar "$NEW" ${NEW_ARGS:-} --listen 127.0.0.1:18492 --admin-listen 127.0.0.1:18493 --echo-listen off --standalone $T/b.yaml --data-dir $T/db --admin-key ab-key-0123456789abcdef > $T/new.log 2>&1 &
P2=$!
trap 'kill $P1 $P2; nginx -p $T -c $T/nginx.conf -s stop' EXIT
# both answering (a loaded machine can take more than 10 s to start a JVM), at most 90 s
for u in 18490 18492; do
  for i in $(seq 180); do curl -s -o /dev/null http://127.0.0.1:$u/api/x && break; sleep 0.5; done
done
for u in 18490 18492; do wrk -t2 -c64 -d${WARM:-10}s http://127.0.0.1:$u/api/x > /dev/null; done
cpu() { awk '{print $14+$15}' /proc/$1/stat; }  # utime+stime, clock ticks
# the event loops' threads only (the JIT's and GC's threads left out: the JIT still compiles for a minute or more)
loops() { local t s=0; for t in /proc/$1/task/*; do grep -q '^multiThreadIoEv' $t/comm 2>/dev/null && s=$((s + $(awk '{print $14+$15}' $t/stat))); done; echo $s; }
HZ=$(getconf CLK_TCK)
for r in $(seq "${ROUNDS:-3}"); do
  for u in 18490 18492; do
    pid=$P1; [ $u = 18492 ] && pid=$P2
    c0=$(cpu $pid); l0=$(loops $pid)
    out=$(wrk -t2 -c64 -d10s --latency http://127.0.0.1:$u/api/x)
    c1=$(cpu $pid); l1=$(loops $pid)
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "$u $(echo "$out" | awk '/Requests\/sec/ {print $2} / 99%/ {print $2}' | tr '\n' ' ') cpu/req $(( (c1 - c0) * 1000000 / HZ / n )) us loops/req $(( (l1 - l0) * 1000000 / HZ / n )) us"
  done
done
uptime
