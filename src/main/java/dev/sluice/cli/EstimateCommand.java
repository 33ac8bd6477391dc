package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.Json;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import dev.sluice.estimate.Estimate;
import dev.sluice.estimate.InputSamples;
import dev.sluice.estimate.SampleRuns;
import dev.sluice.io.InputFiles;
import dev.sluice.io.RemoteInput;
import dev.sluice.io.TextInputs;
import dev.sluice.io.VectorIo;
import dev.sluice.io.VectorReader;
import dev.sluice.logits.LogitsConfig;
import dev.sluice.logits.LogitsJob;
import dev.sluice.probe.ProbeRowsConfig;
import dev.sluice.probe.ProbeRowsJob;
import dev.sluice.quant.CompressConfig;
import dev.sluice.text.PackConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/**
 * {@code sluice estimate JOB [its options]}: runs the job on two samples of its input (whole keys for
 * probe-rows, the first vectors for compress, the first documents for pack) under its own options, and
 * extrapolates rows, disk, memory and time to the whole input.
 */
final class EstimateCommand implements Command {
    /** Options that say where a run writes or how it reports, not what it does: the samples set their own. */
    private static final Set<String> PLACE = Set.of("input", "out", "tmp-dir", "progress", "shard", "help");

    @Override
    public String name() {
        return "estimate";
    }

