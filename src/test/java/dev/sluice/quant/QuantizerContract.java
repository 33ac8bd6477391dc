package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every quantizer promises, written once and run for each: codes of the advertised size, decode close to
 * the input, asymmetric distance close to the distance to the decoded vector, and a codebook file that reads
 * back to the same codes and distances.
 */
abstract class QuantizerContract {
    @TempDir
    Path tmp;

    abstract Quantizer train(float[] data, int n, int dim);

    /** Largest mean squared error (unit-norm vectors; 2.0 is random) this quantizer may reach on the sample. */
    abstract double maxMse();

    /** How far the asymmetric distance may be from the distance to the decoded vector (mean absolute). */
    double maxDistanceGap() {
        return 1e-4;
    }

    private static final java.util.Map<Class<?>, Quantizer> TRAINED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Trained once per implementation on the first 2,000 sample rows; the other 500 are held out. */
    Quantizer trained() {
        return TRAINED.computeIfAbsent(getClass(), c -> train(Samples.BASE, 2000, Samples.DIM));
    }

    @Test
    void codesHaveTheAdvertisedSizeAndDecodeClose() {
        Quantizer q = trained();
        byte[] code = q.encode(java.util.Arrays.copyOfRange(Samples.BASE, 0, Samples.DIM));
        assertEquals(q.codeBytes(), code.length);
        // Held-out rows (2000..2499) were not trained on.
        float[] held = java.util.Arrays.copyOfRange(Samples.BASE, 2000 * 384, 2500 * 384);
        double mse = Samples.mse(q, held, 500);
        assertTrue(mse < maxMse(), q.method() + " held-out MSE " + mse + " >= " + maxMse());
    }

    @Test
    void asymmetricDistanceTracksTheDecodedVector() {
        Quantizer q = trained();
        int dim = q.dim();
        float[] query = java.util.Arrays.copyOfRange(Samples.BASE, 2400 * dim, 2401 * dim);
        double gap = 0;
        float[] rec = new float[dim];
        int n = 200;
        byte[] codes = new byte[n * q.codeBytes()];
        for (int i = 0; i < n; i++) {
            q.encodeTo(Samples.BASE, i * dim, codes, i * q.codeBytes());
        }
        float[] out = new float[n];
        q.scorer(query, 0).distances(codes, 0, n, out);
        for (int i = 0; i < n; i++) {
            q.decode(codes, i * q.codeBytes(), rec, 0);
            double exact = dev.sluice.simd.Kernels.scalar().squareDistance(query, 0, rec, 0, dim);
            gap += Math.abs(exact - out[i]);
            assertEquals(out[i], q.distance(query, java.util.Arrays.copyOfRange(codes, i * q.codeBytes(),
                    (i + 1) * q.codeBytes())), 1e-5, "distance() and scorer() disagree at " + i);
        }
        assertTrue(gap / n < maxDistanceGap(), q.method() + ": mean |ADC - decoded| = " + gap / n);
    }

    @Test
    void codebookFileRoundTrips() throws Exception {
        Quantizer q = trained();
        Path f = tmp.resolve("cb.sluiceq");
        Codebook.write(q, f);
        Quantizer r = Codebook.read(f);
        assertEquals(q.method(), r.method());
        assertEquals(q.describe(), r.describe());
        for (int i = 0; i < 50; i++) {
            float[] v = java.util.Arrays.copyOfRange(Samples.BASE, i * 384, (i + 1) * 384);
            byte[] c = q.encode(v);
            assertArrayEquals(c, r.encode(v), "row " + i);
            assertEquals(q.distance(v, c), r.distance(v, c), 1e-6f);
        }
        // A truncated file is an error, not a silently short codebook.
        byte[] bytes = java.nio.file.Files.readAllBytes(f);
        java.nio.file.Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 9));
        assertEquals(dev.sluice.engine.SluiceException.Kind.INPUT,
                org.junit.jupiter.api.Assertions.assertThrows(dev.sluice.engine.SluiceException.class,
                        () -> Codebook.read(f)).kind());
    }

    @Test
    void zeroAndConstantVectorsEncodeWithoutNaN() {
        int dim = 8;
        float[] data = new float[300 * dim];
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < dim; j++) {
                data[i * dim + j] = i < 100 ? 0f : (i < 200 ? 3f : (i % 7) - 3f);
            }
        }
        Quantizer q = train(data, 300, dim);
        float[] rec = new float[dim];
        for (float[] v : new float[][] {new float[dim], filled(dim, 3f)}) {
            byte[] c = q.encode(v);
            q.decode(c, 0, rec, 0);
            for (float x : rec) {
                assertTrue(Float.isFinite(x), q.method() + " decoded " + java.util.Arrays.toString(rec));
            }
            assertTrue(Float.isFinite(q.distance(v, c)));
        }
    }

    static float[] filled(int dim, float v) {
        float[] a = new float[dim];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
