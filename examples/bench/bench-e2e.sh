#!/usr/bin/env bash
# Side-by-side full-login benchmarks against ONE emulator (ProConnect, ES256 client
# demo-proconnect-es256 for both sides of every pair): each pair's two apps run at the same
# time and are measured alternately (ours, peer, ours, peer, …), the median of the rounds is
# reported. Pairs: BENCH_PAIRS (default "express django keycloak").
source "$(dirname "$0")/lib.sh"
PAIRS=${BENCH_PAIRS:-express django keycloak}
BUILD=$ROOT/.build
start_emulator
ISSUER=$EMULATOR/api/v2
CID=${PRO_ES[0]} CSECRET=${PRO_ES[1]}

echo "bench-e2e: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node $(node --version);"
echo "  client $CID (ES256 id_token + ES256 signed userinfo); concurrency $CONCURRENCY, ${DURATION}s (+${WARMUP}s warm-up) per measurement, $ROUNDS rounds A/B"

# pair NAME OURS_URL PEER_URL: alternate rounds; every login ends on /me (200, identity JSON).
pair() {
  local name=$1 ours=$2 peer=$3 r
  for ((r = 1; r <= ROUNDS; r++)); do
    run_load "$name :: ours" browser --start "$ours/auth/login?next=/me" --expect '"sub"' >/dev/null
    run_load "$name :: peer" browser --start "$peer/auth/login?next=/me" --expect '"sub"' >/dev/null
  done
}

for p in $PAIRS; do
  case $p in
  express)
    # Both on Node, NODE_ENV=production, one process each, in-memory sessions.
    po=$(free_port) pp=$(free_port)
    GOUVCONNECT_PROVIDER=proconnect GOUVCONNECT_ISSUER=$ISSUER GOUVCONNECT_CLIENT_ID=$CID GOUVCONNECT_CLIENT_SECRET=$CSECRET \
      GOUVCONNECT_BASE_URL=http://127.0.0.1:$po PORT=$po NODE_ENV=production start express-ours node "$ROOT/examples/express/app.js"
    ISSUER=$ISSUER CLIENT_ID=$CID CLIENT_SECRET=$CSECRET ID_TOKEN_ALG=ES256 PORT=$pp NODE_ENV=production \
      NODE_PATH=$BUILD/bench-e2e/express-oidc/node_modules start express-peer node "$ROOT/examples/bench/peers/express-oidc/app.js"
    wait_http "http://127.0.0.1:$po/" && wait_http "http://127.0.0.1:$pp/me"
    pair "Express: gouvconnect vs express-openid-connect" "http://127.0.0.1:$po" "http://127.0.0.1:$pp"
    ;;
  django)
    # Both under waitress (8 threads, one process), database-backed sessions, DEBUG off, SQLite
    # in /dev/shm for both (on the build disk every session write waits for an fsync).
    po=$(free_port) pp=$(free_port) dbdir=$(mktemp -d /dev/shm/gouvconnect-bench.XXXXXX)
    GOUVCONNECT_PROVIDER=proconnect GOUVCONNECT_ISSUER=$ISSUER GOUVCONNECT_CLIENT_ID=$CID GOUVCONNECT_CLIENT_SECRET=$CSECRET \
      GOUVCONNECT_BASE_URL=http://127.0.0.1:$po PORT=$po GOUVCONNECT_EXAMPLE_DB=$dbdir/ours.sqlite3 \
      start django-ours env -C "$ROOT/examples/django" "$BUILD/venv-django52/bin/python" serve.py
    OIDC_ISSUER=$ISSUER OIDC_CLIENT_ID=$CID OIDC_CLIENT_SECRET=$CSECRET OIDC_ALG=ES256 PORT=$pp PEER_DB=$dbdir/peer.sqlite3 \
      start django-peer env -C "$ROOT/examples/bench/peers/django-oidc" "$BUILD/bench-e2e/venv-django-oidc/bin/python" serve.py
    wait_http "http://127.0.0.1:$po/" && wait_http "http://127.0.0.1:$pp/me"
    # waitress has 8 threads: 8 virtual users (more only queue).
    CONCURRENCY=${BENCH_DJANGO_CONCURRENCY:-8} pair "Django: gouvconnect vs mozilla-django-oidc" "http://127.0.0.1:$po" "http://127.0.0.1:$pp"
    ;;
  keycloak)
    source "$ROOT/examples/bench/keycloak-pair.sh"
    ;;
  *) echo "bench-e2e: unknown pair $p" >&2; exit 2 ;;
  esac
done
echo
python3 "$ROOT/examples/bench/report.py" pairs "$LOGDIR/results.jsonl"
