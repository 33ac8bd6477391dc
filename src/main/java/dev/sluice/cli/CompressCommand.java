package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import dev.sluice.quant.CompressConfig;
import dev.sluice.quant.CompressJob;
import dev.sluice.estimate.Estimate;
import dev.sluice.shard.JobSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice compress}: train a quantizer on a sample, encode the input to code shards. */
final class CompressCommand extends BaseCommand implements JobCommand {

    @Override
    public JobSpec spec() {
        return CompressJob.SPEC;
    }

    @Override
    public Estimate estimate(EstimateCommand.Context context) throws Exception {
        return EstimateCommand.compress(config(context.cl()), context);
    }

    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String summary() {
        return "train a vector quantizer on a sample, encode the stream to code shards";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(opt("input", "PATH", ".npy, .fvecs, .bvecs, or Parquet file or glob; - for .npy or .fvecs on "
                + "standard input (with --max-vectors); an http(s)://, s3:// (public) or hf://datasets/ URL of a "
                + ".npy, .fvecs or .parquet file"));
        o.addOption(opt("max-vectors", "N", "read at most the first N vectors (required for --input -)"));
        o.addOption(opt("column", "COL", "embedding column of Parquet input (default emb)"));
        o.addOption(opt("id-column", "COL", "integer id column of Parquet input (default: 0-based row number)"));
        o.addOption(opt("method", "M", "pq, opq, sq8, sq4, rabitq or saq (default pq)"));
        o.addOption(opt("m", "N", "PQ/OPQ sub-spaces; must divide the dimension (default 16)"));
        o.addOption(opt("nbits", "B", "PQ/OPQ bits per sub-space code: 8 or 4 (default 8)"));
        o.addOption(opt("bits", "B", "bits per dimension: RaBitQ 1 or 4, SAQ 1 to 8 (default 1)"));
        o.addOption(opt("train-size", "N", "vectors in the reservoir training sample (default 100000)"));
        o.addOption(opt("batch-size", "N", "vectors per batch and per code shard (default 10000)"));
        o.addOption(opt("seed", "S", "seed of the sample, k-means and rotations (default 0)"));
        o.addOption(opt("output-format", "F", "parquet (default), or npy to also write .npy code batches"));
        o.addOption(CommonOptions.oldName("format", "output-format", "F"));
        o.addOption(opt("out", "DIR", "output directory"));
        o.addOption(opt("faiss", "FILE", "also write the index with its codes as a FAISS index file (pq, opq, sq8, sq4)"));
        o.addOption(Option.builder().longOpt("train-only")
                .desc("train and write the codebook (and the plan) into --out, encode nothing: run once before "
                        + "the shard tasks").build());
        o.addOption(opt("codebook-wait", "SECONDS", "how long a shard task other than 0 waits for the codebook "
                + "of task 0 or of --train-only (default 3600)"));
        return CommonOptions.addShard(CommonOptions.add(o));
    }

    static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    static CompressConfig config(CommandLine cl) {
        String format = CommonOptions.renamed(cl, "output-format", "format", "parquet").strip().toLowerCase(Locale.ROOT);
        if (!format.equals("parquet") && !format.equals("npy")) {
            throw SluiceException.usage("--output-format must be parquet or npy, got '" + format + "'");
        }
        long seed = CommonOptions.seed(cl);
        String out = cl.getOptionValue("out");
        return new CompressConfig(cl.getOptionValue("input"), cl.getOptionValue("column"),
                cl.getOptionValue("id-column"), cl.getOptionValue("method", "pq").strip().toLowerCase(Locale.ROOT),
                CommonOptions.intOption(cl, "m", 16), CommonOptions.intOption(cl, "nbits", 8),
                CommonOptions.intOption(cl, "bits", 1), CommonOptions.intOption(cl, "train-size", 100_000),
                CommonOptions.intOption(cl, "batch-size", 10_000), seed, format.equals("npy"),
                out == null ? null : Path.of(out),
                cl.getOptionValue("faiss") == null ? null : Path.of(cl.getOptionValue("faiss")),
                cl.hasOption("train-only"), CommonOptions.intOption(cl, "codebook-wait", 3600),
                CommonOptions.longOption(cl, "max-vectors", 0));
    }

    @Override
    public Options commandOptions() {
        return options();
    }

    @Override
    String usage() {
        return "sluice compress --input PATH --method pq|opq|sq8|sq4|rabitq|saq --out DIR";
    }

    @Override
    String help() {
        return "Trains a quantizer on a reservoir sample of the input, then encodes every vector.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        CompressJob.Result r = new CompressJob(config(cl), CommonOptions.context(cl, out, err), System.in,
                System.getenv()).run();
        if (r.trainOnly()) {
            out.printf(Locale.ROOT, "compress --train-only done: codebook for %,d vectors x %d dims, %s, "
                    + "%d bytes/vector (%.1fx), train %.1f s%n", r.rows(), r.dim(), r.method(), r.codeBytes(),
                    4.0 * r.dim() / r.codeBytes(), r.trainSeconds());
            return 0;
        }
        String what = r.shard().whole() ? "compress done:" : "compress task " + r.shard() + " done: of";
        out.printf(Locale.ROOT, "%s %,d vectors x %d dims, %s, %d bytes/vector (%.1fx), train %.1f s, "
                        + "encode %,.0f vectors/s%n", what, r.rows(), r.dim(), r.method(), r.codeBytes(),
                4.0 * r.dim() / r.codeBytes(), r.trainSeconds(), r.encodeVectorsPerSecond());
        return 0;
    }
}
