#!/usr/bin/env bash
# Back up Time Tracker: the PostgreSQL database (pg_dump custom format) and the media files
# (report exports), into one new directory.
#
#   DATABASE_URL=postgres://user:pass@host:5432/timetracker scripts/backup.sh /backups/2026-12-04
#
# MEDIA_ROOT defaults to media/ next to this project (the image and compose use /app/media).
# Writes db.dump, media.tar.gz and SHA256SUMS; restore with scripts/restore.sh.
set -euo pipefail

dest=${1:?usage: scripts/backup.sh DEST_DIR (a new or empty directory)}
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
media_root=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}

mkdir -p "$dest"
if [ -n "$(ls -A "$dest")" ]; then
  echo "backup: $dest is not empty; refusing to mix two backups" >&2
  exit 1
fi

# Custom format: compressed, and pg_restore can restore it selectively and with --clean.
# No owners or grants: the dump restores into a database owned by another role.
pg_dump --format=custom --no-owner --no-privileges --file="$dest/db.dump" "$DATABASE_URL"

# The media directory may not exist yet (no export was ever written): back up an empty one.
if [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$dest/media.tar.gz" .
else
  tar -czf "$dest/media.tar.gz" -T /dev/null
fi

(cd "$dest" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "backup: wrote $dest (db.dump, media.tar.gz, SHA256SUMS)"
