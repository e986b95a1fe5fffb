#!/usr/bin/env bash
# The main job end to end on embedded defaults: installs what is missing,
# builds, starts a throwaway PostgreSQL 15, runs an unmodified psql under
# pqward, then prints the session list, the transcript and the chain check.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tools/scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build | tail -n 1

work=$(mktemp -d /tmp/pqward-demo.XXXXXX)
chmod 755 "$work"
trap '/usr/bin/python3 tests/harness.py pg stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=$(/usr/bin/python3 tests/harness.py pg start "$work")

export PGHOST="$work/pg/pgsock" PGPORT=$port PGUSER=postgres PGDATABASE=postgres
psql=/usr/lib/postgresql/15/bin/psql
"$psql" -X -q -v ON_ERROR_STOP=1 <<'SQL'
create table customers (id int primary key, name text, email text);
insert into customers values (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com'),
  (3, 'Edsger', 'edsger@example.com'), (4, 'Barbara', 'barbara@example.com');
SQL

pqward=build/tools/pqward/pqward
journal="$work/journal.db"
echo "\$ pqward run -- psql -c \"select id, name from customers limit 3\""
"$pqward" run --journal "$journal" -- "$psql" -X -c "select id, name from customers limit 3"
echo "\$ pqward sessions"
"$pqward" sessions --journal "$journal"
session=$("$pqward" sessions --journal "$journal" | head -n 1 | cut -d' ' -f1)
echo "\$ pqward show $session"
"$pqward" show --journal "$journal" "$session"
echo "\$ pqward verify"
"$pqward" verify --journal "$journal"
