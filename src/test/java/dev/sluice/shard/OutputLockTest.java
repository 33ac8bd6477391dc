package dev.sluice.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.SluiceException;
import dev.sluice.testing.Cli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole run and the shard tasks of one output exclude each other; tasks share the directory; a second
 * copy of one task is refused. Checked within one JVM and against another process.
 */
class OutputLockTest {
    @TempDir
    Path tmp;

    private static String refusal(Path dir, ShardSpec shard) {
        return assertThrows(SluiceException.class, () -> OutputDir.open(dir, shard).close()).getMessage();
    }

    @Test
    void wholeRunsAndTasksExcludeEachOtherInOneProcess() {
        Path dir = tmp.resolve("out");
        try (OutputDir whole = OutputDir.open(dir)) {
            assertTrue(refusal(dir, new ShardSpec(0, 2)).contains("another sluice run is writing to"));
            assertTrue(refusal(dir, ShardSpec.WHOLE).contains("another sluice run is writing to"));
        }
        try (OutputDir t0 = OutputDir.open(dir, new ShardSpec(0, 2));
             OutputDir t1 = OutputDir.open(dir, new ShardSpec(1, 2))) {
            assertTrue(refusal(dir, ShardSpec.WHOLE).contains("another sluice run is writing to"));
            assertTrue(refusal(dir, new ShardSpec(0, 2)).contains("task 0/2 is already running"));
        }
        OutputDir.open(dir).close(); // free again once every holder closed
    }

    @Test
    void tasksPlanOneAtATime() throws Exception {
        Path dir = tmp.resolve("out");
        try (OutputDir t0 = OutputDir.open(dir, new ShardSpec(0, 2));
             OutputDir t1 = OutputDir.open(dir, new ShardSpec(1, 2))) {
            java.util.concurrent.CompletableFuture<Long> second;
            long released;
            try (PlanLock first = t0.planLock(m -> {})) {
                second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (PlanLock l = t1.planLock(m -> {})) {
                        return System.nanoTime();
                    }
                });
                Thread.sleep(300);
                assertFalse(second.isDone(), "the second task waits while the first plans");
                released = System.nanoTime();
            }
            assertTrue(second.get(10, java.util.concurrent.TimeUnit.SECONDS) >= released);
        }
        OutputDir.open(dir).close(); // the plan lock file does not make the directory look foreign
    }

    /** Holds the lock of {@code args[0]} for shard {@code args[1]} until its standard input closes. */
    public static void main(String[] args) throws Exception {
        try (OutputDir held = OutputDir.open(Path.of(args[0]), ShardSpec.parse(args[1]))) {
            System.out.println("locked");
            System.out.flush();
            System.in.read();
        }
    }

    private static Process holder(Path dir, String shard) throws Exception {
        List<String> cmd = Cli.childJvm("64m", List.of()).command();
        cmd.set(cmd.size() - 1, OutputLockTest.class.getName()); // this class's main instead of sluice's
        cmd.addAll(List.of(dir.toString(), shard));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        while (line != null && line.startsWith("WARNING")) { // the JVM's note on the incubator module
            line = out.readLine();
        }
        assertEquals("locked", line);
        return p;
    }

    @Test
    void aTaskInAnotherProcessKeepsAWholeRunOutButNotOtherTasks() throws Exception {
        Path dir = tmp.resolve("out");
        Process task = holder(dir, "0/2");
        try {
            assertTrue(refusal(dir, ShardSpec.WHOLE).contains("another sluice run is writing to"));
            assertTrue(refusal(dir, new ShardSpec(0, 2)).contains("task 0/2 is already running"));
            OutputDir.open(dir, new ShardSpec(1, 2)).close();
        } finally {
            task.getOutputStream().close();
            assertEquals(0, task.waitFor());
        }
        OutputDir.open(dir).close();
    }

    @Test
    void aSecondCopyOfATaskWaitsForTheFirstToEndWhenAskedTo() throws Exception {
        Path dir = tmp.resolve("out");
        Process first = holder(dir, "0/2");
        try {
            java.util.List<String> said = new java.util.ArrayList<>();
            String refused = assertThrows(SluiceException.class, () -> OutputDir.open(dir, new ShardSpec(0, 2),
                    java.time.Duration.ofSeconds(1), said::add).close()).getMessage();
            assertTrue(refused.contains("task 0/2 is already running") && refused.contains("still after 1 s"),
                    refused);
            assertTrue(said.get(0).contains("waiting up to 1 s for it to end"), said.toString());
            // As a replacement pod while the evicted one stops: the first copy ends 1.5 s into the wait.
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(1500);
                    first.getOutputStream().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long t0 = System.nanoTime();
            OutputDir.open(dir, new ShardSpec(0, 2), java.time.Duration.ofSeconds(60), said::add).close();
            assertTrue(System.nanoTime() - t0 > 1_000_000_000L, "it waited for the first copy");
            assertEquals(2, said.size());
        } finally {
            first.getOutputStream().close();
            assertEquals(0, first.waitFor());
        }
        assertEquals(java.time.Duration.ofSeconds(120), OutputDir.taskLockWait(java.util.Map.of(
                "SLUICE_TASK_LOCK_WAIT", "120")));
        assertEquals(java.time.Duration.ZERO, OutputDir.taskLockWait(java.util.Map.of()));
    }

    @Test
    void aWholeRunInAnotherProcessKeepsTasksOut() throws Exception {
        Path dir = tmp.resolve("out");
        Process whole = holder(dir, "0/1");
        try {
            assertTrue(refusal(dir, new ShardSpec(1, 4)).contains("another sluice run is writing to"));
        } finally {
            whole.getOutputStream().close();
            assertEquals(0, whole.waitFor());
        }
        OutputDir.open(dir, new ShardSpec(1, 4)).close();
    }
}
