package dev.sluice.simd;

/**
 * The hot loops, over plain arrays with offsets so that callers can keep a batch of vectors in one flat
 * {@code float[]} (row-major, {@code dim} floats per vector). Implementations only assert their arguments;
 * {@link Kernels} checks them.
 */
public interface VectorKernels {

    /** {@code sum (a[ao+i] - b[bo+i])^2} over {@code dim} values. */
    float squareDistance(float[] a, int ao, float[] b, int bo, int dim);

    /** {@code sum a[ao+i] * b[bo+i]} over {@code dim} values. */
    float dot(float[] a, int ao, float[] b, int bo, int dim);

    /**
     * Dot products of four queries (rows {@code q0}, {@code q0 + dim}, ... of {@code queries}) with two vectors, at
     * {@code bo0} into {@code out[0..4)} and at {@code bo1} into {@code out[4..8)}: each query vector is loaded once
     * for both and each vector once for four queries, which is what makes exact search compute-bound instead of
     * load-bound. A vector's four products do not depend on the other vector (a single one is passed twice).
     */
    void dot4x2(float[] queries, int q0, float[] b, int bo0, int bo1, int dim, float[] out);

    /**
     * {@code out[c] = sum_j (q[qo + j] - cols[co + j * count + c])^2} for {@code c < count}: one query against
     * {@code count} vectors stored column-major (dimension j of every vector side by side). Lanes then run
     * across vectors, which suits many short vectors: PQ sub-spaces and k-means centroids of 8 to 64 values.
     */
    void squareDistancesColumnMajor(float[] q, int qo, float[] cols, int co, int dim, int count, float[] out);

    /**
     * {@code y_l = M x_l} for the four vectors {@code x_l = v[l * dim ..]}, into {@code dest[l * dim ..]}, with M
     * given transposed ({@code mT[j * dim + i] = M[i][j]}). Each output is one chain of fused multiply-adds over j
     * in order, {@code y = fma(M[i][j], x[j], y)}, so every kernel gives the same bits, and a vector the same
     * output whatever the other three are.
     */
    default void matVec4(float[] mT, int dim, float[] v, float[] dest) {
        java.util.Arrays.fill(dest, 0, 4 * dim, 0f);
        for (int l = 0; l < 4; l++) {
            for (int j = 0; j < dim; j++) {
                float x = v[l * dim + j];
                for (int i = 0; i < dim; i++) {
                    dest[l * dim + i] = Math.fma(mT[j * dim + i], x, dest[l * dim + i]);
                }
            }
        }
    }

    /**
     * A PQ query's tables in one call: {@link #squareDistancesColumnMajor} of each of the {@code m} sub-vectors
     * of {@code dsub} values from {@code q[qo]} against its {@code ksub} sub-centroids (stored column-major, sub-space
     * {@code j} at {@code cols[j * ksub * dsub]}), into {@code out[j * ksub ..]}.
     */
    default void pqTables(float[] q, int qo, float[] cols, int m, int dsub, int ksub, float[] out) {
        float[] d = new float[ksub];
        for (int j = 0; j < m; j++) {
            squareDistancesColumnMajor(q, qo + j * dsub, cols, j * ksub * dsub, dsub, ksub, d);
            System.arraycopy(d, 0, out, j * ksub, ksub);
        }
    }

