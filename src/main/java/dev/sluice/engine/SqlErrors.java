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
        if (lower.contains("out of memory")) {
            return SluiceException.resource("DuckDB ran out of memory while " + doing + ": " + firstLine(msg)
                    + "\nraise --memory-limit, or lower --workers", e);
        }
        if (lower.contains("no space left") || lower.contains("disk full") || lower.contains("could not write")
                && lower.contains("space")) {
            return SluiceException.resource("disk full while " + doing + ": " + firstLine(msg)
                    + "\nfree space on the output or --tmp-dir disk, then rerun to resume", e);
        }
        if (lower.contains("interrupt")) {
            return SluiceException.internal("interrupted while " + doing, e);
        }
        return SluiceException.input("error while " + doing + ": " + firstLine(msg), e);
    }

    private static String firstLine(String msg) {
        // DuckDB appends a long JSON-ish context after the first line for some errors.
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
