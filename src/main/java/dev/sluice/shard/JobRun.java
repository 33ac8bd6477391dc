package dev.sluice.shard;

import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.SluiceException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One run of a job inside {@link JobRuntime}: what the runtime opened for it (budget, output, monitor, temporary
 * directory), and the steps every job takes in the same way: fix the plan and start the run record, find this
 * task's units and those an earlier attempt committed, write the manifest, finish the record.
 */
public final class JobRun {
    private final JobSpec spec;
    private final JobContext ctx;
    private final MemoryBudget budget;
    private final OutputDir out;
    private final MemoryMonitor memory;
    private final Path tmp;
    private RunRecord record;

    JobRun(JobSpec spec, JobContext ctx, MemoryBudget budget, OutputDir out, MemoryMonitor memory, Path tmp) {
        this.spec = spec;
        this.ctx = ctx;
        this.budget = budget;
        this.out = out;
        this.memory = memory;
        this.tmp = tmp;
    }

    public JobContext ctx() {
        return ctx;
    }

    public ShardSpec shard() {
        return ctx.shard();
    }

    public MemoryBudget budget() {
        return budget;
    }

    public OutputDir out() {
        return out;
    }

    public MemoryMonitor memory() {
        return memory;
    }

    /** This task's temporary directory (DuckDB's spill files, scratch); deleted when the run ends. */
    public Path tmp() {
        return tmp;
    }

    /** Prints a line of the job's report, prefixed with its name. */
    public void log(String line) {
        ctx.log(spec.name() + ": " + line);
    }

    public void log(String format, Object... args) {
        log(String.format(Locale.ROOT, format, args));
    }

    /** The same, as a callback (for what waits on locks). */
    public Consumer<String> logger() {
        return this::log;
    }

    public void stage(String name) {
        memory.stage(name);
    }

    /**
     * Fixes the plan of the output (a rerun or another shard task must match it; see {@link OutputDir#fixPlan}) and
     * starts this run's record, which is written when the run ends, failed or not.
     */
    public Plan fixPlan(Plan plan) {
        Plan fixed = out.fixPlan(plan);
        if (record == null) {
            record = new RunRecord(spec.name(), fixed.parameters(), memory.started()).label(ctx.label());
            record.start(out.path());
        }
        return fixed;
    }

    /** The run record, once the plan is fixed. */
    public RunRecord record() {
        if (record == null) {
            throw new IllegalStateException("the run record starts with the plan");
        }
        return record;
    }

    /** This task's units of a plan, and those of them that an earlier attempt committed. */
    public record Units(List<Integer> mine, List<Integer> todo) {
        public int committed() {
            return mine.size() - todo.size();
        }
    }

    /**
     * This task's units of {@code units} (by the job's {@link JobSpec.Ownership}) and which of them are still to
     * do: those without a commit record, or whose shards do not match it (read back and checked against their
     * CRC-32C, see {@link OutputDir#verifiedShards}); says so in the log, and clears the temporary files a killed
     * attempt left for them.
     */
    public Units units(int units) {
        ShardSpec shard = shard();
        out.removeTemporaryFiles(u -> spec.ownership().owns(shard, u, units), shard.whole());
        List<Integer> mine = new ArrayList<>();
        List<Integer> todo = new ArrayList<>();
        for (int u = 0; u < units; u++) {
            if (spec.ownership().owns(shard, u, units)) {
                mine.add(u);
                if (out.verifiedShards(u, this::log) == null) {
                    todo.add(u);
                }
            }
        }
        if (!shard.whole()) {
            log("shard task %s: %d of %d %s", shard, mine.size(), units, spec.unitWord());
        }
        if (todo.size() < mine.size()) {
            log("resuming: %d of %d %s already committed", mine.size() - todo.size(), mine.size(), spec.unitWord());
        }
        return new Units(List.copyOf(mine), List.copyOf(todo));
    }

    /**
     * Writes the manifest by the job's rule when this process ran the whole job; a shard task leaves it to
     * {@code sluice merge}. Returns it, or null in a shard task.
     */
    public Manifest.Written writeManifestIfWhole(Plan plan) {
        if (!shard().whole()) {
            return null;
        }
        memory.stage("manifest");
        return spec.manifest().write(out, spec.manifest().complete(out, plan));
    }

    /**
     * Finishes the run record as done, with {@code rowsIn} rows read. The output is complete by then: a record that
     * cannot be written (a full disk) is a warning, not a failure of the run.
     */
    public void finish(long rowsIn) {
        try {
            record().finish(out.path(), "ok", memory, rowsIn);
        } catch (SluiceException e) {
            log("warning: the run record could not be written (%s); the output is complete", e.getMessage());
        }
    }

    /** The line a shard task ends with, or "" for a whole run. */
    public String mergeHint() {
        return shard().whole() ? "" : "; when every task is done, run: sluice merge " + out.path();
    }

    void recordFailure(Throwable e) {
        if (record != null) {
            record.fail(out.path(), e, memory);
        }
    }
}
