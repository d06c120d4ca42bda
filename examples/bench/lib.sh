# Shared helpers of the benchmark scripts: background servers that are stopped on exit, free
# ports, readiness waits. Sourced, not run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOADGEN=${LOADGEN:-$ROOT/target/release/gouvconnect-loadgen}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-2}
LOGDIR=$(mktemp -d /tmp/gouvconnect-bench.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # A PostgreSQL cluster started by pg/pg.sh (not a child of this shell: pg_ctl daemonises it).
  if declare -F pg_stop >/dev/null; then pg_stop; fi
  # Only this run's SQLite folders: another run's may be in use.
  for d in "${SHM_DIRS[@]}"; do rm -rf "$d"; done
}
SHM_DIRS=()
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME CMD...: runs CMD in its own process group, output in $LOGDIR/NAME.log.
declare -A PID_OF=()
start() {
  local name=$1; shift
  setsid "$@" >"$LOGDIR/$name.log" 2>&1 &
  PIDS+=($!)
  PID_OF[$name]=$!
}

# stop NAME...: ends servers started by `start` before the end of the run (one pair's apps before
# the next pair's start, so that idle servers do not share the cores with the measured ones).
stop() {
  local name pid
  for name in "$@"; do
    pid=${PID_OF[$name]:-}
    [ -n "$pid" ] || continue
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID_OF[$name]"
  done
}

# wait_http URL [SECONDS]: until URL answers anything.
wait_http() {
  local url=$1 limit=${2:-60} i
  for ((i = 0; i < limit * 10; i++)); do
    curl -s -o /dev/null "$url" && return 0
    sleep 0.1
  done
  echo "bench: $url did not answer within ${limit}s" >&2
  return 1
}

# The federation as deployed by default (nonce optional and not length-checked, unknown authorize
# parameters ignored: ../shared/reference/proconnect.md), so that generic peers such as
# Keycloak's built-in broker can log in; BENCH_STRICTNESS=docs-strict for the documentation's
# reading.
STRICTNESS=${BENCH_STRICTNESS:-as-deployed}
# BENCH_EMULATOR_LOG=1: the emulator logs each request, and each measurement is followed by the
# emulator requests it made per login (which endpoints each side calls, and how often).
start_emulator() {
  local quiet=--quiet
  [ "${BENCH_EMULATOR_LOG:-}" = 1 ] && quiet=
  start emulator "$GOUVCONNECT_EMULATOR_BIN" --port 0 $quiet --strictness "$STRICTNESS"
  local i
  for ((i = 0; i < 100; i++)); do
    EMULATOR=$(grep -so 'http://127.0.0.1:[0-9]*' "$LOGDIR/emulator.log" || true)
    [ -n "$EMULATOR" ] && return 0
    sleep 0.1
  done
  echo "bench: the emulator did not start" >&2; cat "$LOGDIR/emulator.log" >&2; return 1
}

# run_load LABEL ARGS...: one measurement, one JSON line appended to $LOGDIR/results.jsonl.
run_load() {
  local label=$1; shift
  local mark rc=0
  mark=$(wc -l <"$LOGDIR/emulator.log")
  "$LOADGEN" "$@" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --label "$label" \
    | tee -a "$LOGDIR/results.jsonl" || rc=$?
  if [ "${BENCH_EMULATOR_LOG:-}" = 1 ] && [ "$rc" = 0 ]; then emulator_requests "$mark" "$label" >&2; fi
  return "$rc"
}

# round_order N: "ours peer" in odd rounds, "peer ours" in even ones.
round_order() { if (($1 % 2)); then echo ours peer; else echo peer ours; fi; }

# emulator_requests LINE LABEL: requests per login to each emulator path since line LINE of its
# log (warm-up included, so slightly above one per login for the once-per-login calls).
emulator_requests() {
  tail -n +"$(($1 + 1))" "$LOGDIR/emulator.log" | python3 -c '
import collections, json, sys
label = sys.argv[1]
last = [json.loads(l) for l in open(sys.argv[2]) if l.strip()][-1]
logins = max(last["logins"], 1)
def path(line):
    method, target = line.split()[:2]
    # One entry per endpoint: per-login ids in the path (the login form interaction id) as :id.
    def short(p):
        return len(p) < 16 or not any(c.isdigit() or c.isupper() or c == "_" for c in p)
    parts = ["/" + p if short(p) else "/:id" for p in target.split("?")[0].split("/")[1:]]
    return method + " " + "".join(parts)
counts = collections.Counter(path(l) for l in sys.stdin if l[:1].isupper())
print(f"  emulator requests per login, {label}: " + ", ".join(f"{k} {v / logins:.2f}" for k, v in counts.most_common()))
' "$2" "$LOGDIR/results.jsonl"
}

PRO_RS=(demo-proconnect demo-proconnect-secret-0123456789abcdef)
PRO_ES=(demo-proconnect-es256 demo-proconnect-es256-secret-0123456789ab)
