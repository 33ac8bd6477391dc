package dev.sluice.shard;

import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The lock shard tasks plan under: one task reads the input to plan the job and prepare what the others
 * read, while they wait for it instead of doing the same work at the same time. An OS file lock, so a
 * killed planner's lock goes with its process and the next task plans; taken after a lock within this JVM,
 * where tasks may run side by side and Java refuses a second lock on one file.
 */
public final class PlanLock implements AutoCloseable {
    static final String NAME = OutputLock.NAME + "-plan"; // a lock file, which an empty output may hold
    private static final long POLL_MILLIS = 100;
    private static final long SAY_EVERY_NANOS = 30_000_000_000L;
    private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock inJvm;
    private final FileChannel channel;

    private PlanLock(ReentrantLock inJvm, FileChannel channel) {
        this.inJvm = inJvm;
        this.channel = channel;
    }

    /** Waits until no other task of {@code dir} plans, saying so through {@code waiting} now and then. */
    static PlanLock take(Path dir, Consumer<String> waiting) {
        Path file = dir.resolve(NAME).toAbsolutePath().normalize();
        ReentrantLock inJvm = IN_JVM.computeIfAbsent(file, f -> new ReentrantLock());
        long start = System.nanoTime();
        long nextSay = start + 1_000_000_000L; // quiet for the first second
        FileChannel ch = null;
        try {
            while (!inJvm.tryLock(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                nextSay = say(waiting, file, start, nextSay);
            }
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (ch.tryLock() == null) {
                nextSay = say(waiting, file, start, nextSay);
                Thread.sleep(POLL_MILLIS);
            }
            return new PlanLock(inJvm, ch);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeQuietly(ch);
            if (inJvm.isHeldByCurrentThread()) {
                inJvm.unlock();
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw SluiceException.resource("cannot take the planning lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static long say(Consumer<String> waiting, Path file, long start, long nextSay) {
        long now = System.nanoTime();
        if (now < nextSay) {
            return nextSay;
        }
        waiting.accept(String.format(Locale.ROOT,
                "waiting %d s for another shard task to finish planning (it holds %s)", (now - start) / 1_000_000_000L,
                file));
        return now + SAY_EVERY_NANOS;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close(); // releases the lock
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
        inJvm.unlock();
    }
}
