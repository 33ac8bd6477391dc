package dev.sluice.cli;

import dev.sluice.engine.MemoryPolicy;
import dev.sluice.estimate.Estimate;
import dev.sluice.shard.JobSpec;
import java.util.List;
import org.apache.commons.cli.Options;

/** The command of a resumable, shardable job: its registry entry and how {@code estimate} samples it. */
interface JobCommand extends Command {
    JobSpec spec();

    /** Its options, which {@code estimate} parses too. */
    Options commandOptions();

    /** Runs the job on samples of its input (see {@link EstimateCommand}) and extrapolates. */
    Estimate estimate(EstimateCommand.Context context) throws Exception;

    @Override
    default MemoryPolicy memory() {
        return spec().memory();
    }

    @Override
    default List<String> jvmOptions() {
        return spec().jvmOptions();
    }
}
