package dev.sluice.text;

import dev.sluice.io.ArrowLists;
import java.io.IOException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One shard's sequences as Arrow batches for DuckDB to COPY to Parquet: columns {@code input_ids} and
 * {@code cu_seqlens}, both {@code list<int32>}. The shard ends before the sequence that would take its
 * uncompressed size over {@code capBytes}; Parquet's compressed pages are smaller than that, so the file
 * stays under the cap.
 */
final class SequenceBatches extends ArrowReader {
    private final PackStream stream;
    private final long capBytes;
    private final int batchRows;
    private long rows;
    private long bytes;

    SequenceBatches(PackStream stream, BufferAllocator allocator, long capBytes, int batchRows) {
        super(allocator);
        this.stream = stream;
        this.capBytes = capBytes;
        this.batchRows = batchRows;
    }

    static Schema schema() {
        return new Schema(List.of(intList("input_ids"), intList("cu_seqlens")));
    }

    private static Field intList(String name) {
        Field element = Field.nullable("element", new ArrowType.Int(32, true));
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE), List.of(element));
    }

    /** Whether a sequence still goes into a shard holding {@code rows} rows of {@code bytes}; a shard takes at least one. */
    static boolean fits(long rows, long bytes, Packer.Sequence s, long capBytes) {
        return rows == 0 || bytes + s.bytes() <= capBytes;
    }

    long rows() {
        return rows;
    }

    @Override
    protected Schema readSchema() {
        return schema();
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot root = getVectorSchemaRoot();
        // Fresh buffers for every batch: DuckDB may still hold the last exported ones.
        root.clear();
        root.allocateNew();
        ListVector ids = (ListVector) root.getVector(0);
        ListVector cu = (ListVector) root.getVector(1);
        int n = 0;
        int idValues = 0;
        int cuValues = 0;
        for (Packer.Sequence s; n < batchRows && (s = stream.peek()) != null && fits(rows, bytes, s, capBytes); ) {
            stream.next();
            idValues = ArrowLists.append(ids, n, s.inputIds(), idValues);
            cuValues = ArrowLists.append(cu, n, s.cuSeqlens(), cuValues);
            bytes += s.bytes();
            rows++;
            n++;
        }
        ArrowLists.markValid(ids, idValues);
        ArrowLists.markValid(cu, cuValues);
        ids.setValueCount(n);
        cu.setValueCount(n);
        root.setRowCount(n);
        return n > 0;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() {
        // The stream belongs to the job.
    }
}
