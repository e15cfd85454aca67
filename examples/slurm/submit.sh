#!/bin/bash
# Submit a sweep as a Slurm array of N shards, then the merge once all succeed:
#   examples/slurm/submit.sh sweep.json results/ 8
# Prints the two job ids (array, merge).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sweep=${1:?usage: submit.sh <sweep.json> <results dir> <shards>}
outdir=${2:?results dir}
shards=${3:?number of shards}
array=$(sbatch --parsable --array=0-$((shards - 1)) "$here/sweep.sbatch" "$sweep" "$outdir")
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch" "$sweep" "$outdir")
echo "$array $merge"
