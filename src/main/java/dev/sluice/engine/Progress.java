package dev.sluice.engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a job: a bar (me.tongfei progressbar) when standard error is a terminal, one line every few seconds
 * otherwise (Slurm and container logs), or nothing. Both show resident memory against the budget; a log line reads
 * {@code 2026-12-07T11:40:05Z probe-rows: 3/16 buckets (19%), 5,123,456 measurements, 1,023,456/s, rss 412/1024 MB,
 * 5s elapsed, eta 21s}, so a log that a scheduler keeps says when, how far, how fast and how close to the limit.
 */
public final class Progress implements AutoCloseable {

    public enum Mode {
        AUTO, BAR, LOG, NONE;

        /** {@code text} as a mode; {@code what} names where it came from (--progress, SLUICE_PROGRESS). */
        public static Mode parse(String text, String what) {
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw SluiceException.usage(what + " must be auto, bar, log or none, got '" + text + "'");
            }
        }
    }

    /** How often the bar's memory and counts are refreshed: reading {@code /proc/self/status} costs microseconds. */
    private static final long BAR_REFRESH_MILLIS = 500;

    private final ProgressBar bar;
    private final Thread ticker;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final long total;
    private final String task;
    private final String unitName;
    private final String rowName;
    private final long budgetBytes;
    private final long startNanos = System.nanoTime();
    private volatile String note = "";
    private volatile String stage = "";

    /**
     * {@code unitName}: what the steps count (buckets, or {@code %}); {@code rowName}: what the rows are
     * (measurements); {@code budgetBytes}: the memory budget RSS is shown against (0: RSS alone).
     */
    public Progress(String task, String unitName, String rowName, long total, Mode mode, PrintStream log,
                    long logIntervalMillis, long budgetBytes) {
        this.task = task;
        this.unitName = unitName;
        this.rowName = rowName;
        this.total = total;
        this.budgetBytes = budgetBytes;
        Mode m = resolve(mode);
        if (m == Mode.BAR) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unitName, 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(200).build();
            ticker = tick("sluice-progress-bar", BAR_REFRESH_MILLIS,
                    () -> bar.setExtraMessage(String.format(Locale.ROOT, "%s %,d %s%s, %s", stage, rows.get(), rowName,
                            note, memory())));
        } else if (m == Mode.LOG) {
            bar = null;
            ticker = tick("sluice-progress", logIntervalMillis, () -> log.println(line()));
        } else {
            bar = null;
            ticker = null;
        }
    }

    private static Thread tick(String name, long millis, Runnable what) {
        return Thread.ofPlatform().daemon().name(name).start(() -> {
            while (true) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    return;
                }
                what.run();
            }
        });
    }

    /** AUTO as it resolves here: a bar when standard error (where the bar goes) is a terminal, log lines otherwise. */
    public static Mode resolve(Mode mode) {
        return mode != Mode.AUTO ? mode : stderrIsTerminal() ? Mode.BAR : Mode.LOG;
    }

    /**
     * Whether standard error is a terminal. {@link System#console()} answers for standard input and output: with
     * {@code > log} on a terminal it has no console although the bar would show, and with {@code 2> log} it has one
     * although the bar would fill a file with carriage returns. Linux says what file descriptor 2 is.
     */
    static boolean stderrIsTerminal() {
        try {
            return isTerminal(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null && System.console().isTerminal();
        }
    }

    /** Whether a file descriptor's link names a terminal device ({@code /dev/pts/3}, {@code /dev/tty1}). */
    static boolean isTerminal(String link) {
        return link.startsWith("/dev/pts/") || link.startsWith("/dev/tty") || link.equals("/dev/console");
    }

    /** For work measured as it goes (a share of the input): {@code units} done so far, {@code allRows} rows. */
    public void advanceTo(long units, long allRows) {
        done.set(units);
        rows.set(allRows);
        if (bar != null) {
            bar.stepTo(units);
        }
    }

    /** One unit of work finished, having produced {@code unitRows} rows. */
    public void step(long unitRows) {
        done.incrementAndGet();
        rows.addAndGet(unitRows);
        if (bar != null) {
            bar.stepBy(1);
        }
    }

    /** More counts to show after the rows, such as pack's {@code 1,234 documents, 56 sequences}. */
    public void note(String text) {
        note = text.isEmpty() ? "" : ", " + text;
    }

    /**
     * A stage that comes before the first unit and how far it is ({@code sort 25%}: probe-rows' sort, which yields
     * nothing until it ends), or null when it is over.
     */
    public void stage(String text) {
        stage = text == null ? "" : " " + text + ",";
    }

    /** A log line: when, how far, how fast, memory, time left. */
    String line() {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        long d = done.get();
        double rate = rows.get() / Math.max(secs, 1e-3);
        String eta = d == 0 || d > total ? "?" : String.format(Locale.ROOT, "%.0fs", secs / d * (total - d));
        String count = unitName.equals("%") ? String.format(Locale.ROOT, "%d%%", d)
                : String.format(Locale.ROOT, "%d/%d %s (%.0f%%)", d, total, unitName, 100.0 * d / Math.max(1, total));
        return String.format(Locale.ROOT, "%s %s: %s,%s %,d %s%s, %,.0f/s, %s, %.0fs elapsed, eta %s",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), task, count, stage, rows.get(), rowName, note, rate,
                memory(), secs, eta);
    }

    private String memory() {
        return memory(budgetBytes);
    }

    /** {@code rss 412/1024 MB}: resident memory against the budget (0: unknown). */
    static String memory(long budgetBytes) {
        long mb = MemoryMonitor.rss() >> 20;
        return budgetBytes > 0 ? String.format(Locale.ROOT, "rss %d/%d MB", mb, budgetBytes >> 20)
                : String.format(Locale.ROOT, "rss %d MB", mb);
    }

    /** {@code text} as a progress line of a stage that counts no units: the time first, the memory last. */
    public static String stamp(String text, long budgetBytes) {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + text + ", " + memory(budgetBytes);
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.interrupt();
        }
        if (bar != null) {
            bar.close();
        }
    }
}
