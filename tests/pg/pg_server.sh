#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: the ctest fixture "pg"
# (tests/pg/PgFixture.cmake) runs it before and after the PostgreSQL tests.
#
#   pg_server.sh start DIR   initdb a cluster in DIR/data and start it with a
#                            unix socket only (no TCP port); write DIR/env
#   pg_server.sh stop DIR    stop it (fast) and remove DIR/data
#
# DIR/env holds PGHOST, PGPORT and PGUSER, one KEY=VALUE a line, for the
# tests (tests/pg/pg_test_db.h reads it). DIR/state is this script's own
# record of where the cluster and the socket are. DIR/server.log is the
# server's log and is kept after stop.
#
# Exit status: 0 done; 77 the server binaries are missing (a skip for ctest),
# or 1 for that when MIGRATOR_REQUIRE_POSTGRES=1; 1 on any other failure.
#
# MIGRATOR_PG_BINDIR=/usr/lib/postgresql/16/bin picks the server binaries
# (by default: pg_config --bindir, the newest /usr/lib/postgresql/*/bin,
# then PATH).
#
# As root, initdb, pg_ctl and the server run as the postgres user
# (runuser -u postgres); otherwise as the calling user.
#
# SPDX-License-Identifier: MIT
set -euo pipefail

prog=pg_server.sh
port=5432

die() {
    echo "$prog: $*" >&2
    exit 1
}

