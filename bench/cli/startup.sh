#!/bin/sh
# Command-line start-up (issue 11): wall time of `latticework --version` and
# `latticework structure info ONE.cif`, median of $RUNS runs (default 20) by hyperfine,
# side by side with `node -e 0` (Node's own start-up, the reference) so that the ratios
# survive machine load. Goals: --version under 150 ms, structure info under 300 ms
# (quiet machine).
#
#   bench/cli/startup.sh                 this checkout (built: npm install / npm run build)
#   bench/cli/startup.sh --before REV    also REV, built in a temporary worktree, in the same
#                                        hyperfine command (interleaved, same load)
#
# Needs hyperfine (Debian: apt-get install hyperfine). Prints a markdown table; raw JSON in
# the temporary folder it names.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-20}
CIF="$ROOT/resources/examples/1000041.cif"
OUT=$(mktemp -d /tmp/lw-cli-startup.XXXXXX)
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }

[ -f "$ROOT/out/main/cli.js" ] || (cd "$ROOT" && npm run build >/dev/null)
set -- "$@"
BEFORE=""
if [ "${1:-}" = "--before" ]; then
  REV=$2
  BEFORE="$OUT/before"
  . "$ROOT/scripts/revision.sh"
  checkout_revision "$ROOT" "$REV" "$BEFORE"
fi

# every command once before timing (a stale build would otherwise be rebuilt inside the timing)
node "$ROOT/bin/latticework.mjs" --version >/dev/null
[ -z "$BEFORE" ] || node "$BEFORE/bin/latticework.mjs" --version >/dev/null

set -- -n node "node -e 0" \
  -n version "node $ROOT/bin/latticework.mjs --version" \
  -n structure-info "node $ROOT/bin/latticework.mjs structure info $CIF"
if [ -n "$BEFORE" ]; then
  set -- "$@" -n "version (before)" "node $BEFORE/bin/latticework.mjs --version" \
    -n "structure-info (before)" "node $BEFORE/bin/latticework.mjs structure info $CIF"
fi
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$OUT/startup.json" "$@" >"$OUT/hyperfine.log" 2>&1 || { cat "$OUT/hyperfine.log" >&2; exit 1; }

node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const ref = r.find((x) => x.command === "node").median;
console.log(`${r[0].times.length} runs each, load average ${require("os").loadavg()[0].toFixed(2)} at the end`);
console.log("| command | median wall (ms) | user+sys CPU, mean (ms) | / node -e 0 |");
console.log("| --- | --- | --- | --- |");
for (const x of r) console.log(`| ${x.command} | ${(x.median * 1000).toFixed(0)} | ${((x.user + x.system) * 1000).toFixed(0)} | ${(x.median / ref).toFixed(2)}× |`);
' "$OUT/startup.json"
echo "(raw results in $OUT)"
