#!/usr/bin/python3
"""The FAISS side of scripts/bench/compress.sh: Debian's FAISS on the same vectors, queries and threads.

    faiss_bench.py BASE.npy QUERIES.npy GT_OUT.ivecs THREADS TRAIN_SIZE [ONLY]

ONLY: sluice method names (space-separated) whose FAISS counterparts alone are run; empty for all.

Writes exact top-10 ground truth (IndexFlatL2) to GT_OUT.ivecs, then prints one JSON line per method:
train seconds, add (encode) vectors/s, search QPS (1,000 queries, k=10), recall@10, bytes/vector.
"""
import json
import sys
import time

import faiss
import numpy as np

base = np.ascontiguousarray(np.load(sys.argv[1]).astype(np.float32))
queries = np.ascontiguousarray(np.load(sys.argv[2]).astype(np.float32))
threads = int(sys.argv[4])
train_size = int(sys.argv[5])
only = sys.argv[6].split() if len(sys.argv) > 6 else []
counterpart = {"rabitq1": "lsh"}
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


for name, factory, nbytes in [("pq8", "PQ8", 8), ("pq16", "PQ16", 16), ("pq32", "PQ32", 32),
                              ("pq32x4", "PQ32x4fs", 16),
                              ("opq16", "OPQ16,PQ16", 16), ("sq8", "SQ8", d), ("sq4", "SQ4", d // 2),
                              ("lsh", "LSH", d // 8)]:
    if only and name not in [counterpart.get(o, o) for o in only]:
        continue
    index = faiss.index_factory(d, factory)
    t0 = time.perf_counter()
    index.train(train)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.add(base)
    add_s = time.perf_counter() - t0
    # Timed twice like sluice's eval (whose first pass includes the JIT); the second counts.
    for _ in range(2):
        t0 = time.perf_counter()
        _, ids = index.search(queries, k)
        search_s = time.perf_counter() - t0
    print(json.dumps({"method": name, "train_s": train_s, "encode_vps": n / add_s, "qps": len(queries) / search_s,
                      "recall": recall(ids), "bytes": nbytes}), flush=True)
