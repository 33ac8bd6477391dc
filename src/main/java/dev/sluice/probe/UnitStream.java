package dev.sluice.probe;

import java.io.IOException;
import java.util.Arrays;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One sorted stream of the measurements of many work units (its first column the key rank, the sort's
 * first key; each unit owns one range of ranks), read one unit at a time: {@link #nextUnit} moves to the
 * next unit, then {@link #next} hands out that unit's rows as ranges of the stream's batches, without
 * copying them.
 */
final class UnitStream {
    private final ArrowReader in;
    private final long[] firstKid;
    private final int[] unitOfRange;
    private VectorSchemaRoot root;
    private int row;
    private int rows;
    private int unit = -1;
    private int from;
    private int to;

    /**
     * @param firstKid the first key rank of each unit, ascending
     * @param unitOfRange the unit whose ranks start at the same index of {@code firstKid}
     */
    UnitStream(ArrowReader in, long[] firstKid, int[] unitOfRange) {
        this.in = in;
        this.firstKid = firstKid;
        this.unitOfRange = unitOfRange;
    }

    Schema schema() throws IOException {
        return in.getVectorSchemaRoot().getSchema();
    }

    /** Moves to the first row of the next unit and returns its number, or -1 at the end of the stream. */
    int nextUnit() throws IOException {
        while (next()) {
            // rows of the current unit nobody read: skipped
        }
        unit = hasRow() ? unitAt(row) : -1;
        return unit;
    }

    /** The next range of the current unit's rows, in {@link #root} from {@link #from} to {@link #to}. */
    boolean next() throws IOException {
        if (unit < 0 || !hasRow() || unitAt(row) != unit) {
            return false;
        }
        from = row;
        if (unitAt(rows - 1) == unit) {
            to = rows;
        } else {
            int lo = row + 1;
            int hi = rows - 1; // unitAt(hi) != unit
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (unitAt(mid) == unit) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            to = lo;
        }
        row = to;
        return true;
    }

    VectorSchemaRoot root() {
        return root;
    }

    int from() {
        return from;
    }

    int to() {
        return to;
    }

    private boolean hasRow() throws IOException {
        while (root == null || row >= rows) {
            if (!in.loadNextBatch()) {
                return false;
            }
            root = in.getVectorSchemaRoot();
            row = 0;
            rows = root.getRowCount();
        }
        return true;
    }

    private int unitAt(int r) {
        long kid = ((BaseIntVector) root.getVector(0)).getValueAsLong(r);
        int i = Arrays.binarySearch(firstKid, kid);
        return unitOfRange[i >= 0 ? i : -i - 2];
    }
}
