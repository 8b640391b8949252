#!/usr/bin/env bash
# Start a local PostgreSQL for Khronika's tests and print its SQLAlchemy URL (last line of stdout).
# Idempotent: installs PostgreSQL only when missing (root + apt), starts the cluster only when down,
# creates the role and database only when absent. Progress goes to stderr so `$(scripts/pg-up.sh)` works.
#
#   KHRONIKA_PG_URL=$(scripts/pg-up.sh | tail -n1)
set -euo pipefail

DB="${KHRONIKA_PG_DB:-khronika_test}"
ROLE="${KHRONIKA_PG_ROLE:-khronika_test}"
PASSWORD="${KHRONIKA_PG_PASSWORD:-khronika_test}"
PORT="${KHRONIKA_PG_PORT:-5432}"
HOST=127.0.0.1

log() { echo "pg-up: $*" >&2; }

pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
    [ -n "$d" ] && echo "$d"
}

# 1. Install if missing.
if [ -z "$(pg_bindir)" ] && ! command -v postgres >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing postgresql with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    else
        log "PostgreSQL is not installed and I cannot install it (need root and apt-get)"
        exit 1
    fi
fi

BIN=$(pg_bindir || true)
VERSION=$(basename "$(dirname "${BIN:-/x/none/bin}")")

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# 2. Start the cluster if it does not answer.
if ! "${BIN:+$BIN/}pg_isready" -q -h "$HOST" -p "$PORT"; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | awk '{print $1,$2}' | grep -q "^$VERSION main$"; then
        log "starting cluster $VERSION/main with pg_ctlcluster"
        pg_ctlcluster "$VERSION" main start >&2 || true
    else
        # No Debian cluster: a private one under /var/lib/postgresql/khronika (or $KHRONIKA_PG_DATA).
        DATA="${KHRONIKA_PG_DATA:-/var/lib/postgresql/khronika}"
        if [ ! -s "$DATA/PG_VERSION" ]; then
            log "initdb $DATA"
            mkdir -p "$DATA"
            [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
            as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 >&2
        fi
        log "starting private cluster in $DATA"
        as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
            -o "-c listen_addresses=$HOST -c port=$PORT -c unix_socket_directories=/tmp" start >&2
    fi
    for _ in $(seq 1 30); do
        "${BIN:+$BIN/}pg_isready" -q -h "$HOST" -p "$PORT" && break
        sleep 1
    done
    "${BIN:+$BIN/}pg_isready" -q -h "$HOST" -p "$PORT" || { log "server did not come up"; exit 1; }
fi

# 3. Role and database (as the postgres superuser over the local socket).
psql_su() {
    local sock=/var/run/postgresql
    [ -S "$sock/.s.PGSQL.$PORT" ] || sock=/tmp
    as_postgres "${BIN:+$BIN/}psql" -h "$sock" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}
if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    log "creating role $ROLE"
    psql_su -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
else
    psql_su -c "ALTER ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    log "creating database $DB"
    psql_su -c "CREATE DATABASE \"$DB\" OWNER \"$ROLE\"" >&2
fi

echo "postgresql+psycopg://$ROLE:$PASSWORD@$HOST:$PORT/$DB"
