package dev.sluice.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API at the machine's preferred width (256 bits on AVX2, 512 on AVX-512). Each loop
 * runs to {@code SPECIES.loopBound(n)} and finishes with a scalar tail. Float loops keep four accumulators:
 * one FMA has a latency of about four cycles and two can issue per cycle, so a single accumulator would
 * leave most of the FMA units idle.
 */
final class PanamaKernels implements VectorKernels {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(NATIVE);
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    /** Bytes with as many lanes as FLOATS, widened to ints; null when that is under 64 bits (128-bit floats). */
    static final VectorSpecies<Byte> BYTES = FLOATS.length() * 8 >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.length() * 8)) : null;

    /** Byte lanes of the widest vector, for the PQ table look-ups, and shorts of the same shape for their sums. */
    static final VectorSpecies<Byte> LUT_BYTES = ByteVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> LUT_SHORTS = VectorSpecies.of(short.class, LUT_BYTES.vectorShape());

    /** 0, 1, 2, ...: each int lane's own index, for {@link #nearestColumn}. */
    private static final int[] LANE_INDEX = java.util.stream.IntStream.range(0, INTS.length()).toArray();

    /** Shuffles that fold the upper half of the lanes onto the lower half, for {@link #sum}. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    private final ScalarKernels scalar = new ScalarKernels();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int n = FLOATS.length();
        int steps = Integer.numberOfTrailingZeros(n);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int s = 0, half = n / 2; s < steps; s++, half /= 2) {
            int h = half;
            f[s] = VectorShuffle.fromOp(FLOATS, i -> (i + h) % n);
        }
        return f;
    }

    /**
     * The sum of the lanes in a fixed pairwise order. {@code reduceLanes(ADD)} leaves the order open, and the
     * interpreter and the compiled code then round differently; encoding must give the same codes whether a
     * method is compiled yet or not, so that outputs do not depend on timing.
     */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> f : FOLDS) {
            v = v.add(v.rearrange(f));
        }
        return v.lane(0);
    }

    @Override
    public float squareDistance(float[] a, int ao, float[] b, int bo, int dim) {
        int n = FLOATS.length();
        int bound4 = dim - dim % (4 * n);
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i < bound4; i += 4 * n) {
            FloatVector d0 = FloatVector.fromArray(FLOATS, a, ao + i).sub(FloatVector.fromArray(FLOATS, b, bo + i));
            FloatVector d1 = FloatVector.fromArray(FLOATS, a, ao + i + n)
                    .sub(FloatVector.fromArray(FLOATS, b, bo + i + n));
            FloatVector d2 = FloatVector.fromArray(FLOATS, a, ao + i + 2 * n)
                    .sub(FloatVector.fromArray(FLOATS, b, bo + i + 2 * n));
            FloatVector d3 = FloatVector.fromArray(FLOATS, a, ao + i + 3 * n)
                    .sub(FloatVector.fromArray(FLOATS, b, bo + i + 3 * n));
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
            s2 = d2.fma(d2, s2);
            s3 = d3.fma(d3, s3);
        }
        int bound = FLOATS.loopBound(dim);
        for (; i < bound; i += n) {
            FloatVector d = FloatVector.fromArray(FLOATS, a, ao + i).sub(FloatVector.fromArray(FLOATS, b, bo + i));
            s0 = d.fma(d, s0);
        }
        float s = sum(s0.add(s1).add(s2.add(s3)));
        for (; i < dim; i++) {
            float d = a[ao + i] - b[bo + i];
            s += d * d;
        }
        return s;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int dim) {
        int n = FLOATS.length();
        int bound4 = dim - dim % (4 * n);
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i < bound4; i += 4 * n) {
            s0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
            s1 = FloatVector.fromArray(FLOATS, a, ao + i + n).fma(FloatVector.fromArray(FLOATS, b, bo + i + n), s1);
            s2 = FloatVector.fromArray(FLOATS, a, ao + i + 2 * n)
                    .fma(FloatVector.fromArray(FLOATS, b, bo + i + 2 * n), s2);
            s3 = FloatVector.fromArray(FLOATS, a, ao + i + 3 * n)
                    .fma(FloatVector.fromArray(FLOATS, b, bo + i + 3 * n), s3);
        }
        int bound = FLOATS.loopBound(dim);
        for (; i < bound; i += n) {
            s0 = FloatVector.fromArray(FLOATS, a, ao + i).fma(FloatVector.fromArray(FLOATS, b, bo + i), s0);
        }
        float s = sum(s0.add(s1).add(s2.add(s3)));
        for (; i < dim; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public void dot4x2(float[] queries, int q0, float[] b, int bo0, int bo1, int dim, float[] out) {
        // Eight accumulators: each step loads two base vectors and four query vectors for eight FMAs (one vector
        // at a time loaded five for four). Each pair has its own accumulator, so a vector's products are the same
        // whatever the other vector is.
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        int n = FLOATS.length();
        int bound = FLOATS.loopBound(dim);
        int q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
        int i = 0;
        for (; i < bound; i += n) {
            FloatVector x = FloatVector.fromArray(FLOATS, b, bo0 + i);
            FloatVector y = FloatVector.fromArray(FLOATS, b, bo1 + i);
            FloatVector a0 = FloatVector.fromArray(FLOATS, queries, q0 + i);
            FloatVector a1 = FloatVector.fromArray(FLOATS, queries, q1 + i);
            FloatVector a2 = FloatVector.fromArray(FLOATS, queries, q2 + i);
            FloatVector a3 = FloatVector.fromArray(FLOATS, queries, q3 + i);
            s0 = a0.fma(x, s0);
            s1 = a1.fma(x, s1);
            s2 = a2.fma(x, s2);
            s3 = a3.fma(x, s3);
            t0 = a0.fma(y, t0);
            t1 = a1.fma(y, t1);
            t2 = a2.fma(y, t2);
            t3 = a3.fma(y, t3);
        }
        float r0 = sum(s0), r1 = sum(s1), r2 = sum(s2), r3 = sum(s3);
        float u0 = sum(t0), u1 = sum(t1), u2 = sum(t2), u3 = sum(t3);
        for (; i < dim; i++) {
            float x = b[bo0 + i], y = b[bo1 + i];
            r0 += queries[q0 + i] * x;
            r1 += queries[q1 + i] * x;
            r2 += queries[q2 + i] * x;
            r3 += queries[q3 + i] * x;
            u0 += queries[q0 + i] * y;
            u1 += queries[q1 + i] * y;
            u2 += queries[q2 + i] * y;
            u3 += queries[q3 + i] * y;
        }
        out[0] = r0;
        out[1] = r1;
        out[2] = r2;
        out[3] = r3;
        out[4] = u0;
        out[5] = u1;
        out[6] = u2;
        out[7] = u3;
    }

    @Override
    public int nearestColumn(float[] q, int qo, float[] cols, int co, int dim, int count, float[] scratch) {
        // The distances of squareDistancesColumnMajor, compared as they are made: each lane keeps its first
        // smallest distance and where it was, so no pass over a distance array and no scalar argmin. The block
        // loop repeats that method's on purpose: calling it and then finding the minimum with vector compares
        // encoded 181-196K PQ16 vectors/s against 199-214K for this (117K MiniLM vectors, 4 runs each).
        int n = FLOATS.length();
        int blocks = count - count % (4 * n);
        if (blocks == 0) {
            return VectorKernels.super.nearestColumn(q, qo, cols, co, dim, count, scratch);
        }
        FloatVector best = FloatVector.broadcast(FLOATS, Float.POSITIVE_INFINITY);
        IntVector bestAt = IntVector.zero(INTS);
        IntVector lanes = IntVector.fromArray(INTS, LANE_INDEX, 0);
        for (int c = 0; c < blocks; c += 4 * n) {
            FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0, o = co + c; j < dim; j++, o += count) {
                FloatVector x = FloatVector.broadcast(FLOATS, q[qo + j]);
                FloatVector d0 = x.sub(FloatVector.fromArray(FLOATS, cols, o));
                FloatVector d1 = x.sub(FloatVector.fromArray(FLOATS, cols, o + n));
                FloatVector d2 = x.sub(FloatVector.fromArray(FLOATS, cols, o + 2 * n));
                FloatVector d3 = x.sub(FloatVector.fromArray(FLOATS, cols, o + 3 * n));
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
                s2 = d2.fma(d2, s2);
                s3 = d3.fma(d3, s3);
            }
            // In column order, and only when strictly smaller: a lane keeps its first minimum.
            VectorMask<Float> m = s0.lt(best);
            best = best.blend(s0, m);
            bestAt = bestAt.blend(lanes.add(c), m.cast(INTS));
            m = s1.lt(best);
            best = best.blend(s1, m);
            bestAt = bestAt.blend(lanes.add(c + n), m.cast(INTS));
            m = s2.lt(best);
            best = best.blend(s2, m);
            bestAt = bestAt.blend(lanes.add(c + 2 * n), m.cast(INTS));
            m = s3.lt(best);
            best = best.blend(s3, m);
            bestAt = bestAt.blend(lanes.add(c + 3 * n), m.cast(INTS));
        }
        float min = best.reduceLanes(VectorOperators.MIN);
        int at = bestAt.blend(Integer.MAX_VALUE, best.compare(VectorOperators.NE, min).cast(INTS))
                .reduceLanes(VectorOperators.MIN);
        if (blocks < count) {
            // The columns after the last whole block, as squareDistancesColumnMajor computes them (it computes
            // all: its stride is the column count; PQ's 256 columns never get here).
            squareDistancesColumnMajor(q, qo, cols, co, dim, count, scratch);
            for (int c = blocks; c < count; c++) {
                if (scratch[c] < min) {
                    min = scratch[c];
                    at = c;
                }
            }
        }
        return at;
    }

    @Override
    public void matVec4(float[] mT, int dim, float[] v, float[] dest) {
        // Lanes run over outputs: two vectors of outputs for four inputs are eight accumulators, and each step of
        // j loads two vectors of M and broadcasts four inputs for eight FMAs, with no horizontal sums. Dot products
        // of rows loaded five vectors per four FMAs and summed every row across lanes.
        int n = FLOATS.length();
        int i = 0;
        for (; i + 2 * n <= dim; i += 2 * n) {
            FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int j = 0, o = i; j < dim; j++, o += dim) {
                FloatVector m0 = FloatVector.fromArray(FLOATS, mT, o);
                FloatVector m1 = FloatVector.fromArray(FLOATS, mT, o + n);
                FloatVector x0 = FloatVector.broadcast(FLOATS, v[j]);
                FloatVector x1 = FloatVector.broadcast(FLOATS, v[dim + j]);
                FloatVector x2 = FloatVector.broadcast(FLOATS, v[2 * dim + j]);
                FloatVector x3 = FloatVector.broadcast(FLOATS, v[3 * dim + j]);
                a0 = m0.fma(x0, a0);
                a1 = m0.fma(x1, a1);
                a2 = m0.fma(x2, a2);
                a3 = m0.fma(x3, a3);
                b0 = m1.fma(x0, b0);
                b1 = m1.fma(x1, b1);
                b2 = m1.fma(x2, b2);
                b3 = m1.fma(x3, b3);
            }
            a0.intoArray(dest, i);
            a1.intoArray(dest, dim + i);
            a2.intoArray(dest, 2 * dim + i);
            a3.intoArray(dest, 3 * dim + i);
            b0.intoArray(dest, i + n);
            b1.intoArray(dest, dim + i + n);
            b2.intoArray(dest, 2 * dim + i + n);
            b3.intoArray(dest, 3 * dim + i + n);
        }
        for (; i < dim; i++) {
            float y0 = 0, y1 = 0, y2 = 0, y3 = 0;
            for (int j = 0; j < dim; j++) {
                float m = mT[j * dim + i];
                y0 = Math.fma(m, v[j], y0);
                y1 = Math.fma(m, v[dim + j], y1);
                y2 = Math.fma(m, v[2 * dim + j], y2);
                y3 = Math.fma(m, v[3 * dim + j], y3);
            }
            dest[i] = y0;
            dest[dim + i] = y1;
            dest[2 * dim + i] = y2;
            dest[3 * dim + i] = y3;
        }
    }

    @Override
    public void pqTables(float[] q, int qo, float[] cols, int m, int dsub, int ksub, float[] out) {
        // One call for all sub-spaces: 4-bit PQ has 16 sub-centroids, one or two vectors of lanes, and a call per
        // sub-space cost more than its dozen FMAs.
        int n = FLOATS.length();
        if (ksub % n != 0) {
            VectorKernels.super.pqTables(q, qo, cols, m, dsub, ksub, out);
            return;
        }
        for (int j = 0; j < m; j++) {
            int base = j * ksub * dsub, qj = qo + j * dsub;
            for (int c = 0; c < ksub; c += n) {
                FloatVector s0 = FloatVector.zero(FLOATS);
                for (int i = 0, o = base + c; i < dsub; i++, o += ksub) {
                    FloatVector d0 = FloatVector.broadcast(FLOATS, q[qj + i]).sub(FloatVector.fromArray(FLOATS, cols, o));
                    s0 = d0.fma(d0, s0);
                }
                s0.intoArray(out, j * ksub + c);
            }
        }
    }

    @Override
    public void squareDistancesColumnMajor(float[] q, int qo, float[] cols, int co, int dim, int count, float[] out) {
        int n = FLOATS.length();
        int c = 0;
        // Four vectors of lanes at a time: four independent FMA chains over the dimensions.
        for (; c + 4 * n <= count; c += 4 * n) {
            FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0, o = co + c; j < dim; j++, o += count) {
                FloatVector x = FloatVector.broadcast(FLOATS, q[qo + j]);
                FloatVector d0 = x.sub(FloatVector.fromArray(FLOATS, cols, o));
                FloatVector d1 = x.sub(FloatVector.fromArray(FLOATS, cols, o + n));
                FloatVector d2 = x.sub(FloatVector.fromArray(FLOATS, cols, o + 2 * n));
                FloatVector d3 = x.sub(FloatVector.fromArray(FLOATS, cols, o + 3 * n));
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
                s2 = d2.fma(d2, s2);
                s3 = d3.fma(d3, s3);
            }
            s0.intoArray(out, c);
            s1.intoArray(out, c + n);
            s2.intoArray(out, c + 2 * n);
            s3.intoArray(out, c + 3 * n);
        }
        for (; c + n <= count; c += n) {
            FloatVector s0 = FloatVector.zero(FLOATS);
            for (int j = 0, o = co + c; j < dim; j++, o += count) {
                FloatVector d0 = FloatVector.broadcast(FLOATS, q[qo + j]).sub(FloatVector.fromArray(FLOATS, cols, o));
                s0 = d0.fma(d0, s0);
            }
            s0.intoArray(out, c);
        }
        for (; c < count; c++) {
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
        // Table look-ups are gathers, which AVX2 does no faster than scalar loads; four codes at a time give the
        // out-of-order core four independent chains of loads and adds.
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            int c0 = codeOffset + i * m, c1 = c0 + m, c2 = c1 + m, c3 = c2 + m;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int j = 0, t = 0; j < m; j++, t += ksub) {
                s0 += lut[t + (codes[c0 + j] & 0xFF)];
                s1 += lut[t + (codes[c1 + j] & 0xFF)];
                s2 += lut[t + (codes[c2 + j] & 0xFF)];
                s3 += lut[t + (codes[c3 + j] & 0xFF)];
            }
            out[i] = s0;
            out[i + 1] = s1;
            out[i + 2] = s2;
            out[i + 3] = s3;
        }
        for (; i < count; i++) {
            int c = codeOffset + i * m;
            float s = 0;
            for (int j = 0; j < m; j++) {
                s += lut[j * ksub + (codes[c + j] & 0xFF)];
            }
            out[i] = s;
        }
    }

    @Override
    public long pqBlockAtMost(byte[] lut, int m, byte[] blocks, int off, int threshold) {
        // A 256-entry table does not fit in registers, but a two-table permute (vpermi2b on AVX-512 VBMI) looks
        // up 2 * lanes entries for every lane at once: with 64 lanes two permutes and a blend by the code's top
        // bit cover the table, with 32 lanes four and three blends. Sums go into shorts, even and odd byte lanes
        // apart, so a block costs about m * 10 instructions instead of 64 * m scalar look-ups.
        int n = LUT_BYTES.length();
        if (n > PQ_BLOCK) {
            return scalar.pqBlockAtMost(lut, m, blocks, off, threshold);
        }
        int pairs = 256 / (2 * n);
        int pairShift = Integer.numberOfTrailingZeros(2 * n);
        short limit = (short) Math.clamp(threshold, -1, Short.MAX_VALUE);
        long mask = 0;
        for (int v = 0; v < PQ_BLOCK; v += n) {
            ShortVector even = ShortVector.zero(LUT_SHORTS), odd = even;
            for (int j = 0; j < m; j++) {
                ByteVector c = ByteVector.fromArray(LUT_BYTES, blocks, off + j * PQ_BLOCK + v);
                ShortVector s = lookup(lut, j * 256, c, pairs, pairShift).reinterpretAsShorts();
                even = even.add(s.and((short) 0xFF));
                odd = odd.add(s.lanewise(VectorOperators.LSHR, 8));
            }
            // Even byte lanes hold codes v/2.., odd ones codes 32 + v/2.. (the layout interleaves the halves).
            mask |= even.compare(VectorOperators.LE, limit).toLong() << (v / 2)
                    | odd.compare(VectorOperators.LE, limit).toLong() << (PQ_BLOCK / 2 + v / 2);
        }
        return mask;
    }

    /** Block positions of codes 0..31 (even) and 32..63 (odd), for {@link #pq4BlockAtMost}'s mask. */
    private static final long EVEN_LANES = 0x5555555555555555L;

    @Override
    public long pq4BlockAtMost(byte[] tables, int m, byte[] blocks, int off, int threshold) {
        // Per code byte and 64 codes (AVX-512 VBMI): a shift brings the high nibbles down, two vpermb look them
        // up in the two 16-entry tables, and one add and one saturating add (vpaddusb) sum them: 5 instructions.
        // No nibble masks: selectFrom wraps indexes to the vector's length, and the tables repeat their 16 entries.
        if (threshold >= 255) {
            return -1L;
        }
        if (threshold < 0) {
            return 0;
        }
        int n = LUT_BYTES.length();
        if (n > PQ4_TABLE) {
            return scalar.pq4BlockAtMost(tables, m, blocks, off, threshold);
        }
        byte limit = (byte) threshold;
        long positions = 0;
        for (int v = 0; v < PQ_BLOCK; v += n) {
            ByteVector sum = ByteVector.zero(LUT_BYTES);
            for (int b = 0; b < m / 2; b++) {
                ByteVector c = ByteVector.fromArray(LUT_BYTES, blocks, off + b * PQ_BLOCK + v);
                ByteVector lo = c.selectFrom(ByteVector.fromArray(LUT_BYTES, tables, 2 * b * PQ4_TABLE));
                // High nibbles by a shift of 16-bit lanes: the Vector API has no byte shift on x86, and emulates it.
                ByteVector hi = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(
                        ByteVector.fromArray(LUT_BYTES, tables, (2 * b + 1) * PQ4_TABLE));
                sum = sum.lanewise(VectorOperators.SUADD, lo.add(hi));
            }
            positions |= sum.compare(VectorOperators.ULE, limit).toLong() << v;
        }
        return codeOrder(positions);
    }

    @Override
    public void pq4BlockSums(byte[] tables, int m, byte[] blocks, int off, byte[] sums, int sumsOff) {
        // pq4BlockAtMost's loop, storing the sums: written out again, as vectors passed to a shared helper are boxed.
        int n = LUT_BYTES.length();
        if (n > PQ4_TABLE) {
            scalar.pq4BlockSums(tables, m, blocks, off, sums, sumsOff);
            return;
        }
        for (int v = 0; v < PQ_BLOCK; v += n) {
            ByteVector sum = ByteVector.zero(LUT_BYTES);
            for (int b = 0; b < m / 2; b++) {
                ByteVector c = ByteVector.fromArray(LUT_BYTES, blocks, off + b * PQ_BLOCK + v);
                ByteVector lo = c.selectFrom(ByteVector.fromArray(LUT_BYTES, tables, 2 * b * PQ4_TABLE));
                ByteVector hi = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                        .selectFrom(ByteVector.fromArray(LUT_BYTES, tables, (2 * b + 1) * PQ4_TABLE));
                sum = sum.lanewise(VectorOperators.SUADD, lo.add(hi));
            }
            sum.intoArray(sums, sumsOff + v);
        }
    }

    @Override
    public void pq4BlocksAtMost(byte[] tables, int m, byte[] blocks, int off, int threshold, long[] masks,
                                byte[] sums) {
        // One block is a single vector with 64 lanes (AVX-512 VBMI): the four blocks' sums stay in registers while
        // each pair of tables is loaded once for all four, which takes two of every three loads out of the loop.
        if (LUT_BYTES.length() != PQ_BLOCK || threshold < 0 || threshold >= 255) {
            VectorKernels.super.pq4BlocksAtMost(tables, m, blocks, off, threshold, masks, sums);
            return;
        }
        int stride = PQ_BLOCK * (m / 2);
        // Written out, not through a helper taking vectors: a helper that C2 leaves out of line boxes them, tens
        // of times slower. No nibble masks: selectFrom wraps indexes to the vector's length, and each table holds
        // its 16 entries repeated to that length, so the bits above a nibble select the same entry.
        ByteVector s0 = ByteVector.zero(LUT_BYTES), s1 = s0, s2 = s0, s3 = s0;
        for (int b = 0, o = off; b < m / 2; b++, o += PQ_BLOCK) {
            ByteVector lo = ByteVector.fromArray(LUT_BYTES, tables, 2 * b * PQ4_TABLE);
            ByteVector hi = ByteVector.fromArray(LUT_BYTES, tables, (2 * b + 1) * PQ4_TABLE);
            ByteVector c0 = ByteVector.fromArray(LUT_BYTES, blocks, o);
            ByteVector c1 = ByteVector.fromArray(LUT_BYTES, blocks, o + stride);
            ByteVector c2 = ByteVector.fromArray(LUT_BYTES, blocks, o + 2 * stride);
            ByteVector c3 = ByteVector.fromArray(LUT_BYTES, blocks, o + 3 * stride);
            s0 = s0.lanewise(VectorOperators.SUADD, c0.selectFrom(lo)
                    .add(c0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(hi)));
            s1 = s1.lanewise(VectorOperators.SUADD, c1.selectFrom(lo)
                    .add(c1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(hi)));
            s2 = s2.lanewise(VectorOperators.SUADD, c2.selectFrom(lo)
                    .add(c2.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(hi)));
            s3 = s3.lanewise(VectorOperators.SUADD, c3.selectFrom(lo)
                    .add(c3.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().selectFrom(hi)));
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, PQ_BLOCK);
        s2.intoArray(sums, 2 * PQ_BLOCK);
        s3.intoArray(sums, 3 * PQ_BLOCK);
        byte limit = (byte) threshold;
        masks[0] = codeOrder(s0.compare(VectorOperators.ULE, limit).toLong());
        masks[1] = codeOrder(s1.compare(VectorOperators.ULE, limit).toLong());
        masks[2] = codeOrder(s2.compare(VectorOperators.ULE, limit).toLong());
        masks[3] = codeOrder(s3.compare(VectorOperators.ULE, limit).toLong());
    }

    @Override
    public void sqCodes(float[] v, int off, float[] vmin, float[] vdiff, int levels, byte[] codes, int codesOff,
                        int dim) {
        int n = FLOATS.length();
        if (BYTES == null) {
            VectorKernels.super.sqCodes(v, off, vmin, vdiff, levels, codes, codesOff, dim);
            return;
        }
        int j = 0;
        for (; j + n <= dim; j += n) {
            FloatVector diff = FloatVector.fromArray(FLOATS, vdiff, j);
            FloatVector t = FloatVector.fromArray(FLOATS, v, off + j).sub(FloatVector.fromArray(FLOATS, vmin, j))
                    .div(diff).max(0f).min(1f);
            // In float for 15 levels too (FAISS: double): a float product can only round up to an integer from t
            // within a few ulps below n / 15, and none of those does (KernelsTest.sqCodesAgree tries them all).
            IntVector c = (IntVector) t.mul((float) levels).convert(VectorOperators.F2I, 0);
            c = c.blend(0, diff.eq(0f).cast(INTS));
            ((ByteVector) c.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(codes, codesOff + j);
        }
        for (; j < dim; j++) {
            codes[codesOff + j] = (byte) VectorKernels.sqCode(v[off + j], vmin[j], vdiff[j], levels);
        }
    }

    /** Bytes as many as {@link #FLOATS} has lanes, for narrowing floats. */
    private static final VectorSpecies<Byte> NARROW_BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, FLOATS.length() * 8)));

    @Override
    public void pq4Tables(float[] lut, float[] min, int m, float scale, byte[] tables) {
        int n = FLOATS.length();
        if (n < 8 || n > 16) {
            VectorKernels.super.pq4Tables(lut, min, m, scale, tables);
            return;
        }
        for (int j = 0; j < m; j++) {
            int t = j * PQ4_TABLE;
            for (int c = 0; c < 16; c += n) {
                FloatVector q = FloatVector.fromArray(FLOATS, lut, j * 16 + c).sub(min[j]).mul(scale).add(0.5f)
                        .max(0f).min(127f);
                ByteVector b = (ByteVector) q.convertShape(VectorOperators.F2B, NARROW_BYTES, 0);
                b.intoArray(tables, t + c);
                b.intoArray(tables, t + 16 + c);
                b.intoArray(tables, t + 32 + c);
                b.intoArray(tables, t + 48 + c);
            }
        }
    }

    /** Block positions to code order: position 2i holds code i, 2i + 1 code 32 + i. */
    private static long codeOrder(long positions) {
        return Long.compress(positions, EVEN_LANES) | Long.compress(positions, ~EVEN_LANES) << 32;
    }

    /** {@code lut[t + u8(c)]} in every lane, by two-table permutes (see {@link #pqBlockAtMost}). */
    private static ByteVector lookup(byte[] lut, int t, ByteVector c, int pairs, int pairShift) {
        int n = LUT_BYTES.length();
        ByteVector x = c.selectFrom(ByteVector.fromArray(LUT_BYTES, lut, t), ByteVector.fromArray(LUT_BYTES, lut, t + n));
        if (pairs == 2) {
            ByteVector y = c.selectFrom(ByteVector.fromArray(LUT_BYTES, lut, t + 2 * n),
                    ByteVector.fromArray(LUT_BYTES, lut, t + 3 * n));
            return x.blend(y, c.lt((byte) 0));
        }
        ByteVector pair = c.lanewise(VectorOperators.LSHR, pairShift);
        for (int p = 1; p < pairs; p++) {
            ByteVector y = c.selectFrom(ByteVector.fromArray(LUT_BYTES, lut, t + 2 * p * n),
                    ByteVector.fromArray(LUT_BYTES, lut, t + (2 * p + 1) * n));
            x = x.blend(y, pair.eq((byte) p));
        }
        return x;
    }

    @Override
    public void pqBlockSums(byte[] lut, int m, byte[] blocks, int off, short[] out, int outOff) {
        int n = LUT_BYTES.length();
        if (n > PQ_BLOCK) {
            scalar.pqBlockSums(lut, m, blocks, off, out, outOff);
            return;
        }
        int pairs = 256 / (2 * n);
        int pairShift = Integer.numberOfTrailingZeros(2 * n);
        for (int v = 0; v < PQ_BLOCK; v += n) {
            // Even byte lanes hold codes v/2.., odd ones codes 32 + v/2.. (the layout interleaves the halves), so
            // the two short accumulators are runs of consecutive codes.
            ShortVector even = ShortVector.zero(LUT_SHORTS), odd = even;
            for (int j = 0; j < m; j++) {
                ByteVector c = ByteVector.fromArray(LUT_BYTES, blocks, off + j * PQ_BLOCK + v);
                ShortVector s = lookup(lut, j * 256, c, pairs, pairShift).reinterpretAsShorts();
                even = even.add(s.and((short) 0xFF));
                odd = odd.add(s.lanewise(VectorOperators.LSHR, 8));
            }
            even.intoArray(out, outOff + v / 2);
            odd.intoArray(out, outOff + PQ_BLOCK / 2 + v / 2);
        }
    }

    @Override
    public void multiply(float[] x, int xo, float[] m, int mo, int n) {
        int lanes = FLOATS.length();
        int i = 0;
        for (; i <= n - lanes; i += lanes) {
            FloatVector.fromArray(FLOATS, x, xo + i).mul(FloatVector.fromArray(FLOATS, m, mo + i))
                    .intoArray(x, xo + i);
        }
        for (; i < n; i++) {
            x[xo + i] *= m[mo + i];
        }
    }

    @Override
    public void butterfly(float[] x, int off, int h, float c) {
        int lanes = FLOATS.length();
        int i = off;
        for (; i <= off + h - lanes; i += lanes) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, i);
            FloatVector b = FloatVector.fromArray(FLOATS, x, i + h);
            a.add(b).mul(c).intoArray(x, i);
            a.sub(b).mul(c).intoArray(x, i + h);
        }
        for (; i < off + h; i++) {
            float a = x[i], b = x[i + h];
            x[i] = (a + b) * c;
            x[i + h] = (a - b) * c;
        }
    }

    /** For the stages of {@link #hadamard} inside a vector: each lane's partner, lane ^ h, and the upper lanes. */
    private static final VectorShuffle<Float> PARTNER1 = partner(1), PARTNER2 = partner(2), PARTNER4 = partner(4),
            PARTNER8 = partner(8);
    private static final VectorMask<Float> UPPER1 = upper(1), UPPER2 = upper(2), UPPER4 = upper(4), UPPER8 = upper(8);

    private static VectorShuffle<Float> partner(int h) {
        return h < FLOATS.length() ? VectorShuffle.fromOp(FLOATS, i -> i ^ h) : null;
    }

    private static VectorMask<Float> upper(int h) {
        boolean[] bits = new boolean[FLOATS.length()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (i & h) != 0;
        }
        return VectorMask.fromArray(FLOATS, bits, 0);
    }

    /** One stage inside a vector: the sum in the lower lane of each pair, partner minus self in the upper. */
    private static FloatVector stage(FloatVector a, VectorShuffle<Float> partner, VectorMask<Float> upper) {
        FloatVector p = a.rearrange(partner);
        return a.add(p).blend(p.sub(a), upper);
    }

    @Override
    public void hadamard(float[] x, int off, int n) {
        int lanes = FLOATS.length();
        if (n < lanes || (lanes != 8 && lanes != 16)) {
            VectorKernels.super.hadamard(x, off, n);
            return;
        }
        // The stages h < lanes inside each vector (x_j - x_{j+h} is partner minus self in the upper lanes).
        for (int v = off; v < off + n; v += lanes) {
            FloatVector a = FloatVector.fromArray(FLOATS, x, v);
            a = stage(stage(stage(a, PARTNER1, UPPER1), PARTNER2, UPPER2), PARTNER4, UPPER4);
            if (lanes == 16) {
                a = stage(a, PARTNER8, UPPER8);
            }
            a.intoArray(x, v);
        }
        for (int h = lanes; h < n; h <<= 1) {
            for (int i = off; i < off + n; i += 2 * h) {
                for (int j = i; j < i + h; j += lanes) {
                    FloatVector a = FloatVector.fromArray(FLOATS, x, j);
                    FloatVector b = FloatVector.fromArray(FLOATS, x, j + h);
                    a.add(b).intoArray(x, j);
                    a.sub(b).intoArray(x, j + h);
                }
            }
        }
    }

    /** Shorts as many as {@link #FLOATS} has lanes, for widening to floats. */
    private static final VectorSpecies<Short> WIDE_SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.length() * 16));

    @Override
    public long bitEstimatesAtMost(short[] w, float[] values, int off, int span, float[] query, float bound,
                                   float[] out) {
        int n = FLOATS.length();
        if (n < 8) {
            return VectorKernels.super.bitEstimatesAtMost(w, values, off, span, query, bound, out);
        }
        float negQNorm = -query[0], qNorm2 = query[1], twoLo = query[2], twoDelta = query[3], negSumQ = -query[4];
        long hits = 0;
        for (int i = 0; i < PQ_BLOCK; i += n) {
            FloatVector wf = (FloatVector) ShortVector.fromArray(WIDE_SHORTS, w, i)
                    .convertShape(VectorOperators.S2F, FLOATS, 0);
            FloatVector a = FloatVector.fromArray(FLOATS, values, off + i);
            FloatVector b = FloatVector.fromArray(FLOATS, values, off + span + i);
            FloatVector o = FloatVector.fromArray(FLOATS, values, off + 2 * span + i);
            FloatVector t = wf.fma(FloatVector.broadcast(FLOATS, twoDelta), o.fma(twoLo, negSumQ));
            FloatVector d = b.mul(negQNorm).fma(t, a.add(qNorm2));
            d.intoArray(out, i);
            hits |= d.compare(VectorOperators.LE, bound).toLong() << i;
        }
        return hits;
    }

    @Override
    public long saqBlockAtMost(short[][] w, float[] values, int off, float[] factors, int segments, float qq,
                               float bound) {
        int n = FLOATS.length();
        if (n < 8) {
            return VectorKernels.super.saqBlockAtMost(w, values, off, factors, segments, qq, bound);
        }
        long hits = 0;
        for (int i = 0; i < PQ_BLOCK; i += n) {
            FloatVector norm = FloatVector.fromArray(FLOATS, values, off + i).add(qq);
            FloatVector lower = norm, spread = FloatVector.zero(FLOATS);
            for (int s = 0; s < segments; s++) {
                FloatVector wf = (FloatVector) ShortVector.fromArray(WIDE_SHORTS, w[s], i)
                        .convertShape(VectorOperators.S2F, FLOATS, 0);
                FloatVector alpha = FloatVector.fromArray(FLOATS, values, off + (1 + 2 * s) * PQ_BLOCK + i);
                FloatVector e = FloatVector.fromArray(FLOATS, values, off + (2 + 2 * s) * PQ_BLOCK + i)
                        .mul(factors[4 * s + 3]);
                FloatVector t = wf.fma(FloatVector.broadcast(FLOATS, factors[4 * s]),
                        FloatVector.broadcast(FLOATS, factors[4 * s + 1]));
                lower = lower.sub(alpha.fma(t, alpha.abs().mul(factors[4 * s + 2])));
                spread = e.fma(e, spread);
            }
            FloatVector d = lower.sub(spread.sqrt()).sub(norm.mul(1e-5f));
            hits |= d.compare(VectorOperators.LE, bound).toLong() << i;
        }
        return hits;
    }

    private static FloatVector widen(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0)
                .convert(VectorOperators.I2F, 0);
    }

    @Override
    public float u8SquareDistance(float[] q, float[] step, byte[] codes, int off, int dim) {
        if (BYTES == null) {
            return scalar.u8SquareDistance(q, step, codes, off, dim);
        }
        int n = FLOATS.length();
        int bound2 = dim - dim % (2 * n);
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
        int i = 0;
        for (; i < bound2; i += 2 * n) {
            FloatVector c0 = widen(ByteVector.fromArray(BYTES, codes, off + i));
            FloatVector c1 = widen(ByteVector.fromArray(BYTES, codes, off + i + n));
            FloatVector d0 = c0.neg().fma(FloatVector.fromArray(FLOATS, step, i), FloatVector.fromArray(FLOATS, q, i));
            FloatVector d1 = c1.neg().fma(FloatVector.fromArray(FLOATS, step, i + n),
                    FloatVector.fromArray(FLOATS, q, i + n));
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
        }
        float s = sum(s0.add(s1));
        for (; i < dim; i++) {
            float d = q[i] - step[i] * (codes[off + i] & 0xFF);
            s += d * d;
        }
        return s;
    }

    @Override
    public void u8Dot2(float[] w, byte[] codes, int off0, int off1, int dim, float[] out) {
        if (BYTES == null) {
            VectorKernels.super.u8Dot2(w, codes, off0, off1, dim, out);
            return;
        }
        // A widen and an FMA per code and vector of dimensions, the weights loaded once for both codes: a third
        // fewer instructions than the squared distance's.
        int n = FLOATS.length();
        int bound2 = dim - dim % (2 * n);
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, t0 = s0, t1 = s0;
        int i = 0;
        for (; i < bound2; i += 2 * n) {
            FloatVector w0 = FloatVector.fromArray(FLOATS, w, i), w1 = FloatVector.fromArray(FLOATS, w, i + n);
            s0 = widen(ByteVector.fromArray(BYTES, codes, off0 + i)).fma(w0, s0);
            s1 = widen(ByteVector.fromArray(BYTES, codes, off0 + i + n)).fma(w1, s1);
            t0 = widen(ByteVector.fromArray(BYTES, codes, off1 + i)).fma(w0, t0);
            t1 = widen(ByteVector.fromArray(BYTES, codes, off1 + i + n)).fma(w1, t1);
        }
        float s = sum(s0.add(s1)), t = sum(t0.add(t1));
        for (; i < dim; i++) {
            s += w[i] * (codes[off0 + i] & 0xFF);
            t += w[i] * (codes[off1 + i] & 0xFF);
        }
        out[0] = s;
        out[1] = t;
    }

    @Override
    public float u4SquareDistance(float[] qEven, float[] stepEven, float[] qOdd, float[] stepOdd, byte[] codes,
                                  int off, int bytes) {
        if (BYTES == null) {
            return scalar.u4SquareDistance(qEven, stepEven, qOdd, stepOdd, codes, off, bytes);
        }
        int n = FLOATS.length();
        int bound = bytes - bytes % n;
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
        int j = 0;
        for (; j < bound; j += n) {
            ByteVector b = ByteVector.fromArray(BYTES, codes, off + j);
            FloatVector lo = widen(b.lanewise(VectorOperators.AND, (byte) 0x0F));
            FloatVector hi = widen(b.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (byte) 0x0F));
            FloatVector d0 = lo.neg().fma(FloatVector.fromArray(FLOATS, stepEven, j),
                    FloatVector.fromArray(FLOATS, qEven, j));
            FloatVector d1 = hi.neg().fma(FloatVector.fromArray(FLOATS, stepOdd, j),
                    FloatVector.fromArray(FLOATS, qOdd, j));
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
        }
        float s = sum(s0.add(s1));
        for (; j < bytes; j++) {
            int b = codes[off + j];
            float lo = qEven[j] - stepEven[j] * (b & 0x0F);
            float hi = qOdd[j] - stepOdd[j] * ((b >>> 4) & 0x0F);
            s += lo * lo + hi * hi;
        }
        return s;
    }

    @Override
    public float u4Dot(float[] wEven, float[] wOdd, byte[] codes, int off, int bytes) {
        if (BYTES == null) {
            return scalar.u4Dot(wEven, wOdd, codes, off, bytes);
        }
        int n = FLOATS.length();
        int bound = bytes - bytes % n;
        FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0;
        int j = 0;
        for (; j < bound; j += n) {
            ByteVector b = ByteVector.fromArray(BYTES, codes, off + j);
            FloatVector lo = widen(b.lanewise(VectorOperators.AND, (byte) 0x0F));
            FloatVector hi = widen(b.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.AND, (byte) 0x0F));
            s0 = lo.fma(FloatVector.fromArray(FLOATS, wEven, j), s0);
            s1 = hi.fma(FloatVector.fromArray(FLOATS, wOdd, j), s1);
        }
        float s = sum(s0.add(s1));
        for (; j < bytes; j++) {
            int b = codes[off + j];
            s += wEven[j] * (b & 0x0F) + wOdd[j] * ((b >>> 4) & 0x0F);
        }
        return s;
    }

    @Override
    public int andPopcount(long[] a, int ao, long[] b, int bo, int words) {
        // Codes are a few words (384 bits = 6 longs); scalar popcnt is one instruction per word and beats
        // assembling a vector for so few lanes.
        return scalar.andPopcount(a, ao, b, bo, words);
    }

    @Override
    public int xorPopcount(long[] a, int ao, long[] b, int bo, int words) {
        return scalar.xorPopcount(a, ao, b, bo, words);
    }

    @Override
    public int indicesAbove(MemorySegment s, long offset, int n, float threshold, int[] out) {
        int lanes = FLOATS.length();
        int c = 0;
        int i = 0;
        for (; i <= n - lanes; i += lanes) {
            VectorMask<Float> above = FloatVector.fromMemorySegment(FLOATS, s, offset + 4L * i, NATIVE)
                    .compare(VectorOperators.GT, threshold);
            if (above.anyTrue()) {
                for (long bits = above.toLong(); bits != 0; bits &= bits - 1) {
                    out[c++] = i + Long.numberOfTrailingZeros(bits);
                }
            }
        }
        for (; i < n; i++) {
            if (s.get(FLOAT, offset + 4L * i) > threshold) {
                out[c++] = i;
            }
        }
        return c;
    }

    @Override
    public double sumExp(MemorySegment s, long offset, int n, float shift) {
        int lanes = FLOATS.length();
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= n - lanes; i += lanes) {
            acc = acc.add(exp(FloatVector.fromMemorySegment(FLOATS, s, offset + 4L * i, NATIVE).sub(shift)));
        }
        double sum = sum(acc);
        for (; i < n; i++) {
            sum += Math.exp(s.get(FLOAT, offset + 4L * i) - shift);
        }
        return sum;
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 in two parts (Cody and Waite): n * LN2_HI is exact for the n that occur here. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude under 2^22 to the nearest integer. */
    private static final float ROUNDER = 12582912f;
    private static final float[] EXP_POLYNOMIAL = {8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f,
        5.0000001201e-1f};

    /**
     * exp of each lane, within 2 ulps for lanes in [-87, 88] (lanes below give about 1.6e-38). Built from add, mul,
     * fma and conversions only, which round the same in the interpreter as in compiled code: the Vector API's
     * {@code EXP} is a per-lane {@code Math.exp} until the method is compiled and an approximation after, and a
     * logits cache must not depend on when the compiler ran (Cephes' expf polynomial on |r| <= ln2 / 2).
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87f).min(88f);
        FloatVector n = x.fma(LOG2E, ROUNDER).sub(ROUNDER);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        for (float c : EXP_POLYNOMIAL) {
            p = p.fma(r, x.broadcast(c));
        }
        p = p.mul(r).fma(r, r).add(1f);
        // 2^n: n + 127 in the exponent bits.
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    @Override
    public String name() {
        return "panama-" + FLOATS.vectorBitSize();
    }
}
