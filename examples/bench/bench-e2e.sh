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

echo "bench-e2e: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg);"
echo "  client $CID (ES256 id_token + ES256 signed userinfo), emulator --strictness $STRICTNESS;"
echo "  concurrency $CONCURRENCY, ${DURATION}s (+${WARMUP}s warm-up) per measurement, $ROUNDS rounds A/B"
# The versions measured, in the report (each side's installed release, not the pin's wish).
pkg_version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$1" 2>/dev/null || echo "?"; }
py_version() {
  "$1" - "${@:2}" <<'PY' 2>/dev/null || echo "?"
import importlib.metadata as m, sys
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return "absent"
print(", ".join(f"{n} {version(n)}" for n in sys.argv[1:]))
PY
}
echo "  versions: Node $(node --version): express $(pkg_version "$BUILD/bench-e2e/express-oidc/node_modules/express/package.json"), express-openid-connect $(pkg_version "$BUILD/bench-e2e/express-oidc/node_modules/express-openid-connect/package.json") (openid-client $(pkg_version "$BUILD/bench-e2e/express-oidc/node_modules/openid-client/package.json"));"
echo "    ours: $(py_version "$BUILD/venv-django52/bin/python" gouvconnect Django waitress psycopg);"
echo "    peer: $(py_version "$BUILD/bench-e2e/venv-django-oidc/bin/python" mozilla-django-oidc PyJWT Django waitress psycopg);"
echo "    Keycloak ${KEYCLOAK_VERSION:-26.7.3}"

# pair NAME OURS_URL PEER_URL: alternate rounds, the side measured first swapped every round (ours
# then peer, peer then ours, …) so that neither always follows the other's load; every login ends
# on /me (200, identity JSON).
pair() {
  local name=$1 ours=$2 peer=$3 r side
  for ((r = 1; r <= ROUNDS; r++)); do
    for side in $(round_order "$r"); do
      if [ "$side" = ours ]; then
        run_load "$name :: ours" browser --start "$ours/auth/login?next=/me" --expect '"sub"' >/dev/null
      else
        run_load "$name :: peer" browser --start "$peer/auth/login?next=/me" --expect '"sub"' >/dev/null
      fi
    done
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
    # Both under waitress (8 threads, one process), database-backed sessions, DEBUG off; each
    # database of BENCH_DJANGO_DBS in turn, both sides on it: SQLite in /dev/shm (on the build
    # disk every session write waits for an fsync), then PostgreSQL (pg/pg.sh, started here,
    # stopped at the end; persistent connections on both sides).
    for db in ${BENCH_DJANGO_DBS:-sqlite postgresql}; do
      po=$(free_port) pp=$(free_port)
      ours_env=(GOUVCONNECT_PROVIDER=proconnect GOUVCONNECT_ISSUER=$ISSUER GOUVCONNECT_CLIENT_ID=$CID
        GOUVCONNECT_CLIENT_SECRET=$CSECRET GOUVCONNECT_BASE_URL=http://127.0.0.1:$po PORT=$po)
      peer_env=(OIDC_ISSUER=$ISSUER OIDC_CLIENT_ID=$CID OIDC_CLIENT_SECRET=$CSECRET OIDC_ALG=ES256 PORT=$pp)
      case $db in
      sqlite)
        label=SQLite dbdir=$(mktemp -d /dev/shm/gouvconnect-bench.XXXXXX)
        SHM_DIRS+=("$dbdir")
        ours_env+=(GOUVCONNECT_EXAMPLE_DB=$dbdir/ours.sqlite3)
        peer_env+=(PEER_DB=$dbdir/peer.sqlite3)
        ;;
      postgresql)
        label=PostgreSQL
        source "$ROOT/examples/bench/pg/pg.sh"
        pg_start
        pg_createdb ours && pg_createdb peer
        # The example's settings with DATABASES on PostgreSQL (pg/ours_pg_settings.py).
        ours_env+=(BENCH_PG_HOST=$BENCH_PG_HOST BENCH_PG_DB=ours DJANGO_SETTINGS_MODULE=ours_pg_settings
          PYTHONPATH=$ROOT/examples/bench/pg)
        peer_env+=(BENCH_PG_HOST=$BENCH_PG_HOST BENCH_PG_DB=peer)
        ;;
      *) echo "bench-e2e: unknown database $db (sqlite, postgresql)" >&2; exit 2 ;;
      esac
      start "django-ours-$db" env -C "$ROOT/examples/django" "${ours_env[@]}" "$BUILD/venv-django52/bin/python" serve.py
      start "django-peer-$db" env -C "$ROOT/examples/bench/peers/django-oidc" "${peer_env[@]}" \
        "$BUILD/bench-e2e/venv-django-oidc/bin/python" serve.py
      wait_http "http://127.0.0.1:$po/" && wait_http "http://127.0.0.1:$pp/me"
      # waitress has 8 threads: 8 virtual users (more only queue).
      CONCURRENCY=${BENCH_DJANGO_CONCURRENCY:-8} pair "Django ($label): gouvconnect vs mozilla-django-oidc" \
        "http://127.0.0.1:$po" "http://127.0.0.1:$pp"
      stop "django-ours-$db" "django-peer-$db"
      if [ "$db" = postgresql ]; then
        # Both sides really wrote to PostgreSQL: their user tables there.
        echo "  PostgreSQL users after the run: ours $(pg_query ours 'select count(*) from auth_user'), peer $(pg_query peer 'select count(*) from auth_user')"
        pg_stop
      fi
    done
    ;;
  keycloak)
    source "$ROOT/examples/bench/keycloak-pair.sh"
    ;;
  *) echo "bench-e2e: unknown pair $p" >&2; exit 2 ;;
  esac
done
echo
python3 "$ROOT/examples/bench/report.py" pairs "$LOGDIR/results.jsonl"
