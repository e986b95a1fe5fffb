#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   1. build/: unit (Catch2), abi (exported symbols) and integration (pytest
#      against a throwaway PostgreSQL 15, a real OpenID provider and real
#      clients: psql, pgbench, pg_dump, psycopg2, psycopg 3, a C program);
#   2. build-asan/: the unit tests again under AddressSanitizer + UBSan.
# Ends with one line "N passed, N failed" over every meson test run.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bash tools/scripts/install-deps.sh || exit 1
if [ -f tests/idp/package-lock.json ]; then
  (cd tests/idp && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi

setup() {  # setup DIR [meson options...]
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" >/dev/null || return 1
  fi
}

passed=0
failed=0
count() {  # count DIR: adds the results of DIR's last meson test run
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return 0
  local ok bad
  ok=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(x["result"] in ("OK","EXPECTEDFAIL") for x in r))' "$log")
  bad=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(sum(x["result"] not in ("OK","EXPECTEDFAIL","SKIP") for x in r))' "$log")
  passed=$((passed + ok))
  failed=$((failed + bad))
}

status=0
setup build && ninja -C build || exit 1
meson test -C build --no-rebuild --print-errorlogs --num-processes 2 || status=1
count build

# GCC 12 reports false maybe-uninitialized warnings inside libstdc++ under the
# sanitizers, so this build alone does not turn warnings into errors.
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false &&
  ninja -C build-asan || exit 1
# alloc_dealloc_mismatch=0: Debian's libhs frees with free() what it allocated
# with new, inside hs_compile_multi (third-party code; every other check stays on).
ASAN_OPTIONS=detect_leaks=1:alloc_dealloc_mismatch=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --no-rebuild --suite unit --print-errorlogs --num-processes 2 || status=1
count build-asan

echo "tests: ${passed} passed, ${failed} failed"
exit $status
