package dev.sluice.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * JSONL (plain or gzip'd, files or stdin) read in Java with Jackson's streaming parser: only the text
 * field of each object is materialised. Malformed lines are skipped and counted (the first is quoted in
 * the report); blank lines are ignored. A file whose first object lacks the text field is an error that
 * lists the fields it has; later objects without it (or with null) are skipped and counted.
 */
public final class JsonLinesSource implements DocumentSource {
    private static final JsonFactory JSON = new JsonFactory();

    private final ByteLines lines;
    private final String column;
    private long documents;
    private long malformed;
    private long missing;
    private String firstProblem;
    private int checkedFile = -1;

    JsonLinesSource(TextInputs.Resolved input, String column, InputStream stdin) {
        this.lines = new ByteLines(input, stdin);
        this.column = column;
    }

    @Override
    public String next() {
        while (lines.nextLine()) {
            // Jackson parses the UTF-8 bytes directly: no decoded copy of the line.
            byte[] b = lines.utf8();
            int n = lines.lineLength();
            if (isBlank(b, n)) {
                continue;
            }
            String text;
            List<String> fields = new ArrayList<>();
            try (JsonParser p = JSON.createParser(b, 0, n)) {
                text = extract(p, fields);
            } catch (IOException e) {
                malformed++;
                if (firstProblem == null) {
                    firstProblem = String.format(Locale.ROOT, "%s line %d: %s", lines.file(), lines.lineNumber(),
                            e.getMessage().lines().findFirst().orElse("malformed JSON"));
                }
                continue;
            }
            boolean first = lines.fileIndex() != checkedFile;
            checkedFile = lines.fileIndex();
            if (text == null) {
                if (first && !fields.contains(column)) {
                    throw SluiceException.input(String.format(Locale.ROOT,
                            "text column '%s' not found in %s (line %d has fields %s); name the field that holds "
                                    + "the text with --text-column", column, lines.file(), lines.lineNumber(), fields));
                }
                missing++;
                if (firstProblem == null) {
                    firstProblem = String.format(Locale.ROOT, "%s line %d: no text in field '%s'", lines.file(),
                            lines.lineNumber(), column);
                }
                continue;
            }
            documents++;
            return text;
        }
        return null;
    }

    /** The string value of the text field of a top-level object, or null (fields seen go to {@code fields}). */
    private String extract(JsonParser p, List<String> fields) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("a line is not a JSON object");
        }
        String text = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (fields.size() < 20) {
                fields.add(name);
            }
            if (name.equals(column) && v == JsonToken.VALUE_STRING) {
                text = p.getText();
            } else {
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new IOException("trailing characters after the JSON object");
        }
        return text;
    }

    private boolean isBlank(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] < 0) {
                return isBlank(lines.chars()); // non-ASCII: Unicode whitespace too
            }
            if (!Character.isWhitespace(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(CharBuffer c) {
        for (int i = c.position(); i < c.limit(); i++) {
            if (!Character.isWhitespace(c.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Position position() {
        return lines.position();
    }

    @Override
    public void seek(Position p) {
        lines.seek(p);
        documents = malformed = missing = 0;
        firstProblem = null;
        // Inside a file its first object was checked by whoever read the file from its start.
        checkedFile = p.line() > 0 ? p.file() : -1;
    }

    @Override
    public double fraction() {
        return lines.fraction();
    }

    @Override
    public Counts counts() {
        return new Counts(documents, malformed, missing, firstProblem);
    }

    @Override
    public void close() {
        lines.close();
    }
}
