package dev.sluice.io;

/**
 * A stream of float vectors of one dimension, read in batches into a reused {@link VectorBatch}. Rows come in
 * input order; without an id column a row's id is its 0-based row number.
 */
public interface VectorReader extends AutoCloseable {
    int dim();

    /** Number of vectors in the input. */
    long count();

    /** What is being read, for messages: the file, and the column for Parquet. */
    String describe();

    /** Fills {@code batch} with the next rows; false once the input is exhausted (batch.rows is then 0). */
    boolean next(VectorBatch batch);

    /**
     * Moves past the rows {@link #next} would read into {@code batch}, setting its row count and first row but
     * not necessarily its data: a memory-mapped file jumps ahead; other formats read the rows anyway.
     */
    default boolean skip(VectorBatch batch) {
        return next(batch);
    }

    /**
     * Whether {@link #readRow} reads any row directly (a memory-mapped file, whose ids are its row numbers), from
     * several threads at once.
     */
    default boolean rowAccess() {
        return false;
    }

    /** Row {@code row}'s values into {@code dst} at {@code off}; only where {@link #rowAccess} holds. */
    default void readRow(long row, float[] dst, int off) {
        throw new UnsupportedOperationException(describe() + " is read in order only");
    }

    /** Goes back to the first row, for a second pass over the input. */
    void rewind();

    /** A batch of this reader's dimension. */
    default VectorBatch newBatch(int capacity) {
        return new VectorBatch(dim(), capacity);
    }

    @Override
    void close();
}
