package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.SluiceException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties the quantizers must have whatever the data: error falls as codes grow, k-means converges. */
class PropertiesTest {
    static final long SEED = new Random().nextLong();

    @Test
    void pqErrorFallsAsTheCodeGrows() {
        // Train on 2,400 rows, measure on the same rows (the property is about capacity, not generalisation).
        int n = 2400;
        double e8 = Samples.mse(ProductQuantizer.train(Samples.BASE, n, 384, 8, 8, 3, 2), Samples.BASE, n);
        double e16 = Samples.mse(ProductQuantizer.train(Samples.BASE, n, 384, 16, 8, 3, 2), Samples.BASE, n);
        double e32 = Samples.mse(ProductQuantizer.train(Samples.BASE, n, 384, 32, 8, 3, 2), Samples.BASE, n);
        assertTrue(e8 > e16 && e16 > e32, String.format("PQ8 %.4f, PQ16 %.4f, PQ32 %.4f", e8, e16, e32));
        // Each doubling of the code removes a real share of the error, not a rounding.
        assertTrue(e16 < 0.95 * e8 && e32 < 0.95 * e16, String.format("PQ8 %.4f, PQ16 %.4f, PQ32 %.4f", e8, e16, e32));
    }

    @Test
    void scalarAndRaBitQErrorFallsWithBits() {
        int n = 2500;
        double sq4 = Samples.mse(ScalarQuantizer.train(Samples.BASE, n, 384, 4), Samples.BASE, n);
        double sq8 = Samples.mse(ScalarQuantizer.train(Samples.BASE, n, 384, 8), Samples.BASE, n);
        assertTrue(sq8 * 100 < sq4, "SQ8 " + sq8 + " SQ4 " + sq4);
        double r1 = Samples.mse(RaBitQuantizer.train(Samples.BASE, n, 384, 1, 5), Samples.BASE, n);
        double r4 = Samples.mse(RaBitQuantizer.train(Samples.BASE, n, 384, 4, 5), Samples.BASE, n);
        assertTrue(r4 * 5 < r1, "RaBitQ 1-bit " + r1 + " 4-bit " + r4);
    }

    @Test
    void kmeansLossNeverRises() {
        Random r = new Random(SEED);
        int n = 3000, dim = 5;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() + (i / dim % 4) * 3;
        }
        KMeans.Result res = KMeans.train(x, n, dim, new KMeans.Config(20, 30, 1000, SEED, 2));
        double[] l = res.losses();
        assertEquals(30, l.length);
        for (int i = 1; i < l.length; i++) {
            assertTrue(l[i] <= l[i - 1] * (1 + 1e-6), "seed " + SEED + ": loss rose at iteration " + i + ": "
                    + l[i - 1] + " -> " + l[i]);
        }
        assertTrue(l[l.length - 1] < 0.9 * l[0], "seed " + SEED + ": no progress " + l[0] + " -> " + l[l.length - 1]);
    }

    @Test
    void warmStartedKmeansContinuesWhereItStopped() {
        float[] sub = java.util.Arrays.copyOf(Samples.BASE, 2500 * 384);
        int n = 2500 * 384 / 24;
        KMeans.Result first = KMeans.train(sub, n, 24, new KMeans.Config(64, 5, 256, SEED, 2));
        KMeans.Result warm = KMeans.train(sub, n, 24, new KMeans.Config(64, 5, 256, SEED, 2), first.centroids());
        double[] f = first.losses(), w = warm.losses();
        // The warm run's first assignment uses the first run's final centroids: no worse than its last loss.
        assertTrue(w[0] <= f[f.length - 1] * (1 + 1e-6), "seed " + SEED + ": " + f[f.length - 1] + " -> " + w[0]);
        // A cold start would begin far above: random points as centroids.
        assertTrue(w[0] < 0.95 * f[0], "seed " + SEED + ": warm start " + w[0] + ", cold start " + f[0]);
    }

    @Test
    void kmeansDoesNotDependOnThreads() {
        float[] sub = java.util.Arrays.copyOf(Samples.BASE, 2500 * 384);
        KMeans.Result one = KMeans.train(sub, 2500 * 384 / 24, 24, new KMeans.Config(64, 5, 256, 7, 1));
        KMeans.Result two = KMeans.train(sub, 2500 * 384 / 24, 24, new KMeans.Config(64, 5, 256, 7, 2));
        assertArrayEquals(one.centroids(), two.centroids());
    }

    @Test
    void reconstructionIsExactWhenPointsAreFewerThanCentroids() {
        int n = 200;
        ProductQuantizer pq = ProductQuantizer.train(Samples.BASE, n, 384, 16, 8, 1, 2);
        float[] rec = new float[384];
        for (int i = 0; i < n; i++) {
            pq.decode(pq.encode(java.util.Arrays.copyOfRange(Samples.BASE, i * 384, (i + 1) * 384)), 0, rec, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(Samples.BASE, i * 384, (i + 1) * 384), rec, "row " + i);
        }
    }

    @Test
    void oneDimensionalVectors() {
        float[] x = new float[500];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 50;
        }
        ProductQuantizer pq = ProductQuantizer.train(x, 500, 1, 1, 8, 1, 1);
        // 50 distinct values, 256 centroids: next to no error left (values are 0..49, so 1e-3 is tiny).
        assertTrue(Samples.mse(pq, x, 500) < 1e-3, "1-d PQ MSE " + Samples.mse(pq, x, 500));
        ScalarQuantizer sq = ScalarQuantizer.train(x, 500, 1, 8);
        assertTrue(Samples.mse(sq, x, 500) < 0.01);
        RaBitQuantizer rq = RaBitQuantizer.train(x, 500, 1, 1, 1);
        assertEquals(1, rq.dim());
        assertTrue(Float.isFinite(rq.distance(new float[] {3}, rq.encode(new float[] {7}))));
    }

    @Test
    void nanInTrainingDataIsRejected() {
        float[] x = new float[300 * 4];
        x[123] = Float.NaN;
        SluiceException e = assertThrows(SluiceException.class, () -> ProductQuantizer.train(x, 300, 4, 2, 8, 1, 1));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(SluiceException.class, () -> ScalarQuantizer.train(x, 300, 4, 8));
    }

    @Test
    void pqRejectsSubSpacesThatDoNotDivideTheDimension() {
        SluiceException e = assertThrows(SluiceException.class,
                () -> ProductQuantizer.train(Samples.BASE, 100, 384, 15, 8, 1, 1));
        assertEquals(SluiceException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("--m 15") && e.getMessage().contains("16"), e.getMessage());
    }
}
