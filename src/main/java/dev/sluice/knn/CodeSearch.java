package dev.sluice.knn;

import dev.sluice.io.CodeShards;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.simd.Kernels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Top-k over quantized codes: each query gets its scorer (look-up tables or rotated query) once, then the codes
 * stream past in batches; what all queries need from a batch (a transposed layout, per-code values) is derived
 * once ({@link CodeScorer#prepare}), then every query scans the batch with asymmetric distances, offering its heap
 * only codes within its current bound; queries are split between workers. {@link #rerank} re-orders each
 * query's candidates by exact distance.
 */
public final class CodeSearch {
    static final int CODE_BATCH = 16_384;
    /** Queries a worker takes at a time over held codes: a batch is read from memory once per piece. */
    static final int QUERY_PIECE = 32;

    private CodeSearch() {}

    /** Top-k of {@code nq} queries, {@code scorerOf.apply(q)} giving query q's scorer, over codes of {@code cb} bytes. */
    public static Neighbors search(IntFunction<CodeScorer> scorerOf, int nq, int cb, CodeShards.Source codes, int k,
                                   int workers) {
        // Scorers (a query's tables) are built by the worker that scans the query, at its first batch: built here,
        // one thread would spend as long on them as two spend on the scan (1,000 PQ32x4 queries over 117K codes).
        CodeScorer[] scorers = new CodeScorer[nq];
        TopK[] heaps = new TopK[nq];
        for (int q = 0; q < nq; q++) {
            heaps[q] = new TopK(k);
        }
        CodeScorer preparer = nq > 0 ? scorerOf.apply(0) : null;
        // Two batches: while the workers scan one, this thread reads the next and derives what all queries share
        // from it (a transposed layout, per-code values), work the workers used to wait for.
        CodeBatch[] shared = {new CodeBatch(new CodeShards.Batch(CODE_BATCH, cb), cb),
                new CodeBatch(new CodeShards.Batch(CODE_BATCH, cb), cb)};
        int chunks = Math.max(1, Math.min(workers, nq));
        int per = (nq + chunks - 1) / chunks;
        try (QueryChunks pool = new QueryChunks("sluice-adc-", nq, chunks, per)) {
            int cur = 0;
            boolean more = next(codes, shared[cur], preparer);
            while (more) {
                CodeBatch batch = shared[cur];
                QueryChunks.Running scans = pool.start(scans(batch, scorerOf, scorers, heaps));
                cur = 1 - cur;
                try {
                    more = next(codes, shared[cur], preparer);
                } finally {
                    scans.await("search");
                }
            }
        }
        return Neighbors.of(heaps);
    }

    /** The same over codes held in memory: their batches prepared once (the first time) for every pass. */
    public static Neighbors search(IntFunction<CodeScorer> scorerOf, int nq, HeldCodes codes, int k, int workers) {
        CodeScorer[] scorers = new CodeScorer[nq];
        TopK[] heaps = new TopK[nq];
        for (int q = 0; q < nq; q++) {
            heaps[q] = new TopK(k);
        }
        List<CodeBatch> batches = codes.batches(nq > 0 ? scorerOf.apply(0) : null);
        int chunks = Math.max(1, Math.min(workers, nq));
        try (QueryChunks pool = new QueryChunks("sluice-adc-", nq, chunks, (nq + chunks - 1) / chunks)) {
            // Pieces of queries taken by whichever worker is free, each piece batch after batch: a batch stays in
            // cache while the piece's tables stream, and no worker waits for the other at the end of each batch.
            pool.runPieces(QUERY_PIECE, (from, to) -> {
                for (CodeBatch batch : batches) {
                    scans(batch, scorerOf, scorers, heaps).run(from, to);
                }
            }, "search");
        }
        return Neighbors.of(heaps);
    }

    /** A worker's share of one batch: its queries' scans, each query's scorer made at its first batch. */
    private static QueryChunks.Range scans(CodeBatch batch, IntFunction<CodeScorer> scorerOf, CodeScorer[] scorers,
                                           TopK[] heaps) {
        return (from, to) -> {
            float[] d = new float[batch.rows()];
            for (int q = from; q < to; q++) {
                if (scorers[q] == null) {
                    scorers[q] = scorerOf.apply(q);
                }
                scorers[q].scan(batch, heaps[q], d);
            }
        };
    }

    /** Reads the next batch of {@code codes} into {@code batch} and prepares it; false at the end. */
    private static boolean next(CodeShards.Source codes, CodeBatch batch, CodeScorer preparer) {
        if (!codes.next(batch.batch)) {
            return false;
        }
        batch.reset();
        if (preparer != null) {
            preparer.prepare(batch);
        }
        return true;
    }

    /**
     * Keeps each query's k nearest among its candidates by exact distance. From a base that reads rows directly (a
     * memory-mapped {@code .npy} or {@code .fvecs}) the workers read their queries' candidates, a few hundred KB per
     * query; from any other base (Parquet), one pass reads it all and looks the candidates' ids up as it streams
     * past.
     */
    public static Neighbors rerank(Neighbors candidates, float[] queries, VectorReader base, int k, int workers) {
        if (!base.rowAccess()) {
            return rerankInOnePass(candidates, queries, base, k);
        }
        int nq = candidates.queries();
        int dim = base.dim();
        TopK[] heaps = new TopK[nq];
        for (int q = 0; q < nq; q++) {
            heaps[q] = new TopK(k);
        }
        var kern = Kernels.get();
        int chunks = Math.max(1, Math.min(workers, nq));
        try (QueryChunks pool = new QueryChunks("sluice-rerank-", nq, chunks, (nq + chunks - 1) / chunks)) {
            pool.run((from, to) -> {
                float[] row = new float[dim];
                for (int q = from; q < to; q++) {
                    for (long id : candidates.ids()[q]) {
                        base.readRow(id, row, 0);
                        heaps[q].offer(kern.squareDistance(queries, q * dim, row, 0, dim), id);
                    }
                }
            }, "re-rank");
        }
        return Neighbors.of(heaps);
    }

    private static Neighbors rerankInOnePass(Neighbors candidates, float[] queries, VectorReader base, int k) {
        int dim = base.dim();
        Map<Long, int[]> wanted = new HashMap<>();
        for (int q = 0; q < candidates.queries(); q++) {
            for (long id : candidates.ids()[q]) {
                int[] qs = wanted.get(id);
                if (qs == null) {
                    wanted.put(id, new int[] {q});
                } else {
                    int[] g = java.util.Arrays.copyOf(qs, qs.length + 1);
                    g[qs.length] = q;
                    wanted.put(id, g);
                }
            }
        }
        TopK[] heaps = new TopK[candidates.queries()];
        for (int q = 0; q < heaps.length; q++) {
            heaps[q] = new TopK(k);
        }
        var kern = Kernels.get();
        VectorBatch b = base.newBatch(8192);
        base.rewind();
        while (base.next(b)) {
            for (int i = 0; i < b.rows; i++) {
                int[] qs = wanted.get(b.ids[i]);
                if (qs != null) {
                    for (int q : qs) {
                        heaps[q].offer(kern.squareDistance(queries, q * dim, b.data, i * dim, dim), b.ids[i]);
                    }
                }
            }
        }
        return Neighbors.of(heaps);
    }
}
