package dev.sluice.shard;

import dev.sluice.engine.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs work units on a fixed number of platform threads. The first failure cancels the units not yet
 * started, waits for those running, and is rethrown as it was, so the caller sees the input error a unit met.
 */
public final class WorkerPool {
    /** One unit of work; may throw any exception. */
    public interface Unit {
        void run() throws Exception;
    }

    private WorkerPool() {}

    public static void run(int workers, List<Unit> units) {
        if (units.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(workers, units.size())),
                Thread.ofPlatform().name("sluice-worker-", 0).factory());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Unit u : units) {
                futures.add(pool.submit(() -> {
                    u.run();
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    Futures.get(f, "a work unit");
                } catch (RuntimeException | Error e) {
                    futures.forEach(x -> x.cancel(true));
                    throw e;
                }
            }
        } finally {
            // Wait for units still running (a DuckDB call does not stop on interrupt): the caller closes the
            // allocator, the DuckDB session and the temp files next.
            pool.shutdownNow();
            pool.close();
        }
    }
}
