package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.Json;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peak RSS of compress does not grow with the input: 10x more vectors (the sample repeated with small noise)
 * raise it by at most 10%. Each run is its own JVM with a fixed, pre-touched heap, so what is measured is
 * everything else: mapped input pages, DuckDB, Arrow and batch buffers.
 */
class CompressMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void peakRssIsFlatWhenTheInputGrowsTenfold() throws Exception {
        float[] base = Samples.BASE;
        long small = peak(write("small.npy", base, 4, 1));
        long large = peak(write("large.npy", base, 40, 2));
        System.err.printf("CompressMemoryTest: peak RSS %d MB (10,000 vectors), %d MB (100,000)%n", small >> 20,
                large >> 20);
        assertTrue(large <= small * 1.10, String.format("peak RSS %d MB for 10,000 vectors, %d MB for 100,000",
                small >> 20, large >> 20));
    }

    /** The sample repeated {@code times} times, each copy with Gaussian noise of 1e-3. */
    Path write(String name, float[] base, int times, long seed) throws Exception {
        int n = base.length / 384 * times;
        float[][] rows = new float[n][];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            int src = i % (base.length / 384);
            rows[i] = new float[384];
            for (int j = 0; j < 384; j++) {
                rows[i][j] = base[src * 384 + j] + (float) r.nextGaussian() * 1e-3f;
            }
        }
        Path f = tmp.resolve(name);
        dev.sluice.TestData.writeNpy(f, rows);
        return f;
    }

    long peak(Path input) throws Exception {
        Path out = tmp.resolve(input.getFileName() + ".out");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("--enable-native") || a.startsWith("--sun-misc")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xms160m", "-Xmx160m", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"),
                "dev.sluice.cli.Main", "compress", "--input", input.toString(), "--method", "sq8", "--train-size",
                "5000", "--batch-size", "5000", "--workers", "2", "--memory-limit", "1GB", "--progress", "none",
                "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "compress timed out");
        assertEquals(0, p.exitValue(), log);
        try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
            Map<String, Object> rec = Json.read(s.findFirst().orElseThrow());
            return ((Number) rec.get("rss_peak_bytes")).longValue();
        }
    }
}
