package dev.sluice.cli;

import dev.sluice.probe.ProbeRowsConfig;
import dev.sluice.probe.ProbeRowsJob;
import dev.sluice.estimate.Estimate;
import dev.sluice.shard.JobSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice probe-rows}: measurements to per-key sequence rows in train/test shards. */
final class ProbeRowsCommand extends BaseCommand implements JobCommand {

    @Override
    public JobSpec spec() {
        return ProbeRowsJob.SPEC;
    }

    @Override
    public Estimate estimate(EstimateCommand.Context context) throws Exception {
        return EstimateCommand.probeRows(config(context.cl()), context);
    }

    @Override
    public String name() {
        return "probe-rows";
    }

    @Override
    public String summary() {
        return "measurements to per-key sequence rows, train/test shards";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("input").hasArg().argName("GLOB")
                .desc("Parquet or CSV files or globs (repeatable)").build());
        o.addOption(Option.builder().longOpt("key").hasArg().argName("COL").desc("column naming the probe").build());
        o.addOption(Option.builder().longOpt("time").hasArg().argName("COL").desc("column ordering measurements").build());
        o.addOption(Option.builder().longOpt("fields").hasArg().argName("C1,C2")
                .desc("value columns (default: all others)").build());
        o.addOption(Option.builder().longOpt("max-len").hasArg().argName("N")
                .desc("most measurements per row (default 512)").build());
        o.addOption(Option.builder().longOpt("test-fraction").hasArg().argName("F")
                .desc("fraction of keys in the test split (default 0.1)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the split hash (default 0)")
                .build());
        o.addOption(Option.builder().longOpt("buckets").hasArg().argName("N")
                .desc("work units (default: planned from the input size and the memory budget)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("output directory").build());
        return CommonOptions.addShard(CommonOptions.add(o));
    }

    /** {@code --buckets N}, or 0 (planned) when it is not given; {@code --buckets 0} is an error, not "plan it". */
    private static int buckets(CommandLine cl) {
        int buckets = CommonOptions.intOption(cl, "buckets", 0);
        if (cl.hasOption("buckets") && buckets < 1) {
            throw dev.sluice.engine.SluiceException.usage("--buckets must be between 1 and 4096, got " + buckets
                    + " (leave it out to plan the number from the input and the budget)");
        }
        return buckets;
    }

    static ProbeRowsConfig config(CommandLine cl) {
        String[] inputs = cl.getOptionValues("input");
        String fields = cl.getOptionValue("fields");
        List<String> fieldList = fields == null ? List.of()
                : Arrays.stream(fields.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        long seed = CommonOptions.seed(cl);
        String out = cl.getOptionValue("out");
        return new ProbeRowsConfig(inputs == null ? List.of() : List.of(inputs), cl.getOptionValue("key"),
                cl.getOptionValue("time"), fieldList, CommonOptions.intOption(cl, "max-len", 512),
                CommonOptions.doubleOption(cl, "test-fraction", 0.1), seed,
                buckets(cl), out == null ? null : Path.of(out));
    }

    @Override
    public Options commandOptions() {
        return options();
    }

    @Override
    String usage() {
        return "sluice probe-rows --input GLOB --key COL --time COL --out DIR [options]";
    }

    @Override
    String help() {
        return "Cuts each key's measurements, ordered by time, into rows of at most --max-len.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        ProbeRowsJob.Result r = new ProbeRowsJob(config(cl), CommonOptions.context(cl, out, err)).run();
        out.printf(java.util.Locale.ROOT, "probe-rows done: %,d keys, %,d measurements, %,d rows, %d buckets%n",
                r.keys(), r.measurements(), r.rowsOut(), r.buckets());
        return 0;
    }
}
