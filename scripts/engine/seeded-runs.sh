#!/bin/sh
# Seeded runs, before and after (issue 11: "the same losses digit for digit for a seeded run").
# Trains every property preset for a few epochs with one seed through the command line, on this
# checkout and on REV (built in a temporary worktree), and compares the JSON summaries' numbers
# (best validation metric, validation and test metrics) to every printed digit. Exit 1 when a run
# differs or fails.
#
#   scripts/engine/seeded-runs.sh REV [BACKENDS=cpu,wasm] [DATA=../shared/data/emt-dev/cgcnn] [LIMIT=64] [EPOCHS=2]
#
# The command line is the only interface both revisions share, so the comparison covers the
# whole path a user takes (dataset reading, split, graphs, model, training). Not a benchmark:
# it runs under any load (nice it on a shared machine).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:?usage: scripts/engine/seeded-runs.sh REV [BACKENDS] [DATA] [LIMIT] [EPOCHS]}
BACKENDS=${2:-cpu,wasm}
DATA=$(cd "${3:-$ROOT/../shared/data/emt-dev/cgcnn}" && pwd)
LIMIT=${4:-64}
EPOCHS=${5:-2}
PRESETS="cgcnn-paper gcn gat mpnn-edge schnet"
OUT=$(mktemp -d /tmp/lw-seeded.XXXXXX)
BEFORE="$OUT/before"

. "$ROOT/scripts/revision.sh"
checkout_revision "$ROOT" "$REV" "$BEFORE"

status=0
printf '| preset | backend | %s | this checkout | same |\n| --- | --- | --- | --- | --- |\n' "$REV"
for backend in $(echo "$BACKENDS" | tr , ' '); do
  for preset in $PRESETS; do
    for side in before after; do
      tree=$ROOT
      [ "$side" = before ] && tree=$BEFORE
      # one training thread on both sides: since issue 15 a tree splits every batch over one worker
      # per core by default, which sums the same gradients in another order (docs/training.md)
      workers=""
      node "$tree/bin/latticework.mjs" train --help | grep -q -- '--workers' && workers="--workers 1"
      LATTICEWORK_DATA_DIR="$OUT/data-$side" node "$tree/bin/latticework.mjs" train --data "$DATA" --preset "$preset" $workers \
        --epochs "$EPOCHS" --batch-size 16 --seed 7 --limit "$LIMIT" --backend "$backend" --no-save --db "$OUT/$side.sqlite" --json \
        >"$OUT/$preset-$backend-$side.json" 2>"$OUT/$preset-$backend-$side.log" || true
    done
    node -e '
const fs = require("fs");
const pick = (f) => {
  try {
    const s = JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").pop());
    return JSON.stringify({ status: s.status, split: s.split, epochs: s.epochs, bestEpoch: s.bestEpoch, bestValMetric: s.bestValMetric, val: s.val, test: s.test });
  } catch { return null; }
};
const [b, a] = [pick(process.argv[1]), pick(process.argv[2])];
const same = b !== null && b === a;
const show = (x) => (x === null ? "failed (see log)" : JSON.parse(x).bestValMetric);
console.log(`| ${process.argv[3]} | ${process.argv[4]} | ${show(b)} | ${show(a)} | ${same ? "yes" : "NO"} |`);
process.exit(same ? 0 : 1);
' "$OUT/$preset-$backend-before.json" "$OUT/$preset-$backend-after.json" "$preset" "$backend" || status=1
  done
done
echo "(summaries and logs in $OUT)" >&2
exit $status
