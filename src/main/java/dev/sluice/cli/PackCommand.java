package dev.sluice.cli;

import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.io.TextInputs;
import dev.sluice.text.PackConfig;
import dev.sluice.text.PackJob;
import dev.sluice.estimate.Estimate;
import dev.sluice.shard.JobSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice pack}: dedup, tokenize, filter and pack text into fixed-length token sequences. */
final class PackCommand extends BaseCommand implements JobCommand {

    @Override
    public JobSpec spec() {
        return PackJob.SPEC;
    }

    @Override
    public Estimate estimate(EstimateCommand.Context context) throws Exception {
        return EstimateCommand.pack(config(context.cl()), context);
    }

    @Override
    public String name() {
        return "pack";
    }

    @Override
    public String summary() {
        return "dedup, tokenize, filter, pack text to sequences";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("input").hasArg().argName("GLOB|-")
                .desc("JSONL (.jsonl, .jsonl.gz), Parquet or .txt files or globs, a URL, or - for stdin "
                        + "(repeatable)").build());
        o.addOption(CommonOptions.oldName("format", "input-format", "F"));
        o.addOption(Option.builder().longOpt("input-format").hasArg().argName("F")
                .desc("auto, jsonl, parquet, text (a file is a document) or lines (a line is a document); "
                        + "default auto: from the extension, jsonl for stdin").build());
        o.addOption(Option.builder().longOpt("text-column").hasArg().argName("COL")
                .desc("JSON field or Parquet column with the text (default text)").build());
        o.addOption(Option.builder().longOpt("tokenizer").hasArg().argName("NAME|FILE")
                .desc("cl100k_base (default), o200k_base, p50k_base or r50k_base, or a Hugging Face tokenizer.json "
                        + "(or its directory), whose tokenizer_config.json beside it names the end-of-text token")
                .build());
        o.addOption(Option.builder().longOpt("eos-token").hasArg().argName("TOKEN")
                .desc("with a tokenizer.json: the token put between documents, instead of tokenizer_config.json's "
                        + "eos_token").build());
        o.addOption(Option.builder().longOpt("seq-len").hasArg().argName("N")
                .desc("tokens per sequence (default 2048)").build());
        o.addOption(Option.builder().longOpt("max-samples").hasArg().argName("N")
                .desc("read at most N documents; required for stdin and URLs").build());
        o.addOption(Option.builder().longOpt("dedup").hasArg().argName("MODE")
                .desc("exact (default) or none").build());
        o.addOption(Option.builder().longOpt("dedup-store").hasArg().argName("DIR")
                .desc("keep document hashes here and skip documents seen by earlier runs").build());
        o.addOption(Option.builder().longOpt("min-tokens").hasArg().argName("N")
                .desc("drop documents with fewer tokens (default 1)").build());
        o.addOption(Option.builder().longOpt("max-tokens").hasArg().argName("N")
                .desc("drop documents with more tokens (default: no limit)").build());
        o.addOption(Option.builder().longOpt("truncate")
                .desc("keep the first --max-tokens tokens of longer documents instead of dropping them").build());
        o.addOption(Option.builder().longOpt("last").hasArg().argName("MODE")
                .desc("the last, shorter sequence: partial (default), drop or pad").build());
        o.addOption(Option.builder().longOpt("shard-size").hasArg().argName("SIZE")
                .desc("largest shard file (default 200MB)").build());
        o.addOption(Option.builder().longOpt("unit-docs").hasArg().argName("N")
                .desc("documents per work unit, each packed on its own; the unit of shard tasks and resume "
                        + "(default " + PackConfig.DEFAULT_UNIT_DOCS + ")").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("output directory").build());
        o.addOption(Option.builder().longOpt("index-only")
                .desc("write the shard tasks' index of the input (and the plan) into --out, pack nothing: run once "
                        + "before the shard tasks").build());
        return CommonOptions.addShard(CommonOptions.add(o));
    }

    static PackConfig config(CommandLine cl) {
        String[] inputs = cl.getOptionValues("input");
        String format = CommonOptions.renamed(cl, "input-format", "format", "auto");
        String maxSamples = cl.getOptionValue("max-samples");
        long cap = 0;
        if (maxSamples != null) {
            try {
                cap = Long.parseLong(maxSamples.strip());
            } catch (NumberFormatException e) {
                cap = -1;
            }
            if (cap < 1) {
                throw SluiceException.usage("--max-samples must be a positive whole number, got '" + maxSamples + "'");
            }
        }
        String store = cl.getOptionValue("dedup-store");
        String out = cl.getOptionValue("out");
        return new PackConfig(inputs == null ? List.of() : List.of(inputs),
                format.equalsIgnoreCase("auto") ? null : TextInputs.Format.parse(format),
                cl.getOptionValue("text-column", "text"), cl.getOptionValue("tokenizer", "cl100k_base"),
                CommonOptions.intOption(cl, "seq-len", 2048), cap,
                PackConfig.Dedup.parse(cl.getOptionValue("dedup", "exact")), store == null ? null : Path.of(store),
                CommonOptions.intOption(cl, "min-tokens", 1), CommonOptions.intOption(cl, "max-tokens", 0),
                cl.hasOption("truncate"), PackConfig.Last.parse(cl.getOptionValue("last", "partial")),
                Sizes.parse(cl.getOptionValue("shard-size", "200MB"), "--shard-size"),
                out == null ? null : Path.of(out),
                CommonOptions.intOption(cl, "unit-docs", PackConfig.DEFAULT_UNIT_DOCS), cl.hasOption("index-only"),
                cl.getOptionValue("eos-token"));
    }

    @Override
    public Options commandOptions() {
        return options();
    }

    @Override
    String usage() {
        return "sluice pack --input GLOB|- --out DIR [options]";
    }

    @Override
    String help() {
        return "Packs documents into --seq-len token sequences (input_ids, cu_seqlens), "
                            + "after exact dedup and a length filter.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        PackConfig config = config(cl);
        PackJob.Result r = new PackJob(config, CommonOptions.context(cl, out, err), System.in).run();
        if (config.indexOnly()) {
            out.printf(Locale.ROOT, "pack --index-only done: %,d documents in %,d unit(s), %,d duplicates%n",
                    r.documents(), ((Number) r.totals().get("units")).intValue(), r.duplicates());
            return 0;
        }
        out.printf(Locale.ROOT, "pack done: %,d documents read, %,d kept, %,d duplicates, %,d tokens, "
                + "%,d sequences, %d shards%n", r.documents(), r.kept(), r.duplicates(), r.tokensKept(),
                r.sequences(), r.shards());
        return 0;
    }
}
