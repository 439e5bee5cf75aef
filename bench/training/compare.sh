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
# LW_COMPARE_ALONE=1 (issue 15's measure) runs three programs one after the other, each alone with
# the same cores: Latticework, main.py as published and main.py with flush-to-zero, and gives the
# ratios against the faster reference (throughput, peak memory).
# LW_WORKERS=N sets Latticework's data-parallel workers (default: one per core on wasm and cpu).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
EPOCHS=${1:-5}
DATA=${2:-$HERE/../../../shared/data/emt-dev/cgcnn}
BACKEND=${3:-wasm}
OUT=$(mktemp -d /tmp/lw-train-compare.XXXXXX)
ours() {
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/ours.time" node "$HERE/run.mjs" --backend "$BACKEND" --epochs "$EPOCHS" --data "$DATA" ${LW_WORKERS:+--workers "$LW_WORKERS"} --json "$OUT/ours.json" > "$OUT/ours.log" 2>&1
}
# reference [NAME]: main.py into $OUT/NAME.time and $OUT/NAME.log (ref, or ref-flush with flush-to-zero)
reference() {
  NAME=${1:-$( [ "${LW_REF_FLUSH_DENORMAL:-0}" = 1 ] && echo ref-flush || echo ref )}
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/$NAME.time" "$HERE/reference-cgcnn.sh" "$DATA" "$EPOCHS" --print-freq 1 > "$OUT/$NAME.log" 2>&1
}
if [ "${LW_COMPARE_ALONE:-0}" = 1 ]; then
  ours || true
  export LW_REF_FLUSH_DENORMAL=0
  reference ref || true
  export LW_REF_FLUSH_DENORMAL=1
  reference ref-flush || true
elif [ "${LW_COMPARE_SEQUENTIAL:-0}" = 1 ]; then
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
