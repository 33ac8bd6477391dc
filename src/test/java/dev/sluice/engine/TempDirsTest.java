package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempDirsTest {
    @TempDir
    Path tmp;

    @Test
    void aTasksWorkDirectoryIsNamedByOutputAndTaskAndStartsEmpty() throws Exception {
        Path out = tmp.resolve("runs/out");
        Path first = TempDirs.forTask(tmp, "compress", out, new ShardSpec(1, 4));
        Files.createDirectories(first.resolve("duckdb"));
        Files.writeString(first.resolve("duckdb/spill.tmp"), "left by a killed run");

        Path again = TempDirs.forTask(tmp, "compress", tmp.resolve("runs/x/../out"), new ShardSpec(1, 4));
        assertEquals(first, again, "the same output and task, however the path is written");
        assertFalse(Files.exists(first), "what the killed run left is gone");
        assertNotEquals(first, TempDirs.forTask(tmp, "compress", out, new ShardSpec(2, 4)), "another task");
        assertNotEquals(first, TempDirs.forTask(tmp, "probe", out, new ShardSpec(1, 4)), "another job");
        assertTrue(first.getFileName().toString().startsWith("sluice-compress-"), first.toString());
    }
}