    @Override
    public String summary() {
        return "the rows, disk, memory and time a job will need, from runs on samples of its input";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean json = rest.remove("--json");
        if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h")) {
            help(out, null);
            return rest.isEmpty() ? 2 : 0;
        }
        String job = rest.remove(0);
        String[] jobArgs = rest.toArray(String[]::new);
        JobCommand command = Registry.job(job).orElseThrow(() -> SluiceException.usage("estimate knows "
                + String.join(", ", Registry.jobs().stream().map(Command::name).toList()) + ", not '" + job + "'"));
        if (rest.contains("--help") || rest.contains("-h")) {
            help(out, command);
            return 0;
        }
        CommandLine cl = CommonOptions.parse(command.commandOptions(), jobArgs);
        JobContext ctx = CommonOptions.context(cl, out, err);
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit());
        Path work = Files.createTempDirectory(Files.createDirectories(ctx.tmpDir()), "sluice-estimate-");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        SampleRuns.Runner runner = a -> command.run(a.toArray(String[]::new), quiet, quiet);
        try (DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), ctx.workers(),
                work.resolve("duckdb"), 2))) {
            // What this process took to start and load DuckDB (the session has run its settings) stands for a fresh
            // run's start; taken before the samples are cut, which reads the whole input.
            double start = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
            Estimate e = command.estimate(new Context(cl, duck, work, runner, budget, start));
            // With --shard (or a scheduler's array variables), one task's share too: what to ask the scheduler for.
            ShardSpec shard = ctx.shard();
            if (shard.whole()) {
                out.print(json ? Json.toString(e.toMap()) + "\n" : e.report());
            } else {
                out.print(json ? Json.toString(e.toMap(shard.count())) + "\n" : e.report(shard.index(), shard.count()));
            }
            return 0;
        } finally {
            TempDirs.deleteTree(work);
        }
    }

    /** Its own options, then the jobs it estimates, or {@code job}'s options (those the samples take). */
    private static void help(PrintStream out, JobCommand job) {
        Options own = new Options();
        own.addOption(Option.builder().longOpt("json").desc("print the numbers as one JSON object").build());
        own.addOption(Option.builder().longOpt("shard").hasArg().argName("I/N")
                .desc("also the share of task I of N (default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
                .build());
        own.addOption(Option.builder().longOpt("help").desc("show this help; after a job, its options").build());
        String name = job == null ? "JOB" : job.name();
        CommonOptions.printHelp(out, "sluice estimate " + name + " [" + name + "'s options] [--json]",
                "Runs the job on two samples of its input (seconds) and extrapolates rows out, output and temp disk, "
                        + "peak memory and time. JOB is one of: " + String.join(", ",
                        Registry.jobs().stream().map(Command::name).toList()) + ".", own);
        if (job != null) {
            out.println();
            CommonOptions.printHelp(out, "sluice " + name + " [options]", "the options of " + name
                    + ", which estimate passes to its samples (--input and --out say where, not what):",
                    job.commandOptions());
        } else {
            out.println("The job's options are its own: see sluice estimate JOB --help or sluice JOB --help.");
        }
    }

    /** What a job's sampler works with: its options, a DuckDB session, a work directory, the runner, the budget. */
    record Context(CommandLine cl, DuckSession duck, Path work, SampleRuns.Runner runner, MemoryBudget budget,
                   double start) {}

    /** Sample {@code i} of a job: the options that point the job at it, its size, the vectors it trains on. */
    private record Sample(List<String> args, double size, long trainRows) {}

    /**
     * Runs the smaller sample twice (the first run pays the JIT and class loading a fresh process pays once) and
     * the larger once, then extrapolates. {@code drop} are the job's options the samples must not pass on.
     */
    private static Estimate extrapolate(Estimate.Input in, List<Sample> samples, Set<String> drop, String rowsOutKey,
                                        CommandLine cl, Path work, SampleRuns.Runner runner, MemoryBudget budget,
                                        double start) throws Exception {
        Estimate.SampleRun warm = sampleRun(runner, cl, drop, samples.get(0), work, "warm", rowsOutKey);
        Estimate.SampleRun small = sampleRun(runner, cl, drop, samples.get(0), work, "0", rowsOutKey);
        Estimate.SampleRun large = sampleRun(runner, cl, drop, samples.get(1), work, "1", rowsOutKey);
        start += Math.max(0, warm.seconds() - small.seconds());
        return Estimate.of(in, budget.totalBytes(), start, small, large);
    }

    static Estimate probeRows(ProbeRowsConfig cfg, Context c) throws Exception {
        CommandLine cl = c.cl();
        DuckSession duck = c.duck();
        Path work = c.work();
        MemoryBudget budget = c.budget();
        InputFiles.Resolved input = InputFiles.resolve(cfg.inputs(), "--input");
        long n = InputSamples.rows(duck, InputFiles.relation(input), String.valueOf(input.files().get(0)));
        // Whole keys of about an eighth and a quarter of the input, at most ~1,000,000 measurements: with ~200,000 the
        // two samples' times differed by too little for the slope (30M flights: 3.4 to 14.2 s estimated for 6.6 s).
        int m = (int) Math.max(4, Math.ceil(n / 1_000_000.0));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path file = work.resolve("sample-" + i + ".parquet");
            InputSamples.keySample(duck, input, cfg.key(), m * (2 - i), file);
            long rows = InputSamples.rows(duck, InputFiles.relation(InputFiles.resolve(List.of(file.toString()),
                    "--input")), file.toString());
            samples.add(new Sample(List.of("--input", file.toString()), rows, 0));
        }
        int fields = cfg.fields().isEmpty()
                ? InputSamples.columns(duck, InputFiles.relation(input), String.valueOf(input.files().get(0))) - 2
                : cfg.fields().size();
        // DuckDB's share of the same budget as probe-rows splits it.
        long duckdb = MemoryBudget.detect(OptionalLong.of(budget.totalBytes()), ProbeRowsJob.SPEC.memory())
                .duckdbBytes();
        return extrapolate(new Estimate.Input("probe-rows", n, n, "measurements", "rows", 0), samples, Set.of(),
                "rows_out", cl, work, c.runner(), budget, c.start())
                .withSort((double) n * ProbeRowsJob.sortBytesPerRow(fields), duckdb);
    }

    static Estimate compress(CompressConfig cfg, Context c) throws Exception {
        CommandLine cl = c.cl();
        Path work = c.work();
        MemoryBudget budget = c.budget();
        long n;
        List<Sample> samples = new ArrayList<>();
        String input = cfg.input();
        if (CompressConfig.STDIN.equals(input)) {
            throw SluiceException.usage("estimate cannot sample standard input (--input -): the samples would "
                    + "consume the stream the run needs; estimate on a file of the same vectors");
        }
        if (RemoteInput.isUrl(input)) {
            // Downloaded as compress downloads it (up to --max-vectors for .npy and .fvecs): the samples and the
            // size come from the copy; the download's own time is not in the estimate.
            long cap = cfg.maxVectors() > 0 ? cfg.maxVectors() : Long.MAX_VALUE;
            input = RemoteInput.parse(input).copyTo(work.resolve("download"), cap, System.getenv()).toString();
        }
        try (VectorIo io = new VectorIo(c.duck(), budget.arrowBytes());
             VectorReader reader = io.open(input, cfg.column(), cfg.idColumn())) {
            n = cfg.maxVectors() > 0 ? Math.min(reader.count(), cfg.maxVectors()) : reader.count();
            long large = Math.max(2, Math.min(n / 4, 40_000));
            for (long rows : new long[] {large / 2, large}) {
                Path file = work.resolve("sample-" + rows + ".npy");
                InputSamples.headNpy(reader, rows, file);
                samples.add(new Sample(List.of("--input", file.toString()), rows, Math.min(cfg.trainSize(), rows)));
            }
        }
        return extrapolate(new Estimate.Input("compress", n, n, "vectors", "codes", Math.min(cfg.trainSize(), n)),
                samples, Set.of("column", "id-column", "faiss", "train-only", "codebook-wait", "max-vectors"),
                "rows_out", cl,
                work, c.runner(), budget, c.start());
    }

    static Estimate pack(PackConfig cfg, Context c) throws Exception {
        CommandLine cl = c.cl();
        DuckSession duck = c.duck();
        TextInputs.Resolved input = TextInputs.resolve(cfg.inputs(), cfg.format());
        long n = InputSamples.documents(input, duck);
        if (cfg.maxSamples() > 0) {
            n = Math.min(n, cfg.maxSamples());
        }
        // Documents differ in length along a file: scale line formats by bytes, others by documents.
        Long inputBytes = InputSamples.bytesOfFirstLines(input, n);
        long large = Math.max(2, Math.min(n / 4, 20_000));
        List<Sample> samples = new ArrayList<>();
        for (long docs : new long[] {large / 2, large}) {
            List<String> args = new ArrayList<>(List.of("--max-samples", String.valueOf(docs)));
            for (String in : cfg.inputs()) {
                args.addAll(List.of("--input", in));
            }
            Long bytes = InputSamples.bytesOfFirstLines(input, docs);
            samples.add(new Sample(args, bytes == null ? docs : bytes, 0));
        }
        // A store of earlier runs is left alone: the samples dedup within themselves only. --index-only is a step
        // of shard tasks: the samples pack.
        return extrapolate(new Estimate.Input("pack", n, inputBytes == null ? n : inputBytes, "documents",
                "sequences", 0), samples, Set.of("max-samples", "dedup-store", "index-only"), "sequences", cl, c.work(),
                c.runner(), c.budget(), c.start());
    }

    static Estimate logits(LogitsConfig cfg, Context c) throws Exception {
        long n = LogitsJob.sequences(cfg);
        long large = Math.max(2, Math.min(n / 4, 256));
        List<Sample> samples = new ArrayList<>();
        for (long rows : new long[] {large / 2, large}) {
            samples.add(new Sample(List.of("--input", cfg.input().toString(), "--max-samples", String.valueOf(rows)),
                    rows, 0));
        }
        Estimate e = extrapolate(new Estimate.Input("logits", n, n, "sequences", "sequences", 0), samples,
                Set.of("max-samples"), "rows_out", c.cl(), c.work(), c.runner(), c.budget(), c.start());
        long tokens = LogitsJob.tokens(cfg, c.duck());
        long raw = tokens * cfg.topK() * LogitsJob.ENTRY_BYTES;
        return e.withNote(String.format(Locale.ROOT, "disk raw:     %,d tokens x top %d x %d bytes = %s before "
                + "compression; Parquet measured on the samples: %.2f bytes an entry", tokens, cfg.topK(),
                LogitsJob.ENTRY_BYTES, Sizes.format(raw), e.outputBytes() / Math.max(1.0, tokens * (double) cfg.topK())));
    }

    /** The job's own options (less {@code drop} and where it writes) run on {@code sample}. */
    private static Estimate.SampleRun sampleRun(SampleRuns.Runner runner, CommandLine cl, Set<String> drop,
                                                Sample sample, Path work, String name, String rowsOutKey)
            throws Exception {
        List<String> args = new ArrayList<>();
        for (Option o : cl.getOptions()) {
            if (PLACE.contains(o.getLongOpt()) || drop.contains(o.getLongOpt())) {
                continue;
            }
            if (o.hasArg()) {
                for (String v : o.getValues()) {
                    args.addAll(List.of("--" + o.getLongOpt(), v));
                }
            } else {
                args.add("--" + o.getLongOpt());
            }
        }
        args.addAll(sample.args());
        Path out = work.resolve("out-" + name);
        Path tmp = work.resolve("tmp-" + name);
        args.addAll(List.of("--out", out.toString(), "--tmp-dir", tmp.toString(), "--progress", "none"));
        return SampleRuns.run(runner, args, out, tmp, sample.size(), rowsOutKey, sample.trainRows());
    }
}
