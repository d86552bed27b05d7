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
