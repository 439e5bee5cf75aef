#!/bin/sh
# Screening benchmark (issue 15): predicting a CGCNN folder (default: the 2,000 emt-dev CIFs) with the
# built-in formation-energy model from the command line, whole process, against CGCNN's own
# predict.py with the same published model (cgcnn-pretrained/formation-energy-per-atom.pth.tar,
# Debian's python3-torch) on the same files. The two run one after the other, ROUNDS times
# (default 3), so that both see the same machine; prints each round's wall times, the median ratio
# (goal: ours at least 10× faster) and the largest difference between the two programs' predictions.
#
#   bench/screening/compare.sh [DATA_DIR] [ROUNDS]
#
# Ours: `latticework predict --model formation-energy-per-atom DATA_DIR --csv` (built app; default
# workers), timed whole (start-up included). Reference: predict.py's Python process (start-up and
# imports included, the export of CGCNN's code excluded; see bench/training/reference-cgcnn.sh).
# Needs a quiet machine.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$(realpath "${1:-$ROOT/../shared/data/emt-dev/cgcnn}")
ROUNDS=${2:-3}
MODEL_PTH=$(realpath "$ROOT/../shared/data/cgcnn-pretrained/formation-energy-per-atom.pth.tar")
OUT=$(mktemp -d /tmp/lw-screen-compare.XXXXXX)
[ -f "$ROOT/out/main/cli.js" ] || (cd "$ROOT" && npm run build >/dev/null)
FIRST=$(ls "$DATA" | grep '\.cif$' | head -1)
# the database with the built-in models, created before the timed runs
node "$ROOT/bin/latticework.mjs" predict --model formation-energy-per-atom --db "$OUT/lw.sqlite" "$DATA/$FIRST" > /dev/null
: > "$OUT/times.txt"
i=1
while [ "$i" -le "$ROUNDS" ]; do
  START=$(date +%s.%N)
  node "$ROOT/bin/latticework.mjs" predict --model formation-energy-per-atom --db "$OUT/lw.sqlite" "$DATA" --csv > "$OUT/ours.csv" 2> "$OUT/ours.err" || true
  END=$(date +%s.%N)
  OURS=$(echo "$END - $START" | bc)
  "$ROOT/bench/training/reference-cgcnn.sh" --predict "$MODEL_PTH" "$DATA" > "$OUT/ref.log" 2>&1
  REF=$(sed -n 's/.*wall seconds: \([0-9.]*\).*/\1/p' "$OUT/ref.log")
  echo "$OURS $REF" >> "$OUT/times.txt"
  echo "round $i: Latticework $OURS s, predict.py $REF s"
  i=$((i + 1))
done
/usr/bin/python3 - "$OUT" <<'PY'
import csv, os, re, statistics, sys
out = sys.argv[1]
rounds = [tuple(map(float, l.split())) for l in open(os.path.join(out, 'times.txt')) if l.strip()]
ours = {os.path.basename(r['file'])[:-4]: float(r[next(k for k in r if k.startswith('formation_energy'))])
        for r in csv.DictReader(open(os.path.join(out, 'ours.csv'))) if not r['error']}
ref_path = re.search(r'results: (\S+)', open(os.path.join(out, 'ref.log')).read()).group(1)
ref = {row[0]: float(row[2]) for row in csv.reader(open(ref_path))}
common = sorted(set(ours) & set(ref))
diff = max(abs(ours[k] - ref[k]) for k in common) if common else float('nan')
o = statistics.median(r[0] for r in rounds); p = statistics.median(r[1] for r in rounds)
print(f"| program | structures | wall, median of {len(rounds)} (s) | structures/s |")
print("| --- | --- | --- | --- |")
print(f"| Latticework `predict --csv` (whole process) | {len(ours)} | {o:.2f} | {len(ours) / o:.0f} |")
print(f"| CGCNN predict.py, torch 1.13 | {len(ref)} | {p:.2f} | {len(ref) / p:.0f} |")
print(f"ratio (predict.py wall / ours): {p / o:.1f}× (goal ≥ 10×); per round: " + ', '.join(f'{r[1] / r[0]:.1f}×' for r in rounds))
print(f"largest |difference| of the {len(common)} predictions in common: {diff:.2e} eV/atom")
PY
echo "(raw files in $OUT)"
