package dev.sluice.quant;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * A {@code dim x dim} orthogonal matrix, stored row-major in floats; {@code apply} computes {@code y = R x}.
 * Linear algebra (QR, SVD) is EJML's, in doubles.
 */
final class Rotation implements OrthogonalMap {
    final int dim;
    /** Row-major: row i holds the weights of output i. */
    final float[] matrix;

    Rotation(int dim, float[] matrix) {
        this.dim = dim;
        this.matrix = matrix;
    }

    static Rotation identity(int dim) {
        float[] m = new float[dim * dim];
        for (int i = 0; i < dim; i++) {
            m[i * dim + i] = 1;
        }
        return new Rotation(dim, m);
    }

    /** A uniformly random orthogonal matrix: Q of the QR decomposition of a Gaussian matrix, signs fixed by R. */
    static Rotation random(int dim, long seed) {
        Random rnd = new Random(seed);
        DMatrixRMaj g = new DMatrixRMaj(dim, dim);
        for (int i = 0; i < dim * dim; i++) {
            g.data[i] = rnd.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(dim, dim);
        qr.decompose(g);
        DMatrixRMaj q = qr.getQ(null, false);
        DMatrixRMaj r = qr.getR(null, false);
        for (int j = 0; j < dim; j++) {
            if (r.get(j, j) < 0) {
                for (int i = 0; i < dim; i++) {
                    q.set(i, j, -q.get(i, j));
                }
            }
        }
        return fromDoubles(q);
    }

    /**
     * The orthogonal R that best maps {@code x} onto {@code y} (orthogonal Procrustes): with
     * {@code U S V^T = svd(Y^T X)}, {@code R = U V^T} minimizes {@code ||R x_i - y_i||} over the rows.
     */
    static Rotation procrustes(float[] x, float[] y, int n, int dim) {
        DMatrixRMaj xm = new DMatrixRMaj(n, dim);
        DMatrixRMaj ym = new DMatrixRMaj(n, dim);
        for (int i = 0; i < n * dim; i++) {
            xm.data[i] = x[i];
            ym.data[i] = y[i];
        }
        DMatrixRMaj c = new DMatrixRMaj(dim, dim);
        CommonOps_DDRM.multTransA(ym, xm, c);
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(dim, dim, true, true, false);
        if (!svd.decompose(c)) {
            throw new IllegalStateException("SVD did not converge while fitting the OPQ rotation");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj vt = svd.getV(null, true);
        DMatrixRMaj r = new DMatrixRMaj(dim, dim);
        CommonOps_DDRM.mult(u, vt, r);
        return fromDoubles(r);
    }

    private static Rotation fromDoubles(DMatrixRMaj m) {
        int dim = m.numRows;
        float[] f = new float[dim * dim];
        for (int i = 0; i < dim * dim; i++) {
            f[i] = (float) m.data[i];
        }
        return new Rotation(dim, f);
    }

    /** {@code dest[destOff + i] = sum_j R[i][j] * v[off + j]}. */
    @Override
    public void apply(float[] v, int off, float[] dest, int destOff) {
        var kern = dev.sluice.simd.Kernels.get();
        for (int i = 0; i < dim; i++) {
            dest[destOff + i] = kern.dot(matrix, i * dim, v, off, dim);
        }
    }

    /**
     * {@code y = R x} for the four vectors at rows 0..3 of {@code v} ({@code dim} apart), into the same rows of
     * {@code dest} ({@link dev.sluice.simd.VectorKernels#matVec4} over R^T). Each output is the same function of
     * its own vector whatever the other three are, so a vector rotates alike alone (repeated) or in a group.
     */
    @Override
    public void apply4(float[] v, float[] dest) {
        dev.sluice.simd.Kernels.get().matVec4(transposed(), dim, v, dest);
    }

    /** {@code dest = R^T v}: the inverse rotation, by dot products with the rows of R^T (built once). */
    @Override
    public void applyTransposed(float[] v, int off, float[] dest, int destOff) {
        float[] t = transposed();
        var kern = dev.sluice.simd.Kernels.get();
        for (int i = 0; i < dim; i++) {
            dest[destOff + i] = kern.dot(t, i * dim, v, off, dim);
        }
    }

    private volatile float[] transposed;

    private float[] transposed() {
        float[] t = transposed;
        if (t == null) {
            t = new float[dim * dim];
            for (int i = 0; i < dim; i++) {
                for (int j = 0; j < dim; j++) {
                    t[j * dim + i] = matrix[i * dim + j];
                }
            }
            transposed = t;
        }
        return t;
    }
}
