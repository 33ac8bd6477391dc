package dev.sluice.quant;

import dev.sluice.knn.CodeBatch;
import dev.sluice.knn.CodeScorer;
import dev.sluice.knn.TopK;
import dev.sluice.simd.VectorKernels;

/**
 * ADC over 8-bit PQ codes in two steps, after the "fast scan" of André, Kermarrec and Le Scouarnec (2015) and
 * FAISS, but exact. The query's float table is also rounded to one byte per entry on a common step
 * {@code delta} ({@code entry ~ min_j + delta * q}); a block of 64 codes is summed in bytes with in-register
 * table look-ups ({@link VectorKernels#pqBlockAtMost}) and only codes whose byte sum can still beat the heap's
 * bound (the rounding moves a sum by at most {@code m * delta / 2}) get their float distance, computed exactly
 * as {@link VectorKernels#pqDistances} does. Results are therefore the same as a plain float scan; on 117K
 * MiniLM codes only a few percent of codes pass the byte filter.
 */
final class PqScorer implements CodeScorer {
    private final VectorKernels kern;
    private final float[] lut;
    private final int m;
    /** The byte table, or null when the float table cannot be rounded (non-finite values): plain scan then. */
    private final byte[] bytes;
    private final double base;
    private final double delta;

    PqScorer(VectorKernels kern, float[] lut, int m) {
        this.kern = kern;
        this.lut = lut;
        this.m = m;
        // Byte sums must fit in 15 bits: at most 255 per entry, fewer when m > 128.
        int levels = Math.min(255, Short.MAX_VALUE / m);
        double sumMin = 0, range = 0;
        float[] min = new float[m];
        for (int j = 0; j < m; j++) {
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < 256; c++) {
                lo = Math.min(lo, lut[j * 256 + c]);
                hi = Math.max(hi, lut[j * 256 + c]);
            }
            min[j] = lo;
            sumMin += lo;
            range = Math.max(range, (double) hi - lo);
        }
        this.base = sumMin;
        this.delta = range > 0 ? range / levels : 1;
        if (levels < 1 || !Double.isFinite(sumMin) || !Double.isFinite(range)) {
            this.bytes = null;
            return;
        }
        this.bytes = new byte[m * 256];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < 256; c++) {
                long q = Math.round((lut[j * 256 + c] - (double) min[j]) / delta);
                bytes[j * 256 + c] = (byte) Math.clamp(q, 0, levels);
            }
        }
    }

    @Override
    public void distances(byte[] codes, int off, int count, float[] out) {
        kern.pqDistances(lut, 256, codes, off, count, m, out);
    }

    /** True when codes are scanned with byte tables (the float table could be rounded). */
    boolean usesBytes() {
        return bytes != null;
    }

    @Override
    public void prepare(CodeBatch batch) {
        batch.transpose();
    }

    /**
     * The largest byte sum a code with float distance {@code <= bound} can have: the rounding error of at most
     * {@code m * delta / 2}, plus a relative 1e-5 for the float additions (m * 2^-24 per unit, m <= 128 here).
     */
    private int threshold(float bound) {
        if (bound == Float.POSITIVE_INFINITY) {
            return Short.MAX_VALUE;
        }
        double t = (bound - base + 1e-5 * (Math.abs(bound) + Math.abs(base))) / delta + m * 0.5 + 1;
        return t >= Short.MAX_VALUE ? Short.MAX_VALUE : t < 0 ? -1 : (int) t;
    }

    @Override
    public void scan(CodeBatch batch, TopK heap, float[] scratch) {
        if (bytes == null) {
            CodeScorer.super.scan(batch, heap, scratch);
            return;
        }
        byte[] codes = batch.codes(), blocks = batch.blocks();
        long[] ids = batch.ids();
        int rows = batch.rows();
        int blockBytes = VectorKernels.PQ_BLOCK * m;
        int threshold = threshold(heap.bound());
        for (int b = 0, first = 0; first < rows; b++, first += VectorKernels.PQ_BLOCK) {
            // The rows of a short last block, without a branch: a branch taken once per pass (the last batch) was
            // compiled as a trap, and the deoptimization at the end of eval's first pass slowed its second.
            long mask = kern.pqBlockAtMost(bytes, m, blocks, b * blockBytes, threshold)
                    & -1L >>> Math.max(0, VectorKernels.PQ_BLOCK - (rows - first));
            for (; mask != 0; mask &= mask - 1) {
                int i = first + Long.numberOfTrailingZeros(mask);
                float d = distance(codes, i * m);
                if (d <= heap.bound()) {
                    heap.offer(d, ids[i]);
                    threshold = threshold(heap.bound());
                }
            }
        }
    }

    /** One code's float distance, summed in the order of {@link VectorKernels#pqDistances}. */
    private float distance(byte[] codes, int c) {
        float s = 0;
        for (int j = 0; j < m; j++) {
            s += lut[j * 256 + (codes[c + j] & 0xFF)];
        }
        return s;
    }
}
