#!/usr/bin/python3
"""Loads a FAISS index file, searches queries from a .npy file, writes the ids as .ivecs.

    search.py INDEX QUERIES.npy K OUT.ivecs [THREADS]

Used by the FAISS interop test and the benchmark to compare sluice's export with real FAISS.
"""
import sys

import faiss
import numpy as np

index = faiss.read_index(sys.argv[1])
queries = np.ascontiguousarray(np.load(sys.argv[2]).astype(np.float32))
k = int(sys.argv[3])
if len(sys.argv) > 5:
    faiss.omp_set_num_threads(int(sys.argv[5]))
_, ids = index.search(queries, k)
out = np.empty((ids.shape[0], k + 1), dtype=np.int32)
out[:, 0] = k
out[:, 1:] = ids
out.tofile(sys.argv[4])
print(f"{type(index).__name__} ntotal={index.ntotal} d={index.d}", file=sys.stderr)
