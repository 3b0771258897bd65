#!/bin/sh
# Writes the data set of the runtime benchmark (bench/runtime/run.sh).
#
#   bench/runtime/gen.sh N OUT_DIR
#
# OUT_DIR/migrations/<VERSION>_create_bench_<i>.sql, i = 1..N: the up section
# creates a 7-column table, an index on it and inserts 10 rows (one INSERT);
# the down section drops the index and the table.
#
# And the same work as plain scripts for the sqlite3 CLI:
#   OUT_DIR/up.sql        one transaction per migration, with its version row
#   OUT_DIR/down.sql      per migration in reverse: down + DELETE of the row
#   OUT_DIR/up_group.sql  every migration in a single transaction
# All three start with the CREATE TABLE of schema_migrations that the migrator
# runs (in its own transaction, as here in autocommit).
set -eu

n=${1:?usage: gen.sh N OUT_DIR}
out=${2:?usage: gen.sh N OUT_DIR}
base=20240000000000   # versions base+1 .. base+N
stamp='2024-01-01T00:00:00'

mkdir -p "$out/migrations"

up() { # $1: index
    t=bench_$1
    printf 'CREATE TABLE %s (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n  email TEXT,\n  age INTEGER,\n  score REAL,\n  created_at TEXT,\n  active INTEGER NOT NULL DEFAULT 1\n);\n' "$t"
    printf 'CREATE INDEX %s_name_index ON %s (name);\n' "$t" "$t"
    printf 'INSERT INTO %s (id, name, email, age, score, created_at, active) VALUES\n' "$t"
    j=1
    while [ "$j" -le 10 ]; do
        sep=','
        [ "$j" -eq 10 ] && sep=';'
        printf "  (%d, 'user %d of %s', 'user%d@example.com', %d, %d.5, '%s', %d)%s\n" \
            "$j" "$j" "$t" "$j" $((20 + j)) "$j" "$stamp" $((j % 2)) "$sep"
        j=$((j + 1))
    done
}

down() {
    printf 'DROP INDEX bench_%s_name_index;\nDROP TABLE bench_%s;\n' "$1" "$1"
}

create='CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" INTEGER PRIMARY KEY, "inserted_at" TEXT);'
printf '%s\n' "$create" >"$out/up.sql"
printf '%s\n' "$create" >"$out/down.sql"
printf '%s\nBEGIN;\n' "$create" >"$out/up_group.sql"

i=1
while [ "$i" -le "$n" ]; do
    v=$((base + i))
    f=$out/migrations/${v}_create_bench_$i.sql
    {
        printf -- '-- Benchmark migration %d of %d.\n-- migrate:up\n' "$i" "$n"
        up "$i"
        printf '\n-- migrate:down\n'
        down "$i"
    } >"$f"
    {
        printf 'BEGIN;\n'
        up "$i"
        printf "INSERT INTO schema_migrations VALUES (%s, '%s');\nCOMMIT;\n" "$v" "$stamp"
    } >>"$out/up.sql"
    {
        up "$i"
        printf "INSERT INTO schema_migrations VALUES (%s, '%s');\n" "$v" "$stamp"
    } >>"$out/up_group.sql"
    i=$((i + 1))
done
printf 'COMMIT;\n' >>"$out/up_group.sql"

i=$n
while [ "$i" -ge 1 ]; do
    v=$((base + i))
    {
        printf 'BEGIN;\n'
        down "$i"
        printf 'DELETE FROM schema_migrations WHERE version = %s;\nCOMMIT;\n' "$v"
    } >>"$out/down.sql"
    i=$((i - 1))
done
