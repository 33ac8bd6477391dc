package dev.sluice.knn;

import dev.sluice.io.CodeShards;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Builds scorers of random queries and scans random codes with them on a daemon thread while a search command
 * loads its queries, codes and engine, so that the JIT has compiled the table and scan kernels by the time the
 * real search starts: until C2 compiles them, Vector API kernels run boxed, tens of times slower, and a one-off
 * search of a thousand queries spent most of its time there. Stops when closed, or after {@value #MAX_MILLIS} ms.
 */
public final class ScanWarmUp implements AutoCloseable {
    static final long MAX_MILLIS = 2000;

    private final Thread thread;
    private volatile boolean stopped;

    private ScanWarmUp(BiFunction<float[], Integer, CodeScorer> scorerOf, int dim, int codeBytes) {
        thread = Thread.ofPlatform().daemon().name("sluice-scan-warm-up").start(() -> {
            try {
                run(scorerOf, dim, codeBytes);
            } catch (RuntimeException e) {
                // Random codes may hold values that no encoder writes (NaN factors); the warm-up just ends early.
            }
        });
    }

    /** Starts warming up the scorers that {@code scorerOf} (query, offset) makes, over codes of {@code codeBytes}. */
    public static ScanWarmUp start(BiFunction<float[], Integer, CodeScorer> scorerOf, int dim, int codeBytes) {
        return new ScanWarmUp(scorerOf, dim, codeBytes);
    }

    private void run(BiFunction<float[], Integer, CodeScorer> scorerOf, int dim, int codeBytes) {
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
        long end = System.nanoTime() + MAX_MILLIS * 1_000_000;
        // As a search does: a scorer per query, the batch prepared once, then scanned.
        while (!stopped && System.nanoTime() < end) {
            for (int i = 0; i < dim; i++) {
                query[i] = (float) r.nextGaussian();
            }
            CodeScorer scorer = scorerOf.apply(query, 0);
            codes.reset();
            scorer.prepare(codes);
            scorer.scan(codes, new TopK(10), scratch);
        }
    }

    /** Stops the scans and waits for the current one to end, so that the real search has the cores. */
    @Override
    public void close() {
        stopped = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
