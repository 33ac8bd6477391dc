package dev.sluice.quant;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Futures;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.Sizes;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import dev.sluice.engine.WarmUp;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorFiles;
import dev.sluice.io.VectorIo;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Shard;
import dev.sluice.simd.Kernels;
import java.io.IOException;
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
import java.util.concurrent.Executors;
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
public final class CompressJob {
    /**
     * Heap for training, in multiples of the sample's bytes. Live heap after GC measured on 100,000 x 384
     * (153 MB): PQ 213 MB, SQ8 181 MB, RaBitQ 198 MB, OPQ 394 MB (rotated copies).
     */
    static double trainHeapFactor(String method) {
        return method.equals("opq") ? 3 : 2;
    }
    static final String SPLIT = "codes";
    static final String NPY_SPLIT = "npy";
    /** Training vectors used to report the reconstruction error at the end of training. */
    static final int MSE_SAMPLE = 10_000;

    private final CompressConfig config;
    private final JobContext ctx;

    public CompressJob(CompressConfig config, JobContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** What a finished run produced. */
    public record Result(long rows, int dim, String method, int codeBytes, int units, int unitsRun,
                         double trainSeconds, double encodeVectorsPerSecond, double sampleMse, ShardSpec shard,
                         boolean trainOnly) {}

    public Result run() {
        ShardSpec shard = ctx.shard();
        if (config.trainOnly() && !shard.whole()) {
            throw SluiceException.usage("--train-only trains the one codebook of every shard task: run it once, "
                    + "without --shard (here " + shard + ")");
        }
        if (config.faiss() != null && !shard.whole()) {
            throw SluiceException.usage("--faiss needs every code in one process; it cannot run as shard task "
                    + shard);
        }
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit());
        ctx.log("compress: " + budget.describe() + "; kernels: " + Kernels.get().name());
        try (OutputDir out = OutputDir.open(config.out(), shard, OutputDir.taskLockWait(System.getenv()),
                m -> ctx.log("compress: " + m));
             MemoryMonitor memory = new MemoryMonitor()) {
            Path tmp = TempDirs.forTask(ctx.tmpDir(), "compress", out.path(), shard);
            RunRecord record = null;
            // DuckDB only writes shards unless it also reads Parquet input: one thread each then, so that its
            // per-thread memory does not grow with the run.
            int duckThreads = VectorReaders.isParquet(config.input()) ? ctx.workers() : 1;
            // A codebook already here (another task's, or an earlier run's) is read before DuckDB starts, so
            // that the encoder warms up meanwhile.
            Path codebookFile = out.path().resolve(Codebook.FILE);
            Quantizer stored = Files.exists(codebookFile) ? Codebook.read(codebookFile) : null;
            try (WarmUp warmUp = stored == null ? null : EncodeWarmUp.start(stored);
                 DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), duckThreads,
                    tmp.resolve("duckdb"), ctx.workers() * 2 + 2));
                 VectorIo io = new VectorIo(duck, budget.arrowBytes());
                 VectorReader reader = io.open(config.input(), config.column(), config.idColumn())) {
                memory.stage("plan");
                long n = reader.count();
                int dim = reader.dim();
                long unitsLong = (n + config.batchSize() - 1) / config.batchSize();
                if (unitsLong > 999_999) {
                    throw SluiceException.usage(String.format(Locale.ROOT,
                            "%,d vectors in batches of %,d make %,d work units; raise --batch-size", n,
                            config.batchSize(), unitsLong));
                }
                int units = (int) unitsLong;
                Map<String, Object> plan = new LinkedHashMap<>();
                plan.put("job", "compress");
                plan.put("parameters", config.parameters());
                plan.put("inputs", Map.of("describe", reader.describe(), "rows", n, "dim", dim));
                plan.put("units", units);
                plan = out.fixPlan(plan, List.of("job", "parameters", "inputs"));
                record = new RunRecord("compress", config.parameters(), memory.started());
                ctx.log(String.format(Locale.ROOT, "compress: %,d vectors of %d dimensions from %s; %d unit(s), "
                        + "%d worker(s)", n, dim, reader.describe(), units, ctx.workers()));
                out.removeTemporaryFiles(u -> shard.ownsRun(u, units), shard.whole());

                double trainSeconds = 0;
                double sampleMse = Double.NaN;
                Quantizer q;
                if (stored != null) {
                    q = stored;
                    ctx.log("compress: using the codebook in " + codebookFile + " (trained by an earlier run or task)");
                } else if (shard.index() == 0) {
                    memory.stage("sample");
                    int k = (int) Math.min(config.trainSize(), n);
                    checkTrainingFits(k, dim, trainHeapFactor(config.method()), budget);
                    float[] sample = reservoirSample(reader, k, config.seed());
                    memory.stage("train");
                    long t0 = System.nanoTime();
                    q = train(sample, k, dim);
                    trainSeconds = (System.nanoTime() - t0) / 1e9;
                    sampleMse = mse(q, sample, Math.min(k, MSE_SAMPLE), dim);
                    Codebook.write(q, codebookFile);
                    ctx.log(String.format(Locale.ROOT,
                            "compress: trained %s on %,d sampled vectors in %.1f s; %d bytes per code, "
                                    + "sample MSE %.5g", q.method(), k, trainSeconds, q.codeBytes(), sampleMse));
                } else {
                    memory.stage("wait");
                    q = awaitCodebook(codebookFile, shard);
                }
                if (q.dim() != dim) {
                    throw SluiceException.usage(String.format(Locale.ROOT,
                            "%s holds a codebook for %d dimensions but the input has %d; choose another --out",
                            codebookFile, q.dim(), dim));
                }
                record.put("dim", dim).put("quantizer", q.describe()).put("bytes_per_vector", q.codeBytes())
                        .put("compression_ratio", 4.0 * dim / q.codeBytes()).put("train_seconds", trainSeconds)
                        .put("sample_mse", Double.isNaN(sampleMse) ? null : sampleMse)
                        .put("kernels", Kernels.get().name()).put("shard", shard.toString());
                if (config.trainOnly()) {
                    record.put("units", units).put("units_run", 0).put("train_only", true);
                    record.finish(out.path(), "ok", memory, 0);
                    ctx.log("compress: codebook written to " + codebookFile + "; now run the shard tasks "
                            + "(compress ... --shard I/N with the same options), then sluice merge " + out.path());
                    return new Result(n, dim, q.method(), q.codeBytes(), units, 0, trainSeconds, 0, sampleMse,
                            shard, true);
                }

                List<Integer> mine = new ArrayList<>();
                int todo = 0;
                for (int u = 0; u < units; u++) {
                    if (shard.ownsRun(u, units)) {
                        mine.add(u);
                        todo += out.committedShards(u) == null ? 1 : 0;
                    }
                }
                if (!shard.whole()) {
                    ctx.log(String.format(Locale.ROOT, "compress: shard task %s: %d of %d unit(s)", shard,
                            mine.size(), units));
                }
                if (todo < mine.size()) {
                    ctx.log(String.format(Locale.ROOT, "compress: resuming: %d of %d unit(s) already committed",
                            mine.size() - todo, mine.size()));
                }
                if (warmUp != null) {
                    warmUp.close();
                }
                memory.stage("encode");
                long t0 = System.nanoTime();
                int run = encode(reader, q, io, out, units, shard, mine.size());
                double encodeSeconds = (System.nanoTime() - t0) / 1e9;
                long rows = 0;
                for (int u : mine) {
                    rows += ((Number) out.unitRecord(u).get("rows")).longValue();
                }
                double vps = rows / Math.max(encodeSeconds, 1e-9);

                if (shard.whole()) {
                    memory.stage("manifest");
                    writeManifest(out, plan);
                }
                if (config.faiss() != null) {
                    memory.stage("faiss");
                    List<Path> shards = new ArrayList<>();
                    for (int u = 0; u < units; u++) {
                        out.committedShards(u).stream().map(Shard::path).filter(p -> p.endsWith(".parquet"))
                                .forEach(p -> shards.add(out.path().resolve(p)));
                    }
                    FaissExport.write(q, n, () -> io.codes(shards, q.codeBytes()),
                            config.faiss());
                    ctx.log("compress: wrote FAISS index " + config.faiss());
                }
                record.put("rows_out", rows).put("units", units).put("units_run", run)
                        .put("encode_seconds", encodeSeconds).put("encode_vectors_per_second", vps);
                record.finish(out.path(), "ok", memory, rows);
                ctx.log(String.format(Locale.ROOT, "compress: encoded %,d vectors in %.1f s (%,.0f vectors/s) to %s%s",
                        rows, encodeSeconds, vps, out.path(),
                        shard.whole() ? "" : "; when every task is done, run: sluice merge " + out.path()));
                ctx.log(memory.summary());
                return new Result(n, dim, q.method(), q.codeBytes(), units, run, trainSeconds, vps, sampleMse, shard,
                        false);
            } catch (IOException e) {
                throw SluiceException.cannotWrite(out.path(), e);
            } catch (RuntimeException e) {
                if (record != null) {
                    record.fail(out.path(), e, memory);
                }
                throw e;
            } finally {
                TempDirs.deleteTree(tmp);
            }
        }
    }

    /**
     * The manifest of a compress output whose units are all committed: the same bytes whether one process
     * writes it or {@code sluice merge} does after the shard tasks, since both read the plan and the codebook.
     */
    public static Map<String, Object> writeManifest(OutputDir out, Map<String, Object> plan) throws IOException {
        Path codebookFile = out.path().resolve(Codebook.FILE);
        if (!Files.exists(codebookFile)) {
            throw SluiceException.input("no " + Codebook.FILE + " in " + out.path() + ": no task trained the codebook");
        }
        Quantizer q = Codebook.read(codebookFile);
        Map<?, ?> inputs = (Map<?, ?>) plan.get("inputs");
        int dim = ((Number) inputs.get("dim")).intValue();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("rows", ((Number) inputs.get("rows")).longValue());
        totals.put("dim", dim);
        totals.put("quantizer", q.describe());
        totals.put("bytes_per_vector", q.codeBytes());
        totals.put("compression_ratio", 4.0 * dim / q.codeBytes());
        totals.put("codebook", Map.of("path", Codebook.FILE, "bytes", Files.size(codebookFile),
                "crc32c", Shard.checksum(codebookFile)));
        return Manifest.write(out, plan, ((Number) plan.get("units")).intValue(), totals);
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
            default -> throw new IllegalStateException(config.method());
        };
    }

    /**
     * Algorithm R over the whole stream: after row {@code i} each row seen so far is in the sample with the same
     * probability {@code k / (i + 1)}, so the sample does not favour the head of the input. Seeded: the same
     * input and seed give the same sample.
     */
    /**
     * The training sample lives on the heap, and training holds about as much again (sub-space slices,
     * rotated copies, assignments): stop before sampling, with the fix, rather than run out of heap later.
     */
    private static void checkTrainingFits(int k, int dim, double factor, MemoryBudget budget) {
        long need = (long) (factor * k * dim * Float.BYTES);
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap) {
            // The launcher gives compress a fifth of the budget as heap; a detected budget is what the container
            // or the machine has less a reserve (10%, at least 256 MB), so asking for a --memory-limit above it
            // would only get the job killed.
            long budgetNeed = 5 * need;
            String more = budget.source().startsWith("--memory-limit")
                    ? "give --memory-limit " + Sizes.format(budgetNeed) + " or more"
                    : String.format(Locale.ROOT, "the budget, %s, comes from the %s: give the job about %s "
                            + "(--memory-limit %s where that much is free; in a container, a limit of %s or more)",
                            Sizes.format(budget.totalBytes()), budget.source(), Sizes.format(budgetNeed),
                            Sizes.format(budgetNeed), Sizes.format(budgetNeed + Math.max(budgetNeed / 9, 256L << 20)));
            throw SluiceException.resource(String.format(Locale.ROOT,
                    "training on %,d sampled vectors of %d dimensions needs about %s of heap, and the heap is %s "
                            + "(a fifth of the memory budget): %s, or give --train-size %d",
                    k, dim, Sizes.format(need), Sizes.format(heap), more,
                    Math.max(1, (int) (heap / (factor * dim * Float.BYTES)))), null);
        }
    }

    static float[] reservoirSample(VectorReader reader, int k, long seed) {
        int dim = reader.dim();
        float[] sample = new float[Math.multiplyExact(k, dim)];
        Random rnd = new Random(seed);
        VectorBatch b = reader.newBatch(8192);
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

    private int encode(VectorReader reader, Quantizer q, VectorIo io, OutputDir out, int units, ShardSpec shard,
                       int owned) throws IOException {
        int workers = ctx.workers();
        BlockingQueue<VectorBatch> free = new ArrayBlockingQueue<>(workers + 1);
        for (int i = 0; i <= workers; i++) {
            free.add(reader.newBatch(config.batchSize()));
        }
        ThreadLocal<byte[]> codeBuffers = ThreadLocal.withInitial(() -> new byte[config.batchSize() * q.codeBytes()]);
        ExecutorService pool = Executors.newFixedThreadPool(workers,
                Thread.ofPlatform().name("sluice-worker-", 0).factory());
        List<Future<?>> pending = new ArrayList<>();
        AtomicLong encoded = new AtomicLong();
        int run = 0;
        try (Progress progress = new Progress("compress", "units", "vectors", owned, ctx.progress(), ctx.err(), 5000)) {
            reader.rewind();
            for (int u = 0; u < units; u++) {
                VectorBatch b = free.take();
                // Units of other tasks and units already committed are skipped without being read: a memory-mapped
                // file jumps ahead, Parquet starts a new query at the next row it reads. A task's units are one
                // run (ownsRun), so it starts one such query, not one per unit.
                boolean mine = shard.ownsRun(u, units);
                boolean committed = mine && out.committedShards(u) != null;
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
                    try {
                        writeUnit(unit, b, q, codeBuffers.get(), io, out);
                        encoded.addAndGet(b.rows);
                        progress.step(b.rows);
                    } finally {
                        free.put(b);
                    }
                    return null;
                }));
                failFast(pending);
            }
            for (Future<?> f : pending) {
                Futures.get(f, "encoding");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while encoding", e);
        } finally {
            pool.shutdownNow();
        }
        return run;
    }

    /** Rethrows the first failure among finished units, so a bad batch stops the run early. */
    private static void failFast(List<Future<?>> pending) {
        for (Future<?> f : pending) {
            if (f.isDone()) {
                Futures.get(f, "encoding");
            }
        }
        pending.removeIf(Future::isDone);
    }

    private void writeUnit(int unit, VectorBatch b, Quantizer q, byte[] codes, VectorIo io, OutputDir out)
            throws IOException {
        int cb = q.codeBytes();
        for (int i = 0; i < b.rows; i++) {
            q.encodeTo(b.data, i * b.dim, codes, i * cb);
        }
        List<Shard> shards = new ArrayList<>();
        String rel = Shard.name(SPLIT, unit, 0);
        Path target = out.path().resolve(rel);
        Files.createDirectories(target.getParent());
        io.writeCodes(b.ids, codes, b.rows, cb, Shard.temporary(target), "sluice_codes_" + unit);
        shards.add(Shard.commit(out.path(), rel, b.rows));
        if (config.npy()) {
            String base = Shard.name(NPY_SPLIT, unit, 0).replace(".parquet", "");
            Files.createDirectories(out.path().resolve(base).getParent());
            String codesRel = base + ".codes.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(codesRel)), "|u1", b.rows,
                    cb)) {
                o.write(codes, 0, b.rows * cb);
            }
            shards.add(Shard.commit(out.path(), codesRel, b.rows));
            String idsRel = base + ".ids.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(idsRel)), "<i8", b.rows)) {
                byte[] buf = new byte[8 * b.rows];
                java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                        .put(b.ids, 0, b.rows);
                o.write(buf);
            }
            shards.add(Shard.commit(out.path(), idsRel, b.rows));
        }
        out.commitUnit(unit, shards, Map.of("rows", b.rows, "first_row", b.firstRow));
    }

}
