#!/usr/bin/env bash
# CI test of the container entrypoint as a Kubernetes Indexed Job runs it: probe-rows and pack as 3 pods each
# (JOB_COMPLETION_INDEX 0-2, SLUICE_SHARD_COUNT=3, options in SLUICE_ARGS, run at once), pack's --index-only
# pod first, then a merge pod; the outputs must equal single runs byte for byte. The output directory's path
# holds a space, passed in the container's arguments (SLUICE_ARGS splits at spaces); probe-rows' input is a
# pattern in SLUICE_ARGS, which the entrypoint must not expand. Needs the built jar (the entrypoint never builds).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-pods.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# Where the pods start: two Parquet files that the pattern in SLUICE_ARGS matches. Expanded by the shell, it
# would become two arguments, which probe-rows refuses; sluice expands it itself.
mkdir "$WORK/in"
cd "$WORK/in"
cp "$ROOT/data-samples/flights/flights-sample.parquet" a.parquet
cp "$ROOT/data-samples/flights/flights-sample.parquet" b.parquet
ENTRY="$ROOT/scripts/container/entrypoint.sh"
export SLUICE_MEMORY_LIMIT=768MB SLUICE_WORKERS=1 SLUICE_PROGRESS=none

probe="--input *.parquet --key route --time date --buckets 6"
pack="--input $ROOT/data-samples/text/debian-texts.jsonl --seq-len 512 --unit-docs 2000"

pod() {  # log file, then the pod's variables and arguments: runs the entrypoint as a pod would
  local log="$1"; shift
  env "$@" >"$log" 2>&1 || { echo "container ci-test: the pod of $log failed:" >&2; tail -n 5 "$log" >&2; return 1; }
}

pods() {  # command, options, output: the single run, then 3 pods at once, then the merge pod
  local cmd="$1" args="$2" out="$3"
  pod "$WORK/$cmd-single.log" SLUICE_COMMAND="$cmd" SLUICE_ARGS="$args" "$ENTRY" --out "$out single"
  if [ "$cmd" = pack ]; then
    pod "$WORK/$cmd-index.log" SLUICE_COMMAND=pack SLUICE_ARGS="$args --index-only" "$ENTRY" --out "$out tasks"
  fi
  local pids=()
  for i in 0 1 2; do
    pod "$WORK/$cmd-pod-$i.log" JOB_COMPLETION_INDEX=$i SLUICE_SHARD_COUNT=3 SLUICE_COMMAND="$cmd" \
      SLUICE_ARGS="$args" "$ENTRY" --out "$out tasks" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p"
  done
  pod "$WORK/$cmd-merge.log" SLUICE_COMMAND=merge SLUICE_ARGS="" "$ENTRY" "$out tasks"
  grep -q "shard task 2/3" "$WORK/$cmd-pod-2.log" \
    || { echo "container ci-test: pod 2 did not run as shard task 2/3" >&2; cat "$WORK/$cmd-pod-2.log" >&2; exit 1; }
  local n=0
  while read -r f; do
    cmp -s "$out single/$f" "$out tasks/$f" || { echo "container ci-test: $cmd: $f differs" >&2; exit 1; }
    n=$((n + 1))
  done < <(cd "$out single" && find . -type f ! -path './_runs/*' ! -name _plan.json ! -name '.sluice.lock*' | sort)
  [ "$(cd "$out tasks" && find . -type f -name '*.parquet' ! -path './_*' | wc -l)" -eq \
    "$(cd "$out single" && find . -type f -name '*.parquet' ! -path './_*' | wc -l)" ] \
    || { echo "container ci-test: $cmd: the pods wrote other shards than the single run" >&2; exit 1; }
  echo "container ci-test: $cmd as 3 pods and a merge: the single run's $n files, byte for byte"
}
pods probe-rows "$probe" "$WORK/probe out"
pods pack "$pack" "$WORK/pack out"
