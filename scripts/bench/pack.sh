#!/usr/bin/env bash
# Benchmark of sluice pack on real text from Debian packages, with its baseline in the same run:
#   1. the corpus: every Debian changelog under /usr/share/doc (split into entries) and every copyright file,
#      as JSONL, repeated until it holds at least 150 MB of text (built once, kept in $BENCH_DIR);
#   2. raw jtokkit (cl100k_base) on one thread over the same documents: the baseline;
#   3. sluice pack --dedup none on the corpus and on its first tenth (peak RSS must stay flat);
#   4. a dedup store seeded with 10M hashes (10M distinct lines from stdin), then sluice pack --dedup exact
#      on the corpus against it (peak RSS must stay under 1 GB).
# Prints a Markdown table. Needs jq and /usr/bin/time. Speeds are comparable only within one run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$ROOT/scripts/bench/lib.sh"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/sluice-bench-pack}"
WORKERS="${WORKERS:-2}"
MEMORY="${MEMORY:-1GB}"
SEED_HASHES="${SEED_HASHES:-10000000}"
# CORPUS_MB=1500: a larger corpus, over which the start-up (JVM, DuckDB, the JIT) weighs less.
CORPUS_MB="${CORPUS_MB:-150}"
MIN_BYTES=$((CORPUS_MB * 1000 * 1000))
mkdir -p "$BENCH_DIR"
export LC_ALL=C
for tool in jq /usr/bin/time; do command -v "$tool" >/dev/null || { echo "pack.sh: needs $tool" >&2; exit 1; }; done

CORPUS="$BENCH_DIR/corpus.jsonl"
[ "$CORPUS_MB" = 150 ] || CORPUS="$BENCH_DIR/corpus-${CORPUS_MB}mb.jsonl"
if [ ! -s "$CORPUS" ]; then
  echo "building $CORPUS from /usr/share/doc ..." >&2
  base="$BENCH_DIR/base.jsonl"
  debian_documents > "$base"
  : > "$CORPUS.tmp"
  while [ "$(stat -c %s "$CORPUS.tmp")" -lt "$MIN_BYTES" ]; do cat "$base" >> "$CORPUS.tmp"; done
  mv "$CORPUS.tmp" "$CORPUS"
  rm -f "$base"
fi
SMALL="${CORPUS%.jsonl}-tenth.jsonl"
head -c $(( $(stat -c %s "$CORPUS") / 10 )) "$CORPUS" | sed '$d' > "$SMALL"   # a tenth of the bytes, whole lines

# Build once, outside the timings.
"$ROOT/scripts/sluice" --version >/dev/null
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"

echo "corpus: $(wc -l < "$CORPUS") documents, $(du -h "$CORPUS" | cut -f1); tenth: $(wc -l < "$SMALL") documents" >&2
echo "machine: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The baselines hold every text in memory.
raw_heap="-Xmx$((CORPUS_MB * 4 + 1024))m"
raw=$("$JAVA" "$raw_heap" -cp "$ROOT/target/lib/*" "$ROOT/scripts/bench/RawTokenize.java" "$CORPUS" 1)
echo "$raw" >&2
raw_tps=$(sed -E 's/.*: ([0-9]+) tokens\/s/\1/' <<< "$raw")
raw_cpu=$(sed -E 's/.*\(CPU ([0-9.]+) s\).*/\1/' <<< "$raw")
# The ceiling: jtokkit alone on as many threads as pack has workers (texts loaded before the clock starts).
rawn=$("$JAVA" "$raw_heap" -cp "$ROOT/target/lib/*" "$ROOT/scripts/bench/RawTokenize.java" "$CORPUS" "$WORKERS")
echo "$rawn" >&2
rawn_tps=$(sed -E 's/.*: ([0-9]+) tokens\/s/\1/' <<< "$rawn")

# The heap is fixed and pre-touched (as for a container job): its resident size is then the same from the
# first second, and what remains to compare between runs is what pack itself holds.
heap_mb=$(( $(numfmt --from=iec "${MEMORY%B}") / 1048576 / 3 ))   # the launcher's share for pack
export SLUICE_JAVA_OPTS="-Xms${heap_mb}m -XX:+AlwaysPreTouch ${SLUICE_JAVA_OPTS:-}"

# run NAME OUT [pack options...]: prints "tokens wall_s peak_rss_kb cpu_s"
run() {
  local name=$1 out=$2; shift 2
  rm -rf "$out"
  /usr/bin/time -f "%e %M %U %S" -o "$BENCH_DIR/$name.time" "$ROOT/scripts/sluice" pack --out "$out" --workers "$WORKERS" \
    --memory-limit "$MEMORY" --progress none "$@" 2> "$BENCH_DIR/$name.log" >/dev/null \
    || { cat "$BENCH_DIR/$name.log" >&2; exit 1; }
  grep -E "^pack: (read|kept)|^Memory Summary" "$BENCH_DIR/$name.log" | sed "s/^/  [$name] /" >&2
  echo "$(jq .totals.tokens_read "$out/_manifest.json") $(awk '{print $1, $2, $3 + $4}' "$BENCH_DIR/$name.time")"
}

