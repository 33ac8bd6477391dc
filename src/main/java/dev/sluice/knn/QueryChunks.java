package dev.sluice.knn;

import dev.sluice.engine.Futures;
import dev.sluice.engine.WorkerThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

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
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int from = c * per;
            int to = Math.min(nq, from + per);
            if (from < to) {
                fs.add(pool.submit(() -> range.run(from, to)));
            }
        }
        for (Future<?> f : fs) {
            Futures.get(f, what);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
