#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL cluster, from this machine's Debian packages
# (pg_createcluster, pg_basebackup -R): the replica tests (core/tests/test_replicas.py) read
# from it. Idempotent: a replica that exists and streams is kept; one that does not stream is
# dropped and cloned again. Run as root (or as postgres). Prints the replica's URL last.
#
#   PRIMARY_PORT (5432)   the cluster to replicate; its pg_hba.conf gains one line that lets
#                         127.0.0.1 connect for replication without a password
#   REPLICA_PORT (5433)   where the replica listens (127.0.0.1 only)
#   REPLICA_CLUSTER (replica)  the Debian cluster name
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
NAME=${REPLICA_CLUSTER:-replica}
VERSION=$(ls /etc/postgresql | sort -V | tail -1)
CONF_DIR=/etc/postgresql/$VERSION/$NAME
DATA_DIR=/var/lib/postgresql/$VERSION/$NAME

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary_sql() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -Atqc "$1"; }
replica_sql() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc "$1" 2>/dev/null; }
streaming() {
  [ "$(replica_sql "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')")" = t ]
}
wait_for_streaming() {
  for _ in $(seq 1 "$1"); do streaming && return 0; sleep 1; done
  return 1
}
cluster_exists() { pg_lsclusters -h | awk '{print $1 "/" $2}' | grep -qx "$VERSION/$NAME"; }

# The primary: wal_level=replica and max_wal_senders are PostgreSQL's defaults; replication
# connections match only "replication" lines in pg_hba.conf, so add one for loopback.
hba=$(primary_sql "SHOW hba_file")
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  printf '# streaming replicas on this machine (scripts/replica-up.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
  primary_sql "SELECT pg_reload_conf()" >/dev/null
fi
[ "$(primary_sql "SHOW wal_level")" != minimal ] || { echo "primary has wal_level=minimal: set it to replica" >&2; exit 1; }

if cluster_exists; then
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start >/dev/null 2>&1 || true
  if wait_for_streaming 15; then
    # A test run that was killed may have left replay paused (pg_wal_replay_pause).
    replica_sql "SELECT pg_wal_replay_resume() WHERE pg_get_wal_replay_pause_state() <> 'not paused'" >/dev/null
    echo "replica $VERSION/$NAME on port $REPLICA_PORT is streaming from port $PRIMARY_PORT"
    echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
    exit 0
  fi
  echo "replica $VERSION/$NAME does not stream: dropping it and cloning the primary again" >&2
  pg_dropcluster --stop "$VERSION" "$NAME"
fi

pg_createcluster "$VERSION" "$NAME" --port "$REPLICA_PORT" >/dev/null
# A hot standby needs at least the primary's value of the max_* settings, or it refuses to start.
{
  echo "# scripts/replica-up.sh"
  echo "listen_addresses = '127.0.0.1'"
  echo "shared_buffers = 32MB"
  echo "hot_standby = on"
  for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    echo "$setting = $(primary_sql "SHOW $setting")"
  done
} >"$CONF_DIR/conf.d/90-replica.conf"
cat >"$CONF_DIR/pg_hba.conf" <<'EOF'
# A throwaway test replica on loopback (scripts/replica-up.sh): trust, like the primary here.
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    replication     all             127.0.0.1/32            trust
EOF
chown postgres:postgres "$CONF_DIR/pg_hba.conf"

# The clone: the primary's data directory as of now, with standby.signal and primary_conninfo (-R).
find "$DATA_DIR" -mindepth 1 -delete
as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA_DIR" -R -X stream --checkpoint=fast
pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
if ! wait_for_streaming 60; then
  echo "replica $VERSION/$NAME started but does not stream; see /var/log/postgresql/postgresql-$VERSION-$NAME.log" >&2
  exit 1
fi
echo "replica $VERSION/$NAME on port $REPLICA_PORT is streaming from port $PRIMARY_PORT"
echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
