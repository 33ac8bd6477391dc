#!/usr/bin/env bash
# Submits a sluice job as a Slurm array of TASKS shard tasks plus a merge that runs when all succeeded.
#   scripts/slurm/submit.sh TASKS MEM JOB [job options, including --out DIR]
#   scripts/slurm/submit.sh 16 8G probe-rows --input 'data/*.parquet' --key route --time date --out out/
# MEM is each task's Slurm --mem and so its memory budget. Extra sbatch options: SBATCH_EXTRA="-p short".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 3 ] || { sed -n 2,5p "$0" >&2; exit 2; }
tasks="$1"; mem="$2"; shift 2
out=""
prev=""
for a in "$@"; do
  [ "$prev" = "--out" ] && out="$a"
  case "$a" in --out=*) out="${a#--out=}" ;; esac
  prev="$a"
done
[ -n "$out" ] || { echo "submit.sh: the job options need --out DIR" >&2; exit 2; }
"$ROOT/scripts/sluice" --version >/dev/null   # build the jar once here, not in every task
export SLUICE_HOME="$ROOT"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --array="0-$((tasks - 1))" --mem="$mem" \
  "$ROOT/scripts/slurm/task.sbatch" "$@")
array="${array%%;*}"
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --dependency="afterok:$array" \
  "$ROOT/scripts/slurm/merge.sbatch" "$out")
echo "submitted array job $array ($tasks tasks) and merge job ${merge%%;*}"
