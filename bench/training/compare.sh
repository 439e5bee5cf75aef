#!/bin/sh
# Side-by-side training benchmark: Latticework (CGCNN paper preset) and CGCNN's own
# main.py (Debian python3-torch) on the same data, started together so that both see
# the same machine load. Prints a markdown table (summarise.py).
#
#   bench/training/compare.sh [EPOCHS] [DATA_DIR] [BACKEND]
set -eu
EPOCHS=${1:-5}
DATA=${2:-/work/shared/data/emt-dev/cgcnn}
BACKEND=${3:-wasm}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d /tmp/lw-train-compare.XXXXXX)
/usr/bin/time -f "%e %U %S" -o "$OUT/ours.time" node "$HERE/run.mjs" --backend "$BACKEND" --epochs "$EPOCHS" --data "$DATA" --json "$OUT/ours.json" > "$OUT/ours.log" 2>&1 &
P1=$!
/usr/bin/time -f "%e %U %S" -o "$OUT/ref.time" "$HERE/reference-cgcnn.sh" "$DATA" "$EPOCHS" --print-freq 1 > "$OUT/ref.log" 2>&1 &
P2=$!
wait $P1 $P2 || true
/usr/bin/python3 "$HERE/summarise.py" "$OUT"
echo "(raw logs in $OUT)"
