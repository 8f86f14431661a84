#!/usr/bin/env bash
# On the GPU machine (see bundle.sh): the bundled sentiment job, end to end,
# on WebGPU and on the CPU, each through the CLI and its worker process.
set -uo pipefail
OUT=${OUT:-/tmp/out}
source "$(dirname "$0")/unpack.sh"
job=(tune --model .dev/models/stories260K --data resources/samples/sentiment.csv --task classification
     --input-template "{text} The story is" --virtual-tokens 8 --lr 0.3 --steps 300 --batch 8 --eval-every 50)
for dev in webgpu cpu; do
  start=$(date +%s.%N)
  /tmp/sps/node .dev/sps.mjs "${job[@]}" --device $dev --out /tmp/run-$dev --json > "$OUT/tune-$dev.jsonl" 2> "$OUT/tune-$dev.err"
  rc=$?
  echo "$dev exit $rc in $(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$start" "$(date +%s.%N)") s"
  grep -E '"type":"(baseline|evaluation|finished|failed)"' "$OUT/tune-$dev.jsonl" | cut -c1-220
done
