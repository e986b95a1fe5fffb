#!/usr/bin/env bash
# Installs what pqward needs to build and test on Debian bookworm, as root.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail
packages=(
  build-essential pkg-config meson ninja-build clang-format
  libpq-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev sqlite3
  catch2 nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libpg-query-dev
  libhyperscan-dev libcpp-httplib-dev
  postgresql-15 postgresql-client-15 pgbouncer
  python3 python3-pytest python3-psycopg2 python3-psycopg
  valgrind procps util-linux openssl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (for the test OpenID provider): the machine image ships them;
# Debian's own packages only where they are absent.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
