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
import org.apache.commons.cli.DeprecatedAttributes;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/**
 * Options every job takes, each with an environment fallback so a container or Slurm job can set it
 * without touching the command: {@code SLUICE_WORKERS}, {@code SLUICE_MEMORY_LIMIT}, {@code SLUICE_TMP_DIR},
 * {@code SLUICE_PROGRESS}, {@code SLUICE_LABEL}.
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
        o.addOption(Option.builder().longOpt("label").hasArg().argName("TEXT")
                .desc("a name for this run, kept in its run record (sluice runs shows it; env SLUICE_LABEL)").build());
        o.addOption(Option.builder().longOpt("help").desc("show this help").build());
        return o;
    }

    /**
     * Parses a command's options. Abbreviated long options are off: with them {@code --shard} would be
     * taken for {@code --shard-size} by a command that has only the latter.
     */
    static CommandLine parse(Options options, String[] args) throws ParseException {
        try {
            // Deprecated names are reported by warnDeprecated, on stderr (commons-cli's own handler prints to stdout).
            return DefaultParser.builder().setAllowPartialMatching(false).setDeprecatedHandler(o -> { }).build()
                    .parse(options, args);
        } catch (UnrecognizedOptionException e) {
            String near = nearest(e.getOption(), options);
            throw near == null ? e : new UnrecognizedOptionException(e.getMessage() + " (did you mean " + near + "?)",
                    e.getOption());
        }
    }

    /**
     * The option nearest to a mistyped one ({@code --worker}, {@code --memory_limit}), or null when none is close: at
     * most a third of its letters away (Levenshtein distance), at least one.
     */
    static String nearest(String typed, Options options) {
        String t = typed.replaceFirst("^-+", "").split("=", 2)[0];
        String best = null;
        int bestDistance = Math.max(1, t.length() / 3) + 1;
        for (Option o : options.getOptions()) {
            if (o.getLongOpt() != null) {
                int d = distance(t, o.getLongOpt());
                if (d < bestDistance) {
                    best = "--" + o.getLongOpt();
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int same = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + same);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The old name of option {@code now}, still read: its value is {@link #renamed}'s, with {@link #warnDeprecated}. */
    static Option oldName(String old, String now, String argName) {
        return Option.builder().longOpt(old).hasArg().argName(argName).desc("old name of --" + now)
                .deprecated(DeprecatedAttributes.builder().setDescription("use --" + now).get()).build();
    }

    /** The value of {@code option}, else of its old name, else {@code dflt}. */
    static String renamed(CommandLine cl, String option, String old, String dflt) {
        return cl.getOptionValue(option, cl.getOptionValue(old, dflt));
    }

    /** One line on stderr for each option given by an old name. */
    static void warnDeprecated(CommandLine cl, String command, PrintStream err) {
        for (Option o : cl.getOptions()) {
            if (o.isDeprecated()) {
                err.println("sluice " + command + ": --" + o.getLongOpt() + " is deprecated: "
                        + o.getDeprecated().getDescription());
            }
        }
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
            throw SluiceException.usage(source(cl, "workers", "SLUICE_WORKERS") + " must be a whole number, got '"
                    + workers + "'");
        }
        String mem = value(cl, "memory-limit", env, "SLUICE_MEMORY_LIMIT");
        OptionalLong limit = mem == null ? OptionalLong.empty()
                : OptionalLong.of(Sizes.parse(mem, source(cl, "memory-limit", "SLUICE_MEMORY_LIMIT")));
        String tmp = value(cl, "tmp-dir", env, "SLUICE_TMP_DIR");
        if (tmp == null) {
            tmp = env.getOrDefault("TMPDIR", System.getProperty("java.io.tmpdir"));
        }
        String progress = value(cl, "progress", env, "SLUICE_PROGRESS");
        return new JobContext(w, limit, Path.of(tmp), Progress.Mode.parse(progress == null ? "auto" : progress,
                source(cl, "progress", "SLUICE_PROGRESS")),
                out, err, ShardSpec.resolve(cl.hasOption("shard") ? cl.getOptionValue("shard") : null, env),
                value(cl, "label", env, "SLUICE_LABEL"));
    }

    /** Where a value came from, for its error: the option when given, otherwise the environment variable. */
    private static String source(CommandLine cl, String option, String var) {
        return cl.hasOption(option) ? "--" + option : var;
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
