package dev.sluice.cli;

import dev.sluice.engine.Json;
import dev.sluice.engine.SluiceException;
import dev.sluice.quant.CompressJob;
import dev.sluice.text.PackJob;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code sluice merge OUT}: after the shard tasks of a job, checks that every unit of the plan is committed
 * exactly once with whole shards and no strays, then writes the manifest, the same bytes a single process
 * would have written. It reads the tasks' records and the files' sizes, not their data, so its time grows
 * with the number of units, not with the shards' bytes; {@code --verify} reads them all back.
 */
final class MergeCommand implements Command {
    @Override
    public String name() {
        return "merge";
    }

    @Override
    public String summary() {
        return "verify the units of shard tasks and write the final manifest";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("help").desc("show this help").build());
        o.addOption(Option.builder().longOpt("verify").desc("also read every shard back and compare its CRC-32C "
                + "with the one its task recorded (by default: presence and size, without reading the data)").build());
        CommandLine cl = CommonOptions.parse(o, args);
        if (cl.hasOption("help")) {
            CommonOptions.printHelp(out, "sluice merge DIR", "Run after every shard task of a job has finished.", o);
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            throw SluiceException.usage("give one output directory: sluice merge DIR");
        }
        Path dir = Path.of(cl.getArgList().get(0));
        if (!Files.exists(dir.resolve(OutputDir.PLAN))) {
            throw SluiceException.input(dir + " holds no " + OutputDir.PLAN + ": no shard task of a job has run there");
        }
        try (OutputDir output = OutputDir.open(dir)) {
            Map<String, Object> plan = Json.read(dir.resolve(OutputDir.PLAN));
            Object job = plan.get("job");
            if (!"probe-rows".equals(job) && !"compress".equals(job) && !"pack".equals(job)) {
                throw SluiceException.usage(job + " does not run as shard tasks; nothing to merge");
            }
            if ("pack".equals(job)) {
                // pack learns its number of units only at the end of the input; the tasks record it.
                plan = PackJob.manifestPlan(output, plan, Map.of());
            }
            List<String> problems = Manifest.checkUnits(output, plan, cl.hasOption("verify"));
            if (!problems.isEmpty()) {
                throw SluiceException.input("cannot merge " + dir + ":\n  - " + String.join("\n  - ", problems));
            }
            // Each job writes its manifest through the same method its single-process run uses.
            Map<String, Object> manifest = "compress".equals(job) ? CompressJob.writeManifest(output, plan)
                    : Manifest.writeFromUnits(output, plan);
            out.printf(Locale.ROOT, "merged %d unit(s), %d shard(s) into %s%n", ((Number) plan.get("units")).intValue(),
                    ((List<?>) manifest.get("shards")).size(), dir.resolve(OutputDir.MANIFEST));
        }
        return 0;
    }
}
