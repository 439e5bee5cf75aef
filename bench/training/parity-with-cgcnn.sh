#!/bin/sh
# Issue 15, "Correct means": does Latticework train CGCNN the way CGCNN's main.py does? Exports a
# CGCNN run with CGCNN's best configuration on emt-dev (cgcnn-paper, Adam 0.003, batch 64) to PyTorch,
# then (1) compares its crystal graphs with CGCNN's data.py neighbour rule on the CIFs
# (graphs_vs_cgcnn.py: pymatgen) and (2) one training step — gradients and batch-norm running
# statistics, one worker and data-parallel — with PyTorch's float32 and float64 step of the same
# model and weights (step-vs-torch.ts, step_vs_torch.py), and (3) that PyTorch model against CGCNN's
# own model.py in training mode: same weights, one batch of CGCNN's collate_pool, output, loss, every
# gradient and the batch-norm statistics (twin_vs_cgcnn.py). Minutes; fine under load.
#
#   sh bench/training/parity-with-cgcnn.sh [LIMIT]      (default 300 structures; DATA=DIR for another folder)
#
# A longer check, same graphs, weights and batch order, many epochs: `python train.py --epochs N` in
# the printed export folder against `latticework train --data DIR/data/cgcnn --config DIR/config.json
# --epochs N` (docs/training.md, "Accuracy against CGCNN's main.py").
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$(realpath "${DATA:-$ROOT/../shared/data/emt-dev/cgcnn}")
LIMIT=${1:-300}
OUT=$(mktemp -d /tmp/lw-parity.XXXXXX)
[ -f "$ROOT/out/main/cli.js" ] || (cd "$ROOT" && npm run build >/dev/null)
printf '{ "training": { "optimizer": { "kind": "adam", "lr": 0.003 }, "batchSize": 64 } }\n' > "$OUT/adam.json"
# a one-epoch run records the configuration and split the export takes (its initial weights are the seeded ones)
node "$ROOT/bin/latticework.mjs" train --data "$DATA" --preset cgcnn-paper --config "$OUT/adam.json" --limit "$LIMIT" --epochs 1 --no-save --db "$OUT/runs.sqlite" > "$OUT/train.log" 2>&1
node "$ROOT/bin/latticework.mjs" export 1 --db "$OUT/runs.sqlite" --data "$DATA" --limit "$LIMIT" --to torch "$OUT/export" > "$OUT/export.log" 2>&1
echo "== crystal graphs against CGCNN's neighbour rule"
/usr/bin/python3 "$HERE/graphs_vs_cgcnn.py" "$OUT/export" "$DATA"
echo "== one training step against PyTorch"
node "$HERE/run.mjs" --script step-vs-torch --export "$OUT/export" --out "$OUT/ours.json" 2>&1 | grep -v -e '^$' -e '====' -e 'Hi, looks like'
/usr/bin/python3 "$HERE/step_vs_torch.py" "$OUT/export" "$OUT/ours.json"
echo "== the exported PyTorch model against CGCNN's model.py, training mode"
PYTHONWARNINGS=ignore /usr/bin/python3 "$HERE/twin_vs_cgcnn.py" "$DATA"
echo "(files in $OUT)"
