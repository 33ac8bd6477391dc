package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Lloyd's k-means with FAISS's choices: initial centroids are k distinct training points picked at random,
 * at most {@code maxPerCentroid} points per centroid are used (FAISS: 256; more adds time, not accuracy),
 * and an empty cluster takes half of a large one (the large centroid is split in two, nudged apart by
 * 1/1024). Assignment runs in fixed chunks of points on a pool; partial sums are added in chunk order, so
 * the result does not depend on the number of threads.
 */
public final class KMeans {
    static final int CHUNK = 4096;
    static final float SPLIT_EPS = 1f / 1024;

    /** The trained centroids and the loss (sum of squared distances) after each iteration. */
    public record Result(float[] centroids, int k, int dim, double[] losses) {}

    /** Training settings; {@link #of} gives FAISS's defaults. */
    public record Config(int k, int iterations, int maxPerCentroid, long seed, int threads) {
        public static Config of(int k, long seed, int threads) {
            return new Config(k, 25, 256, seed, threads);
        }
    }

    private KMeans() {}

    /** Clusters {@code n} points of {@code dim} floats stored row-major in {@code data}. */
    public static Result train(float[] data, int n, int dim, Config config) {
        return train(data, n, dim, config, null);
    }

    /**
     * The same, starting from the centroids {@code init} ({@code k x dim}) instead of random points when it is
     * not null: a warm start, as OPQ's alternation uses to refine its codebooks a few iterations at a time.
     */
    static Result train(float[] data, int n, int dim, Config config, float[] init) {
        int k = config.k();
        if (n < 1) {
            throw SluiceException.input("k-means needs at least one training point");
        }
        for (int i = 0; i < n * dim; i++) {
            if (!Float.isFinite(data[i])) {
                throw SluiceException.input("k-means training point " + i / dim + " has " + data[i]
                        + " at dimension " + i % dim + "; vectors must be finite");
            }
        }
        Random rnd = new Random(config.seed());
        float[] centroids = new float[k * dim];
        if (n <= k) {
            // Every point is its own centroid; the spare centroids repeat points, so encoding is exact.
            for (int c = 0; c < k; c++) {
                System.arraycopy(data, (c % n) * dim, centroids, c * dim, dim);
            }
            return new Result(centroids, k, dim, new double[] {0});
        }
        // Subsample to the cap with a seeded shuffle (a partial Fisher-Yates over indices).
        int[] perm = IntStream.range(0, n).toArray();
        int use = (int) Math.min(n, (long) k * config.maxPerCentroid());
        for (int i = 0; i < Math.max(use, k); i++) {
            int j = i + rnd.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        float[] x;
        if (use < n) {
            x = new float[use * dim];
            int[] sorted = java.util.Arrays.copyOf(perm, use);
            java.util.Arrays.sort(sorted);
            for (int i = 0; i < use; i++) {
                System.arraycopy(data, sorted[i] * dim, x, i * dim, dim);
            }
        } else {
            x = data;
        }
        for (int c = 0; c < k; c++) {
            System.arraycopy(data, perm[c] * dim, centroids, c * dim, dim);
        }
        if (init != null) {
            System.arraycopy(init, 0, centroids, 0, k * dim);
        }
        VectorKernels kern = Kernels.get();
        int[] assign = new int[use];
        double[] losses = new double[config.iterations()];
        int chunks = (use + CHUNK - 1) / CHUNK;
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, config.threads()));
        try {
            for (int it = 0; it < config.iterations(); it++) {
                final float[] cen = transpose(centroids, k, dim);
                double[] chunkLoss = new double[chunks];
                pool.submit(() -> IntStream.range(0, chunks).parallel().forEach(ch -> {
                    double loss = 0;
                    float[] d = new float[k];
                    for (int i = ch * CHUNK; i < Math.min(use, (ch + 1) * CHUNK); i++) {
                        kern.squareDistancesColumnMajor(x, i * dim, cen, 0, dim, k, d);
                        int best = 0;
                        for (int c = 1; c < k; c++) {
                            if (d[c] < d[best]) {
                                best = c;
                            }
                        }
                        assign[i] = best;
                        loss += d[best];
                    }
                    chunkLoss[ch] = loss;
                })).join();
                double loss = 0;
                for (double l : chunkLoss) {
                    loss += l;
                }
                losses[it] = loss;
                centroids = update(x, use, dim, k, assign, centroids, rnd);
            }
        } finally {
            pool.shutdown();
        }
        return new Result(centroids, k, dim, losses);
    }

    /** Row-major {@code rows x cols} to column-major: the layout the assignment kernel runs lanes across. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    /** New centroids as means of their points; empty clusters split the largest ones. */
    private static float[] update(float[] x, int n, int dim, int k, int[] assign, float[] old, Random rnd) {
        double[] sums = new double[k * dim];
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            int c = assign[i];
            counts[c]++;
            for (int j = 0; j < dim; j++) {
                sums[c * dim + j] += x[i * dim + j];
            }
        }
        float[] cen = new float[k * dim];
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                continue;
            }
            for (int j = 0; j < dim; j++) {
                cen[c * dim + j] = (float) (sums[c * dim + j] / counts[c]);
            }
        }
        List<Integer> empty = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                empty.add(c);
            }
        }
        for (int c : empty) {
            // FAISS picks the cluster to split with probability proportional to its size.
            int big = 0;
            while (true) {
                big = rnd.nextInt(k);
                if (rnd.nextDouble() * (n - k) < counts[big] - 1) {
                    break;
                }
            }
            for (int j = 0; j < dim; j++) {
                float v = cen[big * dim + j];
                if (j % 2 == 0) {
                    cen[c * dim + j] = v * (1 + SPLIT_EPS);
                    cen[big * dim + j] = v * (1 - SPLIT_EPS);
                } else {
                    cen[c * dim + j] = v * (1 - SPLIT_EPS);
                    cen[big * dim + j] = v * (1 + SPLIT_EPS);
                }
            }
            counts[c] = counts[big] / 2;
            counts[big] -= counts[c];
        }
        return cen;
    }
}
