#!/bin/sh
# Issue 14's speed goal, run alone on a quiet machine: EMT molecular dynamics of a 500-atom cell,
# Latticework against ASE 3.22 (Debian python3-ase) one after the other, and the ratio of their
# steps per second (goal: at least 20).
#   bench/sim/compare.sh [rep=5] [steps=500] [ase_steps=20]
set -e
cd "$(dirname "$0")/../.."
REP=${1:-5}
STEPS=${2:-500}
ASE_STEPS=${3:-20}
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
OURS=$(npx tsx bench/sim/md-emt.ts "$REP" "$STEPS")
echo "$OURS"
ASE=$(/usr/bin/python3 bench/sim/ase_md_emt.py "$REP" "$ASE_STEPS")
echo "$ASE"
node -e "const a = JSON.parse(process.argv[1]), b = JSON.parse(process.argv[2]); console.log(JSON.stringify({ ratio: a.stepsPerSecond / b.stepsPerSecond }))" "$OURS" "$ASE"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
