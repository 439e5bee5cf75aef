#!/bin/sh
# Latticework's potentials against their PyTorch twin, one after the other on the same data
# (needs a quiet machine; Debian python3-torch and python3-ase).
#   bench/potentials/compare.sh [preset=painn-potential] [backend=wasm] [batches=20] [batch=16]
# Prints the JSON lines of: training throughput (ours; twin with 1 and 2 threads), then energy +
# forces of the 1,000-atom cell (ours; twin with 1 and 2 threads).
set -e
cd "$(dirname "$0")/../.."
PRESET=${1:-painn-potential}
BACKEND=${2:-wasm}
BATCHES=${3:-20}
BATCH=${4:-16}
CFG=$(mktemp)
npx tsx bench/potentials/throughput.ts --config "$PRESET" > "$CFG"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
npx tsx bench/potentials/throughput.ts "$BACKEND" "$PRESET" "$BATCHES" "$BATCH"
/usr/bin/python3 bench/potentials/torch_throughput.py "$CFG" "$BATCHES" "$BATCH" 1
/usr/bin/python3 bench/potentials/torch_throughput.py "$CFG" "$BATCHES" "$BATCH" 2
npx tsx bench/potentials/infer.ts "$BACKEND" "$PRESET" 10
/usr/bin/python3 bench/potentials/torch_infer.py "$CFG" 10 1
/usr/bin/python3 bench/potentials/torch_infer.py "$CFG" 10 2
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$CFG"
