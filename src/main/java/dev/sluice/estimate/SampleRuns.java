package dev.sluice.estimate;

import dev.sluice.engine.Json;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Runs a job on a sample, timing it and watching its temp directory, and reads what its run record says. */
public final class SampleRuns {
    private SampleRuns() {}

    /** Runs one job's command line in this process (the caller maps it to a command). */
    public interface Runner {
        void run(List<String> args) throws Exception;
    }

    /**
     * Runs {@code args} (which write to {@code out} and spill under {@code tmpDir}) on a sample of {@code size};
     * {@code rowsOutKey} names the run record's count of output rows, {@code trainRows} the vectors the sample
     * run trains on (0: none).
     */
    public static Estimate.SampleRun run(Runner runner, List<String> args, Path out, Path tmpDir, double size,
                                         String rowsOutKey, long trainRows) throws Exception {
        Files.createDirectories(tmpDir);
        TmpWatch watch = new TmpWatch(tmpDir);
        Thread watcher = Thread.ofPlatform().daemon().name("sluice-estimate-tmp").start(watch);
        long t0 = System.nanoTime();
        try {
            runner.run(args);
        } finally {
            watch.stop = true;
            watcher.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> record;
        try (Stream<Path> s = Files.list(out.resolve(RunRecord.DIR))) {
            record = Json.read(s.filter(p -> p.toString().endsWith(".json")).findFirst()
                    .orElseThrow(() -> SluiceException.internal("the sample run left no run record in " + out, null)));
        }
        long all = bytesUnder(out, RunRecord.DIR);
        long shards = shardBytes(out);
        return new Estimate.SampleRun(number(record, "rows_in"), size, trainRows, seconds,
                decimal(record, "train_seconds"), number(record, rowsOutKey), shards, all - shards, watch.peak,
                number(record, "rss_peak_bytes"));
    }

    private static long number(Map<String, Object> record, String key) {
        return record.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static double decimal(Map<String, Object> record, String key) {
        return record.get(key) instanceof Number n ? n.doubleValue() : 0;
    }

    /** Bytes of the shards: the files in the split directories, not those beside them (codebook, manifest). */
    static long shardBytes(Path out) throws IOException {
        long sum = 0;
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith("_") && !name.startsWith(".")) {
                    sum += bytesUnder(p, null);
                }
            }
        }
        return sum;
    }

    /** Bytes of the files under {@code dir}, leaving out the sub-directory {@code except}. */
    static long bytesUnder(Path dir, String except) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> except == null || !dir.relativize(p).startsWith(except)).mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (IOException e) {
                    return 0; // deleted while we looked: a spill file the job already dropped
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Polls the size of a temp directory; spill and partition files come and go, so only polling sees the peak. */
    private static final class TmpWatch implements Runnable {
        private final Path dir;
        volatile boolean stop;
        volatile long peak;

        TmpWatch(Path dir) {
            this.dir = dir;
        }

        @Override
        public void run() {
            do {
                peak = Math.max(peak, bytesUnder(dir, null));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            } while (!stop);
            peak = Math.max(peak, bytesUnder(dir, null));
        }
    }
}
