#!/usr/bin/env bash
# sluice compress/eval against FAISS, in one run, on one machine. FAISS is the build of
# scripts/bench/build-faiss.sh (FAISS_PYTHONPATH, or the newest target/faiss-VERSION), else Debian's python3-faiss:
#   scripts/bench/compress.sh [N]      N base vectors (default 117000; made by scripts/data/embeddings.sh)
#   ONLY="pq16 rabitq1" scripts/bench/compress.sh   only these sluice methods and their FAISS counterparts
#                                                  (the table then lists only them; no exact k-NN or RSS part)
# Per method: train seconds, encode vectors/s, search QPS (1,000 queries, k=10, no re-rank), recall@10,
# bytes/vector, and the ratio sluice/FAISS; exact k-NN GFLOP/s; then peak RSS of compress on the set and on
# the set repeated 10 times with small noise. Both sides use 2 threads. Speeds compare only within one run.
# Then ROUNDS (default 3; 0 for none) alternating rounds of every search: sluice's eval, then FAISS's saved index
# searched alike, again and again, with the median ratio: on a shared machine either side's speed moves by a
# quarter or more within minutes, and a ratio from one pass each can be the noise's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-117000}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
ONLY="${ONLY:-}"
DATA="$ROOT/target/bench-embeddings"
WORK="$ROOT/target/bench-compress"
SLUICE="$ROOT/scripts/sluice"
[ -f "$DATA/base.npy" ] || "$ROOT/scripts/data/embeddings.sh" "$N" "$DATA"
rm -rf "$WORK" && mkdir -p "$WORK"
FAISS_PYTHONPATH="${FAISS_PYTHONPATH:-$(ls -d "$ROOT"/target/faiss-[0-9]* 2>/dev/null | sort -V | tail -1)}"
export PYTHONPATH="$FAISS_PYTHONPATH${PYTHONPATH:+:$PYTHONPATH}"
[ -f "$FAISS_PYTHONPATH/faiss-opt-level" ] && export FAISS_OPT_LEVEL="$(cat "$FAISS_PYTHONPATH/faiss-opt-level")"
/usr/bin/python3 -c "import faiss" || { echo "compress.sh: build FAISS with scripts/bench/build-faiss.sh, or apt-get install python3-faiss python3-numpy libopenblas0-pthread" >&2; exit 1; }

echo "== FAISS $(/usr/bin/python3 -c 'import faiss; print(faiss.__version__, faiss.get_compile_options(), faiss.__file__)') ($THREADS threads)" >&2
mkdir -p "$WORK/faiss-index"
FAISS_INDEX_DIR="$WORK/faiss-index" OPENBLAS_NUM_THREADS=$THREADS /usr/bin/python3 "$ROOT/scripts/bench/faiss_bench.py" \
  "$DATA/base.npy" "$DATA/queries.npy" "$WORK/gt.ivecs" "$THREADS" 100000 "$ONLY" | tee "$WORK/faiss.jsonl" >&2

# name | compress options | eval options
METHODS=(
  "pq8|--method pq --m 8|"
  "pq16|--method pq --m 16|"
  "pq32|--method pq --m 32|"
  "pq32x4|--method pq --m 32 --nbits 4|"
  "opq16|--method opq --m 16|"
  "sq8|--method sq8|"
  "sq4|--method sq4|"
  "rabitq1|--method rabitq --bits 1|--base $DATA/base.npy --rerank 100"
  "rabitq4|--method rabitq --bits 4|"
  "saq2|--method saq --bits 2|"
  "saq4|--method saq --bits 4|"
)
for entry in "${METHODS[@]}"; do
  IFS='|' read -r name copts eopts <<<"$entry"
  [ -z "$ONLY" ] || [[ " $ONLY " == *" $name "* ]] || continue
  echo "== sluice $name" >&2
  # shellcheck disable=SC2086
  "$SLUICE" compress --input "$DATA/base.npy" $copts --out "$WORK/$name" --workers "$THREADS" --progress none \
    > "$WORK/$name.compress.txt" 2>&1
  # shellcheck disable=SC2086
  "$SLUICE" eval --codes "$WORK/$name" --queries "$DATA/queries.npy" --ground-truth "$WORK/gt.ivecs" $eopts \
    --workers "$THREADS" --progress none > "$WORK/$name.eval.txt" 2>&1
  tail -1 "$WORK/$name.compress.txt" >&2
