package dev.sluice.knn;

/**
 * Top-k results of a set of queries: row {@code q} of {@code ids} and {@code distances} holds query q's
 * neighbours, nearest first (squared L2). A row is shorter than k only when the base has fewer vectors.
 */
public record Neighbors(long[][] ids, float[][] distances) {
    public int queries() {
        return ids.length;
    }

    static Neighbors of(TopK[] heaps) {
        long[][] ids = new long[heaps.length][];
        float[][] d = new float[heaps.length][];
        for (int q = 0; q < heaps.length; q++) {
            ids[q] = new long[heaps[q].size()];
            d[q] = new float[heaps[q].size()];
            heaps[q].sorted(ids[q], d[q]);
        }
        return new Neighbors(ids, d);
    }
}
