package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import dev.sluice.estimate.Estimate;
import dev.sluice.logits.LogitsConfig;
import dev.sluice.logits.LogitsJob;
import dev.sluice.shard.JobSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice logits}: a teacher's top-k log-probabilities for every token of pack's output. */
final class LogitsCommand extends BaseCommand implements JobCommand {

    @Override
    public JobSpec spec() {
        return LogitsJob.SPEC;
    }

    @Override
    public Estimate estimate(EstimateCommand.Context context) throws Exception {
        return EstimateCommand.logits(config(context.cl()), context);
    }

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "cache a teacher model's top-k logits for pack's sequences";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("input").hasArg().argName("DIR")
                .desc("the output directory of sluice pack").build());
        o.addOption(Option.builder().longOpt("teacher").hasArg().argName("MODEL.onnx")
                .desc("the teacher: a causal LM exported to ONNX by Optimum (input_ids, attention_mask -> logits)")
                .build());
        o.addOption(Option.builder().longOpt("top-k").hasArg().argName("K")
                .desc("ids and log-probabilities kept per token (default " + LogitsConfig.DEFAULT_TOP_K + ")").build());
        o.addOption(Option.builder().longOpt("max-samples").hasArg().argName("N")
                .desc("cache the first N sequences only (default: all)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("D")
                .desc("cpu (default) or cuda (ONNX Runtime's CUDA provider, GPU 0)").build());
        o.addOption(Option.builder().longOpt("skip-disk-check")
                .desc("start even when the free disk under --out is below the cache's size").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("output directory").build());
        return CommonOptions.addShard(CommonOptions.add(o));
    }

    static LogitsConfig config(CommandLine cl) {
        String input = cl.getOptionValue("input");
        String teacher = cl.getOptionValue("teacher");
        String out = cl.getOptionValue("out");
        String device = cl.getOptionValue("device", "cpu").toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw SluiceException.usage("--device must be cpu or cuda, got '" + device + "'");
        }
        return new LogitsConfig(input == null ? null : Path.of(input), teacher == null ? null : Path.of(teacher),
                CommonOptions.intOption(cl, "top-k", LogitsConfig.DEFAULT_TOP_K),
                CommonOptions.longOption(cl, "max-samples", 0), out == null ? null : Path.of(out),
                device.equals("cuda"), cl.hasOption("skip-disk-check"));
    }

    @Override
    public Options commandOptions() {
        return options();
    }

    @Override
    String usage() {
        return "sluice logits --input PACK_OUT --teacher MODEL.onnx --out DIR [options]";
    }

    @Override
    String help() {
        return "Runs the teacher over every piece of pack's sequences (each piece on its own, as the student sees it) "
                + "and caches each token's top-k ids and log-probabilities as Parquet, one shard per pack shard.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        LogitsConfig config = config(cl);
        LogitsJob.Result r = new LogitsJob(config, CommonOptions.context(cl, out, err)).run();
        out.printf(Locale.ROOT, "logits done: %,d sequences, %,d tokens, %,d entries, %d shards, %,d bytes%n",
                r.sequences(), r.tokens(), r.entries(), r.shards(), r.bytes());
        return 0;
    }
}
