#!/usr/bin/env bash
# Submits a sluice job as a Slurm array of TASKS shard tasks plus a merge that runs when all succeeded.
#   scripts/slurm/submit.sh TASKS MEM JOB [job options, including --out DIR]
#   scripts/slurm/submit.sh 16 8G probe-rows --input 'data/*.parquet' --key route --time date --out out/
#   scripts/slurm/submit.sh 16 8G compress --input 'emb/*.parquet' --method pq --out codes/
#   scripts/slurm/submit.sh 16 4G pack --input 'corpus/*.jsonl.gz' --seq-len 2048 --out tok/   (files, no --dedup-store)
# MEM is each task's Slurm --mem and so its memory budget. For compress a training job runs first
# (compress --train-only), for pack an indexing job (pack --index-only: where each unit starts, which
# documents repeat earlier ones), and the array waits for it, so no task waits in a slot for another's work.
# Extra sbatch options: SBATCH_EXTRA="-p short". Prints the ids: array job, merge job (and the first job).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 3 ] || { sed -n 2,9p "$0" >&2; exit 2; }
tasks="$1"; mem="$2"; shift 2
[[ "$tasks" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: TASKS must be a positive whole number, got '$tasks'" \
  "(usage: submit.sh TASKS MEM JOB ...)" >&2; exit 2; }
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
# The jobs inherit this shell's environment (--export=ALL): the budget must come from MEM and N from TASKS, not
# from variables left over in it.
if [ -n "${SLUICE_MEMORY_LIMIT:-}" ]; then
  echo "submit.sh: ignoring SLUICE_MEMORY_LIMIT=$SLUICE_MEMORY_LIMIT: each task's budget comes from MEM ($mem)" >&2
  unset SLUICE_MEMORY_LIMIT
fi
export SLUICE_SHARD_COUNT="$tasks"
after=()
train=""
first=""
case "$1" in
  compress) first=--train-only ;;
  pack) first=--index-only ;;
esac
if [ -n "$first" ]; then
  # shellcheck disable=SC2086
  train=$(sbatch --parsable --job-name="sluice-${first#--}" --output=sluice-first-%j.log ${SBATCH_EXTRA:-} \
    --export=ALL --mem="$mem" "$ROOT/scripts/slurm/task.sbatch" "$@" "$first")
  train="${train%%;*}"
  after=(--dependency="afterok:$train")
fi
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL ${after[@]+"${after[@]}"} --array="0-$((tasks - 1))" --mem="$mem" \
  "$ROOT/scripts/slurm/task.sbatch" "$@")
array="${array%%;*}"
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_EXTRA:-} --export=ALL --dependency="afterok:$array" \
  "$ROOT/scripts/slurm/merge.sbatch" "$out")
merge="${merge%%;*}"
echo "submitted array job $array ($tasks tasks) and merge job $merge${train:+ after job $train ($first)}"
