package dev.sluice.text;

import dev.sluice.testing.Cli;
import dev.sluice.testing.DiskFull;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pack on a full output disk: exit 4 with a clear message, then a rerun with room completes. */
class PackDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void fullDiskIsAClearErrorAndARerunWithRoomCompletes() throws Exception {
        DiskFull.check(tmp, "1m", "16m", "disk full", out -> List.of("pack", "--input",
                Cli.project().resolve("data-samples/text/debian-texts.jsonl").toString(), "--seq-len", "256",
                "--shard-size", "256KB", "--progress", "none", "--memory-limit", "1GB", "--tmp-dir", tmp.toString(),
                "--out", out.toString()));
    }
}
