package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Vectors from a column of Parquet files, streamed by DuckDB as Arrow batches: a list or array of floats
 * (any float or integer element type is cast to FLOAT) or a blob of little-endian float32 values. An optional
 * id column of any integer type becomes the vector's id.
 */
final class ParquetVectorReader implements VectorReader {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DuckSession duck;
    private final List<Path> files;
    private final String column;
    private final String idColumn;
    private final BufferAllocator allocator;
    private final Sql.Fragment id;
    private final boolean blob;
    private final int dim;
    private final long count;
    private final String what;

    /** Rows of each file, from the footers, once a skip needs them. */
    private ParquetRows fileRows;
    /** The queries still to stream, in order: after a skip, the rest of one file, then the files after it. */
    private final ArrayDeque<String> queries = new ArrayDeque<>();
    private Connection conn;
    private ArrowStreams.QueryBatches stream;
    private VectorSchemaRoot root;
    private int pos;
    private long row;

    ParquetVectorReader(DuckSession duck, List<Path> files, String column, String idColumn,
                        BufferAllocator allocator) {
        this.duck = duck;
        this.files = files;
        this.column = column;
        this.idColumn = idColumn;
        this.allocator = allocator;
        this.what = (files.size() == 1 ? files.get(0).toString() : files.size() + " files (" + files.get(0) + ", ...)")
                + " column '" + column + "'";
        Sql.Fragment fileList = Sql.literalList(files.stream().map(Path::toString).toList());
        Map<String, String> types = describe(fileList);
        String type = types.get(column);
        if (type == null) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "column '%s' not found in %s; its columns are: %s; name the embedding column with --column",
                    column, files.get(0), types.keySet()));
        }
        boolean isList = type.matches("(FLOAT|DOUBLE|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT)(\\[\\d*\\])+")
                && type.indexOf('[') == type.lastIndexOf('[');
        blob = type.equals("BLOB");
        if (!isList && !blob) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "column '%s' of %s has type %s; expected a list or array of floats (FLOAT[], FLOAT[d], DOUBLE[]) "
                            + "or a BLOB of little-endian float32 values", column, files.get(0), type));
        }
        if (idColumn == null) {
            id = Sql.cast(Sql.number(-1), "BIGINT");
        } else {
            String idType = types.get(idColumn);
            if (idType == null) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "id column '%s' not found in %s; its columns are: %s", idColumn, files.get(0), types.keySet()));
            }
            if (!idType.matches("BIGINT|INTEGER|SMALLINT|TINYINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|HUGEINT")) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "id column '%s' of %s has type %s; expected an integer column (ids are stored as int64)",
                        idColumn, files.get(0), idType));
            }
            id = Sql.cast(Sql.ident(idColumn), "BIGINT");
        }
        Sql.Fragment length = blob ? Sql.of("len", "octet_length(${c}) // 4").bind("c", Sql.ident(column)).renderFragment()
                : Sql.of("len", "len(${c})").bind("c", Sql.ident(column)).renderFragment();
        long[] cd = countAndDim(fileList, length);
        count = cd[0];
        dim = (int) cd[1];
        if (count == 0) {
            throw SluiceException.input(what + ": the input has no rows; give files with at least one vector");
        }
        if (dim <= 0) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s: the first vector has %d values; vectors must have at least one dimension%s", what, dim,
                    blob ? " (a blob holds 4 bytes per float32)" : ""));
        }
    }

    private Map<String, String> describe(Sql.Fragment fileList) {
        Map<String, String> types = new LinkedHashMap<>();
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load("vectors/describe").bind("files", fileList).render())) {
            while (rs.next()) {
                types.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading the schema of " + files.get(0));
        }
        return types;
    }

    private long[] countAndDim(Sql.Fragment fileList, Sql.Fragment length) {
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load("vectors/count").bind("files", fileList).bind("length", length)
                     .render())) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "counting the rows of " + what);
        }
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public String describe() {
        return what;
    }

    @Override
    public boolean next(VectorBatch batch) {
        batch.rows = 0;
        batch.firstRow = row;
        try {
            if (stream == null && !open()) {
                return false;
            }
            while (batch.rows < batch.capacity()) {
                if (root == null || pos >= root.getRowCount()) {
                    ArrowReader reader = stream.reader();
                    if (!reader.loadNextBatch()) {
                        if (!openNext()) {
                            break;
                        }
                        continue;
                    }
                    root = reader.getVectorSchemaRoot();
                    pos = 0;
                    continue;
                }
                int take = Math.min(batch.capacity() - batch.rows, root.getRowCount() - pos);
                copy(root, pos, take, batch);
                pos += take;
                batch.rows += take;
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading " + what);
        } catch (java.io.IOException e) {
            throw SluiceException.input("error while reading " + what + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof SluiceException) {
                throw e;
            }
            throw SluiceException.input("error while reading " + what + ": " + e.getMessage(), e);
        }
        row += batch.rows;
        batch.checkFinite(what);
        return batch.rows > 0;
    }

    private void copy(VectorSchemaRoot root, int from, int n, VectorBatch batch) {
        BigIntVector ids = (BigIntVector) root.getVector(0);
        FieldVector v = root.getVector(1);
        // Arrow counts nulls by scanning the whole validity buffer on every call: once per batch, not per row
        // (per row it took 7 s of 10 to encode 117K vectors of 384 dimensions).
        boolean nullValues = !blob && ((ListVector) v).getDataVector().getNullCount() > 0;
        for (int i = 0; i < n; i++) {
            int r = from + i;
            int out = batch.rows + i;
            long rowNumber = row + out;
            batch.ids[out] = idColumn == null ? rowNumber : ids.get(r);
            if (idColumn != null && ids.isNull(r)) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "%s: row %d has a NULL id in column '%s'; every vector needs an id", what, rowNumber, idColumn));
            }
            if (v.isNull(r)) {
                throw SluiceException.input(String.format(Locale.ROOT,
                        "%s: row %d (id %d) is NULL; drop rows without an embedding first", what, rowNumber,
                        batch.ids[out]));
            }
            if (blob) {
                VarBinaryVector b = (VarBinaryVector) v;
                long start = b.getStartOffset(r);
                int len = b.getEndOffset(r) - (int) start;
                checkLength(len / 4, len % 4 != 0, rowNumber, batch.ids[out], len);
                MemorySegment seg = segment(b.getDataBuffer());
                MemorySegment.copy(seg, F32, start, batch.data, out * dim, dim);
            } else {
                ListVector l = (ListVector) v;
                int start = l.getElementStartIndex(r);
                int len = l.getElementEndIndex(r) - start;
                checkLength(len, false, rowNumber, batch.ids[out], len);
                Float4Vector values = (Float4Vector) l.getDataVector();
                if (nullValues) {
                    for (int j = 0; j < len; j++) {
                        if (values.isNull(start + j)) {
                            throw SluiceException.input(String.format(Locale.ROOT,
                                    "%s: row %d (id %d) has a NULL value at dimension %d; vectors must be complete",
                                    what, rowNumber, batch.ids[out], j));
                        }
                    }
                }
                MemorySegment.copy(segment(values.getDataBuffer()), F32, 4L * start, batch.data, out * dim, dim);
            }
        }
    }

    private void checkLength(int len, boolean partial, long rowNumber, long id, int raw) {
        if (len != dim || partial) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "%s: row %d (id %d) has %s values, the first row has %d: all vectors must have the same "
                            + "dimension (ragged input)", what, rowNumber, id,
                    blob ? raw + " bytes = " + (raw / 4.0) : Integer.toString(len), dim));
        }
    }

    private static MemorySegment segment(ArrowBuf buf) {
        return MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
    }

    /**
     * Moves past the next rows without reading them: the next read starts a query at the row it needs, and
     * DuckDB skips the row groups and pages a row-number filter rules out. A compress shard task skips the
     * units before its own this way instead of decoding them. A query costs more to start than a unit costs
     * to read through, so this pays for long runs of skipped rows, not for every other unit.
     */
    @Override
    public boolean skip(VectorBatch batch) {
        int n = (int) Math.max(0, Math.min(batch.capacity(), count - row));
        batch.rows = n;
        batch.firstRow = row;
        if (n == 0) {
            return false;
        }
        closeStream();
        row += n;
        return true;
    }

    /** Queues the queries from the current row to the end and opens the first; false if nothing is left. */
    private boolean open() throws SQLException {
        queries.clear();
        if (row == 0) {
            queries.add(query(files, 0));
        } else {
            if (fileRows == null) {
                fileRows = ParquetRows.of(duck, files.stream().map(Path::toString).toList());
            }
            queries.addAll(fileRows.queriesFrom(row, files, this::query));
        }
        return openNext();
    }

    private boolean openNext() throws SQLException {
        closeStream();
        String sql = queries.poll();
        if (sql == null) {
            return false;
        }
        conn = duck.connection();
        stream = ArrowStreams.query(conn, sql, allocator, 8192);
        root = null;
        pos = 0;
        return true;
    }

    private String query(List<Path> from, long firstRow) {
        return Sql.load("vectors/" + (blob ? "blob" : "list")).bind("id", id).bind("column", Sql.ident(column))
                .bind("files", Sql.literalList(from.stream().map(Path::toString).toList()))
                .bind("first", Sql.number(firstRow)).render();
    }

    @Override
    public void rewind() {
        closeStream();
        row = 0;
    }

    private void closeStream() {
        root = null;
        try {
            if (stream != null) {
                stream.close();
            }
            if (conn != null) {
                conn.close();
            }
        } catch (Exception e) {
            // Closing a finished or abandoned query: nothing to keep.
        } finally {
            stream = null;
            conn = null;
            root = null;
        }
    }

    @Override
    public void close() {
        closeStream();
    }
}
