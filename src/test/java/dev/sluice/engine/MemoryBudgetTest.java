package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryBudgetTest {
    private static final long MB = 1L << 20;

    @Test
    void overrideIsTheWholeBudgetAndThePartsFitInIt() {
        MemoryBudget b = MemoryBudget.detect(OptionalLong.of(1024 * MB));
        assertEquals(1024 * MB, b.totalBytes());
        assertEquals("--memory-limit or SLUICE_MEMORY_LIMIT", b.source());
        long parts = b.jvmHeapBytes() + b.jvmOverheadBytes() + b.arrowBytes()
                + (long) (b.duckdbBytes() * MemoryBudget.DUCKDB_OVERSHOOT);
        assertTrue(parts <= b.totalBytes(), "heap + overhead + Arrow + DuckDB's overshoot fit: " + b.describe());
    }

    @Test
    void memoryReadFromProcAgreesWithOshi() {
        long[] read = MemoryBudget.physicalAndAvailable();
        oshi.hardware.GlobalMemory oshi = new oshi.SystemInfo().getHardware().getMemory();
        assertEquals(oshi.getTotal(), read[0], "physical memory");
        // Available memory moves between the two reads; 256 MB covers what a test JVM does meanwhile.
        assertTrue(Math.abs(oshi.getAvailable() - read[1]) < 256 * MB,
                "available memory: OSHI " + oshi.getAvailable() + ", read " + read[1]);
        assertTrue(read[1] > 0 && read[1] <= read[0], "0 < available <= physical");
    }

    /** Writes {@code text} to {@code file}, making its directories. */
    private static void put(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void cgroupV2LimitIsTheTightestOnThePathToTheRoot(@TempDir Path tmp) throws IOException {
        Path root = tmp.resolve("sys/fs/cgroup");
        Path proc = tmp.resolve("cgroup");
        put(proc, "0::/kubepods/pod1/c1\n");
        put(root.resolve("kubepods/memory.max"), "max\n");
        put(root.resolve("kubepods/pod1/memory.max"), "1073741824\n");
        put(root.resolve("kubepods/pod1/c1/memory.max"), "2147483648\n");
        assertEquals(OptionalLong.of(1024 * MB), MemoryBudget.cgroupLimit(proc, root),
                "the pod's 1 GB, not the container's 2 GB");
        put(root.resolve("kubepods/pod1/memory.max"), "max\n");
        assertEquals(OptionalLong.of(2048 * MB), MemoryBudget.cgroupLimit(proc, root));
        put(root.resolve("kubepods/pod1/c1/memory.max"), "max\n");
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLimit(proc, root), "max at every level: no limit");
        // A container with its own cgroup namespace sees itself at the root.
        put(proc, "0::/\n");
        put(root.resolve("memory.max"), "536870912\n");
        assertEquals(OptionalLong.of(512 * MB), MemoryBudget.cgroupLimit(proc, root));
    }

    @Test
    void cgroupV1LimitIsTheGroupsOrTheMountedRootsAndUnlimitedIsNone(@TempDir Path tmp) throws IOException {
        Path root = tmp.resolve("sys/fs/cgroup");
        Path proc = tmp.resolve("cgroup");
        put(proc, "9:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n");
        put(root.resolve("memory/docker/abc/memory.limit_in_bytes"), "805306368\n");
        assertEquals(OptionalLong.of(768 * MB), MemoryBudget.cgroupLimit(proc, root));
        // Inside the container the group's directory is not there; its limit is the mount's root.
        Files.delete(root.resolve("memory/docker/abc/memory.limit_in_bytes"));
        put(root.resolve("memory/memory.limit_in_bytes"), "402653184\n");
        assertEquals(OptionalLong.of(384 * MB), MemoryBudget.cgroupLimit(proc, root));
        put(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLimit(proc, root), "v1's unlimited");
        assertEquals(OptionalLong.empty(), MemoryBudget.cgroupLimit(tmp.resolve("absent"), root), "no /proc");
    }

    @Test
    void splitGivesDuckdbWhatTheJvmDoesNotTake() {
        MemoryBudget b = MemoryBudget.split(512 * MB, "test", 0, 0, OptionalLong.empty(), 100 * MB,
                MemoryPolicy.DEFAULT);
        assertEquals(100 * MB, b.jvmHeapBytes());
        assertEquals(512 * MB / 8, b.arrowBytes());
        long expected = (long) ((512 * MB - 100 * MB - MemoryBudget.JVM_OVERHEAD - b.arrowBytes()) / 1.35);
        assertEquals(expected, b.duckdbBytes());
    }

    @Test
    void aHeapLargerThanThePolicysIsCountedAtThePolicys() {
        MemoryBudget b = MemoryBudget.split(1024 * MB, "test", 0, 0, OptionalLong.empty(), 8192 * MB,
                MemoryPolicy.DEFAULT);
        assertEquals(204 * MB, b.jvmHeapBytes(), "a fifth of 1024 MB, in whole MB");
    }

    @Test
    void aPolicyWithAReserveLeavesDuckdbItsMinimumAtEveryBudget() {
        MemoryPolicy heapHeavy = new MemoryPolicy(750, 48 * MB, 256 * MB, 1.0 / 8);
        for (long mb = 320; mb <= 64 << 10; mb += 97) {
            MemoryBudget b = MemoryBudget.split(mb * MB, "test", 0, 0, OptionalLong.empty(), Long.MAX_VALUE,
                    heapHeavy);
            assertTrue(b.duckdbBytes() >= MemoryBudget.MIN_DUCKDB, b.describe());
        }
    }

    @Test
    void budgetForHeapIsTheSmallestBudgetThatGivesIt() {
        for (MemoryPolicy p : List.of(MemoryPolicy.DEFAULT, new MemoryPolicy(750, 48 * MB, 256 * MB, 1.0 / 8),
                new MemoryPolicy(333, 48 * MB, 0, 1.0 / 8))) {
            for (long need = 10 * MB; need < (64L << 30); need = need * 3 / 2 + 7) {
                long budget = p.budgetForHeap(need);
                assertTrue(p.heapBytes(budget) >= need, p + " " + need);
                assertTrue(budget == MB || p.heapBytes(budget - MB) < need, p + " " + need + ": not the smallest");
            }
        }
    }

    @Test
    void tooSmallABudgetIsAResourceError() {
        SluiceException e = assertThrows(SluiceException.class, () -> MemoryBudget.detect(OptionalLong.of(100 * MB)));
        assertEquals(SluiceException.Kind.RESOURCE, e.kind());
        assertTrue(e.getMessage().contains("--memory-limit 320MB or more"), e.getMessage());
    }

    @Test
    void detectedBudgetLeavesAReserve() {
        MemoryBudget b = MemoryBudget.detect(OptionalLong.empty());
        long limit = b.cgroupBytes().isPresent() ? Math.min(b.availableBytes(), b.cgroupBytes().getAsLong())
                : b.availableBytes();
        assertTrue(b.totalBytes() < limit, b.describe());
        assertTrue(b.totalBytes() >= limit - Math.max(limit / 10, 256 * MB) - 64 * MB, b.describe());
    }
}
