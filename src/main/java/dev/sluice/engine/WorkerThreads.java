package dev.sluice.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The worker pools of the jobs: a fixed number of named platform threads ({@code sluice-worker-N}, so a thread
 * dump or a profile shows whose they are). Platform, not virtual: the work is CPU-bound SIMD and tokenization,
 * and DuckDB calls pin their carrier anyway.
 */
public final class WorkerThreads {
    private WorkerThreads() {}

    public static ExecutorService fixed(int threads, String prefix) {
        return Executors.newFixedThreadPool(Math.max(1, threads), Thread.ofPlatform().name(prefix, 0).factory());
    }

    /** The jobs' pool of {@code --workers} threads. */
    public static ExecutorService workers(int threads) {
        return fixed(threads, "sluice-worker-");
    }
}
