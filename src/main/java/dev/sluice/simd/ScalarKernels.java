package dev.sluice.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The reference kernels: plain loops the JIT may auto-vectorize; the Vector API version must agree with them. */
public final class ScalarKernels implements VectorKernels {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());


    @Override
    public float squareDistance(float[] a, int ao, float[] b, int bo, int dim) {
        float s = 0;
        for (int i = 0; i < dim; i++) {
            float d = a[ao + i] - b[bo + i];
            s += d * d;
        }
        return s;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int dim) {
        float s = 0;
        for (int i = 0; i < dim; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public void dot4x2(float[] queries, int q0, float[] b, int bo0, int bo1, int dim, float[] out) {
        for (int v = 0; v < 2; v++) {
            int bo = v == 0 ? bo0 : bo1;
            for (int q = 0; q < 4; q++) {
                float s = 0;
                for (int i = 0; i < dim; i++) {
                    s += queries[q0 + q * dim + i] * b[bo + i];
                }
                out[4 * v + q] = s;
            }
        }
    }

    @Override
    public void squareDistancesColumnMajor(float[] q, int qo, float[] cols, int co, int dim, int count, float[] out) {
        for (int c = 0; c < count; c++) {
            float s = 0;
            for (int j = 0; j < dim; j++) {
                float d = q[qo + j] - cols[co + j * count + c];
                s += d * d;
            }
            out[c] = s;
        }
    }

    @Override
    public void pqDistances(float[] lut, int ksub, byte[] codes, int codeOffset, int count, int m, float[] out) {
        for (int i = 0; i < count; i++) {
            int c = codeOffset + i * m;
            float s = 0;
            for (int j = 0; j < m; j++) {
                s += lut[j * ksub + (codes[c + j] & 0xFF)];
            }
            out[i] = s;
        }
    }

    /** Where code {@code i} of a block sits: the halves of the block interleave. */
    private static int lane(int i) {
        return i < PQ_BLOCK / 2 ? 2 * i : 2 * (i - PQ_BLOCK / 2) + 1;
    }

    @Override
    public long pqBlockAtMost(byte[] lut, int m, byte[] blocks, int off, int threshold) {
        long mask = 0;
        for (int i = 0; i < PQ_BLOCK; i++) {
            int s = 0;
            for (int j = 0; j < m; j++) {
                s += lut[j * 256 + (blocks[off + j * PQ_BLOCK + lane(i)] & 0xFF)] & 0xFF;
            }
            if (s <= threshold) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    @Override
    public long pq4BlockAtMost(byte[] tables, int m, byte[] blocks, int off, int threshold) {
        if (threshold >= 255) {
            return -1L;
        }
        // The sums of pq4BlockSums, the one definition of them.
        byte[] sums = new byte[PQ_BLOCK];
        pq4BlockSums(tables, m, blocks, off, sums, 0);
        long mask = 0;
        for (int i = 0; i < PQ_BLOCK; i++) {
            if ((sums[lane(i)] & 0xFF) <= threshold) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    @Override
    public void pq4BlockSums(byte[] tables, int m, byte[] blocks, int off, byte[] sums, int sumsOff) {
        for (int l = 0; l < PQ_BLOCK; l++) {
            int s = 0;
            for (int b = 0; b < m / 2; b++) {
                int c = blocks[off + b * PQ_BLOCK + l] & 0xFF;
                s = Math.min(255, s + tables[2 * b * PQ4_TABLE + (c & 0x0F)]
                        + tables[(2 * b + 1) * PQ4_TABLE + (c >>> 4)]);
            }
            sums[sumsOff + l] = (byte) s;
        }
    }

    @Override
    public void pqBlockSums(byte[] lut, int m, byte[] blocks, int off, short[] out, int outOff) {
        for (int i = 0; i < PQ_BLOCK; i++) {
            int s = 0;
            for (int j = 0; j < m; j++) {
                s += lut[j * 256 + (blocks[off + j * PQ_BLOCK + lane(i)] & 0xFF)] & 0xFF;
            }
            out[outOff + i] = (short) s;
        }
    }

    @Override
    public float u8SquareDistance(float[] q, float[] step, byte[] codes, int off, int dim) {
        float s = 0;
        for (int i = 0; i < dim; i++) {
            float d = q[i] - step[i] * (codes[off + i] & 0xFF);
            s += d * d;
        }
        return s;
    }

    @Override
    public float u4SquareDistance(float[] qEven, float[] stepEven, float[] qOdd, float[] stepOdd, byte[] codes,
                                  int off, int bytes) {
        float s = 0;
        for (int j = 0; j < bytes; j++) {
            int b = codes[off + j];
            float lo = qEven[j] - stepEven[j] * (b & 0x0F);
            float hi = qOdd[j] - stepOdd[j] * ((b >>> 4) & 0x0F);
            s += lo * lo + hi * hi;
        }
        return s;
    }

    @Override
    public float u4Dot(float[] wEven, float[] wOdd, byte[] codes, int off, int bytes) {
        float s = 0;
        for (int j = 0; j < bytes; j++) {
            int b = codes[off + j];
            s += wEven[j] * (b & 0x0F) + wOdd[j] * ((b >>> 4) & 0x0F);
        }
        return s;
    }

    @Override
    public int andPopcount(long[] a, int ao, long[] b, int bo, int words) {
        int s = 0;
        for (int i = 0; i < words; i++) {
            s += Long.bitCount(a[ao + i] & b[bo + i]);
        }
        return s;
    }

    @Override
    public int xorPopcount(long[] a, int ao, long[] b, int bo, int words) {
        int s = 0;
        for (int i = 0; i < words; i++) {
            s += Long.bitCount(a[ao + i] ^ b[bo + i]);
        }
        return s;
    }

    @Override
    public int indicesAbove(MemorySegment s, long offset, int n, float threshold, int[] out) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (s.get(FLOAT, offset + 4L * i) > threshold) {
                out[c++] = i;
            }
        }
        return c;
    }

    @Override
    public double sumExp(MemorySegment s, long offset, int n, float shift) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(s.get(FLOAT, offset + 4L * i) - shift);
        }
        return sum;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
