package dev.sluice.cli;

import dev.sluice.engine.MemoryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes what the launcher needs to start each command's JVM, from the registry, at build time
 * ({@code target/launch-options.tsv}, see pom.xml): per command its heap policy ({@link MemoryPolicy}: thousandths
 * of the budget past a reserve, a minimum) and its JVM options. The launcher computes {@code -Xmx} from these with
 * {@link MemoryPolicy#heapBytes}'s formula, so the policy is stated once, here in Java.
 */
public final class LaunchOptions {
    private LaunchOptions() {}

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "target/launch-options.tsv");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("# command\theap_permille\tmin_heap_mb\treserve_mb\tdetected_heap_percent\tjvm_options "
                + "(generated from the registry by " + LaunchOptions.class.getName() + "; do not edit)");
        for (Command c : Registry.commands()) {
            lines.add(line(c.name(), c.memory(), c.jvmOptions()));
        }
        lines.add(line("*", MemoryPolicy.DEFAULT, List.of()));
        return lines;
    }

    private static String line(String name, MemoryPolicy p, List<String> options) {
        return String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%s", name, p.heapPermille(), p.minHeapBytes() >> 20,
                p.reserveBytes() >> 20, p.detectedHeapPercent(), String.join(" ", options));
    }
}
