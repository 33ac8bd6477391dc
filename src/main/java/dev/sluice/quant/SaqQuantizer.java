package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.knn.CodeBatch;
import dev.sluice.knn.CodeBlocks;
import dev.sluice.knn.CodeScorer;
import dev.sluice.knn.TopK;
import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * SAQ (Li et al., "SAQ: Pushing the Limits of Vector Quantization through Code Adjustment and Dimension
 * Segmentation", 2025). Offsets from the data centroid are turned by a PCA rotation learned on the sample, so that
 * variance falls off along the dimensions; the PCA dimensions are cut into segments and each segment gets its own
 * bit width (0 to 8), more where the variance is. Inside a segment a random orthogonal rotation spreads the values
 * evenly and each value becomes a grid code {@code c} in {@code [0, 2^b)} standing for {@code x = c - (2^b - 1)/2}
 * (extended RaBitQ's grid), found by code adjustment (CAQ): the scalar code at scale {@code max |y|}, then
 * coordinate ascent, each code moved by +-1 while that raises {@code cos(x, y)}, at most 6 sweeps, instead of
 * extended RaBitQ's search over scales. A code stores, per coded segment, {@code f = |y|^2 / <x, y>}, and once the
 * offset's squared norm; the estimate {@code <y, q> ~ f <x, q>} is RaBitQ's unbiased one, and the squared distance
 * is {@code |o|^2 + |q|^2 - 2 sum_s f_s <x_s, q_s>} (segments without bits count 0: they are centered).
 *
 * <p>Choices where the paper leaves room. The code is {@code ceil(dim bits / 8) + 8} bytes, RaBitQ's size at the same
 * bits: the norm takes 4 bytes and every coded segment 4 more, out of the bit budget. Segments are whole runs of
 * 64 dimensions (runs of a multiple of 64 past 2,048 dimensions, at most 32 runs), cut and given bits by a dynamic program
 * that minimizes the modelled variance of the inner-product estimate for a query drawn like the data: a segment
 * with variances {@code s_i} costs {@code e(b) (sum s_i)^2 / dims} at {@code b} bits, with
 * {@code e(b) = (pi/2 - 1) 4^(1-b)} (RaBitQ's {@code 1/<x,u>^2 - 1}, exact at 1 bit, a quarter per extra bit), and
 * {@code sum s_i^2} at 0 bits. PCA uses at most 65,536 sample rows; segment s's rotation is seeded
 * by {@code seed + s}, and training runs on one thread, so the codebook is the same for any worker count. The
 * segment rotations are folded into the PCA
 * rows, so encoding does one product with a (coded dims x dim) matrix, then the adjustment; decoding gives
 * {@code f x} per segment, the vector whose inner products the estimator uses. On 384-d MiniLM (117K, out-of-domain
 * queries) 4 bits is 200 bytes with recall@10 0.956 (RaBitQ's 4 bits: 0.938); 2 bits is 104 bytes and 0.861, as
 * PQ128x8 does with 128 bytes. Training takes about 2 s (the PCA), and encoding is faster than RaBitQ's 4 bits.
 */
public final class SaqQuantizer implements Quantizer {
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    static final int MAX_BITS = 8;
    private static final int ADJUST_ROUNDS = 6;
    private static final int PCA_ROWS = 65_536;
    private static final int MAX_RUNS = 32;
    /** RaBitQ's {@code 1/<x,u>^2 - 1} at 1 bit: the estimator's relative error variance times the dimensions. */
    private static final double ONE_BIT_ERROR = Math.PI / 2 - 1;

    /** A run of PCA dimensions coded at one width; 0 bits: not stored. */
    record Segment(int dims, int bits) {
        int bytes() {
            return (dims * bits + 7) / 8;
        }
    }

    private final int dim;
    private final int bits;
    private final List<Segment> segments;
    private final float[] centroid;
    /** Row-major (coded dims x dim): each coded segment's rotation times its PCA rows. */
    private final float[] matrix;
    private final Segment[] coded;
    /** Per coded segment: its first row of {@link #matrix} and its first byte in a code. */
    private final int[] rowStart;
    private final int[] byteStart;
    private final int rows;
    private final int codeBytes;
    /** Byte offset of the coded segments' factors; the offset's squared norm is the code's last 4 bytes. */
    private final int factorsAt;
    /** Per coded segment, its sign bytes (a bit a dimension) and the first of them in a code's signs. */
    private final int[] signBytes;
    private final int[] signStart;
    private final int signWidth;
    /** The kernel sums each segment's sign bytes as shorts, at least 1 a byte: past 32,767, codes in floats. */
    private final boolean signsFit;

    SaqQuantizer(int dim, int bits, List<Segment> segments, float[] centroid, float[] matrix) {
        this.dim = dim;
        this.bits = bits;
        this.segments = List.copyOf(segments);
        this.centroid = centroid;
        this.matrix = matrix;
        this.coded = segments.stream().filter(s -> s.bits() > 0).toArray(Segment[]::new);
        this.rowStart = new int[coded.length];
        this.byteStart = new int[coded.length];
        this.signBytes = new int[coded.length];
        this.signStart = new int[coded.length];
        int r = 0, b = 0, w = 0;
        for (int s = 0; s < coded.length; s++) {
            rowStart[s] = r;
            byteStart[s] = b;
            signBytes[s] = (coded[s].dims() + 7) / 8;
            signStart[s] = w;
            r += coded[s].dims();
            b += coded[s].bytes();
            w += signBytes[s];
        }
        this.rows = r;
        this.signWidth = w;
        this.signsFit = Arrays.stream(signBytes).allMatch(n -> n <= Short.MAX_VALUE);
        this.codeBytes = codeBytes(dim, bits);
        this.factorsAt = codeBytes - 4 - 4 * coded.length;
        if (b > factorsAt) {
            throw SluiceException.input(String.format(java.util.Locale.ROOT,
                    "saq segments %s need %d bytes, more than a %d-byte code holds", describeSegments(), b + 4
                    + 4 * coded.length, codeBytes));
        }
    }

    static int codeBytes(int dim, int bits) {
        return (dim * bits + 7) / 8 + 8;
    }

    public static SaqQuantizer train(float[] data, int n, int dim, int bits, long seed) {
        if (bits < 1 || bits > MAX_BITS) {
            throw SluiceException.usage("--bits must be 1 to " + MAX_BITS + " for saq, got " + bits);
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
        DMatrixRMaj cov = covariance(data, Math.min(n, PCA_ROWS), dim, c);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(dim, true, true);
        if (!eig.decompose(cov)) {
            throw new IllegalStateException("eigen decomposition did not converge while fitting the SAQ PCA");
        }
        Integer[] order = new Integer[dim];
        double[] value = new double[dim];
        for (int i = 0; i < dim; i++) {
            order[i] = i;
            value[i] = Math.max(0, eig.getEigenvalue(i).getReal());
        }
        // Largest variance first; ties keep EJML's order, so the result is the same on every run.
        Arrays.sort(order, (a, b) -> Double.compare(value[b], value[a]));
        double[] variance = new double[dim];
        for (int i = 0; i < dim; i++) {
            variance[i] = value[order[i]];
        }
        List<Segment> plan = allocate(variance, bits);
        int coded = plan.stream().filter(s -> s.bits() > 0).mapToInt(Segment::dims).sum();
        float[] m = new float[coded * dim];
        int pca = 0, row = 0;
        for (int s = 0; s < plan.size(); s++) {
            Segment seg = plan.get(s);
            if (seg.bits() > 0) {
                // Rows of the segment's rotation R times its PCA rows: row r = sum_k R[r][k] * v_k.
                Rotation rot = Rotation.random(seg.dims(), seed + s);
                for (int r = 0; r < seg.dims(); r++) {
                    for (int k = 0; k < seg.dims(); k++) {
                        double w = rot.matrix[r * seg.dims() + k];
                        DMatrixRMaj v = eig.getEigenVector(order[pca + k]);
                        for (int j = 0; j < dim; j++) {
                            m[(row + r) * dim + j] += (float) (w * v.data[j]);
                        }
                    }
                }
                row += seg.dims();
            }
            pca += seg.dims();
        }
        return new SaqQuantizer(dim, bits, plan, c, m);
    }

    /** The sample's covariance (unnormalized), from blocks of 256 centered rows turned column-major for the dot kernel. */
    private static DMatrixRMaj covariance(float[] data, int n, int dim, float[] mean) {
        final int block = 256;
        float[] t = new float[dim * block];
        DMatrixRMaj cov = new DMatrixRMaj(dim, dim);
        VectorKernels k = Kernels.get();
        for (int r0 = 0; r0 < n; r0 += block) {
            int len = Math.min(block, n - r0);
            for (int r = 0; r < len; r++) {
                for (int j = 0; j < dim; j++) {
                    t[j * block + r] = data[(r0 + r) * dim + j] - mean[j];
                }
            }
            for (int i = 0; i < dim; i++) {
                for (int j = i; j < dim; j++) {
                    cov.data[i * dim + j] += k.dot(t, i * block, t, j * block, len);
                }
            }
        }
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < i; j++) {
                cov.data[i * dim + j] = cov.data[j * dim + i];
            }
        }
        return cov;
    }

    /**
     * Segments and bit widths for the PCA variances (largest first) at {@code bits} per dimension on average: a
     * dynamic program over runs of dimensions and the bytes spent (see the class comment for the error model).
     */
    static List<Segment> allocate(double[] variance, int bits) {
        int dim = variance.length;
        int run = 64 * (int) Math.ceil(dim / (64.0 * MAX_RUNS));
        int runs = (dim + run - 1) / run;
        int budget = codeBytes(dim, bits) - 4;
        double[] s1 = new double[dim + 1], s2 = new double[dim + 1];
        for (int i = 0; i < dim; i++) {
            s1[i + 1] = s1[i] + variance[i];
            s2[i + 1] = s2[i] + variance[i] * variance[i];
        }
        double[][] best = new double[runs + 1][budget + 1];
        int[][] fromRun = new int[runs + 1][budget + 1], fromBits = new int[runs + 1][budget + 1];
        for (double[] b : best) {
            Arrays.fill(b, Double.POSITIVE_INFINITY);
        }
        best[0][0] = 0;
        for (int k = 1; k <= runs; k++) {
            int end = Math.min(k * run, dim);
            for (int a = 0; a < k; a++) {
                int start = a * run, d = end - start;
                double v = s1[end] - s1[start];
                for (int b = 0; b <= MAX_BITS; b++) {
                    int cost = b == 0 ? 0 : new Segment(d, b).bytes() + 4;
                    double err = b == 0 ? s2[end] - s2[start] : ONE_BIT_ERROR * Math.pow(4, 1 - b) * v * v / d;
                    for (int used = 0; used + cost <= budget; used++) {
                        double e = best[a][used] + err;
                        if (e < best[k][used + cost]) {
                            best[k][used + cost] = e;
                            fromRun[k][used + cost] = a;
                            fromBits[k][used + cost] = b;
                        }
                    }
                }
            }
        }
        int used = 0;
        for (int u = 1; u <= budget; u++) {
            if (best[runs][u] < best[runs][used]) {
                used = u;
            }
        }
        List<Segment> plan = new ArrayList<>();
        for (int k = runs; k > 0; ) {
            int a = fromRun[k][used], b = fromBits[k][used];
            int d = Math.min(k * run, dim) - a * run;
            plan.addFirst(new Segment(d, b));
            used -= b == 0 ? 0 : new Segment(d, b).bytes() + 4;
            k = a;
        }
        return plan;
    }

    @Override
    public String method() {
        return "saq";
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
        return codeBytes;
    }

    /** {@code y = M (v - centroid)}; returns {@code |v - centroid|^2}. */
    private float project(float[] v, int off, float[] tmp, float[] y) {
        for (int j = 0; j < dim; j++) {
            tmp[j] = v[off + j] - centroid[j];
        }
        VectorKernels k = Kernels.get();
        for (int r = 0; r < rows; r++) {
            y[r] = k.dot(matrix, r * dim, tmp, 0, dim);
        }
        return k.dot(tmp, 0, tmp, 0, dim);
    }

    @Override
    public void encodeTo(float[] v, int off, byte[] dest, int destOff) {
        encodeBatch(v, off, 1, dest, destOff);
    }

    /**
     * Four vectors at a time: their offsets are projected together, each pair of rows of the matrix read once for
     * four ({@link VectorKernels#dot4x2}), which is most of the encoding's work; a short last group repeats its last
     * vector. A vector's code does not depend on the others of its group.
     */
    @Override
    public void encodeBatch(float[] v, int off, int n, byte[] dest, int destOff) {
        float[] offsets = new float[4 * dim], projected = new float[4 * rows], out = new float[8], norms = new float[4];
        float[] y = new float[rows];
        int[] code = new int[rows];
        VectorKernels k = Kernels.get();
        for (int first = 0; first < n; first += 4) {
            for (int l = 0; l < 4; l++) {
                int at = off + Math.min(first + l, n - 1) * dim;
                for (int j = 0; j < dim; j++) {
                    offsets[l * dim + j] = v[at + j] - centroid[j];
                }
                norms[l] = k.dot(offsets, l * dim, offsets, l * dim, dim);
            }
            // Two rows at a time; an odd last row is passed twice (its products are those it has in a pair).
            for (int r = 0; r < rows; r += 2) {
                int r1 = Math.min(r + 1, rows - 1);
                k.dot4x2(offsets, 0, matrix, r * dim, r1 * dim, dim, out);
                for (int l = 0; l < 4; l++) {
                    projected[l * rows + r] = out[l];
                    projected[l * rows + r1] = out[4 + l];
                }
            }
            for (int l = 0; l < 4 && first + l < n; l++) {
                System.arraycopy(projected, l * rows, y, 0, rows);
                encodeProjected(y, norms[l], code, dest, destOff + (first + l) * codeBytes);
            }
        }
    }

    /** The code of a vector whose projected offset is {@code y} and squared offset norm {@code norm2}. */
    private void encodeProjected(float[] y, float norm2, int[] code, byte[] dest, int destOff) {
        Arrays.fill(dest, destOff, destOff + codeBytes, (byte) 0);
        for (int s = 0; s < coded.length; s++) {
            int from = rowStart[s], d = coded[s].dims(), b = coded[s].bits();
            adjust(y, from, d, b, code);
            double mid = ((1 << b) - 1) / 2.0, xy = 0, yy = 0;
            for (int j = 0; j < d; j++) {
                xy += (code[from + j] - mid) * y[from + j];
                yy += (double) y[from + j] * y[from + j];
                int bit = 8 * (destOff + byteStart[s]) + j * b;
                for (int p = 0; p < b; p++, bit++) {
                    if (((code[from + j] >>> p) & 1) != 0) {
                        dest[bit >>> 3] |= (byte) (1 << (bit & 7));
                    }
                }
            }
            FLOATS.set(dest, destOff + factorsAt + 4 * s, xy > 0 ? (float) (yy / xy) : 0f);
        }
        FLOATS.set(dest, destOff + codeBytes - 4, norm2);
    }

    /**
     * CAQ: codes of {@code y[from..from+d)} at {@code b} bits into {@code code[from..)}. Starts from the scalar code
     * on {@code [-max|y|, max|y|]} and moves each code by +-1 toward the side where {@code cos(x, y)} grows (the sign
     * of its derivative, {@code y_j |x|^2 - <x, y> x_j}) while it grows; sweeps until nothing moves, at most
     * {@value #ADJUST_ROUNDS} times.
     */
    private static void adjust(float[] y, int from, int d, int b, int[] code) {
        int top = (1 << b) - 1;
        double mid = top / 2.0, max = 0;
        for (int j = from; j < from + d; j++) {
            max = Math.max(max, Math.abs(y[j]));
        }
        if (max == 0) {
            Arrays.fill(code, from, from + d, 0);
            return;
        }
        double delta = 2 * max / (top + 1), xy = 0, xx = 0;
        for (int j = from; j < from + d; j++) {
            int c = Math.clamp((long) Math.floor((y[j] + max) / delta), 0, top);
            code[j] = c;
            xy += (c - mid) * y[j];
            xx += (c - mid) * (c - mid);
        }
        for (int round = 0; round < ADJUST_ROUNDS; round++) {
            boolean moved = false;
            for (int j = from; j < from + d; j++) {
                int c = code[j];
                int step = y[j] * xx > xy * (c - mid) ? 1 : -1;
                while (c + step >= 0 && c + step <= top) {
                    double x = c - mid, xy2 = xy + step * y[j], xx2 = xx + 2 * step * x + 1;
                    // Compare cos^2 = xy^2 / xx without dividing: xy2^2 / xx2 > xy^2 / xx.
                    if (xy2 <= 0 || xy2 * xy2 * xx <= xy * xy * xx2) {
                        break;
                    }
                    c += step;
                    xy = xy2;
                    xx = xx2;
                }
                moved |= c != code[j];
                code[j] = c;
            }
            if (!moved) {
                break;
            }
        }
    }

    @Override
    public void decode(byte[] codes, int off, float[] dest, int destOff) {
        float[] y = new float[rows];
        for (int s = 0; s < coded.length; s++) {
            int b = coded[s].bits();
            double mid = ((1 << b) - 1) / 2.0;
            float f = (float) FLOATS.get(codes, off + factorsAt + 4 * s);
            for (int j = 0; j < coded[s].dims(); j++) {
                int bit = 8 * (off + byteStart[s]) + j * b, c = 0;
                for (int p = 0; p < b; p++, bit++) {
                    c |= ((codes[bit >>> 3] >>> (bit & 7)) & 1) << p;
                }
                y[rowStart[s] + j] = (float) (f * (c - mid));
            }
        }
        System.arraycopy(centroid, 0, dest, destOff, dim);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < dim; i++) {
                dest[destOff + i] += matrix[r * dim + i] * y[r];
            }
        }
    }

    @Override
    public CodeScorer scorer(float[] query, int off) {
        float[] y = new float[rows];
        float qq = project(query, off, new float[dim], y);
        return new SaqScorer(y, qq);
    }

    /**
     * {@code <c, q>} per coded segment from two 16-entry float tables per code byte (entry v: the sum of the
     * rotated query's values times the bit weights of the bits set in v as the byte's low or high nibble), as
     * 4-bit PQ's tables; bytes may hold parts of several dimensions, whatever the width. {@link #scan} screens
     * codes in two stages, as RaBitQ's 4-bit scan does: the signs of a segment's grid values (the codes' top bits)
     * are RaBitQ's 1-bit code of the decoded vector {@code f x}, whose estimate of {@code f <x, q>} is {@code alpha <sign(x), q>} with {@code alpha =
     * f |x|^2 / sum|x_i|}; {@link VectorKernels#pqBlockSums} sums it from byte tables for 64 codes at a time. Only
     * codes whose 1-bit distance, less its error bound, is within the heap's bound get the float estimate of all
     * their bits. The bound per segment is RaBitQ's, {@code EPSILON |f x| |q| sqrt(1 - cos^2) / (cos sqrt(d - 1))}
     * with {@code cos} the angle between x and its signs, which holds with high probability over the segment's
     * random rotation, plus the byte tables' rounding (half a step a byte, exact). A code can thus be skipped whose
     * full estimate was within the bound, rarely; the distances themselves are the full estimates.
     */
    private final class SaqScorer implements CodeScorer {
        /** RaBitQ's confidence parameter (the paper's 1.9), as for RaBitQ's 4-bit screen. */
        private static final double EPSILON = 1.9;
        private final float qq;
        /** Per coded segment: {@code (2^b - 1)/2} times the sum of its query values, what the grid's offset takes. */
        private final double[] offset;
        private final float[][] lut;
        /**
         * Per coded segment, the sign tables rounded to bytes: {@code sum of q_i over set signs ~ low + step *
         * sum lut8}, at most {@code half} off.
         */
        private final byte[][] lut8;
        /**
         * {@link VectorKernels#saqBlockAtMost}'s four factors per segment: {@code 4 step} and {@code 4 low - 2 sum q}
         * (the 1-bit distance is {@code |o|^2 + |q|^2 - sum alpha (4 step w + 4 low - 2 sum q)}), {@code 4 half}
         * and {@code 2 |q|} (its bound is {@code 4 |alpha| half + 2 |q| e}, the e in quadrature: the segments'
         * rotations are independent).
         */
        private final float[] factors;
        private final short[][] sums;
        /** Finite tables and signs that {@link #prepare} lays out: false, every code in floats. */
        private final boolean tables;

        SaqScorer(float[] y, float qq) {
            this.qq = qq;
            int n = coded.length;
            offset = new double[n];
            lut = new float[n][];
            lut8 = new byte[n][];
            factors = new float[4 * n];
            sums = new short[n][VectorKernels.PQ_BLOCK];
            boolean finite = true;
            for (int s = 0; s < n; s++) {
                int from = rowStart[s], d = coded[s].dims(), b = coded[s].bits(), bytes = coded[s].bytes();
                double sum = 0, sq = 0;
                for (int j = 0; j < d; j++) {
                    sum += y[from + j];
                    sq += (double) y[from + j] * y[from + j];
                }
                offset[s] = ((1 << b) - 1) / 2.0 * sum;
                // weight[t]: what bit t of the segment adds to <c, q>.
                float[] weight = new float[8 * bytes];
                for (int t = 0; t < d * b; t++) {
                    weight[t] = y[from + t / b] * (1 << (t % b));
                }
                lut[s] = nibbleTables(weight, bytes);
                lut8[s] = signTables(y, from, d, s, sum);
                factors[4 * s + 3] = (float) (2 * Math.sqrt(sq));
                for (int f = 4 * s; f < 4 * s + 4; f++) {
                    finite &= Float.isFinite(factors[f]);
                }
            }
            tables = finite && signsFit;
        }

        /**
         * 32 entries per byte of weights, 16 per nibble: entry {@code 32 p + 16 h + v} sums the weights of the set
         * bits of v as byte p's low (h = 0) or high nibble. A query's tables stay small (23 KB for 184 code bytes):
         * a scan keeps hundreds of queries' scorers and reads each again for every batch, and 256-entry tables
         * (188 KB a query) missed the caches on most look-ups.
         */
        private static float[] nibbleTables(float[] weight, int bytes) {
            float[] t = new float[32 * bytes];
            for (int p = 0; p < bytes; p++) {
                for (int v = 1; v < 16; v++) {
                    int low = Integer.numberOfTrailingZeros(v);
                    t[32 * p + v] = t[32 * p + (v & (v - 1))] + weight[8 * p + low];
                    t[32 * p + 16 + v] = t[32 * p + 16 + (v & (v - 1))] + weight[8 * p + 4 + low];
                }
            }
            return t;
        }

        /** 256 entries per byte of weights: entry v sums the weights of v's set bits, from its two nibbles. */
        private static float[] bitTables(float[] weight, int bytes) {
            float[] nibbles = nibbleTables(weight, bytes);
            float[] t = new float[256 * bytes];
            for (int p = 0; p < bytes; p++) {
                for (int v = 0; v < 256; v++) {
                    t[p * 256 + v] = nibbles[32 * p + (v & 15)] + nibbles[32 * p + 16 + (v >>> 4)];
                }
            }
            return t;
        }

        /**
         * Segment s's sign tables (query values {@code y[from..from+d)}, summing to {@code sum}) rounded to bytes;
         * writes the segment's first three {@link #factors}.
         */
        private byte[] signTables(float[] y, int from, int d, int s, double sum) {
            int bytes = signBytes[s];
            float[] weight = new float[8 * bytes];
            System.arraycopy(y, from, weight, 0, d);
            float[] t = bitTables(weight, bytes);
            float[] min = new float[bytes];
            double range = 0, low = 0;
            for (int p = 0; p < bytes; p++) {
                float lo = 0, hi = 0;
                for (int v = 1; v < 256; v++) {
                    lo = Math.min(lo, t[p * 256 + v]);
                    hi = Math.max(hi, t[p * 256 + v]);
                }
                min[p] = lo;
                low += lo;
                range = Math.max(range, hi - lo);
            }
            // Byte entries whose sums over the segment fit the kernel's 15 bits.
            int levels = Math.min(255, Short.MAX_VALUE / bytes);
            double step = range > 0 ? range / levels : 1;
            // Rounding to the nearest level, plus a millionth of the range for the float tables' own rounding.
            double half = bytes * (step / 2 + 1e-6 * range);
            factors[4 * s] = (float) (4 * step);
            factors[4 * s + 1] = (float) (4 * low - 2 * sum);
            factors[4 * s + 2] = (float) (4 * half);
            byte[] t8 = new byte[256 * bytes];
            float inverse = (float) (1 / step);
            for (int i = 0; i < t8.length; i++) {
                t8[i] = (byte) Math.round((t[i] - min[i / 256]) * inverse);
            }
            return t8;
        }

        @Override
        public void distances(byte[] codes, int o, int count, float[] out) {
            for (int i = 0; i < count; i++) {
                out[i] = distance(codes, o + i * codeBytes);
            }
        }

        private float distance(byte[] codes, int c) {
            double est = 0;
            for (int s = 0; s < coded.length; s++) {
                double cq = tableSum(lut[s], codes, c + byteStart[s], coded[s].bytes());
                est += (float) FLOATS.get(codes, c + factorsAt + 4 * s) * (cq - offset[s]);
            }
            return (float) ((float) FLOATS.get(codes, c + codeBytes - 4) + qq - 2 * est);
        }

        /**
         * Once per batch for all queries: each code's signs in the {@link dev.sluice.knn.CodeBlocks} layout, and per
         * block of {@value VectorKernels#PQ_BLOCK} codes a run of their squared norms, then per coded segment a run
         * of their {@code alpha} and one of their error bounds per unit of query norm.
         */
        @Override
        public void prepare(CodeBatch batch) {
            // Whatever this query's tables: the batch is prepared once, with the first query's scorer, for all.
            if (!signsFit) {
                return;
            }
            int n = coded.length, rows = batch.rows(), block = VectorKernels.PQ_BLOCK;
            byte[] codes = batch.codes();
            byte[] blocks = batch.bytes(CodeBlocks.size(rows, signWidth));
            float[] v = batch.values(valuesSize(rows));
            for (int i = 0; i < rows; i++) {
                int c = i * codeBytes, r = (i / block) * block * (1 + 2 * n) + i % block;
                int at = (i / block) * block * signWidth + CodeBlocks.lane(i % block);
                v[r] = (float) FLOATS.get(codes, c + codeBytes - 4);
                for (int s = 0; s < n; s++) {
                    signs(codes, c, s, blocks, at + signStart[s] * block, v, r + (1 + 2 * s) * block);
                }
            }
            // Zero signs in the last block's padding lanes.
            for (int i = rows; i % block != 0; i++) {
                int at = (i / block) * block * signWidth + CodeBlocks.lane(i % block);
                for (int j = 0; j < signWidth; j++) {
                    blocks[at + j * block] = 0;
                }
            }
        }

        private int valuesSize(int rows) {
            int block = VectorKernels.PQ_BLOCK;
            return (rows + block - 1) / block * block * (1 + 2 * coded.length);
        }

        @Override
        public void scan(CodeBatch batch, TopK heap, float[] scratch) {
            if (!tables) {
                CodeScorer.super.scan(batch, heap, scratch);
                return;
            }
            int n = coded.length, rows = batch.rows(), block = VectorKernels.PQ_BLOCK;
            int blockBytes = block * signWidth, blockValues = block * (1 + 2 * n);
            byte[] blocks = batch.bytes(CodeBlocks.size(rows, signWidth)), codes = batch.codes();
            float[] v = batch.values(valuesSize(rows));
            long[] ids = batch.ids();
            VectorKernels k = Kernels.get();
            for (int b = 0, first = 0; first < rows; b++, first += block) {
                for (int s = 0; s < n; s++) {
                    k.pqBlockSums(lut8[s], signBytes[s], blocks, b * blockBytes + signStart[s] * block, sums[s], 0);
                }
                long candidates = k.saqBlockAtMost(sums, v, b * blockValues, factors, n, qq, heap.bound())
                        & -1L >>> (block - Math.min(block, rows - first));
                for (; candidates != 0; candidates &= candidates - 1) {
                    int i = Long.numberOfTrailingZeros(candidates);
                    float d = distance(codes, (first + i) * codeBytes);
                    if (d <= heap.bound()) {
                        heap.offer(d, ids[first + i]);
                    }
                }
            }
        }
    }

    /**
     * Segment s of the code at {@code c}: its signs (the top bit of each grid value) into the sign bytes at
     * {@code at}, {@value VectorKernels#PQ_BLOCK} apart, and into {@code v[r]} and {@code v[r + 64]} its
     * {@code alpha} and its error bound without the query's norm (see {@code SaqScorer}). Eight values take b whole
     * bytes, whose top bits one compress gathers.
     */
    private void signs(byte[] codes, int c, int s, byte[] blocks, int at, float[] v, int r) {
        int d = coded[s].dims(), b = coded[s].bits(), first = c + byteStart[s], end = first + coded[s].bytes();
        long tops = TOP_BITS[b];
        double mid = ((1 << b) - 1) / 2.0, abs = 0, sq = 0;
        for (int p = 0; p < signBytes[s]; p++) {
            long word = 0;
            for (int q = 0, o = first + p * b; q < b && o + q < end; q++) {
                word |= (codes[o + q] & 0xFFL) << (8 * q);
            }
            int count = Math.min(8, d - 8 * p);
            for (int j = 0; j < count; j++) {
                double x = ((word >>> (j * b)) & ((1 << b) - 1)) - mid;
                abs += Math.abs(x);
                sq += x * x;
            }
            blocks[at + p * VectorKernels.PQ_BLOCK] = (byte) (Long.compress(word, tops) & ((1 << count) - 1));
        }
        // RaBitQ's estimator for the decoded vector f x with code sign(x): exact along f x, so that a query near it
        // is estimated well; cos is <sign(x), x> / (|sign(x)| |x|), never 0 (no grid value is 0).
        double f = (float) FLOATS.get(codes, c + factorsAt + 4 * s);
        double cos = abs / Math.sqrt(d * sq);
        v[r] = (float) (f * sq / abs);
        v[r + VectorKernels.PQ_BLOCK] = (float) (SaqScorer.EPSILON * Math.abs(f) * Math.sqrt(sq)
                * Math.sqrt(Math.max(0, 1 - cos * cos)) / cos / Math.sqrt(Math.max(1, d - 1)));
    }

    /** For b bits a value: the top bits of eight b-bit values packed in b bytes. */
    private static final long[] TOP_BITS = new long[MAX_BITS + 1];

    static {
        for (int b = 1; b <= MAX_BITS; b++) {
            for (int j = 0; j < 8; j++) {
                TOP_BITS[b] |= 1L << (j * b + b - 1);
            }
        }
    }

    /**
     * {@code sum_p t[32 p + lo(codes[at + p])] + t[32 p + 16 + hi(codes[at + p])]}; four sums, so that the look-ups
     * do not wait on one chain of adds.
     */
    private static float tableSum(float[] t, byte[] codes, int at, int bytes) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int p = 0;
        for (; p + 2 <= bytes; p += 2) {
            int v0 = codes[at + p] & 0xFF, v1 = codes[at + p + 1] & 0xFF;
            s0 += t[32 * p + (v0 & 15)];
            s1 += t[32 * p + 16 + (v0 >>> 4)];
            s2 += t[32 * p + 32 + (v1 & 15)];
            s3 += t[32 * p + 48 + (v1 >>> 4)];
        }
        for (; p < bytes; p++) {
            int v = codes[at + p] & 0xFF;
            s0 += t[32 * p + (v & 15)];
            s1 += t[32 * p + 16 + (v >>> 4)];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void writeBody(DataOutputStream out) throws IOException {
        out.writeInt(bits);
        out.writeInt(segments.size());
        for (Segment s : segments) {
            out.writeInt(s.dims());
            out.writeInt(s.bits());
        }
        Codebook.writeFloats(out, centroid);
        Codebook.writeFloats(out, matrix);
    }

    static SaqQuantizer readBody(DataInputStream in, int dim) throws IOException {
        int bits = in.readInt();
        int count = in.readInt();
        if (bits < 1 || bits > MAX_BITS || count < 1 || count > dim) {
            throw SluiceException.input("saq codebook has " + bits + " bits and " + count + " segments for dim " + dim);
        }
        List<Segment> segments = new ArrayList<>();
        int dims = 0, coded = 0;
        for (int s = 0; s < count; s++) {
            Segment seg = new Segment(in.readInt(), in.readInt());
            if (seg.dims() < 1 || seg.bits() < 0 || seg.bits() > MAX_BITS) {
                throw SluiceException.input("saq codebook has a bad segment " + seg);
            }
            segments.add(seg);
            dims += seg.dims();
            coded += seg.bits() > 0 ? seg.dims() : 0;
        }
        if (dims != dim) {
            throw SluiceException.input("saq codebook segments cover " + dims + " dimensions, expected " + dim);
        }
        float[] c = Codebook.readFloats(in, dim);
        float[] m = Codebook.readFloats(in, coded * dim);
        return new SaqQuantizer(dim, bits, segments, c, m);
    }

    private String describeSegments() {
        return segments.stream().map(s -> s.dims() + "x" + s.bits()).collect(Collectors.joining(","));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", method());
        d.put("dim", dim);
        d.put("bits", bits);
        d.put("code_bytes", codeBytes());
        d.put("segments", describeSegments());
        return d;
    }
}
