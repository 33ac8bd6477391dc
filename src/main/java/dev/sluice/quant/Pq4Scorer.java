package dev.sluice.quant;

import dev.sluice.knn.CodeBatch;
import dev.sluice.knn.CodeBlocks;
import dev.sluice.knn.CodeScorer;
import dev.sluice.knn.TopK;
import dev.sluice.simd.VectorKernels;

/**
 * ADC over 4-bit PQ codes with the fast scan of André, Kermarrec and Le Scouarnec (2015), as FAISS's "fs"
 * indexes do it, but exact. Each sub-quantizer's 16 float distances are rounded to bytes on a common step
 * {@code delta} ({@code entry ~ min_j + delta * q}, q at most 127); {@link VectorKernels#pq4BlocksAtMost} sums
 * them for four blocks of 64 codes at once with the tables in registers, in bytes that saturate at 255, and only
 * codes whose byte sum can still beat the heap's bound (rounding moves a sum by at most {@code m * delta / 2};
 * clamping and saturation only lower it) get their float distance. The results are those of a plain float scan.
 *
 * <p>The step follows the heap: a byte sum has 255 levels, so they are spent on the distances that can still enter
 * the top k, from the smallest possible sum to the heap's bound. It starts at a step that puts a typical code at
 * 128 and is made finer whenever the bound has fallen by an eighth of the range, so that the bound sits near 250.
 */
final class Pq4Scorer implements CodeScorer {
    /** Byte sums the bound is placed at when the step is chosen: room above it for the rounding slack. */
    private static final int TARGET = 250;
    private static final int STEP = VectorKernels.PQ4_TABLE;
    private static final int GROUP = VectorKernels.PQ4_GROUP;

    private final VectorKernels kern;
    private final float[] lut;
    private final int m;
    private final float[] min;
    private final double base;
    private final byte[] tables;
    private final long[] masks = new long[GROUP];
    private final byte[] sums = new byte[GROUP * VectorKernels.PQ_BLOCK];
    private final byte[] fillSums = new byte[GROUP * VectorKernels.PQ_BLOCK];
    private final long[] filled = new long[GROUP];
    private final int[] counts = new int[256];
    private double delta;
    /** {@code 1 / delta}: the threshold is made after every offer to the heap, by a multiply. */
    private double perStep;

    /** {@code lut}: {@code m} tables of 16 float distances, sub-quantizer by sub-quantizer ({@code m} even). */
    Pq4Scorer(VectorKernels kern, float[] lut, int m) {
        this.kern = kern;
        this.lut = lut;
        this.m = m;
        this.min = new float[m];
        this.tables = new byte[m * STEP];
        double sumMin = 0, typical = 0;
        for (int j = 0; j < m; j++) {
            float lo = Float.POSITIVE_INFINITY;
            double sum = 0;
            for (int c = 0; c < 16; c++) {
                lo = Math.min(lo, lut[j * 16 + c]);
                sum += lut[j * 16 + c];
            }
            min[j] = lo;
            sumMin += lo;
            typical += sum / 16 - lo;
        }
        this.base = sumMin;
        quantize(Double.isFinite(typical) && typical > 0 ? typical / 128 : Double.NaN);
    }

    /** True when codes are scanned with byte tables (the float table is finite). */
    boolean usesBytes() {
        return Double.isFinite(delta);
    }

    /** Rounds the float tables to bytes on step {@code d}; a step that is not finite and positive disables them. */
    private void quantize(double d) {
        delta = d > 0 && Double.isFinite(d) && Double.isFinite(base) ? d : Double.NaN;
        if (!usesBytes()) {
            return;
        }
        // Called about six times per query (the constructor, then as the bound falls): in floats (an error of a
        // millionth of a step, inside the threshold's slack) and a multiply, not a division, by a kernel.
        perStep = 1 / delta;
        kern.pq4Tables(lut, min, m, (float) perStep, tables);
    }

