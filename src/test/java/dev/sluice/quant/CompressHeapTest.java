package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training sample that cannot fit the heap stops before sampling, saying what to give instead. */
class CompressHeapTest {
    @TempDir
    Path tmp;

    @Test
    void aTrainingSampleTooLargeForTheHeapIsAClearError() throws Exception {
        Path input = CompressResumeTest.repeatedSample(tmp, 20); // 50,000 x 384: 77 MB of floats
        Path out = tmp.resolve("out");
        Process p = Cli.childJvm("96m", List.of("compress", "--input", input.toString(), "--method", "pq",
                "--train-size", "50000", "--progress", "none", "--tmp-dir", tmp.toString(), "--out", out.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("child.log"));
        assertEquals(4, p.exitValue(), log);
        assertTrue(log.contains("training on 50,000 sampled vectors of 384 dimensions needs about"), log);
        assertTrue(log.matches("(?s).*give --memory-limit [0-9.]+ [MG]B or more, or --train-size [0-9]+.*"), log);
        assertFalse(Files.exists(out.resolve("_manifest.json")));
    }
}
