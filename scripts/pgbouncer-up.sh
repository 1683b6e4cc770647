#!/usr/bin/env bash
# Start PgBouncer in transaction pooling mode on 127.0.0.1:6432 in front of the local
# PostgreSQL (127.0.0.1:5432), unless one already answers there. Idempotent.
#
#   scripts/pgbouncer-up.sh            # then DATABASE_URL=postgres://postgres@127.0.0.1:6432/<db>
#                                      #      DATABASE_POOL_MODE=transaction
#
# PGBOUNCER_PORT, PGBOUNCER_DIR (its config, log and pid file), PG_HOST, PG_PORT and PG_USER change
# the defaults. PgBouncer refuses to run as root: started by root it runs as `postgres`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
port=${PGBOUNCER_PORT:-6432}
run_dir=${PGBOUNCER_DIR:-/tmp/timetracker-pgbouncer-$port}
pg_host=${PG_HOST:-127.0.0.1}
pg_port=${PG_PORT:-5432}
pg_user=${PG_USER:-postgres}
binary=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

answers() { psql -h 127.0.0.1 -p "$port" -U postgres -d pgbouncer -Atq -c "SHOW VERSION" >/dev/null 2>&1; }

pool_mode() { psql -h 127.0.0.1 -p "$port" -U postgres -d pgbouncer -Atq -c "SHOW CONFIG" | awk -F'|' '$1 == "pool_mode" { print $2 }'; }

if answers; then
  if [ "$(pool_mode)" != transaction ]; then
    echo "pgbouncer: the one on 127.0.0.1:$port pools in '$(pool_mode)' mode, not transaction (Debian's own service?); stop it first" >&2
    exit 1
  fi
  echo "pgbouncer: already answering on 127.0.0.1:$port"
  exit 0
fi
if [ ! -x "$binary" ]; then
  echo "pgbouncer: not installed (apt-get install pgbouncer)" >&2
  exit 1
fi

mkdir -p "$run_dir"
sed -e "s|@LISTEN_PORT@|$port|g" -e "s|@RUN_DIR@|$run_dir|g" \
  -e "s|@PG_HOST@|$pg_host|g" -e "s|@PG_PORT@|$pg_port|g" -e "s|@PG_USER@|$pg_user|g" \
  "$here/pgbouncer/pgbouncer.ini.template" >"$run_dir/pgbouncer.ini"
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres: "$run_dir"
  as_user=(-u postgres)
fi
"$binary" -d "${as_user[@]}" "$run_dir/pgbouncer.ini"

for _ in $(seq 1 30); do
  if answers; then
    echo "pgbouncer: transaction pooling on 127.0.0.1:$port (log: $run_dir/pgbouncer.log)"
    exit 0
  fi
  sleep 0.5
done
echo "pgbouncer: did not answer on 127.0.0.1:$port; its log:" >&2
tail -n 20 "$run_dir/pgbouncer.log" >&2 || true
exit 1
