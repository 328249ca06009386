#!/usr/bin/env bash
# Starts PostgreSQL, MariaDB and Redis on loopback when they are not already running,
# with the same commands this machine kind uses at boot, then waits until each answers.
set -euo pipefail

wait_for() { # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then echo "$1 is up"; return 0; fi
    sleep 1
  done
  echo "$1 did not come up" >&2
  return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
wait_for PostgreSQL "pg_isready -q -h 127.0.0.1 -p 5432"

# TLS for test/sources/postgres-tls.test.ts: a self-signed certificate for localhost and 127.0.0.1, which the test
# trusts as its root (sslmode=verify-full). Plain connections keep working; ssl is reloadable, no restart.
PG_TLS_DIR=/var/lib/postgresql/sheetpipe-tls
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'show ssl')" != on ] || [ ! -r "$PG_TLS_DIR/server.crt" ]; then
  mkdir -p "$PG_TLS_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout "$PG_TLS_DIR/server.key" -out "$PG_TLS_DIR/server.crt" 2>/dev/null
  chown -R postgres:postgres "$PG_TLS_DIR"
  chmod 600 "$PG_TLS_DIR/server.key"
  psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "ALTER SYSTEM SET ssl_cert_file = '$PG_TLS_DIR/server.crt'" -c "ALTER SYSTEM SET ssl_key_file = '$PG_TLS_DIR/server.key'" \
    -c 'ALTER SYSTEM SET ssl = on' -c 'SELECT pg_reload_conf()' >/dev/null
  wait_for "PostgreSQL TLS" "[ \"\$(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'show ssl')\" = on ]"
fi

if ! mariadb-admin -uroot ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB "mariadb-admin -uroot ping"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis "redis-cli -h 127.0.0.1 -p 6379 ping"
