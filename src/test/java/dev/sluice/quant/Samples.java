package dev.sluice.quant;

import dev.sluice.TestData;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;

/** The real MiniLM sample loaded once into flat arrays. */
final class Samples {
    static final float[] BASE = load("base.npy");
    static final int N = BASE.length / 384;
    static final int DIM = 384;

    private Samples() {}

    static float[] load(String name) {
        try (VectorReader r = VectorReaders.open(TestData.embeddings(name).toString(), null, null, null, null)) {
            VectorBatch b = r.newBatch((int) r.count());
            r.next(b);
            return java.util.Arrays.copyOf(b.data, b.rows * r.dim());
        }
    }

    /** Mean squared reconstruction error of the first n rows of data. */
    static double mse(Quantizer q, float[] data, int n) {
        return CompressJob.mse(q, data, n, q.dim());
    }
}
