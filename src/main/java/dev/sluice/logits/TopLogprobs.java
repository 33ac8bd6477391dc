package dev.sluice.logits;

import dev.sluice.knn.TopK;
import dev.sluice.simd.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The k most probable tokens of one position and their log-probabilities, from a row of logits, without sorting
 * the vocabulary: a SIMD compare of each chunk against the current k-th best passes on only the few logits that
 * can still enter (a bounded heap), and a SIMD sum of {@code exp(logit - max)} over the same chunk gives the
 * log-softmax, in one pass over the row. Ties go to the smaller id. One instance per thread.
 */
final class TopLogprobs {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    /** Logits compared per kernel call: the threshold rises between calls. */
    private static final int CHUNK = 1024;

    private final VectorKernels kernels;
    private final int k;
    private final TopK heap;
    private final int[] above = new int[CHUNK];
    private final float[] negated;

    TopLogprobs(VectorKernels kernels, int k) {
        this.kernels = kernels;
        this.k = k;
        this.heap = new TopK(k);
        this.negated = new float[k];
    }

    /**
     * Selects the top {@code k} of the {@code vocab} logits at byte {@code offset} of {@code logits} into
     * {@code ids[at..at+k)} and {@code logprobs[at..at+k)}, most probable first; log-probabilities are rounded to
     * float16 precision. Returns false when the row holds a NaN or infinite logit.
     */
    boolean select(MemorySegment logits, long offset, int vocab, int[] ids, float[] logprobs, int at) {
        // One pass over the row, a chunk at a time while it is in L1: the candidates, then the chunk's share of
        // sum(exp(logit - max)), rescaled whenever the running max rises (the online softmax).
        float max = Float.NEGATIVE_INFINITY;
        double sum = 0;
        for (int start = 0; start < vocab; start += CHUNK) {
            int n = Math.min(CHUNK, vocab - start);
            long chunk = offset + 4L * start;
            // The heap keeps the k smallest "distances": a logit enters as its negation.
            float threshold = heap.size() < k ? Float.NEGATIVE_INFINITY : -heap.bound();
            int found = kernels.indicesAbove(logits, chunk, n, threshold, above);
            float chunkMax = max;
            for (int j = 0; j < found; j++) {
                int id = start + above[j];
                float x = logits.get(FLOAT, offset + 4L * id);
                heap.offer(-x, id);
                chunkMax = Math.max(chunkMax, x);
            }
            // A chunk's max above the running max is always a candidate: the threshold is at most the running max.
            if (chunkMax > max) {
                sum = sum == 0 ? 0 : sum * Math.exp(max - chunkMax);
                max = chunkMax;
            }
            sum += kernels.sumExp(logits, chunk, n, max);
        }
        int got = heap.drainSorted(ids, at, negated);
        if (got < k || !Float.isFinite(max) || !Double.isFinite(sum)) {
            return false; // NaN logits never compare above; an infinite one makes the sum NaN
        }
        float logSum = (float) Math.log(sum);
        for (int j = 0; j < k; j++) {
            float lp = -negated[j] - max - logSum;
            logprobs[at + j] = Float.float16ToFloat(Float.floatToFloat16(lp));
        }
        return true;
    }
}
