package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RaBitQ (Gao and Long, SIGMOD 2024): each vector's offset from the data centroid is normalized, turned by a
 * random orthogonal rotation P (a {@link HadamardRotation}; codebooks of earlier versions hold a dense one), and
 * stored as one bit per dimension (its sign) plus two floats: the offset's norm and {@code <x, u>}, the cosine
 * between the unit vector u and its code x. The estimator {@code <u, q> ~ <x, q> / <x, u>} is unbiased over the
 * random rotation, with an error of order {@code 1/sqrt(dim)}; queries are quantized to 4 bits so that
 * {@code <x, q>} is an integer sum over the code's set bits, found with byte look-up tables over 64 codes at a
 * time (see {@link BitScorer}). With {@code bits = 4} (the extended RaBitQ of Gao et al. 2025) each rotated value
 * is a 4-bit grid point instead of a sign, at the per-vector scale that maximizes {@code <x, u>}; the same estimator
 * then uses a 4-bit dot product. On the 117K 384-d MiniLM benchmark: 1 bit is 56 bytes and recall@10 0.637 (0.990
 * re-ranking 100); 4 bits is 204 bytes (the 4-bit values, then three floats) and 0.939.
 */
public final class RaBitQuantizer implements Quantizer {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    /** Candidate scales (as grid steps for the largest rotated value) tried for extended codes. */
    private static final int SCALE_STEPS = 41;

    private final int dim;
    private final int bits;
    private final float[] centroid;
    private final OrthogonalMap rotation;
    private final int words;
    private final int payload;
    /** Bytes of a code: the payload, then norm and {@code <x, u>} (and, with 4 bits, {@code <sign(u), u>}). */
    private final int stride;

    RaBitQuantizer(int dim, int bits, float[] centroid, OrthogonalMap rotation) {
        this.dim = dim;
        this.bits = bits;
        this.centroid = centroid;
        this.rotation = rotation;
        this.words = (dim + 63) / 64;
        this.payload = bits == 1 ? words * 8 : (dim + 1) / 2;
        this.stride = payload + (bits == 1 ? 8 : 12);
    }

