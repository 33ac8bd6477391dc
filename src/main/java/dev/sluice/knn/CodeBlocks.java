package dev.sluice.knn;

import dev.sluice.simd.VectorKernels;

/**
 * Codes transposed in blocks of {@value VectorKernels#PQ_BLOCK}: byte {@code j} of code {@code i} goes to
 * {@code (i / 64) * 64 * codeBytes + j * 64 + lane(i % 64)}, so that one vector load brings the same byte of many
 * codes (what a look-up-table kernel needs). Lanes interleave the two halves of a block, code {@code c} in lane
 * {@code 2c} and code {@code 32 + c} in lane {@code 2c + 1}: a kernel that adds bytes into shorts, even and odd
 * lanes apart, then holds its sums in code order. The last block is padded with zero codes (kernels that
 * scan {@value VectorKernels#PQ4_GROUP} blocks at once may read whole groups: the array holds them).
 */
public final class CodeBlocks {
    private static final int B = VectorKernels.PQ_BLOCK;

    private CodeBlocks() {}

    /**
     * The lane of the {@code i}-th code of a block: {@code 2i} below 32, {@code 2(i - 32) + 1} from 32. Without a
     * branch: a scan looks up its candidates' lanes in no predictable order.
     */
    public static int lane(int i) {
        return (i & (B / 2 - 1)) << 1 | i / (B / 2);
    }

    /** Bytes the layout of {@code rows} codes takes: whole groups of {@value VectorKernels#PQ4_GROUP} blocks. */
    public static int size(int rows, int codeBytes) {
        int group = B * VectorKernels.PQ4_GROUP;
        return (rows + group - 1) / group * group * codeBytes;
    }

    /** Writes {@code rows} codes of {@code codeBytes}, stored back to back in {@code codes}, into {@code dest}. */
    public static void transpose(byte[] codes, int rows, int codeBytes, byte[] dest) {
        int blocks = (rows + B - 1) / B;
        // The last block is zeroed first, on every call: padding written only for a short last block (once per
        // pass) was compiled as a trap, and the deoptimization slowed the next pass over the codes.
        java.util.Arrays.fill(dest, Math.max(0, blocks - 1) * B * codeBytes, blocks * B * codeBytes, (byte) 0);
        for (int b = 0; b < blocks; b++) {
            int base = b * B * codeBytes;
            int n = Math.min(B, rows - b * B);
            for (int i = 0; i < n; i++) {
                int c = (b * B + i) * codeBytes;
                for (int j = 0; j < codeBytes; j++) {
                    dest[base + j * B + lane(i)] = codes[c + j];
                }
            }
        }
    }
}
