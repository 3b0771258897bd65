#!/bin/sh
# gen.golden: migrator-gen on the fixed migrations under GOLDEN/priv/repo/migrations
# must write GOLDEN/expected/repo_migrations.c and .h byte for byte, whichever
# way the paths are given. Usage: golden_test.sh GOLDEN WORK_DIR
# (environment: MIGRATOR_GEN, MIGRATOR_TEMPLATE_DIR, M4, as ctest sets them).
#
# After an intended change of the output, regenerate the expected files with
#   $MIGRATOR_GEN table --repo repo --base GOLDEN \
#     --output GOLDEN/expected/repo_migrations.c \
#     --header GOLDEN/expected/repo_migrations.h GOLDEN/priv/repo/migrations
# and read the diff before committing it.
set -u
golden=$1
work=$2
status=0

rm -rf "$work" && mkdir -p "$work" || exit 1

# compare NAME: compares the outputs in $work/NAME with the expected ones.
compare() {
  for file in repo_migrations.c repo_migrations.h; do
    if ! cmp -s "$golden/expected/$file" "$work/$1/$file"; then
      echo "FAIL ($1): $file differs from $golden/expected/$file:"
      diff -u "$golden/expected/$file" "$work/$1/$file"
      status=1
    fi
  done
}

# generate NAME CWD ARG...: runs migrator-gen table in CWD, writing to $work/NAME.
generate() {
  name=$1 cwd=$2
  shift 2
  mkdir -p "$work/$name"
  if ! (cd "$cwd" && "$MIGRATOR_GEN" table --repo repo --output "$work/$name/repo_migrations.c" \
          --header "$work/$name/repo_migrations.h" "$@"); then
    echo "FAIL ($name): migrator-gen table exited with an error"
    status=1
    return
  fi
  compare "$name"
}

# Absolute paths with --base, as migrator_add_migrations() runs it.
generate absolute / --base "$golden" "$golden/priv/repo/migrations"
# Trailing slashes on both.
generate slashes / --base "$golden/" "$golden/priv/repo/migrations/"
# Relative to the current directory, without --base.
generate relative "$golden" priv/repo/migrations
[ $status -eq 0 ] && echo "gen.golden: the generated table matches $golden/expected"
exit $status