usage() {
    echo "usage: $prog start|stop DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
[[ $action == start || $action == stop ]] || usage
[[ -n $2 ]] || usage
mkdir -p -- "$2"
dir=$(cd -- "$2" && pwd -P)
env_file=$dir/env
state_file=$dir/state
log_file=$dir/server.log

# Commands run from / so that the postgres user never needs access to the
# caller's working directory.
cd /

# The directory with the server binaries, or "" when there is none:
# $MIGRATOR_PG_BINDIR when set (and nothing else then), else pg_config --bindir, else the newest /usr/lib/postgresql/*/bin, else where
# initdb is on PATH.
find_bindir() {
    local d candidate
    if [[ -n ${MIGRATOR_PG_BINDIR:-} ]]; then
        if [[ -x $MIGRATOR_PG_BINDIR/initdb && -x $MIGRATOR_PG_BINDIR/pg_ctl ]]; then
            echo "$MIGRATOR_PG_BINDIR"
        else
            echo ""
        fi
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        if [[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
            echo "$d"
            return
        fi
    fi
    d=$(for candidate in /usr/lib/postgresql/*/bin; do
        if [[ -x $candidate/initdb && -x $candidate/pg_ctl && -x $candidate/postgres ]]; then
            echo "$candidate"
        fi
    done | sort -V | tail -n 1)
    if [[ -n $d ]]; then
        echo "$d"
        return
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        d=$(dirname "$(command -v initdb)")
        echo "$d"
        return
    fi
    echo ""
}

# The user the server runs as: postgres when we are root.
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Reads KEY from DIR/state ("" when missing).
state_get() {
    [[ -f $state_file ]] || return 0
    sed -n "s/^$1=//p" "$state_file" | head -n 1
}

# Stops whatever a previous run left in DIR: a running server (fast, then
# immediate), its data directory and a socket directory under /tmp.
cleanup_previous() {
    local bindir=$1 data socket
    data=$(state_get DATA)
    socket=$(state_get SOCKET)
    [[ -n $data ]] || data=$dir/data
    if [[ -f $data/postmaster.pid && -n $bindir ]]; then
        if ! as_server_user "$bindir/pg_ctl" -D "$data" -m fast -t 30 stop >/dev/null 2>&1; then
            as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -t 30 stop >/dev/null 2>&1 || true
        fi
    fi
    rm -rf -- "$data" "$dir/data"
    if [[ -n $socket && $socket != "$dir/socket" ]]; then
        rm -rf -- "$socket"
    fi
    rm -rf -- "$dir/socket"
    local tmp
    tmp=$(state_get TMPDIR)
    [[ -z $tmp ]] || rm -rf -- "$tmp"
    rm -f -- "$env_file" "$state_file"
}

missing_binaries() {
    local where="pg_config --bindir, /usr/lib/postgresql/*/bin or PATH"
    [[ -z ${MIGRATOR_PG_BINDIR:-} ]] || where="MIGRATOR_PG_BINDIR=$MIGRATOR_PG_BINDIR"
    if [[ ${MIGRATOR_REQUIRE_POSTGRES:-} == 1 ]]; then
        die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in $where, and MIGRATOR_REQUIRE_POSTGRES=1 forbids skipping the PostgreSQL tests (Debian: apt-get install postgresql)"
    fi
    echo "$prog: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in $where: skipping the PostgreSQL tests (Debian: apt-get install postgresql)" >&2
    exit 77
}

start() {
    local bindir data socket log tmp=""
    bindir=$(find_bindir)
    cleanup_previous "$bindir"
    [[ -n $bindir ]] || missing_binaries

    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 ||
            die "running as root, but there is no postgres user to run the server as (initdb refuses root); create one (useradd --system postgres) or run the tests as a non-root user"
        chown postgres: "$dir"
    fi

    data=$dir/data
    socket=$dir/socket
    log=$log_file
    # The server user must be able to reach DIR (a build tree under /root
    # is not reachable for postgres), and the socket path
    # (socket/.s.PGSQL.5432) must fit in sun_path (107 bytes) and pass
    # through pg_ctl's sh -c unquoted; otherwise use a short directory under
    # /tmp.
    if ! as_server_user test -w "$dir" -a -x "$dir"; then
        tmp=$(mktemp -d /tmp/migrator-pg.XXXXXX)
        data=$tmp/data
        socket=$tmp/socket
        log=$tmp/server.log
    elif ((${#socket} + ${#port} + 10 > 107)) || [[ $socket == *[!A-Za-z0-9._/+-]* ]]; then
        tmp=$(mktemp -d /tmp/migrator-pg.XXXXXX)
        socket=$tmp/socket
    fi
    if [[ -n $tmp ]]; then
        chmod 755 "$tmp"
        [[ $(id -u) -ne 0 ]] || chown postgres: "$tmp"
    fi
    {
        echo "BINDIR=$bindir"
        echo "DATA=$data"
        echo "SOCKET=$socket"
        echo "TMPDIR=$tmp"
        echo "LOG=$log"
    } >"$state_file"

    as_server_user mkdir -m 755 -- "$socket"
    rm -f -- "$log_file"
    as_server_user touch -- "$log"

    # --no-sync: a throwaway cluster need not survive an OS crash; the
    # server itself runs with fsync=on (default durability, for the
    # benchmarks).
    if ! as_server_user "$bindir/initdb" -D "$data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb -D $data failed (output above, also in $dir/initdb.log)"
    fi

    if ! as_server_user "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-c listen_addresses='' -k $socket -c port=$port -c fsync=on -c max_connections=200" \
        start >/dev/null; then
        tail -n 30 "$log" >&2 || true
        die "pg_ctl start failed (server log above, in full in $log)"
    fi

    {
        echo "PGHOST=$socket"
        echo "PGPORT=$port"
        echo "PGUSER=postgres"
    } >"$env_file.tmp"
    mv -f -- "$env_file.tmp" "$env_file"
    echo "$prog: $("$bindir/postgres" --version) from $bindir running, socket $socket/.s.PGSQL.$port, data $data"
}

stop() {
    local bindir data tmp socket log
    bindir=$(state_get BINDIR)
    data=$(state_get DATA)
    socket=$(state_get SOCKET)
    tmp=$(state_get TMPDIR)
    [[ -n $data ]] || data=$dir/data
    [[ -n $bindir ]] || bindir=$(find_bindir)
    rm -f -- "$env_file"
    local status=0
    if [[ -f $data/postmaster.pid ]]; then
        if [[ -z $bindir ]]; then
            echo "$prog: a server seems to run on $data, but pg_ctl is gone" >&2
            status=1
        elif ! as_server_user "$bindir/pg_ctl" -D "$data" -m fast -t 60 stop >/dev/null; then
            echo "$prog: pg_ctl -m fast stop failed; stopping with -m immediate" >&2
            as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -t 30 stop >/dev/null || true
            status=1
        fi
    else
        echo "$prog: no server running in $data"
    fi
    # Keep the server log in DIR when it was elsewhere.
    log=$(state_get LOG)
    if [[ -n $log && $log != "$log_file" && -f $log ]]; then
        cp -f -- "$log" "$log_file" || true
    fi
    rm -rf -- "$data" "$dir/data" "$dir/socket"
    [[ -z $socket ]] || rm -rf -- "$socket"
    [[ -z $tmp ]] || rm -rf -- "$tmp"
    rm -f -- "$state_file"
    exit "$status"
}

"$action"
