#!/usr/bin/env bash
# This build against another (OTHER_CHECKOUT, built), job by job, in one run: probe-rows on the 30M flights at 1 GB
# (scripts/bench/probe-rows.sh builds them), compress PQ16 of 200,000 x 384-d vectors at 2 GB (made here by
# SyntheticVectors.java), pack of the pack benchmark's corpus at 1 GB (scripts/bench/pack.sh builds it), with and
# without dedup. REPEAT rounds, the two builds alternating; prints medians and this build's time over the other's.
#   scripts/bench/builds.sh OTHER_CHECKOUT
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OTHER="$(cd "$1" && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/sluice-bench}"
REPEAT="${REPEAT:-3}"
FLIGHTS="$BENCH_DIR/data/flights-30m.parquet"
CORPUS="${CORPUS:-${TMPDIR:-/tmp}/sluice-bench-pack/corpus.jsonl}"
VECTORS="$BENCH_DIR/data/synthetic-200k-384.npy"
[ -f "$FLIGHTS" ] || { echo "builds.sh: run scripts/bench/probe-rows.sh first (it builds $FLIGHTS)" >&2; exit 2; }
[ -f "$CORPUS" ] || { echo "builds.sh: run scripts/bench/pack.sh first (it builds $CORPUS)" >&2; exit 2; }
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
[ -f "$VECTORS" ] || "$JAVA" "$ROOT/scripts/bench/SyntheticVectors.java" "$VECTORS" 200000 384 0
WORK="$BENCH_DIR/builds"
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
echo "# $(date -u +%FT%TZ) $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

job() {  # name: the job's arguments
  case "$1" in
    probe-rows) echo "probe-rows --input $FLIGHTS --key route --time date --memory-limit 1GB" ;;
    compress) echo "compress --input $VECTORS --method pq --m 16 --memory-limit 2GB" ;;
    pack-dedup) echo "pack --input $CORPUS --unit-docs 4096 --memory-limit 1GB" ;;
    pack-none) echo "pack --input $CORPUS --unit-docs 4096 --dedup none --memory-limit 1GB" ;;
  esac
}
for round in $(seq "$REPEAT"); do
  for name in probe-rows compress pack-dedup pack-none; do
    for home in "$ROOT" "$OTHER"; do
      out="$WORK/out"; rm -rf "$out" "$WORK/tmp"; mkdir -p "$WORK/tmp"
      # shellcheck disable=SC2046
      /usr/bin/time -f "%e %M" -o "$WORK/time" "$home/scripts/sluice" $(job "$name") --progress none \
        --tmp-dir "$WORK/tmp" --out "$out" >/dev/null 2>"$WORK/log" || { cat "$WORK/log" >&2; exit 1; }
      read -r secs rss < "$WORK/time"
      echo "$name $(basename "$home") $secs $rss" | tee -a "$RESULTS" >&2
    done
  done
done
/usr/bin/python3 - "$RESULTS" "$(basename "$ROOT")" "$(basename "$OTHER")" <<'PY'
import sys, statistics, collections
path, this, other = sys.argv[1:]
runs = collections.defaultdict(list)
for line in open(path):
    name, build, secs, rss = line.split()
    runs[(name, build)].append((float(secs), int(rss)))
print(f"| job | {this} s | {other} s | {this} / {other} | peak RSS MB, {this} / {other} |")
print("|---|---|---|---|---|")
for name in dict.fromkeys(k[0] for k in runs):
    a = statistics.median(s for s, _ in runs[(name, this)])
    b = statistics.median(s for s, _ in runs[(name, other)])
    ra = statistics.median(r for _, r in runs[(name, this)]) // 1024
    rb = statistics.median(r for _, r in runs[(name, other)]) // 1024
    print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f} | {ra} / {rb} |")
PY
