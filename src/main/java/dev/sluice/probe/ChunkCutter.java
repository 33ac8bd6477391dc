package dev.sluice.probe;

import dev.sluice.io.ArrowCopy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Java pass of probe-rows: one unit's measurements sorted by (key id, time, tie-break) come in as
 * ranges of Arrow batches and leave as training rows, each key's run cut into chunks of at most
 * {@code maxLen}.
 *
 * <p>Input columns: {@code kid} (the key's rank, an integer), the time, then the fields; the keys come
 * from a second stream, {@code (kid, key)} sorted by kid, read in step (joining them in DuckDB before the
 * sort made the sort three times slower). Output
 * columns: the key, {@code chunk}, {@code n}, {@code first_<time>}, {@code last_<time>}, then one list
 * per time and field column. It replaces DuckDB's ordered {@code list()} aggregate, which cannot spill:
 * the sort before it spills, and cutting a sorted stream needs only the current row.
 *
 * <p>Any column type passes through: fixed-width and text columns are copied as byte ranges, others with Arrow's
 * type-generic {@code copyFromSafe}; a text field sorted as codes ({@link TextCodes}) comes in as codes and leaves
 * as its text.
 * Every batch holds exactly {@code batchRows} rows (the last fewer), the shard's row-group size: DuckDB
 * writes a row group per batch when it copies on several threads and merges batches up to the row-group
 * size on one, so only batches of exactly that size give the same file bytes for any thread count.
 */
public final class ChunkCutter extends ArrowReader {
    private final UnitStream in;
    private final ArrowReader keys;
    private VectorSchemaRoot keyRoot;
    private int keyRow;
    private final int maxLen;
    private final int batchRows;
    private final String timeName;
    private final TextCodes codes;

    // Position in the input.
    private VectorSchemaRoot inRoot;
    private int inRow;
    private int inRows;
    private boolean[] inNullFree;
    private boolean inputDone;

    // The row being built, carried from one input batch to the next.
    private long currentKid = Long.MIN_VALUE;
    private int chunk;
    private int n;
    private boolean open;
    private int outRow = -1;
    private int values;
    // The input row that opens the next output row (its key and first time).
    private int pendingKeyRow;

    private long rowsOut;
    private long measurementsIn;

    ChunkCutter(UnitStream sortedInput, ArrowReader keysByKid, BufferAllocator allocator, int maxLen,
                       int batchRows, String timeName, TextCodes codes) {
        super(allocator);
        this.codes = codes;
        this.in = sortedInput;
        this.keys = keysByKid;
        this.maxLen = maxLen;
        this.batchRows = batchRows;
        this.timeName = timeName;
    }

    public long rowsOut() {
        return rowsOut;
    }

    public long measurementsIn() {
        return measurementsIn;
    }

    @Override
    protected Schema readSchema() throws IOException {
        List<Field> inFields = in.schema().getFields();
        Field key = keys.getVectorSchemaRoot().getSchema().getFields().get(1);
        Field time = inFields.get(1);
        List<Field> out = new ArrayList<>();
        out.add(key);
        out.add(Field.nullable("chunk", new ArrowType.Int(32, true)));
        out.add(Field.nullable("n", new ArrowType.Int(32, true)));
        out.add(new Field("first_" + timeName, time.getFieldType(), time.getChildren()));
        out.add(new Field("last_" + timeName, time.getFieldType(), time.getChildren()));
        for (int i = 1; i < inFields.size(); i++) {
            Field f = inFields.get(i);
            FieldType type = i >= 2 && codes.field(i - 2) != null
                    ? FieldType.nullable(ArrowType.Utf8.INSTANCE) : f.getFieldType();
            Field element = new Field("element", type, f.getChildren());
            out.add(new Field(f.getName(), FieldType.nullable(ArrowType.List.INSTANCE), List.of(element)));
        }
        return new Schema(out);
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot out = getVectorSchemaRoot();
        List<FieldVector> outVecs = out.getFieldVectors();
        // Fresh buffers for every batch: DuckDB may still be reading the last exported one, which holds its
        // own references to the old buffers; clearing in place would zero them under it.
        out.clear();
        out.allocateNew();
        outRow = -1;
        values = 0;
        if (open) {
            // The row left open at the end of the last batch continues here.
            startRow(outVecs);
        }
        while (true) {
            if (inRow >= inRows) {
                if (inputDone || !nextInput()) {
                    inputDone = true;
                    if (open) {
                        closeRow(outVecs);
                        open = false;
                    }
                    return finish(out, outVecs);
                }
            }
            BaseIntVector kids = (BaseIntVector) inRoot.getVector(0);
            while (inRow < inRows) {
                long kid = kids.getValueAsLong(inRow);
                boolean newKey = kid != currentKid;
                if (newKey || n == maxLen) {
                    if (open) {
                        closeRow(outVecs);
                        open = false;
                        if (outRow + 1 >= batchRows) {
                            // End the batch between rows; this row starts the next one.
                            nextRow(kid, newKey);
                            return finish(out, outVecs);
                        }
                    }
                    nextRow(kid, newKey);
                    startRow(outVecs);
                }
                // The run of this row's measurements in the batch: same key, up to max-len.
                int end = inRow + 1;
                int limit = (int) Math.min(inRows, (long) inRow + maxLen - n);
                while (end < limit && kids.getValueAsLong(end) == kid) {
                    end++;
                }
                appendRange(outVecs, inRow, end - inRow);
                inRow = end;
            }
        }
    }

    private void nextRow(long kid, boolean newKey) {
        if (newKey) {
            currentKid = kid;
            chunk = 0;
        } else {
            chunk++;
        }
        n = 0;
        open = true;
        pendingKeyRow = inRow;
    }

    private void startRow(List<FieldVector> outVecs) {
        outRow++;
        List<FieldVector> inVecs = inRoot.getFieldVectors();
        FieldVector key = keyOf(currentKid);
        outVecs.get(0).copyFromSafe(keyRow, outRow, key);
        ((IntVector) outVecs.get(1)).setSafe(outRow, chunk);
        outVecs.get(3).copyFromSafe(pendingKeyRow, outRow, inVecs.get(1));
        for (int c = 5; c < outVecs.size(); c++) {
            ((ListVector) outVecs.get(c)).startNewValue(outRow);
        }
    }

    /** Appends input rows {@code [from, from + count)}, contiguous in the sorted input, to the open row. */
    private void appendRange(List<FieldVector> outVecs, int from, int count) {
        for (int c = 5; c < outVecs.size(); c++) {
            FieldVector element = ((ListVector) outVecs.get(c)).getDataVector();
            TextCodes.Dictionary dictionary = c >= 6 ? codes.field(c - 6) : null;
            if (dictionary != null) {
                dictionary.decode((IntVector) inRoot.getVector(c - 4), from, (VarCharVector) element, values, count,
                        inNullFree[c - 4]);
            } else {
                ArrowCopy.copyRange(inRoot.getVector(c - 4), from, element, values, count, inNullFree[c - 4]);
            }
        }
        values += count;
        n += count;
        measurementsIn += count;
    }

    private void closeRow(List<FieldVector> outVecs) {
        ((IntVector) outVecs.get(2)).setSafe(outRow, n);
        ListVector times = (ListVector) outVecs.get(5);
        outVecs.get(4).copyFromSafe(values - 1, outRow, times.getDataVector());
        for (int c = 5; c < outVecs.size(); c++) {
            ((ListVector) outVecs.get(c)).endValue(outRow, n);
        }
        rowsOut++;
    }

    private boolean finish(VectorSchemaRoot out, List<FieldVector> outVecs) {
        int rows = outRow + 1;
        for (int c = 0; c < outVecs.size(); c++) {
            FieldVector v = outVecs.get(c);
            if (c >= 5) {
                ((ListVector) v).getDataVector().setValueCount(values);
            }
            v.setValueCount(rows);
        }
        out.setRowCount(rows);
        return rows > 0;
    }

    /** Advances the key stream to {@code kid}; both streams are sorted by kid, so this only moves forward. */
    private FieldVector keyOf(long kid) {
        try {
            while (true) {
                if (keyRoot != null) {
                    BaseIntVector kids = (BaseIntVector) keyRoot.getVector(0);
                    for (; keyRow < keyRoot.getRowCount(); keyRow++) {
                        long k = kids.getValueAsLong(keyRow);
                        if (k == kid) {
                            return keyRoot.getVector(1);
                        }
                        if (k > kid) {
                            break;
                        }
                    }
                    if (keyRow < keyRoot.getRowCount()) {
                        break;
                    }
                }
                if (!keys.loadNextBatch()) {
                    break;
                }
                keyRoot = keys.getVectorSchemaRoot();
                keyRow = 0;
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading the key stream", e);
        }
        throw new IllegalStateException("key rank " + kid + " is missing from the key stream");
    }

    private boolean nextInput() throws IOException {
        while (in.next()) {
            inRoot = in.root();
            inRows = in.to();
            inRow = in.from();
            inNullFree = new boolean[inRoot.getFieldVectors().size()];
            for (int c = 0; c < inNullFree.length; c++) {
                inNullFree[c] = inRoot.getVector(c).getNullCount() == 0;
            }
            if (inRows > inRow) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() throws IOException {
        // The sorted input belongs to the caller, who closes it after the statement that drained us.
    }
}
