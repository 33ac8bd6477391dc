package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.MemoryPolicy;
import dev.sluice.quant.CompressJob;
import dev.sluice.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's heap is the registry's policy: the shell arithmetic and {@link MemoryPolicy#heapBytes} agree. */
class LaunchOptionsTest {
    private static final long MB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void theLauncherGivesEachCommandThePolicysHeapAndJvmOptions() throws Exception {
        Path file = tmp.resolve("launch-options.tsv");
        LaunchOptions.main(new String[] {file.toString()});
        List<String> budgets = List.of("320MB", "512MB", "700MB", "1GB", "1.5GB", "12GB", "60GB");
        for (Command c : Registry.commands()) {
            for (String budget : budgets) {
                long bytes = dev.sluice.engine.Sizes.parse(budget, "--memory-limit");
                String expected = "-Xmx" + (c.memory().heapBytes(bytes) / MB) + "m"
                        + (c.jvmOptions().isEmpty() ? "" : " " + String.join(" ", c.jvmOptions()));
                assertEquals(expected, launcher(file, c.name(), "--memory-limit", budget), c.name() + " " + budget);
            }
            assertEquals("-XX:MaxRAMPercentage=" + c.memory().detectedHeapPercent()
                    + (c.jvmOptions().isEmpty() ? "" : " " + String.join(" ", c.jvmOptions())),
                    launcher(file, c.name()), c.name() + " without --memory-limit");
        }
        assertTrue(launcher(file, "estimate", "compress", "--memory-limit", "12GB").startsWith("-Xmx"
                + CompressJob.SPEC.memory().heapBytes(12L << 30) / MB + "m"), "estimate runs the job's policy");
    }

    @Test
    void compressGetsTheHeapItsSeedWorkflowNeedsAt12Gb() {
        // 1M x 1024-d float32: 4 GB of sample; the policy must leave room for it and DuckDB's minimum.
        long heap = CompressJob.SPEC.memory().heapBytes(12L << 30);
        assertTrue(heap >= 8L << 30, "heap " + (heap >> 20) + " MB");
    }

    private String launcher(Path options, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add(Cli.project().resolve("scripts/sluice").toString());
        pb.command().addAll(List.of(args));
        Map<String, String> env = pb.environment();
        env.put("SLUICE_PRINT_HEAP", "1");
        env.put("SLUICE_LAUNCH_OPTIONS", options.toString());
        env.remove("SLUICE_MEMORY_LIMIT");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
