package dev.sluice.quant;

/** An orthogonal map of {@code R^dim}: a dense {@link Rotation} or a fast {@link HadamardRotation}. */
sealed interface OrthogonalMap permits Rotation, HadamardRotation {
    /** {@code dest = R v}. */
    void apply(float[] v, int off, float[] dest, int destOff);

    /** {@code R x} for the four vectors at rows 0..3 of {@code v} ({@code dim} apart), into the same rows of dest. */
    void apply4(float[] v, float[] dest);

    /** {@code dest = R^T v}, the inverse. */
    void applyTransposed(float[] v, int off, float[] dest, int destOff);
}
