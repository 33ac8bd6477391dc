package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.TestData;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --json} and {@code sql --format json|jsonl} are typed: parsed here as JSON, numbers must be numbers, lists
 * arrays, booleans booleans and times ISO-8601 text, with the values the output holds.
 */
class MachineOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path a;
    static Path b;

    @BeforeAll
    static void twoOutputs() {
        a = tmp.resolve("outs/a");
        b = tmp.resolve("outs/b");
        for (Path out : List.of(a, b)) {
            Cli.Run r = Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time",
                    "date", "--buckets", "2", "--progress", "none", "--memory-limit", "512MB", "--label",
                    "flights " + out.getFileName(), "--out", out.toString());
            assertEquals(0, r.code(), r.toString());
        }
    }

    static JsonNode parse(Cli.Run r) throws Exception {
        assertEquals(0, r.code(), r.toString());
        return JSON.readTree(r.out());
    }

    @Test
    void sqlJsonTypesEveryKindOfValue() throws Exception {
        JsonNode rows = parse(Cli.run("sql", a.toString(), "SELECT count(*) AS n, 1.5::DOUBLE AS d, true AS yes, "
                + "[1, 2, 3] AS l, {'x': 7, 'y': 'text'} AS s, TIMESTAMP '2026-01-02 03:04:05.25' AS t, "
                + "DATE '2026-01-02' AS day, NULL AS nothing, '12' AS digits FROM train", "--json"));
        assertTrue(rows.isArray(), rows.toString());
        assertEquals(1, rows.size());
        JsonNode r = rows.get(0);
        long trainRows = Long.parseLong(Cli.run("sql", a.toString(), "select count(*) from train", "--format", "csv")
                .out().strip().split("\n")[1]);
        assertTrue(r.get("n").isIntegralNumber(), r.toString());
        assertEquals(trainRows, r.get("n").asLong());
        assertTrue(r.get("d").isDouble(), r.toString());
        assertEquals(1.5, r.get("d").asDouble());
        assertTrue(r.get("yes").isBoolean(), r.toString());
        assertTrue(r.get("l").isArray(), r.toString());
        assertEquals("[1,2,3]", r.get("l").toString());
        assertEquals(7, r.get("s").get("x").asInt());
        assertTrue(r.get("s").get("x").isIntegralNumber());
        assertEquals("text", r.get("s").get("y").asText());
        assertEquals("2026-01-02T03:04:05.250", r.get("t").asText());
        assertEquals("2026-01-02", r.get("day").asText());
        assertTrue(r.get("nothing").isNull(), r.toString());
        assertTrue(r.get("digits").isTextual(), "text stays text: " + r);
    }

    @Test
    void sqlJsonlIsOneTypedObjectPerLine() throws Exception {
        Cli.Run r = Cli.run("sql", a.toString(), "SELECT route, n, chunk FROM train ORDER BY route, chunk LIMIT 3",
                "--format", "jsonl");
        assertEquals(0, r.code(), r.toString());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        for (String line : lines) {
            JsonNode row = JSON.readTree(line);
            assertTrue(row.get("route").isTextual(), line);
            assertTrue(row.get("n").isIntegralNumber() && row.get("n").asLong() > 0, line);
            assertTrue(row.get("chunk").isIntegralNumber(), line);
        }
        // An empty result is an empty array, still JSON.
        JsonNode none = parse(Cli.run("sql", a.toString(), "SELECT * FROM train WHERE false", "--json"));
        assertTrue(none.isArray() && none.isEmpty(), none.toString());
    }

    @Test
    void runsJsonIsTypedAndCarriesLabelAndOutput() throws Exception {
        JsonNode runs = parse(Cli.run("runs", a.toString(), "--json"));
        assertEquals(1, runs.size(), runs.toString());
        JsonNode run = runs.get(0);
        assertEquals("probe-rows", run.get("job").asText());
        assertEquals("flights a", run.get("label").asText());
        assertEquals(a.toAbsolutePath().normalize().toString(), run.get("output").asText());
        assertEquals("ok", run.get("status").asText());
        LocalDateTime start = LocalDateTime.parse(run.get("start").asText());
        LocalDateTime end = LocalDateTime.parse(run.get("end").asText());
        assertFalse(end.isBefore(start), run.toString());
        assertTrue(run.get("rows_in").isIntegralNumber(), run.toString());
        assertEquals(104_991, run.get("rows_in").asLong(), "the sample's measurements");
        assertTrue(run.get("rows_in_per_second").isNumber() && run.get("rows_in_per_second").asDouble() > 0,
                run.toString());
        assertTrue(run.get("seconds").isNumber(), run.toString());
    }

    @Test
    void runsViewTypesTimesAndRatesOfOldAndNewRecords() throws Exception {
        // A record as earlier versions wrote it: the rate as text.
        Path c = tmp.resolve("old");
        Files.createDirectories(c.resolve("_runs"));
        Files.writeString(c.resolve("_runs/old.json"), """
                {"run_id": "old", "job": "pack", "status": "ok", "start": "2026-01-02T03:04:05.123456789Z",
                 "end": "2026-01-02T03:05:05Z", "seconds": 60.0, "rows_in": 10, "rows_in_per_second": "0.2"}
                """);
        Cli.Run types = Cli.run("sql", c.toString(), "SELECT typeof(start), typeof(\"end\"), typeof(rows_in_per_second), "
                + "start, rows_in_per_second FROM runs", "--format", "csv");
        assertEquals(0, types.code(), types.toString());
        assertEquals("TIMESTAMP,TIMESTAMP,DOUBLE,2026-01-02 03:04:05.123456,0.2", types.out().strip().split("\n")[1]);
        Cli.Run fresh = Cli.run("sql", a.toString(), "SELECT typeof(start), typeof(rows_in_per_second), "
                + "start <= \"end\" FROM runs", "--format", "csv");
        assertEquals("TIMESTAMP,DOUBLE,true", fresh.out().strip().split("\n")[1], fresh.toString());
    }

    @Test
    void runsReadsSeveralOutputsAndGlobs() throws Exception {
        JsonNode both = parse(Cli.run("runs", a.toString(), b.toString(), "--json"));
        assertEquals(List.of("flights a", "flights b"), labels(both));
        JsonNode globbed = parse(Cli.run("runs", tmp.resolve("outs").toString() + "/*", "--json"));
        assertEquals(List.of("flights a", "flights b"), labels(globbed));
        Cli.Run table = Cli.run("runs", tmp.resolve("outs").toString() + "/*");
        assertEquals(0, table.code(), table.toString());
        List<String> rows = table.out().lines().filter(l -> l.contains("| flights ")).toList();
        assertEquals(2, rows.size(), table.out());
        for (String row : rows) {
            String label = row.split("\\|")[2].strip();
            String output = row.split("\\|")[3].strip();
            assertEquals("flights " + output, label, "each run's output by the name that tells it apart: " + row);
        }
        Cli.Run none = Cli.run("runs", tmp.resolve("nothing-here") + "/*");
        assertEquals(3, none.code(), none.toString());
        assertTrue(none.err().contains("no output matching"), none.err());
    }

    @Test
    void sqlQueriesTheRunsOfSeveralOutputs() throws Exception {
        JsonNode rows = parse(Cli.run("sql", tmp.resolve("outs") + "/*", "SELECT label, rows_in, start < \"end\" AS "
                + "ordered FROM runs ORDER BY label", "--json"));
        assertEquals(2, rows.size(), rows.toString());
        assertEquals("flights a", rows.get(0).get("label").asText());
        assertEquals("flights b", rows.get(1).get("label").asText());
        assertEquals(104_991, rows.get(1).get("rows_in").asLong());
        assertTrue(rows.get(1).get("ordered").asBoolean(), rows.toString());
        JsonNode listed = parse(Cli.run("sql", a.toString(), b.toString(), "SELECT count(*) AS n FROM runs", "--json"));
        assertEquals(2, listed.get(0).get("n").asInt());
        Cli.Run split = Cli.run("sql", a.toString(), b.toString(), "SELECT count(*) FROM train");
        assertEquals(2, split.code(), split.toString());
        assertTrue(split.err().contains("over several outputs, the one view is runs"), split.err());
        Cli.Run write = Cli.run("sql", a.toString(), b.toString(), "SELECT 1", "--allow-write");
        assertEquals(2, write.code(), write.toString());
    }

    private static List<String> labels(JsonNode runs) {
        List<String> labels = new ArrayList<>();
        runs.forEach(r -> labels.add(r.get("label").isNull() ? "(none)" : r.get("label").asText()));
        labels.sort(null);
        return labels;
    }

    @Test
    void evalAndSearchJsonAreTyped() throws Exception {
        Path codes = tmp.resolve("codes");
        String base = TestData.embeddings("base.npy").toString();
        String queries = TestData.embeddings("queries.npy").toString();
        Cli.Run c = Cli.run("compress", "--input", base, "--method", "sq8", "--out", codes.toString(), "--progress",
                "none", "--label", "sq8 run");
        assertEquals(0, c.code(), c.toString());
        JsonNode e = parse(Cli.run("eval", "--codes", codes.toString(), "--queries", queries, "--base", base,
                "--k", "10", "--progress", "none", "--json", "--label", "sq8 eval"));
        assertEquals(300, e.get("queries").asInt());
        assertTrue(e.get("queries").isIntegralNumber(), e.toString());
        assertEquals(2500, e.get("base_vectors").asInt());
        assertTrue(e.get("recall_at_k").isDouble(), e.toString());
        assertTrue(e.get("recall_at_k").asDouble() > 0.9 && e.get("recall_at_k").asDouble() <= 1.0, e.toString());
        assertEquals(384, e.get("bytes_per_vector").asInt());
        assertTrue(e.get("codes_in_memory").isBoolean(), e.toString());
        assertEquals("sq8", e.get("method").get("method").asText(), e.toString());
        assertEquals(384, e.get("method").get("dim").asInt(), e.toString());

        Cli.Run text = Cli.run("eval", "--codes", codes.toString(), "--queries", queries, "--base", base,
                "--progress", "none");
        assertEquals(0, text.code(), text.toString());
        String method = text.out().lines().filter(l -> l.strip().startsWith("method ")).findFirst().orElseThrow();
        assertTrue(method.matches("\\s*method\\s+sq8 \\(dim 384.*\\)"), method);
        assertFalse(text.out().contains("{"), "no Java map's toString: " + text.out());
        assertTrue(text.out().contains("\n  base_vectors             2,500\n"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("  search_qps\\s+[0-9,]+")), "a rate without decimals: "
                + text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.matches("  recall_at_k\\s+0\\.\\d{4}")), text.out());

        JsonNode runs = parse(Cli.run("runs", codes.toString(), "--json"));
        assertEquals(List.of("(none)", "sq8 eval", "sq8 run"), labels(runs), "the text eval had no --label");

        Path results = tmp.resolve("results.ivecs");
        JsonNode s = parse(Cli.run("search", "--codes", codes.toString(), "--queries", queries, "--out",
                results.toString(), "--progress", "none", "--json"));
        assertEquals(300, s.get("queries").asInt());
        assertEquals(10, s.get("k").asInt());
        assertTrue(s.get("queries_per_second").isDouble() && s.get("queries_per_second").asDouble() > 0, s.toString());
        assertEquals(results.toString(), s.get("out").asText());
    }

    @Test
    void mergeJsonSaysWhatItMerged() throws Exception {
        Path out = tmp.resolve("sharded");
        for (String shard : List.of("0/2", "1/2")) {
            Cli.Run r = Cli.run("probe-rows", "--input", Cli.flightsSample().toString(), "--key", "route", "--time",
                    "date", "--buckets", "4", "--progress", "none", "--memory-limit", "512MB", "--shard", shard,
                    "--out", out.toString());
            assertEquals(0, r.code(), r.toString());
        }
        JsonNode m = parse(Cli.run("merge", out.toString(), "--json"));
        assertEquals(4, m.get("units").asInt(), m.toString());
        assertTrue(m.get("shards").isIntegralNumber() && m.get("shards").asInt() >= 4, m.toString());
        assertEquals(out.resolve("_manifest.json").toString(), m.get("manifest").asText());
    }

    @Test
    void startAndEndAreTheRecordsInstants() throws Exception {
        JsonNode run = parse(Cli.run("runs", a.toString(), "--json")).get(0);
        // The view's TIMESTAMP is UTC wall time: the record's instant with its zone dropped.
        String recorded = dev.sluice.engine.Json.read(Files.list(a.resolve("_runs")).findFirst().orElseThrow())
                .get("start").toString();
        LocalDateTime shown = LocalDateTime.parse(run.get("start").asText());
        assertEquals(Instant.parse(recorded).toEpochMilli(), shown.toInstant(java.time.ZoneOffset.UTC).toEpochMilli());
    }
}
