#!/usr/bin/python3
"""The FAISS side of scripts/bench/compress.sh: FAISS (built from source by build-faiss.sh, or Debian's) on the
same vectors, queries and threads.

    faiss_bench.py BASE.npy QUERIES.npy GT_OUT.ivecs THREADS TRAIN_SIZE [ONLY]
    faiss_bench.py --search INDEX QUERIES.npy THREADS

ONLY: sluice method names (space-separated) whose FAISS counterparts alone are run; empty for all. With
FAISS_INDEX_DIR set, each index is also written there (NAME.faissindex) for --search, which times one saved index's
search alike and prints its QPS: compress.sh's alternating rounds.

Writes exact top-10 ground truth (IndexFlatL2) to GT_OUT.ivecs, then prints one JSON line per method:
train seconds, add (encode) vectors/s, search QPS (1,000 queries, k=10), recall@10, bytes/vector. Each line is
named by the sluice method it stands beside. RaBitQ's counterparts exist from FAISS 1.13 (IndexRaBitQFastScan,
default query bits); Debian's 1.7.3 has none, and its LSH (sign bits of a random rotation) stands in for 1-bit.
"""
import json
import os
import sys
import time

import faiss
import numpy as np


def timed_search(index, queries, k):
    """Untimed passes for a second, then the fastest of two to five passes (more only while they have taken under a
    second in all): timed like sluice's eval. Returns (seconds, ids)."""
    warm_end = time.perf_counter() + 1
    while True:
        index.search(queries, k)
        if time.perf_counter() >= warm_end:
            break
    search_s, total, i = float("inf"), 0.0, 0
    while i < 5 and (i < 2 or total < 1):
        t0 = time.perf_counter()
        _, ids = index.search(queries, k)
        sec = time.perf_counter() - t0
        search_s, total, i = min(search_s, sec), total + sec, i + 1
    return search_s, ids


if sys.argv[1] == "--search":
    faiss.omp_set_num_threads(int(sys.argv[4]))
    queries = np.ascontiguousarray(np.load(sys.argv[3]).astype(np.float32))
    seconds, _ = timed_search(faiss.read_index(sys.argv[2]), queries, 10)
    print(json.dumps({"qps": len(queries) / seconds}), flush=True)
    sys.exit(0)

base = np.ascontiguousarray(np.load(sys.argv[1]).astype(np.float32))
queries = np.ascontiguousarray(np.load(sys.argv[2]).astype(np.float32))
threads = int(sys.argv[4])
train_size = int(sys.argv[5])
only = sys.argv[6].split() if len(sys.argv) > 6 else []
rabitq = hasattr(faiss, "IndexRaBitQFastScan")
counterpart = {} if rabitq else {"rabitq1": "lsh"}
faiss.omp_set_num_threads(threads)
n, d = base.shape
k = 10

flat = faiss.IndexFlatL2(d)
flat.add(base)
t0 = time.perf_counter()
_, gt = flat.search(queries, k)
sec = time.perf_counter() - t0
out = np.empty((gt.shape[0], k + 1), dtype=np.int32)
out[:, 0] = k
out[:, 1:] = gt
out.tofile(sys.argv[3])
print(json.dumps({"method": "exact", "qps": len(queries) / sec,
                  "gflops": 2.0 * len(queries) * n * d / sec / 1e9, "recall": 1.0, "bytes": 4 * d}), flush=True)

rng = np.random.default_rng(0)
train = base[rng.choice(n, size=min(train_size, n), replace=False)]


def recall(ids):
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ids, gt)]))


# name (the sluice method beside it), factory string, bytes per vector FAISS stores (RaBitQ: the bits, then its
# per-vector factors: 8 bytes at 1 bit, 12 with extra bits).
methods = [("pq8", "PQ8", 8), ("pq16", "PQ16", 16), ("pq32", "PQ32", 32), ("pq32x4", "PQ32x4fs", 16),
           ("opq16", "OPQ16,PQ16", 16), ("sq8", "SQ8", d), ("sq4", "SQ4", d // 2)]
if rabitq:
    methods += [("rabitq1", "RaBitQfs", d // 8 + 8), ("rabitq1-rerank", "RaBitQfs,RFlat", d // 8 + 8),
                ("rabitq2", "RaBitQfs2", d // 4 + 12), ("rabitq4", "RaBitQfs4", d // 2 + 12)]
else:
    methods += [("lsh", "LSH", d // 8)]
wanted = set(counterpart.get(o, o) for o in only)
if "rabitq1" in wanted:
    wanted.add("rabitq1-rerank")
if wanted & {"saq2"}:
    wanted.add("rabitq2")
if wanted & {"saq4"}:
    wanted.add("rabitq4")
for name, factory, nbytes in methods:
    if only and name not in wanted:
        continue
    index = faiss.index_factory(d, factory)
    if factory.endswith(",RFlat"):
        index.k_factor = 10  # 100 candidates re-ranked by exact distance, as sluice's --rerank 100
    t0 = time.perf_counter()
    index.train(train)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.add(base)
    add_s = time.perf_counter() - t0
    search_s, ids = timed_search(index, queries, k)
    if os.environ.get("FAISS_INDEX_DIR"):
        faiss.write_index(index, os.path.join(os.environ["FAISS_INDEX_DIR"], name + ".faissindex"))
    nbytes = getattr(index, "code_size", nbytes)  # what the index stores per vector (RFlat: its base index)
    print(json.dumps({"method": name, "factory": factory, "train_s": train_s, "encode_vps": n / add_s,
                      "qps": len(queries) / search_s, "recall": recall(ids), "bytes": nbytes}), flush=True)
