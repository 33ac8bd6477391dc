package dev.sluice.knn;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.util.Locale;

/**
 * Exact top-k by squared L2, streamed over the base in batches: {@code ||q - x||^2 = ||q||^2 + ||x||^2 - 2 q.x},
 * with the dot products of four queries against two base vectors computed together ({@link VectorKernels#dot4x2})
 * over blocks of {@value #BLOCK} base vectors that stay in the L2 cache. Queries are split between workers,
 * each with its own heaps, so nothing is shared while a batch is searched. Memory: one base batch, the queries,
 * and k results per query; never a distance matrix.
 */
public final class ExactSearch {
    static final int BLOCK = 256;

    private ExactSearch() {}

    /** Top-k of {@code nq} row-major queries over every vector of {@code base}, using {@code workers} threads. */
    public static Neighbors search(float[] queries, int nq, VectorReader base, int k, int workers, int batchRows) {
        int dim = base.dim();
        if (queries.length < nq * dim) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "the queries have %d dimensions, the base %s has %d", queries.length / Math.max(nq, 1), base.describe(),
                    dim));
        }
        VectorKernels kern = Kernels.get();
        float[] qn = new float[nq];
        for (int q = 0; q < nq; q++) {
            qn[q] = kern.dot(queries, q * dim, queries, q * dim, dim);
        }
        TopK[] heaps = new TopK[nq];
        for (int q = 0; q < nq; q++) {
            heaps[q] = new TopK(k);
        }
        VectorBatch b = base.newBatch(batchRows);
        float[] bn = new float[batchRows];
        int chunks = Math.max(1, Math.min(workers, (nq + 3) / 4));
        int per = ((nq + chunks - 1) / chunks + 3) / 4 * 4;
        try (QueryChunks pool = new QueryChunks("sluice-knn-", nq, chunks, per)) {
            base.rewind();
            while (base.next(b)) {
                for (int i = 0; i < b.rows; i++) {
                    bn[i] = kern.dot(b.data, i * dim, b.data, i * dim, dim);
                }
                pool.run((from, to) -> searchChunk(kern, queries, qn, from, to, b, bn, heaps), "exact search");
            }
        }
        return Neighbors.of(heaps);
    }

    private static void searchChunk(VectorKernels kern, float[] queries, float[] qn, int from, int to, VectorBatch b,
                                    float[] bn, TopK[] heaps) {
        int dim = b.dim;
        float[] d8 = new float[8];
        for (int s = 0; s < b.rows; s += BLOCK) {
            int e = Math.min(b.rows, s + BLOCK);
            int q = from;
            for (; q + 4 <= to; q += 4) {
                TopK h0 = heaps[q], h1 = heaps[q + 1], h2 = heaps[q + 2], h3 = heaps[q + 3];
                int i = s;
                // Two base vectors at a time, offered in base order.
                for (; i + 2 <= e; i += 2) {
                    kern.dot4x2(queries, q * dim, b.data, i * dim, (i + 1) * dim, dim, d8);
                    long id = b.ids[i], id1 = b.ids[i + 1];
                    offer(h0, qn[q] + bn[i] - 2 * d8[0], id);
                    offer(h1, qn[q + 1] + bn[i] - 2 * d8[1], id);
                    offer(h2, qn[q + 2] + bn[i] - 2 * d8[2], id);
                    offer(h3, qn[q + 3] + bn[i] - 2 * d8[3], id);
                    offer(h0, qn[q] + bn[i + 1] - 2 * d8[4], id1);
                    offer(h1, qn[q + 1] + bn[i + 1] - 2 * d8[5], id1);
                    offer(h2, qn[q + 2] + bn[i + 1] - 2 * d8[6], id1);
                    offer(h3, qn[q + 3] + bn[i + 1] - 2 * d8[7], id1);
                }
                for (; i < e; i++) {
                    // The last vector of an odd block, passed twice: its products are those it has in a pair.
                    kern.dot4x2(queries, q * dim, b.data, i * dim, i * dim, dim, d8);
                    long id = b.ids[i];
                    offer(h0, qn[q] + bn[i] - 2 * d8[0], id);
                    offer(h1, qn[q + 1] + bn[i] - 2 * d8[1], id);
                    offer(h2, qn[q + 2] + bn[i] - 2 * d8[2], id);
                    offer(h3, qn[q + 3] + bn[i] - 2 * d8[3], id);
                }
            }
            for (; q < to; q++) {
                for (int i = s; i < e; i++) {
                    offer(heaps[q], qn[q] + bn[i] - 2 * kern.dot(queries, q * dim, b.data, i * dim, dim), b.ids[i]);
                }
            }
        }
    }

    private static void offer(TopK h, float d, long id) {
        // Rounding can make the distance of a vector to itself slightly negative.
        float dd = Math.max(d, 0f);
        if (dd <= h.bound()) {
            h.offer(dd, id);
        }
    }
}
