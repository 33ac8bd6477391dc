package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.shard.OutputViews;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice runs [DIR]}: the run records of an output, oldest first. */
final class RunsCommand implements Command {
    @Override
    public String name() {
        return "runs";
    }

    @Override
    public String summary() {
        return "list the run records of an output";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("json").desc("one JSON object per run").build());
        o.addOption(Option.builder().longOpt("help").desc("show this help").build());
        CommandLine cl = CommonOptions.parse(o, args);
        if (cl.hasOption("help")) {
            CommonOptions.printHelp(out, "sluice runs [DIR] [--json]", "Lists DIR/_runs/*.json.", o);
            return 0;
        }
        Path dir = Path.of(cl.getArgList().isEmpty() ? "." : cl.getArgList().get(0));
        try (DuckSession duck = ViewSessions.open()) {
            OutputViews.create(duck, dir);
            try (Connection c = duck.connection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT run_id, job, status, start, round(seconds, 1) AS seconds, "
                         + "rows_in, rows_out, round(rss_peak_bytes / 1048576) AS peak_rss_mb FROM runs ORDER BY start")) {
                ResultPrinter.print(rs, cl.hasOption("json") ? "json" : "table", out, 40);
            } catch (SQLException e) {
                throw SluiceException.input("no run records readable in " + dir.resolve("_runs") + ": "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return 0;
    }
}