done
# The FAISS index searched beside each sluice method (RaBitQ's own from FAISS 1.13 on; SAQ beside RaBitQ at the
# same bits); re-ranked RaBitQ also against rabitq1-rerank.
counterpart() {
  case "$1" in
    saq2) echo rabitq2 ;;
    saq4) echo rabitq4 ;;
    *) echo "$1" ;;
  esac
}
faiss_qps() {
  local index="$WORK/faiss-index/$1.faissindex"
  [ -f "$index" ] || { echo null; return; }
  OPENBLAS_NUM_THREADS=$THREADS /usr/bin/python3 "$ROOT/scripts/bench/faiss_bench.py" --search "$index" \
    "$DATA/queries.npy" "$THREADS" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["qps"])'
}
: > "$WORK/rounds.jsonl"
for entry in "${METHODS[@]}"; do
  IFS='|' read -r name copts eopts <<<"$entry"
  [ -z "$ONLY" ] || [[ " $ONLY " == *" $name "* ]] || continue
  for round in $(seq "$ROUNDS"); do
    echo "== alternating round $round: $name" >&2
    # shellcheck disable=SC2086
    "$SLUICE" eval --codes "$WORK/$name" --queries "$DATA/queries.npy" --ground-truth "$WORK/gt.ivecs" $eopts \
      --workers "$THREADS" --progress none --json > "$WORK/$name.round.json" 2>/dev/null
    f=$(faiss_qps "$(counterpart "$name")")
    fr=null; [[ "$eopts" == *--rerank* ]] && fr=$(faiss_qps "$(counterpart "$name")-rerank")
    /usr/bin/python3 - "$WORK/$name.round.json" "$name" "$round" "$f" "$fr" >> "$WORK/rounds.jsonl" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
for what, s, f in (("search", e.get("search_qps"), sys.argv[4]), ("rerank", e.get("rerank_qps"), sys.argv[5])):
    if s is not None and f != "null":
        print(json.dumps({"method": sys.argv[2], "what": what, "round": int(sys.argv[3]), "sluice": s, "faiss": float(f)}))
PY
  done
done

if [ -z "$ONLY" ]; then
echo "== sluice exact k-NN" >&2
"$SLUICE" eval --codes "$WORK/sq8" --queries "$DATA/queries.npy" --base "$DATA/base.npy" --workers "$THREADS" \
  --progress none > "$WORK/exact.eval.txt" 2>&1

echo "== sluice pq16 from Parquet (the same vectors as an id BIGINT, embedding FLOAT[384] file)" >&2
"${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java" --enable-native-access=ALL-UNNAMED -cp "$ROOT/target/lib/*" \
  "$ROOT/scripts/data/NpyToParquet.java" \
  "$DATA/base.npy" "$WORK/base.parquet"
"$SLUICE" compress --input "$WORK/base.parquet" --column embedding --method pq --m 16 --out "$WORK/pq16-parquet" \
  --workers "$THREADS" --progress none > "$WORK/pq16-parquet.compress.txt" 2>&1
rm -f "$WORK/base.parquet"

echo "== peak RSS: compress sq8 on 1x and 10x the set (repeated with noise 1e-3)" >&2
/usr/bin/python3 - "$DATA/base.npy" "$WORK/base10x.npy" <<'PY'
import sys
import numpy as np
b = np.load(sys.argv[1], mmap_mode="r")
rng = np.random.default_rng(1)
out = np.lib.format.open_memmap(sys.argv[2], mode="w+", dtype=np.float32, shape=(10 * b.shape[0], b.shape[1]))
for i in range(10):
    out[i * b.shape[0]:(i + 1) * b.shape[0]] = b + rng.normal(0, 1e-3, b.shape).astype(np.float32)
out.flush()
PY
for x in 1x 10x; do
  in="$DATA/base.npy"; [ "$x" = 10x ] && in="$WORK/base10x.npy"
  "$SLUICE" compress --input "$in" --method sq8 --out "$WORK/rss-$x" --workers "$THREADS" --memory-limit 2GB \
    --progress none > "$WORK/rss-$x.txt" 2>&1
done
rm -f "$WORK/base10x.npy"
fi

/usr/bin/python3 - "$WORK" "$ONLY" <<'PY'
import glob, json, os, sys
work = sys.argv[1]
only = sys.argv[2].split()
faiss = {j["method"]: j for j in map(json.loads, open(os.path.join(work, "faiss.jsonl")))}

def record(d, job):
    for f in sorted(glob.glob(os.path.join(d, "_runs", "*.json"))):
        r = json.load(open(f))
        if r["job"] == job and r["status"] == "ok":
            return r
    raise SystemExit("no %s record in %s" % (job, d))

def fmt(v, f="%.3f"):
    return "—" if v is None else f % v

def ratio(a, b):
    return "—" if a is None or b in (None, 0) else "%.2fx" % (a / b)

# Each sluice method and the FAISS line beside it: RaBitQ's own where this FAISS has it (1.13 on), SAQ beside
# RaBitQ at the same bits per dimension.
rq = "rabitq1" in faiss
rows = [("pq8", "pq8"), ("pq16", "pq16"), ("pq32", "pq32"), ("pq32x4", "pq32x4"), ("opq16", "opq16"),
        ("sq8", "sq8"), ("sq4", "sq4"), ("rabitq1", "rabitq1" if rq else "lsh"), ("rabitq4", "rabitq4" if rq else None),
        ("saq2", "rabitq2" if rq else None), ("saq4", "rabitq4" if rq else None)]
