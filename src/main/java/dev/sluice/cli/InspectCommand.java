package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Json;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Sql;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.OutputViews;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code sluice inspect OUT}: schema, rows (and measurements) per split, shards and bytes, a few sample
 * rows, and a check of every shard against the manifest. Exit code 3 when the check finds a problem.
 */
final class InspectCommand extends BaseCommand {
    @Override
    public String name() {
        return "inspect";
    }

    /** It reads files and waits on DuckDB: C1 alone, as for merge. */
    @Override
    public List<String> jvmOptions() {
        return List.of("-XX:TieredStopAtLevel=1");
    }

    @Override
    public String summary() {
        return "schema, counts, samples and a manifest check of an output";
    }

    @Override
    public Options commandOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("json").desc("print one JSON document").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("sample rows per split (default 3)")
                .build());
        return o;
    }

    @Override
    String usage() {
        return "sluice inspect DIR [--json]";
    }

    @Override
    String help() {
        return "Summarises and checks an output directory.";
    }

    @Override
    void checkArguments(List<String> arguments) {
        if (arguments.size() != 1) {
            throw SluiceException.usage("give one output directory: sluice inspect DIR");
        }
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        Path dir = Path.of(cl.getArgList().get(0));
        if (!Files.isDirectory(dir)) {
            throw SluiceException.input("output directory " + dir + " does not exist");
        }
        int samples = CommonOptions.intOption(cl, "samples", 3);
        boolean json = cl.hasOption("json");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("dir", dir.toString());
        List<String> problems = Manifest.verify(dir);
        Map<String, Object> manifest = Files.exists(dir.resolve(OutputDir.MANIFEST))
                ? Json.read(dir.resolve(OutputDir.MANIFEST)) : Map.of();
        report.put("job", manifest.get("job"));
        report.put("version", manifest.get("version"));
        report.put("parameters", manifest.get("parameters"));
        report.put("totals", manifest.get("totals"));

        if (!json && manifest.isEmpty() && Files.exists(dir.resolve(OutputDir.PLAN))) {
            // A run or shard tasks still going, stopped, or waiting for merge: say how far they got.
            Map<String, Object> plan = Json.read(dir.resolve(OutputDir.PLAN));
            out.printf(Locale.ROOT, "%s: %s output, not finished: %d of %s unit(s) committed, no %s yet (rerun or "
                    + "resume the run, or run the missing shard tasks and sluice merge, which names them)%n", dir,
                    plan.getOrDefault("job", "unknown"), OutputDir.recordedUnits(dir).size(),
                    plan.get("units") == null ? "?" : plan.get("units").toString(), OutputDir.MANIFEST);
        } else if (!json) {
            out.printf("%s: %s output, sluice %s%n", dir, manifest.getOrDefault("job", "unknown"),
                    manifest.getOrDefault("version", "?"));
            if (manifest.get("parameters") != null) {
                out.println("parameters: " + Json.toString(manifest.get("parameters")).replaceAll("\\s*\\n\\s*", " "));
            }
        }
        try (DuckSession duck = ViewSessions.open(dir, ViewSessions.Access.READ_ONLY); Connection c = duck.connection();
                Statement s = c.createStatement()) {
            List<String> splits = OutputViews.splits(dir);
            List<Map<String, Object>> splitReports = new ArrayList<>();
            for (String split : splits) {
                Sql.Fragment view = Sql.ident(split);
                Map<String, Object> sr = new LinkedHashMap<>();
                sr.put("split", split);
                List<String> columns = new ArrayList<>();
                List<String> schema = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("DESCRIBE " + view)) {
                    while (rs.next()) {
                        columns.add(rs.getString(1));
                        schema.add(rs.getString(1) + " " + rs.getString(2));
                    }
                }
                boolean hasN = columns.contains("n");
                try (ResultSet rs = s.executeQuery("SELECT count(*), " + (hasN ? "sum(n)" : "NULL")
                        + ", count(DISTINCT filename) FROM read_parquet("
                        + Sql.literal(dir.resolve(split).resolve("*.parquet").toString()) + ", filename = true)")) {
                    rs.next();
                    sr.put("rows", rs.getLong(1));
                    if (hasN) {
                        sr.put("measurements", rs.getLong(2));
                    }
                    sr.put("shards", rs.getLong(3));
                }
                long bytes = 0;
                try (var files = Files.list(dir.resolve(split))) {
                    for (Path p : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                        bytes += Files.size(p);
                    }
                }
                sr.put("bytes", bytes);
                sr.put("schema", schema);
                splitReports.add(sr);
                if (!json) {
                    out.printf(Locale.ROOT, "%n[%s] %,d rows%s in %d shard(s), %s%n", split, (Long) sr.get("rows"),
                            hasN ? String.format(Locale.ROOT, ", %,d measurements", (Long) sr.get("measurements")) : "",
                            (Long) sr.get("shards"), Sizes.format(bytes));
                    out.println("schema: " + String.join(", ", schema));
                    if (samples > 0) {
                        try (ResultSet rs = s.executeQuery("SELECT * FROM " + view + " LIMIT " + samples)) {
                            ResultPrinter.print(rs, "table", out, 32);
                        }
                    }
                }
            }
            report.put("splits", splitReports);
        } catch (SQLException e) {
            problems.add("cannot read the shards: " + e.getMessage().lines().findFirst().orElse(""));
        }
        report.put("problems", problems);
        if (json) {
            out.println(JsonOutput.toString(report, true));
        } else {
            out.println();
            if (problems.isEmpty()) {
                out.println("manifest check: ok (every shard present, sizes and CRC-32C match)");
            } else {
                out.println("manifest check: " + problems.size() + " problem(s)");
                problems.forEach(p -> out.println("  - " + p));
            }
        }
        return problems.isEmpty() ? 0 : SluiceException.Kind.INPUT.exitCode();
    }
}
