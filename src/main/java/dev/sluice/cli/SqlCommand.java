package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.io.InputFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code sluice sql OUT "SELECT ..."}: SQL over an output, with a view per split and a {@code runs} view. Read-only
 * and confined to the output unless {@code --allow-write} and {@code --allow-path} say otherwise.
 */
final class SqlCommand extends BaseCommand {
    @Override
    public String name() {
        return "sql";
    }

    @Override
    public String summary() {
        return "run SQL over an output (a view per split, plus runs and manifest_shards)";
    }

    @Override
    public Options commandOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("format").hasArg().argName("F")
                .desc("table (default), csv, json (one array of objects) or jsonl (an object a line); JSON is typed: "
                        + "numbers, booleans, arrays, objects, ISO-8601 timestamps").build());
        o.addOption(Option.builder().longOpt("json").desc("the same as --format json").build());
        o.addOption(Option.builder().longOpt("allow-path").hasArg().argName("DIR")
                .desc("also let the SQL read files under DIR, and write there with --allow-write (repeatable)").build());
        o.addOption(Option.builder().longOpt("allow-write")
                .desc("also run statements that write (COPY, CREATE, INSERT, ATTACH, ...), into --allow-path "
                        + "directories only, never into DIR. DuckDB can write wherever it reads, DIR included, so this "
                        + "is checked afterwards: a statement that changed or added a file in DIR fails with exit "
                        + "code 3").build());
        return o;
    }

    @Override
    String usage() {
        return "sluice sql DIR|'GLOB'... \"SELECT ...\" [--format table|csv|json|jsonl] [--json] "
                + "[--allow-path DIR]... [--allow-write]";
    }

    @Override
    String help() {
        return "Views: one per split directory (train, test), runs, manifest_shards. Given several outputs (or a "
                + "quoted glob such as 'exp/*'), one view: runs, over the run records of them all.\n"
                + "Read-only by default: only queries run (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, "
                + "EXPLAIN), files are read only under DIR, no extension is installed or loaded, settings are locked.";
    }

    @Override
    void checkArguments(List<String> arguments) {
        if (arguments.size() < 2) {
            throw SluiceException.usage("give an output directory and one SQL statement, e.g. "
                    + "sluice sql out \"select split, count(*) from train group by all\"");
        }
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        List<String> rest = cl.getArgList();
        String sql = rest.getLast();
        List<String> outputs = rest.subList(0, rest.size() - 1);
        if (outputs.size() > 1 || InputFiles.hasGlob(outputs.getFirst())) {
            return runsOfSeveral(cl, RunsCommand.outputs(outputs), sql, out);
        }
        Path dir = Path.of(outputs.getFirst());
        boolean write = cl.hasOption("allow-write");
        List<Path> paths = new ArrayList<>();
        for (String p : Objects.requireNonNullElse(cl.getOptionValues("allow-path"), new String[0])) {
            paths.add(allowedPath(Path.of(p), dir, write));
        }
        Map<String, ViewSessions.FileState> before = write && Files.isDirectory(dir) ? ViewSessions.files(dir) : null;
        SQLException failed = null;
        try (DuckSession duck = ViewSessions.open(dir, new ViewSessions.Access(write, paths));
                Connection c = duck.connection(); Statement s = c.createStatement()) {
            if (!write) {
                ViewSessions.checkReadOnly(c, sql);
            }
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    ResultPrinter.print(rs, format(cl), out, 60);
                }
            } else {
                out.println("ok");
            }
        } catch (SQLException e) {
            failed = e;
        }
        // Checked even after a failure: a statement before the failing one may have written.
        if (before != null && !before.equals(ViewSessions.files(dir))) {
            throw SluiceException.input(String.format(Locale.ROOT, "the SQL changed or added files in the output %s; "
                    + "--allow-write is for writing under --allow-path directories only", dir));
        }
        if (failed != null) {
            String m = failed.getMessage();
            throw SluiceException.usage("SQL error: " + m + (m.contains("Permission Error")
                    ? "\nsql reads only under the output directory; --allow-path DIR allows more" : ""));
        }
        return 0;
    }

    /** The query over the {@code runs} view of several outputs: read-only, confined to them. */
    private int runsOfSeveral(CommandLine cl, List<Path> outputs, String sql, PrintStream out) throws Exception {
        if (cl.hasOption("allow-write") || cl.hasOption("allow-path")) {
            throw SluiceException.usage("--allow-write and --allow-path take one output directory, not several");
        }
        try (DuckSession duck = ViewSessions.openRuns(outputs); Connection c = duck.connection();
                Statement s = c.createStatement()) {
            ViewSessions.checkReadOnly(c, sql);
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    ResultPrinter.print(rs, format(cl), out, 60);
                }
            }
        } catch (SQLException e) {
            throw SluiceException.usage("SQL error: " + e.getMessage() + "\nover several outputs, the one view is runs");
        }
        return 0;
    }

    /** {@code --format}, or {@code json} for {@code --json}; both given must agree. */
    private static String format(CommandLine cl) {
        String format = cl.getOptionValue("format", cl.hasOption("json") ? "json" : "table").strip()
                .toLowerCase(Locale.ROOT);
        if (cl.hasOption("json") && !format.equals("json")) {
            throw SluiceException.usage("--json is --format json; it cannot go with --format " + format);
        }
        return format;
    }

    /** An existing directory apart from the output: writes into the output are never allowed. */
    private static Path allowedPath(Path p, Path dir, boolean write) {
        if (!Files.isDirectory(p)) {
            throw SluiceException.usage("--allow-path " + p + " is not a directory");
        }
        Path a = p.toAbsolutePath().normalize();
        Path o = dir.toAbsolutePath().normalize();
        if (write && (a.startsWith(o) || o.startsWith(a))) {
            throw SluiceException.usage(String.format(Locale.ROOT, "--allow-path %s overlaps the output %s: with "
                    + "--allow-write, give a directory outside it (writes into the output are never allowed)", p, dir));
        }
        return a;
    }
}
