package dev.sluice.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Vector API kernels agree with the scalar reference, over sizes that hit every tail. */
class KernelsTest {
    static final long SEED = new Random().nextLong();
    static VectorKernels scalar;
    static VectorKernels panama;

    @BeforeAll
    static void pick() {
        scalar = Kernels.scalar();
        String why = Kernels.panamaUnavailable();
        panama = why == null ? Kernels.panama() : null;
        if (why != null) {
            System.err.println("KernelsTest: Panama kernels not compared: " + why);
        }
    }

    static float[] randomFloats(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    static String msg(int n) {
        return "dim " + n + ", seed " + SEED;
    }

    /** The first index of the smallest value. */
    static int argmin(float[] d, int count) {
        int best = 0;
        for (int c = 1; c < count; c++) {
            if (d[c] < d[best]) {
                best = c;
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 31, 64, 100, 256, 257, 1000})
    void nearestColumnIsTheFirstSmallestDistanceOfEachImplementation(int count) {
        Random r = new Random(SEED + count);
        for (int dim : new int[] {1, 3, 24, 48}) {
            float[] q = randomFloats(r, dim + 2, 1f);
            float[] cols = randomFloats(r, dim * count + 3, 1f);
            if (count > 40) {
                // Ties: column 37 repeats column 9 (and the query sits on it), so both share the smallest distance.
                for (int j = 0; j < dim; j++) {
                    cols[3 + j * count + 37] = cols[3 + j * count + 9];
                    q[2 + j] = cols[3 + j * count + 9];
                }
            }
            float[] d = new float[count], scratch = new float[count];
            for (VectorKernels k : panama == null ? new VectorKernels[] {scalar} : new VectorKernels[] {scalar, panama}) {
                k.squareDistancesColumnMajor(q, 2, cols, 3, dim, count, d);
                int want = argmin(d, count);
                assertEquals(want, k.nearestColumn(q, 2, cols, 3, dim, count, scratch), k.name() + ", " + msg(dim)
                        + ", count " + count);
                if (count > 40) {
                    assertEquals(9, want, "the first of two equal columns");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 64, 207, 384, 1021, 4097})
    void floatKernelsAgree(int n) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED + n);
        float[] a = randomFloats(r, n + 3, 1f);
        float[] b = randomFloats(r, n + 5, 1f);
        float tol = 1e-5f * n;
        assertEquals(scalar.squareDistance(a, 3, b, 5, n), panama.squareDistance(a, 3, b, 5, n), tol, msg(n));
        assertEquals(scalar.dot(a, 3, b, 5, n), panama.dot(a, 3, b, 5, n), tol, msg(n));
        float[] qs = randomFloats(r, 4 * n, 1f);
        float[] o1 = new float[8], o2 = new float[8];
        scalar.dot4x2(qs, 0, b, 5, 0, n, o1);
        panama.dot4x2(qs, 0, b, 5, 0, n, o2);
        assertArrayEquals(o1, o2, tol, msg(n));
        // dot4x2 is eight dots
        assertEquals(scalar.dot(qs, 2 * n, b, 5, n), o1[2], tol, msg(n));
        assertEquals(scalar.dot(qs, 3 * n, b, 0, n), o1[7], tol, msg(n));
        // One query against 37 column-major vectors of n values (odd count: every lane tail).
        int count = 37;
        float[] cols = randomFloats(r, n * count + 2, 1f);
        float[] c1 = new float[count], c2 = new float[count];
        scalar.squareDistancesColumnMajor(a, 3, cols, 2, n, count, c1);
        panama.squareDistancesColumnMajor(a, 3, cols, 2, n, count, c2);
        assertArrayEquals(c1, c2, tol, msg(n));
        float want = 0;
        for (int j = 0; j < n; j++) {
            float d = a[3 + j] - cols[2 + j * count + 36];
            want += d * d;
        }
        assertEquals(want, c1[36], tol, msg(n));
    }

    /** A row of logits in native memory, at an odd byte offset of 4 floats (no alignment assumed). */
    static MemorySegment logitRow(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(4L * (v.length + 4));
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder()), 16, v.length);
        return s;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 64, 207, 1021, 4097})
    void logitKernelsAgreeWithEachOtherAndWithTheDefinition(int n) {
        Random r = new Random(SEED + n);
        float[] v = randomFloats(r, n, 3f);
        v[n / 2] = 4f; // a tie at the threshold: not above it
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = logitRow(arena, v);
            int[] want = new int[n];
            int count = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                if (v[i] > 4f) {
                    want[count++] = i;
                }
                sum += Math.exp(v[i] - 2.5);
            }
            for (VectorKernels k : panama == null ? List.of(scalar) : List.of(scalar, panama)) {
                int[] got = new int[n];
                assertEquals(count, k.indicesAbove(row, 16, n, 4f, got), k.name() + " " + msg(n));
                assertArrayEquals(Arrays.copyOf(want, count), Arrays.copyOf(got, count), k.name() + " " + msg(n));
                assertEquals(sum, k.sumExp(row, 16, n, 2.5f), sum * 1e-5, k.name() + " " + msg(n));
            }
        }
    }

    /**
     * A vector's products in dot4x2 do not depend on the other vector: exact search and SAQ pass an odd last vector
     * twice, and their results must be those it gets in a pair.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 100, 384, 1024})
    void dot4x2GivesEachVectorTheSameBitsWhateverItsPartner(int dim) {
        Random r = new Random(SEED + dim);
        float[] qs = new float[3 + 4 * dim];
        float[] b = new float[5 + 2 * dim];
        for (int i = 0; i < qs.length; i++) {
            qs[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        for (VectorKernels k : panama == null ? List.of(scalar) : List.of(scalar, panama)) {
            float[] pair = new float[8];
            float[] alone = new float[8];
            k.dot4x2(qs, 3, b, 5, 5 + dim, dim, pair);
            for (int v = 0; v < 2; v++) {
                k.dot4x2(qs, 3, b, 5 + v * dim, 5 + v * dim, dim, alone);
                String what = k.name() + ", vector " + v + ", dim " + dim;
                assertArrayEquals(Arrays.copyOfRange(pair, 4 * v, 4 * v + 4), Arrays.copyOfRange(alone, 0, 4), what);
                assertArrayEquals(Arrays.copyOfRange(alone, 0, 4), Arrays.copyOfRange(alone, 4, 8), what);
            }
        }
    }

    /** matVec4 gives the scalar FMA chains' bits, for sizes with and without a tail of outputs. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33, 64, 100, 384})
    void matVec4GivesTheScalarBits(int dim) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED + dim);
        float[] mT = new float[dim * dim];
        float[] v = new float[4 * dim];
        for (int i = 0; i < mT.length; i++) {
            mT[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        float[] expected = new float[4 * dim];
        float[] got = new float[4 * dim];
        scalar.matVec4(mT, dim, v, expected);
        panama.matVec4(mT, dim, v, got);
        assertArrayEquals(expected, got, "dim " + dim + ", seed " + SEED);
        // The definition, for one output: y = fma(M[i][j], x[j], y) over j in order.
        int i = dim / 2;
        float y = 0;
        for (int j = 0; j < dim; j++) {
            y = Math.fma(mT[j * dim + i], v[2 * dim + j], y);
        }
        assertEquals(y, expected[2 * dim + i]);
    }

    /**
     * A logits cache must not depend on when the JIT compiler ran: sumExp gives the same bits interpreted (a child
     * JVM with -Xint) as compiled (here, after enough calls for C2).
     */
    @Test
    void sumExpGivesTheSameBitsInterpretedAndCompiled() throws Exception {
        assumeTrue(panama != null, "Vector API unavailable");
        String compiled = SumExpBits.bits(SEED, 20_000);
        List<String> cmd = new java.util.ArrayList<>(dev.sluice.testing.Cli.childJvm("256m", List.of()).command());
        int main = cmd.indexOf("dev.sluice.cli.Main");
        cmd.set(main, SumExpBits.class.getName());
        cmd.add(main, "-Xint");
        cmd.add(String.valueOf(SEED));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String interpreted = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), interpreted);
        assertEquals(compiled, interpreted, "seed " + SEED);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13, 64, 207, 384, 1021, 4097})
    void quantizedKernelsAgree(int n) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED ^ n);
        byte[] codes = new byte[n + 11];
        r.nextBytes(codes);
        float[] q = randomFloats(r, n, 10f);
        float[] step = randomFloats(r, n, 0.1f);
        float tol = 1e-5f * n * 100;
        float s = scalar.u8SquareDistance(q, step, codes, 11, n);
        assertEquals(s, panama.u8SquareDistance(q, step, codes, 11, n), Math.max(tol, Math.abs(s) * 1e-5f), msg(n));
        // The dot product with two codes, against the scalar twin.
        float[] dots = new float[2], scalarDots = new float[2];
        panama.u8Dot2(step, codes, 11, 3, n, dots);
        scalar.u8Dot2(step, codes, 11, 3, n, scalarDots);
        for (int c = 0; c < 2; c++) {
            assertEquals(scalarDots[c], dots[c], Math.max(1e-5f * n, Math.abs(scalarDots[c]) * 1e-5f), msg(n));
        }
        float want = 0;
        for (int i = 0; i < n; i++) {
            want += step[i] * (codes[11 + i] & 0xFF);
        }
        assertEquals(want, scalarDots[0], Math.max(1e-5f * n, Math.abs(want) * 1e-5f), msg(n));
        int bytes = n;
        float[] qo = randomFloats(r, bytes, 5f), so = randomFloats(r, bytes, 0.1f);
        float s4 = scalar.u4SquareDistance(q, step, qo, so, codes, 11, bytes);
        assertEquals(s4, panama.u4SquareDistance(q, step, qo, so, codes, 11, bytes),
                Math.max(tol, Math.abs(s4) * 1e-5f), msg(n));
        float d4 = scalar.u4Dot(q, qo, codes, 11, bytes);
        assertEquals(d4, panama.u4Dot(q, qo, codes, 11, bytes), Math.max(tol, Math.abs(d4) * 1e-5f), msg(n));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7, 13, 207})
    void pqAndBitKernelsAgreeExactly(int count) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED - count);
        int m = 16;
        float[] lut = randomFloats(r, m * 256, 1f);
        byte[] codes = new byte[count * m + 3];
        r.nextBytes(codes);
        float[] o1 = new float[count], o2 = new float[count];
        scalar.pqDistances(lut, 256, codes, 3, count, m, o1);
        panama.pqDistances(lut, 256, codes, 3, count, m, o2);
        // The same additions in the same order: equal, not just close.
        assertArrayEquals(o1, o2, msg(count));
        long[] a = r.longs(count + 2).toArray(), b = r.longs(count + 2).toArray();
        assertEquals(scalar.andPopcount(a, 1, b, 2, count), panama.andPopcount(a, 1, b, 2, count), msg(count));
        assertEquals(scalar.xorPopcount(a, 1, b, 2, count), panama.xorPopcount(a, 1, b, 2, count), msg(count));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 16, 48, 128, 200})
    void pqBlockMasksAndSumsAgree(int m) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED + m);
        int max = Math.min(255, Short.MAX_VALUE / m);
        byte[] lut = new byte[m * 256];
        for (int i = 0; i < lut.length; i++) {
            lut[i] = (byte) r.nextInt(max + 1);
        }
        byte[] blocks = new byte[5 + 3 * VectorKernels.PQ_BLOCK * m];
        r.nextBytes(blocks);
        for (int b = 0; b < 3; b++) {
            int off = 5 + b * VectorKernels.PQ_BLOCK * m;
            // Thresholds below, inside and above the range of sums, and the limits the scorer uses.
            for (int t : new int[] {-1, 0, m * max / 4, m * max / 2, m * max / 2 + 1, m * max, Short.MAX_VALUE}) {
                long expected = scalar.pqBlockAtMost(lut, m, blocks, off, t);
                assertEquals(expected, panama.pqBlockAtMost(lut, m, blocks, off, t), "m " + m + ", threshold " + t
                        + ", seed " + SEED);
            }
            short[] s1 = new short[VectorKernels.PQ_BLOCK + 2], s2 = new short[VectorKernels.PQ_BLOCK + 2];
            scalar.pqBlockSums(lut, m, blocks, off, s1, 2);
            panama.pqBlockSums(lut, m, blocks, off, s2, 2);
            assertArrayEquals(s1, s2, "m " + m + ", seed " + SEED);
        }
    }

    /**
     * The fast rotation's kernels: Panama's transform (stages inside a vector by lane shuffles, the rest across
     * vectors), butterfly and products give the scalar twin's floats bit for bit, at offsets and sizes around the
     * lane count; the transform applied twice is n times the input.
     */
    @Test
    void hadamardButterflyAndMultiplyAgree() {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED);
        for (int n : new int[] {1, 2, 8, 16, 32, 256, 1024}) {
            for (int off : new int[] {0, 3}) {
                float[] x = new float[off + n + 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                float[] a = x.clone(), b = x.clone();
                scalar.hadamard(a, off, n);
                panama.hadamard(b, off, n);
                assertArrayEquals(a, b, "hadamard n " + n + ", off " + off + ", seed " + SEED);
                scalar.hadamard(a, off, n);
                for (int i = 0; i < x.length; i++) {
                    boolean inside = i >= off && i < off + n;
                    assertEquals(inside ? n * x[i] : x[i], a[i], 1e-4 * n, "H H x = n x at " + i + ", n " + n);
                }
                float[] m = new float[n + 2];
                for (int i = 0; i < m.length; i++) {
                    m[i] = (float) r.nextGaussian();
                }
                a = x.clone();
                b = x.clone();
                scalar.multiply(a, off, m, 2, n);
                panama.multiply(b, off, m, 2, n);
                assertArrayEquals(a, b, "multiply n " + n + ", off " + off);
                scalar.butterfly(a, off, n / 2, 0.7f);
                panama.butterfly(b, off, n / 2, 0.7f);
                assertArrayEquals(a, b, "butterfly n " + n + ", off " + off);
            }
        }
    }

    /**
     * SAQ's screen gives the same mask in every kernel (the same fused products and square root), and the mask is
     * the definition's, for bounds around the codes' lower bounds, with a zero alpha and negative ones.
     */
    @Test
    void saqScreensAgree() {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED);
        int block = VectorKernels.PQ_BLOCK, off = 2 * block;
        for (int segments = 1; segments <= 4; segments++) {
            short[][] w = new short[segments][block];
            float[] values = new float[off + (1 + 2 * segments) * block];
            float[] factors = new float[4 * segments];
            for (int s = 0; s < segments; s++) {
                factors[4 * s] = 0.004f * (1 + r.nextFloat());
                factors[4 * s + 1] = -(float) r.nextGaussian();
                factors[4 * s + 2] = 0.01f * r.nextFloat();
                factors[4 * s + 3] = 2 * r.nextFloat();
                for (int i = 0; i < block; i++) {
                    w[s][i] = (short) r.nextInt(32_768);
                    values[off + (1 + 2 * s) * block + i] = i == 5 ? 0 : (float) r.nextGaussian() * 0.1f;
                    values[off + (2 + 2 * s) * block + i] = 0.05f * r.nextFloat();
                }
            }
            float qq = 1.1f;
            float[] lower = new float[block];
            for (int i = 0; i < block; i++) {
                values[off + i] = 0.5f + r.nextFloat();
                double n = values[off + i] + qq, l = n, spread = 0;
                for (int s = 0; s < segments; s++) {
                    double alpha = values[off + (1 + 2 * s) * block + i];
                    double e = values[off + (2 + 2 * s) * block + i] * factors[4 * s + 3];
                    l -= alpha * (factors[4 * s] * w[s][i] + factors[4 * s + 1]) + Math.abs(alpha) * factors[4 * s + 2];
                    spread += e * e;
                }
                lower[i] = (float) (l - Math.sqrt(spread) - 1e-5 * n);
            }
            float[] sorted = lower.clone();
            java.util.Arrays.sort(sorted);
            for (float bound : new float[] {sorted[0] - 1, sorted[10], sorted[32], sorted[63] + 1}) {
                long expected = scalar.saqBlockAtMost(w, values, off, factors, segments, qq, bound);
                assertEquals(expected, panama.saqBlockAtMost(w, values, off, factors, segments, qq, bound),
                        segments + " segments, bound " + bound + ", seed " + SEED);
                for (int i = 0; i < block; i++) {
                    // The definition in doubles: codes clearly on one side of the bound are on that side.
                    if (Math.abs(lower[i] - bound) > 1e-4 * Math.abs(bound)) {
                        assertEquals(lower[i] <= bound, (expected >>> i & 1) == 1, "code " + i + ", seed " + SEED);
                    }
                }
            }
        }
    }

    /**
     * RaBitQ's 1-bit estimates for a block: Panama's lanes give the scalar twin's floats bit for bit (both fuse the
     * same products) and the same mask, for bounds below, inside and above the estimates, and infinity.
     */
    @Test
    void bitEstimatesAgree() {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED);
        int block = VectorKernels.PQ_BLOCK, span = 3 * block, off = block;
        for (int round = 0; round < 20; round++) {
            short[] w = new short[block];
            float[] values = new float[off + 3 * span];
            for (int i = 0; i < block; i++) {
                w[i] = (short) r.nextInt(5_761);
                values[off + i] = 0.5f + r.nextFloat();
                values[off + span + i] = round == 0 && i == 3 ? 0 : 0.05f * (float) r.nextGaussian();
                values[off + 2 * span + i] = r.nextInt(385);
            }
            float[] query = {1.3f, 1.3f * 1.3f, -0.4f, 0.06f, 1.7f};
            float[] e1 = new float[block], e2 = new float[block];
            long all = scalar.bitEstimatesAtMost(w, values, off, span, query, Float.POSITIVE_INFINITY, e1);
            assertEquals(-1L, all, "an infinite bound lets every code through");
            float[] sorted = e1.clone();
            java.util.Arrays.sort(sorted);
            for (float bound : new float[] {sorted[0] - 1, sorted[0], sorted[17], sorted[40], sorted[63],
                    Float.POSITIVE_INFINITY}) {
                long expected = scalar.bitEstimatesAtMost(w, values, off, span, query, bound, e1);
                assertEquals(expected, panama.bitEstimatesAtMost(w, values, off, span, query, bound, e2),
                        "round " + round + ", bound " + bound + ", seed " + SEED);
                assertArrayEquals(e1, e2, "round " + round + ", seed " + SEED);
                long want = 0;
                for (int i = 0; i < block; i++) {
                    want |= (e1[i] <= bound ? 1L : 0L) << i;
                }
                assertEquals(want, expected, "the mask is the estimates' comparison");
            }
        }
    }

    /**
     * Scalar quantization codes: FAISS's arithmetic (the floor of the exact product for 15 levels), and Panama's
     * codes are the scalar twin's, over ranges of zero width, values outside the range, values just below a code's
     * boundary and a tail shorter than a vector.
     */
    @ParameterizedTest
    @ValueSource(ints = {15, 255})
    void sqCodesAgree(int levels) {
        Random r = new Random(SEED + levels);
        int dim = 389;
        float[] vmin = new float[dim], vdiff = new float[dim];
        for (int j = 0; j < dim; j++) {
            vmin[j] = (float) r.nextGaussian();
            vdiff[j] = j % 37 == 5 ? 0 : r.nextFloat() * 3;
        }
        // Panama multiplies in float for 15 levels too: no float t in [0, 1] has a float product with 15 that rounds
        // up to an integer the exact product is below (15t needs at most 28 bits). The values nearest below each
        // n / 15 are where it would happen; they go into dimensions of range [0, 1], where t is the value itself.
        List<Float> nearIntegers = new java.util.ArrayList<>();
        for (int n = 1; n <= 15; n++) {
            float t = n / 15f;
            for (int u = 0; u < 256; u++, t = Math.nextDown(t)) {
                assertEquals((int) (t * 15.0), (int) (t * 15f), "t " + t);
                nearIntegers.add(t);
            }
        }
        for (int j = 1; j < dim; j += 4) {
            vmin[j] = 0;
            vdiff[j] = 1;
        }
        int rows = 200;
        float[] v = new float[rows * dim];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < dim; j++) {
                float x = vmin[j] + vdiff[j] * (r.nextFloat() * 1.4f - 0.2f);
                v[i * dim + j] = j % 4 == 1 && i % 2 == 1 ? nearIntegers.get(r.nextInt(nearIntegers.size())) : x;
            }
        }
        byte[] expected = new byte[rows * dim];
        for (int i = 0; i < rows; i++) {
            scalar.sqCodes(v, i * dim, vmin, vdiff, levels, expected, i * dim, dim);
            for (int j = 0; j < dim; j++) {
                float x = v[i * dim + j];
                int want = 0;
                if (vdiff[j] != 0) {
                    float t = Math.clamp((x - vmin[j]) / vdiff[j], 0f, 1f);
                    // The definition: floor of the exact product for 15 levels, of the float product for 255.
                    java.math.BigDecimal exact = new java.math.BigDecimal(t).multiply(java.math.BigDecimal.valueOf(15));
                    want = levels == 15 ? exact.setScale(0, java.math.RoundingMode.FLOOR).intValueExact()
                            : (int) Math.floor(255f * t);
                }
                assertEquals(want, expected[i * dim + j] & 0xFF, "row " + i + ", dimension " + j + ", seed " + SEED);
            }
        }
        assumeTrue(panama != null, "Vector API unavailable");
        byte[] got = new byte[rows * dim + 3];
        for (int i = 0; i < rows; i++) {
            panama.sqCodes(v, i * dim, vmin, vdiff, levels, got, 3 + i * dim, dim);
        }
        assertArrayEquals(expected, Arrays.copyOfRange(got, 3, got.length), "seed " + SEED);
    }

    /** The 4-bit fast scan: Panama's shuffles and saturating byte sums give the scalar twin's masks. */
    @ParameterizedTest
    @ValueSource(ints = {2, 4, 16, 32, 64, 96})
    void pq4BlockMasksAgree(int m) {
        assumeTrue(panama != null, "Vector API unavailable");
        Random r = new Random(SEED + m);
        byte[] tables = new byte[m * VectorKernels.PQ4_TABLE];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < 16; c++) {
                byte v = (byte) r.nextInt(m <= 4 ? 128 : 24);
                for (int x = c; x < VectorKernels.PQ4_TABLE; x += 16) {
                    tables[j * VectorKernels.PQ4_TABLE + x] = v;
                }
            }
        }
        int blockBytes = VectorKernels.PQ_BLOCK * m / 2;
        byte[] blocks = new byte[5 + (1 + VectorKernels.PQ4_GROUP) * blockBytes];
        r.nextBytes(blocks);
        long[] masks = new long[VectorKernels.PQ4_GROUP];
        // Thresholds below, inside and at the edge of the range (sums saturate at 255), and beyond it.
        for (int t : new int[] {-1, 0, 40, 127, 200, 254, 255, 1000}) {
            for (int b = 0; b < 3; b++) {
                int off = 5 + b * blockBytes;
                long expected = scalar.pq4BlockAtMost(tables, m, blocks, off, t);
                assertEquals(expected, panama.pq4BlockAtMost(tables, m, blocks, off, t), "m " + m + ", threshold " + t
                        + ", seed " + SEED);
            }
            // A group of blocks at once, from an odd offset, as block by block; the sums at most each code's byte sum
            // (the sum itself in the AVX-512 kernel).
            byte[] sums = new byte[VectorKernels.PQ4_GROUP * VectorKernels.PQ_BLOCK];
            panama.pq4BlocksAtMost(tables, m, blocks, 5 + blockBytes, t, masks, sums);
            int exact = 0;
            for (int g = 0; g < VectorKernels.PQ4_GROUP; g++) {
                int at = 5 + (1 + g) * blockBytes;
                long one = scalar.pq4BlockAtMost(tables, m, blocks, at, t);
                String what = "group block " + g + ", m " + m + ", threshold " + t + ", seed " + SEED;
                byte[][] blockSums = new byte[2][VectorKernels.PQ_BLOCK + 3];
                scalar.pq4BlockSums(tables, m, blocks, at, blockSums[0], 0);
                panama.pq4BlockSums(tables, m, blocks, at, blockSums[1], 0);
                assertEquals(one, masks[g], what);
                for (int lane = 0; lane < VectorKernels.PQ_BLOCK; lane++) {
                    int sum = 0;
                    for (int b = 0; b < m / 2; b++) {
                        int c = blocks[at + b * VectorKernels.PQ_BLOCK + lane] & 0xFF;
                        sum = Math.min(255, sum + tables[2 * b * VectorKernels.PQ4_TABLE + (c & 0x0F)]
                                + tables[(2 * b + 1) * VectorKernels.PQ4_TABLE + (c >>> 4)]);
                    }
                    int got = sums[g * VectorKernels.PQ_BLOCK + lane] & 0xFF;
                    assertTrue(got == sum || got == 0, what + ", lane " + lane + ": " + got + " for " + sum);
                    exact += got == sum && sum > 0 ? 1 : 0;
                    // The sums themselves, from both twins.
                    assertEquals(sum, blockSums[0][lane] & 0xFF, what + ", scalar sum of lane " + lane);
                    assertEquals(sum, blockSums[1][lane] & 0xFF, what + ", panama sum of lane " + lane);
                }
            }
            // Where the kernel holds the sums (64-byte vectors, thresholds it scans at), every one of them.
            if (panama.name().equals("panama-512") && t >= 0 && t < 255) {
                assertTrue(exact > VectorKernels.PQ4_GROUP * VectorKernels.PQ_BLOCK * 9 / 10, exact + " exact sums");
            }
        }
        // A known case: every code 0 and table entries 0 give sums of 0, all codes through at threshold 0.
        assertEquals(-1L, scalar.pq4BlockAtMost(new byte[2 * VectorKernels.PQ4_TABLE], 2,
                new byte[VectorKernels.PQ_BLOCK], 0, 0));
        byte[] big = new byte[2 * VectorKernels.PQ4_TABLE];
        java.util.Arrays.fill(big, (byte) 127);
        assertEquals(0L, scalar.pq4BlockAtMost(big, 2, new byte[VectorKernels.PQ_BLOCK], 0, 253), "127 + 127");
        assertEquals(-1L, scalar.pq4BlockAtMost(big, 2, new byte[VectorKernels.PQ_BLOCK], 0, 254));
    }

    @Test
    void scalarKernelsOnKnownValues() {
        float[] a = {1, 2, 3};
        float[] b = {4, 6, 3};
        assertEquals(9 + 16, scalar.squareDistance(a, 0, b, 0, 3));
        assertEquals(4 + 12 + 9, scalar.dot(a, 0, b, 0, 3));
        // codes 0, 255: q - step * code
        assertEquals(1 + Math.pow(2 - 255 * 0.5, 2), scalar.u8SquareDistance(new float[] {1, 2},
                new float[] {1, 0.5f}, new byte[] {0, (byte) 255}, 0, 2), 1e-3);
        // byte 0x21: low nibble 1 (even), high nibble 2 (odd)
        assertEquals(3 * 1 + 5 * 2, scalar.u4Dot(new float[] {3}, new float[] {5}, new byte[] {0x21}, 0, 1));
        assertEquals(2, scalar.xorPopcount(new long[] {0b1010}, 0, new long[] {0b0110}, 0, 1));
        assertEquals(1, scalar.andPopcount(new long[] {0b1010}, 0, new long[] {0b0110}, 0, 1));
        float[] lut = new float[2 * 256];
        lut[7] = 1.5f;
        lut[256 + 255] = 2.25f;
        float[] out = new float[1];
        scalar.pqDistances(lut, 256, new byte[] {7, (byte) 255}, 0, 1, 2, out);
        assertEquals(3.75f, out[0]);
        // Two sub-spaces, codes 0..63: sums are code + 2 * code, so codes 0..10 are at most 30.
        byte[] small = new byte[2 * 256];
        byte[] blocks = new byte[2 * VectorKernels.PQ_BLOCK];
        for (int c = 0; c < 256; c++) {
            small[c] = (byte) Math.min(c, 100);
            small[256 + c] = (byte) Math.min(2 * c, 200);
        }
        for (int i = 0; i < VectorKernels.PQ_BLOCK; i++) {
            // Code i sits in lane 2i (first half of the block) or 2(i - 32) + 1 (second half).
            int lane = i < 32 ? 2 * i : 2 * (i - 32) + 1;
            blocks[lane] = (byte) i;
            blocks[VectorKernels.PQ_BLOCK + lane] = (byte) i;
        }
        assertEquals((1L << 11) - 1, scalar.pqBlockAtMost(small, 2, blocks, 0, 30));
        short[] sums = new short[VectorKernels.PQ_BLOCK];
        scalar.pqBlockSums(small, 2, blocks, 0, sums, 0);
        assertEquals(3 * 10, sums[10]);
        assertEquals(63 + 2 * 63, sums[63]);
    }

    @Test
    void getPicksPanamaWhenTheModuleIsThere() {
        VectorKernels k = Kernels.get();
        assertNotNull(k);
        String forced = System.getProperty(Kernels.PROPERTY, "");
        if (forced.isEmpty()) {
            assertEquals(Kernels.panamaUnavailable() == null, k.name().startsWith("panama"), k.name());
        }
        assertTrue(k.name().matches("scalar|panama-\\d+"), k.name());
        // The build's second test run starts the JVM without the module and says what it expects.
        String expected = System.getProperty("sluice.expect.kernels");
        if (expected != null) {
            assertEquals(expected, k.name(), "kernels picked in a JVM without jdk.incubator.vector");
        }
    }
}
