#!/bin/sh
# Runs CGCNN's own main.py (txie-93/cgcnn, commit f42ab23) on a CGCNN folder with its
# default (paper) settings, with Debian's python3-torch, and reports wall time and test
# MAE. Never commits CGCNN's code: it is exported from the mirror into a temp dir.
#
#   bench/training/reference-cgcnn.sh [DATA_DIR] [EPOCHS] [EXTRA main.py ARGS...]
#   bench/training/reference-cgcnn.sh --predict MODEL.pth.tar DATA_DIR [EXTRA predict.py ARGS...]
#       (CGCNN's predict.py on a CGCNN folder: id_prop.csv, atom_init.json, CIFs; bench/screening)
#
# Needs the mirror fetched by the search tool at /work/.mirror/txie-93+cgcnn/repo (or
# CGCNN_REPO pointing to a checkout). sklearn is not installed here and main.py imports
# `sklearn.metrics` (used only for classification): a stub module is put on PYTHONPATH.
# LW_REF_FLUSH_DENORMAL=1 runs it with torch.set_flush_denormal(True) (a sitecustomize on the
# same path): CGCNN's Gaussian features are full of float32 subnormals, which x86 multiplies
# ~100x slower; main.py as published does not flush them. LW_REF_SPLIT_SEED=S draws the split with
# random seed S instead of CGCNN's fixed 123 (CIFData's default): every main.py run otherwise trains
# on the same 1,600 structures.
set -eu
PREDICT=""
if [ "${1:-}" = "--predict" ]; then
  PREDICT=$(realpath "$2")
  DATA=$(realpath "$3")
  shift 3
else
  DATA=${1:-$(cd "$(dirname "$0")" && pwd)/../../../shared/data/emt-dev/cgcnn}
  EPOCHS=${2:-5}
  shift 2 2>/dev/null || true
fi
REPO=${CGCNN_REPO:-/work/.mirror/txie-93+cgcnn/repo}
WORK=$(mktemp -d /tmp/cgcnn-ref.XXXXXX)
if [ -d "$REPO/.git" ] || [ -f "$REPO/HEAD" ]; then
  git --git-dir="$( [ -d "$REPO/.git" ] && echo "$REPO/.git" || echo "$REPO")" archive f42ab233c4ee0c416879d6bc2d22a264418413ad | tar -x -C "$WORK"
else
  cp -r "$REPO"/. "$WORK"/
fi
mkdir -p "$WORK/stub/sklearn"
cat > "$WORK/stub/sklearn/__init__.py" <<'PY'
PY
cat > "$WORK/stub/sklearn/metrics.py" <<'PY'
# Minimal stand-ins (classification only; the regression benchmark never calls them).
def accuracy_score(y, p):
    return sum(int(a == b) for a, b in zip(y, p)) / max(len(y), 1)
def precision_recall_fscore_support(y, p, average='binary'):
    tp = sum(1 for a, b in zip(y, p) if a == 1 and b == 1)
    fp = sum(1 for a, b in zip(y, p) if a != 1 and b == 1)
    fn = sum(1 for a, b in zip(y, p) if a == 1 and b != 1)
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    return pr, rc, f, None
def roc_auc_score(y, s):
    pos = [b for a, b in zip(y, s) if a == 1]; neg = [b for a, b in zip(y, s) if a != 1]
    if not pos or not neg: raise ValueError('one class')
    return sum((1.0 if p > n else 0.5 if p == n else 0.0) for p in pos for n in neg) / (len(pos) * len(neg))
PY
if [ "${LW_REF_FLUSH_DENORMAL:-0}" = 1 ]; then
  echo 'import torch; torch.set_flush_denormal(True)' >> "$WORK/stub/sitecustomize.py"
fi
if [ -n "${LW_REF_SPLIT_SEED:-}" ]; then
  # CIFData shuffles the data with random.seed(random_seed) before the split, random_seed 123 unless
  # given, and main.py cannot give it (its data options reach CIFData as strings): the default changes
  cat >> "$WORK/stub/sitecustomize.py" <<PY
import cgcnn.data as _data
_init = _data.CIFData.__init__
def _seeded(self, root_dir, max_num_nbr=12, radius=8, dmin=0, step=0.2, random_seed=$LW_REF_SPLIT_SEED):
    _init(self, root_dir, max_num_nbr, radius, dmin, step, random_seed)
_data.CIFData.__init__ = _seeded
PY
fi
cd "$WORK"
if [ -n "$PREDICT" ]; then
  START=$(date +%s.%N)
  PYTHONPATH="$WORK/stub:$WORK" /usr/bin/python3 predict.py "$@" "$PREDICT" "$DATA" > "$WORK/log.txt" 2>&1 || { tail -20 "$WORK/log.txt"; exit 1; }
  END=$(date +%s.%N)
  echo "predicted $(wc -l < "$WORK/test_results.csv") structures; wall seconds: $(echo "$END - $START" | bc)"
  echo "results: $WORK/test_results.csv"
  exit 0
fi
START=$(date +%s.%N)
PYTHONPATH="$WORK/stub:$WORK" /usr/bin/python3 main.py --epochs "$EPOCHS" "$@" "$DATA" > "$WORK/log.txt" 2>&1 || { tail -20 "$WORK/log.txt"; exit 1; }
END=$(date +%s.%N)
grep -E "^Epoch: \[[0-9]+\]\[0/" "$WORK/log.txt" | head -3 || true
grep -E "\*\* MAE" "$WORK/log.txt" | tail -2
echo "wall seconds: $(echo "$END - $START" | bc)"
echo "log: $WORK/log.txt"
