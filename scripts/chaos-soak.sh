#!/usr/bin/env bash
# The chaos soak of issue 13 (outside the default build): three etcd members, two nodes, at least
# 20,000 writes for at least 10 minutes while members are killed, restarted, paused, compacted and
# wiped and nodes are cut off. CPU-heavy: run it on an otherwise quiet machine.
#   scripts/chaos-soak.sh                                  # the defaults
#   scripts/chaos-soak.sh -Dsoak.minutes=1 -Dsoak.operations=2000 -Ddynconf.seed=42
# Figures: printed at the end and in dynconf-etcd/target/soak-report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
mvn -o -B -pl dynconf-etcd -am test -Dtest=EtcdChaosSoak -Dsurefire.failIfNoSpecifiedTests=false \
  -Djunit.jupiter.execution.timeout.default=120m "$@" || status=$?
out=dynconf-etcd/target/surefire-reports/io.dynconf.etcd.EtcdChaosSoak-output.txt
[ -f "$out" ] && grep -E '^EtcdChaosSoak: (seed|fault)' "$out" | head -3 || true
[ -f dynconf-etcd/target/soak-report.md ] && cat dynconf-etcd/target/soak-report.md
exit $status
