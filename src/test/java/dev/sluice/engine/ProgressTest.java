package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Log lines say when, how far, how fast, how much memory against the budget, and how long is left. */
class ProgressTest {
    /** The time, the task, the count, rows, rate, memory, elapsed, eta. */
    private static final Pattern LINE = Pattern.compile("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ) (.+?): (.+?), "
            + "([\\d,]+) (\\w+)(.*?), ([\\d,]+)/s, rss (\\d+)/(\\d+) MB, (\\d+)s elapsed, eta (\\S+)");

    @Test
    void logLinesCarryTimeMemoryRateAndEta() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Instant before = Instant.now().minusSeconds(1);
        try (Progress p = new Progress("probe-rows", "buckets", "measurements", 4, Progress.Mode.LOG, log, 30,
                1L << 30)) {
            p.step(1_000);
            p.step(2_000);
            Thread.sleep(200);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertFalse(lines.isEmpty(), "a line every 30 ms");
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), line);
            Instant at = Instant.parse(m.group(1));
            assertFalse(at.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)), line);
            assertTrue(Duration.between(at, Instant.now()).toSeconds() < 60, line);
            assertEquals("probe-rows", m.group(2));
            assertEquals("2/4 buckets (50%)", m.group(3));
            assertEquals("3,000", m.group(4));
            assertEquals("measurements", m.group(5));
            assertEquals("1024", m.group(9), "the budget in MB");
            long rssMb = Long.parseLong(m.group(8));
            assertEquals(MemoryMonitor.rss() >> 20, rssMb, 256, "this JVM's resident memory");
            assertTrue(m.group(11).matches("\\d+s"), "two of four units done: an eta in seconds, " + line);
        }
    }

    @Test
    void aShareOfTheInputShowsAsPercentWithNotesAndEta() {
        try (Progress p = new Progress("pack", "%", "tokens", 100, Progress.Mode.NONE, null, 5000, 2L << 30)) {
            assertTrue(p.line().contains("eta ?"), "nothing done yet: " + p.line());
            p.advanceTo(25, 123_456);
            p.note("1,000 documents, 60 sequences");
            Matcher m = LINE.matcher(p.line());
            assertTrue(m.matches(), p.line());
            assertEquals("pack", m.group(2));
            assertEquals("25%", m.group(3));
            assertEquals("123,456", m.group(4));
            assertEquals(", 1,000 documents, 60 sequences", m.group(6));
            assertEquals("2048", m.group(9));
            assertTrue(m.group(11).matches("\\d+s"), p.line());
        }
    }

    @Test
    void aStageBeforeTheFirstUnitShowsInTheLine() {
        try (Progress p = new Progress("probe-rows", "buckets", "measurements", 16, Progress.Mode.NONE, null, 5000,
                1L << 30)) {
            p.stage("sort 25%");
            Matcher m = LINE.matcher(p.line());
            assertTrue(m.matches(), p.line());
            assertEquals("0/16 buckets (0%), sort 25%", m.group(3));
            assertTrue(p.line().endsWith("eta ?"), p.line());
            p.stage(null);
            p.step(10);
            assertTrue(p.line().contains(": 1/16 buckets (6%), 10 measurements"), p.line());
        }
    }

    /** DuckDB's query progress reaches Java while a sort, which yields no row until it ends, runs. */
    @Test
    void aRunningSortReportsItsProgress(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.util.List<Double> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(512L << 20, 1, tmp.resolve("duck"), 2))) {
            java.nio.file.Path file = tmp.resolve("rows.parquet");
            duck.execute("COPY (SELECT i, hash(i) AS h FROM range(6000000) t(i)) TO '" + file + "'");
            try (java.sql.Connection c = duck.connection(); java.sql.Statement s = c.createStatement();
                 DuckSession.ProgressWatch w = DuckSession.watchProgress(s, seen::add);
                 java.sql.ResultSet rs = s.executeQuery("SELECT i FROM read_parquet('" + file + "') ORDER BY h")) {
                assertTrue(rs.next());
            }
        }
        assertFalse(seen.isEmpty(), "a report every half second of a sort of 6M rows on one thread");
        assertTrue(seen.stream().allMatch(f -> f >= 0 && f <= 1), seen.toString());
        assertTrue(seen.stream().anyMatch(f -> f > 0), "the sort moved: " + seen);
    }

    @Test
    void stampedLinesStartWithTheTimeAndEndWithMemory() {
        String line = Progress.stamp("pack: indexing: 5 documents", 512L << 20);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ pack: indexing: 5 documents, rss \\d+/512 MB"),
                line);
        assertTrue(Progress.stamp("x", 0).matches(".* x, rss \\d+ MB"), "no budget: RSS alone");
    }

    @Test
    void theTerminalIsStandardErrorsDevice() {
        assertTrue(Progress.isTerminal("/dev/pts/3"));
        assertTrue(Progress.isTerminal("/dev/tty1"));
        assertFalse(Progress.isTerminal("pipe:[123456]"), "piped, as under Slurm or kubectl logs");
        assertFalse(Progress.isTerminal("/home/u/job.log"), "redirected to a file");
        assertFalse(Progress.isTerminal("/dev/null"));
        // Under the test runner standard error is a pipe or a file, whatever standard output is.
        assertEquals(Progress.Mode.LOG, Progress.resolve(Progress.Mode.AUTO));
        assertEquals(Progress.Mode.NONE, Progress.resolve(Progress.Mode.NONE));
    }
}
