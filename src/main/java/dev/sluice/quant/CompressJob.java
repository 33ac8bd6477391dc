package dev.sluice.quant;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Futures;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.MemoryPolicy;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.Progress;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.WarmUp;
import dev.sluice.engine.WorkerThreads;
import dev.sluice.io.InputFiles;
import dev.sluice.io.RemoteInput;
import dev.sluice.io.StreamedVectors;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorFiles;
import dev.sluice.io.VectorIo;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import dev.sluice.shard.InputFingerprint;
import dev.sluice.shard.JobRun;
import dev.sluice.shard.JobRuntime;
import dev.sluice.shard.JobSpec;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Plan;
import dev.sluice.shard.Shard;
import dev.sluice.simd.Kernels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * compress: train a quantizer on a reservoir sample drawn over the whole input, then encode the input in
 * batches on the worker pool, one code shard per batch.
 *
 * <p>The work units are the input's batches of {@code --batch-size} rows, in input order: unit {@code u} holds
 * rows {@code [u * batch, (u + 1) * batch)} whatever the worker count, so the shards are the same bytes for any
 * {@code --workers}. One thread reads (a stream, for Parquet), the workers encode and write; a fixed ring of
 * {@code workers + 1} batch buffers bounds the memory in flight. The codebook is written before any shard, so a
 * rerun after a kill reads it back instead of training again and encodes only the units not yet committed.
 *
 * <p>As shard task {@code I/N} it encodes one run of consecutive units ({@link ShardSpec#ownsRun}); task 0
 * trains the codebook (unless {@code --train-only} already did) and the other tasks wait for it, so every task
 * encodes with the same codebook and {@code sluice merge} writes the manifest a single process would.
 */
public final class CompressJob implements JobRuntime.Job<CompressJob.Result> {
    static final String SPLIT = "codes";
    static final String NPY_SPLIT = "npy";
    /** Training vectors used to report the reconstruction error at the end of training. */
    static final int MSE_SAMPLE = 10_000;

    private final CompressConfig config;
    private final JobContext ctx;
    private final InputStream stdin;
    private final Map<String, String> env;

    public CompressJob(CompressConfig config, JobContext ctx) {
        this(config, ctx, InputStream.nullInputStream(), System.getenv());
    }

    /**
     * With {@code stdin} for {@code --input -} and {@code env} for URL inputs (AWS_ENDPOINT_URL, HF_ENDPOINT,
     * HF_TOKEN; see {@link RemoteInput#request}).
     */
    public CompressJob(CompressConfig config, JobContext ctx, InputStream stdin, Map<String, String> env) {
        this.config = config;
        this.ctx = ctx;
        this.stdin = stdin;
        this.env = Map.copyOf(env);
    }

    /** What compress's run record says besides the outcome. */
    public record Figures(int dim, Map<String, Object> quantizer, int bytesPerVector, double compressionRatio,
                          double trainSeconds, Double sampleMse, String kernels, boolean trainOnly,
                          double encodeSeconds, double encodeVectorsPerSecond) {
        Figures encoded(double seconds, double vectorsPerSecond) {
            return new Figures(dim, quantizer, bytesPerVector, compressionRatio, trainSeconds, sampleMse, kernels,
                    trainOnly, seconds, vectorsPerSecond);
        }
    }

    /** What a finished run produced. */
    public record Result(long rows, int dim, String method, int codeBytes, int units, int unitsRun,
                         double trainSeconds, double encodeVectorsPerSecond, double sampleMse, ShardSpec shard,
                         boolean trainOnly) {}

    /**
     * The registry entry. compress holds its training sample and its encoding batches on the heap, and its DuckDB
     * only writes code shards (and reads Parquet input): the heap gets three quarters of the budget past 256 MB
     * (kept for the JVM's overhead, Arrow and DuckDB's minimum), so that training on 1M x 1024-d floats (4 GB)
     * fits a 12 GB budget.
     */
    public static final JobSpec SPEC = new JobSpec("compress", new MemoryPolicy(750, 64L << 20, 256L << 20, 1.0 / 8),
            List.of(), JobSpec.Ownership.RUNS, "unit(s)", CompressJob::writeManifest);

    public Result run() {
        return JobRuntime.run(this, ctx);
    }

    @Override
    public JobSpec spec() {
        return SPEC;
    }

    @Override
    public Path out() {
        return config.out();
    }

    @Override
    public String budgetNote() {
        return "; kernels: " + Kernels.get().name();
    }

    @Override
    public void check(JobContext c) {
        ShardSpec shard = c.shard();
        if (config.trainOnly() && !shard.whole()) {
            throw SluiceException.usage("--train-only trains the one codebook of every shard task: run it once, "
                    + "without --shard (here " + shard + ")");
        }
        if (CompressConfig.STDIN.equals(config.input()) && !shard.whole()) {
            throw SluiceException.usage("compress as shard task " + shard + " needs an input file that every task "
                    + "reads alike; save standard input to a file first, or run without --shard");
        }
        if (config.faiss() != null && !shard.whole()) {
            throw SluiceException.usage("--faiss needs every code in one process; it cannot run as shard task "
                    + shard);
        }
        if (config.faiss() != null) {
            FaissExport.check(config.method(), config.faiss());
        }
    }

    @Override
    public Result execute(JobRun run) {
        ShardSpec shard = run.shard();
        OutputDir out = run.out();
        MemoryBudget budget = run.budget();
        // Standard input and URLs are copied to the run's temporary directory (.npy and .fvecs up to --max-vectors,
        // Parquet whole): compress reads its input twice, the training sample and then the encoding.
        long cap = config.maxVectors() > 0 ? config.maxVectors() : Long.MAX_VALUE;
        String input = config.input();
        if (CompressConfig.STDIN.equals(input)) {
            input = StreamedVectors.spool(stdin, "standard input", run.tmp().resolve("stdin"), cap).toString();
        } else if (RemoteInput.isUrl(input)) {
            long t0 = System.nanoTime();
            Path copy = RemoteInput.parse(input).copyTo(run.tmp().resolve("download"), cap, env);
            run.log("copied %s (%s) in %.1f s", input, Sizes.format(copy.toFile().length()),
                    (System.nanoTime() - t0) / 1e9);
            input = copy.toString();
        }
        // DuckDB only writes shards unless it also reads Parquet input: one thread each then, so that its
        // per-thread memory does not grow with the run.
        int duckThreads = VectorReaders.isParquet(input) ? ctx.workers() : 1;
        // A codebook already here (another task's, or an earlier run's) is read before DuckDB starts, so
        // that the encoder warms up meanwhile.
        Path codebookFile = out.path().resolve(Codebook.FILE);
        Quantizer stored = Files.exists(codebookFile) ? Codebook.read(codebookFile) : null;
        try (WarmUp warmUp = stored == null ? null : EncodeWarmUp.start(stored);
             DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), duckThreads,
                     run.tmp().resolve("duckdb"), ctx.workers() * 2 + 2));
             VectorIo io = new VectorIo(duck, budget.arrowBytes());
             VectorReader reader = VectorReaders.capped(io.open(input, config.column(), config.idColumn()),
                     config.maxVectors());
             // DuckDB's first Parquet write costs a fifth of a second more than the next ones: made on another
             // thread while the plan is fixed and the codebook trained, not by the first units.
             WarmUp firstWrite = WarmUp.once("sluice-write-warm-up", () -> io.writeCodes(new long[] {0},
                     new byte[1], 1, 1, run.tmp().resolve("warm-up.parquet"), "sluice_codes_warm_up"))) {
            run.stage("plan");
            long n = reader.count();
            int dim = reader.dim();
            long unitsLong = (n + config.batchSize() - 1) / config.batchSize();
            if (unitsLong > 999_999) {
                throw SluiceException.usage(String.format(Locale.ROOT,
                        "%,d vectors in batches of %,d make %,d work units; raise --batch-size", n,
                        config.batchSize(), unitsLong));
            }
            int units = (int) unitsLong;
            Map<String, Object> inputs = new LinkedHashMap<>();
            inputs.put("describe", reader.describe());
            inputs.put("rows", n);
            inputs.put("dim", dim);
            inputs.put("files", InputFingerprint.of(InputFiles.expandAll(List.of(input), "--input")));
            Plan plan = run.fixPlan(Plan.of(SPEC.name(), config.parameters(), inputs).withUnits(units));
            run.log("%,d vectors of %d dimensions from %s; %d unit(s), %d worker(s)", n, dim, reader.describe(),
                    units, ctx.workers());

            double trainSeconds = 0;
            double sampleMse = Double.NaN;
            Quantizer q;
            if (stored != null) {
                q = stored;
                run.log("using the codebook in " + codebookFile + " (trained by an earlier run or task)");
            } else if (shard.index() == 0) {
                run.stage("sample");
                int k = (int) Math.min(config.trainSize(), n);
                checkTrainingFits(k, n, dim, budget);
                float[] sample = reservoirSample(reader, k, config.seed());
                run.stage("train");
                long t0 = System.nanoTime();
                q = train(sample, k, dim);
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                // The encoder compiles on the other core while the sample's error is measured on this one.
                try (WarmUp encoder = EncodeWarmUp.start(q)) {
                    sampleMse = mse(q, sample, Math.min(k, MSE_SAMPLE), dim);
                }
                Codebook.write(q, codebookFile);
                run.log("trained %s on %,d sampled vectors in %.1f s; %d bytes per code, sample MSE %.5g", q.method(),
                        k, trainSeconds, q.codeBytes(), sampleMse);
            } else {
                run.stage("wait");
                q = awaitCodebook(codebookFile, shard);
            }
            if (q.dim() != dim) {
                throw SluiceException.usage(String.format(Locale.ROOT,
                        "%s holds a codebook for %d dimensions but the input has %d; choose another --out",
                        codebookFile, q.dim(), dim));
            }
            Figures trained = new Figures(dim, q.describe(), q.codeBytes(), 4.0 * dim / q.codeBytes(), trainSeconds,
                    Double.isNaN(sampleMse) ? null : sampleMse, Kernels.get().name(), config.trainOnly(), 0, 0);
            run.record().outcome(new RunRecord.Outcome(0, units, 0, shard.toString())).figures(trained);
            if (config.trainOnly()) {
                run.finish(0);
                run.log("codebook written to " + codebookFile + "; now run the shard tasks (compress ... --shard "
                        + "I/N with the same options), then sluice merge " + out.path());
                return new Result(n, dim, q.method(), q.codeBytes(), units, 0, trainSeconds, 0, sampleMse,
                        shard, true);
            }

            JobRun.Units mine = run.units(units);
            if (warmUp != null) {
                warmUp.close();
            }
            firstWrite.close();
            run.stage("encode");
            long t0 = System.nanoTime();
            int encoded = encode(reader, q, io, out, units, mine, run.memory());
            double encodeSeconds = (System.nanoTime() - t0) / 1e9;
            long rows = 0;
            for (int u : mine.mine()) {
                rows += out.unitRecord(u).count("rows");
            }
            double vps = rows / Math.max(encodeSeconds, 1e-9);
            run.writeManifestIfWhole(plan);
            if (config.faiss() != null) {
                run.stage("faiss");
                List<Path> shards = new ArrayList<>();
                for (int u = 0; u < units; u++) {
                    out.committedShards(u).stream().map(Shard::path).filter(p -> p.endsWith(".parquet"))
                            .forEach(p -> shards.add(out.path().resolve(p)));
                }
                FaissExport.write(q, n, () -> io.codes(shards, q.codeBytes()), config.faiss());
                run.log("wrote FAISS index " + config.faiss());
            }
            run.record().outcome(new RunRecord.Outcome(rows, units, encoded, shard.toString()))
                    .figures(trained.encoded(encodeSeconds, vps));
            run.finish(rows);
            run.log("encoded %,d vectors in %.1f s (%,.0f vectors/s) to %s%s", rows, encodeSeconds, vps, out.path(),
                    run.mergeHint());
            return new Result(n, dim, q.method(), q.codeBytes(), units, encoded, trainSeconds, vps, sampleMse, shard,
                    false);
        } catch (IOException e) {
            throw SluiceException.cannotWrite(out.path(), e);
        }
    }

    /**
     * The manifest of a compress output whose units are all committed: the same bytes whether one process
     * writes it or {@code sluice merge} does after the shard tasks, since both read the plan and the codebook.
     */
    static Manifest.Written writeManifest(OutputDir out, Plan plan) {
        Path codebookFile = out.path().resolve(Codebook.FILE);
        if (!Files.exists(codebookFile)) {
            throw SluiceException.input("no " + Codebook.FILE + " in " + out.path() + ": no task trained the codebook");
        }
        Quantizer q = Codebook.read(codebookFile);
        Map<?, ?> inputs = (Map<?, ?>) plan.inputs();
        int dim = ((Number) inputs.get("dim")).intValue();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("rows", ((Number) inputs.get("rows")).longValue());
        totals.put("dim", dim);
        totals.put("quantizer", q.describe());
        totals.put("bytes_per_vector", q.codeBytes());
        totals.put("compression_ratio", 4.0 * dim / q.codeBytes());
        try {
            totals.put("codebook", Map.of("path", Codebook.FILE, "bytes", Files.size(codebookFile),
                    "crc32c", Shard.checksum(codebookFile)));
        } catch (IOException e) {
            throw SluiceException.cannotWrite(codebookFile, e);
        }
        return Manifest.write(out, plan, totals);
    }

    /**
     * A shard task other than 0 encodes with the codebook task 0 (or {@code compress --train-only}) writes; the
     * file is renamed into place whole, so its presence means it is complete.
     */
    private Quantizer awaitCodebook(Path file, ShardSpec shard) {
        long start = System.nanoTime();
        long limit = config.codebookWaitSeconds() * 1_000_000_000L;
        long nextLog = 0;
        while (!Files.exists(file)) {
            long waited = System.nanoTime() - start;
            if (waited >= limit) {
                throw SluiceException.resource(String.format(Locale.ROOT, "shard task %s waited %d s for %s and "
                        + "gave up: run compress --train-only with the same options first, or make sure task 0 runs; "
                        + "--codebook-wait sets the limit", shard, config.codebookWaitSeconds(), file), null);
            }
            if (waited >= nextLog) {
                ctx.log(String.format(Locale.ROOT, "compress: shard task %s waiting for the codebook %s (written by "
                        + "task 0 or compress --train-only); %d of %d s", shard, file, waited / 1_000_000_000L,
                        config.codebookWaitSeconds()));
                nextLog += 30_000_000_000L;
            }
            try {
                Thread.sleep(Math.min(500, Math.max(1, (limit - waited) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw SluiceException.internal("interrupted while waiting for " + file, e);
            }
        }
        ctx.log("compress: shard task " + shard + " found the codebook " + file);
        return Codebook.read(file);
    }

    Quantizer train(float[] sample, int k, int dim) {
        int threads = ctx.workers();
        return switch (config.method()) {
            case "pq" -> ProductQuantizer.train(sample, k, dim, config.m(), config.nbits(), config.seed(), threads);
            case "opq" -> OpqQuantizer.train(sample, k, dim, config.m(), config.nbits(), config.seed(), threads);
            case "sq8" -> ScalarQuantizer.train(sample, k, dim, 8);
            case "sq4" -> ScalarQuantizer.train(sample, k, dim, 4);
            case "rabitq" -> RaBitQuantizer.train(sample, k, dim, config.bits(), config.seed());
            case "saq" -> SaqQuantizer.train(sample, k, dim, config.bits(), config.seed());
            default -> throw new IllegalStateException(config.method());
        };
    }

    /**
     * Algorithm R over the whole stream: after row {@code i} each row seen so far is in the sample with the same
     * probability {@code k / (i + 1)}, so the sample does not favour the head of the input. Seeded: the same
     * input and seed give the same sample.
     */
    /**
     * The training sample lives on the heap, and training holds some more (sub-space slices, assignments; OPQ its
     * rotated copies), besides the encoding batches: stop before sampling, with the fix, rather than run out of
     * heap later. Live heap after GC measured on 100,000 x 384 (153 MB of sample): PQ 213 MB, SQ8 181 MB, RaBitQ
     * 198 MB, OPQ 394 MB; the factors below cover those with the batches counted apart.
     */
    private void checkTrainingFits(int k, long n, int dim, MemoryBudget budget) {
        double factor = config.method().equals("opq") ? 2.6 : 1.3;
        long batches = (long) (ctx.workers() + 1) * batchRows(n) * dim * Float.BYTES
                + Math.min(SAMPLE_BATCH, n) * dim * Float.BYTES;
        long need = (long) (factor * k * dim * Float.BYTES) + batches + OTHER_HEAP;
        // The heap the budget counts (the JVM's may be larger when the budget was detected; see MemoryPolicy).
        long heap = budget.jvmHeapBytes();
        if (need > heap) {
            // The budget that gives this heap by compress's policy (the launcher sets -Xmx from the same policy).
            // A detected budget is what the container or the machine has less a reserve (10%, at least 256 MB), so
            // asking for a --memory-limit above it would only get the job killed.
            // Under the serial collector the JVM keeps one survivor space out of -Xmx: a thirtieth of it.
            long budgetNeed = SPEC.memory().budgetForHeap(need * 30 / 29 + (1L << 20));
            String more = budget.source().startsWith("--memory-limit")
                    ? "give --memory-limit " + Sizes.format(budgetNeed) + " or more"
                    : String.format(Locale.ROOT, "the budget, %s, comes from the %s: give the job about %s "
                            + "(--memory-limit %s where that much is free; in a container, a limit of %s or more)",
                            Sizes.format(budget.totalBytes()), budget.source(), Sizes.format(budgetNeed),
                            Sizes.format(budgetNeed), Sizes.format(budgetNeed + Math.max(budgetNeed / 9, 256L << 20)));
            throw SluiceException.resource(String.format(Locale.ROOT,
                    "training on %,d sampled vectors of %d dimensions needs about %s of heap, and the heap is %s: "
                            + "%s, or give --train-size %d",
                    k, dim, Sizes.format(need), Sizes.format(heap), more,
                    Math.max(1, (int) ((heap - batches - OTHER_HEAP) / (factor * dim * Float.BYTES)))), null);
        }
    }

    /** The heap the job holds besides the sample and the batches (classes, the driver, buffers): 16 MB. */
    static final long OTHER_HEAP = 16L << 20;

    /** Rows of an encoding batch: {@code --batch-size}, or the whole input when it is smaller. */
    private int batchRows(long n) {
        return (int) Math.max(1, Math.min(config.batchSize(), n));
    }

    /** Rows per batch read while drawing the training sample. */
    static final int SAMPLE_BATCH = 8192;

    /**
     * Algorithm R over the whole stream: after row {@code i} each row seen so far is in the sample with the same
     * probability {@code k / (i + 1)}, so the sample does not favour the head of the input. Seeded: the same
     * input and seed give the same sample.
     */
    static float[] reservoirSample(VectorReader reader, int k, long seed) {
        int dim = reader.dim();
        float[] sample = new float[Math.multiplyExact(k, dim)];
        Random rnd = new Random(seed);
        VectorBatch b = reader.newBatch(SAMPLE_BATCH);
        reader.rewind();
        long seen = 0;
        while (reader.next(b)) {
            for (int i = 0; i < b.rows; i++, seen++) {
                long slot = seen < k ? seen : rnd.nextLong(seen + 1);
                if (slot < k) {
                    System.arraycopy(b.data, i * dim, sample, (int) slot * dim, dim);
                }
            }
        }
        return sample;
    }

    /** Mean over vectors of the squared reconstruction error. */
    static double mse(Quantizer q, float[] data, int n, int dim) {
        byte[] code = new byte[q.codeBytes()];
        float[] rec = new float[dim];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            q.encodeTo(data, i * dim, code, 0);
            q.decode(code, 0, rec, 0);
            sum += Kernels.get().squareDistance(data, i * dim, rec, 0, dim);
        }
        return sum / Math.max(n, 1);
    }

    private int encode(VectorReader reader, Quantizer q, VectorIo io, OutputDir out, int units, JobRun.Units todo,
                       MemoryMonitor memory) throws IOException {
        int workers = ctx.workers();
        BlockingQueue<VectorBatch> free = new ArrayBlockingQueue<>(workers + 1);
        for (int i = 0; i <= workers; i++) {
            free.add(reader.newBatch(batchRows(reader.count())));
        }
        int rows = batchRows(reader.count());
        ThreadLocal<byte[]> codeBuffers = ThreadLocal.withInitial(() -> new byte[rows * q.codeBytes()]);
        ExecutorService pool = WorkerThreads.workers(workers);
        // Commits (a shard forced to disk and renamed, its checksum, the unit's record) mostly wait on the disk: one
        // thread does them while the workers encode the next units.
        ExecutorService committer = WorkerThreads.fixed(1, "sluice-commit-");
        List<Future<Future<?>>> pending = new ArrayList<>();
        AtomicLong encoded = new AtomicLong();
        int run = 0;
        java.util.Set<Integer> mineSet = new java.util.HashSet<>(todo.mine());
        java.util.Set<Integer> todoSet = new java.util.HashSet<>(todo.todo());
        try (Progress progress = new Progress("compress", "units", "vectors", mineSet.size(), ctx.progress(), ctx.err(),
                5000, memory.budgetBytes())) {
            reader.rewind();
            for (int u = 0; u < units; u++) {
                VectorBatch b = free.take();
                // Units of other tasks and units already committed are skipped without being read: a memory-mapped
                // file jumps ahead, Parquet starts a new query at the next row it reads. A task's units are one
                // run (ownsRun), so it starts one such query, not one per unit.
                boolean mine = mineSet.contains(u);
                boolean committed = mine && !todoSet.contains(u);
                boolean encodeIt = mine && !committed;
                if (!(encodeIt ? reader.next(b) : reader.skip(b))) {
                    throw SluiceException.input(String.format(Locale.ROOT,
                            "%s ended after %d of %d units: did the input change during the run?",
                            reader.describe(), u, units));
                }
                if (!encodeIt) {
                    free.put(b);
                    if (committed) {
                        progress.step(b.rows);
                    }
                    continue;
                }
                run++;
                final int unit = u;
                pending.add(pool.submit(() -> {
                    int rowsOfUnit = b.rows;
                    Runnable commit;
                    try {
                        commit = writeUnit(unit, b, q, codeBuffers.get(), io, out);
                    } finally {
                        free.put(b);
                    }
                    return committer.submit(() -> {
                        commit.run();
                        memory.rowsDone(encoded.addAndGet(rowsOfUnit));
                        progress.step(rowsOfUnit);
                    });
                }));
                failFast(pending);
            }
            for (Future<Future<?>> f : pending) {
                Futures.get(Futures.get(f, "encoding"), "committing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while encoding", e);
        } finally {
            pool.shutdownNow();
            committer.shutdownNow();
        }
        return run;
    }

    /** Rethrows the first failure among finished units and commits, so a bad batch stops the run early. */
    private static void failFast(List<Future<Future<?>>> pending) {
        pending.removeIf(f -> {
            if (!f.isDone()) {
                return false;
            }
            Future<?> commit = Futures.get(f, "encoding");
            if (!commit.isDone()) {
                return false;
            }
            Futures.get(commit, "committing");
            return true;
        });
    }

    /**
     * Encodes a unit and writes its files under temporary names; returns its commit (each file made durable and
     * renamed, then the unit's record), which needs none of the batch.
     */
    private Runnable writeUnit(int unit, VectorBatch b, Quantizer q, byte[] codes, VectorIo io, OutputDir out)
            throws IOException {
        int cb = q.codeBytes();
        int rows = b.rows;
        long firstRow = b.firstRow;
        q.encodeBatch(b.data, 0, rows, codes, 0);
        List<String> files = new ArrayList<>();
        String rel = Shard.name(SPLIT, unit, 0);
        Path target = out.path().resolve(rel);
        Files.createDirectories(target.getParent());
        io.writeCodes(b.ids, codes, rows, cb, Shard.temporary(target), "sluice_codes_" + unit);
        files.add(rel);
        if (config.npy()) {
            String base = Shard.name(NPY_SPLIT, unit, 0).replace(".parquet", "");
            Files.createDirectories(out.path().resolve(base).getParent());
            String codesRel = base + ".codes.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(codesRel)), "|u1", rows,
                    cb)) {
                o.write(codes, 0, rows * cb);
            }
            files.add(codesRel);
            String idsRel = base + ".ids.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(idsRel)), "<i8", rows)) {
                byte[] buf = new byte[8 * rows];
                java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                        .put(b.ids, 0, rows);
                o.write(buf);
            }
            files.add(idsRel);
        }
        return () -> {
            List<Shard> shards = new ArrayList<>();
            for (String f : files) {
                shards.add(Shard.commit(out.path(), f, rows));
            }
            out.commitUnit(unit, shards, Map.of("rows", (long) rows, "first_row", firstRow));
        };
    }

}
