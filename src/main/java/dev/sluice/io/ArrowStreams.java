package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * Data across the DuckDB/Java boundary in columnar form: a query's result as Arrow batches, and a Java
 * pass's Arrow batches registered with DuckDB as a table it can scan (and COPY to Parquet).
 */
public final class ArrowStreams {
    private ArrowStreams() {}

    /** A query result read as Arrow batches; closing it closes the reader, result set and statement. */
    public static final class QueryBatches implements AutoCloseable {
        private final Statement statement;
        private final DuckDBResultSet resultSet;
        private final ArrowReader reader;

        QueryBatches(Statement statement, DuckDBResultSet resultSet, ArrowReader reader) {
            this.statement = statement;
            this.resultSet = resultSet;
            this.reader = reader;
        }

        public ArrowReader reader() {
            return reader;
        }

        @Override
        public void close() throws Exception {
            try (statement; resultSet; reader) {
                // closed in reverse order: reader, result set, statement
            }
        }
    }

    /** Runs {@code sql} and streams its result in batches of about {@code batchRows} rows. */
    public static QueryBatches query(Connection connection, String sql, BufferAllocator allocator, long batchRows)
            throws SQLException {
        return query(connection.createStatement(), sql, allocator, batchRows);
    }

    /** The same on a statement made by the caller (to watch its progress); the batches close it. */
    public static QueryBatches query(Statement st, String sql, BufferAllocator allocator, long batchRows)
            throws SQLException {
        try {
            DuckDBResultSet rs = st.executeQuery(sql).unwrap(DuckDBResultSet.class);
            ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows);
            return new QueryBatches(st, rs, reader);
        } catch (SQLException | RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /**
     * Registers {@code source} under {@code name} on {@code connection} and runs {@code sql}, which scans
     * it; the stream is released when the statement is done.
     */
    public static void executeOver(Connection connection, String name, ArrowReader source, BufferAllocator allocator,
                                   String sql) throws SQLException {
        DuckDBConnection duck = DuckSession.unwrap(connection);
        try (ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
            Data.exportArrayStream(allocator, source, stream);
            duck.registerArrowStream(name, stream);
            try (Statement st = connection.createStatement()) {
                st.execute(sql);
            }
        }
    }
}
