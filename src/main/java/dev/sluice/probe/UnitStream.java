package dev.sluice.probe;

import java.io.IOException;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One sorted stream of the measurements of many work units (its last column the unit number, the sort's
 * first key), read one unit at a time: {@link #nextUnit} moves to the next unit, then {@link #next} hands
 * out that unit's rows as ranges of the stream's batches, without copying them.
 */
final class UnitStream {
    private final ArrowReader in;
    private VectorSchemaRoot root;
    private int row;
    private int rows;
    private int unit = -1;
    private int from;
    private int to;

    UnitStream(ArrowReader in) {
        this.in = in;
    }

    /** The columns the units' rows carry: every column but the unit number. */
    Schema schema() throws IOException {
        var fields = in.getVectorSchemaRoot().getSchema().getFields();
        return new Schema(fields.subList(0, fields.size() - 1));
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
        return (int) ((BaseIntVector) root.getVector(root.getFieldVectors().size() - 1)).getValueAsLong(r);
    }
}
