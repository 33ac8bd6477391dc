#!/usr/bin/env bash
# Regenerates data-samples/flights/flights-sample.parquet from the npm package vega-datasets:
# the real 2001 US flight records of flights-3m.parquet, routes (ORIGIN-DEST) as probe keys, for a
# deterministic 1/32 of the routes (by MD5 of the route), all their flights.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${VEGA_DATASETS_VERSION:-3.2.1}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm install --silent --no-audit --no-fund "vega-datasets@$VERSION" >/dev/null)
SRC="$WORK/node_modules/vega-datasets/data/flights-3m.parquet"
OUT="$ROOT/data-samples/flights/flights-sample.parquet"
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
# sql is read-only and confined to WORK unless told: the sample's directory is allowed for this one write.
"$ROOT/scripts/sluice" sql --allow-write --allow-path "$(dirname "$OUT")" "$WORK" "COPY (
    SELECT origin || '-' || destination AS route, date, delay, distance
    FROM read_parquet('$SRC')
    WHERE md5_number_upper(origin || '-' || destination) % 32 = 0
    ORDER BY route, date, delay, distance
  ) TO '$OUT' (FORMAT parquet, COMPRESSION zstd)" >/dev/null
"$ROOT/scripts/sluice" sql --allow-path "$(dirname "$OUT")" "$WORK" "SELECT count(*) AS flights, count(DISTINCT route) AS routes,
    min(date) AS first, max(date) AS last FROM read_parquet('$OUT')"
