# Building and running the pgmove under test (sourced by every benchmark).

# publish_pgmove TREE OUT LOG: publishes TREE's pgmove as the README installs it, into OUT (OUT/pgmove: a native
# program; an older commit's framework-dependent build has the same launcher there). Interruptible, like run().
publish_pgmove() {
  dotnet publish "$1/src/PgMove.Cli" -c Release --ucr -o "$2" -nologo -v quiet -nodeReuse:false -p:UseSharedCompilation=false \
    >"$3" 2>&1 & wait $! || { cat "$3" >&2; return 1; }
}

# pgmove_command PATH: sets the array PGMOVE_CMD to the command that runs that build: a program as it is, a
# pgmove.dll through dotnet.
pgmove_command() {
  [[ -f $1 ]] || { echo "no pgmove at $1" >&2; return 1; }
  if [[ $1 == *.dll ]]; then PGMOVE_CMD=(dotnet "$1"); else PGMOVE_CMD=("$1"); fi
}

# pgmove_under_test DIR LOG: the pgmove a benchmark measures. Sets PGMOVE (its path), PGMOVE_VERSION (for the report)
# and PGMOVE_CMD. PGMOVE_BIN=<path>: that build as it is; PGMOVE_REF=<ref>: a clean `git archive` of that commit,
# published into DIR; otherwise the work tree's sources (src and the build files, no bin/obj), published into DIR.
# Run from the repository's root.
pgmove_under_test() {
  local dir=$1 log=$2
  if [[ -n ${PGMOVE_BIN:-} ]]; then
    PGMOVE=$PGMOVE_BIN
    PGMOVE_VERSION="prebuilt $PGMOVE_BIN"
  else
    mkdir -p "$dir/tree"
    if [[ -n ${PGMOVE_REF:-} ]]; then
      git archive "$PGMOVE_REF" | tar -x -C "$dir/tree"
      PGMOVE_VERSION="commit $(git rev-parse --short "$PGMOVE_REF")"
    else
      # shellcheck disable=SC2046 # a NuGet config, when there is one
      tar -c --exclude=bin --exclude=obj src Directory.Build.props Directory.Packages.props global.json \
        $(ls nuget.config NuGet.Config 2>/dev/null) | tar -x -C "$dir/tree"
      PGMOVE_VERSION="commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src')"
    fi
    printf '%s  %s\n' "$(date +%T)" "building pgmove ($PGMOVE_VERSION)" >&2
    publish_pgmove "$dir/tree" "$dir/out" "$log" || return 1
    PGMOVE=$dir/out/pgmove
  fi
  pgmove_command "$PGMOVE"
}
