#!/usr/bin/env bash
# Tests of the schema fingerprint (PROG schema) and of the round trip
# (PROG roundtrip [--stepwise] [--scratch]) of migrating binaries, on real
# databases: SQLite files, and databases on the PostgreSQL server of the
# ctest fixture "pg" (tests/pg).
#
#   roundtrip_test.sh sqlite|pg CASE
#
# ctest runs every CASE as roundtrip.CASE (SQLite) and roundtrip.pg.CASE
# (PostgreSQL; exits 77, a skip, when there is no server and
# MIGRATOR_REQUIRE_POSTGRES is not 1). The migrating binaries are
# <repo>_migrator, built from the fixture repos under fixtures/ (see
# CMakeLists.txt), found through $RT_<repo>. Each case asserts exit
# statuses, the exact lines of the reports (with the scratch database names
# and line counts normalised) and the exact lines of the diffs.
#
# Cases:
#   broken_index      a down forgets an index
#   broken_column     a down drops the wrong column
#   broken_trigger    a down leaves a trigger
#   broken_default    a default is lost (SQLite: the down rebuilds the table
#                     without it; PG: the up depends on data the down leaves)
#                     Each broken_* fails (exit 1) stepwise, naming the
#                     migration, and whole, with a diff whose only '-'/'+'
#                     lines are the object's, byte for byte as diff -u; and
#                     --quiet still prints the failure (broken_index)
#   good              a rich correct repo passes, whole and stepwise, and
#                     stays migrated
#   irreversible      a migration without down stops the round trip
#   applied_refused   a database with an applied migration is refused and
#                     left untouched
#   scratch_cleanup   --scratch leaves nothing behind, also after failures
#   fingerprint_stable      two runs give the same text; empty database
#   fingerprint_order       statement order, ALTER vs CREATE, keyword case
#                           and whitespace do not count
#   fingerprint_dump        sqlite3 .dump / pg_dump restored elsewhere
#                           fingerprint the same
#   fingerprint_own_table   the migrations table (--migration-source,
#                           --prefix) never appears, and only it is left out
#   fingerprint_lines       exact lines for each kind of object
#   rename_back       (SQLite) a correct migration that renames a table, and
#                     back in its down, passes (SQLite quotes the name in
#                     the views and triggers it rewrites)
#   default_case      (SQLite) defaults and checks whose case differs:
#                     DEFAULT "Active" and DEFAULT "active" fingerprint
#                     differently
#
# SPDX-License-Identifier: MIT
set -euo pipefail

