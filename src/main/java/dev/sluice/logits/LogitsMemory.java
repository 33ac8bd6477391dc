package dev.sluice.logits;

import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sizes;
import java.util.Locale;

/**
 * How {@code logits} spends its budget, beside the heap and Arrow that its {@link dev.sluice.engine.MemoryPolicy}
 * gives: ONNX Runtime holds the teacher's weights and its activations (counted as twice the model file), DuckDB
 * only reads and writes Parquet (its minimum), and the rest holds one batch's logits, [tokens, vocab] float32,
 * which must take at least one whole piece of a sequence. Windows of input sequences are sized so that their
 * top-k output, in Java arrays and again in Arrow, fits the heap and Arrow shares.
 *
 * @param logitsBytes the logits buffer: a batch is as many tokens as it holds
 * @param windowRows  sequences scored and written together
 */
record LogitsMemory(long logitsBytes, int windowRows, long duckdbBytes) {
    /** Largest logits buffer unless one piece needs more: batches of a few thousand tokens keep ONNX Runtime busy. */
    static final long MAX_LOGITS = 512L << 20;

    static LogitsMemory plan(MemoryBudget budget, long teacherBytes, int vocab, int seqLen, int topK) {
        // DuckDB reads pack's shards and buffers the cache's row groups as it writes them.
        long duck = Math.max(MemoryBudget.MIN_DUCKDB, 6 * LogitsJob.ROW_GROUP_BYTES);
        long free = budget.totalBytes() - budget.jvmHeapBytes() - budget.jvmOverheadBytes() - budget.arrowBytes()
                - (long) (duck * MemoryBudget.DUCKDB_OVERSHOOT) - 2 * teacherBytes;
        long piece = 4L * vocab * seqLen;
        if (free < piece) {
            long need = budget.totalBytes() - free + piece;
            throw SluiceException.resource(String.format(Locale.ROOT, "memory budget %s leaves %s for the teacher's "
                    + "logits, and one sequence of %,d tokens over %,d ids takes %s; give --memory-limit %s or more "
                    + "(or pack shorter sequences)", Sizes.format(budget.totalBytes()), Sizes.format(Math.max(0, free)),
                    seqLen, vocab, Sizes.format(piece), Sizes.format(need)), null);
        }
        long logits = Math.max(piece, Math.min(free, MAX_LOGITS)) / 4 * 4;
        long rowBytes = 8L * seqLen * topK;
        // A window is about a row group: DuckDB holds a scanned batch and the row group it fills at once.
        long windowBytes = Math.min(Math.min(budget.jvmHeapBytes() / 3, budget.arrowBytes() / 2),
                LogitsJob.ROW_GROUP_BYTES);
        return new LogitsMemory(logits, (int) Math.max(1, windowBytes / rowBytes), duck);
    }

    /** Tokens per batch (rows times the longest piece in it). */
    int batchTokens(int vocab) {
        return (int) Math.min(Integer.MAX_VALUE, logitsBytes / (4L * vocab));
    }
}
