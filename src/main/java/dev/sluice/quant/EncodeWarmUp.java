package dev.sluice.quant;

import dev.sluice.engine.WarmUp;
import java.util.Random;

/**
 * Encodes random vectors with a codebook while compress does other work (a task that found its codebook on disk
 * starts DuckDB and opens its input; a task that trained one measures the sample's error), so that the JIT has
 * compiled the encoder by the time the real vectors come: a shard task spent most of its encode time in the
 * uncompiled kernels. It calls {@code encodeBatch}, as the run does (warmed through {@code encodeTo}, the first
 * units ran at a seventh of the speed). Codes do not depend on whether a kernel is compiled yet (see
 * {@code PanamaKernels.sum}), so the warm-up cannot change an output. Stops when closed, or after
 * {@value #MAX_MILLIS} ms.
 */
final class EncodeWarmUp {
    static final long MAX_MILLIS = 1000;
    private static final int VECTORS = 16;

    private EncodeWarmUp() {}

    /** Starts encoding random vectors with {@code q}. */
    static WarmUp start(Quantizer q) {
        return WarmUp.start("sluice-encode-warm-up", MAX_MILLIS, () -> {
            Random r = new Random(1);
            float[] vectors = new float[VECTORS * q.dim()];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = (float) r.nextGaussian();
            }
            byte[] codes = new byte[VECTORS * q.codeBytes()];
            return () -> q.encodeBatch(vectors, 0, VECTORS, codes, 0);
        });
    }
}
