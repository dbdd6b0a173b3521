#!/bin/sh
# podbay's postgres entrypoint: the basics of the official image's docker-entrypoint.sh.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

if [ $# -eq 0 ]; then
    set -- postgres
fi
case "$1" in -*) set -- postgres "$@" ;; esac
if [ "$1" != postgres ]; then
    exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2777 /var/run/postgresql
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

# the image has /var/run/postgresql, but a runtime may mount an empty /run (ctr run does)
sockets=/var/run/postgresql
if ! mkdir -p "$sockets" 2>/dev/null || [ ! -w "$sockets" ]; then
    sockets=/tmp
    set -- "$@" -c unix_socket_directories=/tmp
fi
export PGHOST="$sockets"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        cat >&2 <<'EOF'
error: the database is uninitialized and no superuser password is set.
  Set POSTGRES_PASSWORD to a non-empty value for the superuser, or set
  POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password (not recommended).
EOF
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    pwfile=""
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        pwfile="$(mktemp)"
        printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    fi
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words
    initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} ${POSTGRES_INITDB_ARGS:-}
    [ -z "$pwfile" ] || rm -f "$pwfile"
    {
        echo
        echo "host all all 0.0.0.0/0 $POSTGRES_HOST_AUTH_METHOD"
        echo "host all all ::/0 $POSTGRES_HOST_AUTH_METHOD"
    } >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    pg_ctl -D "$PGDATA" -w start \
        -o "-c listen_addresses='' -p 5432 -c unix_socket_directories=$sockets"
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
            --set db="$POSTGRES_DB" <<'EOSQL'
CREATE DATABASE :"db";
EOSQL
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
        *.sql) psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \
            --dbname "$POSTGRES_DB" -f "$f" ;;
        *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
