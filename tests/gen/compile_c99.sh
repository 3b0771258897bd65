#!/bin/sh
# gen.golden_c99: the generated tables (the golden set, and an empty repo)
# compile as strict C99 with every warning an error, under gcc and clang.
# Usage: compile_c99.sh GOLDEN INCLUDE_DIR WORK_DIR GCC CLANG
# (GCC or CLANG empty: not installed). Exit 77 (skipped) when clang is
# missing, after gcc has passed.
set -u
golden=$1
include=$2
work=$3
gcc=$4
clang=$5
status=0

rm -rf "$work" && mkdir -p "$work/golden" "$work/empty" "$work/none" || exit 1
"$MIGRATOR_GEN" table --repo repo --base "$golden" --output "$work/golden/repo_migrations.c" \
  --header "$work/golden/repo_migrations.h" "$golden/priv/repo/migrations" || exit 1
"$MIGRATOR_GEN" table --repo empty --output "$work/empty/empty_migrations.c" \
  --header "$work/empty/empty_migrations.h" "$work/none" || exit 1

# A user of the table, so that the header is compiled as well.
cat > "$work/use.c" <<'USE'
#include "repo_migrations.h"
#include "empty_migrations.h"

int main(void)
{
    return repo_migrations.count == 6 && empty_migrations.count == 0 &&
                   empty_migrations.migrations == NULL
               ? 0
               : 1;
}
USE

flags="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
  -Wmissing-prototypes -Wundef -Wcast-qual -Wwrite-strings -Woverlength-strings"

# build NAME COMPILER EXTRA_FLAGS...
build() {
  name=$1 cc=$2
  shift 2
  echo "== $name: $cc $flags $*"
  # shellcheck disable=SC2086
  if "$cc" $flags "$@" -I "$include" -I "$work/golden" -I "$work/empty" -o "$work/use-$name" \
       "$work/use.c" "$work/golden/repo_migrations.c" "$work/empty/empty_migrations.c" &&
     "$work/use-$name"; then
    echo "   OK"
  else
    echo "FAIL: $name"
    status=1
  fi
}

if [ -z "$gcc" ]; then
  echo "FAIL: gcc was not found"
  exit 1
fi
build gcc "$gcc"
if [ -z "$clang" ]; then
  echo "clang was not found: skipped"
  [ $status -eq 0 ] && exit 77
  exit $status
fi
build clang "$clang" -Wmissing-variable-declarations -Wcomma -Wdocumentation
exit $status