[[ $# -eq 2 ]] || {
    echo "usage: $0 sqlite|pg CASE" >&2
    exit 2
}
ADAPTER=$1
CASE_NAME=$2
[[ $ADAPTER == sqlite || $ADAPTER == pg ]] || {
    echo "$0: unknown adapter $ADAPTER" >&2
    exit 2
}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [[ $ADAPTER == pg ]]; then
    pg_setup
else
    [[ -n ${RT_SQLITE3:-} && -x ${RT_SQLITE3:-} ]] || fail "RT_SQLITE3 is not the sqlite3 program (Debian: apt-get install sqlite3)"
fi

# The URL a scratch round trip on $(scratch_anchor) reports, normalised.
scratch_shown() {
    if [[ $ADAPTER == sqlite ]]; then
        echo "sqlite:WORK/scratch/.migrator_roundtrip_XXXXXX"
    else
        echo "$(pg_url postgres)&dbname=migrator_roundtrip_N"
    fi
}

# "(1 line differs)" / "(N lines differ)"
differ() {
    if [[ $1 -eq 1 ]]; then echo "(1 line differs)"; else echo "($1 lines differ)"; fi
}

# ---------------------------------------------------------------- 1. broken

# check_broken: the broken migration BROKEN_VERSION BROKEN_NAME in
# BROKEN_FILE, after BASE_VERSION BASE_NAME, must fail
#  - stepwise (repo rtrip_<KIND>_step, --scratch) at STEP_WHAT with the diff
#    labels STEP_LABELS ("old|new"), naming the migration,
#  - whole (repo rtrip_<KIND>_whole, on a database with the base objects) at
#    WHOLE_WHAT with WHOLE_LABELS,
#  - stepwise on that database too, naming the migration,
# and every diff's '-' and '+' lines must be exactly CHANGED (one a line).
# Whether the whole pass runs before the stepwise one (and passes) or after
# it is left open: its progress line is not compared for stepwise runs.
check_broken() {
    local step_repo=rtrip_${KIND}_step whole_repo=rtrip_${KIND}_whole count expected url who
    local no_whole='^== up all, down all, up all: '
    count=$(printf '%s\n' "$CHANGED" | wc -l)
    who="$BROKEN_VERSION $BROKEN_NAME ($BROKEN_FILE)"

    step "$step_repo roundtrip --scratch --stepwise"
    migrator "$step_repo" roundtrip --scratch --stepwise --url "$(scratch_anchor)"
    expect_status 1
    [[ ! -s $OUT ]] || fail "roundtrip wrote on stdout"
    expected="Round trip of 2 migrations on $(scratch_shown), whole and stepwise
== $BASE_VERSION $BASE_NAME: up, down, up: schema restored
error: round trip: $who: $STEP_WHAT $(differ "$count"):
--- ${STEP_LABELS%%|*}
+++ ${STEP_LABELS#*|}
${step_repo}_migrator: error: round trip failed at $who: $STEP_WHAT"
    assert_same "$expected" "$(report_skeleton | grep -v "$no_whole")" "the stepwise report"
    assert_same "$(printf '%s\n' "$CHANGED" | LC_ALL=C sort)" "$(changed_lines)" \
        "the '-' and '+' lines of the stepwise diff"

    step "$whole_repo roundtrip (whole) on a database with the base objects"
    url=$(db_with_base "$step_repo" whole)
    local before after
    before=$(fingerprint "$url")
    migrator "$whole_repo" roundtrip --url "$url"
    expect_status 1
    cp "$ERR" "$WORK/whole.err"
    if [[ $WHOLE_LABELS == "$WHOLE_DOWN_LABELS" ]]; then
        # It stopped after up all, down all: the diff is byte for byte what
        # diff -u prints for the fingerprints before and now.
        after=$(fingerprint "$url")
        assert_same "$(diff -u --label "${WHOLE_LABELS%%|*}" --label "${WHOLE_LABELS#*|}" \
            <(printf '%s\n' "$before") <(printf '%s\n' "$after") || true)" \
            "$(awk '/^--- / { on = 1 } /_migrator: error: / { on = 0 } on && !/^$/' "$WORK/whole.err")" \
            "the whole report's diff compared with diff -u"
        cp "$WORK/whole.err" "$ERR"
    fi
    expected="Round trip of 1 migration on $(normalise <<<"$url")
error: round trip: $WHOLE_WHAT $(differ "$count"):
--- ${WHOLE_LABELS%%|*}
+++ ${WHOLE_LABELS#*|}
${whole_repo}_migrator: error: round trip failed: $WHOLE_WHAT"
    assert_same "$expected" "$(report_skeleton)" "the whole report"
    assert_same "$(printf '%s\n' "$CHANGED" | LC_ALL=C sort)" "$(changed_lines)" \
        "the '-' and '+' lines of the whole diff"

    step "$whole_repo roundtrip --stepwise on a database with the base objects"
    url=$(db_with_base "$step_repo" stepwise)
    migrator "$whole_repo" roundtrip --stepwise --url "$url"
    expect_status 1
    expected="Round trip of 1 migration on $(normalise <<<"$url"), whole and stepwise
error: round trip: $who: $STEP_WHAT $(differ "$count"):
--- ${STEP_LABELS%%|*}
+++ ${STEP_LABELS#*|}
${whole_repo}_migrator: error: round trip failed at $who: $STEP_WHAT"
    assert_same "$expected" "$(report_skeleton | grep -v "$no_whole")" \
        "the stepwise report (it must name the migration)"
    assert_same "$(printf '%s\n' "$CHANGED" | LC_ALL=C sort)" "$(changed_lines)" \
        "the '-' and '+' lines of the stepwise diff"
}

DOWN_WHAT="down does not restore the schema before up"
DOWN_LABELS="before up|after up, down"
UP_AGAIN_WHAT="up after down does not give the schema of the first up"
UP_AGAIN_LABELS="after up|after up, down, up"
WHOLE_DOWN_WHAT="rolling back all 1 migration does not restore the schema before them (roundtrip --stepwise names the migration)"
WHOLE_DOWN_LABELS="before migrating|after up all, down all"
WHOLE_UP_AGAIN_WHAT="migrating again after rolling back does not give the same schema (roundtrip --stepwise names the migration)"
WHOLE_UP_AGAIN_LABELS="after up all|after up all, down all, up all"

case_broken_index() {
    KIND=index BASE_VERSION=20240101000000 BASE_NAME=create_weather
    BROKEN_VERSION=20240102000000 BROKEN_NAME=add_readings
    BROKEN_FILE=fixtures/index/broken/20240102000000_add_readings.sql
    STEP_WHAT=$DOWN_WHAT STEP_LABELS=$DOWN_LABELS
    WHOLE_WHAT=$WHOLE_DOWN_WHAT WHOLE_LABELS=$WHOLE_DOWN_LABELS
    if [[ $ADAPTER == sqlite ]]; then
        CHANGED="+index weather_city_index on weather (city)"
    else
        CHANGED="+index public.weather_city_index on public.weather: CREATE INDEX weather_city_index ON public.weather USING btree (city)"
    fi
    check_broken

    step "roundtrip --quiet still prints the failure"
    migrator rtrip_index_step roundtrip --quiet --scratch --stepwise --url "$(scratch_anchor)"
    expect_status 1
    assert_same "error: round trip: $BROKEN_VERSION $BROKEN_NAME ($BROKEN_FILE): $DOWN_WHAT (1 line differs):
--- before up
+++ after up, down
rtrip_index_step_migrator: error: round trip failed at $BROKEN_VERSION $BROKEN_NAME ($BROKEN_FILE): $DOWN_WHAT" \
        "$(report_skeleton)" "the report of roundtrip --quiet"
    assert_same "$CHANGED" "$(changed_lines)" "the '-' and '+' lines of the --quiet diff"
}

case_broken_column() {
    KIND=column BASE_VERSION=20240101000000 BASE_NAME=create_cities
    BROKEN_VERSION=20240102000000 BROKEN_NAME=add_population
    BROKEN_FILE=fixtures/column/broken/20240102000000_add_population.sql
    STEP_WHAT=$DOWN_WHAT STEP_LABELS=$DOWN_LABELS
    WHOLE_WHAT=$WHOLE_DOWN_WHAT WHOLE_LABELS=$WHOLE_DOWN_LABELS
    if [[ $ADAPTER == sqlite ]]; then
        CHANGED="-table cities column country: VARCHAR(40)
-table cities columns (id, name, country)
+table cities column population: INTEGER
+table cities columns (id, name, population)"
    else
        CHANGED="-table public.cities column country: character varying(40)
-table public.cities columns (id, name, country)
+table public.cities column population: integer
+table public.cities columns (id, name, population)"
    fi
    check_broken
}

case_broken_trigger() {
    KIND=trigger_$ADAPTER BASE_VERSION=20240101000000 BASE_NAME=create_cities
    BROKEN_VERSION=20240102000000 BROKEN_NAME=audit_cities
    BROKEN_FILE=fixtures/$ADAPTER/trigger/broken/20240102000000_audit_cities.sql
    STEP_WHAT=$DOWN_WHAT STEP_LABELS=$DOWN_LABELS
    WHOLE_WHAT=$WHOLE_DOWN_WHAT WHOLE_LABELS=$WHOLE_DOWN_LABELS
    if [[ $ADAPTER == sqlite ]]; then
        CHANGED="+trigger cities_audit on cities: create trigger cities_audit after insert on cities begin insert into audit (city_id, at) values (new.id, 'now'); end"
    else
        CHANGED="+trigger cities_audit on public.cities: CREATE TRIGGER cities_audit AFTER INSERT ON public.cities FOR EACH ROW EXECUTE FUNCTION public.audit_city()"
    fi
    check_broken
}

case_broken_default() {
    BASE_VERSION=20240101000000
    if [[ $ADAPTER == sqlite ]]; then
        # DDL cannot depend on data: the down rebuilds the table without the
        # default, caught by the down comparison.
        KIND=default_sqlite BASE_NAME=create_tasks
        BROKEN_VERSION=20240102000000 BROKEN_NAME=add_note
        BROKEN_FILE=fixtures/sqlite/default/broken/20240102000000_add_note.sql
        STEP_WHAT=$DOWN_WHAT STEP_LABELS=$DOWN_LABELS
        WHOLE_WHAT=$WHOLE_DOWN_WHAT WHOLE_LABELS=$WHOLE_DOWN_LABELS
        CHANGED="-table tasks column status: TEXT not null default 'new'
+table tasks column status: TEXT not null"
    else
        # The up sets the default only while a bookkeeping row is missing:
        # down restores the schema, but the up after it does not.
        KIND=dataup_pg BASE_NAME=create_items
        BROKEN_VERSION=20240102000000 BROKEN_NAME=add_priority
        BROKEN_FILE=fixtures/pg/dataup/broken/20240102000000_add_priority.sql
        STEP_WHAT=$UP_AGAIN_WHAT STEP_LABELS=$UP_AGAIN_LABELS
        WHOLE_WHAT=$WHOLE_UP_AGAIN_WHAT WHOLE_LABELS=$WHOLE_UP_AGAIN_LABELS
        CHANGED="-table public.items column priority: integer default 0
+table public.items column priority: integer"
    fi
    check_broken
}

# ---------------------------------------------------------------- 2. good

good_repo() { echo "rtrip_good_$ADAPTER"; }

# The status table of `migrations` for rtrip_good_* with every migration STATUS.
good_status() {
    printf '\nRepo: %s\n\n  Status    Migration ID    Migration Name\n' "$(good_repo)"
    printf -- '--------------------------------------------------\n'
    printf '  %-10s%-16s%s\n' "$1" 20240101000000 "$2" "$1" 20240102000000 "$3" \
        "$1" 20240103000000 "$4" "$1" 20240104000000 "$5"
    printf '\n'
}

case_good() {
    local repo url fresh lines names expected
    repo=$(good_repo)
    if [[ $ADAPTER == sqlite ]]; then
        names=(create_countries create_cities create_links alter_countries)
    else
        names=(create_schema_and_types create_tables create_views_and_functions alter_countries)
    fi

    step "the fingerprint of the fully migrated schema"
    fresh=$(new_db fresh)
    migrator_ok "$repo" migrate --quiet --url "$fresh"
    local migrated
    migrated=$(fingerprint "$fresh")
    lines=$(printf '%s\n' "$migrated" | wc -l)
    [[ $lines -gt 25 ]] || fail "expected a rich schema, got $lines lines"

    step "roundtrip --scratch"
    migrator "$repo" roundtrip --scratch --url "$(scratch_anchor)"
    expect_status 0
    [[ ! -s $OUT ]] || fail "roundtrip wrote on stdout"
    expected="Round trip of 4 migrations on $(scratch_shown)
== up all, down all, up all: schema restored ($lines lines)
Round trip passed: 4 migrations checked"
    assert_same "$expected" "$(normalise <"$ERR")" "the report of roundtrip --scratch"

    step "roundtrip --scratch --stepwise"
    migrator "$repo" roundtrip --scratch --stepwise --url "$(scratch_anchor)"
    expect_status 0
    expected="Round trip of 4 migrations on $(scratch_shown), whole and stepwise
== up all, down all, up all: schema restored ($lines lines)
== 20240101000000 ${names[0]}: up, down, up: schema restored
== 20240102000000 ${names[1]}: up, down, up: schema restored
== 20240103000000 ${names[2]}: up, down, up: schema restored
== 20240104000000 ${names[3]}: up, down, up: schema restored
Round trip passed: 4 migrations checked"
    assert_report "$expected" "$(normalise <"$ERR")" "the report of roundtrip --scratch --stepwise"

    step "roundtrip --stepwise on an empty database leaves it migrated"
    url=$(new_db trip)
    migrator "$repo" roundtrip --stepwise --url "$url"
    expect_status 0
    assert_contains_line "$ERR" "Round trip passed: 4 migrations checked"
    migrator_ok "$repo" migrations --url "$url"
    assert_same "$(good_status up "${names[@]}")" "$(cat "$OUT")" "the status after the round trip"
    assert_same "$migrated" "$(fingerprint "$url")" "the fingerprint after the round trip"

    step "--stepwise and --scratch belong to roundtrip"
    migrator "$repo" schema --stepwise --url "$url"
    expect_status 2
    assert_same "${repo}_migrator: --stepwise applies only to the roundtrip command
Try '${repo}_migrator --help'." "$(cat "$ERR")" "the usage error"

    step "roundtrip --quiet prints nothing"
    url=$(new_db quiet)
    migrator "$repo" roundtrip --quiet --url "$url"
    expect_status 0
    [[ ! -s $ERR && ! -s $OUT ]] || fail "roundtrip --quiet printed something"
}

# ---------------------------------------------------------------- 3. irreversible

case_irreversible() {
    local url expected status
    status=$(printf '\nRepo: rtrip_irrev\n\n  Status    Migration ID    Migration Name\n%s\n%s\n%s\n%s\n%s\n\n' \
        "--------------------------------------------------" \
        "  up        20240101000000  create_authors" \
        "  up        20240102000000  create_books" \
        "  down      20240103000000  backfill_titles" \
        "  down      20240104000000  add_isbn")

    step "roundtrip --stepwise stops before the irreversible migration"
    url=$(new_db stepwise)
    migrator rtrip_irrev roundtrip --stepwise --url "$url"
    expect_status 1
    expected="Round trip of 2 migrations on $(normalise <<<"$url"), whole and stepwise
== up all, down all, up all: schema restored (N lines)
== 20240101000000 create_authors: up, down, up: schema restored
== 20240102000000 create_books: up, down, up: schema restored
error: round trip: 20240103000000 backfill_titles (fixtures/irrev/20240103000000_backfill_titles.sql) has no down section: it cannot be rolled back, so the round trip stops before it; 2 migrations checked, 2 not
rtrip_irrev_migrator: error: round trip stopped at 20240103000000 backfill_titles (fixtures/irrev/20240103000000_backfill_titles.sql): it has no down section"
    assert_report "$expected" "$(report_skeleton)" "the report"
    # The checked migrations stay applied; the irreversible one and the
    # broken one after it never ran.
    migrator_ok rtrip_irrev migrations --url "$url"
    assert_same "$status" "$(cat "$OUT")" "the status after the round trip"
    local fp
    fp=$(fingerprint "$url")
    assert_lacks "$fp" "legacy_titles" "the irreversible migration ran"
    assert_lacks "$fp" "isbns" "the migration after the irreversible one ran"

    step "roundtrip (whole) stops before it too"
    url=$(new_db whole)
    migrator rtrip_irrev roundtrip --url "$url"
    expect_status 1
    expected="Round trip of 2 migrations on $(normalise <<<"$url")
== up all, down all, up all: schema restored (N lines)
error: round trip: 20240103000000 backfill_titles (fixtures/irrev/20240103000000_backfill_titles.sql) has no down section: it cannot be rolled back, so the round trip stops before it; 2 migrations checked, 2 not
rtrip_irrev_migrator: error: round trip stopped at 20240103000000 backfill_titles (fixtures/irrev/20240103000000_backfill_titles.sql): it has no down section"
    assert_same "$expected" "$(report_skeleton)" "the report"
    migrator_ok rtrip_irrev migrations --url "$url"
    assert_same "$status" "$(cat "$OUT")" "the status after the round trip"
}

# ---------------------------------------------------------------- 4. applied

case_applied_refused() {
    local repo url before rows expected flags
    repo=$(good_repo)
    url=$(new_db applied)
    migrator_ok "$repo" migrate --step 1 --quiet --url "$url"
    before=$(fingerprint "$url")
    rows=$(query "$url" "SELECT version, inserted_at FROM schema_migrations ORDER BY version")
    [[ $rows == 20240101000000\|* && $(wc -l <<<"$rows") -eq 1 ]] ||
        fail "expected one applied version, got: $rows"
    for flags in "" "--stepwise"; do
        step "roundtrip $flags is refused"
        # shellcheck disable=SC2086
        migrator "$repo" roundtrip $flags --url "$url"
        expect_status 1
        expected="$repo""_migrator: error: the round trip needs a database where no migration is applied, but $url has 1 (the newest is 20240101000000): use an empty database (roundtrip --scratch makes one)"
        assert_same "$expected" "$(cat "$ERR")" "the message"
        [[ ! -s $OUT ]] || fail "roundtrip wrote on stdout"
        assert_same "$before" "$(fingerprint "$url")" "the fingerprint after the refusal"
        assert_same "$rows" "$(query "$url" "SELECT version, inserted_at FROM schema_migrations ORDER BY version")" \
            "schema_migrations after the refusal"
    done
}

# ---------------------------------------------------------------- 5. scratch

# run_scratch REPO STATUS ARGS...: roundtrip --scratch ARGS on the anchor;
# checks the exit status and that the scratch database is gone afterwards.
run_scratch() {
    local repo=$1 want=$2 pid var="RT_$1" name listing
    shift 2
    if [[ $ADAPTER == sqlite ]]; then
        listing=$(ls -A "$WORK/scratch")
        set +e
        "${!var}" roundtrip --scratch --url "$(scratch_anchor)" "$@" >"$OUT" 2>"$ERR"
        STATUS=$?
        set -e
        expect_status "$want"
        name=$(sed -n 's|^Round trip of .* on sqlite:\(.*/\.migrator_roundtrip_[A-Za-z0-9]\{6\}\).*|\1|p' "$ERR")
        [[ $name == "$WORK/scratch/.migrator_roundtrip_"* ]] ||
            fail "the round trip did not report a scratch file in $WORK/scratch"
        [[ ! -e $name ]] || fail "the scratch database $name is still there"
        assert_same "$listing" "$(ls -A "$WORK/scratch")" "the directory of the scratch database"
    else
        set +e
        "${!var}" roundtrip --scratch --url "$(scratch_anchor)" "$@" >"$OUT" 2>"$ERR" &
        pid=$!
        wait "$pid"
        STATUS=$?
        set -e
        expect_status "$want"
        name=$(sed -n 's/^Round trip of .*&dbname=\(migrator_roundtrip_[0-9_]*\).*/\1/p' "$ERR")
        [[ $name == migrator_roundtrip_${pid}_* ]] ||
            fail "the round trip did not report a scratch database migrator_roundtrip_${pid}_..."
        assert_same "" "$(query "$(pg_url postgres)" \
            "SELECT datname FROM pg_database WHERE datname LIKE 'migrator\\_roundtrip\\_${pid}\\_%'")" \
            "the scratch databases left by process $pid"
    fi
}

case_scratch_cleanup() {
    local url before checksum
    if [[ $ADAPTER == sqlite ]]; then
        mkdir -p "$WORK/scratch"
    fi
    step "a round trip that passes"
    run_scratch "$(good_repo)" 0 --stepwise
    step "a round trip that fails a comparison"
    run_scratch rtrip_index_step 1 --stepwise
    assert_contains_line "$ERR" "rtrip_index_step_migrator: error: round trip failed at 20240102000000 add_readings (fixtures/index/broken/20240102000000_add_readings.sql): down does not restore the schema before up"
    step "a round trip that stops at an irreversible migration"
    run_scratch rtrip_irrev 1
    assert_contains_line "$ERR" "rtrip_irrev_migrator: error: round trip stopped at 20240103000000 backfill_titles (fixtures/irrev/20240103000000_backfill_titles.sql): it has no down section"

    if [[ $ADAPTER == sqlite ]]; then
        step "--scratch on sqlite::memory: uses it as it is"
        migrator "$(good_repo)" roundtrip --scratch --url sqlite::memory:
        expect_status 0
        assert_same "Round trip of 4 migrations on sqlite::memory:
== up all, down all, up all: schema restored (29 lines)
Round trip passed: 4 migrations checked" "$(cat "$ERR")" "the report on sqlite::memory:"
        assert_same "" "$(ls -A "$WORK/scratch")" "the scratch directory"
    fi

    step "--scratch never touches --url's own database"
    if [[ $ADAPTER == sqlite ]]; then
        [[ ! -e $WORK/scratch/anchor.db ]] || fail "--scratch created the --url database"
        url="sqlite:$WORK/scratch/anchor.db"
    else
        url=$(new_db anchor)
    fi
    migrator_ok rtrip_index_step migrate --step 1 --quiet --url "$url"
    before=$(fingerprint "$url")
    [[ $ADAPTER != sqlite ]] || checksum=$(sha256sum <"$WORK/scratch/anchor.db")
    if [[ $ADAPTER == sqlite ]]; then
        run_scratch "$(good_repo)" 0
    else
        migrator "$(good_repo)" roundtrip --scratch --url "$url"
        expect_status 0
    fi
    assert_same "$before" "$(fingerprint "$url")" "the fingerprint of the --url database"
    assert_same "20240101000000" "$(query "$url" "SELECT version FROM schema_migrations")" \
        "the applied versions of the --url database"
    [[ $ADAPTER != sqlite ]] || assert_same "$checksum" "$(sha256sum <"$WORK/scratch/anchor.db")" \
        "the bytes of the --url database"
}

# ---------------------------------------------------------------- 6. fingerprints

case_fingerprint_stable() {
    local url first second
    step "an empty database"
    url=$(new_db empty)
    if [[ $ADAPTER == sqlite ]]; then
        sql "$url" "CREATE TABLE placeholder (x); DROP TABLE placeholder" # the file exists
        assert_same "" "$(fingerprint "$url")" "the fingerprint of an empty database"
        [[ ! -s $OUT ]] || fail "the fingerprint of an empty database is not empty"
    else
        assert_same "comment on schema public: 'standard public schema'
extension plpgsql version 1.0 schema pg_catalog
schema public" "$(fingerprint "$url")" "the fingerprint of an empty database"
    fi

    step "two runs on the migrated rich schema"
    url=$(new_db rich)
    migrator_ok "$(good_repo)" migrate --quiet --url "$url"
    first=$(fingerprint "$url")
    [[ -n $first ]] || fail "empty fingerprint"
    [[ $(tail -c 1 "$OUT" | od -An -c | tr -d ' ') == '\n' ]] || fail "the last line does not end in a newline"
    LC_ALL=C sort -c "$OUT" || fail "the lines are not sorted by byte value"
    [[ -z $(LC_ALL=C sort "$OUT" | uniq -d) ]] || fail "repeated lines: $(LC_ALL=C sort "$OUT" | uniq -d)"
    # Reading the status and running nothing change nothing.
    migrator_ok "$(good_repo)" migrations --url "$url"
    migrator_ok "$(good_repo)" migrate --url "$url"
    second=$(fingerprint "$url")
    assert_same "$first" "$second" "the second fingerprint"
}

# The same schema, two ways (order of statements, ALTER TABLE vs CREATE,
# keyword case, whitespace, comments).
case_fingerprint_order() {
    local a b
    a=$(new_db one)
    b=$(new_db two)
    if [[ $ADAPTER == sqlite ]]; then
        sql_script "$a" <<'SQL'
CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE children (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parents (id) ON DELETE CASCADE,
  label TEXT DEFAULT 'x' CHECK (label <> ''),
  extra INTEGER
);
CREATE INDEX children_label_index ON children (label) WHERE label IS NOT NULL;
CREATE INDEX children_lower_label_index ON children (lower(label));
CREATE VIEW child_names AS SELECT c.label, p.name FROM children c JOIN parents p ON p.id = c.parent_id;
CREATE TRIGGER children_touch AFTER UPDATE ON children BEGIN UPDATE parents SET name = name WHERE id = new.parent_id; END;
SQL
        sql_script "$b" <<'SQL'
create table children(id integer primary key,
    parent_id integer not null references parents(id) on delete cascade ,
    label text default 'x'   check(label<>''));
create table parents ( id INTEGER PRIMARY KEY , name TEXT NOT NULL UNIQUE ) ;
-- the view before the indexes, the trigger before the view
create trigger children_touch after update on children
begin
   update parents set name=name where id=new.parent_id ;
end;
create view child_names as select c.label,p.name
  from children c join parents p on p.id=c.parent_id;
create index children_lower_label_index on children(LOWER( label ));
alter table children add column extra integer;
create index children_label_index on children(label ASC) where label is not null;
SQL
    else
        sql_script "$a" <<'SQL'
CREATE TABLE parents (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE children (
  id integer PRIMARY KEY,
  parent_id integer NOT NULL REFERENCES parents (id) ON DELETE CASCADE,
  label text DEFAULT 'x' CHECK (label <> ''),
  extra integer
);
CREATE SEQUENCE counter START 10;
CREATE INDEX children_label_index ON children (label) WHERE label IS NOT NULL;
CREATE VIEW child_names AS SELECT c.label, p.name FROM children c JOIN parents p ON p.id = c.parent_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER children_touch BEFORE UPDATE ON children FOR EACH ROW EXECUTE FUNCTION touch();
SQL
        sql_script "$b" <<'SQL'
create function TOUCH() returns TRIGGER language PLPGSQL as $$BEGIN RETURN NEW; END$$;
create sequence counter start with 10;
create table parents ( id int4 primary key , name TEXT not null unique ) ;
create table children (id int primary key, parent_id int4 not null, label TEXT);
-- constraints, defaults and a column added afterwards
alter table children add constraint children_label_check check (label<>'');
alter table children alter column label set default 'x';
alter table children add column extra INTEGER;
alter table children add constraint children_parent_id_fkey foreign key (parent_id)
    references parents(id) on delete cascade;
create trigger children_touch before update on children for each row execute procedure touch();
create view child_names as select C.label, P.name from children C join parents P on P.id=C.parent_id;
create index children_label_index on children using btree (label ASC) where (label is not null);
SQL
    fi
    local fa fb
    fa=$(fingerprint "$a")
    fb=$(fingerprint "$b")
    [[ $(wc -l <<<"$fa") -gt 15 ]] || fail "too small a fingerprint: $fa"
    assert_same "$fa" "$fb" "the fingerprint of the same schema made another way"
}

case_fingerprint_dump() {
    local a b before
    a=$(new_db original)
    b=$(new_db restored)
    migrator_ok "$(good_repo)" migrate --quiet --url "$a"
    before=$(fingerprint "$a")
    if [[ $ADAPTER == sqlite ]]; then
        "$RT_SQLITE3" "${a#sqlite:}" .dump >"$WORK/dump.sql" || fail "sqlite3 .dump failed"
    else
        [[ -n $PG_DUMP ]] || pg_unavailable "no pg_dump"
        "$PG_DUMP" --no-owner -d "$(pg_name "$a")" >"$WORK/dump.sql" 2>"$WORK/pg_dump.err" ||
            fail "pg_dump failed: $(cat "$WORK/pg_dump.err")"
    fi
    grep -q schema_migrations "$WORK/dump.sql" || fail "the dump lacks schema_migrations"
    sql_script "$b" <"$WORK/dump.sql"
    assert_same "$before" "$(fingerprint "$b")" "the fingerprint of the restored database"
    assert_same "20240101000000
20240102000000
20240103000000
20240104000000" "$(query "$b" "SELECT version FROM schema_migrations ORDER BY version")" \
        "the versions in the restored database"
}

case_fingerprint_own_table() {
    local repo plain custom fp expected
    repo=$(good_repo)
    step "the default migrations table"
    plain=$(new_db plain)
    migrator_ok "$repo" migrate --quiet --url "$plain"
    expected=$(fingerprint "$plain")
    assert_lacks "$expected" "schema_migrations" "the default migrations table"

    step "--migration-source rt_versions"
    custom=$(new_db custom)
    migrator_ok "$repo" migrate --quiet --migration-source rt_versions --url "$custom"
    assert_same "4" "$(query "$custom" "SELECT count(*) FROM rt_versions")" "rows of rt_versions"
    fp=$(fingerprint "$custom" --migration-source rt_versions)
    assert_lacks "$fp" "rt_versions" "the --migration-source table"
    assert_same "$expected" "$fp" "the fingerprint with --migration-source"
    # Only the migrations table is left out: with the default source,
    # rt_versions is an ordinary table.
    fp=$(fingerprint "$custom")
    if [[ $ADAPTER == sqlite ]]; then
        printf '%s\n' "$fp" | grep -qxF "table rt_versions column version: INTEGER primary key 1" ||
            fail "rt_versions is not shown as an ordinary table: $fp"
    else
        printf '%s\n' "$fp" | grep -qxF "table public.rt_versions column version: bigint not null" ||
            fail "rt_versions is not shown as an ordinary table: $fp"
    fi
    # A round trip with that source passes and does not see its table.
    migrator "$repo" roundtrip --scratch --migration-source rt_versions --url "$(scratch_anchor)"
    expect_status 0

    if [[ $ADAPTER == pg ]]; then
        step "--prefix tenant"
        local tenant
        tenant=$(new_db tenant)
        migrator_ok rtrip_index_step migrate --quiet --prefix tenant --url "$tenant"
        fp=$(fingerprint "$tenant" --prefix tenant)
        assert_lacks "$fp" "schema_migrations" "the --prefix migrations table"
        printf '%s\n' "$fp" | grep -qxF "table tenant.weather column city: character varying(40) not null" ||
            fail "the migrations did not run in the tenant schema: $fp"
        # Without --prefix, tenant.schema_migrations is an ordinary table.
        fp=$(fingerprint "$tenant")
        printf '%s\n' "$fp" | grep -qxF "table tenant.schema_migrations column version: bigint not null" ||
            fail "tenant.schema_migrations is not shown without --prefix: $fp"
        migrator "$repo" roundtrip --scratch --prefix tenant --url "$(scratch_anchor)"
        expect_status 0
    else
        step "--prefix is refused on SQLite"
        migrator "$repo" schema --prefix tenant --url "$plain"
        expect_status 1
    fi
}

# Exact lines of each kind of object.
case_fingerprint_lines() {
    local url fp
    url=$(new_db lines)
    migrator_ok "$(good_repo)" migrate --quiet --url "$url"
    fp=$(fingerprint "$url")
    printf '%s\n' "$fp" >"$WORK/fp"
    local line
    if [[ $ADAPTER == sqlite ]]; then
        while IFS= read -r line; do
            assert_contains_line "$WORK/fp" "$line"
        done <<'LINES'
table countries
table countries column code: TEXT not null primary key 1 check (length (code) = 2)
table countries column population: INTEGER not null default 0 check (population >= 0)
table countries column continent: TEXT not null default 'unknown'
table countries column capital: TEXT
table countries columns (code, name, population, capital, continent)
table countries unique (name)
table cities check (name <> '')
table cities column id: INTEGER primary key 1
table cities column name: TEXT not null collate nocase
table cities column name_length: INTEGER generated virtual as (length (name))
table cities column created_at: TEXT not null default datetime ('now')
table cities columns (id, country_code, name, name_length, created_at)
table cities unique (country_code, name collate nocase)
table cities foreign key (country_code) references countries (code) on update NO ACTION on delete CASCADE
index cities_big_index on cities (country_code) where id > 1000
index cities_lower_name_index on cities (lower (name))
table city_links without rowid
table city_links column from_id: INTEGER not null primary key 1
table city_links column to_id: INTEGER not null primary key 2
table city_links foreign key (to_id) references cities (id) on update NO ACTION on delete CASCADE
view big_cities: create view big_cities as select c.id, c.name, k.name as country from cities c join countries k on k.code = c.country_code where c.id > 1000
trigger cities_touch on cities: create trigger cities_touch after update of name on cities begin update cities set created_at = datetime ('now') where id = new.id; end
LINES
        assert_lacks "$fp" "nickname" "the dropped column"
        assert_lacks "$fp" "sqlite_" "SQLite's own tables"
        assert_same 29 "$(wc -l <"$WORK/fp")" "the number of lines"
    else
        while IFS= read -r line; do
            assert_contains_line "$WORK/fp" "$line"
        done <<'LINES'
schema geo
comment on schema geo: 'geography'
type geo.mood as enum ('sad', 'ok', 'happy')
domain geo.percent as integer default 0
domain geo.percent constraint percent_range: CHECK (VALUE >= 0 AND VALUE <= 100)
sequence geo.ticket_seq: bigint start 100 increment 5 min 1 max 9223372036854775807 cache 1
sequence geo.cities_id_seq: bigint start 1 increment 1 min 1 max 9223372036854775807 cache 1 owned by geo.cities.id
table geo.cities
table geo.cities column id: bigint not null generated always as identity
table geo.cities column name_upper: text generated always as (upper(name)) stored
table geo.cities column mood: geo.mood not null default 'ok'::geo.mood
table geo.cities column happiness: geo.percent
table geo.cities column ticket: integer not null default nextval('geo.ticket_seq'::regclass)
table geo.cities columns (id, country_code, name, name_upper, mood, happiness, ticket, during)
table geo.cities constraint cities_pkey: PRIMARY KEY (id)
table geo.cities constraint cities_country_code_fkey: FOREIGN KEY (country_code) REFERENCES geo.countries(code) ON DELETE CASCADE
table geo.cities constraint cities_no_overlap: EXCLUDE USING gist (during WITH &&)
table geo.cities constraint cities_name_check: CHECK (name <> ''::text)
comment on table geo.cities: 'cities of the world'
comment on table column geo.cities.name: 'the local name'
index geo.cities_happy_index on geo.cities: CREATE INDEX cities_happy_index ON geo.cities USING btree (country_code) WHERE ((happiness)::integer > 50)
table geo.countries row level security
table geo.countries column continent: text not null default 'unknown'::text
table geo.countries columns (code, name, continent)
table geo.countries constraint countries_code_check: CHECK (code ~ '^[A-Z]{2}$'::text)
table geo.countries constraint countries_name_key: UNIQUE (name)
view geo.happy_cities: SELECT cities.id, cities.name FROM geo.cities WHERE cities.mood = 'happy'::geo.mood;
view geo.happy_cities columns (id, name)
materialized view geo.city_counts: SELECT cities.country_code, count(*) AS n FROM geo.cities GROUP BY cities.country_code;
materialized view geo.city_counts column n: bigint
trigger cities_trim on geo.cities: CREATE TRIGGER cities_trim BEFORE INSERT OR UPDATE ON geo.cities FOR EACH ROW EXECUTE FUNCTION geo.trim_city_name()
extension plpgsql version 1.0 schema pg_catalog
LINES
        # Functions: the signature exactly, the definition as a hash.
        printf '%s\n' "$fp" | grep -qE '^function geo\.add_one\(i integer\) returns integer language sql immutable strict definition sha256:[0-9a-f]{16}$' ||
            fail "no line for geo.add_one: $fp"
        printf '%s\n' "$fp" | grep -qE '^function geo\.trim_city_name\(\) returns trigger language plpgsql definition sha256:[0-9a-f]{16}$' ||
            fail "no line for geo.trim_city_name: $fp"
        printf '%s\n' "$fp" | grep -qE '^policy countries_read on geo\.countries: permissive ' ||
            fail "no line for the policy: $fp"
        assert_lacks "$fp" "population" "the dropped column"
        # The extension only if the server ships it; its own objects never.
        if [[ -n $(query "$url" "SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'") ]]; then
            printf '%s\n' "$fp" | grep -qE '^extension pgcrypto version [0-9.]+ schema public$' ||
                fail "no line for pgcrypto: $fp"
            assert_lacks "$fp" "digest" "the extension's own functions"
        else
            echo "pgcrypto is not available on this server: its line is not checked"
        fi
    fi
}

# ---------------------------------------------------------------- rename (SQLite)

# ALTER TABLE ... RENAME makes SQLite rewrite every reference to the table in
# views and triggers as a quoted identifier ("towns", then "cities"): a
# correct migration that renames a table, and whose down renames it back,
# must pass. (It failed at "down does not restore the schema before up"
# while the canonical SQL kept quotes around plain names.)
case_rename_back() {
    migrator rtrip_rename_sqlite roundtrip --scratch --stepwise --url "$(scratch_anchor)"
    expect_status 0
    assert_report "Round trip of 2 migrations on $(scratch_shown), whole and stepwise
== up all, down all, up all: schema restored (N lines)
== 20240101000000 create_cities: up, down, up: schema restored
== 20240102000000 rename_cities: up, down, up: schema restored
Round trip passed: 2 migrations checked" "$(report_skeleton)" "the report"
    # The quotes SQLite added do not show; names in quotes that are not
    # plain names keep them.
    local url fp
    url=$(new_db quoted)
    sql_script "$url" <<'SQL'
CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE "odd name" (x INTEGER);
CREATE VIEW v AS SELECT "name", "x" FROM "cities", "odd name";
ALTER TABLE cities RENAME TO towns;
ALTER TABLE towns RENAME TO cities;
SQL
    fp=$(fingerprint "$url")
    printf '%s\n' "$fp" | grep -qxF 'view v: create view v as select name, x from cities, "odd name"' ||
        fail "the view's line: $fp"
}

# ------------------------------------------------------ case in values

# In SQLite a bare word or a double-quoted name that names no column is a
# string, so DEFAULT "Active" / DEFAULT Active (the value 'Active') and
# DEFAULT "active" (the value 'active'), or CHECK (s <> "Done") and
# CHECK (s <> "done"), are different schemas: their fingerprints must
# differ, or a down that restores a default with another case would go
# unnoticed (runtime/sql_canonical.c keeps the case of quoted names;
# runtime/schema_sqlite.c keeps the case of words in defaults).
case_default_case() {
    local pair a b bad="" i=0
    for pair in 'DEFAULT "Active"|DEFAULT "active"' 'DEFAULT Active|DEFAULT active' \
        'CHECK (s <> "Done")|CHECK (s <> "done")'; do
        i=$((i + 1))
        a=$(new_db "a$i")
        b=$(new_db "b$i")
        sql "$a" "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT ${pair%%|*})"
        sql "$b" "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT ${pair#*|})"
        # They are different: SQLite stores or accepts different values.
        sql "$a" "INSERT INTO t (id, s) VALUES (1, 'done')"
        sql "$b" "INSERT INTO t (id, s) VALUES (1, 'Done')"
        if [[ "$(fingerprint "$a")" == "$(fingerprint "$b")" ]]; then
            bad+="
  ${pair%%|*} and ${pair#*|} both give: $(fingerprint "$a" | grep 'column s:')"
        fi
    done
    [[ -z $bad ]] || fail "different schemas with the same fingerprint:$bad"
}

fn="case_$CASE_NAME"
declare -F "$fn" >/dev/null || {
    echo "$0: unknown case $CASE_NAME" >&2
    exit 2
}
"$fn"
echo "PASS [$ADAPTER $CASE_NAME]"
