package dev.sluice.engine;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a job: a bar (me.tongfei progressbar) on a terminal, one plain line every few seconds
 * otherwise (Slurm and container logs), or nothing.
 */
public final class Progress implements AutoCloseable {

    public enum Mode {
        AUTO, BAR, LOG, NONE;

        public static Mode parse(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw SluiceException.usage("--progress must be auto, bar, log or none, got '" + text + "'");
            }
        }
    }

    private final ProgressBar bar;
    private final Thread logger;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final long total;
    private final String task;
    private final String rowName;
    private final long startNanos = System.nanoTime();

    /** {@code unitName}: what the steps count (buckets); {@code rowName}: what the rows are (measurements). */
    public Progress(String task, String unitName, String rowName, long total, Mode mode, PrintStream log,
                    long logIntervalMillis) {
        this.task = task;
        this.rowName = rowName;
        this.total = total;
        Mode m = resolve(mode);
        if (m == Mode.BAR) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unitName, 1)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(200).build();
            logger = null;
        } else if (m == Mode.LOG) {
            bar = null;
            logger = Thread.ofPlatform().daemon().name("sluice-progress").start(() -> {
                while (true) {
                    try {
                        Thread.sleep(logIntervalMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                    log.println(line(unitName));
                }
            });
        } else {
            bar = null;
            logger = null;
        }
    }

    /** AUTO as it resolves here: a bar on a terminal, log lines otherwise. */
    public static Mode resolve(Mode mode) {
        return mode != Mode.AUTO ? mode
                : System.console() != null && System.console().isTerminal() ? Mode.BAR : Mode.LOG;
    }

    /** For work measured as it goes (a share of the input): {@code units} done so far, {@code allRows} rows. */
    public void advanceTo(long units, long allRows) {
        done.set(units);
        rows.set(allRows);
        if (bar != null) {
            bar.stepTo(units);
            bar.setExtraMessage(String.format(Locale.ROOT, " %,d %s", allRows, rowName));
        }
    }

    /** One unit of work finished, having produced {@code unitRows} rows. */
    public void step(long unitRows) {
        done.incrementAndGet();
        rows.addAndGet(unitRows);
        if (bar != null) {
            bar.stepBy(1);
            bar.setExtraMessage(String.format(Locale.ROOT, " %,d %s", rows.get(), rowName));
        }
    }

    String line(String unitName) {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        long d = done.get();
        double rate = rows.get() / Math.max(secs, 1e-3);
        String eta = d == 0 ? "?" : String.format(Locale.ROOT, "%.0fs", secs / d * (total - d));
        return String.format(Locale.ROOT, "%s: %d/%d %s, %,d %s, %,.0f/s, %.0fs elapsed, eta %s",
                task, d, total, unitName, rows.get(), rowName, rate, secs, eta);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
        if (logger != null) {
            logger.interrupt();
        }
    }
}
