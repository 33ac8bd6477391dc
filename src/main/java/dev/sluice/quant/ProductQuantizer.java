package dev.sluice.quant;

import dev.sluice.engine.SluiceException;
import dev.sluice.simd.Kernels;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Product quantization (Jégou, Douze, Schmid 2011): the vector is cut into {@code m} sub-vectors of
 * {@code dim/m} values and each is replaced by the index of its nearest of {@code 2^nbits} sub-centroids
 * learned by k-means. A code is {@code m * nbits / 8} bytes (16 bytes for PQ16x8: 96x smaller than 384
 * float32). Search is asymmetric (ADC): per query, a table of the distances of each query sub-vector to every
 * sub-centroid, then each code costs {@code m} look-ups. Centroids are kept in FAISS's layout
 * ({@code m x ksub x dsub}) so they export unchanged. With 8 bits, code {@code j} is byte {@code j}; with 4
 * bits, two codes share a byte, the even sub-space in the low nibble.
 */
public final class ProductQuantizer implements Quantizer {
    private final int dim;
    private final int m;
    private final int nbits;
    private final int ksub;
    private final int dsub;
    private final float[] centroids;
    /** Each sub-space's centroids column-major ({@code dsub x ksub}), for the distance kernel. */
    private final float[] columns;
    // Kernels.get() at each use, not a field: reading a codebook (e.g. for a merge's manifest) need not start
    // the Vector API (50 ms).

    ProductQuantizer(int dim, int m, int nbits, float[] centroids) {
        this.dim = dim;
        this.m = m;
        this.nbits = nbits;
        this.ksub = 1 << nbits;
        this.dsub = dim / m;
        this.centroids = centroids;
        this.columns = new float[centroids.length];
        int block = ksub * dsub;
        for (int j = 0; j < m; j++) {
            float[] t = KMeans.transpose(java.util.Arrays.copyOfRange(centroids, j * block, (j + 1) * block), ksub,
                    dsub);
            System.arraycopy(t, 0, columns, j * block, block);
        }
    }

    /** Checks {@code m} and {@code nbits} against {@code dim} with messages that say what to change. */
    static void check(int dim, int m, int nbits) {
        if (nbits != 8 && nbits != 4) {
            throw SluiceException.usage("--nbits must be 8 or 4 for pq/opq, got " + nbits);
        }
        if (m < 1 || dim % m != 0) {
            throw SluiceException.usage(String.format(Locale.ROOT, "--m %d does not divide the dimension %d; %s", m,
                    dim, suggestM(dim)));
        }
        if (nbits == 4 && m % 2 != 0) {
            throw SluiceException.usage("--m must be even with --nbits 4 (two codes per byte), got " + m);
        }
    }

    /**
     * What to give as {@code --m}: divisors of {@code dim} from 4 to 128, or, when there are none (dim 1, 2, 3, or
     * a prime over 128), every divisor, 1 first: one sub-space, which makes PQ plain k-means over whole vectors.
     */
    static String suggestM(int dim) {
        List<Integer> all = new ArrayList<>();
        for (int d = 1; d <= dim; d++) {
            if (dim % d == 0 && (d <= 128 || d == dim)) {
                all.add(d);
            }
        }
        List<Integer> usual = all.stream().filter(d -> d >= 4 && d <= 128).toList();
        if (!usual.isEmpty()) {
            return String.format(Locale.ROOT, "pick a divisor of %d (e.g. %s)", dim,
                    usual.stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        return String.format(Locale.ROOT, "the only choice%s %s (--m 1: one sub-space, k-means over whole vectors)",
                all.size() == 1 ? " is" : "s are", all.stream().map(d -> "--m " + d).collect(Collectors.joining(" or ")));
    }

    /** Trains sub-space codebooks on {@code n} row-major vectors. */
    public static ProductQuantizer train(float[] data, int n, int dim, int m, int nbits, long seed, int threads) {
        return train(data, n, dim, m, nbits, seed, threads, 25);
    }

    static ProductQuantizer train(float[] data, int n, int dim, int m, int nbits, long seed, int threads,
                                  int iterations) {
        return train(data, n, dim, m, nbits, seed, threads, iterations, null);
    }

    /** The same, each sub-space's k-means starting from {@code warm}'s centroids when it is not null. */
    static ProductQuantizer train(float[] data, int n, int dim, int m, int nbits, long seed, int threads,
                                  int iterations, ProductQuantizer warm) {
        check(dim, m, nbits);
        int ksub = 1 << nbits;
        int dsub = dim / m;
        float[] centroids = new float[m * ksub * dsub];
        float[] sub = new float[n * dsub];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(data, i * dim + j * dsub, sub, i * dsub, dsub);
            }
            float[] init = warm == null ? null
                    : java.util.Arrays.copyOfRange(warm.centroids, j * ksub * dsub, (j + 1) * ksub * dsub);
            KMeans.Result r = KMeans.train(sub, n, dsub, new KMeans.Config(ksub, iterations, 256, seed + j, threads),
                    init);
            System.arraycopy(r.centroids(), 0, centroids, j * ksub * dsub, ksub * dsub);
        }
        return new ProductQuantizer(dim, m, nbits, centroids);
    }

