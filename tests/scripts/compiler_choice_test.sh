#!/usr/bin/env bash
# shellcheck disable=SC2015,SC2016  # `check || skip` exits; the stand-ins are literal scripts
# scripts/lib/setup.sh's compiler choice: a GNU g++ other than /usr/bin/g++ of the same major
# version (the GPU image's /opt/gcc g++) gives way to the system's; anything else is kept.
# Usage: compiler_choice_test.sh SOURCE_DIR; exit 0 passed, 1 failed, 77 skipped.
set -uo pipefail
[ -x /usr/bin/g++ ] && [ -x /usr/bin/gcc ] || { echo "skipped: no /usr/bin/g++ here"; exit 77; }
source "$1/scripts/lib/setup.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Stand-ins for another toolchain's g++: the same compiler under another path, and one that says
# it is another major version.
printf '#!/bin/sh\nexec /usr/bin/g++ "$@"\n' >"$tmp/g++"
printf '#!/bin/sh\n[ "$1" = -dumpversion ] && { echo 99; exit 0; }\nexec /usr/bin/g++ "$@"\n' \
  >"$tmp/g++-99"
chmod +x "$tmp/g++" "$tmp/g++-99"

failed=0
# expect WHAT EXPECTED CXX [configure args...]
expect() {
  local what=$1 expected=$2 cxx=$3
  shift 3
  local compiler_env
  CXX=$cxx choose_compilers "$@" 2>/dev/null
  if [ "${compiler_env[*]}" = "$expected" ]; then
    echo "ok: $what"
  else
    echo "FAILED: $what: got '${compiler_env[*]}', expected '$expected'"
    failed=1
  fi
}
system="CC=/usr/bin/gcc CXX=/usr/bin/g++ CUDAHOSTCXX=/usr/bin/g++"
expect "another g++ of the same major version gives way to the system's" "$system" "$tmp/g++"
expect "the system g++ is kept" "" /usr/bin/g++
expect "another major version is kept" "" "$tmp/g++-99"
expect "an explicit -DCMAKE_CXX_COMPILER is kept" "" "$tmp/g++" -DCMAKE_CXX_COMPILER=clang++
expect "a compiler that is not there is left to CMake" "" "$tmp/no-such-g++"
exit $failed
