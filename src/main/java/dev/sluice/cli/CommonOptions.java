package dev.sluice.cli;

import dev.sluice.engine.JobContext;
import dev.sluice.engine.Progress;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * Options every job takes, each with an environment fallback so a container or Slurm job can set it
 * without touching the command: {@code SLUICE_WORKERS}, {@code SLUICE_MEMORY_LIMIT}, {@code SLUICE_TMP_DIR},
 * {@code SLUICE_PROGRESS}.
 */
final class CommonOptions {
    private CommonOptions() {}

    static Options add(Options o) {
        o.addOption(Option.builder().longOpt("workers").hasArg().argName("N")
                .desc("worker threads (default: cores; env SLUICE_WORKERS)").build());
        o.addOption(Option.builder().longOpt("memory-limit").hasArg().argName("SIZE")
                .desc("memory budget of the whole process, e.g. 1GB (default: detected; env SLUICE_MEMORY_LIMIT)")
                .build());
        o.addOption(Option.builder().longOpt("tmp-dir").hasArg().argName("DIR")
                .desc("where DuckDB spills and partitions go (default: $TMPDIR; env SLUICE_TMP_DIR)").build());
        o.addOption(Option.builder().longOpt("progress").hasArg().argName("MODE")
                .desc("auto, bar, log or none (default: auto; env SLUICE_PROGRESS)").build());
        o.addOption(Option.builder().longOpt("help").desc("show this help").build());
        return o;
    }

    /**
     * Parses a command's options. Abbreviated long options are off: with them {@code --shard} would be
     * taken for {@code --shard-size} by a command that has only the latter.
     */
    static CommandLine parse(Options options, String[] args) throws ParseException {
        return DefaultParser.builder().setAllowPartialMatching(false).build().parse(options, args);
    }

    /** {@code --shard I/N}, for the jobs that split into shard tasks. */
    static Options addShard(Options o) {
        o.addOption(Option.builder().longOpt("shard").hasArg().argName("I/N")
                .desc("do task I of N of the job (default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); "
                        + "then run sluice merge").build());
        return o;
    }

    static JobContext context(CommandLine cl, PrintStream out, PrintStream err) {
        return context(cl, out, err, System.getenv());
    }

    static JobContext context(CommandLine cl, PrintStream out, PrintStream err, Map<String, String> env) {
        String workers = value(cl, "workers", env, "SLUICE_WORKERS");
        int w;
        try {
            w = workers == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(workers.strip());
        } catch (NumberFormatException e) {
            throw SluiceException.usage("--workers must be a whole number, got '" + workers + "'");
        }
        String mem = value(cl, "memory-limit", env, "SLUICE_MEMORY_LIMIT");
        OptionalLong limit = mem == null ? OptionalLong.empty() : OptionalLong.of(Sizes.parse(mem, "--memory-limit"));
        String tmp = value(cl, "tmp-dir", env, "SLUICE_TMP_DIR");
        if (tmp == null) {
            tmp = env.getOrDefault("TMPDIR", System.getProperty("java.io.tmpdir"));
        }
        String progress = value(cl, "progress", env, "SLUICE_PROGRESS");
        return new JobContext(w, limit, Path.of(tmp), Progress.Mode.parse(progress == null ? "auto" : progress),
                out, err, ShardSpec.resolve(cl.hasOption("shard") ? cl.getOptionValue("shard") : null, env));
    }

    static String value(CommandLine cl, String option, Map<String, String> env, String var) {
        String v = cl.getOptionValue(option);
        if (v == null) {
            v = env.get(var);
        }
        return v == null || v.isBlank() ? null : v;
    }

    static int intOption(CommandLine cl, String option, int dflt) {
        String v = cl.getOptionValue(option);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw SluiceException.usage("--" + option + " must be a whole number, got '" + v + "'");
        }
    }

    static long longOption(CommandLine cl, String option, long dflt) {
        String v = cl.getOptionValue(option);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.strip().replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw SluiceException.usage("--" + option + " must be a whole number, got '" + v + "'");
        }
    }

    static double doubleOption(CommandLine cl, String option, double dflt) {
        String v = cl.getOptionValue(option);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw SluiceException.usage("--" + option + " must be a number, got '" + v + "'");
        }
    }

    static void rejectExtraArgs(CommandLine cl) {
        if (!cl.getArgList().isEmpty()) {
            throw SluiceException.usage("unexpected argument(s): " + String.join(" ", cl.getArgList()));
        }
    }

    /** {@code --seed S}: a whole number (default 0). */
    static long seed(CommandLine cl) {
        String v = cl.getOptionValue("seed", "0");
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw SluiceException.usage("--seed must be a whole number, got '" + v + "'");
        }
    }

    static void printHelp(PrintStream out, String usage, String header, Options options) {
        java.io.PrintWriter w = new java.io.PrintWriter(out, true);
        new HelpFormatter().printHelp(w, 100, usage, header, options, 2, 2, "");
        w.flush();
    }
}
