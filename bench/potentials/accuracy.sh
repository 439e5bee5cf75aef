#!/bin/sh
# Issue 13's accuracy goal, run alone on a quiet machine: train a preset with its defaults on emt-dev
# within 30 minutes (training.maxSeconds = 1800: the run stops after the epoch that crosses it and
# keeps the best epoch), then evaluate on a fresh EMT set made the same way (seed 101, 1,000
# structures; scripts/data/make_emt_set.py with Debian python3-ase).
#   bench/potentials/accuracy.sh [preset=painn-potential] [seconds=1800] [backend=wasm] [overrides={}]
# overrides: a config JSON merged over the preset (a candidate default, e.g.
# '{"training":{"schedule":{"kind":"cosine","minLr":0}}}'); LW_BENCH_DIR keeps its model apart.
# Goal: energy MAE ≤ 5 meV/atom, force MAE ≤ 0.007 eV/Å, stress MAE ≤ 0.003 eV/Å³ (the JSON's
# energyMaeMeVPerAtom, forceMae, stressMaeEvPerA3).
set -e
cd "$(dirname "$0")/../.."
PRESET=${1:-painn-potential}
SECONDS_BUDGET=${2:-1800}
BACKEND=${3:-wasm}
OVERRIDES=${4:-'{}'}
OUT=${LW_BENCH_DIR:-/tmp/lw-potential-accuracy}
mkdir -p "$OUT"
[ -f "$OUT/fresh/emt_dataset.extxyz" ] || /usr/bin/python3 scripts/data/make_emt_set.py "$OUT/fresh" --n 1000 --seed 101 > "$OUT/fresh.log"
node -e 'const o = JSON.parse(process.argv[1]); o.training = { ...o.training, maxSeconds: Number(process.argv[2]) }; console.log(JSON.stringify(o))' \
  "$OVERRIDES" "$SECONDS_BUDGET" > "$OUT/budget.json"
echo "# config over the preset: $(cat "$OUT/budget.json")"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
node bin/latticework.mjs train --data ../shared/data/emt-dev/emt_dataset.extxyz --preset "$PRESET" --config "$OUT/budget.json" \
  --backend "$BACKEND" --out "$OUT/$PRESET.lwm" | tee "$OUT/$PRESET.train.log"
npx tsx bench/potentials/evaluate.ts "$OUT/$PRESET.lwm" "$OUT/fresh/emt_dataset.extxyz" "$BACKEND"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
