package dev.sluice.quant;

import java.util.Random;

/**
 * Encodes random vectors with a codebook on a daemon thread while a compress task that found its codebook on
 * disk starts DuckDB and opens its input, so that the JIT has compiled the encoder by the time the real
 * vectors come: until C2 compiles them, Vector API kernels run boxed, tens of times slower, and a shard task
 * spent most of its encode time there. Codes do not depend on whether a kernel is compiled yet (see
 * {@code PanamaKernels.sum}), so the warm-up cannot change an output. Stops when closed, or after
 * {@value #MAX_MILLIS} ms.
 */
final class EncodeWarmUp implements AutoCloseable {
    static final long MAX_MILLIS = 1000;
    private static final int VECTORS = 64;

    private final Thread thread;
    private volatile boolean stopped;

    private EncodeWarmUp(Quantizer q) {
        thread = Thread.ofPlatform().daemon().name("sluice-encode-warm-up").start(() -> run(q));
    }

    /** Starts encoding random vectors with {@code q}. */
    static EncodeWarmUp start(Quantizer q) {
        return new EncodeWarmUp(q);
    }

    private void run(Quantizer q) {
        Random r = new Random(1);
        float[] vectors = new float[VECTORS * q.dim()];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) r.nextGaussian();
        }
        byte[] codes = new byte[VECTORS * q.codeBytes()];
        long end = System.nanoTime() + MAX_MILLIS * 1_000_000;
        while (!stopped && System.nanoTime() < end) {
            for (int i = 0; i < VECTORS && !stopped; i++) {
                q.encodeTo(vectors, i * q.dim(), codes, i * q.codeBytes());
            }
        }
    }

    /** Stops encoding and waits for the current vector, so that the real encode has the cores. */
    @Override
    public void close() {
        stopped = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
