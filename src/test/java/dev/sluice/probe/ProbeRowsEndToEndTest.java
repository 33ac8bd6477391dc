package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Json;
import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * probe-rows on the real flight sample, checked against what plain DuckDB queries over the input compute:
 * per-key counts, chunking, ordering, split assignment, and byte-identical output across worker counts.
 */
class ProbeRowsEndToEndTest {
    static final int MAX_LEN = 100;
    @TempDir
    static Path tmp;
    static Path out;

    static String[] args(Path outDir, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("probe-rows", "--input", Cli.flightsSample().toString(),
                "--key", "route", "--time", "date", "--max-len", String.valueOf(MAX_LEN), "--test-fraction", "0.2",
                "--seed", "7", "--buckets", "4", "--progress", "none", "--memory-limit", "1GB", "--out",
                outDir.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void runOnce() {
        out = tmp.resolve("out");
        Cli.Run r = Cli.run(args(out, "--workers", "2"));
        assertEquals(0, r.code(), r.toString());
    }

    private static DuckSession duck() {
        return new DuckSession(new DuckSession.Settings(512L << 20, 2, tmp.resolve("duck"), 1));
    }

    private static long scalar(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String scalarText(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String views(Path dir) {
        return "CREATE OR REPLACE VIEW input AS SELECT * FROM read_parquet('" + Cli.flightsSample() + "');"
                + "CREATE OR REPLACE VIEW output AS SELECT * FROM read_parquet('" + dir + "/*/*.parquet');";
    }

    @Test
    void rowsMatchAnIndependentQueryOverTheInput() throws Exception {
        try (DuckSession d = duck(); Connection c = d.connection(); Statement s = c.createStatement()) {
            s.execute(views(out));
            // Expected rows: each key's flights ordered by (date, delay, distance), numbered, cut every MAX_LEN.
            s.execute("CREATE TABLE expected AS SELECT route, (rn - 1) // " + MAX_LEN + " AS chunk, count(*) AS n, "
                    + "min(date) AS first_date, max(date) AS last_date, "
                    + "list(date ORDER BY rn) AS date, list(delay ORDER BY rn) AS delay, list(distance ORDER BY rn) AS distance "
                    + "FROM (SELECT *, row_number() OVER (PARTITION BY route ORDER BY date, delay, distance) AS rn FROM input) "
                    + "GROUP BY ALL");
            assertEquals(104_991, scalar(s, "SELECT sum(n) FROM output"));
            assertEquals(scalar(s, "SELECT count(*) FROM expected"), scalar(s, "SELECT count(*) FROM output"));
            long mismatches = scalar(s, "SELECT count(*) FROM expected e FULL OUTER JOIN output o "
                    + "ON e.route = o.route AND e.chunk = o.chunk "
                    + "WHERE o.route IS NULL OR e.route IS NULL OR e.n <> o.n OR e.first_date <> o.first_date "
                    + "OR e.last_date <> o.last_date OR e.date IS DISTINCT FROM o.date OR e.delay IS DISTINCT FROM o.delay "
                    + "OR e.distance IS DISTINCT FROM o.distance");
            assertEquals(0, mismatches, "rows that differ from the plain SQL answer");
            assertEquals(0, scalar(s, "SELECT count(*) FROM output WHERE n > " + MAX_LEN + " OR n < 1"));
            assertEquals(0, scalar(s, "SELECT count(*) FROM output WHERE len(date) <> n OR len(delay) <> n"));
            // Chunks of a key are 0..k-1 with only the last one short.
            assertEquals(0, scalar(s, "SELECT count(*) FROM (SELECT route, max(chunk) AS mc, count(*) AS c, "
                    + "count(*) FILTER (n < " + MAX_LEN + ") AS short, arg_max(n, chunk) AS last_n FROM output GROUP BY route) "
                    + "WHERE mc <> c - 1 OR short > 1 OR (short = 1 AND last_n = " + MAX_LEN + ")"));
        }
    }

    @Test
    void everyKeyIsInExactlyOneSplitChosenBySeededHash() throws Exception {
        try (DuckSession d = duck(); Connection c = d.connection(); Statement s = c.createStatement()) {
            s.execute(views(out));
            assertEquals(0, scalar(s, "SELECT count(*) FROM (SELECT route FROM output GROUP BY route "
                    + "HAVING count(DISTINCT split) > 1)"));
            assertEquals(114, scalar(s, "SELECT count(DISTINCT route) FROM output"));
            // The split is test exactly when md5("7:" || key) mod 10^6 < 0.2 * 10^6.
            long wrong = scalar(s, "SELECT count(*) FROM (SELECT DISTINCT route, split FROM output) "
                    + "WHERE (split = 'test') <> (md5_number_lower('7:' || route) % 1000000 < 200000)");
            assertEquals(0, wrong);
            long testKeys = scalar(s, "SELECT count(DISTINCT route) FROM output WHERE split = 'test'");
            assertTrue(testKeys >= 10 && testKeys <= 37, "about 20% of 114 keys are test: " + testKeys);
            // Files sit under their split, named by bucket.
            assertEquals(0, scalar(s, "SELECT count(*) FROM read_parquet('" + out + "/*/*.parquet', filename = true) "
                    + "WHERE NOT regexp_matches(filename, '/' || split || '/part-0000[0-3]-00000\\.parquet$')"));
        }
    }

    @Test
    void manifestListsEveryShardWithRowsAndChecksums() throws Exception {
        Map<String, Object> m = Json.read(out.resolve("_manifest.json"));
        assertEquals("probe-rows", m.get("job"));
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) m.get("totals");
        assertEquals(104_991, ((Number) totals.get("measurements")).longValue());
        assertEquals(114, ((Number) totals.get("keys")).longValue());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shards = (List<Map<String, Object>>) m.get("shards");
        long rows = 0;
        for (Map<String, Object> sh : shards) {
            Path p = out.resolve((String) sh.get("path"));
            assertEquals(Files.size(p), ((Number) sh.get("bytes")).longValue());
            assertEquals(dev.sluice.shard.Shard.checksum(p), sh.get("crc32c"));
            rows += ((Number) sh.get("rows")).longValue();
        }
        assertEquals(((Number) totals.get("rows_out")).longValue(), rows);
        assertTrue(Files.list(out.resolve("_runs")).count() >= 1, "a run record");
    }

    @Test
    void outputIsByteIdenticalForOneAndTwoWorkersAndAcrossRuns() throws Exception {
        Path one = tmp.resolve("w1");
        Path again = tmp.resolve("w2-again");
        assertEquals(0, Cli.run(args(one, "--workers", "1")).code());
        assertEquals(0, Cli.run(args(again, "--workers", "2")).code());
        TreeMap<String, byte[]> a = Cli.outputFiles(out);
        TreeMap<String, byte[]> b = Cli.outputFiles(one);
        TreeMap<String, byte[]> c = Cli.outputFiles(again);
        assertEquals(a.keySet(), b.keySet());
        assertEquals(a.keySet(), c.keySet());
        assertTrue(a.keySet().stream().filter(k -> k.endsWith(".parquet")).count() >= 5, "several shards: " + a.keySet());
        for (String k : a.keySet()) {
            if (k.startsWith("_units")) {
                continue; // unit records hold no times either, but compare the data files and the manifest
            }
            assertArrayEquals(a.get(k), b.get(k), k + " differs between 2 and 1 workers");
            assertArrayEquals(a.get(k), c.get(k), k + " differs between two runs");
        }
    }

    @Test
    void nullValuesAndTextFieldsPassThroughInOrder() throws Exception {
        Path input = tmp.resolve("with-nulls.parquet");
        try (DuckSession d = duck()) {
            // gate has few values and is sorted as codes (TextCodes), with nulls; note has a value per measurement
            // and is carried as text.
            d.execute("COPY (SELECT route, date, CASE WHEN delay % 7 = 0 THEN NULL ELSE delay END AS delay, "
                    + "CASE WHEN distance % 11 = 0 THEN NULL ELSE split_part(route, '-', 1) || CAST(distance % 3 AS "
                    + "VARCHAR) END AS gate, CAST(date AS VARCHAR) || ' ' || delay AS note FROM read_parquet('"
                    + Cli.flightsSample() + "')) TO '" + input + "'");
        }
        Path o = tmp.resolve("nulls-out");
        List<String> a = new java.util.ArrayList<>(List.of(args(o)));
        a.set(2, input.toString());
        Cli.Run r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("text field 'gate': sorted as "), r.err());
        assertFalse(r.err().contains("text field 'note'"), r.err());
        try (DuckSession d = duck(); Connection c = d.connection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE e AS SELECT route, (rn - 1) // " + MAX_LEN + " AS chunk, "
                    + "list(delay ORDER BY rn) AS delay, list(gate ORDER BY rn) AS gate, list(note ORDER BY rn) AS note "
                    + "FROM (SELECT *, row_number() OVER (PARTITION BY route ORDER BY date, delay, gate, note) AS rn "
                    + "FROM read_parquet('" + input + "')) GROUP BY ALL");
            assertTrue(scalar(s, "SELECT count(*) FROM read_parquet('" + o + "/*/*.parquet'), unnest(delay) AS t(v) "
                    + "WHERE v IS NULL") > 10_000, "null delays kept as nulls");
            assertTrue(scalar(s, "SELECT count(*) FROM read_parquet('" + o + "/*/*.parquet'), unnest(gate) AS t(v) "
                    + "WHERE v IS NULL") > 5_000, "null gates kept as nulls");
            assertEquals(0, scalar(s, "SELECT count(*) FROM e FULL OUTER JOIN read_parquet('" + o + "/*/*.parquet') o "
                    + "USING (route, chunk) WHERE e.delay IS DISTINCT FROM o.delay OR e.gate IS DISTINCT FROM o.gate "
                    + "OR e.note IS DISTINCT FROM o.note"));
            assertEquals("VARCHAR[]", scalarText(s, "SELECT typeof(gate) FROM read_parquet('" + o + "/*/*.parquet') "
                    + "LIMIT 1"));
        }
    }

    @Test
    void integerKeysAndRowsWithoutKeyOrTimeAreCounted() throws Exception {
        Path csv = tmp.resolve("sensors.csv");
        Files.writeString(csv, "sensor,ts,temp\n1,2024-01-01 00:00:00,1.5\n1,2024-01-01 00:01:00,\n,2024-01-01 00:02:00,3.0\n"
                + "2,,4.0\n2,2024-01-02 00:00:00,5.0\n2,2024-01-01 00:00:00,6.0\n");
        Path o = tmp.resolve("sensors-out");
        Cli.Run r = Cli.run("probe-rows", "--input", csv.toString(), "--key", "sensor", "--time", "ts", "--max-len", "1",
                "--test-fraction", "0", "--progress", "none", "--memory-limit", "512MB", "--out", o.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("2 rows without key or time dropped"), r.err());
        Cli.Run rows = Cli.run("sql", o.toString(), "SELECT sensor, chunk, n, temp FROM train ORDER BY sensor, chunk",
                "--format", "csv");
        assertEquals("sensor,chunk,n,temp\n1,0,1,[1.5]\n1,1,1,[null]\n2,0,1,[6.0]\n2,1,1,[5.0]", rows.out().strip());
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) Json.read(o.resolve("_manifest.json")).get("totals");
        assertEquals(2, ((Number) totals.get("dropped_rows")).intValue());
        assertEquals(4, ((Number) totals.get("measurements")).intValue());
    }

