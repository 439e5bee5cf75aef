#!/bin/sh
# Accuracy against CGCNN's main.py (issue 15, "Correct means"): CGCNN's best configuration on emt-dev
# (Adam, lr 0.003, batch 64, EPOCHS epochs, 1,600 / 200 / 200), each program trained once per seed,
# every best-validation model then evaluated on a fresh EMT set neither saw (default: 1,000
# structures made by scripts/data/make_emt_set.py with seed 101). Prints each run's MAE on the fresh
# set and each program's mean. Ours: `latticework train --preset cgcnn-paper` with those settings and
# `latticework predict --csv`; the reference: main.py (flush-to-zero, only for speed) and predict.py
# with its model_best.pth.tar. Each program draws its split with the seed (ours: --seed; main.py:
# CIFData's shuffle seed, LW_REF_SPLIT_SEED in reference-cgcnn.sh, instead of its fixed 123), so both
# means average over splits; main.py's initial weights and batch order come from PyTorch's own seeding.
#
#   bench/training/accuracy.sh [SEED...]        (default seeds 7 11 13; EPOCHS=100, FRESH=DIR;
#                                                DATA=DIR and SIZES="TRAIN VAL TEST" for a tiny check)
#
# Hours on 2 cores (six 100-epoch runs, one at a time): run it alone on a quiet machine.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$(realpath "${DATA:-$ROOT/../shared/data/emt-dev/cgcnn}")
EPOCHS=${EPOCHS:-100}
# main.py's train / validation / test sizes (ours splits 80 / 10 / 10 %, the same on emt-dev)
set -- ${SIZES:-1600 200 200} -- "$@"
TRAIN=$1 VAL=$2 TEST=$3
shift 4
[ $# -gt 0 ] || set -- 7 11 13
OUT=$(mktemp -d /tmp/lw-accuracy.XXXXXX)
FRESH=${FRESH:-$OUT/fresh101}
[ -f "$FRESH/cgcnn/id_prop.csv" ] || /usr/bin/python3 "$ROOT/scripts/data/make_emt_set.py" "$FRESH" --n 1000 --seed 101 > "$OUT/fresh.log"
[ -f "$ROOT/out/main/cli.js" ] || (cd "$ROOT" && npm run build >/dev/null)
printf '{ "training": { "optimizer": { "kind": "adam", "lr": 0.003 }, "batchSize": 64, "epochs": %s } }\n' "$EPOCHS" > "$OUT/adam.json"
# mae FILE.csv ID_COLUMN VALUE_COLUMN: mean absolute error against the fresh set's id_prop.csv
mae() {
  /usr/bin/python3 - "$1" "$2" "$3" "$FRESH/cgcnn/id_prop.csv" <<'PY'
import csv, os, sys
rows = list(csv.reader(open(sys.argv[1])))
idc, vc = int(sys.argv[2]), int(sys.argv[3])
truth = {r[0]: float(r[1]) for r in csv.reader(open(sys.argv[4]))}
def number(x):
    try:
        return float(x)
    except ValueError:
        return None
errs = [abs(float(r[vc]) - truth[os.path.basename(r[idc]).removesuffix('.cif')]) for r in rows if number(r[vc]) is not None]
print(f"{sum(errs) / len(errs):.5f} {len(errs)}")
PY
}
: > "$OUT/results.txt"
for S in "$@"; do
  node "$ROOT/bin/latticework.mjs" train --data "$DATA" --preset cgcnn-paper --config "$OUT/adam.json" --seed "$S" --out "$OUT/ours-$S.lwm" --db "$OUT/runs.sqlite" > "$OUT/ours-$S.log" 2>&1
  node "$ROOT/bin/latticework.mjs" predict --model "$OUT/ours-$S.lwm" --db "$OUT/runs.sqlite" "$FRESH/cgcnn" --csv > "$OUT/ours-$S.csv" 2> "$OUT/ours-$S.err" || true
  echo "ours seed $S $(mae "$OUT/ours-$S.csv" 0 3)" | tee -a "$OUT/results.txt"
  LW_REF_FLUSH_DENORMAL=1 LW_REF_SPLIT_SEED="$S" "$HERE/reference-cgcnn.sh" "$DATA" "$EPOCHS" --optim Adam --lr 0.003 -b 64 --train-size "$TRAIN" --val-size "$VAL" --test-size "$TEST" --print-freq 1000 > "$OUT/ref-$S.log" 2>&1
  WORK=$(sed -n 's/^log: \(.*\)\/log.txt$/\1/p' "$OUT/ref-$S.log")
  "$HERE/reference-cgcnn.sh" --predict "$WORK/model_best.pth.tar" "$FRESH/cgcnn" --print-freq 1000 > "$OUT/ref-$S.predict.log" 2>&1
  RESULTS=$(sed -n 's/^results: //p' "$OUT/ref-$S.predict.log")
  echo "reference run $S $(mae "$RESULTS" 0 2)" | tee -a "$OUT/results.txt"
done
/usr/bin/python3 - "$OUT/results.txt" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for who in ('ours', 'reference'):
    maes = [float(r[-2]) for r in rows if r[0] == who]
    if maes:
        print(f"{who}: fresh-set MAE (eV/atom) " + ', '.join(f'{m:.4f}' for m in maes) + f"; mean {statistics.mean(maes):.4f}")
PY
echo "(raw files in $OUT)"
