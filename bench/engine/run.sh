#!/bin/sh
# Engine benchmarks, references interleaved side by side (machine is shared: compare ratios).
# Usage: sh bench/engine/run.sh [steps] > results.jsonl   (needs Debian python3-torch for the references)
set -e
cd "$(dirname "$0")/../.."
STEPS=${1:-3}
T="npx --no-install tsx"
/usr/bin/python3 bench/engine/torch_step.py "$STEPS" 1
$T bench/engine/train-step.ts wasm "$STEPS" 2>/dev/null
/usr/bin/python3 bench/engine/torch_step.py "$STEPS" 1
LW_GATE=composite $T bench/engine/train-step.ts cpu 1 2>/dev/null
$T bench/engine/train-step.ts cpu 1 2>/dev/null
/usr/bin/python3 bench/engine/torch_step.py 20 1 infer
$T bench/engine/infer.ts wasm 20 2>/dev/null
$T bench/engine/infer.ts cpu 20 2>/dev/null
/usr/bin/python3 bench/engine/torch_step.py 20 1 infer