print("| method | bytes/vec sluice / FAISS | recall@10 sluice / FAISS | train s sluice / FAISS | encode vec/s sluice / FAISS (ratio) "
      "| search QPS sluice / FAISS (ratio) |")
print("|---|---|---|---|---|---|")
cold = []
for name, fname in rows:
    if only and name not in only:
        continue
    c, e = record(os.path.join(work, name), "compress"), record(os.path.join(work, name), "eval")
    f = faiss.get(fname, {}) if fname else {}
    rec = "%.3f / %s" % (e["recall_at_k"], fmt(f.get("recall")))
    qps = "%s / %s (%s)" % (fmt(e["search_qps"], "%.0f"), fmt(f.get("qps"), "%.0f"), ratio(e["search_qps"], f.get("qps")))
    if "rerank_recall_at_k" in e:
        fr = faiss.get("rabitq1-rerank", {})
        rec += "; re-rank 100: %.3f / %s" % (e["rerank_recall_at_k"], fmt(fr.get("recall")))
        qps += "; re-rank 100: %.0f / %s (%s)" % (e["rerank_qps"], fmt(fr.get("qps"), "%.0f"),
                                                  ratio(e["rerank_qps"], fr.get("qps")))
    cold.append("%s %.0f" % (name, e["search_qps_cold"]))
    label = name if fname in (name, None) else "%s (FAISS: %s)" % (name, fname)
    if f.get("factory"):
        label += " `%s`" % f["factory"]
    print("| %s | %d / %s | %s | %s / %s | %s / %s (%s) | %s |" % (
        label, e["bytes_per_vector"], fmt(f.get("bytes"), "%d"), rec, fmt(c["train_seconds"], "%.1f"),
        fmt(f.get("train_s"), "%.1f"), fmt(c["encode_vectors_per_second"], "%.0f"), fmt(f.get("encode_vps"), "%.0f"),
        ratio(c["encode_vectors_per_second"], f.get("encode_vps")), qps))
print()
print("sluice search QPS of the first (cold, JIT-compiling) pass: " + ", ".join(cold))
rounds = {}
for r in map(json.loads, open(os.path.join(work, "rounds.jsonl"))):
    rounds.setdefault((r["method"], r["what"]), []).append(r)
if rounds:
    print()
    print("Alternating rounds (sluice's eval, then FAISS's saved index, in turn), search QPS sluice / FAISS:")
    print()
    print("| method | rounds | median ratio |")
    print("|---|---|---|")
    for (name, what), rs in rounds.items():
        ratios = sorted(r["sluice"] / r["faiss"] for r in rs)
        median = ratios[len(ratios) // 2] if len(ratios) % 2 else sum(ratios[len(ratios) // 2 - 1:][:2]) / 2
        print("| %s%s | %s | %.2fx |" % (name, " re-rank 100" if what == "rerank" else "",
                                        ", ".join("%.0f / %.0f" % (r["sluice"], r["faiss"]) for r in rs), median))
if only:
    sys.exit(0)
x = record(os.path.join(work, "sq8"), "eval")
for r in sorted(glob.glob(os.path.join(work, "sq8", "_runs", "*.json"))):
    j = json.load(open(r))
    if j["job"] == "eval" and "exact_gflops" in j:
        x = j
print("| exact k-NN | %d | 1.0 | — | — | %.0f / %.0f QPS; %.1f / %.1f GFLOP/s (%s) |" % (
    4 * 384, x["exact_qps"], faiss["exact"]["qps"], x["exact_gflops"], faiss["exact"]["gflops"],
    ratio(x["exact_gflops"], faiss["exact"]["gflops"])))
n, p = record(os.path.join(work, "pq16"), "compress"), record(os.path.join(work, "pq16-parquet"), "compress")
print()
print("compress pq16 input: .npy %.1f s in all, encode %.0f vec/s; Parquet FLOAT[384] %.1f s, encode %.0f vec/s" % (
    n["seconds"], n["encode_vectors_per_second"], p["seconds"], p["encode_vectors_per_second"]))
r1, r10 = record(os.path.join(work, "rss-1x"), "compress"), record(os.path.join(work, "rss-10x"), "compress")
print()
print("compress sq8 peak RSS: {:,} vectors {:.0f} MB; {:,} vectors {:.0f} MB ({:+.1f}%)".format(
    r1["rows_in"], r1["rss_peak_bytes"] / 2**20, r10["rows_in"], r10["rss_peak_bytes"] / 2**20,
    100.0 * (r10["rss_peak_bytes"] / r1["rss_peak_bytes"] - 1)))
PY
