package dev.sluice.engine;

import java.sql.SQLException;
import java.util.Locale;

/** Turns a DuckDB error into a {@link SluiceException} of the right kind, keeping DuckDB's own words. */
public final class SqlErrors {
    private SqlErrors() {}

    /** {@code doing} says what was being done, e.g. "reading input data/a.parquet". */
    public static SluiceException wrap(SQLException e, String doing) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        String lower = msg.toLowerCase(Locale.ROOT);
        if (lower.contains("out of memory") || lower.contains("outofmemory") || lower.contains("unable to allocate")) {
            return SluiceException.resource("DuckDB ran out of memory while " + doing + ": " + firstLine(msg)
                    + "\nraise --memory-limit, or lower --workers", e);
        }
        if (lower.contains("no space left") || lower.contains("disk full") || lower.contains("could not write")
                && lower.contains("space")) {
            return SluiceException.resource("disk full while " + doing + ": " + firstLine(msg)
                    + "\nfree space (or inodes: df -i) on the output or --tmp-dir disk, then rerun to resume", e);
        }
        if (lower.contains("interrupt")) {
            return SluiceException.internal("interrupted while " + doing, e);
        }
        String hint = lower.contains("magic bytes") || lower.contains("corrupt") || lower.contains("thrift")
                ? "\nthe file is not a complete Parquet file (truncated or damaged?); copy or regenerate it" : "";
        return SluiceException.input("error while " + doing + ": " + firstLine(msg) + hint, e);
    }

    private static String firstLine(String msg) {
        // The JDBC driver wraps the real error in a note about the pending query; DuckDB adds the SQL text
        // ("LINE 2: ...") after it. Keep the real error only.
        msg = msg.replaceFirst("(?s)^Invalid Input Error: Attempting to execute an unsuccessful or closed pending query "
                + "result\\s*Error: ", "").replaceAll("(?s)\\s*LINE \\d+:.*$", "");
        String[] lines = msg.strip().split("\n");
        StringBuilder b = new StringBuilder(lines[0]);
        for (int i = 1; i < Math.min(lines.length, 4); i++) {
            if (!lines[i].isBlank()) {
                b.append(' ').append(lines[i].strip());
            }
        }
        return b.toString();
    }
}
