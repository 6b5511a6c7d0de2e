# Shared by the load scripts here (sourced, not run): a temporary directory, the processes started,
# and their cleanup on exit.
#
#   source "$HERE/lib.sh"; load_init NAME   # TMP=/tmp/NAME.XXXXXX, PIDS=(), traps set
#
# start NAME CMD...   runs CMD in the background, its output in $TMP/NAME.out; LAST_PID is its pid
# stop PID            TERM, up to 10 s, then KILL; forgets it
# log MESSAGE         to stderr with the time
# ticks PID           user + system CPU of a process so far, in clock ticks
# rss_mb PID          its resident memory in MB
# On exit every process still recorded is stopped, newest first; $TMP is removed unless the run
# failed or KEEP_TMP=1.

load_init() {
  TMP="$(mktemp -d "/tmp/$1.XXXXXX")"
  PIDS=()
  trap load_cleanup EXIT
  trap 'exit 130' INT TERM
}

load_cleanup() {
  local rc=$? i pid
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [[ "${KEEP_TMP:-0}" == 1 || $rc -ne 0 ]]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
  exit $rc
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

start() {
  local name=$1; shift
  "$@" >"$TMP/$name.out" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}

stop() {
  local pid=$1 keep=() p
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
