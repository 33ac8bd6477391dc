package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {
    @TempDir
    Path tmp;

    /** A record as the jobs write them: nested maps and lists, every number type, text that needs escapes. */
    private static Map<String, Object> record() {
        Map<String, Object> stage = new LinkedHashMap<>();
        stage.put("stage", "rows");
        stage.put("seconds", 2.056);
        stage.put("rss_peak_bytes", 451407872L);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("units", 8);
        m.put("rows_in", 30_000_000_000L);
        m.put("huge", new BigInteger("123456789012345678901234567890"));
        m.put("mse", 1.25e-7);
        m.put("ratio", 96.0f);
        m.put("missing", null);
        m.put("train_only", true);
        m.put("fields", List.of("delay", "distance"));
        m.put("measurements", new long[] {3, 4});
        m.put("empty", Map.of());
        m.put("none", List.of());
        m.put("stages", List.of(stage));
        m.put("input", "/data/a \"b\"\\c\tdé\u0001.parquet");
        return m;
    }

    @Test
    void writesTheBytesJacksonsObjectMapperWrote() throws Exception {
        // Plans and manifests written before are compared with new ones, so the form must not change.
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        assertEquals(mapper.writeValueAsString(record()), Json.toString(record()));
        Path file = tmp.resolve("r.json");
        Json.writeAtomically(file, record());
        assertEquals(mapper.writeValueAsString(record()), Files.readString(file));
    }

    @Test
    void readsBackWhatItWroteWithTheMappersTypes() throws Exception {
        Path file = tmp.resolve("r.json");
        Json.writeAtomically(file, record());
        Map<String, Object> back = Json.read(file);
        @SuppressWarnings("unchecked")
        Map<String, Object> expected = new ObjectMapper().readValue(file.toFile(), Map.class);
        assertEquals(expected, back);
        assertEquals(Integer.valueOf(8), back.get("units"));
        assertEquals(Long.valueOf(30_000_000_000L), back.get("rows_in"));
        assertEquals(new BigInteger("123456789012345678901234567890"), back.get("huge"));
        assertEquals(Double.valueOf(96.0), back.get("ratio"));
        assertEquals(List.of(3, 4), back.get("measurements"));
        assertTrue(back.containsKey("missing") && back.get("missing") == null);
        assertEquals(new ArrayList<>(new TreeSet<>(record().keySet())), new ArrayList<>(back.keySet()),
                "keys come back in the written (sorted) order");
    }

    @Test
    void truncatedOrForeignFilesAreInputErrorsThatNameTheFile() throws Exception {
        Path truncated = tmp.resolve("truncated.json");
        Files.writeString(truncated, Json.toString(record()).substring(0, 40));
        SluiceException e = assertThrows(SluiceException.class, () -> Json.read(truncated));
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
        Path array = tmp.resolve("array.json");
        Files.writeString(array, Arrays.toString(new int[] {1, 2}));
        e = assertThrows(SluiceException.class, () -> Json.read(array));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }
}
