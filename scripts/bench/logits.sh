#!/usr/bin/env bash
# Benchmark and end-to-end check of sluice logits on real text from Debian packages:
#   1. the corpus: every Debian changelog under /usr/share/doc (split into entries) and every copyright file, as
#      JSONL, packed once with cl100k_base into sequences of 2,048 tokens (built once, kept in $BENCH_DIR);
#   2. two teachers written by scripts/teacher/make_teacher.py over cl100k_base's 100,277 ids: the small causal LM
#      of the tests (1 attention layer, width 32) and one that costs almost nothing (no layer, width 4);
#   3. logits --top-k 64 with the small teacher on $SEQS sequences and on a tenth of them (peak RSS must stay flat),
#      and with the cheap teacher on $SEQS (the cache writer apart from the model);
#   4. estimate logits on $SEQS sequences, against the real shard bytes;
#   5. every id and log-probability of the $SEQS-sequence cache against scripts/teacher/reference_topk.py.
# Prints what it measured. Needs jq and /usr/bin/time; python3-onnx and python3-numpy (on OpenBLAS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/sluice-bench-logits}"
SEQS="${SEQS:-1000}"
K="${K:-64}"
WORKERS="${WORKERS:-2}"
MEMORY="${MEMORY:-4GB}"
CHECK="${CHECK:-1}"
mkdir -p "$BENCH_DIR"
export LC_ALL=C
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
build_with_tests
"$ROOT/scripts/sluice" --version >/dev/null
export SLUICE_NO_BUILD=1   # the jar built above, even if sources change while this runs
JAVA="$JAVA_HOME/bin/java"

CORPUS="$BENCH_DIR/corpus.jsonl"
if [ ! -s "$CORPUS" ]; then
  echo "building $CORPUS from /usr/share/doc ..." >&2
  debian_documents > "$CORPUS.tmp"
  mv "$CORPUS.tmp" "$CORPUS"
fi
PACKED="$BENCH_DIR/packed"
[ -s "$PACKED/_manifest.json" ] || "$ROOT/scripts/sluice" pack --input "$CORPUS" --seq-len 2048 --shard-size 64MB \
  --progress none --out "$PACKED" >&2
sequences=$(jq '.totals.sequences' "$PACKED/_manifest.json")
echo "corpus: $(wc -l < "$CORPUS") documents, $(du -h "$CORPUS" | cut -f1); packed: $sequences sequences of 2,048 tokens" >&2
[ "$sequences" -ge "$SEQS" ] || { echo "logits.sh: the corpus packs to $sequences sequences, fewer than $SEQS" >&2; exit 1; }

SMALL="$BENCH_DIR/teacher-small.onnx"
CHEAP="$BENCH_DIR/teacher-cheap.onnx"
[ -s "$SMALL" ] || /usr/bin/python3 "$ROOT/scripts/teacher/make_teacher.py" "$SMALL" --vocab 100277 --dim 32 --layers 1 --seed 1 >&2
[ -s "$CHEAP" ] || /usr/bin/python3 "$ROOT/scripts/teacher/make_teacher.py" "$CHEAP" --vocab 100277 --dim 4 --layers 0 --seed 1 >&2

run_logits() { # teacher samples out
  rm -rf "$3"
  "$ROOT/scripts/sluice" logits --input "$PACKED" --teacher "$1" --top-k "$K" --max-samples "$2" \
    --workers "$WORKERS" --memory-limit "$MEMORY" --progress none --tmp-dir "$BENCH_DIR" --out "$3"
}
export ROOT PACKED K WORKERS MEMORY BENCH_DIR

tenth=$((SEQS / 10))
measure "small teacher, $tenth sequences|$MEMORY" run_logits "$SMALL" "$tenth" "$BENCH_DIR/cache-tenth"
measure "small teacher, $SEQS sequences|$MEMORY" run_logits "$SMALL" "$SEQS" "$BENCH_DIR/cache"
measure "cheap teacher, $SEQS sequences|$MEMORY" run_logits "$CHEAP" "$SEQS" "$BENCH_DIR/cache-cheap"
for c in cache-tenth cache cache-cheap; do
  run=$(ls "$BENCH_DIR/$c/_runs/"*.json | tail -1)
  jq -r --arg c "$c" '"\($c): \(.rows_in) sequences, \(.tokens_per_second | floor) tokens/s (teacher \(.teacher_seconds | floor) s, top-k \(.select_seconds | floor) s of \(.seconds | floor) s), peak RSS \(.rss_peak_bytes / 1048576 | floor) MB"' "$run"
done
echo "| run | status | seconds | peak RSS (KB) |"
echo "|---|---|---|---|"
awk -F'|' '{print "| " $1 " | " $3 " | " $4 " | " $5 " |"}' "$RESULTS"

real=$(jq '[.shards[].bytes] | add' "$BENCH_DIR/cache/_manifest.json")
tokens=$(jq '.totals.tokens' "$BENCH_DIR/cache/_manifest.json")
est=$("$ROOT/scripts/sluice" estimate logits --input "$PACKED" --teacher "$SMALL" --top-k "$K" --max-samples "$SEQS" \
  --workers "$WORKERS" --memory-limit "$MEMORY" --tmp-dir "$BENCH_DIR" --json | jq '.output_bytes')
echo "disk: $tokens tokens x $K x 6 = $((tokens * K * 6)) bytes raw; real shards $real bytes ($(jq -n "$real / ($tokens * $K)" | cut -c1-5) bytes an entry); estimate logits said $est ($(jq -n "$est / $real" | cut -c1-5)x the real)"

if [ "$CHECK" = 1 ]; then
  start=$(date +%s)
  "$JAVA" -Xmx8g -cp "$CP" -Djava.library.path="$ROOT/target/lib" -Dsluice.project.dir="$ROOT" dev.sluice.testing.LogitsReference "$PACKED" "$BENCH_DIR/cache" "$SMALL" "$K" "$BENCH_DIR"
  echo "reference check: $(( $(date +%s) - start )) s"
fi
