#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database and the media files.
#
#   DATABASE_URL=postgres://user:pass@host:5432/timetracker scripts/restore.sh /backups/2026-12-04
#
# Stop web, worker and beat first. The target database must exist (it may be empty); every
# object in the dump is dropped and recreated (--clean --if-exists), so anything written
# since the backup is lost. MEDIA_ROOT is replaced by the backup's files.
set -euo pipefail

src=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?set DATABASE_URL to the database to restore into}"
media_root=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}

if [ "$(realpath -m "$media_root")" = / ]; then
  echo "restore: MEDIA_ROOT=$media_root would empty the root directory; refusing" >&2
  exit 1
fi
(cd "$src" && sha256sum --check --quiet SHA256SUMS)

# One transaction: a failing restore leaves the database as it was.
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$src/db.dump"

mkdir -p "$media_root"
find "$media_root" -mindepth 1 -delete
tar -C "$media_root" -xzf "$src/media.tar.gz"
echo "restore: restored $src into the database and $media_root"
echo "restore: now run 'manage.py migrate' (if the code is newer than the backup) and start the app"
