package dev.sluice.knn;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.CodeShards;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's codes held in memory in batches, for the repeated passes of {@code eval} (a cold pass, warm passes, a
 * re-ranking pass): read once instead of once per pass, and prepared once for all passes: what every query's
 * scorer shares from a batch ({@link CodeScorer#prepare}: a transposed layout, per-code values) depends on the
 * quantizer, not on the query, so later passes scan the batches as they are, as a search service (or FAISS's
 * in-memory fast-scan index) holds its codes laid out for the scan. One quantizer's scorers only.
 */
public final class HeldCodes {
    private final List<CodeBatch> batches;
    private boolean prepared;

    private HeldCodes(List<CodeBatch> batches) {
        this.batches = batches;
    }

    /** Reads every code of {@code reader}, {@code rows} of them, into memory. */
    public static HeldCodes read(CodeShards.Source reader, long rows, int codeBytes) {
        List<CodeBatch> batches = new ArrayList<>();
        long at = 0;
        while (true) {
            CodeBatch b = new CodeBatch(new CodeShards.Batch(CodeSearch.CODE_BATCH, codeBytes), codeBytes);
            if (!reader.next(b.batch)) {
                break;
            }
            at += b.rows();
            if (at > rows) {
                throw SluiceException.input("the code shards hold more codes than their manifest says (" + rows
                        + "); rerun compress");
            }
            batches.add(b);
        }
        return new HeldCodes(batches);
    }

    /**
     * Bytes the codes of a run take in memory at most: the codes and their ids, a layout of the codes as large
     * again, and per-code values of at most twice the code (SAQ's: 4 bytes a segment and 4, against a code's 4
     * bytes a segment and 4 more, besides its bits).
     */
    public static long bytes(long rows, int codeBytes) {
        return rows * (4L * codeBytes + 8);
    }

    /** The batches, prepared by {@code preparer} on the first call. */
    List<CodeBatch> batches(CodeScorer preparer) {
        if (!prepared && preparer != null) {
            for (CodeBatch b : batches) {
                b.reset();
                preparer.prepare(b);
            }
            prepared = true;
        }
        return batches;
    }
}
