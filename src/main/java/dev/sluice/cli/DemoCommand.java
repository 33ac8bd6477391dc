package dev.sluice.cli;

import dev.sluice.engine.Install;
import dev.sluice.engine.TempDirs;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sluice demo}: probe-rows on the bundled flight sample (routes as keys, departures as time,
 * delay and distance as values), then the inspect summary of the output.
 */
final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "probe-rows on data-samples/flights, then inspect";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            out.println("usage: sluice demo [OUT] [probe-rows options]");
            out.println("Runs probe-rows on data-samples/flights/flights-sample.parquet (routes as keys, departures as "
                    + "time, delay and distance as values) into OUT (default demo-out), then inspects it. Other "
                    + "options (--workers, --memory-limit, --progress, ...) go to probe-rows: see sluice probe-rows "
                    + "--help.");
            return 0;
        }
        Path home = Install.home();
        Path sample = home.resolve("data-samples/flights/flights-sample.parquet");
        // The default output is in the working directory: an installed copy's home is often not writable.
        Path demoOut = Path.of(args.length > 0 && !args[0].startsWith("-") ? args[0] : "demo-out");
        if (!Files.exists(sample)) {
            err.println("sluice demo: the sample " + sample + " is missing; run scripts/data/flights.sh to make it");
            return 3;
        }
        if (Files.exists(demoOut.resolve("_plan.json"))) {
            TempDirs.deleteTree(demoOut); // an earlier demo's output: start afresh
        }
        List<String> probe = new ArrayList<>(List.of("--input", sample.toString(), "--key", "route",
                "--time", "date", "--fields", "delay,distance", "--max-len", "256", "--test-fraction", "0.1",
                "--out", demoOut.toString()));
        // Everything after OUT goes to probe-rows, options with their values.
        probe.addAll(List.of(args).subList(args.length > 0 && !args[0].startsWith("-") ? 1 : 0, args.length));
        out.println("$ sluice probe-rows " + String.join(" ", probe));
        int rc = new ProbeRowsCommand().run(probe.toArray(String[]::new), out, err);
        if (rc != 0) {
            return rc;
        }
        out.println();
        out.println("$ sluice inspect " + demoOut);
        return new InspectCommand().run(new String[] {demoOut.toString()}, out, err);
    }
}
