package dev.sluice.engine;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.function.DoubleConsumer;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBPreparedStatement;

/**
 * One in-process DuckDB database for a run, and a HikariCP pool of connections to it for the workers.
 *
 * <p>Every pooled connection is a {@code duplicate()} of the first one, so all of them see the same
 * in-memory catalog and the settings applied once at open: {@code memory_limit}, {@code threads},
 * {@code temp_directory} (spilling) and {@code preserve_insertion_order} (kept on: outputs must not depend
 * on thread timing). Results stream ({@code jdbc_stream_results}): without it DuckDB materialises a whole
 * result before the first row reaches Java.
 */
public final class DuckSession implements AutoCloseable {
    private final DuckDBConnection root;
    private final HikariDataSource pool;

    public record Settings(long memoryLimitBytes, int threads, Path tempDirectory, int poolSize) {}

    public DuckSession(Settings settings) {
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            Properties props = new Properties();
            props.setProperty("jdbc_stream_results", "true");
            root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", props);
            try (Statement s = root.createStatement()) {
                s.execute("SET memory_limit = '" + (settings.memoryLimitBytes() >> 20) + "MB'");
                s.execute("SET threads = " + Math.max(1, settings.threads()));
                s.execute("SET temp_directory = " + Sql.literal(settings.tempDirectory().toString()));
                s.execute("SET preserve_insertion_order = true");
                s.execute("SET enable_progress_bar = false");
            }
        } catch (ClassNotFoundException | SQLException e) {
            throw SluiceException.internal("cannot start DuckDB: " + e.getMessage(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setDataSource(new DuplicatingDataSource(root));
        config.setMaximumPoolSize(Math.max(1, settings.poolSize()));
        config.setMinimumIdle(0);
        config.setPoolName("sluice-duckdb");
        config.setConnectionTimeout(60_000);
        pool = new HikariDataSource(config);
    }

    /** A pooled connection; close it to give it back. */
    public Connection connection() {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw SluiceException.internal("no DuckDB connection from the pool: " + e.getMessage(), e);
        }
    }

    /** The DuckDB connection behind a pooled one, for Arrow export and stream registration. */
    public static DuckDBConnection unwrap(Connection c) {
        try {
            return c.unwrap(DuckDBConnection.class);
        } catch (SQLException e) {
            throw SluiceException.internal("pooled connection is not DuckDB", e);
        }
    }

    /** A thread that reports a running statement's progress until closed. */
    public static final class ProgressWatch implements AutoCloseable {
        private final Thread thread;

        private ProgressWatch(Thread thread) {
            this.thread = thread;
        }

        /** Stops the reports; none comes after this returns. */
        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Calls {@code onProgress} every half second with the share of its work that {@code statement} has done (DuckDB's
     * query progress, 0 to 1) while it runs, until closed: for blocking operators such as a sort, which yield no row
     * until they finish. Turns on DuckDB's progress tracking on the statement's connection, not its printing.
     */
    public static ProgressWatch watchProgress(Statement statement, DoubleConsumer onProgress) throws SQLException {
        try (Statement s = statement.getConnection().createStatement()) {
            s.execute("SET enable_progress_bar_print = false");
            s.execute("SET enable_progress_bar = true");
        }
        DuckDBPreparedStatement duck = statement.unwrap(DuckDBPreparedStatement.class);
        return new ProgressWatch(Thread.ofPlatform().daemon().name("sluice-query-progress").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(500);
                    double percent = duck.getQueryProgress().getPercentage();
                    if (percent >= 0) {
                        onProgress.accept(percent / 100);
                    }
                }
            } catch (InterruptedException | SQLException e) {
                // Closed, or the statement finished: nothing more to report.
            }
        }));
    }

    /** Runs statements on a pooled connection; SQL errors pass through for the caller to name the input. */
    public void execute(String... statements) throws SQLException {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    @Override
    public void close() {
        pool.close();
        try {
            root.close();
        } catch (SQLException e) {
            // Closing an in-memory database: nothing left to save.
        }
    }

    /** Hands HikariCP connections that share the root connection's database. */
    private record DuplicatingDataSource(DuckDBConnection root) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return root.duplicate();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getLogger("sluice");
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
