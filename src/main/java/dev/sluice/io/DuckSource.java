package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.engine.SqlErrors;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Parquet files and remote JSONL/Parquet read by DuckDB and streamed to Java as Arrow batches. The
 * document cap becomes a {@code LIMIT}, so DuckDB reads no more row groups (or HTTP ranges) than it needs.
 * Null texts are skipped and counted.
 */
public final class DuckSource implements DocumentSource {
    static final String SQL = "pack/";
    private static final long BATCH_ROWS = 1024;

    private final Connection connection;
    private final BufferAllocator allocator;
    private final ArrowStreams.QueryBatches batches;
    private final long total;
    private final String what;
    private VarCharVector texts;
    private int row;
    private int rows;
    private long documents;
    private long missing;

    DuckSource(TextInputs.Resolved input, String column, long limit, DuckSession duck) {
        what = input.describe();
        Sql.Fragment relation = relation(input);
        checkColumn(duck, relation, column);
        total = input.kind() == TextInputs.Kind.FILES ? count(duck, relation) : -1;
        String sql = Sql.load(SQL + "documents").bind("column", Sql.ident(column)).bind("input", relation)
                .bind("limit", Sql.number(limit > 0 ? limit : Long.MAX_VALUE)).render();
        connection = duck.connection();
        allocator = new RootAllocator(256L << 20);
        try {
            batches = ArrowStreams.query(connection, sql, allocator, BATCH_ROWS);
        } catch (SQLException | RuntimeException e) {
            closeQuietly();
            throw e instanceof SQLException se ? SqlErrors.wrap(se, "reading " + what) : (RuntimeException) e;
        }
    }

    static Sql.Fragment relation(TextInputs.Resolved input) {
        String fn = input.format() == TextInputs.Format.PARQUET ? "read_parquet(${files})"
                : "read_json(${files}, format = 'newline_delimited')";
        return Sql.of("relation", fn).bind("files", Sql.literalList(input.paths())).renderFragment();
    }

    private void checkColumn(DuckSession duck, Sql.Fragment relation, String column) {
        List<String> columns = new ArrayList<>();
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load(SQL + "describe").bind("input", relation).render())) {
            while (rs.next()) {
                columns.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "reading the schema of " + what);
        }
        if (!columns.contains(column)) {
            throw SluiceException.input(String.format(Locale.ROOT,
                    "text column '%s' not found in %s; its columns are %s; name the text column with --text-column",
                    column, what, columns));
        }
    }

    private long count(DuckSession duck, Sql.Fragment relation) {
        try (Connection c = duck.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Sql.load(SQL + "count").bind("input", relation).render())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw SqlErrors.wrap(e, "counting the rows of " + what);
        }
    }

    @Override
    public String next() {
        try {
            while (true) {
                while (row < rows) {
                    int r = row++;
                    if (texts.isNull(r)) {
                        missing++;
                        continue;
                    }
                    documents++;
                    return new String(texts.get(r), StandardCharsets.UTF_8);
                }
                if (!batches.reader().loadNextBatch()) {
                    return null;
                }
                VectorSchemaRoot root = batches.reader().getVectorSchemaRoot();
                texts = (VarCharVector) root.getVector(0);
                rows = root.getRowCount();
                row = 0;
            }
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof SluiceException se) {
                throw se;
            }
            throw SluiceException.input("cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public double fraction() {
        long seen = documents + missing;
        return total > 0 ? Math.min(1.0, (double) seen / total) : Double.NaN;
    }

    @Override
    public Counts counts() {
        return new Counts(documents, 0, missing, missing > 0 ? what + ": " + missing + " null text(s)" : null);
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try (Connection c = connection; BufferAllocator a = allocator; ArrowStreams.QueryBatches b = batches) {
            // closed in reverse order: batches, allocator, connection
        } catch (Exception e) {
            // Reading is over; nothing to save.
        }
    }
}
