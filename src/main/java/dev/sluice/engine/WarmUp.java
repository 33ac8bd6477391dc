package dev.sluice.engine;

import java.util.function.Supplier;

/**
 * Work done on a daemon thread only so that the JIT compiles the code a command is about to run while the
 * command is still starting: until C2 compiles them, Vector API kernels run boxed, tens of times slower. The
 * thread sets up once, then repeats a step until the warm-up is closed or its time is up; a step that throws
 * ends it early (random inputs may hold values no real run makes).
 */
public final class WarmUp implements AutoCloseable {
    private final Thread thread;
    private volatile boolean stopped;

    private WarmUp(String name, long maxMillis, Supplier<Runnable> setup) {
        thread = Thread.ofPlatform().daemon().name(name).start(() -> {
            long end = System.nanoTime() + maxMillis * 1_000_000;
            try {
                Runnable step = setup.get();
                while (!stopped && System.nanoTime() < end) {
                    step.run();
                }
            } catch (RuntimeException e) {
                // Only a warm-up: the real work reports its own failures.
            }
        });
    }

    /**
     * Runs {@code work} once on a thread named {@code name}: for a first call whose cost is mostly one-off (a
     * library's first use), made while the command does other work.
     */
    public static WarmUp once(String name, Runnable work) {
        // The limit only applies between steps, and there is one.
        return new WarmUp(name, 60_000, () -> () -> {
            work.run();
            throw new Done();
        });
    }

    /** Ends a warm-up made by {@link #once}. */
    private static final class Done extends RuntimeException {
        Done() {
            super(null, null, false, false);
        }
    }

    /** Runs {@code setup} on a thread named {@code name}, then the step it returns, for at most {@code maxMillis}. */
    public static WarmUp start(String name, long maxMillis, Supplier<Runnable> setup) {
        return new WarmUp(name, maxMillis, setup);
    }

    /** Stops the steps and waits for the current one to end, so that the real work has the cores. */
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
