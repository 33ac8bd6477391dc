package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice runs [DIR]}: the run records of an output, oldest first. */
final class RunsCommand extends BaseCommand {
    /** The columns shown: the record's field, the expression over it, the column's name. */
    private static final String[][] COLUMNS = {
        {"run_id", "run_id", "run_id"}, {"job", "job", "job"}, {"shard", "shard", "shard"},
        {"status", "status", "status"}, {"start", "start", "start"}, {"seconds", "round(seconds, 1)", "seconds"},
        {"rows_in", "rows_in", "rows_in"}, {"rows_out", "rows_out", "rows_out"},
        {"rss_peak_bytes", "round(rss_peak_bytes / 1048576)", "peak_rss_mb"}};

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
        return "list the run records of an output";
    }

    @Override
    public Options commandOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("json").desc("one JSON object per run").build());
        return o;
    }

    @Override
    String usage() {
        return "sluice runs [DIR] [--json]";
    }

    @Override
    String help() {
        return "Lists DIR/_runs/*.json.";
    }

    @Override
    void checkArguments(List<String> arguments) {
        if (arguments.size() > 1) {
            throw SluiceException.usage("give at most one output directory: sluice runs [DIR]");
        }
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        Path dir = Path.of(cl.getArgList().isEmpty() ? "." : cl.getArgList().get(0));
        try (DuckSession duck = ViewSessions.open(dir, ViewSessions.Access.READ_ONLY)) {
            try (Connection c = duck.connection(); Statement s = c.createStatement()) {
                // Each job records its own figures (pack no rows_out; older records no shard): a column no record
                // of this output has is shown empty rather than failing the query.
                Set<String> present = new HashSet<>();
                try (ResultSet cols = s.executeQuery("SELECT column_name FROM (DESCRIBE runs)")) {
                    while (cols.next()) {
                        present.add(cols.getString(1));
                    }
                }
                List<String> select = new ArrayList<>();
                for (String[] col : COLUMNS) {
                    select.add((present.contains(col[0]) ? col[1] : "NULL") + " AS " + col[2]);
                }
                try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM runs ORDER BY start")) {
                    ResultPrinter.print(rs, cl.hasOption("json") ? "json" : "table", out, 40);
                }
            } catch (SQLException e) {
                throw SluiceException.input("no run records readable in " + dir.resolve("_runs") + ": "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return 0;
    }
}