    /**
     * The column nearest to the query in the layout of {@link #squareDistancesColumnMajor}: the first index of the
     * smallest of its distances, computed as that method computes them. {@code scratch} holds at least
     * {@code count} floats. Encoding a PQ sub-vector is this call.
     */
    default int nearestColumn(float[] q, int qo, float[] cols, int co, int dim, int count, float[] scratch) {
        squareDistancesColumnMajor(q, qo, cols, co, dim, count, scratch);
        int best = 0;
        for (int c = 1; c < count; c++) {
            if (scratch[c] < scratch[best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * PQ asymmetric distances: {@code out[i] = sum_m lut[m * ksub + code(i, m)]} for {@code count} codes of
     * {@code m} bytes each (8-bit codes), starting at byte {@code codeOffset}.
     */
    void pqDistances(float[] lut, int ksub, byte[] codes, int codeOffset, int count, int m, float[] out);

    /** Codes per block of the sub-space-major layout that {@link #pqBlockAtMost} reads. */
    int PQ_BLOCK = 64;

    /**
     * PQ scan with byte tables over one block of {@value #PQ_BLOCK} 8-bit codes stored sub-space-major, the two
     * halves of the block interleaved (byte {@code j} of code {@code i} at {@code blocks[off + j * 64 + lane(i)]},
     * {@code lane(i) = 2i} for {@code i < 32}, {@code 2(i - 32) + 1} above): bit {@code i} of the result is set when
     * {@code sum_j u8(lut[j * 256 + code(i, j)]) <= threshold}. The sums must fit in 15 bits
     * ({@code m * max(lut) <= 32767}): lanes add them as shorts.
     */
    long pqBlockAtMost(byte[] lut, int m, byte[] blocks, int off, int threshold);

    /** Bytes of one 16-entry table of {@link #pq4BlockAtMost}: the entries, repeated to a full vector's width. */
    int PQ4_TABLE = 64;

    /**
     * The fast scan of 4-bit PQ (André et al. 2015, FAISS's "fs" indexes) over one block of {@value #PQ_BLOCK}
     * codes in the layout of {@link #pqBlockAtMost}, code byte {@code b} holding sub-quantizer {@code 2b} in its
     * low nibble and {@code 2b + 1} in its high one: each sub-quantizer's table of 16 entries (at most 127, at
     * {@code tables[j * PQ4_TABLE]}) is held in a register and looked up with a byte shuffle, and the sums are
     * kept in bytes that saturate at 255: {@code s = min(255, s + (t[2b][lo] + t[2b + 1][hi]))} byte by byte.
     * Bit {@code i} of the result is set when code i's {@code s <= threshold}; a threshold of 255 or more lets
     * every code through.
     */
    long pq4BlockAtMost(byte[] tables, int m, byte[] blocks, int off, int threshold);

    /**
     * The saturated byte sums of {@link #pq4BlockAtMost} themselves for the block's {@value #PQ_BLOCK} codes, lane
     * l's at {@code sums[sumsOff + l]} (the layout's lanes, as {@link #pq4BlocksAtMost} gives them).
     */
    void pq4BlockSums(byte[] tables, int m, byte[] blocks, int off, byte[] sums, int sumsOff);

    /**
     * The byte tables of {@link #pq4BlockAtMost} from {@code m} tables of 16 float distances: entry c of table j is
     * {@code u = (lut[16 j + c] - min[j]) * scale + 0.5f} clamped to {@code [0, 127]} and truncated (rounding to
     * the nearest step), written to {@code tables[j * PQ4_TABLE + 16 r + c]} for r = 0..3. The floats are finite.
     */
    default void pq4Tables(float[] lut, float[] min, int m, float scale, byte[] tables) {
        for (int j = 0; j < m; j++) {
            int t = j * PQ4_TABLE;
            for (int c = 0; c < 16; c++) {
                float q = Math.min(Math.max((lut[j * 16 + c] - min[j]) * scale + 0.5f, 0f), 127f);
                byte b = (byte) (int) q;
                tables[t + c] = b;
                tables[t + 16 + c] = b;
                tables[t + 32 + c] = b;
                tables[t + 48 + c] = b;
            }
        }
    }

    /** Blocks that {@link #pq4BlocksAtMost} scans together. */
    int PQ4_GROUP = 4;

    /**
     * {@link #pq4BlockAtMost} over {@value #PQ4_GROUP} consecutive blocks from {@code off} at once, their results
     * in {@code masks[0..PQ4_GROUP)}: a kernel may load each pair of tables once for all of them. {@code sums} gets
     * a lower bound of each code's byte sum, block g's lane l at {@code 64 g + l} (the layout's lanes: code i at
     * lane {@code 2i} below 32, {@code 2(i - 32) + 1} above), so that a scan can drop a candidate whose sum no
     * longer passes a threshold lowered since: the sum itself where the kernel holds it in one vector (AVX-512),
     * 0 otherwise (which drops nothing).
     */
    default void pq4BlocksAtMost(byte[] tables, int m, byte[] blocks, int off, int threshold, long[] masks,
                                 byte[] sums) {
        for (int g = 0; g < PQ4_GROUP; g++) {
            masks[g] = pq4BlockAtMost(tables, m, blocks, off + g * PQ_BLOCK * (m / 2), threshold);
        }
        java.util.Arrays.fill(sums, 0, PQ4_GROUP * PQ_BLOCK, (byte) 0);
    }

    /**
     * The sums themselves for the same layout: {@code out[outOff + i] = sum_j u8(lut[j * 256 + code(i, j)])} for
     * the {@value #PQ_BLOCK} codes of the block; they must fit in 15 bits.
     */
    void pqBlockSums(byte[] lut, int m, byte[] blocks, int off, short[] out, int outOff);

    /**
     * RaBitQ's 1-bit estimates for the {@value #PQ_BLOCK} codes of a block, from their byte-table sums {@code w}
     * ({@link #pqBlockSums}) and three per-code values in {@code values}: {@code a} (norm squared) from
     * {@code off}, {@code b} (the code's factor) from {@code off + span}, {@code o} (its popcount) from
     * {@code off + 2 span}; the query's values are {@code query = {|q|, |q|^2, 2 lo, 2 delta, sum q}}:
     * {@code out[i] = fma(-(|q| b), fma(2 delta, w, fma(2 lo, o, -sum q)), a + |q|^2)}, each fused as written, so
     * that every kernel gives the same floats. Bit i of the result is set when {@code out[i] <= bound}.
     */
    default long bitEstimatesAtMost(short[] w, float[] values, int off, int span, float[] query, float bound,
                                    float[] out) {
        float qNorm = query[0], qNorm2 = query[1], twoLo = query[2], twoDelta = query[3], sumQ = query[4];
        long hits = 0;
        for (int i = 0; i < PQ_BLOCK; i++) {
            float t = Math.fma(twoDelta, (float) w[i], Math.fma(twoLo, values[off + 2 * span + i], -sumQ));
            float d = Math.fma(-qNorm * values[off + span + i], t, values[off + i] + qNorm2);
            out[i] = d;
            hits |= (d <= bound ? 1L : 0L) << i;
        }
        return hits;
    }

    /**
     * SAQ's screen for the {@value #PQ_BLOCK} codes of a block, from their sign sums {@code w[s]} per segment
     * ({@link #pqBlockSums}) and runs of {@value #PQ_BLOCK} per-code values from {@code off}: {@code a} (norm
     * squared), then per segment {@code alpha} and {@code e} (its error bound per unit of query norm); the
     * query's four factors per segment are {@code f = factors[4s..4s+3]}. Per code, with {@code n = a + qq}:
     * {@code lower = n - sum_s fma(alpha, fma(f0, w, f1), |alpha| f2)} and {@code spread = sum_s fma(e f3, e f3, .)},
     * in segment order and fused as written, so that every kernel gives the same floats; bit i of the result is
     * set when {@code (lower - sqrt(spread)) - 1e-5 n <= bound}.
     */
    default long saqBlockAtMost(short[][] w, float[] values, int off, float[] factors, int segments, float qq,
                                float bound) {
        long hits = 0;
        for (int i = 0; i < PQ_BLOCK; i++) {
            float n = values[off + i] + qq, lower = n, spread = 0;
            for (int s = 0; s < segments; s++) {
                float alpha = values[off + (1 + 2 * s) * PQ_BLOCK + i];
                float e = values[off + (2 + 2 * s) * PQ_BLOCK + i] * factors[4 * s + 3];
                lower -= Math.fma(alpha, Math.fma(factors[4 * s], (float) w[s][i], factors[4 * s + 1]),
                        Math.abs(alpha) * factors[4 * s + 2]);
                spread = Math.fma(e, e, spread);
            }
            float d = lower - (float) Math.sqrt(spread) - 1e-5f * n;
            hits |= (d <= bound ? 1L : 0L) << i;
        }
        return hits;
    }

    /**
     * The unnormalized Walsh-Hadamard transform of {@code x[off, off + n)} in place ({@code n} a power of two): stage
     * {@code h = 1, 2, 4, ...} replaces each pair {@code (x_j, x_{j+h})}, j with bit h clear, by
     * {@code (x_j + x_{j+h}, x_j - x_{j+h})}. Every kernel does the same additions on the same pairs, so they give
     * the same floats.
     */
    default void hadamard(float[] x, int off, int n) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = off; i < off + n; i += 2 * h) {
                for (int j = i; j < i + h; j++) {
                    float a = x[j], b = x[j + h];
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
    }

    /** {@code x[xo + i] *= m[mo + i]} for {@code i < n}. */
    default void multiply(float[] x, int xo, float[] m, int mo, int n) {
        for (int i = 0; i < n; i++) {
            x[xo + i] *= m[mo + i];
        }
    }

    /**
     * The butterfly of {@code x[off, off + 2h)}: {@code (x_i, x_{i+h}) -> ((x_i + x_{i+h}) c, (x_i - x_{i+h}) c)}
     * for {@code i < h}, the same operations in every kernel.
     */
    default void butterfly(float[] x, int off, int h, float c) {
        for (int i = off; i < off + h; i++) {
            float a = x[i], b = x[i + h];
            x[i] = (a + b) * c;
            x[i + h] = (a - b) * c;
        }
    }

    /** {@code sum (q[i] - step[i] * u8(codes[off+i]))^2}: squared distance to an 8-bit scalar-quantized vector. */
    float u8SquareDistance(float[] q, float[] step, byte[] codes, int off, int dim);

    /**
     * Scalar quantization of {@code dim} values, FAISS's arithmetic (QT_8bit / QT_4bit, so that codes match its bit
     * for bit): {@code t = (v[off + j] - vmin[j]) / vdiff[j]} clamped to [0, 1], then {@code codes[codesOff + j]
     * = floor(levels * t)}, the product rounded to float for 255 levels and exact (FAISS multiplies in double) for
     * 15; 0 where {@code vdiff[j]} is 0. The values are finite.
     */
    default void sqCodes(float[] v, int off, float[] vmin, float[] vdiff, int levels, byte[] codes, int codesOff,
                         int dim) {
        for (int j = 0; j < dim; j++) {
            codes[codesOff + j] = (byte) sqCode(v[off + j], vmin[j], vdiff[j], levels);
        }
    }

    /** One code of {@link #sqCodes}. */
    static int sqCode(float x, float vmin, float vdiff, int levels) {
        if (vdiff == 0) {
            return 0;
        }
        float t = Math.clamp((x - vmin) / vdiff, 0f, 1f);
        return levels == 15 ? (int) (t * 15.0) : (int) (levels * t);
    }

    /**
     * {@code sum w[i] * u8(codes[off0 + i])} into {@code out[0]} and the same at {@code off1} into {@code out[1]}: a
     * dot product with two 8-bit codes, the weights loaded once for both.
     */
    default void u8Dot2(float[] w, byte[] codes, int off0, int off1, int dim, float[] out) {
        float s = 0, t = 0;
        for (int i = 0; i < dim; i++) {
            s += w[i] * (codes[off0 + i] & 0xFF);
            t += w[i] * (codes[off1 + i] & 0xFF);
        }
        out[0] = s;
        out[1] = t;
    }

    /**
     * The same for 4-bit codes, two per byte: byte {@code j} holds value {@code 2j} in its low nibble and
     * {@code 2j+1} in its high nibble; {@code qEven/stepEven} hold the even positions, {@code qOdd/stepOdd} the odd.
     */
    float u4SquareDistance(float[] qEven, float[] stepEven, float[] qOdd, float[] stepOdd, byte[] codes, int off,
                           int bytes);

    /** {@code sum wEven[j] * lo(codes[off+j]) + wOdd[j] * hi(codes[off+j])}: a dot product with 4-bit codes. */
    float u4Dot(float[] wEven, float[] wOdd, byte[] codes, int off, int bytes);

    /** {@code popcount(a[ao+i] & b[bo+i])} summed over {@code words} longs. */
    int andPopcount(long[] a, int ao, long[] b, int bo, int words);

    /** {@code popcount(a[ao+i] ^ b[bo+i])} summed over {@code words} longs: Hamming distance. */
    int xorPopcount(long[] a, int ao, long[] b, int bo, int words);

    /**
     * The positions {@code i < n} (ascending) of the floats at byte {@code offset} of {@code s} (native order) with
     * {@code s[i] > threshold}, written to {@code out} (at least {@code n} long); returns how many. A top-k scan
     * over a row of logits calls this with its current k-th best, so most of the row costs one compare per lane.
     */
    int indicesAbove(java.lang.foreign.MemorySegment s, long offset, int n, float threshold, int[] out);

    /** {@code sum exp(s[i] - shift)} over the {@code n} floats at byte {@code offset} of {@code s} (native order). */
    double sumExp(java.lang.foreign.MemorySegment s, long offset, int n, float shift);

    /** A short name for logs and run records: "scalar" or "panama-256" (the vector size in bits). */
    String name();
}
