package dev.sluice.engine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What every job is given besides its own options: workers, memory limit, temp directory, progress mode,
 * where to print, which shard task of the job this process is, and the run's label (null for none; stored in its
 * run record). Options and their environment fallbacks are resolved before this is built.
 */
public record JobContext(int workers, OptionalLong memoryLimit, Path tmpDir, Progress.Mode progress,
                         PrintStream out, PrintStream err, ShardSpec shard, String label) {

    public JobContext {
        if (workers < 1) {
            throw SluiceException.usage("--workers must be at least 1, got " + workers);
        }
    }

    /** A shard task without a label. */
    public JobContext(int workers, OptionalLong memoryLimit, Path tmpDir, Progress.Mode progress, PrintStream out,
                      PrintStream err, ShardSpec shard) {
        this(workers, memoryLimit, tmpDir, progress, out, err, shard, null);
    }

    /** The whole job in one process. */
    public JobContext(int workers, OptionalLong memoryLimit, Path tmpDir, Progress.Mode progress, PrintStream out,
                      PrintStream err) {
        this(workers, memoryLimit, tmpDir, progress, out, err, ShardSpec.WHOLE);
    }

    /** Prints a line of the job's own report (not data) to the error stream, so stdout stays clean. */
    public void log(String line) {
        err.println(line);
    }
}
