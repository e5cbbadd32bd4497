#!/usr/bin/env bash
# Runs the history tests against a real PostgreSQL: starts a throwaway
# cluster (initdb into a temporary directory, a free port on 127.0.0.1,
# password authentication), exports TESTRELAY_TEST_POSTGRES_URL, runs the
# tests of the `postgres` feature, and stops and deletes the cluster on
# exit. Installs Debian's postgresql package when initdb is missing. As
# root, the cluster runs as the user `postgres` (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."

find_bin() {
    local name=$1 found
    if found=$(command -v "$name" 2>/dev/null); then
        echo "$found"
        return
    fi
    # Debian keeps the server's programs in /usr/lib/postgresql/VERSION/bin.
    found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1)
    [ -n "$found" ] && echo "$found"
}

if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
    echo "test-postgres: installing PostgreSQL (initdb not found)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
PSQL=$(find_bin psql)

WORK=$(mktemp -d)
chmod 755 "$WORK"
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$WORK" --shell /bin/sh postgres
    RUN_AS=(runuser -u postgres --)
fi
cleanup() {
    "${RUN_AS[@]}" "$PG_CTL" -D "$WORK/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSWORD="tr-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
mkdir "$WORK/data" "$WORK/sock"
printf '%s\n' "$PASSWORD" >"$WORK/pwfile"
[ ${#RUN_AS[@]} -eq 0 ] || chown -R postgres "$WORK"

"${RUN_AS[@]}" "$INITDB" -D "$WORK/data" -U testrelay --pwfile="$WORK/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale >"$WORK/initdb.log" \
    || { cat "$WORK/initdb.log"; exit 1; }
"${RUN_AS[@]}" "$PG_CTL" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 \
    -o "-p $PORT -k $WORK/sock -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off" \
    start >/dev/null || { cat "$WORK/server.log"; exit 1; }

export TESTRELAY_TEST_POSTGRES_URL="postgres://testrelay:$PASSWORD@127.0.0.1:$PORT/postgres?sslmode=disable"
export TESTRELAY_TEST_PSQL="$PSQL"
echo "test-postgres: PostgreSQL $("$PSQL" --version | awk '{print $3}') on 127.0.0.1:$PORT"

cargo test -p testrelay --features postgres --locked --test history_postgres
