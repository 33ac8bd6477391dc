package dev.sluice.knn;

/**
 * Asymmetric distances of one query to a run of codes; a quantizer builds one per query (its tables or rotated
 * query). Not thread-safe: one per query and thread.
 */
@FunctionalInterface
public interface CodeScorer {
    /** Squared distance estimates to {@code count} codes stored back to back from {@code off}. */
    void distances(byte[] codes, int off, int count, float[] out);

    /**
     * Work on a new batch that every query's {@link #scan} shares, such as {@link CodeBatch#transpose}: called
     * once per batch, on the first query's scorer, before any scan. It must not depend on this scorer's query.
     */
    default void prepare(CodeBatch batch) {}

    /**
     * Offers {@code heap} every code of the batch whose distance is within the heap's bound, as
     * {@code offer(distance, id)} with the distance {@link #distances} gives; {@code scratch} holds at least
     * {@code rows} floats. This default computes every distance.
     */
    default void scan(CodeBatch batch, TopK heap, float[] scratch) {
        int rows = batch.rows();
        distances(batch.codes(), 0, rows, scratch);
        long[] ids = batch.ids();
        for (int i = 0; i < rows; i++) {
            if (scratch[i] <= heap.bound()) {
                heap.offer(scratch[i], ids[i]);
            }
        }
    }
}
