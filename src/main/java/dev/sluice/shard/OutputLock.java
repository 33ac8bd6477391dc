package dev.sluice.shard;

import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The locks that keep runs of one output directory apart. {@code .sluice.lock} is taken exclusively by a
 * whole run and shared by shard tasks, so a whole run and the tasks of a job exclude each other while the
 * tasks share the directory; each task also locks its own file, so a second copy of one task is refused, or,
 * given a wait, waits that long for the other copy to end: Kubernetes starts a replacement pod while the evicted
 * one still stops (its grace period), and the replacement should take over rather than fail.
 * OS file locks go with the process, so a killed run leaves nothing to clean up.
 */
final class OutputLock implements AutoCloseable {
    static final String NAME = ".sluice.lock";

    /**
     * The directory lock as this JVM holds it: Java refuses a second lock on one file within one process,
     * so shard tasks running in one JVM share one.
     */
    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int users;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    private static final Map<Path, Held> HELD = new HashMap<>();

    private final Path dirLock;
    private final FileChannel taskChannel;

    private OutputLock(Path dirLock, FileChannel taskChannel) {
        this.dirLock = dirLock;
        this.taskChannel = taskChannel;
    }

    static OutputLock take(Path dir, ShardSpec shard, Duration wait, Consumer<String> waiting) throws IOException {
        Path file = dir.resolve(NAME).toAbsolutePath().normalize();
        boolean task = !shard.whole();
        synchronized (HELD) {
            Held held = HELD.get(file);
            if (held == null) {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock l = tryLock(ch, task);
                if (l == null) {
                    ch.close();
                    throw busy(dir, file, task);
                }
                held = new Held(ch, l);
                HELD.put(file, held);
            } else if (!task || !held.lock.isShared()) {
                throw busy(dir, file, task);
            }
            held.users++;
        }
        if (!task) {
            return new OutputLock(file, null);
        }
        Path own = dir.resolve(String.format(Locale.ROOT, "%s-task-%d-of-%d", NAME, shard.index(), shard.count()));
        FileChannel ch = FileChannel.open(own, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l = tryLock(ch, false);
        long deadline = System.nanoTime() + wait.toNanos();
        if (l == null && !wait.isZero()) {
            waiting.accept(String.format(Locale.ROOT, "task %s is held by another process (%s), an earlier copy of "
                    + "this task that is still stopping?; waiting up to %d s for it to end", shard, own,
                    wait.toSeconds()));
            while (l == null && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                l = tryLock(ch, false);
            }
        }
        if (l == null) {
            ch.close();
            release(file);
            throw SluiceException.usage("task " + shard + " is already running on " + dir + " (it holds " + own
                    + (wait.isZero() ? "" : ", still after " + wait.toSeconds() + " s")
                    + "); wait for it to finish or give this task another --shard");
        }
        return new OutputLock(file, ch);
    }

    private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
        try {
            return ch.tryLock(0L, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private static SluiceException busy(Path dir, Path file, boolean task) {
        return SluiceException.usage("another sluice run is writing to " + dir + " (it holds " + file + (task
                ? "; a whole run, which shard tasks of the same output must not overlap)"
                : "; a whole run or shard tasks)") + "; wait for it to finish or choose another --out");
    }

    private static void release(Path file) {
        synchronized (HELD) {
            Held held = HELD.get(file);
            if (held != null && --held.users == 0) {
                HELD.remove(file);
                try {
                    held.channel.close(); // releases the lock
                } catch (IOException e) {
                    // the lock goes with the process anyway
                }
            }
        }
    }

    @Override
    public void close() {
        if (taskChannel != null) {
            try {
                taskChannel.close();
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
        }
        release(dirLock);
    }
}
