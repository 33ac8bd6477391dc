package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.io.CodeShards;
import dev.sluice.knn.CodeBatch;
import dev.sluice.knn.CodeScorer;
import dev.sluice.knn.TopK;
import dev.sluice.simd.Kernels;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The table scans of {@link PqScorer} and of RaBitQ's 1-bit scorer keep exactly the neighbours and distances of
 * the plain scan over {@code distances}.
 */
class CodeScanTest {
    static final long SEED = new Random().nextLong();

    /** Top-k of one query by both scans over codes cut into batches of the given sizes; asserts they agree. */
    static void assertSameTopK(CodeScorer s, byte[] codes, int m, int[] batches, int k, String what) {
        assertSameTopK(s, s::distances, codes, m, batches, k, what);
    }

    /** The same against another scorer's plain scan. */
    static void assertSameTopK(CodeScorer s, CodeScorer plain, byte[] codes, int m, int[] batches, int k,
                               String what) {
        TopK fast = new TopK(k), ref = new TopK(k);
        int first = 0;
        for (int rows : batches) {
            CodeShards.Batch b = new CodeShards.Batch(rows, m);
            System.arraycopy(codes, first * m, b.codes, 0, rows * m);
            for (int i = 0; i < rows; i++) {
                b.ids[i] = first + i;
            }
            b.rows = rows;
            CodeBatch batch = new CodeBatch(b, m);
            s.prepare(batch);
            s.scan(batch, fast, new float[rows]);
            plain.scan(batch, ref, new float[rows]);
            first += rows;
        }
        long[] fi = new long[k], ri = new long[k];
        float[] fd = new float[k], rd = new float[k];
        fast.sorted(fi, fd);
        ref.sorted(ri, rd);
        assertArrayEquals(ri, fi, what + ", seed " + SEED);
        assertArrayEquals(rd, fd, what + ", seed " + SEED);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 16, 32})
    void realCodesGiveTheSameNeighboursAsAFloatScan(int m) {
        int n = Samples.N;
        ProductQuantizer pq = ProductQuantizer.train(Samples.BASE, n, Samples.DIM, m, 8, SEED, 2, 4);
        byte[] codes = new byte[n * m];
        for (int i = 0; i < n; i++) {
            pq.encodeTo(Samples.BASE, i * Samples.DIM, codes, i * m);
        }
        float[] queries = Samples.load("queries.npy");
        for (int q = 0; q < 40; q++) {
            CodeScorer s = pq.scorer(queries, q * Samples.DIM);
            assertTrue(s instanceof PqScorer p && p.usesBytes(), "8-bit PQ scans with byte tables");
            for (int k : new int[] {1, 10, 100}) {
                assertSameTopK((PqScorer) s, codes, m, new int[] {1000, 1, 63, 65, n - 1129}, k,
                        "m " + m + ", query " + q + ", k " + k);
            }
        }
    }

    /** 4-bit PQ encodes with one table call per vector: the codes of the nearest-column search per sub-space. */
    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void fourBitCodesAreTheNearestSubCentroids(int m) {
        int n = Samples.N, dim = Samples.DIM, dsub = dim / m;
        ProductQuantizer pq = ProductQuantizer.train(Samples.BASE, n, dim, m, 4, SEED, 2, 4);
        float[] c = pq.centroids();
        float[] cols = new float[c.length];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < 16; k++) {
                for (int i = 0; i < dsub; i++) {
                    cols[j * 16 * dsub + i * 16 + k] = c[(j * 16 + k) * dsub + i];
                }
            }
        }
        byte[] batch = new byte[n * pq.codeBytes()];
        pq.encodeBatch(Samples.BASE, 0, n, batch, 0);
        float[] scratch = new float[16];
        for (int v = 0; v < n; v++) {
            byte[] one = pq.encode(java.util.Arrays.copyOfRange(Samples.BASE, v * dim, (v + 1) * dim));
            for (int j = 0; j < m; j++) {
                int nearest = dev.sluice.simd.Kernels.get().nearestColumn(Samples.BASE, v * dim + j * dsub, cols,
                        j * 16 * dsub, dsub, 16, scratch);
                int got = (batch[v * pq.codeBytes() + j / 2] >>> ((j & 1) * 4)) & 0x0F;
                assertEquals(nearest, got, "vector " + v + ", sub-space " + j + ", m " + m + ", seed " + SEED);
            }
            assertArrayEquals(one, java.util.Arrays.copyOfRange(batch, v * pq.codeBytes(), (v + 1) * pq.codeBytes()));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void fourBitCodesScanWithPairTablesAndKeepTheNibbleSums(int m) {
        int n = Samples.N;
        ProductQuantizer pq = ProductQuantizer.train(Samples.BASE, n, Samples.DIM, m, 4, SEED, 2, 4);
        int bytes = pq.codeBytes();
        byte[] codes = new byte[n * bytes];
        for (int i = 0; i < n; i++) {
            pq.encodeTo(Samples.BASE, i * Samples.DIM, codes, i * bytes);
        }
        float[] queries = Samples.load("queries.npy");
        for (int q = 0; q < 40; q++) {
            float[] lut = pq.table(queries, q * Samples.DIM);
            // The definition: one table entry per sub-space, added pair by pair (a code byte's two entries) into
            // four sums by byte index mod 4, then (s0 + s1) + (s2 + s3).
            CodeScorer nibbles = (c, o, count, out) -> {
                for (int i = 0; i < count; i++) {
                    float[] sums = new float[4];
                    for (int b = 0; b < bytes; b++) {
                        int v = c[o + i * bytes + b];
                        sums[b % 4] += lut[2 * b * 16 + (v & 0x0F)] + lut[(2 * b + 1) * 16 + ((v >>> 4) & 0x0F)];
                    }
                    out[i] = (sums[0] + sums[1]) + (sums[2] + sums[3]);
                }
            };
            CodeScorer s = pq.scorer(queries, q * Samples.DIM);
            assertTrue(s instanceof Pq4Scorer p && p.usesBytes(), "4-bit PQ scans with byte tables");
            for (int k : new int[] {1, 10, 100}) {
                assertSameTopK(s, nibbles, codes, bytes, new int[] {1000, 1, 63, 65, n - 1129}, k,
                        "m " + m + " x 4 bits, query " + q + ", k " + k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 16, 200})
    void awkwardTablesGiveTheSameNeighbours(int m) {
        Random r = new Random(SEED + m);
        int n = 777;
        byte[] codes = new byte[n * m];
        r.nextBytes(codes);
        // Many equal codes: ties must go to the smaller id in both scans.
        System.arraycopy(codes, 0, codes, 100 * m, 50 * m);
        float[][] tables = new float[4][m * 256];
        for (int i = 0; i < m * 256; i++) {
            tables[0][i] = r.nextFloat();
            // One sub-space with a range 1e6 times the others': a coarse common step.
            tables[1][i] = i < 256 ? r.nextFloat() * 1e6f : r.nextFloat();
            // Large distances with small differences: the float additions round.
            tables[2][i] = 1e4f + r.nextFloat() * 1e-2f;
            tables[3][i] = 2.5f;
        }
        for (int t = 0; t < tables.length; t++) {
            PqScorer s = new PqScorer(Kernels.get(), tables[t], m);
            // The same codes as 4-bit PQ codes of 2m sub-quantizers, the first 32m entries of each table: the heap
            // filled from the smallest byte sums (ties at the cut), then screened at a step made for its bound.
            Pq4Scorer s4 = new Pq4Scorer(Kernels.get(), java.util.Arrays.copyOf(tables[t], 2 * m * 16), 2 * m);
            for (int k : new int[] {1, 10, 200}) {
                assertSameTopK(s, codes, m, new int[] {500, 64, 213}, k, "m " + m + ", table " + t + ", k " + k);
                assertSameTopK(s4, codes, m, new int[] {500, 64, 213}, k, "2m " + 2 * m + " x 4 bits, table " + t
                        + ", k " + k);
            }
        }
    }

    /**
     * SQ's scan (each code's own term prepared once per batch, then a dot product per query) gives the neighbours
     * and distances of its plain scan, and those distances are the squared distances to the decoded vectors.
     */
    @ParameterizedTest
    @ValueSource(ints = {8, 4})
    void scalarCodesScanWithPreparedNormsGiveTheSameNeighbours(int bits) {
        int n = Samples.N, dim = Samples.DIM;
        ScalarQuantizer sq = ScalarQuantizer.train(Samples.BASE, n, dim, bits);
        int cb = sq.codeBytes();
        byte[] codes = new byte[n * cb];
        sq.encodeBatch(Samples.BASE, 0, n, codes, 0);
        System.arraycopy(codes, 0, codes, 5 * cb, 30 * cb);
        float[] queries = Samples.load("queries.npy");
        float[] decoded = new float[dim], d = new float[1];
        for (int q = 0; q < 20; q++) {
            CodeScorer s = sq.scorer(queries, q * dim);
            for (int k : new int[] {1, 10, 100}) {
                assertSameTopK(s, codes, cb, new int[] {1000, 1, 63, n - 1064}, k, "sq" + bits + ", query " + q);
            }
            for (int i = 0; i < n; i += 97) {
                sq.decode(codes, i * cb, decoded, 0);
                s.distances(codes, i * cb, 1, d);
                float exact = Kernels.scalar().squareDistance(queries, q * dim, decoded, 0, dim);
                assertEquals(exact, d[0], 1e-4f * Math.max(1, exact), "sq" + bits + ", code " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 100, 384, 2300})
    void raBitQBitCodesGiveTheSameNeighboursAsAPopcountScan(int dim) {
        raBitQScans(dim, 1);
    }

    /**
     * 4-bit codes screened by the 1-bit codes inside them keep the neighbours of the plain 4-bit scan: the screen
     * skips only codes beyond RaBitQ's error bound.
     */
    @ParameterizedTest
    @ValueSource(ints = {7, 100, 384})
    void raBitQExtendedCodesScreenedByTheirSignsGiveTheSameNeighbours(int dim) {
        raBitQScans(dim, 4);
    }

    /**
     * SAQ's codes screened by their signs keep the neighbours of the plain scan, at widths whose values straddle
     * bytes (3, 5 bits) and with a last segment that is not a whole number of sign bytes (100 dimensions).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 8})
    void saqCodesScreenedByTheirSignsGiveTheSameNeighbours(int bits) {
        int kept = 0, wanted = 0;
        for (int dim : new int[] {100, 384}) {
            Random r = new Random(SEED + dim);
            int n = dim == 384 ? Samples.N : 700;
            float[] data = dim == 384 ? Samples.BASE : new float[n * dim];
            for (int i = 0; dim != 384 && i < data.length; i++) {
                data[i] = (float) (r.nextGaussian() * 3 / (1 + i % dim));
            }
            SaqQuantizer saq = SaqQuantizer.train(data, n, dim, bits, SEED);
            int cb = saq.codeBytes();
            byte[] codes = new byte[n * cb];
            saq.encodeBatch(data, 0, n, codes, 0);
            System.arraycopy(codes, 0, codes, 3 * cb, 20 * cb);
            float[] queries = dim == 384 ? Samples.load("queries.npy") : new float[10 * dim];
            for (int i = 0; dim != 384 && i < queries.length; i++) {
                queries[i] = (float) (r.nextGaussian() * 3 / (1 + i % dim));
            }
            for (int q = 0; q < 10; q++) {
                CodeScorer s = saq.scorer(queries, q * dim);
                for (int k : new int[] {1, 10, 100}) {
                    kept += sharedNeighbours(s, codes, cb, new int[] {n / 2, 1, 64, n - n / 2 - 65}, k,
                            "saq " + bits + " bits " + saq.describe().get("segments") + ", dim " + dim
                            + ", query " + q + ", k " + k);
                    wanted += k;
                }
            }
        }
        assertTrue(kept >= 0.995 * wanted, kept + " of " + wanted + " neighbours kept, seed " + SEED);
    }

    private static void raBitQScans(int dim, int bits) {
        Random r = new Random(SEED + dim);
        int n = dim == 384 ? Samples.N : 700;
        float[] data = dim == 384 ? Samples.BASE : new float[n * dim];
        if (dim != 384) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) r.nextGaussian() + (i % dim == 0 ? 3 : 0);
            }
            // A vector at the centroid: zero offset, zero factors.
            java.util.Arrays.fill(data, 0, dim, 0f);
        }
        RaBitQuantizer rq = RaBitQuantizer.train(data, n, dim, bits, SEED);
        int cb = rq.codeBytes();
        byte[] codes = new byte[n * cb];
        for (int i = 0; i < n; i++) {
            rq.encodeTo(data, i * dim, codes, i * cb);
        }
        System.arraycopy(codes, 0, codes, 3 * cb, 20 * cb);
        float[] queries = dim == 384 ? Samples.load("queries.npy") : new float[10 * dim];
        if (dim != 384) {
            for (int i = 0; i < queries.length; i++) {
                queries[i] = (float) r.nextGaussian();
            }
        }
        int[] batches = {n / 2, 1, 64, n - n / 2 - 65};
        int kept = 0, wanted = 0;
        for (int q = 0; q < 10; q++) {
            CodeScorer s = rq.scorer(queries, q * dim);
            for (int k : new int[] {1, 10, 100}) {
                String what = bits + " bit(s), dim " + dim + ", query " + q + ", k " + k;
                if (bits == 1) {
                    assertSameTopK(s, codes, cb, batches, k, what);
                } else {
                    kept += sharedNeighbours(s, codes, cb, batches, k, what);
                    wanted += k;
                }
            }
        }
        // The screen's bound holds with high probability, not always: a rare neighbour may be skipped.
        assertTrue(kept >= 0.995 * wanted, kept + " of " + wanted + " neighbours kept, seed " + SEED);
    }

    /**
     * How many of the plain scan's top k the screened scan keeps; the distances of those it keeps are the same,
     * and every distance it returns is at least the plain scan's k-th (it cannot invent closer codes).
     */
    private static int sharedNeighbours(CodeScorer s, byte[] codes, int m, int[] batches, int k, String what) {
        TopK fast = new TopK(k), ref = new TopK(k);
        int first = 0;
        for (int rows : batches) {
            CodeShards.Batch b = new CodeShards.Batch(rows, m);
            System.arraycopy(codes, first * m, b.codes, 0, rows * m);
            for (int i = 0; i < rows; i++) {
                b.ids[i] = first + i;
            }
            b.rows = rows;
            CodeBatch batch = new CodeBatch(b, m);
            s.prepare(batch);
            s.scan(batch, fast, new float[rows]);
            ((CodeScorer) s::distances).scan(batch, ref, new float[rows]);
            first += rows;
        }
        long[] fi = new long[k], ri = new long[k];
        float[] fd = new float[k], rd = new float[k];
        fast.sorted(fi, fd);
        ref.sorted(ri, rd);
        java.util.Map<Long, Float> plain = new java.util.HashMap<>();
        for (int i = 0; i < k; i++) {
            plain.put(ri[i], rd[i]);
        }
        int shared = 0;
        for (int i = 0; i < k; i++) {
            Float d = plain.get(fi[i]);
            if (d != null) {
                assertEquals(d, fd[i], what + ", seed " + SEED);
                shared++;
            }
            assertTrue(fd[i] >= rd[i], what + ": the screened scan's " + i + "-th is closer than the plain scan's");
        }
        return shared;
    }

    @Test
    void nonFiniteTablesFallBackToTheFloatScan() {
        float[] lut = new float[2 * 256];
        lut[3] = Float.POSITIVE_INFINITY;
        PqScorer s = new PqScorer(Kernels.get(), lut, 2);
        assertTrue(!s.usesBytes());
        byte[] codes = {3, 0, 1, 1, 3, 5};
        assertSameTopK(s, codes, 2, new int[] {3}, 2, "infinite entry");
    }
}
