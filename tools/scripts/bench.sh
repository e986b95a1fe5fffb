#!/usr/bin/env bash
# Benchmarks (docs/performance.md): builds a release tree and runs
# tests/bench/run.py, which starts its own PostgreSQL and pgbouncer and prints
# ratios against plain libpq measured in the same run. `--quick` for a short run.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release -Dbuildtype=release >/dev/null
ninja -C build-release >/dev/null
exec /usr/bin/python3 tests/bench/run.py build-release "$@"
