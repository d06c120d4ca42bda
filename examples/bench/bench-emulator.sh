#!/usr/bin/env bash
# The emulator alone: full logins per second (authorize → login form → token → userinfo) for an
# RS256 and an ES256 ProConnect client; target ≥ 2,000 logins/s on 2 cores.
source "$(dirname "$0")/lib.sh"
start_emulator
echo "bench-emulator: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); concurrency $CONCURRENCY, ${DURATION}s (+${WARMUP}s warm-up) × $ROUNDS rounds; the driver shares the cores"
for ((r = 1; r <= ROUNDS; r++)); do
  run_load "RS256 ${PRO_RS[0]}" emulator --issuer "$EMULATOR/api/v2" --client-id "${PRO_RS[0]}" --client-secret "${PRO_RS[1]}" >/dev/null
  run_load "ES256 ${PRO_ES[0]}" emulator --issuer "$EMULATOR/api/v2" --client-id "${PRO_ES[0]}" --client-secret "${PRO_ES[1]}" >/dev/null
done
python3 "$(dirname "$0")/report.py" emulator "$LOGDIR/results.jsonl"
