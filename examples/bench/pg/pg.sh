# PostgreSQL for the Django pair (sourced by bench-e2e.sh after lib.sh): Debian's server
# (/usr/lib/postgresql/N/bin), a fresh cluster under .build/bench-e2e/pg, listening on a unix
# socket only, trust authentication for the role `bench`, stopped by lib.sh's cleanup. The
# server refuses to run as root: as root the cluster belongs to the `postgres` system user.

PG_BIN=${BENCH_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_DIR=$ROOT/.build/bench-e2e/pg
PG_STARTED=

# as_pg CMD...: runs a server command as the cluster's owner.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "bench: PostgreSQL server not found (Debian: apt-get install postgresql)" >&2
    return 1
  fi
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR/run"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U bench --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOGDIR/pg-initdb.log" 2>&1
  # No TCP at all; the socket in the build tree. Other settings are PostgreSQL's defaults.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR/run'" start >/dev/null
  PG_STARTED=1
  export BENCH_PG_HOST=$PG_DIR/run BENCH_PG_USER=bench
  echo "  PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on unix socket $BENCH_PG_HOST"
}

# pg_createdb NAME: an empty database per app.
pg_createdb() { "$PG_BIN/createdb" -h "$BENCH_PG_HOST" -U bench "$1"; }

# pg_query DB SQL: one value.
pg_query() { "$PG_BIN/psql" -h "$BENCH_PG_HOST" -U bench -d "$1" -Atc "$2"; }

pg_stop() {
  [ -n "$PG_STARTED" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  PG_STARTED=
}
