package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Code shards: Parquet files of {@code (id BIGINT, code BLOB)}, every code the same number of bytes. Written by
 * DuckDB's COPY from an Arrow batch built here, and read back as batches of ids and flat code bytes.
 */
public final class CodeShards {
    private CodeShards() {}

    /** Writes {@code rows} ids and codes to {@code file} (its final or temporary name). */
    public static void write(DuckSession duck, BufferAllocator allocator, long[] ids, byte[] codes, int rows,
                             int codeBytes, Path file, String streamName) {
        String sql = Sql.load("compress/write_codes").bind("stream", Sql.ident(streamName))
                .bind("path", Sql.literal(file.toString())).bind("row_group_rows", Sql.number(100_000)).render();
        try (BufferAllocator alloc = allocator.newChildAllocator(streamName, 0, allocator.getLimit());
             Connection c = duck.connection();
             OneBatch batch = new OneBatch(alloc, ids, codes, rows, codeBytes)) {
            ArrowStreams.executeOver(c, streamName, batch, alloc, sql);
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "writing codes to " + file);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        }
    }

    /** One Arrow batch of ids and fixed-size binary codes. */
    private static final class OneBatch extends ArrowReader {
        private final long[] ids;
        private final byte[] codes;
        private final int rows;
        private final int codeBytes;
        private boolean done;

        OneBatch(BufferAllocator alloc, long[] ids, byte[] codes, int rows, int codeBytes) {
            super(alloc);
            this.ids = ids;
            this.codes = codes;
            this.rows = rows;
            this.codeBytes = codeBytes;
        }

        @Override
        protected Schema readSchema() {
            return new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, true)),
                    Field.notNullable("code", new ArrowType.FixedSizeBinary(codeBytes))));
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            prepareLoadNextBatch();
            if (done) {
                return false;
            }
            done = true;
            VectorSchemaRoot root = getVectorSchemaRoot();
            BigIntVector id = (BigIntVector) root.getVector(0);
            FixedSizeBinaryVector code = (FixedSizeBinaryVector) root.getVector(1);
            id.allocateNew(rows);
            code.allocateNew(rows);
            for (int i = 0; i < rows; i++) {
                id.set(i, ids[i]);
            }
            code.getDataBuffer().setBytes(0, codes, 0, (long) rows * codeBytes);
            for (int i = 0; i < rows; i++) {
                code.setIndexDefined(i);
            }
            root.setRowCount(rows);
            return true;
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {
            // Plain arrays: nothing to close.
        }
    }

    /** A batch of codes read back: {@code rows} ids and {@code rows * codeBytes} code bytes. */
    public static final class Batch {
        public final long[] ids;
        public final byte[] codes;
        public int rows;

        public Batch(int capacity, int codeBytes) {
            ids = new long[capacity];
            codes = new byte[capacity * codeBytes];
        }
    }

    /** Codes in order, a batch at a time. */
    public interface Source {
        /** Fills {@code batch} with the next codes (up to its capacity); false when none are left. */
        boolean next(Batch batch);
    }

    /** Streams the codes of {@code files} in order into reused batches. */
    public static final class Reader implements Source, AutoCloseable {
        private final int codeBytes;
        private final Connection conn;
        private final ArrowStreams.QueryBatches stream;
        private final String what;
        private VectorSchemaRoot root;
        private int pos;

        public Reader(DuckSession duck, BufferAllocator allocator, List<Path> files, int codeBytes) {
            this.codeBytes = codeBytes;
            this.what = files.isEmpty() ? "(no shards)" : files.get(0).getParent().toString();
            String sql = Sql.load("compress/read_codes")
                    .bind("files", Sql.literalList(files.stream().map(Path::toString).toList())).render();
            conn = duck.connection();
            try {
                stream = ArrowStreams.query(conn, sql, allocator, 8192);
            } catch (SQLException e) {
                try {
                    conn.close();
                } catch (SQLException ignored) {
                    // the query error is the one to report
                }
                throw SqlErrors.wrap(e, "reading codes under " + what);
            }
        }

        @Override
        public boolean next(Batch batch) {
            batch.rows = 0;
            int cap = batch.ids.length;
            try {
                while (batch.rows < cap) {
                    if (root == null || pos >= root.getRowCount()) {
                        if (!stream.reader().loadNextBatch()) {
                            break;
                        }
                        root = stream.reader().getVectorSchemaRoot();
                        pos = 0;
                        continue;
                    }
                    BigIntVector id = (BigIntVector) root.getVector(0);
                    VarBinaryVector code = (VarBinaryVector) root.getVector(1);
                    int take = Math.min(cap - batch.rows, root.getRowCount() - pos);
                    for (int i = 0; i < take; i++) {
                        int r = pos + i;
                        long start = code.getStartOffset(r);
                        int len = code.getEndOffset(r) - (int) start;
                        if (len != codeBytes) {
                            throw SluiceException.input(String.format(Locale.ROOT,
                                    "a code under %s has %d bytes, the codebook says %d: the shards and the codebook "
                                            + "come from different runs", what, len, codeBytes));
                        }
                        batch.ids[batch.rows + i] = id.get(r);
                        code.getDataBuffer().getBytes(start, batch.codes, (batch.rows + i) * codeBytes, codeBytes);
                    }
                    pos += take;
                    batch.rows += take;
                }
            } catch (IOException e) {
                throw SluiceException.input("error while reading codes under " + what + ": " + e.getMessage(), e);
            }
            return batch.rows > 0;
        }

        @Override
        public void close() {
            try (conn; stream) {
                // closed in reverse order
            } catch (Exception e) {
                // nothing left to save
            }
        }
    }
}
