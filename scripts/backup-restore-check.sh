#!/usr/bin/env bash
# Backs up a PostgreSQL database with pg_dump, wipes it, restores it with pg_restore, and proves the
# restore is complete: the migration head, row counts and a checksum of every table's content are the
# same before and after. Exit 0 only then. Run it against a TEST database (it is wiped!):
#
#   scripts/backup-restore-check.sh postgresql://postgres@127.0.0.1:5432/bibob_backup_check
#
# With --fill it first migrates the database and loads the (fictional) demo data, so there is
# something to compare. The same pg_dump / pg_restore commands are the backup and restore of
# docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
fill=0
if [ "${1:-}" = "--fill" ]; then fill=1; shift; fi
url="${1:?usage: $0 [--fill] postgresql://user@host:port/test_database}"
name="${url##*/}"; name="${name%%\?*}"
server="${url%/*}/postgres"
dump="$(mktemp -d)/backup.dump"

case "$name" in
  *prod*|*productie*) echo "Weigert: '$name' lijkt een productiedatabase (refusing a production-looking name)." >&2; exit 2 ;;
esac

if [ "$fill" = 1 ]; then
  psql "$server" -qtAc "DROP DATABASE IF EXISTS \"$name\"" >/dev/null
  psql "$server" -qtAc "CREATE DATABASE \"$name\"" >/dev/null
  DATABASE_URL="$url" BIBOB_LOG_FORMAT=text FLASK_APP=wsgi .venv/bin/flask db upgrade >/dev/null 2>&1
  DATABASE_URL="$url" BIBOB_LOG_FORMAT=text FLASK_APP=wsgi .venv/bin/flask demo load >/dev/null
fi

# One line per table: name, row count, md5 of all rows in primary-key order.
fingerprint() {
  psql "$url" -qtA -F' ' <<'SQL'
SELECT 'alembic_version', count(*), md5(string_agg(version_num, ',' ORDER BY version_num)) FROM alembic_version;
SQL
  for table in $(psql "$url" -qtAc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY tablename"); do
    psql "$url" -qtA -F' ' -c "SELECT '$table', count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') FROM \"$table\" t"
  done
}

before="$(fingerprint)"
rows="$(echo "$before" | awk '{s += $2} END {print s}')"
[ "$rows" -gt 0 ] || { echo "De database is leeg; gebruik --fill (empty database)." >&2; exit 1; }

pg_dump --format=custom --no-owner --file="$dump" "$url"
echo "Back-up gemaakt (backup written): $(du -h "$dump" | cut -f1), $rows rijen."

psql "$server" -qtAc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$name' AND pid <> pg_backend_pid()" >/dev/null
psql "$server" -qtAc "DROP DATABASE \"$name\"" >/dev/null
psql "$server" -qtAc "CREATE DATABASE \"$name\"" >/dev/null
wiped="$(psql "$url" -qtAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
echo "Database gewist (wiped): $wiped tabellen."

pg_restore --no-owner --exit-on-error --dbname="$url" "$dump"
after="$(fingerprint)"
rm -f "$dump"

if [ "$before" != "$after" ]; then
  echo "FOUT: het herstel wijkt af van de back-up (restore differs):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "Herstel gelukt (restore verified): $(echo "$after" | wc -l) tabellen, $rows rijen, inhoud gelijk."
