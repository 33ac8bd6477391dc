#!/usr/bin/env bash
# Exact k-NN ground truth at scale: `sluice eval --save-ground-truth` over BASE (streamed from disk in blocks) for
# QUERIES, then FAISS's IndexFlatL2 (the build of build-faiss.sh when there is one, else Debian's 1.7.3) over the
# same vectors; prints both times, GFLOP/s and peak RSS, and how far they agree.
#   scripts/bench/exact.sh CODES_DIR BASE.npy QUERIES.npy [K]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CODES="$1" BASE="$2" QUERIES="$3" K="${4:-10}"
# FAISS: the build of scripts/bench/build-faiss.sh (FAISS_PYTHONPATH, or the newest target/faiss-VERSION), else
# whatever faiss module Python finds.
FAISS_PYTHONPATH="${FAISS_PYTHONPATH:-$(ls -d "$ROOT"/target/faiss-[0-9]* 2>/dev/null | sort -V | tail -1)}"
export PYTHONPATH="$FAISS_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}"
[ -f "$FAISS_PYTHONPATH/faiss-opt-level" ] && export FAISS_OPT_LEVEL="$(cat "$FAISS_PYTHONPATH/faiss-opt-level")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "# $(date -u +%FT%TZ) $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores" >&2
/usr/bin/time -f "sluice eval: %e s wall, peak RSS %M KB" "$ROOT/scripts/sluice" eval --codes "$CODES" \
  --queries "$QUERIES" --base "$BASE" --k "$K" --save-ground-truth "$WORK/gt.ivecs" --progress none 2>&1 \
  | grep -E "exact_|recall_at_k|sluice eval:|error"
/usr/bin/time -f "faiss: %e s wall, peak RSS %M KB" /usr/bin/python3 "$ROOT/scripts/bench/exact_faiss.py" "$BASE" \
  "$QUERIES" "$WORK/gt.ivecs" "$K" "$(nproc)" 2>&1
