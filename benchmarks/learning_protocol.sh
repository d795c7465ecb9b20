#!/usr/bin/env bash
# The learning benchmark's protocols at the scale this 2-core CPU machine managed in about
# 2 hours (docs/learning.md): SynthRM Table 2 (train on city-mix, test on unseen mix,
# margin and downtown cities) and SenseRay-3D Table III / Figure 10 (scene-level splits,
# error vs height). Usage: bash benchmarks/learning_protocol.sh [OUT_DIR]
# Resumable: generate and train pick up where a killed run stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
S=${SYNTHRM:-.venv/bin/synthrm}
D=${1:-bench_data}
mkdir -p "$D/runs"
$S generate --preset city-mix --frames 160 --resolution 128x96 --seed 0 --out "$D/mix_train" --quiet
$S generate --preset city-mix --frames 32 --resolution 128x96 --seed 100 --out "$D/mix_test" --quiet
$S generate --preset city-margin --frames 32 --resolution 128x96 --seed 200 --out "$D/margin_test" --quiet
$S generate --preset city-downtown --frames 32 --resolution 128x96 --seed 300 --out "$D/downtown_test" --quiet
$S generate --preset indoor-apartment --scenes 10 --voxel-size 0.2 --seed 0 --out "$D/indoor" --quiet
r() { [ -f "$D/runs/$1/last.pt" ] && echo --resume || true; }
$S train --model radiounet-s --data "$D/mix_train" --out "$D/runs/radiounet-s" --width 16 --epochs 25 --restart-epochs 25 --patience 8 --quiet $(r radiounet-s)
$S train --model pmnet-s --data "$D/mix_train" --out "$D/runs/pmnet-s" --width 16 --epochs 10 --restart-epochs 10 --patience 4 --quiet $(r pmnet-s)
$S train --model unetdcn-s --data "$D/mix_train" --out "$D/runs/unetdcn-s" --width 16 --epochs 5 --restart-epochs 5 --patience 3 --quiet $(r unetdcn-s)
# the physics-informed variant: RGB + depth + free-space map, residual over free space
$S train --model radiounet-s --inputs rgbd-fspl --data "$D/mix_train" --out "$D/runs/radiounet-s-fspl" --width 16 --epochs 10 --restart-epochs 10 --patience 4 --quiet $(r radiounet-s-fspl)
$S train --model senseray3d --data "$D/indoor" --out "$D/runs/senseray3d" --width 12 --epochs 10 --restart-epochs 4 --patience 2 --quiet $(r senseray3d)
for m in radiounet-s pmnet-s unetdcn-s radiounet-s-fspl; do
  $S evaluate --run "$D/runs/$m" --data "$D/mix_train" "$D/mix_test" "$D/margin_test" "$D/downtown_test" --quiet
done
$S evaluate --run "$D/runs/senseray3d" --data "$D/indoor" --quiet
.venv/bin/python benchmarks/learning_table.py "$D/runs"/*
