#!/usr/bin/env bash
# probe-rows benchmark on real flight measurements (vega-datasets flights-3m.parquet), three input shapes:
#   numeric  30M measurements (10 copies with shifted keys and times; 33,990 route keys): delay, distance
#   text     the same with a text field, target (the destination airport code): target, delay, distance
#   210m     7 shifted copies of the text input (210M measurements, 237,930 keys)
# against plain DuckDB SQL (partition into hash buckets, then window + ordered list() per bucket; 64 buckets at
# 30M, 256 at 210M, DuckDB memory_limit 1GB) and, at 30M, the same job written with Polars (nodejs-polars 0.25.2,
# eager and streaming; it has no memory limit). sluice runs with --memory-limit 1GB (the whole process).
# Runs interleave, REPEAT rounds at 30M (default 3) and REPEAT_210M at 210M (default 1); prints medians: seconds,
# measurements/s, peak RSS and the ratio to plain SQL.
#   SHAPES="numeric text 210m" scripts/bench/probe-rows.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
REPEAT="${REPEAT:-3}"
REPEAT_210M="${REPEAT_210M:-1}"
SHAPES="${SHAPES:-numeric text 210m}"
mkdir -p "$BENCH_DIR/data"
source "$ROOT/scripts/bench/lib.sh"
build_with_tests

SRC="$BENCH_DIR/npm/node_modules/vega-datasets/data/flights-3m.parquet"
if [ ! -f "$SRC" ]; then
  mkdir -p "$BENCH_DIR/npm"
  (cd "$BENCH_DIR/npm" && npm install --silent --no-audit --no-fund vega-datasets@3.2.1 >/dev/null)
fi
POLARS="$BENCH_DIR/polars/node_modules"
if [ ! -d "$POLARS/nodejs-polars" ]; then
  mkdir -p "$BENCH_DIR/polars"
  (cd "$BENCH_DIR/polars" && { [ -f package.json ] || echo '{"private": true}' >package.json; } \
    && npm install -E --silent --no-audit --no-fund nodejs-polars@0.25.2 nodejs-polars-linux-x64-gnu@0.25.2 >/dev/null)
fi
make_input() {  # file, select list over the source or over another input, FROM clause
  [ -f "$1" ] && return 0
  # sql is read-only and confined to the folder it is given unless told: one write into data/ is allowed.
  "$ROOT/scripts/sluice" sql --allow-write --allow-path "$BENCH_DIR/data" "$BENCH_DIR/npm" \
    "COPY (SELECT $2 FROM $3) TO '$1' (FORMAT parquet, COMPRESSION zstd)" >/dev/null
}
NUMERIC="$BENCH_DIR/data/flights-30m-num.parquet"
TEXT="$BENCH_DIR/data/flights-30m-text.parquet"
BIG="$BENCH_DIR/data/flights-210m-text.parquet"
COPIES="origin || '-' || destination || '#' || c AS route, date + to_days(CAST(c * 200 AS INTEGER)) AS date"
make_input "$NUMERIC" "$COPIES, delay, distance" "read_parquet('$SRC'), range(10) t(c)"
make_input "$TEXT" "$COPIES, destination AS target, delay, distance" "read_parquet('$SRC'), range(10) t(c)"
make_input "$BIG" "route || '~' || c AS route, date + to_days(CAST(c * 2000 AS INTEGER)) AS date, target, delay, distance" \
  "read_parquet('$TEXT'), range(7) t(c)"
export ROOT BENCH_DIR CP JAVA_HOME POLARS

plain() {  # input fields buckets
  rm -rf "$BENCH_DIR/plain"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx64m -cp "$CP" dev.sluice.bench.PlainSqlProbeRows \
    "$1" route date "$2" 512 "$3" 1GB 2 "$BENCH_DIR/plain"
}
sluice() {  # input
  rm -rf "$BENCH_DIR/out"
  "$ROOT/scripts/sluice" probe-rows --input "$1" --key route --time date --memory-limit 1GB \
    --progress none --tmp-dir "$BENCH_DIR" --out "$BENCH_DIR/out"
}
polars() {  # input fields mode
  rm -f "$BENCH_DIR/polars-out.parquet"
  NODE_PATH="$POLARS" node "$ROOT/scripts/bench/polars_probe_rows.js" "$1" route date "$2" 512 \
    "$BENCH_DIR/polars-out.parquet" "$3"
}

for shape in $SHAPES; do
  : >"$RESULTS"
  case "$shape" in
    numeric) input=$NUMERIC fields=delay,distance buckets=64 n=30000000 rounds=$REPEAT ;;
    text) input=$TEXT fields=target,delay,distance buckets=64 n=30000000 rounds=$REPEAT ;;
    210m) input=$BIG fields=target,delay,distance buckets=256 n=210000000 rounds=$REPEAT_210M ;;
    *) echo "unknown shape $shape (numeric, text, 210m)" >&2; exit 2 ;;
  esac
  echo "## $shape: $(basename "$input"), fields $fields" >&2
  for _ in $(seq "$rounds"); do
    measure "plain SQL, $buckets buckets|1GB" plain "$input" "$fields" "$buckets"
    measure "sluice probe-rows|1GB" sluice "$input"
    if [ "$shape" != 210m ]; then
      measure "Polars, streaming|1GB" polars "$input" "$fields" streaming
      measure "Polars, eager|1GB" polars "$input" "$fields" eager
    fi
  done
  echo "### $shape ($n measurements, fields $fields)"
  report "$n" "measurements" "plain SQL, $buckets buckets"
done
