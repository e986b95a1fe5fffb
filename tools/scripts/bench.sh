#!/usr/bin/env bash
# Benchmarks (docs/performance.md): builds a release tree and runs
# tests/bench/run.py, which starts its own PostgreSQL and pgbouncer and prints
# ratios against plain libpq measured in the same run. `--quick` for a short run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
# GCC 12 at -O3 reports false -Wrestrict errors inside libstdc++'s
# std::string, so the release tree does not turn warnings into errors.
[ -f build-release/build.ninja ] ||
  meson setup build-release -Dbuildtype=release -Dwerror=false >/dev/null
ninja -C build-release | tail -n 1
exec /usr/bin/python3 tests/bench/run.py build-release "$@"