    @Override
    public void distances(byte[] codes, int off, int count, float[] out) {
        int bytes = m / 2;
        for (int i = 0; i < count; i++) {
            out[i] = distance(codes, off + i * bytes, 1);
        }
    }

    /**
     * One code's float distance: each code byte's pair of entries added, into four sums by byte index mod 4, then
     * {@code (s0 + s1) + (s2 + s3)}. Its bytes are {@code stride} apart: 1 for codes back to back, the block width
     * in the {@link dev.sluice.knn.CodeBlocks} layout.
     */
    private float distance(byte[] codes, int c, int stride) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int b = 0;
        for (; b + 4 <= m / 2; b += 4) {
            int v0 = codes[c + b * stride] & 0xFF, v1 = codes[c + (b + 1) * stride] & 0xFF;
            int v2 = codes[c + (b + 2) * stride] & 0xFF, v3 = codes[c + (b + 3) * stride] & 0xFF;
            s0 += lut[2 * b * 16 + (v0 & 0x0F)] + lut[(2 * b + 1) * 16 + (v0 >>> 4)];
            s1 += lut[(2 * b + 2) * 16 + (v1 & 0x0F)] + lut[(2 * b + 3) * 16 + (v1 >>> 4)];
            s2 += lut[(2 * b + 4) * 16 + (v2 & 0x0F)] + lut[(2 * b + 5) * 16 + (v2 >>> 4)];
            s3 += lut[(2 * b + 6) * 16 + (v3 & 0x0F)] + lut[(2 * b + 7) * 16 + (v3 >>> 4)];
        }
        for (; b < m / 2; b++) {
            int v = codes[c + b * stride] & 0xFF;
            float pair = lut[2 * b * 16 + (v & 0x0F)] + lut[(2 * b + 1) * 16 + (v >>> 4)];
            switch (b & 3) {
                case 0 -> s0 += pair;
                case 1 -> s1 += pair;
                case 2 -> s2 += pair;
                default -> s3 += pair;
            }
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void prepare(CodeBatch batch) {
        batch.transpose();
    }

    /**
     * The largest byte sum a code with float distance {@code <= bound} can have: the rounding error of at most
     * {@code m * delta / 2}, plus a relative 1e-5 for the float additions.
     */
    private int threshold(float bound) {
        if (bound == Float.POSITIVE_INFINITY) {
            return 255;
        }
        double t = (bound - base + 1e-5 * (Math.abs(bound) + Math.abs(base))) * perStep + m * 0.5 + 1;
        return t >= 255 ? 255 : t < 0 ? -1 : (int) t;
    }

    /**
     * The threshold for the heap's bound, with the tables requantized first when the bound has fallen by an eighth
     * of the byte range since they were made: the levels are spent on the distances that can still enter.
     */
    private int adapt(TopK heap, int threshold) {
        if (threshold < TARGET * 7 / 8 && heap.bound() > base) {
            quantize((heap.bound() - base) / (TARGET - m * 0.5 - 1));
            return threshold(heap.bound());
        }
        return threshold;
    }

    @Override
    public void scan(CodeBatch batch, TopK heap, float[] scratch) {
        if (!usesBytes()) {
            CodeScorer.super.scan(batch, heap, scratch);
            return;
        }
        byte[] blocks = batch.blocks();
        long[] ids = batch.ids();
        int rows = batch.rows();
        int blockBytes = VectorKernels.PQ_BLOCK * (m / 2);
        int threshold = threshold(heap.bound());
        long[] masks = this.masks;
        for (int g = 0, first = 0; first < rows; g++, first += GROUP * VectorKernels.PQ_BLOCK) {
            int groupOff = g * GROUP * blockBytes;
            boolean filling = heap.size() < heap.k();
            if (filling) {
                fill(blocks, groupOff, first, rows, ids, heap);
                threshold = threshold(heap.bound());
            }
            threshold = adapt(heap, threshold);
            kern.pq4BlocksAtMost(tables, m, blocks, groupOff, threshold, masks, sums);
            if (filling) {
                for (int j = 0; j < GROUP; j++) {
                    masks[j] &= ~filled[j];
                }
            }
            if ((masks[0] | masks[1] | masks[2] | masks[3]) == 0) {
                continue;
            }
            for (int j = 0; j < GROUP; j++) {
                int start = first + j * VectorKernels.PQ_BLOCK;
                // Only the rows the batch holds (a short last block, blocks past the end of a short last group),
                // without a branch: a branch taken once per pass (the last batch) was compiled as a trap, and the
                // deoptimization at the end of eval's first pass slowed its second.
                int valid = Math.clamp(rows - start, 0, VectorKernels.PQ_BLOCK);
                long mask = masks[j] & -1L >>> (VectorKernels.PQ_BLOCK - Math.max(1, valid))
                        & -Math.min(1L, valid);
                // A candidate's bytes are read from the block the kernel has just read (in cache), not from the
                // codes back to back, where each candidate was a cache miss.
                int at = groupOff + j * blockBytes;
                for (; mask != 0; mask &= mask - 1) {
                    int p = Long.numberOfTrailingZeros(mask);
                    // The threshold falls as the heap fills: a byte sum above it now cannot beat the bound (on 117K
                    // MiniLM codes, a fifteenth fewer exact distances).
                    if ((sums[j * VectorKernels.PQ_BLOCK + CodeBlocks.lane(p)] & 0xFF) > threshold) {
                        continue;
                    }
                    float d = distance(blocks, at + CodeBlocks.lane(p), VectorKernels.PQ_BLOCK);
                    if (d <= heap.bound()) {
                        heap.offer(d, ids[start + p]);
                        threshold = threshold(heap.bound());
                    }
                }
            }
        }
    }

    /**
     * Fills the heap from a group while it is not full: the group's byte sums at the current step, then exact
     * distances for the codes with the smallest sums, as many as the heap lacks (ties at the cut included), marked
     * in {@code filled}. Offering every code of the first block instead cost 64 exact distances a query, and the
     * bound they left screened the next blocks loosely (on 117K MiniLM codes, 199 exact distances a query in all
     * instead of 276).
     */
    private void fill(byte[] blocks, int groupOff, int first, int rows, long[] ids, TopK heap) {
        int blockBytes = VectorKernels.PQ_BLOCK * (m / 2);
        int count = Math.min(rows - first, GROUP * VectorKernels.PQ_BLOCK);
        int[] counts = this.counts;
        java.util.Arrays.fill(counts, 0);
        java.util.Arrays.fill(filled, 0);
        for (int j = 0; j * VectorKernels.PQ_BLOCK < count; j++) {
            kern.pq4BlockSums(tables, m, blocks, groupOff + j * blockBytes, fillSums, j * VectorKernels.PQ_BLOCK);
        }
        for (int i = 0; i < count; i++) {
            counts[fillSums[slot(i)] & 0xFF]++;
        }
        // The smallest sum at or below which the group has as many codes as the heap lacks (255: all of them).
        int cut = 0, lacking = heap.k() - heap.size();
        for (int have = counts[0]; have < lacking && cut < 255; ) {
            have += counts[++cut];
        }
        for (int i = 0; i < count; i++) {
            if ((fillSums[slot(i)] & 0xFF) <= cut) {
                int j = i / VectorKernels.PQ_BLOCK;
                float d = distance(blocks, groupOff + j * blockBytes + CodeBlocks.lane(i % VectorKernels.PQ_BLOCK),
                        VectorKernels.PQ_BLOCK);
                heap.offer(d, ids[first + i]);
                filled[j] |= 1L << (i % VectorKernels.PQ_BLOCK);
            }
        }
    }

    /** Where code {@code i} of a group has its byte sum in {@link #fillSums} (and {@link #sums}). */
    private static int slot(int i) {
        return i / VectorKernels.PQ_BLOCK * VectorKernels.PQ_BLOCK + CodeBlocks.lane(i % VectorKernels.PQ_BLOCK);
    }
}
