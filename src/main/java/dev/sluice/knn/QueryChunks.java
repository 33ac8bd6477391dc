package dev.sluice.knn;

import dev.sluice.engine.Futures;
import dev.sluice.engine.WorkerThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queries of a search cut into contiguous ranges of {@code per}, one per pool thread, run against each
 * batch of the base in turn; a failure in any range ends the search with its own exception.
 */
final class QueryChunks implements AutoCloseable {
    /** The work of queries {@code [from, to)} against the current batch. */
    interface Range {
        void run(int from, int to);
    }

    private final ExecutorService pool;
    private final int nq;
    private final int chunks;
    private final int per;

    QueryChunks(String threadName, int nq, int chunks, int per) {
        this.pool = WorkerThreads.fixed(chunks, threadName);
        this.nq = nq;
        this.chunks = chunks;
        this.per = per;
    }

    /** Runs every range on the pool and waits for all of them. */
    void run(Range range, String what) {
        start(range).await(what);
    }

    /** Ranges started on the pool, to be waited for. */
    record Running(List<Future<?>> futures) {
        /** Waits for every range; the first failure ends the wait with its own exception. */
        void await(String what) {
            for (Future<?> f : futures) {
                Futures.get(f, what);
            }
        }
    }

    /**
     * Runs {@code range} over all queries in pieces of {@code piece}, each pool thread taking the next piece not yet
     * taken, and waits: no thread waits for another until the last pieces, however unevenly they run.
     */
    void runPieces(int piece, Range range, String what) {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            fs.add(pool.submit(() -> {
                for (int from; (from = next.getAndAdd(piece)) < nq; ) {
                    range.run(from, Math.min(nq, from + piece));
                }
            }));
        }
        new Running(fs).await(what);
    }

    /** Starts every range on the pool and returns without waiting: the caller may work meanwhile. */
    Running start(Range range) {
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int from = c * per;
            int to = Math.min(nq, from + per);
            if (from < to) {
                fs.add(pool.submit(() -> range.run(from, to)));
            }
        }
        return new Running(fs);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
