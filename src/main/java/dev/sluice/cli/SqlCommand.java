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
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice sql OUT "SELECT ..."}: SQL over an output, with a view per split and a {@code runs} view. */
final class SqlCommand implements Command {
    @Override
    public String name() {
        return "sql";
    }

    @Override
    public String summary() {
        return "run SQL over an output (a view per split, plus runs and manifest_shards)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("format").hasArg().argName("F").desc("table, csv or json (default table)")
                .build());
        o.addOption(Option.builder().longOpt("help").desc("show this help").build());
        CommandLine cl = CommonOptions.parse(o, args);
        if (cl.hasOption("help")) {
            CommonOptions.printHelp(out, "sluice sql DIR \"SELECT ...\" [--format table|csv|json]",
                    "Views: one per split directory (train, test), runs, manifest_shards.", o);
            return 0;
        }
        List<String> rest = cl.getArgList();
        if (rest.size() != 2) {
            throw SluiceException.usage("give an output directory and one SQL statement, e.g. "
                    + "sluice sql out \"select split, count(*) from train group by all\"");
        }
        try (DuckSession duck = ViewSessions.open()) {
            OutputViews.create(duck, Path.of(rest.get(0)));
            try (Connection c = duck.connection(); Statement s = c.createStatement()) {
                if (s.execute(rest.get(1))) {
                    try (ResultSet rs = s.getResultSet()) {
                        ResultPrinter.print(rs, cl.getOptionValue("format", "table"), out, 60);
                    }
                } else {
                    out.println("ok");
                }
            } catch (SQLException e) {
                throw SluiceException.usage("SQL error: " + e.getMessage());
            }
        }
        return 0;
    }
}
