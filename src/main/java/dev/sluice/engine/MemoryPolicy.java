package dev.sluice.engine;

import java.util.Locale;

/**
 * How a command divides its memory budget: the JVM heap it gets, {@code heapPermille} thousandths of what is left after
 * {@code reserveBytes} (kept for the JVM's own overhead, Arrow and DuckDB's minimum when the heap takes most of the
 * budget), at least {@code minHeapBytes}; and Arrow's share. The launcher sets {@code -Xmx} from these numbers
 * (they reach it through the options file the build writes from the command registry), and {@link MemoryBudget}
 * gives DuckDB what is left, so the heap a job runs with and the heap its budget counts are one figure.
 *
 * <p>Each job states its policy from what it holds: probe-rows keeps no rows on the heap (DuckDB sorts, Arrow
 * carries the batches), pack keeps documents, tokens and tokenizer caches there, compress its training sample
 * and encoding batches, while its DuckDB only writes code shards.
 */
public record MemoryPolicy(int heapPermille, long minHeapBytes, long reserveBytes, double arrowShare) {
    private static final long MB = 1L << 20;

    /** Commands that read or query outputs: a fifth of the budget as heap, as many tools give a JVM. */
    public static final MemoryPolicy DEFAULT = new MemoryPolicy(200, 48 * MB, 0, 1.0 / 8);

    public MemoryPolicy {
        if (heapPermille <= 0 || heapPermille >= 1000 || !(arrowShare > 0 && arrowShare < 1) || minHeapBytes < 0
                || reserveBytes < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "heap %d/1000 and Arrow share %s must lie in (0, 1), min heap %d and reserve %d be >= 0",
                    heapPermille, arrowShare, minHeapBytes, reserveBytes));
        }
    }

    /**
     * The heap for a budget of {@code budgetBytes}, in whole MB: the launcher computes its {@code -Xmx} with the
     * same formula, in MB, from the numbers the build writes out (see {@code cli.LaunchOptions}).
     */
    public long heapBytes(long budgetBytes) {
        long budgetMb = budgetBytes / MB;
        long heapMb = heapPermille * Math.max(0, budgetMb - reserveBytes / MB) / 1000;
        return Math.max(minHeapBytes / MB, heapMb) * MB;
    }

    /**
     * The smallest budget, in whole MB, whose heap holds {@code heapNeed} bytes (for a need below the minimum heap,
     * a tiny one: the caller compares with the smallest budget it accepts).
     */
    public long budgetForHeap(long heapNeed) {
        long budget = (long) Math.ceil(heapNeed * 1000.0 / heapPermille) + reserveBytes;
        budget = (budget + MB - 1) / MB * MB;
        while (heapBytes(budget) < heapNeed) {
            budget += MB;
        }
        while (budget > MB && heapBytes(budget - MB) >= heapNeed) {
            budget -= MB;
        }
        return budget;
    }

    /**
     * The heap as a percentage of the machine's or the container's memory, for a run without {@code
     * --memory-limit} (the launcher passes it as {@code -XX:MaxRAMPercentage}, which the JVM applies to the limit it
     * detects itself): the share of a budget of about 90% of it, and three fifths of that for a policy with a
     * reserve, whose real share is smaller the smaller the container (compress in 700 MB: a 444 MB budget, 141 MB of
     * heap by its policy; 40% of 700 MB is 280 MB, and the heap it counts is the policy's, see MemoryBudget).
     */
    public int detectedHeapPercent() {
        int percent = heapPermille * 9 / 100;
        return reserveBytes > 0 ? percent * 3 / 5 : percent;
    }

    /** Arrow's bytes in a budget: its share, between 32 MB and 512 MB. */
    public long arrowBytes(long budgetBytes) {
        return Math.clamp((long) (budgetBytes * arrowShare), 32 * MB, 512 * MB);
    }
}
