#!/usr/bin/env bash
# Issue 13, item 4 (outside the default build): 10,000 create/delete cycles through the admin API
# over HTTP on a real etcd (the etcd binary on PATH, or ETCD_BINARY), then every internal map of a
# registry watching that etcd must be back at its baseline size and the heap after GC close to it.
#   scripts/admin-cycles.sh                                   # 10,000 cycles
#   scripts/admin-cycles.sh -Dcycles.count=500 -Ddynconf.seed=42
# Figures: printed at the end and in dynconf-etcd/target/admin-cycles-report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
mvn -o -B -q -pl dynconf-etcd -am test -Dtest=AdminCyclesSoak -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
  -Djunit.jupiter.execution.timeout.default=60m "$@" || status=$?
[ -f dynconf-etcd/target/admin-cycles-report.md ] && cat dynconf-etcd/target/admin-cycles-report.md
exit $status
