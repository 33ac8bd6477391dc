package dev.sluice.logits;

import dev.sluice.io.ArrowLists;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One cache shard as Arrow batches for DuckDB to COPY to Parquet: each batch is a window of pack's sequences
 * (read from {@code input}), scored by the teacher. Columns {@code seq} (the sequence's row number in pack's
 * output), {@code ids} ({@code list<int32>}) and {@code logprobs} ({@code list<float>}), k per token.
 */
final class CacheBatches extends ArrowReader {
    private final ArrowReader input;
    private final WindowScorer scorer;
    private final LongConsumer tokensDone;
    private long nextSeq;
    private long rows;
    private long tokens;

    CacheBatches(ArrowReader input, WindowScorer scorer, BufferAllocator allocator, long firstSeq,
                 LongConsumer tokensDone) {
        super(allocator);
        this.input = input;
        this.scorer = scorer;
        this.nextSeq = firstSeq;
        this.tokensDone = tokensDone;
    }

    static Schema schema() {
        Field ids = new Field("ids", FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(Field.nullable("element", new ArrowType.Int(32, true))));
        Field logprobs = new Field("logprobs", FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(Field.nullable("element", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));
        return new Schema(List.of(Field.nullable("seq", new ArrowType.Int(64, true)), ids, logprobs));
    }

    long rows() {
        return rows;
    }

    long tokens() {
        return tokens;
    }

    @Override
    protected Schema readSchema() {
        return schema();
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        if (!input.loadNextBatch()) {
            return false;
        }
        VectorSchemaRoot in = input.getVectorSchemaRoot();
        ListVector inIds = (ListVector) in.getVector("input_ids");
        ListVector inCu = (ListVector) in.getVector("cu_seqlens");
        int n = in.getRowCount();
        List<int[]> ids = new ArrayList<>(n);
        List<int[]> cu = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            ids.add(ArrowLists.ints(inIds, r));
            cu.add(ArrowLists.ints(inCu, r));
        }
        WindowScorer.Scored scored;
        try {
            scored = scorer.score(ids, cu, nextSeq);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        VectorSchemaRoot root = getVectorSchemaRoot();
        // Fresh buffers for every batch: DuckDB may still hold the last exported ones.
        root.clear();
        root.allocateNew();
        BigIntVector seq = (BigIntVector) root.getVector(0);
        ListVector outIds = (ListVector) root.getVector(1);
        ListVector outLogprobs = (ListVector) root.getVector(2);
        int idValues = 0;
        int logprobValues = 0;
        for (int r = 0; r < n; r++) {
            seq.setSafe(r, nextSeq + r);
            idValues = ArrowLists.append(outIds, r, scored.ids()[r], idValues);
            logprobValues = ArrowLists.append(outLogprobs, r, scored.logprobs()[r], logprobValues);
        }
        ArrowLists.markValid(outIds, idValues);
        ArrowLists.markValid(outLogprobs, logprobValues);
        seq.setValueCount(n);
        outIds.setValueCount(n);
        outLogprobs.setValueCount(n);
        root.setRowCount(n);
        nextSeq += n;
        rows += n;
        tokens += scored.tokens();
        tokensDone.accept(scored.tokens());
        return true;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() {
        // The input stream belongs to the job.
    }
}