    @Override
    public String method() {
        return "pq";
    }

    @Override
    public int dim() {
        return dim;
    }

    public int m() {
        return m;
    }

    public int nbits() {
        return nbits;
    }

    /** Sub-centroids, {@code m x 2^nbits x dim/m} row-major (FAISS's layout). */
    float[] centroids() {
        return centroids;
    }

    @Override
    public int codeBytes() {
        return m * nbits / 8;
    }

    @Override
    public void encodeTo(float[] v, int off, byte[] dest, int destOff) {
        if (nbits == 4) {
            encode4(v, off, dest, destOff, new float[m * ksub]);
            return;
        }
        float[] d = new float[ksub];
        for (int j = 0; j < m; j++) {
            dest[destOff + j] = (byte) Kernels.get().nearestColumn(v, off + j * dsub, columns, j * ksub * dsub, dsub,
                    ksub, d);
        }
    }

    @Override
    public void encodeBatch(float[] v, int off, int n, byte[] dest, int destOff) {
        if (nbits != 4) {
            Quantizer.super.encodeBatch(v, off, n, dest, destOff);
            return;
        }
        float[] d = new float[m * ksub];
        for (int i = 0; i < n; i++) {
            encode4(v, off + i * dim, dest, destOff + i * codeBytes(), d);
        }
    }

    /**
     * A 4-bit code: the distances to every sub-space's 16 sub-centroids in one kernel call ({@code pqTables}, the
     * same distances as {@code nearestColumn}'s), then each sub-space's first nearest. A call per sub-space cost
     * more than its dozen FMAs.
     */
    private void encode4(float[] v, int off, byte[] dest, int destOff, float[] d) {
        Kernels.get().pqTables(v, off, columns, m, dsub, ksub, d);
        java.util.Arrays.fill(dest, destOff, destOff + codeBytes(), (byte) 0);
        for (int j = 0; j < m; j++) {
            int t = j * ksub, best = 0;
            for (int c = 1; c < ksub; c++) {
                if (d[t + c] < d[t + best]) {
                    best = c;
                }
            }
            dest[destOff + j / 2] |= (byte) (best << ((j & 1) * 4));
        }
    }

    int codeOf(byte[] codes, int off, int j) {
        return nbits == 8 ? codes[off + j] & 0xFF : (codes[off + j / 2] >>> ((j & 1) * 4)) & 0x0F;
    }

    @Override
    public void decode(byte[] codes, int off, float[] dest, int destOff) {
        for (int j = 0; j < m; j++) {
            System.arraycopy(centroids, (j * ksub + codeOf(codes, off, j)) * dsub, dest, destOff + j * dsub, dsub);
        }
    }

    /** Per-query table: squared distance of each query sub-vector to each sub-centroid. */
    float[] table(float[] q, int off) {
        float[] lut = new float[m * ksub];
        Kernels.get().pqTables(q, off, columns, m, dsub, ksub, lut);
        return lut;
    }

    @Override
    public dev.sluice.knn.CodeScorer scorer(float[] query, int off) {
        float[] lut = table(query, off);
        if (nbits == 8) {
            return new PqScorer(Kernels.get(), lut, m);
        }
        return new Pq4Scorer(Kernels.get(), lut, m);
    }

    @Override
    public void writeBody(DataOutputStream out) throws IOException {
        out.writeInt(m);
        out.writeInt(nbits);
        Codebook.writeFloats(out, centroids);
    }

    static ProductQuantizer readBody(DataInputStream in, int dim) throws IOException {
        int m = in.readInt();
        int nbits = in.readInt();
        check(dim, m, nbits);
        return new ProductQuantizer(dim, m, nbits, Codebook.readFloats(in, m * (1 << nbits) * (dim / m)));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", method());
        d.put("dim", dim);
        d.put("m", m);
        d.put("nbits", nbits);
        d.put("code_bytes", codeBytes());
        return d;
    }
}
