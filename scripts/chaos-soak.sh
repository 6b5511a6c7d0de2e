#!/usr/bin/env bash
# The chaos soak of issue 13 (outside the default build): three etcd members, two nodes (with
# --gateway: and the example gateway in etcd mode), at least 20,000 writes for at least 10 minutes
# while members are killed, restarted, paused, compacted and wiped and nodes are cut off.
# CPU-heavy: run it on an otherwise quiet machine.
#   scripts/chaos-soak.sh                                  # the defaults
#   scripts/chaos-soak.sh --gateway                        # the same with the gateway as a third node
#   scripts/chaos-soak.sh -Dsoak.minutes=1 -Dsoak.operations=2000 -Ddynconf.seed=42
# Figures: printed at the end and in <module>/target/soak-report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
module=dynconf-etcd
test=EtcdChaosSoak
if [ "${1:-}" = "--gateway" ]; then
  shift
  module=dynconf-examples/gateway
  test=GatewayChaosSoak
fi
status=0
mvn -o -B -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Dflatten.skip -Dinvoker.skip \
  -Djunit.jupiter.execution.timeout.default=120m "$@" || status=$?
out=$(ls "$module"/target/surefire-reports/*"$test"-output.txt 2>/dev/null | head -1 || true)
[ -n "$out" ] && grep -E '^EtcdChaosSoak: (seed|fault)' "$out" | head -3 || true
[ -f "$module/target/soak-report.md" ] && cat "$module/target/soak-report.md"
exit $status
