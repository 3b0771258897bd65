#!/bin/sh
# Writes the data set of the runtime benchmark (bench/runtime/run.sh).
#
#   bench/runtime/gen.sh N OUT_DIR              the migrations
#   bench/runtime/gen.sh N OUT_DIR CHECKSUMS    the sqlite3 scripts
#
# OUT_DIR/migrations/<VERSION>_create_bench_<i>.sql, i = 1..N: the up section
# creates a 7-column table, an index on it and inserts 10 rows (one INSERT);
# the down section drops the index and the table.
#
# With CHECKSUMS (a file of N lines "VERSION CHECKSUM", ascending, as
# `repo_migrator migrations --format json` gives them: run.sh writes it once
# the migrations are built in), the same work as plain scripts for the
# sqlite3 CLI:
#   OUT_DIR/up.sql        one transaction per migration, with its version row
#                         and its row in our table
#   OUT_DIR/down.sql      per migration in reverse: down + DELETE of both rows
#   OUT_DIR/up_group.sql  every migration in a single transaction
# All three start with the CREATE TABLE of schema_migrations that the migrator
# runs (in its own transaction, as here in autocommit). Our table,
# schema_migrations_migrator (runtime/history.c), is created as the migrator
# creates it: CREATE TABLE IF NOT EXISTS in the first migration's transaction,
# after its version row; every applied migration then upserts its row
# (version, 'applied', checksum, checksum algorithm 1, updated_at) right
# after its version row, and a rollback deletes it right after Ecto's.
set -eu

n=${1:?usage: gen.sh N OUT_DIR [CHECKSUMS]}
out=${2:?usage: gen.sh N OUT_DIR [CHECKSUMS]}
sums=${3:-}
base=20240000000000   # versions base+1 .. base+N
stamp='2024-01-01T00:00:00'

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

if [ -z "$sums" ]; then
    mkdir -p "$out/migrations"
    i=1
    while [ "$i" -le "$n" ]; do
        v=$((base + i))
        {
            printf -- '-- Benchmark migration %d of %d.\n-- migrate:up\n' "$i" "$n"
            up "$i"
            printf '\n-- migrate:down\n'
            down "$i"
        } >"$out/migrations/${v}_create_bench_$i.sql"
        i=$((i + 1))
    done
    exit 0
fi

[ "$(wc -l <"$sums")" -eq "$n" ] || { echo "gen.sh: $sums does not hold $n lines" >&2; exit 1; }

create='CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" INTEGER PRIMARY KEY, "inserted_at" TEXT);'
# runtime/history.c, create_table() and write_applied(), with the values
# the migrator binds written in.
ours_create='CREATE TABLE IF NOT EXISTS "schema_migrations_migrator" ("version" bigint PRIMARY KEY, "state" text NOT NULL, "direction" text, "statements_done" integer, "statements_total" integer, "location" text, "error" text, "checksum" text, "checksum_algorithm" integer, "updated_at" text);'
ours_insert() { # VERSION CHECKSUM
    printf 'INSERT INTO "schema_migrations_migrator" ("version", "state", "checksum", "checksum_algorithm", "updated_at") VALUES (%s, '\''applied'\'', '\''%s'\'', 1, '\''%s'\'') ON CONFLICT ("version") DO UPDATE SET "state" = '\''applied'\'', "direction" = NULL, "statements_done" = NULL, "statements_total" = NULL, "location" = NULL, "error" = NULL, "checksum" = '\''%s'\'', "checksum_algorithm" = 1, "updated_at" = '\''%s'\'';\n' \
        "$1" "$2" "$stamp" "$2" "$stamp"
}

printf '%s\n' "$create" >"$out/up.sql"
printf '%s\n' "$create" >"$out/down.sql"
printf '%s\nBEGIN;\n' "$create" >"$out/up_group.sql"

expect=$((base + 1))
while read -r v sum; do
    [ "$v" -eq "$expect" ] && [ "${#sum}" -eq 64 ] ||
        { echo "gen.sh: $sums: expected version $expect and a 64-digit checksum, got: $v $sum" >&2; exit 1; }
    i=$((v - base))
    {
        printf 'BEGIN;\n'
        up "$i"
        printf "INSERT INTO schema_migrations VALUES (%s, '%s');\n" "$v" "$stamp"
        [ "$i" -eq 1 ] && printf '%s\n' "$ours_create"
        ours_insert "$v" "$sum"
        printf 'COMMIT;\n'
    } >>"$out/up.sql"
    {
        up "$i"
        printf "INSERT INTO schema_migrations VALUES (%s, '%s');\n" "$v" "$stamp"
        [ "$i" -eq 1 ] && printf '%s\n' "$ours_create"
        ours_insert "$v" "$sum"
    } >>"$out/up_group.sql"
    expect=$((expect + 1))
done <"$sums"
printf 'COMMIT;\n' >>"$out/up_group.sql"

i=$n
while [ "$i" -ge 1 ]; do
    v=$((base + i))
    {
        printf 'BEGIN;\n'
        down "$i"
        printf 'DELETE FROM schema_migrations WHERE version = %s;\n' "$v"
        printf 'DELETE FROM "schema_migrations_migrator" WHERE "version" = %s;\nCOMMIT;\n' "$v"
    } >>"$out/down.sql"
    i=$((i - 1))
done
