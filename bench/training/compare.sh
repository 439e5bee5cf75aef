#!/bin/sh
# Training benchmark: Latticework (CGCNN paper preset) and CGCNN's own main.py (Debian
# python3-torch) on the same data, started together so that both see the same machine load.
# Prints a markdown table (summarise.py).
#
#   bench/training/compare.sh [EPOCHS] [DATA_DIR] [BACKEND]
#
# LW_COMPARE_SEQUENTIAL=1 runs them one after the other instead, each with the machine to itself
# (side by side, once the faster one has finished the other's last epochs run alone).
# LW_REF_FLUSH_DENORMAL=1 runs the reference with flush-to-zero (see reference-cgcnn.sh).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
EPOCHS=${1:-5}
DATA=${2:-$HERE/../../../shared/data/emt-dev/cgcnn}
BACKEND=${3:-wasm}
OUT=$(mktemp -d /tmp/lw-train-compare.XXXXXX)
ours() {
  /usr/bin/time -f "%e %U %S" -o "$OUT/ours.time" node "$HERE/run.mjs" --backend "$BACKEND" --epochs "$EPOCHS" --data "$DATA" --json "$OUT/ours.json" > "$OUT/ours.log" 2>&1
}
reference() {
  /usr/bin/time -f "%e %U %S" -o "$OUT/ref.time" "$HERE/reference-cgcnn.sh" "$DATA" "$EPOCHS" --print-freq 1 > "$OUT/ref.log" 2>&1
}
if [ "${LW_COMPARE_SEQUENTIAL:-0}" = 1 ]; then
  ours || true
  reference || true
else
  ours &
  P1=$!
  reference &
  P2=$!
  wait $P1 $P2 || true
fi
/usr/bin/python3 "$HERE/summarise.py" "$OUT"
echo "(raw logs in $OUT)"
