#!/usr/bin/env bash
# What durable commits and verified resumes cost: probe-rows on the 30M flights (scripts/bench/probe-rows.sh builds
# them) at --memory-limit 1GB, with this checkout and with OTHER (another build, e.g. one without fsync or CRC
# checks), REPEAT rounds alternating: a whole run, then a rerun of that output with its manifest removed (every unit
# committed: the rerun checks them all, then writes the manifest). Prints each time and the medians.
#   scripts/bench/resume-cost.sh OTHER_CHECKOUT
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OTHER="$(cd "$1" && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
REPEAT="${REPEAT:-3}"
FLIGHTS="$BENCH_DIR/data/flights-30m.parquet"
[ -f "$FLIGHTS" ] || { echo "resume-cost.sh: run scripts/bench/probe-rows.sh first (it builds $FLIGHTS)" >&2; exit 2; }
WORK="$BENCH_DIR/resume-cost"
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
echo "# $(date -u +%FT%TZ) $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores" >&2

seconds() {  # command...: wall seconds
  local t0 t1
  t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
  printf '%d.%03d\n' $(( (t1 - t0) / 1000000000 )) $(( (t1 - t0) / 1000000 % 1000 ))
}
for round in $(seq "$REPEAT"); do
  for home in "$ROOT" "$OTHER"; do
    out="$WORK/$(basename "$home")"
    rm -rf "$out" "$WORK/tmp"; mkdir -p "$WORK/tmp"
    run=("$home/scripts/sluice" probe-rows --input "$FLIGHTS" --key route --time date --memory-limit 1GB
         --progress none --tmp-dir "$WORK/tmp" --out "$out")
    whole=$(seconds "${run[@]}")
    rm "$out/_manifest.json"
    resume=$(seconds "${run[@]}")
    echo "$(basename "$home") $whole $resume" | tee -a "$RESULTS" >&2
  done
done
/usr/bin/python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
runs = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, whole, resume = line.split()
    runs.setdefault(name, []).append((float(whole), float(resume)))
print("| build | whole run (median s) | resume of a complete output (median s) |")
print("|---|---|---|")
for name, v in runs.items():
    print(f"| {name} | {statistics.median(w for w, _ in v):.2f} | {statistics.median(r for _, r in v):.2f} |")
PY
