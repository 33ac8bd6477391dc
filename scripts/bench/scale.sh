#!/usr/bin/env bash
# Overhead of shard tasks: each job run as 1 process, then as 2 and 4 shard tasks one after another on this
# machine (so this measures overhead, not speedup), each followed by `sluice merge`. Checks that the merged
# shards equal the single process's byte for byte, and prints per job and task count: the sum of the task
# times, its ratio to the single process, the merge time and the merge's share of the job's time.
#   scripts/bench/scale.sh            JOBS="probe-rows compress" by default; REPEAT=3 runs each task count
#                                     three times (1, 2, 4, 1, 2, 4, ...) and reports medians; TASKS="1 4 8"
#                                     other task counts (the first is the baseline, so keep 1 first)
# Inputs: the probe-rows benchmark's 30M flights (scripts/bench/probe-rows.sh builds it in BENCH_DIR) and
# the compress benchmark's embeddings (target/bench-embeddings, scripts/data/embeddings.sh 117000); with
# JOBS=pack, the pack benchmark's 150 MB corpus (scripts/bench/pack.sh builds it; PACK_CORPUS names another).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
JOBS="${JOBS:-probe-rows compress}"
REPEAT="${REPEAT:-1}"
TASKS="${TASKS:-1 2 4}"
[ "${TASKS%% *}" = 1 ] || { echo "scale.sh: TASKS must start with 1 (the baseline)" >&2; exit 2; }
SLUICE="$ROOT/scripts/sluice"
WORK="$BENCH_DIR/scale"
mkdir -p "$WORK"
"$SLUICE" --version >/dev/null

FLIGHTS="$BENCH_DIR/data/flights-30m.parquet"
EMB="${EMB:-$ROOT/target/bench-embeddings/base.npy}"
PACK_CORPUS="${PACK_CORPUS:-${TMPDIR:-/tmp}/sluice-bench-pack/corpus.jsonl}"
[[ " $JOBS " != *" probe-rows "* ]] || [ -f "$FLIGHTS" ] || { echo "scale.sh: run scripts/bench/probe-rows.sh first (it builds $FLIGHTS)" >&2; exit 2; }
[[ " $JOBS " != *" compress "* ]] || [ -f "$EMB" ] || "$ROOT/scripts/data/embeddings.sh" 117000 "$(dirname "$EMB")"
[[ " $JOBS " != *" pack "* ]] || [ -f "$PACK_CORPUS" ] || { echo "scale.sh: run scripts/bench/pack.sh first (it builds $PACK_CORPUS)" >&2; exit 2; }

job_args() {  # job out: the job at the budget of its benchmark (compress trains on 100,000 vectors in heap; pack in
              # units of 4,096 documents: the corpus has 35K, in 9 units)
  case "$1" in
    probe-rows) echo "probe-rows --input $FLIGHTS --key route --time date --tmp-dir $BENCH_DIR --memory-limit 1GB --out $2" ;;
    compress) echo "compress --input $EMB --method pq --m 16 --memory-limit 2GB --out $2" ;;
    pack) echo "pack --input $PACK_CORPUS --unit-docs 4096 --memory-limit 1GB --out $2" ;;
  esac
}

seconds() {  # command...: runs it quietly, prints its wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

checksums() {  # dir: checksums of the data shards, by relative path
  (cd "$1" && find . -name '*.parquet' -not -path './_*' | sort | xargs md5sum)
}

echo "# $(date -u +%FT%TZ) $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| job | tasks | sum of task s | vs 1 process | merge s | merge / job | same bytes |"
echo "|---|---|---|---|---|---|---|"
median() { printf "%s\n" "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

for job in $JOBS; do
  declare -A sums=() merges=() same=()
  for ((rep = 0; rep < REPEAT; rep++)); do
    for n in $TASKS; do
      out="$WORK/$job-$n"
      rm -rf "$out"
      total=0
      for ((i = 0; i < n; i++)); do
        shard=""
        [ "$n" -gt 1 ] && shard="--shard $i/$n"
        # shellcheck disable=SC2046,SC2086
        s=$(seconds "$SLUICE" $(job_args "$job" "$out") --progress none $shard)
        total=$(echo "$total + $s" | bc -l)
      done
      sums[$n]="${sums[$n]:-} $total"
      if [ "$n" -gt 1 ]; then
        merges[$n]="${merges[$n]:-} $(seconds "$SLUICE" merge "$out")"
        [ "$(checksums "$out")" = "$(checksums "$WORK/$job-1")" ] || same[$n]=NO
      fi
    done
  done
  single=$(median ${sums[1]})
  for n in $TASKS; do
    total=$(median ${sums[$n]})
    merge="-"; share="-"; ident="-"
    if [ "$n" -gt 1 ]; then
      m=$(median ${merges[$n]})
      share=$(printf "%.1f%%" "$(echo "100 * $m / ($total + $m)" | bc -l)")
      merge=$(printf "%.2f" "$m")
      ident="${same[$n]:-yes}"
    fi
    printf "| %s | %d | %.1f | %.2fx | %s | %s | %s |\n" "$job" "$n" "$total" "$(echo "$total / $single" | bc -l)" \
      "$merge" "$share" "$ident"
  done
  unset sums merges same
done
