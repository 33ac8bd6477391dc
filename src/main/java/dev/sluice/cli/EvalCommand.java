package dev.sluice.cli;

import dev.sluice.quant.EvalJob;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
                    + "[--k 10] [--rerank R] [--json]";
    }

    @Override
    String help() {
        return "Measures what the compression costs in recall and error.";
    }

    @Override
    int execute(CommandLine cl, PrintStream out, PrintStream err) throws Exception {
        EvalJob.Result r = new EvalJob(SearchCommand.config(cl), CommonOptions.context(cl, out, err)).run();
        if (cl.hasOption("json")) {
            out.println(JsonOutput.toString(r.metrics(), true));
            return 0;
        }
        out.println("eval:");
        r.metrics().forEach((k, v) -> out.printf(Locale.ROOT, "  %-24s %s%n", k, text(v)));
        return 0;
    }

    /**
     * A measurement as a person reads it: recalls and other small figures to four places, rates and counts with
     * separators, the method as {@code pq (dim 384, m 16, nbits 8)}.
     */
    static String text(Object v) {
        return switch (v) {
            case Double d when Math.abs(d) >= 100 -> String.format(Locale.ROOT, "%,.0f", d);
            case Double d -> String.format(Locale.ROOT, "%.4f", d);
            case Integer i -> String.format(Locale.ROOT, "%,d", i);
            case Long l -> String.format(Locale.ROOT, "%,d", l);
            case Map<?, ?> m -> {
                List<String> parts = new ArrayList<>();
                m.forEach((k, x) -> {
                    if (!k.equals("method")) {
                        parts.add(k + " " + (x instanceof Number n ? n.toString() : text(x)));
                    }
                });
                String head = m.containsKey("method") ? m.get("method") + " " : "";
                yield head + "(" + String.join(", ", parts) + ")";
            }
            case null -> "-";
            default -> v.toString();
        };
    }
}
