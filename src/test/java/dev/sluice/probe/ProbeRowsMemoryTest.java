package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.Json;
import dev.sluice.testing.Cli;
import dev.sluice.testing.ScaledFlights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under a small budget, on an input scaled up from the sample: the one-shot query (window + ordered list()
 * + COPY) runs out of memory at the DuckDB limit sluice would use, and probe-rows finishes with the whole
 * process's peak RSS within the budget.
 */
class ProbeRowsMemoryTest {
    static final long LIMIT_BYTES = 384L << 20;
    static final int COPIES = 60; // 6.3M measurements

    @TempDir
    Path tmp;

    @Test
    void oneShotQueryFailsWhereProbeRowsFinishesUnderTheBudget() throws Exception {
        Path input = ScaledFlights.make(tmp, COPIES);
        String log = runUnderTheBudget(input, COPIES * 104_991L, LIMIT_BYTES).log();

        long duckdbLimit = Long.parseLong(log.replaceAll("(?s).*DuckDB memory_limit ([0-9.]+) MB.*", "$1")
                .replaceAll("\\..*", ""));
        SQLException e = assertThrows(SQLException.class, () -> oneShot(input, duckdbLimit + "MB"));
        assertTrue(e.getMessage().toLowerCase().contains("out of memory"), e.getMessage());
    }

    /**
     * Fifteen list columns instead of three: the rows the Java pass hands to the shard writer are five times
     * wider, and must still fit Arrow's share of the budget (32 MB here, as at 384 MB; they once ran out of
     * it). DuckDB's sort of wider rows overshoots its limit more, so it gets less of the budget here (see
     * {@code ProbeRowsJob.sortMemory}): peaks of 470-531 MB before, 427-447 MB after.
     */
    @Test
    void wideRowsFinishUnderTheBudget() throws Exception {
        Path sample = ScaledFlights.make(tmp, COPIES);
        Path input = tmp.resolve("wide.parquet");
        StringBuilder extra = new StringBuilder();
        for (int f = 1; f <= 12; f++) {
            extra.append(", ").append(f % 2 == 0 ? "delay" : "distance").append(" + ").append(f).append(" AS f")
                    .append(f);
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT *" + extra + " FROM read_parquet('" + sample + "')) TO '" + input + "'");
        }
        runUnderTheBudget(input, COPIES * 104_991L, 512L << 20);
    }

    /**
     * Eight more columns, one of them a DECIMAL (16 bytes a value in Arrow), 2M measurements, at the smallest
     * budget, one worker: the Arrow batches and the writer's queue are sized from the real widths, so their peak stays
     * inside Arrow's share with room (with batches sized for 8-byte values and a queue of a quarter of the share, such
     * a run peaked at 27-33 MB of 32 MB and failed 1 time in 10 with Arrow's OutOfMemoryException).
     */
    @Test
    void manyAndWideFieldsFinishAtTheSmallestBudget() throws Exception {
        Path sample = ScaledFlights.make(tmp, 19);
        Path input = tmp.resolve("wide-decimal.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT *, delay * 1.5 AS f1, distance * 2 AS f2, CAST(delay AS BIGINT) * 7 AS f3, "
                    + "hash(route, date) % 1000 / 7.0 AS f4, delay + 1 AS f5, distance - 1 AS f6, "
                    + "CAST(distance AS DOUBLE) / 3 AS f7, CAST(delay AS BIGINT) * 1000 AS f8 FROM read_parquet('"
                    + sample + "')) TO '" + input + "'");
        }
        Map<String, Object> record = runUnderTheBudget(input, 19 * 104_991L, 320L << 20, "1").record();
        long peak = ((Number) record.get("arrow_peak_bytes")).longValue();
        long arrowLimit = ((Number) record.get("arrow_limit_bytes")).longValue();
        assertTrue(peak <= arrowLimit * 9 / 10, "Arrow peak " + peak + " of " + arrowLimit);
    }

    /** What a child run left: its log and its run record. */
    private record Child(String log, Map<String, Object> record) {}

    private Child runUnderTheBudget(Path input, long rows, long limit) throws Exception {
        return runUnderTheBudget(input, rows, limit, "2");
    }

    /** Runs probe-rows at {@code limit} bytes in a child JVM; checks it read every row within the budget. */
    private Child runUnderTheBudget(Path input, long rows, long limit, String workers) throws Exception {
        String limitMb = (limit >> 20) + "MB";
        Path out = tmp.resolve("out-" + input.getFileName());
        // The child JVM gets the heap the launcher would give probe-rows.
        Process p = Cli.childJvm((ProbeRowsJob.SPEC.memory().heapBytes(limit) >> 20) + "m", List.of("probe-rows",
                "--input", input.toString(), "--key", "route", "--time", "date", "--memory-limit", limitMb,
                "--workers", workers, "--progress", "none",
                "--tmp-dir", tmp.toString(), "--out", out.toString())).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("child.log"));
        assertEquals(0, p.exitValue(), log);
        Map<String, Object> record;
        try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
            record = Json.read(s.findFirst().orElseThrow());
        }
        assertEquals(rows, ((Number) record.get("rows_in")).longValue());
        long peak = ((Number) record.get("rss_peak_bytes")).longValue();
        assertTrue(peak <= limit, "peak RSS " + (peak >> 20) + " MB within the " + limitMb + " budget\n" + log);
        return new Child(log, record);
    }

    private void oneShot(Path input, String memoryLimit) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET memory_limit = '" + memoryLimit + "'");
            s.execute("SET threads = 2");
            s.execute("SET temp_directory = '" + tmp.resolve("spill") + "'");
            s.execute("COPY (SELECT route, (rn - 1) // 512 AS chunk, count(*) AS n, min(date), max(date), "
                    + "list(date ORDER BY rn) AS date, list(delay ORDER BY rn) AS delay, list(distance ORDER BY rn) AS distance "
                    + "FROM (SELECT *, row_number() OVER (PARTITION BY route ORDER BY date, delay, distance) AS rn "
                    + "FROM read_parquet('" + input + "')) GROUP BY ALL) TO '" + tmp.resolve("oneshot.parquet") + "'");
        }
    }
}
