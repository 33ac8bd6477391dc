package dev.sluice.engine;

import java.util.Locale;
import java.util.Map;

/**
 * Which share of a job's work units this process does: task {@code index} of {@code count}, owning the
 * units whose number modulo {@code count} is {@code index} ({@link #owns}), or one run of consecutive units
 * ({@link #ownsRun}), as the job chooses. Every unit belongs to exactly one task.
 *
 * <p>From {@code --shard I/N}, else from the scheduler: Slurm job arrays ({@code SLURM_ARRAY_TASK_ID} with
 * {@code SLUICE_SHARD_COUNT} when set, as for a rerun of some of the tasks, else numbered within the array's
 * range by {@code SLURM_ARRAY_TASK_MIN}, {@code _STEP} and {@code _COUNT} or {@code _MAX}), Kubernetes Indexed Jobs
 * ({@code JOB_COMPLETION_INDEX} with {@code SLUICE_SHARD_COUNT}, since Kubernetes does not export the
 * completion count), else the whole job.
 */
public record ShardSpec(int index, int count) {
    public static final ShardSpec WHOLE = new ShardSpec(0, 1);

    public ShardSpec {
        if (count < 1 || index < 0 || index >= count) {
            throw SluiceException.usage(String.format(Locale.ROOT,
                    "shard %d/%d is impossible: give I/N with 0 <= I < N, e.g. --shard 0/4", index, count));
        }
    }

    public boolean whole() {
        return count == 1;
    }

    /** Whether this task owns {@code unit} when tasks take units in turn (unit modulo task count). */
    public boolean owns(int unit) {
        return unit % count == index;
    }

    /**
     * Whether this task owns {@code unit} of {@code units} when each task takes one run of consecutive units
     * (task i of N: units [i*units/N, (i+1)*units/N)), for inputs read in order: a task then reads one stretch
     * of the input and can start there, where taking units in turn makes it pass over the whole input.
     */
    public boolean ownsRun(int unit, int units) {
        return unit >= (long) index * units / count && unit < (long) (index + 1) * units / count;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }

    public static ShardSpec parse(String text) {
        String[] p = text.strip().split("/");
        try {
            if (p.length == 2) {
                return new ShardSpec(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw SluiceException.usage("--shard must look like I/N (task I of N, from 0), got '" + text + "'");
    }

    /** The option if given, else the scheduler's environment, else the whole job. */
    public static ShardSpec resolve(String option, Map<String, String> env) {
        if (option != null && !option.isBlank()) {
            return parse(option);
        }
        try {
            return fromEnvironment(env);
        } catch (NumberFormatException e) {
            throw SluiceException.usage("a shard variable of the scheduler is not a whole number ("
                    + e.getMessage() + "): check SLURM_ARRAY_TASK_*, JOB_COMPLETION_INDEX and SLUICE_SHARD_COUNT, "
                    + "or give --shard I/N");
        }
    }

    private static ShardSpec fromEnvironment(Map<String, String> env) {
        String slurmId = env.get("SLURM_ARRAY_TASK_ID");
        if (slurmId != null) {
            int id = Integer.parseInt(slurmId.strip());
            String fixed = env.get("SLUICE_SHARD_COUNT");
            if (fixed != null) {
                // A rerun of some of the tasks (sbatch --array=0,2): the array's own count and bounds are not N.
                return new ShardSpec(id, Integer.parseInt(fixed.strip()));
            }
            String count = env.get("SLURM_ARRAY_TASK_COUNT");
            String min = env.get("SLURM_ARRAY_TASK_MIN");
            String max = env.get("SLURM_ARRAY_TASK_MAX");
            String step = env.get("SLURM_ARRAY_TASK_STEP");
            int lo = min == null ? 0 : Integer.parseInt(min.strip());
            // --array=0-30:2 runs ids 0, 2, ..., 30: task (id - min) / step of 16.
            int by = step == null ? 1 : Math.max(1, Integer.parseInt(step.strip()));
            int span = max == null ? -1 : (Integer.parseInt(max.strip()) - lo) / by + 1;
            int n = count != null ? Integer.parseInt(count.strip()) : span;
            if (n > 0) {
                if ((id - lo) % by != 0 || (span > 0 && span != n)) {
                    throw SluiceException.usage(String.format(Locale.ROOT, "this Slurm array's ids are not one "
                            + "range (task id %d; min %s, max %s, step %s, count %d), so they do not number the "
                            + "shard tasks: submit --array=0-%d, or set SLUICE_SHARD_COUNT=N to take each id as "
                            + "the shard task's number", id, min, max, step, n, n - 1));
                }
                return new ShardSpec((id - lo) / by, n);
            }
            throw SluiceException.usage("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
                    + "SLURM_ARRAY_TASK_MAX is; give --shard I/N");
        }
        String k8s = env.get("JOB_COMPLETION_INDEX");
        if (k8s != null) {
            String count = env.get("SLUICE_SHARD_COUNT");
            if (count == null) {
                throw SluiceException.usage("JOB_COMPLETION_INDEX is set but SLUICE_SHARD_COUNT is not: set it to the "
                        + "Job's completions, or give --shard I/N");
            }
            return new ShardSpec(Integer.parseInt(k8s.strip()), Integer.parseInt(count.strip()));
        }
        return WHOLE;
    }
}
