package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.io.InputFiles;
import dev.sluice.shard.OutputViews;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice runs [DIR|'GLOB']...}: the run records of one or more outputs, oldest first. */
final class RunsCommand extends BaseCommand {
    /** A column shown: the record's field, the expression over it, the column's name, and whether the table has it. */
    private record Column(String field, String expr, String name, boolean inTable) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("run_id", "run_id", "run_id", true), new Column("job", "job", "job", true),
            new Column("label", "label", "label", true), new Column("output", "output", "output", true),
            new Column("shard", "shard", "shard", true), new Column("status", "status", "status", true),
            new Column("start", "start", "start", true), new Column("end", "\"end\"", "end", false),
            new Column("seconds", "round(seconds, 1)", "seconds", true),
            new Column("rows_in", "rows_in", "rows_in", true), new Column("rows_out", "rows_out", "rows_out", true),
            new Column("rows_in_per_second", "rows_in_per_second", "rows_in_per_second", false),
            new Column("rss_peak_bytes", "round(rss_peak_bytes / 1048576)", "peak_rss_mb", true));

    @Override
    public String name() {
        return "runs";
    }

    /** It reads files and waits on DuckDB: C1 alone, as for merge. */
    @Override
    public List<String> jvmOptions() {
        return List.of("-XX:TieredStopAtLevel=1");
    }

    @Override
    public String summary() {
        return "list the run records of one or more outputs";
    }

    @Override
    public Options commandOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("json").desc("one JSON array of runs, typed (numbers, ISO-8601 times)")
                .build());
        return o;
    }

    @Override
    String usage() {
        return "sluice runs [DIR|'GLOB']... [--json]";
    }

    @Override
    String help() {
        return "Lists DIR/_runs/*.json of each output (default: the current directory), oldest first. A quoted glob "
                + "such as 'out/*' takes every output under out that has run records. For more, sluice sql DIR "
                + "\"select ... from runs\".";
    }

    @Override
    void checkArguments(List<String> arguments) {}

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        List<Path> outputs = outputs(cl.getArgList().isEmpty() ? List.of(".") : cl.getArgList());
        try (DuckSession duck = ViewSessions.openRuns(outputs);
                Connection c = duck.connection(); Statement s = c.createStatement()) {
            // Each job records its own figures (pack no rows_out; older records no shard or label): a column no
            // record has is shown empty rather than failing the query.
            Set<String> present = new HashSet<>();
            try (ResultSet cols = s.executeQuery("SELECT column_name FROM (DESCRIBE runs)")) {
                while (cols.next()) {
                    present.add(cols.getString(1));
                }
            }
            boolean json = cl.hasOption("json");
            List<String> select = new ArrayList<>();
            for (Column col : COLUMNS) {
                // The table names the output only when it shows several, and then by what tells them apart.
                String expr = !present.contains(col.field()) ? "NULL"
                        : col.field().equals("output") && !json ? shortOutput(outputs) : col.expr();
                if (json || col.inTable() && !(col.field().equals("output") && outputs.size() == 1)) {
                    select.add(expr + " AS " + col.name());
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM runs ORDER BY start")) {
                ResultPrinter.print(rs, json ? "json" : "table", out, 40);
            }
        } catch (SQLException e) {
            throw SluiceException.input("cannot read the run records of " + outputs + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return 0;
    }

    /** The output's path past the directory that holds them all ({@code a}, {@code b} for {@code exp/a}, {@code exp/b}). */
    private static String shortOutput(List<Path> outputs) {
        Path common = outputs.getFirst().getParent();
        for (Path p : outputs) {
            while (common != null && !p.startsWith(common)) {
                common = common.getParent();
            }
        }
        if (common == null) {
            return "output";
        }
        String prefix = common.toString().endsWith("/") ? common.toString() : common + "/";
        return Sql.of("output", "CASE WHEN starts_with(output, ${p}) THEN output[${n}:] ELSE output END")
                .bind("p", Sql.literal(prefix)).bind("n", Sql.number(prefix.length() + 1)).render();
    }

    /**
     * The outputs named: a directory must have run records; a glob takes the directories it matches that have some,
     * and must match at least one.
     */
    static List<Path> outputs(List<String> args) {
        Set<Path> outputs = new LinkedHashSet<>();
        for (String a : args) {
            if (InputFiles.hasGlob(a)) {
                List<Path> found = InputFiles.directories(a).stream().filter(OutputViews::hasRuns).toList();
                if (found.isEmpty()) {
                    throw SluiceException.input("no output matching " + a + " has run records (" + RunRecord.DIR
                            + "/*.json); check the path and the quoting of the glob");
                }
                outputs.addAll(found);
            } else {
                Path dir = Path.of(a);
                if (!Files.isDirectory(dir)) {
                    throw SluiceException.input("output directory " + dir + " does not exist");
                }
                if (!OutputViews.hasRuns(dir)) {
                    throw SluiceException.input(String.format(Locale.ROOT, "%s has no run records (%s/*.json): a job "
                            + "writes one there each time it runs with --out %s", dir, dir.resolve(RunRecord.DIR), dir));
                }
                outputs.add(dir.toAbsolutePath().normalize());
            }
        }
        return List.copyOf(outputs);
    }
}
