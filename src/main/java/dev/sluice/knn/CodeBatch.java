package dev.sluice.knn;

import dev.sluice.io.CodeShards;

/**
 * One batch of codes as every query's scorer sees it: the codes back to back, their ids, and what
 * {@link CodeScorer#prepare} derived from them once for all queries (a {@link CodeBlocks} layout, per-code
 * values). Written by one thread before the scans, then only read.
 */
public final class CodeBatch {
    public final CodeShards.Batch batch;
    public final int codeBytes;
    private byte[] blocks;
    private float[] values;
    private byte[] bytes;
    private boolean transposed;

    public CodeBatch(CodeShards.Batch batch, int codeBytes) {
        this.batch = batch;
        this.codeBytes = codeBytes;
    }

    public byte[] codes() {
        return batch.codes;
    }

    public long[] ids() {
        return batch.ids;
    }

    public int rows() {
        return batch.rows;
    }

    /** Forgets what was derived from the previous batch's codes. */
    void reset() {
        transposed = false;
    }

    /** Builds the {@link CodeBlocks} layout of this batch (once per batch). */
    public void transpose() {
        if (!transposed) {
            int size = CodeBlocks.size(batch.codes.length / codeBytes, codeBytes);
            if (blocks == null || blocks.length < size) {
                blocks = new byte[size];
            }
            CodeBlocks.transpose(batch.codes, batch.rows, codeBytes, blocks);
            transposed = true;
        }
    }

    /** The {@link CodeBlocks} layout; {@link #transpose} must have run for this batch. */
    public byte[] blocks() {
        if (!transposed) {
            throw new IllegalStateException("codes not transposed for this batch");
        }
        return blocks;
    }

    /** A reused array of at least {@code n} bytes for another layout of the codes that a scorer's prepare builds. */
    public byte[] bytes(int n) {
        if (bytes == null || bytes.length < n) {
            bytes = new byte[n];
        }
        return bytes;
    }

    /** A reused array of at least {@code n} floats for per-code values that a scorer's prepare computes. */
    public float[] values(int n) {
        if (values == null || values.length < n) {
            values = new float[n];
        }
        return values;
    }
}
