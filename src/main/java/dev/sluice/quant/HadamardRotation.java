package dev.sluice.quant;

import dev.sluice.simd.Kernels;
import java.util.Random;

/**
 * A random orthogonal map in {@code O(dim log dim)}: {@value #ROUNDS} rounds, each a random sign per dimension,
 * the normalized Walsh-Hadamard transform of a window of {@code w} dimensions (w the largest power of two up to
 * dim; the first w in even rounds, the last w in odd ones), then, when dim is not a power of two, a butterfly that
 * mixes the two halves ({@code (x_i, x_{i+h}) -> ((x_i + x_{i+h}) / sqrt 2, (x_i - x_{i+h}) / sqrt 2)},
 * {@code h = dim / 2}; after a transform of every dimension it would only be one of the transform's own stages).
 * Every step is orthogonal, so the map is; the two windows and the butterflies spread each input over the outputs.
 * Sign flips, fast Hadamard transforms and Kac-walk mixing, in the manner of the RaBitQ library's rotator: RaBitQ
 * needs a rotation that is random, not one uniform over all rotations. On 384 dimensions it costs about 4 x 2,800
 * additions a vector where a dense rotation costs 147,456 multiply-adds.
 */
final class HadamardRotation implements OrthogonalMap {
    static final int ROUNDS = 4;
    private static final float HALF_SQRT2 = (float) Math.sqrt(0.5);

    final int dim;
    /** {@code ROUNDS x dim} signs, +1 or -1, round by round. */
    final float[] signs;
    private final int window;
    /** Per round, the signs times the transform's scale {@code 1/sqrt(window)} inside the round's window. */
    private final float[] multipliers;

    HadamardRotation(int dim, float[] signs) {
        if (signs.length != ROUNDS * dim) {
            throw new IllegalArgumentException(signs.length + " signs for " + ROUNDS + " rounds of " + dim);
        }
        this.dim = dim;
        this.signs = signs;
        this.window = Integer.highestOneBit(dim);
        this.multipliers = new float[ROUNDS * dim];
        float scale = (float) (1 / Math.sqrt(window));
        for (int r = 0; r < ROUNDS; r++) {
            int at = windowAt(r);
            for (int j = 0; j < dim; j++) {
                multipliers[r * dim + j] = signs[r * dim + j] * (j >= at && j < at + window ? scale : 1f);
            }
        }
    }

    static HadamardRotation random(int dim, long seed) {
        Random rnd = new Random(seed);
        float[] s = new float[ROUNDS * dim];
        for (int i = 0; i < s.length; i++) {
            s[i] = rnd.nextBoolean() ? 1f : -1f;
        }
        return new HadamardRotation(dim, s);
    }

    @Override
    public void apply(float[] v, int off, float[] dest, int destOff) {
        var kern = Kernels.get();
        System.arraycopy(v, off, dest, destOff, dim);
        for (int r = 0; r < ROUNDS; r++) {
            kern.multiply(dest, destOff, multipliers, r * dim, dim);
            kern.hadamard(dest, destOff + windowAt(r), window);
            if (window < dim) {
                kern.butterfly(dest, destOff, dim / 2, HALF_SQRT2);
            }
        }
    }

    @Override
    public void apply4(float[] v, float[] dest) {
        for (int l = 0; l < 4; l++) {
            apply(v, l * dim, dest, l * dim);
        }
    }

    /** {@code dest = R^T v}: the rounds undone in reverse (each step is symmetric, the last two their own inverse). */
    @Override
    public void applyTransposed(float[] v, int off, float[] dest, int destOff) {
        var kern = Kernels.get();
        System.arraycopy(v, off, dest, destOff, dim);
        for (int r = ROUNDS - 1; r >= 0; r--) {
            if (window < dim) {
                kern.butterfly(dest, destOff, dim / 2, HALF_SQRT2);
            }
            kern.hadamard(dest, destOff + windowAt(r), window);
            kern.multiply(dest, destOff, multipliers, r * dim, dim);
        }
    }

    /** Where round r's window starts: the first dimensions in even rounds, the last in odd ones. */
    private int windowAt(int round) {
        return (round & 1) == 0 ? 0 : dim - window;
    }
}
