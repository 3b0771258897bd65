#!/bin/sh
# Writes the data set of the PostgreSQL runtime benchmark
# (bench/postgres/run.sh); the PostgreSQL twin of bench/runtime/gen.sh.
#
#   bench/postgres/gen.sh N OUT_DIR
#
# OUT_DIR/migrations/<VERSION>_create_bench_<i>.sql, i = 1..N: the up section
# creates a 7-column table, an index on it and inserts 10 rows (one INSERT);
# the down section drops the index and the table.
#
# And the same work as plain scripts for psql:
#   OUT_DIR/up.sql        one transaction per migration, with its version row
#   OUT_DIR/down.sql      per migration in reverse: down + DELETE of the row
#   OUT_DIR/up_group.sql  every migration in a single transaction
# All three start with the CREATE TABLE of schema_migrations that the migrator
# runs (in its own transaction, as here in autocommit).
#
# SPDX-License-Identifier: MIT
set -eu

n=${1:?usage: gen.sh N OUT_DIR}
out=${2:?usage: gen.sh N OUT_DIR}
base=20240000000000   # versions base+1 .. base+N
stamp='2024-01-01 00:00:00'

mkdir -p "$out/migrations"

up() { # $1: index
    t=bench_$1
    printf 'CREATE TABLE %s (\n  id integer PRIMARY KEY,\n  name text NOT NULL,\n  email text,\n  age integer,\n  score real,\n  created_at timestamp(0),\n  active boolean NOT NULL DEFAULT true\n);\n' "$t"
    printf 'CREATE INDEX %s_name_index ON %s (name);\n' "$t" "$t"
    printf 'INSERT INTO %s (id, name, email, age, score, created_at, active) VALUES\n' "$t"
    j=1
    while [ "$j" -le 10 ]; do
        sep=','
        [ "$j" -eq 10 ] && sep=';'
        a=false
        [ $((j % 2)) -eq 1 ] && a=true
        printf "  (%d, 'user %d of %s', 'user%d@example.com', %d, %d.5, '%s', %s)%s\n" \
            "$j" "$j" "$t" "$j" $((20 + j)) "$j" "$stamp" "$a" "$sep"
        j=$((j + 1))
    done
}

down() {
    printf 'DROP INDEX bench_%s_name_index;\nDROP TABLE bench_%s;\n' "$1" "$1"
}

create='CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" bigint, "inserted_at" timestamp(0), PRIMARY KEY ("version"));'
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
        printf 'INSERT INTO schema_migrations VALUES (%s, now());\nCOMMIT;\n' "$v"
    } >>"$out/up.sql"
    {
        up "$i"
        printf 'INSERT INTO schema_migrations VALUES (%s, now());\n' "$v"
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
