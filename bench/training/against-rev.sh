#!/bin/sh
# Training throughput of this checkout against another revision, side by side (issue 11:
# "benchmarks within noise" of the tree before it, ebfd757^). REV is built in a temporary worktree;
# the two `latticework train` commands then run alternately (ROUNDS times each, the order swapped
# every round) with the same data, preset, seed and settings, so that both see the same machine.
# Prints, per preset, the median training time (the JSON summary's `seconds`: the epochs only) and
# the median wall time of the whole command (reading the data, graphs, training, storing) of each
# side, and the ratios this checkout / REV (< 1: this checkout is faster).
#
#   bench/training/against-rev.sh REV [PRESETS=cgcnn-paper,schnet] [BACKEND=wasm] [EPOCHS=3] [LIMIT=400] [ROUNDS=3]
#   DATA=DIR (default ../shared/data/emt-dev/cgcnn)
#
# Both sides train with one worker thread (`--workers 1` where the tree has it: issue 15 later
# split every batch over one worker per core by default, which is not what is compared here).
# A benchmark: needs the machine to itself.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:?usage: bench/training/against-rev.sh REV [PRESETS] [BACKEND] [EPOCHS] [LIMIT] [ROUNDS]}
PRESETS=${2:-cgcnn-paper,schnet}
BACKEND=${3:-wasm}
EPOCHS=${4:-3}
LIMIT=${5:-400}
ROUNDS=${6:-3}
DATA=$(cd "${DATA:-$ROOT/../shared/data/emt-dev/cgcnn}" && pwd)
OUT=$(mktemp -d /tmp/lw-against-rev.XXXXXX)
BEFORE="$OUT/before"

. "$ROOT/scripts/revision.sh"
checkout_revision "$ROOT" "$REV" "$BEFORE"

# train SIDE PRESET ROUND: one run; appends "preset side round seconds wall" to results.tsv
train() {
  tree=$ROOT
  [ "$1" = before ] && tree=$BEFORE
  workers=""
  node "$tree/bin/latticework.mjs" train --help | grep -q -- '--workers' && workers="--workers 1"
  log="$OUT/$2-$1-$3"
  /usr/bin/time -f '%e' -o "$log.time" env LATTICEWORK_DATA_DIR="$OUT/data-$1" node "$tree/bin/latticework.mjs" train --data "$DATA" \
    --preset "$2" $workers --epochs "$EPOCHS" --seed 7 --limit "$LIMIT" --backend "$BACKEND" --no-save --db "$OUT/$1.sqlite" --json \
    >"$log.json" 2>"$log.log" || { echo "$1 $2 round $3 failed: see $log.log" >&2; return 0; }
  seconds=$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()); console.log(s.status === "finished" ? s.seconds : "NaN")' "$log.json")
  printf '%s\t%s\t%s\t%s\t%s\n' "$2" "$1" "$3" "$seconds" "$(tail -1 "$log.time")" >>"$OUT/results.tsv"
}

: >"$OUT/results.tsv"
round=1
while [ "$round" -le "$ROUNDS" ]; do
  for preset in $(echo "$PRESETS" | tr , ' '); do
    if [ $((round % 2)) -eq 1 ]; then order="after before"; else order="before after"; fi
    for side in $order; do train "$side" "$preset" "$round"; done
  done
  round=$((round + 1))
done

node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map((l) => l.split("\t"));
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const [rev, backend, epochs, limit] = process.argv.slice(2);
console.log(`${backend}, ${epochs} epochs, ${limit} structures, one worker; medians of the rounds; load average ${require("os").loadavg()[0].toFixed(2)} at the end`);
console.log(`| preset | training s (${rev}) | training s (this) | ratio | command wall s (${rev}) | command wall s (this) | ratio | runs |`);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const preset of [...new Set(rows.map((r) => r[0]))]) {
  const side = (s, k) => median(rows.filter((r) => r[0] === preset && r[1] === s).map((r) => Number(r[k])));
  const n = (s) => rows.filter((r) => r[0] === preset && r[1] === s && Number.isFinite(Number(r[3]))).length;
  const [tb, ta, wb, wa] = [side("before", 3), side("after", 3), side("before", 4), side("after", 4)];
  console.log(`| ${preset} | ${tb.toFixed(2)} | ${ta.toFixed(2)} | ${(ta / tb).toFixed(3)} | ${wb.toFixed(2)} | ${wa.toFixed(2)} | ${(wa / wb).toFixed(3)} | ${n("before")} + ${n("after")} |`);
}
' "$OUT/results.tsv" "$REV" "$BACKEND" "$EPOCHS" "$LIMIT"
echo "(runs, summaries and logs in $OUT)" >&2
