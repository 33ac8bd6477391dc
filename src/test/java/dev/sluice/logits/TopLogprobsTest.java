package dev.sluice.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The top k of a row of logits against a full sort of the row, ties to the smaller id, on both kernel sets. */
class TopLogprobsTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    @ParameterizedTest
    @ValueSource(ints = {64, 1000, 50257, 100277})
    void topKEqualsAFullSortAndLogprobsTheLogSoftmax(int vocab) {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int k = 64;
        float[] v = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            // Coarse values: many exact ties, at the k-th place too.
            v[i] = Math.round(r.nextGaussian() * 3 * 8) / 8f;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : v) {
            sum += Math.exp(x - max);
        }
        double logSum = max + Math.log(sum);
        int[] order = IntStream.range(0, vocab).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -v[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).limit(k).toArray();
        VectorKernels[] kernels = Kernels.panamaUnavailable() == null
                ? new VectorKernels[] {Kernels.scalar(), Kernels.panama()} : new VectorKernels[] {Kernels.scalar()};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocate(4L * vocab + 8);
            MemorySegment.copy(v, 0, row, FLOAT, 8, vocab);
            for (VectorKernels kernel : kernels) {
                TopLogprobs top = new TopLogprobs(kernel, k);
                int[] ids = new int[k + 3];
                float[] lp = new float[k + 3];
                for (int rep = 0; rep < 2; rep++) { // the heap is empty again after a row
                    assertTrue(top.select(row, 8, vocab, ids, lp, 3));
                    String where = kernel.name() + ", vocab " + vocab + ", seed " + seed;
                    assertArrayEquals(order, java.util.Arrays.copyOfRange(ids, 3, 3 + k), where);
                    for (int j = 0; j < k; j++) {
                        double want = v[order[j]] - logSum;
                        // float16 keeps 10 bits of mantissa: rounding moves a value by half its spacing at most.
                        double halfSpacing = Math.scalb(1.0, Math.max(Math.getExponent((float) want), -14) - 11);
                        assertEquals(want, lp[3 + j], halfSpacing + 1e-5, where + ", rank " + j);
                    }
                }
            }
            row.set(FLOAT, 8 + 4L * (vocab / 2), Float.NaN);
            assertFalse(new TopLogprobs(Kernels.scalar(), k).select(row, 8, vocab, new int[k], new float[k], 0));
            row.set(FLOAT, 8 + 4L * (vocab / 2), Float.POSITIVE_INFINITY);
            assertFalse(new TopLogprobs(Kernels.get(), k).select(row, 8, vocab, new int[k], new float[k], 0));
        }
    }
}
