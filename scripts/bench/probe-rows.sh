#!/usr/bin/env bash
# probe-rows benchmark: 30M real flight measurements (vega-datasets flights-3m.parquet, 10 copies with
# shifted keys and times; 33,990 route keys). In one run, interleaved, REPEAT times each:
#   plain DuckDB SQL over 16 and 64 hash buckets (partition, then window + ordered list() per bucket),
#   at DuckDB memory_limit 1GB and 512MB, and sluice probe-rows with --memory-limit 1GB and 512MB
#   (the budget of the whole process).
# Prints medians: seconds, measurements/s, peak RSS, and the ratio to 64-bucket plain SQL at the same limit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
REPEAT="${REPEAT:-3}"
mkdir -p "$BENCH_DIR"
source "$ROOT/scripts/bench/lib.sh"

INPUT="$BENCH_DIR/data/flights-30m.parquet"
if [ ! -f "$INPUT" ]; then
  if [ ! -f "$BENCH_DIR/npm/node_modules/vega-datasets/data/flights-3m.parquet" ]; then
    mkdir -p "$BENCH_DIR/npm"
    (cd "$BENCH_DIR/npm" && npm install --silent --no-audit --no-fund vega-datasets@3.2.1 >/dev/null)
  fi
  SRC="$BENCH_DIR/npm/node_modules/vega-datasets/data/flights-3m.parquet"
  mkdir -p "$BENCH_DIR/data"
  # sql is read-only and confined to the npm package's directory unless told: one write into data/ is allowed.
  "$ROOT/scripts/sluice" sql --allow-write --allow-path "$BENCH_DIR/data" "$BENCH_DIR/npm" "COPY (
      SELECT origin || '-' || destination || '#' || c AS route, date + to_days(CAST(c * 200 AS INTEGER)) AS date,
             delay, distance
      FROM read_parquet('$SRC'), range(10) t(c)) TO '$INPUT' (FORMAT parquet, COMPRESSION zstd)" >/dev/null
fi
build_with_tests
N=30000000
export ROOT BENCH_DIR INPUT CP JAVA_HOME

plain() {  # buckets limit
  rm -rf "$BENCH_DIR/plain"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx64m -cp "$CP" dev.sluice.bench.PlainSqlProbeRows \
    "$INPUT" route date delay,distance 512 "$1" "$2" 2 "$BENCH_DIR/plain"
}
sluice() {  # limit
  rm -rf "$BENCH_DIR/out"
  "$ROOT/scripts/sluice" probe-rows --input "$INPUT" --key route --time date --memory-limit "$1" \
    --progress none --tmp-dir "$BENCH_DIR" --out "$BENCH_DIR/out"
}

for rep in $(seq "$REPEAT"); do
  for limit in 1GB 512MB; do
    measure "plain SQL, 16 buckets|$limit" plain 16 "$limit"
    measure "plain SQL, 64 buckets|$limit" plain 64 "$limit"
    measure "sluice probe-rows|$limit" sluice "$limit"
  done
done
report "$N" "measurements" "plain SQL, 64 buckets"
