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
        String log = runUnderTheBudget(input, COPIES * 104_991L, LIMIT_BYTES);

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

    /** Runs probe-rows at {@code limit} bytes in a child JVM; checks it read every row within the budget. */
    private String runUnderTheBudget(Path input, long rows, long limit) throws Exception {
        String limitMb = (limit >> 20) + "MB";
        Path out = tmp.resolve("out-" + input.getFileName());
        // The child JVM gets the heap the launcher would give probe-rows: a tenth of the budget.
        Process p = Cli.childJvm((limit / 10 >> 20) + "m", List.of("probe-rows", "--input", input.toString(),
                "--key", "route", "--time", "date", "--memory-limit", limitMb, "--workers", "2", "--progress", "none",
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
        return log;
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
