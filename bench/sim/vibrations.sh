#!/bin/sh
# The vibrational analysis of a 108-atom fcc Cu cell with EMT, Latticework against ASE 3.22's
# Vibrations (Debian python3-ase) one after the other, run alone on a quiet machine, and the ratio of
# their times (ASE's / ours: above 1, ours is faster).
#   bench/sim/vibrations.sh [rep=3] [runs=3]
set -e
cd "$(dirname "$0")/../.."
REP=${1:-3}
RUNS=${2:-3}
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
OURS=$(npx tsx bench/sim/vibrations-emt.ts "$REP" "$RUNS")
echo "$OURS"
ASE=$(/usr/bin/python3 bench/sim/ase_vibrations_emt.py "$REP" "$RUNS")
echo "$ASE"
node -e "const a = JSON.parse(process.argv[1]), b = JSON.parse(process.argv[2]); console.log(JSON.stringify({ speedup: b.seconds / a.seconds }))" "$OURS" "$ASE"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
