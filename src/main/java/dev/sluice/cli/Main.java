package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import dev.sluice.engine.StaleLibraryCopies;
import dev.sluice.engine.Version;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.cli.ParseException;

/**
 * The command line: {@code sluice [--verbose] <command> [options]}. The only place that maps errors to
 * exit codes (0 done, 2 usage, 3 bad input, 4 out of a resource, 1 internal) and prints them; stack traces
 * only with {@code --verbose}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        StaleLibraryCopies.sweepInBackground();
        String command = args.length > 0 ? args[0] : "";
        AtomicBoolean returned = new AtomicBoolean();
        if (Registry.job(command).isPresent()) {
            // SIGTERM (a Slurm time limit or preemption, a pod's eviction) or Ctrl-C: say what it means for the
            // output, since the log is all a user sees of a task that stopped.
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                if (!returned.get()) {
                    System.err.println("sluice " + command + ": stopped by a signal before it finished (a time limit, "
                            + "preemption or Ctrl-C); the units it committed are kept: run the same command again to "
                            + "resume");
                }
            }));
        }
        int code = run(args, System.out, System.err);
        returned.set(true);
        System.exit(code);
    }

    /** Runs one command and returns its exit code; tests call this directly. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = false;
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            switch (args[i]) {
                case "--verbose", "-v" -> verbose = true;
                case "--version" -> {
                    out.println("sluice " + Version.get());
                    return 0;
                }
                case "--help", "-h" -> {
                    usage(out);
                    return 0;
                }
                default -> {
                    err.println("sluice: unknown option " + args[i]);
                    usage(err);
                    return 2;
                }
            }
            i++;
        }
        if (i >= args.length) {
            usage(err);
            return 2;
        }
        Command command = Registry.command(args[i]).orElse(null);
        if (command == null) {
            err.println("sluice: unknown command '" + args[i] + "'");
            usage(err);
            return 2;
        }
        // --verbose may come after the command name too (until a bare "--", after which everything is an argument).
        List<String> rest = new ArrayList<>();
        boolean options = true;
        for (String a : Arrays.copyOfRange(args, i + 1, args.length)) {
            options &= !a.equals("--");
            if (options && a.equals("--verbose")) {
                verbose = true;
            } else {
                rest.add(a);
            }
        }
        try {
            return command.run(rest.toArray(String[]::new), out, err);
        } catch (ParseException e) {
            err.println("sluice " + command.name() + ": " + e.getMessage());
            err.println("see: sluice " + command.name() + " --help");
            return 2;
        } catch (SluiceException e) {
            err.println("sluice " + command.name() + ": error: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            } else if (e.kind() == SluiceException.Kind.INTERNAL) {
                err.println("(an internal error; rerun with --verbose for the stack trace)");
            }
            return e.kind().exitCode();
        } catch (OutOfMemoryError e) {
            err.println("sluice " + command.name() + ": error: the JVM ran out of heap; raise --memory-limit "
                    + "or lower --workers");
            return SluiceException.Kind.RESOURCE.exitCode();
        } catch (Exception | Error e) {
            err.println("sluice " + command.name() + ": internal error: " + e);
            if (verbose) {
                e.printStackTrace(err);
            } else {
                err.println("(rerun with --verbose for the stack trace)");
            }
            return 1;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: sluice [--verbose] <command> [options]   (sluice <command> --help for its options; "
                + "--verbose may follow the command too)");
        out.println();
        for (Command c : Registry.commands()) {
            out.printf("  %-12s %s%n", c.name(), c.summary());
        }
        out.println();
        out.println("exit codes: 0 done, 2 usage error, 3 bad input, 4 out of a resource (memory, disk), 1 internal");
    }
}
