#!/usr/bin/env bash
# make demo: the emulator and the demo relying party on loopback; log in from a browser.
set -euo pipefail
emulator_port=${1:-4000}
demo_port=${2:-8000}
target=${CARGO_TARGET_DIR:-target}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$target/release/gouvconnect-emulator" --port "$emulator_port" &
pids+=($!)
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$emulator_port/api/v2/.well-known/openid-configuration" >/dev/null 2>&1 && break
  sleep 0.1
done
"$target/release/examples/demo_rp" "http://127.0.0.1:$emulator_port" "$demo_port" &
pids+=($!)
sleep 1
cat <<MSG

  gouvconnect demo
  ----------------
  Open http://127.0.0.1:$demo_port/ in a browser and click
  "S'identifier avec ProConnect", "… Pro Santé Connect", "… FranceConnect" or "… FranceConnect+".
  The provider is the local emulator (http://127.0.0.1:$emulator_port) — NOT a real provider:
  pick a test user (agent, mfa, doctor, pharmacist, citizen…) and you come back with the normalised identity.
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
