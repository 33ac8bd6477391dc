"""FAISS's exact search (IndexFlatL2) over the same base and queries as `sluice eval`, for scripts/bench/exact.sh:
prints seconds, GFLOP/s, peak RSS and the share of sluice's saved ground truth it agrees with."""
import resource
import sys
import time

import faiss
import numpy as np

base_path, queries_path, gt_path, k, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
faiss.omp_set_num_threads(threads)
base = np.load(base_path, mmap_mode="r")
queries = np.load(queries_path)
t0 = time.perf_counter()
index = faiss.IndexFlatL2(base.shape[1])
index.add(np.ascontiguousarray(base))
t1 = time.perf_counter()
_, ids = index.search(queries, k)
t2 = time.perf_counter()
gt = np.fromfile(gt_path, dtype="<i4").reshape(-1, k + 1)[:, 1:]
agree = np.mean([len(set(a) & set(b)) / k for a, b in zip(ids, gt)])
gflops = 2.0 * queries.shape[0] * base.shape[0] * base.shape[1] / (t2 - t1) / 1e9
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"faiss {faiss.__version__} IndexFlatL2: add {t1 - t0:.1f} s, search {t2 - t1:.1f} s, {gflops:.1f} GFLOP/s, "
      f"peak RSS {rss:.0f} MB, agrees with sluice's ground truth on {agree:.4f} of ids")
