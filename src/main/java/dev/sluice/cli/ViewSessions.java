package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.shard.OutputViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The DuckDB session of inspect, sql and runs, confined to one output directory: its views are created, then
 * DuckDB is locked down (files only under the output and the {@code --allow-path} directories, no extension
 * installed or loaded, settings locked). DuckDB's allowed directories do not tell reading from writing, so
 * statements that write are kept out by {@link #checkReadOnly} instead.
 */
final class ViewSessions {
    /** Beyond reading the output: statements that write, and more directories to read or write. */
    record Access(boolean write, List<Path> paths) {
        static final Access READ_ONLY = new Access(false, List.of());
    }

    /** The state of one file of the output, to tell afterwards whether a statement changed it. */
    record FileState(long size, long modifiedNanos) {}

    /** {@code EXPLAIN [ANALYZE] query}: DuckDB's serializer takes the query but not the EXPLAIN around it. */
    private static final Pattern EXPLAIN = Pattern.compile("(?is)\\s*explain(\\s+analyze)?\\s+(.*)");
    /** The first word of a statement, after blanks and comments: what the refusal names. */
    private static final Pattern FIRST_WORD = Pattern.compile("(?s)(?:\\s+|--[^\\n]*|/\\*.*?\\*/)*([A-Za-z_]+)");

    private ViewSessions() {}

    /** A session with the views of {@code dir} (a split each, runs, manifest_shards), then locked down. */
    static DuckSession open(Path dir, Access access) {
        Path out = dir.toAbsolutePath().normalize();
        List<Path> allowed = new ArrayList<>(List.of(out));
        access.paths().forEach(p -> allowed.add(p.toAbsolutePath().normalize()));
        return confined(allowed, duck -> OutputViews.create(duck, out));
    }

    /** A session with one view, {@code runs}, over the run records of several outputs, confined to them. */
    static DuckSession openRuns(List<Path> outputs) {
        List<Path> dirs = outputs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        return confined(dirs, duck -> {
            try {
                duck.execute(OutputViews.runsView(duck, dirs));
            } catch (SQLException e) {
                throw SluiceException.input("cannot read the run records of " + dirs + ": " + e.getMessage(), e);
            }
        });
    }

    /** A session whose {@code views} are made, then locked down to the {@code allowedDirs}. */
    private static DuckSession confined(List<Path> allowedDirs, Consumer<DuckSession> views) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "sluice-view-" + ProcessHandle.current().pid());
        // No job runs here, so a modest limit. DuckDB adds its own temp directory to the allowed ones.
        DuckSession duck = new DuckSession(new DuckSession.Settings(1L << 30, Runtime.getRuntime().availableProcessors(),
                tmp, 2));
        try {
            views.accept(duck);
            List<String> allowed = allowedDirs.stream().map(ViewSessions::directory).toList();
            // allowed_directories can only be set while external access is on, and nothing after the lock.
            duck.execute("SET allowed_directories = " + Sql.literalList(allowed),
                    "SET enable_external_access = false",
                    "SET autoinstall_known_extensions = false",
                    "SET autoload_known_extensions = false",
                    "SET lock_configuration = true");
        } catch (SQLException e) {
            duck.close();
            throw SluiceException.internal("cannot confine the DuckDB session to " + allowedDirs + ": " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            duck.close();
            throw e;
        }
        return duck;
    }

    /** With a trailing slash: DuckDB matches allowed directories as prefixes, and {@code /out} would allow {@code /out2}. */
    private static String directory(Path p) {
        String s = p.toString();
        return s.endsWith("/") ? s : s + "/";
    }

    /**
     * Refuses text that holds anything but queries, as DuckDB's own parser sees it: {@code json_serialize_sql}
     * serializes SELECT statements only (DESCRIBE, SHOW, SUMMARIZE, FROM and VALUES parse as SELECT) and reports
     * any other statement as an error, without binding or running anything. Preparing the text would not do:
     * the JDBC driver runs every statement but the last when it prepares several.
     */
    static void checkReadOnly(Connection c, String sql) throws SQLException {
        Matcher explain = EXPLAIN.matcher(sql);
        String queries = explain.matches() ? explain.group(2) : sql;
        Parsed p = parse(c, queries);
        if (p.error() == null && p.statements() > 0) {
            return;
        }
        if (p.error() == null) {
            throw SluiceException.usage("no SQL statement given");
        }
        // json_serialize_sql reports every statement other than a query with this error type (its serializer
        // handles SELECT only): a parse that failed for another reason is a plain SQL error.
        if (!p.error().equals(NOT_A_QUERY)) {
            throw SluiceException.usage("SQL error: " + p.message());
        }
        throw SluiceException.usage(String.format(Locale.ROOT, "sql is read-only: refused %s (only queries run: "
                + "SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN); --allow-write runs statements "
                + "that write, into --allow-path directories", refused(c, queries)));
    }

    /** The error type {@code json_serialize_sql} gives a statement that is not a query (COPY, ATTACH, SET, ...). */
    private static final String NOT_A_QUERY = "not implemented";

    /** What {@code json_serialize_sql} made of the text: the error type (null when it parsed) and the count. */
    private record Parsed(String error, String message, int statements) {}

    private static Parsed parse(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT j ->> 'error_type', j ->> 'error_message', "
                + "coalesce(json_array_length(j -> 'statements'), 0) FROM (SELECT json_serialize_sql(?::VARCHAR) AS j)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Parsed(rs.getString(1), rs.getString(2), rs.getInt(3));
            }
        }
    }

    /** The first word of the first statement that is not a query: the text after the longest run of queries. */
    private static String refused(Connection c, String sql) throws SQLException {
        int start = 0;
        for (int i = sql.indexOf(';'); i >= 0; i = sql.indexOf(';', i + 1)) {
            if (parse(c, sql.substring(0, i + 1)).error() == null) {
                start = i + 1;
            }
        }
        Matcher m = FIRST_WORD.matcher(sql.substring(start));
        return m.lookingAt() ? m.group(1).toUpperCase(Locale.ROOT) : "a statement";
    }

    /**
     * Every file under {@code dir} with its size and time. With {@code --allow-write} DuckDB may write wherever it
     * may read, the output included; comparing this before and after is how a write there is caught.
     */
    static Map<String, FileState> files(Path dir) {
        Map<String, FileState> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                files.put(dir.relativize(p).toString(), new FileState(a.isDirectory() ? 0 : a.size(),
                        a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
            }
        } catch (IOException e) {
            throw SluiceException.input("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }
}
