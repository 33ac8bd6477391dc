#!/usr/bin/env bash
# Tokens per second of sluice pack with a Hugging Face tokenizer.json (Qwen3 by default) against the same
# tokenizer's JavaScript reference encoder (transformers.js's tokenizers, scripts/data/hf-encode.mjs), on the
# same text in the same run:
#   - the corpus: every Debian changelog under /usr/share/doc (cut into entries) and every copyright file and
#     license, as JSONL, cut to CORPUS_MB of distinct documents (built once, kept in $BENCH_DIR);
#   - node hf-encode.mjs --bench: the reference, one thread (JavaScript's), encode calls only (texts read first);
#   - RawHfTokenize.java: the Rust library alone through DJL (the calls pack makes), 1 and $WORKERS threads;
#   - sluice pack --dedup none with 1 and with $WORKERS workers: the whole command (JVM start, reading, loading
#     the 11 MB tokenizer, packing, Parquet), tokens read over wall time.
# Each is run RUNS times; the table holds medians. Needs scripts/data/hf-tokenizers.sh first, jq and node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/sluice-bench-hf}"
MODEL="${MODEL:-qwen3}"
MODELS="${MODELS:-$ROOT/target/hf-tokenizers}"
CORPUS_MB="${CORPUS_MB:-20}"
WORKERS="${WORKERS:-$(nproc)}"
RUNS="${RUNS:-3}"
MEMORY="${MEMORY:-2GB}"
export LC_ALL=C
for tool in jq node; do command -v "$tool" >/dev/null || { echo "hf-tokenizer.sh: needs $tool" >&2; exit 1; }; done
TOKENIZER="$MODELS/$MODEL/tokenizer.json"
[ -f "$TOKENIZER" ] || { echo "hf-tokenizer.sh: no $TOKENIZER; run scripts/data/hf-tokenizers.sh first" >&2; exit 1; }
mkdir -p "$BENCH_DIR"

