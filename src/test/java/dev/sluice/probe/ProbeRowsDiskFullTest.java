package dev.sluice.probe;

import dev.sluice.testing.Cli;
import dev.sluice.testing.DiskFull;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** probe-rows on a full output disk: exit 4 with a clear message, then a rerun with room completes. */
class ProbeRowsDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void fullDiskIsAClearErrorAndARerunWithRoomCompletes() throws Exception {
        DiskFull.check(tmp, "400k", "8m", "disk full while writing bucket", out -> List.of("probe-rows", "--input",
                Cli.flightsSample().toString(), "--key", "route", "--time", "date", "--buckets", "4", "--progress",
                "none", "--memory-limit", "512MB", "--tmp-dir", tmp.toString(), "--out", out.toString()));
    }
}
