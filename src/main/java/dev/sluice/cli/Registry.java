package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import dev.sluice.shard.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every command, in the order {@code --help} lists them: the one list {@code Main}, {@code merge}, {@code estimate}
 * and the launcher's options ({@link LaunchOptions}) read. A new job is one package plus one line here.
 */
final class Registry {
    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        for (Command c : List.of(new ProbeRowsCommand(), new InspectCommand(), new SqlCommand(), new RunsCommand(),
                new CompressCommand(), new EvalCommand(), new SearchCommand(), new PackCommand(), new LogitsCommand(), new MergeCommand(),
                new EstimateCommand(), new ReportCommand(), new DemoCommand())) {
            COMMANDS.put(c.name(), c);
        }
    }

    private Registry() {}

    static List<Command> commands() {
        return List.copyOf(COMMANDS.values());
    }

    static Optional<Command> command(String name) {
        return Optional.ofNullable(COMMANDS.get(name));
    }

    /** The resumable jobs (their output keeps committed units when the process stops). */
    static List<JobCommand> jobs() {
        return COMMANDS.values().stream().filter(c -> c instanceof JobCommand).map(c -> (JobCommand) c).toList();
    }

    static Optional<JobCommand> job(String name) {
        return command(name).filter(c -> c instanceof JobCommand).map(c -> (JobCommand) c);
    }

    /** The job that wrote a plan, or a usage error naming the jobs that have one. */
    static JobSpec spec(String job, String what) {
        return job(job).map(JobCommand::spec).orElseThrow(() -> SluiceException.usage(String.format(
                java.util.Locale.ROOT, "%s: '%s' is not a job that %s (those are: %s)", what, job, what,
                String.join(", ", jobs().stream().map(Command::name).toList()))));
    }
}