BASE="$BENCH_DIR/base.jsonl"
if [ ! -s "$BASE" ]; then
  echo "building $BASE from /usr/share/doc and /usr/share/common-licenses (once) ..." >&2
  {
    for f in /usr/share/common-licenses/* /usr/share/doc/*/copyright; do
      iconv -f utf-8 -t utf-8 "$f" >/dev/null 2>&1 || continue
      jq -cRs --arg src "$f" '{source: $src, text: .}' "$f"
    done
    for f in /usr/share/doc/*/changelog*.gz; do
      zcat "$f" 2>/dev/null | iconv -f utf-8 -t utf-8 >/dev/null 2>&1 || continue
      zcat "$f" | jq -cRs --arg src "$f" \
        '[splits("\n\n(?=[a-z0-9][a-z0-9+.~-]* \\()")][] | select(test("\\S")) | {source: $src, text: .}'
    done
  } > "$BASE.tmp"
  mv "$BASE.tmp" "$BASE"
fi
CORPUS="$BENCH_DIR/corpus-${CORPUS_MB}mb.jsonl"
if [ "$(stat -c %s "$BASE")" -gt $((CORPUS_MB * 1000 * 1000)) ]; then
  head -c $((CORPUS_MB * 1000 * 1000)) "$BASE" | sed '$d' > "$CORPUS"   # whole lines only
else
  cp "$BASE" "$CORPUS"
fi

"$ROOT/scripts/sluice" --version >/dev/null   # build once, outside the timings
cpu="$(lscpu | sed -n 's/^Model name: *//p')"
echo "corpus: $(wc -l < "$CORPUS") documents, $(du -h "$CORPUS" | cut -f1); tokenizer: $TOKENIZER" >&2
echo "machine: $(nproc) cores ($cpu), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# js: prints tokens/s of the encode calls; the whole process's wall time goes to $BENCH_DIR/js.wall.
js() {
  local start end line
  start=$(date +%s.%N)
  line=$(node "$ROOT/scripts/data/hf-encode.mjs" "$MODELS/$MODEL" "$CORPUS" --modules "$MODELS" --bench)
  end=$(date +%s.%N)
  echo "  [js] $line" >&2
  tokens=$(awk '{print $3}' <<< "$line")
  echo "$tokens $(sed -E 's/.*: ([0-9]+) tokens\/s/\1/' <<< "$line") $(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')"
}

JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
# raw THREADS: prints the library's tokens/s, texts in memory.
raw() {
  local line
  line=$(cd "$ROOT" && "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$ROOT/target/lib/*" \
    "$ROOT/scripts/bench/RawHfTokenize.java" "$TOKENIZER" "$CORPUS" "$1")
  echo "  [$line]" >&2
  sed -E 's/.*: ([0-9]+) tokens\/s/\1/' <<< "$line"
}

# pack WORKERS: prints tokens read and the command's wall seconds.
pack() {
  local out="$BENCH_DIR/out" start end
  rm -rf "$out"
  start=$(date +%s.%N)
  "$ROOT/scripts/sluice" pack --input "$CORPUS" --tokenizer "$TOKENIZER" --dedup none --workers "$1" \
    --memory-limit "$MEMORY" --progress none --out "$out" > "$BENCH_DIR/pack.log" 2>&1 \
    || { cat "$BENCH_DIR/pack.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(jq .totals.tokens_read "$out/_manifest.json") $(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')"
}

: > "$BENCH_DIR/js.txt"; : > "$BENCH_DIR/pack1.txt"; : > "$BENCH_DIR/packn.txt"
: > "$BENCH_DIR/raw1.txt"; : > "$BENCH_DIR/rawn.txt"
for run in $(seq "$RUNS"); do
  js >> "$BENCH_DIR/js.txt"
  raw 1 >> "$BENCH_DIR/raw1.txt"
  raw "$WORKERS" >> "$BENCH_DIR/rawn.txt"
  pack 1 >> "$BENCH_DIR/pack1.txt"
  pack "$WORKERS" >> "$BENCH_DIR/packn.txt"
  echo "  run $run: js $(tail -1 "$BENCH_DIR/js.txt"), pack 1 worker $(tail -1 "$BENCH_DIR/pack1.txt"), pack $WORKERS workers $(tail -1 "$BENCH_DIR/packn.txt")" >&2
done

tokens_js=$(head -1 "$BENCH_DIR/js.txt" | cut -d' ' -f1)
tokens_pack=$(head -1 "$BENCH_DIR/pack1.txt" | cut -d' ' -f1)
js_tps=$(cut -d' ' -f2 "$BENCH_DIR/js.txt" | median)
js_wall=$(cut -d' ' -f3 "$BENCH_DIR/js.txt" | median)
raw1=$(median < "$BENCH_DIR/raw1.txt")
rawn=$(median < "$BENCH_DIR/rawn.txt")
p1_wall=$(cut -d' ' -f2 "$BENCH_DIR/pack1.txt" | median)
pn_wall=$(cut -d' ' -f2 "$BENCH_DIR/packn.txt" | median)
awk -v date="$(date -u +%F)" -v cpu="$cpu" -v n="$(nproc)" -v model="$MODEL" -v docs="$(wc -l < "$CORPUS")" \
    -v mb="$CORPUS_MB" -v tj="$tokens_js" -v tp="$tokens_pack" -v jtps="$js_tps" -v jw="$js_wall" \
    -v p1="$p1_wall" -v pn="$pn_wall" -v w="$WORKERS" -v runs="$RUNS" -v raw1="$raw1" -v rawn="$rawn" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "\n%s, %s (%d cores); %s tokenizer.json; %d documents (%d MB of JSONL); medians of %d runs.\n", date, cpu, n, model, docs, mb, runs
  printf "\n| run | tokens | wall s | tokens/s | vs JS encode calls |\n|---|---:|---:|---:|---:|\n"
  printf "| `node scripts/data/hf-encode.mjs ... --bench`: encode calls only, 1 thread | %d | %.1f | %.0f | 1.00x |\n", tj, tj / jtps, jtps
  printf "| the same node process, whole (start, reading the JSONL, loading the tokenizer) | %d | %.1f | %.0f | %.2fx |\n", tj, jw, tj / jw, tj / jw / jtps
  printf "| `RawHfTokenize.java`: the Rust library through DJL, encode calls only, 1 thread | %d | %.1f | %.0f | %.2fx |\n", tp, tp / raw1, raw1, raw1 / jtps
  printf "| `RawHfTokenize.java`, %d threads (the ceiling of %d workers) | %d | %.1f | %.0f | %.2fx |\n", w, w, tp, tp / rawn, rawn, rawn / jtps
  printf "| `sluice pack --tokenizer .../tokenizer.json --dedup none --workers 1`, whole command | %d | %.1f | %.0f | %.2fx |\n", tp, p1, tp / p1, tp / p1 / jtps
  printf "| `sluice pack ... --workers %d`, whole command | %d | %.1f | %.0f | %.2fx |\n", w, tp, pn, tp / pn, tp / pn / jtps
  printf "\nLoad average at the end: %s.\n", load
  if (tj != tp) printf "\nThe token counts differ: the JavaScript count is of all documents, pack counts the documents it kept.\n"
}'
