package dev.sluice.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;

/**
 * How much memory the whole process may use, and how it is split between the JVM and DuckDB.
 *
 * <p>The budget is the smaller of available physical memory and the container's cgroup limit
 * (OSHI does not see cgroups, so v2 {@code memory.max} and v1 {@code memory.limit_in_bytes} are read
 * directly), minus a reserve; {@code --memory-limit} replaces it. DuckDB's {@code memory_limit} does not
 * bound its resident memory (peaks of 1.1-1.7x the limit were measured), so DuckDB gets what is left after
 * the JVM's heap, its fixed overhead and Arrow's buffers, divided by that overshoot.
 */
public record MemoryBudget(long totalBytes, String source, long physicalBytes, long availableBytes,
                           OptionalLong cgroupBytes, long jvmHeapBytes, long jvmOverheadBytes,
                           long arrowBytes, long duckdbBytes) {

    /** Resident memory of an idle JVM with DuckDB loaded, beyond the heap (measured near 100 MB). */
    static final long JVM_OVERHEAD = 96L << 20;
    /** DuckDB's resident peak over its {@code memory_limit}. */
    public static final double DUCKDB_OVERSHOOT = 1.35;
    public static final long MIN_DUCKDB = 64L << 20;
    static final long MIN_BUDGET = 320L << 20;

    /** The budget of a command with the default policy (see {@link MemoryPolicy#DEFAULT}). */
    public static MemoryBudget detect(OptionalLong override) {
        return detect(override, MemoryPolicy.DEFAULT);
    }

    /** The budget (from {@code override}, or detected), split as {@code policy} says. */
    public static MemoryBudget detect(OptionalLong override, MemoryPolicy policy) {
        long[] mem = physicalAndAvailable();
        long physical = mem[0];
        long available = mem[1];
        OptionalLong cgroup = cgroupLimit();
        long total;
        String source;
        if (override.isPresent()) {
            total = override.getAsLong();
            source = "--memory-limit or SLUICE_MEMORY_LIMIT";
        } else {
            long detected = cgroup.isPresent() ? Math.min(available, cgroup.getAsLong()) : available;
            source = cgroup.isPresent() && cgroup.getAsLong() < available ? "cgroup limit" : "available memory";
            // Leave room for the rest of the machine: 10%, at least 256 MB.
            total = detected - Math.max(detected / 10, 256L << 20);
        }
        if (total < MIN_BUDGET) {
            throw new SluiceException(SluiceException.Kind.RESOURCE, String.format(Locale.ROOT,
                    "memory budget %s (%s) is below the minimum of %s; give --memory-limit 320MB or more",
                    Sizes.format(total), source, Sizes.format(MIN_BUDGET)));
        }
        return split(total, source, physical, available, cgroup, Runtime.getRuntime().maxMemory(), policy);
    }

    /** The split of an explicit budget of {@code total} with the heap the launcher gives it: for planning. */
    public static MemoryBudget of(long total, MemoryPolicy policy) {
        return split(total, "planned", 0, 0, OptionalLong.empty(), policy.heapBytes(total), policy);
    }

    /**
     * The parts of {@code total}: the heap the policy gives (or the JVM's, when it was started with less), Arrow's
     * share, the JVM's overhead, and DuckDB what is left over its overshoot.
     */
    static MemoryBudget split(long total, String source, long physical, long available, OptionalLong cgroup,
                              long jvmMaxHeap, MemoryPolicy policy) {
        long heap = Math.min(jvmMaxHeap, policy.heapBytes(total));
        long arrow = policy.arrowBytes(total);
        long duck = (long) ((total - heap - JVM_OVERHEAD - arrow) / DUCKDB_OVERSHOOT);
        if (duck < MIN_DUCKDB) {
            throw new SluiceException(SluiceException.Kind.RESOURCE, String.format(Locale.ROOT,
                    "memory budget %s leaves DuckDB only %s after the JVM (heap %s, overhead %s) and Arrow (%s); "
                            + "raise --memory-limit or lower the heap (-Xmx through SLUICE_JAVA_OPTS)",
                    Sizes.format(total), Sizes.format(Math.max(duck, 0)), Sizes.format(heap),
                    Sizes.format(JVM_OVERHEAD), Sizes.format(arrow)));
        }
        return new MemoryBudget(total, source, physical, available, cgroup, heap, JVM_OVERHEAD, arrow, duck);
    }

    /**
     * Physical and available memory. On Linux from {@code /proc/meminfo} (MemTotal, MemAvailable), which is
     * what OSHI reads there too: OSHI's first call loads JNA, which made every command and shard task start
     * about 60 ms later (a shard task with nothing left to do: 0.42-0.47 s, now 0.36-0.40 s). OSHI elsewhere.
     */
    static long[] physicalAndAvailable() {
        OptionalLong total = OptionalLong.empty();
        OptionalLong available = OptionalLong.empty();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = OptionalLong.of(meminfoBytes(line));
                } else if (line.startsWith("MemAvailable:")) {
                    available = OptionalLong.of(meminfoBytes(line));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc not mounted: ask OSHI.
        }
        if (total.isPresent() && available.isPresent()) {
            return new long[] {total.getAsLong(), available.getAsLong()};
        }
        GlobalMemory mem = new SystemInfo().getHardware().getMemory();
        return new long[] {mem.getTotal(), mem.getAvailable()};
    }

    /** A {@code /proc/meminfo} line such as {@code "MemAvailable:   12345678 kB"}, in bytes. */
    private static long meminfoBytes(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * (parts.length > 2 && parts[2].equals("kB") ? 1024 : 1);
    }

    /** The tightest cgroup limit on this process, v2 then v1; empty when unlimited or unknown. */
    static OptionalLong cgroupLimit() {
        return cgroupLimit(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"));
    }

    /**
     * As {@link #cgroupLimit()}, from a {@code /proc/self/cgroup} file and the cgroup mount {@code root}. v2
     * ({@code 0::/path}): every level from the process's group up to the root may carry its own
     * {@code memory.max}. v1 ({@code N:...memory...:/path}): the group's {@code memory.limit_in_bytes}, or, in a
     * container that mounts its own group as the root, the root's.
     */
    static OptionalLong cgroupLimit(Path procCgroup, Path root) {
        long best = Long.MAX_VALUE;
        try {
            for (String line : Files.readAllLines(procCgroup)) {
                String[] parts = line.split(":", 3);
                if (parts.length < 3) {
                    continue;
                }
                if (parts[0].equals("0") && parts[1].isEmpty()) {
                    for (Path dir = root.resolve(parts[2].replaceFirst("^/+", "")).normalize();
                         dir != null && dir.startsWith(root); dir = dir.getParent()) {
                        best = Math.min(best, readLimit(dir.resolve("memory.max")));
                    }
                } else if (List.of(parts[1].split(",")).contains("memory")) {
                    Path memory = root.resolve("memory");
                    best = Math.min(best, readLimit(memory.resolve(parts[2].replaceFirst("^/+", ""))
                            .resolve("memory.limit_in_bytes")));
                    best = Math.min(best, readLimit(memory.resolve("memory.limit_in_bytes")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (not Linux) or unreadable: no cgroup limit known.
        }
        // v1 reports "unlimited" as a huge page-aligned number.
        return best >= (1L << 60) ? OptionalLong.empty() : OptionalLong.of(best);
    }

    private static long readLimit(Path file) {
        try {
            String v = Files.readString(file).strip();
            return v.equals("max") ? Long.MAX_VALUE : Long.parseLong(v);
        } catch (IOException | NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** One line for the start of a run. */
    public String describe() {
        return String.format(Locale.ROOT,
                "memory budget %s (%s; physical %s, available %s, cgroup %s): JVM heap %s + overhead %s, Arrow %s, DuckDB memory_limit %s",
                Sizes.format(totalBytes), source, Sizes.format(physicalBytes), Sizes.format(availableBytes),
                cgroupBytes.isPresent() ? Sizes.format(cgroupBytes.getAsLong()) : "none",
                Sizes.format(jvmHeapBytes), Sizes.format(jvmOverheadBytes), Sizes.format(arrowBytes),
                Sizes.format(duckdbBytes));
    }
}
