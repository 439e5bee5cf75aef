#!/bin/sh
# Issue 14's speed comparisons, run alone on a quiet machine: Latticework against ASE 3.22 (Debian
# python3-ase) one after the other on the same EMT work, and the ratio (above 1, ours is faster).
#   bench/sim/compare.sh md [rep=5] [steps=500] [ase_steps=20]
#       velocity Verlet of a 500-atom fcc Cu cell; ratio of steps per second (goal: at least 20)
#   bench/sim/compare.sh vibrations [rep=3] [runs=3]
#       the harmonic modes of a 108-atom fcc Cu cell; ratio of ASE's time to ours
set -e
cd "$(dirname "$0")/../.."
WHAT=${1:-md}
[ $# -gt 0 ] && shift
case "$WHAT" in
  md)
    OURS_CMD="npx tsx bench/sim/md-emt.ts ${1:-5} ${2:-500}"
    ASE_CMD="/usr/bin/python3 bench/sim/ase_md_emt.py ${1:-5} ${3:-20}"
    RATIO='({ ratio: ours.stepsPerSecond / ase.stepsPerSecond })' ;;
  vibrations)
    OURS_CMD="npx tsx bench/sim/vibrations-emt.ts ${1:-3} ${2:-3}"
    ASE_CMD="/usr/bin/python3 bench/sim/ase_vibrations_emt.py ${1:-3} ${2:-3}"
    RATIO='({ speedup: ase.seconds / ours.seconds })' ;;
  *) echo "usage: bench/sim/compare.sh md|vibrations [arguments]" >&2; exit 2 ;;
esac
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
OURS=$($OURS_CMD)
echo "$OURS"
ASE=$($ASE_CMD)
echo "$ASE"
node -e "const ours = JSON.parse(process.argv[1]), ase = JSON.parse(process.argv[2]); console.log(JSON.stringify($RATIO))" "$OURS" "$ASE"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