    public static RaBitQuantizer train(float[] data, int n, int dim, int bits, long seed) {
        if (bits != 1 && bits != 4) {
            throw SluiceException.usage("--bits must be 1 or 4 for rabitq, got " + bits);
        }
        double[] sum = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                sum[j] += data[i * dim + j];
            }
        }
        float[] c = new float[dim];
        for (int j = 0; j < dim; j++) {
            c[j] = (float) (sum[j] / Math.max(n, 1));
        }
        return new RaBitQuantizer(dim, bits, c, HadamardRotation.random(dim, seed));
    }

    @Override
    public String method() {
        return "rabitq";
    }

    @Override
    public int dim() {
        return dim;
    }

    public int bits() {
        return bits;
    }

    @Override
    public int codeBytes() {
        return stride;
    }

    /** The rotated unit offset of v from the centroid into {@code u}; returns the offset's norm. */
    private float rotatedUnit(float[] v, int off, float[] tmp, float[] u) {
        for (int j = 0; j < dim; j++) {
            tmp[j] = v[off + j] - centroid[j];
        }
        float norm = (float) Math.sqrt(Kernels.get().dot(tmp, 0, tmp, 0, dim));
        if (norm > 0) {
            for (int j = 0; j < dim; j++) {
                tmp[j] /= norm;
            }
        }
        rotation.apply(tmp, 0, u, 0);
        return norm;
    }

    @Override
    public void encodeTo(float[] v, int off, byte[] dest, int destOff) {
        encodeBatch(v, off, 1, dest, destOff);
    }

    /**
     * Four vectors at a time: their unit offsets are rotated together ({@link OrthogonalMap#apply4}: a dense rotation
     * of earlier codebooks reads each of its rows once for four); a short last group repeats its last vector.
     */
    @Override
    public void encodeBatch(float[] v, int off, int n, byte[] dest, int destOff) {
        float[] units = new float[4 * dim];
        float[] rotated = new float[4 * dim];
        float[] norms = new float[4];
        float[] u = new float[dim];
        var kern = Kernels.get();
        for (int first = 0; first < n; first += 4) {
            for (int l = 0; l < 4; l++) {
                int at = off + Math.min(first + l, n - 1) * dim;
                for (int j = 0; j < dim; j++) {
                    units[l * dim + j] = v[at + j] - centroid[j];
                }
                float norm = (float) Math.sqrt(kern.dot(units, l * dim, units, l * dim, dim));
                if (norm > 0) {
                    // A multiply, not a division per value (the codes take only signs and ratios of these).
                    float inverse = 1 / norm;
                    for (int j = 0; j < dim; j++) {
                        units[l * dim + j] *= inverse;
                    }
                }
                norms[l] = norm;
            }
            rotation.apply4(units, rotated);
            for (int l = 0; l < 4 && first + l < n; l++) {
                System.arraycopy(rotated, l * dim, u, 0, dim);
                encodeRotated(u, norms[l], dest, destOff + (first + l) * stride);
            }
        }
    }

    /** The code of a vector whose rotated unit offset is {@code u} and whose offset norm is {@code norm}. */
    private void encodeRotated(float[] u, float norm, byte[] dest, int destOff) {
        java.util.Arrays.fill(dest, destOff, destOff + payload, (byte) 0);
        float ip;
        float signIp = 0;
        if (bits == 1) {
            // Sign bits without a branch (half of them would be mispredicted), and the absolute values in four
            // sums: one chain of 384 double additions waited on their latency.
            for (int j = 0; j < dim; j++) {
                dest[destOff + j / 8] |= (byte) ((u[j] > 0 ? 1 : 0) << (j % 8));
            }
            ip = (float) (absSum(u) / Math.sqrt(dim));
        } else {
            ip = encodeExtended(u, dest, destOff);
            // The grid's top bit is the sign of u: the code holds a 1-bit code too, whose estimate (with this
            // factor) screens codes before their 4-bit estimate.
            signIp = (float) (absSum(u) / Math.sqrt(dim));
        }
        FLOATS.set(dest, destOff + payload, norm);
        FLOATS.set(dest, destOff + payload + 4, ip);
        if (bits != 1) {
            FLOATS.set(dest, destOff + payload + 8, signIp);
        }
    }

    /** {@code sum |u[j]|} in doubles, over the four residues of j mod 4 apart, then added in that order. */
    private double absSum(float[] u) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 4 <= dim; j += 4) {
            a0 += Math.abs(u[j]);
            a1 += Math.abs(u[j + 1]);
            a2 += Math.abs(u[j + 2]);
            a3 += Math.abs(u[j + 3]);
        }
        for (; j < dim; j++) {
            a0 += Math.abs(u[j]);
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** 4-bit grid codes at the best of several scales; returns {@code <g, u>} for the grid vector g. */
    private float encodeExtended(float[] u, byte[] dest, int destOff) {
        float max = 0;
        for (float x : u) {
            max = Math.max(max, Math.abs(x));
        }
        if (max == 0) {
            for (int j = 0; j < dim; j++) {
                dest[destOff + j / 2] |= (byte) ((j & 1) == 0 ? 8 : 8 << 4);
            }
            return 0;
        }
        double bestCos = -1;
        float bestT = 0;
        for (int s = 0; s < SCALE_STEPS; s++) {
            float t = (2f + 10f * s / (SCALE_STEPS - 1)) / max;
            double gu = 0, gg = 0;
            for (int j = 0; j < dim; j++) {
                double g = grid(u[j], t) + 0.5 - 8;
                gu += g * u[j];
                gg += g * g;
            }
            double cos = gu / Math.sqrt(gg);
            if (cos > bestCos) {
                bestCos = cos;
                bestT = t;
            }
        }
        double gu = 0;
        for (int j = 0; j < dim; j++) {
            int c = grid(u[j], bestT);
            dest[destOff + j / 2] |= (byte) (c << ((j & 1) * 4));
            gu += (c + 0.5 - 8) * u[j];
        }
        return (float) gu;
    }

    private static int grid(float x, float t) {
        return Math.clamp((int) Math.floor(x * t + 8), 0, 15);
    }

    @Override
    public void decode(byte[] codes, int off, float[] dest, int destOff) {
        float norm = (float) FLOATS.get(codes, off + payload);
        float ip = (float) FLOATS.get(codes, off + payload + 4);
        float[] g = new float[dim];
        double gg = 0;
        for (int j = 0; j < dim; j++) {
            g[j] = bits == 1 ? ((codes[off + j / 8] >>> (j % 8)) & 1) * 2 - 1
                    : ((codes[off + j / 2] >>> ((j & 1) * 4)) & 0x0F) + 0.5f - 8;
            gg += g[j] * g[j];
        }
        // The best approximation of u along the unit code x is <x, u> x; for 4 bits ip is <g, u> = <x, u> |g|.
        float scale = (float) (bits == 1 ? norm * ip / Math.sqrt(gg) : norm * ip / gg);
        for (int j = 0; j < dim; j++) {
            g[j] *= scale;
        }
        rotation.applyTransposed(g, 0, dest, destOff);
        for (int j = 0; j < dim; j++) {
            dest[destOff + j] += centroid[j];
        }
    }

    @Override
    public dev.sluice.knn.CodeScorer scorer(float[] query, int off) {
        float[] tmp = new float[dim];
        float[] q = new float[dim];
        float qNorm = rotatedUnit(query, off, tmp, q);
        double sumQ = 0;
        for (float x : q) {
            sumQ += x;
        }
        if (bits == 4) {
            float[] we = new float[payload], wo = new float[payload];
            for (int j = 0; j < dim; j++) {
                ((j & 1) == 0 ? we : wo)[j / 2] = q[j];
            }
            return new ExtendedScorer(new BitScorer(q, qNorm, (float) sumQ), we, wo, qNorm, sumQ);
        }
        return new BitScorer(q, qNorm, (float) sumQ);
    }

    /**
     * 4-bit codes in two stages, as FAISS's RaBitQ fast scan does with extra bits: the 1-bit code inside every
     * 4-bit code (the grid's top bits, the signs of u) is estimated for 64 codes at a time by {@link BitScorer}'s
     * byte tables, and only codes whose 1-bit estimate, less its error bound, is within the heap's bound get the
     * 4-bit estimate. The bound is RaBitQ's: {@code |<x,q>/<x,u> - <u,q>| <= EPSILON sqrt((1 - <x,u>^2) / <x,u>^2)
     * / sqrt(dim - 1)} with high probability over the rotation (Gao and Long 2024), plus three standard deviations
     * of the query's 4-bit rounding. A code can thus be skipped whose 4-bit estimate was within the bound, rarely;
     * the distances themselves are the 4-bit estimates.
     */
    private final class ExtendedScorer implements dev.sluice.knn.CodeScorer {
        /** RaBitQ's confidence parameter (the paper's 1.9). */
        private static final double EPSILON = 1.9;
        private final BitScorer signs;
        private final float[] we;
        private final float[] wo;
        private final float qNorm;
        private final double sumQ;
        private final int signBytes = words * 8;
        private final short[] sums = new short[VectorKernels.PQ_BLOCK];

        ExtendedScorer(BitScorer signs, float[] we, float[] wo, float qNorm, double sumQ) {
            this.signs = signs;
            this.we = we;
            this.wo = wo;
            this.qNorm = qNorm;
            this.sumQ = sumQ;
        }

        @Override
        public void distances(byte[] codes, int o, int count, float[] out) {
            for (int i = 0; i < count; i++) {
                out[i] = distance(codes, o + i * stride);
            }
        }

        private float distance(byte[] codes, int c) {
            float norm = (float) FLOATS.get(codes, c + payload);
            float ip = (float) FLOATS.get(codes, c + payload + 4);
            double gq = Kernels.get().u4Dot(we, wo, codes, c, payload) - 7.5 * sumQ;
            double est = ip == 0 ? 0 : gq / ip;
            return (float) (norm * norm + qNorm * qNorm - 2.0 * norm * qNorm * est);
        }

        /**
         * Once per batch for all queries: each code's 1-bit code in the {@link dev.sluice.knn.CodeBlocks} layout,
         * and four values per code: {@code norm^2}, the 1-bit factor {@code 2 norm / (sqrt(dim) <sign(u), u>)}, the
         * popcount, and {@code 2 norm} times the estimator's error bound.
         */
        @Override
        public void prepare(dev.sluice.knn.CodeBatch batch) {
            if (!signs.tables) {
                return;
            }
            byte[] codes = batch.codes();
            int rows = batch.rows();
            byte[] blocks = batch.bytes(dev.sluice.knn.CodeBlocks.size(rows, signBytes));
            float[] v = batch.values(4 * rows);
            int b = VectorKernels.PQ_BLOCK;
            double spread = EPSILON / Math.sqrt(Math.max(1, dim - 1));
            for (int i = 0; i < rows; i++) {
                int c = i * stride;
                int ones = 0;
                int at = (i / b) * b * signBytes + dev.sluice.knn.CodeBlocks.lane(i % b);
                for (int j = 0; j < signBytes; j++) {
                    // Dimensions 8j..8j+7 are the nibbles of code bytes 4j..4j+3; their top bits are bits 3, 7, ...
                    int nibbles = 0;
                    for (int t = 0; t < 4 && 4 * j + t < payload; t++) {
                        nibbles |= (codes[c + 4 * j + t] & 0xFF) << (8 * t);
                    }
                    int sign = Integer.compress(nibbles, 0x88888888);
                    blocks[at + j * b] = (byte) sign;
                    ones += Integer.bitCount(sign);
                }
                float norm = (float) FLOATS.get(codes, c + payload);
                float signIp = (float) FLOATS.get(codes, c + payload + 8);
                v[4 * i] = norm * norm;
                v[4 * i + 1] = signIp == 0 ? 0 : (float) (2.0 * norm / (Math.sqrt(dim) * signIp));
                v[4 * i + 2] = ones;
                v[4 * i + 3] = signIp == 0 ? 0
                        : (float) (2.0 * norm * spread * Math.sqrt(Math.max(0, 1.0 - signIp * signIp)) / signIp);
            }
            // Zero codes in the last block's padding lanes.
            for (int i = rows; i % b != 0; i++) {
                int at = (i / b) * b * signBytes + dev.sluice.knn.CodeBlocks.lane(i % b);
                for (int j = 0; j < signBytes; j++) {
                    blocks[at + j * b] = 0;
                }
            }
        }

        @Override
        public void scan(dev.sluice.knn.CodeBatch batch, dev.sluice.knn.TopK heap, float[] scratch) {
            if (!signs.tables) {
                dev.sluice.knn.CodeScorer.super.scan(batch, heap, scratch);
                return;
            }
            int rows = batch.rows();
            int blockBytes = VectorKernels.PQ_BLOCK * signBytes;
            byte[] blocks = batch.bytes(dev.sluice.knn.CodeBlocks.size(rows, signBytes));
            byte[] codes = batch.codes();
            float[] v = batch.values(4 * rows);
            long[] ids = batch.ids();
            // The query's rounding to 4 bits moves 2 <x, q> by a sum of one uniform error in [-delta, delta] per
            // set bit: a standard deviation of delta sqrt(ones / 3), taken three times.
            float delta = signs.twoDelta / 2;
            for (int b = 0, first = 0; first < rows; b++, first += VectorKernels.PQ_BLOCK) {
                Kernels.get().pqBlockSums(signs.lut, signBytes, blocks, b * blockBytes, sums, 0);
                int n = Math.min(VectorKernels.PQ_BLOCK, rows - first);
                for (int i = 0; i < n; i++) {
                    int r = 4 * (first + i);
                    float rough = signs.estimate(v[r], v[r + 1], v[r + 2], sums[i]);
                    float slack = qNorm * (v[r + 3] + v[r + 1] * 3 * delta * (float) Math.sqrt(v[r + 2] / 3));
                    if (rough - slack <= heap.bound()) {
                        float d = distance(codes, (first + i) * stride);
                        if (d <= heap.bound()) {
                            heap.offer(d, ids[first + i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * 1-bit codes against a query quantized to 4 bits over [lo, hi] ({@code q_i ~ lo + delta * qq_i}):
     * {@code <x, q>} needs the code's popcount and {@code w = sum of qq_i over its set bits}, an integer. w is
     * summed like PQ with byte tables, one 256-entry table per code byte (8 dimensions; entries at most 120, so
     * the sums are exact), by {@link VectorKernels#pqBlockSums}, or by AND-popcounts of the query's four bit
     * planes for a single code. Both give the same w, and the estimate is then one float formula over w and
     * three per-code values that {@link #prepare} computes once per batch: {@code a = norm^2},
     * {@code b = 2 norm / (sqrt(dim) <x, u>)} and the popcount o:
     * {@code distance = (a + |q|^2) - (|q| b) ((2 lo o + 2 delta w) - sum q)}.
     */
    private final class BitScorer implements dev.sluice.knn.CodeScorer {
        private final float qNorm;
        private final float sumQ;
        private final float twoLo;
        final float twoDelta;
        private final long[] planes = new long[4 * words];
        final byte[] lut;
        private final short[] sums = new short[VectorKernels.PQ_BLOCK];
        private final float[] estimates = new float[VectorKernels.PQ_BLOCK];
        /** The query's values as {@link VectorKernels#bitEstimatesAtMost} takes them. */
        private final float[] query;
        /** Byte-table sums are shorts: at most 120 per code byte, so up to 2,184 dimensions; beyond, popcounts. */
        final boolean tables = words * 8 * 120 <= Short.MAX_VALUE;

        BitScorer(float[] q, float qNorm, float sumQ) {
            this.qNorm = qNorm;
            this.sumQ = sumQ;
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (float x : q) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            float delta = (hi - lo) / 15f;
            this.twoLo = 2 * lo;
            this.twoDelta = 2 * delta;
            int signBytes = words * 8;
            int[] qq = new int[signBytes * 8];
            for (int j = 0; j < dim; j++) {
                qq[j] = delta == 0 ? 0 : Math.round((q[j] - lo) / delta);
                for (int p = 0; p < 4; p++) {
                    if (((qq[j] >>> p) & 1) != 0) {
                        planes[p * words + j / 64] |= 1L << (j % 64);
                    }
                }
            }
            // Table of code byte j: entry c = sum of qq over the set bits of c, the sum of its two nibbles' entries
            // (each nibble's built from the nibble without its lowest bit).
            lut = new byte[signBytes * 256];
            int[] low = new int[16], high = new int[16];
            for (int j = 0; j < signBytes; j++) {
                for (int c = 1; c < 16; c++) {
                    int bit = Integer.numberOfTrailingZeros(c);
                    low[c] = low[c & (c - 1)] + qq[8 * j + bit];
                    high[c] = high[c & (c - 1)] + qq[8 * j + 4 + bit];
                }
                for (int h = 0; h < 16; h++) {
                    for (int l = 0; l < 16; l++) {
                        lut[j * 256 + 16 * h + l] = (byte) (high[h] + low[l]);
                    }
                }
            }
            this.query = new float[] {qNorm, qNorm * qNorm, twoLo, twoDelta, sumQ};
        }

        /** {@link VectorKernels#bitEstimatesAtMost}'s formula for one code, so that every path gives the same float. */
        float estimate(float a, float b, float o, int w) {
            return Math.fma(-qNorm * b, Math.fma(twoDelta, (float) w, Math.fma(twoLo, o, -sumQ)), a + qNorm * qNorm);
        }

        @Override
        public void distances(byte[] codes, int o, int count, float[] out) {
            for (int i = 0; i < count; i++) {
                int c = o + i * stride;
                int ones = 0, w = 0;
                for (int k = 0; k < words; k++) {
                    long b = (long) LONGS.get(codes, c + 8 * k);
                    ones += Long.bitCount(b);
                    w += Long.bitCount(b & planes[k]) + 2 * Long.bitCount(b & planes[words + k])
                            + 4 * Long.bitCount(b & planes[2 * words + k]) + 8 * Long.bitCount(b & planes[3 * words + k]);
                }
                out[i] = estimate(squaredNorm(codes, c), factor(codes, c), ones, w);
            }
        }

        /** Rows of each of the three value runs of a batch: its capacity in whole blocks. */
        private static int span(dev.sluice.knn.CodeBatch batch) {
            int b = VectorKernels.PQ_BLOCK;
            return (batch.ids().length + b - 1) / b * b;
        }

        /**
         * Once per batch for all queries: the {@link dev.sluice.knn.CodeBlocks} layout and three runs of per-code
         * values, {@code a}, {@code b} and {@code o} (see {@link VectorKernels#bitEstimatesAtMost}); the last
         * block's padding lanes are zeros.
         */
        @Override
        public void prepare(dev.sluice.knn.CodeBatch batch) {
            if (!tables) {
                return;
            }
            batch.transpose();
            byte[] codes = batch.codes();
            int rows = batch.rows();
            int span = span(batch);
            float[] v = batch.values(3 * span);
            for (int i = 0; i < rows; i++) {
                int c = i * stride;
                int ones = 0;
                for (int k = 0; k < words; k++) {
                    ones += Long.bitCount((long) LONGS.get(codes, c + 8 * k));
                }
                v[i] = squaredNorm(codes, c);
                v[span + i] = factor(codes, c);
                v[2 * span + i] = ones;
            }
            for (int r = 0; r < 3; r++) {
                java.util.Arrays.fill(v, r * span + rows, (r + 1) * span, 0f);
            }
        }

        /** A block's sums, then its 64 estimates and their comparison with the bound in one kernel call. */
        @Override
        public void scan(dev.sluice.knn.CodeBatch batch, dev.sluice.knn.TopK heap, float[] scratch) {
            if (!tables) {
                dev.sluice.knn.CodeScorer.super.scan(batch, heap, scratch);
                return;
            }
            int rows = batch.rows();
            int span = span(batch);
            int blockBytes = VectorKernels.PQ_BLOCK * stride;
            byte[] blocks = batch.blocks();
            float[] v = batch.values(3 * span);
            long[] ids = batch.ids();
            VectorKernels kern = Kernels.get();
            for (int b = 0, first = 0; first < rows; b++, first += VectorKernels.PQ_BLOCK) {
                kern.pqBlockSums(lut, payload, blocks, b * blockBytes, sums, 0);
                int n = Math.min(VectorKernels.PQ_BLOCK, rows - first);
                long hits = kern.bitEstimatesAtMost(sums, v, first, span, query, heap.bound(), estimates)
                        & (-1L >>> (VectorKernels.PQ_BLOCK - n));
                while (hits != 0) {
                    int i = Long.numberOfTrailingZeros(hits);
                    hits &= hits - 1;
                    if (estimates[i] <= heap.bound()) {
                        heap.offer(estimates[i], ids[first + i]);
                    }
                }
            }
        }
    }

    private float squaredNorm(byte[] codes, int c) {
        float norm = (float) FLOATS.get(codes, c + payload);
        return norm * norm;
    }

    /** {@code 2 norm / (sqrt(dim) <x, u>)}, 0 for a zero offset. */
    private float factor(byte[] codes, int c) {
        float norm = (float) FLOATS.get(codes, c + payload);
        float ip = (float) FLOATS.get(codes, c + payload + 4);
        return ip == 0 ? 0 : (float) (2.0 * norm / (Math.sqrt(dim) * ip));
    }

    @Override
    public void writeBody(DataOutputStream out) throws IOException {
        out.writeInt(bits);
        Codebook.writeFloats(out, centroid);
        switch (rotation) {
            case HadamardRotation h -> {
                out.writeInt(-HadamardRotation.ROUNDS);
                Codebook.writeFloats(out, h.signs);
            }
            case Rotation r -> Codebook.writeFloats(out, r.matrix);
        }
    }

    static RaBitQuantizer readBody(DataInputStream in, int dim) throws IOException {
        int bits = in.readInt();
        float[] c = Codebook.readFloats(in, dim);
        int n = in.readInt();
        if (n == -HadamardRotation.ROUNDS) {
            return new RaBitQuantizer(dim, bits, c,
                    new HadamardRotation(dim, Codebook.readFloats(in, HadamardRotation.ROUNDS * dim)));
        }
        return new RaBitQuantizer(dim, bits, c, new Rotation(dim, Codebook.readFloats(in, n, dim * dim)));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", method());
        d.put("dim", dim);
        d.put("bits", bits);
        d.put("code_bytes", codeBytes());
        return d;
    }
}
