package dev.sluice.testing;

import dev.sluice.cli.Main;
import dev.sluice.engine.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Runs the command line in this JVM or in a child JVM, and reads what it left behind. */
public final class Cli {
    private Cli() {}

    /** Exit code and what was printed. */
    public record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The project directory (for data-samples). */
    public static Path project() {
        return Path.of(System.getProperty("sluice.project.dir", "."));
    }

    public static Path flightsSample() {
        return project().resolve("data-samples/flights/flights-sample.parquet");
    }

    private static Path childTmp;

    /** target/child-tmp, emptied of what the children of an earlier test JVM left, once per test JVM. */
    private static synchronized Path childTmp() {
        if (childTmp == null) {
            Path dir = project().resolve("target/child-tmp");
            try {
                if (Files.exists(dir)) {
                    TempDirs.deleteTree(dir);
                }
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            childTmp = dir;
        }
        return childTmp;
    }

    /**
     * A child JVM running Main with the engine's flags and the given heap; the caller waits or kills it. Its
     * temporary files go under target/: from the test class path the DuckDB driver unpacks its 60 MB native
     * library into one at each start, and a killed child leaves it behind.
     */
    public static ProcessBuilder childJvm(String heap, List<String> args) {
        Path tmp = childTmp();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-XX:+UseSerialGC", "-Xmx" + heap, "-Djava.io.tmpdir=" + tmp.toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), "dev.sluice.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd);
    }

    /**
     * Every file under {@code dir} that a reader would see (no run records, no lock, no plan or the
     * probe-rows key table beside it, no scratch files of shard tasks), with its bytes.
     */
    public static TreeMap<String, byte[]> outputFiles(Path dir) throws IOException {
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (rel.startsWith("_runs") || rel.startsWith(".sluice") || rel.equals("_plan.json")
                        || rel.equals("_keys.parquet") || rel.startsWith("_scratch")) {
                    continue;
                }
                files.put(rel, Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Asserts that {@code got} holds the same output files as {@code expected}, byte for byte; {@code how} says why. */
    public static void assertSameOutput(Path expected, Path got, String how) throws IOException {
        TreeMap<String, byte[]> a = outputFiles(expected);
        TreeMap<String, byte[]> b = outputFiles(got);
        org.junit.jupiter.api.Assertions.assertEquals(a.keySet(), b.keySet(), how + ": the same files");
        for (String k : a.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(k), b.get(k), k + " differs " + how);
        }
    }
}