read -r t_none w_none m_none c_none < <(run none "$BENCH_DIR/out-none" --input "$CORPUS" --dedup none)
read -r t_small w_small m_small c_small < <(run tenth "$BENCH_DIR/out-tenth" --input "$SMALL" --dedup none)

STORE="$BENCH_DIR/store"
rm -rf "$STORE"
seq 1 "$SEED_HASHES" | awk '{print "entry " $1 " of the seeded dedup store"}' > "$BENCH_DIR/seed.txt"
read -r t_seed w_seed m_seed c_seed < <(run seed "$BENCH_DIR/out-seed" --input - --input-format lines \
  --max-samples "$SEED_HASHES" --dedup exact --dedup-store "$STORE" < "$BENCH_DIR/seed.txt")
rm -f "$BENCH_DIR/seed.txt"
stored=$(jq .count "$STORE/store.json")
read -r t_exact w_exact m_exact c_exact < <(run exact "$BENCH_DIR/out-exact" --input "$CORPUS" --dedup exact \
  --dedup-store "$STORE")
dups=$(jq '.totals.duplicates_in_run + .totals.duplicates_of_store' "$BENCH_DIR/out-exact/_manifest.json")
docs=$(jq .totals.documents_read "$BENCH_DIR/out-exact/_manifest.json")

awk -v raw="$raw_tps" -v tn="$t_none" -v wn="$w_none" -v mn="$m_none" -v cn="$c_none" -v ts="$t_small" \
    -v ws="$w_small" -v ms="$m_small" -v cs="$c_small" -v te="$t_exact" -v we="$w_exact" -v me="$m_exact" \
    -v ce="$c_exact" -v tq="$t_seed" -v wq="$w_seed" -v mq="$m_seed" -v cq="$c_seed" -v stored="$stored" \
    -v dups="$dups" -v docs="$docs" -v workers="$WORKERS" -v rawn="$rawn_tps" -v rawc="$raw_cpu" 'BEGIN {
  printf "\n| run | tokens | wall s | CPU s | tokens/s (wall) | vs raw 1 thread | peak RSS |\n"
  printf "|---|---:|---:|---:|---:|---:|---:|\n"
  printf "| raw jtokkit, 1 thread (encode calls only) | %d | %.1f | %.1f | %.0f | 1.00x | |\n", tn, tn/raw, rawc, raw
  printf "| raw jtokkit, %d threads (texts in memory; the ceiling) | %d | %.1f | | %.0f | %.2fx | |\n", workers, tn, tn/rawn, rawn, rawn/raw
  printf "| pack --dedup none, %d workers | %d | %.1f | %.1f | %.0f | %.2fx | %.0f MB |\n", workers, tn, wn, cn, tn/wn, tn/wn/raw, mn/1024
  printf "| pack --dedup none, a tenth of the input | %d | %.1f | %.1f | %.0f | %.2fx | %.0f MB |\n", ts, ws, cs, ts/ws, ts/ws/raw, ms/1024
  printf "| seed a store: %d distinct lines from stdin | %d | %.1f | %.1f | %.0f | | %.0f MB |\n", stored, tq, wq, cq, tq/wq, mq/1024
  # Duplicates are not tokenized: this run tokenizes te of the tn tokens of the input; its rate counts all tn.
  printf "| pack --dedup exact, store of %d hashes (%d of %d documents duplicates, not tokenized: %d tokens read) | %d | %.1f | %.1f | %.0f | %.2fx | %.0f MB |\n", stored, dups, docs, te, tn, we, ce, tn/we, tn/we/raw, me/1024
  printf "\npack --dedup none reached %.2f of the %d-thread jtokkit ceiling measured in the same run.\n", tn/wn/rawn, workers
  printf "peak RSS, 10x input over 1x: %.2f. tokens/s: tokens read over the whole command (JVM start included).\n", mn/ms
  printf "CPU s: user + system; with %d cores to itself, pack --dedup none could run at up to about %.0f tokens/s (%.2fx raw).\n", workers, tn/(cn/workers), tn/(cn/workers)/raw
  printf "On CPU time alone: raw 1 thread %.0f tokens per CPU s; pack --dedup none over %d busy cores %.0f tokens/s: %.2fx.\n", tn/rawc, workers, tn/(cn/workers), (tn/(cn/workers))/(tn/rawc)
}'
