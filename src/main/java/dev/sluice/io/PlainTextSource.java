package dev.sluice.io;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Plain UTF-8 text: with the {@code text} format each file (or all of stdin) is one document; with
 * {@code lines} each non-blank line is one. Gzip'd files are recognised by their magic bytes.
 */
public final class PlainTextSource implements DocumentSource {
    private final ByteLines lines;
    private final boolean perLine;
    private long documents;

    PlainTextSource(TextInputs.Resolved input, InputStream stdin) {
        this.lines = new ByteLines(input, stdin);
        this.perLine = input.format() == TextInputs.Format.LINES;
    }

    @Override
    public String next() {
        if (perLine) {
            while (lines.nextLine()) {
                String line = lines.chars().toString();
                if (!line.isBlank()) {
                    documents++;
                    return line;
                }
            }
            return null;
        }
        try {
            if (!lines.openNext()) {
                return null;
            }
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + lines.file() + ": " + e.getMessage(), e);
        }
        documents++;
        return lines.restOfFile();
    }

    @Override
    public Position position() {
        return perLine ? lines.position() : new Position(lines.fileIndex() + 1, 0, 0);
    }

    @Override
    public void seek(Position p) {
        lines.seek(perLine ? p : new Position(p.file(), 0, 0));
        documents = 0;
    }

    @Override
    public double fraction() {
        return lines.fraction();
    }

    @Override
    public Counts counts() {
        return new Counts(documents, 0, 0, null);
    }

    @Override
    public void close() {
        lines.close();
    }
}
