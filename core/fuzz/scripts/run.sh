#!/usr/bin/env bash
# Replays the regression inputs, then fuzzes each target for SECONDS seconds, and prints one
# table row per target. Exits non-zero on any crash. Called by mk/fuzz.mk (test-fuzz, fuzz-long).
#   run.sh BIN_DIR WORK_DIR SECONDS TARGET...
set -euo pipefail
bin_dir=$1 work=$2 seconds=$3
shift 3
fuzz_dir=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
failed=()
rows=()
for t in "$@"; do
  bin=$bin_dir/$t
  log=$work/$t.log
  artifacts=$work/artifacts/$t
  # Artifacts of an earlier run are not this run's crashes.
  rm -rf "$artifacts"
  mkdir -p "$work/corpus/$t" "$artifacts"
  regressions=()
  if [ -d "$fuzz_dir/regressions/$t" ]; then
    mapfile -t regressions < <(find "$fuzz_dir/regressions/$t" -type f | sort)
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    # Each input runs once; libFuzzer exits non-zero if one still crashes.
    if ! "$bin" -runs=1 "${regressions[@]}" > "$work/$t.regressions.log" 2>&1; then
      echo "== $t: a regression input crashes again (log: $work/$t.regressions.log)"
      tail -n 40 "$work/$t.regressions.log"
      failed+=("$t(regression)")
    fi
  fi
  # New units go to the first (scratch) corpus dir; the checked-in seeds are only read.
  start=$(date +%s)
  set +e
  "$bin" "$work/corpus/$t" "$fuzz_dir/corpus/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1
  rc=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<< "$done_line")
  crashes=$(find "$artifacts" -type f | wc -l)
  status=ok
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=CRASH
    failed+=("$t")
    echo "== $t: crash (exit $rc); inputs in $artifacts; log $log"
    grep -E -A 30 'panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$log" | head -n 60 || true
  fi
  rows+=("$(printf '%-15s %6ss %10s %9s %6s %7s %12s %4s %s' "$t" "$elapsed" "${runs:-?}" \
    "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${#regressions[@]}" "$status")")
done
printf '%-15s %7s %10s %9s %6s %7s %12s %4s %s\n' target time runs exec/s cov ft corpus regr result
printf '%s\n' "${rows[@]}"
if grep -q -v '^#' "$fuzz_dir/regressions/KNOWN" 2>/dev/null; then
  echo "known findings, tolerated (core/fuzz/regressions/KNOWN):"
  grep -v '^#' "$fuzz_dir/regressions/KNOWN" | sed 's/^/  /'
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: $(( $# - ${#failed[@]} )) passed, ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: $# passed, 0 failed"
