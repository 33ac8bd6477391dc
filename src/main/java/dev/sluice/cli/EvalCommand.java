package dev.sluice.cli;

import dev.sluice.quant.EvalJob;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code sluice eval}: exact ground truth and the recall, error and size of the compressed search. */
final class EvalCommand extends BaseCommand {

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "exact ground truth + recall@k, MSE and compression of compressed search";
    }

    @Override
    public Options commandOptions() {
        return SearchCommand.options(true);
    }

    @Override
    String usage() {
        return "sluice eval --codes DIR --queries PATH (--base PATH | --ground-truth FILE) "
                    + "[--k 10] [--rerank R]";
    }

    @Override
    String help() {
        return "Measures what the compression costs in recall and error.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        EvalJob.Result r = new EvalJob(SearchCommand.config(cl), CommonOptions.context(cl, out, err)).run();
        out.println("eval:");
        r.metrics().forEach((k, v) -> out.printf(Locale.ROOT, "  %-24s %s%n", k,
                v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v)));
        return 0;
    }
}
