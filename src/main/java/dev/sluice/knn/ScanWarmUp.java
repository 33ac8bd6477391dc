package dev.sluice.knn;

import dev.sluice.engine.WarmUp;
import dev.sluice.io.CodeShards;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Builds scorers of random queries and scans random codes with them while a search command loads its queries,
 * codes and engine, so that the JIT has compiled the table and scan kernels by the time the real search starts:
 * a one-off search of a thousand queries spent most of its time in the uncompiled kernels. Stops when closed,
 * or after {@value #MAX_MILLIS} ms.
 */
public final class ScanWarmUp {
    static final long MAX_MILLIS = 2000;

    private ScanWarmUp() {}

    /** Starts warming up the scorers that {@code scorerOf} (query, offset) makes, over codes of {@code codeBytes}. */
    public static WarmUp start(BiFunction<float[], Integer, CodeScorer> scorerOf, int dim, int codeBytes) {
        return WarmUp.start("sluice-scan-warm-up", MAX_MILLIS, () -> {
            Random r = new Random(1);
            CodeShards.Batch batch = new CodeShards.Batch(CodeSearch.CODE_BATCH / 4, codeBytes);
            r.nextBytes(batch.codes);
            for (int i = 0; i < batch.ids.length; i++) {
                batch.ids[i] = i;
            }
            batch.rows = batch.ids.length;
            CodeBatch codes = new CodeBatch(batch, codeBytes);
            float[] query = new float[dim];
            float[] scratch = new float[batch.rows];
            // As a search does: a scorer per query, the batch prepared once, then scanned.
            return () -> {
                for (int i = 0; i < dim; i++) {
                    query[i] = (float) r.nextGaussian();
                }
                CodeScorer scorer = scorerOf.apply(query, 0);
                codes.reset();
                scorer.prepare(codes);
                scorer.scan(codes, new TopK(10), scratch);
            };
        });
    }
}
