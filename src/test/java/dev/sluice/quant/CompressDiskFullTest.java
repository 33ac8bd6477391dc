package dev.sluice.quant;

import dev.sluice.testing.DiskFull;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compress on a full output disk: exit 4 with a clear message, then a rerun with room completes. */
class CompressDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void fullDiskIsAClearErrorAndARerunWithRoomCompletes() throws Exception {
        Path input = CompressResumeTest.repeatedSample(tmp, 4);
        DiskFull.check(tmp, "600k", "16m", "disk full", out -> List.of("compress", "--input", input.toString(),
                "--method", "sq8", "--batch-size", "1000", "--progress", "none", "--memory-limit", "1GB",
                "--tmp-dir", tmp.toString(), "--out", out.toString()));
    }
}
