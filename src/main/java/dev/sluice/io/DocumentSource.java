package dev.sluice.io;

import dev.sluice.engine.DuckSession;
import java.io.InputStream;

/**
 * Documents read one at a time, in input order, so a caller that stops early reads no more than it
 * took (plus one buffer). Implementations: {@link JsonLinesSource} and {@link PlainTextSource} read
 * files or stdin in Java; {@link DuckSource} reads Parquet and remote files through DuckDB with the cap
 * pushed down as a {@code LIMIT}.
 */
public interface DocumentSource extends AutoCloseable {

    /** What was read: documents returned, lines that were not JSON, records without the text field. */
    record Counts(long documents, long malformed, long missingText, String firstProblem) {}

    /**
     * Where reading stands between two documents, so that a later reader of the same files can start there:
     * the file (counting from 0), the lines (or Parquet rows) of it already read, and for line files the bytes
     * of it already read (decompressed bytes for a gzip'd file, which is re-read from its start instead).
     */
    record Position(int file, long line, long offset) {
        public static final Position START = new Position(0, 0, 0);
    }

    /** The next document's text, or null when the input is done. */
    String next();

    /** Fraction of the input consumed so far, 0 to 1; NaN when unknown (stdin, remote). */
    double fraction();

    Counts counts();

    /** Where the next document will be read from (local files only). */
    Position position();

    /**
     * Moves to {@code p}, a position of this same input taken by {@link #position}; the counts start again from
     * zero there. How a shard task of pack reads only its own units.
     */
    void seek(Position p);

    @Override
    void close();

    /**
     * Opens the resolved input. {@code limit} (0: none) is pushed into DuckDB's query; the Java readers
     * stop because their caller stops asking.
     */
    static DocumentSource open(TextInputs.Resolved input, String textColumn, long limit, InputStream stdin,
                               DuckSession duck) {
        return switch (input.format()) {
            case JSONL -> input.kind() == TextInputs.Kind.REMOTE ? new DuckSource(input, textColumn, limit, duck)
                    : new JsonLinesSource(input, textColumn, stdin);
            case PARQUET -> new DuckSource(input, textColumn, limit, duck);
            case TEXT, LINES -> new PlainTextSource(input, stdin);
        };
    }
}
