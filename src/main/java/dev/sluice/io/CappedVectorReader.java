package dev.sluice.io;

/** The first {@code cap} vectors of another reader ({@code --max-vectors}): the rest are never handed on. */
final class CappedVectorReader implements VectorReader {
    private final VectorReader in;
    private final long cap;
    private long handed;

    CappedVectorReader(VectorReader in, long cap) {
        this.in = in;
        this.cap = cap;
    }

    /** {@code in} limited to {@code cap} vectors, or {@code in} itself when the cap is 0 or not below its count. */
    static VectorReader of(VectorReader in, long cap) {
        return cap <= 0 || cap >= in.count() ? in : new CappedVectorReader(in, cap);
    }

    @Override
    public int dim() {
        return in.dim();
    }

    @Override
    public long count() {
        return Math.min(cap, in.count());
    }

    @Override
    public String describe() {
        return in.describe() + String.format(java.util.Locale.ROOT, " (its first %,d vectors)", cap);
    }

    @Override
    public boolean next(VectorBatch batch) {
        return limit(handed < cap && in.next(batch), batch);
    }

    @Override
    public boolean skip(VectorBatch batch) {
        return limit(handed < cap && in.skip(batch), batch);
    }

    private boolean limit(boolean read, VectorBatch batch) {
        if (!read) {
            batch.rows = 0;
            return false;
        }
        batch.rows = (int) Math.min(batch.rows, cap - handed);
        handed += batch.rows;
        return true;
    }

    @Override
    public void rewind() {
        in.rewind();
        handed = 0;
    }

    @Override
    public void close() {
        in.close();
    }
}
