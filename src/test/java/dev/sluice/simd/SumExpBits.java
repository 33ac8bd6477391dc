package dev.sluice.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Prints the bits of the Panama kernels' {@code sumExp} over rows of logits from a seed, one line per row: run in a
 * child JVM with {@code -Xint}, it shows what the interpreter computes before the compiler runs.
 */
public final class SumExpBits {
    private SumExpBits() {}

    public static void main(String[] args) {
        System.out.println(bits(Long.parseLong(args[0]), 1));
    }

    /** The rows' sums as hex bits, after calling the kernel {@code repeat} times on each row. */
    static String bits(long seed, int repeat) {
        VectorKernels panama = Kernels.panama();
        StringBuilder out = new StringBuilder();
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            // Logits of similar size, so that every lane's rounding reaches the sum.
            for (int n : new int[] {16, 1024, 1024, 1024, 1024, 1021}) {
                MemorySegment row = KernelsTest.logitRow(arena, KernelsTest.randomFloats(r, n, 1f));
                double sum = 0;
                for (int i = 0; i < repeat; i++) {
                    sum = panama.sumExp(row, 16, n, 0.5f);
                }
                out.append(Long.toHexString(Double.doubleToRawLongBits(sum))).append(' ');
            }
        }
        return out.toString().trim();
    }
}
