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
# load_install CMD=PACKAGE...  installs (apt-get, as root or with sudo -n) the packages of the commands
#                     not on PATH; exits naming them when it cannot
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

load_install() {
  local need=() pair sudo=() out
  for pair in "$@"; do command -v "${pair%%=*}" >/dev/null || need+=("${pair#*=}"); done
  ((${#need[@]})) || return 0
  log "installing ${need[*]}"
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "needs ${need[*]} (apt-get install -y ${need[*]}); neither root nor sudo is available" >&2; exit 1; }
    sudo=(sudo -n)
  fi
  out="$TMP/apt.out"
  if ! "${sudo[@]}" apt-get install -y "${need[@]}" >"$out" 2>&1; then
    "${sudo[@]}" apt-get update >>"$out" 2>&1 && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${need[@]}" >>"$out" 2>&1 \
      || { echo "apt-get install -y ${need[*]} failed:" >&2; tail -5 "$out" >&2; exit 1; }
  fi
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