    @Test
    void csvInputGivesTheSameRowsAsParquet() throws Exception {
        Path csv = tmp.resolve("flights.csv");
        try (DuckSession d = duck()) {
            d.execute("COPY (SELECT * FROM read_parquet('" + Cli.flightsSample() + "')) TO '" + csv + "' (HEADER)");
        }
        Path csvOut = tmp.resolve("csv-out");
        List<String> a = new java.util.ArrayList<>(List.of(args(csvOut)));
        a.set(2, csv.toString());
        Cli.Run r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        try (DuckSession d = duck(); Connection c = d.connection(); Statement s = c.createStatement()) {
            long diff = scalar(s, "SELECT count(*) FROM ((SELECT * FROM read_parquet('" + out + "/*/*.parquet') EXCEPT "
                    + "SELECT * FROM read_parquet('" + csvOut + "/*/*.parquet')) UNION ALL (SELECT * FROM read_parquet('"
                    + csvOut + "/*/*.parquet') EXCEPT SELECT * FROM read_parquet('" + out + "/*/*.parquet')))");
            assertEquals(0, diff);
        }
    }

    @Test
    void sqlAndRunsAndInspectReadTheOutput() {
        Cli.Run sql = Cli.run("sql", out.toString(), "SELECT split, sum(n) AS m FROM (SELECT * FROM train UNION ALL "
                + "SELECT * FROM test) GROUP BY split ORDER BY split", "--format", "csv");
        assertEquals(0, sql.code(), sql.toString());
        String[] lines = sql.out().strip().split("\n");
        assertEquals("split,m", lines[0]);
        long total = Long.parseLong(lines[1].split(",")[1]) + Long.parseLong(lines[2].split(",")[1]);
        assertEquals(104_991, total);

        Cli.Run runs = Cli.run("runs", out.toString(), "--json");
        assertEquals(0, runs.code(), runs.toString());
        assertTrue(runs.out().contains("\"job\" : \"probe-rows\"") || runs.out().contains("\"job\":\"probe-rows\""),
                runs.out());

        Cli.Run inspect = Cli.run("inspect", out.toString());
        assertEquals(0, inspect.code(), inspect.toString());
        assertTrue(inspect.out().contains("manifest check: ok"), inspect.out());
        assertTrue(inspect.out().contains("104,991") || inspect.out().matches("(?s).*\\[train\\] [0-9,]+ rows, [0-9,]+ measurements.*"),
                inspect.out());
    }
}
