package dev.sluice.shard;

import dev.sluice.engine.MemoryPolicy;
import dev.sluice.engine.ShardSpec;
import java.util.List;

/**
 * What the runtime, {@code merge}, {@code estimate} and the launcher need to know of a job, stated once beside the
 * job: its name, how it divides its memory budget, the JVM options it runs best with, how shard tasks share its
 * units, what its units are called in the log, and how its manifest is written from its committed units.
 */
public record JobSpec(String name, MemoryPolicy memory, List<String> jvmOptions, Ownership ownership,
                      String unitWord, ManifestRule manifest) {

    /** How shard task {@code I/N} picks its units. */
    public enum Ownership {
        /** Units in turn: unit {@code u} belongs to task {@code u mod N}. */
        TURNS,
        /** One run of consecutive units per task (a task reading one stretch of a sequential input). */
        RUNS;

        public boolean owns(ShardSpec task, int unit, int units) {
            return this == TURNS ? task.owns(unit) : task.ownsRun(unit, units);
        }
    }

    /**
     * How the manifest is written once every unit is committed, by the run itself or by {@code merge} after shard
     * tasks: both go through this, so both write the same bytes.
     */
    public interface ManifestRule {
        /** The plan as the manifest needs it (a job that learns its unit count at the input's end fills it in). */
        default Plan complete(OutputDir out, Plan plan) {
            return plan;
        }

        Manifest.Written write(OutputDir out, Plan plan);
    }

    /** Most jobs: totals are the plan's input totals plus the sums of what each unit recorded. */
    public static final ManifestRule SUM_OF_UNITS = Manifest::writeFromUnits;

    public JobSpec {
        jvmOptions = List.copyOf(jvmOptions);
    }
}
