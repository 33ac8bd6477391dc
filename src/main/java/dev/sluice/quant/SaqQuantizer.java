package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.knn.CodeBatch;
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

    SaqQuantizer(int dim, int bits, List<Segment> segments, float[] centroid, float[] matrix) {
        this.dim = dim;
        this.bits = bits;
        this.segments = List.copyOf(segments);
        this.centroid = centroid;
        this.matrix = matrix;
        this.coded = segments.stream().filter(s -> s.bits() > 0).toArray(Segment[]::new);
        this.rowStart = new int[coded.length];
        this.byteStart = new int[coded.length];
        int r = 0, b = 0;
        for (int s = 0; s < coded.length; s++) {
            rowStart[s] = r;
            byteStart[s] = b;
            r += coded[s].dims();
            b += coded[s].bytes();
        }
        this.rows = r;
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
     * {@code <c, q>} per coded segment from one 256-entry float table per code byte (entry v: the sum of the
     * rotated query's values times the bit weights of the bits set in v), as PQ's tables; bytes may hold parts of
     * several dimensions, whatever the width. {@link #scan} first sums tables rounded to bytes for 64 codes at a
     * time ({@link VectorKernels#pqBlockSums}) and computes the float estimate only for codes whose rough estimate,
     * less the rounding's worst case (half a step per byte, times {@code 2 |f|}), can still enter the top-k: the
     * results are those of the float scan.
     */
    private final class SaqScorer implements CodeScorer {
        private final float qq;
        /** Per coded segment: {@code (2^b - 1)/2} times the sum of its query values, what the grid's offset takes. */
        private final double[] offset;
        private final float[][] lut;
        /** The tables rounded: {@code sum lut ~ low + step * sum lut8}, with at most {@code half} off in total. */
        private final byte[][] lut8;
        private final double[] low, step, half;
        private final short[][] sums;
        /** The kernel sums a segment's bytes as shorts, at least 1 a byte: past 32,767 bytes, every code in floats. */
        private final boolean tables = Arrays.stream(coded).allMatch(s -> s.bytes() <= Short.MAX_VALUE);

        SaqScorer(float[] y, float qq) {
            this.qq = qq;
            int n = coded.length;
            offset = new double[n];
            lut = new float[n][];
            lut8 = new byte[n][];
            low = new double[n];
            step = new double[n];
            half = new double[n];
            sums = new short[n][VectorKernels.PQ_BLOCK];
            for (int s = 0; s < n; s++) {
                int from = rowStart[s], d = coded[s].dims(), b = coded[s].bits(), bytes = coded[s].bytes();
                double sum = 0;
                for (int j = 0; j < d; j++) {
                    sum += y[from + j];
                }
                offset[s] = ((1 << b) - 1) / 2.0 * sum;
                // weight[t]: what bit t of the segment adds to <c, q>.
                float[] weight = new float[8 * bytes];
                for (int t = 0; t < d * b; t++) {
                    weight[t] = y[from + t / b] * (1 << (t % b));
                }
                float[] t = new float[256 * bytes];
                float[] min = new float[bytes];
                double range = 0;
                for (int p = 0; p < bytes; p++) {
                    float lo = 0, hi = 0;
                    for (int v = 1; v < 256; v++) {
                        float e = t[p * 256 + (v & (v - 1))] + weight[8 * p + Integer.numberOfTrailingZeros(v)];
                        t[p * 256 + v] = e;
                        lo = Math.min(lo, e);
                        hi = Math.max(hi, e);
                    }
                    min[p] = lo;
                    low[s] += lo;
                    range = Math.max(range, hi - lo);
                }
                // Byte entries whose sums over the segment fit the kernel's 15 bits.
                int levels = Math.min(255, Short.MAX_VALUE / bytes);
                step[s] = range > 0 ? range / levels : 1;
                half[s] = bytes * step[s] / 2;
                byte[] t8 = new byte[256 * bytes];
                for (int i = 0; i < t8.length; i++) {
                    t8[i] = (byte) Math.round((t[i] - min[i / 256]) / step[s]);
                }
                lut[s] = t;
                lut8[s] = t8;
            }
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

        /** The codes in blocks of 64 and, per code, the squared norm then the segments' factors. */
        @Override
        public void prepare(CodeBatch batch) {
            if (!tables) {
                return;
            }
            batch.transpose();
            int n = coded.length, rows = batch.rows();
            byte[] codes = batch.codes();
            float[] v = batch.values((n + 1) * rows);
            for (int i = 0; i < rows; i++) {
                int c = i * codeBytes;
                v[(n + 1) * i] = (float) FLOATS.get(codes, c + codeBytes - 4);
                for (int s = 0; s < n; s++) {
                    v[(n + 1) * i + 1 + s] = (float) FLOATS.get(codes, c + factorsAt + 4 * s);
                }
            }
        }

        @Override
        public void scan(CodeBatch batch, TopK heap, float[] scratch) {
            if (!tables) {
                CodeScorer.super.scan(batch, heap, scratch);
                return;
            }
            int n = coded.length, rows = batch.rows();
            int blockBytes = VectorKernels.PQ_BLOCK * codeBytes;
            byte[] blocks = batch.blocks(), codes = batch.codes();
            float[] v = batch.values((n + 1) * rows);
            long[] ids = batch.ids();
            VectorKernels k = Kernels.get();
            for (int b = 0, first = 0; first < rows; b++, first += VectorKernels.PQ_BLOCK) {
                for (int s = 0; s < n; s++) {
                    k.pqBlockSums(lut8[s], coded[s].bytes(), blocks, b * blockBytes + byteStart[s] * VectorKernels.PQ_BLOCK,
                            sums[s], 0);
                }
                int count = Math.min(VectorKernels.PQ_BLOCK, rows - first);
                for (int i = 0; i < count; i++) {
                    int r = (n + 1) * (first + i);
                    double est = 0, slack = 0;
                    for (int s = 0; s < n; s++) {
                        float f = v[r + 1 + s];
                        est += f * (low[s] + step[s] * sums[s][i] - offset[s]);
                        slack += Math.abs(f) * half[s];
                    }
                    // The float estimate sums in another order: a millionth of room for its rounding.
                    double rough = v[r] + qq - 2 * est;
                    if (rough - 2 * slack - 1e-6 * Math.abs(rough) <= heap.bound()) {
                        float d = distance(codes, (first + i) * codeBytes);
                        if (d <= heap.bound()) {
                            heap.offer(d, ids[first + i]);
                        }
                    }
                }
            }
        }
    }

    /** {@code sum_p t[256 p + codes[at + p]]}; four sums, so that the look-ups do not wait on one chain of adds. */
    private static float tableSum(float[] t, byte[] codes, int at, int bytes) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int p = 0;
        for (; p + 4 <= bytes; p += 4) {
            s0 += t[p * 256 + (codes[at + p] & 0xFF)];
            s1 += t[(p + 1) * 256 + (codes[at + p + 1] & 0xFF)];
            s2 += t[(p + 2) * 256 + (codes[at + p + 2] & 0xFF)];
            s3 += t[(p + 3) * 256 + (codes[at + p + 3] & 0xFF)];
        }
        for (; p < bytes; p++) {
            s0 += t[p * 256 + (codes[at + p] & 0xFF)];
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
