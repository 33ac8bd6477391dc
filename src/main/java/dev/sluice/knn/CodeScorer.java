package dev.sluice.knn;

/**
 * Asymmetric distances of one query to a run of codes; a quantizer builds one per query (its tables or rotated
 * query). Not thread-safe: one per query and thread.
 */
@FunctionalInterface
public interface CodeScorer {
    /** Squared distance estimates to {@code count} codes stored back to back from {@code off}. */
    void distances(byte[] codes, int off, int count, float[] out);
}
