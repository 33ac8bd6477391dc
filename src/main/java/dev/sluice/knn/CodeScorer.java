package dev.sluice.knn;

/**
 * Asymmetric distances of one query to a run of codes; a quantizer builds one per query (its tables or rotated
 * query). Not thread-safe: one per query and thread.
 */
@FunctionalInterface
public interface CodeScorer {
    /** Squared distance estimates to {@code count} codes stored back to back from {@code off}. */
    void distances(byte[] codes, int off, int count, float[] out);

    /** True when {@link #scan} reads the batch in {@link CodeBlocks} layout as well. */
    default boolean usesBlocks() {
        return false;
    }

    /**
     * Offers {@code heap} every code of a batch of {@code rows} whose distance is within the heap's bound, as
     * {@code offer(distance, ids[i])} with the distance {@link #distances} gives. {@code codes} holds the codes
     * back to back, {@code blocks} the same codes in {@link CodeBlocks} layout when {@link #usesBlocks()} (else
     * null), {@code scratch} at least {@code rows} floats. This default computes every distance.
     */
    default void scan(byte[] codes, byte[] blocks, long[] ids, int rows, TopK heap, float[] scratch) {
        distances(codes, 0, rows, scratch);
        for (int i = 0; i < rows; i++) {
            if (scratch[i] <= heap.bound()) {
                heap.offer(scratch[i], ids[i]);
            }
        }
    }
}
