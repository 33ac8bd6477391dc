package dev.sluice.cli;

import dev.sluice.engine.SluiceException;
import dev.sluice.quant.SearchConfig;
import dev.sluice.quant.SearchJob;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code sluice search}: top-k queries over the codes of a compress output. */
final class SearchCommand extends BaseCommand {

    @Override
    public String name() {
        return "search";
    }

    @Override
    public String summary() {
        return "top-k queries over compressed codes, to .parquet, .ivecs or .npy";
    }

    static Options options(boolean eval) {
        Options o = new Options();
        o.addOption(CompressCommand.opt("codes", "DIR", "output directory of sluice compress"));
        o.addOption(CompressCommand.opt("queries", "PATH", "query vectors: .npy, .fvecs, .bvecs or Parquet"));
        o.addOption(CompressCommand.opt("base", "PATH", "the original vectors (for --rerank"
                + (eval ? ", exact ground truth and MSE)" : ")")));
        o.addOption(CompressCommand.opt("column", "COL", "vector column of Parquet base (default: as compressed)"));
        o.addOption(CompressCommand.opt("id-column", "COL", "id column of Parquet base (default: as compressed)"));
        o.addOption(CompressCommand.opt("query-column", "COL", "vector column of Parquet queries (default --column)"));
        o.addOption(CompressCommand.opt("k", "N", "neighbours per query (default 10)"));
        o.addOption(CompressCommand.opt("rerank", "R", "re-rank the top R candidates by exact distance (default 0: off)"));
        o.addOption(Option.builder().longOpt("json").desc("print the " + (eval ? "measurements" : "summary")
                + " as one JSON object").build());
        if (eval) {
            o.addOption(CompressCommand.opt("ground-truth", "FILE", ".ivecs of exact neighbours (instead of --base)"));
            o.addOption(CompressCommand.opt("save-ground-truth", "FILE", "write the exact neighbours computed from "
                    + "--base to FILE.ivecs, for later runs' --ground-truth"));
        } else {
            o.addOption(CompressCommand.opt("out", "FILE", "results: .parquet (query, rank, id, distance), .ivecs, .npy"));
        }
        return CommonOptions.add(o);
    }

    static SearchConfig config(CommandLine cl) {
        String codes = cl.getOptionValue("codes");
        String gt = cl.getOptionValue("ground-truth");
        String saveGt = cl.getOptionValue("save-ground-truth");
        String out = cl.getOptionValue("out");
        return new SearchConfig(codes == null ? null : Path.of(codes), cl.getOptionValue("queries"),
                cl.getOptionValue("base"), cl.getOptionValue("column"), cl.getOptionValue("id-column"),
                cl.getOptionValue("query-column"), CommonOptions.intOption(cl, "k", 10),
                CommonOptions.intOption(cl, "rerank", 0), gt == null ? null : Path.of(gt),
                saveGt == null ? null : Path.of(saveGt), out == null ? null : Path.of(out));
    }

    @Override
    public Options commandOptions() {
        return options(false);
    }

    @Override
    String usage() {
        return "sluice search --codes DIR --queries PATH --out FILE [--k 10] "
                    + "[--rerank R --base PATH] [--json]";
    }

    @Override
    String help() {
        return "Answers top-k queries over the codes.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        SearchConfig config = config(cl);
        if (config.out() == null) {
            throw SluiceException.usage("--out is required: a .parquet, .ivecs or .npy file for the results");
        }
        SearchJob.Result r = new SearchJob(config, CommonOptions.context(cl, out, err)).run();
        if (cl.hasOption("json")) {
            out.println(JsonOutput.toString(new Summary(r.queries(), config.k(), r.qps(), config.out()), true));
        } else {
            out.printf(Locale.ROOT, "search done: %d queries, k=%d, %,.0f queries/s, wrote %s%n", r.queries(),
                    config.k(), r.qps(), config.out());
        }
        return 0;
    }

    /** What {@code search --json} prints. */
    record Summary(int queries, int k, double queriesPerSecond, Path out) {}
}
