#!/usr/bin/env bash
# Issue 13, item 4 (outside the default build): create/delete cycles with generated ids through
# the admin API over a real etcd (started by the etcd test-jar), while a second registry watches;
# fails unless every internal map of that registry is back at its baseline and the heap has not
# grown with the ids. Figures: printed, and in dynconf-etcd/target/admin-cycles-report.md.
#   scripts/admin-cycles-soak.sh                      # 10,000 cycles
#   scripts/admin-cycles-soak.sh -Dsoak.cycles=1000
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
mvn -o -B -q -pl dynconf-etcd -am test -Dtest=AdminCyclesSoak -Dsurefire.failIfNoSpecifiedTests=false \
  -Dflatten.skip -Dinvoker.skip "$@" || status=$?
[ -f dynconf-etcd/target/admin-cycles-report.md ] && cat dynconf-etcd/target/admin-cycles-report.md
exit $status
