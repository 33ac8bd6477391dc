#!/usr/bin/env bash
# Same bytes from two builds: runs probe-rows (30M flights, 1 and 2 workers, and as 4 shard tasks plus merge),
# compress (every method, on the embedding sample) and pack (with and without dedup, on the text sample) with this
# checkout's launcher and with OTHER's (another checkout, e.g. a worktree of an earlier commit, built), and compares
# every data file of the outputs (shards, manifests, codebooks) byte for byte. Plans, unit and run records may
# differ (they record fingerprints and times). Prints one line per comparison and exits non-zero on any difference.
#   scripts/bench/identical.sh OTHER_CHECKOUT
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OTHER="$(cd "$1" && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
WORK="$BENCH_DIR/identical"
FLIGHTS="$BENCH_DIR/data/flights-30m.parquet"
[ -f "$FLIGHTS" ] || { echo "identical.sh: run scripts/bench/probe-rows.sh first (it builds $FLIGHTS)" >&2; exit 2; }
rm -rf "$WORK"; mkdir -p "$WORK"
EMB="$ROOT/data-samples/embeddings/base.npy"
TEXT="$ROOT/data-samples/text/debian-texts.jsonl"
failed=0

run() {  # home name args...: runs the job quietly into $WORK/<home's tag>/<name>
  local home="$1" name="$2"; shift 2
  local out="$WORK/$(basename "$home")/$name"
  mkdir -p "$(dirname "$out")"
  "$home/scripts/sluice" "$@" --progress none --tmp-dir "$WORK" --out "$out" >/dev/null 2>"$out.log"
}
compare() {  # name [other-name]: every data file of both outputs, byte for byte
  local a="$WORK/$(basename "$ROOT")/$1" b="$WORK/$(basename "$OTHER")/${2:-$1}"
  local files; files=$(cd "$a" && find . -type f \( -name '*.parquet' -o -name '*.npy' -o -name '_manifest.json' \
      -o -name 'codebook*' \) -not -path './_*/*' | sort)
  if [ "$files" = "$(cd "$b" && find . -type f \( -name '*.parquet' -o -name '*.npy' -o -name '_manifest.json' \
      -o -name 'codebook*' \) -not -path './_*/*' | sort)" ] && (cd "$a" && for f in $files; do cmp -s "$f" "$b/$f" || exit 1; done); then
    echo "same bytes: $1${2:+ = $2} ($(echo "$files" | wc -l) files)"
  else
    echo "DIFFERENT: $1${2:+ vs $2}"; failed=1
  fi
}

for home in "$ROOT" "$OTHER"; do
  for w in 1 2; do
    run "$home" "probe-w$w" probe-rows --input "$FLIGHTS" --key route --time date --memory-limit 1GB --workers "$w"
  done
  for i in 0 1 2 3; do
    run "$home" probe-tasks probe-rows --input "$FLIGHTS" --key route --time date --memory-limit 1GB --shard "$i/4"
  done
  "$home/scripts/sluice" merge "$WORK/$(basename "$home")/probe-tasks" >/dev/null
  for m in "pq --m 16" "pq --m 32 --nbits 4" "opq --m 16" "sq8" "sq4" "rabitq --bits 1" "rabitq --bits 4"; do
    # shellcheck disable=SC2086
    run "$home" "compress-${m// /_}" compress --input "$EMB" --method $m --memory-limit 1GB
  done
  run "$home" pack-dedup pack --input "$TEXT" --seq-len 512 --unit-docs 256 --memory-limit 1GB
  run "$home" pack-nodedup pack --input "$TEXT" --seq-len 512 --unit-docs 256 --dedup none --memory-limit 1GB
done
compare probe-w1
compare probe-w1 probe-w2
compare probe-w2
compare probe-tasks
compare probe-w1 probe-tasks
for m in "pq --m 16" "pq --m 32 --nbits 4" "opq --m 16" "sq8" "sq4" "rabitq --bits 1" "rabitq --bits 4"; do
  compare "compress-${m// /_}"
done
compare pack-dedup
compare pack-nodedup
exit $failed
