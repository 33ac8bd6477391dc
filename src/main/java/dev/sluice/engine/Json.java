package dev.sluice.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON files written atomically (temporary name, then rename) and read back as maps.
 *
 * <p>Plans, unit and run records and manifests are maps of strings, numbers, booleans, lists and maps, so they
 * go through Jackson's streaming parser and generator rather than its object mapper, whose construction (date
 * formats, locale data, type introspection) every command and shard task paid at its start: {@code merge} took
 * 0.17 s with it, 0.14 s without (medians of 5). Output as the mapper's {@code INDENT_OUTPUT} with keys sorted;
 * input as its untyped maps (objects as insertion-ordered maps, integers as Integer, Long or BigInteger by size,
 * other numbers as Double).
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {}

    public static void writeAtomically(Path file, Object value) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(tmp);
                 JsonGenerator g = FACTORY.createGenerator(out).useDefaultPrettyPrinter()) {
                write(g, value);
            }
            Durable.rename(tmp, file);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(file, e);
        }
    }

    public static Map<String, Object> read(Path file) {
        try (JsonParser p = FACTORY.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Map<String, Object> map = readObject(p);
            if (p.nextToken() != null) {
                throw new IOException("more after the object at " + p.currentLocation().offsetDescription());
            }
            return map;
        } catch (IOException e) {
            throw SluiceException.input("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static String toString(Object value) {
        StringWriter s = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(s).useDefaultPrettyPrinter()) {
            write(g, value);
        } catch (IOException e) {
            throw SluiceException.internal("cannot write JSON: " + e.getMessage(), e);
        }
        return s.toString();
    }

    /**
     * Writes {@code v} when it is null, text, a boolean or a number, and says whether it was one: the values this
     * writer and the command line's typed output ({@code cli.JsonOutput}) write alike. Jackson writes NaN and
     * infinities as quoted strings, which stays valid JSON.
     */
    public static boolean writeScalar(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Short s -> g.writeNumber(s);
            case Byte b -> g.writeNumber(b);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case BigInteger b -> g.writeNumber(b);
            case BigDecimal b -> g.writeNumber(b);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (writeScalar(g, v)) {
            return;
        }
        switch (v) {
            case Map<?, ?> m -> {
                g.writeStartObject();
                // Keys in order, so that the same content gives the same bytes (plans are compared as text).
                for (Map.Entry<?, ?> e : new TreeMap<>(m).entrySet()) {
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
            case Enum<?> e -> g.writeString(e.name());
            case CharSequence s -> g.writeString(s.toString());
            default -> throw SluiceException.internal("no JSON form for a " + v.getClass().getName(), null);
        }
    }

    private static Map<String, Object> readObject(JsonParser p) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            map.put(key, readValue(p));
        }
        return map;
    }

    private static Object readValue(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> readObject(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected " + p.currentToken() + " at "
                    + p.currentLocation().offsetDescription());
        };
    }
}
