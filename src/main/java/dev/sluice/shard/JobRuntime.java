package dev.sluice.shard;

import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.TempDirs;
import java.nio.file.Path;

/**
 * The sequence every resumable job shares: the memory budget from the job's policy, the output directory and its
 * lock, the memory monitor, the task's temporary directory, and, around the job's own work, the run record of a
 * failure and the clean-up. Inside, the job plans and runs its units through {@link JobRun}, which fixes the plan
 * (checked on a rerun), starts the run record, counts what earlier attempts committed, and writes the manifest
 * by the job's {@link JobSpec.ManifestRule}.
 */
public final class JobRuntime {
    private JobRuntime() {}

    /** A job: its registry entry, and its plan and units inside the runtime's frame. */
    public interface Job<R> {
        JobSpec spec();

        /** The output directory ({@code --out}). */
        Path out();

        /** Checks of the options alone, before anything is opened: usage errors come before any work. */
        default void check(JobContext ctx) {}

        /** A note for the budget line (e.g. the kernels in use), or "". */
        default String budgetNote() {
            return "";
        }

        /** Plans (through {@link JobRun#fixPlan}) and runs this task's units not yet committed. */
        R execute(JobRun run) throws Exception;
    }

    public static <R> R run(Job<R> job, JobContext ctx) {
        job.check(ctx);
        JobSpec spec = job.spec();
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit(), spec.memory());
        ctx.log(spec.name() + ": " + budget.describe() + job.budgetNote());
        try (OutputDir out = OutputDir.open(job.out(), ctx.shard(), OutputDir.taskLockWait(System.getenv()),
                m -> ctx.log(spec.name() + ": " + m));
             MemoryMonitor memory = new MemoryMonitor(budget.totalBytes())) {
            Path tmp = TempDirs.forTask(ctx.tmpDir(), spec.name(), out.path(), ctx.shard());
            JobRun run = new JobRun(spec, ctx, budget, out, memory, tmp);
            try {
                TempDirs.create(tmp, "--tmp-dir");
                R result = job.execute(run);
                ctx.log(memory.summary());
                return result;
            } catch (RuntimeException | Error e) {
                run.recordFailure(e);
                throw e;
            } catch (Exception e) {
                dev.sluice.engine.SluiceException wrapped = dev.sluice.engine.SluiceException.internal(
                        spec.name() + ": " + e.getMessage(), e);
                run.recordFailure(wrapped);
                throw wrapped;
            } finally {
                TempDirs.deleteTree(tmp);
            }
        }
    }
}
