package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.SluiceException;
import dev.sluice.report.Report;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice report OUT... [--html FILE]}: the runs of one or more outputs as charts in one HTML file. */
final class ReportCommand extends BaseCommand {
    @Override
    public String name() {
        return "report";
    }

    /** It reads files and waits on DuckDB: C1 alone, as for runs. */
    @Override
    public List<String> jvmOptions() {
        return List.of("-XX:TieredStopAtLevel=1");
    }

    @Override
    public String summary() {
        return "charts of the runs of one or more outputs, in one HTML file";
    }

    @Override
    public Options commandOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("html").hasArg().argName("FILE")
                .desc("the page to write (default: report.html)").build());
        return o;
    }

    @Override
    String usage() {
        return "sluice report OUT... [--html FILE]";
    }

    @Override
    String help() {
        return "Draws memory against the budget, throughput, shard sizes, each job's distributions and, across "
                + "every eval run given, recall against bytes per vector and QPS, with a table of the runs: one "
                + "self-contained page (inline SVG, no network), opened from disk.";
    }

    @Override
    void checkArguments(List<String> arguments) {
        if (arguments.isEmpty()) {
            throw SluiceException.usage("give one or more output directories: " + usage());
        }
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        Report report = new Report();
        for (String dir : cl.getArgList()) {
            // Each output is read as sql and inspect read it: confined to itself, read-only.
            try (DuckSession duck = ViewSessions.open(Path.of(dir), ViewSessions.Access.READ_ONLY);
                 Connection c = duck.connection()) {
                report.add(Path.of(dir), c);
            }
        }
        Report.Written w = report.write(Path.of(cl.getOptionValue("html", "report.html")));
        out.printf("wrote %s: %d charts, %d runs%n", w.file(), w.charts(), w.runs());
        return 0;
    }
}
