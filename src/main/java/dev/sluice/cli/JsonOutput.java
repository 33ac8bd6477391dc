package dev.sluice.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import org.duckdb.DuckDBStruct;
import org.duckdb.JsonNode;

/**
 * What {@code --json} and {@code sql --format json|jsonl} print: numbers as numbers, booleans as booleans, lists
 * as arrays, structs and maps as objects, timestamps and dates as ISO-8601 strings, bytes as {@code \x...} hex, keys
 * in the order given. Values come from JDBC (DuckDB's lists, structs, JSON columns) or from the commands' records.
 */
final class JsonOutput {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonOutput() {}

    /** {@code value} as JSON: indented when {@code pretty}, otherwise on one line (JSON lines). */
    static String toString(Object value, boolean pretty) {
        StringWriter s = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(s)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, value);
        } catch (IOException | SQLException e) {
            throw SluiceException.internal("cannot write JSON: " + e.getMessage(), e);
        }
        return s.toString();
    }

    static void write(JsonGenerator g, Object v) throws IOException, SQLException {
        if (Json.writeScalar(g, v)) {
            return;
        }
        switch (v) {
            // DuckDB's TIMESTAMP: the wall time it holds, without a zone (TIMESTAMPTZ comes as an OffsetDateTime).
            case Timestamp t -> g.writeString(t.toLocalDateTime().toString());
            case java.sql.Date d -> g.writeString(d.toLocalDate().toString());
            case java.sql.Time t -> g.writeString(t.toLocalTime().toString());
            case TemporalAccessor t -> g.writeString(t.toString());
            case java.sql.Array a -> write(g, a.getArray());
            case DuckDBStruct s -> write(g, s.getMap());
            case JsonNode j -> g.writeRawValue(j.toString());
            case Blob b -> g.writeString(hex(b));
            case byte[] b -> g.writeString("\\x" + HexFormat.of().formatHex(b));
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object o : c) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case Object a when a.getClass().isArray() -> {
                g.writeStartArray();
                for (int i = 0; i < Array.getLength(a); i++) {
                    write(g, Array.get(a, i));
                }
                g.writeEndArray();
            }
            case Record r -> {
                g.writeStartObject();
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    g.writeFieldName(snakeCase(c.getName()));
                    try {
                        write(g, c.getAccessor().invoke(r));
                    } catch (ReflectiveOperationException e) {
                        throw SluiceException.internal("cannot read " + c + ": " + e.getMessage(), e);
                    }
                }
                g.writeEndObject();
            }
            case Enum<?> e -> g.writeString(e.name().toLowerCase(java.util.Locale.ROOT));
            case Path p -> g.writeString(p.toString());
            // UUID, INTERVAL and the rest: their text.
            default -> g.writeString(v.toString());
        }
    }

    /** Bytes (compress's codes) in hex, {@code \x0a1b...}, as PostgreSQL prints them. */
    static String hex(Blob b) throws SQLException {
        return "\\x" + HexFormat.of().formatHex(b.getBytes(1, (int) b.length()));
    }

    /** {@code rowsOut} as {@code rows_out}, as the run records name their fields. */
    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
